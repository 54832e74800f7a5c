"""What a projection checks when it is connected: that its synapse fits the
pre- and post-synaptic models (rate or spikes, targets the post model reads,
``pre.x``/``post.x`` names, ``t_pre``/``t_post``), with ANNarchy's leniency
where ANNarchy allows it (an unread target warns when the synapse learns).

A base class of :class:`engine.runtime.projection.Projection`, split from it
by concern.
"""

from __future__ import annotations

import warnings

from engine.errors import NetworkError
from engine.language.symbols import LAST_SPIKE_TIME

__all__ = ["ProjectionChecks", "net_method"]


def net_method(proj) -> str:
    """The default integration method of the projection's network."""
    net = getattr(proj, "network", None) or proj.pre_population.network
    return net._config["method"]


def _reads_sum(ir, target: str) -> bool:
    """Whether a neuron model reads ``sum(target)`` anywhere."""
    name = f"sum({target})"
    exprs = [e.rhs for e in ir.equations + ir.reset] + [ir.spike, ir.refractory]
    return any(name in {s.name for s in e.free_symbols} for e in exprs
               if e is not None and hasattr(e, "free_symbols"))


class ProjectionChecks:
    """The compatibility checks of a Projection (see the module docstring)."""

    # -- validation -----------------------------------------------------------
    def _delivers_to_conductance(self, spiking: bool) -> bool:
        """Whether the input lands in ``g_target`` (spikes) or in ``sum(target)``
        (rates); special projections that convert one into the other override it."""
        return spiking

    #: a rate-coded target the post-synaptic model does not read still gets its
    #: sum (ANNarchy); special projections keep their own rule
    _sums_unread_targets = True

    def _check_compatible(self, spiking):
        ir = self.ir
        post = self.post_population
        who = f"projection {self.pre_population.name!r} -> {post.name!r} ({self.target!r})"
        if not spiking and ir.spiking:
            raise NetworkError(f"{who}: the pre-synaptic population is rate-coded, but synapse "
                               f"{ir.name!r} is event-based (pre_spike)")
        # spikes arrive in the conductance g_<target>, rates in sum(<target>)
        spiking_input = self._delivers_to_conductance(spiking)
        if not spiking_input:
            for t in self.targets:
                if not _reads_sum(post.ir, t) and self._sums_unread_targets \
                        and post._receive_unread_target(t):
                    # ANNarchy computes it anyway: pop.sum(t) reads it
                    warnings.warn(f"{who}: the post-synaptic model {post.ir.name!r} does not "
                                  f"use sum({t}); the sum is computed (pop.sum({t!r})) but "
                                  "the neurons do not read it", stacklevel=4)
        unread = [m for m in (self._unread(who, t, spiking_input) for t in self.targets) if m]
        if unread and len(unread) == len(self.targets) and \
                not _acts_beyond_transmission(self._plan(who)):
            # nothing can ever read what this projection delivers
            raise NetworkError(f"{unread[0]}. The synapse only transmits: this projection "
                               "would do nothing")
        for message in unread:
            # ANNarchy allows it (an STDP protocol onto a SpikeSourceArray): the
            # learning runs (and the other targets receive), that input is dropped
            warnings.warn(f"{message}. Its input is dropped"
                          + ("" if len(unread) < len(self.targets) else "; its learning runs"),
                          stacklevel=4)
        self._plan(who)
        for side, pop in (("pre", self.pre_population), ("post", post)):
            for name in _pre_post_names(ir, side):
                if name == LAST_SPIKE_TIME:  # t_pre / t_post
                    if not pop.spiking:
                        raise NetworkError(f"{who}: synapse {ir.name!r} reads t_{side}, the "
                                           f"last spike time of a {side}-synaptic neuron, but "
                                           f"{pop.name!r} does not spike")
                elif name.startswith("sum("):
                    continue  # at compile (_check_side_sums): inputs may be connected later
                elif name not in pop._arrays:
                    raise NetworkError(f"{who}: synapse {ir.name!r} reads {side}.{name}, which "
                                       f"the {side}-synaptic model {pop.ir.name!r} lacks")
        for op, side, name in ir.global_operations:
            pop, ranks = ((self.pre_population, self._pre_ranks) if side == "pre"
                          else (post, self._post_ranks))
            if name not in pop._arrays:
                raise NetworkError(f"{who}: synapse {ir.name!r} reads {op}({side}.{name}), but "
                                   f"the {side}-synaptic model {pop.ir.name!r} has no "
                                   f"'{name}'")
            if ranks is not None:
                raise NetworkError(f"{who}: synapse {ir.name!r} reads {op}({side}.{name}) "
                                   f"over a part of population {pop.name!r}, which is not "
                                   f"supported: connect the whole population, or compute the "
                                   f"value in a variable of the {side}-synaptic model")

    def _before_compile(self):
        """Called by compile() once every projection is connected; special
        projections set values that depend on the others here."""

    def _check_side_sums(self):
        """``pre.sum(exc)``/``post.sum(exc)`` read a rate-coded neuron's input of
        a target it has: checked at compile, once every projection exists."""
        who = (f"projection {self.pre_population.name!r} -> {self.post_population.name!r} "
               f"({self.target!r})")
        for side, pop in (("pre", self.pre_population), ("post", self.post_population)):
            for name in _pre_post_names(self.ir, side):
                if name.startswith("sum("):
                    _check_side_sum(who, self.ir, side, pop, name[4:-1])

    def _unread(self, who, target, spiking_input) -> str | None:
        """Why the post-synaptic model does not read ``target`` (None: it does)."""
        post = self.post_population
        form = f"g_{target}" if spiking_input else f"sum({target})"
        # a g_<target> that is a parameter (NEST's g_L) or a value computed every
        # step is not a conductance: ir.targets says which ones are
        delivered = (f"g_{target}" in post._arrays and target in post.ir.targets
                     if spiking_input else _reads_sum(post.ir, target)
                     or target in getattr(post, "_unread_sums", ()))
        if delivered:
            return None
        used = ", ".join(post.ir.targets) or "none"
        kind = "spiking" if spiking_input else "rate-coded"
        if spiking_input and not post.spiking:
            hint = "; a spiking population reaches a rate-coded one through a DecodingProjection"
        elif not spiking_input and post.spiking:
            hint = "; a rate-coded population reaches a spiking one through a CurrentInjection"
        elif spiking_input and f"g_{target}" in post._arrays:
            spec = post.ir.variable(f"g_{target}")
            what = ("a parameter of the model: spikes would change it for good"
                    if spec.kind == "parameter" else "computed anew every step by "
                    "its equation: spikes would be overwritten")
            raise NetworkError(
                f"{who}: the post-synaptic model {post.ir.name!r} has no target "
                f"{target!r} (its targets: {used}); '{spec.name}' is not a "
                f"conductance but {what}. Connect to one of its targets (see "
                "'Conductances g_<target>' in docs/model_language.md)")
        else:
            hint = ""
        return (f"{who}: the post-synaptic model {post.ir.name!r} does not use {form}, "
                f"where a {kind} population's input arrives (targets it uses: {used}){hint}")

    @property
    def continuous_spiking(self) -> bool:
        """A psp summed into ``g_target`` every step between spiking populations
        (gap junctions; or beside pre_spike events), as ANNarchy does."""
        return self.pre_population.spiking and self.ir.psp is not None

    def _plan(self, who):
        from engine.codegen.synapse_code import plan_synapse
        from engine.errors import ModelError

        try:
            return plan_synapse(self.ir, net_method(self))
        except ModelError as exc:
            raise NetworkError(f"{who}: {exc}") from None


