"""Every finite double is a number of the language; what overflows is refused.

NEST's default for izhikevich's ``V_min`` is ``-DBL_MAX``
(-1.7976931348623157e+308): it must be accepted wherever a number is, printed
exactly in generated code, and survive a model's text form. ``inf``, ``nan``
and literals that overflow to inf when read (``1e309``) are refused with an
EquationError naming the line.
"""

import math
import sys

import numpy as np
import pytest

from engine import EquationError, Network, Neuron
from engine.errors import ModelError
from engine.language.classes import Equations
from engine.models.neurons import Izhikevich

DBL_MAX = sys.float_info.max


@pytest.mark.parametrize("parameters", [
    "V_min = -1.7976931348623157e+308",
    "V_min = -1.7976931348623158e+308",          # reads as -DBL_MAX too
    {"V_min": -DBL_MAX},
    {"V_min": -(2**1024 - 2**971)},              # the int that is -DBL_MAX
])
def test_the_largest_double_is_a_parameter(parameters):
    neuron = Neuron(parameters=parameters, equations="x = V_min", spike="x > 0")
    net = Network(dt=1.0)
    pop = net.create(2, neuron)
    net.compile()
    net.simulate(1)
    # (5.x dict values are population-wide: one float)
    assert np.atleast_1d(pop.V_min)[0] == -DBL_MAX and pop.x[0] == -DBL_MAX


def test_the_largest_double_in_equations_prints_exactly():
    neuron = Neuron(parameters="V_min = -1.7976931348623157e+308",
                    equations="x = max(V_min, 1.7976931348623157e+308/2) : "
                              "init=-1.7976931348623157e+308\n"
                              "y = -1.7976931348623157e+308 + 0.0*x\n"
                              "z = 2**70 + 1.0",
                    spike="x > 1.0")
    net = Network(dt=1.0)
    pop = net.create(1, neuron)
    assert pop.x[0] == -DBL_MAX
    net.compile()
    code = net.generated_code(pop)
    assert repr(DBL_MAX / 2) in code and repr(-DBL_MAX) in code
    assert float(repr(-DBL_MAX)) == -DBL_MAX            # the text reads back exactly
    assert repr(float(2**70)) in code                    # beyond int64: its double
    net.simulate(1)
    assert pop.x[0] == DBL_MAX / 2 and pop.y[0] == -DBL_MAX and pop.z[0] == 2.0**70
    # the model's text form keeps it
    again = Neuron.from_spec(neuron.to_spec())
    assert again.ir == neuron.ir


class MinClass(Neuron):
    def __init__(self):
        self.V_min = self.Value(-DBL_MAX)
        self.x = self.Array(0.0)
        self.r = self.Array(0.0)

    def update(self):
        with Equations(self) as n:
            n.x = n.V_min
            n.r = 0.0 * n.x
        return n


def test_the_largest_double_in_the_class_syntax_and_builtin_models():
    assert float(MinClass().ir.variable("V_min").init) == -DBL_MAX
    assert float(Izhikevich(c=-DBL_MAX).ir.variable("c").init) == -DBL_MAX
    with pytest.raises(ModelError, match="'c' must be finite"):
        Izhikevich(c=10**400)


@pytest.mark.parametrize("parameters, message", [
    ("V_min = 1e309", "number too large: 1e309"),
    ("V_min = -1.7976931348623159e+308", "number too large"),   # rounds to -inf
    ({"V_min": -math.inf}, "-inf is not a finite number"),
    ({"V_min": math.nan}, "nan is not a finite number"),
    ({"V_min": 10**400}, "number too large"),
])
def test_what_overflows_is_refused(parameters, message):
    with pytest.raises(EquationError, match=message) as info:
        Neuron(parameters=parameters, equations="x = V_min", spike="x > 0").ir
    assert "parameters line 1" in str(info.value)


def test_an_overflowing_expression_is_refused():
    with pytest.raises(EquationError, match="number too large"):
        Neuron(equations="x = 1.7976931348623157e+308 * 2.0", spike="x > 0").ir
    # a finite result is fine, whatever its size
    ok = Neuron(equations="x = 1.7976931348623157e+308 * 0.5", spike="x > 0")
    assert float(ok.ir.equations[0].rhs) == DBL_MAX / 2
    assert np.isfinite(float(ok.ir.equations[0].rhs))
