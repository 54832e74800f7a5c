"""Network API: simulate, step, reset, monitors, determinism, errors."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from engine import (
    AttributeAssignmentError, NetworkError, Network, Neuron, NumericalError, Uniform,
)

DECAY = Neuron(parameters="tau = 10.0 : population",
               equations="tau * dr/dt = -r : init = 1.0", name="Decay")

LIF = Neuron(
    name="LIF",
    parameters="""
        tau = 10.0 : population
        v_th = 1.0 : population
        I = 1.5
    """,
    equations="tau * dv/dt = I - v",
    spike="v >= v_th",
    reset="v = 0.0",
    refractory=2.0,
)


def lif_reference(I, tau, v_th, dt, n_steps, refractory_steps):
    """Independent loop: explicit Euler, ANNarchy refractory convention."""
    v, refr, spikes, trace = 0.0, 0, [], []
    for k in range(n_steps):
        v = v + dt * (I - v) / tau
        if refr > 0:
            v = 0.0
            refr -= 1
        elif v >= v_th:
            spikes.append(k)
            v = 0.0
            refr = refractory_steps
        trace.append(v)
    return np.array(trace), spikes


def test_explicit_euler_decay_matches_closed_form():
    net = Network(dt=0.5)
    pop = net.create(1, DECAY)
    m = net.monitor(pop, "r")
    net.compile()
    net.simulate(10.0)
    v = m.get("r")[:, 0]
    n = np.arange(1, 21)
    np.testing.assert_allclose(v, (1 - 0.5 / 10.0) ** n, rtol=1e-13)
    assert net.current_step == 20
    assert net.time == pytest.approx(10.0)


def test_exponential_method_is_exact_for_decay():
    model = Neuron(parameters="tau = 10.0 : population",
                   equations="tau * dr/dt = -r : init = 1.0, exponential")
    net = Network(dt=1.0)
    pop = net.create(1, model)
    net.compile()
    net.simulate(30.0)
    assert pop.r[0] == pytest.approx(np.exp(-3.0), rel=1e-12)


def test_lif_spikes_on_reference_steps_with_refractory():
    net = Network(dt=0.1)
    pop = net.create(3, LIF)
    pop.I = [0.5, 1.5, 3.0]
    m = net.monitor(pop, ["v", "spike"])
    net.compile()
    net.simulate(100.0)
    spikes = m.get("spike", keep=True)
    v = m.get("v")
    assert spikes[0] == []
    for rank, I in ((1, 1.5), (2, 3.0)):
        trace, ref = lif_reference(I, 10.0, 1.0, 0.1, 1000, 20)
        assert spikes[rank] == ref
        np.testing.assert_allclose(v[:, rank], trace, atol=1e-12)
    assert len(spikes[2]) > len(spikes[1]) > 0


def test_attribute_access_views_and_errors():
    net = Network(dt=0.1)
    pop = net.create(10, LIF)
    assert isinstance(pop.tau, float) and pop.tau == 10.0
    pop.tau = 20
    assert pop.tau == 20.0
    pop.v[:3] = 1.0
    assert pop.v.tolist()[:4] == [1.0, 1.0, 1.0, 0.0]
    pop.v *= 5
    assert pop.v[0] == 5.0
    pop[5:8].v = -1.0
    assert pop.v[5:8].tolist() == [-1.0] * 3
    assert pop[[1, 5]].v.tolist() == [5.0, -1.0]
    pop.I = np.arange(10.0)
    assert pop[2:4].I.tolist() == [2.0, 3.0]
    with pytest.raises(AttributeAssignmentError, match="shape"):
        pop.v = np.zeros(3)
    with pytest.raises(AttributeError, match="did you mean 'tau'"):
        pop.tua = 3
    with pytest.raises(AttributeError, match="did you mean 'tau'"):
        _ = pop.tua
    with pytest.raises(AttributeAssignmentError, match="NaN"):
        pop.I = np.nan
    with pytest.raises(AttributeAssignmentError, match="whole population"):
        pop[0:2].tau = 3.0
    with pytest.raises(AttributeAssignmentError, match="single number"):
        pop.tau = [1.0, 2.0]


def test_geometry_tuple_and_coordinates():
    net = Network()
    pop = net.create((3, 4), DECAY)
    assert pop.size == 12 and pop.r.shape == (3, 4)
    pop.r[1, 2] = 7.0
    assert pop[1, 2].r.tolist() == [7.0]
    assert pop.rank_from_coordinates((1, 2)) == 6
    assert pop.coordinates_from_rank(6) == (1, 2)


def test_random_initial_values_are_seeded():
    model = Neuron(parameters="tau = 10.0 : population",
                   equations="tau * dr/dt = -r : init = Uniform(-65.0, -55.0)")
    a = Network(seed=3).create(1000, model).r.copy()
    b = Network(seed=3).create(1000, model).r.copy()
    c = Network(seed=4).create(1000, model).r.copy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= -65.0 and a.max() < -55.0
    assert abs(a.mean() + 60.0) < 0.5
    net = Network(seed=1)
    pop = net.create(500, DECAY)
    pop.r = Uniform(0.0, 2.0)
    assert 0.9 < pop.r.mean() < 1.1


NOISY = Neuron(parameters="sigma = 1.0 : population",
               equations="dr/dt = -r + sigma * Normal(0.0, 1.0)", name="Noisy")


def _noisy_trace(seed):
    net = Network(dt=0.1, seed=seed)
    pop = net.create(5, NOISY)
    m = net.monitor(pop, "r")
    net.compile()
    net.simulate(50.0)
    return m.get("r")


def test_same_seed_same_trajectory_and_reset_replays():
    a, b, c = _noisy_trace(7), _noisy_trace(7), _noisy_trace(8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    net = Network(dt=0.1, seed=7)
    pop = net.create(5, NOISY)
    m = net.monitor(pop, "r")
    net.compile()
    net.simulate(50.0)
    first = m.get("r")
    net.reset()
    assert net.current_step == 0 and np.all(pop.r == 0.0)
    net.simulate(50.0)
    assert np.array_equal(first, m.get("r"))
    assert np.array_equal(first, a)


def test_same_seed_same_spikes_in_another_process():
    code = textwrap.dedent("""
        import numpy as np
        from engine import Network, Neuron
        m = Neuron(parameters="tau = 10.0 : population",
                   equations="tau * dv/dt = -v + 20*Uniform(0.0, 1.0) : init = Uniform(0.0, 1.0)",
                   spike="v > 1.0", reset="v = 0.0")
        net = Network(dt=0.1, seed=11)
        pop = net.create(50, m)
        mon = net.monitor(pop, 'spike')
        net.compile()
        net.simulate(100.0)
        t, n = mon.raster_plot()
        print(len(t), float(np.sum(t * (n + 1))))
    """)
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)]
    assert outs[0] == outs[1]
    assert int(outs[0].split()[0]) > 100


def test_nonfinite_state_is_reported_with_population_variable_and_time():
    blow = Neuron(equations="dr/dt = r*r : init = 1.0", name="Blow")
    net = Network(dt=0.5)
    net.create(2, blow, name="exploding")
    net.compile()
    with pytest.raises(NumericalError, match=r"population 'exploding': variable 'r'.*t = "):
        net.simulate(100.0)
    assert 0 < net.current_step < 200


def test_a_spiking_variable_that_diverges_is_named_even_when_the_spike_would_reset_it():
    """inf > threshold is a spike, and the reset would hide the infinite
    value: the error must still name the variable, neuron and time."""
    blow = Neuron(equations="dv/dt = v*v : init = 1e100", spike="v > 1e300", reset="v = 0",
                  name="Blow")
    net = Network(dt=0.5)
    pop = net.create(2, blow, name="exploding")
    net.compile()
    with pytest.raises(NumericalError, match=r"variable 'v' of neuron 0 became infinite at "
                                             r"t = 0.5 ms \(step 1\)"):
        net.simulate(10.0)
    assert np.isinf(pop.v).all()


def test_monitor_period_start_pause_resume_and_times():
    net = Network(dt=1.0)
    pop = net.create(4, DECAY)
    m = net.monitor(pop, "r", period=5.0)
    late = net.monitor(pop[0:2], "r", start=False)
    net.compile()
    net.simulate(20.0)
    assert m.get("r", keep=True).shape == (4, 4)
    np.testing.assert_allclose(m.recorded_times(), [0.0, 5.0, 10.0, 15.0])
    assert late.get("r").shape == (0, 2)
    late.start()
    net.simulate(10.0)
    late.pause()
    net.simulate(10.0)
    late.resume()
    net.simulate(5.0)
    # as in ANNarchy, times() describes the data of the last get()
    late.get("r", keep=True)
    tm = late.times()["r"]
    assert tm["start"] == [20, 40] and tm["stop"] == [30, 45]          # steps (dt 1)
    data = late.get("r")
    assert data.shape == (15, 2)
    with pytest.raises(NetworkError, match="does not record"):
        m.get("tau")


def test_monitor_errors():
    net = Network()
    pop = net.create(3, DECAY)
    with pytest.raises(NetworkError, match="did you mean 'r'"):
        net.monitor(pop, "rr")
    with pytest.raises(NetworkError, match="rate-coded"):
        net.monitor(pop, "spike")
    with pytest.raises(NetworkError, match="multiple of dt"):
        net.monitor(pop, "r", period=0.3)


def test_spike_buffers_grow_without_losing_spikes():
    always = Neuron(equations="dv/dt = 1.0", spike="v > -1e9", reset="v = 0.0")
    net = Network(dt=1.0)
    pop = net.create(600, always)
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(30.0)
    spikes = m.get("spike")
    assert all(s == list(range(30)) for s in spikes.values())
    assert m.mean_fr(spikes, duration=30.0) == pytest.approx(1000.0)


def test_step_and_global_style():
    import engine

    pop = engine.Population(2, DECAY, name="g")
    engine.compile()
    engine.step()
    engine.simulate(2.0)
    assert engine.get_current_step() == 3
    assert engine.get_population("g") is pop
    net = Network(dt=0.25)
    with net:
        p2 = engine.Population(1, DECAY)
        engine.compile()
        engine.simulate(1.0)
    assert net.current_step == 4 and p2.network is net
    assert engine.get_current_step() == 3


def test_simulate_until_stop_condition():
    grow = Neuron(equations="dr/dt = 1.0", name="Ramp")
    net = Network(dt=1.0)
    fast = net.create(3, grow, stop_condition="r > 10.0 : any")
    fast.r = [0.0, 5.0, 0.0]
    net.compile()
    duration = net.simulate_until(100.0, fast)
    assert duration == pytest.approx(6.0)
    with pytest.raises(NetworkError, match="no stop_condition"):
        other = Network()
        p = other.create(1, grow)
        other.compile()
        other.simulate_until(10.0, p)


def test_constants_are_usable_and_settable_after_compile():
    net = Network(dt=1.0)
    c = net.constant("drive", 2.0)
    model = Neuron(equations="dr/dt = drive")
    pop = net.create(1, model)
    net.compile()
    net.simulate(5.0)
    assert pop.r[0] == pytest.approx(10.0)
    c.set(-1.0)
    net.simulate(5.0)
    assert pop.r[0] == pytest.approx(5.0)
    assert net.get_constant("drive") is c


def test_float_precision():
    net = Network(dt=0.5)
    net.config(precision="float")
    pop = net.create(2, DECAY)
    net.compile()
    net.simulate(10.0)
    assert pop.r.dtype == np.float32
    assert pop.r[0] == pytest.approx((1 - 0.05) ** 20, rel=1e-6)


def test_network_errors():
    net = Network()
    with pytest.raises(NetworkError, match="not compiled"):
        net.simulate(1.0)
    with pytest.raises(NetworkError, match="empty"):
        net.compile()
    net.create(1, DECAY, name="a")
    with pytest.raises(NetworkError, match="already exists"):
        net.create(1, DECAY, name="a")
    with pytest.raises(NetworkError, match="did you mean 'precision'"):
        net.config(precison="float")
    net.compile()
    with pytest.raises(NetworkError, match="after compile"):
        net.create(1, DECAY)
    with pytest.raises(NetworkError, match="no population named 'b'"):
        net.get_population("b")
    with pytest.raises(NetworkError, match="dt must be a positive"):
        Network(dt=-1)


def test_monitor_added_after_compile_is_recorded():
    net = Network(dt=1.0)
    pop = net.create(2, DECAY)
    net.compile()
    net.simulate(3.0)
    m = net.monitor(pop, "r")
    net.simulate(2.0)
    np.testing.assert_allclose(m.get("r")[:, 0], [0.9 ** 4, 0.9 ** 5])


def test_failed_compile_leaves_network_usable(monkeypatch):
    import engine.runtime.kernels as kernels_module
    from engine import CompilationError

    net = Network(dt=1.0)
    pop = net.create(2, DECAY)

    def broken(source):
        raise CompilationError("simulated failure")

    monkeypatch.setattr(kernels_module, "load_source", broken)
    with pytest.raises(CompilationError):
        net.compile()
    assert not net.compiled and pop.r[0] == 1.0
    monkeypatch.undo()
    net.compile()
    net.simulate(1.0)
    assert pop.r[0] == pytest.approx(0.9)


def test_generated_code_is_readable_and_cached_on_disk():
    net = Network(dt=1.0)
    net.create(2, DECAY)
    src = net.generated_code()
    assert "def kernel(" in src and "tau" in src
    net.compile()
    assert net.generated_code() == src
    (kernel,) = net._code.kernels
    path = net._module.paths[kernel.source]
    assert path.exists() and path.read_text() == kernel.source
    assert path.name.startswith("nwb_") and kernel.source in src


def test_population_wide_ode_is_updated_before_later_statements():
    model = Neuron(equations="dg/dt = 1 : population, init = 0\nr = g")
    net = Network(dt=1.0)
    pop = net.create(2, model)
    net.compile()
    net.simulate(3)
    assert pop.g == 3.0 and pop.r.tolist() == [3.0, 3.0]
    bounded = Neuron(equations="dg/dt = 1 : population, max = 2.5\nh = g : population\nr = h")
    net = Network(dt=1.0)
    pop = net.create(1, bounded)
    net.compile()
    net.simulate(3)
    assert pop.g == 2.5 and pop.h == 2.5 and pop.r[0] == 2.5


def test_compile_compiles_once_for_float32_and_int_monitors():
    from engine.codegen import driver

    model = Neuron(equations="c += 1 : int\nr = 0")
    for precision in ("double", "float"):
        net = Network(dt=1.0)
        net.config(precision=precision)
        pop = net.create(3, model)
        m = net.monitor(pop, ["c", "r"])
        net.compile()
        compiled = len(driver.run.signatures)
        net.simulate(3)
        assert len(driver.run.signatures) == compiled
        # one signature per kernel: the dtypes are written in its text
        assert all(len(fn.signatures) == 1 for fn in net._module._functions.values())
        assert m.get("c")[:, 0].tolist() == [1, 2, 3]


def test_spike_helpers_on_a_regular_train():
    # one neuron spiking every 10 steps (dt = 1 ms): 100 Hz, ISI 10 ms, CV 0
    clock = Neuron(equations="dv/dt = 1.0", spike="v >= 10.0", reset="v = 0.0")
    net = Network(dt=1.0)
    pop = net.create(2, clock)
    pop.v = [0.0, 5.0]
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(100.0)
    spikes = m.get("spike")
    assert spikes[0] == list(range(9, 100, 10)) and spikes[1] == list(range(4, 100, 10))
    assert m.inter_spike_interval(spikes) == [10.0] * 18
    assert m.coefficient_of_variation(spikes) == [0.0, 0.0]
    assert m.histogram(spikes, bins=10.0).tolist() == [2] * 10
    assert m.histogram(spikes, per_neuron=True, recording_window=(0, 100)).sum(1).tolist() == [10, 10]
    raw = m.population_rate(spikes)
    assert raw.sum() * 1e-3 * 2 == pytest.approx(20.0)  # integral of the rate = spike count
    # ANNarchy's length: 0 to 100 ms both included (its tutorials plot it
    # against np.linspace(0, 100, 101)); the steps of the spikes hold 500 Hz
    assert raw.shape == (101,) and raw[[4, 9, 99]].tolist() == [500.0] * 3 and raw[100] == 0
    rate = m.population_rate(spikes, smooth=5.0)
    assert rate[30:66].mean() == pytest.approx(100.0, rel=0.05)
    t, n = m.raster_plot(spikes)
    assert t[:2].tolist() == [4.0, 9.0] and n[:2].tolist() == [1, 0]
    assert m.mean_fr(spikes, duration=100.0) == pytest.approx(100.0)


def test_reset_keeping_monitors_counts_both_runs_and_clear_drops_callbacks():
    from engine import every

    clock = Neuron(equations="dv/dt = 1.0", spike="v >= 10.0", reset="v = 0.0")
    net = Network(dt=1.0)
    pop = net.create(1, clock)
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(100.0)
    net.reset(monitors=False)
    net.simulate(100.0)
    assert m.times()["spike"] == {"start": [0, 0], "stop": [100, 100]}  # steps (dt 1)
    assert m.mean_fr() == pytest.approx(100.0)
    calls = []

    @every(net, period=2.0)
    def _count(n):
        calls.append(n)

    net.clear()
    net.create(1, clock)
    net.compile()
    net.simulate(4.0)
    assert calls == []


def test_get_empties_only_the_requested_variables():
    clock = Neuron(equations="dv/dt = 1.0", spike="v >= 3.0", reset="v = 0.0")
    net = Network(dt=1.0)
    pop = net.create(2, clock)
    m = net.monitor(pop, ["v", "spike"])
    net.compile()
    net.simulate(10.0)
    assert m.get("v").shape == (10, 2)
    assert m.get("v").shape == (0, 2)           # emptied
    assert m.get("spike")[0] == [2, 5, 8]       # still there
    assert m.get("spike")[0] == []


def test_two_threads_give_the_same_rates_as_one(monkeypatch):
    """Rate-coded sums above the size threshold run in a prange over post
    neurons with num_threads > 1; each sum keeps its order: same bits."""
    import numpy as np

    import engine.runtime.network_layout as network_module
    from engine import Network, Neuron, Uniform

    monkeypatch.setattr(network_module, "PAR_MIN_SYNAPSES", 1000)
    model = Neuron(parameters="tau = 10.0", equations="tau * dr/dt = sum(exc) - r + Uniform(-1.0, 1.0) : min = 0.0")
    out = {}
    for threads in (1, 2):
        net = Network(dt=1.0, seed=5)
        net.config(num_threads=threads)
        pop = net.create(300, model)
        net.connect(pop, pop, "exc").fixed_probability(0.2, weights=Uniform(0.0, 1.0 / 60))
        net.compile()
        assert ("prange" in net.generated_code()) is (threads == 2)
        net.simulate(50.0)
        out[threads] = pop.r.copy()
    np.testing.assert_array_equal(out[1], out[2])
    assert out[1].mean() > 0.0


def test_spike_statistics_of_fetched_spikes_use_their_recording_window():
    """get('spike') drains the monitor; statistics of the spikes passed in
    must still know how long they were recorded (ANNarchy's rule: the
    intervals of the last get), pauses excluded."""
    import engine

    clock = Neuron(equations="dv/dt = 1.0", spike="v >= 10.0", reset="v = 0.0")
    net = Network(dt=1.0)
    pop = net.create(2, clock)
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(100.0)                    # 10 spikes each: 100 Hz
    m.pause()
    net.simulate(50.0)                     # not recorded
    m.resume()
    net.simulate(100.0)                    # 10 more each
    spikes = m.get("spike")
    assert m.mean_fr() == 0.0              # nothing held any more
    assert m.mean_fr(spikes) == pytest.approx(100.0)
    assert m.mean_fr({"spike": spikes}) == pytest.approx(100.0)   # a get() dict
    net.simulate(100.0)                    # later recording: the fetched spikes keep their window
    assert m.mean_fr(spikes) == pytest.approx(100.0)
    assert m.mean_fr() == pytest.approx(100.0)          # the new 100 ms, held
    # the population rate spans the recording (0 to 250 ms, the pause gives
    # zeros), both ends included as ANNarchy's: the step at 250 ms is 0
    rate = m.population_rate(spikes)
    assert rate.shape == (251,) and rate.sum() * 1e-3 == pytest.approx(20.0)
    assert rate[-1] == 0.0
    assert rate[100:150].sum() == 0.0
    # ANNarchy 4's functions: first to last spike
    first, last = min(min(v) for v in spikes.values()), max(max(v) for v in spikes.values())
    assert engine.mean_fr(spikes) == pytest.approx(40 / (2 * (last - first) * 1e-3))
    assert engine.raster_plot(spikes)[0].size == 40
    with pytest.raises(NetworkError, match="dict returned by monitor.get"):
        engine.mean_fr([1, 2, 3])


def test_smoothed_rate_is_the_inverse_isi_low_passed():
    clock = Neuron(equations="dv/dt = 1.0", spike="v >= 10.0", reset="v = 0.0")
    net = Network(dt=1.0)
    pop = net.create(1, clock)
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(100.0)
    spikes = m.get("spike")                # steps 9, 19, ..., 99
    r = m.smoothed_rate(spikes)
    assert r.shape == (1, 100)
    assert (r[0, :9] == 0).all() and (r[0, 9:99] == 100.0).all()
    s = m.smoothed_rate(spikes, smooth=10.0)
    # first-order low-pass of a step from 0 to 100 Hz at step 9
    k = np.arange(1, 40)
    np.testing.assert_allclose(s[0, 8 + k], 100 * (1 - 0.9 ** k), rtol=1e-12)
    with pytest.raises(NetworkError, match="shorter than dt"):
        m.smoothed_rate(spikes, smooth=0.5)


def test_annarchy4_global_helpers_and_module_paths(tmp_path):
    """The ANNarchy 4 / CompNeuroPy functions scripts call on the default network."""
    import threading

    import engine
    from engine.extensions.bold import BoldMonitor, balloon_RN  # noqa: F401
    from engine.runtime import active

    out = {}

    def script():  # a thread of its own: a fresh default network
        engine.set_seed(5)
        engine.setup(dt=0.5)
        pre = engine.Population(2, Neuron(parameters="r = 1.0"), name="pre")
        post = engine.Population(1, Neuron(equations="r = sum(exc)"), name="post")
        proj = engine.Projection(pre, post, "exc", name="ff")
        proj.all_to_all(weights=0.25)
        engine.compile()
        engine.simulate(2.0)
        engine.save(tmp_path / "s.npz")
        engine.simulate(2.0)
        engine.load(tmp_path / "s.npz")
        out.update(dt=engine.dt(), proj=engine.get_projection("ff") is proj,
                   projs=[p.name for p in engine.get_projections()],
                   t=engine.get_time(), r=float(post.r[0]),
                   seed=active.active_network().seed)

    t = threading.Thread(target=script)
    t.start()
    t.join(60)
    assert out == dict(dt=0.5, proj=True, projs=["ff"], t=2.0, r=0.5, seed=5)
    assert engine.BoldMonitor is BoldMonitor


def test_single_variable_and_comment_first_lines():
    from engine import Variable

    n = Neuron(equations=Variable("dv/dt = 1", init=1.0),
               spike="# fire when over 2\n    v > 2  # threshold", reset="v = 0")
    net = Network(dt=1.0)
    pop = net.create(1, n)
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(10.0)
    assert m.get("spike")[0] == [1, 4, 7]


def test_names_are_checked_once_at_creation(tmp_path):
    """Names reach files and messages, never code: any printable text, no
    other type (issue Engine VI, class 8)."""
    from engine import Izhikevich, NetworkError

    net = Network(dt=1.0)
    for bad, match in ((123, "is text, got int 123: write name='123'"),
                       ("", "1 to 200 printable characters"),
                       ("a\nb", "no line breaks"), ("x" * 201, "1 to 200")):
        with pytest.raises(NetworkError, match=match):
            net.create(2, Izhikevich, name=bad)
    assert net.get_populations() == []          # nothing half-registered
    pop = net.create(2, Izhikevich, name='x"""\\ y')
    proj = net.connect(pop, pop, "exc", name="it's")
    proj.one_to_one(weights=1.0)
    with pytest.raises(NetworkError, match="monitor name"):
        net.monitor(pop, "v", name="\t")
    m = net.monitor(pop, "v", name='m"1')
    net.compile()
    net.simulate(2.0)
    net.save(tmp_path / "quoted.npz")
    net.load(tmp_path / "quoted.npz")
    assert m.get("v").shape == (2, 2) and net.get_population('x"""\\ y') is pop
