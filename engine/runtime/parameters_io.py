"""ANNarchy's ``save_parameters`` / ``load_parameters``: the global parameters of a
network in a JSON file, by population and projection name.

The file is ANNarchy's, key for key, so that files move both ways::

    {
        "populations": {"pop1": {"tau": 10.0}},
        "projections": {"proj0": {"eta": 0.01}},
        "network": {},
        "constants": {"mu": 0.2}
    }

What is saved, as ANNarchy (checked against ANNarchy 5.0.4.1):

* for every population and projection, its *global* attributes (flag
  ``population`` in a neuron, ``projection`` in a synapse), parameters and
  global variables alike, in declaration order; local and ``postsynaptic``
  (semiglobal) ones are not saved;
* their **initial** values: what ``reset()`` returns to, that is the value at
  ``compile()`` (or the current value before it). A value changed after
  ``compile()`` is not in the file. This is ANNarchy's rule (its
  ``save_parameters`` writes ``pop.init``) and its test suite relies on it:
  the file describes the model's set-up, to be edited and loaded into the next
  run. To keep the state of a run use ``net.save()``;
* every constant of the network with its current value; ``network`` is an
  empty section for the user's own numbers, which :func:`load_parameters`
  returns.

Loading checks the whole file before anything changes, and undoes what it
changed if setting a value fails half-way. Unknown populations, projections
and constants are errors (ANNarchy: "names cannot change between saving and
loading"); a parameter the model lacks, a variable, or (``global_only=True``)
a non-global parameter is skipped with a warning, as ANNarchy skips it with a
message. Values must be JSON numbers (``true``/``false`` for ``bool``
parameters, whole numbers for ``int`` ones); ANNarchy's files hold no arrays.
Saving is atomic (a temporary file renamed over the target).
"""

from __future__ import annotations

import json
import math
import numbers
import os
import warnings

from engine.errors import NetworkFileError
from engine.runtime.io import _atomic_write
from engine.runtime.io_load import _path
from engine.runtime.network_ids import resolve_network

__all__ = ["save_parameters", "load_parameters"]

#: the sections of ANNarchy's file
SECTIONS = ("populations", "projections", "network", "constants")
#: a parameters file is a few kB; anything near this is not one
_MAX_BYTES = 16 << 20


# ---------------------------------------------------------------------------
# saving
# ---------------------------------------------------------------------------
def _initial_arrays(net, obj, key) -> dict:
    """The arrays ``reset()`` restores for ``obj`` (its current ones before compile)."""
    snap = net._initial_state.get(key) if net._compiled and net._initial_state else None
    return snap if snap is not None else obj._arrays


def _json_value(spec, arrays):
    """The saved value of global attribute ``spec`` as a JSON scalar, or None."""
    if spec.name in arrays:
        value = arrays[spec.name].reshape(-1)[0]
    elif getattr(spec.init, "is_number", False):  # a projection not connected yet
        value = spec.init
    else:
        return None
    if spec.dtype == "bool":
        return bool(value)
    if spec.dtype == "int":
        return int(value)
    return float(value)


def _global_values(ir, arrays) -> dict:
    out = {}
    for spec in ir.variables:
        if spec.locality != "global" or spec.name.startswith("_"):
            continue
        value = _json_value(spec, arrays)
        if value is not None:
            out[spec.name] = value
    return out


def _description(net) -> dict:
    desc = {"populations": {}, "projections": {}, "network": {}, "constants": {}}
    for c in net.get_constants():
        desc["constants"][c.name] = c.value
    for pop in net.get_populations():
        desc["populations"][pop.name] = _global_values(
            pop.ir, _initial_arrays(net, pop, pop.id))
    for proj in net.get_projections():
        desc["projections"][proj.name] = _global_values(
            proj.ir, _initial_arrays(net, proj, ("proj", proj.id)))
    return desc


