"""NEST's integrate-and-fire models on the engine: ``iaf_psc_delta``,
``iaf_psc_exp``, ``iaf_psc_alpha``, ``iaf_cond_exp``, ``iaf_cond_alpha`` and
``parrot_neuron``.

Each class reproduces NEST 3.10's model step for step: the same parameter
names, units and defaults, the same update order within a step, and the same
arithmetic where it matters:

- the current-based models (``iaf_psc_*``) are linear and NEST integrates
  them exactly with precomputed propagators (Rotter & Diesmann 1999); the
  classes write the same propagator update as assignments, with NEST's
  formulas (including the singular case ``tau_syn == tau_m``) and
  ``expm1``. The propagators are recomputed only when ``dt`` or a time
  constant or ``C_m`` changes (as NEST recomputes them at each
  ``Simulate``): the variables ``stale``, ``seen_*`` and ``P*`` hold them.
  Measured agreement with NEST: V_m within 1e-9 mV (the rounding of the
  stored traces), every spike at the same step.
- the conductance-based models (``iaf_cond_*``) are nonlinear; NEST
  integrates them with GSL's adaptive Runge-Kutta-Fehlberg 4(5) (absolute
  tolerance 1e-3, step size control over each ``dt``). The classes take
  GSL's RKF45 step of ``dt`` with the same tableau and the same error test;
  where NEST's control would reject that step (``max |err| > 1.1e-3``) they
  take two RKF45 half steps instead. Steps NEST accepts at once are
  reproduced to rounding; the others to NEST's own integration error. See
  the class docstrings for the measured agreement.

**Timing (the mapping to NEST).** Engine step ``k`` (``t = k*dt``) advances
the state from ``k*dt`` to ``(k+1)*dt``, as NEST's update step that ends at
``(k+1)*dt``; everything NEST stamps at time ``T`` is engine step
``T/dt - 1``:

- a monitor row ``k`` (``recorded_times()[k] = k*dt``) is NEST's multimeter
  sample at ``(k+1)*dt`` (multimeter ``interval = dt``);
- a spike at engine step ``k`` is NEST's spike at ``(k+1)*dt``
  (``spike_recorder``): add ``dt`` to ``raster_plot()``'s times;
- a connection with NEST delay ``D`` is an engine projection with the same
  delay ``D`` (``D/dt`` steps, at least 1): a spike of engine step ``k``
  reaches the neuron at step ``k + D/dt``, the update step in which NEST
  delivers it;
- a NEST ``spike_generator`` spike at ``T`` is a ``SpikeSourceArray`` spike
  at ``T - dt`` (engine step ``T/dt - 1``), then the delay as above;
- a ``step_current_generator`` amplitude switched at ``T`` and connected
  with delay ``D`` acts on the update step starting at ``T + D`` (NEST latches
  the current at the end of the step it arrives in): change ``I_e`` before
  engine step ``(T + D)/dt``, e.g. ``net.simulate(T + D)`` then
  ``pop.I_e = I_e + amplitude``.

**Targets and weights.** Spikes arrive on ``exc`` and ``inh`` with weights
>= 0 (a NEST weight ``w < 0`` is ``-w`` on ``inh``): mV for
``iaf_psc_delta``, pA for ``iaf_psc_*``, nS for ``iaf_cond_*``. The
conductance models' state names ``g_ex``, ``g_in`` are NEST's; because
they are conductances that carry their value over, the engine also lists
targets ``ex``, ``in`` for them (``model.ir.targets``; ``g_L``, a
parameter, is not a target): never connect to those (a projection on ``ex``
would add its weights before the step's integration, not after as NEST
does). Use ``exc``/``inh`` only.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from typing import ClassVar

from engine.models.neurons import StandardNeuron, _number_text
from workbench.nest.catalogue import NestModelError, register

__all__ = ["iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha", "iaf_cond_exp",
           "iaf_cond_alpha", "parrot_neuron"]

# appended to every class docstring
_TIMING_DOC = """
    Timing, as NEST (details in :mod:`workbench.nest.iaf`): engine step k is
    NEST's update step ending at (k+1)*dt, so a monitor row k is NEST's
    multimeter sample at (k+1)*dt and a spike at step k is NEST's spike at
    (k+1)*dt; a connection of NEST delay D is a projection of delay D; a
    spike_generator time T is a SpikeSourceArray time T - dt.
