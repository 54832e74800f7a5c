"""Figures of CompNeuroMonitors recordings (CompNeuroPy's ``PlotRecordings``).

``PlotRecordings(figname, recordings, recording_times, shape, plan)`` lays
out one subplot per entry of ``plan`` on a ``shape`` grid and saves it:
``.html`` as an interactive Bokeh page, ``.png``/``.svg``/``.pdf`` through
HoloViews' matplotlib backend (matplotlib is then needed: the ``plots``
extra). The figure itself is a HoloViews layout (``.layout``), so a notebook
can show it without saving.

The plan is CompNeuroPy's: lists ``position`` (1-based, row-major),
``compartment``, ``variable`` and ``format``. Spike formats: ``raster``,
``mean`` (population rate), ``hybrid`` (raster with the rate drawn over it,
scaled to the neuron axis: the legend says the rate at the top), ``interspike``
(each inter-spike interval at the time of the spike that ends it), ``cv``
(coefficient of variation of each neuron's intervals, against the neuron).
Other formats: ``line`` (each neuron), ``line_mean`` (the mean over
neurons), ``matrix`` (neurons x time), ``matrix_mean``. A variable may be a
sum, difference, product or quotient of recorded variables and numbers
(``"v - u"``); it is parsed, never evaluated as Python.
"""

from __future__ import annotations

import ast
import os
import warnings
from pathlib import Path

import numpy as np

from workbench.compneuro.errors import CompNeuroError
from workbench.compneuro.recording_times import RecordingTimes
from workbench.plots.spikes import rate_in_bins

__all__ = ["PlotRecordings"]

SPIKE_FORMATS = ("raster", "mean", "hybrid", "interspike", "cv")
TRACE_FORMATS = ("line", "line_mean", "matrix", "matrix_mean")
_PLAN_KEYS = ("position", "compartment", "variable", "format")
_RATE_BIN_MS = 10.0
_OPERATORS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
              ast.Div: np.divide}


