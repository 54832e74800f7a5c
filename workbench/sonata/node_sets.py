"""SONATA node sets: which nodes an input, a report or a query names.

A node set is, as in the SONATA specification and BMTK:

- a **string**: the name of a node set of the config (``node_sets`` or
  ``node_sets_file``) or of a node population (every node of it);
- a **list** of node set names: their union (a compound node set);
- a **dict** of conditions, all of which a node meets: ``population`` (a
  name or a list of names), ``node_id`` (a number or a list), and any node
  attribute (``model_type``, ``pop_name``, a per-node property...) equal to
  a value or to one of a list of values. SONATA's comparison operators
  (``{"$gt": 3}``) are refused with a clear error: they are not read yet.

:func:`select` returns ``{population: sorted node ids}``. This module does
not import the engine.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from workbench.sonata.errors import SonataError

__all__ = ["select"]

_ID_KEYS = ("node_id", "node_ids")


def select(node_set, populations: Mapping, named: Mapping | None = None,
           where: str = "node set") -> dict[str, np.ndarray]:
    """The nodes of ``node_set`` per population.

    Parameters
    ----------
    node_set : str, list or dict
        See the module docstring.
    populations : mapping
        Population name -> :class:`~workbench.sonata.files.NodeTable`.
    named : mapping, optional
        The config's named node sets.
    where : str
        What the node set belongs to (``"inputs.LGN_spikes"``), for messages.
    """
    return _select(node_set, populations, dict(named or {}), where, ())


def _select(node_set, populations, named, where, seen) -> dict[str, np.ndarray]:
    if isinstance(node_set, str):
        if node_set in named:
            if node_set in seen:
                raise SonataError(f"{where}: node set {node_set!r} refers to itself")
            return _select(named[node_set], populations, named, where, seen + (node_set,))
        if node_set in populations:
            return {node_set: np.arange(populations[node_set].size)}
        raise SonataError(f"{where}: {node_set!r} is neither a node set of the config "
                          f"({', '.join(sorted(named)) or 'none'}) nor a node population "
                          f"({', '.join(sorted(populations))})")
    if isinstance(node_set, list):
        out: dict[str, np.ndarray] = {}
        for item in node_set:
            if not isinstance(item, str):
                raise SonataError(f"{where}: a compound node set lists node set names, "
                                  f"found {item!r}")
            for pop, ids in _select(item, populations, named, where, seen).items():
                out[pop] = np.union1d(out.get(pop, ids[:0]), ids)
        return out
    if isinstance(node_set, dict):
        return _conditions(node_set, populations, where)
    raise SonataError(f"{where}: a node set is a name, a list of names or a dict of "
                      f"conditions, not {type(node_set).__name__}")


def _conditions(spec: dict, populations, where) -> dict[str, np.ndarray]:
    pops = spec.get("population", list(populations))
    pops = [pops] if isinstance(pops, str) else pops
    if not isinstance(pops, list) or not all(isinstance(p, str) for p in pops):
        raise SonataError(f"{where}: 'population' is a name or a list of names")
    unknown = [p for p in pops if p not in populations]
    if unknown:
        raise SonataError(f"{where}: no node population {unknown[0]!r} (the network has "
                          f"{', '.join(sorted(populations))})")
    out = {}
    for pop in pops:
        table = populations[pop]
        keep = np.ones(table.size, dtype=bool)
        for key, wanted in spec.items():
            if key == "population":
                continue
            if isinstance(wanted, dict):
                raise SonataError(f"{where}: the condition on {key!r} uses operators "
                                  f"({', '.join(wanted)}); give a value or a list of values")
            values = np.arange(table.size) if key in _ID_KEYS else _attribute(table, key, where)
            wanted = wanted if isinstance(wanted, list) else [wanted]
            if key in _ID_KEYS:
                bad = [w for w in wanted if isinstance(w, bool) or not isinstance(w, int)]
                if bad:
                    raise SonataError(f"{where}: node ids are whole numbers, got {bad[0]!r}")
            keep &= _isin(values, wanted)
        if keep.any() or len(pops) == 1:
            out[pop] = np.flatnonzero(keep)
    return out


def _attribute(table, key, where) -> np.ndarray:
    if key == "model_type" or key in table.attributes or \
            any(key in props for props in table.types.values()):
        return table.attribute(key)
    raise SonataError(f"{where}: population {table.population!r} has no node attribute "
                      f"{key!r}")


def _isin(values: np.ndarray, wanted: list) -> np.ndarray:
    if values.dtype.kind in "iuf":
        numbers = [w for w in wanted if isinstance(w, (int, float)) and not isinstance(w, bool)]
        return np.isin(values, np.asarray(numbers, dtype=float)) if numbers \
            else np.zeros(values.shape[0], dtype=bool)
    texts = {str(w) for w in wanted}
    return np.asarray([str(v) in texts for v in values], dtype=bool) \
        if values.ndim == 1 else np.zeros(values.shape[0], dtype=bool)
