"""The PointNet-style runner: nodes, edges, inputs and outputs land where
SONATA and BMTK say, checked against closed forms of a tiny exact model.

The cells here use an engine model (``engine:lif.json``) whose membrane
update is exact and whose input is a jump of ``V_m`` by the weight, so
every expected number is written down by hand: a spike of weight w sent at
t with delay d moves V_m by w at t + d, and times are NEST's (the state
after a step is stamped with the step's end; a clamp acts one dt after its
start, as PointNet connects it with a delay of dt).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import Neuron
from workbench.sonata import (Config, NetworkBuilder, PointNetwork, PointSimulator,
                              SonataError, cell_model, read_report, read_spikes,
                              synaptic_weight, write_spikes)
from workbench.sonata.templates import clear_registries

TAU = 10.0
REST = -70.0

LIF = Neuron(
    parameters=f"tau = {TAU}\nI_e = 0.0\nV_th = -50.0",
    equations=(f"V_m = {REST} + I_e + (V_m - {REST} - I_e)*exp(-dt/tau) + g_exc - g_inh"
               f" : init={REST}"),
    spike="V_m >= V_th", reset=f"V_m = {REST}", name="ExactLIF")


@pytest.fixture(autouse=True)
def _clean_registries():
    clear_registries()
    yield
    clear_registries()


def _write(path, obj):
    path.write_text(json.dumps(obj))
    return path


def make_network(tmp_path, edit=None):
    """Inputs inp0..2 -> cells net0..3 (two templates, interleaved)."""
    models = tmp_path / "models"
    models.mkdir()
    _write(models / "lif.json", LIF.to_spec())
    _write(models / "fast.json", {"tau": 5.0})
    _write(models / "slow.json", {})
    _write(models / "static.json", {"delay": 9.0})

    net = NetworkBuilder("net")
    net.add_nodes(N=2, model_type="point_neuron", model_template="engine:lif.json",
                  dynamics_params="slow.json", jitter=np.array([1.0, 2.0]), kind="slow")
    net.add_nodes(N=2, model_type="point_neuron", model_template="engine:lif.json",
                  dynamics_params="fast.json", jitter=np.array([3.0, 4.0]), kind="fast")
    # net ids: 0, 1 slow; 2, 3 fast
    net.add_edges(source=net.nodes(node_id=2), target=net.nodes(node_id=0),
                  connection_rule=1, syn_weight=30.0, delay=2.0,
                  model_template="static_synapse", dynamics_params="static.json")
    net.build()
    net.save(output_dir=str(tmp_path / "network"))

    inp = NetworkBuilder("inp")
    inp.add_nodes(N=3, model_type="virtual")
    for src, trg, w, n in ((0, 2, 30.0, 1), (1, 1, -5.0, 1), (2, 3, 2.0, 3)):
        inp.add_edges(source=inp.nodes(node_id=src), target=net.nodes(node_id=trg),
                      connection_rule=n, syn_weight=w, delay=1.5,
                      model_template="static_synapse", dynamics_params="static.json")
    inp.build()
    inp.save(output_dir=str(tmp_path / "network"))

    write_spikes(tmp_path / "inputs.h5", {"inp": ([10.0, 20.0, 30.0], [0, 1, 2])})
    conf = {
        "manifest": {"$BASE": "${configdir}"},
        "run": {"tstop": 120.0, "dt": 0.1, "seed": 1},
        "components": {"point_neuron_models_dir": "$BASE/models",
                       "synaptic_models_dir": "$BASE/models"},
        "networks": {
            "nodes": [{"nodes_file": f"$BASE/network/{p}_nodes.h5",
                       "node_types_file": f"$BASE/network/{p}_node_types.csv"}
                      for p in ("net", "inp")],
            "edges": [{"edges_file": f"$BASE/network/{e}_edges.h5",
                       "edge_types_file": f"$BASE/network/{e}_edge_types.csv"}
                      for e in ("net_net", "inp_net")]},
        "inputs": {"inp_spikes": {"input_type": "spikes", "module": "h5",
                                  "input_file": "$BASE/inputs.h5", "node_set": "inp"},
                   "step": {"input_type": "current_clamp", "module": "IClamp",
                            "node_set": "cell0", "amp": 30.0, "delay": 50.0,
                            "duration": 50.0},
                   # two clamps changing at once on one cell group, summing to zero
                   "up": {"input_type": "current_clamp", "module": "IClamp",
                          "node_set": "slow", "amp": [5.0], "delay": [0.0], "duration": [10.0]},
                   "down": {"input_type": "current_clamp", "module": "IClamp",
                            "node_set": "slow", "amp": -5.0, "delay": 0.0, "duration": 10.0}},
        "node_sets": {"cell0": {"population": "net", "node_id": [0]},
                      "slow": {"population": "net", "kind": "slow"}},
        "output": {"output_dir": "$BASE/output", "spikes_file": "spikes.h5",
                   "spikes_file_csv": "spikes.csv"},
        "reports": {"membrane": {"cells": {"population": "net", "node_id": [1, 3]},
                                 "variable_name": "V_m", "module": "multimeter_report",
                                 "sections": "soma"}},
    }
    if edit:
        edit(conf)
    return Config.from_dict(conf, config_dir=tmp_path)


def run(config):
    config.build_env()
    network = PointNetwork.from_config(config)
    sim = PointSimulator.from_config(config, network)
    sim.run()
    return sim


def test_nodes_edges_inputs_and_outputs_follow_sonata(tmp_path):
    sim = run(make_network(tmp_path))
    # two cell groups (templates' parameters) + the virtual inputs
    assert sorted((g.population, len(g.node_ids)) for g in sim.groups) == \
        [("inp", 3), ("net", 2), ("net", 2)]

    t, ids = sim.spikes["net"]
    # net2 gets 30 mV at 10 + 1.5 ms and fires there; it drives net0 (30 mV, delay 2).
    assert t[ids == 2][0] == pytest.approx(11.5)
    assert t[ids == 0][0] == pytest.approx(13.5)

    # the clamp drives net0 alone from 50 (+ dt) to 100 (+ dt) ms: exact LIF with
    # I = 30 mV reaches -50 after tau*ln(3) = 10.99 ms, i.e. after 110 steps
    clamp = t[(ids == 0) & (t > 20)]
    assert clamp[0] == pytest.approx(50.0 + 0.1 + 11.0, abs=1e-9)
    assert np.diff(clamp) == pytest.approx(11.0, abs=1e-9)
    assert clamp[-1] < 100.0 + 0.1 + 1e-9 and clamp.size == 4
    assert set(ids.tolist()) == {0, 2}

    report = read_report(tmp_path / "output" / "membrane.h5")
    rids, times, v = report["net"]
    assert rids.tolist() == [1, 3]
    assert times[0] == pytest.approx(0.1) and times[1] - times[0] == pytest.approx(0.1)
    at = np.searchsorted(times, 21.5 - 1e-6)
    assert times[at] == pytest.approx(21.5)
    # net1 (slow, tau 10): the input of weight -5 arrives at 20 + 1.5 ms
    assert v[at, 0] == pytest.approx(REST - 5.0, abs=1e-4)
    assert v[at - 1, 0] == pytest.approx(REST, abs=1e-4)
    assert v[at + 10, 0] == pytest.approx(REST - 5.0 * np.exp(-1.0 / TAU), abs=1e-4)
    # net3 (fast, tau 5): nsyns = 3 synapses of 2 mV at 31.5 ms
    at = np.searchsorted(times, 31.5 - 1e-6)
    assert v[at, 1] == pytest.approx(REST + 6.0, abs=1e-4)
    assert v[at + 10, 1] == pytest.approx(REST + 6.0 * np.exp(-1.0 / 5.0), abs=1e-4)

    spikes = read_spikes(tmp_path / "output" / "spikes.h5")
    assert np.array_equal(spikes["net"][0], t) and np.array_equal(spikes["net"][1], ids)
    csv = read_spikes(tmp_path / "output" / "spikes.csv")
    assert np.allclose(csv["net"][0], t)


def test_outputs_open_in_bmtk_and_libsonata(tmp_path):
    pytest.importorskip("bmtk")
    libsonata = pytest.importorskip("libsonata")
    from bmtk.utils.reports.spike_trains import SpikeTrains

    sim = run(make_network(tmp_path))
    trains = SpikeTrains.load(str(tmp_path / "output" / "spikes.h5"))
    df = trains.to_dataframe()
    assert len(df) == sim.spikes["net"][0].size
    assert sorted(df["node_ids"].unique().tolist()) == [0, 2]
    reader = libsonata.SomaReportReader(str(tmp_path / "output" / "membrane.h5"))
    data = reader["net"].get()
    assert list(data.ids) == [1, 3]
    ours = read_report(tmp_path / "output" / "membrane.h5")["net"][2]
    assert np.allclose(np.asarray(data.data), ours)


def test_edge_types_csv_edit_switches_the_synapse_without_rebuilding(tmp_path):
    """BMTK's fourth example: tsodyks2_synapse in the edge types CSV only."""
    config = make_network(tmp_path, edit=lambda c: c["inputs"].pop("step"))
    csv = tmp_path / "network" / "inp_net_edge_types.csv"
    text = csv.read_text()
    (tmp_path / "models" / "stp.json").write_text(
        json.dumps({"U": 0.5, "u": 0.5, "tau_rec": 800.0, "tau_fac": 0.0}))
    csv.write_text(text.replace("static_synapse", "tsodyks2_synapse")
                   .replace("static.json", "stp.json"))
    sim = run(config)
    _, times, v = read_report(tmp_path / "output" / "membrane.h5")["net"]
    at = np.searchsorted(times, 31.5 - 1e-6)
    # first spike of a depressing synapse: released fraction u*x = 0.5
    assert v[at, 1] == pytest.approx(REST + 0.5 * 6.0, abs=1e-4)
    kinds = {type(p.synapse_type).__name__ for p in sim.net.get_projections()}
    assert "tsodyks2_synapse" in kinds and "static_synapse" in kinds


