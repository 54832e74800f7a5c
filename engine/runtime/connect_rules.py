"""The connector methods whose synapses follow from their arguments:
``all_to_all``, ``one_to_one``, the distance patterns ``gaussian`` and
``dog``, and explicit ``from_matrix`` / ``from_sparse`` (argument names
exactly as in ANNarchy).
"""

from __future__ import annotations

import warnings

import numpy as np

from engine.runtime.connect_args import (
    _all_to_all_structure, _check_budget, _check_no_storage, _delays, _diag_mask, _flag,
    _precheck, _real, _row_ptr_from_counts, _weights,
)
from engine.runtime.csr import _kernels, _workers, empty_array


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
