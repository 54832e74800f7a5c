"""Recorded variables against time, and f-I curves."""

from __future__ import annotations

import numpy as np

from engine import Monitor
from workbench.plots._style import style
from workbench.plots.errors import PlotError

__all__ = ["traces", "fi_curve"]


def traces(recording, variable=None, *, times=None, dt=None, neurons=None, label=None):
    """One curve per recorded neuron: a variable against time (ms).

    Parameters
    ----------
    recording : Monitor or array
        A monitor (then ``variable`` names what it records; its data are
        read without draining it, at ``monitor.recorded_times(variable)``), or the
        array of ``monitor.get(variable)``: shape (records,) or
        (records, neurons).
    variable : str, optional
        The variable's name: required with a monitor, the axis label for an
        array (default ``'value'``).
    times : array, optional
        The time (ms) of each record, for an array (``monitor.recorded_times()``).
    dt : float, optional
        Or: records every ``dt`` ms from 0 (a monitor without period records
        every step: ``dt=net.dt``).
    neurons : list of int, optional
        Which columns to draw (default all).
    label : str, optional
        The title (a population's name).

    Returns
    -------
    holoviews.Curve or holoviews.NdOverlay
        A curve (key dimension ``t``, value dimension the variable) for one
        neuron; for several, an overlay keyed by ``neuron`` (its column).

    Raises
    ------
    PlotError
        For a monitor without ``variable`` or not recording it, an array
        without times, or times and records that differ in number.
    """
    import holoviews as hv

    if isinstance(recording, Monitor):
        if variable not in recording.variables or variable == "spike":
            recorded = [v for v in recording.variables if v != "spike"]
            raise PlotError(f"traces: give the variable to draw, one of "
                            f"{', '.join(map(repr, recorded)) or 'none (it records spikes only)'}"
                            f"; got {variable!r}")
        values = np.asarray(recording.get(variable, keep=True, reshape=False), dtype=float)
        times = recording.recorded_times(variable) if times is None else times
    else:
        try:
            values = np.asarray(recording, dtype=float)
        except (TypeError, ValueError):
            raise PlotError(f"traces: give a Monitor or the array of monitor.get(variable), "
                            f"got {type(recording).__name__}") from None
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise PlotError(f"traces: the records must be shaped (records,) or (records, neurons), "
                        f"got {values.shape}")
    if times is None:
        if dt is None:
            raise PlotError("traces: give times= (monitor.recorded_times()) or dt= (ms "
                            "between records), or pass the monitor itself")
        times = np.arange(values.shape[0]) * float(dt)
    times = np.asarray(times, dtype=float)
    if times.shape != (values.shape[0],):
        raise PlotError(f"traces: {values.shape[0]} records but {times.size} times")
    columns = range(values.shape[1]) if neurons is None else [int(k) for k in neurons]
    bad = [k for k in columns if not 0 <= k < values.shape[1]]
    if bad:
        raise PlotError(f"traces: no column {bad[0]}: the records hold {values.shape[1]} "
                        f"neuron(s)")
    name = variable or "value"
    vdim = hv.Dimension(name.replace(" ", "_"), label=name)
    curves = {k: style(hv.Curve((times, values[:, k]), kdims=[_T], vdims=[vdim]), "line")
              for k in columns}
    if len(curves) == 1:
        return next(iter(curves.values())).relabel(label or "")
    return hv.NdOverlay(curves, kdims=["neuron"], label=label or "")


def fi_curve(currents, rates, *, label=None, current_label="I (nA)"):
    """An f-I curve: the firing rate (Hz) against the input, as a line with
    a point per measured input.

    Parameters
    ----------
    currents, rates : arrays of the same length
        The inputs (e.g. the ``i_offset`` given to each neuron of one
        population) and each one's rate (:func:`workbench.plots.firing_rates`).
    label : str, optional
    current_label : str
        The x axis label (the engine has no units: say the input's).

    Returns
    -------
    holoviews.Overlay
        A ``Curve`` and a ``Scatter``, both with key dimension ``I`` and value
        dimension ``rate`` (Hz), sorted by input.

    Raises
    ------
    PlotError
        For arrays that are not 1-d, or differ in length.
    """
    import holoviews as hv

    currents = np.asarray(currents, dtype=float)
    rates = np.asarray(rates, dtype=float)
    if currents.ndim != 1 or currents.shape != rates.shape:
        raise PlotError(f"fi_curve: currents and rates are 1-d arrays of one length, got "
                        f"shapes {currents.shape} and {rates.shape}")
    order = np.argsort(currents, kind="stable")
    data = (currents[order], rates[order])
    kdim = hv.Dimension("I", label=current_label)
    vdim = hv.Dimension("rate", label="rate (Hz)")
    return (style(hv.Curve(data, kdims=[kdim], vdims=[vdim], label=label or ""), "line")
            * style(hv.Scatter(data, kdims=[kdim], vdims=[vdim], label=label or ""), "points"))


_T = ("t", "t (ms)")
