"""Structural plasticity at run time: synapses created and pruned (ANNarchy 5).

A synapse model with ``pruning=``/``creating=`` rules
(:mod:`engine.language.structural`) lets its projections change their
synapses while the network runs, once started::

    net.compile()
    proj.start_creating(period=100.0)
    proj.start_pruning(period=100.0)
    net.simulate(1000.0)
    proj.dendrite(10).create_synapse(rank=30, w=0.01)   # by hand, between runs
    proj.dendrite(10).prune_synapse(rank=30)

Semantics, as ANNarchy 5.0.4's generated code (``LIL`` templates):

* **Enabled** when ``net.config(structural_plasticity=True)`` was called or a
  synapse of the network has a rule (ANNarchy sets the flag itself then).
  Otherwise every call here raises :class:`NetworkError` saying so.
* **When**: a started rule runs at the end of every step ``s`` (after the
  neurons and synapses were updated, before the next step) with
  ``(s - offset) % period == 0``, ``period = int(period / dt)`` steps (default
  one step) and ``offset`` as ANNarchy 5.0.4 computes it (see
  :data:`OFFSET_FROM_START`). Creating runs before pruning.
* **Creating**: for every dendrite (post-synaptic neuron that had synapses
  when structural plasticity began, as ANNarchy's ``post_rank``) and every
  pre-synaptic rank of the projection in ascending order, a pair without a
  synapse that meets the condition gets one with probability ``proba``,
  weight ``w``, delay ``d`` and the other variables at their initial values.
* **Pruning**: every synapse meeting the condition (which may read its own
  variables) is removed with probability ``proba``. A dendrite that loses all
  its synapses stays a dendrite (empty), as in ANNarchy.
* **Random numbers**: one uniform draw per candidate, in dendrite order then
  pre rank, from a generator seeded by the network's seed and the
  projection id (reproducible; not ANNarchy's stream).
* **Storage**: the CSR stays valid (columns strictly ascending within each
  row) and every per-synapse array (variables, delays, event times) follows
  its synapses; the compiled kernels are reused (arrays are passed at every
  call).

The rules' conditions are evaluated with numpy on the arrays (never Python
``eval``): a creating step costs O(dendrites x pre size), a pruning step O(nnz).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from engine.errors import NetworkError
from engine.language.random_draws import DRAW_FUNCTIONS
from engine.language.structural import rules_of
from engine.language.symbols import classify
from engine.runtime.values import sample_init

__all__ = ["StructuralState", "enabled", "start", "stop", "create_synapses",
           "prune_synapses", "run", "next_steps"]

#: ANNarchy 5.0.4.1 takes the offset of ``start_pruning``/``start_creating``
#: from ``Global.get_current_step()`` of network 0, which is 0 for networks
#: made with ``ann.Network()``: the rules run at the steps that are multiples
#: of the period, whenever they were started. Kept for identical behaviour.
OFFSET_FROM_START = False


# ---------------------------------------------------------------------------
# state of one projection
# ---------------------------------------------------------------------------


class StructuralState:
    """Structural plasticity of one projection: schedules, dendrites, random stream."""

    def __init__(self, proj):
        proj._require_connected()
        self.rules = rules_of(proj.synapse_type)
        post_n = proj.post_population.size
        self.dendrites = np.zeros(post_n, dtype=bool)
        self.dendrites[proj._post_of_synapses()] = True
        # [on, period (steps), offset (step)] per rule
        self.schedule = {"pruning": [False, 1, 0], "creating": [False, 1, 0]}
        self.rng = self.fresh_rng(proj)
        # delays of created synapses may not exceed what the buffers were sized for
        self.max_delay_steps = proj.max_delay_steps
        # the synapses before any change, for net.reset(projections=True)
        self.initial = (proj._row_ptr.copy(), proj._col.copy(),
                        None if proj._delays is None else proj._delays.copy(),
                        self.dendrites.copy())

    @staticmethod
    def fresh_rng(proj) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([proj.network.seed, 7, proj.id]))

    def reset(self, proj, synapses: bool) -> None:
        """``net.reset()``: a fresh random stream; with ``synapses``, the synapses
        of the start (their values are restored by the caller)."""
        self.rng = self.fresh_rng(proj)
        if synapses:
            self.restore_initial(proj)

    def restore_initial(self, proj) -> None:
        """Put back the synapses of the start (their values are restored by the caller)."""
        row_ptr, col, delays, dendrites = self.initial
        proj._row_ptr, proj._col = row_ptr.copy(), col.copy()
        proj._delays = None if delays is None else delays.copy()
        for name in _local_names(proj):
            arr = proj._arrays[name]
            proj._arrays[name] = np.zeros(col.shape, dtype=arr.dtype)
        if proj._last is not None:
            proj._last = np.zeros(col.shape, dtype=proj._last.dtype)
        self.dendrites = dendrites.copy()
        _after_change(proj)

    def due(self, kind: str, step: int) -> bool:
        on, period, offset = self.schedule[kind]
        return bool(on) and (step - offset) % period == 0

    def next_step(self, current: int) -> int | None:
        """The first step >= ``current`` at the end of which a rule runs."""
        best = None
        for on, period, offset in self.schedule.values():
            if on:
                s = current + (offset - current) % period
                best = s if best is None else min(best, s)
        return best


def _who(proj) -> str:
    return f"projection {proj.name!r}"


def enabled(net) -> bool:
    """Whether structural plasticity is on for ``net`` (config, or a synapse rule)."""
    if net._config.get("structural_plasticity"):
        return True
    return any(any(rules_of(p.synapse_type).values()) for p in net._projections
               if p._custom_code() is None)


def _check(proj, what: str):
    net = proj.network
    if not enabled(net):
        raise NetworkError(
            f"{_who(proj)}: {what} needs structural plasticity: call "
            "net.config(structural_plasticity=True) before compile() (or give a synapse "
            "of the network a pruning=/creating= rule)")
    if proj._custom_code() is not None or proj._extra:
        raise NetworkError(f"{_who(proj)}: {type(proj).__name__} has hand-written code; "
                           "structural plasticity works on ordinary projections only")
    for m in net._monitors:
        if m.projection is proj and m.local_vars:
            raise NetworkError(
                f"{_who(proj)}: {what} would change the synapses that monitor {m.name!r} "
                f"records ({', '.join(m.local_vars)}); read proj.{m.local_vars[0]} between "
                "simulate() calls instead, or monitor postsynaptic variables")


def state(proj) -> StructuralState:
    """The projection's structural state, made on first use."""
    st = proj.__dict__.get("_structural")
    if st is None:
        st = StructuralState(proj)
        proj.__dict__["_structural"] = st
    return st


