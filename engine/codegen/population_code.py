"""Kernels of populations: the neuron update (equations, spike test, reset,
refractoriness, random draws) and the stop test of ``simulate_until``."""

from __future__ import annotations

import sympy as sp

from engine.codegen.driver import STATUS_NONFINITE
from engine.codegen.layout import PopulationLayout
from engine.codegen.printer import _DRAW_CALLS, NumbaPrinter
from engine.codegen.writer import free_names
from engine.errors import ModelError
from engine.integrators import Statement, discretize
from engine.language import random_draws as rd

__all__ = ["PopulationCode", "emit_population", "emit_stop", "emit_global_ops", "gop_local",
           "rate_history_name", "is_delay_buffer", "size_expr"]


class PopulationCode:
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
        #: the model's own global operations: name in the IR -> local in code
        self.global_ops = {f"{op}({name})": gop_local(op, name)
                           for op, _, name in ir.global_operations}
        statements = discretize(ir, ir.equations, default_method=default_method)
        self.global_pre: list[Statement] = []
        self.global_post: list[Statement] = []
        self.local: list[Statement] = []
        global_temps: set[str] = set()
        shared = self.global_names | set(ir.constants) | {"t", "dt"} | set(self.global_ops)
        # Population-wide statements run once per step, before the per-neuron
        # loop, keeping their written order; but a write that a per-neuron
        # statement written earlier must not see (it reads the old value) is
        # moved after the loop, and so is every population-wide statement
        # written after it.
        read_by_local: set[str] = set()
        after_loop = False
        for st in statements:
            names = free_names([st.expr])
            population_wide = (st.target in self.global_names or st.target.startswith("_")) \
                and names <= (shared | global_temps)
            if population_wide:
                if st.target.startswith("_"):
                    global_temps.add(st.target)
                if st.target in read_by_local:
                    after_loop = True
                (self.global_post if after_loop else self.global_pre).append(st)
            elif st.target in self.global_names:
                raise ModelError(
                    f"{ir.kind} {ir.name!r}: population-wide variable "
                    f"'{st.target}' cannot depend on per-neuron values "
                    f"({', '.join(sorted(names - shared - global_temps))})"
                )
            else:
                self.local.append(st)
                read_by_local |= names
        self.reset_all = list(ir.reset)
        # reset statements run at the spike only; the others also at every
        # refractory step (ModelIR.refractory_rule)
        self.reset_once = ([e for e in ir.reset if "unless_refractory" in e.flags]
                           if ir.refractory_rule == "flagged" else list(ir.reset))

    # names -----------------------------------------------------------------
    def arr(self, name: str) -> str:
        """The array of the model attribute ``name`` (``_p0_v``)."""
        return f"_{self.k}_{name}"

    def array_of(self, name: str) -> str:
        """The array a synapse's ``pre.<name>``/``post.<name>`` reads: the
        attribute's, or for ``sum(exc)`` the weighted input of that target."""
        if name.startswith("sum(") and name.endswith(")"):
            return self.own("sum_" + name[4:-1])
        return self.arr(name)

    def at(self, name: str, index: str) -> str:
        """The value of attribute ``name`` for neuron ``index``: a
        population-wide variable has one value, read at 0 whatever the neuron
        (a synapse's ``pre.x`` / ``post.x``)."""
        return f"{self.array_of(name)}[{0 if name in self.global_names else index}]"

    def own(self, name: str) -> str:
        """An internal array of the population (``_p0__spk``): two underscores,
        so that no model attribute (whose names never start with ``_``) can
        share its name."""
        return f"_{self.k}__{name}"

    def code_names(self) -> dict[str, str]:
        names = {"t": "_t", "dt": "_dt"}
        for tgt in self.ir.targets:
            names[f"sum({tgt})"] = f"_sum_{tgt}"
        names.update(self.global_ops)
        return names


def rate_history_name(name: str) -> str:
    """The internal array of the past values of attribute ``name`` (delayed
    rate-coded projections): ``rhist`` for ``r``, ``rhist_<name>`` for others;
    one row per step of the longest delay."""
    return "rhist" if name == "r" else f"rhist_{name}"


def is_delay_buffer(internal: str) -> bool:
    """Whether an internal array is a delay history (sized at compile, rebuilt
    from the current state when a saved one does not fit)."""
    return internal in ("hist", "hist_n", "rhist") or internal.startswith("rhist_")


def gop_local(op: str, name: str) -> str:
    """The local of a global operation's value in generated code (``_gop_mean_r``);
    its array is the population's internal ``gop_mean_r`` (one value)."""
    return f"_gop_{op}_{name}"


