"""Connector methods: ANNarchy's connection patterns built as CSR, fast.

``build_connectivity(method, pre_geometry, post_geometry, rows, rng, ...)``
validates the arguments of one connector method (names and arguments as in
ANNarchy: ``all_to_all``, ``one_to_one``, ``fixed_probability``,
``fixed_number_pre``, ``fixed_number_post``, ``gaussian``, ``dog``,
``from_matrix``, ``from_sparse``, ``from_function``), runs the static Numba
kernels of :mod:`engine.codegen.connect_kernels` and returns a :class:`CSR`.

Cost. Random patterns cost O(synapses) in time and memory, never
O(N_pre x N_post): ``fixed_probability`` uses geometric skipping (one draw per
synapse, a counting pass then a filling pass over the same streams, so no
buffer is ever over-allocated); ``fixed_number_*`` uses Floyd's algorithm (k
draws per row). ``all_to_all``, ``gaussian``, ``dog`` and ``from_matrix`` are
dense by nature. Weights and delays drawn from the engine's distributions
(``Uniform``, ``Normal``, ``LogNormal``, ``Exponential``, ``DiscreteUniform``)
are sampled inside Numba straight into arrays of the requested precision.

Threads. ``num_threads`` workers run the same ``nogil`` Numba kernel at the
same time, each on every n-th block of rows (Python threads: the kernels
release the GIL). Numba's own thread pool is not used, nor changed: compiled
with ``parallel=True`` (``prange``) the same kernels cost 2 to 4 s more each
to compile cold, for no speed once running.

Determinism. One 64-bit key is drawn from ``rng`` per build. Kernels cut the
work into fixed blocks of rows (or of values) and block ``b`` draws from its
own stream seeded from ``(key, stream, b)``; threads only decide who computes
a block. The same ``rng`` state therefore gives a bit-identical CSR with
``num_threads=1`` or ``2`` (or any number). Distributions that are not one of
the engine's five (user subclasses with their own ``sample``) are sampled with
``dist.sample(rng, n)``: deterministic too, single-threaded.

Orientation. ``rows='pre'`` stores row i = pre-synaptic neuron i with columns
= post ranks; ``rows='post'`` the reverse. Every pattern is built directly in
the requested orientation except ``fixed_number_pre`` (natural: rows = post)
and ``fixed_number_post`` (natural: rows = pre), which are built naturally
and passed through :func:`csr_transpose` (O(nnz) counting sort).
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
import warnings
from dataclasses import dataclass

import numpy as np

from engine.errors import ModelError, NetworkError
from engine.language.random_draws import (
    DRAW_FUNCTIONS,
    DiscreteUniform,
    Exponential,
    LogNormal,
    Normal,
    RandomDistribution,
    Uniform,
)

__all__ = ["CSR", "build_connectivity", "csr_transpose", "CONNECTORS", "LILConnectivity",
           "empty_array", "normalized_coordinates"]


# ---------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------


@dataclass
class CSR:
    """Synapses of one projection in compressed sparse rows.

    ``row_ptr`` (int64, ``n_rows + 1``) delimits the rows; ``col`` (int32,
    nnz) holds the ranks on the other side, ascending within each row; ``w``
    is an array aligned with ``col`` (in the requested precision) or a Python
    float when every weight is the same scalar; ``delay`` (ms) likewise, a
    float64 array or a float. ``rows`` is ``'pre'`` (row = pre-synaptic
    neuron, columns = post ranks) or ``'post'``.
    """

    row_ptr: np.ndarray
    col: np.ndarray
    w: np.ndarray | float
    delay: np.ndarray | float
    rows: str
    n_rows: int
    n_cols: int

    @property
    def nnz(self) -> int:
        return int(self.col.shape[0])

    @property
    def n_pre(self) -> int:
        return self.n_rows if self.rows == "pre" else self.n_cols

    @property
    def n_post(self) -> int:
        return self.n_cols if self.rows == "pre" else self.n_rows

    def row_of_synapses(self) -> np.ndarray:
        """Row index of every synapse (int64, nnz): the expanded ``row_ptr``."""
        return np.repeat(np.arange(self.n_rows, dtype=np.int64), np.diff(self.row_ptr))

    def pre_post(self) -> tuple[np.ndarray, np.ndarray]:
        """``(pre_ranks, post_ranks)`` of every synapse, in storage order."""
        r = self.row_of_synapses()
        c = self.col.astype(np.int64)
        return (r, c) if self.rows == "pre" else (c, r)

    def weights_matrix(self, fill=np.nan) -> np.ndarray:
        """Dense (post, pre) matrix of weights, ``fill`` where there is no synapse."""
        out = np.full((self.n_post, self.n_pre), fill, dtype=np.float64)
        pre, post = self.pre_post()
        out[post, pre] = self.w
        return out

    def nbytes(self) -> int:
        """Bytes held by row_ptr, col and (array) weights."""
        wb = self.w.nbytes if isinstance(self.w, np.ndarray) else 0
        return int(self.row_ptr.nbytes + self.col.nbytes + wb)

    def __repr__(self):
        w = f"{self.w.dtype}[{self.w.size}]" if isinstance(self.w, np.ndarray) else repr(self.w)
        d = (f"{self.delay.dtype}[{self.delay.size}]" if isinstance(self.delay, np.ndarray)
             else repr(self.delay))
        return (f"CSR(rows={self.rows!r}, n_rows={self.n_rows}, n_cols={self.n_cols}, "
                f"nnz={self.nnz}, w={w}, delay={d})")


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def _err(connector: str, message: str) -> NetworkError:
    return NetworkError(f"{connector}(): {message}")


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _real(connector, name, value, fix, *, lo=None, hi=None, lo_open=False) -> float:
    """A finite real number within [lo, hi] (or (lo, hi] with lo_open)."""
    if not _is_number(value):
        raise _err(connector, f"{name} must be a number, got {type(value).__name__} "
                              f"{value!r}; {fix}")
    v = float(value)
    if not math.isfinite(v):
        raise _err(connector, f"{name} must be finite, got {v}; {fix}")
    if lo is not None and (v <= lo if lo_open else v < lo):
        raise _err(connector, f"{name} must be {'>' if lo_open else '>='} {lo:g}, got {v:g}; "
                              f"{fix}")
    if hi is not None and v > hi:
        raise _err(connector, f"{name} must be <= {hi:g}, got {v:g}; {fix}")
    return v


def _integer(connector, name, value, fix) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _err(connector, f"{name} must be an integer, got {type(value).__name__} "
                              f"{value!r}; {fix}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if not math.isfinite(float(value)) or float(value) != int(value):
        raise _err(connector, f"{name} must be a whole number, got {value!r}; {fix}")
    return int(value)


def _flag(connector, name, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise _err(connector, f"{name} must be True or False, got {value!r}")
    return bool(value)


def _geometry(geometry, role) -> tuple[int, ...]:
    if isinstance(geometry, numbers.Integral):
        geometry = (int(geometry),)
    try:
        geo = tuple(int(g) for g in geometry)
    except TypeError as exc:
        raise NetworkError(f"{role} geometry must be an int or a tuple of ints, got "
                           f"{geometry!r}") from exc
    if not geo or any(g < 1 for g in geo) or any(g != og for g, og in zip(geo, geometry)):
        raise NetworkError(f"{role} geometry must be positive integers, got {geometry!r}")
    return geo


def _float_dtype(precision) -> np.dtype:
    names = {"float": np.float32, "double": np.float64, "float32": np.float32,
             "float64": np.float64, "single": np.float32}
    try:
        dt = np.dtype(names.get(precision, precision) if isinstance(precision, str)
                      else precision)
    except TypeError as exc:
        raise NetworkError(f"precision must be np.float32 or np.float64, got {precision!r}") \
            from exc
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise NetworkError(f"precision must be np.float32 or np.float64, got {precision!r}")
    return dt


def _available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _workers(threads: int, kernel, *args) -> list:
    """Run ``kernel(*args, w, threads)`` for every worker ``w``, one thread each.

    The kernels are ``nogil`` Numba functions, so the calls really run at the
    same time. With one thread the kernel simply runs in the calling thread.
    """
    if threads <= 1:
        return [kernel(*args, 0, 1)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="connect") as pool:
        futures = [pool.submit(kernel, *args, w, threads) for w in range(threads)]
        return [f.result() for f in futures]


def _kernels():
    from engine.codegen import connect_kernels

    return connect_kernels


#: arrays at least this large are mapped directly (see :func:`empty_array`)
_MMAP_BYTES = 64 << 20


def empty_array(n: int, dtype) -> np.ndarray:
    """An uninitialised 1-D array; large ones on fresh anonymous memory (4 KiB pages).

    numpy asks the kernel for transparent huge pages on large allocations; on
    a busy or fragmented machine the kernel then compacts memory while
    faulting, which was measured to cost 0.1 to 2.2 s for 344 MB here, against
    a steady 0.3 s with ordinary pages. Connectivity arrays are written once,
    front to back by each worker, so ordinary pages lose nothing. The array
    owns its mapping (``.base``) and releases it when collected.
    """
    dtype = np.dtype(dtype)
    nbytes = int(n) * dtype.itemsize
    if nbytes < _MMAP_BYTES:
        return np.empty(n, dtype=dtype)
    import mmap

    try:
        buf = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except (OSError, MemoryError, OverflowError) as exc:
        raise NetworkError(f"not enough memory for {n:,} synapses: one {dtype} array of them "
                           f"needs {nbytes / 2**30:.1f} GiB; use fewer neurons or a sparser "
                           "pattern") from exc
    return np.frombuffer(buf, dtype=dtype, count=n)


# ---------------------------------------------------------------------------
# the build context
# ---------------------------------------------------------------------------


class _Context:
    """What every connector needs: sizes, orientation, rng, precision, threads."""

    def __init__(self, connector, pre_geometry, post_geometry, rows, rng, same_population,
                 dtype, threads, pre, post):
        self.connector = connector
        self.pre_geometry = pre_geometry
        self.post_geometry = post_geometry
        self.n_pre = int(np.prod(pre_geometry))
        self.n_post = int(np.prod(post_geometry))
        self.rows = rows
        self.rng = rng
        self.same = same_population
        self.dtype = dtype
        self.threads = threads
        self.pre = pre
        self.post = post
        self._key = None

    @property
    def n_rows(self):
        return self.n_pre if self.rows == "pre" else self.n_post

    @property
    def n_cols(self):
        return self.n_post if self.rows == "pre" else self.n_pre

    @property
    def key(self) -> np.uint64:
        """The build's 64-bit key (drawn once from ``rng``, on first use)."""
        if self._key is None:
            self._key = np.uint64(self.rng.integers(0, 2**63, dtype=np.int64))
        return self._key

    def err(self, message) -> NetworkError:
        return _err(self.connector, message)

    def csr(self, row_ptr, col, w, delay, rows=None) -> CSR:
        rows = rows or self.rows
        n_rows = self.n_pre if rows == "pre" else self.n_post
        n_cols = self.n_post if rows == "pre" else self.n_pre
        return CSR(row_ptr=row_ptr, col=col, w=w, delay=delay, rows=rows, n_rows=n_rows,
                   n_cols=n_cols)


