"""The active network, for the classic ANNarchy-4 global style.

``Population(...)``, ``Monitor(...)``, ``compile()``, ``simulate()`` without a
network act on the *active* network: the innermost one entered with
``with net:``, else a default network created on first use. Explicit
``Network`` objects never see each other; only this module knows which one
is active.

Both the ``with`` stack and the default network are per context
(``contextvars``): each thread starts with its own, so two web sessions
served on two threads, or two workers, never share a default network.

This module is a leaf: ``engine.runtime.network`` registers the class the
default network is made of (:func:`set_network_factory`).
"""

from __future__ import annotations

import contextvars

__all__ = [
    "active_network", "default_network", "setup", "compile", "simulate", "simulate_until",
    "step", "reset", "get_population", "get_populations", "get_monitors", "get_time",
    "get_current_step", "set_time", "set_current_step", "clear", "enable_learning",
    "disable_learning", "get_constant",
    "dt", "get_projection", "get_projections", "set_seed", "save", "load",
]

_stack: contextvars.ContextVar[tuple] = contextvars.ContextVar("engine_network_stack",
                                                                default=())
_default: contextvars.ContextVar = contextvars.ContextVar("engine_default_network",
                                                          default=None)
_factory = None


def set_network_factory(factory) -> None:
    """The callable that makes a default network (``Network``)."""
    global _factory
    _factory = factory


def network_class():
    """The class of networks (registered by ``engine.runtime.network``): lets
    lower modules make or recognise a network without importing it."""
    if _factory is None:  # pragma: no cover - engine.runtime.network sets it
        raise RuntimeError("internal: no network factory registered")
    return _factory


def default_network():
    """The network used when none is active (created on first use, one per
    thread or context)."""
    net = _default.get()
    if net is None:
        if _factory is None:  # pragma: no cover - engine.runtime.network sets it
            raise RuntimeError("internal: no network factory registered")
        net = _factory()
        _default.set(net)
    return net


def global_constants() -> list:
    """The constants defined at the global level (``Constant('c', 1.0)`` with no
    network entered: the default network's), which a new ``Network()`` imports
    as ANNarchy 5 does. Empty when no default network exists yet."""
    net = _default.get()
    return list(net._constants.values()) if net is not None else []


def active_network():
    """The innermost network entered with ``with net:``, or the default one."""
    stack = _stack.get()
    return stack[-1] if stack else default_network()


def _push(net):
    _stack.set(_stack.get() + (net,))


def _pop(net):
    stack = _stack.get()
    if stack and stack[-1] is net:
        _stack.set(stack[:-1])


def setup(**kwargs):
    """Configure the active network (``setup(dt=0.1, seed=42)``), as ANNarchy 4."""
    active_network().config(**kwargs)


def compile(directory=None, clean=False, **kwargs):  # noqa: A001 - ANNarchy's name
    """Compile the active network (``compile('annarchy_dir')`` as ANNarchy:
    its first argument is the folder, which the engine's cache replaces)."""
    return active_network().compile(directory, clean, **kwargs)


def simulate(duration, measure_time=False, report=None, report_period=1.0, progress=None):
    """Simulate the active network for ``duration`` ms."""
    return active_network().simulate(duration, measure_time=measure_time, report=report,
                                     report_period=report_period, progress=progress)


def simulate_until(max_duration, population, operator="and", measure_time=False):
    return active_network().simulate_until(max_duration, population, operator, measure_time)


def step():
    return active_network().step()


def reset(populations=True, projections=False, monitors=True, synapses=False):
    return active_network().reset(populations, projections, monitors, synapses)


def get_population(name):
    return active_network().get_population(name)


def get_populations():
    return active_network().get_populations()


def get_monitors():
    return active_network().get_monitors()


def get_constant(name):
    return active_network().get_constant(name)


def get_projection(name):
    return active_network().get_projection(name)


def get_projections():
    return active_network().get_projections()


def dt() -> float:
    """The time step of the active network, ms (ANNarchy 4's ``dt()``)."""
    return active_network().dt


def set_seed(seed):
    """Seed the active network (before its populations are created)."""
    active_network().config(seed=seed)


def save(filename, populations=True, projections=True):
    """Save the state of the active network (atomic; see ``Network.save``)."""
    return active_network().save(filename, populations, projections)


def load(filename, populations=True, projections=True, pickle_encoding=None):
    """Load a state into the active network (checked first; never unpickles)."""
    return active_network().load(filename, populations, projections, pickle_encoding)


def get_time(net_id=None) -> float:
    """The current time of the active network, ms."""
    return _network(net_id).time


def set_time(t, net_id=None) -> None:
    """Set the time of the active (compiled) network, ms (ANNarchy 4's
    ``set_time``; see ``Network.time``)."""
    _network(net_id).time = t


def get_current_step(net_id=None) -> int:
    """The current step of the active network."""
    return _network(net_id).current_step


def set_current_step(step, net_id=None) -> None:
    """Set the current step of the active (compiled) network (ANNarchy 4's
    ``set_current_step``)."""
    _network(net_id).current_step = step


def _network(net_id):
    """ANNarchy's ``net_id`` argument: 0 or None is the active network; a
    Network object is itself (the engine keeps no registry of ids)."""
    if net_id is None or (isinstance(net_id, int) and not isinstance(net_id, bool)
                          and net_id == 0):
        return active_network()
    if isinstance(net_id, network_class()):
        return net_id
    from engine.errors import NetworkError

    raise NetworkError(f"net_id={net_id!r}: networks have no ids here; call the method "
                       "of the network instead (net.time = t, net.current_step = k)")


def enable_learning(projections=None, period=None, offset=None):
    return active_network().enable_learning(projections, period, offset)


def disable_learning(projections=None):
    return active_network().disable_learning(projections)


def clear(functions=True, neurons=True, synapses=True):
    """Forget the default network of this context and everything in it
    (ANNarchy's ``clear()``), and with ``functions`` the ``add_function``
    definitions. ``neurons``/``synapses`` are accepted for ANNarchy's signature:
    the engine keeps no registry of model types to erase."""
    if functions:
        from engine.language.function_registry import clear_functions

        clear_functions()
    net = _default.get()
    if net is not None:
        net.clear()
    _default.set(None)
    _stack.set(())
