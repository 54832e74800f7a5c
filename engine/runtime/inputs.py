"""Input populations, as ANNarchy's specific populations.

=================================  ==========================================================
:class:`PoissonPopulation`         spiking; Bernoulli per step with ``p = rates*dt/1000``;
                                   rates a number, an array, an equation of ``t``, or
                                   ``sum(target)`` (hybrid rate-to-spike interface)
:class:`SpikeSourceArray`          spiking; emits exactly the given spike times
:class:`TimedArray`                rate-coded; ``r`` follows the rows of a buffer on a schedule
:class:`TimedPoissonPopulation`    spiking Poisson whose rates follow a schedule
:class:`HomogeneousCorrelatedSpikeTrains`
                                   spiking; Poisson trains sharing one Ornstein-Uhlenbeck rate
                                   (Brette 2009, as ANNarchy and Brian)
:class:`InputArray`                rate-coded; ``r`` is set from Python
=================================  ==========================================================

Where possible a class is a plain equation-defined neuron (``PoissonPopulation``
is ``p = Uniform(0, 1)*1000/dt``, ``spike: p < rates``), so the generated code
shows it like any other model. The others bring a few lines of loop code
(:class:`engine.codegen.network_code.CustomCode`) and keep their data in
``Population._internals``: spike times as flat sorted step arrays with a
pointer per neuron, schedule buffers with an internal clock.

Times given in ms become steps by ``round(t / dt)`` (Python's rounding: exact
halves go to the even step, as ANNarchy). Every random number comes from the
network seed (the population's generator in the compiled loop). See
``docs/inputs.md``.

Configuration (spike times, schedules, buffers) is not state: ``net.reset()``
keeps the current configuration and rewinds the clocks; ``pop.reset()`` of a
scheduled population restarts its schedule at the current time, as ANNarchy.
"""

from __future__ import annotations

import math
import numbers
import re
import warnings

import numpy as np

from engine.codegen.network_code import CustomCode
from engine.codegen.population_code import refractory_steps
from engine.errors import AttributeAssignmentError, NetworkError
from engine.language.models import Neuron
from engine.language.random_draws import RandomDistribution
from engine.runtime.active import network_class
from engine.runtime.population import Population, _geometry

__all__ = [
    "PoissonPopulation",
    "SpikeSourceArray",
    "TimedArray",
    "TimedPoissonPopulation",
    "HomogeneousCorrelatedSpikeTrains",
    "InputArray",
]


class InputValueError(NetworkError, AttributeAssignmentError):
    """A bad value given to an input population (a NetworkError, and an
    AttributeAssignmentError when it comes from ``pop.x = value``)."""


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _finite_float(who, what, value) -> float:
    if not _is_number(value) or not math.isfinite(float(value)):
        raise InputValueError(f"{who}: {what} must be a finite number, got {value!r}")
    return float(value)


def _float_array(who, what, value) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputValueError(f"{who}: {what} must be numbers, got {value!r:.80}") from None
    if not np.isfinite(arr).all():
        raise InputValueError(f"{who}: {what} must be finite numbers (no NaN or inf)")
    return arr


def _to_steps(ms, dt) -> np.ndarray:
    """ms -> steps, ``round(t/dt)`` (half to even, as Python's round)."""
    return np.rint(np.asarray(ms, dtype=float) / dt).astype(np.int64)


def _indent(code: str, n: int = 1) -> str:
    pad = "    " * n
    return "".join(pad + ln + "\n" if ln.strip() else "\n" for ln in code.splitlines())


def _schedule_code(assign: str) -> str:
    """ANNarchy's schedule logic (TimedArray): at internal step ``sched[b]`` the
    block ``b`` is applied (``assign``, which reads ``_sc_b``) and the next one
    awaited; after the last block nothing changes (the last one stays), unless
    a period (steps, > 0) restarts the clock."""
    return (
        "_sc_n = {p}__sched.shape[0]\n"
        "_sc_c = {p}__clock[0]\n"
        "_sc_b = {p}__block[0]\n"
        "if _sc_n > 0 and _sc_c == {p}__sched[_sc_b]:\n"
        + _indent(assign)
        + "    _sc_b += 1\n"
        "    if _sc_b == _sc_n:\n"
        "        _sc_b = 0\n"
        "if {p}__period[0] > 0 and _sc_c == {p}__period[0] - 1:\n"
        "    _sc_b = 0\n"
        "    _sc_c = -1\n"
        "{p}__clock[0] = _sc_c + 1\n"
        "{p}__block[0] = _sc_b\n"
    )


