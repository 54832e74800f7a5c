"""The Network's run machinery: calls of the compiled kernels in chunks
(:mod:`engine.runtime.live`: stop, progress, events), non-finite values,
``simulate``, ``simulate_until`` and ``step``.

:class:`_NetworkRun` is a base class of :class:`engine.runtime.network.Network`.
"""

from __future__ import annotations

import contextlib
import time as _time

import numpy as np

from engine.codegen.network_code import STATUS_NONFINITE, STATUS_STOP
from engine.errors import NetworkError, NumericalError
from engine.runtime.kernels import KernelMismatch
from engine.runtime.population import Population

#: steps are counted in int64 (2**62: room for arithmetic on them)
_MAX_STEPS = 2**62


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
            m._ensure_spike_room()
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
        for m in self._monitors:
            m._open_chunk(self.current_step, n_steps)
        done_total = 0
        try:
            while done_total < n_steps:
                done, status, info = self._call(self._module, self._code,
                                                 n_steps - done_total, until)
                self.current_step += int(done)
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
        return False

    # -- live control (engine.runtime.live) -----------------------------------------
    @contextlib.contextmanager
    def _one_run(self, n_steps, report=None, report_period=1.0):
        """Around one simulate()/simulate_until()/step(): a fresh stop flag,
        progress reports, ``running``."""
        self._ensure_module()
        self._live.begin(self, n_steps, report, report_period)
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
        for spec in pop.ir.variables:
            arr = pop._arrays[spec.name]
            if arr.dtype.kind != "f":
                continue
            bad = np.flatnonzero(~np.isfinite(arr))
            if bad.size:
                r = int(bad[0])
                what = "NaN" if np.isnan(arr[r]) else "infinite"
                who = "" if spec.locality == "global" else f" of neuron {r}"
                return NumericalError(
                    f"population {pop.name!r}: variable '{spec.name}'{who} became {what} "
                    f"at t = {step * self.dt:g} ms (step {step}); {bad.size} value(s) affected. "
                    "Check the equations and parameters (a division by zero, an exp() "
                    "overflow, or a dt too large for the method)."
                )
        return NumericalError(f"population {pop.name!r}: a non-finite value appeared at "
                              f"t = {step * self.dt:g} ms")

    def _steps_for(self, duration) -> int:
        try:
            duration = float(duration)
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

    def simulate(self, duration, measure_time=False, report=None, report_period=1.0):
        """Run for ``duration`` ms (rounded to whole steps).

        The run goes in chunks of about 50 ms of wall time: :meth:`stop`
        (from any thread) and Ctrl-C end it between two chunks, with the
        network consistent. ``report``: ``'text'`` prints the progress, a
        callable receives a :class:`~engine.runtime.live.Progress`, every
        ``report_period`` seconds and once at the end.
        """
        t0 = _time.perf_counter()
        n_steps = self._steps_for(duration)
        with self._one_run(n_steps, report, report_period):
            self._simulate_steps(n_steps)
        elapsed = _time.perf_counter() - t0
        self.timings["simulate"] = elapsed
        if measure_time:
            print(f"Simulating {duration} ms took {elapsed:.4f} s.")

    def simulate_until(self, max_duration, population, operator="and", measure_time=False):
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
        self._until_mask = mask  # by population id: which stop kernels take part
        t0 = _time.perf_counter()
        n_steps = self._steps_for(max_duration)
        try:
            with self._one_run(n_steps):
                steps = self._run(n_steps, until=1 if operator == "and" else 2)
        finally:
            self._until_mask = None
        if measure_time:
            print(f"Simulating took {_time.perf_counter() - t0:.4f} s.")
        return steps * self.dt

    def step(self):
        """Run exactly one step of ``dt``."""
        with self._one_run(1):
            self._run(1)