def _acts_beyond_transmission(plan) -> bool:
    """Whether a synapse does more than deliver input: it learns, or its
    events write post-synaptic variables."""
    return plan.plastic or any(st.target.startswith("post.")
                               for st in plan.pre_event + plan.post_event)


def _check_side_sum(who, ir, side, pop, target):
    """``pre.sum(exc)`` / ``post.sum(exc)``: a rate-coded neuron's weighted input."""
    if pop.spiking:
        raise NetworkError(f"{who}: synapse {ir.name!r} reads {side}.sum({target}), but "
                           f"{pop.name!r} is spiking: its input of target {target!r} is "
                           f"{side}.g_{target}")
    if target not in pop.ir.targets:
        raise NetworkError(f"{who}: synapse {ir.name!r} reads {side}.sum({target}), but the "
                           f"model {pop.ir.name!r} of {pop.name!r} has no target {target!r} "
                           f"(its targets: {', '.join(pop.ir.targets) or 'none'})")


def _pre_post_names(ir, side: str) -> set[str]:
    from engine.language.symbols import classify

    exprs = [e.rhs for e in ir.pre_spike + ir.post_spike + ir.equations]
    if ir.psp is not None:
        exprs.append(ir.psp)
    out = set()
    for e in exprs:
        for s in getattr(e, "free_symbols", ()):
            kind, name = classify(s)
            if kind == side:
                out.add(name)
    return out
