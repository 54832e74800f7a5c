"""Independent references for behaviours the mutation check found unguarded.

benchmarks/mutation_check.py plants one-line bugs in the engine; every test
here kills at least one mutant that the rest of the suite let through. Each
compares the engine with something it did not produce: a closed form, an
integration with scipy's ``solve_ivp`` of equations written here from the
published model (PyNN / ANNarchy documentation, the BOLD papers), or a
definition (a rate in Hz is spikes per second).

Conventions, stated once (ANNarchy's, which the engine follows on purpose):

- **Step k** runs at ``t = k*dt``: first every projection delivers (spikes
  emitted before this step, rate-coded weighted sums of the rates as they
  were at the end of the previous step), then every population integrates
  from its start-of-step state to ``t + dt``. A monitor's row k is therefore
  the state at the end of step k, i.e. at time ``(k + 1)*dt``, and
  ``recorded_times()`` gives ``k*dt``, the ``t`` the equations saw (as
  ANNarchy's monitors, whose first record of ``r = t`` is 0).
- **A spike emitted at step k is delivered at step k + d**, ``d`` the delay
  in steps (at least 1): ANNarchy and NEST both have a minimum delay of one
  step; this is checked against both elsewhere
  (tests/engine/runtime/test_projections.py, test_peer_event_driven.py).
- **Rate-coded delays**: with a delay of ``d`` steps the weighted sum at step
  k reads the pre-synaptic rate computed at step ``k - d`` (before the start,
  the initial rate). ``d = 1`` is the undelayed case: ANNarchy computes all
  weighted sums before updating any neuron, so an undelayed sum already
  reads the previous step's rate; its delayed projections read the history
  buffer ``d - 1`` steps further back (ANNarchy documents a delay of ``d`` ms
  as "the post-synaptic neuron sees the pre-synaptic rate as it was ``d`` ms
  ago", which for ``d = dt`` is the undelayed sum).
- **Delays and spike times in ms are rounded to the nearest step**: 0.3 ms
  at dt = 0.1 ms is 3 steps although ``0.3 / 0.1 == 2.9999999999999996`` in
  floating point. Any other rule would make the time the user typed and the
  time simulated disagree.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from engine import (
    CurrentInjection, DecodingProjection, InputArray, Network, Neuron, SpikeSourceArray,
)
from engine.models import (
    EIF_cond_alpha_isfa_ista, EIF_cond_exp_isfa_ista, HH_cond_exp, IF_cond_alpha, IF_cond_exp,
    IF_curr_alpha, IF_curr_exp, Izhikevich, LeakyIntegrator,
)
from engine.models.bold import (
    balloon_CL, balloon_CN, balloon_maith2021, balloon_RL, balloon_RN, balloon_two_inputs,
)
from engine.models.synapses import STDP, Hebb, stdp_synapse


# ---------------------------------------------------------------------------
# rate-coded transmission: per-synapse, uniform and no delays (closed form)
# ---------------------------------------------------------------------------

# r computed at step s is sin(omega * s*dt + phase): a closed form of every past rate
SINE = Neuron(parameters="omega = 0.0\nphase = 0.0", equations="r = sin(omega * t + phase)",
              name="RefSine")
READOUT = Neuron(equations="r = sum(exc)", name="RefReadout")


def _rate_case(dt, delay_kind, n_steps=40):
    rng = np.random.default_rng(7)
    n_pre, n_post = 7, 6           # rows of 7 synapses: the unrolled 4 and the remainder
    W = rng.uniform(0.5, 2.0, (n_post, n_pre))
    W[1, 2] = W[3, 6] = np.nan    # no synapse
    if delay_kind == "synapse":
        steps = rng.integers(1, 9, (n_post, n_pre))
        steps[0, 0] = 0            # 0 ms: the undelayed sum (one step)
    elif delay_kind == "uniform":
        steps = np.full((n_post, n_pre), 3)
    else:
        steps = np.zeros((n_post, n_pre), dtype=int)
    # delays typed as a user would: 0.3 ms, not 3 * 0.1 = 0.30000000000000004
    delays = np.round(steps * dt, 10)
    net = Network(dt=dt, seed=1)
    pre = net.create(n_pre, SINE)
    pre.omega = rng.uniform(0.2, 1.0, n_pre) / dt
    pre.phase = rng.uniform(0.0, 2 * np.pi, n_pre)
    post = net.create(n_post, READOUT)
    # a learning rule without a psp transmits ANNarchy's default, w * pre.r
    # (eta = 0: the weights stay as given)
    synapse = Hebb(eta=0.0) if delay_kind == "none, Hebb" else None
    proj = net.connect(pre, post, "exc", synapse=synapse)
    if delay_kind in ("none", "none, Hebb"):
        proj.from_matrix(W)
    elif delay_kind == "uniform":
        proj.from_matrix(W, delays=float(delays[0, 0]))
    else:
        proj.from_matrix(W, delays=delays)
    m = net.monitor(post, "r")
    net.compile()
    net.simulate(n_steps * dt)
    # the reference: post i at step k sums w_ij * r_j(k - d_ij), d_ij >= 1 step
    d = np.maximum(steps, 1)
    k = np.arange(n_steps)[:, None, None]
    src = k - d[None]                                     # (k, post, pre)
    r_src = np.where(src >= 0, np.sin(pre.omega[None, None] * src * dt + pre.phase[None, None]),
                     0.0)                                 # initial r = 0 before the start
    expected = np.nansum(W[None] * r_src, axis=2)
    return m.get("r"), expected


@pytest.mark.parametrize("dt", [1.0, 0.1])
@pytest.mark.parametrize("delay_kind", ["synapse", "uniform", "none", "none, Hebb"])
def test_rate_coded_sums_read_each_pre_rate_its_delay_back(delay_kind, dt):
    got, expected = _rate_case(dt, delay_kind)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------
# every BOLD model against solve_ivp of the published equations
# ---------------------------------------------------------------------------

DRIVE = Neuron(name="RefBoldDrive", parameters="inp = 0.0", equations="r = inp")

# one parameter set for the four balloon variants, passed explicitly to each model
BALLOON = dict(phi=1.0, kappa=1 / 1.54, gamma=1 / 2.46, E_0=0.34, tau=0.98, alpha=0.33,
               V_0=0.02, v_0=40.3, TE=0.04, epsilon=1.43)
MAITH = dict(phi=1.0, kappa=0.665, gamma=0.412, E_0=0.3424, tau=1.0368, alpha=0.3215, V_0=0.02)
TWO = dict(kappa_CBF=0.6 * math.sqrt(4 / 2.46), gamma_CBF=1 / 2.46,
           kappa_CMRO2=math.sqrt(4 * 10 / 2.46), gamma_CMRO2=10 / 2.46, phi_CBF=1.0,
           phi_CMRO2=1.0, E_0=0.34, tau=0.98, alpha=0.33, V_0=0.02, v_0=40.3, TE=0.04,
           epsilon=1.0, r_0=25.0, tau_out1=0.0, tau_out2=20.0)


def _coefficients(kind, p):
    """k1, k2, k3 of the BOLD equation.

    revised (Obata et al. 2004; Stephan et al. 2007, eq. 8): 4.3 v0 E0 TE,
    eps r0 E0 TE, 1 - eps; classic, as ANNarchy's balloon_C* document them:
    (1 - V0) 4.3 v0 E0 TE, 2 E0, 1 - eps; Maith et al. (2021) (Buxton's):
    7 E0, 2, 2 E0 - 0.2."""
    if kind == "R":
        return 4.3 * p["v_0"] * p["E_0"] * p["TE"], p["epsilon"] * p["r_0"] * p["E_0"] * p["TE"], \
            1.0 - p["epsilon"]
    if kind == "C":
        return (1 - p["V_0"]) * 4.3 * p["v_0"] * p["E_0"] * p["TE"], 2 * p["E_0"], \
            1.0 - p["epsilon"]
    return 7 * p["E_0"], 2.0, 2 * p["E_0"] - 0.2


def _bold(q, v, p, kind, linear):
    k1, k2, k3 = _coefficients(kind, p)
    if linear:   # Stephan et al. (2007), eq. 12: first-order expansion around rest
        return p["V_0"] * ((k1 + k2) * (1 - q) + (k3 - k2) * (1 - v))
    return p["V_0"] * (k1 * (1 - q) + k2 * (1 - q / v) + k3 * (1 - v))


def _balloon_rhs(t, y, u, p):
    """Friston et al. (2000) with time in seconds: s, f, q, v."""
    s, f, q, v = y
    E = 1 - (1 - p["E_0"]) ** (1 / f)
    f_out = v ** (1 / p["alpha"])
    return [p["phi"] * u - p["kappa"] * s - p["gamma"] * (f - 1), s,
            (f * E / p["E_0"] - q / v * f_out) / p["tau"], (f - f_out) / p["tau"]]


def _two_inputs_rhs(t, y, u, p):
    """Maith et al. (2022) / Buxton et al. (2004): CBF and CMRO2 oscillators,
    viscoelastic venous outflow (tau_out1 while inflating, tau_out2 deflating)."""
    s_f, f, s_r, r, q, v = y
    dv = f - v ** (1 / p["alpha"])
    tau_out = p["tau_out1"] if dv > 0 else p["tau_out2"]
    f_out = v ** (1 / p["alpha"]) + tau_out * dv / (p["tau"] + tau_out)
    return [p["phi_CBF"] * u - p["kappa_CBF"] * s_f - p["gamma_CBF"] * (f - 1), s_f,
            p["phi_CMRO2"] * u * p["gamma_CMRO2"] / p["gamma_CBF"] - p["kappa_CMRO2"] * s_r
            - p["gamma_CMRO2"] * (r - 1), s_r,
            (r - q / v * f_out) / p["tau"], dv / (p["tau"] + tau_out)]


def _reference(rhs, y0, segments, times_s, p):
    out = np.zeros((times_s.size, len(y0)))
    y = np.array(y0, dtype=float)
    bounds = [a for a, _ in segments] + [times_s[-1] + 1.0]
    for (a, u), b in zip(segments, bounds[1:]):
        sol = solve_ivp(rhs, (a, b), y, args=(u, p), method="LSODA", rtol=1e-10, atol=1e-12,
                        dense_output=True, max_step=0.05)
        sel = (times_s >= a) & (times_s < b)
        out[sel] = sol.sol(times_s[sel]).T
        y = sol.sol(b)
    return out


def test_every_bold_model_follows_its_published_equations():
    dt, on, off, end, amp = 1.0, 500.0, 2500.0, 9000.0, 0.3
    models = {
        "RN": (balloon_RN(**BALLOON, r_0=25.0), dict(BALLOON, r_0=25.0), "R", False),
        "RL": (balloon_RL(**BALLOON, r_0=25.0), dict(BALLOON, r_0=25.0), "R", True),
        "CN": (balloon_CN(**BALLOON), BALLOON, "C", False),
        "CL": (balloon_CL(**BALLOON), BALLOON, "C", True),
        "maith2021": (balloon_maith2021(**MAITH), MAITH, "M", False),
        "two_inputs": (balloon_two_inputs(**TWO), TWO, "R", False),
    }
    net = Network(dt=dt, seed=1)
    region = net.create(4, DRIVE, name="region")
    monitors = {}
    for name, (model, _, _, _) in models.items():
        mapping = {"I_CBF": "r", "I_CMRO2": "r"} if name == "two_inputs" else None
        monitors[name] = net.boldmonitor([region], bold_model=model, mapping=mapping,
                                         start=True, name=f"bold_{name}")
    net.compile()
    net.simulate(on)
    region.inp = amp
    net.simulate(off - on)
    region.inp = 0.0
    net.simulate(end - off)
    # row k: state at (k + 1) dt; the rate set at t = on is summed one step later
    times = (np.arange(int(end / dt)) + 1) * dt / 1000.0
    segments = [(0.0, 0.0), ((on + dt) / 1000.0, amp), ((off + dt) / 1000.0, 0.0)]
    for name, (_, p, kind, linear) in models.items():
        got = monitors[name].get("BOLD")[:, 0]
        if name == "two_inputs":
            y = _reference(_two_inputs_rhs, [0, 1, 0, 1, 1, 1], segments, times, p)
            q, v = y[:, 4], y[:, 5]
        else:
            y = _reference(_balloon_rhs, [0, 1, 1, 1], segments, times, p)
            q, v = y[:, 2], y[:, 3]
        ref = _bold(q, v, p, kind, linear)
        scale = np.abs(ref).max()
        assert scale > 1e-3, name
        # explicit Euler at dt = 1 ms against the exact solution: O(dt) error, < 1 %
        err = np.abs(got - ref).max() / scale
        assert err < 1e-2, (name, err)
        assert got.max() == pytest.approx(ref.max(), rel=1e-2), name


# ---------------------------------------------------------------------------
# one excitatory and one inhibitory spike into every built-in spiking neuron
# ---------------------------------------------------------------------------

DT = 0.1
T_SPIKE = 1.0                  # the source spikes at step 10 ...
K0 = 11                        # ... delivered at step 11 (one-step minimum delay)
T0 = K0 * DT                   # the kick at the start of step 11
N_STEPS = 600
TAU_E, TAU_I = 5.0, 2.0        # distinct on purpose: a swapped time constant shows


def _exp_kernel(s, tau):
    return np.where(s >= 0, np.exp(-np.maximum(s, 0) / tau), 0.0)


def _alpha_kernel(s, tau):
    """PyNN's alpha synapse: peak 1 at s = tau."""
    s = np.maximum(s, 0.0)
    return (s / tau) * np.exp(1 - s / tau)


def _lif_reference(cls, w, target, p):
    """v(t) of one input spike at T0, written from PyNN's definitions of the model."""
    alpha = "alpha" in cls.__name__
    cond = "cond" in cls.__name__
    kernel = _alpha_kernel if alpha else _exp_kernel
    tau = TAU_E if target == "exc" else TAU_I

    def g(t):
        return w * kernel(t - T0, tau) if t >= T0 else 0.0

    def rhs(t, y):
        v = y[0]
        ge, gi = (g(t), 0.0) if target == "exc" else (0.0, g(t))
        if cond:
            syn = ge * (p["e_rev_E"] - v) + gi * (p["e_rev_I"] - v)
        else:
            syn = ge - gi
        if cls.__name__.startswith("EIF"):
            wa = y[1]
            dv = (p["v_rest"] - v + p["delta_T"] * math.exp((v - p["v_thresh"]) / p["delta_T"])
                  + p["tau_m"] / p["cm"] * (syn - wa)) / p["tau_m"]
            dw = (p["a"] * (v - p["v_rest"]) / 1000.0 - wa) / p["tau_w"]
            return [dv, dw]
        return [(p["cm"] * (p["v_rest"] - v) / p["tau_m"] + syn) / p["cm"]]

    y0 = [p["v_reset"], 0.0] if cls.__name__.startswith("EIF") else [p["v_reset"]]
    times = (np.arange(N_STEPS) + 1) * DT
    sol = solve_ivp(rhs, (0.0, times[-1]), y0, method="LSODA", rtol=1e-10, atol=1e-12,
                    t_eval=times, max_step=DT / 4)
    return sol.y[0]


LIF_LIKE = [IF_curr_exp, IF_cond_exp, IF_curr_alpha, IF_cond_alpha,
            EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista]


def _psp_network(cls, w, **params):
    """Post 0 gets one excitatory spike, post 1 one inhibitory, post 2 nothing."""
    net = Network(dt=DT, seed=1)
    src = net.create(SpikeSourceArray([[T_SPIKE], [T_SPIKE]]))
    post = net.create(3, cls(**params))
    net.connect(src[0:1], post[0:1], "exc").one_to_one(weights=w)
    net.connect(src[1:2], post[1:2], "inh").one_to_one(weights=w)
    m = net.monitor(post, "v")
    net.compile()
    net.simulate(N_STEPS * DT)
    return m.get("v"), post


@pytest.mark.parametrize("cls", LIF_LIKE, ids=lambda c: c.__name__)
def test_one_exc_and_one_inh_spike_give_the_psp_of_the_model(cls):
    """Sign, peak and shape of both PSPs against an accurate integration of the
    model's equations (PyNN's IF_*/EIF_*: currents in nA, conductances in uS,
    exponential or alpha kernels of peak w), to O(dt)."""
    w = 0.01 if "cond" in cls.__name__ else 1.0
    params = dict(tau_syn_E=TAU_E, tau_syn_I=TAU_I)
    if cls.__name__.startswith("EIF"):
        params["v_thresh"] = -40.0      # keep the exponential term negligible at rest
    v, post = _psp_network(cls, w, **params)
    p = {k: float(np.atleast_1d(getattr(post, k))[0]) for k in cls(**params).values}
    control = _lif_reference(cls, 0.0, "exc", p)
    np.testing.assert_allclose(v[:, 2], control, rtol=0, atol=1e-6)  # rest stays rest
    for idx, target, sign in ((0, "exc", 1.0), (1, "inh", -1.0)):
        psp = v[:, idx] - v[:, 2]
        ref = _lif_reference(cls, w, target, p) - control
        peak = np.abs(ref).max()
        assert peak > 0.05, (target, peak)                   # a PSP worth measuring
        assert np.all(psp[:K0] == 0.0)                       # nothing before the spike
        assert sign * psp[np.argmax(np.abs(psp))] > 0, target  # depolarising / hyperpolarising
        assert np.abs(psp).max() == pytest.approx(peak, rel=0.05), target
        assert abs(int(np.argmax(np.abs(psp))) - int(np.argmax(np.abs(ref)))) * DT <= 0.5
        assert np.abs(psp - ref).max() < 0.05 * peak, target


@pytest.mark.parametrize("cls", [Izhikevich, HH_cond_exp], ids=lambda c: c.__name__)
def test_exc_spike_depolarises_and_inh_spike_hyperpolarises(cls):
    """Izhikevich (instantaneous current: I = w during the step the spike
    arrives, ANNarchy's documented behaviour) and HH (conductances): the sign
    of each PSP against an unstimulated twin."""
    if cls is Izhikevich:
        w = 5.0
        v, _ = _psp_network(cls, w)
        # explicit Euler: the arrival step adds exactly dt * (+-w) to v
        assert v[K0, 0] - v[K0, 2] == pytest.approx(DT * w, rel=1e-9)
        assert v[K0, 1] - v[K0, 2] == pytest.approx(-DT * w, rel=1e-9)
        np.testing.assert_array_equal(v[:K0, 0], v[:K0, 2])
    else:
        w = 0.002                       # below the action-potential threshold
        v, _ = _psp_network(cls, w, tau_syn_E=TAU_E, tau_syn_I=TAU_I)
        window = slice(K0, K0 + 100)
        assert (v[window, 0] - v[window, 2]).max() > 0.1
        assert (v[window, 0] - v[window, 2]).min() >= -1e-9
        assert (v[window, 1] - v[window, 2]).min() < -0.01
        assert (v[window, 1] - v[window, 2]).max() <= 1e-9


# ---------------------------------------------------------------------------
# spike tests are strict (ANNarchy's ``v > v_thresh``)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("cls, params", [
    # dv/dt = 0.04*4225 - 325 + 140 + 13 + 3 = 0 exactly: v sits on -65.0
    (Izhikevich, dict(v_thresh=-65.0, i_offset=3.0)),
    # v starts at v_reset = v_rest: dv/dt = 0 exactly
    (IF_curr_exp, dict(v_thresh=-65.0)),
    (IF_cond_exp, dict(v_thresh=-65.0)),
    (IF_curr_alpha, dict(v_thresh=-65.0)),
    (IF_cond_alpha, dict(v_thresh=-65.0)),
], ids=lambda x: getattr(x, "__name__", ""))
def test_a_neuron_exactly_at_threshold_does_not_spike(cls, params):
    """ANNarchy's standard models spike when ``v > v_thresh`` (strictly; its
    Neurons.py), unlike NEST's ``V_m >= V_th``: the engine's ANNarchy
    models follow ANNarchy. The state is held exactly on the threshold
    (every term of dv/dt is an integer, so no rounding)."""
    net = Network(dt=0.1, seed=1)
    pop = net.create(1, cls(**params))
    m = net.monitor(pop, ["v", "spike"])
    net.compile()
    net.simulate(5.0)
    data = m.get()
    np.testing.assert_array_equal(data["v"][:, 0], -65.0)
    assert data["spike"].get(0, []) == []


