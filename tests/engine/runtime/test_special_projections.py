"""CurrentInjection and DecodingProjection, checked against hand computations."""

import math

import numpy as np
import pytest

from engine import (
    CurrentInjection, DecodingProjection, InputArray, Network, NetworkError, Neuron,
    PoissonPopulation, SpikeSourceArray,
)

# rate-coded source: r = k*t, so r after step n is k*n*dt
RAMP = Neuron(parameters="k = 1.0", equations="r = k * t", name="Ramp")
# spiking receiver: x shows the conductance of the step, v integrates it
RECEIVER = Neuron(equations="x = g_exc\ndv/dt = g_exc", spike="v > 1e9", name="Receiver")
READOUT = Neuron(equations="r = sum(exc)", name="Readout")


# ---------------------------------------------------------------------------
# CurrentInjection
# ---------------------------------------------------------------------------

def test_current_injection_sets_g_target_to_pre_r_each_step():
    dt, n = 0.5, 12
    net = Network(dt=dt, seed=1)
    pre = net.create(3, RAMP)
    pre.k = [1.0, 2.0, -3.0]
    post = net.create(3, RECEIVER)
    proj = net.connect(projection=CurrentInjection(pre, post, "exc"))
    assert proj.connect_current() is proj
    m = net.monitor(post, ["x", "v"])
    net.compile()
    net.simulate(n * dt)
    data = m.get()
    # at step s the projection reads r after step s - 1: k*(s - 1)*dt (r = 0 at s = 0)
    s = np.arange(n)
    expected_x = np.outer(np.maximum(s - 1, 0) * dt, [1.0, 2.0, -3.0])
    np.testing.assert_allclose(data["x"], expected_x, rtol=0, atol=1e-12)
    # explicit Euler of dv/dt = g_exc: v after step s = dt * sum of x up to s
    np.testing.assert_allclose(data["v"], dt * np.cumsum(expected_x, axis=0), atol=1e-12)
    assert "custom code" in net.generated_code()


def test_current_injection_into_a_decaying_conductance_and_views():
    dt = 1.0
    net = Network(dt=dt, seed=1)
    inp = net.create(InputArray(3))
    inp.r = [1.0, 2.0, 4.0]
    post = net.create(3, Neuron(parameters="tau = 2.0 : population",
                                equations="tau * dg_exc/dt = -g_exc", spike="g_exc > 1e9"))
    proj = CurrentInjection(inp[1:3], post[0:2], "exc", network=net)
    proj.connect_current()
    m = net.monitor(post, "g_exc")
    net.compile()
    net.simulate(3.0)
    g = m.get("g_exc")
    # g is not reset: g_after = (g_before + r) * (1 - dt/tau); the monitor records
    # g_exc after the injection and before the update (ANNarchy's record_targets)
    expected = np.zeros((3, 3))
    state = np.zeros(3)
    for step in range(3):
        state = state + np.array([2.0, 4.0, 0.0])
        expected[step] = state
        state = state * 0.5
    np.testing.assert_allclose(g, expected)


def test_current_injection_global_style():
    import engine

    net = Network(dt=1.0, seed=1)
    with net:
        inp = InputArray(2)
        post = engine.Population(2, RECEIVER)
        proj = CurrentInjection(inp, post, "exc")
        proj.connect_current()
        inp.r = [3.0, 5.0]
        engine.compile()
        engine.simulate(2.0)
    np.testing.assert_allclose(post.x, [3.0, 5.0])


def test_current_injection_errors():
    net = Network(dt=1.0)
    rate = net.create(2, RAMP)
    rate3 = net.create(3, RAMP)
    spiking = net.create(2, RECEIVER)
    readout = net.create(2, READOUT)
    src = net.create(SpikeSourceArray([[1.0], [2.0]]))
    with pytest.raises(NetworkError, match="pre-synaptic population must be rate-coded"):
        CurrentInjection(src, spiking, "exc")
    with pytest.raises(NetworkError, match="post-synaptic population must be spiking"):
        CurrentInjection(rate, readout, "exc")
    with pytest.raises(NetworkError, match="same size"):
        CurrentInjection(rate3, spiking, "exc")
    with pytest.raises(NetworkError, match="does not use g_inh"):
        CurrentInjection(rate, spiking, "inh")
    proj = CurrentInjection(rate, spiking, "exc")
    with pytest.raises(NetworkError, match="connect_current"):
        proj.all_to_all(weights=1.0)
    with pytest.raises(NetworkError, match="no delay"):
        proj.one_to_one(weights=1.0, delays=2.0)
    with pytest.raises(NetworkError, match="unscaled"):
        proj.one_to_one(weights=2.0)


# ---------------------------------------------------------------------------
# DecodingProjection
# ---------------------------------------------------------------------------

