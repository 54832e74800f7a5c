"""Random distributions as ANNarchy 5's ``RandomDistribution``.

``get_values``/``get_value``, ``min=``/``max=`` clipping, the ``rng``
argument (positional for Uniform, as ANNarchy's MultipleNetworks tutorial
writes it), and bad parameters refused in Python and in equation text.
Drawn values are compared with numpy's Generator given the same seed (what
ANNarchy's Random.py calls), clipping with ``np.clip``.
"""

import numpy as np
import pytest

import engine as ann
from engine import EquationError, ModelError, Network, Neuron
from engine.language.random_draws import Binomial, Gamma


def rng(seed=5):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("dist, reference", [
    (lambda g: ann.Uniform(-1.0, 2.0, g), lambda g, s: g.uniform(-1.0, 2.0, s)),
    (lambda g: ann.Uniform(min=-1.0, max=2.0, rng=g), lambda g, s: g.uniform(-1.0, 2.0, s)),
    (lambda g: ann.Normal(1.0, 3.0, rng=g), lambda g, s: g.normal(1.0, 3.0, s)),
    (lambda g: ann.LogNormal(0.5, 0.2, rng=g), lambda g, s: g.lognormal(0.5, 0.2, s)),
    (lambda g: ann.DiscreteUniform(2, 7, g), lambda g, s: g.integers(2, 8, s)),
    (lambda g: Gamma(2.0, 0.5, rng=g), lambda g, s: g.gamma(2.0, 0.5, s)),
    (lambda g: Binomial(10, 0.3, g), lambda g, s: g.binomial(10, 0.3, s)),
    # rate Lambda: numpy's scale is 1/Lambda
    (lambda g: ann.Exponential(4.0, rng=g), lambda g, s: g.exponential(0.25, s)),
])
@pytest.mark.parametrize("shape", [7, (3, 4)])
def test_get_values_are_numpy_draws_of_the_given_generator(dist, reference, shape):
    got = dist(rng()).get_values(shape)
    want = reference(rng(), shape)
    assert got.shape == np.empty(shape).shape
    np.testing.assert_array_equal(got, want)
    # the same generator state gives the same values again: reproducible
    np.testing.assert_array_equal(dist(rng()).get_values(shape), got)


def test_get_value_and_list_values():
    d = ann.Normal(0.0, 1.0, rng=rng(3))
    v = d.get_value()
    assert isinstance(v, float) and v == rng(3).normal(0.0, 1.0, 1)[0]
    assert ann.Uniform(0, 1, rng(4)).get_list_values(3) == list(rng(4).uniform(0, 1, 3))
    # without rng: a fresh generator, values still in range
    vals = ann.Uniform(14.625, 15.375).get_values(500)
    assert vals.shape == (500,) and vals.min() >= 14.625 and vals.max() < 15.375


@pytest.mark.parametrize("make, lo, hi, reference", [
    (lambda g: ann.Normal(0.0, 1.0, min=-0.5, max=0.8, rng=g), -0.5, 0.8,
     lambda g: g.normal(0.0, 1.0, 1000)),
    (lambda g: ann.Normal(0.0, 1.0, -0.5, 0.8, g), -0.5, 0.8,      # positional, as ANNarchy
     lambda g: g.normal(0.0, 1.0, 1000)),
    (lambda g: ann.Normal(5.0, 2.5, min=5.0, rng=g), 5.0, None,
     lambda g: g.normal(5.0, 2.5, 1000)),
    (lambda g: ann.LogNormal(0.0, 1.0, max=2.0, rng=g), None, 2.0,
     lambda g: g.lognormal(0.0, 1.0, 1000)),
    (lambda g: ann.Exponential(1.0, min=0.1, max=3.0, rng=g), 0.1, 3.0,
     lambda g: g.exponential(1.0, 1000)),
])
def test_min_max_clip_as_annarchy(make, lo, hi, reference):
    d = make(rng())
    assert (d.min, d.max) == (lo, hi)
    got = d.get_values(1000)
    want = np.clip(reference(rng()), lo, hi)
    np.testing.assert_array_equal(got, want)
    # clipping piles the tail onto the bound, as ANNarchy (not a truncated law)
    if lo is not None:
        assert (got == lo).sum() > 0


def test_annarchy_attribute_names():
    assert (ann.Uniform(1, 2).min, ann.Uniform(1, 2).max) == (1, 2)
    n = ann.Normal(mu=1.0, sigma=2.0, min=0.0)
    assert (n.mu, n.sigma, n.min, n.max) == (1.0, 2.0, 0.0, None)
    assert ann.Exponential(Lambda=2.0).Lambda == 2.0
    assert (Gamma(2.0).alpha, Gamma(2.0).beta) == (2.0, 1.0)
    assert (Binomial(3, 0.5).n, Binomial(3, 0.5).p) == (3, 0.5)
    assert repr(ann.Normal(0, 1, min=-1.0)) == "Normal(0, 1, min=-1.0)"


