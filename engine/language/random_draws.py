"""Random distributions: initial values in Python and draws inside equations.

A distribution object such as ``Uniform(-65, -55)`` has two lives:

- as a **Python value** (an initial value, or ``pop.v = Uniform(...)``) it is
  sampled once per element with the network's seeded numpy ``Generator``;
- **inside an equation** it is a fresh draw for every element at every step.
  In the IR it is an unevaluated sympy function application whose last
  argument is an occurrence number, so ``Uniform(0, 1) - Uniform(0, 1)`` stays
  two independent draws instead of simplifying to zero.

The class-based syntax can use the same objects in sympy arithmetic
(``n.v + Normal(0, 1)``) thanks to ``_sympy_``.
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

__all__ = [
    "RandomDistribution",
    "Uniform",
    "Normal",
    "LogNormal",
    "Exponential",
    "DiscreteUniform",
    "DRAW_FUNCTIONS",
    "DISTRIBUTIONS",
    "renumber_draws",
    "is_draw",
]


class _Draw(sp.Function):
    """Base of the sympy functions that stand for random draws."""

    nargs_params: int = 2  # number of distribution parameters (the last arg is the occurrence)

    @classmethod
    def eval(cls, *args):  # never evaluate: a draw is not a number
        return None


class UniformDraw(_Draw):
    nargs = 3


class NormalDraw(_Draw):
    nargs = 3


class LogNormalDraw(_Draw):
    nargs = 3


class ExponentialDraw(_Draw):
    nargs = 2
    nargs_params = 1


class DiscreteUniformDraw(_Draw):
    nargs = 3


_counter = itertools.count(1_000_000)  # provisional numbers; renumber_draws fixes them


class RandomDistribution:
    """Base class of the distributions users write (``Uniform(0, 1)`` ...)."""

    #: name shown to users and accepted by the string parser
    name: str = ""
    #: the sympy function standing for one draw inside an equation
    draw: type[_Draw]
    #: number of parameters
    arity: int = 2

    def __init__(self, *params, rng=None):
        if len(params) != self.arity:
            from engine.errors import ModelError

            raise ModelError(
                f"{self.name} takes {self.arity} argument(s) "
                f"({self.signature()}), got {len(params)}"
            )
        self.params = tuple(params)
        #: optional numpy Generator used instead of the network's (ANNarchy 5's ``rng=``)
        self.rng = rng
        self._check()

    @classmethod
    def signature(cls) -> str:
        return ", ".join(cls._param_names())

    @classmethod
    def _param_names(cls) -> tuple[str, ...]:
        return ("a", "b")

    def _check(self) -> None:
        """Validate numeric parameters (symbolic ones are checked at run time)."""

    def _numeric(self) -> tuple[float, ...]:
        out = []
        for p in self.params:
            try:
                out.append(float(p))
            except TypeError as exc:
                from engine.errors import ModelError

                raise ModelError(
                    f"{self!r}: parameters must be numbers to draw values from Python"
                ) from exc
        return tuple(out)

    def sample(self, rng: np.random.Generator, shape) -> np.ndarray:
        """Draw an array of the given shape with a seeded numpy Generator
        (the distribution's own ``rng`` when it was given one)."""
        return self._sample(self.rng if self.rng is not None else rng, shape)

    def _sample(self, rng, shape):
        raise NotImplementedError

    # -- sympy interplay -------------------------------------------------
    def _sympy_(self):
        return self.draw(*[sp.sympify(p) for p in self.params], sp.Integer(next(_counter)))

    def __add__(self, o):
        return self._sympy_() + o

    __radd__ = __add__

    def __sub__(self, o):
        return self._sympy_() - o

    def __rsub__(self, o):
        return o - self._sympy_()

    def __mul__(self, o):
        return self._sympy_() * o

    __rmul__ = __mul__

    def __truediv__(self, o):
        return self._sympy_() / o

    def __rtruediv__(self, o):
        return o / self._sympy_()

    def __neg__(self):
        return -self._sympy_()

    def __pow__(self, o):
        return self._sympy_() ** o

    def __repr__(self):
        return f"{self.name}({', '.join(repr(p) for p in self.params)})"

    def __eq__(self, other):
        return type(self) is type(other) and self.params == other.params

    def __hash__(self):
        return hash((type(self).__name__, self.params))


class Uniform(RandomDistribution):
    """Uniform draws in ``[min, max)``."""

    name = "Uniform"
    draw = UniformDraw

    @classmethod
    def _param_names(cls):
        return ("min", "max")

    def _sample(self, rng, shape):
        a, b = self._numeric()
        return rng.uniform(a, b, size=shape)


class Normal(RandomDistribution):
    """Gaussian draws with mean ``mu`` and standard deviation ``sigma``."""

    name = "Normal"
    draw = NormalDraw

    @classmethod
    def _param_names(cls):
        return ("mu", "sigma")

    def _sample(self, rng, shape):
        mu, sigma = self._numeric()
        return rng.normal(mu, sigma, size=shape)


class LogNormal(RandomDistribution):
    """Draws whose logarithm is Gaussian with mean ``mu`` and std ``sigma``."""

    name = "LogNormal"
    draw = LogNormalDraw

    @classmethod
    def _param_names(cls):
        return ("mu", "sigma")

    def _sample(self, rng, shape):
        mu, sigma = self._numeric()
        return rng.lognormal(mu, sigma, size=shape)


class Exponential(RandomDistribution):
    """Exponential draws with rate ``lambda`` (mean ``1/lambda``)."""

    name = "Exponential"
    draw = ExponentialDraw
    arity = 1

    @classmethod
    def _param_names(cls):
        return ("lambda",)

    def _sample(self, rng, shape):
        (lam,) = self._numeric()
        return rng.exponential(1.0 / lam, size=shape)


class DiscreteUniform(RandomDistribution):
    """Integer draws, uniform in ``[min, max]`` (both ends included)."""

    name = "DiscreteUniform"
    draw = DiscreteUniformDraw

    @classmethod
    def _param_names(cls):
        return ("min", "max")

    def _sample(self, rng, shape):
        a, b = self._numeric()
        return rng.integers(int(a), int(b), size=shape, endpoint=True).astype(float)


#: name -> distribution class (used by both front ends)
DISTRIBUTIONS: dict[str, type[RandomDistribution]] = {
    c.name: c for c in (Uniform, Normal, LogNormal, Exponential, DiscreteUniform)
}
#: sympy draw function -> distribution class
DRAW_FUNCTIONS: dict[type[_Draw], type[RandomDistribution]] = {
    c.draw: c for c in DISTRIBUTIONS.values()
}


def is_draw(expr) -> bool:
    """True if ``expr`` is one random draw."""
    return isinstance(expr, _Draw)


def draw_from(dist_name: str, params, occurrence: int) -> sp.Expr:
    """Build the sympy draw of distribution ``dist_name`` (string front end)."""
    cls = DISTRIBUTIONS[dist_name]
    return cls.draw(*params, sp.Integer(occurrence))


def renumber_draws(exprs: list) -> list:
    """Give the draws of a sequence of expressions canonical numbers 0, 1, 2...

    Numbers follow the order of the expressions, and inside one expression
    sympy's canonical traversal order, so both front ends agree whatever
    order they created the draws in.
    """
    mapping: dict = {}
    k = 0
    for e in exprs:
        if e is None or not isinstance(e, sp.Basic):
            continue
        for node in sp.preorder_traversal(e):
            if isinstance(node, _Draw) and node not in mapping:
                mapping[node] = node.func(*node.args[:-1], sp.Integer(k))
                k += 1
    if not mapping:
        return list(exprs)
    return [e.xreplace(mapping) if isinstance(e, sp.Basic) else e for e in exprs]
