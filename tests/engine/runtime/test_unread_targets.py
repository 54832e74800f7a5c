"""Projections into a target the post-synaptic model does not read.

ANNarchy allows them (it adds the target to the post population): the
STDP1 notebook pairs spikes of two SpikeSourceArrays to measure an STDP
window. Here such a projection is a warning: spikes into a conductance the
model lacks are dropped (its learning runs; an error when it could have no
effect at all), a rate-coded sum is computed as ANNarchy does (``pop.sum``).
Weight changes are checked against the closed form of the event-driven
traces and against ANNarchy 5.0.4's output on the notebook.
"""

import warnings

import numpy as np
import pytest

from engine import Network, Neuron, SpikeSourceArray, Synapse, Variable
from engine.errors import NetworkError

STDP = Synapse(
    parameters=dict(tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.01,
                    w_min=0.0, w_max=2.0),
    equations=[Variable("tau_plus * dx/dt = -x", method="event-driven"),
               Variable("tau_minus * dy/dt = -y", method="event-driven")],
    pre_spike="""
        g_target += w
        x += A_plus * w_max
        w = clip(w - y, w_min , w_max)
    """,
    post_spike="""
        y += A_minus * w_max
        w = clip(w + x, w_min , w_max)
    """,
    name="STDP1")

#: ANNarchy 5.0.4.1, STDP1 notebook: weight change for a post spike at 50 ms
#: and a pre spike at t_pre ms (dt 1 ms). (The notebook sets spike_times after
#: clear(); ANNarchy applies new times at the next clear(), so its trial k
#: measures the times of trial k - 1: these are keyed by the times measured.)
ANNARCHY_DW = {100.0: -0.0016416999724779835, 61.0: -0.011538996207609786,
               51.0: -0.019024588490014316, 50.0: -0.020000000000000018,
               49.0: 0.020000000000000018, 41.0: 0.013406400920712769,
               1.0: 0.0018143590657881958}


def _closed_form(t_pre, t_post=50.0, amp=0.02, tau=20.0):
    """A pre-synaptic spike reaches its synapse one step (1 ms) after it is
    emitted; the post-synaptic spike acts at its own step."""
    arrival = t_pre + 1.0
    if arrival <= t_post:
        return amp * np.exp(-(t_post - arrival) / tau)     # LTP at the post spike
    return -amp * np.exp(-(arrival - 1.0 - t_post) / tau)  # LTD at the pre spike


def test_stdp_window_onto_a_spike_source_array():
    t_pre = np.linspace(100.0, 0.0, 101)
    net = Network(dt=1.0)
    pre = net.create(SpikeSourceArray([[t] for t in t_pre]))
    post = net.create(SpikeSourceArray([[50.0] for _ in t_pre]))
    with pytest.warns(UserWarning, match=r"'SpikeSourceArray' does not use g_exc.*Its input "
                      r"is dropped; its learning runs"):
        proj = net.connect(pre, post, "exc", STDP)
    proj.one_to_one(1.0)
    net.compile()
    net.simulate(105.0)
    dw = np.array([proj[i].w[0] for i in range(t_pre.size)]) - 1.0
    np.testing.assert_allclose(dw, [_closed_form(t) for t in t_pre], rtol=1e-12)
    for t, expected in ANNARCHY_DW.items():
        assert dw[int(100 - t)] == pytest.approx(expected, rel=1e-12)


def test_learning_runs_into_a_rate_coded_target_the_model_does_not_read():
    pre = Neuron(parameters="r = 2.0", name="Const")
    post = Neuron(parameters="r = 3.0", name="DeafConst")
    decay = Synapse(parameters="eta = 0.1", equations="dw/dt = -eta * w * pre.r * post.r",
                    name="Decay")
    net = Network(dt=0.1)
    a, b = net.create(2, pre), net.create(1, post)
    with pytest.warns(UserWarning, match=r"'DeafConst' does not use sum\(exc\)"):
        proj = net.connect(a, b, "exc", decay)
    proj.all_to_all(1.0)
    net.compile()
    net.simulate(1.0)
    # explicit Euler of dw/dt = -0.6 w, ten steps
    np.testing.assert_allclose(proj[0].w, (1.0 - 0.1 * 0.6) ** 10 * np.ones(2), rtol=1e-12)
    # ANNarchy computes the sum anyway (pop.sum reads it): at the last step, from the
    # weights after nine updates (transmission comes before learning in a step)
    np.testing.assert_allclose(b.sum("exc"), [2 * 2.0 * (1.0 - 0.1 * 0.6) ** 9], rtol=1e-12)


def test_a_projection_that_can_do_nothing_is_an_error():
    net = Network(dt=1.0)
    pre = net.create(SpikeSourceArray([[1.0]]))
    post = net.create(SpikeSourceArray([[2.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NetworkError, match=r"'SpikeSourceArray' does not use g_exc.*The "
                           r"synapse only transmits: this projection would do nothing"):
            net.connect(pre, post, "exc")
