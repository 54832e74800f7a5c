"""Song, Miller & Abbott's STDP experiment in ANNarchy 5 (peer of benchmarks/stdp_song.py).

The model text is the engine's (benchmarks/stdp_song.py): 1000 Poisson
inputs at 15 Hz, one conductance-based LIF neuron, pair-based STDP with
event-driven traces, A-/A+ = 1.05. Prints one JSON line: timings, output
rate and the fraction of weights below 0.1 and above 0.9 gmax.

Usage: python song_annarchy.py DURATION_S DT_MS PARAMS_JSON
"""
import json
import sys
import tempfile
import time

t0 = time.perf_counter()
import numpy as np  # noqa: E402
import ANNarchy as ann  # noqa: E402

duration, dt = float(sys.argv[1]), float(sys.argv[2])
p = json.loads(sys.argv[3])
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
net = ann.Network(dt=dt, seed=1)
inp = net.create(ann.PoissonPopulation(p["N"], rates=p["F"]))
out = net.create(1, neuron)
proj = net.connect(inp, out, "e", synapse=stdp)
# ann.Uniform without rng= ignores the network seed (ANNarchy 5.0.4)
proj.all_to_all(weights=ann.Uniform(0.0, p["gmax"], rng=np.random.default_rng(1)))
m = net.monitor(out, "spike")
t_build = time.perf_counter()
net.compile(directory=tempfile.mkdtemp(), silent=True)
t_compile = time.perf_counter()
net.simulate(duration * 1000.0)
t_sim = time.perf_counter()
w = np.concatenate([np.asarray(d, dtype=float).ravel() for d in proj.w]) / p["gmax"]
print(json.dumps(dict(tool="annarchy", compile_s=t_compile - t_build,
                      simulate_s=t_sim - t_compile, per_sim_second_s=(t_sim - t_compile) / duration,
                      out_rate_hz=len(m.get("spike")[0]) / duration,
                      frac_low=float(np.mean(w < 0.1)), frac_high=float(np.mean(w > 0.9)))))
