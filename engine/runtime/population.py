"""Populations of neurons and views on them.

A :class:`Population` owns one numpy array per attribute of its neuron model
(flat, in rank order; population-wide values are 1-element arrays). Attribute
access reads and writes those arrays directly, before and after compile, so
state lives in exactly one place: ``pop.v`` is a view shaped like the
geometry, ``pop.v[:3] = 1`` writes into the state, ``pop.tau = 20`` fills.
"""

from __future__ import annotations

import difflib

import numpy as np

from engine.errors import AttributeAssignmentError, NetworkError
from engine.language.models import Neuron
from engine.language.random_draws import RandomDistribution
from engine.runtime.active import active_network, network_class
from engine.runtime.values import NUMPY_DTYPES, coerce_values, sample_init

__all__ = ["Population", "PopulationView"]



def _as_neuron(neuron) -> Neuron:
    if isinstance(neuron, type) and issubclass(neuron, Neuron):
        neuron = neuron()
    if not isinstance(neuron, Neuron):
        raise NetworkError(
            f"expected a Neuron (instance or built-in class), got {type(neuron).__name__}: "
            "define one with Neuron(parameters=..., equations=...)"
        )
    return neuron


def _geometry(geometry) -> tuple[int, ...]:
    if isinstance(geometry, (int, np.integer)):
        geometry = (int(geometry),)
    try:
        geometry = tuple(int(g) for g in geometry)
    except (TypeError, ValueError):
        raise NetworkError(
            f"geometry must be an int or a tuple of ints, got {geometry!r}"
        ) from None
    if not geometry or any(g <= 0 for g in geometry):
        raise NetworkError(f"geometry must contain positive sizes, got {geometry!r}")
    return geometry


def _python_names(cls) -> frozenset:
    """The public Python attributes of populations of class ``cls`` and of
    views (model attributes may not take them, see _check_attribute_names)."""
    public = {n for n in dir(cls) if not n.startswith("_")}
    public |= {n for n in dir(PopulationView) if not n.startswith("_")}
    return frozenset(public | cls._own_names)


def _check_attribute_names(ir, kind: str, short: str, taken) -> None:
    """Refuse a model attribute named like a Python attribute of the object
    that will hold it (``size``, ``name``, ``get``...): ``pop.size`` would
    read the population's own, silently, and ``pop.size = 2`` overwrite it.
    Generated code has no such problem (its internal names cannot meet a
    model's); only Python attribute access has."""
    for spec in ir.variables:
        if spec.name in taken:
            raise NetworkError(
                f"{ir.kind} model {ir.name!r}: its {spec.kind} '{spec.name}' has the name of "
                f"an attribute every {kind} has ({short}.{spec.name}), so {short}.{spec.name} "
                f"could not read or set it; rename it in the model, e.g. '{spec.name}_'")


class _AttributeAccess:
    """Shared attribute logic of populations and views."""

    _population: "Population"

    def _owner(self) -> str:
        return f"population {self._population.name!r}"

    def _unknown(self, name):
        names = self._population.attributes
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return AttributeError(
            f"{self._owner()} has no attribute '{name}'{hint}; "
            f"its attributes are: {', '.join(names)}"
        )


