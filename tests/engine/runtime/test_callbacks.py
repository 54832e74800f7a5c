"""@every callbacks: call times, state seen, effects, switches (ANNarchy 5 semantics)."""

import numpy as np
import pytest

import engine
from engine import Network, NetworkError, Neuron, every
from engine.runtime import callbacks as cbmod

# r grows by 1 per step (dt = 1): the state at a callback tells the step exactly
RAMP = Neuron(name="Ramp", parameters="I = 1.0", equations="dr/dt = I : init = 0.0")

LIF = Neuron(
    name="CbLIF",
    parameters="tau = 10.0 : population\nI = 0.0",
    equations="tau * dv/dt = I - v + Normal(0.0, 0.2)",
    spike="v >= 1.0",
    reset="v = 0.0",
    refractory=1.0,
)


def ramp_net(dt=1.0):
    net = Network(dt=dt, seed=1)
    pop = net.create(2, RAMP)
    net.compile()
    return net, pop


def test_calls_at_period_offset_and_wait_with_the_state_of_that_time():
    net, pop = ramp_net()
    seen = []

    @every(net, period=10.0)
    def plain(n):
        seen.append(("plain", n, net.time, net.current_step, pop.r[0]))

    @every(net, period=25.0, offset=-5.0, wait=30.0)
    def late(n):
        seen.append(("late", n, net.time, net.current_step, pop.r[0]))

    assert plain.__name__ == "plain"  # the function is returned unchanged
    net.simulate(100.0)
    plain_calls = [s for s in seen if s[0] == "plain"]
    assert [s[1] for s in plain_calls] == list(range(10))
    assert [s[2] for s in plain_calls] == [10.0 * k for k in range(10)]
    # the state is the one after current_step steps (r = step when I = 1, dt = 1)
    assert all(s[4] == s[3] for s in seen)
    late_calls = [s for s in seen if s[0] == "late"]
    # wait 30 + (offset -5 mod 25 = 20) -> 50, 75
    assert [(s[1], s[2]) for s in late_calls] == [(0, 50.0), (1, 75.0)]
    assert net.current_step == 100 and pop.r[0] == 100.0


def test_times_count_from_each_simulate_call_and_n_restarts():
    net, pop = ramp_net()
    seen = []
    every(net, period=30.0, offset=10.0)(lambda n: seen.append((n, net.time)))
    net.simulate(15.0)
    net.simulate(50.0)
    assert seen == [(0, 10.0), (0, 25.0), (1, 55.0)]


def test_period_shorter_than_dt_means_every_step_and_offsets_are_exact_multiples():
    net, pop = ramp_net(dt=0.1)
    seen = []
    every(net, period=0.01)(lambda n: seen.append(net.current_step))
    net.simulate(1.0)
    assert seen == list(range(10))
    net.clear_all_callbacks()
    seen.clear()
    every(net, period=0.3, offset=0.2)(lambda n: seen.append(net.current_step))  # 0.3/0.1 = 2.999..
    net.simulate(1.2)
    assert [s - 10 for s in seen] == [2, 5, 8, 11]


def test_same_time_callbacks_run_in_declaration_order():
    net, pop = ramp_net()
    order = []
    for name in "abc":
        every(net, period=5.0)(lambda n, name=name: order.append((net.current_step, name)))
    net.simulate(10.0)
    assert order == [(0, "a"), (0, "b"), (0, "c"), (5, "a"), (5, "b"), (5, "c")]


def test_callback_changes_take_effect_like_a_chunked_run():
    """Setting an input in a callback == simulating in chunks and setting it by hand."""

    def build():
        net = Network(dt=0.1, seed=5)
        pop = net.create(30, LIF)
        m = net.monitor(pop, ["v", "spike"])
        net.compile()
        return net, pop, m

    net, pop, m = build()

    @every(net, period=20.0, offset=5.0)
    def step_input(n):
        pop.I = 1.5 * (n % 2)

    net.simulate(100.0)
    got = m.get()

    ref, rpop, rm = build()
    ref.simulate(5.0)
    for n in range(5):
        rpop.I = 1.5 * (n % 2)
        ref.simulate(20.0 if n < 4 else 15.0)
    ref_got = rm.get()
    assert got["v"].shape == (1000, 30)  # monitors record across the chunks
    np.testing.assert_array_equal(got["v"], ref_got["v"])
    assert got["spike"] == ref_got["spike"]
    assert sum(map(len, got["spike"].values())) > 20


def test_switches_enable_disable_clear():
    net, pop = ramp_net()
    calls = []

    @every(net, period=10.0)
    def f(n):
        calls.append(net.current_step)

    assert net.callbacks_enabled() and cbmod.callbacks_enabled(net)
    net.disable_callbacks()
    assert not net.callbacks_enabled()
    net.simulate(30.0)
    assert calls == [] and net.current_step == 30
    net.enable_callbacks()
    net.simulate(20.0)
    assert calls == [30, 40]
    cbmod.disable_callbacks(net)
    assert not net.callbacks_enabled()
    cbmod.enable_callbacks(net)
    net.clear_all_callbacks()
    net.simulate(20.0)
    assert calls == [30, 40] and net.current_step == 70
    assert net.__dict__["_callbacks"] == []


def test_disabling_from_inside_a_callback_skips_the_remaining_calls():
    net, pop = ramp_net()
    calls = []

    @every(net, period=10.0)
    def f(n):
        calls.append(n)
        if n == 2:
            net.disable_callbacks()

    net.simulate(100.0)
    assert calls == [0, 1, 2] and net.current_step == 100


def test_simulate_inside_a_callback_runs_without_callbacks():
    net, pop = ramp_net()
    calls = []

    @every(net, period=10.0)
    def f(n):
        calls.append(net.current_step)
        if n == 0:
            net.simulate(5.0)

    net.simulate(30.0)
    assert calls == [0, 10, 20]
    assert net.current_step == 30


def test_step_and_simulate_until_do_not_call_callbacks():
    net = Network(dt=1.0, seed=1)
    pop = net.create(1, RAMP, stop_condition="r > 5.0")
    net.compile()
    calls = []
    every(net, period=1.0)(calls.append)
    net.step()
    net.simulate_until(100.0, pop)
    assert calls == []
    net.simulate(2.0)
    assert calls == [0, 1]


def test_global_style_and_package_export():
    assert engine.every is every and "every" in engine.__all__
    with Network(dt=1.0, seed=1) as net:
        pop = net.create(1, RAMP)

        @every(period=4.0)
        def f(n):
            calls.append(n)

    calls = []
    net.compile()
    net.simulate(10.0)
    assert calls == [0, 1, 2]


def test_bad_declarations_are_reported():
    net, pop = ramp_net()
    with pytest.raises(NetworkError, match="first argument is the network"):
        every(100.0)
    with pytest.raises(NetworkError, match="period must be a number"):
        every(net, period="often")
    with pytest.raises(NetworkError, match="must be finite"):
        every(net, period=float("nan"))
    with pytest.raises(NetworkError, match="must accept one argument n"):
        every(net, period=10.0)(lambda: None)
    with pytest.raises(NetworkError, match="decorates a function"):
        every(net, period=10.0)(42)
    assert not net.__dict__.get("_callbacks")


def test_a_failing_callback_propagates_and_the_network_stays_usable():
    net, pop = ramp_net()

    @every(net, period=10.0, offset=5.0)
    def boom(n):
        raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError, match="callback failed"):
        net.simulate(20.0)
    assert net.current_step == 5
    net.clear_all_callbacks()
    net.simulate(5.0)
    assert net.current_step == 10 and pop.r[0] == 10.0
