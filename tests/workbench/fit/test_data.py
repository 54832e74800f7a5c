"""Recorded traces for a fit: loading, checks, resampling, and a fit through
the loader (data written in other units and at another sampling step)."""

import math

import numpy as np
import pandas as pd
import pytest

import engine as ann
from workbench import OptNeuron
from workbench.fit import FitError
from workbench.fit import data as fitdata
from workbench.fit.data import StepProtocol, detect_spikes, load_traces, step_fit

IZH = ann.Neuron(
    parameters="a = 0.02\nb = 0.2\nc = -65.0\nd = 8.0\nI_app = 0.0",
    equations="dv/dt = 0.04*v*v + 5.0*v + 140.0 - u + I_app : init = -65.0\n"
              "du/dt = a*(b*v - u) : init = -13.0",
    spike="v >= 30.0", reset="v = c\nu += d")


def _record(amplitudes, dt, duration=500.0, start=50.0, stop=450.0, **values):
    """Voltage traces of the model under steps, one neuron per sweep."""
    net = ann.Network(dt=dt, seed=1)
    pop = net.create(len(amplitudes), IZH)
    for k, v in values.items():
        setattr(pop, k, v)
    m = net.monitor(pop, "v")
    net.compile()
    net.simulate(start)
    pop.I_app = amplitudes
    net.simulate(stop - start)
    pop.I_app = 0.0
    net.simulate(duration - stop)
    return m.get("v").T                      # (sweeps, samples)


def test_a_model_is_recovered_from_a_csv_in_seconds_and_volts(tmp_path):
    """Data from the model at dt 0.05 ms, saved in s and V with noise; fitted
    at dt 0.1 ms through load_traces and step_fit: b and d come back, and
    every spike of every sweep within 1 ms."""
    amplitudes = [6.0, 10.0, 14.0]
    v = _record(amplitudes, dt=0.05, b=0.25, d=6.0)
    rng = np.random.default_rng(0)
    t_s = np.arange(v.shape[1]) * 0.05 / 1000.0
    frame = pd.DataFrame({"time (s)": t_s} | {
        f"I={a}": (v[i] + rng.normal(0, 0.2, v.shape[1])) / 1000.0 for i, a in enumerate(amplitudes)})
    path = tmp_path / "cell.csv"
    frame.to_csv(path, index=False)
    rec = load_traces(path, dt=0.1, time_unit="s", value_unit="V")
    assert rec.traces.shape == (3, 5000) and rec.sweeps == ("I=6.0", "I=10.0", "I=14.0")
    steps = StepProtocol(start_ms=50.0, stop_ms=450.0, amplitudes=amplitudes)
    opt = OptNeuron(neuron_model=IZH, variables_bounds={"b": [0.15, 0.3], "d": [2.0, 10.0]},
                    popsize=12, seed=2, **step_fit(rec, steps))
    fit = opt.run(max_evals=60, results_file_name=str(tmp_path / "fit"), progress=False)
    assert fit["b"] == pytest.approx(0.25, rel=0.02) and fit["d"] == pytest.approx(6.0, rel=0.02)
    for i, chunk in enumerate(fit["results"].recordings):
        mine = np.asarray(chunk["model_neuron;spike"][0]) * chunk["dt"]
        theirs = rec.spikes[i]
        assert mine.size == theirs.size > 2
        assert np.max(np.abs(mine - theirs)) < 1.0


def test_a_model_recorded_after_its_resets_is_fitted_too(tmp_path):
    """AdEx (the engine's EIF_cond_exp_isfa_ista) records v after its reset:
    no sample crosses 0 mV, so the recording's spikes are its resets."""
    adex = ann.EIF_cond_exp_isfa_ista()
    net = ann.Network(dt=0.05, seed=1)
    pop = net.create(3, adex)
    pop.a, pop.b = 6.0, 0.1
    m = net.monitor(pop, ["v", "spike"])
    net.compile()
    net.simulate(50.0)
    pop.i_offset = [0.5, 0.8, 1.1]
    net.simulate(400.0)
    pop.i_offset = 0.0
    net.simulate(50.0)
    v, spikes = m.get("v").T, m.get("spike")
    t = np.arange(v.shape[1]) * 0.05
    pd.DataFrame({"t": t} | {f"s{i}": v[i] for i in range(3)}).to_csv(tmp_path / "a.csv",
                                                                      index=False)
    rec = load_traces(tmp_path / "a.csv", dt=0.1)
    assert v.max() < 0.0                                   # the peaks never show
    assert [len(s) for s in rec.spikes] == [len(spikes[i]) for i in range(3)]
    steps = StepProtocol(50.0, 450.0, [0.5, 0.8, 1.1], attribute="i_offset")
    opt = OptNeuron(neuron_model=adex, variables_bounds={"a": [0.0, 20.0], "b": [0.0, 0.3]},
                    popsize=12, **step_fit(rec, steps))
    fit = opt.run(max_evals=40, results_file_name=str(tmp_path / "f"), progress=False)
    assert fit["a"] == pytest.approx(6.0, rel=0.05) and fit["b"] == pytest.approx(0.1, rel=0.05)


