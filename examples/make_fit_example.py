"""Write the Fit lab's example recording, workbench/ui/data/fit_example.csv.

    python examples/make_fit_example.py

An adaptive exponential integrate-and-fire neuron (the engine's
``EIF_cond_exp_isfa_ista``, PyNN's AdEx) with known adaptation parameters,
``a = 6.0`` nS and ``b = 0.1`` nA (the defaults are 4.0 and 0.0805), under
three current steps of 0.7, 1.0 and 1.3 nA from 50 to 450 ms, simulated at
dt = 0.01 ms, recorded every 0.1 ms, with Gaussian noise of 0.5 mV (seed 7).
Columns: ``t (ms)`` and one voltage column (mV) per sweep, named by its
amplitude (``I=0.7``) so the Fit tab reads the amplitudes from the names.
The lab states the true values once the fit has ended (TRUE_VALUES).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

import engine as ann  # noqa: E402

TRUE_VALUES = {"a": 6.0, "b": 0.1}
AMPLITUDES = (0.7, 1.0, 1.3)
START_MS, STOP_MS, DURATION_MS = 50.0, 450.0, 500.0
OUT = Path(__file__).resolve().parents[1] / "workbench" / "ui" / "data" / "fit_example.csv"


def traces() -> np.ndarray:
    net = ann.Network(dt=0.01, seed=7)
    pop = net.create(len(AMPLITUDES), ann.EIF_cond_exp_isfa_ista(**TRUE_VALUES))
    mon = net.monitor(pop, "v", period=0.1)
    net.compile()
    net.simulate(START_MS)
    pop.i_offset = list(AMPLITUDES)
    net.simulate(STOP_MS - START_MS)
    pop.i_offset = 0.0
    net.simulate(DURATION_MS - STOP_MS)
    return mon.get("v").T


def main() -> None:
    v = traces()
    v = v + np.random.default_rng(7).normal(0.0, 0.5, v.shape)
    t = np.arange(v.shape[1]) * 0.1
    header = ",".join(["t (ms)"] + [f"I={a}" for a in AMPLITUDES])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    np.savetxt(tmp, np.column_stack([t, v.T]), delimiter=",", header=header, comments="",
               fmt="%.3f")
    os.replace(tmp, OUT)
    print(f"wrote {OUT} ({v.shape[0]} sweeps of {v.shape[1]} samples)")


if __name__ == "__main__":
    main()
