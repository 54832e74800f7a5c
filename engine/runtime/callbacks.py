"""Periodic callbacks during ``simulate()``: the ``@every`` decorator (ANNarchy 5).

::

    net = Network(dt=0.1)
    ...
    @every(net, period=100.0, offset=-10.0)
    def step_input(n):
        pop.I = float(n) / 100.0

    net.simulate(1000.0)   # step_input(0) at t = 90 ms, (1) at 190 ms, ...

Semantics, as ANNarchy's ``every`` and ``_simulate_with_callbacks``:

* ``period`` (ms) is at least one step (``dt``); ``offset`` (ms, at most
  ``period``) delays the calls within the period and counts from the end of
  the period when negative; ``wait`` (ms, >= 0) delays the first call.
* Times count from the start of each ``simulate()`` call: a callback runs at
  the steps ``t0 + wait + (offset mod period) + k * period`` (``t0`` the step
  at which ``simulate`` was called) that fall before the end of the call. With
  no offset and no wait, the first call is made at the start of ``simulate``,
  before any step.
* ``n`` counts the calls of that callback within the ``simulate()`` call,
  from 0. At the call ``net.current_step`` is the step of the callback time,
  and the state is the one after the previous steps.
* Callbacks due at the same step run in the order they were declared.
* The compiled loop runs uninterrupted between callback times (monitors
  record across the chunks). ``simulate_until()`` and ``step()`` do not call
  callbacks (as in ANNarchy). A ``simulate()`` call made from inside a
  callback runs without callbacks.
* ``net.disable_callbacks()`` / ``enable_callbacks()`` switch them off and on
  (also from inside a callback: the remaining calls of the running
  ``simulate`` are skipped), ``net.clear_all_callbacks()`` forgets them.
"""

from __future__ import annotations

import heapq
import inspect
import math

from engine.errors import NetworkError
from engine.runtime.active import active_network, network_class

__all__ = ["every", "callbacks_enabled", "enable_callbacks", "disable_callbacks",
           "clear_all_callbacks", "simulate_steps"]


def _network(network):
    if network is None:
        return active_network()
    if not isinstance(network, network_class()):
        raise NetworkError(
            f"every(): the first argument is the network, got {network!r}; write "
            "@every(net, period=100.0) (or @every(period=100.0) for the active network)")
    return network


def _callbacks(net) -> list:
    cbs = net.__dict__.get("_callbacks")
    if cbs is None:
        cbs = net.__dict__["_callbacks"] = []
    return cbs


def _number(name, value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise NetworkError(f"every(): {name} must be a number of ms, got {value!r}") from None
    if not math.isfinite(value):
        raise NetworkError(f"every(): {name} must be finite, got {value}")
    return value


def _steps(ms: float, dt: float) -> int:
    """``ms / dt`` in whole steps, truncated toward zero (as ANNarchy's ``int()``),
    but exact when ``ms`` is a multiple of ``dt`` up to rounding (0.3 / 0.1 -> 3)."""
    k = ms / dt
    r = round(k)
    if abs(k - r) <= 1e-9 * max(1.0, abs(k)):
        return int(r)
    return int(k)


class every:  # noqa: N801 - ANNarchy's name
    """Decorator: call ``f(n)`` every ``period`` ms during ``simulate()``.

    Parameters
    ----------
    network : Network, optional
        The network whose simulations call the function (default: the active
        network, for the global ANNarchy-4 style).
    period : float
        Interval in ms between two calls (at least one step).
    offset : float
        Delay of the calls within the period in ms (default 0: the first call
        is at the start of ``simulate``); negative counts from the end of the
        period.
    wait : float
        Extra delay in ms before the first call (default 0).

    Notes
    -----
    The decorated function takes one argument ``n``, the number of the call
    (0 first) within the current ``simulate()``; it is returned unchanged.
    """

    def __init__(self, network=None, period: float = 1.0, offset: float = 0.0,
                 wait: float = 0.0):
        self.network = _network(network)
        dt = self.network.dt
        self.period = max(_number("period", period), dt)
        self.offset = min(_number("offset", offset), self.period)
        self.wait = max(_number("wait", wait), 0.0)
        self.func = None

    def __call__(self, func):
        if not callable(func):
            raise NetworkError(f"every() decorates a function f(n), got {func!r}")
        try:
            inspect.signature(func).bind(0)
        except TypeError:
            raise NetworkError(
                f"every(): the callback {getattr(func, '__name__', func)!r} must accept one "
                "argument n (the call number): def f(n): ...") from None
        except ValueError:  # pragma: no cover - no signature available
            pass
        self.func = func
        _callbacks(self.network).append(self)
        return func

    def __repr__(self):
        name = getattr(self.func, "__name__", None)
        return (f"<every period={self.period} offset={self.offset} wait={self.wait} "
                f"func={name}>")


def callbacks_enabled(network=None) -> bool:
    """True if callbacks run during ``simulate()`` of the network (default: active one)."""
    return bool(_network(network)._callbacks_enabled)


def enable_callbacks(network=None) -> None:
    _network(network)._callbacks_enabled = True


def disable_callbacks(network=None) -> None:
    _network(network)._callbacks_enabled = False


def clear_all_callbacks(network=None) -> None:
    """Forget every callback declared for the network (cannot be undone)."""
    _callbacks(_network(network)).clear()


def simulate_steps(net, n_steps: int) -> None:
    """Run ``n_steps`` steps, stopping the compiled loop at callback times."""
    cbs = net.__dict__.get("_callbacks")
    if not cbs or not net._callbacks_enabled or net.__dict__.get("_in_callback") \
            or n_steps <= 0:
        net._run(n_steps)
        return
    dt = net.dt
    t0 = net.current_step
    end = t0 + n_steps
    heap = []
    for order, cb in enumerate(list(cbs)):
        period = max(1, _steps(cb.period, dt))
        first = t0 + _steps(cb.wait, dt) + _steps(cb.offset, dt) % period
        if first < end:
            heap.append((first, order, 0, period, cb))
    heapq.heapify(heap)
    while heap and not net._live.stop_requested:
        when, order, n, period, cb = heapq.heappop(heap)
        if when > net.current_step:
            net._run(when - net.current_step)
            if net._live.stop_requested:
                break
        if net._callbacks_enabled and any(c is cb for c in cbs):
            net._in_callback = True
            try:
                cb.func(n)
            finally:
                net._in_callback = False
        if when + period < end:
            heapq.heappush(heap, (when + period, order, n + 1, period, cb))
    if net.current_step < end and not net._live.stop_requested:
        net._run(end - net.current_step)
