""":class:`PoissonPopulation`: Bernoulli spikes per step with
``p = rates*dt/1000``; rates a number, an array, an equation of ``t``, or
``sum(target)``."""

from __future__ import annotations

import math
import re

import numpy as np

from engine.errors import NetworkError
from engine.language.models import Neuron
from engine.language.random_draws import RandomDistribution
from engine.runtime.input_base import _POISSON_EQ, InputValueError, _finite_float, \
    _float_array, _SpecificPopulation
from engine.runtime.population import Population, _geometry

__all__ = ["PoissonPopulation"]


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
