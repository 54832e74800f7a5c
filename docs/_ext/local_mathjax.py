"""Typeset math with a local copy of MathJax 3, never a CDN.

The ``django-static-mathjax`` wheel (in the ``docs`` extra) ships MathJax's
built components; only its ``es5/tex-svg-full.js`` is copied, to
``_static/mathjax/`` of the built site. SVG output needs no font files, and
the "full" component holds every TeX extension, so MathJax never fetches
another file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

COMPONENT = "tex-svg-full.js"
TARGET = f"mathjax/{COMPONENT}"  # relative to _static


def _source() -> Path:
    try:
        import mathjax  # django-static-mathjax: static files only, no Django needed
    except ImportError as exc:  # pragma: no cover - the docs extra installs it
        raise ExtensionError(
            "MathJax is not installed: pip install -e '.[docs]' (package django-static-mathjax)"
        ) from exc
    path = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / COMPONENT
    if not path.is_file():  # pragma: no cover
        raise ExtensionError(f"MathJax component not found at {path}")
    return path


def _configure(app, config):
    config.mathjax_path = TARGET
    config.mathjax3_config = {"svg": {"fontCache": "global"}}


def _copy(app, exception):
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / TARGET
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_source(), target)


def setup(app):
    _source()  # fail early, with the fix, when MathJax is missing
    app.connect("config-inited", _configure)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