# ---------------------------------------------------------------------------
# weights and delays: scalar, distribution, sympy expression of draws, array
# ---------------------------------------------------------------------------

_FAST_DISTRIBUTIONS = {Uniform: 0, Normal: 1, LogNormal: 2, Exponential: 3, DiscreteUniform: 4}
_WEIGHT_FIX = ("pass a number, a distribution such as Uniform(0.0, 1.0), or use from_matrix / "
               "from_sparse for explicit values")


def _dist_params(ctx, name, dist) -> tuple[float, ...]:
    try:
        params = dist._numeric()
    except (ModelError, TypeError, ValueError) as exc:
        raise ctx.err(f"{name}={dist!r}: distribution parameters must be numbers here "
                      f"(constants and symbols are not known when synapses are created)") \
            from exc
    if not all(math.isfinite(p) for p in params):
        raise ctx.err(f"{name}={dist!r}: distribution parameters must be finite")
    kind = type(dist)
    if kind in (Uniform, DiscreteUniform) and params[0] > params[1]:
        raise ctx.err(f"{name}={dist!r}: min must not exceed max; swap the two arguments")
    if kind in (Normal, LogNormal) and params[1] < 0:
        raise ctx.err(f"{name}={dist!r}: sigma must be >= 0")
    if kind is Exponential and params[0] <= 0:
        raise ctx.err(f"{name}={dist!r}: lambda must be > 0")
    return params