class _SpecificPopulation(Population):
    """Common machinery: properties settable after init, configuration
    internals that ``net.reset()`` keeps, dt-dependent checks before moving."""

    #: internals that are configuration (kept by net.reset(), may change shape)
    _config_internals: tuple = ()

    def __setattr__(self, name, value):
        prop = getattr(type(self), name, None) if not name.startswith("_") else None
        if isinstance(prop, property):
            if prop.fset is None:
                raise InputValueError(f"{self._who}: '{name}' cannot be set")
            object.__setattr__(self, name, value)  # the property's setter
            return
        super().__setattr__(name, value)

    @property
    def _who(self) -> str:
        return f"{type(self).__name__} {self.name!r}"

    def _check_dt(self, dt: float):
        """Raise if the configuration does not fit a network with this dt."""

    # A population built without ``network=`` (ANNarchy 5:
    # ``net.create(TimedArray(...))``) joins the active network until a
    # ``net.create()`` adopts it, and only then is its dt known: what depends
    # on dt is checked against the adopting network's dt (``_move_to``). A
    # configuration that does not fit the dt of the network it waits in is
    # no error yet; it is kept in ``_dt_problem`` and raised (the population
    # leaving that network, which stays as it was) if it is used there:
    # connected, monitored, compiled, or ``net.create()``-d by that network.
    _dt_problem = None

    def _dt_problem_for(self, dt: float):
        try:
            self._check_dt(dt)
        except NetworkError as exc:
            return exc
        return None

    def _allocate(self):
        super()._allocate()
        self._dt_problem = self._dt_problem_for(self.network.dt)

    def _check_ready(self):
        exc = self._dt_problem
        if exc is None:
            return
        old = self.network
        old_id = self.id
        old._populations.remove(self)
        for k, p in enumerate(old._populations):
            p.id = k
        private = network_class()(dt=old.dt, seed=old.seed)
        object.__setattr__(self, "network", private)
        self.id = private._register_population(self, None)
        if self.name == f"pop{old_id}":
            self.name = f"pop{self.id}"
        raise InputValueError(
            f"{exc}. It was built without a network and waited in the active one, whose "
            "dt it does not fit: it has been taken out of it (that network is as before). "
            "Add it to a network whose dt fits with net.create(pop), or build it with a "
            "configuration that fits") from None

    def _move_to(self, net, name=None):
        if net is not self.network:
            self._check_dt(net.dt)
        else:
            self._check_ready()
        return super()._move_to(net, name)

    def _snapshot(self) -> dict:
        snap = super()._snapshot()
        for k in self._config_internals:
            snap.pop("__" + k, None)
        return snap

    def _restore(self, snap: dict):
        for k, v in self._arrays.items():
            v[...] = snap[k]
        for k, v in self._internals.items():
            if k not in self._config_internals and "__" + k in snap:
                v[...] = snap["__" + k]
        self._restored()

    def _restored(self):
        """Hook run after ``net.reset()`` restored the state."""

    @property
    def _fdtype(self):
        return self.network._float_dtype


# ---------------------------------------------------------------------------
# Poisson
# ---------------------------------------------------------------------------

_POISSON_EQ = "p = Uniform(0.0, 1.0) * 1000.0 / dt"
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _uses_name(text: str, name: str) -> bool:
    return name in _NAME_RE.findall(text)


def _defines_pi(parameters) -> bool:
    if isinstance(parameters, dict):
        return "pi" in parameters
    if isinstance(parameters, str):
        return any(ln.split("#")[0].split("=")[0].strip() == "pi"
                   for part in parameters.splitlines() for ln in part.split(";"))
    return False


def _with_pi(parameters):
    """ANNarchy knows ``pi``; the model language does not (yet): add it as a
    population-wide parameter when the rates equation uses it."""
    if isinstance(parameters, dict):
        return {**parameters, "pi": math.pi}
    text = parameters or ""
    return text + f"\npi = {math.pi!r} : population\n"


class PoissonPopulation(_SpecificPopulation):
    """Spiking neurons emitting Poisson spike trains.

    At every step each neuron spikes with probability ``rates * dt / 1000``
    (``rates`` in Hz, a Bernoulli draw per neuron and step, as ANNarchy: the
    model is ``p = Uniform(0, 1) * 1000 / dt``, ``spike: p < rates``).

    Parameters
    ----------
    geometry : int or tuple
    rates : float, array or str
        One rate for all neurons, one per neuron (settable later:
        ``pop.rates = np.linspace(10, 150, 100)``), or an equation of ``t``
        (``"100*(1 + sin(2*pi*t/1000))/2"``) parsed by the safe equation
        parser, which may use the extra ``parameters``.
    target : str, optional
        Instead of ``rates``: the rate is ``sum(target)``, the weighted sum of
        rate-coded projections on that target (a rate-to-spike interface).
    parameters : str or dict, optional
        Extra parameters for the ``rates`` equation (``"amp = 100.0"``).
    refractory : float, optional
        Refractory period in ms.
    name : str, optional
    """

    _own_names = Population._own_names | {"target"}

    def __init__(self, geometry, rates=None, target=None, parameters=None, refractory=None,
                 name=None, *, network=None):
        who = "PoissonPopulation" + (f" {name!r}" if name else "")
        if rates is None and target is None:
            raise NetworkError(f"{who}: give rates (Hz, a number, an array or an equation "
                               "of t) or target (a rate given by sum(target))")
        if rates is not None and target is not None:
            raise NetworkError(f"{who}: give rates or target, not both (with target, the "
                               "rate is sum(target))")
        if refractory is not None:
            refractory = _finite_float(who, "refractory", refractory)
            if refractory < 0:
                raise NetworkError(f"{who}: refractory must be >= 0 ms, got {refractory}")
        if parameters is not None and not isinstance(parameters, (str, dict)):
            raise NetworkError(f"{who}: parameters must be a string (one 'name = value' per "
                               f"line) or a dict, got {type(parameters).__name__}")
        self._rates_init = None
        eq_params = parameters
        if target is not None:
            if not isinstance(target, str) or not target.isidentifier():
                raise NetworkError(f"{who}: target must be a name such as 'exc', got {target!r}")
            self._rates_mode = "target"
            first = f"rates = sum({target})"
            model_name = "Hybrid"
        elif isinstance(rates, str):
            if "\n" in rates or ";" in rates or not rates.strip():
                raise NetworkError(f"{who}: a rates equation is one expression of t "
                                   f"(e.g. '100*(1 + sin(2*pi*t/1000))/2'), got {rates!r}")
            self._rates_mode = "equation"
            first = f"rates = {rates.strip()}"
            model_name = "Poisson"
            if _uses_name(rates, "pi") and not _defines_pi(parameters):
                eq_params = _with_pi(parameters)
        else:
            self._rates_mode = "value"
            self._rates_init = self._check_rates(who, rates)
            first = None
            model_name = "Poisson"
            if parameters:
                raise NetworkError(f"{who}: parameters are for a rates equation; with numeric "
                                   "rates there is nothing to use them")
        if first is None:
            neuron = Neuron(parameters="rates = 10.0", equations=_POISSON_EQ,
                            spike="p < rates", refractory=refractory, name=model_name)
        else:
            neuron = Neuron(parameters=eq_params if eq_params else "",
                            equations=f"{first}\n{_POISSON_EQ}", spike="p < rates",
                            refractory=refractory, name=model_name)
        if self._rates_init is not None and self._rates_init.ndim:
            geo = _geometry(geometry)
            if self._rates_init.shape not in (geo, (int(np.prod(geo)),)):
                raise NetworkError(f"{who}: rates has shape {self._rates_init.shape} for a "
                                   f"population of shape {geo}")
        self.target = target
        super().__init__(geometry, neuron, name=name, network=network)

    @staticmethod
    def _check_rates(who, rates) -> np.ndarray:
        if isinstance(rates, RandomDistribution):
            raise NetworkError(f"{who}: for random rates, create the population with a number "
                               f"and then assign them: pop.rates = {rates!r}")
        arr = _float_array(who, "rates", rates)
        if (arr < 0).any():
            raise InputValueError(f"{who}: rates must be >= 0 Hz, got {arr.min():g}")
        return arr

    def _allocate(self):
        super()._allocate()
        if self._rates_init is not None:
            self._arrays["rates"][:] = self._rates_init.reshape(-1) \
                if self._rates_init.ndim else self._rates_init

    def _set(self, name, value, index):
        if name == "rates":
            if self._rates_mode != "value":
                how = "sum(%s)" % self.target if self._rates_mode == "target" else \
                    "its equation"
                raise InputValueError(f"{self._who}: rates is given by {how}; change the "
                                      "parameters it uses instead")
            arr = self._arrays["rates"]
            old = arr.copy()
            super()._set(name, value, index)
            if not np.isfinite(arr).all() or (arr < 0).any():
                bad = arr[~np.isfinite(arr) | (arr < 0)][0]
                arr[:] = old
                raise InputValueError(f"{self._who}: rates must be finite and >= 0 Hz, "
                                      f"got {bad:g}")
            return
        super()._set(name, value, index)


