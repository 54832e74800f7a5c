"""Live runs: chunks, stop() from another thread, Ctrl-C, events, progress
reports and monitor cursors (engine/runtime/live.py)."""

import os
import signal
import threading
import time

import numpy as np
import pytest

from engine import Network, Neuron, every
from engine.errors import NetworkError, NumericalError

# 1,000 noisy leaky neurons: irregular spikes, and a v that tells the time
LIF = Neuron(parameters="tau = 10.0 : population\nI = 1.2",
             equations="tau * dv/dt = I - v + 0.5 * Normal(0, 1) : init = 0.0\n"
                       "dclock/dt = 1.0 : init = 0.0",
             spike="v > 1.0", reset="v = 0.0")


def _net(n=1000, dt=0.1):
    net = Network(dt=dt, seed=11)
    pop = net.create(n, LIF)
    m = net.monitor(pop, ["spike", "clock"], period=1.0)
    net.compile()
    return net, pop, m


def test_worker_thread_run_streams_new_data_and_stops_consistently():
    net, pop, m = _net()
    errors = []

    def work():
        try:
            net.simulate(1e7)            # 10^7 ms: only stop() ends it
        except BaseException as exc:     # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    streamed_t, streamed_clock, spikes_t, spikes_i = [], [], [], []
    reads = 0
    t_end = time.perf_counter() + 0.6
    while time.perf_counter() < t_end:
        time.sleep(0.1)
        new = m.read_new()
        reads += 1
        t, clock = new["clock"]
        streamed_t.append(t)
        streamed_clock.append(clock)
        spikes_t.append(new["spike"][0])
        spikes_i.append(new["spike"][1])
        assert clock.shape == (t.size, 1000)
    assert net.running
    t_stop = time.perf_counter()
    net.stop()
    worker.join(timeout=5)
    assert not worker.is_alive() and not errors
    assert time.perf_counter() - t_stop < 1.0
    assert not net.running
    # the time, the state and the monitor agree
    assert 0 < net.time < 1e7
    np.testing.assert_allclose(pop.clock, net.time, rtol=1e-9)
    rest = m.read_new()
    t = np.concatenate(streamed_t + [rest["clock"][0]])
    clock = np.concatenate(streamed_clock + [rest["clock"][1]])
    # every record once, in order, and each the state after its step
    np.testing.assert_allclose(t, np.arange(t.size) * 1.0)
    np.testing.assert_allclose(clock[:, 0], t + net.dt, rtol=1e-9)
    assert t[-1] <= net.time - net.dt + 1e-9
    assert sum(a.size for a in streamed_t) > 0 and reads >= 3
    # the streamed spikes are exactly what get() returns
    st = np.concatenate(spikes_t + [rest["spike"][0]])
    si = np.concatenate(spikes_i + [rest["spike"][1]])
    got = m.get("spike")
    assert st.size == sum(len(v) for v in got.values()) > 0
    for r in (0, 500, 999):
        np.testing.assert_allclose(st[si == r], np.asarray(got[r]) * net.dt)
    assert np.all(np.diff(st) >= 0)
    # the network runs on, from where it stopped
    before = net.time
    net.simulate(5.0)
    assert net.time == pytest.approx(before + 5.0)
    np.testing.assert_allclose(pop.clock, net.time, rtol=1e-9)


def test_stop_outside_a_run_does_not_block_the_next_one():
    net, pop, _ = _net(n=10)
    net.stop()
    net.simulate(10.0)
    assert net.time == pytest.approx(10.0)
    net.stop()
    net.step()
    assert net.current_step == 101


