"""The Run tab: controls of a :class:`RunSession` and its live plots.

The engine runs on the session's worker thread. A periodic callback on the
page (every :data:`UPDATE_MS`) reads the session's progress and only the
new recordings (:meth:`RunSession.read_new`) and streams them into Bokeh
``ColumnDataSource``s with a rollover, so a long run keeps the page's
memory flat and the browser receives only new points.
"""

from __future__ import annotations

import io

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Legend, LegendItem, Range1d
from bokeh.palettes import Category10_10
from bokeh.plotting import figure

from engine import NeuroWorkbenchError
from workbench.errors import WorkbenchError
from workbench.ui.run_session import RunSession

__all__ = ["RunView", "LivePlots", "UPDATE_MS"]

#: how often the page pulls new data (10 updates per second)
UPDATE_MS = 100
#: points kept per plot source at most (older ones roll out of the browser);
#: a raster keeps about two windows' worth of its recent spikes, fewer when
#: they are dense, so the browser redraws what is seen and little more
RASTER_ROLLOVER = 50_000
RASTER_MIN_ROLLOVER = 2_000
#: neurons a raster draws at most (every k-th neuron above this)
RASTER_NEURONS = 500
LINE_ROLLOVER = 20_000
#: windows of line data kept (a trace keeps about 2 windows of its records)
KEEP_WINDOWS = 2.0
#: width of the population-rate bins (ms)
RATE_BIN_MS = 10.0
#: the time window the plots follow (ms)
WINDOW_MS = 1000.0


