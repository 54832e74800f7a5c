"""Spike-train losses against closed forms, symmetry, input checks, and
Elephant's implementations as an independent reference."""

import math

import numpy as np
import pytest

from workbench.compneuro import (
    CompNeuroError, CompNeuroMonitors, current_stim, first_spike_latency_error, isi_cv,
    rate_error, spike_count_error, spike_times_ms, van_rossum_distance,
    victor_purpura_distance,
)
from workbench.compneuro.experiment import CompNeuroExp

# -- counts and rates ----------------------------------------------------------


def test_counts_and_rates_by_hand():
    assert spike_count_error([1.0, 2.0, 3.0], [5.0]) == 2
    assert spike_count_error([], []) == 0
    # 2 spikes more over 500 ms = 4 Hz
    assert rate_error([1.0, 2.0, 3.0], [4.0], 500.0) == pytest.approx(4.0)
    with pytest.raises(CompNeuroError, match="duration_ms must be a positive finite number"):
        rate_error([1.0], [], 0.0)


# -- van Rossum ----------------------------------------------------------------


def test_van_rossum_one_spike_against_none_is_one():
    # Elephant's normalisation: D^2 = sum_ij e^(-|ti-tj|/tau) = 1 for one spike
    assert van_rossum_distance([12.0], [], 5.0) == pytest.approx(1.0)
    assert van_rossum_distance([], [12.0], 5.0) == pytest.approx(1.0)
    assert van_rossum_distance([], [], 5.0) == 0.0


def test_van_rossum_closed_forms():
    tau = 4.0
    # two spikes d apart vs none: D^2 = 2 + 2 e^(-d/tau)
    assert van_rossum_distance([0.0, 3.0], [], tau) == pytest.approx(
        math.sqrt(2 + 2 * math.exp(-3.0 / tau)))
    # one spike shifted by d: D^2 = 2 - 2 e^(-d/tau)
    assert van_rossum_distance([10.0], [17.0], tau) == pytest.approx(
        math.sqrt(2 - 2 * math.exp(-7.0 / tau)))
    # far-apart spikes behave like sqrt(count) and identical trains give 0
    assert van_rossum_distance(np.arange(5) * 1e4, [], 1.0) == pytest.approx(math.sqrt(5))
    assert van_rossum_distance([3.0, 1.0, 2.0], [1.0, 2.0, 3.0], 2.0) == pytest.approx(0.0, abs=1e-7)
    # tau -> inf only counts spikes (Elephant's limit)
    assert van_rossum_distance([1.0, 2.0, 3.0], [50.0], math.inf) == 2.0


def test_van_rossum_long_trains_do_not_overflow():
    # 2e5 ms / 1 ms = exp(2e5) would overflow a naive exp(t / tau) form
    a = np.arange(0.0, 2e5, 10.0)
    d = van_rossum_distance(a, a + 1.0, 1.0)
    # each pair far from the others: D^2 = n (2 - 2 e^-1) up to neighbours' e^-9 terms
    assert d == pytest.approx(math.sqrt(a.size * (2 - 2 * math.exp(-1.0))), rel=1e-3)
    assert math.isfinite(d)


# -- Victor-Purpura ------------------------------------------------------------


@pytest.mark.parametrize("shift, q", [(0.5, 1.0), (1.9, 1.0), (2.5, 1.0), (10.0, 0.1),
                                      (30.0, 0.1)])
def test_victor_purpura_single_shift_is_min_of_shift_and_delete_insert(shift, q):
    assert victor_purpura_distance([10.0], [10.0 + shift], q) == pytest.approx(
        min(q * shift, 2.0))


def test_victor_purpura_closed_forms():
    a = [5.0, 1.0, 30.0]
    assert victor_purpura_distance(a, sorted(a), 0.3) == 0.0
    assert victor_purpura_distance([1.0, 2.0, 3.0, 4.0], [], 0.5) == 4.0
    assert victor_purpura_distance([], [1.0, 2.0], 0.5) == 2.0
    assert victor_purpura_distance([1.0, 2.0, 3.0], [100.0], 0.0) == 2.0   # q = 0: counts
    # two shifts (1 ms and 2 ms at q = 0.5) plus one deletion: 0.5 + 1 + 1
    assert victor_purpura_distance([10.0, 20.0, 90.0], [11.0, 22.0], 0.5) == pytest.approx(2.5)


# -- properties ----------------------------------------------------------------


def _random_pair(rng):
    a = rng.uniform(0, 500, rng.integers(0, 25))
    b = rng.uniform(0, 500, rng.integers(0, 25))
    return a, b


def test_distances_are_symmetric_and_ignore_order():
    rng = np.random.default_rng(1)
    for _ in range(30):
        a, b = _random_pair(rng)
        for dist, p in ((van_rossum_distance, 7.0), (victor_purpura_distance, 0.2)):
            d = dist(a, b, p)
            assert dist(b, a, p) == pytest.approx(d)
            assert dist(rng.permutation(a), b[::-1], p) == pytest.approx(d)
            assert d >= 0


# -- latency and CV ------------------------------------------------------------


