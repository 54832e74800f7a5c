"""The Network tab: a graph of the network, tables, and a form per item.

State lives in :class:`~workbench.ui.network_spec.NetworkSpec`; this view
shows it as a graph (populations and inputs as nodes sized by their number
of neurons, projections as arrows coloured by target; a click on a node
opens its form) and three tables, and edits it through forms whose problems
(:meth:`NetworkSpec.problems`) are shown next to them as soon as they exist.
Values typed in the forms are text parsed by the safe value parser
(numbers, ``Uniform(0, 1)``-style distributions), never evaluated.
"""

from __future__ import annotations

import html
import math

import pandas as pd
import panel as pn
import param
from bokeh.models import Arrow, ColumnDataSource, LabelSet, TapTool, VeeHead
from bokeh.plotting import figure

from engine import NeuroWorkbenchError
from workbench.errors import WorkbenchError
from workbench.ui.document import in_document
from workbench.ui.network_spec import CONNECTORS, NetworkSpec, parse_value

__all__ = ["NetworkView", "graph_layout", "parse_assignments", "format_assignments"]

TARGET_COLORS = {"exc": "#d62728", "inh": "#1f77b4"}
OTHER_TARGET = "#7f7f7f"


def graph_layout(names: list[str]) -> dict[str, tuple[float, float]]:
    """Nodes evenly on a circle (one node: the centre)."""
    n = len(names)
    if n == 1:
        return {names[0]: (0.0, 0.0)}
    return {name: (math.cos(2 * math.pi * i / n + math.pi / 2),
                   math.sin(2 * math.pi * i / n + math.pi / 2))
            for i, name in enumerate(names)}


