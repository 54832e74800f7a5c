"""The Markdown layout of :func:`engine.runtime.report.report` (ANNarchy's
``MarkdownReport``: a pandoc title block, then structure, neuron models,
synapse models and parameters; mathematics between ``$`` / ``$$``)."""

from __future__ import annotations

import json

from engine.runtime.report_description import NEURON_LOCALITY, SYNAPSE_LOCALITY, ModelEntry
from engine.runtime.report_math import latex_equation, latex_expr, latex_function, latex_name

__all__ = ["markdown_report", "make_table"]


def _cell(value) -> str:
    """Table cells are one line and may not hold a bare ``|``."""
    return " ".join(str(value).split()).replace("|", r"\|")


def make_table(header, rows) -> str:
    """A pipe table with aligned columns (as ANNarchy's ``_make_table``)."""
    head = [f"**{h}**" for h in header]
    body = [[_cell(c) for c in row] for row in rows]
    widths = [max([len(head[c])] + [len(r[c]) for r in body]) for c in range(len(head))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |",
             "| " + " | ".join("-" * w for w in widths) + " |"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in body]
    return "\n".join(lines) + "\n\n"


def _size(pop) -> str:
    if len(pop.geometry) > 1:
        return f"{pop.size} ({' x '.join(str(g) for g in pop.geometry)})"
    return str(pop.size)


def _targets(proj) -> str:
    return " / ".join(proj.targets)


def _structure(d) -> str:
    txt = "\n# Structure of the network\n\n"
    txt += ("* Simulated by the neuroworkbench engine (generated Numba code).\n"
            f"* Numerical step size: {d.dt} ms.\n")
    if d.populations:
        txt += "\n## Populations\n\n" + make_table(
            ["Population", "Size", "Neuron type"],
            [[p.name, _size(p), title] for p, title in d.populations])
    if d.projections:
        txt += "\n## Projections\n\n" + make_table(
            ["Source", "Destination", "Target", "Synapse type", "Pattern"],
            [[j.pre_population.name + ("" if j.pre is j.pre_population else " (subset)"),
              j.post_population.name + ("" if j.post is j.post_population else " (subset)"),
              _targets(j), title, pattern] for j, title, pattern in d.projections])
    if d.monitors:
        txt += "\n## Monitors\n\n" + make_table(
            ["Object", "Variables", "Period"],
            [[name, ", ".join(vs), f"{period} ms"] for name, vs, period in d.monitors])
    if d.inputs:
        txt += "\n## Inputs\n\n" + make_table(
            ["Population", "Type", "Description"],
            [[p.name, kind, text] for p, kind, text in d.inputs])
    if d.extensions:
        txt += "\n## Measurements\n\n" + "".join(f"* {e}\n" for e in d.extensions)
    return txt


def _variables(entry: ModelEntry, localities) -> str:
    ir, eqs = entry.ir, ""
    first = {}
    for e in ir.equations:
        first.setdefault(e.target, e)
    for e in ir.equations:
        try:
            spec = ir.variable(e.target)
        except KeyError:  # g_target, post.x... written by a synapse
            spec = None
        bits = []
        if spec is not None and first[e.target] is e:
            bits.append(localities[spec.locality])
            bits.append(f"initial value: ${latex_expr(spec.init)}$")
            if spec.min is not None:
                bits.append(f"minimum: ${latex_expr(spec.min)}$")
            if spec.max is not None:
                bits.append(f"maximum: ${latex_expr(spec.max)}$")
        if e.kind == "ode":
            bits.append(f"{e.method or ir.method or 'explicit'} numerical method")
        head = f"* Variable ${latex_name(e.target)}$" + (" : " + ", ".join(bits) if bits else "")
        eqs += f"\n{head}\n\n$$\n{latex_equation(e)}\n$$\n"
    return eqs or "\n$$\\varnothing$$\n"


def _events(title: str, block) -> str:
    if not block:
        return ""
    return f"\n**{title}:**\n\n" + "".join(f"$$ {latex_equation(e, event=True)} $$\n"
                                           for e in block)


def _functions(ir) -> str:
    if not ir.functions:
        return ""
    return "\n**Functions:**\n\n" + "".join(f"$$ {latex_function(*f)} $$\n\n"
                                            for f in ir.functions)


