"""Engine vs Brian2 and ANNarchy on the standard models, in one run.

Our side is the *ANNarchy script itself* (benchmarks/peers/<model>_annarchy.py)
with ``import ANNarchy as ann`` replaced by ``import engine as ann`` and nothing
else changed: the benchmark doubles as the check that ANNarchy 5 scripts port
unchanged. The peers run in their own venv (``bash benchmarks/install_peers.sh``)
when it exists; without it only our numbers are printed.

Cold = empty code caches (ours: a fresh NEUROWORKBENCH_CACHE_DIR and Numba
cache; peers: a fresh compile directory); warm = caches filled by a previous
run. Single thread. Medians of ``--repeats`` runs.

Scaling rows (``--scaling``): COBA at 16k and 64k neurons, with p fixed at
0.02 (5.1M and 82M synapses) and with 80 inputs per neuron (p = 80/N); the
64k cases simulate 200 ms, the 16k ones 1 s (as run_peer.py --scaling). One
cold run per case and simulator, each capped in time and resident memory
(``--timeout``, ``--max-rss-mb``; a capped run is reported, not fatal). Prints
the mean rate, the synapse count, the engine's bytes per synapse (its
connectivity arrays: row pointers, indices, weights) and every simulator's
peak resident memory per synapse.

``NWB_ENGINE_SRC=/path/to/checkout`` measures another copy of the engine (it is
put first on the twin script's PYTHONPATH), e.g. a patched one, against the
same peers.

The "song" row is Song, Miller & Abbott's STDP experiment (1000 Poisson
inputs onto one LIF neuron, peers/song_annarchy.py), 10 s simulated at dt
0.1 ms by default (``--args "--duration 100000"`` for the full 100 s); its
sanity column is the output rate and the fractions of weights below 0.1 and
above 0.9 gmax (one seed: the rates of two simulators differ by seed noise,
about 1 Hz, see README).

Usage: python benchmarks/compare.py [--repeats 3] [--models coba,izhikevich,rate,song]
       [--no-peers] [--args "--N 16000"]
       python benchmarks/compare.py --scaling [--cases 16k-p,16k-k80,64k-k80,64k-p]
       [--timeout 300] [--max-rss-mb 8000] [--no-peers]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks.peers.run_peer import (  # noqa: E402
    PeerCapped, PeerError, _tree_rss_mb, peers_available, run_peer)

MODELS = {
    "coba": ("COBA 4k, 1 s, dt 0.1", [("coba_brian2", {"mode": "cpp_standalone"})]),
    "izhikevich": ("Izhikevich 1k, 1M syn, dt 1", [("izhikevich_brian2", {"mode": "cpp_standalone"})]),
    "rate": ("rate 4k, p 0.1, dt 1", [("rate_brian2", {"mode": "cpp_standalone"})]),
    # Song, Miller & Abbott's STDP (peers/song_annarchy.py): ANNarchy only here
    # (stdp_song.py has Brian2's version, a separate script)
    "song": ("Song STDP, 1000 Poisson -> 1 LIF, 10 s, dt 0.1", []),
}
KEYS = ("build_s", "compile_s", "simulate_s", "total_s")

# COBA scaling cases: (key, label, script arguments); as run_peer.SCALING
SCALING = [
    ("16k-p", "COBA 16k, p 0.02", {"N": 16000, "conn": "p", "duration": 1000}),
    ("16k-k80", "COBA 16k, 80 inputs", {"N": 16000, "conn": "k80", "duration": 1000}),
    ("64k-k80", "COBA 64k, 80 inputs", {"N": 64000, "conn": "k80", "duration": 200}),
    ("64k-p", "COBA 64k, p 0.02", {"N": 64000, "conn": "p", "duration": 200}),
]

# Appended to the engine's twin in scaling runs, after the script's own JSON
# line (reporting only; the model, the timings and the output are unchanged).
_BYTES_REPORT = """
import json as _json
_b = 0
for _j in net.get_projections():
    for _a in [getattr(_j, "_row_ptr", None), getattr(_j, "_col", None)] + [
            v for v in getattr(_j, "_arrays", {}).values()]:
        _b += int(getattr(_a, "nbytes", 0))
