"""SONATA network files: writing and reading nodes and edges.

The layout is the SONATA specification's (as BMTK and libsonata read it):

- ``<pop>_nodes.h5``: ``/nodes/<pop>/node_id``, ``node_type_id``,
  ``node_group_id``, ``node_group_index`` and group ``0`` holding the
  per-node attributes (one dataset each; ``positions`` is (N, 3));
- ``<pop>_node_types.csv``: space-separated, one row per node type, its
  ``node_type_id`` and the attributes shared by its nodes (``model_type``,
  ``model_template``, ``dynamics_params``...);
- ``<edges>_edges.h5``: ``/edges/<edges>/source_node_id`` and
  ``target_node_id`` (each with a ``node_population`` attribute),
  ``edge_type_id``, ``edge_group_id``, ``edge_group_index``, group ``0``
  (per-edge attributes such as ``nsyns``) and the index groups
  ``indices/source_to_target`` and ``indices/target_to_source``
  (``node_id_to_ranges``, ``range_to_edge_id``);
- ``<edges>_edge_types.csv``: ``edge_type_id`` and the shared attributes
  (``syn_weight``, ``delay``, ``dynamics_params``, ``model_template``...).

Writes are atomic (a file beside the target, then renamed). Reading trusts
nothing: missing datasets, lengths that differ, ids out of range and
CSV rows that do not match are refused with the file and the dataset. This
module does not import the engine.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.sonata.errors import SonataError

__all__ = ["NodeTable", "EdgeTable", "write_nodes", "write_edges", "read_nodes", "read_edges",
           "edge_index"]

#: the largest file read (bytes): a SONATA file of this project's scale
MAX_FILE_BYTES = 8 * 2**30


@dataclass
class NodeTable:
    """One node population: ids, types, per-node attributes and the types'
    shared attributes (``types``: node_type_id -> {attribute: value})."""

    population: str
    node_type_id: np.ndarray
    attributes: dict = field(default_factory=dict)   # name -> array (N,) or (N, 3)
    types: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.node_type_id.size)

    def attribute(self, name: str) -> np.ndarray:
        """``name`` for every node: per node, or its type's value."""
        if name in self.attributes:
            return self.attributes[name]
        values = [self.types.get(int(t), {}).get(name) for t in self.node_type_id]
        return np.asarray(values, dtype=object)


@dataclass
class EdgeTable:
    """One edge population between ``source`` and ``target`` node populations."""

    population: str
    source: str
    target: str
    source_node_id: np.ndarray
    target_node_id: np.ndarray
    edge_type_id: np.ndarray
    attributes: dict = field(default_factory=dict)   # name -> array (E,)
    types: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.source_node_id.size)

    def attribute(self, name: str) -> np.ndarray:
        if name in self.attributes:
            return self.attributes[name]
        values = [self.types.get(int(t), {}).get(name) for t in self.edge_type_id]
        return np.asarray(values, dtype=object)


# -- writing ----------------------------------------------------------------------------------

def write_nodes(table: NodeTable, output_dir, compression: str | None = None
                ) -> tuple[Path, Path]:
    """Write ``<pop>_nodes.h5`` and ``<pop>_node_types.csv`` into ``output_dir``
    (``compression="gzip"``: the datasets compressed, as BMTK writes them)."""
    _check_compression(compression)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    h5 = out / f"{table.population}_nodes.h5"
    n = table.size

    def fill(f):
        f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        f.attrs["magic"] = np.uint32(0x0A7A)
        grp = f.create_group(f"nodes/{table.population}")
        _put(grp, "node_id", compression, np.arange(n, dtype=np.uint64))
        _put(grp, "node_type_id", compression, table.node_type_id.astype(np.uint64))
        _put(grp, "node_group_id", compression, np.zeros(n, dtype=np.uint32))
        _put(grp, "node_group_index", compression, np.arange(n, dtype=np.uint64))
        group0 = grp.create_group("0")
        group0.create_group("dynamics_params")
        for name, values in table.attributes.items():
            _dataset(group0, name, values, compression)

    _atomic_h5(h5, fill)
    types_csv = out / f"{table.population}_node_types.csv"
    _atomic_text(types_csv, _types_csv("node_type_id", table.types))
    return h5, types_csv


