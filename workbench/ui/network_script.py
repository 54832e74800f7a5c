"""The export of a network spec as a runnable Python script of the engine's
API (:meth:`NetworkSpec.to_script
<workbench.ui.network_spec.NetworkSpec.to_script>`): built the same way as
:meth:`~workbench.ui.network_spec.NetworkSpec.build` (same order, same seed),
the script gives the same spikes.

Imports :mod:`~workbench.ui.network_values` only, never
:mod:`~workbench.ui.network_spec`: the spec is handed to :class:`_Script`.
"""

from __future__ import annotations

import keyword
import pprint
import re

import numpy as np

from workbench.ui.network_values import (
    DISTRIBUTIONS, _connector_args, _duration_steps, format_value, parse_value,
)

_RESERVED = {"np", "net", "monitors", "Network", "PoissonPopulation", "SpikeSourceArray",
             "model_from_spec", "name", "m", "spikes", "n", *DISTRIBUTIONS}


class _Script:
    """The lines of the exported script, in the order :meth:`NetworkSpec.build` acts.

    ``spec`` is the :class:`~workbench.ui.network_spec.NetworkSpec` to export.
    """

    def __init__(self, spec, duration: float, record: dict | None):
        self.spec = spec
        self.duration = duration
        self.record = spec.default_record() if record is None else record
        self.taken = set(_RESERVED)
        self.idents: dict[tuple[str, str], str] = {}

    def ident(self, kind: str, name: str) -> str:
        if (kind, name) in self.idents:
            return self.idents[(kind, name)]
        base = re.sub(r"\W", "_", name, flags=re.ASCII) or "x"
        if base[0].isdigit():
            base = "_" + base
        if keyword.iskeyword(base) or keyword.issoftkeyword(base):
            base += "_"
        out, n = base, 1
        while out in self.taken:
            n += 1
            out = f"{base}_{n}"
        self.taken.add(out)
        self.idents[(kind, name)] = out
        return out

    def models(self) -> tuple[list[str], list[str]]:
        """(names of built-in classes to import, lines defining the user's models)."""
        spec = self.spec
        used = [p["model"] for p in spec.populations] + \
            [j["synapse"] for j in spec.projections if j["synapse"] is not None]
        builtins, lines = [], []
        for name in dict.fromkeys(used):
            if spec.library.is_builtin(name):
                builtins.append(name)
                self.taken.add(name)
        for name in dict.fromkeys(used):
            if not spec.library.is_builtin(name):
                text = pprint.pformat(spec.library.spec(name), width=88, sort_dicts=False)
                lines.append(f"{self.ident('model', name)} = model_from_spec({text})")
                lines.append("")
        return builtins, lines

    def model_expr(self, name: str) -> str:
        if self.spec.library.is_builtin(name):
            return f"{name}()"
        return self.ident("model", name)

    def render(self) -> str:
        spec = self.spec
        builtins, model_lines = self.models()
        dists = sorted({type(v).__name__ for v in self._values()
                        if isinstance(v, tuple(DISTRIBUTIONS.values()))})
        kinds = {x["kind"] for x in spec.inputs}
        names = ["Network"] + [n for n, k in (("PoissonPopulation", "poisson"),
                                              ("SpikeSourceArray", "spike_times")) if k in kinds]
        names += dists + (["model_from_spec"] if model_lines else [])
        out = ['"""A network exported by the neuroworkbench web app.',
               "",
               "Run it with the engine installed: python this_file.py",
               '"""',
               "",
               "import numpy as np",
               "",
               f"from engine import {', '.join(names)}"]
        if builtins:
            out.append(f"from engine.models import {', '.join(builtins)}")
        out.append("")
        if model_lines:
            out += ["# -- models -------------------------------------------------------", ""]
            out += model_lines
        out += ["# -- network ------------------------------------------------------",
                f"net = Network(dt={float(spec.dt)!r}, seed={spec.seed!r})"]
        for p in spec.populations:
            v = self.ident("population", p["name"])
            out.append(f"{v} = net.create({p['size']}, neuron={self.model_expr(p['model'])}, "
                       f"name={p['name']!r})")
            for k, raw in p["values"].items():
                out.append(f"{v}.{k} = {format_value(parse_value(raw))}")
        for x in spec.inputs:
            if x["kind"] == "current_step":
                continue
            v = self.ident("population", x["name"])
            if x["kind"] == "poisson":
                rates = format_value(parse_value(x["rates"]))
                out.append(f"{v} = net.create(PoissonPopulation({x['size']}, rates={rates}, "
                           f"name={x['name']!r}))")
            else:
                times = [[float(t) for t in ts] for ts in x["spike_times"]]
                out.append(f"{v} = net.create(SpikeSourceArray(spike_times={times!r}, "
                           f"name={x['name']!r}))")
        for j in spec.projections:
            v = self.ident("projection", j["name"])
            pre, post = self.ident("population", j["pre"]), self.ident("population", j["post"])
            syn = "" if j["synapse"] is None else f", synapse={self.model_expr(j['synapse'])}"
            out.append(f"{v} = net.connect({pre}, {post}, {j['target']!r}{syn}, "
                       f"name={j['name']!r})")
            args = ", ".join(f"{k}={format_value(val)}"
                             if isinstance(val, tuple(DISTRIBUTIONS.values())) else f"{k}={val!r}"
                             for k, val in _connector_args(j).items())
            out.append(f"{v}.{j['connector']}({args})")
        out += ["", "# -- recording ----------------------------------------------------",
                "monitors = {}"]
        for name, variables in self.record.items():
            if variables:
                out.append(f"monitors[{name!r}] = net.monitor("
                           f"{self.ident('population', name)}, {list(variables)!r})")
        out += ["", "# -- simulation ---------------------------------------------------",
                "net.compile()"]
        out += self.simulation()
        out += ["",
                "for name, m in monitors.items():",
                "    if 'spike' in m.variables:",
                "        spikes = m.get('spike', keep=True)",
                "        n = sum(len(s) for s in spikes.values())",
                "        print(f'{name}: {n} spikes, {n / len(m.ranks) / (net.time / 1000.0):.2f} "
                "Hz per neuron')",
                "    for v in m.variables:",
                "        if v != 'spike':",
                "            print(f'{name}.{v}: mean of the last record '",
                "                  f'{np.mean(m.get(v, keep=True)[-1:]):.4g}')",
                ""]
        return "\n".join(out)

    def _values(self):
        for p in self.spec.populations:
            for raw in p["values"].values():
                yield parse_value(raw)
        for j in self.spec.projections:
            yield from _connector_args(j).values()

    def simulation(self) -> list[str]:
        """``net.simulate`` calls, the current steps set between them as
        :meth:`BuiltNetwork.simulate` does."""
        spec = self.spec
        steps = spec._current_steps(float(spec.dt))
        if not steps:
            return [f"net.simulate({float(self.duration)!r})"]
        dt = float(spec.dt)
        keys = list(dict.fromkeys((s.population, s.variable) for s in steps))
        base = {k: f"{self.ident('population', k[0])}_{k[1]}" for k in keys}
        lines = []
        for (pop, var), b in base.items():
            lines.insert(0, f"{b} = np.copy({self.ident('population', pop)}.{var})  "
                            "# the value the current steps add to")
        end = _duration_steps(self.duration, dt)
        bounds = sorted({s.start_step for s in steps} |
                        {s.stop_step for s in steps if s.stop_step is not None})
        before = {k: () for k in keys}
        cur = 0
        while True:
            for pop, var in keys:
                on = tuple(s for s in steps if (s.population, s.variable) == (pop, var)
                           and s.start_step <= cur and (s.stop_step is None or cur < s.stop_step))
                if on != before[(pop, var)]:
                    total = 0.0
                    for s in on:
                        total = total + (np.asarray(s.amplitude) if isinstance(s.amplitude, tuple)
                                         else s.amplitude)
                    rhs = base[(pop, var)] if not on else (
                        f"{base[(pop, var)]} + "
                        + (repr(total) if isinstance(total, float)
                           else f"np.array({np.asarray(total).tolist()!r})"))
                    what = ", ".join(repr(s.name) for s in on) or "none"
                    lines.append(f"{self.ident('population', pop)}.{var} = {rhs}  "
                                 f"# t = {round(cur * dt, 9)!r} ms, steps on: {what}")
                    before[(pop, var)] = on
            if cur >= end:
                break
            nxt = min([b for b in bounds if b > cur] + [end])
            lines.append(f"net.simulate({round((nxt - cur) * dt, 9)!r})")
            cur = nxt
        return lines
