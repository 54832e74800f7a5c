"""BOLD monitors: record a BOLD signal computed from the activity of populations.

``net.boldmonitor(populations=[pop1, pop2], mapping={'I_CBF': 'r'})`` builds,
as ANNarchy's ``ANNarchy.extensions.bold.BoldMonitor`` does:

- one hidden rate-coded population of **one** neuron of the BOLD model
  (:mod:`engine.models.bold`; default :class:`~engine.models.bold.balloon_RN`),
  named ``<monitor>_model``;
- for every mapped input and every monitored population, one accumulator
  projection (:class:`BoldAccumulator`, named ``<monitor>_<pop>_<input>``)
  whose hand-written loop code (:class:`~engine.codegen.network_code.CustomCode`)
  adds, at every step, ``scale_factor * mean(pop.<variable>)`` to the model's
  ``sum(<input>)``;
- a regular :class:`~engine.runtime.monitor.Monitor` on that neuron
  (``<monitor>_monitor``) recording ``recorded_variables`` (the output, e.g.
  ``BOLD``, is always recorded).

Semantics follow ANNarchy:

- **Input.** ``I = sum over populations p of scale_p * mean_p(variable)``,
  with ``scale_p = size_p / sum of sizes`` by default (the mean over all
  monitored neurons). The accumulators run with the other projections, before
  the neurons are updated, so the input of step ``k`` is the mean of the
  variable *after step k - 1* (one step of lag, as every rate-coded
  projection here and in ANNarchy).
- **normalize_input** (ms, per population): after :meth:`BoldMonitor.start`,
  the mean is collected for that many ms without feeding the model; then the
  input becomes ``scale_p * (mean - baseline) / (|baseline| + 1e-7)``, the
  relative deviation from the baseline (the average over the window).
- **Recording must be started** (``start=True`` or :meth:`BoldMonitor.start`).
  Until then, and between :meth:`~BoldMonitor.stop` and the next
  :meth:`~BoldMonitor.start` / :meth:`~BoldMonitor.resume`, the BOLD model is
  frozen (ANNarchy disables the population): nothing is recorded and the
  model resumes from the state it had when it was stopped. (The monitor keeps
  that state; the loop still integrates the hidden neuron, with no input, so
  read the model through the monitor, ``m.BOLD``, not through
  ``m.population``, while it is stopped.)
- **Spiking populations** can be mapped through any variable, e.g. a
  conductance: ``mapping={'I_CBF': 'g_exc'}``. A conductance without an
  equation of its own is reset to 0 after every step, so it holds the
  incoming spikes only between their delivery and the neuron update; the
  accumulator reads it then, provided the BOLD monitor is created *after* the
  projections into that population (compile() says so otherwise).
- :meth:`~BoldMonitor.get` returns what the monitor recorded: an array of
  shape ``(records, 1)`` per variable (one BOLD neuron), as ANNarchy.

The hidden objects are ordinary members of the network (compiled, saved and
reset with it), each with an attribute ``_extension`` pointing to its BOLD
monitor; ``net.get_populations()``, ``get_projections()`` and
``get_monitors()`` leave them out.
"""

from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

from engine.codegen.network_code import CustomCode
from engine.errors import NetworkError
from engine.runtime.population import Population, PopulationView
from engine.runtime.active import active_network
from engine.runtime.projection import Projection

__all__ = ["BoldMonitor", "BoldAccumulator"]

_EPS = 1e-7  # ANNarchy's guard in the relative deviation from the baseline


