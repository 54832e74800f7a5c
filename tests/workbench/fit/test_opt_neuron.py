"""OptNeuron: CompNeuroPy's two examples with their imports changed, and what
batching must not change (each candidate's loss is that of its own run)."""

import random

import numpy as np
import pytest

from workbench import CompNeuroExp, CompNeuroSim, OptNeuron, current_step, rmse
from engine import Neuron, dt
from workbench.fit import FitError

# -- the seed's first example (compneuropy-opt-neuron.txt), imports changed -------------
my_neuron = Neuron(
    parameters="""
I_app = 0
a = 0
b = 0
""",
    equations="""
r = a*I_app + b
""",
)


def get_experimental_data():
    r_arr = np.empty((2, 1000))
    r_arr[0, :500] = 2
    r_arr[0, 500:] = 6
    r_arr[1, :500] = 2
    r_arr[1, 500:] = 10
    return {"results_soll": r_arr, "time_step": 1}


class my_exp(CompNeuroExp):  # noqa: N801 - the seed's name
    def run(self, population_name):
        self.monitors.start()
        sim_step = CompNeuroSim(
            simulation_function=current_step,
            simulation_kwargs={"pop": population_name, "t1": 500, "t2": 500, "a1": 0, "a2": 5},
            kwargs_warning=False,
            name="test",
            monitor_object=self.monitors,
        )
        sim_step.run()
        self.reset()
        sim_step.run({"a2": 10})
        self.data["sim"] = sim_step.simulation_info()
        self.data["population_name"] = population_name
        self.data["time_step"] = dt()
        return self.results()


def get_loss(results_ist, results_soll):
    rec_ist = results_ist.recordings
    pop_ist = results_ist.data["population_name"]
    neuron = 0
    r_target_0 = results_soll[0]
    r_target_1 = results_soll[1]
    r_ist_0 = rec_ist[0][f"{pop_ist};r"][:, neuron]
    r_ist_1 = rec_ist[1][f"{pop_ist};r"][:, neuron]
    rmse1 = rmse(r_target_0, r_ist_0)
    rmse2 = rmse(r_target_1, r_ist_1)
    return [rmse1, rmse2]


variables_bounds = {"a": [-10, 10], "b": [-10, 10]}

# -- the seed's second example ---------------------------------------------------------
complex_neuron = Neuron(
    parameters="""
I_app = 0
m0 = 1
m1 = 2
m2 = 3
n0 = 1
n1 = 0
n2 = -1
""",
    equations="""
r = m0*I_app + n0 + m1*I_app + n1 + m2*I_app + n2
""",
)


def get_loss_from_neuron(results_ist, results_soll):
    rec_ist, pop_ist = results_ist.recordings, results_ist.data["population_name"]
    rec_soll, pop_soll = results_soll.recordings, results_soll.data["population_name"]
    neuron = 0
    v_soll_0 = rec_soll[0][pop_soll + ";r"][:, neuron]
    v_soll_1 = rec_soll[1][pop_soll + ";r"][:, neuron]
    v_ist_0 = rec_ist[0][pop_ist + ";r"][:, neuron]
    v_ist_1 = rec_ist[1][pop_ist + ";r"][:, neuron]
    return [rmse(v_soll_0, v_ist_0), rmse(v_soll_1, v_ist_1)]


def _opt(**kw):
    data = get_experimental_data()
    args = dict(experiment=my_exp, get_loss_function=get_loss, variables_bounds=variables_bounds,
                neuron_model=my_neuron, results_soll=data["results_soll"],
                time_step=data["time_step"], compile_folder_name="annarchy_opt_neuron_example",
                method="deap", record=["r"])
    return OptNeuron(**(args | kw))


def test_the_first_seed_example_fits_a_and_b(tmp_path, capsys):
    opt = _opt()
    fit = opt.run(max_evals=100, results_file_name=str(tmp_path / "best_from_data"),
                  progress=False)
    assert fit["a"] == pytest.approx(0.8, abs=1e-3) and fit["b"] == pytest.approx(2.0, abs=1e-3)
    assert list(fit) == ["a", "b", "logbook", "deap_pop", "loss", "all_loss", "std", "results",
                         "results_soll", "parameters"]
    assert fit["parameters"] == {"a": fit["a"], "b": fit["b"]}
    assert fit["loss"] < 1e-3 and fit["std"] == 0.0 and len(fit["all_loss"]) == 2
    assert "attributes ['I_app', 'r'] are not used/initialized" in capsys.readouterr().out
    # the results are the best candidate's, as the loss function saw them
    r = fit["results"].recordings[1][f"{fit['results'].data['population_name']};r"]
    assert r.shape == (1000, 1)
    np.testing.assert_allclose(r[500:, 0], 10 * fit["a"] + fit["b"])
    saved = (tmp_path / "best_from_data.json").read_text()
    assert '"a": 0.8' in saved and '"loss"' in saved