def _draw_bounds(kind, params):
    """Range that the kernel draws of a distribution never leave (None if unbounded).

    The ziggurats cannot go beyond |z| < 15 (normal: tail R + 10.7) or
    E < 45 (exponential: R + 36.8), since uniforms have 53 bits.
    """
    if kind is Uniform:
        return params[0], params[1]
    if kind is DiscreteUniform:
        return math.floor(params[0]), math.floor(params[1])
    if kind is Normal:
        return params[0] - 15.0 * params[1], params[0] + 15.0 * params[1]
    if kind is Exponential:
        return 0.0, 45.0 / params[0]
    return None


def _is_draw_expression(value) -> bool:
    try:
        import sympy as sp
    except ImportError:  # pragma: no cover - sympy is a dependency
        return False
    return isinstance(value, sp.Basic)


def _sample_dist(ctx, name, dist, n, dtype, stream) -> np.ndarray:
    params = _dist_params(ctx, name, dist)
    code = _FAST_DISTRIBUTIONS.get(type(dist))
    out = empty_array(n, dtype)
    if n == 0:
        return out
    if code is not None:
        a = params[0]
        b = params[1] if len(params) > 1 else 0.0
        _workers(ctx.threads, _kernels().sample_values, code, float(a), float(b), ctx.key,
                 stream, out)
        return out
    # a user subclass with its own sample(): trust it, check what comes back
    try:
        values = np.asarray(dist.sample(ctx.rng, n), dtype=np.float64)
    except NetworkError:
        raise
    except Exception as exc:
        raise ctx.err(f"{name}={dist!r}: sampling failed ({type(exc).__name__}: {exc})") \
            from exc
    if values.shape != (n,):
        raise ctx.err(f"{name}={dist!r}: sample(rng, {n}) returned shape {values.shape}")
    out[:] = values
    return out


def _eval_draws(ctx, name, expr, n, stream) -> np.ndarray:
    """Evaluate a sympy expression of draws (``0.5 * Uniform(0, 1)``) for n synapses."""
    import sympy as sp

    if expr.free_symbols:
        names = ", ".join(sorted(str(s) for s in expr.free_symbols))
        raise ctx.err(f"{name}={expr}: unknown names {names}; weights and delays must be "
                      "numbers or distributions with numeric parameters")
    counter = [0]

    def ev(e):
        if isinstance(e, sp.Number):
            return np.float64(float(e))
        cls = DRAW_FUNCTIONS.get(type(e))
        if cls is not None:
            params = [float(p) for p in e.args[:-1]]
            counter[0] += 1
            return _sample_dist(ctx, name, cls(*params), n, np.float64,
                                stream + 64 * counter[0])
        if isinstance(e, sp.Add):
            out = ev(e.args[0])
            for a in e.args[1:]:
                out = out + ev(a)
            return out
        if isinstance(e, sp.Mul):
            out = ev(e.args[0])
            for a in e.args[1:]:
                out = out * ev(a)
            return out
        if isinstance(e, sp.Pow):
            return np.power(ev(e.args[0]), ev(e.args[1]))
        funcs = {sp.exp: np.exp, sp.log: np.log, sp.Abs: np.abs, sp.sin: np.sin,
                 sp.cos: np.cos, sp.tanh: np.tanh}
        for f, npf in funcs.items():
            if isinstance(e, f):
                return npf(ev(e.args[0]))
        raise ctx.err(f"{name}={expr}: cannot evaluate {type(e).__name__} in a weight or "
                      "delay expression; use a distribution object such as Uniform(0, 1)")

    with np.errstate(all="ignore"):
        values = np.broadcast_to(ev(expr), (n,)).astype(np.float64)
    return values


