"""The Network's run machinery: calls of the compiled kernels in chunks
(:mod:`engine.runtime.live`: stop, progress, events), non-finite values,
``simulate``, ``simulate_until`` and ``step``.

:class:`_NetworkRun` is a base class of :class:`engine.runtime.network.Network`.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
import weakref
import time as _time

import numpy as np

from engine.codegen.network_code import STATUS_NONFINITE, STATUS_STOP
from engine.runtime.synapse_checks import synaptic_nonfinite
from engine.codegen.population_code import INT_INVALID
from engine.errors import NetworkError, NumericalError
from engine.language.models import _user_stacklevel
from engine.runtime.kernels import KernelMismatch
from engine.runtime.population import Population

#: recordings (bytes) small enough to skip the memory check of a run or chunk
_SMALL_RECORDING = 1 << 20

#: steps are counted in int64 (2**62: room for arithmetic on them)
_MAX_STEPS = 2**62


def _bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{int(n)} B"


class _NetworkRun:
    """Running a compiled :class:`~engine.runtime.network.Network`."""

    # -- running -----------------------------------------------------------------
    def _threads(self) -> int:
        """Threads the compiled loop may use: num_threads, at most Numba's pool."""
        import numba

        return max(1, min(int(self._config["num_threads"]), numba.config.NUMBA_NUM_THREADS))

    def _call(self, kernels, code, n_steps, until):
        if code.parallel:  # a prange inside: the pool size for this call
            import numba

            numba.set_num_threads(self._threads())
        for m in self._monitors:
            self._grow_spike_buffer(m)
        stops = kernels.stop_kernels()
        selected = np.zeros(len(code.kernels), dtype=np.uint8)
        if until:
            mask = getattr(self, "_until_mask", None)
            start = kernels.n_body
            for n, k in enumerate(stops):
                selected[start + n] = 1 if mask is None else mask[int(k.owner[1:])]
        try:
            return kernels.run(self._arrays_by_arg(), n_steps, self.current_step, self.dt,
                               until, selected)
        except KernelMismatch:
            # an array changed type (precision, a replaced array): regenerate
            self._build_module()
            return self._module.run(self._arrays_by_arg(), n_steps, self.current_step,
                                    self.dt, until, selected)

    def _ensure_module(self):
        if not self._compiled:
            raise NetworkError("the network is not compiled: call net.compile() first")
        if self._module is None:
            self._build_module()

    def _run(self, n_steps: int, until: int = 0) -> int:
        """Run up to ``n_steps`` steps in chunks (engine.runtime.live); returns
        the steps done (fewer after ``stop()`` or a met stop condition)."""
        self._ensure_module()
        live = self._live
        done_total = 0
        with live.interrupt_guard():
            while done_total < n_steps and not live.stop_requested:
                chunk = live.chunk_steps(n_steps - done_total)
                first = self.current_step
                t0 = _time.perf_counter()
                met = self._run_chunk(chunk, until)
                done = self.current_step - first
                done_total += done
                live.after_chunk(self, first, done, _time.perf_counter() - t0)
                if met:
                    break
        if live.stop_requested and done_total < n_steps:
            live.emit(self, "stopped", first_step=self.current_step)
        return done_total

    def _run_chunk(self, n_steps: int, until: int) -> bool:
        """One chunk: the compiled loop until ``n_steps`` are done; True if a
        stop condition (``simulate_until``) was met."""
        self._check_recording_memory(n_steps, chunk=True)
        try:
            for m in self._monitors:
                m._open_chunk(self.current_step, n_steps)
        except MemoryError:
            for m in self._monitors:
                m._close_chunk()
            raise NetworkError(
                f"monitor {m.name!r}: no memory left for the records of the next part of "
                "this run; the run stops here (the network and the recordings up to now are "
                "kept): read them with get() and go on, or record less") from None
        done_total = 0
        start_time = self.time
        try:
            while done_total < n_steps:
                done, status, info = self._call(self._module, self._code,
                                                 n_steps - done_total, until)
                self._step += int(done)
                done_total += int(done)
                # STATUS_GROW: a spike buffer grows before the next call
                if status == STATUS_NONFINITE:
                    err = self._nonfinite_error(int(self._code.kernels[int(info)].owner[1:]))
                    self._live.emit(self, "error", error=err)
                    raise err
                elif status == STATUS_STOP:
                    return True
        finally:
            for m in self._monitors:
                m._close_chunk()
            if self._config["check_finite"] and done_total:
                # synaptic variables: once per chunk (engine.runtime.synapse_checks)
                err = synaptic_nonfinite(self._projections, start_time, self.time)
                if err is not None:
                    self._live.emit(self, "error", error=err)
                    raise err
        return False

    def _check_before_run(self) -> None:
        """Values that compiled code cannot use, written since compile()
        without an assignment check (``pop.s[:] = -1``, ``load()``): the
        parameters of random draws inside equations."""
        for p in self._populations + self._projections:
            if p._parametric_draws():
                p._check_draw_parameters()
        self._warn_waiting_populations()

    def _keep_waiting(self, pop, private) -> None:
        """``pop`` was created while this network is compiled: it waits in
        ``private`` (see Population.__init__); remember it for the warning."""
        private._private_for = self
        self.__dict__.setdefault("_waiting", []).append(weakref.ref(pop))

    def _warn_waiting_populations(self) -> None:
        """A population created (ANNarchy 4 style) after this network was
        compiled waits outside it for a ``net.create(population=...)``; if
        none adopted it, say that it is not simulated (once)."""
        waiting = self.__dict__.pop("_waiting", None)
        for ref in waiting or ():
            pop = ref()
            if pop is not None and getattr(pop.network, "_private_for", None) is self:
                warnings.warn(
                    f"population {pop.name!r} was created after compile(): it is not part of "
                    "the compiled network and is not simulated (ANNarchy 4 refuses it). "
                    "Create populations before compile(), or give it to another network with "
                    "net.create(population=...)", UserWarning, stacklevel=_user_stacklevel())

    # -- memory of the recordings ---------------------------------------------------
    def _recording_bytes(self, n_steps: int) -> list[tuple[int, object, str]]:
        """``(bytes, monitor, what)`` of the values each active monitor records
        in the next ``n_steps`` steps (records x recorded columns x itemsize,
        summed over its variables; spikes are not counted: see
        _grow_spike_buffer)."""
        out = []
        for m in self._monitors:
            variables = [v for v in m.variables if v != "spike"]
            if not variables:
                continue
            rows = m._n_records(self.current_step, n_steps)
            if rows == 0:
                continue
            per_row, parts = 0, []
            for v in variables:
                cols, item = m._columns(v), m._dtype(v).itemsize
                per_row += cols * item
                parts.append(f"'{v}' ({cols:,} x {item} B)")
            every = (f"every {m._period_steps} steps" if m._period_steps > 1 else "every step")
            out.append((rows * per_row, m,
                        f"{rows:,} records ({every}) of {', '.join(parts)}"))
        return out

    def _check_recording_memory(self, n_steps: int, chunk: bool = False) -> None:
        """Refuse a run whose recordings cannot fit in the memory available
        now, before running (monitor buffers are allocated chunk by chunk:
        without this check a long run records until the memory runs out).
        ``chunk``: the check before each chunk (the whole run's was made by
        simulate(); a simulate_until() or a monitor started by a callback is
        caught here, between two chunks, with the network consistent)."""
        need = self._recording_bytes(n_steps)
        total = sum(b for b, _, _ in need)
        if total <= _SMALL_RECORDING:
            return   # not worth a look at /proc/meminfo (MemoryError is caught anyway)
        from engine.runtime.connect_args import available_memory

        have = available_memory()
        if total <= have:
            return
        need.sort(key=lambda x: -x[0])
        size, m, what = need[0]
        others = (f" (and {len(need) - 1} other monitor(s): {_bytes(total)} in all)"
                  if len(need) > 1 else "")
        when = ("the next part of this run" if chunk else
                f"a run of {n_steps:,} steps ({n_steps * self.dt:g} ms)")
        raise NetworkError(
            f"monitor {m.name!r} would need {_bytes(size)} to record {what} over {when}"
            f"{others}, more than the {_bytes(have)} of memory available now; record less "
            "(a larger period=, fewer neurons or variables), or simulate in shorter parts "
            "and read the data with get() in between")

    def _check_delay_memory(self, spk: dict, rate: dict) -> None:
        """Refuse, before compile() allocates them, delay buffers that cannot
        fit in the memory available now: a spike history of ``depth`` steps
        per delayed spiking population (int32 ranks, twice: compile() keeps a
        copy for reset()), a rate history per delayed rate-coded one, a ring
        of ``max delay + 1`` steps per projection with per-synapse delays. A
        uniform delay of 1e9 ms would otherwise be allocated (and copied) until
        the machine runs out of memory."""
        fsize = np.dtype(self._float_dtype).itemsize
        parts = []
        for p in self._populations:
            if spk[p.id]:
                parts.append((2 * spk[p.id] * (4 * p.size + 8), f"the spike history of "
                              f"population {p.name!r} ({spk[p.id]:,} steps x {p.size:,} "
                              "neurons)"))
            if rate[p.id]:
                parts.append((2 * rate[p.id] * fsize * p.size, f"the rate history of "
                              f"population {p.name!r} ({rate[p.id]:,} steps x {p.size:,} "
                              "neurons)"))
        for j in self._projections:
            if self._delay_mode(j) == "synapse" and j.pre_population.spiking:
                rows = j.max_delay_steps + 1
                parts.append((rows * j.post_population.size * fsize,
                              f"the delay ring of projection {j.name!r} ({rows:,} steps x "
                              f"{j.post_population.size:,} neurons)"))
        total = sum(b for b, _ in parts)
        if total <= _SMALL_RECORDING:
            return
        from engine.runtime.connect_args import available_memory

        have = available_memory()
        if total > have:
            size, what = max(parts, key=lambda x: x[0])
            raise NetworkError(
                f"the synaptic delays need {_bytes(total)} of buffers ({what}: "
                f"{_bytes(size)}), more than the {_bytes(have)} of memory available now; "
                f"use shorter delays (the longest is what counts, at dt = {self.dt:g} ms), "
                "or a larger dt")

    def _grow_spike_buffer(self, m) -> None:
        """Room for one more step of spikes of monitor ``m`` (its buffer
        doubles when needed). Spikes cannot be counted before running, so a
        spike monitor is bounded here, as its buffer grows: a growth that
        cannot fit in the memory available ends the run with a clear error
        (the steps done so far and their spikes are kept)."""
        if not m.records_spikes:
            return
        need = int(m._spk_n[0]) + m.population.size
        cap = m._spk_t.shape[0]
        if cap >= need:
            return
        new_cap = cap
        while new_cap < need:
            new_cap *= 2
        grow = new_cap * (m._spk_t.itemsize + m._spk_i.itemsize)
        from engine.runtime.connect_args import available_memory

        have = available_memory()
        if grow <= have:
            try:
                m._ensure_spike_room()
                return
            except MemoryError:
                pass
        raise NetworkError(
            f"monitor {m.name!r} holds {int(m._spk_n[0]):,} spikes at t = {self.time:g} ms "
            f"and its buffer would grow to {_bytes(grow)}, more than the {_bytes(have)} of "
            "memory available now; the run stops here (the network and the recordings up "
            "to now are kept): read the spikes with get('spike') and go on, or record "
            "fewer neurons")

    # -- live control (engine.runtime.live) -----------------------------------------
    @contextlib.contextmanager
    def _one_run(self, n_steps, report=None, report_period=1.0, progress=None):
        """Around one simulate()/simulate_until()/step(): a fresh stop flag,
        progress reports or bar, ``running``."""
        self._ensure_module()
        if progress is None:
            progress = self._config["progress"]
        self._live.begin(self, n_steps, report, report_period, progress)
        try:
            yield
        finally:
            self._live.end(self)

    def stop(self):
        """End the current ``simulate()`` after its chunk (at most ~50 ms of
        wall time); safe to call from another thread. The network's time,
        state and monitors stay consistent and it can run again."""
        self._live.request_stop()

    @property
    def running(self) -> bool:
        """True while a ``simulate()`` of this network is in progress."""
        return self._live.running

    def on(self, event: str, fn=None):
        """Call ``fn(event)`` on ``event``: ``'compiled'``, ``'reset'``,
        ``'loaded'``, ``'chunk'`` (after each chunk of a run: ``event.first_step``,
        ``event.last_step``), ``'stopped'`` or ``'error'`` (``event.error``).
        Returns ``fn``; without ``fn``, a decorator."""
        return self._live.on(event, fn)

    def off(self, event: str, fn):
        """Stop calling ``fn`` on ``event``."""
        self._live.off(event, fn)

    def _nonfinite_error(self, pop_id: int) -> NumericalError:
        pop = self._populations[pop_id]
        step = self.current_step - 1
        # the variables first (a parameter is non-finite only if set so), in
        # the model's order: the first variable that went wrong is named
        specs = sorted(pop.ir.variables, key=lambda v: v.kind != "variable")
        for spec in specs:
            arr = pop._arrays[spec.name]
            who = "" if spec.locality == "global" else " of neuron {}"
            if arr.dtype.kind == "f":
                bad = np.flatnonzero(~np.isfinite(arr))
                if bad.size:
                    r = int(bad[0])
                    what = "NaN" if np.isnan(arr[r]) else "infinite"
                    return NumericalError(
                        f"population {pop.name!r}: variable '{spec.name}'{who.format(r)} became "
                        f"{what} at t = {step * self.dt:g} ms (step {step}); {bad.size} value(s) "
                        "affected. Check the equations and parameters (a division or modulo by "
                        "zero, an exp() overflow, a random draw with invalid parameters such as "
                        "Normal(0, s) with s < 0, or a dt too large for the method).")
            elif spec.dtype == "int" and spec.kind == "variable":
                bad = np.flatnonzero(arr == INT_INVALID)
                if bad.size:
                    r = int(bad[0])
                    return NumericalError(
                        f"population {pop.name!r}: integer variable '{spec.name}'"
                        f"{who.format(r)} was given a value an integer cannot hold (NaN, e.g. "
                        f"modulo(k, 0), infinite, or beyond +-9.2e18) at t = "
                        f"{step * self.dt:g} ms (step {step}); {bad.size} value(s) affected. "
                        "Check the equations and parameters (a modulo or division by zero, "
                        "an overflow).")
        return NumericalError(f"population {pop.name!r}: a non-finite value appeared at "
                              f"t = {step * self.dt:g} ms")

    def _steps_for(self, duration) -> int:
        if isinstance(duration, (str, bytes, bool, np.bool_)):
            raise NetworkError(f"duration must be a number of ms, got {duration!r}")
        try:
            duration = float(duration)
        except OverflowError:   # an int beyond a float
            raise NetworkError(f"duration must be a finite number >= 0 ms, got "
                               f"{duration!r:.40}") from None
        except (TypeError, ValueError):
            raise NetworkError(f"duration must be a number of ms, got {duration!r}") from None
        if duration < 0 or not np.isfinite(duration):
            raise NetworkError(f"duration must be a finite number >= 0 ms, got {duration}")
        steps = int(round(duration / self.dt))
        if abs(steps * self.dt - duration) > 1e-6 * self.dt:
            steps = int(np.ceil(duration / self.dt))
        if self.current_step + steps >= _MAX_STEPS:
            raise NetworkError(f"{duration} ms is {steps:.3g} steps of dt = {self.dt} ms: the "
                               f"step counter holds at most {_MAX_STEPS:.3g} steps")
        return steps

    def simulate(self, duration, measure_time=False, report=None, report_period=1.0,
                 progress=None):
        """Run for ``duration`` ms (rounded to whole steps).

        The run goes in chunks of about 50 ms of wall time: :meth:`stop`
        (from any thread) and Ctrl-C end it between two chunks, with the
        network consistent. ``report``: ``'text'`` prints the progress, a
        callable receives a :class:`~engine.runtime.live.Progress`, every
        ``report_period`` seconds and once at the end. ``progress``: a
        progress bar once the run has lasted a second (``True``, ``False``,
        ``'auto'``; default: the network's ``config(progress=...)``, whose
        ``'auto'`` shows it in a terminal or a notebook only); none with a
        ``report``.
        """
        t0 = _time.perf_counter()
        n_steps = self._steps_for(duration)
        self._ensure_module()
        self._check_before_run()
        if threading.current_thread() is threading.main_thread():
            # a run on a worker thread is the live pattern (docs/live.md): a
            # long duration that the UI ends with stop(); its recordings are
            # checked chunk by chunk (_run_chunk), as simulate_until's
            self._check_recording_memory(n_steps)
        with self._one_run(n_steps, report, report_period, progress):
            self._simulate_steps(n_steps)
        elapsed = _time.perf_counter() - t0
        self.timings["simulate"] = elapsed
        if measure_time:
            print(f"Simulating {duration} ms took {elapsed:.4f} s.")

    def simulate_until(self, max_duration, population, operator="and", measure_time=False,
                       progress=None):
        """Run until the stop condition of ``population`` (or of all/any of a list) holds.

        Returns the simulated duration in ms.
        """
        pops = population if isinstance(population, (list, tuple)) else [population]
        if operator not in ("and", "or"):
            raise NetworkError(f"operator must be 'and' or 'or', got {operator!r}")
        mask = np.zeros(len(self._populations), dtype=np.uint8)
        for p in pops:
            if not isinstance(p, Population) or p.network is not self:
                raise NetworkError(f"{p!r} is not a population of this network")
            if p.stop_condition is None:
                raise NetworkError(f"population {p.name!r} has no stop_condition; "
                                   "give one to create(..., stop_condition='r > 1 : any')")
            mask[p.id] = 1
        t0 = _time.perf_counter()
        n_steps = self._steps_for(max_duration)
        self._ensure_module()
        self._check_before_run()
        self._until_mask = mask  # by population id: which stop kernels take part
        try:
            with self._one_run(n_steps, progress=progress):
                steps = self._run(n_steps, until=1 if operator == "and" else 2)
        finally:
            self._until_mask = None
        if measure_time:
            print(f"Simulating took {_time.perf_counter() - t0:.4f} s.")
        return steps * self.dt

    def step(self):
        """Run exactly one step of ``dt``."""
        self._ensure_module()
        self._check_before_run()
        with self._one_run(1):
            self._run(1)
