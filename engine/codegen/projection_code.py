"""Kernels of projections: transmission (spiking events, rate-coded weighted
sums, delays), learning (post-synaptic events, continuous updates) and
``proj.apply()``; the synapse model's own statements come from
engine.codegen.synapse_code."""

from __future__ import annotations

import copy
import dataclasses

import sympy as sp

from engine.codegen.kernel_module import ROLE_BODY, KernelPiece
from engine.codegen.layout import ProjectionLayout
from engine.codegen.population_code import rate_history_name, size_expr
from engine.codegen.printer import NumbaPrinter
from engine.codegen.synapse_code import SynapseEmitter, plan_synapse, side_local
from engine.codegen.writer import free_names
from engine.errors import ModelError
from engine.language.symbols import classify

__all__ = ["projection_piece", "emit_transmission", "emit_learning", "emit_apply"]

#: weighted sums prefetch the synapse arrays this many synapses ahead
PREFETCH_AHEAD = 512



def projection_piece(jl: ProjectionLayout, pops: dict, what: str):
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
    piece = KernelPiece(ROLE_BODY, binds["J"], f"{what} of synapse model {jl.ir.name!r}",
                   renames, binds)
    return piece, jl, pops


def emit_apply(w, jl: ProjectionLayout, pops: dict, default_method) -> bool:
    """The body of ``proj.apply()``: the synapse's ``apply()`` statements over
    all synapses (a kernel called from Python); False if it has none."""
    if jl.custom is not None or not jl.ir.apply:
        return False
    ir = jl.ir
    pre, post = pops[jl.pre_key], pops[jl.post_key]
    j = f"_{jl.key}"
    plan = plan_synapse(ir, default_method)
    em = SynapseEmitter(ir, plan, j, pre, post, jl.target,
                        lambda names: NumbaPrinter(names, rng=f"{j}__rng"))
    em.gate_w = False  # apply() is an explicit decision to learn
    for c in em.constants():
        w(f"{c} = _c_{c}[0]")
    for n in em.globals_used():
        w(f"{n} = {j}_{n}[0]")
    em.load_global_ops(w)
    post_size = (f"{post.own('refr')}.shape[0]" if post.ir.spiking else size_expr(post))
    em.emit_updates(w, plan.apply_global, plan.apply_semi, plan.apply_local,
                    rows_by_pre=_rows_by_pre(jl), post_size=post_size)
    return True


