"""ANNarchy behaviours that ANNarchy 5's own test suite (tests_python) relies on.

Found by ``benchmarks/annarchy_test_suite.py``; each test asserts what
ANNarchy does, with numbers worked out by hand.
"""

import warnings

import numpy as np
import pytest

from engine import Network, Neuron, Synapse, clear, setup
from engine.errors import EquationError, ModelError, NetworkError, SelectionError
from engine.language.global_functions import add_function, clear_functions


@pytest.fixture(autouse=True)
def _no_global_functions():
    clear_functions()
    yield
    clear_functions()


def _run(neuron, n=3, steps=5, dt=1.0):
    net = Network(dt=dt)
    pop = net.create(n, neuron)
    net.compile()
    net.simulate(steps * dt)
    return pop


# -- add_function ------------------------------------------------------------------
def test_add_function_is_callable_from_every_model_created_afterwards():
    add_function("glob_pos(x) = pos(x)")
    add_function("""
        piecewise(x, a, b) = if x < a:
                                a
                             else:
                                if x > b :
                                    b
                                else:
                                    x
    """)
    pop = _run(Neuron(parameters="c = -2.5", equations="r = glob_pos(c) + piecewise(t, 1, 3)"),
               steps=3)
    # last update at t = 2 ms: pos(-2.5) = 0, piecewise(2, 1, 3) = 2
    np.testing.assert_allclose(pop.r, [2.0, 2.0, 2.0])
    pop = _run(Neuron(equations="r = glob_pos(t - 3.0)"), steps=6)   # t = 5: pos(2)
    np.testing.assert_allclose(pop.r, [2.0, 2.0, 2.0])


def test_a_global_function_does_not_clash_with_a_model_that_does_not_call_it():
    add_function("f(x) = 2 * x")
    pop = _run(Neuron(parameters="f = 1.5", equations="r = f"))
    np.testing.assert_allclose(pop.r, [1.5, 1.5, 1.5])
    # a model's own definition of the name wins
    pop = _run(Neuron(equations="r = f(2.0)", functions="f(x) = x + 1"))
    np.testing.assert_allclose(pop.r, [3.0, 3.0, 3.0])


def test_add_function_refuses_a_second_definition_and_clear_forgets_them():
    add_function("g(x) = x * x")
    add_function("g(x) = x * x")     # the same text again (a notebook cell re-run): fine
    with pytest.raises(ModelError, match="the global function g already exists"):
        add_function("g(x) = x + 1")
    clear()
    add_function("g(x) = x + 1")
    np.testing.assert_allclose(_run(Neuron(equations="r = g(1.0)")).r, [2.0, 2.0, 2.0])


def test_add_function_errors_point_at_the_call():
    with pytest.raises(ModelError, match="expected 'name\\(x, y\\) = expression'"):
        add_function("= x")
    with pytest.raises(EquationError, match="unknown function 'nope'"):
        add_function("h(x) = nope(x)")
    with pytest.raises(EquationError, match="unknown function 'h'"):   # nothing was registered
        Neuron(equations="r = h(1.0)")


# -- setup(paradigm=...) and true/false ----------------------------------------------
def test_setup_accepts_the_cpu_paradigm_and_refuses_cuda():
    setup(paradigm="openmp", num_threads=1)
    with pytest.raises(NetworkError, match="paradigm='cuda' is not supported.*CPU"):
        setup(paradigm="cuda")
    clear()


def test_true_and_false_are_boolean_parameter_values():
    neuron = Neuron(parameters="on = true : bool\noff = false : bool",
                    equations="r = if on and not off: 2.0 else: 1.0\nb = 0 : bool, init=true")
    pop = _run(neuron)
    assert pop.on.tolist() == [True] * 3 and pop.off.tolist() == [False] * 3
    np.testing.assert_allclose(pop.r, [2.0, 2.0, 2.0])


# -- population access ---------------------------------------------------------------
def _grid():
    net = Network(dt=1.0)
    pre = net.create(64, Neuron(parameters="r = 2.0"))
    pop = net.create((8, 8), Neuron(parameters="tau = 10.0", equations="r = sum(exc)"))
    proj = net.connect(pre, pop, "exc")
    proj.one_to_one(0.25)
    net.compile()
    return net, pre, pop


