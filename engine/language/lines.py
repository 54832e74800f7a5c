"""The line grammar of ANNarchy-style blocks: statements, comments, flags.

A block such as ``equations`` is text made of statements::

    # comment
    tau * dv/dt = -v + I : init=-65.0, min=-90.0, exponential
    u += d ; x = 0            # ';' separates statements on one line
    r = if v > 0: v else: 0   # ANNarchy's conditional: these ':' are not flags
    trace += if learning:     # a statement may run over several lines
                 pre.r * post.r
             else:
                 0.0

This module only cuts the text into pieces (statement, left-hand side,
operator, right-hand side, flags) and remembers, for every piece, its line and
column in the user's original text so that every later error can point at it.
Expressions themselves are parsed by :mod:`engine.language.expressions`.

Cutting happens at *top level* only (outside parentheses), so ``:`` and ``;``
inside ``( )`` stay in the expression, where the expression parser rejects
them with a precise message. ``:=`` is never a flag separator, nor is the
``:`` after the condition of an ``if`` or after an ``else``.

A physical line continues the statement above it (as in ANNarchy, where a
line without ``=`` is a continuation) when it has no assignment of its own
and either the statement above is unfinished (an open parenthesis, a trailing
operator, ``:``, ``if``/``then``/``else`` or an ``if`` still waiting for its
``else``) or the line itself starts with an operator, ``else``, ``then`` or
``:``. Any other line without ``=`` stays a statement of its own, so that a
forgotten ``=`` is reported on its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.language.checks import Problem

__all__ = [
    "Segment",
    "Flag",
    "Line",
    "Assignment",
    "split_lines",
    "parse_flags",
    "split_assignment",
    "find_assignment",
    "flag_colon",
]

_OPEN = "([{"
_CLOSE = ")]}"
_FLAG_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*$")
#: the lexemes that decide continuations and flag colons (never evaluated)
_LEX = re.compile(r"(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
                  r"|(?P<word>[A-Za-z_]\w*)|(?P<op>:=|\S)")
#: a statement ending with one of these is unfinished
_OPEN_ENDS = frozenset("+-*/^%(,<>=!:[{") | {"and", "or", "not", "if", "then", "else"}
#: a line starting with one of these continues the statement above
_CONTINUING_STARTS = frozenset("+-*/^%),<>=!:]}") | {"and", "or", "then", "else"}


@dataclass(frozen=True)
class Segment:
    """A piece of a line: its text (stripped) and the 0-based column where it starts."""

    text: str
    col: int

    def sub(self, start: int, stop: int | None = None) -> "Segment":
        """The stripped piece ``text[start:stop]``, with its own column."""
        return _strip(self.text[start:stop], self.col + start)

    def __bool__(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class Flag:
    """One flag after the ``:`` of a statement.

    ``value`` is ``None`` for bare flags (``population``), a :class:`Segment`
    for text flags (``init=-65.0``) and any Python object for flags given as
    keyword arguments of ANNarchy 5's ``Variable``/``Parameter``. ``col`` is
    the 0-based column of the flag's name, ``None`` for keyword arguments.
    """

    name: str
    value: object = None
    col: int | None = None


@dataclass(frozen=True)
class Line:
    """One statement of a block, with the flags text after its ``:``.

    Attributes
    ----------
    line : int
        1-based line number inside the block.
    source : str
        The whole original line (for the caret in error messages).
    body : Segment
        The statement without its flags.
    flags : Segment or None
        The text after the top-level ``:``, if any.
    """

    line: int
    source: str
    body: Segment
    flags: Segment | None = None
    #: for a statement over several physical lines: ``(offset, line, source,
    #: col)`` of each, where ``offset`` is where that line's text starts in the
    #: joined statement (the coordinates of ``body`` and ``flags``) and ``col``
    #: its column in ``source``
    spans: tuple[tuple[int, int, str, int], ...] = ()

    def locate(self, col: int | None) -> tuple[int, str, int | None]:
        """The physical ``(line, source, col)`` of a 0-based column of ``body``/``flags``."""
        if col is None or not self.spans:
            return self.line, self.source, col
        offset, line, source, start = self.spans[0]
        for span in self.spans:
            if span[0] <= col:
                offset, line, source, start = span
        return line, source, max(col - offset + start, start)


@dataclass(frozen=True)
class Assignment:
    """``lhs op rhs`` where ``op`` is ``=``, ``+=``, ``-=``, ``*=`` or ``/=``."""

    lhs: Segment
    op: str
    rhs: Segment
    op_col: int


def _strip(text: str, col: int) -> Segment:
    lead = len(text) - len(text.lstrip())
    return Segment(text.strip(), col + lead)


def _top_level(text: str):
    """Yield ``(index, char)`` of the characters outside any parentheses."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            yield i, ch


