"""``from_function``: synapses returned by a user's connector function, as
lists of ranks or an ANNarchy :class:`LILConnectivity`.
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from engine.errors import NetworkError
from engine.runtime.connect_args import _delays, _row_ptr_from_counts, _weights


def _ranks_array(ctx, name, values, size, role):
    try:
        arr = np.asarray(values)
    except Exception as exc:  # noqa: BLE001 - whatever the user returned
        raise ctx.err(f"the function's {name} could not be read as an array ({exc})") from exc
    if arr.ndim != 1:
        raise ctx.err(f"the function's {name} must be a flat list of ranks, got shape "
                      f"{arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        elif arr.dtype == object and all(isinstance(x, numbers.Integral) for x in arr):
            arr = arr.astype(np.int64)
        else:
            raise ctx.err(f"the function's {name} must be integer ranks, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size:
        bad = np.flatnonzero((arr < 0) | (arr >= size))
        if bad.size:
            k = int(bad[0])
            raise ctx.err(f"the function's {name}[{k}] = {arr[k]} is not a rank of the "
                          f"{role}-synaptic population (0 .. {size - 1})")
    return arr


class LILConnectivity:
    """ANNarchy's list-of-lists container, for ``from_function`` connector functions.

    ``add(rank, ranks, weights, delays)`` (alias ``push_back``) records the
    synapses that post-synaptic neuron ``rank`` receives from the pre-synaptic
    ``ranks``. As in ANNarchy, ``weights`` (and ``delays``, in ms) are one
    value per synapse, or a single value (a number or a one-element list) for
    all of them. ``dt`` (the step a connector function receives as its third
    argument, ``LILConnectivity(dt=dt)`` in ANNarchy) is accepted and not
    used: delays stay in ms until the projection rounds them.
    """

    def __init__(self, dt=None):
        self.dt = dt
        self.post_rank: list[int] = []
        self.pre_rank: list = []
        self.w: list = []
        self.delay: list = []

    def add(self, rk, r, w, d=0.0):
        self.post_rank.append(rk)
        self.pre_rank.append(r)
        self.w.append(w)
        self.delay.append(d)

    push_back = add

    @property
    def size(self) -> int:
        """Number of post-synaptic neurons added."""
        return len(self.post_rank)

    @property
    def nb_synapses(self) -> int:
        return int(sum(len(np.atleast_1d(r)) for r in self.pre_rank))

    def to_lists(self):
        """``(pre_ranks, post_ranks, weights, delays)`` flat arrays, one entry per synapse."""
        pre, post, w, d = [], [], [], []
        for i, (rk, r, wi, di) in enumerate(zip(self.post_rank, self.pre_rank, self.w,
                                                self.delay)):
            r = np.atleast_1d(np.asarray(r))
            n = r.shape[0]
            pre.append(r)
            post.append(np.full(n, rk))
            for values, out, what in ((wi, w, "weights"), (di, d, "delays")):
                v = np.atleast_1d(np.asarray(values, dtype=np.float64))
                if v.shape[0] == 1:
                    v = np.full(n, v[0])
                elif v.shape[0] != n:
                    raise ValueError(f"entry {i} (post rank {rk}) has {n} pre ranks but "
                                     f"{v.shape[0]} {what}")
                out.append(v)
        if not pre:
            z = np.empty(0, dtype=np.int64)
            return z, z, np.empty(0), np.empty(0)
        return (np.concatenate(pre), np.concatenate(post), np.concatenate(w),
                np.concatenate(d))


def with_dt(method, dt: float, args: dict):
    """``method`` as the connector calls it, ``method(pre, post, **args)``.

    ANNarchy calls a connector function ``method(pre, post, dt, **args)``
    (``Projection.from_function``/``connect_with_func``); functions written
    for the engine may omit ``dt``. It is passed when the third parameter is
    named ``dt``, or when the function cannot be called without it.
    """
    if not callable(method):
        return method
    try:
        sig = inspect.signature(method)
    except (TypeError, ValueError):     # a builtin: ANNarchy's convention
        return _DtCaller(method, dt)
    positional = [p for p in sig.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= 3 and positional[2].name == "dt":
        return _DtCaller(method, dt)
    try:
        sig.bind(None, None, **args)
        return method
    except TypeError:
        return _DtCaller(method, dt)


class _DtCaller:
    """``method(pre, post, dt, **args)`` called as ``(pre, post, **args)``
    (keeps the function's name for messages)."""

    def __init__(self, method, dt):
        self.method, self.dt = method, dt
        self.__name__ = getattr(method, "__name__", repr(method))

    def __call__(self, pre, post, **args):
        return self.method(pre, post, self.dt, **args)


class _Side:
    """What a connector function sees of a side when no population object was given."""

    def __init__(self, geometry):
        self.geometry = geometry if len(geometry) > 1 else geometry[0]
        self.size = int(np.prod(geometry))
        self.ranks = np.arange(self.size)
        self.dimension = len(geometry)

    def __repr__(self):
        return f"<side geometry={self.geometry}, size={self.size}>"


def _from_function(ctx, method, **args):
    if not callable(method):
        raise ctx.err(f"method must be a callable returning (pre_ranks, post_ranks, weights"
                      f"[, delays]) or a LILConnectivity, got {type(method).__name__}")
    fname = getattr(method, "__name__", repr(method))
    pre = ctx.pre if ctx.pre is not None else _Side(ctx.pre_geometry)
    post = ctx.post if ctx.post is not None else _Side(ctx.post_geometry)
    try:
        result = method(pre, post, **args)
    except NetworkError:
        raise
    except Exception as exc:
        raise ctx.err(f"the connector function {fname!r} raised {type(exc).__name__}: {exc}") \
            from exc
    form = ("return (pre_ranks, post_ranks, weights) or (pre_ranks, post_ranks, weights, "
            "delays): equal-length lists, weights and delays may also be single numbers; or "
            "a LILConnectivity filled with add(post_rank, pre_ranks, weights, delays)")
    if all(hasattr(result, a) for a in ("post_rank", "pre_rank", "w", "delay")):
        try:
            result = (LILConnectivity.to_lists(result) if not isinstance(result, LILConnectivity)
                      else result.to_lists())
        except (TypeError, ValueError) as exc:
            raise ctx.err(f"the LILConnectivity returned by {fname!r} is inconsistent: {exc}") \
                from exc
    if not isinstance(result, (tuple, list)) or len(result) not in (3, 4):
        raise ctx.err(f"the connector function {fname!r} returned {type(result).__name__}; it "
                      f"must {form}")
    pre_r = _ranks_array(ctx, "pre_ranks", result[0], ctx.n_pre, "pre")
    post_r = _ranks_array(ctx, "post_ranks", result[1], ctx.n_post, "post")
    if pre_r.size != post_r.size:
        raise ctx.err(f"the connector function {fname!r} returned {pre_r.size} pre ranks but "
                      f"{post_r.size} post ranks; it must {form}")
    n = pre_r.size
    rows_r, cols_r = (pre_r, post_r) if ctx.rows == "pre" else (post_r, pre_r)
    order = np.lexsort((cols_r, rows_r))
    rows_s = rows_r[order]
    cols_s = cols_r[order]
    if n > 1:
        dup = np.flatnonzero((rows_s[1:] == rows_s[:-1]) & (cols_s[1:] == cols_s[:-1]))
        if dup.size:
            k = int(dup[0])
            pre, post = ((rows_s[k], cols_s[k]) if ctx.rows == "pre" else (cols_s[k], rows_s[k]))
            raise ctx.err(f"the connector function {fname!r} returned the synapse pre {pre} -> "
                          f"post {post} more than once; each pair may appear only once")
    row_ptr = _row_ptr_from_counts(np.bincount(rows_s, minlength=ctx.n_rows))
    col = cols_s.astype(np.int32)

    def aligned(name):
        def take(arr):
            if arr.shape != (n,):
                raise ctx.err(f"the function's {name} has shape {arr.shape}, expected ({n},) "
                              "(one per synapse) or a single number")
            return arr[order]
        return take

    w = _weights(ctx, result[2], n, array_ok=aligned("weights"))
    d = _delays(ctx, result[3] if len(result) == 4 else 0.0, n, array_ok=aligned("delays"))
    return ctx.csr(row_ptr, col, w, d)
