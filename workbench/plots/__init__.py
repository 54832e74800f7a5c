"""Plotting helpers: what everyone draws, as HoloViews objects.

Each function takes what the engine gives (a :class:`engine.Monitor`, the
dict of ``monitor.get('spike')``, the array of ``monitor.get('v')``, a
:class:`engine.Projection`) and returns a HoloViews element holding the
numbers it draws, styled for Bokeh (JupyterLab, the app) and for matplotlib
(:func:`save` to PNG/SVG/PDF)::

    from workbench import plots
    (plots.raster(m) + plots.population_rate(m)).cols(1)   # shown by JupyterLab
    plots.save(plots.weight_histogram(proj), "weights.png")

- spikes: :func:`raster`, :func:`population_rate` (and its numbers,
  :func:`rate_in_bins`), :func:`firing_rates`;
- variables: :func:`traces`; :func:`fi_curve`;
- synapses: :func:`weight_histogram`, :func:`connectivity_matrix`;
- :func:`save`: HTML (inline resources, opens offline), PNG, SVG, PDF.

Errors are :class:`PlotError` (a :class:`workbench.errors.WorkbenchError`),
saying what was given and what to give.
"""

from workbench.plots.errors import PlotError
from workbench.plots.save import save
from workbench.plots.spikes import RATE_BIN_MS, firing_rates, population_rate, raster, rate_in_bins
from workbench.plots.synapses import connectivity_matrix, weight_histogram
from workbench.plots.traces import fi_curve, traces

__all__ = ["PlotError", "RATE_BIN_MS", "connectivity_matrix", "fi_curve", "firing_rates",
           "population_rate", "raster", "rate_in_bins", "save", "traces", "weight_histogram"]
