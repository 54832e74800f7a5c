"""A PointNet-style runner: a SONATA config run on the engine.

::

    config = Config.from_json("config.json")
    config.build_env()
    network = PointNetwork.from_config(config)
    sim = PointSimulator.from_config(config, network)
    sim.run()

as BMTK's ``bmtk.simulator.pointnet``. What becomes what:

- **Nodes.** The cells of a node population that share ``model_type``,
  ``model_template`` and ``dynamics_params`` become one engine population
  (:mod:`workbench.sonata.templates` turns the template into a model);
  ``virtual`` nodes become a ``SpikeSourceArray`` fed by the config's
  ``inputs`` of type ``spikes``. SONATA node ids are kept: outputs name
  nodes by population and id, never by engine rank.
- **Edges.** Edges are grouped by synapse (``model_template`` and its
  ``dynamics_params``), source and target engine populations and the sign
  of their weight, and each group is installed with
  ``Projection.from_arrays`` (no Python loop per edge). The weight is
  ``syn_weight * nsyns`` (or a registered ``weight_function``), as in
  BMTK; a negative weight goes to the ``inh`` target with its absolute
  value (NEST routes by sign, the engine by target: see
  :mod:`workbench.nest.catalogue`). Delays are NEST's: at least ``dt``.
  ``receptor_type`` (in the edge type or its ``dynamics_params``) must be
  one of the target model's ports, as NEST checks (``glif_psc``: 1).
- **Current clamps** (``input_type: current_clamp``, ``module: IClamp``;
  ``amp`` in pA as PointNet's, ``delay`` and ``duration`` in ms, numbers
  or lists) add to the cells' ``I_e`` between those times: the run is cut
  at each change.
- **Time is NEST's.** NEST stamps the state after a step with the step's
  end, the engine with its start: an engine step ``k`` is NEST's time
  ``(k + 1) * dt``. So an input spike at ``T`` is sent by the engine at
  ``T - dt`` (it then reaches its targets at ``T + delay`` in NEST's
  time, as in NEST), an output spike of step ``k`` is written at
  ``(k + 1) * dt``, report samples are at ``dt, 2 dt, ...`` (or the
  report's ``dt`` and its multiples), and a clamp starting at ``T`` acts
  from ``T + dt`` (PointNet connects it with a delay of ``dt``). With the
  catalogue's models this reproduces NEST's spike steps exactly
  (tests/workbench/nest).
- **Outputs.** ``output.spikes_file`` (SONATA h5) and
  ``spikes_file_csv``, sorted by ``spikes_sort_order``; ``reports``
  (``variable_name`` of the ``cells`` node set, every ``dt`` ms or the
  report's own ``dt``) as SONATA membrane reports
  (:mod:`workbench.sonata.reports`).
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.sonata import templates
from workbench.sonata.config import Config
from workbench.sonata.errors import SonataError
from workbench.sonata.files import EdgeTable, NodeTable, read_edges, read_nodes
from workbench.sonata.node_sets import select
from workbench.sonata.reports import write_report
from workbench.sonata.spikes import read_spikes, write_spikes

__all__ = ["PointNetwork", "PointSimulator"]

_CELL_TYPES = ("point_neuron", "point_process")
#: the variable a current clamp adds to (NEST's constant input current, pA)
CLAMP_VARIABLE = "I_e"


@dataclass
class _Group:
    """Nodes of one population that become one engine population."""

    population: str
    node_ids: np.ndarray
    model_type: str
    model_template: str
    dynamics_params: object
    engine: object = None          # the engine population
    spike_times: list = field(default_factory=list)
    #: more SpikeSourceArrays for virtual nodes with several spikes in one step
    #: (NEST delivers each; an engine source spikes at most once a step)
    layers: list = field(default_factory=list)

    @property
    def virtual(self) -> bool:
        return self.model_type == "virtual"


class PointNetwork:
    """The node and edge tables of a config, read once (no engine yet)."""

    def __init__(self, nodes: dict, edges: list, components: dict | None = None,
                 node_sets: dict | None = None):
        self.nodes: dict[str, NodeTable] = dict(nodes)
        self.edges: list[EdgeTable] = list(edges)
        self.components = dict(components or {})
        self.node_sets = dict(node_sets or {})
        for table in self.edges:
            for role, pop, ids in (("source", table.source, table.source_node_id),
                                   ("target", table.target, table.target_node_id)):
                if pop not in self.nodes:
                    raise SonataError(f"edges {table.population!r}: {role} population {pop!r} "
                                      f"is not among the config's nodes "
                                      f"({', '.join(sorted(self.nodes))})")
                if ids.size and int(ids.max()) >= self.nodes[pop].size:
                    raise SonataError(f"edges {table.population!r}: {role} node id "
                                      f"{int(ids.max())} is beyond population {pop!r} "
                                      f"({self.nodes[pop].size} nodes)")

    @classmethod
    def from_config(cls, config: Config) -> "PointNetwork":
        """Read every nodes and edges file the config lists."""
        nodes = {}
        for entry in config.nodes:
            for table in read_nodes(entry["nodes_file"], entry["node_types_file"]):
                if table.population in nodes:
                    raise SonataError(f"node population {table.population!r} is in two "
                                      f"nodes files ({entry['nodes_file']})")
                nodes[table.population] = table
        edges = []
        for entry in config.edges:
            edges.extend(read_edges(entry["edges_file"], entry["edge_types_file"]))
        return cls(nodes, edges, config.components, config.node_sets)

    def select(self, node_set, where: str = "node set") -> dict[str, np.ndarray]:
        """``{population: node ids}`` of a node set (a name, list or dict)."""
        return select(node_set, self.nodes, self.node_sets, where)

    @property
    def n_nodes(self) -> int:
        return sum(t.size for t in self.nodes.values())

    @property
    def n_edges(self) -> int:
        return sum(t.size for t in self.edges)


class PointSimulator:
    """The engine network built from a config and a :class:`PointNetwork`.

    Building happens here, as in BMTK's ``PointSimulator.from_config``: cell
    groups, edges, inputs, monitors. :meth:`run` simulates ``run.tstop`` ms
    and writes the outputs. ``net`` is the engine ``Network`` (inspect it,
    or record more before :meth:`run`).
    """

    def __init__(self, config: Config, network: PointNetwork):
        import engine

        self.config = config
        self.network = network
        self.dt = config.dt
        self.tstop = config.tstop
        self.net = engine.Network(dt=self.dt, seed=config.seed)
        self.groups: list[_Group] = []
        self._group_of: dict[str, np.ndarray] = {}
        self._rank_of: dict[str, np.ndarray] = {}
        self._clamps: list[tuple[float, int, np.ndarray, float]] = []
        self._spike_monitors: dict[int, object] = {}
        self._reports: dict[str, dict] = {}
        self.outputs: dict[str, Path] = {}
        self.spikes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.build_seconds = 0.0
        self._first_start: float | None = None     # time of the first run()
        t0 = time.perf_counter()
        self._build_cells()
        self._build_inputs()
        self._build_edges()
        self._build_recordings()
        self.build_seconds = time.perf_counter() - t0

    @classmethod
    def from_config(cls, config: Config, network: PointNetwork | None = None
                    ) -> "PointSimulator":
        return cls(config, network or PointNetwork.from_config(config))

    # -- cells ---------------------------------------------------------------------------------
    def _build_cells(self) -> None:
        models_dir = self.network.components.get("point_neuron_models_dir")
        for pop, table in self.network.nodes.items():
            model_type = _texts(table.attribute("model_type"), "model_type", pop)
            template = np.asarray(["" if v is None else str(v)
                                   for v in table.attribute("model_template")], dtype=object)
            missing = (template == "") & (model_type != "virtual")
            if missing.any():
                raise SonataError(f"node population {pop!r}: {int(missing.sum())} cells (node "
                                  f"{int(np.flatnonzero(missing)[0])}...) have no model_template")
            params = table.attribute("dynamics_params")
            keys = np.array([f"{m}\x00{t}\x00{_params_key(p)}"
                             for m, t, p in zip(model_type, template, params)], dtype=object)
            uniq, first, inverse = np.unique(keys.astype(str), return_index=True,
                                             return_inverse=True)
            group_of = np.empty(table.size, dtype=np.int64)
            rank_of = np.empty(table.size, dtype=np.int64)
            for k in range(uniq.size):
                ids = np.flatnonzero(inverse == k)
                i = first[k]
                group = _Group(pop, ids, model_type[i], template[i], params[i])
                group_of[ids] = len(self.groups)
                rank_of[ids] = np.arange(ids.size)
                self._create(group, table, models_dir, len(self.groups))
                self.groups.append(group)
            self._group_of[pop], self._rank_of[pop] = group_of, rank_of

    def _create(self, group: _Group, table: NodeTable, models_dir, index: int) -> None:
        import engine

        name = _engine_name(f"{group.population}_{index}")
        where = (f"nodes of {group.population!r} with model_template "
                 f"{group.model_template!r}")
        if group.virtual:
            group.spike_times = [[] for _ in range(group.node_ids.size)]
            group.engine = self.net.create(engine.SpikeSourceArray(group.spike_times), name=name)
            return
        if group.model_type not in _CELL_TYPES:
            raise SonataError(f"{where}: model_type {group.model_type!r} is not run here "
                              f"(point neurons: {', '.join(_CELL_TYPES)}; virtual nodes: "
                              "'virtual'; biophysical cells need BMTK's BioNet)")
        params = templates.load_params(group.dynamics_params, models_dir, where)
        cell = templates.Cell(group.population, group.node_ids, group.model_type,
                              group.model_template, table, self.net, self.network.components,
                              name)
        loader = templates.find_cell_loader(group.model_template, group.model_type)
        directive, _, template_name = group.model_template.partition(":")
        try:
            pop = loader(cell, template_name or directive, params)
        except SonataError:
            raise
        except Exception as exc:
            from engine.errors import NeuroWorkbenchError

            if isinstance(exc, NeuroWorkbenchError) or loader is templates.default_cell_loader:
                raise SonataError(f"{where}: {exc}") from None
            raise
        if getattr(pop, "size", None) != group.node_ids.size or \
                pop not in self.net.get_populations():
            raise SonataError(f"{where}: the cell loader {loader.__name__} must return the "
                              f"engine population of its {group.node_ids.size} cells "
                              "(made with cell.create(...) or cell.network.create(...))")
        self._per_node_params(group, table, pop, where)
        group.engine = pop

    @staticmethod
    def _per_node_params(group: _Group, table: NodeTable, pop, where) -> None:
        """SONATA's per-node ``dynamics_params`` (a group's ``dynamics_params``
        datasets) override the template's values node by node."""
        for key, values in table.attributes.items():
            if not key.startswith("dynamics_params/"):
                continue
            name = key.split("/", 1)[1]
            mine = values[group.node_ids]
            if mine.dtype.kind == "f" and np.isnan(mine).all():
                continue
            if name not in pop.attributes:
                raise SonataError(f"{where}: per-node dynamics_params {name!r} is not a "
                                  f"variable of the model (it has "
                                  f"{', '.join(sorted(pop.attributes))})")
            if mine.dtype.kind not in "iuf":
                raise SonataError(f"{where}: per-node dynamics_params {name!r} must be "
                                  "numbers")
            mine = mine.astype(float)
            given = ~np.isnan(mine)         # nodes of other groups keep the template's
            current = np.array(getattr(pop, name), dtype=float)
            if current.shape != mine.shape:
                raise SonataError(f"{where}: {name!r} is one value for the whole group, "
                                  "it cannot be set per node")
            current[given] = mine[given]
            setattr(pop, name, current)

    # -- edges ----------------------------------------------------------------------------------
    def _build_edges(self) -> None:
        synapses_dir = self.network.components.get("synaptic_models_dir")
        for table in self.network.edges:
            if not table.size:
                continue
            weights, delays, syn_keys, syn_models = self._edge_values(table, synapses_dir)
            src_group = self._group_of[table.source][table.source_node_id]
            trg_group = self._group_of[table.target][table.target_node_id]
            negative = weights < 0
            n_groups = len(self.groups)
            key = ((syn_keys * n_groups + src_group) * n_groups + trg_group) * 2 + negative
            order = np.argsort(key, kind="stable")
            bounds = np.flatnonzero(np.diff(key[order])) + 1
            for rows in np.split(order, bounds):
                k = rows[0]
                pre, post = self.groups[src_group[k]], self.groups[trg_group[k]]
                if post.virtual:
                    raise SonataError(f"edges {table.population!r} end on virtual nodes of "
                                      f"{post.population!r}: virtual nodes only send spikes")
                target = "inh" if negative[k] else "exc"
                w = np.abs(weights[rows])
                if post.model_template == "nest:parrot_neuron":
                    w = np.ones_like(w)         # a parrot repeats any spike, whatever its weight
                for layer, source in enumerate([pre.engine] + pre.layers):
                    name = _engine_name(f"{table.population}_{len(self.net.get_projections())}")
                    try:
                        proj = self.net.connect(source, post.engine, target,
                                                synapse=syn_models[syn_keys[k]], name=name)
                        proj.from_arrays(
                            self._rank_of[table.source][table.source_node_id[rows]],
                            self._rank_of[table.target][table.target_node_id[rows]],
                            w, delays[rows])
                    except SonataError:
                        raise
                    except Exception as exc:
                        raise SonataError(f"edges {table.population!r} ({pre.model_template} "
                                          f"-> {post.model_template}): {exc}") from None

    def _edge_values(self, table: EdgeTable, synapses_dir):
        """Weight and delay per edge, and each edge's synapse (index into a list)."""
        n = table.size
        weights = np.empty(n)
        delays = np.empty(n)
        syn_keys = np.empty(n, dtype=np.int64)
        models, known = [], {}
        for type_id in np.unique(table.edge_type_id):
            rows = np.flatnonzero(table.edge_type_id == type_id)
            props = table.types.get(int(type_id), {})
            where = f"edges {table.population!r}, edge type {int(type_id)}"
            params = templates.load_params(props.get("dynamics_params"), synapses_dir, where)
            template = props.get("model_template", "static_synapse")
            key = json.dumps([template, {k: v for k, v in params.items()
                                         if k not in ("weight", "delay")}], sort_keys=True)
            if key not in known:
                model, _ = templates.synapse_model(template, params, where)
                known[key] = len(models)
                models.append(model)
            syn_keys[rows] = known[key]
            self._check_receptor(table, rows, props, params, where)
            weights[rows] = self._weights(table, rows, props, params, where)
            delays[rows] = self._delays(table, rows, props, params, where)
        if not np.isfinite(weights).all():
            raise SonataError(f"edges {table.population!r}: weights that are not finite numbers")
        return weights, delays, syn_keys, models

    def _check_receptor(self, table, rows, props, params, where) -> None:
        """NEST's rule: an edge's ``receptor_type`` (default 0) must be a
        receptor port of its target model (``glif_psc``: 1..n, others: 0)."""
        port = params.get("receptor_type", props.get("receptor_type", 0))
        if isinstance(port, bool) or not isinstance(port, (int, float)) or port != int(port):
            raise SonataError(f"{where}: receptor_type must be a whole number, got {port!r}")
        for g in np.unique(self._group_of[table.target][table.target_node_id[rows]]):
            group = self.groups[g]
            ports = getattr(group.engine.neuron_type, "receptor_ports", (0,))
            if int(port) not in ports:
                raise SonataError(
                    f"{where}: receptor_type {int(port)} is not a receptor port of "
                    f"{group.model_template} (its ports: {', '.join(map(str, ports))}; set "
                    f"\"receptor_type\": {ports[0]} in the edges' dynamics_params, as NEST "
                    "requires)")

    def _weights(self, table, rows, props, params, where) -> np.ndarray:
        if props.get("weight_function"):
            fn = templates.weight_function(str(props["weight_function"]))
            edges = templates.edge_frame(table, rows)
            src = self._node_frame(table.source, table.source_node_id[rows])
            trg = self._node_frame(table.target, table.target_node_id[rows])
            values = np.asarray(fn(edges, src, trg), dtype=float)
            if values.shape not in ((), (rows.size,)):
                raise SonataError(f"{where}: weight_function {props['weight_function']!r} "
                                  f"returned {values.shape} values for {rows.size} edges")
            return np.broadcast_to(values, (rows.size,))
        w = _edge_value(table, rows, props, params, "syn_weight", "weight", where)
        nsyns = table.attributes["nsyns"][rows] if "nsyns" in table.attributes \
            else props.get("nsyns", 1)
        return _numbers(w, where, "syn_weight") * _numbers(nsyns, where, "nsyns")

    def _delays(self, table, rows, props, params, where) -> np.ndarray:
        d = _edge_value(table, rows, props, params, "delay", "delay", where)
        d = np.broadcast_to(_numbers(d, where, "delay"), (rows.size,)).astype(float)
        if d.size and not (d.min() >= self.dt - 1e-9 * self.dt):
            raise SonataError(f"{where}: a delay of {d.min():g} ms is shorter than the time "
                              f"step dt = {self.dt:g} ms (NEST's rule: delays >= dt)")
        return d

    def _node_frame(self, pop, ids):
        return templates.attribute_frame(self.network.nodes[pop], ids, {"node_id": ids},
                                         index=ids)

    # -- inputs ---------------------------------------------------------------------------------
    def _build_inputs(self) -> None:
        for name, spec in self.config.inputs.items():
            if spec.get("enabled", True) is False:
                continue
            where = f"inputs.{name}"
            nodes = self.network.select(spec.get("node_set", list(self.network.nodes)), where)
            if spec["input_type"] == "spikes":
                self._spike_input(spec, nodes, where)
            else:
                self._current_clamp(spec, nodes, where)
        for group in self.groups:
            if group.virtual and any(group.spike_times):
                self._set_trains(group)

    def _set_trains(self, group: _Group) -> None:
        """Give a virtual group its trains; spikes sharing a node's step go to
        extra sources (layer j: each node's j-th spike of a step), which the
        edges leave from too, so each is delivered as in NEST."""
        import engine

        layers: list[list] = []
        n = group.node_ids.size
        for rank, times in enumerate(group.spike_times):
            steps, counts = np.unique(np.round(np.asarray(times, dtype=float) / self.dt)
                                      .astype(np.int64), return_counts=True)
            for j in range(int(counts.max()) if counts.size else 0):
                if len(layers) <= j:
                    layers.append([[] for _ in range(n)])
                layers[j][rank] = (steps[counts > j] * self.dt).tolist()
        group.engine.spike_times = layers[0]
        for j, trains in enumerate(layers[1:], start=1):
            group.layers.append(self.net.create(
                engine.SpikeSourceArray(trains), name=_engine_name(f"{group.engine.name}_{j}")))

    def _spike_input(self, spec, nodes, where) -> None:
        trains = read_spikes(spec["input_file"])
        for pop, ids in nodes.items():
            if pop not in trains:
                raise SonataError(f"{where}: {spec['input_file']} has no spikes of population "
                                  f"{pop!r} (it has {', '.join(trains) or 'none'})")
            times, node_ids = trains[pop]
            groups = self._group_of[pop][ids]
            if any(not self.groups[g].virtual for g in np.unique(groups)):
                raise SonataError(f"{where}: spike trains drive virtual nodes; node set "
                                  f"includes cells of {pop!r} that are not virtual")
            size = self.network.nodes[pop].size
            if node_ids.size and int(node_ids.max()) >= size:
                raise SonataError(f"{where}: {spec['input_file']} names node "
                                  f"{int(node_ids.max())} of {pop!r}, which has {size} nodes")
            if times.size and times.min() < 0:
                raise SonataError(f"{where}: {spec['input_file']} has negative spike times")
            wanted = np.zeros(size, dtype=bool)
            wanted[ids] = True
            keep = wanted[node_ids]
            times, node_ids = times[keep], node_ids[keep]
            # NEST's time -> the engine's step: NEST rounds an off-grid time up to the
            # grid and sends a spike of time T in the step that ends at T
            steps = np.ceil(times / self.dt - 1e-9)
            times = np.maximum(steps - 1.0, 0.0) * self.dt
            order = np.lexsort((times, node_ids))
            times, node_ids = times[order], node_ids[order]
            bounds = np.searchsorted(node_ids, np.arange(size + 1))
            for nid in ids:
                group = self.groups[self._group_of[pop][nid]]
                group.spike_times[self._rank_of[pop][nid]] = \
                    times[bounds[nid]:bounds[nid + 1]].tolist()

    def _current_clamp(self, spec, nodes, where) -> None:
        amps, delays, durations = (_as_list(spec[k]) for k in ("amp", "delay", "duration"))
        if not len(amps) == len(delays) == len(durations):
            raise SonataError(f"{where}: amp, delay and duration lists must have one length "
                              f"(got {len(amps)}, {len(delays)}, {len(durations)})")
        for amp, start, duration in zip(amps, delays, durations):
            amp, start, duration = (_number(x, where, k) for x, k in
                                    ((amp, "amp"), (start, "delay"), (duration, "duration")))
            if start < 0 or duration < 0:
                raise SonataError(f"{where}: delay and duration are >= 0 ms")
            for pop, ids in nodes.items():
                for g in np.unique(self._group_of[pop][ids]):
                    group = self.groups[g]
                    if group.virtual:
                        continue
                    if CLAMP_VARIABLE not in group.engine.attributes:
                        raise SonataError(f"{where}: cells of {pop!r} ({group.model_template}) "
                                          f"have no {CLAMP_VARIABLE} to inject a current into")
                    ranks = self._rank_of[pop][ids[self._group_of[pop][ids] == g]]
                    # PointNet connects the step current generator with a delay of dt
                    self._clamps.append((start + self.dt, int(g), ranks, amp))
                    self._clamps.append((start + duration + self.dt, int(g), ranks, -amp))

    # -- recordings -----------------------------------------------------------------------------
    def _build_recordings(self) -> None:
        for g, group in enumerate(self.groups):
            if not group.virtual:
                self._spike_monitors[g] = self.net.monitor(group.engine, ["spike"])
        for name, spec in self.config.reports.items():
            if spec.get("enabled", True) is False:
                continue
            where = f"reports.{name}"
            variable = spec["variable_name"]
            period = _number(spec.get("dt", self.dt), where, "dt")
            nodes = self.network.select(spec.get("cells", list(self.network.nodes)), where)
            parts = []
            for pop, ids in nodes.items():
                for g in np.unique(self._group_of[pop][ids]):
                    group = self.groups[g]
                    if group.virtual:
                        continue
                    if variable not in group.engine.attributes:
                        raise SonataError(
                            f"{where}: cells of {pop!r} ({group.model_template}) have no "
                            f"variable {variable!r} (they have "
                            f"{', '.join(sorted(group.engine.attributes))})")
                    chosen = ids[self._group_of[pop][ids] == g]
                    ranks = self._rank_of[pop][chosen]
                    view = group.engine if ranks.size == group.node_ids.size \
                        else group.engine[ranks.tolist()]
                    try:
                        # NEST samples at period, 2*period...: engine steps period/dt - 1...
                        mon = self.net.monitor(view, [variable], period=period,
                                               period_offset=period - self.dt)
                    except Exception as exc:
                        raise SonataError(f"{where}: {exc}") from None
                    parts.append((pop, chosen, mon))
            file_name = spec.get("file_name", f"{name}.h5")
            self._reports[name] = dict(variable=variable, period=period, parts=parts,
                                       file=self.config.output_dir / file_name)

    # -- running --------------------------------------------------------------------------------
    def run(self, duration: float | None = None, progress=False) -> dict[str, Path]:
        """Simulate ``duration`` ms (default ``run.tstop``) and write the
        outputs; returns ``{output name: path}``. ``progress=True`` shows a
        tqdm bar; a callable receives the engine's progress reports."""
        duration = self.tstop if duration is None else float(duration)
        if not self.net.compiled:
            self.net.compile()
        start = self.net.time
        if self._first_start is None:
            self._first_start = start
        end = start + duration
        changes = sorted(self._clamps, key=lambda change: (change[0], change[1]))
        bar, report = _progress(progress, duration, start)
        try:
            for t_change, g, ranks, amp in changes + [(math.inf, None, None, 0.0)]:
                stop = min(t_change, end)
                if stop > self.net.time + 1e-9 * self.dt:
                    self.net.simulate(stop - self.net.time, report=report)
                if t_change >= end:
                    break
                if g is not None and t_change >= start - 1e-9:
                    pop = self.groups[g].engine
                    values = np.array(getattr(pop, CLAMP_VARIABLE), dtype=float)
                    values[ranks] += amp
                    setattr(pop, CLAMP_VARIABLE, values)
        finally:
            if bar is not None:
                bar.close()
        self._collect_spikes()
        return self._write_outputs(self._first_start)

    def _collect_spikes(self) -> None:
        per_pop: dict[str, list] = {}
        for g, mon in self._spike_monitors.items():
            group = self.groups[g]
            data = mon.get("spike", keep=True)
            times, ids = [], []
            for rank, steps in data.items():
                if len(steps):
                    times.append((np.asarray(steps, dtype=float) + 1.0) * self.dt)
                    ids.append(np.full(len(steps), group.node_ids[rank]))
            entry = per_pop.setdefault(group.population, [[], []])
            entry[0].extend(times)
            entry[1].extend(ids)
        self.spikes = {}
        for pop, (times, ids) in per_pop.items():
            t = np.concatenate(times) if times else np.zeros(0)
            i = np.concatenate(ids).astype(np.int64) if ids else np.zeros(0, np.int64)
            order = np.lexsort((i, t))
            self.spikes[pop] = (t[order], i[order])

    def _write_outputs(self, start: float) -> dict[str, Path]:
        out = self.config.output
        sort = out.get("spikes_sort_order", "by_time")
        if sort == "time":
            sort = "by_time"
        elif sort == "id":
            sort = "by_id"
        for key in ("spikes_file", "spikes_file_csv"):
            if out.get(key):
                self.outputs[key] = write_spikes(out[key], self.spikes, sort=sort)
        for name, rep in self._reports.items():
            data = {}
            for pop, ids, mon in rep["parts"]:
                values = np.asarray(mon.get(rep["variable"], keep=True), dtype=float)
                values = values.reshape(values.shape[0], -1)
                old = data.get(pop)
                data[pop] = (ids, values) if old is None else \
                    (np.concatenate([old[0], ids]), np.concatenate([old[1], values], axis=1))
            for pop, (ids, values) in data.items():
                order = np.argsort(ids)
                data[pop] = (ids[order], values[:, order])
            n = max((v.shape[0] for _, v in data.values()), default=0)
            first = start + rep["period"]         # NEST's first sample of the run
            self.outputs[name] = write_report(rep["file"], data, first,
                                              first + n * rep["period"],
                                              rep["period"], rep["variable"],
                                              units="mV" if rep["variable"] == "V_m" else "")
        return dict(self.outputs)