# ---------------------------------------------------------------------------
# SpikeSourceArray
# ---------------------------------------------------------------------------

def _spike_time_lists(who, spike_times) -> list[np.ndarray]:
    """Validate ANNarchy's spike_times (one list, or one list per neuron)."""
    if isinstance(spike_times, np.ndarray):
        spike_times = spike_times.tolist()
    if not isinstance(spike_times, (list, tuple)):
        raise NetworkError(f"{who}: spike_times must be a list of times in ms (one neuron) "
                           f"or a list of such lists (one per neuron), got "
                           f"{type(spike_times).__name__}")
    nested = [isinstance(x, (list, tuple, np.ndarray)) for x in spike_times]
    if spike_times and all(nested):
        lists = list(spike_times)
    elif not any(nested):
        lists = [spike_times]
    else:
        raise NetworkError(f"{who}: spike_times mixes numbers and lists; give one list of "
                           "times (one neuron) or one list per neuron")
    out = []
    for i, times in enumerate(lists):
        if any(not _is_number(t) for t in np.asarray(times, dtype=object).ravel()):
            raise NetworkError(f"{who}: the spike times of neuron {i} must be numbers (ms)")
        arr = np.asarray(times, dtype=float).ravel()
        if not np.isfinite(arr).all():
            raise NetworkError(f"{who}: the spike times of neuron {i} must be finite")
        if (arr < 0).any():
            raise NetworkError(f"{who}: spike times must be >= 0 ms; neuron {i} has "
                               f"{arr[arr < 0][0]:g}")
        down = np.flatnonzero(np.diff(arr) < 0)
        if down.size:
            k = int(down[0])
            raise NetworkError(f"{who}: the spike times of neuron {i} are not sorted "
                               f"({arr[k + 1]:g} ms comes after {arr[k]:g} ms); give them in "
                               "increasing order")
        out.append(arr)
    return out


