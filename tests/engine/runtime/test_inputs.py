"""Input populations: Poisson, spike sources, timed arrays, correlated trains, input arrays.

Statistical checks use fixed seeds and tolerances of four standard errors
computed from the expected distribution (not from the sample), so a broken
generator fails while a correct one passes for any seed with probability
above 0.999.
"""

import math

import numpy as np
import pytest

from engine import (
    HomogeneousCorrelatedSpikeTrains, InputArray, Network, NetworkError, Neuron,
    PoissonPopulation, SpikeSourceArray, TimedArray, TimedPoissonPopulation,
)
from engine import Uniform
from engine.errors import AttributeAssignmentError, EquationError


def _counts(monitor, n, n_steps, bin_steps=None):
    """Spike counts per neuron (and per bin of ``bin_steps`` steps)."""
    spikes = monitor.get("spike")
    if bin_steps is None:
        return np.array([len(spikes.get(i, [])) for i in range(n)])
    nb = n_steps // bin_steps
    out = np.zeros((n, nb))
    for i, st in spikes.items():
        out[i] = np.bincount(np.asarray(st, dtype=int) // bin_steps, minlength=nb)[:nb]
    return out


def _spikes(monitor):
    """``monitor.get('spike')`` without the neurons that did not spike."""
    return {i: v for i, v in monitor.get("spike").items() if len(v)}


# ---------------------------------------------------------------------------
# PoissonPopulation
# ---------------------------------------------------------------------------

def test_poisson_rate_and_fano_factor():
    N, rate, dt, T = 2000, 20.0, 1.0, 1000.0
    net = Network(dt=dt, seed=11)
    pop = net.create(PoissonPopulation(N, rates=rate))
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(T)
    n_steps = int(T / dt)
    counts = _counts(m, N, n_steps)
    p = rate * dt / 1000.0
    mean, var = n_steps * p, n_steps * p * (1 - p)     # Binomial(n_steps, p) per neuron
    se_mean = math.sqrt(var / N)
    assert abs(counts.mean() - mean) < 4 * se_mean
    fano = counts.var(ddof=1) / counts.mean()
    se_fano = (1 - p) * math.sqrt(2.0 / (N - 1))         # sample variance of ~normal counts
    assert abs(fano - (1 - p)) < 4 * se_fano, fano


def test_poisson_fano_in_windows_and_no_memory():
    N, rate, dt, T, W = 500, 50.0, 0.5, 2000.0, 200   # windows of 100 ms
    net = Network(dt=dt, seed=5)
    pop = net.create(PoissonPopulation(N, rates=rate))
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(T)
    counts = _counts(m, N, int(T / dt), W)             # (N, 20)
    p = rate * dt / 1000.0
    mean, var = W * p, W * p * (1 - p)
    assert abs(counts.mean() - mean) < 4 * math.sqrt(var / counts.size)
    fano = counts.var(ddof=1) / counts.mean()
    assert abs(fano - (1 - p)) < 4 * (1 - p) * math.sqrt(2.0 / (counts.size - 1))
    # consecutive windows are uncorrelated
    a, b = counts[:, :-1].ravel(), counts[:, 1:].ravel()
    r = np.corrcoef(a, b)[0, 1]
    assert abs(r) < 4 / math.sqrt(a.size)


def test_poisson_per_neuron_rates_settable_later():
    N, dt, T = 1000, 1.0, 500.0
    rates = np.repeat([0.0, 10.0, 40.0, 100.0], N // 4)
    net = Network(dt=dt, seed=2)
    pop = net.create(PoissonPopulation(N, rates=rates))
    np.testing.assert_array_equal(pop.rates, rates)
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(T)
    counts = _counts(m, N, int(T / dt)).reshape(4, -1)
    for group, rate in zip(counts, [0.0, 10.0, 40.0, 100.0]):
        p = rate * dt / 1000
        mean, var = T / dt * p, T / dt * p * (1 - p)
        if rate == 0:
            assert group.sum() == 0
        else:
            assert abs(group.mean() - mean) < 4 * math.sqrt(var / group.size)
    pop.rates = 0.0
    pop[: N // 2].rates = 30.0                  # views write into the population
    net.simulate(T)
    counts = _counts(m, N, int(T / dt))
    assert counts[N // 2:].sum() == 0
    p = 30.0 * dt / 1000
    assert abs(counts[: N // 2].mean() - T * p) < 4 * math.sqrt(T * p * (1 - p) / (N // 2))


def test_poisson_rates_equation_of_t_follows_the_formula():
    N, dt, T = 2000, 1.0, 300.0
    net = Network(dt=dt, seed=3)
    pop = net.create(PoissonPopulation(
        N, rates="amp * (1 + sin(2*pi*t/period)) / 2",
        parameters="amp = 80.0 : population\nperiod = 100.0 : population"))
    m_r = net.monitor(pop[:1], "rates")
    m_s = net.monitor(pop, "spike")
    net.compile()
    net.simulate(T)
    t = np.arange(int(T / dt)) * dt
    expected = 80.0 * (1 + np.sin(2 * np.pi * t / 100.0)) / 2
    np.testing.assert_allclose(m_r.get("rates")[:, 0], expected, rtol=1e-12, atol=1e-12)
    # population spike counts in 10 ms bins follow the summed probabilities
    spikes = m_s.get("spike")
    steps = np.concatenate([np.asarray(v, dtype=int) for v in spikes.values()])
    observed = np.bincount(steps // 10, minlength=30)
    p = expected * dt / 1000
    exp_bins = N * p.reshape(30, 10).sum(axis=1)
    var_bins = N * (p * (1 - p)).reshape(30, 10).sum(axis=1)
    z = (observed - exp_bins) / np.sqrt(var_bins)
    assert np.abs(z).max() < 4.5, z
    assert np.mean(z ** 2) < 2.0                # chi-square per degree of freedom
    # a changed parameter changes the rates; rates themselves are an equation
    pop.amp = 0.0
    net.simulate(50.0)
    assert _spikes(m_s) == {}
    with pytest.raises(NetworkError, match="given by its equation"):
        pop.rates = 10.0


def test_poisson_rates_equation_with_dict_parameters_and_refractory():
    net = Network(dt=1.0, seed=4)
    pop = net.create(PoissonPopulation(200, rates="f * 1000.0", parameters={"f": 1.0},
                                       refractory=3.0))
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(40.0)
    # p = 1 at every step: a spike every refractory period + 1 step
    for st in m.get("spike").values():
        assert st == list(range(0, 40, 4))


def test_poisson_same_seed_same_spikes_other_seed_other_spikes():
    def run(seed):
        net = Network(dt=0.5, seed=seed)
        a = net.create(PoissonPopulation(300, rates=30.0))
        b = net.create(PoissonPopulation(300, rates="20.0 + t/10"))
        ma, mb = net.monitor(a, "spike"), net.monitor(b, "spike")
        net.compile()
        net.simulate(200.0)
        first = (ma.get("spike"), mb.get("spike"))
        net.reset()
        net.simulate(200.0)
        again = (ma.get("spike"), mb.get("spike"))
        return first, again

    first, again = run(42)
    assert first == again                      # reset restarts the random streams
    assert first == run(42)[0]
    other = run(43)[0]
    assert other[0] != first[0] and other[1] != first[1]
    assert first[0] != first[1]                # populations have their own streams


def test_poisson_target_rate_from_sum():
    N, dt, T = 3, 1.0, 2000.0
    net = Network(dt=dt, seed=8)
    inp = net.create(InputArray(N))
    pois = net.create(PoissonPopulation(N, target="exc"))
    net.connect(inp, pois, "exc").one_to_one(weights=2.0)
    inp.r = [0.0, 10.0, 50.0]
    m = net.monitor(pois, ["rates", "spike"])
    net.compile()
    net.simulate(T)
    data = m.get()
    np.testing.assert_allclose(data["rates"][-1], [0.0, 20.0, 100.0])
    counts = np.array([len(data["spike"].get(i, [])) for i in range(N)])
    assert counts[0] == 0
    for i, rate in ((1, 20.0), (2, 100.0)):
        p = rate * dt / 1000
        n = T / dt
        assert abs(counts[i] - n * p) < 4 * math.sqrt(n * p * (1 - p))
    with pytest.raises(NetworkError, match="sum\\(exc\\)"):
        pois.rates = 5.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(), "give rates"),
    (dict(rates=5.0, target="exc"), "not both"),
    (dict(rates=-1.0), ">= 0"),
    (dict(rates=[1.0, -2.0, 3.0]), ">= 0"),
    (dict(rates=[1.0, 2.0]), "shape"),
    (dict(rates=float("nan")), "finite"),
    (dict(rates="10\nv = 1"), "one expression"),
    (dict(rates=5.0, parameters="a = 1.0"), "parameters are for a rates equation"),
    (dict(rates=5.0, refractory=-1.0), "refractory"),
    (dict(target="1exc"), "target must be a name"),
    (dict(rates=Uniform(1.0, 2.0)), "pop.rates = Uniform"),
])
def test_poisson_bad_arguments(kwargs, match):
    net = Network(dt=1.0)
    with pytest.raises(NetworkError, match=match):
        PoissonPopulation(3, network=net, **kwargs)
    assert net.get_populations() == []


def test_poisson_bad_rates_assignment_keeps_old_values():
    net = Network(dt=1.0)
    pop = net.create(PoissonPopulation(3, rates=[1.0, 2.0, 3.0]))
    for bad in (-1.0, [1.0, -1.0, 1.0]):
        with pytest.raises(NetworkError, match=">= 0"):
            pop.rates = bad
    with pytest.raises(AttributeAssignmentError, match=">= 0"):   # also a value error
        pop[1:].rates = -5.0
    with pytest.raises(AttributeAssignmentError, match="shape"):
        pop.rates = [1.0, 2.0]
    np.testing.assert_array_equal(pop.rates, [1.0, 2.0, 3.0])
    pop.rates = Uniform(10.0, 20.0)             # distributions are sampled and checked
    assert ((pop.rates >= 10.0) & (pop.rates < 20.0)).all()
    with pytest.raises(NetworkError, match=">= 0"):
        pop.rates = Uniform(-1.0, 0.0)
    assert (pop.rates >= 10.0).all()


def test_poisson_equation_errors_are_equation_errors():
    with pytest.raises(EquationError, match="unknown name 'frq'"):
        PoissonPopulation(3, rates="10*sin(frq*t)", parameters="freq = 1.0",
                          network=Network(dt=1.0))


# ---------------------------------------------------------------------------
# SpikeSourceArray
# ---------------------------------------------------------------------------

RECEIVER = Neuron(equations="x = g_exc", spike="x > 1e9", name="Receiver")


def test_spike_source_array_emits_exactly_the_given_steps():
    net = Network(dt=0.1, seed=1)
    times = [[0.0, 0.3, 1.0, 2.0, 2.02, 7.04, 7.06], [5.0], []]
    src = net.create(SpikeSourceArray(times))
    assert src.size == 3
    m = net.monitor(src, "spike")
    net.compile()
    net.simulate(10.0)
    spikes = m.get("spike")
    # round(t/dt): 0.3 -> 3, 2.0 and 2.02 -> one spike at 20, 7.04 -> 70, 7.06 -> 71
    assert spikes[0] == [0, 3, 10, 20, 70, 71]
    assert spikes[1] == [50]
    assert spikes.get(2, []) == []
    assert src.spike_times[0] == pytest.approx([0.0, 0.3, 1.0, 2.0, 7.0, 7.1])
    single = SpikeSourceArray([1.0, 2.0], network=Network(dt=1.0))
    assert single.size == 1 and single.spike_times == [[1.0, 2.0]]


@pytest.mark.parametrize("delay_ms, steps", [(0.0, 1), (0.1, 1), (0.5, 5), (1.2, 12)])
def test_spike_source_array_delivers_at_spike_step_plus_delay(delay_ms, steps):
    net = Network(dt=0.1, seed=1)
    times = [[0.0, 0.3, 0.4, 0.5, 2.0], [1.0, 1.1], [0.2]]
    src = net.create(SpikeSourceArray(times))
    post = net.create(3, RECEIVER)
    net.connect(src, post, "exc").from_matrix([[1.0, 10.0, np.nan],
                                               [np.nan, np.nan, 100.0],
                                               [1.0, np.nan, np.nan]], delays=delay_ms)
    m = net.monitor(post, "x")
    net.compile()
    net.simulate(4.0)
    x = m.get("x")
    expected = np.zeros((40, 3))
    spike_steps = [[0, 3, 4, 5, 20], [10, 11], [2]]
    weights = {(0, 0): 1.0, (1, 0): 10.0, (2, 1): 100.0, (0, 2): 1.0}
    for (pre, post_i), w in weights.items():
        for s in spike_steps[pre]:
            expected[s + steps, post_i] += w
    np.testing.assert_array_equal(x, expected)


def test_spike_source_array_per_synapse_delays():
    net = Network(dt=1.0, seed=1)
    src = net.create(SpikeSourceArray([[2.0, 3.0]]))
    post = net.create(2, RECEIVER)
    net.connect(src, post, "exc").from_matrix([[1.0], [2.0]], delays=[[3.0], [7.0]])
    m = net.monitor(post, "x")
    net.compile()
    net.simulate(15.0)
    x = m.get("x")
    assert np.flatnonzero(x[:, 0]).tolist() == [5, 6]
    assert np.flatnonzero(x[:, 1]).tolist() == [9, 10]
    assert x[9, 1] == 2.0


def test_spike_times_settable_between_runs_past_times_skipped():
    net = Network(dt=1.0, seed=1)
    src = net.create(SpikeSourceArray([[1.0, 3.0], [2.0]]))
    m = net.monitor(src, "spike")
    net.compile()
    net.simulate(5.0)
    # at t = 5 ms: 1 and 4 are past, 5 is the next step
    src.spike_times = [[1.0, 4.0, 5.0, 8.0], [6.0]]
    net.simulate(5.0)
    assert _spikes(m) == {0: [1, 3, 5, 8], 1: [2, 6]}
    assert src.spike_times == [[1.0, 4.0, 5.0, 8.0], [6.0]]
    with pytest.raises(NetworkError, match="number of neurons is fixed"):
        src.spike_times = [[1.0]]


def test_spike_source_array_reset_replays_from_now_and_net_reset_from_zero():
    net = Network(dt=1.0, seed=1)
    src = net.create(SpikeSourceArray([[0.0, 2.0], [3.0]]))
    m = net.monitor(src, "spike")
    net.compile()
    net.simulate(10.0)
    src.reset()                                   # ANNarchy: times relative to now
    net.simulate(10.0)
    assert _spikes(m) == {0: [0, 2, 10, 12], 1: [3, 13]}
    src.spike_times = [[1.0], [4.0]]
    net.reset()                                   # back to t = 0, current spike times
    net.simulate(10.0)
    assert _spikes(m) == {0: [1], 1: [4]}
    src.reset()
    net.simulate(3.0)
    assert _spikes(m) == {0: [11]}


def test_spike_source_array_clear_restarts_the_clock_as_annarchy():
    """ANNarchy 5.0.4.1, same script (dt = 1 ms): spike_times set at 100 ms
    then clear() emits {0: [125, 140, 160], 1: [115, 190]}."""
    net = Network(dt=1.0, seed=1)
    src = net.create(SpikeSourceArray([[10.0, 30.0, 50.0], [5.0, 70.0]]))
    m = net.monitor(src, "spike")
    net.compile()
    net.simulate(100.0)
    assert _spikes(m) == {0: [10, 30, 50], 1: [5, 70]}
    src.spike_times = [[25.0, 40.0, 60.0], [15.0, 90.0]]
    src.clear()
    net.simulate(100.0)
    assert _spikes(m) == {0: [125, 140, 160], 1: [115, 190]}
    # clear() at time 0 changes nothing (SynapticTransmission calls it after compile)
    net2 = Network(dt=1.0)
    src2 = net2.create(SpikeSourceArray([10.0]))
    m2 = net2.monitor(src2, "spike")
    net2.compile()
    src2.clear()
    net2.simulate(20.0)
    assert _spikes(m2) == {0: [10]}


@pytest.mark.parametrize("times, match", [
    ([[1.0, 3.0, 2.0]], "not sorted"),
    ([[-1.0, 3.0]], ">= 0"),
    ([[1.0, float("nan")]], "finite"),
    ([[1.0], 2.0], "mixes"),
    ([["a"]], "numbers"),
    ("10, 20", "list"),
])
def test_spike_source_array_bad_times(times, match):
    net = Network(dt=1.0)
    with pytest.raises(NetworkError, match=match):
        SpikeSourceArray(times, network=net)
    assert net.get_populations() == []


def test_spike_source_array_created_elsewhere_uses_the_new_network_dt():
    src = SpikeSourceArray([[1.0, 2.5]])           # joins the active (default) network
    net = Network(dt=0.5, seed=2)
    assert net.create(src) is src and src.network is net
    m = net.monitor(src, "spike")
    net.compile()
    net.simulate(4.0)
    assert _spikes(m) == {0: [2, 5]}


def test_annarchy4_global_style():
    import engine

    net = Network(dt=1.0, seed=3)
    with net:
        src = SpikeSourceArray([[1.0, 4.0]])
        pois = PoissonPopulation(10, rates=1000.0)     # p = 1: spikes every step
        engine.compile()
        m = engine.Monitor(src, "spike")
        m2 = engine.Monitor(pois, "spike")
        engine.simulate(6.0)
    assert src.network is net and pois.network is net
    assert _spikes(m) == {0: [1, 4]}
    assert all(v == list(range(6)) for v in m2.get("spike").values())


# ---------------------------------------------------------------------------
# TimedArray
# ---------------------------------------------------------------------------

def test_timed_array_switches_rows_at_the_schedule_and_loops_with_period():
    rates = np.array([[1.0, 0.0], [2.0, 5.0], [3.0, 7.0]])
    net = Network(dt=1.0, seed=1)
    inp = net.create(TimedArray(rates=rates, schedule=2.0, period=10.0))
    assert inp.geometry == (2,)
    m = net.monitor(inp, "r")
    net.compile()
    net.simulate(25.0)
    r = m.get("r")
    # rows at internal steps 0, 2, 4; the last row stays; the clock restarts every 10 steps
    rows = [0, 0, 1, 1, 2, 2, 2, 2, 2, 2]
    expected = rates[rows * 3][:25]
    np.testing.assert_array_equal(r, expected)
    np.testing.assert_array_equal(inp.schedule, [0.0, 2.0, 4.0])
    assert inp.period == 10.0
    inp.period = -1.0                    # no restart any more; the schedule runs on
    inp.schedule = [0.0, 1.0, 3.0]
    inp.reset()
    net.simulate(6.0)
    np.testing.assert_array_equal(m.get("r")[:, 1], [0.0, 5.0, 5.0, 7.0, 7.0, 7.0])
    assert inp.period == -1.0


def test_timed_array_default_schedule_every_step_and_list_schedule():
    rates = np.arange(12.0).reshape(3, 2, 2)        # 2D geometry
    net = Network(dt=0.5, seed=1)
    every = net.create(TimedArray(rates=rates))
    listed = net.create(TimedArray(rates=rates, schedule=[1.0, 2.0, 3.5]))
    m1, m2 = net.monitor(every, "r"), net.monitor(listed, "r")
    net.compile()
    net.simulate(5.0)
    r1, r2 = m1.get("r", reshape=False), m2.get("r", keep=True)
    assert every.geometry == (2, 2)
    assert r2.shape[1:] == (2, 2)               # ANNarchy 5's default: the geometry
    r2 = m2.get("r", reshape=False)
    np.testing.assert_array_equal(r1[:3], rates.reshape(3, 4))
    np.testing.assert_array_equal(r1[3:], np.tile(rates[2].reshape(1, 4), (7, 1)))
    # r is 0 before the first schedule time (step 2), then rows at steps 2, 4, 7
    np.testing.assert_array_equal(r2[:2], 0.0)
    for k, row in ((2, 0), (3, 0), (4, 1), (6, 1), (7, 2), (9, 2)):
        np.testing.assert_array_equal(r2[k], rates[row].ravel())


def test_timed_array_reset_update_and_projection():
    net = Network(dt=1.0, seed=1)
    inp = net.create(TimedArray(geometry=2))
    post = net.create(2, Neuron(equations="r = sum(exc)"))
    net.connect(inp, post, "exc").one_to_one(weights=10.0)
    m = net.monitor(post, "r")
    m_in = net.monitor(inp, "r")
    inp.update(np.array([[1.0, 2.0], [3.0, 4.0]]), schedule=3.0)
    net.compile()
    net.simulate(5.0)
    # the projection reads r as it was after the previous step
    np.testing.assert_array_equal(m_in.get("r")[:, 0], [1, 1, 1, 3, 3])
    np.testing.assert_array_equal(m.get("r")[:, 0], [0, 10, 10, 10, 30])
    inp.reset()                                     # restart the schedule now (r = 0 first)
    net.simulate(4.0)
    np.testing.assert_array_equal(m_in.get("r")[:, 1], [2, 2, 2, 4])
    inp.rates = np.array([[5.0, 6.0], [7.0, 8.0], [9.0, 0.0]])   # keeps the 3 ms schedule
    np.testing.assert_array_equal(inp.schedule, [0.0, 3.0, 6.0])
    net.reset()
    net.simulate(7.0)
    np.testing.assert_array_equal(m_in.get("r")[:, 0], [5, 5, 5, 7, 7, 7, 9])
    with pytest.raises(NetworkError, match="update"):
        inp.r = 1.0


def test_timed_array_clear_restarts_the_schedule_like_reset():
    """ANNarchy's clear() calls the C++ reset(), whose TimedArray part restarts
    the clock and the rows (_t = 0, _block = 0): the same as inp.reset()."""
    traces = []
    for how in ("reset", "clear"):
        net = Network(dt=1.0, seed=1)
        inp = net.create(TimedArray(np.array([[1.0], [3.0], [5.0]]), schedule=2.0))
        m = net.monitor(inp, "r")
        net.compile()
        net.simulate(3.0)
        getattr(inp, how)()
        net.simulate(5.0)
        traces.append(m.get("r")[:, 0])
    np.testing.assert_array_equal(traces[1], traces[0])
    # rows every 2 ms; restarted at 3 ms: rows 0, 1, 2 at 3, 5 and 7 ms
    np.testing.assert_array_equal(traces[0], [1, 1, 3, 1, 1, 3, 3, 5])


@pytest.mark.parametrize("kwargs, match", [
    (dict(), "give rates"),
    (dict(rates=np.ones(3)), "one axis for time"),
    (dict(rates=np.ones((2, 3)), geometry=4), "geometry"),
    (dict(rates=np.ones((2, 3)), schedule=[0.0, 1.0, 2.0]), "only 2 row"),
    (dict(rates=np.ones((2, 3)), schedule=[0.0, 0.02]), "same or decreasing"),
    (dict(rates=np.ones((2, 3)), schedule=[0.0, -1.0]), ">= 0"),
    (dict(rates=np.array([[1.0, np.nan]])), "finite"),
])
def test_timed_array_bad_arguments(kwargs, match):
    net = Network(dt=0.1)
    with pytest.raises(NetworkError, match=match):
        TimedArray(network=net, **kwargs)
    assert net.get_populations() == []


# ---------------------------------------------------------------------------
# TimedPoissonPopulation
# ---------------------------------------------------------------------------

def test_timed_poisson_population_follows_the_schedule_and_period():
    # 1000 Hz at dt = 1 ms is p = 1: spikes at every step of the 1000 Hz blocks
    net = Network(dt=1.0, seed=1)
    pop = net.create(TimedPoissonPopulation(4, rates=[0.0, 1000.0, 0.0],
                                            schedule=[0.0, 5.0, 8.0], period=12.0))
    per_neuron = net.create(TimedPoissonPopulation(
        2, rates=[[1000.0, 0.0], [0.0, 1000.0]], schedule=[0.0, 3.0]))
    m, m2 = net.monitor(pop, "spike"), net.monitor(per_neuron, "spike")
    m_p = net.monitor(pop[:1], "proba")
    net.compile()
    net.simulate(30.0)
    expected = [5, 6, 7, 17, 18, 19, 29]
    assert all(v == expected for v in m.get("spike").values()) and len(m.get("spike")) == 4
    assert m2.get("spike") == {0: [0, 1, 2], 1: list(range(3, 30))}
    assert m_p.get("proba")[5:8, 0].tolist() == [1000.0] * 3
    np.testing.assert_array_equal(pop.rates[:, 0], [0.0, 1000.0, 0.0])


def test_timed_poisson_population_rates_statistics():
    N, dt = 2000, 1.0
    net = Network(dt=dt, seed=9)
    pop = net.create(TimedPoissonPopulation(N, rates=[10.0, 60.0], schedule=[0.0, 200.0]))
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(400.0)
    counts = _counts(m, N, 400, 200)
    for k, rate in enumerate((10.0, 60.0)):
        p = rate * dt / 1000
        assert abs(counts[:, k].mean() - 200 * p) < 4 * math.sqrt(200 * p * (1 - p) / N)


def test_timed_poisson_bad_arguments():
    net = Network(dt=1.0)
    with pytest.raises(NetworkError, match="one time per entry"):
        TimedPoissonPopulation(3, rates=[1.0, 2.0], schedule=[0.0], network=net)
    with pytest.raises(NetworkError, match=">= 0"):
        TimedPoissonPopulation(3, rates=[1.0, -2.0], schedule=[0.0, 1.0], network=net)
    with pytest.raises(NetworkError, match="shape"):
        TimedPoissonPopulation(3, rates=np.ones((2, 4)), schedule=[0.0, 1.0], network=net)
    assert net.get_populations() == []


# ---------------------------------------------------------------------------
# HomogeneousCorrelatedSpikeTrains
# ---------------------------------------------------------------------------

def test_rectification_gives_the_requested_mean_and_spread():
    from engine.runtime.input_correlated import _rectify

    for rate, corr, tau in ((20.0, 0.3, 10.0), (50.0, 0.1, 10.0), (5.0, 0.8, 20.0)):
        mu, sigma = _rectify(rate, corr, tau)
        x = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 400001)
        pdf = np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
        rect = np.maximum(x, 0.0)
        dx = x[1] - x[0]
        m1 = np.sum(rect * pdf) * dx
        sd = math.sqrt(np.sum((rect - m1) ** 2 * pdf) * dx)
        assert m1 == pytest.approx(rate, rel=1e-6)
        assert sd == pytest.approx(math.sqrt(corr * rate / (2 * tau / 1000.0)), rel=1e-6)


def test_correlated_spike_trains_rate_process_and_pairwise_correlation():
    N, dt, T, K = 100, 1.0, 100000.0, 100           # windows of K steps = 100 ms
    rate, corr, tau = 50.0, 0.1, 10.0
    net = Network(dt=dt, seed=21)
    pop = net.create(HomogeneousCorrelatedSpikeTrains(N, rates=rate, corr=corr, tau=tau))
    mx, ms = net.monitor(pop, ["x"]), net.monitor(pop, "spike")
    net.compile()
    net.simulate(T)
    x = mx.get("x").ravel()
    mu, sigma = pop.mu, pop.sigma
    # the shared rate: x += dt*(mu - x)/tau + sqrt(dt/tau)*sigma*N(0,1), an AR(1) process
    a = 1 - dt / tau
    V = sigma ** 2 / (2 - dt / tau)                 # its stationary variance
    n = x.size
    assert abs(x.mean() - mu) < 4 * math.sqrt(V / n * (1 + a) / (1 - a))
    assert abs(x.var() - V) < 4 * V * math.sqrt(2.0 / n * (1 + a * a) / (1 - a * a))
    # spike counts in windows: neurons share the rate, so they covary
    counts = _counts(ms, N, int(T / dt), K)
    C = np.cov(counts)
    var = np.mean(np.diag(C))
    cov = (C.sum() - np.trace(C)) / (N * (N - 1))
    k = np.arange(1, K)
    s = dt / 1000.0
    cov_th = s * s * V * (K + 2 * np.sum((K - k) * a ** k))     # Var(sum of p over a window)
    var_th = K * (mu * s - s * s * (V + mu * mu)) + cov_th      # Bernoulli part + shared part
    rho, rho_th = cov / var, cov_th / var_th
    # the estimate is limited by the sampled variance of the rate: n_w windows,
    # relative standard error about sqrt(2/n_w)
    n_w = counts.shape[1]
    assert abs(rho - rho_th) < 4 * rho_th * math.sqrt(2.0 / n_w), (rho, rho_th)
    assert rho_th == pytest.approx(0.0457, abs=5e-4)            # ~ (corr/2)/(1 + corr/2)
    assert abs(counts.mean() / K * 1000 / dt - rate) < 4 * math.sqrt(V * 2 * tau / T) + 0.5


def test_independent_poisson_trains_are_uncorrelated():
    N, dt, T, K = 100, 1.0, 100000.0, 100
    net = Network(dt=dt, seed=21)
    pop = net.create(PoissonPopulation(N, rates=50.0))
    ms = net.monitor(pop, "spike")
    net.compile()
    net.simulate(T)
    counts = _counts(ms, N, int(T / dt), K)
    C = np.corrcoef(counts)
    rho = (C.sum() - np.trace(C)) / (N * (N - 1))
    assert abs(rho) < 4 / math.sqrt(counts.shape[1] * N * (N - 1) / 2)


def test_correlated_spike_trains_schedule_and_parameter_changes():
    net = Network(dt=1.0, seed=7)
    pop = net.create(HomogeneousCorrelatedSpikeTrains(
        50, rates=[10.0, 80.0], corr=0.2, tau=5.0, schedule=[0.0, 2000.0]))
    mx = net.monitor(pop, ["x", "mu"])
    net.compile()
    net.simulate(4000.0)
    data = mx.get()
    from engine.runtime.input_correlated import _rectify

    mu0, mu1 = _rectify(10.0, 0.2, 5.0)[0], _rectify(80.0, 0.2, 5.0)[0]
    assert data["mu"][0] == pytest.approx(mu0) and data["mu"][1999] == pytest.approx(mu0)
    assert data["mu"][2000] == pytest.approx(mu1)
    assert pop.mu == pytest.approx(mu1)
    x1 = data["x"][2100:]
    # mean of x after the switch (AR(1) standard error, a = 1 - dt/tau)
    a, V = 1 - 1.0 / 5.0, pop.sigma ** 2 / (2 - 1.0 / 5.0)
    assert abs(x1.mean() - mu1) < 4 * math.sqrt(V / x1.size * (1 + a) / (1 - a))
    assert pop.schedule.tolist() == [0.0, 2000.0]
    with pytest.raises(NetworkError, match="'schedule' cannot be set"):
        pop.schedule = [0.0, 10.0]
    # without a schedule, changing rates or tau recomputes mu and sigma at once
    net2 = Network(dt=1.0, seed=7)
    p2 = net2.create(HomogeneousCorrelatedSpikeTrains(10, rates=20.0, corr=0.3, tau=10.0))
    p2.rates = 40.0
    assert (p2.mu, p2.sigma) == pytest.approx(_rectify(40.0, 0.3, 10.0))
    p2.tau = 20.0
    assert (p2.mu, p2.sigma) == pytest.approx(_rectify(40.0, 0.3, 20.0))
    p2.corr = 0.0
    assert (p2.mu, p2.sigma) == pytest.approx((40.0, 0.0))
    with pytest.raises(NetworkError, match="corr must be in"):
        p2.corr = 1.5
    with pytest.raises(NetworkError, match="rates must be >= 0"):
        HomogeneousCorrelatedSpikeTrains(10, rates=-1.0, corr=0.1, tau=10.0, network=net2)
    with pytest.raises(NetworkError, match="first schedule time must be 0"):
        HomogeneousCorrelatedSpikeTrains(10, rates=[1.0, 2.0], corr=0.1, tau=10.0,
                                         schedule=[5.0, 10.0], network=net2)


def test_correlated_spike_trains_refractory():
    net = Network(dt=1.0, seed=1)
    pop = net.create(HomogeneousCorrelatedSpikeTrains(20, rates=400.0, corr=0.05, tau=10.0,
                                                      refractory=4.0))
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(500.0)
    for st in m.get("spike").values():
        assert np.diff(st).min() >= 5


# ---------------------------------------------------------------------------
# InputArray
# ---------------------------------------------------------------------------

def test_input_array_r_is_set_from_python_and_recorded():
    net = Network(dt=1.0, seed=1)
    inp = net.create(InputArray((2, 2)))
    post = net.create(1, Neuron(equations="r = sum(exc)"))
    net.connect(inp, post, "exc").all_to_all(weights=1.0)
    m = net.monitor(inp, "r")
    inp.r = [[1.0, 2.0], [3.0, 4.0]]
    net.compile()
    net.simulate(3.0)
    np.testing.assert_array_equal(m.get("r", keep=True), [[[1.0, 2.0], [3.0, 4.0]]] * 3)
    np.testing.assert_array_equal(m.get("r", reshape=False), [[1.0, 2.0, 3.0, 4.0]] * 3)
    assert post.r[0] == 10.0
    inp[0, 0].r = 0.0
    net.simulate(2.0)
    assert post.r[0] == 9.0
    with pytest.raises(NetworkError, match="geometry"):
        InputArray(network=net)
