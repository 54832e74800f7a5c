"""The active network, for the classic ANNarchy-4 global style.

``Population(...)``, ``Monitor(...)``, ``compile()``, ``simulate()`` without a
network act on the *active* network: the innermost one entered with
``with net:``, else a default network created on first use. Explicit
``Network`` objects never see each other; only this module knows which one
is active.
"""

from __future__ import annotations

__all__ = [
    "active_network", "default_network", "setup", "compile", "simulate", "simulate_until",
    "step", "reset", "get_population", "get_populations", "get_monitors", "get_time",
    "get_current_step", "clear", "enable_learning", "disable_learning", "get_constant",
]

_stack: list = []
_default = None


def default_network():
    """The network used when none is active (created on first use)."""
    global _default
    if _default is None:
        from engine.runtime.network import Network

        _default = Network()
    return _default


def active_network():
    """The innermost network entered with ``with net:``, or the default one."""
    return _stack[-1] if _stack else default_network()


def _push(net):
    _stack.append(net)


def _pop(net):
    if _stack and _stack[-1] is net:
        _stack.pop()


def setup(**kwargs):
    """Configure the active network (``setup(dt=0.1, seed=42)``), as ANNarchy 4."""
    active_network().config(**kwargs)


def compile(**kwargs):  # noqa: A001 - ANNarchy's name
    """Compile the active network."""
    return active_network().compile(**kwargs)


def simulate(duration, measure_time=False):
    """Simulate the active network for ``duration`` ms."""
    return active_network().simulate(duration, measure_time=measure_time)


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


def get_time() -> float:
    return active_network().time


def get_current_step() -> int:
    return active_network().current_step


def enable_learning(projections=None, period=None, offset=None):
    return active_network().enable_learning(projections, period, offset)


def disable_learning(projections=None):
    return active_network().disable_learning(projections)


def clear():
    """Forget the default network and everything in it (ANNarchy's ``clear()``)."""
    global _default
    if _default is not None:
        _default.clear()
    _default = None
    _stack.clear()