def test_first_spike_latency():
    # spikes before t0 do not count: latencies 5 and 12
    assert first_spike_latency_error([50.0, 105.0, 130.0], [112.0], t0_ms=100.0) == 7.0
    assert first_spike_latency_error([10.0], [20.0], t0_ms=100.0) == 0.0   # neither spikes
    assert first_spike_latency_error([110.0], [], t0_ms=100.0) == math.inf
    assert first_spike_latency_error([110.0], [], t0_ms=100.0, missing_ms=400.0) == 400.0


def test_isi_cv_by_hand():
    assert isi_cv([0.0, 10.0, 20.0, 30.0]) == 0.0
    # intervals 10 and 30: mean 20, population std 10 -> 0.5
    assert isi_cv([40.0, 0.0, 10.0]) == pytest.approx(0.5)
    with pytest.raises(CompNeuroError, match="needs at least 3 spikes"):
        isi_cv([1.0, 2.0])


# -- input checks --------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda: van_rossum_distance([1.0, np.nan], [], 1.0),
    lambda: victor_purpura_distance([], [np.inf], 1.0),
    lambda: spike_count_error([1.0, np.nan], []),
])
def test_nan_in_a_train_is_an_error(call):
    with pytest.raises(CompNeuroError, match=r"holds 1 NaN/inf time\(s\), the first at index"):
        call()


def test_bad_shapes_and_parameters():
    with pytest.raises(CompNeuroError, match=r"must be 1-D .* got shape \(2, 1\)"):
        van_rossum_distance(np.zeros((2, 1)), [], 1.0)
    with pytest.raises(CompNeuroError, match="tau_ms must be a positive number"):
        van_rossum_distance([1.0], [], 0.0)
    with pytest.raises(CompNeuroError, match="q_per_ms must be a finite number >= 0"):
        victor_purpura_distance([1.0], [], -1.0)
    with pytest.raises(CompNeuroError, match="must be a 1-D array or list"):
        victor_purpura_distance(["a"], [], 1.0)


# -- reading results -----------------------------------------------------------


def _results(chunk, population_name="pop"):
    res = CompNeuroExp._ResultsCl()
    res.recordings = [chunk]
    res.data = {"population_name": population_name}
    return res


def test_spike_times_ms_converts_steps_and_explains_missing_keys():
    res = _results({"pop;spike": {0: [30, 10], 1: []}, "dt": 0.1})
    np.testing.assert_allclose(spike_times_ms(res, 0), [1.0, 3.0])
    assert spike_times_ms(res, 0, rank=1).size == 0
    with pytest.raises(CompNeuroError, match=r"chunk 0 has no 'other;spike'; spike recordings "
                                             r"there: \['pop;spike'\]"):
        spike_times_ms(res, 0, pop="other")
    with pytest.raises(CompNeuroError, match=r"no rank 5; recorded ranks: \[0, 1\]"):
        spike_times_ms(res, 0, rank=5)
    with pytest.raises(CompNeuroError, match=r"chunk 3 does not exist, the results have 1"):
        spike_times_ms(res, 3)
    res.data = {}
    with pytest.raises(CompNeuroError, match="give pop=..., results.data has no"):
        spike_times_ms(res, 0)


def test_spike_times_ms_of_an_engine_recording(lif_pop):
    mon = CompNeuroMonitors({"lif;spike": None})
    mon.start()
    current_stim("lif", t=30, a=2.0)
    res = CompNeuroExp._ResultsCl()
    res.recordings, res.recording_times = mon.get_recordings_and_clear()
    res.data = {"population_name": "lif"}
    times = spike_times_ms(res, 0)
    steps = res.recordings[0]["lif;spike"][0]
    assert steps[0] == 69                  # see test_compneuro_monitors
    np.testing.assert_allclose(times, np.asarray(steps) * 0.1)
    assert spike_count_error(times, times) == 0
    assert van_rossum_distance(times, times + 1.0, 5.0) > 0


# -- Elephant as a peer reference ----------------------------------------------


def test_against_elephant_on_random_trains():
    pytest.importorskip("elephant")
    pq = pytest.importorskip("quantities")
    import neo
    from elephant.spike_train_dissimilarity import van_rossum_distance as e_vr
    from elephant.spike_train_dissimilarity import victor_purpura_distance as e_vp

    rng = np.random.default_rng(2024)
    for _ in range(25):
        a, b = _random_pair(rng)
        tau, q = rng.uniform(0.5, 50.0), rng.uniform(0.001, 2.0)
        sa = neo.SpikeTrain(np.sort(a) * pq.ms, t_stop=500 * pq.ms)
        sb = neo.SpikeTrain(np.sort(b) * pq.ms, t_stop=500 * pq.ms)
        assert van_rossum_distance(a, b, tau) == pytest.approx(
            e_vr([sa, sb], tau * pq.ms)[0, 1], rel=1e-9, abs=1e-9)
        assert victor_purpura_distance(a, b, q) == pytest.approx(
            e_vp([sa, sb], q / pq.ms)[0, 1], rel=1e-9, abs=1e-9)