@pytest.fixture
def default_sigint():
    """Python's own SIGINT handler, as in a plain script (other tests' tools,
    such as the browser driver, may have installed theirs)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="SIGINT goes to the main thread")
def test_ctrl_c_returns_quickly_with_a_consistent_network(default_sigint):
    net, pop, m = _net()
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    t0 = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt, match="consistent"):
        net.simulate(1e5)
    assert time.perf_counter() - t0 < 1.3
    assert 0 < net.time < 1e5
    np.testing.assert_allclose(pop.clock, net.time, rtol=1e-9)
    rows = m.get("clock")
    assert rows.shape[0] == int(np.ceil(net.current_step / 10))
    # Python's handler is back, and the network can run again
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    t = net.time
    net.simulate(2.0)
    assert net.time == pytest.approx(t + 2.0)


def test_events_fire_with_their_information(tmp_path):
    net = Network(dt=1.0, seed=1)
    pop = net.create(3, LIF)
    seen = []
    net.on("compiled", lambda e: seen.append(e.name))
    net.on("reset", lambda e: seen.append(e.name))
    net.on("loaded", lambda e: seen.append(e.name))
    chunks = []

    @net.on("chunk")
    def _chunk(e):
        chunks.append((e.first_step, e.last_step))

    net.compile()
    net.simulate(5000.0)
    assert chunks[0][0] == 0 and chunks[-1][1] == 5000
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))      # contiguous
    assert len(chunks) >= 2                                            # chunked
    net.save(tmp_path / "s.npz")
    net.reset()
    net.load(tmp_path / "s.npz")
    assert seen == ["compiled", "reset", "loaded"]
    net.off("chunk", _chunk)
    net.simulate(10.0)
    assert chunks[-1][1] == 5000
    with pytest.raises(NetworkError, match="unknown event 'chunks'.*chunk"):
        net.on("chunks", print)
    with pytest.raises(NetworkError, match="callable"):
        net.on("chunk", 3)
    with pytest.raises(NetworkError, match="does not listen"):
        net.off("chunk", _chunk)


def test_error_and_stopped_events():
    blow = Neuron(equations="dv/dt = v : init = 1.0\nr = v")
    net = Network(dt=1.0)
    net.create(1, blow)
    errors = []
    net.on("error", lambda e: errors.append(e.error))
    net.compile()
    with pytest.raises(NumericalError):
        net.simulate(10_000.0)
    assert len(errors) == 1 and isinstance(errors[0], NumericalError)

    net2, _, _ = _net(n=10)
    stopped = []
    net2.on("stopped", lambda e: stopped.append(e.first_step))
    # a listener may stop the run: after the first chunk
    net2.on("chunk", lambda e: net2.stop())
    net2.simulate(1e6)
    assert stopped == [net2.current_step] and 0 < net2.current_step < 1e7


def test_stop_also_ends_the_callbacks_of_the_run():
    net, pop, _ = _net(n=10)
    calls = []

    @every(net, period=1.0)
    def _cb(n):
        calls.append(net.time)
        if n == 4:
            net.stop()

    net.simulate(100.0)
    # callbacks run before the step of their time: stopped in the one at 4 ms
    assert calls == [0.0, 1.0, 2.0, 3.0, 4.0] and net.time == pytest.approx(4.0)


def test_progress_reports():
    net, _, _ = _net(n=100)
    got = []
    net.simulate(20_000.0, report=got.append, report_period=0.0)
    assert got[-1].done and got[-1].fraction == 1.0 and got[-1].remaining_s == 0.0
    assert len(got) >= 2 and not got[0].done
    assert all(a.time_ms <= b.time_ms for a, b in zip(got, got[1:]))
    assert got[-1].realtime_factor > 0
    assert "20000 ms of 20000 ms simulated (100%)" in got[-1].text()
    with pytest.raises(NetworkError, match="report must be"):
        net.simulate(1.0, report="loud")


def test_read_new_follows_get_and_reset():
    net, _, m = _net(n=5, dt=1.0)
    net.simulate(10.0)
    t, clock = m.read_new("clock")["clock"]
    assert t.tolist() == list(np.arange(10.0))
    assert m.read_new("clock")["clock"][0].size == 0          # nothing new
    net.simulate(3.0)
    assert m.read_new("clock")["clock"][0].tolist() == [10.0, 11.0, 12.0]
    assert m.get("clock").shape == (13, 5)                     # get() unaffected
    net.simulate(2.0)
    assert m.read_new("clock")["clock"][0].tolist() == [13.0, 14.0]
    net.reset()
    net.simulate(2.0)
    assert m.read_new("clock")["clock"][0].tolist() == [0.0, 1.0]
    with pytest.raises(NetworkError, match="does not record 'v'"):
        m.read_new("v")


def test_drain_in_chunk_listener_hands_over_everything_once_and_keeps_buffers_small():
    """Drained between chunks, the pieces add up to what one get() returns
    for the same run, and the monitor holds at most a chunk's data."""
    kept = {"t": [], "i": [], "ct": [], "clock": []}
    net, pop, m = _net(n=200, dt=0.1)
    capacity = []

    def take(event):
        new = m.drain()
        kept["t"].append(new["spike"][0])
        kept["i"].append(new["spike"][1])
        kept["ct"].append(new["clock"][0])
        kept["clock"].append(new["clock"][1])
        capacity.append(int(m._spk_n[0]) + sum(len(c) for c in m._chunks.values()))

    net.on("chunk", take)
    net.simulate(300.0)
    assert len(capacity) > 1 and max(capacity) == 0          # nothing left behind
    net2, pop2, m2 = _net(n=200, dt=0.1)
    net2.simulate(300.0)
    ref = m2.get()
    ref_t, ref_i = [], []
    for rank, steps in ref["spike"].items():
        ref_t += [s * 0.1 for s in steps]
        ref_i += [rank] * len(steps)
    order = np.lexsort((ref_i, ref_t))
    t, i = np.concatenate(kept["t"]), np.concatenate(kept["i"])
    order2 = np.lexsort((i, t))
    np.testing.assert_allclose(t[order2], np.asarray(ref_t)[order])
    np.testing.assert_array_equal(i[order2], np.asarray(ref_i)[order])
    np.testing.assert_allclose(np.concatenate(kept["ct"]), np.arange(300.0))
    np.testing.assert_allclose(np.concatenate(kept["clock"]), ref["clock"])
    assert m.get("clock").shape == (0, 200)


def test_two_threads_using_the_global_style_never_meet():
    """Each thread (a web session, a worker) has its own default network."""
    import engine
    from engine.runtime import active

    results, errors = {}, []
    barrier = threading.Barrier(2)

    def session(name, n, rate_I):
        try:
            engine.clear()
            pop = engine.Population(n, LIF, name=f"cells_{name}")
            pop.I = rate_I
            barrier.wait(timeout=30)          # both built before either compiles
            engine.compile()
            engine.simulate(50.0)
            net = active.active_network()
            results[name] = (net, [p.name for p in engine.get_populations()],
                             engine.get_time(), pop.clock.copy())
        except BaseException as exc:     # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=("a", 7, 1.5)),
               threading.Thread(target=session, args=("b", 3, 0.5))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    (net_a, pops_a, t_a, _), (net_b, pops_b, t_b, _) = results["a"], results["b"]
    assert net_a is not net_b
    assert pops_a == ["cells_a"] and pops_b == ["cells_b"]
    assert t_a == t_b == pytest.approx(50.0)
    # and the main thread's default network saw none of it
    assert "cells_a" not in [p.name for p in active.active_network().get_populations()]
