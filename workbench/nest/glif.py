"""NEST's ``glif_psc`` (the Allen Institute's GLIF models) on the engine.

Imported by :mod:`workbench.nest.adaptive`, which registers it in the
catalogue; see that module for the shared conventions and the timing mapping.
"""

from __future__ import annotations

from workbench.nest.adaptive import _E, NestNeuron, Statements, _text, nest_steps
from workbench.nest.catalogue import register

__all__ = ["glif_psc"]

#: (spike_dependent_threshold, after_spike_currents, adapting_threshold) -> level
GLIF_LEVELS = {
    (False, False, False): (1, "LIF"),
    (True, False, False): (2, "LIF_R"),
    (False, True, False): (3, "LIF_ASC"),
    (True, True, False): (4, "LIF_R_ASC"),
    (True, True, True): (5, "LIF_R_ASC_A"),
}


@register
class glif_psc(NestNeuron):
    """NEST's ``glif_psc``: generalized leaky integrate-and-fire neuron
    (Teeter et al. 2018), alpha-shaped synaptic currents.

    Three switches choose the level (NEST's names), fixed when the model is
    built: ``spike_dependent_threshold`` (R), ``after_spike_currents`` (ASC),
    ``adapting_threshold`` (A). Levels: 1 LIF (none, the default), 2 LIF_R
    (R), 3 LIF_ASC (ASC), 4 LIF_R_ASC (R, ASC), 5 LIF_R_ASC_A (all three);
    other combinations are refused (:class:`NestModelError`), as NEST does.

    Equations (``U = V_m - E_L``; ``Th = V_th - E_L + threshold_spike +
    threshold_voltage``; all solved exactly over a step, as NEST)::

        C_m dU/dt = -g U + I_syn + I_stim + sum_j I_j       (I_j: after-spike currents)
        dI_j/dt = -asc_decay_j I_j                           (ASC)
        dthreshold_spike/dt = -th_spike_decay threshold_spike                 (R)
        dthreshold_voltage/dt = th_voltage_index U - th_voltage_decay threshold_voltage  (A)
        I_syn: alpha function, a spike of weight w (pA) peaks at +w (exc) or -w (inh)
               tau_syn after it arrives (one receptor port: both go to port 1)

    NEST's discretisation, reproduced statement for statement: per step, the
    after-spike currents enter as their exact mean over the step, ``U`` takes
    the exact propagators of the alpha current (NEST's ``IAFPropagatorAlpha``,
    its singular case included). Spike when ``U > Th`` (strict), in the same
    step: ``V_m = V_reset`` (levels 1, 3) or ``U = voltage_reset_fraction *
    U_before + voltage_reset_add`` (R), ``I_j = asc_amps_j + asc_r_j * I_j *
    exp(-asc_decay_j t_ref)`` (ASC), ``threshold_spike = threshold_spike *
    exp(-th_spike_decay t_ref) + th_spike_add`` (R). Then refractory for
    ``t_ref`` (rounded up to whole steps): ``V_m``, the after-spike currents
    and the thresholds are frozen, the synaptic currents evolve.

    ========================  ===============  =====  ======================================
    name                      default          unit   meaning
    ========================  ===============  =====  ======================================
    V_th                      -51.68           mV     instantaneous threshold
    g                         9.43             nS     membrane conductance
    E_L                       -78.85           mV     resting potential
    C_m                       58.72            pF     membrane capacitance
    t_ref                     3.75             ms     refractory period (> 0)
    V_reset                   -78.85           mV     reset potential (levels 1, 3)
    th_spike_add              0.37             mV     threshold jump at a spike (R)
    th_spike_decay            0.009            1/ms   decay rate of threshold_spike (R)
    voltage_reset_fraction    0.2              --     voltage reset: fraction (R)
    voltage_reset_add         18.51            mV     voltage reset: offset (R)
    th_voltage_index          0.005            1/ms   coupling of threshold_voltage to U (A)
    th_voltage_decay          0.09             1/ms   decay rate of threshold_voltage (A)
    asc_init                  [0.0, 0.0]       pA     no effect (as in NEST 3.10)
    asc_decay                 [0.003, 0.1]     1/ms   decay rates of the after-spike currents
    asc_amps                  [-9.18, -198.94] pA     jumps of the after-spike currents
    asc_r                     [1.0, 1.0]       --     fraction of I_j kept at a spike
    tau_syn                   [2.0]            ms     synaptic time constant (one port only)
    spike_dependent_threshold False            bool   R
    after_spike_currents      False            bool   ASC
    adapting_threshold        False            bool   A
    ========================  ===============  =====  ======================================

    The lists become one parameter per entry in the population:
    ``asc_decay_0``, ``asc_decay_1``, ``tau_syn_0``... (any number of
    after-spike currents, all lists of the same length). State keywords
    (initial values): ``V_m`` (-78.85 mV), ``ASCurrents`` (a list, zeros),
    ``threshold_spike`` (0, R only), ``threshold_voltage`` (0, A only); NEST
    starts ``ASCurrents`` with two zeros whatever the length of the lists:
    give it for other lengths, as in NEST. Recordable as in NEST:
    ``threshold`` (mV, absolute), ``threshold_spike``, ``threshold_voltage``,
    ``ASCurrents_sum``, ``I_syn``, ``I_stim`` (NEST's ``I``), and
    ``ASCurrents_0``...

    Agreement with NEST 3.10 (tests/data/nest/glif_psc*.json: one file per
    level, one with tau_m = C_m/g = tau_syn (the propagators' singular case),
    one with three after-spike currents; 300 ms, input spikes of both signs
    and a step current of 300 to 1500 pA, 8 to 24 spikes): the same spikes in
    the same steps, max |dV_m| 5e-7 mV (the rounding of the stored data), the
    thresholds and after-spike currents likewise.
    """

    summary = "NEST glif_psc: generalized LIF (Allen Institute), alpha-shaped currents."
    nest_parameters = {
        "V_th": -51.68, "g": 9.43, "E_L": -78.85, "C_m": 58.72, "t_ref": 3.75,
        "V_reset": -78.85, "th_spike_add": 0.37, "th_spike_decay": 0.009,
        "voltage_reset_fraction": 0.2, "voltage_reset_add": 18.51,
        "th_voltage_index": 0.005, "th_voltage_decay": 0.09,
        "asc_init": (0.0, 0.0), "asc_decay": (0.003, 0.1), "asc_amps": (-9.18, -198.94),
        "asc_r": (1.0, 1.0), "tau_syn": (2.0,),
        "spike_dependent_threshold": False, "after_spike_currents": False,
        "adapting_threshold": False,
    }
    nest_state = {"V_m": -78.85, "ASCurrents": (0.0, 0.0), "threshold_spike": 0.0,
                  "threshold_voltage": 0.0}
    bool_keys = frozenset({"spike_dependent_threshold", "after_spike_currents",
                           "adapting_threshold"})
    list_keys = frozenset({"asc_init", "asc_decay", "asc_amps", "asc_r", "tau_syn",
                           "ASCurrents"})

    #: NEST's receptor ports of glif_psc are 1..len(tau_syn); this model has
    #: one port (tau_syn of length 1), so edges must say receptor_type 1
    receptor_ports = (1,)

    @property
    def level(self) -> int:
        """The GLIF level (1 to 5) of this model."""
        return GLIF_LEVELS[self._switches(self.values)][0]

    @staticmethod
    def _switches(p) -> tuple[bool, bool, bool]:
        return (p["spike_dependent_threshold"], p["after_spike_currents"],
                p["adapting_threshold"])

    def _checks(self, p) -> None:
        ck = self._check
        r, asc, a = self._switches(p)
        ck((r, asc, a) in GLIF_LEVELS,
           "incorrect model mechanism combination (spike_dependent_threshold, "
           f"after_spike_currents, adapting_threshold) = {(r, asc, a)}: NEST's GLIF levels are "
           + "; ".join(f"{lvl} {name} {combo}" for combo, (lvl, name) in GLIF_LEVELS.items()))
        if asc:
            k = len(p["asc_decay"])
            ck(all(len(p[key]) == k for key in ("asc_init", "asc_amps", "asc_r")),
               "All after spike current parameters (i.e., asc_init, k, asc_amps, r) must "
               "have the same size.")
            ck(all(x > 0 for x in p["asc_decay"]),
               "After-spike current time constant must be strictly positive.")
            ck(all(0.0 <= x <= 1.0 for x in p["asc_r"]),
               "After spike current fraction following spike coefficients r must be within "
               "[0.0, 1.0].")
        ck(p["V_reset"] < p["V_th"], "Reset potential must be smaller than threshold.")
        ck(p["C_m"] > 0, "Capacitance must be strictly positive.")
        ck(p["g"] > 0, "Membrane conductance must be strictly positive.")
        ck(p["t_ref"] > 0, "Refractory time constant must be strictly positive.")
        if a:
            ck(p["th_voltage_decay"] > 0,
               "Voltage-induced threshold time constant must be strictly positive.")
        if r:
            ck(p["th_spike_decay"] > 0,
               "Spike induced threshold time constant must be strictly positive.")
            ck(0.0 <= p["voltage_reset_fraction"] <= 1.0,
               "Voltage fraction coefficient following spike must be within [0.0, 1.0].")
        ck(len(p["tau_syn"]) == 1,
           f"tau_syn has {len(p['tau_syn'])} receptor ports; the catalogue routes 'exc' and "
           "'inh' to one port (port 1), so tau_syn must have exactly one entry")
        ck(all(x > 0 for x in p["tau_syn"]),
           "All synaptic time constants must be strictly positive.")
        given = self.overrides
        ck(not ("ASCurrents" in given and not asc),
           "After spike currents are not supported or settable in the current model mechanisms.")
        ck(not ("threshold_spike" in given and not r),
           "Threshold spike component is not supported or settable in the current model "
           "mechanisms.")
        ck(not ("threshold_voltage" in given and not a),
           "Threshold voltage component is not supported or settable in the current model "
           "mechanisms.")

    def _n_asc(self, p) -> int:
        return len(p["asc_decay"]) if p["after_spike_currents"] else 0

    def _definition(self, p):
        self._checks(p)
        r, asc, a = self._switches(p)
        k = self._n_asc(p)
        asc_state = p["ASCurrents"]
        if asc:
            if "ASCurrents" not in self.overrides and len(asc_state) != k:
                asc_state = (0.0,) * k
            self._check(len(asc_state) == k,
                        f"After spike current values must have have the same size ({k}) of its "
                        "parameters (i.e., asc_init, k, asc_amps, r).")
        params = []
        for key, value in p.items():
            if key not in self.nest_parameters or key in self.bool_keys:
                continue
            if isinstance(value, tuple):
                params += [f"{key}_{i} = {_text(x)}" for i, x in enumerate(value)]
            else:
                params.append(f"{key} = {_text(value)}")

        st = Statements()
        free = "s_rf == 0"
        st.set("s_rf", "if r_count > 0 then 1 else 0", "int")
        st.set("s_u0", "V_m - E_L")                 # NEST's v_old (relative to E_L)
        st.set("s_tau", "C_m/g")
        st.set("s_p33", "exp(-dt/s_tau)")
        st.set("s_p30", "1.0/C_m*(1.0 - s_p33)*s_tau")
        # IAFPropagatorAlpha(tau_syn, tau_m, C_m).evaluate(dt), singular case included
        st.set("s_p11", "exp(-dt/tau_syn_0)")
        st.set("s_p31", "if tau_syn_0 != s_tau and dt*abs(s_tau - tau_syn_0) > 1e-07*s_tau*s_tau"
                        " then (tau_syn_0*s_tau/(s_tau - tau_syn_0))/C_m*s_p11"
                        "*((tau_syn_0*s_tau/(s_tau - tau_syn_0))"
                        "*(exp(dt*(s_tau - tau_syn_0)/(tau_syn_0*s_tau)) - 1.0) - dt)"
                        " else 0.5*dt*dt/C_m*exp(-dt/s_tau)")
        st.set("s_p32", "if tau_syn_0 != s_tau"
                        " then (tau_syn_0*s_tau/(s_tau - tau_syn_0))/C_m*s_p11"
                        "*(exp(dt*(s_tau - tau_syn_0)/(tau_syn_0*s_tau)) - 1.0)"
                        " else dt/C_m*exp(-dt/s_tau)")
        if r:
            st.add("threshold_spike = if s_rf == 0 then threshold_spike*exp(-th_spike_decay*dt)"
                   f" else threshold_spike : init = {_text(p['threshold_spike'])}")
        else:
            st.add(f"threshold_spike = threshold_spike : init = {_text(p['threshold_spike'])}")
        if asc:
            terms = " + ".join(f"(1.0/asc_decay_{i})/dt*(1.0 - exp(-asc_decay_{i}*dt))"
                               f"*ASCurrents_{i}" for i in range(k))
            st.add(f"ASCurrents_sum = if {free} then {terms} else ASCurrents_sum"
                   f" : init = {_text(sum(asc_state))}")
            for i in range(k):
                st.add(f"ASCurrents_{i} = if {free} then ASCurrents_{i}*exp(-asc_decay_{i}*dt)"
                       f" else ASCurrents_{i} : init = {_text(asc_state[i])}")
        else:
            st.add("ASCurrents_sum = 0.0")
        st.set("s_un", "s_u0*s_p33 + (I_stim + ASCurrents_sum)*s_p30 + s_p31*s_y1 + s_p32*s_y2")
        st.add(f"I_syn = if {free} then s_y2 else I_syn")
        if a:
            st.set("s_beta", "(I_stim + ASCurrents_sum)/g")
            st.set("s_phi", "th_voltage_index/(th_voltage_decay - g/C_m)")
            st.set("s_ab", "th_voltage_index/th_voltage_decay")
            st.add(f"threshold_voltage = if {free} then s_phi*(s_u0 - s_beta)*exp(-g*dt/C_m)"
                   " + 1.0/exp(th_voltage_decay*dt)*(threshold_voltage - s_phi*(s_u0 - s_beta)"
                   " - s_ab*s_beta) + s_ab*s_beta else threshold_voltage"
                   f" : init = {_text(p['threshold_voltage'])}")
        else:
            st.add("threshold_voltage = threshold_voltage"
                   f" : init = {_text(p['threshold_voltage'])}")
        st.set("s_thinf", "V_th - E_L")
        st.add(f"spiked = if {free} and s_un > threshold_spike + threshold_voltage + s_thinf"
               " then 1 else 0 : int")
        for i in range(k):
            st.add(f"ASCurrents_{i} += if spiked > 0 then asc_amps_{i} + ASCurrents_{i}*asc_r_{i}"
                   f"*exp(-asc_decay_{i}*t_ref) - ASCurrents_{i} else 0.0")
        reset = ("voltage_reset_fraction*s_u0 + voltage_reset_add" if r else "V_reset - E_L")
        st.add(f"V_m = E_L + (if s_rf > 0 then s_u0 else (if spiked > 0 then {reset} else s_un))"
               f" : init = {_text(p['V_m'])}")
        if r:
            st.add("threshold_spike += if spiked > 0"
                   " then threshold_spike*exp(-th_spike_decay*t_ref) + th_spike_add"
                   " - threshold_spike else 0.0")
        st.add("threshold = threshold_spike + threshold_voltage + s_thinf + E_L")
        st.add(f"r_count = if spiked > 0 then {nest_steps('t_ref')} else"
               " (if r_count > 0 then r_count - 1 else 0) : int, init = 0")
        # alpha-shaped current (port 1): y2 from the old y1, then this step's spikes
        st.add("s_y2 = s_p11*dt*s_y1 + s_p11*s_y2")
        st.add(f"s_y1 = s_y1*s_p11 + {_E}/tau_syn_0*(g_exc - g_inh)")
        st.add("I_stim = g_current")
        return dict(parameters="\n".join(params), equations=st.text(), spike="spiked > 0")