class SpikeSourceArray(_SpecificPopulation):
    """Neurons that spike at given times.

    Parameters
    ----------
    spike_times : list
        Times in ms: one list for a single neuron, or one list per neuron
        (``[[10, 20], [15]]``). Each time ``t`` is delivered at the step
        ``round(t/dt)``; times falling in the same step give one spike.
    name : str, optional

    ``pop.spike_times = [...]`` (same number of neurons) replaces the times
    between runs; it takes effect at the next step, and times already past
    are skipped. Times count from the start of the simulation, or from the
    last ``pop.reset()``, which replays the trains from the current time
    (as ANNarchy). ``net.reset()`` keeps the current times and rewinds.
    """

    _config_internals = ("times", "start")
    _neuron = None

    def __init__(self, spike_times, name=None, *, network=None):
        who = "SpikeSourceArray" + (f" {name!r}" if name else "")
        self._times_ms = _spike_time_lists(who, spike_times)
        if SpikeSourceArray._neuron is None:
            SpikeSourceArray._neuron = Neuron(spike="t < 0.0", name="SpikeSourceArray")
        super().__init__(len(self._times_ms), SpikeSourceArray._neuron, name=name,
                         network=network)

    def _allocate(self):
        super()._allocate()
        self._internals["t0"] = np.zeros(1, dtype=np.int64)
        self._build(rel_step=0)

    def _build(self, rel_step: int):
        """Flatten the times into steps and point each neuron at its first
        spike at or after ``rel_step`` (steps since the source's clock start)."""
        dt = self.network.dt
        steps = [np.unique(_to_steps(t, dt)) for t in self._times_ms]
        counts = np.array([s.size for s in steps], dtype=np.int64)
        start = np.zeros(len(steps) + 1, dtype=np.int64)
        np.cumsum(counts, out=start[1:])
        times = np.concatenate(steps) if steps else np.zeros(0, np.int64)
        self._internals["times"] = np.ascontiguousarray(times, dtype=np.int64)
        self._internals["start"] = start
        self._internals["ptr"] = self._pointers(rel_step)

    def _pointers(self, rel_step: int) -> np.ndarray:
        times, start = self._internals["times"], self._internals["start"]
        ptr = np.empty(start.size - 1, dtype=np.int64)
        for i in range(ptr.size):
            seg = times[start[i]:start[i + 1]]
            ptr[i] = start[i] + np.searchsorted(seg, rel_step, side="left")
        return ptr

    def _custom_code(self):
        return CustomCode(
            code=(
                "_ssa_rel = _step - {p}__t0[0]\n"
                "for _i in range({p}__ptr.shape[0]):\n"
                "    _ssa_k = {p}__ptr[_i]\n"
                "    _ssa_end = {p}__start[_i + 1]\n"
                "    while _ssa_k < _ssa_end and {p}__times[_ssa_k] < _ssa_rel:\n"
                "        _ssa_k += 1\n"
                "    _ssa_sp = _ssa_k < _ssa_end and {p}__times[_ssa_k] == _ssa_rel\n"
                "    if _ssa_sp:\n"
                "        _ssa_k += 1\n"
                "    {p}__ptr[_i] = _ssa_k\n"
                "    {p}__flag[_i] = _ssa_sp\n"
            ),
            args=("times", "start", "ptr", "t0"),
        )

    @property
    def spike_times(self) -> list[list[float]]:
        """The spike times in ms, per neuron, as they will be delivered
        (multiples of dt)."""
        times, start, dt = self._internals["times"], self._internals["start"], self.network.dt
        # rounded to 1e-10 ms so that 151 steps of 0.1 ms read 15.1, not 15.100000000000001
        return [np.round(times[start[i]:start[i + 1]] * dt, 10).tolist()
                for i in range(self.size)]

    @spike_times.setter
    def spike_times(self, value):
        lists = _spike_time_lists(self._who, value)
        if len(lists) != self.size:
            raise InputValueError(f"{self._who}: {len(lists)} spike train(s) given for "
                                  f"{self.size} neuron(s); the number of neurons is fixed")
        self._times_ms = lists
        self._build(rel_step=self.network.current_step - int(self._internals["t0"][0]))

    def reset(self):
        """Replay the spike trains from now: times become relative to the
        current time (ANNarchy's ``SpikeSourceArray.reset()``)."""
        self._internals["t0"][0] = self.network.current_step
        self._internals["ptr"][:] = self._internals["start"][:-1]

    def _restored(self):
        # net.reset(): time 0 again, with the current spike times
        self._internals["ptr"][:] = self._pointers(0 - int(self._internals["t0"][0]))


# ---------------------------------------------------------------------------
# Scheduled populations (TimedArray, TimedPoissonPopulation)
# ---------------------------------------------------------------------------