# ---------------------------------------------------------------------------
# LeakyIntegrator: r = (v - T)^+ with input sum(exc) - sum(inh) (closed form)
# ---------------------------------------------------------------------------

def test_leaky_integrator_subtracts_inhibition_and_thresholds_at_T():
    """ANNarchy's LeakyIntegrator: tau dv/dt + v = sum(exc) - sum(inh) + B,
    r = (v - T)^+. Constant inputs: v(t) = v_inf (1 - exp(-t/tau)), exact
    under exponential Euler; the sums of step k read the inputs set before."""
    dt, tau, T, B = 0.5, 10.0, 0.3, 0.1
    net = Network(dt=dt, seed=1)
    inp = net.create(InputArray(2))
    inp.r = [2.0, 0.5]
    li = net.create(1, LeakyIntegrator(tau=tau, T=T, B=B))
    net.connect(inp[0:1], li, "exc").all_to_all(weights=1.0)
    net.connect(inp[1:2], li, "inh").all_to_all(weights=1.0)
    m = net.monitor(li, ["v", "r"])
    net.compile()
    net.simulate(40 * dt)
    t_end = (np.arange(40) + 1) * dt
    v_ref = (2.0 - 0.5 + B) * (1 - np.exp(-t_end / tau))
    data = m.get()
    np.testing.assert_allclose(data["v"][:, 0], v_ref, rtol=1e-12, atol=1e-14)
    r = data["r"][:, 0]
    np.testing.assert_allclose(r, np.maximum(v_ref - T, 0.0), rtol=1e-12, atol=1e-14)
    assert r[0] == 0.0 and r[-1] > 0.5   # below, then above the threshold


