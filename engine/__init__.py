"""neuroworkbench engine: equation-defined neuron models on generated Numba code.

Two styles, as ANNarchy:

>>> from engine import Network, Neuron
>>> net = Network(dt=0.1, seed=1)
>>> pop = net.create(10, neuron=Neuron(equations="tau*dr/dt + r = 1 : init=0", parameters="tau = 10.0"))

or the classic global style (``Population(...)``, ``compile()``, ``simulate()``)
acting on the active network (``with net:`` or a default one).
"""

from engine.errors import (
    AttributeAssignmentError, CompilationError, EquationError, ModelError, NetworkError,
    NeuroWorkbenchError, NumericalError, SimulationError,
)
from engine.language.models import Array, Neuron, Parameter, Synapse, Value, Variable, Weight
from engine.language.structural import Creating, Pruning
from engine.language.random_draws import (
    Binomial, DiscreteUniform, Exponential, Gamma, LogNormal, Normal, RandomDistribution, Uniform,
)
from engine.language.models import model_from_spec
from engine.language.localize import localize
from engine.runtime import Constant, Monitor, Network, Population, PopulationView
from engine.runtime.connectivity import LILConnectivity
from engine.runtime.projection import Dendrite, Projection
from engine.runtime.active import (
    active_network, clear, compile, disable_learning, dt, enable_learning, get_constant,
    get_current_step, get_monitors, get_population, get_populations, get_projection, get_projections, get_time,
    load, reset, save, set_seed, setup, simulate, simulate_until, step,
)
from engine.runtime.active import set_current_step, set_time  # noqa: E402

try:  # the class-based front end
    from engine.language.classes import Equations
except ImportError:  # pragma: no cover - during development
    Equations = None

try:
    from engine.models.neurons import *  # noqa: F401,F403
    from engine.models.neurons import __all__ as _model_names
except ImportError:  # pragma: no cover - during development
    _model_names = []

__all__ = [
    "Network", "Population", "PopulationView", "Monitor", "Constant", "Projection", "Dendrite",
    "LILConnectivity",
    "Neuron", "Synapse", "Parameter", "Variable", "Value", "Array", "Weight", "Equations",
    "Pruning", "Creating",
    "model_from_spec",
    "localize",
    "Uniform", "Normal", "LogNormal", "Exponential", "DiscreteUniform", "Gamma", "Binomial",
    "RandomDistribution",
    "NeuroWorkbenchError", "ModelError", "EquationError", "NetworkError", "CompilationError",
    "SimulationError", "NumericalError", "AttributeAssignmentError",
    "active_network", "setup", "compile", "simulate", "simulate_until", "step", "reset", "clear",
    "get_population", "get_populations", "get_monitors", "get_constant", "get_time",
    "get_current_step", "enable_learning", "disable_learning",
    "dt", "get_projection", "get_projections", "set_seed", "save", "load",
    "set_time", "set_current_step",
] + list(_model_names)
from engine.runtime.callbacks import every  # noqa: E402  (ANNarchy's @every(net, period=...))
__all__.append("every")

# input populations and special projections (ANNarchy's specific populations/projections)
from engine.runtime.inputs import (  # noqa: E402
    HomogeneousCorrelatedSpikeTrains, InputArray, PoissonPopulation, SpikeSourceArray,
    TimedArray, TimedPoissonPopulation,
)
from engine.runtime.special_projections import CurrentInjection, DecodingProjection  # noqa: E402

__all__ += [
    "PoissonPopulation", "SpikeSourceArray", "TimedArray", "TimedPoissonPopulation",
    "HomogeneousCorrelatedSpikeTrains", "InputArray", "CurrentInjection", "DecodingProjection",
]

# built-in synapse models (ANNarchy's standard synapses, NEST's synapse models)
from engine.models.synapses import *  # noqa: E402,F401,F403
from engine.models.synapses import __all__ as _synapse_names  # noqa: E402

__all__ += list(_synapse_names)

# BOLD monitor and balloon models (ANNarchy.extensions.bold)
from engine.runtime.bold import BoldMonitor  # noqa: E402
from engine.models.bold import __all__ as _bold_names  # noqa: E402
from engine.models.bold import *  # noqa: E402,F401,F403

__all__ += ["BoldMonitor"] + list(_bold_names)

# ANNarchy 4's spike statistics as functions (also Monitor methods)
from engine.runtime.spike_stats import (  # noqa: E402
    coefficient_of_variation, histogram, inter_spike_interval, mean_fr, population_rate,
    raster_plot, smoothed_rate)

__all__ += ["coefficient_of_variation", "histogram", "inter_spike_interval", "mean_fr",
            "population_rate", "raster_plot", "smoothed_rate"]
