"""Turning ``pop[...]``, ``view[...]`` and ``proj.dendrite(...)`` into ranks.

Numpy indexing is not enough: a slice past the end is clipped without a
word (``pop[2:50]`` on 10 neurons would give 8 neurons), ``int(1.5)`` is 1,
and its errors name no population. Here every index is checked against the
size of what it selects from, and refused with
:class:`~engine.errors.SelectionError` (an ``IndexError`` too) naming the
population, its size and the valid range.

Accepted, as numpy: an integer (negative ones count from the end), a slice
of integers within ``-n..n`` (``pop[2:]``, ``pop[::2]``, ``pop[:-1]``), a
list or array of integers, a boolean mask of the right shape, ``...``, and
for populations with a geometry a tuple with one of these per axis. As in
ANNarchy, anything but a tuple selects **ranks**, whatever the geometry:
``pop[3]`` of a 10x10 population is neuron 3 (not row 3), ``pop[0:10]`` ranks
0 to 9; ``pop[3, :]`` is row 3.
"""

from __future__ import annotations

import numbers

import numpy as np

from engine.errors import SelectionError

__all__ = ["select", "checked_rank", "checked_coordinates"]

_KINDS = ("an integer rank, a slice of ranks (pop[2:5]), a list or array of integer ranks, "
          "or a boolean mask")


def _is_int(x) -> bool:
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def _plain(x):
    """``x`` for a message: numpy scalars as the Python number they hold."""
    return x.item() if isinstance(x, np.generic) else x


def _valid(n: int) -> str:
    return f"0 to {n - 1} (or -{n} to -1 from the end)" if n else "none (it is empty)"


def _axis_index(who: str, n: int, item, axis: str):
    """``item`` checked for one axis of length ``n``: returned in a form numpy
    indexes exactly as checked (a slice, an int, an int64 array)."""
    if item is Ellipsis:
        return slice(None)
    if _is_int(item):
        if not -n <= int(item) < n:
            raise SelectionError(f"{who}: index {int(item)}{axis} is out of range; "
                                 f"valid indices: {_valid(n)}")
        return int(item)
    if isinstance(item, slice):
        for part, value in (("start", item.start), ("stop", item.stop), ("step", item.step)):
            if value is not None and not _is_int(value):
                raise SelectionError(f"{who}: the slice {_show(item)}{axis} has a {part} "
                                     f"that is not an integer ({_plain(value)!r}); use integer "
                                     "ranks")
        if item.step is not None and int(item.step) == 0:
            raise SelectionError(f"{who}: the slice {_show(item)}{axis} has a step of 0")
        for part, value in (("start", item.start), ("stop", item.stop)):
            if value is not None and not -n <= int(value) <= n:
                raise SelectionError(
                    f"{who}: the slice {_show(item)}{axis} goes beyond it ({part} {int(value)}); "
                    f"slice bounds must be within -{n} and {n}, valid indices: {_valid(n)}")
        return item
    if isinstance(item, (list, np.ndarray, range)) and not isinstance(item, str):
        arr = np.asarray(item)
        if arr.size == 0:
            return np.zeros(0, dtype=np.int64)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise SelectionError(f"{who}: a boolean mask{axis} must have {n} values, got "
                                     f"shape {arr.shape}")
            return np.flatnonzero(arr)
        if arr.dtype.kind not in "iu" and not (arr.dtype == object and all(
                _is_int(x) for x in arr.ravel())):
            raise SelectionError(f"{who}: a list of ranks{axis} must hold integers, got "
                                 f"{arr.dtype} values ({_first_bad(arr)!r})")
        arr = arr.astype(np.int64)
        bad = (arr < -n) | (arr >= n)
        if bad.any():
            raise SelectionError(
                f"{who}: index {int(arr[bad].ravel()[0])}{axis} is out of range "
                f"({int(bad.sum())} of {arr.size} indices); valid indices: {_valid(n)}")
        return arr
    raise SelectionError(f"{who}: cannot select with {_plain(item)!r} "
                         f"({type(item).__name__}){axis}; "
                         f"use {_KINDS}")


def _first_bad(arr):
    for x in arr.ravel():
        if not _is_int(x):
            return _plain(x)
    return _plain(arr.ravel()[0])


def _show(s: slice) -> str:
    parts = ["" if v is None else repr(_plain(v)) for v in (s.start, s.stop, s.step)]
    return "[" + ":".join(parts if s.step is not None else parts[:2]) + "]"


def select(who: str, geometry: tuple, item) -> np.ndarray:
    """The flat ranks ``item`` selects from an array of shape ``geometry``.

    ``who`` opens each message (``population 'exc' (10 neurons)``).

    Raises
    ------
    SelectionError
        An index out of range, a slice beyond the ends, a non-integer index.
    """
    geometry = tuple(int(g) for g in geometry)
    ranks = np.arange(int(np.prod(geometry)), dtype=np.int64).reshape(geometry)
    if isinstance(item, np.ndarray) and item.dtype == bool and item.shape == geometry:
        return np.flatnonzero(item)
    if not isinstance(item, tuple):
        # one index, a slice, a list or an array: ranks, whatever the geometry
        # (ANNarchy: pop[2] of a 10x10 population is neuron 2, pop[0:10] ranks 0-9;
        # a tuple gives coordinates, pop[2, :] is row 2)
        flat = ranks.ravel()
        return np.atleast_1d(flat[_axis_index(who, flat.size, item, "")]).ravel()
    # coordinates: one index per axis, the first ones if fewer
    if len(item) > len(geometry):
        raise SelectionError(f"{who}: {len(item)} indices for a geometry of "
                             f"{len(geometry)} dimension(s) {geometry}")
    dims = len(geometry) > 1
    parts = tuple(_axis_index(who, g, x, f" on axis {a}" if dims else "")
                  for a, (g, x) in enumerate(zip(geometry, item)))
    if sum(isinstance(p, np.ndarray) for p in parts) > 1:
        # numpy would pair them up, not take a grid: refuse rather than surprise
        raise SelectionError(f"{who}: give a list of indices for one axis only")
    return np.atleast_1d(ranks[parts]).ravel()


def checked_rank(who: str, n: int, rank) -> int:
    """``rank`` as an int in ``0..n-1`` (no counting from the end: a rank
    names one neuron)."""
    if not _is_int(rank):
        raise SelectionError(f"{who}: a rank is an integer, got {_plain(rank)!r} "
                             f"({type(rank).__name__}); valid ranks: 0 to {n - 1}")
    if not 0 <= int(rank) < n:
        raise SelectionError(f"{who}: rank {int(rank)} is out of range; valid ranks: "
                             f"0 to {n - 1}")
    return int(rank)


def checked_coordinates(who: str, geometry: tuple, coord) -> tuple:
    """``coord`` as a tuple of ints, one per axis, each within the geometry."""
    coord = tuple(coord)
    if len(coord) != len(geometry):
        raise SelectionError(f"{who}: coordinates {coord} need {len(geometry)} values, one "
                             f"per axis of the geometry {tuple(geometry)}")
    for a, (c, g) in enumerate(zip(coord, geometry)):
        if not _is_int(c) or not 0 <= int(c) < g:
            raise SelectionError(f"{who}: coordinate {_plain(c)!r} on axis {a} is not an integer "
                                 f"in 0 to {g - 1} (geometry {tuple(geometry)})")
    return tuple(int(c) for c in coord)
