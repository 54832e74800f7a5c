"""Looks of the helpers' elements, per backend.

HoloViews keeps options per backend: the Bokeh ones are what JupyterLab and
the app show; the matplotlib ones are used when a figure is saved as PNG,
SVG or PDF (:func:`workbench.plots.save`), and set only when matplotlib is
installed (it is optional: the ``plots`` extra).
"""

from __future__ import annotations

_BOKEH = {
    "raster": dict(size=2, marker="square", line_alpha=0, tools=["hover"]),
    "line": dict(tools=["hover"]),
    "points": dict(size=6, tools=["hover"]),
    "histogram": dict(tools=["hover"], line_alpha=0.3),
    "image": dict(tools=["hover"], colorbar=True, cmap="viridis",
                  clipping_colors={"NaN": "white"}),
}

_MATPLOTLIB = {
    "raster": dict(s=1, marker="s"),
    "line": dict(),
    "points": dict(s=20),
    "histogram": dict(),
    "image": dict(colorbar=True, cmap="viridis", clipping_colors={"NaN": "white"}),
}


def style(element, kind):
    """``element`` (a copy) with the options of ``kind`` for each backend."""
    import holoviews.plotting.bokeh  # noqa: F401 - registers the backend's options

    element = element.opts(clone=True, backend="bokeh", **_BOKEH[kind])
    # loaded even without options of ours: HoloViews drops the options of a
    # backend that is not loaded (a user's .opts(..., backend="matplotlib"))
    if matplotlib_backend() and _MATPLOTLIB[kind]:
        element = element.opts(clone=True, backend="matplotlib", **_MATPLOTLIB[kind])
    return element


def matplotlib_backend() -> bool:
    """Is HoloViews' matplotlib backend available (loaded if it is)?"""
    try:
        import holoviews.plotting.mpl  # noqa: F401 - registers the backend
    except ImportError:
        return False
    return True
