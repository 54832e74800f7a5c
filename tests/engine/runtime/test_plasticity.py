"""Synaptic plasticity: events, event-driven traces, continuous updates,
scopes, bounds and the learning switches, against closed forms."""

import numpy as np
import pytest

from engine import Network, Neuron, Synapse
from engine.errors import NetworkError

# a neuron that spikes once, at time ts (ms); g_exc is its conductance (unused)
CLOCK = Neuron(parameters="ts = -1.0", equations="x = g_exc", spike="abs(t - ts) < 0.5*dt")

STDP = Synapse(
    parameters="""
        tau_plus = 20.0 : projection
        tau_minus = 20.0 : projection
        A_plus = 0.01 : projection
        A_minus = 0.0105 : projection
        w_min = 0.0 : projection
        w_max = 1.0 : projection
    """,
    equations="""
        tau_plus  * dx/dt = -x : event-driven
        tau_minus * dy/dt = -y : event-driven
    """,
    pre_spike="""
        g_target += w
        x += A_plus * w_max
        w = clip(w - y, w_min, w_max)
    """,
    post_spike="""
        y += A_minus * w_max
        w = clip(w + x, w_min, w_max)
    """,
    name="STDP")


def _pairs(deltas, dt=0.1, w0=0.5, learn=True):
    """One pre->post pair per delta (t_post - t_pre, ms); returns the weights."""
    n = len(deltas)
    net = Network(dt=dt, seed=1)
    pre = net.create(n, CLOCK)
    post = net.create(n, CLOCK)
    pre.ts = [100.0 - min(d, 0.0) for d in deltas]
    post.ts = [100.0 + max(d, 0.0) for d in deltas]
    proj = net.connect(pre, post, "exc", synapse=STDP)
    proj.one_to_one(weights=w0)
    if not learn:
        net.disable_learning()
    mpost = net.monitor(post, "x")
    net.compile()
    net.simulate(300.0)
    w = np.array([proj.dendrite(i).w[0] for i in range(n)])
    traces = np.array([[proj.dendrite(i).x[0], proj.dendrite(i).y[0]] for i in range(n)])
    return (w, mpost, traces) if not learn else (w, mpost)


def test_stdp_weight_change_follows_the_pair_window():
    dt = 0.1
    deltas = [-40.0, -20.0, -10.0, -5.0, -1.0, 1.0, 5.0, 10.0, 20.0, 40.0]
    w, _ = _pairs(deltas, dt)
    dw = w - 0.5
    # the pre-synaptic spike reaches the synapse one step after it is emitted
    # (the minimal delay) and sees the traces as of the step before (ANNarchy):
    # potentiation sees t_post - (t_pre + dt), depression t_post - t_pre
    d = np.array(deltas)
    eff = np.where(d > 0, d - dt, d)
    expected = np.where(d > 0, 0.01 * np.exp(-eff / 20.0), -0.0105 * np.exp(eff / 20.0))
    np.testing.assert_allclose(dw, expected, rtol=1e-9, atol=1e-12)
    # and the textbook window exp(-|delta|/tau) within the one-step shift
    window = np.where(np.array(deltas) > 0, 0.01 * np.exp(-np.abs(deltas) / 20.0),
                      -0.0105 * np.exp(-np.abs(deltas) / 20.0))
    np.testing.assert_allclose(dw, window, rtol=dt / 20.0 * 1.01)


def test_weights_respect_bounds_and_learning_can_be_switched_off():
    w, _ = _pairs([1.0, -1.0], w0=0.999)
    assert w[0] == pytest.approx(1.0)          # clipped at w_max
    assert w[1] == pytest.approx(0.999 - 0.0105 * np.exp(-1.0 / 20.0))
    w, mpost, traces = _pairs([5.0, -5.0], learn=False)
    np.testing.assert_array_equal(w, [0.5, 0.5])
    # as ANNarchy: with learning off, spiking synapses freeze only w; the
    # traces still jumped at the spikes (x by A_plus, y by A_minus)
    assert np.all(traces[:, 0] > 0) and np.all(traces[:, 1] > 0)
    # transmission continued: each post neuron received its pre spike
    assert np.all(mpost.get("x").max(axis=0) == pytest.approx(0.5))


