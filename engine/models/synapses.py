"""Built-in synapse models, written in the engine's text language.

Two families, each under the names and parameter names of its simulator:

- **ANNarchy's** standard synapses (``ANNarchy/models/Synapses.py``) with
  ANNarchy's equations and defaults: :class:`Hebb`, :class:`Oja` and
  :class:`IBCM` (rate-coded), :class:`STP` (Tsodyks-Markram short-term
  plasticity) and :class:`STDP` (pair-based, online traces); plus
  :class:`TripletSTDP` (Pfister & Gerstner 2006), named as in the paper.
- **NEST's** synapse models with NEST's parameter names and defaults, for
  models and files written for NEST (SONATA): :class:`static_synapse`,
  :class:`stdp_synapse`, :class:`tsodyks_synapse`, :class:`tsodyks2_synapse`.

Every model is a subclass of :class:`~engine.language.models.Synapse`,
usable as the class (``net.connect(a, b, "exc", synapse=STDP)``: the runtime
calls ``STDP()``) or as an instance with keyword overrides of the defaults
(``STDP(tau_plus=10.0, A_minus=0.0105)``). An unknown keyword or a value that
is not a finite real number raises :class:`~engine.errors.ModelError` naming
the model, the keyword and the valid keywords; a few models also reject
values that make no sense (``U`` outside [0, 1], a non-positive time
constant), as their simulator does. After the projection is created every
parameter can still be changed (``proj.tau_plus = 10.0``); the tables say
whether a parameter holds one value per synapse, per post-synaptic neuron
("postsynaptic") or per projection ("projection").

Timing convention of the engine (see ``engine/codegen/synapse_code.py``)
-------------------------------------------------------------------------
- A pre-synaptic spike emitted during step ``k`` reaches its synapses during
  step ``k + 1`` (the minimal delay of one step), or during step ``k + d``
  with a projection delay of ``d*dt`` ms (``d >= 1``). ``pre_spike`` runs then, at the start of the
  step, before the neurons are updated, with ``t = (k + 1)*dt``: its
  ``g_target += ...`` is seen by the post-synaptic neuron in that same step.
- ``post_spike`` runs in the step of the post-synaptic spike, after all the
  neurons are updated.
- Event-driven variables (``: event-driven``: linear ODEs with constant
  coefficients, such as STDP traces or the resources of Tsodyks-Markram
  synapses) are brought to their exact value at each event of their
  synapse. As in ANNarchy, a ``post_spike`` sees them as of its own step,
  a ``pre_spike`` (which runs before the neurons) as of the previous step.
- So, for a pair-based rule, a pre-synaptic spike emitted in step ``k_pre``
  and a post-synaptic spike in step ``k_post`` (default delay) potentiate by
  ``A_plus*exp(-(k_post - k_pre - 1)*dt/tau_plus)`` when ``k_post > k_pre``
  and depress by ``A_minus*exp(-(k_pre - k_post)*dt/tau_minus)`` otherwise:
  a pre spike emitted in the step of the post spike gets the full
  depression, one emitted a step earlier the full potentiation, exactly as
  ANNarchy (tests/engine/runtime/test_peer_event_driven.py compares with
  ANNarchy 5's own numbers).
- Learning switch (as ANNarchy): :meth:`Network.disable_learning` freezes
  only the weight ``w`` of spiking synapses; traces and the
  short-term-plasticity variables of :class:`STP` and the Tsodyks synapses
  keep following the spikes, and transmission continues. Rate-coded
  synapses freeze all their variables.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, ClassVar, Mapping

from engine.errors import ModelError
from engine.language.models import Synapse
from engine.models.neurons import (
    _keyword_signature, _number_text, _rebuild, _unknown_keyword_error,
)

__all__ = [
    "StandardSynapse",
    "Hebb",
    "Oja",
    "IBCM",
    "STP",
    "STDP",
    "TripletSTDP",
    "static_synapse",
    "stdp_synapse",
    "tsodyks_synapse",
    "tsodyks2_synapse",
    "list_standard_synapses",
]


# --- helpers ---------------------------------------------------------------------------

_SCOPE_FLAGS = {"local": "", "projection": " : projection", "postsynaptic": " : postsynaptic"}


def _parameters(values: Mapping[str, float], names, scope: str = "local") -> str:
    """``name = value [: projection]`` lines for ``names`` (in that order)."""
    flag = _SCOPE_FLAGS[scope]
    return "\n".join(f"{n} = {values[n]!r}{flag}" for n in names)


def _lines(*lines: str) -> str:
    return "\n".join(lines)


_TIMING = """
    Timing: a pre-synaptic spike emitted at step k reaches the synapse at
    step k+1 (t = (k+1)*dt), or at step k+d with a projection delay of
    d*dt ms; ``pre_spike`` runs then, before the neurons are updated. ``post_spike`` runs in the step of
    the post-synaptic spike, after the neurons are updated. Event-driven
    variables (traces) are seen by ``post_spike`` as of its step and by
    ``pre_spike`` as of the step before (as ANNarchy). With a delay of one
    step, a pair whose pre spike is emitted ``k`` steps before the post spike
    potentiates by ``exp(-(k - 1)*dt/tau)`` (``k >= 1``) and one whose pre
    spike comes ``k`` steps after it depresses by ``exp(-k*dt/tau)``
    (``k >= 0``, full depression when both are in the same step).
