"""NESTML neuron files on the engine (workbench/nest/nestml/).

References: BMTK's tutorial model against the engine's own ``Izhikevich``
(explicit Euler) and against a numpy loop written here (RK4, NEST's order of
a step); kernels against their closed forms; and, for the tutorial, NESTML's
own simulator (its ``python_standalone`` target, generated from the NESTML
9.0 spelling of the same model).
"""

from __future__ import annotations

import importlib
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pynestml")

from engine import Izhikevich, Network, SpikeSourceArray  # noqa: E402
from workbench.nest.catalogue import NestModelError  # noqa: E402
from workbench.nest.nestml import (  # noqa: E402
    NestmlError, load_nestml, translate_nestml, unit_factor)

DT = 0.1

#: BMTK's tutorial model, as BMTK's tutorial writes it (NESTML 8 spelling:
#: units written alone, ``mV``, ``GOhm``, ``s``)
IZH = (Path(__file__).resolve().parents[2] / "data" / "nest" / "custom_izh_neuron.nestml"
       ).read_text()

#: the same model in NESTML 9.0's spelling (1 mV instead of mV alone), which
#: NESTML 9.0's code generator accepts
IZH9 = (IZH.replace("v / mV", "v / (1 mV)").replace("(140 - u) * mV", "(140 - u) * (1 mV)")
        .replace("(I_e * GOhm)) / ms", "(I_e * (1 GOhm))) / (1 ms)")
        .replace("u * mV) / (mV * ms)", "u * (1 mV)) / (1 mV * ms)")
        .replace("spikes * mV * s", "spikes * (1 mV) * (1 s)"))

#: a current-based LIF with exponential, alpha or beta (given as ODEs) kernels
PSC = """\
model psc_neuron:
    state:
        V_m mV = E_L
        g_b real = 0
        g_b$ real = 1 / tau_r - 1 / tau_d

    equations:
        kernel K_exp = exp(-t / tau_syn)
        kernel K_alpha = (e / tau_syn) * t * exp(-t / tau_syn)
        kernel g_b' = g_b$ - g_b / tau_r,
               g_b$' = -g_b$ / tau_d
        inline I_exp pA = convolve(K_exp, exc_spikes) * pA
        inline I_alpha pA = convolve(K_alpha, inh_spikes) * pA
        inline I_beta pA = convolve(g_b, exc_spikes) * pA
        V_m' = -(V_m - E_L) / tau_m + (I_exp + I_e) / C_m

    parameters:
        C_m pF = 250 pF
        tau_m ms = 10 ms
        tau_syn ms = 2 ms
        tau_r ms = 0.5 ms
        tau_d ms = 3 ms
        E_L mV = -70 mV
        V_th mV = -55 mV
        I_e pA = 0 pA

    input:
        exc_spikes <- excitatory spike
        inh_spikes <- inhibitory spike

    output:
        spike

    update:
        integrate_odes()

    onCondition(V_m >= V_th):
        V_m = E_L
        emit_spike()
"""

#: NESTML 8/9's style: ODEs for the currents, onReceive, a refractory timer
IAF_EXP = """\
model iaf_exp_neuron:
    state:
        V_m mV = E_L
        refr_t ms = 0 ms
        I_syn_exc pA = 0 pA
        I_syn_inh pA = 0 pA

    equations:
        I_syn_exc' = -I_syn_exc / tau_syn_exc
        I_syn_inh' = -I_syn_inh / tau_syn_inh
        V_m' = -(V_m - E_L) / tau_m + (I_syn_exc - I_syn_inh + I_e + I_stim) / C_m
        refr_t' = -1 ms / (1 ms)

    parameters:
        C_m pF = 250 pF
        tau_m ms = 10 ms
        tau_syn_inh ms = 2 ms
        tau_syn_exc ms = 2 ms
        refr_T ms = 2 ms
        E_L mV = -70 mV
        V_reset mV = -70 mV
        V_th mV = -55 mV
        I_e pA = 0 pA

    input:
        exc_spikes <- excitatory spike
        inh_spikes <- inhibitory spike
        I_stim pA <- continuous

    output:
        spike

    update:
        if refr_t > 0 ms:
            integrate_odes(I_syn_exc, I_syn_inh, refr_t)
        else:
            integrate_odes(I_syn_exc, I_syn_inh, V_m)

    onReceive(exc_spikes):
        I_syn_exc += exc_spikes * pA * s

    onReceive(inh_spikes):
        I_syn_inh += inh_spikes * pA * s

    onCondition(refr_t <= 0 ms and V_m >= V_th):
        refr_t = refr_T
        V_m = V_reset
        emit_spike()
"""


