"""ANNarchy's ``Population.compute_firing_rate``: ``r`` as a sliding-window rate.

A mixin of :class:`~engine.runtime.population.Population`: the window's ring
buffer of spike steps lives in the population's internals and a few lines of
code run in the compiled loop after the spikes (``_rate_code``).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings

import numpy as np
import sympy as sp

from engine.errors import NetworkError
from engine.language.ir import VariableSpec
from engine.language.models import _user_stacklevel
from engine.runtime.population_memory import gib

__all__ = ["FiringRate"]


class FiringRate:
    """``compute_firing_rate(window)`` and the loop code it needs."""

    # -- firing rate of spiking neurons (ANNarchy's compute_firing_rate) --------
    def compute_firing_rate(self, window: float) -> None:
        """Make ``r`` the firing rate (Hz) of each neuron over the last ``window`` ms.

        As ANNarchy: at every step, after the spikes are emitted, ``r`` is
        ``1000 / window`` times the number of the neuron's spikes in the last
        ``int(window / dt)`` steps (this step included). ``r`` can be read,
        monitored and used by synapses (``post.r``) like any variable. Call it
        before ``net.compile()`` if the model has no ``r`` of its own; later
        calls change the window (the spikes already counted are kept).

        Raises
        ------
        NetworkError
            Rate-coded population, a window that is not a number > 0, or a
            first call after compile on a model without ``r``.
        """
        if not self.spiking:
            raise NetworkError(f"population {self.name!r}: compute_firing_rate() is for "
                               "spiking neurons; this one is rate-coded (its r is its model's)")
        if not isinstance(window, numbers.Real) or isinstance(window, bool) or \
                not math.isfinite(float(window)) or float(window) <= 0:
            raise NetworkError(f"population {self.name!r}: compute_firing_rate(window={window!r})"
                               ": the window is a duration in ms > 0, e.g. "
                               "compute_firing_rate(window=100.0)")
        window = float(window)
        steps = max(1, int(window / self.network.dt + 1e-9))
        if "fr_window" not in self._internals:
            if self.network._compiled:
                raise NetworkError(
                    f"population {self.name!r}: call compute_firing_rate() before "
                    "net.compile() (it adds the code that counts the spikes)")
            self._add_rate_variable()
            self._internals["fr_window"] = np.zeros(1, dtype=np.int64)
            self._internals["fr_scale"] = np.zeros(1, dtype=self.network._float_dtype)
            self._internals["fr_head"] = np.zeros(self.size, dtype=np.int64)
            self._internals["fr_count"] = np.zeros(self.size, dtype=np.int64)
        ring = self._internals.get("fr_ring")
        if ring is None or ring.shape[1] < steps + 1:
            self._check_rate_window(window, steps)
            if self.network._compiled and ring is not None:
                raise NetworkError(
                    f"population {self.name!r}: after compile the window can only shrink "
                    f"(at most {ring.shape[1] - 1} steps); call compute_firing_rate("
                    f"{window:g}) before net.compile()")
            # one slot per step of the window (a neuron spikes at most once a step)
            self._internals["fr_ring"] = np.zeros((self.size, steps + 1), dtype=np.int64)
            self._internals["fr_count"][:] = 0
        self._internals["fr_window"][0] = steps
        self._internals["fr_scale"][0] = 1000.0 / window

    def _check_rate_window(self, window: float, steps: int) -> None:
        """The window's ring holds one int64 per neuron and step: refuse one
        that cannot fit in the memory available now (before allocating)."""
        from engine.runtime.connect_args import available_memory

        need = 8 * self.size * (steps + 1)
        have = available_memory()
        if steps + 1 >= 2**31 or need > have:
            raise NetworkError(
                f"population {self.name!r}: compute_firing_rate(window={window:g}) keeps the "
                f"last {steps:,} steps of spikes of each of its {self.size:,} neurons: "
                f"{gib(need)}, more than the {gib(have)} of memory available now; use a "
                "shorter window (the rate over a long window is the spike count divided by "
                "the duration: a spike monitor gives it)")

    def _warn_unfilled_rate(self):
        """At compile: a monitor records ``r`` of this spiking population, or
        its model reads an ``r`` it does not define (ANNarchy's firing rate),
        but ``compute_firing_rate`` was not called, so ``r`` stays 0."""
        if "fr_window" in self._internals:
            return
        ir = self.ir
        statements = ir.equations + ir.reset
        read = {str(x) for rhs in [e.rhs for e in statements] + [ir.spike] if rhs is not None
                for x in rhs.free_symbols}
        # an r the model reads but neither sets nor declares as a parameter
        reads = "r" in read and "r" not in {e.target for e in statements} \
            and "r" not in {v.name for v in ir.parameters}
        if getattr(self, "_rate_monitored", False) or reads:
            who = "its model reads" if reads else "a monitor records"
            warnings.warn(
                f"{who} 'r' of spiking population {self.name!r}, which stays 0: "
                f"call {self.name}.compute_firing_rate(window) before net.compile() to make "
                "it the firing rate", UserWarning, stacklevel=_user_stacklevel())

    def _add_rate_variable(self):
        """Give a spiking model without ``r`` a local variable ``r`` (0 Hz)."""
        names = {v.name for v in self.ir.variables}
        if "r" in names:
            return
        spec = VariableSpec(name="r", kind="variable", locality="local", dtype="float",
                            init=sp.Float(0.0))
        object.__setattr__(self, "ir", dataclasses.replace(
            self.ir, variables=tuple(self.ir.variables) + (spec,)))
        self._arrays["r"] = np.zeros(self.size, dtype=self.network._float_dtype)

    def _rate_code(self) -> str:
        """Loop code of the sliding-window firing rate ("" when not asked for)."""
        if "fr_window" not in self._internals:
            return ""
        return (
            "_fr_w = {p}__fr_window[0]\n"
            "_fr_cap = {p}__fr_ring.shape[1]\n"
            "for _k in range(_ns):\n"
            "    _i = {p}__spk[_k]\n"
            "    {p}__fr_ring[_i, {p}__fr_head[_i] % _fr_cap] = _step\n"
            "    {p}__fr_head[_i] += 1\n"
            "    {p}__fr_count[_i] += 1\n"
            "for _i in range({p}__fr_count.shape[0]):\n"
            "    _c = {p}__fr_count[_i]\n"
            "    while _c > 0 and {p}__fr_ring[_i, ({p}__fr_head[_i] - _c) % _fr_cap] "
            "<= _step - _fr_w:\n"
            "        _c -= 1\n"
            "    {p}__fr_count[_i] = _c\n"
            "    {p}_r[_i] = {p}__fr_scale[0] * _c\n"
        )
