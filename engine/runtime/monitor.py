"""Monitors: record variables and spikes of populations while simulating.

Recording happens inside the compiled loop, into buffers allocated per
``simulate`` call for exactly the records that call will make (variables), or
grown by doubling (spikes). Memory is proportional to what is recorded.

Timing: row ``k`` of a variable's record holds the state after the update of
step ``offset + k*period`` (ANNarchy's convention); spikes are recorded as the
step index at which the neuron crossed its threshold. Inputs are recorded
earlier in the step, as ANNarchy's ``record_targets()``: the weighted sum
``'sum(exc)'`` of a rate-coded population and the conductances ``g_exc`` of a
spiking one are recorded once the step's transmission is done, before the
neurons are updated (:mod:`engine.runtime.monitor_names`).

Each variable keeps its own data, its own recording intervals and the steps of
its rows (as ANNarchy's ``_recorded_variables[var]``): ``get('r')`` drains and
restarts ``r`` only, so ``times()['c']`` and ``recorded_times('c')`` still
describe the rows of ``c`` that are held. The spike statistics are in
:mod:`engine.runtime.monitor_spikes`, the intervals in
:mod:`engine.runtime.monitor_intervals`.
"""

from __future__ import annotations

import difflib

import numpy as np

from engine.errors import NetworkError
from engine.runtime.monitor_intervals import RecordingIntervals
from engine.runtime.monitor_names import (
    add_rate_variable, check_sum_ready, check_sum_request, needs_rate_variable, sum_target,
)
from engine.runtime.monitor_spikes import SpikeStatistics
from engine.runtime.population import Population, PopulationView
from engine.runtime.projection import Dendrite, Projection

__all__ = ["Monitor"]


