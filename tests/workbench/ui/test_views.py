"""The views' behaviour without a browser: what a click or a typed value
does to the state, and what the page is then given to show."""

import json

import numpy as np
import pytest

from workbench.errors import WorkbenchError
from workbench.ui.model_editor_view import ModelEditorView, generated_code_of
from workbench.ui.model_library import ModelLibrary
from workbench.ui.network_view import NetworkView, graph_layout, parse_assignments
from workbench.ui.run_session import NewData, RunSession
from workbench.ui.run_view import RATE_BIN_MS, LivePlots, RunView
from workbench.ui.workbench import Workbench
from workbench.ui.workspace import Workspace


# -- the whole app -----------------------------------------------------------------------
def test_workbench_renders_without_a_server():
    wb = Workbench()
    root = wb.__panel__().get_root()
    assert root is not None
    assert [t for t, _ in zip(("Labs", "Models", "Network", "Run"), wb.tabs)] and \
        wb.tabs._names == ["Labs", "Models", "Network", "Run", "Fit"]


def test_loading_a_lab_fills_the_network_tab():
    wb = Workbench(lab=None)
    assert wb.network._pop_table.value.empty
    wb.load_lab("coba")
    table = wb.network._pop_table.value
    assert list(table["name"]) == ["exc", "inh"] and list(table["size"]) == [3200, 800]
    assert wb.tabs.active == 2
    assert "COBA" in wb._message.object
    assert len(wb.network._edges.data["x0"]) == 2 and len(wb.network._loops.data["x"]) == 2


def test_build_refuses_a_network_with_problems_or_too_big():
    wb = Workbench(lab=None)
    wb.workspace.network.add_population("p", "NoSuchModel", size=10)
    with pytest.raises(WorkbenchError, match="no model named 'NoSuchModel'"):
        wb.build()
    wb.load_lab("coba")
    wb.memory_limit = 10_000
    with pytest.raises(WorkbenchError, match="above the limit"):
        wb.build()


def test_uploaded_workspaces_are_checked(tmp_path):
    wb = Workbench(lab=None)
    wb._uploaded(type("E", (), {"new": b"{not json"})())
    assert wb._message.alert_type == "danger" and "not opened" in wb._message.object
    assert wb.workspace.network.populations == []
    good = Workbench(lab="coba").workspace.to_json().encode()
    wb._uploaded(type("E", (), {"new": good})())
    assert wb._message.alert_type == "success"
    assert [p["name"] for p in wb.workspace.network.populations] == ["exc", "inh"]
    huge = b" " * (20 * 2**20 + 1)
    wb._uploaded(type("E", (), {"new": huge})())
    assert "at most" in wb._message.object
    assert [p["name"] for p in wb.workspace.network.populations] == ["exc", "inh"]


def test_an_uploaded_run_longer_than_one_run_is_split_and_said():
    wb = Workbench(lab=None)
    ws = Workbench(lab="coba").workspace
    ws.run = dict(ws.run, duration=7_200_000.0)          # valid in a file, two Runs in the app
    wb._uploaded(type("E", (), {"new": ws.to_json().encode()})())
    assert wb._message.alert_type == "success"
    assert wb.session.duration == 3_600_000.0
    assert "7,200,000 ms" in wb._message.object and "press Run again" in wb._message.object


def test_saved_workspace_file_loads_back():
    wb = Workbench(lab="stdp_poisson")
    text = wb._workspace_file().getvalue()
    again = Workspace.from_json(text)
    assert again.to_dict() == wb.workspace.to_dict()
    assert "net.simulate(" in wb._script_file().getvalue()
    json.loads(text)


# -- the network tab --------------------------------------------------------------------------
def test_graph_layout_puts_nodes_on_a_circle():
    pos = graph_layout(["a", "b", "c", "d"])
    assert all(abs(np.hypot(x, y) - 1.0) < 1e-12 for x, y in pos.values())
    assert graph_layout(["only"]) == {"only": (0.0, 0.0)}


@pytest.mark.parametrize("text, match", [
    ("a 0.02", "write 'name = value'"),
    ("1a = 2", "is not a name"),
    ("a = __import__('os')", "line 1"),
    ("a = 1\nb = Uniform(0,", "line 2"),
])
def test_typed_values_are_parsed_safely(text, match):
    with pytest.raises(WorkbenchError, match=match):
        parse_assignments(text)


