"""``CompNeuroModel``: a model creation function with a name and a record.

CompNeuroPy wraps "a function that builds populations and projections" so
that a script can create and compile it in steps, find its compartments by
name, list every attribute with its initial value (``attribute_df``) and
change parameters in a way that is documented in that list (``set_param``).
This module does the same on the engine.

Differences from CompNeuroPy, and why:

- The model is created in the *active* network (``with net:`` or the default
  one) and remembers that network: ``set_param``, ``attribute_df`` and
  ``compile`` act on it even if another network is active later. A creation
  function with a parameter named ``net`` receives that network, so
  explicit-network code (``net.create(...)``) works as well as the global
  style (``ann.Population(...)``).
- Errors are :class:`CompNeuroError` (not ``assert``), raised before
  anything is changed where possible; unknown names get a "did you mean".
- ``compiled`` is read from the network, so ``ann.compile()`` called
  directly marks every model of that network compiled (CompNeuroPy marks all
  models compiled after any ANNarchy compile, there being one network).
- ``compile_folder_name`` is accepted but unused: the engine caches its
  compiled kernels by content, not in a named folder.
- A model name is taken while the model is alive: not yet created, or
  created and its populations still in their network. After ``ann.clear()``
  the name is free again, so re-running a notebook cell works.
- ``attribute_df`` values are numbers (or ``[min, max]`` lists), not strings.
"""

from __future__ import annotations

import difflib
import inspect
import warnings

import numpy as np

import engine as ann
from engine.errors import NetworkError, NeuroWorkbenchError

from workbench.compneuro.errors import CompNeuroError

__all__ = ["CompNeuroModel"]

#: the engine's random distributions (public names): values drawn per neuron
_DISTRIBUTIONS = (ann.Uniform, ann.Normal, ann.LogNormal, ann.Exponential, ann.DiscreteUniform)

#: the columns of ``attribute_df`` (CompNeuroPy's names)
ATTRIBUTE_COLUMNS = ("compartment_type", "compartment_name", "attribute_name", "value",
                     "definition")

# Every model initialised in this process, by name. Names must be unique
# because CompNeuroPy scripts refer to models (and their monitors and
# experiments) by name; a module-level registry mirrors CompNeuroPy's
# class-level dicts. ``_reset_models`` empties it for tests.
_models: dict[str, "CompNeuroModel"] = {}
_counter = 0


def _reset_models() -> None:
    """Forget every model and restart automatic names at ``model0``.

    For tests: the registry is process-wide (as in CompNeuroPy), so a test
    that relies on automatic names must start from a known state.
    """
    global _counter
    _models.clear()
    _counter = 0


