"""A session's workspace: the user's models, the network and the run settings,
saved to and loaded from one JSON file.

The file::

    {"format": "neuroworkbench.workspace/1",
     "models": {"LIF": {...model spec...}},       # the user's models (built-ins are not stored)
     "network": {...NetworkSpec.to_dict()...},
     "run": {"duration": 1000.0, "chunk": 50.0,
             "record": {"exc": ["spike", "v"]}}}   # population or input -> variables

Loading trusts nothing: JSON only (no pickle), at most :data:`MAX_BYTES`,
every model parsed by the engine, the network checked by
:meth:`NetworkSpec.from_dict`, the run settings by :func:`check_run`. A file
that fails any check raises :class:`WorkspaceError` naming what is wrong, and
nothing is half loaded: :meth:`Workspace.load` returns a new object, which
:meth:`Workspace.replace_from` copies into the session's own workspace (so
the views bound to it stay bound). Saving is atomic (a temporary file in the
same folder, then ``os.replace``).
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile

import param

from engine import ModelError
from workbench.errors import WorkspaceError
from workbench.ui.model_library import ModelLibrary
from workbench.ui.network_checks import _check_name
from workbench.ui.network_spec import BuiltNetwork, NetworkSpec
from workbench.ui.network_values import _hint

__all__ = ["Workspace", "FORMAT", "MAX_BYTES", "check_run", "DEFAULT_RUN"]

FORMAT = "neuroworkbench.workspace/1"
#: largest workspace file read or written
MAX_BYTES = 20 * 2**20
DEFAULT_RUN = {"duration": 1000.0, "chunk": 50.0, "record": {}}
_MAX_DURATION = 1e9      # ms: about 11 days of model time


def _positive(key, value, upper) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not 0 < value <= upper:
        raise WorkspaceError(f"run: {key} must be a number of ms > 0 and <= {upper:g}, "
                             f"got {value!r:.60}")
    return float(value)


def check_run(run) -> dict:
    """Run settings, well formed and complete (defaults filled); else WorkspaceError.

    ``duration`` and ``chunk`` are ms; ``record`` maps a population (or
    input) name to the variables to record (``'spike'`` for spikes).
    """
    if not isinstance(run, dict):
        raise WorkspaceError(f"run settings are a dict, got {type(run).__name__}")
    for k in run:
        if k not in DEFAULT_RUN:
            raise WorkspaceError(f"run: unknown key {k!r:.60}{_hint(k, DEFAULT_RUN)}; the keys "
                                 f"are {', '.join(DEFAULT_RUN)}")
    out = {**copy.deepcopy(DEFAULT_RUN), **copy.deepcopy(run)}
    out["duration"] = _positive("duration", out["duration"], _MAX_DURATION)
    out["chunk"] = _positive("chunk", out["chunk"], _MAX_DURATION)
    record = out["record"]
    if not isinstance(record, dict):
        raise WorkspaceError("run: record maps a population name to a list of variables, "
                             "e.g. {\"exc\": [\"spike\", \"v\"]}")
    for name, variables in record.items():
        _check_name("recorded population", name)
        if not isinstance(variables, list) or len(variables) > 1000:
            raise WorkspaceError(f"run: record[{name!r}] must be a list of variable names")
        for v in variables:
            _check_name("recorded variable", v)
        if len(set(variables)) != len(variables):
            raise WorkspaceError(f"run: record[{name!r}] names a variable twice")
    return out


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(f"the key {k!r:.60} appears twice in one object")
        out[k] = v
    return out


def _no_constants(name):
    raise _DuplicateKey(f"{name} is not a number a workspace can hold")


class Workspace(param.Parameterized):
    """The user's models, the network and the run settings of one session.

    Parameters
    ----------
    library : ModelLibrary, optional
        A new, empty one by default.
    network : NetworkSpec, optional
        Must use ``library``; an empty network by default.
    run : dict, optional
        Run settings (:func:`check_run`).
    """

    library = param.ClassSelector(class_=ModelLibrary, constant=True, instantiate=False,
                                  doc="The models (built-in and the user's).")
    network = param.ClassSelector(class_=NetworkSpec, constant=True, instantiate=False,
                                  doc="The network, as data.")
    run = param.Dict(default=copy.deepcopy(DEFAULT_RUN),
                     doc="duration (ms), chunk (ms), record: population -> variables.")

    def __init__(self, library: ModelLibrary | None = None, network: NetworkSpec | None = None,
                 run: dict | None = None, **params):
        library = library if library is not None else ModelLibrary()
        network = network if network is not None else NetworkSpec(library)
        if network.library is not library:
            raise WorkspaceError("the network of a workspace must use the workspace's library")
        run = check_run(run if run is not None else DEFAULT_RUN)
        super().__init__(library=library, network=network, run=run, **params)
        network.param.watch(self._follow_network, ["renamed", "populations", "inputs"])

    def _follow_network(self, *events) -> None:
        """Recording settings follow renames and removals of populations."""
        record = dict(self.run["record"])
        for e in events:
            if e.name == "renamed" and e.new is not None and e.new[0] != "projection":
                _, old, new = e.new
                if old in record:
                    record = {new if k == old else k: v for k, v in record.items()}
        names = {p.get("name") for p in self.network.populations} | \
            {x.get("name") for x in self.network.inputs if x.get("kind") != "current_step"}
        record = {k: v for k, v in record.items() if k in names}
        if record != self.run["record"]:
            self.run = {**self.run, "record": record}

    # -- data ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The workspace as JSON-able data (copies)."""
        return {"format": FORMAT,
                "models": copy.deepcopy(self.library.user_models),
                "network": self.network.to_dict(),
                "run": copy.deepcopy(self.run)}

    @classmethod
    def from_dict(cls, data) -> "Workspace":
        """A new workspace from data, every part checked.

        Raises
        ------
        WorkspaceError
            Not a workspace, another format, a model that does not parse, a
            malformed network or run settings.
        """
        if not isinstance(data, dict):
            raise WorkspaceError(f"a workspace is a JSON object, got {type(data).__name__}")
        fmt = data.get("format")
        if fmt != FORMAT:
            if isinstance(fmt, str) and fmt.startswith("neuroworkbench.workspace/"):
                raise WorkspaceError(f"this workspace is in format {fmt!r:.60}; this version "
                                     f"reads {FORMAT!r}")
            raise WorkspaceError(f"not a neuroworkbench workspace (format {fmt!r:.60}, expected "
                                 f"{FORMAT!r})")
        keys = ("format", "models", "network", "run")
        for k in data:
            if k not in keys:
                raise WorkspaceError(f"workspace: unknown key {k!r:.60}{_hint(k, keys)}; the "
                                     f"keys are {', '.join(keys)}")
        models = data.get("models", {})
        if not isinstance(models, dict):
            raise WorkspaceError("workspace: models maps a model name to its spec")
        library = ModelLibrary()
        for name, spec in models.items():
            if not isinstance(spec, dict) or spec.get("name") != name:
                raise WorkspaceError(f"model {name!r:.80}: the spec must be a dict whose name "
                                     "is its key")
            try:
                library.add(spec)
            except ModelError as exc:
                raise WorkspaceError(f"model {name!r} does not load: {exc}") from exc
        if "network" not in data:
            raise WorkspaceError("workspace: missing 'network'")
        network = NetworkSpec.from_dict(library, data["network"])
        return cls(library=library, network=network, run=check_run(data.get("run", DEFAULT_RUN)))

    @classmethod
    def from_json(cls, text: str | bytes) -> "Workspace":
        """A new workspace from the text of a file (an upload, say)."""
        if isinstance(text, str):
            text = text.encode("utf-8", errors="surrogatepass")
        if not isinstance(text, (bytes, bytearray)):
            raise WorkspaceError(f"expected the text of a workspace file, got "
                                 f"{type(text).__name__}")
        if len(text) > MAX_BYTES:
            raise WorkspaceError(f"the workspace is {len(text) / 2**20:.1f} MB; the limit is "
                                 f"{MAX_BYTES / 2**20:.0f} MB")
        try:
            data = json.loads(bytes(text).decode("utf-8"), object_pairs_hook=_no_duplicates,
                              parse_constant=_no_constants)
        except UnicodeDecodeError as exc:
            raise WorkspaceError(f"not a workspace: the file is not UTF-8 text ({exc.reason} "
                                 f"at byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise WorkspaceError(f"not a workspace: invalid JSON at line {exc.lineno}, column "
                                 f"{exc.colno}: {exc.msg}") from None
        except (_DuplicateKey, ValueError) as exc:
            raise WorkspaceError(f"not a workspace: {exc}") from None
        except RecursionError:
            raise WorkspaceError("not a workspace: the JSON is nested too deeply") from None
        return cls.from_dict(data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False)

    # -- files --------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the workspace to ``path`` atomically (a reader sees the old file
        or the new one, never a part).

        Raises
        ------
        WorkspaceError
            Too large, or the folder cannot be written.
        """
        data = self.to_json().encode("utf-8")
        if len(data) > MAX_BYTES:
            raise WorkspaceError(f"the workspace is {len(data) / 2**20:.1f} MB, above the "
                                 f"{MAX_BYTES / 2**20:.0f} MB a workspace file may hold")
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".workspace-", suffix=".tmp")
        except OSError as exc:
            raise WorkspaceError(f"cannot save the workspace in {folder!r}: {exc.strerror}") \
                from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                raise WorkspaceError(f"cannot save the workspace to {path!r}: "
                                     f"{exc.strerror}") from exc
            raise

    @classmethod
    def load(cls, path) -> "Workspace":
        """A new workspace read from ``path`` (see :meth:`from_json`).

        Raises
        ------
        WorkspaceError
            Missing, unreadable, too large, not JSON, or not a valid workspace.
        """
        path = os.fspath(path)
        try:
            size = os.stat(path).st_size
            if size > MAX_BYTES:
                raise WorkspaceError(f"{path!r} is {size / 2**20:.1f} MB; a workspace file is "
                                     f"at most {MAX_BYTES / 2**20:.0f} MB")
            with open(path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise WorkspaceError(f"cannot read the workspace {path!r}: {exc.strerror}") from exc
        try:
            return cls.from_json(raw)
        except WorkspaceError as exc:
            raise WorkspaceError(f"{os.path.basename(path)}: {exc}") from exc

    def replace_from(self, other: "Workspace") -> None:
        """Take ``other``'s models, network and run settings, keeping this object
        (and its library and network objects) so views bound to them stay bound."""
        if not isinstance(other, Workspace):
            raise WorkspaceError(f"replace_from() takes a Workspace, got {type(other).__name__}")
        self.library.user_models = copy.deepcopy(other.library.user_models)
        net = other.network
        self.network.param.update(dt=net.dt, seed=net.seed,
                                  populations=copy.deepcopy(net.populations),
                                  inputs=copy.deepcopy(net.inputs),
                                  projections=copy.deepcopy(net.projections))
        self.run = copy.deepcopy(other.run)

    # -- checks, build, export ------------------------------------------------------------
    def problems(self) -> dict[str, list[str]]:
        """The network's problems, and the run settings' under ``"run"``."""
        out = self.network.problems()
        names = {p.get("name"): p for p in self.network.populations}
        names.update({x.get("name"): x for x in self.network.inputs
                      if x.get("kind") != "current_step"})
        for name, variables in self.run["record"].items():
            if name not in names:
                out.setdefault("run", []).append(
                    f"record: no population named {name!r}{_hint(name, names)}")
                continue
            attrs = self._recordable(names[name])
            if attrs is None:
                continue
            for v in variables:
                if v not in attrs:
                    out.setdefault("run", []).append(
                        f"record[{name!r}]: cannot record {v!r}{_hint(v, attrs)}; it has "
                        f"{', '.join(attrs)}")
        if self.run["chunk"] > self.run["duration"]:
            out.setdefault("run", []).append(
                f"chunk: {self.run['chunk']:g} ms is longer than the run "
                f"({self.run['duration']:g} ms); use a chunk <= the duration")
        return out

    def _recordable(self, item: dict) -> list[str] | None:
        """What a population can record (None when its model is unknown)."""
        kind = item.get("kind")
        if kind == "poisson":
            return ["spike", "rates", "p"]
        if kind == "spike_times":
            return ["spike"]
        model, _ = self.network._model(item.get("model", ""))
        if model is None:
            return None
        names = [v.name for v in model.ir.variables]
        return (["spike"] if model.ir.spiking else []) + names

    def estimate_memory(self) -> int:
        """Bytes of the network (:meth:`NetworkSpec.estimate_memory`) plus the
        recorded variables over the run (spikes not counted)."""
        sizes = {p.get("name"): p.get("size", 0) for p in self.network.populations}
        sizes.update({x.get("name"): x.get("size", len(x.get("spike_times", [])))
                      for x in self.network.inputs})
        dt = self.network.dt if self.network.dt and self.network.dt > 0 else 0.1
        records = self.run["duration"] / dt
        rec = sum(records * 8 * (sizes.get(n) or 0) * len([v for v in vs if v != "spike"])
                  for n, vs in self.run["record"].items() if isinstance(sizes.get(n), int))
        return int(self.network.estimate_memory() + rec)

    def check_size(self, limit_bytes: int) -> None:
        """Refuse a network, with its recordings, above ``limit_bytes``."""
        self.network.check_size(limit_bytes)
        total = self.estimate_memory()
        if total > limit_bytes:
            raise WorkspaceError(
                f"the network and its recordings need about {total / 1e6:,.1f} MB, above the "
                f"limit of {limit_bytes / 1e6:,.1f} MB: record fewer variables or populations, "
                "or run shorter")

    def build(self) -> BuiltNetwork:
        """The network built (not compiled) with the monitors of ``run['record']``."""
        built = self.network.build()
        built.record(self.run["record"])
        return built

    def to_script(self) -> str:
        """The network and the run as a Python script (:meth:`NetworkSpec.to_script`)."""
        return self.network.to_script(duration=self.run["duration"],
                                      record=self.run["record"] or None)
