"""The intermediate representation (IR) of neuron and synapse models.

Both front ends (ANNarchy-style strings in :mod:`engine.language.strings`, the
class-based sympy API in :mod:`engine.language.classes`) produce a
:class:`ModelIR`. Everything downstream (integrators, codegen, runtime) reads
only the IR. It is frozen and hashable; its :meth:`ModelIR.digest` is part of
the key of the compiled-code cache.

Source locations (:class:`SourceRef`) travel with the IR for error messages but
are excluded from equality and hashing, so the same model written in two
syntaxes compares equal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from typing import Literal

import sympy as sp
from sympy.printing.str import StrPrinter

from engine.language.symbols import split_global_op

__all__ = [
    "SourceRef",
    "VariableSpec",
    "Equation",
    "ModelIR",
    "LOCALITIES",
    "DTYPES",
    "METHODS",
    "METHOD_ALIASES",
    "KINDS",
    "show",
]

#: ``local``: one value per neuron (or per synapse); ``global``: one value per
#: population (or projection); ``semiglobal``: one per post-synaptic neuron
#: (synapses only).
LOCALITIES = ("local", "global", "semiglobal")
DTYPES = ("float", "int", "bool")
#: integration methods accepted by ``method=`` and the flags
METHODS = (
    "explicit",
    "midpoint",
    "rk4",
    "exponential",
    "implicit",
    "semiimplicit",
    "event-driven",
)
#: other names of methods, accepted wherever a method is given: Brian2's
#: ``euler``, ANNarchy's old ``runge-kutta4`` and ``exact``
METHOD_ALIASES = {"euler": "explicit", "runge-kutta4": "rk4", "exact": "event-driven"}
KINDS = ("parameter", "variable")


#: how the symbols of the last spike times are written (engine.language.symbols)
_LAST_SPIKE_NAMES = {"pre._t_spike": "t_pre", "post._t_spike": "t_post"}


class _Printer(StrPrinter):
    """sympy's ``sstr`` as users write models: short floats, ``ite``, ``Normal(0, 1)``."""

    def _print_Piecewise(self, expr):
        if len(expr.args) == 2 and expr.args[1].cond == sp.true:
            (a, c), (b, _) = expr.args
            return f"ite({self._print(c)}, {self._print(a)}, {self._print(b)})"
        return super()._print_Piecewise(expr)

    def _print_Symbol(self, expr):
        if expr.name in _LAST_SPIKE_NAMES:  # ANNarchy's t_pre / t_post
            return _LAST_SPIKE_NAMES[expr.name]
        return super()._print_Symbol(expr)

    def _print_Function(self, expr):
        from engine.language.random_draws import DRAW_FUNCTIONS

        dist = DRAW_FUNCTIONS.get(type(expr))
        if dist is not None:  # hide the occurrence number of a draw
            return f"{dist.name}({', '.join(self._print(a) for a in expr.args[:-1])})"
        return super()._print_Function(expr)


def show(expr) -> str:
    """Readable text of an IR expression, for ``str(ir)`` and messages."""
    return _Printer({"full_prec": False}).doprint(expr)


@dataclass(frozen=True)
class SourceRef:
    """Where a piece of a model was written: for error messages only."""

    model: str = ""
    block: str = ""
    line: int | None = None
    col: int | None = None
    text: str = ""


def _noloc() -> SourceRef:
    return SourceRef()


@dataclass(frozen=True)
class VariableSpec:
    """One parameter or variable of a model.

    ``init`` is a sympy number, a sympy expression of parameters (evaluated when
    the population is created) or a random draw (sampled per element). ``min``
    and ``max`` are applied after every update of the variable.
    """

    name: str
    kind: Literal["parameter", "variable"]
    locality: Literal["local", "global", "semiglobal"] = "local"
    dtype: Literal["float", "int", "bool"] = "float"
    init: sp.Basic = sp.Float(0.0)
    min: sp.Basic | None = None
    max: sp.Basic | None = None
    flags: frozenset[str] = frozenset()
    source: SourceRef = field(default_factory=_noloc, compare=False, hash=False)


