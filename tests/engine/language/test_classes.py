"""The class-based front end: ``with Equations(self) as n: n.dv_dt = ...``."""

from __future__ import annotations

import multiprocessing
import pickle

import pytest
import sympy as sp

from engine.errors import EquationError
from engine.integrators import discretize
from engine.language.classes import Equations, build_ir
from engine.language.functions import FUNCTIONS, ite
from engine.language.models import Neuron, Synapse
from engine.language.random_draws import Normal, Uniform, UniformDraw, is_draw
from engine.language.symbols import DT, T, post_symbol, pre_symbol, sum_symbol, symbol

v, r, tau, ge, w = (symbol(n) for n in ("v", "r", "tau", "ge", "w"))


# --- models used by several tests -----------------------------------------------------

class RateCoded(Neuron):
    """The prototype's rate-coded neuron."""

    def __init__(self, tau=20.0):
        self.tau = self.Value(tau)
        self.ge = self.Array(init=0.0)
        self.v = self.Array(init=0.0)
        self.r = self.Array(init=0.0)

    def update(self):
        with Equations(self) as n:
            shunting = n.ite(n.ge > 1, n.ge, 0)          # intermediate, not stored
            n.dv_dt = (n.ge + shunting + sp.exp(n.v ** 2) - n.v) / n.tau
            n.r = sp.tanh(n.v)
        return n


class LIF(Neuron):
    def __init__(self, tau=10.0, refractory=2.0):
        self.tau = self.Value(tau)
        self.V_th = self.Value(1.0)
        self.v = self.Array(init=0.0, min=-1.0)
        self.refractory = refractory

    def update(self):
        with Equations(self, method="exponential") as n:
            n.dv_dt = (n.g_exc - n.g_inh - n.v) / n.tau
        return n

    def spike(self):
        with Equations(self) as n:
            return n.v >= n.V_th

    def reset(self):
        with Equations(self) as n:
            n.v = 0.0
        return n


class STDP(Synapse):
    def __init__(self, tau=10.0):
        self.tau = self.Value(tau)
        self.w = self.Weight(0.5, max=1.0)
        self.x = self.Array(init=0.0)
        self.y = self.Array(init=0.0)

    def update(self):
        with Equations(self, method="event-driven") as s:
            s.dx_dt = -s.x / s.tau
            s.dy_dt = -s.y / s.tau
        return s

    def transmit(self):
        with Equations(self) as s:
            s.post.target += s.w
        return s

    def on_pre(self):
        with Equations(self) as s:
            s.x += 1.0
            s.w -= s.y
        return s

    def on_post(self):
        with Equations(self) as s:
            s.y += 1.0
            s.w += s.x
        return s


class RateSynapse(Synapse):
    def __init__(self):
        self.w = self.Weight()

    def transmit(self):
        with Equations(self) as s:
            s.post.target += s.w * s.pre.r
        return s


def _errors(model):
    with pytest.raises(EquationError) as info:
        build_ir(model)
    return info.value.diagnostics


# --- attributes ---------------------------------------------------------------------

def test_attributes_in_assignment_order_with_kind_and_locality():
    ir = RateCoded().ir
    assert ir.names == ("tau", "ge", "v", "r")
    assert [(s.kind, s.locality) for s in ir.variables] == [
        ("parameter", "global"), ("parameter", "local"), ("variable", "local"),
        ("variable", "local")]
    assert ir.variable("tau").init == sp.Float(20.0)


def test_declaration_options():
    class M(Neuron):
        def __init__(self):
            self.a = self.Value(3, dtype=int)
            self.b = self.Array(init=Uniform(0, 1), min=0.0, max=self.a)
            self.c = self.Array(1.0, kind="variable", flags=("postsynaptic",))
            self.r = self.Array(True, dtype=bool, kind="parameter")
            self.d = self.Array(init=self.a)

    ir = M().ir
    a, b, c = ir.variable("a"), ir.variable("b"), ir.variable("c")
    assert (a.dtype, a.init, a.kind) == ("int", sp.Integer(3), "parameter")
    assert isinstance(b.init, UniformDraw) and b.init.args[-1] == 0
    assert (b.min, b.max) == (sp.Float(0.0), symbol("a"))
    assert c.kind == "variable" and c.locality == "semiglobal"
    assert ir.variable("r").init == sp.true
    assert ir.variable("d").init == symbol("a")