def _values(ctx, name, value, n, *, dtype, stream, force_array=False, array_ok=None,
            nonneg=False):
    """Weights (or delays) of ``n`` synapses: a Python float or an array of ``n``.

    ``array_ok(values) -> ndarray of n`` maps a user array onto the synapses
    (None when arrays make no sense for this connector).
    """
    fix = _WEIGHT_FIX if name == "weights" else (
        "pass a number of ms >= 0, or a distribution such as Uniform(1.0, 2.0)")
    if _is_number(value):
        v = _real(ctx.connector, name, value, fix, lo=0.0 if nonneg else None)
        if force_array:
            out = empty_array(n, dtype)
            if n:
                _workers(ctx.threads, _kernels().fill_constant, out, v)  # first touch, all threads
            return out
        return v
    if isinstance(value, RandomDistribution):
        params = _dist_params(ctx, name, value)
        if nonneg and type(value) in (Uniform, DiscreteUniform) and params[0] < 0:
            raise ctx.err(f"{name}={value!r} can draw negative delays; delays must be "
                          ">= 0 ms: use a distribution whose minimum is >= 0")
        out = _sample_dist(ctx, name, value, n, dtype, stream)
        bounds = _draw_bounds(type(value), params)
        if bounds is not None and (not nonneg or bounds[0] >= 0) and \
                max(abs(bounds[0]), abs(bounds[1])) < float(np.finfo(dtype).max):
            return out  # every draw is finite (and >= 0 for delays): no pass over the values
    elif _is_draw_expression(value):
        out = _eval_draws(ctx, name, value, n, stream).astype(dtype, copy=False)
    elif isinstance(value, (np.ndarray, list, tuple)) or hasattr(value, "__array__"):
        if array_ok is None:
            raise ctx.err(f"{name} cannot be an array here: the synapses are only known once "
                          f"they are drawn; {fix}")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ctx.err(f"{name} must hold numbers ({exc}); {fix}") from exc
        out = np.asarray(array_ok(arr), dtype=dtype)
    else:
        raise ctx.err(f"{name} must be a number, a distribution or an array, got "
                      f"{type(value).__name__}; {fix}")
    _check_values(ctx, name, out, nonneg)
    return out


def _check_values(ctx, name, out, nonneg):
    if out.size == 0:
        return
    if not np.all(np.isfinite(out)):
        bad = int(np.flatnonzero(~np.isfinite(out))[0])
        raise ctx.err(f"{name}: synapse {bad} gets {out[bad]} (NaN or infinite); every "
                      f"synapse needs a finite value")
    if nonneg:
        lo = float(out.min())
        if lo < 0:
            raise ctx.err(f"{name}: some drawn delays are negative (min {lo:g} ms); delays must "
                          "be >= 0 ms: use a distribution that stays >= 0 (Uniform(a, b) with "
                          "a >= 0, Exponential, LogNormal)")


def _weights(ctx, weights, n, *, force=False, array_ok=None):
    return _values(ctx, "weights", weights, n, dtype=ctx.dtype, stream=_kernels().STREAM_WEIGHTS,
                   force_array=force, array_ok=array_ok)


def _delays(ctx, delays, n, *, array_ok=None):
    return _values(ctx, "delays", delays, n, dtype=np.float64, stream=_kernels().STREAM_DELAYS,
                   array_ok=array_ok, nonneg=True)


def _no_arrays(ctx, name, value):
    """Reject arrays early (before an expensive build) where they make no sense."""
    if isinstance(value, (np.ndarray, list, tuple)):
        fix = _WEIGHT_FIX if name == "weights" else "pass a number or a distribution"
        raise ctx.err(f"{name} cannot be an array for this pattern: the synapses are only known "
                      f"once they are drawn; {fix}")


def _precheck(ctx, name, value, *, arrays=False):
    """Cheap checks of weights/delays before building the structure."""
    nonneg = name == "delays"
    if not arrays:
        _no_arrays(ctx, name, value)
    if _is_number(value):
        fix = _WEIGHT_FIX if name == "weights" else "pass a number of ms >= 0"
        _real(ctx.connector, name, value, fix, lo=0.0 if nonneg else None)
    elif isinstance(value, RandomDistribution):
        params = _dist_params(ctx, name, value)
        if nonneg and type(value) in (Uniform, DiscreteUniform) and params[0] < 0:
            raise ctx.err(f"{name}={value!r} can draw negative delays; delays must be >= 0 ms: "
                          "use a distribution whose minimum is >= 0")
    elif value is None:
        raise ctx.err(f"{name} is None; " + (_WEIGHT_FIX if name == "weights"
                                              else "pass a number of ms >= 0"))


# ---------------------------------------------------------------------------
# structure helpers
# ---------------------------------------------------------------------------


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 1 << 62


def _check_budget(ctx, expected_nnz: float, weights) -> None:
    """Refuse, before any work, a pattern whose arrays cannot fit in this machine's memory."""
    per = 4 + (ctx.dtype.itemsize if not _is_number(weights) else 0)
    need = expected_nnz * per
    if need > _physical_memory():
        raise ctx.err(f"about {expected_nnz:,.0f} synapses would need {need / 2**30:,.1f} GiB, "
                      f"more than this machine's {_physical_memory() / 2**30:,.1f} GiB; use "
                      "fewer neurons or a sparser pattern")


def _row_ptr_from_counts(counts) -> np.ndarray:
    row_ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=row_ptr[1:])
    return row_ptr


def _all_to_all_structure(ctx, exclude):
    n_rows, n_cols = ctx.n_rows, ctx.n_cols
    counts = np.full(n_rows, n_cols, dtype=np.int64)
    if exclude:
        counts[: min(n_rows, n_cols)] -= 1
    row_ptr = _row_ptr_from_counts(counts)
    col = empty_array(int(row_ptr[-1]), np.int32)
    if col.size:
        _workers(ctx.threads, _kernels().all_to_all_fill, n_rows, n_cols, exclude, col)
    return row_ptr, col


def _diag_mask(n_rows, n_cols, exclude):
    mask = np.ones((n_rows, n_cols), dtype=bool)
    if exclude:
        k = min(n_rows, n_cols)
        mask[np.arange(k), np.arange(k)] = False
    return mask


def _check_no_storage(ctx, storage_format, storage_order):
    # ANNarchy's storage_format / storage_order are the projection's business
    # (it chooses ``rows``); accepted here so user calls pass through unchanged.
    for name, v in (("storage_format", storage_format), ("storage_order", storage_order)):
        if v is not None and not isinstance(v, str):
            raise ctx.err(f"{name} must be a string such as 'csr' or 'pre_to_post', got {v!r}")


# ---------------------------------------------------------------------------
# connector methods (argument names exactly as in ANNarchy)
# ---------------------------------------------------------------------------