def _decoded(spike_steps, weights, window_steps, dt, n_steps):
    """Hand computation: at step n, post i reads the weighted spikes of steps
    n-W .. n-1, averaged over the window, in Hz, divided by its synapse count."""
    n_pre = len(spike_steps)
    S = np.zeros((n_steps, n_pre))
    for j, steps in enumerate(spike_steps):
        S[steps, j] = 1.0
    W = np.asarray(weights, dtype=float)                # (post, pre), NaN: no synapse
    has = ~np.isnan(W)
    Wz = np.where(has, W, 0.0)
    out = np.zeros((n_steps, W.shape[0]))
    for n in range(n_steps):
        lo = max(0, n - window_steps)
        total = (S[lo:n] @ Wz.T).sum(axis=0)            # sum of w over received spikes
        out[n] = total / window_steps * 1000.0 / dt / has.sum(axis=1)
    return out


@pytest.mark.parametrize("window, window_steps", [(0.0, 1), (3.0, 3), (2.5, 5)])
def test_decoding_projection_matches_the_hand_computation(window, window_steps):
    dt = 1.0 if window != 2.5 else 0.5
    n_steps = 30
    spike_steps = [[0, 1, 2, 7], [1, 5, 6, 7, 8], [3, 10, 20], [2, 4, 6, 8, 10, 12]]
    weights = [[1.0, 1.0, 0.5, np.nan],
               [np.nan, np.nan, np.nan, 2.0]]
    net = Network(dt=dt, seed=1)
    src = net.create(SpikeSourceArray([[k * dt for k in s] for s in spike_steps]))
    post = net.create(2, READOUT)
    proj = net.connect(projection=DecodingProjection(src, post, "exc", window=window))
    proj.from_matrix(weights)
    assert proj.window == (window if window else dt)
    m = net.monitor(post, "r")
    net.compile()
    net.simulate(n_steps * dt)
    expected = _decoded(spike_steps, weights, window_steps, dt, n_steps)
    np.testing.assert_allclose(m.get("r"), expected, rtol=1e-12, atol=1e-9)
    # a few values by hand (window 3 ms, dt 1): post 0 at step 3 sees steps 0-2:
    # pre 0 at 0, 1, 2 (w 1), pre 1 at 1 (w 1), pre 2: none -> 4 / 3 * 1000 / 3 synapses
    if window == 3.0:
        assert expected[3, 0] == pytest.approx(4 / 3 * 1000 / 3)
        assert expected[3, 1] == pytest.approx(2.0 * 1 / 3 * 1000)   # pre 3 at step 2


def test_decoding_projection_reads_the_poisson_rate_and_ignores_delays():
    N, rate, dt = 1000, 100.0, 1.0
    net = Network(dt=dt, seed=4)
    pois = net.create(PoissonPopulation(N, rates=rate))
    post = net.create(1, READOUT)
    scaled = net.create(1, READOUT)
    proj = DecodingProjection(pois, post, "exc", window=50.0, network=net)
    proj.all_to_all(weights=1.0, delays=5.0)
    DecodingProjection(pois, scaled, "exc", window=50.0).all_to_all(weights=1.0 / 100.0)
    assert proj.uniform_delay and proj.max_delay_steps == 1
    m = net.monitor(post, "r")
    m2 = net.monitor(scaled, "r")
    net.compile()
    net.simulate(300.0)
    r, r2 = m.get("r")[:, 0], m2.get("r")[:, 0]
    p = rate * dt / 1000
    se = math.sqrt(50 * N * p * (1 - p)) / (50 * N) * 1000 / dt   # one reading
    assert abs(r[-1] - rate) < 4 * se
    assert abs(r[100:].mean() - rate) < 4 * se
    np.testing.assert_allclose(r2, r / 100.0, rtol=1e-12)
    net.reset()                                                  # the window is emptied
    net.simulate(1.0)
    assert m.get("r")[0, 0] == 0.0


def test_decoding_projection_errors():
    net = Network(dt=1.0)
    src = net.create(SpikeSourceArray([[1.0]]))
    rate = net.create(1, RAMP)
    readout = net.create(1, READOUT)
    spiking = net.create(1, RECEIVER)
    with pytest.raises(NetworkError, match="pre-synaptic population must be spiking"):
        DecodingProjection(rate, readout, "exc")
    with pytest.raises(NetworkError, match="post-synaptic population must be rate-coded"):
        DecodingProjection(src, spiking, "exc")
    with pytest.raises(NetworkError, match="window"):
        DecodingProjection(src, readout, "exc", window=-1.0)
    with pytest.raises(NetworkError, match="does not use sum\\(inh\\)"):
        DecodingProjection(src, readout, "inh")
    assert net.get_projections() == []
