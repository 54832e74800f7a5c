"""Continuous coupling between spiking neurons (gap junctions): a synapse with
a ``psp`` and no ``pre_spike`` between spiking populations is summed every
step into ``g_<target>``, as ANNarchy does (its generator computes the psp
"as if it were rate-coded" and adds it to ``g_target``, which the neuron
resets after its update). Checked against a NumPy simulation of the same
equations and against ANNarchy 5.0.4's output on its GapJunctions notebook.
"""

import numpy as np
import pytest

from engine import Network, Neuron, SpikeSourceArray, Synapse
from engine.errors import NetworkError

GAP_NEURON = Neuron(parameters=dict(v0=1.05, tau=10.0),
                    equations="tau * dv/dt = v0 - v + g_gap",
                    spike="v >  1.", reset="v = 0.", name="GapNeuron")
GAP = Synapse(psp="w * (pre.v - post.v)", name="GapJunction")

#: ANNarchy 5.0.4.1, GapJunctions notebook (dt 0.1, 10 neurons, all-to-all 0.02):
#: v of neurons 0 and 5 after steps 0, 1, 2, 100, 2999, 4999
ANNARCHY_TRACES = {
    0: (0.011500000000000003, 0.5603888888888889),
    1: (0.022873000000000004, 0.5651752222222223),
    2: (0.034120414, 0.5699150095555556),
    100: (0.7029814755574935, 0.8671080473566413),
    2999: (0.8346489481830687, 0.9920512156589618),
    4999: (0.872065512050139, 0.9957029369068009),
}


def _notebook(steps=5000):
    net = Network(dt=0.1)
    pop = net.create(10, GAP_NEURON)
    pop.v = np.linspace(0.0, 1.0, 10)
    proj = net.connect(pop, pop, "gap", GAP)
    proj.all_to_all(0.02)
    trace = net.monitor(pop[0] + pop[5], "v")
    net.compile()
    net.simulate(steps * 0.1)
    return trace.get("v"), proj


def _numpy_reference(steps=5000, n=10, w=0.02, dt=0.1, v0=1.05, tau=10.0):
    """Explicit Euler; the coupling reads v at the start of the step (before
    the update), the spike resets v after it; records after the reset."""
    v = np.linspace(0.0, 1.0, n)
    out = np.empty((steps, n))
    for k in range(steps):
        g = np.array([w * sum(v[j] - v[i] for j in range(n) if j != i) for i in range(n)])
        v = v + dt * (v0 - v + g) / tau
        v[v > 1.0] = 0.0
        out[k] = v
    return out


def test_gap_junctions_match_numpy_and_annarchy():
    data, proj = _notebook()
    assert data.shape == (5000, 2)
    assert proj.rows == "post" and proj.nb_synapses == 90
    ref = _numpy_reference()
    np.testing.assert_allclose(data, ref[:, [0, 5]], rtol=1e-9, atol=1e-12)
    assert (ref[:, [0, 5]] == 0.0).any()           # neurons did spike and reset
    for step, (v0, v5) in ANNARCHY_TRACES.items():
        np.testing.assert_allclose(data[step], [v0, v5], rtol=1e-9, atol=1e-12)


def test_gap_junctions_read_v_before_the_update_and_reset_the_conductance():
    neuron = Neuron(parameters="tau = 10.0", equations="tau * dv/dt = -v + g_gap",
                    spike="v > 100.0", reset="v = 0.0", name="GapOnly")
    net = Network(dt=1.0)
    a = net.create(2, neuron)
    a.v = [1.0, 3.0]
    net.connect(a, a, "gap", GAP).all_to_all(0.5)
    net.compile()
    net.simulate(1.0)
    # g_gap of neuron 0 = 0.5 * (3 - 1) = 1, of neuron 1 = -1 (v before the update)
    np.testing.assert_allclose(a.v, [1.0 + (-1.0 + 1.0) / 10.0, 3.0 + (-3.0 - 1.0) / 10.0],
                               rtol=1e-15)
    np.testing.assert_array_equal(a.g_gap, [0.0, 0.0])      # reset after the update


def test_gap_junctions_refuse_delays():
    net = Network(dt=0.1)
    pop = net.create(4, GAP_NEURON)
    proj = net.connect(pop, pop, "gap", GAP)
    with pytest.raises(NetworkError, match=r"summed every step.*takes no delay, got 2.0 ms"):
        proj.all_to_all(0.02, delays=2.0)


