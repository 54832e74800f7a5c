"""Global operations (ANNarchy's ``mean(r)``, ``max``, ``min``, ``norm1``, ``norm2``).

One value over a whole population, computed after every population's update
(ANNarchy's order): a neuron reads the value of the previous step, a synapse
that of the current step. Expected values are computed here with numpy or by
hand from the step rule.
"""

import re

import numpy as np
import pytest

from engine import Network, Neuron, Synapse
from engine.errors import EquationError, NetworkError

ALL_OPS = Neuron(parameters="r = 0", equations="""
    mean_r = mean(r)
    max_r = max(r)
    min_r = min(r)
    l1 = norm1(r)
    l2 = norm2(r) : population
""")


@pytest.mark.parametrize("geometry", [6, (2, 3), 500])
def test_values_against_numpy(geometry):
    net = Network(seed=3)
    pop = net.create(geometry, ALL_OPS)
    net.compile()
    values = np.random.default_rng(1).normal(size=pop.size)
    pop.r = values.reshape(pop.geometry) if isinstance(geometry, tuple) else values
    net.simulate(2)   # step 1 computes, step 2 reads
    np.testing.assert_allclose(pop.mean_r, np.mean(values), rtol=1e-12)
    np.testing.assert_allclose(pop.max_r, np.max(values))
    np.testing.assert_allclose(pop.min_r, np.min(values))
    np.testing.assert_allclose(pop.l1, np.sum(np.abs(values)), rtol=1e-12)
    np.testing.assert_allclose(pop.l2, np.linalg.norm(values), rtol=1e-12)
    assert np.ndim(pop.l2) == 0 or np.size(pop.l2) == 1   # a population-wide variable


def test_neurons_read_the_previous_step_and_start_at_zero():
    # r grows by 1 per step; m reads max(r) as computed at the end of the step before
    model = Neuron(equations="""
        dr/dt = 1 : init = 10
        m = max(r)
    """)
    net = Network(dt=1.0)
    pop = net.create(3, model)
    mon = net.monitor(pop, ["r", "m"])
    net.compile()
    net.simulate(4)
    r, m = mon.get("r")[:, 0], mon.get("m")[:, 0]
    np.testing.assert_allclose(r, [11, 12, 13, 14])
    np.testing.assert_allclose(m, [0, 11, 12, 13])   # 0 before the first computation
    net.reset()
    net.simulate(1)
    assert pop.m[0] == 0.0   # reset forgets the computed value


def test_spiking_population_mean_of_v():
    model = Neuron(parameters="I = 0", equations="""
        dv/dt = I
        vbar = mean(v)
    """, spike="v > 1000", reset="v = 0")
    net = Network(dt=0.5)
    pop = net.create(4, model)
    pop.I = [1.0, 2.0, 3.0, 4.0]
    net.compile()
    net.simulate(3.0)  # 6 steps: v = 6 * 0.5 * I; vbar from the 5th step
    np.testing.assert_allclose(pop.v, [3, 6, 9, 12])
    np.testing.assert_allclose(pop.vbar, np.mean([2.5, 5, 7.5, 10]))


@pytest.mark.filterwarnings("ignore:.*does not use sum")
def test_synapses_read_the_value_of_the_current_step():
    # w follows eta * (post.r - mean(post.r)) + max(pre.r), with the means of this step
    syn = Synapse(parameters="eta = 0.5",
                  equations="dw/dt = eta * pre.r * (post.r - mean(post.r)) + max(pre.r)")
    net = Network(dt=1.0)
    a = net.create(3, Neuron(parameters="r = 0"))
    b = net.create(2, Neuron(parameters="r = 0"))
    proj = net.connect(a, b, "exc", syn)
    proj.all_to_all(weights=0.0)
    net.compile()
    a.r = [1.0, 2.0, 3.0]
    b.r = [1.0, 5.0]
    net.simulate(2)
    pre, post = np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0])
    dw = 0.5 * pre[None, :] * (post[:, None] - post.mean()) + pre.max()
    np.testing.assert_allclose(np.array(proj.w), 2 * dw)


