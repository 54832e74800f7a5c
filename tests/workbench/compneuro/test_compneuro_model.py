"""CompNeuroModel: creation in the active network, what it records
(populations, projections, attribute_df), compile, set_param and names."""

import numpy as np
import pytest

import engine as ann
from workbench.compneuro import CompNeuroError, CompNeuroModel
from workbench.compneuro.model import _reset_models

#: a leaky rate neuron: tau is one value for the population, r starts random
LEAKY = ann.Neuron(
    parameters="""
    tau = 10.0 : population
    I = 0.0
    """,
    equations="tau*dr/dt + r = I + sum(exc) : init=Uniform(0.0, 1.0)",
)


def two_pops_and_a_projection(a, b):
    """The seed's shape of a creation function: global style, no return value."""
    pre = ann.Population(a, LEAKY, name="pre")
    post = ann.Population(b, LEAKY, name="post")
    ann.Projection(pre, post, "exc", name="pre_post").all_to_all(0.5)


def one_pop_on_net(net, n=3):
    """A creation function in the explicit-network style."""
    net.create(n, LEAKY, name="solo")


@pytest.fixture(autouse=True)
def _fresh():
    """A fresh default network (also done by the root conftest) and no models:
    automatic names must start at model0 in every test."""
    ann.clear()
    _reset_models()
    yield
    _reset_models()


def test_create_and_compile_records_populations_and_projections():
    model = CompNeuroModel(two_pops_and_a_projection, model_kwargs={"a": 3, "b": 2},
                           name="my_model", description="two pops")
    assert model.name == "my_model" and model.description == "two pops"
    assert model.populations == ["pre", "post"]
    assert model.projections == ["pre_post"]
    assert model.created and model.compiled
    assert model.network is ann.active_network()
    assert ann.active_network().compiled
    ann.get_population("pre").I = 2.0
    ann.simulate(20.0)
    assert ann.get_time() == 20.0
    r_pre = ann.get_population("pre").r
    assert r_pre.shape == (3,) and np.all(r_pre > 0.5)   # driven towards I = 2


def test_do_compile_false_then_compile():
    model = CompNeuroModel(two_pops_and_a_projection, {"a": 2, "b": 2}, do_compile=False)
    assert model.created and not model.compiled
    assert not ann.active_network().compiled
    model.compile()
    assert model.compiled
    model.compile()                                  # a no-op once compiled
    ann.simulate(2.0)
    assert ann.get_time() == 2.0


def test_do_create_false_then_create_and_errors_before():
    model = CompNeuroModel(two_pops_and_a_projection, {"a": 2, "b": 2}, do_create=False)
    assert not model.created and not model.compiled
    assert model.populations == [] and model.attribute_df is None
    assert ann.get_populations() == []
    with pytest.raises(CompNeuroError, match=r"compile: model 'model0' is not created yet"):
        model.compile()
    with pytest.raises(CompNeuroError, match=r"set_param: model 'model0' is not created yet"):
        model.set_param("pre", "I", 1.0)
    model.create(do_compile=False)
    assert model.populations == ["pre", "post"]
    with pytest.raises(CompNeuroError, match="already created"):
        model.create()


def test_creation_function_taking_net_gets_the_active_network():
    net = ann.Network(dt=0.5, seed=3)
    with net:
        model = CompNeuroModel(one_pop_on_net, {"n": 4}, do_compile=False)
    assert model.network is net
    assert model.populations == ["solo"] and model.projections == []
    assert [p.name for p in net.get_populations()] == ["solo"]
    assert ann.get_populations() == []               # the default network stays empty
    model.compile()                                  # its own network, though not active now
    assert net.compiled and model.compiled
    net.simulate(1.0)
    assert net.time == 1.0


def test_net_in_model_kwargs_must_be_the_active_network():
    other = ann.Network()
    with pytest.raises(CompNeuroError, match=r"model_kwargs gives 'net'.*with net: "):
        CompNeuroModel(one_pop_on_net, {"net": other})
    assert other.get_populations() == []


