"""Compressed sparse rows: the :class:`CSR` result of every connector, its
transpose, and the memory and thread helpers the connector kernels share.

See :mod:`engine.runtime.connectivity` for the cost, thread and determinism
rules of the builds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from engine.errors import NetworkError

__all__ = ["CSR", "csr_transpose", "empty_array"]


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
# threads and memory
# ---------------------------------------------------------------------------


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
