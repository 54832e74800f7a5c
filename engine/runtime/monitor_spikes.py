"""The spike statistics of a monitor (ANNarchy's ``Monitor`` spike helpers).

A mixin of :class:`engine.runtime.monitor.Monitor`, kept apart because it
only reads what the monitor recorded: its spike buffers (``_spk_t``,
``_spk_i``, ``_spk_n``), its ``ranks`` and the recording intervals of
``'spike'`` (``_spike_intervals``). The arithmetic is in
:mod:`engine.runtime.spike_stats`, shared with the module-level functions.

Each helper takes the spikes of ``get('spike')`` (or, by default, the spikes
still held, without draining them). Spikes passed in were recorded in the
intervals of the last ``get('spike')``: that is the window of the statistic
(ANNarchy's rule), so fetching first never loses the duration.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NetworkError
from engine.runtime import spike_stats

__all__ = ["SpikeStatistics"]


class SpikeStatistics:
    """Raster, histogram, rates, ISIs and CV of the recorded spikes."""

    def _spike_dict(self) -> dict[int, list]:
        """The spikes held, as ``get('spike')`` returns them: rank -> steps."""
        n = int(self._spk_n[0])
        times, idx = self._spk_t[:n], self._spk_i[:n]
        order = np.argsort(idx, kind="stable")
        idx_sorted, times_sorted = idx[order], times[order]
        out = {}
        bounds = np.searchsorted(idx_sorted, self.ranks, side="left"), \
            np.searchsorted(idx_sorted, self.ranks, side="right")
        for r, a, b in zip(self.ranks, *bounds):
            out[int(r)] = times_sorted[a:b].tolist()
        return out

    def _spikes_and_window(self, spikes):
        """``(spikes, [(start_step, stop_step), ...])`` for a spike statistic."""
        if not self.records_spikes:
            raise NetworkError(f"monitor {self.name!r} does not record spikes "
                               f"(it records {', '.join(self.variables) or 'nothing'})")
        held = self._spike_intervals(fetched=spikes is not None)
        spikes = self._spike_dict() if spikes is None else spike_stats.spike_dict(spikes)
        return spikes, self._interval_steps(held)

    def _interval_steps(self, intervals) -> list[tuple[int, int]]:
        dt = self.network.dt
        return [(int(round(a / dt)), int(round(b / dt))) for a, b in intervals]

    def raster_plot(self, spikes=None):
        """``(times_ms, ranks)`` of all recorded spikes, sorted by time."""
        if spikes is None:
            n = int(self._spk_n[0])
            t, i = self._spk_t[:n].copy(), self._spk_i[:n].astype(np.int64)
            order = np.argsort(t, kind="stable")
            return t[order] * self.network.dt, i[order]
        return spike_stats.raster_plot(spikes, self.network.dt)

    def histogram(self, spikes=None, bins=None, per_neuron=False, recording_window=None):
        """Spike counts per time bin (``bins`` in ms, default dt).

        Returns an array of counts summed over neurons, or of shape
        (neurons, bins) with ``per_neuron=True``. The window defaults to the
        first and last recorded spike steps (as ANNarchy); give
        ``recording_window=(t0, t1)`` in ms to fix it.
        """
        spikes, _ = self._spikes_and_window(spikes)
        return spike_stats.histogram(spikes, bins, per_neuron, recording_window,
                                     self.network.dt)

    def _window(self, intervals):
        if not intervals:
            return None
        return intervals[0][0], intervals[-1][1]

    def population_rate(self, spikes=None, smooth=0.0):
        """Population rate in Hz at every step of the recording, low-pass
        filtered with time constant ``smooth`` ms when ``smooth > dt``
        (ANNarchy's ``population_rate``).

        As ANNarchy's, the steps run from the recording's start to its end
        *both included*: 100 ms at dt = 0.1 give 1001 values, the last (the
        step the recording ended at, not simulated yet) 0. ANNarchy's scripts
        plot it against ``np.linspace(0, 100, 1001)``."""
        spikes, intervals = self._spikes_and_window(spikes)
        window = self._window(intervals)
        if window is not None:
            window = (window[0], window[1] + 1)
        return spike_stats.population_rate(spikes, smooth, self.network.dt, window)

    def smoothed_rate(self, spikes=None, smooth=0.0):
        """Instantaneous rate (inverse inter-spike interval) of each neuron,
        shape (neurons, steps of the recording), low-pass filtered with time
        constant ``smooth`` ms (ANNarchy's ``smoothed_rate``)."""
        spikes, intervals = self._spikes_and_window(spikes)
        return spike_stats.smoothed_rate(spikes, smooth, self.network.dt,
                                         self._window(intervals))

    def inter_spike_interval(self, spikes=None, ranks=None, per_neuron=False):
        """Inter-spike intervals in ms, pooled or one list per neuron."""
        spikes, _ = self._spikes_and_window(spikes)
        return spike_stats.inter_spike_interval(spikes, ranks, per_neuron, self.network.dt)

    def coefficient_of_variation(self, spikes=None, ranks=None):
        """CV of the inter-spike intervals of each neuron (NaN with fewer than 2 ISIs)."""
        spikes, _ = self._spikes_and_window(spikes)
        return spike_stats.coefficient_of_variation(spikes, ranks, self.network.dt)

    def mean_fr(self, spikes=None, duration=None) -> float:
        """Mean firing rate (Hz) per monitored neuron over the recorded time.

        ``spikes`` defaults to the spikes held (not drained); spikes passed in
        (from ``get('spike')``) are counted over the recording intervals of
        that ``get`` (pauses excluded), or over ``duration`` ms if given.
        """
        spikes, intervals = self._spikes_and_window(spikes)
        if duration is None:
            duration = sum(b - a for a, b in intervals) * self.network.dt
        return spike_stats.mean_fr(spikes, duration, self.network.dt)