def _close(name: str, names) -> str:
    """A " (did you mean 'x'?)" hint, or nothing."""
    close = difflib.get_close_matches(str(name), list(names), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _summary(values):
    """One value for a row of ``attribute_df``: the number when every
    element is the same, ``[min, max]`` otherwise, ``None`` when there is
    nothing to show (a projection without synapses, a refractory period
    that the model computes from a parameter)."""
    if values is None:
        return None
    if isinstance(values, (list, tuple)):     # a projection's per-dendrite arrays
        parts = [np.ravel(np.asarray(v)) for v in values]
        arr = np.concatenate(parts) if parts else np.empty(0)
    else:
        arr = np.ravel(np.asarray(values))
    if arr.size == 0:
        return None
    lo, hi = arr.min(), arr.max()
    if lo == hi:
        return lo.item()
    return [lo.item(), hi.item()]


class CompNeuroModel:
    """A model made by a creation function, created and compiled in steps.

    Parameters
    ----------
    model_creation_function : callable
        Builds the model's populations and projections in the active network,
        either in the global style (``ann.Population(...)``) or on a ``net``
        parameter, which then receives the active network. Its return value is
        ignored.
    model_kwargs : dict, optional
        Keyword arguments of ``model_creation_function``.
    name : str, optional
        Unique model name; default ``model0``, ``model1``... (the number of
        models initialised so far in this process; ``"model"`` also asks for an
        automatic name, as in CompNeuroPy).
    description : str
        Free text kept with the model.
    do_create : bool
        Create the model now (default True).
    do_compile : bool
        Compile the network right after creating it (default True; only used
        when ``do_create``).
    compile_folder_name : str
        Accepted for CompNeuroPy scripts; the engine caches compiled code by
        content, so no folder is named.

    Attributes
    ----------
    name, description, model_creation_function, model_kwargs, compile_folder_name
        As given.
    populations, projections : list of str
        Names of what the creation function added to the network.
    created, compiled : bool
        Whether the model is created, and its network compiled.
    attribute_df : pandas.DataFrame
        Every attribute of every compartment, see :attr:`attribute_df`.

    Raises
    ------
    CompNeuroError
        A bad argument, or a name another live model already has.
    """

    def __init__(self, model_creation_function, model_kwargs=None, name=None, description="",
                 do_create=True, do_compile=True, compile_folder_name="annarchy"):
        if not callable(model_creation_function):
            raise CompNeuroError("CompNeuroModel: model_creation_function must be a function "
                                 f"that creates populations, got "
                                 f"{type(model_creation_function).__name__}")
        if model_kwargs is not None and not isinstance(model_kwargs, dict):
            raise CompNeuroError("CompNeuroModel: model_kwargs must be a dict of keyword "
                                 f"arguments or None, got {type(model_kwargs).__name__}")
        if not isinstance(description, str):
            raise CompNeuroError("CompNeuroModel: description must be text, got "
                                 f"{type(description).__name__}")
        self.name = self._claim_name(name)
        self.description = description
        self.model_creation_function = model_creation_function
        self.model_kwargs = model_kwargs
        self.compile_folder_name = compile_folder_name
        self._network = None
        self._pops: list = []           # population objects, in creation order
        self._projs: list = []
        self._created = False
        self._rows: list[dict] = []     # attribute_df rows, snapshot at creation
        if do_create:
            try:
                self.create(do_compile=do_compile)
            except BaseException:
                # the caller never gets this object, so it must not keep the
                # name: re-running a fixed cell with the same name has to work
                if _models.get(self.name) is self:
                    del _models[self.name]
                raise

    # -- names ---------------------------------------------------------------
    def _claim_name(self, name) -> str:
        """Register ``name`` (or the next automatic one) for this model.

        The counter counts every model initialised, named or not, as
        CompNeuroPy's ``model<number of models>``; an automatic name that a
        live model already holds is skipped rather than refused, since the
        user did not choose it.
        """
        global _counter
        if name is None or name == "model":
            while True:
                candidate = f"model{_counter}"
                _counter += 1
                if not self._name_in_use(candidate):
                    break
            name = candidate
        else:
            if not isinstance(name, str) or not name.strip() or not name.isprintable():
                raise CompNeuroError(f"CompNeuroModel: name must be non-empty printable text, "
                                     f"got {name!r}")
            if self._name_in_use(name):
                raise CompNeuroError(
                    f"CompNeuroModel: a model named {name!r} already exists; model names must "
                    "be unique (give another name=..., or ann.clear() to start over)")
            _counter += 1
        _models[name] = self
        return name

    @staticmethod
    def _name_in_use(name: str) -> bool:
        other = _models.get(name)
        return other is not None and other._alive()

    def _alive(self) -> bool:
        """Not created yet, or created and still in its network (a network
        emptied by ``ann.clear()`` leaves its models stale)."""
        if not self._created:
            return True
        return not self._stale()

    def _stale(self) -> bool:
        if not self._pops and not self._projs:
            return False
        pops = self._network.get_populations()
        projs = self._network.get_projections()
        return (any(all(p is not q for q in pops) for p in self._pops)
                or any(all(j is not q for q in projs) for j in self._projs))

    def _require_usable(self, who: str) -> None:
        if not self._created:
            raise CompNeuroError(f"{who}: model {self.name!r} is not created yet; call "
                                 f"{self.name}.create() (or CompNeuroModel(..., "
                                 "do_create=True)) first")
        if self._stale():
            raise CompNeuroError(f"{who}: the network of model {self.name!r} was cleared "
                                 "(ann.clear()); create a new CompNeuroModel")

    # -- state ---------------------------------------------------------------
    @property
    def created(self) -> bool:
        """True once the creation function has run successfully."""
        return self._created

    @property
    def compiled(self) -> bool:
        """True when the model's network is compiled (by :meth:`compile`, by
        another model of the same network, or by ``ann.compile()``)."""
        return self._created and not self._stale() and bool(self._network.compiled)

    @property
    def populations(self) -> list[str]:
        """Names of the populations the creation function added (a copy:
        the model's bookkeeping must not change behind its back)."""
        return [p.name for p in self._pops]

    @property
    def projections(self) -> list[str]:
        """Names of the projections the creation function added."""
        return [j.name for j in self._projs]

    @property
    def network(self):
        """The network the model was created in (``None`` before)."""
        return self._network

    # -- create / compile --------------------------------------------------------
    def _call_arguments(self, net) -> dict:
        """The keyword arguments of the creation function, checked against
        its signature so a typo in ``model_kwargs`` is reported with the
        function's name instead of a bare ``TypeError``."""
        kwargs = dict(self.model_kwargs or {})
        fn = self.model_creation_function
        fn_name = getattr(fn, "__name__", repr(fn))
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):      # builtins, some C callables
            return kwargs
        if "net" in sig.parameters:
            if "net" in kwargs and kwargs["net"] is not net:
                raise CompNeuroError(
                    f"create model {self.name!r}: model_kwargs gives 'net', but the model is "
                    "created in the active network; leave 'net' out and use "
                    "'with net: CompNeuroModel(...)' to choose the network")
            kwargs["net"] = net
        try:
            sig.bind(**kwargs)
        except TypeError as exc:
            raise CompNeuroError(
                f"create model {self.name!r}: model_kwargs {sorted(kwargs)} do not fit "
                f"{fn_name}{sig}: {exc}") from None
        return kwargs

    def create(self, do_compile=True, compile_folder_name=None):
        """Run the creation function in the active network and record what it made.

        Parameters
        ----------
        do_compile : bool
            Compile the network afterwards.
        compile_folder_name : str, optional
            Accepted for CompNeuroPy scripts (unused).

        Raises
        ------
        CompNeuroError
            Already created; the active network already compiled (nothing can
            be added to it); ``model_kwargs`` not fitting the function; the
            function creating a population or projection whose name exists
            (the engine's error is chained as the cause); or a compartment
            name used by both a population and a projection.

        Notes
        -----
        The engine cannot remove a population, so what a failing creation
        function made before its error stays in the network; ``ann.clear()``
        (or a new ``Network``) starts over.
        """
        if self._created:
            raise CompNeuroError(f"create: model {self.name!r} is already created")
        net = ann.active_network()
        if net.compiled:
            raise CompNeuroError(
                f"create model {self.name!r}: the active network is already compiled and "
                "cannot take new populations; create every model before compiling "
                "(CompNeuroModel(..., do_compile=False)), or start a new network")
        kwargs = self._call_arguments(net)
        pops_before = list(net.get_populations())
        projs_before = list(net.get_projections())
        try:
            self.model_creation_function(**kwargs)
        except NetworkError as exc:
            # the engine refuses a duplicate name (or a bad connection); say
            # which model was being created and what the network holds
            hint = ""
            if "already exists" in str(exc):
                hint = (". Populations and projections need names unique in the network; "
                        f"it already has populations {[p.name for p in net.get_populations()]}"
                        f" and projections {[j.name for j in net.get_projections()]}")
            raise CompNeuroError(f"create model {self.name!r}: {exc}{hint}") from exc
        new_pops = [p for p in net.get_populations() if all(p is not q for q in pops_before)]
        new_projs = [j for j in net.get_projections() if all(j is not q for q in projs_before)]
        self._check_names(net, new_pops, new_projs)
        if not new_pops and not new_projs:
            warnings.warn(f"model {self.name!r}: the creation function added no population or "
                          "projection to the active network (did it build its own Network?)",
                          stacklevel=2)
        self._network, self._pops, self._projs = net, new_pops, new_projs
        self._created = True
        self._rows = self._snapshot_rows()
        if do_compile:
            self.compile(compile_folder_name)

    def _check_names(self, net, new_pops, new_projs) -> None:
        """A compartment name must name one thing: ``set_param`` and the
        CompNeuroPy helpers look compartments up by name alone."""
        pop_names = {p.name for p in net.get_populations()}
        proj_names = {j.name for j in net.get_projections()}
        clash = sorted({p.name for p in new_pops} & proj_names
                       | {j.name for j in new_projs} & pop_names)
        if clash:
            raise CompNeuroError(
                f"create model {self.name!r}: {clash} name(s) both a population and a "
                "projection; rename them so each compartment name is unique")

    def compile(self, compile_folder_name=None, warn=True):
        """Compile the model's network (a no-op when it is compiled already).

        Every model created in the same network is compiled with it; models
        initialised but not created are not (``warn`` says so, as CompNeuroPy).

        Raises
        ------
        CompNeuroError
            The model is not created, or its network was cleared.
        """
        self._require_usable("compile")
        if warn:
            waiting = [n for n, m in _models.items() if not m._created and m is not self]
            if waiting:
                warnings.warn(f"compile model {self.name!r}: model(s) {waiting} are initialised "
                              "but not created, so they are not compiled", stacklevel=2)
        if not self._network.compiled:
            self._network.compile()

    # -- attributes --------------------------------------------------------------
    def _compartments(self):
        """``(type, object)`` of every compartment, populations first."""
        return ([("population", p) for p in self._pops]
                + [("projection", j) for j in self._projs])

    def _snapshot_rows(self) -> list[dict]:
        rows = []
        for kind, obj in self._compartments():
            for attr in obj.attributes:
                rows.append({"compartment_type": kind, "compartment_name": obj.name,
                             "attribute_name": attr, "value": _summary(getattr(obj, attr)),
                             "definition": "init"})
        return rows

    @property
    def attribute_df(self):
        """Every attribute of the model's compartments, one row each.

        Columns ``compartment_type`` (``population``/``projection``),
        ``compartment_name``, ``attribute_name``, ``value`` (the value if all
        neurons or synapses share it, else ``[min, max]``) and ``definition``:
        ``init`` for the value right after creation, ``modified`` once
        :meth:`set_param` changed it. A snapshot, not the live state:
        variables change during a simulation, the record of how the model was
        defined does not. Returns a copy; ``None`` before creation.
        """
        if not self._created:
            return None
        import pandas as pd

        return pd.DataFrame(self._rows, columns=list(ATTRIBUTE_COLUMNS))

    def _find_compartment(self, compartment, who: str):
        if not isinstance(compartment, str):
            raise CompNeuroError(f"{who}: compartment must be the name of a population or "
                                 f"projection, got {type(compartment).__name__}")
        for kind, obj in self._compartments():
            if obj.name == compartment:
                return kind, obj
        names = self.populations + self.projections
        elsewhere = ""
        if any(p.name == compartment for p in self._network.get_populations()) or any(
                j.name == compartment for j in self._network.get_projections()):
            elsewhere = " (it is in the network, but another model or script created it)"
        raise CompNeuroError(
            f"{who}: model {self.name!r} has no compartment {compartment!r}{elsewhere}"
            f"{_close(compartment, names)}; its populations: "
            f"{', '.join(self.populations) or 'none'}; its projections: "
            f"{', '.join(self.projections) or 'none'}")

    @staticmethod
    def _check_shape(kind, obj, parameter_name, value, who):
        """Refuse an array of the wrong size before anything is written
        (the engine would refuse too, but without naming the model call)."""
        if kind != "population" or isinstance(value, _DISTRIBUTIONS):
            return
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):
            return                                # the engine reports the type
        if arr.ndim == 0 or arr.dtype == object:
            return
        is_global = np.ndim(getattr(obj, parameter_name)) == 0 and parameter_name != "refractory"
        if is_global:
            raise CompNeuroError(
                f"{who}: {parameter_name!r} of population {obj.name!r} is one value for the "
                f"whole population; give a single number, not an array of shape {arr.shape}")
        if arr.size != obj.size or (arr.ndim > 1 and arr.shape != tuple(obj.geometry)):
            raise CompNeuroError(
                f"{who}: {parameter_name!r} of population {obj.name!r} takes one number or "
                f"{obj.size} values (geometry {tuple(obj.geometry)}), got an array of shape "
                f"{arr.shape}")

    def set_param(self, compartment, parameter_name, parameter_value):
        """Set an attribute of one compartment and mark it ``modified`` in
        :attr:`attribute_df`, so the record says which values are not the
        model's defaults.

        Parameters
        ----------
        compartment : str
            Name of a population or projection of this model.
        parameter_name : str
            Name of one of its attributes (parameter or variable).
        parameter_value : number, array-like or random distribution
            One value, one per neuron (flat or shaped like the geometry) or per
            synapse, or a distribution such as ``ann.Uniform(0, 1)``.

        Raises
        ------
        CompNeuroError
            Model not created (or its network cleared), unknown compartment
            or attribute (with a suggestion), or a value of the wrong shape or
            type; nothing is changed then.
        """
        who = "set_param"
        self._require_usable(who)
        kind, obj = self._find_compartment(compartment, who)
        attributes = list(obj.attributes)
        if parameter_name not in attributes:
            raise CompNeuroError(
                f"{who}: {kind} {compartment!r} of model {self.name!r} has no attribute "
                f"{parameter_name!r}{_close(parameter_name, attributes)}; its attributes: "
                f"{', '.join(attributes) or 'none'}")
        self._check_shape(kind, obj, parameter_name, parameter_value, who)
        try:
            setattr(obj, parameter_name, parameter_value)
        except (NeuroWorkbenchError, ValueError, TypeError) as exc:
            raise CompNeuroError(f"{who}: {exc}") from exc
        value = _summary(getattr(obj, parameter_name))
        for row in self._rows:
            if row["compartment_name"] == compartment and row["attribute_name"] == parameter_name:
                row["value"], row["definition"] = value, "modified"
                break

    def __repr__(self) -> str:
        state = "compiled" if self.compiled else "created" if self._created else "not created"
        return (f"<CompNeuroModel {self.name!r} ({state}): populations {self.populations}, "
                f"projections {self.projections}>")
