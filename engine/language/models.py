"""User-facing model classes: ``Neuron`` and ``Synapse``.

Two ways to define a model end in the same :class:`~engine.language.ir.ModelIR`:

1. ANNarchy-style text (4.x multi-line strings, or 5.x ``dict`` of
   :class:`Parameter` and ``list`` of :class:`Variable`)::

       LIF = Neuron(parameters="tau = 10.0 : population",
                    equations="tau * dv/dt + v = I",
                    spike="v > 1", reset="v = 0")

2. A subclass with sympy equations (the class-based API)::

       class LIF(Neuron):
           def __init__(self, tau=10.0):
               self.tau = self.Value(tau)
               self.v = self.Array(init=0.0)
           def update(self):
               with Equations(self) as n:
                   n.dv_dt = (n.I - n.v) / n.tau
               return n

The text is parsed when the model is created, so mistakes surface at once as
:class:`~engine.errors.EquationError`. The class form is analysed lazily (its
methods may depend on attributes set after ``__init__``) the first time
``.ir`` is read, at the latest when a population is created.
"""

from __future__ import annotations

import math
import os
import re
import sys
import warnings

from engine.errors import ModelError
from engine.language import spec, strings, structural
from engine.language.checks import RefractoryResetWarning, repeated_resets
from engine.language.declarations import (  # noqa: F401 - the public names live here too
    Array, Parameter, Value, Variable, Weight,
)

__all__ = [
    "Neuron",
    "Synapse",
    "Parameter",
    "Variable",
    "Value",
    "Array",
    "Weight",
]


class _Model:
    """Common base of :class:`Neuron` and :class:`Synapse`."""

    _kind = "model"
    _text_fields: tuple[str, ...] = ()

    # class-based helpers (the prototype's API)
    def Value(self, value=0.0, dtype="float", **kw) -> Value:
        """Declare a population-wide value (class-based syntax)."""
        return Value(value, dtype, **kw)

    def Array(self, init=0.0, dtype="float", **kw) -> Array:
        """Declare a per-element array (class-based syntax)."""
        return Array(init, dtype, **kw)

    @property
    def is_text_model(self) -> bool:
        return getattr(self, "_text_defined", False)

    @property
    def ir(self):
        """The parsed model (built once, then cached)."""
        cached = self.__dict__.get("_ir_cache")
        if cached is None:
            cached = self._build_ir()
            self.__dict__["_ir_cache"] = cached
        return cached

    def _build_ir(self):
        if self.is_text_model:
            ir = strings.build_ir(self)
        else:  # the class-based front end loads when a class model is first parsed
            from engine.language import classes

            ir = classes.build_ir(self)
        for message in repeated_resets(ir, class_syntax=not self.is_text_model):
            warnings.warn(message, RefractoryResetWarning, stacklevel=_user_stacklevel())
        return ir

    @property
    def model_name(self) -> str:
        name = getattr(self, "name", None)
        return name or type(self).__name__

    def __str__(self) -> str:
        return str(self.ir)

    # -- models as data ---------------------------------------------------
    def __setattr__(self, name, value):
        # A model is parsed when it is created: changing its text afterwards
        # would silently keep the old equations. Models are values: make a new one.
        d = self.__dict__
        frozen = (d.get("_frozen") and name in self._text_fields + ("name", "description")) \
            or (d.get("_ir_cache") is not None and not d.get("_text_defined")
                and name in d["_ir_cache"].names)
        if frozen:
            raise ModelError(
                f"{self._kind} {self.model_name!r}: a model cannot be changed after it is "
                f"created (its '{name}' was parsed already); make a new one, e.g. "
                f"{type(self).__name__ if self.is_text_model else 'Neuron'}.from_spec("
                f"{{**model.to_spec(), {name!r}: ...}}), or change the value of a "
                "parameter on the population or projection (pop.tau = ...)")
        super().__setattr__(name, value)

    def to_spec(self) -> dict:
        """The model as a plain, JSON-able dict of text blocks (see
        :mod:`engine.language.spec`); ``from_spec`` builds it again."""
        return spec.model_to_spec(self, _CLASSES)

    @classmethod
    def from_spec(cls, spec_: dict):
        """Build a model from :meth:`to_spec`'s dict (checked, parsed, never executed)."""
        model = model_from_spec(spec_)
        if cls._kind != "model" and model._kind != cls._kind:
            raise ModelError(f"{cls.__name__}.from_spec: the spec is a {model._kind}")
        return model