"""

#: NEST's numerics::e
_E = repr(math.e)
#: the engine's parser reads numbers below 1e308: a lower bound below this is
#: "no bound" (NEST's defaults for V_min are -DBL_MAX and -inf)
_NO_LOWER_BOUND = -1e300


def _f(x: float) -> str:
    return repr(float(x))


# --- functions shared by the propagators -----------------------------------------

# expm1 to a few ulp (the language has no expm1): tanh is accurate near 0,
# 2 tanh(x/2) / (1 - tanh(x/2)) = exp(x) - 1 exactly.
_FUNCTIONS = "\n".join([
    "expm1(x) = if abs(x) < 0.5 then 2.0*tanh(0.5*x)/(1.0 - tanh(0.5*x)) else exp(x) - 1.0",
    # NEST's IAFPropagator::evaluate_P32_ (libnestutil/iaf_propagator.cpp):
    # the regular formula when it is a normal positive number, else the
    # singular limit tau_s == tau_m
    "p32reg(ts, tm, cm, h) = ts*tm/(tm - ts)/cm*exp(-h/ts)*expm1(h*(tm - ts)/(ts*tm))",
    "p32(ts, tm, cm, h) = if p32reg(ts, tm, cm, h) >= 2.2250738585072014e-308 and "
    "p32reg(ts, tm, cm, h) < 1e308 then p32reg(ts, tm, cm, h) else h/cm*exp(-h/tm)",
    # IAFPropagatorAlpha::evaluate's P31: regular if h > 1e-7 tm^2/|tm - ts|
    "p31(ts, tm, cm, h) = if h > 1e-7*tm*tm/abs(tm - ts) then "
    "ts*tm/(tm - ts)/cm*exp(-h/ts)*(ts*tm/(tm - ts)*expm1(h*(tm - ts)/(ts*tm)) - h) "
    "else 0.5*h*h/cm*exp(-h/tm)",
])


def _cached(keys: tuple[str, ...], assignments: list[tuple[str, str]]) -> list[str]:
    """Lines computing propagators only when dt or one of ``keys`` changed.

    ``stale`` is true on the first step (the ``seen_*`` copies start at 0,
    a value no time constant or capacitance can have) and after any change
    of ``dt`` or a key parameter; the ``seen_*`` copies are taken after the
    propagators.
    """
    names = ("dt",) + keys
    test = " or ".join(f"{k} != seen_{k}" for k in names)
    lines = [f"stale = if {test} then 1 else 0 : bool"]
    lines += [f"{name} = if stale then {expr} else {name}" for name, expr in assignments]
    lines += [f"seen_{k} = {k}" for k in names]
    return lines


# --- RKF45 (GSL's rkf45.c tableau) for the conductance models -----------------------

_F = Fraction
_RK_B = [[], [_F(1, 4)], [_F(3, 32), _F(9, 32)],
         [_F(1932, 2197), _F(-7200, 2197), _F(7296, 2197)],
         [_F(8341, 4104), _F(-32832, 4104), _F(29440, 4104), _F(-845, 4104)],
         [_F(-6080, 20520), _F(41040, 20520), _F(-28352, 20520), _F(9295, 20520),
          _F(-5643, 20520)]]
_RK_C = [_F(902880, 7618050), _F(0), _F(3953664, 7618050), _F(3855735, 7618050),
         _F(-1371249, 7618050), _F(277020, 7618050)]
_RK_EC = [_F(1, 360), _F(0), _F(-128, 4275), _F(-2197, 75240), _F(1, 50), _F(2, 55)]


def _poly_mul_x(p, c):
    """c * x * p(x) for coefficient lists (lowest degree first)."""
    return [_F(0)] + [c * a for a in p]


def _poly_add(p, q):
    n = max(len(p), len(q))
    return [(p[i] if i < len(p) else 0) + (q[i] if i < len(q) else 0) for i in range(n)]


def _poly_scale(p, c):
    return [c * a for a in p]


def _linear_stages():
    """RKF45 applied to the linear system of an alpha synapse, exactly.

    With ``x = h/tau`` and the state ``(u, g) = (h*dg, g)``, one RKF45 step
    of ``dg' = -dg/tau, g' = dg - g/tau`` gives, at stage ``i`` (and for the
    result and the error estimate), ``dg_i = dg0 * p_i(x)`` and
    ``g_i = g0 * p_i(x) + h*dg0 * q_i(x)`` with polynomials ``p``, ``q``
    computed here with exact fractions (``p`` alone is the exponential
    synapse ``g' = -g/tau``). Returns ``(stages, result, error)``, each a
    ``(p, q)`` pair of coefficient lists (lowest degree first).
    """
    # with u0 = h*dg0: U = u0*a(x), G = g0*b(x) + u0*c(x)
    stages = []          # (a, b, c) per stage
    hk = []              # h * derivative at each stage, as (a, b, c)
    for i in range(6):
        a, b, c = [_F(1)], [_F(1)], [_F(0)]
        for j, coef in enumerate(_RK_B[i]):
            ka, kb, kc = hk[j]
            a = _poly_add(a, _poly_scale(ka, coef))
            b = _poly_add(b, _poly_scale(kb, coef))
            c = _poly_add(c, _poly_scale(kc, coef))
        stages.append((a, b, c))
        # h*u' = -x*u ; h*g' = u - x*g
        hk.append((_poly_mul_x(a, _F(-1)), _poly_mul_x(b, _F(-1)),
                   _poly_add(a, _poly_mul_x(c, _F(-1)))))

    def combine(weights, start):
        a, b, c = ([_F(1)], [_F(1)], [_F(0)]) if start else ([_F(0)], [_F(0)], [_F(0)])
        for j, coef in enumerate(weights):
            ka, kb, kc = hk[j]
            a = _poly_add(a, _poly_scale(ka, coef))
            b = _poly_add(b, _poly_scale(kb, coef))
            c = _poly_add(c, _poly_scale(kc, coef))
        return a, b, c

    # U and G's g0 parts follow the same polynomial (both decay alone)
    for a, b, _ in stages:
        assert a == b
    result, error = combine(_RK_C, True), combine(_RK_EC, False)
    pack = lambda abc: (abc[0], abc[2])  # noqa: E731 - (p, q)
    return [pack(s) for s in stages], pack(result), pack(error)


_STAGES, _RESULT, _ERROR = _linear_stages()


def _horner(coeffs, x: str) -> str:
    """Polynomial text, Horner form, float coefficients."""
    coeffs = [float(c) for c in coeffs]
    while len(coeffs) > 1 and coeffs[-1] == 0.0:
        coeffs.pop()
    text = _f(coeffs[-1])
    for c in reversed(coeffs[:-1]):
        text = f"{_f(c)} + {x}*({text})"
    return f"({text})"


# the polynomials as user functions: rkp<i>/rkq<i> at stage i, rkpn/rkqn the
# result of the step, rkpe/rkqe its error estimate
_POLY_NAMES = [(f"rkp{i + 1}", f"rkq{i + 1}") for i in range(6)]
_RESULT_NAMES, _ERROR_NAMES = ("rkpn", "rkqn"), ("rkpe", "rkqe")
_COND_FUNCTIONS = "\n".join(
    f"{name}(x) = {_horner(poly, 'x')}"
    for names, pq in [*zip(_POLY_NAMES, _STAGES), (_RESULT_NAMES, _RESULT), (_ERROR_NAMES, _ERROR)]
    for name, poly in zip(names, pq)
) + "\n" + (
    # NEST's iaf_cond_*_dynamics for V_m: V clamped to V_th in the currents,
    # no change while refractory (r > 0); written with the clamped V once
    # (smaller kernels; sympy's Min is slow to build on long arguments)
    "dvdt(v, ge, gi, r, gL, EL, Eex, Ein, Ie, Cm, Vth) = if r > 0 then 0.0 else "
    "(Ie + gL*EL + ge*Eex + gi*Ein - (gL + ge + gi)*(if v < Vth then v else Vth))/Cm")


class _Syn:
    """Text of one synapse's conductance during an RKF45 step."""

    def __init__(self, g: str, dg: str | None, tau: str):
        self.g, self.dg, self.tau = g, dg, tau

    def at(self, names, h: str, g0: str | None = None, dg0: str | None = None):
        """(g, dg) texts after the polynomials ``names`` of a step ``h``
        (``dt`` or ``(0.5*dt)``; ``x_<g> = dt/tau`` is cached)."""
        p, q = names
        x = f"x_{self.g}" if h == "dt" else f"0.5*x_{self.g}"
        g0 = g0 or self.g
        if self.dg is None:
            return f"{g0}*{p}({x})", None
        dg0 = dg0 or self.dg
        return f"({g0}*{p}({x}) + {h}*{dg0}*{q}({x}))", f"{dg0}*{p}({x})"


def _rkf45_block(prefix: str, v0: str, h: str, syns, start, rhs, only_if: str | None):
    """Stage lines ``<prefix>1..6`` of V's derivative for one RKF45 step.

    ``start`` gives each synapse's (g0, dg0) texts at the start of the step;
    returns the lines and the texts of V and of the synapses after the step.
    """
    lines = []
    for i in range(6):
        incr = " + ".join(f"{_f(b)}*{prefix}{j + 1}" for j, b in enumerate(_RK_B[i]))
        v = v0 if not incr else f"({v0} + {h}*({incr}))"
        gs = [s.at(_POLY_NAMES[i], h, *st)[0] for s, st in zip(syns, start)]
        expr = rhs(v, *gs)
        if only_if:
            expr = f"if {only_if} then {expr} else 0.0"
        lines.append(f"{prefix}{i + 1} = {expr}")
    total = " + ".join(f"{_f(c)}*{prefix}{j + 1}" for j, c in enumerate(_RK_C) if c)
    v_end = f"({v0} + {h}*({total}))"
    ends = [s.at(_RESULT_NAMES, h, *st) for s, st in zip(syns, start)]
    return lines, v_end, ends


def _cond_equations(syns, rhs, inputs) -> list[str]:
    """One NEST step of a conductance model: RKF45 (GSL's tableau) over dt,
    two half steps where NEST's error control would reject the full one."""
    lines = _cached(tuple(s.tau for s in syns), [(f"x_{s.g}", f"dt/{s.tau}") for s in syns])
    full_start = [(None, None)] * len(syns)
    block, v_full, ends_full = _rkf45_block("rk_k", "V_m", "dt", syns, full_start, rhs, None)
    lines += block
    # GSL's error estimate and test (control_y_new(1e-3, 0): rmax > 1.1)
    err_v = "dt*(" + " + ".join(
        f"{_f(c)}*rk_k{j + 1}" for j, c in enumerate(_RK_EC) if c) + ")"
    # (max_i |err_i| / 1e-3 > 1.1 is any |err_i| / 1e-3 > 1.1)
    errs = [err_v]
    for s in syns:
        g_err, dg_err = s.at(_ERROR_NAMES, "dt")
        errs += [g_err] + ([dg_err] if dg_err is not None else [])
    test = " or ".join(f"abs({e})/0.001 > 1.1" for e in errs)
    lines.append(f"rk_reject = if {test} then 1 else 0 : bool")
    half = "(0.5*dt)"
    la, v_a, ends_a = _rkf45_block("rk_a", "V_m", half, syns, full_start, rhs, "rk_reject")
    lines += la
    # the state after the first half step (kept: smaller kernels)
    lines.append(f"rk_V_m = if rk_reject then {v_a} else 0.0")
    start_b = []
    for s, (g_a, dg_a) in zip(syns, ends_a):
        lines.append(f"rk_{s.g} = if rk_reject then {g_a} else 0.0")
        if dg_a is not None:
            lines.append(f"rk_{s.dg} = if rk_reject then {dg_a} else 0.0")
        start_b.append((f"rk_{s.g}", f"rk_{s.dg}" if dg_a is not None else None))
    lb, v_b, ends_b = _rkf45_block("rk_b", "rk_V_m", half, syns, start_b, rhs, "rk_reject")
    lines += lb
    lines.append(f"V_m = if rk_reject then {v_b} else {v_full}")
    for s, (gf, dgf), (gb, dgb), inp in zip(syns, ends_full, ends_b, inputs):
        if s.dg is None:
            lines.append(f"{s.g} = (if rk_reject then {gb} else {gf}) + {inp}")
        else:
            # g first: it is computed from the dg of the start of the step
            lines.append(f"{s.g} = if rk_reject then {gb} else {gf}")
            lines.append(f"{s.dg} = (if rk_reject then {dgb} else {dgf}) + {_E}/{s.tau}*{inp}")
    return lines


def _cond_rhs(v: str, ge: str, gi: str) -> str:
    return f"dvdt({v}, {ge}, {gi}, refr_steps, g_L, E_L, E_ex, E_in, I_e, C_m, V_th)"


# --- the common base ------------------------------------------------------------

class _NestNeuron(StandardNeuron):
    """Keywords: NEST's parameters and state variables (``states``: their
    initial values). Unknown keywords and values NEST refuses raise
    :class:`~workbench.nest.catalogue.NestModelError`."""

    #: keywords that are state variables (initial values), not parameters
    states: ClassVar[tuple[str, ...]] = ()
    #: NEST's BadProperty checks: (test on the values, message)
    checks: ClassVar[tuple] = ()

    @classmethod
    def _unknown_keyword(cls, key):
        error = super()._unknown_keyword(key)
        return NestModelError(str(error).replace("unknown parameter", "unknown NEST parameter"))

    def _resolve_value(self, key, value):
        if key == "V_min" and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and value == -math.inf:
            return -math.inf
        if key == "refractory_input":
            if type(value).__name__ not in ("bool", "bool_"):  # Python's or numpy's
                raise NestModelError(f"{type(self).__name__}: refractory_input must be True or "
                                     f"False, got {value!r}")
            return bool(value)
        try:
            _number_text(type(self).__name__, key, value)
        except Exception as error:
            raise NestModelError(str(error)) from None
        return float(value)

    def _resolve(self, overrides):
        values = super()._resolve(overrides)
        for test, message in type(self).checks:
            if not test(values):
                raise NestModelError(f"{type(self).__name__}: {message} (NEST refuses it too)")
        return values

    def _parameters(self, values, names) -> str:
        lines = []
        for name in names:
            value = values[name]
            if name == "V_min":
                value = max(value, _NO_LOWER_BOUND)
            lines.append(f"{name} = {_f(value)}")
        return "\n".join(lines)


_CHECK_REFRACTORY = (lambda p: p["t_ref"] >= 0, "t_ref must not be negative")
_CHECK_C = (lambda p: p["C_m"] > 0, "C_m must be > 0")
_CHECK_RESET = (lambda p: p["V_reset"] < p["V_th"], "V_reset must be smaller than V_th")
_CHECK_TAU_M = (lambda p: p["tau_m"] > 0, "tau_m must be > 0")
_CHECK_TAU_SYN = (lambda p: p["tau_syn_ex"] > 0 and p["tau_syn_in"] > 0,
                  "tau_syn_ex and tau_syn_in must be > 0")

_DBL_MAX = sys.float_info.max


# --- iaf_psc_delta ---------------------------------------------------------------

@register
class iaf_psc_delta(_NestNeuron):
    """NEST's ``iaf_psc_delta``: leaky integrate-and-fire, delta-shaped input.

    Equations (exact integration, as NEST's ``update``; ``h = dt``)::

        P33 = exp(-h/tau_m) ;  P30 = tau_m/C_m * (1 - P33)
        V_m = max(E_L + P30*I_e + P33*(V_m - E_L) + g_exc - g_inh, V_min)

    An input spike of weight w (mV) makes ``V_m`` jump by w in the step it
    arrives (``g_exc``/``g_inh`` are the engine's one-step inputs: the sum
    of the weights arrived in this step). Spike when ``V_m >= V_th``; then
    ``V_m = V_reset`` for ``t_ref`` (``round(t_ref/dt)`` steps), during
    which the input is discarded, unless ``refractory_input=True``: then it
    is summed, each spike discounted by ``exp(-s*dt/tau_m)`` with ``s`` the
    refractory steps left, and added when the neuron integrates again (NEST's
    ``refr_spikes_buffer``; the variables ``refr_spikes`` and
    ``refr_steps`` exist only then).

    ================  ===========  =====  =======================================
    name              default      unit   meaning
    ================  ===========  =====  =======================================
    E_L               -70.0        mV     resting potential
    C_m               250.0        pF     membrane capacitance
    tau_m             10.0         ms     membrane time constant
    t_ref             2.0          ms     refractory period
    V_th              -55.0        mV     spike threshold
    V_reset           -70.0        mV     reset potential
    I_e               0.0          pA     constant input current
    V_min             -DBL_MAX     mV     lower bound of V_m (*)
    refractory_input  False        --     keep input arriving while refractory
    V_m               -70.0        mV     state: initial membrane potential
    ================  ===========  =====  =======================================

    (*) the engine reads numbers above -1e308 only: a V_min below -1e300
    (NEST's default, "no bound") is the parameter value -1e300.

    Integration: NEST's exact propagators (``P33``, ``P30``, recomputed only
    when ``dt``, ``tau_m`` or ``C_m`` change). Measured against NEST 3.10
    (tests/data/nest/iaf_psc_delta.json, 300 ms, dt = 0.1 ms, three
    parameter sets including ``refractory_input``): max |dV_m| <= 1e-9 mV
    (the rounding of the stored traces), every spike at the same step.
    """

    summary = "NEST iaf_psc_delta: leaky integrate-and-fire neuron with delta-shaped input."
    defaults = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "V_th": -55.0,
                "V_reset": -70.0, "I_e": 0.0, "V_min": -_DBL_MAX, "refractory_input": False,
                "V_m": -70.0}
    states = ("V_m",)
    checks = (_CHECK_RESET, _CHECK_C, _CHECK_REFRACTORY, _CHECK_TAU_M)

    def _definition(self, p):
        params = ("E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "I_e", "V_min")
        refr = p["refractory_input"]
        eqs = _cached(("tau_m", "C_m"), [
            ("P33", "exp(-dt/tau_m)"),
            ("P30", "tau_m/C_m*(1.0 - P33)"),
        ])
        extra = " + refr_spikes" if refr else ""
        eqs.append(f"V_m = max(E_L + (P30*I_e + P33*(V_m - E_L) + g_exc - g_inh{extra}), V_min)"
                   f" : init = {_f(p['V_m'])}, unless_refractory")
        reset = ["V_m = V_reset"]
        if refr:
            eqs += [
                "refr_spikes = if refr_steps > 0 then refr_spikes + (g_exc - g_inh)"
                "*exp(-refr_steps*dt/tau_m) else 0.0",
                "refr_steps = if refr_steps > 0 then refr_steps - 1 else 0 : int",
            ]
            reset.append("refr_steps = t_ref/dt + 0.5 : unless_refractory")
        return dict(parameters=self._parameters(p, params), functions=_FUNCTIONS,
                    equations="\n".join(eqs), spike="V_m >= V_th", reset="\n".join(reset),
                    refractory="t_ref")


# --- iaf_psc_exp -------------------------------------------------------------------

@register
class iaf_psc_exp(_NestNeuron):
    """NEST's ``iaf_psc_exp``: leaky integrate-and-fire, exponential currents.

    Equations (exact integration, NEST's update order; ``h = dt``)::

        V_m      = E_L + (V_m - E_L)*P22 + I_syn_ex*P21ex + I_syn_in*P21in + I_e*P20
        I_syn_ex = I_syn_ex*P11ex + g_exc
        I_syn_in = I_syn_in*P11in - g_inh

    with ``P11 = exp(-h/tau_syn)``, ``P22 = exp(-h/tau_m)``,
    ``P20 = tau_m/C_m*(1 - P22)`` and ``P21`` NEST's ``IAFPropagatorExp``
    (its regular formula with ``expm1``; ``h/C_m*exp(-h/tau_m)`` when
    ``tau_syn == tau_m``). ``V_m`` is advanced with the currents of the start
    of the step, then the currents decay and take the step's input: a spike
    of weight w (pA) arriving in step k moves ``V_m`` from step k+1 on, as in
    NEST. ``I_syn_in`` has NEST's sign (negative): an ``inh`` weight w >= 0
    is NEST's weight -w.

    Spike when ``V_m >= V_th`` (``delta = 0``, the default), or, with
    ``delta > 0``, NEST's escape noise: with probability
    ``rho*exp((V_m - V_th)/delta)*dt*1e-3`` per step (not comparable spike by
    spike with NEST: other random numbers; and NEST also tests it while
    refractory, the engine does not). Reset ``V_m = V_reset``, held for
    ``t_ref``; the currents keep integrating their input meanwhile.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    E_L         -70.0     mV     resting potential
    C_m         250.0     pF     membrane capacitance
    tau_m       10.0      ms     membrane time constant
    t_ref       2.0       ms     refractory period
    V_th        -55.0     mV     spike threshold
    V_reset     -70.0     mV     reset potential
    tau_syn_ex  2.0       ms     decay time of the excitatory current
    tau_syn_in  2.0       ms     decay time of the inhibitory current
    I_e         0.0       pA     constant input current
    rho         0.01      1/s    escape rate at threshold (if delta > 0)
    delta       0.0       mV     width of the escape-noise region (0: none)
    V_m         -70.0     mV     state: initial membrane potential
    I_syn_ex    0.0       pA     state: initial excitatory current (engine only)
    I_syn_in    0.0       pA     state: initial inhibitory current (engine only)
    ==========  ========  =====  ==============================================

    (NEST records ``I_syn_ex``/``I_syn_in`` but does not let them be set.)

    Integration: NEST's exact propagators, recomputed only when ``dt``,
    ``tau_m``, ``tau_syn_*`` or ``C_m`` change. Measured against NEST 3.10
    (tests/data/nest/iaf_psc_exp.json, 300 ms, dt = 0.1 ms, defaults and a
    set with ``tau_syn_ex == tau_m``): max |dV_m| <= 1e-9 mV (the rounding
    of the stored traces), every spike at the same step.
    """

    summary = "NEST iaf_psc_exp: LIF neuron with exponential synaptic currents."
    defaults = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "V_th": -55.0,
                "V_reset": -70.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0, "I_e": 0.0,
                "rho": 0.01, "delta": 0.0, "V_m": -70.0, "I_syn_ex": 0.0, "I_syn_in": 0.0}
    states = ("V_m", "I_syn_ex", "I_syn_in")
    checks = (_CHECK_RESET, _CHECK_C, _CHECK_TAU_M, _CHECK_TAU_SYN, _CHECK_REFRACTORY,
              (lambda p: p["rho"] >= 0, "rho must not be negative"),
              (lambda p: p["delta"] >= 0, "delta must not be negative"))

    def _definition(self, p):
        params = ("E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "tau_syn_ex",
                  "tau_syn_in", "I_e", "rho", "delta")
        eqs = _cached(("tau_m", "tau_syn_ex", "tau_syn_in", "C_m"), [
            ("P11ex", "exp(-dt/tau_syn_ex)"),
            ("P11in", "exp(-dt/tau_syn_in)"),
            ("P22", "exp(-dt/tau_m)"),
            ("P21ex", "p32(tau_syn_ex, tau_m, C_m, dt)"),
            ("P21in", "p32(tau_syn_in, tau_m, C_m, dt)"),
            ("P20", "tau_m/C_m*(1.0 - P22)"),
        ])
        eqs += [
            "V_m = E_L + ((V_m - E_L)*P22 + I_syn_ex*P21ex + I_syn_in*P21in + I_e*P20)"
            f" : init = {_f(p['V_m'])}, unless_refractory",
            f"I_syn_ex = I_syn_ex*P11ex + g_exc : init = {_f(p['I_syn_ex'])}",
            f"I_syn_in = I_syn_in*P11in - g_inh : init = {_f(p['I_syn_in'])}",
        ]
        spike = ("(delta < 1e-10 and V_m >= V_th) or (delta > 1e-10 and "
                 "Uniform(0.0, 1.0) < rho*exp((V_m - V_th)/delta)*dt*0.001)")
        return dict(parameters=self._parameters(p, params), functions=_FUNCTIONS,
                    equations="\n".join(eqs), spike=spike, reset="V_m = V_reset",
                    refractory="t_ref")