def emit_transmission(w, jl: ProjectionLayout, pops: dict, first_sum,
                     default_method="explicit", pro=None):
    """Transmission and pre-synaptic events of one projection (start of the step)."""
    ir = jl.ir
    pre, post = pops[jl.pre_key], pops[jl.post_key]
    j = f"_{jl.key}"
    if jl.custom is not None:
        w(f"# target {jl.target!r} (custom code)")
        if not post.ir.spiking and (_real_key(post), jl.target) not in first_sum:
            first_sum.add((_real_key(post), jl.target))
            w(f"{post.own('sum_' + jl.target)}[:] = 0.0")
        code = (jl.custom.code.replace("{j}", j).replace("{pre}", f"_{pre.k}")
                .replace("{post}", f"_{post.k}").replace("{target}", jl.target))
        w(code.rstrip("\n"))
        return
    plan = plan_synapse(ir, default_method)
    targets = _targets(jl)
    em = SynapseEmitter(ir, plan, j, pre, post, targets[0],
                        lambda names: NumbaPrinter(names, rng=f"{j}__rng"))
    P = em.P
    consts = em.constants()
    w(f"# target {jl.target!r}")
    for c in consts:
        w(f"{c} = _c_{c}[0]")
    for n in em.globals_used():
        w(f"{n} = {j}_{n}[0]")
    em.load_global_ops(w)

    received = _received(jl, post)
    receives = bool(received)
    if jl.spiking and ir.spiking:
        transmit = [st for st in plan.pre_event if (st.target == "g_target" and receives)
                    or st.target.startswith("post.")]
        # the conductances g_target increments: one name, several (a list of
        # targets, each receives the same input), or None (none is read)
        gs = [post.arr(f"g_{t}") for t in received]
        g = gs[0] if len(gs) == 1 else (gs or None)
        if jl.delay_mode == "uniform":
            w(f"_slot = (_step - {j}__dsteps[0]) % {pre.own('hist')}.shape[0]")
            src, nsrc = f"{pre.own('hist')}[_slot]", f"{pre.own('hist_n')}[_slot]"
        else:
            src, nsrc = pre.own("spk"), f"{pre.own('nspk')}[0]"
        if jl.delay_mode == "synapse":
            # transmission only (else the runtime chose 'events'): the increments
            # are computed at emission and wait in a ring buffer per post neuron
            w(f"_D = {j}__ring.shape[0]")
        if plan.pre_event and jl.delay_mode == "events":
            # per-synapse delays, events at arrival: spikes emitted _d steps ago
            # reach their synapses whose delay is _d steps
            w(f"_learn_on = {em.learning_condition()}")
            w(f"_H = {pre.own('hist')}.shape[0]")
            w(f"_K = {j}__dK[0]")
            w("for _d in range(1, _H + 1):")
            w.indent()
            w("_slot = (_step - _d) % _H")
            w(f"_src = {pre.own('hist')}[_slot]")
            w(f"for _k in range({pre.own('hist_n')}[_slot]):")
            w.indent()
            w("_pre = _src[_k]")
            em.load_pre(w, em.reads(plan.pre_event))
            w("_base = _pre * _K + _d")
            w(f"for _q in range({j}__dptr[_base], {j}__dptr[_base + 1]):")
            w.indent()
            w(f"_syn = {j}__dperm[_q]")
            w(f"_post = {j}__col[_syn]")
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
                     and len(gs) == 1 and all(st.target == "g_target" for st in transmit))
            if dense:
                _emit_dense_row(w, em, j, post, transmit, g)
            w(f"for _syn in range({j}__row[_pre], {j}__row[_pre + 1]):")
            w.indent()
            w(f"_post = {j}__col[_syn]")
            if jl.delay_mode == "synapse" and not receives:
                w("pass  # (the post-synaptic model does not read this target)")
            elif jl.delay_mode == "synapse":
                names = em.reads(plan.pre_event)
                em.load_scope(w, names, "local", "_syn")
                em.load_scope(w, names, "semiglobal", "_post")
                inc = sp.Add(*[st.expr - sp.Symbol("g_target", real=True)
                               for st in plan.pre_event if st.target == "g_target"])
                w(f"{j}__ring[(_step - 1 + {j}__delays[_syn]) % _D, _post] += {P(inc)}")
            elif plan.pre_learning:
                em.event(w, plan.pre_event, g, pre=True)
            else:
                em.event(w, transmit, g, decay=False)
            w.dedent()
            w.dedent()
            if dense:
                w.dedent()  # the else branch
        if jl.delay_mode == "synapse" and receives:
            w("_slot = _step % _D")
            w(f"for _post in range({gs[0]}.shape[0]):")
            for gk in gs:
                w(f"    {gk}[_post] += {j}__ring[_slot, _post]")
            w(f"    {j}__ring[_slot, _post] = 0.0")
        if plan.psp is not None and receives:
            _emit_psp_scatter(w, em, j, plan.psp, gs, jl)
    else:
        if plan.pre_event or plan.post_event:
            raise ModelError(f"synapse {ir.name!r}: pre_spike/post_spike need a spiking "
                             "pre-synaptic population")
        if not receives:
            w("# (the post-synaptic model does not read this target: nothing to sum)")
            return
        psp_expr = plan.psp
        pre_reads = sorted(classify(sp.Symbol(n))[1] for n in free_names([psp_expr])
                           if n.startswith("pre."))
        if jl.spiking and jl.delay_mode != "none":
            raise ModelError(f"synapse {ir.name!r}: a psp between spiking populations "
                             "(summed every step) takes no delay")
        if jl.delay_mode != "none" and any(n.startswith("sum(") for n in pre_reads):
            raise ModelError(f"synapse {ir.name!r}: a delayed projection cannot read "
                             "pre.sum(...) in its psp (only attributes keep a history)")
        # past values of pre.x (rows of the pre population's histories)
        history = {n: pre.own(rate_history_name(n)) for n in pre_reads}
        depth = f"{history[pre_reads[0]]}.shape[0]" if pre_reads else "1"
        if jl.delay_mode == "uniform":
            w(f"_dslot = (_step - {j}__dsteps[0]) % {depth}")
        if jl.delay_mode == "synapse":
            w(f"_D = {depth}")
        dests = []      # (array, operator) of each target read
        for t in received:
            if jl.spiking:
                # a psp between spiking populations (gap junctions): summed every
                # step like a rate-coded one, into the conductance g_target (which
                # the post-synaptic neuron resets after its update), as ANNarchy
                dests.append((post.arr(f"g_{t}"), "+="))
            else:
                dests.append((post.own(f"sum_{t}"),
                              "+=" if (_real_key(post), t) in first_sum else "="))
                first_sum.add((_real_key(post), t))
        psp_names = {n for n in free_names([psp_expr])}
        # unsigned synapse indices: no negative-index fix-up on every lookup
        pro(f"_urow = {j}__row.view(np.uint64)")
        pro("_U1, _U2, _U3, _U4, _U7 = (np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4), "
            "np.uint64(7))")
        pro(f"_PF, _nsyn = np.uint64({PREFETCH_AHEAD}), np.uint64({j}__col.shape[0])")
        streamed = [f"{j}__col"] + [f"{j}_{n}" for n in sorted(psp_names)
                                   if em.scope.get(n) == "local"] + \
            ([f"{j}__delays"] if jl.delay_mode == "synapse" else [])
        loop = "numba.prange" if jl.parallel else "range"
        w(f"for _post in {loop}({j}__row.shape[0] - 1):")
        w.indent()
        em.load_post(w, psp_names)
        em.load_scope(w, psp_names, "semiglobal", "_post")
        # four independent partial sums: the additions of one row overlap
        # instead of waiting on each other (the order is fixed, so results
        # are reproducible run to run, and the same for any thread count)
        psp = P(psp_expr)

        def one_synapse(index, acc):
            w(f"_syn = {index}")
            w(f"_pre = {j}__col[_syn]")
            slot = {"none": None, "uniform": "_dslot",
                    "synapse": f"(_step - {j}__delays[_syn]) % _D"}[jl.delay_mode]
            for n in pre_reads:
                if slot is not None:
                    col = "0" if n in pre.global_names else "_pre"
                    w(f"{side_local('pre', n)} = {history[n]}[{slot}, {col}]")
                else:
                    w(f"{side_local('pre', n)} = {pre.at(n, '_pre')}")
            em.load_scope(w, psp_names, "local", "_syn")
            w(f"{acc} += {psp}")

        if ir.operation != "sum":
            _emit_reduction(w, ir.operation, j, lambda: one_synapse("_k", "_v"))
            for dest, op in dests:
                w(f"{dest}[_post] {op} _acc")
            w.dedent()
            return
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
        for dest, op in dests:
            w(f"{dest}[_post] {op} _acc")
        w.dedent()


