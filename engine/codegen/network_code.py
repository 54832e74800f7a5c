"""Generate the Python/Numba source of one network's simulation loop.

A pure function of a :class:`NetworkLayout` (the IRs, the monitors, the
options): it reads no global configuration and touches no arrays. The output
is a :class:`GeneratedCode` holding readable source (one ``run`` function, the
hot loop, fused over populations and monitors) and the ordered names of the
arrays ``run`` takes. Sizes are not baked in (they come from the arrays), so
the same model at another size reuses the compiled code from the cache.

Naming in generated code: every internal name starts with ``_`` (user names
cannot), so equations print with the user's own names as local variables.

- ``_p0_v``: array of attribute ``v`` of population 0 (length N, or 1 for
  population-wide values);
- ``_p0_rng``: its random generator state; ``_p0_spk``/``_p0_nspk``: ranks of
  the neurons that spiked this step; ``_p0_refr``: refractory steps left;
- ``_m0_v``, ``_m0_rows``...: recording buffers of monitor 0;
- ``_c_name``: a network constant (1-element array).

Threads: a rate-coded projection marked ``parallel`` (the runtime marks
those with at least ``PAR_MIN_SYNAPSES`` synapses when ``num_threads > 1``)
computes its weighted sums in a ``prange`` over post-synaptic neurons, and
the function is compiled with ``parallel=True``. A ``prange`` costs about
0.1 ms to start with the workqueue layer, so smaller loops stay serial. Each
sum is still computed by one thread in the same order: results are the same,
bit for bit, for any thread count. Without a parallel projection the code
is exactly the serial one (no ``parallel=True``: no threading-layer start-up).

``run(_n_steps, _step0, _dt, _until, ...)`` returns ``(steps_done, status,
info)``; status 0 = done, 1 = a spike buffer needs to grow (info = monitor),
2 = a non-finite value appeared (info = population), 3 = a stop condition
was met.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field

import sympy as sp

from engine.codegen.driver import STATUS_DONE, STATUS_GROW, STATUS_NONFINITE, STATUS_STOP
from engine.codegen.jit import JIT_DECORATOR
from engine.codegen.printer import _DRAW_CALLS, NumbaPrinter
from engine.codegen.synapse_code import SynapseEmitter, plan_synapse
from engine.integrators import Statement, discretize
from engine.language import random_draws as rd
from engine.language.ir import ModelIR
from engine.language.symbols import classify
from engine.errors import ModelError

__all__ = [
    "CustomCode",
    "PopulationLayout",
    "MonitorLayout",
    "ProjectionLayout",
    "NetworkLayout",
    "GeneratedCode",
    "Kernel",
    "generate_network_code",
    "STATUS_DONE",
    "STATUS_GROW",
    "STATUS_NONFINITE",
    "STATUS_STOP",
]

#: kernel roles, in call order (engine.codegen.driver)
ROLE_CHECK, ROLE_BODY, ROLE_STOP = "check", "body", "stop"

#: a rate-coded projection's weighted sum runs in parallel (num_threads > 1)
#: from this many synapses on; below, a prange costs more than it saves
#: (workqueue layer, 2 cores: ~0.1 ms per prange; measured 1.0x at 1.0M synapses,
#: 1.2x at 1.6M, 1.4x at 6.4M, 1.7x at 25.6M)
PAR_MIN_SYNAPSES = 1_500_000

#: weighted sums prefetch the synapse arrays this many synapses ahead
PREFETCH_AHEAD = 512


@dataclass(frozen=True)
class CustomCode:
    """Hand-written loop code of a specific population or projection.

    Input populations (spike sources, timed arrays), special projections and
    the BOLD accumulator are not equations: they bring their own few lines.
    ``code`` is a template in which ``{p}`` stands for the population's array
    prefix (``_p0``), or, for a projection, ``{j}``, ``{pre}``, ``{post}`` for
    the prefixes of the projection and its populations and ``{target}`` for
    its target. It runs inside the step loop, where ``_step``, ``_t`` and
    ``_dt`` are defined; its own locals must start with ``_``. ``args`` are
    the extra arrays it reads, as suffixes of the prefix: ``("times",)``
    becomes the argument ``_p0_times``, which the runtime finds among the
    object's arrays (``Population._internals``, ``Projection._extra``).

    Populations: with ``replace=True`` the code replaces the neuron update
    (a spiking one must set the flags ``{p}_flag[_i]`` of the neurons that
    spike this step; spikes are then collected as usual); with
    ``replace=False`` it runs just before the update. Projections: the code
    replaces spike delivery or the weighted sum; a projection into a
    rate-coded ``sum(target)`` must add (``+=``): the sum is cleared before
    the first projection into it.
    """

    code: str
    args: tuple[str, ...] = ()
    replace: bool = True


@dataclass(frozen=True)
class PopulationLayout:
    """What codegen needs to know about one population."""

    key: str                      # "p0"
    label: str                    # user-visible name, for comments
    ir: ModelIR
    refractory_from_array: bool   # True: per-neuron `refractory` array (ms)
    stop_condition: sp.Basic | None = None
    stop_any: bool = True         # ': any' (default) or ': all'
    constants: tuple[str, ...] = ()
    spike_history: bool = False   # keep past spike lists (delayed projections)
    rate_history: bool = False    # keep past values of r (delayed rate-coded projections)
    custom: CustomCode | None = None


@dataclass(frozen=True)
class ProjectionLayout:
    """What codegen needs to know about one projection."""

    key: str                      # "j0"
    label: str
    ir: ModelIR                   # the synapse model
    pre_key: str
    post_key: str
    target: str
    spiking: bool
    # 'none' (one step), 'uniform' (>1 step), 'synapse' (per synapse, increments
    # parked in a ring buffer), 'events' (per synapse, pre_spike run at arrival)
    delay_mode: str = "none"
    custom: CustomCode | None = None
    parallel: bool = False        # rate-coded: weighted sums in a prange over post neurons
    dense_rows: bool = False      # spiking: some rows are runs of consecutive post ranks


@dataclass(frozen=True)
class MonitorLayout:
    """A monitor on (part of) one population."""

    key: str                      # "m0"
    pop_key: str
    local_vars: tuple[str, ...] = ()
    global_vars: tuple[str, ...] = ()
    spikes: bool = False
    semi_vars: tuple[str, ...] = ()   # synaptic, one per post neuron (indexed by _pranks)


@dataclass(frozen=True)
class NetworkLayout:
    populations: tuple[PopulationLayout, ...]
    monitors: tuple[MonitorLayout, ...] = ()
    projections: tuple[ProjectionLayout, ...] = ()
    default_method: str = "explicit"
    check_finite: bool = True


@dataclass(frozen=True)
class Kernel:
    """One compiled piece of a network's step (see engine.codegen.kernel_abi)."""

    role: str                     # ROLE_CHECK, ROLE_BODY or ROLE_STOP
    owner: str                    # the key of what it belongs to: "p0", "j1", "m2"
    label: str                    # what it does, for the generated file
    source: str                   # a module defining ``kernel``
    params: tuple[str, ...]       # its arrays, by its own names (``_P_v``), table order
    args: tuple[str, ...]         # the network's arrays bound to them (``_p3_v``)
    dtypes: tuple[tuple[str, int], ...]  # (dtype, ndim) the source is written for
    parallel: bool = False        # compiled with parallel=True (a prange inside)


