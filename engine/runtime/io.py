"""Saving and loading the state of a network (``net.save`` / ``net.load``).

Formats, chosen by the extension of the file name as in ANNarchy:

``.npz``
    A NumPy archive compressed with :func:`numpy.savez_compressed`
    (recommended).
``.gz``
    The same archive stored uncompressed and gzip-compressed as a whole:
    ``gunzip net.gz`` gives a plain ``.npz``. (ANNarchy pickles here; we never
    pickle, so a file from elsewhere cannot run code when loaded.)
``.mat``
    A MATLAB 5 file written by :func:`scipy.io.savemat`, one struct per
    population and projection, for analysis only: like ANNarchy, it cannot be
    loaded back.
anything else
    The ``.npz`` content under the given name (``net.save('init.data')``).

Every save is atomic: the file is written to a temporary file in the same
folder, flushed to disk and renamed over the target, so a crash or an error
in the middle leaves any previous file intact.

Archive layout (format ``neuroworkbench.network``, version 1). Every entry is a
plain numeric or unicode array, so loading uses ``allow_pickle=False``::

    format, version, dt, time, current_step
    saved_populations, saved_projections      booleans (the save() flags)
    populations, projections                  names, in network order
    pop/<i>/{name, model, geometry}
    pop/<i>/attr/<attribute>                  parameters and variables (flat, rank order)
    pop/<i>/internal/<name>                   refractory counters and periods, last
                                              spikes, random stream, current spikes,
                                              delay buffers of compiled networks...
    proj/<i>/{name, model, pre, post, target, rows}
    proj/<i>/{row_ptr, col, delay_steps[, delays]}
    proj/<i>/attr/<attribute>                 w and the other synaptic attributes
    proj/<i>/internal/{rng, ring}             compiled networks only

Loading (``net.load(filename, populations=True, projections=True)``):

* The whole file is read and checked before anything changes; any problem
  (unreadable, truncated, corrupt, another format, a newer version, another
  ``dt``, or a network that differs) raises :class:`NetworkFileError` naming the
  file and the first difference, and the network stays as it was, runnable.
* ``populations=True``: the file must hold exactly the network's populations
  (names, neuron models, geometries, attribute names, shapes and dtypes). It
  restores every attribute, the internal state (refractory counters, last
  spikes, random streams, the spikes of the last step), the spikes and rates
  in flight in delay buffers, and the clock (``time``, ``current_step``). A
  delay buffer whose shape differs from the saved one (other delays), or that
  the file lacks, is emptied instead: events in flight belong to the saved clock.
* ``projections=True``: the file must hold exactly the network's projections
  with the same pre/post populations, target and synapse model, and the same
  connectivity (row pointers, columns and delays). As in ANNarchy, loading
  restores synaptic values onto the existing structure only; it never rebuilds
  connectivity (rebuild the network with the same connector and seed instead).
  It restores every synaptic attribute and the projection's random stream.
* Loading into a network that is not compiled yet restores attributes and
  population internals; delay buffers and projection random streams are
  created fresh by ``compile()``, so for an exact continuation (the same
  spikes as an uninterrupted run) load into a compiled network.

Loading lives in :mod:`engine.runtime.io_load`; this module saves.
"""

from __future__ import annotations

import gzip
import io as _io
import os
import re
import tempfile

import numpy as np

from engine.errors import NetworkFileError
from engine.runtime.io_load import FORMAT, VERSION, _path, load

__all__ = ["save", "load", "FORMAT", "VERSION"]


# ---------------------------------------------------------------------------
# saving
# ---------------------------------------------------------------------------
def _text(value) -> np.ndarray:
    return np.array(str(value))


def _names(names) -> np.ndarray:
    names = [str(n) for n in names]
    return np.array(names) if names else np.zeros(0, dtype="<U1")


