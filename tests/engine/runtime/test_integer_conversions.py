"""Conversions to integers never wrap silently (issue Engine VI, class 4)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Izhikevich, Network, Neuron
from engine.errors import AttributeAssignmentError

CLOCK = Neuron(parameters="t_ref = 2.0 : population\nk = 0 : int",
               equations="dv/dt = 1.0", spike="v > 1.5", reset="v = 0.0",
               refractory="t_ref")


@pytest.mark.parametrize("value", [1e20, -1e19, float("inf"), float("-inf")])
def test_an_integer_attribute_refuses_what_does_not_fit(value):
    net = Network(dt=1.0)
    pop = net.create(3, CLOCK)
    with pytest.raises(AttributeAssignmentError, match="holds integers from"):
        pop.k = value
    with pytest.raises(AttributeAssignmentError, match="holds integers from"):
        pop.k = [1.0, value, 2.0]
    pop.k = 2**40                      # fits: stored exactly
    assert pop.k.tolist() == [2**40] * 3


@pytest.mark.parametrize("value", [float("inf"), -1.0, -1e-9])
def test_refractory_periods_are_finite_and_not_negative(value):
    net = Network(dt=1.0)
    pop = net.create(2, CLOCK)
    izh = net.create(2, Izhikevich)
    with pytest.raises(AttributeAssignmentError, match="refractory periods are finite"):
        pop.t_ref = value
    with pytest.raises(AttributeAssignmentError, match="refractory periods are finite"):
        izh.tau_refrac = value
    net.compile()
    net.simulate(10.0)                 # the network still runs, with its old values
    assert pop.t_ref == 2.0


def test_huge_refractory_periods_saturate_instead_of_wrapping():
    # 1e12 ms at dt = 1 ms is 1e12 steps, beyond the int32 countdown: the
    # neuron stays refractory (it would have spiked again at once if wrapped)
    net = Network(dt=1.0)
    pop = net.create(2, CLOCK)
    pop.t_ref = 1e12
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(50.0)
    spikes = m.get("spike")
    assert [len(spikes[r]) for r in range(2)] == [1, 1]
    assert np.all(pop._internals["refr"] > 2**30)


@pytest.mark.parametrize("value", [2.5, [1.0, 2.0, -0.5], np.array([3.0, 1e-3, 7.0])])
def test_an_integer_attribute_refuses_fractions_instead_of_truncating(value):
    net = Network(dt=1.0)
    pop = net.create(3, CLOCK)
    pop.k = 4
    with pytest.raises(AttributeAssignmentError, match=r"holds integers; got .* not a whole "
                                                       r"number and would be truncated"):
        pop.k = value
    assert pop.k.tolist() == [4, 4, 4]          # unchanged
    pop.k = [1.0, -2.0, 3.0]                    # whole floats are exact: accepted
    assert pop.k.tolist() == [1, -2, 3]


def test_an_integer_attribute_refuses_a_continuous_distribution_with_the_fix():
    from engine import DiscreteUniform, Uniform
    net = Network(dt=1.0)
    pop = net.create(50, CLOCK)
    with pytest.raises(AttributeAssignmentError, match=r"DiscreteUniform"):
        pop.k = Uniform(0.0, 10.0)
    pop.k = DiscreteUniform(0, 10)
    assert pop.k.min() >= 0 and pop.k.max() <= 10


@pytest.mark.parametrize("value", [np.array([1 + 2j, 3 + 0j, 0j]), [1j, 2.0, 3.0], 2 + 1j])
def test_complex_values_are_refused_not_cut_to_their_real_part(value):
    net = Network(dt=1.0)
    pop = net.create(3, CLOCK)
    with pytest.raises(AttributeAssignmentError, match="got complex values"):
        pop.v = value
    net.compile()
    net.simulate(1.0)
    assert pop.v.tolist() == [1.0, 1.0, 1.0]    # dv/dt = 1 from 0: the network still runs