def flag_colon(text: str) -> int | None:
    """Index of the top-level ``:`` that starts a statement's flags, if any.

    The ``:`` after the condition of an ``if`` and after an ``else``
    (ANNarchy's ``if c: a else: b``) belong to the expression; ``:=`` too.
    """
    depth = pending = 0
    last = ""
    for m in _LEX.finditer(text):
        tok = m.group()
        if tok in _OPEN:
            depth += 1
        elif tok in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            if tok == "if":
                pending += 1
            elif tok == "then" and pending:
                pending -= 1
            elif tok == ":":
                if last == "else":
                    pass
                elif pending:
                    pending -= 1
                else:
                    return m.start()
        last = tok
    return None


@dataclass
class _Shape:
    """What decides whether a statement is unfinished, fed piece by piece
    (so that a statement over many lines is read once, not once per line)."""

    depth: int = 0
    ifs: int = 0
    elses: int = 0
    last: str = ""

    def feed(self, text: str) -> None:
        # match by match, no list of tuples: a long line would otherwise make
        # thousands of GC-tracked objects and trigger full collections
        for m in _LEX.finditer(text):
            kind, tok = m.lastgroup, m.group()
            if tok in _OPEN:
                self.depth += 1
            elif tok in _CLOSE:
                self.depth -= 1
            elif kind == "word" and tok in ("if", "else"):
                self.ifs += tok == "if"
                self.elses += tok == "else"
            self.last = tok

    @property
    def unfinished(self) -> bool:
        """An open parenthesis, a trailing operator, ':' or keyword, or an 'if' without 'else'."""
        return self.depth > 0 or self.last in _OPEN_ENDS or self.ifs > self.elses


def _continues(shape: _Shape, piece: str) -> bool:
    """``piece`` (one physical line or a ';' piece of it) continues the statement of ``shape``."""
    head = piece
    colon = next((i for i, ch in _top_level(piece) if ch == ":" and piece[i + 1:i + 2] != "="),
                 None)
    if colon is not None:
        head = piece[:colon]
    if find_assignment(Segment(head, 0)) is not None:
        return False
    first = _LEX.search(piece).group()
    return first in _CONTINUING_STARTS or shape.unfinished


def split_lines(text: str, first_line: int = 1) -> list[Line]:
    """Cut a block into statements, dropping comments and blank lines.

    Parameters
    ----------
    text : str
        The block as the user wrote it.
    first_line : int
        Number given to the first line (list items use their index).

    Returns
    -------
    list of Line
        One entry per statement; statements separated by ``;`` share a line
        number; a statement continued over several lines has the number of
        its first line and its :attr:`Line.spans`.
    """
    pending: list[tuple[str, list, _Shape]] = []  # joined text, spans, shape
    for n, raw in enumerate(text.split("\n")):
        source = raw.rstrip("\r")
        code = source.split("#", 1)[0]
        start = 0
        pieces = []
        for i, ch in _top_level(code):
            if ch == ";":
                pieces.append((start, i))
                start = i + 1
        pieces.append((start, len(code)))
        for a, b in pieces:
            piece = code[a:b]
            if not piece.strip():
                continue
            if pending and _continues(pending[-1][2], piece):
                joined, spans, shape = pending[-1]
                spans.append((len(joined) + 1, first_line + n, source, a))
                pending[-1] = (joined + " " + piece, spans, shape)
            else:
                shape = _Shape()
                pending.append((" " * a + piece, [(0, first_line + n, source, 0)], shape))
            shape.feed(piece)
    out: list[Line] = []
    for joined, spans, _ in pending:
        seg = _strip(joined, 0)
        body, flags = seg, None
        i = flag_colon(seg.text)
        if i is not None:
            body = seg.sub(0, i)
            flags = seg.sub(i + 1)
        _, line, source, _ = spans[0]
        out.append(Line(line=line, source=source, body=body, flags=flags,
                        spans=tuple(spans) if len(spans) > 1 else ()))
    return out