def _all_to_all(ctx, weights, delays=0.0, allow_self_connections=False,
                force_multiple_weights=False, storage_format=None, storage_order=None):
    _check_no_storage(ctx, storage_format, storage_order)
    allow = _flag(ctx.connector, "allow_self_connections", allow_self_connections)
    force = _flag(ctx.connector, "force_multiple_weights", force_multiple_weights)
    exclude = ctx.same and not allow
    _precheck(ctx, "weights", weights, arrays=True)
    _precheck(ctx, "delays", delays, arrays=True)

    def matrix(name):
        def take(arr):
            if arr.shape != (ctx.n_post, ctx.n_pre):
                hint = (" (it looks transposed: pass its .T)"
                        if arr.shape == (ctx.n_pre, ctx.n_post) else "")
                raise ctx.err(f"{name} array has shape {arr.shape}, expected (post, pre) = "
                              f"{(ctx.n_post, ctx.n_pre)}{hint}")
            oriented = arr if ctx.rows == "post" else arr.T
            if exclude:
                return oriented[_diag_mask(ctx.n_rows, ctx.n_cols, True)]
            return np.ascontiguousarray(oriented).ravel()
        return take

    _check_budget(ctx, float(ctx.n_rows) * ctx.n_cols, None if force else weights)
    row_ptr, col = _all_to_all_structure(ctx, exclude)
    nnz = col.size
    w = _weights(ctx, weights, nnz, force=force, array_ok=matrix("weights"))
    d = _delays(ctx, delays, nnz, array_ok=matrix("delays"))
    return ctx.csr(row_ptr, col, w, d)


def _one_to_one(ctx, weights=1.0, delays=0.0, force_multiple_weights=False,
                storage_format=None, storage_order=None):
    _check_no_storage(ctx, storage_format, storage_order)
    force = _flag(ctx.connector, "force_multiple_weights", force_multiple_weights)
    _precheck(ctx, "weights", weights, arrays=True)
    _precheck(ctx, "delays", delays, arrays=True)
    n = min(ctx.n_pre, ctx.n_post)
    if ctx.n_pre != ctx.n_post:
        warnings.warn(f"one_to_one(): the populations have different sizes ({ctx.n_pre} pre, "
                      f"{ctx.n_post} post): only the first {n} neurons are connected",
                      stacklevel=3)

    def vector(name):
        def take(arr):
            if arr.shape != (n,):
                raise ctx.err(f"{name} array has shape {arr.shape}, expected ({n},): one value "
                              "per connected pair, in rank order")
            return arr
        return take

    counts = np.zeros(ctx.n_rows, dtype=np.int64)
    counts[:n] = 1
    row_ptr = _row_ptr_from_counts(counts)
    col = np.arange(n, dtype=np.int32)
    w = _weights(ctx, weights, n, force=force, array_ok=vector("weights"))
    d = _delays(ctx, delays, n, array_ok=vector("delays"))
    return ctx.csr(row_ptr, col, w, d)


def _fixed_probability(ctx, probability, weights, delays=0.0, allow_self_connections=False,
                       force_multiple_weights=False, storage_format=None, storage_order=None):
    _check_no_storage(ctx, storage_format, storage_order)
    p = _real(ctx.connector, "probability", probability,
              "pass a probability between 0 and 1 (e.g. 0.02)", lo=0.0, hi=1.0)
    allow = _flag(ctx.connector, "allow_self_connections", allow_self_connections)
    force = _flag(ctx.connector, "force_multiple_weights", force_multiple_weights)
    exclude = ctx.same and not allow
    _precheck(ctx, "weights", weights)
    _precheck(ctx, "delays", delays)
    _check_budget(ctx, float(ctx.n_rows) * ctx.n_cols * p, None if force else weights)
    if p >= 1.0:
        row_ptr, col = _all_to_all_structure(ctx, exclude)
    elif p <= 0.0 or ctx.n_cols == 0:
        row_ptr = np.zeros(ctx.n_rows + 1, dtype=np.int64)
        col = np.empty(0, dtype=np.int32)
    else:
        K = _kernels()
        counts = np.zeros(ctx.n_rows, dtype=np.int64)
        _workers(ctx.threads, K.fixed_probability_counts, ctx.n_rows, ctx.n_cols, p, exclude,
                 ctx.key, counts)
        row_ptr = _row_ptr_from_counts(counts)
        del counts
        col = empty_array(int(row_ptr[-1]), np.int32)
        bad = sum(_workers(ctx.threads, K.fixed_probability_fill, row_ptr, ctx.n_cols, p,
                           exclude, ctx.key, col))
        if bad:  # pragma: no cover - an invariant of the kernels
            raise RuntimeError("fixed_probability: the filling pass disagreed with the counts")
    nnz = col.size
    w = _weights(ctx, weights, nnz, force=force)
    d = _delays(ctx, delays, nnz)
    return ctx.csr(row_ptr, col, w, d)


