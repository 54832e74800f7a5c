"""Bad models, one mistake each: the message, where it points, and the hint.

Every row builds a model with one mistake and checks the single diagnostic:
its block, its 1-based line inside the block, its 1-based column in the
user's original line (``None`` where the mistake belongs to no line, such as
a missing block), a substring of the message and a substring of the hint.
"""

from __future__ import annotations

import pytest

from engine.errors import EquationError
from engine.language.models import Neuron, Parameter, Synapse, Variable

R = "\nr = 1"  # keeps rate-coded neurons valid apart from the mistake under test

N, S = "neuron", "synapse"

# (id, kind, model keywords, block, line, col, message substring, hint substring)
TABLE = [
    ("unknown-name", N, dict(parameters="tau = 10.0", equations="dv/dt = -v/tua" + R),
     "equations", 1, 12, "unknown name 'tua'", "did you mean 'tau'?"),
    ("unknown-name-no-match", N, dict(equations="r = zzzq"),
     "equations", 1, 5, "unknown name 'zzzq'", "net.constant(name, value)"),
    ("a-unit", N, dict(parameters="tau = 10*ms", equations="dr/dt = -r/tau"),
     "parameters", 1, 10, "unknown name 'ms'", "the engine has no units"),
    ("unknown-function", N, dict(equations="r = tanhh(1)"),
     "equations", 1, 5, "unknown function 'tanhh'", "did you mean 'tanh'?"),
    ("derivative-on-rhs", N, dict(equations="dv/dt = -v\nr = dv/dt"),
     "equations", 2, 5, "unknown name 'dv'", "left-hand side"),
    ("duplicate-parameter", N, dict(parameters="tau = 1\ntau = 2", equations="r = 1"),
     "parameters", 2, 1, "parameter 'tau' is declared twice", ""),
    ("duplicate-equation", N, dict(equations="r = 1\n  r = 2"),
     "equations", 2, 3, "'r' is defined twice (first on line 1)", "use +="),
    ("derivative-defined-twice", N, dict(equations="dv/dt = 1\ndv/dt = 2" + R),
     "equations", 2, 1, "'v' is defined twice", ""),
    ("duplicate-function", N, dict(functions="f(x) = x\nf(y) = y", equations="r = 1"),
     "functions", 2, 1, "function 'f' is defined twice", ""),
    ("unknown-flag", N, dict(equations="r = 1 : popluation"),
     "equations", 1, 9, "unknown flag 'popluation'", "did you mean 'population'?"),
    ("flag-needs-value", N, dict(equations="r = 1 : init"),
     "equations", 1, 9, "flag 'init' needs a value", "init=<value>"),
    ("empty-flag", N, dict(equations="r = 1 : init=0,,population"),
     "equations", 1, 16, "empty flag", "commas"),
    ("postsynaptic-on-neuron", N, dict(parameters="tau = 1 : postsynaptic", equations="r = 1"),
     "parameters", 1, 11, "flag 'postsynaptic' is only for synapses", "'population'"),
    ("population-in-synapse", S, dict(parameters="tau = 1 : population"),
     "parameters", 1, 11, "flag 'population' is only for neurons", "'projection'"),
    ("method-on-assignment", N, dict(equations="r = 1 : rk4"),
     "equations", 1, 9, "integration method 'rk4' on an assignment", "only to ODEs"),
    ("init-on-parameter", N, dict(parameters="tau = 1 : init=2", equations="r = 1"),
     "parameters", 1, 11, "flag 'init' is not allowed on a parameter", "initial value"),
    ("two-methods", N, dict(equations="dv/dt = -v : rk4, midpoint" + R),
     "equations", 1, 19, "two integration methods", "'rk4' and 'midpoint'"),
    ("bad-method-value", N, dict(equations="dv/dt = -v : method=rk5" + R),
     "equations", 1, 21, "unknown integration method 'rk5'", "did you mean 'rk4'?"),
    ("bad-method-flag", N, dict(equations="dv/dt = -v : exponentiel" + R),
     "equations", 1, 14, "unknown flag 'exponentiel'", "did you mean 'exponential'?"),
    ("flag-twice", N, dict(equations="dv/dt = -v : init=1, init=2" + R),
     "equations", 1, 22, "'init' of 'v' is given twice", ""),
    ("reset-without-spike", N, dict(equations="r = 1", reset="r = 0"),
     "reset", None, None, "reset needs a spike condition", "add spike="),
    ("refractory-without-spike", N, dict(equations="r = 1", refractory=5.0),
     "refractory", None, None, "refractory period needs a spike condition", ""),
    ("negative-refractory", N, dict(equations="dv/dt = -v", spike="v > 1", refractory=-2.0),
     "refractory", None, None, "must not be negative (got -2)", "in ms"),
    ("negative-refractory-text", N, dict(equations="dv/dt = -v", spike="v > 1",
                                         refractory=" -2.5"),
     "refractory", 1, 2, "must not be negative (got -2.5)", ""),
    ("ode-on-parameter", N, dict(parameters="tau = 10.0", equations="dtau/dt = -tau" + R),
     "equations", 1, 1, "ODE on a parameter", "remove 'tau' from parameters"),
    ("assignment-to-parameter", N, dict(parameters="tau = 10.0", equations="r = 1\ntau = 2"),
     "equations", 2, 1, "assignment on a parameter", ""),
    ("reset-of-parameter", N, dict(parameters="c = 1", equations="dv/dt = -v", spike="v > 1",
                                   reset="c = 2"),
     "reset", 1, 1, "on a parameter: 'c'", ""),
    ("lambda", N, dict(equations="r = (lambda: 1)()"),
     "equations", 1, 6, "lambda expressions are not allowed", "functions block"),
    ("subscript", N, dict(equations="r = v[0]\nv = 1"),
     "equations", 1, 5, "subscripts (x[...]) are not allowed", ""),
    ("string-literal", N, dict(equations="r = 'abc'"),
     "equations", 1, 5, "string literals are not allowed", ""),
    ("python-ternary", N, dict(equations="r = 1 if t > 0 else 0"),
     "equations", 1, 5, "Python conditional expressions", "if condition then a else b"),
    ("circular-parameters", N, dict(parameters="a = 1\nb = c + 1\nc = b", equations="r = a"),
     "parameters", 2, 1, "circular definition: b -> c -> b", "depend on itself"),
    ("circular-functions", N, dict(functions="f(x) = g(x)\ng(x) = f(x) + 1", equations="r = 1"),
     "functions", 1, 1, "circular definition: f -> g -> f", "cannot call itself"),
    ("recursive-function", N, dict(functions="f(x) = f(x - 1)", equations="r = 1"),
     "functions", 1, 1, "circular definition: f -> f", ""),
    ("builtin-argument-count", N, dict(equations="r = exp(1, 2)"),
     "equations", 1, 5, "exp() takes 1 argument, got 2", ""),
    ("user-function-argument-count", N, dict(functions="f(x, y) = x + y", equations="r = f(1)"),
     "equations", 1, 5, "f() takes 2 arguments (x, y), got 1", ""),
    ("draw-argument-count", N, dict(equations="r = Normal(1)"),
     "equations", 1, 5, "Normal() takes 2 arguments (mu, sigma), got 1", ""),
    ("non-numeric-init", N, dict(equations="dv/dt = -v : init=u\ndu/dt = 1" + R),
     "equations", 1, 19, "'u' is a variable and cannot be used in init=", "numbers and parameters"),
    ("init-uses-time", N, dict(equations="dv/dt = -v : init=t" + R),
     "equations", 1, 19, "'t' cannot be used in init=", ""),
    ("draw-in-min", N, dict(equations="r = 1 : min=Uniform(0, 1)"),
     "equations", 1, 13, "random draws are not allowed in min=", ""),
    ("reserved-parameter-name", N, dict(parameters="lambda = 1", equations="r = 1"),
     "parameters", 1, 1, "'lambda' is a reserved word", "'lambda_'"),
    ("reserved-variable-name", N, dict(equations="exp = 1" + R),
     "equations", 1, 1, "'exp' is a reserved word", ""),
    ("underscore-variable", N, dict(equations="_x = 1" + R),
     "equations", 1, 1, "starts with '_'", "reserved for generated code"),
    ("pre-in-neuron", N, dict(equations="r = pre.r"),
     "equations", 1, 5, "pre. and post. are only available in synapses", "sum(<target>)"),
    ("conductance-in-rate-neuron", N, dict(equations="r = g_exc"),
     "equations", 1, 5, "unknown name 'g_exc'", "only in spiking neurons"),
    ("rate-neuron-without-r", N, dict(equations="dv/dt = -v"),
     "equations", None, None, "rate-coded neurons must define the firing rate r", "r = "),
    ("spike-not-boolean", N, dict(equations="dv/dt = -v", spike="v - 1"),
     "spike", 1, 1, "spike condition must be a comparison", "v > v_thresh"),
    ("spike-constant", N, dict(equations="dv/dt = -v", spike="True"),
     "spike", 1, 1, "must be a comparison, not a constant", "v > v_thresh"),
    ("spike-assignment", N, dict(equations="dv/dt = -v", spike="v = 1"),
     "spike", 1, 3, "spike must be a condition, not an assignment", "'=='"),
    ("spike-two-lines", N, dict(equations="dv/dt = -v", spike="v > 1\nv > 2"),
     "spike", 2, 1, "spike must be a single condition", ""),
    ("unclosed-parenthesis", N, dict(equations="r = (v + 1\nv = 1"),
     "equations", 1, 5, "'(' was never closed", "missing ')'"),
    ("unmatched-parenthesis", N, dict(equations="r = v + 1)\nv = 1"),
     "equations", 1, 10, "unmatched ')'", ""),
    ("empty-rhs", N, dict(equations="r = "),
     "equations", 1, 4, "missing expression after '='", ""),
    ("missing-equals", N, dict(equations="r = 1\nv + 1"),
     "equations", 2, 1, "missing '='", ""),
    ("two-equals", N, dict(equations="r = v = 1"),
     "equations", 1, 7, "only one '=' is allowed", "'=='"),
    ("derivative-twice", N, dict(equations="dv/dt + du/dt = 1" + R),
     "equations", 1, 9, "the derivative appears twice", "one derivative per equation"),
    ("nonlinear-implicit", N, dict(equations="exp(dv/dt) = 1" + R),
     "equations", 1, 1, "the derivative appears nonlinearly", "a*dx/dt + b = c"),
    ("zero-coefficient", N, dict(equations="0*dv/dt = 1" + R),
     "equations", 1, 1, "zero coefficient", ""),
    ("if-without-else", N, dict(equations="r = if v > 0 then 1\nv = 1"),
     "equations", 1, 5, "'if' without 'else'", "if condition then a else b"),
    ("ode-with-increment", N, dict(equations="dv/dt += 1" + R),
     "equations", 1, 7, "an ODE is written with '=', not '+='", ""),
    ("increment-after-ode", N, dict(equations="dv/dt = -v\nv += 1" + R),
     "equations", 2, 1, "integrated by an ODE and cannot be incremented", ""),
    ("definition-after-increment", N, dict(equations="x += 1\nx = 2" + R),
     "equations", 2, 1, "'x' is defined after being incremented on line 1", ""),
    ("bad-left-hand-side", N, dict(equations="v + 1 = 2" + R),
     "equations", 1, 1, "left-hand side must be a variable name", "tau*dx/dt"),
    ("unless-refractory-in-rate-neuron", N, dict(equations="r = 1 : unless_refractory"),
     "equations", 1, 9, "only for spiking neurons", ""),
    ("flag-not-allowed-in-reset", N, dict(equations="dv/dt = -v", spike="v > 1",
                                          reset="v = 0 : min=0"),
     "reset", 1, 9, "flag 'min' is not allowed in reset", "unless_refractory"),
    ("ode-in-reset", N, dict(equations="dv/dt = -v", spike="v > 1", reset="dv/dt = 0"),
     "reset", 1, 1, "ODEs are not allowed in reset", ""),
    ("unknown-reset-target", N, dict(equations="dv/dt = -v", spike="v > 1", reset="vv = 0"),
     "reset", 1, 1, "unknown name 'vv'", "did you mean 'v'?"),
    ("sum-in-synapse", S, dict(psp="sum(exc)"),
     "psp", 1, 1, "sum() cannot be used in psp of a synapse", ""),
    ("assign-to-pre", S, dict(pre_spike="g_target += w\npre.r = 1"),
     "pre_spike", 2, 1, "a synapse cannot change 'pre.r'", ""),
    ("weight-not-local", S, dict(parameters="w = 1 : projection"),
     "parameters", 1, 9, "the weight is always local", ""),
    ("function-shadows-builtin", N, dict(functions="exp(x) = x", equations="r = 1"),
     "functions", 1, 1, "'exp' is a built-in function", "another name"),
    ("function-uses-time", N, dict(functions="f(x) = x * t", equations="r = 1"),
     "functions", 1, 12, "unknown name 't'", "only use their arguments"),
    ("bad-function-header", N, dict(functions="f = 2", equations="r = 1"),
     "functions", 1, 1, "a function is written 'name(x, y) = expression'", ""),
    ("sum-two-targets", N, dict(equations="r = sum(exc, inh)"),
     "equations", 1, 5, "sum() takes exactly one target name", "sum(exc)"),
    ("semiglobal-in-neuron", N, dict(parameters=dict(a=Parameter(1.0, locality="semiglobal")),
                                     equations="r = 1"),
     "parameters", 1, None, "locality 'semiglobal' is only for synapses", ""),
    ("unknown-locality", N, dict(parameters=dict(a=Parameter(1.0, locality="globl")),
                                 equations="r = 1"),
     "parameters", 1, None, "unknown locality 'globl'", "did you mean 'global'?"),
    ("variable-bad-method", N, dict(equations=["r = v", Variable("dv/dt = -v", method="rk5")]),
     "equations", 2, None, "unknown integration method 'rk5'", "did you mean 'rk4'?"),
    ("number-too-large", N, dict(equations="r = 10^10^10"),
     "equations", 1, 5, "number too large", ""),
    ("division-by-zero", N, dict(equations="r = 1/0"),
     "equations", 1, 7, "division by zero", ""),
    ("walrus", N, dict(equations="r = (y := 3)"),
     "equations", 1, 6, "assignment expressions (:=) are not allowed", ""),
    ("keyword-argument", N, dict(equations="r = clip(1, a=0, b=1)"),
     "equations", 1, 18, "keyword arguments are not allowed", "by position"),
    ("unsupported-block", N, dict(equations="r = 1", axon_spike="v > 1"),
     "axon_spike", None, None, "axon_spike is not supported", ""),
]