def parse_flags(flags: Segment) -> list[Flag]:
    """Parse ``init=-65.0, min=-90, population, rk4`` into :class:`Flag` objects.

    Raises
    ------
    Problem
        For an empty flag (``init=0,,rk4``), a flag without a name (``=3``) or
        a name that is not a word (``init+=3``).
    """
    out: list[Flag] = []
    start = 0
    cuts = [i for i, ch in _top_level(flags.text) if ch == ","] + [len(flags.text)]
    for stop in cuts:
        piece = flags.sub(start, stop)
        start = stop + 1
        if not piece:
            raise Problem("empty flag", "flags are separated by single commas",
                          col=piece.col)
        name_part, eq, value_part = piece.text.partition("=")
        name = name_part.strip()
        if re.fullmatch(r"unless\s+refractory", name):
            raise Problem(f"'{name}' is not a flag", "write 'unless_refractory'",
                          col=piece.col)
        if not _FLAG_RE.match(name):
            hint = "flags look like 'population', 'rk4' or 'init=0.0'"
            if not eq and re.fullmatch(r"[0-9.]+", name):
                hint = ("Brian2 writes units after ':' (': 1', ': volt'); the engine has no "
                        "units: remove it")
            raise Problem(f"'{piece.text}' is not a flag", hint, col=piece.col)
        value = None
        if eq:
            value = piece.sub(len(name_part) + 1)
            if not value:
                raise Problem(f"flag '{name}' has no value after '='",
                              f"write {name}=<value>", col=piece.col + len(piece.text))
        out.append(Flag(name=name, value=value, col=piece.col))
    return out


def find_assignment(body: Segment) -> tuple[int, str] | None:
    """Index and text of the top-level assignment operator of a statement, if any.

    ``=`` counts unless it belongs to ``==``, ``<=``, ``>=``, ``!=`` or ``:=``;
    ``+=``, ``-=``, ``*=`` and ``/=`` are increments.
    """
    text = body.text
    for i, ch in _top_level(text):
        if ch != "=":
            continue
        prev = text[i - 1] if i else ""
        if prev in "<>=!:" and prev or text[i + 1:i + 2] == "=":
            continue
        if prev in "+-*/" and prev:
            # '**=' and '//=' are not ours: leave them to the expression parser
            if i >= 2 and text[i - 2] == prev and prev in "*/":
                continue
            return i - 1, prev + "="
        return i, "="
    return None


def split_assignment(body: Segment) -> Assignment:
    """Cut ``lhs op rhs`` at its top-level assignment operator.

    Raises
    ------
    Problem
        ``v + 1`` (no ``=``), ``= 3`` (nothing on the left), ``v =`` (nothing
        on the right), ``a = b = c`` (two ``=``).
    """
    found = find_assignment(body)
    if found is None:
        raise Problem("missing '=': a statement is written 'x = expression' or "
                      "'dx/dt = expression'", col=body.col)
    i, op = found
    lhs = body.sub(0, i)
    rhs = body.sub(i + len(op))
    if not lhs:
        raise Problem(f"nothing on the left of '{op}'", "write 'x = expression'",
                      col=body.col + i)
    if not rhs:
        raise Problem(f"missing expression after '{op}'",
                      "write an expression on the right-hand side",
                      col=body.col + i + len(op))
    again = find_assignment(rhs)
    if again is not None:
        raise Problem("only one '=' is allowed per statement",
                      "use '==' to compare", col=rhs.col + again[0])
    return Assignment(lhs=lhs, op=op, rhs=rhs, op_col=body.col + i)
