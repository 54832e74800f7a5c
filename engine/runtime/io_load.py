"""Loading a saved state (``net.load``): the file is read and checked as a
whole, matched against the network, and only then applied. The archive
layout and the rules are in :mod:`engine.runtime.io`, which saves.
"""

from __future__ import annotations

import gzip
import io as _io
import os
import zipfile
import zlib

import numpy as np

from engine.codegen.population_code import is_delay_buffer
from engine.errors import NetworkFileError

FORMAT = "neuroworkbench.network"
VERSION = 1

#: population internals whose shape depends on the projections and which
#: exist only once the network is compiled (delay buffers)

_HEADER = ("format", "version", "dt", "time", "current_step", "saved_populations",
           "saved_projections", "populations", "projections")


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

    def version(self, newest: int) -> int:
        """The ``version`` entry, refused above ``newest`` (a newer writer) or below 1."""
        version = self.scalar("version", "iu")
        if version > newest:
            raise _Bad(f"written in format version {version} by a newer neuroworkbench; this "
                       f"version reads format {newest}: upgrade neuroworkbench")
        if version < 1:
            raise _Bad(f"invalid format version {version}")
        return version

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
    e.version(VERSION)
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


def _check_state_ranges(who, size, saved, step):
    """The rest of the internal state a compiled loop trusts: values no run
    can produce would give a silently wrong result (or, for the flags beyond
    the last neuron, writes outside the arrays).

    - spike flags: 0 or 1, and 0 in the padding after the last neuron (the
      spike scan reads 8 flags at a time and would take a padding flag for a
      neuron beyond the population);
    - the random generator state: never all zero (xoshiro256** would then
      give only zeros);
    - last spike steps: not after the saved time; refractory periods: finite
      and >= 0 (as when they are assigned);
    - the firing-rate window (compute_firing_rate): a window of 1 to
      (ring length - 1) steps, write positions >= 0, and counts between 0
      and both the window and the spikes written.
    """
    def bad(what):
        raise _Bad(f"{who}: {what} (a damaged file?)")

    flag = saved.get("flag")
    if flag is not None and flag.size:
        if flag.max() > 1:
            bad("a spike flag is neither 0 nor 1")
        if flag[size:].any():
            bad(f"a spike flag is set after the last neuron (rank {size - 1})")
    rng = saved.get("rng")
    if rng is not None and rng.size and not rng.any():
        bad("its random generator state is all zero (it would only draw zeros)")
    last = saved.get("last_spike")
    if last is not None and last.size and last.max() > step:
        bad(f"a last spike is at step {int(last.max())}, after the saved time (step {step})")
    refractory = saved.get("refractory")
    if refractory is not None and refractory.size and refractory.dtype.kind == "f" and (
            not np.isfinite(refractory).all() or refractory.min() < 0):
        bad("a refractory period is negative or not a finite number of ms")
    window, ring = saved.get("fr_window"), saved.get("fr_ring")
    if window is not None and ring is not None and ring.ndim == 2:
        w = int(window.reshape(-1)[0]) if window.size else 0
        if not 1 <= w <= ring.shape[1] - 1:
            bad(f"the firing-rate window is {w} steps, outside [1, {ring.shape[1] - 1}]")
        scale = saved.get("fr_scale")
        if scale is not None and (not np.isfinite(scale).all() or (scale <= 0).any()):
            bad("the firing-rate scale is not a finite number > 0")
        head, count = saved.get("fr_head"), saved.get("fr_count")
        if head is not None and head.size and head.min() < 0:
            bad("a firing-rate write position is negative")
        if count is not None and count.size:
            if count.min() < 0 or count.max() > w:
                bad(f"a firing-rate spike count is outside [0, {w}] (the window)")
            if head is not None and head.shape == count.shape and (count > head).any():
                bad("a firing-rate spike count is larger than the spikes written")


def _plan_populations(net, plan, pops, projs, step=0):
    _same_names("population(s)", [p.name for p in pops], [p.name for p in net._populations])
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
        for name in sorted(set(rec.internals) | set(pop._internals)):
            src, dest = rec.internals.get(name), pop._internals.get(name)
            if is_delay_buffer(name) or name.startswith("gop_"):
                if dest is None:
                    continue  # not compiled: compile() creates empty buffers
                if src is not None and src.shape == dest.shape and src.dtype == dest.dtype:
                    plan.add(pop._internals, name, src, f"buffer '{name}' of {who}")
                elif name.startswith("rhist"):  # empty history: the current values, as compile()
                    attr = "r" if name == "rhist" else name[len("rhist_"):]
                    plan.fill(pop._internals, name, rec.attrs.get(attr, pop._arrays[attr]))
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
        _check_state_ranges(who, pop.size, rec.internals, step)
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
                            ("target", str(proj.target)), ("row order", proj.rows)):
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
            if rec.internals["rng"].size and not rec.internals["rng"].any():
                raise _Bad(f"{who}: its random generator state is all zero (it would only "
                           "draw zeros; a damaged file?)")
            plan.add(proj.__dict__, "_rng", rec.internals["rng"], f"random stream of {who}")
        last = getattr(proj, "_last", None)
        if last is not None and "last" in rec.internals:
            plan.add(proj.__dict__, "_last", rec.internals["last"], f"event times of {who}")


def _path(filename, what: str) -> str:
    """``filename`` as a path (str, bytes or os.PathLike), else the engine's error."""
    try:
        path = os.fspath(filename)
    except TypeError:
        raise NetworkFileError(f"{what}() needs a file name (a str or a pathlib.Path), got "
                               f"{type(filename).__name__} {filename!r:.60}") from None
    return os.fsdecode(path) if isinstance(path, bytes) else path


def load(net, filename, populations: bool = True, projections: bool = True,
         pickle_encoding=None) -> None:
    """Load a file written by :func:`save` into ``net`` (see the module documentation).

    ``pickle_encoding`` is accepted for ANNarchy compatibility and ignored:
    nothing is ever unpickled.
    """
    path = _path(filename, "load")
    try:
        head, pops, projs = _parse(_read(path, _state_budget(net)))
        if abs(head["dt"] - net.dt) > 1e-12 * max(1.0, net.dt):
            raise _Bad(f"saved with dt = {head['dt']} ms, the network has dt = {net.dt} ms")
        plan = _Plan(net)
        if populations:
            if not head["saved_populations"]:
                raise _Bad("it holds no population data (saved with populations=False); "
                           "load it with populations=False")
            _plan_populations(net, plan, pops, projs, int(head["current_step"]))
        if projections:
            if not head["saved_projections"]:
                raise _Bad("it holds no projection data (saved with projections=False); "
                           "load it with projections=False")
            _plan_projections(net, plan, projs)
    except _Bad as exc:
        raise NetworkFileError(f"cannot load {path!r}: {exc}") from None
    plan.apply()
    if populations:
        net._step = int(head["current_step"])
