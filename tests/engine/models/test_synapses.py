"""Built-in synapse models against independent numpy / closed-form references.

Timing convention of the engine (engine/codegen/synapse_code.py): a
pre-synaptic spike emitted during step k is delivered during step k+1
(pre_spike runs at the start of that step, with t = (k+1)*dt, and its
g_target increment is seen by the post neuron in that step); post_spike runs
in the step of the post-synaptic spike, after the neurons are updated. So a
pre spike delivered in the step of a post spike counts as "pre before post".

Each reference below is written from the published equations (or the
simulator's documented algorithm), as an event loop in numpy, a closed form,
or a matrix exponential; none reads engine code.
"""

from __future__ import annotations

import inspect
import math
import pickle

import numpy as np
import pytest
from scipy.linalg import expm

from engine import Network, Neuron
from engine.errors import ModelError
from engine.models import (
    IBCM,
    STDP,
    STP,
    Hebb,
    Oja,
    StandardSynapse,
    TripletSTDP,
    list_standard_synapses,
    static_synapse,
    stdp_synapse,
    tsodyks2_synapse,
    tsodyks_synapse,
)

# A spike train: spikes at t0, t0 + period, ... (n_spikes of them). The phase
# is computed in its own assignment so that modulo() gets a plain symbol.
TRAIN = Neuron(
    parameters="period = 50.0\nt0 = 10.0\nn_spikes = 1000.0",
    equations="ph = t - t0 + 0.5*dt\nx = g_exc",
    spike="ph >= 0 and ph < n_spikes*period and modulo(ph, period) < dt",
    name="Train",
)
# one spike at time ts
CLOCK = Neuron(parameters="ts = -1.0", equations="x = g_exc", spike="abs(t - ts) < 0.5*dt",
               name="Clock")
# records what arrives on g_exc in each step (x = g_exc), never spikes
RECEIVER = Neuron(equations="x = g_exc", spike="x > 1e300", name="Receiver")


def per_post(proj, name="w"):
    """One value per post neuron of a one-to-one projection."""
    return np.array([float(np.asarray(d)[0]) for d in getattr(proj, name)])


# --- short-term plasticity ----------------------------------------------------------------

def tm_recursion(intervals, U, tau_rec, tau_fac, u1, x1, w):
    """Tsodyks-Markram release of a spike train (Maass & Markram 2002, eqs. 4-5):
    PSC_n = w u_n x_n, x_{n+1} = 1 - (1 - x_n (1 - u_n)) exp(-D_n/tau_rec),
    u_{n+1} = U + u_n (1 - U) exp(-D_n/tau_fac) (exp = 0 for tau_fac = 0)."""
    u, x, out = u1, x1, []
    for i in range(len(intervals) + 1):
        out.append(w * u * x)
        if i == len(intervals):
            break
        d = intervals[i]
        x = 1.0 - (1.0 - x * (1.0 - u)) * math.exp(-d / tau_rec)
        u = U + u * (1.0 - U) * (math.exp(-d / tau_fac) if tau_fac > 0 else 0.0)
    return np.array(out)


def tm3_reference(arrivals, U, tau_psc, tau_rec, tau_fac, w):
    """Three-state Tsodyks (2000) model, integrated between spikes with the
    matrix exponential of dx/dt = z/tau_rec, dy/dt = -y/tau_psc,
    dz/dt = y/tau_psc - z/tau_rec, du/dt = -u/tau_fac; at a spike
    u += U(1 - u), then u*x moves from x to y. Starts at x = 1, t = 0."""
    A = np.array([[0.0, 0.0, 1.0 / tau_rec],
                  [0.0, -1.0 / tau_psc, 0.0],
                  [0.0, 1.0 / tau_psc, -1.0 / tau_rec]])
    s = np.array([1.0, 0.0, 0.0])
    u, last, out = 0.0, 0.0, []
    for t in arrivals:
        s = expm(A * (t - last)) @ s
        u = u * math.exp(-(t - last) / tau_fac) if tau_fac > 0 else 0.0
        u += U * (1.0 - u)
        r = u * s[0]
        out.append(w * r)
        s = s + np.array([-r, r, 0.0])
        last = t
    return np.array(out)


