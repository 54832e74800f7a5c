"""The class-based sympy front end: ``with Equations(self) as n: n.dv_dt = ...``.

A model is a subclass of :class:`~engine.language.models.Neuron` or
:class:`~engine.language.models.Synapse` that declares its attributes in
``__init__`` and writes its equations in methods::

    class LIF(Neuron):
        def __init__(self, tau=10.0, V_th=1.0):
            self.tau = self.Value(tau)        # one value per population
            self.V_th = self.Value(V_th)
            self.v = self.Array(init=0.0)     # one value per neuron
            self.refractory = 2.0             # ms (or a declared attribute)

        def update(self):
            with Equations(self, method="exponential") as n:
                n.dv_dt = (n.g_exc - n.v) / n.tau   # g_exc: automatic conductance
            return n

        def spike(self):
            with Equations(self) as n:
                return n.v >= n.V_th

        def reset(self):
            with Equations(self) as n:
                n.v = 0.0
            return n

:func:`build_ir` (called by ``model.ir``) turns such an object into the same
:class:`~engine.language.ir.ModelIR` as the text syntax. Nothing is ever
parsed from strings: the methods run as ordinary Python on sympy symbols and
the :class:`Equations` recorder stores what is assigned to it.

Attributes
----------
Declared with ``self.x = self.Value(...)`` (population-wide, ``global``),
``self.x = self.Array(...)`` (per element, ``local``) or, in synapses,
``self.w = self.Weight(...)`` (the local weight, which must be named ``w``).
They are found in ``vars(self)`` in assignment order. ``init`` may be a
number, a random distribution (``Uniform(-70, -50)``) or another declared
attribute; ``min``/``max`` numbers or attributes; ``method`` the integration
method of the variable's ODE; ``kind='parameter'``/``'variable'`` overrides
the inference: an attribute targeted by any equation (``update``, ``reset``,
``on_pre``, ``on_post``) is a variable, otherwise a parameter.

Inside ``with Equations(self) as n``
-------------------------------------
- ``n.x`` is the symbol of attribute ``x``; ``n.t``, ``n.dt`` time and step;
  ``n.sum('exc')`` the summed rate-coded input of target ``exc``;
  ``n.ite(c, a, b)`` if/then/else; ``n.exp``, ``n.pos``, ``n.clip`` ... every
  function of the text syntax (:data:`~engine.language.functions.FUNCTIONS`),
  giving the same sympy; plain sympy functions (``sp.tanh``) work as well.
- ``n.dx_dt = expr`` is the ODE ``dx/dt = expr``; ``n.x = expr`` an
  assignment; ``n.x += e`` the assignment ``x = x + e``. Plain Python
  variables holding expressions are intermediates, inlined, never stored.
- ``Equations(self, method='rk4')`` sets the method of its ODEs (else the
  attribute's ``method=``, else the model's default).
- ``Equations(self, unless_refractory=True)`` flags its statements
  ``unless_refractory``: in ``update()`` they are frozen while the neuron is
  refractory; in ``reset()`` they run once at the spike instead of at every
  step of the refractory period (ANNarchy's flag, same meaning as text).
- Spiking neurons: reading an undeclared ``n.g_exc`` creates the conductance
  ``g_exc`` (local variable, init 0, reset to zero after each step) and the
  target ``exc``; assigning it (``n.dg_exc_dt = -n.g_exc/tau``) declares it
  as an ordinary variable that still names the target ``exc``.

Neurons
-------
``update()`` (equations), ``spike()`` (return a condition; makes the neuron
spiking), ``reset()`` (needs ``spike``). The refractory period is the
attribute ``refractory``: a number of ms, a declared attribute
(``self.refractory = self.t_ref`` after ``self.t_ref = self.Value(5.0)``) or
its name (``self.refractory = 't_ref'``), or, when no such attribute is set
(or it is ``None``), a method ``refractory()`` returning an expression. Rate-coded neurons must declare ``r``.

Synapses
--------
``update()`` (equations of the synapse, ``s.pre.r``/``s.post.v`` read the
neurons), ``transmit()``, ``on_pre()``, ``on_post()``. A synapse is
*spiking* when it defines ``on_pre()`` or ``on_post()`` or sets the
attribute ``transmit_on_spike = True`` (in ``__init__`` or in
``transmit()``, as the prototype does); otherwise it is rate-coded.

- rate-coded: ``transmit()`` writes ``s.post.target += s.w * s.pre.r``, which
  becomes ``ModelIR.psp = w*pre.r`` (what one synapse adds to
  ``sum(target)``). Without ``transmit()`` the psp is left to the network's
  default.
- spiking: ``s.post.target += s.w`` becomes the pre-spike statement
  ``g_target = g_target + w``. The statements of ``transmit()`` come first
  in ``pre_spike``, followed by those of ``on_pre()`` (which may also write
  ``s.post.target``, in place). ``on_post()`` gives ``post_spike``.
  ``s.post.x = ...`` writes the post-synaptic neuron's ``x`` (target
  ``post.x``).

- ``apply()``: statements run for every synapse only when Python calls
  ``proj.apply()`` between simulations (the prototype's learning step after
  a reward signal is set): assignments to synaptic variables (``s.w += ...``),
  no ODEs, no transmission.

Standalone mode
---------------
``with Equations(symbols=['v', 'r', 'tau']) as n: ...`` records equations on
free symbols for checking; ``print(n)`` lists them (``dv/dt = (1 - v)/tau``).
The object pickles (it holds only sympy expressions), so it can be returned
from ``multiprocessing`` workers.

Errors
------
Every mistake is an :class:`~engine.errors.EquationError` naming the model,
the method (``block``), the line of the user's file and the offending text:
unknown names (with a "did you mean" hint), assignments to parameters or
unknown names, ``spike()`` not returning a condition, ``reset()`` without
``spike()``, a rate-coded neuron without ``r``. All problems of a model are
collected before raising.

Modules: the recorder (:class:`Equations`) and what it reads of a model are
in :mod:`engine.language.class_equations`; this module analyses a model.
"""