@dataclass
class GeneratedCode:
    kernels: list[Kernel] = field(default_factory=list)   # in call order
    #: ``apply_j0``: the kernels of ``proj.apply()``
    applies: dict[str, Kernel] = field(default_factory=dict)
    #: scratch arrays the runtime allocates: name -> (dtype, array whose length it has)
    scratch: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def parallel(self) -> bool:
        return any(k.parallel for k in self.kernels)

    def count(self, role: str) -> int:
        return sum(k.role == role for k in self.kernels)

    @property
    def source(self) -> str:
        """Every kernel's text, in call order (readable; what generated_code() shows)."""
        parts = []
        for n, k in enumerate(self.kernels + list(self.applies.values())):
            parts.append(f"# ==== kernel {n}: {k.label} [{k.owner}], "
                         f"arrays: {', '.join(f'{p}={a}' for p, a in zip(k.params, k.args))}\n"
                         + k.source)
        return "\n".join(parts)


# ---------------------------------------------------------------------------

class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.level = 0

    def __call__(self, text: str = ""):
        for ln in text.split("\n"):
            self.lines.append(("    " * self.level + ln) if ln else "")

    def indent(self):
        self.level += 1

    def dedent(self):
        self.level -= 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _free_names(exprs) -> set[str]:
    out = set()
    for e in exprs:
        if isinstance(e, sp.Basic):
            out |= {s.name for s in e.free_symbols}
    return out


class _PopulationCode:
    """Splits one population's statements into population-wide and per-neuron parts."""

    def __init__(self, layout: PopulationLayout, default_method: str):
        self.L = layout
        ir = layout.ir
        self.ir = ir
        self.k = layout.key
        self.global_names = {v.name for v in ir.variables if v.locality == "global"}
        self.local_names = {v.name for v in ir.variables if v.locality != "global"}
        self.var_names = {v.name for v in ir.variables if v.kind == "variable"}
        self.ode_targets = {e.target for e in ir.equations if e.kind == "ode"}
        statements = discretize(ir, ir.equations, default_method=default_method)
        self.global_pre: list[Statement] = []
        self.global_post: list[Statement] = []
        self.local: list[Statement] = []
        global_temps: set[str] = set()
        shared = self.global_names | set(ir.constants) | {"t", "dt"}
        # Population-wide statements run once per step, before the per-neuron
        # loop, keeping their written order; but a write that a per-neuron
        # statement written earlier must not see (it reads the old value) is
        # moved after the loop, and so is every population-wide statement
        # written after it.
        read_by_local: set[str] = set()
        after_loop = False
        for st in statements:
            names = _free_names([st.expr])
            population_wide = (st.target in self.global_names or st.target.startswith("_")) \
                and names <= (shared | global_temps)
            if population_wide:
                if st.target.startswith("_"):
                    global_temps.add(st.target)
                if st.target in read_by_local:
                    after_loop = True
                (self.global_post if after_loop else self.global_pre).append(st)
            elif st.target in self.global_names:
                from engine.errors import ModelError

                raise ModelError(
                    f"{ir.kind} {ir.name!r}: population-wide variable "
                    f"'{st.target}' cannot depend on per-neuron values "
                    f"({', '.join(sorted(names - shared - global_temps))})"
                )
            else:
                self.local.append(st)
                read_by_local |= names
        self.reset_all = list(ir.reset)
        self.reset_once = [e for e in ir.reset if "unless_refractory" in e.flags]

    # names -----------------------------------------------------------------
    def arr(self, name: str) -> str:
        return f"_{self.k}_{name}"

    def code_names(self) -> dict[str, str]:
        names = {"t": "_t", "dt": "_dt"}
        for tgt in self.ir.targets:
            names[f"sum({tgt})"] = f"_sum_{tgt}"
        return names


def generate_network_code(layout: NetworkLayout, array_types=None) -> GeneratedCode:
    """The kernels of a whole network, in call order (see engine.codegen.driver).

    ``array_types`` maps each array name of the network (``_p0_v``...) to
    ``(dtype name, ndim)``, as the runtime holds them; kernels are written for
    exactly those (a missing name is taken as float64, 1-D: only for display
    before the arrays exist).
    """
    pops = [_PopulationCode(p, layout.default_method) for p in layout.populations]
    pop_by_key = {pc.k: pc for pc in pops}
    types = dict(array_types or {})
    pieces: list[_Piece] = []

    # 1. capacity checks: a whole population's spikes must fit before the step
    for ml in layout.monitors:
        if ml.spikes:
            pc = pop_by_key[ml.pop_key]
            piece = _Piece(ROLE_CHECK, ml.key, "spike buffer check of a monitor",
                           {ml.key: "M", pc.k: "P"})
            piece.w(f"if _{ml.key}_active[0] and _{ml.key}_spk_n[0] + "
                    f"{pc.arr('refr')}.shape[0] > _{ml.key}_spk_t.shape[0]:")
            piece.w("    return 1")
            pieces.append(piece)
    # 2. the body of a step
    first_sum: set = set()
    for jl in layout.projections:
        piece, jl, pops_j = _projection_piece(jl, pop_by_key, "transmission")
        _emit_projection(piece.w, jl, pops_j, [], set(), first_sum,
                         layout.default_method, piece.pro)
        pieces.append(piece)
    for pc, pl in zip(pops, layout.populations):
        piece = _Piece(ROLE_BODY, pc.k, f"update of {pl.ir.kind} model {pl.ir.name!r}",
                       {pc.k: "P"})
        _emit_population(piece.w, pc, pl, [], set(), layout.check_finite, piece.pro,
                         piece.scratch)
        pieces.append(piece)
    for jl in layout.projections:
        piece, jl, pops_j = _projection_piece(jl, pop_by_key, "learning")
        _emit_learning(piece.w, jl, pops_j, [], layout.default_method)
        if piece.w.lines:
            pieces.append(piece)
    for ml in layout.monitors:
        src = ml.pop_key
        piece = _Piece(ROLE_BODY, ml.key, "recording of a monitor",
                       {ml.key: "M", src: "J" if src.startswith("j") else "P"})
        _emit_monitor(piece.w, ml, f"_{src}", "", [],
                      None if src.startswith("j") else pop_by_key[src])
        pieces.append(piece)
    # 3. stop conditions (simulate_until)
    for pc, pl in zip(pops, layout.populations):
        if pl.stop_condition is not None:
            piece = _Piece(ROLE_STOP, pc.k, f"stop condition of {pl.ir.kind} model {pl.ir.name!r}", {pc.k: "P"})
            _emit_stop(piece.w, pc, pl)
            pieces.append(piece)

    kernels = [piece.kernel(types) for piece in pieces]
    applies = {}
    for jl in layout.projections:
        piece, jl, pops_j = _projection_piece(jl, pop_by_key, "apply")
        if _emit_apply(piece.w, jl, pops_j, layout.default_method):
            applies[f"apply_{jl.key}"] = piece.kernel(types)
    scratch = {}
    for piece in pieces:
        scratch.update(piece.scratch)
    return GeneratedCode(kernels=kernels, applies=applies, scratch=scratch)


