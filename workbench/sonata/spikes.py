"""Spike trains in SONATA's formats: inputs for virtual nodes, and outputs.

- HDF5: ``/spikes/<population>/timestamps`` (ms) and ``node_ids``, with the
  group's ``sorting`` attribute (``by_time``, ``by_id`` or ``none``) and
  ``units`` ``ms`` on the timestamps;
- CSV: space-separated columns ``timestamps population node_ids``.

:func:`read_spikes` returns ``{population: (timestamps, node_ids)}``;
:func:`write_spikes` writes either format atomically. Reading trusts
nothing: datasets of different lengths, negative ids, times that are not
finite numbers are refused with the file.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from workbench.sonata.errors import SonataError

__all__ = ["read_spikes", "write_spikes"]


def read_spikes(path, population: str | None = None) -> dict:
    """Spike trains of a SONATA h5 or CSV file (only ``population``'s if given)."""
    path = Path(path)
    if path.suffix.lower() in (".h5", ".hdf5"):
        out = _read_h5(path)
    elif path.suffix.lower() in (".csv", ".txt"):
        out = _read_csv(path)
    else:
        raise SonataError(f"{path}: spike trains are read from .h5 or .csv files")
    for pop, (t, ids) in out.items():
        if t.size and not np.isfinite(t).all():
            raise SonataError(f"{path}: population {pop!r} has timestamps that are not finite")
        if ids.size and ids.min() < 0:
            raise SonataError(f"{path}: population {pop!r} has negative node ids")
    if population is not None:
        if population not in out:
            raise SonataError(f"{path}: no spikes of population {population!r} (it has "
                              f"{', '.join(out) or 'none'})")
        return {population: out[population]}
    return out


def write_spikes(path, spikes: dict, sort: str = "by_time") -> Path:
    """Write ``{population: (timestamps ms, node_ids)}`` as h5 or csv (by suffix)."""
    if sort not in ("by_time", "by_id", "none"):
        raise SonataError(f"sort is by_time, by_id or none, got {sort!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = {}
    for pop, (t, ids) in spikes.items():
        t, ids = np.asarray(t, dtype=float), np.asarray(ids, dtype=np.int64)
        if t.shape != ids.shape or t.ndim != 1:
            raise SonataError(f"spikes of {pop!r}: timestamps and node_ids differ in shape")
        order = (np.lexsort((ids, t)) if sort == "by_time" else
                 np.lexsort((t, ids)) if sort == "by_id" else np.arange(t.size))
        ordered[pop] = (t[order], ids[order])
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if path.suffix.lower() in (".h5", ".hdf5"):
            import h5py

            with h5py.File(tmp, "w") as f:
                root = f.create_group("spikes")
                for pop, (t, ids) in ordered.items():
                    grp = root.create_group(pop)
                    grp.attrs["sorting"] = sort
                    ts = grp.create_dataset("timestamps", data=t)
                    ts.attrs["units"] = "ms"
                    grp.create_dataset("node_ids", data=ids.astype(np.uint64))
        elif path.suffix.lower() in (".csv", ".txt"):
            buf = io.StringIO()
            buf.write("timestamps population node_ids\n")
            for pop, (t, ids) in ordered.items():
                for a, b in zip(t.tolist(), ids.tolist()):
                    buf.write(f"{a!r} {pop} {b}\n")
            tmp.write_text(buf.getvalue(), encoding="utf-8")
        else:
            raise SonataError(f"{path}: spike trains are written as .h5 or .csv")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _read_h5(path: Path) -> dict:
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise SonataError(f"{path}: not a readable HDF5 file ({exc})") from None
    out = {}
    with f:
        root = f.get("spikes")
        if not isinstance(root, h5py.Group):
            raise SonataError(f"{path}: no /spikes group")
        for pop, grp in root.items():
            if not isinstance(grp, h5py.Group):
                continue
            ts, ids = grp.get("timestamps"), grp.get("node_ids")
            if not isinstance(ts, h5py.Dataset) or not isinstance(ids, h5py.Dataset):
                raise SonataError(f"{path}: /spikes/{pop} needs 'timestamps' and 'node_ids'")
            if ts.shape != ids.shape or ts.ndim != 1:
                raise SonataError(f"{path}: /spikes/{pop}: timestamps {ts.shape} and node_ids "
                                  f"{ids.shape} differ")
            if ts.dtype.kind not in "fiu" or ids.dtype.kind not in "iu":
                raise SonataError(f"{path}: /spikes/{pop}: timestamps must be numbers and "
                                  f"node_ids whole numbers")
            units = ts.attrs.get("units", "ms")
            units = units.decode() if isinstance(units, bytes) else str(units)
            scale = {"ms": 1.0, "s": 1000.0}.get(units)
            if scale is None:
                raise SonataError(f"{path}: /spikes/{pop}/timestamps in {units!r}; ms or s")
            out[pop] = (ts[()].astype(float) * scale, ids[()].astype(np.int64))
    return out


def _read_csv(path: Path) -> dict:
    import pandas as pd

    try:
        frame = pd.read_csv(path, sep=r"\s+", dtype=str, keep_default_na=False,
                            engine="python")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise SonataError(f"{path}: not a readable spike file ({exc})") from None
    missing = [c for c in ("timestamps", "node_ids") if c not in frame.columns]
    if missing:
        raise SonataError(f"{path}: needs columns timestamps, population, node_ids; missing "
                          f"{', '.join(missing)}")
    t = pd.to_numeric(frame["timestamps"], errors="coerce").to_numpy(dtype=float)
    ids = pd.to_numeric(frame["node_ids"], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(t) | ~np.isfinite(ids) | (ids != np.round(ids)))
    if bad.size:
        raise SonataError(f"{path}, line {bad[0] + 2}: not a time and a node id")
    pops = frame["population"].to_numpy() if "population" in frame.columns else \
        np.full(t.size, "", dtype=object)
    out = {}
    for pop in dict.fromkeys(pops.tolist()):
        keep = pops == pop
        out[pop] = (t[keep], ids[keep].astype(np.int64))
    return out
