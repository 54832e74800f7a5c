"""Module-level network class and methods for test_parallel (worker processes import them)."""

import numpy as np

from engine import Network, Neuron

NOISY = Neuron(
    name="ParNoisyLIF",
    parameters="tau = 10.0 : population\nI = 1.0",
    equations="""
        tau * dv/dt = I - v + g_exc + Normal(0.0, 0.5)
        tau * dg_exc/dt = -g_exc
    """,
    spike="v >= 1.0",
    reset="v = 0.0",
    refractory=1.0,
)


class NoisyNetwork(Network):
    """ANNarchy 5 style: no super().__init__(), dt and seed handled by Network."""

    def __init__(self, size=20, w=0.2):
        self.pop = self.create(size, NOISY, name="exc")
        self.proj = self.connect(self.pop, self.pop, "exc", name="rec").fixed_probability(
            0.2, weights=w)
        self.m = self.monitor(self.pop, "spike")


class ExplicitNetwork(Network):
    """Calls super().__init__ itself and takes the seed by name."""

    def __init__(self, size=10, *, seed=None, dt=0.5):
        super().__init__(dt=dt, seed=seed)
        self.pop = self.create(size, NOISY, name="exc")


def run(net, duration=50.0, tag=None):
    net.simulate(duration)
    spikes = net.m.get("spike")
    return {
        "seed": net.seed, "dt": net.dt, "size": net.pop.size, "tag": tag,
        "compiled": net.compiled, "w": float(net.proj._arrays["w"][0]),
        "spikes": {int(k): [int(s) for s in v] for k, v in spikes.items()},
        "v": np.asarray(net.pop.v).copy(),
    }


def describe(net):
    return {"seed": net.seed, "dt": net.dt, "size": net.pop.size,
            "precision": net._config["precision"], "dtype": str(net.pop.v.dtype)}


def fail(net):
    raise ValueError("method failed on purpose")
