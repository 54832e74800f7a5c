"""The Network: owns populations, monitors and constants, compiles and runs them.

Mirrors ANNarchy 5's ``Network`` (create, monitor, constant, compile,
simulate, simulate_until, step, reset, getters...). Compiling generates one
Python module holding the whole simulation loop (see
:mod:`engine.codegen.network_code`), writes it to the on-disk cache and lets
Numba compile it (or load machine code compiled by an earlier process).
Python only runs between calls of that loop.

The class is split by concern: :mod:`engine.runtime.network_access`
(getters, extensions, learning switches), :mod:`engine.runtime.network_layout`
(what the code generator is told, the arrays the kernels take) and
:mod:`engine.runtime.network_run` (running in chunks, simulate) hold its
base classes; saving, copies, parallel runs and callbacks live in
:mod:`engine.runtime.io`, :mod:`engine.runtime.parallel` and
:mod:`engine.runtime.callbacks`.
"""

from __future__ import annotations

import logging
import time as _time

import numpy as np

from engine.codegen.cache import cache_dir
from engine.codegen.network_code import generate_network_code
from engine.runtime.kernels import CompiledKernels, KernelMismatch
from engine.errors import CompilationError, NetworkError
from engine.language.conditions import parse_stop_condition
from engine.runtime import active, callbacks, timebase
from engine.runtime.constant import Constant
from engine.runtime.live import LiveState, check_progress_setting, progress_bar
from engine.runtime.monitor import Monitor
from engine.runtime.network_access import _NetworkAccess
from engine.runtime.network_layout import _NetworkLayout
from engine.runtime.network_run import _NetworkRun
from engine.runtime.population import Population, PopulationView
from engine.runtime.projection import Projection

__all__ = ["Network"]

log = logging.getLogger("engine.compile")

_DEFAULTS = {
    "dt": 1.0,
    "seed": None,
    "precision": "double",
    "method": "explicit",
    "num_threads": 1,
    "check_finite": True,
    "structural_plasticity": False,
    "progress": "auto",
    "paradigm": "openmp",  # ANNarchy's setup(paradigm=...): the engine runs on the CPU only
}


def _check_seed(seed) -> int:
    """A seed is a whole number >= 0 (numpy's SeedSequence): not 1.5 (cut to 1) nor -1."""
    import numbers

    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)) \
            and seed >= 0:
        return int(seed)
    raise NetworkError(f"the seed must be a whole number >= 0, got {seed!r:.40}")


