"""Safe parsing of one ANNarchy-style expression into sympy.

User text is never evaluated. An expression goes through three stages:

1. **Tokens** (:func:`prepare`): a small tokenizer accepts numbers, ASCII
   names, operators and parentheses only (quotes, backslashes and anything
   else stop here), checks lengths, nesting depth and number sizes, and
   rewrites the ANNarchy spellings Python does not have: ``^`` becomes ``**``
   (so ``0.04*v^2`` keeps its precedence), ANNarchy's ``if c: a else: b``
   (and ``if c then a else b``) becomes ``ite(c, a, b)``, a keyword target
   ``sum(in)`` a placeholder, and on a left-hand side ``dv/dt`` becomes one
   placeholder name. Every rewritten token remembers its column in the
   original text, so errors point at what the user wrote.
2. **Python's ast** (``ast.parse(mode='eval')``) then a whitelist walk: only
   arithmetic, comparisons, ``and``/``or``/``not``, calls of plain names,
   names, numbers and (in synapses) ``pre.x``/``post.x`` pass.
3. **sympy** (:func:`convert`): the tree is turned into sympy objects built
   through :mod:`engine.language.symbols` and the function table of
   :mod:`engine.language.functions`, under a :class:`Scope` that says what
   each name means. Arithmetic on numbers is guarded (no ``9**9**9**9``, no
   division by zero, nothing above 1e308) because sympy would evaluate it.

Problems are raised as :class:`~engine.language.checks.Problem` (message,
hint, 0-based column) for :mod:`engine.language.strings` to place in a model;
:func:`parse_expression` is the stand-alone entry point and raises
:class:`~engine.errors.EquationError`.

Stages 1 and 2 live in :mod:`engine.language.expression_tokens`; this module
holds stage 3 and the names the front ends import.
"""

from __future__ import annotations

import ast
import itertools
import math
from dataclasses import dataclass, field

import sympy as sp

from engine.errors import Diagnostic, EquationError
from engine.language.checks import Problem, is_condition, suggest, unknown_name_hint
from engine.language.expression_tokens import (
    _CHAIN, DERIVATIVE_PREFIX, LARGEST, MAX_CHARS, MAX_DEPTH, MAX_NODES, MAX_TREE,
    TARGET_PREFIX, Prepared, prepare,
)
from engine.language.functions import FUNCTIONS, as_condition
from engine.language.random_draws import DISTRIBUTIONS
from engine.language.symbols import (
    DT, GLOBAL_OPERATIONS, T, global_op_symbol, post_symbol, pre_symbol, sum_symbol, symbol,
)

__all__ = [
    "Prepared",
    "Scope",
    "UserFunction",
    "prepare",
    "convert",
    "combine",
    "solve_linear",
    "parse_expression",
    "MAX_CHARS",
    "MAX_DEPTH",
    "LARGEST",
    "DERIVATIVE_PREFIX",
]

# --------------------------------------------------------------------------
# stage 3: sympy
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class UserFunction:
    """A function of the ``functions`` block: ``name(args) = body``.

    ``prepared`` is the body's parsed text; calls are inlined by converting
    it again with the arguments bound to the call's expressions, so every
    guard of the converter also applies to the inlined body. ``expr`` is the
    body with its arguments as symbols (for display in ``ModelIR.functions``).
    ``prepared`` is ``None`` for a function whose definition has an error.
    """

    name: str
    args: tuple[str, ...]
    prepared: Prepared | None
    expr: sp.Basic | None = None


class Scope:
    """What the names of an expression mean. The base knows only ``t`` and ``dt``.

    :mod:`engine.language.strings` subclasses it per block (a parameter value
    may use parameters only, an equation its model's names, a synapse
    ``pre.x``...). Every method raises :class:`Problem` for what it refuses.
    """

    def name(self, name: str) -> sp.Basic:
        """The value of a bare name."""
        if name == "t":
            return T
        if name == "dt":
            return DT
        raise Problem(f"unknown name '{name}'", unknown_name_hint(name, self.known_names()))

    def known_names(self) -> list[str]:
        """Names offered as suggestions for a misspelling."""
        return ["t", "dt"]

    def attribute(self, owner: str, attr: str) -> sp.Basic:
        """``pre.x`` / ``post.x``: only synapses accept them."""
        raise Problem(f"'{owner}.{attr}': pre. and post. are only available in synapses")

    def sum(self, target: str) -> sp.Basic:
        """``sum(target)``: only rate-coded neuron equations accept it."""
        raise Problem("sum() is not available here",
                      "sum(target) is the weighted input of a neuron's equations")

    def draw(self) -> int:
        """A fresh occurrence number for a random draw."""
        raise Problem("random draws are not allowed here")

    def global_op(self, op: str, side: str, name: str) -> sp.Basic:
        """``mean(r)`` (``side`` ``""``), ``mean(pre.r)``: only equations accept them."""
        raise Problem(f"{op}() over a population is not available here")

    def user_function(self, name: str) -> UserFunction | None:
        """A user function of that name, if any."""
        return None

    def function_names(self) -> list[str]:
        """Names of callable functions (for suggestions)."""
        return sorted(FUNCTIONS) + sorted(DISTRIBUTIONS)


