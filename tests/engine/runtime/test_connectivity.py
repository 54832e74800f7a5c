"""Connector methods (engine.runtime.connectivity): structure, statistics, errors.

Small sizes only; the 82M-synapse build lives in benchmarks/connectivity_build.py.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sps

from engine.errors import NetworkError
from engine.language.random_draws import (
    DiscreteUniform,
    Exponential,
    LogNormal,
    Normal,
    RandomDistribution,
    Uniform,
)
from engine.runtime.connectivity import CSR, build_connectivity, csr_transpose


def build(method, pre, post, rows="pre", /, seed=0, same=False, precision=np.float64, threads=1,
          **kw):
    return build_connectivity(method, pre, post, rows, np.random.default_rng(seed), same,
                              precision, threads, **kw)


def pairs(csr: CSR) -> set[tuple[int, int]]:
    pre, post = csr.pre_post()
    return set(zip(pre.tolist(), post.tolist()))


def as_dict(csr: CSR) -> dict[tuple[int, int], tuple[float, float]]:
    pre, post = csr.pre_post()
    w = np.broadcast_to(np.asarray(csr.w, dtype=np.float64), (csr.nnz,))
    d = np.broadcast_to(np.asarray(csr.delay, dtype=np.float64), (csr.nnz,))
    return {(int(a), int(b)): (float(x), float(y)) for a, b, x, y in zip(pre, post, w, d)}


def check_csr(csr: CSR):
    """Invariants of every CSR: dtypes, shapes, sorted unique columns, aligned arrays."""
    assert csr.row_ptr.dtype == np.int64 and csr.col.dtype == np.int32
    assert csr.row_ptr.shape == (csr.n_rows + 1,)
    assert csr.row_ptr[0] == 0 and csr.row_ptr[-1] == csr.nnz
    assert np.all(np.diff(csr.row_ptr) >= 0)
    if csr.nnz:
        assert csr.col.min() >= 0 and csr.col.max() < csr.n_cols
    rows = csr.row_of_synapses()
    if csr.nnz > 1:
        same_row = rows[1:] == rows[:-1]
        assert np.all(np.diff(csr.col.astype(np.int64))[same_row] > 0), "sorted, no duplicates"
    for arr in (csr.w, csr.delay):
        if isinstance(arr, np.ndarray):
            assert arr.shape == (csr.nnz,)
        else:
            assert isinstance(arr, float)


# ---------------------------------------------------------------------------
# exact structures
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", ["pre", "post"])
def test_one_to_one(rows):
    csr = build("one_to_one", (6,), (2, 3), rows, weights=2.5, delays=1.0)
    check_csr(csr)
    assert pairs(csr) == {(i, i) for i in range(6)}
    assert csr.w == 2.5 and isinstance(csr.w, float) and csr.delay == 1.0
    arr = build("one_to_one", (6,), (6,), rows, weights=np.arange(6.0))
    assert as_dict(arr) == {(i, i): (float(i), 0.0) for i in range(6)}


def test_one_to_one_different_sizes_connects_the_first_neurons():
    with pytest.warns(UserWarning, match="different sizes"):
        csr = build("one_to_one", (4,), (6,), "post")
    check_csr(csr)
    assert pairs(csr) == {(i, i) for i in range(4)}
    assert csr.n_rows == 6 and csr.n_cols == 4


@pytest.mark.parametrize("rows", ["pre", "post"])
@pytest.mark.parametrize("same,allow", [(True, False), (True, True), (False, False)])
def test_all_to_all(rows, same, allow):
    csr = build("all_to_all", (5,), (5,), rows, same=same, weights=1.5,
                allow_self_connections=allow)
    check_csr(csr)
    expected = {(i, j) for i in range(5) for j in range(5) if allow or not same or i != j}
    assert pairs(csr) == expected
    assert csr.w == 1.5


def test_all_to_all_rectangular_and_weight_matrix():
    rng = np.random.default_rng(3)
    W = rng.uniform(size=(3, 7))  # (post, pre)
    for rows in ("pre", "post"):
        csr = build("all_to_all", (7,), (3,), rows, weights=W, delays=np.full((3, 7), 2.0))
        check_csr(csr)
        assert csr.nnz == 21
        np.testing.assert_array_equal(csr.weights_matrix(), W)
        assert np.all(csr.delay == 2.0)
    # self-connections dropped from a square weight matrix too
    W = rng.uniform(size=(4, 4))
    csr = build("all_to_all", (4,), (4,), "pre", same=True, weights=W)
    M = csr.weights_matrix()
    assert np.all(np.isnan(np.diag(M)))
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_array_equal(M[off], W[off])


def test_force_multiple_weights_gives_an_array_in_the_precision():
    csr = build("all_to_all", (3,), (4,), weights=0.25, force_multiple_weights=True,
                precision=np.float32)
    assert isinstance(csr.w, np.ndarray) and csr.w.dtype == np.float32
    assert np.all(csr.w == np.float32(0.25))


@pytest.mark.parametrize("rows", ["pre", "post"])
@pytest.mark.parametrize("pre_post", [False, True])
def test_from_matrix_round_trip(rows, pre_post):
    rng = np.random.default_rng(1)
    W = rng.normal(size=(6, 9))  # (post, pre)
    W[rng.uniform(size=W.shape) < 0.4] = np.nan
    W[0, 0] = 0.0  # zero is a synapse, NaN is not
    D = np.where(np.isnan(W), np.nan, rng.uniform(0, 5, W.shape))
    given = (W.T, D.T) if pre_post else (W, D)
    csr = build("from_matrix", (9,), (6,), rows, weights=given[0], delays=given[1],
                pre_post=pre_post)
    check_csr(csr)
    assert csr.nnz == int(np.sum(~np.isnan(W)))
    np.testing.assert_array_equal(csr.weights_matrix(), W)
    pre, post = csr.pre_post()
    np.testing.assert_array_equal(csr.delay, D[post, pre])


def test_from_matrix_lists_with_none():
    csr = build("from_matrix", (3,), (2,), "post", weights=[[1.0, None, 2.0], [None, None, 3.0]])
    assert as_dict(csr) == {(0, 0): (1.0, 0.0), (2, 0): (2.0, 0.0), (2, 1): (3.0, 0.0)}


@pytest.mark.parametrize("rows", ["pre", "post"])
def test_from_sparse_round_trip(rows):
    M = sps.random(8, 5, density=0.4, format="csr", random_state=2)  # (pre, post) as ANNarchy
    M.data[-1] = 0.0  # an explicitly stored zero is a synapse
    last = (int(M.tocoo().row[-1]), int(M.indices[-1]))
    csr = build("from_sparse", (8,), (5,), rows, weights=M, delays=1.5)
    check_csr(csr)
    coo = M.tocoo()
    expected = {(int(i), int(j)): (float(v), 1.5) for i, j, v in zip(coo.row, coo.col, coo.data)}
    assert as_dict(csr) == expected
    assert expected[last] == (0.0, 1.5)


@pytest.mark.parametrize("rows", ["pre", "post"])
def test_from_function_round_trip(rows):
    seen = {}

    def pattern(pre, post, scale):
        seen["args"] = (pre, post, scale)
        pre_r = [3, 0, 2, 0, 1]
        post_r = [1, 2, 0, 0, 2]
        return pre_r, post_r, [scale * k for k in range(5)], [0.5 * k for k in range(5)]

    csr = build_connectivity("from_function", (4,), (3,), rows, np.random.default_rng(0), False,
                             pre="PRE", post="POST", method=pattern, scale=2.0)
    check_csr(csr)
    assert seen["args"] == ("PRE", "POST", 2.0)
    assert as_dict(csr) == {(3, 1): (0.0, 0.0), (0, 2): (2.0, 0.5), (2, 0): (4.0, 1.0),
                            (0, 0): (6.0, 1.5), (1, 2): (8.0, 2.0)}
    # three values: delays default to 0, a scalar weight stays a float
    csr = build("from_function", (4,), (3,), rows, method=lambda pre, post: ([0], [1], 0.7))
    assert csr.w == 0.7 and csr.delay == 0.0 and pairs(csr) == {(0, 1)}


def test_from_function_with_annarchy_lil_connectivity():
    from engine.runtime.connectivity import LILConnectivity

    def probabilistic_pattern(pre, post, weight, probability):
        # written as in ANNarchy's documentation (uses post.size and pre.ranks)
        rng = np.random.default_rng(0)
        synapses = LILConnectivity()
        for post_rank in range(post.size):
            ranks = [i for i in pre.ranks if rng.random() < probability]
            synapses.add(post_rank, ranks, [weight], [0.5])
        return synapses

    csr = build("from_function", (20,), (10,), "post", method=probabilistic_pattern,
                weight=0.25, probability=0.3)
    check_csr(csr)
    assert 0 < csr.nnz < 200
    assert np.all(csr.w == 0.25) and np.all(csr.delay == 0.5)
    lil = LILConnectivity()
    lil.add(1, [0, 2], [0.1, 0.2], [1.0, 2.0])
    lil.push_back(0, [1], 0.3, 0.0)
    assert lil.size == 2 and lil.nb_synapses == 3
    csr = build("from_function", (3,), (2,), "pre", method=lambda pre, post: lil)
    assert as_dict(csr) == {(0, 1): (0.1, 1.0), (2, 1): (0.2, 2.0), (1, 0): (0.3, 0.0)}


# ---------------------------------------------------------------------------
# fixed numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", ["pre", "post"])
@pytest.mark.parametrize("number", [3, 40])  # sort path and marker-scan path
def test_fixed_number_pre_exact_counts(rows, number):
    csr = build("fixed_number_pre", (50,), (50,), rows, same=True, number=number, weights=1.0)
    check_csr(csr)
    pre, post = csr.pre_post()
    assert np.all(np.bincount(post, minlength=50) == number)
    assert not np.any(pre == post)
    assert len(pairs(csr)) == csr.nnz == 50 * number


@pytest.mark.parametrize("rows", ["pre", "post"])
def test_fixed_number_post_exact_counts(rows):
    csr = build("fixed_number_post", (30,), (20,), rows, number=20, weights=1.0)
    check_csr(csr)
    pre, post = csr.pre_post()
    assert np.all(np.bincount(pre, minlength=30) == 20)  # every post neuron, once
    csr = build("fixed_number_post", (30,), (30,), rows, same=True, number=29, weights=1.0)
    pre, post = csr.pre_post()
    assert np.all(np.bincount(pre, minlength=30) == 29) and not np.any(pre == post)


@pytest.mark.parametrize("n_pre,n_post,number,same", [
    (3000, 3000, 2, True),    # k tiny against the candidates: insertion sort
    (8, 50_000, 40, False),   # beyond 32 values: heapsort
    (2000, 2000, 1999, True),  # every other neuron: marker scan, self left out
])
def test_fixed_number_post_sorting_paths(n_pre, n_post, number, same):
    csr = build("fixed_number_post", (n_pre,), (n_post,), "pre", same=same, number=number,
                weights=1.0, threads=2)
    check_csr(csr)
    assert np.all(np.diff(csr.row_ptr) == number)
    if same:
        pre, post = csr.pre_post()
        assert not np.any(pre == post)


def test_fixed_number_draws_uniformly():
    csr = build("fixed_number_pre", (20,), (2000,), "post", number=5, weights=1.0)
    pre, _ = csr.pre_post()
    counts = np.bincount(pre, minlength=20)  # 10,000 draws over 20 pre neurons
    expected = 2000 * 5 / 20
    assert np.all(np.abs(counts - expected) < 5 * math.sqrt(expected))


# ---------------------------------------------------------------------------
# fixed_probability
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows,p", [("pre", 0.05), ("post", 0.05), ("pre", 0.9),
                                    ("post", 0.003)])
def test_fixed_probability_statistics(rows, p):
    n = 600
    csr = build("fixed_probability", (n,), (n,), rows, same=True, seed=7, probability=p,
                weights=1.0)
    check_csr(csr)
    pre, post = csr.pre_post()
    assert not np.any(pre == post)
    trials = n * (n - 1)
    mean, sd = trials * p, math.sqrt(trials * p * (1 - p))
    assert abs(csr.nnz - mean) < 5 * sd
    counts = np.diff(csr.row_ptr)
    m = n - 1
    assert abs(counts.mean() - m * p) < 5 * math.sqrt(m * p * (1 - p) / n)
    assert 0.75 < counts.var() / (m * p * (1 - p)) < 1.25
    # columns are uniform too (in-degree on the other side)
    other = np.bincount(csr.col, minlength=n)
    assert abs(other.mean() - m * p) < 1e-9 + 5 * math.sqrt(m * p / n)


def test_fixed_probability_rectangular_and_self_connections():
    csr = build("fixed_probability", (300,), (200,), "post", probability=0.1, weights=1.0)
    check_csr(csr)
    assert csr.n_rows == 200 and csr.n_cols == 300
    mean, sd = 60000 * 0.1, math.sqrt(60000 * 0.09)
    assert abs(csr.nnz - mean) < 5 * sd
    allowed = build("fixed_probability", (100,), (100,), same=True, probability=0.5,
                    weights=1.0, allow_self_connections=True)
    pre, post = allowed.pre_post()
    assert 20 < np.sum(pre == post) < 80  # the diagonal is drawn like any other pair


def test_fixed_probability_edges():
    none = build("fixed_probability", (10,), (10,), probability=0.0, weights=1.0)
    assert none.nnz == 0 and none.row_ptr.shape == (11,)
    check_csr(none)
    full = build("fixed_probability", (10,), (10,), same=True, probability=1.0, weights=1.0)
    assert full.nnz == 90
    check_csr(full)


# ---------------------------------------------------------------------------
# gaussian and dog
# ---------------------------------------------------------------------------


def _coords(geo):
    idx = np.indices(geo).reshape(len(geo), -1).T.astype(float)
    return idx / np.array([max(g - 1, 1) for g in geo])


@pytest.mark.parametrize("rows", ["pre", "post"])
def test_gaussian_weights_follow_the_formula(rows):
    pre_geo, post_geo = (5, 4), (3, 6)
    amp, sigma, limit = 2.0, 0.3, 0.2
    csr = build("gaussian", pre_geo, post_geo, rows, amp=amp, sigma=sigma, limit=limit,
                delays=1.0)
    check_csr(csr)
    d2 = ((_coords(post_geo)[:, None, :] - _coords(pre_geo)[None, :, :]) ** 2).sum(-1)
    W = amp * np.exp(-d2 / (2 * sigma**2))
    W[W <= limit * amp] = np.nan
    np.testing.assert_allclose(csr.weights_matrix(), W, rtol=1e-12)
    assert 0 < csr.nnz < W.size


def test_gaussian_same_population_drops_self_and_dog_formula():
    geo = (6, 6)
    csr = build("gaussian", geo, geo, "post", same=True, amp=1.0, sigma=0.2)
    pre, post = csr.pre_post()
    assert not np.any(pre == post)
    ap, sp_, an, sn, limit = 1.0, 0.15, 0.6, 0.4, 0.05
    dog = build("dog", geo, geo, "pre", same=True, amp_pos=ap, sigma_pos=sp_, amp_neg=an,
                sigma_neg=sn, limit=limit, precision=np.float32)
    assert dog.w.dtype == np.float32
    xy = _coords(geo)
    d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    W = ap * np.exp(-d2 / (2 * sp_**2)) - an * np.exp(-d2 / (2 * sn**2))
    W[np.abs(W) <= limit * abs(ap - an)] = np.nan
    np.fill_diagonal(W, np.nan)
    np.testing.assert_allclose(dog.weights_matrix(), W, rtol=1e-6)
    assert np.nanmin(W) < 0  # the negative surround is there


# ---------------------------------------------------------------------------
# weights and delays
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dist,mean,std", [
    (Uniform(-1.0, 3.0), 1.0, 4 / math.sqrt(12)),
    (Normal(0.5, 0.2), 0.5, 0.2),
    (LogNormal(0.0, 0.5), math.exp(0.125), math.sqrt((math.exp(0.25) - 1) * math.exp(0.25))),
    (Exponential(2.0), 0.5, 0.5),
    (DiscreteUniform(1, 4), 2.5, math.sqrt(15 / 12)),
])
def test_weight_distributions(dist, mean, std):
    csr = build("fixed_number_pre", (200,), (200,), number=100, weights=dist)
    n = csr.nnz
    assert csr.w.dtype == np.float64 and n == 20000
    assert abs(csr.w.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(csr.w.std() - std) < 0.05 * std


def test_weights_float32_expression_and_custom_distribution():
    csr = build("all_to_all", (100,), (100,), precision=np.float32,
                weights=0.5 * Uniform(0.0, 1.0))
    assert csr.w.dtype == np.float32 and 0 <= csr.w.min() and csr.w.max() <= 0.5
    assert abs(csr.w.mean() - 0.25) < 0.01

    class Constant7(RandomDistribution):
        name = "Constant7"
        arity = 1

        def sample(self, rng, shape):
            return np.full(shape, 7.0)

    csr = build("all_to_all", (3,), (3,), weights=Constant7(0))
    assert np.all(csr.w == 7.0)


def test_delays_stay_aligned_through_transpose():
    csr = build("fixed_probability", (40,), (30,), "pre", probability=0.3,
                weights=Normal(0, 1), delays=Uniform(0.0, 10.0), precision=np.float32)
    assert isinstance(csr.delay, np.ndarray) and csr.delay.dtype == np.float64
    t = csr_transpose(csr)
    check_csr(t)
    assert t.rows == "post" and t.n_rows == 30 and t.n_cols == 40 and t.w.dtype == np.float32
    assert as_dict(t) == as_dict(csr)
    back = csr_transpose(t, num_threads=2)
    for name in ("row_ptr", "col", "w", "delay"):
        np.testing.assert_array_equal(getattr(back, name), getattr(csr, name))
    # scalars stay scalars, empty stays empty
    s = csr_transpose(build("fixed_probability", (4,), (5,), probability=0.0, weights=1.0))
    assert s.nnz == 0 and s.w == 1.0 and s.row_ptr.shape == (6,) and s.rows == "post"


# ---------------------------------------------------------------------------
# determinism
# ---------------------------------------------------------------------------


def _same(a: CSR, b: CSR) -> bool:
    return (np.array_equal(a.row_ptr, b.row_ptr) and np.array_equal(a.col, b.col)
            and np.array_equal(np.asarray(a.w), np.asarray(b.w))
            and np.array_equal(np.asarray(a.delay), np.asarray(b.delay)))


@pytest.mark.parametrize("method,kw", [
    ("fixed_probability", dict(probability=0.1, weights=Normal(0, 1), delays=Uniform(1, 3))),
    ("fixed_number_pre", dict(number=17, weights=Uniform(0, 1))),
    ("fixed_number_post", dict(number=9, weights=LogNormal(0, 1))),
    ("all_to_all", dict(weights=Exponential(1.0))),
])
def test_deterministic_whatever_the_thread_count(method, kw):
    # 1,100 rows: several blocks of 256 rows, so two threads really split the work
    a = build(method, (1100,), (300,), "pre", seed=5, threads=1, **kw)
    b = build(method, (1100,), (300,), "pre", seed=5, threads=2, **kw)
    c = build(method, (1100,), (300,), "pre", seed=5, threads=1, **kw)
    d = build(method, (1100,), (300,), "pre", seed=6, threads=1, **kw)
    assert _same(a, b) and _same(a, c)
    assert not _same(a, d)


def test_thread_count_is_restored():
    import numba

    before = numba.get_num_threads()
    build("fixed_probability", (50,), (50,), probability=0.1, weights=1.0, threads=2)
    assert numba.get_num_threads() == before


# ---------------------------------------------------------------------------
# errors: message names the connector, the argument and the fix
# ---------------------------------------------------------------------------


def _bad_function(pre, post):
    return [0, 1], [0, 0], [1.0]


def _bad_lil(pre, post):
    from engine.runtime.connectivity import LILConnectivity

    lil = LILConnectivity()
    lil.add(1, [0, 2], [0.1, 0.2, 0.3], 0.0)
    return lil


ERRORS = [
    ("fixed_probability", dict(probability=1.5, weights=1.0), r"fixed_probability\(\): "
     r"probability must be <= 1.*between 0 and 1"),
    ("fixed_probability", dict(probability=-0.1, weights=1.0), r"probability must be >= 0"),
    ("fixed_probability", dict(probability="0.1", weights=1.0), r"probability must be a number"),
    ("fixed_probability", dict(probability=0.1, weights=1.0, delays=-1.0),
     r"delays must be >= 0.*ms"),
    ("fixed_probability", dict(probability=0.1, weights=float("nan")),
     r"weights must be finite"),
    ("fixed_probability", dict(probability=0.1, weights=np.ones(10)),
     r"weights cannot be an array.*from_matrix"),
    ("fixed_probability", dict(probability=0.1, weights=1.0, delays=Uniform(-2.0, 1.0)),
     r"delays=Uniform\(-2.0, 1.0\) can draw negative delays"),
    # Uniform(2.0, 1.0) itself is refused now: tests/engine/language/test_random_draws.py
    ("fixed_probability", dict(probability=0.1, weights=1.0, delays=Normal(0.0, 1.0)),
     r"drawn delays are negative"),
    ("fixed_probability", dict(probability=0.1), r"missing a required argument: 'weights'"),
    ("fixed_probability", dict(probability=0.1, weights=1.0, allow_self=True),
     r"unexpected keyword argument 'allow_self'.*allow_self_connections"),
    ("fixed_number_pre", dict(number=8, weights=1.0),
     r"fixed_number_pre\(\): number=8 exceeds the 7 available pre-synaptic neurons.*"
     r"self-connections are excluded.*allow_self_connections=True"),
    ("fixed_number_post", dict(number=10, weights=1.0),
     r"number=10 exceeds the 7 available post-synaptic neurons.*pass number <= 7"),
    ("fixed_number_post", dict(number=2.5, weights=1.0), r"number must be a whole number"),
    ("fixed_number_pre", dict(number=-1, weights=1.0), r"number must be >= 0"),
    ("gaussian", dict(amp=1.0, sigma=0.0), r"gaussian\(\): sigma must be > 0"),
    ("dog", dict(amp_pos=1.0, sigma_pos=0.1, amp_neg=0.5, sigma_neg=-1.0),
     r"sigma_neg must be > 0"),
    ("gaussian", dict(amp=1.0, sigma=0.1, limit=-0.5), r"limit must be >= 0"),
    ("from_matrix", dict(weights=np.ones((8, 5))),
     r"from_matrix\(\): weights has shape \(8, 5\), expected \(8, 8\)"),
    ("from_matrix", dict(weights=np.full((8, 8), np.inf)), r"weights\[0, 0\] is inf"),
    ("from_matrix", dict(weights=[[1.0, 2.0], [3.0]]), r"dense 2-D matrix"),
    ("from_matrix", dict(weights=np.ones((8, 8)), delays=np.full((8, 8), np.nan)),
     r"needs a finite delay"),
    ("from_matrix", dict(weights=sps.eye(8, format="csr")), r"use from_sparse\(\)"),
    ("from_sparse", dict(weights=np.ones((8, 8))), r"from_sparse\(\): weights must be a "
     r"scipy.sparse matrix"),
    ("from_sparse", dict(weights=sps.eye(8, format="csr"), delays=np.ones(8)),
     r"delays must be a number of ms or a distribution"),
    ("from_function", dict(method=_bad_function),
     r"from_function\(\): the function's weights has shape \(1,\), expected \(2,\)"),
    ("from_function", dict(method=lambda pre, post: ([0, 0], [1, 1], 1.0)),
     r"synapse pre 0 -> post 1 more than once"),
    ("from_function", dict(method=lambda pre, post: ([0, 9], [1, 1], 1.0)),
     r"pre_ranks\[1\] = 9 is not a rank of the pre-synaptic population \(0 .. 7\)"),
    ("from_function", dict(method=lambda pre, post: None), r"returned NoneType"),
    ("from_function", dict(method=_bad_lil), r"LILConnectivity returned by '_bad_lil' is "
     r"inconsistent: entry 0 \(post rank 1\) has 2 pre ranks but 3 weights"),
    ("from_function", dict(method=lambda pre, post: 1 / 0),
     r"raised ZeroDivisionError"),
    ("from_function", dict(method=lambda pre, post: ([0], [1], [1.0], [-2.0])),
     r"delays must be >= 0|drawn delays are negative"),
    ("all_to_all", dict(weights=np.ones((3, 3))),
     r"all_to_all\(\): weights array has shape \(3, 3\), expected \(post, pre\) = \(8, 8\)"),
    ("one_to_one", dict(weights=Uniform(0.0, "tau")), r"parameters must be numbers"),
    ("fixed_probabilty", dict(probability=0.1, weights=1.0),
     r"unknown connector method 'fixed_probabilty' \(did you mean 'fixed_probability'\?\)"),
]


@pytest.mark.parametrize("method,kw,pattern", ERRORS,
                         ids=[f"{i}-{e[0]}" for i, e in enumerate(ERRORS)])
def test_errors(method, kw, pattern):
    with pytest.raises(NetworkError, match=pattern):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            build(method, (8,), (8,), "pre", same=True, **kw)


def test_argument_errors():
    with pytest.raises(NetworkError, match="rows must be 'pre' or 'post'"):
        build("all_to_all", (3,), (3,), "both", weights=1.0)
    with pytest.raises(NetworkError, match="rng must be a numpy.random.Generator"):
        build_connectivity("all_to_all", (3,), (3,), "pre", 42, False, weights=1.0)
    with pytest.raises(NetworkError, match="precision must be"):
        build("all_to_all", (3,), (3,), weights=1.0, precision=np.int32)
    with pytest.raises(NetworkError, match="geometry must be positive"):
        build("all_to_all", (0,), (3,), weights=1.0)
    with pytest.raises(NetworkError, match="num_threads must be >= 1"):
        build("all_to_all", (3,), (3,), weights=1.0, threads=0)
    with pytest.raises(NetworkError, match="different numbers of dimensions"):
        build("gaussian", (3, 3), (9,), amp=1.0, sigma=0.1)
    with pytest.raises(NetworkError, match=r"pre_post=True"):
        build("from_matrix", (3,), (5,), weights=np.ones((3, 5)))
    with pytest.raises(NetworkError, match=r"weights: synapse 0 gets inf .*finite value"):
        build("all_to_all", (3,), (3,), weights=Uniform(1e39, 2e39), precision=np.float32)
    with pytest.raises(NetworkError, match=r"first dimension: pass weights.T"):
        build("from_sparse", (3,), (5,), weights=sps.random(5, 3, density=0.5))


@pytest.mark.parametrize("dist,cdf", [
    (Normal(1.0, 2.0), lambda x: __import__("scipy.stats").stats.norm.cdf(x, 1.0, 2.0)),
    (Exponential(0.5), lambda x: __import__("scipy.stats").stats.expon.cdf(x, scale=2.0)),
    (LogNormal(0.0, 0.3), lambda x: __import__("scipy.stats").stats.lognorm.cdf(x, 0.3)),
])
def test_weight_distributions_shape(dist, cdf):
    """Kolmogorov-Smirnov on 250k weights: the ziggurats draw the right law, tails included."""
    from scipy import stats

    csr = build("fixed_number_post", (500,), (500,), number=500, weights=dist)
    res = stats.kstest(csr.w, cdf)
    assert res.pvalue > 1e-4, res


def test_large_arrays_live_on_their_own_mapping(monkeypatch):
    from engine.runtime import csr as csr_module

    ref = build("fixed_probability", (300,), (300,), same=True, probability=0.2,
                weights=Uniform(0, 1), delays=Uniform(1, 2), precision=np.float32)
    monkeypatch.setattr(csr_module, "_MMAP_BYTES", 0)
    csr = build("fixed_probability", (300,), (300,), same=True, probability=0.2,
                weights=Uniform(0, 1), delays=Uniform(1, 2), precision=np.float32)
    check_csr(csr)
    assert not csr.col.flags.owndata and csr.col.flags.writeable
    assert ref.col.flags.owndata
    assert _same(csr, ref)
    csr.w[:3] = 5.0  # writable like any array
    t = csr_transpose(csr, num_threads=2)
    assert as_dict(t) == as_dict(csr)


def test_impossible_sizes_are_refused_before_any_work():
    # 2^20 x 2^20 all-to-all: 1.1e12 synapses; 26 B each in float64 until the first simulate
    with pytest.raises(NetworkError, match=r"all_to_all\(\): about 1,099,511,627,776 synapses "
                                           r"would need about 26,624.0 GiB \(26 B each"):
        build("all_to_all", (1 << 20,), (1 << 20,), weights=1.0)
    with pytest.raises(NetworkError, match=r"fixed_probability\(\): about .* synapses would "
                                           r"need about .* GiB .* more than the .* GiB of memory "
                                           r"available now"):
        build("fixed_probability", (1 << 22,), (1 << 22,), probability=0.5, weights=Normal(0, 1))


def test_budget_counts_the_measured_peak_per_synapse_against_available_memory(monkeypatch):
    # 40,000 x 40,000 = 1.6e9 synapses: 6.4 GB of column indices (what the old 4 B budget
    # counted) but ~41.6 GB at the measured peak; with 24 GB available it must be refused
    # before any allocation (it used to start and end in swapping).
    import engine.runtime.connect_args as args_module
    monkeypatch.setattr(args_module, "available_memory", lambda: 24 * 2**30)
    assert args_module.synapse_peak_bytes(np.float64) == 26
    assert args_module.synapse_peak_bytes(np.float32) == 18
    with pytest.raises(NetworkError, match=r"1,600,000,000 synapses would need about 38.7 GiB "
                                           r"\(26 B each.*24.0 GiB of memory available"):
        build("all_to_all", (40_000,), (40_000,), weights=1.0)
    # float32 halves the weight arrays: 1e9 synapses x 18 B = 16.8 GiB fits in 24 GiB, 1.6e9 does not
    with pytest.raises(NetworkError, match=r"would need about 26.8 GiB \(18 B each"):
        build("all_to_all", (40_000,), (40_000,), weights=1.0, precision=np.float32)
    # and a small pattern is not affected by the available memory reported
    csr = build("all_to_all", (30,), (20,), weights=1.0)
    assert csr.col.size == 600
