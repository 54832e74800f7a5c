"""Projections: spike delivery, delays, rate-coded sums, attribute access, errors."""

import numpy as np
import pytest

from engine import NetworkError, Network, Neuron, Synapse

# pre neurons with dt = 1 ms: v = k + 1 after step k; spike at v >= period
def ramp(period):
    return Neuron(parameters=f"period = {period}",
                  equations="dv/dt = 1.0 : init = 0.0", spike="v >= period", reset="v = 0.0",
                  name="Ramp")


# post neurons accumulate everything they receive on 'exc'
COUNTER = Neuron(equations="tot += g_exc", spike="tot < -1e9", reset="tot = 0.0",
                 name="Counter")


def _received(period, weights, delays=0.0, n_steps=30):
    net = Network(dt=1.0, seed=1)
    pre = net.create(np.shape(weights)[1], ramp(period))
    post = net.create(np.shape(weights)[0], COUNTER)
    proj = net.connect(pre, post, "exc").from_matrix(weights, delays=delays)
    m = net.monitor(post, "tot")
    net.compile()
    net.simulate(n_steps)
    return m.get("tot"), proj


def test_spike_is_delivered_one_step_later_by_default():
    tot, _ = _received(5.0, [[2.0]])
    # the pre neuron spikes at steps 4, 9, 14...; each arrives at the next step
    steps = np.flatnonzero(np.diff(np.concatenate([[0.0], tot[:, 0]])))
    assert steps.tolist() == [5, 10, 15, 20, 25]
    assert tot[-1, 0] == pytest.approx(10.0)


def test_uniform_delay_in_steps():
    tot, proj = _received(5.0, [[2.0]], delays=3.0)
    steps = np.flatnonzero(np.diff(np.concatenate([[0.0], tot[:, 0]])))
    assert steps.tolist() == [7, 12, 17, 22, 27]
    assert proj.max_delay_steps == 3


def test_per_synapse_delays():
    weights = np.array([[1.0, 10.0]])  # post 0 <- pre 0 (w 1), pre 1 (w 10)
    delays = np.array([[2.0, 6.0]])
    net = Network(dt=1.0)
    pre = net.create(2, ramp(5.0))
    post = net.create(1, COUNTER)
    net.connect(pre, post, "exc").from_matrix(weights, delays=delays)
    m = net.monitor(post, "tot")
    net.compile()
    net.simulate(20)
    tot = m.get("tot")[:, 0]
    inc = np.diff(np.concatenate([[0.0], tot]))
    # both pre neurons spike at 4, 9, 14: +1 at 6, 11, 16 and +10 at 10, 15
    expected = np.zeros(20)
    expected[[6, 11, 16]] += 1.0
    expected[[10, 15]] += 10.0
    np.testing.assert_allclose(inc, expected)


RATE = Neuron(parameters="tau = 10.0 : population\nI = 0.0",
              equations="tau * dr/dt = sum(exc) - r + I", name="Rate")


def test_rate_network_matches_numpy_reference():
    rng = np.random.default_rng(0)
    n = 40
    W = rng.uniform(0, 1.0 / n, (n, n)) * (rng.random((n, n)) < 0.5)
    W[W == 0] = np.nan  # no synapse
    I = rng.uniform(0, 1, n)
    net = Network(dt=1.0)
    pop = net.create(n, RATE)
    pop.I = I
    proj = net.connect(pop, pop, "exc").from_matrix(W)
    m = net.monitor(pop, "r")
    net.compile()
    net.simulate(50)
    Wz = np.nan_to_num(W)
    r = np.zeros(n)
    ref = []
    for _ in range(50):
        r = r + 1.0 * (Wz @ r - r + I) / 10.0
        ref.append(r)
    np.testing.assert_allclose(m.get("r"), np.array(ref), rtol=1e-12, atol=1e-14)
    assert proj.nb_synapses == int(np.sum(~np.isnan(W)))


def test_rate_uniform_delay_matches_numpy_reference():
    n = 5
    W = np.full((n, n), 0.1)
    net = Network(dt=1.0)
    pop = net.create(n, RATE)
    pop.I = np.arange(n, dtype=float)
    net.connect(pop, pop, "exc").from_matrix(W, delays=3.0)
    m = net.monitor(pop, "r")
    net.compile()
    net.simulate(20)
    hist = [np.zeros(n)] * 3  # r before t=0 equals the initial value
    r = np.zeros(n)
    ref = []
    for _ in range(20):
        delayed = hist[-3]
        r = r + (W @ delayed - r + np.arange(n)) / 10.0
        hist.append(r)
        ref.append(r)
    np.testing.assert_allclose(m.get("r"), np.array(ref), rtol=1e-12)


