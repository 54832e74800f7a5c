"""The catalogue of NEST-named neuron models and its conventions.

Conventions every model follows (the SONATA runner relies on them):

- **Names and units are NEST's.** Parameters and state variables have NEST's
  names (``V_m``, ``C_m``, ``tau_syn_ex``, ``I_e``...) and units (mV, ms,
  pA, pF, nS); the defaults are NEST 3.10's (``nest.GetDefaults(name)``).
  A state variable may be given as a keyword too (``V_m=-70.0``): it sets the
  initial value, as ``nest.Create(name, params={"V_m": -70.0})`` does.
- **Targets ``exc`` and ``inh``, positive weights.** NEST routes a spike by
  the sign of its weight (positive: excitatory port, negative: inhibitory).
  The engine routes by target, so every model receives on ``exc`` and
  ``inh`` with weights >= 0; the runner sends an edge of weight w < 0 to
  ``inh`` with weight -w. For current-based models a weight is a current
  jump in pA (delta models and ``izhikevich``: a voltage jump in mV), for
  conductance-based ones a conductance jump in nS. The adaptive models also
  have a ``current`` target: NEST's current input (what a
  ``step_current_generator`` sends, with NEST's one-step lag).
- **NEST's timing.** An engine step ``k`` is NEST's update step ending at
  ``(k + 1) * dt``: a spike of engine step ``k`` is NEST's spike stamped
  ``(k + 1) * dt``, monitor row ``k`` is NEST's sample at ``(k + 1) * dt``.
  An edge delay ``D`` between neurons is the same projection delay ``D``;
  a ``spike_generator`` time ``T`` is a ``SpikeSourceArray`` time ``T - dt``
  (NEST rounds off-grid times up); a ``step_current_generator`` change at
  ``T`` with delay ``D`` is an ``I_e`` change at engine time ``T + D``. With
  that mapping every model fires on NEST's steps in the stored NEST traces
  (tests/data/nest/, written by benchmarks/peers/nest_catalogue_*.py); each
  class's docstring gives its integration scheme and the measured ``V_m``
  agreement.

- **Receptor ports.** An edge's ``receptor_type`` must be one of the
  model's ``receptor_ports`` (NEST's rule): ``(0,)`` unless the model says
  otherwise (``glif_psc``: ``(1,)``, NEST's ports start at 1 there).

Models are :class:`engine.models.neurons.StandardNeuron` subclasses:
keyword overrides of the defaults, an unknown keyword is a
:class:`~engine.errors.ModelError` naming the model's real parameters.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any, Mapping

from engine.errors import ModelError
from engine.models.neurons import StandardNeuron

__all__ = ["NEST_NEURONS", "NestModelError", "register", "neuron_class", "nest_neuron"]

#: name -> model class; filled by :func:`register` when the modules below load.
NEST_NEURONS: dict[str, type[StandardNeuron]] = {}

#: the modules defining the catalogue, imported on first use.
_MODULES = ("workbench.nest.iaf", "workbench.nest.adaptive", "workbench.nest.glif")
_loaded = False


class NestModelError(ModelError):
    """A NEST model name or parameter set the catalogue cannot build."""


def register(cls: type[StandardNeuron]) -> type[StandardNeuron]:
    """Class decorator: add ``cls`` to the catalogue under its class name."""
    NEST_NEURONS[cls.__name__] = cls
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in _MODULES:
            importlib.import_module(module)
        _loaded = True


def neuron_class(name: str) -> type[StandardNeuron]:
    """The catalogue's class for NEST model ``name`` (``"nest:"`` prefix
    allowed); :class:`NestModelError` with the closest names otherwise."""
    _load()
    if not isinstance(name, str):
        raise NestModelError(f"a NEST model name must be a string, not {type(name).__name__}")
    key = name[5:] if name.startswith("nest:") else name
    if key not in NEST_NEURONS:
        close = difflib.get_close_matches(key, NEST_NEURONS, n=3)
        hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
        raise NestModelError(
            f"unknown NEST model {key!r}{hint}; the catalogue has: "
            + ", ".join(sorted(NEST_NEURONS)))
    return NEST_NEURONS[key]


def nest_neuron(name: str, params: Mapping[str, Any] | None = None) -> StandardNeuron:
    """Build NEST model ``name`` with ``params`` (NEST's names; ``None`` or
    ``{}``: NEST's defaults), as ``nest.Create(name, params=params)``."""
    cls = neuron_class(name)
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise NestModelError(f"parameters of NEST model {name!r} must be a mapping of "
                             f"name to number, not {type(params).__name__}")
    bad = [k for k in params if not isinstance(k, str)]
    if bad:
        raise NestModelError(f"parameter names of NEST model {name!r} must be strings: {bad!r}")
    return cls(**dict(params))