@pytest.mark.parametrize("kind, kwargs, block, line, col, message, hint",
                         [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_one_mistake(kind, kwargs, block, line, col, message, hint):
    cls = Neuron if kind == N else Synapse
    with pytest.raises(EquationError) as info:
        cls(name="M", **kwargs)
    diagnostics = info.value.diagnostics
    assert len(diagnostics) == 1, [d.format() for d in diagnostics]
    (d,) = diagnostics
    assert d.model == f"{kind} 'M'"
    assert (d.block, d.line, d.col) == (block, line, col)
    assert message in d.message
    assert hint in d.hint
    if line is not None and isinstance(kwargs.get(block), str):
        assert d.text == kwargs[block].split("\n")[line - 1]
    assert message in str(info.value)


def test_table_is_large_and_distinct():
    assert len(TABLE) >= 35
    assert len({row[0] for row in TABLE}) == len(TABLE)
    assert len({row[6] for row in TABLE}) >= 35  # distinct messages, not one error 35 times


def test_all_mistakes_are_reported_at_once_in_source_order():
    with pytest.raises(EquationError) as info:
        Neuron(name="Three",
               parameters="tau = 10.0\nv_th = 1.0 : postsynaptic",
               equations="dv/dt = -v/tua\nr = pos(v)",
               spike="v > v_th",
               reset="v = 0 : rk4")
    found = [(d.block, d.line, d.col, d.message) for d in info.value.diagnostics]
    assert found == [
        ("parameters", 2, 14, "flag 'postsynaptic' is only for synapses"),
        ("equations", 1, 12, "unknown name 'tua'"),
        ("reset", 1, 9, "flag 'rk4' is not allowed in reset"),
    ]
    text = str(info.value)
    assert text.startswith("3 problems:")
    assert "neuron 'Three', equations line 1, col 12: unknown name 'tua'" in text
    assert "hint: did you mean 'tau'?" in text


def test_several_mistakes_on_one_line_and_order_of_columns():
    with pytest.raises(EquationError) as info:
        Neuron(name="Two", equations="r = tua : explict")
    found = [(d.line, d.col, d.message) for d in info.value.diagnostics]
    assert found == [(1, 5, "unknown name 'tua'"), (1, 11, "unknown flag 'explict'")]


@pytest.mark.parametrize("kind, kwargs, match", [
    (Neuron, dict(equations="r = 1", threshold="v > 1"), r"Neuron\(\) has no argument "
     r"'threshold': the spike condition is spike="),
    (Neuron, dict(equations="r = 1", method="euler"), "a flag of each equation"),
    (Neuron, dict(equatons="r = 1"), "did you mean 'equations'"),
    (Synapse, dict(on_pre="g_target += w"), r"pre_spike='...' \(Brian2's on_pre=\)"),
    (Synapse, dict(zzz=1), "its arguments are parameters, equations, psp"),
])
def test_arguments_of_other_tools_are_named_with_their_place_here(kind, kwargs, match):
    from engine.errors import ModelError

    with pytest.raises(ModelError, match=match):
        kind(**kwargs)

