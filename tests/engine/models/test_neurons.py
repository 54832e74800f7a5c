"""Built-in neuron models against independent numpy / closed-form references.

Conventions of the runtime (ANNarchy's): during step k (t = k*dt) the
equations are integrated from the start-of-step state, then the spike
condition is tested; row k of a monitored variable is the state after step
k's update and reset; a spike at step k is recorded as k; after a spike at
step k with refractory period R ms, steps k+1 .. k+round(R/dt) are refractory
(reset statements without ``unless_refractory`` re-applied, no spike test).

Every reference below is written from the model equations, not from the
engine: a hand loop of the same discretization or a closed-form solution.
"""

from __future__ import annotations

import inspect
import math
import pickle

import numpy as np
import pytest

from engine import Network
from engine.errors import ModelError
from engine.language.models import Neuron
from engine.models import (
    EIF_cond_alpha_isfa_ista,
    EIF_cond_exp_isfa_ista,
    HH_cond_exp,
    IF_cond_alpha,
    IF_cond_exp,
    IF_curr_alpha,
    IF_curr_exp,
    Izhikevich,
    LeakyIntegrator,
    list_standard_neurons,
)

DT = 0.1
ALL_MODELS = list_standard_neurons()


def exp_euler(x, a, b, dt=DT):
    """One exponential-Euler step of dx/dt = a - b*x (b > 0), a and b frozen."""
    x_inf = a / b
    return x_inf + (x - x_inf) * np.exp(-b * dt)


def run(model, n=1, duration=100.0, record=("v", "spike"), setup=None, seed=1):
    """Build, simulate and return (population, {name: data})."""
    net = Network(dt=DT, seed=seed)
    pop = net.create(n, neuron=model)
    if setup is not None:
        setup(pop)
    mon = net.monitor(pop, list(record))
    net.compile()
    net.simulate(duration)
    return pop, mon.get()


# --- construction, keywords, IR -------------------------------------------------------

def test_unknown_keyword_names_model_keyword_and_valid_ones():
    with pytest.raises(ModelError) as err:
        IF_curr_exp(v_tresh=-55.0)
    msg = str(err.value)
    assert "IF_curr_exp" in msg and "'v_tresh'" in msg
    assert "did you mean 'v_thresh'" in msg
    for name in ("v_rest", "cm", "tau_m", "tau_refrac", "i_offset"):
        assert name in msg


@pytest.mark.parametrize("bad", ["fast", None, True, float("nan"), float("inf"), [1.0]])
def test_non_numeric_or_non_finite_value_is_rejected(bad):
    with pytest.raises(ModelError, match=r"Izhikevich: parameter 'a'"):
        Izhikevich(a=bad)


def test_snippet_keywords_must_stay_one_expression():
    with pytest.raises(ModelError, match="conductance"):
        Izhikevich(conductance="g_exc\nv = 0")
    with pytest.raises(ModelError, match="sum"):
        LeakyIntegrator(sum="sum(exc) : population")


def test_signature_lists_the_defaults():
    sig = inspect.signature(IF_cond_exp)
    assert sig.parameters["e_rev_I"].default == -70.0
    assert sig.parameters["tau_m"].kind is inspect.Parameter.KEYWORD_ONLY
    assert dict(EIF_cond_exp_isfa_ista.defaults)["b"] == 0.0805
    assert HH_cond_exp.defaults["gbar_Na"] == 20.0
    assert Izhikevich.defaults["d"] == 8.0


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda c: c.__name__)
def test_every_model_parses_with_its_defaults(cls):
    model = cls()
    assert isinstance(model, Neuron)
    ir = model.ir
    assert ir.kind == "neuron"
    assert ir.name == cls.__name__
    params = {v.name for v in ir.parameters}
    for name in cls.defaults:
        if name == "noise" and cls is LeakyIntegrator:
            continue
        assert name in params, f"{cls.__name__}: parameter {name} missing from the IR"
        assert float(ir.variable(name).init) == pytest.approx(cls.defaults[name])
    assert ir.spiking is (cls is not LeakyIntegrator)
    # parameters not flagged population-wide are per neuron (4.x rule)
    shared = {"tau", "T"} if cls is LeakyIntegrator else set()
    for spec in ir.parameters:
        assert spec.locality == ("global" if spec.name in shared else "local"), spec.name


