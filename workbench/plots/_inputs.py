"""What the plotting helpers accept, turned into plain arrays.

Spikes come as the engine gives them: a :class:`engine.Monitor` recording
``'spike'`` (its spikes are read without draining it), the dict
``rank -> spike steps`` of ``monitor.get('spike')`` (steps: the helpers need
``dt``), or the ``(times_ms, ranks)`` pair of ``monitor.raster_plot()``.
Weights come as a :class:`engine.Projection` or as arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import Monitor, Projection
from engine.runtime import spike_stats
from workbench.plots.errors import PlotError


@dataclass(frozen=True)
class Spikes:
    """Every spike of a recording, in time order, and where it was recorded."""

    times: np.ndarray            # ms
    ranks: np.ndarray            # int64
    n_neurons: int               # neurons recorded (silent ones count)
    ids: np.ndarray              # the ranks recorded, in the recording's order
    window: tuple[float, float] | None   # recording window (ms), if known


def spikes_of(spikes, dt=None, *, n_neurons=None, window=None, who="plot") -> Spikes:
    """Normalise any spike input (see the module docstring) to :class:`Spikes`."""
    if isinstance(spikes, Monitor):
        if not spikes.records_spikes:
            raise PlotError(f"{who}: monitor {spikes.name!r} does not record spikes "
                            f"(it records {', '.join(spikes.variables) or 'nothing'}); "
                            f"record them with net.monitor(pop, ['spike'])")
        times, ranks = spikes.raster_plot()
        intervals = spikes.times("spike")["spike"]          # steps, as ANNarchy's
        starts, stops = intervals["start"], intervals["stop"]
        step = spikes.network.dt
        recorded = (starts[0] * step, stops[-1] * step) if starts else None
        ids = np.asarray(spikes.ranks, np.int64)
        return Spikes(np.asarray(times, float), np.asarray(ranks, np.int64),
                      int(n_neurons if n_neurons is not None else ids.size), ids,
                      _window(window, who) or recorded)
    if isinstance(spikes, dict):
        if dt is None:
            raise PlotError(f"{who}: monitor.get('spike') holds spike steps, not times: "
                            f"give dt= (the network's dt, e.g. dt=net.dt), or pass the "
                            f"monitor itself")
        d = spike_stats.spike_dict(spikes)
        times, ranks = spike_stats.raster_plot(d, float(dt))
        ids = np.fromiter((int(k) for k in d), np.int64, len(d))
        return Spikes(np.asarray(times, float), np.asarray(ranks, np.int64),
                      int(n_neurons if n_neurons is not None else len(d)), ids,
                      _window(window, who))
    if isinstance(spikes, tuple) and len(spikes) == 2:
        times, ranks = (np.asarray(x) for x in spikes)
        if times.shape != ranks.shape or times.ndim != 1:
            raise PlotError(f"{who}: (times, ranks) must be two 1-d arrays of the same length, "
                            f"got shapes {times.shape} and {ranks.shape}")
        if n_neurons is None:
            n_neurons = int(ranks.max()) + 1 if ranks.size else 0
        order = np.argsort(times, kind="stable")
        return Spikes(times[order].astype(float), ranks[order].astype(np.int64),
                      int(n_neurons), np.arange(int(n_neurons)), _window(window, who))
    raise PlotError(f"{who}: spikes are a Monitor, the dict of monitor.get('spike') or the "
                    f"(times, ranks) of monitor.raster_plot(), got {type(spikes).__name__}")


def _window(window, who):
    if window is None:
        return None
    try:
        start, stop = (float(x) for x in window)
    except (TypeError, ValueError):
        raise PlotError(f"{who}: window is (start, stop) in ms, got {window!r}") from None
    if not stop > start:
        raise PlotError(f"{who}: window {window!r} is empty: stop must be after start")
    return start, stop


def weights_of(weights, who="plot") -> np.ndarray:
    """Every weight of a projection (or of an array / list of arrays), flat."""
    if isinstance(weights, Projection):
        w = weights.w
        if isinstance(w, list):                  # one array per dendrite
            return np.concatenate([np.ravel(x) for x in w]).astype(float) if w \
                else np.zeros(0)
        if np.ndim(w) == 0:                      # one weight for the projection
            return np.full(weights.nb_synapses, float(w))
        return np.ravel(np.asarray(w, dtype=float))
    if isinstance(weights, list) and all(np.ndim(x) == 1 for x in weights):
        return np.concatenate([np.asarray(x, float) for x in weights]) if weights \
            else np.zeros(0)
    try:
        return np.ravel(np.asarray(weights, dtype=float))
    except (TypeError, ValueError):
        raise PlotError(f"{who}: weights are a Projection, proj.w or an array of numbers, "
                        f"got {type(weights).__name__}") from None