def _emit_reduction(w, operation, j, one_synapse):
    """``operation='max'|'min'|'mean'`` (ANNarchy): the psp of one post neuron's
    synapses combined into ``_acc``; a neuron without synapses gets 0."""
    w("_n = 0")
    w("_acc = 0.0")
    w(f"for _k in range({j}__row[_post], {j}__row[_post + 1]):")
    w.indent()
    w("_v = 0.0")
    one_synapse()   # _v += psp of synapse _k
    if operation == "mean":
        w("_acc += _v")
    else:
        better = ">" if operation == "max" else "<"
        w(f"if _n == 0 or _v {better} _acc:")
        w("    _acc = _v")
    w("_n += 1")
    w.dedent()
    if operation == "mean":
        w("if _n > 0:")
        w("    _acc = _acc / _n")


def _emit_psp_scatter(w, em, j, psp, gs, jl):
    """A psp beside pre_spike events (spiking pre-synaptic population, rows by
    pre neuron): summed every step into g_target, after the events, as
    ANNarchy (e.g. an NMDA-like synapse whose conductance ``g`` rises with
    each spike and is transmitted continuously)."""
    if jl.delay_mode != "none":
        raise ModelError(f"synapse {jl.ir.name!r}: a psp between spiking populations "
                         "(summed every step) takes no delay")
    names = {s.name for s in psp.free_symbols}
    w(f"# psp of {jl.ir.name!r} summed every step into "
      f"{', '.join('g_' + t for t in _targets(jl))}")
    w(f"for _pre in range({j}__row.shape[0] - 1):")
    w.indent()
    em.load_pre(w, names)
    w(f"for _syn in range({j}__row[_pre], {j}__row[_pre + 1]):")
    w.indent()
    w(f"_post = {j}__col[_syn]")
    em.load_post(w, names)
    em.load_scope(w, names, "semiglobal", "_post")
    em.load_scope(w, names, "local", "_syn")
    w(f"_v = {em.P(psp)}")
    for g in gs:
        w(f"{g}[_post] += _v")
    w.dedent()
    w.dedent()