# ---------------------------------------------------------------------------
# Izhikevich with a refractory period: u += d once per spike
# ---------------------------------------------------------------------------

def test_izhikevich_refractory_holds_v_and_bumps_u_once():
    """ANNarchy's Izhikevich: reset ``v = c; u += d : unless_refractory``:
    while refractory v is set back to c each step, u keeps integrating and
    gets d only at the spike. Reference: an explicit Euler loop."""
    dt, n, i_off, t_ref = 0.1, 3000, 12.0, 3.0
    p = dict(a=0.02, b=0.2, c=-65.0, d=8.0, v_thresh=30.0)
    net = Network(dt=dt, seed=1)
    pop = net.create(1, Izhikevich(**p, i_offset=i_off, tau_refrac=t_ref))
    m = net.monitor(pop, ["v", "u", "spike"])
    net.compile()
    net.simulate(n * dt)
    v, u = p["c"], p["b"] * p["c"]
    refr, spikes, us = 0, [], np.empty(n)
    for k in range(n):
        dv = 0.04 * v * v + 5.0 * v + 140.0 - u + i_off
        du = p["a"] * (p["b"] * v - u)
        v, u = v + dt * dv, u + dt * du
        if refr > 0:
            refr -= 1
            v = p["c"]
        elif v > p["v_thresh"]:
            spikes.append(k)
            v, u, refr = p["c"], u + p["d"], round(t_ref / dt)
        us[k] = u
    assert len(spikes) >= 5
    assert m.get("spike")[0] == spikes
    np.testing.assert_allclose(m.get("u")[:, 0], us, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------
# multi-stage and implicit methods inside a Network (generated code)
# ---------------------------------------------------------------------------

def _method_error(method, dt, t_end=4.0):
    """dr/dt = cos(t) - r/tau (+ a linear term so implicit methods matter):
    r(t) = (tau cos t + tau^2 sin t - tau e^{-t/tau}) / (1 + tau^2) from r(0) = 0."""
    tau = 0.5
    model = Neuron(parameters=f"tau = {tau}", equations=f"dr/dt = cos(t) - r / tau : {method}",
                   name=f"RefMethod_{method}")
    net = Network(dt=dt, seed=1)
    pop = net.create(1, model)
    m = net.monitor(pop, "r")
    net.compile()
    n = int(round(t_end / dt))
    net.simulate(n * dt)
    t = (np.arange(n) + 1) * dt        # row k: r at the end of step k
    exact = (tau * np.cos(t) + tau**2 * np.sin(t) - tau * np.exp(-t / tau)) / (1 + tau**2)
    return np.abs(m.get("r")[:, 0] - exact).max()


@pytest.mark.parametrize("method, order", [("explicit", 1), ("midpoint", 2), ("rk4", 4),
                                           ("implicit", 1), ("semiimplicit", 1),
                                           ("exponential", 1)])
def test_methods_converge_at_their_order_in_generated_code(method, order):
    """Halving dt divides the error by 2^order (the error of t-dependent input
    checks that the stages advance time, the linear term that the implicit
    methods divide by 1 - dt*B)."""
    e1, e2 = _method_error(method, 0.02), _method_error(method, 0.01)
    ratio = e1 / e2
    assert 2 ** order * 0.8 < ratio < 2 ** order * 1.25, (method, e1, e2, ratio)


@pytest.mark.parametrize("method", ["implicit", "semiimplicit"])
def test_backward_euler_is_the_textbook_recursion(method):
    """Backward Euler, x_{n+1} = x_n + dt f(x_{n+1}): for tau dx/dt = I - x
    (and for the linear part of a semi-implicit step) that is
    x_{n+1} = (x_n + dt I / tau) / (1 + dt / tau). The order test above
    cannot see a wrong denominator that keeps first order."""
    dt, tau, I, n = 0.5, 2.0, 3.0, 30
    model = Neuron(parameters=f"tau = {tau}\nI = {I}",
                   equations=f"tau * dr/dt = I - r : {method}", name=f"RefBackward_{method}")
    net = Network(dt=dt, seed=1)
    pop = net.create(1, model)
    m = net.monitor(pop, "r")
    net.compile()
    net.simulate(n * dt)
    x, ref = 0.0, []
    for _ in range(n):
        x = (x + dt * I / tau) / (1 + dt / tau)
        ref.append(x)
    np.testing.assert_allclose(m.get("r")[:, 0], ref, rtol=1e-13)


# ---------------------------------------------------------------------------
# STDP: which weight a pre-synaptic spike transmits
# ---------------------------------------------------------------------------

RECEIVER = Neuron(equations="x = g_exc", spike="x > 1e9", name="RefReceiver")


def _pair_run(synapse, w0):
    """The post neuron spikes at 10 ms (forced), the pre neuron at 15 ms:
    returns the conductance the post neuron received at each step and the
    weight after each step."""
    net = Network(dt=1.0, seed=1)
    pre = net.create(SpikeSourceArray([[15.0]]))
    post = net.create(1, Neuron(parameters="fire_at = 10.0", equations="x = g_exc",
                                spike="abs(t - fire_at) < 0.5", name="RefForcedPost"))
    proj = net.connect(pre, post, "exc", synapse=synapse)
    proj.one_to_one(weights=w0)
    m_post = net.monitor(post, "x")
    m_w = net.monitor(proj, "w")
    net.compile()
    net.simulate(30.0)
    return m_post.get("x")[:, 0], m_w.get("w")[:, 0, 0]


def test_annarchy_stdp_transmits_the_weight_before_the_update():
    """ANNarchy's STDP: pre_spike = g_target += w; x += ...; w = clip(w + y):
    the spike carries the weight it found, the depression applies after."""
    x, w = _pair_run(STDP(tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.05,
                          w_min=0.0, w_max=1.0), 0.5)
    arrival = int(np.flatnonzero(x)[0])
    assert x[arrival] == pytest.approx(0.5, abs=1e-12)          # the old weight
    assert w[-1] < 0.5                                           # depressed afterwards


def test_nest_stdp_synapse_transmits_the_depressed_weight():
    """NEST's stdp_synapse::send(): depression first (w from the post trace at
    the spike), then the event goes out with the new weight."""
    x, w = _pair_run(stdp_synapse(tau_plus=20.0, tau_minus=20.0, lambda_=0.1, alpha=1.0,
                                  mu_plus=0.0, mu_minus=0.0, Wmax=1.0), 0.5)
    arrival = int(np.flatnonzero(x)[0])
    assert w[-1] < 0.5
    assert x[arrival] == pytest.approx(w[-1], abs=1e-12)        # the depressed weight


# ---------------------------------------------------------------------------
# spike delivery to every post neuron, dense (all-to-all) and sparse rows
# ---------------------------------------------------------------------------

def test_spikes_reach_every_post_neuron_of_dense_and_sparse_rows():
    """x[k] of post i is the sum of w_ij over the pre neurons j that spiked at
    step k - 1 (one-step delay), for full rows (stored as runs of
    consecutive post ranks), rows with gaps, and a uniform all_to_all."""
    n_pre, n_post = 4, 12
    rng = np.random.default_rng(5)
    times = [[2.0, 7.0], [3.0], [5.0, 7.0], [9.0]]
    W_full = rng.uniform(0.5, 2.0, (n_post, n_pre))
    W_gaps = rng.uniform(0.5, 2.0, (n_post, n_pre))
    W_gaps[rng.random((n_post, n_pre)) < 0.3] = np.nan
    W_gaps[-1, :] = 3.0                     # the last post neuron in every row
    net = Network(dt=1.0, seed=1)
    src = net.create(SpikeSourceArray(times))
    post = net.create(n_post, RECEIVER)
    net.connect(src, post, "exc").from_matrix(W_full)
    net.connect(src, post, "exc").from_matrix(W_gaps)
    net.connect(src, post, "exc").all_to_all(weights=0.25)
    m = net.monitor(post, "x")
    net.compile()
    net.simulate(12.0)
    W = W_full + np.nan_to_num(W_gaps) + 0.25
    expected = np.zeros((12, n_post))
    for j, ts in enumerate(times):
        for t in ts:
            expected[int(round(t)) + 1] += W[:, j]
    np.testing.assert_allclose(m.get("x"), expected, rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------
# IBCM: the weight grows while post.r is above the sliding threshold
# ---------------------------------------------------------------------------

def test_ibcm_potentiates_above_the_threshold_and_depresses_below():
    """Bienenstock-Cooper-Munro (ANNarchy's IBCM): dw/dt = eta * post.r *
    (post.r - theta) * pre.r, theta following post.r^2 with time constant
    tau. With theta far below post.r the weight must grow at
    eta * r_post * (r_post - theta) * r_pre per ms; with theta far above it,
    shrink. Independent of the order of the theta and w updates within a
    step (theta hardly moves: tau = 1e6 ms)."""
    from engine.models.synapses import IBCM

    dt, eta, n = 1.0, 0.01, 20
    net = Network(dt=dt, seed=1)
    inp = net.create(InputArray(1))
    inp.r = [1.0]
    post = net.create(2, Neuron(parameters="B = 0.0", equations="r = B + 1e-300 * sum(exc)",
                                name="RefBiased"))
    post.B = [2.0, 0.5]        # post.r: 2 (above theta = 1) and 0.5 (below)
    proj = net.connect(inp, post, "exc", synapse=IBCM(eta=eta, tau=1e6))
    proj.all_to_all(weights=0.5)
    proj.theta = 1.0
    m = net.monitor(proj, "w")
    net.compile()
    net.simulate(n * dt)
    w = m.get("w")
    w = np.asarray(w).reshape(n, -1)
    for k, r_post in enumerate((2.0, 0.5)):
        rate = eta * r_post * (r_post - 1.0) * 1.0
        assert np.sign(np.diff(w[:, k])).tolist() == [np.sign(rate)] * (n - 1)
        assert w[-1, k] - w[0, k] == pytest.approx(rate * (n - 1) * dt, rel=1e-3)


# ---------------------------------------------------------------------------
# special projections and monitors
# ---------------------------------------------------------------------------

def test_current_injection_adds_to_what_spikes_bring():
    """ANNarchy's CurrentInjection adds r to g_target (``g_target += r``): a
    spike arriving on the same target in the same step adds its weight."""
    dt = 1.0
    net = Network(dt=dt, seed=1)
    inp = net.create(InputArray(1))
    inp.r = [0.25]
    src = net.create(SpikeSourceArray([[4.0]]))
    post = net.create(1, RECEIVER)
    net.connect(projection=CurrentInjection(inp, post, "exc")).connect_current()
    net.connect(src, post, "exc").one_to_one(weights=2.0)
    m = net.monitor(post, "x")
    net.compile()
    net.simulate(10.0)
    x = m.get("x")[:, 0]
    expected = np.full(10, 0.25)
    expected[5] += 2.0                      # emitted at step 4, delivered at 5
    np.testing.assert_allclose(x, expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("dt", [0.5, 0.25])
def test_decoding_projection_gives_rates_in_hz(dt):
    """A pre neuron spiking every other step fires at 1000 / (2 dt) Hz; the
    decoded sum (w = 1, window 4 ms) is that rate."""
    net = Network(dt=dt, seed=1)
    n_steps = 80
    times = [list(np.round(np.arange(0, n_steps, 2) * dt, 10))]
    src = net.create(SpikeSourceArray(times))
    out = net.create(1, READOUT)
    proj = net.connect(projection=DecodingProjection(src, out, "exc", window=4.0))
    proj.all_to_all(weights=1.0)
    m = net.monitor(out, "r")
    net.compile()
    net.simulate(n_steps * dt)
    r = m.get("r")[:, 0]
    assert r[-1] == pytest.approx(1000.0 / (2 * dt), rel=0.02)


def test_monitor_times_are_the_t_of_the_recorded_values():
    """With ``r = t`` every recorded value is the time the equations saw; the
    recorded times (ANNarchy: ``offset + k*period``) must say the same."""
    dt = 0.1
    net = Network(dt=dt, seed=1)
    pop = net.create(2, Neuron(equations="r = t", name="RefClock"))
    m_all = net.monitor(pop, "r")
    m_p = net.monitor(pop, "r", period=1.0, period_offset=0.3)
    net.compile()
    net.simulate(5.0)
    net.simulate(2.35)
    np.testing.assert_allclose(m_p.recorded_times(), np.arange(8) * 1.0 + 0.3, atol=1e-9)
    for m, first in ((m_all, 0.0), (m_p, 0.3)):
        times = m.recorded_times()
        values = m.get("r")[:, 0]
        assert times.shape == values.shape
        np.testing.assert_allclose(values, times, rtol=0, atol=1e-9)
        assert times[0] == pytest.approx(first)