def _fixed_number(ctx, number, weights, delays, allow_self_connections, force_multiple_weights,
                  *, natural_rows):
    """Each row of the ``natural_rows`` orientation gets exactly ``number`` columns."""
    allow = _flag(ctx.connector, "allow_self_connections", allow_self_connections)
    force = _flag(ctx.connector, "force_multiple_weights", force_multiple_weights)
    exclude = ctx.same and not allow
    receiving = "post-synaptic" if natural_rows == "post" else "pre-synaptic"
    source = "pre" if natural_rows == "post" else "post"
    n_rows = ctx.n_post if natural_rows == "post" else ctx.n_pre
    n_cols = ctx.n_pre if natural_rows == "post" else ctx.n_post
    k = _integer(ctx.connector, "number", number, f"pass how many {source}-synaptic neurons each "
                 f"{receiving} neuron is connected to")
    if k < 0:
        raise ctx.err(f"number must be >= 0, got {k}")
    available = n_cols - (1 if exclude and n_rows > 0 and n_cols > 0 else 0)
    if k > available:
        why = (f"the {source}-synaptic population has {n_cols} neurons"
               + (" and self-connections are excluded" if exclude else ""))
        fix = ("pass allow_self_connections=True or a smaller number" if exclude and k <= n_cols
               else f"pass number <= {available}")
        raise ctx.err(f"number={k} exceeds the {available} available {source}-synaptic neurons "
                      f"({why}); {fix}")
    _precheck(ctx, "weights", weights)
    _precheck(ctx, "delays", delays)
    _check_budget(ctx, float(n_rows) * k, None if force else weights)
    nnz = n_rows * k
    if nnz > np.iinfo(np.int64).max // 2:  # pragma: no cover
        raise ctx.err("too many synapses")
    row_ptr = np.arange(n_rows + 1, dtype=np.int64) * k
    col = empty_array(nnz, np.int32)
    if nnz:
        # rows that cannot exclude themselves (r >= n_cols) draw from all columns
        _workers(ctx.threads, _kernels().fixed_number_fill, n_rows, n_cols, k, exclude, ctx.key,
                 col)
    csr = ctx.csr(row_ptr, col, 0.0, 0.0, rows=natural_rows)
    if ctx.rows != natural_rows:
        csr = csr_transpose(csr, num_threads=ctx.threads)
    csr.w = _weights(ctx, weights, nnz, force=force)
    csr.delay = _delays(ctx, delays, nnz)
    return csr


def _fixed_number_pre(ctx, number, weights, delays=0.0, allow_self_connections=False,
                      force_multiple_weights=False, storage_format=None, storage_order=None):
    _check_no_storage(ctx, storage_format, storage_order)
    return _fixed_number(ctx, number, weights, delays, allow_self_connections,
                         force_multiple_weights, natural_rows="post")


def _fixed_number_post(ctx, number, weights, delays=0.0, allow_self_connections=False,
                       force_multiple_weights=False, storage_format=None, storage_order=None):
    _check_no_storage(ctx, storage_format, storage_order)
    return _fixed_number(ctx, number, weights, delays, allow_self_connections,
                         force_multiple_weights, natural_rows="pre")


def normalized_coordinates(geometry) -> np.ndarray:
    """(n, d) coordinates in [0, 1] of every rank, as ANNarchy defines them.

    Ranks are in C order (the last axis varies fastest); along an axis of size
    s the coordinate of index i is ``i / (s - 1)`` (0 when s is 1).
    """
    geometry = tuple(int(g) for g in geometry)
    grids = np.indices(geometry, dtype=np.float64).reshape(len(geometry), -1).T
    scale = np.array([1.0 / (g - 1) if g > 1 else 0.0 for g in geometry])
    return np.ascontiguousarray(grids * scale)


def _distance_pattern(ctx, kind, amp_pos, sigma_pos, amp_neg, sigma_neg, delays, limit,
                      allow_self_connections):
    allow = _flag(ctx.connector, "allow_self_connections", allow_self_connections)
    exclude = ctx.same and not allow
    lim = _real(ctx.connector, "limit", limit, "pass a fraction of the amplitude such as 0.01",
                lo=0.0)
    if len(ctx.pre_geometry) != len(ctx.post_geometry):
        raise ctx.err(f"the populations have geometries {ctx.pre_geometry} and "
                      f"{ctx.post_geometry} with different numbers of dimensions; distances "
                      "need the same dimensionality (give both populations e.g. 2-D shapes)")
    _precheck(ctx, "delays", delays)
    thr = lim * abs(amp_pos - amp_neg) if kind == 1 else lim * abs(amp_pos)
    pre_xy = normalized_coordinates(ctx.pre_geometry)
    post_xy = normalized_coordinates(ctx.post_geometry)
    row_xy, col_xy = (pre_xy, post_xy) if ctx.rows == "pre" else (post_xy, pre_xy)
    K = _kernels()
    params = (row_xy, col_xy, kind, amp_pos, sigma_pos, amp_neg, sigma_neg, thr, exclude)
    counts = np.zeros(row_xy.shape[0], dtype=np.int64)
    _workers(ctx.threads, K.distance_counts, *params, counts)
    row_ptr = _row_ptr_from_counts(counts)
    nnz = int(row_ptr[-1])
    col = empty_array(nnz, np.int32)
    w = empty_array(nnz, ctx.dtype)
    if nnz:
        _workers(ctx.threads, K.distance_fill, *params, row_ptr, col, w)
    d = _delays(ctx, delays, nnz)
    return ctx.csr(row_ptr, col, w, d)


def _gaussian(ctx, amp, sigma, delays=0.0, limit=0.01, allow_self_connections=False,
              storage_format=None, storage_order=None):
    _check_no_storage(ctx, storage_format, storage_order)
    a = _real(ctx.connector, "amp", amp, "pass the amplitude of the Gaussian as a number")
    s = _real(ctx.connector, "sigma", sigma, "pass a width > 0 in normalized coordinates "
              "(the population spans [0, 1] along each axis)", lo=0.0, lo_open=True)
    return _distance_pattern(ctx, 0, a, s, 0.0, 1.0, delays, limit, allow_self_connections)


def _dog(ctx, amp_pos, sigma_pos, amp_neg, sigma_neg, delays=0.0, limit=0.01,
         allow_self_connections=False, storage_format=None, storage_order=None):
    _check_no_storage(ctx, storage_format, storage_order)
    fix = "pass a width > 0 in normalized coordinates (the population spans [0, 1])"
    ap = _real(ctx.connector, "amp_pos", amp_pos, "pass the amplitude as a number")
    sp_ = _real(ctx.connector, "sigma_pos", sigma_pos, fix, lo=0.0, lo_open=True)
    an = _real(ctx.connector, "amp_neg", amp_neg, "pass the amplitude as a number")
    sn = _real(ctx.connector, "sigma_neg", sigma_neg, fix, lo=0.0, lo_open=True)
    return _distance_pattern(ctx, 1, ap, sp_, an, sn, delays, limit, allow_self_connections)


