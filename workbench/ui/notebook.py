"""The workbench's components in JupyterLab without internet.

``pn.extension(..., inline=True)`` sends Bokeh's and Panel's JavaScript
with a cell's output, but two things still go to a CDN (Panel 1.9):

1. the stylesheets of a component whose text changes after it is shown (a
   status line, the run clock) are re-linked to the CDN;
2. the code editor loads its Python mode and theme from beside the page.

:func:`offline_extension` loads the extensions inline, then points both at
Panel's Jupyter server extension, which serves them at
``/panel-preview/static/extensions/panel/``. Run it once, in place of
``pn.extension(...)``; ``tests/browser/test_jupyterlab.py`` checks that a
real JupyterLab then makes no request outside the machine.

The first point replaces ``Viewable._render_model`` with a wrapper that sets
the document's ``dist_url`` template variable: Panel has no public setting
for it. The wrapper is installed once and calls Panel's own method.
"""

from __future__ import annotations

__all__ = ["offline_extension", "PANEL_DIST"]

#: where Panel's Jupyter server extension serves Panel's static files
PANEL_DIST = "/panel-preview/static/extensions/panel/"
EXTENSIONS = ("codeeditor", "katex", "tabulator")


def offline_extension(*extensions: str) -> None:
    """``pn.extension(*extensions, inline=True)`` (default: the code editor,
    KaTeX and Tabulator, which the workbench's views use) with every other
    resource taken from the Jupyter server."""
    import panel as pn
    from bokeh.document import Document
    from IPython.display import Javascript, display
    from panel.io.resources import DIST_DIR
    from panel.viewable import Viewable

    pn.extension(*(extensions or EXTENSIONS), inline=True)
    render_model = Viewable._render_model
    if getattr(render_model, "_workbench_offline", False) is False:
        def _render_model_local_css(self, doc=None, comm=None):
            doc = Document() if doc is None else doc
            doc._template_variables["dist_url"] = PANEL_DIST
            return render_model(self, doc, comm)

        _render_model_local_css._workbench_offline = True
        Viewable._render_model = _render_model_local_css
    pn.config.inline = False       # the JavaScript is loaded: stylesheets stay links

    ace = next((DIST_DIR / "bundled" / "aceplot").glob("ace-builds@*/src-min-noconflict"), None)
    if ace is None:                # a Panel without the bundled editor: nothing to point
        return
    ace_url = PANEL_DIST.lstrip("/") + ace.relative_to(DIST_DIR).as_posix() + "/"
    display(Javascript(f"""
const config = document.getElementById('jupyter-config-data');
const base = (config && JSON.parse(config.textContent).baseUrl) || '/';
(function point(tries) {{
  if (window.ace) window.ace.config.set('basePath', base + '{ace_url}');
  else if (tries > 0) setTimeout(() => point(tries - 1), 100);
}})(100);
"""))
