"""Every row of the ANNarchy 5 ``Network`` reference (../shared/seeds/annarchy-network-api.txt).

One test per row of its Methods table and of its Attributes table, each on a
real small network — a scaled-down COBA network (LIF neurons with conductance
synapses, 80 % excitatory, two Bernoulli projections; api_table_models.py) or a
rate-coded network — and each checking what the method *does* (state, time,
spikes, files, dtypes), against an independent computation where there is one.

The learning switches are checked on static synapses here (accepted, nothing
changes); their effect on plastic synapses is tested in test_plasticity.py.
``get_extension(s)`` are checked with no extension declared here and with a
BOLD monitor in ``test_boldmonitor``.
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from api_table_models import (
    COBA, Ee, Ei, El, I_EXT, REFRACTORY, TAUE, TAUI, TAUM, Vr, Vt, W_EXC, W_INH,
    CobaNetwork, build_coba, run_coba, spikes_of,
)
from engine import Network, NetworkError, Neuron, Uniform, every
from engine.errors import NetworkFileError
from engine.runtime.constant import Constant
from engine.runtime.monitor import Monitor
from engine.runtime.population import Population
from engine.runtime.projection import Projection

DT = 0.1
N = 200
NE = 160

DECAY = Neuron(name="ApiDecay", parameters="tau = 10.0 : population",
               equations="tau * dr/dt = -r : init = 1.0")
INPUT = Neuron(name="ApiInput", parameters="inp = 0.0", equations="r = inp")
SUMMED = Neuron(name="ApiSum", equations="r = sum(exc)")


def coba(seed=42, dt=DT, compile=True, **kwargs):
    net = Network(dt=dt, seed=seed)
    P, Ce, Ci, m = build_coba(net, N, **kwargs)
    if compile:
        net.compile()
    return net, P, Ce, Ci, m


def driven_model():
    """Rate model using the network constant ``c_api`` (declare it first: net.constant)."""
    return Neuron(name="ApiDriven", parameters="tau = 10.0 : population\ngain = 1.0",
                  equations="tau * dr/dt + r = c_api * gain")


def euler_driven(c, gain, r0, n, dt=1.0, tau=10.0):
    """Independent explicit Euler loop of ``tau dr/dt + r = c*gain``: r after each step."""
    r = np.array(r0, dtype=float)
    out = []
    for _ in range(n):
        r = r + dt * (c * np.asarray(gain) - r) / tau
        out.append(r.copy())
    return np.array(out)


def total(spikes):
    return sum(len(v) for v in spikes.values())


def coba_reference(P, Ce, Ci, v0, n_steps, dt=DT):
    """NumPy loop of the COBA network on the engine's connectivity (read through
    the public dendrite API): spikes of step k are delivered at the start of step
    k + 1 (pre-rank order), explicit Euler, ANNarchy's refractory convention."""
    posts_e = {pre: [] for pre in range(N)}
    posts_i = {pre: [] for pre in range(N)}
    for proj, posts in ((Ce, posts_e), (Ci, posts_i)):
        for post in proj.post_ranks:
            for pre in proj.dendrite(post).pre_ranks:
                posts[pre].append(post)
    v = np.array(v0, dtype=float)
    ge, gi = np.zeros(N), np.zeros(N)
    refr = np.zeros(N, dtype=int)
    n_refr = int(round(REFRACTORY / dt))
    spiked = np.zeros(0, dtype=int)
    spikes = {i: [] for i in range(N)}
    for k in range(n_steps):
        for pre in spiked:  # ascending ranks
            ge[posts_e[pre]] += W_EXC
            gi[posts_i[pre]] += W_INH
        v_new = v + dt * (ge * (Ee - v) + gi * (Ei - v) - (v - El) + I_EXT) / TAUM
        ge = ge - dt * ge / TAUE
        gi = gi - dt * gi / TAUI
        v = v_new
        ref = refr > 0
        sp = ~ref & (v > Vt)
        v[sp | ref] = Vr
        refr[ref] -= 1
        refr[sp] = n_refr
        spiked = np.flatnonzero(sp)
        for i in spiked:
            spikes[int(i)].append(k)
    return spikes, v, ge, gi


# =====================================================================================
# Methods
# =====================================================================================
def test_create():
    net = Network(dt=DT, seed=1)
    P = net.create(geometry=(10, 20), neuron=COBA, name="P")
    assert isinstance(P, Population) and P.name == "P" and P.network is net
    assert P.geometry == (10, 20) and P.size == N and P.v.shape == (10, 20)
    assert P.spiking and set(P.parameters) >= {"El", "Vt", "taum", "I"}
    assert net.get_populations() == [P]
    # the population is simulated by its equations: unconnected and no spike yet
    # (v goes from -70 towards El + I = -40 and would reach Vt after ~22 ms), v
    # follows the explicit Euler recurrence of the LIF ODE
    P.v = -70.0
    net.compile()
    net.simulate(5.0)
    v = -70.0
    for _ in range(50):
        v = v + DT * (-(v - El) + I_EXT) / TAUM
    np.testing.assert_allclose(P.v, v, rtol=1e-12)
    assert np.all(P.g_exc == 0.0)
    with pytest.raises(NetworkError, match="after compile"):
        net.create(10, neuron=COBA)
    # a stop condition is parsed at creation
    other = Network(dt=DT)
    q = other.create(5, COBA, stop_condition="v > -55.0 : all")
    assert q.stop_condition is not None and not q.stop_any and q.name == "pop0"
    with pytest.raises(NetworkError, match="already exists"):
        other.create(5, COBA, name="pop0")
    with pytest.raises(NetworkError, match="needs a geometry and a neuron"):
        other.create(5)


