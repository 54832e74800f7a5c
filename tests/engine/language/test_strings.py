"""The text front end: whole models to the exact IR."""

from __future__ import annotations

import pytest
import sympy as sp

from engine.language.constants import register_constant_name
from engine.language.functions import FUNCTIONS, ite
from engine.language.ir import Equation, VariableSpec
from engine.language.models import Neuron, Parameter, Synapse, Variable
from engine.language.random_draws import NormalDraw, Uniform, UniformDraw
from engine.language.symbols import post_symbol, pre_symbol, sum_symbol, symbol

S = symbol
F = sp.Float
v, u, r, x, w, tau, I, g_exc, g_inh = (S(n) for n in ("v", "u", "r", "x", "w", "tau", "I",
                                                     "g_exc", "g_inh"))

LIF = dict(
    name="LIF",
    parameters="""
        tau = 10.0 : population   # membrane time constant
        E_L = -70.0
        v_th = -50.0 : population
        t_ref = 2.0 : population
    """,
    equations="""
        tau * dv/dt + v = E_L + g_exc - g_inh : init=-70.0, exponential
        tau_i * dg_inh/dt = -g_inh ; n_spikes += 0
    """,
    spike="v >= v_th",
    reset="v = E_L ; n_spikes += 1 : unless_refractory",
    refractory="t_ref",
)


def lif(**changes):
    kw = dict(LIF)
    kw["parameters"] = kw["parameters"] + "\n tau_i = 5.0 : population\n"
    kw.update(changes)
    return Neuron(**kw)


def test_lif_ir():
    ir = lif().ir
    assert ir.kind == "neuron" and ir.spiking
    assert ir.names == ("tau", "E_L", "v_th", "t_ref", "tau_i", "v", "g_inh", "n_spikes", "g_exc")
    assert ir.variable("tau") == VariableSpec("tau", "parameter", "global", init=F(10.0))
    assert ir.variable("E_L") == VariableSpec("E_L", "parameter", "local", init=F(-70.0))
    assert ir.variable("v") == VariableSpec("v", "variable", "local", init=F(-70.0))
    assert ir.variable("g_exc") == VariableSpec("g_exc", "variable", "local", init=F(0.0))
    dv, dg, inc = ir.equations
    assert dv == Equation("v", "ode", (S("E_L") + g_exc - g_inh - v) / tau, method="exponential")
    assert dg == Equation("g_inh", "ode", -g_inh / S("tau_i"))
    assert inc == Equation("n_spikes", "assign", S("n_spikes"))
    assert ir.spike == sp.Ge(v, S("v_th"))
    assert ir.reset == (
        Equation("v", "assign", S("E_L")),
        Equation("n_spikes", "assign", S("n_spikes") + 1,
                 flags=frozenset({"unless_refractory"})),
    )
    assert ir.refractory == S("t_ref")
    assert ir.targets == ("exc", "inh")
    assert ir.conductances == ("g_exc",)  # g_inh has an ODE: not reset to zero
    assert ir.psp is None and ir.pre_spike == ()


def test_source_refs_point_at_the_text():
    ir = lif().ir
    src = ir.equations[0].source
    assert (src.model, src.block, src.line, src.col) == ("neuron 'LIF'", "equations", 2, 9)
    assert src.text.strip().startswith("tau * dv/dt")
    assert ir.equations[2].source.line == 3  # after ';' on the same line
    assert ir.variable("E_L").source.line == 3


def test_same_model_same_digest_and_readable_str():
    a, b = lif(), lif()
    assert a.ir == b.ir and a.ir.digest() == b.ir.digest()
    text = str(a)
    assert "neuron 'LIF' (spiking)" in text
    assert "tau: init=10.0, global" in text
    assert "dv/dt = (E_L + g_exc - g_inh - v)/tau  : exponential" in text
    assert "spike: v >= v_th" in text


