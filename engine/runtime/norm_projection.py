"""ANNarchy's ``NormProjection`` (``ANNarchy.extensions.bold``): spikes that
also drive a normalised input variable of the post-synaptic neurons.

Each spike arriving at synapse ``(i, j)`` adds ``w`` to ``g_target`` of post
neuron ``i`` (the default spiking synapse) and ``1 / n_i`` to its
``variable``, where ``n_i`` is the number of synapses neuron ``i`` receives
from *all* projections onto its population (counted at compile, when every
projection is connected, as ANNarchy does). Summed over a population, the
variable then counts the input spikes per synapse: a measure of synaptic
activity independent of the connectivity, which Maith et al. (2021) feed
to the BOLD monitor.

Differences from ANNarchy, on purpose: delays apply (ANNarchy's code reads
the spikes of the last step whatever the delays); a neuron that receives no
synapse gets ``n_i = 1`` (it never receives a spike of this projection).
"""

from __future__ import annotations

import numpy as np

from engine.errors import NetworkError
from engine.language.models import Synapse
from engine.runtime.projection import Projection

__all__ = ["NormProjection"]

#: the semi-global parameter holding n_i, as ANNarchy names it
COUNT = "nb_aff_synapse"


def _norm_synapse(variable: str) -> Synapse:
    return Synapse(parameters=f"{COUNT} = 1.0 : postsynaptic",
                   pre_spike=f"g_target += w\npost.{variable} += 1.0 / {COUNT}",
                   name="NormSynapse")


def synapses_per_post_neuron(proj: Projection) -> np.ndarray:
    """Synapses each neuron of ``proj``'s whole post population receives from it."""
    size = proj.post_population.size
    if proj._row_ptr is None:
        return np.zeros(size, dtype=np.int64)
    if proj.rows == "pre":
        return np.bincount(proj._col, minlength=size)
    return np.diff(proj._row_ptr).astype(np.int64)


class NormProjection(Projection):
    """A spiking projection that also adds ``1 / n_i`` to ``post.variable``
    per spike (see the module docstring)::

        proj = NormProjection(pre=inp, post=pop, target='ampa', variable='syn')
        proj.connect_fixed_number_pre(number=10, weights=1.0)

    ``variable`` must be a variable of the post-synaptic model; the synapse is
    ANNarchy's default (``g_target += w``): a custom one is refused, as in
    ANNarchy.
    """

    def __init__(self, pre, post, target, variable, synapse=None, name=None, *, network=None):
        if synapse is not None:
            raise NetworkError("NormProjection uses the default spiking synapse "
                               "(g_target += w): it takes no synapse model, as ANNarchy's")
        if not isinstance(variable, str) or not variable.isidentifier():
            raise NetworkError(f"NormProjection: variable must be the name of a variable of "
                               f"the post-synaptic model, got {variable!r}")
        self._variable = variable
        super().__init__(pre, post, target, _norm_synapse(variable), name, network=network)

    def _check_compatible(self, spiking):
        pre, post = self.pre_population, self.post_population
        who = f"NormProjection {pre.name!r} -> {post.name!r}"
        for side, pop in (("pre", pre), ("post", post)):
            if not pop.spiking:
                raise NetworkError(f"{who}: the {side}-synaptic population must be spiking "
                                   f"(model {pop.ir.name!r} is rate-coded)")
        variables = [v.name for v in post.ir.variables if v.kind == "variable"]
        if self._variable not in variables:
            raise NetworkError(f"{who}: {self._variable!r} is not a variable of the "
                               f"post-synaptic model {post.ir.name!r} (its variables: "
                               f"{', '.join(variables) or 'none'})")
        super()._check_compatible(spiking)

    def _before_compile(self):
        """``nb_aff_synapse``: the synapses of every projection onto the post
        population, per neuron."""
        self._require_connected()
        post = self.post_population
        total = np.zeros(post.size, dtype=np.int64)
        for proj in self.network._projections:
            if proj.post_population is post:
                total += synapses_per_post_neuron(proj)
        self._arrays[COUNT][:] = np.maximum(total, 1)
