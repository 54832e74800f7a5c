"""SONATA simulation configs (``config.json``), read as BMTK reads them.

``Config.from_json(path)`` loads a config and resolves its manifest: keys
of ``"manifest"`` (``"$BASE_DIR": "${configdir}"``) are variables, written
``$NAME`` or ``${NAME}`` anywhere in the config's strings; ``configdir``
(the config's folder), ``workingdir``, ``configfname``, ``date``, ``time``
and ``datetime`` are always known, and ``Config.from_json(path, NAME=...)``
adds more. A variable that nothing defines is an error naming it (BMTK
leaves it in the path, to fail later as a missing file). ``"network"`` and
``"simulation"`` may name other config files, merged in. In ``"output"``,
``spikes_file*`` and ``log_file`` are relative to ``output_dir``;
``"node_sets_file"`` is read into ``node_sets``.

Then the sections are checked (``run``: ``tstop`` and ``dt`` positive;
``networks``: lists of node and edge files; ``inputs``: spike trains from
h5/csv files for a node set, or current clamps; ``reports``: membrane
variables), each refusal naming the section and key. :meth:`Config.build_env`
makes the output folder. Nothing is imported from the engine.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import shutil
from pathlib import Path

from workbench.sonata.errors import SonataError

__all__ = ["Config"]

_VAR = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_INPUT_TYPES = {"spikes": ("h5", "hdf5", "sonata", "csv"),
                "current_clamp": ("IClamp",)}
MAX_CONFIG_BYTES = 16 * 2**20


class Config(dict):
    """A resolved, checked SONATA config (a dict, with accessors)."""

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def from_json(cls, path, **variables) -> "Config":
        """Read ``path``, resolve its manifest and check it.

        Raises
        ------
        SonataError
            The file cannot be read or is not JSON, a variable is undefined
            or circular, or a section is wrong (the message names it).
        """
        conf = _load(Path(path))
        conf = _resolve(conf, Path(path).resolve(), variables)
        out = cls(conf)
        out.validate()
        return out

    @classmethod
    def from_dict(cls, conf: dict, config_dir=".", **variables) -> "Config":
        """As :meth:`from_json`, for a dict (paths relative to ``config_dir``)."""
        if not isinstance(conf, dict):
            raise SonataError(f"a config is a dict, got {type(conf).__name__}")
        path = Path(config_dir).resolve() / "sonata_config.json"
        out = cls(_resolve(json.loads(json.dumps(conf)), path, variables))
        out.validate()
        return out

    # -- sections -------------------------------------------------------------------------------
    @property
    def tstop(self) -> float:
        return float(self["run"]["tstop"])

    @property
    def dt(self) -> float:
        return float(self["run"]["dt"])

    @property
    def seed(self) -> int | None:
        return self["run"].get("seed")

    @property
    def nodes(self) -> list[dict]:
        return list(self.get("networks", {}).get("nodes", []))

    @property
    def edges(self) -> list[dict]:
        return list(self.get("networks", {}).get("edges", []))

    @property
    def inputs(self) -> dict:
        return dict(self.get("inputs", {}))

    @property
    def reports(self) -> dict:
        return dict(self.get("reports", {}))

    @property
    def node_sets(self) -> dict:
        return dict(self.get("node_sets", {}))

    @property
    def components(self) -> dict:
        return dict(self.get("components", {}))

    @property
    def output(self) -> dict:
        return dict(self.get("output", {}))

    @property
    def output_dir(self) -> Path:
        return Path(self.output.get("output_dir", "output"))

    # -- checks ------------------------------------------------------------------------------------
    def validate(self) -> None:
        run = self.get("run")
        if not isinstance(run, dict):
            raise SonataError("config: a 'run' section with 'tstop' and 'dt' (ms) is needed")
        for key in ("tstop", "dt"):
            value = run.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value <= 0:
                raise SonataError(f"config: run.{key} must be a positive number of ms, "
                                  f"got {value!r}")
        if run["dt"] > run["tstop"]:
            raise SonataError(f"config: run.dt ({run['dt']}) is longer than run.tstop "
                              f"({run['tstop']})")
        networks = self.get("networks", {})
        if not isinstance(networks, dict):
            raise SonataError("config: 'networks' holds lists 'nodes' and 'edges'")
        for kind, keys in (("nodes", ("nodes_file", "node_types_file")),
                           ("edges", ("edges_file", "edge_types_file"))):
            entries = networks.get(kind, [])
            if not isinstance(entries, list):
                raise SonataError(f"config: networks.{kind} is a list")
            for i, entry in enumerate(entries):
                missing = [k for k in keys if not isinstance(entry, dict) or k not in entry]
                if missing:
                    raise SonataError(f"config: networks.{kind}[{i}] needs "
                                      f"{' and '.join(missing)}")
        if "nodes" not in networks or not networks["nodes"]:
            raise SonataError("config: networks.nodes lists no nodes file")
        for name, spec in self.get("inputs", {}).items():
            if not isinstance(spec, dict):
                raise SonataError(f"config: inputs.{name} is a dict")
            kind = spec.get("input_type")
            if kind not in _INPUT_TYPES:
                raise SonataError(f"config: inputs.{name}.input_type must be one of "
                                  f"{', '.join(_INPUT_TYPES)}, got {kind!r}")
            module = spec.get("module")
            if module not in _INPUT_TYPES[kind]:
                raise SonataError(f"config: inputs.{name}.module for {kind} must be one of "
                                  f"{', '.join(_INPUT_TYPES[kind])}, got {module!r}")
            if kind == "spikes" and "input_file" not in spec:
                raise SonataError(f"config: inputs.{name} needs an input_file")
            if kind == "current_clamp":
                for key in ("amp", "delay", "duration"):
                    if key not in spec:
                        raise SonataError(f"config: inputs.{name} (a current clamp) needs {key}")
            node_set = spec.get("node_set")
            if isinstance(node_set, str) and node_set not in self.node_sets \
                    and node_set not in [Path(n["nodes_file"]).name.replace("_nodes.h5", "")
                                         for n in self.nodes]:
                raise SonataError(f"config: inputs.{name}.node_set {node_set!r} is not a node "
                                  f"set of the config (node_sets: "
                                  f"{', '.join(self.node_sets) or 'none'}) nor a population")
        for name, spec in self.get("reports", {}).items():
            if not isinstance(spec, dict) or "variable_name" not in spec:
                raise SonataError(f"config: reports.{name} needs a variable_name")

    # -- environment -------------------------------------------------------------------------------
    def build_env(self) -> Path:
        """Make the output folder (emptied first when the config's
        ``overwrite_output_dir`` is true); returns it."""
        out = self.output_dir
        if out.exists() and self.output.get("overwrite_output_dir", True):
            if not out.is_dir():
                raise SonataError(f"output_dir {out} exists and is not a folder")
            shutil.rmtree(out)
        out.mkdir(parents=True, exist_ok=True)
        return out


def _load(path: Path) -> dict:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SonataError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if size > MAX_CONFIG_BYTES:
        raise SonataError(f"{path} has {size:,} bytes; a config may have at most "
                          f"{MAX_CONFIG_BYTES:,}")
    try:
        conf = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SonataError(f"{path}: not JSON ({exc})") from None
    if not isinstance(conf, dict):
        raise SonataError(f"{path}: a config is a JSON object")
    return conf


def _resolve(conf: dict, path: Path, user: dict) -> dict:
    known = {"workingdir": os.getcwd(), "configdir": str(path.parent), "configfname": str(path)}
    now = datetime.datetime.now()
    known.update(time=now.strftime("%H-%M-%S"), date=now.strftime("%Y-%m-%d"),
                 datetime=now.strftime("%Y-%m-%d_%H-%M-%S"))
    known.update(user)                  # a number given for "$TSTOP" stays a number
    manifest = conf.get("manifest", {})
    if not isinstance(manifest, dict):
        raise SonataError(f"{path}: 'manifest' is an object of variables")
    pending = {k.lstrip("$"): v for k, v in manifest.items()}
    while pending:
        done = {}
        for key, value in pending.items():
            if not isinstance(value, str):
                done[key] = value
                continue
            text = _substitute(value, known, strict=False)
            if not isinstance(text, str) or not _VAR.search(text):
                done[key] = text
        if not done:
            raise SonataError(f"{path}: manifest variables {', '.join(sorted(pending))} refer to "
                              f"each other or to undefined variables")
        known.update(done)
        for key in done:
            pending.pop(key)
    out = _insert(conf, known, path)
    out["manifest"] = known
    out["config_path"], out["config_dir"] = str(path), str(path.parent)
    for child in ("network", "simulation"):
        if isinstance(out.get(child), str):
            child_path = Path(out[child])
            if not child_path.is_absolute():
                child_path = path.parent / child_path
            sub = _resolve(_load(child_path), child_path.resolve(), user)
            for key in ("config_path", "config_dir", "manifest"):
                sub.pop(key, None)
            out.update(sub)
    output = out.get("output")
    if isinstance(output, dict) and "output_dir" in output:
        base = Path(output["output_dir"])
        if not base.is_absolute():
            base = path.parent / base
            output["output_dir"] = str(base)
        for key, value in list(output.items()):
            if (key == "log_file" or key.startswith("spikes_file")) and isinstance(value, str) \
                    and not Path(value).is_absolute():
                output[key] = str(base / value)
    if "node_sets" not in out and isinstance(out.get("node_sets_file"), str):
        out["node_sets"] = _load(Path(out["node_sets_file"]))
    return out


def _insert(obj, known, path):
    if isinstance(obj, str):
        return _substitute(obj, known, strict=True, where=path)
    if isinstance(obj, list):
        return [_insert(x, known, path) for x in obj]
    if isinstance(obj, dict):
        return {k: (v if k == "manifest" else _insert(v, known, path)) for k, v in obj.items()}
    return obj


def _substitute(text: str, known: dict, strict: bool, where=None):
    whole = _VAR.fullmatch(text)
    if whole and (whole.group(1) or whole.group(2)) in known:
        return known[whole.group(1) or whole.group(2)]    # "$X" alone: X's value as it is

    def value(m):
        name = m.group(1) or m.group(2)
        if name in known:
            return str(known[name])
        if strict:
            raise SonataError(f"{where}: the variable ${name} (in {text!r}) is not defined in "
                              f"the manifest (known: {', '.join(sorted(known))})")
        return m.group(0)

    return _VAR.sub(value, text)
