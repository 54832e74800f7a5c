"""report(): Markdown and LaTeX descriptions of a network (ANNarchy's report)."""

import os
import re

import numpy as np
import pytest

import engine
from engine import Network, NetworkError, Neuron, Synapse, Uniform, report
from engine.errors import NetworkFileError
from engine.runtime.report_math import latex_equation, latex_expr, latex_name, latex_text

RATE = Neuron(parameters="tau = 10.0 : population\nbaseline = 0.25",
              equations="tau * dr/dt + r = sum(exc)**2 + baseline + Uniform(-0.1, 0.1) : min=0.0")
HEBB = Synapse(name="MyHebb", parameters="eta = 0.5 : projection",
               equations="eta * dw/dt = pre.r * post.r : min = 0.0")


@pytest.fixture
def spiking_net():
    net = Network(dt=0.5, seed=4)
    net.constant("tau_syn", 5.0)
    lif = Neuron(
        name="LIF_cond",
        parameters="tau = 20.0 : population\nv_thresh = -50.0\nI = 0.5",
        equations="tau * dv/dt = -v + I + g_exc : init = -65.0\n"
                  "tau_syn * dg_exc/dt = -g_exc",
        spike="v > v_thresh", reset="v = -65.0", refractory=2.0,
        description="Leaky integrate-and-fire | with a conductance")
    exc = net.create((4, 5), lif, name="exc_pop")
    inp = net.create(3, lif, name="inp")
    net.connect(inp, exc, "exc", name="feed").fixed_probability(0.5, weights=Uniform(0.1, 0.2),
                                                                  delays=1.5)
    net.monitor(exc[0:2], ["v", "spike"], period=2.0)
    return net


@pytest.fixture
def rate_net():
    net = Network(dt=1.0, seed=3)
    a = net.create(2, RATE, name="a")
    b = net.create(3, RATE, name="b")
    net.connect(a, b, "exc", HEBB, name="ab").all_to_all(0.75)
    net.connect(b, b, "exc", name="bb").one_to_one(1.25)
    b.baseline = [0.5, 1.5, 1.0]
    a.tau = 12.0
    return net


def read(path):
    return open(path, encoding="utf-8").read()


# -- LaTeX of the IR --------------------------------------------------------------------------
def test_names_as_annarchy_writes_them():
    assert [latex_name(n) for n in ("v", "tau", "mp", "v_thresh", "tau_syn_E", "lambda_")] == [
        "v", r"\tau", r"\text{mp}", r"{v}_{\text{thresh}}", r"{\tau}_{\text{syn\_E}}",
        r"\lambda"]
    assert latex_text("a_b & 5% #x {y}") == r"a\_b \& 5\% \#x \{y\}"


def test_equations_render_from_the_ir():
    ir = Neuron(parameters="tau = 10.0\nI = 1.0",
                equations="tau * dv/dt = I - v\nr = if v > 1 then v else 0\n"
                          "s = sum(exc)**2 + Normal(0, 1)",
                spike="v > 1", reset="v = 0").ir
    eqs = [latex_equation(e) for e in ir.equations]
    assert eqs[0] == r"\frac{d v}{dt} = \frac{I - v}{\tau}"
    assert eqs[1] == (r"r = \begin{cases} v & \text{for}\: v > 1 \\0 & \text{otherwise} "
                      r"\end{cases}")
    assert eqs[2] == (r"s = \left(\sum_{\text{exc}} \text{psp}\right)^{2} + "
                      r"\mathcal{N}\left(0, 1\right)")
    assert latex_equation(ir.reset[0], event=True) == r"v \leftarrow 0"
    assert latex_expr(ir.spike) == "v > 1"
    syn = Synapse(parameters="tau = 5.0", equations="tau * dx/dt = pre.r - post.v",
                  pre_spike="g_target += w").ir
    assert latex_equation(syn.equations[0]) == \
        r"\frac{d x}{dt} = \frac{- {v}^{\text{post}} + {r}^{\text{pre}}}{\tau}"
    assert latex_equation(syn.pre_spike[0], event=True) == \
        r"{g}_{\text{target}} \leftarrow {g}_{\text{target}} + w"


