"""The Fit tab's state without a browser: upload, protocol, model, fit, results."""

import io
import json
import time

import numpy as np
import pandas as pd
import pytest

import engine as ann
from workbench.fit import FitError
from workbench.ui.fit_session import UPLOAD_LIMIT_BYTES, FitSession, spec_with_values

IZH = ann.Neuron(
    parameters="a = 0.02\nb = 0.2 : population\nc = -65.0\nd = 8.0\nI_app = 0.0",
    equations="dv/dt = 0.04*v*v + 5.0*v + 140.0 - u + I_app : init = -65.0\n"
              "du/dt = a*(b*v - u) : init = -13.0",
    spike="v >= 30.0", reset="v = c\nu += d", name="Izh")
AMPLITUDES = [6.0, 10.0, 14.0]


def _csv_bytes(b=0.25, d=6.0, noise=0.2):
    """Sweeps of IZH (b, d changed) under steps 50-250 ms, 300 ms at dt 0.1,
    in s and V, named by their amplitude."""
    net = ann.Network(dt=0.1, seed=1)
    pop = net.create(3, IZH)
    pop.b, pop.d = b, d
    m = net.monitor(pop, "v")
    net.compile()
    net.simulate(50.0)
    pop.I_app = AMPLITUDES
    net.simulate(200.0)
    pop.I_app = 0.0
    net.simulate(50.0)
    v = m.get("v").T
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"t (s)": np.arange(v.shape[1]) * 1e-4} | {
        f"I={a}": (v[i] + rng.normal(0, noise, v.shape[1])) / 1000 for i, a in enumerate(AMPLITUDES)})
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue().encode()


@pytest.fixture
def session():
    s = FitSession(time_unit="s", value_unit="V", start_ms=50.0, stop_ms=250.0)
    yield s
    s.close()


def test_a_fit_in_the_session_recovers_the_values_and_reports_progress(session):
    session.load("cell.csv", _csv_bytes())
    assert session.selected == ["I=6.0", "I=10.0", "I=14.0"]
    assert session.amplitudes == {"I=6.0": 6.0, "I=10.0": 10.0, "I=14.0": 14.0}
    session.use_model(IZH)
    table = session.parameters.set_index("parameter")
    assert list(table.index) == ["a", "b", "c", "d", "I_app"] and session.attribute == "I_app"
    assert table.loc["d", "value"] == 8.0 and not table["fit"].any()
    with pytest.raises(FitError, match="tick at least one parameter"):
        session.start()
    table.loc["b", ["fit", "low", "high"]] = [True, 0.15, 0.3]
    table.loc["d", ["fit", "low", "high"]] = [True, 2.0, 10.0]
    session.parameters = table.reset_index()
    session.generations, session.popsize, session.seed = 40, 12, 3
    session.start()
    session.wait(120)
    assert session.status == "finished", session.message
    r = session.result
    assert r["fitted"]["b"] == pytest.approx(0.25, rel=0.03)
    assert r["fitted"]["d"] == pytest.approx(6.0, rel=0.03)
    assert r["fixed"] == {"a": 0.02, "c": -65.0}
    assert set(r["loss_per_sweep"]) == set(session.selected)
    assert sum(r["loss_per_sweep"].values()) == pytest.approx(r["loss"])
    assert r["traces"]["I=10.0"].shape == (3000,)
    for sweep, sp in r["spikes"].items():                   # the same spikes, within 1 ms
        assert sp["data"] == sp["fit"] > 0 and sp["largest_time_difference_ms"] < 1.0
    for sweep, trace in session.best_traces.items():     # the live plots' last best: the fit's
        np.testing.assert_array_equal(trace, r["traces"][sweep])
    h = session.history
    assert [x["gen"] for x in h] == list(range(1, 41)) and h[-1]["seconds_left"] == 0
    assert h[-1]["best_loss"] <= h[0]["best_loss"] and h[-1]["evals_per_s"] > 0
    saved = json.loads(session.result_json())
    assert saved["fitted"] == r["fitted"] and saved["data"] == "cell.csv"
    assert "best_b" in session.history_csv().splitlines()[0]
    spec = session.fitted_spec()
    model = ann.Neuron.from_spec(spec)          # the fitted model, as the Models tab opens it
    assert spec["name"] == "Izh_fit" and "b = " in spec["parameters"]
    assert ": population" in spec["parameters"].splitlines()[1]
    net = ann.Network(dt=0.1)
    pop = net.create(1, model)
    assert pop.d[0] == pytest.approx(r["fitted"]["d"]) and pop.b == pytest.approx(r["fitted"]["b"])