def test_connect():
    net, P, Ce, Ci, m = coba(compile=False)
    assert isinstance(Ce, Projection) and (Ce.target, Ci.target) == ("exc", "inh")
    assert net.get_projections() == [Ce, Ci]
    # connectivity: Bernoulli(p) from the right sub-population, weights as given
    pre_e = np.concatenate([Ce.dendrite(p).pre_ranks for p in Ce.post_ranks])
    pre_i = np.concatenate([Ci.dendrite(p).pre_ranks for p in Ci.post_ranks])
    assert pre_e.max() < NE <= pre_i.min()
    expected = 0.05 * NE * N
    assert pre_e.size == Ce.nb_synapses and abs(Ce.nb_synapses - expected) < 5 * np.sqrt(expected)
    assert all(np.all(w == W_EXC) for w in Ce.w) and all(np.all(w == W_INH) for w in Ci.w)
    # effect: one excitatory and one inhibitory spike reach exactly their targets
    # (delivered at the start of the next step, then decayed by one Euler step)
    P.v = -70.0  # far below threshold: nobody else spikes within 2 steps
    e, i = 3, NE + 7
    P.v[[e, i]] = -49.99  # both cross Vt = -50 in step 0
    net.compile()
    net.simulate(2 * DT)
    assert m.get("spike", keep=True)[e] == [0] and m.get("spike", keep=True)[i] == [0]
    assert total(m.get("spike")) == 2
    targets_e = np.array([e in Ce.dendrite(p).pre_ranks if p in Ce.post_ranks else False
                          for p in range(N)])
    targets_i = np.array([i in Ci.dendrite(p).pre_ranks if p in Ci.post_ranks else False
                          for p in range(N)])
    assert targets_e.sum() > 0 and targets_i.sum() > 0
    np.testing.assert_allclose(P.g_exc, np.where(targets_e, W_EXC * (1 - DT / TAUE), 0.0),
                               rtol=1e-14)
    np.testing.assert_allclose(P.g_inh, np.where(targets_i, W_INH * (1 - DT / TAUI), 0.0),
                               rtol=1e-14)
    np.testing.assert_array_equal(Ce.connectivity_matrix()[:, e] != 0, targets_e)
    # rate-coded: sum(exc) = W @ pre.r, through a 3 ms delay
    rnet = Network(dt=1.0, seed=2)
    pre = rnet.create(4, INPUT, name="pre")
    post = rnet.create(3, SUMMED, name="post")
    W = np.arange(12, dtype=float).reshape(3, 4) / 10.0
    proj = rnet.connect(pre, post, "exc").from_matrix(W, delays=3.0)
    np.testing.assert_array_equal(proj.connectivity_matrix(), W)
    mon = rnet.monitor(post, "r")
    pre.inp = [1.0, 2.0, 3.0, 4.0]
    rnet.compile()
    rnet.simulate(6.0)
    r = mon.get("r")
    np.testing.assert_array_equal(r[:3], 0.0)  # steps 0-2: the input is still in flight
    np.testing.assert_allclose(r[3:], np.tile(W @ [1.0, 2.0, 3.0, 4.0], (3, 1)), rtol=1e-14)
    with pytest.raises(NetworkError, match="after compile"):
        rnet.connect(pre, post, "exc")
    with pytest.raises(NetworkError, match="must belong to the network"):
        Network().connect(P, P, "exc")
    other = Network()
    q = other.create(2, COBA)
    with pytest.raises(NetworkError, match="does not use g_nmda"):
        other.connect(q, q, "nmda")


