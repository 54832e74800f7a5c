"""localize(): a model copy in which chosen population-wide values are per
neuron (what a batched fit needs), with the same dynamics."""

import numpy as np
import pytest
import sympy as sp

import engine as ann
from engine.errors import ModelError
from engine.language.classes import Equations
from engine.language.localize import localize

LEAKY = ann.Neuron(parameters="""
tau = 10.0 : population   # membrane time constant
I = 1.2 : population, float
v_th = 1.0 : population
""", equations="tau * dv/dt = I - v + 0.3 * sin(t / 7.0) : init = 0.0, exponential",
    spike="v > v_th", reset="v = 0.0", name="Leaky")


class ClassLeaky(ann.Neuron):
    def __init__(self):
        self.tau = self.Value(10.0)
        self.I = self.Value(1.2)
        self.v = self.Array(init=0.0)

    def update(self):
        with Equations(self) as n:
            n.dv_dt = (n.I - n.v + 0.3 * sp.sin(n.t / 7.0)) / n.tau
        return n

    def spike(self):
        with Equations(self) as n:
            return n.v > 1.0

    def reset(self):
        with Equations(self) as n:
            n.v = 0.0
        return n


def _run(model, values, n=3, duration=200.0):
    net = ann.Network(dt=0.1, seed=1)
    pop = net.create(n, model)
    for name, value in values.items():
        setattr(pop, name, value)
    m = net.monitor(pop, ["v", "spike"])
    net.compile()
    net.simulate(duration)
    return m.get("v"), m.get("spike")


def _locality(model, name):
    return next(v.locality for v in model.ir.variables if v.name == name)


def test_the_named_values_become_per_neuron_and_nothing_else_changes():
    local = localize(LEAKY, ["tau", "I"])
    assert _locality(local, "tau") == "local" and _locality(local, "I") == "local"
    assert _locality(local, "v_th") == "global"
    text = local.to_spec()["parameters"]
    assert "# membrane time constant" in text and "I = 1.2 : float" in text
    assert local.to_spec()["equations"] == LEAKY.to_spec()["equations"]
    assert _locality(LEAKY, "tau") == "global"             # the original is untouched


@pytest.mark.parametrize("model", [LEAKY, ClassLeaky()], ids=["text", "class"])
def test_equal_values_give_equal_trajectories(model):
    v0, s0 = _run(model, {})
    v1, s1 = _run(localize(model, ["tau", "I"]), {"tau": [10.0] * 3, "I": [1.2] * 3})
    np.testing.assert_array_equal(v0, v1)
    assert s0 == s1 and sum(map(len, s0.values())) > 3


def test_each_neuron_of_the_copy_is_the_original_with_its_values():
    taus, currents = [8.0, 10.0, 14.0], [1.1, 1.3, 1.6]
    v, spikes = _run(localize(LEAKY, ["tau", "I"]), {"tau": taus, "I": currents})
    for k, (tau, current) in enumerate(zip(taus, currents)):
        v_k, s_k = _run(LEAKY, {"tau": tau, "I": current}, n=1)
        np.testing.assert_allclose(v[:, k], v_k[:, 0], rtol=0, atol=1e-12)
        assert spikes[k] == s_k[0]
    assert len({tuple(s) for s in spikes.values()}) == 3  # the values matter


def test_unknown_names_and_already_local_values():
    with pytest.raises(ModelError, match=r"no parameter or variable named 'taus'.*did you mean 'tau'"):
        localize(LEAKY, ["taus"])
    izh = ann.Izhikevich()
    assert localize(izh, ["a", "b"]) is izh                 # per neuron already
