"""The neuroworkbench web app: ``bash scripts/run`` (or ``python -m workbench.serve``).

Each browser session gets its own :class:`workbench.ui.Workbench` (its own
models, network and simulation); this file only composes and serves it.
"""

import panel as pn

from workbench.ui.fit_session import FitSession
from workbench.ui.workbench import Workbench

pn.extension("codeeditor", "katex", "tabulator", notifications=False)


def session_app():
    """One session's app; its run is stopped when the browser goes away, a
    fit it started goes on (``?fit=<token>`` shows it again)."""
    token = pn.state.session_args.get("fit", [b""])[0].decode("utf-8", "replace")
    app = Workbench(fit_session=FitSession.find(token))

    def closed(context):
        app.session.stop()
        app.fit.session.page_closed()

    pn.state.on_session_destroyed(closed)
    return app


if pn.state.served:
    session_app().servable(title="neuroworkbench")
