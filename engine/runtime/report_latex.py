"""The LaTeX layout of :func:`engine.runtime.report.report`: the model
description tables of Nordlie, Gewaltig & Plesser (2009), PLoS Comput Biol
5(8): e1000456 (A summary, B populations, C connectivity, D neuron models,
E synapse models, F parameters, G input, H measurements), as ANNarchy's
``LatexReport`` lays them out. Text goes through
:func:`~engine.runtime.report_math.latex_text`, so names with ``_`` or ``%``
cannot break the document; mathematics comes from the IR."""

from __future__ import annotations

from engine.runtime.report_description import NEURON_LOCALITY, SYNAPSE_LOCALITY, ModelEntry
from engine.runtime.report_math import (
    latex_equation, latex_expr, latex_function, latex_name, latex_text,
)

__all__ = ["latex_report"]

_HEADER = r"""% Network description written by neuroworkbench (engine.report).
% Tables after Nordlie E, Gewaltig M-O, Plesser HE (2009). Towards Reproducible
% Descriptions of Neuronal Network Models. PLoS Comput Biol 5(8): e1000456.
% https://doi.org/10.1371/journal.pcbi.1000456
"""

_PREAMBLE = r"""
\documentclass{article}
\usepackage[margin=1in]{geometry}
\usepackage{tabularx}
\usepackage{colortbl}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage[scaled=.95]{helvet}
\renewcommand\familydefault{\sfdefault}
\renewcommand\arraystretch{1.2}
\pagestyle{empty}

\newcommand{\hdr}[3]{%
  \multicolumn{#1}{|l|}{\color{white}\cellcolor[gray]{0.0}%
    \textbf{\makebox[0pt]{#2}\hspace{0.5\linewidth}\makebox[0pt][c]{#3}}}}

\begin{document}
"""

_FOOTER = "\n\\end{document}\n"


def _table(spec: str, columns: int, letter: str, title: str, rows: list[str]) -> str:
    lines = [rf"\hdr{{{columns}}}{{{letter}}}{{{latex_text(title)}}}\\ \hline"] if title else []
    lines += rows  # no blank line: a paragraph break inside a tabular is an error
    body = "\n".join(lines)
    return (f"\n\\noindent\n\\begin{{tabularx}}{{\\linewidth}}{{{spec}}}\\hline\n"
            f"{body}\n\\end{{tabularx}}\n\n\\vspace{{2ex}}\n")


def _row(*cells) -> str:
    return " & ".join(cells) + r" \\ \hline"


def _list(items) -> str:
    items = [latex_text(i) for i in dict.fromkeys(items)]
    return ", ".join(items) if items else "---"


def _math_lines(lines) -> str:
    return r" \newline ".join(rf"$\displaystyle {m}$" for m in lines) or "---"


def _summary(d) -> str:
    names = [p.name for p, _ in d.populations]
    patterns = [pattern.split(",")[0].split(" (")[0] for _, _, pattern in d.projections]
    measured = [f"{name}: {', '.join(vs)}" for name, vs, _ in d.monitors] + d.extensions
    plastic = [e.title for e in d.synapses if not e.default]
    rows = [
        _row(r"\textbf{Populations}", f"{len(names)}: {_list(names)}"),
        _row(r"\textbf{Topology}", "---"),
        _row(r"\textbf{Connectivity}", _list(patterns)),
        _row(r"\textbf{Neuron models}", _list(e.title for e in d.neurons)),
        _row(r"\textbf{Channel models}", "---"),
        _row(r"\textbf{Synapse models}", _list(e.title for e in d.synapses)),
        _row(r"\textbf{Plasticity}", _list(plastic)),
        _row(r"\textbf{Input}", _list(kind for _, kind, _ in d.inputs)),
        _row(r"\textbf{Measurements}", _list(measured)),
    ]
    return _table("|l|X|", 2, "A", "Model Summary", rows)


def _populations(d) -> str:
    rows = [_row(r"\textbf{Name}", r"\textbf{Elements}", r"\textbf{Size}")]
    for pop, title in d.populations:
        size = str(pop.size)
        if len(pop.geometry) > 1:
            size += " (" + r" $\times$ ".join(str(g) for g in pop.geometry) + ")"
        rows.append(_row(latex_text(pop.name), latex_text(title),
                         rf"$N_{{\text{{{latex_text(pop.name)}}}}}$ = {size}"))
    return _table("|l|l|X|", 3, "B", "Populations", rows)


def _connectivity(d) -> str:
    rows = [_row(r"\textbf{Source}", r"\textbf{Destination}", r"\textbf{Target}",
                 r"\textbf{Synapse}", r"\textbf{Pattern}")]
    for proj, title, pattern in d.projections:
        rows.append(_row(latex_text(proj.pre_population.name),
                         latex_text(proj.post_population.name),
                         latex_text(" / ".join(proj.targets)), latex_text(title),
                         latex_text(pattern)))
    return _table("|l|l|l|X|X|", 5, "C", "Connectivity", rows)


def _parameter_lines(entry: ModelEntry, localities) -> str:
    lines = [rf"${latex_name(v.name)} = {latex_expr(v.init)}$ ({localities[v.locality]}"
             + ("" if v.dtype == "float" else f", {v.dtype}") + ")"
             for v in entry.ir.parameters if not v.name.startswith("_")]
    return r" \newline ".join(lines) or "---"


