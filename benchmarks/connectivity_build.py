"""Building connectivity: seconds with 1 and 2 threads, peak memory, bytes per synapse.

Every measurement runs in a fresh Python process, so that the peak resident
memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) belongs to that build
alone. The process first builds a tiny projection with the same connector so
that the Numba kernels are compiled (or loaded from the cache) before the
clock starts; the time reported is the ``build_connectivity`` call alone.

bytes/synapse = (row_ptr + col + weight array bytes) / synapses (a scalar
weight costs nothing per synapse; delays are not counted: uniform here).
"cpu s" is the process CPU time of the 2-thread build (page faults included);
"load" the 1-minute load average when the build ended: the machine has two
cores, so timings taken while other work runs (load > 1) are not clean.

The headline case is the COBA network at 64k neurons with p = 0.02: 82M
synapses, pre 64k -> post 64k, rows='pre', float32 weights (target: at most
5 s and 1.5 GB peak, and at least 1.5x faster with 2 threads than with 1).

Usage: NUMBA_THREADING_LAYER=workqueue python benchmarks/connectivity_build.py
       [--quick] [--only NAME] [--repeats N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import json, os, resource, sys, time
    import numpy as np
    from engine.runtime.connectivity import build_connectivity, csr_transpose
    from engine.language.random_draws import Uniform, Normal
    case = json.loads(sys.argv[1])
    threads = int(sys.argv[2])

    def kwargs(spec):
        out = {}
        for k, v in spec.items():
            if isinstance(v, list) and v and v[0] in ("Uniform", "Normal"):
                v = {"Uniform": Uniform, "Normal": Normal}[v[0]](*v[1:])
            elif isinstance(v, str) and v == "dense":
                v = np.random.default_rng(1).uniform(0, 1, (int(np.prod(case["post"])),
                                                           int(np.prod(case["pre"]))))
            out[k] = v
        return out

    prec = np.float32 if case["precision"] == "float32" else np.float64
    small = {k: (min(v, 5) if k == "number" else v) for k, v in case["kwargs"].items()}
    # large enough that every kernel of the path runs (fill passes, weights)
    warm_pre = [min(g, 400 if len(case["pre"]) == 1 else 16) for g in case["pre"]]
    warm_post = [min(g, 400 if len(case["post"]) == 1 else 16) for g in case["post"]]
    if case["kwargs"].get("weights") == "dense":
        small["weights"] = np.ones((int(np.prod(warm_post)), int(np.prod(warm_pre))))
    warm = build_connectivity(case["method"], tuple(warm_pre), tuple(warm_post), case["rows"],
                              np.random.default_rng(0), case["same"], prec, threads,
                              **kwargs(small))
    if case.get("transpose"):
        csr_transpose(warm, num_threads=threads)
    kw = kwargs(case["kwargs"])
    rng = np.random.default_rng(1234)
    t0, c0 = time.perf_counter(), time.process_time()
    csr = build_connectivity(case["method"], tuple(case["pre"]), tuple(case["post"]),
                             case["rows"], rng, case["same"], prec, threads, **kw)
    t_build, cpu_build = time.perf_counter() - t0, time.process_time() - c0
    t_tr = None
    if case.get("transpose"):
        t0 = time.perf_counter()
        tr = csr_transpose(csr, num_threads=threads)
        t_tr = time.perf_counter() - t0
        assert tr.nnz == csr.nnz
        del tr
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    nnz = csr.nnz
    wb = csr.w.nbytes if isinstance(csr.w, np.ndarray) else 0
    print(json.dumps(dict(seconds=t_build, cpu_seconds=cpu_build, transpose_seconds=t_tr,
                          nnz=nnz, load=os.getloadavg()[0],
                          peak_rss_mb=peak_kb / 1024.0,
                          bytes_per_synapse=(csr.row_ptr.nbytes + csr.col.nbytes + wb)
                          / max(nnz, 1))))
""")

K64 = 64000  # Brian2's COBA at 64k: 64,000 neurons, p = 0.02 -> 82M synapses

