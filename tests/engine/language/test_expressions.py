"""The safe expression parser: each construct to its exact sympy expression.

Expected expressions are built by hand through ``symbols.symbol`` and the
function table, the way the class front end builds them, so equality here
means both front ends agree.
"""

from __future__ import annotations

import pytest
import sympy as sp

from engine.errors import EquationError
from engine.language.checks import Problem
from engine.language.expressions import (
    DERIVATIVE_PREFIX,
    Scope,
    parse_expression,
    prepare,
    solve_linear,
)
from engine.language.functions import FUNCTIONS, ite
from engine.language.random_draws import NormalDraw, UniformDraw, renumber_draws
from engine.language.symbols import DT, T, post_symbol, pre_symbol, sum_symbol, symbol

v, u, w, x, y, a, b, c, tau, I = (symbol(n) for n in ("v", "u", "w", "x", "y", "a", "b", "c",
                                                     "tau", "I"))
F = sp.Float


def P(text):
    return parse_expression(text)


@pytest.mark.parametrize("text, expected", [
    ("0.04*v^2 + 5*v + 140 - u + I", F(0.04) * v**2 + 5 * v + 140 - u + I),
    ("0.04*v^2", F(0.04) * v**2),
    ("-v^2", -(v**2)),
    ("2^3^2", sp.Integer(512)),          # right-associative, like Python's **
    ("v**2", v**2),
    ("(v + 1)^2 / tau", (v + 1)**2 / tau),
    ("a - b/c*x", a - b / c * x),
    ("v % 3", sp.Mod(v, 3)),
    ("+v", v),
    ("-(-v)", v),
    ("1/2", sp.Rational(1, 2)),
    ("v/2.0", v * F(0.5)),
    ("t + dt", T + DT),
    ("True", sp.true),
    ("10", sp.Integer(10)),
    ("1e-3 * v", F(1e-3) * v),
])
def test_arithmetic(text, expected):
    assert P(text) == expected


def test_float_literals_equal_python_floats():
    # the class front end turns 0.04 into sp.Float(0.04): the text must give the same
    assert P("0.04") == F(0.04)
    assert sp.srepr(P("0.04")) == sp.srepr(F(0.04))
    assert P("-70.0") == F(-70.0)


@pytest.mark.parametrize("text, expected", [
    ("v > 0", sp.Gt(v, 0)),
    ("v >= 0", sp.Ge(v, 0)),
    ("v < 0", sp.Lt(v, 0)),
    ("v <= 0", sp.Le(v, 0)),
    ("v == 0", sp.Eq(v, 0)),
    ("v != 0", sp.Ne(v, 0)),
    ("a < b < c", sp.And(sp.Lt(a, b), sp.Lt(b, c))),
    ("v > 0 and u < 1", sp.And(sp.Gt(v, 0), sp.Lt(u, 1))),
    ("v > 0 or u < 1", sp.Or(sp.Gt(v, 0), sp.Lt(u, 1))),
    ("not v > 0", sp.Not(sp.Gt(v, 0))),
    ("a and b > 0", sp.And(sp.Ne(a, 0), sp.Gt(b, 0))),  # a number as a condition: a != 0
])
def test_conditions(text, expected):
    assert P(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("exp(-v/tau)", FUNCTIONS["exp"].build(-v / tau)),
    ("pos(v)", sp.Max(v, 0)),
    ("positive(v)", sp.Max(v, 0)),
    ("neg(v)", sp.Min(v, 0)),
    ("clip(v, 0, 1)", FUNCTIONS["clip"].build(v, 0, 1)),
    ("heaviside(v)", FUNCTIONS["heaviside"].build(v)),
    ("power(v, 3)", v**3),
    ("pow(v, 3)", v**3),            # C's name: ANNarchy accepts it (CompNeuroPy's models use it)
    ("modulo(v, 2)", sp.Mod(v, 2)),
    ("min(a, b) + max(a, b)", sp.Min(a, b) + sp.Max(a, b)),
    ("tanh(v) + fabs(u)", sp.tanh(v) + sp.Abs(u)),
    ("ite(v > 1, 1, 0)", ite(v > 1, 1, 0)),
])
def test_functions_go_through_the_table(text, expected):
    assert P(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("if v > 0 then 1 else 0", ite(v > 0, 1, 0)),
    ("if v > 0 then 1 else 0 + 5", ite(v > 0, 1, 5)),  # else runs to the end
    ("(if v > 0 then 1 else 0) + 5", ite(v > 0, 1, 0) + 5),
    ("2 * (if v > 0 then a else b)", 2 * ite(v > 0, a, b)),
    ("if v > 0 then 1 else if v < -1 then 2 else 3", ite(v > 0, 1, ite(v < -1, 2, 3))),
    ("if v > 0 then if u > 0 then 1 else 2 else 3", ite(v > 0, ite(u > 0, 1, 2), 3)),
    ("clip(x, 0, if a > 0 then b else c) + 1",
     FUNCTIONS["clip"].build(x, 0, ite(a > 0, b, c)) + 1),
    ("max(if a > 0 then 1 else 2, 3)", sp.Max(ite(a > 0, 1, 2), 3)),
    ("if a then 1 else 2", ite(sp.Ne(a, 0), 1, 2)),
])
def test_if_then_else(text, expected):
    assert P(text) == expected


def test_sum_pre_post():
    assert P("sum(exc) * pre.r + post.v") == sum_symbol("exc") * pre_symbol("r") + post_symbol("v")


