"""NetworkBuilder and SONATA files: what is built is what is saved, what
libsonata reads, and what our reader reads back."""

import csv

import numpy as np
import pytest

from workbench.sonata import NetworkBuilder, SonataError, read_edges, read_nodes
from workbench.sonata.files import edge_index


def _seed_networks(tmp_path):
    """The seed tutorial's two networks (bmtk-pointnet-custom-models.md)."""
    net = NetworkBuilder("net")
    net.add_nodes(N=100, model_type="point_neuron", model_template="nest:izhikevich",
                  dynamics_params="custom_model_params.default.json")
    net.add_edges(source=net.nodes(), target=net.nodes(), connection_rule=1, syn_weight=2.0,
                  delay=1.5, dynamics_params="ExcToInh.json", model_template="static_synapse")
    net.build()
    net.save(output_dir=str(tmp_path))
    rng = np.random.default_rng(5)
    virt = NetworkBuilder("virt_exc")
    virt.add_nodes(N=10, model_type="virtual")
    virt.add_edges(target=net.nodes(), connection_rule=lambda *_: int(rng.integers(0, 10)),
                   syn_weight=2.0, delay=1.0, dynamics_params="ExcToInh.json",
                   model_template="static_synapse")
    virt.build()
    virt.save(output_dir=str(tmp_path))
    return net, virt