class Neuron(_Model):
    """A neuron model, defined by text or by subclassing (see module doc).

    Parameters
    ----------
    parameters : str or dict
        4.x: one ``name = value : flags`` per line. 5.x: ``dict`` of numbers,
        :class:`Parameter` objects or random distributions.
    equations : str or list
        4.x: one equation per line. 5.x: a list of strings and
        :class:`Variable` objects.
    spike : str, optional
        Spike condition (makes the neuron spiking).
    reset : str, optional
        Statements run after a spike (needs ``spike``).
    refractory : float or str, optional
        Refractory period in ms, or the name of a parameter holding it.
    functions : str, optional
        User functions, one ``name(x, y) = expression`` per line.
    name, description : str, optional
        For messages, generated code and documentation.

    Raises
    ------
    EquationError
        Listing every problem found in the text, with line, column and hint.
    """

    _kind = "neuron"
    _text_fields = ("parameters", "equations", "spike", "reset", "refractory",
                    "functions", "axon_spike", "axon_reset")

    def __init__(self, parameters="", equations="", spike=None, reset=None,
                 refractory=None, functions=None, name=None, description=None,
                 axon_spike=None, axon_reset=None, extra_values=None, **unknown):
        if unknown:
            _refuse_arguments("Neuron", unknown, self._text_fields)
        self.parameters = _with_extra_values(parameters, extra_values, "Neuron")
        self.equations = equations
        self.spike = spike
        self.reset = reset
        self.refractory = refractory
        self.functions = functions
        self.axon_spike = axon_spike
        self.axon_reset = axon_reset
        self.name = name
        self.description = description or ""
        self._text_defined = True
        self.__dict__["_ir_cache"] = None
        _ = self.ir  # parse now: errors surface where the model is written
        self.__dict__["_frozen"] = True


class Synapse(_Model):
    """A synapse model, defined by text or by subclassing.

    Text blocks: ``parameters``, ``equations``, ``psp`` (rate-coded
    transmission), ``pre_spike`` / ``post_spike`` (spiking events),
    ``functions``. Class-based: ``transmit()``, ``on_pre()``, ``on_post()``,
    ``update()``.
    """

    _kind = "synapse"
    _text_fields = ("parameters", "equations", "psp", "pre_spike", "post_spike",
                    "functions", "pre_axon_spike", "operation")

    def __init__(self, parameters="", equations="", psp=None, pre_spike=None,
                 post_spike=None, functions=None, name=None, description=None,
                 pre_axon_spike=None, pruning=None, creating=None, operation="sum",
                 extra_values=None, **unknown):
        if unknown:
            _refuse_arguments("Synapse", unknown, self._text_fields + ("pruning", "creating"))
        self.parameters = _with_extra_values(parameters, extra_values, "Synapse")
        self.equations = equations
        self.psp = psp
        self.pre_spike = pre_spike
        self.post_spike = post_spike
        self.functions = functions
        self.pre_axon_spike = pre_axon_spike
        self.operation = operation
        self.name = name
        self.description = description or ""
        self._text_defined = True
        self.__dict__["_ir_cache"] = None
        _ = self.ir
        # structural plasticity (engine.language.structural): kept as given, parsed here
        self.pruning, self.creating = pruning, creating
        self.__dict__["_structural"] = structural.parse_rules(self)
        self.__dict__["_frozen"] = True

    def Weight(self, init=0.0, **kw) -> Weight:
        """Declare the synaptic weight (class-based syntax)."""
        return Weight(init, **kw)

    def to_spec(self) -> dict:
        rules = self.__dict__.get("_structural") or {}
        if any(rules.values()):
            raise ModelError(f"synapse {self.model_name!r} cannot be exported as a spec: its "
                             "pruning=/creating= rules have no place in the spec format yet")
        return super().to_spec()


