"""The gallery: every script of ``examples/``, its figure and its source.

``.. example-gallery::`` lists ``examples/*.py`` (names starting with ``_``
are helpers, left out), each in a section titled by the first paragraph of
its docstring, followed by the rest of the docstring, the figure(s) the script
saves and its source. A script "makes a figure" when its source saves one
(``savefig``, ``hv.save``, ``export_png`` or a ``.png``/``.svg`` name); the
build runs only those, and only when ``gallery_run`` is true:
``python examples/<name>.py`` in a fresh working directory
(``build/docs/gallery/<name>-<hash of the script>/``, so a second build
reuses the result until the script changes), with ``MPLBACKEND=Agg``, and
shows the images it wrote there. A script that fails fails the build, with
its output. The other scripts (helpers that write data files, say) are
shown but never run by the docs build.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif")
_SAVES_FIGURE = re.compile(r"savefig|hv\.save|export_png|\.save\(|['\"][^'\"]*\.(png|svg)['\"]")
_DONE = ".gallery-done"


@dataclass
class Example:
    path: Path
    title: str
    body: str
    makes_figure: bool
    images: list[Path] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]


def collect(examples_dir: Path) -> list[Example]:
    """The examples of ``examples_dir``, sorted by file name."""
    examples = []
    for path in sorted(Path(examples_dir).glob("*.py")):
        if path.name.startswith("_"):
            continue
        source = path.read_text(encoding="utf-8")
        try:
            doc = ast.get_docstring(ast.parse(source, filename=str(path))) or ""
        except SyntaxError as exc:
            raise ExtensionError(f"gallery: {path} is not valid Python: {exc}") from exc
        title, _, body = doc.strip().partition("\n\n")  # the first paragraph is the title
        title = " ".join(title.split())
        examples.append(Example(path=path, title=title.rstrip(".") or path.stem,
                                body=body.strip(), makes_figure=bool(_SAVES_FIGURE.search(source))))
    return examples


def run_example(example: Example, cache: Path, timeout: float) -> list[Path]:
    """Run the script in its cache folder (once per content); the images it wrote."""
    workdir = cache / f"{example.name}-{example.digest}"
    if not (workdir / _DONE).is_file():
        for old in cache.glob(f"{example.name}-*"):
            shutil.rmtree(old, ignore_errors=True)
        workdir.mkdir(parents=True)
        env = dict(os.environ, MPLBACKEND="Agg")
        env.setdefault("NUMBA_THREADING_LAYER", "workqueue")
        logger.info(f"gallery: running {example.path.name}")
        try:
            proc = subprocess.run([sys.executable, str(example.path)], cwd=workdir, env=env,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise ExtensionError(f"gallery: {example.path} ran longer than {timeout} s") from exc
        if proc.returncode != 0:
            raise ExtensionError(
                f"gallery: {example.path} failed (exit {proc.returncode}):\n"
                f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
        (workdir / _DONE).write_text(proc.stdout, encoding="utf-8")
    return sorted(p for p in workdir.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def literal_blocks(text: str) -> str:
    """Make the indented blocks of a docstring (formulas, command lines)
    literal blocks: the paragraph before them ends in ``::``."""
    lines = text.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        starts_indented = (
            line.strip() and not line.startswith((" ", "-", "*")) and i + 2 < len(lines)
            and not lines[i + 1].strip() and lines[i + 2].startswith("    ")
            and not line.rstrip().endswith("::"))
        if starts_indented:
            line = line.rstrip()
            line = line + ":" if line.endswith(":") else line + " ::"
        out.append(line)
    return "\n".join(out)


class ExampleGallery(SphinxDirective):
    """``.. example-gallery::`` (reStructuredText page)."""

    has_content = False

    def run(self):
        config = self.config
        examples_dir = Path(config.gallery_examples_dir)
        examples = collect(examples_dir)
        cache = _CACHE_DIRS[self.env.srcdir]
        srcdir = Path(self.env.srcdir)
        docdir = (srcdir / self.env.docname).parent
        for example in examples:
            self.env.note_dependency(str(example.path))
            if example.makes_figure and _truthy(config.gallery_run):
                example.images = run_example(example, cache, config.gallery_timeout)

        lines: list[str] = [".. highlight:: text", ""]  # docstrings' formulas and commands
        add = lines.append
        figures = [e for e in examples if e.makes_figure]
        others = [e for e in examples if not e.makes_figure]
        if not _truthy(config.gallery_run):
            add(".. note::")
            add("")
            add("   This build did not run the scripts (``-D gallery_run=0``): "
                "``bash scripts/docs`` shows their figures.")
            add("")
        for heading, group in (("Figures", figures), ("Other scripts", others)):
            if not group:
                continue
            add(heading)
            add("-" * len(heading))
            add("")
            for example in group:
                add(f".. _gallery-{example.name}:")
                add("")
                add(example.title)
                add("~" * len(example.title))
                add("")
                add(f"``examples/{example.path.name}``"
                    + (" (not run by the docs build)" if not example.makes_figure else ""))
                add("")
                if example.body:
                    lines.extend(literal_blocks(example.body).splitlines())
                    add("")
                for image in example.images:
                    add(f".. figure:: {os.path.relpath(image, docdir)}")
                    add(f"   :alt: {example.title}")
                    add("   :width: 100%")
                    add("")
                add(f".. literalinclude:: {os.path.relpath(example.path, docdir)}")
                add("   :language: python")
                add(f"   :caption: examples/{example.path.name}")
                add("")
        if not examples:
            add(f"No examples in ``{examples_dir}`` yet.")
        node = nodes.container()
        node.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="<example-gallery>"), node)
        return node.children


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off")
    return bool(value)


_CACHE_DIRS: dict[str, Path] = {}


def _remember_cache(app):
    # build/docs/html -> build/docs/gallery (beside MyST-NB's .jupyter_cache)
    _CACHE_DIRS[app.srcdir] = Path(app.outdir).parent / "gallery"


def setup(app):
    app.connect("builder-inited", _remember_cache)
    app.add_config_value("gallery_examples_dir", "", "env")
    app.add_config_value("gallery_run", True, "env", types=(bool, int, str))
    app.add_config_value("gallery_timeout", 600, "env")
    app.add_directive("example-gallery", ExampleGallery)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
