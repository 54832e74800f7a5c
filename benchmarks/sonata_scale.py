"""SONATA networks at scale: build, save, read, load and first run, ours
against BMTK (+ NEST), printed as tables.

    python benchmarks/sonata_scale.py                  # 100k nodes, ~10M edges (~8 min)
    python benchmarks/sonata_scale.py --nodes 20000    # smaller (edges scale with nodes^2)
    python benchmarks/sonata_scale.py --peer-python /work/nest-venv/bin/python

The network (``make_network``): ``--nodes`` ``nest:iaf_psc_delta`` cells
(NEST's defaults), 80 % excitatory and 20 % inhibitory, every pair connected
with probability p = edges / nodes^2 (two edge types: excitatory sources
0.2 mV, inhibitory sources -1.0 mV, both delay 1.5 ms; ~100 inputs per
cell at 10M edges), and ten current clamps (``IClamp``), one per tenth of
the cells (a random per-node ``drive`` k = 0..9, node sets ``drive_k``),
of 380 + 10 k pA (a bare cell's threshold is 375 pA) from 10 + k ms for
80 ms, so every cell is driven and the recurrent inhibition shapes the
activity. It is saved with a ``config.json`` (run: 100 ms at dt 0.1) that
both runners read. The spike counts are printed, and the two spike files
compared (node, time step), so peers can be checked against each other.

Stages, each in its own process (``--stage``), so that each reports its own
peak memory:

1. **build** (ours): ``NetworkBuilder`` with the probability rule, ``build``,
   ``save`` (nodes and edges h5 with both indices, type CSVs), then
   ``read_nodes``/``read_edges`` of the files.
2. **load + first run** (ours, ``--stage run``): ``PointNetwork.from_config``
   (reading the files), ``PointSimulator.from_config`` (cell populations,
   edges installed with ``from_arrays``, clamps, spike monitors), then
   ``sim.net.compile()`` and ``sim.run()`` (100 ms). Run twice: with empty
   code caches (a fresh ``NEUROWORKBENCH_CACHE_DIR`` and ``NUMBA_CACHE_DIR``:
   a first run ever) and again with the caches that run filled.
3. **BMTK + NEST** (``benchmarks/peers/sonata_bmtk_nest.py`` in the NEST
   venv, ``--peer-python``, default ``/work/nest-venv/bin/python`` when it
   exists): BMTK 1.x's ``pointnet`` loads the same files into NEST
   (``PointNetwork.from_config`` + ``PointSimulator.from_config``: nodes
   and edges created in NEST) and runs 100 ms. It runs under a time and a
   memory cap (``--peer-timeout``, ``--peer-max-rss-mb``); if it is
   stopped, it is measured again at ``--fallback-edges`` (nodes scaled to
   keep ~100 inputs per cell), beside ours at that size.
4. BMTK 1.x's ``NetworkBuilder`` on the same kind of network, where it fits:
   it calls a Python rule once per pair, so it runs on ``--bmtk-nodes``
   (default 2,000: 4M pairs), beside ours at that size (main venv, when
   ``bmtk`` is importable there, else the peer venv).

Memory: every stage process reads its own ``ru_maxrss`` (peak resident
size) after its imports and after each step; "peak MB" is the growth of
that peak during the step (what the step added to the process's high-water
mark) and "B/edge" that growth per edge. "process peak" is the whole
process's peak (interpreter and libraries included). All single thread
(the engine's default ``num_threads=1``, NEST's ``local_num_threads=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

PEER_SCRIPT = HERE / "peers" / "sonata_bmtk_nest.py"
DEFAULT_PEER_PYTHON = Path("/work/nest-venv/bin/python")

# the network (see the module docstring)
EXC_FRACTION = 0.8
W_EXC, W_INH, DELAY = 0.2, -1.0, 1.5          # mV, mV, ms
CLAMP_AMPS = [380.0 + 10.0 * k for k in range(10)]   # pA, one per drive group
# clamp k is on from CLAMP_DELAY + k ms for CLAMP_DURATION ms (staggered onsets: clamps
# with the same onset on one cell group make PointSimulator.run's sort compare arrays)
CLAMP_DELAY, CLAMP_DURATION = 10.0, 80.0      # ms
TSTOP, DT = 100.0, 0.1
IAF_PARAMS = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "V_th": -55.0,
              "V_reset": -70.0, "I_e": 0.0}   # NEST 3's defaults, written out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(rec: dict) -> None:
    rec["process_peak_mb"] = round(peak_mb(), 1)
    print(json.dumps(rec), flush=True)


class Steps:
    """Wall time and growth of the process's peak memory, step by step."""

    def __init__(self):
        self.rec = {}
        self._t, self._m = time.perf_counter(), peak_mb()
        self.rec["base_mb"] = round(self._m, 1)

    def done(self, name: str) -> None:
        t, m = time.perf_counter(), peak_mb()
        self.rec[f"{name}_s"] = round(t - self._t, 4)
        self.rec[f"{name}_mb"] = round(m - self._m, 1)
        self._t, self._m = time.perf_counter(), m