def test_overrides_reach_parameters_and_initial_state():
    model = Izhikevich(b=0.25, c=-60.0, d=2.0)
    ir = model.ir
    assert float(ir.variable("d").init) == 2.0
    assert float(ir.variable("v").init) == -60.0
    assert float(ir.variable("u").init) == pytest.approx(0.25 * -60.0)
    assert dict(model.overrides) == {"b": 0.25, "c": -60.0, "d": 2.0}
    assert repr(model) == "Izhikevich(b=0.25, c=-60.0, d=2.0)"
    again = pickle.loads(pickle.dumps(model))
    assert type(again) is Izhikevich and again.values == model.values
    lif = IF_cond_exp(v_reset=-70.0)
    assert float(lif.ir.variable("v").init) == -70.0


def test_ir_flags_and_methods():
    ir = Izhikevich().ir
    assert {e.target: e.method for e in ir.odes} == {"v": "explicit", "u": "explicit"}
    resets = {e.target: e.flags for e in ir.reset}
    assert "unless_refractory" in resets["u"] and "unless_refractory" not in resets["v"]
    assert set(ir.conductances) == {"g_exc", "g_inh"}   # instantaneous inputs
    hh = HH_cond_exp().ir
    assert all(e.method == "exponential" for e in hh.odes)
    assert hh.reset == () and hh.refractory is None
    lif = IF_curr_exp().ir
    assert lif.conductances == ()   # g_exc, g_inh are decaying ODE variables
    li = LeakyIntegrator().ir
    assert li.variable("tau").locality == "global"
    assert li.variable("T").locality == "global"
    assert li.variable("B").locality == "local"
    assert set(li.targets) == {"exc", "inh"}


def test_expression_keywords_as_annarchy():
    izh = Izhikevich(conductance="g_ampa - g_gaba").ir
    assert set(izh.conductances) == {"g_ampa", "g_gaba"}
    li = LeakyIntegrator(sum="sum(exc)", noise="Uniform(-0.1, 0.1)").ir
    assert set(li.targets) == {"exc"}
    assert "noise" not in li.names            # the distribution replaces the parameter
    assert "noise" in LeakyIntegrator(noise=0.5).ir.names


def test_class_and_instance_are_both_accepted():
    net = Network(dt=DT, seed=1)
    a = net.create(3, neuron=Izhikevich)
    b = net.create(2, neuron=Izhikevich(d=2.0))
    assert np.all(a.d == 8.0) and np.all(b.d == 2.0)
    assert np.allclose(a.u, -13.0)


# --- rate-coded ------------------------------------------------------------------------

def _leaky_integrator_run():
    """Three neurons relaxing from 0 to their baselines; the exact solution."""
    baselines = np.array([1.0, -0.5, 2.0])
    tau, threshold = 10.0, 0.5

    def setup(pop):
        pop.B = baselines
        pop.T = threshold

    _, data = run(LeakyIntegrator, n=3, duration=50.0, record=("v", "r"), setup=setup)
    steps = np.arange(1, 501)[:, None] * DT          # time at the end of each step
    v_ref = baselines * (1.0 - np.exp(-steps / tau))  # exact for exponential Euler
    return data, v_ref, threshold


def test_leaky_integrator_relaxes_exponentially_to_baseline():
    data, v_ref, _ = _leaky_integrator_run()
    assert data["v"].shape == (500, 3)
    np.testing.assert_allclose(data["v"], v_ref, rtol=0, atol=1e-10)


def test_leaky_integrator_rate_reads_the_updated_v():
    data, v_ref, threshold = _leaky_integrator_run()
    np.testing.assert_allclose(data["r"], np.maximum(v_ref - threshold, 0.0), atol=1e-10)


# --- Izhikevich: the acceptance test ---------------------------------------------------------

