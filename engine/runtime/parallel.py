"""Copies of a network and parallel runs: ``net.copy()``, ``net.parallel_run()``.

A network that can be copied is an instance of a *subclass* of
:class:`~engine.runtime.network.Network` that builds itself in its
constructor (ANNarchy 5's pattern)::

    class PulseNetwork(Network):
        def __init__(self, size=100, w=0.1):
            self.pop = self.create(size, neuron=LIF)
            self.proj = self.connect(self.pop, self.pop, 'exc').fixed_probability(0.1, w)
            self.m = self.monitor(self.pop, 'spike')

    net = PulseNetwork(size=200, dt=0.1, seed=42)

As in ANNarchy, ``dt`` and ``seed`` go to the network itself: the subclass's
``__init__`` does not need to accept them nor to call ``super().__init__()``
(it may do both, before creating anything). The constructor arguments are
recorded (``net._init_args``, ``net._init_kwargs``) so the network can be
rebuilt elsewhere. A plain ``Network`` filled by ``create()``/``connect()``
calls cannot be copied: nothing records how it was built.

``parallel_run(method, number, ...)`` rebuilds ``number`` copies in worker
processes, compiles each (machine code comes from memory or from the on-disk
cache), seeds each as asked, calls ``method(copy, **kwargs)`` and returns the
results in order. ``executor=`` runs the copies on any
``concurrent.futures.Executor`` or on a ``dask.distributed.Client`` instead.

How the worker processes start (:func:`start_method`), as ANNarchy where it is safe:

- ``fork`` (Linux, macOS when asked with ``multiprocessing.set_start_method('fork')``)
  while no Numba worker thread has started in this process: forking copies
  the interpreter as it is, so a script without an
  ``if __name__ == "__main__":`` guard works and a method defined in a
  notebook or in the script itself can be sent (ANNarchy's behaviour). Numba
  starts its worker threads the first time a ``parallel=True`` kernel runs
  (``config(num_threads=2)`` or more); a process holding the threads of the
  ``workqueue`` or ``omp`` layers cannot be forked safely (the child would
  wait for threads that do not exist in it), the ``tbb`` layer can.
- otherwise ``spawn``: the workers import the main script again, which must
  keep its main code under the ``__main__`` guard, and the method and the
  network class must be importable (module level of a ``.py`` file). A script
  without the guard gets an error that says so.

``multiprocessing.set_start_method('spawn')`` (or ``'forkserver'``) called by
the program is obeyed.
"""

from __future__ import annotations

import functools
import inspect
import os
import pickle
import sys
import threading
import time as _time

import numpy as np

from engine.errors import NetworkError
from engine.runtime.active import network_class

__all__ = ["copy", "parallel_run", "start_method"]

_P = inspect.Parameter


# ---------------------------------------------------------------------------
# constructor hook (called from Network.__init_subclass__ and Network.__init__)
# ---------------------------------------------------------------------------
def _named_params(init) -> dict:
    """{name: Parameter} of the arguments after self that can be given by name."""
    try:
        params = list(inspect.signature(init).parameters.values())
    except (TypeError, ValueError):
        return {}
    return {p.name: p for p in params[1:] if p.kind in (_P.POSITIONAL_OR_KEYWORD,
                                                        _P.KEYWORD_ONLY)}


def wrap_subclass_init(cls) -> None:
    """Wrap the ``__init__`` a Network subclass defines (ANNarchy 5 semantics).

    The wrapper initialises the Network part first with the ``dt``/``seed``
    keywords of the call (removed from the call, as ANNarchy does, unless the
    subclass's ``__init__`` names them as parameters), records the constructor
    arguments, then runs the subclass's ``__init__``.
    """
    init = cls.__dict__.get("__init__")
    if init is None or getattr(init, "_network_hook", False):
        return
    Network = network_class()
    named = _named_params(init)
    by_name = {k: k in named for k in ("dt", "seed")}

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        if self.__dict__.get("_constructing"):  # super().__init__() of a parent subclass
            return init(self, *args, **kwargs)
        Network.__init__(self, dt=kwargs.get("dt"), seed=kwargs.get("seed"))
        self._init_hooked = True
        self._init_args = args
        self._init_kwargs = {k: v for k, v in kwargs.items()
                             if k not in ("dt", "seed") or by_name[k]}
        call_kwargs = self._init_kwargs
        self._constructing = True
        try:
            init(self, *args, **call_kwargs)
        finally:
            self._constructing = False

    __init__._network_hook = True
    cls.__init__ = __init__


