"""Protocols on a rate neuron r = a*I_app + b (closed form at every step)
and on an exactly integrated leaky integrate-and-fire neuron."""

import math

import numpy as np
import pytest

import engine as ann
from workbench.compneuro import (
    CompNeuroError, CompNeuroMonitors, attr_sim, current_ramp, current_step, current_stim,
    increasing_current,
)


def _expected(pop, currents):
    """r of every neuron for a current per step: shape (steps, neurons)."""
    return np.outer(currents, pop.a) + pop.b


def test_current_step_gives_the_step_values_and_restores_I_app(rate_pop):
    mon = CompNeuroMonitors({"pop;r": None})
    mon.start()
    rate_pop.I_app = 7.0
    out = current_step("pop", t1=5, t2=4, a1=1.0, a2=3.0)
    r = mon.get_recordings()[0]["pop;r"]
    assert r.shape == (9, 3)
    np.testing.assert_array_equal(r, _expected(rate_pop, [1.0] * 5 + [3.0] * 4))
    assert out["duration"] == 9 and out["durations"] == [5, 4] and out["amplitudes"] == [1.0, 3.0]
    np.testing.assert_array_equal(out["current_arr"], [1.0] * 5 + [3.0] * 4)
    assert np.all(rate_pop.I_app == 7.0)        # restored
    assert ann.get_time() == 9.0


def test_current_step_accepts_a_population_object(rate_pop):
    mon = CompNeuroMonitors({"pop;pop": ["r"]})
    mon.start()
    current_step(rate_pop, t1=2, t2=2, a1=0.0, a2=10.0)
    np.testing.assert_array_equal(mon.get_recordings()[0]["pop;r"],
                                  _expected(rate_pop, [0, 0, 10, 10]))


def test_ramp_and_increasing_current(rate_pop):
    mon = CompNeuroMonitors({"pop;r": None})
    mon.start()
    ramp = current_ramp("pop", a0=0.0, a1=3.0, dur=8, n=4)       # 0, 1, 2, 3 for 2 ms each
    inc = increasing_current("pop", a0=5.0, da=-1.0, nr_steps=2, dur_step=1)  # 5, 4
    currents = [0, 0, 1, 1, 2, 2, 3, 3, 5, 4]
    np.testing.assert_array_equal(mon.get_recordings()[0]["pop;r"], _expected(rate_pop, currents))
    assert ramp["da"] == 1.0 and ramp["dur_stim"] == 2.0
    np.testing.assert_array_equal(ramp["current_arr"], currents[:8])
    assert inc["current_list"] == [5.0, 4.0]
    np.testing.assert_array_equal(current_stim("pop", t=2, a=1.5), [1.5, 1.5])


def test_attr_sim_sets_several_attributes_and_restores_them(rate_pop):
    mon = CompNeuroMonitors({"pop;r": None})
    mon.start()
    out = attr_sim("pop", {"I_app": 2.0, "b": [0.0, 0.0, 1.0]}, t=3)
    np.testing.assert_array_equal(mon.get_recordings()[0]["pop;r"],
                                  np.tile([2.0, 4.0, 7.0], (3, 1)))
    np.testing.assert_array_equal(rate_pop.b, [0.5, -1.0, 2.0])
    assert out["I_app"] == [2.0, 2.0, 2.0]


def test_protocol_errors(rate_pop):
    with pytest.raises(CompNeuroError, match=r"no population named 'nope' in the active "
                                             r"network \(it has: pop\)"):
        current_step("nope", t1=1, t2=1)
    with pytest.raises(CompNeuroError, match="current_ramp|attr_ramp: n must be an integer >= 2"):
        current_ramp("pop", 0, 1, dur=10, n=1)
    with pytest.raises(CompNeuroError, match=r"dur / n = 10/3 = 3.33+\d* ms is not a whole "
                                             r"number of time steps \(dt = 1.0 ms\)"):
        current_ramp("pop", 0, 1, dur=10, n=3)
    with pytest.raises(CompNeuroError, match="attr_sim: duration must be a finite number"):
        current_stim("pop", t=-1, a=1)
    assert ann.get_time() == 0.0               # nothing was simulated


def test_missing_I_app_is_reported_before_simulating():
    ann.setup(dt=1.0)
    ann.Population(1, ann.Neuron(parameters="x = 0", equations="r = x"), name="noinput")
    ann.compile()
    with pytest.raises(CompNeuroError, match="attr_sim: population 'noinput' has no attribute "
                                             "'I_app'.*add e.g. 'I_app = 0'"):
        current_step("noinput", t1=1, t2=1)
    assert ann.get_time() == 0.0


def test_lif_spike_count_under_a_step_matches_the_analytic_period(lif_pop):
    """From v = 0 with input I, v = I (1 - exp(-t/tau)) reaches v_th at
    T = tau ln(I / (I - v_th)); after the reset to 0 the cycle repeats, so
    the inter-spike interval is T rounded up to whole steps."""
    tau, v_th, current, dt = 10.0, 1.0, 2.0, 0.1
    mon = CompNeuroMonitors({"lif;spike": None})
    mon.start()
    current_step("lif", t1=20, t2=100, a1=0.5, a2=current)   # 0.5 < v_th: silent first
    rec = mon.get_recordings()[0]
    steps = np.array(rec["lif;spike"][0])
    assert rec["dt"] == dt
    period = tau * math.log(current / (current - v_th))          # 6.93 ms
    isi = np.diff(steps) * dt
    assert np.all(np.abs(isi - period) <= dt + 1e-9)
    # the first spike starts from v0 = 0.5 (1 - e^-2), reached at the step
    v0 = 0.5 * (1 - math.exp(-20.0 / tau))
    first = 20.0 + tau * math.log((current - v0) / (current - v_th))
    assert abs(steps.min() * dt - first) <= dt + 1e-9
    assert len(steps) == pytest.approx(100.0 / period, abs=1.0)
