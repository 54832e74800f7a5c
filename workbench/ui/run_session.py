"""A live simulation for one browser session: compile, run, pause, stop, reset.

A :class:`RunSession` owns one :class:`engine.Network` (built by the
Network tab, see :mod:`workbench.ui.network_spec`) and runs it on a worker
thread, so the page stays responsive: the compiled loop releases the GIL
and returns to Python every ~50 ms of wall time (:mod:`engine.runtime.live`).

Threads, and who touches what:

- the worker thread compiles and simulates, and writes the progress
  parameters (``status``, ``sim_time``, ``speed``, ``compile_*``);
- parameter changes asked for while a run is in progress
  (:meth:`set_value`) are queued and applied by the worker between two
  chunks, when the state is consistent;
- after every chunk the worker drains the monitors into the session's
  :class:`~workbench.ui.recording_store.RecordingStore` (whole steps,
  within :attr:`RunSession.keep_mb`: the oldest batches are dropped, so a
  long run does not grow the server's memory);
- the view polls :meth:`read_new` from the UI thread (a periodic callback):
  the store hands over only what is new, so a plot receives only new data
  and is never torn.

The view never waits long on the worker: :meth:`pause` and :meth:`stop`
wait for the current chunk (about 50 ms) so their answer is the new state;
every other method returns at once.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import param

from engine.errors import NeuroWorkbenchError
from workbench.errors import WorkbenchError
from workbench.ui.recording_store import RecordingStore

__all__ = ["RunSession", "NewData", "STATUSES"]

STATUSES = ("empty", "compiling", "ready", "running", "paused", "finished", "error")

#: the longest single run the app accepts (ms of simulated time)
MAX_DURATION_MS = 3_600_000.0
#: how long pause() and stop() wait for the worker's current chunk (s)
STOP_WAIT_S = 0.25


@dataclass
class NewData:
    """What was recorded since the previous :meth:`RunSession.read_new`.

    ``spikes``: population -> (times ms, ranks); ``traces``: population ->
    (times ms, values of shape (records, traced neurons)); ``generation``
    changes when the session was reset or rebuilt (a plot then clears);
    ``complete_until``: every spike before this time (ms) has been handed
    over (a rate plot closes its bins up to here).
    """

    generation: int
    complete_until: float = 0.0
    spikes: dict = field(default_factory=dict)
    traces: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(t.size for t, _ in self.spikes.values()) and \
            not any(t.size for t, _ in self.traces.values())


class RunSession(param.Parameterized):
    """The network of one session, run live."""

    status = param.Selector(default="empty", objects=list(STATUSES), constant=True,
                            doc="Where the session is: compiling, running, paused...")
    message = param.String(default="Build a network, then compile it.", constant=True,
                           doc="One line for the status bar (errors included).")
    duration = param.Number(default=1000.0, bounds=(0.0, MAX_DURATION_MS),
                            doc="Simulated time one Run covers (ms).")
    trace_neurons = param.Integer(default=5, bounds=(0, 50),
                                  doc="How many neurons of each population are traced.")
    trace_ranks = param.String(default="", doc=(
        "Which neurons are traced, by rank: '0, 7, 20-24' (each population; ranks beyond "
        "a population's size are left out). Empty: the first 'trace_neurons'."))
    trace_period = param.Number(default=1.0, bounds=(0.0, 1000.0),
                                doc="Sampling period of the traces (ms; 0: every step).")
    keep_mb = param.Number(default=256.0, bounds=(1.0, 4096.0),
                           doc="Memory the recordings may take (MB); beyond it the "
                               "oldest are dropped (downloads hold the newest part).")
    sim_time = param.Number(default=0.0, constant=True, doc="The network's time (ms).")
    end_time = param.Number(default=0.0, constant=True, doc="Where the current run ends (ms).")
    speed = param.Number(default=0.0, constant=True,
                         doc="Real-time factor of the last chunks (simulated s per wall s).")
    compile_stage = param.String(default="", constant=True,
                                 doc="'generate', 'compile', or '' when not compiling.")
    compile_done = param.Integer(default=0, constant=True)
    compile_total = param.Integer(default=0, constant=True)

    def __init__(self, **params):
        super().__init__(**params)
        self._built = None
        self._spike_monitors: dict = {}
        self._trace_monitors: dict = {}
        self._trace_variables: dict = {}
        self._trace_ranks: dict = {}
        self._schedule: list = []
        self._pending: list = []
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._generation = 0
        self._stop_kind = None
        self._scales: dict[str, float] = {}
        self._store = RecordingStore(int(self.keep_mb * 2**20))

    # -- state helpers ---------------------------------------------------------------
    def _set(self, **values):
        with param.parameterized.edit_constant(self):
            self.param.update(**values)

    @property
    def network(self):
        """The engine network (None before :meth:`load`)."""
        return None if self._built is None else self._built.net

    @property
    def busy(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def traced(self) -> dict[str, str]:
        """population -> the variable traced for it."""
        return dict(self._trace_variables)

    @property
    def traced_ranks(self) -> dict[str, list[int]]:
        """population -> the ranks of its traced neurons (in the traces' order)."""
        return {k: list(v) for k, v in self._trace_ranks.items()}

    def ranks_to_trace(self, size: int) -> list[int]:
        """The ranks traced in a population of ``size`` neurons.

        Raises
        ------
        WorkbenchError
            ``trace_ranks`` is not a list of ranks and ranges, or asks for
            more than 50 neurons.
        """
        text = self.trace_ranks.strip()
        if not text:
            return list(range(min(self.trace_neurons, size)))
        ranks: list[int] = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            first, sep, last = part.partition("-")
            try:
                lo = int(first)
                hi = int(last) if sep else lo
            except ValueError:
                raise WorkbenchError(f"traced neurons: {part!r} is not a rank or a range of "
                                     "ranks (write e.g. 0, 7, 20-24)") from None
            if lo < 0 or hi < lo:
                raise WorkbenchError(f"traced neurons: {part!r} is not a range of ranks "
                                     "from 0 up")
            if hi - lo >= 50 or len(ranks) + (hi - lo + 1) > 50:
                raise WorkbenchError("traced neurons: at most 50 per population")
            ranks.extend(range(lo, hi + 1))
        return [r for r in dict.fromkeys(ranks) if r < size]

    @property
    def spiking(self) -> list[str]:
        """The populations whose spikes are recorded."""
        return list(self._spike_monitors)

    def _require_idle(self, what: str):
        if self.busy:
            raise WorkbenchError(f"cannot {what} while the network is "
                                 f"{self.status}: stop or wait first")

    # -- load and compile ----------------------------------------------------------------
    def load(self, built, schedule=()) -> None:
        """Take a freshly built network (``NetworkSpec.build()``).

        ``built`` has ``net`` and ``populations`` (name -> Population);
        ``schedule``: ``(time_ms, population, attribute, value)`` changes
        applied when the run reaches each time (current steps).
        Monitors are added here: the spikes of every spiking population and
        one variable (``v``, else ``r``, else the first) of its first
        :attr:`trace_neurons` neurons.
        """
        self._require_idle("load a network")
        self._load(built, schedule)

    def _load(self, built, schedule) -> None:
        net = built.net
        if net.compiled:
            raise WorkbenchError("RunSession.load: give a network that is not compiled yet")
        spikes, traces, variables, traced_ranks = {}, {}, {}, {}
        for name, pop in built.populations.items():
            if pop.spiking:
                spikes[name] = net.monitor(pop, ["spike"], name=f"{name}_spikes")
            names = [v.name for v in pop.ir.variables
                     if v.kind == "variable" and v.locality == "local" and v.dtype == "float"]
            # a membrane potential or a rate; nothing for inputs (their
            # variables are random draws, not something to watch)
            var = next((v for v in ("v", "r") if v in names), None)
            ranks = self.ranks_to_trace(pop.size) if var is not None else []
            if ranks:
                traces[name] = net.monitor(pop[ranks], [var], period=self.trace_period or None,
                                           name=f"{name}_{var}")
                variables[name], traced_ranks[name] = var, ranks
        self._built = built
        self._spike_monitors, self._trace_monitors = spikes, traces
        self._trace_variables, self._trace_ranks = variables, traced_ranks
        self._schedule = sorted((float(t), p, a, v) for t, p, a, v in schedule)
        self._before_schedule = {(p, a): np.array(getattr(built.populations[p], a), copy=True)
                                 for _, p, a, _ in self._schedule}
        self._overrides = {}
        self._scales = {}
        self._pending = []
        self._generation += 1
        self._store = RecordingStore(int(self.keep_mb * 2**20))
        net.on("compiling", self._on_compiling)
        net.on("chunk", self._on_chunk)
        self._set(status="empty", sim_time=0.0, end_time=0.0, speed=0.0, compile_stage="",
                  message=f"network with {len(built.populations)} populations: compile it")

    def build_and_compile(self, make, wait: bool = False) -> None:
        """``make()`` -> ``(built, schedule)``, then :meth:`load` and
        :meth:`compile`, all on the worker thread: building a network of a
        million synapses takes seconds, and the page stays live meanwhile.

        ``make`` may raise :class:`WorkbenchError`,
        :class:`~engine.errors.NeuroWorkbenchError` or ``ValueError``: the
        status becomes "error" and the message says why ("cannot build: ...").
        """
        self._require_idle("build a network")
        self._set(status="compiling", compile_stage="build", compile_done=0, compile_total=0,
                  message="building the network...")
        self._start(lambda: self._build_worker(make), wait)

    def _build_worker(self, make):
        try:
            built, schedule = make()
            self._load(built, schedule)
        except (WorkbenchError, NeuroWorkbenchError, ValueError) as exc:
            self._set(status="error", compile_stage="", message=f"cannot build: {exc}")
            return
        self._set(status="compiling", message="generating code...")
        self._compile_worker()

    def _on_compiling(self, event):
        self._set(compile_stage=event.stage or "",
                  compile_done=int(event.done or 0), compile_total=int(event.total or 0),
                  message=_compile_message(event))

    def compile(self, wait: bool = False) -> None:
        """Generate and compile the network's kernels on the worker thread."""
        if self._built is None:
            raise WorkbenchError("build a network first (Network tab)")
        self._require_idle("compile")
        if self.network.compiled:
            self._set(status="ready", message="compiled")
            return
        self._set(status="compiling", message="generating code...")
        self._start(self._compile_worker, wait)

    def _compile_worker(self):
        t0 = time.perf_counter()
        try:
            self.network.compile()
        except NeuroWorkbenchError as exc:
            self._set(status="error", compile_stage="", message=f"compile failed: {exc}")
            return
        timings = self.network.timings
        cached = timings.get("kernels_from_disk", 0)
        self._set(status="ready", compile_stage="",
                  message=f"compiled in {time.perf_counter() - t0:.1f} s "
                          f"({timings.get('kernels', 0)} kernels, {cached} from the cache)")

    # -- run control --------------------------------------------------------------------
    def run(self, wait: bool = False) -> None:
        """Run for :attr:`duration` ms (or what is left of a paused run)."""
        if self.status == "running" and self.busy:
            return
        if self.status == "error":
            raise WorkbenchError("cannot run after an error: Reset, or Build & compile again")
        if self.status not in ("ready", "paused", "finished"):
            raise WorkbenchError(f"cannot run: the network is {self.status}"
                                 + (" (compile it first)" if self.status == "empty" else ""))
        self._require_idle("run")
        now = self.network.time
        end = self.end_time if self.status == "paused" and self.end_time > now \
            else now + self.duration
        self._stop_kind = None
        self._set(status="running", end_time=end, message=f"running to t = {end:,.10g} ms")
        self._start(self._run_worker, wait)

    def pause(self) -> None:
        """Stop after the current chunk; :meth:`run` continues to the same end.
        Waits for that chunk (at most :data:`STOP_WAIT_S`), so the status
        is "paused" on return unless the chunk is long."""
        if self.busy and self.status == "running":
            self._stop_kind = "paused"
            self.network.stop()
            self.join(STOP_WAIT_S)

    def stop(self) -> None:
        """End the run after the current chunk (waited for, as :meth:`pause`)."""
        if self.busy and self.status == "running":
            self._stop_kind = "finished"
            self.network.stop()
            self.join(STOP_WAIT_S)
        elif self.status == "paused":
            self._set(status="finished", message=f"stopped at t = {self.network.time:,.10g} ms")

    def reset(self) -> None:
        """Back to t = 0 with the initial state; recordings are cleared."""
        if self._built is None or not self.network.compiled:
            return
        self._require_idle("reset")
        self.network.reset()
        self._pending = []
        for (pop, attribute), value in self._overrides.items():   # the user's values stay
            setattr(pop, attribute, value)
        for m in (*self._spike_monitors.values(), *self._trace_monitors.values()):
            m.drain()
        self._store.clear()
        self._generation += 1
        self._set(status="ready", sim_time=0.0, end_time=0.0, speed=0.0,
                  message="reset to t = 0 ms")

    def _start(self, target, wait):
        self._worker = threading.Thread(target=target, name="workbench-run", daemon=True)
        self._worker.start()
        if wait:
            self._worker.join()

    def join(self, timeout=None) -> None:
        """Wait for the worker (tests, scripts)."""
        if self._worker is not None:
            self._worker.join(timeout)

    def _run_worker(self):
        net = self.network
        end = self.end_time
        t0, sim0 = time.perf_counter(), net.time
        last = [t0, sim0]

        def report(progress):
            wall = time.perf_counter()
            if wall > last[0]:
                speed = (progress.time_ms - last[1]) / 1000.0 / (wall - last[0])
                last[:] = [wall, progress.time_ms]
                self._set(sim_time=progress.time_ms, speed=speed)

        try:
            self._apply_schedule(net.time)
            while net.time < end - 0.5 * net.dt:
                stop_at = min([end] + [t for t, *_ in self._schedule if t > net.time + 1e-9])
                net.simulate(stop_at - net.time, report=report, report_period=0.1)
                if self._stop_kind is not None:
                    break
                self._apply_schedule(net.time)
        except NeuroWorkbenchError as exc:
            self._drain()                  # what the chunks before the error recorded
            self._set(status="error", sim_time=net.time, message=f"the run stopped: {exc}")
            return
        wall = time.perf_counter() - t0
        simulated = net.time - sim0
        kind = self._stop_kind or "finished"
        speed = simulated / 1000.0 / wall if wall > 0 else 0.0
        verb = "paused" if kind == "paused" else \
            ("stopped" if self._stop_kind else "finished")
        self._set(status=kind, sim_time=net.time, speed=speed,
                  message=f"{verb} at t = {net.time:,.10g} ms ({simulated:,.10g} ms in "
                          f"{wall:.2f} s, {speed:.2f}x real time)")

    def _apply_schedule(self, now):
        """Give each scheduled attribute the value it has at time ``now``:
        that of its latest change at or before ``now``, else its value before
        the schedule (right after a reset, a pause, or at t = 0 alike)."""
        values = dict(self._before_schedule)
        for t, pop, attr, value in self._schedule:
            if t <= now + 1e-9:
                values[(pop, attr)] = value
        for (pop, attr), value in values.items():
            setattr(self._built.populations[pop], attr, value)

    # -- changes during a run ---------------------------------------------------------------
    def set_value(self, population: str, attribute: str, value) -> None:
        """Set ``population.attribute``; during a run, at the next chunk.

        Checked now (unknown names, bad values), so a mistake is reported
        to the user at once rather than on the worker thread.
        """
        if self._built is None:
            raise WorkbenchError("build a network first")
        pops = self._built.populations
        if population not in pops:
            raise WorkbenchError(f"no population named {population!r} (the populations "
                                 f"are {', '.join(pops)})")
        pop = pops[population]
        if attribute not in pop.attributes:
            raise WorkbenchError(f"population {population!r} has no attribute {attribute!r} "
                                 f"(its attributes are {', '.join(pop.attributes)})")
        value = _finite_number(value, f"{population}.{attribute}")
        with self._lock:
            self._overrides[(pop, attribute)] = value
            if self.busy and self.status == "running":
                self._pending.append((pop, attribute, value))
                return
        try:
            setattr(pop, attribute, value)
        except NeuroWorkbenchError as exc:
            raise WorkbenchError(str(exc)) from None

    @property
    def projections(self) -> list[str]:
        """The projections whose weights :meth:`scale_weights` can scale."""
        return list(getattr(self._built, "projections", None) or {})

    def weight_scale(self, projection: str) -> float:
        """The factor the projection's weights carry now (1: as built)."""
        return self._scales.get(projection, 1.0)

    def scale_weights(self, projection: str, factor) -> None:
        """Make the weights of ``projection`` ``factor`` times those built
        (during a run, at the next chunk). What plasticity has learnt is
        kept: the weights are multiplied by the ratio to the current scale.
        A reset keeps the weights (and so the scale), as ``net.reset()`` does."""
        if self._built is None:
            raise WorkbenchError("build a network first")
        if projection not in self.projections:
            raise WorkbenchError(f"no projection named {projection!r} (the projections are "
                                 f"{', '.join(self.projections) or 'none'})")
        factor = _finite_number(factor, f"{projection}'s weight scale")
        if factor <= 0:
            raise WorkbenchError(f"{projection}: a weight scale must be a finite number > 0 "
                                 f"(got {factor:g}; a small one nearly silences it)")
        proj = self._built.projections[projection]
        with self._lock:
            ratio = factor / self._scales.get(projection, 1.0)
            self._scales[projection] = factor
            if self.busy and self.status == "running":
                self._pending.append((proj, None, ratio))
                return
        proj.scale("w", ratio)

    def _on_chunk(self, event):
        self._drain()
        with self._lock:
            pending, self._pending = self._pending, []
        for target, attribute, value in pending:
            try:
                if attribute is None:                   # a weight scale's ratio
                    target.scale("w", value)
                else:
                    setattr(target, attribute, value)
            except NeuroWorkbenchError as exc:          # checked when asked already
                self._set(message=f"{target.name}.{attribute or 'w'} not changed: {exc}")

    def _drain(self):
        """Move the monitors' new records into the store (worker thread,
        between chunks)."""
        spikes = {name: m.drain("spike")["spike"] for name, m in self._spike_monitors.items()}
        traces = {name: m.drain(var)[var] for (name, m), var in
                  zip(self._trace_monitors.items(), self._trace_variables.values())}
        self._store.add(self.network.time, spikes, traces)

    # -- recordings ---------------------------------------------------------------------
    def read_new(self) -> NewData:
        """What was recorded since the previous call (any thread); every
        spiking and traced population has an entry, empty if nothing is new."""
        generation = self._generation
        until, spikes, traces = self._store.read_new()
        out = NewData(generation, until)
        for name in self._spike_monitors:
            out.spikes[name] = spikes.get(name, (np.zeros(0), np.zeros(0, np.int32)))
        for name in self._trace_monitors:
            n = self._trace_monitors[name].ranks.size
            out.traces[name] = traces.get(name, (np.zeros(0), np.zeros((0, n))))
        return out

    @property
    def kept_from(self) -> float:
        """The recordings (downloads) cover the run from this time (ms) on:
        0 unless :attr:`keep_mb` made the session drop the oldest."""
        return self._store.kept_from

    @property
    def recorded_until(self) -> float:
        """The recordings are complete up to this time (ms)."""
        return self._store.complete_until

    def recordings(self) -> dict[str, np.ndarray]:
        """Everything kept (see :attr:`kept_from`), as flat arrays named
        ``pop.spike_times``, ``pop.spike_ranks`` (sorted by time, then
        rank), ``pop.<var>_times``, ``pop.<var>`` (records, neurons) and
        ``pop.<var>_ranks`` (the traced neurons, one per column)."""
        if self._built is None:
            return {}
        spikes, traces = self._store.arrays()
        out = {}
        for name in self._spike_monitors:
            times, ranks = spikes.get(name, (np.zeros(0), np.zeros(0, np.int32)))
            order = np.lexsort((ranks, times))
            out[f"{name}.spike_times"] = times[order]
            out[f"{name}.spike_ranks"] = ranks[order].astype(np.int64)
        for name, var in self._trace_variables.items():
            n = self._trace_monitors[name].ranks.size
            times, values = traces.get(name, (np.zeros(0), np.zeros((0, n))))
            out[f"{name}.{var}"], out[f"{name}.{var}_times"] = values, times
            out[f"{name}.{var}_ranks"] = np.asarray(self._trace_ranks[name], dtype=np.int64)
        return out

    def recordings_npz(self) -> bytes:
        """The recordings as a ``.npz`` file's bytes (for a download)."""
        buf = io.BytesIO()
        np.savez_compressed(buf, **self.recordings())
        return buf.getvalue()

    def spikes_csv(self) -> str:
        """The kept spikes as CSV text: ``population,rank,time_ms``."""
        rec = self.recordings()
        out = io.StringIO()
        out.write("population,rank,time_ms\n")
        for name in self._spike_monitors:
            ranks, times = rec[f"{name}.spike_ranks"], rec[f"{name}.spike_times"]
            if ranks.size:
                rows = np.empty((ranks.size, 3), dtype=object)
                rows[:, 0], rows[:, 1], rows[:, 2] = name, ranks, times
                np.savetxt(out, rows, fmt=["%s", "%d", "%.6g"], delimiter=",")
        return out.getvalue()


def _finite_number(value, what: str) -> float:
    """``value`` as a float, or a WorkbenchError naming ``what``."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise WorkbenchError(f"{what}: give a number, got {value!r}") from None
    if not np.isfinite(value):
        raise WorkbenchError(f"{what}: give a finite number, got {value}")
    return value


def _compile_message(event) -> str:
    if event.stage == "compile" and event.total:
        return f"compiling kernels: {event.done}/{event.total}"
    if event.stage:
        return f"{event.stage}..."
    return "compiling..."