# --- iaf_psc_alpha -------------------------------------------------------------------

@register
class iaf_psc_alpha(_NestNeuron):
    """NEST's ``iaf_psc_alpha``: leaky integrate-and-fire, alpha-shaped currents.

    Equations (exact integration, NEST's update order; ``h = dt``)::

        V_m       = max(E_L + P30*I_e + P31ex*dI_syn_ex + P32ex*I_syn_ex
                        + P31in*dI_syn_in + P32in*I_syn_in
                        + expm1(-h/tau_m)*(V_m - E_L) + (V_m - E_L), V_min)
        I_syn_ex  = P21ex*dI_syn_ex + P11ex*I_syn_ex
        dI_syn_ex = dI_syn_ex*P11ex + e/tau_syn_ex * g_exc
        (same for the inhibitory pair, with -g_inh)

    ``P11 = exp(-h/tau_syn)``, ``P21 = h*P11``,
    ``P30 = -tau_m/C_m*expm1(-h/tau_m)``, ``P31``/``P32`` NEST's
    ``IAFPropagatorAlpha`` (regular formulas with ``expm1``; their singular
    limits when ``tau_syn == tau_m``). A spike of weight w (pA) gives the
    current ``w * s/tau_syn * exp(1 - s/tau_syn)`` (peak w at
    ``s = tau_syn``), moving ``V_m`` from the step after its arrival, as in
    NEST. ``dI_syn_*`` (pA/ms) are NEST's internal ``dI_ex``/``dI_in``; the
    inhibitory pair has NEST's (negative) sign.

    Spike when ``V_m >= V_th``; reset ``V_m = V_reset``, held for ``t_ref``
    while the currents keep integrating.

    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    E_L         -70.0     mV     resting potential
    C_m         250.0     pF     membrane capacitance
    tau_m       10.0      ms     membrane time constant
    t_ref       2.0       ms     refractory period
    V_th        -55.0     mV     spike threshold
    V_reset     -70.0     mV     reset potential
    tau_syn_ex  2.0       ms     rise time of the excitatory alpha current
    tau_syn_in  2.0       ms     rise time of the inhibitory alpha current
    I_e         0.0       pA     constant input current
    V_min       -inf      mV     lower bound of V_m (below -1e300: -1e300)
    V_m         -70.0     mV     state: initial membrane potential
    I_syn_ex    0.0       pA     state: excitatory current (engine only)
    I_syn_in    0.0       pA     state: inhibitory current (engine only)
    dI_syn_ex   0.0       pA/ms  state: its derivative (engine only)
    dI_syn_in   0.0       pA/ms  state: its derivative (engine only)
    ==========  ========  =====  ==============================================

    Integration: NEST's exact propagators, recomputed only when ``dt``,
    ``tau_m``, ``tau_syn_*`` or ``C_m`` change. Measured against NEST 3.10
    (tests/data/nest/iaf_psc_alpha.json, 300 ms, dt = 0.1 ms, defaults and a
    set with ``tau_syn_in == tau_m`` and ``V_min``): max |dV_m| <= 1e-9 mV
    (the rounding of the stored traces), every spike at the same step.
    """

    summary = "NEST iaf_psc_alpha: LIF neuron with alpha-shaped synaptic currents."
    defaults = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "V_th": -55.0,
                "V_reset": -70.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0, "I_e": 0.0,
                "V_min": -math.inf, "V_m": -70.0, "I_syn_ex": 0.0, "I_syn_in": 0.0,
                "dI_syn_ex": 0.0, "dI_syn_in": 0.0}
    states = ("V_m", "I_syn_ex", "I_syn_in", "dI_syn_ex", "dI_syn_in")
    checks = (_CHECK_C, _CHECK_TAU_M, _CHECK_TAU_SYN, _CHECK_REFRACTORY, _CHECK_RESET)

    def _definition(self, p):
        params = ("E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "tau_syn_ex",
                  "tau_syn_in", "I_e", "V_min")
        eqs = _cached(("tau_m", "tau_syn_ex", "tau_syn_in", "C_m"), [
            ("P11ex", "exp(-dt/tau_syn_ex)"),
            ("P11in", "exp(-dt/tau_syn_in)"),
            ("expm1_tau_m", "expm1(-dt/tau_m)"),
            ("P30", "-tau_m/C_m*expm1_tau_m"),
            ("P21ex", "dt*P11ex"),
            ("P21in", "dt*P11in"),
            ("P31ex", "p31(tau_syn_ex, tau_m, C_m, dt)"),
            ("P32ex", "p32(tau_syn_ex, tau_m, C_m, dt)"),
            ("P31in", "p31(tau_syn_in, tau_m, C_m, dt)"),
            ("P32in", "p32(tau_syn_in, tau_m, C_m, dt)"),
        ])
        eqs += [
            "V_m = max(E_L + (P30*I_e + P31ex*dI_syn_ex + P32ex*I_syn_ex + P31in*dI_syn_in"
            " + P32in*I_syn_in + expm1_tau_m*(V_m - E_L) + (V_m - E_L)), V_min)"
            f" : init = {_f(p['V_m'])}, unless_refractory",
            f"I_syn_ex = P21ex*dI_syn_ex + P11ex*I_syn_ex : init = {_f(p['I_syn_ex'])}",
            f"dI_syn_ex = dI_syn_ex*P11ex + {_E}/tau_syn_ex*g_exc : init = {_f(p['dI_syn_ex'])}",
            f"I_syn_in = P21in*dI_syn_in + P11in*I_syn_in : init = {_f(p['I_syn_in'])}",
            f"dI_syn_in = dI_syn_in*P11in - {_E}/tau_syn_in*g_inh : init = {_f(p['dI_syn_in'])}",
        ]
        return dict(parameters=self._parameters(p, params), functions=_FUNCTIONS,
                    equations="\n".join(eqs), spike="V_m >= V_th", reset="V_m = V_reset",
                    refractory="t_ref")