def parse_assignments(text: str, *, what: str = "values") -> dict:
    """``"a = 0.02\\nv = Uniform(-70, -60)"`` -> ``{"a": 0.02, "v": "Uniform(-70, -60)"}``.

    Each right-hand side is checked by the safe value parser and kept as
    its text when it is a distribution (the spec stores text).

    Raises
    ------
    WorkbenchError
        A line without ``=``, an empty name, or a value that is not a number
        or a distribution.
    """
    out = {}
    for number, line in enumerate(text.replace(";", "\n").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise WorkbenchError(f"{what}, line {number}: write 'name = value', got {line!r}")
        name, value = (part.strip() for part in line.split("=", 1))
        if not name.isidentifier():
            raise WorkbenchError(f"{what}, line {number}: {name!r} is not a name")
        try:
            parsed = parse_value(value, lists=False)
        except ValueError as exc:
            raise WorkbenchError(f"{what}, line {number}: {exc}") from None
        out[name] = parsed if isinstance(parsed, float) else value
    return out


def format_assignments(values: dict) -> str:
    lines = []
    for k, v in values.items():
        if isinstance(v, list):
            v = f"[{len(v)} values]"
        elif isinstance(v, dict):
            v = f"{v.get('distribution')}({', '.join(str(a) for a in v.get('args', []))})"
        lines.append(f"{k} = {v}")
    return "\n".join(lines)


def _value_text(value) -> str:
    if isinstance(value, dict):
        return f"{value.get('distribution')}({', '.join(str(a) for a in value.get('args', []))})"
    return str(value)


def _value_from_text(text: str):
    text = text.strip()
    parsed = parse_value(text, lists=False)
    return parsed if isinstance(parsed, float) else text


class NetworkView(pn.viewable.Viewer):
    """Graph, tables and forms of a :class:`NetworkSpec`."""

    spec = param.ClassSelector(class_=NetworkSpec)
    selected = param.Tuple(default=("", ""), length=2,
                           doc="(kind, name) of the item whose form is open.")

    def __init__(self, spec: NetworkSpec, **params):
        super().__init__(spec=spec, **params)
        self._nodes = ColumnDataSource({"x": [], "y": [], "name": [], "size": [], "color": [],
                                        "label": [], "kind": []}, name="network_nodes")
        self._edges = ColumnDataSource({"x0": [], "y0": [], "x1": [], "y1": [], "color": []})
        self._loops = ColumnDataSource({"x": [], "y": [], "color": []})
        self.graph = self._graph()
        self._pop_table = self._table("populations")
        self._input_table = self._table("inputs")
        self._proj_table = self._table("projections")
        self._problems = pn.pane.Alert("", alert_type="success", sizing_mode="stretch_width")
        self._form = pn.Column(sizing_mode="stretch_width")
        self._form_message = pn.pane.Alert("", alert_type="danger", visible=False,
                                           sizing_mode="stretch_width")
        self._add_pop = pn.widgets.Button(label="+ Population", color="primary")
        self._add_input = pn.widgets.Button(label="+ Input")
        self._add_proj = pn.widgets.Button(label="+ Projection")
        self._add_pop.on_click(lambda e: self._add("population"))
        self._add_input.on_click(lambda e: self._add("input"))
        self._add_proj.on_click(lambda e: self._add("projection"))
        self._nodes.selected.on_change("indices", self._tapped)
        for table, kind in ((self._pop_table, "population"), (self._input_table, "input"),
                            (self._proj_table, "projection")):
            table.on_click(lambda e, k=kind, t=table: self._clicked_row(k, t, e.row))
        spec.param.watch(lambda *events: self.refresh(), ["populations", "inputs", "projections"])
        self.refresh()

    # -- pieces ---------------------------------------------------------------------
    def _graph(self):
        fig = figure(height=360, sizing_mode="stretch_width", x_range=(-1.6, 1.6),
                     y_range=(-1.45, 1.45), tools="tap,reset,save", toolbar_location="right",
                     title="Network (click a node to edit it)", name="network_graph")
        fig.axis.visible = False
        fig.grid.visible = False
        fig.add_layout(Arrow(end=VeeHead(size=12, fill_color="color", line_color="color"),
                             source=self._edges, x_start="x0", y_start="y0", x_end="x1",
                             y_end="y1", line_color="color", line_width=2, line_alpha=0.8))
        fig.scatter("x", "y", source=self._loops, size=34, fill_alpha=0, line_width=2,
                    line_color="color", marker="circle")
        nodes = fig.scatter("x", "y", source=self._nodes, size="size", color="color",
                            marker="circle", line_color="black", alpha=0.85)
        nodes.nonselection_glyph = None
        fig.add_layout(LabelSet(x="x", y="y", text="label", source=self._nodes, y_offset=-30,
                                text_align="center", text_font_size="10pt"))
        fig.select_one(TapTool).renderers = [nodes]
        return fig

    def _table(self, name):
        return pn.widgets.Tabulator(pd.DataFrame(), disabled=True, show_index=False,
                                    sizing_mode="stretch_width", height=210, label=name,
                                    selectable=1)

    # -- refresh from the spec ---------------------------------------------------------------
    def refresh(self):
        in_document(self._refresh_now)

    def _refresh_now(self):
        spec = self.spec
        pops, inputs, projs = spec.populations, spec.inputs, spec.projections
        nodes = [(p["name"], p["size"], "population") for p in pops] + \
            [(i["name"], i.get("size", len(i.get("spike_times", [])) or 1), "input")
             for i in inputs if i["kind"] != "current_step"]
        layout = graph_layout([n for n, _, _ in nodes]) if nodes else {}
        self._nodes.data = {
            "x": [layout[n][0] for n, _, _ in nodes], "y": [layout[n][1] for n, _, _ in nodes],
            "name": [n for n, _, _ in nodes],
            "size": [14 + 6 * math.log10(max(1, int(s))) * 2 for _, s, _ in nodes],
            "color": ["#ff9896" if k == "population" else "#c7c7c7" for *_, k in nodes],
            "label": [f"{n} ({s})" for n, s, _ in nodes], "kind": [k for *_, k in nodes]}
        edges = {"x0": [], "y0": [], "x1": [], "y1": [], "color": []}
        loops = {"x": [], "y": [], "color": []}
        for j in projs:
            if j["pre"] not in layout or j["post"] not in layout:
                continue
            color = TARGET_COLORS.get(j["target"], OTHER_TARGET)
            (x0, y0), (x1, y1) = layout[j["pre"]], layout[j["post"]]
            if j["pre"] == j["post"]:
                loops["x"].append(x0 * 1.25)
                loops["y"].append(y0 * 1.25 + (0.15 if x0 == y0 == 0 else 0))
                loops["color"].append(color)
                continue
            d = math.hypot(x1 - x0, y1 - y0)
            ux, uy = (x1 - x0) / d, (y1 - y0) / d
            # stop short of the nodes; two opposite projections side by side
            ox, oy = -uy * 0.04, ux * 0.04
            edges["x0"].append(x0 + 0.12 * ux + ox)
            edges["y0"].append(y0 + 0.12 * uy + oy)
            edges["x1"].append(x1 - 0.14 * ux + ox)
            edges["y1"].append(y1 - 0.14 * uy + oy)
            edges["color"].append(color)
        self._edges.data, self._loops.data = edges, loops
        self._pop_table.value = pd.DataFrame(
            [{"name": p["name"], "model": p["model"], "size": p["size"],
              "values": format_assignments(p.get("values", {})).replace("\n", "; ")}
             for p in pops], columns=["name", "model", "size", "values"])
        self._input_table.value = pd.DataFrame(
            [{"name": i["name"], "kind": i["kind"], "settings": _input_summary(i)}
             for i in inputs], columns=["name", "kind", "settings"])
        self._proj_table.value = pd.DataFrame(
            [{"name": j["name"], "pre": j["pre"], "post": j["post"], "target": j["target"],
              "synapse": j.get("synapse") or "(static)", "connector": _connector_text(j),
              "weights": _value_text(j["weights"]), "delays": _value_text(j["delays"])}
             for j in projs],
            columns=["name", "pre", "post", "target", "synapse", "connector", "weights",
                     "delays"])
        self._show_problems()
        kind, name = self.selected
        if kind and name not in [x["name"] for x in self._items(kind)]:
            self.selected = ("", "")
            self._form.objects = []

    def _show_problems(self):
        problems = self.spec.problems()
        if not problems:
            n = len(self.spec.populations)
            self._problems.object = (f"{n} population{'s' if n != 1 else ''}, "
                                     f"{len(self.spec.inputs)} inputs, "
                                     f"{len(self.spec.projections)} projections: ready to run"
                                     if n else "add a population to start")
            self._problems.alert_type = "success" if n else "secondary"
        else:
            lines = [f"- **{html.escape(k)}**: {html.escape(m)}"
                     for k, ms in problems.items() for m in ms]
            self._problems.object = "\n".join(lines[:12])
            self._problems.alert_type = "warning"

    def _items(self, kind):
        return {"population": self.spec.populations, "input": self.spec.inputs,
                "projection": self.spec.projections}[kind]

    # -- selection --------------------------------------------------------------------
    def _tapped(self, attr, old, new):
        if new:
            i = new[0]
            self.open(self._nodes.data["kind"][i], self._nodes.data["name"][i])

    def _clicked_row(self, kind, table, row):
        if row is not None and row < len(table.value):
            self.open(kind, table.value.iloc[row]["name"])

    def open(self, kind: str, name: str) -> None:
        """Show the form of item ``name`` of ``kind``."""
        item = next((x for x in self._items(kind) if x["name"] == name), None)
        if item is None:
            return
        self.selected = (kind, name)
        self._form_message.visible = False
        builder = {"population": self._population_form, "input": self._input_form,
                   "projection": self._projection_form}[kind]
        widgets, read = builder(item)
        apply = pn.widgets.Button(label="Apply", color="primary", width=90)
        delete = pn.widgets.Button(label="Delete", color="danger", width=90)
        apply.on_click(lambda e: self._apply(kind, name, read))
        delete.on_click(lambda e: self._delete(kind, name))
        own = self.spec.problems().get(f"{kind}:{name}", [])
        notes = pn.pane.Alert("\n".join(f"- {html.escape(m)}" for m in own),
                              alert_type="warning", visible=bool(own),
                              sizing_mode="stretch_width")
        self._form.objects = [pn.pane.Markdown(f"#### {kind} `{name}`"), *widgets,
                              notes, pn.Row(apply, delete), self._form_message]

    # -- forms --------------------------------------------------------------------------
    def _population_form(self, item):
        name = pn.widgets.TextInput(label="Name", value=item["name"])
        model = pn.widgets.Select(label="Model", options=self.spec.library.names("neuron"),
                                  value=item["model"])
        size = pn.widgets.IntInput(label="Neurons", value=int(item["size"]), start=1)
        values = pn.widgets.TextAreaInput(
            label="Values (name = number or distribution, one per line)",
            value=format_assignments(item.get("values", {})), height=110,
            placeholder="a = 0.02\nv = Uniform(-70, -60)")

        def read():
            changes = {"name": name.value.strip(), "model": model.value, "size": size.value}
            old = item.get("values", {})
            new = parse_assignments(values.value)
            # per-neuron lists cannot be typed here: keep the ones already there
            for k, v in old.items():
                if isinstance(v, list) and k not in new:
                    new[k] = v
            changes["values"] = new
            return changes
        return [name, model, size, values], read

    def _input_form(self, item):
        name = pn.widgets.TextInput(label="Name", value=item["name"])
        kind = item["kind"]
        widgets = [name, pn.pane.Markdown(f"kind: **{kind}**")]
        if kind == "poisson":
            size = pn.widgets.IntInput(label="Neurons", value=int(item["size"]), start=1)
            rates = pn.widgets.TextInput(label="Rate (Hz)", value=_value_text(item["rates"]))
            widgets += [size, rates]

            def read():
                return {"name": name.value.strip(), "size": size.value,
                        "rates": _value_from_text(rates.value)}
        elif kind == "spike_times":
            times = pn.widgets.TextAreaInput(
                name="Spike times (ms): one line per neuron, numbers separated by commas",
                value="\n".join(", ".join(f"{t:g}" for t in row) for row in item["spike_times"]),
                height=110)
            widgets.append(times)

            def read():
                rows = []
                for k, line in enumerate(times.value.splitlines(), 1):
                    try:
                        rows.append([float(x) for x in line.replace(",", " ").split()])
                    except ValueError:
                        raise WorkbenchError(f"spike times, line {k}: numbers only, "
                                             f"got {line!r}") from None
                return {"name": name.value.strip(), "spike_times": rows or [[]]}
        else:
            pops = [p["name"] for p in self.spec.populations]
            pop = pn.widgets.Select(label="Population", options=pops,
                                    value=item["population"] if item["population"] in pops
                                    else (pops[0] if pops else None))
            variable = pn.widgets.TextInput(label="Parameter", value=item["variable"])
            amplitude = pn.widgets.FloatInput(label="Amplitude (added)",
                                              value=float(item["amplitude"]))
            start = pn.widgets.FloatInput(label="Start (ms)", value=float(item["start"]))
            stop = pn.widgets.FloatInput(label="Stop (ms, empty: never)",
                                         value=None if item["stop"] is None
                                         else float(item["stop"]))
            widgets += [pop, variable, amplitude, start, stop]

            def read():
                return {"name": name.value.strip(), "population": pop.value,
                        "variable": variable.value.strip(), "amplitude": amplitude.value,
                        "start": start.value, "stop": stop.value}
        return widgets, read

    def _projection_form(self, item):
        sources = [p["name"] for p in self.spec.populations] + \
            [i["name"] for i in self.spec.inputs if i["kind"] != "current_step"]
        posts = [p["name"] for p in self.spec.populations]
        name = pn.widgets.TextInput(label="Name", value=item["name"])
        pre = pn.widgets.Select(label="Pre", options=sources,
                                value=item["pre"] if item["pre"] in sources else None)
        post = pn.widgets.Select(label="Post", options=posts,
                                 value=item["post"] if item["post"] in posts else None)
        target = pn.widgets.TextInput(label="Target", value=item["target"])
        synapses = ["(static)"] + self.spec.library.names("synapse")
        synapse = pn.widgets.Select(label="Synapse", options=synapses,
                                    value=item.get("synapse") or "(static)")
        connector = pn.widgets.Select(label="Connector", options=list(CONNECTORS),
                                      value=item["connector"])
        params = pn.widgets.TextInput(label="Connector parameters",
                                      value=format_assignments(item.get("params", {}))
                                      .replace("\n", "; "),
                                      placeholder="probability = 0.1")
        weights = pn.widgets.TextInput(label="Weights", value=_value_text(item["weights"]))
        delays = pn.widgets.TextInput(label="Delays (ms)", value=_value_text(item["delays"]))

        def read():
            return {"name": name.value.strip(), "pre": pre.value, "post": post.value,
                    "target": target.value.strip(),
                    "synapse": None if synapse.value == "(static)" else synapse.value,
                    "connector": connector.value,
                    "params": parse_assignments(params.value, what="connector parameters"),
                    "weights": _value_from_text(weights.value),
                    "delays": _value_from_text(delays.value)}
        for w in (pre, post, target, synapse, connector, params, weights, delays):
            w.width = 200
        return [name, pn.Row(pre, post), pn.Row(target, synapse), pn.Row(connector, params),
                pn.Row(weights, delays)], read

    # -- edits ---------------------------------------------------------------------------
    def _apply(self, kind, name, read):
        try:
            changes = read()
            getattr(self.spec, f"update_{kind}")(name, **changes)
        except (WorkbenchError, NeuroWorkbenchError, ValueError) as exc:
            self._form_message.object = html.escape(str(exc))
            self._form_message.visible = True
            return
        self.open(kind, changes.get("name", name))

    def _delete(self, kind, name):
        try:
            if kind == "projection":
                self.spec.remove_projection(name)
            else:
                getattr(self.spec, f"remove_{kind}")(name)
        except (WorkbenchError, NeuroWorkbenchError, ValueError) as exc:
            self._form_message.object = html.escape(str(exc))
            self._form_message.visible = True
            return
        self._form.objects = []
        self.selected = ("", "")

    def _add(self, kind):
        spec = self.spec
        try:
            if kind == "population":
                item = spec.add_population(spec.free_name("pop", "population"), "Izhikevich",
                                           size=100)
            elif kind == "input":
                item = spec.add_input(spec.free_name("noise", "input"), "poisson", size=100,
                                      rates=10.0)
            else:
                names = [p["name"] for p in spec.populations]
                if not names:
                    raise WorkbenchError("add a population first")
                item = spec.add_projection(spec.free_name("proj", "projection"), names[0],
                                           names[-1], "exc", connector="fixed_probability",
                                           params={"probability": 0.1}, weights=0.5)
        except (WorkbenchError, NeuroWorkbenchError, ValueError) as exc:
            self._problems.object, self._problems.alert_type = html.escape(str(exc)), "danger"
            return
        self.open(kind, item["name"])

    def __panel__(self):
        tables = pn.Tabs(("Populations", self._pop_table), ("Inputs", self._input_table),
                         ("Projections", self._proj_table), sizing_mode="stretch_width")
        left = pn.Column(pn.Row(self._add_pop, self._add_input, self._add_proj),
                         pn.pane.Bokeh(self.graph, sizing_mode="stretch_width"),
                         self._problems, tables, sizing_mode="stretch_width", min_width=500)
        right = pn.Column(self._form, width=430)
        return pn.Row(left, right, sizing_mode="stretch_width")


def _input_summary(i) -> str:
    if i["kind"] == "poisson":
        return f"{i['size']} neurons at {_value_text(i['rates'])} Hz"
    if i["kind"] == "spike_times":
        rows = i["spike_times"]
        return f"{len(rows)} neurons, {sum(len(r) for r in rows)} spikes"
    stop = "end" if i["stop"] is None else f"{i['stop']:g} ms"
    return (f"{i['population']}.{i['variable']} += {i['amplitude']:g} "
            f"from {i['start']:g} ms to {stop}")


def _connector_text(j) -> str:
    args = ", ".join(f"{k}={v}" for k, v in j.get("params", {}).items())
    return f"{j['connector']}({args})"



