"""Generated code of synapses: transmission, events and learning.

A synapse model (its IR) is split into what runs when:

- **transmission**: ``psp`` (rate-coded; walked by post-synaptic rows) or the
  ``g_target += ...`` statements of ``pre_spike`` (spiking);
- **pre-synaptic events**: the other statements of ``pre_spike``, run for
  each synapse of a neuron whose spike arrives (after the projection's delay);
- **post-synaptic events**: ``post_spike``, run for each synapse of a
  post-synaptic neuron that spiked this step (after all neurons are updated);
- **continuous updates**: the synapse's ``equations`` (ODEs and assignments),
  every step (or every ``period`` of :meth:`Network.enable_learning`),
  population-wide (``projection``) first, then per post-synaptic neuron
  (``postsynaptic``), then per synapse, as ANNarchy;
- **event-driven variables**: ODEs flagged ``event-driven`` (linear decays such
  as STDP traces) are not integrated every step: at each event of a synapse
  they jump to their exact value after the time elapsed since its last event
  (one ``last`` step per synapse), then the event's statements run.

The learning switch ``_j0__learn = [on, period, offset]`` (steps), settable
between runs without recompiling, works as ANNarchy's: with learning off,
spiking synapses keep every variable evolving except the weight ``w``;
rate-coded synapses freeze all their variables. ``period``/``offset`` say
when the continuous updates run.

All emitters write into a :class:`engine.codegen.writer.Writer`, with the
network's array names (``_j0_w``, ``_p1_v``), which
:class:`engine.codegen.kernel_module.KernelPiece` renames for the kernel.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from engine.codegen.population_code import INT_INVALID
from engine.errors import ModelError
from engine.integrators import Statement, discretize, event_driven_solution
from engine.language.ir import ModelIR
from engine.language.symbols import LAST_SPIKE_TIME, classify, split_global_op

__all__ = ["SynapsePlan", "plan_synapse", "synapse_needs", "needs_delayed_events",
           "default_psp"]

_G = "g_target"


def default_psp() -> sp.Basic:
    """ANNarchy's rate-coded transmission when a synapse defines none."""
    return sp.Symbol("w", real=True) * sp.Symbol("pre.r", real=True)


@dataclass(frozen=True)
class SynapsePlan:
    """What one synapse model needs from the generated loop."""

    event_driven: tuple            # Equations integrated at events (exact decay)
    step_global: tuple[Statement, ...]
    step_semi: tuple[Statement, ...]
    step_local: tuple[Statement, ...]
    pre_event: tuple[Statement, ...]   # pre_spike, in written order (transmission included)
    post_event: tuple[Statement, ...]
    psp: sp.Basic | None
    apply_global: tuple[Statement, ...] = ()
    apply_semi: tuple[Statement, ...] = ()
    apply_local: tuple[Statement, ...] = ()

    @property
    def has_apply(self) -> bool:
        return bool(self.apply_global or self.apply_semi or self.apply_local)

    @property
    def continuous(self) -> bool:
        return bool(self.step_global or self.step_semi or self.step_local)

    @property
    def pre_learning(self) -> bool:
        """pre_spike does more than transmit (it changes synaptic variables)."""
        return any(_role(st.target) == "synapse" for st in self.pre_event)

    @property
    def plastic(self) -> bool:
        return self.continuous or self.pre_learning or bool(self.post_event)


def side_local(side: str, name: str) -> str:
    """The local of ``pre.<name>``/``post.<name>`` in generated code: ``_pre_v``,
    ``_post__sum_exc`` for ``post.sum(exc)`` (two underscores: no attribute
    name can make it)."""
    if name.startswith("sum(") and name.endswith(")"):
        return f"_{side}__sum_{name[4:-1]}"
    return f"_{side}_{name}"


def _neuron_value(pop, name: str, index: str) -> str:
    """What a synapse reads for ``pre.<name>``/``post.<name>`` of neuron
    ``index``: the model attribute (its one value if population-wide), or for
    ``t_pre``/``t_post`` the step of the last spike."""
    return f"{pop.own('last_spike')}[{index}]" if name == LAST_SPIKE_TIME else pop.at(name, index)


def _role(target: str) -> str:
    if target == _G:
        return "transmit"
    if target.startswith("post."):
        return "post"
    if target.startswith("pre."):
        return "pre"
    return "synapse"