@dataclass(frozen=True)
class Equation:
    """One statement of an equation block.

    ``kind='ode'``: ``d<target>/dt = rhs`` (``rhs`` already solved for the
    derivative). ``kind='assign'``: ``target = rhs`` (increments such as
    ``u += d`` are stored as ``u = u + d``). ``method`` is the integration
    method of an ODE (``None`` means the model's default). ``flags`` holds
    extra flags such as ``unless_refractory``.
    """

    target: str
    kind: Literal["ode", "assign"]
    rhs: sp.Basic
    method: str | None = None
    flags: frozenset[str] = frozenset()
    source: SourceRef = field(default_factory=_noloc, compare=False, hash=False)

    def __str__(self) -> str:
        lhs = f"d{self.target}/dt" if self.kind == "ode" else self.target
        extra = []
        if self.method:
            extra.append(self.method)
        extra += sorted(self.flags)
        tail = f"  : {', '.join(extra)}" if extra else ""
        return f"{lhs} = {show(self.rhs)}{tail}"


#: ANNarchy's ``operation=`` of rate-coded synapses (ModelIR.operation)
REDUCTIONS = ("sum", "max", "min", "mean")


@dataclass(frozen=True)
class ModelIR:
    """A parsed and validated neuron or synapse model.

    Attributes
    ----------
    name : str
        Model name (for messages and generated code comments).
    kind : 'neuron' or 'synapse'
    spiking : bool
        True for spiking neurons (a spike condition) and for synapses with
        ``pre_spike``/``post_spike`` blocks.
    variables : tuple of VariableSpec
        Parameters and variables in declaration order.
    equations : tuple of Equation
        The update block, in written order.
    spike : sympy boolean or None
        The spike condition of a spiking neuron.
    reset : tuple of Equation
        Statements run when a neuron spikes (see :attr:`refractory_rule` for
        what runs during the refractory period).
    refractory : sympy expression or None
        Refractory period in ms (a number or an expression of parameters).
    psp : sympy expression or None
        Rate-coded synapses: what one synapse adds to ``sum(target)``.
    operation : 'sum', 'max', 'min' or 'mean'
        Rate-coded synapses: how the psp of the synapses of one post-synaptic
        neuron combine into ``sum(target)`` (ANNarchy's ``operation=``; the
        result of each projection is added to the target's input).
    pre_spike, post_spike : tuple of Equation
        Spiking synapses: statements run on a pre-/post-synaptic spike.
    apply : tuple of Equation
        Synapses (class syntax ``apply()``): statements run for every synapse
        when Python calls ``proj.apply()`` (a learning step on demand, e.g.
        after a reward signal is set).
        Targets may be ``g_target`` (the post-synaptic conductance of the
        projection's target), ``post.x`` or synapse variables.
    targets : tuple of str
        Targets the model reads, from ``sum(exc)`` or ``g_exc`` (sorted).
    conductances : tuple of str
        ``g_<target>`` variables that were created implicitly; they are reset
        to zero after each step because no ODE defines them.
    constants : tuple of str
        Network constants the model refers to (resolved by the network).
    method : str or None
        Default integration method of the model's ODEs (``None``: the
        network's default, ``config(method=...)``, itself ``'explicit'``).
    functions : tuple of (name, args, expr)
        User functions (already inlined in the equations; kept for display).
    description : str
        Free text shown in documentation and the web app.
    """

    name: str
    kind: Literal["neuron", "synapse"]
    spiking: bool = False
    variables: tuple[VariableSpec, ...] = ()
    equations: tuple[Equation, ...] = ()
    spike: sp.Basic | None = None
    reset: tuple[Equation, ...] = ()
    refractory: sp.Basic | None = None
    psp: sp.Basic | None = None
    operation: str = "sum"
    pre_spike: tuple[Equation, ...] = ()
    post_spike: tuple[Equation, ...] = ()
    apply: tuple[Equation, ...] = ()
    targets: tuple[str, ...] = ()
    conductances: tuple[str, ...] = ()
    constants: tuple[str, ...] = ()
    method: str | None = None
    functions: tuple = ()
    description: str = field(default="", compare=False, hash=False)

    # -- lookups ----------------------------------------------------------
    def variable(self, name: str) -> VariableSpec:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    @property
    def parameters(self) -> tuple[VariableSpec, ...]:
        return tuple(v for v in self.variables if v.kind == "parameter")

    @property
    def state_variables(self) -> tuple[VariableSpec, ...]:
        return tuple(v for v in self.variables if v.kind == "variable")

    @property
    def odes(self) -> tuple[Equation, ...]:
        return tuple(e for e in self.equations if e.kind == "ode")

    @property
    def refractory_rule(self) -> Literal["annarchy5", "flagged"]:
        """What a refractory neuron does, read from the model's flags.

        ``'annarchy5'`` (no statement flagged ``unless_refractory``, as in every
        ANNarchy 5 script): during the refractory steps every equation is
        frozen except those of conductances ``g_*``; the reset statements run
        once, at the spike. ``'flagged'`` (some statement flagged): the flags
        say what differs: only the equations flagged ``unless_refractory``
        are frozen, the others go on integrating, and the reset statements
        run at the spike and again at every refractory step, except the
        flagged ones (ANNarchy 4's rule; the NEST models use it). See
        docs/model_language.md, Refractoriness.
        """
        flagged = any("unless_refractory" in e.flags for e in self.equations + self.reset)
        return "flagged" if flagged else "annarchy5"

    @property
    def global_operations(self) -> tuple[tuple[str, str, str], ...]:
        """``(op, side, name)`` of every global operation the model reads.

        ``('mean', '', 'r')`` for ``mean(r)`` in a neuron (its own population),
        ``('max', 'post', 'r')`` for ``max(post.r)`` in a synapse. The network
        computes each once per step, after the neurons' update (ANNarchy's
        order): a neuron reads the value of the previous step, a synapse that
        of this step.
        """
        exprs = [e.rhs for e in self.equations + self.reset + self.pre_spike
                 + self.post_spike + self.apply]
        exprs += [x for x in (self.spike, self.refractory, self.psp) if x is not None]
        found = set()
        for x in exprs:
            for s in getattr(x, "free_symbols", ()):
                parts = split_global_op(s.name)
                if parts is not None:
                    found.add(parts)
        return tuple(sorted(found))

    # -- identity ---------------------------------------------------------
    def canonical(self) -> str:
        """A deterministic text of everything that affects behaviour.

        Uses ``sympy.srepr`` so that two IRs print the same text exactly when
        they are equal; the text is the input of :meth:`digest`.
        """
        parts = []
        for f in fields(self):
            if not f.compare:
                continue
            parts.append(f"{f.name}={_canon(getattr(self, f.name))}")
        return "\n".join(parts)

    def digest(self) -> str:
        """Content hash of the model (hex)."""
        return hashlib.sha256(self.canonical().encode()).hexdigest()

    def __str__(self) -> str:
        """Human-readable listing of the parsed model."""
        lines = [f"{self.kind} {self.name!r}" + (" (spiking)" if self.spiking else "")]
        if self.parameters:
            lines.append("parameters:")
            for v in self.parameters:
                lines.append(f"    {_spec_line(v)}")
        if self.state_variables:
            lines.append("variables:")
            for v in self.state_variables:
                lines.append(f"    {_spec_line(v)}")
        for title, block in (("equations", self.equations), ("reset", self.reset),
                             ("pre_spike", self.pre_spike), ("post_spike", self.post_spike),
                             ("apply", self.apply)):
            if block:
                lines.append(f"{title}:")
                lines += [f"    {e}" for e in block]
        if self.spike is not None:
            lines.append(f"spike: {show(self.spike)}")
        if self.refractory is not None:
            rule = ("every variable but g_* frozen, resets once"
                    if self.refractory_rule == "annarchy5" else
                    "flagged variables frozen, unflagged resets every refractory step")
            lines.append(f"refractory: {show(self.refractory)}  ({rule})")
        if self.psp is not None:
            lines.append(f"psp: {show(self.psp)}")
        if self.operation != "sum":
            lines.append(f"operation: {self.operation}")
        return "\n".join(lines)


def _spec_line(v: VariableSpec) -> str:
    bits = [f"init={show(v.init)}", v.locality]
    if v.dtype != "float":
        bits.append(v.dtype)
    if v.min is not None:
        bits.append(f"min={show(v.min)}")
    if v.max is not None:
        bits.append(f"max={show(v.max)}")
    bits += sorted(v.flags)
    return f"{v.name}: " + ", ".join(bits)


def _canon(value) -> str:
    if isinstance(value, sp.Basic):
        return sp.srepr(value)
    if isinstance(value, tuple):
        return "(" + ",".join(_canon(v) for v in value) + ")"
    if isinstance(value, frozenset):
        return "{" + ",".join(sorted(_canon(v) for v in value)) + "}"
    if isinstance(value, (VariableSpec, Equation)):
        return type(value).__name__ + "(" + ",".join(
            f"{f.name}={_canon(getattr(value, f.name))}" for f in fields(value) if f.compare
        ) + ")"
    return repr(value)
