"""``Population.compute_firing_rate``, ``Population.clear`` and the message
for a population-wide parameter given several values.

The firing-rate traces are checked against a numpy count of the recorded
spikes (1000/window Hz per spike in the last int(window/dt) steps, this step
included) and against ANNarchy 5.0.4.1's output for the same script.
"""

import numpy as np
import pytest

import engine as ann
from engine import Network, NetworkError, Neuron, SpikeSourceArray
from engine.errors import AttributeAssignmentError

# dv/dt = I, spike at v > 1: neuron 0 every 20 steps, neuron 1 every 9, neuron 2 never
_PACED = Neuron(parameters="I = 0.1", equations="dv/dt = I : init=0.0", spike="v > 1.0",
                reset="v = 0.0")


def _paced(window=20.0, dt=0.5):
    net = Network(dt=dt, seed=1)
    pop = net.create(3, _PACED)
    pop.I = np.array([0.1, 0.25, 0.0])
    pop.compute_firing_rate(window=window)
    m = net.monitor(pop, ["r", "spike"])
    net.compile()
    return net, pop, m


def _window_rate(spikes, n_steps, window, dt):
    """Reference: 1000/window Hz per spike in (s - int(window/dt), s]."""
    w = int(window / dt)
    out = np.zeros(n_steps)
    for s in spikes:
        out[s:s + w] += 1000.0 / window
    return out


def test_rate_is_the_sliding_window_count_as_annarchy():
    net, pop, m = _paced()
    net.simulate(60.0)
    spikes = m.get("spike")
    r = m.get("r")
    # ANNarchy 5.0.4.1, same script: the same spike steps...
    assert [int(s) for s in spikes[0]] == [19, 39, 59, 79, 99, 119]
    assert [int(s) for s in spikes[1]] == [8, 17, 26, 35, 44, 53, 62, 71, 80, 89, 98, 107, 116]
    for i in range(3):
        np.testing.assert_allclose(r[:, i], _window_rate(spikes.get(i, []), 120, 20.0, 0.5))
    # ... and the same values: 0 until step 19, 50 Hz from 19, 100 Hz from 39 (neuron 0);
    # neuron 1 alternates 250 / 200 Hz once 5 spikes fit in the 40 steps
    assert r[18, 0] == 0.0 and r[19, 0] == 50.0 and r[39, 0] == 100.0
    assert r[8, 1] == 50.0 and r[44, 1] == 250.0 and r[48, 1] == 200.0
    np.testing.assert_array_equal(pop.r, [100.0, 250.0, 0.0])


def test_clear_forgets_spikes_keeps_variables_as_annarchy():
    net, pop, m = _paced()
    net.simulate(60.0)
    v = np.array(pop.v)
    pop.clear()
    np.testing.assert_array_equal(pop.v, v)
    np.testing.assert_array_equal(pop.r, [0.0, 0.0, 0.0])
    net.simulate(2.0)
    # ANNarchy 5.0.4.1: r = [0, 0, 0], v = [0.2, 0.875, 0] after 2 more ms
    np.testing.assert_array_equal(pop.r, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(pop.v, [0.2, 0.875, 0.0])


def test_rate_of_a_spike_source_and_a_window_change():
    net = Network(dt=1.0)
    src = net.create(SpikeSourceArray([[1.0, 2.0, 3.0, 10.0]]))
    src.compute_firing_rate(5.0)
    m = net.monitor(src, "r")
    net.compile()
    net.simulate(20.0)
    np.testing.assert_allclose(m.get("r")[:, 0],
                               _window_rate([1, 2, 3, 10], 20, 5.0, 1.0))
    src.compute_firing_rate(2.0)          # shrink after compile: allowed
    src.spike_times = [[25.0, 26.0]]
    net.simulate(10.0)
    np.testing.assert_allclose(m.get("r")[:, 0],
                               _window_rate([25, 26], 30, 2.0, 1.0)[20:])


@pytest.mark.parametrize("window", [0.0, -5.0, float("nan"), "100"])
def test_bad_window_refused(window):
    pop = Network().create(2, _PACED)
    with pytest.raises(NetworkError, match="the window is a duration in ms > 0"):
        pop.compute_firing_rate(window)


def test_rate_coded_and_after_compile_refused():
    net = Network()
    rate = net.create(2, Neuron(equations="r = 1.0"))
    with pytest.raises(NetworkError, match="for spiking neurons; this one is rate-coded"):
        rate.compute_firing_rate(10.0)
    spiking = net.create(2, _PACED)
    net.compile()
    with pytest.raises(NetworkError, match="before net.compile"):
        spiking.compute_firing_rate(10.0)


def test_synapses_read_post_r():
    # Ramp/SORF: synapses read the computed rate (post.r there, pre.r here)
    net = Network(dt=1.0)
    src = net.create(SpikeSourceArray([[float(t) for t in range(0, 50, 2)]]))
    post = net.create(1, Neuron(equations="dv/dt = g_exc", spike="v > 1e9"))
    post.compute_firing_rate(10.0)
    src.compute_firing_rate(10.0)
    syn = ann.Synapse(equations="R = pre.r", pre_spike="g_target += w")
    proj = net.connect(src, post, "exc", synapse=syn).all_to_all(weights=0.0)
    net.compile()
    net.simulate(20.0)
    # 5 spikes (steps 10..18 even) in the last 10 steps: 500 Hz
    assert float(np.asarray(proj.R[0])[0]) == 500.0


def test_population_wide_parameter_message_gives_the_local_spelling():
    n = Neuron(parameters=dict(I=ann.Parameter(15.0)), equations="dv/dt = I - v",
               spike="v > 100.0")
    pop = Network().create(4, n)
    with pytest.raises(AttributeAssignmentError,
                       match=r"I = ann.Parameter\(15.0, locality='local'\)"):
        pop.I = np.arange(4.0)
    with pytest.raises(AttributeAssignmentError, match="a view cannot set it.*locality='local'"):
        pop[:2].I = 1.0
    # and that spelling works: one value per neuron, settable through views
    local = Neuron(parameters=dict(I=ann.Parameter(15.0, locality="local")),
                   equations="dv/dt = I - v", spike="v > 100.0")
    p2 = Network().create(4, local)
    p2.I = np.arange(4.0)
    p2[:2].I = 7.0
    np.testing.assert_array_equal(p2.I, [7.0, 7.0, 2.0, 3.0])


def test_net_reset_keeps_the_window_and_forgets_the_spikes():
    net, pop, m = _paced()
    net.simulate(30.0)
    pop.compute_firing_rate(10.0)         # 20 steps now
    net.reset()
    m.get()
    net.simulate(60.0)
    spikes = m.get("spike")
    r = m.get("r")
    for i in range(3):
        np.testing.assert_allclose(r[:, i], _window_rate(spikes.get(i, []), 120, 10.0, 0.5))
