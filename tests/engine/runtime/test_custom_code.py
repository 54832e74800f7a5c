"""Hooks for specific populations and projections: hand-written loop code
(CustomCode) and adoption by net.create(population=...)."""

import numpy as np
import pytest

from engine import Network, Neuron, Population
from engine.codegen.network_code import CustomCode
from engine.errors import NetworkError
from engine.runtime.projection import Projection


class EveryKthStep(Population):
    """Neuron i spikes on the steps that are multiples of period[i]."""

    def __init__(self, periods, name=None, *, network=None):
        self._periods = np.asarray(periods, dtype=np.int64)
        super().__init__(len(self._periods), Neuron(spike="t < 0.0"),
                         name=name, network=network)

    def _allocate(self):
        super()._allocate()
        self._internals["period"] = self._periods.copy()

    def _custom_code(self):
        return CustomCode(
            code=("for _i in range({p}__period.shape[0]):\n"
                  "    {p}__flag[_i] = (_step % {p}__period[_i]) == 0\n"),
            args=("period",))


class CopyRate(Projection):
    """sum(target) of post neuron i += 2 * pre.r[i] (one to one)."""

    def _custom_code(self):
        return CustomCode(code=("for _i in range({post}__sum_{target}.shape[0]):\n"
                                "    {post}__sum_{target}[_i] += {j}__gain[0] * {pre}_r[_i]\n"),
                          args=("gain",))


def test_custom_population_spikes_where_its_code_says():
    net = Network(dt=1.0, seed=1)
    src = net.create(EveryKthStep([2, 3, 5]))
    m = net.monitor(src, "spike")
    net.compile()
    net.simulate(30)
    spikes = m.get("spike")
    assert spikes[0] == list(range(0, 30, 2))
    assert spikes[1] == list(range(0, 30, 3))
    assert spikes[2] == list(range(0, 30, 5))
    assert "custom code of" in net.generated_code()


def test_adopted_population_gets_the_network_seed_and_a_fresh_rank():
    from engine.runtime.active import active_network

    before = len(active_network().get_populations())
    src = EveryKthStep([4])           # joins the active network first
    net = Network(dt=1.0, seed=3)
    other = net.create(5, Neuron(equations="r = 1.0"))
    assert net.create(src) is src
    assert src.network is net and src.id == 1 and src.name == "pop1"
    assert len(active_network().get_populations()) == before
    assert net.get_populations() == [other, src]
    net2 = Network(dt=1.0)
    with pytest.raises(NetworkError, match="expects a population"):
        net2.create(population="pop")


def test_custom_projection_replaces_the_weighted_sum():
    net = Network(dt=1.0, seed=1)
    pre = net.create(3, Neuron(parameters="r = 0.0"))
    post = net.create(3, Neuron(equations="r = sum(exc)"))
    proj = CopyRate(pre, post, "exc", network=net)
    proj.one_to_one(weights=1.0)
    proj._extra["gain"] = np.array([2.0])
    assert net.connect(projection=proj) is proj
    pre.r = [1.0, 2.0, 3.0]
    net.compile()
    net.simulate(1)
    np.testing.assert_allclose(post.r, [2.0, 4.0, 6.0])
    proj._extra["gain"][0] = 0.5
    net.simulate(1)
    np.testing.assert_allclose(post.r, [0.5, 1.0, 1.5])


def test_specific_population_built_while_the_active_network_is_compiled():
    from engine import PoissonPopulation
    from engine.runtime.active import active_network

    first = active_network()
    if not first.get_populations():
        first.create(1, Neuron(parameters="r = 0.0"))
    first.compile()
    net = Network(dt=0.5, seed=2)
    pop = net.create(PoissonPopulation(10, rates=50.0))
    assert pop.network is net and net.get_populations() == [pop]
    assert pop not in first.get_populations()
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(100.0)
    assert sum(len(s) for s in m.get("spike").values()) > 0
