"""``discretize`` on models written in the text syntax (errors point at the text)."""

from __future__ import annotations

import math

import pytest

from engine.errors import EquationError
from engine.integrators import discretize
from engine.language.models import Neuron

from integrator_helpers import Stepper, observed_order


def test_error_points_at_the_equation_text():
    izh = Neuron(
        name="Izh",
        parameters="I = 10.0",
        equations="""
            dv/dt = 0.04*v^2 + 5.0*v + 140.0 - u + I : exponential
            du/dt = 0.02*(0.2*v - u)
        """,
        spike="v >= 30.0",
        reset="v = -65.0",
    )
    with pytest.raises(EquationError) as info:
        discretize(izh.ir)
    (d,) = info.value.diagnostics
    assert d.model == "neuron 'Izh'" and d.block == "equations"
    assert d.line == 2
    assert d.text.strip().startswith("dv/dt = 0.04*v^2")
    assert d.text[d.col - 1:].startswith("dv/dt")
    assert "method='explicit'" in d.hint


def test_implicit_form_exact_with_exponential_euler():
    lif = Neuron(name="Leak",
                 parameters="tau = 10.0 : population\nE = -60.0",
                 equations="tau * dv/dt + v = E : init=-70.0, exponential",
                 spike="v > 100.0")
    stepper = Stepper(discretize(lif.ir))
    out = stepper.run({"tau": 10.0, "E": -60.0, "v": -70.0}, 4.0, 5)
    assert abs(out["v"] - (-60.0 - 10.0 * math.exp(-2.0))) < 1e-12


def test_text_rk4_holds_an_assignment_and_a_function_keeps_fourth_order():
    """``I = g*(E - v)`` is computed once per step (ANNarchy): rk4 is first
    order through it. The same current as a function is evaluated at every
    stage: fourth order."""
    held = Neuron(name="Syn", parameters="g = 2.0\nE = 1.0",
                  equations="I = g*(E - v)\ndv/dt = I - v : rk4\nr = v")
    function = Neuron(name="SynF", parameters="g = 2.0\nE = 1.0",
                      functions="I_syn(v, g, E) = g*(E - v)",
                      equations="dv/dt = I_syn(v, g, E) - v : rk4\nr = v")
    exact = 2.0 / 3.0 * (1.0 - math.exp(-3.0))
    for model, order in ((held, 1), (function, 4)):
        stmts = discretize(model.ir)
        errs, dts = [], []
        for k in range(4):
            dt = 0.1 / 2 ** k
            out = Stepper(stmts).run({"g": 2.0, "E": 1.0, "I": 0.0, "v": 0.0, "r": 0.0},
                                     dt, round(1.0 / dt))
            errs.append(abs(out["v"] - exact))
            dts.append(dt)
        assert abs(observed_order(errs, dts) - order) < 0.15, model.name
