"""``integrate_odes()``: an explicit Runge-Kutta step written as assignments.

The engine does not let an ODE variable change again in the step that
integrates it, and NESTML models do (``v += w`` after ``integrate_odes()``),
so the ODEs are integrated by assignments: each ``integrate_odes()`` writes
the stages of one Runge-Kutta step of the chosen tableau. Right-hand sides and
inline expressions that are long become engine functions (the ``functions``
block) called at each stage, to stay within the engine's characters per
block. ODEs that do not read one another are integrated separately, and a
group integrated from the same values in two branches of an ``if`` is written
once (NESTML's Hodgkin-Huxley models integrate in a refractory branch and a
normal one).
"""

from __future__ import annotations

import re
from fractions import Fraction

from workbench.nest.nestml.ast_queries import _calls_in, _has_delta_convolve, _names_in
from workbench.nest.nestml.expressions import _Env
from workbench.nest.nestml.kernels import _Conv
from workbench.nest.nestml.printing import _ATOM, _MUL, _weighted, _wrap
from workbench.nest.nestml.program import _either

#: integration methods of ``integrate_odes()``: explicit Runge-Kutta tableaus
#: (c, a, b), as fractions (printed as integers over a common denominator)
_TABLEAUS = {
    "euler": ((Fraction(0),), ((),), (Fraction(1),)),
    "midpoint": ((Fraction(0), Fraction(1, 2)), ((), (Fraction(1, 2),)),
                 (Fraction(0), Fraction(1))),
    "rk4": ((Fraction(0), Fraction(1, 2), Fraction(1, 2), Fraction(1)),
            ((), (Fraction(1, 2),), (Fraction(0), Fraction(1, 2)),
             (Fraction(0), Fraction(0), Fraction(1))),
            (Fraction(1, 6), Fraction(1, 3), Fraction(1, 3), Fraction(1, 6))),
}
METHODS = tuple(_TABLEAUS)


