"""The random connector methods: ``fixed_probability`` (geometric skipping,
a counting pass then a filling pass) and ``fixed_number_pre`` /
``fixed_number_post`` (Floyd's algorithm, k draws per row).
"""

from __future__ import annotations

import numpy as np

from engine.runtime.connect_args import (
    _all_to_all_structure, _check_budget, _check_no_storage, _delays, _flag, _integer,
    _precheck, _real, _row_ptr_from_counts, _weights,
)
from engine.runtime.csr import _kernels, _workers, csr_transpose, empty_array


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
