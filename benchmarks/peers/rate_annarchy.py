"""Rate-coded network in ANNarchy 5.

Same model as rate_brian2.py: N units, ``tau dr/dt = sum(exc) - r +
Uniform(-1, 1)`` with tau = 10 ms and ``min = 0`` (r clipped at 0 after each
step), Bernoulli p = 0.1 (self-connections allowed), w ~ U(0, 1/(N p)),
default psp ``w * pre.r``, dt 1 ms, explicit Euler, r0 = 0.
mean_r: mean of r over all units and all steps (recorded every step).

Timings and output as in coba_annarchy.py.
"""
import time

T0 = time.perf_counter()

import os  # noqa: E402

from _common import RATE_P, emit, parser, workdir  # noqa: E402

args = parser("rate", 4000, 1000.0, ["openmp"]).parse_args()
wd = workdir(args, "annarchy_rate")

import ANNarchy as ann  # noqa: E402
from importlib.metadata import version as _version  # noqa: E402
import numpy as np  # noqa: E402

t_import = time.perf_counter()

N = args.N
p = RATE_P
net = ann.Network(dt=1.0, seed=args.seed)
net.config(num_threads=args.threads)

Unit = ann.Neuron(
    parameters="tau = 10.0 : population",
    equations="tau * dr/dt = sum(exc) - r + Uniform(-1.0, 1.0) : min = 0.0, init = 0.0",
)
P = net.create(N, neuron=Unit)
proj = net.connect(pre=P, post=P, target="exc")
# rng=: without it ann.Uniform draws from a fresh unseeded generator (5.0.4.1).
w_dist = ann.Uniform(0.0, 1.0 / (N * p), rng=np.random.default_rng([args.seed, 1]))
proj.fixed_probability(probability=p, weights=w_dist, allow_self_connections=True)
mon = net.monitor(P, ["r"])
t_build = time.perf_counter()

net.compile(directory=os.path.join(wd, "annarchy"), silent=True)
t_compile = time.perf_counter()

net.simulate(args.duration)
t_sim = time.perf_counter()

r = np.asarray(mon.get("r"))  # (steps, N)
synapses = int(proj.nb_synapses)
t_end = time.perf_counter()
emit(dict(peer="annarchy", version=_version("annarchy"), mode="openmp", model="rate",
          N=N, p=p, duration_ms=args.duration, dt_ms=1.0, threads=args.threads,
          synapses=synapses, import_s=t_import - T0, build_s=t_build - t_import,
          compile_s=t_compile - t_build, simulate_s=t_sim - t_compile,
          total_s=t_end - T0, mean_r=float(r.mean()), mean_r_last=float(r[-1].mean())))