class _FreeScope(Scope):
    """Stand-alone parsing: every valid name is a symbol, draws are numbered."""

    def __init__(self):
        self._draws = itertools.count()

    def name(self, name):
        return T if name == "t" else DT if name == "dt" else symbol(name)

    def attribute(self, owner, attr):
        return pre_symbol(attr) if owner == "pre" else post_symbol(attr)

    def sum(self, target):
        return sum_symbol(target)

    def global_op(self, op, side, name):
        return global_op_symbol(op, name, side)

    def draw(self):
        return next(self._draws)


_BAD = (sp.zoo, sp.nan, sp.oo, -sp.oo)

#: float twins of the function table, to bound numeric sub-expressions cheaply
_FLOAT_FUNCTIONS = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos,
    "tan": math.tan, "tanh": math.tanh, "abs": abs, "fabs": abs, "power": pow, "pow": pow,
    "clip": lambda x, lo, hi: min(max(x, lo), hi),
    "pos": lambda x: max(x, 0.0), "positive": lambda x: max(x, 0.0),
    "neg": lambda x: min(x, 0.0), "negative": lambda x: min(x, 0.0),
    "modulo": lambda a, b: a % b, "heaviside": lambda x: 1.0 if x > 0 else 0.0,
    "min": min, "max": max,
}


def _too_large(col) -> Problem:
    return Problem("number too large", f"numbers must stay within the range of a double (at most {LARGEST!r} in magnitude)", col=col)


class _Guard:
    """Keeps every sub-expression small and every number sane, at constant cost per node.

    Two twins are kept for what the converter builds:

    - a **size**: the number of nodes of the tree with repetitions. Inlined
      functions share sub-expressions, so ``f1(x) = f0(f0(x))``,
      ``f2(x) = f1(f1(x))``... build trees whose size squares at every level
      while the memory holds few objects; sympy walks trees without
      memoising (``free_symbols``, assumptions), so such a tree hangs it. The
      size of a node is known *before* sympy builds it, from its operands.
    - a **float** for numeric nodes: sympy keeps ``sin(exp(exp(exp(3))))``
      unevaluated, but printing or comparing it later calls ``evalf``, which
      then needs pi to millions of digits. The float is computed from the
      operands' floats with Python's ``math`` (never sympy's ``evalf``) and
      must stay real, finite and below :data:`LARGEST`.
    """

    def __init__(self):
        self.sizes: dict[sp.Basic, int] = {}
        self.floats: dict[sp.Basic, float] = {}

    def value(self, expr: sp.Basic) -> float | None:
        if expr.is_Number:
            try:
                return float(expr)
            except OverflowError:
                return math.inf
        if expr is sp.pi or expr is sp.E:
            return float(expr)
        return self.floats.get(expr)

    def build(self, make, operands, col, compute=None) -> sp.Basic:
        """``make()`` if its tree stays small, then check the number it gives.

        Parameters
        ----------
        make : callable
            Builds the sympy node from ``operands``.
        operands : sequence of sympy expressions
        col : int or None
            Where to report a problem.
        compute : callable, optional
            The same operation on floats (``None``: no float twin).
        """
        size = 1 + sum(self.sizes.get(o, 1) for o in operands)
        if size > MAX_TREE:
            raise Problem("expression too large (after inlining functions)",
                          "split it with intermediate variables", col=col)
        result = make()
        if size > 1:
            self.sizes[result] = size
        if result in _BAD or any(a in _BAD for a in result.args):
            raise Problem("division by zero or undefined value", col=col)
        if result.is_Number:
            if not abs(self.value(result)) <= LARGEST:
                raise _too_large(col)
            return result
        floats = [self.value(o) for o in operands]
        if compute is None or any(f is None for f in floats):
            return result
        try:
            f = compute(*floats)
        except OverflowError:
            raise _too_large(col) from None
        except ZeroDivisionError:
            raise Problem("division by zero", col=col) from None
        except (ValueError, TypeError):
            raise Problem("this expression is not a real number", col=col) from None
        if isinstance(f, complex):
            raise Problem("this expression is not a real number", col=col)
        if f != f:
            raise Problem("undefined value", col=col)
        if abs(f) > LARGEST:
            raise _too_large(col)
        self.floats[result] = float(f)
        return result