def test_disable_then_enable_learning_between_runs():
    net = Network(dt=1.0, seed=2)
    pre = net.create(1, Neuron(parameters="r = 1.0"))
    post = net.create(1, Neuron(equations="r = sum(exc)"))
    grow = Synapse(parameters="eta = 0.5", equations="dw/dt = eta")
    proj = net.connect(pre, post, "exc", synapse=grow)
    proj.all_to_all(weights=0.0)
    net.compile()
    net.simulate(10.0)
    assert proj.w[0][0] == pytest.approx(5.0)
    net.disable_learning()
    assert not proj.learning
    net.simulate(10.0)
    assert proj.w[0][0] == pytest.approx(5.0)
    assert post.r[0] == pytest.approx(5.0)      # still transmitted
    net.enable_learning(period=5.0)            # every 5 steps, starting now
    net.simulate(10.0)
    assert proj.w[0][0] == pytest.approx(5.0 + 2 * 0.5)
    net.enable_learning([proj], period=1.0, offset=4.0)
    net.simulate(10.0)
    assert proj.w[0][0] == pytest.approx(6.0 + 6 * 0.5)
    with pytest.raises(NetworkError, match="learning period must be > 0"):
        net.enable_learning(period=0.0)
    with pytest.raises(NetworkError, match="no projection named"):
        net.disable_learning(["nothere"])


def test_continuous_synaptic_ode_matches_exponential_decay():
    # explicit Euler on tau dw/dt = -w: w_n = w0 (1 - dt/tau)^n
    net = Network(dt=0.5, seed=3)
    pre = net.create(3, Neuron(parameters="r = 1.0"))
    post = net.create(2, Neuron(equations="r = sum(exc)"))
    syn = Synapse(parameters="tau = 10.0", equations="tau * dw/dt = -w")
    proj = net.connect(pre, post, "exc", synapse=syn)
    proj.all_to_all(weights=2.0)
    net.compile()
    net.simulate(20.0)
    expected = 2.0 * (1 - 0.5 / 10.0) ** 40
    np.testing.assert_allclose(np.array(proj.w, dtype=float), expected, rtol=1e-12)
    # post.r is the sum of the weights of the previous step (1 step of transmission)
    assert post.r[0] == pytest.approx(3 * 2.0 * (1 - 0.05) ** 39)


def test_postsynaptic_and_projection_scopes():
    net = Network(dt=1.0, seed=4)
    pre = net.create(4, Neuron(parameters="r = 1.0"))
    post = net.create(2, Neuron(parameters="k = 1.0\neps = 0.0", equations="r = k + eps*sum(exc)"))
    post.k = [1.0, 3.0]
    syn = Synapse(parameters="eta = 0.1 : projection", equations="""
        theta = post.r * 2.0 : postsynaptic
        total = eta * 2.0 : projection
        dw/dt = eta * (theta - w)
    """)
    proj = net.connect(pre, post, "exc", synapse=syn)
    proj.all_to_all(weights=0.0)
    net.compile()
    net.simulate(1.0)
    np.testing.assert_allclose(proj.theta, [2.0, 6.0])
    # w integrates after theta of the same step: w = eta * theta
    np.testing.assert_allclose(proj.dendrite(1).w, [0.6] * 4)
    np.testing.assert_allclose(proj.dendrite(0).w, [0.2] * 4)
    assert proj.total == pytest.approx(0.2)
    bad = Synapse(equations="theta = post.r : postsynaptic\ntotal = theta : projection")
    with pytest.raises(NetworkError, match="total is projection-wide .* finer-grained "
                                           "values \\(theta\\)"):
        net2 = Network()
        a = net2.create(1, Neuron(equations="r = sum(exc)"))
        net2.connect(a, a, "exc", synapse=bad)


