"""Build the docs site as CI does and read what it produced.

One strict build (``sphinx-build -W --keep-going``, so any warning fails it)
into a temporary folder, with the tutorials rendered without running them
(``nb_execution_mode=off``: tests/notebooks runs them already) and the
gallery's scripts not run (``gallery_run=0``: their own test runs them).
``bash scripts/docs`` is the same build with both on.

The API pages are checked against the packages' ``__all__``: every public
name of the engine and of each workbench package has an entry (an HTML
anchor ``id="<module>.<name>"``) on the page, under its own name or under
the name of the package that exports the same object.
"""

from __future__ import annotations

import html
import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("myst_nb")
pytest.importorskip("furo")
pytest.importorskip("mathjax")

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BUILD_TIMEOUT = 900  # s; about 30 s of CPU on an idle machine
GUIDES = sorted(p.stem for p in DOCS.glob("*.md") if p.stem not in ("index", "tutorials"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))

SMART_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})

pytestmark = pytest.mark.slow


def sphinx_build(srcdir: Path, outdir: Path, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-E", "-q",
               *options, str(srcdir), str(outdir)]
    return subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                          cwd=ROOT, env={**os.environ, "MPLBACKEND": "Agg",
                                         "NUMBA_THREADING_LAYER": "workqueue"})


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "html"
    proc = sphinx_build(DOCS, out, "-D", "nb_execution_mode=off", "-D", "gallery_run=0")
    assert proc.returncode == 0, (
        f"the strict docs build failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n"
        f"{proc.stderr[-6000:]}")
    assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr[-6000:]
    return out


def page(site: Path, name: str) -> str:
    path = site / name
    assert path.is_file(), f"{name} was not built (in {site})"
    return path.read_text(encoding="utf-8")


def anchors(text: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', text))


def public_packages(package: str) -> list[str]:
    """``package`` and its subpackages that define ``__all__`` (found here, not by the docs)."""
    root = importlib.import_module(package)
    found = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=package + "."):
        if info.ispkg and hasattr(importlib.import_module(info.name), "__all__"):
            found.append(info.name)
    return found


def test_index_links_every_part(site):
    index = page(site, "index.html")
    for guide in GUIDES:
        assert f'href="{guide}.html' in index, f"the index does not link docs/{guide}.md"
    for target in ("tutorials.html", "gallery.html", "api/index.html", "api/engine.html",
                   "api/workbench.html"):
        assert f'href="{target}' in index, f"the index does not link {target}"
    assert "neuroworkbench" in index


def test_every_engine_name_has_an_entry(site):
    import engine

    text = page(site, "api/engine.html")
    ids = anchors(text)
    missing = [name for name in engine.__all__ if f"engine.{name}" not in ids]
    assert not missing, f"names of engine.__all__ without an entry on api/engine.html: {missing}"
    assert len(engine.__all__) >= 100
    # methods are documented, including those of private bases and mixins
    for member in ("engine.Network.create", "engine.Network.connect", "engine.Network.simulate",
                   "engine.Projection.fixed_probability", "engine.Population.get",
                   "engine.Monitor.get"):
        assert member in ids, f"{member} has no entry"
    # a numpydoc "Parameters" section is rendered as a field list
    entry = text[text.index('id="engine.PoissonPopulation"'):]
    entry = entry[:entry.index('<dl class="py', 10)] if '<dl class="py' in entry[10:] else entry
    assert "Parameters" in entry and "geometry" in entry


def test_every_workbench_name_has_an_entry(site):
    text = page(site, "api/workbench.html")
    ids = anchors(text)
    packages = public_packages("workbench")
    assert {"workbench", "workbench.compneuro", "workbench.fit", "workbench.sonata",
            "workbench.ui"} <= set(packages)
    # where each object is exported: a re-exported name may be documented
    # under the other package's name, never nowhere
    exported: dict[int, list[str]] = {}
    for modname in packages:
        module = importlib.import_module(modname)
        for name in module.__all__:
            exported.setdefault(id(getattr(module, name)), []).append(f"{modname}.{name}")
    missing = []
    for modname in packages:
        module = importlib.import_module(modname)
        for name in module.__all__:
            names = exported[id(getattr(module, name))]
            if f"{modname}.{name}" not in ids and not any(n in ids for n in names):
                missing.append(f"{modname}.{name}")
            # every name is in its package's summary table, linked to its entry
            assert any(f'href="#{n}"' in text for n in names), f"{modname}.{name}: no link"
    assert not missing, f"public workbench names without an entry on api/workbench.html: {missing}"