def _collect(net, populations: bool, projections: bool) -> dict:
    """The archive entries of ``net`` (arrays are the live ones, not copies)."""
    data = {
        "format": _text(FORMAT),
        "version": np.array(VERSION, dtype=np.int64),
        "dt": np.array(float(net.dt)),
        "time": np.array(float(net.time)),
        "current_step": np.array(int(net.current_step), dtype=np.int64),
        "saved_populations": np.array(bool(populations)),
        "saved_projections": np.array(bool(projections)),
        "populations": _names(p.name for p in net._populations) if populations else _names([]),
        "projections": _names(j.name for j in net._projections) if projections else _names([]),
    }
    if populations:
        for i, pop in enumerate(net._populations):
            k = f"pop/{i}"
            data[f"{k}/name"] = _text(pop.name)
            data[f"{k}/model"] = _text(pop.ir.name)
            data[f"{k}/geometry"] = np.array(pop.geometry, dtype=np.int64)
            for name, arr in pop._arrays.items():
                data[f"{k}/attr/{name}"] = arr
            for name, arr in pop._internals.items():
                data[f"{k}/internal/{name}"] = arr
    if projections:
        for i, proj in enumerate(net._projections):
            if proj._row_ptr is None:
                raise NetworkFileError(
                    f"cannot save: projection {proj.name!r} has no synapses yet (call a "
                    "connector method first, or save with projections=False)")
            k = f"proj/{i}"
            data[f"{k}/name"] = _text(proj.name)
            data[f"{k}/model"] = _text(proj.ir.name)
            data[f"{k}/pre"] = _text(proj.pre_population.name)
            data[f"{k}/post"] = _text(proj.post_population.name)
            data[f"{k}/target"] = _text(proj.target)
            data[f"{k}/rows"] = _text(proj.rows)
            data[f"{k}/row_ptr"] = proj._row_ptr
            data[f"{k}/col"] = proj._col
            data[f"{k}/delay_steps"] = np.array(int(proj._delay_steps), dtype=np.int64)
            if proj._delays is not None:
                data[f"{k}/delays"] = proj._delays
            for name, arr in proj._arrays.items():
                data[f"{k}/attr/{name}"] = arr
            rng = getattr(proj, "_rng", None)
            if rng is not None:
                data[f"{k}/internal/rng"] = rng
            ring = getattr(proj, "_ring", None)
            if ring is not None:
                data[f"{k}/internal/ring"] = ring
            last = getattr(proj, "_last", None)
            if last is not None:  # last event step of each synapse (event-driven variables)
                data[f"{k}/internal/last"] = last
    return data


def _field_names(names) -> list[str]:
    """MATLAB struct field names (letters, digits, '_'; start with a letter; unique)."""
    out, seen = [], set()
    for n in names:
        f = re.sub(r"\W", "_", str(n), flags=re.ASCII) or "x"
        if not f[0].isalpha():
            f = "x" + f
        f = f[:60]
        base, k = f, 1
        while f in seen:
            f = f"{base[:56]}_{k}"
            k += 1
        seen.add(f)
        out.append(f)
    return out


def _put(d: dict, name: str, value) -> None:
    """Add a model attribute to a struct without hiding the metadata fields."""
    while name in d:
        name += "_"
    d[name] = value


def _mat_dict(net, populations: bool, projections: bool) -> dict:
    mdict = {"format": FORMAT, "version": VERSION, "dt": float(net.dt),
             "time": float(net.time), "current_step": int(net.current_step)}
    if populations and net._populations:
        pops = {}
        for field, pop in zip(_field_names(p.name for p in net._populations), net._populations):
            d = {"name": pop.name, "model": pop.ir.name,
                 "geometry": np.array(pop.geometry, dtype=np.int64)}
            for name in ("refractory", "last_spike"):
                if name in pop._internals:
                    d[name] = pop._internals[name]
            for name, arr in pop._arrays.items():
                _put(d, name, arr.reshape(pop.geometry) if arr.size == pop.size else arr)
            pops[field] = d
        mdict["populations"] = pops
    if projections and net._projections:
        projs = {}
        for field, proj in zip(_field_names(j.name for j in net._projections),
                               net._projections):
            if proj._row_ptr is None:
                raise NetworkFileError(f"cannot save: projection {proj.name!r} has no synapses yet")
            d = {"name": proj.name, "model": proj.ir.name, "pre": proj.pre_population.name,
                 "post": proj.post_population.name, "target": proj.target,
                 "pre_ranks": proj._pre_of_synapses(), "post_ranks": proj._post_of_synapses(),
                 "delay": (proj._delays if proj._delays is not None
                           else np.full(proj._col.shape[0], proj._delay_steps)) * net.dt}
            for name, arr in proj._arrays.items():
                _put(d, name, arr)
            projs[field] = d
        mdict["projections"] = projs
    return mdict


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: str, write) -> None:
    """Call ``write(binary_file)`` on a temporary file next to ``path``, then
    fsync it and rename it over ``path`` (atomic on POSIX and Windows)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable (POSIX)
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _write_npz(fh, data: dict) -> None:
    np.savez_compressed(fh, **data)


def _write_gz(fh, data: dict) -> None:
    buf = _io.BytesIO()
    np.savez(buf, **data)
    with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(buf.getbuffer())


def _write_mat(fh, mdict: dict) -> None:
    try:
        from scipy.io import savemat
    except ImportError as exc:  # pragma: no cover - scipy is a dependency
        raise NetworkFileError("saving a .mat file needs scipy (pip install scipy)") from exc
    savemat(fh, mdict, do_compression=True, long_field_names=True)


def save(net, filename, populations: bool = True, projections: bool = True) -> None:
    """Save the state of ``net`` to ``filename`` (see the module documentation)."""
    path = _path(filename, "save")
    lower = path.lower()
    if lower.endswith(".mat"):
        payload = _mat_dict(net, populations, projections)
        writer = _write_mat
    else:
        payload = _collect(net, populations, projections)
        writer = _write_gz if lower.endswith(".gz") else _write_npz
    try:
        _atomic_write(path, lambda fh: writer(fh, payload))
    except OSError as exc:
        raise NetworkFileError(f"cannot write {path!r}: {exc}") from exc