@dataclass
class _State:
    """Shared by the converters of one expression and the functions it inlines."""

    left: int = MAX_NODES
    guard: _Guard = field(default_factory=_Guard)


def _numeric(value: sp.Basic, col) -> sp.Basic:
    if is_condition(value):
        raise Problem("a condition cannot be used as a number",
                      "write 'if condition: 1 else: 0' (or 'if condition then 1 else 0')",
                      col=col)
    return value


def _power(base: sp.Basic, exp: sp.Basic, col, guard: _Guard) -> sp.Basic:
    """``base ** exp`` without letting sympy compute a gigantic exact number."""
    if base.is_Number and exp.is_Number:
        b, e = abs(float(base)), float(exp)
        if b == 0 and e < 0:
            raise Problem("division by zero (0 to a negative power)", col=col)
        if b not in (0.0, 1.0) and abs(e) * abs(math.log10(b)) > math.log10(LARGEST):
            raise _too_large(col)
    return guard.build(lambda: sp.Pow(base, exp), (base, exp), col, pow)


def combine(op: str, left: sp.Basic, right: sp.Basic, col: int | None = None) -> sp.Basic:
    """``left op right`` for the increment operators ``+ - * /``, with the same guards.

    Used for ``x += e`` (stored as ``x = x + e``).
    """
    left, right = _numeric(left, col), _numeric(right, col)
    if op == "/" and right == 0:
        raise Problem("division by zero", col=col)
    make = {"+": lambda: left + right, "-": lambda: left - right,
            "*": lambda: left * right, "/": lambda: left / right}[op]
    return _Guard().build(make, (left, right), col)


def solve_linear(lhs: sp.Basic, rhs: sp.Basic, unknown: sp.Symbol) -> sp.Basic:
    """Solve ``lhs = rhs`` for ``unknown`` when it appears linearly (implicit ODE forms).

    ``tau*dv/dt + v = I`` gives ``dv/dt = (I - v)/tau``. ``unknown`` may sit
    only in sums and products (``tau*(dv/dt + v)`` is fine); inside a power,
    a function or a condition it is nonlinear. A plain ``dv/dt = f`` never
    comes here: its right-hand side is kept exactly as written.

    Raises
    ------
    Problem
        Nonlinear occurrence, or a coefficient that is zero.
    """
    expr = lhs - rhs
    stack = [expr]
    while stack:
        node = stack.pop()
        if node == unknown or unknown not in node.free_symbols:
            continue
        if isinstance(node, sp.Mul):
            if sum(unknown in a.free_symbols for a in node.args) > 1:
                raise Problem("the derivative appears nonlinearly",
                              "write the ODE as dx/dt = f or a*dx/dt + b = c")
        elif not isinstance(node, sp.Add):
            raise Problem("the derivative appears nonlinearly",
                          "write the ODE as dx/dt = f or a*dx/dt + b = c")
        stack.extend(node.args)
    coefficient = sp.diff(expr, unknown)
    if coefficient == 0:
        raise Problem("the derivative has a zero coefficient",
                      "write the ODE as dx/dt = f or a*dx/dt + b = c")
    rest = expr.xreplace({unknown: sp.Integer(0)})
    return -rest / coefficient


_COMPARE = {ast.Eq: sp.Eq, ast.NotEq: sp.Ne, ast.Lt: sp.Lt, ast.LtE: sp.Le,
            ast.Gt: sp.Gt, ast.GtE: sp.Ge}


def _plural(n: int) -> str:
    return f"{n} argument" + ("" if n == 1 else "s")