def _hint(name, names) -> str:
    close = difflib.get_close_matches(name, list(names), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class BoldAccumulator(Projection):
    """Adds ``scale * mean(pre.<variable>)`` to ``sum(<target>)`` of the BOLD
    neuron at every step (ANNarchy's ``AccProjection``).

    ``pre`` may be spiking or rate-coded, and ``variable`` any attribute of
    it (``r``, a conductance such as ``g_exc``, a current...). Connected
    all-to-all with weight 1 as in ANNarchy, but the weights are not used:
    the loop code reads the variable at the ranks in ``_extra['ranks']``.

    Per-step state lives in ``_extra`` (passed to the compiled loop):
    ``ranks``; ``scale``; ``active``, the recording flag of the monitor
    (shared with it, not restored by ``net.reset()``): nothing is added while
    it is 0; ``bsteps`` (baseline steps left) and ``bstat`` (count, sum, mean
    of the baseline).
    """

    def __init__(self, pre, post, target, variable, *, scale=1.0, normalize_steps=0,
                 active=None, name=None, network=None, owner=None):
        self.variable = variable
        self.owner = owner
        super().__init__(pre, post, target, None, name, network=network)
        self.all_to_all(weights=1.0)
        pop = self.pre_population
        if pop.ir.variable(variable).locality == "global":
            ranks = np.zeros(1, dtype=np.int64)
        elif isinstance(pre, PopulationView):
            ranks = np.asarray(pre.ranks, dtype=np.int64)
        else:
            ranks = np.arange(pop.size, dtype=np.int64)
        self.normalize_steps = int(normalize_steps)
        self._extra.update(
            ranks=ranks,
            scale=np.array([float(scale)]),
            active=active if active is not None else np.ones(1, dtype=np.uint8),
            bsteps=np.zeros(1, dtype=np.int64),
            bstat=np.zeros(3),
        )

    @property
    def scale_factor(self) -> float:
        return float(self._extra["scale"][0])

    def _check_compatible(self, spiking):
        post, pre = self.post_population, self.pre_population
        who = f"BOLD accumulator {pre.name!r} -> {post.name!r} ({self.target!r})"
        if post.spiking:
            raise NetworkError(f"{who}: the BOLD model must be rate-coded")
        if self.target not in post.ir.targets:
            raise NetworkError(f"{who}: the BOLD model {post.ir.name!r} does not read "
                               f"sum({self.target})")
        if self.variable not in pre._arrays:
            raise NetworkError(f"{who}: population {pre.name!r} has no variable "
                               f"'{self.variable}'{_hint(self.variable, pre._arrays)}")

    def _check_order(self):
        """A conductance that the neuron resets after every step (``g_exc``
        without an ODE) holds the incoming spikes only between their delivery
        and the neuron update: the accumulator must run after the projections
        that fill it, i.e. be created after them."""
        pre, var = self.pre_population, self.variable
        if var not in pre.ir.conductances:
            return
        late = [j for j in self.network.get_projections()
                if j.post_population is pre and f"g_{j.target}" == var and j.id > self.id]
        if late:
            raise NetworkError(
                f"BOLD monitor {getattr(self.owner, 'name', '?')!r} reads '{var}' of population "
                f"{pre.name!r}, which is reset to 0 after every step, but projection "
                f"{late[0].name!r} filling it was created after the monitor, so the monitor "
                f"would read '{var}' before this step's spikes arrive. Create the BOLD monitor "
                "after the projections, or map a variable that keeps its value (one defined "
                "by an equation of the neuron)")

    def _custom_code(self):
        self._check_order()
        var, tgt = self.variable, self.target
        out = [f"# BOLD input: mean of {self.pre_population.name!r}.{var}",
                "if {j}__active[0] != 0:",
                "    _bold_n = {j}__ranks.shape[0]",
                "    _bold_x = 0.0",
                "    for _bold_k in range(_bold_n):",
                f"        _bold_x += {{pre}}_{var}[{{j}}__ranks[_bold_k]]",
                "    _bold_x = _bold_x / _bold_n"]
        if self.normalize_steps > 0:
            out += ["    if {j}__bsteps[0] > 0:",
                    "        # baseline window: collect, feed nothing",
                    "        {j}__bstat[0] += 1.0",
                    "        {j}__bstat[1] += _bold_x",
                    "        {j}__bsteps[0] -= 1",
                    "        if {j}__bsteps[0] == 0:",
                    "            {j}__bstat[2] = {j}__bstat[1] / {j}__bstat[0]",
                    "    else:",
                    "        {post}__sum_{target}[0] += {j}__scale[0] * "
                    f"(_bold_x - {{j}}__bstat[2]) / (abs({{j}}__bstat[2]) + {_EPS!r})"]
        else:
            out += ["    {post}__sum_{target}[0] += {j}__scale[0] * _bold_x"]
        args = ["ranks", "scale", "active"]
        if self.normalize_steps > 0:
            args += ["bsteps", "bstat"]
        code = "\n".join(out).replace("{target}", tgt) + "\n"
        return CustomCode(code=code, args=tuple(args))

    # -- baseline and state ----------------------------------------------------
    def _begin_baseline(self):
        self._extra["bsteps"][0] = self.normalize_steps
        self._extra["bstat"][:] = 0.0

    def _snapshot(self):
        snap = super()._snapshot()
        snap.pop("__x_active", None)  # the monitor's flag: reset() leaves it alone
        return snap

    def _restore(self, snap, synapses=True):
        super()._restore(snap, synapses)
        self._extra["bstat"][:] = 0.0
        # a running monitor measures its baseline again from the new start
        self._extra["bsteps"][0] = self.normalize_steps if self._extra["active"][0] else 0


def _as_list(value, n, what):
    if value is None:
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        value = list(value)
        if len(value) != n:
            raise NetworkError(f"BOLD monitor: {what} has {len(value)} value(s) for {n} "
                               "population(s); give one per population (or a single number)")
        return value
    return [value] * n


def _number(value, what) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(float(value)):
        raise NetworkError(f"BOLD monitor: {what} must be a finite number, got {value!r}")
    return float(value)


class BoldMonitor:
    """Monitors the BOLD signal of populations through a hemodynamic model.

    Created by :meth:`Network.boldmonitor` (ANNarchy's
    ``net.boldmonitor(...)``); see the module documentation for how it works.

    Parameters
    ----------
    populations : Population, PopulationView, str (a population's name), or a list of them
        The recorded region.
    bold_model : BoldModel (instance or class), optional
        Default :class:`~engine.models.bold.balloon_RN`.
    mapping : dict, optional
        Input of the model -> variable of the populations (default
        ``{'I_CBF': 'r'}``). Keys must be inputs of the model; values any
        attribute of every population (``'r'``, ``'g_exc'``, ``'v'``...).
    scale_factor : float or list of float, optional
        Weight of each population's mean (default: its share of the neurons).
    normalize_input : float or list of float, optional
        Per population, the length (ms) of the baseline window started by
        :meth:`start`; 0 (default) means no normalisation.
    recorded_variables : str or list of str, optional
        Variables of the model to record; the output (``BOLD``) is always
        added. ANNarchy sorts the list; so does this.
    start : bool
        Start recording at once (default False: call :meth:`start`).
    name : str, optional
        Unique extension name (default ``boldmonitor0``, ``boldmonitor1``...).

    Notes
    -----
    Attributes of the model read and write through the monitor, as in
    ANNarchy: ``m.E_0 = 0.4``, ``m.BOLD``.
    """

    def __init__(self, populations=None, bold_model=None, mapping=None, scale_factor=None,
                 normalize_input=None, recorded_variables=None, start=False, name=None, *,
                 network=None):
        from engine.models.bold import BoldModel, balloon_RN

        # -- the network and the populations ---------------------------------
        if populations is None:
            raise NetworkError("BOLD monitor: give the recorded populations, e.g. "
                               "net.boldmonitor(populations=[pop1, pop2])")
        pops = list(populations) if isinstance(populations, (list, tuple)) else [populations]
        if not pops:
            raise NetworkError("BOLD monitor: populations is empty; give at least one population")
        net = network
        if net is None:
            first = next((p for p in pops if isinstance(p, (Population, PopulationView))), None)
            net = first.population.network if isinstance(first, PopulationView) else (
                first.network if first is not None else active_network())
        if net.compiled:
            raise NetworkError("cannot create a BOLD monitor after compile(): create it with "
                               "the rest of the network, then compile")
        resolved = []
        for p in pops:
            if isinstance(p, str):
                found = [q for q in net.get_populations() if q.name == p]
                if not found:
                    names = [q.name for q in net.get_populations()]
                    raise NetworkError(f"BOLD monitor: no population named {p!r}{_hint(p, names)}; "
                                       f"existing: {', '.join(names) or 'none'}")
                p = found[0]
            if isinstance(p, PopulationView):
                owner = p.population
                p = PopulationView(owner, np.unique(p.ranks))  # sorted (projection rows)
            elif isinstance(p, Population):
                owner = p
            else:
                raise NetworkError(f"BOLD monitor: populations must be Population or "
                                   f"PopulationView objects (or their names), got "
                                   f"{type(p).__name__}")
            if owner.network is not net:
                raise NetworkError(f"BOLD monitor: population {owner.name!r} belongs to another "
                                   "network")
            if getattr(owner, "_extension", None) is not None:
                raise NetworkError(f"BOLD monitor: population {owner.name!r} belongs to "
                                   f"BOLD monitor {owner._extension.name!r}")
            if p.size == 0:
                raise NetworkError(f"BOLD monitor: the view of {owner.name!r} is empty")
            resolved.append((p, owner))

        # -- the model --------------------------------------------------------
        if bold_model is None:
            bold_model = balloon_RN
        if isinstance(bold_model, type) and issubclass(bold_model, BoldModel):
            bold_model = bold_model()
        if not isinstance(bold_model, BoldModel):
            raise NetworkError(
                f"BOLD monitor: bold_model must be a BoldModel such as balloon_RN(), got "
                f"{type(bold_model).__name__}; write your own with BoldModel(parameters=..., "
                "equations=..., inputs='I_CBF') (engine.models.bold)")
        ir = bold_model.ir

        # -- mapping ------------------------------------------------------------
        if mapping is None:
            mapping = {"I_CBF": "r"}
        if not isinstance(mapping, dict) or not mapping:
            raise NetworkError(f"BOLD monitor: mapping must be a non-empty dict such as "
                               f"{{'I_CBF': 'r'}}, got {mapping!r}")
        for target, var in mapping.items():
            if target not in bold_model.inputs:
                raise NetworkError(
                    f"BOLD monitor: the key {target!r} of mapping is not an input of the BOLD "
                    f"model {bold_model.model_name!r}{_hint(str(target), bold_model.inputs)}; "
                    f"its inputs: {', '.join(bold_model.inputs)}")
            if not isinstance(var, str):
                raise NetworkError(f"BOLD monitor: mapping[{target!r}] must be the name of a "
                                   f"variable of the populations, got {var!r}")
            for _, owner in resolved:
                if var not in owner._arrays:
                    raise NetworkError(
                        f"BOLD monitor: mapping {target!r} -> {var!r}: population "
                        f"{owner.name!r} has no variable '{var}'{_hint(var, owner._arrays)}; "
                        f"its attributes: {', '.join(owner._arrays)}")

        # -- scale factors and baselines -------------------------------------------
        n = len(resolved)
        scales = _as_list(scale_factor, n, "scale_factor")
        if scales is None:
            total = sum(p.size for p, _ in resolved)
            scales = [p.size / total for p, _ in resolved]
        scales = [_number(s, "scale_factor") for s in scales]
        norms = _as_list(normalize_input, n, "normalize_input") or [0.0] * n
        norm_steps = []
        for ms in norms:
            ms = _number(ms, "normalize_input")
            if ms < 0:
                raise NetworkError(f"BOLD monitor: normalize_input is a duration in ms (>= 0), "
                                   f"got {ms}")
            steps = int(round(ms / net.dt))
            if ms > 0 and steps < 1:
                raise NetworkError(f"BOLD monitor: normalize_input = {ms} ms is shorter than one "
                                   f"step (dt = {net.dt} ms)")
            norm_steps.append(steps)

        # -- recorded variables ---------------------------------------------------------
        if recorded_variables is None:
            recorded = []
        elif isinstance(recorded_variables, str):
            recorded = [recorded_variables]
        else:
            recorded = list(recorded_variables)
        for v in recorded:
            if not isinstance(v, str) or v not in ir.names:
                raise NetworkError(
                    f"BOLD monitor: cannot record {v!r}: the BOLD model "
                    f"{bold_model.model_name!r} has no such variable"
                    f"{_hint(str(v), ir.names)}; its variables: "
                    f"{', '.join(s.name for s in ir.state_variables)}")
        recorded = sorted(set(recorded) | set(bold_model.output))

        # -- names --------------------------------------------------------------------------
        if name is None:
            name = f"{type(self).__name__.lower()}{len(net.get_extensions())}"
        elif not isinstance(name, str) or not name:
            raise NetworkError(f"BOLD monitor: name must be a non-empty string, got {name!r}")
        pop_name = f"{name}_model"
        mon_name = f"{name}_monitor"
        proj_names = []
        for target in mapping:
            for k, (p, owner) in enumerate(resolved):
                base = f"{name}_{owner.name}_{target}"
                proj_names.append(base if base not in proj_names else f"{base}_{k}")
        taken = [(pop_name, [q.name for q in net.get_populations()], "population"),
                 (mon_name, [m.name for m in net.get_monitors()], "monitor")]
        taken += [(j, [q.name for q in net.get_projections()], "projection") for j in proj_names]
        for wanted, existing, kind in taken:
            if wanted in existing:
                raise NetworkError(f"BOLD monitor {name!r}: a {kind} named {wanted!r} already "
                                   "exists; give the monitor another name (name=...)")

        # -- build ------------------------------------------------------------------------
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "network", net)
        self.name = net._register_extension(self, name)
        self.bold_model = bold_model
        self.populations = [p for p, _ in resolved]
        self.mapping = dict(mapping)
        self.scale_factor = scales
        self.normalize_input = [float(x) for x in norms]
        self.recorded_variables = recorded
        self._pop = Population(1, bold_model, name=pop_name, network=net)
        self._pop._extension = self
        self._monitor = net.monitor(self._pop, recorded, start=bool(start), name=mon_name)
        self._monitor._extension = self
        self._frozen_vars = tuple(s.name for s in ir.state_variables)
        self._kept = self._state()   # the model's state while not recording
        self._accumulators: list[BoldAccumulator] = []
        names = iter(proj_names)
        for target, var in mapping.items():
            for (p, _), scale, steps in zip(resolved, scales, norm_steps):
                acc = BoldAccumulator(
                    p, self._pop, target, var, scale=scale, normalize_steps=steps,
                    active=self._monitor._active, name=next(names), network=net, owner=self)
                acc._extension = self
                self._accumulators.append(acc)
        if start:
            self._begin_baselines()
        self._initialized = True

    # -- the hidden objects -------------------------------------------------------
    @property
    def population(self) -> Population:
        """The population of one BOLD neuron."""
        return self._pop

    @property
    def monitor(self):
        """The :class:`~engine.runtime.monitor.Monitor` recording the BOLD neuron."""
        return self._monitor

    @property
    def projections(self) -> list[BoldAccumulator]:
        """The accumulator projections (one per input and population)."""
        return list(self._accumulators)

    @property
    def variables(self) -> list[str]:
        """The recorded variables (ANNarchy's ``recorded_variables``)."""
        return list(self.recorded_variables)

    # -- recording control ---------------------------------------------------------
    def start(self):
        """Start (or restart) recording; the model runs from the state it was
        stopped in. Starts a new baseline window for the populations with
        ``normalize_input``."""
        self._thaw()
        self._monitor.start()
        self._begin_baselines()

    def stop(self):
        """Stop recording; the BOLD model is frozen until :meth:`start` or
        :meth:`resume`. The data stays until :meth:`get`."""
        if self.recording:
            self._kept = self._state()
        self._monitor.stop()

    def pause(self):
        """Same as :meth:`stop`."""
        self.stop()

    def resume(self):
        """Resume after :meth:`stop`/:meth:`pause` without a new baseline window
        (an unfinished one continues)."""
        self._thaw()
        self._monitor.resume()

    @property
    def recording(self) -> bool:
        return bool(self._monitor._active[0])

    def _begin_baselines(self):
        for acc in self._accumulators:
            acc._begin_baseline()

    # While the monitor is stopped the accumulators add nothing and the model's
    # state is kept here; the loop keeps integrating the model (with no input)
    # but start()/resume() put the kept state back, and attribute reads show it.
    def _state(self) -> dict:
        return {v: self._pop._arrays[v].copy() for v in self._frozen_vars}

    def _frozen(self) -> bool:
        return not self.recording

    def _thaw(self):
        if self._frozen():
            for v, value in self._kept.items():
                self._pop._arrays[v][...] = value

    def _after_reset(self):
        """``net.reset()`` restored the model's initial state."""
        if self._frozen():
            self._kept = self._state()

    # -- data -----------------------------------------------------------------------
    def get(self, variables=None, keep=False, reshape=False):
        """Recorded data, as :meth:`Monitor.get`: ``get('BOLD')`` is an array of
        shape ``(records, 1)``; several names (or none) give a dict."""
        return self._monitor.get(variables, keep=keep, reshape=reshape)

    def times(self, variables=None) -> dict:
        """Recording intervals in ms, as :meth:`Monitor.times`."""
        return self._monitor.times(variables)

    def recorded_times(self, variable=None):
        """Time (ms) of each recorded row, as :meth:`Monitor.recorded_times`."""
        return self._monitor.recorded_times(variable)

    # -- model attributes (ANNarchy: m_bold.E_0 = ...) ----------------------------
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        pop = self.__dict__.get("_pop")
        if pop is not None and name in pop._arrays:
            if name in self._frozen_vars and self._frozen():
                value = self._kept[name].copy()
                return value[0].item() if pop.ir.variable(name).locality == "global" else value
            return getattr(pop, name)
        hint = _hint(name, pop._arrays) if pop is not None else ""
        raise AttributeError(f"BOLD monitor {self.__dict__.get('name')!r} has no attribute "
                             f"'{name}'{hint}")

    def __setattr__(self, name, value):
        pop = self.__dict__.get("_pop")
        if self.__dict__.get("_initialized") and pop is not None and name in pop._arrays:
            setattr(pop, name, value)
            if name in self._frozen_vars and self._frozen():
                self._kept[name][...] = pop._arrays[name]
            return
        object.__setattr__(self, name, value)

    def __repr__(self):
        pops = ", ".join(repr(getattr(p, "name", None) or p.population.name)
                         for p in self.populations)
        return (f"<BoldMonitor {self.name!r}: {self.bold_model.model_name!r} on {pops}, "
                f"mapping {self.mapping}, {'recording' if self.recording else 'stopped'}>")
