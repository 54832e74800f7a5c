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
