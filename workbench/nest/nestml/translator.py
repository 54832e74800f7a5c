"""The translator: a NESTML neuron's AST to the engine's blocks.

:class:`_Translator` reads the declarations (parameters, state, internals,
equations, ports), names them, lays out one step in NEST's order (see "One
step" in the package docstring) and assembles the text. It is one object
with one state; its parts are mixins by concern, in their own modules: names
(:mod:`.names`), the step program (:mod:`.program`), kernels
(:mod:`.kernels`), statements (:mod:`.statements`), integration
(:mod:`.integration`) and expressions (:mod:`.expressions`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workbench.nest.nestml.ast_queries import _has_delta_convolve, _names_in
from workbench.nest.nestml.errors import _Unsupported
from workbench.nest.nestml.expressions import _Env, _Expressions
from workbench.nest.nestml.integration import _TABLEAUS, _Integration
from workbench.nest.nestml.kernels import _Conv, _Kernels
from workbench.nest.nestml.names import _Names, _population_names
from workbench.nest.nestml.program import _TOKEN, _StepProgram, _Var
from workbench.nest.nestml.statements import _Statements
from workbench.nest.nestml.units import unit_factor


@dataclass
class _Port:
    name: str
    targets: tuple[str, ...]
    raw: str  # summed weights of this step, as they arrive
    received: str  # condition: input this step
    factor: float  # the port's unit (1/s) in engine units


class _Translator(_Names, _StepProgram, _Kernels, _Statements, _Integration, _Expressions):
    """One NESTML neuron model's translation: ``translate()`` returns the
    engine's blocks and what :class:`~workbench.nest.nestml.NestmlModel` lists."""

    def __init__(self, model, method: str):
        self.model = model
        self.body = model.get_body()
        self.method = method
        self.tableau = _TABLEAUS[method]
        self.names: dict[str, str] = {}  # nestml key -> engine name
        self.taken: set[str] = set()
        self.conductances: set[str] = set()  # g_<target>: the engine adds weights to them
        self.python_names = _population_names()
        self.params: dict[str, Any] = {}  # name -> (declaration, variable node)
        self.state: dict[str, Any] = {}  # key (x, x__d) -> (declaration, variable node)
        self.kernel_state: dict[str, Any] = {}  # initial values of ODE-form kernels
        self.internals: dict[str, Any] = {}
        self.internal_params: set[str] = set()  # internals computed once, from the initial state
        self.inlines: dict[str, Any] = {}
        self.odes: dict[str, Any] = {}  # key -> ('expr', node) | ('var', key)
        self.kernels: dict[str, Any] = {}  # variable name -> ASTKernel
        self.functions: dict[str, Any] = {}
        self.spike_ports: dict[str, _Port] = {}
        self.cont_ports: dict[str, Any] = {}  # name -> (node, factor)
        self.convs: dict[tuple[str, str], _Conv] = {}
        self.vars: dict[str, _Var] = {}  # key -> var (state, internals, helpers)
        self.version_owner: list[tuple[_Var, int]] = []
        self.program: list[list] = []  # [version id, rhs, condition or None, value otherwise]
        self.memo: dict[tuple, dict] = {}  # integrations of the step, shared by branches
        self.cur: dict[str, str] = {}  # key -> the version reads see
        self.latest: dict[str, str] = {}  # key -> its last version (what a branch must keep)
        self.scopes: list[dict[str, str]] = []  # local name -> key
        self.spiked: str | None = None  # key of the spike flag
        self.units: dict[str, tuple[str, float]] = {}
        self.inline_stack: list[str] = []
        self.function_stack: list[str] = []
        self.init_text: dict[str, str] = {}  # state key -> its initial value
        self.fn_args: dict[str, tuple] = {}  # engine function argument -> what it carries
        self.fn_conv: dict[tuple[str, str], str] = {}
        self.conv_cache: dict[tuple, str] = {}
        self.shared: dict[str, str] = {}  # text -> helper computed once per step
        self.values: dict[tuple, tuple] = {}  # (text, condition) -> (helper, its entry)
        self.recording: list | None = None  # entries an integration writes or reuses
        self.fn_defs: dict[tuple[str, str], tuple] = {}
        self.fn_lines: list[str] = []
        self.fn_time = self.fn_dt = ""

    # ------------------------------------------------------------------ declarations

    def translate(self) -> dict:
        body = self.body
        for name, kind in (("state", body.get_state_blocks()),
                           ("parameters", body.get_parameters_blocks()),
                           ("internals", body.get_internals_blocks())):
            for block in kind:
                for decl in block.get_declarations():
                    self._declaration(decl, name)
        for block in body.get_equations_blocks():
            for item in block.get_declarations():
                kind = type(item).__name__
                if kind == "ASTInlineExpression":
                    self.inlines[item.get_variable_name()] = item
                elif kind == "ASTKernel":
                    for var in item.get_variables():
                        self.kernels[var.get_name()] = item
                        if var.get_differential_order() > 0:  # initial values in the state block
                            for k in range(var.get_differential_order()):
                                key = var.get_name() + "__d" * k
                                if key in self.state:
                                    self.kernel_state[key] = self.state.pop(key)
                elif kind == "ASTOdeEquation":
                    pass
        for block in body.get_equations_blocks():
            for item in block.get_declarations():
                if type(item).__name__ == "ASTOdeEquation":
                    self._ode(item)
        for function in body.get_functions():
            self.functions[function.get_name()] = function
        self._ports()
        for block in body.get_output_blocks():
            if not block.is_spike():
                raise _Unsupported(block, "only spiking outputs ('output: spike') are supported")
            if block.get_attributes():
                raise _Unsupported(block, "spike attributes in the output block are not supported")

        # engine names: first the ones NESTML chose, then helpers
        targets = {t for p in self.spike_ports.values() for t in p.targets}
        self.conductances = {f"g_{t}" for t in targets}
        for key in [*self.params, *self.cont_ports, *self.state, *self.internals, *self.inlines]:
            self._name(key, targets)
        for key in self.state:
            decl, node = self.state[key]
            self.vars[key] = _Var(self.names[key], self._dtype(decl), persistent=True)
            self.units[self.names[key]] = self._unit(decl)
        self._classify_internals()
        for key in self.internals:
            decl, _ = self.internals[key]
            self.units[self.names[key]] = self._unit(decl)
            if key not in self.internal_params:
                self.vars[key] = _Var(self.names[key], self._dtype(decl))
        for key in self.params:
            self.units[self.names[key]] = self._unit(self.params[key][0])
        self._find_convolutions()

        self._initial_values()
        parameters = self._parameter_block()
        self._step()
        return self._assemble(parameters)

    def _declaration(self, decl, block: str):
        if decl.has_size_parameter():
            raise _Unsupported(decl, "vector variables are not supported")
        if getattr(decl, "is_inline_expression", False):
            raise _Unsupported(decl, f"inline declarations in the {block} block are not supported",
                               "write the inline expression in the equations block")
        for var in decl.get_variables():
            if var.get_vector_parameter() is not None:
                raise _Unsupported(decl, "vector variables are not supported")
            key = var.get_name() + "__d" * var.get_differential_order()
            if block == "state":
                self.state[key] = (decl, var)
            elif block == "parameters":
                self.params[key] = (decl, var)
            else:
                self.internals[key] = (decl, var)

    def _ode(self, item):
        lhs = item.get_lhs()
        order = lhs.get_differential_order()
        name = lhs.get_name()
        keys = [name + "__d" * k for k in range(order)]
        for k, key in enumerate(keys):
            if key not in self.state:
                raise _Unsupported(item, f"the ODE of {lhs.get_complete_name()!r} needs the state "
                                   f"variable {name + chr(39) * k!r}", "declare it in the state "
                                   "block with its initial value")
            self.odes[key] = ("var", keys[k + 1]) if k + 1 < order else ("expr", item.get_rhs())

    def _classify_internals(self):
        """Internals that read state variables are computed once, from the
        initial state (engine parameters), as NEST computes them before a
        simulation; the others every step (they may use resolution())."""
        for key, (decl, _) in self.internals.items():
            if not decl.has_expression():
                continue
            names = _names_in(decl.get_expression())
            if names & set(self.state) or names & self.internal_params:
                self.internal_params.add(key)

    def _dtype(self, decl) -> str:
        dt = decl.get_data_type()
        if dt.is_integer:
            return "int"
        if dt.is_boolean:
            return "bool"
        if dt.is_string:
            raise _Unsupported(decl, "string variables are not supported")
        return "float"

    def _unit(self, decl) -> tuple[str, float]:
        return self._type_unit(decl.get_data_type())

    def _type_unit(self, data_type) -> tuple[str, float]:
        symbol = data_type.get_type_symbol()
        unit = getattr(getattr(symbol, "unit", None), "unit", None)
        text = " ".join(str(data_type).split())
        return (text, 1.0 if unit is None else unit_factor(unit))

    def _ports(self):
        spikes, continuous = [], []
        for block in self.body.get_input_blocks():
            for port in block.get_input_ports():
                if port.has_size_parameter():
                    raise _Unsupported(port, f"vector input port {port.get_name()!r} is not "
                                       "supported")
                (spikes if port.is_spike() else continuous).append(port)
        for port in continuous:
            factor = self._type_unit(port.get_datatype())[1] if port.has_datatype() else 1.0
            self.cont_ports[port.get_name()] = (port, factor)
        spike_factor = unit_factor("s") ** -1  # NESTML types a spike port 1/s
        qualifiers = {p.get_name(): {("inhibitory" if q.is_inhibitory else "excitatory")
                                     for q in (p.get_input_qualifiers() or [])} for p in spikes}
        if len(spikes) == 1 and qualifiers[spikes[0].get_name()] in (
                set(), {"excitatory", "inhibitory"}):
            name = spikes[0].get_name()
            self.spike_ports[name] = _Port(name, ("exc", "inh"), "(g_exc - g_inh)",
                                           "(g_exc != 0 or g_inh != 0)", spike_factor)
            return
        used: dict[str, str] = {}
        for port in spikes:
            name = port.get_name()
            q = qualifiers[name]
            target = {frozenset({"excitatory"}): "exc",
                      frozenset({"inhibitory"}): "inh"}.get(frozenset(q), name)
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", target):
                raise _Unsupported(port, f"port name {name!r} cannot name an engine target")
            if target in used:
                raise _Unsupported(port, f"ports {used[target]!r} and {name!r} would both "
                                   f"listen on target {target!r}",
                                   "give at most one port the 'excitatory' qualifier and one "
                                   "the 'inhibitory' qualifier")
            used[target] = name
            self.spike_ports[name] = _Port(name, (target,), f"g_{target}",
                                           f"(g_{target} != 0)", spike_factor)

    # ------------------------------------------------------------------ blocks

    def init_env(self, what: str) -> _Env:
        return _Env(what, time=None, dt=False, state=False, internals=False, ports=False,
                    init=True, overrides={k: f"({v})" for k, v in self.init_text.items()})

    def _initial_values(self):
        env = self.init_env("an initial value")
        for key, (decl, var) in self.state.items():
            if decl.has_expression():
                text = self.number(decl.get_expression(), env)
            else:
                text = "0"
            self.init_text[key] = text
            self.vars[key].init = text
            env.overrides[key] = f"({text})"

    def _parameter_block(self) -> str:
        out = []
        env = self.init_env("a parameter value")
        for key, (decl, var) in self.params.items():
            value = self.number(decl.get_expression(), env) if decl.has_expression() else "0"
            out.append(self._line(self.names[key], value, self._dtype(decl)))
        for key, (port, factor) in self.cont_ports.items():
            out.append(self._line(self.names[key], "0.0", "float"))
            if port.has_datatype():
                self.units[self.names[key]] = (self._type_unit(port.get_datatype())[0], 1.0)
        env = self.init_env("an internal computed from the initial state")
        for key in self.internals:
            if key in self.internal_params:
                decl = self.internals[key][0]
                value = self.number(decl.get_expression(), env)
                out.append(self._line(self.names[key], value, self._dtype(decl)))
        return "\n".join(out)

    @staticmethod
    def _line(name: str, value: str, dtype: str, flags: str = "") -> str:
        flag = [] if dtype == "float" else [dtype]
        if flags:
            flag.append(flags)
        return f"{name} = {value}" + (" : " + ", ".join(flag) if flag else "")

    def _step(self):
        body = self.body
        # (1) internals
        env = _Env("an internal", time=None, state=False, ports=False)
        for key, (decl, var) in self.internals.items():
            if key not in self.internal_params:
                value = self.number(decl.get_expression(), env) if decl.has_expression() else "0"
                self.write(key, value)
        # (2) update
        for block in body.get_update_blocks():
            self.stmts(block.get_stmts_body(), [], "update")
        # (3) onReceive
        for block in body.get_on_receive_blocks():
            if block.get_const_parameters():
                raise _Unsupported(block, "onReceive parameters (priority=...) are not supported")
            name = block.get_port_name()
            if name not in self.spike_ports:
                raise _Unsupported(block, f"onReceive({name}): {name!r} is not a spike port")
            received = self.cond(self.spike_ports[name].received)
            self.stmts(block.get_stmts_body(), [(received, True)], "onReceive")
        # (4) kernels
        self._kernel_updates()
        # (5) onCondition
        for block in body.get_on_condition_blocks():
            if block.get_const_parameters():
                raise _Unsupported(block, "onCondition parameters (priority=...) are not "
                                   "supported")
            c = self.cond(self.boolean(block.get_cond_expr(), self.stmt_env()))
            self.stmts(block.get_stmts_body(), [(c, True)], "onCondition")
        # (6) inline expressions, stored for recording
        env = self.stmt_env()
        for name, item in self.inlines.items():
            if _has_delta_convolve(item.get_expression(), self):
                continue  # a jump, not a value
            key = "\x00inline:" + name
            dtype = self._inline_dtype(item)
            self.vars[key] = _Var(self.names[name], dtype)
            self.write(key, self.number(item.get_expression(), env))
        if self.spiked is None:
            raise _Unsupported(self.model, f"model {self.model.get_name()!r} never calls "
                               "emit_spike()", "only spiking neurons are supported: emit a "
                               "spike in an onCondition block")

    @staticmethod
    def _inline_dtype(item) -> str:
        dt = item.get_data_type()
        return "int" if dt.is_integer else "bool" if dt.is_boolean else "float"

    def stmt_env(self) -> _Env:
        return _Env("a statement", time="(t + dt)")

    # ------------------------------------------------------------------ assembly

    def _assemble(self, parameters: str) -> dict:
        # state variables that nothing writes still need a definition
        for key in self.state:
            if not self.vars[key].versions:
                self.write(key, self.read(key))
        # final names: the last version of a variable takes its name
        last_write: dict[int, int] = {}
        for position, (vid, *_) in enumerate(self.program):
            last_write[id(self.version_owner[vid][0])] = position
        names: list[str] = []
        intermediate: dict[tuple[int, int], str] = {}
        for var, index in self.version_owner:
            if index == 0 or index == len(var.versions):
                names.append(var.final)
            else:
                k = (id(var), index)
                if k not in intermediate:
                    intermediate[k] = self._free(f"{var.final}__{index}")
                names.append(intermediate[k])
        lines = []
        for position, (vid, rhs, pred, old) in enumerate(self.program):
            if pred is not None:
                rhs = f"(if {pred} then {rhs} else {old})"
            var, index = self.version_owner[vid]
            for m in _TOKEN.finditer(rhs):  # the stored value is gone after the last write
                rvar, rindex = self.version_owner[int(m.group(1))]
                if rindex == 0 and last_write.get(id(rvar), -1) < position:
                    raise AssertionError(f"{rvar.final} read after its last write")
            text = _TOKEN.sub(lambda m: names[int(m.group(1))], rhs)
            final = index == len(var.versions)
            flags = f"init = {var.init}" if final and var.init is not None else ""
            lines.append(self._line(names[vid], text, var.dtype, flags))
        recordables = tuple(self.names[k] for k in [*self.state, *self.internals, *self.inlines])
        targets: list[str] = []
        for port in self.spike_ports.values():
            targets += [t for t in port.targets if t not in targets]
        return dict(
            text=dict(parameters=parameters, equations="\n".join(lines),
                      spike=f"{self.vars[self.spiked].final} > 0",
                      functions="\n".join(self.fn_lines)),
            targets=tuple(targets),
            spike_ports={p.name: p.targets for p in self.spike_ports.values()},
            continuous_ports={k: self.names[k] for k in self.cont_ports},
            names=dict(self.names),
            units=dict(self.units),
            parameters=tuple(self.names[k] for k in [*self.params, *self.cont_ports,
                                                      *(k for k in self.internals
                                                        if k in self.internal_params)]),
            state=tuple(self.names[k] for k in self.state),
            recordables=recordables,
        )