# --- iaf_cond_exp / iaf_cond_alpha ---------------------------------------------------------

_COND_PARAMS = ("E_L", "C_m", "g_L", "t_ref", "V_th", "V_reset", "E_ex", "E_in",
                "tau_syn_ex", "tau_syn_in", "I_e")
_COND_DEFAULTS = {"E_L": -70.0, "C_m": 250.0, "g_L": 16.6667, "t_ref": 2.0, "V_th": -55.0,
                  "V_reset": -60.0, "E_ex": 0.0, "E_in": -85.0, "tau_syn_ex": 0.2,
                  "tau_syn_in": 2.0, "I_e": 0.0, "V_m": -70.0, "g_ex": 0.0, "g_in": 0.0}
_COND_CHECKS = (_CHECK_RESET, _CHECK_C, _CHECK_REFRACTORY, _CHECK_TAU_SYN)
_COND_TABLE = """
    ==========  ========  =====  ==============================================
    name        default   unit   meaning
    ==========  ========  =====  ==============================================
    E_L         -70.0     mV     leak reversal potential
    C_m         250.0     pF     membrane capacitance
    g_L         16.6667   nS     leak conductance
    t_ref       2.0       ms     refractory period
    V_th        -55.0     mV     spike threshold
    V_reset     -60.0     mV     reset potential
    E_ex        0.0       mV     excitatory reversal potential
    E_in        -85.0     mV     inhibitory reversal potential
    tau_syn_ex  0.2       ms     {ex}
    tau_syn_in  2.0       ms     {inh}
    I_e         0.0       pA     constant input current
    V_m         -70.0     mV     state: initial membrane potential
    g_ex        0.0       nS     state: excitatory conductance
    g_in        0.0       nS     state: inhibitory conductance{more}
    ==========  ========  =====  ==============================================
"""


