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
    s.join()
    assert s.status == "paused"
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
    s.join(5)
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
