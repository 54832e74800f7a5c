"""Populations and recordings that cannot fit in memory are refused before
anything is allocated (issue Engine VI, class 6), with the size, the estimate
and the memory available; the network stays usable and gives its earlier
results."""

from __future__ import annotations

import re

import numpy as np
import pytest

import engine.runtime.connect_args as connect_args
import engine.runtime.network_run as network_run
from engine import Network, Neuron
from engine.errors import NetworkError
from engine.runtime.population import Population
from engine.runtime.population_memory import population_bytes

@pytest.fixture(autouse=True)
def _check_every_recording(monkeypatch):
    """The runs here record kilobytes: check them (a run skips the check
    below _SMALL_RECORDING bytes)."""
    monkeypatch.setattr(network_run, "_SMALL_RECORDING", 0)


LIF = Neuron(parameters="tau = 10.0\nI = 1.5", equations="tau*dv/dt = -v + I + g_exc",
             spike="v > 1", reset="v = 0", refractory=2.0)
RATE = Neuron(parameters="tau = 10.0 : population\nI = 1.0",
              equations="tau*dv/dt = -v + I\nr = v\ng = t / tau : population")
#: fires at every step (a spike monitor's buffer grows quickly)
EVERY_STEP = Neuron(equations="v = 1.0", spike="v > 0.5", reset="")


def _reference(make, steps):
    """The result of ``make()`` run for ``steps`` ms, with nothing refused."""
    net, pop, mon = make()
    net.compile()
    net.simulate(steps)
    return pop.v.copy(), mon.get("v").copy()


def _net(precision=None):
    net = Network(dt=1.0, seed=3)
    if precision:
        net.config(precision=precision)
    return net


def _rate_net(period=None, precision=None):
    net = _net(precision)
    pop = net.create(100, RATE)
    pop.I = np.linspace(0.0, 2.0, 100)
    mon = net.monitor(pop, "v", period=period)
    return net, pop, mon


# -- populations (create) -------------------------------------------------------
@pytest.mark.parametrize("size", [10**12, (10**6, 10**6), (10**10, 10**10, 10**10)])
def test_a_population_too_large_for_memory_is_refused_before_allocating(size):
    net = Network(dt=1.0, seed=3)
    small = net.create(10, LIF)
    with pytest.raises(NetworkError) as info:
        net.create(size, LIF, name="huge")
    msg = str(info.value)
    n = int(np.prod(np.array(size, dtype=object)))
    assert f"{n:,}" in msg and "'huge'" in msg
    per, once = population_bytes(LIF.ir, 1, np.float64)
    assert f"{2 * per} B per neuron" in msg            # every array, twice (the reset copy)
    assert re.search(r"memory available now", msg) and "fewer neurons" in msg
    # nothing half-made: the network runs as before
    assert [p.name for p in net._populations] == [small.name]
    net.compile()
    net.simulate(20.0)
    ref = Network(dt=1.0, seed=3)
    rp = ref.create(10, LIF)
    ref.compile()
    ref.simulate(20.0)
    np.testing.assert_array_equal(small.v, rp.v)


def test_the_estimate_counts_every_array_in_its_dtype():
    """Bytes per neuron: the model's attributes in their dtype, the summed
    input of each target, and the spiking internals (measured on a real
    population: the estimate is exact for the arrays it names)."""
    for precision, item in (("double", 8), ("float", 4)):
        net = _net(precision)
        pop = net.create(1000, LIF)
        per, once = population_bytes(LIF.ir, 1000, net._float_dtype)
        counted = sum(a.nbytes for a in pop._arrays.values()) + sum(
            a.nbytes for a in pop._internals.values())
        assert per * 1000 + once == counted     # (1000 flags: no padding)
        # tau, I, v, g_exc; sum(exc); refr, refractory, last_spike, spk, flag
        assert per == 4 * item + item + (4 + item + 8 + 4 + 1)


def test_the_memory_available_bounds_the_population(monkeypatch):
    per, once = population_bytes(RATE.ir, 1, np.float64)
    monkeypatch.setattr(connect_args, "available_memory", lambda: 2 * (per * 5000 + once))
    net = Network(dt=1.0)
    net.create(5000, RATE)                   # exactly fits
    with pytest.raises(NetworkError, match="5,001 'Neuron' neurons would need"):
        net.create(5001, RATE)
    assert len(net._populations) == 1