def test_equations_recorded_in_order():
    ir = RateCoded().ir
    shunt = ite(ge > 1, ge, 0)
    assert [(e.target, e.kind) for e in ir.equations] == [("v", "ode"), ("r", "assign")]
    assert ir.equations[0].rhs == (ge + shunt + sp.exp(v ** 2) - v) / tau
    assert ir.equations[1].rhs == sp.tanh(v)
    assert not ir.spiking and ir.spike is None
    assert ir.description == "The prototype's rate-coded neuron."


def test_increment_and_method_sources():
    class M(Neuron):
        def __init__(self):
            self.d = self.Value(2.0)
            self.u = self.Array(0.0, method="midpoint")
            self.x = self.Array(0.0, method="midpoint")
            self.r = self.Array(0.0)

        def update(self):
            with Equations(self) as n:
                n.du_dt = -n.u
                n.r += n.d * n.t + n.dt
            with Equations(self, method="rk4") as n:
                n.dx_dt = -n.x

    ir = M().ir
    du, rr, dx = ir.equations
    assert du.method == "midpoint" and dx.method == "rk4"
    assert rr.rhs == r + symbol("d") * T + DT


def test_functions_match_text_table():
    class M(Neuron):
        def __init__(self):
            self.v = self.Array(0.0)
            self.r = self.Array(0.0)

        def update(self):
            with Equations(self) as n:
                n.r = n.pos(n.v) + n.clip(n.v, 0, 1) + n.heaviside(n.v) + n.exp(n.v)

    rhs = M().ir.equations[0].rhs
    F = {k: FUNCTIONS[k].build for k in FUNCTIONS}
    assert rhs == F["pos"](v) + F["clip"](v, 0, 1) + F["heaviside"](v) + F["exp"](v)


# --- spiking neurons ------------------------------------------------------------------

def test_lif_spike_reset_refractory_conductances():
    ir = LIF().ir
    assert ir.spiking
    assert ir.spike == sp.GreaterThan(v, symbol("V_th"))
    assert ir.reset[0].target == "v" and ir.reset[0].rhs == sp.Float(0.0)
    assert ir.refractory == sp.Float(2.0)
    assert ir.targets == ("exc", "inh")
    assert ir.conductances == ("g_exc", "g_inh")
    assert ir.names[-2:] == ("g_exc", "g_inh")
    assert ir.variable("g_exc").init == sp.Float(0.0)
    assert ir.equations[0].method == "exponential"
    discretize(ir)  # linear in v: accepted


def test_refractory_forms():
    class WithAttr(LIF):
        def __init__(self):
            super().__init__(refractory=None)
            self.t_ref = self.Value(5.0)
            self.refractory = self.t_ref

    class WithName(LIF):
        def __init__(self):
            super().__init__(refractory="tau")

    class WithMethod(LIF):
        def __init__(self):
            super().__init__(refractory=None)

        def refractory(self):
            with Equations(self) as n:
                return 2 * n.tau

    assert WithAttr().ir.refractory == symbol("t_ref")
    assert "refractory" not in WithAttr().ir.names
    assert WithName().ir.refractory == tau
    assert WithMethod().ir.refractory == 2 * tau
    assert LIF(refractory=None).ir.refractory is None


def test_declared_conductance_with_ode_is_a_variable_and_a_target():
    class M(LIF):
        def __init__(self):
            super().__init__()
            self.g_exc = self.Array(0.0)

        def update(self):
            with Equations(self) as n:
                n.dg_exc_dt = -n.g_exc / n.tau
                n.dv_dt = (n.g_exc + n.sum("ext") - n.v) / n.tau

    ir = M().ir
    assert ir.targets == ("exc", "ext")
    assert ir.conductances == ()
    assert ir.variable("g_exc").kind == "variable"
    assert sum_symbol("ext") in ir.equations[1].rhs.free_symbols


def test_unless_refractory_blocks():
    class M(LIF):
        def update(self):
            with Equations(self, unless_refractory=True) as n:
                n.dv_dt = -n.v / n.tau

        def reset(self):
            with Equations(self) as n:
                n.v = 0.0
            with Equations(self, unless_refractory=True) as n:
                n.tau += 1.0

    ir = M().ir
    assert ir.equations[0].flags == frozenset({"unless_refractory"})
    assert [e.flags for e in ir.reset] == [frozenset(), frozenset({"unless_refractory"})]
    assert ir.variable("tau").kind == "variable"  # targeted in reset
    assert any(s.frozen_when_refractory for s in discretize(ir))


