"""The CSR invariant generated code relies on: within each row, columns are
strictly ascending (no duplicates). The dense delivery branch of all-to-all
rows (a row is contiguous iff last - first == length - 1) depends on it."""

import numpy as np
import pytest
import scipy.sparse

from engine import Network, Neuron, Uniform

SPIKING = Neuron(equations="v = g_exc", spike="v > 1e9")
RATE = Neuron(equations="r = sum(exc)")


def _rows_ascend(proj) -> bool:
    ptr, col = proj._row_ptr, proj._col.astype(np.int64)
    for i in range(ptr.size - 1):
        c = col[ptr[i]:ptr[i + 1]]
        if c.size > 1 and not np.all(np.diff(c) > 0):
            return False
    return True


def _connectors(n_pre, n_post):
    rng = np.random.default_rng(0)
    W = rng.uniform(0, 1, (n_post, n_pre))
    W[W < 0.5] = np.nan
    S = scipy.sparse.random(n_post, n_pre, density=0.3, random_state=1, format="coo")
    # unsorted, with a duplicate entry: from_sparse must still give ascending rows
    S = scipy.sparse.coo_matrix((np.r_[S.data, 0.5], (np.r_[S.row, S.row[0]],
                                                       np.r_[S.col, S.col[0]])),
                                shape=S.shape).tocsr()
    S.has_sorted_indices = False

    def pairs(pre, post):  # from_function: pairs in a shuffled order
        order = rng.permutation(n_pre * n_post)[: (n_pre * n_post) // 3]
        return (order % n_pre).tolist(), (order // n_pre).tolist(), 1.0, 1.0

    return {
        "all_to_all": lambda p: p.all_to_all(weights=1.0),
        "one_to_one": lambda p: p.one_to_one(weights=1.0),
        "fixed_probability": lambda p: p.fixed_probability(0.3, weights=Uniform(0, 1)),
        "fixed_number_pre": lambda p: p.fixed_number_pre(5, weights=1.0),
        "fixed_number_post": lambda p: p.fixed_number_post(5, weights=1.0),
        "from_matrix": lambda p: p.from_matrix(W),
        "from_sparse": lambda p: p.from_sparse(S),
        "gaussian": lambda p: p.gaussian(amp=1.0, sigma=0.5),
        "dog": lambda p: p.dog(amp_pos=1.0, sigma_pos=0.3, amp_neg=0.5, sigma_neg=0.6),
        "from_function": lambda p: p.from_function(pairs),
    }


@pytest.mark.parametrize("spiking", [True, False], ids=["rows_by_pre", "rows_by_post"])
@pytest.mark.parametrize("name", list(_connectors(20, 20)))
def test_columns_strictly_ascend_within_rows(name, spiking):
    net = Network(dt=1.0, seed=3)
    model = SPIKING if spiking else Neuron(parameters="r = 1.0")
    pre = net.create(20, model)
    post = net.create(20, SPIKING if spiking else RATE)
    proj = net.connect(pre, post, "exc")
    try:
        _connectors(20, 20)[name](proj)
    except Exception as exc:  # a connector this test calls wrongly is a test bug
        pytest.fail(f"{name}: {exc}")
    assert proj.nb_synapses > 0
    assert _rows_ascend(proj), f"{name}: columns not strictly ascending within rows"