def _check_names(proj, rule):
    for side, pop in (("pre", proj.pre_population), ("post", proj.post_population)):
        for name in rule.names(side):
            if name not in pop._arrays:
                raise NetworkError(
                    f"{_who(proj)}: the {rule.kind} condition '{rule.text}' reads "
                    f"{side}.{name}, which the {side}-synaptic model {pop.ir.name!r} lacks")


def _check_compiled(proj, what):
    if not proj.network._compiled:
        raise NetworkError(f"{_who(proj)}: {what} needs a compiled network (as in ANNarchy): "
                           "call net.compile() first")


def start(proj, kind: str, period=None) -> None:
    """``proj.start_pruning(period)`` / ``start_creating(period)``."""
    net = proj.network
    _check_compiled(proj, f"start_{kind}()")
    _check(proj, f"start_{kind}()")
    rule = rules_of(proj.synapse_type)[kind]
    if rule is None:
        cls = "Pruning" if kind == "pruning" else "Creating"
        raise NetworkError(
            f"{_who(proj)}: the synapse {proj.ir.name!r} defines no {kind} rule; give it "
            f"{kind}={cls}('condition', proba=...) to use start_{kind}()")
    _check_names(proj, rule)
    dt = net.dt
    if period is None or period == 0:
        steps = 1
    else:
        try:
            period = float(period)
        except (TypeError, ValueError):
            raise NetworkError(f"{_who(proj)}: the {kind} period must be a number of ms, "
                               f"got {period!r}") from None
        if not np.isfinite(period) or period < dt * (1 - 1e-9):
            raise NetworkError(f"{_who(proj)}: the {kind} period must be at least one step "
                               f"(dt = {dt} ms), got {period}")
        k = period / dt
        steps = int(round(k)) if abs(k - round(k)) <= 1e-9 * k else int(k)
    offset = net.current_step if OFFSET_FROM_START else 0
    state(proj).schedule[kind] = [True, steps, offset]


