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
``recorded_times()``, read just before each ``get()``, is checked twice:
against the values it labels and against ANNarchy's (whose ``r`` *is* the
record time).

Mappings stated on purpose: ANNarchy's ``times()`` returns steps, ours ms
(``ms = steps * dt``); spike times are steps in both.
"""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import engine

ROOT = pathlib.Path(__file__).parents[3]
DATA = json.loads((ROOT / "tests" / "data" / "annarchy_monitor_timing.json").read_text())
_spec = importlib.util.spec_from_file_location(
    "reference_monitor_timing_annarchy",
    ROOT / "benchmarks" / "peers" / "reference_monitor_timing_annarchy.py")
REFERENCE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REFERENCE)

CASES = DATA["cases"]
LABELS = sorted(CASES[0]["data"])

# Monitor bugs these tests found (engine/runtime/monitor.py is not ours to edit):
AFTER_PHASE = (
    "a monitor created after compile() at a step that is not a multiple of its period "
    "records at absolute multiples of the period (ms 8, 10, ... when created at 7 ms with "
    "period 2 ms); ANNarchy starts the phase at the creation step (7, 9, ...: "
    "offset = current_step % period, engine/runtime/monitor.py _n_records/_close_chunk)")
NO_RESET = "Monitor has no reset() (ANNarchy's: drop the data, restart the intervals now)"
PER_VARIABLE = (
    "after get('r') of a monitor of r and c, times() and recorded_times() still describe "
    "c's rows: times()['r'] starts at 0 instead of 12 ms and recorded_times() has 25 rows "
    "for r's 13 (recording intervals and steps are kept per monitor, not per variable)")
VALUE_BUGS = {}
TIMES_BUGS = {"partial@25": PER_VARIABLE}
RECORDED_TIMES_BUGS = {"partial@25": PER_VARIABLE}

# Where ANNarchy's times() is wrong and ours says what happened (checked below):
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
    ours = REFERENCE.build(engine, case["dt"],
                           probe=lambda label, m: seen.setdefault(label, m.recorded_times()),
                           with_reset=True)
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
def test_times_are_annarchys_in_ms(both, label):
    case, ours, _ = both
    dt = case["dt"]
    theirs = {var: {k: [s * dt for s in v] for k, v in tv.items()}
              for var, tv in case["data"][label]["times"].items()}
    assert ours[label]["times"] == theirs


@pytest.mark.parametrize("label", sorted(ANNARCHY_TIMES_QUIRKS))
def test_times_say_when_recording_really_ran(both, label):
    case, ours, _ = both
    assert ours[label]["times"] == ANNARCHY_TIMES_QUIRKS[label]
    assert case["data"][label]["times"] != {                 # ANNarchy's differs, in ms
        var: {k: [None if s is None else s / case["dt"] for s in v] for k, v in tv.items()}
        for var, tv in ANNARCHY_TIMES_QUIRKS[label].items()}


def _ticker_v(steps, dt, ranks):
    """v of the ticker after the update of each step (reset included)."""
    n = np.rint(np.asarray(REFERENCE.THRESHOLDS)[ranks] / dt).astype(int)
    return ((np.asarray(steps)[:, None] + 1) % n) * dt


@pytest.mark.parametrize("label", _marked(LABELS, RECORDED_TIMES_BUGS))
def test_recorded_times_label_the_rows_returned(both, label):
    # read just before get(): the time of each row get() then returned, in ms
    case, ours, seen = both
    dt = case["dt"]
    times = np.asarray(seen[label])
    steps = np.rint(times / dt).astype(int)
    assert np.allclose(steps * dt, times)
    data = ours[label]
    values = [v for k, v in data.items() if k not in ("times", "spike")]
    if not values:
        assert times.size == 0                               # spikes only: no rows
        return
    ranks = [1, 2] if label.startswith("view") else [2, 3] if label.startswith("spkview") \
        else [0, 1, 2, 3]
    expected = {"r": times[:, None] * np.ones(len(ranks)), "g": times,
                "c": (times[:, None] + dt) * np.ones(len(ranks)),
                "v": _ticker_v(steps, dt, ranks)}
    for var, value in data.items():
        if var in ("times", "spike"):
            continue
        assert np.array_equal(np.asarray(value), expected[var]), var
    theirs = case["data"][label]
    if "r" in theirs:                                        # ANNarchy's r is its record time
        assert np.array_equal(times, np.asarray(theirs["r"])[:, 0])


@pytest.mark.parametrize("label", [lb for lb in LABELS if lb.startswith("spk")])
def test_spike_steps_are_the_closed_form_within_the_recording(both, label):
    case, ours, _ = both
    dt = case["dt"]
    intervals = list(zip(*ours[label]["times"]["spike"].values()))
    for rank, got in ours[label]["spike"].items():
        n = int(round(REFERENCE.THRESHOLDS[int(rank)] / dt))
        want = [s for a, b in intervals for s in range(int(round(a / dt)), int(round(b / dt)))
                if (s + 1) % n == 0]
        assert got == want, rank


def test_reset_drops_the_data_and_restarts_the_intervals_as_annarchy():
    case = CASES[0]
    ours = REFERENCE.build(engine, case["dt"], with_reset=True)
    theirs = case["data"]["reset@25"]
    assert np.array_equal(np.asarray(ours["reset@25"]["r"]), np.asarray(theirs["r"]))
    assert ours["reset@25"]["times"] == {
        var: {k: [s * case["dt"] for s in v] for k, v in tv.items()}
        for var, tv in theirs["times"].items()}