def run(neuron, steps, setup=None, record=("v", "spike"), inputs=None, dt=DT, n=1):
    """Simulate ``steps`` steps; ``inputs``: {step: {"g_exc": w, ...}} set by hand."""
    net = Network(dt=dt, seed=3)
    pop = net.create(n, neuron=neuron)
    if setup:
        setup(pop)
    mon = net.monitor(pop, list(record))
    net.compile()
    inputs = inputs or {}
    if inputs:
        for k in range(steps):
            for name, value in inputs.get(k, {}).items():
                setattr(pop, name, value)
            net.step()
    else:
        net.simulate(steps * dt)
    return mon.get()


# --------------------------------------------------------------------------- the tutorial model


@pytest.fixture(scope="module")
def izh():
    return translate_nestml(IZH)


def test_tutorial_model_is_an_engine_neuron(izh):
    assert izh.name == "custom_izh_neuron"
    assert izh.targets == ("exc", "inh")
    assert izh.spike_ports == {"spikes": ("exc", "inh")}
    assert izh.continuous_ports == {"I_e": "I_e"}
    assert izh.parameters == ("a", "b", "c", "d", "I_e")
    assert izh.state == ("v", "u")
    assert izh.units["c"] == ("mV", 1.0) and izh.units["I_e"] == ("pA", 1.0)
    # NESTML 9.0's own checks refuse units written alone; they are accepted here
    assert not any("free-standing" in w for w in izh.warnings)


def test_tutorial_model_matches_builtin_izhikevich_under_constant_current():
    # the same equations with explicit Euler: the engine's Izhikevich (I in mV/ms;
    # I_e pA * GOhm / ms is I_e mV/ms), whose u starts at b*c: set it to NESTML's 0
    nestml = run(load_nestml(IZH, method="euler"), 3000, lambda p: setattr(p, "I_e", 10.0),
                 record=("v", "u", "spike"))

    def setup(p):
        p.i_offset = 10.0
        p.u = 0.0

    ref = run(Izhikevich(v_thresh=30.0), 3000, setup, record=("v", "u", "spike"))
    assert nestml["spike"][0] == ref["spike"][0]
    assert len(nestml["spike"][0]) == 6
    np.testing.assert_allclose(nestml["v"], ref["v"], atol=1e-9)
    np.testing.assert_allclose(nestml["u"], ref["u"], atol=1e-9)


def numpy_izhikevich(steps, I_e, inputs=None, dt=DT, a=0.02, b=0.2, c=-65.0, d=8.0):
    """NEST's order of a step: integrate (RK4), add the step's input, test the
    threshold, reset."""
    inputs = inputs or {}

    def f(y):
        v, u = y
        return np.array([0.04 * v * v + 5 * v + 140 - u + I_e, a * (b * v - u)])

    y = np.array([-65.0, 0.0])
    vs, spikes = [], []
    for k in range(steps):
        k1 = f(y)
        k2 = f(y + dt / 2 * k1)
        k3 = f(y + dt / 2 * k2)
        k4 = f(y + dt * k3)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        y[0] += inputs.get(k, 0.0)
        if y[0] >= 30.0:
            y = np.array([c, y[1] + d])
            spikes.append(k)
        vs.append(y[0])
    return np.array(vs), spikes


def test_tutorial_model_fires_at_the_reference_times(izh):
    data = run(izh.neuron, 3000, lambda p: setattr(p, "I_e", 10.0))
    v, spikes = numpy_izhikevich(3000, 10.0)
    assert data["spike"][0] == spikes == [431, 880, 1329, 1778, 2228, 2678]
    np.testing.assert_allclose(data["v"][:, 0], v, atol=1e-8)


