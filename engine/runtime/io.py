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
"""

from __future__ import annotations

import gzip
import io as _io
import os
import re
import tempfile
import zipfile
import zlib

import numpy as np

from engine.errors import NetworkFileError

__all__ = ["save", "load", "FORMAT", "VERSION"]

FORMAT = "neuroworkbench.network"
VERSION = 1

#: population internals whose shape depends on the projections and which
#: exist only once the network is compiled (delay buffers)
_DELAY_BUFFERS = ("hist", "hist_n", "rhist")

_HEADER = ("format", "version", "dt", "time", "current_step", "saved_populations",
           "saved_projections", "populations", "projections")


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
    path = os.fspath(filename)
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


# ---------------------------------------------------------------------------
# reading and checking a file
# ---------------------------------------------------------------------------
class _Bad(Exception):
    """A problem found in a file; turned into NetworkFileError with the file name."""


def _state_budget(net) -> int:
    """The most bytes a file of this network's state can hold uncompressed: its
    arrays (population and synaptic state, connectivity, delays), with room
    to spare. A larger archive is refused before it is inflated (zip bombs)."""
    total = 0
    for p in net._populations:
        total += sum(a.nbytes for a in p._arrays.values())
        total += sum(a.nbytes for a in p._internals.values())
        total += 8 * p.size * 4   # delay buffers not allocated yet, other precisions
    for j in net._projections:
        total += sum(a.nbytes for a in j._arrays.values())
        n = 0 if getattr(j, "_col", None) is None else j._col.size
        total += 8 * n * 4 + 8 * (j.post_population.size + j.pre_population.size + 2) * 4
    return 2 * total + (16 << 20)


def _read_limited(fh, limit: int) -> bytes:
    """All of a gzip stream, refusing it as soon as it passes ``limit`` bytes."""
    chunks, size = [], 0
    while True:
        chunk = fh.read(1 << 20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise _Bad(f"it inflates to more than {limit / 2**20:.0f} MB, more than this "
                       "network's state can take (a damaged or hostile file?)")
        chunks.append(chunk)


def _read(path: str, limit: int = 1 << 62) -> dict:
    if path.lower().endswith(".mat"):
        raise _Bad("'.mat' files are written for analysis (MATLAB, scipy.io.loadmat) and "
                   "cannot be loaded back, as in ANNarchy: save to a '.npz' file to reload")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            if head[:2] == b"\x1f\x8b":
                fh.seek(0)
                try:
                    with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                        raw = _read_limited(gz, limit)
                except (OSError, EOFError, zlib.error) as exc:
                    raise _Bad(f"corrupt or truncated gzip data ({exc})") from None
                source = _io.BytesIO(raw)
                head = raw[:8]
            else:
                source = path
    except FileNotFoundError:
        raise _Bad("no such file") from None
    except IsADirectoryError:
        raise _Bad("it is a directory") from None
    except OSError as exc:
        raise _Bad(f"cannot read it ({exc})") from None
    if head.startswith(b"MATLAB"):
        raise _Bad("it is a MATLAB file; '.mat' files cannot be loaded back (save to '.npz')")
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if not head:
            raise _Bad("the file is empty")
        raise _Bad("not a network file written by neuroworkbench's save() (not a .npz "
                   "archive, nor a gzip-compressed one)")
    try:
        with zipfile.ZipFile(source if isinstance(source, str) else _io.BytesIO(raw)) as zf:
            declared = sum(info.file_size for info in zf.infolist())
    except Exception as exc:  # BadZipFile, OSError...
        raise _Bad(f"corrupt or truncated archive ({type(exc).__name__}: {exc})") from None
    if declared > limit:
        raise _Bad(f"its entries declare {declared / 2**20:.0f} MB, more than this network's "
                   f"state can take ({limit / 2**20:.0f} MB; a damaged or hostile file?)")
    try:
        with np.load(source, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise _Bad("the archive holds Python objects, which are never unpickled "
                       "(not a neuroworkbench network file)") from None
        raise _Bad(f"corrupt or truncated archive ({exc})") from None
    except Exception as exc:  # BadZipFile, EOFError, zlib.error, OSError, MemoryError...
        raise _Bad(f"corrupt or truncated archive ({type(exc).__name__}: {exc})") from None
    for k, v in data.items():
        if not isinstance(v, np.ndarray):
            raise _Bad(f"entry {k!r} is not an array (not a neuroworkbench network file)")
    return data


class _Entries:
    """Typed access to the archive entries, remembering which were used."""

    def __init__(self, data: dict):
        self.data = data
        self.used: set[str] = set()

    def has(self, key) -> bool:
        return key in self.data

    def _get(self, key) -> np.ndarray:
        try:
            arr = self.data[key]
        except KeyError:
            raise _Bad(f"entry {key!r} is missing (truncated or not a neuroworkbench "
                       "network file)") from None
        self.used.add(key)
        return arr

    def array(self, key, kinds="biuf") -> np.ndarray:
        arr = self._get(key)
        if arr.dtype.kind not in kinds or arr.dtype.hasobject:
            raise _Bad(f"entry {key!r} has dtype {arr.dtype}, expected a numeric array")
        return arr

    def text(self, key) -> str:
        arr = self._get(key)
        if arr.dtype.kind != "U" or arr.ndim != 0:
            raise _Bad(f"entry {key!r} should be a text, got an array of {arr.dtype}")
        return str(arr[()])

    def names(self, key) -> list[str]:
        arr = self._get(key)
        if arr.dtype.kind != "U" or arr.ndim != 1:
            raise _Bad(f"entry {key!r} should be a list of names")
        return [str(x) for x in arr]

    def scalar(self, key, kinds):
        arr = self.array(key, kinds)
        if arr.ndim != 0:
            raise _Bad(f"entry {key!r} should be a single value, has shape {arr.shape}")
        return arr[()].item()

    def group(self, prefix) -> dict[str, np.ndarray]:
        """Entries ``prefix<name>`` as {name: array} (numeric only)."""
        out = {}
        for key in self.data:
            if key.startswith(prefix):
                name = key[len(prefix):]
                if not name or "/" in name:
                    raise _Bad(f"unexpected entry {key!r}")
                out[name] = self.array(key)
        return out


class _Pop:
    pass


class _Proj:
    pass


def _parse(data: dict):
    """Check the structure of a whole archive; returns (header, pops, projs)."""
    e = _Entries(data)
    fmt = e.text("format") if e.has("format") else None
    if fmt != FORMAT:
        raise _Bad("not a network file written by neuroworkbench's save() "
                   f"(format entry {fmt!r}, expected {FORMAT!r})")
    version = e.scalar("version", "iu")
    if version > VERSION:
        raise _Bad(f"written in format version {version} by a newer neuroworkbench; this "
                   f"version reads format {VERSION}: upgrade neuroworkbench")
    if version < 1:
        raise _Bad(f"invalid format version {version}")
    head = {
        "dt": float(e.scalar("dt", "f")),
        "time": float(e.scalar("time", "f")),
        "current_step": int(e.scalar("current_step", "iu")),
        "saved_populations": bool(e.scalar("saved_populations", "b")),
        "saved_projections": bool(e.scalar("saved_projections", "b")),
    }
    if not (np.isfinite(head["dt"]) and head["dt"] > 0):
        raise _Bad(f"invalid dt {head['dt']}")
    if head["current_step"] < 0 or not np.isfinite(head["time"]) or \
            abs(head["time"] - head["current_step"] * head["dt"]) > 1e-6 * max(1.0, head["time"]):
        raise _Bad(f"inconsistent clock (time {head['time']} ms, step {head['current_step']})")
    pops = []
    for i, name in enumerate(e.names("populations")):
        k = f"pop/{i}"
        p = _Pop()
        p.name = e.text(f"{k}/name")
        if p.name != name:
            raise _Bad(f"entry {k}/name is {p.name!r}, the index says {name!r}")
        p.model = e.text(f"{k}/model")
        geo = e.array(f"{k}/geometry", "iu")
        if geo.ndim != 1 or geo.size == 0 or (geo <= 0).any():
            raise _Bad(f"invalid geometry of population {name!r}")
        p.geometry = tuple(int(g) for g in geo)
        p.attrs = e.group(f"{k}/attr/")
        p.internals = e.group(f"{k}/internal/")
        pops.append(p)
    projs = []
    for i, name in enumerate(e.names("projections")):
        k = f"proj/{i}"
        j = _Proj()
        j.name = e.text(f"{k}/name")
        if j.name != name:
            raise _Bad(f"entry {k}/name is {j.name!r}, the index says {name!r}")
        for f in ("model", "pre", "post", "target", "rows"):
            setattr(j, f, e.text(f"{k}/{f}"))
        j.row_ptr = e.array(f"{k}/row_ptr", "iu")
        j.col = e.array(f"{k}/col", "iu")
        if j.row_ptr.ndim != 1 or j.col.ndim != 1 or j.row_ptr.size == 0 \
                or int(j.row_ptr[-1]) != j.col.size:
            raise _Bad(f"invalid connectivity arrays of projection {name!r}")
        j.delay_steps = int(e.scalar(f"{k}/delay_steps", "iu"))
        j.delays = e.array(f"{k}/delays", "iu") if e.has(f"{k}/delays") else None
        j.attrs = e.group(f"{k}/attr/")
        j.internals = e.group(f"{k}/internal/")
        projs.append(j)
    if not head["saved_populations"] and pops:
        raise _Bad("populations listed although saved_populations is false")
    if not head["saved_projections"] and projs:
        raise _Bad("projections listed although saved_projections is false")
    extra = sorted(set(data) - e.used)
    if extra:
        raise _Bad(f"unexpected entr{'y' if len(extra) == 1 else 'ies'} "
                   f"{', '.join(map(repr, extra[:5]))} (the file was modified or not written "
                   "by this version of neuroworkbench)")
    return head, pops, projs


# ---------------------------------------------------------------------------
# matching a file against the network, then applying it
# ---------------------------------------------------------------------------
def _same_names(kind, file_names, net_names):
    if sorted(file_names) != sorted(net_names) or len(set(net_names)) != len(net_names):
        only_file = [n for n in file_names if n not in net_names]
        only_net = [n for n in net_names if n not in file_names]
        parts = []
        if only_file:
            parts.append(f"the file has {kind} {', '.join(map(repr, only_file))} that the "
                         "network lacks")
        if only_net:
            parts.append(f"the network has {kind} {', '.join(map(repr, only_net))} that the "
                         "file lacks")
        raise _Bad("it was saved from another network: " + "; ".join(parts or ["names differ"]))


class _Plan:
    """Copies to make once everything is checked: (container, key, dest, src)."""

    def __init__(self, net):
        self.net = net
        self.copies = []

    def check(self, where, src, dest) -> None:
        if src.shape != dest.shape:
            raise _Bad(f"{where} has shape {src.shape} in the file, {dest.shape} in the network")
        if src.dtype == dest.dtype:
            return
        net = self.net
        if not net.compiled and dest.dtype.kind == "f" and src.dtype == net._float_dtype:
            return  # converted to the network's precision at compile anyway
        raise _Bad(f"{where} has dtype {src.dtype} in the file, {dest.dtype} in the network"
                   + (" (saved with another precision)" if src.dtype.kind == dest.dtype.kind == "f"
                      else ""))

    def add(self, container, key, src, where) -> None:
        dest = container[key]
        self.check(where, src, dest)
        self.copies.append((container, key, dest, src))

    def fill(self, container, key, value) -> None:
        dest = container[key]
        src = np.broadcast_to(np.asarray(value, dtype=dest.dtype), dest.shape)
        self.copies.append((container, key, dest, src))

    def apply(self) -> None:
        for container, key, dest, src in self.copies:
            if src.dtype == dest.dtype or dest.dtype.kind != "f":
                dest[...] = src
            else:  # uncompiled network whose precision changed: take the target precision
                container[key] = np.array(src, dtype=src.dtype)


def _check_spike_indices(who, size, saved, internals):
    """Integers that compiled code uses as indices must be in range: the
    neurons that spiked (``spk``, ``nspk``) and the spike history of delayed
    projections (``hist``, ``hist_n``). A file that is wrong there would make
    the loop read and write outside the arrays."""
    def bad(what):
        raise _Bad(f"{who}: {what} (a damaged file?)")

    nspk, spk = saved.get("nspk"), saved.get("spk")
    if nspk is not None and spk is not None:
        n = int(nspk.reshape(-1)[0]) if nspk.size else -1
        if not 0 <= n <= min(size, spk.size):
            bad(f"the count of spiking neurons is {n}, outside [0, {size}]")
        if n and (spk[:n].min() < 0 or spk[:n].max() >= size):
            bad(f"a spiking neuron's rank is outside [0, {size})")
    hist_n, hist = saved.get("hist_n"), saved.get("hist")
    dest = internals.get("hist")
    if hist_n is not None and hist is not None and dest is not None \
            and hist.shape == dest.shape and hist.ndim == 2:
        if hist_n.min(initial=0) < 0 or hist_n.max(initial=0) > min(size, hist.shape[1]):
            bad(f"a count of the spike history is outside [0, {size}]")
        for slot, n in enumerate(hist_n.tolist()):
            if n and (hist[slot, :n].min() < 0 or hist[slot, :n].max() >= size):
                bad(f"a rank in the spike history is outside [0, {size})")
    refr = saved.get("refr")
    if refr is not None and refr.size and refr.min() < 0:
        bad("a refractory countdown is negative")


def _plan_populations(net, plan, pops, projs):
    _same_names("population(s)", [p.name for p in pops], [p.name for p in net._populations])
    loaded_r = {}
    for rec in pops:
        pop = net.get_population(rec.name)
        who = f"population {pop.name!r}"
        if rec.model != pop.ir.name:
            raise _Bad(f"{who} uses neuron model {rec.model!r} in the file, {pop.ir.name!r} "
                       "in the network")
        if rec.geometry != pop.geometry:
            raise _Bad(f"{who} has geometry {rec.geometry} in the file, {pop.geometry} in "
                       "the network")
        if set(rec.attrs) != set(pop._arrays):
            missing = sorted(set(pop._arrays) - set(rec.attrs))
            extra = sorted(set(rec.attrs) - set(pop._arrays))
            raise _Bad(f"{who} has other attributes in the file"
                       + (f"; missing: {', '.join(missing)}" if missing else "")
                       + (f"; unknown: {', '.join(extra)}" if extra else ""))
        for name, src in rec.attrs.items():
            plan.add(pop._arrays, name, src, f"attribute '{name}' of {who}")
        if "r" in rec.attrs:
            loaded_r[pop.name] = rec.attrs["r"]
        for name in sorted(set(rec.internals) | set(pop._internals)):
            src, dest = rec.internals.get(name), pop._internals.get(name)
            if name in _DELAY_BUFFERS:
                if dest is None:
                    continue  # not compiled: compile() creates empty buffers
                if src is not None and src.shape == dest.shape and src.dtype == dest.dtype:
                    plan.add(pop._internals, name, src, f"buffer '{name}' of {who}")
                elif name == "rhist":  # empty rate history: the current rates, as compile()
                    plan.fill(pop._internals, name, loaded_r.get(pop.name, pop._arrays["r"]))
                else:
                    plan.fill(pop._internals, name, 0)
                continue
            if src is None:
                raise _Bad(f"the file lacks the internal state '{name}' of {who} (written "
                           "by another version of neuroworkbench?)")
            if dest is None:
                raise _Bad(f"the file has an internal state '{name}' for {who} that this "
                           "network does not use")
            plan.add(pop._internals, name, src, f"internal state '{name}' of {who}")
        _check_spike_indices(who, pop.size, rec.internals, pop._internals)
    # synaptic events in flight (per-synapse delays) follow the clock
    saved = {j.name: j for j in projs}
    for proj in net._projections:
        ring = getattr(proj, "_ring", None)
        if ring is None:
            continue
        src = saved[proj.name].internals.get("ring") if proj.name in saved else None
        if src is not None and src.shape == ring.shape and src.dtype == ring.dtype:
            plan.copies.append((proj.__dict__, "_ring", ring, src))
        else:
            plan.fill(proj.__dict__, "_ring", 0)


def _plan_projections(net, plan, projs):
    _same_names("projection(s)", [j.name for j in projs], [j.name for j in net._projections])
    for rec in projs:
        proj = net.get_projection(rec.name)
        who = f"projection {proj.name!r}"
        if proj._row_ptr is None:
            raise _Bad(f"{who} has no synapses in the network yet: call its connector "
                       "method (the same as when saving) before load()")
        for label, mine in (("synapse model", proj.ir.name),
                            ("pre-synaptic population", proj.pre_population.name),
                            ("post-synaptic population", proj.post_population.name),
                            ("target", proj.target), ("row order", proj.rows)):
            theirs = {"synapse model": rec.model, "pre-synaptic population": rec.pre,
                      "post-synaptic population": rec.post, "target": rec.target,
                      "row order": rec.rows}[label]
            if theirs != mine:
                raise _Bad(f"{who} has {label} {theirs!r} in the file, {mine!r} in the network")
        same = (rec.row_ptr.shape == proj._row_ptr.shape and rec.col.shape == proj._col.shape
                and np.array_equal(rec.row_ptr, proj._row_ptr)
                and np.array_equal(rec.col, proj._col))
        if not same:
            raise _Bad(
                f"{who} has another connectivity in the file ({rec.col.size} synapses, "
                f"{proj._col.size} in the network, or other pre/post pairs). Loading restores "
                "values onto the same synapses only (as ANNarchy): rebuild the network with "
                "the connector and seed used when saving")
        if rec.delay_steps != proj._delay_steps or (rec.delays is None) != (proj._delays is None) \
                or (rec.delays is not None and not np.array_equal(rec.delays, proj._delays)):
            raise _Bad(f"{who} has other synaptic delays in the file; delays are part of the "
                       "structure and are not loaded")
        if set(rec.attrs) != set(proj._arrays):
            raise _Bad(f"{who} has attributes {sorted(rec.attrs)} in the file, "
                       f"{sorted(proj._arrays)} in the network")
        for name, src in rec.attrs.items():
            plan.add(proj._arrays, name, src, f"attribute '{name}' of {who}")
        unknown = set(rec.internals) - {"rng", "ring", "last"}
        if unknown:
            raise _Bad(f"unknown internal state {sorted(unknown)} of {who}")
        rng = getattr(proj, "_rng", None)
        if rng is not None and "rng" in rec.internals:
            plan.add(proj.__dict__, "_rng", rec.internals["rng"], f"random stream of {who}")
        last = getattr(proj, "_last", None)
        if last is not None and "last" in rec.internals:
            plan.add(proj.__dict__, "_last", rec.internals["last"], f"event times of {who}")


def load(net, filename, populations: bool = True, projections: bool = True,
         pickle_encoding=None) -> None:
    """Load a file written by :func:`save` into ``net`` (see the module documentation).

    ``pickle_encoding`` is accepted for ANNarchy compatibility and ignored:
    nothing is ever unpickled.
    """
    path = os.fspath(filename)
    try:
        head, pops, projs = _parse(_read(path, _state_budget(net)))
        if abs(head["dt"] - net.dt) > 1e-12 * max(1.0, net.dt):
            raise _Bad(f"saved with dt = {head['dt']} ms, the network has dt = {net.dt} ms")
        plan = _Plan(net)
        if populations:
            if not head["saved_populations"]:
                raise _Bad("it holds no population data (saved with populations=False); "
                           "load it with populations=False")
            _plan_populations(net, plan, pops, projs)
        if projections:
            if not head["saved_projections"]:
                raise _Bad("it holds no projection data (saved with projections=False); "
                           "load it with projections=False")
            _plan_projections(net, plan, projs)
    except _Bad as exc:
        raise NetworkFileError(f"cannot load {path!r}: {exc}") from None
    plan.apply()
    if populations:
        net.current_step = int(head["current_step"])
