"""SONATA configs (manifest, child configs, checks) and spike files."""

import json

import numpy as np
import pytest

from workbench.sonata import SonataError
from workbench.sonata.config import Config
from workbench.sonata.spikes import read_spikes, write_spikes


def _config(tmp_path, **changes):
    conf = {
        "manifest": {"$BASE_DIR": "${configdir}", "$NETWORK_DIR": "$BASE_DIR/network",
                     "$OUTPUT_DIR": "$BASE_DIR/output"},
        "run": {"tstop": 3000.0, "dt": 0.01},
        "inputs": {"exc_spikes": {"input_type": "spikes", "module": "h5",
                                  "input_file": "$BASE_DIR/inputs/exc.h5",
                                  "node_set": "virt_exc"}},
        "output": {"output_dir": "$OUTPUT_DIR", "spikes_file": "spikes.h5",
                   "spikes_file_csv": "spikes.csv"},
        "reports": {"membrane": {"variable_name": "V_m", "cells": "net"}},
        "network": "circuit_config.json",
    }
    conf.update(changes)
    circuit = {"manifest": {"$NET": "${configdir}/network"},
               "networks": {"nodes": [{"nodes_file": "$NET/net_nodes.h5",
                                       "node_types_file": "$NET/net_node_types.csv"},
                                      {"nodes_file": "$NET/virt_exc_nodes.h5",
                                       "node_types_file": "$NET/virt_exc_node_types.csv"}],
                            "edges": [{"edges_file": "$NET/net_net_edges.h5",
                                       "edge_types_file": "$NET/net_net_edge_types.csv"}]}}
    (tmp_path / "circuit_config.json").write_text(json.dumps(circuit))
    path = tmp_path / "config.json"
    path.write_text(json.dumps(conf))
    return path


def test_a_config_is_resolved_as_bmtk_resolves_it(tmp_path):
    cfg = Config.from_json(_config(tmp_path))
    assert (cfg.tstop, cfg.dt) == (3000.0, 0.01)
    assert cfg.inputs["exc_spikes"]["input_file"] == f"{tmp_path}/inputs/exc.h5"
    assert cfg.nodes[0]["nodes_file"] == f"{tmp_path}/network/net_nodes.h5"   # child config
    assert cfg.edges[0]["edge_types_file"].endswith("network/net_net_edge_types.csv")
    assert cfg.output["spikes_file"] == f"{tmp_path}/output/spikes.h5"        # under output_dir
    out = cfg.build_env()
    assert out.is_dir() and out == tmp_path / "output"
    (out / "old.txt").write_text("x")
    cfg.build_env()                                   # overwrite_output_dir: emptied
    assert not (out / "old.txt").exists()


def test_config_variables_given_by_the_caller_and_node_sets_file(tmp_path):
    (tmp_path / "node_sets.json").write_text(json.dumps({"exc": {"pop_name": "exc"}}))
    path = _config(tmp_path, node_sets_file="$BASE_DIR/node_sets.json",
                   run={"tstop": "$TSTOP", "dt": 0.1},
                   inputs={"x": {"input_type": "spikes", "module": "csv", "input_file": "a.csv",
                                 "node_set": "exc"}})
    with pytest.raises(SonataError, match="run.tstop must be a positive number"):
        Config.from_json(path, TSTOP="abc")
    cfg = Config.from_json(path, TSTOP=500)
    assert cfg["run"]["tstop"] == 500 and cfg.tstop == 500.0     # "$TSTOP" alone: the number
    assert cfg.node_sets == {"exc": {"pop_name": "exc"}}
    assert cfg.inputs["x"]["node_set"] == "exc"


