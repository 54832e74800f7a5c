"""ANNarchy's standard neuron models, written in the engine's text language.

Every model is a subclass of :class:`~engine.language.models.Neuron`. It can
be used in two ways, as in ANNarchy:

- **as an instance**, with keyword overrides of the defaults::

      rs = Izhikevich(a=0.02, b=0.2, c=-65.0, d=8.0)
      pop = net.create(100, neuron=rs)

- **as the class itself**::

      pop = net.create(100, neuron=Izhikevich)

  The runtime turns a class into a model by **calling it with no arguments**
  (``neuron()``), which builds the model with every default value. Nothing
  else is needed: these classes take keyword arguments only, and each call
  returns a fresh, independent instance.

The overrides only change the *initial* parameter values written into the
model text (and, where a default initial state depends on them, that state:
``v`` starts at ``c`` in :class:`Izhikevich`). After the population is created
every parameter can still be changed per neuron (``pop.a = ...``): all
parameters are local (one value per neuron) unless the table says
"population".

An unknown keyword raises :class:`~engine.errors.ModelError` naming the model,
the keyword and the valid keywords; a value that is not a finite real number
raises it too.

The equations, parameter names, defaults, units and integration methods follow
ANNarchy's ``ANNarchy/models/Neurons.py``; the IF_*, EIF_* and HH_* names and
defaults come from PyNN's standard cell types. Units are PyNN's: mV, ms, nF,
nA, uS. One deliberate difference with ANNarchy is documented in
:class:`HH_cond_exp` (the ``beta_h`` rate).
"""

from __future__ import annotations

import difflib
import inspect
import math
import numbers
from types import MappingProxyType
from typing import Any, ClassVar, Mapping

from engine.errors import ModelError
from engine.language.models import Neuron

__all__ = [
    "StandardNeuron",
    "LeakyIntegrator",
    "Izhikevich",
    "IF_curr_exp",
    "IF_cond_exp",
    "IF_curr_alpha",
    "IF_cond_alpha",
    "HH_cond_exp",
    "EIF_cond_exp_isfa_ista",
    "EIF_cond_alpha_isfa_ista",
    "list_standard_neurons",
]


# --- helpers ------------------------------------------------------------------