STP_DT = 0.1
DEPRESSING = dict(U=0.5, tau_rec=800.0, tau_fac=0.0)
FACILITATING = dict(U=0.05, tau_rec=100.0, tau_fac=1000.0)
# label -> parameters of the reference recursion (u_1 = U, x_1 = 1 in every case:
# ANNarchy's u starts at U; tsodyks2's initial u is set to U below)
STP_VARIANTS = {
    "STP depressing": DEPRESSING,
    "STP facilitating": FACILITATING,
    "tsodyks2 depressing": DEPRESSING,
    "tsodyks2 facilitating": FACILITATING,
}
STP_WEIGHT = 2.0
TM3 = dict(U=0.2, tau_psc=20.0, tau_rec=200.0, tau_fac=300.0)


@pytest.fixture(scope="module")
def stp_run():
    """Regular trains (every 50, 20, 50 and 20 ms, 20 spikes from t = 10 ms)
    into one receiver per train and projection. The NEST synapse holds its
    parameters per synapse: one tsodyks2 projection carries the depressing
    (trains 0, 1) and the facilitating (trains 2, 3) settings."""
    net = Network(dt=STP_DT, seed=1)
    pre = net.create(4, TRAIN)
    pre.period = [50.0, 20.0, 50.0, 20.0]
    pre.n_spikes = 20
    synapses = {
        "STP depressing": STP(U=0.5, tau_rec=800.0),          # tau_facil = 0.01 (default)
        "STP facilitating": STP(U=0.05, tau_rec=100.0, tau_facil=1000.0),
        "tsodyks2": tsodyks2_synapse,                          # NEST defaults, set below
        "tsodyks": tsodyks_synapse(**TM3),
    }
    mons, projs = {}, {}
    for label, syn in synapses.items():
        post = net.create(4, RECEIVER)
        projs[label] = net.connect(pre, post, "exc", synapse=syn)
        projs[label].one_to_one(weights=STP_WEIGHT)
        mons[label] = net.monitor(post, "x")
    t2 = projs["tsodyks2"]
    for name in ("U", "tau_rec", "tau_fac"):
        setattr(t2, name, [[DEPRESSING[name]]] * 2 + [[FACILITATING[name]]] * 2)
    t2.u = [[0.5], [0.5], [0.05], [0.05]]
    spikes = net.monitor(pre, "spike")
    net.compile()
    net.simulate(1000.0)
    x = {label: m.get("x") for label, m in mons.items()}
    out = {
        "STP depressing": x["STP depressing"][:, :2],
        "STP facilitating": x["STP facilitating"][:, :2],
        "tsodyks2 depressing": x["tsodyks2"][:, :2],
        "tsodyks2 facilitating": x["tsodyks2"][:, 2:],
        "tsodyks": x["tsodyks"][:, :2],
    }
    spk = spikes.get("spike")
    assert spk[0] == spk[2] and spk[1] == spk[3]
    return spk, out


@pytest.mark.parametrize("label", list(STP_VARIANTS))
def test_short_term_plasticity_matches_the_tsodyks_markram_recursion(stp_run, label):
    spikes, data = stp_run
    params = STP_VARIANTS[label]
    for rank, period in ((0, 50.0), (1, 20.0)):
        steps = np.array(spikes[rank])
        assert len(steps) == 20
        np.testing.assert_array_equal(steps, np.rint((10.0 + period * np.arange(20)) / STP_DT))
        x = data[label][:, rank]
        # delivered one step after emission, nothing else arrives
        arrived = np.nonzero(x)[0]
        np.testing.assert_array_equal(arrived, steps + 1)
        intervals = np.diff(steps) * STP_DT
        if label.startswith("STP"):
            # ANNarchy's event-driven STP: a pre-synaptic event sees x and u as
            # of the previous step, so each interval counts one step less
            # (ANNarchy's own numbers: tests/engine/runtime/test_peer_event_driven.py)
            intervals = intervals - STP_DT
        expected = tm_recursion(intervals, x1=1.0, u1=params["U"], w=STP_WEIGHT, **params)
        np.testing.assert_allclose(x[arrived], expected, rtol=1e-9, atol=0)


