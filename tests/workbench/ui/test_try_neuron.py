"""State and view of "Try it" (one neuron under a protocol, and its f-I curve),
checked against the closed form of the leaky integrate-and-fire neuron.

LIF: tau * dv/dt = -v + I, spike when v >= 1, reset to 0, no refractoriness.
Under a constant I > 1 from v = 0 it fires with period T = tau * ln(I / (I - 1)),
so at 1000 / T Hz; for I <= 1 it never fires.
"""

from __future__ import annotations

import numpy as np
import panel as pn
import pytest

import engine as ann
from engine import Neuron
from workbench.ui.try_neuron import (
    MAX_DURATION, MAX_FI_POINTS, TryNeuron, TryNeuronView, guess_input,
)

TAU = 10.0


def lif(locality: str = "") -> Neuron:
    flag = " : population" if locality == "global" else ""
    return Neuron(parameters=f"tau = {TAU} : population\nI = 0.0{flag}",
                  equations="tau * dv/dt = -v + I : init = 0.0",
                  spike="v >= 1.0", reset="v = 0.0", name="LIF")


def period(i: float) -> float:
    return TAU * np.log(i / (i - 1.0))


def rate(i):
    i = np.asarray(i, dtype=float)
    out = np.zeros_like(i)
    above = i > 1.0
    out[above] = 1000.0 / period(i[above])
    return out


@pytest.fixture(scope="module")
def model():
    return lif()


def test_spike_count_under_a_step_matches_the_closed_form(model):
    # dt = 0.01 ms: a simulated period is a whole number of steps, T rounded up to
    # dt; at dt = 0.1 ms and I = 3 (T = 4.05 ms) that alone loses 2 of 197 spikes
    s = TryNeuron(model=model, start=100.0, stop=900.0, duration=1000.0, dt=0.01)
    assert s.input_name == "I"
    for amplitude in (1.5, 2.0, 3.0):
        s.amplitude = amplitude
        s.run()
        assert not s.error, s.message
        expected = (s.stop - s.start) / period(amplitude)
        assert abs(s.spike_times.size - expected) <= 1, (amplitude, s.spike_times.size, expected)
        assert f"{s.spike_times.size} spikes" in s.message
    for amplitude in (0.5, 0.99):       # below the rheobase (I = 1): silent
        s.amplitude = amplitude
        s.run()
        assert s.spike_times.size == 0 and not s.error
        assert s.trace["v"].max() < 1.0


def test_the_fi_curve_matches_the_closed_form(model):
    # 12 inputs, none exactly at the rheobase 1.0 (where Euler's v creeps up to 1.0
    # in rounding and the closed form's 0 Hz is not a fair reference)
    s = TryNeuron(model=model, fi_min=0.5, fi_max=3.0, fi_points=12, fi_duration=1000.0,
                  fi_transient=100.0, dt=0.1)
    s.run_fi()
    assert not s.error, s.message
    current, measured = s.fi["current"], s.fi["rate"]
    np.testing.assert_allclose(current, np.linspace(0.5, 3.0, 12))
    expected = rate(current)
    assert (measured[current < 1.0] == 0).all()
    # tolerance: one spike in the 900 ms window (1.1 Hz), and dt = 0.1 ms: a period
    # is a whole number of steps (Euler, spike and reset in the same step), so up to
    # dt / T of the rate, 2.5 % at 3.0 (T = 4.05 ms)
    tolerance = 1000.0 / 900.0 + 0.03 * expected
    assert np.all(np.abs(measured - expected) <= tolerance), (measured, expected)
    assert s.fi_label == "firing rate (Hz)"
    assert "spikes in [100, 1000) ms / 900 ms" in s.message


def test_a_global_input_gives_the_same_fi_curve_from_one_population_per_input():
    s = TryNeuron(model=lif("global"), fi_min=1.5, fi_max=3.0, fi_points=4)
    s.run_fi()
    assert not s.error, s.message
    assert "one population per input" in s.message
    local = TryNeuron(model=lif(), fi_min=1.5, fi_max=3.0, fi_points=4)
    local.run_fi()
    np.testing.assert_array_equal(s.fi["rate"], local.fi["rate"])


def test_the_step_starts_and_stops_on_time(model):
    s = TryNeuron(model=model, amplitude=2.0, start=200.0, stop=600.0, duration=800.0)
    s.run()
    t, v, i = s.trace["t"], s.trace["v"], s.trace["I"]
    assert t.size == 8000 and t[1] - t[0] == pytest.approx(0.1)
    assert (v[t < 200.0] == 0.0).all()                   # at rest until the step
    assert (i[t < 200.0] == 0.0).all() and (i[(t >= 200.0) & (t < 600.0)] == 2.0).all()
    assert (i[t >= 600.0] == 0.0).all()
    spikes = s.spike_times
    assert spikes.min() > 200.0 and spikes.max() < 600.0
    # the first spike: one period after the onset (within the step quantisation)
    assert spikes[0] == pytest.approx(200.0 + period(2.0), abs=2 * s.dt)
    assert v[-1] < v[t < 600.0][-1]                      # decays after the step


def test_a_ramp_rises_from_the_baseline_to_the_amplitude(model):
    s = TryNeuron(model=model, protocol="ramp", amplitude=3.0, duration=500.0)
    s.run()
    i = s.trace["I"]
    assert not s.error and np.all(np.diff(i) >= 0) and 0 <= i[0] < 0.1 and 2.9 < i[-1] <= 3.0
    # no spike while the input is below the rheobase
    first = s.spike_times[0]
    assert i[np.searchsorted(s.trace["t"], first)] > 1.0


