"""Static Numba kernels that build connectivity (compiled once, cached on disk).

Nothing here depends on a model, so this module is never generated: every
kernel is compiled the first time it is used and loaded from Numba's disk
cache afterwards (engine/codegen/jit.py holds the options).

Workers and threads
-------------------
Every kernel is a plain ``nogil`` function that does the share of worker
``w`` out of ``n_workers`` (the blocks ``w, w + n_workers, ...``); the caller
(engine.runtime.connectivity) runs one call per thread at the same time.
Not ``prange``: the same kernels compiled with ``parallel=True`` took 2 to
4 s more to compile cold, each, for the same speed once running.

Determinism whatever the thread count
-------------------------------------
Random kernels cut their work into fixed blocks (``BLOCK_ROWS`` rows, or
``CHUNK_VALUES`` values for weight and delay draws). Block ``b`` draws from
its own xoshiro256** stream, seeded by SplitMix64 from ``(key, stream, b)``
where ``key`` is one 64-bit integer taken from the caller's numpy Generator.
Workers only decide *who* computes a block, never *what* it draws, so the
same key gives bit-identical arrays with 1, 2 or any number of threads.

Kernels write into preallocated int32/float arrays; they allocate only small
scratch arrays (a one-byte-per-column marker per worker for fixed_number).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from engine.codegen.jit import JIT_OPTIONS
from engine.codegen.rng import _KN, _WN, _normal_tail_or_wedge, next_u64, uniform01

__all__ = [
    "BLOCK_ROWS",
    "CHUNK_VALUES",
    "STREAM_STRUCTURE",
    "STREAM_WEIGHTS",
    "STREAM_DELAYS",
    "DIST_CODES",
    "seed_stream",
    "fixed_probability_counts",
    "fixed_probability_fill",
    "fixed_number_fill",
    "all_to_all_fill",
    "distance_counts",
    "distance_fill",
    "sample_values",
    "fill_constant",
    "standard_exponential",
    "transpose_count",
    "transpose_offsets",
    "transpose_scatter",
]

#: rows per random block (fixed: results must not depend on the thread count)
BLOCK_ROWS = 256
#: values per random block when drawing weights or delays
CHUNK_VALUES = 1 << 16

#: stream identifiers mixed into the block seeds
STREAM_STRUCTURE = 1
STREAM_WEIGHTS = 2
STREAM_DELAYS = 3

#: distribution class name -> code understood by :func:`sample_values`
DIST_CODES = {"Uniform": 0, "Normal": 1, "LogNormal": 2, "Exponential": 3, "DiscreteUniform": 4}


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_A = np.uint64(0xBF58476D1CE4E5B9)
_MIX_B = np.uint64(0x94D049BB133111EB)
_STREAM_MUL = np.uint64(0xD1B54A32D192ED03)


@numba.njit(**JIT_OPTIONS)
def seed_stream(key, stream, block, s):
    """Fill the xoshiro state ``s`` (uint64[4]) for block ``block`` of ``stream``.

    SplitMix64 run from ``key ^ stream * C1 ^ (block + 1) * C2``: nearby
    blocks get unrelated states, and the state is never all zero in practice
    (a zero word is replaced).
    """
    z = np.uint64(key) ^ (np.uint64(stream) * _STREAM_MUL) ^ (np.uint64(block + 1) * _GOLDEN)
    for i in range(4):
        z = z + _GOLDEN
        x = z
        x = (x ^ (x >> np.uint64(30))) * _MIX_A
        x = (x ^ (x >> np.uint64(27))) * _MIX_B
        x = x ^ (x >> np.uint64(31))
        if x == np.uint64(0):
            x = _GOLDEN
        s[i] = x


# ---------------------------------------------------------------------------
# exponential draws: Marsaglia & Tsang's ziggurat (256 layers, 32-bit)
# ---------------------------------------------------------------------------


def _exponential_tables(layers: int = 256):
    """Tables of the exponential ziggurat (Marsaglia & Tsang 2000, REXP)."""
    de = 7.697117470131487
    te = de
    ve = 3.949659822581572e-3
    m2 = 4294967296.0
    ke = np.zeros(layers, dtype=np.int64)
    we = np.zeros(layers)
    fe = np.zeros(layers)
    q = ve / math.exp(-de)
    ke[0] = int((de / q) * m2)
    ke[1] = 0
    we[0] = q / m2
    we[layers - 1] = de / m2
    fe[0] = 1.0
    fe[layers - 1] = math.exp(-de)
    for i in range(layers - 2, 0, -1):
        de = -math.log(ve / de + math.exp(-de))
        ke[i + 1] = int((de / te) * m2)
        te = de
        fe[i] = math.exp(-de)
        we[i] = de / m2
    return ke, we, fe


_KE, _WE, _FE = _exponential_tables()
_EXP_R = 7.697117470131487


@numba.njit(**JIT_OPTIONS)
def _exponential_slow(s, jz, iz):
    while True:
        if iz == 0:  # the tail beyond R: R + Exp(1)
            return _EXP_R - math.log(1.0 - uniform01(s))
        x = jz * _WE[iz]
        if _FE[iz] + uniform01(s) * (_FE[iz - 1] - _FE[iz]) < math.exp(-x):
            return x
        jz = np.int64(next_u64(s) >> np.uint64(32))
        iz = jz & 255
        if jz < _KE[iz]:
            return jz * _WE[iz]


@numba.njit(inline="always", **JIT_OPTIONS)
def standard_exponential(s):
    """An Exp(1) draw: one 64-bit draw, a table look-up and a multiply 99% of the time."""
    jz = np.int64(next_u64(s) >> np.uint64(32))
    iz = jz & 255
    if jz < _KE[iz]:
        return jz * _WE[iz]
    return _exponential_slow(s, jz, iz)


# ---------------------------------------------------------------------------
# fixed_probability: geometric skipping, one pass to count, one to fill
# ---------------------------------------------------------------------------

_U = np.uint64


@numba.njit(inline="always", **JIT_OPTIONS)
def _rotl(x, k):
    return (x << _U(k)) | (x >> _U(64 - k))


@numba.njit(inline="always", **JIT_OPTIONS)
def _xoshiro(s0, s1, s2, s3):
    """xoshiro256** on four scalars (kept in registers, unlike a state array)."""
    result = _rotl(s1 * _U(5), 7) * _U(9)
    t = s1 << _U(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@numba.njit(**JIT_OPTIONS)
def _bernoulli_block(b, key, n_rows, n_cols, inv_rate, exclude_diag, s, counts, row_ptr, col,
                     write):
    """Rows of block ``b``: the columns where a Bernoulli(p) trial succeeds.

    Geometric skipping: the number of failures before the next success is
    ``floor(E / -log(1 - p))`` with E ~ Exp(1), one draw per synapse instead of
    one per candidate pair. E comes from the exponential ziggurat fed with
    32-bit halves of xoshiro256** outputs (two draws per 64-bit step; the
    state lives in registers). Row ``r`` skips column ``r`` when
    ``exclude_diag`` (no self-connection). Count pass (``write`` False):
    ``counts[r]``. Fill pass: the same draws again, columns written at
    ``col[row_ptr[r]:]``; returns the number of rows whose count disagreed
    with ``row_ptr`` (always 0).
    """
    seed_stream(key, 1, b, s)
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    spare = np.int64(0)
    have = False
    limit = float(n_cols)
    bad = 0
    stop = min(n_rows, (b + 1) * BLOCK_ROWS)
    for r in range(b * BLOCK_ROWS, stop):
        skip = r if exclude_diag else -1
        j = -1
        c = 0
        base = row_ptr[r] if write else 0
        while True:
            if have:
                jz = spare
                have = False
            else:
                x, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
                jz = np.int64(x >> _U(32))
                spare = np.int64(x & _U(0xFFFFFFFF))
                have = True
            iz = jz & 255
            if jz < _KE[iz]:
                e = jz * _WE[iz]
            else:
                s[0], s[1], s[2], s[3] = s0, s1, s2, s3
                e = _exponential_slow(s, jz, iz)
                s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
            gap = e * inv_rate
            if gap >= limit - j:
                break
            j += np.int64(gap) + 1
            if j >= n_cols:
                break
            if j == skip:
                continue
            if write:
                col[base + c] = j
            c += 1
        if write:
            if c != row_ptr[r + 1] - row_ptr[r]:
                bad += 1
        else:
            counts[r] = c
    return bad


@numba.njit(**JIT_OPTIONS)
def fixed_probability_counts(n_rows, n_cols, p, exclude_diag, key, counts, w, n_workers):
    """Worker ``w``: the number of synapses of its rows into ``counts`` (0 < p < 1)."""
    dummy_ptr = np.zeros(1, dtype=np.int64)
    dummy_col = np.zeros(1, dtype=np.int32)
    inv_rate = -1.0 / math.log1p(-p)
    n_blocks = (n_rows + BLOCK_ROWS - 1) // BLOCK_ROWS
    s = np.empty(4, dtype=np.uint64)
    for b in range(w, n_blocks, n_workers):
        _bernoulli_block(b, key, n_rows, n_cols, inv_rate, exclude_diag, s, counts,
                         dummy_ptr, dummy_col, False)
    return 0


@numba.njit(**JIT_OPTIONS)
def fixed_probability_fill(row_ptr, n_cols, p, exclude_diag, key, col, w, n_workers):
    """Worker ``w``: replay the streams of :func:`fixed_probability_counts` into ``col``.

    Returns the number of rows whose replayed count disagreed with ``row_ptr``
    (always 0; a non-zero value means a broken invariant).
    """
    n_rows = row_ptr.shape[0] - 1
    dummy_counts = np.zeros(1, dtype=np.int64)
    inv_rate = -1.0 / math.log1p(-p)
    n_blocks = (n_rows + BLOCK_ROWS - 1) // BLOCK_ROWS
    s = np.empty(4, dtype=np.uint64)
    bad = 0
    for b in range(w, n_blocks, n_workers):
        bad += _bernoulli_block(b, key, n_rows, n_cols, inv_rate, exclude_diag, s,
                                dummy_counts, row_ptr, col, True)
    return bad


# ---------------------------------------------------------------------------
# fixed_number_pre / fixed_number_post: Floyd's sampling, k distinct per row
# ---------------------------------------------------------------------------


@numba.njit(**JIT_OPTIONS)
def _sort_small(a, lo, hi):
    """Sort ``a[lo:hi]`` in place: insertion sort up to 32 values, heapsort beyond."""
    n = hi - lo
    if n <= 32:
        for i in range(lo + 1, hi):
            v = a[i]
            j = i - 1
            while j >= lo and a[j] > v:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = v
        return
    # heapsort (no recursion, no allocation)
    for start in range(n // 2 - 1, -1, -1):
        _sift_down(a, lo, start, n)
    for end in range(n - 1, 0, -1):
        a[lo], a[lo + end] = a[lo + end], a[lo]
        _sift_down(a, lo, 0, end)


@numba.njit(**JIT_OPTIONS)
def _sift_down(a, lo, root, end):
    """Heapsort step: move a[lo + root] down the max-heap a[lo:lo + end]."""
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and a[lo + child] < a[lo + child + 1]:
            child += 1
        if a[lo + root] < a[lo + child]:
            a[lo + root], a[lo + child] = a[lo + child], a[lo + root]
            root = child
        else:
            return


@numba.njit(**JIT_OPTIONS)
def fixed_number_fill(n_rows, n_cols, k, exclude_diag, key, col, w, n_workers):
    """Worker ``w``: ``k`` distinct sorted columns per row into ``col`` (``n_rows * k``).

    Floyd's algorithm: exactly ``k`` draws per row, membership in a one-byte
    marker (cleared after each row, so the cost stays O(k) per row plus
    O(n_cols) per worker). The ``k`` columns come back in order either by
    scanning the marker eight bytes at a time (when the candidates are at
    most ~32 k log2 k: then the scan is cheaper than sorting) or by sorting
    them. With ``exclude_diag``, row ``r`` draws from the ``n_cols - 1``
    other columns (rank ``x >= r`` stands for column ``x + 1``).
    """
    n_blocks = (n_rows + BLOCK_ROWS - 1) // BLOCK_ROWS
    s = np.empty(4, dtype=np.uint64)
    # reading the marker back costs ~1 ns per 8 candidates, sorting ~6 ns per
    # k log2(k) (measured, 64k candidates): scan only while that is cheaper, so a
    # row never costs more than O(k log k) and the pattern O(synapses log k)
    scan_below = 32 * k * max(1, int(math.log2(k + 1)))
    n_words = (n_cols + 7) // 8
    words = np.zeros(n_words, dtype=np.uint64)
    mark = words.view(np.uint8)
    for b in range(w, n_blocks, n_workers):
        seed_stream(key, 1, b, s)
        stop = min(n_rows, (b + 1) * BLOCK_ROWS)
        for r in range(b * BLOCK_ROWS, stop):
            shift = exclude_diag and r < n_cols
            m = n_cols - 1 if shift else n_cols
            base = r * k
            idx = 0
            for j in range(m - k, m):
                t = np.int64(uniform01(s) * (j + 1))
                if t > j:
                    t = j
                if mark[t] != 0:
                    t = j
                mark[t] = 1
                col[base + idx] = t
                idx += 1
            if m <= scan_below:
                idx = 0
                for wi in range((m + 7) // 8):
                    if words[wi] != 0:
                        for x in range(wi * 8, min(wi * 8 + 8, m)):
                            if mark[x] != 0:
                                col[base + idx] = x + 1 if (shift and x >= r) else x
                                idx += 1
                        words[wi] = 0
            else:
                _sort_small(col, base, base + k)
                for i in range(base, base + k):
                    x = col[i]
                    mark[x] = 0
                    if shift and x >= r:
                        col[i] = x + 1
    return 0


# ---------------------------------------------------------------------------
# all_to_all
# ---------------------------------------------------------------------------


@numba.njit(**JIT_OPTIONS)
def all_to_all_fill(n_rows, n_cols, exclude_diag, col, w, n_workers):
    """Worker ``w``: every column in its rows (row r skips column r when ``exclude_diag``)."""
    n_blocks = (n_rows + BLOCK_ROWS - 1) // BLOCK_ROWS
    for b in range(w, n_blocks, n_workers):
        for r in range(b * BLOCK_ROWS, min(n_rows, (b + 1) * BLOCK_ROWS)):
            diag = exclude_diag and r < n_cols
            base = r * n_cols - (min(r, n_cols) if exclude_diag else 0)
            c = 0
            for j in range(n_cols):
                if diag and j == r:
                    continue
                col[base + c] = j
                c += 1
    return 0


# ---------------------------------------------------------------------------
# gaussian / dog: dense distance profile, thresholded
# ---------------------------------------------------------------------------


@numba.njit(inline="always", **JIT_OPTIONS)
def _profile(d2, kind, amp_pos, k_pos, amp_neg, k_neg):
    # k = -1 / (2 sigma^2)
    v = amp_pos * math.exp(d2 * k_pos)
    if kind == 1:
        v -= amp_neg * math.exp(d2 * k_neg)
    return v


@numba.njit(**JIT_OPTIONS)
def _distance_rows(row_xy, col_xy, kind, amp_pos, sigma_pos, amp_neg, sigma_neg, threshold,
                   exclude_diag, counts, row_ptr, col, wout, write, w, n_workers):
    n_rows = row_xy.shape[0]
    n_cols = col_xy.shape[0]
    dim = row_xy.shape[1]
    k_pos = -0.5 / (sigma_pos * sigma_pos)
    k_neg = -0.5 / (sigma_neg * sigma_neg) if kind == 1 else 0.0
    n_blocks = (n_rows + BLOCK_ROWS - 1) // BLOCK_ROWS
    for b in range(w, n_blocks, n_workers):
        for r in range(b * BLOCK_ROWS, min(n_rows, (b + 1) * BLOCK_ROWS)):
            c = row_ptr[r] if write else 0
            for j in range(n_cols):
                if exclude_diag and j == r:
                    continue
                d2 = 0.0
                for a in range(dim):
                    diff = row_xy[r, a] - col_xy[j, a]
                    d2 += diff * diff
                v = _profile(d2, kind, amp_pos, k_pos, amp_neg, k_neg)
                if abs(v) > threshold:
                    if write:
                        col[c] = j
                        wout[c] = v
                    c += 1
            if not write:
                counts[r] = c
    return 0


@numba.njit(**JIT_OPTIONS)
def distance_counts(row_xy, col_xy, kind, amp_pos, sigma_pos, amp_neg, sigma_neg, threshold,
                    exclude_diag, counts, w, n_workers):
    """Worker ``w``: synapses per row where ``|profile(squared distance)| > threshold``.

    ``row_xy`` (n_rows, d) and ``col_xy`` (n_cols, d) are normalized
    coordinates. ``kind`` 0: ``amp_pos * exp(-d2 / (2 sigma_pos^2))``; 1: that
    minus the same with ``amp_neg, sigma_neg`` (difference of Gaussians).
    """
    dummy_i = np.zeros(1, dtype=np.int64)
    dummy_c = np.zeros(1, dtype=np.int32)
    dummy_w = np.zeros(1, dtype=np.float64)
    return _distance_rows(row_xy, col_xy, kind, amp_pos, sigma_pos, amp_neg, sigma_neg,
                          threshold, exclude_diag, counts, dummy_i, dummy_c, dummy_w, False, w,
                          n_workers)


@numba.njit(**JIT_OPTIONS)
def distance_fill(row_xy, col_xy, kind, amp_pos, sigma_pos, amp_neg, sigma_neg, threshold,
                  exclude_diag, row_ptr, col, wout, w, n_workers):
    """Worker ``w``: second pass of :func:`distance_counts`, columns and weights."""
    dummy_i = np.zeros(1, dtype=np.int64)
    return _distance_rows(row_xy, col_xy, kind, amp_pos, sigma_pos, amp_neg, sigma_neg,
                          threshold, exclude_diag, dummy_i, row_ptr, col, wout, True, w,
                          n_workers)


# ---------------------------------------------------------------------------
# weights and delays drawn from the engine's distributions
# ---------------------------------------------------------------------------


@numba.njit(inline="always", **JIT_OPTIONS)
def _half(s0, s1, s2, s3, spare, have):
    """A 32-bit draw (int64 in [0, 2^32)): both halves of each xoshiro output are used."""
    if have:
        return spare, s0, s1, s2, s3, spare, False
    x, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
    return np.int64(x >> _U(32)), s0, s1, s2, s3, np.int64(x & _U(0xFFFFFFFF)), True


@numba.njit(**JIT_OPTIONS)
def _sample_chunk(code, a, b, key, stream, ch, s, out):
    """Values ``ch * CHUNK_VALUES ...`` of ``out`` from chunk ``ch``'s own stream."""
    seed_stream(key, stream, ch, s)
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    spare = np.int64(0)
    have = False
    stop = min(out.shape[0], (ch + 1) * CHUNK_VALUES)
    lo = math.floor(a)
    n_int = math.floor(b) - lo + 1.0
    for i in range(ch * CHUNK_VALUES, stop):
        if code == 0 or code == 4:
            x, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
            u = float(x >> _U(11)) * (1.0 / 9007199254740992.0)
            if code == 0:
                out[i] = a + (b - a) * u
            else:
                out[i] = lo + math.floor(u * n_int)
        elif code == 3:
            jz, s0, s1, s2, s3, spare, have = _half(s0, s1, s2, s3, spare, have)
            iz = jz & 255
            if jz < _KE[iz]:
                e = jz * _WE[iz]
            else:
                s[0], s[1], s[2], s[3] = s0, s1, s2, s3
                e = _exponential_slow(s, jz, iz)
                s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
            out[i] = e / a
        else:
            h, s0, s1, s2, s3, spare, have = _half(s0, s1, s2, s3, spare, have)
            hz = h - 2147483648
            iz = hz & 127
            if abs(hz) < _KN[iz]:
                z = hz * _WN[iz]
            else:
                s[0], s[1], s[2], s[3] = s0, s1, s2, s3
                z = _normal_tail_or_wedge(s, hz, iz)
                s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
            v = a + b * z
            out[i] = math.exp(v) if code == 2 else v