def test_oja_rule_converges_to_the_first_principal_component():
    rng = np.random.default_rng(0)
    C = np.array([[3.0, 1.2], [1.2, 1.0]])
    L = np.linalg.cholesky(C)
    evals, evecs = np.linalg.eigh(C)
    pc1 = evecs[:, np.argmax(evals)]
    net = Network(dt=1.0, seed=5)
    pre = net.create(2, Neuron(parameters="r = 0.0"))
    post = net.create(1, Neuron(equations="r = sum(exc)"))
    oja = Synapse(parameters="tau = 200.0\nalpha = 1.0",
                  equations="tau * dw/dt = pre.r * post.r - alpha * post.r^2 * w")
    proj = net.connect(pre, post, "exc", synapse=oja)
    proj.all_to_all(weights=[[0.3, -0.2]])
    net.compile()
    for _ in range(3000):
        pre.r = L @ rng.standard_normal(2)
        net.simulate(2.0)  # post.r follows pre.r after one step; learning uses both
    w = np.array(proj.dendrite(0).w)
    assert np.linalg.norm(w) == pytest.approx(1.0, abs=0.1)
    assert abs(w @ pc1) / np.linalg.norm(w) > 0.99


def test_pre_spike_can_write_post_variables_and_semiglobal_counts():
    net = Network(dt=1.0, seed=6)
    pre = net.create(3, CLOCK)
    pre.ts = [2.0, 2.0, 5.0]
    post = net.create(1, Neuron(parameters="count = 0.0\nts = -1.0", equations="x = g_exc",
                                spike="abs(t - ts) < 0.5*dt"))
    syn = Synapse(equations="n = 0.0 : postsynaptic", pre_spike="""
        g_target += w
        post.count += 1.0
    """)
    proj = net.connect(pre, post, "exc", synapse=syn)
    proj.all_to_all(weights=1.0)
    net.compile()
    net.simulate(10.0)
    assert post.count[0] == 3.0


def test_class_syntax_stdp_and_trace_synapse_with_apply():
    """The prototype's class-based STDP and TraceSynapse (with proj.apply())."""
    from engine import Equations

    class SpikingSynapse(Synapse):
        def __init__(self):
            self.w = self.Weight()

        def transmit(self):
            self.transmit_on_spike = True
            with Equations(self) as s:
                s.post.target += s.w
            return s

    class ClassSTDP(SpikingSynapse):
        def __init__(self, tau=20.0):
            self.tau = self.Value(tau)
            self.w = self.Weight()
            self.x = self.Array(init=0.0)
            self.y = self.Array(init=0.0)

        def update(self):
            with Equations(self, method="event-driven") as s:
                s.dx_dt = -s.x / s.tau
                s.dy_dt = -s.y / s.tau
            return s

        def on_pre(self):
            with Equations(self) as s:
                s.x += 0.01
                s.w -= s.y
            return s

        def on_post(self):
            with Equations(self) as s:
                s.y += 0.01
                s.w += s.x
            return s

    net = Network(dt=0.1, seed=7)
    pre, post = net.create(2, CLOCK), net.create(2, CLOCK)
    pre.ts, post.ts = [100.0, 110.0], [110.0, 100.0]
    proj = net.connect(pre, post, "exc", synapse=ClassSTDP)
    proj.one_to_one(weights=0.5)
    net.compile()
    net.simulate(200.0)
    w = [proj.dendrite(0).w[0], proj.dendrite(1).w[0]]
    np.testing.assert_allclose(w, [0.5 + 0.01 * np.exp(-9.9 / 20), 0.5 - 0.01 * np.exp(-10.0 / 20)],
                               rtol=1e-12)

    class RateCodedSynapse(Synapse):
        def __init__(self):
            self.w = self.Weight()

        def transmit(self):
            with Equations(self) as s:
                s.post.target += s.w * s.pre.r
            return s

    class TraceSynapse(RateCodedSynapse):
        def __init__(self, tau=10.0, eta=0.1):
            self.tau = self.Value(tau)
            self.eta = self.Value(eta)
            self.w = self.Weight()
            self.trace = self.Array(init=0.0)

        def update(self):
            with Equations(self, method="euler") as s:
                s.dtrace_dt = (s.pre.r - s.trace) / s.tau
            return s

        def apply(self):
            with Equations(self) as s:
                s.w += s.eta * s.trace * s.post.r * s.post.R
            return s

    net = Network(dt=1.0, seed=8)
    src = net.create(2, Neuron(parameters="r = 1.0"))
    dst = net.create(1, Neuron(parameters="R = 0.0", equations="r = sum(ge)"))
    src.r = [1.0, 2.0]
    proj = net.connect(src, dst, "ge", synapse=TraceSynapse)
    proj.all_to_all(weights=0.5)
    net.compile()
    net.simulate(100.0)
    trace = np.array([1.0, 2.0]) * (1 - (1 - 0.1) ** 100)
    np.testing.assert_allclose(proj.dendrite(0).trace, trace, rtol=1e-12)
    w_before = np.array(proj.dendrite(0).w)
    proj.apply()                       # R = 0: no reward, no change
    np.testing.assert_array_equal(proj.dendrite(0).w, w_before)
    dst.R = 1.0
    proj.apply()
    np.testing.assert_allclose(proj.dendrite(0).w, w_before + 0.1 * trace * dst.r[0], rtol=1e-12)
    net.disable_learning()             # apply() is explicit: it ignores the switch
    proj.apply()
    assert proj.dendrite(0).w[0] > w_before[0] + 0.15 * trace[0] * dst.r[0]
    with pytest.raises(NetworkError, match="defines no apply"):
        Network  # noqa: B018
        net2 = Network()
        a = net2.create(1, Neuron(equations="r = sum(exc)"))
        p2 = net2.connect(a, a, "exc")
        p2.all_to_all(1.0, allow_self_connections=True)
        net2.compile()
        p2.apply()