def test_resampling_is_linear_interpolation_on_a_grid_from_zero(tmp_path):
    t = np.arange(10.0, 20.0, 0.25)                      # ms, starting at 10
    np.savez(tmp_path / "r.npz", t=t, v=np.vstack([2 * t, -t]))
    rec = load_traces(tmp_path / "r.npz", dt=0.1)
    grid = np.arange(rec.samples) * 0.1
    np.testing.assert_allclose(rec.traces[0], 2 * (grid + 10.0))
    np.testing.assert_allclose(rec.traces[1], -(grid + 10.0))
    assert rec.duration == pytest.approx(9.8, abs=0.1)


def test_spikes_are_interpolated_threshold_crossings_or_else_resets():
    trace = np.array([-60.0, -20.0, 20.0, -50.0, -10.0, 30.0, 30.0])
    np.testing.assert_allclose(detect_spikes(trace, dt=0.5), [0.75, 2.125])   # (1.5, 4.25) dt
    reset = np.array([-65.0, -55.0, -45.0, -70.0, -60.0, -50.0, -41.0, -70.0])
    np.testing.assert_allclose(detect_spikes(reset, dt=0.5), [1.5, 3.5])      # samples 3, 7


def _csv(tmp_path, text):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, kwargs, match", [
    ("t,v\n0,1\n1,x\n2,3\n", {}, r"column 'v', row 3 .* 'x', not a finite number"),
    ("t,v\n0,1\n2,2\n1,3\n", {}, "time must increase"),
    ("t,v\n0,1\n1,2\n3,3\n4,4\n", {}, "not uniform"),
    ("t,v\n0,1\n1,2\n", {"time_column": "time"}, "no column 'time'"),
    ("t,v\n0,1\n1,2\n", {"columns": ["vv"]}, r"did you mean 'v'\?"),
    ("t\n0\n1\n", {}, "at least one trace column"),
    ("t,v\n0,1\n", {}, "at least two samples"),
    ("t,v\n0,1\n1,2\n", {"time_unit": "min"}, "time_unit"),
    ("t,v\n0,1\n1,2\n", {"value_unit": "uV"}, "value_unit"),
    ("t,v\n0,1\n1,2\n", {"dt": 0}, "positive number"),
])
def test_bad_recordings_are_refused_with_where_and_why(tmp_path, text, kwargs, match):
    with pytest.raises(FitError, match=match):
        load_traces(_csv(tmp_path, text), **({"dt": 0.1} | kwargs))


def test_bad_npz_files_and_huge_files_are_refused(tmp_path, monkeypatch):
    np.savez(tmp_path / "a.npz", time=np.arange(3.0))
    with pytest.raises(FitError, match="missing t, v"):
        load_traces(tmp_path / "a.npz", dt=0.1)
    np.savez(tmp_path / "b.npz", t=np.arange(3.0), v=np.ones((2, 4)))
    with pytest.raises(FitError, match=r"shape \(samples,\)"):
        load_traces(tmp_path / "b.npz", dt=0.1)
    (tmp_path / "c.npz").write_bytes(b"PK not really")
    with pytest.raises(FitError, match="not a readable NPZ"):
        load_traces(tmp_path / "c.npz", dt=0.1)
    monkeypatch.setattr(fitdata, "MAX_FILE_BYTES", 10)
    with pytest.raises(FitError, match="at most 10"):
        load_traces(_csv(tmp_path, "t,v\n0,1\n1,2\n"), dt=0.1)
    with pytest.raises(FitError, match="cannot read"):
        load_traces(tmp_path / "missing.csv", dt=0.1)


def test_the_protocol_and_the_recording_must_agree(tmp_path):
    np.savez(tmp_path / "r.npz", t=np.arange(0.0, 100.0, 0.1), v=np.zeros((2, 1000)))
    rec = load_traces(tmp_path / "r.npz", dt=0.1)
    with pytest.raises(FitError, match="2 sweep.*3 amplitude"):
        step_fit(rec, StepProtocol(10.0, 50.0, [1.0, 2.0, 3.0]))
    with pytest.raises(FitError, match="lasts 200 ms but the recording only"):
        step_fit(rec, StepProtocol(10.0, 50.0, [1.0, 2.0], duration_ms=200.0))
    with pytest.raises(FitError, match="start_ms < stop_ms"):
        StepProtocol(50.0, 10.0, [1.0])
    with pytest.raises(FitError, match="finite numbers"):
        StepProtocol(10.0, 50.0, [float("nan")])