def stop(proj, kind: str) -> None:
    """``proj.stop_pruning()`` / ``stop_creating()``."""
    _check_compiled(proj, f"stop_{kind}()")
    _check(proj, f"stop_{kind}()")
    if rules_of(proj.synapse_type)[kind] is None:
        raise NetworkError(f"{_who(proj)}: the synapse {proj.ir.name!r} defines no {kind} rule")
    state(proj).schedule[kind][0] = False


# ---------------------------------------------------------------------------
# conditions, evaluated with numpy over the arrays
# ---------------------------------------------------------------------------

_UNARY = {sp.exp: np.exp, sp.log: np.log, sp.sin: np.sin, sp.cos: np.cos, sp.tan: np.tan,
          sp.tanh: np.tanh, sp.Abs: np.abs, sp.floor: np.floor, sp.ceiling: np.ceil}
_RELATIONS = {sp.StrictGreaterThan: np.greater, sp.GreaterThan: np.greater_equal,
              sp.StrictLessThan: np.less, sp.LessThan: np.less_equal,
              sp.Equality: np.equal, sp.Unequality: np.not_equal}


class _Context:
    """Where the names of a condition take their values.

    ``pre_idx``/``post_idx``: the pre and post ranks of the evaluated pairs
    (broadcastable arrays); ``local``: per-synapse arrays by name (pruning).
    """

    def __init__(self, proj, step, pre_idx, post_idx, shape, local=None, rng=None):
        self.proj, self.step = proj, step
        self._idx = {"pre": pre_idx, "post": post_idx}   # arrays, or functions making them
        self.shape, self.local, self.rng = shape, local, rng

    def index(self, side):
        idx = self._idx[side]
        if callable(idx):
            idx = self._idx[side] = idx()
        return idx

    def value(self, sym):
        kind, name = classify(sym)
        proj = self.proj
        if kind == "time":
            return self.step * proj.network.dt
        if kind == "dt":
            return proj.network.dt
        if kind in ("pre", "post"):
            pop = proj.pre_population if kind == "pre" else proj.post_population
            arr = pop._arrays[name]
            if pop.ir.variable(name).locality == "global":
                return arr[0]
            return arr[self.index(kind)]
        spec = proj.ir.variable(name)
        arr = proj._arrays[name]
        if spec.locality == "global":
            return arr[0]
        if spec.locality == "semiglobal":
            return arr[self.index("post")]
        return self.local(name)

    def eval(self, e):
        if e.is_Symbol:
            return self.value(e)
        if e.is_Number or e is sp.pi:
            return float(e)
        if e is sp.true or e is sp.false:
            return bool(e)
        dist = DRAW_FUNCTIONS.get(type(e))
        if dist is not None:
            return dist(*[float(a) for a in e.args[:-1]]).sample(self.rng, self.shape)
        ev = self.eval
        if isinstance(e, sp.Add):
            out = ev(e.args[0])
            for a in e.args[1:]:
                out = out + ev(a)
            return out
        if isinstance(e, sp.Mul):
            out = ev(e.args[0])
            for a in e.args[1:]:
                out = out * ev(a)
            return out
        if isinstance(e, sp.Pow):
            return np.power(np.asarray(ev(e.args[0]), dtype=float), ev(e.args[1]))
        rel = _RELATIONS.get(type(e))
        if rel is not None:
            return rel(ev(e.lhs), ev(e.rhs))
        if isinstance(e, sp.And):
            return np.logical_and.reduce([np.asarray(ev(a), bool) for a in e.args])
        if isinstance(e, sp.Or):
            return np.logical_or.reduce([np.asarray(ev(a), bool) for a in e.args])
        if isinstance(e, sp.Not):
            return np.logical_not(ev(e.args[0]))
        if isinstance(e, sp.Piecewise):
            out = ev(e.args[-1].expr)
            for piece in reversed(e.args[:-1]):
                out = np.where(ev(piece.cond), ev(piece.expr), out)
            return out
        if isinstance(e, sp.Min):
            return np.minimum.reduce(np.broadcast_arrays(*[ev(a) for a in e.args]))
        if isinstance(e, sp.Max):
            return np.maximum.reduce(np.broadcast_arrays(*[ev(a) for a in e.args]))
        if isinstance(e, sp.Mod):
            return np.mod(ev(e.args[0]), ev(e.args[1]))
        for f, npf in _UNARY.items():
            if isinstance(e, f):
                return npf(ev(e.args[0]))
        raise NetworkError(f"{_who(self.proj)}: cannot evaluate {type(e).__name__} in a "
                           "structural plasticity condition")

    def condition(self, expr) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = self.eval(expr)
        return np.broadcast_to(np.asarray(out, dtype=bool), self.shape)