from __future__ import annotations

import inspect
import linecache
from dataclasses import replace

import sympy as sp

from engine.errors import Diagnostic, EquationError
from engine.language import class_equations
from engine.language.checks import (
    Problem,
    check_method,
    check_numeric,
    check_refractory,
    check_user_name,
    is_condition,
)
from engine.language.class_equations import (
    _ACTIVE, _CONDUCTANCE, _G_TARGET, Equations, _declared, _defines, _diag, _did_you_mean,
    _is_spiking_synapse, _Session, _to_sympy, format_expr,
)
from engine.language.ir import Equation, ModelIR, SourceRef, VariableSpec
from engine.language.declarations import Value, Weight, _Attribute
from engine.language.random_draws import renumber_draws
from engine.language.symbols import conductance_targets, symbol

__all__ = ["Equations", "build_ir", "format_expr"]

#: frames of the front end itself, skipped when a user's method fails
_OWN_FILES = (__file__, class_equations.__file__)
#: public members of Equations: no declared attribute may use these names
_MEMBERS = frozenset({"equations", "ite", "sum", "pre", "post", "t", "dt"})


# --- build_ir ------------------------------------------------------------------------

def _run(model, method: str, label: str, problems: list, crashes: list):
    """Call ``model.<method>()`` while recording; return (result, recorders)."""
    session = _Session(model, label, method)
    stack = getattr(_ACTIVE, "stack", None)
    if stack is None:
        stack = _ACTIVE.stack = []
    stack.append(session)
    try:
        result = getattr(type(model), method)(model)  # the method, even if shadowed
    except EquationError as exc:
        problems.extend(d for r in session.recorders for d in r._problems)
        problems.extend(exc.diagnostics)
        crashes.append(exc)
        return _Crash(exc), []
    except Exception as exc:  # the user's Python failed: say where, keep the cause
        problems.extend(d for r in session.recorders for d in r._problems)
        problems.append(_crash_diagnostic(exc, label, method))
        crashes.append(exc)
        return _Crash(exc), []
    finally:
        stack.pop()
    for r in session.recorders:
        problems.extend(r._problems)
    return result, session.recorders


class _Crash:
    def __init__(self, exc):
        self.exc = exc


