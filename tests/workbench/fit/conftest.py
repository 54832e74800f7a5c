"""A small fit written as a script file, shared by the tests that run it in
another process (SIGKILL) or send it to dask workers."""

import importlib.util

import pytest

FIT_SCRIPT = '''
import os, sys, time
import numpy as np
from engine import Neuron
from workbench import CompNeuroExp, CompNeuroSim, OptNeuron, current_step, rmse

LINEAR = Neuron(parameters="I_app = 0\\na = 0\\nb = 0", equations="r = a*I_app + b")
TARGET = np.concatenate([np.full(100, 2.0), np.full(100, 6.0)])


class Step(CompNeuroExp):
    def run(self, population_name):
        self.monitors.start()
        CompNeuroSim(current_step, {"pop": population_name, "t1": 100, "t2": 100,
                                    "a1": 0, "a2": 5}, monitor_object=self.monitors).run()
        self.data["population_name"] = population_name
        return self.results()


def loss(results_ist, results_soll):
    if os.environ.get("SLOW_FIT"):
        time.sleep(0.01)               # slow enough to be killed mid-run
    pop = results_ist.data["population_name"]
    return rmse(results_soll, results_ist.recordings[0][f"{pop};r"][:, 0])


def make(**options):
    return OptNeuron(experiment=Step, get_loss_function=loss,
                     variables_bounds={"a": [-10, 10], "b": [-10, 10]}, neuron_model=LINEAR,
                     results_soll=TARGET, time_step=1.0, record=["r"], popsize=7, seed=8,
                     **options)


if __name__ == "__main__":
    make().run(max_evals=int(sys.argv[2]), results_file_name=sys.argv[1], progress=False)
'''


@pytest.fixture
def fit_script(tmp_path):
    """``(path, module)`` of FIT_SCRIPT written to a file and imported
    (``module.make()`` is an OptNeuron; ``LINEAR``, ``Step``, ``loss``,
    ``TARGET`` its pieces)."""
    path = tmp_path / "fit_script.py"
    path.write_text(FIT_SCRIPT)
    spec = importlib.util.spec_from_file_location("fit_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return path, module