def test_tutorial_model_input_spikes_jump_v_by_the_weight(izh):
    # onReceive: v += spikes * mV * s, i.e. the summed weight in mV, in the step it arrives;
    # the single port listens on exc (+w) and inh (-w)
    inputs = {50: {"g_exc": 3.0}, 120: {"g_exc": 7.5, "g_inh": 2.0}, 121: {"g_inh": 4.0}}
    data = run(izh.neuron, 300, lambda p: setattr(p, "I_e", 2.0), inputs=inputs)
    v, _ = numpy_izhikevich(300, 2.0, {50: 3.0, 120: 5.5, 121: -4.0})
    np.testing.assert_allclose(data["v"][:, 0], v, atol=1e-8)
    assert abs((data["v"][50, 0] - data["v"][49, 0]) - 3.0) < 0.2


def test_tutorial_model_from_a_file_and_through_a_projection(tmp_path):
    path = tmp_path / "custom_izh_neuron.nestml"
    path.write_text(IZH)
    neuron = load_nestml(path)
    net = Network(dt=DT, seed=1)
    src = net.create(SpikeSourceArray([[5.0]]))
    pop = net.create(2, neuron=neuron)
    net.connect(src, pop[0:1], "exc").all_to_all(weights=4.0)
    net.connect(src, pop[1:2], "inh").all_to_all(weights=4.0)
    mon = net.monitor(pop, ["v"])
    net.compile()
    net.simulate(20.0)
    v = mon.get("v")
    jump = np.flatnonzero(np.abs(v[:, 0] - v[:, 1]) > 1e-12)[0]
    assert v[jump, 0] - v[jump, 1] == pytest.approx(8.0, abs=1e-9)  # +4 mV and -4 mV


@pytest.mark.slow
def test_tutorial_model_matches_nestml_own_simulator(tmp_path):
    """NESTML 9.0 generates a Python simulator (no NEST) from the 9.0 spelling;
    it must agree with our translation of the tutorial's 8.x spelling."""
    from pynestml.frontend.pynestml_frontend import generate_python_standalone_target

    source = tmp_path / "custom_izh_neuron.nestml"
    source.write_text(IZH9)
    package = "nestml_peer_izh"
    target = tmp_path / package
    target.mkdir()
    generate_python_standalone_target(input_path=str(source), target_path=str(target),
                                      module_name=package, logging_level="ERROR")
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module(f"{package}.custom_izh_neuron")
    finally:
        sys.path.remove(str(tmp_path))
    peer = module.Neuron_custom_izh_neuron(DT)
    peer.B_.I_e = 10.0
    inputs = {500: 3.0, 1200: 7.5, 1201: 2.0}
    peer_v, peer_spikes = [], []
    for k in range(3000):
        if k in inputs:
            peer.handle(k * DT, inputs[k], "spikes")
        peer.step(k * DT, DT)
        peer_v.append(peer.get_v())
        peer_spikes += [k for _ in peer.pop_emitted_spikes()]
    ours = run(load_nestml(IZH), 3000, lambda p: setattr(p, "I_e", 10.0),
               inputs={k: {"g_exc": w} for k, w in inputs.items()})
    assert peer_spikes and ours["spike"][0] == peer_spikes
    # NESTML's simulator integrates with scipy's RK45 at its default rtol 1e-3: the
    # same trajectory, within 0.1 mV on the upstrokes and 1e-3 mV most of the time
    diff = np.abs(ours["v"][:, 0] - np.array(peer_v))
    assert diff.max() < 0.1 and np.median(diff) < 1e-3


# --------------------------------------------------------------------------- kernels


@pytest.fixture(scope="module")
def psc():
    return translate_nestml(PSC)


def test_kernels_become_targets_and_state(psc):
    assert psc.spike_ports == {"exc_spikes": ("exc",), "inh_spikes": ("inh",)}
    assert "I_exp" in psc.recordables and "I_beta" in psc.recordables
    assert "K_exp__X__exc_spikes" in psc.text["equations"]
    assert "g_b" not in psc.state  # the beta kernel's ODE variables are the kernel's


