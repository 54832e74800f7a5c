"""eFEL feature losses on hand-made traces whose spikes are at known times."""

import math

import numpy as np
import pytest

from workbench.compneuro import (
    CompNeuroError, DEFAULT_FEATURES, feature_loss, results_features, trace_features,
)
from workbench.compneuro.experiment import CompNeuroExp
from workbench.compneuro.recording_times import RecordingTimes

pytest.importorskip("efel")

DT = 0.025


def _trace(spikes, dt=DT, t_end=500.0):
    """-70 mV rest, a 100 mV Gaussian AP peaking at each spike time, and a
    10 mV alpha-shaped AHP after it."""
    t = np.arange(0.0, t_end, dt)
    v = np.full_like(t, -70.0)
    for s in spikes:
        v += 100.0 * np.exp(-(((t - s) / 0.3) ** 2))
        d = t - s - 1.0
        v += np.where(d > 0, -10.0 * (d / 3.0) * np.exp(1.0 - d / 3.0), 0.0)
    return t, v


SPIKES = [120.0, 180.0, 260.0, 350.0]


def test_known_spikes_give_count_latency_and_rate():
    f = trace_features(*_trace(SPIKES), 100.0, 400.0)
    assert set(f) == set(DEFAULT_FEATURES)
    assert f["spike_count"] == 4
    assert f["time_to_first_spike"] == pytest.approx(20.0, abs=DT)   # 120 - stim start 100
    # eFEL: spikes / (last spike - stim start) = 4 / 250 ms
    assert f["mean_frequency"] == pytest.approx(16.0, rel=1e-3)
    assert f["AP_amplitude"] == pytest.approx(100.0, abs=3.0)
    assert f["AHP_depth"] == pytest.approx(-10.0, abs=0.5)


def test_the_stimulus_window_counts_only_with_strict_stiminterval():
    t, v = _trace(SPIKES)
    # eFEL's default: spikes of the whole trace
    assert trace_features(t, v, 150.0, 300.0, names=["spike_count"]) == {"spike_count": 4.0}
    assert trace_features(t, v, 150.0, 300.0, names=["spike_count"],
                          settings={"strict_stiminterval": True}) == {"spike_count": 2.0}


def test_the_deprecated_name_spikecount_still_works():
    with pytest.warns(DeprecationWarning):
        f = trace_features(*_trace(SPIKES), 100.0, 400.0, names=["Spikecount"])
    assert f == {"Spikecount": 4.0}


def test_a_feature_efel_cannot_compute_is_nan():
    f = trace_features(*_trace([]), 100.0, 400.0)
    assert f["spike_count"] == 0
    assert math.isnan(f["time_to_first_spike"]) and math.isnan(f["AP_amplitude"])


def test_feature_loss_is_zero_against_itself_and_grows_with_a_shift():
    own = trace_features(*_trace(SPIKES), 100.0, 400.0)
    assert feature_loss(own, own, 100.0, 400.0) == 0.0
    shifted = trace_features(*_trace([s + 5.0 for s in SPIKES]), 100.0, 400.0)
    loss = feature_loss(shifted, own, 100.0, 400.0)
    assert loss > 0
    # latency 5 ms later; scaling it by 5 makes that term 1
    assert feature_loss(shifted, own, 100.0, 400.0, names=["time_to_first_spike"],
                        scales={"time_to_first_spike": 5.0}) == pytest.approx(1.0, abs=0.01)


def test_feature_loss_penalises_a_feature_missing_on_one_side_only():
    own = trace_features(*_trace(SPIKES), 100.0, 400.0)
    silent = trace_features(*_trace([]), 100.0, 400.0)
    names = ["spike_count", "time_to_first_spike"]
    assert feature_loss(silent, own, 0, 1, names=names, missing_penalty=250.0) == 4 + 250
    assert feature_loss(silent, silent, 0, 1, names=names) == 0.0


def _results(v, dt=DT, periods=1):
    """A CompNeuroExp result holding ``v`` as 'pop;v' of one neuron."""
    res = CompNeuroExp._ResultsCl()
    res.recordings = [{"pop;v": v[:, None], "pop;period": dt, "dt": dt}]
    n = v.size // periods
    res.recording_times = RecordingTimes([{"pop": {
        "start": {"ms": [p * n * dt for p in range(periods)],
                  "idx": [p * n for p in range(periods)]},
        "stop": {"ms": [((p + 1) * n - 1) * dt for p in range(periods)],
                 "idx": [(p + 1) * n - 1 for p in range(periods)]}}}])
    res.data = {"population_name": "pop"}
    return res


def test_features_from_results_as_in_an_opt_neuron_loss():
    t, v = _trace(SPIKES)
    res = _results(v)
    f = results_features(res, 100.0, 400.0)
    assert f == pytest.approx(trace_features(t, v, 100.0, 400.0), nan_ok=True)
    assert feature_loss(res, f, 100.0, 400.0) == 0.0
    assert feature_loss(res, _results(_trace([s + 5 for s in SPIKES])[1]), 100.0, 400.0) > 0


def test_results_errors_are_clear():
    res = _results(_trace(SPIKES)[1])
    with pytest.raises(CompNeuroError, match=r"chunk 0 has no 'pop;w' \(recorded for 'pop'"):
        results_features(res, 100.0, 400.0, variable="w")
    with pytest.raises(CompNeuroError, match="no neuron rank 1"):
        results_features(res, 100.0, 400.0, rank=1)
    paused = _results(_trace(SPIKES)[1], periods=2)
    with pytest.raises(CompNeuroError, match=r"recorded in 2 periods .* period=0..1"):
        results_features(paused, 100.0, 400.0)
    assert results_features(paused, 100.0, 200.0, names=["spike_count"], period=0) == {
        "spike_count": 2.0}


def test_bad_names_traces_and_settings():
    t, v = _trace(SPIKES)
    with pytest.raises(CompNeuroError, match=r"not eFEL features: \['spikecount'\]"):
        trace_features(t, v, 100.0, 400.0, names=["spikecount"])
    with pytest.raises(CompNeuroError, match="t_ms and v_mv must be 1-D of the same length"):
        trace_features(t, v[:-1], 100.0, 400.0)
    with pytest.raises(CompNeuroError, match="holds NaN/inf"):
        trace_features(t, np.where(t > 10, np.nan, v), 100.0, 400.0)
    with pytest.raises(CompNeuroError, match="need stim_start_ms < stim_end_ms"):
        trace_features(t, v, 400.0, 100.0)
    with pytest.raises(CompNeuroError, match="unknown eFEL setting 'threshold'"):
        trace_features(t, v, 100.0, 400.0, settings={"threshold": 0.0})


def test_settings_apply_for_one_call_only():
    import efel
    t, v = _trace(SPIKES)
    before = efel.get_settings().Threshold
    # peaks at about +30 mV: a +40 mV threshold sees no spike
    assert trace_features(t, v, 100.0, 400.0, ["spike_count"], settings={"Threshold": 40.0}) \
        == {"spike_count": 0.0}
    assert efel.get_settings().Threshold == before
    assert trace_features(t, v, 100.0, 400.0, ["spike_count"]) == {"spike_count": 4.0}
