"""Convergence order of every integration method against closed-form solutions.

For each problem the statements of one step are run for dt, dt/2, dt/4, dt/8
up to a fixed final time, and the slope of log(error) against log(dt) must be
within 0.15 of the method's expected order.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp

from engine.integrators import METHOD_ORDERS, discretize
from engine.language.symbols import T, symbol

from integrator_helpers import Stepper, assign, model, observed_order, ode, param, var

x, y, v, tau = symbol("x"), symbol("y"), symbol("v"), symbol("tau")
TOL = 0.15


def _order(ir, env0, exact, t_end, dt0, n_halvings=4, key="x"):
    stepper = Stepper(discretize(ir))
    dts, errors = [], []
    for k in range(n_halvings):
        dt = dt0 / 2 ** k
        n = round(t_end / dt)
        out = stepper.run(env0, dt, n)
        dts.append(dt)
        errors.append(abs(out[key] - exact))
    return observed_order(errors, dts), errors


def decay(method):
    return model([param("tau", 1.0), var("v", 1.0)], [ode("v", -v / tau, method)])


def oscillator(method):
    return model([var("x", 1.0), var("y", 0.0)],
                 [ode("x", y, method), ode("y", -x, method)])


@pytest.mark.parametrize("method", ["explicit", "midpoint", "rk4", "implicit", "semiimplicit"])
def test_decay_order(method):
    order, _ = _order(decay(method), {"v": 1.0, "tau": 1.0}, math.exp(-1.0), 1.0, 0.1, key="v")
    assert abs(order - METHOD_ORDERS[method]) < TOL, order


@pytest.mark.parametrize("method", ["explicit", "midpoint", "rk4", "implicit", "semiimplicit",
                                    "exponential"])
def test_harmonic_oscillator_order(method):
    # coupled: each ODE reads the other variable, x(t) = cos(t)
    order, _ = _order(oscillator(method), {"x": 1.0, "y": 0.0}, math.cos(2.0), 2.0, 0.1)
    # exponential Euler has B == 0 here and falls back to forward Euler: order 1
    assert abs(order - METHOD_ORDERS[method]) < TOL, order


@pytest.mark.parametrize("method", ["explicit", "midpoint", "rk4", "semiimplicit"])
def test_logistic_order_nonlinear(method):
    # dx/dt = x(1 - x), x(0) = 0.1; semiimplicit treats the term x implicitly
    ir = model([var("x", 0.1)], [ode("x", x * (1 - x), method)])
    exact = 1.0 / (1.0 + 9.0 * math.exp(-2.0))
    order, _ = _order(ir, {"x": 0.1}, exact, 2.0, 0.2)
    assert abs(order - METHOD_ORDERS[method]) < TOL, order


# Assignments are variables computed once per step (ANNarchy's semantics): the
# stages of midpoint/rk4 read the value the assignment was given at its place
# in the step; they do not re-evaluate it at the stage values.

_TABLEAU_B = {"midpoint": (0.0, 1.0), "rk4": (1 / 6, 1 / 3, 1 / 3, 1 / 6)}


def _rk_step(f, y, h, method):
    """One textbook explicit RK step of y' = f(y) (y a tuple), written here."""
    ks = []
    for c in ((0.0, 0.5) if method == "midpoint" else (0.0, 0.5, 0.5, 1.0)):
        stage = y if not ks else tuple(yi + c * h * ki for yi, ki in zip(y, ks[-1]))
        ks.append(f(stage))
    return tuple(yi + h * sum(b * k[i] for b, k in zip(_TABLEAU_B[method], ks))
                 for i, yi in enumerate(y))


@pytest.mark.parametrize("method", ["midpoint", "rk4"])
def test_intermediate_assignment_is_held_over_the_step(method):
    # I = g(E - v) is computed at the step's start; the stages of v read it
    g, E = symbol("g"), symbol("E")
    ir = model([param("g", 2.0), param("E", 1.0), param("tau", 1.0), var("I"), var("v", 0.0)],
               [assign("I", g * (E - v)), ode("v", (symbol("I") - v) / tau, method)])
    env = {"g": 2.0, "E": 1.0, "tau": 1.0, "I": 0.0, "v": 0.0}
    h, vv = 0.1, 0.0
    for _ in range(10):
        held = 2.0 * (1.0 - vv)
        (vv,) = _rk_step(lambda y: (held - y[0],), (vv,), h, method)
    out = Stepper(discretize(ir)).run(env, h, 10)
    assert out["v"] == pytest.approx(vv, rel=1e-13)
    # so the coupling through I is first order; written in the ODE it keeps the order
    exact = 2.0 / 3.0 * (1.0 - math.exp(-3.0))
    order, _ = _order(ir, env, exact, 1.0, 0.1, key="v")
    assert abs(order - 1) < TOL, order
    inline = model([param("g", 2.0), param("E", 1.0), param("tau", 1.0), var("v", 0.0)],
                   [ode("v", (g * (E - v) - v) / tau, method)])
    order, _ = _order(inline, env, exact, 1.0, 0.1, key="v")
    assert abs(order - METHOD_ORDERS[method]) < TOL, order