def _dense_matrix(ctx, name, value, expected):
    if hasattr(value, "tocsr") and hasattr(value, "nnz"):
        raise ctx.err(f"{name} is a scipy.sparse matrix: use from_sparse() for sparse matrices, "
                      "or pass weights.toarray() with NaN where there is no synapse")
    try:
        arr = np.array(value, dtype=np.float64)  # None -> NaN
    except (TypeError, ValueError) as exc:
        raise ctx.err(f"{name} must be a dense 2-D matrix of numbers (None or NaN where there "
                      f"is no synapse; lists of lists must have equal lengths): {exc}") from exc
    if arr.ndim != 2:
        raise ctx.err(f"{name} must be a 2-D matrix, got {arr.ndim} dimension(s) with shape "
                      f"{arr.shape}")
    if arr.shape != expected:
        hint = ""
        if arr.shape == expected[::-1]:
            hint = " (it looks transposed: pass pre_post=True or its .T)"
        raise ctx.err(f"{name} has shape {arr.shape}, expected {expected}{hint}")
    return arr


def _from_matrix(ctx, weights, delays=0.0, pre_post=False, storage_format=None,
                 storage_order=None):
    _check_no_storage(ctx, storage_format, storage_order)
    pre_post = _flag(ctx.connector, "pre_post", pre_post)
    expected = (ctx.n_pre, ctx.n_post) if pre_post else (ctx.n_post, ctx.n_pre)
    W = _dense_matrix(ctx, "weights", weights, expected)
    if np.isinf(W).any():
        i, j = np.argwhere(np.isinf(W))[0]
        raise ctx.err(f"weights[{i}, {j}] is {W[i, j]}: weights must be finite (None or NaN "
                      "means no synapse)")
    # orient so that matrix rows are CSR rows
    want_pre_first = ctx.rows == "pre"
    Wo = W if want_pre_first == pre_post else W.T
    mask = ~np.isnan(Wo)
    row_ptr = _row_ptr_from_counts(mask.sum(axis=1))
    col = np.nonzero(mask)[1].astype(np.int32)
    w = Wo[mask].astype(ctx.dtype)
    if not np.all(np.isfinite(w)):
        raise ctx.err("weights overflow the requested precision (float32 holds up to 3.4e38)")
    nnz = col.size

    def take_delays(arr):
        D = _dense_matrix(ctx, "delays", arr, expected)
        Do = D if want_pre_first == pre_post else D.T
        vals = Do[mask]
        if vals.size and not np.all(np.isfinite(vals)):
            k = int(np.flatnonzero(~np.isfinite(vals))[0])
            r = int(np.searchsorted(row_ptr, k, side="right") - 1)
            pre, post = (r, int(col[k])) if ctx.rows == "pre" else (int(col[k]), r)
            raise ctx.err(f"delays of the synapse pre {pre} -> post {post} is {vals[k]}: every "
                          "synapse (non-NaN weight) needs a finite delay")
        return vals

    if isinstance(delays, (list, tuple, np.ndarray)) and not isinstance(delays, np.ndarray):
        delays = np.array(delays, dtype=np.float64)
    d = _delays(ctx, delays, nnz, array_ok=take_delays)
    return ctx.csr(row_ptr, col, w, d)


def _from_sparse(ctx, weights, delays=0.0, storage_format=None, storage_order=None):
    _check_no_storage(ctx, storage_format, storage_order)
    try:
        import scipy.sparse as sps
    except ImportError as exc:  # pragma: no cover - scipy is a dependency
        raise ctx.err("scipy is not installed") from exc
    if not sps.issparse(weights):
        raise ctx.err(f"weights must be a scipy.sparse matrix (lil, csr, csc, coo...), got "
                      f"{type(weights).__name__}; for a dense matrix use from_matrix()")
    expected = (ctx.n_pre, ctx.n_post)  # ANNarchy: pre-synaptic ranks first
    if weights.ndim != 2 or weights.shape != expected:
        hint = ""
        if weights.shape == expected[::-1]:
            hint = (" (as in ANNarchy, from_sparse() takes the pre-synaptic ranks as the first "
                    "dimension: pass weights.T)")
        raise ctx.err(f"weights has shape {weights.shape}, expected (pre, post) = "
                      f"{expected}{hint}")
    if isinstance(delays, (np.ndarray, list, tuple)) or sps.issparse(delays):
        raise ctx.err("delays must be a number of ms or a distribution for from_sparse() (as "
                      "in ANNarchy, per-synapse delay arrays are not accepted): use "
                      "from_matrix() with a delays matrix instead")
    _precheck(ctx, "delays", delays)
    M = sps.csr_matrix(weights) if ctx.rows == "pre" else sps.csc_matrix(weights)
    M.sum_duplicates()
    M.sort_indices()
    row_ptr = np.asarray(M.indptr, dtype=np.int64)
    col = np.asarray(M.indices, dtype=np.int32)
    data = np.asarray(M.data)
    if data.dtype.kind not in "fiub":
        raise ctx.err(f"weights must hold real numbers, got dtype {data.dtype}")
    w = data.astype(ctx.dtype)
    if w.size and not np.all(np.isfinite(w)):
        k = int(np.flatnonzero(~np.isfinite(w))[0])
        raise ctx.err(f"weights holds a non-finite value ({data[k]}); stored entries are "
                      "synapses and need finite weights (leave absent synapses unstored)")
    d = _delays(ctx, delays, col.size)
    return ctx.csr(row_ptr, col, w, d)


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
    all of them. ``dt`` is accepted for compatibility and not used: delays
    stay in ms until the projection rounds them.
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