def test_neuron_by_rank_or_coordinates_and_the_rank_of_a_view():
    net, _, pop = _grid()
    assert pop.neuron(2, 4).rank == 20 and pop[2, 4].rank == 20 and pop.neuron(20).rank == 20
    pop.neuron(3).tau = 5.0
    np.testing.assert_allclose(pop.tau.ravel()[:5], [10.0, 10.0, 10.0, 5.0, 10.0])
    np.testing.assert_allclose(pop.neuron(0, 3).tau, [5.0])
    assert pop[3].rank == 3          # ANNarchy: one index is a rank, whatever the geometry
    with pytest.raises(NetworkError, match="holds 8 neurons: 'rank' is the rank of a single"):
        pop[3, :].rank
    with pytest.raises(SelectionError):
        pop.neuron(64)
    with pytest.raises(SelectionError, match="takes a rank or 2 coordinates"):
        pop.neuron(1, 2, 3)


def test_sum_of_a_target_is_the_weighted_input_one_value_per_neuron():
    net, pre, pop = _grid()
    pre.r = np.arange(64.0)
    net.simulate(1.0)
    # one_to_one, weight 0.25: flat (ANNarchy returns it unshaped, also for a 2-D population)
    np.testing.assert_allclose(pop.sum("exc"), 0.25 * np.arange(64.0))
    with pytest.warns(UserWarning, match="receives no input on target 'inh'"):
        np.testing.assert_array_equal(pop.sum("inh"), np.zeros(64))


def test_the_delay_of_a_projection_is_one_number_unless_each_synapse_has_its_own():
    net = Network(dt=0.5)
    pre = net.create(3, Neuron(parameters="r = 1.0"))
    post = net.create(2, Neuron(equations="r = sum(exc) + sum(inh) + sum(mod)"))
    none = net.connect(pre, post, "exc").all_to_all(1.0)
    uniform = net.connect(pre, post, "inh").all_to_all(1.0, delays=2.0)
    each = net.connect(pre, post, "mod").connect_from_matrix(
        np.ones((2, 3)), delays=np.array([[1.0, 1.5, 2.0], [0.5, 1.0, 1.0]]))
    net.compile()
    assert none.delay == 0.5 and uniform.delay == 2.0      # no delay: dt, as ANNarchy
    assert [d.tolist() for d in each.delay] == [[1.0, 1.5, 2.0], [0.5, 1.0, 1.0]]


def test_a_row_vector_of_the_right_size_can_be_assigned():
    net, pre, pop = _grid()
    pop.tau = np.arange(64.0).reshape(1, 64)      # ANNarchy reshapes it
    np.testing.assert_allclose(pop.tau, np.arange(64.0).reshape(8, 8))
    pre.r = np.arange(64.0)[:, None]
    np.testing.assert_allclose(pre.r, np.arange(64.0))
    with pytest.raises(Exception, match=r"shape \(2, 32\)"):
        pop.tau = np.zeros((2, 32))


# -- dendrites -----------------------------------------------------------------------
def test_a_dendrite_indexes_its_synapses_by_pre_synaptic_rank():
    net = Network(dt=1.0)
    pre = net.create(5, Neuron(parameters="r = 1.0"))
    post = net.create(8, Neuron(equations="r = sum(exc)"))
    proj = net.connect(pre, post, "exc",
                       Synapse(parameters="tau = 5000.0\nalpha = 9.0", equations="dw/dt = 0"))
    proj.fixed_number_pre(3, weights=2.0)
    net.compile()
    dendrite = proj.dendrite(6)
    second = dendrite.pre_ranks[1]
    dendrite[second].w = 3.0
    np.testing.assert_allclose(proj.dendrite(6).w, [2.0, 3.0, 2.0])
    assert dendrite[second].w == 3.0 and dendrite.synapse(second).pre_rank == second
    proj.dendrite(1).set({"tau": 7000.0, "alpha": 1.0})
    np.testing.assert_allclose(proj.dendrite(1).get("tau"), [7000.0] * 3)
    np.testing.assert_allclose(proj.dendrite(2).get("tau"), [5000.0] * 3)
    missing = sorted(set(range(5)) - set(dendrite.pre_ranks))[0]
    with pytest.raises(SelectionError, match=f"has no synapse from pre-synaptic neuron {missing}"):
        dendrite[missing]