def _functions_row(ir) -> list[str]:
    if not ir.functions:
        return []
    return [_row(r"\textbf{Functions}", _math_lines(latex_function(*f) for f in ir.functions))]


def _neuron(entry: ModelEntry, first: bool) -> str:
    ir = entry.ir
    rows = [_row(r"\textbf{Name}", latex_text(entry.title)),
            _row(r"\textbf{Type}", latex_text(entry.description)),
            _row(r"\textbf{Parameters}", _parameter_lines(entry, NEURON_LOCALITY))]
    if entry.custom:
        rows.append(_row(r"\textbf{Dynamics}", "Computed by the engine's own code for "
                         f"{latex_text(entry.custom)} (see Input)"))
        return _table("|p{0.2\\linewidth}|X|", 2, "D", "Neuron Models" if first else "", rows)
    rows.append(_row(r"\textbf{" + ("Subthreshold dynamics" if ir.spiking else "Equations") + "}",
                     _math_lines(latex_equation(e) for e in ir.equations)))
    if ir.spike is not None:
        steps = [r"Emit a spike at time $t^*$"] + [
            rf"$\displaystyle {latex_equation(e, event=True)}$" for e in ir.reset]
        cond = rf"If ${latex_expr(ir.spike)}$"
        if ir.refractory is not None:
            cond += rf" (refractory period ${latex_expr(ir.refractory)}$ ms)"
        rows.append(_row(r"\textbf{Spiking}", cond + r": \newline " + r" \newline ".join(steps)))
    rows += _functions_row(ir)
    return _table("|p{0.2\\linewidth}|X|", 2, "D", "Neuron Models" if first else "", rows)


def _synapse(entry: ModelEntry, first: bool) -> str:
    ir = entry.ir
    rows = [_row(r"\textbf{Name}", latex_text(entry.title)),
            _row(r"\textbf{Type}", latex_text(entry.description)),
            _row(r"\textbf{Parameters}", _parameter_lines(entry, SYNAPSE_LOCALITY))]
    if ir.psp is not None:
        rows.append(_row(r"\textbf{PSP}", _math_lines([rf"\text{{psp}} = {latex_expr(ir.psp)}"])))
    if ir.equations:
        rows.append(_row(r"\textbf{Equations}", _math_lines(latex_equation(e)
                                                             for e in ir.equations)))
    for label, block in (("Pre-synaptic event", ir.pre_spike),
                         ("Post-synaptic event", ir.post_spike), ("On apply()", ir.apply)):
        if block:
            rows.append(_row(rf"\textbf{{{label}}}",
                             _math_lines(latex_equation(e, event=True) for e in block)))
    rows += _functions_row(ir)
    return _table("|p{0.2\\linewidth}|X|", 2, "E", "Synapse Models" if first else "", rows)


def _parameters(d) -> str:
    txt = _table("|X|", 1, "F", "Parameters", [])
    col = "|p{0.3\\linewidth}|p{0.25\\linewidth}|X|"
    if d.constants:
        rows = [_row(r"\textbf{Constants}", r"\textbf{Name}", r"\textbf{Value}")]
        rows += [_row("", rf"${latex_name(n)}$", latex_text(v)) for n, v in d.constants]
        txt += _table(col, 3, "", "", rows)
    for kind, entries in (("Population", d.pop_values), ("Projection", d.proj_values)):
        for obj, _title, values in entries:
            if not values:
                continue
            if kind == "Population":
                label = latex_text(obj.name)
            else:
                label = (f"{latex_text(obj.pre_population.name)} $\\rightarrow$ "
                         f"{latex_text(obj.post_population.name)} with target "
                         f"{latex_text(' / '.join(obj.targets))}")
            rows = [_row(rf"\textbf{{{kind}}}", r"\textbf{Parameter}", r"\textbf{Value}")]
            rows += [_row(label if k == 0 else "", rf"${latex_name(n)}$", latex_text(v))
                     for k, (n, v) in enumerate(values)]
            txt += _table(col, 3, "", "", rows)
    return txt


def _inputs(d) -> str:
    rows = [_row(r"\textbf{Name}", r"\textbf{Description}")]
    rows += [_row(latex_text(p.name), latex_text(f"{kind}: {text}" if text else kind))
             for p, kind, text in d.inputs] or [_row("---", "---")]
    return _table("|l|X|", 2, "G", "Input", rows)


def _measurements(d) -> str:
    rows = [_row(r"\textbf{Object}", r"\textbf{Variables}", r"\textbf{Period}")]
    rows += [_row(latex_text(name), latex_text(", ".join(vs)), f"{period} ms")
             for name, vs, period in d.monitors]
    rows += [_row(latex_text(e), "---", "---") for e in d.extensions]
    if len(rows) == 1:
        rows.append(_row("---", "---", "---"))
    return _table("|l|X|l|", 3, "H", "Measurements", rows)


def latex_report(d, standalone: bool = True) -> str:
    """The LaTeX text of a :class:`~engine.runtime.report.NetworkDescription`."""
    parts = [_summary(d), _populations(d), _connectivity(d)]
    parts += [_neuron(e, k == 0) for k, e in enumerate(d.neurons)]
    parts += [_synapse(e, k == 0) for k, e in enumerate(d.synapses)]
    parts += [_parameters(d), _inputs(d), _measurements(d)]
    body = "".join(parts)
    if standalone:
        return _HEADER + _PREAMBLE + body + _FOOTER
    return _HEADER + body