def _projection_piece(jl: ProjectionLayout, pops: dict, what: str):
    """The piece of one projection, and the layout and populations to emit it
    with: the arrays of its populations are named ``_PRE_``/``_POST_`` in the
    kernel, even when both are one population (then both are bound to it)."""
    binds = {"J": jl.key, "PRE": jl.pre_key, "POST": jl.post_key}
    renames = {jl.key: "J", jl.pre_key: "PRE"}
    if jl.post_key == jl.pre_key:
        alias = copy.copy(pops[jl.post_key])
        alias.k = "q" + jl.post_key[1:]   # its arrays print as _q0_v: renamed POST
        pops = dict(pops, **{alias.k: alias})
        jl = dataclasses.replace(jl, post_key=alias.k)
    renames[jl.post_key] = "POST"
    piece = _Piece(ROLE_BODY, binds["J"], f"{what} of synapse model {jl.ir.name!r}",
                   renames, binds)
    return piece, jl, pops


class _Piece:
    """One kernel being written: its lines use the network's array names
    (``_p0_v``), renamed to the kernel's own (``_P_v``) when it is closed, so
    that two populations of one model give the same text (one compile)."""

    def __init__(self, role: str, owner: str, label: str, renames: dict[str, str],
                 binds: dict[str, str] | None = None):
        self.role, self.owner, self.label, self.renames = role, owner, label, renames
        # kernel prefix -> the network's prefix of the arrays bound to it
        self.binds = binds or {own: net for net, own in renames.items()}
        self.w = _Writer()
        self.w.level = 1
        self.pro = _Writer()  # once per call, before the body (views, constants)
        self.pro.level = 1
        self.scratch: dict[str, tuple[str, str]] = {}
        self.parallel = False

    def kernel(self, types: dict) -> Kernel:
        body = "\n".join(self.pro.lines + self.w.lines)
        for net, own in sorted(self.renames.items(), key=lambda kv: -len(kv[0])):
            body = re.sub(rf"\b_{net}_", f"_{own}_", body)
        left = sorted(set(_NETWORK_NAME.findall(body)))
        if left:  # pragma: no cover - an emitter used another object's arrays
            raise ModelError(f"internal: kernel {self.label!r} reads arrays of other objects: "
                             f"{', '.join(left)}")
        params = sorted(set(_KERNEL_NAME.findall(body)))
        args = []
        for name in params:
            prefix, _, rest = name[1:].partition("_")
            args.append(name if prefix == "c" else f"_{self.binds[prefix]}_{rest}")
        dtypes = []
        for arg in args:
            if arg in self.scratch:
                dtypes.append((self.scratch[arg][0], 1))
            else:
                dtype, ndim = types.get(arg, ("float64", 1))
                dtypes.append((str(dtype), int(ndim)))
        parallel = "numba.prange" in body
        source = _kernel_module(self.label, body, params, dtypes, parallel)
        return Kernel(role=self.role, owner=self.owner, label=self.label, source=source,
                      params=tuple(params), args=tuple(args), dtypes=tuple(dtypes),
                      parallel=parallel)


#: array names of the network (``_p0_v``, ``_j3_w``, ``_m1_spk_t``)
_NETWORK_NAME = re.compile(r"\b_[pqjm]\d+_\w+")
#: array names inside a kernel (``_P_v``, ``_PRE_r``, ``_POST_g_exc``, ``_J_w``,
#: ``_M_v``, ``_c_tau``)
_KERNEL_NAME = re.compile(r"\b_(?:P|PRE|POST|J|M|c)_\w+")


def _kernel_module(label: str, body: str, params, dtypes, parallel: bool) -> str:
    """The text of one kernel's module: imports (only those used), the array
    views from the argument table, the body."""
    from engine.codegen.kernel_abi import SLOTS_PER_ARRAY

    w = _Writer()
    w(f"# Generated by neuroworkbench: one kernel ({label}).")
    w("# Edit nothing here: the file is keyed by its content and regenerated.")
    if "math." in body:
        w("import math")
    w("import numba")
    w("import numpy as np")
    w("from numba import carray as _carray")
    w("from engine.codegen.kernel_abi import address_as_voidptr as _ptr")
    draws = [n for n in ("uniform", "normal", "lognormal", "exponential", "discrete_uniform")
             if f"_rng_{n}(" in body]
    if draws:
        w("from engine.codegen.rng import " + ", ".join(f"{n} as _rng_{n}" for n in draws))
    if "_ZKN" in body:
        w("from engine.codegen.rng import _KN as _ZKN, _WN as _ZWN, "
          "_normal_tail_or_wedge as _rng_normal_slow")
    if "_prefetch(" in body:
        w("from engine.codegen.intrinsics import prefetch as _prefetch")
    if "_RU" in body:
        w("_RU5, _RU7, _RU9, _RU11, _RU17, _RU19, _RU32, _RU45, _RU57 = (np.uint64(5), "
          "np.uint64(7), np.uint64(9), np.uint64(11), np.uint64(17), np.uint64(19), "
          "np.uint64(32), np.uint64(45), np.uint64(57))")
    w("")
    w("")
    doc = f'"""{label[0].upper() + label[1:]} (calling convention: engine.codegen.kernel_abi)."""'
    if parallel:
        # Numba's parallel passes mistake array views built from raw
        # addresses (carray) for one another: the parallel body takes its
        # arrays as arguments from a serial kernel that builds them
        w(JIT_DECORATOR[:-1] + ", parallel=True)")
        w(f"def _body(_step, _dt, _t, {', '.join(params)}):")
        w.indent()
        w(doc)
        w.dedent()
        w.lines.append(body)
        w.indent()
        w("return 0")
        w.dedent()
        w("")
        w("")
    w(JIT_DECORATOR)
    w("def kernel(_step, _dt, _tab, _base):")
    w.indent()
    w(doc)
    w("_t = _step * _dt")
    for n, (name, (dtype, ndim)) in enumerate(zip(params, dtypes)):
        slot = f"_base + {SLOTS_PER_ARRAY * n}" if n else "_base"
        shape = (f"(_tab[{slot} + 1],)" if ndim == 1
                 else f"(_tab[{slot} + 1], _tab[{slot} + 2])")
        w(f"{name} = _carray(_ptr(_tab[{slot}]), {shape}, np.{dtype})")
    if parallel:
        w(f"return _body(_step, _dt, _t, {', '.join(params)})")
        return w.text()
    w.dedent()
    w.lines.append(body)
    w.indent()
    w("return 0")
    return w.text()


