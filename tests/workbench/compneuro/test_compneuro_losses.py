"""Losses against hand-computed numbers, and their input checks."""

import math

import numpy as np
import pytest

from workbench.compneuro import CompNeuroError, correlation, rmse, rsse
from workbench.errors import WorkbenchError


def test_rmse_and_rsse_by_hand():
    a, b = [1.0, 2.0, 3.0, 4.0], [1.0, 0.0, 3.0, 8.0]
    # differences 0, 2, 0, -4: squares 0, 4, 0, 16 -> sum 20, mean 5
    assert rmse(a, b) == pytest.approx(math.sqrt(5.0))
    assert rsse(a, b) == pytest.approx(math.sqrt(20.0))
    assert rmse(a, a) == 0.0


def test_correlation_by_hand():
    x = np.array([1.0, 2.0, 3.0])
    assert correlation(x, 2 * x + 7) == pytest.approx(1.0)
    assert correlation(x, -x) == pytest.approx(-1.0)
    # x - mean = (-1, 0, 1), y = (1, 0, 0) - 1/3 -> (2/3, -1/3, -1/3):
    # sum = -1, |x| = sqrt 2, |y| = sqrt(6/9)  ->  r = -1 / sqrt(4/3) = -sqrt(3)/2
    assert correlation(x, [1.0, 0.0, 0.0]) == pytest.approx(-math.sqrt(3) / 2)


@pytest.mark.parametrize("fn", [rmse, rsse, correlation])
def test_shape_mismatch_is_an_error(fn):
    with pytest.raises(CompNeuroError, match=r"shapes differ, \(3,\) and \(3, 1\)"):
        fn(np.zeros(3), np.zeros((3, 1)))


@pytest.mark.parametrize("fn", [rmse, rsse, correlation])
def test_nan_is_an_error_that_says_where(fn):
    with pytest.raises(CompNeuroError, match=r"second input holds 1 NaN/inf value\(s\), the "
                                             r"first at index \(2,\)"):
        fn([1.0, 2.0, 3.0], [1.0, 2.0, np.nan])


def test_empty_and_constant_inputs():
    with pytest.raises(CompNeuroError, match="inputs are empty"):
        rmse([], [])
    with pytest.raises(CompNeuroError, match="an input is constant"):
        correlation([1.0, 1.0], [1.0, 2.0])


def test_errors_are_workbench_errors():
    with pytest.raises(WorkbenchError):
        rmse([1.0], [1.0, 2.0])


@pytest.mark.parametrize("fn", [rmse, rsse])
def test_inf_inputs_are_errors_and_finite_overflow_is_inf(fn):
    with pytest.raises(CompNeuroError, match=r"first input holds 1 NaN/inf"):
        fn([np.inf, 0.0], [np.inf, 0.0])                  # inf - inf is NaN: still said
    assert fn([1e200, 0.0], [-1e200, 0.0]) == math.inf    # squares overflow: the loss is inf


def test_rmse_of_two_dimensional_recordings_counts_every_value():
    a, b = np.zeros((4, 2)), np.ones((4, 2))
    b[0, 0] = 3.0                                         # squares: 9 + 7 * 1 = 16 over 8
    assert rmse(a, b) == pytest.approx(math.sqrt(2.0))
    assert rsse(a, b) == pytest.approx(4.0)