@pytest.mark.parametrize("equation, rhs", [
    ("dv/dt = (I - v)/tau", (I - v) / tau),
    ("tau*dv/dt + v = I", (I - v) / tau),
    ("tau*dv/dt = I - v", (I - v) / tau),
    ("dv/dt + v/tau = I/tau", I / tau - v / tau),
    ("tau * (dv/dt + v) = I", -(tau * v - I) / tau),
    ("v*dv/dt = I", I / v),
    ("-dv/dt = v", -v),
])
def test_implicit_odes_are_solved(equation, rhs):
    ir = Neuron(parameters="tau = 10.0\nI = 1.0", equations=f"{equation}\nr = v").ir
    assert ir.equations[0] == Equation("v", "ode", rhs)


def test_implicit_conductance_ode():
    ir = Neuron(parameters="tau = 5.0", equations="tau * dg_exc/dt = -g_exc\ndv/dt = g_exc",
                spike="v > 1").ir
    assert ir.equations[0] == Equation("g_exc", "ode", -g_exc / tau)
    assert ir.targets == ("exc",) and ir.conductances == ()


def test_increments():
    ir = Neuron(parameters="d = 2.0", equations="""
        x = 1
        x += d
        x -= 1
        x *= d
        x /= d
        r = x
    """).ir
    rhs = [e.rhs for e in ir.equations]
    assert rhs == [1, x + S("d"), x - 1, x * S("d"), x / S("d"), x]
    assert [e.target for e in ir.equations] == ["x"] * 5 + ["r"]


def test_flags():
    ir = Neuron(parameters="""
        tau = 10.0 : population
        v_max = 30.0 : population
        n = 3 : int, population
        on = True : bool
    """, equations="""
        dv/dt = -v/tau : init=-65 + 5, min=-90.0, max=v_max, method=rk4
        du/dt = -u : midpoint, init=Uniform(0, 1)
        k = k + 1 : int, population, init=n
        r = pos(v) : min=0.0, max=2*v_max
    """).ir
    vv = ir.variable("v")
    assert (vv.init, vv.min, vv.max) == (sp.Integer(-60), F(-90.0), S("v_max"))
    assert ir.equations[0].method == "rk4" and ir.equations[1].method == "midpoint"
    assert ir.variable("u").init == UniformDraw(0, 1, 0)
    k = ir.variable("k")
    assert (k.dtype, k.locality, k.init) == ("int", "global", S("n"))
    assert ir.variable("n").dtype == "int" and ir.variable("on").init == sp.true
    assert ir.variable("r").max == 2 * S("v_max")
    assert ir.equations[2].method is None


def test_event_driven_and_unless_refractory_flags():
    ir = Neuron(equations="dv/dt = -v : unless_refractory, explicit", spike="v > 1",
                reset="v = 0", refractory=2.0).ir
    e = ir.equations[0]
    assert e.method == "explicit" and e.flags == frozenset({"unless_refractory"})
    assert ir.refractory == F(2.0)


@pytest.mark.parametrize("refractory, expected", [
    (5, sp.Integer(5)),
    (2.5, F(2.5)),
    ("2.5", F(2.5)),
    ("t_ref", S("t_ref")),
    ("2 * t_ref + 1", 2 * S("t_ref") + 1),
    (0.0, F(0.0)),
])
def test_refractory_forms(refractory, expected):
    ir = Neuron(parameters="t_ref = 1.0", equations="dv/dt = -v", spike="v > 1",
                reset="v = 0", refractory=refractory).ir
    assert ir.refractory == expected