def test_cancel_ends_a_fit_within_a_second_with_the_best_so_far(session):
    session.load("cell.csv", _csv_bytes())
    session.use_model(IZH)
    table = session.parameters
    table.loc[table.parameter == "d", ["fit", "low", "high"]] = [True, 2.0, 10.0]
    session.generations = 5000
    session.start()
    deadline = time.monotonic() + 60
    while len(session.history) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    session.cancel(wait=5.0)
    assert time.monotonic() - t0 < 1.0 and not session.busy
    assert session.status == "cancelled" and "cancelled after" in session.message
    assert session.result["generations"] >= 2
    assert (session.folder / "fit.checkpoint.npz").exists()


@pytest.mark.parametrize("name, data, message", [
    ("cell.xlsx", b"x", "a recording is a .csv"),
    ("cell.csv", b"", "the file is empty"),
    ("cell.csv", b"t,v\n0,1\n1,x\n", r"column 'v', row 3"),
    ("cell.npz", b"PK not a zip", "not a readable NPZ"),
])
def test_bad_uploads_are_refused_and_the_session_keeps_its_data(session, name, data, message):
    session.load("good.csv", _csv_bytes())
    with pytest.raises(FitError, match=message):
        session.load(name, data)
    assert session.data_name == "good.csv" and session.recording.traces.shape[0] == 3


def test_a_huge_upload_is_refused_before_it_is_read(session):
    with pytest.raises(FitError, match="at most"):
        session.load("big.csv", b"0" * (UPLOAD_LIMIT_BYTES + 1))
    assert session.recording is None


def test_missing_pieces_are_named_before_anything_runs(session):
    with pytest.raises(FitError, match="choose a model first"):
        session.start()
    session.use_model(IZH)
    table = session.parameters
    table.loc[table.parameter == "d", "fit"] = True
    with pytest.raises(FitError, match="upload a recording first"):
        session.start()
    session.load("cell.csv", _csv_bytes())
    session.amplitudes = {**session.amplitudes, "I=6.0": float("nan")}
    with pytest.raises(FitError, match=r"sweep 'I=6.0': its step amplitude must be a number"):
        session.start()
    session.amplitudes = {**session.amplitudes, "I=6.0": 6.0}
    session.stop_ms = 900.0
    with pytest.raises(FitError, match="after the recording"):
        session.start()
    session.stop_ms = 250.0
    table.loc[table.parameter == "d", ["low", "high"]] = [5.0, 1.0]
    with pytest.raises(FitError, match=r"d: low \(5\) must be below high \(1\)"):
        session.start()
    session.generations, session.popsize = 10_000, 2000
    table.loc[table.parameter == "d", ["low", "high"]] = [1.0, 5.0]
    with pytest.raises(FitError, match="neuron steps; at most"):
        session.start()
    assert session.status != "running" and not session.busy


def test_spec_with_values_keeps_flags_and_refuses_unknown_names():
    spec = {"kind": "neuron", "parameters": "tau = 10.0 : population\nv_th = 1.0"}
    out = spec_with_values(spec, {"tau": 12.5})
    assert out["parameters"] == "tau = 12.5 : population\nv_th = 1.0"
    with pytest.raises(FitError, match="does not define gain"):
        spec_with_values(spec, {"gain": 2.0})