def test_depressing_synapse_reaches_the_analytic_steady_state(stp_run):
    _, data = stp_run
    U, tau_rec, w = 0.5, 800.0, STP_WEIGHT
    for rank, period in ((0, 50.0), (1, 20.0)):
        for label in ("STP depressing", "tsodyks2 depressing"):
            seen = period - STP_DT if label.startswith("STP") else period  # as above
            E = math.exp(-seen / tau_rec)
            x_ss = (1.0 - E) / (1.0 - (1.0 - U) * E)      # fixed point of the recursion
            x = data[label][:, rank]
            last = x[np.nonzero(x)[0][-1]]
            # the recursion contracts by (1 - U) E per spike: after 19 intervals
            # |x_20 - x_ss| <= ((1 - U) E)^19 (x_1 - x_ss < 1)
            bound = ((1.0 - U) * E) ** 19
            assert abs(last - w * U * x_ss) <= w * U * bound
    # facilitation: the response grows from its first value
    x = data["STP facilitating"][:, 0]
    psc = x[np.nonzero(x)[0]]
    assert psc[0] == pytest.approx(STP_WEIGHT * 0.05) and psc[5] > 3 * psc[0]


def test_tsodyks_synapse_matches_the_three_state_model(stp_run):
    spikes, data = stp_run
    for rank in (0, 1):
        arrivals = (np.array(spikes[rank]) + 1) * STP_DT
        x = data["tsodyks"][:, rank]
        got = x[np.nonzero(x)[0]]
        expected = tm3_reference(arrivals, w=STP_WEIGHT, **TM3)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0)


def test_tsodyks2_first_spike_uses_the_initial_state_and_u_does_not_follow_U():
    syn = tsodyks2_synapse(U=0.05)            # u keeps NEST's default 0.5
    assert syn.values["u"] == 0.5
    assert syn.ir.variable("u").init == pytest.approx(0.5)
    assert syn.ir.variable("t_last").init == pytest.approx(-1.0)


# --- pair STDP ------------------------------------------------------------------------------

STDP_DT = 0.1
DELTAS = np.array([-40.0, -20.0, -10.0, -5.0, -5.0, -5.0, -1.0, 1.0, 5.0, 5.0, 5.0,
                   10.0, 20.0, 40.0])
NEST_W0 = np.array([10.0, 30.0, 50.0, 10.0, 50.0, 90.0, 70.0, 30.0, 10.0, 50.0, 90.0,
                    60.0, 40.0, 20.0])
BOUND_W0 = np.where(DELTAS > 0, 0.995, 0.005)
NEST_BOUND_W0 = np.where(DELTAS > 0, 99.9, 0.1)


@pytest.fixture(scope="module")
def stdp_run():
    """One pre->post pair per delta (t_post - t_pre, ms), four projections on
    the same pairs (the neurons spike on their clock, whatever they receive)."""
    n = len(DELTAS)
    net = Network(dt=STDP_DT, seed=2)
    pre = net.create(n, CLOCK)
    post = net.create(n, CLOCK)
    pre.ts = 100.0 - np.minimum(DELTAS, 0.0)
    post.ts = 100.0 + np.maximum(DELTAS, 0.0)
    projs = {}

    def connect(label, synapse, w0):
        proj = net.connect(pre, post, "exc", synapse=synapse, name=label)
        proj.one_to_one(weights=1.0)
        proj.w = [[v] for v in w0]
        projs[label] = proj

    connect("annarchy", STDP, np.full(n, 0.5))                   # the class itself
    connect("annarchy_bounds", STDP(A_minus=0.02), BOUND_W0)
    connect("nest_mult", stdp_synapse(**{"lambda": 0.02}, alpha=1.5), NEST_W0)
    connect("nest_add", stdp_synapse(mu_plus=0.0, mu_minus=0.0), NEST_BOUND_W0)
    # per-synapse time constants unlike the projection-wide ones of STDP above
    connect("nest_add_taus", stdp_synapse(mu_plus=0.0, mu_minus=0.0, tau_plus=10.0,
                                          tau_minus=30.0), np.full(n, 50.0))
    net.compile()
    net.simulate(300.0)
    return {k: per_post(p) for k, p in projs.items()}