def test_typed_values_accept_numbers_and_distributions():
    assert parse_assignments("a = 0.02; v = Uniform(-70, -60)\n# note") == \
        {"a": 0.02, "v": "Uniform(-70, -60)"}


def test_network_forms_add_edit_rename_and_refuse():
    ws = Workspace()
    view = NetworkView(ws.network)
    view._add("population")
    assert view.selected == ("population", "pop")
    view._add("projection")
    assert ws.network.projections[0]["pre"] == "pop"
    # apply a rename through the population form: the projection follows
    view.open("population", "pop")
    view._apply("population", "pop", lambda: {"name": "exc", "size": 50})
    assert ws.network.populations[0]["name"] == "exc"
    assert ws.network.projections[0]["pre"] == ws.network.projections[0]["post"] == "exc"
    assert view.selected == ("population", "exc")
    # a bad value is shown next to the form and changes nothing
    view._apply("population", "exc", lambda: {"values": parse_assignments("a = nope")})
    assert view._form_message.visible and "line 1" in view._form_message.object
    assert ws.network.populations[0]["values"] == {}
    # a size of 0 is kept, and its problem is shown next to the form
    view._apply("population", "exc", lambda: {"size": 0})
    notes = [o for o in view._form.objects if getattr(o, "alert_type", "") == "warning"]
    assert notes and notes[0].visible and "size" in notes[0].object
    view._apply("population", "exc", lambda: {"size": 50})
    # a used population cannot be deleted
    view._delete("population", "exc")
    assert view._form_message.visible
    assert [p["name"] for p in ws.network.populations] == ["exc"]
    view._delete("projection", "proj")
    view._delete("population", "exc")
    assert ws.network.populations == [] and view._form.objects == []


def test_network_problems_are_shown():
    ws = Workspace()
    view = NetworkView(ws.network)
    ws.network.add_population("exc", "Izhikevich", size=10)
    ws.network.add_projection("j", "exc", "exc", target="dopamine")
    assert view._problems.alert_type == "warning"
    assert "projection:j" in view._problems.object and "dopamine" in view._problems.object


# -- the models tab ------------------------------------------------------------------------
def test_model_editor_view_marks_errors_and_saves():
    lib = ModelLibrary()
    view = ModelEditorView(library=lib)
    view._new("neuron")
    view._typed("equations", "tau * dv/dt = -v + I\ndu/dt = (v - u")
    ann = view._editors["equations"].annotations
    assert len(ann) == 1 and ann[0]["row"] == 1 and ann[0]["type"] == "error"
    assert view._status.alert_type == "danger" and "line 2" in view._status.object
    view._typed("equations", "tau * dv/dt = -v + I")
    assert view._editors["equations"].annotations == []
    assert any("frac" in str(p.object) for p in view._latex.objects)
    view._save_model(None)
    assert "MyNeuron" in lib.user_models and view._models.value == "MyNeuron"
    view._models.value = "Izhikevich"
    view._delete_model(None)
    assert "built-in" in view._status.object and lib.is_builtin("Izhikevich")


def test_a_block_set_from_python_shows_in_its_editor_and_typing_is_not_echoed():
    view = ModelEditorView(library=ModelLibrary())
    view._new("neuron")
    view.editor.reset = "v = -0.5"                          # a notebook cell, a script
    assert view._editors["reset"].value == "v = -0.5"
    assert view.editor.model is not None and view._editors["reset"].annotations == []
    ed = view._editors["spike"]
    ed.value_input = "v >= 2.0"                              # the browser's typing
    assert view.editor.spike == "v >= 2.0"
    assert ed.value != "v >= 2.0"                            # nothing sent back while typing
    assert view._editors["spike"] is ed                      # typing keeps its editor


def test_a_loaded_model_gets_new_editors_and_old_editors_late_keys_are_ignored():
    """Text never flows from Python into a live editor (a push that crosses
    key presses in flight leaves page and server with different texts): a
    load replaces the editors, and a key press from a replaced editor that
    arrives late does not change the model."""
    view = ModelEditorView(library=ModelLibrary())
    old = view._editors["equations"]
    view._new("neuron")
    new = view._editors["equations"]
    assert new is not old and new.value == "tau * dv/dt = -v + I"
    assert new in view._editor_column.objects and old not in view._editor_column.objects
    old.value_input = old.value + "\ndu/dt = 1"              # typed before the load arrived
    assert view.editor.equations == "tau * dv/dt = -v + I"
    assert view.editor.model is not None
    untouched = view._editors["spike"]
    view.editor.reset = "v = -0.5"                            # one block set from Python
    assert view._editors["spike"] is untouched and view._editors["reset"].value == "v = -0.5"


