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

Split for size, imports going one way: this module uses
:mod:`~workbench.ui.network_values` (values), :mod:`~workbench.ui.network_checks`
(checks), :mod:`~workbench.ui.network_memory` (estimate) and
:mod:`~workbench.ui.network_script` (export), which never import it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import param

import engine.models as builtin_models
from engine import (
    Monitor, Network, NeuroWorkbenchError, PoissonPopulation, Population, Projection,
    SpikeSourceArray, model_from_spec,
)
from workbench.errors import WorkspaceError
from workbench.ui.model_library import ModelLibrary
from workbench.ui.network_checks import CONNECTORS, INPUT_KINDS, _CHECKS, _Checker, _number
from workbench.ui.network_memory import _estimate, _human
from workbench.ui.network_script import _Script
from workbench.ui.network_values import (
    DISTRIBUTIONS, _connector_args, _duration_steps, _hint, _named, _to_step, format_value,
    parse_value,
)

__all__ = ["NetworkSpec", "BuiltNetwork", "CurrentStep", "parse_value", "format_value",
           "DISTRIBUTIONS", "CONNECTORS", "INPUT_KINDS"]


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
