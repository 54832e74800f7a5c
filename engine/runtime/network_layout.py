"""The Network's compile-time machinery: what the code generator is told
(the network's layout: populations, projections with their delay modes,
monitors) and the arrays the kernels take (spike and rate histories, delay
rings, scratch buffers, precision), by their names in generated code.

:class:`_NetworkLayout` is a base class of :class:`engine.runtime.network.Network`.
"""

from __future__ import annotations

import numpy as np

from engine.codegen.network_code import (
    PAR_MIN_SYNAPSES, MonitorLayout, NetworkLayout, PopulationLayout, ProjectionLayout,
)
from engine.codegen.rng import seed_state
from engine.codegen.population_code import is_delay_buffer, rate_history_name
from engine.codegen.synapse_code import needs_delayed_events


class _NetworkLayout:
    """Layout and arrays of a :class:`~engine.runtime.network.Network`."""

    # -- layout -----------------------------------------------------------------
    def _delay_mode(self, proj) -> str:
        if not proj.uniform_delay:
            if proj.pre_population.spiking and needs_delayed_events(proj.ir):
                return "events"   # each synapse's event runs when its spike arrives
            return "synapse"
        return "uniform" if proj._delay_steps > 1 else "none"

    def _history_needs(self):
        """Per population: (spike history depth, rate history depth)."""
        spk = {p.id: 0 for p in self._populations}
        rate = {p.id: 0 for p in self._populations}
        for j in self._projections:
            mode = self._delay_mode(j)
            pid = j.pre_population.id
            if j.pre_population.spiking and mode in ("uniform", "events"):
                spk[pid] = max(spk[pid], j.max_delay_steps)
            if not j.pre_population.spiking and mode != "none":
                rate[pid] = max(rate[pid], j.max_delay_steps)
        return spk, rate

    def _rate_history_vars(self) -> dict[int, tuple[str, ...]]:
        """Per rate-coded population read with a delay: the attributes whose past
        values are kept (``r``, and every other ``pre.x`` a delayed psp reads)."""
        out: dict[int, set] = {}
        for j in self._projections:
            pre = j.pre_population
            if pre.spiking or self._delay_mode(j) == "none":
                continue
            psp = j._plan(j.name).psp
            names = {s.name[4:] for s in (psp.free_symbols if psp is not None else ())
                     if s.name.startswith("pre.") and not s.name.startswith("pre.sum(")}
            out.setdefault(pre.id, set()).update(names or {"r"})
        return {pid: tuple(sorted(v)) for pid, v in out.items()}

    def _global_op_needs(self) -> dict[int, tuple[tuple[str, str], ...]]:
        """Per population: the ``(op, variable)`` its model or a projection's
        synapse reads (``mean(r)``, ``max(post.r)``)."""
        need = {p.id: {(op, name) for op, _, name in p.ir.global_operations}
                for p in self._populations}
        for j in self._projections:
            for op, side, name in j.ir.global_operations:
                pop = j.pre_population if side == "pre" else j.post_population
                need[pop.id].add((op, name))
        return {pid: tuple(sorted(ops)) for pid, ops in need.items()}

    def _allocate_global_ops(self):
        """One value per global operation, 0 until the first step computes it (ANNarchy)."""
        need = self._global_op_needs()
        for p in self._populations:
            for key in [k for k in p._internals if k.startswith("gop_")]:
                del p._internals[key]
            for op, name in need[p.id]:
                p._internals[f"gop_{op}_{name}"] = np.zeros(1, dtype=self._float_dtype)

    def _layout(self) -> NetworkLayout:
        for j in self._projections:
            j._require_connected()
        spk, rate = self._history_needs()
        gops = self._global_op_needs()
        kept = self._rate_history_vars()
        pops = tuple(
            PopulationLayout(
                key=f"p{p.id}", label=p.name, ir=p.ir,
                refractory_from_array=p.refractory_from_array,
                stop_condition=p.stop_condition, stop_any=p.stop_any,
                spike_history=spk[p.id] > 0,
                rate_history=kept.get(p.id, ()) if rate[p.id] > 0 else (),
                custom=p._layout_custom(), global_ops=gops[p.id],
            )
            for p in self._populations
        )
        projs = tuple(
            ProjectionLayout(key=f"j{j.id}", label=j.name, ir=j.ir,
                             pre_key=f"p{j.pre_population.id}",
                             post_key=f"p{j.post_population.id}", target=j.target,
                             spiking=j.pre_population.spiking, delay_mode=self._delay_mode(j),
                             custom=j._custom_code(),
                             parallel=(self._threads() > 1 and not j.pre_population.spiking
                                       and _synapses(j) >= PAR_MIN_SYNAPSES),
                             dense_rows=(j.pre_population.spiking and _synapses(j) > 0
                                         and _has_dense_rows(j._row_ptr, j._col)))
            for j in self._projections
        )
        mons = tuple(
            MonitorLayout(key=f"m{m.id}", pop_key=(f"j{m.projection.id}" if m.projection
                                                    is not None else f"p{m.population.id}"),
                          local_vars=tuple(m.local_vars), global_vars=tuple(m.global_vars),
                          spikes=m.records_spikes, semi_vars=tuple(m.semi_vars),
                          sum_targets=tuple(m.sum_targets))
            for m in self._monitors
        )
        return NetworkLayout(pops, mons, projs, default_method=self._config["method"],
                             check_finite=self._config["check_finite"])

    def _array_types(self) -> dict:
        """``name -> (dtype, ndim)`` of every array the kernels may take."""
        return {name: (a.dtype.name, a.ndim) for name, a in self._arrays_by_arg().items()}

    def _allocate_scratch(self, code):
        """Buffers the kernels write and read within one step (random draws)."""
        arrays = self._arrays_by_arg()
        self._scratch = {name: np.empty(arrays[like].shape[0], dtype=dtype)
                         for name, (dtype, like) in code.scratch.items()}

    def _allocate_delay_buffers(self):
        """Spike/rate histories of pre populations and per-synapse delay rings
        (and the values of global operations)."""
        self._allocate_global_ops()
        spk, rate = self._history_needs()
        fdt = self._float_dtype
        self._check_delay_memory(spk, rate)   # engine.runtime.network_run
        kept = self._rate_history_vars()
        for p in self._populations:
            for k in [k for k in p._internals if is_delay_buffer(k)]:
                p._internals.pop(k)
            if spk[p.id]:
                p._internals["hist"] = np.zeros((spk[p.id], p.size), dtype=np.int32)
                p._internals["hist_n"] = np.zeros(spk[p.id], dtype=np.int64)
            if rate[p.id]:
                # empty histories hold the current values (a delayed read before
                # the first steps sees the initial state, as ANNarchy)
                for name in kept.get(p.id, ()):
                    p._internals[rate_history_name(name)] = np.tile(
                        p._arrays[name], (rate[p.id], 1)).astype(fdt)
        for j in self._projections:
            j._ring = None
            if self._delay_mode(j) == "synapse" and j.pre_population.spiking:
                j._ring = np.zeros((j.max_delay_steps + 1, j.post_population.size), dtype=fdt)
            for name, arr in list(j._arrays.items()):
                if arr.dtype.kind == "f" and arr.dtype != fdt:
                    j._arrays[name] = arr.astype(fdt)
            j._rng = seed_state(np.random.SeedSequence([self.seed, 4, j.id]))
            j._learning_cache = j._learning_arrays()
            if self._delay_mode(j) == "events":
                j._learning_cache.update(j._delay_event_index())

    def _convert_precision(self):
        fdt = self._float_dtype
        for p in self._populations:
            for name, arr in list(p._arrays.items()):
                if arr.dtype.kind == "f" and arr.dtype != fdt:
                    p._arrays[name] = arr.astype(fdt)
            for name, arr in list(p._internals.items()):
                if arr.dtype.kind == "f" and arr.dtype != fdt:
                    p._internals[name] = arr.astype(fdt)

    def _arrays_by_arg(self) -> dict[str, np.ndarray]:
        """Every array the kernels may take, by its name in generated code:
        ``_p0_v`` for attribute ``v`` of population 0, ``_p0__spk`` (two
        underscores) for its internal arrays, ``_j0_w``/``_j0__row`` for a
        projection's (engine.codegen.network_code). Model attributes never
        start with ``_``: the two kinds cannot meet."""
        out = {}
        for p in self._populations:
            for k, v in p._arrays.items():
                out[f"_p{p.id}_{k}"] = v
            for k, v in p._internals.items():
                out[f"_p{p.id}__{k}"] = v
        for j in self._projections:
            k = f"_j{j.id}"
            for name, v in j._arrays.items():
                out[f"{k}_{name}"] = v
            # (before compile() some arrays do not exist yet: generated_code())
            col = getattr(j, "_col", None)
            for name, v in (("row", getattr(j, "_row_ptr", None)),
                            ("col", None if col is None else col.view(np.uint32)),  # unsigned
                            ("rng", getattr(j, "_rng", None)),
                            ("delays", getattr(j, "_delays", None)),
                            ("ring", getattr(j, "_ring", None))):
                if v is not None:
                    out[f"{k}__{name}"] = v
            out[f"{k}__dsteps"] = np.array([j._delay_steps], dtype=np.int64)
            for name, v in j._extra.items():
                out[f"{k}__{name}"] = v
            for name, v in getattr(j, "_learning_cache", {}).items():
                out[f"{k}__{name}"] = v
        for m in self._monitors:
            out.update(m._buffers())
        for name, c in self._constants.items():
            out[f"_c_{name}"] = c._array
        out.update(getattr(self, "_scratch", {}))
        return out


def _synapses(j) -> int:
    """Stored synapses of a projection (0 when it has no CSR, e.g. custom code)."""
    col = getattr(j, "_col", None)
    return 0 if col is None or getattr(j, "_row_ptr", None) is None else int(col.shape[0])


def _has_dense_rows(row_ptr: np.ndarray, col: np.ndarray, min_len: int = 8) -> bool:
    """Whether some row of a CSR (columns strictly ascending within a row) is
    one run of at least ``min_len`` consecutive columns (all-to-all rows):
    then the generated delivery gets a dense, vectorised branch. O(rows)."""
    lens = np.diff(row_ptr)
    rows = np.flatnonzero(lens >= min_len)
    if rows.size == 0:
        return False
    first = col[row_ptr[rows]].astype(np.int64)
    last = col[row_ptr[rows + 1] - 1].astype(np.int64)
    return bool(np.any(last - first == lens[rows] - 1))