# -- helpers -----------------------------------------------------------------------------------

def _texts(values: np.ndarray, name: str, pop: str) -> np.ndarray:
    if any(v is None for v in values):
        missing = int(np.sum([v is None for v in values]))
        raise SonataError(f"node population {pop!r}: {missing} nodes have no {name}")
    return np.asarray([str(v) for v in values], dtype=object)


def _params_key(p) -> str:
    return json.dumps(p, sort_keys=True) if isinstance(p, dict) else str(p)


def _engine_name(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    return name if name[:1].isalpha() else f"n_{name}"


def _edge_value(table, rows, props, params, name, param_name, where):
    """An edge value as BMTK looks it up: per edge, else the edge type's
    (types CSV), else its ``dynamics_params``' ``param_name``."""
    if name in table.attributes:
        return table.attributes[name][rows]
    if name in props:
        return props[name]
    if param_name in params:
        return params[param_name]
    raise SonataError(f"{where}: no {name} (per edge, in the edge types CSV, or "
                      f"{param_name!r} in its dynamics_params)")


def _number(value, where, key) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SonataError(f"{where}: {key} must be a finite number, got {value!r}")
    return float(value)


def _numbers(value, where, key) -> np.ndarray:
    try:
        out = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise SonataError(f"{where}: {key} must be numbers") from None
    if not np.isfinite(out).all():
        raise SonataError(f"{where}: {key} holds values that are not finite numbers")
    return out


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _progress(progress, duration, start):
    if callable(progress):
        return None, progress
    if not progress:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=round(duration, 6), unit="ms", desc="simulating", leave=True)
    done = [0.0]

    def report(p):
        now = p.time_ms - start
        bar.update(max(0.0, now - done[0]))
        done[0] = now

    return bar, report
