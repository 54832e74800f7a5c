"""float32 mode (``net.config(precision="float")``): synapses, delays, inputs.

Each network is built twice, in float64 and float32, from the same seed, and
the float32 run is compared with (a) the float64 run and (b) for the
rate-coded network, an independent numpy float32 loop written here from the
model's equations.

Tolerances, derived. float32 rounds to a relative ``u = 2**-24`` (6e-8).
Every state variable here is a contraction, ``x <- a x + input`` with ``a =
1 - dt/tau`` (tau >= 5 ms, dt = 0.5 ms), so the rounding errors of all past
steps add up to at most ``c u max|x| / (1 - a) = c u max|x| tau/dt`` with
``c`` of a few roundings a step (the update, the sum, the stored weight):
with tau/dt = 20, ``c <= 3``: ``60 u max|x|``. STDP weights take one rounding
per pre or post event, about 30 events per synapse here: ``30 u w_max``. So
float32 and float64 must agree to ``TOL = 2**-18 = 64 u`` (3.8e-6) times the
largest magnitude of each recorded variable (measured: 1e-7 to 3e-7).
Spike steps must be identical where no value comes within float32 rounding
of the threshold: the test first checks, on the float64 run, that the value
compared with the threshold (thr = 1) never comes closer to it than
``MARGIN``, 4 times the largest float32-float64 difference allowed (the
closest here: 3.3e-5, against 3.8e-6 allowed and 3e-7 measured).
Integer things (delays in steps, spike steps of the inputs, random streams)
must be identical: precision must not change which random numbers are drawn.
A rate-coded learning rule (Oja) with a uniform delay has its own argument
(at its test).

Found and fixed: a ``Constant`` stayed float64 in float32 mode. Kernels
also take ``dt`` as a float64 argument (ANNarchy's float mode declares it
float), so intermediate results are float64 and rounded to float32 when
stored; the numpy float32 loop shows this stays within an ulp or two.
"""
import numpy as np
import pytest

import engine as ann

U = 2.0 ** -24
TOL = 64 * U
MARGIN = 4 * TOL
DT = 0.5

LIF = ann.Neuron(
    parameters="tau = 10.0\ntau_s = 5.0\nthr = 1.0",
    equations=["tau * dv/dt = -v + g_exc - g_inh",
               "tau_s * dg_exc/dt = -g_exc",
               "tau_s * dg_inh/dt = -g_inh",
               "vt = v"],                    # the value compared with thr (v is reset)
    spike="v > thr", reset="v = 0.0", refractory=2.0)
STDP = ann.Synapse(
    parameters="tau_plus = 20.0\ntau_minus = 20.0\nA_plus = 0.02\nA_minus = 0.021\nw_max = 1.0",
    equations=["tau_plus * dx/dt = -x : event-driven",
               "tau_minus * dy/dt = -y : event-driven"],
    pre_spike="g_target += w\nx += A_plus\nw = clip(w - y, 0.0, w_max)",
    post_spike="y += A_minus\nw = clip(w + x, 0.0, w_max)")

_rng = np.random.default_rng(5)
SOURCE_TIMES = [sorted(set(np.round(_rng.uniform(1, 300, 12) / DT) * DT)) for _ in range(20)]


def _flat(rows):
    return np.concatenate([np.asarray(r) for r in rows])


def build_spiking(precision):
    """SpikeSourceArray -> LIF with STDP and per-synapse delays (delayed events),
    Poisson -> LIF (inh) with per-synapse delays (ring buffer), LIF -> LIF with a
    uniform 3 ms delay (spike history)."""
    net = ann.Network(dt=DT, seed=11)
    net.config(precision=precision)
    src = net.create(ann.SpikeSourceArray(spike_times=SOURCE_TIMES))
    poi = net.create(ann.PoissonPopulation(geometry=20, rates=40.0))
    lif = net.create(8, LIF)
    out = net.create(4, LIF)
    stdp = net.connect(src, lif, "exc", synapse=STDP)
    stdp.fixed_probability(0.6, weights=ann.Uniform(0.3, 0.9), delays=ann.Uniform(0.5, 4.0))
    inh = net.connect(poi, lif, "inh")
    inh.fixed_probability(0.5, weights=ann.Uniform(0.05, 0.2), delays=ann.Uniform(1.0, 3.0))
    ff = net.connect(lif, out, "exc")
    ff.all_to_all(weights=0.6, delays=3.0)
    mons = {"lif": net.monitor(lif, ["vt", "v", "g_exc", "g_inh", "spike"]),
            "out": net.monitor(out, ["vt", "v", "g_exc", "spike"]),
            "src": net.monitor(src, "spike"), "poi": net.monitor(poi, "spike"),
            "w": net.monitor(stdp, ["w", "x", "y"], period=10.0)}
    net.compile()
    w0 = _flat(stdp.w).copy()
    net.simulate(300.0)
    data = {f"{k}.{v}": m.get(v) for k, m in mons.items() for v in m.variables}
    return dict(net=net, data=data, w0=w0, projs=(stdp, inh, ff), pops=(src, poi, lif, out),
                modes=[net._delay_mode(j) for j in (stdp, inh, ff)])


