"""Small named validation checks of the text front end, one concern each.

Each check looks at one thing (a name, a flag, a condition, a cycle ...) and
raises :class:`Problem` when it is wrong. A :class:`Problem` knows *what* is
wrong and *how to fix it*, and at most a column inside the piece of text it was
given; the caller (:mod:`engine.language.strings`) knows the model, the block
and the line, and turns the problem into an :class:`~engine.errors.Diagnostic`.
Keeping the checks apart from the parser lets them be read, tested and reused
(the class front end can call them too) one concern at a time, in the spirit
of NESTML's context conditions.

Every docstring shows an input that fails the check.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

import sympy as sp
from sympy.core.relational import Relational
from sympy.logic.boolalg import BooleanAtom, BooleanFunction

from engine.language.ir import LOCALITIES, METHOD_ALIASES, METHODS, show
from engine.language.symbols import RESERVED_MEANINGS, RESERVED_NAMES, symbol

__all__ = [
    "Problem",
    "suggest",
    "unknown_name_hint",
    "check_user_name",
    "check_argument_name",
    "check_method",
    "check_flag",
    "check_locality",
    "check_condition",
    "check_numeric",
    "is_condition",
    "check_refractory",
    "check_not_parameter",
    "find_cycles",
    "repeated_resets",
    "RefractoryResetWarning",
    "FLAG_NAMES",
    "DTYPE_FLAGS",
]


class Problem(Exception):
    """One mistake found in a piece of text, before its location is known.

    Parameters
    ----------
    message : str
        What is wrong (``unknown name 'tua'``).
    hint : str
        How to fix it (``did you mean 'tau'?``).
    col : int or None
        0-based column inside the text the check was given, if known.
    """

    def __init__(self, message: str, hint: str = "", col: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.col = col

    def at(self, col: int | None) -> "Problem":
        """The same problem, placed at ``col`` when it has no column yet."""
        if self.col is None:
            self.col = col
        return self

    def shifted(self, offset: int) -> "Problem":
        """The same problem with its column moved by ``offset`` characters."""
        if self.col is not None:
            self.col += offset
        return self


def suggest(name: str, candidates: Iterable[str]) -> str:
    """``"did you mean 'tau'?"`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


#: unit names of Brian2/NESTML models: the engine has no units
UNIT_NAMES = frozenset(
    "ms us ns second seconds msecond usecond mV uV volt mvolt nA pA uA amp amps mA namp "
    "pamp nS uS mS pS siemens nsiemens usiemens pF nF uF farad pfarad nfarad Hz kHz hertz "
    "ohm Mohm kohm Gohm GOhm MOhm mM uM molar cm um mm meter metre".split())


#: what to say about units, wherever one is met
UNITS_HINT = ("the engine has no units: write plain numbers in the model's own units (time "
              "is in ms everywhere: t, dt, refractory, simulate(); the built-in PyNN models "
              "use ms, mV, nA, nS and nF; ANNarchy's and most text models use ms and mV)")


def unknown_name_hint(name: str, candidates: Iterable[str]) -> str:
    """The hint of an unknown name: the closest known name, or how to declare it."""
    if name in UNIT_NAMES:
        return f"'{name}' looks like a unit: {UNITS_HINT}; e.g. write 10.0 for 10*ms"
    return suggest(name, candidates) or (
        "declare it in parameters, or as a network constant with "
        "net.constant(name, value) before defining the model"
    )


def check_user_name(name: str, what: str = "name") -> None:
    """A parameter, variable, function or argument name must be usable.

    Bad input: ``parameters = "lambda = 1.0"`` (a Python keyword),
    ``"exp = 2"`` (a built-in function), ``"_x = 1"`` (leading underscore).
    """
    if not name.isidentifier() or not name.isascii():
        raise Problem(f"'{name}' is not a valid {what}",
                      "names are letters, digits and '_', starting with a letter")
    if name.startswith("_"):
        raise Problem(f"{what} '{name}' starts with '_'",
                      "names starting with '_' are reserved for generated code")
    if name in RESERVED_NAMES:
        meaning = RESERVED_MEANINGS.get(name)
        raise Problem(f"'{name}' is a reserved word and cannot be used as a {what}"
                      + (f": {meaning}" if meaning else ""),
                      "choose another name, e.g. " + repr(name + "_"))


#: reserved names a function argument may shadow inside its own body: they
#: name model-level things (time, step, events) or words of the generated code,
#: and a body sees only its arguments, inlined, never under their own names
ARGUMENT_SHADOWS = frozenset({"t", "dt", "w_target", "spike", "refractory", "math", "np",
                              "numpy", "numba", "range", "len", "int", "float", "bool"})


def check_argument_name(name: str) -> None:
    """A function argument must be a usable name; it may shadow ``t``, ``dt``...

    ANNarchy's ``nmda(v, t, s) = ...`` is fine: ``t`` is the argument inside
    the body. Bad input: ``functions = "f(if) = 1"`` (a Python keyword),
    ``"f(exp) = exp"`` (a built-in function), ``"f(pre) = 1"`` (``pre.x``
    syntax).
    """
    if name in ARGUMENT_SHADOWS:
        return
    check_user_name(name, "argument name")


def check_method(name: str) -> str:
    """An integration method must be one the integrators know; returns its canonical name.

    ``euler`` (Brian2) is ``explicit``; ANNarchy's old ``runge-kutta4`` and
    ``exact`` are ``rk4`` and ``event-driven``.
    Bad input: ``equations = "dv/dt = -v : method=rk5"``.
    """
    if name in METHOD_ALIASES:
        return METHOD_ALIASES[name]
    if name not in METHODS:
        raise Problem(
            f"unknown integration method '{name}'",
            suggest(name, METHODS + tuple(METHOD_ALIASES))
            or "methods are: " + ", ".join(METHODS) + " (euler is explicit)",
        )
    return name


#: flags that set the dtype of a parameter or variable
DTYPE_FLAGS = ("int", "bool", "float")
#: flags that take a value (``init=...``)
VALUE_FLAGS = ("init", "min", "max", "method")
#: flags that set the locality, per model kind
LOCALITY_FLAGS = {"neuron": {"population": "global"},
                  "synapse": {"projection": "global", "postsynaptic": "semiglobal"}}
#: every flag name the front end understands (for suggestions)
FLAG_NAMES = tuple(sorted(
    set(VALUE_FLAGS) | set(METHODS) | set(METHOD_ALIASES) | set(DTYPE_FLAGS)
    | {"population", "projection", "postsynaptic", "unless_refractory"}
))


def check_flag(flag: str, has_value: bool, *, kind: str, block: str,
               is_ode: bool = False, spiking: bool = False) -> None:
    """A flag must exist and make sense where it is written.

    Bad inputs: ``"dv/dt = -v : init=0, explict"`` (unknown, suggests
    ``explicit``), ``"tau = 1 : postsynaptic"`` in a neuron (synapses only),
    ``"r = sum(exc) : rk4"`` (method on an assignment), ``"tau = 1 : init=2"``
    (a parameter's value is its initial value).

    Parameters
    ----------
    flag : str
        The flag name (``init``, ``population``, ``rk4`` ...).
    has_value : bool
        Whether it was written ``name=value``.
    kind : 'neuron' or 'synapse'
    block : str
        ``parameters``, ``equations``, ``reset``, ``pre_spike``, ``post_spike``.
    is_ode : bool
        The statement is an ODE (methods apply only to ODEs).
    spiking : bool
        The model is a spiking neuron (``unless_refractory`` needs one).
    """
    if flag not in FLAG_NAMES:
        if flag in UNIT_NAMES:
            raise Problem(f"'{flag}' is a unit (Brian2 writes units after ':'), not a flag",
                          UNITS_HINT + "; remove it")
        raise Problem(f"unknown flag '{flag}'", suggest(flag, FLAG_NAMES)
                      or "flags are: " + ", ".join(FLAG_NAMES))
    if flag in VALUE_FLAGS and not has_value:
        raise Problem(f"flag '{flag}' needs a value", f"write {flag}=<value>")
    if flag not in VALUE_FLAGS and has_value:
        raise Problem(f"flag '{flag}' takes no value", f"write just '{flag}'")
    other = "synapse" if kind == "neuron" else "neuron"
    if flag in LOCALITY_FLAGS[other]:
        alt = ", ".join(repr(f) for f in LOCALITY_FLAGS[kind])
        raise Problem(f"flag '{flag}' is only for {other}s", f"in a {kind}, use {alt}")
    if block in ("reset", "pre_spike", "post_spike"):
        allowed = {"reset": ("unless_refractory",)}.get(block, ("min", "max"))
        if flag not in allowed:
            raise Problem(f"flag '{flag}' is not allowed in {block}",
                          "allowed here: " + ", ".join(allowed))
        return
    is_method = flag == "method" or flag in METHODS or flag in METHOD_ALIASES
    if block == "parameters" and (is_method or flag in VALUE_FLAGS + ("unless_refractory",)):
        raise Problem(
            f"flag '{flag}' is not allowed on a parameter",
            "the value of a parameter is its initial value; flags of parameters are "
            "locality and dtype flags",
        )
    if is_method and not is_ode:
        raise Problem(f"integration method '{flag}' on an assignment",
                      "methods apply only to ODEs (dx/dt = ...)")
    if flag == "unless_refractory" and not spiking:
        raise Problem("flag 'unless_refractory' is only for spiking neurons",
                      "it needs a spike condition and a refractory period")


def check_locality(locality: str, kind: str) -> None:
    """A locality must exist, and ``semiglobal`` exists only in synapses.

    Bad input: ``Neuron(parameters=dict(tau=Parameter(1.0, locality='semiglobal')))``.
    """
    if locality not in LOCALITIES:
        raise Problem(f"unknown locality '{locality}'",
                      suggest(locality, LOCALITIES) or "use " + ", ".join(LOCALITIES))
    if locality == "semiglobal" and kind != "synapse":
        raise Problem("locality 'semiglobal' is only for synapses",
                      "use 'global' (one value per population) or 'local'")


def is_condition(expr) -> bool:
    """True for comparisons and boolean combinations (sympy symbols are not conditions)."""
    return isinstance(expr, (Relational, BooleanFunction, BooleanAtom))


def check_condition(expr: sp.Basic, what: str = "spike condition") -> None:
    """A spike condition must be a comparison or a boolean combination of them.

    Bad inputs: ``spike = "v - v_thresh"`` (a number, not a comparison),
    ``spike = "True"`` (a constant: every neuron would spike at every step).
    """
    if not is_condition(expr):
        raise Problem(f"{what} must be a comparison",
                      "write a condition such as 'v > v_thresh'")
    if expr in (sp.true, sp.false):
        raise Problem(f"{what} must be a comparison, not a constant",
                      "write a condition such as 'v > v_thresh'")


def check_numeric(expr: sp.Basic, what: str) -> None:
    """A value (init, min, max, parameter, refractory) must be a number, not a condition.

    Bad input: ``parameters = "tau = 1 > 0"``.
    """
    if is_condition(expr) and expr not in (sp.true, sp.false):
        raise Problem(f"{what} must be a number, not a condition")


def check_refractory(expr: sp.Basic) -> None:
    """A refractory period is a non-negative number of milliseconds.

    Bad input: ``refractory = -2.0``.
    """
    if is_condition(expr):
        raise Problem("refractory period must be a number of milliseconds, not a condition")
    if expr.is_number and expr.is_negative:
        raise Problem(f"refractory period must not be negative (got {float(expr):g})",
                      "give the refractory period in ms, e.g. refractory=5.0")


def check_not_parameter(target: str, parameters: Mapping | Iterable[str], what: str) -> None:
    """Equations and events may not change a parameter.

    Bad input: ``parameters = "tau = 10.0"``, ``equations = "dtau/dt = 1"``.
    """
    if target in parameters:
        raise Problem(
            f"{what} on a parameter: '{target}' is declared in parameters",
            f"parameters are constant; remove '{target}' from parameters and give its "
            f"initial value with the flag init=...",
        )


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Cycles of a dependency graph, each once, as ``[a, b, ..., a]``.

    Bad input (parameters): ``a = b`` and ``b = a + 1``; (functions):
    ``f(x) = g(x)`` and ``g(x) = f(x)``; a self-reference ``f(x) = f(x) + 1``.
    Nodes are visited in the graph's order, so the cycles are reported in
    source order. Iterative, so long chains cannot exhaust the stack.
    """
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []
    seen_cycles: set[frozenset] = set()
    for start in graph:
        if state.get(start):
            continue
        path = [start]
        iters = [iter(graph.get(start, ()))]
        state[start] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
                continue
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cyc = path[path.index(nxt):] + [nxt]
                key = frozenset(cyc)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    cycles.append(cyc)
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(graph.get(nxt, ())))
    return cycles


class RefractoryResetWarning(UserWarning):
    """A reset statement that the refractory period will apply more than once."""


def repeated_resets(ir, class_syntax: bool = False) -> list[str]:
    """Reset statements that accumulate when re-applied at every refractory step.

    A model that flags some statement ``unless_refractory`` follows the
    'flagged' rule (``ModelIR.refractory_rule``; docs/model_language.md,
    Refractoriness): its unflagged reset statements run at the spike and
    again at every refractory step (that is what clamps ``v = v_reset`` while
    ``v`` integrates). A model without flags follows ANNarchy 5 (resets
    once, neuron frozen) and never warns. A statement that reads its own target and
    is not idempotent (``w += b``, ``w = w + b``, ``u *= 0.5``) then changes
    the variable once per refractory step instead of once per spike.

    Bad input: ``reset = "v = c\nw += b"`` with ``refractory = 2.0``; the
    fix is ``w += b : unless_refractory`` (in the class syntax, a block
    ``with Equations(self, unless_refractory=True)``). Returns one message per
    statement.
    """
    ref = ir.refractory
    if ir.kind != "neuron" or not ir.spiking or ref is None or ref.is_zero \
            or ir.refractory_rule != "flagged":
        return []
    out = []
    for e in ir.reset:
        x = symbol(e.target)
        if "unless_refractory" in e.flags or x not in e.rhs.free_symbols:
            continue
        if e.rhs.xreplace({x: e.rhs}) == e.rhs:  # idempotent, e.g. v = Max(v, c)
            continue
        src = e.source
        where = f"{ir.kind} '{ir.name}', reset" + (f" line {src.line}" if src.line else "")
        text = (src.text or "")[(src.col or 1) - 1:].split("#")[0].split(";")[0].strip()
        text = text or f"{e.target} = {e.rhs}"
        period = f"{float(ref):g} ms" if ref.is_Number else f"'{show(ref)}'"
        out.append(
            f"{where}: '{text}' runs again at every refractory step (refractory = "
            f"{period}): a model that flags statements 'unless_refractory' re-applies its "
            f"unflagged reset statements during the refractory period, so '{e.target}' changes "
            "once per refractory step, not once per spike. To apply it only at the spike, "
            + ("write it in a block 'with Equations(self, unless_refractory=True) as n:'"
               if class_syntax else f"flag it: '{text} : unless_refractory'")
            + " (assignments such as 'v = v_reset' need no flag).")
    return out
