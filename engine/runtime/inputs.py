"""Input populations, as ANNarchy's specific populations.

=================================  ==========================================================
:class:`PoissonPopulation`         spiking; Bernoulli per step with ``p = rates*dt/1000``;
                                   rates a number, an array, an equation of ``t``, or
                                   ``sum(target)`` (hybrid rate-to-spike interface)
:class:`SpikeSourceArray`          spiking; emits exactly the given spike times
:class:`TimedArray`                rate-coded; ``r`` follows the rows of a buffer on a schedule
:class:`TimedPoissonPopulation`    spiking Poisson whose rates follow a schedule
:class:`HomogeneousCorrelatedSpikeTrains`
                                   spiking; Poisson trains sharing one Ornstein-Uhlenbeck rate
                                   (Brette 2009, as ANNarchy and Brian)
:class:`InputArray`                rate-coded; ``r`` is set from Python
=================================  ==========================================================

Where possible a class is a plain equation-defined neuron (``PoissonPopulation``
is ``p = Uniform(0, 1)*1000/dt``, ``spike: p < rates``), so the generated code
shows it like any other model. The others bring a few lines of loop code
(:class:`engine.codegen.network_code.CustomCode`) and keep their data in
``Population._internals``: spike times as flat sorted step arrays with a
pointer per neuron, schedule buffers with an internal clock.

Times given in ms become steps by ``round(t / dt)`` (Python's rounding: exact
halves go to the even step, as ANNarchy). Every random number comes from the
network seed (the population's generator in the compiled loop). See
``docs/inputs.md``.

Configuration (spike times, schedules, buffers) is not state: ``net.reset()``
keeps the current configuration and rewinds the clocks; ``pop.reset()`` of a
scheduled population restarts its schedule at the current time, as ANNarchy.

Modules: :mod:`engine.runtime.input_base` (shared checks and machinery),
:mod:`engine.runtime.input_poisson`, :mod:`engine.runtime.input_spikes`,
:mod:`engine.runtime.input_timed` (TimedArray, TimedPoissonPopulation),
:mod:`engine.runtime.input_correlated`; :class:`InputArray` lives here.
"""

from __future__ import annotations

from engine.errors import NetworkError
from engine.language.models import Neuron
from engine.runtime.input_correlated import HomogeneousCorrelatedSpikeTrains
from engine.runtime.input_poisson import PoissonPopulation
from engine.runtime.input_spikes import SpikeSourceArray
from engine.runtime.input_timed import TimedArray, TimedPoissonPopulation
from engine.runtime.population import Population

__all__ = [
    "PoissonPopulation",
    "SpikeSourceArray",
    "TimedArray",
    "TimedPoissonPopulation",
    "HomogeneousCorrelatedSpikeTrains",
    "InputArray",
]


# ---------------------------------------------------------------------------
# InputArray
# ---------------------------------------------------------------------------

class InputArray(Population):
    """A rate-coded population whose ``r`` is set from Python
    (``inp.r = np.linspace(0, 1, 10)``) and stays as set (recordable).

    The model is ``r = r`` (ANNarchy's InputArray): equivalent to
    ``Population(geometry, Neuron(parameters="r = 0.0"))``.
    """

    _neuron = None

    def __init__(self, geometry=None, name=None, *, network=None):
        if geometry is None:
            raise NetworkError("InputArray needs a geometry: InputArray(10) or InputArray((8, 8))")
        if InputArray._neuron is None:
            InputArray._neuron = Neuron(equations="r = r", name="InputArray")
        super().__init__(geometry, InputArray._neuron, name=name, network=network)
