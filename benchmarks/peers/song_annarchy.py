"""Song, Miller & Abbott's STDP experiment in ANNarchy 5 (peer of benchmarks/stdp_song.py).

1000 Poisson inputs at 15 Hz onto one conductance-based LIF neuron through
pair-based STDP synapses (event-driven traces, weights clipped to [0, gmax],
A- = 1.05 A+), weights initially uniform in [0, gmax]: the model text of
benchmarks/stdp_song.py. compare.py runs this very file on the engine with
only the import changed (its "song" row), stdp_song.py runs it on ANNarchy.

Prints one JSON line (the peer-script conventions of _common.py): build,
compile and simulate times, the output neuron's rate (``mean_rate_hz``, the
sanity figure) and the fractions of weights below 0.1 and above 0.9 gmax.
The output rate starts high (initial weights average gmax / 2) and settles
as the weights split: a short run's rate is above the 100-s figure.

Usage: python song_annarchy.py [--duration 10000] [--dt 0.1] [--seed 42]
       [--params JSON] [--workdir DIR]
"""
import time

T0 = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402

from _common import emit, parser, workdir  # noqa: E402

SONG_PARAMS = dict(N=1000, F=15.0, taum=10.0, taupre=20.0, taupost=20.0, Ee=0.0, vt=-54.0,
                   vr=-60.0, El=-74.0, taue=5.0, gmax=0.01, dApre=0.01)

ap = parser("Song STDP", SONG_PARAMS["N"], 10000.0, ["openmp"])
ap.add_argument("--dt", type=float, default=0.1, help="time step, ms")
ap.add_argument("--params", default=None,
                help="JSON object overriding model constants (keys of SONG_PARAMS)")
args = ap.parse_args()
p = dict(SONG_PARAMS, **(json.loads(args.params) if args.params else {}))
wd = workdir(args, "annarchy_song")

import ANNarchy as ann  # noqa: E402
from importlib.metadata import version as _version  # noqa: E402
import numpy as np  # noqa: E402

t_import = time.perf_counter()

dApost = -p["dApre"] * p["taupre"] / p["taupost"] * 1.05 * p["gmax"]
dApre = p["dApre"] * p["gmax"]
neuron = ann.Neuron(
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
    spike="v > vt", reset="v = vr")
stdp = ann.Synapse(
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
    """)
net = ann.Network(dt=args.dt, seed=args.seed)
net.config(num_threads=args.threads)
inp = net.create(ann.PoissonPopulation(p["N"], rates=p["F"]))
out = net.create(1, neuron)
proj = net.connect(inp, out, "e", synapse=stdp)
# ann.Uniform without rng= draws from a fresh unseeded generator, whatever
# Network(seed=...) says (ANNarchy 5.0.4.1)
proj.all_to_all(weights=ann.Uniform(0.0, p["gmax"], rng=np.random.default_rng(args.seed)))
mon = net.monitor(out, "spike")
t_build = time.perf_counter()

net.compile(directory=os.path.join(wd, "annarchy"), silent=True)
t_compile = time.perf_counter()

net.simulate(args.duration)
t_sim = time.perf_counter()

n_spikes = len(mon.get("spike")[0])
w = np.concatenate([np.asarray(d, dtype=float).ravel() for d in proj.w]) / p["gmax"]
t_end = time.perf_counter()
emit(dict(peer="annarchy", version=_version("annarchy"), mode="openmp", model="song",
          N=p["N"], duration_ms=args.duration, dt_ms=args.dt, seed=args.seed,
          threads=args.threads, synapses=int(proj.nb_synapses), import_s=t_import - T0,
          build_s=t_build - t_import, compile_s=t_compile - t_build,
          simulate_s=t_sim - t_compile, total_s=t_end - T0, spikes=n_spikes,
          mean_rate_hz=n_spikes / (args.duration / 1000.0),
          frac_low=float(np.mean(w < 0.1)), frac_high=float(np.mean(w > 0.9))))
