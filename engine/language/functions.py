"""The functions allowed inside equations, as sympy builders.

Every conversion here is ``sympify(..., strict=True)``: numbers and sympy
objects pass, text raises, so no builder can ever parse a string.

One table serves both front ends: the string parser looks names up here, and
the class-based API exposes the same builders (``n.ite``, ``clip`` ...), so
``pos(x)`` written as text and ``pos(n.x)`` written in Python give the same
sympy expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

__all__ = ["FUNCTIONS", "FunctionSpec", "ite", "as_condition"]


def as_condition(c) -> sp.Basic:
    """Turn a number or expression into a sympy boolean (non-zero is true).

    A sympy ``Symbol`` is a ``Boolean`` subclass, so the test names the
    condition classes explicitly: a real-valued name ``x`` becomes ``x != 0``.
    """
    if isinstance(c, (sp.core.relational.Relational, sp.logic.boolalg.BooleanFunction,
                      sp.logic.boolalg.BooleanAtom)):
        return c
    if isinstance(c, bool):
        return sp.true if c else sp.false
    return sp.Ne(sp.sympify(c, strict=True), 0)


def ite(cond, then, otherwise) -> sp.Basic:
    """``if cond then a else b`` / ``ite(cond, a, b)`` as a sympy Piecewise."""
    cond = as_condition(cond)
    then = sp.sympify(then, strict=True)
    otherwise = sp.sympify(otherwise, strict=True)
    return sp.Piecewise((then, cond), (otherwise, True))


def _heaviside(x):
    # H(0) = 0, as ANNarchy's Heaviside: 1 when x > 0, else 0
    return sp.Piecewise((sp.Integer(1), sp.sympify(x, strict=True) > 0), (sp.Integer(0), True))


def _pos(x):
    return sp.Max(x, 0)


def _neg(x):
    return sp.Min(x, 0)


def _clip(x, lo, hi):
    return sp.Min(sp.Max(x, lo), hi)


@dataclass(frozen=True)
class FunctionSpec:
    """A function name usable in equations."""

    build: Callable
    nargs: tuple[int, ...]  # accepted argument counts
    doc: str


FUNCTIONS: dict[str, FunctionSpec] = {
    "exp": FunctionSpec(sp.exp, (1,), "exponential"),
    "log": FunctionSpec(sp.log, (1,), "natural logarithm"),
    "sqrt": FunctionSpec(sp.sqrt, (1,), "square root"),
    "sin": FunctionSpec(sp.sin, (1,), "sine"),
    "cos": FunctionSpec(sp.cos, (1,), "cosine"),
    "tan": FunctionSpec(sp.tan, (1,), "tangent"),
    "tanh": FunctionSpec(sp.tanh, (1,), "hyperbolic tangent"),
    "abs": FunctionSpec(sp.Abs, (1,), "absolute value"),
    "fabs": FunctionSpec(sp.Abs, (1,), "absolute value"),
    "power": FunctionSpec(sp.Pow, (2,), "power(x, y) = x^y"),
    "pow": FunctionSpec(sp.Pow, (2,), "pow(x, y) = x^y (C's name, as ANNarchy accepts)"),
    "clip": FunctionSpec(_clip, (3,), "clip(x, a, b): x limited to [a, b]"),
    "pos": FunctionSpec(_pos, (1,), "max(x, 0)"),
    "positive": FunctionSpec(_pos, (1,), "max(x, 0)"),
    "neg": FunctionSpec(_neg, (1,), "min(x, 0)"),
    "negative": FunctionSpec(_neg, (1,), "min(x, 0)"),
    "modulo": FunctionSpec(sp.Mod, (2,), "modulo(a, b): remainder of a / b"),
    "heaviside": FunctionSpec(_heaviside, (1,), "1 if x > 0 else 0"),
    "min": FunctionSpec(sp.Min, (2,), "smaller of two values"),
    "max": FunctionSpec(sp.Max, (2,), "larger of two values"),
    "ite": FunctionSpec(ite, (3,), "ite(c, a, b): a if c else b"),
}
