""":class:`HomogeneousCorrelatedSpikeTrains`: Poisson trains sharing one
Ornstein-Uhlenbeck rate (Brette 2009, as ANNarchy and Brian)."""

from __future__ import annotations

import math

import numpy as np

from engine.codegen.network_code import CustomCode
from engine.codegen.population_code import refractory_steps
from engine.errors import NetworkError
from engine.language.models import Neuron
from engine.runtime.input_base import _POISSON_EQ, InputValueError, _finite_float, \
    _float_array, _schedule_code, _SpecificPopulation, _to_steps

__all__ = ["HomogeneousCorrelatedSpikeTrains"]


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

    def clear(self):
        """Forget the spikes emitted so far and restart the schedule from now,
        as ANNarchy's ``clear()``."""
        super().clear()
        self.reset()

    def reset(self):
        """Restart the schedule from now."""
        self._internals["clock"][0] = 0
        self._internals["block"][0] = 0