class _Scheduled(_SpecificPopulation):
    """A buffer of rows applied on a schedule, with an optional period.

    Configuration kept in Python: ``_buffer_init`` (rows, flat neurons),
    ``_schedule_spec`` (as given: a number or a list of ms) and ``_period_ms``;
    the step arrays are derived from them with the network's dt.
    """

    _config_internals = ("buffer", "sched", "period")
    _rows_name = "rates"

    def _schedule_ms(self, schedule, n_rows, dt, warn=False) -> np.ndarray:
        who = self._who_init
        if schedule is None:
            schedule = 0.0
        if _is_number(schedule) or (isinstance(schedule, np.ndarray) and schedule.ndim == 0):
            s = _finite_float(who, "schedule", float(schedule))
            if s <= 0.0:
                s = dt       # every step
            return s * np.arange(n_rows, dtype=float)
        arr = _float_array(who, "schedule", schedule).ravel()
        if arr.size > n_rows:
            raise InputValueError(f"{who}: the schedule has {arr.size} times but {self._rows_name} "
                                  f"has only {n_rows} row(s)")
        if (arr < 0).any():
            raise InputValueError(f"{who}: schedule times must be >= 0 ms")
        if warn and arr.size < n_rows:
            warnings.warn(f"{who}: the schedule has fewer times ({arr.size}) than "
                          f"{self._rows_name} has rows ({n_rows}); the last rows are never "
                          "used", stacklevel=4)
        return arr

    def _schedule_steps(self, sched_ms, dt) -> np.ndarray:
        steps = _to_steps(sched_ms, dt)
        if steps.size > 1 and (np.diff(steps) <= 0).any():
            k = int(np.flatnonzero(np.diff(steps) <= 0)[0])
            raise InputValueError(
                f"{self._who_init}: schedule times {sched_ms[k]:g} and {sched_ms[k + 1]:g} ms "
                f"fall in the same or decreasing steps (dt = {dt:g} ms); they must increase "
                "by at least one step")
        return steps

    def _period_steps(self, period, dt) -> int:
        period = _finite_float(self._who_init, "period", period)
        if period <= 0.0:
            return -1
        return max(1, int(round(period / dt)))

    def _steps_for(self, rows, schedule, period, dt, warn=False):
        """Validate a configuration for this dt; (schedule steps, period steps)."""
        n = 0 if rows is None else rows.shape[0]
        sched = self._schedule_ms(schedule, n, dt, warn) if n else np.zeros(0)
        return self._schedule_steps(sched, dt), self._period_steps(period, dt)

    def _check_dt(self, dt):
        self._steps_for(self._buffer_init, self._schedule_spec, self._period_ms, dt)

    def _check_config(self, rows, schedule, period, network):
        """At construction: what does not depend on dt, and with an explicit
        ``network`` what does too (built without one, the population takes
        the dt of the network that adopts it: see _SpecificPopulation)."""
        if network is not None:
            self._steps_for(rows, schedule, period, network.dt, warn=True)
            return
        n = 0 if rows is None else rows.shape[0]
        if n:
            self._schedule_ms(schedule, n, 1.0, warn=True)
        self._period_steps(period, 1.0)

    def _install_schedule(self):
        """The step arrays for the network's dt (checked by the caller, or
        kept in ``_dt_problem``: then the steps may collide, unused)."""
        buf = self._buffer_init
        dt = self.network.dt
        n = 0 if buf is None else buf.shape[0]
        sched = _to_steps(self._schedule_ms(self._schedule_spec, n, dt) if n else np.zeros(0), dt)
        period = self._period_steps(self._period_ms, dt)
        self._dt_problem = self._dt_problem_for(dt)
        self._internals["buffer"] = (np.zeros((0, self.size)) if buf is None
                                     else buf.reshape(buf.shape[0], self.size)
                                     ).astype(self._fdtype)
        self._internals["sched"] = sched
        self._internals["period"] = np.array([period], dtype=np.int64)

    def _allocate(self):
        super()._allocate()
        self._internals["clock"] = np.zeros(1, dtype=np.int64)
        self._internals["block"] = np.zeros(1, dtype=np.int64)
        self._install_schedule()

    @property
    def _who_init(self):
        """The name for messages, also before Population.__init__ ran."""
        name = self.__dict__.get("name", self.__dict__.get("_name_init"))
        return type(self).__name__ + (f" {name!r}" if name else "")

    def _rows(self, rates) -> np.ndarray:
        raise NotImplementedError

    def update(self, rates, schedule=0.0, period=-1.0):
        """New rows, schedule (ms) and period (ms). Takes effect from the
        next step, on the running clock (use ``reset()`` to start over)."""
        rows = self._rows(rates)
        self._steps_for(rows, schedule, period, self.network.dt, warn=True)
        self._buffer_init, self._schedule_spec = rows, schedule
        self._period_ms = float(period)
        self._install_schedule()
        n = self._internals["sched"].size
        if n == 0 or self._internals["block"][0] >= n:
            self._internals["block"][0] = 0

    @property
    def schedule(self) -> np.ndarray:
        """Times (ms, multiples of dt) at which the rows are applied."""
        return self._internals["sched"] * self.network.dt

    @schedule.setter
    def schedule(self, value):
        if self._buffer_init is None:
            raise InputValueError(f"{self._who}: set the {self._rows_name} first (update())")
        self.update(self._buffer_init, value, self._period_ms)

    @property
    def period(self) -> float:
        """Period (ms) after which the schedule restarts; -1: no period."""
        p = int(self._internals["period"][0])
        return -1.0 if p <= 0 else p * self.network.dt

    @period.setter
    def period(self, value):
        self._period_steps(value, self.network.dt)
        self._period_ms = float(value)
        self._internals["period"][0] = self._period_steps(value, self.network.dt)

    def reset(self):
        """Restart the schedule from now (times become relative to this call)."""
        self._internals["clock"][0] = 0
        self._internals["block"][0] = 0
        self._reset_output()

    def _reset_output(self):
        pass


class TimedArray(_Scheduled):
    """A rate-coded population whose ``r`` follows the rows of a buffer.

    Parameters
    ----------
    rates : array, shape (n_rows, *geometry)
        The first axis is time. Row ``k`` is copied to ``r`` at the ``k``-th
        schedule time.
    geometry : int or tuple, optional
        Needed when ``rates`` is not given (then set them with ``update()``).
    schedule : float or list of float
        A number ``s``: row ``k`` at ``k*s`` ms (``s <= 0``: every step, the
        default). A list: the time of each row (ms, increasing by at least dt).
    period : float
        When > 0, the schedule restarts every ``period`` ms (ANNarchy:
        ``-1.``, no restart; after the last row, it stays).

    ``r`` is 0 until the first schedule time. ``pop.reset()`` restarts the
    schedule from the current time (and sets ``r`` to 0); ``net.reset()``
    rewinds to time 0 with the current buffer.
    """

    _rows_name = "rates"

    def __init__(self, rates=None, geometry=None, schedule=0.0, period=-1.0, name=None, *,
                 network=None):
        who = "TimedArray" + (f" {name!r}" if name else "")
        self._buffer_init = None
        if rates is None and geometry is None:
            raise NetworkError(f"{who}: give rates (shape (n_rows, *geometry)) or a geometry")
        if rates is not None:
            arr = _float_array(who, "rates", rates)
            if arr.ndim < 2:
                raise NetworkError(f"{who}: rates must have one axis for time and the others "
                                   f"for the neurons: shape (n_rows, *geometry), got shape "
                                   f"{arr.shape}")
            if geometry is None:
                geometry = arr.shape[1:]
            else:
                geo = _geometry(geometry)
                if arr.shape[1:] != geo and arr.shape[1:] != (int(np.prod(geo)),):
                    raise NetworkError(f"{who}: rates rows have shape {arr.shape[1:]} but the "
                                       f"geometry is {geo}")
            self._buffer_init = arr.reshape(arr.shape[0], -1)
        self._name_init = name
        self._schedule_spec = schedule
        self._period_ms = float(_finite_float(who, "period", period))
        self._check_config(self._buffer_init, schedule, period, network)
        super().__init__(geometry, Neuron(parameters="r = 0.0", name="TimedArray"),
                         name=name, network=network)

    def _rows(self, rates) -> np.ndarray:
        arr = _float_array(self._who, "rates", rates)
        if arr.ndim < 2 or arr.shape[1:] not in (tuple(self.geometry), (self.size,)):
            raise InputValueError(f"{self._who}: rates must have shape (n_rows, "
                                  f"{', '.join(map(str, self.geometry))}), got {arr.shape}")
        return arr.reshape(arr.shape[0], self.size)

    def _custom_code(self):
        return CustomCode(
            code=_schedule_code("for _i in range({p}_r.shape[0]):\n"
                                "    {p}_r[_i] = {p}__buffer[_sc_b, _i]\n"),
            args=("buffer", "sched", "period", "clock", "block"),
        )

    @property
    def rates(self):
        """The buffer, shape (n_rows, *geometry)."""
        buf = self._internals["buffer"]
        return buf.reshape((buf.shape[0],) + tuple(self.geometry)).copy()

    @rates.setter
    def rates(self, value):
        self.update(value, self._schedule_spec, self._period_ms)

    def _set(self, name, value, index):
        if name == "r":
            raise InputValueError(f"{self._who}: r follows the rates buffer; change it with "
                                  "pop.update(rates, schedule, period) or pop.rates = ...")
        super()._set(name, value, index)

    def _reset_output(self):
        self._arrays["r"][:] = 0.0


