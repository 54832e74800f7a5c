"""Populations of neurons and views on them.

A :class:`Population` owns one numpy array per attribute of its neuron model
(flat, in rank order; population-wide values are 1-element arrays). Attribute
access reads and writes those arrays directly, before and after compile, so
state lives in exactly one place: ``pop.v`` is a view shaped like the
geometry, ``pop.v[:3] = 1`` writes into the state, ``pop.tau = 20`` fills.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers

import numpy as np

from engine.errors import AttributeAssignmentError, NetworkError, SelectionError
from engine.language.models import Neuron
from engine.language.random_draws import RandomDistribution
from engine.runtime.active import active_network, network_class
from engine.runtime.draw_parameters import draw_problem, parametric_draws
from engine.runtime.firing_rate import FiringRate
from engine.runtime.model_functions import model_function
from engine.runtime.population_annarchy import NeuronAccess
from engine.runtime.population_memory import check_memory, memory_error
from engine.runtime.selection import checked_coordinates, checked_rank, select
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


def _whole(g) -> bool:
    """A size: an int, or a float holding a whole number (ANNarchy takes
    ``1e3``); not a bool, a text or a fraction that int() would truncate."""
    if isinstance(g, (bool, np.bool_)):
        return False
    if isinstance(g, numbers.Integral):
        return True
    return isinstance(g, numbers.Real) and math.isfinite(g) and float(g).is_integer()


def _geometry(geometry) -> tuple[int, ...]:
    given = geometry
    if isinstance(geometry, numbers.Real):
        geometry = (geometry,)
    # not a text: '10' would be the shape (1, 0)
    if isinstance(geometry, (str, bytes)) or not hasattr(geometry, "__iter__"):
        geometry = None
    else:
        geometry = tuple(geometry)
        if not all(_whole(g) for g in geometry):
            geometry = None
    if geometry is None:
        raise NetworkError(
            f"geometry must be an int or a tuple of ints (whole numbers), got {given!r:.60}"
        )
    geometry = tuple(int(g) for g in geometry)
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


class Population(FiringRate, NeuronAccess, _AttributeAccess):
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
            compiled, net = net, network_class()(dt=net.dt, seed=net.seed)
            compiled._keep_waiting(self, net)
        self.geometry = _geometry(geometry)
        self.size = math.prod(self.geometry)  # Python ints: np.prod would wrap
        self.neuron_type = _as_neuron(neuron)
        self.ir = self.neuron_type.ir
        if self.ir.kind != "neuron":
            raise NetworkError(f"{self.ir.name!r} is a synapse model, not a neuron")
        check_memory(self.ir, self.size, net._float_dtype, name)
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
        try:
            self._allocate()
        except MemoryError:
            # the estimate fitted but the memory went meanwhile: leave the network as it was
            if self in net._populations and net._populations[-1] is self:
                net._populations.pop()
            raise memory_error(self.ir, self.size, net._float_dtype, name,
                                failed=True) from None
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
            if ref is not None and not ref.free_symbols:  # a number, or a draw per neuron
                ref_value = sample_init(ref, self.size, self._init_rng, {})
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

    def _layout_custom(self):
        """The population's hand-written code as codegen receives it: its own
        (:meth:`_custom_code`) plus the sliding-window firing rate."""
        custom = self._custom_code()
        rate = self._rate_code()
        if not rate:
            return custom
        if custom is None:
            from engine.codegen.network_code import CustomCode

            return CustomCode(code="", replace=False, after=rate)
        return dataclasses.replace(custom, after=custom.after + rate)

    def clear(self) -> None:
        """Forget the spikes emitted so far (last spike times, refractory
        periods, spikes waiting for their delay, the firing-rate window) but
        keep every variable, as ANNarchy's ``Population.clear()``: for a new
        trial without a full reset. Does nothing for rate-coded neurons."""
        if not self.spiking:
            return
        it = self._internals
        it["last_spike"][:] = -(10**12)
        it["refr"][:] = 0
        it["flag"][:] = 0
        it["nspk"][:] = 0
        for name in ("hist_n", "fr_count"):
            if name in it:
                it[name][:] = 0
        if "r" in self._arrays and "fr_window" in it:
            self._arrays["r"][:] = 0.0

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
        function = model_function(self.ir, name, f"population {self.name!r}")
        if function is not None:
            return function
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
                    f"{self._owner()}: '{name}' is one value for the whole population, so "
                    "a view cannot set it; set it on the population, or "
                    + self._local_fix(name))
            if isinstance(value, RandomDistribution) or np.ndim(value) != 0:
                raise AttributeAssignmentError(
                    f"{self._owner()}: '{name}' is one value for the whole population; "
                    "assign a single number, or " + self._local_fix(name))
            vals = coerce_values(self._owner(), name, value, 1, (1,), arr.dtype.type,
                                 self._init_rng)
            self._check_refractory(name, vals)
            self._check_draw_values(name, vals[0])
            arr[0] = vals[0]
            return
        n = self.size if isinstance(index, slice) else len(index)
        geom = self.geometry if isinstance(index, slice) else (n,)
        vals = coerce_values(self._owner(), name, value, n, geom, arr.dtype.type, self._init_rng)
        self._check_refractory(name, vals)
        if name != "refractory" and self._in_draw(name):
            new = arr.astype(float)
            new[index] = vals
            self._check_draw_values(name, new)
        arr[index] = vals

    def _in_draw(self, name) -> bool:
        return any(name in names for *_, names in self._parametric_draws())

    def _check_draw_values(self, name, values) -> None:
        """Refuse new values of parameter ``name`` that a draw of the model
        cannot use (``Normal(0, s)``: ``s`` >= 0), before they are stored."""
        if not self._in_draw(name):
            return
        problem = self._draw_problem(name, values)
        if problem:
            raise AttributeAssignmentError(f"{self._owner()}: '{name}' cannot be set: {problem}")

    # -- random draws whose parameters are attributes -------------------------------
    def _parametric_draws(self) -> list:
        """``(distribution class, draw, lambdified parameters, names)`` of the
        draws in the model whose parameters are expressions of its parameters
        and of constants (``Normal(0, s)``): their values are checked
        (_check_draw_parameters). Draws on variables are checked while running
        (an invalid one gives NaN, engine.codegen.rng)."""
        cached = self.__dict__.get("_draw_cache")
        if cached is not None and cached[0] is self.ir:
            return cached[1]
        ir = self.ir
        exprs = [e.rhs for e in ir.equations + ir.reset]
        exprs += [x for x in (ir.spike, ir.refractory) if x is not None]
        out = parametric_draws(ir, exprs)
        object.__setattr__(self, "_draw_cache", (ir, out))
        return out

    def _draw_problem(self, changed=None, values=None) -> str:
        """What is wrong with the parameters of the model's draws ("" if
        nothing); ``changed``: only the draws that use this attribute, with
        ``values`` (its new values) in place of the stored ones."""
        def value_of(n, names):
            if n == changed:
                return values
            if n in self._arrays:
                arr = self._arrays[n]
                return arr[0] if self.ir.variable(n).locality == "global" else arr
            return self.network._constants[n].value

        return draw_problem(self._parametric_draws(), self.ir.name, value_of,
                            lambda i, names: f" (neuron {i})", changed)

    def _check_draw_parameters(self) -> None:
        """Refuse (at compile() and before each run) parameter values that make
        a draw inside the equations invalid: ``Normal(0, s)`` with ``s < 0``,
        ``Uniform(a, b)`` with ``a > b``, as the same draws with numbers are
        refused when the model is parsed.

        Raises
        ------
        NetworkError
            The draw, the values, the neuron, and what a valid value is.
        """
        problem = self._draw_problem()
        if problem:
            raise NetworkError(f"{self._owner()}: {problem}")

    def _local_fix(self, name) -> str:
        """How to give each neuron its own value of global attribute ``name``."""
        spec = self.ir.variable(name)
        init = spec.init
        shown = repr(float(init)) if getattr(init, "is_number", False) else "..."
        kind = "Parameter" if spec.kind == "parameter" else "Variable"
        return (f"to give each neuron its own value declare it local in the model: "
                f"{name} = ann.{kind}({shown}, locality='local') (ann.{kind}(x) is "
                f"population-wide, as in ANNarchy 5), or in text remove the flag "
                f"'population' of '{name}'")

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
        """A view on the neurons ``item`` selects (engine.runtime.selection):
        out-of-range or non-integer indices raise SelectionError (an
        IndexError), never a clipped selection."""
        return PopulationView(self, select(self._selection_owner(), self.geometry, item))

    def _selection_owner(self) -> str:
        return f"population {self.name!r} ({self.size} neurons, geometry {self.geometry})" \
            if len(self.geometry) > 1 else f"population {self.name!r} ({self.size} neurons)"

    def rank_from_coordinates(self, coord) -> int:
        coord = checked_coordinates(self._selection_owner(), self.geometry, coord)
        return int(np.ravel_multi_index(coord, self.geometry))

    def coordinates_from_rank(self, rank) -> tuple:
        rank = checked_rank(self._selection_owner(), self.size, rank)
        return tuple(int(c) for c in np.unravel_index(rank, self.geometry))

    # -- state snapshots (reset) ------------------------------------------
    #: internals that are configuration, not state: net.reset() keeps them
    _config_kept = ("fr_window", "fr_scale")

    def _snapshot(self) -> dict:
        snap = {k: v.copy() for k, v in self._arrays.items()}
        snap.update({"__" + k: v.copy() for k, v in self._internals.items()
                     if k not in Population._config_kept})
        return snap

    def _restore(self, snap: dict):
        for k, v in self._arrays.items():
            v[...] = snap[k]
        for k, v in self._internals.items():
            if "__" + k in snap:
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
            bad = ranks[(ranks < 0) | (ranks >= population.size)][0]
            raise SelectionError(f"{population._selection_owner()}: rank {int(bad)} is out of "
                                 f"range; valid ranks: 0 to {population.size - 1}")
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

    @property
    def rank(self) -> int:
        """The rank of the one neuron of this view (ANNarchy's ``IndividualNeuron.rank``)."""
        if self.size != 1:
            raise NetworkError(f"{self!r} holds {self.size} neurons: 'rank' is the rank of "
                               f"a single neuron (pop.neuron(i), pop[i]); use 'ranks'")
        return int(self.ranks[0])

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
        """The neurons at positions ``item`` of this view (checked as
        ``Population.__getitem__``)."""
        who = (f"view of population {self._population.name!r} ({self.size} neurons of "
               f"{self._population.size})")
        return PopulationView(self._population, self.ranks[select(who, (self.size,), item)])
