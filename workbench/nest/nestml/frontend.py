"""NESTML's own front end: importing pynestml, reading a model, parsing it
and running NESTML's context conditions.

NESTML is imported on the first load, not with the package (about 1 s: it
imports astropy, jinja2 and odetoolbox). It keeps its log and symbol table in
global state, so parsing and checking run under one lock (:data:`_LOCK`). A
model given as text is parsed from a temporary file, deleted afterwards.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from workbench.nest.nestml.errors import NestmlError, NestmlProblem, _clean, _position, _problem

_LOCK = threading.RLock()
_READY = False


def _nestml():
    """Import NESTML's front end and register its predefined units, types,
    functions and variables (once)."""
    global _READY
    with _LOCK:
        if _READY:
            return
        try:
            from pynestml.frontend.pynestml_frontend import init_predefined
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise NestmlError(
                NestmlProblem("NESTML is not installed (module pynestml not found)",
                              hint="pip install nestml==9.0.0 (the project's 'nestml' extra)"),
                "<nestml>") from exc
        init_predefined()
        _READY = True


def _read_source(source) -> tuple[str, str, Path | None]:
    """(text, label, path): a path (``str`` without newline naming a file or
    ending in ``.nestml``, or a ``PathLike``) or the model text itself."""
    path = None
    if isinstance(source, os.PathLike):
        path = Path(source)
    elif isinstance(source, str):
        if "\n" not in source and (source.strip().endswith(".nestml") or Path(source).is_file()):
            path = Path(source)
    else:
        raise NestmlError(f"a NESTML model is a path or the text of a model, "
                          f"not {type(source).__name__}", "<nestml>")
    if path is None:
        return source, "<string>", None
    try:
        return path.read_text(encoding="utf-8"), str(path), path
    except OSError as exc:
        raise NestmlError(NestmlProblem(f"cannot read the file: {exc.strerror or exc}"),
                          str(path)) from None


#: NESTML 9 errors accepted (see "Units" in the package docstring)
_TOLERATED = frozenset({"NO_SOLITARY_PHYSICAL_UNITS"})


def _parse(text: str, label: str, path: Path | None, model_name: str | None):
    """Parse with NESTML, run its context conditions; return (model, warnings)."""
    _nestml()
    from pynestml.cocos.co_cos_manager import CoCosManager
    from pynestml.utils.logger import Logger, LoggingLevel
    from pynestml.utils.model_parser import ModelParser

    lines = text.splitlines()

    def messages(min_level):
        out = []
        for entry in Logger.get_log().values():
            _, _, level, code, pos, message = entry
            if level is None or level.value < min_level.value:
                continue
            out.append((getattr(code, "name", None), pos, str(message)))
        return out

    with _LOCK:
        Logger.init_logger(LoggingLevel.NO)
        with tempfile.TemporaryDirectory(prefix="nestml_") as tmp:
            if path is None:
                file = Path(tmp) / "model.nestml"
                file.write_text(text, encoding="utf-8")
            else:
                file = path
            unit = ModelParser.parse_file(str(file))
        errors = messages(LoggingLevel.ERROR)
        if unit is None or errors:
            problems = [_problem(lines, _clean(m), *_position(p)) for _, p, m in errors] or [
                NestmlProblem("NESTML could not parse the file")]
            raise NestmlError(problems, label)
        models = unit.get_model_list()
        if not models:
            raise NestmlError("the file defines no model", label)
        names = [m.get_name() for m in models]
        if model_name is None:
            if len(models) > 1:
                raise NestmlError(f"the file defines {len(models)} models ({', '.join(names)}): "
                                  "say which with model_name=", label)
            model = models[0]
        elif model_name in names:
            model = models[names.index(model_name)]
        else:
            raise NestmlError(f"no model {model_name!r} in the file; it defines "
                              + ", ".join(names), label)
        Logger.init_logger(LoggingLevel.NO)
        CoCosManager.check_cocos(model)
        errors = [e for e in messages(LoggingLevel.ERROR) if e[0] not in _TOLERATED]
        if errors:
            raise NestmlError([_problem(lines, _clean(m), *_position(p)) for _, p, m in errors],
                              label)
        warnings = tuple(_clean(m) for c, _, m in messages(LoggingLevel.WARNING)
                         if c not in _TOLERATED)
        Logger.init_logger(LoggingLevel.NO)
    return model, warnings
