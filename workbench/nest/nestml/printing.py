"""Model-language text: precedence, numbers, and the pieces of formulas.

The translator writes the engine's text (parsed with Python's precedence).
Each piece of text travels with its precedence, so that :func:`_wrap` adds
parentheses only where the context binds tighter: the generated equations
stay readable. The other helpers print numbers, unit factors, sympy
expressions of parameters and the terms of propagators and Runge-Kutta sums.
"""

from __future__ import annotations

import math

#: precedence of the text the printer writes (Python's, which the engine parses)
_ATOM, _POW, _UNARY, _MUL, _ADD, _CMP, _NOT, _AND, _OR = 100, 90, 80, 70, 60, 50, 40, 30, 20

#: NESTML's ``inf``: the engine's numbers stay below 1e308
_INF = "1e300"


def _wrap(text: str, prec: int, needed: int) -> str:
    return text if prec >= needed else f"({text})"


def _power_term(h: str, k: int, y: str) -> str:
    """``h**k/k! * y``."""
    if k == 1:
        return f"{h}*{y}"
    return f"{h}**{k}/{math.factorial(k)}*{y}"


def _weighted(pairs) -> str | None:
    """``dt * sum(w * x)`` for fractions ``w``, as ``dt/6*(k1 + 2*k2 + 2*k3 + k4)``."""
    pairs = [(w, x) for w, x in pairs if w]
    if not pairs:
        return None
    den = math.lcm(*(w.denominator for w, _ in pairs))
    parts = [x if w * den == 1 else f"{w * den}*{x}" for w, x in pairs]
    inner = parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"
    return ("dt" if den == 1 else f"dt/{den}") + ("" if inner == "1" else "*" + inner)


def _floor(x: str) -> str:
    """floor() in the engine's language, which has modulo() but no floor."""
    return f"(({x}) - modulo({x}, 1))"


def _num(value) -> str:
    """A number as model-language text."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def _factor(value: float) -> str:
    """A unit factor as text: whole numbers as integers, so that the engine's
    sympy drops ``1*`` and keeps ``1000*`` exact."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def _sympy_text(expr) -> str:
    """A sympy expression of parameters as model-language text."""
    from sympy.printing.str import StrPrinter

    class _Printer(StrPrinter):
        def _print_Exp1(self, e):
            return repr(math.e)

        def _print_Pi(self, e):
            return repr(math.pi)

        def _print_Abs(self, e):
            return f"abs({self._print(e.args[0])})"

    return _Printer().doprint(expr)
