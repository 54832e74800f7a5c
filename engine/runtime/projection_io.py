"""Saving and loading one projection: ``proj.save(filename)``,
``proj.load(filename)``, and ``proj.from_file`` on a connected projection.

ANNarchy's ``Projection.save`` writes a projection's connectivity and every
synaptic attribute, dendrite by dendrite; ``Projection.load`` sets the values
back into the same projection. The engine does the same, with the file
handling of :meth:`Network.save` (:mod:`engine.runtime.io`):

* the format follows the extension: ``.npz`` (compressed NumPy archive),
  ``.gz`` (``.txt.gz``: the archive gzip-compressed as a whole), ``.mat``
  (MATLAB, for analysis only: it cannot be loaded back), anything else
  (``.data``...) the ``.npz`` content under that name. ANNarchy pickles
  ``.data`` and ``.gz`` files; a pickle can run code when it is read, so the
  engine never writes nor reads one (an ANNarchy pickle is refused by name);
* writes are atomic (a temporary file renamed over the target);
* loads trust nothing: the whole file is read (size-limited, no pickles) and
  checked, then matched against the projection, and only then written.

Archive layout (format ``neuroworkbench.projection``, version 1), every entry
a plain numeric or unicode array::

    format, version, dt                    dt: for information (delays are in ms)
    name, model, pre, post                 texts, for the messages
    targets                                names
    pre_size, post_size                    sizes of the whole pre/post populations
    post_ranks                             the dendrites (post ranks, increasing)
    dendrite_ptr                           synapses of dendrite i: [ptr[i], ptr[i+1])
    pre_ranks                              pre rank of each synapse, dendrite by dendrite
    delay                                  ms: one number (uniform), or one per synapse
    attributes, localities                 names of the synaptic attributes, and
                                           'local' / 'semiglobal' / 'global' each
    attr/<name>                            local: one value per synapse (dendrite
                                           order); semiglobal: one per dendrite;
                                           global: one value

Loading (``proj.load``) refuses, with :class:`NetworkFileError` and nothing
changed, a file whose populations sizes, dendrites (post ranks) or pre ranks
per dendrite differ from the projection's (as ANNarchy compares them; the
engine never rebuilds connectivity on load: rebuild with the connector and
seed used when saving), or whose attributes differ (names, scopes, kinds).
It restores every synaptic attribute and the delays (through the rules of
``proj.delay = ...``: after ``compile()``, delays that need other buffers
are refused). The random streams and the event times of the synapses are
not part of a projection file: use ``net.save`` for an exact continuation.

``proj.from_file(filename)`` on a projection that is connected already (in
ANNarchy a no-op that warns, once compiled) restores the weights and delays
of a :meth:`save_connectivity` file when the file lists the same synapses,
and otherwise says why it cannot.
"""

from __future__ import annotations

import gzip

import numpy as np

from engine.errors import NetworkError, NetworkFileError
from engine.runtime.io import _atomic_write, _names, _put, _text, _write_gz, _write_mat, \
    _write_npz
from engine.runtime.io_load import _Bad, _Entries, _path, _read
from engine.runtime.projection_delays import set_delays

__all__ = ["save", "load", "refill_connected", "FORMAT", "VERSION"]

FORMAT = "neuroworkbench.projection"
VERSION = 1
_LOCALITIES = ("local", "semiglobal", "global")
_OTHER_FORMATS = {
    "neuroworkbench.network": "it is a network file: load it with net.load()",
    "neuroworkbench.connectivity": "it is a connectivity file (save_connectivity()): "
                                   "load it with proj.from_file()",
}


# ---------------------------------------------------------------------------
# saving
# ---------------------------------------------------------------------------
def _layout(proj):
    """(order, ranks, counts): storage index of each synapse in dendrite
    order, the dendrites' post ranks, and their sizes."""
    order, row_ptr, ranks = proj._dendrite_index()
    ranks = np.asarray(ranks, dtype=np.int64)
    counts = np.diff(row_ptr)[ranks] if ranks.size else np.zeros(0, dtype=np.int64)
    return np.asarray(order, dtype=np.int64), ranks, counts.astype(np.int64)


