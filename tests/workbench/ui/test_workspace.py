"""The workspace: models, network and run settings in one JSON file, saved
atomically and loaded with every check (plain pytest, no browser)."""

from __future__ import annotations

import json
import os

import pytest

from workbench.errors import WorkspaceError
from workbench.ui import workspace as workspace_module
from workbench.ui.model_library import ModelLibrary
from workbench.ui.network_spec import NetworkSpec
from workbench.ui.workspace import FORMAT, Workspace, check_run

RATE = {"format": "neuroworkbench.model/1", "kind": "neuron", "name": "Rate", "description": "",
        "parameters": "tau = 10.0 : population\nI = 0.0",
        "equations": "tau * dv/dt = -v + I + sum(exc)\nr = pos(v)"}


def make() -> Workspace:
    lib = ModelLibrary()
    lib.add(dict(RATE))
    net = NetworkSpec(lib, dt=0.5, seed=7)
    net.add_population("exc", "Izhikevich", 20, {"v": "Normal(-65.0, 2.0)"})
    net.add_population("units", "Rate", 5, {"I": [0.0, 1.0, 2.0, 3.0, 4.0]})
    net.add_input("noise", "poisson", size=10, rates=30.0)
    net.add_projection("ne", "noise", "exc", "exc", connector="fixed_probability",
                       params={"probability": 0.5}, weights=2.0)
    net.add_projection("uu", "units", "units", "exc", weights=0.1)
    return Workspace(lib, net, {"duration": 200.0, "chunk": 20.0,
                                "record": {"exc": ["spike", "v"], "units": ["r"]}})


def test_the_file_holds_the_user_models_the_network_and_the_run(tmp_path):
    ws = make()
    path = tmp_path / "study.json"
    ws.save(path)
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT == "neuroworkbench.workspace/1"
    assert list(data) == ["format", "models", "network", "run"]
    assert list(data["models"]) == ["Rate"]                 # built-ins are not stored
    assert data["run"] == {"duration": 200.0, "chunk": 20.0,
                           "record": {"exc": ["spike", "v"], "units": ["r"]}}
    again = Workspace.load(path)
    assert again.to_dict() == ws.to_dict()
    assert again.problems() == {} and again.network.library is again.library
    assert Workspace.from_json(path.read_bytes()).to_dict() == ws.to_dict()


def test_saving_is_atomic_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    ws = make()
    path = tmp_path / "study.json"
    path.write_text("old content")
    ws.save(path)
    assert sorted(os.listdir(tmp_path)) == ["study.json"]
    ws.network.update_population("exc", size=30)
    ws.save(path)
    assert Workspace.load(path).network.populations[0]["size"] == 30

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(workspace_module.os, "replace", broken_replace)
    ws.network.update_population("exc", size=40)
    with pytest.raises(WorkspaceError, match="cannot save the workspace to .*No space left"):
        ws.save(path)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["study.json"]    # the old file, whole
    assert Workspace.load(path).network.populations[0]["size"] == 30
    with pytest.raises(WorkspaceError, match="cannot save the workspace in"):
        ws.save(tmp_path / "missing" / "study.json")


def _data():
    return make().to_dict()


def _with(change):
    data = _data()
    change(data)
    return json.dumps(data)