def _event_driven(ir: ModelIR, default_method: str) -> tuple:
    """The ODEs integrated at events only (method ``event-driven``)."""
    method = ir.method or default_method
    return tuple(e for e in ir.equations
                 if e.kind == "ode" and (e.method or method) == "event-driven")


@functools.lru_cache(maxsize=256)
def plan_synapse(ir: ModelIR, default_method: str = "explicit") -> SynapsePlan:
    """Split a synapse model into transmission, events and continuous updates
    (cached: connect() and each code generation ask for the same plan)."""
    who = f"synapse {ir.name!r}"
    event_driven = _event_driven(ir, default_method)
    for e in event_driven:
        if ir.variable(e.target).locality != "local":
            raise ModelError(f"{who}: event-driven variable '{e.target}' must be one per "
                             "synapse (remove the 'postsynaptic'/'projection' flag)")
        if not ir.spiking:
            raise ModelError(f"{who}: event-driven variable '{e.target}' needs spikes "
                             "(pre_spike or post_spike); use another method in rate-coded "
                             "synapses")
    # a statement that keeps its variable (x = x: declares a variable changed
    # only by events) does nothing
    rest = tuple(e for e in ir.equations if e not in event_driven
                 and not (e.kind == "assign" and e.rhs == sp.Symbol(e.target, real=True)))
    # each scope is its own loop: discretize them apart (a run of ODEs of
    # different scopes, like IBCM's theta then w, is integrated scope by scope)
    by_scope = {"global": [], "semiglobal": [], "local": []}
    for e in rest:
        by_scope[ir.variable(e.target).locality].append(e)
    glob, semi, loc = ([] if not eqs else discretize(ir, tuple(eqs), default_method=default_method)
                       for eqs in by_scope.values())
    steps = glob + semi + loc
    pre = tuple(discretize(ir, ir.pre_spike)) if ir.pre_spike else ()
    post = tuple(discretize(ir, ir.post_spike)) if ir.post_spike else ()
    for st in pre + post:
        if _role(st.target) == "pre":
            raise ModelError(f"{who}: events cannot write pre-synaptic variables "
                             f"('{st.target}')")
    for st in post:
        if st.target == _G:
            raise ModelError(f"{who}: post_spike cannot write g_target: transmission "
                             "happens on pre-synaptic spikes")
    for st in pre:
        if st.target == _G:
            inc = st.expr - sp.Symbol(_G, real=True)
            if inc.has(sp.Symbol(_G, real=True)) or not st.expr.has(sp.Symbol(_G, real=True)):
                raise ModelError(f"{who}: pre_spike must increment g_target "
                                 f"('g_target += ...'), got g_target = {st.expr}")
    for st in glob + semi + loc:
        if st.target == _G or "." in st.target:
            raise ModelError(f"{who}: equations cannot write '{st.target}'; write it in "
                             "pre_spike or post_spike")
    scope = {v.name: v.locality for v in ir.variables}
    temps = {st.target for st in steps if st.target.startswith("_")}

    def finer(statements, allowed):
        bad = set()
        for st in statements:
            for sym in st.expr.free_symbols:
                n = sym.name
                kind, _ = classify(sym)
                if n in temps or kind in ("time", "dt", "global") or n in ir.constants:
                    continue
                if kind in ("pre", "post") and "post" in allowed and kind == "post":
                    continue
                if kind in ("pre", "post") or scope.get(n, "local") not in allowed:
                    bad.add(n)
        return sorted(bad)

    for sts, label, allowed in ((glob, "projection-wide (flag 'projection')", ("global",)),
                                (semi, "per post-synaptic neuron (flag 'postsynaptic')",
                                 ("global", "semiglobal", "post"))):
        bad = finer(sts, allowed)
        if bad:
            names = ", ".join(sorted({st.target for st in sts if not st.target.startswith("_")}))
            raise ModelError(f"{who}: {names} is {label} and cannot depend on finer-grained "
                             f"values ({', '.join(bad)})")
    psp = ir.psp
    if not ir.spiking and psp is None:
        psp = default_psp()
    ap_scope = {"global": [], "semiglobal": [], "local": []}
    for e in ir.apply:
        ap_scope[ir.variable(e.target).locality].append(e)
    a_glob, a_semi, a_loc = ([] if not eqs else discretize(ir, tuple(eqs))
                             for eqs in ap_scope.values())
    return SynapsePlan(event_driven, tuple(glob), tuple(semi), tuple(loc), pre, post, psp,
                       tuple(a_glob), tuple(a_semi), tuple(a_loc))


