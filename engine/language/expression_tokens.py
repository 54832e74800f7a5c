"""Stages 1 and 2 of parsing an expression (:func:`prepare`): the tokenizer
with its ANNarchy rewrites (``^``, ``if c: a else: b`` and ``if c then a else
b``, ``dv/dt``, ``sum(in)`` with a target named like a Python keyword) and Python's
``ast`` checked against a whitelist. Nothing here evaluates anything. See
:mod:`engine.language.expressions` for the whole pipeline.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import math
import re
import sys
from dataclasses import dataclass

from engine.language.checks import UNIT_NAMES, Problem, unknown_name_hint

#: longest expression (and block) accepted, in characters
MAX_CHARS = 20_000
#: deepest nesting of parentheses, unary operators and powers
MAX_DEPTH = 60
#: largest magnitude of a number in an expression: the largest finite double
#: (every finite float64 is accepted; what overflows to inf is not)
LARGEST = sys.float_info.max
#: most syntax-tree nodes visited for one expression, user functions inlined
MAX_NODES = 100_000
#: largest sympy tree (nodes counted with repetitions) one expression may build
MAX_TREE = 20_000

_TOKEN = re.compile(
    r"(?P<ws>[ \t\f\r]+)"
    r"|(?P<number>(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|==|!=|<=|>=|:=|->|<<|>>|[-+*/%^<>()\[\]{},.:=~&|@!;])"
    r"|(?P<quote>['\"])"
)
_OPERAND_END = {"name", "number"}
_PREFIX_WORDS = {"not", "and", "or", "if", "then", "else"}
DERIVATIVE_PREFIX = "__derivative_"
#: placeholder of a ``sum(<target>)`` whose target is a Python keyword (``sum(in)``)
TARGET_PREFIX = "__target_"
#: the hint of every malformed conditional (ANNarchy's form first)
ITE_HINT = "write 'if condition: a else: b' (or 'if condition then a else b')"


@dataclass(frozen=True)
class _Tok:
    kind: str  # 'name', 'number', 'op'
    text: str
    col: int  # 0-based column in the original text
    length: int = 0


@dataclass(frozen=True)
class Prepared:
    """An expression checked at token level and parsed by ``ast``.

    Attributes
    ----------
    text : str
        The original text.
    tree : ast.Expression
        The whitelisted tree of the rewritten text.
    derivatives : tuple of (str, int)
        For left-hand sides: the variable of each ``d<name>/dt`` with its
        0-based column; each is the name ``__derivative_<i>`` in ``tree``.
    targets : tuple of str
        Targets of ``sum()`` that are Python keywords (``sum(in)``): the
        ``i``-th is the name ``__target_<i>`` in ``tree``.
    """

    text: str
    tree: ast.Expression
    starts: tuple[int, ...] = ()  # column of each token in the rewritten text
    cols: tuple[int, ...] = ()  # its column in the original text
    lengths: tuple[int, ...] = ()
    derivatives: tuple[tuple[str, int], ...] = ()
    targets: tuple[str, ...] = ()

    def original_col(self, offset: int | None) -> int | None:
        """Map a 0-based column of the rewritten text back to the original text."""
        if offset is None or not self.starts:
            return None
        k = bisect.bisect_right(self.starts, offset) - 1
        if k < 0:
            return self.cols[0]
        return self.cols[k] + min(offset - self.starts[k], self.lengths[k])


# --------------------------------------------------------------------------
# stage 1: tokens
# --------------------------------------------------------------------------

def _tokenize(text: str) -> list[_Tok]:
    if len(text) > MAX_CHARS:
        raise Problem(f"expression too long ({len(text)} characters, at most {MAX_CHARS})",
                      "split it with intermediate variables", col=0)
    out: list[_Tok] = []
    stack: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            what = "an expression must fit on one line" if ch == "\n" else (
                f"unexpected character {ch!r}")
            raise Problem(what, "expressions use numbers, names, + - * / ^ ( ) and "
                                "comparisons", col=pos)
        kind = m.lastgroup
        tok = m.group()
        if kind == "quote":
            raise Problem("string literals are not allowed in equations", col=pos)
        if kind == "number":
            follow = text[m.end():m.end() + 1]
            if follow and (follow.isalnum() or follow in "_."):
                raise Problem(f"invalid number '{tok}{follow}'",
                              "numbers are written 12, 0.5 or 1e-3", col=pos)
            if math.isinf(float(tok)):
                raise Problem(f"number too large: {tok[:20]}",
                              f"numbers must stay within the range of a double (at most {LARGEST!r} in magnitude)", col=pos)
        if kind != "ws":
            t = _Tok(kind, tok, pos, len(tok))
            if tok in "([{":
                stack.append(t)
                if len(stack) > MAX_DEPTH:
                    raise Problem(f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                                  "split it with intermediate variables", col=pos)
            elif tok in ")]}":
                if not stack:
                    raise Problem(f"unmatched '{tok}'", "remove it or add the missing '('",
                                  col=pos)
                opener = stack.pop()
                if "([{".index(opener.text) != ")]}".index(tok):
                    raise Problem(f"'{tok}' does not match '{opener.text}'", col=pos)
            out.append(t)
        pos = m.end()
    if stack:
        raise Problem(f"'{stack[-1].text}' was never closed", "add the missing ')'",
                      col=stack[-1].col)
    return out


def _starts_operand(prev: _Tok | None) -> bool:
    """True when the next token begins an operand (so ``if`` is ANNarchy's)."""
    if prev is None:
        return True
    if prev.kind == "name":
        return prev.text in _PREFIX_WORDS
    if prev.kind == "number":
        return False
    return prev.text not in ")]}"


def _rewrite_derivatives(toks: list[_Tok]) -> tuple[list[_Tok], list[tuple[str, int]]]:
    out: list[_Tok] = []
    found: list[tuple[str, int]] = []
    i = 0
    while i < len(toks):
        a = toks[i]
        if (a.kind == "name" and len(a.text) > 1 and a.text[0] == "d" and i + 2 < len(toks)
                and toks[i + 1].text == "/" and toks[i + 2].text == "dt"):
            end = toks[i + 2]
            out.append(_Tok("name", f"{DERIVATIVE_PREFIX}{len(found)}", a.col,
                            end.col + end.length - a.col))
            found.append((a.text[1:], a.col))
            i += 3
            continue
        out.append(a)
        i += 1
    return out, found


def _scan(toks: list[_Tok], start: int, want: str) -> int | None:
    """Index of the ``then`` (or ``:``) / ``else`` matching an ``if``, at the same depth."""
    depth = 0
    pending = 0
    for j in range(start, len(toks)):
        t = toks[j].text
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0:
            if t == ",":
                return None
            if t == "if" and _starts_operand(toks[j - 1] if j else None):
                pending += 1
            elif pending == 0 and (t == want or (want == "then" and t == ":")):
                return j
            elif t == "else" and pending:
                pending -= 1
            elif t == "else" and want == "then":  # 'if c else ...': the ':' is missing
                return None
    return None


def _branch_end(toks: list[_Tok], start: int) -> int:
    """Where an ``else`` branch stops: the enclosing ``)``, a ``,`` or the end."""
    depth = 0
    for j in range(start, len(toks)):
        t = toks[j].text
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
            if depth < 0:
                return j
        elif t == "," and depth == 0:
            return j
    return len(toks)


def _rewrite_conditionals(toks: list[_Tok]) -> list[_Tok]:
    """``if c: a else: b`` and ``if c then a else b`` -> ``ite(c, a, b)``.

    ANNarchy's form puts a ``:`` after the condition and after ``else``; the
    engine's older form uses ``then``. Both nest (``else: if ...`` included)
    and may be mixed.
    """
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if not (tok.text == "if" and tok.kind == "name"
                and _starts_operand(toks[i - 1] if i else None)):
            out.append(tok)
            i += 1
            continue
        then_at = _scan(toks, i + 1, "then")
        if then_at is None:
            raise Problem("'if' without ':' (or 'then') after its condition", ITE_HINT,
                          col=tok.col)
        else_at = _scan(toks, then_at + 1, "else")
        if else_at is None:
            raise Problem("'if' without 'else'", ITE_HINT, col=tok.col)
        else_end = else_at + 1
        if else_end < len(toks) and toks[else_end].text == ":":
            else_end += 1
        end = _branch_end(toks, else_end)
        parts = (toks[i + 1:then_at], toks[then_at + 1:else_at], toks[else_end:end])
        for part, word, at in zip(parts, ("if", toks[then_at].text, toks[else_end - 1].text),
                                  (tok, toks[then_at], toks[else_end - 1])):
            if not part:
                raise Problem(f"nothing after '{word}'", ITE_HINT, col=at.col)
        close_col = toks[end - 1].col + toks[end - 1].length
        out += [_Tok("name", "ite", tok.col, tok.length), _Tok("op", "(", tok.col)]
        out += _rewrite_conditionals(parts[0])
        out.append(_Tok("op", ",", toks[then_at].col, toks[then_at].length))
        out += _rewrite_conditionals(parts[1])
        out.append(_Tok("op", ",", toks[else_at].col, toks[else_at].length))
        out += _rewrite_conditionals(parts[2])
        out.append(_Tok("op", ")", close_col))
        i = end
    return out


def _check_leftover_words(toks: list[_Tok]) -> None:
    has_if = any(t.text == "if" for t in toks)
    for t in toks:
        if t.text == "then" or (t.text == "else" and not has_if):
            raise Problem(f"'{t.text}' without 'if'", ITE_HINT, col=t.col)


def _rewrite_keyword_targets(toks: list[_Tok]) -> tuple[list[_Tok], list[str]]:
    """``sum(in)``: a target may be any name, Python keywords included (as ANNarchy).

    The keyword becomes the placeholder ``__target_<i>``; the converter maps
    it back (:attr:`Prepared.targets`). Nothing else may use a keyword.
    """
    out = list(toks)
    found: list[str] = []
    for i in range(len(toks) - 3):
        a, b, c, d = toks[i:i + 4]
        if (a.text == "sum" and b.text == "(" and c.kind == "name" and d.text == ")"
                and keyword.iskeyword(c.text)
                and (i == 0 or toks[i - 1].text not in (".",))):
            out[i + 2] = _Tok("name", f"{TARGET_PREFIX}{len(found)}", c.col, c.length)
            found.append(c.text)
    return out, found


def _reject_placeholders(toks: list[_Tok]) -> None:
    """Names the rewrites use for themselves cannot be written by the user."""
    for t in toks:
        if t.kind == "name" and t.text.startswith((DERIVATIVE_PREFIX, TARGET_PREFIX)):
            raise Problem(f"names starting with '_' are not allowed ('{t.text}')", col=t.col)


def _unary_runs(toks: list[_Tok]) -> None:
    """Reject long chains of prefix operators and powers before Python parses them."""
    run = 0
    powers = 0
    prev = None
    for t in toks:
        if t.text in ("-", "+", "~", "not") and _starts_operand(prev):
            run += 1
            if run > MAX_DEPTH:
                raise Problem(f"expression nested too deeply (more than {MAX_DEPTH} "
                              "prefix operators)", col=t.col)
        else:
            run = 0
        if t.text in ("**", "^"):
            powers += 1
            if powers > MAX_DEPTH:
                raise Problem(f"expression nested too deeply (more than {MAX_DEPTH} powers)",
                              col=t.col)
        prev = t


# --------------------------------------------------------------------------
# stage 2: Python's ast and the whitelist
# --------------------------------------------------------------------------

_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call, ast.Name,
    ast.Constant, ast.Attribute, ast.Load,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod,
    ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
)
_COMPREHENSION = "comprehensions are not allowed in equations"
_FORBIDDEN: dict[type, tuple[str, str]] = {
    ast.Lambda: ("lambda expressions are not allowed in equations",
                 "define a function in the functions block"),
    ast.Subscript: ("subscripts (x[...]) are not allowed in equations", ""),
    ast.Slice: ("slices are not allowed in equations", ""),
    ast.List: ("lists are not allowed in equations", ""),
    ast.Tuple: ("tuples are not allowed in equations", "check commas and parentheses"),
    ast.Set: ("sets are not allowed in equations", ""),
    ast.Dict: ("dictionaries are not allowed in equations", ""),
    ast.ListComp: (_COMPREHENSION, ""),
    ast.SetComp: (_COMPREHENSION, ""),
    ast.DictComp: (_COMPREHENSION, ""),
    ast.GeneratorExp: (_COMPREHENSION, ""),
    ast.NamedExpr: ("assignment expressions (:=) are not allowed in equations", ""),
    ast.IfExp: ("Python conditional expressions are not allowed in equations", ITE_HINT),
    ast.JoinedStr: ("string literals are not allowed in equations", ""),
    ast.Starred: ("starred arguments are not allowed in equations", ""),
    ast.keyword: ("keyword arguments are not allowed in equations",
                  "pass arguments by position, as in clip(x, 0, 1)"),
    ast.Await: ("'await' is not allowed in equations", ""),
    ast.Yield: ("'yield' is not allowed in equations", ""),
    ast.YieldFrom: ("'yield' is not allowed in equations", ""),
    ast.FloorDiv: ("operator '//' is not allowed", "use '/' (and modulo() for remainders)"),
    ast.MatMult: ("operator '@' is not allowed", ""),
    ast.BitAnd: ("operator '&' is not allowed", "use 'and'"),
    ast.BitOr: ("operator '|' is not allowed", "use 'or'"),
    ast.BitXor: ("operator '^' is not allowed", ""),
    ast.LShift: ("operator '<<' is not allowed", ""),
    ast.RShift: ("operator '>>' is not allowed", ""),
    ast.Invert: ("operator '~' is not allowed", "use 'not'"),
    ast.Is: ("'is' comparisons are not allowed", "use '=='"),
    ast.IsNot: ("'is not' comparisons are not allowed", "use '!='"),
    ast.In: ("'in' comparisons are not allowed", ""),
    ast.NotIn: ("'not in' comparisons are not allowed", ""),
}
_CHAIN = {ast.Add: "add", ast.Sub: "add", ast.Mult: "mul", ast.Div: "mul"}