def test_custom_psp_and_views():
    sig = Synapse(parameters="gain = 2.0 : projection", psp="gain * w * pos(pre.r - 0.5)")
    net = Network(dt=1.0)
    src = net.create(4, RATE)
    dst = net.create(3, RATE)
    src.r = [0.0, 1.0, 2.0, 3.0]
    src.tau = 1e12  # frozen sources
    proj = net.connect(src[1:3], dst[0:2], "exc", synapse=sig).all_to_all(weights=1.0)
    assert proj.nb_synapses == 4
    net.compile()
    net.step()
    # dst 0 and 1 receive 2*(0.5 + 1.5) = 4; dst 2 receives nothing
    np.testing.assert_allclose(dst.r, [0.4, 0.4, 0.0])


def test_weights_access_and_dendrites():
    W = np.array([[1.0, np.nan, 3.0], [np.nan, 5.0, 6.0]])
    net = Network()
    pre = net.create(3, RATE)
    post = net.create(2, RATE)
    proj = net.connect(pre, post, "exc").from_matrix(W)
    w = proj.w
    assert [x.tolist() for x in w] == [[1.0, 3.0], [5.0, 6.0]]
    assert proj.dendrite(1).pre_ranks == [1, 2]
    assert proj[0].w.tolist() == [1.0, 3.0]
    np.testing.assert_array_equal(proj.connectivity_matrix(), np.nan_to_num(W))
    proj[0].w = [7.0, 8.0]
    assert proj.connectivity_matrix()[0].tolist() == [7.0, 0.0, 8.0]
    proj.w = 0.5
    assert all((x == 0.5).all() for x in proj.w)
    proj.w = [[1.0, 2.0], [3.0, 4.0]]
    assert proj.connectivity_matrix()[1].tolist() == [0.0, 3.0, 4.0]
    assert proj.size == 2 and proj.post_ranks == [0, 1]


def test_spiking_weights_access_matches_matrix():
    W = np.array([[1.0, 2.0], [np.nan, 4.0], [5.0, np.nan]])
    net = Network()
    pre = net.create(2, ramp(3.0))
    post = net.create(3, COUNTER)
    proj = net.connect(pre, post, "exc").from_matrix(W)
    assert [x.tolist() for x in proj.w] == [[1.0, 2.0], [4.0], [5.0]]
    np.testing.assert_array_equal(proj.connectivity_matrix(), np.nan_to_num(W))


def test_projection_errors():
    net = Network()
    pre = net.create(2, ramp(3.0))
    post = net.create(2, COUNTER)
    rate = net.create(2, RATE)
    with pytest.raises(NetworkError, match="does not use g_inh"):
        net.connect(pre, post, "inh")
    with pytest.raises(NetworkError, match="rate-coded, but synapse"):
        net.connect(rate, rate, "exc", synapse=Synapse(pre_spike="g_target += w"))
    with pytest.raises(NetworkError, match="post_spike cannot write g_target"):
        net.connect(pre, post, "exc", synapse=Synapse(
            parameters="tau = 10.0", equations="tau * dx/dt = -x",
            pre_spike="g_target += w\nx += 1", post_spike="g_target += 1"))
    with pytest.raises(NetworkError, match="event-driven variable 'x' must be one per synapse"):
        net.connect(pre, post, "exc", synapse=Synapse(
            parameters="tau = 10.0", equations="tau * dx/dt = -x : event-driven, postsynaptic",
            pre_spike="g_target += w\nx += 1"))
    with pytest.raises(NetworkError, match="lacks"):
        net.connect(pre, post, "exc", synapse=Synapse(pre_spike="g_target += w * pre.nothere"))
    net.connect(pre, post, "exc")
    with pytest.raises(NetworkError, match="no synapses yet"):
        net.compile()


def test_monitors_on_dendrites_and_projections_record_weights():
    W = np.array([[1.0, np.nan, 3.0], [np.nan, 5.0, 6.0]])
    net = Network(dt=1.0)
    pre = net.create(3, RATE)
    post = net.create(2, RATE)
    proj = net.connect(pre, post, "exc").from_matrix(W)
    md = net.monitor(proj.dendrite(1), "w", period=2.0)
    mp = net.monitor(proj, "w")
    net.compile()
    net.simulate(2.0)
    proj.dendrite(1).w = [7.0, 8.0]
    net.simulate(2.0)
    np.testing.assert_array_equal(md.get("w"), [[5.0, 6.0], [7.0, 8.0]])
    # ANNarchy's shape: (records, dendrites, synapses of each)
    np.testing.assert_array_equal(mp.get("w")[-1], [[1.0, 3.0], [7.0, 8.0]])
    with pytest.raises(NetworkError, match="did you mean 'w'"):
        net.monitor(proj, "ww")


