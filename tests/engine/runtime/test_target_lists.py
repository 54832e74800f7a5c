"""A list of targets (ANNarchy's ``net.connect(pre, post, ['ampa', 'nmda'])``,
Ramp and SORF notebooks): every target receives the same input, once per
synapse event or weighted sum; learning runs once."""

import numpy as np
import pytest

from engine import Network, Neuron, SpikeSourceArray, Synapse
from engine.errors import NetworkError

AB = Neuron(equations="a += g_ampa\nb += g_nmda", spike="a < -1e9", name="AB")


def _spiking(delays=0.0, synapse=None):
    net = Network(dt=1.0)
    src = net.create(SpikeSourceArray([[2.0], [2.0, 4.0]]))
    post = net.create(2, AB)
    proj = net.connect(src, post, ["ampa", "nmda"], synapse)
    proj.from_matrix([[0.5, 2.0], [np.nan, 3.0]], delays=delays)
    m = net.monitor(post, ["a", "b"])
    net.compile()
    net.simulate(8.0)
    return proj, m.get("a"), m.get("b")


def test_spikes_reach_every_target():
    proj, a, b = _spiking()
    assert proj.target == ("ampa", "nmda") and proj.targets == ("ampa", "nmda")
    # spikes at steps 2 (both sources) and 4 (source 1) arrive one step later
    expected = np.array([[0, 0, 0, 2.5, 2.5, 4.5, 4.5, 4.5],
                         [0, 0, 0, 3.0, 3.0, 6.0, 6.0, 6.0]]).T
    np.testing.assert_array_equal(a, expected)
    np.testing.assert_array_equal(b, expected)


def test_per_synapse_delays_reach_every_target():
    _, a, b = _spiking(delays=np.array([[1.0, 2.0], [0.0, 3.0]]))
    # neuron 0: 0.5 at step 3 (delay 1), 2.0 at steps 4 and 6 (delay 2);
    # neuron 1: 3.0 at steps 5 and 7 (delay 3)
    expected = np.array([[0, 0, 0, 0.5, 2.5, 2.5, 4.5, 4.5],
                         [0, 0, 0, 0, 0, 3.0, 3.0, 6.0]]).T
    np.testing.assert_array_equal(a, expected)
    np.testing.assert_array_equal(b, expected)


def test_plastic_synapse_learns_once_for_all_targets():
    count = Synapse(equations="n = n : init = 0.0", pre_spike="g_target += w\nn += 1",
                    name="Count")
    proj, a, b = _spiking(synapse=count)
    np.testing.assert_array_equal(a, b)
    assert proj[0].n.tolist() == [1.0, 2.0] and proj[1].n.tolist() == [2.0]


def test_rate_coded_sums_reach_every_target():
    net = Network(dt=1.0)
    rin = net.create(2, Neuron(parameters="r = 1.0", name="One"))
    rin.r = [1.0, 3.0]
    rout = net.create(1, Neuron(equations="r = sum(x) + 10 * sum(y)", name="XY"))
    net.connect(rin, rout, ["x", "y"]).all_to_all(0.5)
    net.connect(rin, rout, "y").all_to_all(1.0)
    net.compile()
    net.simulate(1.0)
    # sum(x) = 0.5 * 4 = 2; sum(y) = 2 + 4 = 6
    assert rout.r[0] == pytest.approx(2.0 + 60.0, rel=1e-15)


def test_target_list_errors_and_a_target_the_model_ignores():
    net = Network(dt=1.0)
    src = net.create(SpikeSourceArray([[2.0]]))
    post = net.create(1, AB)
    with pytest.raises(NetworkError, match=r"a list of names such as \['ampa', 'nmda'\]"):
        net.connect(src, post, ["ampa", 3])
    with pytest.raises(NetworkError, match="target lists a name twice"):
        net.connect(src, post, ["ampa", "ampa"])
    with pytest.warns(UserWarning, match=r"does not use g_gaba.*Its input is dropped$"):
        proj = net.connect(src, post, ["ampa", "gaba"])
    proj.all_to_all(2.0)
    m = net.monitor(post, "a")
    net.compile()
    net.simulate(4.0)
    np.testing.assert_array_equal(m.get("a")[:, 0], [0, 0, 0, 2.0])


def test_a_target_list_survives_save_and_load(tmp_path):
    def make():
        net = Network(dt=1.0)
        src = net.create(SpikeSourceArray([[2.0]]))
        post = net.create(2, AB)
        return net, net.connect(src, post, ["ampa", "nmda"]).all_to_all(1.0)

    net, proj = make()
    net.compile()
    proj.w = 2.5
    net.save(tmp_path / "net.npz")
    other, copy = make()
    other.compile()
    other.load(tmp_path / "net.npz")
    np.testing.assert_array_equal(copy.connectivity_matrix(), [[2.5], [2.5]])
