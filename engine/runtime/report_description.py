"""What ``report()`` says about a network, gathered from its public objects
and frozen IRs (:func:`describe`); :mod:`engine.runtime.report_markdown` and
:mod:`engine.runtime.report_latex` lay it out. No model text is parsed again
or evaluated."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.errors import NetworkError
from engine.language.ir import ModelIR, show

__all__ = ["describe", "NetworkDescription", "ModelEntry", "NEURON_LOCALITY",
           "SYNAPSE_LOCALITY", "CONNECTOR_TITLES", "value_text", "pattern_text"]

#: ANNarchy's titles of its connector methods
CONNECTOR_TITLES = {
    "all_to_all": "All-to-All", "one_to_one": "One-to-One", "fixed_probability": "Random",
    "fixed_number_pre": "Random Convergent", "fixed_number_post": "Random Divergent",
    "gaussian": "Gaussian", "dog": "Difference-of-Gaussian",
    "from_matrix": "Connectivity matrix", "from_sparse": "Sparse connectivity matrix",
    "from_function": "User-defined", "from_arrays": "From arrays", "from_file": "From file",
}
#: connector arguments shown in the pattern, in this order, with their label
_CONNECTOR_ARGS = (("probability", "probability"), ("number", "number"), ("amp", "amplitude"),
                   ("sigma", "sigma"), ("amp_pos", "positive amplitude"),
                   ("sigma_pos", "positive sigma"), ("amp_neg", "negative amplitude"),
                   ("sigma_neg", "negative sigma"), ("limit", "limit"),
                   ("weights", "weights"), ("delays", "delays"))
NEURON_LOCALITY = {"local": "per neuron", "semiglobal": "per population",
                   "global": "per population"}
SYNAPSE_LOCALITY = {"local": "per synapse", "semiglobal": "per post-synaptic neuron",
                    "global": "per projection"}


@dataclass
class ModelEntry:
    """One neuron or synapse model of the network, as the report names it."""

    title: str
    ir: ModelIR
    description: str
    default: bool = False   # ANNarchy's default synapse (no synapse= given)
    #: the class whose hand-written code replaces the model's equations
    #: (SpikeSourceArray, TimedArray...): its equations are placeholders, not shown
    custom: str = ""


@dataclass
class NetworkDescription:
    """What a report says, gathered once; the writers only lay it out."""

    dt: float
    populations: list = field(default_factory=list)   # (pop, neuron title)
    projections: list = field(default_factory=list)   # (proj, synapse title, pattern)
    monitors: list = field(default_factory=list)      # (object text, variables, period)
    neurons: list = field(default_factory=list)       # ModelEntry
    synapses: list = field(default_factory=list)      # ModelEntry
    constants: list = field(default_factory=list)     # (name, value)
    inputs: list = field(default_factory=list)        # (pop, kind, description)
    extensions: list = field(default_factory=list)    # names of BOLD monitors and the like
    pop_values: list = field(default_factory=list)    # (pop, neuron title, [(name, text)])
    proj_values: list = field(default_factory=list)   # (proj, synapse title, [(name, text)])


# ---------------------------------------------------------------------------
# facts
# ---------------------------------------------------------------------------
def value_text(arr) -> str:
    """One value, or the range ``[min, max]`` of values that differ."""
    arr = np.asarray(arr).reshape(-1)
    if arr.size == 0:
        return "-"
    if arr.dtype.kind == "b":
        return str(bool(arr[0])) if np.all(arr == arr[0]) else "[False, True]"
    first = arr[0]
    if np.all(arr == first) or (arr.dtype.kind == "f" and np.all(np.isnan(arr))):
        return str(first)
    return f"[{np.nanmin(arr)}, {np.nanmax(arr)}]"


def _described(model, ir: ModelIR, default_text: str) -> str:
    text = (getattr(model, "description", None) or ir.description
            or getattr(type(model), "summary", "") or "")
    return " ".join(str(text).split()) or default_text


class _Catalogue:
    """Models in order of first use; the same IR (digest) is one entry. Models
    without a name are numbered as ANNarchy does (``Neuron 1``, ``Synapse 2``)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.entries: dict[str, ModelEntry] = {}
        self.unnamed = 0

    def title(self, model, ir: ModelIR, default: bool = False, custom: str = "") -> str:
        key = ir.digest()
        entry = self.entries.get(key)
        if entry is None:
            spiking = ir.spiking
            if default:
                title = f"Default {'spiking' if spiking else 'rate-coded'} synapse"
                text = ("ANNarchy's default synapse: each pre-synaptic spike adds w to "
                        "g_target." if spiking else "ANNarchy's default synapse: the "
                        "weighted sum of the pre-synaptic rates.")
            else:
                name = getattr(model, "name", None)
                if not name:
                    self.unnamed += 1
                    name = f"{self.kind.capitalize()} {self.unnamed}"
                title = name
                text = _described(model, ir, f"{'Spiking' if spiking else 'Rate-coded'} "
                                             f"{self.kind}.")
            entry = ModelEntry(title, ir, text, default, custom)
            self.entries[key] = entry
        return entry.title


