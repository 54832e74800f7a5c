"""ANNarchy's shapes of projection data: ``connectivity_matrix``,
``receptive_fields`` and monitors on projections and dendrites (BCM
notebook, checked against ANNarchy 5.0.4's output), and monitor name errors."""

import numpy as np
import pytest

from engine import InputArray, Network, Neuron, Synapse, Variable
from engine.errors import NetworkError

LINEAR = Neuron(equations="r = sum(exc)", name="Linear")

#: ANNarchy 5.0.4.1, BCM notebook (1000 steps of 1 ms): after steps 0, 99,
#: 499, 999: w[:, 0, 0], w[:, 0, 1], theta[:, 0], r[:, 0]
ANNARCHY_BCM = {
    0: (1.0119675632872014, 1.00119675632872, 0.012039701163506594, 1.1),
    99: (2.344508334712451, 1.1344508334712455, 2.583526000297365, 2.4609989611126086),
    499: (0.007147686558682806, 0.9007147686558687, 0.13191423102838662, 0.09725320946972948),
    999: (0.052846167525923776, 0.9052846167525944, 0.01754540483771758, 0.1431929116944083),
}


def test_bcm_notebook_monitor_shapes_and_values_match_annarchy():
    net = Network()
    pre = net.create(InputArray(2))
    post = net.create(1, LINEAR)
    ibcm = Synapse(
        parameters=dict(eta=0.01, tau=100.0),
        equations=[
            Variable("tau * dtheta/dt + theta = (post.r)^2", locality="semiglobal",
                     method="exponential"),
            Variable("dw/dt = eta * post.r * (post.r - theta) * pre.r", min=0.0,
                     method="explicit")],
        psp="w * pre.r", name="IBCM")
    proj = net.connect(pre, post, "exc", ibcm)
    proj.all_to_all(1.0)
    net.compile()
    m = net.monitor(post, "r")
    n = net.monitor(proj, ["w", "theta"])
    pre.r = np.array([1.0, 0.1])
    net.simulate(1000.0)
    r, w, theta = m.get("r"), n.get("w"), n.get("theta")
    assert r.shape == (1000, 1) and w.shape == (1000, 1, 2) and theta.shape == (1000, 1)
    for step, (w0, w1, th, rr) in ANNARCHY_BCM.items():
        np.testing.assert_allclose([w[step, 0, 0], w[step, 0, 1], theta[step, 0], r[step, 0]],
                                   [w0, w1, th, rr], rtol=1e-9)


def _weighted(W, pre_n=None):
    net = Network(dt=1.0)
    pre = net.create(pre_n or W.shape[1], Neuron(parameters="r = 1.0", name="One"))
    post = net.create(W.shape[0], LINEAR)
    proj = net.connect(pre, post, "exc").from_matrix(W)
    return net, pre, post, proj


def test_monitor_shapes_on_sparse_projections_and_dendrites():
    W = np.array([[1.0, np.nan, 3.0], [np.nan, 5.0, 6.0], [np.nan, np.nan, 9.0]])
    net, pre, post, proj = _weighted(W)
    mp = net.monitor(proj, "w")
    m1 = net.monitor(proj.dendrite(2), "w")      # one synapse: (records,)
    m0 = net.monitor(proj.dendrite(0), "w")      # two: (records, 2)
    net.compile()
    net.simulate(3.0)
    w = mp.get("w")
    assert w.shape == (3, 3) and w.dtype == object    # dendrites of different sizes
    np.testing.assert_array_equal(w[2, 0], [1.0, 3.0])
    np.testing.assert_array_equal(w[2, 1], [5.0, 6.0])
    np.testing.assert_array_equal(w[2, 2], [9.0])
    np.testing.assert_array_equal(m1.get("w"), [9.0, 9.0, 9.0])
    np.testing.assert_array_equal(m0.get("w"), [[1.0, 3.0]] * 3)


