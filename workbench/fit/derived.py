"""Parameters computed from the fitted ones: CompNeuroPy's string bounds.

``variables_bounds={"x": [0, 1], "dxy": [-1, 1], "y": "x + dxy", "z": 5}``
fits ``x`` and ``dxy`` and gives each candidate ``y = x + dxy``. CompNeuroPy
``eval``s the string; here it is parsed once into a small tree of arithmetic
(``+ - * / **``, unary minus, numbers, the names of fitted and fixed
parameters, and a few functions) and evaluated on the arrays of a generation,
so no user text is ever executed.
"""

from __future__ import annotations

import ast

import numpy as np

from workbench.fit.errors import FitError

__all__ = ["DerivedParameter"]

_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
           ast.Div: np.divide, ast.Pow: np.power}
_UNARY = {ast.USub: np.negative, ast.UAdd: np.positive}
_FUNCTIONS = {"exp": (np.exp, 1), "log": (np.log, 1), "sqrt": (np.sqrt, 1), "abs": (np.abs, 1),
              "sin": (np.sin, 1), "cos": (np.cos, 1), "tanh": (np.tanh, 1),
              "min": (np.minimum, 2), "max": (np.maximum, 2)}


class DerivedParameter:
    """``name = expression`` of the fitted and fixed parameters."""

    def __init__(self, name: str, text: str, known: set[str]):
        self.name, self.text = name, text
        where = f"variables_bounds[{name!r}] = {text!r}"
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise FitError(f"{where}: not an expression ({exc.msg})") from None
        self._tree = tree.body
        self.names = sorted(self._check(self._tree, known, where))

    def _check(self, node, known, where) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return set()
        if isinstance(node, ast.Name):
            if node.id not in known:
                raise FitError(f"{where}: {node.id!r} is not a fitted or fixed parameter "
                               f"(those are: {', '.join(sorted(known)) or 'none'}; a string "
                               f"bound reads the others, not another string bound)")
            return {node.id}
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self._check(node.left, known, where) | self._check(node.right, known, where)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return self._check(node.operand, known, where)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in _FUNCTIONS and not node.keywords:
            nargs = _FUNCTIONS[node.func.id][1]
            if len(node.args) != nargs:
                raise FitError(f"{where}: {node.func.id}() takes {nargs} argument"
                               f"{'s' if nargs > 1 else ''}")
            return set().union(*(self._check(a, known, where) for a in node.args))
        raise FitError(f"{where}: use numbers, parameter names, + - * / ** and "
                       f"{', '.join(_FUNCTIONS)}() (found {ast.unparse(node)!r})")

    def evaluate(self, values: dict, size: int) -> np.ndarray:
        """The parameter for ``size`` candidates; ``values``: name -> array
        (size,) or number. Raises FitError where it is not finite."""
        with np.errstate(all="ignore"):
            out = np.broadcast_to(np.asarray(self._eval(self._tree, values), dtype=float),
                                  (size,)).copy()
        bad = np.flatnonzero(~np.isfinite(out))
        if bad.size:
            k = int(bad[0])
            at = ", ".join(f"{n} = {float(np.broadcast_to(values[n], (size,))[k]):g}"
                           for n in self.names)
            raise FitError(f"variables_bounds[{self.name!r}] = {self.text!r} is {out[k]} "
                           f"for {at}: narrow the ranges it reads")
        return out

    def _eval(self, node, values):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, values),
                                          self._eval(node.right, values))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, values))
        fn = _FUNCTIONS[node.func.id][0]
        return fn(*(self._eval(a, values) for a in node.args))

    def __repr__(self):
        return f"DerivedParameter({self.name!r}, {self.text!r})"