def write_edges(table: EdgeTable, output_dir, n_source: int, n_target: int,
                compression: str | None = None) -> tuple[Path, Path]:
    """Write ``<edges>_edges.h5`` (with both index groups) and
    ``<edges>_edge_types.csv``; edges are stored sorted by target, then source
    (``compression="gzip"``: the datasets compressed, as BMTK writes them)."""
    _check_compression(compression)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = np.lexsort((table.source_node_id, table.target_node_id))
    src = table.source_node_id[order].astype(np.uint64)
    trg = table.target_node_id[order].astype(np.uint64)
    h5 = out / f"{table.population}_edges.h5"

    def fill(f):
        f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        f.attrs["magic"] = np.uint32(0x0A7A)
        grp = f.create_group(f"edges/{table.population}")
        s = _put(grp, "source_node_id", compression, src)
        s.attrs["node_population"] = table.source
        t = _put(grp, "target_node_id", compression, trg)
        t.attrs["node_population"] = table.target
        # BMTK's types: 4 bytes for types and rows, 2 for the group (30 bytes an edge)
        _put(grp, "edge_type_id", compression, table.edge_type_id[order].astype(np.uint32))
        _put(grp, "edge_group_id", compression, np.zeros(src.size, dtype=np.uint16))
        _put(grp, "edge_group_index", compression,
             np.arange(src.size, dtype=np.uint32 if src.size < 2**32 else np.uint64))
        group0 = grp.create_group("0")
        for name, values in table.attributes.items():
            values = np.asarray(values)[order]
            if name == "nsyns":
                values = values.astype(np.uint32)
            _dataset(group0, name, values, compression)
        for name, key, n in (("source_to_target", src, n_source),
                             ("target_to_source", trg, n_target)):
            node_to_range, range_to_edge = edge_index(key, n)
            ind = grp.create_group(f"indices/{name}")
            _put(ind, "node_id_to_ranges", compression, node_to_range)
            # BMTK's reader and builder use the singular name: a hard link,
            # the same data under both names (libsonata reads the spec's)
            ind["node_id_to_range"] = ind["node_id_to_ranges"]
            _put(ind, "range_to_edge_id", compression, range_to_edge)

    _atomic_h5(h5, fill)
    types_csv = out / f"{table.population}_edge_types.csv"
    _atomic_text(types_csv, _types_csv("edge_type_id", table.types))
    return h5, types_csv


def edge_index(key: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """SONATA's index of edges by node: runs of equal ``key`` in stored order
    are ranges ``[first, end)`` (``range_to_edge_id``), listed node by node;
    ``node_id_to_ranges[n] = [first range, end range)`` (empty: ``[k, k]``)."""
    key = np.asarray(key, dtype=np.int64)
    e = key.size
    if e == 0:
        return np.zeros((n_nodes, 2), dtype=np.uint64), np.zeros((0, 2), dtype=np.uint64)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], e]
    owner = key[starts]
    by_node = np.argsort(owner, kind="stable")          # ranges grouped node by node
    ranges = np.column_stack([starts[by_node], ends[by_node]]).astype(np.uint64)
    owners = owner[by_node]
    first = np.searchsorted(owners, np.arange(n_nodes), side="left")
    last = np.searchsorted(owners, np.arange(n_nodes), side="right")
    return np.column_stack([first, last]).astype(np.uint64), ranges


# -- reading --------------------------------------------------------------------------------

