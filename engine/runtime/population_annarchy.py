"""ANNarchy's per-neuron and weighted-sum accessors of a population.

``pop.neuron(rank)`` / ``pop.neuron(x, y)`` (ANNarchy's IndividualNeuron) is here
a one-neuron :class:`PopulationView`: it reads and writes the same attributes
(as arrays of one element) and has ANNarchy's ``rank``. ``pop.sum(target)``
is the weighted sum a rate-coded population received this step (or the
conductance ``g_target`` of a spiking one), flat as ANNarchy's; a target no
projection delivers gives zeros and a warning, as ANNarchy.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from engine.errors import NetworkError, SelectionError
from engine.runtime.selection import checked_coordinates, checked_rank

__all__ = ["NeuronAccess"]


class NeuronAccess:
    """Mixin of :class:`Population`: ``neuron()`` and ``sum()``."""

    def neuron(self, *coord):
        """The neuron of rank ``coord[0]`` (one integer) or at coordinates ``coord``."""
        owner = self._selection_owner()
        if len(coord) == 1 and isinstance(coord[0], (tuple, list)):
            coord = tuple(coord[0])
        if len(coord) == 1:
            rank = checked_rank(owner, self.size, coord[0])
        elif len(coord) == len(self.geometry):
            rank = int(np.ravel_multi_index(checked_coordinates(owner, self.geometry, coord),
                                            self.geometry))
        else:
            raise SelectionError(f"{owner}: neuron() takes a rank or {len(self.geometry)} "
                                 f"coordinates, got {len(coord)} values")
        return self[tuple(int(c) for c in np.unravel_index(rank, self.geometry))]

    def sum(self, target: str) -> np.ndarray:
        """The weighted sum of ``target`` (rate-coded) or ``g_target`` (spiking): a flat
        array of one value per neuron, as ANNarchy returns it."""
        if not isinstance(target, str):
            raise NetworkError(f"sum() takes a target name such as 'exc', got {target!r}")
        if self.spiking:
            values = self._arrays.get(f"g_{target}")
        else:
            values = self._internals.get(f"sum_{target}")
        if values is None:
            warnings.warn(f"sum(): population {self.name!r} receives no input on target "
                          f"{target!r} (its targets: {', '.join(self.ir.targets) or 'none'}); "
                          "returning zeros", stacklevel=2)
            return np.zeros(self.size)
        return np.array(values, dtype=float)

    def _receive_unread_target(self, target: str) -> bool:
        """Give this rate-coded population a weighted sum for ``target`` although
        its model never reads ``sum(target)``, as ANNarchy does (it adds the target
        to the population): projections fill it, ``pop.sum(target)`` reads it.
        False for populations whose update is not generated from their model."""
        if self.spiking or self._custom_code() is not None:
            return False
        unread = self.__dict__.setdefault("_unread_sums", set())
        unread.add(target)
        if target not in self.ir.targets:  # (a sum(target) that sympy simplified away is in)
            self.ir = dataclasses.replace(self.ir,
                                          targets=tuple(sorted(self.ir.targets + (target,))))
            self._internals[f"sum_{target}"] = np.zeros(self.size,
                                                        dtype=self.network._float_dtype)
        return True
