"""The neuroworkbench web app: ``bash scripts/run`` (or ``python -m workbench.serve``).

Each browser session gets its own :class:`workbench.ui.Workbench` (its own
models, network and simulation); this file only composes and serves it.
"""

import panel as pn

from workbench.ui.workbench import Workbench

pn.extension("codeeditor", "katex", "tabulator", notifications=False)


def session_app():
    """One session's app; its run is stopped when the browser goes away."""
    app = Workbench()
    pn.state.on_session_destroyed(lambda context: app.session.stop())
    return app


if pn.state.served:
    session_app().servable(title="neuroworkbench")