@pytest.mark.parametrize("make, message", [
    (lambda: ann.Normal(0, -1), r"Normal\(0, -1\): the standard deviation sigma \(-1\) must be >= 0"),
    (lambda: ann.LogNormal(0, -0.5), "sigma .* must be >= 0"),
    (lambda: ann.Uniform(2, 1), r"Uniform\(2, 1\): the minimum \(2\) is larger than the maximum "
                                r"\(1\); swap the two arguments"),
    (lambda: ann.DiscreteUniform(3, 1), "larger than the maximum"),
    (lambda: ann.Exponential(0.0), r"the rate Lambda \(0\) must be > 0"),
    (lambda: Gamma(-1.0), "alpha and the scale beta must be > 0"),
    (lambda: Binomial(2.5, 0.5), "n .* must be an integer >= 0"),
    (lambda: Binomial(2, 1.5), r"p \(1.5\) must be in \[0, 1\]"),
    (lambda: ann.Normal(0, float("inf")), "sigma must be a finite number"),
    (lambda: ann.Normal(0, 1, min=2.0, max=1.0), "min=2.0 > max=1.0; swap them"),
    (lambda: ann.Normal(0, 1, min="a"), "min='a' must be a finite number"),
    (lambda: ann.Uniform(0, 1, 42), r"rng=42 is not a random number generator; give a numpy "
                                    r"Generator, e.g. rng=np.random.default_rng\(42\)"),
    (lambda: ann.Uniform(0, 1).get_values("x"), "shape must be an int or a tuple of ints"),
    (lambda: ann.Uniform(0, 1).get_values(-2), "sizes must be >= 0"),
])
def test_bad_parameters_refused_in_python(make, message):
    with pytest.raises(ModelError, match=message):
        make()


@pytest.mark.parametrize("text, message, col", [
    ("r = Normal(0, -1)", r"Normal\(0, -1\): the standard deviation sigma \(-1\) must be >= 0", 5),
    ("r = 1 + Uniform(2, 1)", r"Uniform\(2, 1\): the minimum \(2\) is larger", 9),
    ("r = Exponential(-2.0)", r"the rate Lambda \(-2\) must be > 0", 5),
    ("r = DiscreteUniform(5, 0)", "larger than the maximum", 5),
])
def test_bad_parameters_refused_in_equations(text, message, col):
    with pytest.raises(EquationError, match=message) as info:
        Neuron(equations=text)
    (d,) = info.value.diagnostics
    assert (d.block, d.line, d.col) == ("equations", 1, col)


def test_symbolic_parameters_are_not_checked_at_parse_time():
    # the value of s is known only when running
    Neuron(parameters="s = 1.0", equations="r = Normal(0, s)")


def test_population_values_from_a_distribution_with_rng_and_clip():
    net = Network(seed=1)
    pop = net.create(200, Neuron(equations="r = 0.0"))
    pop.r = ann.Normal(0.0, 1.0, min=-0.5, max=0.5, rng=rng(9))
    np.testing.assert_array_equal(pop.r, np.clip(rng(9).normal(0.0, 1.0, 200), -0.5, 0.5))
    # without rng: the network's seed decides, reproducibly
    vals = []
    for _ in range(2):
        n2 = Network(seed=3)
        p2 = n2.create(50, Neuron(equations="r = 0.0"))
        p2.r = ann.Normal(0.0, 1.0, max=0.0)
        vals.append(np.array(p2.r))
    np.testing.assert_array_equal(vals[0], vals[1])
    assert vals[0].max() == 0.0


def test_weights_with_rng_and_clipping():
    net = Network(seed=2)
    a = net.create(20, Neuron(equations="r = 0.0"))
    b = net.create(30, Neuron(equations="r = sum(exc) + sum(inh)"))
    # ANNarchy's MultipleNetworks: ann.Uniform(0.0, 0.5, self.rng), rng positional
    j = net.connect(a, b, "exc").all_to_all(weights=ann.Uniform(0.0, 0.5, rng(11)))
    k = net.connect(a, b, "inh").all_to_all(
        weights=ann.Normal(1.0, 1.0, min=0.5, max=1.5))
    net.compile()
    w = np.concatenate([np.asarray(x) for x in j.w])
    np.testing.assert_array_equal(np.sort(w), np.sort(rng(11).uniform(0.0, 0.5, 600)))
    wk = np.concatenate([np.asarray(x) for x in k.w])
    assert wk.min() == 0.5 and wk.max() == 1.5
    # a standard normal is below -0.5 sd with p = 0.3085: 600 draws, 4 standard errors
    assert abs((wk == 0.5).mean() - 0.3085) < 4 * np.sqrt(0.3085 * 0.6915 / 600)


def test_network_default_rng_is_seeded():
    a = Network(seed=12).default_rng.uniform(size=3)
    b = Network(seed=12).default_rng.uniform(size=3)
    np.testing.assert_array_equal(a, b)
    d1 = ann.Uniform(0, 1, Network(seed=12).default_rng).get_values(4)
    d2 = ann.Uniform(0, 1, Network(seed=12).default_rng).get_values(4)
    np.testing.assert_array_equal(d1, d2)


def test_clipped_distribution_as_initial_value_of_a_model():
    n = Neuron(parameters=dict(x=ann.Parameter(ann.Normal(0, 1, min=-0.5, max=0.5),
                                               locality="local")),
               equations=[ann.Variable("y = 0.0", init=ann.Normal(0, 1, min=0.0))],
               spike="y > 1e9")
    pop = Network(seed=1).create(4000, n)
    assert pop.x.min() == -0.5 and pop.x.max() == 0.5
    # P(N(0,1) < -0.5) = 0.3085 and P(N(0,1) < 0) = 0.5, within 4 standard errors
    assert abs((pop.x == -0.5).mean() - 0.3085) < 4 * np.sqrt(0.3085 * 0.6915 / 4000)
    assert abs((pop.y == 0.0).mean() - 0.5) < 4 * np.sqrt(0.25 / 4000)


def test_rng_inside_a_model_is_refused():
    with pytest.raises(ModelError, match="draws from the network's seed, not from rng="):
        Neuron(parameters=dict(x=ann.Parameter(ann.Normal(0, 1, rng=rng()),
                                               locality="local")), equations="r = x")
    with pytest.raises(ModelError, match="not available inside equations or as a model.s init"):
        Neuron(parameters=dict(x=ann.Parameter(Gamma(2.0), locality="local")),
               equations="r = x")