def save_parameters(filename, net_id=0) -> None:
    """Write the global parameters of a network to a JSON file (ANNarchy's layout).

    Parameters
    ----------
    filename : str or path
        The JSON file; missing folders are created. Written atomically.
    net_id : int or Network, optional
        Which network: ``net.id``, or 0 (default) for the active one.

    Raises
    ------
    NetworkError
        ``net_id`` designates no network.
    NetworkFileError
        The file cannot be written.
    """
    net = resolve_network(net_id, "save_parameters()")
    path = _path(filename, "save_parameters")
    text = json.dumps(_description(net), indent=4)  # as ANNarchy's json.dump
    try:
        _atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
    except OSError as exc:
        raise NetworkFileError(f"save_parameters(): cannot write {path!r}: {exc}") from None


# ---------------------------------------------------------------------------
# reading and checking
# ---------------------------------------------------------------------------
class _Bad(Exception):
    """A problem with the file; becomes NetworkFileError naming the file."""


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise _Bad(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def _refuse_nan(token):
    if token == "NaN":
        raise _Bad("it holds NaN, which is not a parameter value")
    return float(token)  # Infinity, -Infinity (Python's json writes them)


def _read_json(path: str) -> dict:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        raise _Bad("no such file") from None
    except IsADirectoryError:
        raise _Bad("it is a directory") from None
    except OSError as exc:
        raise _Bad(f"cannot read it ({exc.strerror or exc})") from None
    if len(raw) > _MAX_BYTES:
        raise _Bad(f"it is larger than {_MAX_BYTES >> 20} MB, not a parameters file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Bad("it is not UTF-8 text (not a JSON file)") from None
    if not text.strip():
        raise _Bad("the file is empty")
    try:
        desc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_nan)
    except json.JSONDecodeError as exc:
        raise _Bad(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") \
            from None
    except RecursionError:
        raise _Bad("its objects are nested too deeply") from None
    except ValueError as exc:  # a number with more digits than Python converts
        raise _Bad(f"not valid JSON: {exc}") from None
    if not isinstance(desc, dict):
        raise _Bad(f"the top level must be an object with the sections {', '.join(SECTIONS)}; "
                   f"got a JSON {_kind(desc)}")
    unknown = [k for k in desc if k not in SECTIONS]
    if unknown:
        raise _Bad(f"unknown section {unknown[0]!r}; the sections are {', '.join(SECTIONS)}")
    for section in SECTIONS:
        value = desc.get(section, {})
        if not isinstance(value, dict):
            raise _Bad(f"section {section!r} must be an object, got a JSON {_kind(value)}")
    for section in ("populations", "projections"):
        for name, params in desc.get(section, {}).items():
            if not isinstance(params, dict):
                raise _Bad(f"{section}: {name!r} must be an object of parameter values, "
                           f"got a JSON {_kind(params)}")
    return desc


def _kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, numbers.Number):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}.get(
        type(value), type(value).__name__)


