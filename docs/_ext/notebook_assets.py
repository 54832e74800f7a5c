"""Stylesheets of Panel outputs in the tutorials, served from the site.

A Panel component shown in a notebook (``05_workbench.ipynb``) links its
stylesheets as ``/panel-preview/static/extensions/panel/...``, a path that
the Jupyter server answers and a static page cannot. This extension points
those links at ``_static/panel/`` of the site and copies the files it links
(and the fonts their CSS loads) from the installed Panel, so the saved
outputs show with their styles, offline. The components are a snapshot: they
need a kernel to respond.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from pathlib import Path

from docutils import nodes

PREFIX = "/panel-preview/static/extensions/panel/"
_LINKED = re.compile(re.escape(PREFIX) + r"([A-Za-z0-9_@./-]+)")
_CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:|https?:|//)([^'\")?#]+)")
_USED: dict[str, set[str]] = {}


def _dist() -> Path | None:
    try:
        import panel
    except ImportError:  # no Panel: no Panel outputs either
        return None
    return Path(panel.__file__).parent / "dist"


def _rewrite(app, doctree, docname):
    used = _USED.setdefault(str(app.outdir), set())
    relative = "../" * docname.count("/") + "_static/panel/"
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if node.get("format") != "html" or PREFIX not in text:
            continue
        used.update(_LINKED.findall(text))
        new = nodes.raw("", text.replace(PREFIX, relative), format="html")
        new["classes"] = node.get("classes", [])
        node.replace_self(new)


def _copy(app, exception):
    dist = _dist()
    used = _USED.pop(str(app.outdir), set())
    if exception is not None or dist is None or not used:
        return
    target = Path(app.outdir) / "_static" / "panel"
    todo = sorted(used)
    done: set[str] = set()
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        source = (dist / name).resolve()
        if not source.is_file() or dist.resolve() not in source.parents:
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / name)
        if source.suffix == ".css":  # fonts and images the stylesheet loads
            for url in _CSS_URL.findall(source.read_text(encoding="utf-8", errors="replace")):
                todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(name), url)))


def setup(app):
    app.connect("doctree-resolved", _rewrite)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