def _number_text(model: str, key: str, value: Any) -> str:
    """Render a numeric keyword as text the parser reads back exactly."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ModelError(
            f"{model}: parameter '{key}' must be a real number, got {value!r} "
            f"({type(value).__name__})"
        )
    try:
        x = float(value)
    except OverflowError:   # an int beyond the doubles
        x = math.inf
    if not math.isfinite(x):
        raise ModelError(f"{model}: parameter '{key}' must be finite, got {value!r:.40}")
    return repr(x)  # shortest text that round-trips, e.g. '-65.0', '1e-05'


def _snippet_text(model: str, key: str, value: Any) -> str:
    """Check an expression snippet (``conductance=``, ``sum=``, ``noise=``).

    The snippet is pasted into one equation line, so it must stay on one line
    and must not carry flags. It is parsed like the rest of the model (never
    evaluated), so a mistake in it is reported by the parser.
    """
    if not isinstance(value, str):
        raise ModelError(
            f"{model}: '{key}' must be an expression string, got {value!r}"
        )
    text = value.strip()
    if not text:
        raise ModelError(f"{model}: '{key}' must not be empty")
    for bad in ("\n", "\r", ":", ";", "#"):
        if bad in text:
            raise ModelError(
                f"{model}: '{key}' must be a single expression without "
                f"{bad!r}, got {value!r}"
            )
    return text


def _parameter_block(values: Mapping[str, str], population: tuple[str, ...] = ()) -> str:
    """One ``name = value`` line per parameter (``: population`` when shared)."""
    lines = []
    for name, text in values.items():
        flag = " : population" if name in population else ""
        lines.append(f"{name} = {text}{flag}")
    return "\n".join(lines)


def _rebuild(cls, overrides):
    """Pickle support: rebuild a standard model from its class and overrides."""
    return cls(**overrides)


def _keyword_signature(defaults: Mapping[str, Any]) -> inspect.Signature:
    """Keyword-only signature showing the defaults (help(), notebook tooltips)."""
    return inspect.Signature([
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value)
        for name, value in defaults.items()
    ])


def _unknown_keyword_error(model: str, key: str, valid) -> ModelError:
    """ModelError for an unknown keyword, with the closest valid one."""
    valid = tuple(valid)
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ModelError(f"{model}: unknown parameter '{key}'{hint}. "
                      f"Valid keywords: {', '.join(valid) or '(none)'}")


# --- base class ---------------------------------------------------------------

class StandardNeuron(Neuron):
    """Base class of the built-in models (keyword-only overrides of defaults).

    Subclasses declare

    ``defaults``
        ordered mapping parameter name -> default value (numbers);
    ``options``
        mapping keyword -> default expression snippet for the non-numeric
        keywords (``conductance`` of :class:`Izhikevich`, ``sum`` of
        :class:`LeakyIntegrator`);
    ``summary``
        one-line description;

    and implement :meth:`_definition`, which returns the keyword arguments of
    :class:`Neuron` (``parameters``, ``equations``, ``spike``, ``reset``,
    ``refractory``) built from the resolved values.

    Attributes
    ----------
    values : mapping
        The keyword values this instance was built with (defaults merged with
        the overrides), numbers as floats, snippets as strings.
    overrides : mapping
        Only the keywords the user passed.
    """

    defaults: ClassVar[Mapping[str, float]] = MappingProxyType({})
    options: ClassVar[Mapping[str, str]] = MappingProxyType({})
    summary: ClassVar[str] = ""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls.defaults = MappingProxyType(dict(cls.defaults))
        cls.options = MappingProxyType(dict(cls.options))
        cls.__signature__ = _keyword_signature({**cls.defaults, **cls.options})

    def __init__(self, **overrides):
        cls = type(self)
        if cls is StandardNeuron:
            raise ModelError(
                "StandardNeuron is an abstract base: use one of "
                + ", ".join(m.__name__ for m in list_standard_neurons())
            )
        values = self._resolve(overrides)
        self.overrides = MappingProxyType(dict(overrides))
        self.values = MappingProxyType(values)
        definition = self._definition(values)
        Neuron.__init__(self, name=cls.__name__, description=cls.summary, **definition)

    # keyword checking ------------------------------------------------------------

    @classmethod
    def valid_keywords(cls) -> tuple[str, ...]:
        """Every keyword the constructor accepts, in table order."""
        return tuple(cls.defaults) + tuple(cls.options)

    @classmethod
    def _unknown_keyword(cls, key: str) -> ModelError:
        return _unknown_keyword_error(cls.__name__, key, cls.valid_keywords())

    def _resolve(self, overrides: dict) -> dict[str, Any]:
        """Merge overrides into the defaults, checking names and types.

        Returns ``{name: float}`` for parameters and ``{name: str}`` for
        snippets. Subclasses accepting other forms override
        :meth:`_resolve_value`.
        """
        cls = type(self)
        for key in overrides:
            if key not in cls.defaults and key not in cls.options:
                raise cls._unknown_keyword(key)
        values: dict[str, Any] = {}
        for key, default in cls.defaults.items():
            values[key] = self._resolve_value(key, overrides.get(key, default))
        for key, default in cls.options.items():
            values[key] = _snippet_text(cls.__name__, key, overrides.get(key, default))
        return values

    def _resolve_value(self, key: str, value: Any) -> Any:
        _number_text(type(self).__name__, key, value)  # validates
        return float(value)

    def _numbers(self, values: Mapping[str, Any]) -> dict[str, str]:
        """The numeric parameters as text, in table order."""
        return {k: repr(values[k]) for k in type(self).defaults
                if isinstance(values[k], float)}

    def _definition(self, values: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    # conveniences ------------------------------------------------------------------

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.overrides.items())
        return f"{type(self).__name__}({args})"

    def __reduce__(self):
        return (_rebuild, (type(self), dict(self.overrides)))


# --- rate-coded -------------------------------------------------------------------

class LeakyIntegrator(StandardNeuron):
    """Rate-coded leaky integrator with a rectified-linear output.

    Equations::

        tau * dv/dt + v = sum(exc) - sum(inh) + B + noise * Normal(0, 1)
        r = pos(v - T)                  (pos(x) = max(x, 0))

    ``v`` starts at 0 and relaxes with time constant ``tau`` towards its input
    plus the baseline ``B``; the firing rate ``r`` is ``v`` above the threshold
    ``T``, else 0.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    tau         10.0      ms     time constant of v (population)
    B           0.0       --     baseline of v (per neuron)
    T           0.0       --     threshold of the transfer function (population)
    noise       0.0       --     std of the Gaussian noise added each step
    ==========  ========  =====  ==============================================

    Non-numeric keywords:

    - ``sum`` (default ``"sum(exc) - sum(inh)"``): the input expression, e.g.
      ``LeakyIntegrator(sum="sum(exc)")``.
    - ``noise`` may also be given, as in ANNarchy, as a distribution
      expression (``noise="Uniform(-0.1, 0.1)"``), which then replaces the
      ``noise * Normal(0, 1)`` term; the model then has no ``noise``
      parameter. A number keeps ``noise`` as a parameter that can be changed
      at run time (``pop.noise = 0.5``). The noise is drawn once per step and
      is not scaled with ``dt``.

    Integration: exponential Euler (exact for a constant input: after each
    step ``v <- v_inf + (v - v_inf) * exp(-dt/tau)`` with
    ``v_inf = input + B``).

    Refractoriness: none (rate-coded model, no spikes).

    Differences with ANNarchy: ANNarchy adds no noise term unless
    ``noise=`` is given as a distribution; here the numeric ``noise``
    parameter (default 0) is always present.
    """

    summary = "Leaky integrator rate-coded neuron with a positive (ReLU) transfer function."
    defaults = {"tau": 10.0, "B": 0.0, "T": 0.0, "noise": 0.0}
    options = {"sum": "sum(exc) - sum(inh)"}

    def _resolve_value(self, key, value):
        if key == "noise" and isinstance(value, str):
            return _snippet_text(type(self).__name__, key, value)
        return super()._resolve_value(key, value)

    def _definition(self, p):
        numbers_ = self._numbers(p)
        if isinstance(p["noise"], str):
            noise_term = p["noise"]
        else:
            noise_term = "noise * Normal(0.0, 1.0)"
        return dict(
            parameters=_parameter_block(numbers_, population=("tau", "T")),
            equations="\n".join([
                f"tau * dv/dt + v = {p['sum']} + B + {noise_term} : exponential, init = 0.0",
                "r = pos(v - T)",
            ]),
        )


# --- Izhikevich -----------------------------------------------------------------------

class Izhikevich(StandardNeuron):
    """Izhikevich (2003) quadratic integrate-and-fire neuron with recovery.

    Equations::

        I     = g_exc - g_inh + noise * Normal(0, 1) + i_offset
        dv/dt = 0.04 * v^2 + 5 * v + 140 - u + I
        du/dt = a * (b * v - u)

    Spike when ``v > v_thresh``; reset ``v = c`` and ``u += d``.
    Initial state: ``v = c``, ``u = b * c`` (computed from the values given).

    ``g_exc`` and ``g_inh`` are instantaneous: each step they hold the sum of
    the weights of the spikes received and are set back to 0 afterwards. The
    ``conductance`` keyword replaces ``g_exc - g_inh`` with any expression
    (e.g. ``"g_ampa - g_gaba"``); the ``g_*`` names used in it are created
    the same way.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    a           0.02      1/ms   speed of the recovery variable u
    b           0.2       --     sensitivity of u to v
    c           -65.0     mV     reset potential (and initial v)
    d           8.0       --     increment of u at each spike
    v_thresh    30.0      mV     spike cut-off
    i_offset    0.0       --     constant input current
    noise       0.0       --     std of the Gaussian input noise (per step)
    tau_refrac  0.0       ms     refractory period
    ==========  ========  =====  ==============================================

    The defaults are the regular-spiking (RS) cell of the paper. Units follow
    the paper's dimensionless current convention (I in "mV/ms").

    Integration: explicit Euler; both derivatives are computed from the state
    at the start of the step (``v`` and ``u`` are advanced together), then
    ``v > v_thresh`` is tested.

    Refractoriness (the 'flagged' rule, see docs/model_language.md): during
    ``tau_refrac`` ms after a spike (0 by default) the equations keep being
    integrated but ``v = c`` is re-applied at every step and no spike can be
    emitted; ``u += d`` is applied once, at the spike (``unless_refractory``).
    """

    summary = "Izhikevich quadratic integrate-and-fire neuron with a recovery variable."
    defaults = {
        "a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0, "v_thresh": 30.0,
        "i_offset": 0.0, "noise": 0.0, "tau_refrac": 0.0,
    }
    options = {"conductance": "g_exc - g_inh"}

    def _definition(self, p):
        u0 = repr(p["b"] * p["c"])
        return dict(
            parameters=_parameter_block(self._numbers(p)),
            equations="\n".join([
                f"I = {p['conductance']} + noise * Normal(0.0, 1.0) + i_offset",
                f"dv/dt = 0.04 * v^2 + 5.0 * v + 140.0 - u + I : init = {p['c']!r}, explicit",
                f"du/dt = a * (b * v - u) : init = {u0}, explicit",
            ]),
            spike="v > v_thresh",
            reset="v = c\nu += d : unless_refractory",
            refractory="tau_refrac",
        )


# --- integrate-and-fire ---------------------------------------------------------------

_LIF_DEFAULTS = {
    "v_rest": -65.0, "cm": 1.0, "tau_m": 20.0, "tau_refrac": 0.0,
    "tau_syn_E": 5.0, "tau_syn_I": 5.0,
}
_LIF_TAIL = {"v_thresh": -50.0, "v_reset": -65.0, "i_offset": 0.0}
_COND_REV = {"e_rev_E": 0.0, "e_rev_I": -70.0}

# alpha-shaped input: g decays, alpha follows it; exp(1 - dt/(2 tau)) scales
# the discrete kernel so that its peak (at tau after the kick) equals the kick.
_ALPHA_EQS = [
    "tau_syn_E * dg_exc/dt = -g_exc : exponential",
    "tau_syn_I * dg_inh/dt = -g_inh : exponential",
    "tau_syn_E * dalpha_exc/dt = exp(1.0 - dt / (2.0 * tau_syn_E)) * g_exc - alpha_exc : exponential",
    "tau_syn_I * dalpha_inh/dt = exp(1.0 - dt / (2.0 * tau_syn_I)) * g_inh - alpha_inh : exponential",
]
_EXP_EQS = [
    "tau_syn_E * dg_exc/dt = -g_exc : exponential",
    "tau_syn_I * dg_inh/dt = -g_inh : exponential",
]


class IF_curr_exp(StandardNeuron):
    """Leaky integrate-and-fire neuron, exponentially decaying input currents.

    Equations::

        cm * dv/dt = cm * (v_rest - v) / tau_m + g_exc - g_inh + i_offset
        tau_syn_E * dg_exc/dt = -g_exc
        tau_syn_I * dg_inh/dt = -g_inh

    Spike when ``v > v_thresh``; reset ``v = v_reset``. ``v`` starts at
    ``v_reset`` (as ANNarchy), ``g_exc`` and ``g_inh`` at 0. An incoming
    spike of weight w adds w (nA) to ``g_exc``/``g_inh``, which then decays.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    v_rest      -65.0     mV     resting potential
    cm          1.0       nF     membrane capacitance
    tau_m       20.0      ms     membrane time constant
    tau_refrac  0.0       ms     refractory period
    tau_syn_E   5.0       ms     decay time of the excitatory current
    tau_syn_I   5.0       ms     decay time of the inhibitory current
    v_thresh    -50.0     mV     spike threshold
    v_reset     -65.0     mV     reset potential (and initial v)
    i_offset    0.0       nA     constant injected current
    ==========  ========  =====  ==============================================

    Integration: exponential Euler for all three equations (exact for
    ``v`` when the input is constant over the step).

    Refractoriness: for ``tau_refrac`` ms after a spike ``v`` is held at
    ``v_reset`` (frozen) and no spike is emitted; the synaptic currents keep
    decaying and integrating input.
    """

    summary = "Leaky integrate-and-fire neuron with exponentially decaying synaptic currents."
    defaults = {**_LIF_DEFAULTS, **_LIF_TAIL}

    def _definition(self, p):
        return dict(
            parameters=_parameter_block(self._numbers(p)),
            equations="\n".join([
                "cm * dv/dt = cm * (v_rest - v) / tau_m + g_exc - g_inh + i_offset"
                f" : exponential, init = {p['v_reset']!r}",
                *_EXP_EQS,
            ]),
            spike="v > v_thresh",
            reset="v = v_reset",
            refractory="tau_refrac",
        )


class IF_cond_exp(StandardNeuron):
    """Leaky integrate-and-fire neuron, exponentially decaying conductances.

    Equations::

        cm * dv/dt = cm * (v_rest - v) / tau_m
                     + g_exc * (e_rev_E - v) + g_inh * (e_rev_I - v) + i_offset
        tau_syn_E * dg_exc/dt = -g_exc
        tau_syn_I * dg_inh/dt = -g_inh

    Spike when ``v > v_thresh``; reset ``v = v_reset``. ``v`` starts at
    ``v_reset``, the conductances at 0. An incoming spike of weight w adds
    w (uS) to ``g_exc``/``g_inh``, which then decays.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    v_rest      -65.0     mV     resting potential
    cm          1.0       nF     membrane capacitance
    tau_m       20.0      ms     membrane time constant
    tau_refrac  0.0       ms     refractory period
    tau_syn_E   5.0       ms     decay time of the excitatory conductance
    tau_syn_I   5.0       ms     decay time of the inhibitory conductance
    e_rev_E     0.0       mV     excitatory reversal potential
    e_rev_I     -70.0     mV     inhibitory reversal potential
    v_thresh    -50.0     mV     spike threshold
    v_reset     -65.0     mV     reset potential (and initial v)
    i_offset    0.0       nA     constant injected current
    ==========  ========  =====  ==============================================

    Integration: exponential Euler for all equations (``v``'s equation is
    linear in ``v``; its time constant ``cm / (cm/tau_m + g_exc + g_inh)``
    uses the conductances at the start of the step).

    Refractoriness: for ``tau_refrac`` ms after a spike ``v`` is held at
    ``v_reset`` and no spike is emitted; the conductances keep evolving.
    """

    summary = "Leaky integrate-and-fire neuron with exponentially decaying synaptic conductances."
    defaults = {**_LIF_DEFAULTS, **_COND_REV, **_LIF_TAIL}

    def _definition(self, p):
        return dict(
            parameters=_parameter_block(self._numbers(p)),
            equations="\n".join([
                "cm * dv/dt = cm * (v_rest - v) / tau_m + g_exc * (e_rev_E - v)"
                " + g_inh * (e_rev_I - v) + i_offset"
                f" : exponential, init = {p['v_reset']!r}",
                *_EXP_EQS,
            ]),
            spike="v > v_thresh",
            reset="v = v_reset",
            refractory="tau_refrac",
        )


class IF_curr_alpha(StandardNeuron):
    """Leaky integrate-and-fire neuron, alpha-shaped input currents.

    Equations::

        cm * dv/dt = cm * (v_rest - v) / tau_m + alpha_exc - alpha_inh + i_offset
        tau_syn_E * dg_exc/dt     = -g_exc
        tau_syn_E * dalpha_exc/dt = exp(1 - dt/(2 tau_syn_E)) * g_exc - alpha_exc
        (same for g_inh, alpha_inh with tau_syn_I)

    An incoming spike of weight w at time t0 adds w to ``g_exc``; the current
    seen by the membrane is then ``alpha_exc(t) = w * s/tau * exp(1 - s/tau)``
    with ``s = t - t0`` and ``tau = tau_syn_E``: it rises, peaks at w
    ``tau_syn_E`` ms after the spike and decays. The factor
    ``exp(1 - dt/(2 tau))`` (instead of e) corrects the discretization so the
    discrete trace matches that shape to second order in dt/tau.

    Spike when ``v > v_thresh``; reset ``v = v_reset``; ``v`` starts at
    ``v_reset``, the synaptic variables at 0.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    v_rest      -65.0     mV     resting potential
    cm          1.0       nF     membrane capacitance
    tau_m       20.0      ms     membrane time constant
    tau_refrac  0.0       ms     refractory period
    tau_syn_E   5.0       ms     rise (= decay) time of the excitatory current
    tau_syn_I   5.0       ms     rise (= decay) time of the inhibitory current
    v_thresh    -50.0     mV     spike threshold
    v_reset     -65.0     mV     reset potential (and initial v)
    i_offset    0.0       nA     constant injected current
    ==========  ========  =====  ==============================================

    Integration: exponential Euler for all equations, every derivative taken
    from the state at the start of the step.

    Refractoriness: for ``tau_refrac`` ms after a spike ``v`` is held at
    ``v_reset`` and no spike is emitted; the synaptic variables keep evolving.

    Difference with ANNarchy: ANNarchy keeps the scale factors as two extra
    variables ``gmax_exc``/``gmax_inh``; here they are written inline.
    """

    summary = "Leaky integrate-and-fire neuron with alpha-shaped synaptic currents."
    defaults = {**_LIF_DEFAULTS, **_LIF_TAIL}

    def _definition(self, p):
        return dict(
            parameters=_parameter_block(self._numbers(p)),
            equations="\n".join([
                # flagged: the 'flagged' refractory rule (ModelIR.refractory_rule), so
                # alpha_* (not named g_*) keep evolving while v is held
                "cm * dv/dt = cm * (v_rest - v) / tau_m + alpha_exc - alpha_inh + i_offset"
                f" : exponential, init = {p['v_reset']!r}, unless_refractory",
                *_ALPHA_EQS,
            ]),
            spike="v > v_thresh",
            reset="v = v_reset",
            refractory="tau_refrac",
        )


class IF_cond_alpha(StandardNeuron):
    """Leaky integrate-and-fire neuron, alpha-shaped input conductances.

    Equations::

        cm * dv/dt = cm * (v_rest - v) / tau_m
                     + alpha_exc * (e_rev_E - v) + alpha_inh * (e_rev_I - v) + i_offset
        tau_syn_E * dg_exc/dt     = -g_exc
        tau_syn_E * dalpha_exc/dt = exp(1 - dt/(2 tau_syn_E)) * g_exc - alpha_exc
        (same for g_inh, alpha_inh with tau_syn_I)

    A spike of weight w (uS) adds w to ``g_exc``; the conductance seen by the
    membrane, ``alpha_exc``, follows ``w * s/tau * exp(1 - s/tau)`` and peaks
    at w ``tau_syn_E`` ms after the spike (see :class:`IF_curr_alpha`).

    Spike when ``v > v_thresh``; reset ``v = v_reset``; ``v`` starts at
    ``v_reset``, the synaptic variables at 0.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    v_rest      -65.0     mV     resting potential
    cm          1.0       nF     membrane capacitance
    tau_m       20.0      ms     membrane time constant
    tau_refrac  0.0       ms     refractory period
    tau_syn_E   5.0       ms     rise (= decay) time of the excitatory conductance
    tau_syn_I   5.0       ms     rise (= decay) time of the inhibitory conductance
    e_rev_E     0.0       mV     excitatory reversal potential
    e_rev_I     -70.0     mV     inhibitory reversal potential
    v_thresh    -50.0     mV     spike threshold
    v_reset     -65.0     mV     reset potential (and initial v)
    i_offset    0.0       nA     constant injected current
    ==========  ========  =====  ==============================================

    Integration: exponential Euler for all equations, every derivative taken
    from the state at the start of the step.

    Refractoriness: for ``tau_refrac`` ms after a spike ``v`` is held at
    ``v_reset`` and no spike is emitted; the synaptic variables keep evolving.
    """

    summary = "Leaky integrate-and-fire neuron with alpha-shaped synaptic conductances."
    defaults = {**_LIF_DEFAULTS, **_COND_REV, **_LIF_TAIL}

    def _definition(self, p):
        return dict(
            parameters=_parameter_block(self._numbers(p)),
            equations="\n".join([
                "cm * dv/dt = cm * (v_rest - v) / tau_m + alpha_exc * (e_rev_E - v)"
                " + alpha_inh * (e_rev_I - v) + i_offset"
                f" : exponential, init = {p['v_reset']!r}, unless_refractory",  # see IF_curr_alpha
                *_ALPHA_EQS,
            ]),
            spike="v > v_thresh",
            reset="v = v_reset",
            refractory="tau_refrac",
        )


# --- adaptive exponential integrate-and-fire --------------------------------------------

_EIF_DEFAULTS = {
    "v_rest": -70.6, "cm": 0.281, "tau_m": 9.3667, "tau_refrac": 0.1,
    "tau_syn_E": 5.0, "tau_syn_I": 5.0, "e_rev_E": 0.0, "e_rev_I": -80.0,
    "tau_w": 144.0, "a": 4.0, "b": 0.0805, "i_offset": 0.0, "delta_T": 2.0,
    "v_thresh": -50.4, "v_reset": -70.6, "v_spike": -40.0,
}

_EIF_TABLE = """
    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    v_rest      -70.6     mV     resting (leak reversal) potential
    cm          0.281     nF     membrane capacitance
    tau_m       9.3667    ms     membrane time constant
    tau_refrac  0.1       ms     refractory period
    tau_syn_E   5.0       ms     time constant of the excitatory conductance
    tau_syn_I   5.0       ms     time constant of the inhibitory conductance
    e_rev_E     0.0       mV     excitatory reversal potential
    e_rev_I     -80.0     mV     inhibitory reversal potential
    tau_w       144.0     ms     time constant of the adaptation current w
    a           4.0       nS     subthreshold adaptation conductance
    b           0.0805    nA     spike-triggered adaptation increment
    i_offset    0.0       nA     constant injected current
    delta_T     2.0       mV     slope factor of the exponential
    v_thresh    -50.4     mV     threshold of the exponential term
    v_reset     -70.6     mV     reset potential (and initial v)
    v_spike     -40.0     mV     spike detection threshold
    ==========  ========  =====  ==============================================
