"""Synapses given explicitly: listed one by one, or saved and loaded.

A mixin of :class:`~engine.runtime.projection.Projection`: ``from_arrays``
(the synapses as rank, weight and delay arrays, as SONATA edges or other
tools' files give them), ``save_connectivity`` and ``from_file`` (the
engine's own ``.npz``). All go through one checked installer.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NetworkError

__all__ = ["ExplicitConnectivity"]


class ExplicitConnectivity:
    """``from_arrays``, ``save_connectivity`` and ``from_file`` of a projection."""

    def from_arrays(self, pre, post, weights, delays=0.0):
        """Synapses listed one by one: ``pre[k] -> post[k]`` with weight
        ``weights[k]`` and delay ``delays[k]`` ms (numbers apply to every
        synapse). Ranks are those of the whole pre and post populations;
        a pair may appear more than once (several synapses). This is how
        files of other tools (SONATA edges) load: no Python loop per synapse.

        Raises
        ------
        NetworkError
            Arrays of different lengths, ranks out of range, weights or
            delays that are not finite (delays also not negative), or a
            projection connected already.
        """
        if self._row_ptr is not None:
            raise NetworkError(f"projection {self.name!r} is already connected")
        try:
            pre = np.asarray(pre)
            post = np.asarray(post)
            n = pre.shape[0] if pre.ndim == 1 else -1
            w = np.broadcast_to(np.asarray(weights, dtype=float), (max(n, 0),)).copy() \
                if np.ndim(weights) == 0 else np.asarray(weights, dtype=float)
            delay = np.full(max(n, 0), float(delays)) if np.ndim(delays) == 0 \
                else np.asarray(delays, dtype=float)
        except (TypeError, ValueError) as exc:
            raise NetworkError(f"projection {self.name!r}.from_arrays: {exc}") from None
        if pre.ndim != 1 or post.ndim != 1 or pre.dtype.kind not in "iu" \
                or post.dtype.kind not in "iu":
            raise NetworkError(f"projection {self.name!r}.from_arrays: pre and post are "
                               "one-dimensional arrays of whole-number ranks")
        if not np.isfinite(w).all() or not np.isfinite(delay).all() or \
                (delay.size and delay.min() < 0):
            raise NetworkError(f"projection {self.name!r}.from_arrays: weights and delays "
                               "must be finite numbers, delays >= 0")
        self._from_rank_arrays(pre.astype(np.int64), post.astype(np.int64), w, delay,
                               "from_arrays")
        self.connector_name = "from_arrays"
        self.connector_args = {"synapses": int(pre.size)}
        return self

    def _from_rank_arrays(self, pre, post, w, delay, where):
        """Install synapses given as whole-population rank arrays (checked)."""
        from engine.runtime.connectivity import CSR

        sizes = (self.pre_population.size, self.post_population.size)
        if not (len(pre) == len(post) == len(w) == len(delay)):
            raise NetworkError(f"{where}: arrays of different lengths ({len(pre)} pre, "
                               f"{len(post)} post, {len(w)} weights, {len(delay)} delays)")
        if len(pre) and (pre.min() < 0 or post.min() < 0 or pre.max() >= sizes[0]
                         or post.max() >= sizes[1]):
            raise NetworkError(f"{where}: ranks out of range (the projection goes from "
                               f"{sizes[0]} to {sizes[1]} neurons)")
        rows, cols = (pre, post) if self.rows == "pre" else (post, pre)
        order = np.lexsort((cols, rows))
        n_rows = sizes[0] if self.rows == "pre" else sizes[1]
        row_ptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=row_ptr[1:])
        fdt = self.network._float_dtype
        csr = CSR(row_ptr, cols[order].astype(np.int32), w[order].astype(fdt), delay[order],
                  self.rows, n_rows, sizes[1] if self.rows == "pre" else sizes[0])
        saved_pre, saved_post = self._pre_ranks, self._post_ranks
        self._pre_ranks = self._post_ranks = None  # whole-population ranks
        try:
            self._install(csr)
        finally:
            self._pre_ranks, self._post_ranks = saved_pre, saved_post

    def save_connectivity(self, filename):
        """Save the synapses (pre and post ranks, weights, delays in ms) to an
        ``.npz`` file, atomically, for :meth:`from_file`."""
        import os
        import tempfile

        self._require_connected()
        delays = (np.full(self._col.shape[0], self._delay_steps, np.int32)
                  if self._delays is None else self._delays) * self.network.dt
        w = self._arrays["w"]
        data = dict(format=np.array("neuroworkbench.connectivity"), version=np.array(1),
                    pre=self._pre_of_synapses(), post=self._post_of_synapses(),
                    w=np.broadcast_to(w, self._col.shape).astype(float), delay=delays,
                    pre_size=np.array(self.pre_population.size),
                    post_size=np.array(self.post_population.size))
        filename = os.fspath(filename)
        if not filename.endswith(".npz"):
            filename += ".npz"
        folder = os.path.dirname(os.path.abspath(filename))
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(fh, **data)
            os.replace(tmp, filename)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return filename

    def from_file(self, filename, pickle_encoding=None, storage_format=None,
                  storage_order=None):
        """Synapses from a file written by :meth:`save_connectivity`.

        Ranks are those of the whole pre and post populations. On a
        projection connected already, the file must list its synapses: their
        weights and delays are restored (:mod:`engine.runtime.projection_io`).
        Raises NetworkError for a missing, corrupt or mismatched file.
        """
        import zipfile

        try:
            with np.load(filename, allow_pickle=False) as f:
                if str(f["format"]) != "neuroworkbench.connectivity":
                    raise ValueError("not a connectivity file")
                pre, post = f["pre"].astype(np.int64), f["post"].astype(np.int64)
                w, delay = f["w"].astype(float), f["delay"].astype(float)
                sizes = int(f["pre_size"]), int(f["post_size"])
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise NetworkError(f"cannot read connectivity from {filename!r}: {exc}") from None
        if sizes != (self.pre_population.size, self.post_population.size):
            raise NetworkError(
                f"{filename!r} connects {sizes[0]} -> {sizes[1]} neurons, but projection "
                f"{self.name!r} goes from {self.pre_population.size} to "
                f"{self.post_population.size}")
        if self._row_ptr is not None:
            from engine.runtime.projection_io import refill_connected
            return refill_connected(self, filename, pre, post, w, delay)
        self._from_rank_arrays(pre, post, w, delay, f"{filename!r}")
        self.connector_name = "from_file"
        self.connector_args = {"filename": str(filename)}
        return self