def _cond_definition(p, alpha: bool):
    syns = [_Syn("g_ex", "dg_ex" if alpha else None, "tau_syn_ex"),
            _Syn("g_in", "dg_in" if alpha else None, "tau_syn_in")]
    eqs = _cond_equations(syns, _cond_rhs, ["g_exc", "g_inh"])
    # initial values on the definitions
    inits = {"V_m": p["V_m"], "g_ex": p["g_ex"], "g_in": p["g_in"]}
    if alpha:
        inits.update(dg_ex=p["dg_ex"], dg_in=p["dg_in"])
    out = []
    for line in eqs:
        name = line.split("=", 1)[0].strip()
        if name in inits:
            line += f" : init = {_f(inits[name])}"
        out.append(line)
    # NEST's refractory counter (its dynamics read it: dV/dt = 0 while > 0)
    out.append("refr_steps = if refr_steps > 0 then refr_steps - 1 else 0 : int")
    params = "\n".join(f"{k} = {_f(p[k])}" for k in _COND_PARAMS)
    return dict(parameters=params, functions=_COND_FUNCTIONS, equations="\n".join(out),
                spike="V_m >= V_th",
                reset="V_m = V_reset\nrefr_steps = t_ref/dt + 0.5 : unless_refractory",
                refractory="t_ref")