def _seen(deltas, dt):
    """The lag of a pair as the rule sees it (ANNarchy's timing, the engine's
    module docstring): a pre spike emitted ``k >= 1`` steps before the post
    spike arrives ``k - 1`` steps before it; one emitted ``k >= 0`` steps
    after it meets the post trace ``k`` steps old (a pre-synaptic event sees
    the traces as of the previous step). Negative: depression."""
    d = np.asarray(deltas)
    return np.where(d > 0, d - dt, d)


def test_stdp_weight_change_follows_the_exponential_window(stdp_run):
    dw = stdp_run["annarchy"] - 0.5
    s = _seen(DELTAS, STDP_DT)
    expected = np.where(DELTAS > 0, 0.01 * np.exp(-s / 20.0), -0.01 * np.exp(s / 20.0))
    np.testing.assert_allclose(dw, expected, rtol=1e-12, atol=1e-15)
    # the textbook window within the one-step shift of the pre spike
    window = np.where(DELTAS > 0, 0.01, -0.01) * np.exp(-np.abs(DELTAS) / 20.0)
    np.testing.assert_allclose(dw, window, rtol=1.01 * STDP_DT / 20.0)


def test_stdp_bounds_are_respected(stdp_run):
    w = stdp_run["annarchy_bounds"]
    s = _seen(DELTAS, STDP_DT)
    free = BOUND_W0 + np.where(DELTAS > 0, 0.01 * np.exp(-s / 20.0), -0.02 * np.exp(s / 20.0))
    np.testing.assert_allclose(w, np.clip(free, 0.0, 1.0), rtol=1e-12, atol=1e-15)
    assert np.any(free > 1.0) and np.any(free < 0.0)     # both bounds were hit
    assert w.max() == 1.0 and w.min() == 0.0


def test_nest_stdp_multiplicative_form_scales_with_the_weight(stdp_run):
    Wmax, lam, alpha = 100.0, 0.02, 1.5
    w = stdp_run["nest_mult"]
    s = _seen(DELTAS, STDP_DT)
    k_plus = np.exp(-np.abs(s) / 20.0)          # trace of the other neuron's spike
    expected = np.where(
        DELTAS > 0,
        NEST_W0 + Wmax * lam * (1.0 - NEST_W0 / Wmax) * k_plus,
        NEST_W0 - Wmax * alpha * lam * (NEST_W0 / Wmax) * k_plus)
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    dw = w - NEST_W0
    pot = DELTAS == 5.0
    dep = DELTAS == -5.0
    ratio_pot = dw[pot] / (1.0 - NEST_W0[pot] / Wmax)
    ratio_dep = dw[dep] / (NEST_W0[dep] / Wmax)
    np.testing.assert_allclose(ratio_pot, ratio_pot[0], rtol=1e-12)
    np.testing.assert_allclose(ratio_dep, ratio_dep[0], rtol=1e-12)
    assert ratio_pot[0] > 0 > ratio_dep[0]


def test_nest_stdp_additive_form_and_bounds(stdp_run):
    w = stdp_run["nest_add"]
    s = _seen(DELTAS, STDP_DT)
    free = NEST_BOUND_W0 + np.where(DELTAS > 0, 1.0, -1.0) * np.exp(-np.abs(s) / 20.0)
    np.testing.assert_allclose(w, np.clip(free, 0.0, 100.0), rtol=1e-12, atol=1e-13)
    assert w.max() == 100.0 and w.min() == 0.0


def test_nest_stdp_decays_with_its_own_per_synapse_time_constants(stdp_run):
    # the traces' decays read tau_plus/tau_minus of each synapse (they were
    # once taken from another projection's variable of the same name)
    w = stdp_run["nest_add_taus"]
    s = _seen(DELTAS, STDP_DT)
    expected = 50.0 + np.where(DELTAS > 0, np.exp(-s / 10.0), -np.exp(s / 30.0))
    np.testing.assert_allclose(w, expected, rtol=1e-12)


# --- triplet STDP ---------------------------------------------------------------------------