def test_a_blow_up_is_reported_and_the_object_stays_usable(model):
    blow_up = Neuron(equations="dv/dt = v * v : init = 1.0\nr = v", name="BlowUp")
    s = TryNeuron(model=blow_up, duration=100.0, start=10.0, stop=90.0)
    assert s.input_name is None
    s.run()
    assert s.error and "variable 'v' of neuron 0 became" in s.message
    assert "Check the equations" in s.message and s.trace == {}
    s.model = model
    s.amplitude = 2.0
    s.run()
    assert not s.error and s.spike_times.size > 0
    # the same compiled network after a blow-up: reset, then a good run
    quadratic = Neuron(parameters="I = 0.0", equations="dv/dt = v * v + I : init = 0.0\nr = v")
    s.model = quadratic
    s.amplitude = 1.0
    s.run()
    assert s.error and "became" in s.message
    s.amplitude = 0.0
    s.run()
    assert not s.error and "compiled" not in s.message and (s.trace["v"] == 0).all()


def test_settings_out_of_range_are_refused_with_a_message(model):
    s = TryNeuron(model=model)
    s.run()
    s.duration = 2 * MAX_DURATION
    s.run()
    assert s.error and "at most 10000 ms (10 s)" in s.message and s.trace == {}
    s.duration, s.start, s.stop = 1000.0, 500.0, 400.0
    s.run()
    assert s.error and "stop after it starts" in s.message
    s.start, s.stop = 100.0, 900.0
    s.fi_points = MAX_FI_POINTS + 1
    s.run_fi()
    assert s.error and "2 to 50 points" in s.message
    s.fi_points, s.values = 10, {"tua": 1.0}
    s.run_fi()
    assert s.error and "no parameter 'tua'" in s.message
    s.values = {"tau": "ten"}
    s.run()
    assert s.error and "cannot assign str 'ten' to 'tau'" in s.message
    s.values, s.amplitude = {"tau": 20.0}, 2.0
    s.run()                            # an override: tau = 20 ms doubles the period
    assert not s.error
    assert abs(s.spike_times.size - 800.0 / (2 * period(2.0))) <= 1


def test_input_choices_follow_the_model(model):
    assert guess_input(ann.Izhikevich()) == "i_offset"     # its I is a variable
    assert guess_input(ann.IF_curr_exp()) == "i_offset"
    assert guess_input(ann.IF_cond_exp()) == "i_offset"
    assert guess_input(ann.LeakyIntegrator()) == "B"
    assert guess_input(Neuron(parameters="a = 1.0\nb = 2.0",
                              equations="dv/dt = a - b*v\nr = v")) == "a"
    assert guess_input(Neuron(parameters="g = 1.0\nI_app = 0.5",
                              equations="dv/dt = I_app - g*v\nr = v")) == "I_app"
    assert guess_input(None) is None
    s = TryNeuron()
    assert s.input_name is None and s.param.input_name.objects == []
    s.model = model
    assert s.param.input_name.objects == ["tau", "I"] and s.input_name == "I"
    s.input_name = "tau"
    s.values = {"tau": 5.0, "I": 1.0}
    s.model = lif("global")            # the user's choice is kept if it still exists
    assert s.input_name == "tau"
    s.use(ann.Izhikevich)              # a class is instantiated
    assert s.input_name == "i_offset" and "v_thresh" in s.param.input_name.objects
    assert s.values == {}              # overrides of parameters it does not have are dropped
    with pytest.raises(ValueError):
        s.input_name = "I"             # a variable of Izhikevich, not a parameter
    s.use(ann.STDP())
    assert s.model is None and s.error and "neuron model, not a synapse" in s.message
    assert s.input_name is None and s.param.input_name.objects == []
    s.run()
    assert s.error and "choose or write a neuron model" in s.message


def test_a_rate_coded_fi_curve_is_the_steady_state_r():
    s = TryNeuron(model=ann.LeakyIntegrator(), fi_min=-1.0, fi_max=2.0, fi_points=4)
    assert s.input_name == "B"
    s.run_fi()
    assert not s.error and s.fi_label == "steady-state r (rate-coded)"
    np.testing.assert_allclose(s.fi["rate"], [0.0, 0.0, 1.0, 2.0], atol=1e-9)
    s.amplitude = 1.5
    s.run()
    assert s.spike_times.size == 0 and s.trace["r"].max() == pytest.approx(1.5, rel=1e-6)


def test_the_view_builds_runs_on_change_and_shows_errors(model):
    view = TryNeuronView(state=TryNeuron(model=model, amplitude=2.0))
    layout = view.__panel__()
    assert isinstance(layout, pn.Row)
    root = pn.panel(view).get_root()       # Bokeh models, no server
    assert root is not None
    assert view.shown == ["v"] and len(view._trace_src.data["ys"]) == 1
    n0 = len(view._spike_src.data["t"])
    assert n0 == view.state.spike_times.size > 0 and len(view._fi_src.data["rate"]) == 21
    view.state.amplitude = 3.0             # auto-run
    assert len(view._spike_src.data["t"]) > n0
    run_alert, fi_alert = view._alerts["run"], view._alerts["fi"]
    assert run_alert.alert_type == "info" and "spikes in 1000 ms" in run_alert.object
    assert fi_alert.alert_type == "info" and "f-I curve of LIF" in fi_alert.object
    view.state.duration = 20_000.0
    assert run_alert.alert_type == "danger" and "at most" in run_alert.object
    assert view._trace_src.data["ys"] == []
    # the f-I curve does not depend on the duration: its plot and message stay
    assert len(view._fi_src.data["rate"]) == 21 and fi_alert.alert_type == "info"