@pytest.fixture(scope="module")
def spiking():
    return build_spiking("double"), build_spiking("float")


def _kernel_float_arrays(net):
    """dtype of every float array the kernels take, by name, except the scratch
    buffers of random draws (``__rnd``): draws are float64 on purpose, the same
    stream in both precisions (engine/codegen/population_code.py)."""
    return {name: dtype for name, (dtype, _) in net._array_types().items()
            if np.dtype(dtype).kind == "f" and "__rnd" not in name}


def test_the_networks_exercise_every_delay_mode(spiking):
    double, single = spiking
    assert double["modes"] == single["modes"] == ["events", "synapse", "uniform"]


@pytest.mark.parametrize("which", [0, 1], ids=["float64", "float32"])
def test_every_state_and_recorded_array_has_the_precision(spiking, which):
    run = spiking[which]
    fdt = np.dtype([np.float64, np.float32][which])
    arrays = _kernel_float_arrays(run["net"])
    assert arrays and {n for n, d in arrays.items() if d != fdt.name} == set()
    for pop in run["pops"]:
        for name in pop._arrays:
            value = getattr(pop, name)
            if isinstance(value, np.ndarray):
                assert value.dtype == fdt, (pop.name, name)
    for proj in run["projs"]:
        for name in proj._arrays:
            assert all(np.asarray(row).dtype == fdt for row in getattr(proj, name)), name
    for key, value in run["data"].items():
        if key.endswith(".spike"):
            continue
        if value.dtype == object:                       # ragged dendrites: arrays inside
            assert all(np.asarray(v).dtype == fdt for v in value.ravel()), key
        else:
            assert value.dtype == fdt, key


REFRACTORY_STEPS = round(2.0 / DT)


def _compared(vt, spikes):
    """The recorded ``vt`` the spike test compared with the threshold: not
    those of the refractory steps after each spike (``vt`` is frozen there,
    ANNarchy 5's rule, at the value that crossed)."""
    mask = np.ones(vt.shape, dtype=bool)
    for rank, steps in spikes.items():
        for s in steps:
            mask[s + 1:s + 1 + REFRACTORY_STEPS, rank] = False
    return vt[mask]


def test_no_compared_value_comes_within_float32_rounding_of_the_threshold(spiking):
    # the precondition of identical spike steps, checked on the float64 run
    double, _ = spiking
    for pop in ("lif", "out"):
        spikes = double["data"][f"{pop}.spike"]
        vt = _compared(double["data"][f"{pop}.vt"], spikes)
        assert np.abs(vt - 1.0).min() > MARGIN, pop
        assert (vt > 1.0).sum() == sum(map(len, spikes.values()))


def test_spike_steps_are_identical(spiking):
    double, single = spiking
    for key in ("lif.spike", "out.spike", "src.spike", "poi.spike"):
        assert single["data"][key] == double["data"][key], key
        assert sum(map(len, double["data"][key].values())) > 20, key


def test_values_agree_to_the_float32_tolerance(spiking):
    double, single = spiking
    for key, d in double["data"].items():
        if key.endswith(".spike"):
            continue
        s = single["data"][key]
        if d.dtype == object:
            d, s = _flat(d.ravel()), _flat(s.ravel())
        scale = np.abs(d).max()
        assert scale > 0, key
        err = np.abs(s.astype(np.float64) - d).max()
        assert err <= TOL * scale, (key, err, scale)
    stdp_d, stdp_s = double["projs"][0], single["projs"][0]
    assert np.abs(_flat(stdp_s.w) - _flat(stdp_d.w)).max() <= TOL * 1.0     # w_max = 1