def izhikevich_reference(current, a=0.02, b=0.2, c=-65.0, d=8.0, v_thresh=30.0):
    """Explicit Euler, both derivatives from the start-of-step state."""
    v, u = c, b * c
    vs, spikes = np.empty(len(current)), []
    for k, i_ext in enumerate(current):
        dv = 0.04 * v * v + 5.0 * v + 140.0 - u + i_ext
        du = a * (b * v - u)
        v, u = v + DT * dv, u + DT * du
        if v > v_thresh:
            spikes.append(k)
            v, u = c, u + d
        vs[k] = v
    return vs, spikes


def test_izhikevich_step_current_matches_numpy_reference():
    net = Network(dt=DT, seed=1)
    pop = net.create(1, neuron=Izhikevich(a=0.02, b=0.2, c=-65.0, d=8.0))
    mon = net.monitor(pop, ["v", "spike"])
    net.compile()
    net.simulate(50.0)
    pop.i_offset = 10.0
    net.simulate(200.0)
    pop.i_offset = 0.0
    net.simulate(50.0)
    data = mon.get()

    current = np.zeros(3000)
    current[500:2500] = 10.0
    v_ref, spikes_ref = izhikevich_reference(current)

    assert data["v"].shape == (3000, 1)
    assert len(spikes_ref) >= 4 and spikes_ref[0] >= 500 and spikes_ref[-1] < 2500
    assert list(data["spike"][0]) == spikes_ref
    assert np.max(np.abs(data["v"][:, 0] - v_ref)) < 1e-6
    # regular spiking: the interspike intervals grow (adaptation through u)
    isi = np.diff(spikes_ref)
    assert isi[-1] > isi[0]


# --- integrate-and-fire ------------------------------------------------------------------------

def test_if_curr_exp_interspike_interval_matches_closed_form():
    cm, tau_m, v_rest, v_reset, v_thresh = 1.0, 20.0, -65.0, -65.0, -50.0
    i_offset, tau_refrac = 1.0, 2.0

    def setup(pop):
        pop.i_offset = i_offset

    _, data = run(IF_curr_exp(tau_refrac=tau_refrac), duration=1000.0, setup=setup)
    spikes = np.asarray(data["spike"][0])

    # continuous solution: v(t) = v_inf + (v_reset - v_inf) exp(-t/tau_m)
    v_inf = v_rest + i_offset * tau_m / cm
    t_free = tau_m * math.log((v_inf - v_reset) / (v_inf - v_thresh))   # 27.73 ms
    # exponential Euler is exact for constant input: after j free steps
    # v = v_inf + (v_reset - v_inf) q^j; the first j with v > v_thresh is
    # floor(t_free/dt) + 1. Each ISI adds the refractory steps, where v is
    # clamped at v_reset.
    j_star = math.floor(t_free / DT) + 1
    assert abs(t_free / DT - round(t_free / DT)) > 1e-6   # not on a step boundary
    n_refrac = round(tau_refrac / DT)
    assert spikes[0] == j_star - 1                # v starts at v_reset before step 0
    assert np.all(np.diff(spikes) == n_refrac + j_star)
    assert abs(np.diff(spikes)[0] * DT - (t_free + tau_refrac)) <= DT
    assert len(spikes) == 1 + (10000 - spikes[0] - 1) // (n_refrac + j_star)
    # v is held at v_reset during the refractory steps
    v = data["v"][:, 0]
    for k in spikes[:-1]:
        np.testing.assert_array_equal(v[k:k + n_refrac + 1], v_reset)


def test_if_curr_exp_rheobase():
    cm, tau_m, v_rest, v_thresh = 1.0, 20.0, -65.0, -50.0
    rheobase = cm * (v_thresh - v_rest) / tau_m              # 0.75 nA
    currents = np.array([0.99 * rheobase, 1.01 * rheobase])

    def setup(pop):
        pop.i_offset = currents

    _, data = run(IF_curr_exp, n=2, duration=1000.0, setup=setup)
    assert len(data["spike"][0]) == 0
    assert len(data["spike"][1]) > 0
    # below rheobase v settles on v_inf (a fixed point of exponential Euler)
    assert data["v"][-1, 0] == pytest.approx(v_rest + currents[0] * tau_m / cm, abs=1e-9)


