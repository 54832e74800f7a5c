""":class:`SpikeSourceArray`: neurons that spike at given times."""

from __future__ import annotations

import numpy as np

from engine.codegen.network_code import CustomCode
from engine.errors import NetworkError
from engine.language.models import Neuron
from engine.runtime.input_base import InputValueError, _is_number, _SpecificPopulation, \
    _to_steps

__all__ = ["SpikeSourceArray"]


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

    Notes
    -----
    ``pop.spike_times = [...]`` (same number of neurons) replaces the times
    between runs; it takes effect at the next step, and times already past
    are skipped. Times count from the start of the simulation, or from the
    last ``pop.reset()`` or ``pop.clear()``, which replay the trains from the
    current time (as ANNarchy). ``net.reset()`` keeps the current times and
    rewinds.

    ANNarchy 5.0.4 differs in one case: spike times set while a train is
    under way (without ``reset()``/``clear()`` after) first emit the old
    train's next pending spike, then continue in the new list at the old
    position, which drops or shifts spikes; here the new times simply apply
    from the next step.
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

    def clear(self):
        """Forget the spikes emitted so far and replay the trains from now, as
        ANNarchy's ``clear()`` (which restarts the source's clock): after
        ``inp.clear()`` at 100 ms, a time of 25 ms is emitted at 125 ms."""
        super().clear()
        self.reset()

    def _restored(self):
        # net.reset(): time 0 again, with the current spike times
        self._internals["ptr"][:] = self._pointers(0 - int(self._internals["t0"][0]))
