"""The line grammar of ANNarchy-style blocks: statements, comments, flags.

A block such as ``equations`` is text made of statements::

    # comment
    tau * dv/dt = -v + I : init=-65.0, min=-90.0, exponential
    u += d ; x = 0            # ';' separates statements on one line

This module only cuts the text into pieces (statement, left-hand side,
operator, right-hand side, flags) and remembers, for every piece, its column in
the user's original line so that every later error can point at it.
Expressions themselves are parsed by :mod:`engine.language.expressions`.

Cutting happens at *top level* only (outside parentheses), so ``:`` and ``;``
inside ``( )`` stay in the expression, where the expression parser rejects
them with a precise message. ``:=`` is never a flag separator.
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
]

_OPEN = "([{"
_CLOSE = ")]}"
_FLAG_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*$")


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
        number.
    """
    out: list[Line] = []
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
            seg = _strip(code[a:b], a)
            if not seg:
                continue
            body, flags = seg, None
            for i, ch in _top_level(seg.text):
                if ch == ":" and seg.text[i + 1:i + 2] != "=":
                    body = seg.sub(0, i)
                    flags = seg.sub(i + 1)
                    break
            out.append(Line(line=first_line + n, source=source, body=body, flags=flags))
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
        if not _FLAG_RE.match(name):
            raise Problem(f"'{piece.text}' is not a flag",
                          "flags look like 'population', 'rk4' or 'init=0.0'", col=piece.col)
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