CASES = [
    # the headline: COBA 64k, p = 0.02, float32 weights (one value per synapse)
    dict(name="coba64k_p0.02_w32", method="fixed_probability", pre=[K64], post=[K64], rows="pre",
         same=True, precision="float32",
         kwargs=dict(probability=0.02, weights=0.6, force_multiple_weights=True)),
    dict(name="coba64k_p0.02_uniform32", method="fixed_probability", pre=[K64], post=[K64],
         rows="pre", same=True, precision="float32",
         kwargs=dict(probability=0.02, weights=["Uniform", 0.0, 1.0])),
    dict(name="coba64k_p0.02_scalar", method="fixed_probability", pre=[K64], post=[K64],
         rows="pre", same=True, precision="float32",
         kwargs=dict(probability=0.02, weights=0.6)),
    dict(name="coba64k_p0.02_normal64", method="fixed_probability", pre=[K64], post=[K64],
         rows="pre", same=True, precision="float64",
         kwargs=dict(probability=0.02, weights=["Normal", 0.5, 0.1])),
    dict(name="coba4k_p0.02", method="fixed_probability", pre=[4000], post=[4000], rows="pre",
         same=True, precision="float64", kwargs=dict(probability=0.02, weights=0.6,
                                                     force_multiple_weights=True)),
    dict(name="coba64k_80in_fnpre", method="fixed_number_pre", pre=[K64], post=[K64],
         rows="pre", same=True, precision="float32",
         kwargs=dict(number=80, weights=["Uniform", 0.0, 1.0])),
    dict(name="coba64k_80out_fnpost", method="fixed_number_post", pre=[K64], post=[K64],
         rows="pre", same=True, precision="float32",
         kwargs=dict(number=80, weights=["Uniform", 0.0, 1.0])),
    dict(name="izhikevich1k_all_to_all", method="all_to_all", pre=[1000], post=[1000],
         rows="pre", same=True, precision="float64",
         kwargs=dict(weights=["Uniform", 0.0, 1.0], allow_self_connections=True)),
    dict(name="all_to_all_8k", method="all_to_all", pre=[8000], post=[8000], rows="post",
         same=True, precision="float32", kwargs=dict(weights=["Uniform", 0.0, 1.0])),
    dict(name="one_to_one_1M", method="one_to_one", pre=[1_000_000], post=[1_000_000],
         rows="pre", same=False, precision="float64", kwargs=dict(weights=1.0)),
    dict(name="gaussian_64x64", method="gaussian", pre=[64, 64], post=[64, 64], rows="post",
         same=True, precision="float32", kwargs=dict(amp=1.0, sigma=0.1)),
    dict(name="dog_64x64", method="dog", pre=[64, 64], post=[64, 64], rows="post", same=True,
         precision="float32",
         kwargs=dict(amp_pos=1.0, sigma_pos=0.1, amp_neg=0.5, sigma_neg=0.3)),
    dict(name="from_matrix_4k", method="from_matrix", pre=[4000], post=[4000], rows="pre",
         same=False, precision="float64", kwargs=dict(weights="dense")),
    dict(name="transpose_coba64k", method="fixed_probability", pre=[K64], post=[K64],
         rows="pre", same=True, precision="float32", transpose=True,
         kwargs=dict(probability=0.02, weights=0.6, force_multiple_weights=True)),
]
QUICK = {"coba4k_p0.02", "coba64k_80in_fnpre", "izhikevich1k_all_to_all", "gaussian_64x64",
         "one_to_one_1M"}


def run(case, threads):
    env = dict(os.environ)
    env.setdefault("NUMBA_THREADING_LAYER", "workqueue")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(case), str(threads)],
                         capture_output=True, text=True, env=env, cwd=root)
    if out.returncode != 0:
        raise RuntimeError(f"{case['name']} ({threads} threads) failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small cases only")
    ap.add_argument("--only", help="run the cases whose name contains this text")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    ap.add_argument("--repeats", type=int, default=1,
                    help="fresh processes per measurement; the fastest is kept (default 1)")
    args = ap.parse_args()
    cases = [c for c in CASES if (not args.quick or c["name"] in QUICK)
             and (not args.only or args.only in c["name"])]
    head = (f"{'case':24s} {'method':20s} {'N pre x post':>15s} {'synapses':>12s} "
            f"{'1 thread s':>10s} {'2 threads s':>11s} {'speed-up':>8s} {'cpu s (2 thr)':>13s} "
            f"{'peak RSS MB':>11s} {'B/syn':>6s} {'load':>5s}")
    print(head)
    print("-" * len(head))
    results = []
    for case in cases:
        key = "transpose_seconds" if case.get("transpose") else "seconds"
        r1 = min((run(case, 1) for _ in range(args.repeats)), key=lambda r: r[key])
        r2 = min((run(case, 2) for _ in range(args.repeats)), key=lambda r: r[key])
        n = f"{'x'.join(map(str, case['pre']))} x {'x'.join(map(str, case['post']))}"
        method = case["method"] + (" + transpose" if case.get("transpose") else "")
        peak = max(r1["peak_rss_mb"], r2["peak_rss_mb"])
        print(f"{case['name']:24s} {method:20s} {n:>15s} {r1['nnz']:>12,d} {r1[key]:>10.3f} "
              f"{r2[key]:>11.3f} {r1[key] / max(r2[key], 1e-9):>7.2f}x "
              f"{r2['cpu_seconds']:>13.2f} {peak:>11.0f} {r1['bytes_per_synapse']:>6.2f} "
              f"{max(r1['load'], r2['load']):>5.1f}", flush=True)
        results.append(dict(case=case["name"], one_thread=r1, two_threads=r2))
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
