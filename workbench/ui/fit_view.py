"""The Fit tab: fit a model of the session to an uploaded recording.

The state is a :class:`~workbench.ui.fit_session.FitSession`; this module
only shows it. Left, the steps in order (data, protocol, model and its
parameters, search); right, the data with the best fit so far drawn over
each sweep, the best loss per generation, and the results with their
downloads. While a fit runs, a periodic callback (every ``POLL_MS``) sends
the plots only what is new: the loss curve's new points, and the best
fit's traces when a generation found a better one.
"""

from __future__ import annotations

import html
import io
import json

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Legend
from bokeh.palettes import Category10_10
from bokeh.plotting import figure

from engine import NeuroWorkbenchError
from workbench.errors import WorkbenchError
from workbench.ui.document import in_document
from workbench.ui.fit_session import EXAMPLE_TRUE_VALUES, SUFFIXES, FitSession
from workbench.ui.model_library import ModelLibrary
from workbench.ui.run_view import _STATUS_CSS, _status_html

__all__ = ["FitView"]

POLL_MS = 250
#: points per sweep drawn (the data is decimated for the page, never for the fit)
DRAWN_POINTS = 2000
_COLORS = {"empty": "#6c757d", "ready": "#0d6efd", "starting": "#fd7e14", "running": "#198754",
           "finished": "#3c8d40", "cancelled": "#6c757d", "failed": "#dc3545"}


