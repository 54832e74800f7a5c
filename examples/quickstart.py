"""Quick start: one model in both syntaxes, simulated and printed.

Run with ``bash scripts/run`` (installs, then runs this file).
"""

import numpy as np
import sympy as sp

from engine import Equations, Network, Neuron

# 1. ANNarchy-style text
LIF_text = Neuron(
    name="LIF",
    parameters="""
        tau = 10.0 : population   # membrane time constant (ms)
        v_th = 1.0 : population   # threshold
        I = 1.5                   # input current, one per neuron
    """,
    equations="tau * dv/dt + v = I : init = 0.0",
    spike="v >= v_th",
    reset="v = 0.0",
    refractory=2.0,
)


# 2. The class-based sympy syntax: the same model
class LIF(Neuron):
    def __init__(self, tau=10.0, v_th=1.0, I=1.5):
        self.tau = self.Value(tau)
        self.v_th = self.Value(v_th)
        self.I = self.Array(I)
        self.v = self.Array(init=0.0)
        self.refractory = 2.0

    def update(self):
        with Equations(self) as n:
            n.dv_dt = (n.I - n.v) / n.tau
        return n

    def spike(self):
        with Equations(self) as n:
            return n.v >= n.v_th

    def reset(self):
        with Equations(self) as n:
            n.v = 0.0
        return n


def main():
    print("Parsed model:\n" + str(LIF_text.ir) + "\n")
    class_ir = LIF().ir
    same = [a == b for a, b in zip(
        (LIF_text.ir.variables, LIF_text.ir.equations, LIF_text.ir.spike, LIF_text.ir.reset),
        (class_ir.variables, class_ir.equations, class_ir.spike, class_ir.reset))]
    print("Both syntaxes give the same variables, equations, spike and reset:", all(same))

    net = Network(dt=0.1, seed=42)
    pop = net.create(5, neuron=LIF_text, name="lif")
    pop.I = np.linspace(1.0, 3.0, 5)
    m = net.monitor(pop, ["v", "spike"])
    net.compile()
    net.simulate(200.0)
    spikes = m.get("spike")
    print("\nInput current -> spike count in 200 ms:")
    for rank, steps in spikes.items():
        print(f"  I = {pop.I[rank]:.2f}: {len(steps)} spikes")
    print(f"\nCompile took {net.timings['compile_total']:.2f} s "
          f"(Numba {net.timings['jit']:.2f} s; cached after the first run).")
    print("\nGenerated code (first lines):")
    print("\n".join(net.generated_code().splitlines()[:30]))


if __name__ == "__main__":
    main()