def _emit_apply(w, jl: ProjectionLayout, pops: dict, default_method) -> bool:
    """The body of ``proj.apply()``: the synapse's ``apply()`` statements over
    all synapses (a kernel called from Python); False if it has none."""
    if jl.custom is not None or not jl.ir.apply:
        return False
    ir = jl.ir
    pre, post = pops[jl.pre_key], pops[jl.post_key]
    j = f"_{jl.key}"
    plan = plan_synapse(ir, default_method)
    em = SynapseEmitter(ir, plan, j, pre, post, jl.target,
                        lambda names: NumbaPrinter(names, rng=f"{j}_rng"))
    em.gate_w = False  # apply() is an explicit decision to learn
    for c in em.constants():
        w(f"{c} = _c_{c}[0]")
    for n in em.globals_used():
        w(f"{n} = {j}_{n}[0]")
    post_size = (f"{post.arr('refr')}.shape[0]" if post.ir.spiking else _size_expr(post))
    em.emit_updates(w, plan.apply_global, plan.apply_semi, plan.apply_local,
                    rows_by_pre=jl.spiking, post_size=post_size)
    return True


def _emit_population(w, pc: _PopulationCode, pl: PopulationLayout, args, used_constants,
                     check_finite, pro, scratch):
    ir = pc.ir
    names = pc.code_names()
    printer = NumbaPrinter(names, rng=pc.arr("rng"))
    P = printer.doprint
    for v in ir.variables:
        args.append(pc.arr(v.name))
    for tgt in ir.targets:
        args.append(pc.arr(f"sum_{tgt}"))
    args.append(pc.arr("rng"))
    if ir.spiking:
        args += [pc.arr(x) for x in ("refr", "refractory", "last_spike", "spk", "nspk", "flag")]

    # everything the population reads
    all_exprs = [s.expr for s in pc.global_pre + pc.global_post + pc.local]
    all_exprs += [e.rhs for e in pc.reset_all]
    if ir.spike is not None:
        all_exprs.append(ir.spike)
    if ir.refractory is not None:
        all_exprs.append(ir.refractory)
    if pl.stop_condition is not None:
        all_exprs.append(pl.stop_condition)
    free = _free_names(all_exprs)
    consts = sorted(c for c in ir.constants if c in free)
    used_constants.update(consts)
    for c in consts:
        w(f"{c} = _c_{c}[0]")
    globals_used = sorted(n for n in pc.global_names if n in free or
                          any(s.target == n for s in pc.global_pre + pc.global_post))
    for n in globals_used:
        w(f"{n} = {pc.arr(n)}[0]")
    # population-wide statements (before the per-neuron loop)
    replaced = pl.custom is not None and pl.custom.replace
    for st in ([] if replaced else pc.global_pre):
        w(f"{st.target} = {P(st.expr)}")
    for st in ([] if replaced else pc.global_pre):
        if st.target in pc.global_names:
            w(f"{pc.arr(st.target)}[0] = {st.target}")

    custom = pl.custom
    if custom is not None:
        args += [pc.arr(a) for a in custom.args]
        w("# custom code of the population")
        w(custom.code.replace("{p}", f"_{pc.k}").rstrip("\n"))
    if custom is not None and custom.replace:
        if check_finite:
            w("_bad = False")
    else:
        _emit_neuron_update(w, pc, pl, P, free, check_finite, scratch)
    if ir.spiking:
        # collect the spiking neurons, 8 flags at a time
        w(f"_words = {pc.arr('flag')}.view(np.uint64)")
        w("_ns = 0")
        w("for _q in range(_words.shape[0]):")
        w("    if _words[_q] != 0:")
        w("        for _i in range(8 * _q, 8 * _q + 8):")
        w(f"            if {pc.arr('flag')}[_i]:")
        w(f"                {pc.arr('spk')}[_ns] = _i")
        w(f"                {pc.arr('last_spike')}[_i] = _step")
        if pl.refractory_from_array and not replaced:
            # the refractory period of the neurons that spiked (see _emit_neuron_update)
            w(f"                {pc.arr('refr')}[_i] = "
              f"int(math.floor({pc.arr('refractory')}[_i] / _dt + 0.5))")
        w("                _ns += 1")
        w(f"{pc.arr('nspk')}[0] = _ns")
    if pl.spike_history:
        args += [pc.arr("hist"), pc.arr("hist_n")]
        w(f"_slot = _step % {pc.arr('hist')}.shape[0]")
        w("for _k in range(_ns):")
        w(f"    {pc.arr('hist')}[_slot, _k] = {pc.arr('spk')}[_k]")
        w(f"{pc.arr('hist_n')}[_slot] = _ns")
    if pl.rate_history:
        args.append(pc.arr("rhist"))
        w(f"_slot = _step % {pc.arr('rhist')}.shape[0]")
        w(f"for _k in range({pc.arr('r')}.shape[0]):")
        w(f"    {pc.arr('rhist')}[_slot, _k] = {pc.arr('r')}[_k]")
    for st in ([] if replaced else pc.global_post):
        w(f"{st.target} = {P(st.expr)}")
        if st.target in pc.global_names:
            w(f"{pc.arr(st.target)}[0] = {st.target}")
    if check_finite:
        gf = [st.target for st in pc.global_pre + pc.global_post
              if st.target in pc.global_names and ir.variable(st.target).dtype == "float"]
        extra = "".join(f" or not math.isfinite({n})" for n in dict.fromkeys(gf))
        w(f"if _bad{extra}:")
        w(f"    return {STATUS_NONFINITE}")


