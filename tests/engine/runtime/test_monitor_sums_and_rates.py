"""Monitors of ``'sum(exc)'`` (rate-coded weighted sums) and of ``'r'`` of a
spiking population whose model has no ``r``.

Sums are checked against a numpy weighted sum of the pre-synaptic rates
recorded in the same run, row by row, and against ``pop.sum(target)``; the
timing is pinned with ANNarchy's own test (tests_python/RateSynapse/
test_Monitor.py, 27, 30, ... 39) and a worked example. Firing rates are
checked against a numpy sliding-window count of the recorded spikes.
"""

import warnings

import numpy as np
import pytest

from engine import Network, NetworkError, Neuron

DT = 0.5
# pre-synaptic rates that change every step, differently per neuron
_WAVES = Neuron(parameters="a = 1.0\nk = 0.1", equations="r = a * sin(k * t) + 0.1 * t")
_POST = Neuron(parameters="tau = 5.0", equations="tau * dr/dt + r = sum(exc) - sum(inh)")
_W_EXC = np.array([[0.5, -1.0, 2.0, 0.0],
                   [1.5, 0.25, -0.5, 1.0],
                   [-2.0, 0.75, 1.0, 0.5]])
_W_INH = np.array([[0.1, 0.2, 0.3, 0.4],
                   [0.4, 0.3, 0.2, 0.1],
                   [1.0, 0.0, -1.0, 2.0]])
_R0 = np.array([0.3, -0.2, 1.1, 0.7])


def _waves_network(post_geometry=3, **monitor_args):
    net = Network(dt=DT, seed=3)
    pre = net.create(4, _WAVES)
    pre.a = np.array([1.0, 2.0, -0.5, 1.5])
    pre.k = np.array([0.1, 0.37, 0.9, 0.05])
    pre.r = _R0
    post = net.create(post_geometry, _POST)
    net.connect(pre, post, "exc").from_matrix(_W_EXC)
    net.connect(pre, post, "inh").from_matrix(_W_INH)
    m_pre = net.monitor(pre, "r")
    m = net.monitor(post, ["sum(exc)", "sum(inh)", "r"], **monitor_args)
    return net, pre, post, m_pre, m