# ---------------------------------------------------------------------------
# changing the CSR (every per-synapse array in step)
# ---------------------------------------------------------------------------


def _rows_cols(proj, pre, post):
    return (pre, post) if proj.rows == "pre" else (post, pre)


def _keys(proj) -> np.ndarray:
    """``row * n_cols + col`` of every synapse: strictly increasing in storage order."""
    n_cols = (proj.post_population if proj.rows == "pre" else proj.pre_population).size
    rows = np.repeat(np.arange(proj._row_ptr.size - 1, dtype=np.int64), np.diff(proj._row_ptr))
    return rows * n_cols + proj._col.astype(np.int64), n_cols


def _local_names(proj):
    return [s.name for s in proj.ir.variables if s.locality == "local"]


def _insert(proj, pre, post, w, delay_steps, rng):
    """Add synapses ``pre[k] -> post[k]`` (pairs new and distinct) with weights ``w``
    and delays ``delay_steps`` (ignored for a uniform delay); the other
    variables take their initial values."""
    if pre.size == 0:
        return
    keys, n_cols = _keys(proj)
    rows, cols = _rows_cols(proj, pre.astype(np.int64), post.astype(np.int64))
    new = rows * n_cols + cols
    order = np.argsort(new, kind="stable")
    new, rows, cols = new[order], rows[order], cols[order]
    w = np.broadcast_to(np.asarray(w, dtype=float), pre.shape)[order]
    delay_steps = np.broadcast_to(np.asarray(delay_steps, dtype=np.int64), pre.shape)[order]
    pos = np.searchsorted(keys, new)
    n = new.size
    known = {}
    for spec in proj.ir.variables:
        arr = proj._arrays[spec.name]
        if spec.locality != "local":
            known[spec.name] = arr[0] if spec.locality == "global" else arr
            continue
        if spec.name == "w":
            vals = w
        else:
            vals = sample_init(spec.init, n, rng, known)
        vals = np.broadcast_to(np.asarray(vals), (n,)).astype(arr.dtype)
        known[spec.name] = vals
        proj._arrays[spec.name] = np.insert(arr, pos, vals)
    proj._col = np.insert(proj._col, pos, cols.astype(np.int32))
    added = np.bincount(rows, minlength=proj._row_ptr.size - 1)
    proj._row_ptr = proj._row_ptr.copy()
    proj._row_ptr[1:] += np.cumsum(added)
    if proj._delays is not None:
        proj._delays = np.insert(proj._delays, pos, delay_steps.astype(proj._delays.dtype))
    if proj._last is not None:
        proj._last = np.insert(proj._last, pos, np.int64(proj.network.current_step))
    _after_change(proj)


def _remove(proj, remove: np.ndarray):
    """Drop the synapses flagged in the boolean array ``remove`` (storage order)."""
    if not remove.any():
        return
    keep = ~remove
    n_rows = proj._row_ptr.size - 1
    # rows of the removed synapses only (few, usually): by their positions
    gone = np.searchsorted(proj._row_ptr, np.flatnonzero(remove), side="right") - 1
    removed = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(gone, minlength=n_rows), out=removed[1:])
    for name in _local_names(proj):
        proj._arrays[name] = np.ascontiguousarray(proj._arrays[name][keep])
    proj._col = np.ascontiguousarray(proj._col[keep])
    proj._row_ptr = proj._row_ptr - removed
    if proj._delays is not None:
        proj._delays = np.ascontiguousarray(proj._delays[keep])
    if proj._last is not None:
        proj._last = np.ascontiguousarray(proj._last[keep])
    _after_change(proj)


def _after_change(proj):
    """Indices derived from the CSR are rebuilt; buffers sized by it reallocated."""
    proj._post_order = None
    net = proj.network
    if net._compiled:
        proj._learning_cache = proj._learning_arrays()
        if net._delay_mode(proj) == "events":
            proj._learning_cache.update(proj._delay_event_index())
        if net._code is not None:
            net._allocate_scratch(net._code)