#: arguments of Brian2's NeuronGroup/Synapses and their place here
_OTHER_TOOLS = {
    "threshold": "the spike condition is spike='v > v_th' (Brian2's threshold=)",
    "model": "the equations are equations='...' (Brian2's model=)",
    "on_pre": "what a pre-synaptic spike does is pre_spike='...' (Brian2's on_pre=)",
    "on_post": "what a post-synaptic spike does is post_spike='...' (Brian2's on_post=)",
    "method": ("the integration method is a flag of each equation, e.g. "
               "'dv/dt = ... : exponential' (Brian2's method=)"),
    "namespace": "constants are parameters, or net.constant(name, value)",
}


def _user_stacklevel() -> int:
    """The ``stacklevel`` of a warning that points at the user's line, past the engine."""
    here = os.path.dirname(os.path.abspath(__file__))
    engine_dir = os.path.dirname(here) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(engine_dir):
        frame, level = frame.f_back, level + 1
    return level


_QUOTED_VALUE = re.compile(r"""^(\s*[A-Za-z_]\w*\s*=\s*)(['"])([A-Za-z_]\w*)\2(\s*(?::.*)?)$""")


def _with_extra_values(parameters, extra_values, kind: str):
    """ANNarchy's (obsolete) ``extra_values``: a parameter written
    ``tau = 'tau_val'`` takes ``extra_values['tau_val']``. Substituted in the
    text, as a number; nothing is evaluated."""
    if extra_values is None or not isinstance(parameters, str):
        if extra_values and not isinstance(parameters, str):
            raise ModelError(f"{kind}(extra_values=...) fills values written 'name' in the "
                             "text of parameters; these parameters are not text")
        return parameters
    if not isinstance(extra_values, dict):
        raise ModelError(f"{kind}(extra_values=...) is a dict of values, got "
                         f"{type(extra_values).__name__}")
    lines = []
    for line in parameters.splitlines():
        m = _QUOTED_VALUE.match(line)
        if m:
            key = m.group(3)
            if key not in extra_values:
                raise ModelError(f"{kind}: parameter line {line.strip()!r} takes "
                                 f"extra_values[{key!r}], which is not given (given: "
                                 f"{', '.join(map(str, extra_values)) or 'none'})")
            value = extra_values[key]
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, (int, float)) and math.isfinite(value):
                text = repr(value)
            else:
                raise ModelError(f"{kind}: extra_values[{key!r}] must be a finite number or "
                                 f"a bool, got {value!r}")
            line = f"{m.group(1)}{text}{m.group(4)}"
        lines.append(line)
    return "\n".join(lines)


def _refuse_arguments(kind: str, unknown: dict, known) -> None:
    import difflib

    name = next(iter(unknown))
    hint = _OTHER_TOOLS.get(name)
    if hint is None:
        close = difflib.get_close_matches(name, list(known) + ["name", "description"], n=1)
        hint = f"did you mean {close[0]!r}?" if close else \
            f"its arguments are {', '.join(known)}, name and description"
    raise ModelError(f"{kind}() has no argument {name!r}: {hint}")


#: the model classes by kind, for :mod:`engine.language.spec` (which builds
#: models but cannot import this module: it would be a circle)
_CLASSES = {"neuron": Neuron, "synapse": Synapse}


def model_from_spec(spec_: dict):
    """Build a :class:`Neuron` or :class:`Synapse` from a spec (trusting
    nothing: the dict is checked, the text parsed with every check of the
    front end)."""
    return spec.model_from_spec(spec_, _CLASSES)