def test_random_weights_and_delays_are_drawn_from_the_same_stream(spiking):
    double, single = spiking
    # the float32 weights are the float64 draws, rounded once
    assert single["w0"].dtype == np.float32
    assert np.array_equal(single["w0"], double["w0"].astype(np.float32))
    for pd, ps in zip(double["projs"], single["projs"]):
        assert pd.post_ranks == ps.post_ranks
        assert np.array_equal(pd._row_ptr, ps._row_ptr) and np.array_equal(pd._col, ps._col)
        assert np.array_equal(np.asarray(pd._delays), np.asarray(ps._delays)) \
            if pd._delays is not None else ps._delays is None
        assert pd._delay_steps == ps._delay_steps


def test_float32_really_rounds_to_float32(spiking):
    # a float32 run that silently kept float64 state would equal the float64 run
    double, single = spiking
    v64, v32 = double["data"]["lif.v"], single["data"]["lif.v"]
    assert np.any(v32.astype(np.float64) != v64)


# -- rate-coded: TimedArray input, per-synapse delays, numpy float32 loop ---------
RATES = np.array([[1.0, 0.0], [0.3, 2.0], [0.7, 0.1], [0.0, 1.5]])
W = np.array([[1.0, 0.5], [0.25, 2.0], [0.75, -0.5]])
DELAYS = np.array([[0.5, 2.0], [1.0, 3.0], [2.5, 0.5]])     # ms: 1 to 6 steps
TAU = 10.0
N_STEPS = 120


def build_rate(precision):
    net = ann.Network(dt=DT, seed=3)
    net.config(precision=precision)
    ta = net.create(ann.TimedArray(rates=RATES, schedule=1.0, period=4.0))
    post = net.create(3, ann.Neuron(parameters=f"tau = {TAU}",
                                    equations="tau * dr/dt = -r + sum(exc)"))
    proj = net.connect(ta, post, "exc")
    proj.from_matrix(W, delays=DELAYS)
    m, mi = net.monitor(post, "r"), net.monitor(ta, "r")
    net.compile()
    net.simulate(N_STEPS * DT)
    return dict(net=net, r=m.get("r"), inp=mi.get("r"), mode=net._delay_mode(proj),
                w=proj.w, pops=(ta, post))