def _delays_ms(proj, order) -> np.ndarray:
    dt = proj.network.dt
    if proj._delays is None:
        return np.array(float(proj._delay_steps * dt))
    return proj._delays[order].astype(np.float64) * dt


def _values(proj, name, order, ranks) -> np.ndarray:
    arr = proj._arrays[name]
    locality = proj.ir.variable(name).locality
    if locality == "global":
        return arr[:1].copy()
    if locality == "semiglobal":
        return arr[ranks]
    return arr[order]


def _collect(proj) -> dict:
    order, ranks, counts = _layout(proj)
    ptr = np.zeros(ranks.size + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    names = list(proj._arrays)
    data = {
        "format": _text(FORMAT), "version": np.array(VERSION, dtype=np.int64),
        "dt": np.array(float(proj.network.dt)),
        "name": _text(proj.name), "model": _text(proj.ir.name),
        "pre": _text(proj.pre_population.name), "post": _text(proj.post_population.name),
        "targets": _names(proj.targets),
        "pre_size": np.array(proj.pre_population.size, dtype=np.int64),
        "post_size": np.array(proj.post_population.size, dtype=np.int64),
        "post_ranks": ranks, "dendrite_ptr": ptr,
        "pre_ranks": proj._pre_of_synapses()[order],
        "delay": _delays_ms(proj, order),
        "attributes": _names(names),
        "localities": _names(proj.ir.variable(n).locality for n in names),
    }
    for name in names:
        data[f"attr/{name}"] = _values(proj, name, order, ranks)
    return data


def _mat_dict(data: dict) -> dict:
    """The archive as one MATLAB struct (attributes beside the metadata)."""
    out = {k: (str(v[()]) if v.dtype.kind == "U" and v.ndim == 0 else v)
           for k, v in data.items() if not k.startswith("attr/")}
    for k, v in data.items():
        if k.startswith("attr/"):
            _put(out, k[len("attr/"):], v)
    return {"projection": out}


def save(proj, filename) -> None:
    """Write ``proj`` to ``filename`` (see the module documentation)."""
    path = _path(filename, "save")
    if proj._row_ptr is None:
        raise NetworkFileError(f"cannot save projection {proj.name!r}: it has no synapses yet "
                               "(call a connector method first)")
    data = _collect(proj)
    lower = path.lower()
    if lower.endswith(".mat"):
        payload, writer = _mat_dict(data), _write_mat
    else:
        payload, writer = data, (_write_gz if lower.endswith(".gz") else _write_npz)
    try:
        _atomic_write(path, lambda fh: writer(fh, payload))
    except OSError as exc:
        raise NetworkFileError(f"cannot write {path!r}: {exc}") from exc


# ---------------------------------------------------------------------------
# reading and checking a file
# ---------------------------------------------------------------------------
def _looks_pickled(path: str) -> bool:
    """ANNarchy's ``.data``/``.gz`` files are pickles (protocol 2 or later
    starts with 0x80 and the protocol number), gzip-compressed or not."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
            if head == b"\x1f\x8b":
                fh.seek(0)
                with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                    head = gz.read(2)
    except (OSError, EOFError):
        return False
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def _budget(proj) -> int:
    """The most bytes a file of this projection can inflate to (zip bombs)."""
    nnz = proj._col.size
    total = sum(a.nbytes for a in proj._arrays.values()) + 8 * nnz * 4
    total += 8 * (proj.post_population.size + 2) * 4 * (2 + len(proj._arrays))
    return 2 * total + (16 << 20)


class _File:
    """The checked content of a projection file."""


def _parse(data: dict) -> _File:
    e = _Entries(data)
    fmt = e.text("format") if e.has("format") else None
    if fmt != FORMAT:
        hint = _OTHER_FORMATS.get(fmt, f"format entry {fmt!r}, expected {FORMAT!r}")
        raise _Bad(f"not a projection file written by proj.save() ({hint})")
    e.version(VERSION)
    f = _File()
    e.scalar("dt", "f")
    f.name = e.text("name")
    for key in ("model", "pre", "post"):
        e.text(key)
    e.names("targets")
    f.pre_size, f.post_size = int(e.scalar("pre_size", "iu")), int(e.scalar("post_size", "iu"))
    f.post_ranks = e.array("post_ranks", "iu").astype(np.int64)
    ptr = e.array("dendrite_ptr", "iu").astype(np.int64)
    f.pre_ranks = e.array("pre_ranks", "iu").astype(np.int64)
    n_dend, nnz = f.post_ranks.size, f.pre_ranks.size
    if f.post_ranks.ndim != 1 or ptr.ndim != 1 or f.pre_ranks.ndim != 1 \
            or ptr.size != n_dend + 1 or ptr[0] != 0 or ptr[-1] != nnz \
            or (np.diff(ptr) < 0).any():
        raise _Bad("invalid connectivity arrays (post_ranks, dendrite_ptr, pre_ranks)")
    if n_dend and ((np.diff(f.post_ranks) <= 0).any() or f.post_ranks[0] < 0
                   or f.post_ranks[-1] >= f.post_size):
        raise _Bad(f"post ranks must increase within [0, {f.post_size})")
    if nnz and (f.pre_ranks.min() < 0 or f.pre_ranks.max() >= f.pre_size):
        raise _Bad(f"a pre rank is outside [0, {f.pre_size})")
    f.counts = np.diff(ptr)
    f.post_of = np.repeat(f.post_ranks, f.counts)
    delay = e.array("delay", "iuf").astype(np.float64)
    if delay.shape not in ((), (nnz,)):
        raise _Bad(f"'delay' has shape {delay.shape}: one number or one per synapse ({nnz})")
    if delay.size and (not np.isfinite(delay).all() or delay.min() < 0):
        raise _Bad("a delay is negative or not a finite number of ms")
    f.delay = delay
    names, localities = e.names("attributes"), e.names("localities")
    if len(names) != len(localities) or len(set(names)) != len(names) \
            or any(loc not in _LOCALITIES for loc in localities):
        raise _Bad("invalid list of attributes and their scopes")
    f.attrs, f.localities = {}, dict(zip(names, localities))
    expected = {"local": (nnz,), "semiglobal": (n_dend,), "global": (1,)}
    for name, loc in f.localities.items():
        arr = e.array(f"attr/{name}", "biuf")
        if arr.shape != expected[loc]:
            raise _Bad(f"attribute '{name}' ({loc}) has shape {arr.shape}, expected "
                       f"{expected[loc]}")
        f.attrs[name] = arr
    extra = sorted(set(data) - e.used)
    if extra:
        raise _Bad(f"unexpected entr{'y' if len(extra) == 1 else 'ies'} "
                   f"{', '.join(map(repr, extra[:5]))} (the file was modified or not written "
                   "by this version of neuroworkbench)")
    return f


def _read_file(proj, path: str) -> _File:
    if _looks_pickled(path):
        raise _Bad("it is a Python pickle (ANNarchy's '.data' and '.gz' formats); a pickle can "
                   "run code when it is read, so the engine never reads one. Save the "
                   "projection with the engine's proj.save() (any extension)")
    try:
        data = _read(path, _budget(proj))
    except _Bad as exc:   # the reader of network files words its messages for them
        raise _Bad(str(exc).replace("a network file written by neuroworkbench's save()",
                                    "a projection file written by proj.save()")
                   .replace("network file", "projection file")) from None
    return _parse(data)


# ---------------------------------------------------------------------------
# matching synapses, and writing values
# ---------------------------------------------------------------------------
def _short(values, n=8) -> str:
    values = [int(v) for v in values]
    return str(values[:n])[:-1] + (", ...]" if len(values) > n else "]")


def _match(proj, post_f, pre_f) -> np.ndarray:
    """Storage index of each synapse given by (post, pre) rank arrays, which
    must list exactly the projection's synapses (in any order; a pair that
    occurs k times in the projection must occur k times). Raises _Bad with
    the first difference."""
    post_s, pre_s = proj._post_of_synapses(), proj._pre_of_synapses()
    ks, kf = np.lexsort((pre_s, post_s)), np.lexsort((pre_f, post_f))
    if post_f.size == post_s.size and np.array_equal(post_s[ks], post_f[kf]) \
            and np.array_equal(pre_s[ks], pre_f[kf]):
        idx = np.empty(post_f.size, dtype=np.int64)
        idx[kf] = ks
        return idx
    dend_f, dend_s = np.unique(post_f), np.unique(post_s)
    head = f"{post_f.size} synapses in the file, {post_s.size} in the projection"
    if not np.array_equal(dend_f, dend_s):
        raise _Bad(f"other synapses ({head}): the file has dendrites (post ranks) "
                   f"{_short(dend_f)}, the projection {_short(dend_s)}")
    for r in dend_s:
        a, b = np.sort(pre_f[post_f == r]), np.sort(pre_s[post_s == r])
        if not np.array_equal(a, b):
            raise _Bad(f"other synapses ({head}): the dendrite of post-synaptic neuron "
                       f"{int(r)} has pre ranks {_short(a)} in the file, {_short(b)} in the "
                       "projection")
    raise _Bad(f"other synapses ({head})")   # pragma: no cover - one of the above differs


def _check_kind(who, name, src, dest) -> None:
    ok = src.dtype.kind == dest.dtype.kind or (dest.dtype.kind == "i" and src.dtype.kind == "u") \
        or (dest.dtype.kind == "f" and src.dtype.kind in "iu")
    if not ok:
        raise _Bad(f"attribute '{name}' of {who} holds {src.dtype} values in the file, "
                   f"{dest.dtype} in the projection")
    if dest.dtype.kind == "i" and src.size and (
            int(src.max()) > np.iinfo(dest.dtype).max or int(src.min()) < np.iinfo(dest.dtype).min):
        raise _Bad(f"attribute '{name}' of {who}: a value is outside the range of {dest.dtype}")


def _delay_plan(proj, delay_storage):
    """The value for :func:`set_delays` when ``delay_storage`` (ms: one
    number, or per synapse in storage order) gives other steps than the
    projection's, else None."""
    dt = proj.network.dt
    steps = np.maximum(1, np.rint(np.asarray(delay_storage) / dt)).astype(np.int64)
    if proj._delays is None:
        if steps.size == 0 or steps.min() == steps.max() == proj._delay_steps:
            return None
    elif np.array_equal(np.broadcast_to(steps, proj._delays.shape), proj._delays):
        return None
    if np.ndim(delay_storage) and steps.size and steps.min() == steps.max():
        return float(np.asarray(delay_storage).flat[0])
    return delay_storage


