"""Random draws inside equations whose parameters are model attributes.

``Normal(0, s)`` with a parameter ``s`` cannot be checked when the model is
parsed (``Normal(0, -1)`` is): ``s`` is known only once set. A draw with
invalid parameters inside compiled code gives NaN, which the finiteness
checks report only after the run, and not at all when the drawn value is
stored into an integer or compared (``spike: Uniform(0, s) > 0.5``). So the
values are checked where they change: at assignment (``pop.s = -1``,
``proj.s = -1``), at ``compile()`` and before each run (``pop.s[:] = -1``
and ``load()`` write without an assignment check). Populations and
projections share the rules here; each says which of its values a draw
reads and how to name the element that is wrong (a neuron, a synapse).

Draws whose parameters are variables (``Normal(0, v)``) are checked while
running: an invalid draw gives NaN (engine.codegen.rng).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import sympy as sp

from engine.language.ir import ModelIR
from engine.language.random_draws import DRAW_FUNCTIONS, is_draw

__all__ = ["DRAW_RULES", "parametric_draws", "draw_problem"]

#: the parameters a draw cannot take (besides non-finite ones), vectorised;
#: the message is the distribution's own (RandomDistribution.check_params)
DRAW_RULES = {
    "Normal": lambda mu, sigma: sigma < 0,
    "LogNormal": lambda mu, sigma: sigma < 0,
    "Uniform": lambda a, b: a > b,
    "DiscreteUniform": lambda a, b: a > b,
    "Exponential": lambda lam: lam <= 0,
}


def parametric_draws(ir: ModelIR, exprs: Iterable) -> list:
    """``(distribution class, draw, lambdified parameters, names)`` of the
    draws in ``exprs`` whose parameters are expressions of the model's
    parameters and of constants only (``Normal(0, s)``), each draw once."""
    params = {v.name for v in ir.variables if v.kind == "parameter"}
    known = params | set(ir.constants)
    out, seen = [], set()
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        for node in sp.preorder_traversal(expr):
            if not is_draw(node) or type(node) not in DRAW_FUNCTIONS:
                continue
            args = node.args[:-1]
            names = sorted({s.name for a in args for s in a.free_symbols})
            key = (type(node), args)
            if not names or key in seen or not set(names) <= known:
                continue
            seen.add(key)
            syms = [sp.Symbol(n) for n in names]
            # our own IR's expressions, evaluated with numpy
            fns = [sp.lambdify(syms, a, modules="numpy") for a in args]
            out.append((DRAW_FUNCTIONS[type(node)], node, fns, names))
    return out


def draw_problem(draws: list, model: str, value_of: Callable, where_of: Callable,
                 changed: str | None = None) -> str:
    """What is wrong with the parameters of ``draws`` ("" if nothing).

    ``value_of(name, names)``: the values of attribute or constant ``name``
    (a scalar, or one per element, broadcastable with the other ``names`` of
    the same draw); ``where_of(i, names)``: how to name element ``i`` of the
    broadcast values (`` (neuron 3)``); ``changed``: check only the draws
    that read this attribute.
    """
    for cls, draw, fns, names in draws:
        if changed is not None and changed not in names:
            continue
        env = [np.asarray(value_of(n, names), dtype=float) for n in names]
        with np.errstate(all="ignore"):
            vals = [np.asarray(f(*env), dtype=float) for f in fns]
        vals = np.broadcast_arrays(*[np.atleast_1d(v) for v in vals])
        bad = np.zeros(vals[0].shape, dtype=bool)
        for v in vals:
            bad |= ~np.isfinite(v)
        rule = DRAW_RULES.get(cls.name)
        if rule is not None:
            bad |= rule(*vals)
        if not bad.any():
            continue
        i = int(np.flatnonzero(bad)[0])
        at = tuple(float(v[i]) for v in vals)
        why = cls.check_params(at) or "invalid parameters"
        shown = f"{cls.name}({', '.join(str(a) for a in draw.args[:-1])})"
        where = where_of(i, names) if vals[0].size > 1 else ""
        got = ", ".join(f"{n} = {float(np.ravel(e)[min(i, np.size(e) - 1)]):g}"
                        for n, e in zip(names, env))
        return (f"{shown} in the equations of {model!r} would draw with {got}"
                f"{where}: {why}; give {' / '.join(repr(n) for n in names)} a valid value")
    return ""
