"""Rate-coded network in Brian2.

N units, ``tau dr/dt = sum(exc) - r + U(-1, 1)`` with tau = 10 ms, r clipped
at 0 after each step, Bernoulli p = 0.1 connections (self-connections allowed;
1.6M synapses at 4k), w ~ U(0, 1/(N p)), dt 1 ms, explicit Euler, r0 = 0.

- ``sum(exc)`` is a summed variable (``s_exc_post = w*r_pre``), updated before
  the state update from the r of the previous step, as ANNarchy's psp.
- The uniform noise is drawn anew every step before the update
  (``run_regularly`` at ``before_groups``); the clip runs after it.
- mean_r: mean of r over all units and all steps (recorded every step).

Modes, timings and output as in coba_brian2.py.
"""
import time

T0 = time.perf_counter()

import os  # noqa: E402

from _common import RATE_P, emit, parser, run_brian2, setup_brian2, workdir  # noqa: E402

args = parser("rate", 4000, 1000.0, ["cython", "numpy", "cpp_standalone"]).parse_args()
wd = workdir(args, f"brian2_rate_{args.mode}")

import brian2 as b2  # noqa: E402
from brian2 import ms  # noqa: E402
import numpy as np  # noqa: E402

standalone = setup_brian2(args, wd)
t_import = time.perf_counter()

b2.defaultclock.dt = 1 * ms
b2.seed(args.seed)

N = args.N
p = RATE_P
wmax = 1.0 / (N * p)
tau = 10 * ms
eqs = """
dr/dt = (s_exc - r + noise)/tau : 1
s_exc : 1
noise : 1
"""
P = b2.NeuronGroup(N, eqs, method="euler")
P.r = 0.0
P.run_regularly("noise = 2*rand() - 1", when="before_groups")
P.run_regularly("r = clip(r, 0, inf)", when="after_groups")
S = b2.Synapses(P, P, "w : 1 (constant)\ns_exc_post = w*r_pre : 1 (summed)")
S.connect(p=p)
S.w = "wmax*rand()"
mon = b2.StateMonitor(P, "r", record=True)
net = b2.Network(P, S, mon)
t_build = time.perf_counter()

build_s, compile_s, simulate_s, record = run_brian2(net, args.duration, standalone, wd,
                                                      t_import, t_build, globals())

r = np.asarray(mon.r)
synapses = int(len(S))
t_end = time.perf_counter()
emit(dict(peer="brian2", version=b2.__version__, mode=args.mode, model="rate",
          N=N, p=p, duration_ms=args.duration, dt_ms=1.0, threads=args.threads,
          synapses=synapses, import_s=t_import - T0, build_s=build_s,
          compile_s=compile_s, simulate_s=simulate_s, total_s=t_end - T0,
          mean_r=float(r.mean()), mean_r_last=float(r[:, -1].mean()), **record))
