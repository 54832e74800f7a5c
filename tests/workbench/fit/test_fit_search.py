"""The search space and the search methods of workbench.fit, without models."""

import numpy as np
import pytest

from engine import Neuron, simulate
from workbench import CompNeuroExp, OptNeuron, rmse
from workbench.fit import FitError, SearchSpace
from workbench.fit.strategies import make_search


def test_the_space_maps_the_unit_cube_to_the_ranges_and_keeps_fixed_values():
    space = SearchSpace.parse({"a": [0, 10], "b": [-1, 1], "c": 5})
    assert space.names == ("a", "b") and space.fixed == {"c": 5.0}
    values = space.to_values(np.array([[0.0, 0.5], [1.0, 1.0]]))
    np.testing.assert_allclose(values["a"], [0.0, 10.0])
    np.testing.assert_allclose(values["b"], [0.0, 1.0])


def test_points_outside_the_cube_are_mirrored_back_in():
    got = SearchSpace.repair(np.array([[1.2, -0.1, 0.4, 2.3, -1.5]]))
    np.testing.assert_allclose(got, [[0.8, 0.1, 0.4, 0.3, 0.5]])


@pytest.mark.parametrize("method", ["cmaes", "ga", "de"])
def test_each_method_minimises_a_bowl_and_resumes_from_its_state(method):
    """A quadratic bowl centred at (0.3, 0.7): every method gets close, and
    a copy restored from a mid-run state asks the very same next points."""
    def run(search, generations):
        for _ in range(generations):
            points = SearchSpace.repair(search.ask())
            search.tell(points, np.sum((points - [0.3, 0.7]) ** 2, axis=1))
        return search

    search = run(make_search(method, 2, None, seed=5), 40)
    twin = make_search(method, 2, None, seed=99)
    twin.restore({k: np.array(v) for k, v in search.state().items()})
    np.testing.assert_array_equal(search.ask(), twin.ask())
    run(search, 60)
    best = search._pop[np.argmin(search._fit)] if method != "cmaes" else \
        search.strategy.centroid
    np.testing.assert_allclose(best, [0.3, 0.7], atol=0.05)


def test_cmaes_restarts_when_it_stalls():
    search = make_search("cmaes", 2, None, seed=1)
    for _ in range(search.STALL + 2):
        points = search.ask()
        search.tell(points, np.ones(len(points)))              # a flat loss: no progress
    search.ask()
    assert search.restarts == 1


class Growth(CompNeuroExp):
    def run(self, population_name):
        self.monitors.start()
        simulate(50.0)
        self.data["population_name"] = population_name
        return self.results()


def test_a_diverging_candidate_gets_an_infinite_loss_and_the_fit_goes_on(tmp_path):
    grow = Neuron(parameters="a = 0.0", equations="dr/dt = a * r : init = 1.0, exponential")
    target = np.exp(0.01 * np.arange(1, 51))           # r after each 1 ms step, a = 0.01

    def loss(results_ist, results_soll):
        return rmse(results_soll, results_ist.recordings[0]["model_neuron;r"][:, 0])

    opt = OptNeuron(experiment=Growth, get_loss_function=loss, variables_bounds={"a": [0, 40]},
                    neuron_model=grow, results_soll=target, time_step=1.0, record=["r"],
                    popsize=6)
    losses, raw, _ = opt.evaluate({"a": np.array([0.01, 30.0, 0.02, 40.0, 0.0, 0.01])})
    assert np.isinf(losses[[1, 3]]).all()                # e^(30*50) overflows: NaN/inf
    assert np.isfinite(losses[[0, 2, 4, 5]]).all() and losses[0] < 0.01
    fit = opt.run(max_evals=30, results_file_name=str(tmp_path / "g"), progress=False)
    assert fit["a"] == pytest.approx(0.01, abs=1e-3)


def test_a_checkpoint_of_another_method_is_refused(tmp_path):
    with pytest.raises(FitError, match="unknown method"):
        make_search("simplex", 2, None, seed=0)
