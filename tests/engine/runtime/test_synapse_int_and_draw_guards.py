"""Synapses get the guarantees neurons have (issue Engine VI, classes 4 and 5).

1. An integer variable of a synapse (per synapse, per post-synaptic neuron,
   per projection; written by its equations, ``pre_spike`` or ``post_spike``,
   or a post-synaptic neuron's integer written by ``post.c = ...``) given a
   value an integer cannot hold (NaN from ``modulo(k, 0)``, inf, beyond
   int64) used to be stored wrapped (0, -2**63 or garbage) without a word.
   Now the run stops after the chunk, naming the projection, the variable,
   the synapse and the interval.
2. A random draw with run-time parameters inside a synapse model
   (``Normal(0, s)`` with ``proj.s = -1``) is refused at assignment (the old
   values are kept), at compile() and before each run.

After each refusal the same network, given valid values, runs on and gives
the result a fresh network gives (or a closed form).
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import Network, Neuron, Synapse
from engine.errors import AttributeAssignmentError, NetworkError, NumericalError

RATE = Neuron(parameters="I = 1.0", equations="r = I + sum(exc)")
# fires at steps 2, 5, 8, ... (v: 0.5, 1.0, 1.5 > 1.2 -> reset)
PULSE = Neuron(parameters="I = 0.5", equations="dv/dt = I + g_exc\nc = c : int",
               spike="v > 1.2", reset="v = 0.0")


def _net(synapse, spiking=False, seed=7, **values):
    net = Network(dt=1.0, seed=seed)
    model = PULSE if spiking else RATE
    pre, post = net.create(3, model), net.create(2, model)
    proj = net.connect(pre, post, "exc", synapse, name="plastic")
    proj.all_to_all(weights=0.0)
    for k, v in values.items():
        setattr(proj, k, v)
    return net, proj


# -- 1. integer variables ------------------------------------------------------------
MOD = "k = modulo(k + 7, z) : int{flag}"
SYN = r" of the synapse 0 -> 0 \(pre -> post rank\)"
ANY_SYN = r" of the synapse \d -> \d \(pre -> post rank\)"
INT_CASES = {
    # label: (synapse, spiking, variable, bad, good, where)
    "per synapse": (Synapse(parameters="z = 0 : int", equations=MOD.format(flag="")),
                    False, "k", {"z": 0}, {"z": 3}, SYN),
    "per post neuron": (Synapse(parameters="z = 0 : int, postsynaptic",
                                equations=MOD.format(flag=", postsynaptic")),
                        False, "k", {"z": 0}, {"z": 3}, " of post-synaptic neuron 0"),
    "per projection": (Synapse(parameters="z = 0 : int, projection",
                               equations=MOD.format(flag=", projection")),
                       False, "k", {"z": 0}, {"z": 3}, ""),
    "beyond int64": (Synapse(parameters="a = 1e300", equations="k = k + a : int"),
                     False, "k", {"a": 1e300}, {"a": 7.0}, SYN),
    "infinite": (Synapse(parameters="a = 1000.0", equations="k = k + 7 * exp(a - 1000) : int"),
                 False, "k", {"a": 1000.0 + 800}, {"a": 1000.0}, SYN),
    "pre_spike": (Synapse(parameters="z = 0 : int", equations="n = n : int",
                          pre_spike="g_target += w\nn = modulo(n + 1, z)"),
                  True, "n", {"z": 0}, {"z": 1000}, ANY_SYN),
    "post_spike": (Synapse(parameters="z = 0 : int", equations="n = n : int",
                           pre_spike="g_target += w", post_spike="n = modulo(n + 1, z)"),
                   True, "n", {"z": 0}, {"z": 1000}, ANY_SYN),
    "pre_spike += huge": (Synapse(parameters="a = 1.0", equations="n = n : int",
                                  pre_spike="g_target += w\nn += a"),
                          True, "n", {"a": 1e300}, {"a": 1.0}, ANY_SYN),
}


@pytest.mark.parametrize("label", list(INT_CASES))
def test_a_synaptic_integer_that_cannot_hold_its_value_stops_the_run(label):
    synapse, spiking, var, bad, good, where = INT_CASES[label]
    ref_net, ref = _net(synapse, spiking, **good)
    ref_net.compile()
    ref_net.simulate(9)
    expected = getattr(ref, var)

    net, proj = _net(synapse, spiking, **bad)
    net.compile()
    with pytest.raises(NumericalError, match=(
            rf"projection 'plastic': synaptic integer variable '{var}'{where} was given a "
            r"value an integer cannot hold \(NaN, e.g. modulo\(k, 0\), infinite, or beyond "
            r"\+-9.2e18\) between t = 0 and 9 ms; \d+ value\(s\) affected")):
        net.simulate(9)
    # the same network, given valid values, runs on as a fresh one
    net.reset(projections=True)
    for k, v in good.items():
        setattr(proj, k, v)
    net.simulate(9)
    got = getattr(proj, var)
    if isinstance(expected, list):
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_array_equal(got, expected)


def test_synaptic_integers_keep_the_values_they_can_hold():
    """Closed forms: k = (k + 7) mod 3 every step gives 7 n mod 3; a float
    that fits is truncated as in ANNarchy's C++ (27000000000 exactly)."""
    synapse, *_ = INT_CASES["per synapse"]
    net, proj = _net(synapse, z=3)
    net.compile()
    done = 0
    for n in (1, 2, 5):
        net.simulate(n - done)
        done = n
        assert {int(x) for row in proj.k for x in row} == {(7 * n) % 3}
    big = Synapse(parameters="a = 2.7 : postsynaptic", equations="k = a * 1e10 : int, postsynaptic")
    net, proj = _net(big)
    net.compile()
    net.simulate(2)
    assert proj.k.tolist() == [27000000000] * 2