@numba.njit(**JIT_OPTIONS)
def sample_values(code, a, b, key, stream, out, w, n_workers):
    """Worker ``w``: its chunks of ``out`` drawn from distribution ``code`` (``DIST_CODES``).

    Parameters ``a, b``: Uniform(min, max), Normal(mu, sigma),
    LogNormal(mu, sigma), Exponential(lambda, unused), DiscreteUniform(min,
    max). Chunks of ``CHUNK_VALUES`` values, each on its own stream. Uniforms
    take 53 bits of a xoshiro256** output; normals (ziggurat, the tables of
    engine.codegen.rng) and exponentials (ziggurat) take 32-bit halves.
    """
    n_chunks = (out.shape[0] + CHUNK_VALUES - 1) // CHUNK_VALUES
    s = np.empty(4, dtype=np.uint64)
    for ch in range(w, n_chunks, n_workers):
        _sample_chunk(code, a, b, key, stream, ch, s, out)
    return 0


@numba.njit(**JIT_OPTIONS)
def fill_constant(out, value, w, n_workers):
    """Worker ``w``: ``out[chunk] = value`` for its chunks (first touch on every thread)."""
    n = out.shape[0]
    n_chunks = (n + CHUNK_VALUES - 1) // CHUNK_VALUES
    for ch in range(w, n_chunks, n_workers):
        for i in range(ch * CHUNK_VALUES, min(n, (ch + 1) * CHUNK_VALUES)):
            out[i] = value
    return 0