def test_generated_code_is_shown_for_neurons():
    lib = ModelLibrary()
    code = generated_code_of(lib.model("Izhikevich"))
    assert "def kernel" in code or "def _body" in code
    assert "generated with the projection" in generated_code_of(lib.model("STDP"))


# -- the run tab ---------------------------------------------------------------------------------
class _Pops:
    def __init__(self, sizes):
        self.populations = {n: type("P", (), {"size": s})() for n, s in sizes.items()}


def _plots(sizes, spiking=None):
    session = type("S", (), {})()
    session._built = _Pops(sizes)
    session.spiking = list(spiking or sizes)
    session.traced = {}
    session.traced_ranks = {}
    session.trace_neurons = 0
    plots = LivePlots()
    plots.setup(session)
    return plots


def test_rates_are_spikes_per_bin_per_neuron():
    plots = _plots({"a": 100, "b": 10})
    # 50 spikes of 'a' in the first bin, 5 of 'b' in the second; bins close at 20 ms
    t_a = np.full(50, 3.0)
    t_b = np.full(5, RATE_BIN_MS + 1.0)
    new = NewData(plots.generation or 1, 2 * RATE_BIN_MS,
                  spikes={"a": (t_a, np.arange(50)), "b": (t_b, np.arange(5))})
    plots.push(new)
    a = plots.rate_sources["a"].data
    b = plots.rate_sources["b"].data
    assert list(a["t"]) == [RATE_BIN_MS / 2, 1.5 * RATE_BIN_MS]
    assert list(a["rate"]) == [50 * 1000 / RATE_BIN_MS / 100, 0.0]
    assert list(b["rate"]) == [0.0, 5 * 1000 / RATE_BIN_MS / 10]
    # an open bin is not drawn until it is complete
    plots.push(NewData(new.generation, 2.5 * RATE_BIN_MS,
                       spikes={"a": (np.array([2.2 * RATE_BIN_MS]), np.array([0]))}))
    assert len(plots.rate_sources["a"].data["t"]) == 2


def test_big_rasters_show_every_kth_neuron():
    plots = _plots({"big": 4000, "small": 100})
    stride = plots._strides["big"]
    assert stride == 9                       # ceil(4100 / 500)
    ranks = np.arange(4000)
    plots.push(NewData(1, 1.0, spikes={"big": (np.ones(4000), ranks),
                                       "small": (np.ones(100), np.arange(100))}))
    ys = plots.raster_sources["big"].data["y"]
    assert len(ys) == len(range(0, 4000, stride)) and max(ys) < plots._offsets["small"]
    assert min(plots.raster_sources["small"].data["y"]) == plots._offsets["small"]


def test_a_new_generation_clears_the_plots():
    plots = _plots({"a": 10})
    plots.push(NewData(1, 20.0, spikes={"a": (np.array([1.0]), np.array([0]))}))
    assert len(plots.raster_sources["a"].data["t"]) == 1
    plots.push(NewData(2, 0.0))
    assert len(plots.raster_sources["a"].data["t"]) == 0


def test_a_fast_run_sends_the_last_window_only():
    """3 s of spikes arrive at once (a run 30x real time): the raster gets
    the last second (what its window shows), the rates every bin of it."""
    plots = _plots({"a": 10})
    t = np.arange(0.0, 3000.0, 1.0)
    plots.push(NewData(1, 3000.0, spikes={"a": (t, np.zeros(t.size, dtype=int))}))
    shown = np.asarray(plots.raster_sources["a"].data["t"])
    assert shown.min() >= 3000.0 - plots.window and shown.max() == 2999.0
    assert shown.size == int(plots.window)
    rates = plots.rate_sources["a"].data
    assert len(rates["t"]) == int(2 * plots.window / RATE_BIN_MS)          # two windows
    # one spike per ms in a neuron of 10: 100 Hz in every bin
    np.testing.assert_allclose(rates["rate"], 100.0)


