"""Linearity analysis of one ODE right-hand side, for the implicit-type methods.

An ODE ``dx/dt = f`` is *linear in its own variable* when ``f = A + B*x`` with
``A`` and ``B`` free of ``x`` (they may depend on other variables, which the
integrators read at the start of the step). Exponential Euler and backward
Euler need that form; semi-implicit Euler only needs the coefficient of the
terms proportional to ``x``; event-driven integration needs ``A == 0`` and a
``B`` made of parameters only.

All functions are pure sympy and never simplify user expressions beyond what
sympy does automatically, so the printed code stays recognisable.
"""

from __future__ import annotations

import sympy as sp

from engine.language.random_draws import is_draw
from engine.language.symbols import T, classify, symbol

__all__ = [
    "linear_split",
    "linear_part_coefficient",
    "state_symbols",
    "is_state_free",
]


def linear_split(f: sp.Basic, x: sp.Symbol) -> tuple[sp.Basic, sp.Basic] | None:
    """Write ``f`` as ``A + B*x`` with ``A`` and ``B`` free of ``x``.

    Parameters
    ----------
    f : sympy expression
        Right-hand side of ``dx/dt = f``.
    x : sympy Symbol
        The ODE's own variable.

    Returns
    -------
    (A, B) or None
        ``None`` when ``f`` is not linear in ``x`` (``v**2``, ``exp(v)``,
        ``ite(v > 0, ...)``, a draw whose parameters contain ``x`` ...).

    Examples
    --------
    >>> from engine.language.symbols import symbol
    >>> v, E, tau = symbol('v'), symbol('E'), symbol('tau')
    >>> linear_split((E - v) / tau, v)
    (E/tau, -1/tau)
    >>> linear_split(v**2, v) is None
    True
    """
    if x not in f.free_symbols:
        return f, sp.Integer(0)
    b = sp.diff(f, x)
    if x in b.free_symbols or b.has(sp.Derivative):
        b = sp.expand(b)
        if x in b.free_symbols or b.has(sp.Derivative):
            return None
    a = f.subs(x, 0)
    if x in a.free_symbols or a.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return a, b


def linear_part_coefficient(f: sp.Basic, x: sp.Symbol) -> sp.Basic:
    """Coefficient ``B`` of the terms of ``f`` that are ``c*x`` with ``c`` free of ``x``.

    Used by the semi-implicit method: the part ``B*x`` is integrated
    implicitly, the rest explicitly. For a linear ``f`` it is the exact
    derivative ``df/dx``; for ``0.04*v**2 + 5*v + 140 - u`` it is ``5``.
    """
    expanded = sp.expand(f, power_exp=False, power_base=False, log=False,
                         multinomial=True, mul=True, deep=True)
    coeff = sp.Integer(0)
    for term in sp.Add.make_args(expanded):
        c, dep = term.as_independent(x, as_Add=False)
        if dep == x:
            coeff += c
    return coeff


def state_symbols(ir) -> frozenset[sp.Symbol]:
    """Symbols of the model's state variables (kind ``variable``)."""
    return frozenset(symbol(v.name) for v in ir.state_variables)


def is_state_free(expr: sp.Basic, ir) -> bool:
    """True if ``expr`` depends only on parameters, constants and ``dt``.

    State variables, time, ``pre.x``/``post.x``, ``sum(target)`` and random
    draws all change during a simulation, so an expression containing one of
    them is not a constant rate.
    """
    states = state_symbols(ir)
    for s in expr.free_symbols:
        if s in states or s == T:
            return False
        if classify(s)[0] in ("pre", "post", "sum", "time"):
            return False
    return not any(is_draw(n) for n in sp.preorder_traversal(expr))