def test_model_kwargs_not_fitting_the_function():
    with pytest.raises(CompNeuroError, match=r"do not fit two_pops_and_a_projection\(a, b\): "
                                             r"missing a required argument: 'b'"):
        CompNeuroModel(two_pops_and_a_projection, {"a": 1})
    with pytest.raises(CompNeuroError, match="model_kwargs must be a dict"):
        CompNeuroModel(two_pops_and_a_projection, [1, 2])
    with pytest.raises(CompNeuroError, match="must be a function"):
        CompNeuroModel("two_pops_and_a_projection")


def test_automatic_names_count_models_in_creation_order():
    def pop_named(pop_name):
        ann.Population(1, LEAKY, name=pop_name)

    m0 = CompNeuroModel(pop_named, {"pop_name": "x"}, do_compile=False)
    m1 = CompNeuroModel(pop_named, {"pop_name": "y"}, name="model", do_compile=False)
    named = CompNeuroModel(pop_named, {"pop_name": "z"}, name="mine", do_compile=False)
    m3 = CompNeuroModel(pop_named, {"pop_name": "w"}, do_compile=False)
    assert [m0.name, m1.name, named.name, m3.name] == ["model0", "model1", "mine", "model3"]
    _reset_models()
    assert CompNeuroModel(pop_named, {"pop_name": "v"}, do_compile=False).name == "model0"


def test_attribute_df_uniform_non_uniform_and_modified():
    model = CompNeuroModel(two_pops_and_a_projection, {"a": 3, "b": 2}, do_compile=False)
    df = model.attribute_df
    assert list(df.columns) == ["compartment_type", "compartment_name", "attribute_name",
                                "value", "definition"]
    assert len(df) == 7                              # 3 + 3 attributes, and w
    rows = {(r.compartment_name, r.attribute_name): r for r in df.itertuples()}
    assert rows[("pre", "tau")].value == 10.0 and rows[("pre", "tau")].compartment_type == \
        "population"
    assert rows[("pre", "I")].value == 0.0
    lo, hi = rows[("pre", "r")].value                # Uniform(0, 1): [min, max]
    r = ann.get_population("pre").r
    assert (lo, hi) == (r.min(), r.max()) and 0.0 <= lo < hi <= 1.0
    assert rows[("pre_post", "w")].value == 0.5
    assert rows[("pre_post", "w")].compartment_type == "projection"
    assert set(df["definition"]) == {"init"}

    model.set_param("pre", "I", [1.0, 2.0, 3.0])
    model.set_param("post", "tau", 20.0)
    model.set_param("pre_post", "w", 0.25)
    df = model.attribute_df
    rows = {(r.compartment_name, r.attribute_name): r for r in df.itertuples()}
    assert rows[("pre", "I")].value == [1.0, 3.0] and rows[("pre", "I")].definition == "modified"
    assert rows[("post", "tau")].value == 20.0 and rows[("post", "tau")].definition == "modified"
    assert rows[("pre_post", "w")].value == 0.25
    assert rows[("post", "I")].definition == "init"
    np.testing.assert_array_equal(ann.get_population("pre").I, [1.0, 2.0, 3.0])
    assert ann.get_population("post").tau == 20.0
    np.testing.assert_array_equal(np.concatenate(ann.get_projection("pre_post").w), 0.25)

    model.set_param("post", "I", ann.Uniform(5.0, 6.0))   # a distribution: its actual range
    lo, hi = model.attribute_df.set_index(["compartment_name", "attribute_name"]).loc[
        ("post", "I"), "value"]
    assert 5.0 <= lo < hi <= 6.0

    # a snapshot, not live state, and a copy the caller may change freely
    ann.get_population("pre").I = 9.0
    df = model.attribute_df
    df.loc[0, "value"] = -1
    assert model.attribute_df.loc[0, "value"] == 10.0
    assert model.attribute_df.set_index(["compartment_name", "attribute_name"]).loc[
        ("pre", "I"), "value"] == [1.0, 3.0]