# ------------------------------------------------------------------------------------------------
# the network and its config

def make_network(builder_cls, nodes: int, p: float, seed: int = 1, bmtk: bool = False):
    """The E/I network of the module docstring, with our builder or BMTK's
    (``bmtk=True``: a Python rule per pair, as BMTK's builder needs)."""
    rng = np.random.default_rng(seed)
    n_exc = int(round(nodes * EXC_FRACTION))
    drive = rng.integers(0, len(CLAMP_AMPS), size=nodes)
    net = builder_cls("net") if bmtk else builder_cls("net", seed=seed)
    for ei, n, d in (("e", n_exc, drive[:n_exc]), ("i", nodes - n_exc, drive[n_exc:])):
        net.add_nodes(N=n, ei=ei, drive=d, model_type="point_neuron",
                      model_template="nest:iaf_psc_delta", dynamics_params="iaf_psc_delta.json")
    rule = (lambda s, t: 1 if rng.random() < p else 0) if bmtk else p
    for ei, w in (("e", W_EXC), ("i", W_INH)):
        net.add_edges(source=net.nodes(ei=ei), target=net.nodes(), connection_rule=rule,
                      syn_weight=w, delay=DELAY, model_template="static_synapse",
                      dynamics_params="static_synapse.json")
    net.build()
    return net


def write_config(folder: Path) -> Path:
    """``folder/config.json`` for the files in ``folder/network``, with the
    components it names (read by ours and, adapted, by BMTK)."""
    comp = folder / "components"
    comp.mkdir(parents=True, exist_ok=True)
    (comp / "iaf_psc_delta.json").write_text(json.dumps(IAF_PARAMS, indent=1))
    (comp / "static_synapse.json").write_text("{}")
    conf = {
        "manifest": {"$BASE_DIR": "${configdir}"},
        "target_simulator": "NEST",
        "run": {"tstop": TSTOP, "dt": DT, "seed": 1},
        "components": {"point_neuron_models_dir": "$BASE_DIR/components",
                       "synaptic_models_dir": "$BASE_DIR/components"},
        "networks": {
            "nodes": [{"nodes_file": "$BASE_DIR/network/net_nodes.h5",
                       "node_types_file": "$BASE_DIR/network/net_node_types.csv"}],
            "edges": [{"edges_file": "$BASE_DIR/network/net_net_edges.h5",
                       "edge_types_file": "$BASE_DIR/network/net_net_edge_types.csv"}]},
        "node_sets": {f"drive_{k}": {"population": "net", "drive": k}
                      for k in range(len(CLAMP_AMPS))},
        "inputs": {f"clamp_{k}": {"input_type": "current_clamp", "module": "IClamp",
                                  "node_set": f"drive_{k}", "amp": amp, "delay": CLAMP_DELAY + k,
                                  "duration": CLAMP_DURATION}
                   for k, amp in enumerate(CLAMP_AMPS)},
        "output": {"output_dir": "$BASE_DIR/output", "log_file": "log.txt",
                   "spikes_file": "spikes.h5", "spikes_sort_order": "time"},
        "reports": {},
    }
    path = folder / "config.json"
    path.write_text(json.dumps(conf, indent=1))
    return path


# ------------------------------------------------------------------------------------------------
# stages (each run in its own process)

