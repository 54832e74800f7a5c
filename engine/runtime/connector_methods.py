"""The connector methods of a projection, under ANNarchy 5's names
(``all_to_all``, ``fixed_probability``...) and ANNarchy 4's (``connect_*``):
each builds the synapses with :func:`engine.runtime.connectivity.build_connectivity`
and installs them (``Projection._install``).

A mixin of :class:`~engine.runtime.projection.Projection`, as
:class:`~engine.runtime.explicit_connectivity.ExplicitConnectivity`.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NetworkError
from engine.runtime.explicit_connectivity import ExplicitConnectivity

__all__ = ["ConnectorMethods"]


class ConnectorMethods:
    """Connector methods of a projection: one call gives it its synapses."""

    # -- connectors ---------------------------------------------------------------
    def _connect(self, method, /, **kwargs):
        from engine.runtime.connectivity import build_connectivity, csr_transpose

        if self._row_ptr is not None:
            raise NetworkError(f"projection {self.name!r} is already connected "
                               f"(with {self.connector_name})")
        if self.network.compiled:
            raise NetworkError("cannot connect after compile()")
        pre, post = self.pre_population, self.post_population
        pre_geo = (len(self._pre_ranks),) if self._pre_ranks is not None else pre.geometry
        post_geo = (len(self._post_ranks),) if self._post_ranks is not None else post.geometry
        rng = np.random.default_rng(np.random.SeedSequence([self.network.seed, 2, self.id]))
        same = pre is post and (self._pre_ranks is None) == (self._post_ranks is None) and (
            self._pre_ranks is None or np.array_equal(self._pre_ranks, self._post_ranks))
        csr = build_connectivity(method, pre_geo, post_geo, self.rows, rng, same_population=same,
                                 precision=self.network._float_dtype,
                                 num_threads=self.network._config.get("num_threads", 1),
                                 pre=self.pre, post=self.post, **kwargs)
        if csr.rows != self.rows:
            csr = csr_transpose(csr)
        self.connector_args = kwargs   # (read while installing: delays drawn or given)
        try:
            self._install(csr)
        except BaseException:
            self.connector_args = {}
            raise
        self.connector_name = method
        return self

    # ANNarchy 5 names
    def all_to_all(self, weights, delays=0.0, allow_self_connections=False,
                   force_multiple_weights=False, storage_format=None, storage_order=None):
        return self._connect("all_to_all", weights=weights, delays=delays,
                             allow_self_connections=allow_self_connections,
                             force_multiple_weights=force_multiple_weights)

    def one_to_one(self, weights=1.0, delays=0.0, storage_format=None, storage_order=None):
        return self._connect("one_to_one", weights=weights, delays=delays)

    def fixed_probability(self, probability, weights, delays=0.0, allow_self_connections=False,
                          force_multiple_weights=False, storage_format=None, storage_order=None):
        return self._connect("fixed_probability", probability=probability, weights=weights,
                             delays=delays, allow_self_connections=allow_self_connections)

    def fixed_number_pre(self, number, weights, delays=0.0, allow_self_connections=False,
                         force_multiple_weights=False, storage_format=None, storage_order=None):
        return self._connect("fixed_number_pre", number=number, weights=weights, delays=delays,
                             allow_self_connections=allow_self_connections)

    def fixed_number_post(self, number, weights, delays=0.0, allow_self_connections=False,
                          force_multiple_weights=False, storage_format=None, storage_order=None):
        return self._connect("fixed_number_post", number=number, weights=weights, delays=delays,
                             allow_self_connections=allow_self_connections)

    def gaussian(self, amp, sigma, delays=0.0, limit=0.01, allow_self_connections=False,
                 storage_format=None, storage_order=None):
        return self._connect("gaussian", amp=amp, sigma=sigma, delays=delays, limit=limit,
                             allow_self_connections=allow_self_connections)

    def dog(self, amp_pos, sigma_pos, amp_neg, sigma_neg, delays=0.0, limit=0.01,
            allow_self_connections=False, storage_format=None, storage_order=None):
        return self._connect("dog", amp_pos=amp_pos, sigma_pos=sigma_pos, amp_neg=amp_neg,
                             sigma_neg=sigma_neg, delays=delays, limit=limit,
                             allow_self_connections=allow_self_connections)

    def from_matrix(self, weights, delays=0.0, pre_post=False, storage_format=None,
                    storage_order=None):
        return self._connect("from_matrix", weights=weights, delays=delays, pre_post=pre_post)

    def from_sparse(self, weights, delays=0.0, storage_format=None, storage_order=None):
        return self._connect("from_sparse", weights=weights, delays=delays)

    def from_function(self, method, storage_format=None, storage_order=None, **args):
        """Synapses returned by ``method(pre, post, dt, **args)``, as ANNarchy
        calls it (``dt`` may be omitted from the function's parameters): a
        :class:`LILConnectivity` or ``(pre_ranks, post_ranks, weights[, delays])``."""
        from engine.runtime.connect_function import with_dt

        return self._connect("from_function", method=with_dt(method, self.network.dt, args),
                             **args)

    # ANNarchy 4 names
    connect_all_to_all = all_to_all
    connect_one_to_one = one_to_one
    connect_fixed_probability = fixed_probability
    connect_fixed_number_pre = fixed_number_pre
    connect_fixed_number_post = fixed_number_post
    connect_gaussian = gaussian
    connect_dog = dog
    connect_from_matrix = from_matrix
    connect_from_sparse = from_sparse
    connect_with_func = from_function
    connect_from_file = ExplicitConnectivity.from_file
    connect_from_arrays = ExplicitConnectivity.from_arrays
