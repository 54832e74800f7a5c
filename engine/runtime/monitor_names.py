"""What a population monitor may record besides model attributes.

Two names ANNarchy's monitors accept that are not variables of the model:

- ``'sum(exc)'``: the weighted sum of target ``exc`` of a rate-coded
  population (the population's internal array ``sum_exc``, ``_P__sum_exc`` in
  generated code). ANNarchy records it right after the sums are computed and
  before the neurons are updated (its ``record_targets()``); the engine does
  the same (engine.codegen.monitor_code.target_conductances). Written exactly
  ``sum(<target>)`` as in ANNarchy, which reads the target with the pattern
  ``\\((\\w+)\\)``: no spaces.
- ``'r'`` of a spiking population: every spiking neuron of ANNarchy has a
  firing rate ``r``, 0 unless ``pop.compute_firing_rate(window)`` is called.
  The engine adds ``r`` to a spiking model only when asked (by
  ``compute_firing_rate`` or by a monitor of ``r``, with a warning).
"""

from __future__ import annotations

import re

from engine.errors import NetworkError
from engine.language.models import _user_stacklevel

__all__ = ["sum_target", "check_sum_request", "check_sum_ready", "needs_rate_variable",
           "add_rate_variable"]

_SUM = re.compile(r"sum\((\w+)\)")
_LOOKS_LIKE_SUM = re.compile(r"\s*sum\s*\(")


def sum_target(name) -> str | None:
    """``'exc'`` for ``'sum(exc)'``; None for any other name.

    Raises
    ------
    NetworkError
        A name that looks like a sum but is not written ``sum(<target>)``
        (``'sum( exc )'``, ``'sum()'``).
    """
    if not isinstance(name, str) or not _LOOKS_LIKE_SUM.match(name):
        return None
    match = _SUM.fullmatch(name)
    if match is None:
        inner = name.split("(", 1)[1].rstrip().rstrip(")").strip()
        hint = f"'sum({inner})'" if re.fullmatch(r"\w+", inner) else "'sum(exc)'"
        raise NetworkError(f"cannot record {name!r}: write the weighted sum of a target "
                           f"without spaces, e.g. {hint} (as ANNarchy)")
    return match.group(1)


def _targets(pop) -> str:
    return ", ".join(sorted(pop.ir.targets)) or "none"


def check_sum_request(pop, name: str, target: str) -> None:
    """Refuse ``'sum(target)'`` on a population that cannot have it.

    A spiking population's input is its conductance ``g_<target>``; a
    rate-coded one needs the target. Before compile a target may still come
    (a projection connected after the monitor): :func:`check_sum_ready`
    checks again when the network is laid out.
    """
    if pop.spiking:
        g = f"g_{target}"
        hint = (f"record its conductance {g!r}" if g in pop._arrays else
                f"its targets: {_targets(pop)}")
        raise NetworkError(f"cannot record {name!r}: population {pop.name!r} is spiking; "
                           f"the weighted sums are of rate-coded populations ({hint})")
    if pop.network._compiled:
        check_sum_ready(pop, name, target)


def check_sum_ready(pop, name: str, target: str) -> None:
    """The population has the weighted sum of ``target`` (at layout time)."""
    if f"sum_{target}" not in pop._internals:
        raise NetworkError(
            f"cannot record {name!r}: population {pop.name!r} has no input on target "
            f"{target!r} (its targets: {_targets(pop)}); a target exists when the model reads "
            f"sum({target}) or a projection connects to it (net.connect(..., "
            f"target={target!r}))")


def needs_rate_variable(pop, name) -> bool:
    """A monitor of ``r`` on a spiking population whose model has no ``r``.

    Raises
    ------
    NetworkError
        After compile (adding a variable needs new code and arrays).
    """
    if name != "r" or not pop.spiking or "r" in pop._arrays:
        return False
    if pop.network._compiled:
        raise NetworkError(
            f"cannot record 'r': spiking population {pop.name!r} has no firing rate r since "
            "the network was compiled without it; create the monitor (or call "
            "pop.compute_firing_rate(window)) before net.compile()")
    return True


def add_rate_variable(pop) -> None:
    """Give the spiking population its ``r`` (0); compile() warns if no
    ``compute_firing_rate`` fills it by then (``FiringRate._warn_unfilled_rate``)."""
    pop._add_rate_variable()
    pop._rate_monitored = True