def _emit_neuron_update(w, pc: _PopulationCode, pl: PopulationLayout, P, free, check_finite,
                        scratch):
    """The per-neuron loop: equations, spike test, reset, refractoriness."""
    ir = pc.ir
    n_expr = f"{pc.arr('refr')}.shape[0]" if ir.spiking else _size_expr(pc)
    drawn = _emit_draws_first(w, pc, n_expr, scratch)
    if drawn is not None:
        P = drawn
    if check_finite:
        w("_bad = False")
    w(f"for _i in range({n_expr}):")
    w.indent()
    local_reads = sorted(
        n for n in pc.local_names
        if n in free or any(s.target == n for s in pc.local) or n in
        {e.target for e in pc.reset_all} or n in ir.conductances
    )
    for n in local_reads:
        w(f"{n} = {pc.arr(n)}[_i]")
    for tgt in ir.targets:
        if f"sum({tgt})" in free:
            w(f"_sum_{tgt} = {pc.arr('sum_' + tgt)}[_i]")
    if ir.spiking:
        w(f"_r = {pc.arr('refr')}[_i]")
    written: list[str] = []
    for st in pc.local:
        code = P(st.expr)
        if st.frozen_when_refractory and ir.spiking:
            code = f"({code}) if _r == 0 else {st.target}"
        w(f"{st.target} = {code}")
        if not st.target.startswith("_") and st.target not in written:
            written.append(st.target)
    float_written = [n for n in written if ir.variable(n).dtype == "float"]
    if check_finite and float_written:
        # x - x is 0 for finite x and NaN otherwise: branch-free, so the loop vectorises
        cond = " | ".join(f"(({n} - {n}) != 0.0)" for n in float_written)
        w(f"_bad = _bad | {cond}")
    if ir.spiking:
        # Spike, reset and refractoriness as selects (no branches: the loop
        # vectorises); the neurons that spiked are collected by a second loop.
        # ANNarchy semantics: while refractory, reset statements (except
        # 'unless_refractory' ones) are re-applied and the spike test skipped.
        w("_ref = _r > 0")
        w(f"_sp = (not _ref) & ({P(ir.spike)})")
        for e in pc.reset_all:
            when = "_sp" if e in pc.reset_once else "(_sp | _ref)"
            w(f"{e.target} = ({P(e.rhs)}) if {when} else {e.target}")
        if pl.refractory_from_array:
            # set by the spike scan below for the neurons that spiked: a
            # division and a floor per spike instead of per neuron and step
            steps = "0"
        else:
            steps = f"int(math.floor(({P(ir.refractory)}) / _dt + 0.5))"
        w(f"_r = {steps} if _sp else (_r - 1 if _ref else _r)")
        w(f"{pc.arr('flag')}[_i] = _sp")
        for e in pc.reset_all:
            if e.target not in written:
                written.append(e.target)
        w(f"{pc.arr('refr')}[_i] = _r")
        for e in pc.reset_all:
            if e.target not in written:
                written.append(e.target)
    for g in ir.conductances:
        w(f"{g} = 0.0")
        if g not in written:
            written.append(g)
    for n in written:
        if n in pc.local_names:
            w(f"{pc.arr(n)}[_i] = {n}")
    if w.lines[-1].endswith(":"):  # nothing to do per neuron (parameters only)
        w("pass")
    w.dedent()


class _DrawSitePrinter(NumbaPrinter):
    """Prints per-neuron statements with each random draw (with its ``coef *``
    skip pattern, see NumbaPrinter._print_Mul) replaced by a read of a buffer
    filled before the loop; records the draws in evaluation order."""

    def __init__(self, names, rng, prefix):
        super().__init__(names, rng)
        self.prefix = prefix
        self.sites: list[tuple] = []  # (coef or None, draw)

    def _site(self, coef, draw):
        self.sites.append((coef, draw))
        return f"{self.prefix}{len(self.sites) - 1}[_i]"

    def _print_Mul(self, expr):
        draws = [a for a in expr.args if type(a) in _DRAW_CALLS]
        if len(draws) == 1 and len(expr.args) > 1:
            coef = sp.Mul(*[a for a in expr.args if a is not draws[0]])
            if coef.free_symbols:
                return self._site(coef, draws[0])
        return super()._print_Mul(expr)

    def _print_Function(self, expr):
        if type(expr) in _DRAW_CALLS:
            return self._site(None, expr)
        return super()._print_Function(expr)


_INLINE_DRAWS = (rd.UniformDraw, rd.NormalDraw, rd.LogNormalDraw, rd.ExponentialDraw,
                 rd.DiscreteUniformDraw)


def _has_draw(expr) -> bool:
    return isinstance(expr, sp.Basic) and any(type(a) in _DRAW_CALLS
                                              for a in sp.preorder_traversal(expr))


def _emit_draws_first(w, pc: _PopulationCode, n_expr: str, scratch):
    """Draw the per-neuron random numbers of one step before the update loop.

    The draws are made in the order the loop would make them (neuron by
    neuron, statement by statement), into one buffer per draw site, with the
    generator (engine.codegen.rng: xoshiro256**, ziggurat normals) written
    out inline and its state in local variables (registers) instead of the
    state array: about 3 ns a normal draw instead of 17. Same stream, same
    values, bit for bit; the update loop, free of calls, vectorises.

    Returns the printer to use in the loop, or None (draws stay in the loop)
    when the population has no per-neuron draws, or when one cannot be
    moved: its arguments depend on values written during the step, it sits
    in a conditional (if-then-else, Heaviside...) or in the spike/reset code.
    """
    ir = pc.ir
    if not any(_has_draw(st.expr) for st in pc.local):
        return None
    if _has_draw(ir.spike) or _has_draw(ir.refractory) or \
            any(_has_draw(e.rhs) for e in pc.reset_all):
        return None
    names = pc.code_names()
    prefix = pc.arr("rnd")
    sp_printer = _DrawSitePrinter(names, rng=pc.arr("rng"), prefix=prefix)
    codes, frozen = {}, []
    for st in pc.local:
        before = len(sp_printer.sites)
        code = sp_printer.doprint(st.expr)
        new = len(sp_printer.sites) - before
        if new and (" if " in code or "lambda" in code):
            return None  # a draw inside a conditional: keep it in the loop
        codes[id(st.expr)] = code
        frozen += [bool(st.frozen_when_refractory and ir.spiking)] * new
    sites = sp_printer.sites
    text = "\n".join(codes.values())
    if any(text.count(f"{prefix}{k}[_i]") != 1 for k in range(len(sites))):
        return None  # printed more than once (a power, sign...)
    written = {st.target for st in pc.local} | {e.target for e in pc.reset_all} \
        | set(ir.conductances)
    allowed = set(ir.constants) | pc.global_names | {"t", "dt"} | \
        {f"sum({tgt})" for tgt in ir.targets} | (pc.local_names - written)
    needed: set[str] = set()
    for coef, draw in sites:
        params = list(draw.args[:-1]) + ([coef] if coef is not None else [])
        if any(_has_draw(a) for a in params) or type(draw) not in _INLINE_DRAWS:
            return None
        syms = _free_names(params)
        if not syms <= allowed:
            return None
        needed |= syms
    P = NumbaPrinter(names, rng=pc.arr("rng")).doprint
    rng = pc.arr("rng")
    size_of = pc.arr("refr") if ir.spiking else n_expr.split(".shape")[0]
    for k in range(len(sites)):
        scratch[f"{prefix}{k}"] = ("float64", size_of)
    w("# random draws of the update below, in its order; the generator state in registers")
    w(f"_s0, _s1, _s2, _s3 = {rng}[0], {rng}[1], {rng}[2], {rng}[3]")
    w(f"for _i in range({n_expr}):")
    w.indent()
    for n in sorted(needed & pc.local_names):
        w(f"{n} = {pc.arr(n)}[_i]")
    for tgt in ir.targets:
        if f"sum({tgt})" in needed:
            w(f"_sum_{tgt} = {pc.arr('sum_' + tgt)}[_i]")
    if any(frozen):
        w(f"_r = {pc.arr('refr')}[_i]")
    for k, ((coef, draw), fz) in enumerate(zip(sites, frozen)):
        buf = f"{prefix}{k}[_i]"
        params = [P(a) for a in draw.args[:-1]]
        if fz:
            w("if _r == 0:")
            w.indent()
        if coef is not None:
            c = P(coef)
            w(f"if ({c}) != 0.0:")
            w.indent()
            _inline_draw(w, type(draw), params, rng)
            w(f"{buf} = ({c}) * _x")
            w.dedent()
            w("else:")
            w(f"    {buf} = 0.0")
        else:
            _inline_draw(w, type(draw), params, rng)
            w(f"{buf} = _x")
        if fz:
            w.dedent()
    w.dedent()
    w(f"{rng}[0], {rng}[1], {rng}[2], {rng}[3] = _s0, _s1, _s2, _s3")

    def printer(expr):
        code = codes.get(id(expr))
        return code if code is not None else P(expr)
    return printer