def test_from_function_receives_the_populations():
    def diagonal(pre, post, weight):
        from engine.runtime.connectivity import LILConnectivity

        lil = LILConnectivity()
        for r in post.ranks:
            lil.add(r, [r], [weight], [0.0])
        return lil

    net = Network(dt=1.0)
    pre = net.create(3, RATE)
    post = net.create(3, RATE)
    proj = net.connect(pre, post, "exc").from_function(diagonal, weight=2.0)
    np.testing.assert_array_equal(proj.connectivity_matrix(), 2.0 * np.eye(3))


def test_from_function_passes_dt_as_annarchy():
    """ANNarchy calls ``method(pre, post, dt, **args)`` (Hybrid notebook:
    ``diagonal(pre, post, dt, weights)`` fills ``LILConnectivity(dt=dt)``);
    a function without ``dt`` (the engine's older form) still works, and
    ANNarchy's storage arguments are not passed to it."""
    import engine as ann

    seen = {}

    def diagonal(pre, post, dt, weights):
        seen["dt"] = dt
        lil = ann.LILConnectivity(dt=dt)
        for rk_post in range(post.size):
            lil.add(rk_post, range(rk_post + 1), [weights], [0])
        return lil

    def step_named_otherwise(pre, post, step, weights):   # positional: dt all the same
        seen["step"] = step
        return [0], [0], weights

    def no_dt(pre, post, weights=1.0, **extra):
        seen["extra"] = extra
        return [1], [2], weights

    net = Network(dt=0.25)
    pre = net.create(4, RATE)
    post = net.create(3, Neuron(equations="r = sum(exc) + sum(inh) + sum(mod)"))
    proj = net.connect(pre, post, "exc").from_function(method=diagonal, weights=1.5)
    assert seen["dt"] == 0.25
    np.testing.assert_array_equal(proj.connectivity_matrix(), 1.5 * np.tri(3, 4))
    net.connect(pre, post, "inh").from_function(step_named_otherwise, weights=2.0)
    assert seen["step"] == 0.25
    p3 = net.connect(pre, post, "mod").from_function(no_dt, weights=3.0,
                                                      storage_format="lil")
    assert seen["extra"] == {} and p3.connectivity_matrix()[2, 1] == 3.0


def test_save_connectivity_from_file_round_trip(tmp_path):
    from engine import Uniform

    net = Network(dt=0.5, seed=3)
    pre = net.create(30, ramp(3.0))
    post = net.create(20, COUNTER)
    proj = net.connect(pre[5:25], post, "exc").fixed_probability(
        0.3, weights=Uniform(0.0, 1.0), delays=Uniform(0.5, 3.0))
    path = proj.save_connectivity(tmp_path / "conn")
    other = Network(dt=0.5)
    pre2 = other.create(30, ramp(3.0))
    post2 = other.create(20, COUNTER)
    copy = other.connect(pre2, post2, "exc").from_file(path)
    np.testing.assert_array_equal(copy.connectivity_matrix(), proj.connectivity_matrix())
    assert [d.tolist() for d in copy.delay] == [d.tolist() for d in proj.delay]
    bad = tmp_path / "bad.npz"
    bad.write_bytes(open(path, "rb").read()[:100])
    third = Network()
    p3 = third.create(30, ramp(3.0))
    q3 = third.create(20, COUNTER)
    with pytest.raises(NetworkError, match="cannot read connectivity"):
        third.connect(p3, q3, "exc").from_file(bad)
    small = third.create(5, COUNTER)
    with pytest.raises(NetworkError, match="connects 30 -> 20 neurons"):
        third.connect(p3, small, "exc").from_file(path)


def test_delivery_form_must_match_the_pre_synaptic_kind():
    from engine import PoissonPopulation

    net = Network(dt=1.0)
    spikes = net.create(PoissonPopulation(3, rates=10.0))
    rate_in = net.create(PoissonPopulation(3, target="exc"))   # rates = sum(exc): rate input
    rate = net.create(2, RATE)
    with pytest.raises(NetworkError, match="does not use g_exc, where a spiking population's "
                                           "input arrives"):
        net.connect(spikes, rate_in, "exc")
    with pytest.raises(NetworkError, match="does not use g_exc.*DecodingProjection"):
        net.connect(spikes, rate, "exc")
    spiking_post = net.create(2, COUNTER)
    with pytest.raises(NetworkError, match="does not use sum\\(exc\\), where a rate-coded "
                                           "population's input arrives.*CurrentInjection"):
        net.connect(rate, spiking_post, "exc")


