""""Try it": one neuron model under a current protocol, and its f-I curve.

:class:`TryNeuron` holds the settings and the results (plain ``param``, tested
without a browser); :class:`TryNeuronView` shows them (Panel and Bokeh).

The *input* is one parameter of the model that acts as an injected current
(``i_offset`` of the built-in models, ``I`` of a user's LIF...). A run
simulates one neuron:

- **step**: the input is ``baseline``, then ``amplitude`` from ``start`` to
  ``stop`` (exact to the step: the network runs up to ``start``, the input is
  set, it runs up to ``stop``, the input is set back);
- **ramp**: the input rises from ``baseline`` to ``amplitude`` over the whole
  ``duration``, as a staircase of ``ramp_step`` ms (at most
  ``MAX_RAMP_SEGMENTS`` stairs; each stair holds the ramp's value at its
  middle). ``start``/``stop`` apply to the step only.

The **f-I curve** is one run of ``fi_points`` neurons, each with a constant
input between ``fi_min`` and ``fi_max``: the rate of a neuron is its number
of spikes in ``[fi_transient, fi_duration)`` divided by that window (Hz). A
rate-coded model has no spikes: its curve is ``r`` at the end of the run (its
steady state when ``fi_duration`` is long enough). An input declared
``: population`` is one value per population (the engine refuses one value
per neuron): the f-I run then has one population of one neuron per input.

``values`` overrides parameters after ``net.reset()``; initial values the
engine computed from a parameter when the network was built (``init = v_rest``)
keep the model's value.

Compiled networks are kept and reused while only values change (``net.reset()``
and new values, no new compile); a new network is built when the model's
equations, ``dt``, ``seed`` or the f-I size change (kernels stay cached by
content, so even that costs milliseconds after the first compile of a model).

Timing follows the engine's monitors (``docs/model_language.md``, timing
conventions): a trace row at ``t`` is the state at the end of the step that
starts at ``t``; a spike at ``t`` happened in that step.

Errors a user can cause (a model that blows up, a value of the wrong type,
settings out of range) end in ``message`` (``error`` is then True), never in
an exception out of :meth:`TryNeuron.run` or :meth:`TryNeuron.run_fi`.
"""

from __future__ import annotations

import re
import time

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

from engine import Network, Neuron
from engine.errors import NeuroWorkbenchError
from workbench.ui.document import in_document

__all__ = ["TryNeuron", "TryNeuronView", "guess_input", "MAX_DURATION", "MAX_FI_POINTS",
           "MAX_RAMP_SEGMENTS"]

#: the longest run (ms) "Try it" accepts: longer runs belong in a network
MAX_DURATION = 10_000.0
#: the most neurons of one f-I curve
MAX_FI_POINTS = 50
#: the most stairs of a ramp (each costs one return to Python, ~0.3 ms)
MAX_RAMP_SEGMENTS = 100
#: the most steps of one run (memory of the recorded traces)
MAX_STEPS = 1_000_000

# names an input current usually has, best first (exact, case-sensitive)
_INPUT_NAMES = ("i_offset", "I_ext", "Iext", "I_app", "Iapp", "I_inj", "I_stim", "I_input",
                "I", "i_ext", "i_app", "I0", "baseline", "B")
# then any name like these, whatever the case (I_extra, i_stim2...)
_INPUT_PATTERN = re.compile(r"^i_?(offset|ext|app|inj|stim|input|dc)", re.IGNORECASE)


def guess_input(model: Neuron | None) -> str | None:
    """The parameter of ``model`` most likely to be its input current.

    A usual name (``i_offset``, ``I_ext``, ``I``, ``I_app``...), else the
    first float parameter, else the first parameter, else ``None``.
    """
    if model is None:
        return None
    params = model.ir.parameters
    names = [p.name for p in params]
    for name in _INPUT_NAMES:
        if name in names:
            return name
    for name in names:
        if _INPUT_PATTERN.match(name):
            return name
    floats = [p.name for p in params if p.dtype == "float"]
    return (floats or names or [None])[0]