def test_the_labs_example_recording_gives_back_its_true_values():
    """workbench/ui/data/fit_example.csv (examples/make_fit_example.py): the
    Fit lab's steps, fitted with the settings the lab loads."""
    from workbench.ui.fit_session import EXAMPLE, EXAMPLE_TRUE_VALUES

    s = FitSession()
    try:
        s.load_example()
        assert s.data_name == EXAMPLE.name and s.amplitudes == {"I=0.7": 0.7, "I=1.0": 1.0,
                                                                "I=1.3": 1.3}
        assert s.model_name == "EIF_cond_exp_isfa_ista" and s.attribute == "i_offset"
        assert (s.start_ms, s.stop_ms) == (50.0, 450.0)
        fitted = s.parameters[s.parameters.fit]
        assert sorted(fitted.parameter) == ["a", "b"]
        s.start()
        s.wait(180)
        assert s.status == "finished", s.message
        for name, true in EXAMPLE_TRUE_VALUES.items():
            assert s.result["fitted"][name] == pytest.approx(true, rel=0.05)
    finally:
        s.close()


def test_a_started_fit_outlives_its_page_and_is_found_by_its_token_only():
    data = _csv_bytes()
    never = FitSession()
    never.page_closed()                                   # never started: closed at once
    assert not never.folder.exists() and FitSession.find(never.token) is None
    s = FitSession(time_unit="s", value_unit="V", start_ms=50.0, stop_ms=250.0)
    try:
        s.load("cell.csv", data)
        s.use_model(IZH)
        s.parameters.loc[s.parameters.parameter == "d", ["fit", "low", "high"]] = [True, 2, 10]
        s.generations = 5000
        s.start()
        s.page_closed()                                   # the tab goes away mid-fit
        assert s.busy and FitSession.find(s.token) is s   # a reloaded page finds it
        assert FitSession.find("not-" + s.token) is None and FitSession.find(None) is None
        assert len(s.token) >= 12
    finally:
        s.close()
    assert FitSession.find(s.token) is None and not s.folder.exists()


def test_two_sessions_fit_at_once_without_seeing_each_other():
    one = FitSession(time_unit="s", value_unit="V", start_ms=50.0, stop_ms=250.0, seed=1,
                     generations=25, popsize=12)
    two = FitSession(time_unit="s", value_unit="V", start_ms=50.0, stop_ms=250.0, seed=1,
                     generations=25, popsize=12)
    try:
        for s, d in ((one, 5.0), (two, 7.0)):
            s.load("cell.csv", _csv_bytes(b=0.2, d=d))
            s.use_model(IZH)
            s.parameters.loc[s.parameters.parameter == "d", ["fit", "low", "high"]] = \
                [True, 2.0, 10.0]
        one.start()
        two.start()
        one.wait(120)
        two.wait(120)
        assert one.status == two.status == "finished", (one.message, two.message)
        assert one.result["fitted"]["d"] == pytest.approx(5.0, rel=0.03)
        assert two.result["fitted"]["d"] == pytest.approx(7.0, rel=0.03)
        assert one.folder != two.folder and one.token != two.token
    finally:
        one.close()
        two.close()


@pytest.mark.slow
def test_a_fit_on_a_local_dask_cluster_gives_the_same_result_as_here():
    pytest.importorskip("dask.distributed")
    results = {}
    for where in ("", "local"):
        s = FitSession(time_unit="s", value_unit="V", start_ms=50.0, stop_ms=250.0, seed=4,
                       generations=6, popsize=8, scheduler=where)
        try:
            s.load("cell.csv", _csv_bytes())
            s.use_model(IZH)
            s.parameters.loc[s.parameters.parameter == "d", ["fit", "low", "high"]] = \
                [True, 2.0, 10.0]
            s.start()
            s.wait(180)
            assert s.status == "finished", s.message
            results[where] = s.result
        finally:
            s.close()
    assert results["local"]["fitted"] == results[""]["fitted"]
    assert results["local"]["loss"] == results[""]["loss"]
    bad = FitSession(time_unit="s", value_unit="V", start_ms=50.0, stop_ms=250.0,
                     scheduler="tcp://127.0.0.1:9")
    try:
        bad.load("cell.csv", _csv_bytes())
        bad.use_model(IZH)
        bad.parameters.loc[bad.parameters.parameter == "d", "fit"] = True
        bad.start()
        bad.wait(60)
        assert bad.status == "failed" and "no dask scheduler at 'tcp://127.0.0.1:9'" in bad.message
    finally:
        bad.close()
