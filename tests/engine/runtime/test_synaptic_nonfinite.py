"""NaN/inf in synaptic variables is reported, like in neurons (Engine VI, class 3).

A synaptic variable that diverges used to run on silently (only neurons were
checked): ``dx/dt = a*x + 1`` with a = 10 per ms reaches inf after ~300 steps
and the network went on with inf weights. Now the run stops after the chunk in
which it happened, naming the projection, the variable, the synapse and the
interval, which must contain the step where the value overflows (computed here
with the same explicit Euler recurrence in numpy).
"""
import numpy as np
import pytest

import engine as ann
from engine.errors import NetworkError, NumericalError

LIF = ann.Neuron(parameters="tau = 10.0", equations="tau * dv/dt = -v + g_exc",
                 spike="v > 1", reset="v = 0")


def _first_inf_step(a, dt=1.0):
    """Explicit Euler of dx/dt = a*x + 1 from 0: the step after which x is inf."""
    x = np.float64(0.0)
    with np.errstate(over="ignore"):
        for k in range(100_000):
            x = x + dt * (a * x + 1.0)
            if not np.isfinite(x):
                return k
    raise AssertionError("no overflow")


def _network(locality, check_finite=True):
    net = ann.Network(dt=1.0)
    net.config(check_finite=check_finite)
    pre = net.create(3, LIF)
    post = net.create(2, LIF)
    flag = {"": "", "post": " : postsynaptic", "proj": " : projection"}[locality]
    syn = ann.Synapse(parameters="a = 0.0 : projection",
                      equations=f"dx/dt = a*x + 1{flag}", psp="w")
    proj = net.connect(pre, post, "exc", syn, name="plastic")
    proj.all_to_all(0.1)
    net.compile()
    return net, proj


@pytest.mark.parametrize("locality,where", [
    ("", r" of the synapse 0 -> 0 \(pre -> post rank\)"),
    ("post", " of post-synaptic neuron 0"),
    ("proj", ""),
])
def test_a_diverging_synaptic_variable_stops_the_run_with_its_name(locality, where):
    net, proj = _network(locality)
    proj.a = 10.0
    k = _first_inf_step(10.0)
    with pytest.raises(NumericalError, match=rf"projection 'plastic': synaptic variable 'x'"
                                             rf"{where} became infinite between t = ") as err:
        net.simulate(2000.0)
    # the interval reported holds the step of the overflow (k: 0-based step,
    # the value is stored at its end, t = (k+1) dt)
    text = str(err.value)
    t0, t1 = (float(s) for s in text.split("between t = ")[1].split(" ms")[0].split(" and "))
    assert t0 < (k + 1) * 1.0 <= t1
    assert net.time == t1                     # the state and the clock agree


def test_the_network_stays_usable_and_the_check_can_be_turned_off():
    net, proj = _network("")
    proj.a = 10.0
    with pytest.raises(NumericalError):
        net.simulate(2000.0)
    net.reset(projections=True)               # ANNarchy's reset keeps synapses by default
    proj.a = -1.0                              # x -> 1 (dx/dt = 1 - x)
    net.simulate(50.0)
    assert np.allclose(np.concatenate(proj.x), 1.0, atol=1e-6)
    quiet, qproj = _network("", check_finite=False)
    qproj.a = 10.0
    quiet.simulate(2000.0)                     # no check: the user asked for none
    assert np.isinf(np.concatenate(qproj.x)).all()


@pytest.mark.parametrize("value,message", [
    (10**400, "beyond the largest float"),
    (float("inf"), "not a finite float64 number"),
    (1e39, "not a finite float32 number"),      # fits a double, not the network's floats
])
def test_constants_refuse_what_their_precision_cannot_hold(value, message):
    # (beside the synaptic checks: the other values compiled code would turn into inf)
    net = ann.Network(dt=1.0)
    if "float32" in message:
        net.config(precision="float")
    c = net.constant("drive", 0.5)
    with pytest.raises(NetworkError, match=message):
        c.set(value)
    assert c.value == 0.5


def test_apply_writing_nan_is_reported_by_apply_itself():
    from engine import Equations

    class Reward(ann.Synapse):
        def __init__(self):
            self.w = self.Weight()

        def transmit(self):
            with Equations(self) as s:
                s.post.target += s.w * s.pre.r
            return s

        def apply(self):
            with Equations(self) as s:
                s.w += s.post.R / s.post.Z      # 0/0 while Z = 0: NaN
            return s

    net = ann.Network(dt=1.0)
    src = net.create(2, ann.Neuron(parameters="r = 1.0"))
    dst = net.create(1, ann.Neuron(parameters="R = 0.0\nZ = 0.0", equations="r = sum(ge)"))
    proj = net.connect(src, dst, "ge", synapse=Reward, name="rewarded")
    proj.all_to_all(weights=0.5)
    net.compile()
    net.simulate(3.0)
    with pytest.raises(NumericalError, match=r"projection 'rewarded': synaptic variable 'w' "
                                             r".* became NaN in proj.apply\(\) at t = 3 ms; "
                                             r"2 value\(s\) affected"):
        proj.apply()
