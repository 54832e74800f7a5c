"""BOLD models: hemodynamic models that turn neural activity into a BOLD signal.

A :class:`BoldModel` is a rate-coded :class:`~engine.language.models.Neuron`
written in the engine's equation language (see ``docs/model_language.md``)
that also names its **inputs** (the targets it reads as ``sum(I_CBF)``...)
and its **output** (``BOLD``). A BOLD monitor
(:class:`engine.runtime.bold.BoldMonitor`, ``net.boldmonitor(...)``) creates
one neuron of this model and feeds each input with the mean of a variable of
the monitored populations.

The predefined models follow ANNarchy's ``ANNarchy.extensions.bold``: the
balloon model of Buxton et al. (1998) in the four variants compared by
Stephan et al. (2007) (``balloon_RN``, ``balloon_RL``, ``balloon_CN``,
``balloon_CL``), the model of Maith et al. (2021) and the two-input model of
Maith et al. (2022). Time is in ms in the engine; the balloon equations are
written in seconds, so every derivative is divided by ``second = 1000``.

The common structure (Friston et al., 2000; Stephan et al., 2007)::

    I_CBF   = sum(I_CBF)                                  neural input
    ds/dt   = (phi*I_CBF - kappa*s - gamma*(f_in - 1))/second   vasodilatory signal
    df_in/dt = s/second                                   inflow (normalised CBF)
    E       = 1 - (1 - E_0)**(1/f_in)                     oxygen extraction fraction
    dq/dt   = (f_in*E/E_0 - (q/v)*f_out)/(tau*second)     deoxyhemoglobin
    dv/dt   = (f_in - f_out)/(tau*second)                 venous volume
    f_out   = v**(1/alpha)                                outflow (Grubb's law)

and the BOLD signal, non-linear (N) or linear (L) in ``q`` and ``v``::

    N: BOLD = V_0*(k_1*(1 - q) + k_2*(1 - q/v) + k_3*(1 - v))
    L: BOLD = V_0*((k_1 + k_2)*(1 - q) + (k_3 - k_2)*(1 - v))

with classical (C, Buxton et al., 1998) or revised (R, Obata et al., 2004)
coefficients::

    C: k_1 = (1 - V_0)*4.3*v_0*E_0*TE,  k_2 = 2*E_0,                 k_3 = 1 - epsilon
    R: k_1 = 4.3*v_0*E_0*TE,            k_2 = epsilon*r_0*E_0*TE,    k_3 = 1 - epsilon

References
----------
- Buxton, R. B., Wong, E. C., and Frank, L. R. (1998). Dynamics of blood flow
  and oxygenation changes during brain activation: the balloon model. Magnetic
  Resonance in Medicine 39, 855-864. doi:10.1002/mrm.1910390602
- Friston, K. J., Mechelli, A., Turner, R., and Price, C. J. (2000). Nonlinear
  responses in fMRI: the balloon model, Volterra kernels, and other
  hemodynamics. NeuroImage 12, 466-477. doi:10.1006/nimg.2000.0630
- Obata, T. et al. (2004). Discrepancies between BOLD and flow dynamics in
  primary and supplementary motor areas: application of the balloon model to
  the interpretation of BOLD transients. NeuroImage 21, 144-153.
- Buxton, R. B., Uludag, K., Dubowitz, D. J., and Liu, T. T. (2004). Modeling
  the hemodynamic response to brain activation. NeuroImage 23, S220-S233.
  doi:10.1016/j.neuroimage.2004.07.013
- Stephan, K. E., Weiskopf, N., Drysdale, P. M., Robinson, P. A., and
  Friston, K. J. (2007). Comparing hemodynamic models with DCM. NeuroImage 38,
  387-401. doi:10.1016/j.neuroimage.2007.07.040
- Maith, O., Escudero, F. V., Dinkelbach, H. U., Baladron, J., Horn, A.,
  Irmen, F., Kühn, A. A., and Hamker, F. H. (2021). A computational
  model-based analysis of basal ganglia pathway changes in Parkinson's
  disease inferred from resting-state fMRI. European Journal of Neuroscience
  53, 2278-2295. doi:10.1111/ejn.14868
- Maith, O., Dinkelbach, H. U., Baladron, J., Vitay, J., and Hamker, F. H.
  (2022). BOLD monitoring in the neural simulator ANNarchy. Frontiers in
  Neuroinformatics 16. doi:10.3389/fninf.2022.790966
"""

