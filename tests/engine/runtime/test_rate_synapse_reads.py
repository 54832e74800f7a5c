"""What a rate-coded synapse reads and how its dendrite combines it.

- ``operation='max'|'min'|'mean'`` (ANNarchy): the psp of one post neuron's
  synapses combined instead of summed;
- delayed projections reading any ``pre.x`` (not only ``r``), local or
  population-wide: each read variable keeps its own history;
- ``pre.x`` / ``post.x`` of a population-wide variable: its one value (it was
  read out of bounds, a silent wrong sum);
- delays drawn from a bounded distribution size the history by the bound
  (ANNarchy), so ``proj.delay = ...`` may set any value it could have drawn.

Expected values are computed in the tests with numpy or by hand.
"""

import numpy as np
import pytest

from engine import DiscreteUniform, Network, Neuron, Synapse
from engine.errors import EquationError, NetworkError

INPUT = Neuron(parameters="r = 0")
READER = Neuron(equations="r = sum(a) + sum(b) + sum(c)")


def _reduced(matrix, rates, op):
    out = []
    for row in matrix:
        psp = [w * r for w, r in zip(row, rates) if not np.isnan(w)]
        if not psp:
            out.append(0.0)
        else:
            out.append({"max": max, "min": min, "mean": np.mean, "sum": sum}[op](psp))
    return np.array(out)


@pytest.mark.parametrize("op", ["max", "min", "mean", "sum"])
def test_operations_against_numpy(op):
    rng = np.random.default_rng(5)
    matrix = rng.normal(size=(5, 7))
    matrix[rng.random(matrix.shape) < 0.4] = np.nan
    matrix[2] = np.nan          # a neuron without synapses receives 0
    rates = rng.normal(size=7)
    net = Network()
    pre = net.create(7, INPUT)
    post = net.create(5, READER)
    net.connect(pre, post, "a", Synapse(psp="pre.r * w", operation=op)).from_matrix(matrix)
    net.compile()
    pre.r = rates
    net.simulate(1)
    np.testing.assert_allclose(post.sum("a"), _reduced(matrix, rates, op), rtol=1e-12)
    assert post.sum("a")[2] == 0.0


def test_each_projection_reduces_then_adds_to_the_target():
    net = Network()
    pre = net.create(3, INPUT)
    post = net.create(1, READER)
    net.connect(pre, post, "a", Synapse(psp="pre.r * w", operation="max")).all_to_all(1.0)
    net.connect(pre, post, "a", Synapse(psp="pre.r * w", operation="min")).all_to_all(1.0)
    net.compile()
    pre.r = [1.0, 5.0, -2.0]
    net.simulate(1)
    assert post.sum("a")[0] == 5.0 + (-2.0)


def test_operation_shown_validated_and_kept_in_specs():
    syn = Synapse(psp="pre.r * w", operation="mean")
    assert "operation: mean" in str(syn)
    assert Synapse.from_spec(syn.to_spec()).ir.operation == "mean"
    assert Synapse(psp="pre.r * w").ir.operation == "sum"
    with pytest.raises(EquationError, match="operation must be one of 'sum', 'max', 'min', "
                                            "'mean', got 'prod'"):
        Synapse(psp="pre.r * w", operation="prod")
    with pytest.raises(EquationError, match="applies to rate-coded synapses"):
        Synapse(pre_spike="g_target += w", operation="max")


def test_population_wide_pre_variable_is_read_once_per_synapse():
    model = Neuron(parameters="glob_r = 1.0 : population\nr = 0")
    net = Network()
    pre = net.create(3, model)
    post = net.create(4, READER)
    net.connect(pre, post, "a", Synapse(psp="w * pre.glob_r")).all_to_all(weights=1.5)
    net.compile()
    pre.glob_r = 2.0
    net.simulate(1)
    np.testing.assert_allclose(post.sum("a"), 3 * 1.5 * 2.0)


def test_post_population_wide_variable_in_a_learning_rule():
    post_model = Neuron(parameters="gain = 3.0 : population", equations="r = sum(a)")
    net = Network()
    pre = net.create(2, INPUT)
    post = net.create(3, post_model)
    proj = net.connect(pre, post, "a", Synapse(equations="dw/dt = post.gain"))
    proj.all_to_all(weights=0.0)
    net.compile()
    net.simulate(2)
    np.testing.assert_allclose(np.array(proj.w), 6.0)


# r(t) = r(t-1) + t with r(0) = -1 (as ANNarchy's test): -1, 0, 2, 5, 9, 14, 20, 27...
GROWING = Neuron(equations="""
    r = r + t : init = -1
    glob_r = glob_r + t : init = -1, population
""")


def _r_after(steps):
    r = -1.0
    for k in range(steps):
        r += k
    return r


@pytest.mark.parametrize("variable", ["r", "glob_r"])
def test_uniform_delay_reads_the_past_of_any_variable(variable):
    net = Network(dt=1.0)
    pre = net.create(3, GROWING)
    post = net.create(3, READER)
    proj = net.connect(pre, post, "a", Synapse(psp=f"w * pre.{variable}"))
    proj.one_to_one(weights=1.0, delays=4.0)
    net.compile()
    net.simulate(9)
    # at step 9 the sum reads the value written 4 steps before the current one
    np.testing.assert_allclose(post.sum("a"), _r_after(9 - 4))


