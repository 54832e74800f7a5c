"""Turning what users assign (numbers, arrays, distributions) into arrays.

Shared by populations and views: one place decides what a valid value is and
what the error says when it is not.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from engine.errors import AttributeAssignmentError
from engine.language.random_draws import DRAW_FUNCTIONS, RandomDistribution, is_draw

__all__ = ["coerce_values", "sample_init", "NUMPY_DTYPES"]

NUMPY_DTYPES = {"int": np.int64, "bool": np.bool_}


def _squeezed(shape) -> tuple:
    """``shape`` without its axes of length 1."""
    return tuple(n for n in shape if n != 1)


def coerce_values(owner: str, name: str, value, size: int, geometry: tuple, dtype,
                  rng: np.random.Generator) -> np.ndarray:
    """Check ``value`` for attribute ``name`` and return an array of ``size`` elements.

    Accepts a scalar, a sequence/array of ``size`` elements (flat or shaped like
    the geometry), or a random distribution (sampled with ``rng``).

    Raises
    ------
    AttributeAssignmentError
        Wrong shape, non-numeric values, or NaN.
    """
    if isinstance(value, RandomDistribution):
        try:
            arr = value.sample(rng, size)
        except (ValueError, OverflowError) as exc:   # numpy's check of the parameters
            raise AttributeAssignmentError(
                f"{owner}: cannot draw '{name}' from {value!r}: {exc}") from None
    else:
        if np.iscomplexobj(value):
            # numpy would drop the imaginary part with only a warning
            raise AttributeAssignmentError(
                f"{owner}: '{name}' holds real numbers, got complex values; pass the real part "
                "(np.real(x)) or the magnitude (np.abs(x)) explicitly")
        try:
            arr = np.asarray(value, dtype=float if dtype not in (np.int64, np.bool_) else None)
        except OverflowError:
            raise AttributeAssignmentError(
                f"{owner}: {value!r:.40} is too large for '{name}' (a float holds up to "
                "about 1.8e308)") from None
        except (TypeError, ValueError) as exc:
            raise AttributeAssignmentError(
                f"{owner}: cannot assign {type(value).__name__} {value!r:.60} to '{name}': "
                "give a number, an array of numbers or a random distribution"
            ) from exc
        if arr.dtype.kind not in "biuf":
            raise AttributeAssignmentError(
                f"{owner}: '{name}' needs numbers, got values of type {arr.dtype}"
            )
        if arr.dtype.kind == "f" and np.isinf(arr).any():
            _refuse_overflow(owner, name, value, arr)
        if arr.ndim == 0:
            arr = np.full(size, arr[()])
        elif arr.size == size and (arr.ndim == 1 or arr.shape == tuple(geometry)
                                   or _squeezed(arr.shape) in (_squeezed((size,)),
                                                               _squeezed(geometry))):
            # a row or column vector (1, n) / (n, 1) as ANNarchy's reshape takes it
            arr = arr.reshape(size)
        else:
            raise AttributeAssignmentError(
                f"{owner}: cannot assign an array of shape {arr.shape} to '{name}', "
                f"which has {size} element(s) (shape {tuple(geometry)}); "
                "give a scalar or an array of that shape"
            )
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise AttributeAssignmentError(
            f"{owner}: NaN assigned to '{name}' "
            f"(at index {int(np.flatnonzero(np.isnan(arr))[0])}); give finite numbers"
        )
    if dtype is not None and np.dtype(dtype).kind in "iu" and arr.dtype.kind == "f":
        # a float stored into an integer attribute must fit (else it wraps silently)
        info = np.iinfo(dtype)
        bad = ~((arr >= info.min) & (arr <= info.max))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise AttributeAssignmentError(
                f"{owner}: '{name}' holds integers from {info.min} to {info.max}; "
                f"got {float(arr[i])!r} (at index {i})")
        fractional = arr != np.trunc(arr)
        if fractional.any():
            i = int(np.flatnonzero(fractional)[0])
            hint = ("draw whole numbers with DiscreteUniform(a, b)"
                    if isinstance(value, RandomDistribution) else
                    "round it yourself (np.round, np.floor) if that is what you mean")
            raise AttributeAssignmentError(
                f"{owner}: '{name}' holds integers; got {float(arr[i])!r} (at index {i}), which "
                f"is not a whole number and would be truncated: {hint}")
    return arr


def _refuse_overflow(owner: str, name: str, value, arr: np.ndarray) -> None:
    """An infinite value is accepted only where one was given: a finite value
    too large for a float (``Decimal('1e400')``, a long double) would become
    inf without a word, as ``10**400`` is refused (OverflowError above)."""
    source = np.asarray(value, dtype=object).reshape(-1) if np.ndim(value) else \
        np.asarray([value], dtype=object)
    flat = arr.reshape(-1)
    for i in np.flatnonzero(np.isinf(flat)).tolist():
        original = source[i] if source.size == flat.size else source[0]
        try:
            infinite = original == float("inf") or original == float("-inf")
        except Exception:  # noqa: BLE001 - an exotic number: its float value decides
            infinite = True
        if not infinite:
            raise AttributeAssignmentError(
                f"{owner}: {original!r:.40} is too large for '{name}' (a float holds up to "
                "about 1.8e308)")


def sample_init(init, size: int, rng: np.random.Generator, known: dict) -> np.ndarray | float:
    """Evaluate a VariableSpec.init: a number, a draw, or an expression of known values.

    ``known`` maps already-initialised names to arrays or scalars.
    """
    if isinstance(init, (int, float)):
        return float(init)
    expr = sp.sympify(init, strict=True)
    has_draw = any(is_draw(n) for n in sp.preorder_traversal(expr))
    if expr.is_number and not has_draw:
        return float(expr) if not isinstance(expr, sp.logic.boolalg.BooleanAtom) else float(bool(expr))
    # draws: replace each by a sampled array
    draws = [n for n in sp.preorder_traversal(expr) if is_draw(n)]
    subs = {}
    arrays = {}
    for k, d in enumerate(draws):
        dist = DRAW_FUNCTIONS[type(d)](*[float(a) for a in d.args[:-1]])
        sym = sp.Symbol(f"_draw{k}")
        subs[d] = sym
        arrays[sym.name] = dist.sample(rng, size)
    expr = expr.xreplace(subs)
    if expr.is_Symbol and expr.name in arrays:
        return arrays[expr.name]
    missing = [s.name for s in expr.free_symbols if s.name not in arrays and s.name not in known]
    if missing:
        raise AttributeAssignmentError(
            f"initial value {init} refers to unknown name(s) {', '.join(sorted(missing))}"
        )
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    # our own expression (from the IR), evaluated with numpy
    fn = sp.lambdify(syms, expr, modules="numpy")
    vals = [arrays[s.name] if s.name in arrays else known[s.name] for s in syms]
    out = fn(*vals)
    return np.broadcast_to(np.asarray(out, dtype=float), (size,)).copy() \
        if np.ndim(out) else float(out)
