"""The checks of a network spec, in two levels.

*Structure* (:func:`check_population`, :func:`check_input`,
:func:`check_projection`): what :meth:`NetworkSpec.from_dict
<workbench.ui.network_spec.NetworkSpec.from_dict>` and every mutation accept;
types, names, unknown keys and list lengths, refused with a
:class:`WorkspaceError`, defaults filled.

*Problems* (:class:`_Checker`, behind :meth:`NetworkSpec.problems
<workbench.ui.network_spec.NetworkSpec.problems>`): what is well formed but
wrong (unknown model, size 0, a target the model never reads...), reported
message by message in milliseconds, so the editor can show it while the user
types.

Imports :mod:`~workbench.ui.network_values` only, never
:mod:`~workbench.ui.network_spec`: the spec is handed to :class:`_Checker`.
"""

from __future__ import annotations

import copy
import inspect
import numbers

import numpy as np

from engine import (
    DiscreteUniform, Network, NeuroWorkbenchError, PoissonPopulation, Population, Projection,
    SpikeSourceArray, Uniform,
)
from workbench.errors import WorkspaceError
from workbench.ui.network_values import (
    MAX_TEXT, _dist_bounds, _finite, _hint, _is_number, format_value, parse_value,
)

__all__ = ["check_population", "check_input", "check_projection", "CONNECTORS", "INPUT_KINDS"]

#: connector methods whose arguments are plain numbers (the others take Python objects)
CONNECTORS = ("all_to_all", "one_to_one", "fixed_probability", "fixed_number_pre",
              "fixed_number_post", "gaussian", "dog")
INPUT_KINDS = ("poisson", "spike_times", "current_step")

MAX_NAME = 200
MAX_SIZE = 2**31 - 1          # ranks are int32 in the engine
MAX_NUMBERS = 10_000_000      # numbers in one list (per-neuron values, spike times)

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
# problems()
# ---------------------------------------------------------------------------

class _Checker:
    """One run of :meth:`NetworkSpec.problems`: small checks, one concern each.

    ``spec`` is the :class:`~workbench.ui.network_spec.NetworkSpec` to check.

    A *probe* network of one neuron per population lets the engine itself
    judge what only it knows (which targets a model reads, rate-coded versus
    spiking synapses, constants): building it costs milliseconds, nothing
    is compiled or connected.
    """

    def __init__(self, spec):
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
            elif "does not use" in msg or "has no target" in msg:
                used = list(post.ir.targets)
                form = f"g_{j['target']}" if pre.spiking else f"sum({j['target']})"
                self.add(key, f"target: {j['target']!r} is never read by model "
                              f"{post.ir.name!r} of {j['post']!r} (no {form}); "
                              + (f"use one of {', '.join(map(repr, used))}" if used else
                                 f"it reads no input at all: write {form} into its "
                                 "equations"))
            else:
                self.add(key, f"synapse: {msg}")