def test_save_load_keeps_learning_state_and_continues_identically(tmp_path):
    def build():
        net = Network(dt=0.1, seed=9)
        pre, post = net.create(3, CLOCK), net.create(3, CLOCK)
        pre.ts, post.ts = [10.0, 20.0, 60.0], [15.0, 15.0, 62.0]
        proj = net.connect(pre, post, "exc", synapse=STDP)
        proj.all_to_all(weights=0.5)
        net.compile()
        return net, proj

    ref, ref_proj = build()
    ref.simulate(100.0)
    net, proj = build()
    net.simulate(50.0)
    net.save(tmp_path / "state.npz")
    other, other_proj = build()
    other.load(tmp_path / "state.npz")
    assert other.current_step == 500
    np.testing.assert_array_equal(other_proj._last, proj._last)
    other.simulate(50.0)
    np.testing.assert_array_equal(np.array(other_proj.w), np.array(ref_proj.w))
    np.testing.assert_array_equal(np.array(other_proj.x), np.array(ref_proj.x))


def test_consecutive_odes_of_different_scopes_run_scope_by_scope():
    # ANNarchy's IBCM: theta (per post neuron) then w (per synapse) written as ODEs
    net = Network(dt=1.0, seed=10)
    pre = net.create(2, Neuron(parameters="r = 1.0"))
    post = net.create(1, Neuron(parameters="c = 2.0\neps = 0.0", equations="r = c + eps*sum(exc)"))
    ibcm = Synapse(parameters="eta = 0.01 : projection\ntau = 50.0 : projection",
                   equations="""
                       tau * dtheta/dt + theta = post.r^2 : postsynaptic
                       dw/dt = eta * post.r * (post.r - theta) * pre.r
                   """)
    proj = net.connect(pre, post, "exc", synapse=ibcm)
    proj.all_to_all(weights=0.0)
    net.compile()
    net.simulate(3.0)
    theta, w = 0.0, 0.0
    for _ in range(3):  # theta first (its loop runs before the synapses'), then w
        theta = theta + (4.0 - theta) / 50.0
        w = w + 0.01 * 2.0 * (2.0 - theta)
    assert proj.theta[0] == pytest.approx(theta, rel=1e-12)
    np.testing.assert_allclose(proj.dendrite(0).w, [w, w], rtol=1e-12)