TRIP_DT = 0.5
FREQS = np.array([1.0, 10.0, 20.0, 40.0, 50.0])
N_PAIRS = 60
TRIPLET_VARIANTS = {
    "minimal all-to-all": TripletSTDP(w_max=10.0),
    "minimal nearest": TripletSTDP(**TripletSTDP.PARAMETER_SETS["minimal_nearest"],
                                   nearest=True, w_max=10.0),
    "full all-to-all": TripletSTDP(**TripletSTDP.PARAMETER_SETS["full_all_to_all"],
                                   w_max=10.0),
    # control: the same machinery without triplet terms is a pair rule
    "pair only": TripletSTDP(A2_plus=5e-3, A3_plus=0.0, w_max=10.0),
}


def triplet_reference(pre, post, p, nearest, w0, dt):
    """Pfister & Gerstner (2006) eqs. 3-4, event by event with exact decays.
    ``pre``: times at which pre spikes reach the synapse; ``post``: post spike
    times; at equal times the pre spike is handled first. As in ANNarchy, a
    pre spike sees the traces as they were one step (``dt``) before it
    arrives; every event then counts as the synapse's last at its own time."""
    events = sorted([(t, 0) for t in pre] + [(t, 1) for t in post])
    r1 = r2 = o1 = o2 = 0.0
    w, last = w0, 0.0
    for t, kind in events:
        h = (t - dt if kind == 0 else t) - last
        r1 *= math.exp(-h / p["tau_plus"])
        r2 *= math.exp(-h / p["tau_x"])
        o1 *= math.exp(-h / p["tau_minus"])
        o2 *= math.exp(-h / p["tau_y"])
        if kind == 0:
            w = min(max(w - o1 * (p["A2_minus"] + p["A3_minus"] * r2), p["w_min"]), p["w_max"])
            r1, r2 = (1.0, 1.0) if nearest else (r1 + 1.0, r2 + 1.0)
        else:
            w = min(max(w + r1 * (p["A2_plus"] + p["A3_plus"] * o2), p["w_min"]), p["w_max"])
            o1, o2 = (1.0, 1.0) if nearest else (o1 + 1.0, o2 + 1.0)
        last = t
    return w


@pytest.fixture(scope="module")
def triplet_run():
    """60 pairings at each frequency, post 10 ms after (first half) or
    before (second half) the pre spike."""
    lags = np.concatenate([np.full(FREQS.size, 10.0), np.full(FREQS.size, -10.0)])
    periods = np.tile(1000.0 / FREQS, 2)
    net = Network(dt=TRIP_DT, seed=3)
    pre = net.create(lags.size, TRAIN)
    post = net.create(lags.size, TRAIN)
    pre.period = periods
    post.period = periods
    pre.n_spikes = N_PAIRS
    post.n_spikes = N_PAIRS
    pre.t0 = 100.0
    post.t0 = 100.0 + lags
    projs = {}
    for label, syn in TRIPLET_VARIANTS.items():
        proj = net.connect(pre, post, "exc", synapse=syn)
        proj.one_to_one(weights=1.0)
        projs[label] = proj
    sp_pre = net.monitor(pre, "spike")
    sp_post = net.monitor(post, "spike")
    net.compile()
    net.simulate(100.0 + N_PAIRS * 1000.0 / FREQS.min() + 50.0)
    weights = {k: per_post(p) for k, p in projs.items()}
    return lags, sp_pre.get("spike"), sp_post.get("spike"), weights


@pytest.mark.parametrize("label", list(TRIPLET_VARIANTS))
def test_triplet_stdp_matches_the_online_rule(triplet_run, label):
    lags, spre, spost, weights = triplet_run
    syn = TRIPLET_VARIANTS[label]
    for i in range(lags.size):
        assert len(spre[i]) == N_PAIRS and len(spost[i]) == N_PAIRS
        pre_seen = (np.array(spre[i]) + 1) * TRIP_DT       # delivered one step later
        post_t = np.array(spost[i]) * TRIP_DT
        expected = triplet_reference(pre_seen, post_t, syn.values, syn.values["nearest"], 1.0,
                                      TRIP_DT)
        assert weights[label][i] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_triplet_potentiation_grows_with_pairing_frequency(triplet_run):
    lags, _, _, weights = triplet_run
    for label in ("minimal all-to-all", "minimal nearest"):
        dw = weights[label] - 1.0
        plus, minus = dw[lags > 0], dw[lags < 0]
        # pre-post pairing: potentiation increases with the pairing frequency
        assert np.all(np.diff(plus) > 0), (label, plus)
        # post-pre pairing: depression at low frequency, potentiation at 50 Hz
        assert minus[0] < 0 < minus[-1], (label, minus)
    assert np.all(np.diff(weights["full all-to-all"][lags > 0] - 1.0) > 0)
    # a pair rule cannot do it: without the triplet terms the pre-post pairing
    # potentiates less at high frequency (the next pre spike depresses)
    pair = weights["pair only"][lags > 0] - 1.0
    assert pair[0] > 0 and np.all(np.diff(pair[1:]) < 0), pair


