"""Models as data: immutable models, to_spec()/from_spec() round trips."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
import sympy as sp

import engine.models as builtin
from engine import ModelError, Network, Neuron, Synapse
from engine.language.classes import Equations
from engine.language.models import Parameter, Variable
from engine.language.models import model_from_spec
from engine.language.spec import SPEC_FORMAT, _behaviour, render_text


class ClassLIF(Neuron):
    def __init__(self):
        self.tau = self.Value(10.0)
        self.E_L = self.Array(-70.0)
        self.v_th = self.Value(-50.0)
        self.v_reset = self.Value(-65.0)
        self.t_ref = self.Value(2.0)
        self.v = self.Array(init=-70.0, method="exponential")
        self.count = self.Array(0.0)
        self.refractory = self.t_ref

    def update(self):
        with Equations(self) as n:
            n.dv_dt = (n.E_L - n.v + n.g_exc + n.ite(n.t > 5.0, 30.0, 0.0)) / n.tau
        return n

    def spike(self):
        with Equations(self) as n:
            return n.v >= n.v_th

    def reset(self):
        with Equations(self) as n:
            n.v = n.v_reset
            n.count += 1
        return n


class ClassSTDP(Synapse):
    def __init__(self):
        self.tau_plus = self.Value(20.0)
        self.tau_minus = self.Value(20.0)
        self.A_plus = self.Value(0.01)
        self.A_minus = self.Value(0.01)
        self.w_max = self.Value(1.0)
        self.w = self.Weight(0.0)
        self.x = self.Array(0.0)
        self.y = self.Array(0.0)

    def update(self):
        with Equations(self, method="event-driven") as s:
            s.dx_dt = -s.x / s.tau_plus
            s.dy_dt = -s.y / s.tau_minus
        return s

    def transmit(self):
        with Equations(self) as s:
            s.post.target += s.w
        return s

    def on_pre(self):
        with Equations(self) as s:
            s.x += s.A_plus * s.w_max
            s.w = s.clip(s.w + s.y, 0.0, s.w_max)
        return s

    def on_post(self):
        with Equations(self) as s:
            s.y -= s.A_minus * s.w_max
            s.w = s.clip(s.w + s.x, 0.0, s.w_max)
        return s


def _builtin_models():
    for name in sorted(dir(builtin)):
        cls = getattr(builtin, name)
        if inspect.isclass(cls) and issubclass(cls, (Neuron, Synapse)) and \
                not name.startswith(("Standard", "Bold")) and cls not in (Neuron, Synapse):
            yield name, cls


@pytest.mark.parametrize("name,cls", list(_builtin_models()))
def test_every_builtin_model_renders_as_text_that_builds_the_same_model(name, cls):
    model = cls()
    text = render_text(model.ir)
    kind = Neuron if model.ir.kind == "neuron" else Synapse
    again = kind(**{k: v for k, v in text.items() if v is not None}, name=name)
    assert _behaviour(again.ir) == _behaviour(model.ir)


@pytest.mark.parametrize("model", [ClassLIF(), ClassSTDP()], ids=["neuron", "synapse"])
def test_class_syntax_models_export_their_equivalent_text(model):
    spec = model.to_spec()
    assert spec["format"] == SPEC_FORMAT and spec["kind"] == model.ir.kind
    assert all(v is None or isinstance(v, str) for k, v in spec.items())
    restored = model_from_spec(json.loads(json.dumps(spec)))
    assert restored.is_text_model
    assert _behaviour(restored.ir) == _behaviour(model.ir)


def test_text_models_export_their_own_text_and_the_5x_form_is_rendered():
    lif = Neuron(parameters="tau = 10.0 : population\nI = 1.5",
                 equations="tau * dv/dt + v = I : init = -1.0",
                 spike="v > 1.0", reset="v = 0.0", refractory=2.0, name="LIF",
                 description="leaky")
    spec = lif.to_spec()
    assert spec["equations"] == "tau * dv/dt + v = I : init = -1.0"
    assert spec["refractory"] == 2.0 and spec["description"] == "leaky"
    five = Neuron(parameters={"tau": 10.0, "I": Parameter(1.5, locality="local")},
                  equations=[Variable("tau * dv/dt + v = I", init=-1.0)],
                  spike="v > 1.0", reset="v = 0.0", refractory=2.0, name="LIF")
    rendered = five.to_spec()
    assert isinstance(rendered["parameters"], str) and "population" in rendered["parameters"]
    assert _behaviour(Neuron.from_spec(rendered).ir) == _behaviour(lif.ir)


def test_a_restored_model_simulates_like_the_original():
    def run(model):
        net = Network(dt=0.1, seed=4)
        pop = net.create(3, model)
        pop.E_L = np.array([-70.0, -60.0, -55.0])
        m = net.monitor(pop, "v")
        net.compile()
        net.simulate(30.0)
        return m.get("v"), pop.count.copy()

    original, restored = run(ClassLIF()), run(Neuron.from_spec(ClassLIF().to_spec()))
    np.testing.assert_array_equal(original[0], restored[0])
    np.testing.assert_array_equal(original[1], restored[1])
    assert original[1].max() > 0  # the reset ran


def test_models_cannot_be_changed_after_they_are_created():
    lif = Neuron(equations="dv/dt = -v\nr = v", name="decay")
    with pytest.raises(ModelError, match="cannot be changed after it is created.*from_spec"):
        lif.equations = "dv/dt = -2 * v\nr = v"
    with pytest.raises(ModelError, match="'name'"):
        lif.name = "other"
    assert lif.ir.equations[0].rhs == -sp.Symbol("v", real=True)   # unchanged
    cls_model = ClassLIF()
    _ = cls_model.ir
    with pytest.raises(ModelError, match="'tau' was parsed already"):
        cls_model.tau = cls_model.Value(5.0)
    # the way to change it: a new model from the spec
    faster = Neuron.from_spec({**lif.to_spec(), "equations": "dv/dt = -2 * v\nr = v"})
    assert faster.ir.equations[0].rhs == -2 * sp.Symbol("v", real=True)


@pytest.mark.parametrize("spec,message", [
    ([], "a model spec is a dict"),
    ({"kind": "neuron"}, "unknown model spec format"),
    ({"format": SPEC_FORMAT, "kind": "glia"}, "kind is 'neuron' or 'synapse'"),
    ({"format": SPEC_FORMAT, "kind": "neuron", "equations": "dv/dt = -v", "psp": "w"},
     "unknown key\\(s\\) 'psp'"),
    ({"format": SPEC_FORMAT, "kind": "neuron", "equations": ["dv/dt = -v"]},
     "'equations' must be text, got list"),
    ({"format": SPEC_FORMAT, "kind": "neuron", "equations": "dv/dt = -v", "refractory": True},
     "'refractory' must be text"),
    ({"format": SPEC_FORMAT, "kind": "neuron", "equations": "__import__('os')"},
     "equations"),
])
def test_from_spec_trusts_nothing(spec, message):
    with pytest.raises(ModelError, match=message):
        model_from_spec(spec)


def test_from_spec_of_the_wrong_class():
    spec = ClassSTDP().to_spec()
    with pytest.raises(ModelError, match="the spec is a synapse"):
        Neuron.from_spec(spec)