_COND_DOC_TAIL = """
    Integration: NEST integrates with GSL's adaptive RKF45 (``gsl_odeiv``,
    ``rkf45``, absolute tolerance 1e-3 on every state component, step size
    control within each ``dt``). Here: one RKF45 step of ``dt`` with GSL's
    tableau (the conductances' stages written as the exact polynomials that
    the tableau gives for their linear equations), GSL's error estimate, and
    where NEST's control would reject the step (``max|err|/1e-3 > 1.1``),
    two RKF45 half steps instead. The stage derivatives are the variables
    ``rk_k1..6`` (``rk_a*``, ``rk_b*``: the half steps, ``rk_V_m``,
    ``rk_g_*``: the state between them; ``rk_reject``).
    While refractory (``refr_steps > 0``, NEST's counter) ``dV_m/dt = 0``, the
    conductances keep evolving, ``V_m`` is held at ``V_reset``.
"""


@register
class iaf_cond_exp(_NestNeuron):
    __doc__ = """NEST's ``iaf_cond_exp``: leaky integrate-and-fire, exponential
    conductances.

    Equations (NEST's ``iaf_cond_exp_dynamics``)::

        C_m dV_m/dt = -g_L*(V - E_L) - g_ex*(V - E_ex) - g_in*(V - E_in) + I_e
                      with V = min(V_m, V_th)
        dg_ex/dt = -g_ex/tau_syn_ex ;  dg_in/dt = -g_in/tau_syn_in

    A spike of weight w (nS) is added to ``g_ex`` (``inh``: ``g_in``) after
    the step's integration, so it moves ``V_m`` from the next step on, as in
    NEST. Spike when ``V_m >= V_th``; reset ``V_m = V_reset``, held for
    ``t_ref``.
""" + _COND_TABLE.format(ex="decay time of the excitatory conductance",
                         inh="decay time of the inhibitory conductance", more="") \
        + _COND_DOC_TAIL + """
    Measured against NEST 3.10 (tests/data/nest/iaf_cond_exp.json, 300 ms,
    dt = 0.1 ms): defaults (fast ``tau_syn_ex = 0.2``, where NEST subdivides
    steps after each input) max |dV_m| = 1.1e-5 mV; a second parameter set
    where NEST never subdivides: 1e-9 mV (the rounding of the traces). Every
    spike at the same step. (NEST's own error against the exact solution is
    5.6e-6 mV on the first set.)
    """

    summary = "NEST iaf_cond_exp: LIF neuron with exponential synaptic conductances."
    defaults = dict(_COND_DEFAULTS)
    states = ("V_m", "g_ex", "g_in")
    checks = _COND_CHECKS

    def _definition(self, p):
        return _cond_definition(p, alpha=False)


