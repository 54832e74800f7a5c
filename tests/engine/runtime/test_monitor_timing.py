"""When monitors record, against ANNarchy 5's own monitors and a closed form.

tests/data/annarchy_monitor_timing.json was written by
benchmarks/peers/reference_monitor_timing_annarchy.py with ANNarchy 5.0.4 (its
header lists the network and the schedule): periods and period offsets, a
view, ``start=False`` then ``start()``, ``pause()``/``resume()``, ``get()``
between runs (draining, ``keep=True``, one variable of two), spike monitors
(paused, on a view), a monitor created in mid-run, and four ``simulate()``
calls whose durations are not multiples of the periods. The network is
built here by the very function that built it in ANNarchy, called with
``engine`` in place of ``ANNarchy``.

Every recorded value is a closed form of the step ``s`` it was recorded at
(``r = t = s dt``, ``c = (s + 1) dt``: the state after the step's update;
the ticker ``tk`` spikes at the steps ``s`` with ``(s + 1) % n == 0``), so
``recorded_times(var)`` of each variable, read just before each ``get()``, is
checked twice: against the values it labels and against ANNarchy's (whose
``r`` *is* the record time). Intervals and rows are kept per variable, as in
ANNarchy: ``partial`` drains ``r`` alone at 12 ms and keeps ``c``.

``times()`` returns steps in both (ANNarchy's docstring says ms, its code and
tutorials use steps); spike times are steps in both; ``recorded_times()`` is
ours, in ms.
"""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import engine
from engine.errors import NetworkError

ROOT = pathlib.Path(__file__).parents[3]
DATA = json.loads((ROOT / "tests" / "data" / "annarchy_monitor_timing.json").read_text())
_spec = importlib.util.spec_from_file_location(
    "reference_monitor_timing_annarchy",
    ROOT / "benchmarks" / "peers" / "reference_monitor_timing_annarchy.py")
REFERENCE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REFERENCE)

CASES = DATA["cases"]
LABELS = sorted(CASES[0]["data"])

# Monitor bugs these tests find, as strict xfails {label: reason} (none known):
VALUE_BUGS = {}
TIMES_BUGS = {}
RECORDED_TIMES_BUGS = {}

# Where ANNarchy's times() is wrong and ours says what happened (checked below, in ms
# here, in steps from times()):
ANNARCHY_TIMES_QUIRKS = {
    # get() while paused: ANNarchy overwrites the pause time (7) with "now" (12)
    "spk@12": {"spike": {"start": [0.0], "stop": [7.0]}},
    # start=False then start() at 7 ms: ANNarchy keeps the compile step (0) as start
    "late@25": {"r": {"start": [7.0], "stop": [25.0]}},
    # resume() after a get() while paused: ANNarchy's list holds a stop of None
    "spk@25": {"spike": {"start": [12.0], "stop": [25.0]}},
}


def _marked(labels, bugs):
    return [pytest.param(label, marks=pytest.mark.xfail(strict=True, reason=bugs[label]))
            if label in bugs else label for label in labels]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"dt{c['dt']}")
def both(request):
    case = request.param
    seen = {}

    def probe(label, m):                   # each variable's rows, as get() returns them
        seen.setdefault(label, {v: m.recorded_times(v) for v in m.variables if v != "spike"})

    ours = REFERENCE.build(engine, case["dt"], probe=probe, with_reset=True)
    return case, ours, seen


def test_the_peer_data_is_what_the_header_says():
    assert DATA["peer"].startswith("ANNarchy 5.")
    assert [c["dt"] for c in CASES] == [1.0, 0.5]
    assert LABELS == sorted(CASES[1]["data"])


@pytest.mark.parametrize("label", _marked(LABELS, VALUE_BUGS))
def test_every_row_and_value_is_annarchys(both, label):
    case, ours, _ = both
    theirs, mine = case["data"][label], ours[label]
    assert sorted(mine) == sorted(theirs)
    for var in theirs:
        if var == "times":
            continue
        if isinstance(theirs[var], dict):                    # spikes: steps per rank
            assert mine[var] == theirs[var], var
            assert any(theirs[var].values()), var
        else:
            t, m = np.asarray(theirs[var]), np.asarray(mine[var])
            assert m.shape == t.shape, (var, m.shape, t.shape)
            assert np.array_equal(m, t), (var, m[:4].tolist(), t[:4].tolist())


@pytest.mark.parametrize("label", _marked(
    [lb for lb in LABELS if lb not in ANNARCHY_TIMES_QUIRKS], TIMES_BUGS))
def test_times_are_annarchys_in_steps(both, label):
    case, ours, _ = both
    theirs = case["data"][label]["times"]
    assert ours[label]["times"] == theirs
    assert all(isinstance(s, int) for tv in ours[label]["times"].values()
               for v in tv.values() for s in v)      # usable as indices, as in AdEx


@pytest.mark.parametrize("label", sorted(ANNARCHY_TIMES_QUIRKS))
def test_times_say_when_recording_really_ran(both, label):
    case, ours, _ = both
    in_steps = {var: {k: [round(ms / case["dt"]) for ms in v] for k, v in tv.items()}
                for var, tv in ANNARCHY_TIMES_QUIRKS[label].items()}
    assert ours[label]["times"] == in_steps
    assert case["data"][label]["times"] != ours[label]["times"]   # ANNarchy's differs


def _ticker_v(steps, dt, ranks):
    """v of the ticker after the update of each step (reset included)."""
    n = np.rint(np.asarray(REFERENCE.THRESHOLDS)[ranks] / dt).astype(int)
    return ((np.asarray(steps)[:, None] + 1) % n) * dt


