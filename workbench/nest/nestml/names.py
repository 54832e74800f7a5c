"""Engine names for NESTML names and for the translation's helpers.

NESTML names are kept unless the engine gives the name a meaning (its
reserved words, its per-population arrays, a population's Python attributes,
the ``g_<target>`` variables that receive weights) or refuses its characters;
see "Names" in the package docstring. Every name the translation writes is
taken through :meth:`_Names._free`, so no two collide.
"""

from __future__ import annotations

import re

from engine.language.symbols import RESERVED_NAMES

#: engine names of per-population arrays that a model variable must not take
_ENGINE_INTERNAL_NAMES = frozenset({"flag", "refr", "refractory", "spk", "nspk", "last_spike",
                                    "rng"})


def _population_names() -> frozenset:
    """Python attributes of a population (``size``, ``name``, ``get``...): a
    model attribute named like one could not be read as ``pop.<name>``, and
    the engine refuses it when the population is created."""
    from engine.runtime.population import Population, PopulationView

    names = {n for cls in (Population, PopulationView) for n in dir(cls)
             if not n.startswith("_")}
    return frozenset(names | set(getattr(Population, "_own_names", ())))


class _Names:
    """The naming part of :class:`~workbench.nest.nestml.translator._Translator`
    (which holds ``taken``, ``names``, ``conductances`` and ``python_names``)."""

    def _free(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken or name in RESERVED_NAMES or name in _ENGINE_INTERNAL_NAMES \
                or name.startswith("sum_") or name in self.conductances \
                or name in self.python_names:
            k += 1
            name = f"{base}_{k}" if not base.endswith("_") else f"{base}{k}"
        self.taken.add(name)
        return name

    def _name(self, key: str, targets: set[str]) -> str:
        """Engine name of NESTML name ``key`` (renamed only when it must be)."""
        base = key.replace("$", "__dollar")
        base = re.sub(r"[^A-Za-z0-9_]", "_", base)
        if not base[:1].isalpha():
            base = "nestml" + ("" if base.startswith("_") else "_") + base
        if base in self.conductances:
            base = "nestml_" + base
        elif base in RESERVED_NAMES or base in _ENGINE_INTERNAL_NAMES or \
                base.startswith("sum_") or base in self.python_names:
            base = base + "_"
        name = self._free(base)
        self.names[key] = name
        return name
