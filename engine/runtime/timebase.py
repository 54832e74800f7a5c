"""The network's time base: changing ``dt`` before compile, setting the clock.

``net.config(dt=...)`` is accepted after objects exist, until ``compile()``
(as ANNarchy does). Everything the runtime converted from ms to steps when an
object was created is converted again from the ms it keeps:

- projections: synaptic delays (``Projection._delays_ms``); a
  ``DecodingProjection``'s window;
- spike sources (``SpikeSourceArray`` spike times), timed arrays and timed
  Poisson populations (schedule, period), correlated spike trains (schedule,
  period);
- monitors: ``period`` and ``period_offset``.

What is converted inside the compiled loop needs nothing (refractory periods,
Poisson probabilities ``rates * dt / 1000``); ``@every`` periods are kept in
ms and converted at each ``simulate()`` (a period shorter than the new dt
becomes one step, as when it is declared). What keeps no
ms is refused with a message saying what to do: a BOLD monitor
(``normalize_input``) and a learning period set with ``enable_learning``
before compile. Everything is checked against the new dt before anything
changes: a refused dt leaves the network as it was.

``net.time = t`` / ``net.current_step = k`` (ANNarchy's ``set_time`` and
``set_current_step``) move the clock of a compiled network. ANNarchy only
changes its ``t``; here what counts steps *since* something keeps counting as
before, so the dynamics continue unchanged except where the equations read
``t``: spikes in flight in delay buffers and spike/rate histories are rotated
with the clock, the last spike of each neuron and the last event of each
synapse (event-driven variables) move with it, a spike source array keeps its
own clock (as in ANNarchy: the trains go on where they were), as do timed
arrays. Monitors close their recording interval at the old time and open one
at the new time; what they recorded keeps its times. Monitor periods and
``@every`` callbacks stay anchored at time 0, as in ANNarchy.
"""

from __future__ import annotations

import math

import numpy as np

from engine.codegen.population_code import is_delay_buffer
from engine.errors import NetworkError

__all__ = ["change_dt", "set_step", "steps_of_time"]


# ---------------------------------------------------------------------------
# dt before compile
# ---------------------------------------------------------------------------
def _check_projection(proj, dt):
    """Raise if the projection's delays or window do not fit ``dt``."""
    if getattr(proj, "_row_ptr", None) is None:
        return
    if hasattr(proj, "_window_steps"):  # DecodingProjection: no delays, a window
        return
    delays = getattr(proj, "_delays_ms", None)
    if delays is None:
        return
    arr = np.asarray(delays, dtype=float)
    if arr.size == 0:
        return
    longest = proj._to_steps(float(np.max(arr)), dt)
    proj._to_steps(float(np.min(arr)), dt)
    if getattr(proj, "continuous_spiking", False) and longest > 1:
        raise NetworkError(f"projection {proj.name!r} is summed every step and takes no "
                           f"delay: its delay of {float(np.max(arr))} ms is {longest} steps "
                           f"of dt = {dt} ms")


def _apply_projection(proj, dt):
    if getattr(proj, "_row_ptr", None) is None:
        return
    if hasattr(proj, "_window_steps"):
        proj._window_steps = max(1, int(round(proj.window / dt)))
        hist = getattr(proj, "_extra", {}).get("hist")
        if hist is not None:
            proj._extra["hist"] = np.zeros((proj._window_steps, hist.shape[1]),
                                           dtype=hist.dtype)
        return
    if getattr(proj, "_delays_ms", None) is not None:
        proj._delays_to_steps(dt)


def _apply_population(pop):
    """Steps of a specific population again from the ms it keeps."""
    if hasattr(pop, "_install_schedule"):          # TimedArray, TimedPoissonPopulation
        pop._install_schedule()
    elif hasattr(pop, "_times_ms") and hasattr(pop, "_build"):   # SpikeSourceArray
        pop._build(rel_step=0)
    elif hasattr(pop, "_sched_ms") and "sched" in pop._internals:  # correlated trains
        dt = pop.network.dt
        pop._internals["sched"] = np.rint(np.asarray(pop._sched_ms, dtype=float)
                                          / dt).astype(np.int64)
        p = -1 if pop._period_ms <= 0 else max(1, int(round(pop._period_ms / dt)))
        pop._internals["period"][0] = p
    pop._dt_problem = None