class FitView(pn.viewable.Viewer):
    """Data, protocol, model, search, and the fit's progress and results."""

    session = param.ClassSelector(class_=FitSession)
    library = param.ClassSelector(class_=ModelLibrary)

    def __init__(self, session: FitSession | None = None, library: ModelLibrary | None = None,
                 open_model=None, **params):
        super().__init__(session=session or FitSession(), library=library or ModelLibrary(),
                         **params)
        s = self.session
        self._open_model = open_model           # callable(spec): show a model in the Models tab
        self._error: str | None = None          # a refused action's reason, shown until the next
        self._example_run = False
        # 1. data
        self._upload = pn.widgets.FileInput(accept=",".join(SUFFIXES), multiple=False,
                                            width=260)
        self._upload.param.watch(self._uploaded, "value")
        self._example = pn.widgets.Button(label="Use the example recording (lab)", width=260)
        self._example.on_click(self._use_example)
        units = pn.Row(pn.widgets.Select.from_param(s.param.time_unit, label="Time unit",
                                                    width=90),
                       pn.widgets.Select.from_param(s.param.value_unit, label="Voltage unit",
                                                    width=90),
                       pn.widgets.FloatInput.from_param(s.param.dt, label="Fit dt (ms)",
                                                        width=90, step=0.01))
        self._sweeps = pn.widgets.MultiChoice.from_param(s.param.selected, label="Sweeps to fit",
                                                         width=290)
        # 2. protocol
        self._amplitudes = pn.widgets.Tabulator(
            _amplitude_frame(s), show_index=False, width=290, height=130, selectable=False,
            editors={"sweep": None}, widths={"sweep": 150, "amplitude": 120})
        self._amplitudes.on_edit(self._amplitude_edited)
        protocol = pn.Row(pn.widgets.FloatInput.from_param(s.param.start_ms, label="Step from (ms)",
                                                           width=90),
                          pn.widgets.FloatInput.from_param(s.param.stop_ms, label="to (ms)",
                                                           width=90),
                          pn.widgets.TextInput.from_param(s.param.attribute,
                                                          label="Step sets", width=90))
        # 3. model
        self._model = pn.widgets.Select(label="Model", options=self._neurons(), width=290)
        self._model.param.watch(self._model_chosen, "value")
        # 'fit' toggles on one click (Tabulator's own tick editor wants two)
        self._parameters = pn.widgets.Tabulator(
            s.parameters, show_index=False, width=340, height=260, selectable=False,
            editors={"parameter": None, "fit": None},
            formatters={"fit": {"type": "tickCross"}},
            widths={"parameter": 90, "fit": 45, "low": 65, "high": 65, "value": 70})
        self._parameters.on_edit(self._parameter_edited)
        self._parameters.on_click(self._parameter_clicked)
        # 4. search
        self._loss = pn.widgets.Select.from_param(s.param.loss, label="Loss", width=290)
        search = pn.Row(pn.widgets.Select.from_param(s.param.method, label="Method", width=90),
                        pn.widgets.IntInput.from_param(s.param.popsize, label="Candidates",
                                                       width=90),
                        pn.widgets.IntInput.from_param(s.param.generations, label="Generations",
                                                       width=90))
        self._scheduler = pn.widgets.TextInput.from_param(
            s.param.scheduler, label="Run batches on (empty: here; 'local': a local dask "
            "cluster; or tcp://host:8786)", width=290)
        self._start = pn.widgets.Button(label="Start fit", color="success", width=140)
        self._cancel = pn.widgets.Button(label="Cancel", color="warning", width=140,
                                         disabled=True)
        self._start.on_click(self._on_start)
        self._cancel.on_click(self._on_cancel)
        self._settings = pn.Column(
            pn.pane.Markdown("#### 1. Data"), self._upload, self._example, units, self._sweeps,
            pn.pane.Markdown("#### 2. Protocol: one current step per sweep"), protocol,
            self._amplitudes,
            pn.pane.Markdown("#### 3. Model: tick what to fit"), self._model, self._parameters,
            pn.pane.Markdown("#### 4. Loss and search"), self._loss, search, self._scheduler,
            pn.Row(self._start, self._cancel), width=360)
        # status, plots, results
        self._status = pn.pane.HTML(_status_html(s.status, s.message, _COLORS[s.status]),
                                    margin=(5, 5), sizing_mode="stretch_width",
                                    stylesheets=[_STATUS_CSS])
        self._progress = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._token = pn.pane.Markdown("", sizing_mode="stretch_width", visible=False)
        self._data_fig, self._data_sources, self._fit_sources = _data_figure(), {}, {}
        self._loss_source = ColumnDataSource({"gen": [], "best": []}, name="fit_loss")
        self._loss_fig = _loss_figure(self._loss_source)
        self._results = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._downloads = pn.Row(
            pn.widgets.FileDownload(callback=self._json_file, filename="fit.json",
                                    label="Fitted values (JSON)", width=170),
            pn.widgets.FileDownload(callback=self._model_file, filename="model.json",
                                    label="Fitted model (spec)", width=170),
            pn.widgets.FileDownload(callback=self._history_file, filename="fit_history.csv",
                                    label="History (CSV)", width=150),
            visible=False)
        self._to_models = pn.widgets.Button(label="Open the fitted model in Models",
                                            width=260, visible=False)
        self._to_models.on_click(self._open_fitted)
        self._shown_history = 0
        self._shown_best = None
        self._callback = None
        self._show_status()

    # -- 1. data ------------------------------------------------------------------------------
    def _uploaded(self, event):
        if not event.new:
            return
        self._act(lambda: self.session.load(self._upload.filename or "recording", event.new))
        self._example_run = False

    def _use_example(self, event=None):
        def load():
            self.session.load_example()
            self._model.value = self.session.model_name
        self._act(load)
        self._example_run = True

    def _amplitude_edited(self, event):
        frame = self._amplitudes.value
        self.session.amplitudes = {str(r.sweep): _float_or_nan(r.amplitude)
                                   for r in frame.itertuples()}

    # -- 3. model ---------------------------------------------------------------------------
    def _neurons(self) -> list[str]:
        return [""] + self.library.names("neuron")

    def _model_chosen(self, event):
        if not event.new or event.new == self.session.model_name:
            return
        self._act(lambda: self.session.use_model(self.library.model(event.new), event.new))

    def _parameter_clicked(self, event):
        if event.column != "fit" or self.session.busy:
            return
        table = self._parameters.value
        ticked = not bool(table.at[table.index[event.row], "fit"])
        self._parameters.patch({"fit": [(event.row, ticked)]})
        self.session.param.trigger("parameters")

    def _parameter_edited(self, event):
        # the table's frame is the session's (edited in place): nothing re-sent
        self.session.param.trigger("parameters")

    # -- 5. the fit -----------------------------------------------------------------------------
    def _on_start(self, event=None):
        def clear_plots():
            self._shown_history, self._shown_best = 0, None
            self._loss_source.data = {"gen": [], "best": []}
            for src in self._fit_sources.values():
                src.data = {"t": [], "v": []}
        if self._act(self.session.start, before=clear_plots):
            self._ensure_updates()

    def _on_cancel(self, event=None):
        self.session.cancel(wait=1.0)
        in_document(self.update)

    def _act(self, action, before=None) -> bool:
        """Do ``action``; a refusal is shown (and stays shown until the next
        action: the periodic update does not overwrite it). The page is
        refreshed holding the document's lock (:mod:`workbench.ui.document`):
        the plots' Bokeh models change with it."""
        self._error = None
        try:
            action()
        except (WorkbenchError, NeuroWorkbenchError) as exc:
            self._error = str(exc)
            in_document(self._show_status)
            return False

        def refresh():
            with pn.io.hold():
                if before is not None:
                    before()
                self._refresh()
        in_document(refresh)
        return True

    def _ensure_updates(self):
        if self._callback is None or not self._callback.running:
            self._callback = pn.state.add_periodic_callback(self.update, period=POLL_MS)

    def update(self) -> None:
        """Progress and plots from the worker's state (UI thread)."""
        s = self.session
        busy = s.busy
        with pn.io.hold():
            self._show_status()
            history = list(s.history)
            new = history[self._shown_history:]
            if new:
                self._loss_source.stream({"gen": [h["gen"] for h in new],
                                          "best": [h["best_loss"] for h in new]})
                self._shown_history = len(history)
                last = new[-1]
                left = f", about {last['seconds_left']:.0f} s left" if busy else ""
                best = ", ".join(f"{k} = {v:.4g}" for k, v in last["best"].items()
                                 if k in _fitted_names(s))
                self._progress.object = (
                    f"generation {last['gen']} of {last['generations']}: best loss "
                    f"{last['best_loss']:.4g} ({best}); {last['evals_per_s']:,.0f} "
                    f"evaluations/s{left}")
            traces = s.best_traces
            if traces is not self._shown_best and traces:
                self._show_fit(traces)
                self._shown_best = traces
            if not busy:
                self._refresh()
        if not busy and self._callback is not None:
            self._callback.stop()

    # -- showing the state -----------------------------------------------------------------------
    def _refresh(self):
        s = self.session
        self._show_status()
        if s.find(s.token) is s:
            self._token.object = (f"This fit goes on if the page is closed: open "
                                  f"`?fit={s.token}` after the app's address to come back "
                                  "to it.")
            self._token.visible = True
        busy = s.busy
        self._start.disabled = busy
        self._cancel.disabled = not busy
        for w in (self._upload, self._example, self._model):
            w.disabled = busy
        self._amplitudes.value = _amplitude_frame(s)
        if self._parameters.value is not s.parameters:
            self._parameters.value = s.parameters
        if self._model.value != s.model_name:
            self._model.options = self._neurons()
            self._model.value = s.model_name
        self._show_data()
        self._show_results()

    def _show_status(self):
        s = self.session
        status, message = ("failed", self._error) if self._error else (s.status, s.message)
        self._status.object = _status_html(status, message, _COLORS.get(status, "#6c757d"))

    def _show_data(self):
        rec = self.session.recording
        key = None if rec is None else (id(rec), tuple(self.session.selected))
        if key == getattr(self, "_data_key", None):
            return
        self._data_key = key
        fig = self._data_fig
        fig.renderers = []
        for legend in fig.legend:
            legend.items = []
        self._data_sources, self._fit_sources = {}, {}
        if rec is None:
            return
        t = np.arange(rec.samples) * rec.dt
        step = max(1, -(-rec.samples // DRAWN_POINTS))     # ceil: at most DRAWN_POINTS
        for i, name in enumerate(rec.sweeps):
            if name not in self.session.selected:
                continue
            color = Category10_10[i % 10]
            data = ColumnDataSource({"t": t[::step], "v": rec.traces[i, ::step]},
                                    name=f"fit_data_{i}")
            fitted = ColumnDataSource({"t": [], "v": []}, name=f"fit_best_{i}")
            fig.line("t", "v", source=data, color=color, alpha=0.45, legend_label=name)
            fig.line("t", "v", source=fitted, color=color, line_width=2, line_dash="dashed",
                     legend_label=f"{name} (fit)")
            self._data_sources[name], self._fit_sources[name] = data, fitted

    def _show_fit(self, traces: dict):
        rec = self.session.recording
        if rec is None:
            return
        step = max(1, -(-rec.samples // DRAWN_POINTS))     # ceil: at most DRAWN_POINTS
        for name, trace in traces.items():
            src = self._fit_sources.get(name)
            if src is not None:
                src.data = {"t": np.arange(trace.size)[::step] * rec.dt, "v": trace[::step]}

    def _show_results(self):
        s = self.session
        r = s.result
        done = r is not None
        self._downloads.visible = done
        self._to_models.visible = done and self._open_model is not None
        if not done:
            self._results.object = ""
            return
        self._show_fit(r["traces"])
        rows = ["| parameter | fitted |", "|---|---|"]
        rows += [f"| {k} | {v:.6g} |" for k, v in r["fitted"].items()]
        sweeps = ["| sweep | loss | spikes (data / fit) | largest spike time difference |",
                  "|---|---|---|---|"]
        for k, v in r["loss_per_sweep"].items():
            sp = r["spikes"][k]
            worst = sp["largest_time_difference_ms"]
            worst = "-" if worst is None else f"{worst:.2f} ms"
            sweeps.append(f"| {html.escape(k)} | {v:.4g} | {sp['data']} / {sp['fit']} | "
                          f"{worst} |")
        text = ("#### Result\n" + "\n".join(rows) + "\n\n" + "\n".join(sweeps)
                + f"\n\nloss {r['loss']:.4g} after {r['generations']} generations of "
                  f"{r['popsize']} ({r['method']})")
        if self._example_run:
            truth = ", ".join(f"{k} = {v:g}" for k, v in EXAMPLE_TRUE_VALUES.items())
            text += (f"\n\n**The example was made with {truth}** (and the model's other "
                     "defaults): compare with the fitted values above.")
        self._results.object = text

    # -- results ---------------------------------------------------------------------------------
    def _json_file(self):
        return io.StringIO(self.session.result_json())

    def _model_file(self):
        return io.StringIO(json.dumps(self.session.fitted_spec(), indent=2))

    def _history_file(self):
        return io.StringIO(self.session.history_csv())

    def _open_fitted(self, event=None):
        self._act(lambda: self._open_model(self.session.fitted_spec()))

    def __panel__(self):
        right = pn.Column(self._status, self._progress, self._token,
                          pn.pane.Bokeh(self._data_fig, sizing_mode="stretch_width"),
                          pn.Row(pn.pane.Bokeh(self._loss_fig), self._results),
                          self._downloads, self._to_models, sizing_mode="stretch_width")
        return pn.Row(self._settings, right, sizing_mode="stretch_width")


def _fitted_names(s: FitSession) -> set:
    table = s.parameters
    return set(table[table.fit.astype(bool)].parameter) if table is not None else set()


def _amplitude_frame(s: FitSession):
    import pandas as pd

    sweeps = [] if s.recording is None else list(s.recording.sweeps)
    # typed even when empty: the table's column formats are fixed when it is
    # first drawn (an empty float 'sweep' column would show names as NaN)
    return pd.DataFrame({"sweep": pd.Series(sweeps, dtype=object),
                         "amplitude": pd.Series([s.amplitudes.get(k, 0.0) for k in sweeps],
                                                dtype=float)})


def _float_or_nan(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _data_figure():
    fig = figure(height=330, sizing_mode="stretch_width", x_axis_label="time (ms)",
                 y_axis_label="membrane potential (mV)", tools="pan,wheel_zoom,box_zoom,reset,save",
                 title="Recording (thin) and the best fit so far (dashed)")
    # the legend exists from the start: one added to a figure already shown
    # is not drawn by BokehJS ("cannot find a view for Legend")
    fig.add_layout(Legend(location="top_right", click_policy="hide"), "right")
    return fig


def _loss_figure(source):
    fig = figure(height=260, width=380, y_axis_type="log", x_axis_label="generation",
                 y_axis_label="best loss", title="Best loss per generation",
                 tools="pan,wheel_zoom,reset,save")
    fig.line("gen", "best", source=source, line_width=2)
    fig.scatter("gen", "best", source=source, size=4)
    return fig