def test_cell_model_override_sees_node_attributes(tmp_path):
    seen = {}

    @cell_model(directive="engine:lif.json", model_type="point_neuron")
    def jittered(cell, template_name, dynamics_params):
        seen[cell.population, tuple(cell.node_ids)] = (template_name, dict(dynamics_params))
        pop = cell.create(template_name, dynamics_params)
        pop.tau = np.asarray(pop.tau) * cell["jitter"]
        return pop

    sim = run(make_network(tmp_path))
    assert seen == {("net", (0, 1)): ("lif.json", {}),
                    ("net", (2, 3)): ("lif.json", {"tau": 5.0})}
    taus = {tuple(g.node_ids): np.asarray(g.engine.tau).tolist()
            for g in sim.groups if not g.virtual}
    assert taus == {(0, 1): [10.0, 20.0], (2, 3): [15.0, 20.0]}


def test_weight_function_is_called_with_edges_and_nodes(tmp_path):
    @synaptic_weight
    def doubled(edges, source_nodes, target_nodes):
        assert list(edges.columns)[:3] == ["source_node_id", "target_node_id", "edge_type_id"]
        assert len(source_nodes) == len(edges) == len(target_nodes)
        return 2.0 * edges["syn_weight"].to_numpy(dtype=float)

    config = make_network(tmp_path)
    csv = tmp_path / "network" / "inp_net_edge_types.csv"
    lines = csv.read_text().splitlines()
    lines[0] += " weight_function"
    lines[1:] = [line + " doubled" for line in lines[1:]]
    csv.write_text("\n".join(lines) + "\n")
    run(config)
    _, times, v = read_report(tmp_path / "output" / "membrane.h5")["net"]
    assert v[np.searchsorted(times, 21.5 - 1e-6), 0] == pytest.approx(REST - 10.0, abs=1e-4)


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["components"].pop("point_neuron_models_dir"), "no folder for it"),
    (lambda c: c["reports"]["membrane"].update(variable_name="v"),
     "have no variable 'v'"),
    (lambda c: c["inputs"]["inp_spikes"].update(node_set="net"),
     "no spikes of population 'net'"),
    (lambda c: c["inputs"]["step"].update(amp=[1.0, 2.0]), "one length"),
    (lambda c: c["node_sets"]["cell0"].update(population="nope"), "no node population 'nope'"),
])
def test_config_problems_are_named(tmp_path, edit, message):
    config = make_network(tmp_path, edit=edit)
    with pytest.raises(SonataError, match=message):
        config.build_env()
        PointSimulator.from_config(config, PointNetwork.from_config(config))