def test_noise_draws_are_renumbered():
    class M(LIF):
        def __init__(self):
            super().__init__()
            self.v = self.Array(init=Uniform(-1, 0))

        def update(self):
            with Equations(self) as n:
                n.dv_dt = -n.v / n.tau + Normal(0, 1) + Normal(0, 1)

    ir = M().ir
    draws = [d for d in sp.preorder_traversal(ir.equations[0].rhs) if is_draw(d)]
    assert sorted(d.args[-1] for d in draws) == [1, 2]
    assert ir.variable("v").init.args[-1] == 0
    assert M().ir == ir and M().ir.digest() == ir.digest()


# --- synapses -----------------------------------------------------------------------

def test_spiking_synapse_blocks():
    ir = STDP().ir
    g = symbol("g_target")
    assert ir.kind == "synapse" and ir.spiking
    assert [(e.target, e.rhs) for e in ir.pre_spike] == [
        ("g_target", g + w), ("x", symbol("x") + sp.Float(1.0)), ("w", w - symbol("y"))]
    assert [e.target for e in ir.post_spike] == ["y", "w"]
    assert ir.variable("w").kind == "variable" and ir.variable("w").max == sp.Float(1.0)
    assert ir.variable("tau").kind == "parameter"
    assert ir.psp is None
    assert all(e.method == "event-driven" for e in ir.equations)


def test_rate_coded_synapse_psp():
    ir = RateSynapse().ir
    assert not ir.spiking
    assert ir.psp == w * pre_symbol("r")
    assert ir.pre_spike == ()
    assert ir.variable("w").kind == "variable"  # always, as in the text syntax


def test_transmit_on_spike_and_post_targets():
    class S(Synapse):
        def __init__(self):
            self.w = self.Weight(1.0)

        def transmit(self):
            self.transmit_on_spike = True
            with Equations(self) as s:
                s.post.target -= s.w
            return s

    ir = S().ir
    assert ir.spiking
    assert ir.pre_spike[0].rhs == symbol("g_target") - w

    class P(Synapse):
        def __init__(self):
            self.w = self.Weight(1.0)
            self.e = self.Array(0.0)

        def update(self):
            with Equations(self) as s:
                s.e = s.pre.r * s.post.r

        def on_post(self):
            with Equations(self) as s:
                s.post.x = s.post.x + s.w

    ir = P().ir
    assert ir.equations[0].rhs == pre_symbol("r") * post_symbol("r")
    assert ir.post_spike[0].target == "post.x"
    assert ir.post_spike[0].rhs == post_symbol("x") + w


# --- standalone mode --------------------------------------------------------------------

def _worker(val):
    with Equations(symbols=["v", "r", "tau"]) as n:
        n.dv_dt = (val - n.v) / n.tau
    return n


def test_standalone_str():
    with Equations(symbols=["v", "r", "tau"]) as n:
        n.dv_dt = (1 - n.v) / n.tau
        n.r = n.ite(n.v > 0, n.v, 0)
    assert str(n) == "dv/dt = (1 - v)/tau\nr = ite(v > 0, v, 0)"
    assert n.equations[0].kind == "ode"


def test_standalone_pickles_and_crosses_processes():
    n = _worker(0.5)
    back = pickle.loads(pickle.dumps(n))
    assert str(back) == str(n) == "dv/dt = (0.5 - v)/tau"
    with multiprocessing.Pool(2) as pool:
        results = pool.map(_worker, [0.0, 1.0])
    assert [str(x) for x in results] == ["dv/dt = -v/tau", "dv/dt = (1.0 - v)/tau"]


def test_standalone_unknown_name_raises_at_exit():
    with pytest.raises(EquationError, match="unknown name 'tua'"):
        with Equations(symbols=["v", "tau"]) as n:
            n.dv_dt = -n.v / n.tua


# --- errors ----------------------------------------------------------------------------

def test_unknown_name_with_hint_and_location():
    class M(RateCoded):
        def update(self):
            with Equations(self) as n:
                n.dv_dt = -n.v / n.tua
                n.r = n.v

    (d,) = _errors(M())
    assert d.message == "unknown name 'tua'"
    assert d.hint == "did you mean 'tau'?"
    assert d.model == "neuron 'M'" and d.block == "update"
    assert d.text == "n.dv_dt = -n.v / n.tua"
    assert d.text[d.col - 1:].startswith("tua")
    assert isinstance(d.line, int)