CORRUPT = [
    (b"", "invalid JSON at line 1, column 1"),
    (json.dumps(_data())[:-20].encode(), "invalid JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    (b"[1, 2]", "a workspace is a JSON object, got list"),
    (b'{"format": "neuroworkbench.workspace/2"}', "in format 'neuroworkbench.workspace/2'; "
                                                  "this version reads"),
    (b'{"format": "something else"}', "not a neuroworkbench workspace"),
    (b'{"format": "neuroworkbench.workspace/1", "format": "x"}', "the key 'format' appears twice"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|invalid JSON"),
    (json.dumps(_data()).replace('"size": 20', '"size": NaN', 1),
     "NaN is not a number a workspace can hold"),
    (_with(lambda d: d.update(extra=1)), r"workspace: unknown key 'extra'"),
    (_with(lambda d: d.pop("network")), "missing 'network'"),
    (_with(lambda d: d["models"]["Rate"].update(equations="tau * dv/dt = -v + Ii")),
     r"(?s)model 'Rate' does not load: .*unknown name 'Ii'"),
    (_with(lambda d: d["models"].update(Other=d["models"]["Rate"])),
     "model 'Other': the spec must be a dict whose name is its key"),
    (_with(lambda d: d["models"]["Rate"].update(name="Izhikevich")),
     "the spec must be a dict whose name is its key"),
    (_with(lambda d: d["network"]["populations"][0].update(size="20")),
     "population 'exc': size must be a whole number of neurons"),
    (_with(lambda d: d["network"]["projections"][0].update(pre=["noise"])),
     "projection 'ne': pre must be a name"),
    (_with(lambda d: d["run"].update(duration=-5)), "run: duration must be a number of ms > 0"),
    (_with(lambda d: d["run"].update(record={"exc": "spike"})),
     r"run: record\['exc'\] must be a list of variable names"),
    (_with(lambda d: d["run"].update(speed=2)), "run: unknown key 'speed'"),
]


@pytest.mark.parametrize("content, message", CORRUPT)
def test_corrupted_files_are_refused_and_the_workspace_stays_intact(tmp_path, content, message):
    ws = make()
    before = ws.to_dict()
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(WorkspaceError, match=message):
        ws.replace_from(Workspace.load(path))
    assert ws.to_dict() == before
    with pytest.raises(WorkspaceError, match=r"^bad\.json: "):
        Workspace.load(path)


def test_files_too_large_or_missing_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(workspace_module, "MAX_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text(" " * 2000 + "{}")
    with pytest.raises(WorkspaceError, match="a workspace file is at most"):
        Workspace.load(path)
    with pytest.raises(WorkspaceError, match="the limit is"):
        Workspace.from_json(" " * 2000)
    with pytest.raises(WorkspaceError, match="above the .* a workspace file may hold"):
        make().save(tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()
    with pytest.raises(WorkspaceError, match="cannot read the workspace .*No such file"):
        Workspace.load(tmp_path / "nowhere.json")


def test_replace_from_updates_the_same_objects_so_views_stay_bound():
    ws = Workspace()
    library, network = ws.library, ws.network
    seen = []
    network.param.watch(lambda e: seen.append(e.name), ["populations"])
    ws.param.watch(lambda e: seen.append(e.name), ["run"])
    other = make()
    ws.replace_from(other)
    assert ws.library is library and ws.network is network and network.library is library
    assert ws.to_dict() == other.to_dict() and ws.problems() == {}
    assert seen == ["populations", "run"]
    other.network.update_population("exc", size=1)            # copies, not shared
    assert ws.network.populations[0]["size"] == 20


def test_recording_follows_renames_and_removals():
    ws = make()
    ws.network.update_population("exc", name="E")
    assert ws.run["record"] == {"E": ["spike", "v"], "units": ["r"]}
    ws.network.update_projection("uu", name="recurrent")        # not a population: no change
    ws.network.remove_projection("recurrent")
    ws.network.remove_population("units")
    assert ws.run["record"] == {"E": ["spike", "v"]}


def test_run_settings_are_checked():
    assert check_run({}) == {"duration": 1000.0, "chunk": 50.0, "record": {}}
    with pytest.raises(WorkspaceError, match="run: chunk must be a number of ms > 0"):
        check_run({"chunk": 0})
    with pytest.raises(WorkspaceError, match="names a variable twice"):
        check_run({"record": {"exc": ["v", "v"]}})
    ws = make()
    ws.run = {**ws.run, "record": {"exc": ["spike", "vv"], "units": ["spike"]}, "chunk": 500.0}
    problems = ws.problems()["run"]
    assert any("record['exc']: cannot record 'vv' (did you mean 'v'?)" in m for m in problems)
    assert any("record['units']: cannot record 'spike'" in m for m in problems)
    assert any("chunk: 500 ms is longer than the run (200 ms)" in m for m in problems)


def test_build_records_what_the_run_says_and_the_script_runs_the_same():
    ws = make()
    built = ws.build()
    assert set(built.monitors) == {"exc", "units"}
    assert built.monitors["exc"].variables == ["spike", "v"]
    script = ws.to_script()
    assert "net.simulate(200.0)" in script and "monitors['units'] = net.monitor(units, ['r'])" \
        in script
    assert ws.estimate_memory() > ws.network.estimate_memory()
    with pytest.raises(WorkspaceError, match="the network and its recordings need about"):
        ws.check_size(ws.network.estimate_memory() + 10)