def _apply(proj, where, delay_value, writes) -> None:
    """Delays first (their rules may refuse), then the attribute values."""
    if delay_value is not None:
        try:
            set_delays(proj, delay_value)
        except NetworkError as exc:
            raise NetworkFileError(f"cannot load {where}: {exc}") from None
    for dest, index, src in writes:
        dest[index] = src


def load(proj, filename, pickle_encoding=None) -> None:
    """Set the values of a file written by :func:`save` into ``proj``."""
    path = _path(filename, "load")
    who = f"projection {proj.name!r}"
    try:
        if proj._row_ptr is None:
            raise _Bad(f"{who} has no synapses yet: connect it (with the connector and seed "
                       "used when saving) before load()")
        f = _read_file(proj, path)
        sizes = (proj.pre_population.size, proj.post_population.size)
        if (f.pre_size, f.post_size) != sizes:
            raise _Bad(f"it was saved from a projection of {f.pre_size} -> {f.post_size} "
                       f"neurons; {who} goes from {sizes[0]} to {sizes[1]}")
        idx = _match(proj, f.post_of, f.pre_ranks)
        ranks = np.asarray(proj.post_ranks, dtype=np.int64)
        if not np.array_equal(f.post_ranks, ranks):   # differ by empty dendrites only
            raise _Bad(f"the file has dendrites (post ranks) {_short(f.post_ranks)}, {who} "
                       f"{_short(ranks)}")
        if set(f.attrs) != set(proj._arrays):
            missing = sorted(set(proj._arrays) - set(f.attrs))
            unknown = sorted(set(f.attrs) - set(proj._arrays))
            raise _Bad(f"{who} has other synaptic attributes than the file"
                       + (f"; missing in the file: {', '.join(missing)}" if missing else "")
                       + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
        writes = []
        for name, src in f.attrs.items():
            loc = proj.ir.variable(name).locality
            if f.localities[name] != loc:
                raise _Bad(f"attribute '{name}' of {who} is {f.localities[name]} in the file, "
                           f"{loc} in the projection")
            dest = proj._arrays[name]
            _check_kind(who, name, src, dest)
            index = idx if loc == "local" else ranks if loc == "semiglobal" else slice(0, 1)
            writes.append((dest, index, src.astype(dest.dtype)))
        delay = f.delay
        if delay.ndim:
            delay = np.empty_like(f.delay)
            delay[idx] = f.delay
        delay_value = _delay_plan(proj, delay)
    except _Bad as exc:
        raise NetworkFileError(f"cannot load {path!r}: {exc}") from None
    _apply(proj, repr(path), delay_value, writes)


def refill_connected(proj, filename, pre, post, w, delay):
    """``from_file`` on a connected projection: the file's synapses (rank,
    weight and delay arrays of a save_connectivity file) must be the
    projection's; their weights and delays are restored. Returns ``proj``."""
    who = f"projection {proj.name!r}"
    try:
        if not (pre.ndim == post.ndim == w.ndim == delay.ndim == 1
                and pre.size == post.size == w.size == delay.size):
            raise _Bad("its pre, post, w and delay arrays differ in length")
        if not np.isfinite(w).all():
            raise _Bad("a weight is not a finite number")
        if delay.size and (not np.isfinite(delay).all() or delay.min() < 0):
            raise _Bad("a delay is negative or not a finite number of ms")
        idx = _match(proj, post, pre)
        weights = np.empty(w.size, dtype=np.float64)
        weights[idx] = w
        delays = np.empty(delay.size, dtype=np.float64)
        delays[idx] = delay
        dest = proj._arrays["w"]
        loc = proj.ir.variable("w").locality
        if loc == "local":
            index, values = slice(None), weights
        elif loc == "global":
            if weights.size and weights.min() != weights.max():
                raise _Bad(f"its weights differ between synapses; 'w' of {who} is one value "
                           "for the projection")
            index, values = slice(0, 1), weights[:1]
        else:
            post_of = proj._post_of_synapses()
            one = np.zeros(proj.post_population.size)
            one[post_of] = weights
            if not np.array_equal(one[post_of], weights):
                raise _Bad(f"its weights differ within a dendrite; 'w' of {who} is one value "
                           "per post-synaptic neuron")
            index, values = post_of, weights
        delay_value = _delay_plan(proj, delays)
    except _Bad as exc:
        raise NetworkError(
            f"{who} is already connected and {str(filename)!r} cannot be loaded into it: "
            f"{exc}. On a connected projection, from_file() only restores the weights and "
            "delays of the same synapses; connect a new projection to use this file") from None
    _apply(proj, repr(str(filename)), delay_value, [(dest, index, values.astype(dest.dtype))])
    return proj
