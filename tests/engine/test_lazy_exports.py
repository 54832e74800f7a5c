"""``engine`` loads its specialised parts on first use (PEP 562) and still
exports exactly what an eager import did.

A second process that builds a plain network from the kernel cache should
not pay for the model tables, input populations, BOLD, save/load or parallel
runs (benchmarks/README.md, "Warm start"); users must not see the difference.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import engine

#: modules a plain ``import engine`` must not load
DEFERRED = [
    "engine.models", "engine.models.neurons", "engine.models.synapses", "engine.models.bold",
    "engine.runtime.inputs", "engine.runtime.special_projections", "engine.runtime.bold",
    "engine.runtime.io", "engine.runtime.parallel", "engine.language.classes",
]


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_import_engine_defers_the_specialised_parts():
    loaded = _run("import sys, engine\n"
                  f"print([m for m in {DEFERRED!r} if m in sys.modules])")
    assert loaded.strip() == "[]"


def test_probing_a_dunder_loads_nothing():
    out = _run("import sys, engine\n"
               "print(hasattr(engine, '__wrapped__'), 'engine.models' in sys.modules)")
    assert out.split() == ["False", "False"]


def test_all_lists_every_public_name_once_in_the_eager_order():
    from engine.models import bold, neurons, synapses
    from engine.runtime import inputs, special_projections, spike_stats

    names = engine.__all__
    assert len(names) == len(set(names))
    # the eager package appended the groups in this order
    groups = [list(neurons.__all__), ["every"], list(inputs.__all__),
              list(special_projections.__all__), list(synapses.__all__), ["BoldMonitor"],
              list(bold.__all__), list(spike_stats.__all__)]
    tail = [n for g in groups for n in g]
    assert sorted(names[len(names) - len(tail):]) == sorted(tail)
    assert names[len(names) - len(tail):][:len(neurons.__all__)] == list(neurons.__all__)
    for name in ("Network", "Neuron", "Equations", "Uniform", "simulate", "localize"):
        assert name in names[:len(names) - len(tail)]


@pytest.mark.parametrize("name, module", [
    ("Izhikevich", "engine.models.neurons"), ("STDP", "engine.models.synapses"),
    ("balloon_RN", "engine.models.bold"), ("PoissonPopulation", "engine.runtime.input_poisson"),
    ("InputArray", "engine.runtime.inputs"),
    ("CurrentInjection", "engine.runtime.special_projections"),
    ("BoldMonitor", "engine.runtime.bold"), ("Equations", "engine.language.class_equations"),
])
def test_lazy_names_are_the_defining_modules_objects(name, module):
    obj = getattr(engine, name)
    assert obj is getattr(sys.modules[module], name)
    assert obj.__module__ == module


def test_every_exported_name_resolves_by_from_import_and_star():
    namespace: dict = {}
    exec("from engine import *", namespace)  # the test's own fixed text, not user text
    missing = [n for n in engine.__all__ if n not in namespace]
    assert not missing
    assert set(engine.__all__) <= set(dir(engine))
    assert namespace["TimedArray"] is engine.TimedArray


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'engine' has no attribute 'Izhikevic'"):
        engine.Izhikevic  # noqa: B018
    with pytest.raises(ImportError, match="cannot import name 'Nope'"):
        exec("from engine import Nope", {})


def test_models_subpackage_is_reachable_from_the_package():
    out = _run("import engine\nprint(engine.models.neurons.Izhikevich.__name__)")
    assert out.strip() == "Izhikevich"