def init_again(net, dt, seed) -> None:
    """``Network.__init__`` called again (by a subclass) after the hook set it up:
    keep everything, apply an explicit ``dt``/``seed`` if nothing is built yet."""
    built = net._populations or net._projections or net._monitors or net._constants
    if dt is not None:
        dt = net._check_dt(dt)
        if dt != net.dt:
            if built:
                raise NetworkError("dt must be set before creating populations: call "
                                   "super().__init__(dt=...) first in the constructor")
            net._config["dt"] = dt
    if seed is not None and int(seed) != net.seed:
        if built:
            raise NetworkError("the seed must be set before creating populations: call "
                               "super().__init__(seed=...) first in the constructor")
        net._config["seed"] = int(seed)


# ---------------------------------------------------------------------------
# copies
# ---------------------------------------------------------------------------
def _user_init(cls):
    """The ``__init__`` the subclass defines (unwrapped), or None for a plain Network."""
    Network = network_class()
    for klass in cls.__mro__:
        if klass is Network:
            return None
        init = klass.__dict__.get("__init__")
        if init is not None:
            return getattr(init, "__wrapped__", init)
    return None


def _check_copyable(net, what: str):
    init = _user_init(type(net))
    if init is None:
        raise NetworkError(
            f"{what}: only networks defined as a subclass of Network can be copied (as in "
            "ANNarchy): a copy is rebuilt by calling the class, so a Network filled by "
            "create()/connect() calls cannot be reproduced. Define\n"
            "    class MyNetwork(Network):\n"
            "        def __init__(self, ...):\n"
            "            self.pop = self.create(...)\n"
            "            self.proj = self.connect(...)...\n"
            "and use net = MyNetwork(..., dt=..., seed=...)")
    return init


def _config_of(net) -> dict:
    return {k: v for k, v in net._config.items() if k not in ("dt", "seed")}


def _apply_config(net, config: dict) -> None:
    if net.compiled:
        return
    changes = {k: v for k, v in config.items() if net._config.get(k) != v}
    if changes:
        net.config(**changes)


def copy(net, *args, **kwargs):
    """A new, uncompiled instance of ``type(net)`` built with the given constructor
    arguments (``dt`` defaults to ``net.dt``, the seed to a random one; the
    configuration — precision, method, num_threads — is copied)."""
    init = _check_copyable(net, "copy()")
    if "dt" not in kwargs:
        try:  # dt given positionally to a constructor that names it
            covered = "dt" in inspect.signature(init).bind_partial(None, *args).arguments
        except (TypeError, ValueError):
            covered = False
        if not covered:
            kwargs["dt"] = net.dt
    new = type(net)(*args, **kwargs)
    _apply_config(new, _config_of(net))
    return new


# ---------------------------------------------------------------------------
# parallel runs
# ---------------------------------------------------------------------------
def _seeds(net, seeds, number) -> list[int]:
    if seeds is None:
        state = np.random.SeedSequence().generate_state(number, np.uint64)
        return [int(s) % 2**63 for s in state]
    if isinstance(seeds, str):
        if seeds == "same":
            return [net.seed] * number
        if seeds == "sequential":
            return [net.seed + i for i in range(number)]
        raise NetworkError(f"parallel_run(): seeds must be None, 'same', 'sequential', an int "
                           f"or a list of {number} ints, got {seeds!r}")
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return [int(seeds) + i for i in range(number)]
    try:
        out = [int(s) for s in seeds]
    except (TypeError, ValueError):
        raise NetworkError(f"parallel_run(): seeds must be None, 'same', 'sequential', an int "
                           f"or a list of ints, got {seeds!r}") from None
    if len(out) != number:
        raise NetworkError(f"parallel_run(): {len(out)} seeds given for {number} copies")
    return out


def _per_copy(name, value, number, i):
    if isinstance(value, list):
        if len(value) != number:
            raise NetworkError(f"parallel_run(): the list given for {name!r} has {len(value)} "
                               f"values, one per copy is needed ({number})")
        return value[i]
    return value


def _numba_threads_started() -> bool:
    """True once Numba's parallel worker threads run in this process."""
    numba_parallel = sys.modules.get("numba.np.ufunc.parallel")
    return bool(getattr(numba_parallel, "_is_initialized", False))