def _whitelist(tree: ast.Expression, owner_col) -> None:
    """Reject forbidden node types and trees too deep to convert recursively.

    Left-nested chains of ``+ -`` or ``* /`` do not count as depth: the
    converter flattens them iteratively.
    """
    stack: list[tuple[ast.AST, int, ast.AST | None]] = [(tree, 0, None)]
    while stack:
        node, depth, col_node = stack.pop()
        if hasattr(node, "col_offset"):
            col_node = node
        if not isinstance(node, _ALLOWED):
            message, hint = _FORBIDDEN.get(
                type(node), (f"'{type(node).__name__}' is not allowed in equations", ""))
            raise Problem(message, hint, col=owner_col(col_node))
        if depth > 2 * MAX_DEPTH:
            raise Problem(f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                          "split it with intermediate variables", col=owner_col(col_node))
        for child in ast.iter_child_nodes(node):
            flat = (isinstance(node, ast.BinOp) and child is node.left
                    and isinstance(child, ast.BinOp)
                    and _CHAIN.get(type(child.op)) == _CHAIN.get(type(node.op)) is not None)
            stack.append((child, depth if flat else depth + 1, col_node))


def prepare(text: str, *, lhs: bool = False) -> Prepared:
    """Tokenize, rewrite and parse one expression, without giving names a meaning.

    Parameters
    ----------
    text : str
        One expression on one line (no ``=`` statement, no flags).
    lhs : bool
        The text is the left-hand side of an equation: ``d<name>/dt`` is a
        derivative (see :attr:`Prepared.derivatives`).

    Raises
    ------
    Problem
        Any token-level, syntax or whitelist problem, with its column.
    """
    if not text.strip():
        raise Problem("empty expression", "write an expression", col=0)
    toks = _tokenize(text)
    _reject_placeholders(toks)
    derivatives: list[tuple[str, int]] = []
    if lhs:
        toks, derivatives = _rewrite_derivatives(toks)
    toks, targets = _rewrite_keyword_targets(toks)
    toks = [_Tok(t.kind, "**", t.col, t.length) if t.text == "^" else t for t in toks]
    _unary_runs(toks)
    toks = _rewrite_conditionals(toks)
    _check_leftover_words(toks)
    starts, pieces, pos = [], [], 0
    for t in toks:
        starts.append(pos)
        pieces.append(t.text)
        pos += len(t.text) + 1
    source = " ".join(pieces)
    prep = Prepared(text=text, tree=ast.Expression(body=ast.Constant(0)), starts=tuple(starts),
                    cols=tuple(t.col for t in toks), lengths=tuple(t.length for t in toks),
                    derivatives=tuple(derivatives), targets=tuple(targets))
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        unit = next((b for a, b in zip(toks, toks[1:])
                     if a.kind == "number" and b.kind == "name" and b.text in UNIT_NAMES), None)
        if unit is not None:  # '10 ms'
            raise Problem(f"unknown name '{unit.text}'", unknown_name_hint(unit.text, ()),
                          col=unit.col) from exc
        colon = next((t for t in toks if t.text == ":"), None)
        if colon is not None:  # Python's words for it would not help
            raise Problem("unexpected ':'", "a ':' follows the condition of 'if' and the "
                          "'else' of a conditional: " + ITE_HINT, col=colon.col) from exc
        msg = exc.msg or "invalid syntax"
        offset = (exc.offset - 1) if exc.offset else None
        detail = "" if msg == "invalid syntax" else f" ({msg})"
        raise Problem("invalid syntax" + detail, "check operators and parentheses",
                      col=prep.original_col(offset) if offset is not None else len(text)) from exc
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        raise Problem("expression too complex to parse", "split it with intermediate variables",
                      col=0) from exc
    prep = Prepared(text=text, tree=tree, starts=prep.starts, cols=prep.cols,
                    lengths=prep.lengths, derivatives=prep.derivatives, targets=prep.targets)
    _whitelist(tree, lambda node: prep.original_col(getattr(node, "col_offset", None)))
    return prep