#: the loop of each global operation: (start value, accumulate, finish), on ``_x``
_GOP_CODE = {
    "mean": ("0.0", "_acc += _x", "_acc / max(_n, 1)"),
    "max": ("-np.inf", "_acc = max(_acc, _x)", "_acc"),
    "min": ("np.inf", "_acc = min(_acc, _x)", "_acc"),
    "norm1": ("0.0", "_acc += abs(_x)", "_acc"),
    "norm2": ("0.0", "_acc += _x * _x", "math.sqrt(_acc)"),
}


def emit_global_ops(w, pc: "PopulationCode", pl: PopulationLayout) -> None:
    """Compute the population's global operations (after every population's
    update, as ANNarchy): one pass per operation over the variable's array."""
    for op, name in pl.global_ops:
        start, step, finish = _GOP_CODE[op]
        w(f"# {op}({name})")
        w(f"_n = {pc.arr(name)}.shape[0]")
        w(f"_acc = {start}")
        w("for _i in range(_n):")
        w(f"    _x = {pc.arr(name)}[_i]")
        w(f"    {step}")
        w(f"{pc.own(f'gop_{op}_{name}')}[0] = {finish}")



def emit_population(w, pc: PopulationCode, pl: PopulationLayout,
                     check_finite, pro, scratch):
    ir = pc.ir
    names = pc.code_names()
    printer = NumbaPrinter(names, rng=pc.own("rng"))
    P = printer.doprint

    # everything the population reads
    all_exprs = [s.expr for s in pc.global_pre + pc.global_post + pc.local]
    all_exprs += [e.rhs for e in pc.reset_all]
    if ir.spike is not None:
        all_exprs.append(ir.spike)
    if ir.refractory is not None:
        all_exprs.append(ir.refractory)
    if pl.stop_condition is not None:
        all_exprs.append(pl.stop_condition)
    free = free_names(all_exprs)
    consts = sorted(c for c in ir.constants if c in free)
    for c in consts:
        w(f"{c} = _c_{c}[0]")
    globals_used = sorted(n for n in pc.global_names if n in free or
                          any(s.target == n for s in pc.global_pre + pc.global_post))
    for n in globals_used:
        w(f"{n} = {pc.arr(n)}[0]")
    for key, local in pc.global_ops.items():
        if key in free:
            op, name = key[:-1].split("(")
            w(f"{local} = {pc.own(f'gop_{op}_{name}')}[0]")
    # population-wide statements (before the per-neuron loop)
    replaced = pl.custom is not None and pl.custom.replace
    for st in ([] if replaced else pc.global_pre):
        w(f"{st.target} = {P(st.expr)}")
    for st in ([] if replaced else pc.global_pre):
        if st.target in pc.global_names:
            w(f"{pc.arr(st.target)}[0] = {_stored(pc, st.target, check_finite)}")

    custom = pl.custom
    if custom is not None:
        w("# custom code of the population")
        w(custom.code.replace("{p}", f"_{pc.k}").rstrip("\n"))
    if custom is not None and custom.replace:
        if check_finite:
            w("_bad = False")
    else:
        _emit_neuron_update(w, pc, pl, P, free, check_finite, scratch)
    if ir.spiking:
        # collect the spiking neurons, 8 flags at a time
        w(f"_words = {pc.own('flag')}.view(np.uint64)")
        w("_ns = 0")
        w("for _q in range(_words.shape[0]):")
        w("    if _words[_q] != 0:")
        w("        for _i in range(8 * _q, 8 * _q + 8):")
        w(f"            if {pc.own('flag')}[_i]:")
        w(f"                {pc.own('spk')}[_ns] = _i")
        w(f"                {pc.own('last_spike')}[_i] = _step")
        if pl.refractory_from_array and not replaced:
            # the refractory period of the neurons that spiked (see _emit_neuron_update)
            w(f"                {pc.own('refr')}[_i] = "
              f"{refractory_steps(pc.own('refractory') + '[_i]')}")
        w("                _ns += 1")
        w(f"{pc.own('nspk')}[0] = _ns")
        if custom is not None and custom.after:
            w("# custom code of the population, after the spikes")
            w(custom.after.replace("{p}", f"_{pc.k}").rstrip("\n"))
    if pl.spike_history:
        w(f"_slot = _step % {pc.own('hist')}.shape[0]")
        w("for _k in range(_ns):")
        w(f"    {pc.own('hist')}[_slot, _k] = {pc.own('spk')}[_k]")
        w(f"{pc.own('hist_n')}[_slot] = _ns")
    for name in pl.rate_history:
        hist = pc.own(rate_history_name(name))
        w(f"_slot = _step % {hist}.shape[0]")
        w(f"for _k in range({pc.arr(name)}.shape[0]):")
        w(f"    {hist}[_slot, _k] = {pc.arr(name)}[_k]")
    for st in ([] if replaced else pc.global_post):
        w(f"{st.target} = {P(st.expr)}")
        if st.target in pc.global_names:
            w(f"{pc.arr(st.target)}[0] = {_stored(pc, st.target, check_finite)}")
    if check_finite:
        written_globals = [st.target for st in ([] if replaced else pc.global_pre + pc.global_post)
                           if st.target in pc.global_names]
        gf = [n for n in written_globals if ir.variable(n).dtype == "float"]
        gi = [n for n in written_globals if ir.variable(n).dtype == "int"]
        extra = "".join(f" or not math.isfinite({n})" for n in dict.fromkeys(gf))
        extra += "".join(f" or not ({_fits_int64(n)})" for n in dict.fromkeys(gi))
        w(f"if _bad{extra}:")
        w(f"    return {STATUS_NONFINITE}")


