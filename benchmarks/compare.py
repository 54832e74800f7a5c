"""Engine vs Brian2 and ANNarchy on the standard models, in one run.

Our side is the *ANNarchy script itself* (benchmarks/peers/<model>_annarchy.py)
with ``import ANNarchy as ann`` replaced by ``import engine as ann`` and nothing
else changed: the benchmark doubles as the check that ANNarchy 5 scripts port
unchanged. The peers run in their own venv (``bash benchmarks/install_peers.sh``)
when it exists; without it only our numbers are printed.

Cold = empty code caches (ours: a fresh NEUROWORKBENCH_CACHE_DIR and Numba
cache; peers: a fresh compile directory); warm = caches filled by a previous
run. Single thread. Medians of ``--repeats`` runs.

Usage: python benchmarks/compare.py [--repeats 3] [--models coba,izhikevich,rate]
       [--no-peers] [--args "--N 16000"]
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks.peers.run_peer import PeerError, peers_available, run_peer  # noqa: E402

MODELS = {
    "coba": ("COBA 4k, 1 s, dt 0.1", [("coba_brian2", {"mode": "cpp_standalone"})]),
    "izhikevich": ("Izhikevich 1k, 1M syn, dt 1", [("izhikevich_brian2", {"mode": "cpp_standalone"})]),
    "rate": ("rate 4k, p 0.1, dt 1", [("rate_brian2", {"mode": "cpp_standalone"})]),
}
KEYS = ("build_s", "compile_s", "simulate_s", "total_s")


def twin_script(model: str, folder: Path) -> Path:
    """Our engine's copy of the ANNarchy peer script: only the import changes."""
    src = (HERE / "peers" / f"{model}_annarchy.py").read_text()
    src, n = re.subn(r"^import ANNarchy as ann\b", "import engine as ann", src, flags=re.M)
    if n != 1:
        raise RuntimeError(f"{model}_annarchy.py: expected one 'import ANNarchy as ann' line")
    src = src.replace('_version("annarchy")', '_version("neuroworkbench")')
    path = folder / f"{model}_engine.py"
    path.write_text(src)
    shutil.copy(HERE / "peers" / "_common.py", folder / "_common.py")
    return path


def run_engine(model: str, cache: str, extra: list[str]) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="nwb_twin_"))
    try:
        script = twin_script(model, folder)
        env = dict(os.environ, NEUROWORKBENCH_CACHE_DIR=cache, NUMBA_CACHE_DIR=cache,
                   NUMBA_THREADING_LAYER="workqueue", OMP_NUM_THREADS="1")
        proc = subprocess.run([sys.executable, str(script), "--workdir", str(folder)] + extra,
                              cwd=folder, env=env, capture_output=True, text=True, timeout=1800)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode or not lines:
            raise RuntimeError(f"{script.name} failed:\n{proc.stderr[-3000:]}")
        rec = json.loads(lines[-1])
        rec["peer"] = "engine"
        return rec
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def median(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else float("nan")


def sanity(rec) -> str:
    if "mean_rate_hz" in rec:
        return f"{rec['mean_rate_hz']:.2f} Hz"
    if "mean_r" in rec:
        return f"r={rec['mean_r']:.4f}"
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="coba,izhikevich,rate")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--args", default="", help="extra arguments for every script")
    args = ap.parse_args()
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
