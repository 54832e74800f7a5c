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
- the view polls :meth:`read_new` from the UI thread (a periodic callback):
  the monitors' cursors hand over only what is new, in whole steps, so a
  plot receives only new data and is never torn.

The view never waits on the worker: every method here returns at once.
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

__all__ = ["RunSession", "NewData", "STATUSES"]

STATUSES = ("empty", "compiling", "ready", "running", "paused", "finished", "error")

#: the longest single run the app accepts (ms of simulated time)
MAX_DURATION_MS = 3_600_000.0


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
    trace_period = param.Number(default=1.0, bounds=(0.0, 1000.0),
                                doc="Sampling period of the traces (ms; 0: every step).")
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
        self._schedule: list = []
        self._pending: list = []
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._generation = 0
        self._stop_kind = None

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
        net = built.net
        if net.compiled:
            raise WorkbenchError("RunSession.load: give a network that is not compiled yet")
        spikes, traces, variables = {}, {}, {}
        for name, pop in built.populations.items():
            if pop.spiking:
                spikes[name] = net.monitor(pop, ["spike"], name=f"{name}_spikes")
            names = [v.name for v in pop.ir.variables
                     if v.kind == "variable" and v.locality == "local" and v.dtype == "float"]
            # a membrane potential or a rate; nothing for inputs (their
            # variables are random draws, not something to watch)
            var = next((v for v in ("v", "r") if v in names), None)
            if var is not None and self.trace_neurons > 0:
                n = min(self.trace_neurons, pop.size)
                traces[name] = net.monitor(pop[0:n], [var], period=self.trace_period or None,
                                           name=f"{name}_{var}")
                variables[name] = var
        self._built = built
        self._spike_monitors, self._trace_monitors = spikes, traces
        self._trace_variables = variables
        self._schedule = sorted((float(t), p, a, v) for t, p, a, v in schedule)
        self._before_schedule = {(p, a): np.array(getattr(built.populations[p], a), copy=True)
                                 for _, p, a, _ in self._schedule}
        self._overrides = {}
        self._pending = []
        self._generation += 1
        net.on("compiling", self._on_compiling)
        net.on("chunk", self._on_chunk)
        self._set(status="empty", sim_time=0.0, end_time=0.0, speed=0.0, compile_stage="",
                  message=f"network with {len(built.populations)} populations: compile it")

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
        if self.status not in ("ready", "paused", "finished"):
            raise WorkbenchError(f"cannot run: the network is {self.status}"
                                 + (" (compile it first)" if self.status == "empty" else ""))
        self._require_idle("run")
        now = self.network.time
        end = self.end_time if self.status == "paused" and self.end_time > now \
            else now + self.duration
        self._stop_kind = None
        self._set(status="running", end_time=end, message=f"running to t = {end:g} ms")
        self._start(self._run_worker, wait)

    def pause(self) -> None:
        """Stop after the current chunk; :meth:`run` continues to the same end."""
        if self.busy and self.status == "running":
            self._stop_kind = "paused"
            self.network.stop()

    def stop(self) -> None:
        """End the run after the current chunk."""
        if self.busy and self.status == "running":
            self._stop_kind = "finished"
            self.network.stop()
        elif self.status == "paused":
            self._set(status="finished", message=f"stopped at t = {self.network.time:g} ms")

    def reset(self) -> None:
        """Back to t = 0 with the initial state; recordings are cleared."""
        if self._built is None or not self.network.compiled:
            return
        self._require_idle("reset")
        self.network.reset()
        self._pending = []
        for (pop, attribute), value in self._overrides.items():   # the user's values stay
            setattr(pop, attribute, value)
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
            self._set(status="error", sim_time=net.time, message=f"the run stopped: {exc}")
            return
        wall = time.perf_counter() - t0
        simulated = net.time - sim0
        kind = self._stop_kind or "finished"
        speed = simulated / 1000.0 / wall if wall > 0 else 0.0
        verb = "paused" if kind == "paused" else \
            ("stopped" if self._stop_kind else "finished")
        self._set(status=kind, sim_time=net.time, speed=speed,
                  message=f"{verb} at t = {net.time:g} ms ({simulated:g} ms in "
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
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise WorkbenchError(f"{population}.{attribute}: give a number, got {value!r}") \
                from None
        if not np.isfinite(value):
            raise WorkbenchError(f"{population}.{attribute}: give a finite number, got {value}")
        with self._lock:
            self._overrides[(pop, attribute)] = value
            if self.busy and self.status == "running":
                self._pending.append((pop, attribute, value))
                return
        try:
            setattr(pop, attribute, value)
        except NeuroWorkbenchError as exc:
            raise WorkbenchError(str(exc)) from None

    def _on_chunk(self, event):
        with self._lock:
            pending, self._pending = self._pending, []
        for pop, attribute, value in pending:
            try:
                setattr(pop, attribute, value)
            except NeuroWorkbenchError as exc:          # checked in set_value already
                self._set(message=f"{pop.name}.{attribute} not changed: {exc}")

    # -- recordings ---------------------------------------------------------------------
    def read_new(self) -> NewData:
        """What the monitors recorded since the previous call (any thread)."""
        monitors = list(self._spike_monitors.values()) + list(self._trace_monitors.values())
        until = min((m.committed_time for m in monitors), default=0.0)
        out = NewData(self._generation, until)
        for name, m in self._spike_monitors.items():
            out.spikes[name] = m.read_new("spike")["spike"]
        for name, m in self._trace_monitors.items():
            var = self._trace_variables[name]
            out.traces[name] = m.read_new(var)[var]
        return out

    def recordings(self) -> dict[str, np.ndarray]:
        """Everything recorded so far, as flat arrays named ``pop.spike_times``,
        ``pop.spike_ranks``, ``pop.<var>_times``, ``pop.<var>`` (not drained)."""
        if self._built is None:
            return {}
        dt = self.network.dt
        out = {}
        for name, m in self._spike_monitors.items():
            data = m.get("spike", keep=True)
            ranks = np.concatenate([np.full(len(t), r, dtype=np.int64)
                                    for r, t in data.items()] or [np.zeros(0, np.int64)])
            times = np.concatenate([np.asarray(t, dtype=float) for t in data.values()]
                                   or [np.zeros(0)]) * dt
            order = np.lexsort((ranks, times))
            out[f"{name}.spike_times"], out[f"{name}.spike_ranks"] = times[order], ranks[order]
        for name, m in self._trace_monitors.items():
            var = self._trace_variables[name]
            out[f"{name}.{var}"] = np.asarray(m.get(var, keep=True))
            out[f"{name}.{var}_times"] = m.recorded_times()
        return out

    def recordings_npz(self) -> bytes:
        """The recordings as a ``.npz`` file's bytes (for a download)."""
        buf = io.BytesIO()
        np.savez_compressed(buf, **self.recordings())
        return buf.getvalue()

    def spikes_csv(self) -> str:
        """All recorded spikes as CSV text: ``population,rank,time_ms``."""
        lines = ["population,rank,time_ms"]
        rec = self.recordings()
        for name in self._spike_monitors:
            for r, t in zip(rec[f"{name}.spike_ranks"], rec[f"{name}.spike_times"]):
                lines.append(f"{name},{int(r)},{t:.6g}")
        return "\n".join(lines) + "\n"


def _compile_message(event) -> str:
    if event.stage == "compile" and event.total:
        return f"compiling kernels: {event.done}/{event.total}"
    if event.stage:
        return f"{event.stage}..."
    return "compiling..."