# -- electrophysiology files (the 'ephys' extra) ---------------------------------------
def _sweeps(n=2, samples=2000):
    """Ramps that differ per sweep, in mV."""
    return np.vstack([np.linspace(-70.0 + 5 * i, -50.0 + 5 * i, samples) for i in range(n)])


def test_abf_sweeps_are_read_with_their_units_and_sampling(tmp_path):
    writer = pytest.importorskip("pyabf.abfWriter")
    data = _sweeps()
    writer.writeABF1(data.astype(np.float32), str(tmp_path / "cell.abf"), sampleRateHz=10_000.0,
                     units="mV")
    rec = load_traces(tmp_path / "cell.abf", dt=0.2)        # 0.1 ms samples, resampled
    assert rec.sweeps == ("sweep 0", "sweep 1") and rec.samples == 1000
    grid = np.arange(1000) * 0.2
    for i in range(2):                                       # ABF stores 16-bit integers
        np.testing.assert_allclose(rec.traces[i], np.interp(grid, np.arange(2000) * 0.1,
                                                            data[i]), atol=0.01)
    writer.writeABF1(data.astype(np.float32), str(tmp_path / "current.abf"),
                     sampleRateHz=10_000.0, units="pA")
    with pytest.raises(FitError, match=r"channel 0 is in 'pA', not a voltage"):
        load_traces(tmp_path / "current.abf", dt=0.2)
    with pytest.raises(FitError, match="channel 3 does not exist"):
        load_traces(tmp_path / "cell.abf", dt=0.2, channel=3)
    (tmp_path / "broken.abf").write_bytes(b"ABF " + bytes(100))
    with pytest.raises(FitError, match="not a readable ABF file"):
        load_traces(tmp_path / "broken.abf", dt=0.2)


def test_nwb_sweeps_written_by_neo_are_read(tmp_path):
    pytest.importorskip("pynwb")
    neo = pytest.importorskip("neo")
    import quantities as pq
    from neo.io import NWBIO

    data = _sweeps(3, 1000)
    import datetime

    block = neo.Block(name="cell", session_start_time=datetime.datetime(
        2026, 12, 3, tzinfo=datetime.timezone.utc), session_description="steps",
        identifier="cell-1")
    for i, v in enumerate(data):
        seg = neo.Segment(name=f"step {i}")
        seg.analogsignals.append(neo.AnalogSignal((v / 1000.0)[:, None], units="V",
                                                  sampling_rate=20 * pq.kHz, name="Vm"))
        block.segments.append(seg)
    NWBIO(str(tmp_path / "cell.nwb"), mode="w").write_all_blocks([block])
    rec = load_traces(tmp_path / "cell.nwb", dt=0.05)        # 20 kHz = 0.05 ms: no resampling
    assert rec.traces.shape == (3, 1000) and rec.dt == 0.05
    np.testing.assert_allclose(rec.traces, data, rtol=1e-6)  # volts in the file, mV here


def test_a_file_no_reader_knows_is_refused(tmp_path):
    pytest.importorskip("neo")
    (tmp_path / "cell.xyz").write_bytes(b"\x00" * 64)
    with pytest.raises(FitError, match="not a recording neo can read"):
        load_traces(tmp_path / "cell.xyz", dt=0.1)


# -- a model that is not the engine's ----------------------------------------------------
def _adex_numpy(amplitudes, a, b, dt=0.01, duration=500.0, start=50.0, stop=450.0):
    """Brette & Gerstner (2005) AdEx written here, independently of the engine
    (forward Euler at dt = 0.01 ms; C in nF, g_L in uS, currents in nA); each
    spike's peak (+20 mV) is one sample, then the reset, as a recording shows it."""
    C, g_l, e_l, v_t, delta_t, tau_w, v_r, v_peak = 0.281, 0.030, -70.6, -50.4, 2.0, 144.0, \
        -70.6, 20.0
    n = int(round(duration / dt))
    out = np.empty((len(amplitudes), n))
    for k, amp in enumerate(amplitudes):
        v, w = e_l, 0.0
        for i in range(n):
            current = amp if start <= i * dt < stop else 0.0
            if v >= v_peak:
                out[k, i], v, w = v_peak, v_r, w + b
                continue
            out[k, i] = v
            dv = (-g_l * (v - e_l) + g_l * delta_t * math.exp(min((v - v_t) / delta_t, 50.0))
                  - w + current) / C
            dw = (a / 1000.0 * (v - e_l) - w) / tau_w
            v, w = v + dt * dv, w + dt * dw
    return out


