"""Bad arguments get the engine's errors, never raw numpy/Python ones, and the
objects stay usable (issue Engine VI, classes 4 and 9)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Izhikevich, Network, NetworkError, Uniform
from engine.errors import AttributeAssignmentError


@pytest.fixture
def net():
    net = Network(dt=1.0, seed=1)
    net.pop = net.create(4, Izhikevich)
    return net


@pytest.mark.parametrize("period", [float("nan"), float("inf"), -1.0, "10"])
def test_monitor_periods_are_finite_numbers(net, period):
    with pytest.raises(NetworkError, match="monitor period must be a finite number"):
        net.monitor(net.pop, "v", period=period)
    with pytest.raises(NetworkError, match="monitor period_offset must be a finite number"):
        net.monitor(net.pop, "v", period_offset=period)
    m = net.monitor(net.pop, "v")          # the network takes a good monitor after
    net.compile()
    net.simulate(3.0)
    assert m.get("v").shape == (3, 4)


@pytest.mark.parametrize("value,match", [
    (10**400, "too large for 'i_offset'"),
    # Normal(0.0, -1.0) itself is refused now: tests/engine/language/test_random_draws.py
    ([1.0, 2.0, 10**400, 3.0], "too large"),
])
def test_attribute_values_that_numpy_refuses(net, value, match):
    before = net.pop.i_offset.copy()
    with pytest.raises(AttributeAssignmentError, match=match):
        net.pop.i_offset = value
    np.testing.assert_array_equal(net.pop.i_offset, before)


@pytest.mark.parametrize("delays", [1e12, float("inf"), float("nan"), -1.0,
                                    Uniform(1.0, 1e12)])
def test_delays_beyond_the_int32_step_counter_are_refused(net, delays):
    proj = net.connect(net.pop, net.pop, "exc")
    with pytest.raises(NetworkError, match="delay"):
        proj.all_to_all(weights=1.0, delays=delays)
    proj.all_to_all(weights=1.0, delays=2.0)   # still unconnected: a good connector works
    assert proj.max_delay_steps == 2
    net.compile()
    net.simulate(5.0)


@pytest.mark.parametrize("dt,duration", [(1e-300, 1.0), (1.0, 1e300)])
def test_durations_beyond_the_step_counter_are_refused(dt, duration):
    net = Network(dt=dt)
    pop = net.create(2, Izhikevich)
    net.compile()
    with pytest.raises(NetworkError, match="the step counter holds at most"):
        net.simulate(duration)
    assert net.current_step == 0
    net.simulate(3 * dt)
    assert net.current_step == 3 and np.all(np.isfinite(pop.v))


def test_a_projection_that_draws_no_synapse_compiles_and_runs():
    # fixed_probability may draw no synapse at all (small populations); the
    # synapse model's initial values must not assume one
    from engine import STDP

    net = Network(dt=1.0, seed=3)
    pop = net.create(3, Izhikevich)
    proj = net.connect(pop, pop, "exc", synapse=STDP).fixed_probability(1e-9, weights=0.5)
    assert proj.nb_synapses == 0
    net.compile()
    net.simulate(5.0)
    assert np.all(np.isfinite(pop.v))
