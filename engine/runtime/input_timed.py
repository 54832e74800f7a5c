"""Scheduled inputs: :class:`TimedArray` (rate-coded ``r`` follows the rows
of a buffer) and :class:`TimedPoissonPopulation` (Poisson rates follow them)."""

from __future__ import annotations

import warnings

import numpy as np

from engine.codegen.network_code import CustomCode
from engine.errors import NetworkError
from engine.language.models import Neuron
from engine.runtime.input_base import _POISSON_EQ, InputValueError, _finite_float, \
    _float_array, _is_number, _schedule_code, _SpecificPopulation, _to_steps
from engine.runtime.population import _geometry

__all__ = ["TimedArray", "TimedPoissonPopulation"]


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

    def update(self, rates, schedule=None, period=None, reset=True):
        """New rows, schedule (ms) and period (ms), as ANNarchy 5's ``update``.

        ``schedule``/``period`` left out keep the current ones. ``reset=True``
        (ANNarchy's default) restarts the timers, as ``reset()``: the next step
        applies the first new row. ``reset=False`` keeps the running clock and
        shows the new row of the current time at once. (``reset=None``, what
        assigning ``rates`` or ``schedule`` does: the clock runs on, the output
        changes at the next row.)"""
        if schedule is None:
            schedule = self._schedule_spec
        if period is None:
            period = self._period_ms
        rows = self._rows(rates)
        self._steps_for(rows, schedule, period, self.network.dt, warn=True)
        self._buffer_init, self._schedule_spec = rows, schedule
        self._period_ms = float(period)
        self._install_schedule()
        n = self._internals["sched"].size
        if n == 0 or self._internals["block"][0] >= n:
            self._internals["block"][0] = 0
        if self.network.compiled and reset is not None:
            if reset:
                self.reset()
            else:
                self._apply_current_row()

    @property
    def schedule(self) -> np.ndarray:
        """Times (ms, multiples of dt) at which the rows are applied."""
        return self._internals["sched"] * self.network.dt

    @schedule.setter
    def schedule(self, value):
        if self._buffer_init is None:
            raise InputValueError(f"{self._who}: set the {self._rows_name} first (update())")
        self.update(self._buffer_init, value, self._period_ms, reset=None)

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

    def clear(self):
        """Forget the spikes emitted so far and restart the schedule from now,
        as ANNarchy's ``clear()`` (its C++ ``reset()`` restarts the clock)."""
        super().clear()
        self.reset()

    def _reset_output(self):
        pass

    def _apply_current_row(self):
        """After ``update(reset=False)``: the output shows the new row of the current
        time at once, as ANNarchy (subclasses that hold an output)."""


class TimedArray(_Scheduled):
    """A rate-coded population whose ``r`` follows the rows of a buffer.

    Parameters
    ----------
    rates : array, shape ``(n_rows, *geometry)``
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

    Notes
    -----
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
        """The buffer, shape ``(n_rows, *geometry)``."""
        buf = self._internals["buffer"]
        return buf.reshape((buf.shape[0],) + tuple(self.geometry)).copy()

    @rates.setter
    def rates(self, value):
        self.update(value, self._schedule_spec, self._period_ms, reset=None)

    def _set(self, name, value, index):
        if name == "r":
            raise InputValueError(f"{self._who}: r follows the rates buffer; change it with "
                                  "pop.update(rates, schedule, period) or pop.rates = ...")
        super()._set(name, value, index)

    def _reset_output(self):
        self._arrays["r"][:] = 0.0

    def _apply_current_row(self):
        applied = int(self._internals["block"][0]) - 1    # the block index awaits the next row
        buffer = self._internals["buffer"]
        if self._internals["clock"][0] > 0 and 0 <= applied < buffer.shape[0]:
            self._arrays["r"][:] = buffer[applied]


class TimedPoissonPopulation(_Scheduled):
    """Poisson neurons whose rates (Hz) follow a schedule.

    Parameters
    ----------
    geometry : int or tuple
    rates : array
        Shape (n,) (one rate for all neurons per schedule entry) or
        ``(n, *geometry)`` (one per neuron).
    schedule : list of float (or a number ``s``: entry ``k`` at ``k*s`` ms)
        Time (ms) at which each entry starts.
    period : float
        When > 0, the schedule restarts every ``period`` ms.

    Notes
    -----
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
        """The rates per schedule entry, shape ``(n, *geometry)``."""
        buf = self._internals["buffer"]
        return buf.reshape((buf.shape[0],) + tuple(self.geometry)).copy()

    @rates.setter
    def rates(self, value):
        rows = self._rows(value)
        if rows.shape[0] != self._internals["sched"].size:
            raise InputValueError(f"{self._who}: rates has {rows.shape[0]} entries, the "
                                  f"schedule {self._internals['sched'].size}; use "
                                  "pop.update(rates, schedule, period) to change both")
        self.update(rows, self._schedule_spec, self._period_ms, reset=None)

    def _reset_output(self):
        self._arrays["proba"][:] = 0.0
