"""STDP with Poisson inputs (Song, Miller & Abbott 2000): 1,000 inputs x 1 neuron.

The classic learning experiment, in the form of Brian2's ``STDP`` example:
1,000 Poisson inputs at 15 Hz drive one conductance-based LIF neuron through
pair-based STDP synapses (online traces, event-driven), weights start
uniform in [0, gmax] and, after 100 s, split into a bimodal distribution
(most near 0 or gmax) while the output rate settles.

Prints wall time per simulated second for the engine and, when the peers
venv exists (``bash benchmarks/install_peers.sh``), for ANNarchy 5 (the same
model text, benchmarks/peers/song_annarchy.py) and Brian2 (runtime mode,
Cython; and cpp_standalone) on the same model in the same run, with the
output rate and the final weight distribution. The engine and ANNarchy share
the event timing of STDP (docs/plasticity.md), so their rates agree within
seed noise; Brian2 handles a pre-synaptic spike in the step it is emitted.

``--seeds N`` instead runs seeds 1..N on the engine and ANNarchy and prints
mean +- sd per simulator with Welch's t test: one seed's output rate varies
by about 1 Hz, so one run cannot tell two simulators apart.

Usage::

    python benchmarks/stdp_song.py [--duration 100] [--dt 0.1] [--no-peers] [--no-brian2]
    python benchmarks/stdp_song.py --seeds 10 --dt 1.0 --duration 100
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEERS_PY = REPO / ".venv-peers" / "bin" / "python"

PARAMS = dict(N=1000, F=15.0, taum=10.0, taupre=20.0, taupost=20.0, Ee=0.0, vt=-54.0,
              vr=-60.0, El=-74.0, taue=5.0, gmax=0.01, dApre=0.01)


def run_engine(duration_s: float, dt: float = 0.1, seed: int = 1) -> dict:
    t0 = time.perf_counter()
    import numpy as np

    from engine import Network, Neuron, PoissonPopulation, Synapse, Uniform

    p = PARAMS
    dApost = -p["dApre"] * p["taupre"] / p["taupost"] * 1.05 * p["gmax"]
    dApre = p["dApre"] * p["gmax"]
    neuron = Neuron(
        parameters=f"""
            taum = {p['taum']} : population
            Ee = {p['Ee']} : population
            El = {p['El']} : population
            taue = {p['taue']} : population
            vt = {p['vt']} : population
            vr = {p['vr']} : population
        """,
        equations="""
            taum * dv/dt = g_e * (Ee - v) + El - v : init = -74.0
            taue * dg_e/dt = -g_e
        """,
        spike="v > vt", reset="v = vr", name="SongLIF")
    stdp = Synapse(
        parameters=f"""
            taupre = {p['taupre']} : projection
            taupost = {p['taupost']} : projection
            dApre = {dApre!r} : projection
            dApost = {dApost!r} : projection
            gmax = {p['gmax']} : projection
        """,
        equations="""
            taupre * dApre_/dt = -Apre_ : event-driven
            taupost * dApost_/dt = -Apost_ : event-driven
        """,
        pre_spike="""
            g_target += w
            Apre_ += dApre
            w = clip(w + Apost_, 0.0, gmax)
        """,
        post_spike="""
            Apost_ += dApost
            w = clip(w + Apre_, 0.0, gmax)
        """, name="SongSTDP")
    net = Network(dt=dt, seed=seed)
    inp = net.create(PoissonPopulation(p["N"], rates=p["F"]))
    out = net.create(1, neuron)
    proj = net.connect(inp, out, "e", synapse=stdp)
    # the initial weights of peers/song_annarchy.py for the same seed
    proj.all_to_all(weights=Uniform(0.0, p["gmax"], rng=np.random.default_rng(seed)))
    m = net.monitor(out, "spike")
    t_build = time.perf_counter()
    net.compile()
    t_compile = time.perf_counter()
    net.simulate(duration_s * 1000.0)
    t_sim = time.perf_counter()
    w = np.asarray(proj.w, dtype=float).ravel() / p["gmax"]
    return dict(tool="engine", build_s=t_build - t0, compile_s=t_compile - t_build,
                simulate_s=t_sim - t_compile, per_sim_second_s=(t_sim - t_compile) / duration_s,
                out_rate_hz=len(m.get("spike")[0]) / duration_s,
                frac_low=float(np.mean(w < 0.1)), frac_high=float(np.mean(w > 0.9)))


BRIAN2 = textwrap.dedent("""
    import json, sys, time, tempfile
    t0 = time.perf_counter()
    from brian2 import *
    mode, duration, dt = sys.argv[1], float(sys.argv[2]), float(sys.argv[4])
    p = json.loads(sys.argv[3])
    workdir = tempfile.mkdtemp()
    if mode == 'cpp_standalone':
        set_device('cpp_standalone', directory=workdir, build_on_run=False)
    prefs.codegen.target = 'cython' if mode == 'runtime' else 'auto'
    defaultclock.dt = dt*ms
    seed(1)
    taum = p['taum']*ms; taupre = p['taupre']*ms; taupost = p['taupost']*ms
    Ee = p['Ee']*mV; vt = p['vt']*mV; vr = p['vr']*mV; El = p['El']*mV; taue = p['taue']*ms
    gmax = p['gmax']; dApre = p['dApre']
    dApost = -dApre * taupre / taupost * 1.05
    dApost *= gmax; dApre *= gmax
    eqs = '''dv/dt = (ge * (Ee-v) + El - v) / taum : volt
             dge/dt = -ge / taue : 1'''
    inp = PoissonGroup(p['N'], rates=p['F']*Hz)
    neurons = NeuronGroup(1, eqs, threshold='v>vt', reset='v = vr', method='euler')
    neurons.v = El
    S = Synapses(inp, neurons, '''w : 1
                 dApre/dt = -Apre / taupre : 1 (event-driven)
                 dApost/dt = -Apost / taupost : 1 (event-driven)''',
                 on_pre='''ge += w
                 Apre += dApre
                 w = clip(w + Apost, 0, gmax)''',
                 on_post='''Apost += dApost
                 w = clip(w + Apre, 0, gmax)''')
    S.connect()
    S.w = 'rand() * gmax'
    mon = SpikeMonitor(neurons)
    t_build = time.perf_counter()
    run(duration*second, report=None)
    if mode == 'cpp_standalone':
        device.build(directory=workdir, run=True, compile=True)
    t_end = time.perf_counter()
    w = np.asarray(S.w[:]) / gmax
    loop = t_end - t_build
    if mode == 'cpp_standalone':
        loop = device._last_run_time
    print(json.dumps(dict(tool='brian2 ' + mode, total_s=t_end - t0, simulate_s=loop,
                          per_sim_second_s=loop / duration,
                          out_rate_hz=mon.num_spikes / duration,
                          frac_low=float(np.mean(w < 0.1)), frac_high=float(np.mean(w > 0.9)))))
