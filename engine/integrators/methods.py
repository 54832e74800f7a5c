"""Numerical integration methods: one block of equations -> one step of statements.

:func:`discretize` turns the ordered equations of a model into the ordered
scalar :class:`~engine.integrators.statements.Statement` that advance one
element (neuron or synapse) by one step ``dt``. Codegen prints them inside the
loop over elements, reading the state into locals named like the variables
and writing back the state variables afterwards.

Semantics (ANNarchy's)
----------------------
- Equations run in written order. An assignment ``x = e`` becomes
  ``Statement('x', e)`` at its position; later statements see the new ``x``.
- ODEs written one after the other form a *run* (ANNarchy's ODE block, see
  ``sort_odes`` in its generator). Every derivative of a run is computed from
  the values at the start of the run (the start-of-step state, plus the
  assignments written before it), into ``_d_x``; the run's variables are
  updated together at its end (``x = x + _d_x``), before the next
  assignment. So ``dx/dt = y; dy/dt = -x`` is integrated as one coupled
  system, and ``dv/dt = ...; r = pos(v)`` gives ``r`` from the new ``v``.
- ``min``/``max`` bounds are applied right after the variable is updated
  (``x = Min(Max(x, lo), hi)``).
- For the update equations of a spiking neuron, the statements that write a
  variable frozen during the refractory period get ``frozen_when_refractory``:
  every variable but the conductances ``g_*``, or only those of equations
  flagged ``unless_refractory`` when the model flags any
  (``ModelIR.refractory_rule``).
- Temporaries start with ``_``: ``_d_x`` (increment), ``_k1_x`` ... (stage
  slopes), ``_rand_0`` ... (a random draw taken once per step).

Methods
-------
The method of an ODE is ``Equation.method``, else ``ModelIR.method``, else
``default_method``.

``explicit``
    Forward Euler: ``_d_x = dt*f``. Order 1.
``midpoint``, ``rk4``
    Explicit Runge-Kutta of order 2 and 4. The stages are computed for the
    whole group of ODEs of a run that share the method (a system), with
    ``t`` advanced to the stage time. An assignment is a variable computed
    once per step, as in ANNarchy: the stages read the value it was given
    (``I = g*(E - v); dv/dt = I - v`` holds ``I`` over the step, like a
    synaptic input, so the coupling through ``I`` is first order). To have
    an expression re-evaluated at every stage (order 2/4 for the whole
    system, as Brian2's subexpressions), write it in the ODE or as a
    function (``functions="I_syn(v, g, E) = g*(E - v)"``). Random draws of the
    right-hand sides are drawn once per step into ``_rand_k`` and shared by
    all stages.
``exponential``
    Exponential Euler for ``dx/dt = A + B*x`` (``A``, ``B`` free of ``x``,
    read at the start of the step): with ``tau_eff = -1/B`` and
    ``x_inf = -A/B``, ``x_new = x_inf + (x - x_inf)*exp(-dt/tau_eff)``.
    Exact for linear ODEs with constant input, first order otherwise.
    Forward Euler when ``B == 0`` symbolically. (If ``B`` can be zero at run
    time only, e.g. ``B = -g/tau`` with ``g = 0``, the result is NaN: write
    such ODEs with another method.)
``implicit``
    Backward Euler for ODEs linear in their own variable:
    ``x_new = (x + dt*A)/(1 - dt*B)``. Order 1.
``semiimplicit``
    The terms proportional to ``x`` (coefficient ``B`` free of ``x``, found
    after expansion) are implicit, the rest ``R`` explicit:
    ``x_new = (x + dt*R)/(1 - dt*B)``; forward Euler when ``B == 0``. Accepts
    nonlinear ODEs. Order 1.
``event-driven``
    Linear ODE with constant coefficients, ``dx/dt = A + B*x`` with ``A``
    and ``B`` made of parameters and constants (a decay, or a relaxation to
    a constant): ``x_new = x_inf + (x - x_inf)*exp(B*dt)``. Exact.
    :func:`event_driven_solution` gives the closed form after any elapsed
    time (for traces updated only at spikes).

Raises
------
EquationError
    For an unknown method, a nonlinear ODE with a method that needs
    linearity, an ODE variable defined twice. All problems of the block are
    collected and raised together.
"""

