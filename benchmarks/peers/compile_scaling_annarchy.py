"""ANNarchy 5's compile time for N Izhikevich populations of 10 neurons.

The network of benchmarks/compile_scaling.py's "same model" rows: each
population with its own ``a``, monitored for spikes and ``v``. Run in the
peers venv by compile_scaling.py --annarchy, in a fresh folder (cold: ANNarchy
generates and builds its C++ there). Prints one JSON line.

Usage: python compile_scaling_annarchy.py --n 12 --folder /tmp/x
"""
import argparse
import json
import os
import time

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=1)
ap.add_argument("--folder", required=True)
args = ap.parse_args()

t0 = time.perf_counter()
import ANNarchy as ann  # noqa: E402

t_import = time.perf_counter()
net = ann.Network(dt=0.1, seed=1)
for k in range(args.n):
    p = net.create(10, neuron=ann.Izhikevich)
    p.a = 0.02 + 0.001 * k
    net.monitor(p, ["spike", "v"])
t_build = time.perf_counter()
net.compile(directory=os.path.join(args.folder, "annarchy"), silent=True)
t_compile = time.perf_counter()
net.simulate(10.0)
print(json.dumps(dict(import_s=t_import - t0, build_s=t_build - t_import,
                      compile_s=t_compile - t_build,
                      total_s=time.perf_counter() - t0)))
