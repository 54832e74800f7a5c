"""Building a network and saving it as SONATA files (BMTK's ``NetworkBuilder``).

::

    net = NetworkBuilder("net")
    net.add_nodes(N=100, model_type="point_neuron", model_template="nest:izhikevich",
                  dynamics_params="izh.json", pop_name="exc")
    net.add_edges(source=net.nodes(), target=net.nodes(pop_name="exc"),
                  connection_rule=0.1, syn_weight=2.0, delay=1.5,
                  dynamics_params="ExcToExc.json", model_template="static_synapse")
    net.build()
    net.save(output_dir="network")

``add_nodes`` keeps scalar properties on the node type (the node types CSV)
and per-node arrays (length N; ``positions`` (N, 3)) in the nodes file.
``add_edges``' ``connection_rule`` is a whole number (that many synapses
between every source and target), a probability (a float in [0, 1]: each
pair is connected with it, independently, drawn from the builder's seeded
generator as geometric gaps between connections, so 10^10 pairs cost only
the connections made, without a Python loop) or a callable (``rule(source, target, **connection_params)`` ->
number of synapses, called per pair; with ``iterator="one_to_all"`` it gets
the list of targets and returns one number per target, ``"all_to_one"`` the
sources). Scalar edge properties (``syn_weight``, ``delay``,
``dynamics_params``, ``model_template``...) go to the edge types CSV; the
number of synapses of each connection is saved per edge as ``nsyns``.
Sources and targets are node selections (``net.nodes(**query)``, of this
network or another one) or a dict query on this network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np

from workbench.sonata.errors import SonataError
from workbench.sonata.files import EdgeTable, NodeTable, write_edges, write_nodes

__all__ = ["NetworkBuilder", "NodePool", "Node"]

FIRST_TYPE_ID = 100             # BMTK numbers node and edge types from 100
_ITERATORS = ("one_to_one", "one_to_all", "all_to_one")
_PAIR_BLOCK = 4_000_000         # gaps drawn at once by a probability rule


class Node(dict):
    """One node's properties (``node_id`` included), as a rule receives it."""

    @property
    def node_id(self) -> int:
        return self["node_id"]


@dataclass
class _NodeType:
    type_id: int
    first: int
    n: int
    shared: dict
    arrays: dict


@dataclass
class _EdgeType:
    type_id: int
    source: "NodePool"
    target: "NodePool"
    rule: object
    params: dict
    iterator: str
    shared: dict
    # filled by build()
    src: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    trg: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    nsyns: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


class NodePool:
    """Nodes of one network selected by a query; iterating gives :class:`Node` objects."""

    def __init__(self, network: "NetworkBuilder", ids: np.ndarray, query: dict):
        self.network = network
        self.ids = np.asarray(ids, dtype=np.int64)
        self.query = dict(query)

    def __len__(self) -> int:
        return int(self.ids.size)

    def __iter__(self):
        return (self.network._node(i) for i in self.ids)

    @property
    def network_name(self) -> str:
        return self.network.name

    def filter_str(self) -> str:
        """The query as the edge types CSV writes it (``*``: every node)."""
        if not self.query:
            return "*"
        return "&".join(f"{k}=={v!r}" for k, v in sorted(self.query.items()))


