"""Input populations built outside a network take the dt of the one adopting them.

ANNarchy 5 builds specific populations first and gives them to a network:
``net = Network(dt=0.1); net.create(TimedArray(rates, schedule=[2.0, 2.5]))``.
Until ``net.create()`` the population waits in the active network, whose dt
(1 ms by default) is not the one it will run with: every check that depends
on dt uses the adopting network's. A configuration that does not fit the dt
of the network it waits in is an error only if it is used there (connected,
monitored, compiled, created): the population then leaves that network,
which stays as it was and keeps running.
"""

import numpy as np
import pytest

import engine
from engine import (
    HomogeneousCorrelatedSpikeTrains, InputArray, Network, NetworkError, Neuron,
    PoissonPopulation, SpikeSourceArray, TimedArray, TimedPoissonPopulation,
)


def _fresh_default_network():
    engine.clear()           # the active network of this test: a new default one (dt = 1 ms)
    assert engine.dt() == 1.0


def test_timed_array_schedule_is_checked_with_the_adopting_dt():
    _fresh_default_network()
    rates = np.array([[1.0, 10.0], [2.0, 20.0]])
    net = Network(dt=0.1, seed=1)
    inp = net.create(TimedArray(rates, schedule=[2.0, 2.5]))   # 20 and 25 steps of 0.1 ms
    assert inp.network is net
    np.testing.assert_allclose(inp.schedule, [2.0, 2.5])
    m = net.monitor(inp, "r")
    net.compile()
    net.simulate(3.0)
    r = m.get("r")[:, 1]
    np.testing.assert_array_equal(r, [0.0] * 20 + [10.0] * 5 + [20.0] * 5)


def test_timed_poisson_and_correlated_trains_are_checked_with_the_adopting_dt():
    _fresh_default_network()
    net = Network(dt=0.1, seed=2)
    tp = net.create(TimedPoissonPopulation(3, rates=[0.0, 10000.0], schedule=[0.0, 0.5]))
    hc = net.create(HomogeneousCorrelatedSpikeTrains(4, rates=[10.0, 20.0], corr=0.1, tau=10.0,
                                                     schedule=[0.0, 0.4]))
    np.testing.assert_allclose(tp.schedule, [0.0, 0.5])
    np.testing.assert_allclose(hc.schedule, [0.0, 0.4])
    m = net.monitor(tp, "spike")
    net.compile()
    net.simulate(1.0)
    # 10 kHz at dt = 0.1 ms is p = 1: every step from step 5 on
    assert m.get("spike") == {i: [5, 6, 7, 8, 9] for i in range(3)}


def test_other_inputs_built_outside_take_the_adopting_dt():
    _fresh_default_network()
    net = Network(dt=0.25, seed=3)
    src = net.create(SpikeSourceArray([[0.5, 0.75]]))         # steps 2 and 3
    pois = net.create(PoissonPopulation(2, rates=4000.0))       # p = 1 at dt = 0.25 ms
    arr = net.create(InputArray(2))
    m, mp = net.monitor(src, "spike"), net.monitor(pois, "spike")
    net.compile()
    net.simulate(1.0)
    assert m.get("spike") == {0: [2, 3]}
    assert mp.get("spike") == {0: [0, 1, 2, 3], 1: [0, 1, 2, 3]}
    assert arr.network is net and src.spike_times == [[0.5, 0.75]]


def test_a_configuration_that_fits_no_network_is_refused_where_it_is_used():
    _fresh_default_network()
    active = engine.runtime.active.active_network()
    keep = active.create(1, Neuron(parameters="r = 1.0"))
    inp = TimedArray(np.ones((2, 1)), schedule=[2.0, 2.5])       # waits in the active network
    assert inp.network is active
    with pytest.raises(NetworkError, match=r"schedule times 2 and 2.5 ms fall in the same or "
                                           r"decreasing steps \(dt = 1 ms\).*built without a "
                                           r"network.*taken out of it"):
        engine.Monitor(inp, "r")
    # the active network is as before and still runs
    assert active.get_populations() == [keep] and active.get_monitors() == []
    engine.compile()
    engine.simulate(2.0)
    assert keep.r[0] == 1.0
    # the population itself is intact: another network adopts it
    net = Network(dt=0.5)
    assert net.create(inp) is inp and inp.network is net
    np.testing.assert_allclose(inp.schedule, [2.0, 2.5])


@pytest.mark.parametrize("use", ["compile", "connect", "create"])
def test_the_refusal_leaves_the_waiting_network_usable(use):
    _fresh_default_network()
    active = engine.runtime.active.active_network()
    post = active.create(2, Neuron(equations="v = v + g_exc", spike="v > 1e9"))
    hc = HomogeneousCorrelatedSpikeTrains(2, rates=[10.0, 20.0], corr=0.1, tau=10.0,
                                          schedule=[0.0, 0.4])
    with pytest.raises(NetworkError, match=r"schedule times closer than dt = 1 ms.*taken out"):
        if use == "compile":
            engine.compile()
        elif use == "connect":
            engine.Projection(hc, post, "exc").all_to_all(weights=1.0)
        else:
            active.create(hc)
    assert active.get_populations() == [post] and active.get_projections() == []
    engine.compile()
    engine.simulate(1.0)
    assert hc.network is not active


def test_an_explicit_network_still_checks_at_construction():
    net = Network(dt=1.0)
    with pytest.raises(NetworkError, match="same or decreasing steps"):
        TimedArray(np.ones((2, 1)), schedule=[2.0, 2.5], network=net)
    with pytest.raises(NetworkError, match="closer than dt"):
        HomogeneousCorrelatedSpikeTrains(2, rates=[1.0, 2.0], corr=0.1, tau=10.0,
                                         schedule=[0.0, 0.4], network=net)
    assert net.get_populations() == []