def test_if_cond_exp_with_a_manually_set_conductance():
    cm, tau_m, v_rest, e_rev_E = 1.0, 20.0, -65.0, 0.0
    g0 = np.array([0.05, 0.01])
    tau_e = np.array([5.0, 1e9])       # neuron 1: practically constant conductance

    def setup(pop):
        pop.tau_syn_E = tau_e
        pop.g_exc = g0

    _, data = run(IF_cond_exp, n=2, duration=400.0, record=("v", "g_exc", "spike"),
                  setup=setup)
    n = 4000
    # reference: exponential Euler of v and g with start-of-step coefficients
    v, g = np.full(2, v_rest), g0.copy()
    v_ref, g_ref = np.empty((n, 2)), np.empty((n, 2))
    for k in range(n):
        a = v_rest / tau_m + g * e_rev_E / cm
        b = 1.0 / tau_m + g / cm
        # a monitor records g_<target> after the step's delivery and before the
        # update (ANNarchy's record_targets), every other variable after it
        g_ref[k] = g
        v, g = exp_euler(v, a, b), g * np.exp(-DT / tau_e)
        v_ref[k] = v
    assert all(len(s) == 0 for s in data["spike"].values())
    np.testing.assert_allclose(data["g_exc"], g_ref, rtol=1e-12, atol=0)
    np.testing.assert_allclose(data["v"], v_ref, rtol=0, atol=1e-9)
    # and the analytic steady state of a constant conductance
    g_leak = cm / tau_m
    v_steady = (g_leak * v_rest + g0[1] * e_rev_E) / (g_leak + g0[1])
    assert data["v"][-1, 1] == pytest.approx(v_steady, abs=1e-5)
    # neuron 0 depolarised transiently, then came back to rest
    assert data["v"][:, 0].max() > v_rest + 5.0
    assert data["v"][-1, 0] == pytest.approx(v_rest, abs=1e-6)


# --- alpha-shaped synapses -------------------------------------------------------------------

@pytest.mark.parametrize("cls, kick", [
    (IF_curr_alpha, 1.0),                # nA
    (IF_cond_alpha, 0.01),               # uS
    (EIF_cond_alpha_isfa_ista, 0.01),    # uS
], ids=lambda x: getattr(x, "__name__", str(x)))
def test_alpha_synapse_follows_the_alpha_function(cls, kick):
    tau = cls.defaults["tau_syn_E"]

    def setup(pop):
        pop.g_exc = kick

    _, data = run(cls, duration=60.0, record=("g_exc", "alpha_exc", "v", "spike"), setup=setup)
    s = np.arange(1, 601) * DT                # time since the kick at the end of each step
    alpha = data["alpha_exc"][:, 0]
    # g_exc is recorded before the step's update (ANNarchy's record_targets): row k
    # holds the conductance at the start of step k, k*dt after the kick
    np.testing.assert_allclose(data["g_exc"][:, 0], kick * np.exp(-(s - DT) / tau), rtol=1e-12)
    shape = kick * (s / tau) * np.exp(1.0 - s / tau)
    # the discrete kernel equals the alpha function to O((dt/tau)^2) (~2e-5)
    assert np.max(np.abs(alpha - shape)) < 1e-4 * kick
    assert np.argmax(alpha) == round(tau / DT) - 1    # peak tau ms after the kick
    assert alpha.max() == pytest.approx(kick, rel=1e-4)
    # the membrane responds after the synapse: depolarising PSP, no spike
    v = data["v"][:, 0]
    assert np.argmax(v) > np.argmax(alpha)
    assert v.max() > v[0] and len(data["spike"][0]) == 0


# --- adaptive exponential integrate-and-fire ---------------------------------------------------