from __future__ import annotations

import difflib
import math
import re

import sympy as sp

from engine.errors import Diagnostic, EquationError
from engine.integrators.linear import is_state_free, linear_part_coefficient, linear_split
from engine.integrators.runge_kutta import (
    TABLEAUX,
    GroupMember,
    delta_name,
    k_name,
    stage_statements,
)
from engine.integrators.statements import Statement
from engine.language.ir import METHODS, Equation, ModelIR
from engine.language.random_draws import is_draw
from engine.language.symbols import DT, symbol

__all__ = ["discretize", "event_driven_solution", "METHOD_ORDERS"]

#: Convergence order of each method (global error ~ dt**order) on a general
#: smooth ODE of the class it accepts. ``exponential`` is exact (no
#: discretisation error) for linear ODEs with constant input and first order
#: otherwise (coupled systems, varying coefficients); ``event-driven`` only
#: accepts linear ODEs with constant coefficients, which it solves exactly (``math.inf``).
METHOD_ORDERS: dict[str, float] = {
    "explicit": 1,
    "midpoint": 2,
    "rk4": 4,
    "exponential": 1,
    "implicit": 1,
    "semiimplicit": 1,
    "event-driven": math.inf,
}

_LINEAR_METHODS = ("exponential", "implicit", "event-driven")
_NONLINEAR_HINT = "use method='explicit' or 'rk4'"


# --- public API ------------------------------------------------------------------

def discretize(ir: ModelIR, block: tuple[Equation, ...] | None = None,
               default_method: str = "explicit") -> list[Statement]:
    """The ordered statements of one integration step of one element.

    Parameters
    ----------
    ir : ModelIR
        The model (for bounds, state variables, names in messages).
    block : tuple of Equation, optional
        The equations to integrate; ``ir.equations`` by default. Blocks of
        assignments only (``reset``, ``pre_spike`` ...) are accepted too.
    default_method : str
        Method of ODEs whose equation and model give none.

    Returns
    -------
    list of Statement
        Scalar assignments, to run in order. Targets are model attributes
        (written back) or temporaries starting with ``_``.

    Raises
    ------
    EquationError
        Unknown method, nonlinear ODE with ``exponential``/``implicit``/
        ``event-driven``, ODE variable assigned or differentiated twice.
    """
    eqs = tuple(ir.equations if block is None else block)
    is_update_block = block is None or eqs == tuple(ir.equations)
    freeze = is_update_block and ir.kind == "neuron" and ir.spiking
    return _BlockBuilder(ir, eqs, default_method, freeze).build()


def event_driven_solution(eq: Equation, ir: ModelIR, elapsed: sp.Symbol) -> sp.Basic:
    """Closed-form value of an event-driven variable after ``elapsed`` time.

    For ``dx/dt = A + B*x`` (``A`` and ``B`` free of state variables: a
    decay ``tau*dx/dt = -x``, or a relaxation to a constant such as
    Tsodyks-Markram's ``dx/dt = (1 - x)/tau_rec``), returns
    ``x_inf + (x - x_inf)*exp(B*elapsed)`` with ``x_inf = -A/B`` (``x*exp(B*elapsed)``
    when ``A = 0``, ``x + A*elapsed`` when ``B = 0``), where ``x`` is the value
    at the last update.

    Parameters
    ----------
    eq : Equation
        An ODE.
    ir : ModelIR
        Its model (to know which names are state variables).
    elapsed : sympy Symbol
        Time since the last update (for instance ``t - t_last``).

    Raises
    ------
    EquationError
        If the ODE is not linear in its variable with constant coefficients.
    """
    split, problem = _event_driven_split(eq, ir)
    if problem is not None:
        raise EquationError([problem])
    a, b = split
    x = symbol(eq.target)
    if b == 0:
        return x + a * elapsed
    if a == 0:
        return x * sp.exp(b * elapsed)
    x_inf = -a / b
    return x_inf + (x - x_inf) * sp.exp(b * elapsed)


# --- helpers -----------------------------------------------------------------------

def _diag(ir: ModelIR, eq: Equation, message: str, hint: str = "") -> Diagnostic:
    src = eq.source
    return Diagnostic(
        message=message,
        model=src.model or f"{ir.kind} '{ir.name}'",
        block=src.block or "equations",
        line=src.line,
        col=src.col,
        text=src.text,
        hint=hint,
    )


