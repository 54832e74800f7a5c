"""Model attributes named like the engine's own arrays are the model's own.

Generated code names a population's internal arrays (spike lists, refractory
countdowns, random state, histories, weighted sums), a projection's
(connectivity, delays, rings, learning switch, post-synaptic index) and a
monitor's (counters, masks, spike buffers) with two underscores
(``_P__spk``), a model attribute with one (``_P_spk``); attribute names never
start with ``_``, so the two can never be the same array. Each test here
gives a model attributes named like every internal array of one kind and
checks their closed-form values, and that the engine's own work (spikes,
delays, recording) is unchanged.

Names that would hide a Python attribute of the object that holds them
(``pop.size``, ``proj.scale``) are refused at creation with a NetworkError
that names them; ``refractory`` (the refractory period, a model field in
ANNarchy) is refused by the parser with an EquationError naming the line.
"""

import numpy as np
import pytest

from engine import (
    EquationError, Network, NetworkError, Neuron, SpikeSourceArray, Synapse,
)


def test_neuron_attributes_named_like_population_internals():
    # every internal array of a spiking population, plus the draw buffer
    # (rnd0), the weighted sum of target exc (sum_exc) and the spike history
    # of a delayed projection (hist, hist_n)
    neuron = Neuron(
        parameters="rng = 2.0\nhist = 3.0",
        equations="""
            spk = spk + 1 : int
            nspk = nspk + rng
            flag = flag + hist
            refr = refr + 1.0
            last_spike = t
            hist_n = hist_n + 1 : int
            sum_exc = sum_exc + g_exc
            noise = Normal(0.0, 1.0)
            rnd0 = rnd0 + 1.0
        """,
        spike="spk == 3",
    )
    net = Network(dt=1.0, seed=1)
    pop = net.create(3, neuron)
    proj = net.connect(pop, pop, "exc")
    proj.all_to_all(weights=1.0, delays=2.0, allow_self_connections=True)
    m = net.monitor(pop, ["spike", "spk", "flag"])
    net.compile()
    n = 10
    net.simulate(n)
    # the model's own values: closed forms after n steps of 1 ms
    np.testing.assert_array_equal(pop.spk, [n] * 3)
    assert pop.spk.dtype == np.int64
    np.testing.assert_array_equal(pop.nspk, [2.0 * n] * 3)
    np.testing.assert_array_equal(pop.flag, [3.0 * n] * 3)
    np.testing.assert_array_equal(pop.refr, [1.0 * n] * 3)
    np.testing.assert_array_equal(pop.last_spike, [n - 1.0] * 3)
    np.testing.assert_array_equal(pop.hist_n, [n] * 3)
    np.testing.assert_array_equal(pop.rnd0, [1.0 * n] * 3)
    assert np.isfinite(pop.noise).all() and len(set(pop.noise)) == 3
    # the engine's own: every neuron spikes once, at step 2 (spk == 3), and
    # each receives the 3 spikes (w = 1) 2 ms later
    assert m.get("spike") == {0: [2], 1: [2], 2: [2]}
    np.testing.assert_array_equal(pop.sum_exc, [3.0] * 3)
    np.testing.assert_array_equal(m.get("spk")[:, 0], np.arange(1, n + 1))
    np.testing.assert_array_equal(m.get("flag")[:, 0], 3.0 * np.arange(1, n + 1))
    assert "_P__spk" in net.generated_code(pop) and "_P_spk" in net.generated_code(pop)


def test_rate_coded_attribute_named_like_the_rate_history():
    # a delayed rate-coded projection keeps the past rates of its pre
    # population in an internal 'rhist'
    net = Network(dt=1.0, seed=1)
    pre = net.create(2, Neuron(equations="rhist = rhist + 1.0\nr = 2.0"))
    post = net.create(1, Neuron(equations="r = sum(exc)"))
    net.connect(pre, post, "exc").all_to_all(weights=0.5, delays=3.0)
    m = net.monitor(post, "r")
    net.compile()
    net.simulate(8)
    np.testing.assert_array_equal(pre.rhist, [8.0, 8.0])
    # r of the pre neurons is 2 from step 0 on: 2 * 2 * 0.5 once the 3 steps passed
    np.testing.assert_array_equal(m.get("r")[:, 0], [0.0] * 3 + [2.0] * 5)


