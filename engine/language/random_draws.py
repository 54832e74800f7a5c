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
import math
import numbers

import numpy as np
import sympy as sp

__all__ = [
    "RandomDistribution",
    "Uniform",
    "Normal",
    "LogNormal",
    "Exponential",
    "DiscreteUniform",
    "Gamma",
    "Binomial",
    "DRAW_FUNCTIONS",
    "ALL_DISTRIBUTIONS",
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

    def _eval_is_extended_real(self):  # real (as model symbols): Min/Max clip draws
        return True

    @property
    def is_number(self):  # a draw is not a constant, even with numeric parameters
        return False


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

_RNG_FIX = "give a numpy Generator, e.g. rng=np.random.default_rng(42) or rng=net.default_rng"


def _error(message: str):
    from engine.errors import ModelError

    return ModelError(message)


def _is_real(p) -> bool:
    return isinstance(p, numbers.Real) and not isinstance(p, bool)


def _bound(dist_name: str, which: str, value):
    """A clipping bound (``min=``/``max=``): None or a finite number."""
    if value is None:
        return None
    try:
        finite = _is_real(value) and math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise _error(f"{dist_name}: {which}={value!r:.40} must be a finite number (or None for "
                     "no bound)")
    return float(value)


class RandomDistribution:
    """Base class of the distributions users write (``Uniform(0, 1)`` ...).

    As ANNarchy's ``RandomDistribution``: ``get_values(shape)`` draws an array,
    ``get_value()`` one float, with the distribution's own ``rng`` (a numpy
    ``Generator``) or, without one, a fresh unseeded generator. Assigned to
    an attribute or used for weights, a distribution without ``rng`` draws
    from the network's seeded generator instead, so the same seed gives the
    same values. Distributions that take ``min=``/``max=`` clip their draws
    (values below ``min`` become ``min``), in Python and inside equations.

    Raises
    ------
    ModelError
        Wrong number of parameters, parameters outside the distribution's
        domain (``Normal(0, -1)``, ``Uniform(2, 1)``), a bound that is not a
        number, ``min > max``, or an ``rng`` that is not a numpy Generator.
    """

    #: name shown to users and accepted by the string parser
    name: str = ""
    #: the sympy function standing for one draw inside an equation (None: none)
    draw: type[_Draw] | None = None
    #: number of distribution parameters
    arity: int = 2

    def _setup(self, params, min=None, max=None, rng=None) -> None:
        self.params = tuple(params)
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise _error(f"{self.name}: rng={rng!r} is not a random number generator; "
                         + _RNG_FIX)
        #: numpy Generator used instead of the network's (ANNarchy 5's ``rng=``)
        self.rng = rng
        self._lo = _bound(self.name, "min", min)
        self._hi = _bound(self.name, "max", max)
        if self._lo is not None and self._hi is not None and self._lo > self._hi:
            raise _error(f"{self.name}: the clipping bounds min={min!r} > max={max!r}; "
                         "swap them")
        if all(_is_real(p) for p in self.params):
            try:
                numeric = tuple(float(p) for p in self.params)
            except OverflowError:
                raise _error(f"{self.name}: a parameter is too large for a float (about "
                             "1.8e308 at most)") from None
            problem = self.check_params(numeric)
            if problem:
                raise _error(f"{self!r}: {problem}")

    def __init__(self, *params, rng=None):
        if len(params) != self.arity:
            raise _error(f"{self.name} takes {self.arity} argument(s) "
                         f"({self.signature()}), got {len(params)}")
        self._setup(params, rng=rng)

    @classmethod
    def signature(cls) -> str:
        return ", ".join(cls._param_names())

    @classmethod
    def _param_names(cls) -> tuple[str, ...]:
        return ("a", "b")

    @classmethod
    def check_params(cls, params: tuple[float, ...]) -> str:
        """What is wrong with numeric parameters ``params`` ("" if nothing).

        Shared by Python objects and draws written in equations
        (``Normal(0, -1)`` is refused in both). Symbolic parameters are not
        checked (their value is known only while running)."""
        bad = [n for n, p in zip(cls._param_names(), params) if not math.isfinite(p)]
        if bad:
            return f"{bad[0]} must be a finite number"
        return cls._check(params)

    @classmethod
    def _check(cls, params) -> str:
        return ""

    # -- ANNarchy's interface --------------------------------------------
    @property
    def min(self):
        """Lower clipping bound (None: unbounded)."""
        return self._lo

    @property
    def max(self):
        """Upper clipping bound (None: unbounded)."""
        return self._hi

    def _numeric(self) -> tuple[float, ...]:
        out = []
        for p in self.params:
            try:
                out.append(float(p))
            except TypeError as exc:
                raise _error(f"{self!r}: parameters must be numbers to draw values from "
                             "Python") from exc
        return tuple(out)

    def get_values(self, shape) -> np.ndarray:
        """An array of draws of the given shape (int or tuple), drawn with the
        distribution's ``rng`` (a fresh unseeded generator if it has none)."""
        try:
            shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
        except (TypeError, ValueError):
            raise _error(f"{self!r}.get_values(shape): shape must be an int or a tuple of "
                         f"ints, got {shape!r}") from None
        if any(s < 0 for s in shape):
            raise _error(f"{self!r}.get_values({shape}): sizes must be >= 0")
        return self.sample(np.random.default_rng() if self.rng is None else None, shape)

    def get_list_values(self, size) -> list:
        """A list of ``size`` draws."""
        return list(self.get_values(size))

    def get_value(self) -> float:
        """One draw, as a Python number."""
        return self.get_values(1)[0].item()

    def keywords(self) -> list[str]:
        """Names of the distributions (ANNarchy's ``keywords()``)."""
        return list(ALL_DISTRIBUTIONS)

    def latex(self) -> str:
        return f"{self.name}({', '.join(str(p) for p in self.params)})"

    def sample(self, rng: np.random.Generator | None, shape) -> np.ndarray:
        """Draw an array of the given shape with a seeded numpy Generator
        (the distribution's own ``rng`` when it was given one), clipped to
        ``[min, max]``."""
        return self.clip(self._sample(self.rng if self.rng is not None else rng, shape))

    def clip(self, values: np.ndarray) -> np.ndarray:
        """Clip ``values`` in place to ``[min, max]`` (as ANNarchy: values
        below ``min`` become ``min``) and return them."""
        if self._lo is not None:
            values[values < self._lo] = self._lo
        if self._hi is not None:
            values[values > self._hi] = self._hi
        return values

    def _sample(self, rng, shape):
        raise NotImplementedError

    # -- sympy interplay -------------------------------------------------
    def _sympy_(self):
        if self.draw is None:
            raise _error(f"{self.name} draws are not available inside equations or as a "
                         f"model's init= value; assign it after creation (pop.x = "
                         f"{self.name}(...)), use it for weights, or write Uniform, Normal, "
                         "LogNormal, Exponential or DiscreteUniform in the model")
        if self.rng is not None:
            raise _error(f"{self!r}: a distribution inside a model (in an equation or as an "
                         "initial value) draws from the network's seed, not from rng=; remove "
                         "rng, or assign it after creation: pop.x = "
                         f"{self.name}(..., rng=...)")
        e = self.draw(*[sp.sympify(p) for p in self.params], sp.Integer(next(_counter)))
        if self._lo is not None:
            e = sp.Max(e, sp.Float(self._lo))
        if self._hi is not None:
            e = sp.Min(e, sp.Float(self._hi))
        return e

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
        args = [repr(p) for p in self.params]
        if self._lo is not None:
            args.append(f"min={self._lo!r}")
        if self._hi is not None:
            args.append(f"max={self._hi!r}")
        return f"{self.name}({', '.join(args)})"

    def _key(self):
        return (type(self).__name__, self.params, self._lo, self._hi)

    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key() \
            and self.rng is other.rng

    def __hash__(self):
        return hash(self._key())


class Uniform(RandomDistribution):
    """Uniform draws in ``[min, max)``: ``Uniform(min, max, rng=None)``."""

    name = "Uniform"
    draw = UniformDraw

    def __init__(self, min, max, rng=None):
        self._setup((min, max), rng=rng)

    @property
    def min(self):
        return self.params[0]

    @property
    def max(self):
        return self.params[1]

    @classmethod
    def _param_names(cls):
        return ("min", "max")

    @classmethod
    def _check(cls, params):
        if params[0] > params[1]:
            return (f"the minimum ({params[0]:g}) is larger than the maximum "
                    f"({params[1]:g}); swap the two arguments")
        return ""

    def _sample(self, rng, shape):
        a, b = self._numeric()
        return rng.uniform(a, b, size=shape)


class DiscreteUniform(RandomDistribution):
    """Integer draws, uniform in ``[min, max]`` (both ends included):
    ``DiscreteUniform(min, max, rng=None)``."""

    name = "DiscreteUniform"
    draw = DiscreteUniformDraw

    def __init__(self, min, max, rng=None):
        self._setup((min, max), rng=rng)

    @property
    def min(self):
        return self.params[0]

    @property
    def max(self):
        return self.params[1]

    @classmethod
    def _param_names(cls):
        return ("min", "max")

    @classmethod
    def _check(cls, params):
        return Uniform._check(params)

    def _sample(self, rng, shape):
        a, b = self._numeric()
        return rng.integers(int(a), int(b), size=shape, endpoint=True).astype(float)


class Normal(RandomDistribution):
    """Gaussian draws: ``Normal(mu, sigma, min=None, max=None, rng=None)``."""

    name = "Normal"
    draw = NormalDraw

    def __init__(self, mu, sigma, min=None, max=None, rng=None):
        self._setup((mu, sigma), min, max, rng)

    @property
    def mu(self):
        return self.params[0]

    @property
    def sigma(self):
        return self.params[1]

    @classmethod
    def _param_names(cls):
        return ("mu", "sigma")

    @classmethod
    def _check(cls, params):
        if params[1] < 0:
            return (f"the standard deviation sigma ({params[1]:g}) must be >= 0")
        return ""

    def _sample(self, rng, shape):
        mu, sigma = self._numeric()
        return rng.normal(mu, sigma, size=shape)


class LogNormal(RandomDistribution):
    """Draws whose logarithm is Gaussian with mean ``mu`` and std ``sigma``:
    ``LogNormal(mu, sigma, min=None, max=None, rng=None)``."""

    name = "LogNormal"
    draw = LogNormalDraw

    def __init__(self, mu, sigma, min=None, max=None, rng=None):
        self._setup((mu, sigma), min, max, rng)

    @property
    def mu(self):
        return self.params[0]

    @property
    def sigma(self):
        return self.params[1]

    @classmethod
    def _param_names(cls):
        return ("mu", "sigma")

    @classmethod
    def _check(cls, params):
        return Normal._check(params)

    def _sample(self, rng, shape):
        mu, sigma = self._numeric()
        return rng.lognormal(mu, sigma, size=shape)


class Exponential(RandomDistribution):
    """Exponential draws with rate ``Lambda`` (density ``Lambda exp(-Lambda x)``,
    mean ``1/Lambda``): ``Exponential(Lambda, min=None, max=None, rng=None)``.

    ANNarchy's documentation and its draws inside equations use the rate;
    ANNarchy 5.0.4's ``get_values`` uses ``Lambda`` as the mean instead. Here
    both use the rate."""

    name = "Exponential"
    draw = ExponentialDraw
    arity = 1

    def __init__(self, Lambda, min=None, max=None, rng=None):
        self._setup((Lambda,), min, max, rng)

    @property
    def Lambda(self):
        return self.params[0]

    @classmethod
    def _param_names(cls):
        return ("lambda",)

    @classmethod
    def _check(cls, params):
        if params[0] <= 0:
            return f"the rate Lambda ({params[0]:g}) must be > 0"
        return ""

    def _sample(self, rng, shape):
        (lam,) = self._numeric()
        return rng.exponential(1.0 / lam, size=shape)


class Gamma(RandomDistribution):
    """Gamma draws with shape ``alpha`` and scale ``beta`` (mean ``alpha*beta``):
    ``Gamma(alpha, beta=1.0, min=None, max=None, rng=None)``. For initial
    values and weights (not inside equations)."""

    name = "Gamma"

    def __init__(self, alpha, beta=1.0, min=None, max=None, rng=None):
        self._setup((alpha, beta), min, max, rng)

    @property
    def alpha(self):
        return self.params[0]

    @property
    def beta(self):
        return self.params[1]

    @classmethod
    def _param_names(cls):
        return ("alpha", "beta")

    @classmethod
    def _check(cls, params):
        if params[0] <= 0 or params[1] <= 0:
            return "the shape alpha and the scale beta must be > 0"
        return ""

    def _sample(self, rng, shape):
        alpha, beta = self._numeric()
        return rng.gamma(alpha, beta, size=shape)


class Binomial(RandomDistribution):
    """Number of successes in ``n`` trials of probability ``p``:
    ``Binomial(n, p, rng=None)``. For initial values and weights (not inside
    equations)."""

    name = "Binomial"

    def __init__(self, n, p, rng=None):
        self._setup((n, p), rng=rng)

    @property
    def n(self):
        return self.params[0]

    @property
    def p(self):
        return self.params[1]

    @classmethod
    def _param_names(cls):
        return ("n", "p")

    @classmethod
    def _check(cls, params):
        if params[0] < 0 or params[0] != int(params[0]):
            return f"the number of trials n ({params[0]:g}) must be an integer >= 0"
        if not 0 <= params[1] <= 1:
            return f"the probability p ({params[1]:g}) must be in [0, 1]"
        return ""

    def _sample(self, rng, shape):
        n, p = self._numeric()
        return rng.binomial(int(n), p, size=shape).astype(float)


#: name -> distribution class (used by both front ends)
DISTRIBUTIONS: dict[str, type[RandomDistribution]] = {
    c.name: c for c in (Uniform, Normal, LogNormal, Exponential, DiscreteUniform)
}
#: every distribution, including those only for values (Gamma, Binomial)
ALL_DISTRIBUTIONS: dict[str, type[RandomDistribution]] = {
    **DISTRIBUTIONS, "Gamma": Gamma, "Binomial": Binomial}
#: sympy draw function -> distribution class
DRAW_FUNCTIONS: dict[type[_Draw], type[RandomDistribution]] = {
    c.draw: c for c in DISTRIBUTIONS.values()
}


def is_draw(expr) -> bool:
    """True if ``expr`` is one random draw."""
    return isinstance(expr, _Draw)


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
