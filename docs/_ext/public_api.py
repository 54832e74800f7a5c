"""The API reference: every public name of the engine and the workbench.

``.. public-api:: engine`` documents every name in ``engine.__all__``, in
sections by the module that defines it (headed by that module's name and summary),
after a summary table of all of them. A name is documented once, at its
*home*: the first module of ``public_api_modules`` that exports it. Another
module exporting the same object (``workbench`` re-exports
``workbench.compneuro``'s names) lists it in its table with a link to the
home entry. The names come from ``__all__``, so a new public name appears in
the reference without editing the docs, and a name listed in ``__all__``
but missing from the package fails the build.

Docstrings refer to objects by the module that defines them
(``:class:`~engine.language.models.Neuron```); such a reference is resolved
to the public entry of the same object (``engine.Neuron``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import defaultdict

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

def public_packages(package: str) -> list[str]:
    """``package`` and its subpackages (recursively) that define ``__all__``, sorted."""
    root = importlib.import_module(package)
    found = [package] if hasattr(root, "__all__") else []
    for info in pkgutil.walk_packages(root.__path__, prefix=package + "."):
        if info.ispkg:
            module = importlib.import_module(info.name)
            if hasattr(module, "__all__"):
                found.append(info.name)
    return sorted(found)


def default_modules() -> tuple[str, ...]:
    """The home order: the engine, the workbench's subpackages, then ``workbench``
    (which re-exports its subpackages' names, so they are documented there)."""
    workbench = [name for name in public_packages("workbench") if name != "workbench"]
    return ("engine", *workbench, "workbench")

_HOMES: dict[tuple[str, ...], dict[int, str]] = {}


def public_names(modname: str) -> list[tuple[str, object]]:
    """``(name, object)`` for every name of ``modname.__all__``, in order."""
    module = importlib.import_module(modname)
    names = getattr(module, "__all__", None)
    if names is None:
        raise ExtensionError(f"public-api: module {modname!r} has no __all__")
    missing = [name for name in names if not hasattr(module, name)]
    if missing:
        raise ExtensionError(f"public-api: {modname}.__all__ lists names it does not define: {missing}")
    return [(name, getattr(module, name)) for name in names]


def _documentable(obj) -> bool:
    # small constants (str, tuple, dict) may be shared by identity; only
    # classes and functions have a single home
    return inspect.isclass(obj) or inspect.isroutine(obj)


def homes(modules) -> dict[int, str]:
    """id(object) -> the public dotted name under which it is documented."""
    key = tuple(modules)
    if key not in _HOMES:
        table: dict[int, str] = {}
        for modname in key:
            for name, obj in public_names(modname):
                if _documentable(obj):
                    table.setdefault(id(obj), f"{modname}.{name}")
        _HOMES[key] = table
    return _HOMES[key]


def _summary(obj) -> str:
    doc = inspect.getdoc(obj) if (_documentable(obj) or inspect.ismodule(obj)) else None
    if not doc:
        return ""
    first = doc.strip().split("\n\n", 1)[0].replace("\n", " ").strip()
    if first.endswith("::"):  # "... as follows::" introduces a literal block, not shown here
        first = first[:-1]
    return first


def _kind(obj) -> str:
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isroutine(obj):
        return "function"
    return "data"


def _group_intro(modname: str) -> str:
    """The first paragraph of the module's docstring, shown under its heading."""
    try:
        return _summary(importlib.import_module(modname))
    except ImportError:  # pragma: no cover
        return ""


class PublicAPI(SphinxDirective):
    """``.. public-api:: module``: summary table, then one entry per home name."""

    required_arguments = 1
    has_content = False

    def run(self):
        modname = self.arguments[0]
        return _parse(self, module_lines(self, modname, "-"), f"<public-api {modname}>")


class PublicAPITree(SphinxDirective):
    """``.. public-api-tree:: package``: a section for the package and for each
    of its subpackages that defines ``__all__``."""

    required_arguments = 1
    has_content = False

    def run(self):
        package = self.arguments[0]
        lines: list[str] = []
        for modname in public_packages(package):
            title = f"{modname}"
            lines += [title, "-" * len(title), ""]
            doc = _summary(importlib.import_module(modname))
            if doc:
                lines += [doc, ""]
            lines += module_lines(self, modname, "~")
        return _parse(self, lines, f"<public-api-tree {package}>")


def _parse(directive, lines, source):
    node = nodes.container()
    node.document = directive.state.document
    nested_parse_with_titles(directive.state, StringList(lines, source=source), node)
    return node.children


def module_lines(directive, modname: str, underline: str) -> list[str]:
    """reStructuredText of one module's reference: summary table, then entries."""
    modules = directive.config.public_api_modules or default_modules()
    if modname not in modules:
        raise directive.error(f"public-api: {modname!r} is not one of the public modules {list(modules)}")
    try:
        entries = public_names(modname)
        home = homes(modules)
    except (ImportError, ExtensionError) as exc:
        raise directive.error(str(exc)) from exc
    directive.env.note_dependency(importlib.import_module(modname).__file__)

    lines: list[str] = []
    add = lines.append
    add(".. list-table::")
    add("   :header-rows: 1")
    add("   :widths: 30 70")
    add("   :class: public-api-summary")
    add("")
    add("   * - name")
    add("     - summary")
    seen: set[int] = set()
    own: list[tuple[str, object]] = []
    for name, obj in entries:
        here = f"{modname}.{name}"
        target = home.get(id(obj), here) if _documentable(obj) else here
        if target == here and (not _documentable(obj) or id(obj) not in seen):
            own.append((name, obj))
        elif target == here:  # a second name for an object of this module
            target = next(f"{modname}.{n}" for n, o in own if o is obj)
        seen.add(id(obj))
        summary = _summary(obj).replace("|", "\\|")
        if target != here:
            summary = f"(see :py:obj:`{target}`) {summary}"
        add(f"   * - :py:obj:`{name} <{target}>`")
        add(f"     - {summary or _kind(obj)}")
    add("")

    groups: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for name, obj in own:
        groups[obj.__module__ if _documentable(obj) else modname].append((name, obj))
    for group, members in groups.items():
        # headed by the defining module: short in the page's contents, and
        # the module's docstring says what the group is about
        add(group)
        add(underline * len(group))
        add("")
        intro = _group_intro(group) if group != modname else ""
        if intro:
            add(intro)
            add("")
        for name, obj in members:
            kind = _kind(obj)
            full = f"{modname}.{name}"
            if kind in ("class", "exception"):
                # methods from private bases and mixins (Network's simulate,
                # Projection's connectors) belong to the class; members that
                # come from other libraries (param, panel, Exception) do not
                add(f".. auto{kind}:: {full}")
                add("   :inherited-members:")
                add("   :undoc-members:")  # a signature says a lot (Projection.fixed_probability)
            elif kind == "function":
                add(f".. autofunction:: {full}")
            else:  # a constant: its type and size (autodata would show the type's docstring)
                add(f".. py:data:: {full}")
                add(f"   :type: {type(obj).__name__}")
                add("")
                size = f" of {len(obj)} entries" if isinstance(obj, (dict, tuple, list)) else ""
                add(f"   A ``{type(obj).__name__}``{size}" + (
                    f": ``{', '.join(map(str, list(obj)[:8]))}{', ...' if len(obj) > 8 else ''}``."
                    if isinstance(obj, (dict, tuple, list)) and obj else "."))
            add("")
    return lines


def _resolve_private_path(app, env, node, contnode):
    """Resolve ``engine.language.models.Neuron`` to the entry of ``engine.Neuron``."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if not target or "." not in target:
        return None
    parts = target.split(".")
    table = homes(app.config.public_api_modules or default_modules())
    # longest importable module prefix, then attributes
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # noqa: BLE001 - any import failure: not resolvable here
            continue
        rest = parts[cut:]
        chain = [obj]
        try:
            for attr in rest:
                obj = getattr(obj, attr)
                chain.append(obj)
        except AttributeError:
            return None
        # the deepest object of the chain that has a public home
        for depth in range(len(chain) - 1, 0, -1):
            public = table.get(id(chain[depth]))
            if public:
                new_target = ".".join([public, *rest[depth:]])
                if new_target == target:
                    return None
                domain = env.get_domain("py")
                return domain.resolve_xref(env, node.get("refdoc", ""), app.builder,
                                           node.get("reftype", "obj"), new_target, node, contnode)
        return None
    return None


OWN_PACKAGES = ("engine", "workbench")


def _foreign_inherited(app, what, name, obj, skip, options):
    """Skip members inherited from outside the project (``Parameterized``, ``Exception``)."""
    if skip or what not in ("class", "exception") or not options.get("inherited_members"):
        return None
    target = obj.fget if isinstance(obj, property) and obj.fget is not None else obj
    target = getattr(target, "__func__", target)
    module = getattr(target, "__module__", None)
    if isinstance(module, str) and not module.split(".")[0] in OWN_PACKAGES:
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _foreign_inherited)
    app.add_config_value("public_api_modules", (), "env")  # empty: default_modules()
    app.add_directive("public-api", PublicAPI)
    app.add_directive("public-api-tree", PublicAPITree)
    app.connect("missing-reference", _resolve_private_path)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
