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
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

from engine.errors import ModelError
from engine.language.expressions import MAX_CHARS
from engine.language.models import Neuron
from engine.language.symbols import RESERVED_NAMES
from workbench.nest.catalogue import NestModelError

__all__ = ["load_nestml", "translate_nestml", "NestmlModel", "NestmlError", "NestmlProblem",
           "METHODS", "SUPPORTED", "unit_factor"]

#: integration methods of ``integrate_odes()``: explicit Runge-Kutta tableaus
#: (c, a, b), as fractions (printed as integers over a common denominator)
_TABLEAUS = {
    "euler": ((Fraction(0),), ((),), (Fraction(1),)),
    "midpoint": ((Fraction(0), Fraction(1, 2)), ((), (Fraction(1, 2),)),
                 (Fraction(0), Fraction(1))),
    "rk4": ((Fraction(0), Fraction(1, 2), Fraction(1, 2), Fraction(1)),
            ((), (Fraction(1, 2),), (Fraction(0), Fraction(1, 2)),
             (Fraction(0), Fraction(0), Fraction(1))),
            (Fraction(1, 6), Fraction(1, 3), Fraction(1, 3), Fraction(1, 6))),
}
METHODS = tuple(_TABLEAUS)

#: one line said with every "not supported" error
SUPPORTED = (
    "supported: parameters/state/internals of scalars; equations with ODEs (x', x''), inline "
    "expressions and kernels (sums of A*t**n*exp(r*t), linear ODEs with constant coefficients, "
    "delta(t)); spike and continuous input ports; output spike; update/onReceive/onCondition "
    "blocks with assignments, local declarations, if/elif/else, integrate_odes() and "
    "emit_spike(); functions made of local declarations and a return; the functions exp, ln, "
    "log10, expm1, sin, cos, tan, sinh, cosh, tanh, abs, min, max, clip, pow, floor, ceil, round, "
    "steps, random_normal, random_uniform, resolution, timestep")

#: engine names of per-population arrays that a model variable must not take
_ENGINE_INTERNAL_NAMES = frozenset({"flag", "refr", "refractory", "spk", "nspk", "last_spike",
                                    "rng"})

#: NESTML functions written the same way in the engine's language (name -> arity)
_SAME_FUNCTIONS = {"exp": 1, "sin": 1, "cos": 1, "tan": 1, "tanh": 1, "abs": 1, "min": 2,
                   "max": 2, "clip": 3}

_TOKEN = re.compile("\x01(\\d+)\x02")


def _population_names() -> frozenset:
    """Python attributes of a population (``size``, ``name``, ``get``...): a
    model attribute named like one could not be read as ``pop.<name>``, and
    the engine refuses it when the population is created."""
    from engine.runtime.population import Population, PopulationView

    names = {n for cls in (Population, PopulationView) for n in dir(cls)
             if not n.startswith("_")}
    return frozenset(names | set(getattr(Population, "_own_names", ())))


# ----------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class NestmlProblem:
    """One problem of a NESTML file: what, where (1-based line and column;
    ``None`` when NESTML gives no position), the source line and a hint."""

    message: str
    line: int | None = None
    col: int | None = None
    text: str = ""
    hint: str = ""

    def format(self, source: str) -> str:
        where = source
        if self.line is not None:
            where += f", line {self.line}"
            if self.col is not None:
                where += f", col {self.col}"
        out = f"{where}: {self.message}"
        if self.text:
            out += "\n    " + self.text
            if self.col is not None:
                out += "\n    " + " " * (self.col - 1) + "^"
        if self.hint:
            out += "\n  hint: " + self.hint
        return out


class NestmlError(NestModelError):
    """A NESTML file that cannot be loaded: a syntax or NESTML error, or a
    construct outside the translated subset. ``problems`` lists them
    (:class:`NestmlProblem`), ``source`` is the file (``<string>`` for text)."""

    def __init__(self, problems, source: str = "<string>"):
        if isinstance(problems, (str, NestmlProblem)):
            problems = [problems]
        self.problems = [p if isinstance(p, NestmlProblem) else NestmlProblem(str(p))
                         for p in problems]
        self.source = source
        if len(self.problems) == 1:
            text = self.problems[0].format(source)
        else:
            text = f"{len(self.problems)} problems:\n" + "\n".join(
                f"[{k}] {p.format(source)}" for k, p in enumerate(self.problems, 1))
        super().__init__(text)

    @property
    def line(self) -> int | None:
        """The line of the first problem."""
        return self.problems[0].line if self.problems else None


class _Unsupported(Exception):
    """Raised inside the translator; turned into a NestmlError with the node's line."""

    def __init__(self, node, message: str, hint: str = SUPPORTED):
        super().__init__(message)
        self.node, self.message, self.hint = node, message, hint


# ----------------------------------------------------------------------------- units


def _coherent_scales():
    import astropy.units as u

    # time ms, current pA, and mass * length**2 fixed by the volt: mV = kg m2 s-3 A-1 * 1e-3
    return ((u.s, 1e-3), (u.A, 1e-12), (u.kg, 1e-12), (u.m, 1e-6), (u.mol, 1.0), (u.K, 1.0),
            (u.cd, 1.0), (u.rad, 1.0))


def unit_factor(unit) -> float:
    """Magnitude of one ``unit`` (an astropy unit or a NESTML unit name) in the
    engine's unit system (mV, ms, pA, pF, nS, GOhm; see the module docstring)."""
    if isinstance(unit, str):
        _nestml()
        from pynestml.symbols.predefined_units import PredefinedUnits

        if not PredefinedUnits.is_unit(unit):
            raise ValueError(f"{unit!r} is not a NESTML unit")
        unit = PredefinedUnits.get_unit(unit).get_unit()
    scales = _coherent_scales()
    dec = unit.decompose(bases=[b for b, _ in scales])
    value = float(dec.scale)
    lookup = {b: s for b, s in scales}
    for base, power in zip(dec.bases, dec.powers):
        value /= lookup[base] ** float(power)
    return float(f"{value:.14g}")  # 1000.0000000000001 -> 1000.0


# ----------------------------------------------------------------------------- NESTML front end

_LOCK = threading.RLock()
_READY = False


def _nestml():
    """Import NESTML's front end and register its predefined units, types,
    functions and variables (once)."""
    global _READY
    with _LOCK:
        if _READY:
            return
        try:
            from pynestml.frontend.pynestml_frontend import init_predefined
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise NestmlError(
                NestmlProblem("NESTML is not installed (module pynestml not found)",
                              hint="pip install nestml==9.0.0 (the project's 'nestml' extra)"),
                "<nestml>") from exc
        init_predefined()
        _READY = True


def _read_source(source) -> tuple[str, str, Path | None]:
    """(text, label, path): a path (``str`` without newline naming a file or
    ending in ``.nestml``, or a ``PathLike``) or the model text itself."""
    path = None
    if isinstance(source, os.PathLike):
        path = Path(source)
    elif isinstance(source, str):
        if "\n" not in source and (source.strip().endswith(".nestml") or Path(source).is_file()):
            path = Path(source)
    else:
        raise NestmlError(f"a NESTML model is a path or the text of a model, "
                          f"not {type(source).__name__}", "<nestml>")
    if path is None:
        return source, "<string>", None
    try:
        return path.read_text(encoding="utf-8"), str(path), path
    except OSError as exc:
        raise NestmlError(NestmlProblem(f"cannot read the file: {exc.strerror or exc}"),
                          str(path)) from None


def _problem(lines: list[str], message: str, line=None, col=None, hint="") -> NestmlProblem:
    text = lines[line - 1].rstrip() if line is not None and 1 <= line <= len(lines) else ""
    return NestmlProblem(message, line, col, text.expandtabs(), hint)


def _position(pos) -> tuple[int | None, int | None]:
    if pos is None:
        return None, None
    try:
        line, col = pos.get_start_line(), pos.get_start_column()
    except AttributeError:
        return None, None
    if line is None or line < 1:
        return None, None
    return int(line), (int(col) + 1 if col is not None and col >= 0 else None)


#: NESTML 9 errors accepted (see "Units" in the module docstring)
_TOLERATED = frozenset({"NO_SOLITARY_PHYSICAL_UNITS"})


def _parse(text: str, label: str, path: Path | None, model_name: str | None):
    """Parse with NESTML, run its context conditions; return (model, warnings)."""
    _nestml()
    from pynestml.cocos.co_cos_manager import CoCosManager
    from pynestml.utils.logger import Logger, LoggingLevel
    from pynestml.utils.model_parser import ModelParser

    lines = text.splitlines()

    def messages(min_level):
        out = []
        for entry in Logger.get_log().values():
            _, _, level, code, pos, message = entry
            if level is None or level.value < min_level.value:
                continue
            out.append((getattr(code, "name", None), pos, str(message)))
        return out

    with _LOCK:
        Logger.init_logger(LoggingLevel.NO)
        with tempfile.TemporaryDirectory(prefix="nestml_") as tmp:
            if path is None:
                file = Path(tmp) / "model.nestml"
                file.write_text(text, encoding="utf-8")
            else:
                file = path
            unit = ModelParser.parse_file(str(file))
        errors = messages(LoggingLevel.ERROR)
        if unit is None or errors:
            problems = [_problem(lines, _clean(m), *_position(p)) for _, p, m in errors] or [
                NestmlProblem("NESTML could not parse the file")]
            raise NestmlError(problems, label)
        models = unit.get_model_list()
        if not models:
            raise NestmlError("the file defines no model", label)
        names = [m.get_name() for m in models]
        if model_name is None:
            if len(models) > 1:
                raise NestmlError(f"the file defines {len(models)} models ({', '.join(names)}): "
                                  "say which with model_name=", label)
            model = models[0]
        elif model_name in names:
            model = models[names.index(model_name)]
        else:
            raise NestmlError(f"no model {model_name!r} in the file; it defines "
                              + ", ".join(names), label)
        Logger.init_logger(LoggingLevel.NO)
        CoCosManager.check_cocos(model)
        errors = [e for e in messages(LoggingLevel.ERROR) if e[0] not in _TOLERATED]
        if errors:
            raise NestmlError([_problem(lines, _clean(m), *_position(p)) for _, p, m in errors],
                              label)
        warnings = tuple(_clean(m) for c, _, m in messages(LoggingLevel.WARNING)
                         if c not in _TOLERATED)
        Logger.init_logger(LoggingLevel.NO)
    return model, warnings