def test_assignment_errors_collected():
    class M(RateCoded):
        def __init__(self):
            super().__init__()
            self.k = self.Array(1.0, kind="parameter")

        def update(self):
            with Equations(self) as n:
                n.k = 2.0
                n.rr = n.v
                n.r = "tanh(v)"

    messages = [d.message for d in _errors(M())]
    assert len(messages) == 3
    assert "'k' is declared as a parameter" in messages[0]
    assert "unknown name 'rr'" in messages[1]
    assert "text is not accepted" in messages[2]


def test_spike_must_return_condition():
    class M(LIF):
        def spike(self):
            with Equations(self) as n:
                n.v  # noqa: B018 - forgot the return

    (d,) = _errors(M())
    assert "spike() must return a condition" in d.message and d.block == "spike"


def test_reset_without_spike_and_rate_without_r():
    class M(Neuron):
        def __init__(self):
            self.v = self.Array(0.0)

        def reset(self):
            with Equations(self) as n:
                n.v = 0.0

    messages = [d.message for d in _errors(M())]
    assert any("reset() needs a spike() condition" in m for m in messages)
    assert any("must define the firing rate r" in m for m in messages)


def test_python_if_on_symbols_is_explained():
    class M(RateCoded):
        def update(self):
            with Equations(self) as n:
                n.r = n.v if n.v > 0 else 0

    (d,) = _errors(M())
    assert "n.ite" in d.hint
    assert d.text == "n.r = n.v if n.v > 0 else 0"


def test_bad_names_and_weights():
    class M(Synapse):
        def __init__(self):
            self.weight = self.Weight()
            self.sum = self.Array(0.0)

    messages = [d.message for d in _errors(M())]
    assert any("'sum' is a reserved word" in m for m in messages)
    assert any("must be named 'w'" in m for m in messages)


def test_unknown_method():
    class M(RateCoded):
        def update(self):
            with Equations(self, method="rk5") as n:
                n.dv_dt = -n.v

    (d,) = _errors(M())
    assert "unknown integration method 'rk5'" in d.message and "rk4" in d.hint


def test_conductance_defined_in_update_is_a_plain_variable():
    class M(LIF):
        def update(self):
            with Equations(self) as n:
                n.dv_dt = (n.g_exc - n.v) / n.tau
                n.dg_exc_dt = -n.g_exc / n.tau

        def reset(self):
            with Equations(self) as n:
                n.v = 0.0
                n.g_inh = 0.0

    ir = M().ir
    assert ir.names[-2:] == ("g_exc", "g_inh")
    assert ir.conductances == ("g_inh",)
    assert ir.targets == ("exc", "inh")


def test_network_constants():
    from engine.language.constants import register_constant_name

    register_constant_name("nwb_classes_I0")

    class M(RateCoded):
        def update(self):
            with Equations(self) as n:
                n.r = n.nwb_classes_I0 * n.v

    assert M().ir.constants == ("nwb_classes_I0",)


def test_synapse_cannot_write_pre_and_flags_need_spiking():
    class S(Synapse):
        def __init__(self):
            self.w = self.Weight()

        def on_pre(self):
            with Equations(self) as s:
                s.pre.r = 0.0

    (d,) = _errors(S())
    assert "cannot change 'pre.r'" in d.message and d.block == "on_pre"

    class M(RateCoded):
        def update(self):
            with Equations(self, unless_refractory=True) as n:
                n.r = n.v

    (d,) = _errors(M())
    assert "only for spiking neurons" in d.message


def test_ode_and_assignment_of_one_variable():
    class M(RateCoded):
        def update(self):
            with Equations(self) as n:
                n.dv_dt = -n.v
                n.v = 0.0
                n.r = n.v

    (d,) = _errors(M())
    assert "integrated by an ODE" in d.message


def test_bad_values():
    class M(LIF):
        def __init__(self):
            super().__init__(refractory=-1.0)
            self.k = self.Array(init=symbol("tau") > 0)

    messages = [d.message for d in _errors(M())]
    assert any("must not be negative" in m for m in messages)
    assert any("must be a number, not a condition" in m for m in messages)


def test_crash_in_user_method_keeps_the_cause():
    class M(RateCoded):
        def update(self):
            with Equations(self) as n:
                n.r = 1 / 0 + n.v

    with pytest.raises(EquationError) as info:
        build_ir(M())
    (d,) = info.value.diagnostics
    assert "update() failed: ZeroDivisionError" in d.message
    assert d.text == "n.r = 1 / 0 + n.v"
    assert isinstance(info.value.__cause__, ZeroDivisionError)
