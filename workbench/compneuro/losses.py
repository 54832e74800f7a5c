"""Losses comparing a simulated trace with a target (CompNeuroPy's ``rmse``,
``rsse``, plus ``correlation``).

Inputs are checked instead of broadcast: comparing a (1000,) target with a
(1000, 1) recording would silently give a (1000, 1000) difference, and a NaN
would make an optimiser's loss NaN without saying why.
"""

from __future__ import annotations

import numpy as np

from workbench.compneuro.errors import CompNeuroError

__all__ = ["correlation", "rmse", "rsse"]


def _pair(a, b, who):
    try:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
    except (TypeError, ValueError) as exc:
        raise CompNeuroError(f"{who}: inputs must be arrays of numbers ({exc})") from exc
    if a.shape != b.shape:
        raise CompNeuroError(f"{who}: shapes differ, {a.shape} and {b.shape}; "
                             f"select the same records and neurons (e.g. rec[:, 0])")
    if a.size == 0:
        raise CompNeuroError(f"{who}: inputs are empty")
    for name, x in (("first", a), ("second", b)):
        if np.isfinite(x).all():       # the common case, cheap: details only on failure
            continue
        bad = ~np.isfinite(x)
        if bad.any():
            where = np.argwhere(bad)[0]
            raise CompNeuroError(f"{who}: the {name} input holds {int(bad.sum())} NaN/inf "
                                 f"value(s), the first at index {tuple(int(i) for i in where)}")
    return a, b


def rmse(a, b) -> float:
    """Root mean squared error ``sqrt(mean((a - b)**2))``.

    Raises
    ------
    CompNeuroError
        If the shapes differ, the inputs are empty or hold NaN/inf.
    """
    a, b = _pair(a, b, "rmse")
    return float(np.sqrt(np.mean((a - b) ** 2)))


def rsse(a, b) -> float:
    """Root of the summed squared error ``sqrt(sum((a - b)**2))``.

    Raises
    ------
    CompNeuroError
        As :func:`rmse`.
    """
    a, b = _pair(a, b, "rsse")
    return float(np.sqrt(np.sum((a - b) ** 2)))


def correlation(a, b) -> float:
    """Pearson correlation of the flattened inputs.

    Raises
    ------
    CompNeuroError
        As :func:`rmse`, and if either input is constant (the correlation is
        undefined).
    """
    a, b = _pair(a, b, "correlation")
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    na, nb = np.sqrt(np.sum(a * a)), np.sqrt(np.sum(b * b))
    if na == 0 or nb == 0:
        raise CompNeuroError("correlation: an input is constant, its correlation is undefined")
    return float(np.clip(np.sum(a * b) / (na * nb), -1.0, 1.0))
