"""Values of a network spec, and small helpers (messages, numbers, steps).

A *value* (a population's ``values`` entries, a projection's ``weights`` and
``delays``) is a number, a distribution written as text
(``"Normal(0.0, 1.0)"``, parsed with :mod:`ast` against a whitelist, never
evaluated) or as ``{"distribution": "Normal", "args": [0.0, 1.0]}``, or
(population values only) a list of one number per neuron.
:func:`parse_value` turns a value into its engine form, :func:`format_value`
into Python source (the exported script).

Used by :mod:`workbench.ui.network_spec` and the modules it is split into
(:mod:`~workbench.ui.network_checks`, :mod:`~workbench.ui.network_memory`,
:mod:`~workbench.ui.network_script`); imports none of them.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import math
import numbers

import numpy as np

from engine import DiscreteUniform, Exponential, LogNormal, Normal, Projection, Uniform
from workbench.errors import WorkspaceError

__all__ = ["parse_value", "format_value", "DISTRIBUTIONS"]

#: distributions a value may be drawn from (the engine's five)
DISTRIBUTIONS = {cls.name: cls for cls in (Uniform, Normal, LogNormal, Exponential,
                                           DiscreteUniform)}

MAX_TEXT = 200                # characters of a distribution text


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def _hint(name, choices) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _named(exc: Exception, kind: str, name: str) -> Exception:
    """``exc`` again, its message starting with the object it concerns."""
    msg = str(exc)
    if msg.startswith(f"{kind} {name!r}"):
        return exc
    try:
        new = type(exc)(f"{kind} {name!r}: {msg}")
    except Exception:  # pragma: no cover - an exception class with other arguments
        return exc
    return new


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (OverflowError, ValueError):
        return False


def _to_step(ms: float, dt: float) -> int:
    """ms -> step, ``round(t / dt)`` as the engine's inputs count time."""
    return int(round(float(ms) / dt))


def _duration_steps(duration, dt) -> int:
    """Steps ``Network.simulate(duration)`` runs (the engine's rounding)."""
    steps = int(round(float(duration) / dt))
    if abs(steps * dt - float(duration)) > 1e-6 * dt:
        steps = int(math.ceil(float(duration) / dt))
    return steps


# ---------------------------------------------------------------------------
# values: numbers, distributions (text parsed with ast, never evaluated), lists
# ---------------------------------------------------------------------------