def read_nodes(h5_path, types_csv) -> list[NodeTable]:
    """Every node population of a nodes file with its types."""
    import h5py

    h5_path = _checked(h5_path)
    types = _read_types(types_csv, "node_type_id")
    out = []
    with _open(h5_path) as f:
        nodes = f.get("nodes")
        if not isinstance(nodes, h5py.Group) or not len(nodes):
            raise SonataError(f"{h5_path}: no /nodes/<population> group")
        for pop, grp in nodes.items():
            type_ids = _read(grp, "node_type_id", h5_path, pop)
            n = type_ids.size
            group_index = _read(grp, "node_group_index", h5_path, pop, n) \
                if "node_group_index" in grp else np.arange(n)
            gid = _read(grp, "node_group_id", h5_path, pop, n) if "node_group_id" in grp \
                else np.zeros(n, dtype=np.int64)
            unknown = sorted(set(np.unique(type_ids).tolist()) - set(types))
            if unknown:
                raise SonataError(f"{h5_path}: population {pop!r} uses node types {unknown[:5]} "
                                  f"that {types_csv} does not list")
            attrs = _group_attributes(grp, h5_path, pop, gid, group_index)
            out.append(NodeTable(pop, type_ids.astype(np.int64), attrs,
                                 {t: v for t, v in types.items()}))
    return out


def read_edges(h5_path, types_csv) -> list[EdgeTable]:
    """Every edge population of an edges file with its types."""
    import h5py

    h5_path = _checked(h5_path)
    types = _read_types(types_csv, "edge_type_id")
    out = []
    with _open(h5_path) as f:
        edges = f.get("edges")
        if not isinstance(edges, h5py.Group) or not len(edges):
            raise SonataError(f"{h5_path}: no /edges/<population> group")
        for pop, grp in edges.items():
            src = _read(grp, "source_node_id", h5_path, pop)
            n = src.size
            trg = _read(grp, "target_node_id", h5_path, pop, n)
            type_ids = _read(grp, "edge_type_id", h5_path, pop, n)
            group_index = _read(grp, "edge_group_index", h5_path, pop, n) \
                if "edge_group_index" in grp else np.arange(n)
            gid = _read(grp, "edge_group_id", h5_path, pop, n) if "edge_group_id" in grp \
                else np.zeros(n, dtype=np.int64)
            names = []
            for ds in ("source_node_id", "target_node_id"):
                value = grp[ds].attrs.get("node_population")
                if value is None:
                    raise SonataError(f"{h5_path}: {pop}/{ds} has no node_population attribute")
                names.append(value.decode() if isinstance(value, bytes) else str(value))
            unknown = sorted(set(np.unique(type_ids).tolist()) - set(types))
            if unknown:
                raise SonataError(f"{h5_path}: population {pop!r} uses edge types {unknown[:5]} "
                                  f"that {types_csv} does not list")
            attrs = _group_attributes(grp, h5_path, pop, gid, group_index)
            out.append(EdgeTable(pop, names[0], names[1], src.astype(np.int64),
                                 trg.astype(np.int64), type_ids.astype(np.int64), attrs,
                                 dict(types)))
    return out


# -- helpers ----------------------------------------------------------------------------------

def _check_compression(compression) -> None:
    if compression not in (None, "gzip"):
        raise SonataError(f"compression is None or 'gzip', got {compression!r}")


def _put(group, name, compression, data):
    """A dataset, gzip-compressed (in chunks) when asked and not empty."""
    data = np.asarray(data)
    if compression and data.size:
        return group.create_dataset(name, data=data, compression=compression)
    return group.create_dataset(name, data=data)


def _dataset(group, name, values, compression=None):
    values = np.asarray(values)
    if values.dtype.kind in "OU":
        import h5py

        group.create_dataset(name, data=values.astype(str).astype(object),
                             dtype=h5py.string_dtype())
    else:
        _put(group, name, compression, values)


def _types_csv(id_column: str, types: dict) -> str:
    columns = [id_column] + sorted({k for props in types.values() for k in props})
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=" ", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(columns)
    for type_id in sorted(types):
        props = types[type_id]
        writer.writerow([type_id] + [_csv_value(props.get(c)) for c in columns[1:]])
    return buf.getvalue()