def test_a_memory_error_while_allocating_becomes_the_engines_error(monkeypatch):
    net = Network(dt=1.0, seed=3)
    pop = net.create(10, LIF)

    def fail(self):
        raise MemoryError("Unable to allocate")
    monkeypatch.setattr(Population, "_allocate", fail)
    with pytest.raises(NetworkError, match="numpy could not allocate it"):
        net.create(1000, LIF, name="late")
    monkeypatch.undo()
    assert net._populations == [pop]
    late = net.create(1000, LIF, name="late")   # the name is free again
    net.compile()
    net.simulate(5.0)
    assert late.v.shape == (1000,)


# -- recordings (simulate) ----------------------------------------------------------
def test_simulate_refuses_a_recording_that_cannot_fit():
    net, pop, mon = _rate_net()
    net.compile()
    net.simulate(10.0)
    before = mon.get("v", keep=True).copy()
    with pytest.raises(NetworkError) as info:
        net.simulate(1e12)
    msg = str(info.value)
    need = 10**12 * 100 * 8
    assert f"monitor {mon.name!r}" in msg and "'v' (100 x 8 B)" in msg
    assert f"{need / 2**40:,.1f} TiB" in msg and "memory available now" in msg
    assert "period=" in msg
    # refused before running: nothing happened
    assert net.current_step == 10
    net.simulate(10.0)
    v, rec = _reference(_rate_net, 20.0)
    np.testing.assert_array_equal(pop.v, v)
    np.testing.assert_array_equal(mon.get("v"), rec)
    np.testing.assert_array_equal(rec[:10], before)


@pytest.mark.parametrize("period, precision, item", [(None, None, 8), (1.0, "float", 4),
                                                      (7.0, None, 8), (250.0, "float", 4)])