def stage_build(folder: Path, nodes: int, p: float) -> dict:
    from workbench.sonata import NetworkBuilder, read_edges, read_nodes

    steps = Steps()
    net = make_network(NetworkBuilder, nodes, p)
    steps.done("build")
    n_edges = sum(int(e[1].size) for e in net.edges())
    net.save(str(folder / "network"))
    write_config(folder)
    steps.done("save")
    del net
    read_nodes(folder / "network" / "net_nodes.h5", folder / "network" / "net_node_types.csv")
    [edges] = read_edges(folder / "network" / "net_net_edges.h5",
                         folder / "network" / "net_net_edge_types.csv")
    steps.done("read")
    assert edges.size == n_edges
    return dict(steps.rec, nodes=nodes, edges=n_edges,
                file_mb=round((folder / "network" / "net_net_edges.h5").stat().st_size / 2**20, 1))


def stage_run(config_path: Path) -> dict:
    import engine  # noqa: F401  (imported before the base line is taken)
    from workbench.sonata import Config, PointNetwork, PointSimulator

    steps = Steps()
    config = Config.from_json(config_path)
    config.build_env()
    network = PointNetwork.from_config(config)
    steps.done("read")
    sim = PointSimulator.from_config(config, network)
    steps.done("install")
    sim.net.compile()
    steps.done("compile")
    sim.run()
    steps.done("simulate")
    t, ids = sim.spikes["net"]
    return dict(steps.rec, peer="ours", nodes=network.n_nodes, edges=network.n_edges,
                spikes=int(t.size), **spike_summary(t, ids, network.n_nodes))


def spike_summary(t, ids, n) -> dict:
    """Spike counts that peers can compare: per 10 ms bin, active cells, and
    the first spike and those before any recurrent input arrives (first
    spike + delay: the clamps alone, deterministic)."""
    t = np.asarray(t, dtype=float)
    first = float(t.min()) if t.size else float("nan")
    return {"first_spike_ms": round(first, 4),
            "spikes_before_recurrence": int((t < first + DELAY).sum()),
            "spikes_per_10ms": np.histogram(t, bins=np.arange(0.0, TSTOP + 10.0, 10.0))[0]
            .tolist(),
            "active_cells": int(np.unique(ids).size),
            "mean_rate_hz": round(t.size / n / (CLAMP_DURATION / 1000.0), 3)}


def stage_bmtk_build(folder: Path, nodes: int, p: float) -> dict | None:
    try:
        from bmtk.builder import NetworkBuilder as BmtkBuilder
    except ImportError:
        return None
    from workbench.sonata import read_edges

    steps = Steps()
    net = make_network(BmtkBuilder, nodes, p, bmtk=True)
    steps.done("build")
    net.save(output_dir=str(folder))
    steps.done("save")
    [edges] = read_edges(folder / "net_net_edges.h5", folder / "net_net_edge_types.csv")
    return dict(steps.rec, nodes=nodes, edges=int(edges.size),
                file_mb=round((folder / "net_net_edges.h5").stat().st_size / 2**20, 1))


# ------------------------------------------------------------------------------------------------
# the driver

class Capped(RuntimeError):
    pass


def run_child(cmd: list[str], env: dict, timeout: float, max_rss_mb: float) -> dict:
    """Run a stage process; its last JSON line, with ``wall_s`` and the
    sampled peak of its process tree (``tree_peak_mb``). Over ``timeout`` s
    or ``max_rss_mb`` it is stopped and :class:`Capped` raised."""
    from benchmarks.peers.run_peer import _tree_rss_mb

    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True,
                                start_new_session=True)
        peak, why = 0.0, None
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mb(proc.pid))
            if peak > max_rss_mb:
                why = f"memory over {max_rss_mb:.0f} MB"
            elif time.perf_counter() - t0 > timeout:
                why = f"time over {timeout:.0f} s"
            if why:
                try:
                    os.killpg(proc.pid, 9)
                except OSError:
                    proc.kill()
                proc.wait()
                raise Capped(f"stopped after {time.perf_counter() - t0:.0f} s "
                             f"({why}; peak {peak:.0f} MB)")
            time.sleep(0.2)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n"
                           + "\n".join(stderr.strip().splitlines()[-30:]))
    rec = json.loads(lines[-1])
    rec["wall_s"] = round(time.perf_counter() - t0, 2)
    rec["tree_peak_mb"] = round(peak, 1)
    return rec


