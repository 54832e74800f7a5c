"""CompNeuroSim's requirements (CompNeuroPy's ReqPopHasAttr and the
'simulation_kwargs.<name>' references), checked before anything runs."""

import types

import pytest

import engine as ann
from workbench import CompNeuroSim, ReqPopHasAttr
from workbench.compneuro import CompNeuroError, current_step


def test_requirements_are_checked_at_construction_and_before_each_run(capsys):
    ann.clear()
    ann.setup(dt=1.0)
    ann.Population(3, ann.Neuron(parameters="I_app = 0", equations="r = I_app"), name="pop")
    ann.Population(2, ann.Neuron(equations="r = 1.0"), name="no_input")
    ann.compile()
    req = [{"req": ReqPopHasAttr, "pop": "simulation_kwargs.pop", "attr": "I_app"}]
    sim = CompNeuroSim(current_step, {"pop": "pop", "t1": 2, "t2": 2, "a1": 0, "a2": 1},
                       requirements=req, kwargs_warning=True)
    sim.run()
    assert sim.end == [4.0]
    # a run on a population without I_app fails before it simulates anything
    with pytest.raises(CompNeuroError, match=r"ReqPopHasAttr: population 'no_input' has no "
                                             r"attribute 'I_app'"):
        sim.run({"pop": "no_input"})
    assert ann.get_time() == 4.0 and sim.end == [4.0]
    assert "changed simulation kwargs, initial requirements may no longer be fulfilled" \
        in capsys.readouterr().out
    with pytest.raises(CompNeuroError, match=r"population 'no_input' has no attribute 'I_app'"):
        CompNeuroSim(current_step, {"pop": "no_input"}, requirements=req)


def test_requirement_arguments_read_the_runs_kwargs(rate_pop):
    model = types.SimpleNamespace(populations=["pop"])
    seen = []

    class Record:
        def __init__(self, **kwargs):
            seen.append(kwargs)

        def run(self):
            pass

    CompNeuroSim(lambda model, t: None, {"model": model, "t": 1},
                 requirements=[{"req": Record, "pops": "simulation_kwargs.model.populations",
                                "fixed": 3},
                               {"req": Record, "all": "simulation_kwargs"}])
    assert seen == [{"pops": ["pop"], "fixed": 3}, {"model": model, "t": 1}]
    with pytest.raises(CompNeuroError, match=r"reads 'simulation_kwargs.model.__class__': "
                                             r"SimpleNamespace has no attribute '__class__'"):
        CompNeuroSim(lambda model: None, {"model": model},
                     requirements=[{"req": Record, "x": "simulation_kwargs.model.__class__"}])
    with pytest.raises(CompNeuroError, match=r"no keyword argument 'pop' \(it has: model\)"):
        CompNeuroSim(lambda model: None, {"model": model},
                     requirements=[{"req": Record, "x": "simulation_kwargs.pop"}])
    with pytest.raises(CompNeuroError, match="requirements is a list of dicts"):
        CompNeuroSim(lambda: None, requirements=[ReqPopHasAttr])