print(_json.dumps({"synapse_bytes": _b}))
"""


def twin_script(model: str, folder: Path, report_bytes: bool = False) -> Path:
    """Our engine's copy of the ANNarchy peer script: only the import changes
    (``report_bytes``: a reporting block is appended after the script's end)."""
    src = (HERE / "peers" / f"{model}_annarchy.py").read_text()
    src, n = re.subn(r"^import ANNarchy as ann\b", "import engine as ann", src, flags=re.M)
    if n != 1:
        raise RuntimeError(f"{model}_annarchy.py: expected one 'import ANNarchy as ann' line")
    src = src.replace('_version("annarchy")', '_version("neuroworkbench")')
    if report_bytes:
        src += _BYTES_REPORT
    path = folder / f"{model}_engine.py"
    path.write_text(src)
    shutil.copy(HERE / "peers" / "_common.py", folder / "_common.py")
    return path


def _engine_env(cache: str) -> dict:
    env = dict(os.environ, NEUROWORKBENCH_CACHE_DIR=cache, NUMBA_CACHE_DIR=cache,
               NUMBA_THREADING_LAYER="workqueue", OMP_NUM_THREADS="1")
    # an installed package has its bytecode (pip compiles it, as ANNarchy's wheel
    # ships it); a source checkout run with PYTHONDONTWRITEBYTECODE would compile
    # every module at every start and count that as the engine's warm start
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if os.environ.get("NWB_ENGINE_SRC"):  # measure another checkout of the engine
        env["PYTHONPATH"] = os.pathsep.join(
            [os.environ["NWB_ENGINE_SRC"]] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def run_engine(model: str, cache: str, extra: list[str]) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="nwb_twin_"))
    try:
        script = twin_script(model, folder)
        proc = subprocess.run([sys.executable, str(script), "--workdir", str(folder)] + extra,
                              cwd=folder, env=_engine_env(cache), capture_output=True, text=True,
                              timeout=1800)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode or not lines:
            raise RuntimeError(f"{script.name} failed:\n{proc.stderr[-3000:]}")
        rec = json.loads(lines[-1])
        rec["peer"] = "engine"
        return rec
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_engine_capped(model: str, extra: list[str], timeout: float, max_rss_mb: float) -> dict:
    """One cold engine run (fresh caches) under a time and a memory cap, like
    run_peer: the process tree's resident memory is sampled every 0.2 s."""
    folder = Path(tempfile.mkdtemp(prefix="nwb_twin_"))
    try:
        script = twin_script(model, folder, report_bytes=True)
        cache = folder / "cache"
        t0 = time.perf_counter()
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            proc = subprocess.Popen([sys.executable, str(script), "--workdir", str(folder)] + extra,
                                    cwd=folder, env=_engine_env(str(cache)), stdout=out,
                                    stderr=err, text=True, start_new_session=True)
            peak, why = 0.0, None
            while proc.poll() is None:
                peak = max(peak, _tree_rss_mb(proc.pid))
                if peak > max_rss_mb:
                    why = f"peak memory {peak:.0f} MB over the cap of {max_rss_mb:.0f} MB"
                elif time.perf_counter() - t0 > timeout:
                    why = f"time {time.perf_counter() - t0:.0f} s over the cap of {timeout:.0f} s"
                if why:
                    try:
                        os.killpg(proc.pid, 9)
                    except OSError:
                        proc.kill()
                    proc.wait()
                    raise PeerCapped(f"engine {' '.join(extra)}: stopped, {why}", peak_mb=peak,
                                     elapsed_s=time.perf_counter() - t0)
                time.sleep(0.2)
            wall = time.perf_counter() - t0
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        recs = [json.loads(ln) for ln in stdout.splitlines() if ln.startswith("{")]
        if proc.returncode or not recs:
            raise RuntimeError(f"{script.name} failed:\n{stderr[-3000:]}")
        rec = {}
        for r in recs:
            rec.update(r)
        rec.update(peer="engine", mode="numba", wall_s=round(wall, 3),
                   peak_tree_rss_mb=round(peak, 1))
        return rec
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def scaling(args) -> None:
    """The COBA scaling rows: engine and peers, one cold run each, capped."""
    cases = [c for c in SCALING if c[0] in args.cases.split(",")]
    avail = {} if args.no_peers else peers_available()
    print(f"machine load: {os.getloadavg()[0]:.2f}; peers: {avail or 'not run'}; caps "
          f"{args.timeout:.0f} s, {args.max_rss_mb:.0f} MB per run")
    rows = []
    for key, label, a in cases:
        argv = sum(([f"--{k}", str(v)] for k, v in a.items()), [])
        runs = [("engine", lambda: run_engine_capped("coba", argv, args.timeout,
                                                     args.max_rss_mb))]
        if avail.get("annarchy"):
            runs.append(("annarchy", lambda: run_peer("coba_annarchy", a, cold=True,
                                                      timeout=args.timeout,
                                                      max_rss_mb=args.max_rss_mb)))
        if avail.get("brian2"):
            runs.append(("brian2", lambda: run_peer(
                "coba_brian2", {**a, "mode": "cpp_standalone"}, cold=True,
                timeout=args.timeout, max_rss_mb=args.max_rss_mb)))
        for who, fn in runs:
            try:
                r = fn()
            except PeerCapped as e:
                r = dict(peer=who, capped=str(e).split(": stopped, ")[-1],
                         peak_tree_rss_mb=e.peak_mb)
            except (PeerError, RuntimeError) as e:
                r = dict(peer=who, capped="failed: " + str(e).strip().splitlines()[-1][:120],
                         peak_tree_rss_mb=float("nan"))
            r["label"] = label
            r["load"] = round(os.getloadavg()[0], 2)
            rows.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
    print("\n### COBA scaling (one cold run each; seconds)")
    print("| case | simulator | synapses | T | rate | build | compile (cold) | simulate | "
          "total (cold) | B/synapse (arrays) | peak RSS | peak RSS / synapse | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "capped" in r:
            print(f"| {r['label']} | {r['peer']} | - | - | - | - | - | - | stopped: "
                  f"{r['capped']} | - | {r['peak_tree_rss_mb']:.0f} MB | - | {r['load']} |")
            continue
        # the process holding the network: ours and ANNarchy's is the script itself,
        # Brian2 standalone's its binary (its largest child)
        sim_mb = r["peak_rss_children_mb"] if r.get("mode") == "cpp_standalone" \
            else r["peak_rss_mb"]
        syn = r["synapses"]
        bps = f"{r['synapse_bytes'] / syn:.1f}" if r.get("synapse_bytes") else "-"
        name = {"engine": "engine"}.get(r["peer"], f"{r['peer']} {r.get('version', '')}")
        print(f"| {r['label']} | {name} | {syn:,} | {r['duration_ms']:.0f} ms | "
              f"{r['mean_rate_hz']:.2f} Hz | {r['build_s']:.2f} | {r['compile_s']:.2f} | "
              f"{r['simulate_s']:.3f} | {r['total_s']:.2f} | {bps} | {sim_mb:.0f} MB | "
              f"{sim_mb * 2**20 / syn:.0f} B | {r['load']} |")
    eng = {r["label"]: r for r in rows if r["peer"] == "engine" and "capped" not in r}
    for r in rows:
        e = eng.get(r["label"])
        if r["peer"] == "engine" or "capped" in r or e is None:
            continue
        print(f"{r['label']}: engine / {r['peer']} simulate "
              f"{e['simulate_s'] / r['simulate_s']:.2f}x, cold total "
              f"{e['total_s'] / r['total_s']:.2f}x")


def median(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else float("nan")


def sanity(rec) -> str:
    if rec.get("model") == "song":  # the output neuron's rate, the weights' split
        return (f"out {rec['mean_rate_hz']:.2f} Hz, w<0.1 {rec['frac_low']:.2f}, "
                f"w>0.9 {rec['frac_high']:.2f}")
    if "mean_rate_hz" in rec:
        return f"{rec['mean_rate_hz']:.2f} Hz"
    if "mean_r" in rec:
        return f"r={rec['mean_r']:.4f}"
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="coba,izhikevich,rate,song")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--args", default="", help="extra arguments for every script")
    ap.add_argument("--scaling", action="store_true",
                    help="the COBA scaling rows (16k, 64k; p 0.02 and 80 inputs) instead")
    ap.add_argument("--cases", default=",".join(c[0] for c in SCALING),
                    help="scaling cases to run (default: all)")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="scaling: cap per run in seconds (default 300)")
    ap.add_argument("--max-rss-mb", type=float, default=8000.0,
                    help="scaling: cap per run on resident memory, MB (default 8000)")
    args = ap.parse_args()
    if args.scaling:
        scaling(args)
        return
    extra = args.args.split()
    avail = {} if args.no_peers else peers_available()
    warm_cache = tempfile.mkdtemp(prefix="nwb_warm_")
    print(f"machine load: {os.getloadavg()[0]:.2f}; peers: {avail or 'not installed'}")
    for model in args.models.split(","):
        title, brian = MODELS[model]
        rows = {}
        cold = []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory(prefix="nwb_cold_") as c:
                cold.append(run_engine(model, c, extra))
        run_engine(model, warm_cache, extra)  # fill
        warm = [run_engine(model, warm_cache, extra) for _ in range(args.repeats)]
        rows["engine"] = (cold, warm)
        peers = []
        if avail.get("annarchy"):
            peers.append(("annarchy", f"{model}_annarchy", {}))
        if avail.get("brian2"):
            peers += [("brian2 " + a.get("mode", ""), s, a) for s, a in brian]
        for label, script, a in peers:
            a = dict(a)
            if extra:
                a = list(sum(([f"--{k}", str(v)] for k, v in a.items()), [])) + extra
            try:
                pc = [run_peer(script, a, cold=True) for _ in range(args.repeats)]
                pw = [run_peer(script, a, cold=False) for _ in range(args.repeats)]
                rows[label] = (pc, pw)
            except PeerError as exc:
                print(f"  {label}: failed ({str(exc).splitlines()[0]})")
        print(f"\n### {title}  ({args.repeats} runs, medians, seconds)")
        print("| simulator | build | compile (cold) | simulate | total cold | total warm | "
              "sanity |")
        print("|---|---|---|---|---|---|---|")
        for label, (c, w) in rows.items():
            print(f"| {label} | {median(c, 'build_s'):.3f} | {median(c, 'compile_s'):.3f} | "
                  f"{median(w, 'simulate_s'):.3f} | {median(c, 'total_s'):.3f} | "
                  f"{median(w, 'total_s'):.3f} | {sanity(w[-1])} |")
        ours_c, ours_w = rows["engine"]
        for label, (c, w) in rows.items():
            if label == "engine":
                continue
            print(f"engine / {label}: simulate "
                  f"{median(ours_w, 'simulate_s') / median(w, 'simulate_s'):.2f}x, "
                  f"cold total {median(ours_c, 'total_s') / median(c, 'total_s'):.2f}x, "
                  f"warm total {median(ours_w, 'total_s') / median(w, 'total_s'):.2f}x")
    shutil.rmtree(warm_cache, ignore_errors=True)


if __name__ == "__main__":
    main()
