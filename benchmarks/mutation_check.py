"""Mutation check of the engine's numerics (issue 15, part 3). Run by hand, not in CI.

Each mutant is one plausible one-line bug (an off-by-one step, a swapped
sign, a swapped update order, a dropped last row, a wrong factor...) written
as ``(name, area, description, snippet, replacement, test files)``. For each:

1. the snippet is looked up in **every** file under ``engine/`` of a snapshot
   of the repository (not at a fixed path: code moves between files); it
   must occur exactly once in the whole tree, else the mutant is reported
   ``stale`` (update its snippet);
2. the snapshot is copied to a temporary folder, the snippet replaced there,
   and the mutant's tests run with this repository's venv python, with the
   copy first on ``PYTHONPATH`` (so the copy's ``engine`` is imported);
3. a test failing (or a collection error, or a timeout) ``kills`` the mutant;
   all tests passing means it ``survived``: a bug of that kind would go
   unseen, unless the mutant carries a written reason why it is not a bug
   (an equivalent mutant: same results), then it is reported ``equivalent``.

The snapshot is the working tree (tracked and untracked, unignored files of
engine/, workbench/, tests/ and pyproject.toml) by default, or the last commit
(``--source head``). Before the mutants, a **baseline** run of the unmutated
snapshot runs every test file used; tests already failing there are
deselected in the mutant runs (and listed), so a half-finished edit elsewhere
in the checkout never kills a mutant by accident.

Caches: generated kernels are cached by the hash of their text and of the
static kernel files they import (engine.codegen.cache.source_key), so one
shared ``NEUROWORKBENCH_CACHE_DIR`` is safe across mutants (a mutant in a
code generator changes the text, hence the file) and keeps runs warm. The
static Numba kernels (engine/codegen/connect_kernels.py, driver.py, rng.py...)
are cached beside their files; the copies keep the snapshot's caches (warmed
by the baseline) unless the mutant edits a file with Numba kernels, whose
caches are then dropped (Numba does not track changes of called functions
in other files).

Usage::

    .venv/bin/python benchmarks/mutation_check.py               # every mutant
    .venv/bin/python benchmarks/mutation_check.py --list        # the table
    .venv/bin/python benchmarks/mutation_check.py rate_synapse_delay_plus_one fp_last_post
    .venv/bin/python benchmarks/mutation_check.py --area bold --jobs 2
    .venv/bin/python benchmarks/mutation_check.py --check       # only find the snippets

Exit status: 0 when no mutant survived and none is stale, 1 otherwise.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():  # pragma: no cover - another layout
    PYTHON = Path(sys.executable)

# the directories and files copied into a snapshot
SNAPSHOT_PATHS = ("engine", "workbench", "tests/conftest.py", "tests/engine", "tests/data",
                  "tests/workbench/nest", "pyproject.toml",
                  "benchmarks/__init__.py", "benchmarks/peers")  # the peer tests build with these
# files whose functions are compiled by Numba with cache=True beside the file
NUMBA_FILES = ("connect_kernels.py", "driver.py", "rng.py", "kernel_abi.py", "intrinsics.py",
               "jit.py")

T = "tests/engine/"
NEURONS = T + "models/test_neurons.py"
SYNAPSES = T + "models/test_synapses.py"
PROJ = T + "runtime/test_projections.py"
PLAST = T + "runtime/test_plasticity.py"
PEER_ED = T + "runtime/test_peer_event_driven.py"
PEER_ORDER = T + "runtime/test_peer_event_order.py"
PEER_SYN_ORDER = T + "runtime/test_peer_synapse_order.py"
CONN = T + "runtime/test_connectivity.py"
CSR = T + "runtime/test_csr_invariant.py"
CONNK = T + "codegen/test_connect_kernels.py"
INPUTS = T + "runtime/test_inputs.py"
BOLD = T + "runtime/test_bold.py"
NET = T + "runtime/test_network.py"
SPECIAL = T + "runtime/test_special_projections.py"
CONVERGE = T + "integrators/test_integrator_convergence.py"
SEMANTICS = T + "integrators/test_integrator_semantics.py"
TEXT_MODELS = T + "integrators/test_integrator_text_models.py"
COBA = T + "runtime/test_reference_coba_lif.py"
KERNELS = T + "codegen/test_kernels.py"
API = T + "runtime/test_network_api_table.py"
COND = T + "runtime/test_conductance_targets.py"
# the tests written for this check (issue 15): independent references
REF = T + "test_independent_references.py"
REF_CONN = T + "test_independent_connectors.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    area: str
    description: str
    find: str
    replace: str
    tests: tuple[str, ...]
    equivalent: str = ""        # why surviving is not a bug (an equivalent mutant)


def M(name, area, description, find, replace, *tests, equivalent=""):
    return Mutant(name, area, description, find, replace, tuple(tests), equivalent)


# fmt: off
MUTANTS: list[Mutant] = [
    # -- the four of the issue -------------------------------------------------
    M("rate_synapse_delay_plus_one", "codegen",
      "rate-coded per-synapse delay one step longer than asked",
      '"synapse": f"(_step - {j}__delays[_syn]) % _D"}',
      '"synapse": f"(_step - 1 - {j}__delays[_syn]) % _D"}',
      PROJ, REF),
    M("fp_last_post", "connector",
      "fixed_probability never connects the last post neuron",
      "            if j >= n_cols:\n                break",
      "            if j >= n_cols - 1:\n                break",
      CONN, CSR, CONNK, REF_CONN),
    M("bold_linear_k2_sign", "bold",
      "linear balloon model: wrong sign of k_2 in the v term",
      "BOLD = V_0 * ((k_1 + k_2) * (1 - q) + (k_3 - k_2) * (1 - v)) : init = 0.0",
      "BOLD = V_0 * ((k_1 + k_2) * (1 - q) + (k_3 + k_2) * (1 - v)) : init = 0.0",
      BOLD, REF),
    M("if_curr_exp_inh_sign", "model",
      "IF_curr_exp adds the inhibitory current instead of subtracting it",
      '"cm * dv/dt = cm * (v_rest - v) / tau_m + g_exc - g_inh + i_offset"',
      '"cm * dv/dt = cm * (v_rest - v) / tau_m + g_exc + g_inh + i_offset"',
      NEURONS, COBA, REF),

    # -- neuron update, spike test, reset, refractoriness (codegen) ------------
    M("refractory_one_step_longer", "codegen",
      "refractory period one step longer (floor(R/dt + 1.001) instead of floor(R/dt))",
      'x = f"(({period}) / _dt + 1e-3)"',
      'x = f"(({period}) / _dt + 1.001)"',
      NEURONS, NET, REF, PEER_ORDER),
    M("refractory_freezes_nothing", "codegen",
      "ANNarchy 5's rule: nothing frozen while refractory (v drifts after its one reset)",
      'else not target.startswith("g_")))',
      "else False))",
      NEURONS, NET, REF, PEER_ORDER),
    M("reset_not_held_while_refractory", "codegen",
      "flagged rule: unflagged resets not re-applied during the refractory period",
      'when = "_sp" if e in pc.reset_once else f"((_sp | _ref){guard})"',
      'when = "_sp"',
      NEURONS, NET, REF, T + "language/test_annarchy_syntax.py"),
    M("spike_scan_drops_8th", "codegen",
      "spike collection skips the last neuron of each group of 8",
      'w("        for _i in range(8 * _q, 8 * _q + 8):")',
      'w("        for _i in range(8 * _q, 8 * _q + 7):")',
      PROJ, NET, INPUTS),
    M("conductance_not_cleared", "codegen",
      "conductances g_target are not set back to 0 after the neuron update",
      'w(f"{g} = 0.0")',
      'w(f"{g} = {g}")',
      NEURONS, PROJ, COND),
    M("spike_history_slot_plus_one", "codegen",
      "spike history written one slot ahead (uniform spike delays one step shorter)",
      "w(f\"_slot = _step % {pc.own('hist')}.shape[0]\")",
      "w(f\"_slot = (_step + 1) % {pc.own('hist')}.shape[0]\")",
      PROJ, INPUTS),
    M("rate_history_slot_plus_one", "codegen",
      "rate history written one slot ahead (rate delays one step shorter)",
      "w(f\"_slot = _step % {hist}.shape[0]\")",
      "w(f\"_slot = (_step + 1) % {hist}.shape[0]\")",
      PROJ, REF),

    # -- transmission (codegen) --------------------------------------------------
    M("spike_uniform_delay_minus_one", "codegen",
      "uniform spike delay one step shorter",
      "w(f\"_slot = (_step - {j}__dsteps[0]) % {pre.own('hist')}.shape[0]\")",
      "w(f\"_slot = (_step + 1 - {j}__dsteps[0]) % {pre.own('hist')}.shape[0]\")",
      PROJ, INPUTS),
    M("spike_synapse_delay_ring_plus_one", "codegen",
      "per-synapse spike delays (ring buffer) one step longer",
      "{j}__ring[(_step - 1 + {j}__delays[_syn]) % _D, _post]",
      "{j}__ring[(_step + {j}__delays[_syn]) % _D, _post]",
      PROJ, INPUTS),
    M("event_delay_index_plus_one", "codegen",
      "per-synapse delays with events at arrival: synapses of delay d+1 fire at d",
      'w("_base = _pre * _K + _d")',
      'w("_base = _pre * _K + _d + 1")',
      PEER_ED, PLAST, INPUTS),
    M("rate_uniform_delay_plus_one", "codegen",
      "rate-coded uniform delay one step longer",
      "w(f\"_dslot = (_step - {j}__dsteps[0]) % {depth}\")",
      "w(f\"_dslot = (_step - 1 - {j}__dsteps[0]) % {depth}\")",
      PROJ, REF),
    M("post_events_before_equations", "codegen",
      "post_spike runs before the synapse's equations (ANNarchy: equations first)",
      "    em.emit_continuous(w, rows_by_pre=_rows_by_pre(jl), post_size=size_expr(post)\n"
      "                       if not post.ir.spiking else f\"{post.own('refr')}.shape[0]\")\n"
      "    em.emit_post_events(w)\n",
      "    em.emit_post_events(w)\n"
      "    em.emit_continuous(w, rows_by_pre=_rows_by_pre(jl), post_size=size_expr(post)\n"
      "                       if not post.ir.spiking else f\"{post.own('refr')}.shape[0]\")\n",
      PEER_SYN_ORDER, PLAST),
    M("rate_sum_drops_last_post", "codegen",
      "rate-coded weighted sums skip the last post-synaptic neuron",
      'w(f"for _post in {loop}({j}__row.shape[0] - 1):")',
      'w(f"for _post in {loop}({j}__row.shape[0] - 2):")',
      PROJ, REF),
    M("rate_sum_drops_partial", "codegen",
      "one of the four partial sums of a rate-coded row is dropped",
      'w("_acc = (_a0 + _a1) + (_a2 + _a3)")',
      'w("_acc = (_a0 + _a1) + _a2")',
      PROJ, REF),
    M("rate_unroll_strict", "codegen",
      "unrolled loop condition < instead of <= (the remainder loop takes over)",
      'w("while _k + _U4 <= _end:")',
      'w("while _k + _U4 < _end:")',
      PROJ, REF,
      equivalent="the remainder loop sums what the unrolled loop leaves; only the order of "
                 "the additions of a row of 4k synapses changes (the last four go to one "
                 "partial sum): the same sum up to rounding, still the same for any thread "
                 "count, so no result a user relies on changes"),
    M("default_psp_post_r", "codegen",
      "default rate-coded psp reads post.r instead of pre.r",
      'return sp.Symbol("w", real=True) * sp.Symbol("pre.r", real=True)',
      'return sp.Symbol("w", real=True) * sp.Symbol("post.r", real=True)',
      PROJ, REF),
    M("dense_row_drops_last", "codegen",
      "dense (all-to-all) rows: the last post neuron of a row gets no spike",
      'w("_len = _stop - _start")',
      'w("_len = _stop - _start - 1")',
      PROJ, COBA, REF),

    # -- learning (codegen) --------------------------------------------------------
    M("pre_event_sees_this_step", "codegen",
      "pre-synaptic events see the traces at this step instead of the previous one",
      'now = "_step - 1" if pre else "_step"',
      'now = "_step"',
      PEER_ED, SYNAPSES, PLAST),
    M("last_event_step_minus_one", "codegen",
      "the last-event step of a synapse is stored one step early (traces decay one step more)",
      'w(f"{self.j}__last[_syn] = _step")',
      'w(f"{self.j}__last[_syn] = _step - 1")',
      PEER_ED, SYNAPSES, PLAST),
    M("post_events_drop_last_synapse", "codegen",
      "post_spike skips the last synapse of each post-synaptic neuron",
      'w(f"for _q in range({j}__prow[_post], {j}__prow[_post + 1]):")',
      'w(f"for _q in range({j}__prow[_post], {j}__prow[_post + 1] - 1):")',
      PEER_ED, SYNAPSES, PLAST),
    M("learning_starts_one_step_late", "codegen",
      "continuous synapse updates start one step after the offset",
      "w(f\"if {on}_step >= {j}__learn[2] and (_step - {j}__learn[2]) % {j}__learn[1] == 0:\")",
      "w(f\"if {on}_step > {j}__learn[2] and (_step - {j}__learn[2]) % {j}__learn[1] == 0:\")",
      SYNAPSES, PLAST),
    M("synapse_loop_drops_last_row", "codegen",
      "per-synapse continuous updates skip the last row",
      'w(f"for _row in range({j}__row.shape[0] - 1):")',
      'w(f"for _row in range({j}__row.shape[0] - 2):")',
      SYNAPSES, PLAST),

    # -- integrators -----------------------------------------------------------------
    M("exp_euler_half_step", "integrator",
      "exponential Euler decays over dt/2",
      "self.emit(d, (x_inf - x) * (1 - sp.exp(DT * b)))",
      "self.emit(d, (x_inf - x) * (1 - sp.exp(DT * b / 2)))",
      CONVERGE, SEMANTICS, NEURONS),
    M("implicit_sign", "integrator",
      "backward Euler divides by 1 + dt*B",
      "_, b = linear_split(rhs, x)\n            self.emit(d, DT * rhs / (1 - DT * b)",
      "_, b = linear_split(rhs, x)\n            self.emit(d, DT * rhs / (1 + DT * b)",
      CONVERGE, SEMANTICS, REF),
    M("semiimplicit_half", "integrator",
      "semi-implicit: only half of the linear part implicit",
      "b = linear_part_coefficient(rhs, x)\n            self.emit(d, DT * rhs / (1 - DT * b)",
      "b = linear_part_coefficient(rhs, x)\n            self.emit(d, DT * rhs / (1 - DT * b / 2)",
      CONVERGE, SEMANTICS, REF),
    M("midpoint_node_one", "integrator",
      "midpoint evaluates its second stage at the end of the step",
      '"midpoint": Tableau(nodes=(sp.Integer(0), sp.Rational(1, 2)),',
      '"midpoint": Tableau(nodes=(sp.Integer(0), sp.Integer(1)),',
      CONVERGE, SEMANTICS, REF),
    M("rk4_last_node_half", "integrator",
      "rk4's fourth stage at t + dt/2 instead of t + dt",
      '"rk4": Tableau(nodes=(sp.Integer(0), sp.Rational(1, 2), sp.Rational(1, 2), sp.Integer(1)),',
      '"rk4": Tableau(nodes=(sp.Integer(0), sp.Rational(1, 2), sp.Rational(1, 2), sp.Rational(1, 2)),',
      CONVERGE, SEMANTICS, REF),
    M("rk_stage_time_frozen", "integrator",
      "Runge-Kutta stages do not advance t (non-autonomous ODEs lose their order)",
      "mapping = {T: T + c * DT}",
      "mapping = {T: T}",
      CONVERGE, SEMANTICS, REF),
    M("event_driven_decay_twice", "integrator",
      "event-driven trace decay applied twice",
      "return x * sp.exp(b * elapsed)",
      "return x * sp.exp(2 * b * elapsed)",
      PEER_ED, SYNAPSES, SEMANTICS),
    M("event_driven_relaxation_half", "integrator",
      "event-driven relaxation to a constant over half the elapsed time",
      "return x_inf + (x - x_inf) * sp.exp(b * elapsed)",
      "return x_inf + (x - x_inf) * sp.exp(b * elapsed / 2)",
      SYNAPSES, PEER_ED, SEMANTICS),
    M("bounds_min_max_swapped", "integrator",
      "a variable's min bound applied as a max",
      "expr = sp.Max(expr, spec.min)",
      "expr = sp.Min(expr, spec.min)",
      SEMANTICS, SYNAPSES, TEXT_MODELS),

    # -- neuron models ---------------------------------------------------------------
    M("if_cond_exp_inh_reversal_sign", "model",
      "IF_cond_exp inhibitory driving force (v - E_I) instead of (E_I - v)",
      '" + g_inh * (e_rev_I - v) + i_offset"',
      '" + g_inh * (v - e_rev_I) + i_offset"',
      NEURONS, COBA, REF),
    M("if_curr_alpha_exc_not_alpha", "model",
      "IF_curr_alpha feeds the exponential g_exc to v instead of alpha_exc",
      '"cm * dv/dt = cm * (v_rest - v) / tau_m + alpha_exc - alpha_inh + i_offset"',
      '"cm * dv/dt = cm * (v_rest - v) / tau_m + g_exc - alpha_inh + i_offset"',
      NEURONS, REF),
    M("alpha_inh_uses_tau_syn_E", "model",
      "alpha-shaped inhibitory synapse uses tau_syn_E (copy-paste)",
      '"tau_syn_I * dalpha_inh/dt = exp(1.0 - dt / (2.0 * tau_syn_I)) * g_inh - alpha_inh',
      '"tau_syn_E * dalpha_inh/dt = exp(1.0 - dt / (2.0 * tau_syn_I)) * g_inh - alpha_inh',
      NEURONS, REF),
    M("exp_inh_uses_tau_syn_E", "model",
      "exponential inhibitory synapse decays with tau_syn_E (copy-paste)",
      '_EXP_EQS = [\n    "tau_syn_E * dg_exc/dt = -g_exc : exponential",\n'
      '    "tau_syn_I * dg_inh/dt = -g_inh : exponential",',
      '_EXP_EQS = [\n    "tau_syn_E * dg_exc/dt = -g_exc : exponential",\n'
      '    "tau_syn_E * dg_inh/dt = -g_inh : exponential",',
      NEURONS, COBA, REF),
    M("alpha_peak_correction_dropped", "model",
      "alpha synapse without the exp(-dt/(2 tau)) discretisation correction",
      '"tau_syn_E * dalpha_exc/dt = exp(1.0 - dt / (2.0 * tau_syn_E)) * g_exc',
      '"tau_syn_E * dalpha_exc/dt = exp(1.0) * g_exc',
      NEURONS, REF),
    M("izhikevich_u_reset_every_refractory_step", "model",
      "Izhikevich u += d applied at every refractory step, not once",
      'reset="v = c\\nu += d : unless_refractory",',
      'reset="v = c\\nu += d",',
      NEURONS, REF),
    M("izhikevich_u_sign", "model",
      "Izhikevich dv/dt adds u instead of subtracting it",
      '"dv/dt = 0.04 * v^2 + 5.0 * v + 140.0 - u + I',
      '"dv/dt = 0.04 * v^2 + 5.0 * v + 140.0 + u + I',
      NEURONS),
    M("izhikevich_spike_ge", "model",
      "Izhikevich spike test v >= v_thresh instead of v > v_thresh",
      'spike="v > v_thresh",\n            reset="v = c\\n',
      'spike="v >= v_thresh",\n            reset="v = c\\n',
      NEURONS, REF),
    M("hh_k_exponent", "model",
      "Hodgkin-Huxley potassium current n^3 instead of n^4",
      '"cm * dv/dt = gleak * (e_rev_leak - v) + gbar_K * n^4 * (e_rev_K - v)"',
      '"cm * dv/dt = gleak * (e_rev_leak - v) + gbar_K * n^3 * (e_rev_K - v)"',
      NEURONS),
    M("eif_adaptation_sign", "model",
      "AdEx subthreshold adaptation a*(v_rest - v) instead of a*(v - v_rest)",
      '"tau_w * dw/dt = a * (v - v_rest) / 1000.0 - w',
      '"tau_w * dw/dt = a * (v_rest - v) / 1000.0 - w',
      NEURONS),
    M("leaky_integrator_threshold_sign", "model",
      "LeakyIntegrator r = pos(v + T) instead of pos(v - T)",
      '"r = pos(v - T)",',
      '"r = pos(v + T)",',
      NEURONS, REF),
    M("leaky_integrator_inh_sign", "model",
      "LeakyIntegrator adds sum(inh) instead of subtracting it",
      'options = {"sum": "sum(exc) - sum(inh)"}',
      'options = {"sum": "sum(exc) + sum(inh)"}',
      NEURONS, PROJ, REF),

    # -- synapse models --------------------------------------------------------------
    M("stdp_transmit_after_update", "synapse",
      "STDP transmits the weight updated by this spike (ANNarchy: the old one)",
      '"g_target += w",\n                "x += A_plus * w_max",\n'
      '                "w = clip(w + y, w_min, w_max)",',
      '"x += A_plus * w_max",\n                "w = clip(w + y, w_min, w_max)",\n'
      '                "g_target += w",',
      SYNAPSES, PEER_ED, PLAST, REF),
    M("stdp_post_order_swapped", "synapse",
      "STDP post_spike: trace bumped before the weight update (equivalent: w reads x, not y)",
      '"y -= A_minus * w_max",\n                "w = clip(w + x, w_min, w_max)",',
      '"w = clip(w + x, w_min, w_max)",\n                "y -= A_minus * w_max",',
      SYNAPSES, PEER_ED, PLAST,
      equivalent="the weight update reads x (the pre trace), not y: bumping y before or "
                 "after it gives the same w and the same y"),
    M("triplet_depression_reads_r1", "synapse",
      "triplet STDP depression triplet term reads r1 instead of r2",
      '"w = clip(w - o1 * (A2_minus + A3_minus * r2), w_min, w_max)",',
      '"w = clip(w - o1 * (A2_minus + A3_minus * r1), w_min, w_max)",',
      SYNAPSES, PLAST),
    M("stp_update_order_swapped", "synapse",
      "STP: u facilitated before x is depleted (ANNarchy: x first)",
      '"x *= (1 - u)",\n                "u += U * (1 - u)",',
      '"u += U * (1 - u)",\n                "x *= (1 - u)",',
      SYNAPSES, PEER_ED),
    M("nest_stdp_transmit_before_depression", "synapse",
      "stdp_synapse sends the weight before the depression of this spike (NEST: after)",
      '"w = Wmax * max(w / Wmax - alpha * lambda_ * (w / Wmax)^mu_minus * Kminus, 0.0)",\n'
      '                "g_target += w",',
      '"g_target += w",\n'
      '                "w = Wmax * max(w / Wmax - alpha * lambda_ * (w / Wmax)^mu_minus * Kminus, 0.0)",',
      SYNAPSES, REF),
    M("tsodyks_y_decays_with_tau_rec", "synapse",
      "tsodyks_synapse: y decays with tau_rec instead of tau_psc",
      '"y = y * decay(t - t_last, tau_psc)",',
      '"y = y * decay(t - t_last, tau_rec)",',
      SYNAPSES),
    M("tsodyks2_no_depletion", "synapse",
      "tsodyks2_synapse: recovery forgets the depletion x*u of the last spike",
      '"x = if t_last >= 0 then 1.0 + (x - x * u - 1.0)"',
      '"x = if t_last >= 0 then 1.0 + (x - 1.0)"',
      SYNAPSES),
    M("oja_decay_reads_pre", "synapse",
      "Oja's decay term alpha * pre.r^2 * w instead of post.r^2",
      '"dw/dt = eta * (pre.r * post.r - alpha * post.r^2 * w)"',
      '"dw/dt = eta * (pre.r * post.r - alpha * pre.r^2 * w)"',
      SYNAPSES),
    M("ibcm_sign", "synapse",
      "IBCM (theta - post.r) instead of (post.r - theta)",
      '"dw/dt = eta * post.r * (post.r - theta) * pre.r : min = 0.0",',
      '"dw/dt = eta * post.r * (theta - post.r) * pre.r : min = 0.0",',
      SYNAPSES, REF),

    # -- BOLD ------------------------------------------------------------------------
    M("bold_grubb_exponent", "bold",
      "balloon outflow v**alpha instead of v**(1/alpha)",
      "f_out    = v**(1 / alpha)                                          : init = 1.0",
      "f_out    = v**alpha                                                : init = 1.0",
      BOLD, REF),
    M("bold_classic_k1_no_V0", "bold",
      "classic coefficients: k_1 without the (1 - V_0) factor",
      "k_1 = (1 - V_0) * 4.3 * v_0 * E_0 * TE",
      "k_1 = 4.3 * v_0 * E_0 * TE",
      BOLD, REF),
    M("bold_maith_k3_sign", "bold",
      "Maith2021 k_3 = 2 E_0 + 0.2 instead of - 0.2",
      "\nk_3 = 2 * E_0 - 0.2",
      "\nk_3 = 2 * E_0 + 0.2",
      BOLD, REF),
    M("bold_two_inputs_tau_out_swapped", "bold",
      "two-input BOLD: tau_out1 and tau_out2 swapped (inflation vs deflation)",
      "tau_out            = if dv > 0 then tau_out1 else tau_out2",
      "tau_out            = if dv > 0 then tau_out2 else tau_out1",
      BOLD, REF),
    M("bold_input_sum_not_mean", "bold",
      "BOLD input is the sum of the mapped variable, not its mean",
      '"    _bold_x = _bold_x / _bold_n"]',
      '"    _bold_x = _bold_x"]',
      BOLD),

    # -- connectors ------------------------------------------------------------------
    M("fp_self_skip_off_by_one", "connector",
      "fixed_probability without self-connections skips column r+1 instead of r",
      "skip = r if exclude_diag else -1",
      "skip = r + 1 if exclude_diag else -1",
      CONN, CSR, CONNK),
    M("floyd_biased", "connector",
      "fixed_number: Floyd's draw in [0, j) instead of [0, j] (biased columns)",
      "t = np.int64(uniform01(s) * (j + 1))",
      "t = np.int64(uniform01(s) * j)",
      CONN, CONNK, REF_CONN),
    M("gaussian_width_factor", "connector",
      "gaussian connector exp(-d^2/sigma^2) instead of exp(-d^2/(2 sigma^2))",
      "k_pos = -0.5 / (sigma_pos * sigma_pos)",
      "k_pos = -1.0 / (sigma_pos * sigma_pos)",
      CONN, CONNK),
    M("normalized_coordinates_over_g", "connector",
      "normalized coordinates i/g instead of i/(g - 1)",
      "scale = np.array([1.0 / (g - 1) if g > 1 else 0.0 for g in geometry])",
      "scale = np.array([1.0 / g if g > 1 else 0.0 for g in geometry])",
      CONN, CONNK),
    M("synapse_delays_floor", "connector",
      "per-synapse delays truncated (floor) instead of rounded",
      "steps = np.maximum(1, np.rint(delays_ms / dt)).astype(np.int32)",
      "steps = np.maximum(1, np.floor(delays_ms / dt)).astype(np.int32)",
      PROJ, INPUTS, REF),
    M("uniform_delay_truncated", "connector",
      "a uniform delay truncated (int) instead of rounded",
      "steps = round(delay_ms / dt)",
      "steps = int(delay_ms / dt)",
      PROJ, INPUTS, REF),

    # -- inputs ----------------------------------------------------------------------
    M("poisson_factor", "input",
      "PoissonPopulation probability rates*dt/100 instead of /1000",
      '_POISSON_EQ = "p = Uniform(0.0, 1.0) * 1000.0 / dt"',
      '_POISSON_EQ = "p = Uniform(0.0, 1.0) * 100.0 / dt"',
      INPUTS),
    M("spike_times_floor", "input",
      "spike times (SpikeSourceArray, schedules) truncated to steps instead of rounded",
      "return np.rint(np.asarray(ms, dtype=float) / dt).astype(np.int64)",
      "return np.floor(np.asarray(ms, dtype=float) / dt).astype(np.int64)",
      INPUTS, REF),
    M("timed_array_period_plus_one", "input",
      "TimedArray period one step longer",
      '"if {p}__period[0] > 0 and _sc_c == {p}__period[0] - 1:\\n"',
      '"if {p}__period[0] > 0 and _sc_c == {p}__period[0]:\\n"',
      INPUTS),
    M("current_injection_overwrites", "input",
      "CurrentInjection overwrites g_target instead of adding to it",
      '"        {post}_g_{target}[_post] += {pre}_r[{j}__col[_syn]]\\n"',
      '"        {post}_g_{target}[_post] = {pre}_r[{j}__col[_syn]]\\n"',
      SPECIAL, REF),
    M("decoding_rate_dt_factor", "input",
      "DecodingProjection multiplies by dt instead of dividing (right only at dt = 1)",
      "{post}__sum_{target}[_post] += _acc / _dp_W * 1000.0 / _dt / ",
      "{post}__sum_{target}[_post] += _acc / _dp_W * 1000.0 * _dt / ",
      SPECIAL, REF),

    # -- monitors --------------------------------------------------------------------
    M("monitor_offset_strict", "monitor",
      "monitor starts recording one period after its offset (> instead of >=)",
      'condition = (f"if {m}__active[0] and _step >= {m}__offset[0] and "',
      'condition = (f"if {m}__active[0] and _step > {m}__offset[0] and "',
      NET, API, REF),
    M("spike_time_plus_one", "monitor",
      "spike monitors record the step after the spike",
      'w(f"    {m}__spk_t[_n] = _step")',
      'w(f"    {m}__spk_t[_n] = _step + 1")',
      NET, INPUTS),
    M("recorded_times_plus_one", "monitor",
      "recorded_times() one step late",
      "return steps * self.network.dt",
      "return (steps + 1) * self.network.dt",
      NET, API, REF),
]
# fmt: on


# -- snapshot and mutants ------------------------------------------------------------

def _listed_files(source: str) -> list[str]:
    """Repository-relative files of the snapshot."""
    if source == "head":
        out = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", "HEAD", "--",
                              *SNAPSHOT_PATHS], check=True, capture_output=True, text=True)
    else:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard",
                              "--", *SNAPSHOT_PATHS], check=True, capture_output=True, text=True)
    return [ln for ln in out.stdout.splitlines() if ln and "__pycache__" not in ln]


def make_snapshot(dest: Path, source: str) -> None:
    dest.mkdir(parents=True)
    files = _listed_files(source)
    if source == "head":
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", "--", *SNAPSHOT_PATHS],
                                 check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        return
    for rel in files:
        src = ROOT / rel
        if not src.is_file():  # deleted in the working tree
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)


def locate(snapshot: Path, find: str) -> tuple[list[tuple[Path, int]], int]:
    """Files under engine/ holding ``find`` and the total number of occurrences."""
    hits, total = [], 0
    for path in sorted((snapshot / "engine").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        n = text.count(find)
        if n:
            hits.append((path, n))
            total += n
    return hits, total


def copy_tree(src: Path, dst: Path, drop_numba_caches: bool) -> None:
    def ignore(folder, names):
        if drop_numba_caches:
            return [n for n in names if n.endswith((".nbi", ".nbc"))]
        return []
    shutil.copytree(src, dst, copy_function=shutil.copy2, ignore=ignore)


# -- running pytest --------------------------------------------------------------------

_PLUGIN = '''
import os
def pytest_runtest_logreport(report):
    if report.failed:
        with open(os.environ["MUTATION_FAILED_FILE"], "a", encoding="utf-8") as fh:
            fh.write(report.nodeid + "\\n")
def pytest_collectreport(report):
    if report.failed:
        with open(os.environ["MUTATION_FAILED_FILE"], "a", encoding="utf-8") as fh:
            fh.write("collect:" + report.nodeid + "\\n")
'''


@dataclass
class Outcome:
    status: str                 # killed / survived / equivalent / stale / error
    seconds: float = 0.0
    detail: str = ""
    failed: list[str] = field(default_factory=list)


def run_pytest(copy: Path, tests, cache_dir: Path, plugin_dir: Path, *, stop_first: bool,
               deselect=(), timeout: float) -> tuple[int | None, list[str], str, float]:
    failed_file = copy / ".mutation_failed.txt"
    failed_file.unlink(missing_ok=True)
    env = dict(os.environ)
    env.update(PYTHONPATH=f"{copy}{os.pathsep}{plugin_dir}", NUMBA_THREADING_LAYER="workqueue",
               NEUROWORKBENCH_CACHE_DIR=str(cache_dir), MUTATION_FAILED_FILE=str(failed_file))
    cmd = [str(PYTHON), "-m", "pytest", *tests, "-q", "-p", "no:cacheprovider",
           "-p", "mutation_plugin", "--no-header"]
    if stop_first:
        cmd.append("-x")
    for nodeid in deselect:
        cmd += ["--deselect", nodeid]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True,
                              timeout=timeout)
        rc, out = proc.returncode, proc.stdout[-4000:] + proc.stderr[-2000:]
    except subprocess.TimeoutExpired:
        rc, out = None, "timeout"
    seconds = time.perf_counter() - t0
    failed = failed_file.read_text().splitlines() if failed_file.exists() else []
    return rc, failed, out, seconds


def run_mutant(mut: Mutant, snapshot: Path, work: Path, cache_dir: Path, plugin_dir: Path,
               deselect: dict, timeout: float, keep: bool) -> Outcome:
    hits, total = locate(snapshot, mut.find)
    if total != 1:
        where = ", ".join(f"{p.relative_to(snapshot)} x{n}" for p, n in hits) or "nowhere"
        return Outcome("stale", detail=f"snippet found {total} times ({where})")
    path = hits[0][0]
    rel = path.relative_to(snapshot)
    missing = [t for t in mut.tests if not (snapshot / t.split("::")[0]).exists()]
    tests = [t for t in mut.tests if t not in missing]
    if not tests:
        return Outcome("error", detail="no test file exists: " + ", ".join(missing))
    copy = work / mut.name
    if copy.exists():
        shutil.rmtree(copy)
    copy_tree(snapshot, copy, drop_numba_caches=path.name in NUMBA_FILES)
    target = copy / rel
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace(mut.find, mut.replace), encoding="utf-8")
    skip = sorted({n for t in tests for n in deselect.get(t.split("::")[0], ())})
    rc, failed, out, seconds = run_pytest(copy, tests, cache_dir, plugin_dir, stop_first=True,
                                          deselect=skip, timeout=timeout)
    if not keep:
        shutil.rmtree(copy, ignore_errors=True)
    note = f"{rel}" + (f"; missing tests: {', '.join(missing)}" if missing else "")
    if rc is None:
        return Outcome("killed", seconds, f"{note}; timeout after {timeout:.0f} s")
    if rc == 0:
        if mut.equivalent:
            return Outcome("equivalent", seconds, f"{note}; {mut.equivalent}")
        return Outcome("survived", seconds, note)
    if rc == 5:
        return Outcome("error", seconds, f"{note}; no tests collected")
    if rc in (2, 3, 4) and not failed:
        return Outcome("error", seconds, f"{note}; pytest exit {rc}: {out[-600:]}")
    return Outcome("killed", seconds, f"{note}; by {failed[0] if failed else 'exit ' + str(rc)}",
                   failed)


# -- main --------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="mutants to run (default: all)")
    ap.add_argument("--area", action="append", help="only mutants of this area (repeatable)")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    ap.add_argument("--list", action="store_true", help="print the mutant table and exit")
    ap.add_argument("--check", action="store_true",
                    help="only look the snippets up (stale or not), run nothing")
    ap.add_argument("--source", choices=("worktree", "head"), default="worktree",
                    help="snapshot of the working tree (default) or of the last commit")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the baseline run (no deselection of already failing tests)")
    ap.add_argument("--timeout", type=float, default=420.0, help="seconds per mutant")
    ap.add_argument("--cache", type=Path,
                    default=Path(tempfile.gettempdir()) / "neuroworkbench-mutation-cache",
                    help="NEUROWORKBENCH_CACHE_DIR shared by the runs (kept between runs)")
    ap.add_argument("--keep", action="store_true", help="keep the mutated copies")
    ap.add_argument("--json", type=Path, help="write the results to this file")
    args = ap.parse_args(argv)

    names = {m.name for m in MUTANTS}
    if len(names) != len(MUTANTS):
        raise SystemExit("two mutants share a name")
    unknown = [n for n in args.names if n not in names]
    if unknown:
        raise SystemExit(f"unknown mutant(s): {', '.join(unknown)}")
    chosen = [m for m in MUTANTS if (not args.names or m.name in args.names)
              and (not args.area or m.area in args.area)]
    if args.list:
        for m in chosen:
            print(f"{m.name:44s} {m.area:10s} {m.description}"
                  + (" [equivalent]" if m.equivalent else ""))
            print(f"{'':44s} tests: {', '.join(t.replace(T, '') for t in m.tests)}")
        print(f"{len(chosen)} mutants")
        return 0

    t_start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="nwb-mutation-"))
    snapshot = work / "_snapshot"
    plugin_dir = work / "_plugin"
    plugin_dir.mkdir()
    (plugin_dir / "mutation_plugin.py").write_text(_PLUGIN, encoding="utf-8")
    args.cache.mkdir(parents=True, exist_ok=True)
    try:
        make_snapshot(snapshot, args.source)
        if args.check:
            bad = 0
            for m in chosen:
                hits, total = locate(snapshot, m.find)
                where = ", ".join(f"{p.relative_to(snapshot)} x{n}" for p, n in hits) or "-"
                state = "ok" if total == 1 else "STALE"
                bad += total != 1
                print(f"{state:5s} {m.name:44s} {where}")
            return 1 if bad else 0

        deselect: dict[str, list[str]] = {}
        if not args.no_baseline:
            files = sorted({t.split("::")[0] for m in chosen for t in m.tests
                            if (snapshot / t.split("::")[0]).exists()})
            print(f"baseline: {len(files)} test files on the unmutated snapshot ...", flush=True)
            rc, failed, out, secs = run_pytest(snapshot, files, args.cache, plugin_dir,
                                               stop_first=False, timeout=3 * args.timeout)
            print(f"baseline: exit {rc}, {secs:.0f} s, {len(failed)} failing test(s)"
                  " (deselected in the mutant runs)", flush=True)
            for nodeid in failed:
                print(f"  baseline failure: {nodeid}")
                if nodeid.startswith("collect:"):
                    continue
                deselect.setdefault(nodeid.split("::")[0], []).append(nodeid)
            if rc is None:
                print("baseline timed out: the mutant runs would not mean much")
                return 2

        results: dict[str, Outcome] = {}

        def one(m: Mutant) -> tuple[Mutant, Outcome]:
            try:
                return m, run_mutant(m, snapshot, work, args.cache, plugin_dir, deselect,
                                     args.timeout, args.keep)
            except Exception as exc:  # noqa: BLE001 - reported in the table
                return m, Outcome("error", detail=f"{type(exc).__name__}: {exc}")

        with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for m, res in pool.map(one, chosen):
                results[m.name] = res
                print(f"{res.status.upper():9s} {res.seconds:6.1f} s  {m.name}: {res.detail}",
                      flush=True)

        total_s = time.perf_counter() - t_start
        print()
        print(f"{'mutant':44s} {'area':10s} {'status':9s} {'time':>7s}")
        for m in chosen:
            r = results[m.name]
            print(f"{m.name:44s} {m.area:10s} {r.status:9s} {r.seconds:6.1f}s")
        counts = {s: sum(r.status == s for r in results.values())
                  for s in ("killed", "survived", "equivalent", "stale", "error")}
        print()
        print(", ".join(f"{n} {s}" for s, n in counts.items()) + f" of {len(chosen)} mutants; "
              f"{total_s / 60:.1f} min")
        for s in ("survived", "equivalent", "stale", "error"):
            for m in chosen:
                if results[m.name].status == s:
                    print(textwrap.fill(f"{s.upper()}: {m.name} ({m.description}): "
                                        f"{results[m.name].detail}", 100,
                                        subsequent_indent="    "))
        if args.json:
            args.json.write_text(json.dumps({
                "seconds": total_s, "counts": counts,
                "mutants": {m.name: {"area": m.area, "status": results[m.name].status,
                                     "seconds": round(results[m.name].seconds, 1),
                                     "detail": results[m.name].detail}
                            for m in chosen}}, indent=1))
        return 0 if counts["survived"] == 0 and counts["stale"] == 0 else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