def _crash_diagnostic(exc: Exception, label: str, method: str) -> Diagnostic:
    line, text = None, ""
    for fs in reversed(inspect.getinnerframes(exc.__traceback__, context=0)
                       if exc.__traceback__ else []):
        if fs.filename not in _OWN_FILES and "sympy" not in fs.filename:
            line = fs.lineno
            text = linecache.getline(fs.filename, fs.lineno).strip()
            break
    hint = ""
    if isinstance(exc, TypeError) and "truth value" in str(exc):
        hint = "use n.ite(condition, a, b) instead of if/else on symbols"
    return Diagnostic(f"{method}() failed: {type(exc).__name__}: {exc}", model=label,
                      block=method, line=line, text=text, hint=hint)


def _items(recorders) -> list[Equation]:
    return [e for r in recorders for e in r._items]


def build_ir(model) -> ModelIR:
    """Analyse a class-based model into a :class:`ModelIR`.

    Parameters
    ----------
    model : Neuron or Synapse
        An instance of a subclass that declares attributes and equation
        methods (see the module docstring).

    Returns
    -------
    ModelIR
        The same IR as the equivalent text model.

    Raises
    ------
    EquationError
        With every problem found in the model.
    """
    kind = model._kind
    label = f"{kind} '{model.model_name}'"
    problems: list[Diagnostic] = []
    crashes: list[Exception] = []  # exceptions of the user's methods (the cause)
    attrs = _declared(model)
    here = SourceRef(model=label, block="__init__")

    for name, a in attrs.items():
        try:
            check_user_name(name, "attribute name")
            if name in _MEMBERS:
                raise Problem(f"'{name}' is a reserved word and cannot be used as an "
                              "attribute name", f"choose another name, e.g. '{name}_'")
        except Problem as p:
            problems.append(_diag(here, p.message, p.hint))
        if isinstance(a, Weight) and name != "w":
            problems.append(_diag(here, f"the weight must be named 'w', not '{name}'",
                                  "write self.w = self.Weight(...)"))
        if isinstance(a, Weight) and kind != "synapse":
            problems.append(_diag(here, "only synapses have a weight"))
        if isinstance(a, Weight) and (a.kind == "parameter" or "postsynaptic" in a.flags):
            problems.append(_diag(here, "the weight w is always a local variable "
                                  "(one per synapse)", "remove kind= and flags= from Weight()"))

    def run(method):
        if not _defines(model, method):
            return None, []
        return _run(model, method, label, problems, crashes)

    spike = refractory = psp = None
    update_eqs: list[Equation] = []
    reset_eqs: list[Equation] = []
    pre_eqs: list[Equation] = []
    post_eqs: list[Equation] = []
    apply_eqs: list[Equation] = []
    recorders: list[Equations] = []
    spiking = False

    _, recs = run("update")
    recorders += recs
    update_eqs = _items(recs)

    if kind == "neuron":
        spiking = _defines(model, "spike")
        if spiking:
            result, recs = run("spike")
            recorders += recs
            spike = _check_spike(result, label, problems)
        if _defines(model, "reset"):
            _, recs = run("reset")
            recorders += recs
            reset_eqs = _items(recs)
            if not spiking:
                problems.append(_diag(SourceRef(label, "reset"),
                                      "reset() needs a spike() condition",
                                      "define spike(), or move these statements to update()"))
            for e in reset_eqs:
                if e.kind == "ode":
                    problems.append(_diag(e.source, "reset() cannot contain ODEs",
                                          f"write n.{e.target} = ..., or move the ODE to update()"))
        refractory = _refractory(model, label, attrs, problems, recorders, run)
        if refractory is not None and not spiking:
            problems.append(_diag(SourceRef(label, "refractory"),
                                  "a refractory period needs a spike() condition"))
        if not spiking and "r" not in attrs:
            problems.append(_diag(SourceRef(label, "__init__"),
                                  "rate-coded neurons must define the firing rate r",
                                  "declare self.r = self.Array(0.0) and compute it in "
                                  "update(), or add a spike() condition"))
        for rec in recorders:
            if rec._transmits:
                problems.append(_diag(rec._transmits[0][1], "only synapses transmit to "
                                      "post.target"))
    else:
        _, t_recs = run("transmit")
        recorders += t_recs
        spiking = _is_spiking_synapse(model)
        _, pre_recs = run("on_pre")
        _, post_recs = run("on_post")
        recorders += pre_recs + post_recs
        transmits = [t for r in t_recs for t in r._transmits]
        if spiking:
            pre_eqs = _items(t_recs) + _items(pre_recs)
            for e in _items(t_recs):
                if e.target != _G_TARGET:
                    problems.append(_diag(e.source, "transmit() can only modify post.target",
                                          "put other statements in on_pre()"))
        else:
            if len(transmits) > 1:
                problems.append(_diag(transmits[1][1], "transmit() must modify post.target once"))
            if transmits:
                psp = transmits[0][0]
            for e in _items(t_recs):
                if e.target != _G_TARGET:
                    problems.append(_diag(e.source, "transmit() can only modify post.target"))
        post_eqs = _items(post_recs)
        _, apply_recs = run("apply")
        recorders += apply_recs
        apply_eqs = _items(apply_recs)
        for e in apply_eqs:
            if e.kind == "ode":
                problems.append(_diag(e.source, "apply() cannot contain ODEs",
                                      "write s.w += ... (one learning step), or move the "
                                      "ODE to update()"))
            elif e.target == _G_TARGET or "." in e.target:
                problems.append(_diag(e.source, f"apply() cannot write '{e.target}'",
                                      "apply() changes synaptic variables only"))
        for e in pre_eqs + post_eqs:
            if e.kind == "ode":
                problems.append(_diag(e.source, "on_pre()/on_post() cannot contain ODEs",
                                      "move the ODE to update()"))
        for e in update_eqs:
            if e.target == _G_TARGET or "." in e.target:
                problems.append(_diag(e.source, f"update() cannot write '{e.target}'",
                                      "write it in on_pre() or on_post()"))
        if kind == "synapse" and any(not isinstance(a, Weight) for n_, a in attrs.items()
                                     if n_ == "w"):
            problems.append(_diag(here, "declare the weight with self.w = self.Weight(...)"))

    _check_definitions(update_eqs, problems)

    # -- variables --------------------------------------------------------------------
    all_eqs = update_eqs + reset_eqs + pre_eqs + post_eqs + apply_eqs
    assigned = {e.target for e in all_eqs}
    variables = []
    for name, a in attrs.items():
        variables.append(_spec(name, a, name in assigned, attrs, label, problems))

    targets: set[str] = {t for r in recorders for t in r._sums}
    conductances: list[str] = []
    if kind == "neuron" and spiking:
        # undeclared g_x defined in update(): ordinary variables, in order of
        # definition; read or set in reset() only: implicit conductances, sorted
        defined = list(dict.fromkeys(e.target for e in update_eqs if e.target not in attrs))
        implicit = sorted(({n for r in recorders for n, _ in r._reads}
                           | {e.target for e in reset_eqs}) - set(attrs) - set(defined))
        conductances = [n for n in implicit if _CONDUCTANCE.match(n)]
        for name in defined + conductances:
            variables.append(VariableSpec(name, "variable", "local", "float", sp.Float(0.0),
                                          source=SourceRef(label, "update")))
        targets |= conductance_targets(variables, update_eqs)
    constants = sorted({c for r in recorders for c in r._constants})

    if problems:
        raise EquationError(problems) from (crashes[0] if crashes else None)

    # -- canonical draw numbers -------------------------------------------------------
    flat = ([v.init for v in variables] + [e.rhs for e in update_eqs] + [spike]
            + [e.rhs for e in reset_eqs] + [refractory, psp]
            + [e.rhs for e in pre_eqs] + [e.rhs for e in post_eqs]
            + [e.rhs for e in apply_eqs])
    flat = renumber_draws(flat)
    it = iter(flat)
    variables = [replace(v, init=next(it)) for v in variables]
    update_eqs = [replace(e, rhs=next(it)) for e in update_eqs]
    spike = next(it)
    reset_eqs = [replace(e, rhs=next(it)) for e in reset_eqs]
    refractory, psp = next(it), next(it)
    pre_eqs = [replace(e, rhs=next(it)) for e in pre_eqs]
    post_eqs = [replace(e, rhs=next(it)) for e in post_eqs]
    apply_eqs = [replace(e, rhs=next(it)) for e in apply_eqs]

    description = (getattr(model, "description", None)
                   or inspect.cleandoc(type(model).__dict__.get("__doc__") or ""))
    if kind == "synapse":
        spiking = bool(pre_eqs or post_eqs)
    return ModelIR(
        name=model.model_name,
        kind=kind,
        spiking=spiking,
        variables=tuple(variables),
        equations=tuple(update_eqs),
        spike=spike,
        reset=tuple(reset_eqs),
        refractory=refractory,
        psp=psp,
        pre_spike=tuple(pre_eqs),
        post_spike=tuple(post_eqs),
        apply=tuple(apply_eqs),
        targets=tuple(sorted(targets)),
        conductances=tuple(conductances),
        constants=tuple(constants),
        description=description,
    )