class LivePlots:
    """Raster, population rates and traces, fed with :class:`NewData`."""

    def __init__(self, window_ms: float = WINDOW_MS):
        self.window = window_ms
        self.raster_sources: dict[str, ColumnDataSource] = {}
        self.rate_sources: dict[str, ColumnDataSource] = {}
        self.trace_sources: dict[str, ColumnDataSource] = {}
        self.raster = figure(height=300, sizing_mode="stretch_width", title="Spikes",
                             x_axis_label="t (ms)", y_axis_label="neuron",
                             tools="xpan,xwheel_zoom,reset,save", name="raster")
        self.rates = figure(height=200, sizing_mode="stretch_width", title="Population rates",
                            x_axis_label="t (ms)", y_axis_label="rate (Hz)",
                            tools="xpan,xwheel_zoom,reset,save", name="rates",
                            x_range=self.raster.x_range)
        self.traces = figure(height=220, sizing_mode="stretch_width", title="Traces",
                             x_axis_label="t (ms)", tools="xpan,xwheel_zoom,reset,save",
                             name="traces", x_range=self.raster.x_range)
        # legends made once, with the figures (a legend added to a figure that
        # is already on the page has no view in the browser)
        self._rate_legend = Legend(location="top_left", click_policy="hide",
                                   label_text_font_size="8pt")
        self._trace_legend = Legend(location="top_left", click_policy="hide",
                                    label_text_font_size="8pt")
        self.rates.add_layout(self._rate_legend)
        self.traces.add_layout(self._trace_legend)
        self.raster.x_range.follow = "end"
        self.raster.x_range.follow_interval = window_ms
        self.raster.x_range.range_padding = 0.0
        self._offsets: dict[str, int] = {}
        self._colors: dict[str, str] = {}
        self._bins: dict[str, dict[int, int]] = {}
        self._sizes: dict[str, int] = {}
        self._strides: dict[str, int] = {}
        self._rate_until = 0.0
        self.generation = None
        self.points_streamed = 0
        self._shown_per_ms: dict[str, float] = {}
        self._last_until = 0.0

    # -- layout of a new network ---------------------------------------------------------
    def setup(self, session: RunSession) -> None:
        """Sources and glyphs for the session's populations (after a load)."""
        built = session._built
        pops = built.populations if built is not None else {}
        self._offsets, self._colors, self._sizes, self._strides = {}, {}, {}, {}
        spiking = [n for n in pops if n in session.spiking]
        total = sum(pops[n].size for n in spiking)
        # a raster cannot show more neurons than it has pixel rows: above
        # RASTER_NEURONS, every k-th neuron is drawn (rates use every spike)
        stride = max(1, -(-total // RASTER_NEURONS))
        self.raster.renderers = []
        self.raster_sources = {}
        offset = 0
        for i, name in enumerate(spiking):
            self._offsets[name] = offset
            self._sizes[name] = pops[name].size
            self._strides[name] = stride
            self._colors[name] = Category10_10[i % 10]
            src = ColumnDataSource({"t": [], "y": []}, name=f"raster_{name}")
            self.raster.scatter("t", "y", source=src, color=self._colors[name], size=2,
                                marker="square", line_alpha=0)
            self.raster_sources[name] = src
            offset += -(-pops[name].size // stride)
        self.raster.title.text = "Spikes" if stride == 1 else \
            f"Spikes (every {stride}th neuron shown; rates count all)"
        self.raster.yaxis.axis_label = "neuron" if stride == 1 else f"neuron / {stride}"
        self.raster.y_range = Range1d(-0.5, max(offset, 1) - 0.5)
        self.raster.yaxis.major_label_overrides = {}
        self.raster.yaxis.ticker = [self._offsets[n] for n in self._offsets] or [0]
        self.raster.yaxis.major_label_overrides = {v: k for k, v in self._offsets.items()}
        self.rates.renderers = []
        self.rate_sources = {}
        rate_items, trace_items = [], []
        for name, color in self._colors.items():
            src = ColumnDataSource({"t": [], "rate": []}, name=f"rate_{name}")
            r = self.rates.line("t", "rate", source=src, color=color)
            rate_items.append(LegendItem(label=name, renderers=[r]))
            self.rate_sources[name] = src
        self.traces.renderers = []
        self.trace_sources = {}
        traced = session.traced
        self.traces.yaxis.axis_label = ", ".join(sorted(set(traced.values())))
        palette_i = 0
        for name, var in traced.items():
            n = min(session.trace_neurons, pops[name].size)
            data = {"t": []} | {f"n{k}": [] for k in range(n)}
            src = ColumnDataSource(data, name=f"trace_{name}")
            for k in range(n):
                self.traces.line("t", f"n{k}", source=src, line_width=1,
                                 color=Category10_10[palette_i % 10],
                                 )
                trace_items.append(LegendItem(label=f"{name}[{k}].{var}",
                                              renderers=[self.traces.renderers[-1]]))
                palette_i += 1
            self.trace_sources[name] = src
        self._rate_legend.items = rate_items
        self._trace_legend.items = trace_items
        self.clear()

    def clear(self) -> None:
        for src in self.raster_sources.values():
            src.data = {"t": [], "y": []}
        for src in self.rate_sources.values():
            src.data = {"t": [], "rate": []}
        for src in self.trace_sources.values():
            src.data = {k: [] for k in src.data}
        self._bins = {name: {} for name in self._offsets}
        self._rate_until = 0.0
        self._shown_per_ms = {name: 0.0 for name in self._offsets}
        self._last_until = 0.0

    # -- new data ---------------------------------------------------------------------
    def push(self, new) -> int:
        """Stream ``new`` (a :class:`NewData`); returns the points sent."""
        if new.generation != self.generation:
            self.generation = new.generation
            self.clear()
        sent = 0
        for name, (t, ranks) in new.spikes.items():
            if name not in self._offsets or not t.size:
                continue
            bins = self._bins[name]
            idx, counts = np.unique((t // RATE_BIN_MS).astype(np.int64), return_counts=True)
            for i, c in zip(idx.tolist(), counts.tolist()):
                bins[i] = bins.get(i, 0) + c
            stride = self._strides[name]
            if stride > 1:
                keep = ranks % stride == 0
                t, ranks = t[keep], ranks[keep] // stride
            span = new.complete_until - self._last_until
            if span > 0:
                rate = t.size / span
                self._shown_per_ms[name] = rate if not self._shown_per_ms.get(name) else \
                    0.8 * self._shown_per_ms[name] + 0.2 * rate
            if t.size:
                keep = int(2 * self.window * self._shown_per_ms.get(name, 0.0))
                self.raster_sources[name].stream(
                    {"t": t, "y": ranks + self._offsets[name]},
                    rollover=min(RASTER_ROLLOVER, max(RASTER_MIN_ROLLOVER, keep)))
                sent += t.size
        self._last_until = max(self._last_until, new.complete_until)
        sent += self._push_rates(new.complete_until)
        for name, (t, values) in new.traces.items():
            src = self.trace_sources.get(name)
            if src is None or not t.size:
                continue
            data = {"t": t} | {f"n{k}": values[:, k] for k in range(values.shape[1])}
            span = max(float(t[-1] - t[0]), 1e-9) if t.size > 1 else 1.0
            per_ms = t.size / span if t.size > 1 else 1.0
            keep = int(KEEP_WINDOWS * self.window * per_ms) + 1
            src.stream(data, rollover=max(100, min(LINE_ROLLOVER, keep)))
            sent += t.size * values.shape[1]
        self.points_streamed += sent
        return sent

    def _push_rates(self, until: float) -> int:
        first = int(self._rate_until // RATE_BIN_MS)
        last = int(until // RATE_BIN_MS)          # bins [first, last) are complete
        if last <= first:
            return 0
        t = (np.arange(first, last) + 0.5) * RATE_BIN_MS
        for name, src in self.rate_sources.items():
            bins = self._bins[name]
            counts = np.array([bins.pop(i, 0) for i in range(first, last)], dtype=float)
            src.stream({"t": t, "rate": counts * 1000.0 / RATE_BIN_MS / self._sizes[name]},
                       rollover=LINE_ROLLOVER)
        self._rate_until = last * RATE_BIN_MS
        return t.size * len(self.rate_sources)


class RunView(pn.viewable.Viewer):
    """Compile / Run / Pause / Stop / Reset, progress, changes during a run,
    live plots and downloads."""

    session = param.ClassSelector(class_=RunSession)

    def __init__(self, session: RunSession | None = None, build=None, **params):
        """``build``: a callable returning ``(built, schedule)`` for
        :meth:`RunSession.load` (the Network tab's current network)."""
        super().__init__(session=session or RunSession(), **params)
        self._build = build
        s = self.session
        self.plots = LivePlots()
        self._compile = pn.widgets.Button(label="Build & compile", color="primary",
                                          width=140)
        self._run = pn.widgets.Button(label="Run", color="success", width=80)
        self._pause = pn.widgets.Button(label="Pause", width=80)
        self._stop = pn.widgets.Button(label="Stop", color="warning", width=80)
        self._reset = pn.widgets.Button(label="Reset", width=80)
        self._duration = pn.widgets.FloatInput.from_param(s.param.duration, label="Duration (ms)",
                                                          width=130, step=100.0)
        self._traced = pn.widgets.IntInput.from_param(
            s.param.trace_neurons, label="Traced neurons", width=110,
            description="Membrane traces of the first N neurons of each population "
                        "(applies at the next Build & compile)")
        self._progress = pn.indicators.Progress(value=0, max=1000, width=300, bar_color="info")
        self._status = pn.pane.Alert(s.message, alert_type="secondary", margin=(5, 5),
                                     sizing_mode="stretch_width")
        self._clock = pn.pane.Markdown("", name="clock", margin=(5, 10), width=300, height=28)
        self._change_pop = pn.widgets.Select(label="Population", width=140)
        self._change_attr = pn.widgets.Select(label="Parameter", width=140)
        self._change_value = pn.widgets.FloatInput(label="Value", width=110)
        self._change_apply = pn.widgets.Button(label="Set", width=60, align="end")
        self._change_msg = pn.pane.Markdown("", margin=(5, 10))
        self._download_npz = pn.widgets.FileDownload(
            callback=lambda: io.BytesIO(self.session.recordings_npz()),
            filename="recordings.npz", label="Recordings (.npz)", width=170)
        self._download_csv = pn.widgets.FileDownload(
            callback=lambda: io.StringIO(self.session.spikes_csv()),
            filename="spikes.csv", label="Spikes (.csv)", width=140)
        self._compile.on_click(self._on_compile)
        self._run.on_click(lambda e: self._act(self.session.run))
        self._pause.on_click(lambda e: self._act(self.session.pause))
        self._stop.on_click(lambda e: self._act(self.session.stop))
        self._reset.on_click(lambda e: self._act(self.session.reset))
        self._change_pop.param.watch(self._pop_chosen, "value")
        self._change_attr.param.watch(self._attr_chosen, "value")
        self._change_apply.on_click(self._apply_change)
        self._callback = None
        self._layout_generation = None
        self._refresh()

    # -- actions ---------------------------------------------------------------------------
    def _act(self, action):
        try:
            action()
        except (WorkbenchError, NeuroWorkbenchError) as exc:
            self._status.object, self._status.alert_type = str(exc), "danger"
            return
        self._ensure_updates()
        self._refresh()

    def _on_compile(self, event=None):
        if self._build is None:
            self._status.object = "no network to build"
            return
        try:
            built, schedule = self._build()
            self.session.load(built, schedule)
            self.session.compile()
        except (WorkbenchError, NeuroWorkbenchError, ValueError) as exc:
            self._status.object, self._status.alert_type = f"cannot build: {exc}", "danger"
            return
        self.plots.setup(self.session)
        self._layout_generation = self.session.generation
        self._change_pop.options = list(self.session._built.populations)
        self._ensure_updates()
        self._refresh()

    def _pop_chosen(self, event):
        built = self.session._built
        if built is None or event.new not in built.populations:
            self._change_attr.options = []
            return
        self._change_attr.options = list(built.populations[event.new].parameters)

    def _attr_chosen(self, event):
        built = self.session._built
        if built is None or not event.new:
            return
        value = np.asarray(getattr(built.populations[self._change_pop.value], event.new))
        self._change_value.value = float(value.flat[0]) if value.size else 0.0

    def _apply_change(self, event):
        try:
            self.session.set_value(self._change_pop.value, self._change_attr.value,
                                   self._change_value.value)
        except (WorkbenchError, NeuroWorkbenchError) as exc:
            self._change_msg.object = f"**not set:** {exc}"
            return
        when = "at the next chunk" if self.session.status == "running" else "now"
        self._change_msg.object = (f"{self._change_pop.value}.{self._change_attr.value} = "
                                   f"{self._change_value.value:g} ({when})")

    # -- the periodic update ---------------------------------------------------------------
    def _ensure_updates(self):
        if self._callback is None or not self._callback.running:
            self._callback = pn.state.add_periodic_callback(self.update, period=UPDATE_MS)

    def update(self) -> None:
        """Pull progress and new recordings (UI thread, every UPDATE_MS)."""
        s = self.session
        if s.generation != self._layout_generation and s._built is not None:
            # a new layout goes out alone; its data follows at the next tick
            # (sent together, new sources could receive their first points twice)
            self.plots.setup(s)
            self._layout_generation = s.generation
            self._change_pop.options = list(s._built.populations)
            self._refresh()
            return
        # (not under pn.io.hold(): Bokeh's document lock paces the updates
        # to what the page can take; benchmarks/app_live.py)
        if s._built is not None and s.network.compiled:
            self.plots.push(s.read_new())
        self._refresh()
        if not s.busy and self._callback is not None and s.status != "running":
            self._callback.stop()

    def _refresh(self):
        s = self.session
        kind = {"error": "danger", "running": "info", "compiling": "info",
                "finished": "success", "ready": "success"}.get(s.status, "secondary")
        self._status.object, self._status.alert_type = s.message, kind
        if s.status == "compiling" and s.compile_total:
            self._progress.value = int(1000 * s.compile_done / s.compile_total)
        elif s.end_time > 0:
            self._progress.value = int(min(1000, 1000 * s.sim_time / s.end_time))
        else:
            self._progress.value = 0
        self._clock.object = (f"**t = {s.sim_time:,.1f} ms** &nbsp; {s.speed:.2f}x real time"
                              if s.status in ("running", "paused", "finished") else "")
        busy = s.busy
        self._compile.disabled = busy
        self._run.disabled = busy or s.status not in ("ready", "paused", "finished")
        self._pause.disabled = s.status != "running"
        self._stop.disabled = s.status not in ("running", "paused")
        self._reset.disabled = busy or s.status in ("empty", "compiling")

    def __panel__(self):
        controls = pn.Row(self._compile, self._traced, self._duration, self._run, self._pause, self._stop,
                          self._reset, pn.Column(self._progress, self._clock),
                          sizing_mode="stretch_width")
        change = pn.Card(pn.Row(self._change_pop, self._change_attr, self._change_value,
                                self._change_apply), self._change_msg,
                         title="Change a parameter (applies at the next chunk)",
                         collapsed=False, sizing_mode="stretch_width")
        downloads = pn.Row(self._download_npz, self._download_csv)
        return pn.Column(controls, self._status, change,
                         pn.pane.Bokeh(self.plots.raster, sizing_mode="stretch_width"),
                         pn.pane.Bokeh(self.plots.rates, sizing_mode="stretch_width"),
                         pn.pane.Bokeh(self.plots.traces, sizing_mode="stretch_width"),
                         downloads, sizing_mode="stretch_width")
