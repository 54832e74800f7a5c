"""What code generation knows about a network: frozen descriptions of its
populations, projections and monitors, built by the runtime and read by the
emitters (engine.codegen.population_code, projection_code, monitor_code)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from engine.language.ir import ModelIR

__all__ = ["CustomCode", "PopulationLayout", "ProjectionLayout", "MonitorLayout",
           "NetworkLayout", "PAR_MIN_SYNAPSES"]

#: a rate-coded projection's weighted sum runs in parallel (num_threads > 1)
#: from this many synapses on; below, a prange costs more than it saves
#: (workqueue layer, 2 cores: ~0.1 ms per prange; measured 1.0x at 1.0M synapses,
#: 1.2x at 1.6M, 1.4x at 6.4M, 1.7x at 25.6M)
PAR_MIN_SYNAPSES = 1_500_000


@dataclass(frozen=True)
class CustomCode:
    """Hand-written loop code of a specific population or projection.

    Input populations (spike sources, timed arrays), special projections and
    the BOLD accumulator are not equations: they bring their own few lines.
    ``code`` is a template in which ``{p}`` stands for the population's array
    prefix (``_p0``), or, for a projection, ``{j}``, ``{pre}``, ``{post}`` for
    the prefixes of the projection and its populations and ``{target}`` for
    its target. It runs inside the step loop, where ``_step``, ``_t`` and
    ``_dt`` are defined; its own locals must start with ``_``. A model
    attribute ``v`` is ``{p}_v``; an internal array (``Population._internals``,
    ``Projection._extra``, the connectivity, see
    engine.codegen.network_code) has two underscores: ``{p}__flag``,
    ``{j}__row``, ``{post}__sum_{target}``. ``args`` lists the extra
    internal arrays it reads (``("times",)``: ``{p}__times``), for the reader.

    Populations: with ``replace=True`` the code replaces the neuron update
    (a spiking one must set the flags ``{p}__flag[_i]`` of the neurons that
    spike this step; spikes are then collected as usual); with
    ``replace=False`` it runs just before the update. Projections: the code
    replaces spike delivery or the weighted sum; a projection into a
    rate-coded ``sum(target)`` must add (``+=``): the sum is cleared before
    the first projection into it.
    """

    code: str
    args: tuple[str, ...] = ()
    replace: bool = True
    #: code run after the spikes of the step are collected (``_ns`` spikes,
    #: ranks in ``{p}__spk``); populations only (sliding-window firing rate)
    after: str = ""


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
    #: attributes whose past values are kept (delayed rate-coded projections: ``r``
    #: and the other ``pre.x`` their psp reads); empty: none
    rate_history: tuple[str, ...] = ()
    custom: CustomCode | None = None
    #: ``(op, variable)`` computed over the population after every step's update
    #: (``('mean', 'r')``): read by its own model or by projections' synapses
    global_ops: tuple[tuple[str, str], ...] = ()


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
    #: targets whose weighted sums are recorded (``'sum(exc)'``: ``('exc',)``), from
    #: the population's ``_P__sum_exc`` into ``_M__sum_exc``; rate-coded populations
    sum_targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class NetworkLayout:
    populations: tuple[PopulationLayout, ...]
    monitors: tuple[MonitorLayout, ...] = ()
    projections: tuple[ProjectionLayout, ...] = ()
    default_method: str = "explicit"
    check_finite: bool = True