# ---------------------------------------------------------------------------
# the rules
# ---------------------------------------------------------------------------


def _pre_ranks(proj) -> np.ndarray:
    if proj._pre_ranks is not None:
        return np.asarray(proj._pre_ranks, dtype=np.int64)
    return np.arange(proj.pre_population.size, dtype=np.int64)


def _delay_steps_of(proj, st, delay_ms, who) -> int:
    """Steps of the delay of a created synapse (``None``: the projection's)."""
    dt = proj.network.dt
    if proj._delays is None:
        if delay_ms is not None and delay_ms != 0 and \
                max(1, int(round(delay_ms / dt))) != proj._delay_steps:
            raise NetworkError(
                f"{who}: the projection has one delay for all synapses "
                f"({proj._delay_steps * dt:g} ms); a created synapse cannot have "
                f"{delay_ms} ms")
        return proj._delay_steps
    steps = 1 if delay_ms is None else max(1, int(round(float(delay_ms) / dt)))
    if steps > st.max_delay_steps:
        raise NetworkError(f"{who}: a delay of {delay_ms} ms is above the largest delay of "
                           f"the projection ({st.max_delay_steps * dt:g} ms)")
    return steps


#: creating evaluates the condition on blocks of about this many pairs
_BLOCK_PAIRS = 1 << 16