def test_annarchy4_and_annarchy5_forms_give_the_same_ir():
    text = Neuron(
        name="Izh",
        parameters="""
            a = 0.02 : population
            b = 0.2 : population
            c = -65.0 : population
            d = 8.0 : population
            I = 0.0
        """,
        equations="""
            dv/dt = 0.04*v^2 + 5*v + 140 - u + I + sum(exc) : init=-65.0, min=-90.0
            du/dt = a*(b*v - u) : init=-13.0, midpoint
        """,
        spike="v >= 30.0", reset="v = c\nu += d")
    five = Neuron(
        name="Izh",
        parameters=dict(a=0.02, b=0.2, c=-65.0, d=Parameter(8.0),
                        I=Parameter(0.0, locality="local")),
        equations=[
            Variable("dv/dt = 0.04*v^2 + 5*v + 140 - u + I + sum(exc)", init=-65.0, min=-90.0),
            Variable("du/dt = a*(b*v - u)", init=-13.0, method="midpoint"),
        ],
        spike="v >= 30.0", reset="v = c\nu += d")
    assert text.ir == five.ir and text.ir.digest() == five.ir.digest()
    assert text.ir.equations[0].rhs == (F(0.04) * v**2 + 5 * v + 140 - u + I
                                        + sum_symbol("exc"))
    assert text.ir.targets == ("exc",)


def test_annarchy5_flags_inside_strings_and_keyword_types():
    ir = Neuron(parameters=dict(n=Parameter(2, type=int), tau="2 * 5.0"),
                equations=["r = x : min=0", Variable("dx/dt = -x/tau", type=int,
                                                     locality="global", flags=("explicit",))]).ir
    assert ir.variable("n").dtype == "int" and ir.variable("n").init == 2
    assert ir.variable("tau").init == F(10.0)
    assert ir.variable("r").min == 0
    xs = ir.variable("x")
    assert (xs.dtype, xs.locality) == ("int", "global")
    assert ir.equations[1].method == "explicit"


def test_random_draws_are_distinct_and_canonically_numbered():
    ir = Neuron(parameters=dict(v0=Uniform(-65.0, -55.0)),
                equations="""
                    dv/dt = Normal(0, 1) + Normal(0, 1) - v : init=Uniform(0, 1)
                    r = v + Uniform(0, 1)
                """).ir
    assert ir.variable("v0").init == UniformDraw(F(-65.0), F(-55.0), 0)
    assert ir.variable("v").init == UniformDraw(0, 1, 1)
    assert ir.equations[0].rhs == NormalDraw(0, 1, 2) + NormalDraw(0, 1, 3) - v
    assert ir.equations[1].rhs == v + UniformDraw(0, 1, 4)
    again = Neuron(parameters=dict(v0=Uniform(-65.0, -55.0)), equations="""
                    dv/dt = Normal(0, 1) + Normal(0, 1) - v : init=Uniform(0, 1)
                    r = v + Uniform(0, 1)
                """).ir
    assert again == ir  # numbering does not depend on how many models were parsed before


def test_conductances_of_spiking_neurons():
    ir = Neuron(equations="dv/dt = g_exc - g_inh + g_ampa - v", spike="v > 1",
                reset="v = 0; g_inh = 0").ir
    assert ir.conductances == ("g_ampa", "g_exc", "g_inh")
    assert ir.names == ("v", "g_ampa", "g_exc", "g_inh")
    assert ir.targets == ("ampa", "exc", "inh")
    assert all(ir.variable(n).kind == "variable" and ir.variable(n).init == F(0.0)
               for n in ir.conductances)


def test_rate_coded_sum():
    ir = Neuron(parameters="tau = 10.0", equations="""
        tau * dv/dt + v = sum(exc) - sum(inh) + ite(v > 1, 1, 0)
        r = tanh(pos(v))
    """).ir
    assert not ir.spiking
    assert ir.targets == ("exc", "inh")
    assert ir.equations[0].rhs == (sum_symbol("exc") - sum_symbol("inh") + ite(v > 1, 1, 0)
                                   - v) / tau
    assert ir.equations[1].rhs == sp.tanh(sp.Max(v, 0))


