"""COBA (Brette et al. 2007, in the form of Brian2's benchmark) in Brian2.

N LIF neurons (80 % excitatory), conductance-based synapses in units of the leak
conductance, Bernoulli connections from each subpopulation to all neurons
(self-connections allowed, Brian2's default), explicit Euler, dt 0.1 ms, all
spikes recorded.

Modes: ``cython`` / ``numpy`` (runtime code generation) and ``cpp_standalone``.

Timings (seconds, one JSON line):
- build_s: creating the objects in Python. In runtime mode this includes
  creating the synapses (Brian2 runs ``connect`` at once); in standalone mode
  nothing runs yet.
- compile_s: runtime: code generation and compilation inside ``run`` (all of
  ``run`` but the loop); standalone: ``device.build`` (code generation + make).
- simulate_s: the simulation loop alone (``device._last_run_time``).
- run_binary_s (standalone): the whole binary: synapse creation, initialisation,
  loop and writing results.
- total_s: from the import of brian2 to the end.

Usage: python coba_brian2.py [--N 4000] [--duration 1000] [--conn p|k80]
       [--mode cython|numpy|cpp_standalone] [--seed 42] [--workdir DIR]
"""
import time

T0 = time.perf_counter()

import os  # noqa: E402

from _common import add_coba_args, coba_p, emit, parser, run_brian2, setup_brian2, workdir  # noqa: E402

args = add_coba_args(parser("COBA", 4000, 1000.0, ["cython", "numpy", "cpp_standalone"])).parse_args()
p = coba_p(args.N, args.conn)
wd = workdir(args, f"brian2_coba_{args.mode}")

import brian2 as b2  # noqa: E402
from brian2 import ms, mV  # noqa: E402

standalone = setup_brian2(args, wd)
t_import = time.perf_counter()

b2.defaultclock.dt = 0.1 * ms
b2.seed(args.seed)

N = args.N
Ne = int(N * 0.8)
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -60 * mV
Ee, Ei = 0 * mV, -80 * mV
I = 20 * mV
we, wi = 0.6, 6.7  # jumps of ge, gi (units of the leak conductance)

eqs = """
dv/dt  = (ge*(Ee-v) + gi*(Ei-v) - (v-El) + I)/taum : volt (unless refractory)
dge/dt = -ge/taue : 1
dgi/dt = -gi/taui : 1
"""
P = b2.NeuronGroup(N, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                   method="euler")
P.v = "Vr + rand() * (Vt - Vr)"
P.ge = 0
P.gi = 0
Ce = b2.Synapses(P[:Ne], P, on_pre="ge += we")
Ci = b2.Synapses(P[Ne:], P, on_pre="gi += wi")
Ce.connect(p=p)
Ci.connect(p=p)
mon = b2.SpikeMonitor(P)
net = b2.Network(P, Ce, Ci, mon)
t_build = time.perf_counter()

build_s, compile_s, simulate_s, record = run_brian2(net, args.duration, standalone, wd,
                                                      t_import, t_build, globals())

n_spikes = int(mon.num_spikes)
synapses = int(len(Ce) + len(Ci))
t_end = time.perf_counter()
emit(dict(peer="brian2", version=b2.__version__, mode=args.mode, model="coba",
          N=N, p=p, conn=args.conn, duration_ms=args.duration, dt_ms=0.1,
          threads=args.threads, synapses=synapses, import_s=t_import - T0,
          build_s=build_s, compile_s=compile_s, simulate_s=simulate_s,
          total_s=t_end - T0, spikes=n_spikes,
          mean_rate_hz=n_spikes / N / (args.duration / 1000.0), **record))
