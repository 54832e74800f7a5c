"""SONATA membrane reports: a variable of some nodes sampled in time.

The layout is the SONATA specification's report format (as BMTK's
``CompartmentReport`` and libsonata's ``SomaReportReader`` read it), one
group per node population::

    /report/<population>/data                      (n_times, n_nodes) float
    /report/<population>/mapping/node_ids          (n_nodes,) uint64
    /report/<population>/mapping/index_pointers    (n_nodes + 1,) 0..n_nodes
    /report/<population>/mapping/element_ids       (n_nodes,) zeros (the soma)
    /report/<population>/mapping/element_pos       (n_nodes,) 0.5
    /report/<population>/mapping/time              [start, stop, step] ms

``data`` carries the ``units`` and ``variable_name`` attributes. Point
neurons have one element each. Files are written beside the target and
renamed; :func:`read_report` trusts nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from workbench.sonata.errors import SonataError

__all__ = ["write_report", "read_report"]


def write_report(path, data: dict, start: float, stop: float, step: float,
                 variable: str, units: str = "") -> Path:
    """Write ``{population: (node_ids, values (n_times, n_nodes))}``.

    ``start``, ``stop`` and ``step`` (ms) describe the sample times
    ``start + k*step`` for ``k < n_times`` (``stop`` is exclusive).
    """
    import h5py

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with h5py.File(tmp, "w") as f:
            for pop, (ids, values) in data.items():
                ids = np.asarray(ids, dtype=np.uint64)
                values = np.asarray(values, dtype=np.float64)
                if values.ndim != 2 or values.shape[1] != ids.size:
                    raise SonataError(f"report {variable!r} of {pop!r}: {values.shape} values "
                                      f"for {ids.size} nodes")
                grp = f.create_group(f"report/{pop}")
                ds = grp.create_dataset("data", data=values.astype(np.float32))
                ds.attrs["units"] = units
                ds.attrs["variable_name"] = variable
                m = grp.create_group("mapping")
                m.create_dataset("node_ids", data=ids)
                m.create_dataset("index_pointers", data=np.arange(ids.size + 1, dtype=np.uint64))
                m.create_dataset("element_ids", data=np.zeros(ids.size, dtype=np.uint32))
                m.create_dataset("element_pos", data=np.full(ids.size, 0.5, dtype=np.float32))
                t = m.create_dataset("time", data=np.array([start, stop, step], dtype=np.float64))
                t.attrs["units"] = "ms"
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_report(path) -> dict:
    """``{population: (node_ids, times ms, values (n_times, n_nodes))}`` of a
    report file; wrong shapes and missing datasets are refused."""
    import h5py

    path = Path(path)
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise SonataError(f"{path}: not a readable HDF5 report ({exc})") from None
    out = {}
    with f:
        report = f.get("report")
        if not isinstance(report, h5py.Group):
            raise SonataError(f"{path}: no /report group")
        for pop, grp in report.items():
            try:
                data = grp["data"][()]
                ids = grp["mapping/node_ids"][()]
                start, stop, step = (float(x) for x in grp["mapping/time"][()])
            except (KeyError, TypeError, ValueError):
                raise SonataError(f"{path}: report of {pop!r} lacks data, mapping/node_ids "
                                  "or mapping/time [start, stop, step]") from None
            if data.ndim != 2 or data.shape[1] != ids.size or step <= 0:
                raise SonataError(f"{path}: report of {pop!r} has data {data.shape} for "
                                  f"{ids.size} nodes, step {step}")
            out[pop] = (ids.astype(np.int64), start + step * np.arange(data.shape[0]), data)
    return out
