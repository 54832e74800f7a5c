"""A network as plain data: edited by the web app, checked on every edit,
built into an :class:`engine.Network`, exported as a Python script.

The data (what workspace files store; every value JSON-able)::

    {"dt": 0.1, "seed": 42,
     "populations": [{"name": "exc", "model": "Izhikevich", "size": 800,
                      "values": {"a": 0.02, "v": "Uniform(-65.0, -60.0)",
                                 "i_offset": [0.0, 1.0, ...]}}],
     "inputs": [{"name": "noise", "kind": "poisson", "size": 100, "rates": 20.0},
                {"name": "stim", "kind": "spike_times", "spike_times": [[10.0], [15.0]]},
                {"name": "step", "kind": "current_step", "population": "exc",
                 "variable": "i_offset", "amplitude": 10.0, "start": 100.0, "stop": 600.0}],
     "projections": [{"name": "ee", "pre": "exc", "post": "exc", "target": "exc",
                      "synapse": None, "connector": "fixed_probability",
                      "params": {"probability": 0.1}, "weights": "Uniform(0.0, 0.5)",
                      "delays": 1.0}]}

A *value* (``values`` entries, ``weights``, ``delays``) is a number, a
distribution written as text (``"Normal(0.0, 1.0)"``, parsed with :mod:`ast`
against a whitelist, never evaluated) or as ``{"distribution": "Normal",
"args": [0.0, 1.0]}``, or (population values only) a list of one number per
neuron.

A current step adds ``amplitude`` to the population's parameter ``variable``
from ``start`` to ``stop`` ms (``stop`` None: to the end): the parameter is
its own value (``values`` or the model's default) before and after, and that
value plus the amplitudes of the steps active at a time step in between. The
engine has no scheduled parameter change that survives chunked runs, so
:meth:`BuiltNetwork.simulate` applies the changes between runs of the
compiled loop, exactly at the step ``round(start / dt)`` (and ``stop``);
:meth:`NetworkSpec.schedule` lists them for runners of their own.

Checks come in two levels: :meth:`NetworkSpec.from_dict` and every mutation
refuse what is malformed (types, names, unknown keys: :class:`WorkspaceError`,
the spec unchanged); :meth:`NetworkSpec.problems` reports what is well formed
but wrong (unknown model, size 0, a target the model never reads...), in
milliseconds, so the editor can show it while the user types.
"""

from __future__ import annotations

import ast
import copy
import difflib
import inspect
import keyword
import math
import numbers
import pprint
import re
from dataclasses import dataclass, field

import numpy as np
import param

import engine.models as builtin_models
from engine import (
    DiscreteUniform, Exponential, LogNormal, Monitor, Network, NeuroWorkbenchError, Normal,
    PoissonPopulation, Population, Projection, SpikeSourceArray, Uniform, model_from_spec,
)
from workbench.errors import WorkspaceError
from workbench.ui.model_library import ModelLibrary

__all__ = ["NetworkSpec", "BuiltNetwork", "CurrentStep", "parse_value", "format_value",
           "DISTRIBUTIONS", "CONNECTORS", "INPUT_KINDS"]

#: distributions a value may be drawn from (the engine's five)
DISTRIBUTIONS = {cls.name: cls for cls in (Uniform, Normal, LogNormal, Exponential,
                                           DiscreteUniform)}
#: connector methods whose arguments are plain numbers (the others take Python objects)
CONNECTORS = ("all_to_all", "one_to_one", "fixed_probability", "fixed_number_pre",
              "fixed_number_post", "gaussian", "dog")
INPUT_KINDS = ("poisson", "spike_times", "current_step")

MAX_NAME = 200
MAX_SIZE = 2**31 - 1          # ranks are int32 in the engine
MAX_NUMBERS = 10_000_000      # numbers in one list (per-neuron values, spike times)
MAX_TEXT = 200                # characters of a distribution text

_REQUIRED = object()
_FIELDS = {
    "population": {"name": _REQUIRED, "model": _REQUIRED, "size": 1, "values": {}},
    "projection": {"name": _REQUIRED, "pre": _REQUIRED, "post": _REQUIRED, "target": "exc",
                   "synapse": None, "connector": "all_to_all", "params": {},
                   "weights": 1.0, "delays": 0.0},
    "poisson": {"name": _REQUIRED, "kind": "poisson", "size": 1, "rates": 10.0},
    "spike_times": {"name": _REQUIRED, "kind": "spike_times", "spike_times": [[]]},
    "current_step": {"name": _REQUIRED, "kind": "current_step", "population": _REQUIRED,
                     "variable": "i_offset", "amplitude": 1.0, "start": 0.0, "stop": None},
}


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def _hint(name, choices) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (OverflowError, ValueError):
        return False


