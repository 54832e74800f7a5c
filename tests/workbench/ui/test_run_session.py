"""RunSession: compile, run, pause, stop, reset and streaming, without a browser.

The reference for every number is the same network simulated directly with
the engine (``net.simulate`` in one call): a live run in chunks, paused,
continued and streamed must give exactly the same spikes.
"""

import time
from types import SimpleNamespace

import numpy as np
import pytest

import engine as ann
from workbench.errors import WorkbenchError
from workbench.ui.run_session import RunSession


def _built(seed=3, n=200):
    net = ann.Network(dt=0.1, seed=seed)
    pop = net.create(n, ann.Izhikevich, name="exc")
    pop.i_offset = ann.Uniform(2.0, 12.0)
    return SimpleNamespace(net=net, populations={"exc": pop})


def _reference_spikes(duration, seed=3, n=200):
    built = _built(seed, n)
    m = built.net.monitor(built.populations["exc"], ["spike"])
    built.net.compile()
    built.net.simulate(duration)
    data = m.get("spike")
    return sorted((t, r) for r, ts in data.items() for t in ts)


def _session(duration=200.0, **kw):
    s = RunSession(duration=duration, **kw)
    s.load(_built())
    s.compile(wait=True)
    assert s.status == "ready", s.message
    return s


def _collect(s, into):
    new = s.read_new()
    t, r = new.spikes["exc"]
    into.extend(zip(np.round(t / 0.1).astype(int).tolist(), r.tolist()))
    return new


def test_streamed_spikes_equal_one_direct_run():
    s = _session(200.0)
    streamed = []
    s.run()
    while s.busy:
        _collect(s, streamed)
        time.sleep(0.01)
    s.join()
    _collect(s, streamed)
    assert s.status == "finished"
    assert s.sim_time == pytest.approx(200.0)
    assert sorted(streamed) == _reference_spikes(200.0)
    assert len(streamed) > 100
    # the trace stream: 5 neurons, one record per ms
    rec = s.recordings()
    assert rec["exc.v"].shape == (200, 5)
    np.testing.assert_allclose(rec["exc.v_times"], np.arange(200) * 1.0)


def test_pause_and_continue_reach_the_same_end_with_the_same_spikes():
    s = _session(20000.0)
    s.run()
    time.sleep(0.05)
    s.pause()
    assert s.status == "paused" and not s.busy     # pause() waits for the chunk
    paused_at = s.sim_time
    assert 0 < paused_at < 20000.0
    s.run(wait=True)
    assert s.status == "finished" and s.sim_time == pytest.approx(20000.0)
    streamed = []
    _collect(s, streamed)
    assert sorted(streamed) == _reference_spikes(20000.0)


def test_stop_ends_the_run_and_reset_rewinds():
    s = _session(1e6)
    s.run()
    time.sleep(0.05)
    t0 = time.perf_counter()
    s.stop()
    assert s.status == "finished" and not s.busy   # answered, not merely asked
    assert time.perf_counter() - t0 < 1.0          # a chunk is ~50 ms of wall time
    assert s.status == "finished" and 0 < s.sim_time < 1e6
    s.reset()
    assert s.status == "ready" and s.network.time == 0.0
    assert s.read_new().generation == s.generation
    s.duration = 200.0
    s.run(wait=True)
    streamed = []
    _collect(s, streamed)
    assert sorted(streamed) == _reference_spikes(200.0)


def test_value_changed_during_a_run_applies_between_chunks_and_survives_reset():
    s = _session(1e6)
    s.run()
    time.sleep(0.05)
    s.set_value("exc", "i_offset", 0.0)
    time.sleep(0.3)
    s.stop()
    s.join()
    assert np.all(s.network.get_population("exc").i_offset == 0.0)
    s.reset()
    assert np.all(s.network.get_population("exc").i_offset == 0.0)
    # Izhikevich at rest with no input does not fire
    s.duration = 200.0
    s.run(wait=True)
    assert s.read_new().spikes["exc"][0].size == 0


@pytest.mark.parametrize("args, match", [
    (("inh", "i_offset", 1.0), "no population named 'inh'"),
    (("exc", "tau", 1.0), "has no attribute 'tau'"),
    (("exc", "i_offset", "lots"), "give a number"),
    (("exc", "i_offset", float("nan")), "finite"),
])
def test_bad_changes_are_refused_with_a_message(args, match):
    s = _session()
    with pytest.raises(WorkbenchError, match=match):
        s.set_value(*args)
    s.run(wait=True)
    assert s.status == "finished"


def test_schedule_sets_values_at_their_times_also_after_pause_and_reset():
    def built():
        b = _built()
        b.populations["exc"].i_offset = 0.0
        return b
    s = RunSession(duration=300.0)
    s.load(built(), schedule=[(100.0, "exc", "i_offset", 10.0), (200.0, "exc", "i_offset", 0.0)])
    s.compile(wait=True)
    for _ in range(2):
        s.run(wait=True)
        t, _ = s.read_new().spikes["exc"]
        assert t.size > 50
        assert t.min() >= 100.0 and t.max() < 215.0    # a spike may finish just after the step
        s.reset()


def test_a_numerical_error_is_shown_and_the_session_stays_usable():
    net = ann.Network(dt=0.1)
    bad = net.create(3, ann.Neuron(parameters="k = 1.0", equations="dv/dt = k*v*v : init = 1.0\nr = v"),
                     name="bad")
    s = RunSession(duration=100.0)
    s.load(SimpleNamespace(net=net, populations={"bad": bad}))
    s.compile(wait=True)
    s.run(wait=True)
    assert s.status == "error"
    assert "variable 'v'" in s.message and "population 'bad'" in s.message
    s.reset()
    s.set_value("bad", "k", 0.0)
    s.run(wait=True)
    assert s.status == "finished", s.message


