"""Izhikevich (2003) pulse-coupled network in Brian2.

800 excitatory (a = 0.02, b = 0.2, c = -65 + 15 re^2, d = 8 - 6 re^2) and 200
inhibitory (a = 0.02 + 0.08 ri, b = 0.25 - 0.05 ri, c = -65, d = 2) neurons,
all-to-all with self-connections (1M synapses), weights 0.5 U(0,1) from
excitatory and -U(0,1) from inhibitory neurons, thalamic input 5 N(0,1) /
2 N(0,1) drawn anew every step, v >= 30 -> v = c, u += d; v0 = -65, u0 = b v0.
dt 1 ms, one explicit Euler step per ms (u is updated with the old v).

The synaptic input of the spikes of step t enters the Euler update of step t+1
as a current (``Isyn``, reset to 0 after each update), exactly like ANNarchy's
``g_exc - g_inh`` (with dt = 1 ms, adding w to the derivative adds w to v).
The thalamic current for the next step is drawn at the same time.

Modes, timings and output as in coba_brian2.py.
"""
import time

T0 = time.perf_counter()

import os  # noqa: E402

from _common import IZH_NE, IZH_NI, emit, parser, rhythm_peak_hz, run_brian2, setup_brian2, workdir  # noqa: E402

args = parser("Izhikevich", IZH_NE + IZH_NI, 1000.0, ["cython", "numpy", "cpp_standalone"]).parse_args()
wd = workdir(args, f"brian2_izhikevich_{args.mode}")

import brian2 as b2  # noqa: E402
from brian2 import ms  # noqa: E402
import numpy as np  # noqa: E402

standalone = setup_brian2(args, wd)
t_import = time.perf_counter()

b2.defaultclock.dt = 1 * ms
b2.seed(args.seed)

N = args.N
Ne = int(round(N * IZH_NE / (IZH_NE + IZH_NI)))
eqs = """
dv/dt = (0.04*v**2 + 5*v + 140 - u + I + Isyn)/ms : 1
du/dt = a*(b*v - u)/ms : 1
I : 1
Isyn : 1
a : 1 (constant)
b : 1 (constant)
c : 1 (constant)
d : 1 (constant)
noise : 1 (constant)
"""
P = b2.NeuronGroup(N, eqs, threshold="v >= 30", reset="v = c; u += d", method="euler")
Ni = N - Ne
# Same per-neuron parameters as izhikevich_annarchy.py (same generator and
# draws); c and d share one re per neuron, a and b one ri.
rng = np.random.default_rng(args.seed)
re, ri = rng.random(Ne), rng.random(Ni)
b_arr = np.concatenate([np.full(Ne, 0.2), 0.25 - 0.05 * ri])
P.a = np.concatenate([np.full(Ne, 0.02), 0.02 + 0.08 * ri])
P.b = b_arr
P.c = np.concatenate([-65.0 + 15.0 * re**2, np.full(Ni, -65.0)])
P.d = np.concatenate([8.0 - 6.0 * re**2, np.full(Ni, 2.0)])
P.noise = np.concatenate([np.full(Ne, 5.0), np.full(Ni, 2.0)])
P.v = -65.0
P.u = b_arr * -65.0
P.I = "noise*randn()"
P.Isyn = 0.0
# After the state update (before thresholds and synapses): clear the synaptic
# current used by this step and draw the next step's thalamic input.
P.run_regularly("Isyn = 0\nI = noise*randn()", when="after_groups")

S = b2.Synapses(P, P, "w : 1 (constant)", on_pre="Isyn_post += w")
S.connect()  # all-to-all, self-connections included
S.w["i < Ne"] = "0.5*rand()"
S.w["i >= Ne"] = "-rand()"
mon = b2.SpikeMonitor(P)
net = b2.Network(P, S, mon)
t_build = time.perf_counter()

build_s, compile_s, simulate_s, record = run_brian2(net, args.duration, standalone, wd,
                                                      t_import, t_build, globals())

n_spikes = int(mon.num_spikes)
synapses = int(len(S))
spike_t = np.asarray(mon.t / ms)
t_end = time.perf_counter()
emit(dict(peer="brian2", version=b2.__version__, mode=args.mode, model="izhikevich",
          N=N, duration_ms=args.duration, dt_ms=1.0, threads=args.threads,
          synapses=synapses, import_s=t_import - T0, build_s=build_s,
          compile_s=compile_s, simulate_s=simulate_s, total_s=t_end - T0,
          spikes=n_spikes, mean_rate_hz=n_spikes / N / (args.duration / 1000.0),
          rhythm_peak_hz=rhythm_peak_hz(spike_t, args.duration), **record))
