"""Find the engine objects a CompNeuroPy-style call names.

CompNeuroPy passes populations by *name* and acts on ANNarchy's single
global network. The engine allows several networks, so a name is looked up
in the active network (``with net:`` or the default one), while a
:class:`engine.Population` given directly keeps its own network: the
protocols then simulate that network, never another one.
"""

from __future__ import annotations

import engine as ann
from engine.errors import NetworkError

from workbench.compneuro.errors import CompNeuroError

__all__ = ["active_network", "kind_of", "population", "projection", "require_attribute"]


def population(pop):
    """The :class:`engine.Population` ``pop`` names (or ``pop`` itself).

    Raises
    ------
    CompNeuroError
        If no population of the active network has that name.
    """
    if isinstance(pop, ann.Population):
        return pop
    if isinstance(pop, ann.PopulationView):
        return pop.population
    if not isinstance(pop, str):
        raise CompNeuroError(f"expected a population or its name, got {type(pop).__name__}")
    try:
        return ann.get_population(pop)
    except NetworkError as exc:
        names = [p.name for p in ann.get_populations()]
        raise CompNeuroError(
            f"no population named {pop!r} in the active network "
            f"(it has: {', '.join(names) or 'no populations'})") from exc


def projection(proj):
    """The :class:`engine.Projection` ``proj`` names (or ``proj`` itself)."""
    if isinstance(proj, ann.Projection):
        return proj
    try:
        return ann.get_projection(proj)
    except NetworkError as exc:
        raise CompNeuroError(f"no projection named {proj!r} in the active network") from exc


def kind_of(name: str) -> str:
    """``"pop"`` if the active network has a population ``name``, else
    ``"proj"`` if it has such a projection (CompNeuroPy 1.0's monitor keys
    name either).

    Raises
    ------
    CompNeuroError
        If it has neither (listing the names it has), or both (CompNeuroPy
        stops there too).
    """
    pops = [p.name for p in ann.get_populations()]
    projs = [p.name for p in ann.get_projections()]
    if name in pops and name in projs:
        raise CompNeuroError(
            f"{name!r} names both a population and a projection: write the monitor "
            f"key as 'pop;{name}' or 'proj;{name}'")
    if name in pops:
        return "pop"
    if name in projs:
        return "proj"
    raise CompNeuroError(
        f"no population or projection named {name!r} in the active network "
        f"(populations: {', '.join(pops) or 'none'}; projections: {', '.join(projs) or 'none'})")


def require_attribute(pop, attr: str, who: str):
    """Check that population ``pop`` has attribute ``attr`` before a
    protocol changes anything (the engine's own error would come after the
    first half of a step protocol had already run)."""
    if attr not in pop.attributes:
        raise CompNeuroError(
            f"{who}: population {pop.name!r} has no attribute {attr!r} "
            f"(its attributes: {', '.join(pop.attributes)}); "
            f"add e.g. '{attr} = 0' to the neuron's parameters")


def active_network():
    """The network ``ann.simulate()`` would run (``with net:`` or the default)."""
    return ann.active_network()


def chunk_and_population(results, chunk, pop, who: str):
    """``(recording dict of chunk, population name)`` of a results object
    (``CompNeuroExp.results()``); ``pop`` defaults to
    ``results.data["population_name"]`` (what OptNeuron experiments set).

    Raises
    ------
    CompNeuroError
        Not a results object, no such chunk, or no population name, with
        ``who`` (the calling function) in the message.
    """
    import numpy as np

    recordings = getattr(results, "recordings", None)
    if recordings is None:
        raise CompNeuroError(f"{who}: expected a results object with .recordings "
                             f"(CompNeuroExp.results()), got {type(results).__name__}")
    if not isinstance(chunk, (int, np.integer)) or not -len(recordings) <= chunk < len(recordings):
        raise CompNeuroError(f"{who}: chunk {chunk!r} does not exist, the results "
                             f"have {len(recordings)} chunk(s)")
    if pop is None:
        data = getattr(results, "data", None) or {}
        if "population_name" not in data:
            raise CompNeuroError(f"{who}: give pop=..., results.data has no 'population_name'")
        pop = data["population_name"]
    return recordings[chunk], pop
