"""Small pieces of the static connector kernels."""

import numpy as np
import pytest

from engine.codegen.connect_kernels import _sort_small


@pytest.mark.parametrize("n", [0, 1, 5, 32, 33, 100, 1001])
def test_sort_small_sorts_only_its_slice(n):
    # insertion sort up to 32 values, heapsort beyond
    rng = np.random.default_rng(n)
    a = rng.integers(0, 10**6, n + 7).astype(np.int64)
    expected = a.copy()
    expected[3:3 + n] = np.sort(expected[3:3 + n])
    _sort_small(a, 3, 3 + n)
    np.testing.assert_array_equal(a, expected)