def test_docstring_references_reach_the_public_entry(site):
    # workbench/nest/__init__.py says :class:`~engine.language.models.Neuron`;
    # engine.language.models is not a public module, engine.Neuron is its entry
    text = page(site, "api/workbench.html")
    assert 'href="engine.html#engine.Neuron"' in text


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_tutorials_are_pages(site, notebook):
    text = html.unescape(page(site, f"tutorials/{notebook.stem}.html"))
    text = text.translate(SMART_QUOTES)  # Sphinx writes ’ for '
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    title = next(line.lstrip("# ").strip() for cell in cells if cell["cell_type"] == "markdown"
                 for line in "".join(cell["source"]).splitlines() if line.startswith("# "))
    assert title in text, f"{notebook.name}: its title {title!r} is not on the page"
    code = next("".join(c["source"]).strip().splitlines()[0] for c in cells
                if c["cell_type"] == "code" and "".join(c["source"]).strip())
    plain = re.sub(r"<[^>]+>", "", text)
    assert code in plain, f"{notebook.name}: its first code line {code!r} is not on the page"
    assert f'href="tutorials/{notebook.stem}.html"' in page(site, "tutorials.html"), (
        f"the tutorials page does not link {notebook.name}")


def test_gallery_lists_every_example(site):
    text = page(site, "gallery.html")
    for example in EXAMPLES:
        assert f"examples/{example.name}" in text, f"{example.name} is not in the gallery"


def test_nothing_is_loaded_from_the_internet(site):
    external = re.compile(
        r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)
    css_external = re.compile(r"""(?:@import|url\()\s*["']?(?:https?:)?//""", re.I)
    for path in site.rglob("*"):
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            found = external.search(text)
            assert not found, f"{path.relative_to(site)} loads {text[found.start():found.end() + 80]}"
        elif path.suffix == ".css":
            text = path.read_text(encoding="utf-8")
            assert not css_external.search(text), f"{path.relative_to(site)} imports from the internet"
    # math is typeset by the local MathJax
    networks = page(site, "tutorials/02_networks.html")
    assert 'src="../_static/mathjax/tex-svg-full.js' in networks
    assert (site / "_static" / "mathjax" / "tex-svg-full.js").stat().st_size > 1_000_000


def test_gallery_page_has_every_title(site):
    text = html.unescape(page(site, "gallery.html")).translate(SMART_QUOTES)
    sys.path.insert(0, str(DOCS / "_ext"))
    import gallery

    for example in gallery.collect(ROOT / "examples"):
        assert example.title in text, f"{example.path.name}: title {example.title!r} not shown"
    # this build did not run the scripts, and says so
    assert "gallery_run=0" in text


# --- the extensions on their own (no Sphinx build) ---------------------------

@pytest.fixture()
def ext():
    sys.path.insert(0, str(DOCS / "_ext"))
    import gallery
    import public_api

    yield gallery, public_api
    sys.path.remove(str(DOCS / "_ext"))


PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def test_gallery_runs_a_script_once_and_collects_its_figure(ext, tmp_path):
    gallery, _ = ext
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "dot.py").write_text(
        '"""A dot.\n\nOne pixel, saved.\n\n    python examples/dot.py dot.png\n"""\n'
        "import sys\nfrom pathlib import Path\n"
        f"Path(sys.argv[1] if len(sys.argv) > 1 else 'dot.png').write_bytes({PNG_1x1!r})\n"
        "print('saved')\n")
    (examples / "_helper.py").write_text("raise SystemExit('never run')\n")
    (examples / "writer.py").write_text('"""Writes a CSV."""\nopen("x.csv", "w")\n')
    found = gallery.collect(examples)
    assert [(e.name, e.title, e.makes_figure) for e in found] == [
        ("dot", "A dot", True), ("writer", "Writes a CSV", False)]
    cache = tmp_path / "cache"
    images = gallery.run_example(found[0], cache, timeout=60)
    assert [p.name for p in images] == ["dot.png"]
    assert images[0].read_bytes() == PNG_1x1
    # a second build reuses the result: the image is not written again
    stamp = images[0].stat().st_mtime_ns
    assert gallery.run_example(found[0], cache, timeout=60) == images
    assert images[0].stat().st_mtime_ns == stamp
    # the indented command line becomes a literal block
    assert gallery.literal_blocks(found[0].body) == (
        "One pixel, saved. ::\n\n    python examples/dot.py dot.png")


def test_gallery_script_that_fails_fails_the_build_with_its_error(ext, tmp_path):
    gallery, _ = ext
    from sphinx.errors import ExtensionError

    (tmp_path / "broken.py").write_text('"""Broken."""\nraise ValueError("no figure today")  # .png\n')
    (example,) = gallery.collect(tmp_path)
    with pytest.raises(ExtensionError, match=r"broken\.py failed \(exit 1\)(.|\n)*no figure today"):
        gallery.run_example(example, tmp_path / "cache", timeout=60)


def test_public_api_rejects_a_name_missing_from_the_package(ext, monkeypatch):
    _, public_api = ext
    from sphinx.errors import ExtensionError

    fake = types.ModuleType("fake_public_pkg")
    fake.__all__ = ["present", "absent"]
    fake.present = lambda: None
    monkeypatch.setitem(sys.modules, "fake_public_pkg", fake)
    with pytest.raises(ExtensionError, match=r"fake_public_pkg.__all__ lists names it does not "
                                             r"define: \['absent'\]"):
        public_api.public_names("fake_public_pkg")
