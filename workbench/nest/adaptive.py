"""NEST's adaptive and nonlinear neuron models on the engine.

``aeif_cond_alpha``, ``aeif_cond_exp``, ``izhikevich``, ``hh_psc_alpha`` (here)
and ``glif_psc`` (:mod:`workbench.nest.glif`), with NEST 3.10's parameter
names, units and defaults (see :mod:`workbench.nest.catalogue` for the
conventions). Each class docstring gives the equations, the parameter table,
the integration scheme and the agreement measured against NEST 3.10 on the
stored protocols of ``tests/data/nest/`` (written by
``benchmarks/peers/nest_catalogue_adaptive.py``, checked by
``tests/workbench/nest/test_adaptive.py``).

Inputs
------
- targets ``exc`` and ``inh`` (weights >= 0; a NEST weight w < 0 goes to
  ``inh`` with weight -w): conductance jumps in nS (aeif), current jumps in pA
  (hh, glif), jumps of ``V_m`` in mV (izhikevich);
- target ``current``: a current in pA, NEST's ``CurrentEvent`` (what a
  ``step_current_generator`` or ``dc_generator`` sends). The value received
  during a step is stored in ``I_stim`` and acts from the next step on, as in
  NEST (``B_.I_stim_``). Feed it with a ``CurrentInjection`` from a
  rate-coded population (a ``TimedArray`` for a step current).
- the parameter ``I_e`` (not in ``glif_psc``, which has none in NEST) acts at
  once.

Timing: how a NEST simulation maps onto the engine, step for step
---------------------------------------------------------------------
NEST's update step ``n`` advances the state from ``n*dt`` to ``(n+1)*dt``, as
the engine's step ``n`` does, but NEST labels what happens in it with the
*end* of the step, the engine with its start. Exactly:

- **recordings**: NEST's multimeter sample at time ``T`` is the engine's
  monitor row ``T/dt - 1`` (both hold the state after step ``T/dt - 1``);
- **output spikes**: a spike the engine records at step ``k`` (time ``k*dt``)
  is the spike NEST stamps ``(k+1)*dt``: same step, times differ by ``dt``;
- **connections between neurons**: a NEST delay ``d`` is an engine
  projection delay ``d`` (both deliver the spike of step ``k`` to the update
  of step ``k + d/dt``): same steps, no correction;
- **spike_generator** spike at ``T`` with delay ``d``: NEST emits it from the
  step ending at ``T`` (step ``T/dt - 1``). In the engine give the
  ``SpikeSourceArray`` the time ``T - dt`` and the projection the delay ``d``
  (or keep ``T`` and give the delay ``d - dt`` when ``d >= 2*dt``): the
  input then enters the same update step as in NEST (``T/dt + d/dt - 1``);
- **step_current_generator** amplitude time ``T``, connection delay ``d_c``:
  NEST's neuron uses the new amplitude from update step ``T/dt + d_c/dt`` on;
  in the engine a ``TimedArray`` row scheduled at step ``s`` reaches ``I_stim``
  (via ``CurrentInjection`` on ``current``) from step ``s + 2`` on, so
  schedule it at ``T + d_c - 2*dt`` (``T - dt`` for NEST's minimal
  ``d_c = dt``). Changing ``I_e`` between two ``simulate()`` calls at engine
  time ``t`` acts from step ``t/dt`` on: NEST's amplitude time ``T`` is
  ``t = T + d_c``.

With these, every model here receives each input in the same step as NEST
(checked by the tests).

Engine limits met here: the model language refuses numbers of magnitude
>= 1e308, so a value beyond +-1e307 (izhikevich's ``V_min`` default, NEST's
``-DBL_MAX``, "no bound") is written into the model as +-1e307 (the same
thing in practice); ``defaults`` keeps NEST's value. Variables whose name
starts with ``s_`` are internals of the integration (stage values of the
sub-steps), recordable but not NEST's.
"""

from __future__ import annotations

import difflib
import math
import numbers
from typing import Any, ClassVar, Mapping

from engine.models.neurons import StandardNeuron
from workbench.nest.catalogue import NestModelError, register

__all__ = ["aeif_cond_alpha", "aeif_cond_exp", "izhikevich", "hh_psc_alpha"]

#: numerics::e in NEST (the alpha functions' normalisation)
_E = repr(math.e)
#: the largest magnitude written into a model text (the parser's limit is 1e308)
_TEXT_MAX = 1e307


# --- shared machinery ----------------------------------------------------------------

def _text(x: float) -> str:
    """A number as model text (beyond +-1e307: +-1e307, see the module docstring)."""
    x = float(x)
    return repr(max(-_TEXT_MAX, min(_TEXT_MAX, x)))