def test_run_before_compile_and_load_while_running_are_refused():
    s = RunSession()
    with pytest.raises(WorkbenchError, match="build a network first"):
        s.compile()
    s.load(_built())
    with pytest.raises(WorkbenchError, match="compile it first"):
        s.run()
    s.compile(wait=True)
    s.duration = 1e6
    s.run()
    try:
        with pytest.raises(WorkbenchError, match="cannot load a network while"):
            s.load(_built())
    finally:
        s.stop()
        s.join()


def test_downloads_hold_the_spikes():
    s = _session(100.0)
    s.run(wait=True)
    csv = s.spikes_csv().splitlines()
    assert csv[0] == "population,rank,time_ms"
    assert len(csv) - 1 == len(_reference_spikes(100.0))
    import io
    data = np.load(io.BytesIO(s.recordings_npz()))
    assert data["exc.spike_times"].size == len(csv) - 1
    # each row is the same spike as the npz holds, in time order
    first = csv[1].split(",")
    assert first[0] == "exc" and int(first[1]) == data["exc.spike_ranks"][0]
    assert float(first[2]) == pytest.approx(data["exc.spike_times"][0])


def test_recordings_are_bounded_and_keep_the_newest_part_exactly():
    """keep_mb bounds the server's memory; what is kept is the tail of
    the run, identical to one direct run's spikes from kept_from on."""
    s = RunSession(duration=20000.0, keep_mb=1.0)      # ~2.5 MB of spikes and traces
    s.load(_built())
    s.compile(wait=True)
    s.run(wait=True)
    assert s.status == "finished"
    rec = s.recordings()
    kept = sum(a.nbytes for a in rec.values())
    assert s._store.nbytes <= 2**20 + 64 * 1024           # the limit, plus the newest batch
    assert s._store.dropped_bytes > 0 and 0 < s.kept_from < 20000.0
    assert kept < 2 * 2**20
    reference = [(t, r) for t, r in _reference_spikes(20000.0)
                 if t * 0.1 >= s.kept_from - 1e-9]
    got = sorted(zip(np.round(rec["exc.spike_times"] / 0.1).astype(int).tolist(),
                     rec["exc.spike_ranks"].tolist()))
    assert got == reference
    assert s.recorded_until == pytest.approx(20000.0)
    np.testing.assert_allclose(rec["exc.v_times"][[0, -1]], [np.ceil(s.kept_from), 19999.0])
    # the monitors themselves hold at most a chunk
    m = s._spike_monitors["exc"]
    assert int(m._spk_n[0]) == 0
    s.reset()
    assert s.kept_from == 0.0 and s.recordings()["exc.spike_times"].size == 0



def test_weight_scale_multiplies_the_built_weights_and_keeps_its_value(two_populations):
    s = RunSession(duration=20.0)
    s.load(two_populations(2.0))
    s.compile(wait=True)
    assert s.projections == ["dc"] and s.weight_scale("dc") == 1.0
    s.run(wait=True)                     # spikes at 4, 9, 14 (delivered at 5, 10, 15): 3 x 2
    counter = s._built.populations["counter"]
    np.testing.assert_allclose(counter.tot, 6.0)
    s.scale_weights("dc", 1.5)
    s.scale_weights("dc", 0.5)           # relative to those built, not compounded
    assert s.weight_scale("dc") == 0.5
    s.run(wait=True)                     # deliveries at 20, 25, 30, 35 of weight 1
    np.testing.assert_allclose(counter.tot, 10.0)
    for bad, match in ((0.0, "> 0"), (float("inf"), "finite number"), ("big", "give a number")):
        with pytest.raises(WorkbenchError, match=match):
            s.scale_weights("dc", bad)
    with pytest.raises(WorkbenchError, match="no projection named 'cd'"):
        s.scale_weights("cd", 2.0)
    assert s.weight_scale("dc") == 0.5


def test_weight_scale_during_a_run_applies_between_chunks(two_populations):
    s = RunSession(duration=1e6)
    s.load(two_populations(1.0))
    s.compile(wait=True)
    s.run()
    time.sleep(0.05)
    s.scale_weights("dc", 3.0)
    time.sleep(0.2)
    s.stop()
    w = s._built.projections["dc"].connectivity_matrix()
    np.testing.assert_allclose(w, 3.0)


def test_chosen_neurons_are_traced_and_their_traces_are_theirs():
    s = _session(duration=50.0, trace_ranks="3, 150-152, 999")
    try:
        assert s.traced_ranks == {"exc": [3, 150, 151, 152]}     # 999 is beyond 200 neurons
        s.run(wait=True)
        rec = s.recordings()
        np.testing.assert_array_equal(rec["exc.v_ranks"], [3, 150, 151, 152])
        ref = _built()
        m = ref.net.monitor(ref.populations["exc"], ["v"], period=s.trace_period or None)
        ref.net.compile()
        ref.net.simulate(50.0)
        np.testing.assert_array_equal(rec["exc.v"], m.get("v")[:, [3, 150, 151, 152]])
    finally:
        s.stop()


@pytest.mark.parametrize("text, match", [
    ("3, x", r"'x' is not a rank or a range"),
    ("5-2", r"'5-2' is not a range of ranks"),
    ("0-60", "at most 50 per population"),
])
def test_bad_trace_ranks_are_refused_with_the_reason(text, match):
    s = RunSession(trace_ranks=text)
    with pytest.raises(WorkbenchError, match=match):
        s.load(_built())
    assert s.status == "empty"
