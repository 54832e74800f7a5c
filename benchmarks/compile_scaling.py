"""Compile time against network size, edits and warm starts (issue Engine VIII).

Every figure is one fresh Python process (so "cold" really means empty caches
and "warm" really means machine code loaded from disk by a new process):

- ``same model``: N Izhikevich populations of 10 neurons, each with its own
  ``a``, each monitored for spikes and ``v`` (the issue's table);
- ``distinct models``: the same, but each population has its own model (a
  different constant in its equations): nothing can be shared;
- ``cortical column``: a Potjans-Diesmann-sized network (8 populations of
  leaky integrate-and-fire neurons, 64 projections with fixed probability,
  one Poisson input per population, a spike monitor per population), at 1 %
  of the real size (the size does not change the code);
- ``edit``: the 12-population network compiled once, then one population's
  equation changed and compiled again, in a new process or in the same one
  (as in the web app: Numba is already initialised);
- ``warm``: the 12-population network again in a new process (everything
  cached): the whole start, import to first step.

Columns: ``first`` = both caches empty (the generated kernels and the
engine's own static kernels, as on a fresh machine); ``cold`` = generated
kernels not cached, the engine's static kernels cached (every later new
network); ``import``/``build``/``compile``: seconds. Peers: with
``--annarchy`` and ``.venv-peers`` installed, ANNarchy 5 compiles the same
same-model networks in the same run (its figures are slow: 20-45 s each).

``--anatomy`` measures where the compile time of the former design (one
fused function taking every array of the network) went: a function with K
array arguments and one statement per array, compiled by Numba, its stages
timed (type inference, lowering = LLVM optimisation and machine code).

Usage: python benchmarks/compile_scaling.py [--sizes 1 3 6 12] [--annarchy]
       python benchmarks/compile_scaling.py --anatomy
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import json, sys, time
    t_start = time.perf_counter()
    import numpy as np
    from engine import Network, Neuron, Izhikevich, IF_curr_exp, PoissonPopulation
    t_import = time.perf_counter()
    kind, n, variant = sys.argv[1], int(sys.argv[2]), sys.argv[3]

    def izhikevich_variant(k):
        # Izhikevich's equations with a constant of its own (0.04 + k * 1e-6)
        return Neuron(
            parameters="a = 0.02\\nb = 0.2\\nc = -65.0\\nd = 8.0\\ni_offset = 10.0",
            equations=f\"\"\"
                dv/dt = {0.04 + k * 1e-6!r} * v * v + 5.0 * v + 140.0 - u + i_offset + g_exc - g_inh : init = -65.0
                du/dt = a * (b * v - u) : init = -13.0
            \"\"\",
            spike="v >= 30.0", reset="v = c\\nu += d", name=f"izh{k}")

    net = Network(dt=0.1, seed=1)
    if kind == "column":
        sizes = [206, 58, 219, 54, 48, 11, 144, 30]   # 1 % of Potjans & Diesmann
        pops = [net.create(s, neuron=IF_curr_exp, name=f"L{k}") for k, s in enumerate(sizes)]
        for p in pops:
            inp = net.create(PoissonPopulation(p.size, rates=8.0), name=f"in_{p.name}")
            net.connect(inp, p, "exc").one_to_one(weights=0.2)
        for a in pops:
            for b in pops:
                proj = net.connect(a, b, "exc" if a.name[-1] in "0246" else "inh")
                proj.fixed_probability(0.1, weights=0.1, delays=1.5)
        for p in pops:
            net.monitor(p, "spike")
    else:
        edit = variant == "edit"
        for k in range(n):
            if kind == "distinct" or (edit and k == n - 1):
                model = izhikevich_variant(k + (1000 if edit else 0))
            else:
                model = Izhikevich
            p = net.create(10, neuron=model)
            p.a = 0.02 + 0.001 * k
            net.monitor(p, ["spike", "v"])
    t_build = time.perf_counter()
    net.compile()
    t_compile = time.perf_counter()
    net.simulate(10.0)
    t_sim = time.perf_counter()
    if variant == "live_edit":
        # the web app's case: the same process builds the edited network
        net = Network(dt=0.1, seed=1)
        for k in range(n):
            p = net.create(10, neuron=izhikevich_variant(2000) if k == n - 1 else Izhikevich)
            net.monitor(p, ["spike", "v"])
        t0 = time.perf_counter()
        net.compile()
        t_build, t_compile = t0, time.perf_counter()
    print(json.dumps(dict(import_s=t_import - t_start, build_s=t_build - t_import,
                          compile_s=t_compile - t_build, total_s=t_sim - t_start,
                          kernels=net.timings.get("kernels"),
                          unique=net.timings.get("unique_kernels"))))
""")


ANATOMY = textwrap.dedent("""
    import json, sys, time
    import numba, numpy as np
    k = int(sys.argv[1])
    names = [f"a{i}" for i in range(k)]
    body = "\\n".join(f"        {n}[0] += 1.0" for n in names)
    src = (f"def run(n, {', '.join(names)}):\\n    s = 0\\n    while s < n:\\n{body}\\n"
           "        s += 1\\n    return s\\n")
    ns = {}
    exec(compile(src, "<anatomy>", "exec"), ns)   # our own text, not user input
    f = numba.njit(ns["run"])
    arrays = [np.zeros(3) for _ in range(k)]
    t0 = time.perf_counter()
    f(1, *arrays)
    total = time.perf_counter() - t0
    times = next(iter(f.overloads.values())).metadata["pipeline_times"]["nopython"]
    stage = lambda key: sum(v.run for n, v in times.items() if key in n)
    print(json.dumps(dict(total=total, typing=stage("type_inference"),
                          lowering=stage("native_lowering"))))
""")