def _inline_draw(w, kind, params, rng):
    """``_x = <one draw>``: engine.codegen.rng written out on the state ``_s0.._s3``
    (the same operations, so the same values)."""
    # the arguments first, as in a call
    for n, p in enumerate(params):
        w(f"_dp{n} = {p}")
    params = [f"_dp{n}" for n in range(len(params))]
    # xoshiro256** next_u64
    w("_x = _s1 * _RU5")
    w("_x = ((_x << _RU7) | (_x >> _RU57)) * _RU9")
    w("_t0 = _s1 << _RU17")
    w("_s2 ^= _s0")
    w("_s3 ^= _s1")
    w("_s1 ^= _s2")
    w("_s0 ^= _s3")
    w("_s2 ^= _t0")
    w("_s3 = (_s3 << _RU45) | (_s3 >> _RU19)")
    if kind in (rd.NormalDraw, rd.LogNormalDraw):
        mu, sigma = params
        # ziggurat; the rare wedge/tail path works on the state array
        w("_hz = np.int64(_x >> _RU32) - 2147483648")
        w("_iz = _hz & 127")
        w("if abs(_hz) < _ZKN[_iz]:")
        w("    _z = _hz * _ZWN[_iz]")
        w("else:")
        w(f"    {rng}[0], {rng}[1], {rng}[2], {rng}[3] = _s0, _s1, _s2, _s3")
        w(f"    _z = _rng_normal_slow({rng}, _hz, _iz)")
        w(f"    _s0, _s1, _s2, _s3 = {rng}[0], {rng}[1], {rng}[2], {rng}[3]")
        x = f"{mu} + {sigma} * _z"
        w(f"_x = {x}" if kind is rd.NormalDraw else f"_x = math.exp({x})")
        return
    w("_u = float(_x >> _RU11) * (1.0 / 9007199254740992.0)")
    if kind is rd.UniformDraw:
        a, b = params
        w(f"_x = {a} + ({b} - {a}) * _u")
    elif kind is rd.ExponentialDraw:
        (lam,) = params
        w(f"_x = -math.log(1.0 - _u) / {lam}")
    else:  # DiscreteUniformDraw
        a, b = params
        w(f"_lo = math.floor({a})")
        w(f"_x = _lo + math.floor(_u * (math.floor({b}) - _lo + 1.0))")


def _size_expr(pc: _PopulationCode) -> str:
    for v in pc.ir.variables:
        if v.locality != "global":
            return f"{pc.arr(v.name)}.shape[0]"
    return "1"


def _emit_monitor(w, ml: MonitorLayout, src: str, label: str, args, pc=None):
    """Recording code; ``src`` is the array prefix of the recorded object
    (``_p0`` for a population, ``_j0`` for a projection whose "ranks" are
    synapse indices)."""
    m = f"_{ml.key}"
    args += [f"{m}_active", f"{m}_period", f"{m}_offset", f"{m}_rows", f"{m}_ranks"]
    if ml.local_vars or ml.global_vars or ml.semi_vars:
        if ml.semi_vars:
            args.append(f"{m}_pranks")
        for v in ml.local_vars + ml.semi_vars + ml.global_vars:
            args.append(f"{m}_{v}")
        w(f"if {m}_active[0] and _step >= {m}_offset[0] and "
          f"(_step - {m}_offset[0]) % {m}_period[0] == 0:")
        w.indent()
        w(f"_row = {m}_rows[0]")
        for v in ml.local_vars:
            w(f"for _k in range({m}_ranks.shape[0]):")
            w(f"    {m}_{v}[_row, _k] = {src}_{v}[{m}_ranks[_k]]")
        for v in ml.semi_vars:
            w(f"for _k in range({m}_pranks.shape[0]):")
            w(f"    {m}_{v}[_row, _k] = {src}_{v}[{m}_pranks[_k]]")
        for v in ml.global_vars:
            w(f"{m}_{v}[_row] = {src}_{v}[0]")
        w(f"{m}_rows[0] = _row + 1")
        w.dedent()
    if ml.spikes:
        args += [f"{m}_mask", f"{m}_spk_t", f"{m}_spk_i", f"{m}_spk_n"]
        w(f"if {m}_active[0]:")
        w.indent()
        w(f"_n = {m}_spk_n[0]")
        w(f"for _k in range({pc.arr('nspk')}[0]):")
        w.indent()
        w(f"_j = {pc.arr('spk')}[_k]")
        w(f"if {m}_mask[_j]:")
        w(f"    {m}_spk_t[_n] = _step")
        w(f"    {m}_spk_i[_n] = _j")
        w("    _n += 1")
        w.dedent()
        w(f"{m}_spk_n[0] = _n")
        w.dedent()