@register
class iaf_cond_alpha(_NestNeuron):
    __doc__ = """NEST's ``iaf_cond_alpha``: leaky integrate-and-fire,
    alpha-shaped conductances.

    Equations (NEST's ``iaf_cond_alpha_dynamics``)::

        C_m dV_m/dt = -g_L*(V - E_L) - g_ex*(V - E_ex) - g_in*(V - E_in) + I_e
                      with V = min(V_m, V_th)
        d(dg_ex)/dt = -dg_ex/tau_syn_ex ;  dg_ex/dt = dg_ex - g_ex/tau_syn_ex
        (same for dg_in, g_in)

    A spike of weight w (nS) adds ``e/tau_syn_ex * w`` to ``dg_ex`` after
    the step's integration: ``g_ex`` then follows
    ``w * s/tau * exp(1 - s/tau)`` (peak w at ``s = tau_syn_ex``). Spike when
    ``V_m >= V_th``; reset ``V_m = V_reset``, held for ``t_ref``.
""" + _COND_TABLE.format(
        ex="rise time of the excitatory alpha conductance",
        inh="rise time of the inhibitory alpha conductance",
        more="\n    dg_ex       0.0       nS/ms  state: derivative of g_ex"
             "\n    dg_in       0.0       nS/ms  state: derivative of g_in") \
        + _COND_DOC_TAIL + """
    Measured against NEST 3.10 (tests/data/nest/iaf_cond_alpha.json, 300 ms,
    dt = 0.1 ms): defaults max |dV_m| = 4.0e-6 mV; a second parameter set
    where NEST never subdivides: 1e-9 mV (the rounding of the traces). Every
    spike at the same step. (NEST's own error against the exact solution is
    1.4e-5 mV on the first set.)
    """

    summary = "NEST iaf_cond_alpha: LIF neuron with alpha-shaped synaptic conductances."
    defaults = {**_COND_DEFAULTS, "dg_ex": 0.0, "dg_in": 0.0}
    states = ("V_m", "g_ex", "g_in", "dg_ex", "dg_in")
    checks = _COND_CHECKS

    def _definition(self, p):
        return _cond_definition(p, alpha=True)