class _Integration:
    """The ODE integration of :class:`~workbench.nest.nestml.translator._Translator`
    (its ``tableau``, ``odes``, ``memo`` and the engine functions ``fn_*``)."""

    # ------------------------------------------------------------------ integration

    def integrate(self, keys: list[str], pred):
        """An explicit Runge-Kutta step of the ODEs of ``keys`` over dt; the
        other variables keep their values; delta-kernel jumps afterwards.
        Independent groups of ODEs are integrated separately (the same result:
        their stages do not interact), and a group integrated from the same
        values in another branch of the step reuses that computation."""
        if not keys:
            return
        when = self.pred_text(pred)
        for group in self._groups(keys):
            snapshot = (tuple(group), tuple(self._current(k) for k in self.vars
                                            if self.vars[k].persistent or k in self.internals))
            memo = self.memo.get(snapshot)
            if memo is None:
                self.recording = []
                try:
                    new = self._runge_kutta(group, when)
                finally:
                    entries, self.recording = self.recording, None
                self.memo[snapshot] = memo = dict(entries=entries, new=new)
            else:  # computed in another branch: widen the condition of its helpers
                for entry in memo["entries"]:
                    entry[2] = _either(entry[2], when)
            for k in group:
                self.write(k, memo["new"][k], when)
        self._delta_jumps(keys, when)

    def _current(self, key: str) -> str:
        """The current version of ``key``, "start" for the value of the last step."""
        token = self.cur.get(key)
        if token is None or self.version_owner[int(token[1:-1])][1] == 0:
            return "start"
        return token

    def _groups(self, keys: list[str]) -> list[list[str]]:
        """``keys`` split into groups of ODEs that read one another."""
        parent = {k: k for k in keys}

        def root(k):
            while parent[k] != k:
                k = parent[k]
            return k

        for k in keys:
            kind, what = self.odes[k]
            reads = {what} if kind == "var" else self._reads(what)
            for other in reads & set(keys):
                parent[root(other)] = root(k)
        groups: dict[str, list[str]] = {}
        for k in keys:
            groups.setdefault(root(k), []).append(k)
        return list(groups.values())

    def _reads(self, node, seen=None) -> set[str]:
        """NESTML keys an expression reads, through inline expressions and functions."""
        seen = set() if seen is None else seen
        out = set()
        for name in _names_in(node):
            out.add(name)
            if name in self.inlines and name not in seen:
                seen.add(name)
                out |= self._reads(self.inlines[name].get_expression(), seen)
        for fname in _calls_in(node):
            if fname in self.functions and fname not in seen:
                seen.add(fname)
                out |= self._reads(self.functions[fname].get_stmts_body(), seen)
        return out

    def _runge_kutta(self, keys: list[str], when: str | None) -> dict[str, str]:
        """The helpers of one Runge-Kutta step of ``keys``; returns the new values."""
        c, a, b = self.tableau
        start = {k: self.read(k) for k in keys}
        slopes: list[dict[str, str]] = []
        for s, cs in enumerate(c):
            overrides = {}
            if s:  # the stage's state values, one helper each
                for k in keys:
                    step = _weighted([(a[s][j], slopes[j][k]) for j in range(s)])
                    if step is None:
                        overrides[k] = start[k]
                        continue
                    overrides[k] = self.value(f"y{s + 1}_{self.vars[k].final}",
                                              f"{start[k]} + {step}", when)
            h = _weighted([(cs, "1")])
            env = _Env("an ODE", time=f"(t + {h})" if cs else "t", ports=False, random=False,
                       stage=float(cs), h_text=(h if h == "dt" else f"({h})") if cs else "0",
                       delta="0",
                       overrides=overrides, cache=True)
            self._stage_inlines(keys, env, when)  # one helper each, arguments of the ODEs
            slope = {}
            for k in keys:
                kind, what = self.odes[k]
                if kind == "var":
                    slope[k] = overrides.get(what, self.read(what))
                    continue
                text, prec = self._ode_call(k, env)
                if len(keys) == 1 and len(c) == 1:
                    slope[k] = _wrap(text, prec, _MUL + 1)
                    continue
                slope[k] = self.value(f"k{s + 1}_{self.vars[k].final}", text, when)
            slopes.append(slope)
        return {k: f"{start[k]} + {_weighted([(b[s], slopes[s][k]) for s in range(len(c))])}"
                for k in keys}

    def _delta_jumps(self, keys: list[str], when: str | None):
        """Delta kernels: the variable jumps by (coefficient of the convolution) * weights."""
        for k in keys:
            kind, what = self.odes[k]
            if kind != "expr":
                continue
            for conv in self.convs.values():
                if not conv.delta or not _has_delta_convolve(what, self, conv):
                    continue
                one = self._delta_env(conv, "1")
                zero = self._delta_env(conv, "0")
                coefficient = f"(({self.number(what, one)}) - ({self.number(what, zero)}))"
                raw = self.spike_ports[conv.port].raw
                self.write(k, f"{self.read(k)} + {coefficient}*{raw}", when)

    def _delta_env(self, conv: _Conv, value: str) -> _Env:
        env = _Env("an ODE", time="(t + dt)", ports=False, random=False, delta="0")
        env.overrides["\x00delta:" + conv.kernel + ":" + conv.port] = value
        return env

    # ------------------------------------------------------------------ engine functions
    #
    # The right-hand side of each ODE, and each inline expression it uses, is
    # an engine function (the ``functions`` block, inlined by the engine): a
    # Runge-Kutta stage calls it instead of repeating its text, which keeps
    # large models (Hodgkin-Huxley) under the engine's size limit per block.

    def _function_env(self) -> _Env:
        if not self.fn_args:
            self.fn_time, self.fn_dt = self._free("nestml_t"), self._free("nestml_dt")
            self.fn_args[self.fn_time] = ("time",)
            self.fn_args[self.fn_dt] = ("dt",)
            for key in self.state:
                self.fn_args[self.names[key]] = ("state", key)
            for key in self.internals:
                kind = ("same",) if key in self.internal_params else ("internal", key)
                self.fn_args[self.names[key]] = kind
            for key in [*self.params, *self.cont_ports]:
                self.fn_args[self.names[key]] = ("same",)
            for kp, conv in self.convs.items():
                if not conv.delta:
                    name = self._free(f"nestml_{conv.kernel}__X__{conv.port}")
                    self.fn_args[name] = ("conv", kp)
                    self.fn_conv[kp] = name
            for name, item in self.inlines.items():
                if not _has_delta_convolve(item.get_expression(), self):
                    self.fn_args[self.names[name]] = ("inline", name)
        overrides = {k: self.names[k] for k in [*self.state, *self.internals]}
        overrides.update({"\x00inline:" + self.fn_args[a][1]: a for a in self.fn_args
                          if self.fn_args[a][0] == "inline"})
        return _Env("an ODE", time=self.fn_time, ports=False, random=False, delta="0",
                    dt_text=self.fn_dt, body=True, overrides=overrides)

    def _function(self, kind: str, name: str, node) -> dict:
        """The body of an ODE right-hand side or inline expression, printed once
        with engine names as its arguments; a function is defined the first time
        a call is shorter than the body written out (:meth:`_call_text`)."""
        key = (kind, name)
        if key not in self.fn_defs:
            env = self._function_env()
            text, _, prec = self._x(node, env, number=True)
            words = set(re.findall(r"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*", text))
            base = ("f_" if kind == "ode" else "i_") + \
                (self.vars[name].final if kind == "ode" else self.names[name])
            self.fn_defs[key] = dict(name=None, base=base, text=text, prec=prec,
                                     args=[a for a in self.fn_args if a in words])
        return self.fn_defs[key]

    def _arg_value(self, arg: str, env: _Env) -> str:
        kind = self.fn_args[arg]
        if kind[0] == "state":
            return env.overrides.get(kind[1], self.read(kind[1]))
        if kind[0] == "internal":
            return self.read(kind[1])
        if kind[0] == "time":
            return env.time
        if kind[0] == "dt":
            return "dt"
        if kind[0] == "conv":
            return self._conv_value(self.convs[kind[1]], env)
        if kind[0] == "inline":
            return env.overrides["\x00inline:" + kind[1]]
        return arg

    def _call_text(self, fn: dict, env: _Env) -> tuple[str, int]:
        """The body of ``fn`` at the stage ``env``: a call, or the body with the
        arguments' values written in, whichever is shorter."""
        args = fn["args"]
        if env.body:  # inside another function: the arguments have the same names
            values = {a: a for a in args}
        else:
            values = {a: self._arg_value(a, env) for a in args}
        written = re.sub(r"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*",
                         lambda m: values.get(m.group(0), m.group(0)), fn["text"])
        call = f"{fn['name'] or fn['base']}({', '.join(values[a] for a in args)})"
        if not args or len(written) <= len(call):
            return written, (fn["prec"] if not args else min(fn["prec"], _MUL))
        if fn["name"] is None:
            fn["name"] = self._free(fn["base"])
            self.fn_lines.append(f"{fn['name']}({', '.join(args)}) = {fn['text']}")
            call = f"{fn['name']}({', '.join(values[a] for a in args)})"
        return call, _ATOM

    def _stage_inlines(self, keys, env: _Env, when):
        """Compute the inline expressions the ODEs of ``keys`` use (each after
        the ones it uses) into helpers of the stage ``env``."""
        used: list[str] = []

        def collect(node):
            if type(node).__name__ == "ASTVariable" and node.get_name() in self.inlines:
                name = node.get_name()
                if name not in used:
                    collect(self.inlines[name].get_expression())
                    used.append(name)
                return
            for child in node.get_children():
                collect(child)

        for k in keys:
            kind, what = self.odes[k]
            if kind == "expr":
                collect(what)
        for name in used:
            expression = self.inlines[name].get_expression()
            if _has_delta_convolve(expression, self):
                continue  # printed where used, so the jump can be found
            text, _ = self._call_text(self._function("inline", name, expression), env)
            env.overrides["\x00inline:" + name] = self.value(
                f"s{int(env.stage * 2) + 1}_{self.names[name]}", text, when)

    def _ode_call(self, key: str, env: _Env) -> tuple[str, int]:
        """The slope of ODE ``key`` at the stage ``env``."""
        node = self.odes[key][1]
        if _has_delta_convolve(node, self):  # printed where used, so the jump can be found
            return self.number(node, env), self._last_prec
        return self._call_text(self._function("ode", key, node), env)
