"""Izhikevich (2003) pulse-coupled network in ANNarchy 5.

Same model as izhikevich_brian2.py: one population of 1000 neurons (the first
800 excitatory), per-neuron a, b, c, d and noise amplitude, all-to-all
projections from the two views to the whole population (self-connections
included: 1M synapses), weights 0.5 U(0,1) on g_exc and U(0,1) on g_inh
(``I = g_exc - g_inh + noise * Normal(0, 1)``; with dt = 1 ms the weights are
added to v), v >= 30 -> v = c, u += d; dt 1 ms, explicit Euler (v and u form
one ODE run, so u uses the old v).

Timings and output as in coba_annarchy.py.
"""
import time

T0 = time.perf_counter()

import os  # noqa: E402

from _common import IZH_NE, IZH_NI, emit, parser, rhythm_peak_hz, workdir  # noqa: E402

args = parser("Izhikevich", IZH_NE + IZH_NI, 1000.0, ["openmp"]).parse_args()
wd = workdir(args, "annarchy_izhikevich")

import ANNarchy as ann  # noqa: E402
from importlib.metadata import version as _version  # noqa: E402
import numpy as np  # noqa: E402

t_import = time.perf_counter()

N = args.N
Ne = int(round(N * IZH_NE / (IZH_NE + IZH_NI)))
Ni = N - Ne
net = ann.Network(dt=1.0, seed=args.seed)
net.config(num_threads=args.threads)

Izhikevich = ann.Neuron(
    parameters="""
        a = 0.02
        b = 0.2
        c = -65.0
        d = 8.0
        noise = 5.0
    """,
    equations="""
        I = g_exc - g_inh + noise * Normal(0.0, 1.0)
        dv/dt = 0.04 * v^2 + 5.0 * v + 140.0 - u + I : init = -65.0
        du/dt = a * (b * v - u) : init = -13.0
    """,
    spike="v >= 30.0",
    reset="v = c; u += d",
)
P = net.create(N, neuron=Izhikevich)
rng = np.random.default_rng(args.seed)
re, ri = rng.random(Ne), rng.random(Ni)
a = np.concatenate([np.full(Ne, 0.02), 0.02 + 0.08 * ri])
b = np.concatenate([np.full(Ne, 0.2), 0.25 - 0.05 * ri])
P.a = a
P.b = b
P.c = np.concatenate([-65.0 + 15.0 * re**2, np.full(Ni, -65.0)])
P.d = np.concatenate([8.0 - 6.0 * re**2, np.full(Ni, 2.0)])
P.noise = np.concatenate([np.full(Ne, 5.0), np.full(Ni, 2.0)])
P.v = -65.0
P.u = b * -65.0
Pe, Pi = P[:Ne], P[Ne:]
Ce = net.connect(pre=Pe, post=P, target="exc")
# Weight distributions get explicit seeded generators: without rng=, ann.Uniform
# draws from a fresh unseeded np.random.default_rng() (ANNarchy 5.0.4.1).
Ce.all_to_all(weights=ann.Uniform(0.0, 0.5, rng=np.random.default_rng([args.seed, 1])),
              allow_self_connections=True)
Ci = net.connect(pre=Pi, post=P, target="inh")
Ci.all_to_all(weights=ann.Uniform(0.0, 1.0, rng=np.random.default_rng([args.seed, 2])),
              allow_self_connections=True)
mon = net.monitor(P, ["spike"])
t_build = time.perf_counter()

net.compile(directory=os.path.join(wd, "annarchy"), silent=True)
t_compile = time.perf_counter()

net.simulate(args.duration)
t_sim = time.perf_counter()

spikes = mon.get("spike")
spike_t = np.concatenate([np.asarray(s, dtype=float) for s in spikes.values()] or [np.zeros(0)])
n_spikes = int(spike_t.size)
synapses = int(Ce.nb_synapses + Ci.nb_synapses)
t_end = time.perf_counter()
emit(dict(peer="annarchy", version=_version("annarchy"), mode="openmp", model="izhikevich",
          N=N, duration_ms=args.duration, dt_ms=1.0, threads=args.threads,
          synapses=synapses, import_s=t_import - T0, build_s=t_build - t_import,
          compile_s=t_compile - t_build, simulate_s=t_sim - t_compile,
          total_s=t_end - T0, spikes=n_spikes,
          mean_rate_hz=n_spikes / N / (args.duration / 1000.0),
          rhythm_peak_hz=rhythm_peak_hz(spike_t, args.duration)))