from __future__ import annotations

import difflib
import math
import numbers
from types import MappingProxyType
from typing import Any, ClassVar, Mapping

from engine.errors import EquationError, ModelError
from engine.language.models import Neuron

__all__ = [
    "BoldModel",
    "balloon_RN",
    "balloon_RL",
    "balloon_CN",
    "balloon_CL",
    "balloon_maith2021",
    "balloon_two_inputs",
]

_NO_RATE = "rate-coded neurons must define the firing rate r"


def _names(value, what: str, model: str) -> tuple[str, ...]:
    """``'I_CBF'`` or ``['I_CBF', 'I_CMRO2']`` -> tuple of identifiers."""
    items = [value] if isinstance(value, str) else value
    try:
        items = list(items)
    except TypeError:
        items = [items]
    if not items or not all(isinstance(x, str) and x.isidentifier() for x in items):
        raise ModelError(f"BOLD model {model!r}: {what} must be a name or a list of names "
                         f"such as 'I_CBF', got {value!r}")
    if len(set(items)) != len(items):
        raise ModelError(f"BOLD model {model!r}: {what} lists a name twice: {items}")
    return tuple(items)


class BoldModel(Neuron):
    """A hemodynamic model for a BOLD monitor: a rate-coded neuron that names
    its inputs and its output.

    Parameters
    ----------
    parameters : str or dict
        As for :class:`~engine.language.models.Neuron`.
    equations : str or list
        As for ``Neuron``. Each input must be read as ``sum(<input>)``,
        usually through ``I_CBF = sum(I_CBF)`` so that the input can be
        recorded.
    inputs : str or list of str
        The targets the BOLD monitor fills (``'I_CBF'``, or
        ``['I_CBF', 'I_CMRO2']`` for two inputs). The monitor's ``mapping``
        keys must be among them.
    output : str or list of str, optional
        The output variable(s) (default ``'BOLD'``); always recorded by the
        monitor.
    name, description : str, optional

    Notes
    -----
    The engine requires a rate-coded neuron to define its rate ``r``. When
    the equations do not, ``r = <first output>`` is appended, so ``r`` is a
    copy of the BOLD signal (a model may use ``r`` for something else, as
    :class:`balloon_two_inputs` does for the CMRO2 flow).

    Examples
    --------
    >>> simple = BoldModel(
    ...     parameters="tau = 1000.0 : population",
    ...     equations='''
    ...         I_CBF = sum(I_CBF)
    ...         tau * dBOLD/dt = I_CBF - BOLD
    ...     ''',
    ...     inputs="I_CBF")
    """

    def __init__(self, parameters="", equations="", inputs="I_CBF", output="BOLD",
                 name="Custom BOLD model", description=""):
        label = name or type(self).__name__
        inputs = _names(inputs, "inputs", label)
        output = _names(output, "output", label)
        try:
            Neuron.__init__(self, parameters=parameters, equations=equations, name=name,
                            description=description)
        except EquationError as exc:
            if not any(d.message == _NO_RATE for d in exc.diagnostics):
                raise
            # no rate: r mirrors the (first) output
            extra = f"r = {output[0]}"
            if isinstance(equations, str):
                equations = equations.rstrip() + "\n" + extra
                extra_line = equations.count("\n") + 1
            else:
                equations = list(equations) + [extra]
                extra_line = len(equations)
            try:
                Neuron.__init__(self, parameters=parameters, equations=equations, name=name,
                                description=description)
            except EquationError as exc2:
                own = [d for d in exc2.diagnostics
                       if not (d.block == "equations" and d.line == extra_line)]
                if own:  # the user's own mistakes first
                    raise EquationError(own) from None
                raise ModelError(
                    f"BOLD model {label!r}: output '{output[0]}' is not a variable of the "
                    "model; define it in the equations or name the output with "
                    "output='...'") from None
        ir = self.ir
        for tgt in inputs:
            if tgt not in ir.targets:
                raise ModelError(
                    f"BOLD model {label!r}: input '{tgt}' is never read by the equations; "
                    f"read it as sum({tgt}), e.g. '{tgt} = sum({tgt})'"
                    + (f" (the model reads: {', '.join(ir.targets)})" if ir.targets else ""))
        names = ir.names
        for out in output:
            if out not in names:
                close = difflib.get_close_matches(out, names, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ModelError(f"BOLD model {label!r}: output '{out}' is not a variable of "
                                 f"the model{hint}")
        self.inputs = inputs
        self.output = output

    # ANNarchy's spellings
    @property
    def _inputs(self) -> list[str]:
        return list(self.inputs)

    @property
    def _output(self) -> list[str]:
        return list(self.output)

    def __repr__(self) -> str:
        return (f"<BoldModel {self.model_name!r}: inputs {', '.join(self.inputs)}, "
                f"output {', '.join(self.output)}>")


# --- predefined models ------------------------------------------------------------

def _rebuild(cls, overrides):
    """Pickle support: rebuild a predefined model from its class and overrides."""
    return cls(**overrides)


class _PredefinedBoldModel(BoldModel):
    """Base of the predefined models: keyword overrides of ``defaults``.

    Subclasses set ``defaults`` (parameter -> value), ``title`` (the model
    name), ``summary`` and ``equations_text``; every parameter is
    population-wide (one BOLD neuron per monitor).
    """

    defaults: ClassVar[Mapping[str, float]] = MappingProxyType({})
    title: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    equations_text: ClassVar[str] = ""
    inputs_spec: ClassVar[tuple[str, ...]] = ("I_CBF",)

    def __init__(self, **overrides):
        cls = type(self)
        for key in overrides:
            if key not in cls.defaults:
                close = difflib.get_close_matches(key, list(cls.defaults), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ModelError(f"{cls.__name__}: unknown parameter '{key}'{hint}. "
                                 f"Valid keywords: {', '.join(cls.defaults)}")
        values = {}
        for key, default in cls.defaults.items():
            value = overrides.get(key, default)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                    or not math.isfinite(float(value)):
                raise ModelError(f"{cls.__name__}: parameter '{key}' must be a finite real "
                                 f"number, got {value!r}")
            values[key] = float(value)
        self.overrides = MappingProxyType(dict(overrides))
        self.values = MappingProxyType(values)
        parameters = "\n".join(f"{k} = {v!r} : population" for k, v in values.items())
        BoldModel.__init__(self, parameters=parameters, equations=cls.equations_text,
                           inputs=list(cls.inputs_spec), output="BOLD", name=cls.title,
                           description=cls.summary)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.overrides.items())
        return f"{type(self).__name__}({args})"

    def __reduce__(self):
        return (_rebuild, (type(self), dict(self.overrides)))


_BALLOON_DEFAULTS = {
    "second": 1000.0,
    "phi": 1.0,
    "kappa": 1 / 1.54,
    "gamma": 1 / 2.46,
    "E_0": 0.34,
    "tau": 0.98,
    "alpha": 0.33,
    "V_0": 0.02,
    "v_0": 40.3,
    "TE": 40 / 1000.0,
    "epsilon": 1.43,
}

_BALLOON_DYNAMICS = """
# single input (neural activity -> vasodilatory signal -> inflow)
I_CBF    = sum(I_CBF)                                              : init = 0.0
ds/dt    = (phi * I_CBF - kappa * s - gamma * (f_in - 1)) / second : init = 0.0
df_in/dt = s / second                                              : init = 1.0, min = 0.01
# balloon: oxygen extraction, deoxyhemoglobin, venous volume, outflow
E        = 1 - (1 - E_0)**(1 / f_in)                               : init = 0.3424
dq/dt    = (f_in * E / E_0 - (q / v) * f_out) / (tau * second)     : init = 1.0, min = 0.01
dv/dt    = (f_in - f_out) / (tau * second)                         : init = 1.0, min = 0.01
f_out    = v**(1 / alpha)                                          : init = 1.0, min = 0.01
"""

_CLASSIC = """
# classical coefficients (Buxton et al., 1998)
k_1 = (1 - V_0) * 4.3 * v_0 * E_0 * TE
k_2 = 2 * E_0
k_3 = 1 - epsilon
"""

_REVISED = """
# revised coefficients (Obata et al., 2004)
k_1 = 4.3 * v_0 * E_0 * TE
k_2 = epsilon * r_0 * E_0 * TE
k_3 = 1 - epsilon
"""

_NONLINEAR = """
# non-linear BOLD equation
BOLD = V_0 * (k_1 * (1 - q) + k_2 * (1 - (q / v)) + k_3 * (1 - v)) : init = 0.0
"""

_LINEAR = """
# linear BOLD equation
BOLD = V_0 * ((k_1 + k_2) * (1 - q) + (k_3 - k_2) * (1 - v)) : init = 0.0
"""

_PARAMETER_TABLE = """
    =========  ==========  ==================================================
    name       default     meaning
    =========  ==========  ==================================================
    second     1000.0      ms per second (the equations are in seconds)
    phi        1.0         input coefficient (neurovascular coupling)
    kappa      1/1.54      rate of signal decay (1/s)
    gamma      1/2.46      rate of flow-dependent elimination (1/s)
    E_0        0.34        oxygen extraction fraction at rest
    tau        0.98        hemodynamic transit time (s)
    alpha      0.33        Grubb's exponent (vessel stiffness)
    V_0        0.02        resting venous blood volume fraction
    v_0        40.3        frequency offset at the outer surface of magnetised
                           vessels for fully deoxygenated blood at 1.5 T (Hz)
    TE         0.04        echo time (s)
    epsilon    1.43        ratio of intra- and extravascular signal
    {r_0}
    =========  ==========  ==================================================
"""

_R0_ROW = ("r_0        25.0        slope of the intravascular relaxation rate against "
           "oxygen\n                           saturation (1/s)")


class balloon_RN(_PredefinedBoldModel):
    __doc__ = f"""Balloon model, revised coefficients, non-linear BOLD equation
    (Stephan et al., 2007): the default model of the BOLD monitor.

    Keyword arguments override the defaults (ANNarchy's names and values;
    ``V_0``, ``tau``, ``kappa``, ``gamma``, ``E_0`` and ``alpha`` from
    Friston et al., 2000; ``epsilon`` and ``r_0`` from Obata et al., 2004)::

        bold = balloon_RN(E_0=0.4)
{_PARAMETER_TABLE.format(r_0=_R0_ROW)}
    Variables: ``I_CBF`` (input), ``s``, ``f_in``, ``E``, ``q``, ``v``,
    ``f_out``, ``k_1``, ``k_2``, ``k_3``, ``BOLD`` (output), ``r`` (= BOLD).
    Every parameter is population-wide.
    """

    defaults = MappingProxyType({**_BALLOON_DEFAULTS, "r_0": 25.0})
    title = "BOLD model RN"
    summary = ("BOLD computation with revised coefficients and non-linear BOLD equation "
               "(Stephan et al., 2007).")
    equations_text = _BALLOON_DYNAMICS + _REVISED + _NONLINEAR


class balloon_RL(_PredefinedBoldModel):
    __doc__ = f"""Balloon model, revised coefficients, linear BOLD equation
    (Stephan et al., 2007).

    Same parameters and dynamics as :class:`balloon_RN`; only the BOLD
    equation differs (linear in ``q`` and ``v``).
{_PARAMETER_TABLE.format(r_0=_R0_ROW)}
    Difference with ANNarchy: ANNarchy's ``balloon_RL`` source writes
    ``tau*dq/dt = ...`` and ``tau*dv/dt = ...`` without the division by
    ``second``, which makes ``q`` and ``v`` 1000 times too fast (``tau`` is
    in seconds, time in ms); its documentation and the three other variants
    divide by ``tau*second``. This model follows the documentation.
    """

    defaults = MappingProxyType({**_BALLOON_DEFAULTS, "r_0": 25.0})
    title = "BOLD model RL"
    summary = ("BOLD computation with revised coefficients and linear BOLD equation "
               "(Stephan et al., 2007).")
    equations_text = _BALLOON_DYNAMICS + _REVISED + _LINEAR


class balloon_CN(_PredefinedBoldModel):
    __doc__ = f"""Balloon model, classical coefficients, non-linear BOLD equation
    (Stephan et al., 2007; coefficients of Buxton et al., 1998).
{_PARAMETER_TABLE.format(r_0="")}
    """

    defaults = MappingProxyType(dict(_BALLOON_DEFAULTS))
    title = "BOLD model CN"
    summary = ("BOLD computation with classic coefficients and non-linear BOLD equation "
               "(Stephan et al., 2007).")
    equations_text = _BALLOON_DYNAMICS + _CLASSIC + _NONLINEAR


class balloon_CL(_PredefinedBoldModel):
    __doc__ = f"""Balloon model, classical coefficients, linear BOLD equation
    (Stephan et al., 2007; coefficients of Buxton et al., 1998).
{_PARAMETER_TABLE.format(r_0="")}
    """

    defaults = MappingProxyType(dict(_BALLOON_DEFAULTS))
    title = "BOLD model CL"
    summary = ("BOLD computation with classic coefficients and linear BOLD equation "
               "(Stephan et al., 2007).")
    equations_text = _BALLOON_DYNAMICS + _CLASSIC + _LINEAR


class balloon_maith2021(_PredefinedBoldModel):
    """The balloon model used in Maith et al. (2021).

    Same dynamics as :class:`balloon_RN` with the parameter values of that
    study and its own coefficients::

        k_1 = 7 * E_0
        k_2 = 2
        k_3 = 2 * E_0 - 0.2
        BOLD = V_0 * (k_1 * (1 - q) + k_2 * (1 - q/v) + k_3 * (1 - v))

    =========  ==========  ==============================================
    name       default     meaning
    =========  ==========  ==============================================
    second     1000.0      ms per second
    phi        1.0         input coefficient
    kappa      0.665       rate of signal decay (1/s)
    gamma      0.412       rate of flow-dependent elimination (1/s)
    E_0        0.3424      oxygen extraction fraction at rest
    tau        1.0368      hemodynamic transit time (s)
    alpha      0.3215      Grubb's exponent
    V_0        0.02        resting venous blood volume fraction
    =========  ==========  ==============================================

    ANNarchy's ``balloon_maith2021()`` takes no arguments; here the
    parameters can also be given as keywords.
    """

    defaults = MappingProxyType({
        "second": 1000.0, "phi": 1.0, "kappa": 0.665, "gamma": 0.412, "E_0": 0.3424,
        "tau": 1.0368, "alpha": 0.3215, "V_0": 0.02,
    })
    title = "Maith2021 BOLD model"
    summary = "BOLD computation from Maith et al. (2021)."
    equations_text = _BALLOON_DYNAMICS + """
# coefficients of Maith et al. (2021)
k_1 = 7 * E_0
k_2 = 2.0
k_3 = 2 * E_0 - 0.2
""" + _NONLINEAR


class balloon_two_inputs(_PredefinedBoldModel):
    """BOLD model with two inputs, one driving the cerebral blood flow (CBF)
    and one the oxygen metabolism (CMRO2) (Maith et al., 2022; after Buxton
    et al., 2004, Friston et al., 2000 and Stephan et al., 2007).

    Each input drives a damped oscillator: CBF underdamped (it undershoots),
    CMRO2 critically damped and ten times stiffer; the input of CMRO2 is
    scaled by ``gamma_CMRO2/gamma_CBF`` so that equal inputs give equal
    steady states. Venous outflow has a viscoelastic delay ``tau_out``
    (``tau_out1`` while the balloon inflates, ``tau_out2`` while it
    deflates). The BOLD equation is the non-linear one with revised
    coefficients::

        I_CBF = sum(I_CBF) ;  second*ds_CBF/dt = phi_CBF*I_CBF - kappa_CBF*s_CBF - gamma_CBF*(f_in - 1)
        second*df_in/dt = s_CBF
        I_CMRO2 = sum(I_CMRO2)
        second*ds_CMRO2/dt = phi_CMRO2*I_CMRO2*(gamma_CMRO2/gamma_CBF) - kappa_CMRO2*s_CMRO2 - gamma_CMRO2*(r - 1)
        second*dr/dt = s_CMRO2                  (r: normalised CMRO2)
        dv = f_in - v**(1/alpha) ;  tau_out = if dv > 0 then tau_out1 else tau_out2
        f_out = v**(1/alpha) + tau_out*dv/(tau + tau_out)
        dq/dt = (r - (q/v)*f_out)/(second*tau) ;  dv/dt = dv/(tau + tau_out)/second

    Parameters (ANNarchy's values): ``kappa_CBF = 0.7650920556760059``
    (0.6*sqrt(4*gamma_CBF)), ``gamma_CBF = 1/2.46``, ``kappa_CMRO2 =
    4.032389192727559`` (sqrt(4*gamma_CMRO2)), ``gamma_CMRO2 = 10/2.46``,
    ``phi_CBF = phi_CMRO2 = 1``, ``E_0 = 0.34``, ``tau = 0.98``, ``alpha =
    0.33``, ``V_0 = 0.02``, ``v_0 = 40.3``, ``TE = 0.04``, ``epsilon = 1``,
    ``r_0 = 25``, ``tau_out1 = 0``, ``tau_out2 = 20``, ``second = 1000``.

    Map both inputs: ``mapping={'I_CBF': 'r', 'I_CMRO2': 'r'}`` (or two
    different variables).
    """

    defaults = MappingProxyType({
        "kappa_CBF": 0.7650920556760059, "gamma_CBF": 1 / 2.46,
        "kappa_CMRO2": 4.032389192727559, "gamma_CMRO2": 10 / 2.46,
        "phi_CBF": 1.0, "phi_CMRO2": 1.0, "E_0": 0.34, "tau": 0.98, "alpha": 0.33,
        "V_0": 0.02, "v_0": 40.3, "TE": 40 / 1000.0, "epsilon": 1.0, "r_0": 25.0,
        "tau_out1": 0.0, "tau_out2": 20.0, "second": 1000.0,
    })
    title = "BOLD model with two inputs"
    summary = ("BOLD model with two inputs (CBF-driving and CMRO2-driving): neurovascular "
               "coupling of Friston et al. (2000) and non-linear balloon model with revised "
               "coefficients (Buxton et al., 1998; Stephan et al., 2007).")
    inputs_spec = ("I_CBF", "I_CMRO2")
    equations_text = """
# CBF input
I_CBF              = sum(I_CBF)                                                   : init = 0.0
second*ds_CBF/dt   = phi_CBF * I_CBF - kappa_CBF * s_CBF - gamma_CBF * (f_in - 1) : init = 0.0
second*df_in/dt    = s_CBF                                                        : init = 1.0, min = 0.01
# CMRO2 input
I_CMRO2            = sum(I_CMRO2)                                                 : init = 0.0
second*ds_CMRO2/dt = phi_CMRO2 * I_CMRO2 * (gamma_CMRO2 / gamma_CBF) - kappa_CMRO2 * s_CMRO2 - gamma_CMRO2 * (r - 1) : init = 0.0
second*dr/dt       = s_CMRO2                                                      : init = 1.0, min = 0.01
# balloon with viscoelastic outflow
dv                 = f_in - v**(1 / alpha)
tau_out            = if dv > 0 then tau_out1 else tau_out2
f_out              = v**(1 / alpha) + tau_out * dv / (tau + tau_out)              : init = 1.0, min = 0.01
dq/dt              = (r - (q / v) * f_out) / (second * tau)                       : init = 1.0, min = 0.01
dv/dt              = dv / (tau + tau_out) / second                                : init = 1.0, min = 0.01
""" + _REVISED + _NONLINEAR