def test_exp_kernel_gives_the_closed_form_psp(psc):
    w, k0 = 20.0, 10
    data = run(psc.neuron, 400, record=("V_m", "I_exp", "I_alpha", "I_beta"),
               inputs={k0: {"g_exc": w, "g_inh": 3.0}})
    tau_m, tau_s, C_m, E_L = 10.0, 2.0, 250.0, -70.0
    rows = np.arange(k0, 400)
    t = (rows - k0) * DT  # the kernel starts at the end of the step the spike arrives in
    assert np.all(data["I_exp"][:k0, 0] == 0)
    np.testing.assert_allclose(data["I_exp"][rows, 0], w * np.exp(-t / tau_s), rtol=1e-12)
    psp = w / C_m * tau_s * tau_m / (tau_m - tau_s) * (np.exp(-t / tau_m) - np.exp(-t / tau_s))
    np.testing.assert_allclose(data["V_m"][rows, 0] - E_L, psp, atol=1e-8)
    assert np.max(np.abs(psp)) > 0.1
    # alpha kernel (e/tau) t exp(-t/tau): peak w at t = tau
    np.testing.assert_allclose(data["I_alpha"][rows, 0],
                               3.0 * math.e / tau_s * t * np.exp(-t / tau_s), atol=1e-12)
    # beta kernel from its ODEs: g_b(0) = 0, g_b$(0) = 1/tau_r - 1/tau_d
    np.testing.assert_allclose(data["I_beta"][rows, 0],
                               w * (np.exp(-t / 3.0) - np.exp(-t / 0.5)), atol=1e-12)


def test_onreceive_model_with_refractory_timer():
    model = translate_nestml(IAF_EXP)
    assert model.targets == ("exc", "inh")
    w, k0 = 20.0, 5
    data = run(model.neuron, 300, record=("V_m", "I_syn_exc", "spike"),
               inputs={k0: {"g_exc": w}})
    rows = np.arange(k0, 300)
    t = (rows - k0) * DT
    # I_syn_exc jumps by w at the end of step k0, then V_m follows the PSP (an ODE
    # integrated by RK4, dt/tau = 0.05: 1e-6 relative; NEST's propagators are exact)
    np.testing.assert_allclose(data["I_syn_exc"][rows, 0], w * np.exp(-t / 2.0), rtol=2e-6)
    psp = w / 250.0 * 2.0 * 10.0 / 8.0 * (np.exp(-t / 10.0) - np.exp(-t / 2.0))
    np.testing.assert_allclose(data["V_m"][rows, 0] + 70.0, psp, atol=1e-6)
    # constant input: V_m(t) = E_L + R I (1 - exp(-t/tau)) while integrating, then
    # clamped for refr_T after each spike; spikes every round(T_isi / dt) + refractory steps
    drive = run(model.neuron, 2000, lambda p: setattr(p, "I_stim", 500.0),
                record=("V_m", "spike"))
    spikes = np.array(drive["spike"][0])
    t_cross = -10.0 * math.log(1 - 15.0 / (500.0 / 250.0 * 10.0))  # 13.86 ms
    assert spikes[0] == math.ceil(t_cross / DT) - 1
    assert np.all(np.diff(spikes) == np.diff(spikes)[0])
    first = spikes[0]
    assert np.all(drive["V_m"][first:first + 20, 0] == -70.0)  # 2 ms held at V_reset
    assert drive["V_m"][first + 21, 0] > -70.0


SHARED = """\
model timer_neuron:
    state:
        x mV = 0 mV
        refr_t ms = 0 ms
        n integer = 0

    equations:
        x' = (I - x) / tau - 0.1 * x * x / (mV * ms)
        refr_t' = -1

    parameters:
        tau ms = 5 ms
        I mV = 4 mV
        theta mV = 1.5 mV

    output:
        spike

    update:
        if refr_t > 0 ms:
            integrate_odes(x, refr_t)
        else:
            integrate_odes(x)
            n += 1

    onCondition(refr_t <= 0 ms and x > theta):
        refr_t = 3 ms
        emit_spike()
"""


def test_branches_integrating_the_same_odes_share_the_work():
    # x is integrated by both branches of the refractory if, from the same values:
    # one computation (its helpers run whichever branch is taken), x unaffected
    model = translate_nestml(SHARED)
    text = model.text["equations"]
    assert "k1_x = f_x(x, tau, I)" in text and "k1_x_2" not in text  # once, unconditional
    data = run(model.neuron, 200, record=("x", "refr_t", "n", "spike"))

    def f(x):
        return (4.0 - x) / 5.0 - 0.1 * x * x  # fixed point x = 2 > theta

    x, xs = 0.0, []
    for _ in range(200):
        k1 = f(x); k2 = f(x + DT / 2 * k1); k3 = f(x + DT / 2 * k2); k4 = f(x + DT * k3)  # noqa
        x += DT / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        xs.append(x)
    np.testing.assert_allclose(data["x"][:, 0], xs, rtol=1e-12)
    spikes = data["spike"][0]
    assert len(spikes) > 3 and len(set(np.diff(spikes))) == 1  # the 3 ms timer, then x > theta
    assert np.diff(spikes)[0] in (30, 31)
    refr_at_start = np.concatenate([[0.0], data["refr_t"][:-1, 0]])
    assert data["n"][-1, 0] == np.sum(refr_at_start <= 0)  # the else branch ran