# --- rate-coded rules -----------------------------------------------------------------------

RATE_STEPS = 20000


@pytest.fixture(scope="module")
def rate_run():
    net = Network(dt=1.0, seed=4)
    const = Neuron(parameters="r = 1.0", name="Const")
    driven = Neuron(parameters="k = 1.0\neps = 0.0", equations="r = k + eps * sum(exc)",
                    name="Driven")
    linear = Neuron(equations="r = sum(exc)", name="Linear")
    wave = Neuron(parameters="A = 1.0\nB = 0.0\nP = 10.0\neps = 0.0",
                  equations="r = A + B * sin(6.283185307179586 * t / P) + eps * sum(exc)",
                  name="Wave")
    # Hebb: two inputs (2 and -1) onto a neuron held at 3
    h_pre = net.create(2, const)
    h_pre.r = [2.0, -1.0]
    h_post = net.create(1, driven)
    h_post.k = 3.0
    hebb = net.connect(h_pre, h_post, "exc", synapse=Hebb)
    hebb.all_to_all(weights=0.5)
    # Oja: constant inputs (1, 2) onto a linear neuron
    o_pre = net.create(2, const)
    o_pre.r = [1.0, 2.0]
    o_post = net.create(1, linear)
    oja = net.connect(o_pre, o_post, "exc", synapse=Oja(eta=0.01, alpha=4.0))
    oja.all_to_all(weights=0.1)
    # IBCM: one neuron at a constant rate 1.5, one oscillating 1 + 0.5 sin
    i_pre = net.create(1, const)
    i_post = net.create(2, wave)
    i_post.A = [1.5, 1.0]
    i_post.B = [0.0, 0.5]
    ibcm = net.connect(i_pre, i_post, "exc", synapse=IBCM())
    ibcm.all_to_all(weights=0.2)
    net.compile()
    net.simulate(100.0)
    early = {"hebb": np.array(hebb.dendrite(0).w), "theta": np.array(ibcm.theta)}
    net.simulate(RATE_STEPS - 100.0)
    late = {"hebb": np.array(hebb.dendrite(0).w), "oja": np.array(oja.dendrite(0).w),
            "theta": np.array(ibcm.theta)}
    return early, late


def test_hebb_grows_by_eta_pre_post_dt_per_step(rate_run):
    early, _ = rate_run
    eta, dt = 0.01, 1.0
    # explicit Euler, one update per step, min = 0
    assert early["hebb"][0] == pytest.approx(0.5 + 100 * eta * 2.0 * 3.0 * dt, rel=1e-12)
    assert early["hebb"][1] == 0.0                  # 0.5 - 0.03 per step, bounded at 0


def test_oja_weight_norm_converges_to_one_over_sqrt_alpha(rate_run):
    _, late = rate_run
    w = late["oja"]
    assert np.linalg.norm(w) == pytest.approx(1.0 / math.sqrt(4.0), rel=1e-9)
    x = np.array([1.0, 2.0])
    assert w @ x / (np.linalg.norm(w) * np.linalg.norm(x)) == pytest.approx(1.0, abs=1e-12)


def test_ibcm_threshold_tracks_the_mean_squared_rate(rate_run):
    early, late = rate_run
    tau = 2000.0
    # constant rate 1.5: exponential Euler is exact, theta = r^2 (1 - exp(-t/tau))
    assert early["theta"][0] == pytest.approx(2.25 * (1 - math.exp(-100.0 / tau)), rel=1e-12)
    assert late["theta"][0] == pytest.approx(2.25 * (1 - math.exp(-RATE_STEPS / tau)),
                                             rel=1e-12)
    # oscillating rate: theta -> <r^2> = A^2 + B^2/2 = 1.125 (ripple ~ P/(2 pi tau))
    assert late["theta"][1] == pytest.approx(1.125, rel=2e-3)


