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


def _arrays(a, b, who):
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
    return a, b


def _refuse_nonfinite(a, b, who):
    for name, x in (("first", a), ("second", b)):
        bad = ~np.isfinite(x)
        if bad.any():
            where = np.argwhere(bad)[0]
            raise CompNeuroError(f"{who}: the {name} input holds {int(bad.sum())} NaN/inf "
                                 f"value(s), the first at index {tuple(int(i) for i in where)}")


def _pair(a, b, who):
    a, b = _arrays(a, b, who)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        _refuse_nonfinite(a, b, who)
    return a, b


def _squared_error(a, b, who) -> tuple[float, int]:
    """The summed squared difference and the count, in one pass (a fit calls
    this once per candidate and step); a non-finite input is found from the
    sum (NaN/inf in, non-finite out) and only then looked for."""
    a, b = _arrays(a, b, who)
    with np.errstate(over="ignore", invalid="ignore"):   # judged below, said clearly
        d = (a - b).ravel()
        s = float(d @ d)
    if not np.isfinite(s):
        _refuse_nonfinite(a, b, who)    # finite inputs whose squares overflow: inf
    return s, d.size


def rmse(a, b) -> float:
    """Root mean squared error ``sqrt(mean((a - b)**2))``.

    Raises
    ------
    CompNeuroError
        If the shapes differ, the inputs are empty or hold NaN/inf.
    """
    s, n = _squared_error(a, b, "rmse")
    return float(np.sqrt(s / n))


def rsse(a, b) -> float:
    """Root of the summed squared error ``sqrt(sum((a - b)**2))``.

    Raises
    ------
    CompNeuroError
        As :func:`rmse`.
    """
    s, _ = _squared_error(a, b, "rsse")
    return float(np.sqrt(s))


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
