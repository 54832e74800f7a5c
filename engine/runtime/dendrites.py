"""Views of a projection's synapses: dendrites and dense matrices.

A :class:`Dendrite` is the synapses of one post-synaptic neuron (ANNarchy's
``proj.dendrite(i)`` / ``proj[i]``); :class:`SynapseViews` gives a
projection its dense views (``connectivity_matrix``, ``receptive_fields``)
and dendrite access. Both read the projection's storage through
``_dendrite_index``/``_pre_of_synapses``/``_post_of_synapses`` and never
change its layout (structural plasticity does, in
:mod:`engine.runtime.structural`).
"""

from __future__ import annotations

import difflib

import numpy as np

from engine.errors import AttributeAssignmentError, NetworkError, SelectionError
from engine.runtime.selection import checked_rank

__all__ = ["Dendrite", "SynapseViews"]


class SynapseViews:
    """Dendrite access and dense matrices of a projection (a mixin of ``Projection``)."""

    def dendrite(self, post) -> "Dendrite":
        """The synapses of one post-synaptic neuron (rank, or coordinates)."""
        self._require_connected()
        if isinstance(post, tuple):
            post = self.post_population.rank_from_coordinates(post)
        pop = self.post_population
        post = checked_rank(f"projection {self.name!r}: its post-synaptic population "
                            f"{pop.name!r} ({pop.size} neurons)", pop.size, post)
        if post not in set(self.post_ranks):
            raise NetworkError(f"post-synaptic neuron {post} receives no synapse from "
                               f"projection {self.name!r}")
        return Dendrite(self, post)

    def __getitem__(self, post) -> "Dendrite":
        return self.dendrite(post)

    def __iter__(self):
        for r in self.post_ranks:
            yield Dendrite(self, r)

    @property
    def dendrites(self):
        return list(self)

    def connectivity_matrix(self, fill=0.0) -> np.ndarray:
        """Dense (post, pre) matrix of the weights (``fill`` where no synapse),
        over the whole populations when the projection joins views (ANNarchy)."""
        return self._dense("w", fill)

    def _dense(self, name: str, fill=0.0) -> np.ndarray:
        """Dense (post, pre) matrix of synaptic variable ``name``."""
        self._require_connected()
        if name not in self._arrays:
            close = difflib.get_close_matches(name, list(self._arrays), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise NetworkError(f"projection {self.name!r} has no synaptic variable "
                               f"'{name}'{hint}")
        m = np.full((self.post_population.size, self.pre_population.size), fill, dtype=float)
        arr = self._arrays[name]
        post = self._post_of_synapses()
        locality = self.ir.variable(name).locality
        values = arr[:1] if locality == "global" else arr[post] if locality == "semiglobal" \
            else arr
        m[post, self._pre_of_synapses()] = values
        return m

    def receptive_fields(self, variable: str = "w", in_post_geometry: bool = True) -> np.ndarray:
        """All receptive fields in one 2-D array, as ANNarchy draws them.

        Each post-synaptic neuron's ``variable`` over the pre-synaptic
        population (2-D geometry ``(h, w)``) is an ``h x w`` tile, 0 where it
        has no synapse; tiles are laid out as the post population's 2-D
        geometry (or, with ``in_post_geometry=False``, rank by rank in rows of
        ``floor(sqrt(post.size))``, ``ceil(sqrt(post.size))`` rows). As in
        ANNarchy the array starts with one row of zeros: its shape is
        ``(1 + rows * h, columns * w)``. (ANNarchy leaves the tile of a
        neuron that lacks some synapses all zeros; here it holds its values.)

        Raises
        ------
        NetworkError
            If the pre-synaptic population (or, with ``in_post_geometry``,
            the post-synaptic one) is not 2-D.
        """
        pre, post = self.pre_population, self.post_population
        who = f"projection {self.name!r}: receptive_fields()"
        if len(pre.geometry) != 2:
            raise NetworkError(f"{who} needs a 2-D pre-synaptic population; "
                               f"{pre.name!r} has geometry {pre.geometry}")
        if in_post_geometry:
            if len(post.geometry) != 2:
                raise NetworkError(
                    f"{who} lays the fields out as the post-synaptic population, whose "
                    f"geometry {post.geometry} is not 2-D: pass in_post_geometry=False for "
                    "a square grid")
            rows, cols = post.geometry
        else:
            cols = int(np.floor(np.sqrt(post.size)))
            rows = int(np.ceil(np.sqrt(post.size)))
        h, w = pre.geometry
        fields = np.zeros((rows * cols, h * w))
        n = min(post.size, rows * cols)
        fields[:n] = self._dense(variable, 0.0)[:n]
        tiles = fields.reshape(rows, cols, h, w).transpose(0, 2, 1, 3).reshape(rows * h, cols * w)
        return np.concatenate([np.zeros((1, cols * w)), tiles])


class Dendrite:
    """The synapses of one post-synaptic neuron of a projection."""

    def __init__(self, proj, post_rank: int):
        object.__setattr__(self, "proj", proj)
        object.__setattr__(self, "post_rank", post_rank)

    def _slice(self):
        order, row_ptr, _ = self.proj._dendrite_index()
        return order[row_ptr[self.post_rank]:row_ptr[self.post_rank + 1]]

    @property
    def pre_ranks(self) -> list[int]:
        return self.proj._pre_of_synapses()[self._slice()].tolist()

    @property
    def size(self) -> int:
        return int(self._slice().size)

    def __len__(self):
        return self.size

    def __getattr__(self, name):
        proj = self.proj
        if name in proj._arrays:
            spec = proj.ir.variable(name)
            arr = proj._arrays[name]
            if spec.locality == "global":
                return arr[0].item()
            if spec.locality == "semiglobal":
                return arr[self.post_rank].item()
            return arr[self._slice()].copy()
        raise AttributeError(f"dendrite {self.post_rank} of projection {proj.name!r} "
                             f"has no attribute '{name}'")

    def __setattr__(self, name, value):
        self.proj._set(name, value, post=self.post_rank)

    # -- ANNarchy's accessors ------------------------------------------------
    def get(self, name: str):
        """``dendrite.get('w')``: the attribute ``name`` (as ``dendrite.w``)."""
        return getattr(self, name)

    def set(self, values: dict) -> None:
        """``dendrite.set({'w': 0.5, 'tau': 10.0})``: each attribute in turn."""
        if not isinstance(values, dict):
            raise NetworkError(f"Dendrite.set() takes a dict of attribute values, "
                               f"got {type(values).__name__}")
        for name, value in values.items():
            setattr(self, name, value)

    def synapse(self, pre) -> "IndividualSynapse":
        """The synapse from pre-synaptic neuron ``pre`` (a rank or coordinates)."""
        pop = self.proj.pre_population
        if isinstance(pre, tuple):
            pre = pop.rank_from_coordinates(pre)
        ranks = self.pre_ranks
        if pre not in ranks:
            raise SelectionError(f"dendrite {self.post_rank} of projection {self.proj.name!r} "
                                 f"has no synapse from pre-synaptic neuron {pre!r} (its "
                                 f"pre-synaptic ranks: {ranks[:10]}{'...' if len(ranks) > 10 else ''})")
        return IndividualSynapse(self, ranks.index(pre))

    def __getitem__(self, pre) -> "IndividualSynapse":
        """``dendrite[pre_rank]``: the synapse from that neuron (ANNarchy)."""
        return self.synapse(pre)

    # -- structural plasticity (engine.runtime.structural) ----------------------
    def create_synapse(self, rank, w=0.0, delay=0):
        """Add the synapse from pre-synaptic neuron ``rank`` (weight ``w``, delay
        in ms; other variables at their initial values). Needs structural plasticity."""
        from engine.runtime import structural

        structural.create_synapses(self, [rank], w, None if delay == 0 else delay)

    def create_synapses(self, ranks, weights=None, delays=None):
        """Add the synapses from the pre-synaptic neurons ``ranks``."""
        from engine.runtime import structural

        structural.create_synapses(self, ranks, 0.0 if weights is None else weights, delays)

    def prune_synapse(self, rank):
        """Remove the synapse from pre-synaptic neuron ``rank``."""
        from engine.runtime import structural

        structural.prune_synapses(self, [rank])

    def prune_synapses(self, ranks):
        """Remove the synapses from the pre-synaptic neurons ``ranks``."""
        from engine.runtime import structural

        structural.prune_synapses(self, ranks)

    def __repr__(self):
        return f"<Dendrite {self.post_rank} of {self.proj.name!r}: {self.size} synapses>"


class IndividualSynapse:
    """One synapse of a dendrite (``proj.dendrite(post)[pre]``): reads and writes
    its attributes as numbers (ANNarchy's IndividualSynapse)."""

    def __init__(self, dendrite: Dendrite, position: int):
        object.__setattr__(self, "_dendrite", dendrite)
        object.__setattr__(self, "_position", position)

    @property
    def pre_rank(self) -> int:
        return self._dendrite.pre_ranks[self._position]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._dendrite, name)
        return value[self._position].item() if isinstance(value, np.ndarray) else value

    def __setattr__(self, name, value):
        dendrite = self._dendrite
        current = getattr(dendrite, name)
        if not isinstance(current, np.ndarray):  # global or per-dendrite: one value anyway
            setattr(dendrite, name, value)
            return
        if np.ndim(value) != 0:
            raise AttributeAssignmentError(f"synapse {self.pre_rank} -> {dendrite.post_rank} of "
                                           f"projection {dendrite.proj.name!r}: '{name}' takes "
                                           f"one number, got {value!r:.40}")
        current[self._position] = value
        setattr(dendrite, name, current)

    def __repr__(self):
        return (f"<synapse {self.pre_rank} -> {self._dendrite.post_rank} of "
                f"{self._dendrite.proj.name!r}>")