def test_per_synapse_delays_of_a_population_wide_variable():
    net = Network(dt=1.0)
    pre = net.create(3, GROWING)
    post = net.create(3, READER)
    proj = net.connect(pre, post, "a", Synapse(psp="w * pre.glob_r"))
    proj.one_to_one(weights=1.0, delays=DiscreteUniform(1, 5))
    net.compile()
    proj.delay = [[3.0], [5.0], [2.0]]
    net.simulate(8)
    np.testing.assert_allclose(post.sum("a"), [_r_after(8 - d) for d in (3, 5, 2)])


def test_bounded_distribution_sizes_the_history_by_its_bound():
    net = Network(dt=1.0, seed=1)
    pre = net.create(3, GROWING)
    post = net.create(3, READER)
    proj = net.connect(pre, post, "a")
    # whatever was drawn, the bound 5 ms decides: the history keeps 5 steps
    proj.one_to_one(weights=1.0, delays=DiscreteUniform(1, 5))
    assert proj.max_delay_steps == 5
    net.compile()
    proj.delay = [[5.0], [5.0], [5.0]]
    net.simulate(10)
    np.testing.assert_allclose(post.sum("a"), _r_after(10 - 5))


# -- pre.sum(target) / post.sum(target) in synapses (ANNarchy) ------------------------

def test_pre_and_post_sums_in_a_learning_rule():
    # a -> b (all-to-all, w = 1), b -> c with w = pre.sum(exc) + post.sum(exc)
    net = Network()
    a = net.create(3, INPUT)
    b = net.create(3, Neuron(equations="r = sum(exc)"))
    c = net.create(2, Neuron(equations="r = sum(exc)"))
    net.connect(a, b, "exc").all_to_all(weights=1.0)
    proj = net.connect(b, c, "exc", Synapse(equations="w = pre.sum(exc) + post.sum(exc)"))
    proj.all_to_all(weights=0.0)
    net.compile()
    a.r = [1.0, 2.0, 3.0]
    net.simulate(1)
    # step 1: b's input is 6 (b.r still 0 when c's sum is computed): w = 6 + 0
    np.testing.assert_allclose(np.array(proj.w), 6.0)
    net.simulate(1)
    # step 2: b.r = 6, c's input = 3 synapses x w 6 x r 6 = 108: w = 6 + 108
    np.testing.assert_allclose(c.sum("exc"), 108.0)
    np.testing.assert_allclose(np.array(proj.w), 114.0)


def test_side_sum_of_a_target_the_population_lacks_is_refused_at_compile():
    net = Network()
    a = net.create(2, INPUT)
    b = net.create(2, Neuron(equations="r = sum(exc)"))
    net.connect(a, b, "exc", Synapse(equations="w = pre.sum(inh)")).all_to_all(weights=0.0)
    with pytest.raises(NetworkError, match=r"reads pre.sum\(inh\), but the model 'Neuron' of "
                                        r"'pop0' has no target 'inh' \(its targets: none\)"):
        net.compile()


def test_side_sum_parse_errors():
    with pytest.raises(EquationError, match=r"pre.sum\(\) takes exactly one target name"):
        Synapse(equations="w = pre.sum(1)")
    with pytest.raises(EquationError, match="only available in synapses"):
        Neuron(equations="r = post.sum(exc)")


def test_ragged_delay_lists_per_dendrite():
    # dendrites of 1, 2 and 3 synapses: one list each, as proj.delay returns them
    net = Network(dt=1.0)
    pre = net.create(3, GROWING)
    post = net.create(3, READER)
    proj = net.connect(pre, post, "a")
    proj.from_matrix(np.array([[1.0, np.nan, np.nan], [1.0, 1.0, np.nan], [1.0, 1.0, 1.0]]),
                     delays=DiscreteUniform(1, 4))
    proj.delay = [[2.0], [3.0, 3.0], [4.0, 4.0, 4.0]]
    assert [list(d) for d in proj.delay] == [[2.0], [3.0, 3.0], [4.0, 4.0, 4.0]]
    net.compile()
    net.simulate(8)
    np.testing.assert_allclose(post.sum("a"), [_r_after(8 - 2), 2 * _r_after(8 - 3),
                                              3 * _r_after(8 - 4)])


def test_delays_drawn_from_a_distribution_stay_per_synapse_even_if_all_equal():
    # DiscreteUniform(3, 3) draws 3 every time: still per-synapse delays (ANNarchy),
    # so different ones can be set after compile
    net = Network(dt=1.0)
    pre = net.create(3, GROWING)
    post = net.create(3, READER)
    proj = net.connect(pre, post, "a")
    proj.one_to_one(weights=1.0, delays=DiscreteUniform(3, 3))
    assert not proj.uniform_delay
    net.compile()
    proj.delay = [[3.0], [1.0], [2.0]]
    net.simulate(8)
    np.testing.assert_allclose(post.sum("a"), [_r_after(8 - d) for d in (3, 1, 2)])
    # equal delays given as a number stay one uniform delay
    other = Network(dt=1.0)
    p2 = other.connect(other.create(2, INPUT), other.create(2, READER), "a")
    p2.one_to_one(weights=1.0, delays=2.0)
    assert p2.uniform_delay