def _clean(message: str) -> str:
    return " ".join(str(message).split())


# ----------------------------------------------------------------------------- result


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


# ----------------------------------------------------------------------------- translator

#: precedence of the text the printer writes (Python's, which the engine parses)
_ATOM, _POW, _UNARY, _MUL, _ADD, _CMP, _NOT, _AND, _OR = 100, 90, 80, 70, 60, 50, 40, 30, 20

#: NESTML's ``inf``: the engine's numbers stay below 1e308
_INF = "1e300"


@dataclass
class _Var:
    """A value written by the step program: a state variable, an internal,
    a local variable, a helper. ``final`` is its engine name."""

    final: str
    dtype: str = "float"  # 'float', 'int', 'bool'
    init: str | None = None  # state variables: the init flag
    persistent: bool = False  # read from the last step before its first write
    versions: list[int] = field(default_factory=list)


@dataclass
class _Env:
    """How names read in one context: time, what is allowed, stage values."""

    what: str  # for messages: 'a parameter value', 'an ODE', ...
    time: str | None = None  # text of NESTML's t; None: t not allowed
    dt: bool = True  # resolution()/timestep() allowed
    dt_text: str = "dt"  # and how they read
    body: bool = False  # the body of an engine function: names read as its arguments
    state: bool = True  # state and local variables allowed
    internals: bool = True  # internals allowed (as the step's values)
    ports: bool = True  # spike ports allowed
    random: bool = True
    init: bool = False  # initial values: internals and state read as their expressions
    stage: float = 0.0  # kernels: offset of the stage, in steps
    h_text: str = "0"  # the same, in ms (text)
    cache: bool = False  # kernel values: one helper per stage offset, shared in the step
    delta: str | None = None  # value of convolve(delta kernel, port); None: not allowed
    overrides: dict = field(default_factory=dict)  # nestml key -> text
    args: dict = field(default_factory=dict)  # function arguments -> text


@dataclass
class _Port:
    name: str
    targets: tuple[str, ...]
    raw: str  # summed weights of this step, as they arrive
    received: str  # condition: input this step
    factor: float  # the port's unit (1/s) in engine units


@dataclass
class _Conv:
    """One convolve(K, port): terms A * t**n * exp(r*t), each with states
    y_0..y_n; ``delta``: a delta kernel (a jump, no state)."""

    kernel: str
    port: str
    terms: list  # [(A text, r text, n, [state keys y_0..y_n])]
    delta: bool = False


def _wrap(text: str, prec: int, needed: int) -> str:
    return text if prec >= needed else f"({text})"


