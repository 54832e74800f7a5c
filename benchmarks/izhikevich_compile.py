"""Cold vs warm compile time and simulation time: 10,000 Izhikevich neurons, 1 s.

Each measurement runs in a fresh Python process so that "warm" really means
"machine code loaded from the on-disk cache by a new process":

- cold: an empty cache folder (code generated, written and compiled by Numba);
- warm: the same folder again (generated module and machine code found).

Usage: python benchmarks/izhikevich_compile.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap

CHILD = textwrap.dedent("""
    import json, time
    t_start = time.perf_counter()
    import numpy as np
    from engine import Network, Izhikevich
    t_import = time.perf_counter()
    net = Network(dt=0.1, seed=1)
    pop = net.create(10_000, neuron=Izhikevich)
    pop.i_offset = np.random.default_rng(0).uniform(0.0, 15.0, 10_000)
    m = net.monitor(pop, 'spike')
    t_build = time.perf_counter()
    net.compile()
    t_compile = time.perf_counter()
    net.simulate(1000.0)
    t_sim = time.perf_counter()
    n_spikes = sum(len(s) for s in m.get('spike').values())
    print(json.dumps(dict(import_s=t_import - t_start, build_s=t_build - t_import,
                          compile_s=t_compile - t_build, jit_s=net.timings['jit'],
                          simulate_s=t_sim - t_compile, total_s=t_sim - t_start,
                          rate_hz=n_spikes / 10_000 / 1.0)))
""")


def run_child(cache: str) -> dict:
    env = dict(os.environ, NEUROWORKBENCH_CACHE_DIR=cache,
               NUMBA_THREADING_LAYER=os.environ.get("NUMBA_THREADING_LAYER", "workqueue"))
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rows = {"cold": [], "warm": []}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as cache:
            rows["cold"].append(run_child(cache))
            rows["warm"].append(run_child(cache))
    keys = ["import_s", "build_s", "compile_s", "jit_s", "simulate_s", "total_s"]
    print(f"10,000 Izhikevich neurons, dt 0.1 ms, 1 s; medians of {args.repeats} fresh processes")
    print(f"| cache | {' | '.join(keys)} | rate (Hz) |")
    print("|---|" + "---|" * (len(keys) + 1))
    for kind, rs in rows.items():
        med = {k: statistics.median(r[k] for r in rs) for k in keys + ["rate_hz"]}
        print(f"| {kind} | " + " | ".join(f"{med[k]:.3f}" for k in keys)
              + f" | {med['rate_hz']:.1f} |")


if __name__ == "__main__":
    main()
