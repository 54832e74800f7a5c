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

The same wrapper gives the output's comm an :class:`_Outbox` until the page
opens it. Panel (1.9, ``panel.io.notebook.push``) retries each message sent
before then on its own 0.1 s timer, so once the comm opens they go out in
no set order; with ipykernel 7 the page opens the comm while "Run All" is
still running cells, and an older message (the status of one cell, a plot
layout) can reach the page after a newer one (the next cell's status, the
data streamed into that layout), which then never shows.
"""

from __future__ import annotations

import threading

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
            _Outbox.install(comm)
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


class _Outbox:
    """Stands for a Jupyter comm the page has not opened yet: keeps what
    Panel sends, in order, and sends it on the comm once it is open."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept: list[tuple] = []
        self._comm = None

    @classmethod
    def install(cls, comm) -> None:
        """Give ``comm`` (a pyviz_comms ``JupyterComm``, opened by the page
        through its ``init``) an outbox until it is open."""
        if comm is None or comm._comm or not hasattr(comm, "init"):
            return
        outbox = cls()
        open_comm = comm.init

        def init(*args, **kwargs):
            with outbox._lock:
                open_comm(*args, **kwargs)     # the real comm replaces the outbox
                outbox._comm = comm._comm
                kept, outbox._kept = outbox._kept, []
                for data, metadata, buffers in kept:
                    outbox._comm.send(data, metadata=metadata, buffers=buffers)

        comm.init = init
        comm._comm = outbox

    def __bool__(self) -> bool:                # Panel sends at once, no retries
        return True

    def send(self, data=None, metadata=None, buffers=None):
        with self._lock:
            if self._comm is None:
                self._kept.append((data, metadata, buffers))
                return
        self._comm.send(data, metadata=metadata, buffers=buffers)

    def on_msg(self, callback):                # the page's messages come on the client comm
        pass

    def close(self):
        with self._lock:
            self._kept = []
