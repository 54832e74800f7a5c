"""ANNarchy's spellings the tutorials use: ``if c: a else: b``, statements
over several lines, a target named like a Python keyword (``sum(in)``),
function arguments that shadow ``t``, method aliases (``euler``), a random
refractory period, and the messages for Brian2's spellings (units,
``(unless refractory)``).

Each behaviour is checked on the parsed expression and, where it changes
what a simulation does, on a simulation compared with an independent
computation (numpy or a closed form).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from engine import Network, Neuron, Synapse, Uniform, Variable
from engine.errors import EquationError
from engine.language.checks import RefractoryResetWarning
from engine.language.class_equations import Equations
from engine.language.expressions import parse_expression
from engine.language.functions import ite
from engine.language.lines import flag_colon, split_lines
from engine.language.symbols import symbol

a, b, c, v, u, x = (symbol(n) for n in "abcvux")


def one_error(**kw) -> object:
    with pytest.raises(EquationError) as info:
        Neuron(name="M", **kw)
    (d,) = info.value.diagnostics
    return d


# ---------------------------------------------------------------- if c: a else: b

@pytest.mark.parametrize("text, expected", [
    ("if v > 0: 1 else: 0", ite(v > 0, 1, 0)),
    ("if v > 0 : 1 else : 0", ite(v > 0, 1, 0)),
    ("if v > 0: 1 else: 0 + 5", ite(v > 0, 1, 5)),  # else runs to the end, as 'then'
    ("2 * (if v > 0: a else: b) + 1", 2 * ite(v > 0, a, b) + 1),
    ("if v > 0: 1 else: if v < -1: 2 else: 3", ite(v > 0, 1, ite(v < -1, 2, 3))),
    ("if v > 0: if u > 0: 1 else: 2 else: 3", ite(v > 0, ite(u > 0, 1, 2), 3)),
    ("if not(a): x**3 else: 0.0", ite(sp.Eq(a, 0), x**3, 0.0)),
    ("if v >= u: a else: - b", ite(v >= u, a, -b)),
    ("clip(x, 0, if a > 0: b else: c)", sp.Min(sp.Max(x, 0), ite(a > 0, b, c))),
    ("if a > 0 then 1 else: 2", ite(a > 0, 1, 2)),  # the two forms mix
])
def test_colon_conditional_is_the_then_form(text, expected):
    assert parse_expression(text) == expected


def test_colon_and_then_forms_give_the_same_expression():
    colon = "if v > 0: a else: if u < 0: b else: c"
    then = "if v > 0 then a else if u < 0 then b else c"
    assert parse_expression(colon) == parse_expression(then)


@pytest.mark.parametrize("text, message, col", [
    ("if v > 0: 1", "'if' without 'else'", 1),
    ("if v > 0 else: 1", "'if' without ':' (or 'then')", 1),
    ("if v > 0: else: 1", "nothing after ':'", 9),
    ("if v > 0: 1 else:", "nothing after ':'", 17),
    ("v : 1", "unexpected ':'", 3),
])
def test_colon_conditional_mistakes(text, message, col):
    with pytest.raises(EquationError) as info:
        parse_expression(text)
    (d,) = info.value.diagnostics
    assert message in d.message
    assert d.col == col
    assert "if condition: a else: b" in d.hint


def test_flag_colon_skips_the_colons_of_conditionals():
    assert flag_colon("r = if v > 0: v else: 0") is None
    for text in ("r = if v > 0: v else: 0 : min=0", "r = if a: if b: 1 else: 2 else: 3 : init=1",
                 "r = if a then 1 else 2 : min=0", "dv/dt = -v : init=0",
                 "r = if a: (if b: 1 else: 2) else: 3 : init=1"):
        assert flag_colon(text) == text.rindex(" : ") + 1
    assert flag_colon("x := 1") is None


def test_statements_over_several_lines():
    text = """
        trace += if learning:
                    pre.r * (post.r
                             - 1)
                 else:
                    0.0    # comment
        dv/dt = a
                + b : init = 1
        w = 1
    """
    lines = split_lines(text)
    assert [ln.line for ln in lines] == [2, 7, 9]
    first = lines[0]
    assert first.flags is None
    assert " ".join(first.body.text.split()) == \
        "trace += if learning: pre.r * (post.r - 1) else: 0.0"
    assert lines[1].flags.text == "init = 1"
    # a column of the joined statement maps back to its physical line
    col = first.body.col + first.body.text.index("0.0")
    line, source, c0 = first.locate(col)
    assert line == 6 and source[c0:c0 + 3] == "0.0"


def test_a_line_without_assignment_that_does_not_continue_stays_an_error():
    d = one_error(equations="r = 1\nv + 1")
    assert (d.line, d.col) == (2, 1) and "missing '='" in d.message


def test_error_in_a_continued_statement_points_at_its_physical_line():
    d = one_error(equations="r = if v > 0:\n        v +\n    else: 0\nv = 1")
    assert (d.line, d.col) == (3, 5)
    assert d.text == "    else: 0"


MICONI_LIKE = Synapse(
    parameters=dict(eta=0.5, learning=0.0),
    equations=[
        """
        trace += if not(learning):
                    power(pre.r * (post.r), 3)
                 else:
                    0.0
        """,
        Variable("""
            delta_w = if learning:
                    eta * trace
                else:
                    0.0
        """, min="-eta", max="eta"),
        "w += delta_w",
    ],
    psp="""if w > 0:
               w * pre.r
           else: 0""",
)


def test_every_block_accepts_colon_conditionals():
    ir = MICONI_LIKE.ir
    pr, po = symbol("pre.r"), symbol("post.r")
    lr, eta, tr = symbol("learning"), symbol("eta"), symbol("trace")
    eqs = {e.target: e.rhs for e in ir.equations}
    assert eqs["trace"] == tr + ite(sp.Eq(lr, 0), (pr * po) ** 3, 0.0)
    assert eqs["delta_w"] == ite(sp.Ne(lr, 0), eta * tr, 0.0)
    assert ir.variable("delta_w").min == -eta
    assert ir.psp == ite(symbol("w") > 0, symbol("w") * pr, 0)
    n = Neuron(parameters="th = 1.0", equations="dv/dt = if v < 0: 2 else: 1",
               spike="v > (if th > 0: th else: 1)",
               reset="v = if th > 1: 0 else: -1", functions="f(y) = if y > 0: y else: 0")
    assert n.ir.equations[0].rhs == ite(v < 0, 2, 1)
    assert n.ir.reset[0].rhs == ite(symbol("th") > 1, 0, -1)
    assert n.ir.functions[0][2] == ite(symbol("y") > 0, symbol("y"), 0)


def test_colon_conditional_simulation_matches_numpy():
    """A rate neuron switching on time and a spiking one resetting by a conditional."""
    rate = Neuron(parameters="T0 = 3.0", equations="""
        r = if t < T0: 1.0 else: if t < 2*T0:
                2.0
            else: 0.5
    """)
    spk = Neuron(parameters="th = 2.5",
                 equations="dv/dt = if v < 0: 2.0 else: 1.0 : init = 0.0",
                 spike="v >= th", reset="v = if t < 5: -1.0 else: -3.0")
    net = Network(dt=1.0)
    p1, p2 = net.create(1, rate), net.create(1, spk)
    m1, m2 = net.monitor(p1, ["r"]), net.monitor(p2, ["v"])
    net.compile()
    net.simulate(12)
    t = np.arange(12.0)
    np.testing.assert_array_equal(m1.get("r")[:, 0], np.where(t < 3, 1.0, np.where(t < 6, 2.0, 0.5)))
    ref, vv = [], 0.0
    for k in range(12):  # explicit Euler, then the spike test and the reset
        vv += 2.0 if vv < 0 else 1.0
        if vv >= 2.5:
            vv = -1.0 if k < 5 else -3.0
        ref.append(vv)
    np.testing.assert_array_equal(m2.get("v")[:, 0], ref)


def test_colon_conditional_in_poisson_rates():
    """PyNN tutorial: ``rates="if t < 200.0 : 2000.0 else : 0.0"``; at 1000 Hz and
    dt = 1 ms the spike probability is 1, so the spikes are certain."""
    from engine import PoissonPopulation

    net = Network(dt=1.0)
    pop = net.create(PoissonPopulation(3, rates="if t < 5.0 : 1000.0 else : 0.0"))
    m = net.monitor(pop, ["spike"])
    net.compile()
    net.simulate(10)
    spikes = m.get("spike")
    assert all(list(spikes[i]) == [0, 1, 2, 3, 4] for i in range(3))


# ---------------------------------------------------------------- sum(in)

def test_target_named_like_a_python_keyword():
    n = Neuron(equations="r = sum(in) + 2*sum(exc) + sum(lambda)")
    ins, exc, lam = (symbol(f"sum({k})") for k in ("in", "exc", "lambda"))
    assert n.ir.equations[0].rhs == ins + 2 * exc + lam
    assert set(n.ir.targets) == {"in", "exc", "lambda"}
    with pytest.raises(EquationError, match="names starting with '_'"):
        Neuron(equations="r = sum(__target_0)")
    with pytest.raises(EquationError, match="invalid syntax"):
        Neuron(equations="r = in + 1")  # only a target may be a keyword


def test_keyword_target_simulation():
    src = Neuron(parameters="r0 = 0.0", equations="r = r0")
    dst = Neuron(equations="r = sum(in) - sum(exc)")
    net = Network(dt=1.0)
    pre, post = net.create(3, src), net.create(2, dst)
    pre.r0 = np.array([1.0, 2.0, 4.0])
    net.connect(pre, post, "in").all_to_all(weights=0.5)
    net.connect(pre, post, "exc").all_to_all(weights=0.25)
    m = net.monitor(post, ["r"])
    net.compile()
    net.simulate(3)
    r = m.get("r")
    # step 0 sees the pre rates of before the first update (0); then 7*(0.5-0.25)
    np.testing.assert_allclose(r[-1], [7 * 0.25, 7 * 0.25])


# ---------------------------------------------------------------- t_pre, t_post

def test_t_pre_and_t_post_match_annarchy():
    """Last spike times in a synapse, against ANNarchy 5.0.4.1's output for the
    same network and synapse (run with ``import ANNarchy as ann``); before the
    first spike ANNarchy gives -10000*dt, the engine -1e12*dt (``N`` below)."""
    from engine import SpikeSourceArray

    syn = Synapse(equations="""
                      tp = t_pre
                      tq = t_post
                      d = if t_post >= t_pre: 1.0 else: -1.0
                      xp = xp
                      xq = xq
                  """,
                  pre_spike="g_target += 0.0\nxp = t_pre - t_post",
                  post_spike="xq = t_post - t_pre")
    assert {s.name for s in syn.ir.equations[0].rhs.free_symbols} == {"pre._t_spike"}
    net = Network(dt=1.0)
    pre = net.create(SpikeSourceArray([[2.0, 7.0], [4.0]]))
    post = net.create(SpikeSourceArray([[5.0], [1.0, 6.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sources do not read g_exc
        proj = net.connect(pre, post, "exc", synapse=syn)
    proj.one_to_one(weights=1.0)
    m = net.monitor(proj, ["tp", "tq", "d", "xp", "xq"])
    net.compile()
    net.simulate(10)
    got = {k: np.asarray(v).reshape(10, -1).T for k, v in m.get().items()}
    N = -1e12
    annarchy = {  # ANNarchy's rows, its -10000 written N (so its 10002 is 2 - N)
        "tp": [[N, N, 2, 2, 2, 2, 2, 7, 7, 7], [N, N, N, N, 4, 4, 4, 4, 4, 4]],
        "tq": [[N, N, N, N, N, 5, 5, 5, 5, 5], [N, 1, 1, 1, 1, 1, 6, 6, 6, 6]],
        "d": [[1, 1, -1, -1, -1, 1, 1, -1, -1, -1], [1, 1, 1, 1, -1, -1, 1, 1, 1, 1]],
        "xp": [[0, 0, 0, 2 - N, 2 - N, 2 - N, 2 - N, 2 - N, 2, 2], [0, 0, 0, 0, 0, 3, 3, 3, 3, 3]],
        "xq": [[0, 0, 0, 0, 0, 3, 3, 3, 3, 3], [0, 1 - N, 1 - N, 1 - N, 1 - N, 1 - N, 2, 2, 2, 2]],
    }
    for k, rows in annarchy.items():
        np.testing.assert_array_equal(got[k], rows, err_msg=k)


def test_t_pre_needs_a_spiking_population_and_a_synapse():
    d = one_error(equations="r = t_pre")
    assert "unknown name 't_pre'" in d.message and "synapse" in d.hint
    net = Network(dt=1.0)
    a = net.create(2, Neuron(equations="r = 1.0"))
    b = net.create(2, Neuron(equations="r = sum(exc)"))
    from engine.errors import NetworkError

    with pytest.raises(NetworkError, match="reads t_pre.*does not spike"):
        net.connect(a, b, "exc", synapse=Synapse(equations="x = t_pre", psp="w * pre.r"))


# ---------------------------------------------------------------- function arguments

def test_function_arguments_may_shadow_t_and_dt():
    n = Neuron(functions="nmda(v, t, s) = ((v-t)/(s))^2 / (1.0 + ((v-t)/(s))^2)\n"
                         "g(dt) = 2*dt",
               equations="r = nmda(-65.0, -80.0, 60.0) + g(3) + t")
    q = (15.0 / 60.0) ** 2
    rhs = n.ir.equations[0].rhs
    assert rhs.free_symbols == {symbol("t")}  # the time, outside the function only
    assert float(rhs.subs(symbol("t"), 0)) == pytest.approx(q / (1 + q) + 6)
    assert n.ir.functions[0][1] == ("v", "t", "s")


@pytest.mark.parametrize("header, word", [("f(if)", "if"), ("f(exp)", "exp"), ("f(pre)", "pre"),
                                          ("f(_x)", "_x")])
def test_function_arguments_still_refused(header, word):
    d = one_error(functions=f"{header} = 1", equations="r = 1")
    assert word in d.message


def test_shadowing_argument_in_a_simulation():
    n = Neuron(functions="f(v, t, s) = (v - t)/s", equations="r = f(3.0, 1.0, t + 1.0)")
    net = Network(dt=0.5)
    p = net.create(1, n)
    m = net.monitor(p, ["r"])
    net.compile()
    net.simulate(5.0)
    t = np.arange(10) * 0.5
    np.testing.assert_allclose(m.get("r")[:, 0], 2.0 / (t + 1.0))


# ---------------------------------------------------------------- methods: euler

@pytest.mark.parametrize("equation", [
    "dv/dt = -v : euler", "dv/dt = -v : method=euler", "dv/dt = -v : explicit",
    Variable("dv/dt = -v", method="euler"),
])
def test_euler_is_explicit_in_text(equation):
    n = Neuron(equations=[equation, "r = v"])
    assert n.ir.equations[0].method == "explicit"


def test_euler_is_explicit_in_classes_and_old_names_are_kept():
    class Leak(Neuron):
        def __init__(self):
            self.v = self.Array(1.0)
            self.r = self.Array(0.0)

        def update(self):
            with Equations(self, method="euler") as n:
                n.dv_dt = -n.v
                n.r = n.v

    assert Leak().ir.equations[0].method == "explicit"
    assert Neuron(equations="dv/dt = -v : runge-kutta4\nr = v").ir.equations[0].method == "rk4"
    assert Neuron(equations="dv/dt = -v : exact\nr = v").ir.equations[0].method == "event-driven"
    d = one_error(equations="dv/dt = -v : method=eulr\nr = v")
    assert "unknown integration method 'eulr'" in d.message and "euler" in d.hint
    d = one_error(equations="r = 1 : euler")
    assert "on an assignment" in d.message


def test_euler_flag_simulates_as_explicit():
    n = Neuron(equations="dv/dt = -v : init = 1.0, euler\nr = v")
    net = Network(dt=0.1)
    p = net.create(1, n)
    m = net.monitor(p, ["v"])
    net.compile()
    net.simulate(1.0)
    np.testing.assert_allclose(m.get("v")[:, 0], 0.9 ** np.arange(1, 11))


# ---------------------------------------------------------------- reset increments

# a model that flags a statement 'unless_refractory' follows the 'flagged' rule
# (unflagged resets re-applied at every refractory step): the warning is for it
ADAPT = dict(parameters="b = 1.0", equations="dv/dt = 1.0 : init = 0.0, unless_refractory\nw = w",
             spike="v >= 3")
# no flag anywhere: ANNarchy 5's rule (resets once, neuron frozen), no warning
ADAPT5 = dict(ADAPT, equations="dv/dt = 1.0 : init = 0.0\nw = w")


@pytest.mark.parametrize("reset, statement", [("v = 0\nw += b", "w += b"),
                                              ("v = 0 ; w = w + b", "w = w + b"),
                                              ("v = 0\n  w *= 2   # halve", "w *= 2")])
def test_warning_for_a_reset_increment_with_a_refractory_period(reset, statement):
    with pytest.warns(RefractoryResetWarning) as record:
        Neuron(**ADAPT, reset=reset, refractory=2.0)
    (w,) = record
    message = str(w.message)
    assert f"'{statement}' runs again at every refractory step (refractory = 2 ms)" in message
    assert f"flag it: '{statement} : unless_refractory'" in message
    assert w.filename == __file__  # points at the user's line


def test_warning_with_a_random_or_parameter_refractory_period():
    with pytest.warns(RefractoryResetWarning, match=r"refractory = 'Uniform\(1.0, 5.0\)'"):
        Neuron(**ADAPT, reset="v = 0\nw += b", refractory=Uniform(1.0, 5.0))
    with pytest.warns(RefractoryResetWarning, match="refractory = 'b'"):
        Neuron(**ADAPT, reset="v = 0\nw += b", refractory="b")


@pytest.mark.parametrize("reset, refractory", [
    ("v = 0\nw += b : unless_refractory", 2.0),   # the fix
    ("v = 0\nw += b", None),                       # no refractory period
    ("v = 0\nw += b", 0.0),
    ("v = 0\nv = max(v, b)", 2.0),                 # reads itself but idempotent
])
def test_no_warning_when_the_increment_is_safe(reset, refractory):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Neuron(**ADAPT, reset=reset, refractory=refractory)


def test_no_warning_for_a_model_without_flags():
    # ANNarchy 5's rule: the reset statements run once, at the spike
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = Neuron(**ADAPT5, reset="v = 0\nw += b", refractory=2.0)
    assert model.ir.refractory_rule == "annarchy5"
    assert Neuron(**ADAPT, reset="v = 0", refractory=2.0).ir.refractory_rule == "flagged"


def _class_adex(flagged: bool):
    """A class-syntax neuron of the 'flagged' rule (``v`` frozen while
    refractory) whose reset increment is flagged or not."""
    class AdEx(Neuron):
        def __init__(self):
            self.b = self.Value(1.0)
            self.v = self.Array(0.0)
            self.w = self.Array(0.0)
            self.refractory = 2.0

        def update(self):
            with Equations(self, unless_refractory=True) as n:
                n.dv_dt = 1.0

        def spike(self):
            with Equations(self) as n:
                return n.v > 1

        def reset(self):
            with Equations(self) as n:
                n.v = 0.0
            with Equations(self, unless_refractory=flagged) as n:
                n.w += n.b

    return AdEx()


def test_warning_in_the_class_syntax_names_its_fix():
    with pytest.warns(RefractoryResetWarning, match=r"Equations\(self, unless_refractory=True\)"):
        _ = _class_adex(flagged=False).ir
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _ = _class_adex(flagged=True).ir


def test_the_warned_increment_repeats_once_per_refractory_step():
    """The semantics the warning describes (docs/model_language.md,
    Refractoriness): with dt = 1 and 2 refractory steps, in a model of the
    'flagged' rule ``w += b`` adds b three times per spike, ``: unless_refractory``
    once; in a model without flags (ANNarchy 5's rule) once."""
    with pytest.warns(RefractoryResetWarning):
        every = Neuron(**ADAPT, reset="v = 0\nw += b", refractory=2.0)
    once = Neuron(**ADAPT, reset="v = 0\nw += b : unless_refractory", refractory=2.0)
    annarchy5 = Neuron(**ADAPT5, reset="v = 0\nw += b", refractory=2.0)
    net = Network(dt=1.0)
    p1, p2, p3 = net.create(1, every), net.create(1, once), net.create(1, annarchy5)
    m1, m2, m3 = (net.monitor(p, ["w"]) for p in (p1, p2, p3))
    net.compile()
    net.simulate(12)
    # spikes at steps 2 and 7 (3 steps to threshold, 2 refractory steps)
    np.testing.assert_array_equal(m1.get("w")[:, 0], [0, 0, 1, 2, 3, 3, 3, 4, 5, 6, 6, 6])
    np.testing.assert_array_equal(m2.get("w")[:, 0], [0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    np.testing.assert_array_equal(m3.get("w")[:, 0], [0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2])


# ---------------------------------------------------------------- random refractory period

def test_random_refractory_period_parses_in_both_forms():
    for ref in (Uniform(1.0, 5.0), "Uniform(1.0, 5.0)"):
        n = Neuron(equations="dv/dt = 1", spike="v > 1", reset="v = 0", refractory=ref)
        assert type(n.ir.refractory).__name__ == "UniformDraw"
    d = one_error(parameters="t_ref = 2.0", equations="dv/dt = 1", spike="v > 1",
                  reset="v = 0", refractory="Uniform(1.0, t_ref)")
    assert "parameters must be numbers" in d.message and "pop.refractory" in d.hint


def test_random_refractory_period_is_drawn_per_neuron():
    n = Neuron(equations="dv/dt = 1.0 : init = 0.0", spike="v >= 3", reset="v = 0",
               refractory=Uniform(1.0, 5.0))
    net = Network(dt=1.0, seed=3)
    p = net.create(40, n)
    ref = np.array(p.refractory, dtype=float)
    assert ref.min() >= 1.0 and ref.max() <= 5.0 and np.unique(ref).size == 40
    m = net.monitor(p, ["spike"])
    net.compile()
    net.simulate(20)
    spikes = m.get("spike")
    for i in range(40):
        n_ref = math.floor(ref[i] + 1e-3)  # whole steps of R/dt (ANNarchy, Brian2)
        expected, vv, left = [], 0.0, 0
        for k in range(20):
            vv += 1.0
            if left > 0:
                vv, left = 0.0, left - 1
            elif vv >= 3:
                expected.append(k)
                vv, left = 0.0, n_ref
        assert list(spikes[i]) == expected, i


# ---------------------------------------------------------------- Brian2's spellings

SPIKING = dict(spike="v > 1", reset="v = 0", refractory=2.0)


@pytest.mark.parametrize("equations, col, fix", [
    ("dv/dt = 1 (unless refractory)", 11, "'dv/dt = 1 : unless_refractory'"),
    ("dv/dt = 1 : init=0 (unless refractory)", 20, "'dv/dt = 1 : init=0, unless_refractory'"),
])
def test_brian2_unless_refractory_points_to_the_flag(equations, col, fix):
    d = one_error(equations=equations, **SPIKING)
    assert "Brian2's flag" in d.message and d.col == col and fix in d.hint


def test_unless_refractory_with_a_space():
    d = one_error(equations="dv/dt = 1 : unless refractory", **SPIKING)
    assert d.hint == "write 'unless_refractory'"


@pytest.mark.parametrize("kw, message, col", [
    (dict(equations="dv/dt = 1", refractory="10*ms", spike="v > 1"), "unknown name 'ms'", 4),
    (dict(equations="dv/dt = 1", refractory="10 ms", spike="v > 1"), "unknown name 'ms'", 4),
    (dict(parameters="tau = 10.0 : ms", equations="r = tau"), "'ms' is a unit", 14),
    (dict(equations="dv/dt = -v : volt\nr = v"), "'volt' is a unit", 14),
    (dict(equations="dv/dt = -v : 1\nr = v"), "'1' is not a flag", 14),
])
def test_units_say_the_engine_has_none(kw, message, col):
    d = one_error(**kw)
    assert message in d.message and d.col == col
    assert "no units" in d.hint
    if "'1'" not in message:
        assert "ms" in d.hint and "mV" in d.hint


@pytest.mark.parametrize("dt, period, steps", [(1.0, 2.5, 2), (0.1, 0.3, 3), (0.1, 0.25, 2),
                                               (0.5, 1.0, 2)])
def test_the_refractory_period_counts_whole_steps(dt, period, steps):
    """floor(R/dt) as ANNarchy's int(R/dt) and Brian2's timestep(), with Brian2's
    tolerance: 0.3/0.1 = 2.9999999999999996 is 3 steps (ANNarchy's float gives 2)."""
    tick = Neuron(equations=f"dv/dt = {1.0 / dt!r} : init = 0.0", spike="v >= 0.999",
                  reset="v = 0.0", refractory=period)
    net = Network(dt=dt)
    m = net.monitor(net.create(1, tick), "spike")
    net.compile()
    net.simulate(30 * dt)
    # a spike at every step but the refractory ones
    assert m.get("spike")[0] == list(range(0, 30, steps + 1))


@pytest.mark.parametrize("text, locality, dtype", [
    ("r = 0 : locality=local", "local", "float"),
    ("r = 0 : locality='global'", "global", "float"),
    ("r = 0 : type=int", "local", "int"),
    ("r = 0 : type = bool", "local", "bool"),
])
def test_annarchy5_keywords_written_as_text_flags(text, locality, dtype):
    # ANNarchy 5's Parameter(locality=..., type=...) written in a text block:
    # was a raw TypeError
    spec = Neuron(parameters=text, equations="x = r").ir.variables[0]
    assert (spec.locality, spec.dtype) == (locality, dtype)


@pytest.mark.parametrize("text, message", [
    ("r = 0 : locality=population", "unknown locality 'population'"),
    ("r = 0 : type=str", "unsupported dtype 'str'"),
])
def test_annarchy5_keywords_written_as_text_flags_errors(text, message):
    with pytest.raises(EquationError, match=message):
        Neuron(parameters=text, equations="x = r")


def test_extra_values_fill_quoted_parameter_values():
    # ANNarchy's (obsolete) extra_values, used by Maith et al.'s BOLD models
    from engine import ModelError, Network, Neuron, Synapse

    n = Neuron(parameters="tau = 'tau_val' : population\nI = 2",
               equations="dv/dt = -v/tau : init = 1.0\nr = v", extra_values={"tau_val": 10.0})
    assert n.parameters == "tau = 10.0 : population\nI = 2"
    net = Network(dt=1.0)
    pop = net.create(1, n)
    net.compile()
    assert pop.tau == 10.0
    s = Synapse(parameters="eta = 'rate'", equations="dw/dt = eta", extra_values={"rate": 3})
    assert s.parameters == "eta = 3"
    with pytest.raises(ModelError, match=r"takes extra_values\['tau_val'\], which is not given"):
        Neuron(parameters="tau = 'tau_val'", equations="r = tau", extra_values={"tau": 1.0})
    with pytest.raises(ModelError, match=r"extra_values\['tau_val'\] must be a finite number"):
        Neuron(parameters="tau = 'tau_val'", equations="r = tau", extra_values={"tau_val": "x"})