def test_delta_kernel_jumps_after_integration():
    text = PSC.replace("kernel K_exp = exp(-t / tau_syn)", "kernel K_exp = delta(t)").replace(
        "inline I_exp pA = convolve(K_exp, exc_spikes) * pA",
        "inline I_exp pA = 0 pA").replace(
        "V_m' = -(V_m - E_L) / tau_m + (I_exp + I_e) / C_m",
        "V_m' = -(V_m - E_L) / tau_m + convolve(K_exp, exc_spikes) * mV / ms + I_e / C_m")
    data = run(load_nestml(text), 100, record=("V_m",), inputs={10: {"g_exc": 2.0}})
    v = data["V_m"][:, 0] + 70.0
    assert np.all(v[:10] == 0) and v[10] == pytest.approx(2.0, abs=1e-12)
    np.testing.assert_allclose(v[10:], 2.0 * np.exp(-np.arange(90) * DT / 10.0), rtol=1e-9)


# --------------------------------------------------------------------------- units and names


@pytest.mark.parametrize("unit, factor", [
    ("mV", 1.0), ("V", 1000.0), ("ms", 1.0), ("s", 1000.0), ("pA", 1.0), ("nA", 1000.0),
    ("pF", 1.0), ("nF", 1000.0), ("nS", 1.0), ("uS", 1000.0), ("GOhm", 1.0),
    ("MOhm", 0.001), ("Hz", 0.001), ("kHz", 1.0)])
def test_unit_factors(unit, factor):
    assert unit_factor(unit) == factor


def test_unit_factors_agree_with_nestml_for_nest_units():
    from pynestml.codegeneration.nest_unit_converter import NESTUnitConverter
    from pynestml.symbols.predefined_units import PredefinedUnits

    for name in ("mV", "V", "ms", "s", "us", "pA", "nA", "pF", "nF", "nS", "uS", "GOhm",
                 "MOhm"):
        unit = PredefinedUnits.get_unit(name).get_unit()
        assert unit_factor(unit) == pytest.approx(NESTUnitConverter.get_factor(unit), rel=1e-12)


def test_units_convert_literals_and_declared_variables():
    text = """\
model units_neuron:
    state:
        V_m mV = -0.07 V
        tau s = 0.01 s

    equations:
        V_m' = -V_m / tau + I_e * MOhm / ms

    parameters:
        I_e nA = 0.1 nA
        theta mV = 30 mV

    output:
        spike

    update:
        integrate_odes()

    onCondition(V_m >= theta):
        V_m = -70 mV
        emit_spike()
"""
    model = translate_nestml(text)
    assert "V_m = " in model.text["equations"]
    assert "init = -70.0" in model.text["equations"]  # -0.07 V
    assert "tau = tau : init = 10.0" in model.text["equations"]  # 0.01 s in ms
    assert "I_e = 100.0" in model.text["parameters"]  # 0.1 nA in pA
    assert model.units["I_e"] == ("nA", 1000.0) and model.units["tau"] == ("s", 1000.0)
    data = run(model.neuron, 10, record=("V_m",))
    # dV/dt = -V/10 + 100 pA * 0.001 GOhm / ms = -V/10 + 0.1 (mV/ms)
    v = -70.0
    for _ in range(10):
        f = lambda x: -x / 10.0 + 0.1  # noqa: E731
        k1 = f(v); k2 = f(v + DT / 2 * k1); k3 = f(v + DT / 2 * k2); k4 = f(v + DT * k3)  # noqa
        v += DT / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    assert data["V_m"][-1, 0] == pytest.approx(v, abs=1e-10)


