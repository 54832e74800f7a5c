"""Generate the kernels of one network: the pieces of a step, in call order.

A pure function of a :class:`NetworkLayout` (the IRs, the monitors, the
options) and of the arrays' types: it reads no global configuration and
touches no arrays. The output is a :class:`GeneratedCode`: a list of
:class:`Kernel` (each a small module with one function, see
engine.codegen.kernel_abi for the calling convention and why), in the order
engine.codegen.driver calls them at each step:

1. transmission of every projection (spikes emitted before this step, or
   the rate-coded weighted sums), then the update of every population
   (engine.codegen.population_code), then the global operations
   (``mean(r)``... over a population, read by neurons at the next step and by
   synapses at this one, as ANNarchy), then learning (continuous updates, then
   post-synaptic events, as ANNarchy: engine.codegen.projection_code), then recording
   (engine.codegen.monitor_code);
2. stop tests of ``simulate_until``.

Sizes are not baked in (they come from the arrays), nor are which population
a kernel serves (its arrays are bound through the argument table), so the
same model at another size, or in another population, reuses the compiled
code from the cache.

Naming in generated code: every internal name starts with ``_`` (user names
cannot), so equations print with the user's own names as local variables.
The emitters write the network's names, which each kernel renames to its own:

- ``_p0_v`` -> ``_P_v``: array of attribute ``v`` of the population (length
  N, or 1 for population-wide values);
- ``_p0__spk`` -> ``_P__spk`` (two underscores): the population's internal
  arrays: ``_P__rng`` its random generator state, ``_P__spk``/``_P__nspk``
  the ranks of the neurons that spiked this step, ``_P__refr`` the
  refractory steps left, ``_P__sum_exc`` the weighted sum of target
  ``exc``... A model attribute's name never starts with ``_``, so an
  attribute called ``spk``, ``flag`` or ``rng`` is ``_P_spk``, ``_P_flag``,
  ``_P_rng``: internal and user arrays can never share a name;
- ``_j0_w`` -> ``_J_w``: a projection's synaptic arrays (``_J__row``,
  ``_J__col``, ``_J__delays``... its internal ones); ``_PRE_``/``_POST_``:
  those of its pre- and post-synaptic populations;
- ``_m0_v`` -> ``_M_v``: recording buffer of variable ``v`` of a monitor
  (``_M__rows``... its own counters);
- ``_c_name``: a network constant (1-element array), unchanged.

Threads: a rate-coded projection marked ``parallel`` (the runtime marks
those with at least ``PAR_MIN_SYNAPSES`` synapses when ``num_threads > 1``)
computes its weighted sums in a ``prange`` over post-synaptic neurons, in a
kernel compiled with ``parallel=True``. A ``prange`` costs about 0.1 ms to
start with the workqueue layer, so smaller loops stay serial. Each sum is
still computed by one thread in the same order: results are the same, bit
for bit, for any thread count.
"""

from __future__ import annotations

from engine.codegen.driver import STATUS_DONE, STATUS_GROW, STATUS_NONFINITE, STATUS_STOP
from engine.codegen.kernel_module import (
    ROLE_BODY, ROLE_STOP, GeneratedCode, Kernel, KernelPiece,
)
from engine.codegen.layout import (
    PAR_MIN_SYNAPSES, CustomCode, MonitorLayout, NetworkLayout, PopulationLayout,
    ProjectionLayout,
)
from engine.codegen.monitor_code import emit_monitor, target_conductances
from engine.codegen.population_code import (
    PopulationCode, emit_global_ops, emit_population, emit_stop,
)
from engine.codegen.projection_code import (
    emit_apply, emit_learning, emit_transmission, projection_piece,
)

__all__ = [
    "CustomCode",
    "PopulationLayout",
    "MonitorLayout",
    "ProjectionLayout",
    "NetworkLayout",
    "GeneratedCode",
    "Kernel",
    "generate_network_code",
    "PAR_MIN_SYNAPSES",
    "ROLE_BODY",
    "ROLE_STOP",
    "STATUS_DONE",
    "STATUS_GROW",
    "STATUS_NONFINITE",
    "STATUS_STOP",
]


