"""SONATA networks at scale: build, save and read, ours and BMTK's, printed as tables.

    python benchmarks/sonata_scale.py                 # 100k nodes, ~10M edges (~1 min)
    python benchmarks/sonata_scale.py --nodes 20000   # smaller

1. Ours: ``NetworkBuilder`` with a probability rule (p = edges / nodes^2),
   ``save`` (nodes and edges h5 with both indices, type CSVs), ``read_nodes``
   and ``read_edges``; wall time and the process's peak memory growth, per
   edge.
2. BMTK 1.x's ``NetworkBuilder`` on the same kind of network is run where it
   fits: BMTK calls a Python rule once per pair, so it is measured on a
   smaller network (``--bmtk-nodes``, default 2,000: 4M pairs), beside ours
   on the same size. Loading into NEST is not measured (NEST is not
   installed in this environment).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.sonata import NetworkBuilder, read_edges, read_nodes  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def ours(nodes: int, p: float, out: Path) -> dict:
    row, base = {}, peak_mb()
    t0 = time.perf_counter()
    net = NetworkBuilder("net", seed=1)
    net.add_nodes(N=nodes, model_type="point_neuron", model_template="nest:iaf_psc_delta")
    net.add_edges(connection_rule=p, syn_weight=1.0, delay=1.5, model_template="static_synapse")
    net.build()
    row["build"] = time.perf_counter() - t0
    row["edges"] = int(net.edges()[0][1].size)
    t0 = time.perf_counter()
    net.save(str(out))
    row["save"] = time.perf_counter() - t0
    del net
    t0 = time.perf_counter()
    read_nodes(out / "net_nodes.h5", out / "net_node_types.csv")
    [edges] = read_edges(out / "net_net_edges.h5", out / "net_net_edge_types.csv")
    row["read"] = time.perf_counter() - t0
    assert edges.size == row["edges"]
    row["peak_mb"] = peak_mb() - base
    row["mb_file"] = (out / "net_net_edges.h5").stat().st_size / 2**20
    return row


def bmtk(nodes: int, p: float, out: Path) -> dict | None:
    try:
        from bmtk.builder import NetworkBuilder as BmtkBuilder
    except ImportError:
        return None
    rng = np.random.default_rng(1)
    row, base = {}, peak_mb()
    t0 = time.perf_counter()
    net = BmtkBuilder("net")
    net.add_nodes(N=nodes, model_type="point_neuron", model_template="nest:iaf_psc_delta")
    net.add_edges(source=net.nodes(), target=net.nodes(),
                  connection_rule=lambda s, t: 1 if rng.random() < p else 0,
                  syn_weight=1.0, delay=1.5, model_template="static_synapse")
    net.build()
    row["build"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.save(output_dir=str(out))
    row["save"] = time.perf_counter() - t0
    [edges] = read_edges(out / "net_net_edges.h5", out / "net_net_edge_types.csv")
    row["edges"] = edges.size
    row["read"] = float("nan")
    row["peak_mb"] = peak_mb() - base
    row["mb_file"] = (out / "net_net_edges.h5").stat().st_size / 2**20
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--edges", type=float, default=1e7)
    ap.add_argument("--bmtk-nodes", type=int, default=2_000)
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} CPUs; one population, probability rule, one edge type\n")
    print("| builder | nodes | edges | build s | save s | read s | peak MB | bytes/edge "
          "(memory) | edges file MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        small_p = args.edges / args.nodes**2 * (args.nodes / args.bmtk_nodes) ** 2 / 100
        small_p = min(small_p, 0.05)
        rows.append(("bmtk", args.bmtk_nodes, bmtk(args.bmtk_nodes, small_p, Path(tmp) / "b")))
        rows.append(("ours", args.bmtk_nodes, ours(args.bmtk_nodes, small_p, Path(tmp) / "s")))
        rows.append(("ours", args.nodes, ours(args.nodes, args.edges / args.nodes**2,
                                              Path(tmp) / "o")))
    for name, n, r in rows:
        if r is None:
            print(f"| {name} | {n:,} | (bmtk not installed) |||||||")
            continue
        per_edge = r["peak_mb"] * 2**20 / max(r["edges"], 1)
        print(f"| {name} | {n:,} | {r['edges']:,} | {r['build']:.2f} | {r['save']:.2f} | "
              f"{r['read']:.2f} | {r['peak_mb']:.0f} | {per_edge:.0f} | {r['mb_file']:.1f} |")


if __name__ == "__main__":
    main()