def _checked_value(where: str, dtype: str, value):
    """``value`` as the Python scalar a parameter of ``dtype`` takes, or _Bad."""
    if dtype == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise _Bad(f"{where} is a bool parameter: give true or false, got {_show(value)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"{where} needs a number, got {_show(value)}")
    if dtype == "int":
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise _Bad(f"{where} is an int parameter: give a whole number, got {value!r}")
        return int(value)
    try:
        return float(value)
    except OverflowError:  # a JSON integer with hundreds of digits
        raise _Bad(f"{where}: {str(value)[:40]}... is beyond the float range") from None


def _show(value) -> str:
    text = json.dumps(value) if not isinstance(value, float) else repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"a JSON {_kind(value)} ({text})"


def _plan_object(kind, obj, params, global_only, skipped, plan):
    """Check one population's/projection's entries; add (obj, name, value) to ``plan``."""
    specs = {v.name: v for v in obj.ir.variables}
    for name, value in params.items():
        spec = specs.get(name)
        if spec is None or spec.kind != "parameter" or name.startswith("_"):
            what = "a variable" if spec is not None and spec.kind == "variable" \
                else "not a parameter"
            skipped.append(f"{kind} {obj.name!r}: '{name}' is {what} of {obj.ir.name!r}")
            continue
        if global_only and spec.locality != "global":
            skipped.append(f"{kind} {obj.name!r}: '{name}' is not a global parameter "
                           f"(load it with global_only=False)")
            continue
        where = f"{kind} {obj.name!r}, parameter '{name}'"
        if name not in obj._arrays:
            raise _Bad(f"{kind} {obj.name!r} has no synapses yet: connect it before "
                       "loading its parameters")
        checked = _checked_value(where, spec.dtype, value)
        plan.append((kind, obj, name, checked))


def _plan(net, desc, global_only):
    plan, skipped, constants = [], [], []
    pops = {p.name: p for p in net.get_populations()}
    projs = {j.name: j for j in net.get_projections()}
    for section, kind, table in (("populations", "population", pops),
                                 ("projections", "projection", projs)):
        for name, params in desc.get(section, {}).items():
            obj = table.get(name)
            if obj is None:
                known = ", ".join(repr(n) for n in table) or "none"
                raise _Bad(f"the network has no {kind} {name!r} (its {section}: {known}); "
                           "names must be the same as when the file was saved")
            _plan_object(kind, obj, params, global_only, skipped, plan)
    known_constants = {c.name: c for c in net.get_constants()}
    for name, value in desc.get("constants", {}).items():
        c = known_constants.get(name)
        if c is None:
            known = ", ".join(repr(n) for n in known_constants) or "none"
            raise _Bad(f"the network has no constant {name!r} (its constants: {known})")
        constants.append((c, _checked_value(f"constant {name!r}", "float", value)))
    extra = {}
    for name, value in desc.get("network", {}).items():
        extra[name] = _checked_value(f"network value {name!r}", "float", value)
    return plan, constants, skipped, extra


# ---------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------
def _apply(plan, constants, verbose):
    """Set every planned value; on a refusal put back what was already set."""
    undo, shown = [], None
    try:
        for kind, obj, name, value in plan:
            if verbose:  # ANNarchy's printout
                if obj is not shown:
                    print(kind.capitalize(), obj.name)
                    shown = obj
                print("  ", name, ":", obj.get(name), "->", value)
            arr = obj._arrays[name]
            undo.append((arr, arr.copy()))
            obj.set({name: value})
        for c, value in constants:
            if verbose:
                print("   constant", c.name, ":", c.value, "->", value)
            undo.append((c._array, c._array.copy()))
            c.set(value)
    except BaseException:
        for arr, old in reversed(undo):
            arr[...] = old
        raise


def load_parameters(filename, global_only=True, verbose=False, net_id=0) -> dict:
    """Set the parameters of a network from a JSON file written by
    :func:`save_parameters` (and possibly edited), as ANNarchy.

    Parameters
    ----------
    filename : str or path
        The JSON file.
    global_only : bool, optional
        True (default): only global parameters (flags ``population`` /
        ``projection``) are set, other entries are skipped. False: a local
        parameter takes the one value for every neuron or synapse.
    verbose : bool, optional
        Print each change (old value -> new value).
    net_id : int or Network, optional
        Which network: ``net.id``, or 0 (default) for the active one.

    Returns
    -------
    dict
        The numbers of the file's ``network`` section (as floats).

    Raises
    ------
    NetworkFileError
        The file is missing, unreadable, not JSON, not laid out as ANNarchy's,
        names a population, projection or constant the network lacks, or holds
        a value of the wrong type. Nothing has changed then.
    NetworkError, AttributeAssignmentError
        The network refused a value (``net_id`` unknown, a value out of the
        attribute's range); what was set before is put back.
    """
    net = resolve_network(net_id, "load_parameters()")
    path = _path(filename, "load_parameters")
    try:
        desc = _read_json(path)
        plan, constants, skipped, extra = _plan(net, desc, bool(global_only))
    except _Bad as exc:
        raise NetworkFileError(f"load_parameters(): cannot load {path!r}: {exc}") from None
    if verbose:
        print("Loading parameters from file", path)
        print("-" * 40)
    for message in skipped:
        warnings.warn(f"load_parameters({os.path.basename(path)!r}): {message}, skipping",
                      stacklevel=2)
    _apply(plan, constants, verbose)
    return extra

