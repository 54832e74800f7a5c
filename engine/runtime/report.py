"""ANNarchy's ``report()``: a description of a network in Markdown or LaTeX.

``report(net, "model.md")`` writes a Markdown file (pandoc turns it into PDF or
HTML); ``report(net, "model.tex")`` writes LaTeX tables after Nordlie,
Gewaltig & Plesser (2009), *Towards reproducible descriptions of neuronal
network models*, PLoS Comput Biol 5(8): e1000456, as ANNarchy does. Both
list the populations (name, size, geometry, neuron model), the projections
(source, destination, target, synapse model, connection pattern with weights
and delays, number of synapses), the monitors, the neuron and synapse models
(parameters with their defaults, locality and type; every equation rendered
by sympy from the model's IR, spike condition, reset, events, functions) and
the parameter values of every population and projection.

Everything is read from the engine's public objects and the frozen
:class:`~engine.language.ir.ModelIR`: no model text is parsed again or
evaluated. Values are those of the network as it stands (after a
``pop.tau = ...``, the new value); a local parameter whose values differ is
shown as its range ``[min, max]``. The file is written atomically.

Facts are gathered in :mod:`engine.runtime.report_description`; :mod:`engine.runtime.report_markdown`
and :mod:`engine.runtime.report_latex` lay them out, :mod:`engine.runtime.report_math`
prints the mathematics.
"""

from __future__ import annotations

import os

from engine.errors import NetworkError, NetworkFileError
from engine.runtime.io import _atomic_write
from engine.runtime.io_load import _path
from engine.runtime.network_ids import resolve_network
from engine.runtime.report_description import ModelEntry, NetworkDescription, describe
from engine.runtime.report_latex import latex_report
from engine.runtime.report_markdown import markdown_report

__all__ = ["report", "describe", "NetworkDescription", "ModelEntry"]


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------
def report(network=None, filename="./report.tex", standalone=True, gather_subprojections=False,
           title=None, author=None, date=None, net_id=0) -> None:
    """Write a description of a network to ``filename`` (``.tex`` or ``.md``).

    Parameters
    ----------
    network : Network, optional
        The network to describe; if omitted, the one ``net_id`` designates
        (0, the default: the active network).
    filename : str or path
        ``.tex``: LaTeX tables (Nordlie et al. 2009); ``.md``: Markdown.
        Missing folders are created; the file is written atomically.
    standalone : bool
        LaTeX only: a complete document (True) or tables to ``\\input``.
    gather_subprojections : bool
        List only the first of several projections with the same source,
        destination and target.
    title, author, date : str, optional
        Markdown only: the document's header.
    net_id : int or Network, optional
        ANNarchy's network id (``net.id``), used when ``network`` is None.

    Raises
    ------
    NetworkError
        ``network`` is not a Network, or ``net_id`` designates none.
    NetworkFileError
        The extension is neither ``.tex`` nor ``.md``, or the file cannot be
        written.
    """
    from engine.runtime.active import network_class

    if network is None:
        net = resolve_network(net_id, "report()")
    elif isinstance(network, network_class()):
        net = network
    else:
        raise NetworkError(f"report(): expected a Network as first argument, got "
                           f"{type(network).__name__} {network!r:.60}")
    path = _path(filename, "report")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".tex", ".md"):
        raise NetworkFileError(f"report(): the file name must end with .tex (LaTeX) or .md "
                               f"(Markdown), got {path!r}")
    desc = describe(net, bool(gather_subprojections))
    if ext == ".md":
        text = markdown_report(desc, title=title, author=author, date=date)
    else:
        text = latex_report(desc, standalone=bool(standalone))
    try:
        _atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
    except OSError as exc:
        raise NetworkFileError(f"report(): cannot write {path!r}: {exc}") from None