def test_scale_multiplies_every_weight_in_place_and_checks_its_input():
    from engine.errors import AttributeAssignmentError

    weights = [[1.0, 2.0], [3.0, 0.5]]
    _, proj = _received(5.0, weights)
    proj.scale("w", 1.5)
    np.testing.assert_allclose(proj.connectivity_matrix(), np.multiply(weights, 1.5))
    with pytest.raises(AttributeAssignmentError, match="did you mean 'w'"):
        proj.scale("ww", 2.0)
    with pytest.raises(AttributeAssignmentError, match="finite number"):
        proj.scale("w", float("nan"))
    with pytest.raises(AttributeAssignmentError, match="by a number"):
        proj.scale("w", "double")
    np.testing.assert_allclose(proj.connectivity_matrix(), np.multiply(weights, 1.5))
    # a run after scaling delivers the scaled weights
    tot, proj = _received(5.0, [[2.0]], n_steps=0)
    proj.scale("w", 3.0)
    proj.network.simulate(10)
    assert proj.post_population.tot[0] == pytest.approx(6.0)      # one spike at step 5


def test_from_arrays_gives_the_synapses_listed_and_delivers_them():
    """Synapses given one by one (as SONATA edges are): the same matrix and
    the same delivered input as from_matrix with those weights and delays."""
    pre_ranks = np.array([0, 0, 2, 1, 2])
    post_ranks = np.array([1, 0, 1, 1, 0])
    weights = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
    delays = np.array([1.0, 2.0, 1.0, 3.0, 2.0])
    net = Network(dt=1.0)
    pre = net.create(3, ramp(3.0))
    post = net.create(2, COUNTER)
    proj = net.connect(pre, post, "exc").from_arrays(pre_ranks, post_ranks, weights, delays)
    matrix = proj.connectivity_matrix()
    expected = np.zeros((2, 3))
    expected[post_ranks, pre_ranks] = weights
    np.testing.assert_array_equal(np.nan_to_num(matrix), expected)
    assert proj.connector_name == "from_arrays" and proj.nb_synapses == 5
    net.compile()
    net.simulate(20.0)
    # the same synapses connected through from_matrix deliver the same input
    other = Network(dt=1.0)
    pre2 = other.create(3, ramp(3.0))
    post2 = other.create(2, COUNTER)
    w = np.full((2, 3), np.nan)
    d = np.zeros((2, 3))
    w[post_ranks, pre_ranks], d[post_ranks, pre_ranks] = weights, delays
    other.connect(pre2, post2, "exc").from_matrix(w, delays=d)
    other.compile()
    other.simulate(20.0)
    np.testing.assert_array_equal(post.tot, post2.tot)
    assert post.tot[1] > 0
    # a pair listed twice is two synapses: twice the input of one
    twice = Network(dt=1.0)
    a, b = twice.create(1, ramp(3.0)), twice.create(1, COUNTER)
    double = twice.connect(a, b, "exc").from_arrays([0, 0], [0, 0], [1.0, 2.0])
    twice.compile()
    twice.simulate(10.0)
    once = Network(dt=1.0)
    a1, b1 = once.create(1, ramp(3.0)), once.create(1, COUNTER)
    once.connect(a1, b1, "exc").from_arrays([0], [0], [3.0])
    once.compile()
    once.simulate(10.0)
    assert double.nb_synapses == 2 and b.tot[0] == b1.tot[0] > 0


@pytest.mark.parametrize("args, match", [
    (([0, 1], [0], 1.0), "arrays of different lengths"),
    (([0, 3], [0, 0], 1.0), "ranks out of range"),
    (([0.5], [0], 1.0), "one-dimensional arrays of whole-number ranks"),
    (([0], [0], float("nan")), "must be finite numbers"),
    (([0], [0], 1.0, -1.0), "delays >= 0"),
])
def test_from_arrays_refuses_what_it_cannot_use(args, match):
    net = Network(dt=1.0)
    pre = net.create(3, ramp(3.0))
    post = net.create(2, COUNTER)
    proj = net.connect(pre, post, "exc")
    with pytest.raises(NetworkError, match=match):
        proj.from_arrays(*args)
    proj.from_arrays([0], [1], 1.0)                    # still usable
    assert proj.nb_synapses == 1


def test_pre_and_post_may_be_population_names_as_in_annarchy():
    # ANNarchy's Projection(pre: str | Population, ...): CompNeuroPy's models
    # connect populations by name
    net = Network(dt=1.0)
    a = net.create(2, Neuron(equations="r = 1.0"), name="a")
    b = net.create(3, Neuron(equations="r = sum(exc)"), name="b")
    with pytest.raises(NetworkError, match=r"post='c': no population named 'c'; existing: a, b"):
        net.connect("a", "c", "exc")
    proj = net.connect("a", "b", "exc")
    assert proj.pre is a and proj.post is b
    proj.all_to_all(weights=0.5)
    net.compile()
    net.simulate(2)
    assert b.r.tolist() == [1.0, 1.0, 1.0]          # 2 inputs x 0.5 x r = 1