"""


def _eif_definition(p, drive_exc: str, drive_inh: str, synapse_eqs: list[str]):
    return dict(
        parameters=_parameter_block(p),
        equations="\n".join([
            f"I = {drive_exc} * (e_rev_E - v) + {drive_inh} * (e_rev_I - v) + i_offset",
            "tau_m * dv/dt = v_rest - v + delta_T * exp((v - v_thresh) / delta_T)"
            f" + tau_m / cm * (I - w) : explicit, init = {p['v_reset']}",
            "tau_w * dw/dt = a * (v - v_rest) / 1000.0 - w : explicit, init = 0.0",
            *synapse_eqs,
        ]),
        spike="v > v_spike",
        reset="v = v_reset\nw += b : unless_refractory",
        refractory="tau_refrac",
    )


class EIF_cond_exp_isfa_ista(StandardNeuron):
    """Adaptive exponential integrate-and-fire (Brette & Gerstner 2005),
    exponentially decaying conductances.

    Equations::

        I = g_exc * (e_rev_E - v) + g_inh * (e_rev_I - v) + i_offset
        tau_m * dv/dt = v_rest - v + delta_T * exp((v - v_thresh)/delta_T)
                        + tau_m/cm * (I - w)
        tau_w * dw/dt = a * (v - v_rest) / 1000 - w
        tau_syn_E * dg_exc/dt = -g_exc
        tau_syn_I * dg_inh/dt = -g_inh

    (``a`` is in nS, hence the /1000 to get nA from mV.) Spike when
    ``v > v_spike``; reset ``v = v_reset`` and ``w += b`` (spike-triggered
    adaptation, "isfa"; ``a`` is the subthreshold adaptation, "ista").
    ``v`` starts at ``v_reset``, ``w`` and the conductances at 0.
    """ + _EIF_TABLE + """
    Integration: explicit Euler for ``v`` and ``w`` (derivatives from the
    state at the start of the step), exponential Euler for the conductances.

    Refractoriness: for ``tau_refrac`` ms after a spike (1 step at the
    default 0.1 ms and dt = 0.1 ms) ``v`` is held at ``v_reset`` and no
    spike is emitted; ``w += b`` is applied once, at the spike; ``w`` and the
    conductances keep being integrated.
    """

    summary = "Adaptive exponential integrate-and-fire neuron with exponential conductances."
    defaults = dict(_EIF_DEFAULTS)

    def _definition(self, p):
        return _eif_definition(self._numbers(p), "g_exc", "g_inh", _EXP_EQS)


class EIF_cond_alpha_isfa_ista(StandardNeuron):
    """Adaptive exponential integrate-and-fire (Brette & Gerstner 2005),
    alpha-shaped conductances.

    Same as :class:`EIF_cond_exp_isfa_ista` except that the membrane sees
    alpha-shaped conductances (see :class:`IF_curr_alpha` for their form)::

        I = alpha_exc * (e_rev_E - v) + alpha_inh * (e_rev_I - v) + i_offset
        tau_m * dv/dt = v_rest - v + delta_T * exp((v - v_thresh)/delta_T)
                        + tau_m/cm * (I - w)
        tau_w * dw/dt = a * (v - v_rest) / 1000 - w
        tau_syn_E * dg_exc/dt     = -g_exc
        tau_syn_E * dalpha_exc/dt = exp(1 - dt/(2 tau_syn_E)) * g_exc - alpha_exc
        (same for g_inh, alpha_inh with tau_syn_I)

    Spike when ``v > v_spike``; reset ``v = v_reset`` and ``w += b``.
    """ + _EIF_TABLE + """
    Integration: explicit Euler for ``v`` and ``w``, exponential Euler for the
    synaptic variables; every derivative from the state at the start of the
    step.

    Refractoriness: as :class:`EIF_cond_exp_isfa_ista` (``v`` held at
    ``v_reset`` for ``tau_refrac`` ms, ``w += b`` once at the spike).
    """

    summary = "Adaptive exponential integrate-and-fire neuron with alpha-shaped conductances."
    defaults = dict(_EIF_DEFAULTS)

    def _definition(self, p):
        return _eif_definition(self._numbers(p), "alpha_exc", "alpha_inh", _ALPHA_EQS)


# --- Hodgkin-Huxley ------------------------------------------------------------------

class HH_cond_exp(StandardNeuron):
    """Single-compartment Hodgkin-Huxley neuron with Traub & Miles' sodium and
    delayed-rectifier potassium channels, exponentially decaying conductances.

    With ``V = v - v_offset`` (so the rates are those of Traub & Miles 1991
    shifted by ``v_offset``)::

        alpha_n = 0.032 * (15 - V) / (exp((15 - V)/5) - 1)
        beta_n  = 0.5 * exp((10 - V)/40)
        alpha_m = 0.32 * (13 - V) / (exp((13 - V)/4) - 1)
        beta_m  = 0.28 * (V - 40) / (exp((V - 40)/5) - 1)
        alpha_h = 0.128 * exp((17 - V)/18)
        beta_h  = 4 / (1 + exp((40 - V)/5))

        dn/dt = alpha_n * (1 - n) - beta_n * n      (same for m, h)
        cm * dv/dt = gleak * (e_rev_leak - v) + gbar_K * n^4 * (e_rev_K - v)
                     + gbar_Na * m^3 * h * (e_rev_Na - v)
                     + g_exc * (e_rev_E - v) + g_inh * (e_rev_I - v) + i_offset
        tau_syn_E * dg_exc/dt = -g_exc
        tau_syn_I * dg_inh/dt = -g_inh

    The rates are exposed as variables ``an, bn, am, bm, ah, bh``; ``prev_v``
    holds ``v`` at the start of the step. A spike is emitted once per action
    potential, on the step where ``v`` crosses ``v_thresh`` upwards
    (``v > v_thresh and prev_v <= v_thresh``). There is no reset.
    Initial state: ``v = e_rev_leak``, ``n = m = 0``, ``h = 1``.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    gbar_Na     20.0      uS     maximal sodium conductance
    gbar_K      6.0       uS     maximal potassium conductance
    gleak       0.01      uS     leak conductance
    cm          0.2       nF     membrane capacitance
    v_offset    -63.0     mV     voltage offset of the rate functions
    e_rev_Na    50.0      mV     sodium reversal potential
    e_rev_K     -90.0     mV     potassium reversal potential
    e_rev_leak  -65.0     mV     leak reversal potential (and initial v)
    e_rev_E     0.0       mV     excitatory reversal potential
    e_rev_I     -80.0     mV     inhibitory reversal potential
    tau_syn_E   0.2       ms     decay time of the excitatory conductance
    tau_syn_I   2.0       ms     decay time of the inhibitory conductance
    i_offset    0.0       nA     constant injected current
    v_thresh    0.0       mV     spike detection threshold
    ==========  ========  =====  ==============================================

    Integration: exponential Euler for every equation (each is linear in its
    own variable): with coefficients taken at the start of the step,
    ``x <- x_inf + (x - x_inf) * exp(-dt/tau_x)``, e.g. for n
    ``tau_n = 1/(alpha_n + beta_n)``, ``n_inf = alpha_n * tau_n``.

    Refractoriness: none (the upward-crossing test makes one spike per action
    potential).

    Difference with ANNarchy: ANNarchy (4.x) writes
    ``beta_h = 4 / (1 + exp(10 - V))``, which departs from Traub & Miles, from
    PyNN's ``HH_cond_exp`` and from NEST's ``hh_cond_exp_traub`` (all
    ``4 / (1 + exp((40 - V)/5))``), and with which the default cell emits no
    action potential for any moderate current. This model uses the standard
    Traub form.
    """

    summary = "Hodgkin-Huxley neuron (Traub & Miles channels) with exponential conductances."
    defaults = {
        "gbar_Na": 20.0, "gbar_K": 6.0, "gleak": 0.01, "cm": 0.2,
        "v_offset": -63.0, "e_rev_Na": 50.0, "e_rev_K": -90.0,
        "e_rev_leak": -65.0, "e_rev_E": 0.0, "e_rev_I": -80.0,
        "tau_syn_E": 0.2, "tau_syn_I": 2.0, "i_offset": 0.0, "v_thresh": 0.0,
    }

    def _definition(self, p):
        return dict(
            parameters=_parameter_block(self._numbers(p)),
            equations="\n".join([
                "prev_v = v",
                "an = 0.032 * (15.0 - v + v_offset) / (exp((15.0 - v + v_offset) / 5.0) - 1.0)",
                "bn = 0.5 * exp((10.0 - v + v_offset) / 40.0)",
                "am = 0.32 * (13.0 - v + v_offset) / (exp((13.0 - v + v_offset) / 4.0) - 1.0)",
                "bm = 0.28 * (v - v_offset - 40.0) / (exp((v - v_offset - 40.0) / 5.0) - 1.0)",
                "ah = 0.128 * exp((17.0 - v + v_offset) / 18.0)",
                "bh = 4.0 / (1.0 + exp((40.0 - v + v_offset) / 5.0))",
                "dn/dt = an * (1.0 - n) - bn * n : exponential, init = 0.0",
                "dm/dt = am * (1.0 - m) - bm * m : exponential, init = 0.0",
                "dh/dt = ah * (1.0 - h) - bh * h : exponential, init = 1.0",
                "cm * dv/dt = gleak * (e_rev_leak - v) + gbar_K * n^4 * (e_rev_K - v)"
                " + gbar_Na * m^3 * h * (e_rev_Na - v)"
                " + g_exc * (e_rev_E - v) + g_inh * (e_rev_I - v) + i_offset"
                f" : exponential, init = {p['e_rev_leak']!r}",
                *_EXP_EQS,
            ]),
            spike="v > v_thresh and prev_v <= v_thresh",
        )


def list_standard_neurons() -> list[type[StandardNeuron]]:
    """The built-in neuron model classes, in documentation order."""
    return [
        LeakyIntegrator, Izhikevich, IF_curr_exp, IF_cond_exp, IF_curr_alpha,
        IF_cond_alpha, HH_cond_exp, EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista,
    ]
