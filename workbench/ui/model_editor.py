"""The state of a model's editor: text blocks parsed as they change.

One :class:`ModelEditor` holds the text of every block of a neuron or synapse
model (``parameters``, ``equations``, ``spike``...). Each change parses the
model again through the engine's front end (never evaluated as Python) and
updates:

- ``model``: the parsed :class:`engine.Neuron`/:class:`engine.Synapse`, or
  ``None`` while the text has errors;
- ``diagnostics``: the engine's :class:`engine.errors.Diagnostic` list;
- ``annotations``: the same, per block, in the form code editors take
  (``{"row", "column", "text", "type"}``, 0-based rows and columns), so a
  view can mark each error at its line and column;
- ``message``: one line for a status bar.

The view debounces typing; this class is synchronous and cheap (a parse is
milliseconds), so it is tested without a browser.
"""

from __future__ import annotations

import param
import sympy as sp

from engine import EquationError, ModelError, model_from_spec
from engine.language.spec import SPEC_FORMAT

__all__ = ["ModelEditor", "BLOCKS"]

#: the blocks of each kind of model, in the order an editor shows them
BLOCKS = {
    "neuron": ("parameters", "equations", "spike", "reset", "refractory", "functions"),
    "synapse": ("parameters", "equations", "psp", "pre_spike", "post_spike", "functions"),
}
_ALL_BLOCKS = tuple(dict.fromkeys(BLOCKS["neuron"] + BLOCKS["synapse"]))


class ModelEditor(param.Parameterized):
    """Text blocks of one model, and what the engine makes of them."""

    kind = param.Selector(default="neuron", objects=["neuron", "synapse"],
                          doc="A neuron or a synapse model.")
    model_name = param.String(default="MyNeuron", doc="The model's name (messages, code).")
    description = param.String(default="", doc="Free text shown with the model.")
    parameters = param.String(default="", doc="One 'name = value : flags' per line.")
    equations = param.String(default="", doc="The update, one statement per line.")
    spike = param.String(default="", doc="Spike condition (spiking neurons).")
    reset = param.String(default="", doc="Statements run after a spike.")
    refractory = param.String(default="", doc="Refractory period (ms or a parameter).")
    functions = param.String(default="", doc="User functions, 'f(x) = ...' per line.")
    psp = param.String(default="", doc="Rate-coded transmission (synapses).")
    pre_spike = param.String(default="", doc="On a pre-synaptic spike (synapses).")
    post_spike = param.String(default="", doc="On a post-synaptic spike (synapses).")

    model = param.Parameter(default=None, constant=True,
                            doc="The parsed model, or None while the text has errors.")
    diagnostics = param.List(default=[], constant=True, doc="The engine's diagnostics.")
    annotations = param.Dict(default={}, constant=True,
                             doc="block -> code-editor annotations of its errors.")
    message = param.String(default="", constant=True, doc="One line for a status bar.")

    def __init__(self, spec: dict | None = None, **params):
        super().__init__(**params)
        if spec is not None:
            self.load(spec)
        else:
            self.validate()

    # -- text in, model out ---------------------------------------------------------
    @property
    def blocks(self) -> tuple[str, ...]:
        return BLOCKS[self.kind]

    def load(self, spec: dict) -> None:
        """Show a model spec (``model.to_spec()``); other blocks are emptied."""
        if not isinstance(spec, dict) or spec.get("kind") not in BLOCKS:
            raise ModelError("ModelEditor.load: give a model spec (model.to_spec())")
        values = {"kind": spec["kind"], "model_name": str(spec.get("name") or ""),
                  "description": str(spec.get("description") or "")}
        for block in _ALL_BLOCKS:
            value = spec.get(block) if block in BLOCKS[spec["kind"]] else None
            values[block] = "" if value is None else str(value)
        with param.parameterized.discard_events(self):
            self.param.update(**values)
        self.validate()

    def to_spec(self) -> dict:
        """The blocks as a model spec (empty blocks are absent)."""
        spec = {"format": SPEC_FORMAT, "kind": self.kind, "name": self.model_name,
                "description": self.description}
        for block in self.blocks:
            text = getattr(self, block)
            spec[block] = text if text.strip() else None
        return spec

    @param.depends("kind", "model_name", *_ALL_BLOCKS, watch=True)
    def validate(self) -> None:
        """Parse the blocks; update ``model``, ``diagnostics``, ``annotations``."""
        model, diagnostics, message = None, [], ""
        if not self.model_name.strip():
            message = "give the model a name"
        else:
            try:
                model = model_from_spec(self.to_spec())
                message = f"{self.kind} {self.model_name!r}: OK"
            except EquationError as exc:
                diagnostics = list(exc.diagnostics)
                n = len(diagnostics)
                message = f"{n} problem{'s' if n > 1 else ''}: {diagnostics[0].message}"
            except ModelError as exc:
                message = str(exc)
        annotations = {}
        for d in diagnostics:
            text = d.message + (f" ({d.hint})" if d.hint else "")
            annotations.setdefault(d.block, []).append(
                {"row": max(0, (d.line or 1) - 1), "column": max(0, (d.col or 1) - 1),
                 "text": text, "type": "error"})
        with param.parameterized.edit_constant(self):
            self.param.update(model=model, diagnostics=diagnostics,
                              annotations=annotations, message=message)

    # -- views of the parsed model -----------------------------------------------------
    def latex(self) -> dict[str, list[str]]:
        """The parsed statements as LaTeX, per block (empty while there are errors)."""
        if self.model is None:
            return {}
        ir = self.model.ir
        out = {}
        blocks = {"equations": ir.equations, "reset": ir.reset,
                  "pre_spike": ir.pre_spike, "post_spike": ir.post_spike}
        for block, eqs in blocks.items():
            if eqs:
                out[block] = [_latex_statement(e) for e in eqs]
        if ir.spike is not None:
            out["spike"] = [_latex(ir.spike)]
        if ir.psp is not None:
            out["psp"] = [_latex(ir.psp)]
        return out


def _symbol_names(expr) -> dict:
    names = {}
    for s in expr.free_symbols:
        n = s.name
        if n.startswith("sum(") and n.endswith(")"):
            names[s] = rf"\Sigma_{{\mathrm{{{n[4:-1]}}}}}"
        elif n.startswith(("pre.", "post.")):
            where, var = n.split(".", 1)
            names[s] = rf"{sp.latex(sp.Symbol(var))}^{{\mathrm{{{where}}}}}"
    return names


def _latex(expr) -> str:
    from engine.language.random_draws import DRAW_FUNCTIONS

    # a draw shows as its distribution (Normal(0, 1)), without its occurrence number
    expr = expr.replace(lambda e: type(e) in DRAW_FUNCTIONS,
                        lambda e: sp.Function(DRAW_FUNCTIONS[type(e)].name)(*e.args[:-1]))
    return sp.latex(expr, symbol_names=_symbol_names(expr))


def _latex_statement(e) -> str:
    target = sp.latex(sp.Symbol(e.target))
    lhs = rf"\frac{{d{target}}}{{dt}}" if e.kind == "ode" else target
    return f"{lhs} = {_latex(e.rhs)}"