class PlotRecordings:
    """Make (and save, if ``figname`` is given) a figure of one chunk.

    Parameters
    ----------
    figname : str or None
        Where to save (``.html``, ``.png``, ``.svg`` or ``.pdf``); folders are
        created. ``None`` only builds ``.layout``.
    recordings : list of dict
        ``monitors.get_recordings()``.
    recording_times : RecordingTimes
        ``monitors.get_recording_times()``.
    shape : (rows, columns)
    plan : dict
        See the module docstring.
    chunk : int
        Which chunk to plot.
    time_lim : (start, end) in ms, optional
        Within the chunk; default the whole chunk.
    dpi : int
        For PNG.

    Raises
    ------
    CompNeuroError
        For a plan that does not match the recordings (said with what is
        there), a chunk or time window that does not exist, or a PNG without
        matplotlib.
    """

    def __init__(self, figname, recordings, recording_times, shape, plan, chunk=0,
                 time_lim=None, dpi=300):
        if not isinstance(recordings, (list, tuple)) or not recordings:
            raise CompNeuroError("PlotRecordings: recordings is monitors.get_recordings(), "
                                 "a non-empty list of chunks")
        if not isinstance(recording_times, RecordingTimes):
            raise CompNeuroError("PlotRecordings: recording_times is "
                                 "monitors.get_recording_times()")
        if not isinstance(chunk, int) or not 0 <= chunk < len(recordings):
            raise CompNeuroError(f"PlotRecordings: chunk {chunk!r} does not exist: there are "
                                 f"{len(recordings)} chunk(s)")
        self.figname, self.recordings, self.recording_times = figname, recordings, recording_times
        self.shape, self.plan, self.chunk, self.dpi = _shape(shape), plan, chunk, int(dpi)
        self._data = recordings[chunk]
        self._entries = _check_plan(plan, self.shape, _recorded(self._data))
        self._start, self._end = self._window(time_lim)
        self.layout = self._layout()
        if figname is not None:
            self.save(figname)

    # -- time ---------------------------------------------------------------------
    def _window(self, time_lim):
        lims = [self.recording_times.time_lims(chunk=self.chunk, compartment=c)
                for c in {e[1] for e in self._entries}]
        first, last = min(a for a, _ in lims), max(b for _, b in lims)
        if time_lim is None:
            return first, last
        try:
            start, end = (float(x) for x in time_lim)
        except (TypeError, ValueError):
            raise CompNeuroError(f"PlotRecordings: time_lim is (start, end) in ms, "
                                 f"got {time_lim!r}") from None
        if not first <= start < end <= last:
            raise CompNeuroError(f"PlotRecordings: time_lim {time_lim} is not within chunk "
                                 f"{self.chunk} ({first:g} to {last:g} ms)")
        return start, end

    def _times(self, compartment: str) -> np.ndarray:
        """The time (ms) of every row of ``compartment``'s arrays; NaN rows
        never occur, periods simply follow each other."""
        period = float(self._data[f"{compartment};period"])
        times = []
        rt = self.recording_times
        for p in range(rt.nr_periods(chunk=self.chunk, compartment=compartment)):
            a, b = rt.time_lims(chunk=self.chunk, compartment=compartment, period=p)
            n = int(round((b - a) / period)) + 1
            times.append(a + period * np.arange(n))
        return np.concatenate(times) if times else np.zeros(0)

    # -- the figure -----------------------------------------------------------------
    def _layout(self):
        import holoviews as hv

        cells = [hv.Empty() for _ in range(self.shape[0] * self.shape[1])]
        for position, compartment, variable, fmt in self._entries:
            if variable == "spike":
                cells[position - 1] = self._spikes(compartment, fmt)
            else:
                cells[position - 1] = self._trace(compartment, variable, fmt)
        return hv.Layout(cells).cols(self.shape[1])

    def _spikes(self, compartment, fmt):
        import holoviews as hv

        dt = float(self._data["dt"])
        spikes = self._data[f"{compartment};spike"]
        ranks = sorted(spikes)
        t = np.concatenate([np.asarray(spikes[r], dtype=float) * dt for r in ranks]
                           or [np.zeros(0)])
        n = np.concatenate([np.full(len(spikes[r]), r) for r in ranks] or [np.zeros(0)])
        inside = (t >= self._start) & (t <= self._end)
        t, n = t[inside], n[inside]
        title = f"{compartment}: spikes ({fmt})"
        raster = hv.Scatter((t, n), "time (ms)", "neuron").relabel(title)
        if fmt in ("raster", "hybrid") and t.size == 0:
            # as CompNeuroPy: say so, in the panel too, rather than empty axes
            note = (f"{compartment} has no spikes between {self._start:g} and "
                    f"{self._end:g} ms")
            warnings.warn(f"PlotRecordings: {note}", UserWarning, stacklevel=4)
            return (raster * hv.Text((self._start + self._end) / 2, 0.5, note)).relabel(title)
        if fmt == "raster":
            return raster
        neurons = max(1, _size(self._data, compartment, spikes))
        # bins from the window's start, the last one holding its end
        n_bins = int(np.floor((self._end - self._start) / _RATE_BIN_MS)) + 1
        centres, rate = rate_in_bins((t, n), bin=_RATE_BIN_MS, n_neurons=neurons,
                                     window=(self._start, self._start + n_bins * _RATE_BIN_MS))
        curve = hv.Curve((centres, rate), "time (ms)", "rate (Hz)")
        if fmt == "mean":
            return curve.relabel(title)
        if fmt == "hybrid":
            # the rate drawn over the raster, scaled so its peak reaches the
            # top neuron (one axis in every backend); the legend gives the scale
            top, peak = max(neurons - 1, 1), max(float(rate.max(initial=0.0)), 1e-12)
            scaled = hv.Curve((centres, rate * top / peak), "time (ms)",
                              "neuron", label=f"rate (top = {peak:.3g} Hz)")
            return (raster.relabel("spikes") * scaled).relabel(title)
        intervals = [(np.asarray(spikes[r], dtype=float) * dt) for r in ranks]
        if fmt == "interspike":
            ts = np.concatenate([s[1:] for s in intervals if s.size > 1] or [np.zeros(0)])
            isi = np.concatenate([np.diff(s) for s in intervals if s.size > 1] or [np.zeros(0)])
            keep = (ts >= self._start) & (ts <= self._end)
            return hv.Scatter((ts[keep], isi[keep]), "time (ms)", "interval (ms)").relabel(title)
        cv = [np.std(np.diff(s)) / np.mean(np.diff(s)) if s.size > 2 else np.nan
              for s in intervals]
        return hv.Scatter((np.asarray(ranks, dtype=float), np.asarray(cv)), "neuron",
                          "CV of intervals").relabel(title)

    def _trace(self, compartment, variable, fmt):
        import holoviews as hv

        values = _values(self._data, compartment, variable)
        if values.ndim == 1:
            values = values[:, None]
        times = self._times(compartment)
        if times.size != values.shape[0]:
            raise CompNeuroError(f"PlotRecordings: {compartment};{variable} holds "
                                 f"{values.shape[0]} records, its recording times "
                                 f"{times.size}")
        inside = (times >= self._start) & (times <= self._end)
        times, values = times[inside], values[inside].reshape(int(inside.sum()), -1)
        title = f"{compartment}: {variable} ({fmt})"
        if fmt in ("line_mean", "matrix_mean"):
            values = np.nanmean(values, axis=1)[:, None]
        if fmt.startswith("matrix"):
            if times.size < 2:
                raise CompNeuroError(f"PlotRecordings: {title} needs two records or more")
            x0, x1 = times[0], times[-1]
            return hv.Image(values.T[::-1], bounds=(x0, -0.5, x1, values.shape[1] - 0.5),
                            kdims=["time (ms)", "neuron"], vdims=[variable]).relabel(title)
        curves = [hv.Curve((times, values[:, j]), "time (ms)", variable,
                           label=f"{j}" if values.shape[1] > 1 else "")
                  for j in range(values.shape[1])]
        return hv.Overlay(curves).relabel(title) if len(curves) > 1 else \
            curves[0].relabel(title)

    # -- saving ----------------------------------------------------------------------
    def save(self, figname) -> Path:
        """Write the figure; the format follows the suffix. Atomic: a file is
        written beside the target and renamed."""
        import holoviews as hv

        path = Path(figname)
        suffix = path.suffix.lower()
        if suffix not in (".html", ".png", ".svg", ".pdf"):
            raise CompNeuroError(f"PlotRecordings: save as .html, .png, .svg or .pdf, "
                                 f"got {path.name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{suffix}")
        try:
            if suffix == ".html":
                import holoviews.plotting.bokeh  # noqa: F401 - registers the backend

                hv.save(self.layout, tmp, backend="bokeh", title=path.stem)
            else:
                try:
                    import matplotlib  # noqa: F401
                    import holoviews.plotting.mpl  # noqa: F401 - registers the backend
                except ImportError:
                    raise CompNeuroError("PlotRecordings: saving PNG/SVG/PDF uses matplotlib; "
                                         "pip install matplotlib (or save as .html)") from None
                # in place: options of the matplotlib backend leave the bokeh figure
                # as it is, and HoloViews cannot clone a layout with an empty cell
                layout = self.layout.opts({"Image": {"aspect": 1.5}}, backend="matplotlib",
                                          clone=False)
                hv.save(layout, tmp, backend="matplotlib", dpi=self.dpi)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return path