def _emit_neuron_update(w, pc: PopulationCode, pl: PopulationLayout, P, free, check_finite,
                        scratch):
    """The per-neuron loop: equations, spike test, reset, refractoriness."""
    ir = pc.ir
    n_expr = f"{pc.own('refr')}.shape[0]" if ir.spiking else size_expr(pc)
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
            w(f"_sum_{tgt} = {pc.own('sum_' + tgt)}[_i]")
    if ir.spiking:
        w(f"_r = {pc.own('refr')}[_i]")
    written: list[str] = []
    for st in pc.local:
        code = P(st.expr)
        if st.frozen_when_refractory and ir.spiking:
            code = f"({code}) if _r == 0 else {st.target}"
        w(f"{st.target} = {code}")
        if not st.target.startswith("_") and st.target not in written:
            written.append(st.target)
    float_written = [n for n in written if ir.variable(n).dtype == "float"]
    guard = ""
    if check_finite and float_written:
        # x - x is 0 for finite x and NaN otherwise: branch-free, so the loop vectorises
        cond = " | ".join(f"(({n} - {n}) != 0.0)" for n in float_written)
        w(f"_bad_i = {cond}")
        w("_bad = _bad | _bad_i")
        # a neuron whose value is no longer finite does not spike, so no reset
        # hides the value: the error can name the variable (the run stops anyway)
        guard = " & (not _bad_i)"
    if ir.spiking:
        # Spike, reset and refractoriness as selects (no branches: the loop
        # vectorises); the neurons that spiked are collected by a second loop.
        # While refractory the spike test is skipped (and, by the 'flagged'
        # rule, the unflagged reset statements are re-applied).
        w("_ref = _r > 0")
        w(f"_sp = (not _ref) & ({P(ir.spike)}){guard}")
        for e in pc.reset_all:
            # (while refractory the reset is applied again: not over a value
            # that went non-finite, which the error must be able to name)
            when = "_sp" if e in pc.reset_once else f"((_sp | _ref){guard})"
            w(f"{e.target} = ({P(e.rhs)}) if {when} else {e.target}")
        if pl.refractory_from_array:
            # set by the spike scan below for the neurons that spiked: a
            # division and a floor per spike instead of per neuron and step
            steps = "0"
        else:
            steps = refractory_steps(P(ir.refractory))
        w(f"_r = {steps} if _sp else (_r - 1 if _ref else _r)")
        w(f"{pc.own('flag')}[_i] = _sp")
        for e in pc.reset_all:
            if e.target not in written:
                written.append(e.target)
        w(f"{pc.own('refr')}[_i] = _r")
        for e in pc.reset_all:
            if e.target not in written:
                written.append(e.target)
    for g in ir.conductances:
        w(f"{g} = 0.0")
        if g not in written:
            written.append(g)
    int_written = [n for n in written if n in pc.local_names and ir.variable(n).dtype == "int"]
    if check_finite and int_written:
        # an integer variable given NaN (modulo(k, 0)), inf or a value beyond
        # int64 by its equations: reported as non-finite floats are, never
        # stored as a wrapped integer (see _stored)
        w("_bad = _bad | " + " | ".join(f"(not ({_fits_int64(n)}))" for n in int_written))
    for n in written:
        if n in pc.local_names:
            w(f"{pc.arr(n)}[_i] = {_stored(pc, n, check_finite)}")
    if w.lines[-1].endswith(":"):  # nothing to do per neuron (parameters only)
        w("pass")
    w.dedent()