def needs_delayed_events(ir: ModelIR) -> bool:
    """With per-synapse delays, whether the pre-synaptic events must run at
    arrival (learning, ``post.*`` reads or writes) rather than being folded
    into a ring buffer of conductance increments at emission."""
    if not ir.spiking or not ir.pre_spike:
        return False
    for e in ir.pre_spike:
        if e.target != _G or any(s.name.startswith("post.") for s in e.rhs.free_symbols):
            return True
    return False


def synapse_needs(ir: ModelIR, default_method: str = "explicit") -> dict[str, bool]:
    """Which extra arrays the runtime must pass for this synapse model:
    ``post_index`` (synapses grouped by post neuron, for post_spike) and
    ``last`` (step of each synapse's last event, for event-driven variables)."""
    return {
        "post_index": bool(ir.post_spike) and ir.spiking,
        "last": bool(_event_driven(ir, default_method)),
    }


# -- emission ------------------------------------------------------------------------

class SynapseEmitter:
    """Writes the synapse parts of one projection into the step loop.

    ``pre``/``post`` are the populations' code objects (``arr(name)`` gives an
    array name); ``P`` prints a sympy expression with the names of
    :meth:`names`.
    """

    def __init__(self, ir: ModelIR, plan: SynapsePlan, j: str, pre, post, target: str,
                 printer_factory):
        self.ir, self.plan, self.j = ir, plan, j
        self.pre, self.post, self.target = pre, post, target
        self.scope = {v.name: v.locality for v in ir.variables}
        # ANNarchy: switching learning off freezes only the weights of spiking
        # synapses (traces, STP variables... keep evolving), and every
        # variable of rate-coded ones
        self.gate_w = ir.spiking
        self.P = printer_factory(self.names()).doprint

    def names(self) -> dict[str, str]:
        out = {"t": "_t", "dt": "_dt", _G: "_g_target"}
        for s in self._all_names():
            kind, name = classify(sp.Symbol(s))
            if kind in ("pre", "post"):
                out[s] = side_local(kind, name)
            elif kind == "global":
                op, side, attr = split_global_op(name)
                out[s] = f"_gop_{side}_{op}_{attr}"
        return out

    def load_global_ops(self, w):
        """The values of ``mean(pre.r)``... (computed once per step over the
        whole population, engine.codegen.population_code.emit_global_ops)."""
        for n in sorted(self._all_names()):
            parts = split_global_op(n)
            if parts is not None:
                op, side, attr = parts
                pop = self.pre if side == "pre" else self.post
                w(f"_gop_{side}_{op}_{attr} = {pop.own(f'gop_{op}_{attr}')}[0]")

    def _code_name(self, name: str) -> str:
        kind, attr = classify(sp.Symbol(name))
        return side_local(kind, attr) if kind in ("pre", "post") else name

    def _all_names(self) -> set[str]:
        p = self.plan
        sts = (p.step_global + p.step_semi + p.step_local + p.pre_event + p.post_event
               + p.apply_global + p.apply_semi + p.apply_local)
        names = {st.target for st in sts}
        for st in sts:
            names |= {s.name for s in st.expr.free_symbols}
        for e in p.event_driven:
            names |= {s.name for s in e.rhs.free_symbols}
        if p.psp is not None:
            names |= {s.name for s in p.psp.free_symbols}
        return names

    # -- name sets --------------------------------------------------------------
    def reads(self, statements, extra=()) -> set[str]:
        names = set(extra)
        for st in statements:
            names |= {s.name for s in st.expr.free_symbols}
            names.add(st.target)
        return names

    def constants(self) -> list[str]:
        return sorted(c for c in self.ir.constants if c in self._all_names())

    def globals_used(self) -> list[str]:
        return sorted(n for n in self._all_names() if self.scope.get(n) == "global")

    # -- loads and stores ---------------------------------------------------------
    def load_pre(self, w, names, idx="_pre"):
        for n in sorted(names):
            kind, name = classify(sp.Symbol(n))
            if kind == "pre":
                w(f"{side_local('pre', name)} = {_neuron_value(self.pre, name, idx)}"
                  + (" * _dt" if name == LAST_SPIKE_TIME else ""))

    def load_post(self, w, names, idx="_post"):
        for n in sorted(names):
            kind, name = classify(sp.Symbol(n))
            if kind == "post":
                w(f"{side_local('post', name)} = {_neuron_value(self.post, name, idx)}"
                  + (" * _dt" if name == LAST_SPIKE_TIME else ""))

    def load_scope(self, w, names, scope, idx):
        for n in sorted(names):
            if self.scope.get(n) == scope:
                w(f"{n} = {self.j}_{n}[{idx}]")

    def store(self, w, statements, scopes, post_idx="_post", syn_idx="_syn"):
        """Write back model variables (and ``post.*``) assigned by ``statements``."""
        done = []
        for st in statements:
            if st.target in done or st.target.startswith("_") or st.target == _G:
                continue
            done.append(st.target)
        for n in done:
            kind, name = classify(sp.Symbol(n))
            if kind == "post":
                w(f"{self.post.at(name, post_idx)} = "
                  f"{self._stored(f'_post_{name}', self._is_int(self.post.ir, name))}")
            elif self.scope.get(n) == "local" and "local" in scopes:
                w(f"{self.j}_{n}[{syn_idx}] = {self._stored(n)}")
            elif self.scope.get(n) == "semiglobal" and "semiglobal" in scopes:
                w(f"{self.j}_{n}[{post_idx}] = {self._stored(n)}")
            elif self.scope.get(n) == "global" and "global" in scopes:
                w(f"{self.j}_{n}[0] = {self._stored(n)}")

    @staticmethod
    def _is_int(ir: ModelIR, name: str) -> bool:
        try:
            return ir.variable(name).dtype == "int"
        except KeyError:   # not an attribute of the model (a temporary, _x)
            return False

    def _stored(self, code: str, is_int: bool | None = None) -> str:
        """Code of the value stored from local ``code``: an integer variable
        given NaN (``modulo(k, 0)``), inf or a value beyond int64 stores
        INT_INVALID, which engine.runtime.synapse_checks reports by name,
        instead of a wrapped value (a float converted to int64 out of range
        is undefined in LLVM); see population_code._stored for neurons."""
        if is_int is None:
            is_int = self._is_int(self.ir, code)
        if not is_int:
            return code
        return (f"({code} if -9.223372036854775808e18 <= {code} < 9.223372036854775808e18 "
                f"else {INT_INVALID})")

    def statements(self, w, statements, g_array=None):
        """``g_array``: the post-synaptic conductance that ``g_target += ...``
        increments, or a list of them (a list of targets), or ``None`` (the
        post model reads no target of the projection: the increments are
        dropped)."""
        for st in statements:
            if st.target == _G and g_array is None:
                continue
            if st.target == _G and isinstance(g_array, (list, tuple)):
                # several targets (ANNarchy's target list): each receives the increment
                w(f"_inc = {self.P(st.expr - sp.Symbol(_G, real=True))}")
                for g in g_array:
                    w(f"{g}[_post] += _inc")
            elif st.target == _G:
                inc = st.expr - sp.Symbol(_G, real=True)
                w(f"{g_array}[_post] += {self.P(inc)}")
            elif self.gate_w and st.target == "w":
                w(f"w = ({self.P(st.expr)}) if _learn_on else w")
            else:
                w(f"{self._code_name(st.target)} = {self.P(st.expr)}")
                if self.scope.get(st.target) == "global":
                    w(f"{self.j}_{st.target}[0] = {self._stored(st.target)}")

    def decay(self, w, pre: bool = False):
        """Bring the event-driven variables of synapse ``_syn`` up to date.

        As ANNarchy: a post-synaptic event (end of the step) sees them at
        this step, a pre-synaptic event (start of the step, before the
        neurons) at the previous step, the last one the synapse could have
        seen. Either marks this step as the synapse's last event. So a
        pre-synaptic spike emitted in the step of a post-synaptic one meets
        the post trace undecayed (the full depression ``A_minus``), and a
        pair's depression and potentiation windows have equal areas.
        """
        if not self.plan.event_driven:
            return
        now = "_step - 1" if pre else "_step"
        w(f"_el = ({now} - {self.j}__last[_syn]) * _dt")
        el = sp.Symbol("_el", real=True)
        for e in self.plan.event_driven:
            w(f"{e.target} = {self.P(event_driven_solution(e, self.ir, el))}")
        w(f"{self.j}__last[_syn] = _step")

    def event(self, w, statements, g_array=None, decay=True, pre=False):
        """Load, (decay,) run and store one event of synapse ``_syn``.
        ``decay=False``: transmission only, event-driven variables untouched;
        ``pre``: a pre-synaptic event (see :meth:`decay`)."""
        ed = [e.target for e in self.plan.event_driven] if decay else []
        # the decays read their own parameters (a per-synapse tau...)
        decay_reads = {s.name for e in self.plan.event_driven for s in e.rhs.free_symbols} \
            if decay else set()
        names = self.reads(statements, ed) | decay_reads
        self.load_scope(w, names, "local", "_syn")
        self.load_scope(w, names, "semiglobal", "_post")
        self.load_post(w, names)
        if decay:
            self.decay(w, pre)
        self.statements(w, statements, g_array)
        decayed = [Statement(n, sp.Symbol(n, real=True)) for n in ed]
        self.store(w, list(statements) + decayed, ("local", "semiglobal"))

    # -- blocks -------------------------------------------------------------------------
    def learning_condition(self) -> str:
        return f"{self.j}__learn[0] != 0"

    def emit_post_events(self, w):
        """post_spike for every synapse of each post neuron that spiked
        (weights change only while learning is on: ``gate_w``)."""
        if not self.plan.post_event:
            return
        j = self.j
        w(f"# post-synaptic events (post_spike) of {self.ir.name!r}")
        w(f"for _k in range({self.post.own('nspk')}[0]):")
        w.indent()
        w(f"_post = {self.post.own('spk')}[_k]")
        w(f"for _q in range({j}__prow[_post], {j}__prow[_post + 1]):")
        w.indent()
        w(f"_syn = {j}__psyn[_q]")
        w(f"_pre = {j}__ppre[_q]")
        self.load_pre(w, self.reads(self.plan.post_event))
        self.event(w, self.plan.post_event)
        w.dedent()
        w.dedent()

    def emit_continuous(self, w, rows_by_pre: bool, post_size: str):
        """The synapse's equations, every ``period`` steps while learning is on."""
        p = self.plan
        if not p.continuous:
            return
        j = self.j
        w(f"# continuous updates (equations) of {self.ir.name!r}")
        on = "" if self.gate_w else f"{j}__learn[0] != 0 and "
        w(f"if {on}_step >= {j}__learn[2] and (_step - {j}__learn[2]) % {j}__learn[1] == 0:")
        w.indent()
        self.emit_updates(w, p.step_global, p.step_semi, p.step_local, rows_by_pre, post_size)
        w.dedent()

    def emit_updates(self, w, glob, semi, loc, rows_by_pre: bool, post_size: str):
        """Statements by scope: projection-wide, then per post neuron, then per synapse."""
        j = self.j
        if glob:
            for n in sorted(self.reads(glob)):
                if self.scope.get(n) == "global":
                    w(f"{n} = {j}_{n}[0]")
            self.statements(w, glob)
        if semi:
            w(f"for _post in range({post_size}):")
            w.indent()
            names = self.reads(semi)
            self.load_scope(w, names, "semiglobal", "_post")
            self.load_post(w, names)
            self.statements(w, semi)
            self.store(w, semi, ("semiglobal",))
            w.dedent()
        if loc:
            names = self.reads(loc)
            w(f"for _row in range({j}__row.shape[0] - 1):")
            w.indent()
            if rows_by_pre:
                w("_pre = _row")
                self.load_pre(w, names)
            else:
                w("_post = _row")
                self.load_post(w, names)
                self.load_scope(w, names, "semiglobal", "_post")
            w(f"for _syn in range({j}__row[_row], {j}__row[_row + 1]):")
            w.indent()
            if rows_by_pre:
                w(f"_post = {j}__col[_syn]")
                self.load_post(w, names)
                self.load_scope(w, names, "semiglobal", "_post")
            else:
                w(f"_pre = {j}__col[_syn]")
                self.load_pre(w, names)
            self.load_scope(w, names, "local", "_syn")
            self.statements(w, loc)
            self.store(w, loc, ("local",))
            w.dedent()
            w.dedent()