def test_the_recording_estimate_counts_records_columns_and_dtype(monkeypatch, period,
                                                                 precision, item):
    """Records x columns x itemsize, summed over the recorded variables (local
    and population-wide), against an allowance of exactly that many bytes."""
    def make():
        net = _net(precision)
        pop = net.create(100, RATE)
        mon = net.monitor(pop[10:40], ["v", "g"], period=period)
        return net, pop, mon
    net, pop, mon = make()
    net.compile()
    steps = 1000
    rows = -(-steps // int(period or 1))
    need = rows * (30 + 1) * item
    monkeypatch.setattr(connect_args, "available_memory", lambda: need)
    net.simulate(steps)                       # exactly fits
    assert mon.get("v").shape == (rows, 30)
    net.reset()
    monkeypatch.setattr(connect_args, "available_memory", lambda: need - 1)
    with pytest.raises(NetworkError, match=rf"{rows:,} records .* of 'v' \(30 x {item} B\), "
                                           rf"'g' \(1 x {item} B\)"):
        net.simulate(steps)


def test_a_paused_monitor_needs_nothing(monkeypatch):
    net, pop, mon = _rate_net()
    net.compile()
    mon.pause()
    monkeypatch.setattr(connect_args, "available_memory", lambda: 1000)
    net.simulate(1000.0)                      # nothing recorded: allowed
    assert mon.get("v").shape == (0, 100)


def test_simulate_until_stops_between_chunks_when_memory_runs_out(monkeypatch):
    """simulate_until's length is a maximum: its recording is checked chunk
    by chunk, and the run ends with the error, the network consistent."""
    net = Network(dt=1.0, seed=3)
    pop = net.create(100, RATE, stop_condition="r > 100.0 : any")
    mon = net.monitor(pop, "v")
    net.compile()
    monkeypatch.setattr(connect_args, "available_memory", lambda: 100)
    with pytest.raises(NetworkError, match="the next part of this run"):
        net.simulate_until(1e6, pop)
    assert net.current_step == 0
    monkeypatch.undo()
    assert net.simulate_until(50.0, pop) == 50.0
    assert mon.get("v").shape == (50, 100)


def test_a_spike_monitor_is_bounded_as_its_buffer_grows(monkeypatch):
    """Spikes cannot be counted before running: the run stops when the spike
    buffer cannot grow, keeping every step done; going on from there gives
    the result of one uninterrupted run."""
    def make():
        net = Network(dt=1.0, seed=3)
        pop = net.create(1000, EVERY_STEP)
        mon = net.monitor(pop, "spike")
        return net, pop, mon
    ref, _, rmon = make()
    ref.compile()
    ref.simulate(100.0)
    ref_spikes = rmon.get("spike")

    net, pop, mon = make()
    net.compile()
    # the first buffer holds 4 steps (4000 spikes, 12 B each); allow one doubling
    monkeypatch.setattr(connect_args, "available_memory", lambda: 8000 * 12)
    with pytest.raises(NetworkError, match=r"monitor 'monitor0' holds .* spikes .* "
                                           r"buffer would grow to .*the run stops here"):
        net.simulate(100.0)
    done = net.current_step
    assert 0 < done < 100
    monkeypatch.undo()
    net.simulate(100.0 - done)
    spikes = mon.get("spike")
    assert {k: list(v) for k, v in spikes.items()} == {k: list(v) for k, v in
                                                        ref_spikes.items()}


def test_a_run_on_a_worker_thread_is_checked_chunk_by_chunk(monkeypatch):
    """The live pattern (docs/live.md): a long run on a worker thread that
    stop() ends is not refused for its length; its recording is checked
    before each chunk and the run ends with the error when it cannot fit."""
    import threading

    net, pop, mon = _rate_net()
    net.compile()
    errors = []

    def work():
        try:
            net.simulate(1e12)
        except NetworkError as exc:
            errors.append(exc)
    monkeypatch.setattr(connect_args, "available_memory", lambda: 1000)
    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert len(errors) == 1 and "the next part of this run" in str(errors[0])
    assert net.current_step == 0 and not net.running
    monkeypatch.undo()
    net.simulate(20.0)
    v, rec = _reference(_rate_net, 20.0)
    np.testing.assert_array_equal(mon.get("v"), rec)


def test_a_memory_error_while_opening_the_records_becomes_the_engines_error(monkeypatch):
    from engine.runtime.monitor import Monitor

    net, pop, mon = _rate_net()
    net.compile()
    net.simulate(5.0)
    opened = Monitor._open_chunk

    def fail(self, step0, n_steps):
        raise MemoryError("Unable to allocate")
    monkeypatch.setattr(Monitor, "_open_chunk", fail)
    with pytest.raises(NetworkError, match="no memory left for the records"):
        net.simulate(5.0)
    assert net.current_step == 5
    monkeypatch.setattr(Monitor, "_open_chunk", opened)
    net.simulate(15.0)
    v, rec = _reference(_rate_net, 20.0)
    np.testing.assert_array_equal(pop.v, v)
    np.testing.assert_array_equal(mon.get("v"), rec)


@pytest.mark.parametrize("delays, match", [
    # 2 x 1,000 steps x (50 int32 ranks + an int64 count) = 416,000 B
    (100.0, r"the spike history of population 'pop0' \(1,000 steps x 50 neurons\): 406.2 KiB"),
    ("per-synapse", r"the delay ring of projection 'proj0'"),
])
def test_delay_buffers_that_cannot_fit_are_refused_at_compile(monkeypatch, delays, match):
    """A uniform delay of 1e9 ms is 1e9 steps of spike history: refused
    before compile() allocates it (here with little memory and 100 ms); the
    network compiles and runs once the memory is there."""
    from engine import Uniform

    def make():
        net = Network(dt=0.1, seed=3)
        pop = net.create(50, LIF)
        d = Uniform(1.0, 100.0) if delays == "per-synapse" else delays
        net.connect(pop, pop, "exc").fixed_probability(0.1, weights=0.5, delays=d)
        return net, pop
    net, pop = make()
    monkeypatch.setattr(connect_args, "available_memory", lambda: 1000)
    with pytest.raises(NetworkError, match=rf"the synaptic delays need .*{match}.*"
                                           r"use shorter delays"):
        net.compile()
    assert not net.compiled
    monkeypatch.undo()
    net.compile()
    net.simulate(50.0)
    ref, rp = make()
    ref.compile()
    ref.simulate(50.0)
    np.testing.assert_array_equal(pop.v, rp.v)
