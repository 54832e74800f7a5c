"""proj.save / proj.load (ANNarchy's Projection.save/load), and from_file on a
connected projection: formats, exact restore, refused files, atomic writes."""

import gzip
import os
import pickle

import numpy as np
import pytest

from engine import STDP, Network, NetworkError, Neuron, Synapse, Uniform
from engine.errors import NetworkFileError
from engine.runtime import projection_io

RATE = Neuron(name="PioRate", equations="r = 1.0 + sum(exc)")
LEARN = Synapse(
    name="PioLearn",
    parameters="""
        eta = 0.1
        tau = 5.0 : projection
    """,
    equations="""
        dx/dt = -x / tau
        alpha = 0.0 : postsynaptic
    """,
    psp="w * pre.r",
)
LIF = Neuron(name="PioLIF", parameters="tau = 10.0",
             equations="tau * dv/dt = -v + g_exc", spike="v > 1.0", reset="v = 0.0")
FORMATS = [".npz", ".data", ".txt.gz"]


def rate_net(seed=1, n_pre=6, n_post=5, p=0.6, compile=True):
    net = Network(dt=0.1, seed=seed)
    a = net.create(n_pre, RATE, name="a")
    b = net.create(n_post, RATE, name="b")
    proj = net.connect(a, b, "exc", LEARN, name="ab").fixed_probability(
        p, weights=Uniform(0.0, 1.0), delays=Uniform(0.1, 1.0))
    if compile:
        net.compile()
    return net, proj


def flat(lists):
    return np.concatenate([np.asarray(x, dtype=float) for x in lists])


def pairs(proj):
    """(post, pre) of every synapse in dendrite order, from the public API."""
    out = []
    for d in proj.dendrites:
        out += [(d.post_rank, int(r)) for r in d.pre_ranks]
    return out


def set_state(proj, k):
    """Values that depend on the synapse and on ``k``, written through the public API."""
    pr = [np.asarray(d.pre_ranks, dtype=float) for d in proj.dendrites]
    proj.w = [k + 0.01 * p + 0.1 * post for p, post in zip(pr, proj.post_ranks)]
    proj.x = [-k - 0.5 * p for p in pr]
    proj.alpha = [k * 10.0 + post for post in proj.post_ranks]
    proj.tau = 3.0 + k
    proj.eta = [np.full(p.size, 0.25 * k) for p in pr]


def expected_state(proj, k):
    w, x, alpha = [], [], []
    for post, pre in pairs(proj):
        w.append(k + 0.01 * pre + 0.1 * post)
        x.append(-k - 0.5 * pre)
    alpha = [k * 10.0 + post for post in proj.post_ranks]
    return np.array(w), np.array(x), np.array(alpha), 3.0 + k


def assert_state(proj, k):
    w, x, alpha, tau = expected_state(proj, k)
    np.testing.assert_array_equal(flat(proj.w), w)
    np.testing.assert_array_equal(flat(proj.x), x)
    np.testing.assert_array_equal(np.asarray(proj.alpha), alpha)
    assert proj.tau == tau
    np.testing.assert_array_equal(flat(proj.eta), np.full(w.size, 0.25 * k))


@pytest.mark.parametrize("ext", FORMATS)
def test_round_trip_restores_every_synaptic_attribute(tmp_path, ext):
    net, proj = rate_net()
    assert proj.attributes == ["eta", "tau", "w", "x", "alpha"]
    set_state(proj, 2.0)
    fn = tmp_path / ("proj" + ext)
    proj.save(fn)
    set_state(proj, 7.0)
    assert_state(proj, 7.0)
    proj.load(str(fn))
    assert_state(proj, 2.0)


