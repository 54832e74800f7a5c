"""State of the Network tab: a network as data, checked on every edit,
built into the engine and exported as a script (plain pytest, no browser)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from engine import NetworkError, Normal, PoissonPopulation, Projection, SpikeSourceArray, Uniform
from workbench.errors import WorkspaceError
from workbench.ui.model_library import ModelLibrary
from workbench.ui.network_spec import NetworkSpec, parse_value

RATE = {"format": "neuroworkbench.model/1", "kind": "neuron", "name": "Rate", "description": "",
        "parameters": "tau = 10.0 : population\nI = 0.0",
        "equations": "tau * dv/dt = -v + I + sum(exc)\nr = pos(v)", "spike": None, "reset": None,
        "refractory": None, "functions": None}


@pytest.fixture
def lib():
    lib = ModelLibrary()
    lib.add(dict(RATE))
    return lib


def small(lib) -> NetworkSpec:
    """Every kind of item: model populations, the three inputs, projections."""
    s = NetworkSpec(lib, dt=0.1, seed=42)
    s.add_population("exc", "Izhikevich", 40, {"a": 0.02, "v": "Uniform(-70.0, -60.0)"})
    s.add_population("inh", "Izhikevich", 10, {"a": 0.1, "d": 2.0})
    s.add_population("rate", "Rate", 3, {"I": [0.5, 1.5, 3.0]})
    s.add_input("noise", "poisson", size=50, rates=40.0)
    s.add_input("stim", "spike_times", spike_times=[[5.0, 20.0], [15.0]])
    s.add_input("step", "current_step", population="exc", variable="i_offset", amplitude=4.0,
                start=20.0, stop=70.0)
    s.add_projection("ne", "noise", "exc", "exc", connector="fixed_probability",
                     params={"probability": 0.2}, weights="Uniform(0.0, 3.0)", delays=1.0)
    s.add_projection("ei", "exc", "inh", "exc", connector="fixed_number_pre",
                     params={"number": 5}, weights=30.0)
    s.add_projection("ie", "inh", "exc", "inh", synapse="STDP", connector="all_to_all",
                     weights=0.5, delays={"distribution": "Uniform", "args": [0.5, 2.0]})
    s.add_projection("se", "stim", "inh", "exc", connector="all_to_all", weights=300.0)
    return s


# -- edits ----------------------------------------------------------------------------

def test_edits_replace_the_lists_and_renames_follow_into_references(lib):
    s = small(lib)
    events = []
    s.param.watch(lambda *e: events.extend(x.name for x in e),
                  ["populations", "projections", "inputs", "renamed"])
    before = s.populations
    s.update_population("exc", name="E", size=50)
    assert s.populations is not before and before[0]["name"] == "exc"   # a new list
    assert {"populations", "projections", "inputs", "renamed"} <= set(events)
    assert s.renamed == ("population", "exc", "E")
    assert [(j["pre"], j["post"]) for j in s.projections] == [
        ("noise", "E"), ("E", "inh"), ("inh", "E"), ("stim", "inh")]
    assert next(x for x in s.inputs if x["name"] == "step")["population"] == "E"
    s.update_input("noise", name="drive")
    assert s.projections[0]["pre"] == "drive"
    s.update_projection("ne", name="de", weights=1.0)
    assert [j["name"] for j in s.projections][0] == "de" and s.problems() == {}
    s.set_value("inh", "b", 0.25)
    assert s.populations[1]["values"] == {"a": 0.1, "d": 2.0, "b": 0.25}
    s.unset_value("inh", "a")
    assert s.populations[1]["values"] == {"d": 2.0, "b": 0.25}
    assert s.free_name("inh") == "inh2" and s.free_name("de", "projection") == "de2"


def test_removal_is_refused_while_used_unless_cascading(lib):
    s = small(lib)
    with pytest.raises(WorkspaceError, match=r"population 'exc' is used by projection 'ne', "
                       r"projection 'ei', projection 'ie', input 'step': remove those first, "
                       r"or remove it with cascade=True"):
        s.remove_population("exc")
    assert len(s.populations) == 3 and len(s.projections) == 4       # unchanged
    s.remove_population("exc", cascade=True)
    assert [p["name"] for p in s.populations] == ["inh", "rate"]
    assert [j["name"] for j in s.projections] == ["se"]
    assert [x["name"] for x in s.inputs] == ["noise", "stim"]
    with pytest.raises(WorkspaceError, match="input 'stim' is used by projection 'se'"):
        s.remove_input("stim")
    s.remove_projection("se")
    s.remove_input("stim")
    with pytest.raises(WorkspaceError, match=r"no population named 'ihn' \(did you mean 'inh'\?\)"):
        s.remove_population("ihn")


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.add_population("exc", "Izhikevich"),
     r"a population or input named 'exc' exists already: choose another name \(e.g. 'exc2'\)"),
    (lambda s: s.add_input("exc", "poisson"), "named 'exc' exists already"),
    (lambda s: s.add_population("", "Izhikevich"), "use 1 to 200 printable characters"),
    (lambda s: s.add_population("a\nb", "Izhikevich"), "use 1 to 200 printable characters"),
    (lambda s: s.add_population("x" * 201, "Izhikevich"), "use 1 to 200 printable characters"),
    (lambda s: s.add_population(7, "Izhikevich"), "the name of a population is text, got int"),
    (lambda s: s.add_population("p", "Izhikevich", 2.5), "size must be a whole number of neurons"),
    (lambda s: s.add_population("p", "Izhikevich", True), "size must be a whole number"),
    (lambda s: s.add_population("p", "Izhikevich", 2**40), "beyond the engine's"),
    (lambda s: s.update_population("exc", sise=3),
     r"unknown key 'sise' \(did you mean 'size'\?\); the keys are name, model, size, values"),
    (lambda s: s.update_population("exc", name="inh"), "cannot rename population 'exc' to "
                                                       "'inh': that name is taken"),
    (lambda s: s.set_value("exc", "a", float("nan")), r"values\['a'\] must be a finite number"),
    (lambda s: s.set_value("exc", "a", {"dist": "Uniform"}), "a distribution is"),
    (lambda s: s.add_input("x", "poison"), r"kind must be one of .* \(did you mean 'poisson'\?\)"),
    (lambda s: s.add_input("x", "poisson", rates="Uniform(0, 1)"), "rates must be a number of Hz"),
    (lambda s: s.add_input("x", "spike_times", spike_times=[1.0, 2.0]),
     "one list of times"),
    (lambda s: s.add_input("x", "current_step", variable="i_offset"), "missing 'population'"),
    (lambda s: s.add_projection("ne", "exc", "exc"), "a projection named 'ne' exists already"),
    (lambda s: s.add_projection("p", "exc", "exc", params={"probability": "0.1"}),
     r"params\['probability'\] must be a number or true/false"),
    (lambda s: s.add_projection("p", "exc", "exc", weights=[1.0, 2.0]),
     "weights must be a number or a distribution"),
])
def test_edits_refuse_malformed_items_and_leave_the_spec_unchanged(lib, edit, message):
    s = small(lib)
    before = s.to_dict()
    with pytest.raises(WorkspaceError, match=message):
        edit(s)
    assert s.to_dict() == before


# -- problems() --------------------------------------------------------------------------

PROBLEMS = [
    # (edit, key, message)
    (lambda s: s.update_population("inh", size=0), "population:inh",
     "size: must be a whole number >= 1, got 0"),
    (lambda s: s.update_population("inh", model="Izhikevic"), "population:inh",
     r"model: no model named 'Izhikevic' \(did you mean 'Izhikevich'\?\)"),
    (lambda s: s.update_population("inh", model="STDP"), "population:inh",
     "model: 'STDP' is a synapse model, not a neuron"),
    (lambda s: s.set_value("inh", "tau_refrak", 1.0), "population:inh",
     r"values: 'Izhikevich' has no parameter or variable 'tau_refrak' "
     r"\(did you mean 'tau_refrac'\?\)"),
    (lambda s: s.set_value("inh", "tau_refrac", -1.0), "population:inh",
     r"values\['tau_refrac'\]: .*refractory periods are finite numbers of ms, >= 0"),
    (lambda s: s.set_value("inh", "v", "Uniform(-60, -70)"), "population:inh",
     r"values\['v'\]: Uniform\(-60.0, -70.0\): min is above max; swap them"),
    (lambda s: s.set_value("inh", "v", "Unifrom(0, 1)"), "population:inh",
     r"unknown distribution 'Unifrom' \(did you mean 'Uniform'\?\)"),
    (lambda s: s.set_value("inh", "v", [1.0, 2.0]), "population:inh",
     r"values\['v'\]: a list needs one number per neuron, 10, got 2"),
    (lambda s: s.set_value("rate", "tau", [1.0, 2.0, 3.0]), "population:rate",
     r"'tau' is one value for the whole population \(flag 'population'\): give a single number"),
    (lambda s: s.update_input("noise", rates=-5.0), "input:noise", "rates: must be >= 0 Hz"),
    (lambda s: s.update_input("noise", size=0), "input:noise", "size: must be a whole number >= 1"),
    (lambda s: s.update_input("stim", spike_times=[[20.0, 10.0]]), "input:stim",
     "the times of neuron 0 are not in increasing order"),
    (lambda s: s.update_input("step", variable="I"), "input:step",
     "variable: 'I' is a variable the model 'Izhikevich' computes each step, not a parameter; "
     "step a parameter it uses instead, e.g. 'i_offset'"),
    (lambda s: s.update_input("step", variable="i_ofset"), "input:step",
     r"variable: 'Izhikevich' has no parameter 'i_ofset' \(did you mean 'i_offset'\?\)"),
    (lambda s: s.update_input("step", population="noise"), "input:step",
     "population: 'noise' is an input; a current step goes to a model population"),
    (lambda s: s.update_input("step", stop=10.0), "input:step", "stop: must be after start"),
    (lambda s: s.update_projection("ei", target="ampa"), "projection:ei",
     r"target: 'ampa' is never read by model 'Izhikevich' of 'inh' \(no g_ampa\); "
     r"use one of 'exc', 'inh'"),
    (lambda s: s.update_projection("ei", pre="ecx"), "projection:ei",
     r"pre: no population named 'ecx' \(did you mean 'exc'\?\)"),
    (lambda s: s.update_projection("ei", post="noise"), "projection:ei",
     "post: 'noise' is an input; projections end on a model population"),
    (lambda s: s.update_projection("ei", pre="step"), "projection:ei",
     "pre: 'step' is a current step, not a population"),
    (lambda s: s.update_projection("ei", post="rate"), "projection:ei",
     "post: 'exc' is spiking but 'rate' is rate-coded; a projection joins two spiking or two "
     "rate-coded populations"),
    (lambda s: s.add_projection("rr", "rate", "rate", synapse="STDP"), "projection:rr",
     "synapse: .*the pre-synaptic population is rate-coded, but synapse 'STDP' is event-based"),
    (lambda s: s.update_projection("ei", synapse="Izhikevich"), "projection:ei",
     "synapse: 'Izhikevich' is a neuron model, not a synapse"),
    (lambda s: s.update_projection("ei", connector="fixed_prob"), "projection:ei",
     r"connector: unknown connector 'fixed_prob' \(did you mean 'fixed_probability'\?\)"),
    (lambda s: s.update_projection("ei", connector="from_function"), "projection:ei",
     "it takes Python objects"),
    (lambda s: s.update_projection("ne", params={"probabilty": 0.1}), "projection:ne",
     r"params: unknown argument 'probabilty' \(did you mean 'probability'\?\)"),
    (lambda s: s.update_projection("ne", params={}), "projection:ne",
     r"params: fixed_probability\(\) needs 'probability'"),
    (lambda s: s.update_projection("ne", params={"probability": 1.5}), "projection:ne",
     r"params\['probability'\]: must be between 0 and 1, got 1.5"),
    (lambda s: s.update_projection("ei", params={"number": 50}), "projection:ei",
     r"params\['number'\]: 50 is more than the 40 pre-synaptic neurons available"),
    (lambda s: s.update_projection("ne", weights="Uniform(0,"), "projection:ne",
     "weights: 'Uniform\\(0,' is not a number or a distribution"),
    (lambda s: s.update_projection("ne", delays=-1.0), "projection:ne",
     "delays: must be >= 0 ms, got -1.0"),
    (lambda s: s.update_projection("ne", connector="gaussian", params={"amp": 1.0, "sigma": 0.1}),
     "projection:ne", r"weights: gaussian\(\) computes the weights itself; leave weights empty"),
    (lambda s: setattr(s, "dt", 0.0), "network", "dt: must be a number of ms > 0"),
    (lambda s: setattr(s, "populations", s.populations + [dict(s.populations[0])]),
     "population:exc", "name: 'exc' is used twice; rename one of them"),
    (lambda s: setattr(s, "populations", s.populations + [{"name": "x", "model": "Rate",
                                                           "size": 2.5}]),
     "population:x", "size must be a whole number of neurons"),
    (lambda s: s.param.update(populations=[], inputs=[], projections=[]), "network",
     "the network is empty: add a population"),
]


@pytest.mark.parametrize("edit, key, message", PROBLEMS)
def test_problems_name_the_field_and_the_fix(lib, edit, key, message):
    s = small(lib)
    assert s.problems() == {}
    edit(s)
    problems = s.problems()
    assert key in problems, problems
    assert any(__import__("re").search(message, m) for m in problems[key]), problems[key]
    with pytest.raises(WorkspaceError, match="the network has problems; fix them first"):
        s.build()


def test_problems_take_milliseconds(lib):
    s = small(lib)
    s.problems()                                      # models parsed once, then cached
    t0 = time.perf_counter()
    for _ in range(5):
        s.problems()
    assert (time.perf_counter() - t0) / 5 < 0.1


# -- values ---------------------------------------------------------------------------------

def test_distribution_text_is_parsed_with_a_whitelist_never_evaluated():
    assert parse_value("Uniform(0, 1)") == Uniform(0.0, 1.0)
    assert parse_value(" Normal(-1.5, 2e-1) ") == Normal(-1.5, 0.2)
    assert parse_value({"distribution": "Normal", "args": [0, 1]}) == Normal(0.0, 1.0)
    assert parse_value("-3.5") == -3.5 and parse_value(2) == 2.0
    assert parse_value([1, 2.5]) == [1.0, 2.5]
    for text, message in [
        ("__import__('os').system('echo hacked')", "is not a number or a distribution"),
        ("__import__('os')", "unknown distribution '__import__'"),
        ("Uniform(0, 1) + 1", "not a number or a distribution"),
        ("Uniform(a, 1)", "the arguments of Uniform must be numbers"),
        ("Uniform(0, x=1)", "give the arguments by position"),
        ("Uniform(0)", r"Uniform\(min, max\) takes 2 number\(s\), got 1"),
        ("Normal(0, -1)", "sigma must be >= 0"),
        ("Exponential(0)", "lambda must be > 0"),
        ("uniform(0, 1)", r"did you mean 'Uniform'\?"),
        ("1e999", "not a number or a distribution"),
        ("[1, 2]", "not a number or a distribution"),
    ]:
        with pytest.raises(WorkspaceError, match=message):
            parse_value(text)
    with pytest.raises(WorkspaceError, match="expected a number or a distribution"):
        parse_value([1.0], lists=False)


# -- data in, data out -------------------------------------------------------------------

def test_to_dict_and_from_dict_round_trip_through_json(lib):
    s = small(lib)
    data = json.loads(json.dumps(s.to_dict()))
    assert data == s.to_dict()
    again = NetworkSpec.from_dict(lib, data)
    assert again.to_dict() == s.to_dict() and again.problems() == {}
    data["populations"][0]["values"]["a"] = 1.0                # copies, not views
    assert s.populations[0]["values"]["a"] == 0.02
    # defaults are filled in
    minimal = NetworkSpec.from_dict(lib, {"populations": [{"name": "p", "model": "Rate"}]})
    assert minimal.populations == [{"name": "p", "model": "Rate", "size": 1, "values": {}}]
    assert (minimal.dt, minimal.seed) == (0.1, None)


@pytest.mark.parametrize("data, message", [
    ([], "a network is a dict, got list"),
    ({"dt": "0.1"}, "network: dt must be a finite number"),
    ({"seed": -1}, "seed must be a whole number from 0 to 2"),
    ({"seed": 1.5}, "seed must be a whole number"),
    ({"populatons": []}, r"network: unknown key 'populatons' \(did you mean 'populations'\?\)"),
    ({"populations": {}}, "populations must be a list"),
    ({"populations": ["exc"]}, "a population is a dict, got str"),
    ({"populations": [{"name": "p"}]}, "population 'p': missing 'model'"),
    ({"populations": [{"name": "p", "model": "Rate", "size": "10"}]},
     "size must be a whole number of neurons"),
    ({"populations": [{"name": None, "model": "Rate"}]}, "the name of a population is text"),
    ({"populations": [{"name": "p", "model": "Rate", "values": {"v": [1, "2"]}}]},
     r"values\['v'\] must be a list of finite numbers"),
    ({"populations": [{"name": "p", "model": "Rate"}],
      "inputs": [{"name": "p", "kind": "poisson"}]}, "two populations or inputs are named 'p'"),
    ({"projections": [{"name": "j", "pre": "a", "post": "b"}] * 2},
     "two projections are named 'j'"),
    ({"projections": [{"name": "j", "pre": "a", "post": "b", "synapse": 3}]},
     "synapse must be a name"),
    ({"inputs": [{"name": "s", "kind": "spike_times", "spike_times": [[1.0, None]]}]},
     "spike_times must be a list of finite numbers"),
    ({"inputs": [{"name": "s", "kind": "current_step", "population": "p", "start": "10"}]},
     "start must be a finite number"),
])
def test_from_dict_trusts_nothing(lib, data, message):
    with pytest.raises(WorkspaceError, match=message):
        NetworkSpec.from_dict(lib, data)


# -- build -----------------------------------------------------------------------------

def test_build_makes_named_engine_objects_with_the_values(lib):
    s = small(lib)
    built = s.build()
    assert not built.net.compiled and (built.net.dt, built.net.seed) == (0.1, 42)
    assert list(built.populations) == ["exc", "inh", "rate", "noise", "stim"]
    assert isinstance(built.populations["noise"], PoissonPopulation)
    assert isinstance(built.populations["stim"], SpikeSourceArray)
    assert all(isinstance(j, Projection) for j in built.projections.values())
    exc = built.populations["exc"]
    assert exc.size == 40 and np.all(exc.a == 0.02)
    assert np.all((exc.v >= -70.0) & (exc.v < -60.0)) and np.ptp(exc.v) > 0
    assert list(built.populations["rate"].I) == [0.5, 1.5, 3.0]
    assert built.projections["ei"].nb_synapses == 5 * 10
    assert built.projections["ie"].synapse_type.ir.name == "STDP"
    assert [s.name for s in built.current_steps] == ["step"]
    # the same seed builds the same network
    assert np.array_equal(s.build().populations["exc"].v, exc.v)


def test_engine_errors_at_build_name_the_object(lib):
    s = small(lib)
    s.update_projection("ne", delays="Normal(0.1, 5.0)")     # draws negative delays
    assert s.problems() == {}
    with pytest.raises(NetworkError, match=r"^projection 'ne': .*delays.* negative"):
        s.build()


def test_a_current_step_is_exact_to_the_step_and_survives_chunked_runs(lib):
    s = NetworkSpec(lib, dt=0.1, seed=1)
    s.add_population("p", "IF_curr_exp", 2)
    s.add_input("s1", "current_step", population="p", variable="i_offset", amplitude=2.0,
                start=1.0, stop=2.5)
    s.add_input("s2", "current_step", population="p", variable="i_offset",
                amplitude=[1.0, 3.0], start=2.0)
    built = s.build()
    built.record({"p": ["i_offset"]})
    built.net.compile()
    for _ in range(7):                                 # chunks that cut across the steps
        built.simulate(0.5)
    rec = built.monitors["p"].get("i_offset")
    expected = np.zeros((35, 2))
    expected[10:25] += 2.0                             # steps round(1.0/dt) to round(2.5/dt)
    expected[20:] += [1.0, 3.0]
    assert np.array_equal(rec, expected)
    times = [(t, pop, var, list(v)) for t, pop, var, v in s.schedule(built)]
    assert times == [(1.0, "p", "i_offset", [2.0, 2.0]), (2.0, "p", "i_offset", [3.0, 5.0]),
                     (2.5, "p", "i_offset", [1.0, 3.0])]


# -- export ------------------------------------------------------------------------------

def test_the_exported_script_gives_exactly_the_same_spikes(lib):
    s = small(lib)
    record = {"exc": ["spike"], "inh": ["spike"], "rate": ["r"], "noise": ["spike"]}
    built = s.build()
    built.record(record)
    built.net.compile()
    built.simulate(100.0)
    ours = {k: m.get("spike") for k, m in built.monitors.items() if k != "rate"}
    rates = built.monitors["rate"].get("r")
    script = s.to_script(duration=100.0, record=record)
    assert "model_from_spec(" in script and "from engine.models import Izhikevich, STDP" in script
    assert "exc.i_offset = exc_i_offset + 4.0" in script
    namespace = {"__name__": "__exported__"}
    exec(compile(script, "<exported>", "exec"), namespace)   # our own generated code
    theirs = {k: m.get("spike") for k, m in namespace["monitors"].items() if k != "rate"}
    assert np.array_equal(rates, namespace["monitors"]["rate"].get("r"))
    assert sum(len(t) for t in ours["exc"].values()) > 20
    assert sum(len(t) for t in ours["inh"].values()) > 0
    assert ours.keys() == theirs.keys()
    for k in ours:
        assert ours[k].keys() == theirs[k].keys()
        for rank in ours[k]:
            assert np.array_equal(ours[k][rank], theirs[k][rank]), (k, rank)


def test_odd_names_become_python_identifiers_in_the_script(lib):
    s = NetworkSpec(lib, dt=0.1, seed=3)
    s.add_population("my pop", "Izhikevich", 2)
    s.add_population("class", "Izhikevich", 2)
    s.add_population("net", "Izhikevich", 2)
    s.add_projection("1st", "my pop", "class", "exc", weights=0.1)
    script = s.to_script(duration=10.0)
    assert "my_pop = net.create(2, neuron=Izhikevich(), name='my pop')" in script
    assert "class_ = net.create(" in script and "net_2 = net.create(" in script
    assert "_1st = net.connect(my_pop, class_, 'exc', name='1st')" in script
    compile(script, "<exported>", "exec")


# -- size --------------------------------------------------------------------------------

def test_memory_is_estimated_before_building_and_large_networks_are_refused(lib):
    s = NetworkSpec(lib, dt=0.1, seed=1)
    s.add_population("a", "Izhikevich", 1000)
    s.add_projection("aa", "a", "a", "exc", connector="fixed_probability",
                     params={"probability": 0.1}, weights=0.1)
    estimate = s.estimate_memory()
    built = s.build()
    pop, proj = built.populations["a"], built.projections["aa"]
    actual = sum(a.nbytes for a in pop._arrays.values()) + proj._col.nbytes \
        + proj._row_ptr.nbytes + sum(a.nbytes for a in proj._arrays.values())
    assert 0.5 * actual < estimate < 3 * actual
    s.check_size(10 * estimate)
    with pytest.raises(WorkspaceError, match=r"needs about .* MB \(1,000 neurons, about "
                       r"99,900 synapses\), above the limit of 1.0 MB"):
        s.check_size(1_000_000)
    s.update_projection("aa", delays=50_000.0)    # a delay of 500,000 steps: a large history
    assert s.estimate_memory() > 1e9
