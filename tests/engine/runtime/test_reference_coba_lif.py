"""Reference check: a conductance-based LIF neuron (COBA form) driven by given
spike trains, engine against an independent numpy loop.

The numpy loop below is written from the documented semantics
(docs/model_language.md and docs/inputs.md), not from the engine's code:

- a SpikeSourceArray spike at time ``t`` is emitted at step ``k = round(t/dt)``
  (here the times are whole steps); a projection with a delay of ``d`` steps
  (``d = max(1, round(delay/dt))``) adds its weight to the post-synaptic
  conductance at the start of step ``k + d``, before the neuron update;
- one step: the ODEs ``v``, ``g_exc``, ``g_inh`` (one run, explicit Euler) are
  integrated from the values at the start of the step; then, if the neuron is
  refractory, the reset ``v = Vr`` is applied again and one refractory step is
  used; otherwise a spike is emitted when ``v > Vt``, ``v = Vr`` and the
  refractory countdown starts with ``round(5 ms / dt)`` steps;
- a monitor row ``k`` holds the state after step ``k``.
"""

import numpy as np
import pytest

from engine import Network, Neuron, SpikeSourceArray

DT = 0.1
P = dict(taum=20.0, El=-60.0, Vt=-50.0, Vr=-60.0, Ee=0.0, Ei=-80.0, I=5.0,
         tau_e=5.0, tau_i=10.0, refractory=5.0)
WE, WI = 0.6 * 0.5, 6.7 * 0.1          # conductance jumps (COBA's 0.6 and 6.7, scaled)
N_STEPS = 3000                          # 300 ms

COBA = Neuron(
    name="COBA",
    parameters=f"""
        taum = {P['taum']} : population
        El = {P['El']} : population
        Vt = {P['Vt']} : population
        Vr = {P['Vr']} : population
        Ee = {P['Ee']} : population
        Ei = {P['Ei']} : population
        I = {P['I']} : population
        tau_e = {P['tau_e']} : population
        tau_i = {P['tau_i']} : population
    """,
    equations="""
        dv/dt = (g_exc*(Ee - v) + g_inh*(Ei - v) - (v - El) + I)/taum : init = -60.0
        dg_exc/dt = -g_exc/tau_e
        dg_inh/dt = -g_inh/tau_i
    """,
    spike="v > Vt",
    reset="v = Vr",
    refractory=P["refractory"],
)


def _input_steps():
    """Spike steps of 12 excitatory and 4 inhibitory sources: random ones, and
    a burst at step 1000 followed by another during the refractory period."""
    rng = np.random.RandomState(1234)
    exc = [sorted(set(rng.randint(0, N_STEPS, size=4).tolist())) for _ in range(12)]
    for k, src in enumerate(exc[:6]):
        src.extend([1000 + k, 1020 + k])          # 1020..: while refractory (steps 1001..1050)
        src.sort()
    inh = [sorted(set(rng.randint(0, N_STEPS, size=6).tolist())) for _ in range(4)]
    return [sorted(set(s)) for s in exc], inh


def _reference(exc, inh, d_e, d_i):
    """Independent numpy loop (see the module docstring)."""
    arrive_e = np.zeros(N_STEPS + max(d_e, d_i) + 1)
    arrive_i = np.zeros_like(arrive_e)
    for src in exc:
        for k in src:
            arrive_e[k + d_e] += WE
    for src in inh:
        for k in src:
            arrive_i[k + d_i] += WI
    v, ge, gi, refr = -60.0, 0.0, 0.0, 0
    n_refr = int(np.floor(P["refractory"] / DT + 0.5))
    vs, spikes = np.zeros(N_STEPS), []
    for n in range(N_STEPS):
        ge += arrive_e[n]
        gi += arrive_i[n]
        dv = DT * (ge * (P["Ee"] - v) + gi * (P["Ei"] - v) - (v - P["El"]) + P["I"]) / P["taum"]
        dge = DT * (-ge / P["tau_e"])
        dgi = DT * (-gi / P["tau_i"])
        v, ge, gi = v + dv, ge + dge, gi + dgi
        if refr > 0:
            v = P["Vr"]
            refr -= 1
        elif v > P["Vt"]:
            spikes.append(n)
            v = P["Vr"]
            refr = n_refr
        vs[n] = v
    return vs, spikes


@pytest.mark.parametrize("delay_e, delay_i", [(0.0, 0.0), (1.5, 0.7)])
def test_coba_lif_matches_the_numpy_reference(delay_e, delay_i):
    exc, inh = _input_steps()
    net = Network(dt=DT, seed=1)
    src_e = net.create(SpikeSourceArray([[k * DT for k in s] for s in exc]))
    src_i = net.create(SpikeSourceArray([[k * DT for k in s] for s in inh]))
    neuron = net.create(1, COBA)
    net.connect(src_e, neuron, "exc").all_to_all(weights=WE, delays=delay_e)
    net.connect(src_i, neuron, "inh").all_to_all(weights=WI, delays=delay_i)
    m = net.monitor(neuron, ["v", "spike"])
    net.compile()
    net.simulate(N_STEPS * DT)
    data = m.get()
    d_e = max(1, int(round(delay_e / DT)))
    d_i = max(1, int(round(delay_i / DT)))
    v_ref, spikes_ref = _reference(exc, inh, d_e, d_i)
    assert 3 <= len(spikes_ref) <= 12          # it fires a few times, only when driven
    # some excitatory input arrives while the neuron is refractory
    n_refr = round(P["refractory"] / DT)
    arrivals = {k + d_e for src in exc for k in src}
    assert any(s < a <= s + n_refr for s in spikes_ref for a in arrivals)
    assert data["spike"].get(0, []) == spikes_ref
    np.testing.assert_allclose(data["v"][:, 0], v_ref, rtol=0, atol=1e-6)


def test_coba_lif_does_not_fire_on_its_own():
    net = Network(dt=DT, seed=1)
    neuron = net.create(1, COBA)
    m = net.monitor(neuron, ["v", "spike"])
    net.compile()
    net.simulate(300.0)
    assert m.get("spike").get(0, []) == []
    assert neuron.v[0] == pytest.approx(P["El"] + P["I"], abs=1e-3)   # rests at El + I
