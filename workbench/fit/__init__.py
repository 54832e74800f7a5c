"""Fitting neuron models: CompNeuroPy's ``OptNeuron``, batched.

``OptNeuron`` (:mod:`workbench.fit.opt_neuron`) searches parameter values
with CMA-ES, a genetic algorithm or differential evolution
(:mod:`workbench.fit.strategies`) in the ranges of ``variables_bounds``
(:mod:`workbench.fit.bounds`), simulating a whole generation as one
population. :mod:`workbench.fit.data` loads recorded traces (CSV, NPZ) and
builds the experiment and loss that fit a model to them.
"""

from workbench.fit.bounds import SearchSpace
from workbench.fit.data import Recording, StepProtocol, detect_spikes, load_traces, step_fit
from workbench.fit.errors import FitError
from workbench.fit.opt_neuron import OptNeuron
from workbench.fit.strategies import METHODS

__all__ = ["OptNeuron", "FitError", "SearchSpace", "METHODS", "Recording", "StepProtocol",
           "detect_spikes", "load_traces", "step_fit"]