def test_user_functions_are_inlined():
    ir = Neuron(functions="""
        sigmoid(x) = 1 / (1 + exp(-x))
        twice(x, y) = sigmoid(x) + sigmoid(y)   # uses a function defined above
        first(x) = later(x) * 2                 # ... or below
        later(z) = z^2
    """, parameters="g = 2.0", equations="""
        r = twice(v, g) + first(v)
        dv/dt = -v
    """).ir
    sig = lambda e: 1 / (1 + sp.exp(-e))  # noqa: E731
    assert ir.equations[0].rhs == sig(v) + sig(S("g")) + 2 * v**2
    names = [f[0] for f in ir.functions]
    assert names == ["sigmoid", "twice", "first", "later"]
    assert ir.functions[0] == ("sigmoid", ("x",), sig(S("x")))
    assert ir.functions[3] == ("later", ("z",), S("z")**2)


def test_network_constants():
    register_constant_name("c_strings_test")
    ir = Neuron(equations="r = c_strings_test * 2").ir
    assert ir.constants == ("c_strings_test",)
    assert ir.equations[0].rhs == 2 * S("c_strings_test")


def test_rate_coded_synapse():
    ir = Synapse(parameters="eta = 0.1 : projection\ntau = 10 : postsynaptic",
                 equations="dw/dt = eta * pre.r * post.r / tau : min=0.0",
                 psp="w * pre.r").ir
    assert ir.kind == "synapse" and not ir.spiking
    assert ir.names == ("eta", "tau", "w")
    assert [ir.variable(n).locality for n in ir.names] == ["global", "semiglobal", "local"]
    wv = ir.variable("w")
    assert wv.kind == "variable" and wv.min == F(0.0)
    assert ir.psp == w * pre_symbol("r")
    assert ir.equations[0].rhs == S("eta") * pre_symbol("r") * post_symbol("r") / S("tau")


def test_spiking_synapse():
    ir = Synapse(
        parameters="""
            tau_plus = 20.0 : projection
            A_plus = 0.01 : projection
            w_max = 1.0 : projection
            w = 0.5
        """,
        equations="tau_plus * dx/dt = -x : event-driven",
        pre_spike="""
            g_target += w
            x += A_plus
            w = clip(w - x, 0.0, w_max)
        """,
        post_spike="w += x : min=0.0, max=w_max ; post.n_post += 1",
    ).ir
    assert ir.spiking
    assert ir.names == ("tau_plus", "A_plus", "w_max", "w", "x")
    wv = ir.variable("w")
    assert (wv.kind, wv.locality, wv.init) == ("variable", "local", F(0.5))
    assert (wv.min, wv.max) == (F(0.0), S("w_max"))
    g = S("g_target")
    assert ir.pre_spike == (
        Equation("g_target", "assign", g + w),
        Equation("x", "assign", x + S("A_plus")),
        Equation("w", "assign", FUNCTIONS["clip"].build(w - x, F(0.0), S("w_max"))),
    )
    assert ir.post_spike == (
        Equation("w", "assign", w + x),
        Equation("post.n_post", "assign", post_symbol("n_post") + 1),
    )
    assert ir.equations[0] == Equation("x", "ode", -x / S("tau_plus"), method="event-driven")


def test_synapse_weight_is_declared_after_parameters():
    ir = Synapse(parameters="k = 2 : projection", equations="dy/dt = -y * k",
                 pre_spike="g_target += w * y").ir
    assert ir.names == ("k", "w", "y")
    assert ir.variable("w") == VariableSpec("w", "variable", "local", init=F(0.0))


def test_comments_blank_lines_and_semicolons():
    ir = Neuron(equations="""
        # a comment line

        x = 1 ; y = 2   # two statements
        r = x + y
    """).ir
    assert [e.target for e in ir.equations] == ["x", "y", "r"]


def test_description_is_kept_out_of_equality():
    a = Neuron(equations="r = 1", description="one")
    b = Neuron(equations="r = 1", description="two")
    assert a.ir.description == "one" and a.ir == b.ir