def test_an_adex_written_elsewhere_is_fitted_through_a_csv(tmp_path):
    """The held-out shape of problem: a recording (CSV, s and V, 0.5 mV noise,
    100 kHz) of an AdEx integrated outside the engine, with spike peaks the
    engine's model never shows; the engine's AdEx fitted at dt 0.05 ms through
    the loader recovers a and b within 2 % and every spike within 1 ms."""
    amplitudes = [0.7, 1.0, 1.3]
    v = _adex_numpy(amplitudes, a=6.0, b=0.1)
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"t": np.arange(v.shape[1]) * 1e-5} | {
        f"I={a}": (v[i] + rng.normal(0, 0.5, v.shape[1])) / 1000.0
        for i, a in enumerate(amplitudes)})
    frame.to_csv(tmp_path / "cell.csv", index=False)
    rec = load_traces(tmp_path / "cell.csv", dt=0.05, time_unit="s", value_unit="V")
    assert [len(s) for s in rec.spikes] == [int((v[i] == 20.0).sum()) for i in range(3)]
    model = ann.EIF_cond_exp_isfa_ista(tau_refrac=0.0, v_spike=0.0)
    opt = OptNeuron(neuron_model=model, variables_bounds={"a": [0.0, 20.0], "b": [0.0, 0.3]},
                    popsize=16, seed=1,
                    **step_fit(rec, StepProtocol(50.0, 450.0, amplitudes, attribute="i_offset")))
    fit = opt.run(max_evals=60, results_file_name=str(tmp_path / "fit"), progress=False)
    assert fit["a"] == pytest.approx(6.0, rel=0.02) and fit["b"] == pytest.approx(0.1, rel=0.02)
    for i, chunk in enumerate(fit["results"].recordings):
        mine = np.asarray(chunk["model_neuron;spike"][0]) * chunk["dt"]
        assert mine.size == rec.spikes[i].size
        assert np.max(np.abs(mine - rec.spikes[i])) < 1.0


def test_spikes_one_sample_wide_survive_resampling_to_a_coarser_dt(tmp_path):
    t = np.arange(0.0, 100.0, 0.01)                           # 100 kHz
    v = np.full(t.size, -65.0)
    peaks = [1003, 3507, 6011, 8999]                          # not multiples of 10
    v[peaks] = 20.0
    np.savez(tmp_path / "p.npz", t=t, v=v)
    rec = load_traces(tmp_path / "p.npz", dt=0.1)
    assert rec.samples == 1000 and rec.traces.max() < 20.0    # the peaks fall between samples
    # the crossing of 0 mV between -65 (sample p - 1) and +20 (sample p)
    np.testing.assert_allclose(rec.spikes[0], [(p - 1 + 65 / 85) * 0.01 for p in peaks],
                               atol=1e-9)


@pytest.mark.parametrize("loss, per_sweep", [("trace+spikes", 2), ("trace", 1), ("spikes", 1),
                                             ("features", 1)])
def test_each_loss_is_smallest_at_the_true_values(tmp_path, loss, per_sweep):
    amplitudes = [6.0, 10.0]
    v = _record(amplitudes, dt=0.1, d=6.0)
    np.savez(tmp_path / "r.npz", t=np.arange(v.shape[1]) * 0.1, v=v)
    rec = load_traces(tmp_path / "r.npz", dt=0.1)
    args = step_fit(rec, StepProtocol(50.0, 450.0, amplitudes), loss=loss)
    opt = OptNeuron(neuron_model=IZH, variables_bounds={"d": [2.0, 10.0]}, popsize=4, **args)
    totals, raw, _ = opt.evaluate({"d": np.array([6.0, 4.0, 8.0, 6.5])})
    assert len(raw[0]) == per_sweep * len(amplitudes)
    # at the true values the traces agree exactly; the data's spikes are its
    # 0 mV crossings, a few tenths of a ms before the model's events (v >= 30)
    assert totals[0] < 0.5 and np.all(totals[1:] > totals[0])


def test_an_unknown_loss_is_refused(tmp_path):
    np.savez(tmp_path / "r.npz", t=np.arange(10.0), v=np.zeros(10))
    rec = load_traces(tmp_path / "r.npz", dt=1.0)
    with pytest.raises(FitError, match="loss must be one of trace\\+spikes, trace"):
        step_fit(rec, StepProtocol(1.0, 5.0, [1.0]), loss="rmse")
