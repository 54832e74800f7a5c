"""Statistics of recorded spikes, as ANNarchy's monitor helpers compute them.

Spikes are the dict ``rank -> list of steps`` that ``Monitor.get('spike')``
returns (ANNarchy's format; a dict ``{'spike': {...}}`` from ``get()`` is
accepted too). The functions here work on spikes alone: the monitor methods
of the same names call them with the monitor's ``dt`` and recording window,
so statistics of spikes fetched earlier with ``get()`` use the window those
spikes were recorded in.

The module-level functions are ANNarchy 4's (``raster_plot(spikes)``...),
for scripts that call them without a monitor; with no window given, the
window runs from the first to the last spike, as in ANNarchy.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NetworkError

__all__ = ["raster_plot", "histogram", "population_rate", "smoothed_rate", "mean_fr",
           "inter_spike_interval", "coefficient_of_variation"]


def spike_dict(spikes) -> dict:
    """The ``rank -> steps`` dict of ``spikes`` (unwraps ``{'spike': {...}}``)."""
    if not isinstance(spikes, dict):
        raise NetworkError("spikes must be the dict returned by monitor.get('spike') "
                           f"(rank -> spike steps), got {type(spikes).__name__}")
    if "spike" in spikes and isinstance(spikes["spike"], dict):
        spikes = spikes["spike"]
    return spikes


def _span(spikes: dict) -> tuple[int, int] | None:
    """``(first, last + 1)`` spike steps, or None without spikes."""
    lo = [min(v) for v in spikes.values() if len(v)]
    hi = [max(v) for v in spikes.values() if len(v)]
    return (int(min(lo)), int(max(hi)) + 1) if lo else None


def raster_plot(spikes, dt: float = 1.0):
    """``(times_ms, ranks)`` of every spike, sorted by time."""
    spikes = spike_dict(spikes)
    t = np.concatenate([np.asarray(v, dtype=np.int64) for v in spikes.values()]) \
        if spikes else np.zeros(0, np.int64)
    i = np.concatenate([np.full(len(v), k, np.int64) for k, v in spikes.items()]) \
        if spikes else np.zeros(0, np.int64)
    order = np.argsort(t, kind="stable")
    return t[order] * dt, i[order]


def histogram(spikes, bins=None, per_neuron=False, recording_window=None, dt: float = 1.0):
    """Spike counts per time bin (``bins`` in ms, default dt), summed over
    neurons or, with ``per_neuron=True``, of shape (neurons, bins). The window
    runs from the first to the last spike, or ``recording_window=(t0, t1)`` ms."""
    spikes = spike_dict(spikes)
    bin_steps = 1 if bins is None else max(1, int(round(bins / dt)))
    all_steps = [s for v in spikes.values() for s in v]
    if recording_window is not None:
        first, last = (int(round(x / dt)) for x in recording_window)
    elif all_steps:
        first, last = _span(spikes)
    else:
        return np.zeros((len(spikes), 0)) if per_neuron else np.zeros(0)
    n_bins = max(1, -(-(last - first) // bin_steps))
    edges = first + bin_steps * np.arange(n_bins + 1)
    if per_neuron:
        return np.array([np.histogram(v, edges)[0] for v in spikes.values()])
    return np.histogram(all_steps, edges)[0]


def _low_pass(x: np.ndarray, dt: float, smooth: float) -> np.ndarray:
    """First-order low-pass along the last axis, time constant ``smooth`` ms
    (ANNarchy's smoothing: ``y[t+1] = y[t] + (x[t+1] - y[t])*dt/smooth``)."""
    if smooth <= 0 or x.shape[-1] == 0:
        return x
    if smooth < dt:
        raise NetworkError(f"smooth = {smooth} ms is shorter than dt = {dt} ms: "
                           "give 0 for no smoothing, or a time constant >= dt")
    a = dt / smooth
    y = np.empty_like(x)
    y[..., 0] = x[..., 0]
    for k in range(1, x.shape[-1]):
        y[..., k] = y[..., k - 1] + (x[..., k] - y[..., k - 1]) * a
    return y


def population_rate(spikes, smooth: float = 0.0, dt: float = 1.0, window=None):
    """Population rate in Hz at every step of the window (``(first, stop)``
    steps; default the first to the last spike), low-pass filtered with time
    constant ``smooth`` ms when ``smooth > dt`` (as ANNarchy)."""
    spikes = spike_dict(spikes)
    window = window if window is not None else _span(spikes)
    if window is None or not spikes:
        return np.zeros(0)
    start, stop = window
    counts = np.zeros(max(0, stop - start))
    steps = np.array([s for v in spikes.values() for s in v], dtype=np.int64)
    steps = steps[(steps >= start) & (steps < stop)]
    np.add.at(counts, steps - start, 1.0)
    rate = counts / (len(spikes) * dt / 1000.0)
    return _low_pass(rate, dt, smooth) if smooth > dt else rate


def smoothed_rate(spikes, smooth: float = 0.0, dt: float = 1.0, window=None):
    """Instantaneous rate of each neuron, shape (neurons, steps of the window):
    between two consecutive spikes ``s1 < s2`` the rate is ``1000/((s2 - s1)*dt)``
    Hz (zero before the second spike and after the last), then low-pass
    filtered with time constant ``smooth`` ms (ANNarchy's ``smoothed_rate``)."""
    spikes = spike_dict(spikes)
    window = window if window is not None else _span(spikes)
    if window is None:
        return np.zeros((len(spikes), 0))
    start, stop = window
    rates = np.zeros((len(spikes), max(0, stop - start)))
    for row, v in enumerate(spikes.values()):
        s = np.asarray(v, dtype=np.int64)
        for a, b in zip(s[:-1], s[1:]):
            lo, hi = max(a - start, 0), min(b - start, rates.shape[1])
            if hi > lo:
                rates[row, lo:hi] = 1000.0 / (dt * (b - a))
    return _low_pass(rates, dt, smooth)


def mean_fr(spikes, duration=None, dt: float = 1.0) -> float:
    """Mean firing rate (Hz) per neuron of ``spikes`` over ``duration`` ms
    (default: from the first to the last spike, as ANNarchy's function)."""
    spikes = spike_dict(spikes)
    total = sum(len(v) for v in spikes.values())
    if duration is None:
        span = _span(spikes)
        duration = 0.0 if span is None else (span[1] - 1 - span[0]) * dt
    if duration <= 0 or not spikes:
        return 0.0
    return total / (len(spikes) * duration / 1000.0)


def inter_spike_interval(spikes, ranks=None, per_neuron=False, dt: float = 1.0):
    """Inter-spike intervals in ms, pooled or one list per neuron."""
    spikes = spike_dict(spikes)
    ranks = list(spikes) if ranks is None else list(ranks)
    missing = [r for r in ranks if r not in spikes]
    if missing:
        raise NetworkError(f"no spikes recorded for rank(s) {missing[:5]}")
    isi = [(np.diff(np.asarray(spikes[r], dtype=float)) * dt).tolist() for r in ranks]
    return isi if per_neuron else [x for v in isi for x in v]


def coefficient_of_variation(spikes, ranks=None, dt: float = 1.0):
    """CV of the inter-spike intervals of each neuron (NaN with fewer than 2 ISIs)."""
    isi = inter_spike_interval(spikes, ranks, per_neuron=True, dt=dt)
    return [float(np.std(v) / np.mean(v)) if len(v) > 1 else float("nan") for v in isi]