def anatomy():
    print("One function, K array arguments, one statement per array (fresh processes)")
    print("| K arrays | compile (s) | type inference | lowering (LLVM) |")
    print("|---|---|---|---|")
    for k in (15, 60, 120, 240, 480):
        out = subprocess.run([sys.executable, "-c", ANATOMY, str(k)], capture_output=True,
                             text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {k} | {r['total']:.2f} | {r['typing']:.2f} | {r['lowering']:.2f} |")


def run_child(kind: str, n: int, variant: str, cache: str, numba_cache: str | None) -> dict:
    env = dict(os.environ, NEUROWORKBENCH_CACHE_DIR=cache,
               NUMBA_THREADING_LAYER=os.environ.get("NUMBA_THREADING_LAYER", "workqueue"),
               PYTHONPATH=str(ROOT))
    env.pop("NUMBA_CACHE_DIR", None)
    if numba_cache is not None:
        env["NUMBA_CACHE_DIR"] = numba_cache
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(n), variant], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 6, 12])
    ap.add_argument("--annarchy", action="store_true",
                    help="also time ANNarchy 5 (needs .venv-peers; slow)")
    ap.add_argument("--anatomy", action="store_true",
                    help="where the compile time of one many-argument function goes")
    args = ap.parse_args()
    if args.anatomy:
        anatomy()
        return
    rows = []

    def row(label, kind, n, variant="", first=True):
        with tempfile.TemporaryDirectory() as cache:
            res = {}
            if first:
                with tempfile.TemporaryDirectory() as numba_cache:
                    res["first"] = run_child(kind, n, variant, cache, numba_cache)
                # the generated kernels again, without their cache, static kernels cached
            with tempfile.TemporaryDirectory() as cache2:
                run_child(kind, n, variant, cache2, None)   # static kernels into the cache
            with tempfile.TemporaryDirectory() as cache3:
                res["cold"] = run_child(kind, n, variant, cache3, None)
                res["warm"] = run_child(kind, n, variant, cache3, None)
        rows.append((label, res))
        print(f"{label}: " + ", ".join(f"{k} {v['compile_s']:.2f} s" for k, v in res.items()),
              file=sys.stderr)
        return res

    for n in args.sizes:
        row(f"same model x {n}", "same", n, first=(n == args.sizes[0]))
    for n in args.sizes:
        row(f"distinct models x {n}", "distinct", n, first=False)
    row("cortical column: 8 populations, 72 projections", "column", 8, first=False)
    # edit: compile 12, then edit one population's equation in a new process
    n = max(args.sizes)
    with tempfile.TemporaryDirectory() as cache:
        base = run_child("same", n, "", cache, None)
        edited = run_child("same", n, "edit", cache, None)
    rows.append((f"edit 1 of {n} populations, new process", {"cold": base, "edit": edited}))
    with tempfile.TemporaryDirectory() as cache:
        live = run_child("same", n, "live_edit", cache, None)
    rows.append((f"edit 1 of {n} populations, same process (the app)",
                 {"cold": base, "edit": live}))

    print("\nCompile time (s), fresh processes, dt 0.1 ms; N populations of 10 neurons")
    print("| network | kernels (unique) | first | cold | warm compile | warm total |")
    print("|---|---|---|---|---|---|")
    for label, res in rows:
        ref = res.get("cold") or res.get("edit")
        first = f"{res['first']['compile_s']:.2f}" if "first" in res else ""
        cold = f"{res['cold']['compile_s']:.2f}" if "cold" in res else ""
        if "edit" in res:
            cold += f" -> edit {res['edit']['compile_s']:.2f}"
        warm = res.get("warm")
        print(f"| {label} | {ref['kernels']} ({ref['unique']}) | {first} | {cold} | "
              + (f"{warm['compile_s']:.2f} | {warm['total_s']:.2f} |" if warm else " | |"))
    same = [(int(l.split("x ")[1]), r["cold"]["compile_s"]) for l, r in rows
            if l.startswith("same model")]
    dist = [(int(l.split("x ")[1]), r["cold"]["compile_s"]) for l, r in rows
            if l.startswith("distinct")]
    if len(same) > 1:
        (n0, c0), (n1, c1) = same[0], same[-1]
        print(f"\nper added population, same model: {(c1 - c0) / (n1 - n0):.3f} s")
    if len(dist) > 1:
        (n0, c0), (n1, c1) = dist[0], dist[-1]
        print(f"per added population, distinct models: {(c1 - c0) / (n1 - n0):.3f} s")
    if args.annarchy:
        annarchy_rows(args.sizes)


def annarchy_rows(sizes):
    """ANNarchy 5 on the same-model networks (each in a fresh folder)."""
    peers = ROOT / ".venv-peers" / "bin" / "python"
    if not peers.exists():
        print("\n(ANNarchy: .venv-peers not installed; bash benchmarks/install_peers.sh)")
        return
    script = ROOT / "benchmarks" / "peers" / "compile_scaling_annarchy.py"
    print("\n| populations | ANNarchy 5 compile (s) |\n|---|---|")
    for n in sizes:
        env = dict(os.environ, PATH=f"{peers.parent}:{os.environ['PATH']}")
        with tempfile.TemporaryDirectory() as folder:
            out = subprocess.run([str(peers), str(script), "--n", str(n), "--folder", folder],
                                 env=env, capture_output=True, text=True, cwd=folder)
        if out.returncode != 0:
            print(f"| {n} | failed: {out.stderr.strip().splitlines()[-1][:80]} |")
            continue
        res = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {n} | {res['compile_s']:.1f} |")


if __name__ == "__main__":
    main()
