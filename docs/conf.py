"""Sphinx configuration of the docs site: ``bash scripts/docs`` builds it.

Sources: the guides in ``docs/*.md`` (MyST Markdown), the tutorials in
``notebooks/*.ipynb`` (MyST-NB, through the ``docs/tutorials`` link),
the gallery of ``examples/*.py`` (``docs/_ext/gallery.py``) and an API
reference of every public name, generated from the packages' ``__all__``
and docstrings (``docs/_ext/public_api.py``).

Everything is local at build and at view time: no CDN, no web font; math
is typeset by a copy of MathJax 3 from the ``django-static-mathjax`` wheel
(SVG output, so no font files either).

Build switches, as ``-D name=value`` on the sphinx-build command line:
``nb_execution_mode=off`` renders the notebooks without running them (they
are stored without outputs, so without plots), ``gallery_run=0`` shows the
gallery's scripts without running them. The test
(``tests/docs/test_docs_site.py``) uses both; ``scripts/docs`` runs
everything and caches the results in ``build/docs``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))  # the engine and workbench of this checkout
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")  # for notebooks run by the build
os.environ.setdefault("MPLBACKEND", "Agg")

project = "neuroworkbench"
author = "the neuroworkbench developers"
copyright = "the neuroworkbench developers, MIT license"

extensions = [
    "myst_nb",               # Markdown (MyST) pages and notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",   # numpydoc sections in docstrings
    "public_api",            # .. public-api:: module  (every name of __all__)
    "gallery",               # .. example-gallery::    (examples/*.py)
    "local_mathjax",         # MathJax copied into _static, never a CDN
    "notebook_assets",       # Panel outputs' stylesheets copied into _static
]

root_doc = "index"
exclude_patterns = ["_build", "_ext", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# MyST: $math$ in the notebooks, GitHub-style anchors for the guides' links
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 4
myst_dmath_double_inline = True

# MyST-NB: run the tutorials (stored without outputs) in a temporary folder;
# results are cached by cell content (build/docs/.jupyter_cache)
nb_execution_mode = "cache"
nb_execution_timeout = 600
nb_execution_in_temp = True
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_ipywidgets_js = {}        # no require.js / widget manager from a CDN
nb_merge_streams = True

# autodoc: members in source order, typehints in the signature
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True}
autodoc_preserve_defaults = True
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes" sections as fields: properties are documented once, by autodoc
# Sphinx links the words of type and :ivar: fields to any object of that
# name; "name" or "rates" match attributes of several classes and it warns
# "more than one target found". That is Sphinx guessing, not a docs error.
# The live outputs of HoloViews/Panel in a notebook (comm and exec messages,
# application/vnd.holoviews_*) need a running kernel: a static page skips
# them, and MyST-NB says so for each one.
suppress_warnings = ["ref.python", "mystnb.unknown_mime_type"]

# the gallery (docs/_ext/gallery.py)
gallery_examples_dir = str(ROOT / "examples")
gallery_run = True
gallery_timeout = 600

html_theme = "furo"
html_title = "neuroworkbench"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": True}
html_show_sourcelink = False
html_copy_source = False
pygments_style = "friendly"
pygments_dark_style = "monokai"