def test_the_seed_networks_are_saved_as_sonata_and_read_back(tmp_path):
    net, virt = _seed_networks(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["net_net_edge_types.csv", "net_net_edges.h5", "net_node_types.csv",
                     "net_nodes.h5", "virt_exc_net_edge_types.csv", "virt_exc_net_edges.h5",
                     "virt_exc_node_types.csv", "virt_exc_nodes.h5"]
    rows = list(csv.reader((tmp_path / "net_node_types.csv").open(), delimiter=" "))
    assert rows[0] == ["node_type_id", "dynamics_params", "model_template", "model_type"]
    assert rows[1] == ["100", "custom_model_params.default.json", "nest:izhikevich",
                       "point_neuron"]
    [nodes] = read_nodes(tmp_path / "net_nodes.h5", tmp_path / "net_node_types.csv")
    assert nodes.population == "net" and nodes.size == 100
    assert set(nodes.attribute("model_template")) == {"nest:izhikevich"}
    [edges] = read_edges(tmp_path / "net_net_edges.h5", tmp_path / "net_net_edge_types.csv")
    assert (edges.source, edges.target, edges.size) == ("net", "net", 10_000)
    assert set(edges.attribute("syn_weight")) == {2.0} and set(edges.attribute("delay")) == {1.5}
    assert set(edges.attribute("model_template")) == {"static_synapse"}
    pairs = set(zip(edges.source_node_id.tolist(), edges.target_node_id.tolist()))
    assert len(pairs) == 10_000                              # every pair once
    [vedges] = read_edges(tmp_path / "virt_exc_net_edges.h5",
                          tmp_path / "virt_exc_net_edge_types.csv")
    _, src, trg, nsyns = virt.edges()[0]
    built = sorted(zip(src.tolist(), trg.tolist(), nsyns.tolist()))
    read = sorted(zip(vedges.source_node_id.tolist(), vedges.target_node_id.tolist(),
                      vedges.attributes["nsyns"].tolist()))
    assert built == read and 0 not in nsyns                  # no edge where the rule said 0
    assert (vedges.source, vedges.target) == ("virt_exc", "net")


def test_libsonata_reads_our_files_and_their_indices(tmp_path):
    libsonata = pytest.importorskip("libsonata")
    net, virt = _seed_networks(tmp_path)
    nodes = libsonata.NodeStorage(str(tmp_path / "net_nodes.h5"))
    assert nodes.population_names == {"net"}
    pop = nodes.open_population("net")
    assert pop.size == 100
    storage = libsonata.EdgeStorage(str(tmp_path / "virt_exc_net_edges.h5"))
    epop = storage.open_population("virt_exc_to_net")
    assert (epop.source, epop.target, epop.size) == ("virt_exc", "net", virt.edges()[0][1].size)
    _, src, trg, _ = virt.edges()[0]
    for node in (0, 3, 9):
        sel = epop.efferent_edges(node)                       # through indices/source_to_target
        np.testing.assert_array_equal(np.sort(epop.target_nodes(sel)), np.sort(trg[src == node]))
    for node in (0, 50, 99):
        sel = epop.afferent_edges(node)                       # through indices/target_to_source
        np.testing.assert_array_equal(np.sort(epop.source_nodes(sel)), np.sort(src[trg == node]))
    assert sorted(epop.attribute_names) == ["nsyns"]


def test_per_node_properties_and_queries(tmp_path):
    net = NetworkBuilder("v1")
    positions = np.random.default_rng(0).uniform(0, 100, (30, 3))
    net.add_nodes(N=30, pop_name="exc", positions=positions, jitter=np.linspace(0.5, 1.5, 30),
                  model_template="nest:iaf_psc_delta")
    net.add_nodes(N=10, pop_name="inh", positions=positions[:10], jitter=np.ones(10),
                  model_template="nest:iaf_psc_delta")
    assert len(net.nodes(pop_name="inh")) == 10 and net.nodes(pop_name="inh").ids[0] == 30
    first = next(iter(net.nodes(pop_name="exc")))
    assert first["pop_name"] == "exc" and first.node_id == 0 and first["jitter"] == 0.5
    net.add_edges(source={"pop_name": "inh"}, target=net.nodes(pop_name="exc"),
                  connection_rule=lambda s, t, scale: 2 if t["jitter"] > scale else 0,
                  connection_params={"scale": 1.0}, syn_weight=-1.0, delay=1.0)
    net.build()
    net.save(str(tmp_path))
    [nodes] = read_nodes(tmp_path / "v1_nodes.h5", tmp_path / "v1_node_types.csv")
    np.testing.assert_allclose(nodes.attributes["positions"][:30], positions)
    assert list(nodes.attribute("pop_name")[[0, 35]]) == ["exc", "inh"]
    [edges] = read_edges(tmp_path / "v1_v1_edges.h5", tmp_path / "v1_v1_edge_types.csv")
    targets = set(edges.target_node_id.tolist())
    assert targets == {i for i in range(30) if np.linspace(0.5, 1.5, 30)[i] > 1.0}
    assert set(edges.attributes["nsyns"]) == {2} and set(edges.source_node_id) == set(range(30, 40))
    assert set(edges.attribute("source_query")) == {"pop_name=='inh'"}


def test_a_probability_rule_is_seeded_and_draws_the_right_fraction():
    def build(seed):
        net = NetworkBuilder("net", seed=seed)
        net.add_nodes(N=600)
        net.add_edges(connection_rule=0.1)
        net.build()
        return net.edges()[0]

    _, src, trg, _ = build(1)
    _, src2, trg2, _ = build(1)
    assert np.array_equal(src, src2) and np.array_equal(trg, trg2)
    # 360,000 pairs at p = 0.1: 36,000 +- 180 (sd); every target reached (the last too)
    assert abs(src.size - 36_000) < 5 * 180
    assert set(trg.tolist()) == set(range(600)) and set(src.tolist()) == set(range(600))


def test_edge_index_by_hand():
    # edges stored by target: targets 0 0 2 2 2; sources 1 3 1 0 1
    node_to_range, ranges = edge_index(np.array([1, 3, 1, 0, 1]), 4)
    # runs of equal source: [0,1) 1, [1,2) 3, [2,3) 1, [3,4) 0, [4,5) 1 -> by node:
    # node 0: [3,4); node 1: [0,1), [2,3), [4,5); node 2: none; node 3: [1,2)
    assert ranges.tolist() == [[3, 4], [0, 1], [2, 3], [4, 5], [1, 2]]
    assert node_to_range.tolist() == [[0, 1], [1, 4], [4, 4], [4, 5]]


@pytest.mark.parametrize("call, match", [
    (lambda n: n.add_nodes(N=0), "N must be a whole number >= 1"),
    (lambda n: n.add_nodes(N=3, x=[1, 2]), r"'x' has 2 values for N = 3"),
    (lambda n: n.add_nodes(N=3, node_id=1), "'node_id' is set by the builder"),
    (lambda n: n.add_edges(connection_rule=1.5), "a float connection_rule is a probability"),
    (lambda n: n.add_edges(connection_rule="all"), "connection_rule is a number of synapses"),
    (lambda n: n.add_edges(iterator="many"), "iterator must be one of"),
    (lambda n: n.add_edges(source=[0, 1]), r"source is net.nodes\(...\) or a dict query"),
])
def test_bad_descriptions_are_refused_with_the_reason(call, match):
    net = NetworkBuilder("net")
    net.add_nodes(N=3)
    with pytest.raises(SonataError, match=match):
        call(net)


def test_a_rule_returning_nonsense_is_refused_at_build():
    net = NetworkBuilder("net")
    net.add_nodes(N=3)
    net.add_edges(connection_rule=lambda s, t: -1)
    with pytest.raises(SonataError, match="returns a number of synapses"):
        net.build()
    with pytest.raises(SonataError, match="a network's name is a word"):
        NetworkBuilder("my net")


def test_damaged_files_are_refused_with_the_file_and_the_dataset(tmp_path):
    import h5py

    net, _ = _seed_networks(tmp_path)
    nodes_h5, types = tmp_path / "net_nodes.h5", tmp_path / "net_node_types.csv"
    with h5py.File(nodes_h5, "a") as f:
        del f["nodes/net/node_type_id"]
        f["nodes/net/node_type_id"] = np.full(100, 999, dtype=np.uint64)
    with pytest.raises(SonataError, match=r"uses node types \[999\] that .*net_node_types.csv"):
        read_nodes(nodes_h5, types)
    edges_h5 = tmp_path / "net_net_edges.h5"
    with h5py.File(edges_h5, "a") as f:
        del f["edges/net_to_net/target_node_id"]
        f["edges/net_to_net/target_node_id"] = np.zeros(5, dtype=np.uint64)
    with pytest.raises(SonataError, match=r"net_to_net/target_node_id has shape \(5,\), "
                                          r"expected \(10000,\)"):
        read_edges(edges_h5, tmp_path / "net_net_edge_types.csv")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(SonataError, match="not a readable HDF5 file"):
        read_nodes(tmp_path / "junk.h5", types)
    types.write_text("node_type_id model_type\n100 point_neuron extra\n")
    with pytest.raises(SonataError, match=r"line 2: 3 values for 2 columns"):
        read_nodes(nodes_h5, types)


def test_bmtk_builds_what_we_read_and_reads_what_we_build(tmp_path):
    bmtk_builder = pytest.importorskip("bmtk.builder")
    from bmtk.utils import sonata as bmtk_sonata

    theirs = tmp_path / "bmtk"
    net = bmtk_builder.NetworkBuilder("net")
    net.add_nodes(N=20, model_type="point_neuron", model_template="nest:izhikevich",
                  dynamics_params="izh.json", pop_name="exc")
    net.add_edges(source=net.nodes(), target=net.nodes(pop_name="exc"),
                  connection_rule=lambda s, t: 1 if (s.node_id + t.node_id) % 3 == 0 else 0,
                  syn_weight=2.0, delay=1.5, dynamics_params="e.json",
                  model_template="static_synapse")
    net.build()
    net.save(output_dir=str(theirs))
    [nodes] = read_nodes(theirs / "net_nodes.h5", theirs / "net_node_types.csv")
    [edges] = read_edges(theirs / "net_net_edges.h5", theirs / "net_net_edge_types.csv")
    assert nodes.size == 20 and set(nodes.attribute("pop_name")) == {"exc"}
    expected = {(s, t) for s in range(20) for t in range(20) if (s + t) % 3 == 0}
    assert set(zip(edges.source_node_id.tolist(), edges.target_node_id.tolist())) == expected
    assert set(edges.attribute("syn_weight")) == {2.0}
    # ours, opened by BMTK's SONATA reader (its own index lookups included)
    ours = tmp_path / "ours"
    _seed_networks(ours)
    f = bmtk_sonata.File(data_files=[str(ours / "net_nodes.h5"), str(ours / "net_net_edges.h5")],
                         data_type_files=[str(ours / "net_node_types.csv"),
                                          str(ours / "net_net_edge_types.csv")])
    pop = f.nodes["net"]
    assert len(pop) == 100 and pop.get_node_id(7)["model_template"] == "nest:izhikevich"
    epop = f.edges["net_to_net"]
    assert len(epop) == 10_000
    into_5 = list(epop.get_target(5))
    assert len(into_5) == 100 and {e.source_node_id for e in into_5} == set(range(100))
    assert into_5[0]["syn_weight"] == 2.0 and into_5[0]["model_template"] == "static_synapse"


def test_the_docs_example_runs_as_written(tmp_path, monkeypatch):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "sonata.md").read_text()
    block = text.split("```python")[1].split("```")[0]
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(block, "docs/sonata.md", "exec"), namespace)   # our own documentation
    assert (tmp_path / "network" / "net_net_edges.h5").exists()
    assert namespace["nodes"].size == 100 and namespace["edges"].size > 0