def generate_network_code(layout: NetworkLayout, array_types=None) -> GeneratedCode:
    """The kernels of a whole network, in call order (see engine.codegen.driver).

    ``array_types`` maps each array name of the network (``_p0_v``...) to
    ``(dtype name, ndim)``, as the runtime holds them; kernels are written for
    exactly those (a missing name is taken as float64, 1-D: only for display
    before the arrays exist).
    """
    pops = [PopulationCode(p, layout.default_method) for p in layout.populations]
    pop_by_key = {pc.k: pc for pc in pops}
    types = dict(array_types or {})
    pieces: list[KernelPiece] = []

    # 1. the body of a step
    first_sum: set = set()
    for jl in layout.projections:
        piece, jl, pops_j = projection_piece(jl, pop_by_key, "transmission")
        emit_transmission(piece.w, jl, pops_j, first_sum, layout.default_method, piece.pro)
        pieces.append(piece)
    early: dict[str, tuple[str, ...]] = {}
    for ml in layout.monitors:
        # g_<target> of spiking populations: recorded after delivery, before the update
        pc = pop_by_key.get(ml.pop_key)
        early[ml.key] = target_conductances(ml, pc.ir if pc is not None else None)
        if early[ml.key]:
            piece = KernelPiece(ROLE_BODY, ml.key, "recording of target conductances",
                                {ml.key: "M", ml.pop_key: "P"})
            emit_monitor(piece.w, ml, f"_{ml.pop_key}", pc, only=early[ml.key])
            pieces.append(piece)
    for pc, pl in zip(pops, layout.populations):
        piece = KernelPiece(ROLE_BODY, pc.k, f"update of {pl.ir.kind} model {pl.ir.name!r}",
                            {pc.k: "P"})
        emit_population(piece.w, pc, pl, layout.check_finite, piece.pro, piece.scratch)
        pieces.append(piece)
    for pc, pl in zip(pops, layout.populations):
        if pl.global_ops:
            piece = KernelPiece(ROLE_BODY, pc.k, "global operations: " + ", ".join(f"{op}({n})" for op, n in pl.global_ops),
                                {pc.k: "P"})
            emit_global_ops(piece.w, pc, pl)
            pieces.append(piece)
    for jl in layout.projections:
        piece, jl, pops_j = projection_piece(jl, pop_by_key, "learning")
        emit_learning(piece.w, jl, pops_j, layout.default_method)
        if piece.w.lines:
            pieces.append(piece)
    for ml in layout.monitors:
        src = ml.pop_key
        on_projection = src.startswith("j")
        piece = KernelPiece(ROLE_BODY, ml.key, "recording of a monitor",
                            {ml.key: "M", src: "J" if on_projection else "P"})
        emit_monitor(piece.w, ml, f"_{src}", None if on_projection else pop_by_key[src],
                     skip=early[ml.key])
        pieces.append(piece)
    # 2. stop conditions (simulate_until)
    for pc, pl in zip(pops, layout.populations):
        if pl.stop_condition is not None:
            piece = KernelPiece(ROLE_STOP, pc.k,
                                f"stop condition of {pl.ir.kind} model {pl.ir.name!r}",
                                {pc.k: "P"})
            emit_stop(piece.w, pc, pl)
            pieces.append(piece)

    kernels = [piece.kernel(types) for piece in pieces]
    applies = {}
    for jl in layout.projections:
        piece, jl, pops_j = projection_piece(jl, pop_by_key, "apply")
        if emit_apply(piece.w, jl, pops_j, layout.default_method):
            applies[f"apply_{jl.key}"] = piece.kernel(types)
    scratch = {}
    for piece in pieces:
        scratch.update(piece.scratch)
    return GeneratedCode(kernels=kernels, applies=applies, scratch=scratch)