def test_formats_on_disk(tmp_path):
    """.txt.gz is the gzip of an .npz archive, .data the npz content, no pickle."""
    net, proj = rate_net()
    for ext in FORMATS:
        proj.save(tmp_path / ("p" + ext))
    raw = (tmp_path / "p.data").read_bytes()
    assert raw[:4] == b"PK\x03\x04"
    assert gzip.decompress((tmp_path / "p.txt.gz").read_bytes())[:4] == b"PK\x03\x04"
    with np.load(tmp_path / "p.npz", allow_pickle=False) as z:
        assert str(z["format"]) == projection_io.FORMAT
        assert list(z["post_ranks"]) == proj.post_ranks
        np.testing.assert_array_equal(z["pre_ranks"], [pre for _, pre in pairs(proj)])
        np.testing.assert_array_equal(z["dendrite_ptr"],
                                      np.cumsum([0] + [d.size for d in proj.dendrites]))
        np.testing.assert_array_equal(z["attr/w"], flat(proj.w))
        np.testing.assert_allclose(z["delay"], flat(proj.delay))


def test_spiking_projection_rows_by_pre(tmp_path):
    """STDP between spiking populations stores rows by pre neuron: the file is
    written and read dendrite by dendrite all the same."""
    net = Network(dt=0.1, seed=4)
    a = net.create(7, LIF, name="a")
    b = net.create(5, LIF, name="b")
    proj = net.connect(a, b, "exc", STDP, name="stdp").fixed_probability(0.5, weights=0.3)
    net.compile()
    assert proj.rows == "pre"
    f = lambda post, pre: 1.0 + 0.25 * post - 0.125 * pre  # noqa: E731
    proj.w = [np.array([f(d.post_rank, p) for p in d.pre_ranks]) for d in proj.dendrites]
    proj.x = 0.5
    proj.save(tmp_path / "stdp.npz")
    proj.w = 0.0
    proj.x = 0.0
    proj.load(tmp_path / "stdp.npz")
    np.testing.assert_array_equal(flat(proj.w), [f(post, pre) for post, pre in pairs(proj)])
    np.testing.assert_array_equal(flat(proj.x), np.full(proj.nb_synapses, 0.5))


def test_delays_restored_before_compile(tmp_path):
    net, proj = rate_net(compile=False)
    dt = net.dt
    # flat, in storage order (= dendrite order for rate-coded rows by post)
    proj.delay = (np.arange(proj.nb_synapses) % 3 + 1) * dt
    expected = flat(proj.delay)
    proj.save(tmp_path / "d.npz")
    proj.delay = 0.5
    assert proj.delay == 0.5
    proj.load(tmp_path / "d.npz")
    np.testing.assert_allclose(flat(proj.delay), expected)


def test_mat_for_analysis_only(tmp_path):
    from scipy.io import loadmat

    net, proj = rate_net()
    set_state(proj, 1.0)
    proj.save(tmp_path / "p.mat")
    m = loadmat(tmp_path / "p.mat", squeeze_me=True)["projection"]
    np.testing.assert_array_equal(np.ravel(m["w"].item()), flat(proj.w))
    assert str(m["name"].item()) == "ab"
    with pytest.raises(NetworkFileError, match="'.mat' files .* cannot be loaded back"):
        proj.load(tmp_path / "p.mat")


def test_other_population_sizes_refused(tmp_path):
    net, proj = rate_net(n_pre=6)
    proj.save(tmp_path / "p.npz")
    net2, proj2 = rate_net(n_pre=8)
    with pytest.raises(NetworkFileError,
                       match=r"saved from a projection of 6 -> 5 neurons; projection 'ab' "
                             r"goes from 8 to 5"):
        proj2.load(tmp_path / "p.npz")


def test_other_connectivity_refused_and_nothing_changed(tmp_path):
    net, proj = rate_net(seed=1)
    proj.save(tmp_path / "p.npz")
    net2, proj2 = rate_net(seed=2)
    assert pairs(proj) != pairs(proj2)
    set_state(proj2, 4.0)
    with pytest.raises(NetworkFileError, match=r"other synapses \(\d+ synapses in the file, "
                                               r"\d+ in the projection\)"):
        proj2.load(tmp_path / "p.npz")
    assert_state(proj2, 4.0)


