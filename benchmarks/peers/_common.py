"""Shared bits of the peer benchmark scripts (argument parsing, JSON output).

Each peer script takes ``T0 = time.perf_counter()`` as its very first statement
(before importing the simulator), so ``total_s`` runs from the import of the
simulator to the end of the run. Interpreter start-up is not included; the
driver (run_peer.py) adds the subprocess wall time as ``wall_s``.

The scripts print exactly ONE JSON line on stdout (the last line); everything
the simulators print themselves goes to stderr or before it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile

# Model constants shared by all peers (the issue 3 specifications).
COBA_EXC_FRACTION = 0.8
COBA_P = 0.02
COBA_INPUTS = 80          # "80 inputs per neuron" variant: p = 80 / N
IZH_NE, IZH_NI = 800, 200
RATE_P = 0.1


def parser(model: str, default_n: int, default_duration: float, modes: list[str]):
    ap = argparse.ArgumentParser(description=f"{model} peer benchmark")
    ap.add_argument("--N", type=int, default=default_n, help="number of neurons/units")
    ap.add_argument("--duration", type=float, default=default_duration,
                    help="simulated time in ms")
    ap.add_argument("--mode", default=modes[0], choices=modes)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=1,
                    help="threads for the simulation (OpenMP in the peers)")
    ap.add_argument("--workdir", default=None,
                    help="compile directory / code cache (default: a persistent folder "
                         "under $PEERS_CACHE or benchmarks/peers/.cache). Pass a fresh empty "
                         "folder for a cold run, the same folder again for a warm run")
    return ap


def add_coba_args(ap):
    ap.add_argument("--conn", choices=["p", "k80"], default="p",
                    help="p: Bernoulli p=0.02 (80 inputs at 4k); k80: p = 80/N")
    return ap


def coba_p(n: int, conn: str) -> float:
    return COBA_P if conn == "p" else COBA_INPUTS / n


def workdir(args, tag: str) -> str:
    if args.workdir:
        d = args.workdir
    else:
        root = os.environ.get("PEERS_CACHE") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), ".cache")
        d = os.path.join(root, tag)
    os.makedirs(d, exist_ok=True)
    return os.path.abspath(d)


def peak_rss_mb() -> dict:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"peak_rss_mb": round(self_kb / 1024, 1),
            "peak_rss_children_mb": round(child_kb / 1024, 1)}


def emit(record: dict) -> None:
    out = {}
    for k, v in record.items():
        if isinstance(v, float):
            v = round(v, 6)
        out[k] = v
    out.update(peak_rss_mb())
    sys.stdout.flush()
    print(json.dumps(out), flush=True)


def setup_brian2(args, wd: str) -> bool:
    """Brian2's device and code-generation settings for ``args.mode`` (the
    project or Cython cache in ``wd``); returns True for cpp_standalone."""
    import brian2 as b2

    b2.prefs.logging.console_log_level = "WARNING"
    standalone = args.mode == "cpp_standalone"
    if standalone:
        b2.set_device("cpp_standalone", directory=os.path.join(wd, "standalone"),
                      build_on_run=False)
        # 0 = no OpenMP at all (single-thread code)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0 if args.threads <= 1 else args.threads
    else:
        b2.prefs.codegen.target = args.mode
        b2.prefs.codegen.runtime.cython.cache_dir = os.path.join(wd, "cython")
        os.makedirs(b2.prefs.codegen.runtime.cython.cache_dir, exist_ok=True)
    return standalone


def run_brian2(net, duration_ms: float, standalone: bool, wd: str, t_import: float,
               t_build: float, namespace: dict):
    """Run a Brian2 network and split the time as the README's table says:
    returns ``(build_s, compile_s, simulate_s, extra)``; ``simulate_s`` is the
    loop alone, ``extra`` has ``run_binary_s`` for cpp_standalone.
    ``namespace``: the script's globals, where the equations' constants live."""
    import time

    import brian2 as b2

    net.run(duration_ms * b2.ms, namespace=namespace)
    if standalone:
        t_run = time.perf_counter()  # network.run only records the schedule here
        b2.device.build(directory=os.path.join(wd, "standalone"), compile=True, run=False)
        t_compile = time.perf_counter()
        b2.device.run()
        return (t_run - t_import, t_compile - t_run, b2.device._last_run_time,
                {"run_binary_s": b2.device.timers["run_binary"]})
    t_sim = time.perf_counter()
    simulate_s = b2.device._last_run_time
    return t_build - t_import, (t_sim - t_build) - simulate_s, simulate_s, {}


def fresh_tmpdir(prefix: str) -> str:
    return tempfile.mkdtemp(prefix=prefix)


def rhythm_peak_hz(spike_times_ms, duration_ms: float, min_hz: float = 2.0) -> float:
    """Dominant frequency of the population spike count (1 ms bins), above min_hz."""
    import numpy as np

    t = np.asarray(spike_times_ms, dtype=float)
    counts = np.bincount(np.floor(t).astype(np.int64), minlength=int(duration_ms))
    counts = counts[: int(duration_ms)].astype(float)
    if counts.size < 4:
        return 0.0
    spec = np.abs(np.fft.rfft(counts - counts.mean()))
    freqs = np.fft.rfftfreq(counts.size, d=1e-3)
    band = freqs > min_hz
    return float(freqs[band][np.argmax(spec[band])]) if band.any() else 0.0


def write_reference(path: str, data: dict) -> None:
    """Write a peer's reference data (tests/data/*.json) atomically, compactly,
    and say where on stderr: a run that stops halfway leaves the old file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    os.replace(tmp, path)
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path) // 1024} kB)", file=sys.stderr)