@pytest.mark.parametrize("label", _marked(LABELS, RECORDED_TIMES_BUGS))
def test_recorded_times_label_the_rows_returned(both, label):
    # read just before get(): the time of each row get() then returned, in ms
    case, ours, seen = both
    dt = case["dt"]
    data = ours[label]
    values = [k for k in data if k not in ("times", "spike")]
    if not values:
        assert label.startswith("spk") and "spike" in data     # spikes only: no rows
        return
    ranks = [1, 2] if label.startswith("view") else [2, 3] if label.startswith("spkview") \
        else [0, 1, 2, 3]
    for var in values:
        times = np.asarray(seen[label][var])
        steps = np.rint(times / dt).astype(int)
        assert np.allclose(steps * dt, times)
        expected = {"r": times[:, None] * np.ones(len(ranks)), "g": times,
                    "c": (times[:, None] + dt) * np.ones(len(ranks)),
                    "v": _ticker_v(steps, dt, ranks)}[var]
        assert np.array_equal(np.asarray(data[var]), expected), var
        theirs = case["data"][label]
        if var in ("r", "c") and var in theirs:              # ANNarchy's r is its record time
            shift = dt if var == "c" else 0.0                #  and its c one step later
            assert np.array_equal(times + shift, np.asarray(theirs[var])[:, 0]), var


@pytest.mark.parametrize("label", [lb for lb in LABELS if lb.startswith("spk")])
def test_spike_steps_are_the_closed_form_within_the_recording(both, label):
    case, ours, _ = both
    dt = case["dt"]
    intervals = list(zip(*ours[label]["times"]["spike"].values()))     # steps
    for rank, got in ours[label]["spike"].items():
        n = int(round(REFERENCE.THRESHOLDS[int(rank)] / dt))
        want = [s for a, b in intervals for s in range(a, b) if (s + 1) % n == 0]
        assert got == want, rank


def test_reset_drops_the_data_and_restarts_the_intervals_as_annarchy():
    case = CASES[0]
    ours = REFERENCE.build(engine, case["dt"], with_reset=True)
    theirs = case["data"]["reset@25"]
    assert np.array_equal(np.asarray(ours["reset@25"]["r"]), np.asarray(theirs["r"]))
    assert ours["reset@25"]["times"] == theirs["times"]


def test_one_variable_drained_alone_keeps_its_own_rows_intervals_and_live_cursor():
    # closed forms (r = t, c = t + dt); ANNarchy 5.0.4 returns the same rows, times()
    # (in steps) and mean_fr for this schedule (checked by hand in the peers venv)
    net = engine.Network(dt=1.0)
    clk = net.create(2, engine.Neuron(equations=["r = t", "dc/dt = 1.0"]))
    m = net.monitor(clk, ["r", "c"])
    net.compile()
    net.simulate(5.0)
    np.testing.assert_array_equal(m.recorded_times(), np.arange(5.0))  # one set of rows
    seen = m.read_new()
    np.testing.assert_array_equal(seen["c"][0], np.arange(5.0))
    np.testing.assert_array_equal(m.get("r")[:, 0], np.arange(5.0))
    net.simulate(3.0)
    m.pause()
    net.simulate(2.0)
    m.resume()
    net.simulate(1.0)                                     # t = 11; nothing at steps 8, 9
    np.testing.assert_array_equal(m.recorded_times("r"), [5.0, 6.0, 7.0, 10.0])
    np.testing.assert_array_equal(m.recorded_times("c"), [0, 1, 2, 3, 4, 5, 6, 7, 10.0])
    with pytest.raises(NetworkError, match=r"\('r' 4, 'c' 9\): name one, e\.g\. "
                                           r"recorded_times\('r'\)"):
        m.recorded_times()
    with pytest.raises(NetworkError, match=r"does not record 'v' \(it records r, c\)"):
        m.times("v")
    # r's intervals are those of the get at 5 ms; c's run from 0, paused 8 to 10
    assert m.times() == {"r": {"start": [0], "stop": [5]},                # steps (dt 1)
                         "c": {"start": [0, 10], "stop": [8, 11]}}
    new = m.read_new()                                    # the cursor follows each variable
    for var, shift in (("r", 0.0), ("c", 1.0)):
        np.testing.assert_array_equal(new[var][0], [5.0, 6.0, 7.0, 10.0])
        np.testing.assert_array_equal(new[var][1][:, 1], new[var][0] + shift)
    data = m.get()
    np.testing.assert_array_equal(data["r"][:, 0], [5.0, 6.0, 7.0, 10.0])
    np.testing.assert_array_equal(data["c"][:, 0], [1, 2, 3, 4, 5, 6, 7, 8, 11.0])
    assert m.times() == {"r": {"start": [5, 10], "stop": [8, 11]},
                         "c": {"start": [0, 10], "stop": [8, 11]}}


def test_getting_the_values_alone_leaves_the_spike_window():
    ticker = engine.Neuron(equations="dv/dt = 1.0", spike="v >= 2.0", reset="v = 0.0")
    net = engine.Network(dt=1.0)
    tk = net.create(1, ticker)
    m = net.monitor(tk, ["spike", "v"])
    net.compile()
    net.simulate(10.0)
    assert m.get("v").shape == (10, 1)
    with pytest.raises(NetworkError, match=r"spikes have no rows; get\('spike'\) gives"):
        m.recorded_times("spike")
    net.simulate(10.0)
    spikes = m.get("spike")
    assert spikes == {0: list(range(1, 20, 2))}           # every 2nd step, from step 1
    assert m.times("spike") == {"spike": {"start": [0.0], "stop": [20.0]}}
    assert m.mean_fr(spikes) == pytest.approx(10 / 0.020)  # 10 spikes in 20 ms
    assert m.times("v") == {"v": {"start": [0.0], "stop": [10.0]}}
