"""Errors of ``discretize``: nonlinear ODEs, unknown methods, duplicates."""

from __future__ import annotations

import pytest
import sympy as sp

from engine.errors import EquationError
from engine.integrators import discretize
from engine.integrators.methods import event_driven_solution
from engine.language.ir import SourceRef
from engine.language.symbols import symbol

from integrator_helpers import assign, model, ode, param, var

v, u, tau, E = (symbol(n) for n in ("v", "u", "tau", "E"))
SRC = SourceRef(model="neuron 'Izh'", block="equations", line=2, col=1,
                text="dv/dt = 0.04*v^2 + 5*v + 140 - u : exponential")


@pytest.mark.parametrize("method", ["exponential", "implicit", "event-driven"])
def test_nonlinear_ode_rejected(method):
    eq = ode("v", sp.Float(0.04) * v ** 2 + 5 * v + 140 - u, method, source=SRC)
    ir = model([var("u"), var("v")], [eq], name="Izh")
    with pytest.raises(EquationError) as info:
        discretize(ir)
    (d,) = info.value.diagnostics
    assert d.model == "neuron 'Izh'"
    assert (d.block, d.line, d.col) == ("equations", 2, 1)
    assert d.text == SRC.text
    assert "method='explicit'" in d.hint
    assert method in d.message
    assert "line 2" in str(info.value)


def test_model_name_without_source():
    ir = model([var("v")], [ode("v", sp.exp(v), "implicit")], name="LIF")
    with pytest.raises(EquationError, match="neuron 'LIF'"):
        discretize(ir)


@pytest.mark.parametrize("rhs", [(E - v) / tau + u, -v * u, -v / tau + symbol("t")])
def test_event_driven_needs_constant_coefficients(rhs):
    eq = ode("v", rhs, "event-driven")
    ir = model([param("E"), param("tau"), var("u"), var("v")], [eq])
    with pytest.raises(EquationError, match="event-driven"):
        discretize(ir)
    with pytest.raises(EquationError):
        event_driven_solution(eq, ir, symbol("elapsed"))


def test_event_driven_relaxation_to_a_constant_is_solved_exactly():
    """Tsodyks-Markram's ``dx/dt = (1 - x)/tau_rec`` form: exact between events."""
    eq = ode("v", (E - v) / tau, "event-driven")
    ir = model([param("E"), param("tau"), var("v")], [eq])
    h = symbol("elapsed")
    sol = event_driven_solution(eq, ir, h)
    values = {E: 2.0, tau: 5.0, v: -1.0, h: 3.0}
    assert float(sol.subs(values)) == pytest.approx(2.0 + (-1.0 - 2.0) * 2.718281828459045 ** (-0.6),
                                                    rel=1e-14)
    # it solves the ODE: d sol/dh = (E - sol)/tau, and sol(0) = v
    assert sp.simplify(sp.diff(sol, h) - (E - sol) / tau) == 0
    assert sp.simplify(sol.subs(h, 0) - v) == 0
    # a constant drift (B = 0) is linear in the elapsed time
    drift = ode("v", E, "event-driven")
    assert event_driven_solution(drift, model([param("E"), var("v")], [drift]), h) == v + E * h


def test_piecewise_in_own_variable_is_nonlinear():
    rhs = sp.Piecewise((-v, v > 0), (sp.Integer(0), True))
    with pytest.raises(EquationError):
        discretize(model([var("v")], [ode("v", rhs, "exponential")]))


def test_unknown_method_with_suggestion():
    with pytest.raises(EquationError) as info:
        discretize(model([var("v")], [ode("v", -v, "rk5")]))
    (d,) = info.value.diagnostics
    assert "unknown integration method 'rk5'" in d.message
    assert "did you mean 'rk4'?" in d.hint
    with pytest.raises(EquationError):
        discretize(model([var("v")], [ode("v", -v)]), default_method="euler")


def test_all_problems_collected():
    ir = model([var("u"), var("v")],
               [ode("v", v ** 2, "exponential"), ode("u", -u, "rk5"), ode("v", -v)])
    with pytest.raises(EquationError) as info:
        discretize(ir)
    assert len(info.value.diagnostics) == 3


def test_ode_target_also_assigned():
    ir = model([var("v")], [assign("v", sp.Integer(0)), ode("v", -v)])
    with pytest.raises(EquationError, match="both defined by an ODE and assigned"):
        discretize(ir)