def test_other_dendrite_named_in_message(tmp_path):
    """Same dendrites, one pre rank moved: the message names the dendrite."""
    net = Network(dt=0.1)
    a, b = net.create(4, RATE, name="a"), net.create(2, RATE, name="b")
    p1 = net.connect(a, b, "exc", name="p1").from_arrays([0, 1, 2], [0, 0, 1], 1.0)
    p2 = net.connect(a, b, "exc", name="p2").from_arrays([0, 1, 3], [0, 0, 1], 1.0)
    p1.save(tmp_path / "p1.npz")
    with pytest.raises(NetworkFileError,
                       match=r"the dendrite of post-synaptic neuron 1 has pre ranks \[2\] in "
                             r"the file, \[3\] in the projection"):
        p2.load(tmp_path / "p1.npz")


def test_other_attributes_refused(tmp_path):
    net = Network(dt=0.1)
    a, b = net.create(4, RATE, name="a"), net.create(3, RATE, name="b")
    p1 = net.connect(a, b, "exc", LEARN, name="p1").all_to_all(0.5)
    p2 = net.connect(a, b, "exc", name="p2").all_to_all(0.5)
    p1.save(tmp_path / "p1.npz")
    with pytest.raises(NetworkFileError, match=r"other synaptic attributes than the file; "
                                               r"unknown: alpha, eta, tau, x"):
        p2.load(tmp_path / "p1.npz")