def _check_spike(result, label: str, problems: list):
    if isinstance(result, _Crash):
        return None
    if isinstance(result, sp.Basic) and is_condition(result) \
            and result not in (sp.true, sp.false):
        return result
    problems.append(_diag(SourceRef(label, "spike"),
                          f"spike() must return a condition, got {result!r}",
                          "end spike() with: return n.v >= n.V_th (inside the with block)"))
    return None


def _refractory(model, label, attrs, problems, recorders, run):
    """The refractory period: number, declared attribute, its name, or a method."""
    value = model.__dict__.get("refractory")
    if value is None and _defines(model, "refractory"):
        result, recs = run("refractory")
        recorders += recs
        if isinstance(result, _Crash):
            return None
        value = result
    elif value is None:
        value = getattr(type(model), "refractory", None)
        if value is None or isinstance(value, property):
            return None
    src = SourceRef(label, "refractory")
    if isinstance(value, str):
        if value in attrs:
            return symbol(value)
        problems.append(_diag(src, f"refractory names an unknown attribute '{value}'",
                              _did_you_mean(value, attrs)))
        return None
    if isinstance(value, _Attribute):
        for name, a in attrs.items():
            if a is value:
                return symbol(name)
        problems.append(_diag(src, "refractory must be a number or a declared attribute",
                              "declare self.t_ref = self.Value(5.0); self.refractory = "
                              "self.t_ref"))
        return None
    try:
        expr = _to_sympy(value, attrs)
        check_refractory(expr)
        return expr
    except TypeError as exc:
        problems.append(_diag(src, f"bad refractory period: {exc}"))
    except Problem as p:
        problems.append(_diag(src, p.message, p.hint))
    return None


