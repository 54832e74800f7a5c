"""NESTML neuron models on the engine, read with NESTML's own front end.

BMTK users write custom cell models in NESTML (``.nestml`` files) and build
them into NEST. :func:`load_nestml` runs the same files here, without NEST
and without code generation::

    from workbench.nest.nestml import load_nestml, translate_nestml

    izh = load_nestml("custom_izh_neuron.nestml")      # an engine.Neuron
    pop = net.create(100, neuron=izh)
    pop.I_e = 10.0                                       # the continuous input port (pA)

    info = translate_nestml(text_or_path)                # the neuron and what the runner needs
    info.targets, info.spike_ports, info.continuous_ports, info.units, info.names

The file is parsed by NESTML's parser (package ``nestml``, module
``pynestml``: ``ModelParser.parse_file``, then its symbol table and its
context conditions, ``CoCosManager.check_cocos``), so a syntax error or a
NESTML semantic error is reported as NESTML reports it, with the line. The
translator then walks NESTML's AST and writes model-language text
(:mod:`engine.language`), which the engine's parser checks like any model:
the NESTML text is never evaluated, only the engine's own text is parsed.
Install with ``pip install nestml==9.0.0`` (or the project's ``nestml``
extra); importing this module does not import NESTML, the first load does
(about 1 s: NESTML imports astropy, jinja2 and odetoolbox; it writes no file
and never looks for NEST; a model given as text goes through a temporary
file that is deleted afterwards). NESTML keeps its log and symbol table in
global state: loads are serialised by a lock.

What is translated
------------------
- ``parameters``: engine parameters, one value per neuron, same names;
  ``integer``/``boolean`` types become ``: int``/``: bool``; a default may
  be an expression of other parameters and of the state's initial values,
  or a ``random_normal``/``random_uniform`` draw (drawn per neuron at
  creation).
- ``state``: engine variables with ``init =`` their initial value (an
  expression of parameters, internals, earlier state variables). ``x'`` in
  the state block is the variable ``x__d``.
- ``internals``: assignments at the start of every step, so they follow
  parameter changes (NEST recomputes them on ``SetStatus``);
  ``resolution()``/``timestep()`` is the step ``dt``. An internal that
  reads state variables (``alpha_n_init``) is an engine parameter computed
  once from the initial state, as NEST computes it before a simulation.
- ``equations``: ODEs ``x' = f`` and higher-order ones (``x'' = f`` is
  ``x' = x__d``, ``x__d' = f``), ``inline`` expressions (stored as
  variables at the end of each step, for recording), and kernels convolved
  with a spike port (``convolve(K, port)`` = the sum over received spikes
  of ``weight * K(t - t_spike)``, as NEST): a kernel that is a sum of
  ``A * t**n * exp(r*t)`` terms (exponential, alpha, difference of
  exponentials), or one given as linear ODEs with constant coefficients and
  initial values in the state block (``kernel g' = g$ - g/tau_r, g$' =
  -g$/tau_d``: solved by sympy's Jordan form into such terms). Each term is
  ``n + 1`` variables ``<kernel>__X__<port>[__<i>_<j>]``, propagated
  exactly and incremented by the port's summed weights. ``kernel K =
  delta(t)`` in an ODE makes the variable jump by (its coefficient) *
  (summed weights) right after each ``integrate_odes()`` that integrates it,
  as NEST does (``iaf_psc_delta``).
- ``input``: spike ports become targets. One spike port without qualifier
  (the tutorial's ``spikes <- spike``) receives signed weights in NEST; here
  it reads ``g_exc - g_inh`` and listens on targets ``exc`` and ``inh``, the
  catalogue's convention (weights >= 0, an inhibitory edge on ``inh``; see
  :mod:`workbench.nest.catalogue`). A port marked ``excitatory`` listens on
  ``exc``, one marked ``inhibitory`` on ``inh`` (NEST gives it the negated
  negative weights, i.e. weights >= 0, as the catalogue does). Any other
  spike port listens on a target named after the port (``AMPA <- spike``:
  target ``AMPA``, weights as given). ``NestmlModel.spike_ports`` lists them.
  A continuous port (``I_e pA <- continuous``) becomes a parameter of the
  same name, default 0, that the runner sets (``pop.I_e = 100.0``); its
  value is in the port's declared unit, as NEST's buffer.
- ``output: spike`` and ``emit_spike()``: the engine's spike condition.
- ``update``: assignments (``=``, ``+=``, ``-=``, ``*=``, ``/=``), local
  declarations, ``if``/``elif``/``else`` (nestable), ``integrate_odes()``
  and ``integrate_odes(x, y)`` (only the named ODEs; the others keep their
  values); ``print``/``println`` are ignored.
- ``onReceive(port)``: runs in the steps where the port received input (its
  summed weights are non-zero: a spike of weight 0 is not seen); the
  port's value there is the summed weights of the step, in NESTML's unit of
  a spike port, 1/s.
- ``onCondition(cond)``: the same statements, under ``cond``.
- ``function``: user functions whose body is local declarations and a
  final ``return``, inlined where called.
- Functions: ``exp ln log10 expm1 sin cos tan sinh cosh tanh abs min max
  clip pow floor ceil round steps random_normal random_uniform resolution
  timestep``. The engine has no rounding function: ``floor(x)`` is written
  ``x - modulo(x, 1)``, ``round(x)`` is ``floor(x + 0.5)`` (C rounds halves
  away from zero: they differ for negative halves), ``steps(T)`` is
  ``floor(T/dt + 1e-6)`` (NEST rounds T to its time grid, then takes whole
  steps). ``inf`` is 1e300 (the engine's numbers stay below 1e308); ``%``
  follows Python (the sign of the divisor), NEST's C++ the dividend.

Anything else (vectors, ``for``/``while``, kernels that are not sums of
exponential terms, ``erf``, ``//``, ``emit_spike`` with arguments, i.e.
synapse models, a time-step function in an initial value...) is a
:class:`NestmlError` naming the file, the line and the construct, and
saying what is supported. Of the 30 neuron models in NESTML's repository
(8.x), 29 translate (``ignore_and_fire`` uses ``steps()`` in an initial
value).

One step
--------
The engine runs the model's equations in order, then the spike test. The
translation lays out NEST's order for a NESTML neuron (NEST's generated
``update()``; NESTML's ``python_standalone`` target does the same): (1) the
internals, (2) the ``update`` block, (3) the ``onReceive`` blocks of the
ports that received input this step, in file order, (4) the kernel
variables: propagated over the step and incremented by the input of the
step, (5) the ``onCondition`` blocks in file order, each condition tested
on the values at that point, (6) the inline expressions, stored for
recording. A neuron spikes in a step where some ``emit_spike()`` ran.
Input received in step ``k`` (in ``g_<target>`` during step ``k``) is seen
by ``onReceive`` in step ``k`` and by kernels from step ``k + 1``, as in
NEST. NESTML's ``t`` in statements is the end of the step (NEST's
``get_t()``), ``t + dt`` in engine terms; in an ODE it is the time of the
Runge-Kutta stage.

Every statement becomes an assignment; a variable written several times in
a step gets intermediate versions (``v__1``, ``v__2``, then ``v``); a
statement under a condition becomes ``x = if cond then new else old`` (the
condition evaluated once, into a ``cond`` variable). The engine does not
allow an ODE variable to be changed again in the same step (``v += w``
after ``dv/dt``), which NESTML models do all the time, so the ODEs are
integrated by assignments too: ``integrate_odes()`` writes an explicit
Runge-Kutta step, ``method="rk4"`` (default), ``"midpoint"`` or
``"euler"``, with the helpers ``k<s>_<x>`` (slopes), ``y<s>_<x>`` (stage
values), ``s<s>_<inline>`` (inline expressions at the stage) and
``conv_<kernel>_<i>`` (kernel values at the stage offset, shared by the
step). ODE right-hand sides and inline expressions that are long are
written once as engine functions (``f_<x>``, ``i_<inline>``, the
``functions`` block) and called at each stage, to stay within the engine's
20,000 characters per block. ODEs that do not read one another are
integrated separately (the same result), and when two branches of an
``if`` integrate the same ODEs from the same values (a refractory branch
and a normal one, as in NESTML's Hodgkin-Huxley models), the computation
is written once and runs whichever branch is taken.

NEST itself uses exact propagators for linear ODEs and an adaptive RK45
(GSL) otherwise. With ``rk4`` at dt = 0.1 ms a current-based LIF differs by
about 1e-6 relative (kernels are always exact); BMTK's tutorial model
matches NESTML's own simulator spike for spike. Stiff models need a smaller
step with fixed-step methods: NESTML's ``hh_psc_alpha_neuron``
(g_Na/C_m = 120/ms) diverges at dt = 0.1 ms (a ``NumericalError`` names
the variable) and is converged at dt = 0.01 ms.

Units
-----
The engine has no units. Every quantity is stored and computed as its
magnitude in one coherent unit system, NEST's: mV, ms, pA, pF, nS, GOhm
(1 pA * 1 GOhm = 1 mV, 1 nS * 1 mV = 1 pA, 1 pF * 1 mV / 1 ms = 1 pA), and
for other dimensions the matching combinations (a frequency in 1/ms, mol
and K as they are; lengths in um and masses in 1e-12 kg, which the first
four fix together). A literal with a unit is converted (``-65 mV`` is -65.0,
``0.01 s`` is 10.0, ``1 nA`` is 1000.0), a unit written alone in an
expression is the magnitude of one such unit (``mV`` is 1.0, ``s`` is
1000.0, ``GOhm`` is 1.0), and a variable holds its value in this system
whatever unit it was declared in (``tau s = 0.01 s`` is stored as 10.0).
So ``(I_e * GOhm) / ms`` with ``I_e`` in pA is ``I_e`` mV/ms, and the
tutorial's ``v += spikes * mV * s`` adds the summed weight w in mV (the
port is in 1/s: 0.001 * w per ms, times 1 mV, times 1000 ms), as NEST does.
The factors come from astropy (NESTML's unit library); for mV, ms, pA, pF,
nS and GOhm they are those of NESTML's own ``NESTUnitConverter``, which
gives 1.0 for some other units (Hz, kHz, all lengths) where this coherent
system does not. ``NestmlModel.units`` gives each parameter's and state
variable's declared unit and the factor to the engine's value (engine value
= NESTML value in its declared unit * factor): set parameters in these
units (``pop.tau_m = 10.0`` for 10 ms; a ``Hz`` parameter is per ms here).

NESTML 9.0's own checks refuse a unit written alone in an expression
("No free-standing physical units allowed"); NESTML 8 and earlier allowed
it, and BMTK's tutorial model (``v' = (... (I_e * GOhm)) / ms``) and
NESTML's own 8.x models use it. It is accepted here, with the meaning above
(NESTML 8's), so such models load; every other NESTML error is reported.

Names
-----
NESTML names are kept, except where the engine gives a name a meaning: its
reserved words (``lambda``, ``min``, ``spike``...), the names of its own
per-population arrays (``flag``, ``refr``, ``spk``, ``nspk``,
``last_spike``, ``rng``, ``sum_*``: a variable named like them broke the
generated code), the Python attributes of a population (``size``,
``name``, ``get``...: ``pop.size`` must stay the population's size),
``g_<target>`` for a target the model listens on (an
engine variable ``g_exc`` receives the weights of target ``exc``), and
characters the engine does not allow (``g$`` is ``g__dollar``): such a name
gets a ``_`` suffix or the ``nestml_`` prefix, and ``NestmlModel.names``
maps every NESTML name to its engine name. Generated helpers are named as
above, with a ``_<k>`` suffix when a name is taken; the spike flag is
``nestml_spike``.

Modules
-------
``errors`` (problems and their positions), ``frontend`` (NESTML's parser and
checks), ``units``, ``translator`` (declarations, the step's layout, the
assembly) and its parts by concern: ``names``, ``program`` (the step as
versioned assignments), ``kernels``, ``statements``, ``integration``
(Runge-Kutta and engine functions) and ``expressions``; ``printing`` and
``ast_queries`` are helpers they share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from engine.errors import ModelError
from engine.language.expressions import MAX_CHARS
from engine.language.models import Neuron
from workbench.nest.nestml.errors import (
    SUPPORTED, NestmlError, NestmlProblem, _position, _problem, _Unsupported)
from workbench.nest.nestml.frontend import _parse, _read_source
from workbench.nest.nestml.integration import _TABLEAUS, METHODS
from workbench.nest.nestml.translator import _Translator
from workbench.nest.nestml.units import unit_factor

__all__ = ["load_nestml", "translate_nestml", "NestmlModel", "NestmlError", "NestmlProblem",
           "METHODS", "SUPPORTED", "unit_factor"]


@dataclass(frozen=True)
class NestmlModel:
    """A translated NESTML neuron and what a runner needs to drive it.

    - ``neuron``: the engine :class:`~engine.language.models.Neuron`.
    - ``targets``: the engine targets the neuron listens on.
    - ``spike_ports``: NESTML spike port -> its targets (``('exc', 'inh')``
      for a single port without qualifier: ``g_exc - g_inh``).
    - ``continuous_ports``: NESTML continuous port -> engine parameter.
    - ``names``: every NESTML name (parameters, state, internals, inline
      expressions, ports) -> engine name (the same unless renamed).
    - ``units``: engine name -> (NESTML declared unit, factor): the engine
      value is the NESTML value in that unit times the factor.
    - ``parameters``, ``state``, ``recordables`` (engine names: state,
      internals and inline expressions).
    - ``text``: the generated blocks (``parameters``, ``equations``,
      ``functions``, ``spike``), for reading.
    - ``warnings``: NESTML's warnings about the file.
    """

    neuron: Neuron
    name: str
    source: str
    method: str
    targets: tuple[str, ...]
    spike_ports: Mapping[str, tuple[str, ...]]
    continuous_ports: Mapping[str, str]
    names: Mapping[str, str]
    units: Mapping[str, tuple[str, float]]
    parameters: tuple[str, ...]
    state: tuple[str, ...]
    recordables: tuple[str, ...]
    text: Mapping[str, str] = field(repr=False, default_factory=dict)
    warnings: tuple[str, ...] = field(repr=False, default=())


def translate_nestml(source, model_name: str | None = None, *, method: str = "rk4") -> NestmlModel:
    """Read a NESTML neuron (a path or the model's text) and translate it.

    ``model_name`` picks one model of a file that defines several;
    ``method`` integrates ``integrate_odes()``: ``"rk4"`` (default),
    ``"midpoint"`` or ``"euler"``. Raises :class:`NestmlError` for syntax and
    NESTML errors and for constructs outside the translated subset.
    """
    if method not in _TABLEAUS:
        raise NestmlError(f"unknown integration method {method!r}; methods are: "
                          + ", ".join(METHODS), "<nestml>")
    text, label, path = _read_source(source)
    model, warnings = _parse(text, label, path, model_name)
    lines = text.splitlines()
    try:
        result = _Translator(model, method).translate()
    except _Unsupported as exc:
        line, col = _position(exc.node.get_source_position()) if exc.node is not None else (
            None, None)
        raise NestmlError(_problem(lines, exc.message, line, col, exc.hint), label) from None
    blocks = result.pop("text")
    for block, text_ in blocks.items():
        if len(text_) > MAX_CHARS:
            error = NestmlError(NestmlProblem(
                f"the translation's {block} block is {len(text_)} characters, more than the "
                f"engine's {MAX_CHARS} per block",
                hint="integrate with fewer stages: method='midpoint' or 'euler' (with a "
                     "smaller dt)" if method != "euler" else "the model is too large"), label)
            error.text = blocks
            raise error
    try:
        neuron = Neuron(name=model.get_name(), description=f"NESTML model {model.get_name()!r} "
                        f"({label}), translated by workbench.nest.nestml", **blocks)
    except ModelError as exc:
        error = NestmlError(NestmlProblem(
            "the translation was refused by the engine (a bug of the translator, or a "
            f"construct it does not check): {exc}",
            hint="the generated text is in the error's .text attribute"), label)
        error.text = blocks
        raise error from exc
    return NestmlModel(neuron=neuron, name=model.get_name(), source=label, method=method,
                       text=blocks, warnings=warnings, **result)


def load_nestml(source, model_name: str | None = None, *, method: str = "rk4") -> Neuron:
    """The engine neuron of a NESTML model (a path or the model's text).

    See :func:`translate_nestml` for the arguments and the module docstring
    for what is translated and how (targets, units, one step).
    """
    return translate_nestml(source, model_name, method=method).neuron