class _Translator:
    def __init__(self, model, method: str):
        self.model = model
        self.body = model.get_body()
        self.method = method
        self.tableau = _TABLEAUS[method]
        self.names: dict[str, str] = {}  # nestml key -> engine name
        self.taken: set[str] = set()
        self.conductances: set[str] = set()  # g_<target>: the engine adds weights to them
        self.python_names = _population_names()
        self.params: dict[str, Any] = {}  # name -> (declaration, variable node)
        self.state: dict[str, Any] = {}  # key (x, x__d) -> (declaration, variable node)
        self.kernel_state: dict[str, Any] = {}  # initial values of ODE-form kernels
        self.internals: dict[str, Any] = {}
        self.internal_params: set[str] = set()  # internals computed once, from the initial state
        self.inlines: dict[str, Any] = {}
        self.odes: dict[str, Any] = {}  # key -> ('expr', node) | ('var', key)
        self.kernels: dict[str, Any] = {}  # variable name -> ASTKernel
        self.functions: dict[str, Any] = {}
        self.spike_ports: dict[str, _Port] = {}
        self.cont_ports: dict[str, Any] = {}  # name -> (node, factor)
        self.convs: dict[tuple[str, str], _Conv] = {}
        self.vars: dict[str, _Var] = {}  # key -> var (state, internals, helpers)
        self.version_owner: list[tuple[_Var, int]] = []
        self.program: list[list] = []  # [version id, rhs, condition or None, value otherwise]
        self.memo: dict[tuple, dict] = {}  # integrations of the step, shared by branches
        self.cur: dict[str, str] = {}  # key -> the version reads see
        self.latest: dict[str, str] = {}  # key -> its last version (what a branch must keep)
        self.scopes: list[dict[str, str]] = []  # local name -> key
        self.spiked: str | None = None  # key of the spike flag
        self.units: dict[str, tuple[str, float]] = {}
        self.inline_stack: list[str] = []
        self.function_stack: list[str] = []
        self.init_text: dict[str, str] = {}  # state key -> its initial value
        self.fn_args: dict[str, tuple] = {}  # engine function argument -> what it carries
        self.fn_conv: dict[tuple[str, str], str] = {}
        self.conv_cache: dict[tuple, str] = {}
        self.shared: dict[str, str] = {}  # text -> helper computed once per step
        self.values: dict[tuple, tuple] = {}  # (text, condition) -> (helper, its entry)
        self.recording: list | None = None  # entries an integration writes or reuses
        self.fn_defs: dict[tuple[str, str], tuple] = {}
        self.fn_lines: list[str] = []
        self.fn_time = self.fn_dt = ""

    # ------------------------------------------------------------------ names

    def _free(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken or name in RESERVED_NAMES or name in _ENGINE_INTERNAL_NAMES \
                or name.startswith("sum_") or name in self.conductances \
                or name in self.python_names:
            k += 1
            name = f"{base}_{k}" if not base.endswith("_") else f"{base}{k}"
        self.taken.add(name)
        return name

    def _name(self, key: str, targets: set[str]) -> str:
        """Engine name of NESTML name ``key`` (renamed only when it must be)."""
        base = key.replace("$", "__dollar")
        base = re.sub(r"[^A-Za-z0-9_]", "_", base)
        if not base[:1].isalpha():
            base = "nestml" + ("" if base.startswith("_") else "_") + base
        if base in self.conductances:
            base = "nestml_" + base
        elif base in RESERVED_NAMES or base in _ENGINE_INTERNAL_NAMES or \
                base.startswith("sum_") or base in self.python_names:
            base = base + "_"
        name = self._free(base)
        self.names[key] = name
        return name

    def helper(self, base: str, dtype: str = "float") -> str:
        """A new helper value (written once per step); returns its key."""
        key = "\x00" + base + "#" + str(len(self.vars))
        self.vars[key] = _Var(self._free(re.sub(r"[^A-Za-z0-9_]", "_", base)), dtype)
        return key

    # ------------------------------------------------------------------ program

    def read(self, key: str) -> str:
        if key not in self.cur:
            var = self.vars[key]
            if not var.persistent:
                raise AssertionError(f"{key!r} read before it is written")
            vid = len(self.version_owner)
            self.version_owner.append((var, 0))  # version 0: the value stored by the last step
            self.cur[key] = f"\x01{vid}\x02"
        return self.cur[key]

    def write(self, key: str, rhs: str, pred: str | None = None, otherwise: str | None = None):
        """Append ``key = rhs`` to the step (``if pred then rhs else otherwise``,
        by default else the current value)."""
        var = self.vars[key]
        old = None
        if pred is not None:
            old = otherwise if otherwise is not None else self.latest.get(key) or self.read(key)
        var.versions.append(len(var.versions) + 1)
        vid = len(self.version_owner)
        self.version_owner.append((var, len(var.versions)))
        entry = [vid, rhs, pred, old]
        self.program.append(entry)
        if self.recording is not None:
            self.recording.append(entry)
        self.cur[key] = self.latest[key] = f"\x01{vid}\x02"

    def value(self, base: str, text: str, pred: str | None) -> str:
        """A helper holding ``text`` (``if pred then text else 0``); the same
        computation under the same condition is written once."""
        key = (text, pred)
        if key not in self.values:
            helper = self.helper(base)
            self.write(helper, text, pred, otherwise="0")
            self.values[key] = (self.cur[helper], self.program[-1])
        elif self.recording is not None:
            self.recording.append(self.values[key][1])
        return self.values[key][0]

    def cond(self, text: str) -> str:
        """Store condition ``text`` in a bool helper; returns the helper's text."""
        key = self.helper("cond", "bool")
        self.write(key, f"(if {text} then 1 else 0)")
        return self.cur[key]

    @staticmethod
    def pred_text(pred: list[tuple[str, bool]]) -> str | None:
        if not pred:
            return None
        parts = [c if positive else f"not {c}" for c, positive in pred]
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"

    # ------------------------------------------------------------------ declarations

    def translate(self) -> dict:
        body = self.body
        for name, kind in (("state", body.get_state_blocks()),
                           ("parameters", body.get_parameters_blocks()),
                           ("internals", body.get_internals_blocks())):
            for block in kind:
                for decl in block.get_declarations():
                    self._declaration(decl, name)
        for block in body.get_equations_blocks():
            for item in block.get_declarations():
                kind = type(item).__name__
                if kind == "ASTInlineExpression":
                    self.inlines[item.get_variable_name()] = item
                elif kind == "ASTKernel":
                    for var in item.get_variables():
                        self.kernels[var.get_name()] = item
                        if var.get_differential_order() > 0:  # initial values in the state block
                            for k in range(var.get_differential_order()):
                                key = var.get_name() + "__d" * k
                                if key in self.state:
                                    self.kernel_state[key] = self.state.pop(key)
                elif kind == "ASTOdeEquation":
                    pass
        for block in body.get_equations_blocks():
            for item in block.get_declarations():
                if type(item).__name__ == "ASTOdeEquation":
                    self._ode(item)
        for function in body.get_functions():
            self.functions[function.get_name()] = function
        self._ports()
        for block in body.get_output_blocks():
            if not block.is_spike():
                raise _Unsupported(block, "only spiking outputs ('output: spike') are supported")
            if block.get_attributes():
                raise _Unsupported(block, "spike attributes in the output block are not supported")

        # engine names: first the ones NESTML chose, then helpers
        targets = {t for p in self.spike_ports.values() for t in p.targets}
        self.conductances = {f"g_{t}" for t in targets}
        for key in [*self.params, *self.cont_ports, *self.state, *self.internals, *self.inlines]:
            self._name(key, targets)
        for key in self.state:
            decl, node = self.state[key]
            self.vars[key] = _Var(self.names[key], self._dtype(decl), persistent=True)
            self.units[self.names[key]] = self._unit(decl)
        self._classify_internals()
        for key in self.internals:
            decl, _ = self.internals[key]
            self.units[self.names[key]] = self._unit(decl)
            if key not in self.internal_params:
                self.vars[key] = _Var(self.names[key], self._dtype(decl))
        for key in self.params:
            self.units[self.names[key]] = self._unit(self.params[key][0])
        self._find_convolutions()

        self._initial_values()
        parameters = self._parameter_block()
        self._step()
        return self._assemble(parameters)

    def _declaration(self, decl, block: str):
        if decl.has_size_parameter():
            raise _Unsupported(decl, "vector variables are not supported")
        if getattr(decl, "is_inline_expression", False):
            raise _Unsupported(decl, f"inline declarations in the {block} block are not supported",
                               "write the inline expression in the equations block")
        for var in decl.get_variables():
            if var.get_vector_parameter() is not None:
                raise _Unsupported(decl, "vector variables are not supported")
            key = var.get_name() + "__d" * var.get_differential_order()
            if block == "state":
                self.state[key] = (decl, var)
            elif block == "parameters":
                self.params[key] = (decl, var)
            else:
                self.internals[key] = (decl, var)

    def _ode(self, item):
        lhs = item.get_lhs()
        order = lhs.get_differential_order()
        name = lhs.get_name()
        keys = [name + "__d" * k for k in range(order)]
        for k, key in enumerate(keys):
            if key not in self.state:
                raise _Unsupported(item, f"the ODE of {lhs.get_complete_name()!r} needs the state "
                                   f"variable {name + chr(39) * k!r}", "declare it in the state "
                                   "block with its initial value")
            self.odes[key] = ("var", keys[k + 1]) if k + 1 < order else ("expr", item.get_rhs())

    def _classify_internals(self):
        """Internals that read state variables are computed once, from the
        initial state (engine parameters), as NEST computes them before a
        simulation; the others every step (they may use resolution())."""
        for key, (decl, _) in self.internals.items():
            if not decl.has_expression():
                continue
            names = _names_in(decl.get_expression())
            if names & set(self.state) or names & self.internal_params:
                self.internal_params.add(key)

    def _dtype(self, decl) -> str:
        dt = decl.get_data_type()
        if dt.is_integer:
            return "int"
        if dt.is_boolean:
            return "bool"
        if dt.is_string:
            raise _Unsupported(decl, "string variables are not supported")
        return "float"

    def _unit(self, decl) -> tuple[str, float]:
        return self._type_unit(decl.get_data_type())

    def _type_unit(self, data_type) -> tuple[str, float]:
        symbol = data_type.get_type_symbol()
        unit = getattr(getattr(symbol, "unit", None), "unit", None)
        text = " ".join(str(data_type).split())
        return (text, 1.0 if unit is None else unit_factor(unit))

    def _ports(self):
        spikes, continuous = [], []
        for block in self.body.get_input_blocks():
            for port in block.get_input_ports():
                if port.has_size_parameter():
                    raise _Unsupported(port, f"vector input port {port.get_name()!r} is not "
                                       "supported")
                (spikes if port.is_spike() else continuous).append(port)
        for port in continuous:
            factor = self._type_unit(port.get_datatype())[1] if port.has_datatype() else 1.0
            self.cont_ports[port.get_name()] = (port, factor)
        spike_factor = unit_factor("s") ** -1  # NESTML types a spike port 1/s
        qualifiers = {p.get_name(): {("inhibitory" if q.is_inhibitory else "excitatory")
                                     for q in (p.get_input_qualifiers() or [])} for p in spikes}
        if len(spikes) == 1 and qualifiers[spikes[0].get_name()] in (
                set(), {"excitatory", "inhibitory"}):
            name = spikes[0].get_name()
            self.spike_ports[name] = _Port(name, ("exc", "inh"), "(g_exc - g_inh)",
                                           "(g_exc != 0 or g_inh != 0)", spike_factor)
            return
        used: dict[str, str] = {}
        for port in spikes:
            name = port.get_name()
            q = qualifiers[name]
            target = {frozenset({"excitatory"}): "exc",
                      frozenset({"inhibitory"}): "inh"}.get(frozenset(q), name)
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", target):
                raise _Unsupported(port, f"port name {name!r} cannot name an engine target")
            if target in used:
                raise _Unsupported(port, f"ports {used[target]!r} and {name!r} would both "
                                   f"listen on target {target!r}",
                                   "give at most one port the 'excitatory' qualifier and one "
                                   "the 'inhibitory' qualifier")
            used[target] = name
            self.spike_ports[name] = _Port(name, (target,), f"g_{target}",
                                           f"(g_{target} != 0)", spike_factor)

    def _find_convolutions(self):
        found = []

        def walk(node):
            if type(node).__name__ == "ASTFunctionCall" and node.get_name() == "convolve":
                found.append(node)
            for child in node.get_children():
                walk(child)

        walk(self.body)
        for call in found:
            kernel, port = self._convolve_args(call)
            if (kernel, port) not in self.convs:
                self.convs[(kernel, port)] = self._kernel(kernel, port)

    def _convolve_args(self, call) -> tuple[str, str]:
        args = call.get_args()
        names = []
        for arg in args:
            simple = arg if type(arg).__name__ == "ASTSimpleExpression" else None
            if simple is None or not simple.is_variable():
                raise _Unsupported(call, "convolve() takes a kernel name and a spike port name")
            names.append(simple.get_variable().get_name())
        if len(names) != 2:
            raise _Unsupported(call, "convolve() takes a kernel name and a spike port name")
        kernel, port = names
        if kernel not in self.kernels and port in self.kernels:
            kernel, port = port, kernel
        if kernel not in self.kernels:
            raise _Unsupported(call, f"{kernel!r} is not a kernel of the equations block")
        if port not in self.spike_ports:
            raise _Unsupported(call, f"{port!r} is not a spike input port",
                               "convolve a kernel with a spike port")
        return kernel, port

    # ------------------------------------------------------------------ kernels

    def _kernel(self, kernel: str, port: str) -> _Conv:
        import sympy as sp

        node = self.kernels[kernel]
        t = sp.Symbol("nestml_t", real=True)
        variables = node.get_variables()
        expressions = node.get_expressions()
        groups: dict = {}
        if all(v.get_differential_order() == 0 for v in variables):
            expr = expressions[[v.get_name() for v in variables].index(kernel)]
            if _is_delta(expr):
                return _Conv(kernel, port, [], delta=True)
            k = self._sym(expr, {"t": t})
        elif any(v.get_differential_order() == 0 for v in variables):
            raise _Unsupported(node, f"kernel {kernel!r} mixes a function of t and ODEs")
        else:
            k = sp.Integer(0)
            for coeff, rate, n in self._ode_kernel(node, kernel):
                groups[(rate, n)] = groups.get((rate, n), 0) + coeff
        for term in sp.Add.make_args(sp.expand(k)):
            if term == 0:
                continue
            coeff, dep = term.as_independent(t, as_Add=False)
            n, rate = 0, sp.Integer(0)
            for factor in sp.Mul.make_args(dep):
                if factor == t:
                    n += 1
                elif factor.is_Pow and factor.base == t and factor.exp.is_Integer \
                        and factor.exp > 0:
                    n += int(factor.exp)
                elif isinstance(factor, sp.exp) and sp.diff(factor.args[0], t, 2) == 0:
                    arg = factor.args[0]
                    rate += sp.diff(arg, t)
                    coeff *= sp.exp(arg.subs(t, 0))
                elif factor != 1:
                    raise _Unsupported(node, f"kernel {kernel!r}: the term {sp.sstr(term)} is not "
                                       "of the form A * t**n * exp(r*t)",
                                       "kernels are sums of exponentials, alpha functions "
                                       "(t*exp(-t/tau)) and t**n*exp(-t/tau), or linear ODEs "
                                       "with constant coefficients")
            rate = sp.simplify(rate)
            if rate.has(t):
                raise _Unsupported(node, f"kernel {kernel!r} is not a sum of A*t**n*exp(r*t) terms")
            groups[(rate, n)] = groups.get((rate, n), 0) + coeff
        terms = [(sp.simplify(c), r, n) for (r, n), c in groups.items()]
        terms = [x for x in terms if x[0] != 0]
        if not terms:
            raise _Unsupported(node, f"kernel {kernel!r} is zero")
        out = []
        single = len(terms) == 1 and terms[0][2] == 0
        for i, (coeff, rate, n) in enumerate(terms):
            keys = []
            for j in range(n + 1):
                name = f"{kernel}__X__{port}" + ("" if single else f"__{i}_{j}")
                key = "\x00kernel:" + name
                self.vars[key] = _Var(self._free(re.sub(r"[^A-Za-z0-9_]", "_",
                                                        name.replace("$", "__dollar"))),
                                      "float", init="0.0", persistent=True)
                keys.append(key)
            out.append((_sympy_text(coeff), _sympy_text(rate), n, keys))
        return _Conv(kernel, port, out)

    def _ode_kernel(self, node, kernel: str):
        """Terms (A, r, n) of a kernel given as linear ODEs with constant
        coefficients: K(t) is the component ``kernel`` of expm(M*t) @ x0 (x0
        from the state block), written with the Jordan form M = P J P^-1:
        a block of eigenvalue r gives t**n/n! * exp(r*t) terms."""
        import sympy as sp

        keys, rhs = [], {}
        for var, expr in zip(node.get_variables(), node.get_expressions()):
            name, order = var.get_name(), var.get_differential_order()
            chain = [name + "__d" * k for k in range(order)]
            keys += chain
            for k, key in enumerate(chain[:-1]):
                rhs[key] = ("var", chain[k + 1])
            rhs[chain[-1]] = ("expr", expr)
        symbols = {k: sp.Symbol("nestml_k_" + str(i), real=True) for i, k in enumerate(keys)}
        env = {"t": None, **{k: s for k, s in symbols.items()}}
        f = [symbols[rhs[k][1]] if rhs[k][0] == "var" else self._sym(rhs[k][1], env)
             for k in keys]
        xs = [symbols[k] for k in keys]
        zero = {x: 0 for x in xs}
        for fi in f:
            if any(sp.diff(fi, a, b) != 0 for a in xs for b in xs) or \
                    sp.simplify(fi.subs(zero)) != 0:
                raise _Unsupported(node, f"kernel {kernel!r} is not a linear homogeneous ODE "
                                   "system", "kernels given as ODEs must be linear in their "
                                   "variables, with constant coefficients")
        M = sp.Matrix([[sp.diff(fi, x) for x in xs] for fi in f])
        x0 = []
        for key in keys:
            if key not in self.kernel_state:
                raise _Unsupported(node, f"kernel {kernel!r}: no initial value for "
                                   f"{key.replace('__d', chr(39))!r} in the state block")
            decl = self.kernel_state[key][0]
            x0.append(self._sym(decl.get_expression(), {}) if decl.has_expression() else 0)
        try:
            P, J = M.jordan_form()
            col = P.inv() * sp.Matrix(x0)
        except Exception as exc:  # sympy cannot decompose this matrix
            raise _Unsupported(node, f"kernel {kernel!r}: no closed form ({exc})") from None
        row = P[keys.index(kernel), :]
        size = J.shape[0]
        terms, i = [], 0
        while i < size:  # Jordan blocks along the diagonal
            j = i
            while j + 1 < size and J[j, j + 1] == 1 and J[j + 1, j + 1] == J[i, i]:
                j += 1
            for r in range(i, j + 1):
                for c in range(r, j + 1):
                    coeff = sp.simplify(row[r] * col[c] / sp.factorial(c - r))
                    if coeff != 0:
                        terms.append((coeff, sp.simplify(J[i, i]), c - r))
            i = j + 1
        return terms

    def _sym(self, node, env: dict):
        """A kernel's expression as sympy, built node by node (nothing evaluated).
        ``env``: NESTML key -> sympy symbol (``t``: the kernel's time)."""
        import sympy as sp

        kind = type(node).__name__
        if kind == "ASTSimpleExpression":
            if node.is_function_call():
                call = node.get_function_call()
                args = [self._sym(a, env) for a in call.get_args()]
                name = call.get_name()
                if name == "exp" and len(args) == 1:
                    return sp.exp(args[0])
                if name == "ln" and len(args) == 1:
                    return sp.log(args[0])
                if name == "pow" and len(args) == 2:
                    return args[0] ** args[1]
                if name == "delta":
                    raise _Unsupported(node, "delta() is only supported as a whole kernel, "
                                       "kernel K = delta(t)")
                raise _Unsupported(node, f"function {name}() in a kernel is not supported",
                                   "kernels may use exp(), ln(), pow() and arithmetic")
            if node.is_numeric_literal():
                value = node.get_numeric_literal()
                base = sp.Integer(value) if isinstance(value, int) else sp.Float(value)
                if getattr(node, "unitType", None) is not None:
                    factor = self._literal_unit(node)
                    return base * (sp.Integer(int(factor)) if float(factor).is_integer()
                                   else sp.Float(factor))
                return base
            if node.get_boolean_literal() is not None or node.is_inf_literal or node.is_string():
                raise _Unsupported(node, "this literal cannot appear in a kernel")
            var = node.get_variable()
            name = var.get_name()
            key = name + "__d" * var.get_differential_order()
            if var.get_vector_parameter() is not None:
                raise _Unsupported(node, f"{var.get_complete_name()!r} in a kernel")
            if key in env:
                if env[key] is None:
                    raise _Unsupported(node, "a kernel given as ODEs cannot use t")
                return env[key]
            if key == "e":
                return sp.E
            if key == "pi":
                return sp.pi
            if key in self.params or key in self.internals:
                return sp.Symbol(self.names[key], real=True)
            if key in self.state or key in self.inlines or key in self.kernels:
                raise _Unsupported(node, f"kernel uses {var.get_complete_name()!r}: kernels may "
                                   "only use t, parameters and internals")
            factor = self._unit_of(var, node)
            return sp.Integer(int(factor)) if float(factor).is_integer() else sp.Float(factor)
        if node.is_encapsulated or (node.is_expression() and not node.is_unary_operator()
                                    and not node.is_logical_not):
            return self._sym(node.get_expression(), env)
        if node.is_unary_operator():
            op = node.get_unary_operator()
            inner = self._sym(node.get_expression(), env)
            if op.is_unary_minus:
                return -inner
            if op.is_unary_plus:
                return inner
        if node.is_compound_expression():
            op = node.get_binary_operator()
            a, b = self._sym(node.get_lhs(), env), self._sym(node.get_rhs(), env)
            if type(op).__name__ == "ASTArithmeticOperator":
                if op.is_plus_op:
                    return a + b
                if op.is_minus_op:
                    return a - b
                if op.is_times_op:
                    return a * b
                if op.is_div_op:
                    return a / b
                if op.is_pow_op:
                    return a ** b
        raise _Unsupported(node, "this operation cannot appear in a kernel",
                           "kernels use + - * / ** exp() ln() of t, parameters and internals")

    def _conv_text(self, conv: _Conv, env: _Env) -> str:
        """Value of convolve() ``env.stage`` steps after the start of the step."""
        if conv.delta:
            if env.delta is None:
                raise _Unsupported(self.kernels[conv.kernel], f"the delta kernel {conv.kernel!r} "
                                   "can only be convolved in an ODE",
                                   "in an ODE, convolve(K_delta, port) makes the variable jump "
                                   "by the weights at each spike")
            return env.delta
        parts = []
        for coeff, rate, n, keys in conv.terms:
            ys = [self.read(k) for k in keys]
            if env.stage == 0:
                inner = ys[n]
            else:  # propagated exactly to the stage: h = env.h_text after the step's start
                h = env.h_text
                pieces = [ys[n]] + [_power_term(h, k, ys[n - k]) for k in range(1, n + 1)]
                decay = self._shared(f"exp(({rate})*{h})", f"decay_{conv.kernel}")
                inner = f"{decay}*" + (f"({' + '.join(pieces)})" if n else ys[n])
            scale = self._shared(coeff, f"A_{conv.kernel}") + \
                (f"*{math.factorial(n)}" if n > 1 else "")
            parts.append(f"{scale}*{inner}")
        return "(" + " + ".join(parts) + ")"

    def _shared(self, text: str, base: str) -> str:
        """A value of parameters, internals and dt, computed once per step (at its
        first use, unconditionally) and shared by every later use."""
        if re.fullmatch(r"[\w.]+", text):
            return text
        if text not in self.shared:
            helper = self.helper(base)
            self.write(helper, text)
            self.shared[text] = self.cur[helper]
        return self.shared[text]

    def _conv_value(self, conv: _Conv, env: _Env) -> str:
        """convolve() in an ODE stage: computed once per step and stage offset
        (the kernel variables change only after the onReceive blocks)."""
        if not env.cache or conv.delta:
            return self._conv_text(conv, env)
        key = (conv.kernel, conv.port, env.h_text)
        if key not in self.conv_cache:
            helper = self.helper(f"conv_{conv.kernel}_{len(self.conv_cache) + 1}")
            self.write(helper, self._conv_text(conv, env))  # unconditional: used in any branch
            self.conv_cache[key] = self.cur[helper]
        return self.conv_cache[key]

    def _kernel_updates(self):
        for conv in self.convs.values():
            port = self.spike_ports[conv.port]
            for coeff, rate, n, keys in conv.terms:
                ys = [self.read(k) for k in keys]
                decay = self._shared(f"exp(({rate})*dt)", f"decay_{conv.kernel}")
                for j in range(n, -1, -1):  # highest first: y_j reads y_0..y_j of the start
                    pieces = [ys[j]] + [_power_term("dt", k, ys[j - k]) for k in range(1, j + 1)]
                    rhs = f"{decay}*({' + '.join(pieces)})" if len(pieces) > 1 else \
                        f"{decay}*{ys[j]}"
                    if j == 0:
                        rhs += f" + {port.raw}"
                    self.write(keys[j], rhs)

    # ------------------------------------------------------------------ blocks

    def init_env(self, what: str) -> _Env:
        return _Env(what, time=None, dt=False, state=False, internals=False, ports=False,
                    init=True, overrides={k: f"({v})" for k, v in self.init_text.items()})

    def _initial_values(self):
        env = self.init_env("an initial value")
        for key, (decl, var) in self.state.items():
            if decl.has_expression():
                text = self.number(decl.get_expression(), env)
            else:
                text = "0"
            self.init_text[key] = text
            self.vars[key].init = text
            env.overrides[key] = f"({text})"

    def _parameter_block(self) -> str:
        out = []
        env = self.init_env("a parameter value")
        for key, (decl, var) in self.params.items():
            value = self.number(decl.get_expression(), env) if decl.has_expression() else "0"
            out.append(self._line(self.names[key], value, self._dtype(decl)))
        for key, (port, factor) in self.cont_ports.items():
            out.append(self._line(self.names[key], "0.0", "float"))
            if port.has_datatype():
                self.units[self.names[key]] = (self._type_unit(port.get_datatype())[0], 1.0)
        env = self.init_env("an internal computed from the initial state")
        for key in self.internals:
            if key in self.internal_params:
                decl = self.internals[key][0]
                value = self.number(decl.get_expression(), env)
                out.append(self._line(self.names[key], value, self._dtype(decl)))
        return "\n".join(out)

    @staticmethod
    def _line(name: str, value: str, dtype: str, flags: str = "") -> str:
        flag = [] if dtype == "float" else [dtype]
        if flags:
            flag.append(flags)
        return f"{name} = {value}" + (" : " + ", ".join(flag) if flag else "")

    def _step(self):
        body = self.body
        # (1) internals
        env = _Env("an internal", time=None, state=False, ports=False)
        for key, (decl, var) in self.internals.items():
            if key not in self.internal_params:
                value = self.number(decl.get_expression(), env) if decl.has_expression() else "0"
                self.write(key, value)
        # (2) update
        for block in body.get_update_blocks():
            self.stmts(block.get_stmts_body(), [], "update")
        # (3) onReceive
        for block in body.get_on_receive_blocks():
            if block.get_const_parameters():
                raise _Unsupported(block, "onReceive parameters (priority=...) are not supported")
            name = block.get_port_name()
            if name not in self.spike_ports:
                raise _Unsupported(block, f"onReceive({name}): {name!r} is not a spike port")
            received = self.cond(self.spike_ports[name].received)
            self.stmts(block.get_stmts_body(), [(received, True)], "onReceive")
        # (4) kernels
        self._kernel_updates()
        # (5) onCondition
        for block in body.get_on_condition_blocks():
            if block.get_const_parameters():
                raise _Unsupported(block, "onCondition parameters (priority=...) are not "
                                   "supported")
            c = self.cond(self.boolean(block.get_cond_expr(), self.stmt_env()))
            self.stmts(block.get_stmts_body(), [(c, True)], "onCondition")
        # (6) inline expressions, stored for recording
        env = self.stmt_env()
        for name, item in self.inlines.items():
            if _has_delta_convolve(item.get_expression(), self):
                continue  # a jump, not a value
            key = "\x00inline:" + name
            dtype = self._inline_dtype(item)
            self.vars[key] = _Var(self.names[name], dtype)
            self.write(key, self.number(item.get_expression(), env))
        if self.spiked is None:
            raise _Unsupported(self.model, f"model {self.model.get_name()!r} never calls "
                               "emit_spike()", "only spiking neurons are supported: emit a "
                               "spike in an onCondition block")

    @staticmethod
    def _inline_dtype(item) -> str:
        dt = item.get_data_type()
        return "int" if dt.is_integer else "bool" if dt.is_boolean else "float"

    def stmt_env(self) -> _Env:
        return _Env("a statement", time="(t + dt)")

    # ------------------------------------------------------------------ statements

    def stmts(self, body, pred, ctx):
        self.scopes.append({})
        try:
            for stmt in body.get_stmts():
                if stmt.is_small_stmt():
                    self.small(stmt.small_stmt, pred, ctx)
                else:
                    compound = stmt.compound_stmt
                    if compound.is_if_stmt():
                        self.if_stmt(compound.get_if_stmt(), pred, ctx)
                    else:
                        what = "for" if compound.is_for_stmt() else "while"
                        raise _Unsupported(compound, f"{what} loops are not supported")
        finally:
            self.scopes.pop()

    def if_stmt(self, node, pred, ctx):
        env = self.stmt_env()
        clauses = [(node.get_if_clause().get_condition(), node.get_if_clause().get_stmts_body())]
        clauses += [(c.get_condition(), c.get_stmts_body()) for c in node.get_elif_clauses()]
        conds = [self.cond(self.boolean(c, env)) for c, _ in clauses]
        if node.has_else_clause():
            clauses.append((None, node.get_else_clause().get_stmts_body()))
        # each branch reads the values the if started with (a version written by an
        # earlier branch equals them whenever this branch runs), so that branches
        # doing the same work can share it; writes keep the earlier branches' versions
        entry = dict(self.cur)
        for i, (c, body) in enumerate(clauses):
            p = list(pred) + [(conds[j], False) for j in range(i)]
            if c is not None:
                p.append((conds[i], True))
            self.cur = dict(entry)
            self.stmts(body, p, ctx)
        self.cur = {**entry, **self.latest}

    def small(self, stmt, pred, ctx):
        if stmt.is_assignment():
            self.assignment(stmt.get_assignment(), pred)
        elif stmt.is_declaration():
            self.local(stmt.get_declaration(), pred)
        elif stmt.is_function_call():
            self.call_stmt(stmt.get_function_call(), pred, ctx)
        else:
            raise _Unsupported(stmt, f"'return' in the {ctx} block is not supported")

    def local(self, decl, pred):
        if decl.has_size_parameter():
            raise _Unsupported(decl, "vector variables are not supported")
        env = self.stmt_env()
        dtype = self._dtype(decl)
        for var in decl.get_variables():
            key = self.helper(var.get_name(), dtype)
            value = self.number(decl.get_expression(), env) if decl.has_expression() else "0"
            self.write(key, value, self.pred_text(pred), otherwise="0")
            self.scopes[-1][var.get_name()] = key

    def _target_key(self, var, node) -> str:
        name = var.get_name()
        if var.get_vector_parameter() is not None:
            raise _Unsupported(node, "vector variables are not supported")
        for scope in reversed(self.scopes):
            if name in scope and not var.get_differential_order():
                return scope[name]
        key = name + "__d" * var.get_differential_order()
        if key in self.state:
            return key
        raise _Unsupported(node, f"cannot assign {var.get_complete_name()!r}: only state and "
                           "local variables can be assigned")

    def assignment(self, node, pred):
        key = self._target_key(node.get_variable(), node)
        env = self.stmt_env()
        text, _, prec = self._x(node.get_expression(), env, number=True)
        if node.is_direct_assignment:
            value = text
        else:
            cur = self.read(key)
            for flag, sym, p in (("is_compound_sum", "+", _ADD), ("is_compound_minus", "-", _ADD),
                                 ("is_compound_product", "*", _MUL),
                                 ("is_compound_quotient", "/", _MUL)):
                if getattr(node, flag):
                    value = f"{cur} {sym} {_wrap(text, prec, p + 1)}"
                    break
            else:
                raise _Unsupported(node, "integer division '//=' is not supported")
        self.write(key, value, self.pred_text(pred))

    def call_stmt(self, call, pred, ctx):
        name = call.get_name()
        if name == "integrate_odes":
            if ctx != "update":
                raise _Unsupported(call, f"integrate_odes() in an {ctx} block is not supported",
                                   "call integrate_odes() in the update block")
            keys = []
            for arg in call.get_args():
                simple = arg if type(arg).__name__ == "ASTSimpleExpression" else None
                if simple is None or not simple.is_variable():
                    raise _Unsupported(call, "integrate_odes() takes state variable names")
                base = simple.get_variable().get_name()
                keys += [k for k in self.odes
                         if re.fullmatch(re.escape(base) + "(__d)*", k) and k not in keys]
            self.integrate(keys if call.get_args() else list(self.odes), pred)
        elif name == "emit_spike":
            if call.get_args():
                raise _Unsupported(call, "emit_spike() with arguments (a synapse model) is not "
                                   "supported", "only neuron models are translated")
            if self.spiked is None:
                self.spiked = self.helper("nestml_spike", "bool")
                self.write(self.spiked, "1", self.pred_text(pred), otherwise="0")
            else:
                self.write(self.spiked, "1", self.pred_text(pred))
        elif name in ("print", "println", "info", "warning"):
            return  # output only: no effect on the dynamics
        else:
            raise _Unsupported(call, f"calling {name}() as a statement is not supported")

    # ------------------------------------------------------------------ integration

    def integrate(self, keys: list[str], pred):
        """An explicit Runge-Kutta step of the ODEs of ``keys`` over dt; the
        other variables keep their values; delta-kernel jumps afterwards.
        Independent groups of ODEs are integrated separately (the same result:
        their stages do not interact), and a group integrated from the same
        values in another branch of the step reuses that computation."""
        if not keys:
            return
        when = self.pred_text(pred)
        for group in self._groups(keys):
            snapshot = (tuple(group), tuple(self._current(k) for k in self.vars
                                            if self.vars[k].persistent or k in self.internals))
            memo = self.memo.get(snapshot)
            if memo is None:
                self.recording = []
                try:
                    new = self._runge_kutta(group, when)
                finally:
                    entries, self.recording = self.recording, None
                self.memo[snapshot] = memo = dict(entries=entries, new=new)
            else:  # computed in another branch: widen the condition of its helpers
                for entry in memo["entries"]:
                    entry[2] = _either(entry[2], when)
            for k in group:
                self.write(k, memo["new"][k], when)
        self._delta_jumps(keys, when)

    def _current(self, key: str) -> str:
        """The current version of ``key``, "start" for the value of the last step."""
        token = self.cur.get(key)
        if token is None or self.version_owner[int(token[1:-1])][1] == 0:
            return "start"
        return token

    def _groups(self, keys: list[str]) -> list[list[str]]:
        """``keys`` split into groups of ODEs that read one another."""
        parent = {k: k for k in keys}

        def root(k):
            while parent[k] != k:
                k = parent[k]
            return k

        for k in keys:
            kind, what = self.odes[k]
            reads = {what} if kind == "var" else self._reads(what)
            for other in reads & set(keys):
                parent[root(other)] = root(k)
        groups: dict[str, list[str]] = {}
        for k in keys:
            groups.setdefault(root(k), []).append(k)
        return list(groups.values())

    def _reads(self, node, seen=None) -> set[str]:
        """NESTML keys an expression reads, through inline expressions and functions."""
        seen = set() if seen is None else seen
        out = set()
        for name in _names_in(node):
            out.add(name)
            if name in self.inlines and name not in seen:
                seen.add(name)
                out |= self._reads(self.inlines[name].get_expression(), seen)
        for fname in _calls_in(node):
            if fname in self.functions and fname not in seen:
                seen.add(fname)
                out |= self._reads(self.functions[fname].get_stmts_body(), seen)
        return out

    def _runge_kutta(self, keys: list[str], when: str | None) -> dict[str, str]:
        """The helpers of one Runge-Kutta step of ``keys``; returns the new values."""
        c, a, b = self.tableau
        start = {k: self.read(k) for k in keys}
        slopes: list[dict[str, str]] = []
        for s, cs in enumerate(c):
            overrides = {}
            if s:  # the stage's state values, one helper each
                for k in keys:
                    step = _weighted([(a[s][j], slopes[j][k]) for j in range(s)])
                    if step is None:
                        overrides[k] = start[k]
                        continue
                    overrides[k] = self.value(f"y{s + 1}_{self.vars[k].final}",
                                              f"{start[k]} + {step}", when)
            h = _weighted([(cs, "1")])
            env = _Env("an ODE", time=f"(t + {h})" if cs else "t", ports=False, random=False,
                       stage=float(cs), h_text=(h if h == "dt" else f"({h})") if cs else "0",
                       delta="0",
                       overrides=overrides, cache=True)
            self._stage_inlines(keys, env, when)  # one helper each, arguments of the ODEs
            slope = {}
            for k in keys:
                kind, what = self.odes[k]
                if kind == "var":
                    slope[k] = overrides.get(what, self.read(what))
                    continue
                text, prec = self._ode_call(k, env)
                if len(keys) == 1 and len(c) == 1:
                    slope[k] = _wrap(text, prec, _MUL + 1)
                    continue
                slope[k] = self.value(f"k{s + 1}_{self.vars[k].final}", text, when)
            slopes.append(slope)
        return {k: f"{start[k]} + {_weighted([(b[s], slopes[s][k]) for s in range(len(c))])}"
                for k in keys}

    def _delta_jumps(self, keys: list[str], when: str | None):
        """Delta kernels: the variable jumps by (coefficient of the convolution) * weights."""
        for k in keys:
            kind, what = self.odes[k]
            if kind != "expr":
                continue
            for conv in self.convs.values():
                if not conv.delta or not _has_delta_convolve(what, self, conv):
                    continue
                one = self._delta_env(conv, "1")
                zero = self._delta_env(conv, "0")
                coefficient = f"(({self.number(what, one)}) - ({self.number(what, zero)}))"
                raw = self.spike_ports[conv.port].raw
                self.write(k, f"{self.read(k)} + {coefficient}*{raw}", when)

    def _delta_env(self, conv: _Conv, value: str) -> _Env:
        env = _Env("an ODE", time="(t + dt)", ports=False, random=False, delta="0")
        env.overrides["\x00delta:" + conv.kernel + ":" + conv.port] = value
        return env

    # ------------------------------------------------------------------ engine functions
    #
    # The right-hand side of each ODE, and each inline expression it uses, is
    # an engine function (the ``functions`` block, inlined by the engine): a
    # Runge-Kutta stage calls it instead of repeating its text, which keeps
    # large models (Hodgkin-Huxley) under the engine's size limit per block.

    def _function_env(self) -> _Env:
        if not self.fn_args:
            self.fn_time, self.fn_dt = self._free("nestml_t"), self._free("nestml_dt")
            self.fn_args[self.fn_time] = ("time",)
            self.fn_args[self.fn_dt] = ("dt",)
            for key in self.state:
                self.fn_args[self.names[key]] = ("state", key)
            for key in self.internals:
                kind = ("same",) if key in self.internal_params else ("internal", key)
                self.fn_args[self.names[key]] = kind
            for key in [*self.params, *self.cont_ports]:
                self.fn_args[self.names[key]] = ("same",)
            for kp, conv in self.convs.items():
                if not conv.delta:
                    name = self._free(f"nestml_{conv.kernel}__X__{conv.port}")
                    self.fn_args[name] = ("conv", kp)
                    self.fn_conv[kp] = name
            for name, item in self.inlines.items():
                if not _has_delta_convolve(item.get_expression(), self):
                    self.fn_args[self.names[name]] = ("inline", name)
        overrides = {k: self.names[k] for k in [*self.state, *self.internals]}
        overrides.update({"\x00inline:" + self.fn_args[a][1]: a for a in self.fn_args
                          if self.fn_args[a][0] == "inline"})
        return _Env("an ODE", time=self.fn_time, ports=False, random=False, delta="0",
                    dt_text=self.fn_dt, body=True, overrides=overrides)

    def _function(self, kind: str, name: str, node) -> dict:
        """The body of an ODE right-hand side or inline expression, printed once
        with engine names as its arguments; a function is defined the first time
        a call is shorter than the body written out (:meth:`_call_text`)."""
        key = (kind, name)
        if key not in self.fn_defs:
            env = self._function_env()
            text, _, prec = self._x(node, env, number=True)
            words = set(re.findall(r"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*", text))
            base = ("f_" if kind == "ode" else "i_") + \
                (self.vars[name].final if kind == "ode" else self.names[name])
            self.fn_defs[key] = dict(name=None, base=base, text=text, prec=prec,
                                     args=[a for a in self.fn_args if a in words])
        return self.fn_defs[key]

    def _arg_value(self, arg: str, env: _Env) -> str:
        kind = self.fn_args[arg]
        if kind[0] == "state":
            return env.overrides.get(kind[1], self.read(kind[1]))
        if kind[0] == "internal":
            return self.read(kind[1])
        if kind[0] == "time":
            return env.time
        if kind[0] == "dt":
            return "dt"
        if kind[0] == "conv":
            return self._conv_value(self.convs[kind[1]], env)
        if kind[0] == "inline":
            return env.overrides["\x00inline:" + kind[1]]
        return arg

    def _call_text(self, fn: dict, env: _Env) -> tuple[str, int]:
        """The body of ``fn`` at the stage ``env``: a call, or the body with the
        arguments' values written in, whichever is shorter."""
        args = fn["args"]
        if env.body:  # inside another function: the arguments have the same names
            values = {a: a for a in args}
        else:
            values = {a: self._arg_value(a, env) for a in args}
        written = re.sub(r"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*",
                         lambda m: values.get(m.group(0), m.group(0)), fn["text"])
        call = f"{fn['name'] or fn['base']}({', '.join(values[a] for a in args)})"
        if not args or len(written) <= len(call):
            return written, (fn["prec"] if not args else min(fn["prec"], _MUL))
        if fn["name"] is None:
            fn["name"] = self._free(fn["base"])
            self.fn_lines.append(f"{fn['name']}({', '.join(args)}) = {fn['text']}")
            call = f"{fn['name']}({', '.join(values[a] for a in args)})"
        return call, _ATOM

    def _stage_inlines(self, keys, env: _Env, when):
        """Compute the inline expressions the ODEs of ``keys`` use (each after
        the ones it uses) into helpers of the stage ``env``."""
        used: list[str] = []

        def collect(node):
            if type(node).__name__ == "ASTVariable" and node.get_name() in self.inlines:
                name = node.get_name()
                if name not in used:
                    collect(self.inlines[name].get_expression())
                    used.append(name)
                return
            for child in node.get_children():
                collect(child)

        for k in keys:
            kind, what = self.odes[k]
            if kind == "expr":
                collect(what)
        for name in used:
            expression = self.inlines[name].get_expression()
            if _has_delta_convolve(expression, self):
                continue  # printed where used, so the jump can be found
            text, _ = self._call_text(self._function("inline", name, expression), env)
            env.overrides["\x00inline:" + name] = self.value(
                f"s{int(env.stage * 2) + 1}_{self.names[name]}", text, when)

    def _ode_call(self, key: str, env: _Env) -> tuple[str, int]:
        """The slope of ODE ``key`` at the stage ``env``."""
        node = self.odes[key][1]
        if _has_delta_convolve(node, self):  # printed where used, so the jump can be found
            return self.number(node, env), self._last_prec
        return self._call_text(self._function("ode", key, node), env)

    # ------------------------------------------------------------------ expressions

    _last_prec = _ATOM

    def number(self, node, env: _Env) -> str:
        text, _, prec = self._x(node, env, number=True)
        self._last_prec = prec
        return text

    def boolean(self, node, env: _Env) -> str:
        return self._bool(node, env)[0]

    def _bool(self, node, env: _Env) -> tuple[str, int]:
        text, kind, prec = self._x(node, env)
        if kind == "bool":
            return text, prec
        return f"{_wrap(text, prec, _CMP + 1)} != 0", _CMP

    def _x(self, node, env: _Env, number: bool = False) -> tuple[str, str, int]:
        """(text, 'num' or 'bool', precedence) of a NESTML expression;
        ``number``: a condition becomes ``if c then 1 else 0``."""
        text, kind, prec = self._x_(node, env)
        if number and kind == "bool":
            return f"(if {text} then 1 else 0)", "num", _ATOM
        return text, kind, prec

    def _x_(self, node, env: _Env) -> tuple[str, str, int]:
        kind = type(node).__name__
        if kind == "ASTSimpleExpression":
            return self._simple(node, env)
        if node.is_encapsulated:
            return self._x_(node.get_expression(), env)
        if node.is_logical_not:
            text, prec = self._bool(node.get_expression(), env)
            return f"not {_wrap(text, prec, _NOT)}", "bool", _NOT
        if node.is_unary_operator():
            op = node.get_unary_operator()
            text, _, prec = self._x(node.get_expression(), env, number=True)
            if op.is_unary_minus:
                return f"-{_wrap(text, prec, _UNARY)}", "num", _UNARY
            if op.is_unary_plus:
                return text, "num", prec
            raise _Unsupported(node, "the bitwise operator '~' is not supported")
        if node.is_ternary_operator():
            c = self.boolean(node.get_condition(), env)
            return (f"(if {c} then {self.number(node.get_if_true(), env)} else "
                    f"{self.number(node.get_if_not(), env)})"), "num", _ATOM
        if node.is_compound_expression():
            op = node.get_binary_operator()
            op_kind = type(op).__name__
            if op_kind == "ASTArithmeticOperator":
                a, _, pa = self._x(node.get_lhs(), env, number=True)
                b, _, pb = self._x(node.get_rhs(), env, number=True)
                if op.is_pow_op:
                    return f"{_wrap(a, pa, _ATOM)}**{_wrap(b, pb, _UNARY)}", "num", _POW
                if (op.is_times_op or op.is_div_op) and b == "1":  # x * mV, x / mV
                    return a, "num", pa
                if op.is_times_op and a == "1":
                    return b, "num", pb
                for flag, sym, p in (("is_plus_op", " + ", _ADD), ("is_minus_op", " - ", _ADD),
                                     ("is_times_op", "*", _MUL), ("is_div_op", "/", _MUL),
                                     ("is_modulo_op", " % ", _MUL)):
                    if getattr(op, flag):
                        return f"{_wrap(a, pa, p)}{sym}{_wrap(b, pb, p + 1)}", "num", p
                raise _Unsupported(node, "integer division '//' is not supported",
                                   "write a division and floor() it")
            if op_kind == "ASTComparisonOperator":
                a, _, pa = self._x(node.get_lhs(), env, number=True)
                b, _, pb = self._x(node.get_rhs(), env, number=True)
                for flag, sym in (("is_lt", "<"), ("is_le", "<="), ("is_eq", "=="),
                                  ("is_ne", "!="), ("is_ne2", "!="), ("is_ge", ">="),
                                  ("is_gt", ">")):
                    if getattr(op, flag, False):
                        return (f"{_wrap(a, pa, _ADD)} {sym} {_wrap(b, pb, _ADD)}", "bool",
                                _CMP)
            if op_kind == "ASTLogicalOperator":
                p = _AND if op.is_logical_and else _OR
                a, pa = self._bool(node.get_lhs(), env)
                b, pb = self._bool(node.get_rhs(), env)
                word = " and " if op.is_logical_and else " or "
                return f"{_wrap(a, pa, p)}{word}{_wrap(b, pb, p + 1)}", "bool", p
            if op_kind == "ASTBitOperator":
                raise _Unsupported(node, "bitwise operators are not supported")
        if node.is_expression():
            return self._x_(node.get_expression(), env)
        raise _Unsupported(node, f"expression {str(node).strip()!r} is not supported")

    def _simple(self, node, env: _Env) -> tuple[str, str, int]:
        if node.is_function_call():
            return self._call(node.get_function_call(), env), "num", _ATOM
        literal = node.get_boolean_literal()
        if literal is not None:
            return ("1 > 0" if literal else "1 < 0"), "bool", _CMP
        if node.is_numeric_literal():
            value = node.get_numeric_literal()
            if getattr(node, "unitType", None) is not None:
                value = float(value) * self._literal_unit(node)
            text = _num(value)
            return text, "num", _UNARY if text.startswith("-") else _ATOM
        if node.is_inf_literal:
            return _INF, "num", _ATOM
        if node.is_string():
            raise _Unsupported(node, "strings are not supported")
        return self._variable(node.get_variable(), node, env)

    def _literal_unit(self, node) -> float:
        """Factor of the unit written after a number (``30 mV``, ``1 mV/ms``)."""
        unit_type = node.unitType
        symbol = unit_type.get_type_symbol()
        unit = getattr(getattr(symbol, "unit", None), "unit", None)
        if unit is not None:
            return unit_factor(unit)
        if getattr(unit_type, "unit", None):
            from pynestml.symbols.predefined_units import PredefinedUnits

            if PredefinedUnits.is_unit(unit_type.unit):
                return unit_factor(PredefinedUnits.get_unit(unit_type.unit).get_unit())
        raise _Unsupported(node, f"cannot read the unit of {str(node).strip()!r}")

    def _unit_of(self, var, node) -> float:
        from pynestml.symbols.predefined_units import PredefinedUnits

        name = var.get_name()
        if not PredefinedUnits.is_unit(name):
            raise _Unsupported(node, f"unknown name {name!r}")
        return unit_factor(PredefinedUnits.get_unit(name).get_unit())

    def _variable(self, var, node, env: _Env) -> tuple[str, str, int]:
        name = var.get_name()
        order = var.get_differential_order()
        if var.get_vector_parameter() is not None:
            raise _Unsupported(node, "vector variables are not supported")
        if getattr(node, "has_delay", False) and var.get_delay_parameter() is not None:
            raise _Unsupported(node, "delayed variables are not supported")
        if name in env.args and not order:
            return env.args[name], "num", _ATOM
        for scope in reversed(self.scopes):
            if name in scope and not order:
                return self.read(scope[name]), "num", _ATOM
        key = name + "__d" * order
        if key in self.state:
            if env.init:
                if key in env.overrides:
                    return env.overrides[key], "num", _ATOM
                raise _Unsupported(node, f"{env.what} uses {var.get_complete_name()!r}, a state "
                                   "variable declared later")
            if not env.state:
                raise _Unsupported(node, f"{env.what} cannot use the state variable "
                                   f"{var.get_complete_name()!r}")
            return env.overrides.get(key, self.read(key)), "num", _ATOM
        if order:
            raise _Unsupported(node, f"{var.get_complete_name()!r} is not a state variable")
        if name in self.params:
            return self.names[name], "num", _ATOM
        if name in self.internals:
            if name in self.internal_params:
                return self.names[name], "num", _ATOM
            if env.init:
                decl = self.internals[name][0]
                text, _, prec = self._x(decl.get_expression(), env, number=True)
                return _wrap(text, prec, _ATOM), "num", _ATOM
            if not env.internals:
                raise _Unsupported(node, f"{env.what} cannot use the internal {name!r}")
            return env.overrides.get(name, self.read(name)), "num", _ATOM
        if name in self.inlines:
            key = "\x00inline:" + name
            if key in env.overrides:
                return env.overrides[key], "num", _ATOM
            if name in self.inline_stack:
                raise _Unsupported(node, f"inline expression {name!r} refers to itself")
            self.inline_stack.append(name)
            try:
                text, kind, prec = self._x_(self.inlines[name].get_expression(), env)
            finally:
                self.inline_stack.pop()
            return _wrap(text, prec, _ATOM), kind, _ATOM
        if name in self.spike_ports:
            if not env.ports:
                raise _Unsupported(node, f"{env.what} cannot read the spike port {name!r}",
                                   "use convolve(kernel, port) in equations, or the port "
                                   "in an onReceive block")
            port = self.spike_ports[name]
            return f"{_factor(port.factor)}*{port.raw}", "num", _MUL
        if name in self.cont_ports:
            if env.init or not env.state:
                raise _Unsupported(node, f"{env.what} cannot read the input port {name!r}")
            factor = self.cont_ports[name][1]
            ename = self.names[name]
            if factor == 1.0:
                return ename, "num", _ATOM
            return f"{_factor(factor)}*{ename}", "num", _MUL
        if name in self.kernels:
            raise _Unsupported(node, f"kernel {name!r} can only be used in convolve()")
        if name == "t":
            if env.time is None:
                raise _Unsupported(node, f"{env.what} cannot use the time t")
            return env.time, "num", _ATOM
        if name == "e":
            return repr(math.e), "num", _ATOM
        if name == "pi":
            return repr(math.pi), "num", _ATOM
        return _factor(self._unit_of(var, node)), "num", _ATOM

    def _call(self, call, env: _Env) -> str:
        name = call.get_name()
        args = call.get_args()
        if name == "convolve":
            kernel, port = self._convolve_args(call)
            if not env.state or env.init:
                raise _Unsupported(call, f"{env.what} cannot use convolve()")
            key = "\x00delta:" + kernel + ":" + port
            if key in env.overrides:
                return env.overrides[key]
            conv = self.convs[(kernel, port)]
            if env.body and not conv.delta:
                return self.fn_conv[(kernel, port)]
            return self._conv_value(conv, env)
        if name in ("resolution", "timestep"):
            if not env.dt:
                raise _Unsupported(call, f"{env.what} cannot use {name}()",
                                   "compute it in the internals block")
            return env.dt_text
        if name == "steps":
            if not env.dt:
                raise _Unsupported(call, f"{env.what} cannot use steps()",
                                   "compute it in the internals block")
            x = self.number(args[0], env)
            # NEST: the duration rounded to its time grid, in whole steps
            return _floor(f"{_wrap(x, self._last_prec, _MUL + 1)}/{env.dt_text} + 1e-6")
        if name in ("random_normal", "random_uniform"):
            if not env.random:
                raise _Unsupported(call, f"random numbers in {env.what} are not supported")
            xs = [self.number(a, env) for a in args]
            return f"{'Normal' if name == 'random_normal' else 'Uniform'}({xs[0]}, {xs[1]})"
        if name in self.functions:
            return self._user_function(call, env)
        xs = [self.number(a, env) for a in args]
        if name in _SAME_FUNCTIONS and len(xs) == _SAME_FUNCTIONS[name]:
            return f"{name}({', '.join(xs)})"
        if len(xs) == 1:
            x = xs[0]
            simple = {
                "ln": f"log({x})",
                "log10": f"(log({x})/{math.log(10.0)!r})",
                "expm1": f"(exp({x}) - 1)",
                "sinh": f"((exp({x}) - exp(-({x})))/2)",
                "cosh": f"((exp({x}) + exp(-({x})))/2)",
                "floor": _floor(x),
                "ceil": f"(-{_floor(f'-({x})')})",
                "round": _floor(f"({x}) + 0.5"),
            }
            if name in simple:
                return simple[name]
        if name == "pow" and len(xs) == 2:
            return f"(({xs[0]})**({xs[1]}))"
        if name in ("integrate_odes", "emit_spike"):
            raise _Unsupported(call, f"{name}() can only be called as a statement")
        raise _Unsupported(call, f"function {name}() is not supported")

    def _user_function(self, call, env: _Env) -> str:
        """A NESTML function, inlined: its body is local declarations and a
        final ``return``, each local substituted where it is used."""
        name = call.get_name()
        function = self.functions[name]
        stmts = list(function.get_stmts_body().get_stmts())
        if name in self.function_stack:
            raise _Unsupported(call, f"function {name}() is recursive")
        params = [p.get_name() for p in function.get_parameters()]
        values = [self.number(a, env) for a in call.get_args()]
        args = {p: v if re.fullmatch(r"[\w.]+", v) else f"({v})" for p, v in zip(params, values)}
        inner = _Env(env.what, time=env.time, dt=env.dt, state=False, internals=False,
                     ports=False, random=env.random, init=False, stage=env.stage,
                     dt_text=env.dt_text, args=args)
        self.function_stack.append(name)
        saved, self.scopes = self.scopes, []
        try:
            for k, stmt in enumerate(stmts):
                small = stmt.small_stmt if stmt.is_small_stmt() else None
                last = k == len(stmts) - 1
                if small is not None and last and small.is_return_stmt() and \
                        small.get_return_stmt().has_expression():
                    return "(" + self.number(small.get_return_stmt().get_expression(), inner) + ")"
                if small is not None and not last and small.is_declaration():
                    decl = small.get_declaration()
                    if decl.has_size_parameter() or not decl.has_expression():
                        break
                    text = self.number(decl.get_expression(), inner)
                    for var in decl.get_variables():
                        inner.args[var.get_name()] = f"({text})"
                    continue
                break
            raise _Unsupported(function, f"function {name}(): only bodies made of local "
                               "declarations and a final 'return expression' are supported")
        finally:
            self.scopes = saved
            self.function_stack.pop()

    # ------------------------------------------------------------------ assembly

    def _assemble(self, parameters: str) -> dict:
        # state variables that nothing writes still need a definition
        for key in self.state:
            if not self.vars[key].versions:
                self.write(key, self.read(key))
        # final names: the last version of a variable takes its name
        last_write: dict[int, int] = {}
        for position, (vid, *_) in enumerate(self.program):
            last_write[id(self.version_owner[vid][0])] = position
        names: list[str] = []
        intermediate: dict[tuple[int, int], str] = {}
        for var, index in self.version_owner:
            if index == 0 or index == len(var.versions):
                names.append(var.final)
            else:
                k = (id(var), index)
                if k not in intermediate:
                    intermediate[k] = self._free(f"{var.final}__{index}")
                names.append(intermediate[k])
        lines = []
        for position, (vid, rhs, pred, old) in enumerate(self.program):
            if pred is not None:
                rhs = f"(if {pred} then {rhs} else {old})"
            var, index = self.version_owner[vid]
            for m in _TOKEN.finditer(rhs):  # the stored value is gone after the last write
                rvar, rindex = self.version_owner[int(m.group(1))]
                if rindex == 0 and last_write.get(id(rvar), -1) < position:
                    raise AssertionError(f"{rvar.final} read after its last write")
            text = _TOKEN.sub(lambda m: names[int(m.group(1))], rhs)
            final = index == len(var.versions)
            flags = f"init = {var.init}" if final and var.init is not None else ""
            lines.append(self._line(names[vid], text, var.dtype, flags))
        recordables = tuple(self.names[k] for k in [*self.state, *self.internals, *self.inlines])
        targets: list[str] = []
        for port in self.spike_ports.values():
            targets += [t for t in port.targets if t not in targets]
        return dict(
            text=dict(parameters=parameters, equations="\n".join(lines),
                      spike=f"{self.vars[self.spiked].final} > 0",
                      functions="\n".join(self.fn_lines)),
            targets=tuple(targets),
            spike_ports={p.name: p.targets for p in self.spike_ports.values()},
            continuous_ports={k: self.names[k] for k in self.cont_ports},
            names=dict(self.names),
            units=dict(self.units),
            parameters=tuple(self.names[k] for k in [*self.params, *self.cont_ports,
                                                      *self.internal_params]),
            state=tuple(self.names[k] for k in self.state),
            recordables=recordables,
        )


def _names_in(node) -> set[str]:
    """NESTML keys (``x``, ``x__d``) of the variables an expression reads."""
    out = set()

    def walk(n):
        if type(n).__name__ == "ASTVariable":
            out.add(n.get_name() + "__d" * n.get_differential_order())
        for child in n.get_children():
            walk(child)

    walk(node)
    return out


def _either(a: str | None, b: str | None) -> str | None:
    """The condition ``a or b`` (``None``: always), ``c or not c`` simplified."""
    if a is None or b is None or a == f"not {b}" or b == f"not {a}":
        return None
    if a.startswith("(") and a.endswith(")") and " or " in a:
        parts = a[1:-1].split(" or ")
        if f"not {b}" in parts or (b.startswith("not ") and b[4:] in parts):
            return None
        return f"({a[1:-1]} or {b})"
    return f"({a} or {b})"


def _calls_in(node) -> set[str]:
    """Names of the functions an expression calls."""
    out = set()

    def walk(n):
        if type(n).__name__ == "ASTFunctionCall":
            out.add(n.get_name())
        for child in n.get_children():
            walk(child)

    walk(node)
    return out


def _is_delta(expr) -> bool:
    """``delta(t)``, the whole kernel."""
    while type(expr).__name__ == "ASTExpression" and expr.is_encapsulated:
        expr = expr.get_expression()
    if type(expr).__name__ != "ASTSimpleExpression" or not expr.is_function_call():
        return False
    call = expr.get_function_call()
    return call.get_name() == "delta"


def _has_delta_convolve(node, translator, conv=None) -> bool:
    """Whether ``node`` (or an inline expression it uses) convolves a delta kernel."""
    seen = set()

    def walk(n):
        kind = type(n).__name__
        if kind == "ASTFunctionCall" and n.get_name() == "convolve":
            kernel, port = translator._convolve_args(n)
            found = translator.convs.get((kernel, port))
            if found is not None and found.delta and (conv is None or found is conv):
                return True
        if kind == "ASTVariable" and n.get_name() in translator.inlines \
                and n.get_name() not in seen:
            seen.add(n.get_name())
            if walk(translator.inlines[n.get_name()].get_expression()):
                return True
        return any(walk(c) for c in n.get_children())

    return walk(node)


def _power_term(h: str, k: int, y: str) -> str:
    """``h**k/k! * y``."""
    if k == 1:
        return f"{h}*{y}"
    return f"{h}**{k}/{math.factorial(k)}*{y}"


def _weighted(pairs) -> str | None:
    """``dt * sum(w * x)`` for fractions ``w``, as ``dt/6*(k1 + 2*k2 + 2*k3 + k4)``."""
    pairs = [(w, x) for w, x in pairs if w]
    if not pairs:
        return None
    den = math.lcm(*(w.denominator for w, _ in pairs))
    parts = [x if w * den == 1 else f"{w * den}*{x}" for w, x in pairs]
    inner = parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"
    return ("dt" if den == 1 else f"dt/{den}") + ("" if inner == "1" else "*" + inner)


def _floor(x: str) -> str:
    """floor() in the engine's language, which has modulo() but no floor."""
    return f"(({x}) - modulo({x}, 1))"


def _num(value) -> str:
    """A number as model-language text."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def _factor(value: float) -> str:
    """A unit factor as text: whole numbers as integers, so that the engine's
    sympy drops ``1*`` and keeps ``1000*`` exact."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def _sympy_text(expr) -> str:
    """A sympy expression of parameters as model-language text."""
    from sympy.printing.str import StrPrinter

    class _Printer(StrPrinter):
        def _print_Exp1(self, e):
            return repr(math.e)

        def _print_Pi(self, e):
            return repr(math.pi)

        def _print_Abs(self, e):
            return f"abs({self._print(e.args[0])})"

    return _Printer().doprint(expr)
