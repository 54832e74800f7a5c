"""The engine's layers import downward only, and its modules form no cycles.

Every ``import`` of an ``engine`` module counts, also those inside
functions (a circle of imports hidden in functions is still a circle: each
module needs the others to work). Layers, lowest first: errors; language;
integrators and the model library; codegen; runtime; extensions; the
package itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"

LAYERS = {"errors": 0, "language": 1, "integrators": 2, "models": 2, "codegen": 3,
          "runtime": 4, "extensions": 5}



def _module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    me = _module_name(path)
    out = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from engine.runtime import monitor" imports a module, not the package
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules
                     else node.module for a in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != me and name != "engine":
                out.add(name)
    return out


def _graph():
    files = [p for p in ENGINE.rglob("*.py") if "__pycache__" not in p.parts]
    modules = {_module_name(p) for p in files}
    return {_module_name(p): _imports(p, modules) for p in files}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 6) if len(parts) > 1 else 6


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_lower_layers_never_import_higher_ones():
    upward = [f"{a} -> {b}" for a, deps in _graph().items() for b in deps
              if _layer(b) > _layer(a)]
    assert not upward, "upward imports:\n" + "\n".join(sorted(upward))


def test_no_import_cycles():
    cycles = [sorted(c) for c in _cycles(_graph())]
    assert not cycles, f"import cycles: {cycles}"


def test_the_front_ends_read_declarations_not_models():
    # the former circle: models built their IR with the front ends, which
    # imported the declarations from models, and spec built model classes
    graph = _graph()
    for front in ("engine.language.strings", "engine.language.classes", "engine.language.spec"):
        assert "engine.language.models" not in graph[front], front
    assert "engine.language.declarations" in graph["engine.language.strings"]


def test_the_checker_sees_imports_inside_functions():
    # a function-level import makes an edge (the runtime's former circle went
    # through such imports)
    graph = _graph()
    assert "engine.runtime.kernels" in graph["engine.runtime.network"]
    assert "engine.codegen.population_code" in graph["engine.codegen.network_code"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