class TimedPoissonPopulation(_Scheduled):
    """Poisson neurons whose rates (Hz) follow a schedule.

    Parameters
    ----------
    geometry : int or tuple
    rates : array
        Shape (n,) (one rate for all neurons per schedule entry) or
        (n, *geometry) (one per neuron).
    schedule : list of float (or a number ``s``: entry ``k`` at ``k*s`` ms)
        Time (ms) at which each entry starts.
    period : float
        When > 0, the schedule restarts every ``period`` ms.

    The current rate is the per-neuron attribute ``proba`` (Hz, as
    ANNarchy); it is 0 before the first schedule time.
    """

    _rows_name = "rates"

    def __init__(self, geometry, rates, schedule, period=-1.0, name=None, *, network=None):
        who = "TimedPoissonPopulation" + (f" {name!r}" if name else "")
        geo = _geometry(geometry)
        self._size_init = int(np.prod(geo))
        self._geo_init = geo
        self._name_init = name
        self._buffer_init = self._rows(rates)
        n = self._buffer_init.shape[0]
        if not _is_number(schedule):
            if np.asarray(schedule, dtype=object).size != n:
                raise NetworkError(f"{who}: the schedule has "
                                   f"{np.asarray(schedule, dtype=object).size} time(s) but rates "
                                   f"has {n} entr(ies); give one time per entry")
        self._schedule_spec = schedule
        self._period_ms = float(_finite_float(who, "period", period))
        self._check_config(self._buffer_init, schedule, period, network)
        neuron = Neuron(parameters="proba = 0.0", equations=_POISSON_EQ, spike="p < proba",
                        name="TimedPoisson")
        super().__init__(geo, neuron, name=name, network=network)

    def _rows(self, rates) -> np.ndarray:
        who = self._who_init
        # also called by __init__, before Population.__init__ set size and geometry
        size = self.__dict__.get("size", self._size_init)
        geo = tuple(self.__dict__.get("geometry", self._geo_init))
        arr = _float_array(who, "rates", rates)
        if arr.ndim == 1:
            arr = np.repeat(arr[:, None], size, axis=1)
        elif arr.ndim >= 2 and arr.shape[1:] in (geo, (size,)):
            arr = arr.reshape(arr.shape[0], size)
        elif arr.ndim == 2 and arr.shape[1] == 1:
            arr = np.repeat(arr, size, axis=1)
        else:
            raise InputValueError(f"{who}: rates must have shape (n,) or (n, "
                                  f"{', '.join(map(str, geo))}), got {arr.shape}")
        if arr.shape[0] == 0:
            raise InputValueError(f"{who}: rates needs at least one entry")
        if (arr < 0).any():
            raise InputValueError(f"{who}: rates must be >= 0 Hz, got {arr.min():g}")
        return arr

    def _custom_code(self):
        return CustomCode(
            code=_schedule_code("for _i in range({p}_proba.shape[0]):\n"
                                "    {p}_proba[_i] = {p}__buffer[_sc_b, _i]\n"),
            args=("buffer", "sched", "period", "clock", "block"),
            replace=False,
        )

    @property
    def rates(self):
        """The rates per schedule entry, shape (n, *geometry)."""
        buf = self._internals["buffer"]
        return buf.reshape((buf.shape[0],) + tuple(self.geometry)).copy()

    @rates.setter
    def rates(self, value):
        rows = self._rows(value)
        if rows.shape[0] != self._internals["sched"].size:
            raise InputValueError(f"{self._who}: rates has {rows.shape[0]} entries, the "
                                  f"schedule {self._internals['sched'].size}; use "
                                  "pop.update(rates, schedule, period) to change both")
        self.update(rows, self._schedule_spec, self._period_ms)

    def _reset_output(self):
        self._arrays["proba"][:] = 0.0


# ---------------------------------------------------------------------------
# HomogeneousCorrelatedSpikeTrains
# ---------------------------------------------------------------------------

def _rectified_gaussian(mu, sigma):
    """Mean and standard deviation of max(X, 0) for X ~ N(mu, sigma)."""
    a = 1.0 + math.erf(mu / (sigma * math.sqrt(2.0)))
    mur = sigma / math.sqrt(2.0 * math.pi) * math.exp(-0.5 * (mu / sigma) ** 2) + 0.5 * mu * a
    sigmar = math.sqrt(max((mu - mur) * mur + 0.5 * sigma ** 2 * a, 0.0))
    return mur, sigmar


