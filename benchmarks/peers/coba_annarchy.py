"""COBA (Brette et al. 2007, in the form of Brian2's benchmark) in ANNarchy 5.

Same model as coba_brian2.py: one population of N LIF neurons, the first 80 %
excitatory; projections from the two views to the whole population with
Bernoulli probability p (self-connections allowed, as in Brian2: ANNarchy
allows them anyway when pre is a view of post), a single constant weight per
projection (0.6 on g_exc, 6.7 on g_inh), explicit Euler, dt 0.1 ms, all spikes
recorded. Conductances keep decaying during the refractory period (ANNarchy
does not freeze ``g_`` variables), as in Brian2's ``(unless refractory)`` on v.

Timings (seconds, one JSON line):
- build_s: creating populations, projections and the monitor in Python.
- compile_s: ``net.compile()``: code generation, CMake + make (skipped when the
  compile directory already holds the same code), loading the library, and
  instantiating the network, which includes building the connectivity.
- simulate_s: ``net.simulate(duration)`` alone.
- total_s: from the import of ANNarchy to the end.

Usage: python coba_annarchy.py [--N 4000] [--duration 1000] [--conn p|k80]
       [--seed 42] [--threads 1] [--workdir DIR]
"""
import time

T0 = time.perf_counter()

import os  # noqa: E402

from _common import add_coba_args, coba_p, emit, parser, workdir  # noqa: E402

args = add_coba_args(parser("COBA", 4000, 1000.0, ["openmp"])).parse_args()
p = coba_p(args.N, args.conn)
wd = workdir(args, "annarchy_coba")

import ANNarchy as ann  # noqa: E402
from importlib.metadata import version as _version  # noqa: E402
import numpy as np  # noqa: E402

t_import = time.perf_counter()

N = args.N
Ne = int(N * 0.8)
net = ann.Network(dt=0.1, seed=args.seed)
net.config(num_threads=args.threads)

COBA = ann.Neuron(
    parameters="""
        El = -60.0 : population
        Vr = -60.0 : population
        Ee = 0.0 : population
        Ei = -80.0 : population
        Vt = -50.0 : population
        taum = 20.0 : population
        taue = 5.0 : population
        taui = 10.0 : population
        I = 20.0 : population
    """,
    equations="""
        taum * dv/dt = g_exc * (Ee - v) + g_inh * (Ei - v) - (v - El) + I
        taue * dg_exc/dt = - g_exc
        taui * dg_inh/dt = - g_inh
    """,
    spike="v > Vt",
    reset="v = Vr",
    refractory=5.0,
)
P = net.create(N, neuron=COBA)
# v0 ~ U(Vr, Vt) from a seeded NumPy generator: ann.Uniform without rng= draws
# from a fresh unseeded np.random.default_rng(), whatever Network(seed=...) says
# (ANNarchy 5.0.4.1).
P.v = np.random.default_rng(args.seed).uniform(-60.0, -50.0, N)
P.g_exc = 0.0
P.g_inh = 0.0
Ce = net.connect(pre=P[:Ne], post=P, target="exc")
Ce.fixed_probability(probability=p, weights=0.6, allow_self_connections=True)
Ci = net.connect(pre=P[Ne:], post=P, target="inh")
Ci.fixed_probability(probability=p, weights=6.7, allow_self_connections=True)
mon = net.monitor(P, ["spike"])
t_build = time.perf_counter()

net.compile(directory=os.path.join(wd, "annarchy"), silent=True)
t_compile = time.perf_counter()

net.simulate(args.duration)
t_sim = time.perf_counter()

spikes = mon.get("spike")
n_spikes = int(sum(len(s) for s in spikes.values()))
synapses = int(Ce.nb_synapses + Ci.nb_synapses)
t_end = time.perf_counter()
emit(dict(peer="annarchy", version=_version("annarchy"), mode="openmp", model="coba",
          N=N, p=p, conn=args.conn, duration_ms=args.duration, dt_ms=0.1,
          threads=args.threads, synapses=synapses, import_s=t_import - T0,
          build_s=t_build - t_import, compile_s=t_compile - t_build,
          simulate_s=t_sim - t_compile, total_s=t_end - T0, spikes=n_spikes,
          mean_rate_hz=n_spikes / N / (args.duration / 1000.0)))