class NetworkBuilder:
    """Nodes and edges of one SONATA node population (see the module docstring)."""

    def __init__(self, name: str, seed: int = 0):
        if not isinstance(name, str) or not name.isidentifier():
            raise SonataError(f"a network's name is a word such as 'net' or 'v1', got {name!r}")
        self.name = name
        self._types: list[_NodeType] = []
        self._edge_types: list[_EdgeType] = []
        self._n = 0
        self._rng = np.random.default_rng(seed)
        self.built = False

    # -- nodes -----------------------------------------------------------------------------
    @property
    def nnodes(self) -> int:
        return self._n

    def add_nodes(self, N: int = 1, **properties) -> None:
        """Add ``N`` nodes of one new node type (see the module docstring).

        Raises
        ------
        SonataError
            ``N`` is not a positive whole number, an array property's length
            is not ``N``, or a property name is reserved.
        """
        if self.built:
            raise SonataError(f"{self.name}: built already; add nodes before build()")
        if isinstance(N, bool) or not isinstance(N, Integral) or N < 1:
            raise SonataError(f"{self.name}.add_nodes: N must be a whole number >= 1, got {N!r}")
        shared, arrays = {}, {}
        for key, value in properties.items():
            if key in ("node_id", "node_type_id", "node_group_id", "node_group_index"):
                raise SonataError(f"{self.name}.add_nodes: {key!r} is set by the builder")
            if isinstance(value, (list, tuple, np.ndarray)) and not isinstance(value, str):
                arr = np.asarray(value)
                if arr.ndim == 0 or arr.shape[0] != N:
                    raise SonataError(f"{self.name}.add_nodes: {key!r} has "
                                      f"{arr.shape[0] if arr.ndim else 1} values for N = {N}")
                arrays[key] = arr
            elif value is None or isinstance(value, (str, Real, bool)):
                shared[key] = value
            else:
                raise SonataError(f"{self.name}.add_nodes: {key!r} must be a number, a text or "
                                  f"an array of N values, got {type(value).__name__}")
        type_id = FIRST_TYPE_ID + len(self._types)
        self._types.append(_NodeType(type_id, self._n, int(N), shared, arrays))
        self._n += int(N)

    def nodes(self, **query) -> NodePool:
        """The nodes whose properties equal the query's (all without one)."""
        keep = np.ones(self._n, dtype=bool)
        for key, wanted in query.items():
            keep &= self._column(key) == wanted
        return NodePool(self, np.flatnonzero(keep), query)

    def _column(self, key: str) -> np.ndarray:
        out = np.empty(self._n, dtype=object)
        for t in self._types:
            part = slice(t.first, t.first + t.n)
            if key == "node_type_id":
                out[part] = t.type_id
            elif key == "node_id":
                out[part] = np.arange(t.first, t.first + t.n)
            elif key in t.arrays:
                out[part] = list(t.arrays[key])
            else:
                out[part] = t.shared.get(key)
        return out

    def _node(self, node_id: int) -> Node:
        for t in self._types:
            if t.first <= node_id < t.first + t.n:
                props = dict(t.shared)
                props.update({k: v[node_id - t.first] for k, v in t.arrays.items()})
                props.update(node_id=int(node_id), node_type_id=t.type_id)
                return Node(props)
        raise SonataError(f"{self.name}: no node {node_id}")

    # -- edges ---------------------------------------------------------------------------------
    def add_edges(self, source=None, target=None, connection_rule=1, connection_params=None,
                  iterator: str = "one_to_one", **properties) -> None:
        """Add one edge type from ``source`` to ``target`` nodes (see the
        module docstring); the connections are made by :meth:`build`.

        Raises
        ------
        SonataError
            A selection that is not nodes, a rule of the wrong kind, an
            unknown iterator, sources of another network than this one.
        """
        if self.built:
            raise SonataError(f"{self.name}: built already; add edges before build()")
        source = self._pool(source, "source")
        target = self._pool(target, "target")
        if source.network is not self:
            raise SonataError(f"{self.name}.add_edges: the sources must be nodes of "
                              f"{self.name!r} (edges are added to their source's network)")
        rule = connection_rule
        if isinstance(rule, bool) or not (callable(rule) or isinstance(rule, Real)):
            raise SonataError(f"{self.name}.add_edges: connection_rule is a number of synapses, "
                              f"a probability or a function, got {rule!r}")
        if isinstance(rule, Real) and not callable(rule):
            if not math.isfinite(float(rule)) or rule < 0:
                raise SonataError(f"{self.name}.add_edges: connection_rule must be >= 0, "
                                  f"got {rule!r}")
            if not isinstance(rule, Integral) and rule > 1:
                raise SonataError(f"{self.name}.add_edges: a float connection_rule is a "
                                  f"probability in [0, 1]; give a whole number of synapses "
                                  f"instead of {rule!r}")
        if iterator not in _ITERATORS:
            raise SonataError(f"{self.name}.add_edges: iterator must be one of "
                              f"{', '.join(_ITERATORS)}, got {iterator!r}")
        for key, value in properties.items():
            if not (value is None or isinstance(value, (str, Real, bool))):
                raise SonataError(f"{self.name}.add_edges: {key!r} must be a number or a text")
        type_id = FIRST_TYPE_ID + len(self._edge_types)
        self._edge_types.append(_EdgeType(type_id, source, target, rule,
                                          dict(connection_params or {}), iterator,
                                          dict(properties)))

    def _pool(self, sel, what) -> NodePool:
        if sel is None:
            return self.nodes()
        if isinstance(sel, dict):
            return self.nodes(**sel)
        if isinstance(sel, NodePool):
            return sel
        raise SonataError(f"{self.name}.add_edges: {what} is net.nodes(...) or a dict query, "
                          f"got {type(sel).__name__}")

    # -- build and save ---------------------------------------------------------------------------
    def build(self) -> None:
        """Make the connections of every edge type."""
        for et in self._edge_types:
            et.src, et.trg, et.nsyns = self._connect(et)
        self.built = True

    def _connect(self, et: _EdgeType):
        s_ids, t_ids = et.source.ids, et.target.ids
        rule = et.rule
        if not callable(rule):
            if isinstance(rule, Integral):
                if rule == 0 or not s_ids.size or not t_ids.size:
                    return _empty3()
                src = np.repeat(s_ids, t_ids.size)
                trg = np.tile(t_ids, s_ids.size)
                return src, trg, np.full(src.size, int(rule), dtype=np.int64)
            return self._draw(s_ids, t_ids, float(rule))
        src, trg, nsyns = [], [], []
        sources = [self._node(i) for i in s_ids]
        targets = [n for n in et.target]
        if et.iterator == "one_to_one":
            for s in sources:
                for t in targets:
                    k = _count(rule(s, t, **et.params), self.name)
                    if k:
                        src.append(s.node_id), trg.append(t.node_id), nsyns.append(k)
        elif et.iterator == "one_to_all":
            for s in sources:
                counts = _counts(rule(s, targets, **et.params), len(targets), self.name)
                for t, k in zip(targets, counts):
                    if k:
                        src.append(s.node_id), trg.append(t.node_id), nsyns.append(k)
        else:
            for t in targets:
                counts = _counts(rule(sources, t, **et.params), len(sources), self.name)
                for s, k in zip(sources, counts):
                    if k:
                        src.append(s.node_id), trg.append(t.node_id), nsyns.append(k)
        return (np.asarray(src, dtype=np.int64), np.asarray(trg, dtype=np.int64),
                np.asarray(nsyns, dtype=np.int64))

    def _draw(self, s_ids, t_ids, p):
        """Each (source, target) pair independently with probability ``p``:
        the gaps between connected pairs (in source-major order) are
        geometric, so drawing them visits only the connections made (10^7
        connections of 10^10 pairs in well under a second), the same
        distribution as one draw per pair."""
        n_pairs = s_ids.size * t_ids.size
        if p == 0 or n_pairs == 0:
            return _empty3()
        if p == 1:
            return (np.repeat(s_ids, t_ids.size), np.tile(t_ids, s_ids.size),
                    np.ones(n_pairs, dtype=np.int64))
        found, position = [], -1
        batch = int(min(max(1024, n_pairs * p * 1.1 + 1024), _PAIR_BLOCK))
        while position < n_pairs:
            gaps = self._rng.geometric(p, size=batch)
            steps = position + np.cumsum(gaps, dtype=np.int64)
            found.append(steps[steps < n_pairs])
            position = int(steps[-1])
        flat = np.concatenate(found)
        return (s_ids[flat // t_ids.size], t_ids[flat % t_ids.size],
                np.ones(flat.size, dtype=np.int64))

    def _tables(self):
        if not self._types:
            raise SonataError(f"{self.name}: no nodes; add_nodes first")
        type_ids = np.concatenate([np.full(t.n, t.type_id, dtype=np.int64) for t in self._types])
        names = sorted({k for t in self._types for k in t.arrays})
        attrs = {}
        for name in names:
            parts = []
            for t in self._types:
                if name in t.arrays:
                    parts.append(np.asarray(t.arrays[name]))
                else:
                    raise SonataError(f"{self.name}: per-node property {name!r} is given for "
                                      f"some node types only; give it to every add_nodes call "
                                      f"(or as a shared value)")
            attrs[name] = np.concatenate(parts)
        nodes = NodeTable(self.name, type_ids, attrs,
                          {t.type_id: dict(t.shared) for t in self._types})
        edges = {}
        for et in self._edge_types:
            key = et.target.network_name
            edges.setdefault(key, []).append(et)
        return nodes, edges

    def save(self, output_dir: str = ".", compression: str | None = None) -> None:
        """Write the nodes and every edge population (one per target
        network: ``<this>_<target>_edges.h5``) into ``output_dir``;
        ``compression="gzip"`` compresses the datasets (smaller files, slower
        saves and reads; BMTK's builder compresses)."""
        if not self.built:
            raise SonataError(f"{self.name}: call build() before save()")
        self.save_nodes(output_dir, compression)
        self.save_edges(output_dir, compression)

    def save_nodes(self, output_dir: str = ".", compression: str | None = None) -> None:
        nodes, _ = self._tables()
        write_nodes(nodes, output_dir, compression)

    def save_edges(self, output_dir: str = ".", compression: str | None = None) -> None:
        if not self.built:
            raise SonataError(f"{self.name}: call build() before saving edges")
        _, edges = self._tables()
        for target_name, types in edges.items():
            target_net = types[0].target.network
            table = EdgeTable(
                population=f"{self.name}_to_{target_name}", source=self.name,
                target=target_name,
                source_node_id=np.concatenate([t.src for t in types]),
                target_node_id=np.concatenate([t.trg for t in types]),
                edge_type_id=np.concatenate([np.full(t.src.size, t.type_id, dtype=np.int64)
                                             for t in types]),
                attributes={"nsyns": np.concatenate([t.nsyns for t in types])},
                types={t.type_id: dict(t.shared, target_query=t.target.filter_str(),
                                       source_query=t.source.filter_str()) for t in types})
            write_edges(table, output_dir, self._n, target_net.nnodes, compression)
            _rename(output_dir, table.population, f"{self.name}_{target_name}")

    def edges(self):
        """``(type_id, sources, targets, nsyns)`` of every edge type (after build)."""
        if not self.built:
            raise SonataError(f"{self.name}: call build() first")
        return [(t.type_id, t.src, t.trg, t.nsyns) for t in self._edge_types]


def _rename(output_dir, population, stem):
    """BMTK names edge files ``<source>_<target>_edges.h5``; the population
    inside is ``<source>_to_<target>``."""
    from pathlib import Path

    out = Path(output_dir)
    for suffix in ("_edges.h5", "_edge_types.csv"):
        src, dst = out / f"{population}{suffix}", out / f"{stem}{suffix}"
        if src != dst:
            src.replace(dst)


def _empty3():
    z = np.zeros(0, dtype=np.int64)
    return z, z.copy(), z.copy()


def _count(value, name) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)) or value < 0:
        raise SonataError(f"{name}: a connection rule returns a number of synapses (a whole "
                          f"number >= 0) or None, got {value!r}")
    return int(value)


def _counts(values, n, name) -> list[int]:
    if values is None:
        return [0] * n
    values = list(values)
    if len(values) != n:
        raise SonataError(f"{name}: the connection rule returned {len(values)} numbers for "
                          f"{n} nodes")
    return [_count(v, name) for v in values]
