"""Models as data: a neuron or synapse as a plain, JSON-able dict of text blocks.

``model.to_spec()`` gives what the web app's editor, workspace files and the
SONATA catalogue store; ``Neuron.from_spec(spec)`` / ``Synapse.from_spec(spec)``
/ :func:`model_from_spec` build the model again (parsed, with every check,
never evaluated as Python)::

    {"format": "neuroworkbench.model/1", "kind": "neuron", "name": "LIF",
     "description": "", "parameters": "tau = 10.0 : population",
     "equations": "tau * dv/dt + v = I", "spike": "v > 1", "reset": "v = 0", ...}

Every value is a string (or ``None`` for an absent block; ``refractory`` may be
a number). A model written as 4.x text exports its own text. A model written
in the 5.x ``dict``/``list`` form or with the class syntax exports the
equivalent text, rendered from its IR (:func:`render_text`), and the export is
checked: the rendered text is parsed again and must give the same model
(same equations, variables, flags, events), else :class:`ModelError` says
which part cannot be written as text yet, rather than store a spec that would
build another model.
"""

from __future__ import annotations

import dataclasses
import math

import sympy as sp
from sympy.printing.str import StrPrinter

from engine.errors import ModelError

__all__ = ["SPEC_FORMAT", "model_to_spec", "model_from_spec", "render_text"]

SPEC_FORMAT = "neuroworkbench.model/1"

_NEURON_BLOCKS = ("parameters", "equations", "spike", "reset", "refractory", "functions",
                  "axon_spike", "axon_reset")
_SYNAPSE_BLOCKS = ("parameters", "equations", "psp", "pre_spike", "post_spike", "functions",
                   "pre_axon_spike", "operation")
_BLOCKS = {"neuron": _NEURON_BLOCKS, "synapse": _SYNAPSE_BLOCKS}
_META = ("format", "kind", "name", "description")


# --- IR -> text -------------------------------------------------------------------

class _TextPrinter(StrPrinter):
    """sympy printed in the model language (parseable by engine.language.strings)."""

    def __init__(self):
        super().__init__({"full_prec": True})

    def _print_Float(self, expr):
        value = float(expr)
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return f"{int(value)}.0"
        return repr(value)

    def _print_Piecewise(self, expr):
        pieces = list(expr.args)
        if pieces[-1].cond != sp.true:
            raise ModelError("a conditional without an 'else' branch cannot be written as text")
        text = self._print(pieces[-1].expr)
        for value, cond in reversed(pieces[:-1]):
            text = f"ite({self._print(cond)}, {self._print(value)}, {text})"
        return text

    def _print_And(self, expr):
        return " and ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Or(self, expr):
        return " or ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Not(self, expr):
        return f"not ({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"

    def _print_Equality(self, expr):
        return f"({self._print(expr.lhs)}) == ({self._print(expr.rhs)})"

    def _print_Unequality(self, expr):
        return f"({self._print(expr.lhs)}) != ({self._print(expr.rhs)})"

    def _print_Relational(self, expr):
        return f"({self._print(expr.lhs)}) {expr.rel_op} ({self._print(expr.rhs)})"

    def _nest(self, name, args):
        text = self._print(args[0])
        for a in args[1:]:
            text = f"{name}({text}, {self._print(a)})"
        return text

    def _print_Min(self, expr):
        return self._nest("min", expr.args)

    def _print_Max(self, expr):
        return self._nest("max", expr.args)

    def _print_Mod(self, expr):
        return f"modulo({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Function(self, expr):
        from engine.language.random_draws import DRAW_FUNCTIONS

        dist = DRAW_FUNCTIONS.get(type(expr))
        if dist is not None:  # the draw's occurrence number is not written
            return f"{dist.name}({', '.join(self._print(a) for a in expr.args[:-1])})"
        name = type(expr).__name__
        if name not in ("exp", "log", "sin", "cos", "tan", "tanh"):
            raise ModelError(f"the function {name!r} cannot be written as text")
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_Pow(self, expr, rational=False):
        base, e = expr.args
        if e == sp.Rational(1, 2):
            return f"sqrt({self._print(base)})"
        return f"({self._print(base)})**({self._print(e)})"

    def _print_Rational(self, expr):
        return f"({expr.p}/{expr.q})"


def _text(expr) -> str:
    return _TextPrinter().doprint(expr)


def _locality_flag(kind: str, locality: str) -> str | None:
    if locality == "global":
        return "population" if kind == "neuron" else "projection"
    if locality == "semiglobal":
        return "postsynaptic"
    return None


def _flags(*parts) -> str:
    parts = [p for p in parts if p]
    return f" : {', '.join(parts)}" if parts else ""


def _statement(e) -> str:
    lhs = f"d{e.target}/dt" if e.kind == "ode" else e.target
    return f"{lhs} = {_text(e.rhs)}"


