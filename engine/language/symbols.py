"""How names of a model become sympy symbols, in one place.

Both front ends (the ANNarchy-style strings and the class-based API) build
their sympy expressions through these functions, so the same model written
both ways gives identical expressions and therefore an identical IR.

Conventions
-----------
- a model attribute ``v``            -> ``Symbol('v', real=True)``
- time and step size                 -> ``Symbol('t')``, ``Symbol('dt')``
- a pre-/post-synaptic attribute     -> ``Symbol('pre.r')``, ``Symbol('post.v')``
- the summed input of a target       -> ``Symbol('sum(exc)')``
- random draws                       -> applications of the functions in
  :mod:`engine.language.random_draws` (``Uniform(0, 1, k)``, with a hidden
  occurrence number ``k`` so that two draws never merge).
"""

from __future__ import annotations

import functools
import keyword
import re

import sympy as sp

__all__ = [
    "symbol",
    "pre_symbol",
    "post_symbol",
    "sum_symbol",
    "GLOBAL_OPERATIONS",
    "global_op_symbol",
    "split_global_op",
    "T",
    "DT",
    "LAST_SPIKE_TIME",
    "classify",
    "RESERVED_NAMES",
    "RESERVED_MEANINGS",
    "is_valid_user_name",
    "CONDUCTANCE",
    "conductance_targets",
]


@functools.lru_cache(maxsize=None)
def symbol(name: str) -> sp.Symbol:
    """The sympy symbol of a model attribute, a constant, ``t`` or ``dt``."""
    return sp.Symbol(name, real=True)


def pre_symbol(name: str) -> sp.Symbol:
    """``pre.<name>`` inside a synapse: the pre-synaptic neuron's attribute."""
    return symbol("pre." + name)


def post_symbol(name: str) -> sp.Symbol:
    """``post.<name>`` inside a synapse: the post-synaptic neuron's attribute."""
    return symbol("post." + name)


def sum_symbol(target: str) -> sp.Symbol:
    """``sum(<target>)``: the weighted sum of rate-coded inputs of one target."""
    return symbol(f"sum({target})")


#: ANNarchy's global operations: one value computed over all neurons of a
#: population (``mean(r)``, ``max(post.r)``), name -> what it computes
GLOBAL_OPERATIONS = {
    "mean": "the mean over the population",
    "max": "the largest value in the population",
    "min": "the smallest value in the population",
    "norm1": "the L1 norm over the population (sum of absolute values)",
    "norm2": "the L2 norm over the population (square root of the sum of squares)",
}


def global_op_symbol(op: str, name: str, side: str = "") -> sp.Symbol:
    """``mean(r)`` in a neuron, ``mean(pre.r)``/``mean(post.r)`` in a synapse.

    ``side`` is ``""`` (the neuron's own population), ``"pre"`` or ``"post"``.
    """
    return symbol(f"{op}({side + '.' if side else ''}{name})")


def split_global_op(name: str) -> tuple[str, str, str] | None:
    """``'mean(post.r)'`` -> ``('mean', 'post', 'r')``; ``None`` if not a global operation."""
    m = _GLOBAL_OP.match(name)
    if m is None:
        return None
    return m.group(1), m.group(2) or "", m.group(3)


_GLOBAL_OP = re.compile(r"^(" + "|".join(GLOBAL_OPERATIONS) + r")\((?:(pre|post)\.)?(\w+)\)$")

T = symbol("t")
DT = symbol("dt")

#: ``pre.<LAST_SPIKE_TIME>`` / ``post.<...>``: ANNarchy's ``t_pre`` / ``t_post``
#: in synapses, the time (ms) of the last spike of the pre-/post-synaptic
#: neuron (``last_spike * dt``). The leading ``_`` keeps it apart from every
#: attribute a user can declare; codegen reads the population's spike times.
LAST_SPIKE_TIME = "_t_spike"


