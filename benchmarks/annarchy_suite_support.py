"""Helpers loaded inside the child that runs ANNarchy's test suite (see annarchy_test_suite.py).

A pytest plugin (``-p annarchy_suite_support``), standard library only at
import time because it serves two interpreters: in the engine venv (with
``ANNARCHY_SUITE_ENGINE=1``) it maps ``ANNarchy`` to ``engine`` in
``sys.modules`` before the suite's conftest and test modules are imported, so
the test files run unchanged; in both venvs (the peers venv is ANNarchy itself,
the baseline) it records every test report as one JSON line.

The record of a test names the file that *defines* the test method (the suite
builds one class per storage format at import time, so class names alone do not
say which file a test lives in).
"""

from __future__ import annotations

import json
import os
import sys
import types

RESULTS_ENV = "ANNARCHY_SUITE_RESULTS"
ENGINE_ENV = "ANNARCHY_SUITE_ENGINE"


# ---------------------------------------------------------------- the shim
def _check_paradigm(paradigm: str) -> bool:
    """The engine runs single-threaded on the CPU: the suite's "openmp" branch."""
    return paradigm == "openmp"


def _get_global_config(name: str):
    """The two settings the suite's ``__init__`` files read (single thread, CPU)."""
    import engine
    values = {"num_threads": 1, "paradigm": "openmp", "dt": engine.dt()}
    if name not in values:
        raise KeyError(name)
    return values[name]


#: names the engine implements but ``engine/__init__.py`` does not export yet:
#: taken from their module (and reported), so the run measures the rest
PENDING_EXPORTS = {
    "add_function": "engine.language.global_functions",
}


def _missing(name: str):
    """A stand-in for an ANNarchy name the engine lacks: importing it works (so one
    absent name does not stop the whole suite at collection), using it fails."""
    def stand_in(*args, **kwargs):
        raise NotImplementedError(f"ANNarchy.{name} is not in the engine (missing API)")
    stand_in.__name__ = name
    return stand_in


def _annarchy_proxy(engine) -> types.ModuleType:
    """A module ``ANNarchy`` whose names are the engine's; absent ones are stand-ins."""
    proxy = types.ModuleType("ANNarchy")
    proxy.__path__ = []  # a package, for ``import ANNarchy.intern...``

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return getattr(engine, name)
        except AttributeError:
            if name in PENDING_EXPORTS:
                import importlib

                print(f"[annarchy-suite] ANNarchy.{name}: from {PENDING_EXPORTS[name]} "
                      f"(not exported by engine/__init__.py yet)", file=sys.stderr)
                return getattr(importlib.import_module(PENDING_EXPORTS[name]), name)
            print(f"[annarchy-suite] ANNarchy.{name} is missing from the engine",
                  file=sys.stderr)
            return _missing(name)

    proxy.__getattr__ = __getattr__
    return proxy


def install_engine_as_annarchy() -> None:
    """Make ``import ANNarchy`` (and the few ANNarchy submodules the suite imports) the engine.

    Internal ANNarchy modules (``ANNarchy.intern.*``) exist only here, as the
    handful of names the suite takes from them; ``ANNarchy.extensions.*`` maps to
    ``engine.extensions.*`` where the engine has the module.
    """
    import importlib

    import engine
    import engine.errors as errors

    sys.modules["ANNarchy"] = _annarchy_proxy(engine)
    intern = types.ModuleType("ANNarchy.intern")
    messages = types.ModuleType("ANNarchy.intern.Messages")
    messages.ANNarchyException = errors.NeuroWorkbenchError
    messages.InvalidConfiguration = errors.NeuroWorkbenchError
    config = types.ModuleType("ANNarchy.intern.ConfigManagement")
    config.get_global_config = _get_global_config
    config._check_paradigm = _check_paradigm
    intern.Messages, intern.ConfigManagement = messages, config
    sys.modules.update({"ANNarchy.intern": intern, "ANNarchy.intern.Messages": messages,
                        "ANNarchy.intern.ConfigManagement": config})
    extensions = importlib.import_module("engine.extensions")
    sys.modules["ANNarchy.extensions"] = extensions
    for name in ("convolution", "bold", "image", "hybrid"):
        try:
            sys.modules[f"ANNarchy.extensions.{name}"] = importlib.import_module(
                f"engine.extensions.{name}")
        except ImportError:
            pass  # the test importing it then fails with ModuleNotFoundError: "missing API"


