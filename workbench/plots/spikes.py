"""Raster, population rate and per-neuron rates of recorded spikes.

Each plot function returns a HoloViews element whose data are the numbers
drawn (``raster(m).dframe()`` is every spike; ``population_rate(m).data`` the
rate of every bin), so a figure can be checked, reused by the app, or
overlaid (``raster(mE) * raster(mI, offset=800)``). The numbers come from
:func:`rate_in_bins` and :func:`firing_rates`, which notebooks can call
directly.
"""

from __future__ import annotations

import numpy as np

from workbench.plots._inputs import Spikes, spikes_of
from workbench.plots._style import style
from workbench.plots.errors import PlotError

__all__ = ["raster", "population_rate", "rate_in_bins", "firing_rates", "RATE_BIN_MS"]

#: default width of the population-rate bins (ms), that of the app's live plots
RATE_BIN_MS = 10.0
# spike times are steps * dt: a spike on a bin edge must not fall into the
# bin before it by rounding (0.1 * 700 < 70.0)
_EDGE = 1e-9


def raster(spikes, dt=None, *, n_neurons=None, offset=0, label=None):
    """A raster plot: one point (time in ms, neuron rank) per spike.

    Parameters
    ----------
    spikes : Monitor, dict or (times, ranks)
        A monitor recording ``'spike'`` (read without draining it), the dict
        of ``monitor.get('spike')`` (with ``dt``), or the pair returned by
        ``monitor.raster_plot()``.
    dt : float, optional
        The network's step (ms); needed for the dict of ``get('spike')``,
        which holds steps.
    n_neurons : int, optional
        Neurons recorded (sets the y range); default the monitor's size.
    offset : int
        Added to the ranks, to stack populations in one raster.
    label : str, optional
        The legend entry (a population's name).

    Returns
    -------
    holoviews.Scatter
        Key dimension ``t`` (ms), value dimension ``neuron``.

    Raises
    ------
    PlotError
        For spikes in another form, a dict without ``dt``, or a monitor that
        does not record spikes.
    """
    import holoviews as hv

    s = spikes_of(spikes, dt, n_neurons=n_neurons, who="raster")
    points = hv.Scatter((s.times, s.ranks + int(offset)), kdims=[_T], vdims=[_NEURON],
                        label=label or "")
    top = max(s.n_neurons, 1) + int(offset)
    return style(points.redim.range(neuron=(int(offset) - 0.5, top - 0.5)), "raster")


def rate_in_bins(spikes, dt=None, *, bin=RATE_BIN_MS, window=None, n_neurons=None):
    """The population rate in Hz, per bin of ``bin`` ms.

    The rate of a bin is the number of spikes in it divided by the number of
    neurons recorded (silent ones count) and by the bin's duration.

    Parameters
    ----------
    spikes, dt, n_neurons
        As for :func:`raster`.
    bin : float
        Bin width in ms (default 10 ms, as the app's live plots).
    window : (start, stop) in ms, optional
        Default: the monitor's recording window, or, for spikes given
        without one, from the first spike to the last (both rounded out to
        a multiple of ``bin``). Only whole bins are returned.

    Returns
    -------
    centres : numpy.ndarray
        The middle of each bin (ms).
    rates : numpy.ndarray
        Hz, one per bin.

    Raises
    ------
    PlotError
        For bad spikes (see :func:`raster`), a bin that is not positive, or
        no neurons.
    """
    s = spikes_of(spikes, dt, n_neurons=n_neurons, window=window, who="rate_in_bins")
    bin = _positive(bin, "bin", "rate_in_bins")
    if s.n_neurons <= 0:
        raise PlotError("rate_in_bins: no neurons recorded: give n_neurons= for "
                        "(times, ranks) spikes")
    start, stop = _bins_window(s, bin)
    n_bins = int(np.floor((stop - start) / bin + _EDGE))
    index = np.floor((s.times - start) / bin + _EDGE).astype(np.int64)
    index = index[(index >= 0) & (index < n_bins) & (s.times < stop - _EDGE * bin)]
    counts = np.bincount(index, minlength=n_bins)[:n_bins].astype(float)
    centres = start + bin * (np.arange(n_bins) + 0.5)
    return centres, counts / s.n_neurons / (bin / 1000.0)


def population_rate(spikes, dt=None, *, bin=RATE_BIN_MS, window=None, n_neurons=None,
                    label=None):
    """The population rate (Hz) in bins of ``bin`` ms, as a curve.

    The values are those of :func:`rate_in_bins` (same parameters), drawn
    at the bins' centres.

    Returns
    -------
    holoviews.Curve
        Key dimension ``t`` (ms), value dimension ``rate`` (Hz).

    Raises
    ------
    PlotError
        As :func:`rate_in_bins`.
    """
    import holoviews as hv

    centres, rates = rate_in_bins(spikes, dt, bin=bin, window=window, n_neurons=n_neurons)
    return style(hv.Curve((centres, rates), kdims=[_T], vdims=[_RATE], label=label or ""),
                 "line")


def firing_rates(spikes, dt=None, *, window=None, n_neurons=None) -> np.ndarray:
    """The firing rate (Hz) of every recorded neuron: its spikes in the
    window divided by the window's duration.

    ``window`` defaults to the monitor's recording window; spikes given as
    a dict or a (times, ranks) pair need it (their duration is not known).
    The rates follow the recorded ranks in order (a monitor's ranks, the
    dict's keys; ``0 .. n_neurons - 1`` for a (times, ranks) pair).

    Raises
    ------
    PlotError
        For bad spikes, or no window to divide by.
    """
    s = spikes_of(spikes, dt, n_neurons=n_neurons, window=window, who="firing_rates")
    if s.window is None:
        raise PlotError("firing_rates: give window=(start, stop) in ms: the duration of "
                        "spikes given without their monitor is not known")
    start, stop = s.window
    ranks = s.ranks[(s.times >= start - _EDGE) & (s.times < stop - _EDGE)]
    # the row of each spike: where its rank is among the recorded ones
    ids = s.ids if s.ids.size == s.n_neurons else np.arange(s.n_neurons)
    order = np.argsort(ids, kind="stable")
    position = np.minimum(np.searchsorted(ids[order], ranks), ids.size - 1)
    known = ids[order][position] == ranks if ids.size else np.zeros(0, bool)
    counts = np.bincount(order[position[known]], minlength=s.n_neurons)[:s.n_neurons]
    return counts / ((stop - start) / 1000.0)


def _bins_window(s: Spikes, bin: float) -> tuple[float, float]:
    if s.window is not None:
        return s.window
    if not s.times.size:
        return 0.0, bin
    start = np.floor(s.times[0] / bin + _EDGE) * bin
    stop = (np.floor(s.times[-1] / bin + _EDGE) + 1) * bin
    return float(start), float(stop)


def _positive(value, name, who) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise PlotError(f"{who}: {name} is a number of ms, got {value!r}") from None
    if not value > 0:
        raise PlotError(f"{who}: {name} must be positive, got {value}")
    return value


_T = ("t", "t (ms)")
_NEURON = ("neuron", "neuron")
_RATE = ("rate", "rate (Hz)")
