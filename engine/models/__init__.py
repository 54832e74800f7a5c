"""Built-in models (ANNarchy's standard set, and NEST's synapse models).

Neuron models are in :mod:`engine.models.neurons`, synapse models in
:mod:`engine.models.synapses`. Each is a subclass of
:class:`~engine.language.models.Neuron` or :class:`~engine.language.models.Synapse`,
usable as the class (``net.create(10, neuron=Izhikevich)``: the runtime calls
``Izhikevich()``) or as an instance with keyword overrides
(``Izhikevich(a=0.1, d=2.0)``, ``STDP(tau_plus=10.0)``).
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
from engine.models.neurons import __all__ as _neuron_names
from engine.models.synapses import (
    IBCM,
    STDP,
    STP,
    Hebb,
    Oja,
    StandardSynapse,
    TripletSTDP,
    list_standard_synapses,
    static_synapse,
    stdp_synapse,
    tsodyks2_synapse,
    tsodyks_synapse,
)
from engine.models.synapses import __all__ as _synapse_names

from engine.models.bold import (  # noqa: E402
    BoldModel,
    balloon_CL,
    balloon_CN,
    balloon_maith2021,
    balloon_RL,
    balloon_RN,
    balloon_two_inputs,
)
from engine.models.bold import __all__ as _bold_names  # noqa: E402

__all__ = list(_neuron_names) + list(_synapse_names) + list(_bold_names)