def _shape(shape):
    try:
        rows, cols = (int(x) for x in shape)
    except (TypeError, ValueError):
        raise CompNeuroError(f"PlotRecordings: shape is (rows, columns), got {shape!r}") from None
    if rows < 1 or cols < 1:
        raise CompNeuroError(f"PlotRecordings: shape {shape!r} has no room for a subplot")
    return rows, cols


def _recorded(chunk: dict) -> dict:
    """compartment -> recorded variables of one chunk."""
    out: dict[str, list] = {}
    for key in chunk:
        if ";" not in key:
            continue
        compartment, what = key.split(";", 1)
        names = out.setdefault(compartment, [])
        if what not in ("period", "parameter_dict"):
            names.append(what)
    return out


def _check_plan(plan, shape, recorded) -> list[tuple]:
    if not isinstance(plan, dict):
        raise CompNeuroError(f"PlotRecordings: plan is a dict with the lists "
                             f"{', '.join(_PLAN_KEYS)}")
    unknown = sorted(set(plan) - set(_PLAN_KEYS) - {"color"})
    missing = [k for k in _PLAN_KEYS if k not in plan]
    if unknown or missing:
        raise CompNeuroError(f"PlotRecordings: plan keys are {', '.join(_PLAN_KEYS)}"
                             + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                             + (f"; missing: {', '.join(missing)}" if missing else ""))
    lengths = {k: len(plan[k]) for k in _PLAN_KEYS}
    if len(set(lengths.values())) != 1:
        raise CompNeuroError(f"PlotRecordings: the plan's lists differ in length: {lengths}")
    entries = list(zip(*(plan[k] for k in _PLAN_KEYS)))
    cells = shape[0] * shape[1]
    seen = set()
    for position, compartment, variable, fmt in entries:
        if not isinstance(position, int) or not 1 <= position <= cells:
            raise CompNeuroError(f"PlotRecordings: position {position!r} is not on the "
                                 f"{shape[0]}x{shape[1]} grid (1 to {cells})")
        if position in seen:
            raise CompNeuroError(f"PlotRecordings: position {position} is used twice")
        seen.add(position)
        if compartment not in recorded:
            raise CompNeuroError(f"PlotRecordings: compartment {compartment!r} was not "
                                 f"recorded (recorded: {', '.join(recorded) or 'none'})")
        names = recorded[compartment]
        if variable == "spike":
            if "spike" not in names:
                raise CompNeuroError(f"PlotRecordings: {compartment!r} did not record spikes")
            if fmt not in SPIKE_FORMATS:
                raise CompNeuroError(f"PlotRecordings: format {fmt!r} is not one for spikes "
                                     f"({', '.join(SPIKE_FORMATS)})")
            continue
        for name in _names_in(variable):
            if name not in names or name == "spike":
                raise CompNeuroError(f"PlotRecordings: {name!r} was not recorded for "
                                     f"{compartment!r} (recorded: {', '.join(names)})")
        if fmt not in TRACE_FORMATS:
            raise CompNeuroError(f"PlotRecordings: format {fmt!r} is not one for "
                                 f"{variable!r} ({', '.join(TRACE_FORMATS)})")
    return entries