class Population(_AttributeAccess):
    """A group of identical neurons.

    Created by :meth:`Network.create` (or, ANNarchy-4 style, directly: it then
    joins the active network).

    Parameters
    ----------
    geometry : int or tuple of int
        Number of neurons, or a shape (``(10, 10)``).
    neuron : Neuron or Neuron subclass
        The model.
    name : str, optional
        Unique name in the network (default ``pop0``, ``pop1``...).
    stop_condition : str, optional
        Condition for :meth:`Network.simulate_until`, e.g. ``"r > 1.0 : any"``.
    """

    _frozen_after_init = False
    #: attributes a population sets on itself (besides its class's): a model
    #: attribute of the same name could not be read as ``pop.<name>``
    _own_names = frozenset({"geometry", "size", "neuron_type", "ir", "network", "id", "name",
                            "spiking", "stop_condition", "stop_any", "population", "ranks"})

    def __init__(self, geometry, neuron, name=None, stop_condition=None, *, network=None):
        net = network if network is not None else active_network()
        if network is None and net._compiled:
            # Built outside net.create() while the active network is compiled
            # (ANNarchy 5: net2.create(PoissonPopulation(...))): wait in a
            # private network until a net.create() adopts it.
            net = network_class()(dt=net.dt, seed=net.seed)
        self.geometry = _geometry(geometry)
        self.size = int(np.prod(self.geometry))
        self.neuron_type = _as_neuron(neuron)
        self.ir = self.neuron_type.ir
        if self.ir.kind != "neuron":
            raise NetworkError(f"{self.ir.name!r} is a synapse model, not a neuron")
        _check_attribute_names(self.ir, "population" if type(self) is Population
                               else type(self).__name__, "pop", _python_names(type(self)))
        self._population = self
        self.network = net
        self.id = net._register_population(self, name)
        self.name = name if name is not None else f"pop{self.id}"
        self.spiking = self.ir.spiking
        self._stop_condition_text = stop_condition
        self.stop_condition = None
        self.stop_any = True
        if stop_condition is not None:
            self.stop_condition, self.stop_any = net._parse_stop_condition(self, stop_condition)
        seq = np.random.SeedSequence([net.seed, 0, self.id])
        self._init_rng = np.random.default_rng(seq)
        self._arrays: dict[str, np.ndarray] = {}
        self._internals: dict[str, np.ndarray] = {}
        self._allocate()
        self._frozen_after_init = True

    # -- construction ------------------------------------------------------
    def _allocate(self):
        fdtype = self.network._float_dtype
        known: dict = {}
        for spec in self.ir.variables:
            shape = 1 if spec.locality == "global" else self.size
            dtype = NUMPY_DTYPES.get(spec.dtype, fdtype)
            value = sample_init(spec.init, shape, self._init_rng, known)
            arr = np.empty(shape, dtype=dtype)
            arr[:] = value
            self._arrays[spec.name] = arr
            known[spec.name] = arr if shape > 1 else arr[0]
        for tgt in self.ir.targets:
            self._internals[f"sum_{tgt}"] = np.zeros(self.size, dtype=fdtype)
        from engine.codegen.rng import seed_state

        self._internals["rng"] = seed_state(np.random.SeedSequence([self.network.seed, 1, self.id]))
        if self.spiking:
            ref = self.ir.refractory
            ref_value = 0.0
            if ref is not None and not ref.free_symbols:
                ref_value = float(ref)
            self._internals["refr"] = np.zeros(self.size, dtype=np.int32)
            self._internals["refractory"] = np.full(self.size, ref_value, dtype=fdtype)
            self._internals["last_spike"] = np.full(self.size, -(10**12), dtype=np.int64)
            self._internals["spk"] = np.zeros(self.size, dtype=np.int32)
            self._internals["nspk"] = np.zeros(1, dtype=np.int64)
            # spike flags, padded to whole 8-byte words (scanned as uint64)
            self._internals["flag"] = np.zeros(-(-self.size // 8) * 8, dtype=np.uint8)

    def _custom_code(self):
        """Hand-written loop code (:class:`engine.codegen.network_code.CustomCode`)
        of a specific population; ``None``: generated from the neuron model."""
        return None

    def _check_ready(self):
        """Raise if this population cannot be used in its network (connected,
        monitored, compiled): see ``_SpecificPopulation._check_ready``."""

    def _move_to(self, net, name=None) -> "Population":
        """Join ``net`` (``net.create(population=PoissonPopulation(...))``).

        A population built outside ``net.create`` joined the active network;
        it leaves it for ``net``, takes a rank there and draws its initial
        values again from ``net``'s seed (values set in between are lost).
        """
        old = self.network
        if old is net:
            if name is not None and name != self.name:
                raise NetworkError(f"population {self.name!r} is already in this network")
            return self
        if old._compiled:
            raise NetworkError(f"population {self.name!r} belongs to a compiled network")
        if any(j.pre_population is self or j.post_population is self
               for j in old._projections) or any(
                getattr(m, "population", None) is self for m in old._monitors):
            raise NetworkError(f"population {self.name!r} is already connected or monitored "
                               "in another network: create it with net.create(...) first")
        default_name = self.name == f"pop{self.id}"
        old._populations.remove(self)
        for k, p in enumerate(old._populations):
            p.id = k
        object.__setattr__(self, "network", net)
        self.id = net._register_population(
            self, name if name is not None else (None if default_name else self.name))
        if name is not None or default_name:
            self.name = name if name is not None else f"pop{self.id}"
        self._init_rng = np.random.default_rng(np.random.SeedSequence([net.seed, 0, self.id]))
        self._arrays, self._internals = {}, {}
        self._allocate()
        return self

    @property
    def refractory_from_array(self) -> bool:
        """True when the refractory period is the per-neuron ``refractory`` array."""
        ref = self.ir.refractory
        return ref is None or not ref.free_symbols

    # -- introspection -----------------------------------------------------
    @property
    def attributes(self) -> list[str]:
        out = list(self._arrays)
        if self.spiking:
            out.append("refractory")
        return out

    @property
    def parameters(self) -> list[str]:
        return [v.name for v in self.ir.parameters]

    @property
    def variables(self) -> list[str]:
        return [v.name for v in self.ir.state_variables]

    @property
    def ranks(self) -> np.ndarray:
        return np.arange(self.size)

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return (f"<Population {self.name!r}: {self.size} {self.ir.name} neurons, "
                f"geometry {self.geometry}>")

    # -- attribute access --------------------------------------------------
    def _spec(self, name):
        return self.ir.variable(name)

    def __getattr__(self, name):
        # only called when normal lookup fails
        if name.startswith("_"):
            raise AttributeError(name)
        arrays = self.__dict__.get("_arrays")
        if arrays is None:
            raise AttributeError(name)
        if name in arrays:
            arr = arrays[name]
            if self.ir.variable(name).locality == "global":
                return arr[0].item()
            return arr.reshape(self.geometry) if len(self.geometry) > 1 else arr
        if name == "refractory" and self.spiking:
            return self._refractory_view()
        raise self._unknown(name)

    def _refractory_view(self):
        if not self.refractory_from_array:
            return None
        arr = self._internals["refractory"]
        return arr.reshape(self.geometry) if len(self.geometry) > 1 else arr

    def __setattr__(self, name, value):
        if not self._frozen_after_init or name.startswith("_") or name in type(self).__dict__ \
                or name in self.__dict__:
            object.__setattr__(self, name, value)
            return
        self._set(name, value, slice(None))

    def _set(self, name, value, index):
        """Write ``value`` into attribute ``name`` at ``index`` (ranks or slice)."""
        if name == "refractory" and self.spiking:
            if not self.refractory_from_array:
                raise AttributeAssignmentError(
                    f"{self._owner()}: the refractory period is given by the model "
                    f"({self.ir.refractory}); set the parameter(s) it uses instead"
                )
            arr = self._internals["refractory"]
        elif name in self._arrays:
            arr = self._arrays[name]
        else:
            raise self._unknown(name)
        if name != "refractory" and self.ir.variable(name).locality == "global":
            if not isinstance(index, slice):
                raise AttributeAssignmentError(
                    f"{self._owner()}: '{name}' is one value for the whole population; "
                    "set it on the population, not on a view"
                )
            if isinstance(value, RandomDistribution) or np.ndim(value) != 0:
                raise AttributeAssignmentError(
                    f"{self._owner()}: '{name}' is one value for the whole population "
                    "(flag 'population'); assign a single number"
                )
            vals = coerce_values(self._owner(), name, value, 1, (1,), arr.dtype.type,
                                 self._init_rng)
            self._check_refractory(name, vals)
            arr[0] = vals[0]
            return
        n = self.size if isinstance(index, slice) else len(index)
        geom = self.geometry if isinstance(index, slice) else (n,)
        vals = coerce_values(self._owner(), name, value, n, geom, arr.dtype.type, self._init_rng)
        self._check_refractory(name, vals)
        arr[index] = vals

    def _check_refractory(self, name, vals):
        """A refractory period (``pop.refractory``, or the parameter the model's
        refractory period is) is a finite number of ms, >= 0."""
        ref = self.ir.refractory
        if not (name == "refractory" or (ref is not None and getattr(ref, "name", None) == name)):
            return
        vals = np.asarray(vals, dtype=float)
        if (vals < 0).any() or not np.isfinite(vals).all():
            raise AttributeAssignmentError(
                f"{self._owner()}: refractory periods are finite numbers of ms, >= 0; got "
                f"{float(vals[~((vals >= 0) & np.isfinite(vals))][0])!r} for '{name}'")

    def get(self, name):
        """Value of an attribute (same as ``getattr(pop, name)``)."""
        return getattr(self, name)

    def set(self, values: dict):
        """Set several attributes at once: ``pop.set({'v': -65.0, 'u': -13.0})``."""
        for k, v in values.items():
            self._set(k, v, slice(None))

    # -- views -------------------------------------------------------------
    def __getitem__(self, item) -> "PopulationView":
        ranks = np.arange(self.size).reshape(self.geometry)
        try:
            if isinstance(item, tuple) and len(item) == len(self.geometry) and all(
                isinstance(i, (int, np.integer)) for i in item
            ):
                sel = np.array([ranks[item]])
            else:
                sel = np.atleast_1d(ranks[item] if len(self.geometry) > 1 or not isinstance(
                    item, (list, np.ndarray)) else ranks[np.asarray(item)]).ravel()
        except (IndexError, TypeError, ValueError) as exc:
            raise IndexError(f"{self._owner()}: invalid selection {item!r}: {exc}") from None
        return PopulationView(self, sel)

    def rank_from_coordinates(self, coord) -> int:
        return int(np.ravel_multi_index(tuple(coord), self.geometry))

    def coordinates_from_rank(self, rank) -> tuple:
        return tuple(int(c) for c in np.unravel_index(int(rank), self.geometry))

    # -- state snapshots (reset) ------------------------------------------
    def _snapshot(self) -> dict:
        snap = {k: v.copy() for k, v in self._arrays.items()}
        snap.update({"__" + k: v.copy() for k, v in self._internals.items()})
        return snap

    def _restore(self, snap: dict):
        for k, v in self._arrays.items():
            v[...] = snap[k]
        for k, v in self._internals.items():
            v[...] = snap["__" + k]


class PopulationView(_AttributeAccess):
    """A subset of a population's neurons (``pop[10:20]``, ``pop[[1, 5]]``).

    Reading an attribute returns a copy of the selected values; assigning
    writes into the population.
    """

    def __init__(self, population: Population, ranks):
        object.__setattr__(self, "_population", population)
        ranks = np.asarray(ranks, dtype=np.int64)
        if ranks.size and (ranks.min() < 0 or ranks.max() >= population.size):
            raise IndexError(
                f"population {population.name!r} has {population.size} neurons; "
                f"ranks must be in [0, {population.size - 1}]"
            )
        object.__setattr__(self, "ranks", ranks)

    @property
    def population(self) -> Population:
        return self._population

    @property
    def size(self) -> int:
        return int(self.ranks.size)

    def __len__(self):
        return self.size

    @property
    def geometry(self):
        return (self.size,)

    def __repr__(self):
        return f"<PopulationView of {self._population.name!r}: {self.size} neurons>"

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        pop = self._population
        if name in pop._arrays:
            if pop.ir.variable(name).locality == "global":
                return pop._arrays[name][0].item()
            return pop._arrays[name][self.ranks].copy()
        if name == "refractory" and pop.spiking:
            return pop._internals["refractory"][self.ranks].copy()
        raise self._unknown(name)

    def __setattr__(self, name, value):
        if name in ("ranks", "_population"):
            object.__setattr__(self, name, value)
            return
        self._population._set(name, value, self.ranks)

    def get(self, name):
        return getattr(self, name)

    def set(self, values: dict):
        for k, v in values.items():
            setattr(self, k, v)

    def __add__(self, other: "PopulationView") -> "PopulationView":
        if not isinstance(other, PopulationView) or other._population is not self._population:
            raise NetworkError("only views of the same population can be added")
        return PopulationView(self._population, np.concatenate([self.ranks, other.ranks]))

    def __getitem__(self, item):
        return PopulationView(self._population, np.atleast_1d(self.ranks[item]))