def _parameters(entry: ModelEntry, localities) -> str:
    rows = [[f"${latex_name(v.name)}$", latex_expr(v.init) if v.init.is_number else
             f"${latex_expr(v.init)}$", localities[v.locality], v.dtype]
            for v in entry.ir.parameters if not v.name.startswith("_")]
    if not rows:
        return "$$\\varnothing$$\n"
    return make_table(["Name", "Default value", "Locality", "Type"], rows)


def _neuron(entry: ModelEntry) -> str:
    ir = entry.ir
    txt = (f"\n## {entry.title}\n\n{entry.description}\n\n**Parameters:**\n\n"
           f"{_parameters(entry, NEURON_LOCALITY)}")
    if entry.custom:
        return txt + f"\nComputed by the engine's own code for {entry.custom} (see Inputs).\n"
    txt += f"\n**Equations:**\n{_variables(entry, NEURON_LOCALITY)}"
    if ir.spike is not None:
        reset = "* Emit a spike at time $t$.\n" + "".join(
            f"* ${latex_equation(e, event=True)}$\n" for e in ir.reset)
        txt += f"\n**Spike emission:**\n\nif ${latex_expr(ir.spike)}$ :\n\n{reset}"
        if ir.refractory is not None:
            txt += f"\nRefractory period: ${latex_expr(ir.refractory)}$ ms.\n"
    return txt + _functions(ir)


def _synapse(entry: ModelEntry) -> str:
    ir = entry.ir
    txt = (f"\n## {entry.title}\n\n{entry.description}\n\n**Parameters:**\n\n"
           f"{_parameters(entry, SYNAPSE_LOCALITY)}\n**Equations:**\n"
           f"{_variables(entry, SYNAPSE_LOCALITY)}")
    if ir.psp is not None:
        name = "Continuous transmission" if ir.spiking else "Weighted sum"
        txt += f"\n**{name}:**\n\n$$ \\text{{psp}} = {latex_expr(ir.psp)} $$\n"
    txt += _events("Pre-synaptic event at $t_\\text{pre} + d$", ir.pre_spike)
    txt += _events("Post-synaptic event at $t_\\text{post}$", ir.post_spike)
    txt += _events("On apply()", ir.apply)
    return txt + _functions(ir)


def _values(d) -> str:
    txt = "\n# Parameters\n"
    if d.constants:
        txt += "\n## Constants\n\n" + make_table(
            ["Name", "Value"], [[f"${latex_name(n)}$", v] for n, v in d.constants])
    rows = []
    for pop, title, values in d.pop_values:
        for k, (name, text) in enumerate(values):
            rows.append([pop.name if k == 0 else "", title if k == 0 else "",
                         f"${latex_name(name)}$", text])
    txt += "\n## Population parameters\n\n" + (
        make_table(["Population", "Neuron type", "Name", "Value"], rows) if rows else "None.\n")
    rows = []
    for proj, title, values in d.proj_values:
        label = (f"{proj.pre_population.name} $\\rightarrow$ {proj.post_population.name} "
                 f"with target {_targets(proj)}")
        for k, (name, text) in enumerate(values):
            rows.append([label if k == 0 else "", title if k == 0 else "",
                         f"${latex_name(name)}$", text])
    txt += "\n## Projection parameters\n\n" + (
        make_table(["Projection", "Synapse type", "Name", "Value"], rows) if rows else "None.\n")
    return txt


def markdown_report(d, title=None, author=None, date=None) -> str:
    """The Markdown text of a :class:`~engine.runtime.report.NetworkDescription`."""
    def one_line(text, default):  # a YAML double-quoted string (JSON's syntax is one)
        return json.dumps(" ".join(str(default if text is None else text).split()),
                          ensure_ascii=False)

    header = ("---\n"
              f"title: {one_line(title, 'Network description')}\n"
              f"author: {one_line(author, 'neuroworkbench')}\n"
              f"date: {one_line(date, '')}\n"
              "---\n")
    txt = header + _structure(d)
    txt += "\n# Neuron models\n" + "".join(_neuron(e) for e in d.neurons)
    txt += "\n# Synapse models\n" + "".join(_synapse(e) for e in d.synapses)
    return txt + _values(d)
