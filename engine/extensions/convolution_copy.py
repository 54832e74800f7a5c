"""ANNarchy's ``Copy`` projection (``ANNarchy.extensions.convolution``): a
projection that shares the synapses of another one.

The copy installs the original's rows, columns and delays and adopts its
weight array itself (:meth:`Projection._install` keeps an array of the right
precision and length instead of copying it), so weights changed or learnt in
the original are what the copy transmits: no second copy, nothing to keep
in sync.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NetworkError
from engine.language.models import Synapse
from engine.runtime.population import Population
from engine.runtime.projection import Projection

__all__ = ["Copy"]


def _check_operation(psp, operation):
    if not isinstance(psp, str) or not psp.strip():
        raise NetworkError(f"Copy: psp must be an expression such as 'w * pre.r', got {psp!r}")
    if operation not in ("sum", "max", "min", "mean"):
        raise NetworkError(f"Copy: the operation must be one of 'sum', 'max', 'min', 'mean', "
                           f"got {operation!r}")


class Copy(Projection):
    """A projection that reuses the synapses of another one (ANNarchy's ``Copy``).

    The copy has the pre-synaptic ranks, delays and the very weight array of
    the original: weights changed or learnt in the original are seen by the
    copy. Only ``psp`` and ``operation`` are its own::

        proj = net.connect(pop1, pop2, 'exc'); proj.fixed_probability(0.1, 0.5)
        copy = net.connect(Copy(pop1, pop3, 'exc'))
        copy.copy(proj)

    Both projections are rate-coded, between whole populations of the same
    geometries.

    Raises
    ------
    NetworkError
        Views, a spiking pre-synaptic population, an unknown operation.
    """

    def __init__(self, pre, post, target, psp="pre.r * w", operation="sum", name=None,
                 *, network=None):
        _check_operation(psp, operation)
        syn = Synapse(psp=psp, name="Copy_" + operation, **(
            {} if operation == "sum" else {"operation": operation}))
        for role, obj in (("pre", pre), ("post", post)):
            if not isinstance(obj, Population):
                raise NetworkError(f"Copy: the {role}-synaptic side must be a whole "
                                   f"population, got {type(obj).__name__}")
        if pre.spiking:
            raise NetworkError(f"Copy {pre.name!r} -> {post.name!r}: the pre-synaptic "
                               "population must be rate-coded")
        super().__init__(pre, post, target, syn, name, network=network)
        self.projection = None

    def _connect(self, method, /, **kwargs):
        raise NetworkError(f"Copy {self.name!r}: connect it with copy(projection), "
                           f"not {method}()")

    def from_arrays(self, *args, **kwargs):
        raise NetworkError(f"Copy {self.name!r}: connect it with copy(projection)")

    from_file = connect_from_file = from_arrays

    def connect_copy(self, projection):
        """ANNarchy 4's name of :meth:`copy`."""
        return self.copy(projection)

    def copy(self, projection):
        """Share the synapses of ``projection`` (connected already).

        Raises
        ------
        NetworkError
            Not a regular connected rate-coded projection of this network,
            or populations of other geometries.
        """
        who = f"Copy {self.name!r}"
        if self._row_ptr is not None:
            raise NetworkError(f"{who}: already connected")
        if self.network.compiled:
            raise NetworkError("cannot connect after compile()")
        if not isinstance(projection, Projection) or isinstance(projection, Copy) or \
                getattr(projection, "_shares_weights", False):
            raise NetworkError(f"{who}: copy() takes an existing regular projection (not a "
                               f"Convolution, Pooling or Copy), got {type(projection).__name__}")
        if projection.network is not self.network:
            raise NetworkError(f"{who}: the copied projection belongs to another network")
        if projection._row_ptr is None:
            raise NetworkError(f"{who}: connect projection {projection.name!r} before "
                               "copying it")
        if projection.rows != "post" or projection.pre_population.spiking:
            raise NetworkError(f"{who}: only rate-coded projections can be copied")
        if (self.pre_population.geometry != projection.pre_population.geometry
                or self.post_population.geometry != projection.post_population.geometry):
            raise NetworkError(
                f"{who}: when copying a projection, the geometries must be the same "
                f"({projection.pre_population.geometry} -> "
                f"{projection.post_population.geometry} vs {self.pre_population.geometry} -> "
                f"{self.post_population.geometry})")
        w = projection._arrays.get("w")
        if w is None or w.shape != projection._col.shape:
            raise NetworkError(f"{who}: the copied projection must have one weight 'w' per "
                               "synapse")
        from engine.runtime.csr import CSR

        delay = projection._delays_ms
        csr = CSR(projection._row_ptr.copy(), projection._col.copy(), w,
                  delay if np.ndim(delay) == 0 else np.asarray(delay, dtype=float).copy(),
                  "post", self.post_population.size, self.pre_population.size)
        self._install(csr)
        if self._arrays["w"] is not w:
            raise NetworkError(f"{who}: the weights of {projection.name!r} cannot be shared "
                               "(another precision)")
        self.projection = projection
        self.connector_name = "Copy"
        self.connector_args = {"projection": projection.name}
        return self
