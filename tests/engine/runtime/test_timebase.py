"""The time base: ``config(dt=...)`` after objects exist (before compile), and
setting the clock (``net.time = t``, ``set_time``, ``set_current_step``).

References: the same network built directly with the final dt, and the same
network run without moving its clock."""

import numpy as np
import pytest

import engine as ann
from engine import NetworkError

LIF = ann.Neuron(
    parameters="tau = 10.0",
    equations="tau * dv/dt = -v + g_exc",
    spike="v > 0.5",
    reset="v = 0.0",
    refractory=3.0,
)

TRACE = ann.Synapse(  # an event-driven trace: its decay uses the last event's step
    parameters="tau_x = 20.0",
    equations="tau_x * dx/dt = -x : event-driven",
    pre_spike="g_target += w\nx += 1.0",
)

WEIGHTS = [[20.0, 3.0], [5.0, 20.0]]            # (post, pre)
DELAYS = np.array([[2.5, 4.0], [1.0, 3.0]])     # ms, multiples of 0.5 only


def build(dt, dt_after=None, synapse=None):
    net = ann.Network(dt=dt, seed=1)
    src = net.create(ann.SpikeSourceArray(spike_times=[[5.0, 6.0, 12.5, 30.0], [7.5]]))
    post = net.create(2, LIF)
    proj = net.connect(src, post, "exc", synapse=synapse).all_to_all(
        weights=WEIGHTS, delays=DELAYS)
    timed = net.create(ann.TimedArray(rates=np.array([[1.0], [2.0], [3.0]]), schedule=2.5))
    m = net.monitor(post, ["v", "spike"], period=2.0)
    mt = net.monitor(timed, "r")
    # a uniform delay: the spike history of the source (not a per-synapse ring)
    post2 = net.create(2, LIF)
    net.connect(src, post2, "exc").one_to_one(weights=5.0, delays=1.5)
    net.__dict__["_uniform_monitor"] = net.monitor(post2, "v")
    poisson = net.create(ann.PoissonPopulation(20, rates=50.0))
    net.__dict__["_poisson_monitor"] = net.monitor(poisson, "spike")
    if dt_after is not None:
        net.config(dt=dt_after)
    net.compile()
    return net, src, proj, m, mt


# -- config(dt=...) before compile --------------------------------------------------------
def test_dt_changed_after_creation_gives_the_network_built_with_that_dt():
    late = build(1.0, dt_after=0.5)
    direct = build(0.5)
    for net, src, proj, m, mt in (late, direct):
        assert net.dt == 0.5
        # at dt = 1 ms, 2.5 ms and 12.5 ms would have been 2 and 12 steps (half to even)
        assert src.spike_times == [[5.0, 6.0, 12.5, 30.0], [7.5]]
        assert [list(d) for d in proj.delay] == [[2.5, 4.0], [1.0, 3.0]]
        net.simulate(40.0)
    (_, _, _, m1, t1), (_, _, _, m2, t2) = late, direct
    v1, v2 = m1.get("v"), m2.get("v")
    assert v1.shape == (20, 2)            # period 2 ms: every 4 steps of 0.5 ms
    np.testing.assert_array_equal(v1, v2)
    s1, s2 = m1.get("spike"), m2.get("spike")
    assert s1 == s2 == {0: [15, 30, 65], 1: [21]}   # steps of 0.5 ms
    # Poisson probabilities (rates * dt / 1000) and refractory steps are computed in the loop
    p1 = late[0]._poisson_monitor.get("spike")
    assert p1 == direct[0]._poisson_monitor.get("spike")
    assert 20 < sum(len(v) for v in p1.values()) < 60   # 20 x 50 Hz x 40 ms: 40 +- 6.3
    r = t1.get("r")[:, 0]
    np.testing.assert_array_equal(r, t2.get("r")[:, 0])
    # the schedule of 2.5 ms is 5 steps: rows 1, 2, 3 then the last one held
    np.testing.assert_array_equal(r[:16], [1.0] * 5 + [2.0] * 5 + [3.0] * 6)


def test_every_callbacks_keep_their_period_in_ms():
    net = ann.Network(dt=1.0)
    net.create(1, LIF)
    calls, short = [], []

    @ann.every(net, period=2.0)
    def each(n):
        calls.append(net.time)

    @ann.every(net, period=0.5)     # shorter than dt = 1 ms: one step
    def fast(n):
        short.append(net.time)

    net.config(dt=0.5)
    net.compile()
    net.simulate(10.0)
    assert calls == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert len(short) == 10         # every 1 ms: the period was raised when declared
    net2 = ann.Network(dt=0.5)
    net2.create(1, LIF)
    ann.every(net2, period=0.25)(lambda n: None)
    net2.config(dt=1.0)             # shorter than the new dt: one step of 1 ms
    assert net2.__dict__["_callbacks"][0].period == 1.0


def test_a_dt_that_does_not_fit_is_refused_and_changes_nothing():
    net = ann.Network(dt=1.0)
    pop = net.create(2, LIF)
    m = net.monitor(pop, "v", period=3.0)
    with pytest.raises(NetworkError, match=r"dt cannot change from 1.0 to 2.0 ms: monitor "
                                           r"period 3.0 ms is not a positive multiple"):
        net.config(dt=2.0)
    assert net.dt == 1.0 and m._period_steps == 3
    net.config(dt=0.5)                    # fits: 6 steps
    assert m._period_steps == 6

    gap = ann.Synapse(psp="w * (pre.v - post.v)")   # summed every step: no delay
    net2 = ann.Network(dt=1.0)
    a, b = net2.create(2, LIF), net2.create(2, LIF)
    net2.connect(a, b, "exc", synapse=gap).all_to_all(weights=1.0, delays=1.0)
    with pytest.raises(NetworkError, match="takes no delay: its delay of 1.0 ms is 2 steps"):
        net2.config(dt=0.5)
    assert net2.dt == 1.0