""")


def run_annarchy(duration_s: float, dt: float, seed: int = 1,
                 workdir: str | None = None) -> dict | None:
    """benchmarks/peers/song_annarchy.py on ANNarchy (the same model text);
    ``workdir``: its compile folder (reused across seeds: one compilation)."""
    if not PEERS_PY.exists():
        return None
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PATH"] = f"{PEERS_PY.parent}:{env.get('PATH', '')}"
    script = REPO / "benchmarks" / "peers" / "song_annarchy.py"
    wd = workdir or tempfile.mkdtemp(prefix="song_annarchy_")
    try:
        out = subprocess.run([str(PEERS_PY), str(script), "--duration", str(duration_s * 1000.0),
                              "--dt", str(dt), "--seed", str(seed), "--params", json.dumps(PARAMS),
                              "--workdir", wd],
                             capture_output=True, text=True, env=env, timeout=1800)
    finally:
        if workdir is None:
            shutil.rmtree(wd, ignore_errors=True)
    if out.returncode != 0:
        print(f"annarchy failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    return dict(rec, tool="annarchy", out_rate_hz=rec["mean_rate_hz"],
                per_sim_second_s=rec["simulate_s"] / duration_s)


def run_brian2(mode: str, duration_s: float, dt: float = 0.1) -> dict | None:
    if not PEERS_PY.exists():
        return None
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PATH"] = f"{PEERS_PY.parent}:{env.get('PATH', '')}"
    out = subprocess.run([str(PEERS_PY), "-c", BRIAN2, mode, str(duration_s), json.dumps(PARAMS),
                          str(dt)],
                         capture_output=True, text=True, env=env, timeout=1800)
    if out.returncode != 0:
        print(f"brian2 {mode} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def seed_comparison(n_seeds: int, duration_s: float, dt: float) -> None:
    """Output rate and weight split over seeds 1..n on the engine and ANNarchy:
    mean +- sd per simulator and Welch's two-sample t test (is a difference
    more than seed noise?)."""
    from scipy import stats

    keys = ("out_rate_hz", "frac_low", "frac_high")
    rows = {"engine": [], "annarchy": []}
    wd = tempfile.mkdtemp(prefix="song_annarchy_")
    try:
        for seed in range(1, n_seeds + 1):
            rows["engine"].append(run_engine(duration_s, dt, seed))
            r = run_annarchy(duration_s, dt, seed, workdir=wd)
            if r is not None:
                rows["annarchy"].append(r)
            print(f"seed {seed}: " + ", ".join(
                f"{tool} {rs[-1]['out_rate_hz']:.2f} Hz" for tool, rs in rows.items()
                if len(rs) == seed), flush=True)
    finally:
        shutil.rmtree(wd, ignore_errors=True)
    print(f"STDP, 1000 Poisson inputs (15 Hz) -> 1 LIF, dt {dt:g} ms, {duration_s:g} s "
          f"simulated, seeds 1-{n_seeds}")
    for key in keys:
        vals = {tool: [r[key] for r in rs] for tool, rs in rows.items() if len(rs) > 1}
        line = "  ".join(f"{tool} {statistics.mean(v):.3f} +- {statistics.stdev(v):.3f}"
                         for tool, v in vals.items())
        if len(vals) == 2:
            t, pval = stats.ttest_ind(vals["engine"], vals["annarchy"], equal_var=False)
            line += f"  Welch t = {t:.2f}, p = {pval:.3g}"
        print(f"{key:<12} {line}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=100.0, help="simulated seconds")
    ap.add_argument("--dt", type=float, default=0.1, help="time step, ms")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--seeds", type=int, default=0,
                    help="instead: seeds 1..N on the engine and ANNarchy, mean +- sd and "
                         "Welch's t test of the output rate and weight split")
    args = ap.parse_args(argv)
    if args.seeds:
        seed_comparison(args.seeds, args.duration, args.dt)
        return
    rows = [run_engine(args.duration, args.dt)]
    if not args.no_peers:
        r = run_annarchy(args.duration, args.dt)
        if r is not None:
            rows.append(r)
        for mode in () if args.no_brian2 else ("runtime", "cpp_standalone"):
            r = run_brian2(mode, args.duration, args.dt)
            if r is not None:
                rows.append(r)
    print(f"STDP, 1000 Poisson inputs (15 Hz) -> 1 LIF, dt {args.dt:g} ms, "
          f"{args.duration:g} s simulated")
    print(f"{'tool':<24}{'simulate s':>11}{'s per sim s':>13}{'out Hz':>8}"
          f"{'w<0.1':>8}{'w>0.9':>8}")
    for r in rows:
        print(f"{r['tool']:<24}{r['simulate_s']:>11.2f}{r['per_sim_second_s']:>13.3f}"
              f"{r['out_rate_hz']:>8.1f}{r['frac_low']:>8.2f}{r['frac_high']:>8.2f}")
    eng = rows[0]
    for r in rows[1:]:
        print(f"engine / {r['tool']}: {eng['simulate_s'] / r['simulate_s']:.2f}x")


if __name__ == "__main__":
    main()
