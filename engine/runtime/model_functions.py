"""A model's own functions, callable from Python on numbers or arrays.

ANNarchy lets a script call the functions of a model's ``functions`` block on
the population or projection: ``pop.transfer_function([0, 1, 2], [2, 2, 2])``,
``proj.hebb(pre_r, post_r)``. The function is the IR's sympy expression (the
parsed text, calls of other functions already inlined) evaluated with numpy,
as initial values are (engine.runtime.values.sample_init): the user's text is
never evaluated, only the expression built from its syntax tree.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from engine.errors import NetworkError

__all__ = ["model_function"]


def model_function(ir, name: str, owner: str):
    """``ir``'s function ``name`` as a Python function of arrays, or None."""
    for fname, args, expr in getattr(ir, "functions", ()):
        if fname == name and expr is not None:
            break
    else:
        return None
    symbols = [sp.Symbol(a) for a in args]
    fn = sp.lambdify(symbols, expr, modules="numpy")

    def call(*values):
        if len(values) != len(args):
            raise NetworkError(f"{owner}: {name}() takes {len(args)} argument(s) "
                               f"({', '.join(args)}), got {len(values)}")
        arrays = [np.asarray(v, dtype=float) for v in values]
        return np.broadcast_to(fn(*arrays), np.broadcast(*arrays).shape).astype(float) \
            if arrays else np.asarray(fn(), dtype=float)

    call.__name__ = name
    call.__doc__ = f"{name}({', '.join(args)}) = {expr} (from the model's functions block)"
    return call