def _rectify(rate, corr, tau):
    """(mu, sigma) of the OU process whose rectification has mean ``rate`` and
    standard deviation ``sqrt(corr*rate/(2*tau))`` (Hz, tau in ms), as
    ANNarchy's and Brian's ``_rectify`` (inverse of the rectified Gaussian,
    solved by the secant method)."""
    mur = float(rate)
    sigmar = math.sqrt(corr * mur / (2.0 * tau / 1000.0))
    if sigmar == 0.0:
        return mur, 0.0
    x0 = mur / sigmar

    def f(x):
        m, s = _rectified_gaussian(x, 1.0)
        return m / s - x0

    p0 = x0 * 1.1
    p1 = p0 * (1 + 1e-4) + (1e-4 if p0 >= 0 else -1e-4)
    q0, q1 = f(p0), f(p1)
    y = None
    for _ in range(100):
        if q1 == q0:
            y = p1 if abs(q1) < 1e-8 else None
            break
        p = p1 - q1 * (p1 - p0) / (q1 - q0)
        if abs(p - p1) < 1.48e-8 * max(1.0, abs(p)):
            y = p
            break
        p0, q0 = p1, q1
        p1, q1 = p, f(p)
    if y is None or not math.isfinite(y):
        raise NetworkError(f"HomogeneousCorrelatedSpikeTrains: cannot find mu and sigma for "
                           f"rates={rate:g} Hz, corr={corr:g}, tau={tau:g} ms")
    sigma = mur / (math.exp(-0.5 * y ** 2) / math.sqrt(2.0 * math.pi)
                   + 0.5 * y * (1.0 + math.erf(y / math.sqrt(2.0))))
    return y * sigma, sigma


