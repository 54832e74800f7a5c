"""Run the peer benchmark scripts (Brian2, ANNarchy) in the peers venv.

The peers live in their own venv (``.venv-peers``, made by
``bash benchmarks/install_peers.sh``) so the main venv stays lean. This module
uses the standard library only, so the engine's benchmarks (in the main venv)
can import it::

    from benchmarks.peers.run_peer import run_peer, peers_available
    if peers_available()["brian2"]:
        res = run_peer("coba_brian2", {"mode": "cpp_standalone", "N": 4000}, cold=True)
        print(res["simulate_s"], res["total_s"], res["mean_rate_hz"])

Each script prints one JSON line; ``run_peer`` returns it as a dict, with
``wall_s`` (the subprocess wall time, interpreter start-up included), ``cold``
and ``workdir`` added.

Cold and warm:
- ``cold=True``: the compile directory / code cache is a fresh empty temporary
  folder (ANNarchy's compile directory, Brian2's standalone project directory
  or its Cython cache), removed afterwards.
- ``cold=False``: a persistent folder per script and argument set under
  ``$PEERS_CACHE`` (default ``benchmarks/peers/.cache/warm``); if it has never
  been filled, one unmeasured run fills it first (``warmup=True``).

Environment of the child: the venv's ``bin`` first on PATH (ANNarchy's CMake
step looks up ``python3`` there), ``OMP_NUM_THREADS`` = threads (1 for the
single-thread figures), ``NUMBA_THREADING_LAYER=workqueue``.

Command line::

    python benchmarks/peers/run_peer.py --check
    python benchmarks/peers/run_peer.py coba_brian2 --cold -- --mode cpp_standalone --N 4000
    python benchmarks/peers/run_peer.py --table [--repeats 3]   # the README table
    python benchmarks/peers/run_peer.py --scaling   # COBA 16k/64k, capped 300 s / 8 GB
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PEERS_DIR = Path(__file__).resolve().parent
REPO = PEERS_DIR.parent.parent
VENV = Path(os.environ.get("NWB_PEERS_VENV", REPO / ".venv-peers"))
WARM_ROOT = Path(os.environ.get("PEERS_CACHE", PEERS_DIR / ".cache")) / "warm"

SCRIPTS = {
    "coba_brian2": "brian2", "coba_annarchy": "annarchy",
    "izhikevich_brian2": "brian2", "izhikevich_annarchy": "annarchy",
    "rate_brian2": "brian2", "rate_annarchy": "annarchy",
    "song_annarchy": "annarchy",
}


class PeerError(RuntimeError):
    """A peer script failed or printed no JSON line."""


class PeerCapped(PeerError):
    """A peer run was stopped at its time or memory cap."""

    def __init__(self, msg, peak_mb=0.0, elapsed_s=0.0):
        super().__init__(msg)
        self.peak_mb = peak_mb
        self.elapsed_s = elapsed_s


def peers_python() -> Path:
    return VENV / "bin" / "python"


def peer_env(threads: int = 1) -> dict:
    env = dict(os.environ)
    for k in ("PYTHONHOME", "PYTHONPATH", "__PYVENV_LAUNCHER__"):
        env.pop(k, None)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = str(VENV / "bin") + os.pathsep + env.get("PATH", "")
    env["OMP_NUM_THREADS"] = str(threads)
    env["NUMBA_THREADING_LAYER"] = "workqueue"
    return env


_AVAILABLE: dict | None = None


def peers_available(refresh: bool = False) -> dict[str, bool]:
    """{'brian2': bool, 'annarchy': bool}: importable in the peers venv, with
    a C++ compiler (both) and CMake (ANNarchy) on PATH."""
    global _AVAILABLE
    if _AVAILABLE is not None and not refresh:
        return dict(_AVAILABLE)
    found = {"brian2": False, "annarchy": False}
    py = peers_python()
    if py.exists():
        code = ("import importlib.util, json; print(json.dumps({m: importlib.util.find_spec(m)"
                " is not None for m in ('brian2', 'ANNarchy')}))")
        try:
            out = subprocess.run([str(py), "-c", code], env=peer_env(), capture_output=True,
                                 text=True, timeout=60)
            mods = json.loads(out.stdout.strip().splitlines()[-1])
            gxx = shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
            cmake = shutil.which("cmake", path=peer_env()["PATH"])
            found["brian2"] = bool(mods.get("brian2") and gxx)
            found["annarchy"] = bool(mods.get("ANNarchy") and gxx and cmake)
        except (OSError, subprocess.SubprocessError, ValueError, IndexError):
            pass
    _AVAILABLE = found
    return dict(found)


def _script_path(script: str) -> Path:
    p = Path(script)
    if p.suffix != ".py":
        p = p.with_suffix(".py")
    if not p.is_absolute() and not p.exists():
        p = PEERS_DIR / p.name
    if not p.exists():
        raise FileNotFoundError(f"no peer script {script!r} (known: {', '.join(SCRIPTS)})")
    return p


def _argv(args) -> list[str]:
    if args is None:
        return []
    if isinstance(args, dict):
        out = []
        for k, v in args.items():
            out += [f"--{k}", str(v)]
        return out
    return [str(a) for a in args]


def _strip(argv: list[str], name: str) -> tuple[list[str], str | None]:
    """Remove --name VALUE (or --name=VALUE) from argv; return (argv, VALUE)."""
    out, val, i = [], None, 0
    while i < len(argv):
        a = argv[i]
        if a == f"--{name}" and i + 1 < len(argv):
            val = argv[i + 1]
            i += 2
            continue
        if a.startswith(f"--{name}="):
            val = a.split("=", 1)[1]
            i += 1
            continue
        out.append(a)
        i += 1
    return out, val


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total / 1024


def _run(py: Path, script: Path, argv: list[str], threads: int, timeout,
         max_rss_mb: float | None = None) -> tuple[dict, float]:
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([str(py), str(script)] + argv, env=peer_env(threads),
                                cwd=str(script.parent), stdout=out, stderr=err, text=True,
                                start_new_session=True)
        peak, why = 0.0, None
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mb(proc.pid))
            if max_rss_mb is not None and peak > max_rss_mb:
                why = f"peak memory {peak:.0f} MB over the cap of {max_rss_mb:.0f} MB"
            elif timeout is not None and time.perf_counter() - t0 > timeout:
                why = f"time {time.perf_counter() - t0:.0f} s over the cap of {timeout:.0f} s"
            if why:
                try:  # the child runs in its own session: end its whole group
                    os.killpg(proc.pid, 9)
                except OSError:
                    proc.kill()
                proc.wait()
                raise PeerCapped(f"{script.name} {' '.join(argv)}: stopped, {why}",
                                 peak_mb=peak, elapsed_s=time.perf_counter() - t0)
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    lines = [ln for ln in stdout.strip().splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((stderr or stdout).strip().splitlines()[-25:])
        raise PeerError(f"{script.name} {' '.join(argv)} failed (exit {proc.returncode}):\n{tail}")
    rec = json.loads(lines[-1])
    rec["peak_tree_rss_mb"] = round(peak, 1)
    return rec, wall


def run_peer(script: str, args=None, cold: bool = False, *, threads: int = 1,
             timeout: float | None = 1800, max_rss_mb: float | None = None,
             warmup: bool = True) -> dict:
    """Run a peer script in the peers venv and return its JSON record.

    script: "coba_brian2", "coba_brian2.py" or a path; args: a list of CLI
    arguments or a dict {"N": 4000, "mode": "cpp_standalone", ...}; cold: fresh
    compile directory/cache (else the persistent warm one, filled first if
    needed); threads: OMP_NUM_THREADS and the script's --threads; timeout (s)
    and max_rss_mb (resident memory of the child and its descendants, sampled
    every 0.2 s) stop the run with PeerCapped. The record gets
    ``peak_tree_rss_mb`` (that sampled peak) besides the script's own
    ``peak_rss_mb`` (its process) and ``peak_rss_children_mb`` (largest child:
    compiler or standalone binary).
    """
    py = peers_python()
    if not py.exists():
        raise PeerError(f"no peers venv at {VENV}: run `bash benchmarks/install_peers.sh`")
    path = _script_path(script)
    argv, _ = _strip(_argv(args), "workdir")
    argv, _ = _strip(argv, "threads")
    argv += ["--threads", str(threads)]
    if cold:
        wd = tempfile.mkdtemp(prefix=f"peer_{path.stem}_")
        try:
            rec, wall = _run(py, path, argv + ["--workdir", wd], threads, timeout, max_rss_mb)
        finally:
            shutil.rmtree(wd, ignore_errors=True)
    else:
        key = hashlib.sha1(" ".join(argv).encode()).hexdigest()[:10]
        wd = str(WARM_ROOT / f"{path.stem}-{key}")
        marker = Path(wd) / ".filled"
        if warmup and not marker.exists():
            os.makedirs(wd, exist_ok=True)
            _run(py, path, argv + ["--workdir", wd], threads, timeout, max_rss_mb)
            marker.touch()
        rec, wall = _run(py, path, argv + ["--workdir", wd], threads, timeout, max_rss_mb)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    rec.update(wall_s=round(wall, 6), cold=cold, workdir=wd)
    return rec


# ---------------------------------------------------------------------------
# The standard table (README): medians of `repeats` cold runs and warm runs.

STANDARD = [
    # (label, script, args)
    ("COBA 4k", "coba_annarchy", {}),
    ("COBA 4k", "coba_brian2", {"mode": "cpp_standalone"}),
    ("COBA 4k", "coba_brian2", {"mode": "cython"}),
    ("COBA 4k", "coba_brian2", {"mode": "numpy"}),
    ("Izhikevich 1k", "izhikevich_annarchy", {}),
    ("Izhikevich 1k", "izhikevich_brian2", {"mode": "cpp_standalone"}),
    ("Izhikevich 1k", "izhikevich_brian2", {"mode": "cython"}),
    ("Izhikevich 1k", "izhikevich_brian2", {"mode": "numpy"}),
    ("rate 4k", "rate_annarchy", {}),
    ("rate 4k", "rate_brian2", {"mode": "cpp_standalone"}),
    ("rate 4k", "rate_brian2", {"mode": "cython"}),
    ("rate 4k", "rate_brian2", {"mode": "numpy"}),
]


def _median(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else float("nan")


def standard_table(repeats: int = 3, threads: int = 1, out=sys.stdout) -> list[dict]:
    avail = peers_available()
    results = []
    for label, script, args in STANDARD:
        if not avail[SCRIPTS[script]]:
            print(f"skip {script}: peer not installed", file=sys.stderr)
            continue
        cold = [run_peer(script, args, cold=True, threads=threads) for _ in range(repeats)]
        warm = [run_peer(script, args, cold=False, threads=threads) for _ in range(repeats)]
        row = dict(label=label, script=script, mode=cold[0]["mode"], peer=cold[0]["peer"],
                   version=cold[0]["version"], synapses=cold[0]["synapses"],
                   sanity=_median(cold, "mean_rate_hz" if "mean_rate_hz" in cold[0] else "mean_r"),
                   build_s=_median(cold, "build_s"), compile_cold_s=_median(cold, "compile_s"),
                   compile_warm_s=_median(warm, "compile_s"),
                   simulate_s=_median(cold + warm, "simulate_s"),
                   total_cold_s=_median(cold, "total_s"), total_warm_s=_median(warm, "total_s"),
                   wall_cold_s=_median(cold, "wall_s"), wall_warm_s=_median(warm, "wall_s"),
                   peak_rss_mb=max(r["peak_rss_mb"] for r in cold + warm))
        results.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print("| model | peer (mode) | synapses | rate / mean r | build | compile cold | compile warm "
          "| simulate | total cold | total warm | peak RSS |", file=out)
    print("|---|---|---|---|---|---|---|---|---|---|---|", file=out)
    for r in results:
        print(f"| {r['label']} | {r['peer']} {r['version']} ({r['mode']}) | {r['synapses']:,} | "
              f"{r['sanity']:.3g} | {r['build_s']:.2f} s | {r['compile_cold_s']:.1f} s | "
              f"{r['compile_warm_s']:.2f} s | {r['simulate_s']:.3f} s | {r['total_cold_s']:.1f} s | "
              f"{r['total_warm_s']:.2f} s | {r['peak_rss_mb']:.0f} MB |", file=out)
    return results


SCALING = [
    # (label, args) for coba_annarchy and coba_brian2 (cpp_standalone)
    ("COBA 16k, p 0.02", {"N": 16000, "conn": "p", "duration": 1000}),
    ("COBA 16k, 80 inputs", {"N": 16000, "conn": "k80", "duration": 1000}),
    ("COBA 64k, 80 inputs", {"N": 64000, "conn": "k80", "duration": 200}),
    ("COBA 64k, p 0.02", {"N": 64000, "conn": "p", "duration": 200}),
]


def scaling_table(threads: int = 1, timeout: float = 300, max_rss_mb: float = 8000,
                  out=sys.stdout) -> list[dict]:
    """One cold run of each COBA scaling case per peer, capped in time and memory."""
    avail = peers_available()
    rows = []
    for label, args in SCALING:
        for script, extra in (("coba_annarchy", {}), ("coba_brian2", {"mode": "cpp_standalone"})):
            if not avail[SCRIPTS[script]]:
                continue
            try:
                r = run_peer(script, {**args, **extra}, cold=True, threads=threads,
                             timeout=timeout, max_rss_mb=max_rss_mb)
                r["label"] = label
            except PeerCapped as e:
                r = dict(label=label, peer=SCRIPTS[script], capped=str(e).split(": stopped, ")[-1],
                         peak_tree_rss_mb=e.peak_mb, wall_s=e.elapsed_s)
            rows.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
    print("| case | peer (mode) | synapses | duration | rate | build | compile (cold) | simulate "
          "| total (cold) | peak RSS: simulator | peak RSS: process tree |", file=out)
    print("|---|---|---|---|---|---|---|---|---|---|---|", file=out)
    for r in rows:
        if "capped" in r:
            print(f"| {r['label']} | {r['peer']} | - | - | - | - | - | - | stopped: {r['capped']} "
                  f"| - | {r['peak_tree_rss_mb']:.0f} MB |", file=out)
            continue
        # the process that holds the network: ANNarchy's Python process, Brian2's
        # standalone binary (its largest child; a compiler if that was larger)
        sim_mb = r["peak_rss_children_mb"] if r["mode"] == "cpp_standalone" else r["peak_rss_mb"]
        print(f"| {r['label']} | {r['peer']} {r['version']} ({r['mode']}) | {r['synapses']:,} | "
              f"{r['duration_ms']:.0f} ms | {r['mean_rate_hz']:.1f} Hz | {r['build_s']:.2f} s | "
              f"{r['compile_s']:.1f} s | {r['simulate_s']:.3f} s | {r['total_s']:.1f} s | "
              f"{sim_mb:.0f} MB | {r['peak_tree_rss_mb']:.0f} MB |", file=out)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="arguments after -- are passed to the peer script")
    ap.add_argument("script", nargs="?", help="peer script, e.g. coba_brian2")
    ap.add_argument("--cold", action="store_true", help="fresh compile directory/cache")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="print peers_available()")
    ap.add_argument("--table", action="store_true", help="run the standard README table")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--scaling", action="store_true",
                    help="run the COBA scaling cases (16k, 64k), one cold run each")
    ap.add_argument("--timeout", type=float, default=None,
                    help="cap in seconds (default 1800; 300 with --scaling)")
    ap.add_argument("--max-rss-mb", type=float, default=None, help="memory cap (MB)")
    argv = list(sys.argv[1:] if argv is None else argv)
    rest = []
    if "--" in argv:  # everything after -- goes to the peer script
        i = argv.index("--")
        argv, rest = argv[:i], argv[i + 1:]
    a = ap.parse_args(argv)
    if a.check:
        print(json.dumps(peers_available()))
        return 0
    if a.table:
        standard_table(a.repeats, a.threads)
        return 0
    if a.scaling:
        scaling_table(a.threads, timeout=a.timeout or 300, max_rss_mb=a.max_rss_mb or 8000)
        return 0
    if not a.script:
        ap.error("give a script, --check or --table")
    try:
        rec = run_peer(a.script, rest, cold=a.cold, threads=a.threads, timeout=a.timeout or 1800,
                       max_rss_mb=a.max_rss_mb)
    except PeerCapped as e:
        rec = {"script": a.script, "capped": str(e), "peak_tree_rss_mb": round(e.peak_mb, 1),
               "elapsed_s": round(e.elapsed_s, 1)}
    print(json.dumps(rec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
