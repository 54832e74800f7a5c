"""Helpers for the integrator tests (imported by the test modules of this folder): hand-built IRs and a reference stepper.

The stepper lambdifies the statements produced by ``discretize`` (our own
generated sympy, never user text) and runs them in order on a dict of scalars,
exactly as the generated kernels do for one element.
"""

from __future__ import annotations

import math

import sympy as sp

from engine.language.ir import Equation, ModelIR, VariableSpec
from engine.language.symbols import symbol


def param(name, value=0.0, **kw):
    return VariableSpec(name, "parameter", init=sp.Float(value), **kw)


def var(name, init=0.0, **kw):
    return VariableSpec(name, "variable", init=sp.Float(init), **kw)


def ode(target, rhs, method=None, **kw):
    return Equation(target, "ode", rhs, method=method, **kw)


def assign(target, rhs, **kw):
    return Equation(target, "assign", rhs, **kw)


def model(variables, equations, name="test", kind="neuron", **kw):
    return ModelIR(name, kind, variables=tuple(variables), equations=tuple(equations), **kw)


class Stepper:
    """Runs a list of statements ``n_steps`` times on a dict of floats."""

    def __init__(self, statements, modules=None):
        self.code = []
        for s in statements:
            args = sorted(s.expr.free_symbols, key=lambda x: x.name)
            fn = sp.lambdify(args, s.expr, modules=modules or ["math"])
            self.code.append((s.target, fn, [a.name for a in args]))

    def run(self, env, dt, n_steps, t0=0.0):
        env = dict(env)
        env["dt"] = dt
        for k in range(n_steps):
            env["t"] = t0 + k * dt
            for target, fn, names in self.code:
                env[target] = float(fn(*[env[n] for n in names]))
        env["t"] = t0 + n_steps * dt
        return env


def observed_order(errors, dts):
    """Least-squares slope of log(error) against log(dt)."""
    n = len(dts)
    xs = [math.log(d) for d in dts]
    ys = [math.log(e) for e in errors]
    mx, my = sum(xs) / n, sum(ys) / n
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