def test_random_draws_stay_distinct():
    e = P("Uniform(0, 1) - Uniform(0, 1)")
    draws = sorted(e.atoms(UniformDraw), key=str)
    assert len(draws) == 2 and e != 0
    (renumbered,) = renumber_draws([e])
    assert renumbered.atoms(UniformDraw) == {UniformDraw(0, 1, 0), UniformDraw(0, 1, 1)}
    assert P("Normal(0.0, 1.0)").func is NormalDraw


@pytest.mark.parametrize("text, message, col", [
    ("1/0", "division by zero", 3),
    ("v / (1 - 1)", "division by zero", 6),
    ("3 % 0", "modulo by zero", 5),
    ("0^-1", "division by zero", 1),
    ("1e400", "number too large", 1),
    ("1e308 * 10", "number too large", 1),
    ("9**9**9**9", "number too large", 4),
    ("10^10^10", "number too large", 1),
    ("power(10, 400)", "number too large", 1),
    ("pow(10, 400)", "number too large", 1),
    ("2^-2000", "number too large", 1),
    ("sqrt(-1)", "not a real number", 1),
    ("1.5.3", "invalid number", 1),
    ("0x10", "invalid number", 1),
    ("(v > 0) + 1", "condition cannot be used as a number", 2),
])
def test_numbers_are_guarded(text, message, col):
    with pytest.raises(EquationError) as info:
        P(text)
    (d,) = info.value.diagnostics
    assert message in d.message
    assert d.col == col


@pytest.mark.parametrize("text, message, col", [
    ("v + unknown_fn(1)", "unknown function 'unknown_fn'", 5),
    ("exp(1, 2)", "exp() takes 1 argument, got 2", 1),
    ("clip(v)", "clip() takes 3 arguments, got 1", 1),
    ("Uniform(1)", "Uniform() takes 2 arguments (min, max), got 1", 1),
    ("Exponential(1, 2)", "Exponential() takes 1 argument (lambda), got 2", 1),
    ("sum(exc, inh)", "sum() takes exactly one target name", 1),
    ("sum(1)", "sum() takes exactly one target name", 1),
    ("sum(__class__)", "names starting with '_'", 1),
    ("clip(x=1)", "keyword arguments are not allowed", 6),
    ("x.y", "attribute access is not allowed", 1),
    ("pre.r.x", "attribute access is not allowed", 1),
    ("pre._x", "names starting with '_'", 1),
    ("_v + 1", "names starting with '_'", 1),
    ("v[0]", "subscripts", 1),
    ("a // b", "operator '//' is not allowed", 1),
    ("a & b", "operator '&' is not allowed", 1),
    ("~a", "operator '~' is not allowed", 1),
    ("a is b", "'is' comparisons are not allowed", 1),
    ("x if c else y", "Python conditional expressions", 1),
    ("if v > 0 then 1", "'if' without 'else'", 1),
    ("if v > 0 else 1", "'if' without ':' (or 'then')", 1),
    ("v then 1", "'then' without 'if'", 3),
    ("if v > 0 then else 1", "nothing after 'then'", 10),
    ("(v + 1", "'(' was never closed", 1),
    ("v + 1)", "unmatched ')'", 6),
    ("(v + 1]", "']' does not match '('", 7),
    ("v +", "invalid syntax", 4),
    ("", "empty expression", 1),
    ("v\n+ 1", "must fit on one line", 2),
    ("v $ 1", "unexpected character '$'", 3),
])
def test_rejected_constructs_point_at_the_user_text(text, message, col):
    with pytest.raises(EquationError) as info:
        P(text)
    (d,) = info.value.diagnostics
    assert message in d.message
    assert d.col == col
    assert d.text == text


class Only(Scope):
    """A scope that knows ``tau`` and ``v`` (plus ``t`` and ``dt``)."""

    def name(self, name):
        if name in ("tau", "v"):
            return symbol(name)
        return super().name(name)

    def known_names(self):
        return ["tau", "v", "t", "dt"]


def test_columns_survive_rewriting():
    # '^' became '**' and 'if' became 'ite(': the column is still the user's
    with pytest.raises(EquationError) as info:
        parse_expression("if v^2 > 1 then tua else 0", Only())
    d = info.value.diagnostics[0]
    assert d.col == 17 and d.message == "unknown name 'tua'"


def test_scope_decides_what_names_mean():
    assert parse_expression("t / tau", Only()) == T / tau
    with pytest.raises(EquationError) as info:
        parse_expression("1 / tua", Only())
    d = info.value.diagnostics[0]
    assert d.message == "unknown name 'tua'" and d.hint == "did you mean 'tau'?" and d.col == 5
    with pytest.raises(EquationError, match="only available in synapses"):
        parse_expression("pre.r", Only())
    with pytest.raises(EquationError, match="random draws are not allowed"):
        parse_expression("Normal(0, 1)", Only())
    with pytest.raises(EquationError, match="sum.. is not available"):
        parse_expression("sum(exc)", Only())


def test_left_hand_side_derivatives():
    prep = prepare("tau*dv/dt + v", lhs=True)
    assert prep.derivatives == (("v", 4),)
    assert not prepare("tau*dv/dt + v").derivatives  # only on a left-hand side
    assert f"{DERIVATIVE_PREFIX}0" in {n.id for n in __import__("ast").walk(prep.tree)
                                        if hasattr(n, "id")}


def test_solve_linear():
    d = sp.Dummy("d")
    assert solve_linear(tau * d + v, I, d) == (I - v) / tau
    assert solve_linear(tau * (d + v), I, d) == -(tau * v - I) / tau
    with pytest.raises(Problem, match="nonlinearly"):
        solve_linear(d**2, I, d)
    with pytest.raises(Problem, match="nonlinearly"):
        solve_linear(sp.exp(d), I, d)
    with pytest.raises(Problem, match="zero coefficient"):
        solve_linear(0 * d + v, I, d)
