"""Shared networks of the UI state tests."""

from types import SimpleNamespace

import pytest

import engine as ann


@pytest.fixture
def two_populations():
    """A factory: a driver spiking every 5 ms (dt 1 ms) onto two counters
    that add up what they receive (their total tells the weight at each
    delivery), through the projection 'dc' of weight ``weight``."""
    def make(weight=1.0):
        net = ann.Network(dt=1.0, seed=1)
        driver = net.create(1, ann.Neuron(parameters="period = 5.0",
                                           equations="dv/dt = 1.0 : init = 0.0",
                                           spike="v >= period", reset="v = 0.0"),
                            name="driver")
        counter = net.create(2, ann.Neuron(equations="tot += g_exc", spike="tot < -1e9",
                                           reset="tot = 0.0"), name="counter")
        proj = net.connect(driver, counter, "exc", name="dc").all_to_all(weight)
        return SimpleNamespace(net=net, populations={"driver": driver, "counter": counter},
                               projections={"dc": proj})
    return make