# --- keywords, errors, documentation ----------------------------------------------------------

def test_keyword_overrides_reach_the_model_text():
    s = STDP(tau_plus=10.0, A_minus=0.0105)
    assert s.values["tau_plus"] == 10.0 and s.values["A_minus"] == 0.0105
    assert s.values["tau_minus"] == 20.0
    assert s.ir.variable("tau_plus").init == pytest.approx(10.0)
    assert s.ir.variable("tau_plus").locality == "global"
    assert repr(s) == "STDP(tau_plus=10.0, A_minus=0.0105)"
    assert STP(U=0.2).ir.variable("U").locality == "local"
    assert stdp_synapse(lambda_=0.03).values["lambda_"] == 0.03
    nest = stdp_synapse(**{"lambda": 0.03})
    assert nest.ir.variable("lambda_").init == pytest.approx(0.03)
    assert repr(nest) == "stdp_synapse(lambda_=0.03)"
    assert tsodyks_synapse(x=0.8, y=0.1).ir.variable("y").init == pytest.approx(0.1)
    t = TripletSTDP(nearest=True)
    assert "r1 = 1.0" in t.pre_spike and "o2 = 1.0" in t.post_spike
    assert "r1 += 1.0" in TripletSTDP().pre_spike
    assert str(inspect.signature(Hebb)) == "(*, eta=0.01)"
    for cls in list_standard_synapses():
        m = cls()
        assert m.ir.name == cls.__name__
        clone = pickle.loads(pickle.dumps(cls()))
        assert clone.ir == m.ir


@pytest.mark.parametrize("make, match", [
    (lambda: STDP(tau_pluss=1.0), r"STDP: unknown parameter 'tau_pluss' \(did you mean "
                                  r"'tau_plus'\?\)\. Valid keywords: tau_plus, tau_minus"),
    (lambda: Hebb(learning_rate=0.1), r"Hebb: unknown parameter 'learning_rate'.*eta"),
    (lambda: STDP(tau_plus="fast"), r"STDP: parameter 'tau_plus' must be a real number, "
                                    r"got 'fast' \(str\)"),
    (lambda: STP(U=True), r"STP: parameter 'U' must be a real number"),
    (lambda: Oja(eta=float("nan")), r"Oja: parameter 'eta' must be finite"),
    (lambda: TripletSTDP(nearest=1), r"TripletSTDP: 'nearest' must be True or False"),
    (lambda: STP(tau_facil=0.0), r"STP: tau_facil must be > 0"),
    (lambda: tsodyks2_synapse(U=1.5), r"tsodyks2_synapse: U must be in \[0, 1\]"),
    (lambda: tsodyks_synapse(x=0.8, y=0.5), r"x \+ y must be <= 1"),
    (lambda: tsodyks_synapse(tau_psc=800.0), r"tau_psc must differ from tau_rec"),
    (lambda: STDP(w_min=2.0), r"w_min \(2.0\) must not exceed w_max"),
    (lambda: static_synapse(weight=2.0), r"static_synapse: 'weight' is not a parameter of the "
                                         r"synapse model in this engine: the weights are set "
                                         r"by the connector"),
    (lambda: stdp_synapse(delay=1.0), r"'delay' .* delays are set by the connector"),
    (lambda: stdp_synapse(**{"lambda": 0.1}, lambda_=0.2), r"given twice"),
    (lambda: StandardSynapse(), r"StandardSynapse is an abstract base"),
])
def test_bad_keywords_raise_clear_model_errors(make, match):
    with pytest.raises(ModelError, match=match):
        make()


def test_every_model_documents_its_parameters_timing_and_reference():
    for cls in list_standard_synapses():
        doc = cls.__doc__
        assert "Reference" in doc, cls.__name__
        assert "Timing" in doc or "timing" in doc.lower(), cls.__name__
        for key in list(cls.defaults) + list(cls.switches):
            shown = {v: k for k, v in cls.aliases.items()}.get(key, key)
            assert f"\n    {shown} " in doc, (cls.__name__, key)