def numpy_rate_loop(dtype):
    """``tau dr/dt = -r + sum_j w_ij r_j(t - d_ij)``, explicit Euler, in ``dtype``.

    The TimedArray gives row ``floor(t / 1 ms) mod 4`` during the step at ``t``;
    the sum of the step at ``t`` reads the input as it was during the step at
    ``t - d_ij`` (ANNarchy's: the minimum delay dt reads the previous step,
    pinned against ANNarchy in test_peer_event_order.py); 0 before the start.
    """
    f = np.dtype(dtype).type
    rates, w = RATES.astype(dtype), W.astype(dtype)
    k = np.rint(DELAYS / DT).astype(int)
    tau, dt = f(TAU), f(DT)
    inp = np.zeros((N_STEPS, 2), dtype)
    r = np.zeros(3, dtype)
    out = np.zeros((N_STEPS, 3), dtype)
    for s in range(N_STEPS):
        inp[s] = rates[int(s * DT // 1.0) % 4]
        total = np.zeros(3, dtype)
        for i in range(3):
            for j in range(2):
                if s - k[i, j] >= 0:
                    total[i] = total[i] + w[i, j] * inp[s - k[i, j], j]
        r = r + dt * (-r + total) / tau
        out[s] = r
    return inp, out


@pytest.fixture(scope="module")
def rate():
    return build_rate("double"), build_rate("float")


def test_rate_network_uses_per_synapse_delays_and_float32(rate):
    double, single = rate
    assert double["mode"] == single["mode"] == "synapse"
    assert {n for n, d in _kernel_float_arrays(single["net"]).items() if d != "float32"} == set()
    assert single["r"].dtype == single["inp"].dtype == np.float32
    assert all(np.asarray(row).dtype == np.float32 for row in single["w"])
    assert all(p.r.dtype == np.float32 for p in single["pops"])


def test_timed_array_gives_its_rows_rounded_once(rate):
    double, single = rate
    inp32, _ = numpy_rate_loop(np.float32)
    assert np.array_equal(single["inp"], inp32)
    assert np.array_equal(double["inp"], numpy_rate_loop(np.float64)[0])


def test_rate_float32_agrees_with_float64_to_the_tolerance(rate):
    double, single = rate
    scale = np.abs(double["r"]).max()
    err = np.abs(single["r"].astype(np.float64) - double["r"]).max()
    assert 0 < err <= TOL * scale, (err, scale)


def test_rate_float32_follows_an_independent_float32_loop(rate):
    double, single = rate
    _, loop64 = numpy_rate_loop(np.float64)
    _, loop32 = numpy_rate_loop(np.float32)
    np.testing.assert_allclose(double["r"], loop64, rtol=0, atol=1e-12)   # same equations
    scale = np.abs(loop64).max()
    to_loop32 = np.abs(single["r"].astype(np.float64) - loop32).max()
    to_double = np.abs(single["r"].astype(np.float64) - double["r"]).max()
    assert to_loop32 <= TOL * scale
    # it rounds like a float32 computation, not like a float64 one stored late:
    # measured 1e-8 from the float32 loop, 2.5e-7 from float64
    assert to_loop32 * 4 < to_double, (to_loop32, to_double)


OJA = ann.Synapse(parameters="tau = 100.0\nalpha = 0.5",
                  equations="tau * dw/dt = pre.r * post.r - alpha * post.r^2 * w")


def build_oja(precision):
    net = ann.Network(dt=DT, seed=4)
    net.config(precision=precision)
    ta = net.create(ann.TimedArray(rates=RATES, schedule=1.0, period=4.0))
    post = net.create(3, ann.Neuron(equations="r = sum(exc)"))
    proj = net.connect(ta, post, "exc", synapse=OJA)
    proj.all_to_all(weights=ann.Uniform(0.1, 0.5), delays=1.5)
    mw, mr = net.monitor(proj, "w", period=5.0), net.monitor(post, "r")
    net.compile()
    net.simulate(400.0)
    return mw.get("w"), mr.get("r"), net._delay_mode(proj)


def test_a_rate_coded_learning_rule_with_a_uniform_delay_in_float32():
    # Oja's rule learns over ~200 ms = 400 steps: one rounding of w a step that
    # the rule barely pulls back. The worst case (c u max|w| 400 steps) is far
    # above TOL, but the roundings are independent and of either sign: they
    # add up like sqrt(400) = 20 of them, c = 3: 60 u < TOL (measured: 12 u).
    (w64, r64, mode), (w32, r32, _) = build_oja("double"), build_oja("float")
    assert mode == "uniform"
    assert w32.dtype == r32.dtype == np.float32 and w32.shape == w64.shape == (80, 3, 2)
    for a, b in ((w64, w32), (r64, r32)):
        err = np.abs(b.astype(np.float64) - a).max()
        assert 0 < err <= TOL * np.abs(a).max(), err
    assert np.abs(w64[-1] - w64[0]).max() > 0.3                 # it did learn


# -- values set from Python in float64 -------------------------------------------
def test_float64_values_set_from_python_stay_float32():
    net = ann.Network(dt=DT, seed=1)
    net.config(precision="float")
    lif = net.create(3, LIF)
    poi = net.create(ann.PoissonPopulation(geometry=5, rates=50.0))
    ta = net.create(ann.TimedArray(rates=np.array([[0.1, 0.2], [0.3, 0.4]]), schedule=1.0))
    rate_pop = net.create(2, ann.Neuron(equations="r = sum(exc)"))
    proj = net.connect(poi, lif, "inh")
    proj.all_to_all(weights=0.1, delays=2.0)
    net.connect(ta, rate_pop, "exc").one_to_one(weights=1.0)
    lif.v = np.array([0.1, 0.2, 0.3])                 # before compile, float64 input
    net.compile()
    lif.v = np.array([0.1, 0.2, 0.3])                 # after compile
    lif[0:2].tau = np.array([12.0, 13.0])
    proj.w = 0.2
    poi.rates = np.full(5, 10.0)
    ta.update(np.array([[1.0, 2.0]]), schedule=1.0)
    net.simulate(3.0)
    assert {n for n, d in _kernel_float_arrays(net).items() if d != "float32"} == set()
    assert lif.v.dtype == lif.tau.dtype == np.float32
    assert np.asarray(poi.rates).dtype == np.float32
    assert all(np.asarray(row).dtype == np.float32 for row in proj.w)
    assert np.array_equal(rate_pop.r, np.array([1.0, 2.0], dtype=np.float32))
    assert lif.tau.tolist() == [12.0, 13.0, 10.0]


def test_constants_have_the_precision():
    net = ann.Network(dt=DT)
    net.config(precision="float")
    drive = net.constant("drive", 0.5)
    pop = net.create(2, ann.Neuron(equations="dr/dt = drive"))
    net.compile()
    net.simulate(1.0)
    assert pop.r.dtype == np.float32
    assert drive._array.dtype == np.float32