def test_names_the_engine_reserves_are_renamed():
    text = """\
model clash_neuron:
    state:
        V_m mV = -70 mV
        g_exc nS = 0 nS
        flag boolean = false
        refr integer = 0
        size real = 1

    equations:
        g_exc' = -g_exc / (5 ms)
        V_m' = (-(V_m + 70 mV) - g_exc * (V_m / nS)) / (10 ms)

    output:
        spike

    input:
        exc_spikes <- excitatory spike

    update:
        integrate_odes()
        flag = V_m > -69 mV
        if flag:
            refr += 1

    onReceive(exc_spikes):
        g_exc += exc_spikes * nS * s

    onCondition(V_m >= 0 mV):
        emit_spike()
"""
    model = translate_nestml(text)
    assert model.names["g_exc"] == "nestml_g_exc"  # g_exc would receive target exc's weights
    assert model.names["flag"] == "flag_" and model.names["refr"] == "refr_"
    assert model.names["size"] == "size_"  # pop.size is the population's size
    assert model.names["V_m"] == "V_m"
    data = run(model.neuron, 50, record=("nestml_g_exc", "refr_"), inputs={5: {"g_exc": 1.0}})
    assert data["nestml_g_exc"][5, 0] == pytest.approx(1.0)
    assert data["nestml_g_exc"][6, 0] == pytest.approx(math.exp(-DT / 5.0), rel=1e-8)


def test_model_name_picks_one_model_of_a_file():
    two = IZH + "\n" + IAF_EXP
    with pytest.raises(NestmlError, match="defines 2 models .*model_name="):
        load_nestml(two)
    assert translate_nestml(two, model_name="iaf_exp_neuron").name == "iaf_exp_neuron"
    with pytest.raises(NestmlError, match="no model 'nope'"):
        load_nestml(two, model_name="nope")


# --------------------------------------------------------------------------- errors


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_syntax_error_names_the_line(tmp_path):
    text = IZH.replace("    output:\n        spike\n", "    output:\n        spike spike\n")
    with pytest.raises(NestmlError) as info:
        load_nestml(text)
    assert isinstance(info.value, NestModelError)
    assert info.value.source == "<string>"
    assert info.value.line == line_of(text, "spike spike")
    assert "<string>, line" in str(info.value)
    path = tmp_path / "broken.nestml"
    path.write_text(text)
    with pytest.raises(NestmlError, match=r"broken\.nestml, line \d+"):
        load_nestml(str(path))


def test_nestml_semantic_error_names_the_line():
    text = IZH.replace("u += d", "u += d_typo")
    with pytest.raises(NestmlError) as info:
        load_nestml(text)
    assert info.value.line == line_of(text, "d_typo")
    assert "d_typo" in str(info.value)


@pytest.mark.parametrize("old, new, needle, message", [
    ("        integrate_odes()\n",
     "        integrate_odes()\n        for i in 0 ... 3 step 1:\n            u += 1\n",
     "for i in", "for loops are not supported"),
    ("        spikes <- spike\n", "        spikes[2] <- spike\n", "spikes[2]",
     "vector input port 'spikes' is not supported"),
    ("        u += d\n", "        u += erf(d)\n", "erf(d)", r"function erf\(\) is not supported"),
    ("        emit_spike()\n", "        u += 0\n", "model custom_izh_neuron",
     "never calls emit_spike"),
])
def test_unsupported_constructs_name_the_line(old, new, needle, message):
    text = IZH.replace(old, new)
    with pytest.raises(NestmlError) as info:
        load_nestml(text)
    assert info.value.line == line_of(text, needle)
    assert re.search(message, str(info.value))
    assert "supported" in str(info.value)


def test_kernel_that_is_not_exponential_is_refused_with_its_line():
    text = PSC.replace("kernel K_exp = exp(-t / tau_syn)", "kernel K_exp = 1 / (1 + t / tau_syn)")
    with pytest.raises(NestmlError) as info:
        load_nestml(text)
    assert info.value.line == line_of(text, "kernel K_exp")
    assert "A * t**n * exp(r*t)" in str(info.value)


def test_bad_arguments():
    with pytest.raises(NestmlError, match="unknown integration method"):
        load_nestml(IZH, method="rk45")
    with pytest.raises(NestmlError, match="cannot read the file"):
        load_nestml("/nonexistent/model.nestml")
    with pytest.raises(NestmlError, match="path or the text"):
        load_nestml(42)
