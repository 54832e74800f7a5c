"""From SONATA's ``model_template`` and ``dynamics_params`` to engine models.

Cells (``model_type`` ``point_neuron``):

- ``nest:<name>``: the NEST-named catalogue (:mod:`workbench.nest`), with
  ``dynamics_params`` (a JSON file in ``components.point_neuron_models_dir``
  or a dict; an empty file means NEST's defaults);
- ``nest:<name>_nestml`` (what NESTML calls a generated model) or
  ``nestml:<file>.nestml``: a NESTML model file, read with NESTML's own
  parser and run on the engine (:mod:`workbench.nest.nestml`). The file is
  looked up in ``components.nestml_models_dir``, the folders of
  ``components.nest_modules`` (where BMTK finds the compiled module) and
  ``point_neuron_models_dir``;
- ``engine:<file>.json``: a model of the engine's language saved with
  ``Neuron.to_spec()`` (JSON, never executed).

``@cell_model(directive, model_type)`` replaces how a group of cells is
created, as BMTK's decorator of the same name: ``directive`` ``"nest"``
applies to every ``nest:`` template, ``"nest:izhikevich"`` to one. The
function receives a :class:`Cell` (its node attributes: ``cell["jitter"]``),
the template's name and the ``dynamics_params`` dict, and returns the
engine population it made (``cell.create(template, params)`` makes the
default one).

Edges: ``model_template`` names one of the engine's NEST synapses
(``static_synapse``, ``stdp_synapse``, ``tsodyks_synapse``,
``tsodyks2_synapse``) with its ``dynamics_params`` from
``components.synaptic_models_dir``; its ``weight``, ``delay`` and
``receptor_type`` belong to the edges (the edge's own values win), the rest
are the synapse's parameters. ``@synaptic_weight`` registers a
``weight_function`` as BMTK's does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np

from workbench.sonata.errors import SonataError

__all__ = ["Cell", "cell_model", "synaptic_weight", "clear_registries", "load_params",
           "default_cell_loader", "find_cell_loader", "synapse_model", "weight_function",
           "SYNAPSE_TEMPLATES"]

#: NEST synapse templates the runner knows (engine.models.synapses classes).
SYNAPSE_TEMPLATES = ("static_synapse", "stdp_synapse", "tsodyks_synapse", "tsodyks2_synapse")
#: keys of a synapse's dynamics_params that are not parameters of the model:
#: the edge's own weight and delay win over them, as in BMTK.
_EDGE_KEYS = ("weight", "delay", "synapse_model", "receptor_type")
MAX_PARAMS_BYTES = 4 * 2**20

_cell_loaders: dict[tuple[str, str], Callable] = {}
_weight_functions: dict[str, Callable] = {}


class Cell:
    """A group of cells sharing population, model type, template and
    parameters: what a ``@cell_model`` function receives.

    ``cell["name"]`` gives a node attribute for every cell of the group (a
    per-node property, or the node type's value repeated), ``cell.node_ids``
    the SONATA ids, ``cell.n_nodes`` their number, ``cell.network`` the
    engine network the cells go into.
    """

    def __init__(self, population, node_ids, model_type, model_template, table, network,
                 components, name):
        self.population = population
        self.node_ids = np.asarray(node_ids)
        self.model_type = model_type
        self.model_template = model_template
        self.network = network
        self._table = table
        self._components = components
        self._name = name

    @property
    def n_nodes(self) -> int:
        return int(self.node_ids.size)

    def __len__(self) -> int:
        return self.n_nodes

    def __getitem__(self, name: str) -> np.ndarray:
        values = self._table.attribute(name)
        if values.dtype == object and all(v is None for v in values[self.node_ids]):
            raise SonataError(f"cells of {self.population!r} ({self.model_template}) have no "
                              f"attribute {name!r}")
        out = values[self.node_ids]
        if out.dtype == object:
            try:
                out = out.astype(float)
            except (TypeError, ValueError):
                pass
        return out

    def create(self, template_name: str | None = None, dynamics_params: dict | None = None):
        """Create these cells in the engine network with the default loader
        (what ``nest.Create(template, n, params)`` does in BMTK)."""
        template = self.model_template if template_name is None else template_name
        if ":" not in template:
            template = f"{self.model_template.split(':', 1)[0]}:{template}"
        neuron, values = _cell_neuron(template, dynamics_params or {}, self._components)
        pop = self.network.create(self.n_nodes, neuron, name=self._name)
        for key, value in values.items():
            setattr(pop, key, value)
        return pop


def cell_model(directive: str, model_type: str = "point_neuron"):
    """Decorator: ``fn(cell, template_name, dynamics_params) -> population``
    creates the cells whose template matches ``directive``."""
    if not isinstance(directive, str) or not directive:
        raise SonataError("cell_model: directive is a template prefix such as 'nest' or "
                          "a whole template such as 'nest:izhikevich'")

    def register(fn):
        if not callable(fn):
            raise SonataError("cell_model decorates a function")
        _cell_loaders[(directive.lower(), model_type)] = fn
        return fn

    return register


def synaptic_weight(fn=None, *, name: str | None = None):
    """Decorator: register ``fn(edges, source_nodes, target_nodes) -> weights``
    (pandas DataFrames, one row per edge) for edge types whose
    ``weight_function`` is ``name`` (default: the function's name)."""
    def register(f):
        _weight_functions[name or f.__name__] = f
        return f

    return register(fn) if fn is not None else register


def clear_registries() -> None:
    """Forget every ``@cell_model`` and ``@synaptic_weight`` function."""
    _cell_loaders.clear()
    _weight_functions.clear()


def find_cell_loader(model_template: str, model_type: str) -> Callable:
    """The ``@cell_model`` function for a template, or the default loader."""
    template = model_template.lower()
    for key in ((template, model_type), (template.split(":", 1)[0], model_type)):
        if key in _cell_loaders:
            return _cell_loaders[key]
    return default_cell_loader


def default_cell_loader(cell: Cell, template_name: str, dynamics_params: dict):
    return cell.create(template_name, dynamics_params)


def weight_function(name: str) -> Callable:
    if name not in _weight_functions:
        raise SonataError(f"edge types use weight_function {name!r}, which is not registered "
                          f"(decorate it with @synaptic_weight; registered: "
                          f"{', '.join(sorted(_weight_functions)) or 'none'})")
    return _weight_functions[name]


# -- parameters -----------------------------------------------------------------------------

def load_params(value, folder, where: str) -> dict:
    """``dynamics_params`` as a dict: a dict as is, a JSON file name read
    from ``folder`` (trusting nothing), ``None``/empty: no parameters."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "NULL", "NONE")):
        return {}
    if isinstance(value, dict):
        return dict(value)
    if not isinstance(value, str):
        raise SonataError(f"{where}: dynamics_params is a JSON file name or a dict, not "
                          f"{type(value).__name__}")
    path = Path(value)
    if not path.is_absolute():
        if folder is None:
            raise SonataError(f"{where}: dynamics_params {value!r} is a file name, but the "
                              "config gives no folder for it in 'components'")
        path = Path(folder) / path
    try:
        if path.stat().st_size > MAX_PARAMS_BYTES:
            raise SonataError(f"{path}: a dynamics_params file of more than "
                              f"{MAX_PARAMS_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SonataError(f"{where}: cannot read dynamics_params {path} "
                          f"({getattr(exc, 'strerror', None) or exc})") from None
    if not text.strip():
        return {}
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SonataError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(params, dict):
        raise SonataError(f"{path}: dynamics_params must be a JSON object of name: value")
    return params


# -- cells ----------------------------------------------------------------------------------

def _cell_neuron(template: str, params: dict, components: dict):
    directive, _, name = template.partition(":")
    directive = directive.lower()
    if directive == "nest":
        from workbench.nest import NestModelError, nest_neuron, neuron_class

        try:
            neuron_class(name)
        except NestModelError:
            nestml = _find_nestml(name, components)
            if nestml is not None:
                return _nestml_neuron(nestml, name, params)
            raise
        return nest_neuron(name, params), {}
    if directive == "nestml":
        path = _component_file(name, components, ("nestml_models_dir", "point_neuron_models_dir"))
        return _nestml_neuron(path, None, params)
    if directive == "engine":
        return _engine_neuron(name, params, components)
    raise SonataError(f"model_template {template!r}: use nest:<NEST model>, "
                      "nestml:<file>.nestml or engine:<file>.json")


def _model_dirs(components: dict, keys) -> list[Path]:
    out = []
    for key in keys:
        value = components.get(key)
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, str) and item:
                p = Path(item)
                out.append(p if p.is_dir() else p.parent)
    return out


def _component_file(name: str, components: dict, keys) -> Path:
    path = Path(name)
    if path.is_absolute() and path.is_file():
        return path
    for folder in _model_dirs(components, keys):
        if (folder / name).is_file():
            return folder / name
    raise SonataError(f"model file {name!r} is not in "
                      + ", ".join(f"components.{k}" for k in keys))


_NESTML_NAME = re.compile(r"^\s*(?:model|neuron)\s+(\w+)\s*:", re.M)


def _find_nestml(name: str, components: dict) -> Path | None:
    """The .nestml file defining ``name`` (NESTML appends ``_nestml`` to
    generated models' names; either form is found)."""
    wanted = {name, name[:-len("_nestml")] if name.endswith("_nestml") else name}
    keys = ("nestml_models_dir", "nest_modules", "point_neuron_models_dir")
    for folder in _model_dirs(components, keys):
        for path in sorted(folder.glob("*.nestml")):
            try:
                text = path.read_text(encoding="utf-8")[:200_000]
            except (OSError, UnicodeDecodeError):
                continue
            if any(m.group(1) in wanted for m in _NESTML_NAME.finditer(text)):
                return path
    return None


def _nestml_neuron(path: Path, name, params: dict):
    """A NESTML file's model; ``params`` use NESTML's names (mapped to the
    engine's where the translator renamed one)."""
    from workbench.nest.nestml import translate_nestml

    model_name = name[:-len("_nestml")] if name and name.endswith("_nestml") else name
    try:
        info = translate_nestml(path, model_name=model_name)
    except ImportError:
        raise SonataError(f"NESTML model {path.name}: reading .nestml files needs NESTML's "
                          "parser: pip install 'neuroworkbench[nestml]'") from None
    settable = set(info.parameters) | set(info.state) | set(info.continuous_ports.values())
    values = {}
    for key, value in params.items():
        engine_name = info.names.get(key, key)
        if engine_name not in settable:
            raise SonataError(f"NESTML model {path.name}: dynamics_params {key!r} is not a "
                              f"parameter or state variable of {info.name!r} (it has "
                              f"{', '.join(sorted(info.parameters + info.state))})")
        values[engine_name] = value
    return info.neuron, values


def _engine_neuron(name: str, params: dict, components: dict):
    from engine.errors import NeuroWorkbenchError
    from engine.language.models import model_from_spec

    path = _component_file(name, components, ("point_neuron_models_dir",))
    spec = load_params(str(path), None, f"model_template engine:{name}")
    try:
        neuron = model_from_spec(spec)
    except NeuroWorkbenchError as exc:
        raise SonataError(f"{path}: not a model spec of the engine ({exc})") from None
    return _with_values(neuron, params, f"model {path.name}")


def _with_values(neuron, params: dict, where: str):
    """The model and ``params`` checked against its variables: a model of
    the language has no keyword overrides, so the values are set on the
    population once it is created."""
    names = set(neuron.ir.names)
    unknown = sorted(set(params) - names)
    if unknown:
        raise SonataError(f"{where}: dynamics_params {unknown} are not variables of the "
                          f"model (it has {', '.join(sorted(names))})")
    return neuron, dict(params)


# -- synapses -------------------------------------------------------------------------------

def synapse_model(template, params: dict, where: str):
    """The engine synapse for an edge type, and the params' edge keys
    (``weight``, ``delay``, ``receptor_type``)."""
    from engine.models import synapses

    if template is None:
        template = "static_synapse"
    if template not in SYNAPSE_TEMPLATES:
        raise SonataError(f"{where}: synapse model_template {template!r} is not one of "
                          f"{', '.join(SYNAPSE_TEMPLATES)}")
    values = {k: v for k, v in params.items() if k not in _EDGE_KEYS}
    edge = {k: params[k] for k in ("weight", "delay", "receptor_type") if k in params}
    try:
        return getattr(synapses, template)(**values), edge
    except Exception as exc:
        raise SonataError(f"{where}: {exc}") from None


def edge_frame(table, rows) -> Any:
    """A pandas DataFrame of the edges ``rows`` (every attribute, per edge)."""
    return attribute_frame(table, rows, {"source_node_id": table.source_node_id[rows],
                                         "target_node_id": table.target_node_id[rows],
                                         "edge_type_id": table.edge_type_id[rows]})


def attribute_frame(table, rows, first: dict, index=None) -> Any:
    """A pandas DataFrame of a node or edge table's ``rows``: the ``first``
    columns, then every attribute (per element, or its type's value)."""
    import pandas as pd

    data = dict(first)
    names = set(table.attributes)
    for props in table.types.values():
        names |= set(props)
    for name in sorted(names - set(data)):
        values = table.attribute(name)
        data[name] = values[rows] if values.ndim == 1 else list(values[rows])
    return pd.DataFrame(data, index=index)
