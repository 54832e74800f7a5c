"""Problems of a NESTML file and the errors that report them.

Every failure of a load (NESTML's parser, its context conditions, the
translator, the engine refusing the generated text) is one
:class:`NestmlError` listing :class:`NestmlProblem` entries with the file,
line, column and source line, so that users see where in their own file the
problem is. Inside the translator, a construct outside the translated subset
raises :class:`_Unsupported` with the AST node; :func:`_position` turns the
node's source position into the line and column of the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.nest.catalogue import NestModelError

#: one line said with every "not supported" error
SUPPORTED = (
    "supported: parameters/state/internals of scalars; equations with ODEs (x', x''), inline "
    "expressions and kernels (sums of A*t**n*exp(r*t), linear ODEs with constant coefficients, "
    "delta(t)); spike and continuous input ports; output spike; update/onReceive/onCondition "
    "blocks with assignments, local declarations, if/elif/else, integrate_odes() and "
    "emit_spike(); functions made of local declarations and a return; the functions exp, ln, "
    "log10, expm1, sin, cos, tan, sinh, cosh, tanh, abs, min, max, clip, pow, floor, ceil, round, "
    "steps, random_normal, random_uniform, resolution, timestep")


@dataclass(frozen=True)
class NestmlProblem:
    """One problem of a NESTML file: what, where (1-based line and column;
    ``None`` when NESTML gives no position), the source line and a hint."""

    message: str
    line: int | None = None
    col: int | None = None
    text: str = ""
    hint: str = ""

    def format(self, source: str) -> str:
        where = source
        if self.line is not None:
            where += f", line {self.line}"
            if self.col is not None:
                where += f", col {self.col}"
        out = f"{where}: {self.message}"
        if self.text:
            out += "\n    " + self.text
            if self.col is not None:
                out += "\n    " + " " * (self.col - 1) + "^"
        if self.hint:
            out += "\n  hint: " + self.hint
        return out


class NestmlError(NestModelError):
    """A NESTML file that cannot be loaded: a syntax or NESTML error, or a
    construct outside the translated subset. ``problems`` lists them
    (:class:`NestmlProblem`), ``source`` is the file (``<string>`` for text)."""

    def __init__(self, problems, source: str = "<string>"):
        if isinstance(problems, (str, NestmlProblem)):
            problems = [problems]
        self.problems = [p if isinstance(p, NestmlProblem) else NestmlProblem(str(p))
                         for p in problems]
        self.source = source
        if len(self.problems) == 1:
            text = self.problems[0].format(source)
        else:
            text = f"{len(self.problems)} problems:\n" + "\n".join(
                f"[{k}] {p.format(source)}" for k, p in enumerate(self.problems, 1))
        super().__init__(text)

    @property
    def line(self) -> int | None:
        """The line of the first problem."""
        return self.problems[0].line if self.problems else None


class _Unsupported(Exception):
    """Raised inside the translator; turned into a NestmlError with the node's line."""

    def __init__(self, node, message: str, hint: str = SUPPORTED):
        super().__init__(message)
        self.node, self.message, self.hint = node, message, hint


def _problem(lines: list[str], message: str, line=None, col=None, hint="") -> NestmlProblem:
    text = lines[line - 1].rstrip() if line is not None and 1 <= line <= len(lines) else ""
    return NestmlProblem(message, line, col, text.expandtabs(), hint)


def _position(pos) -> tuple[int | None, int | None]:
    if pos is None:
        return None, None
    try:
        line, col = pos.get_start_line(), pos.get_start_column()
    except AttributeError:
        return None, None
    if line is None or line < 1:
        return None, None
    return int(line), (int(col) + 1 if col is not None and col >= 0 else None)


def _clean(message: str) -> str:
    return " ".join(str(message).split())