def _targets(jl: ProjectionLayout) -> tuple[str, ...]:
    """The projection's targets (ANNarchy: a name or a list of names)."""
    return (jl.target,) if isinstance(jl.target, str) else tuple(jl.target)


def _received(jl: ProjectionLayout, post) -> list[str]:
    """The targets the post-synaptic model reads (its conductance ``g_target``,
    or ``sum(target)``); the runtime allows the others (with a warning) when
    the projection learns or feeds another target, and they receive nothing."""
    names = {v.name for v in post.ir.variables}
    return [t for t in _targets(jl) if t in post.ir.targets
            and (not jl.spiking or f"g_{t}" in names)]


def _rows_by_pre(jl: ProjectionLayout) -> bool:
    """Synapses stored by pre-synaptic rows: spiking events (a psp between
    spiking populations is summed by post rows, as a rate-coded one)."""
    return jl.spiking and jl.ir.spiking


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
    w(f"_start = {j}__row[_pre]")
    w(f"_stop = {j}__row[_pre + 1]")
    w(f"if _stop - _start > 1 and int({j}__col[_stop - 1]) - int({j}__col[_start]) "
      f"== _stop - _start - 1:")
    w.indent()
    w(f"_c0 = int({j}__col[_start])")
    w("_len = _stop - _start")
    w(f"_gd = {g}[_c0:_c0 + _len]")
    loads = []
    for n in sorted(names):
        kind, name = classify(sp.Symbol(n))
        scope = em.scope.get(n)
        if kind == "post" and name in post.global_names:
            w(f"{side_local('post', name)} = {post.at(name, '_c0')}")
        elif kind == "post":
            local = side_local("post", name)
            w(f"_pd{local} = {post.array_of(name)}[_c0:_c0 + _len]")
            loads.append(f"{local} = _pd{local}[_o]")
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


def emit_learning(w, jl: ProjectionLayout, pops: dict, default_method="explicit"):
    """Continuous updates, then post-synaptic events, of one projection (after
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
                        lambda names: NumbaPrinter(names, rng=f"{j}__rng"))
    w(f"_learn_on = {em.learning_condition()}")
    for c in em.constants():
        w(f"{c} = _c_{c}[0]")
    for n in em.globals_used():
        w(f"{n} = {j}_{n}[0]")
    em.load_global_ops(w)
    # ANNarchy's order (its step template): the equations, then the post-synaptic
    # events; a trace set by post_spike is seen undecayed at the end of the step
    em.emit_continuous(w, rows_by_pre=_rows_by_pre(jl), post_size=size_expr(post)
                       if not post.ir.spiking else f"{post.own('refr')}.shape[0]")
    em.emit_post_events(w)