# -- Markdown ---------------------------------------------------------------------------------
def test_markdown_names_everything(tmp_path, spiking_net):
    f = tmp_path / "model.md"
    report(spiking_net, str(f), title="My: model", author="Me", date="today")
    text = read(f)
    assert text.startswith('---\ntitle: "My: model"\nauthor: "Me"\ndate: "today"\n---\n')
    assert "* Numerical step size: 0.5 ms." in text
    # populations: name, size (geometry), neuron
    assert re.search(r"\| exc_pop +\| 20 \(4 x 5\) +\| LIF_cond +\|", text)
    assert re.search(r"\| inp +\| 3 +\| LIF_cond +\|", text)
    # the projection: pre, post, target, synapse, connector with weights and delays
    row = next(line for line in text.splitlines()
               if line.startswith("| inp ") and "exc_pop" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    n = spiking_net.get_projection("feed").nb_synapses
    assert cells == ["inp", "exc_pop", "exc", "Default spiking synapse",
                     f"Random, probability 0.5, weights Uniform(0.1, 0.2), delays 1.5 "
                     f"({n} synapses)"]
    # the monitor of a view
    assert re.search(r"\| exc_pop \(subset\) +\| v, spike +\| 2.0 ms +\|", text)
    # the neuron model: description, parameters, equations, spike, reset
    assert r"Leaky integrate-and-fire \| with a conductance" not in text  # not in a table
    assert "Leaky integrate-and-fire | with a conductance" in text
    assert re.search(r"\| \$\\tau\$ +\| 20.0 +\| per population \| float +\|", text)
    assert re.search(r"\| \$\{v\}_\{\\text\{thresh\}\}\$ +\| -50.0 +\| per neuron +\| float +\|",
                     text)
    assert r"\frac{d v}{dt} = \frac{I + {g}_{\text{exc}} - v}{\tau}" in text
    assert r"\frac{d {g}_{\text{exc}}}{dt} = - \frac{{g}_{\text{exc}}}{{\tau}_{\text{syn}}}" \
        in text
    assert r"if $v > {v}_{\text{thresh}}$ :" in text and r"* $v \leftarrow -65.0$" in text
    assert "Refractory period: $2.0$ ms." in text
    # the default synapse and the constant
    assert r"$$ {g}_{\text{target}} \leftarrow {g}_{\text{target}} + w $$" in text
    assert re.search(r"\| \$\{\\tau\}_\{\\text\{syn\}\}\$ +\| 5.0 +\|", text)


def test_markdown_parameter_values_are_the_current_ones(tmp_path, rate_net):
    f = tmp_path / "r.md"
    rate_net.report(filename=str(f))
    text = read(f)
    values = text[text.index("## Population parameters"):]
    rows = [[c.strip() for c in line.strip("|").split("|")]
            for line in values.splitlines()
            if line.startswith("| ") and "**" not in line and not line.startswith("| -")]
    assert rows[:4] == [["a", "Neuron 1", r"$\tau$", "12.0"], ["", "", r"$\text{baseline}$",
                                                                 "0.25"],
                        ["b", "Neuron 1", r"$\tau$", "10.0"],
                        ["", "", r"$\text{baseline}$", "[0.5, 1.5]"]]
    assert ["a $\\rightarrow$ b with target exc", "MyHebb", r"$\eta$", "0.5"] in rows
    assert "All-to-All, weights 0.75, delays 0.0 (6 synapses)" in text
    assert "One-to-One, weights 1.25, delays 0.0 (3 synapses)" in text
    assert r"\frac{d w}{dt} = \frac{{r}^{\text{post}} {r}^{\text{pre}}}{\eta}" in text
    assert r"\mathcal{U}\left(-0.1, 0.1\right)" in text
    assert "minimum: $0.0$" in text
    assert text.count("\n## Neuron 1\n") == 1  # one model, two populations


def test_gather_subprojections(tmp_path):
    net = Network(seed=1)
    a = net.create(4, RATE, name="a")
    net.connect(a[:2], a, "exc", name="p1").all_to_all(1.0)
    net.connect(a[2:], a, "exc", name="p2").all_to_all(2.0)
    f = tmp_path / "g.md"
    report(net, str(f))
    assert read(f).count("| a (subset) ") == 2
    report(net, str(f), gather_subprojections=True)
    assert read(f).count("| a (subset) ") == 1


# -- LaTeX ------------------------------------------------------------------------------------
def _balanced(text):
    body = re.sub(r"\\[{}%$#&_]", "", text)       # escaped characters
    body = re.sub(r"(?m)^%.*$", "", body)          # comments
    depth = 0
    for ch in body:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    begins = re.findall(r"\\begin\{(\w+)\}", body)
    ends = re.findall(r"\\end\{(\w+)\}", body)
    assert sorted(begins) == sorted(ends)
    assert body.count("$") % 2 == 0


def test_latex_names_everything(tmp_path, spiking_net):
    f = tmp_path / "model.tex"
    report(spiking_net, str(f))
    text = read(f)
    _balanced(text)
    assert text.count(r"\begin{document}") == 1 and text.rstrip().endswith(r"\end{document}")
    assert r"exc\_pop & LIF\_cond & $N_{\text{exc\_pop}}$ = 20 (4 $\times$ 5) \\ \hline" in text
    assert r"inp & LIF\_cond & $N_{\text{inp}}$ = 3 \\ \hline" in text
    n = spiking_net.get_projection("feed").nb_synapses
    assert (rf"inp & exc\_pop & exc & Default spiking synapse & Random, probability 0.5, "
            rf"weights Uniform(0.1, 0.2), delays 1.5 ({n} synapses) \\ \hline") in text
    assert r"$\displaystyle \frac{d v}{dt} = \frac{I + {g}_{\text{exc}} - v}{\tau}$" in text
    assert r"If $v > {v}_{\text{thresh}}$ (refractory period $2.0$ ms)" in text
    assert r"${v}_{\text{thresh}}$ & -50.0 \\ \hline" in text
    assert r"& ${\tau}_{\text{syn}}$ & 5.0 \\ \hline" in text
    assert r"exc\_pop (subset) & v, spike & 2.0 ms \\ \hline" in text
    assert r"Leaky integrate-and-fire | with a conductance" in text


def test_latex_not_standalone_is_tables_only(tmp_path, rate_net):
    f = tmp_path / "t.tex"
    report(rate_net, str(f), standalone=False)
    text = read(f)
    _balanced(text)
    assert r"\documentclass" not in text and r"\begin{document}" not in text
    assert r"\begin{tabularx}" in text
    assert r"b & $\text{baseline}$ & [0.5, 1.5] \\ \hline" not in text  # first row names b
    assert r"& $\text{baseline}$ & [0.5, 1.5] \\ \hline" in text


# -- calling it ------------------------------------------------------------------------------
def test_the_active_network_by_default(tmp_path, rate_net):
    with rate_net:
        report(filename=str(tmp_path / "x.md"))
    assert "| ab " not in read(tmp_path / "x.md")
    assert "MyHebb" in read(tmp_path / "x.md")
    report(filename=str(tmp_path / "y.md"), net_id=rate_net.id)
    assert read(tmp_path / "y.md") == read(tmp_path / "x.md")


@pytest.mark.parametrize("name", ["report.txt", "report", "report.tex.bak"])
def test_other_extensions_are_refused(tmp_path, rate_net, name):
    with pytest.raises(NetworkFileError, match=r"must end with \.tex \(LaTeX\) or \.md"):
        report(rate_net, str(tmp_path / name))
    assert os.listdir(tmp_path) == []


def test_the_first_argument_must_be_a_network(tmp_path):
    with pytest.raises(NetworkError, match="expected a Network as first argument, got str"):
        report("model.md")
    with pytest.raises(NetworkError, match="no network has id"):
        report(filename=str(tmp_path / "a.md"), net_id=10**9)


def test_written_atomically_over_an_old_file(tmp_path, rate_net, monkeypatch):
    f = tmp_path / "r.md"
    f.write_text("old")
    report(rate_net, str(f))
    assert read(f).startswith("---\n")
    assert os.listdir(tmp_path) == ["r.md"]

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    f.write_text("old")
    with pytest.raises(NetworkFileError, match=r"report\(\): cannot write .*Input/output"):
        report(rate_net, str(f))
    assert read(f) == "old" and os.listdir(tmp_path) == ["r.md"]


def test_uncompiled_unconnected_and_compiled_networks(tmp_path):
    net = Network(seed=2)
    a = net.create(2, RATE, name="a")
    net.connect(a, a, "exc", name="loose")
    report(net, str(tmp_path / "u.md"))
    assert re.search(r"\| a +\| a +\| exc +\| Default rate-coded synapse \| not connected \|",
                     read(tmp_path / "u.md"))
    net2 = Network(seed=2)
    b = net2.create(2, RATE, name="b")
    net2.connect(b, b, "exc").all_to_all(0.5, allow_self_connections=True)
    net2.compile()
    net2.simulate(2.0)
    b.tau = 4.0
    report(net2, str(tmp_path / "c.tex"))
    assert r"b & $\tau$ & 4.0 \\ \hline" in read(tmp_path / "c.tex")
    assert np.isfinite(b.r).all()


def test_exported_lazily():
    from engine.runtime import report as module

    assert engine.report is module.report
