"""Models and a module-level Network subclass for test_network_api_table.

``copy()`` and ``parallel_run()`` rebuild a network by calling its class in
worker processes, which import this module by name: the class and the methods
given to ``parallel_run`` must live at module level in an importable module.

The spiking network is COBA (Brette et al. 2007, Brian2's benchmark form, as
benchmarks/peers/coba_annarchy.py), scaled down: N LIF neurons, the first 80 %
excitatory, Bernoulli projections from each part to the whole population.
"""

import numpy as np

from engine import Network, Neuron

#: COBA parameters (mV, ms; conductances in units of the leak conductance)
El, Vr, Ee, Ei, Vt = -60.0, -60.0, 0.0, -80.0, -50.0
TAUM, TAUE, TAUI, I_EXT, REFRACTORY = 20.0, 5.0, 10.0, 20.0, 5.0
W_EXC, W_INH = 0.6, 6.7

COBA = Neuron(
    name="ApiCOBA",
    parameters=f"""
        El = {El} : population
        Vr = {Vr} : population
        Ee = {Ee} : population
        Ei = {Ei} : population
        Vt = {Vt} : population
        taum = {TAUM} : population
        taue = {TAUE} : population
        taui = {TAUI} : population
        I = {I_EXT} : population
    """,
    equations="""
        taum * dv/dt = g_exc * (Ee - v) + g_inh * (Ei - v) - (v - El) + I
        taue * dg_exc/dt = - g_exc
        taui * dg_inh/dt = - g_inh
    """,
    spike="v > Vt",
    reset="v = Vr",
    refractory=REFRACTORY,
)


def build_coba(net, N=200, p=0.05, name="P", v0_seed=1):
    """Populate ``net`` with COBA; returns (population, exc projection, inh projection, monitor)."""
    Ne = int(0.8 * N)
    P = net.create(N, neuron=COBA, name=name)
    P.v = np.random.default_rng(v0_seed).uniform(Vr, Vt, N)
    Ce = net.connect(pre=P[:Ne], post=P, target="exc", name="Ce")
    Ce.fixed_probability(probability=p, weights=W_EXC, allow_self_connections=True)
    Ci = net.connect(pre=P[Ne:], post=P, target="inh", name="Ci")
    Ci.fixed_probability(probability=p, weights=W_INH, allow_self_connections=True)
    m = net.monitor(P, ["spike"], name="spikes")
    return P, Ce, Ci, m


class CobaNetwork(Network):
    """ANNarchy 5 style: the network builds itself; dt and seed go to Network."""

    def __init__(self, N=200, p=0.05):
        self.P, self.Ce, self.Ci, self.m = build_coba(self, N, p)


def spikes_of(monitor) -> dict:
    """{rank: [steps]} as plain ints (picklable, comparable)."""
    return {int(k): [int(s) for s in v] for k, v in monitor.get("spike", keep=True).items()}


def run_coba(net, duration=50.0):
    """parallel_run method: simulate and return what identifies the run."""
    net.simulate(duration)
    return {"seed": net.seed, "N": net.P.size, "compiled": net.compiled,
            "time": net.time, "spikes": spikes_of(net.m),
            "pre_Ce": [net.Ce.dendrite(i).pre_ranks for i in net.Ce.post_ranks]}