def _fork_safe_layer() -> bool:
    import numba

    try:
        return numba.threading_layer() == "tbb"
    except ValueError:  # pragma: no cover - threads started means a layer was chosen
        return False


def start_method() -> str:
    """How ``parallel_run`` starts its worker processes: ``'fork'`` when the
    platform offers it, the program did not choose another start method, and
    no Numba worker thread has started (or they belong to the fork-safe
    ``tbb`` layer); else the program's choice, or ``'spawn'``."""
    import multiprocessing

    chosen = multiprocessing.get_start_method(allow_none=True)
    if chosen not in (None, "fork"):
        return chosen
    if chosen is None and sys.platform != "linux":
        return "spawn"   # macOS, Windows: spawn unless the program asked for fork (ANNarchy)
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return "spawn"
    if _numba_threads_started() and not _fork_safe_layer():
        return "spawn"
    return "fork"


def _check_picklable(obj, what: str, fork: bool = False) -> None:
    module = getattr(obj, "__module__", None)
    main = sys.modules.get("__main__")
    if module == "__main__" and not getattr(main, "__file__", None) and not fork:
        raise NetworkError(
            f"parallel_run(): {what} is defined in an interactive session (__main__), which "
            "worker processes cannot import. Move it to a module (a .py file) and import it, "
            "or pass executor=dask.distributed.Client(...) (which serialises by value)")
    try:
        pickle.dumps(obj)
    except Exception as exc:
        raise NetworkError(
            f"parallel_run(): {what} cannot be sent to worker processes ({exc}). Define it at "
            "module level in an importable module (not inside a function, not a lambda); "
            "results and arguments must be picklable too") from exc


_GUARD_HINT = (
    "Worker processes are started with 'spawn' (fork is unsafe once Numba's worker threads "
    "have started in this process, e.g. after a run with config(num_threads=2)) and import "
    "the main script again: put the script's main code under\n"
    "    if __name__ == '__main__':\n"
    "so that they do not build and run the networks (and call parallel_run) themselves.")


def _is_dask_client(executor) -> bool:
    module = type(executor).__module__ or ""
    return module.split(".")[0] == "distributed" and hasattr(executor, "gather") \
        and hasattr(executor, "submit")


#: Copies run by threads of one process (thread pools, dask threads) are built
#: and compiled one at a time: connectors run Numba ``parallel=True`` kernels,
#: which abort the process when two threads launch them at once under the
#: ``workqueue`` threading layer, and importing one generated module from two
#: threads at once is not safe. Simulations run concurrently unless the
#: threading layer is ``workqueue`` (the generated loop may use parallel
#: kernels too).
_LOCK = threading.RLock()


def _threadsafe_parallel_kernels() -> bool:
    import numba

    try:
        return numba.threading_layer() in ("tbb", "omp")
    except ValueError:  # no parallel kernel has run yet in this process
        return str(numba.config.THREADING_LAYER).lower() in ("tbb", "omp")


def _worker(payload):
    """Runs in a worker: build the copy, compile it, run the method."""
    cls, args, kwargs, config, method, method_kwargs = payload
    with _LOCK:
        net = cls(*args, **kwargs)
        _apply_config(net, config)
        if not net.compiled:
            net.compile()
    if _threadsafe_parallel_kernels():
        return method(net, **method_kwargs)
    with _LOCK:
        return method(net, **method_kwargs)