def test_same_operation_twice_is_one_value():
    model = Neuron(parameters="r = 0", equations="""
        a = max(r)
        b = max(r)
        c = mean(r) + mean(r)
    """)
    net = Network()
    pop = net.create(6, model)
    net.compile()
    pop.r = [2.0, 1.0, 0.0, -5.0, -3.0, -1.0]
    net.simulate(2)
    np.testing.assert_allclose(pop.a, 2.0)
    np.testing.assert_allclose(pop.b, 2.0)
    np.testing.assert_allclose(pop.c, -2.0)
    assert "max(r)" in net.generated_code()


def test_elementwise_min_max_of_two_values_are_unchanged():
    pop_model = Neuron(parameters="r = 0", equations="x = max(r, 1)\ny = min(r, 1)")
    net = Network()
    pop = net.create(3, pop_model)
    net.compile()
    pop.r = [0.0, 2.0, 3.0]
    net.simulate(1)
    np.testing.assert_allclose(pop.x, [1, 2, 3])
    np.testing.assert_allclose(pop.y, [0, 1, 1])


@pytest.mark.parametrize("text, message", [
    ("x = mean(r + 1)", "mean() of an expression is not supported"),
    ("x = mean(q)", "mean(q): unknown name 'q'"),
    ("x = norm2(r, 2)", "norm2() takes exactly one variable"),
    ("x = mean(pre.r)", "pre. and post. are only available in synapses"),
])
def test_parse_errors(text, message):
    with pytest.raises(EquationError, match=re.escape(message)):
        Neuron(parameters="r = 0", equations=text)


def test_synapse_must_say_which_population():
    with pytest.raises(EquationError, match=r"write mean\(pre.w\) or mean\(post.w\)"):
        Synapse(equations="dw/dt = mean(w)")


def test_synapse_reading_a_missing_attribute_is_refused_at_connect():
    net = Network()
    a = net.create(2, Neuron(parameters="r = 0"))
    b = net.create(2, Neuron(equations="r = sum(exc)"))
    with pytest.raises(NetworkError, match=r"reads mean\(post.u\).*has no 'u'"):
        net.connect(a, b, "exc", Synapse(equations="dw/dt = mean(post.u)")).all_to_all(0.1)


def test_synapse_global_operation_over_a_view_is_refused():
    net = Network()
    a = net.create(4, Neuron(parameters="r = 0"))
    b = net.create(2, Neuron(equations="r = sum(exc)"))
    with pytest.raises(NetworkError, match="over a part of population"):
        net.connect(a[:2], b, "exc", Synapse(equations="dw/dt = max(pre.r)")).all_to_all(0.1)


def test_class_syntax_gives_the_same_ir():
    from engine import Equations, Parameter

    class M(Neuron):
        def __init__(self):
            self.r = self.Array(0.0)
            self.m = self.Array(0.0)
            self.x = self.Array(0.0)

        def update(self):
            with Equations(self) as n:
                n.m = n.mean(n.r)
                n.x = n.max(n.r, 1.0)       # two arguments: the element-wise max
            return n

    text = Neuron(name="M", parameters={"r": Parameter(0.0, locality="local")},
                  equations="m = mean(r)\nx = max(r, 1.0)")
    assert M().ir == text.ir
    assert M().ir.global_operations == (("mean", "", "r"),)

    class S(Synapse):
        def __init__(self):
            self.w = self.Weight(0.0)

        def update(self):
            with Equations(self) as s:
                s.dw_dt = s.pre.r - s.norm2(s.post.r)
            return s

    assert S().ir == Synapse(name="S", equations="dw/dt = pre.r - norm2(post.r)").ir

    class Bad(Neuron):
        def __init__(self):
            self.r = self.Array(0.0)

        def update(self):
            with Equations(self) as n:
                n.r = n.mean(n.r + 1)
            return n

    with pytest.raises(EquationError, match=r"mean\(\) takes one variable of the population"):
        Bad().ir