def _refusals(net) -> list[str]:
    out = []
    if net.get_extensions():
        names = ", ".join(repr(e.name) for e in net.get_extensions())
        out.append(f"the BOLD monitor(s) {names} converted their times to steps when "
                   "created: set dt before creating them")
    for j in net._projections:
        learn = getattr(j, "_learn", None)
        if learn is not None and (int(learn[1]) != 1 or int(learn[2]) != 0):
            out.append(f"projection {j.name!r} has a learning period set with "
                       "enable_learning(period=..., offset=...): call it after "
                       "config(dt=...)")
    return out


def change_dt(net, dt: float) -> None:
    """``net.config(dt=dt)`` on a network that already holds objects (not compiled)."""
    old = net._config["dt"]
    if dt == old:
        return
    problems = _refusals(net)
    if problems:
        raise NetworkError(f"dt cannot change from {old} to {dt} ms: " + "; ".join(problems))
    net._config["dt"] = dt
    try:
        for p in net._populations:
            check = getattr(p, "_check_dt", None)
            if check is not None:
                check(dt)
        for j in net._projections:
            _check_projection(j, dt)
        for m in net._monitors:
            m._resolve_period()
    except NetworkError as exc:
        net._config["dt"] = old
        for m in net._monitors:
            m._resolve_period()
        raise NetworkError(f"dt cannot change from {old} to {dt} ms: {exc}") from None
    for p in net._populations:
        if hasattr(p, "_check_dt"):
            _apply_population(p)
    for j in net._projections:
        _apply_projection(j, dt)
    for cb in net.__dict__.get("_callbacks", []):   # @every: a period is at least one step
        if cb.period < dt:
            cb.period = dt
            cb.offset = min(cb.offset, cb.period)


# ---------------------------------------------------------------------------
# setting the clock
# ---------------------------------------------------------------------------
def steps_of_time(t, dt) -> int:
    """``t`` ms in whole steps: ``round(t / dt)`` when ``t`` is a multiple of
    ``dt`` up to rounding (0.3 / 0.1 is 3 steps), else truncated as ANNarchy's
    ``int(t / dt)``."""
    try:
        t = float(t)
    except (TypeError, ValueError):
        raise NetworkError(f"the time is a number of ms, got {t!r}") from None
    if not math.isfinite(t) or t < 0:
        raise NetworkError(f"the time must be a finite number of ms >= 0, got {t}")
    k = round(t / dt)
    if abs(k * dt - t) > 1e-9 * max(1.0, abs(t)):
        k = math.floor(t / dt)
    return int(k)


def _roll(arr, delta):
    if arr is not None and arr.shape[0] > 1 and delta % arr.shape[0]:
        arr[...] = np.roll(arr, delta, axis=0)


def set_step(net, step) -> None:
    """Move the clock of ``net`` to ``step`` (see the module docstring)."""
    from engine.runtime.network_run import _MAX_STEPS

    if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
        if isinstance(step, (float, np.floating)) and float(step).is_integer():
            step = int(step)
        else:
            raise NetworkError(f"the current step is a whole number >= 0, got {step!r}")
    step = int(step)
    if step < 0 or step >= _MAX_STEPS:
        raise NetworkError(f"the current step must be >= 0 and below {_MAX_STEPS:.3g}, "
                           f"got {step}")
    old = net._step
    delta = step - old
    if delta == 0:
        return
    if not net._compiled:
        raise NetworkError("the time can only be set once the network is compiled "
                           "(net.compile()); before that it is 0")
    if net.running:
        raise NetworkError("the time cannot be set during simulate(): set it between runs")
    for p in net._populations:
        ints = p._internals
        for k in [k for k in ints if is_delay_buffer(k)]:
            _roll(ints[k], delta)
        if "last_spike" in ints:
            ints["last_spike"] += delta
        if "t0" in ints and hasattr(p, "_times_ms"):   # SpikeSourceArray: its own clock
            ints["t0"][0] += delta
    for j in net._projections:
        _roll(getattr(j, "_ring", None), delta)
        last = getattr(j, "_last", None)
        if last is not None:
            last += delta
        learn = getattr(j, "_learn", None)
        if learn is not None and (int(learn[1]) > 1 or int(learn[2]) != 0):
            learn[2] += delta   # a learning schedule (enable_learning) keeps its phase
    for m in net._monitors:
        m._intervals.jump(net.time, step * net.dt, bool(m._active[0]))
        m._committed_step = step
    net._step = step
    net._live.emit(net, "clock", first_step=old, last_step=step)
