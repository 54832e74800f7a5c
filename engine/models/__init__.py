"""Built-in models (ANNarchy's standard set).

Neuron models are in :mod:`engine.models.neurons`. Each is a subclass of
:class:`~engine.language.models.Neuron`, usable as the class
(``net.create(10, neuron=Izhikevich)``: the runtime calls ``Izhikevich()``)
or as an instance with keyword overrides (``Izhikevich(a=0.1, d=2.0)``).
"""

from engine.models.neurons import (
    EIF_cond_alpha_isfa_ista,
    EIF_cond_exp_isfa_ista,
    HH_cond_exp,
    IF_cond_alpha,
    IF_cond_exp,
    IF_curr_alpha,
    IF_curr_exp,
    Izhikevich,
    LeakyIntegrator,
    StandardNeuron,
    list_standard_neurons,
)

from engine.models.neurons import __all__  # noqa: E402,F401  (one list of names)