def eif_reference(i_offset, n_steps, p):
    """Explicit Euler for v and w (start-of-step derivatives), refractory clamp."""
    v, w = p["v_reset"], 0.0
    n_refrac = round(p["tau_refrac"] / DT)
    refractory, spikes, vs = 0, [], np.empty(n_steps)
    for k in range(n_steps):
        dv = (p["v_rest"] - v + p["delta_T"] * math.exp((v - p["v_thresh"]) / p["delta_T"])
              + p["tau_m"] / p["cm"] * (i_offset - w)) / p["tau_m"]
        dw = (p["a"] * (v - p["v_rest"]) / 1000.0 - w) / p["tau_w"]
        v, w = v + DT * dv, w + DT * dw
        if refractory > 0:
            refractory -= 1
            v = p["v_reset"]
        elif v > p["v_spike"]:
            spikes.append(k)
            v, w = p["v_reset"], w + p["b"]
            refractory = n_refrac
        vs[k] = v
    return vs, spikes


@pytest.mark.parametrize("cls", [EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista],
                         ids=lambda c: c.__name__)
def test_eif_spike_frequency_adaptation(cls):
    i_offset = 1.0

    def setup(pop):
        pop.i_offset = i_offset

    _, data = run(cls, duration=500.0, setup=setup)
    v_ref, spikes_ref = eif_reference(i_offset, 5000, cls.defaults)
    assert list(data["spike"][0]) == spikes_ref
    np.testing.assert_allclose(data["v"][:, 0], v_ref, rtol=0, atol=1e-6)
    isi = np.diff(spikes_ref)
    assert len(isi) >= 10
    assert isi[-1] > 2 * isi[0]                      # intervals lengthen...
    assert np.all(np.diff(isi) >= -1)                # ...monotonically (to one step)


# --- Hodgkin-Huxley ---------------------------------------------------------------------------

def hh_reference(current, p):
    """Exponential Euler of n, m, h, v with start-of-step coefficients."""
    v, n, m, h = p["e_rev_leak"], 0.0, 0.0, 1.0
    vs, spikes = np.empty(len(current)), []
    for k, i_ext in enumerate(current):
        x = v - p["v_offset"]
        an = 0.032 * (15.0 - x) / (math.exp((15.0 - x) / 5.0) - 1.0)
        bn = 0.5 * math.exp((10.0 - x) / 40.0)
        am = 0.32 * (13.0 - x) / (math.exp((13.0 - x) / 4.0) - 1.0)
        bm = 0.28 * (x - 40.0) / (math.exp((x - 40.0) / 5.0) - 1.0)
        ah = 0.128 * math.exp((17.0 - x) / 18.0)
        bh = 4.0 / (1.0 + math.exp((40.0 - x) / 5.0))
        g_k = p["gbar_K"] * n ** 4
        g_na = p["gbar_Na"] * m ** 3 * h
        g_tot = p["gleak"] + g_k + g_na
        drive = p["gleak"] * p["e_rev_leak"] + g_k * p["e_rev_K"] + g_na * p["e_rev_Na"] + i_ext
        v_new = exp_euler(v, drive / p["cm"], g_tot / p["cm"])
        n = exp_euler(n, an, an + bn)
        m = exp_euler(m, am, am + bm)
        h = exp_euler(h, ah, ah + bh)
        if v_new > p["v_thresh"] and v <= p["v_thresh"]:
            spikes.append(k)
        v = v_new
        vs[k] = v
    return vs, spikes


def test_hh_cond_exp_step_current_matches_numpy_reference():
    net = Network(dt=DT, seed=1)
    pop = net.create(1, neuron=HH_cond_exp)
    mon = net.monitor(pop, ["v", "spike"])
    net.compile()
    net.simulate(20.0)
    pop.i_offset = 0.5
    net.simulate(200.0)
    pop.i_offset = 0.0
    net.simulate(30.0)
    data = mon.get()

    current = np.zeros(2500)
    current[200:2200] = 0.5
    v_ref, spikes_ref = hh_reference(current, HH_cond_exp.defaults)
    assert len(spikes_ref) >= 5 and spikes_ref[0] >= 200 and spikes_ref[-1] < 2300
    assert list(data["spike"][0]) == spikes_ref
    assert v_ref.max() > 30.0                         # real action potentials
    np.testing.assert_allclose(data["v"][:, 0], v_ref, rtol=0, atol=1e-6)
