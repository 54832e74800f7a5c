"""Which ``g_<x>`` names of a spiking neuron are conductances (targets).

A conductance ``g_<x>`` is where spikes on target ``<x>`` land and stay until
the neuron reads them: an implicit one (used, not declared: reset to 0 every
step) or a variable that carries its value over (an ODE, an assignment or
increment reading it), as ANNarchy. Not a conductance, so no target: a
*parameter* (NEST's ``g_L``, ``g_Na``, ``g_K``: spikes would change it for
good) and a variable *computed anew every step* by an assignment that does
not read it (spikes would be overwritten). A projection on a target the
post-synaptic model does not have is refused, naming the model's targets.
"""

import numpy as np
import pytest

from engine import Network, NetworkError, Neuron, SpikeSourceArray
from engine.language.classes import Equations


def test_nest_parameter_names_are_no_targets():
    neuron = Neuron(parameters="g_L = 30.0\ng_K = 36.0\ng_Na = 120.0",
                    equations="v = v + (g_L + g_K + g_Na)*0.0 + g_exc", spike="v > 1e9")
    assert neuron.ir.targets == ("exc",)
    assert neuron.ir.conductances == ("g_exc",)
    # ANNarchy 5 syntax (a dict of parameters): the same
    as_dict = Neuron(parameters={"g_L": 30.0}, equations="v = v + g_L*0.0 + g_exc",
                     spike="v > 1e9")
    assert as_dict.ir.targets == ("exc",)


class LeakClass(Neuron):
    """The class syntax: a declared value g_L is a parameter, no target."""

    def __init__(self):
        self.g_L = self.Value(30.0)
        self.v = self.Array(0.0)

    def update(self):
        with Equations(self) as n:
            n.v = n.v + n.g_L * 0.0 + n.g_exc
        return n

    def spike(self):
        with Equations(self) as n:
            return n.v > 1e9


def test_class_syntax_parameter_is_no_target():
    assert LeakClass().ir.targets == ("exc",)


def test_declared_variables_follow_the_annarchy_conductance_pattern():
    neuron = Neuron(
        parameters="tau = 5.0\ngbar = 2.0",
        equations="""
            tau * dg_ex/dt = -g_ex
            g_in = g_in * 0.5
            g_cnt += 1.0
            n = 0.5
            g_K = gbar * n**4
            v = v + g_ex + g_in + g_K*0.0
        """,
        spike="v > 1e9",
    )
    # ODE, self-reading assignment, increment: conductances; g_K is computed
    assert neuron.ir.targets == ("cnt", "ex", "in")
    assert neuron.ir.conductances == ()


def _leaky():
    return Neuron(parameters="g_L = 30.0", equations="v = v + g_L*0.0 + g_exc",
                  spike="v > 1e9")


def test_a_spike_on_a_parameter_is_refused_and_the_parameter_kept():
    net = Network(dt=1.0, seed=1)
    src = net.create(SpikeSourceArray([[1.0, 3.0]]))
    pop = net.create(1, _leaky())
    with pytest.raises(NetworkError, match=r"has no target 'L' \(its targets: exc\); 'g_L' is "
                                           r"not a conductance but a parameter of the model"):
        net.connect(src, pop, "L")
    assert net.get_projections() == []
    net.connect(src, pop, "exc").all_to_all(weights=5.0)
    net.compile()
    net.simulate(6)
    # two spikes of weight 5 on exc; g_L untouched (it was 35 after one spike on 'L')
    np.testing.assert_array_equal(pop.g_L, [30.0])
    np.testing.assert_array_equal(pop.v, [10.0])


def test_a_spike_on_a_computed_g_is_refused():
    net = Network(dt=1.0, seed=1)
    src = net.create(SpikeSourceArray([[1.0]]))
    pop = net.create(1, Neuron(parameters="gbar = 2.0",
                               equations="g_K = gbar * 0.5\nv = v + g_K*0.0 + g_exc",
                               spike="v > 1e9"))
    with pytest.raises(NetworkError, match=r"has no target 'K' \(its targets: exc\); 'g_K' is "
                                           r"not a conductance but computed anew every step"):
        net.connect(src, pop, "K")
    with pytest.raises(NetworkError, match=r"does not use g_nmda.*targets it uses: exc"):
        net.connect(src, pop, "nmda")


def test_a_decaying_conductance_still_receives_spikes():
    net = Network(dt=1.0, seed=1)
    src = net.create(SpikeSourceArray([[1.0]]))
    pop = net.create(1, Neuron(equations="g_ex = g_ex * 0.5\nv = v + g_ex",
                               spike="v > 1e9"))
    net.connect(src, pop, "ex").all_to_all(weights=8.0)
    net.compile()
    net.simulate(6)
    # the spike of step 1 arrives at the start of step 2: g_ex = 4, 2, 1, 0.5
    assert pop.v[0] == 7.5 and pop.g_ex[0] == 0.5


def test_g_equal_zero_is_annarchys_explicit_reset():
    # ANNarchy's tests write the reset of a conductance as 'g_exc = 0': a target.
    # Spikes emitted at step 1 arrive at step 2; a monitor records g_exc after the
    # delivery, the equations before the assignment read it, the assignment clears it.
    emit = Neuron(spike="t == 1")
    recv = Neuron(equations="v = g_exc\ng_exc = 0", spike="g_exc > 30")
    assert recv.ir.targets == ("exc",)
    assert recv.ir.conductances == ()          # declared: no automatic reset
    net = Network(dt=1.0)
    src, dst = net.create(5, emit), net.create(2, recv)
    proj = net.connect(src, dst, "exc")
    proj.all_to_all(weights=1.0)
    mon = net.monitor(dst, ["g_exc", "v"])
    net.compile()
    net.simulate(5)
    expected = [[0, 0], [0, 0], [5, 5], [0, 0], [0, 0]]
    np.testing.assert_allclose(mon.get("g_exc"), expected)
    np.testing.assert_allclose(mon.get("v"), expected)
    # other values computed afresh stay no target
    assert Neuron(equations="g_exc = 1.0\nv = g_exc", spike="v > 2").ir.targets == ()
