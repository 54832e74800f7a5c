"""NEST-named neuron models on the engine.

Each model of the catalogue is an engine :class:`~engine.language.models.Neuron`
with NEST's name, parameter names, units (mV, ms, pA, pF, nS) and defaults, so
a SONATA network whose nodes say ``model_template = "nest:iaf_psc_alpha"``
runs here without NEST. See :mod:`workbench.nest.catalogue` for the
conventions every model follows (targets, weights, state names).
"""

from workbench.nest.catalogue import NEST_NEURONS, NestModelError, nest_neuron, neuron_class

__all__ = ["NEST_NEURONS", "NestModelError", "nest_neuron", "neuron_class"]