#: connector name -> implementation (ANNarchy's argument names)
CONNECTORS = {
    "all_to_all": _all_to_all,
    "one_to_one": _one_to_one,
    "fixed_probability": _fixed_probability,
    "fixed_number_pre": _fixed_number_pre,
    "fixed_number_post": _fixed_number_post,
    "gaussian": _gaussian,
    "dog": _dog,
    "from_matrix": _from_matrix,
    "from_sparse": _from_sparse,
    "from_function": _from_function,
}
_ANNARCHY4 = {"connect_" + k: k for k in CONNECTORS} | {"connect_with_func": "from_function"}


def _signature_text(func) -> str:
    params = list(inspect.signature(func).parameters.values())[1:]
    return ", ".join(str(p) for p in params if p.name not in ("storage_format", "storage_order"))


# ---------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------


def build_connectivity(method, /, pre_geometry, post_geometry, rows, rng, same_population,
                       precision=np.float64, num_threads=1, *, pre=None, post=None,
                       **kwargs) -> CSR:
    """Build the synapses of one connector method as a :class:`CSR`.

    Parameters
    ----------
    method : str
        Connector name (``fixed_probability``...; ANNarchy 4's ``connect_*``
        names are accepted too). Positional-only, so that ``from_function``'s
        own ``method=`` argument can travel in ``kwargs``.
    pre_geometry, post_geometry : tuple of int (or int)
        Shapes of the two sides; ranks are C-order indices into them.
    rows : 'pre' or 'post'
        Orientation of the result.
    rng : numpy.random.Generator
        All randomness comes from it: the same state gives the same CSR.
    same_population : bool
        Pre and post are the same neurons (rank i on both sides is one
        neuron): ``allow_self_connections`` then matters.
    precision : np.float32 or np.float64
        dtype of weight arrays.
    num_threads : int
        Threads that run the kernels (clipped to the CPUs available); the
        result does not depend on it.
    pre, post : optional
        The population objects, handed to ``from_function``'s callable as its
        first two arguments (the geometries when omitted).
    **kwargs
        The connector's arguments, named as in ANNarchy.
    """
    if not isinstance(method, str):
        raise NetworkError(f"connector method must be a name such as 'fixed_probability', got "
                           f"{method!r}")
    name = _ANNARCHY4.get(method, method)
    func = CONNECTORS.get(name)
    if func is None:
        import difflib

        close = difflib.get_close_matches(name, list(CONNECTORS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise NetworkError(f"unknown connector method {method!r}{hint}; known: "
                           f"{', '.join(CONNECTORS)}")
    try:
        inspect.signature(func).bind(None, **kwargs)
    except TypeError as exc:
        raise _err(name, f"{exc}; its arguments are ({_signature_text(func)})") from None
    pre_geo = _geometry(pre_geometry, "pre")
    post_geo = _geometry(post_geometry, "post")
    if rows not in ("pre", "post"):
        raise NetworkError(f"rows must be 'pre' or 'post', got {rows!r}")
    if not isinstance(rng, np.random.Generator):
        raise NetworkError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                           f"got {type(rng).__name__}")
    dtype = _float_dtype(precision)
    threads = _integer(name, "num_threads", num_threads, "pass a thread count >= 1")
    if threads < 1:
        raise _err(name, f"num_threads must be >= 1, got {threads}")
    threads = min(threads, _available_cpus())
    ctx = _Context(name, pre_geo, post_geo, rows, rng, bool(same_population), dtype, threads,
                   pre, post)
    return func(ctx, **kwargs)


def csr_transpose(csr: CSR, num_threads: int = 1) -> CSR:
    """The same synapses stored the other way round (``rows`` flipped).

    O(nnz) counting sort (parallel over parts of the old rows; the result is
    unique, so it does not depend on the thread count). Columns stay sorted
    within each new row; ``w`` and ``delay`` arrays follow their synapses,
    scalars are kept as they are.
    """
    threads = max(1, min(int(num_threads), _available_cpus(), max(csr.n_rows, 1)))
    w_arr = isinstance(csr.w, np.ndarray)
    d_arr = isinstance(csr.delay, np.ndarray)
    nnz = csr.nnz
    K = _kernels()
    src_ptr = np.ascontiguousarray(csr.row_ptr, dtype=np.int64)
    src_col = np.ascontiguousarray(csr.col, dtype=np.int32)
    w_in = np.ascontiguousarray(csr.w) if w_arr else np.empty(0, dtype=np.float64)
    d_in = (np.ascontiguousarray(csr.delay, dtype=np.float64) if d_arr
            else np.empty(0, dtype=np.float64))
    col = empty_array(nnz, np.int32)
    w_t = empty_array(nnz, w_in.dtype) if w_arr else np.empty(0, dtype=np.float64)
    d_t = empty_array(nnz, np.float64) if d_arr else np.empty(0, dtype=np.float64)
    # one contiguous part of the old rows per thread; the result does not depend on it
    bounds = [(csr.n_rows * t) // threads for t in range(threads + 1)]
    part_counts = np.zeros((threads, csr.n_cols), dtype=np.int64)
    _workers(threads, lambda w, n: K.transpose_count(src_ptr, src_col, bounds[w],
                                                     bounds[w + 1], part_counts[w]))
    row_ptr = K.transpose_offsets(part_counts)
    _workers(threads, lambda w, n: K.transpose_scatter(src_ptr, src_col, bounds[w],
                                                       bounds[w + 1], part_counts[w], w_in,
                                                       d_in, col, w_t, d_t))
    return CSR(row_ptr=row_ptr, col=col, w=w_t if w_arr else csr.w,
               delay=d_t if d_arr else csr.delay, rows="post" if csr.rows == "pre" else "pre",
               n_rows=csr.n_cols, n_cols=csr.n_rows)
