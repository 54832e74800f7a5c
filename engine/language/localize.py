"""A copy of a model in which chosen population-wide values are per element.

Fitting simulates many candidate parameter sets at once, as the neurons of
one population (:mod:`workbench.fit`). A parameter the model declares once
for the whole population (``tau = 10.0 : population``, or ``Value`` in the
class syntax) cannot differ between neurons, so the fit works on a copy of
the model where that parameter is per neuron. Everything else, the
equations and the numerical methods included, stays the same, so equal
values give equal trajectories (``tests/engine/language/test_localize.py``).

The copy is made on the model's text (its spec): the locality flag
(``population`` for neurons; ``projection`` or ``postsynaptic`` for
synapses) is removed from the declarations of the named values, found with
the engine's own line grammar (:mod:`engine.language.lines`), and the text
is parsed again as a new model. Nothing is executed.
"""

from __future__ import annotations

import difflib

from engine.errors import ModelError
from engine.language.checks import LOCALITY_FLAGS
from engine.language.lines import parse_flags, split_assignment, split_lines
from engine.language.models import Neuron, Synapse

__all__ = ["localize"]

_BLOCKS = ("parameters", "equations")


def localize(model, names):
    """A new model like ``model`` in which the values ``names`` are per
    element (per neuron, per synapse).

    Parameters
    ----------
    model : Neuron or Synapse
        Text-defined or class-based (anything :meth:`to_spec` can export).
    names : iterable of str
        Parameters or variables of the model. Names that are per element
        already are accepted and left as they are.

    Raises
    ------
    ModelError
        A name the model does not declare (with a did-you-mean), or a model
        that cannot be exported as text.
    """
    names = list(dict.fromkeys(names))
    ir = model.ir
    declared = {v.name: v for v in ir.variables if v.kind in ("parameter", "variable")}
    for name in names:
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ModelError(f"{ir.kind} {model.model_name!r} has no parameter or variable "
                             f"named '{name}'{hint}; its values are {', '.join(declared)}")
    wanted = {n for n in names if declared[n].locality != "local"}
    if not wanted:
        return model
    spec = model.to_spec()
    flags = set(LOCALITY_FLAGS[ir.kind])
    for block in _BLOCKS:
        text = spec.get(block)
        if isinstance(text, str) and text:
            spec[block] = _without_flags(text, wanted, flags)
    cls = Neuron if ir.kind == "neuron" else Synapse
    return cls.from_spec(spec)


def _without_flags(text: str, names: set, flags: set) -> str:
    """``text`` with the locality flags of the statements declaring ``names``
    removed (comments, other flags and other statements untouched)."""
    out = []
    for n, raw in enumerate(text.split("\n"), start=1):
        edits = []                      # (start, stop, replacement) in raw
        for stmt in split_lines(raw, first_line=n):
            if stmt.flags is None:
                continue
            try:
                lhs = split_assignment(stmt.body).lhs.text
            except Exception:           # noqa: BLE001 - the parser reports it elsewhere
                continue
            target = _declared_name(lhs)
            if target not in names:
                continue
            kept = [raw[f.col:_flag_end(raw, f, stmt.flags)].strip()
                    for f in parse_flags(stmt.flags) if f.name not in flags]
            colon = raw.rfind(":", stmt.body.col, stmt.flags.col)
            stop = stmt.flags.col + len(stmt.flags.text)
            edits.append((colon, stop, (" : " + ", ".join(kept)) if kept else ""))
        for start, stop, replacement in sorted(edits, reverse=True):
            raw = raw[:start].rstrip() + replacement + raw[stop:]
        out.append(raw)
    return "\n".join(out)


def _declared_name(lhs: str) -> str:
    """``v`` of ``v``, ``dv/dt``, ``tau * dv/dt`` (the declared name)."""
    text = lhs.replace(" ", "")
    if "d" in text and "/dt" in text:
        piece = text.split("/dt")[0]
        piece = piece.rsplit("*", 1)[-1]
        return piece[1:] if piece.startswith("d") else piece
    return text


def _flag_end(raw: str, flag, flags_segment) -> int:
    """Column just after ``flag`` (the next top-level comma or the end)."""
    end = flags_segment.col + len(flags_segment.text)
    depth = 0
    for i in range(flag.col, end):
        ch = raw[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            return i
    return end