def ours_env(cache: Path) -> dict:
    env = dict(os.environ, NEUROWORKBENCH_CACHE_DIR=str(cache), NUMBA_CACHE_DIR=str(cache),
               NUMBA_THREADING_LAYER="workqueue", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def peer_env(python: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "NUMBA_CACHE_DIR")}
    env["VIRTUAL_ENV"] = str(python.parent.parent)
    env["PATH"] = str(python.parent) + os.pathsep + env.get("PATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return env


def me(*args) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve())] + [str(a) for a in args]


def compare_spikes(ours: Path, peer: Path, dt: float = DT) -> dict:
    """How many (time step, node id) spikes of ours are NEST's, with NEST's
    times shifted back by 0..3 steps; the best shift."""
    from workbench.sonata import read_spikes

    (ta, ia), (tb, ib) = read_spikes(ours)["net"], read_spikes(peer)["net"]
    a = np.round(np.asarray(ta) / dt).astype(np.int64) * (1 << 20) + ia
    best = (0, 0)
    for shift in range(4):
        b = (np.round(np.asarray(tb) / dt).astype(np.int64) - shift) * (1 << 20) + ib
        best = max(best, (int(np.intersect1d(a, b).size), shift), key=lambda x: x[0])
    return {"ours": int(ta.size), "nest": int(tb.size), "same": best[0],
            "nest_later_by_ms": round(best[1] * dt, 6)}


def bytes_per_edge(mb, edges) -> str:
    return f"{mb * 2**20 / max(edges, 1):.0f}"


def measure(folder: Path, nodes: int, edges: float, peer_python: Path | None, args,
            log=print) -> dict:
    """Build (ours), load + run ours cold and warm, load + run BMTK + NEST."""
    p = edges / nodes**2
    out = {"nodes": nodes}
    cache = folder / "cache"
    env = ours_env(cache)
    out["build"] = run_child(me("--stage", "build", "--out", folder, "--nodes", nodes,
                                "--p", repr(p)), env, args.timeout, args.max_rss_mb)
    log(f"  build: {json.dumps(out['build'])}")
    config = folder / "config.json"
    out["cold"] = run_child(me("--stage", "run", "--config", config), env, args.timeout,
                            args.max_rss_mb)
    log(f"  ours, cold caches: {json.dumps(out['cold'])}")
    out["warm"] = run_child(me("--stage", "run", "--config", config), env, args.timeout,
                            args.max_rss_mb)
    log(f"  ours, warm caches: {json.dumps(out['warm'])}")
    if peer_python is not None:
        try:
            out["peer"] = run_child([str(peer_python), str(PEER_SCRIPT), "--config", str(config),
                                     "--workdir", str(folder / "bmtk")], peer_env(peer_python),
                                    args.peer_timeout, args.peer_max_rss_mb)
            log(f"  bmtk+nest: {json.dumps(out['peer'])}")
            out["match"] = compare_spikes(folder / "output" / "spikes.h5",
                                          folder / "bmtk" / "output" / "spikes.h5")
            log(f"  spike trains: {json.dumps(out['match'])}")
        except Capped as exc:
            out["peer_capped"] = str(exc)
            log(f"  bmtk+nest: {exc}")
    shutil.rmtree(cache, ignore_errors=True)
    return out