def parallel_run(net, method, number, max_processes=-1, seeds=None, measure_time=False,
                 executor=None, **kwargs) -> list:
    """Run ``method(copy, **kwargs)`` on ``number`` copies of ``net``; results in order.

    Parameters
    ----------
    method : callable
        ``method(net, **kwargs)``, module level (picklable). Its return value
        must be picklable.
    number : int
        Number of copies.
    max_processes : int
        Worker processes to start (default ``-1``: one per core, at most ``number``).
        Ignored with ``executor``.
    seeds : None, 'same', 'sequential', int or list of int
        ``None``: a random seed per copy; ``'same'``: ``net.seed`` for all
        (identical results); ``'sequential'``: ``net.seed, net.seed + 1, ...``;
        an int ``s``: ``s, s + 1, ...``; a list: one seed per copy.
    measure_time : bool
        Print the total duration.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run the copies (default: a new pool of processes, forked when
        that is safe, see :func:`start_method`).
    **kwargs
        Arguments of the network's constructor (by name) replace those ``net``
        was built with; the others go to ``method``. A list of ``number`` values
        gives one value per copy; anything else is given to every copy.
    """
    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise NetworkError(_GUARD_HINT)
    init = _check_copyable(net, "parallel_run()")
    if not callable(method):
        raise NetworkError(f"parallel_run(): method must be a function, got {method!r}")
    if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or number < 1:
        raise NetworkError(f"parallel_run(): number must be a positive int, got {number!r}")
    number = int(number)
    seed_list = _seeds(net, seeds, number)
    cls = type(net)
    named = _named_params(init)
    try:
        sig = inspect.signature(init)
        bound = sig.bind(None, *getattr(net, "_init_args", ()), **getattr(net, "_init_kwargs", {}))
    except (TypeError, ValueError) as exc:  # pragma: no cover - the constructor accepted them
        raise NetworkError(f"parallel_run(): cannot reuse the constructor arguments: {exc}") \
            from None
    ctor_keys = [k for k in kwargs if k in named and k not in ("dt", "seed")]
    method_keys = [k for k in kwargs if k not in ctor_keys]
    config = _config_of(net)
    payloads = []
    for i in range(number):
        b = inspect.BoundArguments(sig, dict(bound.arguments))
        for k in ctor_keys:
            b.arguments[k] = _per_copy(k, kwargs[k], number, i)
        extra = {}
        if "seed" in named:
            b.arguments["seed"] = seed_list[i]
        else:
            extra["seed"] = seed_list[i]
        if "dt" not in named:
            extra["dt"] = net.dt
        m_kwargs = {k: _per_copy(k, kwargs[k], number, i) for k in method_keys}
        if i == 0:
            try:
                inspect.signature(method).bind(None, **m_kwargs)
            except TypeError as exc:
                raise NetworkError(f"parallel_run(): method {getattr(method, '__name__', method)}"
                                   f" cannot be called as method(net, **kwargs) with "
                                   f"{sorted(m_kwargs)}: {exc}") from None
            except ValueError:  # pragma: no cover - no signature (builtins)
                pass
        payloads.append((cls, b.args[1:], {**b.kwargs, **extra}, config, method, m_kwargs))

    from concurrent.futures import Executor, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    own = executor is None
    dask = not own and _is_dask_client(executor)
    if not own and not dask and not isinstance(executor, Executor):
        raise NetworkError("parallel_run(): executor must be a concurrent.futures.Executor or a "
                           f"dask.distributed.Client, got {type(executor).__name__}")
    how = start_method() if own else None
    fork = how == "fork"
    if own or isinstance(executor, ProcessPoolExecutor):
        _check_picklable(method, f"the method {getattr(method, '__qualname__', method)!r}",
                         fork)
        _check_picklable(cls, f"the network class {cls.__qualname__!r}", fork)
        try:
            pickle.dumps(payloads)
        except Exception as exc:
            raise NetworkError(f"parallel_run(): the constructor or method arguments cannot "
                               f"be sent to worker processes: {exc}") from exc
    t0 = _time.perf_counter()
    pool = None
    if own:
        if max_processes is None or max_processes == -1:
            max_processes = os.cpu_count() or 1
        if isinstance(max_processes, bool) or not isinstance(max_processes, (int, np.integer)) \
                or max_processes < 1:
            raise NetworkError(f"parallel_run(): max_processes must be a positive int or -1, "
                               f"got {max_processes!r}")
        pool = ProcessPoolExecutor(max_workers=min(number, int(max_processes)),
                                   mp_context=multiprocessing.get_context(how))
        executor = pool
    try:
        if dask:
            futures = [executor.submit(_worker, p, pure=False) for p in payloads]
        else:
            futures = [executor.submit(_worker, p) for p in payloads]
        results = []
        for i, fut in enumerate(futures):
            try:
                results.append(fut.result())
            except BrokenProcessPool as exc:
                hint = "" if fork else " " + _GUARD_HINT
                raise NetworkError(f"parallel_run(): a worker process died while running copy "
                                   f"{i} (out of memory, a crash in compiled code"
                                   + (")." if fork else ", or a script without the __main__ "
                                      "guard).") + hint) from exc
            except Exception as exc:
                exc.add_note(f"(raised by parallel_run() copy {i}, seed {seed_list[i]})")
                raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if measure_time:
        print(f"Running {number} networks in parallel took {_time.perf_counter() - t0:.3f} s.")
    return results

