"""The Network: owns populations, monitors and constants, compiles and runs them.

Mirrors ANNarchy 5's ``Network`` (create, monitor, constant, compile,
simulate, simulate_until, step, reset, getters...). Compiling generates one
Python module holding the whole simulation loop (see
:mod:`engine.codegen.network_code`), writes it to the on-disk cache and lets
Numba compile it (or load machine code compiled by an earlier process).
Python only runs between calls of that loop.
"""

from __future__ import annotations

import contextlib
import logging
import time as _time

import numpy as np

from engine.codegen.cache import cache_dir
from engine.codegen.rng import seed_state
from engine.codegen.synapse_code import needs_delayed_events
from engine.codegen.network_code import (
    PAR_MIN_SYNAPSES,
    STATUS_NONFINITE, STATUS_STOP, MonitorLayout, NetworkLayout,
    PopulationLayout, ProjectionLayout, generate_network_code,
)
from engine.runtime.kernels import CompiledKernels, KernelMismatch, terminal_progress
from engine.errors import CompilationError, NetworkError, NumericalError
from engine.language.conditions import parse_stop_condition
from engine.runtime import active, callbacks, parallel
from engine.runtime import io as state_files
from engine.runtime.bold import BoldMonitor
from engine.runtime.constant import Constant
from engine.runtime.live import LiveState
from engine.runtime.monitor import Monitor
from engine.runtime.population import Population, PopulationView
from engine.runtime.projection import Projection

__all__ = ["Network"]

log = logging.getLogger("engine.compile")

#: steps are counted in int64 (2**62: room for arithmetic on them)
_MAX_STEPS = 2**62

_DEFAULTS = {
    "dt": 1.0,
    "seed": None,
    "precision": "double",
    "method": "explicit",
    "num_threads": 1,
    "check_finite": True,
}


