"""Structural plasticity declarations: ``Pruning`` and ``Creating`` (ANNarchy 5).

A synapse model may say when its synapses disappear and when new ones appear::

    Syn = Synapse(
        parameters=dict(T=Parameter(10000, type='int')),
        equations=Variable("age = if pre.r * post.r > 1.0 : 0 else : age + 1",
                           init=0, type=int),
        pruning=Pruning("age > T", proba=0.1),
        creating=Creating("pre.r * post.r > 1.0", proba=0.5, w=0.01),
    )

or, as ANNarchy 4 wrote them, as text with flags:
``pruning="age > T : proba = 0.1"``, ``creating="pre.r * post.r > 1.0 : proba
= 0.5, w = 0.01, d = 1.0"``.

The condition is one boolean expression parsed like the equations (never
evaluated as Python). A pruning condition may read the synapse's own
variables (``age``), its parameters, ``pre.x``, ``post.x``, ``t`` and ``dt``;
a creating condition everything but per-synapse variables (the synapse does
not exist yet). ``proba`` (0..1) is the chance that a synapse meeting the
condition is removed or created; ``w`` the weight and ``d`` the delay (ms)
of a created synapse. When and how the rules run: :mod:`engine.runtime.structural`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import sympy as sp

from engine.errors import Diagnostic, EquationError
from engine.language.checks import Problem, is_condition, unknown_name_hint
from engine.language.expressions import Scope, convert, prepare
from engine.language.lines import Segment, parse_flags
from engine.language.symbols import DT, T, classify, post_symbol, pre_symbol, symbol

__all__ = ["Pruning", "Creating", "StructuralRule", "parse_rule", "parse_rules", "rules_of"]


@dataclass
class Creating:
    """When a synapse is created (ANNarchy 5's ``Creating``).

    Parameters
    ----------
    equation : str
        The condition, e.g. ``"pre.r * post.r > 1.0"``.
    proba : float
        Probability that a pair meeting the condition gets a synapse (default 1).
    w : float
        Weight of a created synapse (default 0).
    d : float, optional
        Delay in ms of a created synapse (default: the projection's delay).
    """

    equation: str
    proba: float = 1.0
    w: float = 0.0
    d: float | None = None


@dataclass
class Pruning:
    """When a synapse is removed (ANNarchy 5's ``Pruning``).

    Parameters
    ----------
    equation : str
        The condition, e.g. ``"age > T"``.
    proba : float
        Probability that a synapse meeting the condition is removed (default 1).
    """

    equation: str
    proba: float = 1.0


@dataclass(frozen=True)
class StructuralRule:
    """A parsed pruning or creating rule (what the runtime reads).

    ``condition`` is a sympy boolean of the synapse's names (``symbol``),
    ``pre.x``/``post.x`` symbols, ``t``, ``dt`` and random draws.
    """

    kind: str                 # 'pruning' or 'creating'
    text: str                 # the condition as the user wrote it
    condition: sp.Basic
    proba: float = 1.0
    w: float = 0.0
    d: float | None = None

    def names(self, side: str) -> set[str]:
        """Names read from ``side``: ``'pre'``, ``'post'`` or ``'name'`` (the synapse)."""
        return {classify(s)[1] for s in self.condition.free_symbols if classify(s)[0] == side}


_FLAGS = {"pruning": ("proba",), "creating": ("proba", "w", "d")}


class _RuleScope(Scope):
    """Names a structural condition may read."""

    def __init__(self, ir, kind):
        self.ir = ir
        self.kind = kind
        self._draws = itertools.count()

    def name(self, name):
        if name in ("t", "dt"):
            return T if name == "t" else DT
        if name in self.ir.names:
            spec = self.ir.variable(name)
            if self.kind == "creating" and spec.locality == "local":
                raise Problem(
                    f"a creating condition cannot read '{name}', a per-synapse "
                    f"{spec.kind}: the synapse does not exist yet",
                    "use pre.<name>, post.<name>, or parameters flagged 'projection' or "
                    "'postsynaptic'")
            return symbol(name)
        if name == "pi":
            return sp.pi
        raise Problem(f"unknown name '{name}'", unknown_name_hint(name, self.known_names()))

    def known_names(self):
        return ["t", "dt"] + list(self.ir.names)

    def attribute(self, owner, attr):
        return pre_symbol(attr) if owner == "pre" else post_symbol(attr)

    def draw(self):
        return next(self._draws)


def _error(model, kind, message, text="", col=None, hint=""):
    return EquationError(Diagnostic(message, model=model, block=kind, line=1 if text else None,
                                    col=col, text=text, hint=hint))


def _number(model, kind, name, value, text="", col=None) -> float:
    if isinstance(value, Segment):
        raw = value.text
        try:
            value = float(raw)
        except ValueError:
            raise _error(model, kind, f"flag '{name}' must be a number, got '{raw}'", text,
                         col, f"write {name} = 0.5") from None
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _error(model, kind, f"{name} must be a number, got {value!r}",
                     hint=f"{name}=0.5")
    value = float(value)
    if not math.isfinite(value):
        raise _error(model, kind, f"{name} must be finite, got {value}", text, col)
    if name == "proba" and not 0.0 <= value <= 1.0:
        raise _error(model, kind, f"proba must be between 0 and 1, got {value}", text, col)
    if name == "d" and value < 0:
        raise _error(model, kind, f"the delay d must be >= 0 ms, got {value}", text, col)
    return value


def _split_text(model, kind, text):
    """``'cond : proba = 0.1, w = 0.01'`` -> (condition text, {flag: Segment}, flag cols).

    The flags follow the last top-level ``:`` when every flag is one of this
    rule's; otherwise the whole text is the condition (``if c : a else : b``)."""
    depth = 0
    cut = None
    for i, ch in enumerate(text):
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == ":" and depth == 0:
            cut = i
    if cut is None:
        return text, {}
    try:
        flags = parse_flags(Segment(text[cut + 1:], cut + 1).sub(0))
    except Problem:
        return text, {}
    if not flags or any(f.name not in _FLAGS[kind] or f.value is None for f in flags):
        known = ", ".join(_FLAGS[kind])
        bad = [f for f in flags if f.name not in _FLAGS[kind] and f.value is not None]
        if bad and not any(f.name in ("then", "else") for f in flags):
            f = bad[0]
            raise _error(model, kind, f"unknown {kind} flag '{f.name}'", text, f.col + 1,
                         f"the flags of {kind} are {known}")
        return text, {}
    out = {}
    for f in flags:
        if f.name in out:
            raise _error(model, kind, f"flag '{f.name}' given twice", text, f.col + 1)
        out[f.name] = (f.value, f.col)
    return text[:cut], out


def parse_rule(kind: str, value, ir, model: str = "synapse") -> StructuralRule | None:
    """Parse a synapse's ``pruning=`` or ``creating=`` argument.

    Parameters
    ----------
    kind : str
        ``'pruning'`` or ``'creating'``.
    value : None, str, Pruning or Creating
        What the user gave.
    ir : ModelIR
        The synapse (for the names the condition may read).

    Raises
    ------
    EquationError
        A wrong type, an unknown name, a condition that is not a comparison,
        a bad flag or value (``proba`` outside [0, 1], ``d`` < 0).
    """
    if value is None:
        return None
    cls = Pruning if kind == "pruning" else Creating
    other = Creating if kind == "pruning" else Pruning
    flags = {}
    if isinstance(value, other):
        raise _error(model, kind, f"{kind}= takes a {cls.__name__}(...), got a "
                     f"{other.__name__}", hint=f"{kind}={cls.__name__}('condition', proba=...)")
    if isinstance(value, cls):
        text = value.equation
        if not isinstance(text, str):
            raise _error(model, kind, f"the condition must be a string, got {text!r}")
        params = {"proba": value.proba}
        if kind == "creating":
            params["w"] = value.w
            if value.d is not None:
                params["d"] = value.d
        full = text
        for k, v in params.items():
            flags[k] = _number(model, kind, k, v)
    elif isinstance(value, str):
        full = value
        text, raw = _split_text(model, kind, value)
        for k, (v, col) in raw.items():
            flags[k] = _number(model, kind, k, v, value, col + 1)
    else:
        raise _error(model, kind, f"{kind}= takes a string or a {cls.__name__}(...), got "
                     f"{type(value).__name__}",
                     hint=f"{kind}={cls.__name__}('condition', proba=...)")
    if not text.strip():
        raise _error(model, kind, f"the {kind} condition is empty",
                     hint=f"{cls.__name__}('age > T', proba=0.1)")
    try:
        cond = convert(prepare(text), _RuleScope(ir, kind))
        if not is_condition(cond):
            raise Problem(f"a {kind} condition must be a comparison (e.g. 'pre.r > 1.0')")
    except Problem as p:
        col = None if p.col is None else p.col + 1
        raise _error(model, kind, p.message, full, col, p.hint) from p
    return StructuralRule(kind=kind, text=text.strip(), condition=cond,
                          proba=flags.get("proba", 1.0), w=flags.get("w", 0.0),
                          d=flags.get("d"))


def parse_rules(model) -> dict:
    """``{'pruning': rule or None, 'creating': rule or None}`` of a synapse model
    (its ``pruning``/``creating`` attributes, parsed against its IR)."""
    return {kind: parse_rule(kind, getattr(model, kind, None), model.ir, model.model_name)
            for kind in ("pruning", "creating")}


def rules_of(model) -> dict:
    """The parsed rules of a synapse model (class-based models parsed on first use)."""
    rules = model.__dict__.get("_structural")
    if rules is None:
        rules = parse_rules(model)
        model.__dict__["_structural"] = rules
    return rules