def test_a_source_rollover_never_shrinks(monkeypatch):
    """BokehJS keeps a typed-array column's length when a stream's rollover
    is smaller than the last one, leaving stale points at its end: the
    rollover a source is given may grow, never shrink (until it is cleared)."""
    from bokeh.models import ColumnDataSource

    plots = _plots({"a": 10})
    sent = []
    original = ColumnDataSource.stream
    monkeypatch.setattr(ColumnDataSource, "stream", lambda self, data, rollover=None: (
        sent.append(rollover) if self.name == "raster_a" else None,
        original(self, data, rollover)))
    # 10 spikes/ms, then 0.05/ms: the estimate of what a window holds falls
    dense, sparse = np.arange(0.0, 100.0, 0.1), np.arange(1000.0, 2000.0, 20.0)
    plots.push(NewData(1, 100.0, spikes={"a": (dense, np.zeros(dense.size, dtype=int))}))
    plots.push(NewData(1, 2000.0, spikes={"a": (sparse, np.zeros(sparse.size, dtype=int))}))
    assert len(sent) == 2 and sent[0] > 10_000 and sent[1] == sent[0]
    plots.push(NewData(2, 0.0))                            # cleared: may start again
    assert plots._rollovers == {}


def test_traces_wait_for_a_lines_update_and_lose_nothing_in_view():
    session = type("S", (), {})()
    session._built = _Pops({"a": 10})
    session.spiking = ["a"]
    session.traced = {"a": "v"}
    session.traced_ranks = {"a": [3, 7]}
    session.trace_neurons = 2
    plots = LivePlots()
    plots.setup(session)
    assert [i.label.value for i in plots._trace_legend.items] == ["a[3].v", "a[7].v"]
    for k in range(3):
        t = np.arange(100.0 * k, 100.0 * (k + 1))
        values = np.column_stack([t, -t])
        plots.push(NewData(1, t[-1] + 1, traces={"a": (t, values)}), lines=(k == 2))
        if k < 2:
            assert len(plots.trace_sources["a"].data["t"]) == 0        # held back
    data = plots.trace_sources["a"].data
    np.testing.assert_allclose(data["t"], np.arange(300.0))
    np.testing.assert_allclose(data["n1"], -np.arange(300.0))


def test_run_view_sends_data_only_when_the_page_has_drawn_the_last_update():
    view = RunView(RunSession())
    view._sent, view._acked, view._sent_at = 5, 3, 10.0
    assert not view._page_ready(10.05)           # UPDATE_MS not passed yet
    assert not view._page_ready(10.5)            # two updates not drawn yet
    view._on_ack("tags", [], [4])
    assert view._page_ready(10.5)                # one in flight is allowed
    view._acked = 0
    assert view._page_ready(13.0)                # an acknowledgement lost: go on


def test_run_view_reports_a_build_error():
    def build():
        raise WorkbenchError("the network has 1 problem(s)")
    view = RunView(RunSession(), build=build)
    view._on_compile()
    view.session.join()                        # built on the worker thread
    view.update()
    assert view.status_kind == "danger" and "1 problem" in view._status.object
    assert view.session.status == "error" and "cannot build" in view.session.message
    with pytest.raises(WorkbenchError, match="Build & compile again"):
        view.session.run()


def test_the_python_blocks_of_docs_app_run_on_their_own():
    """docs/app.md's examples are copied by newcomers one block at a time."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "app.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 2
    for block in blocks:
        namespace = {}
        exec(compile(block, "docs/app.md", "exec"), namespace)   # our own documentation
    assert namespace["wb"].session.status == "finished"
    assert namespace["wb"].session.sim_time == pytest.approx(200.0)


def test_run_view_changes_a_weight_scale_from_the_change_card(two_populations):
    session = RunSession(duration=10.0)
    session.load(two_populations(2.0))
    view = RunView(session)
    view.update()                                    # lays out the new network
    assert "dc (projection)" in view._change_pop.options
    view._change_pop.value = view._change_pop.options["dc (projection)"]
    assert view._change_attr.options == ["weight scale"] and view._change_value.value == 1.0
    view._change_value.value = 0.25
    view._apply_change(None)
    assert view._change_msg.object == "dc.weights x 0.25 of those built (now)"
    assert session.weight_scale("dc") == 0.25
    view._change_value.value = -1.0
    view._apply_change(None)
    assert "not set" in view._change_msg.object and "&gt; 0" in view._change_msg.object