def _fmt_arg(value) -> str:
    if isinstance(value, (np.ndarray, list, tuple)) or hasattr(value, "toarray"):
        return "given per synapse"
    if callable(value) and not hasattr(value, "latex"):
        return "computed by a function"
    if isinstance(value, float) or isinstance(value, np.floating):
        return str(float(value))
    return " ".join(str(value).split())


def pattern_text(proj) -> str:
    """ANNarchy's ``connector_description``: the pattern and its arguments,
    plus the number of synapses the engine built."""
    method = getattr(proj, "connector_name", None)
    if method is None:
        return "not connected"
    args = getattr(proj, "connector_args", {}) or {}
    parts = [CONNECTOR_TITLES.get(method, str(method))]
    for key, label in _CONNECTOR_ARGS:
        if key in args and args[key] is not None:
            parts.append(f"{label} {_fmt_arg(args[key])}")
    text = ", ".join(parts)
    try:
        n = proj.nb_synapses
        text += f" ({n} synapse{'' if n == 1 else 's'})"
    except NetworkError:  # pragma: no cover - connector_name implies synapses
        pass
    return text


def _values(obj, ir: ModelIR, skip=()) -> list:
    out = []
    for spec in ir.parameters:
        if spec.name in skip or spec.name.startswith("_"):
            continue
        arr = obj._arrays.get(spec.name)
        out.append((spec.name, value_text(arr) if arr is not None else show(spec.init)))
    return out


def _default_synapse(proj) -> bool:
    from engine.runtime.projection import default_synapse

    return proj.synapse_type is default_synapse(proj.pre_population.spiking)


def describe(net, gather_subprojections: bool = False) -> NetworkDescription:
    """Gather what a report of ``net`` says (see the module documentation)."""
    from engine.runtime.population import Population
    from engine.runtime.projection import Projection

    d = NetworkDescription(dt=net.dt)
    neurons, synapses = _Catalogue("neuron"), _Catalogue("synapse")
    for pop in net.get_populations():
        kind = type(pop).__name__
        code = pop._custom_code() if type(pop) is not Population else None
        custom = kind if code is not None and getattr(code, "replace", True) else ""
        title = neurons.title(pop.neuron_type, pop.ir, custom=custom)
        d.populations.append((pop, title))
        d.pop_values.append((pop, title, _values(pop, pop.ir)))
        if type(pop) is not Population:
            doc = (type(pop).__doc__ or "").strip().split("\n\n")[0]
            d.inputs.append((pop, kind, _described(pop.neuron_type, pop.ir, " ".join(doc.split()))))
    seen = set()
    for proj in net.get_projections():
        key = (proj.pre_population.name, proj.post_population.name, tuple(proj.targets))
        if gather_subprojections and key in seen:
            continue
        seen.add(key)
        syn_ir = proj.synapse_type.ir
        default = _default_synapse(proj)
        if default and type(proj) is not Projection:  # CurrentInjection, DecodingProjection...
            title = type(proj).__name__
        else:
            title = synapses.title(proj.synapse_type, syn_ir, default)
        d.projections.append((proj, title, pattern_text(proj)))
        d.proj_values.append((proj, title, _values(proj, syn_ir, skip=("w",))))
    for mon in net.get_monitors():
        obj = mon.object
        name = getattr(obj, "name", None)
        if name is None:  # a view: ANNarchy's "(subset)"
            owner = getattr(obj, "population", None) or getattr(obj, "proj", None)
            name = f"{getattr(owner, 'name', type(obj).__name__)} (subset)"
        period = mon.period if mon.period is not None else net.dt
        d.monitors.append((name, list(mon.variables), period))
    d.neurons = list(neurons.entries.values())
    d.synapses = list(synapses.entries.values())
    d.constants = [(c.name, c.value) for c in net.get_constants()]
    d.extensions = [f"{type(e).__name__} {getattr(e, 'name', '')}".strip()
                    for e in net.get_extensions()]
    return d