@pytest.mark.parametrize("method", ["midpoint", "rk4"])
def test_transitive_assignments_are_held_on_a_coupled_system(method):
    # a = -x ; b = a ; dx/dt = y ; dy/dt = b : b holds -x of the step's start
    a, b = symbol("a"), symbol("b")
    ir = model([var("a"), var("b"), var("x", 1.0), var("y")],
               [assign("a", -x), assign("b", a), ode("x", y, method), ode("y", b, method)])
    env = {"a": 0.0, "b": 0.0, "x": 1.0, "y": 0.0}
    h, state = 0.1, (1.0, 0.0)
    for _ in range(20):
        held = -state[0]
        state = _rk_step(lambda s: (s[1], held), state, h, method)
    out = Stepper(discretize(ir)).run(env, h, 20)
    assert (out["x"], out["y"]) == pytest.approx(state, rel=1e-13)


@pytest.mark.parametrize("method", ["midpoint", "rk4"])
def test_time_dependent_input_keeps_order_in_the_ode(method):
    # dv/dt = cos(t) - v: the stages advance t (ANNarchy's keep the step's t)
    ir = model([var("v", 0.0)], [ode("v", sp.cos(T) - v, method)])
    t1 = 2.0
    exact = 0.5 * (math.cos(t1) + math.sin(t1) - math.exp(-t1))   # v(0) = 0
    order, _ = _order(ir, {"v": 0.0}, exact, t1, 0.2, key="v")
    assert abs(order - METHOD_ORDERS[method]) < TOL, order
    # through an assignment s = cos(t), s is held over the step: first order
    s = symbol("s")
    held = model([var("s"), var("v", 0.0)], [assign("s", sp.cos(T)), ode("v", s - v, method)])
    order, _ = _order(held, {"s": 0.0, "v": 0.0}, exact, t1, 0.2, key="v")
    assert abs(order - 1) < TOL, order


def test_exponential_euler_exact_on_linear_ode():
    # tau dv/dt = E - v with constant E, large steps
    E = symbol("E")
    ir = model([param("tau", 10.0), param("E", -60.0), var("v", -70.0)],
               [ode("v", (E - v) / tau, "exponential")])
    stepper = Stepper(discretize(ir))
    for dt in (0.5, 5.0, 25.0):
        out = stepper.run({"tau": 10.0, "E": -60.0, "v": -70.0}, dt, 8)
        exact = -60.0 + (-70.0 + 60.0) * math.exp(-8 * dt / 10.0)
        assert abs(out["v"] - exact) < 1e-12


def test_exponential_euler_conductance_form():
    # dv/dt = (El - v + g (E - v))/tau with g constant: still exact
    El, E, g = symbol("El"), symbol("E"), symbol("g")
    ir = model([param("tau", 20.0), param("El", -70.0), param("E", 0.0), var("g", 0.5),
                var("v", -70.0)],
               [ode("v", (El - v + g * (E - v)) / tau, "exponential")])
    env = {"tau": 20.0, "El": -70.0, "E": 0.0, "g": 0.5, "v": -70.0}
    out = Stepper(discretize(ir)).run(env, 7.0, 10)
    v_inf = (-70.0 + 0.5 * 0.0) / 1.5
    exact = v_inf + (-70.0 - v_inf) * math.exp(-70.0 * 1.5 / 20.0)
    assert abs(out["v"] - exact) < 1e-12


def test_event_driven_exact_on_decay():
    ir = model([param("tau", 5.0), var("v", 1.0)], [ode("v", -v / tau, "event-driven")])
    out = Stepper(discretize(ir)).run({"tau": 5.0, "v": 1.0}, 3.0, 7)
    assert abs(out["v"] - math.exp(-21.0 / 5.0)) < 1e-12


def test_method_orders_cover_all_methods():
    from engine.language.ir import METHODS

    assert set(METHOD_ORDERS) == set(METHODS)
    assert METHOD_ORDERS["event-driven"] == math.inf