def test_the_second_seed_example_fits_a_model_to_another_model(tmp_path):
    opt = OptNeuron(experiment=my_exp, get_loss_function=get_loss_from_neuron,
                    variables_bounds=variables_bounds, neuron_model=my_neuron,
                    target_neuron_model=complex_neuron, time_step=1,
                    compile_folder_name="annarchy_opt_neuron_example_from_neuron",
                    method="deap", record=["r"])
    fit = opt.run(max_evals=100, results_file_name=str(tmp_path / "best_from_neuron"),
                  progress=False)
    assert fit["a"] == pytest.approx(6.0, abs=1e-3) and fit["b"] == pytest.approx(0.0, abs=1e-3)


def test_a_batch_gives_each_candidate_the_loss_of_its_own_run():
    """r = a*I + b under steps 0 -> 5 and 0 -> 10: the rmse is known in
    closed form for every (a, b); candidates must not see each other."""
    opt = _opt()
    rng = np.random.default_rng(4)
    a, b = rng.uniform(-10, 10, opt.popsize), rng.uniform(-10, 10, opt.popsize)
    losses, raw, _ = opt.evaluate({"a": a, "b": b})
    for k in range(opt.popsize):
        first = np.sqrt(((b[k] - 2) ** 2 + (5 * a[k] + b[k] - 6) ** 2) / 2)
        second = np.sqrt(((b[k] - 2) ** 2 + (10 * a[k] + b[k] - 10) ** 2) / 2)
        np.testing.assert_allclose(raw[k], [first, second], rtol=1e-12)
        assert losses[k] == pytest.approx(first + second, rel=1e-12)


def test_a_population_wide_parameter_is_fitted_per_neuron(tmp_path):
    shared = Neuron(parameters="I_app = 0\na = 0 : population\nb = 0 : population",
                    equations="r = a*I_app + b")
    fit = _opt(neuron_model=shared).run(max_evals=60, results_file_name=str(tmp_path / "f"),
                                        progress=False)
    assert fit["a"] == pytest.approx(0.8, abs=1e-2) and fit["b"] == pytest.approx(2.0, abs=1e-2)


@pytest.mark.parametrize("method", ["ga", "de"])
def test_the_other_methods_find_the_same_answer(method, tmp_path):
    fit = _opt(method=method, seed=3).run(max_evals=60, results_file_name=str(tmp_path / "f"),
                                         progress=False)
    assert fit["a"] == pytest.approx(0.8, abs=0.05) and fit["b"] == pytest.approx(2.0, abs=0.3)


def test_a_fit_leaves_the_global_random_streams_alone(tmp_path):
    random.seed(1)
    np.random.seed(1)
    before = random.getstate(), np.random.get_state()[1].copy()
    _opt(method="ga").run(max_evals=3, results_file_name=str(tmp_path / "f"), progress=False)
    assert random.getstate() == before[0]
    np.testing.assert_array_equal(np.random.get_state()[1], before[1])