class _Converter:
    """Turns a whitelisted ast into sympy, one node kind per method."""

    def __init__(self, prepared: Prepared, scope: Scope, bindings: dict[str, sp.Basic],
                 state: _State, inlining: tuple[str, ...] = ()):
        self.prep = prepared
        self.scope = scope
        self.bindings = bindings
        self.state = state
        self.guard = state.guard
        self.inlining = inlining

    def col(self, node: ast.AST) -> int | None:
        return self.prep.original_col(getattr(node, "col_offset", None))

    def __call__(self, node: ast.AST) -> sp.Basic:
        self.state.left -= 1
        if self.state.left < 0:
            raise Problem("expression too large (after inlining functions)",
                          "split it with intermediate variables", col=self.col(node))
        method = getattr(self, "visit_" + type(node).__name__)
        try:
            return method(node)
        except Problem as p:
            raise p.at(self.col(node))
        except (TypeError, ValueError, AttributeError, ArithmeticError, RecursionError,
                MemoryError) as exc:
            raise Problem(f"cannot build this expression ({type(exc).__name__})",
                          col=self.col(node)) from exc

    # -- leaves --------------------------------------------------------------
    def visit_Constant(self, node: ast.Constant) -> sp.Basic:
        v = node.value
        if isinstance(v, bool):
            return sp.true if v else sp.false
        if isinstance(v, int):
            return self.guard.build(lambda: sp.Integer(v), (), self.col(node))
        if isinstance(v, float):
            if not math.isfinite(v) or abs(v) > LARGEST:
                raise Problem("number too large", col=self.col(node))
            return sp.Float(v)
        if isinstance(v, str):
            raise Problem("string literals are not allowed in equations")
        raise Problem(f"{type(v).__name__} values are not allowed in equations")

    def visit_Name(self, node: ast.Name) -> sp.Basic:
        name = node.id
        if name in self.bindings:
            return self.bindings[name]
        if name.startswith("_"):
            raise Problem(f"names starting with '_' are not allowed ('{name}')")
        if self.inlining:
            raise Problem(f"unknown name '{name}'",
                          "function bodies may only use their arguments")
        return self.scope.name(name)

    def visit_Attribute(self, node: ast.Attribute) -> sp.Basic:
        owner = node.value
        if not (isinstance(owner, ast.Name) and owner.id in ("pre", "post")):
            raise Problem("attribute access is not allowed in equations",
                          "only pre.<name> and post.<name>, inside synapses")
        if node.attr.startswith("_"):
            raise Problem(f"names starting with '_' are not allowed ('{node.attr}')")
        return self.scope.attribute(owner.id, node.attr)

    # -- operators -----------------------------------------------------------
    def _chain(self, node: ast.BinOp, family: str) -> list[tuple[type, ast.AST]]:
        """Operands of a left-nested chain of the same family, iteratively."""
        items: list[tuple[type, ast.AST]] = []
        while isinstance(node, ast.BinOp) and _CHAIN.get(type(node.op)) == family:
            items.append((type(node.op), node.right))
            node = node.left
        items.append((ast.Add if family == "add" else ast.Mult, node))
        items.reverse()
        return items

    def visit_BinOp(self, node: ast.BinOp) -> sp.Basic:
        col = self.col(node)
        family = _CHAIN.get(type(node.op))
        if family == "add":
            terms = []
            for op, child in self._chain(node, family):
                v = _numeric(self(child), self.col(child))
                terms.append(v if op is ast.Add else self._negate(v, self.col(child)))
            return self.guard.build(lambda: sp.Add(*terms), terms, col, lambda *f: math.fsum(f))
        if family == "mul":
            factors = []
            for op, child in self._chain(node, family):
                v = _numeric(self(child), self.col(child))
                if op is ast.Div:
                    if v == 0:
                        raise Problem("division by zero", col=self.col(child))
                    v = _power(v, sp.Integer(-1), self.col(child), self.guard)
                factors.append(v)
            return self.guard.build(lambda: sp.Mul(*factors), factors, col,
                                    lambda *f: math.prod(f))
        left = _numeric(self(node.left), self.col(node.left))
        right = _numeric(self(node.right), self.col(node.right))
        if isinstance(node.op, ast.Pow):
            return _power(left, right, col, self.guard)
        if right == 0:  # Mod
            raise Problem("modulo by zero", col=self.col(node.right))
        return self.guard.build(lambda: sp.Mod(left, right), (left, right), col,
                                lambda a, b: a % b)

    def _negate(self, value: sp.Basic, col) -> sp.Basic:
        return self.guard.build(lambda: -value, (value,), col, lambda f: -f)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> sp.Basic:
        value = self(node.operand)
        if isinstance(node.op, ast.Not):
            cond = self._condition(value)
            return self.guard.build(lambda: sp.Not(cond), (cond,), self.col(node))
        value = _numeric(value, self.col(node.operand))
        return self._negate(value, self.col(node)) if isinstance(node.op, ast.USub) else value

    def _condition(self, value: sp.Basic) -> sp.Basic:
        return as_condition(value)

    def visit_BoolOp(self, node: ast.BoolOp) -> sp.Basic:
        values = [self._condition(self(v)) for v in node.values]
        op = sp.And if isinstance(node.op, ast.And) else sp.Or
        return self.guard.build(lambda: op(*values), values, self.col(node))

    def visit_Compare(self, node: ast.Compare) -> sp.Basic:
        operands = [node.left] + list(node.comparators)
        values = [_numeric(self(o), self.col(o)) for o in operands]
        col = self.col(node)
        parts = [self.guard.build(lambda op=op, a=a, b=b: _COMPARE[type(op)](a, b), (a, b), col)
                 for op, a, b in zip(node.ops, values, values[1:])]
        return parts[0] if len(parts) == 1 else self.guard.build(lambda: sp.And(*parts),
                                                                 parts, col)

    # -- calls ---------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> sp.Basic:
        func = node.func
        if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id in ("pre", "post") and func.attr == "sum"):
            # pre.sum(exc) / post.sum(exc) in a synapse: that neuron's weighted input
            side = func.value.id
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Name) \
                    or node.args[0].id.startswith("_"):
                raise Problem(f"{side}.sum() takes exactly one target name",
                              f"write {side}.sum(exc) for the input of target 'exc'")
            return self.scope.attribute(side, f"sum({node.args[0].id})")
        if not isinstance(func, ast.Name):
            raise Problem("only named functions can be called, as in exp(x)")
        name = node.func.id
        if name.startswith("_"):
            raise Problem(f"names starting with '_' are not allowed ('{name}')")
        nargs = len(node.args)
        if name == "sum":
            if self.inlining:
                raise Problem("sum() cannot be used in functions",
                              "pass sum(target) as an argument instead")
            if nargs != 1 or not isinstance(node.args[0], ast.Name):
                raise Problem("sum() takes exactly one target name",
                              "write sum(exc) for the input of target 'exc'")
            target = node.args[0].id
            if target.startswith(TARGET_PREFIX):  # sum(in): a keyword target
                target = self.prep.targets[int(target[len(TARGET_PREFIX):])]
            elif target.startswith("_"):
                raise Problem(f"names starting with '_' are not allowed ('{target}')")
            return self.scope.sum(target)
        fn = self.scope.user_function(name)
        if fn is not None:
            return self._inline(node, fn)
        if name in GLOBAL_OPERATIONS and (nargs == 1 or name not in FUNCTIONS):
            return self._global_op(node, name)
        if name in DISTRIBUTIONS:
            dist = DISTRIBUTIONS[name]
            if nargs != dist.arity:
                raise Problem(f"{name}() takes {_plural(dist.arity)} ({dist.signature()}), "
                              f"got {nargs}")
            if self.inlining:
                raise Problem("random draws are not allowed in functions")
            params = [_numeric(self(a), self.col(a)) for a in node.args]
            occurrence = self.scope.draw()
            return self.guard.build(lambda: draw_from(name, params, occurrence), params,
                                    self.col(node))
        spec = FUNCTIONS.get(name)
        if spec is None:
            known = self.scope.function_names()
            raise Problem(f"unknown function '{name}'", suggest(name, known)
                          or "built-in functions are: " + ", ".join(sorted(FUNCTIONS))
                          + "; define your own in the functions block")
        if nargs not in spec.nargs:
            want = " or ".join(str(n) for n in spec.nargs)
            raise Problem(f"{name}() takes {want} argument{'s' if spec.nargs != (1,) else ''}, "
                          f"got {nargs}")
        args = [self(a) for a in node.args]
        for k, (a, v) in enumerate(zip(node.args, args)):
            if not (name == "ite" and k == 0):
                _numeric(v, self.col(a))
        if name in ("power", "pow"):
            _power(args[0], args[1], self.col(node), self.guard)
        return self.guard.build(lambda: spec.build(*args), args, self.col(node),
                                _FLOAT_FUNCTIONS.get(name))

    def _global_op(self, node: ast.Call, op: str) -> sp.Basic:
        """``mean(r)``, ``max(post.r)``...: one value over a whole population."""
        hint = (f"{op}() takes one variable of the population, as in {op}(r) "
                f"(in a synapse {op}(pre.r) or {op}(post.r))")
        if self.inlining:
            raise Problem(f"{op}() cannot be used in functions",
                          f"pass {op}(<variable>) as an argument instead")
        if len(node.args) != 1 or node.keywords:
            raise Problem(f"{op}() takes exactly one variable", hint)
        arg = node.args[0]
        if isinstance(arg, ast.Name):
            return self.scope.global_op(op, "", arg.id)
        if (isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name)
                and arg.value.id in ("pre", "post")):
            return self.scope.global_op(op, arg.value.id, arg.attr)
        raise Problem(f"{op}() of an expression is not supported", hint)

    def _inline(self, node: ast.Call, fn: UserFunction) -> sp.Basic:
        if fn.prepared is None:
            raise Problem(f"function '{fn.name}' cannot be used: its definition has an error")
        if fn.name in self.inlining:
            raise Problem(f"circular definition of function '{fn.name}'")
        if len(node.args) != len(fn.args):
            raise Problem(f"{fn.name}() takes {_plural(len(fn.args))} "
                          f"({', '.join(fn.args)}), got {len(node.args)}")
        values = [_numeric(self(a), self.col(a)) for a in node.args]
        inner = _Converter(fn.prepared, self.scope, dict(zip(fn.args, values)), self.state,
                           self.inlining + (fn.name,))
        try:
            return inner(fn.prepared.tree.body)
        except Problem as p:
            raise Problem(f"in function '{fn.name}': {p.message}", p.hint,
                          col=self.col(node)) from None