# ---------------------------------------------------------------- recording
def _record(entry: dict) -> None:
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a") as fh:
            fh.write(json.dumps(entry) + "\n")


def pytest_configure(config):  # noqa: ARG001 - pytest hook
    if os.environ.get(ENGINE_ENV) == "1":
        install_engine_as_annarchy()


def pytest_runtest_logreport(report):
    """One line per test: passed, failed (in the test), error (in setup or teardown,
    e.g. a failing setUpClass) or skipped."""
    if report.when != "call" and report.outcome == "passed":
        return
    if report.outcome in ("passed", "skipped"):
        outcome = report.outcome
    else:
        outcome = "failed" if report.when == "call" else "error"
    message = ""
    if report.outcome == "failed":
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr)[-2000:]
    _record({"file": report.location[0], "test": report.nodeid.split("::", 1)[-1],
             "when": report.when, "outcome": outcome, "message": message})


# ---------------------------------------------------------------- tolerant collection
ENTRY = '''\
"""The suite's run_tests.py, except that a module failing at import (a model the
engine rejects at module level, an absent name) is recorded and stubbed instead
of stopping the whole collection. Written by benchmarks/annarchy_test_suite.py."""
from annarchy_suite_support import tolerant_import
from ANNarchy import setup
from conftest import USED_PARADIGM, NUM_OMP_THREADS

setup(num_threads=NUM_OMP_THREADS, paradigm=USED_PARADIGM)
tolerant_import(["Common", "Interface", "Neuron", "RateSynapse", "SpikeSynapse"], globals())
'''


def _describe(exc: BaseException) -> str:
    kind = type(exc)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    return f"{name}: {exc}"


def _suite_module_of(exc: BaseException, root: str) -> str | None:
    """The innermost suite module whose import raised ``exc`` (from the traceback)."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        path = os.path.abspath(code.co_filename)
        if code.co_name == "<module>" and path.startswith(root + os.sep):
            rel = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
            found = rel[: -len(".__init__")] if rel.endswith(".__init__") else rel
        tb = tb.tb_next
    return found


def _count_tests(path: str) -> int:
    import ast

    try:
        tree = ast.parse(open(path).read())
    except (OSError, SyntaxError):
        return 1
    return max(1, sum(isinstance(n, ast.FunctionDef) and n.name.startswith("test")
                      for n in ast.walk(tree)))


def _broken_module(name: str, message: str) -> types.ModuleType:
    """A stand-in for a module whose import failed: its test classes are empty (their
    tests are recorded as errors), anything else raises the import's error on use."""
    module = types.ModuleType(name)

    def __getattr__(attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        if attr.startswith("test"):
            return type(attr, (), {})

        class Broken:
            def __init__(self, *args, **kwargs):
                raise RuntimeError(f"{name} failed to import: {message}")
        Broken.__name__ = attr
        return Broken

    module.__getattr__ = __getattr__
    return module


def tolerant_import(packages, namespace) -> None:
    """``from package import *`` for each package, stubbing failing modules (recorded)."""
    import importlib

    root = os.path.abspath(os.getcwd())
    for package in packages:
        stubbed: set[str] = set()
        module = None
        while module is None:
            try:
                module = importlib.import_module(package)
            except Exception as exc:  # noqa: BLE001 - each failure is recorded
                bad = _suite_module_of(exc, root)
                for loaded in [m for m in sys.modules if m == package
                               or m.startswith(package + ".")]:
                    if loaded not in stubbed:
                        del sys.modules[loaded]
                path = os.path.join(root, *(bad or package).split(".")) + ".py"
                if not os.path.exists(path):
                    path = os.path.join(root, *(bad or package).split("."), "__init__.py")
                _record({"file": os.path.relpath(path, root), "test": "<import>",
                         "when": "collect", "outcome": "error", "message": _describe(exc),
                         "count": _count_tests(path)})
                if bad is None or bad == package or bad in stubbed:
                    break
                sys.modules[bad] = _broken_module(bad, _describe(exc))
                stubbed.add(bad)
        if module is not None:
            names = getattr(module, "__all__", None) or [
                n for n in vars(module) if not n.startswith("_")]
            namespace.update({n: getattr(module, n) for n in names})