def test_every_pair_is_drawn_with_the_same_probability():
    """Geometric gaps must give each pair probability p, independently: over
    400 seeds each of 30 x 30 pairs at p = 0.3 is connected 120 +- 9.2 (sd)
    times; and the counts per build follow the binomial's spread."""
    hits = np.zeros((30, 30))
    sizes = []
    for seed in range(400):
        net = NetworkBuilder("net", seed=seed)
        net.add_nodes(N=30)
        net.add_edges(connection_rule=0.3)
        net.build()
        _, src, trg, _ = net.edges()[0]
        assert len(set(zip(src.tolist(), trg.tolist()))) == src.size     # no pair twice
        hits[src, trg] += 1
        sizes.append(src.size)
    sd = np.sqrt(400 * 0.3 * 0.7)
    assert np.abs(hits - 120).max() < 4.5 * sd
    assert abs(hits.mean() - 120) < 4 * sd / 30             # the mean of 900 pairs: sd / 30
    assert np.std(sizes) == pytest.approx(np.sqrt(900 * 0.3 * 0.7), rel=0.15)
    full = NetworkBuilder("full")
    full.add_nodes(N=4)
    full.add_edges(connection_rule=1.0)
    full.build()
    assert full.edges()[0][1].size == 16


def test_gzip_files_hold_the_same_network_and_bmtk_reads_them(tmp_path):
    """compression="gzip" as BMTK writes its files. (libsonata's PyPI wheel
    cannot read gzip datasets: its static HDF5 has no deflate filter.)"""
    pytest.importorskip("bmtk")
    from bmtk.utils import sonata as bmtk_sonata

    rng = np.random.default_rng(5)
    net = NetworkBuilder("z", seed=3)
    net.add_nodes(N=300, model_type="point_neuron", model_template="nest:iaf_psc_delta",
                  positions=rng.uniform(0, 10, (300, 3)))
    net.add_edges(connection_rule=0.2, syn_weight=1.0, delay=1.5,
                  model_template="static_synapse")
    net.build()
    net.save(str(tmp_path / "plain"))
    net.save(str(tmp_path / "gzip"), compression="gzip")
    sizes = {k: (tmp_path / k / "z_z_edges.h5").stat().st_size for k in ("plain", "gzip")}
    assert sizes["gzip"] < 0.5 * sizes["plain"]
    tables = {k: read_edges(tmp_path / k / "z_z_edges.h5", tmp_path / k / "z_z_edge_types.csv")[0]
              for k in ("plain", "gzip")}
    assert np.array_equal(tables["plain"].source_node_id, tables["gzip"].source_node_id)
    assert np.array_equal(tables["plain"].target_node_id, tables["gzip"].target_node_id)
    nodes = {k: read_nodes(tmp_path / k / "z_nodes.h5", tmp_path / k / "z_node_types.csv")[0]
             for k in ("plain", "gzip")}
    assert np.array_equal(nodes["plain"].attribute("positions"),
                          nodes["gzip"].attribute("positions"))
    f = bmtk_sonata.File(data_files=[str(tmp_path / "gzip" / "z_nodes.h5"),
                                     str(tmp_path / "gzip" / "z_z_edges.h5")],
                         data_type_files=[str(tmp_path / "gzip" / "z_node_types.csv"),
                                          str(tmp_path / "gzip" / "z_z_edge_types.csv")])
    into_7 = {e.source_node_id for e in f.edges["z_to_z"].get_target(7)}
    plain = tables["plain"]
    assert into_7 == set(plain.source_node_id[plain.target_node_id == 7].tolist())
    with pytest.raises(SonataError, match="compression is None or 'gzip'"):
        net.save(str(tmp_path / "x"), compression="lzf")