def _event_driven_split(eq: Equation, ir: ModelIR
                        ) -> tuple[tuple[sp.Basic, sp.Basic] | None, Diagnostic | None]:
    """``((A, B), None)`` for ``dx/dt = A + B*x`` with constant ``A``, ``B``,
    else ``(None, problem)``. Bad: ``tau*dx/dt = -x + v`` (``v`` a variable),
    ``dx/dt = -x**2``."""
    x = symbol(eq.target)
    split = linear_split(eq.rhs, x)
    if split is not None and is_state_free(split[0], ir) and is_state_free(split[1], ir):
        return split, None
    return None, _diag(
        ir, eq,
        f"method 'event-driven' needs an ODE linear in {eq.target} with constant "
        f"coefficients, d{eq.target}/dt = A + B*{eq.target} with A and B made of "
        f"parameters; got d{eq.target}/dt = {sp.sstr(eq.rhs)}",
        "use method='exponential' for a linear ODE whose input varies, or "
        "method='explicit' or 'rk4'",
    )


def _bounded(ir: ModelIR, target: str) -> sp.Basic | None:
    """``Min(Max(x, lo), hi)`` for a variable with bounds, else None."""
    try:
        spec = ir.variable(target)
    except KeyError:
        return None
    if spec.min is None and spec.max is None:
        return None
    expr = symbol(target)
    if spec.min is not None:
        expr = sp.Max(expr, spec.min)
    if spec.max is not None:
        expr = sp.Min(expr, spec.max)
    return expr


def _draws_postorder(expr: sp.Basic) -> list[sp.Basic]:
    """Random draws of ``expr``, inner ones first, each once."""
    seen: list[sp.Basic] = []
    for node in sp.postorder_traversal(expr):
        if is_draw(node) and node not in seen:
            seen.append(node)
    return seen


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _ode_runs(eqs: tuple[Equation, ...]) -> list[tuple[int, int]]:
    """``(start, stop)`` of every maximal run of consecutive ODEs."""
    runs = []
    for i, eq in enumerate(eqs):
        if eq.kind != "ode":
            continue
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


# --- the block builder -------------------------------------------------------------