# ---------------------------------------------------------------------------
# a psp beside pre_spike events (ANNarchy's PyNN notebook, NMDA-like synapse)
# ---------------------------------------------------------------------------

NMDA = Synapse(parameters=dict(tau=10.0),
               equations=["tau * dx/dt = -x", "tau * dg/dt = -g +  x * (1 -g)"],
               pre_spike="x += w", psp="g", name="NMDA")

#: ANNarchy 5.0.4.1, PyNN notebook (NMDA section): v of the integrator and g
#: of the two synapses after steps 50, 120, 500, 999
ANNARCHY_NMDA = {50: (0.0, 0.0, 0.1),
                 120: (0.4167515057959723, 0.15744697847292483, 0.8478107919323155),
                 500: (1.3557112707598877, 0.458465641409538, 0.9109679069477087),
                 999: (1.4053157240801109, 0.46041881526478595, 0.9122070961008059)}


def _nmda_reference(steps=1000, dt=0.1, tau=10.0, w=(1.0, 10.0)):
    """Per step: spikes of the previous step arrive (x += w), g is summed
    into g_exc; the neurons are updated (explicit Euler), then the synapses."""
    w = np.asarray(w)
    vin = np.array([0.0, 0.5])
    v = 0.0
    x, g = np.zeros(2), np.zeros(2)
    spiked = np.zeros(2, dtype=bool)
    vs, gs = np.empty(steps), np.empty((steps, 2))
    for k in range(steps):
        x = x + np.where(spiked, w, 0.0)
        g_exc = g.sum()
        vin = vin + dt * 0.1
        spiked = vin > 1.0
        vin[spiked] = 0.0
        v = v + dt * 0.1 * (g_exc - v)
        if v > 2.0:
            v = 0.0
        x, g = x + dt * (-x) / tau, g + dt * (-g + x * (1 - g)) / tau
        vs[k], gs[k] = v, g
    return vs, gs


def test_psp_beside_pre_spike_events_matches_numpy_and_annarchy():
    net = Network(dt=0.1)
    inp = net.create(2, Neuron(equations="dv/dt = 0.1", spike="v>1.0", reset="v=0.0"))
    inp.v = [0.0, 0.5]
    pop = net.create(1, Neuron(equations="dv/dt = 0.1*(g_exc -v)", spike="v>2.0",
                               reset="v=0.0"))
    proj = net.connect(inp, pop, "exc", NMDA)
    proj.from_matrix(weights=[[1.0, 10.0]])
    m = net.monitor(pop, "v")
    mg = net.monitor(proj, "g")
    net.compile()
    net.simulate(100.0)
    v, g = m.get("v")[:, 0], mg.get("g")[:, 0, :]
    v_ref, g_ref = _nmda_reference()
    np.testing.assert_allclose(v, v_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, g_ref, rtol=1e-12, atol=1e-15)
    for step, (vv, g0, g1) in ANNARCHY_NMDA.items():
        np.testing.assert_allclose([v[step], g[step, 0], g[step, 1]], [vv, g0, g1],
                                   rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("synapse", [
    Synapse(parameters="tau = 5.0", equations="tau * dx/dt = -x", name="TraceOnly"),
    Synapse(equations="x = x : init = 0.0", pre_spike="x += 1", name="CountOnly"),
], ids=["equations only", "pre_spike without g_target"])
def test_spikes_transmit_w_when_the_synapse_writes_no_g_target(synapse):
    """ANNarchy adds ``g_target += w`` to a spiking projection whose synapse
    has no psp and whose pre_spike does not write g_target."""
    net = Network(dt=1.0)
    src = net.create(SpikeSourceArray([[2.0], [2.0, 4.0]]))
    post = net.create(2, Neuron(equations="tot += g_exc", spike="tot < -1e9", name="Sum"))
    net.connect(src, post, "exc", synapse).from_matrix([[0.5, 2.0], [np.nan, 3.0]])
    m = net.monitor(post, "tot")
    net.compile()
    net.simulate(6.0)
    tot = m.get("tot")
    # spikes at steps 2 (both) and 4 (source 1) arrive one step later
    np.testing.assert_array_equal(tot[:, 0], [0, 0, 0, 2.5, 2.5, 4.5])
    np.testing.assert_array_equal(tot[:, 1], [0, 0, 0, 3.0, 3.0, 6.0])
