"""Projections: synapses from one population (or view) to another.

Storage (DESIGN.md): compressed sparse rows with int32 indices. Spiking
projections store rows by pre-synaptic neuron (a spike walks its row);
rate-coded ones by post-synaptic neuron (a weighted sum walks its row).
Row pointers span the whole pre (or post) *population*, so a projection from
a view has empty rows for the neurons outside it and generated code needs no
rank translation. Per-synapse attributes (``w``...) are arrays aligned with
the column array.

Delays (ms, rounded to whole steps, at least one step as in ANNarchy): one
uniform delay, or one per synapse.
"""

from __future__ import annotations

import dataclasses
import difflib

import numpy as np

from engine.errors import AttributeAssignmentError, NetworkError
from engine.language.models import Synapse
from engine.language.random_draws import RandomDistribution
from engine.runtime.active import active_network
from engine.runtime.explicit_connectivity import ExplicitConnectivity
from engine.runtime.connector_methods import ConnectorMethods
from engine.runtime.model_functions import model_function
from engine.runtime.projection_checks import ProjectionChecks, net_method
from engine.runtime.projection_delays import set_delays
from engine.runtime.dendrites import Dendrite, SynapseViews
from engine.runtime.population import Population, PopulationView, _check_attribute_names
from engine.runtime.projection_draws import SynapseDrawChecks
from engine.runtime.projection_files import ProjectionIO
from engine.runtime.values import NUMPY_DTYPES, coerce_values, sample_init

__all__ = ["Projection", "Dendrite", "default_synapse"]

_DEFAULT_SPIKING = None
_DEFAULT_RATE = None


def default_synapse(spiking: bool) -> Synapse:
    """ANNarchy's defaults: ``pre_spike: g_target += w`` or ``psp = w * pre.r``."""
    global _DEFAULT_SPIKING, _DEFAULT_RATE
    if spiking:
        if _DEFAULT_SPIKING is None:
            _DEFAULT_SPIKING = Synapse(pre_spike="g_target += w", name="DefaultSpikingSynapse")
        return _DEFAULT_SPIKING
    if _DEFAULT_RATE is None:
        _DEFAULT_RATE = Synapse(psp="w * pre.r", name="DefaultRateCodedSynapse")
    return _DEFAULT_RATE


#: attributes that projections (or their dendrites) set on themselves
_PROJECTION_OWN = frozenset({"pre_population", "post_population", "pre", "post", "target",
                             "synapse_type", "ir", "network", "id", "name", "rows", "targets",
                             "connector_name", "connector_args", "proj", "post_rank"})


def _python_names(cls) -> frozenset:
    """The public Python attributes of projections of class ``cls`` and of
    dendrites (model attributes may not take them, see _check_attribute_names)."""
    public = {n for n in dir(cls) if not n.startswith("_")}
    public |= {n for n in dir(Dendrite) if not n.startswith("_")}
    return frozenset(public | _PROJECTION_OWN)


def _as_synapse(synapse) -> Synapse | None:
    if synapse is None:
        return None
    if isinstance(synapse, type) and issubclass(synapse, Synapse):
        synapse = synapse()
    if not isinstance(synapse, Synapse):
        raise NetworkError(f"expected a Synapse, got {type(synapse).__name__}")
    return synapse


def _by_name(obj, role, network):
    """ANNarchy takes ``pre``/``post`` as a population or its name: a name is
    looked up in ``network`` (``net.connect``) or the active one."""
    if not isinstance(obj, str):
        return obj
    net = network if network is not None else active_network()
    try:
        return net.get_population(obj)
    except NetworkError as exc:
        raise NetworkError(f"{role}={obj!r}: {exc}") from None


def _split(obj, role):
    if isinstance(obj, PopulationView):
        return obj.population, np.asarray(obj.ranks, dtype=np.int64)
    if isinstance(obj, Population):
        return obj, None
    raise NetworkError(f"{role} must be a Population or PopulationView, got {type(obj).__name__}")