def print_tables(results: list[dict], builders: list, out=sys.stdout) -> None:
    w = lambda *a: print(*a, file=out)  # noqa: E731
    w("Build, save and read (ours; BMTK's builder where it fits):\n")
    w("| builder | nodes | edges | build s | save s | read s | peak MB | B/edge (memory) "
      "| edges file MB |")
    w("|---|---|---|---|---|---|---|---|---|")
    for name, r in builders:
        if r is None:
            w(f"| {name} | - | (bmtk not installed) |||||||")
            continue
        peak = sum(r.get(k, 0.0) for k in ("build_mb", "save_mb", "read_mb"))  # peak growth
        read = f"{r['read_s']:.2f}" if "read_s" in r else "-"
        w(f"| {name} | {r['nodes']:,} | {r['edges']:,} | {r['build_s']:.2f} | {r['save_s']:.2f} "
          f"| {read} | {peak:.0f} | {bytes_per_edge(peak, r['edges'])} | {r['file_mb']:.1f} |")
    w("\nLoad and first run (100 ms at dt 0.1), single thread; time, growth of the "
      "process's peak memory (B/edge):\n")
    cols = []
    for res in results:
        n, e = res["nodes"], res["build"]["edges"]
        cols.append((f"ours, cold caches ({n:,} nodes)", res["cold"], e))
        cols.append((f"ours, warm caches ({n:,} nodes)", res["warm"], e))
        if "peer" in res:
            cols.append((f"BMTK {res['peer']['bmtk']} + NEST {res['peer']['nest']} "
                         f"({n:,} nodes)", res["peer"], e))
        elif "peer_capped" in res:
            cols.append((f"BMTK + NEST ({n:,} nodes)", {"capped": res["peer_capped"]}, e))
    w("| stage | " + " | ".join(c[0] for c in cols) + " |")
    w("|---|" + "---|" * len(cols))

    def cell(r, key, e):
        if "capped" in r:
            return r["capped"] if key == "read" else "-"
        if f"{key}_s" not in r:
            return "-"
        if f"{key}_mb" not in r:       # NEST's prepare, BMTK's inputs: memory in the run's
            return f"{r[key + '_s']:.2f} s"
        mb = r[key + "_mb"]
        return f"{r[key + '_s']:.2f} s, {mb:.0f} MB ({bytes_per_edge(mb, e)})"

    for key, label in (("read", "load: read files (PointNetwork)"),
                       ("install", "load: populations, edges, inputs (PointSimulator; "
                                   "BMTK: + its inputs made in sim.run)"),
                       ("inputs", "... of which inputs (BMTK: IClamp modules)"),
                       ("compile", "first run: compile (ours) / prepare (NEST)"),
                       ("simulate", "first run: simulate 100 ms")):
        w(f"| {label} | " + " | ".join(cell(r, key, e) for _, r, e in cols) + " |")

    def total(r, e):
        if "capped" in r:
            return "-"
        s = sum(r.get(f"{k}_s", 0.0) for k in ("read", "install", "compile", "simulate"))
        return f"{s:.1f} s"

    w("| load + first run | " + " | ".join(total(r, e) for _, r, e in cols) + " |")
    w("| process peak (all) | " + " | ".join(
        "-" if "capped" in r else f"{r['process_peak_mb']:.0f} MB "
        f"({bytes_per_edge(r['process_peak_mb'] - r['base_mb'], e)} B/edge over imports)"
        for _, r, e in cols) + " |")
    w("| edges | " + " | ".join(f"{r.get('edges', e):,}" for _, r, e in cols) + " |")
    w("| spikes | " + " | ".join(
        "-" if "capped" in r else f"{r['spikes']:,}" for _, r, e in cols) + " |")
    w("| first spike; spikes before recurrence (first + 1.5 ms) | " + " | ".join(
        "-" if "capped" in r else
        f"{r['first_spike_ms']:.1f} ms; {r['spikes_before_recurrence']:,}"
        for _, r, e in cols) + " |")
    w("| active cells, mean rate | " + " | ".join(
        "-" if "capped" in r else f"{r['active_cells']:,}, {r['mean_rate_hz']:.1f} Hz"
        for _, r, e in cols) + " |")
    for res in results:
        if "match" in res:
            m = res["match"]
            w(f"\nspike trains, {res['nodes']:,} nodes: {m['same']:,} of our {m['ours']:,} spikes "
              f"(node, time step) are NEST's {m['nest']:,}, with NEST's times "
              f"{m['nest_later_by_ms']:g} ms later")
        if "peer" in res:
            w(f"\nspikes per 10 ms, {res['nodes']:,} nodes: ours {res['cold']['spikes_per_10ms']}"
              f"; NEST {res['peer']['spikes_per_10ms']}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--edges", type=float, default=1e7)
    ap.add_argument("--bmtk-nodes", type=int, default=2_000,
                    help="nodes of the BMTK builder comparison (0: skip)")
    ap.add_argument("--peer-python", default=None,
                    help=f"python of the BMTK + NEST venv (default {DEFAULT_PEER_PYTHON} if it "
                         "exists; 'none' to skip)")
    ap.add_argument("--peer-timeout", type=float, default=900.0)
    ap.add_argument("--peer-max-rss-mb", type=float, default=16000.0)
    ap.add_argument("--fallback-edges", type=float, default=1e6,
                    help="edges of the second measurement when BMTK + NEST is stopped")
    ap.add_argument("--timeout", type=float, default=1800.0, help="cap of our stages (s)")
    ap.add_argument("--max-rss-mb", type=float, default=16000.0, help="cap of our stages")
    ap.add_argument("--keep", default=None, help="build in this folder and keep it")
    ap.add_argument("--json", default=None, help="also write every measurement to this file")
    # one stage, in this process (the driver runs these)
    ap.add_argument("--stage", choices=["build", "run", "bmtk-build"], default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--p", type=float, default=None)
    ap.add_argument("--config", default=None)
    args = ap.parse_args(argv)

    if args.stage == "build":
        emit(stage_build(Path(args.out), args.nodes, args.p))
        return 0
    if args.stage == "run":
        emit(stage_run(Path(args.config)))
        return 0
    if args.stage == "bmtk-build":
        rec = stage_bmtk_build(Path(args.out), args.nodes, args.p)
        emit(rec if rec is not None else {"missing": True})
        return 0

    if args.peer_python == "none":
        peer_python = None
    elif args.peer_python:
        peer_python = Path(args.peer_python)
    else:
        peer_python = DEFAULT_PEER_PYTHON if DEFAULT_PEER_PYTHON.exists() else None

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    log(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; peer: {peer_python}")
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="sonata_scale_"))
    results, builders = [], []
    try:
        # BMTK's builder beside ours, small
        if args.bmtk_nodes:
            small_p = min(args.edges / args.nodes**2 * (args.nodes / args.bmtk_nodes) ** 2 / 100,
                          0.05)
            env = ours_env(root / "cache_small")
            rec = run_child(me("--stage", "bmtk-build", "--out", root / "bmtk_small", "--nodes",
                               args.bmtk_nodes, "--p", repr(small_p)), env, args.timeout,
                            args.max_rss_mb)
            if rec.get("missing") and peer_python is not None:  # bmtk in the peer venv only
                env = peer_env(peer_python)
                env["PYTHONPATH"] = str(REPO)
                rec = run_child([str(peer_python), str(Path(__file__).resolve()), "--stage",
                                 "bmtk-build", "--out", str(root / "bmtk_small"), "--nodes",
                                 str(args.bmtk_nodes), "--p", repr(small_p)], env,
                                args.timeout, args.max_rss_mb)
            builders.append(("bmtk", None if rec.get("missing") else rec))
            builders.append(("ours", run_child(me("--stage", "build", "--out",
                                                  root / "ours_small", "--nodes",
                                                  args.bmtk_nodes, "--p", repr(small_p)),
                                               ours_env(root / "cache_small"),
                                               args.timeout, args.max_rss_mb)))
            log(f"builders, {args.bmtk_nodes:,} nodes: {builders}")
        log(f"{args.nodes:,} nodes, {args.edges:,.0f} edges")
        res = measure(root / "full", args.nodes, args.edges, peer_python, args, log)
        results.append(res)
        builders.append(("ours", res["build"]))
        if "peer_capped" in res and args.fallback_edges:
            n2 = int(round(args.nodes * (args.fallback_edges / args.edges) ** 0.5))
            log(f"BMTK + NEST stopped; again at {n2:,} nodes, {args.fallback_edges:,.0f} edges")
            results.append(measure(root / "fallback", n2, args.fallback_edges, peer_python,
                                   args, log))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end; "
          f"E/I iaf_psc_delta network, probability rule, two edge types\n")
    print_tables(results, builders)
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "builders": builders},
                                              indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