class _Bench:
    """A compiled network of ``size`` neurons of one model, kept for reuse.

    ``per_population``: one population of one neuron each (for an input that
    is one value per population, which the engine refuses to set per neuron).
    """

    def __init__(self, key, model, dt, seed, size, record, per_population):
        self.key = key
        self.net = Network(dt=dt, seed=seed)
        counts = [1] * size if per_population else [size]
        self.pops = [self.net.create(n, model) for n in counts]
        self.monitors = [self.net.monitor(p, record) for p in self.pops] if record else []
        self.net.compile()

    def set(self, name, value, per_neuron=False) -> None:
        """Set ``name`` to ``value`` in every neuron, or (``per_neuron``) to
        ``value[i]`` in neuron ``i``."""
        if per_neuron and len(self.pops) > 1:
            for pop, v in zip(self.pops, value, strict=True):
                pop.set({name: v})
        else:
            for pop in self.pops:
                pop.set({name: value})


class TryNeuron(param.Parameterized):
    """One neuron model under a current protocol, and its f-I curve."""

    model = param.ClassSelector(class_=Neuron, default=None, allow_None=True,
                                doc="The neuron model (an instance: Izhikevich(), not "
                                    "Izhikevich); see also use().")
    input_name = param.Selector(default=None, objects=[], allow_None=True, check_on_set=True,
                                doc="The parameter that acts as the injected current.")
    protocol = param.Selector(default="step", objects=["step", "ramp"],
                              doc="A current step, or a ramp over the whole run.")
    amplitude = param.Number(default=1.0, softbounds=(-10.0, 50.0),
                             doc="Input during the step (or at the end of the ramp).")
    baseline = param.Number(default=0.0, softbounds=(-10.0, 10.0),
                            doc="Input outside the step (and at the start of the ramp).")
    start = param.Number(default=100.0, softbounds=(0.0, MAX_DURATION),
                         doc="When the step starts (ms).")
    stop = param.Number(default=900.0, softbounds=(0.0, MAX_DURATION),
                        doc="When the step ends (ms); cut at the duration.")
    duration = param.Number(default=1000.0, softbounds=(1.0, MAX_DURATION),
                            doc=f"Length of the run (ms), at most {MAX_DURATION:g}.")
    dt = param.Number(default=0.1, softbounds=(0.001, 1.0), doc="Step size (ms).")
    ramp_step = param.Number(default=1.0, softbounds=(0.01, 100.0),
                             doc="Width of a stair of the ramp (ms), at least "
                                 f"duration / {MAX_RAMP_SEGMENTS}.")
    seed = param.Integer(default=1, doc="Seed of the model's random draws (noise).")
    values = param.Dict(default={}, doc="Parameter overrides, name -> number.")
    fi_min = param.Number(default=0.0, doc="Smallest input of the f-I curve.")
    fi_max = param.Number(default=5.0, doc="Largest input of the f-I curve.")
    fi_points = param.Integer(default=21, softbounds=(2, MAX_FI_POINTS),
                              doc=f"Inputs of the f-I curve (2 to {MAX_FI_POINTS}).")
    fi_duration = param.Number(default=1000.0, softbounds=(10.0, MAX_DURATION),
                               doc="Length of the f-I run (ms).")
    fi_transient = param.Number(default=100.0, softbounds=(0.0, 1000.0),
                                doc="Spikes before this time (ms) are not counted.")

    trace = param.Dict(default={}, constant=True,
                       doc="'t' (ms), one array per recorded variable, and the input.")
    spike_times = param.Array(default=np.zeros(0), constant=True, doc="Spike times (ms).")
    fi = param.Dict(default={}, constant=True, doc="'current' and 'rate' arrays.")
    fi_label = param.String(default="", constant=True, doc="What fi['rate'] holds.")
    message = param.String(default="", constant=True,
                           doc="Status of the last run, or what went wrong.")
    error = param.Boolean(default=False, constant=True,
                          doc="True when message reports a problem.")
    message_about = param.Selector(default="model", objects=["model", "run", "fi"],
                                   constant=True,
                                   doc="What message is about: the model, run() or run_fi().")
    elapsed = param.Number(default=0.0, constant=True,
                           doc="Wall time of the last run or f-I run (ms), compile included.")

    def __init__(self, **params):
        self._benches: dict[str, _Bench] = {}
        self._ir = None
        super().__init__(**params)

    # -- the model ---------------------------------------------------------------------
    def use(self, model) -> None:
        """Take ``model`` if it is a neuron model (instance or class), else say why.

        Safe to call from a watcher of an editor's model: never raises.
        """
        if isinstance(model, type) and issubclass(model, Neuron):
            try:
                model = model()
            except (NeuroWorkbenchError, TypeError) as exc:    # a class that needs arguments
                self._report("model", str(exc), error=True)
                return
        if model is None or isinstance(model, Neuron):
            self.model = model
        else:
            self.model = None
            kind = getattr(model, "_kind", type(model).__name__)
            self._report("model", f"'Try it' takes a neuron model, not a {kind}", error=True)

    @param.depends("model", watch=True, on_init=True)
    def _model_changed(self):
        model = self.model
        ir = None if model is None else model.ir
        if ir is not None and ir == self._ir:
            return          # the same equations again (an editor parsed unchanged text)
        self._ir = ir
        names = [] if model is None else [p.name for p in model.ir.parameters]
        keep = self.input_name if self.input_name in names else guess_input(model)
        self.param.input_name.objects = names
        values = {k: v for k, v in self.values.items() if k in names}
        with param.parameterized.batch_call_watchers(self):
            self.input_name = keep
            if values != self.values:
                self.values = values
        # a network of another model is of no more use (same equations: kept)
        for key, bench in list(self._benches.items()):
            if model is None or bench.key[0] != model.ir:
                del self._benches[key]
        self._clear(trace=True, fi=True)
        self._report("model", "" if model is None else f"{model.model_name}: ready", error=False)

    @property
    def recorded(self) -> list[str]:
        """The variables a run records (float variables, not the automatic ``g_*``)."""
        if self.model is None:
            return []
        ir = self.model.ir
        return [v.name for v in ir.state_variables
                if v.dtype == "float" and v.name not in ir.conductances]

    # -- runs ------------------------------------------------------------------------
    def run(self) -> None:
        """Simulate one neuron under the protocol: ``trace``, ``spike_times``."""
        problem = self._check_common() or self._check_trace()
        if problem:
            self._clear(trace=True)
            self._report("run", problem, error=True)
            return
        t0 = time.perf_counter()
        try:
            bench, compiled = self._bench("trace", 1, self.recorded + (
                ["spike"] if self.model.ir.spiking else []))
            segments = self._segments(bench.net.dt)
            self._start_run(bench)
            for steps, value in segments:
                if self.input_name is not None:
                    bench.set(self.input_name, value)
                bench.net.simulate(steps * bench.net.dt)
            mon = bench.monitors[0]
            t = mon.recorded_times()
            data = mon.get()
        except NeuroWorkbenchError as exc:
            self._clear(trace=True)
            self._report("run", str(exc), error=True, t0=t0)
            return
        trace = {"t": t}
        for name in self.recorded:
            trace[name] = np.asarray(data[name], dtype=float).reshape(len(t), -1)[:, 0]
        if self.input_name is not None:
            trace[self.input_name] = np.repeat([v for _, v in segments],
                                               [s for s, _ in segments])[:len(t)]
        spikes = np.asarray(data.get("spike", {}).get(0, []), dtype=float) * bench.net.dt
        with param.parameterized.edit_constant(self):
            self.param.update(trace=trace, spike_times=spikes)
        self._report("run", self._summary(trace, spikes, compiled, _ms(t0)), error=False,
                     t0=t0)

    def run_fi(self) -> None:
        """The f-I curve: ``fi_points`` neurons, one constant input each, one run."""
        problem = self._check_common() or self._check_fi()
        if problem:
            self._clear(fi=True)
            self._report("fi", problem, error=True)
            return
        ir = self.model.ir
        name = self.input_name
        per_pop = ir.variable(name).locality == "global"
        current = np.linspace(self.fi_min, self.fi_max, self.fi_points)
        t0 = time.perf_counter()
        try:
            bench, compiled = self._bench("fi", self.fi_points, ["spike"] if ir.spiking else [],
                                          per_population=per_pop)
            self._start_run(bench)
            bench.set(name, current, per_neuron=True)
            bench.net.simulate(self.fi_duration)
            dt = bench.net.dt
            if ir.spiking:
                first = int(round(self.fi_transient / dt))
                counts = []
                for mon in bench.monitors:
                    for steps in mon.get("spike").values():
                        counts.append(int(np.count_nonzero(np.asarray(steps) >= first)))
                window = bench.net.current_step - first
                rate = np.asarray(counts, dtype=float) / (window * dt) * 1000.0
                label = "firing rate (Hz)"
                how = (f"rate = spikes in [{first * dt:g}, {bench.net.time:g}) ms / "
                       f"{window * dt:g} ms (the first {first * dt:g} ms are a transient)")
            else:
                # every rate-coded model defines r (the engine checks it)
                rate = np.concatenate([np.ravel(p.r) for p in bench.pops]).astype(float)
                label = "steady-state r (rate-coded)"
                how = f"r at t = {bench.net.time:g} ms (its steady state if the run is long)"
        except NeuroWorkbenchError as exc:
            self._clear(fi=True)
            self._report("fi", str(exc), error=True, t0=t0)
            return
        with param.parameterized.edit_constant(self):
            self.param.update(fi={"current": current, "rate": rate}, fi_label=label)
        extra = " (one population per input: the input is one value per population)" \
            if per_pop else ""
        onset = ""
        if ir.spiking:
            firing = np.flatnonzero(rate > 0)
            onset = ("; no spikes in this range" if firing.size == 0 else
                     f"; fires from {name} = {current[firing[0]]:g}" if firing[0] > 0 else
                     f"; fires at every {name}")
        lead = "first run: compiled, " if compiled else ""
        self._report("fi", f"f-I curve of {self.model.model_name} against {name}: {how}{onset}"
                     f"{extra} ({lead}{_ms(t0):.1f} ms)", error=False, t0=t0)

    # -- helpers --------------------------------------------------------------------
    def _check_common(self) -> str | None:
        if self.model is None:
            return "choose or write a neuron model first"
        if not (np.isfinite(self.dt) and self.dt > 0):
            return f"dt must be a positive number of ms, got {self.dt}"
        names = [p.name for p in self.model.ir.parameters]
        unknown = sorted(set(self.values) - set(names))
        if unknown:
            return (f"{self.model.model_name} has no parameter {', '.join(map(repr, unknown))}; "
                    f"its parameters are {', '.join(names) or 'none'}")
        return None

    def _check_duration(self, what, duration) -> str | None:
        if not (np.isfinite(duration) and duration > 0):
            return f"the {what} must be a positive number of ms, got {duration}"
        if duration > MAX_DURATION:
            return (f"the {what} is {duration:g} ms: 'Try it' runs at most {MAX_DURATION:g} ms "
                    f"({MAX_DURATION / 1000:g} s); simulate longer runs in a network")
        if duration / self.dt > MAX_STEPS:
            return (f"{duration:g} ms at dt = {self.dt:g} ms is {duration / self.dt:.3g} steps; "
                    f"'Try it' records at most {MAX_STEPS:.0e}: raise dt or shorten the run")
        return None

    def _check_trace(self) -> str | None:
        problem = self._check_duration("duration", self.duration)
        if problem:
            return problem
        if self.protocol == "step" and not (0 <= self.start < self.stop):
            return (f"the step must start at 0 ms or later and stop after it starts "
                    f"(start = {self.start:g} ms, stop = {self.stop:g} ms)")
        if self.protocol == "ramp" and not (np.isfinite(self.ramp_step) and self.ramp_step > 0):
            return f"ramp_step must be a positive number of ms, got {self.ramp_step}"
        return None

    def _check_fi(self) -> str | None:
        if self.input_name is None:
            return f"{self.model.model_name} has no parameter to use as the input"
        if not (2 <= self.fi_points <= MAX_FI_POINTS):
            return f"the f-I curve takes 2 to {MAX_FI_POINTS} points, got {self.fi_points}"
        if not (np.isfinite(self.fi_min) and np.isfinite(self.fi_max)
                and self.fi_min < self.fi_max):
            return (f"the f-I bounds must be numbers with min < max "
                    f"(got {self.fi_min:g} and {self.fi_max:g})")
        problem = self._check_duration("f-I duration", self.fi_duration)
        if problem:
            return problem
        if self.model.ir.spiking and not (0 <= self.fi_transient < self.fi_duration):
            return (f"the transient ({self.fi_transient:g} ms) must be >= 0 and shorter than "
                    f"the f-I run ({self.fi_duration:g} ms)")
        return None

    def _bench(self, kind, size, record, per_population=False) -> tuple[_Bench, bool]:
        """The compiled network for this run; a new one only if the key changed."""
        key = (self.model.ir, float(self.dt), int(self.seed), int(size), bool(per_population))
        bench = self._benches.get(kind)
        if bench is not None and bench.key == key:
            return bench, False
        self._benches.pop(kind, None)
        bench = _Bench(key, self.model, self.dt, self.seed, size, record, per_population)
        self._benches[kind] = bench
        return bench, True

    def _start_run(self, bench: _Bench) -> None:
        """Back to time 0 and the model's values, then the overrides."""
        bench.net.reset()
        for name, value in self.values.items():
            if name != self.input_name:
                bench.set(name, value)

    def _segments(self, dt) -> list[tuple[int, float]]:
        """The protocol as (steps, input value) pieces, in order."""
        n = int(round(self.duration / dt))
        if self.protocol == "step":
            k_on = min(int(round(self.start / dt)), n)
            k_off = min(int(round(self.stop / dt)), n)
            pieces = [(k_on, self.baseline), (k_off - k_on, self.amplitude),
                      (n - k_off, self.baseline)]
            return [(k, v) for k, v in pieces if k > 0]
        width = max(int(round(self.ramp_step / dt)), -(-n // MAX_RAMP_SEGMENTS), 1)
        pieces = []
        for first in range(0, n, width):
            k = min(width, n - first)
            middle = (first + k / 2) / n
            pieces.append((k, self.baseline + (self.amplitude - self.baseline) * middle))
        return pieces

    def _summary(self, trace, spikes, compiled, ms) -> str:
        name = self.model.model_name
        lead = "first run: compiled, " if compiled else ""
        if not self.model.ir.spiking:
            r = trace.get("r", np.zeros(0))
            last = f"r = {r[-1]:.4g} at the end" if r.size else "nothing recorded"
            return f"{name}: {self.duration:g} ms, {last} ({lead}{ms:.1f} ms)"
        text = f"{name}: {spikes.size} spike{'s' if spikes.size != 1 else ''} in " \
               f"{self.duration:g} ms"
        if self.protocol == "step" and spikes.size:
            on = (spikes >= self.start) & (spikes < self.stop)
            length = min(self.stop, self.duration) - self.start
            if length > 0:
                text += f", {on.sum() / length * 1000:.1f} Hz during the step"
        return f"{text} ({lead}{ms:.1f} ms)"

    def _report(self, about, message, error, t0=None):
        elapsed = 0.0 if t0 is None else _ms(t0)
        with param.parameterized.edit_constant(self):
            self.param.update(message=message, error=error, message_about=about,
                              elapsed=elapsed)

    def _clear(self, trace=False, fi=False):
        out = {}
        if trace:
            out.update(trace={}, spike_times=np.zeros(0))
        if fi:
            out.update(fi={}, fi_label="")
        with param.parameterized.edit_constant(self):
            self.param.update(**out)


def _ms(t0: float) -> float:
    """Milliseconds since ``t0`` (a ``time.perf_counter()``)."""
    return (time.perf_counter() - t0) * 1000.0


# -- the view -------------------------------------------------------------------------

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#7f7f7f")


class TryNeuronView(pn.viewable.Viewer):
    """Widgets for a :class:`TryNeuron`, its traces with spikes, and its f-I curve."""

    state = param.ClassSelector(class_=TryNeuron, doc="What the view shows and sets.")
    auto_run = param.Boolean(default=True, doc="Run again when a setting changes.")
    shown = param.ListSelector(default=[], objects=[], doc="Variables plotted against time.")

    def __init__(self, **params):
        params.setdefault("state", TryNeuron())
        super().__init__(**params)
        self._trace_src = ColumnDataSource({"xs": [], "ys": [], "name": [], "color": []})
        self._spike_src = ColumnDataSource({"t": [], "y": []})
        self._input_src = ColumnDataSource({"t": [], "input": []})
        self._fi_src = ColumnDataSource({"current": [], "rate": []})
        self._trace_fig, self._input_fig, self._fi_fig = self._figures()
        # one message above each plot: the run's (and the model's), the f-I curve's
        self._alerts = {about: pn.pane.Alert("", alert_type="info", visible=False,
                                             sizing_mode="stretch_width")
                        for about in ("run", "fi")}
        self._layout = self._build()
        self._show_message()
        if self.auto_run and self.state.model is not None and not self.state.trace:
            self._auto_trace()
            self._auto_fi()
        else:
            self._update_shown()
            self._draw_fi()

    # -- layout ------------------------------------------------------------------------
    def _figures(self):
        tools = "pan,wheel_zoom,box_zoom,reset,save"
        trace = figure(height=300, sizing_mode="stretch_width", tools=tools,
                       x_axis_label="t (ms)", y_axis_label="value")
        trace.multi_line(xs="xs", ys="ys", color="color", legend_field="name",
                         source=self._trace_src, line_width=1.5)
        trace.scatter("t", "y", source=self._spike_src, marker="inverted_triangle", size=8,
                      color="black", legend_label="spike")
        trace.legend.location = "top_left"
        trace.legend.click_policy = "hide"
        inp = figure(height=140, sizing_mode="stretch_width", tools=tools,
                     x_range=trace.x_range, x_axis_label="t (ms)", y_axis_label="input")
        inp.line("t", "input", source=self._input_src, color="#444444", line_width=1.5)
        fi = figure(height=300, sizing_mode="stretch_width", tools=tools,
                    x_axis_label="input", y_axis_label="firing rate (Hz)", title="f-I curve")
        fi.line("current", "rate", source=self._fi_src, line_width=1.5)
        fi.scatter("current", "rate", source=self._fi_src, size=6)
        return trace, inp, fi

    def _build(self):
        s = self.state
        slider = {"type": pn.widgets.EditableFloatSlider, "throttled": True}
        number = {"type": pn.widgets.FloatInput}
        protocol = pn.Param(s, parameters=["input_name", "protocol", "amplitude", "baseline",
                                           "start", "stop", "duration", "dt", "ramp_step"],
                            widgets={"input_name": {"type": pn.widgets.Select, "name": "input"},
                                     "protocol": pn.widgets.RadioButtonGroup,
                                     "amplitude": slider, "baseline": slider,
                                     "start": number, "stop": number, "duration": number,
                                     "dt": number, "ramp_step": number},
                            show_name=False, sizing_mode="stretch_width")
        fi = pn.Param(s, parameters=["fi_min", "fi_max", "fi_points", "fi_duration",
                                     "fi_transient"],
                      widgets={"fi_min": number, "fi_max": number,
                               "fi_points": {"type": pn.widgets.IntSlider, "throttled": True,
                                             "start": 2, "end": MAX_FI_POINTS},
                               "fi_duration": number, "fi_transient": number},
                      show_name=False, sizing_mode="stretch_width")
        run = pn.widgets.Button(label="Run", color="primary")
        run.on_click(lambda event: self.state.run())
        run_fi = pn.widgets.Button(label="f-I curve", color="primary")
        run_fi.on_click(lambda event: self.state.run_fi())
        auto = pn.widgets.Checkbox.from_param(self.param.auto_run, name="run on every change")
        shown = pn.widgets.MultiChoice.from_param(self.param.shown, name="plotted variables",
                                                  sizing_mode="stretch_width")
        controls = pn.Column("### Protocol", protocol, run, auto, "### f-I curve", fi, run_fi,
                             width=320)
        plots = pn.Column(self._alerts["run"], shown, pn.pane.Bokeh(self._trace_fig),
                          pn.pane.Bokeh(self._input_fig), self._alerts["fi"],
                          pn.pane.Bokeh(self._fi_fig), sizing_mode="stretch_width")
        return pn.Row(controls, plots, sizing_mode="stretch_width")

    def __panel__(self):
        return self._layout

    # -- runs on change ----------------------------------------------------------------
    @param.depends("state.model", "state.input_name", "state.protocol", "state.amplitude",
                   "state.baseline", "state.start", "state.stop", "state.duration", "state.dt",
                   "state.ramp_step", "state.seed", "state.values", watch=True)
    def _auto_trace(self):
        if self.auto_run and self.state.model is not None:
            self.state.run()

    @param.depends("state.model", "state.input_name", "state.dt", "state.seed", "state.values",
                   "state.fi_min", "state.fi_max", "state.fi_points", "state.fi_duration",
                   "state.fi_transient", watch=True)
    def _auto_fi(self):
        if self.auto_run and self.state.model is not None:
            self.state.run_fi()

    # -- drawing -----------------------------------------------------------------------
    @param.depends("state.trace", watch=True)
    def _update_shown(self):
        names = [k for k in self.state.trace if k not in ("t", self.state.input_name)]
        kept = [n for n in self.shown if n in names]
        if not kept and names:
            model = self.state.model
            spiking = model is not None and model.ir.spiking
            odes = [e.target for e in model.ir.odes] if model is not None else []
            prefer = ["v"] if spiking else ["r"]
            kept = [next((n for n in prefer + odes + names if n in names), names[0])]
        self.param.shown.objects = names
        if kept != self.shown:
            self.shown = kept          # redraws
        else:
            self._draw_trace()

    @param.depends("shown", watch=True)
    def _draw_trace(self):
        in_document(self._draw_trace_now)

    def _draw_trace_now(self):
        trace = self.state.trace
        t = trace.get("t", np.zeros(0))
        names = [n for n in self.shown if n in trace]
        self._trace_src.data = {
            "xs": [t] * len(names), "ys": [trace[n] for n in names], "name": names,
            "color": [_COLORS[i % len(_COLORS)] for i in range(len(names))]}
        spikes = self.state.spike_times if trace else np.zeros(0)
        top = max((float(np.nanmax(trace[n])) for n in names if trace[n].size), default=0.0)
        self._spike_src.data = {"t": spikes, "y": np.full(spikes.size, top)}
        name = self.state.input_name
        self._input_src.data = {"t": t if name in trace else np.zeros(0),
                                "input": trace.get(name, np.zeros(0))}
        self._input_fig.yaxis.axis_label = name or "input"

    @param.depends("state.fi", "state.fi_label", watch=True)
    def _draw_fi(self):
        in_document(self._draw_fi_now)

    def _draw_fi_now(self):
        fi = self.state.fi
        self._fi_src.data = {"current": fi.get("current", np.zeros(0)),
                             "rate": fi.get("rate", np.zeros(0))}
        self._fi_fig.xaxis.axis_label = self.state.input_name or "input"
        self._fi_fig.yaxis.axis_label = self.state.fi_label or "firing rate (Hz)"

    @param.depends("state.message", "state.error", "state.message_about", watch=True)
    def _show_message(self):
        state = self.state
        if state.message_about == "model":        # a new model: no f-I message yet
            self._alerts["fi"].visible = False
        alert = self._alerts["fi" if state.message_about == "fi" else "run"]
        first, _, rest = state.message.partition("\n")   # a caret block stays aligned
        alert.object = first + (f"\n\n```text\n{rest}\n```" if rest else "")
        alert.alert_type = "danger" if state.error else "info"
        alert.visible = bool(state.message)
