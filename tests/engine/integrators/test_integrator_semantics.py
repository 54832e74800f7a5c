"""Ordering, bounds, refractoriness, draws and method selection of ``discretize``."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from engine.integrators import Statement, discretize
from engine.integrators.methods import event_driven_solution
from engine.language.random_draws import Normal, Uniform, is_draw
from engine.language.symbols import DT, symbol

from integrator_helpers import Stepper, assign, model, ode, param, var

x, y, v, u, tau = (symbol(n) for n in ("x", "y", "v", "u", "tau"))


def _draw_count(statements):
    return sum(1 for s in statements for n in sp.preorder_traversal(s.expr) if is_draw(n))


def test_coupled_explicit_uses_start_of_step_state():
    ir = model([var("x", 1.0), var("y", 0.5)], [ode("x", y), ode("y", -x)])
    out = Stepper(discretize(ir)).run({"x": 1.0, "y": 0.5}, 0.1, 1)
    assert out["x"] == pytest.approx(1.0 + 0.1 * 0.5, abs=1e-15)
    assert out["y"] == pytest.approx(0.5 - 0.1 * 1.0, abs=1e-15)


def test_explicit_statements_shape():
    ir = model([var("x"), var("y")], [ode("x", y), ode("y", -x)])
    assert discretize(ir) == [
        Statement("_d_x", DT * y),
        Statement("_d_y", -DT * x),
        Statement("x", x + symbol("_d_x")),
        Statement("y", y + symbol("_d_y")),
    ]


def test_assignments_run_in_written_order():
    a, b, c = symbol("a"), symbol("b"), symbol("c")
    ir = model([var("a"), var("b"), var("c"), var("v", 2.0)],
               [assign("a", v + 1), assign("b", 2 * a), ode("v", -v), assign("c", v),
                assign("a", a + 10)])
    out = Stepper(discretize(ir)).run({"a": 0.0, "b": 0.0, "c": 0.0, "v": 2.0}, 0.5, 1)
    assert out["b"] == 6.0          # sees the new a
    assert out["c"] == 1.0          # after the ODE run: sees the updated v (ANNarchy)
    assert out["v"] == 1.0
    assert out["a"] == 13.0         # second assignment sees the first


def test_targets_are_model_names_or_temporaries():
    ir = model([var("I"), var("v"), var("w")],
               [assign("I", -v), ode("v", symbol("I") - v, "rk4"), ode("w", v - symbol("w"),
                                                                      "exponential")])
    for s in discretize(ir):
        assert s.target in ("I", "v", "w") or s.target.startswith("_")


def test_bounds_applied_after_update():
    r = symbol("r")
    ir = model([var("v", 0.0, min=sp.Float(-1.0), max=sp.Float(1.0)),
                var("r", 0.0, max=sp.Float(0.5))],
               [ode("v", sp.Integer(10)), assign("r", v)])
    stmts = discretize(ir)
    assert [s.target for s in stmts] == ["_d_v", "v", "v", "r", "r"]
    assert stmts[2] == Statement("v", sp.Min(sp.Max(v, sp.Float(-1.0)), sp.Float(1.0)))
    assert stmts[4] == Statement("r", sp.Min(r, sp.Float(0.5)))
    out = Stepper(stmts).run({"v": 0.9, "r": 0.0}, 0.1, 1)
    assert out["v"] == 1.0
    assert out["r"] == 0.5


def test_bounds_seen_by_later_stages():
    # a bounded intermediate inlined into rk4 stages keeps its bound
    a = symbol("a")
    ir = model([var("a", max=sp.Float(0.0)), var("v", 1.0)],
               [assign("a", v), ode("v", a, "rk4")])
    out = Stepper(discretize(ir)).run({"a": 0.0, "v": 1.0}, 0.1, 5)
    assert out["v"] == 1.0


def test_unless_refractory_freezes_state_writes_only():
    ir = model([var("v"), var("g")],
               [ode("v", -v, "rk4", flags=frozenset({"unless_refractory"})), ode("g", -symbol("g"))],
               spiking=True, spike=v > 1)
    frozen = {s.target for s in discretize(ir) if s.frozen_when_refractory}
    assert frozen == {"v"}
    # not spiking: no freezing
    ir2 = model(ir.variables, ir.equations)
    assert not any(s.frozen_when_refractory for s in discretize(ir2))
    # another block (reset): the flag keeps its reset meaning, not frozen
    reset = (assign("v", sp.Integer(0), flags=frozenset({"unless_refractory"})),)
    assert not any(s.frozen_when_refractory for s in discretize(ir, reset))


@pytest.mark.parametrize("method", ["midpoint", "rk4"])
def test_draws_hoisted_once_for_multistage(method):
    # the assignment runs once per step (its draw too); the ODE's draw is hoisted
    # into _rand_0 and shared by every stage
    I = symbol("I")
    ir = model([var("I"), var("v")],
               [assign("I", -v + Normal(0, 1)), ode("v", I + Uniform(0, 1) - v, method)])
    stmts = discretize(ir)
    assert _draw_count(stmts) == 2
    rand = [s for s in stmts if s.target.startswith("_rand_")]
    assert [s.target for s in rand] == ["_rand_0"] and is_draw(rand[0].expr)
    stages = [s for s in stmts if s.target.startswith("_k")]
    assert all(symbol("_rand_0") in s.expr.free_symbols for s in stages)
    assert all(I in s.expr.free_symbols for s in stages)          # I read, not re-evaluated


def test_same_draws_in_every_stage_numerically():
    # dv/dt = noise, constant over the step: rk4 then gives exactly v + dt*noise
    ir = model([var("v")], [ode("v", sp.sympify(Normal(0, 1)), "rk4")])
    stmts = discretize(ir)
    draws = iter([0.7, -0.3])
    stepper = Stepper(stmts, modules=[{"NormalDraw": lambda *a: next(draws)}, "math"])
    out = stepper.run({"v": 0.0}, 0.1, 2)
    assert out["v"] == pytest.approx(0.1 * (0.7 - 0.3), abs=1e-15)


@pytest.mark.parametrize("method", ["exponential", "implicit", "semiimplicit"])
def test_draws_not_duplicated_by_linear_methods(method):
    ir = model([var("v")], [ode("v", Normal(0, 1) * (1 - v) - v, method)])
    assert _draw_count(discretize(ir)) == 1


def test_explicit_keeps_draw_inline():
    ir = model([var("v")], [ode("v", Normal(0, 1) - v)])
    stmts = discretize(ir)
    assert _draw_count(stmts) == 1
    assert not any(s.target.startswith("_rand") for s in stmts)


def test_runs_of_consecutive_odes():
    # run 1: x, y (coupled, start-of-run state); then a sees the new x; run 2: z
    a, z = symbol("a"), symbol("z")
    ir = model([var("x", 1.0), var("y", 0.5), var("a"), var("z")],
               [ode("x", y), ode("y", -x), assign("a", x), ode("z", a + x)])
    targets = [s.target for s in discretize(ir)]
    assert targets == ["_d_x", "_d_y", "x", "y", "a", "_d_z", "z"]
    out = Stepper(discretize(ir)).run({"x": 1.0, "y": 0.5, "a": 0.0, "z": 0.0}, 0.1, 1)
    assert out["a"] == pytest.approx(1.05, abs=1e-15)
    assert out["z"] == pytest.approx(0.1 * (1.05 + 1.05), abs=1e-15)


def test_a_later_group_reads_an_assignment_at_its_step_value():
    # c = x + z is computed before x's run; z's rk4 stages read that value (held
    # over the step, as in ANNarchy), neither the new x nor the stage values of z
    c = symbol("c")
    z = symbol("z")
    ir = model([var("x", 1.0), var("c"), var("z"), var("r")],
               [assign("c", x + z), ode("x", sp.Integer(1)), assign("r", x),
                ode("z", c - z, "rk4")])
    stmts = discretize(ir)
    out = Stepper(stmts).run({"x": 1.0, "c": 0.0, "z": 0.0, "r": 0.0}, 0.1, 1)
    # dz/dt = 1 - z from z = 0 with c = 1 held: rk4 gives h - h^2/2 + h^3/6 - h^4/24
    h = 0.1
    assert out["z"] == pytest.approx(h - h**2 / 2 + h**3 / 6 - h**4 / 24, rel=1e-14)
    assert out["x"] == pytest.approx(1.1, abs=1e-15)
    assert out["c"] == pytest.approx(1.0, abs=1e-15) and out["r"] == pytest.approx(1.1)


def test_method_resolution_order():
    ir = model([var("v")], [ode("v", -v)], method="exponential")
    assert discretize(ir)[0].expr.has(sp.exp)
    ir = model([var("v")], [ode("v", -v)])
    assert any(s.target == "_k4_v" for s in discretize(ir, default_method="rk4"))
    ir = model([var("v")], [ode("v", -v, "explicit")], method="rk4")
    assert not any(s.target.startswith("_k") for s in discretize(ir))


def test_exponential_tau_form_is_readable():
    E = symbol("E")
    ir = model([param("E"), param("tau"), var("v")], [ode("v", (E - v) / tau, "exponential")])
    assert discretize(ir)[0].expr == (E - v) * (1 - sp.exp(-DT / tau))


def test_exponential_falls_back_to_euler_without_own_variable():
    ir = model([var("v"), var("u")], [ode("v", u, "exponential")])
    assert discretize(ir)[0] == Statement("_d_v", DT * u)


def test_semiimplicit_izhikevich():
    I = symbol("I")
    rhs = sp.Float(0.04) * v ** 2 + 5 * v + 140 - u + I
    ir = model([param("I"), var("u"), var("v")], [ode("v", rhs, "semiimplicit")])
    assert discretize(ir)[0].expr == DT * rhs / (1 - 5 * DT)


def test_event_driven_solution():
    elapsed = symbol("elapsed")
    eq = ode("x", -x / tau, "event-driven")
    ir = model([param("tau"), var("x")], [eq])
    assert event_driven_solution(eq, ir, elapsed) == x * sp.exp(-elapsed / tau)


def test_assignment_only_blocks():
    g = symbol("g_exc")
    ir = model([var("w")], [], kind="synapse")
    block = (assign("g_exc", g + symbol("w")),)
    assert discretize(ir, block) == [Statement("g_exc", g + symbol("w"))]
