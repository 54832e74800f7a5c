"""neuroworkbench engine: equation-defined neuron models on generated Numba code.

Two styles, as ANNarchy:

>>> from engine import Network, Neuron
>>> net = Network(dt=0.1, seed=1)
>>> pop = net.create(10, neuron=Neuron(equations="tau*dr/dt + r = 1 : init=0", parameters="tau = 10.0"))

or the classic global style (``Population(...)``, ``compile()``, ``simulate()``)
acting on the active network (``with net:`` or a default one).
"""

import gc as _gc

# Importing the engine makes a few hundred thousand objects that live as long
# as the process (sympy, numba, numpy, our modules). With the cyclic garbage
# collector on, the growing heap is walked again and again while they are
# made (full collections of the whole heap, each slower than the last). The
# collector is paused for the import; then what exists is moved to the oldest
# generation (freeze + unfreeze: a list splice, no walk). Nothing is
# collected, kept or lost that would not be otherwise; a freeze the program
# made itself (gc.freeze() before a fork) is left alone.
_gc_was_enabled = _gc.isenabled()
_gc.disable()
try:
    from engine.errors import (
        AttributeAssignmentError, CompilationError, EquationError, ModelError, NetworkError,
        NeuroWorkbenchError, NumericalError, SimulationError,
    )
    from engine.language.models import Array, Neuron, Parameter, Synapse, Value, Variable, Weight
    from engine.language.structural import Creating, Pruning
    from engine.language.random_draws import (
        Binomial, DiscreteUniform, Exponential, Gamma, LogNormal, Normal, RandomDistribution,
        Uniform,
    )
    from engine.language.models import model_from_spec
    from engine.language.localize import localize
    from engine.language.global_functions import add_function  # ANNarchy's add_function()
    from engine.runtime import Constant, Monitor, Network, Population, PopulationView
    from engine.runtime.connectivity import LILConnectivity
    from engine.runtime.projection import Dendrite, Projection
    from engine.runtime.active import (
        active_network, clear, compile, disable_learning, dt, enable_learning, get_constant,
        get_current_step, get_monitors, get_population, get_populations, get_projection,
        get_projections, get_time,
        load, reset, save, set_seed, setup, simulate, simulate_until, step,
    )
    from engine.runtime.active import set_current_step, set_time
    from engine.runtime.callbacks import every  # ANNarchy's @every(net, period=...)

    # ANNarchy 4's spike statistics as functions (also Monitor methods)
    from engine.runtime.spike_stats import (
        coefficient_of_variation, histogram, inter_spike_interval, mean_fr, population_rate,
        raster_plot, smoothed_rate)
finally:
    if _gc_was_enabled:
        if _gc.get_freeze_count() == 0:
            _gc.freeze()
            _gc.unfreeze()
        _gc.enable()
    del _gc_was_enabled

_CORE_ALL = [
    "Network", "Population", "PopulationView", "Monitor", "Constant", "Projection", "Dendrite",
    "LILConnectivity",
    "Neuron", "Synapse", "Parameter", "Variable", "Value", "Array", "Weight", "Equations",
    "Pruning", "Creating",
    "model_from_spec",
    "localize",
    "add_function",
    "Uniform", "Normal", "LogNormal", "Exponential", "DiscreteUniform", "Gamma", "Binomial",
    "RandomDistribution",
    "NeuroWorkbenchError", "ModelError", "EquationError", "NetworkError", "CompilationError",
    "SimulationError", "NumericalError", "AttributeAssignmentError",
    "active_network", "setup", "compile", "simulate", "simulate_until", "step", "reset", "clear",
    "get_population", "get_populations", "get_monitors", "get_constant", "get_time",
    "get_current_step", "enable_learning", "disable_learning",
    "dt", "get_projection", "get_projections", "set_seed", "save", "load",
    "set_time", "set_current_step",
    "report", "save_parameters", "load_parameters",
]

_SPIKE_STATS = ["coefficient_of_variation", "histogram", "inter_spike_interval", "mean_fr",
                "population_rate", "raster_plot", "smoothed_rate"]

# The specialised parts load on first use (PEP 562), so that a process that
# builds a plain network (a second run starting from the kernel cache) does
# not pay for them: the built-in model tables, input populations, special
# projections, the BOLD monitor and the class-based front end. ``from engine
# import X``, ``engine.X``, ``engine.__all__`` and ``dir(engine)`` give what
# an eager import gave (tests/engine/test_lazy_exports.py).
_INPUTS = ["PoissonPopulation", "SpikeSourceArray", "TimedArray", "TimedPoissonPopulation",
           "HomogeneousCorrelatedSpikeTrains", "InputArray"]
_LAZY = dict.fromkeys(_INPUTS, "engine.runtime.inputs")
_LAZY.update(CurrentInjection="engine.runtime.special_projections",
             DecodingProjection="engine.runtime.special_projections",
             BoldMonitor="engine.runtime.bold",
             Equations="engine.language.classes",  # the class-based front end
             report="engine.runtime.report",
             save_parameters="engine.runtime.parameters_io",
             load_parameters="engine.runtime.parameters_io")
#: modules whose ``__all__`` is exported whole (names known once imported)
_MODEL_MODULES = ("engine.models.neurons", "engine.models.synapses", "engine.models.bold")


def _load_models() -> None:
    """Import the model tables and export their ``__all__`` (once)."""
    import importlib

    if "_model_names" in globals():
        return
    names = {}
    for module_name in _MODEL_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            globals()[name] = getattr(module, name)
        names[module_name] = list(module.__all__)
    globals().update(_model_names=names[_MODEL_MODULES[0]],
                     _synapse_names=names[_MODEL_MODULES[1]],
                     _bold_names=names[_MODEL_MODULES[2]])


def _full_all() -> list[str]:
    """``__all__`` in the order the eager package listed it."""
    _load_models()
    return (_CORE_ALL + _model_names + ["every"] + _INPUTS
            + ["CurrentInjection", "DecodingProjection"] + _synapse_names
            + ["BoldMonitor"] + _bold_names + _SPIKE_STATS)


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name == "__all__":
        value = _full_all()
    elif name.startswith("__"):  # probes (copy, pickle, doctest) need not load the models
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    else:
        _load_models()  # a model name, or the engine.models subpackage
        if name not in globals():
            raise AttributeError(f"module 'engine' has no attribute {name!r}")
        return globals()[name]
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_full_all()))