# --- parrot_neuron -----------------------------------------------------------------------

@register
class parrot_neuron(_NestNeuron):
    """NEST's ``parrot_neuron``: repeats every spike it receives.

    Equations::

        n_spikes = g_exc + g_inh

    spike when ``n_spikes > 0``: the parrot spikes in the step the input
    arrives (NEST stamps that spike at the end of the step: engine step k is
    NEST's (k+1)*dt, as for every model here), whatever the target.

    NEST ignores the weights of a parrot's input and sends one spike with
    the multiplicity of the spikes arrived in the step. Here ``n_spikes``
    sums the weights: connect with weight 1 (any positive weight triggers
    the spike; a weight of 0 does not, unlike NEST) and ``n_spikes`` is that
    multiplicity. The engine sends one spike per step, so a parrot receiving
    several spikes in one step passes on one (NEST: one event of
    multiplicity n, counted n times by its targets).

    No parameters, no state variable other than ``n_spikes``, no
    refractoriness. Measured against NEST 3.10
    (tests/data/nest/parrot_neuron.json): every spike at the same step.
    """

    summary = "NEST parrot_neuron: repeats the spikes it receives."
    defaults = {}

    def _definition(self, p):
        return dict(equations="n_spikes = g_exc + g_inh", spike="n_spikes > 0")


for _cls in (iaf_psc_delta, iaf_psc_exp, iaf_psc_alpha, iaf_cond_exp, iaf_cond_alpha,
             parrot_neuron):
    _cls.__doc__ = _cls.__doc__.rstrip() + "\n" + _TIMING_DOC
del _cls