def test_dt_refusals_name_the_object_and_the_fix():
    net = ann.Network(dt=1.0)
    pop = net.create(2, LIF)
    proj = net.connect(pop, pop, "exc").all_to_all(weights=1.0)
    proj.enable_learning(period=2.0)
    with pytest.raises(NetworkError, match=r"projection 'proj0' has a learning period set with "
                                           r"enable_learning\(period=..., offset=...\): call "
                                           r"it after config\(dt=...\)"):
        net.config(dt=0.5)
    bold_net = ann.Network(dt=1.0)
    region = bold_net.create(3, ann.Neuron(parameters="inp = 0.0", equations="r = inp"))
    bold_net.boldmonitor(populations=[region], name="fmri")
    with pytest.raises(NetworkError, match=r"the BOLD monitor\(s\) 'fmri' converted their "
                                           r"times to steps when created: set dt before"):
        bold_net.config(dt=0.5)
    assert bold_net.dt == 1.0
    net.compile()
    net.config(dt=1.0)                    # unchanged: accepted
    with pytest.raises(NetworkError, match=r"'dt' cannot change after compile\(\)"):
        net.config(dt=0.5)


# -- setting the clock ------------------------------------------------------------------
def test_moving_the_clock_keeps_spikes_in_flight_and_event_driven_traces():
    moved = build(0.5, synapse=TRACE)
    still = build(0.5, synapse=TRACE)
    for net, *_ in (moved, still):
        net.simulate(8.0)   # an event at 7.5 ms passed; spikes of 6 and 7.5 ms in flight
    assert moved[2]._last.max() > 0       # the synapses have had events
    net, src, proj, m, _ = moved
    m.get()                               # keep what comes after the jump only
    still[3].get()
    # step 2004: the monitor's period (4 steps, from 0) keeps its phase, and the move
    # (1988 steps) is no multiple of the spike history's length (8 steps)
    net.time = 1002.0
    assert (net.current_step, net.time) == (2004, 1002.0)
    net.simulate(40.0)
    still[0].simulate(40.0)
    v_moved, v_still = m.get("v"), still[3].get("v")
    np.testing.assert_array_equal(v_moved, v_still)
    u_moved, u_still = net._uniform_monitor.get("v"), still[0]._uniform_monitor.get("v")
    # 16 steps before the jump, 80 after; the spike emitted at 7.5 ms arrives after it
    assert u_moved.shape == (96, 2) and u_still[16:].max() > 0.1
    np.testing.assert_array_equal(u_moved, u_still)
    # event-driven x decays from its last event: equal only if that step moved too
    np.testing.assert_array_equal(np.concatenate(proj.x), np.concatenate(still[2].x))
    assert np.concatenate(proj.x).max() > 0.1
    assert src.spike_times == still[1].spike_times


def test_spike_times_follow_the_clock_and_monitors_split_their_intervals():
    moved, still = build(0.5), build(0.5)
    moved[0].simulate(6.0)
    still[0].simulate(6.0)
    moved[0].current_step = 100           # 50 ms
    moved[0].simulate(40.0)
    still[0].simulate(40.0)
    spikes_moved = moved[3].get("spike")
    spikes_still = still[3].get("spike")
    assert any(spikes_still.values())
    assert {k: [s - 88 for s in v] for k, v in spikes_moved.items()} == spikes_still
    m = moved[4]
    assert m.times()["r"] == {"start": [0, 100], "stop": [12, 180]}   # steps (dt 0.5)


def test_the_global_functions_act_on_the_active_network():
    with ann.Network(dt=0.25) as net:
        pop = net.create(1, LIF)
        with pytest.raises(NetworkError, match=r"the time can only be set once the network is "
                                               r"compiled"):
            ann.set_time(5.0)
        ann.set_time(0.0)                 # no change: accepted (ANNarchy only warns)
        net.compile()
        ann.set_time(0.75)                # 3 steps exactly (0.75 / 0.25)
        assert (ann.get_current_step(), ann.get_time()) == (3, 0.75)
        ann.set_current_step(40)
        assert (net.current_step, ann.get_time()) == (40, 10.0)
        ann.set_time(0.3)                 # not a multiple: truncated, as ANNarchy's int(t/dt)
        assert net.current_step == 1
        net.set_time(0.3 / 0.1 * 0.25)    # 0.75 up to rounding: 3 steps, not 2
        assert net.get_current_step() == 3
        assert pop.size == 1


@pytest.mark.parametrize("value, message", [
    (-1.0, r"the time must be a finite number of ms >= 0, got -1.0"),
    (float("nan"), r"the time must be a finite number of ms >= 0, got nan"),
    ("soon", r"the time is a number of ms, got 'soon'"),
])
def test_bad_times_are_refused(value, message):
    net = ann.Network()
    net.create(1, LIF)
    net.compile()
    with pytest.raises(NetworkError, match=message):
        net.time = value
    with pytest.raises(NetworkError, match=r"the current step is a whole number >= 0, got 2.5"):
        net.current_step = 2.5
    assert net.current_step == 0


def test_the_clock_cannot_move_during_a_run():
    net = ann.Network()
    net.create(1, LIF)
    net.compile()
    moves = []
    net.on("clock", lambda e: moves.append((e.first_step, e.last_step)))

    def jump(event):
        net.time = 0.0

    net.on("chunk", jump)
    with pytest.raises(NetworkError, match=r"the time cannot be set during simulate\(\)"):
        net.simulate(10.0)
    net.off("chunk", jump)
    before = net.current_step
    net.current_step = 7
    assert moves == [(before, 7)]
