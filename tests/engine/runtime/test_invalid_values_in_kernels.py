"""Values that compiled code cannot give a right answer for are reported, not
quietly replaced (issue Engine VI, class 5): ``modulo(k, 0)`` on integers
(Numba's numpy error model would give 0), and random draws inside equations
whose parameters, known only while running, are invalid (``Normal(0, s)``
with ``s < 0``, ``Uniform(a, b)`` with ``a > b``). After each refusal the
network runs on and gives the result it gave before."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Network, Neuron
from engine.errors import AttributeAssignmentError, NetworkError, NumericalError


def _run(neuron, steps=3, size=3, **values):
    net = Network(dt=1.0, seed=7)
    pop = net.create(size, neuron)
    for k, v in values.items():
        setattr(pop, k, v)
    net.compile()
    net.simulate(steps)
    return net, pop


# -- modulo by zero ---------------------------------------------------------------
MOD_FLOAT = Neuron(parameters="k = 7 : int\nz = 0 : int", equations="x = modulo(k, z)\nr = x")
MOD_INT = Neuron(parameters="k = 7 : int\nz = 0 : int",
                 equations="m = modulo(k, z) : int\nr = m")
MOD_GLOBAL = Neuron(parameters="k = 7 : int, population\nz = 0 : int, population",
                    equations="m = modulo(k, z) : int, population\nr = 1.0")
MOD_REAL = Neuron(parameters="a = 7.5\nb = 0.0", equations="x = modulo(a, b)\nr = x")
MOD_RESET = Neuron(parameters="z = 0 : int", equations="dv/dt = 1.0\nc = c : int",
                   spike="v > 1.5", reset="v = 0.0\nc = modulo(c + 5, z)")


@pytest.mark.parametrize("neuron, variable, kind", [
    (MOD_FLOAT, "x", "became NaN"),
    (MOD_INT, "m", "integer variable 'm' of neuron 0 was given a value"),
    (MOD_GLOBAL, "m", "integer variable 'm' was given a value"),
    (MOD_REAL, "x", "became NaN"),
    (MOD_RESET, "c", "integer variable 'c' of neuron 0 was given a value"),
])
def test_modulo_by_zero_is_reported_with_the_variable_and_the_step(neuron, variable, kind):
    net = Network(dt=1.0, seed=7)
    pop = net.create(3, neuron)
    net.compile()
    with pytest.raises(NumericalError, match=rf"'{variable}'.*") as info:
        net.simulate(5)
    msg = str(info.value)
    assert kind in msg and "modulo" in msg and "(step " in msg
    # a valid divisor: the network runs on, with Python's remainder
    net.reset()
    setattr(pop, "b" if neuron is MOD_REAL else "z", 3)
    net.simulate(5)
    if neuron is MOD_RESET:
        # c = (c + 5) % 3 at every spike (t = 2, 4 ms: v > 1.5 after 2 steps)
        assert pop.c.tolist() == [(5 % 3 + 5) % 3] * 3
    elif neuron is MOD_REAL:
        assert pop.x.tolist() == [7.5 % 3] * 3
    else:
        assert np.ravel(getattr(pop, variable)).tolist() == [7 % 3] * np.size(
            getattr(pop, variable))


@pytest.mark.parametrize("k, z", [(7, 3), (-7, 3), (7, -3), (-7, -3), (2**40 + 3, 2**20)])
def test_modulo_of_integers_keeps_pythons_remainder(k, z):
    net, pop = _run(MOD_INT, k=k, z=z)
    assert pop.m.tolist() == [k % z] * 3
    assert pop.r.tolist() == [float(k % z)] * 3


def test_an_integer_variable_refuses_what_it_cannot_hold():
    """A float equation into an integer variable: truncated as in ANNarchy's
    C++ when it fits; NaN, inf and beyond int64 are reported, not wrapped."""
    n = Neuron(parameters="a = 2.7", equations="m = a * 1e10 : int\nr = 1.0")
    net, pop = _run(n)
    assert pop.m.tolist() == [27000000000] * 3
    for bad in (1e10, float("inf")):
        pop.a = bad
        with pytest.raises(NumericalError, match="integer variable 'm'"):
            net.simulate(1)
    pop.a = -2.7
    net.simulate(1)
    assert pop.m.tolist() == [-27000000000] * 3


# -- random draws with run-time parameters ---------------------------------------------
NOISY = Neuron(parameters="s = 1.0\nmu = 0.5 : population",
               equations="dv/dt = -v + Normal(mu, s)\nr = v")
UNIFORM = Neuron(parameters="a = 0.0\nb = 1.0 : population",
                 equations="x = Uniform(a, b)\nr = x")
EXPO = Neuron(parameters="lam = 2.0", equations="x = Exponential(lam)\nr = x")
LOGN = Neuron(parameters="s = 0.5", equations="x = LogNormal(0.0, 2*s)\nr = x")
DISCRETE = Neuron(parameters="a = 1.0\nb = 6.0", equations="x = DiscreteUniform(a, b)\nr = x")


def _result(neuron, **values):
    return _run(neuron, steps=5, **values)[1].r.copy()


@pytest.mark.parametrize("neuron, name, bad, message", [
    (NOISY, "s", -1.0, r"Normal\(mu, s\) .* s = -1 \(neuron 0\): the standard deviation sigma"),
    (NOISY, "s", [1.0, -0.5, 1.0], r"s = -0.5 \(neuron 1\)"),
    (NOISY, "s", float("inf"), r"sigma must be a finite number"),
    (UNIFORM, "a", 2.0, r"Uniform\(a, b\) .* a = 2, b = 1 .* larger than the maximum"),
    (UNIFORM, "b", -1.0, r"a = 0, b = -1"),
    (EXPO, "lam", 0.0, r"Exponential\(lam\) .* the rate Lambda \(0\) must be > 0"),
    (LOGN, "s", -0.1, r"LogNormal\(0.0, 2\*s\) .* s = -0.1"),
    (DISCRETE, "b", 0.0, r"DiscreteUniform\(a, b\) .* a = 1, b = 0"),
])
def test_draw_parameters_are_refused_at_compile_and_at_assignment(neuron, name, bad, message):
    expected = _result(neuron)
    # at compile
    net = Network(dt=1.0, seed=7)
    pop = net.create(3, neuron)
    pop._arrays[name][:] = bad     # written as load() or pop.s[:] = ... would: unchecked
    with pytest.raises(NetworkError, match=message):
        net.compile()
    assert not net.compiled
    # at assignment (the old values are kept)
    net2 = Network(dt=1.0, seed=7)
    pop2 = net2.create(3, neuron)
    with pytest.raises(AttributeAssignmentError, match=rf"'{name}' cannot be set: .*{message}"):
        setattr(pop2, name, bad)
    net2.compile()
    with pytest.raises(AttributeAssignmentError, match=message):
        setattr(pop2, name, bad)
    net2.simulate(5)
    np.testing.assert_array_equal(pop2.r, expected)
    # the compile that was refused goes through once the value is valid
    pop._arrays[name][:] = pop2._arrays[name]
    net.compile()
    net.simulate(5)
    np.testing.assert_array_equal(pop.r, expected)


def test_draw_parameters_written_directly_are_refused_before_the_run():
    """``pop.s[1] = -1`` writes into the array without an assignment check:
    the run refuses it before starting."""
    expected = _result(NOISY)
    net, pop = _run(NOISY, steps=0)
    pop.s[1] = -1.0
    for run in (lambda: net.simulate(5), net.step):
        with pytest.raises(NetworkError, match=r"s = -1 \(neuron 1\)"):
            run()
    assert net.current_step == 0
    pop.s[1] = 1.0
    net.simulate(5)
    np.testing.assert_array_equal(pop.r, expected)


def test_a_constant_in_a_draw_is_checked_at_compile():
    net = Network(dt=1.0, seed=7)
    net.constant("width", -2.0)
    n = Neuron(equations="x = Normal(0.0, width)\nr = x")
    net.create(3, n)
    with pytest.raises(NetworkError, match=r"Normal\(0.0, width\) .* width = -2"):
        net.compile()


def test_a_draw_on_a_variable_gives_nan_and_is_reported_while_running():
    """Parameters that are variables change at every step: an invalid value
    gives NaN (engine.codegen.rng), which the finiteness check reports."""
    n = Neuron(equations="s = 2.0 - t\nx = Normal(0.0, s)\nr = x")
    net = Network(dt=1.0, seed=7)
    net.create(3, n)
    net.compile()
    with pytest.raises(NumericalError, match=r"'x' of neuron 0 became NaN at t = 3 ms .*"
                                             r"Normal\(0, s\) with s < 0"):
        net.simulate(10)
    assert net.current_step == 4
