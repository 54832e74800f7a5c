"""State of the Models tab: the library of models and the live model editor
(plain pytest, no browser)."""

from __future__ import annotations

import json

import pytest

from engine import EquationError, ModelError, Network
from workbench.ui import ModelEditor, ModelLibrary
from workbench.ui.model_editor import BLOCKS


def test_the_library_holds_every_builtin_model_as_a_spec():
    lib = ModelLibrary()
    neurons, synapses = lib.names("neuron"), lib.names("synapse")
    assert {"Izhikevich", "IF_curr_exp", "HH_cond_exp", "LeakyIntegrator"} <= set(neurons)
    assert {"STDP", "STP", "Hebb", "static_synapse"} <= set(synapses)
    assert not set(neurons) & set(synapses)
    spec = lib.spec("Izhikevich")
    json.dumps(spec)
    assert lib.model("Izhikevich").ir.name == "Izhikevich"
    spec["equations"] = "changed"               # a copy: the library is untouched
    assert lib.spec("Izhikevich")["equations"] != "changed"


def test_user_models_are_checked_named_and_removable():
    lib = ModelLibrary()
    spec = lib.spec("Izhikevich")
    with pytest.raises(ModelError, match="built-in model: give your model another name"):
        lib.add(spec)
    spec["name"] = lib.copy_name("Izhikevich")
    assert spec["name"] == "Izhikevich_copy"
    assert lib.add(spec) == "Izhikevich_copy"
    assert lib.copy_name("Izhikevich") == "Izhikevich_copy2"
    with pytest.raises(ModelError, match="exists already"):
        lib.add(spec)
    spec["parameters"] = spec["parameters"].replace("a = 0.02", "a = 0.1")
    lib.add(spec, replace=True)
    assert "a = 0.1" in lib.spec("Izhikevich_copy")["parameters"]
    broken = {**spec, "name": "Broken", "equations": "dv/dt = tua"}
    with pytest.raises(EquationError, match="unknown name 'tua'"):
        lib.add(broken)
    assert "Broken" not in lib.names()
    with pytest.raises(ModelError, match="cannot be removed"):
        lib.remove("STDP")
    lib.remove("Izhikevich_copy")
    assert "Izhikevich_copy" not in lib.names()
    with pytest.raises(ModelError, match="no model named 'Izhikevich_copy'"):
        lib.spec("Izhikevich_copy")


def test_the_editor_marks_each_error_at_its_line_and_column():
    ed = ModelEditor(model_name="LIF", parameters="tau = 10.0 : population",
                     equations="tau * dv/dt = -v + I\nr = v", spike="", reset="")
    assert ed.model is None and "unknown name 'I'" in ed.message
    (mark,) = ed.annotations["equations"]
    # 0-based, as code editors count: line 1, column 20 of the text
    assert (mark["row"], mark["column"], mark["type"]) == (0, 19, "error")
    assert mark["text"].startswith("unknown name 'I'")
    ed.parameters = "tau = 10.0 : population\nI = 1.5"
    assert ed.model is not None and ed.annotations == {} and ed.message == "neuron 'LIF': OK"
    ed.equations = "tau * dv/dt = -v + I\nr = v +"
    (mark,) = ed.annotations["equations"]
    assert mark["row"] == 1 and "invalid syntax" in mark["text"]
    assert ed.model is None


def test_the_editor_round_trips_specs_and_builds_a_usable_model():
    lib = ModelLibrary()
    ed = ModelEditor(lib.spec("IF_curr_exp"))
    assert ed.kind == "neuron" and ed.model_name == "IF_curr_exp"
    assert ed.model.ir == lib.model("IF_curr_exp").ir
    assert ed.to_spec()["equations"] == lib.spec("IF_curr_exp")["equations"]
    net = Network(dt=0.1)
    pop = net.create(2, ed.model)
    pop.i_offset = 1.0
    net.compile()
    net.simulate(50.0)
    assert pop.v[0] > pop.v_rest[0]


def test_the_editor_switches_to_a_synapse_and_shows_latex():
    ed = ModelEditor(ModelLibrary().spec("STDP"))
    assert ed.kind == "synapse" and ed.blocks == BLOCKS["synapse"]
    assert ed.spike == "" and ed.pre_spike.strip()
    latex = ed.latex()
    assert any(r"\frac{dx}{dt}" in line for line in latex["equations"])
    assert latex["pre_spike"] and latex["post_spike"]
    izh = ModelEditor(ModelLibrary().spec("Izhikevich")).latex()["equations"]
    assert any(r"\operatorname{Normal}" in line for line in izh)


def test_the_editor_refuses_what_is_not_a_spec():
    ed = ModelEditor()
    with pytest.raises(ModelError, match="give a model spec"):
        ed.load({"kind": "glia"})
    ed.model_name = ""
    assert ed.message == "give the model a name" and ed.model is None