def _hint(name, known: list[str]) -> str:
    """`` (did you mean 'v'?)`` (case-insensitive first), else what there is."""
    if not isinstance(name, str):
        return f" (names are strings; it has: {', '.join(known) or 'nothing'})"
    same = [k for k in known if k.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, known, n=1) or \
        difflib.get_close_matches(name.lower(), known, n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (it has: {', '.join(known) or 'nothing'})"


class Monitor(SpikeStatistics):
    """Records variables (and ``'spike'``) of a population or view.

    Parameters
    ----------
    obj : Population or PopulationView
    variables : str or list of str
        Attribute names; ``'spike'`` for spiking populations; ``'sum(exc)'``
        for the weighted sum of target ``exc`` of a rate-coded population.
        ``'r'`` of a spiking model without ``r`` gives it one (0 unless
        ``pop.compute_firing_rate(window)`` is called), with a warning.
    period : float, optional
        Recording period in ms (default: every step).
    period_offset : float, optional
        First recorded time modulo the period, in ms (default 0).
    start : bool
        Start recording immediately (default) or wait for :meth:`start`.
    name : str, optional
    """

    def __init__(self, obj, variables=(), period=None, period_offset=None, start=True,
                 name=None, *, network=None):
        self.projection = None
        self._dendrite = False
        self._post_ranks = np.zeros(0, dtype=np.int64)
        if isinstance(obj, PopulationView):
            pop, ranks = obj.population, obj.ranks
        elif isinstance(obj, Population):
            pop, ranks = obj, np.arange(obj.size)
        elif isinstance(obj, (Projection, Dendrite)):
            # synaptic variables: the "ranks" are synapse indices, in dendrite order
            proj = obj if isinstance(obj, Projection) else obj.proj
            proj._require_connected()
            order, row_ptr, post_ranks = proj._dendrite_index()
            if isinstance(obj, Dendrite):
                ranks = order[row_ptr[obj.post_rank]:row_ptr[obj.post_rank + 1]]
            else:
                ranks = np.concatenate([order[row_ptr[r]:row_ptr[r + 1]] for r in post_ranks]) \
                    if post_ranks else np.zeros(0, np.int64)
            self.projection = proj
            self._dendrite = isinstance(obj, Dendrite)
            # synapses per recorded dendrite: get() shapes the records (post, pre)
            self._dendrite_sizes = np.diff(row_ptr)[[obj.post_rank] if self._dendrite
                                                    else post_ranks].astype(np.int64)
            pop = proj
            if isinstance(variables, str):
                variables = [variables]
            # per post-synaptic neuron variables ('postsynaptic'): one column per dendrite
            self._post_ranks = np.asarray([obj.post_rank] if isinstance(obj, Dendrite)
                                          else post_ranks, dtype=np.int64)
            for v in variables:
                if v not in proj._arrays:
                    raise NetworkError(f"cannot record '{v}': projection {proj.name!r} has no "
                                       f"such synaptic variable{_hint(v, list(proj._arrays))}")
        else:
            raise NetworkError(
                "can only monitor populations, population views, projections and dendrites, "
                f"got {type(obj).__name__}"
            )
        net = network if network is not None else pop.network
        if pop.network is not net:
            raise NetworkError(f"{pop.name!r} belongs to another network")
        if isinstance(variables, str):
            variables = [variables]
        variables = list(variables)
        add_rate = False
        for v in variables:
            target = sum_target(v) if self.projection is None else None
            if v == "spike":
                if not pop.spiking:
                    raise NetworkError(
                        f"population {pop.name!r} is rate-coded: it has no spikes to record"
                    )
            elif target is not None:
                check_sum_request(pop, v, target)
            elif self.projection is None and needs_rate_variable(pop, v):
                add_rate = True   # given after the monitor is registered
            elif v not in pop._arrays:
                known = list(pop._arrays) + (["spike"] if pop.spiking else [])
                raise NetworkError(
                    f"cannot record '{v}': population {pop.name!r} has no such "
                    f"attribute{_hint(v, known)}"
                )
        if len(set(variables)) != len(variables):
            raise NetworkError(f"variables recorded twice: {variables}")
        self.object = obj
        self.population = pop
        self.ranks = np.asarray(ranks, dtype=np.int64)
        self.variables = variables
        self.network = net
        self.period = period
        self.period_offset = period_offset
        self._period_steps = 1
        self._offset_steps = 0
        # ANNarchy anchors the period of a monitor created after compile at its
        # creation step (its recorder's offset is current_step % period)
        self._phase_step = net.current_step if net._compiled else 0
        self._resolve_period()
        self.id = net._register_monitor(self, name)
        if add_rate:
            add_rate_variable(pop)
        self.name = name if name is not None else f"monitor{self.id}"
        self._active = np.array([1 if start else 0], dtype=np.uint8)
        self._rows = np.zeros(1, dtype=np.int64)
        size = pop.size if self.projection is None else 0
        self._mask = np.zeros(size, dtype=np.uint8)
        self._mask[self.ranks if self.projection is None else []] = 1
        cap = max(1024, 4 * size)
        self._spk_t = np.zeros(cap, dtype=np.int64)
        self._spk_i = np.zeros(cap, dtype=np.int32)
        self._spk_n = np.zeros(1, dtype=np.int64)
        self._chunks: dict[str, list[np.ndarray]] = {
            v: [] for v in self.local_vars + self.semi_vars + self.global_vars + self.sum_vars}
        self._current: dict[str, np.ndarray] = {}
        # the steps of each closed chunk per variable (recorded_times(), and
        # read_new() with the next chunk it reads), the spikes of whole steps
        # (committed) and read
        self._chunk_steps: dict[str, list[np.ndarray]] = {v: [] for v in self._chunks}
        self._next_chunk: dict[str, int] = {v: 0 for v in self._chunks}
        self._spk_committed = 0
        self._spk_read = 0
        # per variable: when the data held was recorded, and when the data
        # its last get() returned was (what times() then describes)
        self._intervals = RecordingIntervals(variables, net.time, bool(start))
        self._last_get_times: dict[str, list[tuple[float, float]]] = {}

    # -- layout ---------------------------------------------------------------
    def _resolve_period(self):
        dt = self.network.dt
        for what, value in (("period", self.period), ("period_offset", self.period_offset)):
            if value is not None and not (isinstance(value, (int, float, np.number))
                                          and np.isfinite(value) and value >= 0):
                raise NetworkError(f"monitor {what} must be a finite number of ms >= 0, "
                                   f"got {value!r}")
        if self.period is not None:
            steps = int(round(self.period / dt))
            if steps < 1 or abs(steps * dt - self.period) > 1e-9 * max(1.0, self.period):
                raise NetworkError(
                    f"monitor period {self.period} ms is not a positive multiple of dt = {dt} ms"
                )
            self._period_steps = steps
        offset = int(round(self.period_offset / dt)) if self.period_offset is not None else 0
        phase = getattr(self, "_phase_step", 0) % self._period_steps
        # records at the steps s with (s - phase) % period == period_offset (ANNarchy)
        self._offset_steps = (offset + phase) % self._period_steps if phase else offset

    def _attributes(self, locality: str) -> list[str]:
        pop = self.population
        return [v for v in self.variables if v != "spike" and v not in self.sum_vars
                and pop.ir.variable(v).locality == locality]

    @property
    def local_vars(self) -> list[str]:
        """One value per neuron (or per synapse)."""
        return self._attributes("local")

    @property
    def semi_vars(self) -> list[str]:
        """Synaptic variables with one value per post-synaptic neuron."""
        return self._attributes("semiglobal")

    @property
    def global_vars(self) -> list[str]:
        return self._attributes("global")

    @property
    def sum_vars(self) -> list[str]:
        """The recorded weighted sums, as named (``'sum(exc)'``): one value per neuron."""
        if self.projection is not None:
            return []
        return [v for v in self.variables if v != "spike" and sum_target(v) is not None]

    @property
    def sum_targets(self) -> list[str]:
        """The targets of :attr:`sum_vars` (``'exc'``); checked: the network
        lays out the monitor only when the population has their sums."""
        targets = []
        for v in self.sum_vars:
            target = sum_target(v)
            check_sum_ready(self.population, v, target)
            targets.append(target)
        return targets

    def _columns(self, name: str) -> int:
        """Values per record of a recorded variable: neurons (or synapses),
        post-synaptic neurons, or 1 for a population-wide value."""
        if name in self.sum_vars or name in self.local_vars:
            return self.ranks.size
        return self._post_ranks.size if name in self.semi_vars else 1

    def _dtype(self, name: str) -> np.dtype:
        """The dtype of what ``name`` records (a weighted sum: the network's floats)."""
        target = sum_target(name) if name in self.sum_vars else None
        if target is None:
            return self.population._arrays[name].dtype
        values = self.population._internals.get(f"sum_{target}")
        return values.dtype if values is not None else np.dtype(self.network._float_dtype)

    def _width(self, name: str) -> tuple[int, ...]:
        """The shape of one record of ``name`` (``()`` for a population-wide value)."""
        return () if name in self.global_vars else (self._columns(name),)

    @property
    def records_spikes(self) -> bool:
        return "spike" in self.variables

    # -- buffers (called by the network around each compiled run) -----------
    def _n_records(self, step0: int, n_steps: int) -> int:
        if not self._active[0]:
            return 0
        P, off = self._period_steps, self._offset_steps
        first = max(step0, off)
        first += (-(first - off)) % P
        end = step0 + n_steps
        return 0 if first >= end else (end - 1 - first) // P + 1

    def _open_chunk(self, step0: int, n_steps: int):
        rows = self._n_records(step0, n_steps)
        self._rows[0] = 0
        self._chunk_start = step0
        for v in self.local_vars + self.semi_vars + self.global_vars + self.sum_vars:
            self._current[v] = np.zeros((rows,) + self._width(v), dtype=self._dtype(v))

    def _close_chunk(self):
        self._spk_committed = int(self._spk_n[0])   # spikes of whole steps only
        n = int(self._rows[0])
        if not self._current:
            self._committed_step = self.network.current_step
            return
        for v, buf in self._current.items():
            if n:
                self._chunks[v].append(buf[:n].copy() if n < buf.shape[0] else buf)
        if n:
            P, off = self._period_steps, self._offset_steps
            first = max(self._chunk_start, off)
            first += (-(first - off)) % P
            steps = first + P * np.arange(n)
            for v in self._current:
                self._chunk_steps[v].append(steps)
        self._current = {}
        self._rows[0] = 0
        self._committed_step = self.network.current_step

    @property
    def committed_time(self) -> float:
        """The time (ms) up to which recordings are complete: a
        :meth:`read_new` called after reading this property has returned
        every record and spike before it (a live plot bins up to here)."""
        return getattr(self, "_committed_step", 0) * self.network.dt

    def _ensure_spike_room(self):
        """Room for one more step of spikes of the whole population (the
        compiled loop returns when the next step might not fit)."""
        if not self.records_spikes:
            return
        need = int(self._spk_n[0]) + self.population.size
        while self._spk_t.shape[0] < need:
            self._grow_spikes()

    def _grow_spikes(self):
        cap = self._spk_t.shape[0] * 2
        for attr in ("_spk_t", "_spk_i"):
            old = getattr(self, attr)
            new = np.zeros(cap, dtype=old.dtype)
            new[: old.shape[0]] = old
            setattr(self, attr, new)

    def _buffers(self) -> dict[str, np.ndarray]:
        """Arrays passed to the compiled loop, by argument name: ``_m0_v`` the
        buffer of variable ``v``, ``_m0__rows`` (two underscores) the monitor's
        own arrays, ``_m0__sum_exc`` the buffer of ``'sum(exc)'``
        (engine.codegen.monitor_code)."""
        m = f"_m{self.id}"
        out = {
            f"{m}__active": self._active,
            f"{m}__period": np.array([self._period_steps], dtype=np.int64),
            f"{m}__offset": np.array([self._offset_steps], dtype=np.int64),
            f"{m}__rows": self._rows,
            f"{m}__ranks": self.ranks,
            f"{m}__mask": self._mask,
            f"{m}__spk_t": self._spk_t,
            f"{m}__spk_i": self._spk_i,
            f"{m}__spk_n": self._spk_n,
        }
        if self.semi_vars:
            out[f"{m}__pranks"] = self._post_ranks
        for v in self.local_vars + self.semi_vars + self.global_vars + self.sum_vars:
            target = sum_target(v) if v in self.sum_vars else None
            key = f"{m}_{v}" if target is None else f"{m}__sum_{target}"
            out[key] = self._current.get(v, np.zeros((0,) + self._width(v), dtype=self._dtype(v)))
        return out

    # -- control ------------------------------------------------------------
    def start(self, variables=None, period=None):
        """Start (or restart) recording.

        ``variables`` (ANNarchy's argument) must be among the monitor's own:
        they are recorded with all the others (the data of each is the same);
        a new variable is refused, as a monitor's buffers and kernels are
        built for its variables (ANNarchy adds it; here create another
        monitor)."""
        if variables is not None:
            names = [variables] if isinstance(variables, str) else list(variables)
            new = [v for v in names if v not in self.variables]
            if new:
                raise NetworkError(
                    f"monitor {self.name!r} records {', '.join(map(repr, self.variables))}: "
                    f"it cannot start recording {', '.join(map(repr, new))}; create another "
                    f"monitor for it (net.monitor(obj, {new!r}))")
        if period is not None:
            self.period = period
            self._resolve_period()  # the period is passed to the loop at every call
        if not self._active[0]:
            self._active[0] = 1
            self._intervals.open(self.network.time)

    def resume(self):
        """Resume recording after :meth:`pause`."""
        self.start()

    def pause(self):
        """Stop recording until :meth:`resume`; data is kept."""
        if self._active[0]:
            self._active[0] = 0
            self._intervals.close(self.network.time)

    def stop(self):
        """Stop recording (same as :meth:`pause`; data stays until :meth:`get`)."""
        self.pause()

    # -- data ---------------------------------------------------------------
    def get(self, variables=None, keep=False, reshape=True):
        """Recorded data.

        ``get('v')`` returns an array of shape (records, neurons) (or
        (records,) for a population-wide value); ``get('spike')`` a dict
        rank -> array of spike steps; several names (or none: all) return a
        dict name -> data. ``keep=False`` (default) empties the buffers, as in
        ANNarchy; ``reshape=True`` (the default, as in ANNarchy 5) gives
        ``(records, *geometry)`` for a whole population of 2 or more dimensions
        (``reshape=False``: (records, neurons), ANNarchy 4's default). Synaptic variables have ANNarchy's shapes: (records,
        dendrites, synapses) for a projection's per-synapse variable (``w[:, i,
        j]``: synapse ``j`` of the ``i``-th post neuron with synapses),
        (records, dendrites) for a ``postsynaptic`` one, (records, synapses)
        for a dendrite (see :meth:`_synaptic_shape`). :meth:`read_new` keeps
        synaptic records flat: (records, synapses in dendrite order).
        """
        single = isinstance(variables, str)
        names = self._names(variables)
        out = {}
        for n in names:
            # what times() describes from now on: the intervals of this data (ANNarchy's rule)
            self._last_get_times[n] = self._closed(n)
            if n == "spike":
                out[n] = self._spike_dict()
            else:
                chunks = self._chunks[n]
                data = np.concatenate(chunks) if chunks else np.zeros((0,) + self._width(n))
                if self.projection is not None:
                    data = self._synaptic_shape(n, data)
                elif reshape and (n in self.local_vars or n in self.sum_vars) and \
                        self.ranks.size == self.population.size:
                    data = data.reshape((data.shape[0],) + self.population.geometry)
                out[n] = data
        if not keep:
            self._clear_data(names)
        return out[names[0]] if single else out

    def _synaptic_shape(self, name, data):
        """ANNarchy's shapes of synaptic records: (records, dendrites,
        synapses) for a per-synapse variable, (records, dendrites) for a
        per-post-neuron one (an object array of per-dendrite arrays when the
        dendrites differ in size); a dendrite's records drop the dendrite axis
        (and the synapse axis when it has one synapse), as ANNarchy's squeeze."""
        if name not in self.local_vars:
            return data[:, 0] if self._dendrite and data.ndim == 2 else data
        sizes = self._dendrite_sizes
        rows = data.shape[0]
        if sizes.size and np.all(sizes == sizes[0]):
            data = data.reshape(rows, sizes.size, int(sizes[0]))
        else:
            ragged = np.empty((rows, sizes.size), dtype=object)
            bounds = np.concatenate([[0], np.cumsum(sizes)])
            for k in range(sizes.size):
                for t in range(rows):
                    ragged[t, k] = data[t, bounds[k]:bounds[k + 1]]
            data = ragged
        if self._dendrite:
            data = data[:, 0]
            if data.ndim == 2 and data.shape[1] == 1:
                data = data[:, 0]
        return data

    def read_new(self, variables=None) -> dict:
        """What was recorded since the last ``read_new()``, without draining.

        Returns ``{name: (times_ms, values)}``: for a variable, the times of
        the new records and their values (shaped as :meth:`get` returns
        them); for ``'spike'``, the times and ranks of the new spikes, in
        time order. Costs O(new data); safe to call from another thread
        while the network runs (it sees whole steps: the chunks closed so
        far). :meth:`get` is unaffected, but data it drains before being
        read here is not returned.
        """
        names = self._names(variables)
        dt = self.network.dt
        out = {}
        for n in names:
            if n == "spike":
                end = self._spk_committed
                t, i = self._spk_t, self._spk_i
                a, self._spk_read = self._spk_read, end
                steps, ranks = t[a:end].copy(), i[a:end].astype(np.int64)
                out[n] = (steps * dt, ranks)
                continue
            chunks, steps = self._chunks[n], self._chunk_steps[n]
            end = min(len(chunks), len(steps))
            a, self._next_chunk[n] = self._next_chunk[n], end
            if end > a:
                out[n] = (np.concatenate(steps[a:end]) * dt, np.concatenate(chunks[a:end]))
            else:
                out[n] = (np.zeros(0), np.zeros((0,) + self._width(n)))
        return out

    def drain(self, variables=None) -> dict:
        """What was recorded since the last ``read_new()``/``drain()``, in
        the form :meth:`read_new` returns, and forget all of it.

        For a consumer that keeps its own copy (a live app bounding its
        memory): the monitor's buffers stay the size of one chunk however
        long the run. Call it between chunks (from a ``chunk`` listener, on
        the thread that simulates) or while the network is idle: during a
        chunk, the compiled loop writes into the buffers being emptied.
        """
        out = self.read_new(variables)
        self._clear_data(list(out))
        return out

    def _names(self, variables) -> list[str]:
        """The recorded names a call is about (all by default), checked."""
        names = [variables] if isinstance(variables, str) else \
            (list(variables) if variables else list(self.variables))
        for n in names:
            if n not in self.variables:
                raise NetworkError(
                    f"monitor {self.name!r} does not record {n!r} "
                    f"(it records {', '.join(self.variables) or 'nothing'})")
        return names

    def _clear_data(self, names=None):
        """Forget the data of ``names`` (default: all), as ANNarchy's get():
        their recording intervals restart now; the others' are untouched."""
        names = list(self.variables) if names is None else list(names)
        for v in names:
            if v == "spike":
                self._spk_n[0] = 0
                self._spk_committed = self._spk_read = 0
            else:
                self._chunks[v] = []
                self._chunk_steps[v] = []
                self._next_chunk[v] = 0
        self._intervals.restart(names, self.network.time, bool(self._active[0]))

    def reset(self) -> None:
        """Drop the recorded data and restart the recording intervals now.

        ANNarchy's ``Monitor.reset()``: afterwards the monitor holds nothing,
        and ``times()`` starts at the current time (whether it records is
        unchanged: a paused monitor stays paused).
        """
        if self.network.running:
            raise NetworkError(f"monitor {self.name!r}: reset() while the network runs; "
                               "stop it first (net.stop())")
        self._clear_data()
        self._last_get_times = {}

    def _closed(self, name: str) -> list[tuple[float, float]]:
        """``name``'s recording intervals of the data held, the running one stopped now."""
        return self._intervals.closed(name, self.network.time)

    def _spike_intervals(self, fetched: bool) -> list[tuple[float, float]]:
        """When the spikes a statistic counts were recorded: those of the last
        ``get('spike')`` for spikes passed in (``fetched``), else those held."""
        if fetched and "spike" in self._last_get_times:
            return self._last_get_times["spike"]
        return self._closed("spike")

    def times(self, variables=None) -> dict:
        """Recording intervals in **steps**: ``{var: {'start': [...], 'stop': [...]}}``.

        As in ANNarchy, each variable has its own: after ``get(var)`` they
        describe the data that call returned (its intervals, closed at the
        time of the call); before any ``get(var)``, the recording so far (an
        open interval stops now). ``get('r')`` leaves the intervals of the
        other variables as they were.

        Steps (ints), not ms: ANNarchy's docstring says ms, but its code and
        its tutorials use steps (the AdEx tutorial indexes the recorded array
        with ``times()['v']['start'][0]``), so a script ported unchanged needs
        them. Multiply by ``dt`` for ms; :meth:`recorded_times` gives the time
        of every row in ms.
        """
        dt = self.network.dt
        out = {}
        for n in self._names(variables):
            intervals = self._last_get_times[n] if n in self._last_get_times else self._closed(n)
            out[n] = {"start": [int(round(a / dt)) for a, _ in intervals],
                      "stop": [int(round(b / dt)) for _, b in intervals]}
        return out

    def recorded_times(self, variable=None) -> np.ndarray:
        """Time (ms) of each row of ``variable`` held: the rows ``get(variable)``
        returns next (``read_new``/``drain`` give their own times).

        Without a name, the rows of every variable, which are the same rows
        unless ``get()`` drained some variables alone (``get('r')`` of a
        monitor of ``r`` and ``c``): then name the variable. A monitor of
        spikes only has no rows (an empty array).
        """
        if variable is None:
            held = {v: self._held_steps(v) for v in self._chunk_steps}
            first = next(iter(held.values()), np.zeros(0, dtype=np.int64))
            if any(not np.array_equal(first, other) for other in held.values()):
                rows = ", ".join(f"{v!r} {s.size}" for v, s in held.items())
                raise NetworkError(
                    f"monitor {self.name!r}: its variables hold different rows since a get() "
                    f"of some of them ({rows}): name one, e.g. "
                    f"recorded_times({next(iter(held))!r})")
            steps = first
        else:
            if not isinstance(variable, str):
                raise NetworkError(f"recorded_times() takes one variable name, got "
                                   f"{type(variable).__name__}")
            self._names(variable)
            if variable == "spike":
                raise NetworkError(
                    f"monitor {self.name!r}: spikes have no rows; get('spike') gives the "
                    "step of each spike")
            steps = self._held_steps(variable)
        return steps * self.network.dt

    def _held_steps(self, name: str) -> np.ndarray:
        chunks = self._chunk_steps[name]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