def test_truncated_and_corrupt_files_refused(tmp_path):
    net, proj = rate_net()
    set_state(proj, 3.0)
    for ext in (".npz", ".txt.gz"):
        fn = tmp_path / ("p" + ext)
        proj.save(fn)
        raw = fn.read_bytes()
        fn.write_bytes(raw[: len(raw) // 2])
        with pytest.raises(NetworkFileError, match="corrupt or truncated"):
            proj.load(fn)
    junk = tmp_path / "junk.data"
    junk.write_bytes(b"not a file at all" * 10)
    with pytest.raises(NetworkFileError, match="not a projection file written by proj.save()"):
        proj.load(junk)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(NetworkFileError, match="the file is empty"):
        proj.load(empty)
    with pytest.raises(NetworkFileError, match="no such file"):
        proj.load(tmp_path / "missing.npz")
    assert_state(proj, 3.0)


def test_tampered_ranks_refused(tmp_path):
    """A well-formed archive with a pre rank outside the population."""
    net, proj = rate_net()
    proj.save(tmp_path / "p.npz")
    with np.load(tmp_path / "p.npz", allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    data["pre_ranks"] = data["pre_ranks"].copy()
    data["pre_ranks"][0] = 99
    np.savez(tmp_path / "bad.npz", **data)
    with pytest.raises(NetworkFileError, match=r"a pre rank is outside \[0, 6\)"):
        proj.load(tmp_path / "bad.npz")
    data = {k: v for k, v in data.items() if k != "attr/x"}
    data["pre_ranks"][0] = 0
    np.savez(tmp_path / "bad2.npz", **data)
    with pytest.raises(NetworkFileError, match=r"entry 'attr/x' is missing"):
        proj.load(tmp_path / "bad2.npz")


def test_pickles_are_never_unpickled(tmp_path):
    """ANNarchy's .data/.txt.gz are pickles: refused by name, never read."""
    sentinel = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(sentinel), "w"))

    net, proj = rate_net()
    payload = pickle.dumps({"w": Evil()}, protocol=pickle.HIGHEST_PROTOCOL)
    (tmp_path / "ann.data").write_bytes(payload)
    (tmp_path / "ann.txt.gz").write_bytes(gzip.compress(payload))
    for name in ("ann.data", "ann.txt.gz"):
        with pytest.raises(NetworkFileError, match="it is a Python pickle"):
            proj.load(tmp_path / name, pickle_encoding="latin1")
    assert not sentinel.exists()


def test_network_and_connectivity_files_get_a_hint(tmp_path):
    net, proj = rate_net()
    net.save(tmp_path / "net.npz")
    with pytest.raises(NetworkFileError, match=r"it is a network file: load it with net.load"):
        proj.load(tmp_path / "net.npz")
    proj.save_connectivity(tmp_path / "conn.npz")
    with pytest.raises(NetworkFileError, match=r"load it with proj.from_file"):
        proj.load(tmp_path / "conn.npz")


def test_save_is_atomic(tmp_path, monkeypatch):
    net, proj = rate_net()
    set_state(proj, 1.0)
    fn = tmp_path / "p.npz"
    proj.save(fn)
    before = fn.read_bytes()

    def failing(fh, data):
        fh.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(projection_io, "_write_npz", failing)
    set_state(proj, 2.0)
    with pytest.raises(NetworkFileError, match=r"cannot write .*p.npz.*disk full"):
        proj.save(fn)
    assert sorted(os.listdir(tmp_path)) == ["p.npz"]   # no temporary file left
    assert fn.read_bytes() == before
    with pytest.raises(NetworkFileError, match="disk full"):
        proj.save(tmp_path / "new.npz")
    assert sorted(os.listdir(tmp_path)) == ["p.npz"]   # nothing half-written
    monkeypatch.undo()
    proj.load(fn)
    assert_state(proj, 1.0)


def test_unconnected_projection(tmp_path):
    net = Network(dt=0.1)
    a, b = net.create(3, RATE, name="a"), net.create(3, RATE, name="b")
    proj = net.connect(a, b, "exc", name="p")
    with pytest.raises(NetworkFileError, match="has no synapses yet"):
        proj.save(tmp_path / "p.npz")
    with pytest.raises(NetworkFileError, match="has no synapses yet: connect it"):
        proj.load(tmp_path / "p.npz")
    with pytest.raises(NetworkFileError, match=r"save\(\) needs a file name"):
        proj.save(3)


def test_delays_beyond_compiled_buffers_refused_nothing_changed(tmp_path):
    """A file whose delays the compiled network cannot hold: refused with the
    delay rule's reason, and no attribute was written."""
    def build(delay):
        net = Network(dt=0.1, seed=5)
        a, b = net.create(4, RATE, name="a"), net.create(3, RATE, name="b")
        proj = net.connect(a, b, "exc", name="p").all_to_all(0.5, delays=delay)
        net.compile()
        return proj

    proj = build(5.0)
    proj.w = 2.0
    proj.save(tmp_path / "long.npz")
    short = build(0.5)
    with pytest.raises(NetworkFileError, match="exceeds the .* ms the compiled network keeps"):
        short.load(tmp_path / "long.npz")
    np.testing.assert_array_equal(flat(short.w), np.full(12, 0.5))
    assert short.delay == pytest.approx(0.5)


# -- from_file on a connected projection (ANNarchy's test_projection_save_and_load_connectivity)
def test_from_file_on_connected_projection_restores_weights_and_delays(tmp_path):
    net, proj = rate_net()
    set_state(proj, 1.0)
    w = flat(proj.w)
    d = flat(proj.delay)
    proj.save_connectivity(tmp_path / "c.npz")
    net.reset(projections=True, synapses=True)
    assert not np.array_equal(flat(proj.w), w)
    assert proj.from_file(tmp_path / "c.npz") is proj
    np.testing.assert_array_equal(flat(proj.w), w)
    np.testing.assert_allclose(flat(proj.delay), d)


def test_from_file_with_other_synapses_refused(tmp_path):
    net, proj = rate_net(seed=1)
    proj.save_connectivity(tmp_path / "c.npz")
    net2, proj2 = rate_net(seed=2)
    proj2.w = 0.25
    with pytest.raises(NetworkError,
                       match=r"projection 'ab' is already connected and .*c.npz' cannot be "
                             r"loaded into it: other synapses .* only restores the weights "
                             r"and delays of the same synapses"):
        proj2.from_file(tmp_path / "c.npz")
    np.testing.assert_array_equal(flat(proj2.w), np.full(proj2.nb_synapses, 0.25))


def test_from_file_into_unconnected_projection_unchanged(tmp_path):
    net, proj = rate_net()
    proj.save_connectivity(tmp_path / "c.npz")
    net2 = Network(dt=0.1)
    a, b = net2.create(6, RATE, name="a"), net2.create(5, RATE, name="b")
    fresh = net2.connect(a, b, "exc").from_file(tmp_path / "c.npz")
    assert pairs(fresh) == pairs(proj)
    np.testing.assert_array_equal(flat(fresh.w), flat(proj.w))
