"""Monitors: record variables and spikes of populations while simulating.

Recording happens inside the compiled loop, into buffers allocated per
``simulate`` call for exactly the records that call will make (variables), or
grown by doubling (spikes). Memory is proportional to what is recorded.

Timing: row ``k`` of a variable's record holds the state after the update of
step ``offset + k*period`` (ANNarchy's convention); spikes are recorded as the
step index at which the neuron crossed its threshold.
"""

from __future__ import annotations

import difflib

import numpy as np

from engine.errors import NetworkError
from engine.runtime import spike_stats
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


class Monitor:
    """Records variables (and ``'spike'``) of a population or view.

    Parameters
    ----------
    obj : Population or PopulationView
    variables : str or list of str
        Attribute names; ``'spike'`` for spiking populations.
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
        for v in variables:
            if v == "spike":
                if not pop.spiking:
                    raise NetworkError(
                        f"population {pop.name!r} is rate-coded: it has no spikes to record"
                    )
            elif v not in pop._arrays:
                known = list(pop._arrays) + (["spike"] if pop.spiking else [])
                if isinstance(v, str) and v.replace(" ", "").startswith("sum("):
                    target = v.replace(" ", "")[4:].rstrip(")")
                    raise NetworkError(
                        f"cannot record '{v}': monitors record model attributes; give the "
                        f"model of population {pop.name!r} a variable that holds it "
                        f"(equations: 'input_{target} = {v.strip()}') and record that")
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
            v: [] for v in self.local_vars + self.semi_vars + self.global_vars}
        self._current: dict[str, np.ndarray] = {}
        self._recorded_steps: list[np.ndarray] = []
        # read_new(): the steps of each closed chunk per variable, the next
        # chunk to read, and the spikes of whole steps (committed) and read
        self._chunk_steps: dict[str, list[np.ndarray]] = {v: [] for v in self._chunks}
        self._next_chunk: dict[str, int] = {v: 0 for v in self._chunks}
        self._spk_committed = 0
        self._spk_read = 0
        self._intervals: list[list[float]] = []  # [start_ms, stop_ms or None]
        # the intervals of the spikes the last get('spike') returned (closed)
        self._last_get_intervals: list[tuple[float, float]] | None = None
        #: per variable: the recording intervals of the data its last get() returned
        self._last_get_times: dict[str, list[tuple[float, float]]] = {}
        if start:
            self._intervals.append([net.time, None])

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

    @property
    def local_vars(self) -> list[str]:
        """One value per neuron (or per synapse)."""
        pop = self.population
        return [v for v in self.variables
                if v != "spike" and pop.ir.variable(v).locality == "local"]

    @property
    def semi_vars(self) -> list[str]:
        """Synaptic variables with one value per post-synaptic neuron."""
        pop = self.population
        return [v for v in self.variables
                if v != "spike" and pop.ir.variable(v).locality == "semiglobal"]

    @property
    def global_vars(self) -> list[str]:
        pop = self.population
        return [v for v in self.variables
                if v != "spike" and pop.ir.variable(v).locality == "global"]

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
        for v in self.local_vars:
            self._current[v] = np.zeros((rows, self.ranks.size), dtype=self.population._arrays[v].dtype)
        for v in self.semi_vars:
            self._current[v] = np.zeros((rows, self._post_ranks.size),
                                        dtype=self.population._arrays[v].dtype)
        for v in self.global_vars:
            self._current[v] = np.zeros(rows, dtype=self.population._arrays[v].dtype)

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
            self._recorded_steps.append(steps)
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
        own arrays (engine.codegen.monitor_code)."""
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
        for v in self.local_vars + self.semi_vars + self.global_vars:
            dtype = self.population._arrays[v].dtype
            shape = ((0, self.ranks.size) if v in self.local_vars else
                     (0, self._post_ranks.size) if v in self.semi_vars else 0)
            out[f"{m}_{v}"] = self._current.get(v, np.zeros(shape, dtype=dtype))
        return out

    # -- control ------------------------------------------------------------
    def start(self, variables=None, period=None):
        """Start (or restart) recording."""
        if period is not None:
            self.period = period
            self._resolve_period()  # the period is passed to the loop at every call
        if not self._active[0]:
            self._active[0] = 1
            self._intervals.append([self.network.time, None])

    def resume(self):
        """Resume recording after :meth:`pause`."""
        self.start()

    def pause(self):
        """Stop recording until :meth:`resume`; data is kept."""
        if self._active[0]:
            self._active[0] = 0
            if self._intervals and self._intervals[-1][1] is None:
                self._intervals[-1][1] = self.network.time

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
        names = [variables] if single else (list(variables) if variables else list(self.variables))
        for n in names:
            if n not in self.variables:
                raise NetworkError(
                    f"monitor {self.name!r} does not record '{n}' "
                    f"(it records {', '.join(self.variables) or 'nothing'})"
                )
        out = {}
        for n in names:
            # what times() describes from now on: the intervals of this data (ANNarchy's rule)
            self._last_get_times[n] = self._closed_intervals()
            if n == "spike":
                out[n] = self._spike_dict()
                self._last_get_intervals = self._closed_intervals()
            else:
                chunks = self._chunks[n]
                width = (() if n in self.global_vars else
                         (self._post_ranks.size,) if n in self.semi_vars else (self.ranks.size,))
                data = np.concatenate(chunks) if chunks else np.zeros((0,) + width)
                if self.projection is not None:
                    data = self._synaptic_shape(n, data)
                elif reshape and n in self.local_vars and \
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
        names = [variables] if isinstance(variables, str) else \
            (list(variables) if variables else list(self.variables))
        for n in names:
            if n not in self.variables:
                raise NetworkError(
                    f"monitor {self.name!r} does not record '{n}' "
                    f"(it records {', '.join(self.variables) or 'nothing'})")
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
            width = (() if n in self.global_vars else
                     (self._post_ranks.size,) if n in self.semi_vars else (self.ranks.size,))
            if end > a:
                out[n] = (np.concatenate(steps[a:end]) * dt, np.concatenate(chunks[a:end]))
            else:
                out[n] = (np.zeros(0), np.zeros((0,) + width))
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

    def _spike_dict(self) -> dict[int, np.ndarray]:
        n = int(self._spk_n[0])
        times, idx = self._spk_t[:n], self._spk_i[:n]
        order = np.argsort(idx, kind="stable")
        idx_sorted, times_sorted = idx[order], times[order]
        out = {}
        bounds = np.searchsorted(idx_sorted, self.ranks, side="left"), \
            np.searchsorted(idx_sorted, self.ranks, side="right")
        for r, a, b in zip(self.ranks, *bounds):
            out[int(r)] = times_sorted[a:b].tolist()
        return out

    def _clear_data(self, names=None):
        """Forget recorded data (of ``names`` only, as ANNarchy's get())."""
        names = list(self.variables) if names is None else list(names)
        for v in names:
            if v == "spike":
                self._spk_n[0] = 0
                self._spk_committed = self._spk_read = 0
            else:
                self._chunks[v] = []
                self._chunk_steps[v] = []
                self._next_chunk[v] = 0
        if all(not c for c in self._chunks.values()) and (
                not self.records_spikes or self._spk_n[0] == 0):
            self._recorded_steps = []
            self._intervals = [[self.network.time, None]] if self._active[0] else []

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
        self._last_get_intervals = None
        self._intervals = [[self.network.time, None]] if self._active[0] else []

    def times(self, variables=None) -> dict:
        """Recording intervals in ms: ``{var: {'start': [...], 'stop': [...]}}``.

        As in ANNarchy, after ``get(var)`` they describe the data that call
        returned (its intervals, closed at the time of the call); before any
        ``get(var)``, the recording so far (an open interval stops now).
        ANNarchy 5.0.4 gives these in steps although its docstring says ms;
        here they are ms (steps * dt).
        """
        names = [variables] if isinstance(variables, str) else (variables or self.variables)
        current = self._closed_intervals()
        out = {}
        for n in names:
            intervals = self._last_get_times.get(n, current)
            out[n] = {"start": [a for a, _ in intervals], "stop": [b for _, b in intervals]}
        return out

    def recorded_times(self) -> np.ndarray:
        """Time (ms) of each recorded row of the variables."""
        steps = np.concatenate(self._recorded_steps) if self._recorded_steps else np.zeros(0)
        return steps * self.network.dt

    # -- spike helpers -------------------------------------------------------
    # Each takes the spikes of get('spike') (or, by default, the spikes still
    # held, without draining them). Spikes passed in were recorded in the
    # intervals of the last get('spike'): that is the window of the statistic
    # (ANNarchy's rule), so fetching first never loses the duration.
    def _spikes_and_window(self, spikes):
        """``(spikes, [(start_step, stop_step), ...])`` for a spike statistic."""
        if not self.records_spikes:
            raise NetworkError(f"monitor {self.name!r} does not record spikes "
                               f"(it records {', '.join(self.variables) or 'nothing'})")
        if spikes is None:
            return self._spike_dict(), self._interval_steps(self._closed_intervals())
        spikes = spike_stats.spike_dict(spikes)
        held = self._last_get_intervals if self._last_get_intervals is not None \
            else self._closed_intervals()
        return spikes, self._interval_steps(held)

    def _closed_intervals(self) -> list[tuple[float, float]]:
        now = self.network.time
        return [(a, now if b is None else b) for a, b in self._intervals]

    def _interval_steps(self, intervals) -> list[tuple[int, int]]:
        dt = self.network.dt
        return [(int(round(a / dt)), int(round(b / dt))) for a, b in intervals]

    def raster_plot(self, spikes=None):
        """``(times_ms, ranks)`` of all recorded spikes, sorted by time."""
        if spikes is None:
            n = int(self._spk_n[0])
            t, i = self._spk_t[:n].copy(), self._spk_i[:n].astype(np.int64)
            order = np.argsort(t, kind="stable")
            return t[order] * self.network.dt, i[order]
        return spike_stats.raster_plot(spikes, self.network.dt)

    def histogram(self, spikes=None, bins=None, per_neuron=False, recording_window=None):
        """Spike counts per time bin (``bins`` in ms, default dt).

        Returns an array of counts summed over neurons, or of shape
        (neurons, bins) with ``per_neuron=True``. The window defaults to the
        first and last recorded spike steps (as ANNarchy); give
        ``recording_window=(t0, t1)`` in ms to fix it.
        """
        spikes, _ = self._spikes_and_window(spikes)
        return spike_stats.histogram(spikes, bins, per_neuron, recording_window,
                                     self.network.dt)

    def _window(self, intervals):
        if not intervals:
            return None
        return intervals[0][0], intervals[-1][1]

    def population_rate(self, spikes=None, smooth=0.0):
        """Population rate in Hz at every step of the recording (from its
        start to its end), low-pass filtered with time constant ``smooth``
        ms when ``smooth > dt`` (ANNarchy's ``population_rate``)."""
        spikes, intervals = self._spikes_and_window(spikes)
        return spike_stats.population_rate(spikes, smooth, self.network.dt,
                                           self._window(intervals))

    def smoothed_rate(self, spikes=None, smooth=0.0):
        """Instantaneous rate (inverse inter-spike interval) of each neuron,
        shape (neurons, steps of the recording), low-pass filtered with time
        constant ``smooth`` ms (ANNarchy's ``smoothed_rate``)."""
        spikes, intervals = self._spikes_and_window(spikes)
        return spike_stats.smoothed_rate(spikes, smooth, self.network.dt,
                                         self._window(intervals))

    def inter_spike_interval(self, spikes=None, ranks=None, per_neuron=False):
        """Inter-spike intervals in ms, pooled or one list per neuron."""
        spikes, _ = self._spikes_and_window(spikes)
        return spike_stats.inter_spike_interval(spikes, ranks, per_neuron, self.network.dt)

    def coefficient_of_variation(self, spikes=None, ranks=None):
        """CV of the inter-spike intervals of each neuron (NaN with fewer than 2 ISIs)."""
        spikes, _ = self._spikes_and_window(spikes)
        return spike_stats.coefficient_of_variation(spikes, ranks, self.network.dt)

    def mean_fr(self, spikes=None, duration=None) -> float:
        """Mean firing rate (Hz) per monitored neuron over the recorded time.

        ``spikes`` defaults to the spikes held (not drained); spikes passed in
        (from ``get('spike')``) are counted over the recording intervals of
        that ``get`` (pauses excluded), or over ``duration`` ms if given.
        """
        spikes, intervals = self._spikes_and_window(spikes)
        if duration is None:
            duration = sum(b - a for a, b in intervals) * self.network.dt
        return spike_stats.mean_fr(spikes, duration, self.network.dt)
