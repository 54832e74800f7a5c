"""Teaching labs: each loads clean, builds, runs, and shows what its
instructions promise (short runs; kernels come from the disk cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import WorkspaceError
from workbench.ui.labs import FI_CURRENTS, IZHIKEVICH_CELLS, LABS, SONG_GMAX, Lab, load_lab
from workbench.ui.workspace import Workspace

REPO = Path(__file__).resolve().parents[3]


def test_every_lab_loads_clean_with_short_instructions():
    assert list(LABS) == ["izhikevich_patterns", "lif_fi_curve", "coba", "stdp_poisson",
                          "rate_network"]
    for key, lab in LABS.items():
        assert isinstance(lab, Lab) and lab.key == key and lab.title
        assert 3 <= len(lab.instructions.strip().splitlines()) <= 8, key
        ws = load_lab(key)
        assert isinstance(ws, Workspace)
        assert ws.problems() == {}, key
        data = json.loads(json.dumps(ws.to_dict()))            # JSON-able, round trips
        assert Workspace.from_dict(data).to_dict() == ws.to_dict()
        ws.check_size(200 * 2**20)                              # small enough to run live
    ws = load_lab("coba")
    ws.network.update_population("exc", size=1)                 # a copy: the lab is unchanged
    assert LABS["coba"].workspace["network"]["populations"][0]["size"] == 3200
    with pytest.raises(WorkspaceError, match="no lab named 'cobaa'; the labs are"):
        load_lab("cobaa")


def run_lab(key: str, duration: float = 200.0):
    built = load_lab(key).build()
    built.net.compile()
    built.simulate(duration)
    return built


def spike_counts(monitor) -> np.ndarray:
    spikes = monitor.get("spike", keep=True)
    return np.array([len(spikes.get(i, ())) for i in range(len(monitor.ranks))])


def test_izhikevich_lab_shows_five_different_patterns():
    built = run_lab("izhikevich_patterns")
    counts = {cell: int(spike_counts(built.monitors[cell])[0]) for cell in IZHIKEVICH_CELLS}
    assert all(n > 0 for n in counts.values()), counts
    assert len(set(counts.values())) == 5, counts             # five different patterns
    assert max(counts, key=counts.get) == "FS", counts          # fast spiking fires most
    for cell in IZHIKEVICH_CELLS:                               # nothing before the step
        steps = built.monitors[cell].get("spike", keep=True)[0]
        assert min(steps) * built.net.dt >= 50.0
    v = built.monitors["RS"].get("v")
    assert v.shape == (2000, 1)
    assert v[:500].max() < -60.0 < v[500:].max()               # at rest until the step


def test_lif_lab_traces_the_f_i_curve():
    built = run_lab("lif_fi_curve")
    rates = spike_counts(built.monitors["lif"]) / 0.2
    currents = np.array(FI_CURRENTS)
    assert np.all(np.diff(rates) >= 0), rates                   # non-decreasing with I
    assert np.all(rates[currents <= 15.0] == 0)                 # below the rheobase R*I = 15
    assert np.all(rates[currents > 15.0] > 0)
    # the closed form for the fastest: 1 / (t_ref + tau * ln(RI / (RI - 15)))
    i = currents[-1]
    assert rates[-1] == pytest.approx(1000.0 / (2.0 + 10.0 * np.log(i / (i - 15.0))), rel=0.1)


def test_coba_lab_is_asynchronous_at_a_plausible_rate():
    built = run_lab("coba")
    for name in ("exc", "inh"):
        rate = spike_counts(built.monitors[name]).mean() / 0.2
        assert 5.0 < rate < 60.0, (name, rate)
    assert built.projections["ee"].nb_synapses == pytest.approx(0.02 * 3200**2, rel=0.02)


def test_stdp_lab_learns_within_bounds():
    built = run_lab("stdp_poisson")
    assert spike_counts(built.monitors["neuron"])[0] > 0
    w = np.asarray(built.projections["stdp"].w, dtype=float).ravel()
    assert w.shape == (1000,) and w.min() >= 0.0 and w.max() <= SONG_GMAX
    initial = np.asarray(load_lab("stdp_poisson").build().projections["stdp"].w).ravel()
    assert not np.array_equal(w, initial)                       # the weights moved


def test_rate_lab_reaches_a_steady_state():
    built = run_lab("rate_network")
    for name in ("E", "I"):
        r = built.monitors[name].get("r").mean(axis=1)          # mean rate, one per ms
        late, later = r[100:150].mean(), r[150:200].mean()
        assert later > 0.1, (name, later)
        assert abs(later - late) < 0.05 * later, (name, late, later)


def test_the_izhikevich_lab_exported_as_a_script_runs_alone_and_agrees(tmp_path):
    ws = load_lab("izhikevich_patterns")
    ws.run = {**ws.run, "duration": 200.0}
    built = ws.build()
    built.net.compile()
    built.simulate(200.0)
    expected = {cell: int(spike_counts(built.monitors[cell])[0]) for cell in IZHIKEVICH_CELLS}
    path = tmp_path / "lab.py"
    path.write_text(ws.to_script())
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    for cell, n in expected.items():
        assert f"{cell}: {n} spikes," in out.stdout, out.stdout
