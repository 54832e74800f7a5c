"""What the input populations share: value checks, ms -> steps, the
schedule loop code, and :class:`_SpecificPopulation` (properties settable
after init, configuration internals kept by ``net.reset()``, dt checks
against the adopting network). See :mod:`engine.runtime.inputs`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from engine.errors import AttributeAssignmentError, NetworkError
from engine.runtime.active import network_class
from engine.runtime.population import Population

#: the Poisson draw of every Poisson-like input (``spike: p < rates``)
_POISSON_EQ = "p = Uniform(0.0, 1.0) * 1000.0 / dt"


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
