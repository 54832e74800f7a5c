"""NESTML units as magnitudes in the engine's unit system.

The engine has no units: every quantity is the magnitude of its value in one
coherent system, NEST's (mV, ms, pA, pF, nS, GOhm; see "Units" in the package
docstring, :mod:`workbench.nest.nestml`). The factors come from astropy,
NESTML's unit library, imported when a unit is first converted.
"""

from __future__ import annotations

from workbench.nest.nestml.frontend import _nestml


def _coherent_scales():
    import astropy.units as u

    # time ms, current pA, and mass * length**2 fixed by the volt: mV = kg m2 s-3 A-1 * 1e-3
    return ((u.s, 1e-3), (u.A, 1e-12), (u.kg, 1e-12), (u.m, 1e-6), (u.mol, 1.0), (u.K, 1.0),
            (u.cd, 1.0), (u.rad, 1.0))


def unit_factor(unit) -> float:
    """Magnitude of one ``unit`` (an astropy unit or a NESTML unit name) in the
    engine's unit system (mV, ms, pA, pF, nS, GOhm; see the package docstring)."""
    if isinstance(unit, str):
        _nestml()
        from pynestml.symbols.predefined_units import PredefinedUnits

        if not PredefinedUnits.is_unit(unit):
            raise ValueError(f"{unit!r} is not a NESTML unit")
        unit = PredefinedUnits.get_unit(unit).get_unit()
    scales = _coherent_scales()
    dec = unit.decompose(bases=[b for b, _ in scales])
    value = float(dec.scale)
    lookup = {b: s for b, s in scales}
    for base, power in zip(dec.bases, dec.powers):
        value /= lookup[base] ** float(power)
    return float(f"{value:.14g}")  # 1000.0000000000001 -> 1000.0
