"""BOLD monitors (engine.runtime.bold) and BOLD models (engine.models.bold).

The balloon response is checked against an independent integration of the
same equations with scipy's ``solve_ivp`` (DOP853, tight tolerances), written
here from the published parameter values, not read from the engine's model.
The networks are shaped alike on purpose: one generated loop serves several
tests (the compiled code is cached by content), which keeps the file fast.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from engine import Network, Neuron
from engine.errors import EquationError, ModelError, NetworkError
from engine.models.bold import (
    BoldModel, balloon_CL, balloon_CN, balloon_maith2021, balloon_RL, balloon_RN,
    balloon_two_inputs,
)
from engine.runtime.bold import BoldAccumulator, BoldMonitor

DRIVE = Neuron(name="BoldDrive", parameters="inp = 0.0", equations="r = inp")

# balloon_RN: Friston et al. (2000), Obata et al. (2004), Stephan et al. (2007)
RN = dict(phi=1.0, kappa=1 / 1.54, gamma=1 / 2.46, E_0=0.34, tau=0.98, alpha=0.33, V_0=0.02,
          v_0=40.3, TE=0.04, epsilon=1.43, r_0=25.0)


def balloon_reference(segments, times_ms, p=RN):
    """BOLD of the revised non-linear balloon model at ``times_ms`` (ms) for a
    piecewise-constant input ``segments = [(t_start_ms, input), ...]``,
    integrated in seconds with solve_ivp, one segment at a time."""
    k1 = 4.3 * p["v_0"] * p["E_0"] * p["TE"]
    k2 = p["epsilon"] * p["r_0"] * p["E_0"] * p["TE"]
    k3 = 1.0 - p["epsilon"]

    def rhs(t, y, u):
        s, f, q, v = y
        E = 1.0 - (1.0 - p["E_0"]) ** (1.0 / f)
        f_out = v ** (1.0 / p["alpha"])
        return [p["phi"] * u - p["kappa"] * s - p["gamma"] * (f - 1.0), s,
                (f * E / p["E_0"] - q / v * f_out) / p["tau"], (f - f_out) / p["tau"]]

    t = np.asarray(times_ms) / 1000.0
    out = np.zeros((t.size, 4))
    y = np.array([0.0, 1.0, 1.0, 1.0])  # rest
    bounds = [s[0] / 1000.0 for s in segments] + [t[-1] + 1.0]
    for (start, u), a, b in zip(segments, bounds[:-1], bounds[1:]):
        sel = (t >= a) & (t < b)
        sol = solve_ivp(rhs, (a, b), y, args=(u,), method="DOP853", rtol=1e-11, atol=1e-13,
                        dense_output=True)
        out[sel] = sol.sol(t[sel]).T
        y = sol.sol(b)
    s, f, q, v = out.T
    return p["V_0"] * (k1 * (1 - q) + k2 * (1 - q / v) + k3 * (1 - v))


def single_region(dt=1.0, start=True, n=10):
    """One driven region watched by the default model (the same loop everywhere)."""
    net = Network(dt=dt, seed=1)
    region = net.create(n, DRIVE, name="region")
    m = net.boldmonitor(populations=[region], start=start)
    return net, region, m


def step_protocol(net, region, dt, on=1000.0, off=4000.0, end=25000.0, amp=0.2):
    net.simulate(on)
    region.inp = amp
    net.simulate(off - on)
    region.inp = 0.0
    net.simulate(end - off)


# --- the balloon response ---------------------------------------------------------

def test_step_response_matches_an_independent_integration_and_has_balloon_latencies():
    """A 3 s step of input: the BOLD signal rises, peaks ~4.6 s after the onset,
    undershoots after the offset and returns to rest, as the reference integration
    does; the difference is the explicit Euler error (first order in dt)."""
    errors, peaks = {}, {}
    for dt in (1.0, 0.5):
        net, region, m = single_region(dt)
        net.compile()
        step_protocol(net, region, dt)
        bold = m.get("BOLD")
        assert bold.shape == (int(25000 / dt), 1)
        bold = bold[:, 0]
        times = (np.arange(bold.size) + 1) * dt  # row k: state after step k
        # the rates set at t = 1000 ms are read by the accumulator one step later
        ref = balloon_reference([(0.0, 0.0), (1000.0 + dt, 0.2), (4000.0 + dt, 0.0)], times)
        errors[dt] = np.abs(bold - ref).max()
        assert errors[dt] < 1e-3 * ref.max()
        # latencies: peak 4-6 s after the onset, undershoot after the offset
        peak = times[bold.argmax()] - 1000.0
        peaks[dt] = peak
        assert 4000.0 <= peak <= 6000.0
        assert abs(peak - (times[ref.argmax()] - 1000.0)) <= 5.0
        assert np.all(bold[times <= 1000.0 + dt] == 0.0)          # rest before the input
        assert bold[(times > 1100.0) & (times < 4000.0)].min() > 0  # rises during it
        low = bold.argmin()
        assert times[low] > 4000.0 and bold[low] < -0.1 * bold.max()  # post-stimulus undershoot
        assert 6000.0 <= times[low] - 4000.0 <= 10000.0
        assert abs(times[low] - times[ref.argmin()]) <= 5.0
        assert abs(bold[-1]) < 0.5 * abs(bold[low])               # recovering at 25 s
    # halving dt halves the error: the engine integrates the same ODEs (Euler)
    assert 1.8 < errors[1.0] / errors[0.5] < 2.2
    assert abs(peaks[1.0] - peaks[0.5]) <= 2.0


def test_stopped_monitor_freezes_the_model_and_resume_continues_it():
    # reference: recording from t = 0 without interruption
    net_b, region_b, m_b = single_region()
    region_b.inp = region_b.r = 0.2
    net_b.compile()
    net_b.simulate(2000.0)
    region_b.inp = 0.0
    net_b.simulate(2000.0)
    expected = m_b.get("BOLD")

    net, region, m = single_region(start=False)
    region.inp = region.r = 0.2
    net.compile()
    net.simulate(500.0)                    # not started: the model does not move
    assert m.s == 0.0 and m.f_in == 1.0 and m.BOLD == 0.0
    assert m.get("BOLD").shape == (0, 1)
    m.start()
    net.simulate(2000.0)
    region.inp = 0.0
    net.simulate(1000.0)
    m.stop()
    frozen = {v: float(getattr(m, v)[0]) for v in ("s", "f_in", "q", "v", "BOLD")}
    assert frozen["BOLD"] != 0.0 and not m.recording
    net.simulate(3000.0)                   # stopped: state kept, nothing recorded
    assert {v: float(getattr(m, v)[0]) for v in frozen} == frozen
    m.resume()
    assert float(m.population.BOLD[0]) == frozen["BOLD"]
    net.simulate(1000.0)
    m.get("BOLD", keep=True)               # times() describes the last get() (ANNarchy)
    assert m.times()["BOLD"] == {"start": [500, 6500], "stop": [3500, 7500]}  # steps (dt 1)
    np.testing.assert_array_equal(m.get("BOLD"), expected)


# --- the input: mean of the mapped variable, scale factors, baselines ----------------

def test_input_is_the_scaled_mean_of_the_mapped_variable_with_baselines():
    rng = np.random.default_rng(5)
    net = Network(dt=1.0, seed=2)
    a = net.create(10, DRIVE, name="a")
    b = net.create(30, DRIVE, name="b")
    a.inp = a.r = rng.uniform(0.2, 1.0, 10)
    b.inp = b.r = rng.uniform(0.2, 1.0, 30)
    # by population size (the default): the mean over all 40 neurons
    m_size = net.boldmonitor([a, b], recorded_variables="I_CBF")
    # a view (in any order), a population by name, explicit scale factors, and a
    # 200 ms baseline for the view only
    m_mix = net.boldmonitor([a[[6, 2, 3]], "b"], scale_factor=[0.5, 2.0],
                            normalize_input=[200.0, 0.0], recorded_variables="I_CBF")
    net.compile()

    def run():
        m_size.start()
        m_mix.start()
        net.simulate(300.0)
        a.inp = 1.5 * a.inp
        net.simulate(200.0)
        return m_size.get("I_CBF")[:, 0], m_mix.get("I_CBF")[:, 0]

    ma0, mb = a.inp.mean(), b.inp.mean()
    ma1 = 1.5 * ma0
    va0 = a.inp[[2, 3, 6]].mean()
    before, after = slice(0, 301), slice(301, 500)   # the change is read one step later
    first = run()
    size, mix = first
    np.testing.assert_allclose(size[before], (10 * ma0 + 30 * mb) / 40, rtol=1e-12)
    np.testing.assert_allclose(size[after], (10 * ma1 + 30 * mb) / 40, rtol=1e-12)
    # the view's share is 0 during its baseline window, then 0.5 times its relative
    # deviation from the baseline (0 until the change, then +50 %)
    np.testing.assert_allclose(mix[before], 2.0 * mb, rtol=1e-12)
    np.testing.assert_allclose(mix[after], 0.5 * (1.5 * va0 - va0) / (va0 + 1e-7) + 2.0 * mb,
                               rtol=1e-9)
    # reset() replays the same protocol exactly; running monitors measure their
    # baseline again
    net.reset()
    assert m_size.get("I_CBF").shape == m_mix.get("I_CBF").shape == (0, 1)
    for new, old in zip(run(), first):
        np.testing.assert_array_equal(new, old)
    # start() opens a new baseline window (ANNarchy); the accumulators show the scales
    m_mix.stop()
    m_mix.start()
    view_acc, b_acc = m_mix.projections
    assert isinstance(view_acc, BoldAccumulator) and view_acc._extra["bsteps"][0] == 200
    assert b_acc.normalize_steps == 0
    assert [j.scale_factor for j in m_size.projections] == [0.25, 0.75]
    assert [j.scale_factor for j in m_mix.projections] == [0.5, 2.0]


def test_spiking_population_conductance_as_input():
    Source = Neuron(name="BoldEveryStep", equations="v = 1.0", spike="v > 0.5")
    Target = Neuron(name="BoldSilent", parameters="tau = 10.0",
                    equations="tau * dv/dt = -v + g_exc", spike="v > 1e9", reset="v = 0.0")

    def build(bold_first):
        net = Network(dt=1.0, seed=3)
        src = net.create(4, Source, name="src")
        tgt = net.create(3, Target, name="tgt")
        m = None
        if bold_first:
            m = net.boldmonitor([tgt], mapping={"I_CBF": "g_exc"},
                                recorded_variables="I_CBF", start=True)
        net.connect(src, tgt, "exc").all_to_all(weights=0.5)
        if not bold_first:
            m = net.boldmonitor([tgt], mapping={"I_CBF": "g_exc"},
                                recorded_variables="I_CBF", start=True)
        return net, m

    net, m = build(bold_first=False)
    net.compile()
    net.simulate(20.0)
    i_cbf = m.get("I_CBF")[:, 0]
    # 4 sources spike at every step; each spike reaches g_exc one step later
    assert i_cbf[0] == 0.0
    np.testing.assert_allclose(i_cbf[1:], 4 * 0.5, rtol=1e-12)
    # a reset conductance must be read after the projections that fill it
    net, m = build(bold_first=True)
    with pytest.raises(NetworkError, match="created after the monitor"):
        net.compile()


# --- models --------------------------------------------------------------------------

def test_user_defined_bold_model_and_two_inputs():
    leaky = BoldModel(
        parameters="tau = 100.0 : population",
        equations="""
            drive_in = sum(drive)
            other_in = sum(other)
            tau * dy/dt = drive_in + other_in - y
        """,
        inputs=["drive", "other"], output="y", name="leaky")
    assert leaky.inputs == ("drive", "other") and leaky.output == ("y",)
    assert leaky._inputs == ["drive", "other"]
    net = Network(dt=1.0, seed=4)
    region = net.create(5, DRIVE, name="region")
    region.inp = region.r = [0.1, 0.2, 0.3, 0.4, 0.5]
    m_user = net.boldmonitor([region], bold_model=leaky, mapping={"drive": "r"}, start=True)
    assert m_user.recorded_variables == ["y"]          # the output is recorded by default
    m_two = net.boldmonitor([region], bold_model=balloon_two_inputs,
                            mapping={"I_CBF": "r", "I_CMRO2": "r"},
                            recorded_variables=["I_CBF", "I_CMRO2", "f_in", "r"], start=True)
    m_user.stop()
    m_user.start()
    net.compile()
    net.simulate(30000.0)
    # explicit Euler of tau dy/dt = u - y, written out independently
    y, expected = 0.0, []
    for _ in range(300):
        y = y + 1.0 * (0.3 - y) / 100.0
        expected.append(y)
    np.testing.assert_allclose(m_user.get("y")[:300, 0], expected, rtol=1e-12)
    assert m_user.population.r[0] == m_user.y[0]      # r mirrors the output
    assert m_user.other_in[0] == 0.0                  # unmapped input: no signal
    d = m_two.get()
    np.testing.assert_array_equal(d["I_CBF"], d["I_CMRO2"])
    # equal inputs: CBF and CMRO2 reach the same steady state 1 + I/gamma_CBF
    assert d["f_in"][-1, 0] == pytest.approx(1 + 0.3 * 2.46, abs=1e-3)
    assert d["r"][-1, 0] == pytest.approx(1 + 0.3 * 2.46, abs=1e-6)
    assert np.all(np.isfinite(d["BOLD"])) and np.ptp(d["BOLD"]) > 0


@pytest.mark.parametrize("cls,k", [
    (balloon_RN, (4.3 * 40.3 * 0.34 * 0.04, 1.43 * 25 * 0.34 * 0.04, 1 - 1.43)),
    (balloon_RL, (4.3 * 40.3 * 0.34 * 0.04, 1.43 * 25 * 0.34 * 0.04, 1 - 1.43)),
    (balloon_CN, ((1 - 0.02) * 4.3 * 40.3 * 0.34 * 0.04, 2 * 0.34, 1 - 1.43)),
    (balloon_CL, ((1 - 0.02) * 4.3 * 40.3 * 0.34 * 0.04, 2 * 0.34, 1 - 1.43)),
    (balloon_maith2021, (7 * 0.3424, 2.0, 2 * 0.3424 - 0.2)),
])
def test_predefined_models_follow_annarchy(cls, k):
    model = cls()
    ir = model.ir
    assert model.inputs == ("I_CBF",) and model.output == ("BOLD",)
    assert "sum(I_CBF)" not in model.model_name
    # the coefficients, evaluated from the model's own parameters
    params = {v.name: float(v.init) for v in ir.parameters}
    for name, value in zip(("k_1", "k_2", "k_3"), k):
        eq = next(e for e in ir.equations if e.target == name)
        assert float(eq.rhs.subs({s: params[s.name] for s in eq.rhs.free_symbols})) == \
            pytest.approx(value, rel=1e-12)
    # every derivative is divided by 'second' (time in ms, constants in s)
    for e in ir.odes:
        assert "second" in {s.name for s in e.rhs.free_symbols}
    # linear variants: BOLD linear in q and v
    bold = next(e for e in ir.equations if e.target == "BOLD").rhs
    qv = [s for s in bold.free_symbols if s.name in ("q", "v")]
    linear = all(bold.diff(s, 2) == 0 for s in qv)
    assert linear == cls.__name__.endswith("L")
    assert model.ir.variable("E_0").locality == "global"
    assert cls(E_0=0.4).values["E_0"] == 0.4


def test_model_errors():
    with pytest.raises(ModelError, match="unknown parameter 'E0' \\(did you mean 'E_0'\\?\\)"):
        balloon_RN(E0=0.3)
    with pytest.raises(ModelError, match="finite real number"):
        balloon_RN(tau=float("nan"))
    with pytest.raises(ModelError, match="input 'I_CBF' is never read"):
        BoldModel(equations="x = 1.0\nBOLD = x", inputs="I_CBF")
    with pytest.raises(ModelError, match="output 'BOLD' is not a variable"):
        BoldModel(equations="I_CBF = sum(I_CBF)\nsignal = I_CBF", inputs="I_CBF")
    with pytest.raises(EquationError, match="unknown name 'tua'"):
        BoldModel(equations="I_CBF = sum(I_CBF)\nBOLD = I_CBF / tua", inputs="I_CBF")
    with pytest.raises(ModelError, match="inputs must be a name"):
        BoldModel(equations="I_CBF = sum(I_CBF)\nBOLD = I_CBF", inputs=["I CBF"])


# --- the monitor's API ----------------------------------------------------------------

def test_monitor_objects_names_and_attributes():
    net = Network(dt=1.0, seed=6)
    region = net.create(4, DRIVE, name="region")
    m = net.boldmonitor(region, recorded_variables=["s", "I_CBF"])
    named = net.boldmonitor([region], bold_model=balloon_CN(), name="cortex")
    assert isinstance(m, BoldMonitor) and m.name == "boldmonitor0"
    assert net.get_extensions() == [m, named] and net.get_extension("cortex") is named
    assert m.recorded_variables == ["BOLD", "I_CBF", "s"]       # sorted, output added
    assert m.population.name == "boldmonitor0_model" and m.population.size == 1
    assert [j.name for j in m.projections] == ["boldmonitor0_region_I_CBF"]
    assert m.monitor.name == "boldmonitor0_monitor"
    assert named.population.name == "cortex_model"
    for obj in (m.population, m.monitor, *m.projections):
        assert obj._extension is m
    # internal objects stay out of the user's lists (get() on every monitor
    # must not empty the BOLD recording)
    assert m.population not in net.get_populations()
    assert m.monitor not in net.get_monitors()
    assert not set(m.projections) & set(net.get_projections())
    assert m.E_0 == 0.34                                         # model attributes
    m.E_0 = 0.4
    assert m.population.E_0 == 0.4
    with pytest.raises(AttributeError, match="did you mean 'E_0'"):
        m.E_00
    assert "recording" not in repr(m) and "stopped" in repr(m)


def test_monitor_errors_are_clear_and_leave_the_network_unchanged():
    net = Network(dt=1.0, seed=7)
    region = net.create(4, DRIVE, name="region")
    other = Network(dt=1.0).create(2, DRIVE, name="elsewhere")
    cases = [
        (dict(), "give the recorded populations"),
        (dict(populations=[]), "populations is empty"),
        (dict(populations=["regoin"]), "no population named 'regoin' \\(did you mean 'region'\\?\\)"),
        (dict(populations=[region, other]), "'elsewhere' belongs to another network"),
        (dict(populations=[42]), "got int"),
        (dict(populations=region, mapping={"I_CBX": "r"}),
         "key 'I_CBX' of mapping is not an input .* \\(did you mean 'I_CBF'\\?\\)"),
        (dict(populations=region, mapping={"I_CBF": "rr"}),
         "'region' has no variable 'rr' \\(did you mean 'r'\\?\\)"),
        (dict(populations=region, mapping={}), "non-empty dict"),
        (dict(populations=region, recorded_variables=["BOLDD"]),
         "cannot record 'BOLDD'.* \\(did you mean 'BOLD'\\?\\)"),
        (dict(populations=region, recorded_variables="spike"), "cannot record 'spike'"),
        (dict(populations=region, bold_model=DRIVE), "must be a BoldModel"),
        (dict(populations=region, scale_factor=[1.0, 2.0]), "2 value\\(s\\) for 1 population"),
        (dict(populations=region, scale_factor="big"), "finite number"),
        (dict(populations=region, normalize_input=-5.0), ">= 0"),
        (dict(populations=region, normalize_input=0.2), "shorter than one step"),
    ]
    for kwargs, message in cases:
        with pytest.raises(NetworkError, match=message):
            net.boldmonitor(**kwargs)
    assert net.get_extensions() == [] and net.get_populations() == [region]
    assert net.get_projections() == [] and net.get_monitors() == []
    m = net.boldmonitor([region])         # the loop of single_region(): compiled once
    with pytest.raises(NetworkError, match="already exists"):
        net.boldmonitor(region, name="boldmonitor0")
    with pytest.raises(NetworkError, match="belongs to BOLD monitor 'boldmonitor0'"):
        net.boldmonitor(m.population)
    net.compile()
    with pytest.raises(NetworkError, match="after compile\\(\\)"):
        net.boldmonitor(region)
    with pytest.raises(NetworkError, match="does not record 'I_CBF'"):
        m.get("I_CBF")
