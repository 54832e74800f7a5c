"""Search methods with one interface: ``ask()`` a generation, ``tell()`` its losses.

All work in the unit cube of :class:`~workbench.fit.bounds.SearchSpace`
and draw from their own ``numpy`` generator, never from the global random
state (a user's script keeps its own streams, and a resumed fit continues
the same stream: :meth:`Search.state` / :meth:`Search.restore`).

- ``cmaes`` (default): deap's CMA-ES (``deap.cma.Strategy``: its update,
  sampled here with the strategy's own formula and our generator),
  restarted from a random point when it stalls;
- ``ga``: a real-coded genetic algorithm with deap's operators (tournament
  selection, blend crossover, Gaussian mutation, elitism), run on a private
  ``random.Random`` stream;
- ``de``: differential evolution (DE/rand/1/bin, with one-to-one survivor
  selection), written here: deap ships it only as an example.

Losses are minimised; the caller mirrors candidates into the cube before
evaluating them and tells the search the mirrored points
(:meth:`~workbench.fit.bounds.SearchSpace.repair`).
"""

from __future__ import annotations

import json
import random

import numpy as np
from deap import base, cma, tools

from workbench.fit.errors import FitError

__all__ = ["make_search", "Search", "METHODS"]

METHODS = ("cmaes", "ga", "de")
#: CompNeuroPy's name for its deap-based default
ALIASES = {"deap": "cmaes", "cma": "cmaes", "cma-es": "cmaes", "genetic": "ga",
           "differential_evolution": "de"}


def make_search(method: str, dim: int, popsize: int | None, seed: int):
    """A :class:`Search` for ``method`` (``cmaes``, ``ga``, ``de``; ``deap``
    means ``cmaes``, as in CompNeuroPy)."""
    key = ALIASES.get(str(method).lower(), str(method).lower())
    if key not in METHODS:
        raise FitError(f"unknown method {method!r}: use one of {', '.join(METHODS)} "
                       "('deap' is CMA-ES)")
    if popsize is not None and (int(popsize) != popsize or popsize < 4):
        raise FitError(f"popsize must be a whole number >= 4, got {popsize!r}")
    cls = {"cmaes": CMAES, "ga": Genetic, "de": DifferentialEvolution}[key]
    return cls(dim, None if popsize is None else int(popsize), seed)


class Search:
    """Ask/tell over the unit cube; subclasses define the method."""

    name = "search"

    def __init__(self, dim: int, popsize: int | None, seed: int):
        self.dim = dim
        self.popsize = popsize or self.default_popsize(dim)
        self.rng = np.random.default_rng(seed)

    @staticmethod
    def default_popsize(dim: int) -> int:
        return 4 + int(3 * np.log(dim))

    def ask(self) -> np.ndarray:
        raise NotImplementedError

    def tell(self, points: np.ndarray, losses: np.ndarray) -> None:
        raise NotImplementedError

    # -- checkpoints ------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        """Everything needed to continue: arrays, and the generator as JSON."""
        return {"rng": np.array(json.dumps(self.rng.bit_generator.state))} | self._state()

    def restore(self, state: dict) -> None:
        """Continue from :meth:`state` (checked by the caller's loader)."""
        self.rng.bit_generator.state = json.loads(str(state["rng"]))
        self._restore(state)

    def _state(self) -> dict:
        return {}

    def _restore(self, state: dict) -> None:
        pass


class CMAES(Search):
    """deap's CMA-ES, restarted from a random point of the cube when it
    stalls (no better loss for STALL generations, or a step size below
    1e-8): a spiking neuron's loss has many valleys, and one run of CMA-ES
    settles in the first it finds."""

    name = "cmaes"
    STALL = 30
    _FIELDS = ("centroid", "sigma", "pc", "ps", "C", "diagD", "B", "BD", "cond", "update_count")

    def __init__(self, dim, popsize, seed):
        super().__init__(dim, popsize, seed)
        self.restarts = 0
        self._run_best, self._stalled = np.inf, 0
        self.strategy = self._strategy(np.full(dim, 0.5))

    def _strategy(self, centroid):
        return cma.Strategy(centroid=centroid, sigma=0.3, lambda_=self.popsize)

    @staticmethod
    def default_popsize(dim: int) -> int:
        return max(6, 4 + int(3 * np.log(dim)))

    def ask(self):
        if self._stalled >= self.STALL or self.strategy.sigma < 1e-8:
            self.restarts += 1
            self._run_best, self._stalled = np.inf, 0
            self.strategy = self._strategy(self.rng.random(self.dim))
        s = self.strategy                       # deap's generate(), with our generator
        z = self.rng.standard_normal((s.lambda_, s.dim))
        return s.centroid + s.sigma * z @ s.BD.T

    def tell(self, points, losses):
        population = []
        for p, loss in zip(points, losses):
            ind = _Individual(p)
            ind.fitness.values = (float(loss),)
            population.append(ind)
        self.strategy.update(population)
        best = float(np.min(losses))
        margin = 1e-12 * max(1.0, abs(self._run_best)) if np.isfinite(self._run_best) else 0.0
        if best < self._run_best - margin:
            self._run_best, self._stalled = best, 0
        else:
            self._stalled += 1

    def _state(self):
        out = {f"cma_{k}": np.asarray(getattr(self.strategy, k)) for k in self._FIELDS}
        return out | {"cma_restart": np.array([self.restarts, self._stalled, self._run_best])}

    def _restore(self, state):
        for k in self._FIELDS:
            value = np.asarray(state[f"cma_{k}"])
            setattr(self.strategy, k, value.item() if value.ndim == 0 else value.copy())
        restarts, stalled, run_best = np.asarray(state["cma_restart"], dtype=float)
        self.restarts, self._stalled, self._run_best = int(restarts), int(stalled), run_best


