"""Teaching labs: ready-made workspaces with short instructions.

Each :class:`Lab` holds a workspace in the file format of
:mod:`workbench.ui.workspace` (with the user models it needs, written as
model text), so a lab loads through the same checks as a file does:
:func:`load_lab` returns a new :class:`Workspace` (``replace_from`` puts it
into a session's own).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from workbench.errors import WorkspaceError
from workbench.ui.workspace import FORMAT, Workspace

__all__ = ["Lab", "LABS", "load_lab"]

_MODEL = "neuroworkbench.model/1"


@dataclass(frozen=True)
class Lab:
    """A preset: ``key``, ``title``, ``instructions`` (markdown) and the
    ``workspace`` data (treat it as read-only; :func:`load_lab` copies it)."""

    key: str
    title: str
    instructions: str
    workspace: dict = field(hash=False, compare=False, repr=False)


def _neuron(name, description, parameters, equations, spike=None, reset=None,
            refractory=None) -> dict:
    return {"format": _MODEL, "kind": "neuron", "name": name, "description": description,
            "parameters": parameters, "equations": equations, "spike": spike, "reset": reset,
            "refractory": refractory, "functions": None}


def _workspace(network: dict, duration: float, record: dict, models=(), chunk=50.0) -> dict:
    return {"format": FORMAT, "models": {m["name"]: m for m in models},
            "network": {"dt": 0.1, "seed": 42, "inputs": [], "projections": [], **network},
            "run": {"duration": duration, "chunk": chunk, "record": record}}


# -- 1. Izhikevich's firing patterns ----------------------------------------------

#: Izhikevich (2003), Fig. 2: a, b, c, d of five cortical cell classes
IZHIKEVICH_CELLS = {"RS": (0.02, 0.2, -65.0, 8.0), "IB": (0.02, 0.2, -55.0, 4.0),
                    "CH": (0.02, 0.2, -50.0, 2.0), "FS": (0.1, 0.2, -65.0, 2.0),
                    "LTS": (0.02, 0.25, -65.0, 2.0)}


def _izhikevich() -> Lab:
    pops, inputs = [], []
    for cell, (a, b, c, d) in IZHIKEVICH_CELLS.items():
        pops.append({"name": cell, "model": "Izhikevich", "size": 1,
                     "values": {"a": a, "b": b, "c": c, "d": d, "v": -65.0, "u": b * -65.0}})
        inputs.append({"name": f"step_{cell}", "kind": "current_step", "population": cell,
                       "variable": "i_offset", "amplitude": 10.0, "start": 50.0, "stop": 450.0})
    return Lab(
        key="izhikevich_patterns",
        title="Izhikevich neurons: five firing patterns",
        instructions=(
            "Five Izhikevich (2003) neurons, one per cortical cell class, receive the same\n"
            "current step (10, from 50 to 450 ms): only **a, b, c, d** differ.\n\n"
            "1. Run, and compare the voltage traces: regular spiking (RS), intrinsically\n"
            "   bursting (IB), chattering (CH), fast spiking (FS), low-threshold spiking (LTS).\n"
            "2. Which one adapts? Which one bursts first and then spikes singly?\n"
            "3. Change **d** of RS to 2 and run again: what does d control?"),
        workspace=_workspace({"populations": pops, "inputs": inputs}, 500.0,
                             {cell: ["v", "spike"] for cell in IZHIKEVICH_CELLS}))


# -- 2. the f-I curve of a leaky integrate-and-fire neuron ------------------------

LIF = _neuron(
    "LIF", "Leaky integrate-and-fire neuron driven by a current I (one per neuron).",
    parameters=("tau = 10.0 : population       # membrane time constant (ms)\n"
                "v_rest = -65.0 : population   # resting potential (mV)\n"
                "v_reset = -65.0 : population  # potential after a spike (mV)\n"
                "v_thresh = -50.0 : population # spike threshold (mV)\n"
                "R = 1.0 : population          # membrane resistance\n"
                "I = 0.0                       # input current, one per neuron"),
    equations="tau * dv/dt = v_rest - v + R * I : init = -65.0",
    spike="v >= v_thresh", reset="v = v_reset", refractory="2.0")

#: the current of each of the f-I lab's neurons (rheobase: 15)
FI_CURRENTS = [2.0 * k for k in range(20)]


def _lif_fi() -> Lab:
    pops = [{"name": "lif", "model": "LIF", "size": len(FI_CURRENTS),
             "values": {"I": FI_CURRENTS}}]
    return Lab(
        key="lif_fi_curve",
        title="The f-I curve of an integrate-and-fire neuron",
        instructions=(
            "Twenty LIF neurons, neuron *k* driven by the constant current I = 2*k\n"
            "(see the population's values: one current per neuron).\n\n"
            "1. Run, then plot each neuron's firing rate against its current: the f-I curve.\n"
            "2. Below which current is the rate zero (the rheobase)? Compare with\n"
            "   R * I = v_thresh - v_rest.\n"
            "3. Set the refractory period of the model to 5 ms: what changes at high currents?"),
        workspace=_workspace({"populations": pops}, 1000.0, {"lif": ["spike", "v"]},
                             models=[LIF]))


# -- 3. the COBA network ---------------------------------------------------------

COBA = _neuron(
    "COBA", "Conductance-based LIF neuron of the COBA benchmark (Vogels & Abbott 2005).",
    parameters=("El = -60.0 : population\n"
                "Vr = -60.0 : population\n"
                "Ee = 0.0 : population\n"
                "Ei = -80.0 : population\n"
                "Vt = -50.0 : population\n"
                "taum = 20.0 : population\n"
                "taue = 5.0 : population\n"
                "taui = 10.0 : population\n"
                "I = 20.0 : population"),
    equations=("taum * dv/dt = g_exc * (Ee - v) + g_inh * (Ei - v) - (v - El) + I\n"
               "taue * dg_exc/dt = - g_exc\n"
               "taui * dg_inh/dt = - g_inh"),
    spike="v > Vt", reset="v = Vr", refractory="5.0")


def _coba() -> Lab:
    pops = [{"name": name, "model": "COBA", "size": size,
             "values": {"v": "Uniform(-60.0, -50.0)"}}
            for name, size in (("exc", 3200), ("inh", 800))]
    projs = [{"name": f"{pre[0]}{post[0]}", "pre": pre, "post": post, "target": pre,
              "synapse": None, "connector": "fixed_probability",
              "params": {"probability": 0.02, "allow_self_connections": True},
              "weights": 0.6 if pre == "exc" else 6.7, "delays": 0.0}
             for pre in ("exc", "inh") for post in ("exc", "inh")]
    return Lab(
        key="coba",
        title="A balanced network: COBA (Vogels & Abbott 2005)",
        instructions=(
            "4000 conductance-based LIF neurons, 3200 excitatory and 800 inhibitory,\n"
            "connected at random (2 %); inhibition (6.7) is stronger than excitation (0.6).\n\n"
            "1. Run, and look at the raster: is the activity regular or irregular?\n"
            "2. Read the mean rates of both populations.\n"
            "3. Lower the inhibitory weights (projections ie, ii) to 3.0: what happens?"),
        workspace=_workspace({"populations": pops, "projections": projs}, 1000.0,
                             {"exc": ["spike"], "inh": ["spike"]}, models=[COBA]))


# -- 4. STDP with Poisson inputs -------------------------------------------------

SONG_GMAX = 0.01
SONG_LIF = _neuron(
    "SongLIF", "Conductance-based LIF neuron of Song, Miller & Abbott (2000).",
    parameters=("taum = 10.0 : population\n"
                "Ee = 0.0 : population\n"
                "El = -74.0 : population\n"
                "taue = 5.0 : population\n"
                "vt = -54.0 : population\n"
                "vr = -60.0 : population"),
    equations=("taum * dv/dt = g_e * (Ee - v) + El - v : init = -74.0\n"
               "taue * dg_e/dt = -g_e"),
    spike="v > vt", reset="v = vr")
SONG_STDP = {
    "format": _MODEL, "kind": "synapse", "name": "SongSTDP",
    "description": "Pair-based STDP with online traces, weights clipped to [0, gmax].",
    "parameters": ("taupre = 20.0 : projection\n"
                   "taupost = 20.0 : projection\n"
                   f"dApre = {0.01 * SONG_GMAX!r} : projection\n"
                   f"dApost = {-0.01 * 1.05 * SONG_GMAX!r} : projection\n"
                   f"gmax = {SONG_GMAX!r} : projection"),
    "equations": ("taupre * dApre_/dt = -Apre_ : event-driven\n"
                  "taupost * dApost_/dt = -Apost_ : event-driven"),
    "psp": None,
    "pre_spike": "g_target += w\nApre_ += dApre\nw = clip(w + Apost_, 0.0, gmax)",
    "post_spike": "Apost_ += dApost\nw = clip(w + Apre_, 0.0, gmax)",
    "functions": None}


def _stdp() -> Lab:
    network = {
        "populations": [{"name": "neuron", "model": "SongLIF", "size": 1, "values": {}}],
        "inputs": [{"name": "inputs", "kind": "poisson", "size": 1000, "rates": 15.0}],
        "projections": [{"name": "stdp", "pre": "inputs", "post": "neuron", "target": "e",
                         "synapse": "SongSTDP", "connector": "all_to_all", "params": {},
                         "weights": f"Uniform(0.0, {SONG_GMAX!r})", "delays": 0.0}]}
    return Lab(
        key="stdp_poisson",
        title="Spike-timing-dependent plasticity (Song, Miller & Abbott 2000)",
        instructions=(
            "1000 Poisson inputs (15 Hz) drive one neuron through STDP synapses whose\n"
            "weights start uniform in [0, gmax]; depression is 5 % stronger than potentiation.\n\n"
            "1. Run (100 s of model time), and watch the output rate: high at first, then\n"
            "   it settles near 20 Hz.\n"
            "2. Plot the histogram of the weights w / gmax of projection stdp: it becomes\n"
            "   U-shaped, the weights piling up near 0 and near 1.\n"
            "3. In the model SongSTDP, set dApost = -0.0001 (= -dApre): what changes?"),
        workspace=_workspace(network, 100000.0, {"neuron": ["spike", "v"]},
                             models=[SONG_LIF, SONG_STDP], chunk=1000.0))


# -- 5. a rate-coded E/I network -------------------------------------------------

def _rate() -> Lab:
    pops = [
        {"name": "E", "model": "LeakyIntegrator", "size": 100,
         "values": {"tau": 10.0, "B": "Uniform(0.5, 1.5)", "noise": 0.1}},
        {"name": "I", "model": "LeakyIntegrator", "size": 25,
         "values": {"tau": 5.0, "B": "Uniform(0.0, 1.0)", "noise": 0.1}},
    ]
    conn = {("E", "E"): (0.1, 0.05), ("E", "I"): (0.2, 0.05),
            ("I", "E"): (0.4, 0.1), ("I", "I"): (0.2, 0.1)}
    projs = [{"name": f"{pre}{post}", "pre": pre, "post": post,
              "target": "exc" if pre == "E" else "inh", "synapse": None,
              "connector": "fixed_probability", "params": {"probability": p},
              "weights": w, "delays": 0.0}
             for (pre, post), (p, w) in conn.items()]
    return Lab(
        key="rate_network",
        title="A rate-coded network of excitatory and inhibitory populations",
        instructions=(
            "Two populations of leaky integrators: E (100) excites itself and I (25),\n"
            "I inhibits both. Each neuron has its own baseline B and a noisy input.\n\n"
            "1. Run, and plot the mean rate r of E and of I: they settle within ~100 ms.\n"
            "2. Double the weights of EE: does the activity still settle? Why (gain > 1)?\n"
            "3. Remove the projection IE: what does inhibition do to E?"),
        workspace=_workspace({"dt": 1.0, "populations": pops, "projections": projs}, 500.0,
                             {"E": ["r"], "I": ["r"]}))


LABS: dict[str, Lab] = {lab.key: lab for lab in (_izhikevich(), _lif_fi(), _coba(), _stdp(),
                                                 _rate())}


def load_lab(key: str) -> Workspace:
    """A new workspace holding lab ``key`` (a copy: the lab is unchanged).

    Raises
    ------
    WorkspaceError
        No lab of that name.
    """
    lab = LABS.get(key)
    if lab is None:
        raise WorkspaceError(f"no lab named {key!r}; the labs are {', '.join(LABS)}")
    return Workspace.from_dict(copy.deepcopy(lab.workspace))
