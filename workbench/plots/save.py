"""Write a helper's figure to a file that opens without a server."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.plots._style import matplotlib_backend
from workbench.plots.errors import PlotError

__all__ = ["save"]

_FORMATS = (".html", ".png", ".svg", ".pdf")


def save(figure, path, *, dpi=100, title=None) -> Path:
    """Save a HoloViews figure; the format follows the suffix.

    ``.html`` is an interactive Bokeh page with its JavaScript inline (it
    opens offline); ``.png``, ``.svg`` and ``.pdf`` are drawn by HoloViews'
    matplotlib backend (PNG export through Bokeh needs a browser).
    The write is atomic: a file beside the target, then renamed.

    Parameters
    ----------
    figure : HoloViews element, overlay or layout
    path : str or Path
        Folders are created.
    dpi : int
        For PNG.
    title : str, optional
        The HTML page's title (default the file's stem).

    Returns
    -------
    Path
        Where the figure was written.

    Raises
    ------
    PlotError
        For another suffix, or PNG/SVG/PDF without matplotlib.
    """
    import holoviews as hv

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise PlotError(f"save: give a file name ending in {', '.join(_FORMATS)}, "
                        f"got {path.name!r}")
    if suffix != ".html" and not matplotlib_backend():
        raise PlotError("save: PNG, SVG and PDF are drawn with matplotlib: "
                        "pip install matplotlib (or save as .html)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{suffix}")
    try:
        if suffix == ".html":
            import holoviews.plotting.bokeh  # noqa: F401 - registers the backend
            from bokeh.resources import INLINE

            hv.save(figure, tmp, backend="bokeh", resources=INLINE,
                    title=title or path.stem)
        else:
            hv.save(figure, tmp, backend="matplotlib", dpi=int(dpi))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