class Network(_NetworkAccess, _NetworkLayout, _NetworkRun):
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
        self._config["seed"] = _check_seed(seed)
        self._populations: list[Population] = []
        self._monitors: list[Monitor] = []
        self._projections: list[Projection] = []
        self._constants: dict[str, Constant] = {}
        # ANNarchy 5: a new network starts with copies of the global constants
        # (their values now; later .set() on either side stays on that side)
        self._imported_constants: set[str] = set()
        for c in active.global_constants():
            Constant(c.name, c.value, network=self)
            self._imported_constants.add(c.name)
        self._callbacks_enabled = True
        self._step = 0
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
        method (default integration method), num_threads, check_finite,
        structural_plasticity (synapses created and pruned while running),
        progress.

        ``dt`` may change until ``compile()``, also after objects were created
        (delays, spike times, schedules and monitor periods are converted
        again, see :mod:`engine.runtime.timebase`). ``progress``: ``'auto'``
        (default: a bar for compiles and simulations that last over a second,
        in a terminal or a notebook only, unless ``NEUROWORKBENCH_PROGRESS=0``),
        ``True`` or ``False``."""
        for k, v in kwargs.items():
            if k not in _DEFAULTS:
                import difflib

                close = difflib.get_close_matches(k, list(_DEFAULTS), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise NetworkError(f"unknown configuration key '{k}'{hint}; "
                                   f"valid keys: {', '.join(_DEFAULTS)}")
            if k == "dt":
                v = self._check_dt(v)
                if v == self._config["dt"]:
                    continue
            if self._compiled and k in ("dt", "precision", "method", "seed"):
                raise NetworkError(f"'{k}' cannot change after compile() (the code is "
                                   f"compiled for it); set it before compile(), or build "
                                   f"a new network")
            if k == "dt":
                # steps converted when objects were created are converted again
                timebase.change_dt(self, v)
            elif k == "progress":
                v = check_progress_setting(v, "config(progress=...)")
            elif k == "precision":
                if v not in ("double", "float"):
                    raise NetworkError(f"precision must be 'double' or 'float', got {v!r}")
            elif k == "seed":
                if self._populations:
                    raise NetworkError("set the seed before creating populations "
                                       "(Network(seed=...))")
                v = _check_seed(v)
            elif k == "paradigm":
                if v != "openmp":
                    raise NetworkError(f"paradigm={v!r} is not supported: the engine runs "
                                       f"on the CPU (paradigm='openmp', threads from "
                                       f"num_threads); there is no CUDA back end")
            elif k == "method":
                from engine.language.ir import METHOD_ALIASES, METHODS

                v = METHOD_ALIASES.get(v, v) if isinstance(v, str) else v
                if v not in METHODS:
                    raise NetworkError(f"unknown method {v!r}; choose one of {', '.join(METHODS)}"
                                       f" (or the aliases {', '.join(METHOD_ALIASES)})")
            self._config[k] = v

    @property
    def dt(self) -> float:
        return self._config["dt"]

    @property
    def seed(self) -> int:
        return self._config["seed"]

    @property
    def default_rng(self) -> np.random.Generator:
        """A numpy Generator seeded from the network's seed (ANNarchy's
        ``net.default_rng``), e.g. for ``Uniform(0, 1, rng=net.default_rng)``."""
        made = self.__dict__.get("_default_rng")
        if made is None or made[0] != self.seed:
            made = (self.seed, np.random.default_rng(np.random.SeedSequence([self.seed, 7])))
            self.__dict__["_default_rng"] = made
        return made[1]

    @property
    def current_step(self) -> int:
        """The current step. Settable on a compiled network, between runs
        (ANNarchy's ``set_current_step``; see :mod:`engine.runtime.timebase`)."""
        return self._step

    @current_step.setter
    def current_step(self, step):
        timebase.set_step(self, step)

    @property
    def time(self) -> float:
        """Current time in ms. Settable on a compiled network, between runs:
        ``net.time = 500.0`` (ANNarchy's ``set_time``) moves the clock to the
        step ``round(t / dt)``; delay buffers, last spikes and spike sources
        move with it, monitors start a new recording interval."""
        return self._step * self.dt

    @time.setter
    def time(self, t):
        timebase.set_step(self, timebase.steps_of_time(t, self.dt))

    def set_time(self, t):
        """Set the time in ms (``net.time = t``)."""
        self.time = t

    def set_current_step(self, step):
        """Set the current step (``net.current_step = step``)."""
        self.current_step = step

    def get_time(self) -> float:
        """The current time in ms (``net.time``)."""
        return self.time

    def get_current_step(self) -> int:
        """The current step (``net.current_step``)."""
        return self._step

    @property
    def compiled(self) -> bool:
        return self._compiled

    @property
    def directory(self) -> str:
        """Folder holding the generated code (the content-keyed cache)."""
        return str(self._path.parent if self._path is not None else cache_dir())

    @property
    def id(self) -> int:
        """ANNarchy's network id, for the ``net_id=`` of its global functions
        (``save_parameters(f, net_id=net.id)``; engine.runtime.network_ids)."""
        from engine.runtime.network_ids import network_id

        return network_id(self)

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
        if c.name in self._imported_constants:  # net.constant() overrides a global one
            self._imported_constants.discard(c.name)
        elif c.name in self._constants:
            raise NetworkError(f"constant {c.name!r} already exists; use .set() to change it")
        self._constants[c.name] = c

    def _parse_stop_condition(self, pop, text):

        return parse_stop_condition(text, pop.ir, owner=f"population {pop.name!r}")

    # -- compile -----------------------------------------------------------------
    def compile(self, directory=None, clean=False, silent=True, **_ignored):
        """Generate, cache and compile the network's kernels.

        Each population's update, projection's transmission and learning, and
        monitor is its own small kernel, cached on disk by its text: the
        populations of one model share one, and after an edit only the
        kernels whose text changed are compiled again. Progress goes to the
        ``compiling`` event (``net.on('compiling', fn)``), the
        ``engine.compile`` logger and, in a terminal or a notebook, a progress
        bar when compiling takes more than a second (``config(progress=False)``
        or ``NEUROWORKBENCH_PROGRESS=0`` switch it off).

        A failed compile raises :class:`CompilationError` and leaves the
        network as it was (not compiled, state untouched).
        """
        if not self._populations:
            raise NetworkError("the network is empty: create a population before compile()")
        for p in list(self._populations):
            p._check_ready()
            if p.spiking:
                p._warn_unfilled_rate()
        for p in self._populations + self._projections:
            p._check_draw_parameters()  # Normal(0, s) with s < 0...
        for j in self._projections:
            j._check_side_sums()  # pre.sum(exc): that population has the target
        for j in self._projections:
            j._before_compile()   # values that need every projection (NormProjection)
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
        # a bar (after a second, where a person watches) over the kernels, then the loop
        bar = progress_bar(self._config["progress"], total + 1, "compiling kernels", "step")

        def progress(done, total, kernel):
            if bar is not None:
                bar.update(1)
            self._live.emit(self, "compiling", stage="compile", done=done, total=total)

        try:
            try:
                kernels = CompiledKernels(code, progress)
            except Exception as exc:  # numba typing/lowering errors
                raise CompilationError(
                    "the generated code did not compile; this is a bug in neuroworkbench "
                    f"or an unsupported construct. Generated code: net.generated_code()\n{exc}"
                ) from exc
            self._module, self._code = kernels, code
            self._path = None
            if bar is not None:
                bar.set_description("loading the simulation loop")
            try:
                self._call(kernels, code, 0, 0)  # the driver (compiled once per machine)
            except KernelMismatch as exc:  # pragma: no cover - types were read just above
                raise CompilationError(f"internal: {exc}") from None
            if bar is not None:
                bar.update(1)
        finally:
            if bar is not None:
                bar.close()
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

    # -- save/load, copies, parallel runs, callbacks ------------------------------
    # (engine.runtime.io, engine.runtime.parallel, engine.runtime.callbacks)
    def save(self, filename, populations=True, projections=True):
        """Save the state to ``filename`` (.npz, .gz, .mat or npz data); atomic."""
        from engine.runtime import io as state_files

        state_files.save(self, filename, populations, projections)

    def load(self, filename, populations=True, projections=True, pickle_encoding=None):
        """Restore a state written by :meth:`save`; checked first, never unpickles."""
        from engine.runtime import io as state_files

        state_files.load(self, filename, populations, projections, pickle_encoding)
        self._live.emit(self, "loaded")

    def report(self, filename="./report.tex", standalone=True, gather_subprojections=False,
               title=None, author=None, date=None):
        """Describe this network in a LaTeX (.tex) or Markdown (.md) file
        (ANNarchy's ``report``; engine.runtime.report)."""
        from engine.runtime.report import report

        report(self, filename, standalone, gather_subprojections, title, author, date)

    def copy(self, *args, **kwargs):
        """A new, uncompiled instance of this network's class built with these arguments."""
        from engine.runtime import parallel

        return parallel.copy(self, *args, **kwargs)

    def parallel_run(self, method, number, max_processes=-1, seeds=None, measure_time=False,
                     executor=None, **kwargs):
        """Run ``method(copy, **kwargs)`` on ``number`` copies in other processes."""
        from engine.runtime import parallel

        return parallel.parallel_run(self, method, number, max_processes, seeds, measure_time,
                            executor, **kwargs)

    def clear_all_callbacks(self):
        """Forget every callback declared with ``@every`` (cannot be undone)."""
        callbacks.clear_all_callbacks(self)

    def _simulate_steps(self, n_steps):
        callbacks.simulate_steps(self, n_steps)

    def _run(self, n_steps: int, until: int = 0) -> int:
        # structural plasticity stops the compiled loop where a rule is due
        if any("_structural" in p.__dict__ for p in self._projections):
            from engine.runtime import structural

            return structural.run(self, n_steps, until, super()._run)
        return super()._run(n_steps, until)

    def _init_again(self, dt, seed):
        from engine.runtime import parallel

        parallel.init_again(self, dt, seed)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        from engine.runtime import parallel

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
                m._intervals.restart(m.variables, 0.0, bool(m._active[0]))
            else:  # keep the data: close the running interval, open one at t = 0
                m._intervals.jump(self.time, 0.0, bool(m._active[0]))
        self._step = 0
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
        self._imported_constants.clear()
        self._compiled = False
        self._module = self._code = None
        self._initial_state = None
        self._step = 0

    def __repr__(self):
        return (f"<Network dt={self.dt} ms, {len(self._populations)} population(s), "
                f"{'compiled' if self._compiled else 'not compiled'}>")


active.set_network_factory(Network)