class _BlockBuilder:
    """Walks one block once and emits statements (see module docstring)."""

    def __init__(self, ir: ModelIR, eqs: tuple[Equation, ...], default_method: str,
                 freeze: bool):
        self.ir = ir
        self.eqs = eqs
        self.default_method = default_method
        self.freeze = freeze
        # which statements a refractory neuron freezes (ModelIR.refractory_rule)
        self.flag_rule = ir.refractory_rule == "flagged"
        self.out: list[Statement] = []
        self.n_rand = 0
        self.problems: list[Diagnostic] = []

    # -- analysis -----------------------------------------------------------------
    def method_of(self, eq: Equation) -> str:
        return eq.method or self.ir.method or self.default_method

    def check(self) -> None:
        """Collect every problem of the block before emitting anything."""
        ode_targets: dict[str, Equation] = {}
        for eq in self.eqs:
            if eq.kind == "ode":
                if eq.target in ode_targets:
                    self.problems.append(_diag(
                        self.ir, eq, f"'{eq.target}' has two ODEs",
                        "keep one equation per variable"))
                ode_targets[eq.target] = eq
        for eq in self.eqs:
            if eq.kind == "assign" and eq.target in ode_targets:
                self.problems.append(_diag(
                    self.ir, eq,
                    f"'{eq.target}' is both defined by an ODE and assigned in the same block",
                    f"rename one of them, or put the assignment to '{eq.target}' in reset"))
        for eq in self.eqs:
            if eq.kind != "ode":
                continue
            method = self.method_of(eq)
            if method not in METHODS:
                close = difflib.get_close_matches(method, METHODS, n=1)
                hint = (f"did you mean '{close[0]}'? " if close else "") + \
                    "methods: " + ", ".join(METHODS)
                self.problems.append(_diag(
                    self.ir, eq, f"unknown integration method '{method}'", hint))
            elif method == "event-driven":
                _, problem = _event_driven_split(eq, self.ir)
                if problem is not None:
                    self.problems.append(problem)
            elif method in _LINEAR_METHODS:
                if linear_split(eq.rhs, symbol(eq.target)) is None:
                    self.problems.append(_diag(
                        self.ir, eq,
                        f"method '{method}' needs an ODE linear in '{eq.target}' "
                        f"(d{eq.target}/dt = A + B*{eq.target}, A and B free of "
                        f"{eq.target}); got d{eq.target}/dt = {sp.sstr(eq.rhs)}",
                        _NONLINEAR_HINT))

    # -- emission -----------------------------------------------------------------
    def emit(self, target: str, expr, eq: Equation | None = None) -> None:
        frozen = bool(self.freeze and eq is not None and not target.startswith("_")
                      and (("unless_refractory" in eq.flags) if self.flag_rule
                           else not target.startswith("g_")))
        self.out.append(Statement(target, sp.sympify(expr, strict=True), frozen))

    def emit_bound(self, target: str, eq: Equation) -> None:
        bound = _bounded(self.ir, target)
        if bound is not None:
            self.emit(target, bound, eq)

    def hoist_draws(self, expr: sp.Basic) -> sp.Basic:
        """Draw each random draw of ``expr`` once into ``_rand_k``; return the rest."""
        mapping: dict = {}
        for d in _draws_postorder(expr):
            name = f"_rand_{self.n_rand}"
            self.n_rand += 1
            self.emit(name, d.xreplace(mapping))
            mapping[d] = symbol(name)
        return expr.xreplace(mapping) if mapping else expr

    # -- main ---------------------------------------------------------------------
    def build(self) -> list[Statement]:
        self.check()
        if self.problems:
            raise EquationError(self.problems)

        runs = _ode_runs(self.eqs)
        run_of = {start: r for r, (start, _) in enumerate(runs)}
        pos = 0
        while pos < len(self.eqs):
            eq = self.eqs[pos]
            if eq.kind == "assign":
                # computed once per step: the stages of a later multi-stage
                # group read this value, as ANNarchy's do (module docstring)
                self.emit(eq.target, eq.rhs, eq)
                self.emit_bound(eq.target, eq)
                pos += 1
                continue
            start, stop = runs[run_of[pos]]
            members: dict[str, list[GroupMember]] = {}
            for ode in self.eqs[start:stop]:
                method = self.method_of(ode)
                if method in TABLEAUX:
                    members.setdefault(method, []).append(self.first_stage(ode))
                else:
                    self.single_step(ode, method)
            for method, group in members.items():
                self.out += stage_statements(method, group)
            for ode in self.eqs[start:stop]:
                x = symbol(ode.target)
                self.emit(ode.target, x + symbol(delta_name(ode.target)), ode)
                self.emit_bound(ode.target, ode)
            pos = stop
        return self.out

    def first_stage(self, eq: Equation) -> GroupMember:
        """Emit ``_k1_x`` at the ODE's position; return the right-hand side
        the later stages evaluate (draws hoisted: one draw per step)."""
        rhs = self.hoist_draws(eq.rhs)
        self.emit(k_name(1, eq.target), rhs)
        return GroupMember(eq.target, rhs)

    def single_step(self, eq: Equation, method: str) -> None:
        x = symbol(eq.target)
        rhs = eq.rhs if method == "explicit" else self.hoist_draws(eq.rhs)
        d = delta_name(eq.target)
        if method == "explicit":
            self.emit(d, DT * rhs)
        elif method == "exponential":
            a, b = linear_split(rhs, x)
            if b == 0:
                self.emit(d, DT * rhs)
            else:
                x_inf = -a / b
                self.emit(d, (x_inf - x) * (1 - sp.exp(DT * b)))
        elif method == "implicit":
            _, b = linear_split(rhs, x)
            self.emit(d, DT * rhs / (1 - DT * b) if b != 0 else DT * rhs)
        elif method == "semiimplicit":
            b = linear_part_coefficient(rhs, x)
            self.emit(d, DT * rhs / (1 - DT * b) if b != 0 else DT * rhs)
        elif method == "event-driven":
            self.emit(d, event_driven_solution(eq, self.ir, DT) - x)
        else:  # pragma: no cover - check() rejects unknown methods
            raise AssertionError(method)
