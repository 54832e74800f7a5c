"""Models shared by the CompNeuroPy-layer tests (global, ANNarchy-4 style:
the root conftest gives every test a fresh default network)."""

import pytest

import engine as ann

#: the seed's ``my_neuron`` (compneuropy-opt-neuron.txt): r follows I_app at once
RATE_NEURON = ann.Neuron(
    parameters="""
    I_app = 0
    a = 0
    b = 0
    """,
    equations="""
    r = a*I_app + b
    """,
)

#: a leaky integrator integrated exactly (exponential Euler is exact for a
#: linear ODE with constant input): from v = 0, v(t) = I (1 - exp(-t/tau))
LIF_NEURON = ann.Neuron(
    parameters="""
    tau = 10.0
    v_th = 1.0
    I_app = 0
    """,
    equations="tau*dv/dt = -v + I_app : init=0, exponential",
    spike="v >= v_th",
    reset="v = 0",
)


@pytest.fixture
def rate_pop():
    """3 rate neurons named 'pop' (a = 1, 2, 3; b = 0.5, -1, 2), compiled, dt = 1 ms."""
    ann.clear()
    ann.setup(dt=1.0)
    pop = ann.Population(3, RATE_NEURON, name="pop")
    ann.compile()
    pop.a = [1.0, 2.0, 3.0]
    pop.b = [0.5, -1.0, 2.0]
    return pop


@pytest.fixture
def lif_pop():
    """One LIF neuron named 'lif', compiled, dt = 0.1 ms."""
    ann.clear()
    ann.setup(dt=0.1)
    pop = ann.Population(1, LIF_NEURON, name="lif")
    ann.compile()
    return pop