def _expected_sums(pre_r: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row s: the weights times the pre rates after the update of step s - 1
    (the initial rates at step 0): the sum the update of step s reads."""
    before = np.vstack([_R0, pre_r[:-1]])
    return before @ w.T


def test_recorded_sums_are_the_weighted_sums_of_the_previous_rates():
    net, pre, post, m_pre, m = _waves_network()
    net.compile()
    seen_exc, seen_inh = [], []
    for _ in range(40):
        net.simulate(DT)
        seen_exc.append(post.sum("exc"))
        seen_inh.append(post.sum("inh"))
    pre_r = m_pre.get("r")
    data = m.get()
    assert data["sum(exc)"].shape == (40, 3) and data["sum(inh)"].shape == (40, 3)
    assert np.ptp(pre_r[:, 1]) > 1.0   # the input really changes
    np.testing.assert_allclose(data["sum(exc)"], _expected_sums(pre_r, _W_EXC), rtol=1e-12)
    np.testing.assert_allclose(data["sum(inh)"], _expected_sums(pre_r, _W_INH), rtol=1e-12)
    # pop.sum() after each step is the row recorded at that step
    np.testing.assert_array_equal(data["sum(exc)"], np.array(seen_exc))
    np.testing.assert_array_equal(data["sum(inh)"], np.array(seen_inh))
    # the update of step s reads row s: r follows tau dr/dt + r = sum(exc) - sum(inh)
    drive = data["sum(exc)"] - data["sum(inh)"]
    r = np.zeros(3)
    for s in range(40):
        r = r + DT * (drive[s] - r) / 5.0
        np.testing.assert_allclose(data["r"][s], r, rtol=1e-12, atol=1e-14)


def test_timing_as_annarchy_record_sum_exc():
    """ANNarchy's test_record_sum_exc: 3 neurons with r = t, weights 1, a
    monitor started at t = 10 ms for 5 ms gives 27, 30, 33, 36, 39 (the rates
    of the step before, 9 ms to 13 ms, summed)."""
    net = Network(dt=1.0)
    pre = net.create(3, Neuron(equations="r = t"))
    post = net.create(1, Neuron(equations="r = sum(exc)"))
    net.connect(pre, post, "exc").all_to_all(1.0)
    m = net.monitor(post, "sum(exc)", start=False)
    net.compile()
    net.simulate(10.0)
    m.start()
    net.simulate(5.0)
    m.pause()
    net.simulate(10.0)
    np.testing.assert_allclose(m.get("sum(exc)"), [[27.0], [30.0], [33.0], [36.0], [39.0]])
    assert m.times()["sum(exc)"] == {"start": [10], "stop": [15]}


def test_worked_example_sum_row_is_read_by_the_same_steps_update():
    """dt = 1, pre r = t (0 before step 0), post r = sum(exc) and
    c = c + sum(exc) (c counts what the updates read). Step 0 reads the
    initial rates: 0; step s >= 1 reads 3 (s - 1). The recorded sum of step s
    is the one step s's update read: r[s] == sum[s], c[s] == sum[0..s].
    ANNarchy 5.0.4.1 (same script) gives the same three rows."""
    net = Network(dt=1.0)
    pre = net.create(3, Neuron(equations="r = t"))
    post = net.create(1, Neuron(equations="r = sum(exc)\nc = c + sum(exc)"))
    net.connect(pre, post, "exc").all_to_all(1.0)
    m = net.monitor(post, ["r", "sum(exc)", "c"])
    net.compile()
    net.simulate(6.0)
    data = m.get()
    np.testing.assert_array_equal(data["sum(exc)"][:, 0], [0, 0, 3, 6, 9, 12])
    np.testing.assert_array_equal(data["r"][:, 0], [0, 0, 3, 6, 9, 12])
    np.testing.assert_array_equal(data["c"][:, 0], [0, 0, 3, 9, 18, 30])
    # in the generated loop the sum is recorded before the population's update
    code = net.generated_code()
    assert code.index("_M__sum_exc[_row, _k] = _P__sum_exc") < code.index("r = _sum_exc")


def test_views_geometry_period_and_read_new():
    net, pre, post, m_pre, m = _waves_network(post_geometry=(1, 3), period=2 * DT)
    m_view = net.monitor(post[0, 1:3], "sum(exc)")
    net.compile()
    net.simulate(20 * DT)
    pre_r = m_pre.get("r")
    expected = _expected_sums(pre_r, _W_EXC)
    new_times, new_values = m.read_new("sum(exc)")["sum(exc)"]
    np.testing.assert_allclose(new_times, np.arange(0, 20, 2) * DT)
    np.testing.assert_allclose(new_values, expected[::2], rtol=1e-12)
    assert m.get("sum(exc)", keep=True).shape == (10, 1, 3)       # the geometry
    np.testing.assert_allclose(m.get("sum(exc)", reshape=False), expected[::2], rtol=1e-12)
    np.testing.assert_allclose(m.recorded_times("sum(inh)"), np.arange(0, 20, 2) * DT)
    np.testing.assert_allclose(m_view.get("sum(exc)"), expected[:, 1:3], rtol=1e-12)


def test_monitor_before_connect_and_after_compile():
    """A target that comes with a later projection (the model never reads
    sum(mod)), and a monitor added after compile."""
    net = Network(dt=1.0)
    pre = net.create(2, Neuron(equations="r = 1.0 + t"))
    post = net.create(2, Neuron(equations="r = sum(exc)"))
    early = net.monitor(post, "sum(mod)")
    net.connect(pre, post, "exc").one_to_one(2.0)
    with pytest.warns(UserWarning, match=r"does not use sum\(mod\); the sum is computed"):
        net.connect(pre, post, "mod").all_to_all(0.5)
    net.compile()
    net.simulate(2.0)
    late = net.monitor(post, ["sum(exc)", "sum(mod)"])
    net.simulate(3.0)
    # sum(mod) at step s: 0.5 * (r0 + r1) with r = 1 + (s - 1) (0 at step 0)
    steps = np.arange(5)
    mod = np.where(steps == 0, 0.0, 0.5 * 2 * (1.0 + steps - 1))
    np.testing.assert_allclose(early.get("sum(mod)"), np.column_stack([mod, mod]))
    data = late.get()
    np.testing.assert_allclose(data["sum(mod)"], np.column_stack([mod, mod])[2:])
    np.testing.assert_allclose(data["sum(exc)"], np.column_stack([2 * mod, 2 * mod])[2:])


def test_unknown_target_lists_the_targets():
    net = Network(dt=1.0)
    pre = net.create(2, Neuron(equations="r = t"))
    post = net.create(2, Neuron(equations="r = sum(exc)"))
    net.connect(pre, post, "exc").all_to_all(1.0)
    net.monitor(post, "sum(inh)")   # before compile: a projection may still come
    with pytest.raises(NetworkError) as err:
        net.compile()
    assert str(err.value).startswith(
        "cannot record 'sum(inh)': population 'pop1' has no input on target 'inh' "
        "(its targets: exc); a target exists when the model reads sum(inh) or a "
        "projection connects to it")

    net2 = Network(dt=1.0)
    pre2 = net2.create(2, Neuron(equations="r = t"))
    post2 = net2.create(2, Neuron(equations="r = sum(exc) + sum(mod)"))
    net2.connect(pre2, post2, "exc").all_to_all(1.0)
    net2.compile()
    with pytest.raises(NetworkError, match=r"has no input on target 'inh' "
                                           r"\(its targets: exc, mod\)"):
        net2.monitor(post2, "sum(inh)")   # after compile: at once


@pytest.mark.parametrize("name, hint", [("sum( exc )", "'sum(exc)'"),
                                        ("sum(exc )", "'sum(exc)'"),
                                        ("sum ( exc)", "'sum(exc)'"),
                                        ("sum()", "'sum(exc)'"),
                                        ("sum(a+b)", "'sum(exc)'")])
def test_sum_written_with_spaces_is_refused_as_annarchy(name, hint):
    net = Network(dt=1.0)
    pre = net.create(2, Neuron(equations="r = t"))
    post = net.create(2, Neuron(equations="r = sum(exc)"))
    net.connect(pre, post, "exc").all_to_all(1.0)
    with pytest.raises(NetworkError) as err:
        net.monitor(post, name)
    assert str(err.value) == (f"cannot record {name!r}: write the weighted sum of a target "
                              f"without spaces, e.g. {hint} (as ANNarchy)")


def test_sum_of_a_spiking_population_points_at_its_conductance():
    net = Network(dt=1.0)
    lif = Neuron(equations="dv/dt = -v + g_exc\ndg_exc/dt = -g_exc", spike="v > 1",
                 reset="v = 0")
    pop = net.create(2, lif)
    net.connect(pop, pop, "exc").all_to_all(1.0)
    with pytest.raises(NetworkError) as err:
        net.monitor(pop, "sum(exc)")
    assert str(err.value) == ("cannot record 'sum(exc)': population 'pop0' is spiking; the "
                              "weighted sums are of rate-coded populations (record its "
                              "conductance 'g_exc')")


def test_get_of_a_sum_not_recorded():
    net, pre, post, m_pre, m = _waves_network()
    net.compile()
    with pytest.raises(NetworkError, match=r"does not record 'sum\(mod\)' \(it records "
                                           r"sum\(exc\), sum\(inh\), r\)"):
        m.get("sum(mod)")


# -- r of a spiking population ---------------------------------------------------------
_PACED = Neuron(parameters="I = 0.1", equations="dv/dt = I : init=0.0", spike="v > 1.0",
                reset="v = 0.0")


def _window_rate(spikes, n_steps, window, dt):
    """1000/window Hz per spike in the last int(window/dt) steps, this one included."""
    w = int(window / dt)
    out = np.zeros(n_steps)
    for s in spikes:
        out[s:s + w] += 1000.0 / window
    return out


def _paced_pop():
    net = Network(dt=0.5, seed=1)
    pop = net.create(3, _PACED)
    pop.I = np.array([0.1, 0.25, 0.0])
    return net, pop


def test_monitor_of_r_gives_a_spiking_model_its_rate_with_a_warning_at_compile():
    net, pop = _paced_pop()
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # compute_firing_rate may still come: no warning yet
        m = net.monitor(pop, ["r", "spike"])
    np.testing.assert_array_equal(pop.r, [0.0, 0.0, 0.0])
    with pytest.warns(UserWarning) as record:
        net.compile()
    assert [str(w.message) for w in record] == [
        "a monitor records 'r' of spiking population 'pop0', which stays 0: call "
        "pop0.compute_firing_rate(window) before net.compile() to make it the firing rate"]
    assert record[0].filename == __file__   # points at the user's line
    net.simulate(30.0)
    r = m.get("r")
    assert r.shape == (60, 3) and not r.any()
    assert len(m.get("spike")[0]) == 3   # the neurons still spike: 19, 39, 59
    np.testing.assert_array_equal(pop.r, [0.0, 0.0, 0.0])


def test_compute_firing_rate_after_the_monitor_of_r():
    # the order of a BOLD study's script (Maith et al. 2021): no warning at all
    net, pop = _paced_pop()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = net.monitor(pop, ["r", "spike"])
        pop.compute_firing_rate(window=20.0)
        net.compile()
    net.simulate(60.0)
    spikes, r = m.get("spike"), m.get("r")
    assert [int(s) for s in spikes[0]] == [19, 39, 59, 79, 99, 119]
    for i in range(3):
        np.testing.assert_allclose(r[:, i], _window_rate(spikes.get(i, []), 120, 20.0, 0.5))
    assert r[19, 0] == 50.0 and r[39, 0] == 100.0
    np.testing.assert_array_equal(pop.r, r[-1])


def test_no_warning_when_the_rate_exists():
    net, pop = _paced_pop()
    pop.compute_firing_rate(window=10.0)
    own = net.create(2, Neuron(equations="dv/dt = 1 : init=0.0\nr = 2 * v", spike="v > 3",
                               reset="v = 0"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = net.monitor(pop, "r")
        m_own = net.monitor(own, "r")
    net.compile()
    net.simulate(2.0)
    assert m.get("r").shape == (4, 3)
    np.testing.assert_allclose(m_own.get("r")[:, 0], 2 * 0.5 * np.arange(1, 5))


def test_monitor_of_r_after_compile_is_refused():
    net, pop = _paced_pop()
    net.compile()
    with pytest.raises(NetworkError) as err:
        net.monitor(pop, "r")
    assert str(err.value) == (
        "cannot record 'r': spiking population 'pop0' has no firing rate r since the network "
        "was compiled without it; create the monitor (or call "
        "pop.compute_firing_rate(window)) before net.compile()")
    with pytest.raises(NetworkError, match="has no such attribute"):
        net.monitor(pop, "rr")


def test_a_spiking_model_reads_its_firing_rate_r_as_in_annarchy():
    # ANNarchy 5.0.4.1 prints x = r = 140 Hz at the end (Maith et al.'s FS model
    # reads r this way: var_ra = r)
    model = Neuron(equations="dv/dt = (20.0 - v)/10.0\nx = r", spike="v > 10.0",
                   reset="v = 0.0")
    assert [v.name for v in model.ir.variables] == ["v", "x", "r"]
    net = Network(dt=1.0)
    pop = net.create(1, model)
    pop.compute_firing_rate(window=100.0)
    m = net.monitor(pop, ["x", "r"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.compile()
    net.simulate(500.0)
    x, r = m.get("x"), m.get("r")
    assert x[-1, 0] == 140.0 and r[-1, 0] == 140.0 and pop.r[0] == 140.0
    # x reads r before this step's count: one step behind it
    np.testing.assert_array_equal(x[1:, 0], r[:-1, 0])
    # without compute_firing_rate, r stays 0 and compile says so
    net2 = Network(dt=1.0)
    pop2 = net2.create(1, model)
    with pytest.warns(UserWarning, match=r"its model reads 'r' of spiking population 'pop0', "
                                         r"which stays 0: call pop0.compute_firing_rate"):
        net2.compile()
    net2.simulate(20.0)
    assert pop2.x[0] == 0.0