def nest_steps(ms: str) -> str:
    """Model text of NEST's ``Time(Time::ms(x)).get_steps()``: ``x`` rounded to
    the tic (1 us) and the tics rounded **up** to whole steps of ``dt``. (The
    engine's own refractory period rounds to the nearest step instead.)"""
    tics = f"({ms}*1000.0 + 0.5 - modulo({ms}*1000.0 + 0.5, 1.0))"
    tps = "(dt*1000.0 + 0.5 - modulo(dt*1000.0 + 0.5, 1.0))"
    top = f"({tics} + {tps} - 1.0)"
    return f"({top} - modulo({top}, {tps}))/{tps}"


class Statements:
    """The lines of an equations block, with re-assignment.

    The model language allows one definition of a variable per step; a later
    ``x += new - x`` is the way to give it a second value in the same step
    (sympy folds it to ``x = new`` in the generated code). The sub-step
    integrators use it to reuse their stage variables."""

    def __init__(self):
        self.lines: list[str] = []
        self._defined: set[str] = set()

    def set(self, name: str, expr: str, flags: str = "") -> None:
        if name in self._defined:
            self.lines.append(f"{name} += ({expr}) - {name}")
        else:
            self._defined.add(name)
            self.lines.append(f"{name} = {expr}" + (f" : {flags}" if flags else ""))

    def add(self, line: str) -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)