def _csv_value(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def _read_types(path, id_column: str) -> dict:
    path = _checked(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SonataError(f"{path}: cannot read it ({exc})") from None
    rows = list(csv.reader(io.StringIO(text), delimiter=" ", skipinitialspace=True))
    rows = [r for r in rows if r]
    if not rows or id_column not in rows[0]:
        raise SonataError(f"{path}: the first row must name the columns, with {id_column!r}")
    header = rows[0]
    out = {}
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise SonataError(f"{path}, line {i}: {len(row)} values for {len(header)} columns")
        props = {k: _parse_value(v) for k, v in zip(header, row)}
        try:
            type_id = int(props.pop(id_column))
        except (TypeError, ValueError):
            raise SonataError(f"{path}, line {i}: {id_column} must be a whole number") from None
        out[type_id] = {k: v for k, v in props.items() if v is not None}
    return out


def _parse_value(text: str):
    if text in ("NULL", "NONE", ""):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _checked(path) -> Path:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SonataError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise SonataError(f"{path} has {size:,} bytes; at most {MAX_FILE_BYTES:,} are read")
    return path


def _open(path):
    import h5py

    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise SonataError(f"{path}: not a readable HDF5 file ({exc})") from None


def _read(group, name, path, pop, n=None) -> np.ndarray:
    import h5py

    ds = group.get(name)
    if not isinstance(ds, h5py.Dataset):
        raise SonataError(f"{path}: population {pop!r} has no dataset {name!r}")
    if ds.ndim != 1 or (n is not None and ds.shape[0] != n):
        raise SonataError(f"{path}: {pop}/{name} has shape {ds.shape}, expected ({n},)"
                          if n is not None else f"{path}: {pop}/{name} is not one-dimensional")
    if ds.dtype.kind not in "iu":
        raise SonataError(f"{path}: {pop}/{name} holds {ds.dtype}, not whole numbers")
    data = ds[()]
    if data.size and data.min() < 0:
        raise SonataError(f"{path}: {pop}/{name} holds negative ids")
    return data


def _group_attributes(grp, path, pop, group_id, group_index) -> dict:
    """Per-element attributes of every group (``0``, ``1``...), element by
    element. A per-node ``dynamics_params`` subgroup is read as attributes
    named ``dynamics_params/<name>``. An attribute that only some groups
    have is NaN (numbers) or None (text) for the others' elements."""
    import h5py

    n = group_index.size
    columns: dict[str, list] = {}
    for g in (np.unique(group_id).tolist() if n else []):
        sub = grp.get(str(g))
        rows = np.flatnonzero(group_id == g)
        if sub is None:
            if g == 0 and "0" not in grp and len(np.unique(group_id)) == 1:
                return {}
            raise SonataError(f"{path}: population {pop!r} uses group {g}, which the file "
                              "does not have")
        wanted = group_index[rows]
        items = [(name, ds) for name, ds in sub.items() if isinstance(ds, h5py.Dataset)]
        params = sub.get("dynamics_params")
        if isinstance(params, h5py.Group):
            items += [(f"dynamics_params/{name}", ds) for name, ds in params.items()
                      if isinstance(ds, h5py.Dataset)]
        for name, ds in items:
            if ds.ndim == 0 or ds.shape[0] < (int(wanted.max()) + 1 if wanted.size else 0):
                raise SonataError(f"{path}: {pop}/{g}/{name} has {ds.shape[0] if ds.ndim else 0}"
                                  f" rows for group indices up to {int(wanted.max())}")
            data = ds[()]
            if data.dtype.kind in "OS":
                data = np.asarray([d.decode() if isinstance(d, bytes) else str(d)
                                   for d in data], dtype=object)
            columns.setdefault(name, []).append((rows, data[wanted]))
    out = {}
    for name, parts in columns.items():
        first = parts[0][1]
        if len(parts) == 1 and parts[0][0].size == n:
            out[name] = first
            continue
        numeric = all(p.dtype.kind in "iuf" for _, p in parts)
        full = np.full((n,) + first.shape[1:], np.nan) if numeric \
            else np.full((n,) + first.shape[1:], None, dtype=object)
        for rows, values in parts:
            if values.shape[1:] != first.shape[1:]:
                raise SonataError(f"{path}: {pop} attribute {name!r} has shapes "
                                  f"{first.shape[1:]} and {values.shape[1:]} in two groups")
            full[rows] = values
        out[name] = full
    return out


def _atomic_h5(path: Path, fill) -> None:
    import h5py

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with h5py.File(tmp, "w") as f:
            fill(f)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