"""

_CONNECTOR = {
    "weight": "the weights are set by the connector, e.g. "
              "proj.fixed_probability(0.1, weights=1.0) (NEST's default weight is 1.0)",
    "delay": "delays are set by the connector, e.g. proj.all_to_all(weights=1.0, delays=1.0) "
             "in ms (NEST's default delay is 1.0 ms; the engine's is one step)",
}

_NEST_WEIGHTS = """
    Weight and delay: NEST's ``weight`` and ``delay`` are the connector's
    ``weights=`` and ``delays=`` here (``proj.all_to_all(weights=1.0,
    delays=1.0)``); passing them to the model raises a ``ModelError`` that
    says so. NEST's defaults are ``weight = 1.0`` and ``delay = 1.0`` ms; the
    engine's default delay is one step (``dt``), so give ``delays=1.0`` to
    reproduce NEST's timing.
"""

# shared docstring paragraphs, pasted where a docstring has the marker line
_DOC_PARTS = {"    [timing]": _TIMING.strip("\n"), "    [nest-weights]": _NEST_WEIGHTS.strip("\n")}


# --- base class --------------------------------------------------------------------------

class StandardSynapse(Synapse):
    """Base class of the built-in synapses (keyword-only overrides of defaults).

    Subclasses declare

    ``defaults``
        ordered mapping keyword -> default number (parameters, and initial
        values of state variables for the NEST models);
    ``switches``
        mapping keyword -> default ``bool`` for options that change the
        equations (``nearest`` of :class:`TripletSTDP`);
    ``aliases``
        other spellings accepted for a keyword (NEST's ``lambda``, a Python
        keyword, is the parameter ``lambda_``);
    ``connector_keywords``
        keywords that belong to the connector in this engine (``weight``,
        ``delay``): passing one raises a :class:`ModelError` saying where it
        goes;
    ``summary``
        one-line description;

    and implement :meth:`_definition`, which returns the keyword arguments of
    :class:`Synapse` (``parameters``, ``equations``, ``psp``, ``pre_spike``,
    ``post_spike``, ``functions``) built from the resolved values, and
    optionally :meth:`_check` to reject values the model cannot use.

    Attributes
    ----------
    values : mapping
        The keyword values of this instance (defaults merged with the
        overrides; numbers as floats, switches as bools).
    overrides : mapping
        Only the keywords the user passed (as spelled).
    """

    defaults: ClassVar[Mapping[str, float]] = MappingProxyType({})
    switches: ClassVar[Mapping[str, bool]] = MappingProxyType({})
    aliases: ClassVar[Mapping[str, str]] = MappingProxyType({})
    connector_keywords: ClassVar[Mapping[str, str]] = MappingProxyType({})
    summary: ClassVar[str] = ""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls.defaults = MappingProxyType(dict(cls.defaults))
        cls.switches = MappingProxyType(dict(cls.switches))
        cls.aliases = MappingProxyType(dict(cls.aliases))
        cls.connector_keywords = MappingProxyType(dict(cls.connector_keywords))
        if cls.__doc__:
            for marker, text in _DOC_PARTS.items():
                cls.__doc__ = cls.__doc__.replace(marker, text)
        cls.__signature__ = _keyword_signature({**cls.defaults, **cls.switches})

    def __init__(self, **overrides):
        cls = type(self)
        if cls is StandardSynapse:
            raise ModelError(
                "StandardSynapse is an abstract base: use one of "
                + ", ".join(m.__name__ for m in list_standard_synapses())
            )
        values = self._resolve(overrides)
        self._check(values)
        self.overrides = MappingProxyType(dict(overrides))
        self.values = MappingProxyType(values)
        definition = self._definition(values)
        Synapse.__init__(self, name=cls.__name__, description=cls.summary, **definition)

    # keyword checking ------------------------------------------------------------------

    @classmethod
    def valid_keywords(cls) -> tuple[str, ...]:
        """Every keyword the constructor accepts, in table order (aliases last)."""
        return tuple(cls.defaults) + tuple(cls.switches) + tuple(cls.aliases)

    @classmethod
    def _unknown_keyword(cls, key: str) -> ModelError:
        return _unknown_keyword_error(cls.__name__, key, cls.valid_keywords())

    def _resolve(self, overrides: dict) -> dict[str, Any]:
        cls = type(self)
        name = cls.__name__
        given: dict[str, Any] = {}
        for key, value in overrides.items():
            if key in cls.connector_keywords:
                raise ModelError(f"{name}: '{key}' is not a parameter of the synapse model "
                                 f"in this engine: {cls.connector_keywords[key]}")
            canonical = cls.aliases.get(key, key)
            if canonical not in cls.defaults and canonical not in cls.switches:
                raise cls._unknown_keyword(key)
            if canonical in given:
                raise ModelError(f"{name}: '{key}' given twice (also as "
                                 f"'{[k for k in overrides if cls.aliases.get(k, k) == canonical][0]}')")
            given[canonical] = value
        values: dict[str, Any] = {}
        for key, default in cls.defaults.items():
            value = given.get(key, default)
            _number_text(name, key, value)  # validates: real, finite, not bool
            values[key] = float(value)
        for key, default in cls.switches.items():
            value = given.get(key, default)
            if not isinstance(value, bool):
                raise ModelError(f"{name}: '{key}' must be True or False, got {value!r} "
                                 f"({type(value).__name__})")
            values[key] = value
        return values

    def _check(self, values: Mapping[str, Any]) -> None:
        """Reject values the model cannot use (subclasses)."""

    def _require(self, condition: bool, message: str) -> None:
        if not condition:
            raise ModelError(f"{type(self).__name__}: {message}")

    def _definition(self, values: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    # conveniences ----------------------------------------------------------------------

    def __repr__(self) -> str:
        # aliases such as 'lambda' are not valid Python keywords: show the parameter
        args = ", ".join(f"{type(self).aliases.get(k, k)}={v!r}"
                         for k, v in self.overrides.items())
        return f"{type(self).__name__}({args})"

    def __reduce__(self):
        return (_rebuild, (type(self), dict(self.overrides)))


# --- rate-coded (ANNarchy) ---------------------------------------------------------------

class Hebb(StandardSynapse):
    """Rate-coded synapse with Hebbian plasticity (ANNarchy's ``Hebb``).

    Equations::

        dw/dt = eta * pre.r * post.r        (min = 0, explicit Euler)

    Transmission: ``w * pre.r`` (summed into ``sum(target)``).

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    eta         0.01      1/ms   learning rate (projection)
    ==========  ========  =====  ==============================================

    Each learning step adds ``eta * pre.r * post.r * dt`` to ``w`` and clips
    it at 0. Timing: the equations run after the neurons are updated, with
    the rates of the current step; ``post.r`` reflects the input summed at
    the start of the step, so it lags ``pre.r`` by one step.

    Reference: Hebb, D. O. (1949). The Organization of Behavior. Wiley.
    """

    summary = "Rate-coded Hebbian learning (ANNarchy's Hebb)."
    defaults = {"eta": 0.01}

    def _definition(self, p):
        return dict(
            parameters=_parameters(p, ["eta"], "projection"),
            equations="dw/dt = eta * pre.r * post.r : min = 0.0, explicit",
        )


class Oja(StandardSynapse):
    """Rate-coded synapse with Oja's normalised Hebbian rule (ANNarchy's ``Oja``).

    Equations::

        dw/dt = eta * (pre.r * post.r - alpha * post.r^2 * w)   (min = 0, explicit)

    Transmission: ``w * pre.r``.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    eta         0.01      1/ms   learning rate (projection)
    alpha       1.0       --     regularisation coefficient (projection)
    ==========  ========  =====  ==============================================

    For a linear post-synaptic neuron (``r = sum(exc)``) the weight vector
    of its dendrite converges to the first principal component of the
    inputs, with norm ``1/sqrt(alpha)``. Timing as :class:`Hebb`.

    Reference: Oja, E. (1982). Simplified neuron model as a principal
    component analyzer. J. Math. Biol. 15:267-273.
    """

    summary = "Rate-coded Oja rule (ANNarchy's Oja)."
    defaults = {"eta": 0.01, "alpha": 1.0}

    def _definition(self, p):
        return dict(
            parameters=_parameters(p, ["eta", "alpha"], "projection"),
            equations="dw/dt = eta * (pre.r * post.r - alpha * post.r^2 * w)"
                      " : min = 0.0, explicit",
        )


class IBCM(StandardSynapse):
    """Rate-coded synapse with the BCM rule of Intrator & Cooper (1992)
    (ANNarchy's ``IBCM``).

    Equations::

        tau * dtheta/dt + theta = post.r^2                 (postsynaptic, exponential)
        dw/dt = eta * post.r * (post.r - theta) * pre.r    (min = 0, explicit)

    ``theta`` is a sliding threshold, one per post-synaptic neuron
    (``proj.theta``): a running average of ``post.r^2`` over ``tau``.
    Transmission: ``w * pre.r``.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    eta         0.01      1/ms   learning rate (projection)
    tau         2000.0    ms     time constant of the threshold (projection)
    ==========  ========  =====  ==============================================

    ``theta`` is updated before ``w`` in each learning step (exponential
    Euler: exact for a constant ``post.r``), and ``w`` then takes one
    explicit Euler step with the new ``theta``, as in ANNarchy (which updates
    the post-synaptic variables in a loop before the per-synapse ones).
    Timing as :class:`Hebb`.

    Reference: Intrator, N. and Cooper, L. N. (1992). Objective function
    formulation of the BCM theory of visual cortical plasticity. Neural
    Networks 5:3-17.
    """

    summary = "Rate-coded BCM rule with a sliding threshold (ANNarchy's IBCM)."
    defaults = {"eta": 0.01, "tau": 2000.0}

    def _check(self, p):
        self._require(p["tau"] > 0, f"tau must be > 0 ms, got {p['tau']!r}")

    def _definition(self, p):
        return dict(
            parameters=_parameters(p, ["eta", "tau"], "projection"),
            equations=_lines(
                "tau * dtheta/dt + theta = post.r^2 : postsynaptic, exponential",
                "dw/dt = eta * post.r * (post.r - theta) * pre.r : min = 0.0",
            ),
        )


# --- short-term plasticity (ANNarchy) -----------------------------------------------------

class STP(StandardSynapse):
    """Tsodyks-Markram short-term depression and facilitation (ANNarchy's ``STP``).

    ANNarchy's model::

        dx/dt = (1 - x)/tau_rec              (resources, x(0) = 1)
        du/dt = (U - u)/tau_facil            (utilisation, u(0) = U)
        pre_spike:  g_target += w * u * x
                    x *= (1 - u)
                    u += U * (1 - u)

    Both ODEs are event-driven: ``x`` and ``u`` change only at
    pre-synaptic spikes, where they jump to the exact solution of their ODE
    since the synapse's previous event. As in ANNarchy, a pre-synaptic event
    sees them as of the previous step, so for spikes ``Delta`` apart (at
    the synapse) the n-th spike transmits ``w * u_n * x_n`` with
    ``x_{n+1} = 1 - (1 - x_n (1 - u_n)) exp(-(Delta - dt)/tau_rec)``,
    ``u_{n+1} = U + (u_n + U (1 - u_n) - U) exp(-(Delta - dt)/tau_facil)``,
    ``x_1 = 1``, ``u_1 = U``. ``proj.x`` and ``proj.u`` hold the values after
    the last spike, as in ANNarchy.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    tau_rec     100.0     ms     recovery time constant of x (projection)
    tau_facil   0.01      ms     time constant of u's return to U (projection);
                                 must be > 0, a tiny value means no facilitation
    U           0.5       --     utilisation increment and resting value of u
                                 (per synapse)
    ==========  ========  =====  ==============================================

    The time constant of the post-synaptic current or conductance is the
    post-synaptic neuron's (e.g. ``tau_syn_E`` of ``IF_cond_exp``).

    [timing]

    Differences with ANNarchy: none (the same equations; the same numbers,
    tests/engine/runtime/test_peer_event_driven.py). ``disable_learning()``
    freezes ``w`` only: ``x`` and ``u`` keep following the spikes (ANNarchy).

    Reference: Tsodyks, M., Uziel, A. and Markram, H. (2000). Synchrony
    generation in recurrent networks with frequency-dependent synapses.
    J. Neurosci. 20:RC50.
    """

    summary = "Tsodyks-Markram short-term depression and facilitation (ANNarchy's STP)."
    defaults = {"tau_rec": 100.0, "tau_facil": 0.01, "U": 0.5}

    def _check(self, p):
        self._require(p["tau_rec"] > 0, f"tau_rec must be > 0 ms, got {p['tau_rec']!r}")
        self._require(p["tau_facil"] > 0,
                      f"tau_facil must be > 0 ms (choose a very small value for no "
                      f"facilitation), got {p['tau_facil']!r}")

    def _definition(self, p):
        return dict(
            parameters=_lines(_parameters(p, ["tau_rec", "tau_facil"], "projection"),
                              _parameters(p, ["U"])),
            equations=_lines(
                "dx/dt = (1 - x)/tau_rec : init = 1.0, event-driven",
                "du/dt = (U - u)/tau_facil : init = U, event-driven",
            ),
            pre_spike=_lines(
                "g_target += w * u * x",
                "x *= (1 - u)",
                "u += U * (1 - u)",
            ),
        )


# --- spike-timing-dependent plasticity (ANNarchy) ----------------------------------------

class STDP(StandardSynapse):
    """Pair-based spike-timing-dependent plasticity, online traces
    (ANNarchy's ``STDP``, after Song & Abbott 2001).

    Equations::

        tau_plus  * dx/dt = -x               (event-driven, pre-synaptic trace)
        tau_minus * dy/dt = -y               (event-driven, post-synaptic trace, <= 0)
        pre_spike:  g_target += w
                    x += A_plus * w_max
                    w = clip(w + y, w_min, w_max)
        post_spike: y -= A_minus * w_max
                    w = clip(w + x, w_min, w_max)

    A lone pair whose pre spike arrives ``s >= 0`` ms before (or in the
    step of) the post spike changes ``w`` by ``A_plus * w_max *
    exp(-s/tau_plus)``; one whose pre spike arrives after it, ``s`` ms after
    the step of the post spike *minus one step*, by ``-A_minus * w_max *
    exp(-s/tau_minus)`` (the timing below; ANNarchy's numbers exactly). All
    pairs add up (all-to-all interaction), within ``[w_min, w_max]``. The
    weight is transmitted before it changes.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    tau_plus    20.0      ms     time constant of the pre-synaptic trace x
    tau_minus   20.0      ms     time constant of the post-synaptic trace y
    A_plus      0.01      --     potentiation per pair, in units of w_max
    A_minus     0.01      --     depression per pair, in units of w_max
    w_min       0.0       --     lower bound of w
    w_max       1.0       --     upper bound of w
    ==========  ========  =====  ==============================================

    All parameters are projection-wide.

    [timing]

    Reference: Song, S. and Abbott, L. F. (2001). Cortical development and
    remapping through spike timing-dependent plasticity. Neuron 32:339-350.
    """

    summary = "Pair-based STDP with online traces (ANNarchy's STDP)."
    defaults = {"tau_plus": 20.0, "tau_minus": 20.0, "A_plus": 0.01, "A_minus": 0.01,
                "w_min": 0.0, "w_max": 1.0}

    def _check(self, p):
        for k in ("tau_plus", "tau_minus"):
            self._require(p[k] > 0, f"{k} must be > 0 ms, got {p[k]!r}")
        self._require(p["w_min"] <= p["w_max"],
                      f"w_min ({p['w_min']!r}) must not exceed w_max ({p['w_max']!r})")

    def _definition(self, p):
        return dict(
            parameters=_parameters(p, list(self.defaults), "projection"),
            equations=_lines(
                "tau_plus * dx/dt = -x : event-driven",
                "tau_minus * dy/dt = -y : event-driven",
            ),
            pre_spike=_lines(
                "g_target += w",
                "x += A_plus * w_max",
                "w = clip(w + y, w_min, w_max)",
            ),
            post_spike=_lines(
                "y -= A_minus * w_max",
                "w = clip(w + x, w_min, w_max)",
            ),
        )


class TripletSTDP(StandardSynapse):
    """Triplet spike-timing-dependent plasticity (Pfister & Gerstner 2006),
    online traces, all-to-all or nearest-spike interaction.

    Equations (the paper's eqs. 3-4, with its names)::

        tau_plus  * dr1/dt = -r1     tau_x * dr2/dt = -r2     (pre-synaptic traces)
        tau_minus * do1/dt = -o1     tau_y * do2/dt = -o2     (post-synaptic traces)
        pre_spike:  g_target += w
                    w = clip(w - o1 * (A2_minus + A3_minus * r2), w_min, w_max)
                    r1 += 1 ; r2 += 1          (nearest: r1 = 1 ; r2 = 1)
        post_spike: w = clip(w + r1 * (A2_plus + A3_plus * o2), w_min, w_max)
                    o1 += 1 ; o2 += 1          (nearest: o1 = 1 ; o2 = 1)

    All traces are event-driven (exact decays). The triplet terms read
    ``r2``/``o2`` just before their own increment (the paper's
    ``t - epsilon``). With ``nearest=True`` the traces are set to 1 instead
    of incremented (the paper's nearest-spike interaction).

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    tau_plus    16.8      ms     time constant of r1 (pair potentiation)
    tau_minus   33.7      ms     time constant of o1 (pair depression)
    tau_x       101.0     ms     time constant of r2 (triplet depression)
    tau_y       114.0     ms     time constant of o2 (triplet potentiation)
    A2_plus     0.0       --     pair potentiation amplitude
    A3_plus     6.5e-3    --     triplet potentiation amplitude
    A2_minus    7.1e-3    --     pair depression amplitude
    A3_minus    0.0       --     triplet depression amplitude
    w_min       0.0       --     lower bound of w
    w_max       1.0       --     upper bound of w
    nearest     False     --     nearest-spike instead of all-to-all traces
    ==========  ========  =====  ==============================================

    All numeric parameters are projection-wide. The defaults are the
    paper's minimal all-to-all model fitted to visual cortex data (Table 3:
    A2+ = 0, A3+ = 6.5e-3, A2- = 7.1e-3, A3- = 0, tau_y = 114 ms; tau_x is
    unused when A3- = 0, 101 ms is the full model's value; tau_plus and
    tau_minus are fixed in the paper). :attr:`PARAMETER_SETS` holds this
    set, the minimal nearest-spike set (use with ``nearest=True``) and the
    full all-to-all set. The paper's rule has no bounds; the defaults
    ``[0, 1]`` follow :class:`STDP`.

    [timing]

    Reference: Pfister, J.-P. and Gerstner, W. (2006). Triplets of spikes
    in a model of spike timing-dependent plasticity. J. Neurosci.
    26:9673-9682.
    """

    summary = "Triplet STDP of Pfister & Gerstner (2006), all-to-all or nearest-spike."
    defaults = {"tau_plus": 16.8, "tau_minus": 33.7, "tau_x": 101.0, "tau_y": 114.0,
                "A2_plus": 0.0, "A3_plus": 6.5e-3, "A2_minus": 7.1e-3, "A3_minus": 0.0,
                "w_min": 0.0, "w_max": 1.0}
    switches = {"nearest": False}

    #: Parameter sets of Pfister & Gerstner (2006), visual cortex data
    #: (``TripletSTDP(**TripletSTDP.PARAMETER_SETS["minimal_nearest"], nearest=True)``).
    PARAMETER_SETS: ClassVar[Mapping[str, Mapping[str, float]]] = MappingProxyType({
        "minimal_all_to_all": MappingProxyType(
            {"A2_plus": 0.0, "A3_plus": 6.5e-3, "A2_minus": 7.1e-3, "A3_minus": 0.0,
             "tau_x": 101.0, "tau_y": 114.0}),
        "minimal_nearest": MappingProxyType(
            {"A2_plus": 0.0, "A3_plus": 5e-2, "A2_minus": 8e-3, "A3_minus": 0.0,
             "tau_y": 40.0}),
        "full_all_to_all": MappingProxyType(
            {"A2_plus": 5e-10, "A3_plus": 6.2e-3, "A2_minus": 7e-3, "A3_minus": 2.3e-4,
             "tau_x": 101.0, "tau_y": 125.0}),
    })

    def _check(self, p):
        for k in ("tau_plus", "tau_minus", "tau_x", "tau_y"):
            self._require(p[k] > 0, f"{k} must be > 0 ms, got {p[k]!r}")
        self._require(p["w_min"] <= p["w_max"],
                      f"w_min ({p['w_min']!r}) must not exceed w_max ({p['w_max']!r})")

    def _definition(self, p):
        def bump(trace):
            return f"{trace} = 1.0" if p["nearest"] else f"{trace} += 1.0"

        return dict(
            parameters=_parameters(p, list(self.defaults), "projection"),
            equations=_lines(
                "tau_plus * dr1/dt = -r1 : event-driven",
                "tau_x * dr2/dt = -r2 : event-driven",
                "tau_minus * do1/dt = -o1 : event-driven",
                "tau_y * do2/dt = -o2 : event-driven",
            ),
            pre_spike=_lines(
                "g_target += w",
                "w = clip(w - o1 * (A2_minus + A3_minus * r2), w_min, w_max)",
                bump("r1"),
                bump("r2"),
            ),
            post_spike=_lines(
                "w = clip(w + r1 * (A2_plus + A3_plus * o2), w_min, w_max)",
                bump("o1"),
                bump("o2"),
            ),
        )


# --- NEST models ---------------------------------------------------------------------------

class static_synapse(StandardSynapse):
    """NEST's ``static_synapse``: a fixed weight added to the target at each
    pre-synaptic spike.

    Equations::

        pre_spike: g_target += w

    No parameters.

    [nest-weights]

    With a current-based neuron (``IF_curr_exp``) ``w`` is a current jump
    (NEST: pA; PyNN units here: nA), with a conductance-based one
    (``IF_cond_exp``) a conductance jump (NEST: nS; here uS).

    [timing]

    Reference: NEST ``static_synapse`` (models/static_synapse.h).
    """

    summary = "Fixed-weight spike transmission (NEST's static_synapse)."
    connector_keywords = _CONNECTOR

    def _definition(self, p):
        return dict(pre_spike="g_target += w")


class stdp_synapse(StandardSynapse):
    """NEST's ``stdp_synapse``: pair-based STDP with power-law weight
    dependence (Guetig et al. 2003), all-to-all interaction.

    With ``w_hat = w / Wmax`` and two traces incremented by 1 per spike::

        tau_plus  * dKplus/dt  = -Kplus       (event-driven, pre-synaptic)
        tau_minus * dKminus/dt = -Kminus      (event-driven, post-synaptic)
        pre_spike:  w = Wmax * max(w_hat - alpha * lambda_ * w_hat^mu_minus * Kminus, 0)
                    g_target += w
                    Kplus += 1
        post_spike: w = Wmax * min(w_hat + lambda_ * (1 - w_hat)^mu_plus * Kplus, 1)
                    Kminus += 1

    ``mu_plus = mu_minus = 0`` is the additive rule (Song et al. 2000),
    ``mu_plus = mu_minus = 1`` the multiplicative one (van Rossum et al. 2000,
    NEST's default): potentiation scales with ``1 - w/Wmax``, depression
    with ``w/Wmax``. As in NEST, the weight is depressed before it is
    transmitted.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    tau_plus    20.0      ms     time constant of the pre-synaptic trace
    tau_minus   20.0      ms     time constant of the post-synaptic trace
                                 (NEST: a parameter of the post neuron)
    lambda      0.01      --     step size (model parameter ``lambda_``)
    alpha       1.0       --     asymmetry: depression is alpha * lambda
    mu_plus     1.0       --     weight-dependence exponent, potentiation
    mu_minus    1.0       --     weight-dependence exponent, depression
    Wmax        100.0     --     maximal weight (same sign as the weights)
    Kplus       0.0       --     initial pre-synaptic trace
    ==========  ========  =====  ==============================================

    ``lambda`` is a Python keyword: pass it as ``stdp_synapse(lambda_=0.02)``
    or ``stdp_synapse(**{"lambda": 0.02})``; the projection attribute is
    ``proj.lambda_``. All parameters are per synapse, as in NEST.

    [nest-weights]

    [timing]

    Differences with NEST: ``tau_minus`` belongs to the synapse (NEST reads
    it from the post-synaptic neuron, default 20 ms) and the post-synaptic
    trace ``Kminus`` is kept per synapse (same values); potentiation is
    applied at the post-synaptic spike (NEST applies it lazily at the next
    pre-synaptic spike, with the same result once that spike has arrived);
    spike times are those the engine sees (above), whereas NEST shifts the
    post-synaptic spikes by the dendritic delay.

    References: NEST ``stdp_synapse`` (models/stdp_synapse.h); Guetig, R.,
    Aharonov, R., Rotter, S. and Sompolinsky, H. (2003). Learning input
    correlations through nonlinear temporally asymmetric Hebbian
    plasticity. J. Neurosci. 23:3697-3714.
    """

    summary = "Pair STDP with power-law weight dependence (NEST's stdp_synapse)."
    defaults = {"tau_plus": 20.0, "tau_minus": 20.0, "lambda_": 0.01, "alpha": 1.0,
                "mu_plus": 1.0, "mu_minus": 1.0, "Wmax": 100.0, "Kplus": 0.0}
    aliases = {"lambda": "lambda_"}
    connector_keywords = _CONNECTOR

    def _check(self, p):
        for k in ("tau_plus", "tau_minus"):
            self._require(p[k] > 0, f"{k} must be > 0 ms, got {p[k]!r}")
        self._require(p["Wmax"] != 0, "Wmax must not be 0")
        self._require(p["Kplus"] >= 0, f"Kplus must be non-negative, got {p['Kplus']!r}")

    def _definition(self, p):
        names = ["tau_plus", "tau_minus", "lambda_", "alpha", "mu_plus", "mu_minus", "Wmax"]
        return dict(
            parameters=_parameters(p, names),
            equations=_lines(
                f"tau_plus * dKplus/dt = -Kplus : init = {p['Kplus']!r}, event-driven",
                "tau_minus * dKminus/dt = -Kminus : init = 0.0, event-driven",
            ),
            pre_spike=_lines(
                "w = Wmax * max(w / Wmax - alpha * lambda_ * (w / Wmax)^mu_minus * Kminus, 0.0)",
                "g_target += w",
                "Kplus += 1.0",
            ),
            post_spike=_lines(
                "w = Wmax * min(w / Wmax + lambda_ * (1.0 - w / Wmax)^mu_plus * Kplus, 1.0)",
                "Kminus += 1.0",
            ),
        )


class tsodyks_synapse(StandardSynapse):
    """NEST's ``tsodyks_synapse``: Tsodyks-Markram short-term plasticity with
    three resource states (Tsodyks, Uziel & Markram 2000).

    Resources are recovered (``x``), active (``y``) or inactive
    (``z = 1 - x - y``); a spike moves ``u*x`` from ``x`` to ``y``, ``y``
    inactivates with ``tau_psc``, ``z`` recovers with ``tau_rec``; ``u``
    decays to 0 with ``tau_fac`` and jumps by ``U*(1 - u)`` at each spike::

        dx/dt = z/tau_rec    dy/dt = -y/tau_psc    dz/dt = y/tau_psc - z/tau_rec
        du/dt = -u/tau_fac

    At each pre-synaptic spike, with ``h = t - t_last`` (NEST's exact
    propagators; ``t_last`` starts at 0 as in NEST, but ``t`` here is the
    arrival time where NEST's is the emission time, so NEST's first interval
    is ``d`` shorter: this matters only from a state not at rest, e.g.
    ``x + y < 1``, and ``proj.t_last = delay`` gives NEST's numbers;
    tests/engine/runtime/test_peer_tsodyks.py)::

        u = u * exp(-h/tau_fac)                (0 when tau_fac = 0)
        x = x + Pxy(h) * y + (1 - exp(-h/tau_rec)) * (1 - x - y)
        y = y * exp(-h/tau_psc)
        u += U * (1 - u)
        g_target += w * u * x                  (NEST sends weight * u * x)
        y += u * x ;  x -= u * x ;  t_last = t

    with ``Pxy(h) = ((exp(-h/tau_rec) - 1) tau_rec - (exp(-h/tau_psc) - 1)
    tau_psc) / (tau_psc - tau_rec)``.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    U           0.5       --     increment of u at each spike, in [0, 1]
    tau_psc     3.0       ms     inactivation time constant of y (!= tau_rec)
    tau_fac     0.0       ms     decay time of u (0: no facilitation)
    tau_rec     800.0     ms     recovery time constant
    x           1.0       --     initial recovered fraction
    y           0.0       --     initial active fraction (x + y <= 1)
    u           0.0       --     initial utilisation
    ==========  ========  =====  ==============================================

    All parameters are per synapse, as in NEST.

    [nest-weights]

    The variant for this engine: NEST's model transmits the jump of ``y``
    times the weight, ``w * u * x``, to the neuron, whose own synaptic
    current (or conductance) gives the post-synaptic shape; this engine does
    the same with ``g_target += w * u * x``. ``y`` here is the synapse's
    active-resource fraction, which only delays the recovery (resources go
    y -> z -> x); it is not the current in the neuron. To reproduce Tsodyks
    et al. (2000), use a post-synaptic neuron with exponential currents whose
    time constant equals ``tau_psc`` (``IF_curr_exp(tau_syn_E=3.0)``), as NEST
    requires. ``tau_psc == tau_rec`` is refused (the propagator is singular;
    NEST divides by zero).

    [timing]

    References: NEST ``tsodyks_synapse`` (models/tsodyks_synapse.h);
    Tsodyks, M., Uziel, A. and Markram, H. (2000). Synchrony generation in
    recurrent networks with frequency-dependent synapses. J. Neurosci.
    20:RC50.
    """

    summary = "Tsodyks-Markram synapse with recovered/active/inactive resources (NEST)."
    defaults = {"U": 0.5, "tau_psc": 3.0, "tau_fac": 0.0, "tau_rec": 800.0,
                "x": 1.0, "y": 0.0, "u": 0.0}
    connector_keywords = _CONNECTOR

    def _check(self, p):
        self._require(0.0 <= p["U"] <= 1.0, f"U must be in [0, 1], got {p['U']!r}")
        self._require(p["tau_psc"] > 0, f"tau_psc must be > 0 ms, got {p['tau_psc']!r}")
        self._require(p["tau_rec"] > 0, f"tau_rec must be > 0 ms, got {p['tau_rec']!r}")
        self._require(p["tau_fac"] >= 0, f"tau_fac must be >= 0 ms, got {p['tau_fac']!r}")
        self._require(p["tau_psc"] != p["tau_rec"],
                      "tau_psc must differ from tau_rec (the recovery propagator divides "
                      "by tau_psc - tau_rec)")
        self._require(p["x"] + p["y"] <= 1.0, f"x + y must be <= 1, got {p['x'] + p['y']!r}")

    def _definition(self, p):
        return dict(
            parameters=_parameters(p, ["U", "tau_psc", "tau_fac", "tau_rec"]),
            functions=_lines(
                "decay(h, tau) = exp(-h / tau)",
                "pxy(h, tau_psc, tau_rec) = ((exp(-h / tau_rec) - 1.0) * tau_rec"
                " - (exp(-h / tau_psc) - 1.0) * tau_psc) / (tau_psc - tau_rec)",
            ),
            equations=_lines(
                f"dx/dt = 0 : init = {p['x']!r}, event-driven",
                f"dy/dt = 0 : init = {p['y']!r}, event-driven",
                f"du/dt = 0 : init = {p['u']!r}, event-driven",
                "dt_last/dt = 0 : init = 0.0, event-driven",
            ),
            pre_spike=_lines(
                "u = if tau_fac > 0 then u * decay(t - t_last, tau_fac) else 0.0",
                "x = x + pxy(t - t_last, tau_psc, tau_rec) * y"
                " + (1.0 - decay(t - t_last, tau_rec)) * (1.0 - x - y)",
                "y = y * decay(t - t_last, tau_psc)",
                "u += U * (1.0 - u)",
                "g_target += w * u * x",
                "y += u * x",
                "x -= u * x",
                "t_last = t",
            ),
        )


class tsodyks2_synapse(StandardSynapse):
    """NEST's ``tsodyks2_synapse``: Tsodyks-Markram short-term plasticity,
    two-state form (Maass & Markram 2002), weight scaled by ``u*x``.

    At the n-th pre-synaptic spike the synapse transmits ``w * u_n * x_n``;
    between spikes ``h`` apart::

        x_{n+1} = 1 + (x_n - x_n * u_n - 1) * exp(-h/tau_rec)
        u_{n+1} = U + u_n * (1 - U) * exp(-h/tau_fac)      (exp(...) = 0 if tau_fac = 0)

    ``x_1`` and ``u_1`` are the initial ``x`` and ``u``: the first spike is
    transmitted with them (current NEST; ``t_last`` starts at -1, "no spike
    yet"). Written as::

        x = if t_last >= 0 then 1 + (x - x*u - 1) * exp(-(t - t_last)/tau_rec) else x
        u = if t_last >= 0 then U + u*(1 - U) * [exp(-(t - t_last)/tau_fac) or 0] else u
        g_target += w * u * x
        t_last = t

    ``proj.x`` and ``proj.u`` hold the values used by the last spike, as
    NEST's ``x`` and ``u``.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    U           0.5       --     increment of u at each spike, in [0, 1]
    u           0.5       --     initial release probability, in [0, 1]
    x           1.0       --     initial scaling factor of the weight
    tau_rec     800.0     ms     recovery time constant of x
    tau_fac     0.0       ms     facilitation time constant (0: none)
    ==========  ========  =====  ==============================================

    All parameters are per synapse, as in NEST. As in NEST, ``u`` does not
    follow ``U``: ``tsodyks2_synapse(U=0.05)`` still releases ``0.5 * x`` at
    its first spike; give ``u=0.05`` too for a facilitating synapse that
    starts at rest.

    [nest-weights]

    [timing]

    Differences with NEST: none in the recursion; NEST versions before the
    2025 fix (nest-simulator PR #3384) started ``t_last`` at 0, which
    depresses a first spike that comes early.

    References: NEST ``tsodyks2_synapse`` (models/tsodyks2_synapse.h);
    Tsodyks, M. and Markram, H. (1997). PNAS 94:719-723; Fuhrmann, G.,
    Segev, I., Markram, H. and Tsodyks, M. (2002). J. Neurophysiol.
    87:140-148; Maass, W. and Markram, H. (2002). Synapses as dynamic memory
    buffers. Neural Networks 15:155-161.
    """

    summary = "Tsodyks-Markram synapse, weight scaled by u*x at each spike (NEST)."
    defaults = {"U": 0.5, "u": 0.5, "x": 1.0, "tau_rec": 800.0, "tau_fac": 0.0}
    connector_keywords = _CONNECTOR

    def _check(self, p):
        self._require(0.0 <= p["U"] <= 1.0, f"U must be in [0, 1], got {p['U']!r}")
        self._require(0.0 <= p["u"] <= 1.0, f"u must be in [0, 1], got {p['u']!r}")
        self._require(p["tau_rec"] > 0, f"tau_rec must be > 0 ms, got {p['tau_rec']!r}")
        self._require(p["tau_fac"] >= 0, f"tau_fac must be >= 0 ms, got {p['tau_fac']!r}")

    def _definition(self, p):
        return dict(
            parameters=_parameters(p, ["U", "tau_rec", "tau_fac"]),
            equations=_lines(
                f"dx/dt = 0 : init = {p['x']!r}, event-driven",
                f"du/dt = 0 : init = {p['u']!r}, event-driven",
                "dt_last/dt = 0 : init = -1.0, event-driven",
            ),
            pre_spike=_lines(
                "x = if t_last >= 0 then 1.0 + (x - x * u - 1.0)"
                " * exp(-(t - t_last) / tau_rec) else x",
                "u = if t_last >= 0 then U + u * (1.0 - U)"
                " * (if tau_fac > 0 then exp(-(t - t_last) / tau_fac) else 0.0) else u",
                "g_target += w * u * x",
                "t_last = t",
            ),
        )


def list_standard_synapses() -> list[type[StandardSynapse]]:
    """The built-in synapse model classes, in documentation order."""
    return [Hebb, Oja, IBCM, STP, STDP, TripletSTDP,
            static_synapse, stdp_synapse, tsodyks_synapse, tsodyks2_synapse]
