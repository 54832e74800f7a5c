"""Connector statistics per neuron, against the distributions the connectors promise.

``fixed_probability(p)``: every (pre, post) pair independently with
probability p (ANNarchy, PyNN, NEST's ``pairwise_bernoulli``), so the
in-degree of every post neuron is Binomial(n_pre, p) and the out-degree of
every pre neuron Binomial(n_post, p), without self-connections
Binomial(n - 1, p). ``fixed_number_pre(k)``: every post neuron gets exactly
k distinct pre neurons drawn uniformly (ANNarchy's and NEST's
``fixed_indegree`` without multapses), so every pre neuron is chosen by each
post neuron with probability k/n_pre: its out-degree is Binomial(n_post,
k/n_pre). ``fixed_number_post`` is the mirror image.

The checks are per neuron, in both storage orientations (spiking projections
keep rows by pre-synaptic neuron, rate-coded ones by post-synaptic neuron),
and include the last neuron of each side (a loop bound one short leaves it
out). Chi-square tests compare the histogram of degrees with the binomial
distribution; the seeds are fixed, so the tests are deterministic, and the
thresholds are set at p < 1e-4 (a correct connector fails none of them).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from engine import Network, Neuron

SPIKING = Neuron(equations="v = g_exc", spike="v > 1e9", name="ConnSpiking")
RATE = Neuron(equations="r = sum(exc)", name="ConnRate")


def _mask(kind, n_pre, n_post, connect, same=False, seed=11):
    net = Network(dt=1.0, seed=seed)
    model = SPIKING if kind == "spiking" else RATE
    pre = net.create(n_pre, model)
    post = pre if same else net.create(n_post, model)
    proj = net.connect(pre, post, "exc")
    connect(proj)
    m = ~np.isnan(proj.connectivity_matrix(fill=np.nan))   # (post, pre)
    assert m.sum() == proj.nb_synapses
    return m


def _chi2_binomial(degrees, n, p):
    """p-value of the degrees' histogram against Binomial(n, p), bins pooled
    so that every expected count is at least 5."""
    dist = stats.binom(n, p)
    lo, hi = int(dist.ppf(1e-4)), int(dist.ppf(1 - 1e-4))
    edges = np.arange(lo, hi + 2)
    expected = np.diff(dist.cdf(edges - 1)) * degrees.size
    expected[0] += dist.cdf(lo - 1) * degrees.size
    expected[-1] += dist.sf(hi) * degrees.size
    observed = np.histogram(np.clip(degrees, lo, hi), bins=np.append(edges[:-1], hi + 1) - 0.5)[0]
    # pool neighbouring bins until each expects >= 5
    obs_p, exp_p, o, e = [], [], 0.0, 0.0
    for oi, ei in zip(observed, expected):
        o, e = o + oi, e + ei
        if e >= 5:
            obs_p.append(o)
            exp_p.append(e)
            o = e = 0.0
    if e:
        obs_p[-1] += o
        exp_p[-1] += e
    obs_p, exp_p = np.array(obs_p), np.array(exp_p)
    chi2 = ((obs_p - exp_p) ** 2 / exp_p).sum()
    return stats.chi2.sf(chi2, len(obs_p) - 1)


@pytest.mark.parametrize("kind", ["spiking", "rate"])
@pytest.mark.parametrize("p", [0.9, 0.3, 0.05])
def test_fixed_probability_degrees_are_binomial_for_every_neuron(kind, p):
    n_pre, n_post = 600, 500
    m = _mask(kind, n_pre, n_post, lambda proj: proj.fixed_probability(p, weights=1.0))
    in_deg, out_deg = m.sum(axis=1), m.sum(axis=0)
    # no neuron is left out: the last post and the last pre included
    for degrees, n in ((in_deg, n_pre), (out_deg, n_post)):
        dist = stats.binom(n, p)
        assert degrees.min() >= dist.ppf(1e-7) and degrees.max() <= dist.ppf(1 - 1e-7)
        assert _chi2_binomial(degrees, n, p) > 1e-4
    assert in_deg[-1] > 0 and out_deg[-1] > 0
    # every column index is used about equally often (pair independence)
    assert stats.chisquare(out_deg).pvalue > 1e-4
    assert stats.chisquare(in_deg).pvalue > 1e-4
    assert abs(m.mean() - p) < 5 * np.sqrt(p * (1 - p) / m.size)


@pytest.mark.parametrize("kind", ["spiking", "rate"])
def test_fixed_probability_without_self_connections(kind):
    n, p = 400, 0.5
    m = _mask(kind, n, n, lambda proj: proj.fixed_probability(p, weights=1.0), same=True)
    assert not m.diagonal().any()
    for degrees in (m.sum(axis=1), m.sum(axis=0)):
        assert _chi2_binomial(degrees, n - 1, p) > 1e-4
    # the neighbours of the diagonal are connected as often as any pair
    off = np.concatenate([m.diagonal(1), m.diagonal(-1)])
    assert abs(off.mean() - p) < 5 * np.sqrt(p * (1 - p) / off.size)


@pytest.mark.parametrize("kind", ["spiking", "rate"])
@pytest.mark.parametrize("which", ["pre", "post"])
def test_fixed_number_picks_every_candidate_uniformly(kind, which):
    n_pre, n_post, k = 300, 400, 30
    if which == "pre":
        m = _mask(kind, n_pre, n_post, lambda proj: proj.fixed_number_pre(k, weights=1.0))
        exact, chosen, n_choosers, n_cands = m.sum(axis=1), m.sum(axis=0), n_post, n_pre
    else:
        m = _mask(kind, n_pre, n_post, lambda proj: proj.fixed_number_post(k, weights=1.0))
        exact, chosen, n_choosers, n_cands = m.sum(axis=0), m.sum(axis=1), n_pre, n_post
    assert np.all(exact == k)
    # how often each candidate is chosen: Binomial(n_choosers, k / n_cands), flat in rank
    assert _chi2_binomial(chosen, n_choosers, k / n_cands) > 1e-4
    assert stats.chisquare(chosen).pvalue > 1e-4
    assert chosen[-1] > 0 and chosen[0] > 0
    # no rank region is favoured: the first and last tenth like the middle
    tenth = n_cands // 10
    mean = k * n_choosers / n_cands
    for part in (chosen[:tenth], chosen[-tenth:]):
        assert abs(part.mean() - mean) < 5 * np.sqrt(mean / tenth)


def test_fixed_number_pre_without_self_connections():
    n, k = 300, 40
    m = _mask("spiking", n, n, lambda proj: proj.fixed_number_pre(k, weights=1.0), same=True)
    assert not m.diagonal().any()
    assert np.all(m.sum(axis=1) == k)
    assert _chi2_binomial(m.sum(axis=0), n - 1, k / (n - 1)) > 1e-4


@pytest.mark.parametrize("which", ["pre", "post"])
def test_fixed_number_draws_every_subset_equally_often(which):
    """k of m candidates uniformly: each of the C(m, k) subsets equally likely
    (a biased draw hides in large m but shows plainly in small m)."""
    from itertools import combinations

    m_cands, k, n_rows = 5, 2, 3000
    if which == "pre":
        mask = _mask("spiking", m_cands, n_rows, lambda p: p.fixed_number_pre(k, weights=1.0))
    else:
        mask = _mask("spiking", n_rows, m_cands,
                     lambda p: p.fixed_number_post(k, weights=1.0)).T
    subsets = {c: i for i, c in enumerate(combinations(range(m_cands), k))}
    counts = np.zeros(len(subsets))
    for row in mask:
        counts[subsets[tuple(np.flatnonzero(row))]] += 1
    assert stats.chisquare(counts).pvalue > 1e-4