def render_text(ir) -> dict:
    """The text blocks (4.x strings) of a model IR.

    Per-neuron (per-synapse) parameters are written without a locality flag,
    population-wide ones with ``population`` (``projection`` in synapses),
    per-post-neuron ones with ``postsynaptic``; a variable's ``init``,
    bounds, type and locality go on its first equation; a variable that no
    equation defines (changed only by events) gets a no-op definition.
    """
    kind = ir.kind
    params = []
    for v in ir.parameters:
        params.append(f"{v.name} = {_text(v.init)}"
                      + _flags(_locality_flag(kind, v.locality),
                               v.dtype if v.dtype != "float" else None))
    defined = {e.target for e in ir.equations}
    implicit = set(ir.conductances) | ({"w"} if kind == "synapse" else set())
    lines, declared = [], set()
    for e in ir.equations:
        lines.append((e.target, _statement(e),
                      ((e.method,) if e.kind == "ode" and e.method else ()) + tuple(sorted(e.flags))))
    for v in ir.state_variables:
        if v.name not in defined and v.name not in implicit:
            lines.append((v.name, f"{v.name} = {v.name}", ()))
    eq_text = []
    names = set(ir.names)
    for target, text, extra in lines:
        bits = []
        if target in names and target not in declared:
            declared.add(target)
            v = ir.variable(target)
            if v.kind == "variable":
                if not (v.init.is_number and float(v.init) == 0.0):
                    bits.append(f"init = {_text(v.init)}")
                if v.min is not None:
                    bits.append(f"min = {_text(v.min)}")
                if v.max is not None:
                    bits.append(f"max = {_text(v.max)}")
                bits.append(_locality_flag(kind, v.locality))
                if v.dtype != "float":
                    bits.append(v.dtype)
        eq_text.append(text + _flags(*bits, *extra))
    blocks = {"parameters": "\n".join(params), "equations": "\n".join(eq_text)}
    if kind == "neuron":
        blocks["spike"] = None if ir.spike is None else _text(ir.spike)
        blocks["reset"] = "\n".join(_statement(e) + _flags(*sorted(e.flags))
                                    for e in ir.reset) or None
        blocks["refractory"] = None if ir.refractory is None else _text(ir.refractory)
    else:
        if ir.apply:
            raise ModelError("apply() statements (class syntax) cannot be written as text")
        blocks["psp"] = None if ir.psp is None else _text(ir.psp)
        blocks["pre_spike"] = "\n".join(_statement(e) for e in ir.pre_spike) or None
        blocks["post_spike"] = "\n".join(_statement(e) for e in ir.post_spike) or None
        blocks["operation"] = None if ir.operation == "sum" else ir.operation
    return blocks


# --- comparing two IRs by behaviour ----------------------------------------------------

def _behaviour(ir) -> str:
    """What decides a model's behaviour, without its name, description,
    functions (already inlined), no-op definitions and the order of
    declarations; methods resolved."""
    def resolved(eqs):
        return tuple(dataclasses.replace(e, method=(e.method or ir.method) if e.kind == "ode"
                                         else None)
                     for e in eqs
                     if not (e.kind == "assign" and e.rhs == sp.Symbol(e.target, real=True)))
    # the order of declarations does not matter (that of statements does)
    variables = tuple(sorted(ir.variables, key=lambda v: v.name))
    plain = dataclasses.replace(ir, name="", description="", functions=(), method=None,
                                equations=resolved(ir.equations), variables=variables)
    return plain.canonical()


# --- specs ------------------------------------------------------------------------------

def model_to_spec(model, classes) -> dict:
    """The JSON-able spec of a model (see the module docstring); ``classes``
    (the model classes by kind) rebuild the rendered text to check it."""
    ir = model.ir
    kind = ir.kind
    blocks = _BLOCKS[kind]
    own = getattr(model, "_text_defined", False) and all(
        getattr(model, b, None) is None or isinstance(getattr(model, b), (str, int, float))
        for b in blocks)
    if own:
        text = {b: getattr(model, b, None) for b in blocks}
        text = {b: (v if v is None or isinstance(v, str) else float(v)) for b, v in text.items()}
    else:
        try:
            text = render_text(ir)
        except ModelError as exc:
            raise ModelError(f"{kind} {model.model_name!r} cannot be exported as text: "
                             f"{exc}") from None
        text = {b: text.get(b) for b in blocks}
        _check_round_trip(kind, model.model_name, text, ir, classes)
    spec = {"format": SPEC_FORMAT, "kind": kind, "name": model.model_name,
            "description": getattr(model, "description", "") or ""}
    spec.update(text)
    return spec


def _check_round_trip(kind, name, text, ir, classes):
    cls = classes[kind]
    try:
        again = cls(**{k: v for k, v in text.items() if v is not None}, name=name).ir
    except Exception as exc:  # noqa: BLE001 - any failure means: not exportable
        raise ModelError(f"{kind} {name!r} cannot be exported as text yet (its rendered "
                         f"text does not parse: {exc})") from None
    if _behaviour(again) != _behaviour(ir):
        raise ModelError(f"{kind} {name!r} cannot be exported as text yet: the rendered "
                         "text would build a different model")


def model_from_spec(spec, classes):
    """Build a :class:`Neuron` or :class:`Synapse` (``classes`` by kind) from a
    spec (trusting nothing: the dict is checked, the text parsed with every
    check of the front end)."""
    if not isinstance(spec, dict):
        raise ModelError(f"a model spec is a dict, got {type(spec).__name__}")
    fmt = spec.get("format")
    if fmt != SPEC_FORMAT:
        raise ModelError(f"unknown model spec format {fmt!r}; expected {SPEC_FORMAT!r}")
    kind = spec.get("kind")
    if kind not in _BLOCKS:
        raise ModelError(f"a model spec's kind is 'neuron' or 'synapse', got {kind!r}")
    allowed = set(_META) | set(_BLOCKS[kind])
    unknown = sorted(str(k) for k in spec if k not in allowed)
    if unknown:
        raise ModelError(f"{kind} spec: unknown key(s) {', '.join(map(repr, unknown))}; "
                         f"the keys are {', '.join(_META + _BLOCKS[kind])}")
    args = {}
    for key in _BLOCKS[kind] + ("name", "description"):
        value = spec.get(key)
        if value is None:
            continue
        numeric_ok = key == "refractory" and isinstance(value, (int, float)) \
            and not isinstance(value, bool)
        if not isinstance(value, str) and not numeric_ok:
            raise ModelError(f"{kind} spec: {key!r} must be text, got "
                             f"{type(value).__name__}")
        args[key] = value
    return classes[kind](**args)