class Network:
    """A network of populations, simulated by generated Numba code.

    Parameters
    ----------
    dt : float, optional
        Step size in ms (default 1.0). Keyword only, as in ANNarchy.
    seed : int, optional
        Seed of every random number of the network (initial values and draws
        inside equations). ``None`` picks one at random (see ``net.seed``).

    Examples
    --------
    >>> net = Network(dt=0.1, seed=42)
    >>> pop = net.create(100, neuron=Izhikevich)
    >>> m = net.monitor(pop, ['v', 'spike'])
    >>> net.compile()
    >>> net.simulate(1000.0)
    """

    def __init__(self, *, dt=None, seed=None):
        if self.__dict__.get("_init_hooked"):  # again, from a subclass: engine.runtime.parallel
            return self._init_again(dt, seed)
        self._config = dict(_DEFAULTS)
        if dt is not None:
            self._config["dt"] = self._check_dt(dt)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        self._config["seed"] = int(seed)
        self._populations: list[Population] = []
        self._monitors: list[Monitor] = []
        self._projections: list[Projection] = []
        self._constants: dict[str, Constant] = {}
        self._callbacks_enabled = True
        self.current_step = 0
        self._compiled = False
        self._module = None
        self._code = None
        self._path = None
        self._initial_state = None
        self.timings: dict[str, float] = {}
        self._live = LiveState()

    # -- configuration -------------------------------------------------------
    @staticmethod
    def _check_dt(dt) -> float:
        try:
            dt = float(dt)
        except (TypeError, ValueError):
            raise NetworkError(f"dt must be a number of ms, got {dt!r}") from None
        if not (dt > 0 and np.isfinite(dt)):
            raise NetworkError(f"dt must be a positive number of ms, got {dt}")
        return dt

    def config(self, **kwargs):
        """Set options before compile: dt, seed, precision ('double'/'float'),
        method (default integration method), num_threads, check_finite."""
        for k, v in kwargs.items():
            if k not in _DEFAULTS:
                import difflib

                close = difflib.get_close_matches(k, list(_DEFAULTS), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise NetworkError(f"unknown configuration key '{k}'{hint}; "
                                   f"valid keys: {', '.join(_DEFAULTS)}")
            if self._compiled and k in ("dt", "precision", "method", "seed"):
                raise NetworkError(f"'{k}' cannot change after compile(); create a new network")
            if k == "dt":
                if self._populations:
                    raise NetworkError("set dt before creating populations (Network(dt=...))")
                v = self._check_dt(v)
            elif k == "precision":
                if v not in ("double", "float"):
                    raise NetworkError(f"precision must be 'double' or 'float', got {v!r}")
            elif k == "seed":
                if self._populations:
                    raise NetworkError("set the seed before creating populations "
                                       "(Network(seed=...))")
                v = int(v)
            elif k == "method":
                from engine.language.ir import METHODS

                if v not in METHODS:
                    raise NetworkError(f"unknown method {v!r}; choose one of {', '.join(METHODS)}")
            self._config[k] = v

    @property
    def dt(self) -> float:
        return self._config["dt"]

    @property
    def seed(self) -> int:
        return self._config["seed"]

    @property
    def time(self) -> float:
        """Current time in ms."""
        return self.current_step * self.dt

    @property
    def compiled(self) -> bool:
        return self._compiled

    @property
    def directory(self) -> str:
        """Folder holding the generated code (the content-keyed cache)."""
        return str(self._path.parent if self._path is not None else cache_dir())

    @property
    def _float_dtype(self):
        return np.float32 if self._config["precision"] == "float" else np.float64

    # -- context manager (active network) -----------------------------------
    def __enter__(self):
        active._push(self)
        return self

    def __exit__(self, *exc):
        active._pop(self)
        return False

    # -- building -------------------------------------------------------------
    def create(self, geometry=None, neuron=None, stop_condition=None, name=None,
               population=None, storage_order=None) -> Population:
        """Add a population of ``neuron`` with the given geometry; returns it."""
        if self._compiled:
            raise NetworkError("cannot add a population after compile(); "
                               "create everything first, or use a new network")
        if population is None and isinstance(geometry, Population):
            population = geometry
        if population is not None:
            if not isinstance(population, Population):
                raise NetworkError(f"create(population=...) expects a population such as "
                                   f"PoissonPopulation(100, rates=20.0), got "
                                   f"{type(population).__name__}")
            return population._move_to(self, name)
        if geometry is None or neuron is None:
            raise NetworkError("create() needs a geometry and a neuron: "
                               "net.create(100, neuron=Izhikevich)")
        return Population(geometry, neuron, name=name, stop_condition=stop_condition,
                          network=self)

    def connect(self, pre=None, post=None, target="", synapse=None, name=None, projection=None,
                disable_omp=True) -> Projection:
        """Create a projection from ``pre`` to ``post`` on ``target``; returns it.

        Give it synapses with a connector method:
        ``net.connect(exc, pop, 'exc').fixed_probability(0.02, weights=0.6)``.
        """
        if self._compiled:
            raise NetworkError("cannot add a projection after compile()")
        if projection is None and isinstance(pre, Projection):
            projection = pre
        if projection is not None:
            if not isinstance(projection, Projection):
                raise NetworkError(f"connect(projection=...) expects a projection such as "
                                   f"CurrentInjection(pre, post, 'exc'), got "
                                   f"{type(projection).__name__}")
            if projection.network is not self:
                raise NetworkError(f"projection {projection.name!r} belongs to another network: "
                                   "build it from populations of this network")
            return projection
        if post is None:
            raise NetworkError("connect() needs pre and post populations and a target")
        return Projection(pre, post, target, synapse, name, network=self)

    @staticmethod
    def _check_name(kind: str, name) -> None:
        """A name is text a file and a message can hold: a non-empty str of
        printable characters (quotes are fine: names never reach code)."""
        if name is None:
            return
        if not isinstance(name, str):
            raise NetworkError(f"the name of a {kind} is text, got {type(name).__name__} "
                               f"{name!r}: write name={str(name)!r}")
        if not name.strip() or len(name) > 200 or not name.isprintable():
            raise NetworkError(f"{kind} name {name!r}: use 1 to 200 printable characters "
                               "(no line breaks or tabs)")

    def _register_projection(self, proj, name) -> int:
        self._check_name("projection", name)
        if self._compiled:
            raise NetworkError("cannot add a projection after compile()")
        proj.pre_population._check_ready()
        proj.post_population._check_ready()
        if name is not None and any(p.name == name for p in self._projections):
            raise NetworkError(f"a projection named {name!r} already exists")
        missing = [c for c in proj.ir.constants if c not in self._constants]
        if missing:
            raise NetworkError(f"synapse {proj.ir.name!r} uses constant(s) {', '.join(missing)} "
                               "that this network does not define: call net.constant() first")
        self._projections.append(proj)
        return len(self._projections) - 1

    def _register_population(self, pop, name) -> int:
        self._check_name("population", name)
        if self._compiled:
            raise NetworkError("cannot add a population after compile()")
        if name is not None and any(p.name == name for p in self._populations):
            raise NetworkError(f"a population named {name!r} already exists")
        self._check_constants(pop)
        self._populations.append(pop)
        return len(self._populations) - 1

    def _check_constants(self, pop):
        missing = [c for c in pop.neuron_type.ir.constants if c not in self._constants]
        if missing:
            raise NetworkError(
                f"model {pop.neuron_type.ir.name!r} uses constant(s) "
                f"{', '.join(missing)} that this network does not define: "
                f"call net.constant(name, value) first"
            )

    def monitor(self, obj, variables=(), period=None, period_offset=None, start=True,
                name=None) -> Monitor:
        """Record ``variables`` (and ``'spike'``) of a population or view."""
        owner = obj.population if isinstance(obj, PopulationView) else obj
        if isinstance(owner, Population) and owner.network is not self:
            raise NetworkError(f"population {owner.name!r} belongs to another network")
        return Monitor(obj, variables, period, period_offset, start, name, network=self)

    def _register_monitor(self, mon, name) -> int:
        self._check_name("monitor", name)
        if isinstance(getattr(mon, "population", None), Population):
            mon.population._check_ready()
        if name is not None and any(m.name == name for m in self._monitors):
            raise NetworkError(f"a monitor named {name!r} already exists")
        self._monitors.append(mon)
        if self._compiled:
            self._module = None  # the loop must be regenerated to include it
        return len(self._monitors) - 1

    def constant(self, name: str, value: float) -> Constant:
        """Add a named constant usable in equations; ``c.set(v)`` changes it."""
        return Constant(name, value, network=self)

    def _register_constant(self, c: Constant):
        if c.name in self._constants:
            raise NetworkError(f"constant {c.name!r} already exists; use .set() to change it")
        self._constants[c.name] = c

    def _parse_stop_condition(self, pop, text):

        return parse_stop_condition(text, pop.ir, owner=f"population {pop.name!r}")

    # -- getters ---------------------------------------------------------------
    def get_population(self, name) -> Population:
        for p in self._populations:
            if p.name == name:
                return p
        raise NetworkError(f"no population named {name!r}; existing: "
                           f"{', '.join(p.name for p in self._populations) or 'none'}")

    def get_populations(self) -> list[Population]:
        # objects created by an extension (a BOLD monitor's model) stay internal
        return [o for o in self._populations if getattr(o, "_extension", None) is None]

    def get_monitor(self, name) -> Monitor:
        for m in self._monitors:
            if m.name == name:
                return m
        raise NetworkError(f"no monitor named {name!r}")

    def get_monitors(self) -> list[Monitor]:
        # objects created by an extension (a BOLD monitor's model) stay internal
        return [o for o in self._monitors if getattr(o, "_extension", None) is None]

    def get_constant(self, name) -> Constant:
        try:
            return self._constants[name]
        except KeyError:
            raise NetworkError(f"no constant named {name!r}") from None

    def get_constants(self) -> list[Constant]:
        return list(self._constants.values())

    def get_projection(self, name) -> Projection:
        for p in self._projections:
            if p.name == name:
                return p
        raise NetworkError(f"no projection named {name!r}; existing: "
                           f"{', '.join(p.name for p in self._projections) or 'none'}")

    def get_projections(self) -> list[Projection]:
        # objects created by an extension (a BOLD monitor's model) stay internal
        return [o for o in self._projections if getattr(o, "_extension", None) is None]

    def boldmonitor(self, populations=None, bold_model=None, mapping=None, scale_factor=None,
                    normalize_input=None, recorded_variables=None, start=False, name=None):
        """Monitor the BOLD signal of populations through a balloon model
        (see :class:`engine.runtime.bold.BoldMonitor`)."""

        return BoldMonitor(populations=populations, bold_model=bold_model, mapping=mapping,
                           scale_factor=scale_factor, normalize_input=normalize_input,
                           recorded_variables=recorded_variables, start=start, name=name,
                           network=self)

    def _register_extension(self, ext, name) -> str:
        """Extensions (BOLD monitors) register here; returns their unique name.
        An extension has a ``name`` and an ``_after_reset()`` hook that
        :meth:`reset` calls once the state is restored."""
        if self._compiled:
            raise NetworkError("cannot add an extension after compile()")
        exts = self.__dict__.setdefault("_extensions", [])
        if name is None:
            name = f"{type(ext).__name__.lower()}{len(exts)}"
        if any(e.name == name for e in exts):
            raise NetworkError(f"an extension named {name!r} already exists")
        exts.append(ext)
        return name

    def get_extension(self, name):
        for e in self.__dict__.get("_extensions", []):
            if e.name == name:
                return e
        raise NetworkError(f"no extension named {name!r}")

    def get_extensions(self) -> list:
        return list(self.__dict__.get("_extensions", []))

    # -- callbacks switches ------------------------------------------------------
    def callbacks_enabled(self) -> bool:
        return self._callbacks_enabled

    def enable_callbacks(self):
        self._callbacks_enabled = True

    def disable_callbacks(self):
        self._callbacks_enabled = False

    def _projections_arg(self, projections) -> list:
        if projections is None:
            return list(self._projections)
        if isinstance(projections, (Projection, str)):
            projections = [projections]
        out = []
        for p in projections:
            if isinstance(p, str):
                p = self.get_projection(p)
            elif not isinstance(p, Projection) or p.network is not self:
                raise NetworkError(f"expected projections of this network, got {p!r}")
            out.append(p)
        return out

    def enable_learning(self, projections=None, period=None, offset=None):
        """Let plastic projections learn (all, or the given ones), every
        ``period`` ms (default: every step) starting ``offset`` ms from now.
        Transmission never stops; learning is on by default."""
        for p in self._projections_arg(projections):
            p.enable_learning(period=period, offset=offset)

    def disable_learning(self, projections=None):
        """Freeze the synaptic variables of projections (all, or the given
        ones); spikes and rates are still transmitted."""
        for p in self._projections_arg(projections):
            p.disable_learning()

    # -- compile -----------------------------------------------------------------
    def _delay_mode(self, proj) -> str:
        if not proj.uniform_delay:
            if proj.pre_population.spiking and needs_delayed_events(proj.ir):
                return "events"   # each synapse's event runs when its spike arrives
            return "synapse"
        return "uniform" if proj._delay_steps > 1 else "none"

    def _history_needs(self):
        """Per population: (spike history depth, rate history depth)."""
        spk = {p.id: 0 for p in self._populations}
        rate = {p.id: 0 for p in self._populations}
        for j in self._projections:
            mode = self._delay_mode(j)
            pid = j.pre_population.id
            if j.pre_population.spiking and mode in ("uniform", "events"):
                spk[pid] = max(spk[pid], j.max_delay_steps)
            if not j.pre_population.spiking and mode != "none":
                rate[pid] = max(rate[pid], j.max_delay_steps)
        return spk, rate

    def _layout(self) -> NetworkLayout:
        for j in self._projections:
            j._require_connected()
        spk, rate = self._history_needs()
        pops = tuple(
            PopulationLayout(
                key=f"p{p.id}", label=p.name, ir=p.ir,
                refractory_from_array=p.refractory_from_array,
                stop_condition=p.stop_condition, stop_any=p.stop_any,
                spike_history=spk[p.id] > 0, rate_history=rate[p.id] > 0,
                custom=p._custom_code(),
            )
            for p in self._populations
        )
        projs = tuple(
            ProjectionLayout(key=f"j{j.id}", label=j.name, ir=j.ir,
                             pre_key=f"p{j.pre_population.id}",
                             post_key=f"p{j.post_population.id}", target=j.target,
                             spiking=j.pre_population.spiking, delay_mode=self._delay_mode(j),
                             custom=j._custom_code(),
                             parallel=(self._threads() > 1 and not j.pre_population.spiking
                                       and _synapses(j) >= PAR_MIN_SYNAPSES),
                             dense_rows=(j.pre_population.spiking and _synapses(j) > 0
                                         and _has_dense_rows(j._row_ptr, j._col)))
            for j in self._projections
        )
        mons = tuple(
            MonitorLayout(key=f"m{m.id}", pop_key=(f"j{m.projection.id}" if m.projection
                                                    is not None else f"p{m.population.id}"),
                          local_vars=tuple(m.local_vars), global_vars=tuple(m.global_vars),
                          spikes=m.records_spikes, semi_vars=tuple(m.semi_vars))
            for m in self._monitors
        )
        return NetworkLayout(pops, mons, projs, default_method=self._config["method"],
                             check_finite=self._config["check_finite"])

    def compile(self, directory=None, clean=False, silent=True, **_ignored):
        """Generate, cache and compile the network's kernels.

        Each population's update, projection's transmission and learning, and
        monitor is its own small kernel, cached on disk by its text: the
        populations of one model share one, and after an edit only the
        kernels whose text changed are compiled again. Progress goes to the
        ``compiling`` event (``net.on('compiling', fn)``), the
        ``engine.compile`` logger and, in a terminal, a progress bar when
        compiling takes more than a second.

        A failed compile raises :class:`CompilationError` and leaves the
        network as it was (not compiled, state untouched).
        """
        if not self._populations:
            raise NetworkError("the network is empty: create a population before compile()")
        for p in list(self._populations):
            p._check_ready()
        t0 = _time.perf_counter()
        if self._initial_state is None:
            self._convert_precision()
            self._allocate_delay_buffers()
        self._build_module()
        if self._initial_state is None:
            self._initial_state = self._snapshot()
        self._compiled = True
        self.timings["compile_total"] = _time.perf_counter() - t0
        if not silent:
            print(f"Compiling network... OK ({self.timings['compile_total']:.2f} s)")
        self._live.emit(self, "compiled")

    def _build_module(self):
        t0 = _time.perf_counter()
        self._live.emit(self, "compiling", stage="generate")
        code = generate_network_code(self._layout(), self._array_types())
        self._allocate_scratch(code)
        t1 = _time.perf_counter()
        total = len(code.kernels) + len(code.applies)
        self._live.emit(self, "compiling", stage="compile", done=0, total=total)
        bar = terminal_progress(total)

        def progress(done, total, kernel):
            if bar is not None:
                bar.update(1)
            self._live.emit(self, "compiling", stage="compile", done=done, total=total)

        try:
            kernels = CompiledKernels(code, progress)
        except Exception as exc:  # numba typing/lowering errors
            raise CompilationError(
                "the generated code did not compile; this is a bug in neuroworkbench "
                f"or an unsupported construct. Generated code: net.generated_code()\n{exc}"
            ) from exc
        finally:
            if bar is not None:
                bar.close()
        self._module, self._code = kernels, code
        self._path = None
        try:
            self._call(kernels, code, 0, 0)  # the driver (compiled once per machine)
        except KernelMismatch as exc:  # pragma: no cover - types were read just above
            raise CompilationError(f"internal: {exc}") from None
        t2 = _time.perf_counter()
        self.timings.update(codegen=t1 - t0, load=0.0, jit=t2 - t1,
                            kernels=len(code.kernels), unique_kernels=kernels.unique,
                            kernels_compiled=kernels.counts["compiled"]
                            + kernels.counts["helper"],
                            kernels_from_disk=kernels.counts["disk"])
        log.info("%d kernels (%d distinct: %d compiled, %d of them by a helper process, %d "
                 "from the disk cache) in %.2f s; code generation %.2f s", total,
                 kernels.unique, kernels.counts["compiled"] + kernels.counts["helper"],
                 kernels.counts["helper"], kernels.counts["disk"], t2 - t1, t1 - t0)

    def _array_types(self) -> dict:
        """``name -> (dtype, ndim)`` of every array the kernels may take."""
        return {name: (a.dtype.name, a.ndim) for name, a in self._arrays_by_arg().items()}

    def _allocate_scratch(self, code):
        """Buffers the kernels write and read within one step (random draws)."""
        arrays = self._arrays_by_arg()
        self._scratch = {name: np.empty(arrays[like].shape[0], dtype=dtype)
                         for name, (dtype, like) in code.scratch.items()}

    def _allocate_delay_buffers(self):
        """Spike/rate histories of pre populations and per-synapse delay rings."""
        spk, rate = self._history_needs()
        fdt = self._float_dtype
        for p in self._populations:
            for k in ("hist", "hist_n", "rhist"):
                p._internals.pop(k, None)
            if spk[p.id]:
                p._internals["hist"] = np.zeros((spk[p.id], p.size), dtype=np.int32)
                p._internals["hist_n"] = np.zeros(spk[p.id], dtype=np.int64)
            if rate[p.id]:
                p._internals["rhist"] = np.tile(p._arrays["r"], (rate[p.id], 1)).astype(fdt)
        for j in self._projections:
            j._ring = None
            if self._delay_mode(j) == "synapse" and j.pre_population.spiking:
                j._ring = np.zeros((j.max_delay_steps + 1, j.post_population.size), dtype=fdt)
            for name, arr in list(j._arrays.items()):
                if arr.dtype.kind == "f" and arr.dtype != fdt:
                    j._arrays[name] = arr.astype(fdt)
            j._rng = seed_state(np.random.SeedSequence([self.seed, 4, j.id]))
            j._learning_cache = j._learning_arrays()
            if self._delay_mode(j) == "events":
                j._learning_cache.update(j._delay_event_index())

    def _convert_precision(self):
        fdt = self._float_dtype
        for p in self._populations:
            for name, arr in list(p._arrays.items()):
                if arr.dtype.kind == "f" and arr.dtype != fdt:
                    p._arrays[name] = arr.astype(fdt)
            for name, arr in list(p._internals.items()):
                if arr.dtype.kind == "f" and arr.dtype != fdt:
                    p._internals[name] = arr.astype(fdt)

    def generated_code(self, of=None) -> str:
        """The generated Python source of the kernels (readable), in call order.

        ``of``: a population, projection or monitor of this network: only its
        own kernels (a population's update, a projection's transmission and
        learning, a monitor's recording).
        """
        code = self._code
        if code is None:
            code = generate_network_code(self._layout(), self._array_types())
        if of is None:
            return code.source
        if isinstance(of, PopulationView):
            of = of.population
        keys = {Population: "p", Projection: "j", Monitor: "m"}
        prefix = next((k for cls, k in keys.items() if isinstance(of, cls)), None)
        if prefix is None or getattr(of, "network", self) is not self:
            raise NetworkError(f"generated_code(of=...): {of!r} is not a population, "
                               "projection or monitor of this network")
        owner = f"{prefix}{of.id}"
        kernels = [k for k in code.kernels + list(code.applies.values()) if k.owner == owner]
        return "\n".join(k.source for k in kernels)

    # -- running -----------------------------------------------------------------
    def _arrays_by_arg(self) -> dict[str, np.ndarray]:
        """Every array the kernels may take, by its name in generated code:
        ``_p0_v`` for attribute ``v`` of population 0, ``_p0__spk`` (two
        underscores) for its internal arrays, ``_j0_w``/``_j0__row`` for a
        projection's (engine.codegen.network_code). Model attributes never
        start with ``_``: the two kinds cannot meet."""
        out = {}
        for p in self._populations:
            for k, v in p._arrays.items():
                out[f"_p{p.id}_{k}"] = v
            for k, v in p._internals.items():
                out[f"_p{p.id}__{k}"] = v
        for j in self._projections:
            k = f"_j{j.id}"
            for name, v in j._arrays.items():
                out[f"{k}_{name}"] = v
            # (before compile() some arrays do not exist yet: generated_code())
            col = getattr(j, "_col", None)
            for name, v in (("row", getattr(j, "_row_ptr", None)),
                            ("col", None if col is None else col.view(np.uint32)),  # unsigned
                            ("rng", getattr(j, "_rng", None)),
                            ("delays", getattr(j, "_delays", None)),
                            ("ring", getattr(j, "_ring", None))):
                if v is not None:
                    out[f"{k}__{name}"] = v
            out[f"{k}__dsteps"] = np.array([j._delay_steps], dtype=np.int64)
            for name, v in j._extra.items():
                out[f"{k}__{name}"] = v
            for name, v in getattr(j, "_learning_cache", {}).items():
                out[f"{k}__{name}"] = v
        for m in self._monitors:
            out.update(m._buffers())
        for name, c in self._constants.items():
            out[f"_c_{name}"] = c._array
        out.update(getattr(self, "_scratch", {}))
        return out

    def _threads(self) -> int:
        """Threads the compiled loop may use: num_threads, at most Numba's pool."""
        import numba

        return max(1, min(int(self._config["num_threads"]), numba.config.NUMBA_NUM_THREADS))

    def _call(self, kernels, code, n_steps, until):
        if code.parallel:  # a prange inside: the pool size for this call
            import numba

            numba.set_num_threads(self._threads())
        for m in self._monitors:
            m._ensure_spike_room()
        stops = kernels.stop_kernels()
        selected = np.zeros(len(code.kernels), dtype=np.uint8)
        if until:
            mask = getattr(self, "_until_mask", None)
            start = kernels.n_body
            for n, k in enumerate(stops):
                selected[start + n] = 1 if mask is None else mask[int(k.owner[1:])]
        try:
            return kernels.run(self._arrays_by_arg(), n_steps, self.current_step, self.dt,
                               until, selected)
        except KernelMismatch:
            # an array changed type (precision, a replaced array): regenerate
            self._build_module()
            return self._module.run(self._arrays_by_arg(), n_steps, self.current_step,
                                    self.dt, until, selected)

    def _ensure_module(self):
        if not self._compiled:
            raise NetworkError("the network is not compiled: call net.compile() first")
        if self._module is None:
            self._build_module()

    def _run(self, n_steps: int, until: int = 0) -> int:
        """Run up to ``n_steps`` steps in chunks (engine.runtime.live); returns
        the steps done (fewer after ``stop()`` or a met stop condition)."""
        self._ensure_module()
        live = self._live
        done_total = 0
        with live.interrupt_guard():
            while done_total < n_steps and not live.stop_requested:
                chunk = live.chunk_steps(n_steps - done_total)
                first = self.current_step
                t0 = _time.perf_counter()
                met = self._run_chunk(chunk, until)
                done = self.current_step - first
                done_total += done
                live.after_chunk(self, first, done, _time.perf_counter() - t0)
                if met:
                    break
        if live.stop_requested and done_total < n_steps:
            live.emit(self, "stopped", first_step=self.current_step)
        return done_total

    def _run_chunk(self, n_steps: int, until: int) -> bool:
        """One chunk: the compiled loop until ``n_steps`` are done; True if a
        stop condition (``simulate_until``) was met."""
        for m in self._monitors:
            m._open_chunk(self.current_step, n_steps)
        done_total = 0
        try:
            while done_total < n_steps:
                done, status, info = self._call(self._module, self._code,
                                                 n_steps - done_total, until)
                self.current_step += int(done)
                done_total += int(done)
                # STATUS_GROW: a spike buffer grows before the next call
                if status == STATUS_NONFINITE:
                    err = self._nonfinite_error(int(self._code.kernels[int(info)].owner[1:]))
                    self._live.emit(self, "error", error=err)
                    raise err
                elif status == STATUS_STOP:
                    return True
        finally:
            for m in self._monitors:
                m._close_chunk()
        return False

    # -- live control (engine.runtime.live) -----------------------------------------
    @contextlib.contextmanager
    def _one_run(self, n_steps, report=None, report_period=1.0):
        """Around one simulate()/simulate_until()/step(): a fresh stop flag,
        progress reports, ``running``."""
        self._ensure_module()
        self._live.begin(self, n_steps, report, report_period)
        try:
            yield
        finally:
            self._live.end(self)

    def stop(self):
        """End the current ``simulate()`` after its chunk (at most ~50 ms of
        wall time); safe to call from another thread. The network's time,
        state and monitors stay consistent and it can run again."""
        self._live.request_stop()

    @property
    def running(self) -> bool:
        """True while a ``simulate()`` of this network is in progress."""
        return self._live.running

    def on(self, event: str, fn=None):
        """Call ``fn(event)`` on ``event``: ``'compiled'``, ``'reset'``,
        ``'loaded'``, ``'chunk'`` (after each chunk of a run: ``event.first_step``,
        ``event.last_step``), ``'stopped'`` or ``'error'`` (``event.error``).
        Returns ``fn``; without ``fn``, a decorator."""
        return self._live.on(event, fn)

    def off(self, event: str, fn):
        """Stop calling ``fn`` on ``event``."""
        self._live.off(event, fn)

    def _nonfinite_error(self, pop_id: int) -> NumericalError:
        pop = self._populations[pop_id]
        step = self.current_step - 1
        for spec in pop.ir.variables:
            arr = pop._arrays[spec.name]
            if arr.dtype.kind != "f":
                continue
            bad = np.flatnonzero(~np.isfinite(arr))
            if bad.size:
                r = int(bad[0])
                what = "NaN" if np.isnan(arr[r]) else "infinite"
                who = "" if spec.locality == "global" else f" of neuron {r}"
                return NumericalError(
                    f"population {pop.name!r}: variable '{spec.name}'{who} became {what} "
                    f"at t = {step * self.dt:g} ms (step {step}); {bad.size} value(s) affected. "
                    "Check the equations and parameters (a division by zero, an exp() "
                    "overflow, or a dt too large for the method)."
                )
        return NumericalError(f"population {pop.name!r}: a non-finite value appeared at "
                              f"t = {step * self.dt:g} ms")

    def _steps_for(self, duration) -> int:
        try:
            duration = float(duration)
        except (TypeError, ValueError):
            raise NetworkError(f"duration must be a number of ms, got {duration!r}") from None
        if duration < 0 or not np.isfinite(duration):
            raise NetworkError(f"duration must be a finite number >= 0 ms, got {duration}")
        steps = int(round(duration / self.dt))
        if abs(steps * self.dt - duration) > 1e-6 * self.dt:
            steps = int(np.ceil(duration / self.dt))
        if self.current_step + steps >= _MAX_STEPS:
            raise NetworkError(f"{duration} ms is {steps:.3g} steps of dt = {self.dt} ms: the "
                               f"step counter holds at most {_MAX_STEPS:.3g} steps")
        return steps

    def simulate(self, duration, measure_time=False, report=None, report_period=1.0):
        """Run for ``duration`` ms (rounded to whole steps).

        The run goes in chunks of about 50 ms of wall time: :meth:`stop`
        (from any thread) and Ctrl-C end it between two chunks, with the
        network consistent. ``report``: ``'text'`` prints the progress, a
        callable receives a :class:`~engine.runtime.live.Progress`, every
        ``report_period`` seconds and once at the end.
        """
        t0 = _time.perf_counter()
        n_steps = self._steps_for(duration)
        with self._one_run(n_steps, report, report_period):
            self._simulate_steps(n_steps)
        elapsed = _time.perf_counter() - t0
        self.timings["simulate"] = elapsed
        if measure_time:
            print(f"Simulating {duration} ms took {elapsed:.4f} s.")

    def simulate_until(self, max_duration, population, operator="and", measure_time=False):
        """Run until the stop condition of ``population`` (or of all/any of a list) holds.

        Returns the simulated duration in ms.
        """
        pops = population if isinstance(population, (list, tuple)) else [population]
        if operator not in ("and", "or"):
            raise NetworkError(f"operator must be 'and' or 'or', got {operator!r}")
        mask = np.zeros(len(self._populations), dtype=np.uint8)
        for p in pops:
            if not isinstance(p, Population) or p.network is not self:
                raise NetworkError(f"{p!r} is not a population of this network")
            if p.stop_condition is None:
                raise NetworkError(f"population {p.name!r} has no stop_condition; "
                                   "give one to create(..., stop_condition='r > 1 : any')")
            mask[p.id] = 1
        self._until_mask = mask  # by population id: which stop kernels take part
        t0 = _time.perf_counter()
        n_steps = self._steps_for(max_duration)
        try:
            with self._one_run(n_steps):
                steps = self._run(n_steps, until=1 if operator == "and" else 2)
        finally:
            self._until_mask = None
        if measure_time:
            print(f"Simulating took {_time.perf_counter() - t0:.4f} s.")
        return steps * self.dt

    def step(self):
        """Run exactly one step of ``dt``."""
        with self._one_run(1):
            self._run(1)

    # -- save/load, copies, parallel runs, callbacks ------------------------------
    # (engine.runtime.io, engine.runtime.parallel, engine.runtime.callbacks)
    def save(self, filename, populations=True, projections=True):
        """Save the state to ``filename`` (.npz, .gz, .mat or npz data); atomic."""
        state_files.save(self, filename, populations, projections)

    def load(self, filename, populations=True, projections=True, pickle_encoding=None):
        """Restore a state written by :meth:`save`; checked first, never unpickles."""
        state_files.load(self, filename, populations, projections, pickle_encoding)
        self._live.emit(self, "loaded")

    def copy(self, *args, **kwargs):
        """A new, uncompiled instance of this network's class built with these arguments."""
        return parallel.copy(self, *args, **kwargs)

    def parallel_run(self, method, number, max_processes=-1, seeds=None, measure_time=False,
                     executor=None, **kwargs):
        """Run ``method(copy, **kwargs)`` on ``number`` copies in other processes."""
        return parallel.parallel_run(self, method, number, max_processes, seeds, measure_time,
                            executor, **kwargs)

    def clear_all_callbacks(self):
        """Forget every callback declared with ``@every`` (cannot be undone)."""
        callbacks.clear_all_callbacks(self)

    def _simulate_steps(self, n_steps):
        callbacks.simulate_steps(self, n_steps)

    def _init_again(self, dt, seed):
        parallel.init_again(self, dt, seed)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        parallel.wrap_subclass_init(cls)

    # -- state -------------------------------------------------------------------
    def _snapshot(self):
        snap = {p.id: p._snapshot() for p in self._populations}
        snap.update({("proj", j.id): j._snapshot() for j in self._projections})
        return snap

    def reset(self, populations=True, projections=False, monitors=True, synapses=False):
        """Return to the state at ``compile()`` (time 0, initial values, fresh
        random streams); ``monitors=True`` also empties the recordings."""
        if not self._compiled:
            raise NetworkError("reset() needs a compiled network")
        if populations:
            for p in self._populations:
                p._restore(self._initial_state[p.id])
        for j in self._projections:
            j._restore(self._initial_state[("proj", j.id)], synapses=projections or synapses)
        for j in self._projections:
            if getattr(j, "_ring", None) is not None:
                j._ring[...] = 0.0
        for e in self.get_extensions():
            e._after_reset()
        if monitors:
            for m in self._monitors:
                m._clear_data()
        for m in self._monitors:
            if monitors:
                m._intervals = [[0.0, None]] if m._active[0] else []
            else:  # keep the data: close the running interval, open one at t = 0
                if m._intervals and m._intervals[-1][1] is None:
                    m._intervals[-1][1] = self.time
                if m._active[0]:
                    m._intervals.append([0.0, None])
        self.current_step = 0
        for m in self._monitors:
            m._committed_step = 0
        self._live.emit(self, "reset")

    def clear(self):
        """Drop every population, monitor and compiled code of this network."""
        self.clear_all_callbacks()
        self._populations.clear()
        self._projections.clear()
        self._monitors.clear()
        self._constants.clear()
        self._compiled = False
        self._module = self._code = None
        self._initial_state = None
        self.current_step = 0

    def __repr__(self):
        return (f"<Network dt={self.dt} ms, {len(self._populations)} population(s), "
                f"{'compiled' if self._compiled else 'not compiled'}>")


active.set_network_factory(Network)


def _synapses(j) -> int:
    """Stored synapses of a projection (0 when it has no CSR, e.g. custom code)."""
    col = getattr(j, "_col", None)
    return 0 if col is None or getattr(j, "_row_ptr", None) is None else int(col.shape[0])


def _has_dense_rows(row_ptr: np.ndarray, col: np.ndarray, min_len: int = 8) -> bool:
    """Whether some row of a CSR (columns strictly ascending within a row) is
    one run of at least ``min_len`` consecutive columns (all-to-all rows):
    then the generated delivery gets a dense, vectorised branch. O(rows)."""
    lens = np.diff(row_ptr)
    rows = np.flatnonzero(lens >= min_len)
    if rows.size == 0:
        return False
    first = col[row_ptr[rows]].astype(np.int64)
    last = col[row_ptr[rows + 1] - 1].astype(np.int64)
    return bool(np.any(last - first == lens[rows] - 1))