# -- a model's functions, called from Python ---------------------------------------------
def test_the_functions_of_a_model_are_callable_on_its_population_and_projection():
    neuron = Neuron(equations="r = transfer_function(sum(exc), 0.0)",
                    functions="transfer_function(x, t) = if x > t: if x > 2*t : (x - 2*t)^2 "
                              "else: x - t else: 0.")
    synapse = Synapse(equations="w += hebb(pre.r, post.r)", functions="hebb(x, y) = x * y")
    net = Network(dt=1.0)
    pop = net.create(4, neuron)
    proj = net.connect(pop, pop, "exc", synapse)
    proj.all_to_all(1.0)
    net.compile()
    # ANNarchy's test_CustomFunc numbers: x <= t -> 0; t < x <= 2t -> x - t; else (x - 2t)^2
    np.testing.assert_allclose(pop.transfer_function([0.0, 1.0, 2.0, 3.0], [2.0] * 4),
                               [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_allclose(pop.transfer_function([3.0, 5.0], 1.0), [1.0, 9.0])
    np.testing.assert_allclose(proj.hebb(np.arange(4.0), np.arange(4.0)), [0.0, 1.0, 4.0, 9.0])
    with pytest.raises(NetworkError, match=r"transfer_function\(\) takes 2 argument\(s\) "
                                           r"\(x, t\), got 1"):
        pop.transfer_function(1.0)
    with pytest.raises(AttributeError, match="has no attribute 'hebbian'"):
        proj.hebbian


# -- TimedArray.update(reset=...) --------------------------------------------------------
def test_timed_array_update_resets_the_timers_unless_told_not_to():
    """Numbers from ANNarchy 5.0.4.1 on the same script (rows 1..5, schedule 2 ms, dt 1)."""
    from engine import TimedArray

    rows = np.arange(1.0, 6.0)[:, None]
    net = Network(dt=1.0)
    running = net.create(population=TimedArray(rates=rows, schedule=2.0))
    restarted = net.create(population=TimedArray(rates=rows, schedule=2.0))
    kept = net.create(population=TimedArray(rates=rows, schedule=2.0))
    net.compile()
    net.simulate(5.0)                          # rows at 0, 2, 4 ms: r = 3
    running.update(rows * 10, reset=False)     # the new row of the current time, at once
    restarted.update(rows * 10, reset=True)
    kept.update(rows * 10)                     # ANNarchy's default: reset=True, schedule kept
    trace = [running.r[0]]
    for _ in range(6):
        net.simulate(1.0)
        trace.append(running.r[0])
    assert trace == [30.0, 30.0, 40.0, 40.0, 50.0, 50.0, 50.0]
    assert restarted.r[0] == kept.r[0] == 30.0     # 6 steps after the restart: third row
    assert kept.schedule.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]


# -- proj.delay = ... --------------------------------------------------------------------
def _delay_net(delays):
    net = Network(dt=1.0)
    ramp = net.create(3, Neuron(equations="r = r + t : init = -1"))   # -1, 0, 2, 5, 9, 14, 20
    out = net.create(3, Neuron(equations="r = sum(ff)"))
    proj = net.connect(ramp, out, "ff")
    proj.one_to_one(1.0, delays=delays)
    return net, out, proj


def test_setting_delays_changes_them_before_and_after_compile():
    """ANNarchy's test_RateDelays numbers: the sum at step k reads r after step k - d."""
    net, out, proj = _delay_net(np.array([1.0, 4.0, 5.0]))
    proj.delay = [[3.0], [5.0], [2.0]]            # before compile: anything
    net.compile()
    net.simulate(5.0)
    np.testing.assert_allclose(out.sum("ff"), [0.0, -1.0, 2.0])
    net.reset()
    proj.delay = [[3.0], [3.0], [3.0]]            # after compile: in place, within 5 ms
    net.simulate(10.0)
    np.testing.assert_allclose(out.sum("ff"), [20.0, 20.0, 20.0])
    assert [d.tolist() for d in proj.delay] == [[3.0], [3.0], [3.0]]


def test_delays_that_do_not_fit_the_compiled_network_are_refused():
    net, out, proj = _delay_net(np.array([1.0, 2.0, 4.0]))
    net.compile()
    with pytest.raises(NetworkError, match="a delay of 5 ms exceeds the 4 ms the compiled"):
        proj.delay = [[3.0], [5.0], [2.0]]
    assert [d.tolist() for d in proj.delay] == [[1.0], [2.0], [4.0]]   # unchanged
    net2, _, uniform = _delay_net(2.0)
    net2.compile()
    with pytest.raises(NetworkError, match="compiled with one delay for all synapses"):
        uniform.delay = [[1.0], [2.0], [2.0]]
    uniform.delay = 1.0
    assert uniform.delay == 1.0
    with pytest.raises(NetworkError, match="one delay, a list per dendrite or 3 values"):
        uniform.delay = [1.0, 2.0]


# -- a rate-coded target the post-synaptic model does not read ---------------------------
def test_a_sum_the_model_does_not_read_is_still_computed_as_in_annarchy():
    net = Network(dt=1.0)
    pre = net.create(4, Neuron(parameters="r = 0.0"))
    post = net.create(2, Neuron(equations="r = 1.0"))           # reads no sum at all
    with pytest.warns(UserWarning, match=r"does not use sum\(exc\); the sum is computed"):
        proj = net.connect(pre, post, "exc")
    proj.all_to_all(0.5)
    other = net.create(2, Neuron(equations="r = 1.0"))         # the model is not changed
    net.compile()
    pre.r = [1.0, 2.0, 3.0, 4.0]
    net.simulate(1.0)
    np.testing.assert_allclose(post.sum("exc"), [5.0, 5.0])    # 0.5 * (1 + 2 + 3 + 4)
    np.testing.assert_allclose(post.r, [1.0, 1.0])
    assert proj.dendrite(1).pre_ranks == [0, 1, 2, 3]
    assert post.ir.targets == ("exc",) and other.ir.targets == ()


# -- constants defined at the global level (ANNarchy 5) --------------------------------

def test_new_network_imports_global_constants():
    from engine import Constant

    Constant("mu_g", 0.25)            # the default network's: ANNarchy's "global level"
    net = Network()
    assert net.get_constant("mu_g").value == 0.25
    pop = net.create(2, Neuron(equations="r = mu_g"))
    net.compile()
    net.simulate(1)
    np.testing.assert_allclose(pop.r, 0.25)
    net.get_constant("mu_g").set(0.5)  # the copy is the network's own
    from engine.runtime.active import default_network
    assert default_network().get_constant("mu_g").value == 0.25
    other = Network()
    other.constant("mu_g", 2.0)       # a network may redefine an imported constant
    assert other.get_constant("mu_g").value == 2.0
    with pytest.raises(NetworkError, match="already exists"):
        other.constant("mu_g", 3.0)


def test_monitor_start_with_variables():
    net = Network(dt=1.0)
    pop = net.create(2, Neuron(equations="dv/dt = 1\nr = v"))
    mon = net.monitor(pop, ["v", "r"], start=False)
    net.compile()
    net.simulate(2)
    mon.start(variables=["v"])       # one of its own: recording starts
    net.simulate(3)
    np.testing.assert_allclose(mon.get("v")[:, 0], [3, 4, 5])
    with pytest.raises(NetworkError, match=r"monitor 'monitor0' records 'v', 'r': it cannot "
                                           r"start recording 'u'; create another monitor"):
        mon.start(variables="u")


def test_a_population_created_after_compile_is_not_silently_left_out():
    # ANNarchy 4 refuses it; the engine keeps it aside for ANNarchy 5's
    # net2.create(population=...), and says so when the compiled network runs
    import engine as ann

    ann.clear()
    ann.Population(2, ann.Neuron(equations="r = 1.0"), name="a")
    ann.compile()
    late = ann.Population(2, ann.Neuron(equations="r = t"), name="late")
    with pytest.warns(UserWarning, match=r"population 'late' was created after compile\(\): "
                                         r"it is not part of the compiled network and is not "
                                         r"simulated"):
        ann.simulate(2.0)
    assert late.r.tolist() == [0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # once only; an adopted one is not mentioned
        ann.simulate(1.0)
        adopted = ann.Population(2, ann.Neuron(equations="r = t"), name="adopted")
        net2 = ann.Network(dt=1.0)
        net2.create(population=adopted)
        ann.simulate(1.0)
        net2.compile()
        net2.simulate(3.0)
    assert adopted.r.tolist() == [2.0, 2.0]
