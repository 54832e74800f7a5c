"""OptNeuron on an Izhikevich neuron (issue "Workbench I" targets), printed as tables.

    python benchmarks/fit_izhikevich.py                  # both parts, ~1-2 min
    python benchmarks/fit_izhikevich.py --skip-recovery  # throughput only

1. **Throughput**: candidate evaluations per second of one experiment (a
   1 s current step at dt 0.1 ms, the membrane potential recorded, the loss
   an RMSE against a target trace; best of 3) done as OptNeuron does it (one
   generation = one population, one neuron per candidate) and one candidate
   at a time (CompNeuroPy's way: the same experiment on a 1-neuron network),
   in the same run.
2. **Recovery**: fitting a, b, c, d of a regular-spiking neuron (Izhikevich
   2003: 0.02, 0.2, -65, 8) to its own voltage and spikes under three
   current steps, with CMA-ES (loss per step: spike count and timing, and the
   troughs between spikes); printed: the values found and their error, and
   the spike times of the fitted neuron against the target's per step.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from engine import Neuron  # noqa: E402
from workbench import CompNeuroExp, CompNeuroSim, OptNeuron, current_step, rmse  # noqa: E402
from workbench.fit.batch import BatchEvaluator  # noqa: E402

IZHIKEVICH = Neuron(
    parameters="a = 0.02\nb = 0.2\nc = -65.0\nd = 8.0\nI_app = 0.0",
    equations="dv/dt = 0.04*v*v + 5.0*v + 140.0 - u + I_app : init = -65.0\n"
              "du/dt = a*(b*v - u) : init = -13.0",
    spike="v >= 30.0", reset="v = c\nu += d", name="IzhikevichRS")
TRUE = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}
BOUNDS = {"a": [0.01, 0.1], "b": [0.15, 0.3], "c": [-70.0, -45.0], "d": [1.0, 10.0]}
STEPS = (5.0, 10.0, 15.0)


class Steps(CompNeuroExp):
    """100 ms at rest, then ``amplitudes`` for 900 ms, each from a reset."""

    amplitudes = STEPS

    def run(self, population_name):
        self.monitors.start()
        sim = CompNeuroSim(current_step, {"pop": population_name, "t1": 100.0, "t2": 900.0,
                                          "a1": 0.0, "a2": self.amplitudes[0]},
                           monitor_object=self.monitors)
        for i, amplitude in enumerate(self.amplitudes):
            if i:
                self.reset()
            sim.run({"a2": amplitude})
        self.data["population_name"] = population_name
        return self.results()


class OneStep(Steps):
    amplitudes = STEPS[1:2]


def v_loss(results_ist, results_soll):
    pop = results_ist.data["population_name"]
    soll = results_soll.data["population_name"]
    return [rmse(chunk[f"{soll};v"][:, 0], mine[f"{pop};v"][:, 0])
            for chunk, mine in zip(results_soll.recordings, results_ist.recordings)]


def troughs(v, spikes, dt):
    """The lowest voltage between consecutive spikes (mV): where a spike's
    reset sends the neuron, which the reset potential c sets."""
    idx = np.round(np.asarray(spikes) / dt).astype(int)
    return np.array([v[a:b].min() for a, b in zip(idx[:-1], idx[1:]) if b > a])


def spike_loss(results_ist, results_soll):
    """Per step: 10 per missing or extra spike, plus the mean time difference
    (ms) of the spikes in order; plus the mean difference of the troughs
    between spikes (mV; the voltage's RMSE would be ruled by spike timing and
    leave c, the reset potential, loose)."""
    out = []
    pop, soll = results_ist.data["population_name"], results_soll.data["population_name"]
    for i in range(len(results_soll.recordings)):
        target, mine = spikes_ms(results_soll, i), spikes_ms(results_ist, i)
        m = min(target.size, mine.size)
        timing = float(np.mean(np.abs(target[:m] - mine[:m]))) if m else 0.0
        out.append(10.0 * abs(target.size - mine.size) + timing)
        dt = results_soll.recordings[i]["dt"]
        t_soll = troughs(results_soll.recordings[i][f"{soll};v"][:, 0], target, dt)
        t_ist = troughs(results_ist.recordings[i][f"{pop};v"][:, 0], mine, dt)
        k = min(t_soll.size, t_ist.size)
        out.append(float(np.mean(np.abs(t_soll[:k] - t_ist[:k]))) if k else 0.0)
    return out


def spikes_ms(results, chunk):
    pop = results.data["population_name"]
    data = results.recordings[chunk]
    return np.asarray(data[f"{pop};spike"].get(0, []), dtype=float) * data["dt"]


def throughput(candidates: int) -> list[tuple]:
    target = Neuron.from_spec(IZHIKEVICH.to_spec())
    rows = []
    opt = OptNeuron(experiment=OneStep, get_loss_function=v_loss, variables_bounds=BOUNDS,
                    neuron_model=IZHIKEVICH, target_neuron_model=target, time_step=0.1,
                    record=["v"], popsize=candidates)
    rng = np.random.default_rng(0)
    values = {k: rng.uniform(lo, hi, candidates) for k, (lo, hi) in BOUNDS.items()}
    opt.evaluate(values)                                              # warm
    batched = math.inf
    for _ in range(3):                                                # best of 3
        t0 = time.perf_counter()
        opt.evaluate(values)
        batched = min(batched, time.perf_counter() - t0)
    rows.append(("batched (one population)", candidates, batched, candidates / batched))
    # one candidate at a time: the same experiment on a 1-neuron network
    opt._local = BatchEvaluator(opt._job(size=1))
    single = {k: v[:1] for k, v in values.items()}
    opt.evaluate(single)                                              # warm
    n, alone = 20, math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        for i in range(n):
            opt.evaluate({k: v[i:i + 1] for k, v in values.items()})
        alone = min(alone, time.perf_counter() - t0)
    rows.append(("one at a time (CompNeuroPy's way)", n, alone, n / alone))
    return rows


def recovery(generations: int, popsize: int):
    target = Neuron.from_spec(IZHIKEVICH.to_spec())
    opt = OptNeuron(experiment=Steps, get_loss_function=spike_loss, variables_bounds=BOUNDS,
                    neuron_model=IZHIKEVICH, target_neuron_model=target, time_step=0.1,
                    record=["v", "spike"], popsize=popsize, seed=1)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        fit = opt.run(max_evals=generations, results_file_name=f"{tmp}/izh", progress=False)
    return fit, time.perf_counter() - t0, opt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--candidates", type=int, default=1000)
    ap.add_argument("--generations", type=int, default=150)
    ap.add_argument("--popsize", type=int, default=24)
    ap.add_argument("--skip-recovery", action="store_true")
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} CPUs; Izhikevich RS neuron, 1 s at dt 0.1 ms, v recorded, "
          "RMSE against the target's trace\n")
    rows = throughput(args.candidates)
    print("| evaluation | candidates | wall s | evaluations/s | speed-up |")
    print("|---|---|---|---|---|")
    base = rows[-1][3]
    for name, n, wall, rate in rows:
        print(f"| {name} | {n} | {wall:.3f} | {rate:,.0f} | {rate / base:.0f}x |")
    if args.skip_recovery:
        return
    fit, wall, opt = recovery(args.generations, args.popsize)
    print(f"\nRecovery: CMA-ES, {args.generations} generations of {opt.popsize} "
          f"({args.generations * opt.popsize:,} evaluations) in {wall:.1f} s; "
          f"loss {fit['loss']:.3g}\n")
    print("| parameter | true | fitted | relative error |")
    print("|---|---|---|---|")
    for k, true in TRUE.items():
        print(f"| {k} | {true:g} | {fit[k]:.8g} | {abs(fit[k] - true) / abs(true):.1e} |")
    print("\n| step (nA) | spikes (target) | spikes (fit) | largest time difference |")
    print("|---|---|---|---|")
    for i, amplitude in enumerate(STEPS):
        a, b = spikes_ms(opt.results_soll, i), spikes_ms(fit["results"], i)
        diff = np.max(np.abs(a - b)) if a.size == b.size and a.size else float("nan")
        print(f"| {amplitude:g} | {a.size} | {b.size} | {diff:.2f} ms |")


if __name__ == "__main__":
    main()
