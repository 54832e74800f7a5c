"""Changing Bokeh models safely from a Panel callback.

A Panel callback (a button click, a widget's new value) may run outside the
session document's lock: Panel schedules it as a coroutine when another
change of the page is still being processed (a value typed, then a quick
click; seen under load). Panel's own widgets handle that, but a Bokeh model
changed directly (a ColumnDataSource's ``data``, a figure's renderers or axis
labels) then raises "_pending_writes should be non-None when we have a
document lock" and the change is lost. :func:`in_document` runs such code in
the document's next tick, which Bokeh runs holding the lock; outside a
server (tests, notebooks) it runs at once.
"""

from __future__ import annotations

import panel as pn

__all__ = ["in_document"]


def in_document(fn) -> None:
    """Run ``fn()`` holding the session document's lock (its next tick), or
    at once when there is no served document."""
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        fn()
    else:
        doc.add_next_tick_callback(fn)