def test_spike_counts_in_integer_synapses_match_the_spikes():
    """pre_spike ``n = modulo(n + 1, z)`` with z = 1000 counts the spikes each
    synapse received: the pre-synaptic neurons fire at steps 2, 5, 8 (one step
    of delay: received at 3, 6, 9), so 2 in 9 steps, 3 in 10."""
    synapse = INT_CASES["pre_spike"][0]
    net, proj = _net(synapse, spiking=True, z=1000)
    net.compile()
    net.simulate(9)
    assert [list(row) for row in proj.n] == [[2, 2, 2], [2, 2, 2]]
    net.simulate(1)
    assert [list(row) for row in proj.n] == [[3, 3, 3], [3, 3, 3]]


def test_a_post_synaptic_integer_written_by_a_synapse_is_checked_too():
    synapse = Synapse(parameters="a = 1.0", pre_spike="g_target += w\npost.c += a")
    ref_net, ref = _net(synapse, spiking=True, a=2.0)
    ref_net.compile()
    ref_net.simulate(9)
    # two spikes of three pre-synaptic neurons received by each post neuron
    assert ref.post_population.c.tolist() == [12, 12]
    net, proj = _net(synapse, spiking=True, a=1e300)
    net.compile()
    with pytest.raises(NumericalError, match=r"projection 'plastic': integer variable 'post.c' "
                                             r"of post-synaptic neuron 0 \(population 'pop1'\) "
                                             r"was given a value an integer cannot hold"):
        net.simulate(9)
    net.reset()
    proj.a = 2.0
    net.simulate(9)
    assert proj.post_population.c.tolist() == [12, 12]


# -- 2. random draws with run-time parameters ------------------------------------------
DRAW_CASES = {
    # label: (synapse, name, bad, message)
    "per synapse": (Synapse(parameters="s = 1.0", equations="x = Normal(0, s)"), "s", -1.0,
                    r"Normal\(0, s\) in the equations of 'Synapse' would draw with s = -1 "
                    r"\(synapse 0 -> 0, pre -> post rank\): the standard deviation sigma"),
    "per post neuron": (Synapse(parameters="s = 1.0 : postsynaptic",
                                equations="x = Normal(0, s) : postsynaptic"), "s", -1.0,
                        r"s = -1 \(post-synaptic neuron 0\): the standard deviation"),
    "per projection": (Synapse(parameters="s = 1.0 : projection", equations="x = Normal(0, s)"),
                       "s", -1.0, r"would draw with s = -1: the standard deviation"),
    "mixed": (Synapse(parameters="a = 0.0 : postsynaptic\nb = 1.0",
                      equations="x = Uniform(a, b)"), "b", -1.0,
              r"Uniform\(a, b\) .* a = 0, b = -1 \(synapse 0 -> 0, pre -> post rank\)"),
    "in psp": (Synapse(parameters="lam = 1.0", psp="w * pre.r + Exponential(lam)"), "lam",
               0.0, r"Exponential\(lam\) .* the rate Lambda \(0\) must be > 0"),
}


def _drawn(net, proj, name):
    net.simulate(3)
    return proj.post_population.r.copy() if name == "lam" else getattr(proj, "x")


def _same(a, b):
    if isinstance(a, list):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    else:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("label", list(DRAW_CASES))
def test_synaptic_draw_parameters_are_refused_at_assignment_compile_and_run(label):
    synapse, name, bad, message = DRAW_CASES[label]
    ref_net, ref = _net(synapse)
    ref_net.compile()
    expected = _drawn(ref_net, ref, name)

    # at assignment, before and after compile: the old values are kept
    net, proj = _net(synapse)
    before = proj._arrays[name].copy()
    with pytest.raises(AttributeAssignmentError,
                       match=rf"projection 'plastic': '{name}' cannot be set: .*{message}"):
        setattr(proj, name, bad)
    np.testing.assert_array_equal(proj._arrays[name], before)
    # at compile: a value written without an assignment check (as load() does)
    proj._arrays[name][:] = bad
    with pytest.raises(NetworkError, match=rf"projection 'plastic': .*{message}"):
        net.compile()
    assert not net.compiled
    proj._arrays[name][:] = before
    net.compile()
    with pytest.raises(AttributeAssignmentError, match=message):
        setattr(proj, name, bad)
    # before each run
    proj._arrays[name][:] = bad
    for run in (lambda: net.simulate(3), net.step):
        with pytest.raises(NetworkError, match=message):
            run()
    assert net.current_step == 0
    proj._arrays[name][:] = before
    _same(_drawn(net, proj, name), expected)


def test_a_dendrite_assignment_is_refused_whole():
    """``proj.dendrite(1).s = [...]`` with one bad value: nothing changes."""
    synapse = DRAW_CASES["per synapse"][0]
    net, proj = _net(synapse)
    proj.s = [[0.5, 0.6, 0.7], [0.8, 0.9, 1.0]]
    with pytest.raises(AttributeAssignmentError, match=r"s = -2 \(synapse 1 -> 1, pre -> post"):
        proj.dendrite(1).s = [2.0, -2.0, 3.0]
    with pytest.raises(AttributeAssignmentError, match=r"s = -1 \(synapse 2 -> 0"):
        proj.s = [[1.0, 1.0, -1.0], [1.0, 1.0, 1.0]]
    assert [list(d) for d in proj.s] == [[0.5, 0.6, 0.7], [0.8, 0.9, 1.0]]
    proj.dendrite(1).s = [2.0, 0.0, 3.0]        # sigma 0 is a valid (constant) draw
    net.compile()
    net.simulate(2)
    assert proj.x[1][1] == 0.0