class Genetic(Search):
    """Generational GA: tournament of 3, blend crossover (alpha 0.5, p 0.7),
    Gaussian mutation (sigma 0.1 of the range, p 0.2 per gene), the best
    kept (elitism)."""

    name = "ga"

    def __init__(self, dim, popsize, seed):
        super().__init__(dim, popsize, seed)
        self._random = random.Random(int(self.rng.integers(2**63)))
        self._pop = self.rng.random((self.popsize, dim))
        self._fit = None

    @staticmethod
    def default_popsize(dim: int) -> int:
        return max(20, 10 * dim)

    def ask(self):
        if self._fit is None:
            return self._pop.copy()
        with _private_random(self._random):
            parents = [_Individual(p, loss) for p, loss in zip(self._pop, self._fit)]
            chosen = tools.selTournament(parents, len(parents) - 1, tournsize=3)
            children = [_Individual(list(c)) for c in chosen]
            for a, b in zip(children[::2], children[1::2]):
                if random.random() < 0.7:
                    tools.cxBlend(a, b, alpha=0.5)
            for c in children:
                tools.mutGaussian(c, mu=0.0, sigma=0.1, indpb=0.2)
        best = self._pop[int(np.argmin(self._fit))]
        return np.vstack([best] + [np.asarray(c, dtype=float) for c in children])

    def tell(self, points, losses):
        self._pop, self._fit = np.array(points, dtype=float), np.asarray(losses, dtype=float)

    def _state(self):
        out = {"ga_pop": self._pop, "ga_random": np.array(json.dumps(self._random.getstate()))}
        if self._fit is not None:
            out["ga_fit"] = self._fit
        return out

    def _restore(self, state):
        self._pop = np.array(state["ga_pop"], dtype=float)
        self._fit = np.array(state["ga_fit"], dtype=float) if "ga_fit" in state else None
        version, internal, gauss = json.loads(str(state["ga_random"]))
        self._random.setstate((version, tuple(internal), gauss))


class DifferentialEvolution(Search):
    """DE/rand/1/bin with F = 0.7, CR = 0.9; a trial replaces its target if
    its loss is not worse."""

    name = "de"

    def __init__(self, dim, popsize, seed):
        super().__init__(dim, popsize, seed)
        self._pop = self.rng.random((self.popsize, dim))
        self._fit = None

    @staticmethod
    def default_popsize(dim: int) -> int:
        return max(10, 10 * dim)

    def ask(self):
        if self._fit is None:
            return self._pop.copy()
        n = self.popsize
        trials = np.empty_like(self._pop)
        for i in range(n):
            a, b, c = self.rng.choice([j for j in range(n) if j != i], 3, replace=False)
            mutant = self._pop[a] + 0.7 * (self._pop[b] - self._pop[c])
            cross = self.rng.random(self.dim) < 0.9
            cross[self.rng.integers(self.dim)] = True
            trials[i] = np.where(cross, mutant, self._pop[i])
        return trials

    def tell(self, points, losses):
        points, losses = np.asarray(points, dtype=float), np.asarray(losses, dtype=float)
        if self._fit is None:
            self._pop, self._fit = points, losses
            return
        better = losses <= self._fit
        self._pop[better], self._fit[better] = points[better], losses[better]

    def _state(self):
        out = {"de_pop": self._pop}
        if self._fit is not None:
            out["de_fit"] = self._fit
        return out

    def _restore(self, state):
        self._pop = np.array(state["de_pop"], dtype=float)
        self._fit = np.array(state["de_fit"], dtype=float) if "de_fit" in state else None


class _Fitness(base.Fitness):
    weights = (-1.0,)                  # minimise the loss


class _Individual(list):
    """What deap's operators and CMA-ES update expect: a list with a fitness."""

    def __init__(self, values, loss=None):
        super().__init__(float(v) for v in values)
        self.fitness = _Fitness()
        if loss is not None:
            self.fitness.values = (float(loss),)


class _private_random:
    """Run deap's operators (which draw from the ``random`` module) on a
    private stream, leaving the global one as it was."""

    def __init__(self, stream: random.Random):
        self.stream = stream

    def __enter__(self):
        self.saved = random.getstate()
        random.setstate(self.stream.getstate())

    def __exit__(self, *exc):
        self.stream.setstate(random.getstate())
        random.setstate(self.saved)