class Projection(ProjectionChecks, ConnectorMethods, ExplicitConnectivity, SynapseViews,
                 SynapseDrawChecks, ProjectionIO):
    """Synapses from ``pre`` to ``post`` on ``target``.

    Created by :meth:`Network.connect` (or ANNarchy-4 style directly), then
    given connectivity by one connector method (``all_to_all``,
    ``fixed_probability``...; the ``connect_*`` names of ANNarchy 4 also work).
    """

    def __init__(self, pre, post, target, synapse=None, name=None, *, network=None):
        pre, post = _by_name(pre, "pre", network), _by_name(post, "post", network)
        self.pre_population, self._pre_ranks = _split(pre, "pre")
        self.post_population, self._post_ranks = _split(post, "post")
        self.pre, self.post = pre, post
        net = network if network is not None else self.pre_population.network
        if self.pre_population.network is not net or self.post_population.network is not net:
            raise NetworkError("pre and post populations must belong to the network")
        targets = _target_names(target)
        if len(targets) > 1 and type(self)._custom_code is not Projection._custom_code:
            raise NetworkError(f"{type(self).__name__} takes one target, got {target!r}")
        # ANNarchy: a list of targets (['ampa', 'nmda']) delivers the same input to each
        self.target = targets[0] if len(targets) == 1 else targets
        self.targets = targets
        spiking = self.pre_population.spiking
        syn = _as_synapse(synapse) or default_synapse(spiking)
        self.synapse_type = syn
        self.ir = syn.ir
        if self.ir.kind != "synapse":
            raise NetworkError(f"{self.ir.name!r} is a neuron model, not a synapse")
        if spiking:
            self.ir = _spiking_transmission(self.ir)
        _check_attribute_names(self.ir, "projection" if type(self) is Projection
                               else type(self).__name__, "proj", _python_names(type(self)))
        self._check_compatible(spiking)
        self.network = net
        self.id = net._register_projection(self, name)
        self.name = name if name is not None else f"proj{self.id}"
        # spikes walk pre-synaptic rows; weighted sums (rate-coded, or a psp
        # summed every step between spiking populations) walk post rows
        self.rows = "pre" if spiking and self.ir.spiking else "post"
        self._row_ptr = None
        self._col = None
        self._arrays: dict[str, np.ndarray] = {}
        self._delay_steps = 1          # uniform delay in steps
        self._delays = None            # per-synapse delays in steps (int32) or None
        self._post_order = None        # lazily built dendrite index
        self.connector_name = None
        self.connector_args = {}
        # extra arrays of specific projections (custom code), passed as _j<id>_<name>
        self._extra: dict[str, np.ndarray] = {}
        # learning switch [on, period (steps), first step]; settable without recompiling
        self._learn = np.array([1, 1, 0], dtype=np.int64)
        self._last = None       # step of each synapse's last event (event-driven variables)
        self._learning_cache: dict[str, np.ndarray] = {}

    # -- sizes ------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of post-synaptic neurons that receive synapses (dendrites)."""
        return len(self.post_ranks)

    @property
    def nb_synapses(self) -> int:
        self._require_connected()
        return int(self._col.shape[0])

    def __len__(self):
        return self.size

    @property
    def post_ranks(self) -> list[int]:
        self._require_connected()
        return self._dendrite_index()[2]

    def _require_connected(self):
        if self._row_ptr is None:
            raise NetworkError(f"projection {self.name!r} has no synapses yet: call a connector "
                               "method such as proj.fixed_probability(0.1, weights=1.0)")

    # -- installing synapses (connector methods: engine.runtime.connector_methods) --
    def _install(self, csr):
        """Map the connector's (view) rank space onto whole populations and store."""
        # delays first: a refused delay leaves the projection unconnected
        delays_ms = np.asarray(csr.delay, dtype=float)
        if delays_ms.size:
            self._to_steps(float(np.max(delays_ms)), self.network.dt)
            self._to_steps(float(np.min(delays_ms)), self.network.dt)
            if self.continuous_spiking and self._to_steps(float(np.max(delays_ms)),
                                                          self.network.dt) > 1:
                raise NetworkError(
                    f"projection {self.name!r}: synapse {self.ir.name!r} is summed every step "
                    "(psp between spiking populations) and reads the pre-synaptic values of "
                    f"the current step: it takes no delay, got {float(np.max(delays_ms))} ms. "
                    "Connect without delays")
        pre, post = self.pre_population, self.post_population
        row_map = self._pre_ranks if self.rows == "pre" else self._post_ranks
        col_map = self._post_ranks if self.rows == "pre" else self._pre_ranks
        n_rows_full = (pre if self.rows == "pre" else post).size
        counts = np.diff(csr.row_ptr)
        if row_map is not None:
            full = np.zeros(n_rows_full, dtype=np.int64)
            np.add.at(full, row_map, counts)
            if np.any(np.diff(row_map) < 0):
                raise NetworkError("views used in projections must list ranks in increasing order")
            row_ptr = np.zeros(n_rows_full + 1, dtype=np.int64)
            np.cumsum(full, out=row_ptr[1:])
        else:
            row_ptr = np.asarray(csr.row_ptr, dtype=np.int64)
        col = csr.col if col_map is None else col_map[csr.col].astype(np.int32)
        self._row_ptr, self._col = row_ptr, np.ascontiguousarray(col, dtype=np.int32)
        nnz = self._col.shape[0]
        fdt = self.network._float_dtype
        known = {}
        for spec in self.ir.variables:
            shape = {"global": 1, "semiglobal": post.size}.get(spec.locality, nnz)
            dtype = NUMPY_DTYPES.get(spec.dtype, fdt)
            arr = np.empty(shape, dtype=dtype)
            if spec.name == "w":
                if isinstance(csr.w, np.ndarray) and csr.w.dtype == dtype and csr.w.shape == (shape,):
                    arr = csr.w  # adopt: no second copy of (possibly huge) weights
                else:
                    arr[:] = csr.w
            else:
                arr[:] = sample_init(spec.init, shape, np.random.default_rng(
                    np.random.SeedSequence([self.network.seed, 3, self.id])), known)
            self._arrays[spec.name] = arr
            known[spec.name] = arr[0] if shape == 1 else arr   # (no synapses: shape 0)
        # the delays in ms are kept: net.config(dt=...) converts them again
        self._delays_ms = float(csr.delay) if np.ndim(csr.delay) == 0 else delays_ms
        self._delays_to_steps(self.network.dt)

    def _delays_to_steps(self, dt):
        delays_ms = self._delays_ms
        if np.ndim(delays_ms) == 0:
            self._delay_steps = self._to_steps(delays_ms, dt)
            self._delays = None
        else:
            steps = np.maximum(1, np.rint(delays_ms / dt)).astype(np.int32)
            # equal delays run as one uniform delay (faster), except delays drawn
            # from a distribution: they stay per synapse whatever was drawn
            # (ANNarchy), so that proj.delay = [...] may set other values later
            drawn = isinstance((getattr(self, "connector_args", None) or {}).get("delays"),
                               RandomDistribution)
            if steps.size and steps.min() == steps.max() and not drawn:
                self._delay_steps, self._delays = int(steps[0]), None
            else:
                self._delays = steps
                self._delay_steps = int(steps.max()) if steps.size else 1

    #: delays are counted in int32 steps
    MAX_DELAY_STEPS = 2**31 - 1

    @staticmethod
    def _to_steps(delay_ms, dt):
        if not np.isfinite(delay_ms) or delay_ms < 0:
            raise NetworkError(f"delays must be finite and >= 0 ms, got {delay_ms}")
        steps = round(delay_ms / dt)
        if steps > Projection.MAX_DELAY_STEPS:
            raise NetworkError(f"a delay of {delay_ms} ms is {steps:.3g} steps of dt = {dt} ms, "
                               f"above the limit of {Projection.MAX_DELAY_STEPS} steps")
        return max(1, int(steps))

    @property
    def uniform_delay(self) -> bool:
        return self._delays is None

    @property
    def max_delay_steps(self) -> int:
        """The longest delay (steps) the compiled buffers hold: the longest
        drawn, or for delays drawn from a bounded distribution its upper bound
        (ANNarchy's rule, so that ``proj.delay = ...`` may later set any value
        the distribution could have drawn)."""
        drawn = int(self._delays.max()) if self._delays is not None and self._delays.size \
            else self._delay_steps
        dist = (getattr(self, "connector_args", None) or {}).get("delays")
        bound = getattr(dist, "max", None) if isinstance(dist, RandomDistribution) else None
        if bound is None or not np.isfinite(float(bound)):
            return drawn
        return max(drawn, self._to_steps(float(bound), self.network.dt))

    # -- dendrites and attributes -------------------------------------------------
    def _dendrite_index(self):
        """(order, post_row_ptr, post_ranks): synapses grouped by post neuron, by pre rank."""
        if self._post_order is None:
            post_n = self.post_population.size
            if self.rows == "post":
                order = np.arange(self._col.shape[0])
                row_ptr = self._row_ptr
            else:
                pre_of = np.repeat(np.arange(self.pre_population.size), np.diff(self._row_ptr))
                order = np.lexsort((pre_of, self._col))
                counts = np.bincount(self._col, minlength=post_n)
                row_ptr = np.zeros(post_n + 1, dtype=np.int64)
                np.cumsum(counts, out=row_ptr[1:])
            has = np.diff(row_ptr) > 0
            structural = self.__dict__.get("_structural")
            if structural is not None:  # emptied dendrites stay (engine.runtime.structural)
                has |= structural.dendrites
            ranks = [int(r) for r in np.flatnonzero(has)]
            self._post_order = (order, row_ptr, ranks)
        return self._post_order

    def _pre_of_synapses(self) -> np.ndarray:
        if self.rows == "pre":
            return np.repeat(np.arange(self.pre_population.size, dtype=np.int64),
                             np.diff(self._row_ptr))
        return self._col.astype(np.int64)

    def _post_of_synapses(self) -> np.ndarray:
        if self.rows == "post":
            return np.repeat(np.arange(self.post_population.size, dtype=np.int64),
                             np.diff(self._row_ptr))
        return self._col.astype(np.int64)

    @property
    def attributes(self) -> list[str]:
        return list(self._arrays)

    @property
    def parameters(self) -> list[str]:
        """Names of the synapse model's parameters (ANNarchy's ``proj.parameters``)."""
        return [v.name for v in self.ir.parameters]

    @property
    def variables(self) -> list[str]:
        """Names of the synapse model's variables, ``w`` included (ANNarchy's)."""
        return [v.name for v in self.ir.state_variables]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        arrays = self.__dict__.get("_arrays")
        if arrays is None:
            raise AttributeError(name)
        if name in arrays:
            spec = self.ir.variable(name)
            if spec.locality == "global":
                return arrays[name][0].item()
            if spec.locality == "semiglobal":
                return arrays[name][self.post_ranks].copy()
            order, row_ptr, ranks = self._dendrite_index()
            vals = arrays[name][order]
            return [vals[row_ptr[r]:row_ptr[r + 1]] for r in ranks]
        if name == "delay":
            # ANNarchy: one number for a uniform delay (dt when none was given),
            # a list per dendrite when each synapse has its own
            if self._delays is None:
                return float(self._delay_steps * self.network.dt)
            return self._delay_lists()
        function = model_function(self.ir, name, f"projection {self.name!r}")
        if function is not None:
            return function
        close = difflib.get_close_matches(name, list(arrays), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise AttributeError(f"projection {self.name!r} has no attribute '{name}'{hint}")

    def __setattr__(self, name, value):
        arrays = self.__dict__.get("_arrays")
        if arrays is not None and name in arrays:
            self._set(name, value)
        elif name == "delay" and arrays is not None:
            set_delays(self, value)
        else:
            object.__setattr__(self, name, value)

    def _set_delay(self, value):
        """``proj.delay = value`` (the name of ANNarchy's setter, which its own
        test suite calls)."""
        set_delays(self, value)

    def _assign(self, name, value, post=None):
        """Store ``value`` into ``name`` (``_set``, SynapseDrawChecks, checks it)."""
        self._require_connected()
        arr = self._arrays[name]
        spec = self.ir.variable(name)
        owner = f"projection {self.name!r}"
        rng = np.random.default_rng()
        if spec.locality == "global":
            if np.ndim(value) != 0 or isinstance(value, RandomDistribution):
                raise AttributeAssignmentError(f"{owner}: '{name}' is one value for the projection")
            arr[0] = coerce_values(owner, name, value, 1, (1,), arr.dtype.type, rng)[0]
            return
        if spec.locality == "semiglobal":
            idx = self.post_ranks if post is None else [post]
            arr[idx] = coerce_values(owner, name, value, len(idx), (len(idx),), arr.dtype.type, rng)
            return
        order, row_ptr, ranks = self._dendrite_index()
        if post is not None:
            sl = order[row_ptr[post]:row_ptr[post + 1]]
            arr[sl] = coerce_values(owner, name, value, sl.size, (sl.size,), arr.dtype.type, rng)
            return
        if isinstance(value, (list, tuple)) and len(value) == len(ranks) and all(
                np.ndim(v) == 1 for v in value):
            for r, v in zip(ranks, value):
                self._set(name, v, post=r)
            return
        value_arr = None if isinstance(value, RandomDistribution) else np.asarray(value)
        if value_arr is not None and value_arr.ndim == 2:
            expected = (self.post_population.size, self.pre_population.size)
            if value_arr.shape != expected:
                raise AttributeAssignmentError(
                    f"{owner}: a matrix for '{name}' must have shape (post, pre) = {expected}")
            arr[:] = value_arr[self._post_of_synapses(), self._pre_of_synapses()]
            return
        vals = coerce_values(owner, name, value, arr.size, (arr.size,), arr.dtype.type, rng)
        arr[:] = vals  # flat, in storage order

    def _delay_lists(self):
        order, row_ptr, ranks = self._dendrite_index()
        dt = self.network.dt
        if self._delays is None:
            return [np.full(row_ptr[r + 1] - row_ptr[r], self._delay_steps * dt) for r in ranks]
        d = self._delays[order] * dt
        return [d[row_ptr[r]:row_ptr[r + 1]] for r in ranks]

    def get(self, name):
        return getattr(self, name)

    def scale(self, name: str, factor: float) -> None:
        """Multiply ``name`` (e.g. ``'w'``) of every synapse by ``factor``, in
        place: a weight scale changed during a live run keeps what plasticity
        has learnt, and costs one pass over the synapses (no per-dendrite lists)."""
        self._require_connected()
        if name not in self._arrays:
            close = difflib.get_close_matches(name, list(self._arrays), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise AttributeAssignmentError(
                f"projection {self.name!r} has no attribute '{name}'{hint}")
        arr = self._arrays[name]
        if arr.dtype.kind != "f":
            raise AttributeAssignmentError(
                f"projection {self.name!r}: '{name}' holds {arr.dtype} values; only "
                "real-valued attributes can be scaled")
        try:
            factor = float(factor)
        except (TypeError, ValueError):
            raise AttributeAssignmentError(
                f"projection {self.name!r}: scale '{name}' by a number, got {factor!r}") from None
        if not np.isfinite(factor):
            raise AttributeAssignmentError(
                f"projection {self.name!r}: scale '{name}' by a finite number, got {factor}")
        arr *= factor

    def set(self, values: dict):
        for k, v in values.items():
            self._set(k, v)

    def __repr__(self):
        n = self._col.shape[0] if self._col is not None else 0
        return (f"<Projection {self.name!r}: {self.pre_population.name} -> "
                f"{self.post_population.name} ({self.target}), {n} synapses>")

    # -- state snapshots -----------------------------------------------------------
    # -- learning -------------------------------------------------------------
    def enable_learning(self, period=None, offset=None):
        """Let the synapses learn: events change synaptic variables and the
        synapse's equations are integrated, every ``period`` ms (default:
        every step) from ``offset`` ms after the current time."""
        dt = self.network.dt
        steps = 1
        if period is not None:
            if not np.isfinite(period) or period <= 0:
                raise NetworkError(f"projection {self.name!r}: learning period must be > 0 ms, "
                                   f"got {period!r}")
            steps = max(1, int(round(float(period) / dt)))
        first = self.network.current_step
        if offset is not None:
            if not np.isfinite(offset) or offset < 0:
                raise NetworkError(f"projection {self.name!r}: learning offset must be >= 0 ms, "
                                   f"got {offset!r}")
            first += int(round(float(offset) / dt))
        self._learn[:] = (1, steps, first)

    # -- structural plasticity (engine.runtime.structural) ----------------------
    def start_pruning(self, period=None):
        """Start removing the synapses that meet the synapse's ``pruning`` rule,
        at the end of every ``period`` ms (default: every step)."""
        from engine.runtime import structural

        structural.start(self, "pruning", period)

    def stop_pruning(self):
        """Stop pruning."""
        from engine.runtime import structural

        structural.stop(self, "pruning")

    def start_creating(self, period=None):
        """Start creating the synapses that the synapse's ``creating`` rule asks
        for, at the end of every ``period`` ms (default: every step)."""
        from engine.runtime import structural

        structural.start(self, "creating", period)

    def stop_creating(self):
        """Stop creating."""
        from engine.runtime import structural

        structural.stop(self, "creating")

    def disable_learning(self):
        """Freeze the synaptic variables; transmission continues."""
        self._learn[0] = 0

    def apply(self):
        """Run the synapse model's ``apply()`` statements once for every synapse
        (class syntax: a learning step triggered from Python, e.g. after a
        reward signal is set between simulations). Ignores the learning switch."""
        net = self.network
        if not self.ir.apply:
            raise NetworkError(f"projection {self.name!r}: synapse {self.ir.name!r} defines no "
                               "apply() method")
        net._ensure_module()
        fname = f"apply_j{self.id}"
        net._module.apply(fname, net._arrays_by_arg(), net.current_step, net.dt)
        if net._config["check_finite"]:
            # what apply() wrote, checked now rather than after the next chunk
            from engine.runtime.synapse_checks import synaptic_nonfinite

            err = synaptic_nonfinite([self], net.time, net.time,
                                     during=f"in proj.apply() at t = {net.time:g} ms")
            if err is not None:
                raise err

    @property
    def learning(self) -> bool:
        """Whether learning is switched on."""
        return bool(self._learn[0])

    def _learning_arrays(self) -> dict[str, np.ndarray]:
        """Extra arrays the generated code needs for this synapse model."""
        from engine.codegen.synapse_code import synapse_needs

        needs = synapse_needs(self.ir, net_method(self))
        out = {"learn": self._learn}
        if needs["last"]:
            if self._last is None or self._last.shape[0] != self._col.shape[0]:
                self._last = np.zeros(self._col.shape[0], dtype=np.int64)
            out["last"] = self._last
        if needs["post_index"]:
            order, row_ptr, _ = self._dendrite_index()
            out["prow"] = np.ascontiguousarray(row_ptr, dtype=np.int64)
            out["psyn"] = np.ascontiguousarray(order, dtype=np.int32)
            out["ppre"] = np.ascontiguousarray(self._pre_of_synapses()[order], dtype=np.int32)
        return out

    def _delay_event_index(self) -> dict[str, np.ndarray]:
        """Synapses of each pre neuron grouped by delay (per-synapse delays
        with events at arrival): ``dperm`` lists synapse ids sorted by (pre,
        delay steps); those of pre neuron ``i`` with delay ``d`` are
        ``dperm[dptr[i*K + d] : dptr[i*K + d + 1]]`` with ``K = max delay + 2``."""
        K = self.max_delay_steps + 2
        pre_of = self._pre_of_synapses()
        key = pre_of * K + self._delays.astype(np.int64)
        perm = np.argsort(key, kind="stable").astype(np.int32)
        counts = np.bincount(key, minlength=self.pre_population.size * K)
        dptr = np.zeros(counts.size + 1, dtype=np.int64)
        np.cumsum(counts, out=dptr[1:])
        return {"dperm": perm, "dptr": dptr, "dK": np.array([K], dtype=np.int64)}

    def _custom_code(self):
        """Hand-written loop code (:class:`engine.codegen.network_code.CustomCode`)
        of a specific projection; ``None``: generated from the synapse model."""
        return None

    def _snapshot(self):
        snap = {k: v.copy() for k, v in self._arrays.items()}
        snap.update({"__x_" + k: v.copy() for k, v in self._extra.items()})
        if getattr(self, "_rng", None) is not None:
            snap["__rng"] = self._rng.copy()
        return snap

    def _restore(self, snap, synapses=True):
        structural = self.__dict__.get("_structural")
        if structural is not None:  # engine.runtime.structural: its random stream, and
            structural.reset(self, synapses)    # the synapses of compile() if synapses
        if synapses:
            for k, v in self._arrays.items():
                v[...] = snap[k]
        if self._last is not None:  # time restarts at 0
            self._last[...] = 0
        if "__rng" in snap:
            self._rng[...] = snap["__rng"]
        for k, v in self._extra.items():
            if "__x_" + k in snap:
                v[...] = snap["__x_" + k]


def _target_names(target) -> tuple[str, ...]:
    """ANNarchy's target: a name, or a list of names (each receives the input)."""
    names = [target] if isinstance(target, str) else \
        list(target) if isinstance(target, (list, tuple)) else None
    if not names or not all(isinstance(t, str) and t.isidentifier() for t in names):
        raise NetworkError(f"target must be a name such as 'exc' (or a list of names such as "
                           f"['ampa', 'nmda']), got {target!r}")
    if len(set(names)) != len(names):
        raise NetworkError(f"target lists a name twice: {target!r}")
    return tuple(names)


def _spiking_transmission(ir):
    """The synapse as a spiking pre-synaptic population uses it (ANNarchy's
    code generation): without a psp (summed every step into g_target, as
    gap junctions), a pre-synaptic spike that writes no ``g_target`` (no
    pre_spike, or one that updates traces only) transmits ``g_target += w``,
    before the other pre_spike statements."""
    if ir.psp is not None or any(e.target == "g_target" for e in ir.pre_spike):
        return ir
    return dataclasses.replace(ir, spiking=True,
                               pre_spike=default_synapse(True).ir.pre_spike + ir.pre_spike)
