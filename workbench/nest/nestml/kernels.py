"""Kernels convolved with spike ports: closed forms and exact propagation.

A kernel (a function of ``t``, or linear ODEs solved with sympy through the
Jordan form of their matrix) becomes a sum of ``A * t**n * exp(r*t)`` terms.
Each term is ``n + 1`` engine variables, propagated exactly over the step and
incremented by the port's summed weights, so kernels add no integration error
whatever the method; an ODE stage reads them propagated to its time offset.
``K = delta(t)`` has no state: it is a jump after integration
(:mod:`workbench.nest.nestml.integration`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from workbench.nest.nestml.ast_queries import _is_delta
from workbench.nest.nestml.errors import _Unsupported
from workbench.nest.nestml.expressions import _Env
from workbench.nest.nestml.printing import _power_term, _sympy_text
from workbench.nest.nestml.program import _Var


@dataclass
class _Conv:
    """One convolve(K, port): terms A * t**n * exp(r*t), each with states
    y_0..y_n; ``delta``: a delta kernel (a jump, no state)."""

    kernel: str
    port: str
    terms: list  # [(A text, r text, n, [state keys y_0..y_n])]
    delta: bool = False


class _Kernels:
    """The convolutions of :class:`~workbench.nest.nestml.translator._Translator`:
    found in the model, solved, read in ODE stages, propagated each step."""

    def _find_convolutions(self):
        found = []

        def walk(node):
            if type(node).__name__ == "ASTFunctionCall" and node.get_name() == "convolve":
                found.append(node)
            for child in node.get_children():
                walk(child)

        walk(self.body)
        for call in found:
            kernel, port = self._convolve_args(call)
            if (kernel, port) not in self.convs:
                self.convs[(kernel, port)] = self._kernel(kernel, port)

    def _convolve_args(self, call) -> tuple[str, str]:
        args = call.get_args()
        names = []
        for arg in args:
            simple = arg if type(arg).__name__ == "ASTSimpleExpression" else None
            if simple is None or not simple.is_variable():
                raise _Unsupported(call, "convolve() takes a kernel name and a spike port name")
            names.append(simple.get_variable().get_name())
        if len(names) != 2:
            raise _Unsupported(call, "convolve() takes a kernel name and a spike port name")
        kernel, port = names
        if kernel not in self.kernels and port in self.kernels:
            kernel, port = port, kernel
        if kernel not in self.kernels:
            raise _Unsupported(call, f"{kernel!r} is not a kernel of the equations block")
        if port not in self.spike_ports:
            raise _Unsupported(call, f"{port!r} is not a spike input port",
                               "convolve a kernel with a spike port")
        return kernel, port

    # ------------------------------------------------------------------ kernels

    def _kernel(self, kernel: str, port: str) -> _Conv:
        import sympy as sp

        node = self.kernels[kernel]
        t = sp.Symbol("nestml_t", real=True)
        variables = node.get_variables()
        expressions = node.get_expressions()
        groups: dict = {}
        if all(v.get_differential_order() == 0 for v in variables):
            expr = expressions[[v.get_name() for v in variables].index(kernel)]
            if _is_delta(expr):
                return _Conv(kernel, port, [], delta=True)
            k = self._sym(expr, {"t": t})
        elif any(v.get_differential_order() == 0 for v in variables):
            raise _Unsupported(node, f"kernel {kernel!r} mixes a function of t and ODEs")
        else:
            k = sp.Integer(0)
            for coeff, rate, n in self._ode_kernel(node, kernel):
                groups[(rate, n)] = groups.get((rate, n), 0) + coeff
        for term in sp.Add.make_args(sp.expand(k)):
            if term == 0:
                continue
            coeff, dep = term.as_independent(t, as_Add=False)
            n, rate = 0, sp.Integer(0)
            for factor in sp.Mul.make_args(dep):
                if factor == t:
                    n += 1
                elif factor.is_Pow and factor.base == t and factor.exp.is_Integer \
                        and factor.exp > 0:
                    n += int(factor.exp)
                elif isinstance(factor, sp.exp) and sp.diff(factor.args[0], t, 2) == 0:
                    arg = factor.args[0]
                    rate += sp.diff(arg, t)
                    coeff *= sp.exp(arg.subs(t, 0))
                elif factor != 1:
                    raise _Unsupported(node, f"kernel {kernel!r}: the term {sp.sstr(term)} is not "
                                       "of the form A * t**n * exp(r*t)",
                                       "kernels are sums of exponentials, alpha functions "
                                       "(t*exp(-t/tau)) and t**n*exp(-t/tau), or linear ODEs "
                                       "with constant coefficients")
            rate = sp.simplify(rate)
            if rate.has(t):
                raise _Unsupported(node, f"kernel {kernel!r} is not a sum of A*t**n*exp(r*t) terms")
            groups[(rate, n)] = groups.get((rate, n), 0) + coeff
        terms = [(sp.simplify(c), r, n) for (r, n), c in groups.items()]
        terms = [x for x in terms if x[0] != 0]
        if not terms:
            raise _Unsupported(node, f"kernel {kernel!r} is zero")
        out = []
        single = len(terms) == 1 and terms[0][2] == 0
        for i, (coeff, rate, n) in enumerate(terms):
            keys = []
            for j in range(n + 1):
                name = f"{kernel}__X__{port}" + ("" if single else f"__{i}_{j}")
                key = "\x00kernel:" + name
                self.vars[key] = _Var(self._free(re.sub(r"[^A-Za-z0-9_]", "_",
                                                        name.replace("$", "__dollar"))),
                                      "float", init="0.0", persistent=True)
                keys.append(key)
            out.append((_sympy_text(coeff), _sympy_text(rate), n, keys))
        return _Conv(kernel, port, out)

    def _ode_kernel(self, node, kernel: str):
        """Terms (A, r, n) of a kernel given as linear ODEs with constant
        coefficients: K(t) is the component ``kernel`` of expm(M*t) @ x0 (x0
        from the state block), written with the Jordan form M = P J P^-1:
        a block of eigenvalue r gives t**n/n! * exp(r*t) terms."""
        import sympy as sp

        keys, rhs = [], {}
        for var, expr in zip(node.get_variables(), node.get_expressions()):
            name, order = var.get_name(), var.get_differential_order()
            chain = [name + "__d" * k for k in range(order)]
            keys += chain
            for k, key in enumerate(chain[:-1]):
                rhs[key] = ("var", chain[k + 1])
            rhs[chain[-1]] = ("expr", expr)
        symbols = {k: sp.Symbol("nestml_k_" + str(i), real=True) for i, k in enumerate(keys)}
        env = {"t": None, **{k: s for k, s in symbols.items()}}
        f = [symbols[rhs[k][1]] if rhs[k][0] == "var" else self._sym(rhs[k][1], env)
             for k in keys]
        xs = [symbols[k] for k in keys]
        zero = {x: 0 for x in xs}
        for fi in f:
            if any(sp.diff(fi, a, b) != 0 for a in xs for b in xs) or \
                    sp.simplify(fi.subs(zero)) != 0:
                raise _Unsupported(node, f"kernel {kernel!r} is not a linear homogeneous ODE "
                                   "system", "kernels given as ODEs must be linear in their "
                                   "variables, with constant coefficients")
        M = sp.Matrix([[sp.diff(fi, x) for x in xs] for fi in f])
        x0 = []
        for key in keys:
            if key not in self.kernel_state:
                raise _Unsupported(node, f"kernel {kernel!r}: no initial value for "
                                   f"{key.replace('__d', chr(39))!r} in the state block")
            decl = self.kernel_state[key][0]
            x0.append(self._sym(decl.get_expression(), {}) if decl.has_expression() else 0)
        try:
            P, J = M.jordan_form()
            col = P.inv() * sp.Matrix(x0)
        except Exception as exc:  # sympy cannot decompose this matrix
            raise _Unsupported(node, f"kernel {kernel!r}: no closed form ({exc})") from None
        row = P[keys.index(kernel), :]
        size = J.shape[0]
        terms, i = [], 0
        while i < size:  # Jordan blocks along the diagonal
            j = i
            while j + 1 < size and J[j, j + 1] == 1 and J[j + 1, j + 1] == J[i, i]:
                j += 1
            for r in range(i, j + 1):
                for c in range(r, j + 1):
                    coeff = sp.simplify(row[r] * col[c] / sp.factorial(c - r))
                    if coeff != 0:
                        terms.append((coeff, sp.simplify(J[i, i]), c - r))
            i = j + 1
        return terms

    def _sym(self, node, env: dict):
        """A kernel's expression as sympy, built node by node (nothing evaluated).
        ``env``: NESTML key -> sympy symbol (``t``: the kernel's time)."""
        import sympy as sp

        kind = type(node).__name__
        if kind == "ASTSimpleExpression":
            if node.is_function_call():
                call = node.get_function_call()
                args = [self._sym(a, env) for a in call.get_args()]
                name = call.get_name()
                if name == "exp" and len(args) == 1:
                    return sp.exp(args[0])
                if name == "ln" and len(args) == 1:
                    return sp.log(args[0])
                if name == "pow" and len(args) == 2:
                    return args[0] ** args[1]
                if name == "delta":
                    raise _Unsupported(node, "delta() is only supported as a whole kernel, "
                                       "kernel K = delta(t)")
                raise _Unsupported(node, f"function {name}() in a kernel is not supported",
                                   "kernels may use exp(), ln(), pow() and arithmetic")
            if node.is_numeric_literal():
                value = node.get_numeric_literal()
                base = sp.Integer(value) if isinstance(value, int) else sp.Float(value)
                if getattr(node, "unitType", None) is not None:
                    factor = self._literal_unit(node)
                    return base * (sp.Integer(int(factor)) if float(factor).is_integer()
                                   else sp.Float(factor))
                return base
            if node.get_boolean_literal() is not None or node.is_inf_literal or node.is_string():
                raise _Unsupported(node, "this literal cannot appear in a kernel")
            var = node.get_variable()
            name = var.get_name()
            key = name + "__d" * var.get_differential_order()
            if var.get_vector_parameter() is not None:
                raise _Unsupported(node, f"{var.get_complete_name()!r} in a kernel")
            if key in env:
                if env[key] is None:
                    raise _Unsupported(node, "a kernel given as ODEs cannot use t")
                return env[key]
            if key == "e":
                return sp.E
            if key == "pi":
                return sp.pi
            if key in self.params or key in self.internals:
                return sp.Symbol(self.names[key], real=True)
            if key in self.state or key in self.inlines or key in self.kernels:
                raise _Unsupported(node, f"kernel uses {var.get_complete_name()!r}: kernels may "
                                   "only use t, parameters and internals")
            factor = self._unit_of(var, node)
            return sp.Integer(int(factor)) if float(factor).is_integer() else sp.Float(factor)
        if node.is_encapsulated or (node.is_expression() and not node.is_unary_operator()
                                    and not node.is_logical_not):
            return self._sym(node.get_expression(), env)
        if node.is_unary_operator():
            op = node.get_unary_operator()
            inner = self._sym(node.get_expression(), env)
            if op.is_unary_minus:
                return -inner
            if op.is_unary_plus:
                return inner
        if node.is_compound_expression():
            op = node.get_binary_operator()
            a, b = self._sym(node.get_lhs(), env), self._sym(node.get_rhs(), env)
            if type(op).__name__ == "ASTArithmeticOperator":
                if op.is_plus_op:
                    return a + b
                if op.is_minus_op:
                    return a - b
                if op.is_times_op:
                    return a * b
                if op.is_div_op:
                    return a / b
                if op.is_pow_op:
                    return a ** b
        raise _Unsupported(node, "this operation cannot appear in a kernel",
                           "kernels use + - * / ** exp() ln() of t, parameters and internals")

    def _conv_text(self, conv: _Conv, env: _Env) -> str:
        """Value of convolve() ``env.stage`` steps after the start of the step."""
        if conv.delta:
            if env.delta is None:
                raise _Unsupported(self.kernels[conv.kernel], f"the delta kernel {conv.kernel!r} "
                                   "can only be convolved in an ODE",
                                   "in an ODE, convolve(K_delta, port) makes the variable jump "
                                   "by the weights at each spike")
            return env.delta
        parts = []
        for coeff, rate, n, keys in conv.terms:
            ys = [self.read(k) for k in keys]
            if env.stage == 0:
                inner = ys[n]
            else:  # propagated exactly to the stage: h = env.h_text after the step's start
                h = env.h_text
                pieces = [ys[n]] + [_power_term(h, k, ys[n - k]) for k in range(1, n + 1)]
                decay = self._shared(f"exp(({rate})*{h})", f"decay_{conv.kernel}")
                inner = f"{decay}*" + (f"({' + '.join(pieces)})" if n else ys[n])
            scale = self._shared(coeff, f"A_{conv.kernel}") + \
                (f"*{math.factorial(n)}" if n > 1 else "")
            parts.append(f"{scale}*{inner}")
        return "(" + " + ".join(parts) + ")"

    def _shared(self, text: str, base: str) -> str:
        """A value of parameters, internals and dt, computed once per step (at its
        first use, unconditionally) and shared by every later use."""
        if re.fullmatch(r"[\w.]+", text):
            return text
        if text not in self.shared:
            helper = self.helper(base)
            self.write(helper, text)
            self.shared[text] = self.cur[helper]
        return self.shared[text]

    def _conv_value(self, conv: _Conv, env: _Env) -> str:
        """convolve() in an ODE stage: computed once per step and stage offset
        (the kernel variables change only after the onReceive blocks)."""
        if not env.cache or conv.delta:
            return self._conv_text(conv, env)
        key = (conv.kernel, conv.port, env.h_text)
        if key not in self.conv_cache:
            helper = self.helper(f"conv_{conv.kernel}_{len(self.conv_cache) + 1}")
            self.write(helper, self._conv_text(conv, env))  # unconditional: used in any branch
            self.conv_cache[key] = self.cur[helper]
        return self.conv_cache[key]

    def _kernel_updates(self):
        for conv in self.convs.values():
            port = self.spike_ports[conv.port]
            for coeff, rate, n, keys in conv.terms:
                ys = [self.read(k) for k in keys]
                decay = self._shared(f"exp(({rate})*dt)", f"decay_{conv.kernel}")
                for j in range(n, -1, -1):  # highest first: y_j reads y_0..y_j of the start
                    pieces = [ys[j]] + [_power_term("dt", k, ys[j - k]) for k in range(1, j + 1)]
                    rhs = f"{decay}*({' + '.join(pieces)})" if len(pieces) > 1 else \
                        f"{decay}*{ys[j]}"
                    if j == 0:
                        rhs += f" + {port.raw}"
                    self.write(keys[j], rhs)