def _numeric_literal(node) -> float | None:
    """The number an ``ast`` node is (``1``, ``-0.5``, ``+2e3``), or None."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if isinstance(node, ast.Constant) and _is_number(node.value) and _finite(node.value):
        return sign * float(node.value)
    return None


def _distribution(name: str, args: list):
    """An engine distribution, its parameters checked (numpy would fail later)."""
    cls = DISTRIBUTIONS.get(name)
    if cls is None:
        raise WorkspaceError(f"unknown distribution {name!r}{_hint(name, DISTRIBUTIONS)}; use "
                             f"one of {', '.join(DISTRIBUTIONS)}")
    sig = f"{name}({cls.signature()})"
    if len(args) != cls.arity:
        raise WorkspaceError(f"{sig} takes {cls.arity} number(s), got {len(args)}")
    if not all(_is_number(a) and _finite(a) for a in args):
        raise WorkspaceError(f"{sig}: the arguments must be finite numbers, got {args!r}")
    a = [float(x) for x in args]
    if cls in (Uniform, DiscreteUniform) and a[0] > a[1]:
        raise WorkspaceError(f"{name}({a[0]!r}, {a[1]!r}): min is above max; swap them")
    if cls in (Normal, LogNormal) and a[1] < 0:
        raise WorkspaceError(f"{name}({a[0]!r}, {a[1]!r}): sigma must be >= 0")
    if cls is Exponential and a[0] <= 0:
        raise WorkspaceError(f"Exponential({a[0]!r}): lambda must be > 0")
    return cls(*a)


def _parse_text(text: str):
    """``"0.5"`` -> 0.5; ``"Uniform(0, 1)"`` -> ``Uniform(0.0, 1.0)``."""
    fix = "write a number or a distribution such as Uniform(0.0, 1.0)"
    if len(text) > MAX_TEXT:
        raise WorkspaceError(f"text of {len(text)} characters; {fix}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise WorkspaceError(f"{text!r} is not a number or a distribution; {fix}") from None
    body = tree.body
    number = _numeric_literal(body)
    if number is not None:
        return number
    if not (isinstance(body, ast.Call) and isinstance(body.func, ast.Name)):
        raise WorkspaceError(f"{text!r} is not a number or a distribution; {fix}")
    name = body.func.id
    if name not in DISTRIBUTIONS:
        raise WorkspaceError(f"{text!r}: unknown distribution {name!r}{_hint(name, DISTRIBUTIONS)};"
                             f" use one of {', '.join(DISTRIBUTIONS)}")
    if body.keywords:
        raise WorkspaceError(f"{text!r}: give the arguments by position, "
                             f"{name}({DISTRIBUTIONS[name].signature()})")
    args = [_numeric_literal(a) for a in body.args]
    if any(a is None for a in args):
        raise WorkspaceError(f"{text!r}: the arguments of {name} must be numbers "
                             f"({name}({DISTRIBUTIONS[name].signature()}))")
    return _distribution(name, args)


def parse_value(value, *, lists: bool = True):
    """The engine form of a value: a float, a distribution, or a list of floats.

    Raises
    ------
    WorkspaceError
        Not a number, distribution or (``lists``) list of numbers.
    """
    if _is_number(value):
        if not _finite(value):
            raise WorkspaceError(f"{value!r} is not a finite number")
        return float(value)
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, dict):
        if set(value) != {"distribution", "args"} or not isinstance(value["args"], list) \
                or not isinstance(value["distribution"], str):
            raise WorkspaceError('a distribution is {"distribution": "Uniform", "args": [0.0, 1.0]}'
                                 f", got {value!r:.80}")
        return _distribution(value["distribution"], value["args"])
    if isinstance(value, list) and lists:
        if not all(_is_number(x) and _finite(x) for x in value):
            raise WorkspaceError("a list of values holds one finite number per neuron")
        return [float(x) for x in value]
    what = "a number, a distribution or a list of numbers" if lists else \
        "a number or a distribution"
    raise WorkspaceError(f"expected {what}, got {type(value).__name__} {value!r:.60}")


def format_value(value) -> str:
    """A parsed value as Python source (the exported script)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return repr(value)
    if isinstance(value, tuple(DISTRIBUTIONS.values())):
        return f"{value.name}({', '.join(repr(float(p)) for p in value.params)})"
    raise TypeError(f"not a parsed value: {value!r}")  # pragma: no cover


def _dist_bounds(value) -> tuple[float, float]:
    """Range of a parsed value (distributions: where nearly all draws fall)."""
    if isinstance(value, float):
        return value, value
    if isinstance(value, list):
        return (min(value), max(value)) if value else (0.0, 0.0)
    p = [float(x) for x in value.params]
    if isinstance(value, (Uniform, DiscreteUniform)):
        return p[0], p[1]
    if isinstance(value, Normal):
        return p[0] - 5 * p[1], p[0] + 5 * p[1]
    if isinstance(value, LogNormal):
        return 0.0, math.exp(min(p[0] + 5 * p[1], 700.0))
    return 0.0, 10.0 / p[0]   # Exponential


def _connector_args(j: dict) -> dict:
    """Keyword arguments of the projection's connector call, values parsed."""
    args = dict(j["params"])
    sig = inspect.signature(getattr(Projection, j["connector"])).parameters
    if "weights" in sig:
        args["weights"] = parse_value(j["weights"], lists=False)
    args["delays"] = parse_value(j["delays"], lists=False)
    return args