def _human(nbytes: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(nbytes) < 1000 or unit == "TB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000.0
    return ""  # pragma: no cover


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


# ---------------------------------------------------------------------------
# structure: what from_dict and every mutation accept
# ---------------------------------------------------------------------------

def _check_name(what: str, name) -> str:
    if not isinstance(name, str):
        raise WorkspaceError(f"the name of a {what} is text, got {type(name).__name__} "
                             f"{name!r:.60}")
    if not name.strip() or len(name) > MAX_NAME or not name.isprintable():
        raise WorkspaceError(f"{what} name {name!r:.80}: use 1 to {MAX_NAME} printable "
                             "characters (no line breaks or tabs)")
    return name


def _number(who, key, value, *, none=False):
    if value is None and none:
        return None
    if not _is_number(value) or not _finite(value):
        raise WorkspaceError(f"{who}: {key} must be a finite number, got {value!r:.60}")
    return value


def _numbers(who, key, value) -> list:
    if not isinstance(value, list) or len(value) > MAX_NUMBERS \
            or not all(_is_number(x) and _finite(x) for x in value):
        raise WorkspaceError(f"{who}: {key} must be a list of finite numbers "
                             f"(at most {MAX_NUMBERS:,})")
    return value


def _raw_value(who, key, value, *, lists=True, none=False):
    """A value as stored: number, text, distribution dict or list of numbers."""
    if value is None and none:
        return None
    if _is_number(value):
        return _number(who, key, value)
    if isinstance(value, str):
        if len(value) > MAX_TEXT or not value.isprintable():
            raise WorkspaceError(f"{who}: {key} text must be at most {MAX_TEXT} printable "
                                 "characters, such as 'Uniform(0.0, 1.0)'")
        return value
    if isinstance(value, dict):
        if set(value) != {"distribution", "args"} or not isinstance(value["distribution"], str) \
                or len(value["distribution"]) > MAX_NAME or not isinstance(value["args"], list) \
                or len(value["args"]) > 4:
            raise WorkspaceError(f'{who}: {key}: a distribution is {{"distribution": "Uniform", '
                                 f'"args": [0.0, 1.0]}}, got {value!r:.80}')
        _numbers(who, f"{key} args", value["args"])
        return value
    if isinstance(value, list) and lists:
        return _numbers(who, key, value)
    what = "a number, a distribution or a list of numbers" if lists else \
        "a number or a distribution (e.g. 'Uniform(0.0, 1.0)')"
    raise WorkspaceError(f"{who}: {key} must be {what}, got {type(value).__name__} "
                         f"{value!r:.60}")


def _fields(what: str, item, table: dict, label: str | None = None) -> dict:
    """A copy of ``item`` with the table's keys (defaults filled), else an error."""
    label = label or what
    if not isinstance(item, dict):
        raise WorkspaceError(f"a {label} is a dict, got {type(item).__name__}")
    name = item.get("name", "?")
    who = f"{label} {name!r:.80}" if isinstance(name, str) else label
    for k in item:
        if k not in table:
            raise WorkspaceError(f"{who}: unknown key {k!r:.60}{_hint(k, table)}; the keys are "
                                 f"{', '.join(table)}")
    out = {}
    for k, default in table.items():
        if k in item:
            out[k] = copy.deepcopy(item[k])
        elif default is _REQUIRED:
            raise WorkspaceError(f"{who}: missing {k!r}")
        else:
            out[k] = copy.deepcopy(default)
    _check_name(label, out["name"])
    return out


def _size(who, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise WorkspaceError(f"{who}: size must be a whole number of neurons, got "
                             f"{value!r:.60}")
    if not -MAX_SIZE <= value <= MAX_SIZE:
        raise WorkspaceError(f"{who}: size {value} is beyond the engine's {MAX_SIZE:,} neurons")
    return int(value)


def _str(who, key, value, *, none=False):
    if value is None and none:
        return None
    if not isinstance(value, str) or len(value) > MAX_NAME or not value.isprintable():
        raise WorkspaceError(f"{who}: {key} must be a name (text, 1 to {MAX_NAME} printable "
                             f"characters), got {value!r:.60}")
    return value


def check_population(item) -> dict:
    """A population dict, well formed and with its defaults; else WorkspaceError."""
    p = _fields("population", item, _FIELDS["population"])
    who = f"population {p['name']!r}"
    _str(who, "model", p["model"])
    p["size"] = _size(who, p["size"])
    if not isinstance(p["values"], dict):
        raise WorkspaceError(f"{who}: values must be a dict name -> value")
    for k, v in p["values"].items():
        _str(who, "a value's name", k)
        _raw_value(who, f"values[{k!r}]", v)
    return p


def check_input(item) -> dict:
    """An input dict (poisson, spike_times or current_step), well formed."""
    kind = item.get("kind") if isinstance(item, dict) else None
    if kind not in INPUT_KINDS:
        name = item.get("name", "?") if isinstance(item, dict) else "?"
        raise WorkspaceError(f"input {name!r:.80}: kind must be one of {', '.join(INPUT_KINDS)}, "
                             f"got {kind!r:.60}{_hint(kind, INPUT_KINDS)}")
    p = _fields("input", item, _FIELDS[kind])
    who = f"input {p['name']!r}"
    if kind == "poisson":
        p["size"] = _size(who, p["size"])
        if isinstance(p["rates"], (str, dict)):
            raise WorkspaceError(f"{who}: rates must be a number of Hz, or a list of one per "
                                 f"neuron, got {p['rates']!r:.60}")
        _raw_value(who, "rates", p["rates"])
    elif kind == "spike_times":
        times = p["spike_times"]
        if not isinstance(times, list) or not all(isinstance(t, list) for t in times):
            raise WorkspaceError(f"{who}: spike_times is one list of times (ms) per neuron, "
                                 "e.g. [[10.0, 20.0], [15.0]]")
        if sum(len(t) for t in times) > MAX_NUMBERS or len(times) > MAX_SIZE:
            raise WorkspaceError(f"{who}: at most {MAX_NUMBERS:,} spike times")
        for t in times:
            _numbers(who, "spike_times", t)
    else:
        _str(who, "population", p["population"])
        _str(who, "variable", p["variable"])
        if isinstance(p["amplitude"], (str, dict)):
            raise WorkspaceError(f"{who}: amplitude must be a number or a list of numbers (one "
                                 "per neuron)")
        _raw_value(who, "amplitude", p["amplitude"])
        _number(who, "start", p["start"])
        _number(who, "stop", p["stop"], none=True)
    return p


def check_projection(item) -> dict:
    """A projection dict, well formed and with its defaults; else WorkspaceError."""
    p = _fields("projection", item, _FIELDS["projection"])
    who = f"projection {p['name']!r}"
    for k in ("pre", "post", "target", "connector"):
        _str(who, k, p[k])
    _str(who, "synapse", p["synapse"], none=True)
    if not isinstance(p["params"], dict):
        raise WorkspaceError(f"{who}: params must be a dict of the connector's arguments")
    for k, v in p["params"].items():
        _str(who, "a connector argument's name", k)
        if not (isinstance(v, bool) or (_is_number(v) and _finite(v))):
            raise WorkspaceError(f"{who}: params[{k!r}] must be a number or true/false, got "
                                 f"{v!r:.60}")
    _raw_value(who, "weights", p["weights"], lists=False, none=True)
    _raw_value(who, "delays", p["delays"], lists=False)
    return p


_CHECKS = {"population": check_population, "input": check_input,
           "projection": check_projection}


# ---------------------------------------------------------------------------
# the built network
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CurrentStep:
    """A current step in steps: ``variable`` of ``population`` gets
    ``+ amplitude`` for ``start_step <= step < stop_step`` (None: no end)."""

    name: str
    population: str
    variable: str
    start_step: int
    stop_step: int | None
    amplitude: float | tuple


@dataclass
class BuiltNetwork:
    """What :meth:`NetworkSpec.build` makes: the network (not compiled) and
    its objects by name.

    ``populations`` holds the model populations and the input populations;
    ``current_steps`` and ``baselines`` (the stepped parameters' own values,
    per ``(population, variable)``) drive :meth:`simulate`; ``monitors`` is
    filled by :meth:`record`.
    """

    net: Network
    populations: dict[str, Population]
    projections: dict[str, Projection]
    current_steps: list[CurrentStep] = field(default_factory=list)
    baselines: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    monitors: dict[str, Monitor] = field(default_factory=dict)

    def record(self, record: dict[str, list[str]]) -> dict[str, Monitor]:
        """Monitor ``{population: [variables]}`` (``'spike'`` for spikes), in order."""
        for name, variables in record.items():
            if name not in self.populations:
                raise WorkspaceError(f"cannot record {name!r}: no population of that name; "
                                     f"the populations are {', '.join(self.populations)}")
            if variables:
                try:
                    self.monitors[name] = self.net.monitor(self.populations[name],
                                                           list(variables))
                except NeuroWorkbenchError as exc:
                    raise _named(exc, "monitor", name) from exc
        return self.monitors

    # -- current steps ---------------------------------------------------------
    def boundaries(self) -> list[int]:
        """Steps at which a current step starts or stops, sorted."""
        out = set()
        for s in self.current_steps:
            out.add(s.start_step)
            if s.stop_step is not None:
                out.add(s.stop_step)
        return sorted(out)

    def active(self, population: str, variable: str, step: int) -> list[CurrentStep]:
        return [s for s in self.current_steps
                if (s.population, s.variable) == (population, variable)
                and s.start_step <= step and (s.stop_step is None or step < s.stop_step)]

    def value_at(self, population: str, variable: str, step: int):
        """The value of a stepped parameter at ``step``."""
        base = self.baselines[(population, variable)]
        on = self.active(population, variable, step)
        if not on:
            return base.copy()
        total = 0.0
        for s in on:
            total = total + (np.asarray(s.amplitude) if isinstance(s.amplitude, tuple)
                             else s.amplitude)
        return base + total

    def apply_inputs(self) -> None:
        """Set every stepped parameter to its value at the network's current step."""
        step = self.net.current_step
        for pop, var in self.baselines:
            setattr(self.populations[pop], var, self.value_at(pop, var, step))

    def schedule(self) -> list[tuple[float, str, str, object]]:
        """``(time_ms, population, variable, value)`` of every change, in time order."""
        out = []
        dt = self.net.dt
        for b in self.boundaries():
            for pop, var in self.baselines:
                if b == 0 or {s.name for s in self.active(pop, var, b)} != \
                        {s.name for s in self.active(pop, var, b - 1)}:
                    out.append((b * dt, pop, var, self.value_at(pop, var, b)))
        return out

    def simulate(self, duration: float, **kwargs) -> None:
        """``net.simulate(duration)``, applying the current steps at their exact
        steps; safe to call chunk by chunk (``**kwargs`` go to ``net.simulate``).
        Stops early, as the engine, after ``net.stop()``."""
        net = self.net
        if not self.current_steps:
            net.simulate(duration, **kwargs)
            return
        end = net.current_step + _duration_steps(duration, net.dt)
        bounds = self.boundaries()
        while True:
            self.apply_inputs()
            first = net.current_step
            if first >= end:
                return
            nxt = min([b for b in bounds if b > first] + [end])
            net.simulate((nxt - first) * net.dt, **kwargs)
            if net.current_step != nxt:   # stopped
                return


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


# ---------------------------------------------------------------------------
# the spec
# ---------------------------------------------------------------------------

class NetworkSpec(param.Parameterized):
    """A network as data; see the module docstring for the format.

    Parameters
    ----------
    library : ModelLibrary
        Where model names (``"Izhikevich"``, the user's models) are looked up.
    **params
        ``dt``, ``seed``, ``populations``, ``inputs``, ``projections``.
    """

    dt = param.Number(default=0.1, doc="Step size in ms.")
    seed = param.Integer(default=42, allow_None=True,
                         doc="Seed of every random number (None: a new one each build).")
    populations = param.List(default=[], item_type=dict,
                             doc="Populations: name, model, size, values.")
    inputs = param.List(default=[], item_type=dict,
                        doc="Inputs: poisson, spike_times or current_step dicts.")
    projections = param.List(default=[], item_type=dict,
                             doc="Projections: name, pre, post, target, synapse, connector, "
                                 "params, weights, delays.")
    renamed = param.Parameter(default=None,
                              doc="(kind, old, new) of the last rename, for views and the "
                                  "workspace to follow.")

    def __init__(self, library: ModelLibrary, **params):
        if not isinstance(library, ModelLibrary):
            raise WorkspaceError(f"NetworkSpec needs a ModelLibrary, got {type(library).__name__}")
        super().__init__(**params)
        self.library = library
        self._models: dict[str, tuple] = {}

    # -- data in, data out ---------------------------------------------------------
    def to_dict(self) -> dict:
        """The network as JSON-able data (a deep copy)."""
        return copy.deepcopy({"dt": self.dt, "seed": self.seed,
                              "populations": self.populations, "inputs": self.inputs,
                              "projections": self.projections})

    @classmethod
    def from_dict(cls, library: ModelLibrary, data) -> "NetworkSpec":
        """A spec from data, trusting nothing.

        Raises
        ------
        WorkspaceError
            Wrong types, unknown keys, bad or duplicate names, lists too long.
            Well-formed mistakes (an unknown model, a size of 0) load, and
            :meth:`problems` reports them.
        """
        if not isinstance(data, dict):
            raise WorkspaceError(f"a network is a dict, got {type(data).__name__}")
        keys = ("dt", "seed", "populations", "inputs", "projections")
        for k in data:
            if k not in keys:
                raise WorkspaceError(f"network: unknown key {k!r:.60}{_hint(k, keys)}; the keys "
                                     f"are {', '.join(keys)}")
        dt = _number("network", "dt", data.get("dt", 0.1))
        seed = data.get("seed", None)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                                 or not 0 <= seed < 2**63):
            raise WorkspaceError(f"network: seed must be a whole number from 0 to 2**63 - 1, or "
                                 f"null, got {seed!r:.60}")
        lists = {}
        for k, what in (("populations", "population"), ("inputs", "input"),
                        ("projections", "projection")):
            items = data.get(k, [])
            if not isinstance(items, list):
                raise WorkspaceError(f"network: {k} must be a list, got {type(items).__name__}")
            lists[k] = [_CHECKS[what](it) for it in items]
        seen = set()
        for it in lists["populations"] + lists["inputs"]:
            if it["name"] in seen:
                raise WorkspaceError(f"two populations or inputs are named {it['name']!r}: "
                                     "names must be unique")
            seen.add(it["name"])
        seen = set()
        for it in lists["projections"]:
            if it["name"] in seen:
                raise WorkspaceError(f"two projections are named {it['name']!r}")
            seen.add(it["name"])
        return cls(library, dt=float(dt), seed=seed, **lists)

    # -- edits ---------------------------------------------------------------------------
    def _list(self, kind: str) -> str:
        return {"population": "populations", "input": "inputs",
                "projection": "projections"}[kind]

    def _index(self, kind: str, name: str) -> int:
        items = getattr(self, self._list(kind))
        for i, it in enumerate(items):
            if it.get("name") == name:
                return i
        names = [it.get("name") for it in items]
        raise WorkspaceError(f"no {kind} named {name!r}{_hint(name, names)}; the {kind}s are "
                             f"{', '.join(map(repr, names)) or 'none yet'}")

    def _taken(self, kind: str) -> set:
        lists = ("projections",) if kind == "projection" else ("populations", "inputs")
        return {it.get("name") for k in lists for it in getattr(self, k)}

    def free_name(self, base: str, kind: str = "population") -> str:
        """``base``, or ``base2``, ``base3``... whichever is free."""
        taken, n, name = self._taken(kind), 1, base
        while name in taken:
            n += 1
            name = f"{base}{n}"
        return name

    def _add(self, kind: str, item: dict) -> dict:
        item = _CHECKS[kind](item)
        if item["name"] in self._taken(kind):
            what = "projection" if kind == "projection" else "population or input"
            raise WorkspaceError(f"a {what} named {item['name']!r} exists already: choose "
                                 f"another name (e.g. {self.free_name(item['name'], kind)!r})")
        lst = self._list(kind)
        setattr(self, lst, getattr(self, lst) + [item])
        return copy.deepcopy(item)

    def _update(self, kind: str, name: str, changes: dict) -> dict:
        lst = self._list(kind)
        items = getattr(self, lst)
        i = self._index(kind, name)
        item = _CHECKS[kind]({**items[i], **changes})
        new = item["name"]
        if new != name and new in self._taken(kind):
            raise WorkspaceError(f"cannot rename {kind} {name!r} to {new!r}: that name is taken")
        updates = {lst: items[:i] + [item] + items[i + 1:]}
        if new != name and kind != "projection":
            updates.update(self._renamed_references(name, new, updates))
        if new != name:
            updates["renamed"] = (kind, name, new)
        self.param.update(**updates)
        return copy.deepcopy(item)

    def _renamed_references(self, old: str, new: str, pending: dict) -> dict:
        """Projections and current steps that name ``old``, naming ``new``."""
        projs = [{**p, **{k: new for k in ("pre", "post") if p.get(k) == old}}
                 for p in pending.get("projections", self.projections)]
        inputs = [{**x, "population": new}
                  if x.get("kind") == "current_step" and x.get("population") == old else x
                  for x in pending.get("inputs", self.inputs)]
        return {"projections": projs, "inputs": inputs}

    def _users(self, name: str) -> list[tuple[str, str]]:
        """(kind, name) of the projections and current steps that use ``name``."""
        out = [("projection", p.get("name")) for p in self.projections
               if name in (p.get("pre"), p.get("post"))]
        out += [("input", x.get("name")) for x in self.inputs
                if x.get("kind") == "current_step" and x.get("population") == name]
        return out

    def _remove(self, kind: str, name: str, cascade: bool) -> None:
        self._index(kind, name)
        users = self._users(name) if kind != "projection" else []
        if users and not cascade:
            what = ", ".join(f"{k} {n!r}" for k, n in users)
            raise WorkspaceError(f"{kind} {name!r} is used by {what}: remove those first, or "
                                 "remove it with cascade=True to remove them too")
        gone = set(users) | {(kind, name)}
        updates = {}
        for k, lst in (("population", "populations"), ("input", "inputs"),
                       ("projection", "projections")):
            items = getattr(self, lst)
            kept = [it for it in items if (k, it.get("name")) not in gone]
            if len(kept) != len(items):
                updates[lst] = kept
        self.param.update(**updates)

    def add_population(self, name: str, model: str, size: int = 1,
                       values: dict | None = None) -> dict:
        """Add a population; returns it (defaults filled).

        Raises
        ------
        WorkspaceError
            Malformed, or the name is taken.
        """
        return self._add("population", {"name": name, "model": model, "size": size,
                                        "values": values or {}})

    def update_population(self, name: str, /, **changes) -> dict:
        """Change fields of population ``name`` (``name=`` renames it, and the
        projections and current steps that use it)."""
        return self._update("population", name, changes)

    def remove_population(self, name: str, cascade: bool = False) -> None:
        """Remove a population; refused while projections or current steps use
        it, unless ``cascade`` (they go too)."""
        self._remove("population", name, cascade)

    def set_value(self, population: str, key: str, value) -> dict:
        """Set one entry of a population's ``values``."""
        values = dict(self.populations[self._index("population", population)]["values"])
        values[key] = value
        return self.update_population(population, values=values)

    def unset_value(self, population: str, key: str) -> dict:
        """Drop one entry of a population's ``values`` (back to the model's default)."""
        values = dict(self.populations[self._index("population", population)]["values"])
        values.pop(key, None)
        return self.update_population(population, values=values)

    def add_input(self, name: str, kind: str, **fields) -> dict:
        """Add an input: ``add_input("noise", "poisson", size=100, rates=20.0)``,
        ``add_input("stim", "spike_times", spike_times=[[10.0]])``,
        ``add_input("step", "current_step", population="exc", variable="i_offset",
        amplitude=10.0, start=100.0, stop=600.0)``."""
        return self._add("input", {"name": name, "kind": kind, **fields})

    def update_input(self, name: str, /, **changes) -> dict:
        """Change fields of input ``name`` (a rename follows into projections)."""
        return self._update("input", name, changes)

    def remove_input(self, name: str, cascade: bool = False) -> None:
        """Remove an input; refused while projections use it, unless ``cascade``."""
        self._remove("input", name, cascade)

    def add_projection(self, name: str, pre: str, post: str, target: str = "exc",
                       synapse: str | None = None, connector: str = "all_to_all",
                       params: dict | None = None, weights=1.0, delays=0.0) -> dict:
        """Add a projection; returns it."""
        return self._add("projection", {
            "name": name, "pre": pre, "post": post, "target": target, "synapse": synapse,
            "connector": connector, "params": params or {}, "weights": weights,
            "delays": delays})

    def update_projection(self, name: str, /, **changes) -> dict:
        return self._update("projection", name, changes)

    def remove_projection(self, name: str) -> None:
        self._remove("projection", name, False)

    # -- models ---------------------------------------------------------------------------
    def _model(self, name: str):
        """``(model, None)`` or ``(None, message)``; parsed once per spec text."""
        try:
            spec = self.library.spec(name)
        except NeuroWorkbenchError:
            names = self.library.names()
            return None, f"no model named {name!r}{_hint(name, names)} in the library"
        key = repr(sorted((k, str(v)) for k, v in spec.items()))
        hit = self._models.get(name)
        if hit is not None and hit[0] == key:
            return hit[1], hit[2]
        try:
            if self.library.is_builtin(name):
                model, err = getattr(builtin_models, name)(), None
            else:
                model, err = model_from_spec(spec), None
        except NeuroWorkbenchError as exc:
            model, err = None, f"model {name!r} does not parse: {exc}"
        self._models[name] = (key, model, err)
        return model, err

    def _model_kind(self, name: str, kind: str):
        model, err = self._model(name)
        if model is not None and model.ir.kind != kind:
            names = self.library.names(kind)
            return None, (f"{name!r} is a {model.ir.kind} model, not a {kind}; the {kind} "
                          f"models are {', '.join(names)}")
        return model, err

    # -- checks --------------------------------------------------------------------------
    def problems(self) -> dict[str, list[str]]:
        """What is wrong, keyed ``"network"``, ``"population:<name>"``,
        ``"input:<name>"``, ``"projection:<name>"``; each message names the
        field and the fix. Empty when the network can be built. No compile:
        a few milliseconds for a small network."""
        return _Checker(self).run()

    def _raise_problems(self) -> None:
        problems = self.problems()
        if problems:
            lines = [f"{key}: {msg}" for key, msgs in problems.items() for msg in msgs]
            raise WorkspaceError("the network has problems; fix them first:\n  "
                                 + "\n  ".join(lines))

    def estimate_memory(self) -> int:
        """Bytes the built network will need, about (state, synapses, delay buffers;
        monitors not included). Cheap: nothing is built."""
        return _estimate(self)[0]

    def check_size(self, limit_bytes: int) -> None:
        """Refuse a network above ``limit_bytes`` (before anything is built).

        Raises
        ------
        WorkspaceError
            With the estimate, the neurons and synapses, and the limit.
        """
        total, neurons, synapses = _estimate(self)
        if total > limit_bytes:
            raise WorkspaceError(
                f"this network needs about {_human(total)} ({neurons:,} neurons, about "
                f"{synapses:,.0f} synapses), above the limit of {_human(limit_bytes)}: use "
                "smaller populations, sparser connections or shorter delays")

    # -- building ------------------------------------------------------------------------
    def build(self, net: Network | None = None) -> BuiltNetwork:
        """The engine objects (not compiled), in the order of the lists:
        populations, then inputs, then projections (the seed gives the same
        network every time).

        Parameters
        ----------
        net : Network, optional
            An empty, uncompiled network to build into (its dt and seed are
            used); default ``Network(dt=self.dt, seed=self.seed)``.

        Raises
        ------
        WorkspaceError
            :meth:`problems` is not empty.
        NeuroWorkbenchError
            From the engine, the object's name in the message.
        """
        self._raise_problems()
        if net is None:
            net = Network(dt=self.dt, seed=self.seed)
        pops: dict[str, Population] = {}
        for p in self.populations:
            model, _ = self._model(p["model"])
            try:
                pop = net.create(p["size"], neuron=model, name=p["name"])
                for key, raw in p["values"].items():
                    setattr(pop, key, parse_value(raw))
            except NeuroWorkbenchError as exc:
                raise _named(exc, "population", p["name"]) from exc
            pops[p["name"]] = pop
        for x in self.inputs:
            try:
                if x["kind"] == "poisson":
                    rates = parse_value(x["rates"])
                    pops[x["name"]] = net.create(PoissonPopulation(x["size"], rates=rates,
                                                                   name=x["name"]))
                elif x["kind"] == "spike_times":
                    times = [[float(t) for t in ts] for ts in x["spike_times"]]
                    pops[x["name"]] = net.create(SpikeSourceArray(spike_times=times,
                                                                  name=x["name"]))
            except NeuroWorkbenchError as exc:
                raise _named(exc, "input", x["name"]) from exc
        projs: dict[str, Projection] = {}
        for j in self.projections:
            synapse = None if j["synapse"] is None else self._model(j["synapse"])[0]
            try:
                proj = net.connect(pops[j["pre"]], pops[j["post"]], j["target"],
                                   synapse=synapse, name=j["name"])
                getattr(proj, j["connector"])(**_connector_args(j))
            except NeuroWorkbenchError as exc:
                raise _named(exc, "projection", j["name"]) from exc
            projs[j["name"]] = proj
        steps, baselines = self._current_steps(net.dt), {}
        for s in steps:
            key = (s.population, s.variable)
            if key not in baselines:
                baselines[key] = np.array(getattr(pops[s.population], s.variable),
                                          dtype=float, copy=True)
        return BuiltNetwork(net, pops, projs, steps, baselines)

    def _current_steps(self, dt: float) -> list[CurrentStep]:
        out = []
        for x in self.inputs:
            if x["kind"] != "current_step":
                continue
            amp = x["amplitude"]
            amp = tuple(float(a) for a in amp) if isinstance(amp, list) else float(amp)
            out.append(CurrentStep(x["name"], x["population"], x["variable"],
                                   max(0, _to_step(x["start"], dt)),
                                   None if x["stop"] is None else _to_step(x["stop"], dt),
                                   amp))
        return out

    def schedule(self, built: BuiltNetwork) -> list[tuple[float, str, str, object]]:
        """The parameter changes of the current steps, ``(time_ms, population,
        variable, value)`` in time order (:meth:`BuiltNetwork.simulate` applies
        them itself; this is for runners of their own)."""
        return built.schedule()

    # -- export ----------------------------------------------------------------------------
    def to_script(self, duration: float = 1000.0, record: dict | None = None) -> str:
        """The network as a runnable Python script of the engine's API.

        Built the same way as :meth:`build` (same order, same seed), it gives
        the same spikes. ``record``: ``{population: [variables]}``; default
        the spikes of every spiking model population, ``r`` of rate-coded ones.

        Raises
        ------
        WorkspaceError
            :meth:`problems` is not empty.
        """
        self._raise_problems()
        return _Script(self, duration, record).render()

    def default_record(self) -> dict[str, list[str]]:
        """Spikes of the spiking model populations, ``r`` of the rate-coded ones."""
        out = {}
        for p in self.populations:
            model, _ = self._model(p["model"])
            if model is not None:
                out[p["name"]] = ["spike"] if model.ir.spiking else ["r"]
        return out


def _connector_args(j: dict) -> dict:
    """Keyword arguments of the projection's connector call, values parsed."""
    args = dict(j["params"])
    sig = inspect.signature(getattr(Projection, j["connector"])).parameters
    if "weights" in sig:
        args["weights"] = parse_value(j["weights"], lists=False)
    args["delays"] = parse_value(j["delays"], lists=False)
    return args


# ---------------------------------------------------------------------------
# problems()
# ---------------------------------------------------------------------------

class _Checker:
    """One run of :meth:`NetworkSpec.problems`: small checks, one concern each.

    A *probe* network of one neuron per population lets the engine itself
    judge what only it knows (which targets a model reads, rate-coded versus
    spiking synapses, constants): building it costs milliseconds, nothing
    is compiled or connected.
    """

    def __init__(self, spec: NetworkSpec):
        self.spec = spec
        self.out: dict[str, list[str]] = {}
        self.pops: dict[str, dict] = {}       # well-formed model populations
        self.inputs: dict[str, dict] = {}     # well-formed inputs
        self.models: dict[str, object] = {}   # population name -> model
        self.sizes: dict[str, int] = {}
        self.probe = Network(dt=0.1, seed=0)
        self.probes: dict[str, Population] = {}

    def add(self, key: str, msg: str) -> None:
        self.out.setdefault(key, []).append(msg)

    def run(self) -> dict[str, list[str]]:
        self.network()
        for i, item in enumerate(self.spec.populations):
            self.population(i, item)
        for i, item in enumerate(self.spec.inputs):
            self.input(i, item)
        for i, item in enumerate(self.spec.inputs):
            if isinstance(item, dict) and item.get("kind") == "current_step" \
                    and item.get("name") in self.inputs:
                self.current_step(self.inputs[item["name"]])
        seen = set()
        for i, item in enumerate(self.spec.projections):
            self.projection(i, item, seen)
        return self.out

    @staticmethod
    def key(kind: str, i: int, item) -> str:
        name = item.get("name") if isinstance(item, dict) else None
        return f"{kind}:{name}" if isinstance(name, str) else f"{kind}:#{i + 1}"

    # -- network ------------------------------------------------------------------------
    def network(self):
        dt = self.spec.dt
        if not (_is_number(dt) and _finite(dt) and dt > 0):
            self.add("network", f"dt: must be a number of ms > 0, got {dt!r} (e.g. 0.1)")
        seed = self.spec.seed
        if seed is not None and not 0 <= seed < 2**63:
            self.add("network", f"seed: must be from 0 to 2**63 - 1 (or empty), got {seed}")
        if not self.spec.populations and not self.spec.inputs:
            self.add("network", "the network is empty: add a population")

    def _dt(self) -> float:
        dt = self.spec.dt
        return float(dt) if _is_number(dt) and _finite(dt) and dt > 0 else 0.1

    # -- populations --------------------------------------------------------------------
    def population(self, i, item):
        key = self.key("population", i, item)
        try:
            p = check_population(item)
        except WorkspaceError as exc:
            self.add(key, str(exc))
            return
        name = p["name"]
        if name in self.pops or name in self.inputs:
            self.add(key, f"name: {name!r} is used twice; rename one of them")
            return
        self.pops[name] = p
        if p["size"] < 1:
            self.add(key, f"size: must be a whole number >= 1, got {p['size']}")
        model, err = self.spec._model_kind(p["model"], "neuron")
        if err:
            self.add(key, f"model: {err}")
            return
        self.models[name] = model
        self.sizes[name] = max(p["size"], 0)
        try:
            with self.probe:
                probe = self.probe.create(1, neuron=model, name=name)
        except NeuroWorkbenchError as exc:
            self.add(key, f"model: {exc}")
            return
        self.probes[name] = probe
        for k, raw in p["values"].items():
            self.value(key, p, probe, k, raw)

    def value(self, key, p, probe, k, raw):
        attrs = probe.attributes
        if k not in attrs:
            self.add(key, f"values: {p['model']!r} has no parameter or variable {k!r}"
                          f"{_hint(k, attrs)}; its names are {', '.join(attrs)}")
            return
        try:
            value = parse_value(raw)
        except WorkspaceError as exc:
            self.add(key, f"values[{k!r}]: {exc}")
            return
        spec = probe.ir.variable(k) if k != "refractory" else None
        is_global = spec is not None and spec.locality == "global"
        if is_global and not isinstance(value, float):
            self.add(key, f"values[{k!r}]: {k!r} is one value for the whole population "
                          "(flag 'population'): give a single number")
            return
        if isinstance(value, list):
            if len(value) != p["size"]:
                self.add(key, f"values[{k!r}]: a list needs one number per neuron, "
                              f"{p['size']}, got {len(value)}")
                return
            tries = [min(value), max(value)] if value else []
        elif isinstance(value, float):
            tries = [value]
        else:
            lo, hi = _dist_bounds(value)
            tries = [v for v in (lo, hi) if k == "refractory" or
                     getattr(spec, "dtype", "float") != "float"] or []
        for v in tries:
            try:
                setattr(probe, k, v)
            except (NeuroWorkbenchError, ValueError) as exc:
                self.add(key, f"values[{k!r}]: {exc}")
                return

    # -- inputs -------------------------------------------------------------------------
    def input(self, i, item):
        key = self.key("input", i, item)
        try:
            x = check_input(item)
        except WorkspaceError as exc:
            self.add(key, str(exc))
            return
        name = x["name"]
        if name in self.pops or name in self.inputs:
            self.add(key, f"name: {name!r} is used twice; rename one of them")
            return
        self.inputs[name] = x
        if x["kind"] == "poisson":
            if x["size"] < 1:
                self.add(key, f"size: must be a whole number >= 1, got {x['size']}")
            rates = x["rates"]
            values = rates if isinstance(rates, list) else [rates]
            if isinstance(rates, list) and len(rates) != x["size"]:
                self.add(key, f"rates: one rate per neuron, {x['size']}, got {len(rates)} "
                              "(or give one number for all)")
            if any(r < 0 for r in values):
                self.add(key, f"rates: must be >= 0 Hz, got {min(values):g}")
            size = max(1, x["size"])
        elif x["kind"] == "spike_times":
            times = x["spike_times"]
            if not times:
                self.add(key, "spike_times: give one list of times (ms) per neuron, "
                              "e.g. [[10.0, 20.0], [15.0]]")
            for n, ts in enumerate(times):
                if any(t < 0 for t in ts):
                    self.add(key, f"spike_times: neuron {n} has a negative time "
                                  f"({min(ts):g} ms); times are >= 0 ms")
                    break
                if any(b < a for a, b in zip(ts, ts[1:])):
                    self.add(key, f"spike_times: the times of neuron {n} are not in "
                                  "increasing order; sort them")
                    break
            size = max(1, len(times))
        else:
            return
        self.sizes[name] = size
        try:
            with self.probe:
                self.probes[name] = (PoissonPopulation(1, rates=0.0, name=name)
                                     if x["kind"] == "poisson" else
                                     SpikeSourceArray([[]], name=name))
        except NeuroWorkbenchError as exc:  # pragma: no cover - inputs are engine-made
            self.add(key, str(exc))

    def current_step(self, x):
        key = f"input:{x['name']}"
        pop, var = x["population"], x["variable"]
        if pop in self.inputs:
            self.add(key, f"population: {pop!r} is an input; a current step goes to a model "
                          "population")
            return
        if pop not in self.pops:
            self.add(key, f"population: no population named {pop!r}{_hint(pop, self.pops)}; "
                          f"the populations are {', '.join(self.pops) or 'none yet'}")
            return
        model = self.models.get(pop)
        if x["stop"] is not None and x["stop"] <= x["start"]:
            self.add(key, f"stop: must be after start ({x['start']:g} ms), got "
                          f"{x['stop']:g} ms (or empty: until the end)")
        if x["start"] < 0:
            self.add(key, f"start: must be >= 0 ms, got {x['start']:g}")
        if model is None:
            return
        params = [v.name for v in model.ir.parameters]
        if var not in params:
            if var in model.ir.names:
                fix = ("; step a parameter it uses instead, e.g. 'i_offset'"
                       if "i_offset" in params else "; step one of its parameters instead")
                self.add(key, f"variable: {var!r} is a variable the model {model.ir.name!r} "
                              f"computes each step, not a parameter{fix}")
            else:
                self.add(key, f"variable: {model.ir.name!r} has no parameter {var!r}"
                              f"{_hint(var, params)}; its parameters are {', '.join(params)}")
            return
        amp = x["amplitude"]
        spec = model.ir.variable(var)
        if isinstance(amp, list):
            if spec.locality == "global":
                self.add(key, f"amplitude: {var!r} is one value for the whole population: "
                              "give a single number")
            elif len(amp) != self.pops[pop]["size"]:
                self.add(key, f"amplitude: one number per neuron, {self.pops[pop]['size']}, "
                              f"got {len(amp)} (or give one number for all)")

    # -- projections ------------------------------------------------------------------
    def projection(self, i, item, seen):
        key = self.key("projection", i, item)
        try:
            j = check_projection(item)
        except WorkspaceError as exc:
            self.add(key, str(exc))
            return
        if j["name"] in seen:
            self.add(key, f"name: {j['name']!r} is used twice; rename one of them")
            return
        seen.add(j["name"])
        ends_ok = True
        for end in ("pre", "post"):
            ends_ok &= self.endpoint(key, end, j[end])
        if not j["target"].isidentifier():
            self.add(key, f"target: must be a name such as 'exc' or 'inh', got {j['target']!r}")
            ends_ok = False
        synapse = None
        if j["synapse"] is not None:
            synapse, err = self.spec._model_kind(j["synapse"], "synapse")
            if err:
                self.add(key, f"synapse: {err} (or empty: the default synapse)")
                ends_ok = False
        self.connector(key, j)
        if ends_ok and j["pre"] in self.probes and j["post"] in self.probes:
            self.compatible(key, j, synapse)

    def endpoint(self, key, end, name) -> bool:
        if name in self.inputs and self.inputs[name]["kind"] == "current_step":
            self.add(key, f"{end}: {name!r} is a current step, not a population")
            return False
        if end == "post" and name in self.inputs:
            self.add(key, f"post: {name!r} is an input; projections end on a model population")
            return False
        if name not in self.pops and name not in self.inputs:
            names = list(self.pops) + [n for n, x in self.inputs.items()
                                       if x["kind"] != "current_step"]
            self.add(key, f"{end}: no population named {name!r}{_hint(name, names)}; the "
                          f"populations are {', '.join(names) or 'none yet'}")
            return False
        return True

    def connector(self, key, j):
        name = j["connector"]
        if name not in CONNECTORS:
            extra = (" (it takes Python objects, which a workspace cannot hold)"
                     if hasattr(Projection, name) and not name.startswith("_") else "")
            self.add(key, f"connector: unknown connector {name!r}{extra}{_hint(name, CONNECTORS)};"
                          f" use one of {', '.join(CONNECTORS)}")
            return
        sig = inspect.signature(getattr(Projection, name)).parameters
        allowed = [k for k in sig if k not in ("self", "weights", "delays", "storage_format",
                                                "storage_order")]
        params = j["params"]
        for k in params:
            if k not in allowed:
                where = ("weights and delays have their own fields" if k in ("weights", "delays")
                         else f"{name}() takes {', '.join(allowed) or 'no other argument'}")
                self.add(key, f"params: unknown argument {k!r}{_hint(k, allowed)}; {where}")
        for k in allowed:
            if sig[k].default is inspect.Parameter.empty and k not in params:
                self.add(key, f"params: {name}() needs {k!r}")
        for k, v in params.items():
            if k not in allowed:
                continue
            flag = isinstance(sig[k].default, bool)
            if flag != isinstance(v, bool):
                self.add(key, f"params[{k!r}]: must be {'true or false' if flag else 'a number'}"
                              f", got {v!r}")
        self.connector_values(key, j, sig)

    def connector_values(self, key, j, sig):
        params, name = j["params"], j["connector"]
        num = {k: v for k, v in params.items() if _is_number(v)}
        if "probability" in num and not 0 <= num["probability"] <= 1:
            self.add(key, f"params['probability']: must be between 0 and 1, got "
                          f"{num['probability']:g}")
        if "number" in num:
            n = num["number"]
            if n != int(n) or n < 0:
                self.add(key, f"params['number']: must be a whole number >= 0, got {n:g}")
            else:
                side = "pre" if name == "fixed_number_pre" else "post"
                avail = self.sizes.get(j[side])
                same = j["pre"] == j["post"] and not params.get("allow_self_connections", False)
                if avail is not None and n > avail - (1 if same else 0):
                    self.add(key, f"params['number']: {int(n)} is more than the {avail - same} "
                                  f"{side}-synaptic neurons available"
                                  + (" (self-connections excluded: allow them, or lower it)"
                                     if same else ""))
        for k in ("sigma", "sigma_pos", "sigma_neg"):
            if k in num and num[k] <= 0:
                self.add(key, f"params[{k!r}]: must be > 0, got {num[k]:g}")
        if "limit" in num and num["limit"] < 0:
            self.add(key, f"params['limit']: must be >= 0, got {num['limit']:g}")
        if "weights" in sig:
            if j["weights"] is None:
                self.add(key, "weights: give a number or a distribution such as "
                              "'Uniform(0.0, 0.5)'")
            else:
                try:
                    parse_value(j["weights"], lists=False)
                except WorkspaceError as exc:
                    self.add(key, f"weights: {exc}")
        elif j["weights"] is not None:
            self.add(key, f"weights: {name}() computes the weights itself; leave weights empty")
        try:
            delays = parse_value(j["delays"], lists=False)
        except WorkspaceError as exc:
            self.add(key, f"delays: {exc}")
            return
        lo, hi = _dist_bounds(delays)
        if isinstance(delays, float) and lo < 0 or isinstance(delays, (Uniform, DiscreteUniform)) \
                and lo < 0:
            self.add(key, f"delays: must be >= 0 ms, got {format_value(delays)}")
        elif hi / self._dt() > 1e7:
            self.add(key, f"delays: up to {hi:g} ms is more than 10 million steps of "
                          f"dt = {self._dt():g} ms; use shorter delays")

    def compatible(self, key, j, synapse):
        """The engine's own verdict on pre, post, target and synapse (probe)."""
        pre, post = self.probes[j["pre"]], self.probes[j["post"]]
        try:
            self.probe.connect(pre, post, j["target"], synapse=synapse)
        except NeuroWorkbenchError as exc:
            msg = str(exc)
            if pre.spiking != post.spiking and "does not use" in msg:
                kinds = {True: "spiking", False: "rate-coded"}
                self.add(key, f"post: {j['pre']!r} is {kinds[pre.spiking]} but {j['post']!r} is "
                              f"{kinds[post.spiking]}; a projection joins two spiking or two "
                              "rate-coded populations")
            elif "does not use" in msg:
                if pre.spiking:
                    used = [v.name[2:] for v in post.ir.variables if v.name.startswith("g_")]
                    form = f"g_{j['target']}"
                else:
                    used, form = list(post.ir.targets), f"sum({j['target']})"
                self.add(key, f"target: {j['target']!r} is never read by model "
                              f"{post.ir.name!r} of {j['post']!r} (no {form}); "
                              + (f"use one of {', '.join(map(repr, used))}" if used else
                                 f"it reads no input at all: write {form} into its "
                                 "equations"))
            else:
                self.add(key, f"synapse: {msg}")


# ---------------------------------------------------------------------------
# memory estimate
# ---------------------------------------------------------------------------

def _estimate(spec: NetworkSpec) -> tuple[int, int, float]:
    """(bytes, neurons, synapses) expected; unknown parts count as typical."""
    total, neurons = 0.0, 0
    sizes, spiking = {}, {}
    for p in spec.populations:
        n = p.get("size") if _is_number(p.get("size")) else 0
        n = max(int(n), 0)
        model, _ = spec._model(p.get("model", "")) if isinstance(p.get("model"), str) \
            else (None, None)
        nvars = len(model.ir.variables) + len(model.ir.targets) if model is not None else 12
        spk = bool(model.ir.spiking) if model is not None else True
        total += n * (nvars + (4 if spk else 0)) * 8
        neurons += n
        sizes[p.get("name")], spiking[p.get("name")] = n, spk
    for x in spec.inputs:
        if x.get("kind") == "poisson":
            n = max(int(x.get("size", 0)) if _is_number(x.get("size")) else 0, 0)
            total += n * 7 * 8
        elif x.get("kind") == "spike_times":
            times = x.get("spike_times") or []
            n = len(times)
            total += sum(len(t) for t in times if isinstance(t, list)) * 8 + n * 6 * 8
        else:
            continue
        neurons += n
        sizes[x.get("name")], spiking[x.get("name")] = n, True
    dt = spec.dt if _is_number(spec.dt) and spec.dt > 0 else 0.1
    synapses = 0.0
    for j in spec.projections:
        pre, post = sizes.get(j.get("pre"), 0), sizes.get(j.get("post"), 0)
        nnz = _expected_synapses(j, pre, post)
        synapses += nnz
        n_local = 1
        if isinstance(j.get("synapse"), str):
            model, _ = spec._model(j["synapse"])
            if model is not None:
                n_local = sum(1 for v in model.ir.variables if v.locality == "local")
        try:
            delays = parse_value(j.get("delays", 0.0), lists=False)
        except WorkspaceError:
            delays = 0.0
        per = 4 + 8 * n_local + (0 if isinstance(delays, float) else 4)
        total += nnz * per + 8 * (max(pre, post) + 1)
        steps = max(1, _dist_bounds(delays)[1] / dt)
        if spiking.get(j.get("pre"), True):
            total += steps * (pre * 4 if isinstance(delays, float) else post * 8)
        else:
            total += steps * pre * 8
    return int(total), neurons, synapses


def _expected_synapses(j: dict, pre: int, post: int) -> float:
    params = j.get("params") if isinstance(j.get("params"), dict) else {}
    conn = j.get("connector")

    def num(k, default=0.0):
        v = params.get(k, default)
        return float(v) if _is_number(v) else default
    pairs = float(pre) * post
    if j.get("pre") == j.get("post") and params.get("allow_self_connections") is not True:
        pairs = float(pre) * max(post - 1, 0)
    if conn == "one_to_one":
        return float(min(pre, post))
    if conn == "fixed_probability":
        return min(max(num("probability"), 0.0), 1.0) * pairs
    if conn == "fixed_number_pre":
        return max(num("number"), 0.0) * post
    if conn == "fixed_number_post":
        return max(num("number"), 0.0) * pre
    return pairs   # all_to_all, gaussian, dog: at most dense


# ---------------------------------------------------------------------------
# to_script()
# ---------------------------------------------------------------------------

_RESERVED = {"np", "net", "monitors", "Network", "PoissonPopulation", "SpikeSourceArray",
             "model_from_spec", "name", "m", "spikes", "n", *DISTRIBUTIONS}


class _Script:
    """The lines of the exported script, in the order :meth:`NetworkSpec.build` acts."""

    def __init__(self, spec: NetworkSpec, duration: float, record: dict | None):
        self.spec = spec
        self.duration = duration
        self.record = spec.default_record() if record is None else record
        self.taken = set(_RESERVED)
        self.idents: dict[tuple[str, str], str] = {}

    def ident(self, kind: str, name: str) -> str:
        if (kind, name) in self.idents:
            return self.idents[(kind, name)]
        base = re.sub(r"\W", "_", name, flags=re.ASCII) or "x"
        if base[0].isdigit():
            base = "_" + base
        if keyword.iskeyword(base) or keyword.issoftkeyword(base):
            base += "_"
        out, n = base, 1
        while out in self.taken:
            n += 1
            out = f"{base}_{n}"
        self.taken.add(out)
        self.idents[(kind, name)] = out
        return out

    def models(self) -> tuple[list[str], list[str]]:
        """(names of built-in classes to import, lines defining the user's models)."""
        spec = self.spec
        used = [p["model"] for p in spec.populations] + \
            [j["synapse"] for j in spec.projections if j["synapse"] is not None]
        builtins, lines = [], []
        for name in dict.fromkeys(used):
            if spec.library.is_builtin(name):
                builtins.append(name)
                self.taken.add(name)
        for name in dict.fromkeys(used):
            if not spec.library.is_builtin(name):
                text = pprint.pformat(spec.library.spec(name), width=88, sort_dicts=False)
                lines.append(f"{self.ident('model', name)} = model_from_spec({text})")
                lines.append("")
        return builtins, lines

    def model_expr(self, name: str) -> str:
        if self.spec.library.is_builtin(name):
            return f"{name}()"
        return self.ident("model", name)

    def render(self) -> str:
        spec = self.spec
        builtins, model_lines = self.models()
        dists = sorted({type(v).__name__ for v in self._values()
                        if isinstance(v, tuple(DISTRIBUTIONS.values()))})
        kinds = {x["kind"] for x in spec.inputs}
        names = ["Network"] + [n for n, k in (("PoissonPopulation", "poisson"),
                                              ("SpikeSourceArray", "spike_times")) if k in kinds]
        names += dists + (["model_from_spec"] if model_lines else [])
        out = ['"""A network exported by the neuroworkbench web app.',
               "",
               "Run it with the engine installed: python this_file.py",
               '"""',
               "",
               "import numpy as np",
               "",
               f"from engine import {', '.join(names)}"]
        if builtins:
            out.append(f"from engine.models import {', '.join(builtins)}")
        out.append("")
        if model_lines:
            out += ["# -- models -------------------------------------------------------", ""]
            out += model_lines
        out += ["# -- network ------------------------------------------------------",
                f"net = Network(dt={float(spec.dt)!r}, seed={spec.seed!r})"]
        for p in spec.populations:
            v = self.ident("population", p["name"])
            out.append(f"{v} = net.create({p['size']}, neuron={self.model_expr(p['model'])}, "
                       f"name={p['name']!r})")
            for k, raw in p["values"].items():
                out.append(f"{v}.{k} = {format_value(parse_value(raw))}")
        for x in spec.inputs:
            if x["kind"] == "current_step":
                continue
            v = self.ident("population", x["name"])
            if x["kind"] == "poisson":
                rates = format_value(parse_value(x["rates"]))
                out.append(f"{v} = net.create(PoissonPopulation({x['size']}, rates={rates}, "
                           f"name={x['name']!r}))")
            else:
                times = [[float(t) for t in ts] for ts in x["spike_times"]]
                out.append(f"{v} = net.create(SpikeSourceArray(spike_times={times!r}, "
                           f"name={x['name']!r}))")
        for j in spec.projections:
            v = self.ident("projection", j["name"])
            pre, post = self.ident("population", j["pre"]), self.ident("population", j["post"])
            syn = "" if j["synapse"] is None else f", synapse={self.model_expr(j['synapse'])}"
            out.append(f"{v} = net.connect({pre}, {post}, {j['target']!r}{syn}, "
                       f"name={j['name']!r})")
            args = ", ".join(f"{k}={format_value(val)}"
                             if isinstance(val, tuple(DISTRIBUTIONS.values())) else f"{k}={val!r}"
                             for k, val in _connector_args(j).items())
            out.append(f"{v}.{j['connector']}({args})")
        out += ["", "# -- recording ----------------------------------------------------",
                "monitors = {}"]
        for name, variables in self.record.items():
            if variables:
                out.append(f"monitors[{name!r}] = net.monitor("
                           f"{self.ident('population', name)}, {list(variables)!r})")
        out += ["", "# -- simulation ---------------------------------------------------",
                "net.compile()"]
        out += self.simulation()
        out += ["",
                "for name, m in monitors.items():",
                "    if 'spike' in m.variables:",
                "        spikes = m.get('spike', keep=True)",
                "        n = sum(len(s) for s in spikes.values())",
                "        print(f'{name}: {n} spikes, {n / len(m.ranks) / (net.time / 1000.0):.2f} "
                "Hz per neuron')",
                "    for v in m.variables:",
                "        if v != 'spike':",
                "            print(f'{name}.{v}: mean of the last record '",
                "                  f'{np.mean(m.get(v, keep=True)[-1:]):.4g}')",
                ""]
        return "\n".join(out)

    def _values(self):
        for p in self.spec.populations:
            for raw in p["values"].values():
                yield parse_value(raw)
        for j in self.spec.projections:
            yield from _connector_args(j).values()

    def simulation(self) -> list[str]:
        """``net.simulate`` calls, the current steps set between them as
        :meth:`BuiltNetwork.simulate` does."""
        spec = self.spec
        steps = spec._current_steps(float(spec.dt))
        if not steps:
            return [f"net.simulate({float(self.duration)!r})"]
        dt = float(spec.dt)
        keys = list(dict.fromkeys((s.population, s.variable) for s in steps))
        base = {k: f"{self.ident('population', k[0])}_{k[1]}" for k in keys}
        lines = []
        for (pop, var), b in base.items():
            lines.insert(0, f"{b} = np.copy({self.ident('population', pop)}.{var})  "
                            "# the value the current steps add to")
        end = _duration_steps(self.duration, dt)
        bounds = sorted({s.start_step for s in steps} |
                        {s.stop_step for s in steps if s.stop_step is not None})
        before = {k: () for k in keys}
        cur = 0
        while True:
            for pop, var in keys:
                on = tuple(s for s in steps if (s.population, s.variable) == (pop, var)
                           and s.start_step <= cur and (s.stop_step is None or cur < s.stop_step))
                if on != before[(pop, var)]:
                    total = 0.0
                    for s in on:
                        total = total + (np.asarray(s.amplitude) if isinstance(s.amplitude, tuple)
                                         else s.amplitude)
                    rhs = base[(pop, var)] if not on else (
                        f"{base[(pop, var)]} + "
                        + (repr(total) if isinstance(total, float)
                           else f"np.array({np.asarray(total).tolist()!r})"))
                    what = ", ".join(repr(s.name) for s in on) or "none"
                    lines.append(f"{self.ident('population', pop)}.{var} = {rhs}  "
                                 f"# t = {round(cur * dt, 9)!r} ms, steps on: {what}")
                    before[(pop, var)] = on
            if cur >= end:
                break
            nxt = min([b for b in bounds if b > cur] + [end])
            lines.append(f"net.simulate({round((nxt - cur) * dt, 9)!r})")
            cur = nxt
        return lines