def _creating(proj, st, step):
    rule = st.rules["creating"]
    posts = np.flatnonzero(st.dendrites)
    pres = _pre_ranks(proj)
    if posts.size == 0 or pres.size == 0:
        return
    exist, n_cols = _keys(proj)      # ascending: the CSR's own order
    block = max(1, _BLOCK_PAIRS // pres.size)
    new_pre, new_post = [], []
    for b in range(0, posts.size, block):
        pb = posts[b:b + block]
        shape = (pb.size, pres.size)
        ctx = _Context(proj, step, pres[None, :], pb[:, None], shape, rng=st.rng)
        cond = ctx.condition(rule.condition)
        flat = np.flatnonzero(cond)  # row-major: dendrite by dendrite, pre ascending
        if flat.size == 0:
            continue
        ii, jj = np.divmod(flat, pres.size)
        rows, cols = _rows_cols(proj, pres[jj], pb[ii])
        key = rows * n_cols + cols
        at = np.searchsorted(exist, key)
        found = (at < exist.size) & (exist[np.minimum(at, exist.size - 1)] == key)
        ii, jj = ii[~found], jj[~found]
        if rule.proba < 1.0:
            lucky = st.rng.random(ii.size) < rule.proba
            ii, jj = ii[lucky], jj[lucky]
        new_post.append(pb[ii])
        new_pre.append(pres[jj])
    if not new_pre:
        return
    pre = np.concatenate(new_pre)
    post = np.concatenate(new_post)
    d = _delay_steps_of(proj, st, rule.d, f"{_who(proj)}: creating")
    _insert(proj, pre, post, rule.w, d, st.rng)


def _pruning(proj, st, step):
    rule = st.rules["pruning"]
    nnz = proj._col.shape[0]
    if nnz == 0:
        return
    ctx = _Context(proj, step, proj._pre_of_synapses, proj._post_of_synapses, (nnz,),
                   local=lambda name: proj._arrays[name], rng=st.rng)
    cond = ctx.condition(rule.condition)
    if rule.proba < 1.0:
        order = proj._dendrite_index()[0]     # dendrite by dendrite, pre ascending
        cand = order[cond[order]]
        cond = np.zeros(nnz, dtype=bool)
        cond[cand[st.rng.random(cand.size) < rule.proba]] = True
    _remove(proj, cond)


def apply_due(net, step: int) -> None:
    """Run the rules due at the end of ``step`` (creating first, then pruning)."""
    states = [(p, p.__dict__.get("_structural")) for p in net._projections]
    states = [(p, s) for p, s in states if s is not None]
    for kind, fn in (("creating", _creating), ("pruning", _pruning)):
        for p, st in states:
            if st.due(kind, step):
                _check(p, kind)
                fn(p, st, step)


def next_steps(net, current: int) -> int | None:
    """The first step >= ``current`` at whose end a rule of the network runs."""
    best = None
    for p in net._projections:
        st = p.__dict__.get("_structural")
        if st is not None:
            s = st.next_step(current)
            if s is not None and (best is None or s < best):
                best = s
    return best


def run(net, n_steps: int, until: int, base_run) -> int:
    """``Network._run`` with structural plasticity: the compiled loop runs up
    to the end of each step where a rule is due, the rule is applied, the loop
    goes on. Returns the steps done (as ``base_run``)."""
    done = 0
    while done < n_steps:
        s = next_steps(net, net.current_step)
        if s is None:
            return done + base_run(n_steps - done, until)
        k = min(s + 1 - net.current_step, n_steps - done)
        got = base_run(k, until)
        done += got
        if net.current_step == s + 1:
            apply_due(net, s)
        if got < k or net._live.stop_requested:
            break
    return done


# ---------------------------------------------------------------------------
# by hand: Dendrite.create_synapse / prune_synapse
# ---------------------------------------------------------------------------


def _number(who, name, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise NetworkError(f"{who}: {name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise NetworkError(f"{who}: {name} must be finite, got {value}")
    return value


def create_synapses(dendrite, ranks, weights=0.0, delays=None) -> None:
    """``Dendrite.create_synapse(s)``: new synapses from the pre-synaptic ``ranks``."""
    proj, post = dendrite.proj, dendrite.post_rank
    who = f"{_who(proj)}, dendrite {post}"
    _check_compiled(proj, "create_synapse()")
    _check(proj, "create_synapse()")
    st = state(proj)
    ranks = np.atleast_1d(np.asarray(ranks))
    if ranks.dtype.kind not in "iu":
        raise NetworkError(f"{who}: pre-synaptic ranks must be integers, got {ranks.tolist()}")
    ranks = ranks.astype(np.int64)
    allowed = _pre_ranks(proj)
    bad = ranks[~np.isin(ranks, allowed)]
    if bad.size:
        raise NetworkError(f"{who}: {int(bad[0])} is not a rank of the pre-synaptic "
                           f"population{' view' if proj._pre_ranks is not None else ''} "
                           f"({proj.pre_population.name!r}, size {proj.pre_population.size})")
    if np.unique(ranks).size != ranks.size:
        raise NetworkError(f"{who}: the ranks to connect repeat a neuron: {ranks.tolist()}")
    have = set(dendrite.pre_ranks)
    dup = [int(r) for r in ranks if int(r) in have]
    if dup:
        raise NetworkError(f"{who}: the synapse from pre-synaptic neuron {dup[0]} already "
                           "exists; prune it first or change its attributes")
    n = ranks.size
    for name, v in (("weights", weights), ("delays", delays)):
        if v is not None and np.ndim(v) and np.size(v) != n:
            raise NetworkError(f"{who}: give one value of {name} per rank ({n} ranks, "
                               f"{np.size(v)} {name}), or one for all")
    if np.ndim(weights):
        w = np.array([_number(who, "w", x) for x in np.ravel(weights)])
    else:
        w = np.full(n, _number(who, "w", weights))
    if np.ndim(delays) == 0:
        steps = np.full(n, _delay_steps_of(proj, st, None if delays is None else
                                           _number(who, "delay", delays), who))
    else:
        steps = np.array([_delay_steps_of(proj, st, _number(who, "delay", d), who)
                          for d in np.ravel(delays)])
    _insert(proj, ranks, np.full(n, post, dtype=np.int64), w, steps, st.rng)
    st.dendrites[post] = True


def prune_synapses(dendrite, ranks) -> None:
    """``Dendrite.prune_synapse(s)``: remove the synapses from the pre-synaptic ``ranks``."""
    proj, post = dendrite.proj, dendrite.post_rank
    who = f"{_who(proj)}, dendrite {post}"
    _check_compiled(proj, "prune_synapse()")
    _check(proj, "prune_synapse()")
    state(proj)
    ranks = np.atleast_1d(np.asarray(ranks))
    if ranks.dtype.kind not in "iu":
        raise NetworkError(f"{who}: pre-synaptic ranks must be integers, got {ranks.tolist()}")
    have = set(dendrite.pre_ranks)
    missing = [int(r) for r in ranks if int(r) not in have]
    if missing:
        raise NetworkError(f"{who}: there is no synapse from pre-synaptic neuron {missing[0]} "
                           "to prune")
    remove = (proj._post_of_synapses() == post) & np.isin(proj._pre_of_synapses(), ranks)
    _remove(proj, remove)