#: the integer stored for a value an integer variable cannot hold (NaN, inf,
#: beyond int64); the run stops at once and the runtime names the variable
#: (engine.runtime.network_run._nonfinite_error)
INT_INVALID = -2**63


def _fits_int64(n: str) -> str:
    """Code: True when ``n`` (an int, or the float an equation gave an integer
    variable) fits int64: False for NaN, inf and beyond +-2**63 (2**63 - 1 as a
    float is 2**63, so the largest int64 values are refused too: harmless)."""
    return f"-9.223372036854775808e18 <= {n} < 9.223372036854775808e18"


def _stored(pc: PopulationCode, n: str, check_finite: bool) -> str:
    """Code of the value stored into model attribute ``n``: an integer
    variable that cannot hold it gets INT_INVALID, not a wrapped value
    (a float converted to int64 out of range is undefined in LLVM)."""
    if not check_finite or pc.ir.variable(n).dtype != "int":
        return n
    return f"({n} if {_fits_int64(n)} else {INT_INVALID})"


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


def _emit_draws_first(w, pc: PopulationCode, n_expr: str, scratch):
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
    prefix = pc.own("rnd")
    sp_printer = _DrawSitePrinter(names, rng=pc.own("rng"), prefix=prefix)
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
        syms = free_names(params)
        if not syms <= allowed:
            return None
        needed |= syms
    P = NumbaPrinter(names, rng=pc.own("rng")).doprint
    rng = pc.own("rng")
    size_of = pc.own("refr") if ir.spiking else size_array(pc)
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
            w(f"_sum_{tgt} = {pc.own('sum_' + tgt)}[_i]")
    if any(frozen):
        w(f"_r = {pc.own('refr')}[_i]")
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
        # invalid parameters give NaN, as engine.codegen.rng's draws
        w(f"_x = _x if {sigma} >= 0 else math.nan")
        return
    w("_u = float(_x >> _RU11) * (1.0 / 9007199254740992.0)")
    if kind is rd.UniformDraw:
        a, b = params
        w(f"_x = {a} + ({b} - {a}) * _u if {a} <= {b} else math.nan")
    elif kind is rd.ExponentialDraw:
        (lam,) = params
        w(f"_x = -math.log(1.0 - _u) / {lam} if {lam} > 0 else math.nan")
    else:  # DiscreteUniformDraw
        a, b = params
        w(f"_lo = math.floor({a})")
        w(f"_x = _lo + math.floor(_u * (math.floor({b}) - _lo + 1.0)) if {a} <= {b} "
          "else math.nan")


#: the refractory countdown is an int32
_MAX_REFRACTORY_STEPS = 2**31 - 1


def refractory_steps(period: str) -> str:
    """Code of the refractory period ``period`` (ms) in whole steps, saturated:
    a negative or NaN period gives 0 steps, one beyond the int32 countdown its
    largest value (over 200 days at dt = 0.01 ms), never a wrapped integer.

    Whole steps are counted down (floor), as ANNarchy (``int(R/dt)``) and
    Brian2 (``timestep``) do, with Brian2's tolerance of 1e-3 step so that
    ``0.3 / 0.1`` (2.9999999999999996) is 3 steps, not 2."""
    x = f"(({period}) / _dt + 1e-3)"
    big = float(_MAX_REFRACTORY_STEPS)
    return (f"(int(math.floor({x})) if 0.0 <= {x} < {big!r} else "
            f"({_MAX_REFRACTORY_STEPS} if {x} >= {big!r} else 0))")


def size_array(pc: PopulationCode) -> str | None:
    """The array whose length is the population's size (a per-neuron one), if any."""
    return next((pc.arr(v.name) for v in pc.ir.variables if v.locality != "global"), None)


def size_expr(pc: PopulationCode) -> str:
    array = size_array(pc)
    return "1" if array is None else f"{array}.shape[0]"


def emit_stop(w, pc: PopulationCode, pl: PopulationLayout):
    """Return 1 when the population meets its stop condition (``: any``: one
    neuron does; ``: all``: every neuron does)."""
    printer = NumbaPrinter(pc.code_names(), rng=pc.own("rng"))
    cond = printer.doprint(pl.stop_condition)
    free = free_names([pl.stop_condition])
    for n in sorted(free & pc.global_names):
        w(f"{n} = {pc.arr(n)}[0]")
    size = pc.own("refr") + ".shape[0]" if pc.ir.spiking else size_expr(pc)
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