def test_connectivity_matrix_spans_the_populations_with_the_fill_value():
    net = Network(dt=1.0)
    pre = net.create(4, Neuron(parameters="r = 1.0", name="One"))
    post = net.create(3, LINEAR)
    proj = net.connect(pre[1:3], post[[0, 2]], "exc").all_to_all(weights=2.0)
    m = proj.connectivity_matrix(fill=np.nan)
    assert m.shape == (3, 4)
    expected = np.full((3, 4), np.nan)
    expected[np.ix_([0, 2], [1, 2])] = 2.0
    np.testing.assert_array_equal(m, expected)
    np.testing.assert_array_equal(proj.connectivity_matrix(), np.nan_to_num(expected))


def _annarchy_receptive_fields(W, pre_geo, post_geo, rows, cols):
    """ANNarchy's receptive_fields(): a zero row, then tiles row by row."""
    res = np.zeros((1, cols * pre_geo[1]))
    for y in range(rows):
        tiles = []
        for x in range(cols):
            rank = y * cols + x
            tiles.append(W[rank].reshape(pre_geo) if rank < W.shape[0]
                         else np.zeros(pre_geo))
        res = np.concatenate((res, np.concatenate(tiles, axis=1)))
    return res


def test_receptive_fields_as_annarchy():
    rng = np.random.default_rng(0)
    W = rng.random((6, 12))
    net = Network(dt=1.0)
    pre = net.create((3, 4), Neuron(parameters="r = 1.0", name="One"))
    post = net.create((2, 3), LINEAR)
    proj = net.connect(pre, post, "exc").from_matrix(W)
    rf = proj.receptive_fields()
    assert rf.shape == (1 + 2 * 3, 3 * 4)
    np.testing.assert_array_equal(rf, _annarchy_receptive_fields(W, (3, 4), (2, 3), 2, 3))
    # a square grid: floor(sqrt(6)) = 2 columns, ceil(sqrt(6)) = 3 rows
    rf = proj.receptive_fields(in_post_geometry=False)
    assert rf.shape == (1 + 3 * 3, 2 * 4)
    np.testing.assert_array_equal(rf, _annarchy_receptive_fields(W, (3, 4), (6,), 3, 2))
    flat = Network()
    p1 = flat.create(5, Neuron(parameters="r = 1.0", name="One"))
    q1 = flat.create(4, LINEAR)
    j1 = flat.connect(p1, q1, "exc").all_to_all(1.0)
    with pytest.raises(NetworkError, match=r"receptive_fields\(\) needs a 2-D pre-synaptic "
                       r"population; 'pop0' has geometry \(5,\)"):
        j1.receptive_fields()
    q2 = flat.create(4, LINEAR)
    p2 = flat.create((2, 2), Neuron(parameters="r = 1.0", name="One"))
    j2 = flat.connect(p2, q2, "exc").all_to_all(1.0)
    with pytest.raises(NetworkError, match="pass in_post_geometry=False"):
        j2.receptive_fields()
    assert j2.receptive_fields(in_post_geometry=False).shape == (1 + 2 * 2, 2 * 2)


@pytest.mark.parametrize("name, message", [
    ("V", r"cannot record 'V': population 'pop0' has no such attribute \(did you mean 'v'\?\)"),
    ("spikes", r"no such attribute \(did you mean 'spike'\?\)"),
    ("zzz", r"no such attribute \(it has: v, spike\)"),
])
def test_monitor_unknown_names_say_what_was_meant(name, message):
    net = Network()
    pop = net.create(3, Neuron(equations="dv/dt = -v", spike="v > 1", reset="v = 0",
                               name="Leaky"))
    with pytest.raises(NetworkError, match=message):
        net.monitor(pop, [name])


def test_monitor_sum_of_a_target_without_projection_records_zeros():
    # (the weighted sums are recorded: tests/engine/runtime/test_monitor_sums_and_rates.py)
    net = Network()
    pop = net.create(3, LINEAR)
    m = net.monitor(pop, "sum(exc)")
    net.compile()
    net.simulate(2.0)
    np.testing.assert_array_equal(m.get("sum(exc)"), np.zeros((2, 3)))