def _emit_stop(w, pc: _PopulationCode, pl: PopulationLayout):
    """Return 1 when the population meets its stop condition (``: any``: one
    neuron does; ``: all``: every neuron does)."""
    printer = NumbaPrinter(pc.code_names(), rng=pc.arr("rng"))
    cond = printer.doprint(pl.stop_condition)
    free = _free_names([pl.stop_condition])
    for n in sorted(free & pc.global_names):
        w(f"{n} = {pc.arr(n)}[0]")
    size = pc.arr("refr") + ".shape[0]" if pc.ir.spiking else _size_expr(pc)
    w(f"for _i in range({size}):")
    w.indent()
    for n in sorted(free & pc.local_names):
        w(f"{n} = {pc.arr(n)}[_i]")
    if pl.stop_any:
        w(f"if {cond}:")
        w("    return 1")
    else:
        w(f"if not ({cond}):")
        w("    return 0")
    w.dedent()
    w(f"return {0 if pl.stop_any else 1}")


def _emit_projection(w, jl: ProjectionLayout, pops: dict, args, used_constants, first_sum,
                     default_method="explicit", pro=None):
    """Transmission and pre-synaptic events of one projection (start of the step)."""
    ir = jl.ir
    pre, post = pops[jl.pre_key], pops[jl.post_key]
    j = f"_{jl.key}"
    if jl.custom is not None:
        w(f"# target {jl.target!r} (custom code)")
        args += [f"{j}_{a}" for a in jl.custom.args]
        if not post.ir.spiking and (_real_key(post), jl.target) not in first_sum:
            first_sum.add((_real_key(post), jl.target))
            w(f"{post.arr('sum_' + jl.target)}[:] = 0.0")
        code = (jl.custom.code.replace("{j}", j).replace("{pre}", f"_{pre.k}")
                .replace("{post}", f"_{post.k}").replace("{target}", jl.target))
        w(code.rstrip("\n"))
        return
    plan = plan_synapse(ir, default_method)
    em = SynapseEmitter(ir, plan, j, pre, post, jl.target,
                        lambda names: NumbaPrinter(names, rng=f"{j}_rng"))
    P = em.P
    for v in ir.variables:
        args.append(f"{j}_{v.name}")
    args += [f"{j}_row", f"{j}_col", f"{j}_rng", f"{j}_learn"]
    if plan.event_driven:
        args.append(f"{j}_last")
    consts = em.constants()
    used_constants.update(consts)
    w(f"# target {jl.target!r}")
    for c in consts:
        w(f"{c} = _c_{c}[0]")
    for n in em.globals_used():
        w(f"{n} = {j}_{n}[0]")

    if jl.spiking:
        transmit = [st for st in plan.pre_event if st.target in ("g_target",)
                    or st.target.startswith("post.")]
        g = post.arr(f"g_{jl.target}")
        if jl.delay_mode == "uniform":
            args.append(f"{j}_dsteps")
            w(f"_slot = (_step - {j}_dsteps[0]) % {pre.arr('hist')}.shape[0]")
            src, nsrc = f"{pre.arr('hist')}[_slot]", f"{pre.arr('hist_n')}[_slot]"
        else:
            src, nsrc = pre.arr("spk"), f"{pre.arr('nspk')}[0]"
        if jl.delay_mode == "synapse":
            # transmission only (else the runtime chose 'events'): the increments
            # are computed at emission and wait in a ring buffer per post neuron
            args += [f"{j}_delays", f"{j}_ring"]
            w(f"_D = {j}_ring.shape[0]")
        if plan.pre_event and jl.delay_mode == "events":
            # per-synapse delays, events at arrival: spikes emitted _d steps ago
            # reach their synapses whose delay is _d steps
            args += [f"{j}_dperm", f"{j}_dptr", f"{j}_dK"]
            w(f"_learn_on = {em.learning_condition()}")
            w(f"_H = {pre.arr('hist')}.shape[0]")
            w(f"_K = {j}_dK[0]")
            w("for _d in range(1, _H + 1):")
            w.indent()
            w("_slot = (_step - _d) % _H")
            w(f"_src = {pre.arr('hist')}[_slot]")
            w(f"for _k in range({pre.arr('hist_n')}[_slot]):")
            w.indent()
            w("_pre = _src[_k]")
            em.load_pre(w, em.reads(plan.pre_event))
            w("_base = _pre * _K + _d")
            w(f"for _q in range({j}_dptr[_base], {j}_dptr[_base + 1]):")
            w.indent()
            w(f"_syn = {j}_dperm[_q]")
            w(f"_post = {j}_col[_syn]")
            em.event(w, plan.pre_event, g, pre=True)
            w.dedent()
            w.dedent()
            w.dedent()
        elif plan.pre_event:
            w(f"_learn_on = {em.learning_condition()}")
            w(f"_src = {src}")
            w(f"for _k in range({nsrc}):")
            w.indent()
            w("_pre = _src[_k]")
            em.load_pre(w, em.reads(plan.pre_event))
            dense = (jl.dense_rows and jl.delay_mode != "synapse" and not plan.pre_learning
                     and all(st.target == "g_target" for st in transmit))
            if dense:
                _emit_dense_row(w, em, j, post, transmit, g)
            w(f"for _syn in range({j}_row[_pre], {j}_row[_pre + 1]):")
            w.indent()
            w(f"_post = {j}_col[_syn]")
            if jl.delay_mode == "synapse":
                names = em.reads(plan.pre_event)
                em.load_scope(w, names, "local", "_syn")
                em.load_scope(w, names, "semiglobal", "_post")
                inc = sp.Add(*[st.expr - sp.Symbol("g_target", real=True)
                               for st in plan.pre_event if st.target == "g_target"])
                w(f"{j}_ring[(_step - 1 + {j}_delays[_syn]) % _D, _post] += {P(inc)}")
            elif plan.pre_learning:
                em.event(w, plan.pre_event, g, pre=True)
            else:
                em.event(w, transmit, g, decay=False)
            w.dedent()
            w.dedent()
            if dense:
                w.dedent()  # the else branch
        if jl.delay_mode == "synapse":
            w("_slot = _step % _D")
            w(f"for _post in range({g}.shape[0]):")
            w(f"    {g}[_post] += {j}_ring[_slot, _post]")
            w(f"    {j}_ring[_slot, _post] = 0.0")
    else:
        if plan.pre_event or plan.post_event:
            raise ModelError(f"synapse {ir.name!r}: pre_spike/post_spike need a spiking "
                             "pre-synaptic population")
        psp_expr = plan.psp
        pre_reads = sorted(classify(sp.Symbol(n))[1] for n in _free_names([psp_expr])
                           if n.startswith("pre."))
        other_pre = [n for n in pre_reads if n != "r"]
        if jl.delay_mode != "none" and other_pre:
            raise ModelError(f"synapse {ir.name!r}: delayed rate-coded projections can read "
                             f"only pre.r, not {', '.join('pre.' + n for n in other_pre)}")
        if jl.delay_mode == "uniform":
            args.append(f"{j}_dsteps")
            w(f"_dslot = (_step - {j}_dsteps[0]) % {pre.arr('rhist')}.shape[0]")
        if jl.delay_mode == "synapse":
            args.append(f"{j}_delays")
            w(f"_D = {pre.arr('rhist')}.shape[0]")
        dest = post.arr(f"sum_{jl.target}")
        op = "+=" if (_real_key(post), jl.target) in first_sum else "="
        first_sum.add((_real_key(post), jl.target))
        psp_names = {n for n in _free_names([psp_expr])}
        # unsigned synapse indices: no negative-index fix-up on every lookup
        pro(f"_urow = {j}_row.view(np.uint64)")
        pro("_U1, _U2, _U3, _U4, _U7 = (np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4), "
            "np.uint64(7))")
        pro(f"_PF, _nsyn = np.uint64({PREFETCH_AHEAD}), np.uint64({j}_col.shape[0])")
        streamed = [f"{j}_col"] + [f"{j}_{n}" for n in sorted(psp_names)
                                   if em.scope.get(n) == "local"] + \
            ([f"{j}_delays"] if jl.delay_mode == "synapse" else [])
        loop = "numba.prange" if jl.parallel else "range"
        w(f"for _post in {loop}({j}_row.shape[0] - 1):")
        w.indent()
        em.load_post(w, psp_names)
        em.load_scope(w, psp_names, "semiglobal", "_post")
        # four independent partial sums: the additions of one row overlap
        # instead of waiting on each other (the order is fixed, so results
        # are reproducible run to run, and the same for any thread count)
        psp = P(psp_expr)

        def one_synapse(index, acc):
            w(f"_syn = {index}")
            w(f"_pre = {j}_col[_syn]")
            slot = {"none": None, "uniform": "_dslot",
                    "synapse": f"(_step - {j}_delays[_syn]) % _D"}[jl.delay_mode]
            for n in pre_reads:
                if slot is not None and n == "r":
                    w(f"_pre_r = {pre.arr('rhist')}[{slot}, _pre]")
                else:
                    w(f"_pre_{n} = {pre.arr(n)}[_pre]")
            em.load_scope(w, psp_names, "local", "_syn")
            w(f"{acc} += {psp}")

        w("_a0 = 0.0")
        w("_a1 = 0.0")
        w("_a2 = 0.0")
        w("_a3 = 0.0")
        w("_k = _urow[_post]")
        w("_end = _urow[_post + 1]")
        w("while _k + _U4 <= _end:")
        w.indent()
        # a prefetch hint every 8 synapses (one cache line of float64)
        w("if (_k & _U7) < _U4 and _k + _PF < _nsyn:")
        for arr in streamed:
            w(f"    _prefetch({arr}, _k + _PF)")
        for u in range(4):
            one_synapse("_k" if u == 0 else f"_k + _U{u}", f"_a{u}")
        w("_k += _U4")
        w.dedent()
        w("while _k < _end:")
        w.indent()
        one_synapse("_k", "_a0")
        w("_k += _U1")
        w.dedent()
        w("_acc = (_a0 + _a1) + (_a2 + _a3)")
        w(f"{dest}[_post] {op} _acc")
        w.dedent()