def test_file_problems_are_named(tmp_path):
    config = make_network(tmp_path)
    csv = tmp_path / "network" / "inp_net_edge_types.csv"
    csv.write_text(csv.read_text().replace(" 1.5 ", " 0.05 "))
    with pytest.raises(SonataError, match=r"delay of 0.05 ms is shorter than .* dt = 0.1"):
        PointSimulator.from_config(config)
    csv.write_text(csv.read_text().replace(" 0.05 ", " 1.5 ").replace("static_synapse",
                                                                      "quantal_synapse"))
    with pytest.raises(SonataError, match="quantal_synapse.*static_synapse"):
        PointSimulator.from_config(config)
    nodes = tmp_path / "network" / "net_node_types.csv"
    nodes.write_text(nodes.read_text().replace("engine:lif.json", "neuron:lif.hoc"))
    with pytest.raises(SonataError, match="use nest:<NEST model>"):
        PointSimulator.from_config(config)


def test_command_line_runs_a_config_and_reports_problems(tmp_path):
    config = make_network(tmp_path)
    path = _write(tmp_path / "config.json", dict(config))
    done = subprocess.run([sys.executable, "-m", "workbench.sonata", "run", str(path),
                           "--no-progress"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "net: 6 spikes" in done.stdout
    assert (tmp_path / "output" / "spikes.h5").exists()
    bad = _write(tmp_path / "bad.json", {"run": {"tstop": 10.0, "dt": -1}})
    done = subprocess.run([sys.executable, "-m", "workbench.sonata", "run", str(bad)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "run.dt must be a positive number" in done.stderr and "Traceback" not in done.stderr


def test_a_network_built_by_bmtk_runs_here(tmp_path):
    """BMTK's NetworkBuilder and SpikeTrains write the files; we run them."""
    bmtk_builder = pytest.importorskip("bmtk.builder")
    from bmtk.utils.reports.spike_trains import SpikeTrains

    models = tmp_path / "models"
    models.mkdir()
    _write(models / "lif.json", LIF.to_spec())
    _write(models / "none.json", {})
    net = bmtk_builder.NetworkBuilder("cells")
    net.add_nodes(N=5, model_type="point_neuron", model_template="engine:lif.json",
                  dynamics_params="none.json", pop_name="exc")
    net.build()
    net.save(output_dir=str(tmp_path / "net"))
    virt = bmtk_builder.NetworkBuilder("virt")
    virt.add_nodes(N=5, model_type="virtual", pop_name="in")
    virt.add_edges(source=virt.nodes(), target=net.nodes(),
                   connection_rule=lambda s, t: 1 if s.node_id == t.node_id else 0,
                   syn_weight=15.0, delay=2.0, dynamics_params="none.json",
                   model_template="static_synapse")
    virt.build()
    virt.save(output_dir=str(tmp_path / "net"))
    trains = SpikeTrains(population="virt")
    for node in range(5):
        trains.add_spikes(node_ids=node, timestamps=[5.0 + 10.0 * node, 7.0 + 10.0 * node])
    trains.to_sonata(str(tmp_path / "virt_spikes.h5"))

    conf = {"run": {"tstop": 80.0, "dt": 0.1},
            "components": {"point_neuron_models_dir": str(models),
                           "synaptic_models_dir": str(models)},
            "networks": {"nodes": [{"nodes_file": str(tmp_path / f"net/{p}_nodes.h5"),
                                    "node_types_file": str(tmp_path / f"net/{p}_node_types.csv")}
                                   for p in ("cells", "virt")],
                         "edges": [{"edges_file": str(tmp_path / "net/virt_cells_edges.h5"),
                                    "edge_types_file":
                                        str(tmp_path / "net/virt_cells_edge_types.csv")}]},
            "inputs": {"virt": {"input_type": "spikes", "module": "sonata",
                                "input_file": str(tmp_path / "virt_spikes.h5"),
                                "node_set": "virt"}},
            "output": {"output_dir": str(tmp_path / "out"), "spikes_file": "spikes.h5"}}
    sim = run(Config.from_dict(conf, config_dir=tmp_path))
    t, ids = sim.spikes["cells"]
    # the first input (15 mV) does not reach threshold (20 mV above rest), the
    # second, 2 ms later, adds 15 mV to 15*exp(-0.2) and does: at 7 + 2 ms
    assert ids.tolist() == [0, 1, 2, 3, 4]
    assert t == pytest.approx(9.0 + 10.0 * np.arange(5))


def test_several_node_groups_and_per_node_dynamics_params(tmp_path):
    """SONATA lets a population hold several node groups (BMTK writes one
    per set of per-node properties) and per-node dynamics_params."""
    import h5py

    bmtk_builder = pytest.importorskip("bmtk.builder")
    models = tmp_path / "models"
    models.mkdir()
    _write(models / "lif.json", LIF.to_spec())
    _write(models / "none.json", {})
    net = bmtk_builder.NetworkBuilder("g")
    net.add_nodes(N=3, model_type="point_neuron", model_template="engine:lif.json",
                  dynamics_params="none.json", depth=np.array([1.0, 2.0, 3.0]))
    net.add_nodes(N=2, model_type="point_neuron", model_template="engine:lif.json",
                  dynamics_params="none.json", label=np.array(["a", "b"]))
    net.build()
    net.save(output_dir=str(tmp_path / "net"))
    with h5py.File(tmp_path / "net" / "g_nodes.h5", "r+") as f:
        assert f["nodes/g/node_group_id"][()].tolist() == [0, 0, 0, 1, 1]
        f["nodes/g/0"].create_group("dynamics_params").create_dataset(
            "V_th", data=np.array([-60.0, -55.0, -65.0]))
    from workbench.sonata import read_nodes

    [table] = read_nodes(tmp_path / "net" / "g_nodes.h5", tmp_path / "net" / "g_node_types.csv")
    assert np.array_equal(table.attribute("depth")[:3], [1.0, 2.0, 3.0])
    assert np.isnan(table.attribute("depth")[3:]).all()
    conf = {"run": {"tstop": 1.0, "dt": 0.1},
            "components": {"point_neuron_models_dir": str(models)},
            "networks": {"nodes": [{"nodes_file": str(tmp_path / "net/g_nodes.h5"),
                                    "node_types_file": str(tmp_path / "net/g_node_types.csv")}]},
            "output": {"output_dir": str(tmp_path / "out")}}
    sim = run(Config.from_dict(conf, config_dir=tmp_path))
    [group] = sim.groups
    assert np.asarray(group.engine.V_th).tolist() == [-60.0, -55.0, -65.0, -50.0, -50.0]


#: the seed's NESTML model, as BMTK's tutorial writes it (shared with test_nestml)
SEED_NESTML = (Path(__file__).resolve().parents[2] / "data" / "nest" / "custom_izh_neuron.nestml"
               ).read_text()


def test_the_seed_s_nestml_model_runs_by_its_nest_name(tmp_path):
    """The seed's second example: model_template nest:custom_izh_neuron_nestml,
    the .nestml file found where BMTK's config points at the built module."""
    pytest.importorskip("pynestml")
    from engine import Izhikevich

    nestml_dir = tmp_path / "nestml"
    nestml_dir.mkdir()
    (nestml_dir / "custom_izh_neuron.nestml").write_text(SEED_NESTML)

    def edit(conf):
        conf["components"]["nest_modules"] = str(nestml_dir / "nestml_izh_module.so")
        conf["inputs"].pop("inp_spikes")
        conf["inputs"]["step"].update(amp=10.0, delay=0.0, duration=200.0)
        conf["run"]["tstop"] = 200.0
        conf["reports"]["membrane"]["variable_name"] = "v"

    config = make_network(tmp_path, edit)
    csv = tmp_path / "network" / "net_node_types.csv"
    csv.write_text(csv.read_text().replace("engine:lif.json", "nest:custom_izh_neuron_nestml")
                   .replace("fast.json", "izh_d.json").replace("slow.json", "izh_d.json"))
    (tmp_path / "models" / "izh_d.json").write_text(json.dumps({"d": 2.0}))
    sim = run(config)
    t, ids = sim.spikes["net"]
    clamped = t[ids == 0]
    assert clamped.size > 3 and not (ids == 1).any()
    # the same cell written with the engine's own Izhikevich (explicit Euler as
    # this NESTML translation is RK4: compare spike counts and the first spike)
    import engine
    net = engine.Network(dt=0.1)
    ref = net.create(1, Izhikevich(a=0.02, b=0.2, c=-65.0, d=2.0))
    ref.v, ref.u = -65.0, 0.0
    mon = net.monitor(ref, ["spike"])
    net.compile()
    net.simulate(0.1)           # the clamp acts from one dt after its start
    ref.i_offset = 10.0
    net.simulate(200.0 - 0.1)
    first = (np.asarray(mon.get("spike")[0]) + 1) * 0.1
    assert abs(clamped.size - first.size) <= 1
    assert clamped[0] == pytest.approx(first[0], abs=0.5)
    with pytest.raises(SonataError, match="'e' is not a parameter or state variable"):
        (tmp_path / "models" / "izh_d.json").write_text(json.dumps({"e": 2.0}))
        PointSimulator.from_config(config)


def test_several_input_spikes_of_a_node_in_one_step_are_all_delivered(tmp_path):
    """NEST delivers each of them (an engine source spikes at most once a
    step): two spikes of inp1 in the step of 20 ms move net1 by 2 x -5 mV."""
    config = make_network(tmp_path, edit=lambda c: c["inputs"].pop("step"))
    write_spikes(tmp_path / "inputs.h5",
                 {"inp": ([10.0, 19.97, 20.0, 20.0, 30.0], [0, 1, 1, 1, 2])})
    sim = run(config)
    _, times, v = read_report(tmp_path / "output" / "membrane.h5")["net"]
    at = np.searchsorted(times, 21.5 - 1e-6)
    assert v[at, 0] == pytest.approx(REST - 15.0, abs=1e-4)
    assert len([g for g in sim.groups if g.virtual][0].layers) == 2