def test_resume_continues_a_stopped_fit_exactly(tmp_path):
    whole = _opt().run(max_evals=20, results_file_name=str(tmp_path / "whole"), progress=False)
    _opt().run(max_evals=8, results_file_name=str(tmp_path / "part"), progress=False)
    resumed = _opt().run(max_evals=20, results_file_name=str(tmp_path / "part"), resume=True,
                         progress=False)
    assert (resumed["a"], resumed["b"], resumed["loss"]) == (whole["a"], whole["b"], whole["loss"])
    assert [r["min"] for r in resumed["logbook"]] == [r["min"] for r in whole["logbook"]]
    # a checkpoint of another fit is refused, not silently continued
    with pytest.raises(FitError, match="belongs to another fit"):
        _opt(seed=9).run(max_evals=20, results_file_name=str(tmp_path / "part"), resume=True,
                         progress=False)
    (tmp_path / "bad.checkpoint.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(FitError, match="not a readable fit checkpoint"):
        _opt().run(max_evals=2, results_file_name=str(tmp_path / "bad"), resume=True,
                   progress=False)


class NoResults(CompNeuroExp):
    def run(self, population_name):
        return None


@pytest.mark.parametrize("change, match", [
    ({"variables_bounds": {"a": [1, 1]}}, "low must be below high"),
    ({"variables_bounds": {"a": [0, float("nan")]}}, "finite"),
    ({"variables_bounds": {"aa": [0, 1]}}, "no parameter 'aa'.*did you mean 'a'"),
    ({"variables_bounds": {"a": 1.0}}, "at least one"),
    ({"record": ["rr"]}, "no variable 'rr'"),
    ({"record": ["spike"]}, "does not spike"),
    ({"target_neuron_model": complex_neuron}, "not both"),
    ({"time_step": 0}, "positive number"),
    ({"experiment": my_exp()}, "the class, not an instance"),
    ({"method": "hyperopt"}, "unknown method"),
    ({"popsize": 2}, "popsize"),
    ({"colour": "red"}, "unknown arguments: colour"),
    ({"variables_bounds": {"a": [0, 1], "b": "a *"}}, r"\['b'\] = 'a \*': not an expression"),
    ({"variables_bounds": {"a": [0, 1], "b": "c + 1"}}, "'c' is not a fitted or fixed parameter"),
    ({"variables_bounds": {"a": [0, 1], "b": "a.real"}}, r"use numbers, parameter names.*'a.real'"),
    ({"variables_bounds": {"a": [0, 1], "b": "__import__('os')"}}, "use numbers"),
    ({"variables_bounds": {"a": [0, 1], "bb": "a"}}, "no parameter 'bb'"),
    ({"recording_period": 0.5}, r"recording_period = 0.5 ms is not a multiple of time_step = 1"),
    ({"recording_period": -1}, "recording_period must be a positive number"),
])
def test_bad_arguments_are_refused_before_any_simulation(change, match):
    with pytest.raises(FitError, match=match):
        _opt(**change)


def test_errors_of_the_experiment_and_the_loss_function_name_the_candidate(tmp_path):
    with pytest.raises(FitError, match="must return self.results()"):
        _opt(experiment=NoResults).run(max_evals=1, results_file_name=str(tmp_path / "f"),
                                       progress=False)

    def broken(results_ist, results_soll):
        raise KeyError("model_neuron;v")

    with pytest.raises(FitError, match=r"get_loss_function failed for \{'a': .*KeyError"):
        _opt(get_loss_function=broken).run(max_evals=1, results_file_name=str(tmp_path / "g"),
                                           progress=False)
    with pytest.raises(FitError, match="max_evals"):
        _opt().run(max_evals=0)


def test_a_string_bound_is_computed_for_each_candidate(tmp_path):
    # CompNeuroPy's {"b": "a*2.5"}: b follows a; the optimum a = 0.8 gives b = 2
    opt = _opt(variables_bounds={"a": [-10, 10], "b": "a*2.5"})
    values = opt.space.to_values(np.array([[0.5], [0.75]]))      # a = 0 and 5
    np.testing.assert_array_equal(values["b"], [0.0, 12.5])
    losses, raw, _ = opt.evaluate(opt.space.to_values(np.tile([0.5], (opt.popsize, 1))))
    assert raw[0] == pytest.approx([np.sqrt((4 + 36) / 2), np.sqrt((4 + 100) / 2)])  # a = b = 0
    fit = opt.run(max_evals=60, results_file_name=str(tmp_path / "f"), progress=False,
                  deap_plot_file=str(tmp_path / "plots" / "logbook.png"))
    assert fit["a"] == pytest.approx(0.8, abs=1e-3) and fit["b"] == 2.5 * fit["a"]
    assert fit["parameters"] == {"a": fit["a"], "b": fit["b"]} and fit["loss"] < 1e-2
    assert (tmp_path / "plots" / "logbook.png").read_bytes()[:4] == b"\x89PNG"
    # a value that is not finite for a candidate stops the fit with the values
    with pytest.raises(FitError, match=r"\['b'\] = 'log\(a\)' is nan for a = -10"):
        _opt(variables_bounds={"a": [-10, 10], "b": "log(a)"}).space.to_values(np.zeros((1, 1)))


def test_recording_period_records_every_n_steps(tmp_path):
    class Loss:
        shapes = []

        def __call__(self, results_ist, results_soll):
            r = results_ist.recordings[0][f"{results_ist.data['population_name']};r"]
            self.shapes.append(r.shape)
            return float(np.abs(r[:, 0] - 2.0).mean())

    loss = Loss()
    opt = _opt(get_loss_function=loss, recording_period=10)
    opt.evaluate(opt.space.to_values(np.full((opt.popsize, 2), 0.5)))
    assert loss.shapes[0] == (100, 1)          # 1000 ms every 10 ms
