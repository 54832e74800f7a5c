"""Print sympy expressions of the IR as Numba-compatible Python.

Built on sympy's ``PythonCodePrinter`` (scalar code: ``math.exp``, ternaries
for Piecewise, ``min``/``max``), with three changes:

- symbols are printed through a name map (``t`` -> ``_t``, ``sum(exc)`` ->
  ``_sum_exc``...), so generated code never clashes with user names;
- floats print as exact ``repr`` literals, integers as integers;
- random draws print as calls into :mod:`engine.codegen.rng` with the
  population's generator state.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from engine.language import random_draws as rd

__all__ = ["NumbaPrinter", "print_expr"]

_DRAW_CALLS = {
    rd.UniformDraw: "_rng_uniform",
    rd.NormalDraw: "_rng_normal",
    rd.LogNormalDraw: "_rng_lognormal",
    rd.ExponentialDraw: "_rng_exponential",
    rd.DiscreteUniformDraw: "_rng_discrete_uniform",
}


_INT64_MIN, _INT64_MAX = -2**63, 2**63 - 1


class NumbaPrinter(PythonCodePrinter):
    """sympy -> scalar Python that Numba compiles in nopython mode."""

    def __init__(self, names: dict[str, str] | None = None, rng: str = "_rng"):
        super().__init__({"fully_qualified_modules": True, "standard": "python3"})
        self._names = names or {}
        self._rng = rng

    def _print_Symbol(self, expr):
        return self._names.get(expr.name, expr.name)

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Integer(self, expr):
        v = int(expr)
        # Numba types integer literals as int64: a larger one (the language
        # accepts every integer a double holds) is written as that double
        return str(v) if _INT64_MIN <= v <= _INT64_MAX else repr(float(v))

    def _print_Rational(self, expr):
        p, q = int(expr.p), int(expr.q)
        if not (_INT64_MIN <= p <= _INT64_MAX and q <= _INT64_MAX):
            return repr(float(expr))
        return f"({p}/{q})"

    def _print_Half(self, expr):
        return "0.5"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"

    def _print_Pi(self, expr):
        return "math.pi"

    def _print_Exp1(self, expr):
        return "math.e"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.args
        if exp == sp.Rational(1, 2):
            return f"math.sqrt({self._print(base)})"
        if exp == -1:
            return f"(1.0/{self.parenthesize(base, sp.printing.precedence.PRECEDENCE['Mul'])})"
        if exp.is_Integer and 2 <= int(exp) <= 4:
            b = self.parenthesize(base, sp.printing.precedence.PRECEDENCE["Atom"] - 1)
            # repeated multiplication: exact and faster than pow()
            return "(" + "*".join([b] * int(exp)) + ")"
        return super()._print_Pow(expr, rational=rational)

    def _print_Mod(self, expr):
        # Python's remainder (the sign of the divisor). By zero: NaN, never a
        # silent value: Numba's numpy error model gives NaN for floats but 0
        # for two integers, so an integer divisor is tested (the result is
        # then a float; the finiteness check reports the NaN, and an integer
        # variable refuses it, see population_code._stored).
        a, b = expr.args
        pa, pb = self._print(a), self._print(b)
        if any(type(n) in _DRAW_CALLS for n in sp.preorder_traversal(b)):
            # printed once (a draw is a fresh number at each call): as floats
            return f"(float({pa}) % float({pb}))"
        return f"(({pa}) % ({pb}) if ({pb}) != 0 else math.nan)"

    def _print_Heaviside(self, expr):
        return f"(1.0 if {self._print(expr.args[0])} > 0 else 0.0)"

    def _print_sign(self, expr):
        x = self._print(expr.args[0])
        return f"((1.0 if {x} > 0 else -1.0) if {x} != 0 else 0.0)"

    def _print_Function(self, expr):
        call = _DRAW_CALLS.get(type(expr))
        if call is not None:
            params = ", ".join(self._print(a) for a in expr.args[:-1])
            return f"{call}({self._rng}, {params})"
        return super()._print_Function(expr)

    def _print_Mul(self, expr):
        # ``noise * Normal(0, 1)`` with noise = 0 is common (ANNarchy's
        # defaults): skip the draw when its coefficient is zero.
        draws = [a for a in expr.args if type(a) in _DRAW_CALLS]
        if len(draws) == 1 and len(expr.args) > 1:
            coef = sp.Mul(*[a for a in expr.args if a is not draws[0]])
            if coef.free_symbols:
                c = self._print(coef)
                return f"(({c}) * {self._print(draws[0])} if ({c}) != 0.0 else 0.0)"
        return super()._print_Mul(expr)

    def _print_Min(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"min({out}, {a})"
        return out

    def _print_Max(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"max({out}, {a})"
        return out


def print_expr(expr, names: dict[str, str] | None = None, rng: str = "_rng") -> str:
    """Print one sympy expression (or number) as Numba-compatible Python."""
    if isinstance(expr, (int, float)):
        return repr(float(expr)) if isinstance(expr, float) else str(expr)
    return NumbaPrinter(names, rng).doprint(sp.sympify(expr, strict=True))