def test_synapse_attributes_named_like_projection_internals():
    pre_times = [[1.0, 4.0], [2.0]]                   # 3 spikes: steps 1, 4 and 2
    net = Network(dt=1.0, seed=2)
    pre = net.create(SpikeSourceArray(pre_times))
    post = net.create(1, Neuron(equations="n = n + 1 : int\nv = v + g_exc\nu = u + g_inh",
                                spike="n == 6"))    # the post neuron spikes at step 5
    # per-synapse delays, transmission only: a ring buffer of increments
    ringed = Synapse(parameters="ring = 0.5\ndelays = 2.0 : projection\ndsteps = 1.0",
                     equations="row = row + ring\ncol = col + delays",
                     pre_spike="g_target += w * dsteps")
    a = net.connect(pre, post, "exc", ringed)
    a.from_matrix(np.array([[1.0, 1.0]]), delays=np.array([[1.0, 3.0]]))
    # per-synapse delays with learning: events at arrival, a post-synaptic
    # index and the last event of each synapse (event-driven variable)
    learning = Synapse(
        parameters="tau = 1e12 : projection",
        equations="""
            tau * dlast/dt = -last : event-driven
            dperm = dperm
            dptr = dptr
            learn = learn
            prow = prow
            psyn = psyn
            ppre = ppre
            dK = dK
        """,
        pre_spike="g_target += w\nlast += 1.0\ndperm += 1.0\ndptr += 2.0\nlearn += 1.0",
        post_spike="prow += 1.0\npsyn += 1.0\nppre += 1.0\ndK += 1.0",
    )
    b = net.connect(pre, post, "inh", learning)
    b.from_matrix(np.array([[1.0, 1.0]]), delays=np.array([[1.0, 2.0]]))
    m = net.monitor(post, "spike")
    net.compile()
    n = 12
    net.simulate(n)
    assert m.get("spike") == {0: [5]}
    # transmission: every spike arrived once, with w * dsteps = 1
    np.testing.assert_array_equal(post.v, [3.0])
    np.testing.assert_array_equal(post.u, [3.0])
    np.testing.assert_array_equal(a.row[0], [0.5 * n] * 2)
    np.testing.assert_array_equal(a.col[0], [2.0 * n] * 2)
    # events per synapse: pre neuron 0 spiked twice, pre neuron 1 once; the
    # post neuron once (a synapse's events follow its pre rank)
    np.testing.assert_array_equal(b.dperm[0], [2.0, 1.0])
    np.testing.assert_array_equal(b.dptr[0], [4.0, 2.0])
    np.testing.assert_array_equal(b.learn[0], [2.0, 1.0])
    for name in ("prow", "psyn", "ppre", "dK"):
        np.testing.assert_array_equal(getattr(b, name)[0], [1.0, 1.0])
    np.testing.assert_allclose(b.last[0], [2.0, 1.0], rtol=1e-9)   # (tau: no decay)
    code = net.generated_code()
    assert "_J__row" in code and "_J_row" in code and "_J__delays" in code


def test_rate_coded_synapse_attributes_named_like_projection_internals():
    net = Network(dt=1.0, seed=3)
    pre = net.create(2, Neuron(parameters="r = 2.0"))
    post = net.create(1, Neuron(equations="r = sum(exc)"))
    syn = Synapse(parameters="rng = 3.0\nrow = 0.5\ncol = 4.0 : postsynaptic\ndsteps = 1.0",
                  psp="w * pre.r * rng + row + col * dsteps")
    net.connect(pre, post, "exc", syn).all_to_all(weights=1.0, delays=2.0)
    m = net.monitor(post, "r")
    net.compile()
    net.simulate(5)
    # per synapse: 1 * 2 * 3 + 0.5 + 4 = 10.5, two synapses
    assert m.get("r")[-1, 0] == 21.0


def test_recorded_variables_named_like_monitor_internals():
    names = ("active", "period", "offset", "rows", "mask", "spk_t", "spk_i",
             "spk_n", "pranks")
    neuron = Neuron(equations="\n".join(f"{v} = {v} + {k + 1}.0"
                                        for k, v in enumerate(names)),
                    spike="active > 2.5")           # spikes from step 2 on
    net = Network(dt=1.0, seed=1)
    pop = net.create(2, neuron)
    m = net.monitor(pop[1:], list(names) + ["spike"], period=2.0)
    net.compile()
    net.simulate(6)
    for k, v in enumerate(names):
        # recorded every 2 steps: after steps 0, 2, 4
        np.testing.assert_array_equal(m.get(v)[:, 0], (k + 1.0) * np.array([1, 3, 5]))
    assert m.get("spike") == {1: [2, 3, 4, 5]}


@pytest.mark.parametrize("name", ["size", "name", "geometry", "get", "ranks", "population"])
def test_neuron_attribute_hiding_a_population_attribute_is_refused(name):
    net = Network()
    neuron = Neuron(parameters=f"{name} = 3.0", equations="r = 1.0")
    with pytest.raises(NetworkError, match=rf"parameter '{name}' has the name of an attribute "
                                           rf"every population has \(pop\.{name}\).*'{name}_'"):
        net.create(4, neuron)
    assert net.get_populations() == []
    ok = net.create(4, Neuron(parameters=f"{name}_ = 3.0", equations="r = 1.0"))
    assert net.get_populations() == [ok] and ok.size == 4


@pytest.mark.parametrize("name", ["size", "scale", "target", "learning", "dendrites"])
def test_synapse_attribute_hiding_a_projection_attribute_is_refused(name):
    net = Network()
    pre = net.create(2, Neuron(parameters="r = 1.0"))
    post = net.create(2, Neuron(equations="r = sum(exc)"))
    with pytest.raises(NetworkError, match=rf"parameter '{name}' has the name of an attribute "
                                           rf"every projection has \(proj\.{name}\)"):
        net.connect(pre, post, "exc", Synapse(parameters=f"{name} = 2.0", psp="w*pre.r"))
    assert net.get_projections() == []
    # a name the projection only answers when the model lacks it is the model's
    proj = net.connect(pre, post, "exc", Synapse(parameters="delay = 2.0\nrank = 1.0",
                                                 psp="w * pre.r * delay * rank"))
    proj.all_to_all(weights=1.0, delays=3.0)
    net.compile()
    net.simulate(1)
    assert proj.delay[0].tolist() == [2.0, 2.0] and proj.max_delay_steps == 3


def test_refractory_is_refused_with_its_meaning():
    with pytest.raises(EquationError) as info:
        Neuron(parameters="tau = 10.0\nrefractory = 2.0", equations="dv/dt = -v/tau",
               spike="v > 1").ir
    msg = str(info.value)
    assert "parameters line 2, col 1" in msg
    assert "'refractory' is a reserved word" in msg and "refractory period" in msg
    assert "Neuron(refractory=...)" in msg