def classify(sym: sp.Symbol) -> tuple[str, str]:
    """Say what a symbol of the IR stands for.

    Returns one of ``('time', 't')``, ``('dt', 'dt')``, ``('pre', name)``,
    ``('post', name)``, ``('sum', target)``, ``('global', 'mean(r)')`` (a
    global operation, :func:`split_global_op` splits it) or ``('name', name)``
    (a model attribute or a network constant).
    """
    n = sym.name
    if n == "t":
        return ("time", n)
    if n == "dt":
        return ("dt", n)
    if n.endswith(")") and split_global_op(n) is not None:
        return ("global", n)
    if n.startswith("pre."):
        return ("pre", n[4:])
    if n.startswith("post."):
        return ("post", n[5:])
    if n.startswith("sum(") and n.endswith(")"):
        return ("sum", n[4:-1])
    return ("name", n)


#: Names a user may not give to a parameter or variable: they mean something
#: already (time, functions, random draws) or they would clash with the
#: generated Python code.
RESERVED_NAMES = frozenset(
    {
        "t", "dt", "pre", "post", "sum", "w_target",
        "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "abs", "fabs",
        "power", "pow", "clip", "pos", "positive", "neg", "negative", "modulo",
        "heaviside", "min", "max", "ite", "if", "then", "else",
        "Uniform", "Normal", "LogNormal", "Exponential", "DiscreteUniform",
        "math", "np", "numpy", "numba", "range", "len", "int", "float", "bool",
        "True", "False", "None", "and", "or", "not", "spike", "refractory",
    }
    | set(keyword.kwlist)
)


#: Why the reserved names that mean something to the engine cannot be model
#: attributes (error messages). The engine's own arrays (spike lists,
#: refractory countdowns, synapse indices...) are not reserved: generated code
#: names them with two underscores (``_P__spk``), which no user name has.
RESERVED_MEANINGS = {
    "t": "it is the time in ms",
    "dt": "it is the step size in ms",
    "pre": "it names the pre-synaptic neuron (pre.<name>)",
    "post": "it names the post-synaptic neuron (post.<name>)",
    "sum": "sum(<target>) is a neuron's weighted input",
    "w_target": "it is reserved for synaptic transmission",
    "spike": "it is the spike condition of a neuron (Neuron(spike=...)) and the "
             "name monitors record spikes under",
    "refractory": "it is the refractory period of a spiking neuron, given by "
                  "Neuron(refractory=...) and set per neuron with pop.refractory "
                  "(as ANNarchy)",
}


def is_valid_user_name(name: str) -> bool:
    """True if ``name`` may be used for a parameter or variable."""
    return name.isidentifier() and not name.startswith("_") and name not in RESERVED_NAMES


#: ``g_<target>``: in a spiking neuron, the conductance spikes of ``target`` add to
CONDUCTANCE = re.compile(r"^g_(?P<target>[A-Za-z]\w*)$")


def conductance_targets(variables, equations) -> set[str]:
    """The targets named by the conductances ``g_<target>`` of a spiking neuron.

    As ANNarchy, a variable ``g_<target>`` is where spiking projections on
    ``<target>`` add their weights, whether it is implicit (used but not
    declared: reset to 0 every step) or declared with its own dynamics
    (``tau*dg_exc/dt = -g_exc``, ``g_exc = g_exc*decay``, increments only).
    Not a conductance, so not a target:

    - a **parameter** (``g_L = 30.0``: NEST's leak, ``g_Na``, ``g_K``...):
      a spike would change it for good;
    - a variable **computed afresh every step** by an assignment that does
      not read it (``g_K = gbar_K * n**4``): a spike would be overwritten
      before the neuron saw it. ``g_exc = 0`` is the exception: ANNarchy's
      way to write the reset of a conductance; the spikes of a step are added
      before the update, so equations written before it read them and a
      monitor records them (ANNarchy's tests rely on it).

    ``variables`` are the model's VariableSpec, ``equations`` its update
    block (Equation: ``target``, ``kind``, ``rhs``).
    """
    first = {}
    for e in equations:
        first.setdefault(e.target, e)
    out = set()
    for v in variables:
        m = CONDUCTANCE.match(v.name)
        if m is None or v.kind != "variable":
            continue
        e = first.get(v.name)
        if e is not None and e.kind == "assign" and symbol(v.name) not in e.rhs.free_symbols \
                and not (e.rhs.is_number and e.rhs == 0):
            continue
        out.add(m["target"])
    return out
