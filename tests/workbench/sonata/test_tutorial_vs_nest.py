"""BMTK's PointNet tutorial network (seed: 02_opt_nest_custom_models), run
by our runner and by BMTK + NEST 3.10: the same spikes.

The reference data (tests/data/nest/sonata_tutorial/, written only by
``benchmarks/peers/sonata_tutorial_bmtk.py`` in the NEST venv) hold the
recipe of each case and NEST's output: spikes (step, node) and V_m of cells
0-2 for the first 200 ms. Each test rebuilds the case's network with our
``NetworkBuilder`` (the script's ``build_case``, fed with the stored
recipe), checks that the files are the ones BMTK read (a SHA-256 of every
dataset, CSV and component JSON), runs ``PointSimulator`` on the same
config and compares.

The network: 100 cells ``nest:<model>`` with NEST's defaults, all-to-all
(autapses included) with ``delay`` 1.5 ms; 10 virtual cells driving every
cell with ``nsyns = randint(0, 10)`` (weight ``syn_weight * nsyns``),
``delay`` 1.0 ms, off-grid input spike times (15 Hz per train). Cases:

- ``tutorial_*``: the tutorial's numbers (``syn_weight`` 2.0 everywhere),
  100 ms. ``izhikevich`` (12268 spikes, 1227 Hz) and ``iaf_psc_delta``
  (4392 spikes) run away into saturation; ``aeif_cond_alpha`` (2 nS) and
  ``glif_psc`` (2 pA) stay silent.
- ``moderate_*``: smaller recurrent weights, 1 s: 5-30 Hz per cell.
- ``inhibitory_izhikevich``: recurrent ``syn_weight`` -1.0 (NEST's sign
  convention: the runner sends it to ``inh`` with weight 1.0), 1 s.
- ``tsodyks2_iaf_psc_delta``: the tutorial's synapse switch (the edge
  types CSV edited to ``tsodyks2_synapse``, ``U = u = 0.2``, ``tau_rec``
  300 ms, ``tau_fac`` 50 ms), 1 s.

What must match, and why:

- **Exactly the same (step, node) spikes** for every case whose model
  reproduces NEST's update to rounding (izhikevich, iaf_psc_delta,
  glif_psc; aeif_cond_alpha when silent), runaway or not: the engine runs
  NEST's step, so a network of them gives NEST's network, spike for spike
  (measured: 12268/12268, 4392/4392, 1082/1082, 1978/1978, 3008/3008,
  1668/1668, 1692/1692 identical), with V_m within float32 storage (< 1e-5 mV; the
  test allows 5e-5 mV).
- **``moderate_aeif_cond_alpha``**: our ``aeif_cond_alpha`` integrates with
  RK4 sub-steps where NEST uses GSL's adaptive RKF45 (see
  :mod:`workbench.nest.adaptive`), so V_m differs by 1e-4 to 1e-2 mV
  (0.004 mV at most on cells 0-2 over 200 ms). Spikes stay identical for
  as long as no cell approaches ``V_peak`` slowly: the first difference is
  cell 47 at 324.0 ms (NEST) / 324.1 ms (here), after 2 ms spent 4-6 mV
  above ``V_th``, where the exponential term amplifies a 0.01 mV difference
  into one step. Through the all-to-all coupling that step shifts a few
  later spikes of other cells, but the network is not chaotic: measured
  429 of 449 spikes in the same step, 442 within one step, 448 within
  1 ms, per-cell counts equal but for one cell (+-1). The test demands:
  identical spikes before 320 ms, >= 90 % of NEST's spikes in the same
  step, >= 98 % within 1 ms, per-cell counts within 2, total within 2 %.
- **``glif_psc``** needs ``receptor_type: 1`` in the edges'
  ``dynamics_params`` for NEST (its receptor ports are 1..n; NEST refuses
  port 0); the runner reads it as an edge key and checks it as NEST does
  (port 0 into a ``glif_psc`` is refused with the fix in the message).

On a warm kernel cache the whole file runs in a few seconds.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from workbench.sonata import (Config, PointNetwork, PointSimulator, SonataError, read_report,
                              read_spikes)

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "nest" / "sonata_tutorial"
PEER = ROOT / "benchmarks" / "peers" / "sonata_tutorial_bmtk.py"
META = json.loads((DATA / "cases.json").read_text())
COMMON = META["common"]
DT = COMMON["dt"]

VM_TOL_EXACT = 5e-5        # mV: float32 storage of V_m near -70 mV is ~8e-6 mV
VM_TOL_AEIF = 0.01         # mV: RK4 sub-steps against NEST's adaptive RKF45

EXACT = ["tutorial_izhikevich", "tutorial_iaf_psc_delta", "tutorial_aeif_cond_alpha",
         "tutorial_glif_psc", "moderate_izhikevich", "moderate_iaf_psc_delta",
         "moderate_glif_psc",
         "inhibitory_izhikevich", "tsodyks2_iaf_psc_delta"]


def _peer():
    spec = importlib.util.spec_from_file_location("sonata_tutorial_bmtk", PEER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nest(name):
    import h5py

    with h5py.File(DATA / "outputs.h5", "r") as f:
        g = f[name]
        return (g["spike_steps"][()].astype(np.int64), g["spike_node_ids"][()].astype(np.int64),
                g["v_m"][()].astype(np.float64), g["v_m_node_ids"][()].astype(np.int64))


def _run_ours(tmp_path, name, edit=None):
    """Rebuild case ``name`` from its stored recipe, check the files are
    BMTK's, run our runner; (spike steps, node ids) sorted, and V_m of the
    report cells (rows: samples at dt, 2 dt, ...)."""
    peer = _peer()
    case = META["cases"][name]
    folder = tmp_path / name
    config_path = peer.build_case(folder, case, COMMON)
    assert peer.network_digest(folder) == case["digest"], \
        f"{name}: the rebuilt network is not the one BMTK + NEST ran"
    if edit:
        edit(folder)
    conf = json.loads(config_path.read_text())
    conf["reports"] = {"v_m": {"cells": {"population": "net", "node_id": COMMON["report_nodes"]},
                               "variable_name": "V_m", "module": "multimeter_report"}}
    config_path.write_text(json.dumps(conf))
    config = Config.from_json(config_path)
    config.build_env()
    sim = PointSimulator.from_config(config, PointNetwork.from_config(config))
    sim.run()
    t, ids = read_spikes(Path(config["output"]["output_dir"]) / "spikes.h5").get(
        "net", (np.zeros(0), np.zeros(0, dtype=np.int64)))
    steps = np.rint(t / DT).astype(np.int64)
    assert np.all(np.abs(steps * DT - t) < 1e-6)
    order = np.lexsort((ids, steps))
    report_ids, _, v = read_report(sim.outputs["v_m"])["net"]
    assert list(report_ids) == COMMON["report_nodes"]
    return steps[order], np.asarray(ids, dtype=np.int64)[order], v


def _first_difference(ours, nest):
    """Index, and the (step, node) of each side, where two sorted spike
    lists first differ (None if equal)."""
    (so, io), (sn, i_n) = ours, nest
    n = min(so.size, sn.size)
    diff = np.flatnonzero((so[:n] != sn[:n]) | (io[:n] != i_n[:n]))
    if diff.size:
        k = int(diff[0])
        return k, (int(so[k]), int(io[k])), (int(sn[k]), int(i_n[k]))
    if so.size != sn.size:
        return n, None, None
    return None


def _vm_error(v_ours, v_nest):
    n = min(len(v_ours), len(v_nest))
    assert n >= min(len(v_nest), 900), "report too short"
    return float(np.max(np.abs(v_ours[:n] - v_nest[:n]))) if n else 0.0


@pytest.mark.parametrize("name", EXACT)
def test_spikes_are_nest_s_spike_for_spike(tmp_path, name):
    steps, ids, v = _run_ours(tmp_path, name)
    n_steps, n_ids, n_v, _ = _nest(name)
    first = _first_difference((steps, ids), (n_steps, n_ids))
    assert first is None, (
        f"{name}: {steps.size} spikes here, {n_steps.size} in NEST; first difference at "
        f"spike {first[0]}: ours (step, node) {first[1]}, NEST's {first[2]}")
    assert steps.size == META["cases"][name]["n_spikes"]
    assert _vm_error(v, n_v) < VM_TOL_EXACT


def test_glif_psc_edges_without_its_receptor_port_are_refused_as_nest_does(tmp_path):
    """NEST refuses glif_psc edges on port 0 ("Receptor type 0 in glif_psc
    does not accept SpikeEvent"); so does the runner, saying what to write."""
    def default_port(folder):
        (folder / "components" / "synaptic_models" / "static_port1.json").write_text("{}")

    with pytest.raises(SonataError, match=r"receptor_type 0 is not a receptor port of "
                                          r"nest:glif_psc \(its ports: 1; set "
                                          r"\"receptor_type\": 1"):
        _run_ours(tmp_path, "moderate_glif_psc", edit=default_port)


def test_aeif_cond_alpha_is_nest_s_until_a_slow_upstroke_then_close(tmp_path):
    name = "moderate_aeif_cond_alpha"
    steps, ids, v = _run_ours(tmp_path, name)
    n_steps, n_ids, n_v, _ = _nest(name)
    n = n_steps.size
    assert n == META["cases"][name]["n_spikes"] and n > 300

    # identical spikes before 320 ms (NEST's first spike we put a step later: 324.0 ms)
    early = round(320.0 / DT)
    first = _first_difference((steps[steps < early], ids[steps < early]),
                              (n_steps[n_steps < early], n_ids[n_steps < early]))
    assert first is None, f"first difference before 320 ms: {first}"

    # afterwards: most spikes in the same step, nearly all within 1 ms
    ours = set(zip(steps.tolist(), ids.tolist()))
    same = sum((s, i) in ours for s, i in zip(n_steps.tolist(), n_ids.tolist()))
    assert same >= 0.90 * n, f"{same} of {n} NEST spikes in the same step"
    near = 0
    for cell in range(COMMON["n_cells"]):
        mine = list(steps[ids == cell])
        for s in n_steps[n_ids == cell]:
            close = [k for k, m in enumerate(mine) if abs(m - s) <= round(1.0 / DT)]
            if close:
                mine.pop(close[0])
                near += 1
    assert near >= 0.98 * n, f"{near} of {n} NEST spikes within 1 ms"

    counts = np.bincount(ids, minlength=COMMON["n_cells"])
    n_counts = np.bincount(n_ids, minlength=COMMON["n_cells"])
    assert np.abs(counts - n_counts).max() <= 2
    assert abs(int(counts.sum()) - n) <= 0.02 * n
    assert _vm_error(v, n_v) < VM_TOL_AEIF


def test_reference_data_is_the_script_s_and_small():
    peer = _peer()
    assert set(META["cases"]) == set(peer.CASES)
    for name, case in peer.CASES.items():
        stored = META["cases"][name]
        assert {k: stored[k] for k in case} == case, f"{name}: rerun the peer script"
    assert META["common"] == peer.COMMON and META["tsodyks2"] == peer.TSODYKS2
    assert META["versions"]["nest"].startswith("3.10") and META["versions"]["bmtk"]
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 500_000