# ---------------------------------------------------------------------------
# transpose (counting sort; the result is unique, so threads cannot change it)
# ---------------------------------------------------------------------------


@numba.njit(**JIT_OPTIONS)
def transpose_count(row_ptr, col, lo, hi, counts):
    """``counts[c]`` = synapses of rows ``lo:hi`` in column ``c`` (one part of the rows)."""
    for k in range(row_ptr[lo], row_ptr[hi]):
        counts[col[k]] += 1
    return 0


@numba.njit(**JIT_OPTIONS)
def transpose_offsets(part_counts):
    """Turn per-part column counts (parts, n_cols) into write offsets, in place.

    Returns the transposed ``row_ptr`` (n_cols + 1). Part ``t`` writes column
    ``c``'s synapses after those of parts ``< t``: rows stay in order.
    """
    n_parts, n_cols = part_counts.shape
    row_ptr_t = np.zeros(n_cols + 1, dtype=np.int64)
    for c in range(n_cols):
        off = row_ptr_t[c]
        for t in range(n_parts):
            cnt = part_counts[t, c]
            part_counts[t, c] = off
            off += cnt
        row_ptr_t[c + 1] = off
    return row_ptr_t


@numba.njit(**JIT_OPTIONS)
def transpose_scatter(row_ptr, col, lo, hi, nxt, w, d, col_t, w_t, d_t):
    """Scatter rows ``lo:hi`` into the transposed arrays (``nxt``: this part's offsets).

    ``w`` and ``d`` follow their synapses when their length is ``nnz`` (pass
    empty arrays, and empty outputs, for scalar values).
    """
    nnz = col.shape[0]
    has_w = w.shape[0] == nnz and w_t.shape[0] == nnz and nnz > 0
    has_d = d.shape[0] == nnz and d_t.shape[0] == nnz and nnz > 0
    for r in range(lo, hi):
        for k in range(row_ptr[r], row_ptr[r + 1]):
            c = col[k]
            pos = nxt[c]
            nxt[c] = pos + 1
            col_t[pos] = r
            if has_w:
                w_t[pos] = w[k]
            if has_d:
                d_t[pos] = d[k]
    return 0