def test_monitor():
    net, P, Ce, Ci, m = coba(compile=False)
    view = P[10:20]
    mv = net.monitor(view, ["v", "spike"], period=0.5, start=False, name="view")
    full = net.monitor(P, "v", name="full")
    assert isinstance(mv, Monitor) and net.get_monitors() == [m, mv, full]
    net.compile()
    net.simulate(5.0)  # start=False: nothing recorded
    assert mv.get("v", keep=True).shape == (0, 10) and total(mv.get("spike", keep=True)) == 0
    mv.start()
    net.simulate(10.0)
    mv.pause()
    net.simulate(5.0)
    mv.resume()
    net.simulate(5.0)
    steps = np.r_[np.arange(50, 150, 5), np.arange(200, 250, 5)]
    np.testing.assert_allclose(mv.recorded_times(), steps * DT)
    v_view = mv.get("v", keep=True)
    v_full = full.get("v", keep=True)
    assert v_view.shape == (len(steps), 10) and v_full.shape == (250, N)
    np.testing.assert_array_equal(v_view, v_full[steps][:, 10:20])
    np.testing.assert_array_equal(v_full[-1], P.v)  # the last row is the current state
    # spikes: those of the view's neurons within the recording intervals, and v is
    # the reset value at a spike step
    all_spikes = m.get("spike", keep=True)
    rec = mv.get("spike", keep=True)
    assert sorted(rec) == list(range(10, 20)) and total(rec) > 0
    for r in range(10, 20):
        assert rec[r] == [s for s in all_spikes[r] if 50 <= s < 150 or 200 <= s < 250]
        for s in all_spikes[r]:
            assert v_full[s, r] == Vr
    assert mv.times()["v"] == {"start": [50, 200], "stop": [150, 250]}   # steps (dt 0.1)
    data = mv.get()  # empties the monitor
    assert set(data) == {"v", "spike"} and mv.get("v").shape == (0, 10)
    with pytest.raises(NetworkError, match="no such attribute"):
        net.monitor(P, "u")


def test_monitor_on_dendrite_and_projection():
    net, P, Ce, Ci, m = coba(compile=False)
    post = Ce.post_ranks[0]
    md = net.monitor(Ce.dendrite(post), "w")
    mp = net.monitor(Ci, "w", period=1.0)
    net.compile()
    net.simulate(2.0)
    w = np.asarray(md.get("w"))
    assert w.shape == (20, Ce.dendrite(post).size)
    np.testing.assert_array_equal(w, W_EXC)
    assert len(mp.get("w")) == 2


def test_boldmonitor():
    net = Network(dt=1.0, seed=3)
    c = net.constant("c_api", 1.0)
    pop = net.create(20, driven_model(), name="region")
    pop.gain = np.linspace(0.5, 1.5, 20)
    rates = net.monitor(pop, "r")
    bold = net.boldmonitor(populations=[pop], mapping={"I_CBF": "r"},
                           recorded_variables=["I_CBF", "BOLD"])
    net.compile()
    bold.start()
    net.simulate(500.0)
    c.set(3.0)
    net.simulate(500.0)
    i_cbf, signal = bold.get("I_CBF"), bold.get("BOLD")
    assert net.get_extensions() == [bold]
    assert np.shape(i_cbf)[0] == np.shape(signal)[0] == 1000
    # one population: the input is its mean rate (scale factor 1). As in ANNarchy, where
    # the accumulating projection runs in the weighted-sum phase, before the neurons are
    # updated, step k reads the rates reached at step k - 1 (the initial r = 0 at step 0).
    mean_r = rates.get("r").mean(axis=1)
    assert np.ravel(i_cbf)[0] == 0.0
    np.testing.assert_allclose(np.ravel(i_cbf)[1:], mean_r[:-1], rtol=1e-6)
    assert np.all(np.isfinite(signal)) and np.ptp(signal[500:]) > 0  # responds to the step


def test_constant():
    net = Network(dt=1.0, seed=4)
    c = net.constant("c_api", 2.0)
    assert isinstance(c, Constant) and (c.name, c.value) == ("c_api", 2.0)
    pop = net.create(3, driven_model())
    pop.gain = [0.5, 1.0, 2.0]
    m = net.monitor(pop, "r")
    net.compile()
    net.simulate(10.0)
    c.set(-1.0)  # after compile, no recompilation: the next steps use it
    net.simulate(10.0)
    first = euler_driven(2.0, [0.5, 1.0, 2.0], 0.0, 10)
    second = euler_driven(-1.0, [0.5, 1.0, 2.0], first[-1], 10)
    np.testing.assert_allclose(m.get("r"), np.vstack([first, second]), rtol=1e-12)
    assert c.value == -1.0 and float(c) == -1.0 and net.get_constant("c_api") is c
    # a reset restores the state, not the constant: the replay follows the new value
    net.reset()
    net.simulate(10.0)
    np.testing.assert_allclose(pop.r, euler_driven(-1.0, [0.5, 1.0, 2.0], 0.0, 10)[-1],
                               rtol=1e-12)
    with pytest.raises(NetworkError, match="already exists"):
        net.constant("c_api", 1.0)
    with pytest.raises(NetworkError, match="needs a number"):
        c.set("high")
    with pytest.raises(NetworkError, match="uses constant"):
        Network().create(1, driven_model())  # that network does not define c


def test_compile(capsys):
    net, P, Ce, Ci, m = coba(compile=False)
    assert not net.compiled
    with pytest.raises(NetworkError, match="not compiled"):
        net.simulate(1.0)
    with pytest.raises(NetworkError, match="not compiled"):
        net.step()
    net.compile(directory="annarchy", clean=False, silent=False)
    assert "Compiling network... OK" in capsys.readouterr().out
    assert net.compiled and net.time == 0.0
    code = net.generated_code()
    assert "def kernel(" in code
    # the kernels name the arrays they are given: both projections are there
    assert "_J_w=_j0_w" in code and "_J_w=_j1_w" in code
    net.simulate(20.0)
    assert total(m.get("spike")) > 0
    with pytest.raises(NetworkError, match="empty"):
        Network().compile()