class HomogeneousCorrelatedSpikeTrains(_SpecificPopulation):
    """Poisson spike trains with homogeneous pairwise correlations
    (Brette 2009, Cox process; ANNarchy's implementation).

    All neurons share one rate ``x`` (Hz), an Ornstein-Uhlenbeck process
    integrated once per step as ANNarchy::

        x += dt*(mu - x)/tau + sqrt(dt/tau)*sigma*Normal(0, 1)
        spike: Uniform(0, 1)*1000/dt < x

    ``mu`` and ``sigma`` are computed from ``rates``, ``corr`` and ``tau`` so
    that the rectified rate has mean ``rates`` (see ``docs/inputs.md`` for the
    resulting correlations). Changing ``pop.rates``, ``pop.corr`` or
    ``pop.tau`` recomputes them.

    Parameters
    ----------
    geometry : int or tuple
    rates : float, or list with ``schedule``
        Mean rate in Hz.
    corr : float in [0, 1], or list with ``schedule``
    tau : float
        Correlation time constant (ms).
    schedule : list of float, optional
        Times (ms, the first one 0) at which the next ``rates``/``corr`` apply.
    period : float
        When > 0, the schedule restarts every ``period`` ms.
    name : str, optional
    refractory : float, optional
        Refractory period in ms (it weakens the correlations).
    """

    _config_internals = ("mus", "sigmas", "sched", "period")

    def __init__(self, geometry, rates, corr, tau, schedule=None, period=-1.0, name=None,
                 refractory=None, *, network=None):
        who = "HomogeneousCorrelatedSpikeTrains" + (f" {name!r}" if name else "")
        tau = _finite_float(who, "tau", tau)
        if tau <= 0:
            raise NetworkError(f"{who}: tau must be > 0 ms, got {tau:g}")
        if refractory is not None:
            refractory = _finite_float(who, "refractory", refractory)
            if refractory < 0:
                raise NetworkError(f"{who}: refractory must be >= 0 ms, got {refractory:g}")
        self._has_schedule = schedule is not None
        if self._has_schedule:
            sched = _float_array(who, "schedule", schedule).ravel()
            if sched.size == 0 or sched[0] != 0.0:
                raise NetworkError(f"{who}: the first schedule time must be 0 ms")
            if (np.diff(sched) <= 0).any():
                raise NetworkError(f"{who}: schedule times must increase")
            rates = self._check_list(who, "rates", rates, sched.size)
            corr = self._check_list(who, "corr", corr, sched.size)
        else:
            sched = np.zeros(1)
            rates = self._check_list(who, "rates", [rates], 1)
            corr = self._check_list(who, "corr", [corr], 1)
        self._check_values(who, rates, corr)
        self._sched_ms = sched
        self._period_ms = _finite_float(who, "period", period)
        self._rates_v, self._corr_v, self._tau_init = rates, corr, tau
        self._mus_v, self._sigmas_v = self._correction(rates, corr, tau)
        if network is not None:   # else: the dt of the adopting network (_SpecificPopulation)
            self._check_steps(who, network.dt)
        neuron = Neuron(
            parameters=(f"tau = {tau!r} : population\n"
                        f"mu = {float(self._mus_v[0])!r} : population\n"
                        f"sigma = {float(self._sigmas_v[0])!r} : population"),
            equations=("x += dt*(mu - x)/tau + sqrt(dt/tau) * sigma * Normal(0.0, 1.0)"
                       f" : population, init = {float(self._mus_v[0])!r}\n{_POISSON_EQ}"),
            spike="p < x",
            refractory=refractory,
            name="HomogeneousCorrelated",
        )
        super().__init__(geometry, neuron, name=name, network=network)

    @staticmethod
    def _check_list(who, what, value, n) -> np.ndarray:
        arr = _float_array(who, what, value).ravel()
        if arr.size == 1 and n > 1 and what == "corr":
            arr = np.full(n, arr[0])
        if arr.size != n:
            raise NetworkError(f"{who}: {what} needs {n} value(s) (one per schedule time), "
                               f"got {arr.size}")
        return arr

    @staticmethod
    def _check_values(who, rates, corr):
        if (rates < 0).any():
            raise InputValueError(f"{who}: rates must be >= 0 Hz, got {rates.min():g}")
        if (corr < 0).any() or (corr > 1).any():
            raise InputValueError(f"{who}: corr must be in [0, 1], got "
                                  f"{corr[(corr < 0) | (corr > 1)][0]:g}")

    def _check_steps(self, who, dt):
        steps = _to_steps(self._sched_ms, dt)
        if steps.size > 1 and (np.diff(steps) <= 0).any():
            raise NetworkError(f"{who}: schedule times closer than dt = {dt:g} ms")

    def _check_dt(self, dt):
        self._check_steps(self._who, dt)

    @staticmethod
    def _correction(rates, corr, tau):
        pairs = [_rectify(r, c, tau) for r, c in zip(rates, corr)]
        return (np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))

    def _allocate(self):
        super()._allocate()
        dt = self.network.dt
        self._internals["mus"] = self._mus_v.astype(self._fdtype)
        self._internals["sigmas"] = self._sigmas_v.astype(self._fdtype)
        self._internals["sched"] = _to_steps(self._sched_ms, dt)
        p = -1 if self._period_ms <= 0 else max(1, int(round(self._period_ms / dt)))
        self._internals["period"] = np.array([p], dtype=np.int64)
        self._internals["clock"] = np.zeros(1, dtype=np.int64)
        self._internals["block"] = np.zeros(1, dtype=np.int64)

    def _custom_code(self):
        update = (
            "_hc_x = {p}_x[0]\n"
            "_hc_x = _hc_x + _dt * ({p}_mu[0] - _hc_x) / {p}_tau[0] + "
            "math.sqrt(_dt / {p}_tau[0]) * {p}_sigma[0] * _rng_normal({p}__rng, 0.0, 1.0)\n"
            "{p}_x[0] = _hc_x\n"
            "_hc_scale = 1000.0 / _dt\n"
            "for _i in range({p}_p.shape[0]):\n"
            "    _hc_p = _hc_scale * _rng_uniform({p}__rng, 0.0, 1.0)\n"
            "    {p}_p[_i] = _hc_p\n"
            "    _hc_r = {p}__refr[_i]\n"
            "    if _hc_r > 0:\n"
            "        {p}__refr[_i] = _hc_r - 1\n"
            "        {p}__flag[_i] = False\n"
            "    else:\n"
            "        _hc_sp = _hc_p < _hc_x\n"
            "        {p}__flag[_i] = _hc_sp\n"
            "        if _hc_sp:\n"
            "            {p}__refr[_i] = " + refractory_steps("{p}__refractory[_i]") + "\n"
        )
        schedule = _schedule_code("{p}_mu[0] = {p}__mus[_sc_b]\n{p}_sigma[0] = {p}__sigmas[_sc_b]\n")
        return CustomCode(code=schedule + update,
                          args=("mus", "sigmas", "sched", "period", "clock", "block"))

    def _recompute(self, rates=None, corr=None, tau=None):
        rates = self._rates_v if rates is None else rates
        corr = self._corr_v if corr is None else corr
        tau = self._tau_init if tau is None else tau
        self._check_values(self._who, rates, corr)
        mus, sigmas = self._correction(rates, corr, tau)
        self._rates_v, self._corr_v, self._tau_init = rates, corr, tau
        self._mus_v, self._sigmas_v = mus, sigmas
        self._internals["mus"][:] = mus
        self._internals["sigmas"][:] = sigmas
        if not self._has_schedule:  # applies at once (ANNarchy)
            self._arrays["mu"][0] = mus[0]
            self._arrays["sigma"][0] = sigmas[0]

    @property
    def rates(self):
        """Mean rate(s) in Hz (one per schedule time with a schedule)."""
        return self._rates_v.copy() if self._has_schedule else float(self._rates_v[0])

    @rates.setter
    def rates(self, value):
        n = self._sched_ms.size
        self._recompute(rates=self._check_list(self._who, "rates",
                                               value if self._has_schedule else [value], n))

    @property
    def corr(self):
        """Correlation strength(s) in [0, 1]."""
        return self._corr_v.copy() if self._has_schedule else float(self._corr_v[0])

    @corr.setter
    def corr(self, value):
        n = self._sched_ms.size
        self._recompute(corr=self._check_list(self._who, "corr",
                                              value if self._has_schedule else [value], n))

    @property
    def schedule(self) -> np.ndarray:
        return self._internals["sched"] * self.network.dt

    @property
    def period(self) -> float:
        p = int(self._internals["period"][0])
        return -1.0 if p <= 0 else p * self.network.dt

    def _set(self, name, value, index):
        if name == "tau":
            tau = _finite_float(self._who, "tau", value)
            if tau <= 0:
                raise InputValueError(f"{self._who}: tau must be > 0 ms, got {tau:g}")
            super()._set(name, value, index)
            self._recompute(tau=tau)
            return
        super()._set(name, value, index)

    def reset(self):
        """Restart the schedule from now."""
        self._internals["clock"][0] = 0
        self._internals["block"][0] = 0


# ---------------------------------------------------------------------------
# InputArray
# ---------------------------------------------------------------------------

class InputArray(Population):
    """A rate-coded population whose ``r`` is set from Python
    (``inp.r = np.linspace(0, 1, 10)``) and stays as set (recordable).

    The model is ``r = r`` (ANNarchy's InputArray): equivalent to
    ``Population(geometry, Neuron(parameters="r = 0.0"))``.
    """

    _neuron = None

    def __init__(self, geometry=None, name=None, *, network=None):
        if geometry is None:
            raise NetworkError("InputArray needs a geometry: InputArray(10) or InputArray((8, 8))")
        if InputArray._neuron is None:
            InputArray._neuron = Neuron(equations="r = r", name="InputArray")
        super().__init__(geometry, InputArray._neuron, name=name, network=network)