@pytest.mark.parametrize("changes, match", [
    ({"run": {"tstop": 100.0}}, r"run.dt must be a positive number"),
    ({"run": {"tstop": 1.0, "dt": 5.0}}, r"run.dt \(5.0\) is longer than run.tstop"),
    ({"output": {"output_dir": "$NOWHERE/out"}}, r"the variable \$NOWHERE .* is not defined"),
    ({"manifest": {"$A": "$B", "$B": "$A"}}, "refer to each other or to undefined"),
    ({"inputs": {"i": {"input_type": "noise", "module": "h5"}}},
     "inputs.i.input_type must be one of spikes, current_clamp"),
    ({"inputs": {"i": {"input_type": "spikes", "module": "nwb", "input_file": "x"}}},
     "inputs.i.module for spikes must be one of"),
    ({"inputs": {"i": {"input_type": "current_clamp", "module": "IClamp", "amp": 1.0,
                       "delay": 0.0}}}, r"a current clamp\) needs duration"),
    ({"inputs": {"i": {"input_type": "spikes", "module": "h5", "input_file": "x",
                       "node_set": "lgn"}}}, "node_set 'lgn' is not a node set"),
    ({"reports": {"r": {"cells": "net"}}}, "reports.r needs a variable_name"),
])
def test_bad_configs_are_refused_naming_the_section(tmp_path, changes, match):
    with pytest.raises(SonataError, match=match):
        Config.from_json(_config(tmp_path, **changes))


def test_a_config_that_is_not_json_is_refused(tmp_path):
    (tmp_path / "c.json").write_text("{run: 1")
    with pytest.raises(SonataError, match="not JSON"):
        Config.from_json(tmp_path / "c.json")
    with pytest.raises(SonataError, match="cannot read it"):
        Config.from_json(tmp_path / "missing.json")


@pytest.mark.parametrize("suffix", [".h5", ".csv"])
def test_spike_files_round_trip_sorted(tmp_path, suffix):
    spikes = {"virt_exc": (np.array([5.0, 1.5, 1.5, 3.25]), np.array([2, 7, 1, 0])),
              "net": (np.array([0.1]), np.array([42]))}
    path = write_spikes(tmp_path / f"spikes{suffix}", spikes)
    back = read_spikes(path)
    np.testing.assert_array_equal(back["virt_exc"][0], [1.5, 1.5, 3.25, 5.0])
    np.testing.assert_array_equal(back["virt_exc"][1], [1, 7, 0, 2])      # by time, then id
    assert read_spikes(path, "net")["net"][1].tolist() == [42]
    with pytest.raises(SonataError, match="no spikes of population 'lgn'"):
        read_spikes(path, "lgn")


def test_bmtk_reads_our_spike_files_and_we_read_theirs(tmp_path):
    pytest.importorskip("bmtk")
    from bmtk.utils.reports.spike_trains import SpikeTrains

    write_spikes(tmp_path / "ours.h5", {"virt": (np.array([1.0, 2.0, 4.0]), np.array([0, 3, 0]))})
    theirs = SpikeTrains.load(str(tmp_path / "ours.h5"))
    np.testing.assert_array_equal(theirs.get_times(0, population="virt"), [1.0, 4.0])
    st = SpikeTrains(population="lgn")
    st.add_spikes(node_ids=[0, 0, 5], timestamps=[3.0, 7.5, 1.0])
    st.to_sonata(str(tmp_path / "bmtk.h5"))
    st.to_csv(str(tmp_path / "bmtk.csv"))
    for name in ("bmtk.h5", "bmtk.csv"):
        t, ids = read_spikes(tmp_path / name)["lgn"]
        assert sorted(zip(t.tolist(), ids.tolist())) == [(1.0, 5), (3.0, 0), (7.5, 0)]


def test_damaged_spike_files_are_refused(tmp_path):
    import h5py

    with h5py.File(tmp_path / "bad.h5", "w") as f:
        f["spikes/p/timestamps"] = np.array([1.0, 2.0])
        f["spikes/p/node_ids"] = np.array([1])
    with pytest.raises(SonataError, match=r"timestamps \(2,\) and node_ids \(1,\) differ"):
        read_spikes(tmp_path / "bad.h5")
    (tmp_path / "bad.csv").write_text("timestamps population node_ids\n1.0 p x\n")
    with pytest.raises(SonataError, match="line 2: not a time and a node id"):
        read_spikes(tmp_path / "bad.csv")
