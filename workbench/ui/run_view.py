"""The Run tab: controls of a :class:`RunSession` and its live plots.

The engine runs on the session's worker thread. A periodic callback on the
page reads the session's progress and only the new recordings
(:meth:`RunSession.read_new`) and streams them into Bokeh
``ColumnDataSource``s with a rollover, so a long run keeps the page's
memory flat and the browser receives only new points.

What the page can draw sets the pace (benchmarks/app_live.py): in a browser
without a GPU, drawing an update of three figures takes ~200 ms, and a
server that sends more than that queues minutes of updates ahead of the
answer to a click. So:

- **flow control**: the page acknowledges each update once it has drawn
  it; no data goes out while one is unacknowledged (:data:`ACK_TIMEOUT`),
  and at most every :data:`UPDATE_MS`. A status change (a click's answer)
  goes out at once, whatever the data does;
- an update carries the last window of data only: a run faster than real
  time does not make the page's work grow;
- the raster updates every time; the rates and traces (own x ranges, so
  the raster's moving range does not redraw them) every
  :data:`LINES_EVERY` updates.
"""

from __future__ import annotations

import html
import io
import time

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, CustomJS, DataRange1d, Legend, LegendItem, Range1d
from bokeh.palettes import Category10_10
from bokeh.plotting import figure

from engine import NeuroWorkbenchError
from workbench.errors import WorkbenchError
from workbench.ui.run_session import RunSession

__all__ = ["RunView", "LivePlots", "UPDATE_MS"]