def test_simulate():
    net, P, Ce, Ci, m = coba(compile=False)
    v0 = P.v.copy()
    net.compile()
    net.simulate(30.0)
    assert net.current_step == 300 and net.time == pytest.approx(30.0)
    ref_spikes, v, ge, gi = coba_reference(P, Ce, Ci, v0, 300)
    got = m.get("spike", keep=True)
    assert total(got) > 50
    assert got == ref_spikes
    np.testing.assert_allclose(P.v, v, rtol=1e-9)
    np.testing.assert_allclose(P.g_exc, ge, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(P.g_inh, gi, rtol=1e-9, atol=1e-12)
    # simulating in segments continues exactly; durations round up to whole steps
    net.reset()
    net.simulate(10.0)
    net.simulate(20.0)
    assert m.get("spike", keep=True) == ref_spikes
    net.simulate(0.05)
    assert net.current_step == 301
    net.simulate(0.0)
    assert net.current_step == 301
    net.simulate(1.0, measure_time=True)
    assert net.current_step == 311
    with pytest.raises(NetworkError, match="duration"):
        net.simulate(-1.0)


def test_simulate_until():
    dt = 0.5
    net = Network(dt=dt, seed=5)
    c = net.constant("c_api", 1.0)
    gains_a, gains_b = [0.6, 0.8, 1.0], [0.55, 0.7]
    A = net.create(3, driven_model(), name="A", stop_condition="r > 0.5 : any")
    B = net.create(2, driven_model(), name="B", stop_condition="r > 0.5 : all")
    A.gain, B.gain = gains_a, gains_b
    net.compile()

    def first_step(gains, how, max_steps=400):
        traj = euler_driven(c.value, gains, 0.0, max_steps, dt=dt)
        hits = np.flatnonzero(getattr(np, how)(traj > 0.5, axis=1))
        return int(hits[0]) + 1 if hits.size else None  # steps done when it became true

    n_a, n_b = first_step(gains_a, "any"), first_step(gains_b, "all")
    assert n_a is not None and n_b is not None and n_a < n_b
    for pops, op, n in [(A, "and", n_a), (B, "and", n_b), ([A, B], "and", n_b),
                        ([A, B], "or", n_a)]:
        net.reset()
        duration = net.simulate_until(max_duration=200.0, population=pops, operator=op)
        assert duration == pytest.approx(n * dt) and net.current_step == n
        np.testing.assert_allclose(A.r, euler_driven(1.0, gains_a, 0.0, n, dt=dt)[-1],
                                   rtol=1e-12)
    # the condition holds at the returned duration and did not one step earlier
    net.reset()
    net.simulate((n_b - 1) * dt)
    assert not np.all(B.r > 0.5)
    net.step()
    assert np.all(B.r > 0.5)
    # never true: runs the maximal duration
    net.reset()
    c.set(0.5)
    assert net.simulate_until(20.0, [A, B], operator="or") == pytest.approx(20.0)
    assert net.time == pytest.approx(20.0)
    with pytest.raises(NetworkError, match="operator"):
        net.simulate_until(1.0, A, operator="xor")
    plain = Network(dt=dt)
    p = plain.create(1, DECAY)
    plain.compile()
    with pytest.raises(NetworkError, match="no stop_condition"):
        plain.simulate_until(1.0, p)


def test_step():
    net, P, Ce, Ci, m = coba()
    net.step()
    assert net.current_step == 1 and net.time == pytest.approx(DT)
    for _ in range(199):
        net.step()
    stepped_v, stepped = P.v.copy(), m.get("spike")
    assert net.current_step == 200 and total(stepped) > 0
    net.reset()
    net.simulate(200 * DT)  # the same as 200 single steps, bit for bit
    assert m.get("spike") == stepped
    np.testing.assert_array_equal(P.v, stepped_v)


def test_reset():
    net, P, Ce, Ci, m = coba(compile=False)
    P.v[:5] = -55.0  # values set before compile are the ones reset() restores
    v_init = P.v.copy()
    w_init = Ce.w
    net.compile()
    net.simulate(30.0)
    first, v_after = m.get("spike", keep=True), P.v.copy()
    assert total(first) > 0 and not np.array_equal(v_after, v_init)
    net.reset()
    assert (net.time, net.current_step) == (0.0, 0)
    np.testing.assert_array_equal(P.v, v_init)
    assert np.all(P.g_exc == 0.0) and np.all(P.g_inh == 0.0)
    assert total(m.get("spike", keep=True)) == 0  # monitors=True empties recordings
    net.simulate(30.0)
    assert m.get("spike", keep=True) == first  # an identical replay
    np.testing.assert_array_equal(P.v, v_after)
    # populations=False keeps the neural state, monitors=False keeps the recordings
    net.reset(populations=False, monitors=False)
    np.testing.assert_array_equal(P.v, v_after)
    assert net.time == 0.0 and m.get("spike", keep=True) == first
    # synaptic values are kept unless projections=True (or synapses=True)
    Ce.w = 1.2
    net.reset()
    assert all(np.all(w == 1.2) for w in Ce.w)
    net.reset(projections=True)
    assert all(np.array_equal(a, b) for a, b in zip(Ce.w, w_init))
    Ci.w = 0.0
    net.reset(synapses=True)
    assert all(np.all(w == W_INH) for w in Ci.w)
    with pytest.raises(NetworkError, match="compiled"):
        Network().reset()


def _check_learning_switch(call):
    """Static synapses: the switch is accepted, weights and spikes do not change."""
    net, P, Ce, Ci, m = coba()
    w_e, w_i = Ce.w, Ci.w
    net.simulate(20.0)
    reference = m.get("spike")
    net.reset()
    call(net, Ce, Ci)
    net.simulate(20.0)
    assert m.get("spike") == reference and total(reference) > 0
    assert all(np.array_equal(a, b) for a, b in zip(Ce.w, w_e))
    assert all(np.array_equal(a, b) for a, b in zip(Ci.w, w_i))


def test_enable_learning():
    def call(net, Ce, Ci):
        net.enable_learning()
        net.enable_learning(projections=[Ce, Ci], period=10.0, offset=2.0)

    _check_learning_switch(call)


def test_disable_learning():
    def call(net, Ce, Ci):
        net.disable_learning()
        net.disable_learning(projections=[Ci])

    _check_learning_switch(call)


def test_clear():
    net, P, Ce, Ci, m = coba()
    net.constant("c_api", 1.0)
    net.simulate(10.0)
    net.clear()
    assert not net.compiled and (net.time, net.current_step) == (0.0, 0)
    assert net.get_populations() == [] and net.get_projections() == []
    assert net.get_monitors() == [] and net.get_constants() == []
    with pytest.raises(NetworkError):
        net.get_population("P")
    with pytest.raises(NetworkError, match="not compiled"):
        net.simulate(1.0)
    # the emptied network is reusable: build, compile and run something else
    pop = net.create(2, DECAY, name="P")
    net.compile()
    net.simulate(5.0)
    np.testing.assert_allclose(pop.r, (1 - DT / 10.0) ** 50, rtol=1e-12)  # the same dt
    assert net.get_population("P") is pop


def test_parallel_run():
    net = CobaNetwork(dt=DT, seed=42)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        same = net.parallel_run(run_coba, 2, seeds="same", executor=pool, duration=30.0)
        seq = net.parallel_run(run_coba, 3, seeds="sequential", executor=pool, N=[100, 200, 100])
    assert [r["seed"] for r in same] == [42, 42] and all(r["compiled"] for r in same)
    assert same[0]["spikes"] == same[1]["spikes"] and total(same[0]["spikes"]) > 0
    assert same[0]["time"] == pytest.approx(30.0)
    assert [(r["seed"], r["N"]) for r in seq] == [(42, 100), (43, 200), (44, 100)]  # in order
    assert seq[0]["pre_Ce"] != seq[2]["pre_Ce"]  # other seeds, other connectivity
    # a copy run elsewhere is the run here with the same seed
    local = CobaNetwork(dt=DT, seed=42)
    local.compile()
    assert run_coba(local, 30.0)["spikes"] == same[0]["spikes"]
    assert not net.compiled  # the original is untouched
    with pytest.raises(NetworkError, match="subclass of Network"):
        coba(compile=False)[0].parallel_run(run_coba, 2)


def test_copy():
    net = CobaNetwork(N=150, dt=DT, seed=7)
    net.config(precision="float")
    net.compile()
    net.simulate(20.0)
    c = net.copy(N=100)
    assert type(c) is CobaNetwork and c is not net and not c.compiled
    assert (c.dt, c.P.size, c.current_step) == (DT, 100, 0) and c.seed != net.seed
    c.compile()  # the configuration is copied too
    c.simulate(5.0)
    assert c.P.v.dtype == np.float32 and c.current_step == 50 and net.current_step == 200
    same = net.copy(N=150, seed=7)
    same.compile()
    same.simulate(20.0)
    assert spikes_of(same.m) == spikes_of(net.m)  # same class, arguments and seed
    np.testing.assert_array_equal(same.P.v, net.P.v)
    same.P.v = -55.0  # independent state
    assert not np.any(net.P.v == -55.0)
    with pytest.raises(NetworkError, match="subclass of Network"):
        coba(compile=False)[0].copy()


def test_config():
    # precision: every float attribute, synaptic value and recording in float32
    net = Network(dt=DT, seed=42)
    net.config(precision="float", num_threads=1, method="explicit")
    P, Ce, Ci, m = build_coba(net, N)
    mv = net.monitor(P, "v")
    net.compile()
    net.simulate(10.0)
    assert P.v.dtype == P.g_exc.dtype == np.float32
    assert Ce.w[0].dtype == np.float32 and mv.get("v").dtype == np.float32
    ref, P64, *_ = coba()
    ref.simulate(10.0)
    np.testing.assert_allclose(P.v, P64.v, atol=1e-3)  # same dynamics, single precision
    assert not np.array_equal(P.v, P64.v.astype(np.float32))  # computed in float32
    # method: the default integration method of ODEs without a flag
    results = {}
    for method in ("explicit", "exponential", "euler"):
        n = Network(dt=1.0)
        n.config(method=method)
        pop = n.create(1, DECAY)
        n.compile()
        n.simulate(10.0)
        results[method] = pop.r[0]
    assert results["explicit"] == pytest.approx(0.9 ** 10, rel=1e-12)
    assert results["euler"] == results["explicit"]        # Brian2's name, an alias
    with pytest.raises(NetworkError, match="unknown method 'eulr'.*aliases euler"):
        Network().config(method="eulr")
    assert results["exponential"] == pytest.approx(np.exp(-1.0), rel=1e-12)
    # dt and seed before anything is created, as the constructor would
    a = Network()
    a.config(dt=0.5, seed=11)
    assert (a.dt, a.seed) == (0.5, 11)
    pa = a.create(50, DECAY)
    pa.r = Uniform(0.0, 1.0)
    b = Network(dt=0.5, seed=11)
    pb = b.create(50, DECAY)
    pb.r = Uniform(0.0, 1.0)
    np.testing.assert_array_equal(pa.r, pb.r)
    # errors: unknown keys, too late
    with pytest.raises(NetworkError, match="did you mean 'precision'"):
        a.config(precison="float")
    a.config(dt=0.1)   # dt may change until compile() (engine.runtime.timebase)
    assert a.dt == 0.1
    with pytest.raises(NetworkError, match="before creating populations"):
        a.config(seed=3)
    with pytest.raises(NetworkError, match="after compile"):
        net.config(precision="double")
    with pytest.raises(NetworkError, match="'double' or 'float'"):
        Network().config(precision="half")


@pytest.fixture
def saved(tmp_path):
    """A COBA network saved at t = 25 ms, and what it does in the next 25 ms."""
    net, P, Ce, Ci, m = coba()
    net.simulate(25.0)
    path = tmp_path / "coba.npz"
    v_saved = P.v.copy()
    net.save(str(path))
    m.get()
    net.simulate(25.0)
    return dict(net=net, P=P, Ce=Ce, m=m, path=path, v_saved=v_saved, after=m.get("spike"),
                v_end=P.v.copy())


def test_save(saved, tmp_path):
    net, P, Ce, path = saved["net"], saved["P"], saved["Ce"], saved["path"]
    assert path.is_file()
    with np.load(path, allow_pickle=False) as data:  # plain arrays, nothing pickled
        assert str(data["format"]) == "neuroworkbench.network"
        assert float(data["time"]) == pytest.approx(25.0) and int(data["current_step"]) == 250
        assert list(data["populations"]) == ["P"] and list(data["projections"]) == ["Ce", "Ci"]
        np.testing.assert_array_equal(data["pop/0/attr/v"], saved["v_saved"])
        np.testing.assert_array_equal(data["proj/0/col"], Ce._col)
    # the other formats: a gzipped archive, a MATLAB file for analysis
    net.save(str(tmp_path / "coba.gz"))
    net.save(str(tmp_path / "coba.mat"))
    scipy_io = pytest.importorskip("scipy.io")
    mat = scipy_io.loadmat(str(tmp_path / "coba.mat"), simplify_cells=True)
    assert mat["time"] == pytest.approx(net.time)
    np.testing.assert_array_equal(mat["populations"]["P"]["v"], P.v)
    assert mat["projections"]["Ce"]["w"].size == Ce.nb_synapses
    # populations=False: no neural state in the file
    net.save(str(tmp_path / "syn_only.npz"), populations=False)
    with np.load(tmp_path / "syn_only.npz") as data:
        assert list(data["populations"]) == [] and "pop/0/attr/v" not in data.files
    with pytest.raises(NetworkFileError, match="cannot be loaded back"):
        net.load(str(tmp_path / "coba.mat"))


def test_load(saved, tmp_path):
    net, P, m, path = saved["net"], saved["P"], saved["m"], saved["path"]
    net.load(str(path))
    assert net.time == pytest.approx(25.0) and net.current_step == 250
    np.testing.assert_array_equal(P.v, saved["v_saved"])
    net.simulate(25.0)
    assert m.get("spike") == saved["after"] and total(saved["after"]) > 0
    np.testing.assert_array_equal(P.v, saved["v_end"])
    # into another process-like instance: the same network rebuilt and compiled
    fresh, P2, _, _, m2 = coba()
    fresh.load(str(path))
    fresh.simulate(25.0)
    assert m2.get("spike") == saved["after"]
    # gzip format, and a truncated file is refused without touching the network
    net.save(str(tmp_path / "state.gz"))
    v_now = P.v.copy()
    net.simulate(5.0)
    net.load(str(tmp_path / "state.gz"))
    np.testing.assert_array_equal(P.v, v_now)
    blob = path.read_bytes()
    bad = tmp_path / "truncated.npz"
    bad.write_bytes(blob[: len(blob) // 2])
    step = net.current_step
    with pytest.raises(NetworkFileError, match="truncated"):
        net.load(str(bad))
    assert net.current_step == step
    np.testing.assert_array_equal(P.v, v_now)
    net.simulate(1.0)  # still runs


# -- getters ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def named():
    net = Network(dt=DT, seed=42)
    c = net.constant("c_api", 2.0)
    k = net.constant("k_api", -1.0)
    P, Ce, Ci, m = build_coba(net, N)
    R = net.create(3, driven_model(), name="R")
    mr = net.monitor(R, "r", name="rates")
    net.compile()
    net.simulate(10.0)
    return dict(net=net, P=P, R=R, Ce=Ce, Ci=Ci, m=m, mr=mr, c=c, k=k)


def test_get_population(named):
    net = named["net"]
    assert net.get_population("P") is named["P"] and net.get_population("R") is named["R"]
    assert net.get_population("P").v is not None and net.get_population("P").size == N
    with pytest.raises(NetworkError, match="no population named 'Q'.*existing: P, R"):
        net.get_population("Q")


def test_get_projection(named):
    net = named["net"]
    Ce = net.get_projection("Ce")
    assert Ce is named["Ce"] and net.get_projection("Ci") is named["Ci"]
    assert (Ce.target, Ce.pre.population, Ce.post) == ("exc", named["P"], named["P"])
    with pytest.raises(NetworkError, match="no projection named 'Cx'.*existing: Ce, Ci"):
        net.get_projection("Cx")


def test_get_monitor(named):
    net = named["net"]
    assert net.get_monitor("spikes") is named["m"] and net.get_monitor("rates") is named["mr"]
    assert total(net.get_monitor("spikes").get("spike", keep=True)) > 0
    assert net.get_monitor("rates").get("r", keep=True).shape == (100, 3)
    with pytest.raises(NetworkError, match="no monitor named 'voltage'"):
        net.get_monitor("voltage")


def test_get_extension(named):
    with pytest.raises(NetworkError, match="no extension named 'bold'"):
        named["net"].get_extension("bold")


def test_get_constant(named):
    net = named["net"]
    assert net.get_constant("c_api") is named["c"] and net.get_constant("k_api") is named["k"]
    assert net.get_constant("c_api").value == 2.0
    with pytest.raises(NetworkError, match="no constant named 'z'"):
        net.get_constant("z")


def test_get_populations(named):
    net = named["net"]
    pops = net.get_populations()
    assert pops == [named["P"], named["R"]]  # in creation order
    pops.clear()  # a copy of the list
    assert len(net.get_populations()) == 2


def test_get_projections(named):
    net = named["net"]
    projs = net.get_projections()
    assert projs == [named["Ce"], named["Ci"]]
    assert sum(j.nb_synapses for j in projs) == named["Ce"].nb_synapses + named["Ci"].nb_synapses
    projs.pop()
    assert len(net.get_projections()) == 2


def test_get_monitors(named):
    net = named["net"]
    mons = net.get_monitors()
    assert mons == [named["m"], named["mr"]]
    mons.clear()
    assert len(net.get_monitors()) == 2


def test_get_extensions(named):
    assert named["net"].get_extensions() == []  # no extension (BOLD monitor) exists yet


def test_get_constants(named):
    net = named["net"]
    consts = net.get_constants()
    assert consts == [named["c"], named["k"]]
    assert {c.name: c.value for c in consts} == {"c_api": 2.0, "k_api": -1.0}
    consts.clear()
    assert len(net.get_constants()) == 2


# -- callbacks ----------------------------------------------------------------------------
def callback_net():
    """COBA with a callback that silences the input current at every 5 ms."""
    net, P, Ce, Ci, m = coba()
    calls = []

    @every(net, period=5.0)
    def silence(n):
        calls.append((n, round(net.time, 6)))
        P.I = 0.0

    return net, P, m, calls


def test_callbacks_enabled():
    net, P, m, calls = callback_net()
    assert net.callbacks_enabled() is True
    net.disable_callbacks()
    assert net.callbacks_enabled() is False
    net.simulate(10.0)
    assert calls == [] and P.I == I_EXT
    net.enable_callbacks()
    assert net.callbacks_enabled() is True
    net.simulate(10.0)
    assert calls == [(0, 10.0), (1, 15.0)] and P.I == 0.0


def test_disable_callbacks():
    net, P, m, calls = callback_net()
    net.simulate(20.0)  # the callback silences the input from t = 0
    silenced = m.get("spike")
    assert calls == [(0, 0.0), (1, 5.0), (2, 10.0), (3, 15.0)]
    net.reset()
    P.I = I_EXT
    calls.clear()
    net.disable_callbacks()
    net.simulate(20.0)
    assert calls == [] and P.I == I_EXT
    driven = m.get("spike")
    # silenced from t = 0, the neurons relax towards El and (almost) never fire:
    # the callback really did not run
    assert total(driven) > total(silenced)
    plain, Pp, _, _, mp = coba()
    plain.simulate(20.0)
    assert mp.get("spike") == driven  # exactly a network without callbacks


def test_enable_callbacks():
    net, P, m, calls = callback_net()
    net.disable_callbacks()
    net.simulate(10.0)
    assert calls == []
    net.enable_callbacks()
    net.simulate(10.0)  # times count from the start of each simulate() call
    assert calls == [(0, 10.0), (1, 15.0)]
    net.step()  # step() never calls callbacks (as ANNarchy)
    assert len(calls) == 2


def test_clear_all_callbacks():
    net, P, m, calls = callback_net()
    net.simulate(10.0)
    assert len(calls) == 2
    net.clear_all_callbacks()
    assert net.callbacks_enabled()  # still enabled, but there is nothing left to call
    P.I = I_EXT
    net.simulate(20.0)
    assert len(calls) == 2 and P.I == I_EXT
    later = []
    every(net, period=10.0)(lambda n: later.append(net.time))  # new ones can be declared
    net.simulate(20.0)
    assert later == [30.0, 40.0] and len(calls) == 2


# =====================================================================================
# Attributes
# =====================================================================================
def test_dt():
    assert Network().dt == 1.0  # ANNarchy's default
    net = Network(dt=0.25)
    assert net.dt == 0.25
    pop = net.create(1, DECAY)
    net.compile()
    net.simulate(10.0)
    assert net.current_step == 40  # 10 ms in steps of dt
    assert pop.r[0] == pytest.approx((1 - 0.25 / 10.0) ** 40, rel=1e-12)  # Euler with dt
    with pytest.raises(NetworkError, match="positive"):
        Network(dt=0.0)
    with pytest.raises(TypeError):
        Network(0.1)  # keyword only, as in ANNarchy


def test_seed():
    def run(seed):
        net, P, Ce, Ci, m = coba(seed=seed, compile=False)
        P.v = Uniform(Vr, Vt)  # drawn from the network's seed
        net.compile()
        net.simulate(20.0)
        return net, Ce.connectivity_matrix(), m.get("spike")

    a, col_a, sp_a = run(42)
    b, col_b, sp_b = run(42)
    c, col_c, sp_c = run(43)
    assert a.seed == b.seed == 42 and c.seed == 43
    np.testing.assert_array_equal(col_a, col_b)
    assert sp_a == sp_b
    assert not np.array_equal(col_a, col_c) and sp_a != sp_c
    # no seed: one is drawn, and passing it back reproduces the network
    d = Network(dt=DT)
    assert isinstance(d.seed, int) and d.seed != Network(dt=DT).seed
    _, Ce_d, _, _ = build_coba(d, N)
    again = Network(dt=DT, seed=d.seed)
    _, Ce_again, _, _ = build_coba(again, N)
    np.testing.assert_array_equal(Ce_d.connectivity_matrix(), Ce_again.connectivity_matrix())


def test_compiled():
    net, P, Ce, Ci, m = coba(compile=False)
    assert net.compiled is False
    net.compile()
    assert net.compiled is True
    net.simulate(1.0)
    assert net.compiled is True
    with pytest.raises(AttributeError):
        net.compiled = False  # read-only
    net.clear()
    assert net.compiled is False


def test_directory():
    net, P, Ce, Ci, m = coba()
    folder = Path(net.directory)
    assert folder.is_dir()
    texts = {p.read_text() for p in folder.glob("*.py")}
    missing = [k.label for k in net._code.kernels if k.source not in texts]
    assert not missing, f"kernels of this network are not in {folder}: {missing}"
    cache = os.environ.get("NEUROWORKBENCH_CACHE_DIR")
    if cache:
        assert folder.resolve().is_relative_to(Path(cache).resolve())


def test_time():
    net, P, Ce, Ci, m = coba()
    assert net.time == 0.0
    net.simulate(12.3)
    assert net.time == pytest.approx(12.3)
    net.step()
    assert net.time == pytest.approx(12.4)
    # time is what the monitors see: the last spike step is before it
    t, _ = m.raster_plot()
    assert t.max() < net.time
    assert net.time == pytest.approx(net.current_step * net.dt)
    net.reset()
    assert net.time == 0.0


def test_current_step():
    net, P, Ce, Ci, m = coba()
    assert net.current_step == 0
    net.simulate(12.3)
    assert net.current_step == 123 and isinstance(net.current_step, int)
    net.step()
    assert net.current_step == 124
    net.simulate(0.01)  # rounded up to one step
    assert net.current_step == 125
    # spikes are stamped with the step in which they happened
    steps = [s for v in m.get("spike").values() for s in v]
    assert steps and max(steps) < net.current_step
    net.reset()
    assert net.current_step == 0
