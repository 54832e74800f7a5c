"""What every connector method shares: argument checks (numbers, flags,
geometries, precision), the build context, weights and delays (a scalar, a
distribution, a sympy expression of draws or an array) and structure helpers.
"""

from __future__ import annotations

import math
import numbers
import os

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
from engine.runtime.csr import CSR, _kernels, _workers, empty_array


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
    # a distribution given its own rng= draws with it (numpy, below), as in ANNarchy
    code = _FAST_DISTRIBUTIONS.get(type(dist)) if getattr(dist, "rng", None) is None else None
    out = empty_array(n, dtype)
    if n == 0:
        return out
    if code is not None:
        a = params[0]
        b = params[1] if len(params) > 1 else 0.0
        _workers(ctx.threads, _kernels().sample_values, code, float(a), float(b), ctx.key,
                 stream, out)
        return dist.clip(out)   # min=/max= of Normal(..., min=, max=)
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


def available_memory() -> int:
    """Bytes the kernel says a new allocation can get now (MemAvailable), else physical memory.

    Checked against before building: physical memory ignores what other
    processes already hold, and a build that exceeds what is available ends in
    swapping or the out-of-memory killer rather than a clear error.
    """
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return _physical_memory()


def synapse_peak_bytes(dtype) -> int:
    """Peak bytes per synapse from connect() to the first simulate().

    Measured on all-to-all patterns of 16M synapses (RSS growth, scalar or
    random weights): ~24 B in float64 and ~17 B in float32: the int32 column
    index, the weights, a weight copy made when the network is compiled and
    the per-row bookkeeping. 10 + 2 * itemsize stays just above both.
    """
    return 10 + 2 * np.dtype(dtype).itemsize


def _check_budget(ctx, expected_nnz: float, weights) -> None:
    """Refuse, before any work, a pattern whose arrays cannot fit in the memory available now."""
    per = synapse_peak_bytes(ctx.dtype)
    need = expected_nnz * per
    have = available_memory()
    if need > have:
        raise ctx.err(f"about {expected_nnz:,.0f} synapses would need about {need / 2**30:,.1f} GiB "
                      f"({per} B each until the first simulate), more than the "
                      f"{have / 2**30:,.1f} GiB of memory available now; use fewer neurons or "
                      "a sparser pattern")


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