def test_modulo_of_sums_is_parenthesised():
    net = Network(dt=1.0)
    pop = net.create(1, Neuron(parameters="p = 4.0\nq = 2.0",
                               equations="a = modulo(t + 1.0, p)\nb = modulo(t, q*p)\nr = a"))
    net.compile()
    net.simulate(6.0)   # last step: t = 5
    assert pop.a[0] == 2.0 and pop.b[0] == 5.0


def test_monitor_records_postsynaptic_synaptic_variables():
    net = Network(dt=1.0, seed=11)
    pre = net.create(2, Neuron(parameters="r = 1.0"))
    post = net.create(3, Neuron(parameters="c = 1.0\neps = 0.0", equations="r = c + eps*sum(exc)"))
    post.c = [1.0, 2.0, 3.0]
    syn = Synapse(parameters="tau = 10.0 : projection",
                  equations="tau * dtheta/dt = post.r^2 - theta : postsynaptic")
    proj = net.connect(pre, post[[0, 2]], "exc", synapse=syn)   # dendrites of posts 0 and 2
    proj.all_to_all(weights=1.0)
    m_all = net.monitor(proj, ["theta", "w"])
    m_one = net.monitor(proj.dendrite(2), "theta")
    net.compile()
    net.simulate(5.0)
    theta = m_all.get("theta")
    assert theta.shape == (5, 2)                # one column per dendrite (posts 0 and 2)
    steps = np.arange(1, 6)[:, None]
    expected = np.array([1.0, 9.0]) * (1 - (1 - 0.1) ** steps)
    np.testing.assert_allclose(theta, expected, rtol=1e-12)
    # a dendrite's records drop the dendrite axis (ANNarchy's squeeze)
    np.testing.assert_allclose(m_one.get("theta"), expected[:, 1], rtol=1e-12)


def test_plastic_synapses_with_per_synapse_delays_learn_at_arrival():
    dt = 0.1
    delays = np.array([0.5, 1.0, 2.0, 3.3, 0.1, 4.0])    # ms, one per pair
    deltas = np.array([5.0, 5.0, 5.0, -5.0, -5.0, 10.0])
    n = len(deltas)
    net = Network(dt=dt, seed=12)
    pre, post = net.create(n, CLOCK), net.create(n, CLOCK)
    pre.ts = 100.0 - np.minimum(deltas, 0.0)
    post.ts = 100.0 + np.maximum(deltas, 0.0)
    proj = net.connect(pre, post, "exc", synapse=STDP)
    W = np.where(np.eye(n, dtype=bool), 0.5, np.nan)      # NaN: no synapse
    D = np.where(np.eye(n, dtype=bool), delays[:, None], 0.0)
    proj.from_matrix(W, delays=D)
    assert not proj.uniform_delay
    mx = net.monitor(post, "x")
    net.compile()
    assert "events" in net._layout().projections[0].delay_mode
    net.simulate(200.0)
    w = np.array([proj.dendrite(i).w[0] for i in range(n)])
    # the event runs when the spike arrives; a pre-synaptic event sees the
    # traces as of the step before its arrival (ANNarchy)
    seen = deltas - delays
    seen = np.where(seen > 0, seen, seen + dt)
    expected = 0.5 + np.where(deltas - delays > 0, 0.01 * np.exp(-seen / 20.0),
                              -0.0105 * np.exp(seen / 20.0))
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    # transmission at arrival (g_target += w is written before the update of
    # w, so it uses the weight before this event): post i receives 0.5 at
    # t_pre + delay
    x = mx.get("x")
    arrival = np.rint((pre.ts + delays) / dt).astype(int)
    for i in range(n):
        assert np.flatnonzero(x[:, i]).tolist() == [arrival[i]]
        assert x[arrival[i], i] == pytest.approx(0.5)