def _real_key(pc) -> str:
    """The key of a population, also through the alias of a recurrent projection."""
    return "p" + pc.k[1:]


def _emit_dense_row(w, em, j, post, transmit, g):
    """Open ``if <row is dense>: <dense loop> else:`` for one spike's row.

    Columns ascend strictly within a row (CSR invariant: sorted, no
    duplicates), so a row whose first and last ranks are n - 1 apart is one
    run of consecutive post ranks (all-to-all): a loop over slices, which
    vectorises; the same additions in the same order (bit-identical). The
    caller writes the sparse loop in the ``else`` branch and closes both.
    """
    names = em.reads(transmit)
    w(f"_start = {j}_row[_pre]")
    w(f"_stop = {j}_row[_pre + 1]")
    w(f"if _stop - _start > 1 and int({j}_col[_stop - 1]) - int({j}_col[_start]) "
      f"== _stop - _start - 1:")
    w.indent()
    w(f"_c0 = int({j}_col[_start])")
    w("_len = _stop - _start")
    w(f"_gd = {g}[_c0:_c0 + _len]")
    loads = []
    for n in sorted(names):
        kind, name = classify(sp.Symbol(n))
        scope = em.scope.get(n)
        if kind == "post":
            w(f"_pd_{name} = {post.arr(name)}[_c0:_c0 + _len]")
            loads.append(f"_post_{name} = _pd_{name}[_o]")
        elif scope == "local":
            w(f"_sd_{n} = {j}_{n}[_start:_stop]")
            loads.append(f"{n} = _sd_{n}[_o]")
        elif scope == "semiglobal":
            w(f"_sd_{n} = {j}_{n}[_c0:_c0 + _len]")
            loads.append(f"{n} = _sd_{n}[_o]")
    w("for _o in range(_len):")
    w.indent()
    for ln in loads:
        w(ln)
    for st in transmit:
        inc = st.expr - sp.Symbol("g_target", real=True)
        w(f"_gd[_o] += {em.P(inc)}")
    w.dedent()
    w.dedent()
    w("else:")
    w.indent()


def _emit_learning(w, jl: ProjectionLayout, pops: dict, args, default_method="explicit"):
    """Post-synaptic events and continuous updates of one projection (after
    the neurons are updated)."""
    if jl.custom is not None:
        return
    ir = jl.ir
    pre, post = pops[jl.pre_key], pops[jl.post_key]
    j = f"_{jl.key}"
    plan = plan_synapse(ir, default_method)
    if not (plan.post_event or plan.continuous):
        return
    em = SynapseEmitter(ir, plan, j, pre, post, jl.target,
                        lambda names: NumbaPrinter(names, rng=f"{j}_rng"))
    w(f"_learn_on = {em.learning_condition()}")
    for c in em.constants():
        w(f"{c} = _c_{c}[0]")
    for n in em.globals_used():
        w(f"{n} = {j}_{n}[0]")
    em.emit_post_events(w, args)
    em.emit_continuous(w, rows_by_pre=jl.spiking, post_size=_size_expr(post)
                       if not post.ir.spiking else f"{post.arr('refr')}.shape[0]")