def test_set_param_errors():
    model = CompNeuroModel(two_pops_and_a_projection, {"a": 3, "b": 2}, do_compile=False)
    ann.Population(1, LEAKY, name="outsider")
    with pytest.raises(CompNeuroError, match=r"model 'model0' has no compartment 'pree' "
                                             r"\(did you mean 'pre'\?\); its populations: "
                                             r"pre, post; its projections: pre_post"):
        model.set_param("pree", "I", 1.0)
    with pytest.raises(CompNeuroError, match=r"no compartment 'outsider' \(it is in the "
                                             r"network, but another model"):
        model.set_param("outsider", "I", 1.0)
    with pytest.raises(CompNeuroError, match=r"population 'pre' of model 'model0' has no "
                                             r"attribute 'tua' \(did you mean 'tau'\?\); its "
                                             r"attributes: tau, I, r"):
        model.set_param("pre", "tua", 1.0)
    with pytest.raises(CompNeuroError, match=r"projection 'pre_post' .* no attribute 'weight'"):
        model.set_param("pre_post", "weight", 1.0)
    with pytest.raises(CompNeuroError, match=r"'I' of population 'pre' takes one number or 3 "
                                             r"values \(geometry \(3,\)\), got an array of "
                                             r"shape \(2,\)"):
        model.set_param("pre", "I", [1.0, 2.0])
    with pytest.raises(CompNeuroError, match=r"'tau' of population 'pre' is one value for the "
                                             r"whole population"):
        model.set_param("pre", "tau", [1.0, 2.0, 3.0])
    with pytest.raises(CompNeuroError, match=r"set_param: .*'w'"):     # engine's message
        model.set_param("pre_post", "w", [1.0, 2.0])
    with pytest.raises(CompNeuroError, match="compartment must be the name"):
        model.set_param(ann.get_population("pre"), "I", 1.0)
    # nothing was changed, nothing marked modified
    np.testing.assert_array_equal(ann.get_population("pre").I, 0.0)
    assert set(model.attribute_df["definition"]) == {"init"}


def test_duplicate_model_names_are_refused():
    CompNeuroModel(one_pop_on_net, name="twin", do_compile=False)
    with pytest.raises(CompNeuroError, match=r"a model named 'twin' already exists"):
        CompNeuroModel(two_pops_and_a_projection, {"a": 1, "b": 1}, name="twin")
    assert [p.name for p in ann.get_populations()] == ["solo"]   # refused before creating


def test_duplicate_population_name_is_refused_with_the_models_name():
    CompNeuroModel(one_pop_on_net, name="first", do_compile=False)
    with pytest.raises(CompNeuroError, match=r"create model 'second': a population named "
                                             r"'solo' already exists.*unique.*\['solo'\]"):
        CompNeuroModel(one_pop_on_net, name="second", do_compile=False)
    # the failed model does not keep its name
    CompNeuroModel(lambda: ann.Population(1, LEAKY, name="other"), name="second",
                   do_compile=False)


def test_population_and_projection_sharing_a_name_are_refused():
    def same_name():
        p = ann.Population(2, LEAKY, name="x")
        ann.Projection(p, p, "exc", name="x").all_to_all(1.0)

    with pytest.raises(CompNeuroError, match=r"\['x'\] name\(s\) both a population and a "
                                             r"projection"):
        CompNeuroModel(same_name, do_compile=False)


def test_create_after_compile_and_after_clear():
    model = CompNeuroModel(one_pop_on_net)
    with pytest.raises(CompNeuroError, match="the active network is already compiled"):
        CompNeuroModel(two_pops_and_a_projection, {"a": 1, "b": 1})
    ann.clear()
    assert not model.compiled
    with pytest.raises(CompNeuroError, match=r"network of model 'model0' was cleared"):
        model.set_param("solo", "I", 1.0)
    # its name is free again once its network is gone
    again = CompNeuroModel(one_pop_on_net, name="model0", do_compile=False)
    assert again.populations == ["solo"]


def test_creation_function_adding_nothing_warns():
    def builds_its_own_network():
        ann.Network().create(1, LEAKY, name="hidden")

    with pytest.warns(UserWarning, match="added no population or projection"):
        model = CompNeuroModel(builds_its_own_network, do_compile=False)
    assert model.populations == [] and model.created


def test_exported_from_workbench():
    import workbench

    assert workbench.CompNeuroModel is CompNeuroModel
    assert "CompNeuroModel" in workbench.__all__
    import workbench.compneuro as cnp

    assert "CompNeuroModel" in cnp.__all__