def _parse(variable: str):
    if not isinstance(variable, str):
        raise CompNeuroError(f"PlotRecordings: a variable is a name, got {variable!r}")
    try:
        tree = ast.parse(variable, mode="eval").body
    except SyntaxError:
        raise CompNeuroError(f"PlotRecordings: cannot read the variable {variable!r}: use "
                             f"recorded names, numbers and + - * /") from None
    for node in ast.walk(tree):
        ok = isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.USub, ast.UAdd,
                               *_OPERATORS)) or (
            isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))
        if not ok:
            raise CompNeuroError(f"PlotRecordings: the variable {variable!r} may only combine "
                                 f"recorded names and numbers with + - * /")
    return tree


def _names_in(variable) -> list[str]:
    return [n.id for n in ast.walk(_parse(variable)) if isinstance(n, ast.Name)]


def _values(chunk, compartment, variable) -> np.ndarray:
    def value(node):
        if isinstance(node, ast.Name):
            return np.asarray(chunk[f"{compartment};{node.id}"], dtype=float)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.UnaryOp):
            v = value(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        with np.errstate(divide="ignore", invalid="ignore"):
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))

    out = np.asarray(value(_parse(variable)), dtype=float)
    if out.ndim == 0:
        raise CompNeuroError(f"PlotRecordings: {variable!r} names no recorded variable")
    return out


def _size(chunk, compartment, spikes) -> int:
    """Neurons of a compartment: from a recorded array, else the spike dict."""
    for key, value in chunk.items():
        if key.startswith(f"{compartment};") and isinstance(value, np.ndarray) \
                and value.ndim == 2:
            return value.shape[1]
    return len(spikes)