def convert(prepared: Prepared, scope: Scope,
            bindings: dict[str, sp.Basic] | None = None, *,
            function: str | None = None) -> sp.Basic:
    """Build the sympy expression of a prepared expression under a scope.

    Parameters
    ----------
    prepared : Prepared
        From :func:`prepare`.
    scope : Scope
        What names, ``pre.x``, ``sum()`` and draws mean here.
    bindings : dict, optional
        Names with a fixed meaning that take precedence over the scope (the
        derivative placeholders of a left-hand side, function arguments).
    function : str, optional
        Convert the body of this user function: only ``bindings`` are names.

    Raises
    ------
    Problem
        With the 0-based column in ``prepared.text``.
    """
    inlining = (function,) if function else ()
    conv = _Converter(prepared, scope, dict(bindings or {}), _State(), inlining)
    return conv(prepared.tree.body)


def parse_expression(text: str, scope: Scope | None = None) -> sp.Basic:
    """Parse one expression to sympy (stand-alone entry point).

    Parameters
    ----------
    text : str
        An ANNarchy-style expression (``0.04*v^2 + 5*v``, ``if v > 0: 1 else: 0``).
    scope : Scope, optional
        Meaning of names; by default every valid name is a model symbol.

    Returns
    -------
    sympy.Basic

    Raises
    ------
    EquationError
        With one diagnostic: the message, the 1-based column and a hint.
    """
    try:
        return convert(prepare(text), scope or _FreeScope())
    except Problem as p:
        col = None if p.col is None else p.col + 1
        raise EquationError(Diagnostic(p.message, col=col, text=text, hint=p.hint)) from p


def draw_from(dist_name: str, params, occurrence: int) -> sp.Expr:
    """Build the sympy draw of distribution ``dist_name`` (string front end).

    Raises
    ------
    Problem
        Numeric parameters outside the distribution's domain
        (``Normal(0, -1)``, ``Uniform(2, 1)``).
    """
    cls = DISTRIBUTIONS[dist_name]
    if all(isinstance(p, sp.Number) for p in params):
        problem = cls.check_params(tuple(float(p) for p in params))
        if problem:
            shown = ", ".join(f"{float(p):g}" for p in params)
            raise Problem(f"{dist_name}({shown}): {problem}",
                          f"write {dist_name}({cls.signature()})")
    return cls.draw(*params, sp.Integer(occurrence))
