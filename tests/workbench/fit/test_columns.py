"""A batch's recordings regrouped per candidate, and which candidates diverged."""

import numpy as np
import pytest

from workbench.fit.columns import by_candidate


@pytest.mark.parametrize("shape", [(10, 7), (3001, 70)])       # numpy path and Numba path
def test_columns_become_contiguous_rows_and_nonfinite_columns_are_found(shape):
    rng = np.random.default_rng(1)
    a = rng.normal(size=shape)
    a[5, 2] = np.nan
    a[-1, 4] = np.inf
    a[0, 6] = -np.inf
    out, finite = by_candidate(a)
    assert out.flags.c_contiguous and out.shape == shape[::-1]
    np.testing.assert_array_equal(out, a.T)
    expected = np.ones(shape[1], dtype=bool)
    expected[[2, 4, 6]] = False
    np.testing.assert_array_equal(finite, expected)


def test_huge_finite_values_are_finite_and_integers_always_are():
    a = np.full((100, 50), 1e308)                     # 0 * 1e308 is 0: no false alarm
    assert by_candidate(a)[1].all()
    ints = np.arange(6000).reshape(100, 60)
    out, finite = by_candidate(ints)
    np.testing.assert_array_equal(out, ints.T)
    assert finite.all() and out.dtype == ints.dtype