def _spec(name: str, a: _Attribute, assigned: bool, attrs: dict, label: str,
          problems: list) -> VariableSpec:
    src = SourceRef(model=label, block="__init__")
    kind = a.kind or ("variable" if assigned else "parameter")
    if isinstance(a, Weight):
        kind = "variable"  # as the text syntax: w is always a variable
    if kind not in ("parameter", "variable"):
        problems.append(_diag(src, f"'{name}': kind must be 'parameter' or 'variable', "
                              f"got {a.kind!r}"))
        kind = "parameter"
    if a.method is not None:
        try:
            check_method(a.method)
        except Problem as p:
            problems.append(_diag(src, f"'{name}': {p.message}", p.hint))

    def conv(value, what):
        if value is None:
            return None
        try:
            expr = _to_sympy(value, attrs)
            check_numeric(expr, what)
            return expr
        except TypeError as exc:
            problems.append(_diag(src, f"'{name}': bad {what}: {exc}"))
        except Problem as p:
            problems.append(_diag(src, f"'{name}': {p.message}", p.hint))
        return None

    init = conv(a.init, "initial value")
    if init is None:
        init = sp.Float(0.0)
    locality = "global" if isinstance(a, Value) else "local"
    if "postsynaptic" in a.flags:
        locality = "semiglobal"
    return VariableSpec(name=name, kind=kind, locality=locality, dtype=a.dtype, init=init,
                        min=conv(a.min, "min"), max=conv(a.max, "max"),
                        flags=frozenset(f for f in a.flags if f != "postsynaptic"), source=src)


def _check_definitions(update_eqs, problems: list) -> None:
    """An ODE variable has one ODE and no assignment in ``update()`` (as the text)."""
    odes: dict[str, Equation] = {}
    for e in update_eqs:
        if e.kind == "ode":
            if e.target in odes:
                problems.append(_diag(e.source, f"'{e.target}' has two ODEs",
                                      "give each variable one equation"))
            odes[e.target] = e
    for e in update_eqs:
        if e.kind == "assign" and e.target in odes:
            problems.append(_diag(e.source, f"'{e.target}' is integrated by an ODE and "
                                  "cannot also be assigned in update()",
                                  "add the term to the ODE's right-hand side"))