#: how often the page gets new data, at most (10 updates per second)
UPDATE_MS = 100
#: how often the server checks the run's status and the page's acknowledgement
POLL_MS = 25
#: s after which an update the page has not acknowledged counts as lost
ACK_TIMEOUT = 2.0
#: updates sent and not yet acknowledged, at most (2: the next one is on its
#: way while the page draws the last)
IN_FLIGHT = 2
#: the rates and traces are sent with every LINES_EVERY-th raster update
LINES_EVERY = 3
#: points kept per plot source at most (older ones roll out of the browser);
#: a raster keeps about RASTER_WINDOWS windows' worth of its recent spikes,
#: so the browser redraws what is seen and little more
RASTER_WINDOWS = 1.25
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
        # each figure follows its own data (linked ranges would redraw all
        # three at every raster update); a fixed left border keeps the plot
        # areas aligned and spares a relayout when tick labels change width
        def follow():
            return DataRange1d(follow="end", follow_interval=window_ms, range_padding=0.0)
        common = dict(sizing_mode="stretch_width", x_axis_label="t (ms)", min_border_left=70,
                      tools="xpan,xwheel_zoom,reset,save")
        self.raster = figure(height=300, title="Spikes", y_axis_label="neuron", name="raster",
                             x_range=follow(), **common)
        self.rates = figure(height=200, title="Population rates", y_axis_label="rate (Hz)",
                            name="rates", x_range=follow(), **common)
        self.traces = figure(height=220, title="Traces", name="traces", x_range=follow(),
                             **common)
        # legends made once, with the figures (a legend added to a figure that
        # is already on the page has no view in the browser)
        self._rate_legend = Legend(location="top_left", click_policy="hide",
                                   label_text_font_size="8pt")
        self._trace_legend = Legend(location="top_right", click_policy="hide",
                                    label_text_font_size="8pt")
        self.rates.add_layout(self._rate_legend)
        self.traces.add_layout(self._trace_legend, "right")    # up to 5 lines a population
        for fig in (self.raster, self.rates, self.traces):
            fig.xaxis.formatter.use_scientific = False
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
        self._pending_traces: dict[str, list] = {}
        self._rollovers: dict[str, int] = {}

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
            f"Spikes (one neuron in {stride} shown; rates count all)"
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
        traced_ranks = session.traced_ranks
        for name, var in traced.items():
            ranks = traced_ranks[name]
            data = {"t": []} | {f"n{k}": [] for k in range(len(ranks))}
            src = ColumnDataSource(data, name=f"trace_{name}")
            for k, rank in enumerate(ranks):
                self.traces.line("t", f"n{k}", source=src, line_width=1,
                                 color=Category10_10[palette_i % 10],
                                 )
                trace_items.append(LegendItem(label=f"{name}[{rank}].{var}",
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
        self._pending_traces = {}
        self._rollovers = {}

    # -- new data ---------------------------------------------------------------------
    def push(self, new, lines: bool = True) -> int:
        """Stream ``new`` (a :class:`NewData`); returns the points sent.

        The raster gets its new spikes at once; the rates and traces only
        when ``lines`` (their data waits until then). Records more than a
        window older than the newest are not sent: they would scroll out of
        view at once.
        """
        if new.generation != self.generation:
            self.generation = new.generation
            self.clear()
        sent = 0
        newest = max([new.complete_until]
                     + [float(t[-1]) for t, _ in new.spikes.values() if t.size]
                     + [float(t[-1]) for t, _ in new.traces.values() if t.size])
        shown_from = newest - self.window
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
            if t.size and t[0] < shown_from:
                visible = t >= shown_from
                t, ranks = t[visible], ranks[visible]
            if t.size:
                keep = int(RASTER_WINDOWS * self.window * self._shown_per_ms.get(name, 0.0))
                self._stream(self.raster_sources[name], {"t": t, "y": ranks + self._offsets[name]},
                             min(RASTER_ROLLOVER, max(RASTER_MIN_ROLLOVER, keep)))
                sent += t.size
        self._last_until = max(self._last_until, new.complete_until)
        for name, (t, values) in new.traces.items():
            if name in self.trace_sources and t.size:
                self._pending_traces.setdefault(name, []).append((t, values))
        if lines:
            sent += self._push_rates(new.complete_until)
            sent += self._push_traces(shown_from)
        self.points_streamed += sent
        return sent

    def _push_traces(self, shown_from: float) -> int:
        sent = 0
        for name, parts in self._pending_traces.items():
            t = np.concatenate([p[0] for p in parts])
            values = np.concatenate([p[1] for p in parts])
            span = max(float(t[-1] - t[0]), 1e-9) if t.size > 1 else 1.0
            per_ms = t.size / span if t.size > 1 else 1.0
            if t[0] < shown_from:
                visible = t >= shown_from
                t, values = t[visible], values[visible]
            if not t.size:
                continue
            data = {"t": t} | {f"n{k}": values[:, k] for k in range(values.shape[1])}
            keep = int(KEEP_WINDOWS * self.window * per_ms) + 1
            self._stream(self.trace_sources[name], data, max(100, min(LINE_ROLLOVER, keep)))
            sent += t.size * values.shape[1]
        self._pending_traces = {}
        return sent

    def _stream(self, source, data, rollover: int) -> None:
        """``source.stream(data, rollover)`` with a rollover that never
        shrinks: BokehJS (3.9) rolls a typed-array column over in place and
        keeps its length, so a smaller rollover than the last one leaves
        stale points at the end (a raster that stops moving, lines drawn
        back across a trace)."""
        rollover = max(rollover, self._rollovers.get(source.name, 0))
        self._rollovers[source.name] = rollover
        source.stream(data, rollover=rollover)

    def _push_rates(self, until: float) -> int:
        first = int(self._rate_until // RATE_BIN_MS)
        last = int(until // RATE_BIN_MS)          # bins [first, last) are complete
        if last <= first:
            return 0
        shown = max(first, last - int(KEEP_WINDOWS * self.window / RATE_BIN_MS))
        t = (np.arange(shown, last) + 0.5) * RATE_BIN_MS
        for name, src in self.rate_sources.items():
            bins = self._bins[name]
            for i in range(first, shown):           # out of view already
                bins.pop(i, None)
            counts = np.array([bins.pop(i, 0) for i in range(shown, last)], dtype=float)
            src.stream({"t": t, "rate": counts * 1000.0 / RATE_BIN_MS / self._sizes[name]},
                       rollover=int(KEEP_WINDOWS * self.window / RATE_BIN_MS))
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
        self._ranks = pn.widgets.TextInput.from_param(
            s.param.trace_ranks, label="or these ranks", width=120, placeholder="0, 7, 20-24",
            description="Trace these neurons of each population instead of the first N, "
                        "e.g. 0, 7, 20-24 (at most 50; applies at the next Build & compile)")
        self._progress = pn.indicators.Progress(value=0, max=1000, width=300, bar_color="info")
        self._status = pn.pane.HTML("", margin=(5, 5), sizing_mode="stretch_width",
                                    name="status", stylesheets=[_STATUS_CSS])
        self.status_kind = "secondary"
        self._clock = pn.pane.Markdown("", name="clock", margin=(5, 10), width=300, height=28)
        self._change_pop = pn.widgets.Select(label="Population or projection", width=180)
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
        self._kept = pn.pane.Markdown("", margin=(5, 10))
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
        # flow control: the page acknowledges each update once it has drawn
        # it (raster.tags carries the update's number; the page copies it to
        # rates.tags after the next animation frame)
        self._sent, self._acked, self._sent_at, self._updates = 0, 0, 0.0, 0
        self.plots.raster.js_on_change("tags", CustomJS(args=dict(ack=self.plots.rates), code="""
            const seq = cb_obj.tags.length ? cb_obj.tags[0] : 0;
            requestAnimationFrame(() => setTimeout(() => { ack.tags = [seq]; }, 0));
        """))
        self.plots.rates.on_change("tags", self._on_ack)
        self._refresh()

    # -- actions ---------------------------------------------------------------------------
    def _act(self, action):
        try:
            action()
        except (WorkbenchError, NeuroWorkbenchError) as exc:
            self._show_status("error", str(exc))
            return
        self._ensure_updates()
        with pn.io.hold():            # one message: the page lays out once
            self._refresh()

    def _on_compile(self, event=None):
        """Build, load and compile on the session's worker thread; the new
        plots are laid out by :meth:`update` when the network is loaded."""
        if self._build is None:
            self._show_status("error", "no network to build")
            return
        self._act(lambda: self.session.build_and_compile(self._build))

    def _pop_chosen(self, event):
        self._show_parameters(event.new)

    def _changeable(self) -> dict:
        """The change card's first list: populations, then projections (their
        weight scale), labelled so that equal names stay apart."""
        built = self.session._built
        if built is None:
            return {}
        out = {name: name for name in built.populations}
        out |= {f"{name} (projection)": _PROJECTION + name for name in self.session.projections}
        return out

    def _show_parameters(self, target):
        built = self.session._built
        if built is not None and target and target.startswith(_PROJECTION):
            self._change_attr.options = [WEIGHT_SCALE]
            self._show_value(WEIGHT_SCALE)
            return
        if built is None or target not in built.populations:
            self._change_attr.options = []
            return
        self._change_attr.options = list(built.populations[target].parameters)

    def _attr_chosen(self, event):
        self._show_value(event.new)

    def _show_value(self, attr):
        built = self.session._built
        target = self._change_pop.value
        if built is None or not attr or not target:
            return
        if target.startswith(_PROJECTION):
            self._change_value.value = self.session.weight_scale(target[len(_PROJECTION):])
            return
        value = np.asarray(getattr(built.populations[target], attr))
        self._change_value.value = float(value.flat[0]) if value.size else 0.0

    def _apply_change(self, event):
        target, attr, value = self._change_pop.value, self._change_attr.value, \
            self._change_value.value
        try:
            if target and target.startswith(_PROJECTION):
                target = target[len(_PROJECTION):]
                self.session.scale_weights(target, value)
                attr = "weights"
                value_text = f"x {value:g} of those built"
            else:
                self.session.set_value(target, attr, value)
                value_text = f"= {value:g}"
        except (WorkbenchError, NeuroWorkbenchError) as exc:
            self._change_msg.object = f"**not set:** {html.escape(str(exc))}"
            return
        when = "at the next chunk" if self.session.status == "running" else "now"
        self._change_msg.object = f"{target}.{attr} {value_text} ({when})"

    # -- the periodic update ---------------------------------------------------------------
    def _ensure_updates(self):
        if self._callback is None or not self._callback.running:
            self._callback = pn.state.add_periodic_callback(self.update, period=POLL_MS)

    def _on_ack(self, attr, old, new):
        self._acked = int(new[0]) if new else 0

    def _page_ready(self, now: float) -> bool:
        """May the next data update go out? (UPDATE_MS since the last one,
        and the page has drawn it, or ACK_TIMEOUT has passed.)"""
        if now - self._sent_at < UPDATE_MS / 1000:
            return False
        return self._acked >= self._sent - IN_FLIGHT + 1 or now - self._sent_at >= ACK_TIMEOUT

    def update(self) -> None:
        """Status at every poll; progress and new recordings when the page
        is ready for them (UI thread, every POLL_MS)."""
        s = self.session
        # idle first: once the worker has ended, every value it wrote is
        # final, so the status shown below is the last one (the callback stops)
        idle = not s.busy and s.status != "running"
        self._refresh_status()
        now = time.monotonic()
        if not idle and not self._page_ready(now):
            return
        if s.generation != self._layout_generation and s._built is not None:
            # a new layout goes out alone; its data follows at the next update
            # (sent together, new sources could receive their first points twice)
            self.plots.setup(s)
            self._layout_generation = s.generation
            self._change_pop.options = self._changeable()
            self._show_parameters(self._change_pop.value)
            self._refresh_progress()
            self._request_ack(now)
        elif s._built is not None and s.network.compiled:
            self._updates += 1
            new = s.read_new()
            with pn.io.hold():            # one message, one redraw in the page
                self.plots.push(new, lines=idle or self._updates % LINES_EVERY == 0)
                self._refresh_progress()
                self._request_ack(now)
        else:
            self._refresh_progress()
        # in a notebook, changes of Bokeh models (streams, tags) stay on the
        # document's hold until something pushes it: a Panel change does, but
        # the last update of a run may have none (its status went out already)
        pn.io.push_notebook(self._status)
        if idle and self._callback is not None:
            self._callback.stop()

    def _request_ack(self, now: float) -> None:
        self._sent += 1                   # last: the page acknowledges all of the above
        self._sent_at = now
        self.plots.raster.tags = [self._sent]

    def _refresh(self):
        self._refresh_status()
        self._refresh_progress()

    def _refresh_progress(self):
        s = self.session
        if s.status == "compiling" and s.compile_total:
            self._progress.value = int(1000 * s.compile_done / s.compile_total)
        elif s.end_time > 0:
            self._progress.value = int(min(1000, 1000 * s.sim_time / s.end_time))
        else:
            self._progress.value = 0
        self._clock.object = (f"**t = {_clock(s.sim_time)}** &nbsp; {s.speed:.2f}x real time"
                              if s.status in ("running", "paused", "finished") else "")
        if s.status != "running":
            self._kept.object = _kept_text(s)

    def _show_status(self, status: str, message: str) -> None:
        self.status_kind = {"error": "danger", "running": "info", "compiling": "info",
                            "finished": "success", "ready": "success"}.get(status, "secondary")
        self._status.object = _status_html(status, message, _STATUS_COLORS.get(status, "#6c757d"))

    def _refresh_status(self):
        """The status line and the buttons (a click's answer): cheap, and
        sent only when something changed."""
        s = self.session
        busy, status = s.busy, s.status         # read once: the worker may change them
        self._show_status(status, s.message)
        self._compile.disabled = busy
        self._run.disabled = busy or status not in ("ready", "paused", "finished")
        self._pause.disabled = status != "running"
        self._stop.disabled = status not in ("running", "paused")
        self._reset.disabled = busy or status in ("empty", "compiling")

    def __panel__(self):
        controls = pn.Row(self._compile, self._traced, self._ranks, self._duration, self._run, self._pause, self._stop,
                          self._reset, pn.Column(self._progress, self._clock),
                          sizing_mode="stretch_width")
        change = pn.Card(pn.Row(self._change_pop, self._change_attr, self._change_value,
                                self._change_apply), self._change_msg,
                         title="Change a parameter or a weight scale (applies at the next chunk)",
                         collapsed=False, sizing_mode="stretch_width")
        downloads = pn.Row(self._download_npz, self._download_csv, self._kept)
        return pn.Column(controls, self._status, change,
                         pn.pane.Bokeh(self.plots.raster, sizing_mode="stretch_width"),
                         pn.pane.Bokeh(self.plots.rates, sizing_mode="stretch_width"),
                         pn.pane.Bokeh(self.plots.traces, sizing_mode="stretch_width"),
                         downloads, sizing_mode="stretch_width")


#: the change card's name for a projection's weight scale
WEIGHT_SCALE = "weight scale"
_PROJECTION = "projection:"

#: colours of the status badge, by the session's status
_STATUS_COLORS = {"error": "#c9302c", "running": "#2a7ab0", "compiling": "#2a7ab0",
                  "finished": "#3c8d40", "ready": "#3c8d40", "paused": "#6c757d",
                  "empty": "#6c757d"}


_STATUS_CSS = """
.nwb-status { padding: 6px 10px; border: 1px solid #ddd; border-left: 6px solid; border-radius: 4px; }
.nwb-badge { color: white; border-radius: 3px; padding: 1px 7px; margin-right: 8px; font-size: 90%; }
"""


def _status_html(status: str, message: str, color: str) -> str:
    """The status line: a coloured badge and the message. Only the text of
    one HTML pane changes with the status: changing an Alert's type (a CSS
    class) makes the page re-style and lay out everything, ~250 ms with three
    figures and no GPU (benchmarks/app_live.py), and would delay the answer
    to every click."""
    return (f'<div class="nwb-status" style="border-left-color:{color}">'
            f'<span class="nwb-badge" style="background:{color}">{html.escape(status)}</span>'
            f'{html.escape(message)}</div>')


def _clock(ms: float) -> str:
    """A run's time in ms, thousands separated (an hour of simulated time
    reads 3,600,000.0 ms)."""
    return f"{ms:,.1f} ms"


def _kept_text(session: RunSession) -> str:
    """What the downloads hold, when the session had to drop the oldest."""
    if session.kept_from <= 0:
        return ""
    return (f"Recordings from t = {_clock(session.kept_from)} on (older ones dropped to "
            f"stay under {session.keep_mb:g} MB)")