class NestNeuron(StandardNeuron):
    """Base of the NEST models here: NEST's parameters and state keywords.

    Subclasses give ``nest_parameters`` (NEST name -> default, in NEST's
    order) and ``nest_state`` (state variable -> default initial value); both
    are keywords, as in ``nest.Create(model, params=...)``. ``bool_keys`` and
    ``list_keys`` name the parameters that are booleans or lists."""

    nest_parameters: ClassVar[Mapping[str, Any]] = {}
    nest_state: ClassVar[Mapping[str, Any]] = {}
    bool_keys: ClassVar[frozenset] = frozenset()
    list_keys: ClassVar[frozenset] = frozenset()

    def __init_subclass__(cls, **kw):
        if "nest_parameters" in cls.__dict__ or "nest_state" in cls.__dict__:
            cls.defaults = {**cls.nest_parameters, **cls.nest_state}
        super().__init_subclass__(**kw)

    @classmethod
    def _unknown_keyword(cls, key: str) -> NestModelError:
        valid = cls.valid_keywords()
        close = difflib.get_close_matches(str(key), valid, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return NestModelError(
            f"{cls.__name__}: unknown parameter {key!r}{hint}. NEST's parameters of "
            f"{cls.__name__}: {', '.join(cls.nest_parameters)}; state variables (initial "
            f"values): {', '.join(cls.nest_state)}")

    def _resolve_value(self, key: str, value: Any) -> Any:
        model = type(self).__name__
        if key in self.bool_keys:
            if isinstance(value, bool) or type(value).__name__ == "bool_":
                return bool(value)
            raise NestModelError(f"{model}: parameter {key!r} must be True or False, "
                                 f"got {value!r}")
        if key in self.list_keys:
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                value = [value] if isinstance(value, numbers.Real) else value
            try:
                items = [self._real(key, v) for v in value]
            except TypeError:
                raise NestModelError(f"{model}: parameter {key!r} must be a list of numbers, "
                                     f"got {value!r}") from None
            return tuple(items)
        return self._real(key, value)

    def _real(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise NestModelError(f"{type(self).__name__}: parameter {key!r} must be a real "
                                 f"number, got {value!r} ({type(value).__name__})")
        x = float(value)
        if not math.isfinite(x):
            raise NestModelError(f"{type(self).__name__}: parameter {key!r} must be finite, "
                                 f"got {value!r}")
        return x

    def _check(self, ok: bool, message: str) -> None:
        """NEST's BadProperty checks, as NestModelError."""
        if not ok:
            raise NestModelError(f"{type(self).__name__}: {message}")

    def _parameter_text(self, p: Mapping[str, Any]) -> str:
        lines = []
        for key in self.nest_parameters:
            value = p[key]
            if isinstance(value, bool):
                lines.append(f"{key} = {value} : bool")
            elif isinstance(value, float):
                lines.append(f"{key} = {_text(value)}")
        return "\n".join(lines)


# --- aeif_cond_alpha / aeif_cond_exp -------------------------------------------------

_AEIF_PARAMETERS = {
    "C_m": 281.0, "Delta_T": 2.0, "E_L": -70.6, "E_ex": 0.0, "E_in": -85.0, "I_e": 0.0,
    "V_peak": 0.0, "V_reset": -60.0, "V_th": -50.4, "a": 4.0, "b": 80.5, "g_L": 30.0,
    "gsl_error_tol": 1e-06, "t_ref": 0.0, "tau_syn_ex": 0.2, "tau_syn_in": 2.0,
    "tau_w": 144.0,
}

_AEIF_TABLE = """
    =============  ========  =====  =============================================
    name           default   unit   meaning
    =============  ========  =====  =============================================
    C_m            281.0     pF     membrane capacitance
    Delta_T        2.0       mV     slope factor (0: integrate-and-fire, spike at V_th)
    E_L            -70.6     mV     leak reversal potential
    E_ex           0.0       mV     excitatory reversal potential
    E_in           -85.0     mV     inhibitory reversal potential
    I_e            0.0       pA     constant input current
    V_peak         0.0       mV     spike detection threshold (Delta_T > 0)
    V_reset        -60.0     mV     reset potential
    V_th           -50.4     mV     spike initiation threshold
    a              4.0       nS     subthreshold adaptation
    b              80.5      pA     spike-triggered adaptation
    g_L            30.0      nS     leak conductance
    gsl_error_tol  1e-06     --     NEST's GSL tolerance (accepted, no effect here)
    t_ref          0.0       ms     refractory period (NEST's rounding: up to whole steps)
    tau_syn_ex     0.2       ms     excitatory synaptic time constant
    tau_syn_in     2.0       ms     inhibitory synaptic time constant
    tau_w          144.0     ms     adaptation time constant
    =============  ========  =====  =============================================
"""

_AEIF_SCHEME = """
    Integration (NEST: GSL's adaptive RKF45, tolerance ``gsl_error_tol``, with
    the spike test after every internal step). Here: the conductances are
    integrated exactly; ``V_m`` and ``w`` by ``substeps`` (4) classical RK4
    sub-steps per ``dt``, with NEST's spike test after each sub-step. For
    ``Delta_T > 0`` the sub-steps integrate ``u = exp(-(V_m - V_th)/Delta_T)``
    instead of ``V_m``: the spike's exponential run-away, which needs tiny
    steps in ``V_m``, is a straight line in ``u`` (``du/dt -> -g_L/C_m``), so
    the crossing of ``V_peak`` is found by linear interpolation within the
    sub-step; the rest of the sub-step is integrated from ``V_reset`` (midpoint
    rule), as NEST continues its step after a spike. With ``Delta_T = 0`` (set
    at construction) the sub-steps integrate ``V_m`` itself and the spike
    (``V_m >= V_th``) is tested at the end of the step: nothing runs away, and
    NEST's integrator then takes the step whole (measured: this matches NEST,
    an interpolated crossing does not). ``V_m`` is clamped to ``V_peak``
    inside the right-hand side, as NEST does.
    Written so, the model needs ``(V_th - V_m)/Delta_T < 700`` (no overflow of
    ``u``), always the case for slopes of 0.2 mV or more.

    Refractoriness (NEST's): during ``t_ref`` (rounded up to whole steps, the
    rest of the spike's step included) ``V_m`` is held at ``V_reset``, ``w``
    and the conductances evolve, no spike is emitted. Internals: ``r_count``
    (refractory steps left), ``spiked``, ``I_stim`` and the ``s_*`` stage
    variables.
"""


class _AEIFBase(NestNeuron):
    nest_parameters = _AEIF_PARAMETERS
    substeps: ClassVar[int] = 4
    alpha: ClassVar[bool] = True

    def _definition(self, p):
        self._check(p["V_reset"] < p["V_peak"], "Ensure that: V_reset < V_peak .")
        self._check(p["Delta_T"] >= 0.0, "Delta_T must be positive.")
        self._check(p["Delta_T"] == 0.0 or (p["V_peak"] - p["V_th"]) / p["Delta_T"] < 709.78,
                    "The current combination of V_peak, V_th and Delta_T will lead to "
                    "numerical overflow at spike time; try for instance to increase "
                    "Delta_T or to reduce V_peak to avoid this problem.")
        self._check(p["V_peak"] >= p["V_th"], "V_peak >= V_th required.")
        self._check(p["C_m"] > 0, "Capacitance must be strictly positive.")
        self._check(p["t_ref"] >= 0, "Refractory time cannot be negative.")
        self._check(min(p["tau_syn_ex"], p["tau_syn_in"], p["tau_w"]) > 0,
                    "All time constants must be strictly positive.")
        self._check(p["gsl_error_tol"] > 0, "The gsl_error_tol must be strictly positive.")
        self._check(p["g_ex"] >= 0 and p["g_in"] >= 0, "Conductances must not be negative.")
        return dict(
            parameters=self._parameter_text(p),
            equations=self._equations(p, p["Delta_T"] > 0.0),
            spike="spiked > 0",
        )

    def _conductance(self, syn: str, m: int) -> str:
        """g_ex/g_in ``m`` half sub-steps into the step (exact solution)."""
        half = f"(dt*{0.5 / self.substeps!r})"
        decay = f"s_d{syn}^{m}" if m else "1.0"
        if self.alpha:
            return f"((g_{syn} + dg_{syn}*{m}*{half})*{decay})"
        return f"(g_{syn}*{decay})"

    def _equations(self, p, exponential: bool) -> str:
        n = self.substeps
        h = f"(dt*{1.0 / n!r})"
        st = Statements()
        # step start: refractory flag, constants of the step
        st.set("s_rf", "if r_count > 0 then 1 else 0", "int")
        st.set("s_cnt", nest_steps("t_ref"), "int")
        st.set("s_dex", f"exp(-dt*{0.5 / n!r}/tau_syn_ex)")
        st.set("s_din", f"exp(-dt*{0.5 / n!r}/tau_syn_in)")
        if exponential:
            # the sub-steps' state is u = exp(-(V - V_th)/Delta_T); spike at u <= s_upk
            st.set("s_upk", "exp((V_th - V_peak)/Delta_T)")
            st.set("s_ures", "exp((V_th - V_reset)/Delta_T)")
            st.set("s_y", "if s_rf > 0 then s_ures else exp((V_th - V_m)/Delta_T)")
        else:
            st.set("s_y", "if s_rf > 0 then V_reset else V_m")
        st.set("s_nsp", "0", "int")
        w_defined = False
        for j in range(n):
            m0 = 2 * j
            for q, (frac, m) in enumerate([(None, m0), ("0.5", m0 + 1), ("0.5", m0 + 1),
                                           ("1.0", m0 + 2)]):
                y = "s_y" if q == 0 else f"(s_y + {frac}*{h}*s_ky{q - 1})"
                w = "w" if q == 0 else f"(w + {frac}*{h}*s_kw{q - 1})"
                ge, gi = self._conductance("ex", m), self._conductance("in", m)
                if exponential:
                    uc = f"max({y}, s_upk)"
                    st.set(f"s_V{q}", f"if s_rf > 0 then V_reset else V_th - Delta_T*log({uc})")
                    rest = (f"(-g_L*(s_V{q} - E_L) - {ge}*(s_V{q} - E_ex) - {gi}*(s_V{q} - E_in)"
                            f" - {w} + I_e + I_stim)")
                    st.set(f"s_ky{q}",
                           f"if s_rf > 0 then 0.0 else -{uc}*{rest}/(Delta_T*C_m) - g_L/C_m")
                else:
                    st.set(f"s_V{q}", f"if s_rf > 0 then V_reset else min({y}, V_peak)")
                    st.set(f"s_ky{q}",
                           f"if s_rf > 0 then 0.0 else (-g_L*(s_V{q} - E_L) - {ge}*(s_V{q} - E_ex)"
                           f" - {gi}*(s_V{q} - E_in) - {w} + I_e + I_stim)/C_m")
                st.set(f"s_kw{q}", f"(a*(s_V{q} - E_L) - {w})/tau_w")
            st.set("s_yn", f"s_y + {h}/6.0*(s_ky0 + 2.0*s_ky1 + 2.0*s_ky2 + s_ky3)")
            # the spike test after the sub-step (NEST's V >= V_peak; V_th when Delta_T = 0)
            if exponential:
                # crossing by linear interpolation of u; w up to it with V's mean
                # over the run-away (u linear in time), + b; then the rest of the
                # sub-step from V_reset (V_m by the midpoint rule, w with V's mean)
                st.set("s_x", "if s_rf == 0 and s_yn <= s_upk then 1 else 0", "int")
                st.set("s_tc", f"if s_x > 0 and s_y > s_upk then clip({h}*(s_y - s_upk)"
                               f"/(s_y - s_yn), 0.0, {h}) else 0.0")
                vbar = ("if s_y - s_upk > 1e-12 then V_th - Delta_T*((s_upk*log(s_upk)"
                        " - s_y*log(s_y))/(s_upk - s_y) - 1.0) else V_peak")
                st.set("s_wc", f"if s_x > 0 then w + s_tc*(a*(({vbar}) - E_L) - w)/tau_w + b"
                               " else 0.0")
            else:
                # nothing runs away: NEST's GSL takes the step whole, and finds the
                # spike at its end, w integrated through it
                last = "1" if j == n - 1 else "0"
                st.set("s_x", f"if {last} > 0 and s_rf == 0 and s_yn >= V_th then 1 else 0",
                       "int")
                st.set("s_tc", f"if s_x > 0 then {h} else 0.0")
                st.set("s_wc", f"if s_x > 0 then w + {h}/6.0*(s_kw0 + 2.0*s_kw1 + 2.0*s_kw2"
                               " + s_kw3) + b else 0.0")
            ge, gi = self._conductance("ex", m0 + 2), self._conductance("in", m0 + 2)
            spike_current = ("g_L*Delta_T*exp((min({v}, V_peak) - V_th)/Delta_T)"
                             if exponential else "0.0")

            def dv(v):
                vc = f"min({v}, V_peak)"
                return (f"(-g_L*({vc} - E_L) + {spike_current.format(v=v)} - {ge}*({vc} - E_ex)"
                        f" - {gi}*({vc} - E_in) - s_wc + I_e + I_stim)/C_m")
            st.set("s_vm", f"if s_x > 0 and s_cnt == 0"
                           f" then V_reset + 0.5*({h} - s_tc)*{dv('V_reset')} else V_reset")
            st.set("s_va", f"if s_x > 0 and s_cnt == 0 then V_reset + ({h} - s_tc)*{dv('s_vm')}"
                           f" else V_reset")
            new_w = (f"if s_x > 0 then s_wc + ({h} - s_tc)*(a*(0.5*(V_reset + s_va) - E_L)"
                     f" - s_wc)/tau_w else w + {h}/6.0*(s_kw0 + 2.0*s_kw1 + 2.0*s_kw2 + s_kw3)")
            if w_defined:
                st.add(f"w += ({new_w}) - w")
            else:
                st.add(f"w = {new_w} : init = {_text(p['w'])}")
                w_defined = True
            if exponential:
                after = "if s_cnt > 0 then s_ures else exp((V_th - min(s_va, V_peak))/Delta_T)"
                held = "s_ures"
            else:
                after = "if s_cnt > 0 then V_reset else min(s_va, V_peak)"
                held = "V_reset"
            st.set("s_y", f"if s_x > 0 then ({after}) else (if s_rf > 0 then {held} else s_yn)")
            st.set("s_rf", "if s_rf > 0 or (s_x > 0 and s_cnt > 0) then 1 else 0", "int")
            st.set("s_nsp", "s_nsp + s_x", "int")
        v_end = "V_th - Delta_T*log(s_y)" if exponential else "s_y"
        st.add(f"V_m = if s_rf > 0 then V_reset else {v_end} : init = {_text(p['V_m'])}")
        st.add("spiked = if s_nsp > 0 then 1 else 0 : int")
        st.add("r_count = if spiked > 0 then s_cnt else (if r_count > 0 then r_count - 1 else 0)"
               " : int, init = 0")
        # synapses: exact over the step, then this step's spikes (NEST adds them at its end)
        for syn, target in (("ex", "exc"), ("in", "inh")):
            tau = f"tau_syn_{syn}"
            if self.alpha:
                st.add(f"g_{syn} = (g_{syn} + dg_{syn}*dt)*exp(-dt/{tau})"
                       f" : init = {_text(p['g_' + syn])}")
                st.add(f"dg_{syn} = dg_{syn}*exp(-dt/{tau}) + g_{target}*{_E}/{tau}"
                       f" : init = {_text(p['dg_' + syn])}")
            else:
                st.add(f"g_{syn} = g_{syn}*exp(-dt/{tau}) + g_{target}"
                       f" : init = {_text(p['g_' + syn])}")
        st.add("I_stim = g_current")
        return st.text()


def _aeif_doc(title: str, synapses: str, jump: str, state: str, agreement: str) -> str:
    return f"""{title}

    Equations (NEST's; ``V = min(V_m, V_peak)``, and ``V = V_reset``,
    ``dV_m/dt = 0`` while refractory)::

        C_m dV_m/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T)
                      - g_ex (V - E_ex) - g_in (V - E_in) - w + I_e + I_stim
        tau_w dw/dt = a (V - E_L) - w
{synapses}

    Spike when ``V_m >= V_peak`` (``V_th`` if ``Delta_T = 0``), tested after
    every internal step: ``V_m = V_reset``, ``w += b``, refractory for
    ``t_ref``. A spike of weight ``w`` (nS) on ``exc``
    {jump};
    it is applied at the end of the step it arrives in, as in NEST.
{_AEIF_TABLE}
    State keywords (initial values): ``V_m`` (-70.6 mV), ``w`` (0 pA),
    {state}.
{_AEIF_SCHEME}
    Agreement with NEST 3.10, {agreement} Over the whole trace the largest
    differences are on the last step or two of a spike's upstroke, where
    ``V_m`` runs at hundreds of mV/ms. ``substeps`` (a class attribute) trades
    accuracy for speed; measured on the same files (max over the whole
    traces, all spikes in NEST's steps for every choice): 1 sub-step
    0.2-0.3 mV, 2: 0.015-0.2 mV, 3: 0.008-0.04 mV, 4 (default): 0.003-0.034
    mV. Cost: about 10 times the engine's ``EIF_cond_alpha_isfa_ista`` per
    neuron and step (0.6 against 0.06 us on the development machine).
    """


@register
class aeif_cond_alpha(_AEIFBase):
    __doc__ = _aeif_doc(
        "NEST's ``aeif_cond_alpha``: adaptive exponential integrate-and-fire "
        "(Brette & Gerstner\n    2005), alpha-shaped conductances.",
        "        d(dg_ex)/dt = -dg_ex/tau_syn_ex\n"
        "        dg_ex/dt = dg_ex - g_ex/tau_syn_ex      (the same for g_in, dg_in)",
        "adds ``w e/tau_syn_ex`` to ``dg_ex`` (``g_ex`` then peaks at ``w``\n    "
        "``tau_syn_ex`` later; ``inh`` likewise)",
        "``g_ex``, ``dg_ex``, ``g_in``, ``dg_in`` (0)",
        "tests/data/nest/aeif_cond_alpha.json (300 ms, input\n    spikes of both "
        "signs, a 1 nA step, 6 output spikes): every spike in NEST's\n    step; "
        "max |dV_m| 0.0007 mV away from spikes (the last ms before each\n    spike "
        "excluded), 0.0085 mV over the whole trace; max |dw| 0.0003 pA. With\n    "
        "Delta_T = 0 and t_ref = 1 ms (aeif_cond_alpha_delta_t_0.json, 7 spikes):\n    "
        "every spike in NEST's step, max |dV_m| 0.0003 mV, max |dw| 0.01 pA.")
    summary = "NEST aeif_cond_alpha: adaptive exponential IF neuron, alpha conductances."
    nest_state = {"V_m": -70.6, "w": 0.0, "g_ex": 0.0, "dg_ex": 0.0, "g_in": 0.0, "dg_in": 0.0}
    alpha = True


@register
class aeif_cond_exp(_AEIFBase):
    __doc__ = _aeif_doc(
        "NEST's ``aeif_cond_exp``: adaptive exponential integrate-and-fire "
        "(Brette & Gerstner\n    2005), exponentially decaying conductances.",
        "        tau_syn_ex dg_ex/dt = -g_ex,    tau_syn_in dg_in/dt = -g_in",
        "adds ``w`` to ``g_ex`` (``inh`` likewise to ``g_in``)",
        "``g_ex``, ``g_in`` (0 nS)",
        "tests/data/nest/aeif_cond_exp.json (300 ms, input\n    spikes of both "
        "signs, a 1 nA step, 7 output spikes) and aeif_cond_exp_t_ref.json\n    "
        "(the same with t_ref = 2 ms, V_peak = -20 mV): every spike in NEST's\n    "
        "step; max |dV_m| 0.0009 mV away from spikes (the last ms before each\n    "
        "spike excluded), 0.034 mV over the whole trace; max |dw| 0.0006 pA.")
    summary = "NEST aeif_cond_exp: adaptive exponential IF neuron, exponential conductances."
    nest_state = {"V_m": -70.6, "w": 0.0, "g_ex": 0.0, "g_in": 0.0}
    alpha = False


# --- izhikevich ----------------------------------------------------------------------

@register
class izhikevich(NestNeuron):
    """NEST's ``izhikevich``: Izhikevich (2003) quadratic neuron, NEST's numerics.

    Equations, one update per step (NEST's, ``consistent_integration = True``,
    forward Euler with both derivatives from the state at the start of the
    step; the input spikes are jumps of ``V_m`` in mV)::

        V_m <- V_m + dt (0.04 V_m^2 + 5 V_m + 140 - U_m + I_stim + I_e) + w_exc - w_inh
        U_m <- U_m + dt a (b V_m - U_m)
        V_m <- max(V_m, V_min)

    ``consistent_integration = False`` gives the numerics published with the
    model (two half steps of ``V_m``, the input scaled by ``dt``, ``U_m``
    from the new ``V_m``; meant for dt = 1 ms)::

        V_m <- V_m + dt/2 (0.04 V_m^2 + 5 V_m + 140 - U_m + I_stim + I_e + w)  (twice)
        U_m <- U_m + dt a (b V_m - U_m)

    Spike when ``V_m >= V_th``, in the same step: ``V_m = c``, ``U_m += d``.
    No refractory period.

    ======================  ==========  ======  ==================================
    name                    default     unit    meaning
    ======================  ==========  ======  ==================================
    I_e                     0.0         pA      constant input current (mV/ms)
    V_th                    30.0        mV      spike threshold
    V_min                   -DBL_MAX    mV      lower bound of V_m (none)
    a                       0.02        1/ms    time scale of U_m
    b                       0.2         --      sensitivity of U_m
    c                       -65.0       mV      reset of V_m
    d                       8.0         mV      increment of U_m at a spike
    consistent_integration  True        bool    NEST's Euler (False: the paper's)
    ======================  ==========  ======  ==================================

    State keywords (initial values): ``V_m`` (-65 mV), ``U_m`` (-13, NEST's
    default whatever ``b`` and ``c``). ``V_min``'s default is NEST's -DBL_MAX
    (1.8e308), written into the model as -1e307 (the engine's parser refuses
    numbers >= 1e308): no bound either way.

    Integration: NEST's own update, statement for statement (``I_stim`` is
    the ``current`` input of the previous step, as NEST's ``S_.I_``).
    Agreement with NEST 3.10 (tests/data/nest/izhikevich.json,
    izhikevich_published.json, izhikevich_v_min.json: 300 ms, input spikes
    of both signs and a step of 15, 7 to 33 spikes; in izhikevich.json also a
    second neuron driven by the first through a 1.5 ms connection): the same
    spikes in the same steps, max |dV_m| and |dU_m| 5e-7 (the rounding of the
    stored data).
    """

    summary = "NEST izhikevich: Izhikevich (2003) neuron with NEST's Euler update."
    nest_parameters = {"I_e": 0.0, "V_th": 30.0, "V_min": -1.7976931348623157e308,
                       "a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0,
                       "consistent_integration": True}
    nest_state = {"V_m": -65.0, "U_m": -13.0}
    bool_keys = frozenset({"consistent_integration"})

    def _definition(self, p):
        drive = "140.0 - U_m + I_stim + I_e"
        return dict(
            parameters=self._parameter_text(p),
            equations="\n".join([
                "s_in = g_exc - g_inh",
                f"s_vh = if consistent_integration then V_m"
                f" else V_m + dt*0.5*(0.04*V_m*V_m + 5.0*V_m + {drive} + s_in)",
                f"s_vn = if consistent_integration"
                f" then V_m + dt*(0.04*V_m*V_m + 5.0*V_m + {drive}) + s_in"
                f" else s_vh + dt*0.5*(0.04*s_vh*s_vh + 5.0*s_vh + {drive} + s_in)",
                "U_m = U_m + dt*a*(b*(if consistent_integration then V_m else s_vn) - U_m)"
                f" : init = {_text(p['U_m'])}",
                f"V_m = max(s_vn, V_min) : init = {_text(p['V_m'])}",
                "I_stim = g_current",
            ]),
            spike="V_m >= V_th",
            reset="V_m = c\nU_m += d",
        )


# --- hh_psc_alpha --------------------------------------------------------------------

_HH_RATES = {
    "an": "(0.01*({V} + 55.0))/(1.0 - exp(-({V} + 55.0)/10.0))",
    "bn": "0.125*exp(-({V} + 65.0)/80.0)",
    "am": "(0.1*({V} + 40.0))/(1.0 - exp(-({V} + 40.0)/10.0))",
    "bm": "4.0*exp(-({V} + 65.0)/18.0)",
    "ah": "0.07*exp(-({V} + 65.0)/20.0)",
    "bh": "1.0/(1.0 + exp(-({V} + 35.0)/10.0))",
}


@register
class hh_psc_alpha(NestNeuron):
    """NEST's ``hh_psc_alpha``: Hodgkin-Huxley neuron, alpha-shaped currents.

    Equations (NEST's, the squid axon channels shifted to a -65 mV rest)::

        C_m dV_m/dt = -g_Na m^3 h (V_m - E_Na) - g_K n^4 (V_m - E_K) - g_L (V_m - E_L)
                      + I_syn_ex + I_syn_in + I_e + I_stim
        dm/dt = alpha_m (1 - m) - beta_m m      (Act_m; Inact_h, Act_n alike)
        alpha_n = 0.01 (V + 55)/(1 - exp(-(V + 55)/10)),  beta_n = 0.125 exp(-(V + 65)/80)
        alpha_m = 0.1 (V + 40)/(1 - exp(-(V + 40)/10)),   beta_m = 4 exp(-(V + 65)/18)
        alpha_h = 0.07 exp(-(V + 65)/20),                 beta_h = 1/(1 + exp(-(V + 35)/10))
        I_syn_ex, I_syn_in: alpha functions, a spike of weight w (pA) peaks at
        +w (exc) or -w (inh) tau_syn after it arrives

    Spike (NEST's): at the end of a step, if not refractory, ``V_m >= 0`` and
    ``V_m`` smaller than at the start of the step (the peak has passed); then
    no spike for ``t_ref`` (rounded up to whole steps). Nothing is reset.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    C_m         100.0     pF     membrane capacitance
    E_K         -77.0     mV     potassium reversal potential
    E_L         -54.402   mV     leak reversal potential
    E_Na        50.0      mV     sodium reversal potential
    I_e         0.0       pA     constant input current
    g_K         3600.0    nS     potassium peak conductance
    g_L         30.0      nS     leak conductance
    g_Na        12000.0   nS     sodium peak conductance
    t_ref       2.0       ms     time without spike detection after a spike
    tau_syn_ex  0.2       ms     rise time of the excitatory alpha current
    tau_syn_in  2.0       ms     rise time of the inhibitory alpha current
    ==========  ========  =====  ==============================================

    State keywords (initial values): ``V_m`` (-65 mV) and NEST's equilibrium
    gates at -65 mV, ``Act_m`` (0.0529...), ``Inact_h`` (0.5961...),
    ``Act_n`` (0.3177...). ``I_syn_ex``/``I_syn_in`` (pA) are recordable, as
    in NEST.

    Integration (NEST: GSL's adaptive RKF45): the alpha currents exactly, the
    membrane and gates by ``substeps`` (4) classical RK4 sub-steps per ``dt``
    (one RK4 step of 0.1 ms overflows in a spike). Agreement with NEST 3.10
    (tests/data/nest/hh_psc_alpha.json: 300 ms, input spikes of both signs
    and a 1 nA step, 10 spikes; hh_psc_alpha_t_ref.json: t_ref = 1.33 ms,
    V_m = -60 mV, a 1.5 nA step, 12 spikes): every spike in NEST's step;
    max |dV_m| 0.0065 mV over the whole traces (action potentials included),
    0.0017 mV away from spikes (the last ms before each peak excluded);
    max |dAct_n| 4e-6. With ``substeps`` 2: 0.15 mV, 3: 0.02 mV. Cost: about
    9 times the engine's ``HH_cond_exp`` per neuron and step (0.9 against
    0.1 us on the development machine).
    """

    summary = "NEST hh_psc_alpha: Hodgkin-Huxley neuron with alpha-shaped synaptic currents."
    nest_parameters = {"C_m": 100.0, "E_K": -77.0, "E_L": -54.402, "E_Na": 50.0, "I_e": 0.0,
                       "g_K": 3600.0, "g_L": 30.0, "g_Na": 12000.0, "t_ref": 2.0,
                       "tau_syn_ex": 0.2, "tau_syn_in": 2.0}
    nest_state = {"V_m": -65.0, "Act_m": 0.05293248525724958, "Inact_h": 0.5961207535084603,
                  "Act_n": 0.3176769140606974}
    substeps: ClassVar[int] = 4

    def _definition(self, p):
        self._check(p["C_m"] > 0, "Capacitance must be strictly positive.")
        self._check(p["t_ref"] >= 0, "Refractory time cannot be negative.")
        self._check(min(p["tau_syn_ex"], p["tau_syn_in"]) > 0,
                    "All time constants must be strictly positive.")
        self._check(min(p["g_K"], p["g_Na"], p["g_L"]) >= 0,
                    "All conductances must be non-negative.")
        self._check(min(p["Act_m"], p["Inact_h"], p["Act_n"]) >= 0,
                    "All (in)activation variables must be non-negative.")
        return dict(parameters=self._parameter_text(p), equations=self._equations(p),
                    spike="spiked > 0")

    def _equations(self, p) -> str:
        n = self.substeps
        h = f"(dt*{1.0 / n!r})"
        half = f"(dt*{0.5 / n!r})"
        st = Statements()
        st.set("s_vold", "V_m")
        st.set("s_dex", f"exp(-{half}/tau_syn_ex)")
        st.set("s_din", f"exp(-{half}/tau_syn_in)")
        gates = (("m", "Act_m", "am", "bm"), ("h", "Inact_h", "ah", "bh"),
                 ("n", "Act_n", "an", "bn"))
        defined: set[str] = set()
        for j in range(n):
            m0 = 2 * j
            for q, (frac, m) in enumerate([(None, m0), ("0.5", m0 + 1), ("0.5", m0 + 1),
                                           ("1.0", m0 + 2)]):
                def stage(var, k):
                    return var if q == 0 else f"({var} + {frac}*{h}*s_k{k}{q - 1})"
                st.set(f"s_V{q}", stage("V_m", "V"))
                V = f"s_V{q}"
                mm, hh, nn = (stage(var, g) for g, var, _, _ in gates)
                iex = f"((I_syn_ex + dI_syn_ex*{m}*{half})*s_dex^{m})" if m else "I_syn_ex"
                iin = f"((I_syn_in + dI_syn_in*{m}*{half})*s_din^{m})" if m else "I_syn_in"
                st.set(f"s_kV{q}",
                       f"(-(g_Na*{mm}^3*{hh}*({V} - E_Na) + g_K*{nn}^4*({V} - E_K)"
                       f" + g_L*({V} - E_L)) + I_stim + I_e + {iex} + {iin})/C_m")
                for g, var, alpha, beta in gates:
                    x = stage(var, g)
                    st.set(f"s_k{g}{q}", f"{_HH_RATES[alpha].format(V=V)}*(1.0 - {x})"
                                         f" - {_HH_RATES[beta].format(V=V)}*{x}")
            for g, var in (("V", "V_m"), ("m", "Act_m"), ("h", "Inact_h"), ("n", "Act_n")):
                inc = f"{h}/6.0*(s_k{g}0 + 2.0*s_k{g}1 + 2.0*s_k{g}2 + s_k{g}3)"
                if var in defined:
                    st.add(f"{var} += {inc}")
                else:
                    defined.add(var)
                    st.add(f"{var} = {var} + {inc} : init = {_text(p[var])}")
        for syn, target, sign in (("ex", "exc", "+"), ("in", "inh", "-")):
            tau = f"tau_syn_{syn}"
            st.add(f"I_syn_{syn} = (I_syn_{syn} + dI_syn_{syn}*dt)*exp(-dt/{tau})")
            st.add(f"dI_syn_{syn} = dI_syn_{syn}*exp(-dt/{tau}) {sign} g_{target}*{_E}/{tau}")
        st.add("spiked = if r_count == 0 and V_m >= 0.0 and s_vold > V_m then 1 else 0 : int")
        st.add(f"r_count = if r_count > 0 then r_count - 1 else (if spiked > 0 then "
               f"{nest_steps('t_ref')} else 0) : int, init = 0")
        st.add("I_stim = g_current")
        return st.text()
