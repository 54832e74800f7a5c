"""Run every ```python block of README.md and docs/*.md, as a reader copies it.

The conventions, all visible in the documentation itself:

- **A block is complete.** It runs on its own, imports included, in a fresh
  namespace (``__name__ == "__main__"``, as a script), in a fresh temporary
  working directory (files it writes do not land in the repository), with
  ``MPLBACKEND=Agg``.
- **``# continues the block above``** as the first line makes a block a
  fragment: it runs in the namespace of the block before it in the same file
  (and so on up the chain). A fragment is tested with the blocks it
  continues, in order.
- **``# signature``** as the first line: the block shows how a callable is
  declared (``Name(arg, key=default, *, key2=default)``, ``net.method(...)``
  for a Network method); it is not run, but the names, kinds and defaults
  are compared with ``inspect.signature`` of the real object (an argument
  shown as required may default to ``None`` in the code, only to say it is
  missing).
- **``# not run: <reason>``** as the first line: skipped, with that reason
  (for blocks that serve until stopped or take minutes; use sparingly).
- **Quoted outputs.** The comment after a ``print(...)`` call is what the
  call prints (``print(pop.r)  # [2. 2.]``); a ```text block that directly
  follows a python block (nothing but blank lines between them) is what the
  block prints. Their numbers (and ``True``/``False``) are compared, in
  order, with the printed ones: a number written with k decimals must match
  to half a unit of its last decimal, ``~`` before a number allows 10 %,
  ``...`` stands for anything. Words are not compared, so such a comment
  holds the output only: explanations with numbers go in the text.

Each chain (a complete block and the fragments that continue it) is one
test, named by the file and the line of its opening fence; a failure names
the file and line of the block (and tracebacks show the .md lines). The
blocks are our own documentation, so running them with ``exec`` is what the
test is for; nothing else is executed.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import io
import math
import re
import sys
import textwrap
import tokenize
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FRAGMENT = "# continues the block above"
SIGNATURE = "# signature"
NOT_RUN = "# not run"


@dataclass
class Block:
    path: Path            # the .md file
    line: int             # 1-based line of the opening fence
    source: str           # dedented text of the block
    output: str | None    # a ```text block directly after it: its printed output
    kind: str = "run"     # "run", "fragment", "signature", "skip"
    reason: str = ""

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


@dataclass
class Chain:
    blocks: list[Block] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.blocks[0].where


_FENCE = re.compile(r"^(\s*)(`{3,})\s*([\w+-]*)")


def _fenced_blocks(path: Path):
    """(line, language, dedented text, following) of each fenced block of a
    Markdown file; `following` tells whether only blank lines separate the
    block from the previous one."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out, i, last_end = [], 0, None
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        _, fence, lang = m.groups()
        start, body = i, []
        i += 1
        while i < len(lines) and not (lines[i].strip().startswith(fence)
                                      and not lines[i].strip().strip("`")):
            body.append(lines[i])
            i += 1
        follows = last_end is not None and all(not ln.strip() for ln in lines[last_end + 1:start])
        out.append((start + 1, lang, textwrap.dedent("\n".join(body)), follows))
        last_end = i
        i += 1
    return out


def _blocks(path: Path) -> list[Block]:
    fenced = _fenced_blocks(path)
    blocks = []
    for k, (line, lang, text, _) in enumerate(fenced):
        if lang != "python":
            continue
        output = None
        if k + 1 < len(fenced) and fenced[k + 1][1] == "text" and fenced[k + 1][3]:
            output = fenced[k + 1][2]
        block = Block(path, line, text, output)
        first = text.lstrip().split("\n", 1)[0].strip()
        if first.startswith(FRAGMENT):
            block.kind = "fragment"
        elif first.startswith(SIGNATURE):
            block.kind = "signature"
        elif first.startswith(NOT_RUN):
            block.kind = "skip"
            block.reason = first[len(NOT_RUN):].lstrip(" :")
        blocks.append(block)
    return blocks


def _chains() -> list[Chain]:
    chains = []
    for path in DOC_FILES:
        previous = None
        for block in _blocks(path):
            if block.kind == "fragment":
                assert previous is not None and previous.blocks[0].kind == "run", (
                    f"{block.where}: '{FRAGMENT}' but no runnable block before it")
                previous.blocks.append(block)
                continue
            previous = Chain([block])
            chains.append(previous)
    return chains


CHAINS = _chains()
RUN = [c for c in CHAINS if c.blocks[0].kind in ("run", "skip")]
SIGNATURES = [c.blocks[0] for c in CHAINS if c.blocks[0].kind == "signature"]


# ---- quoted outputs ---------------------------------------------------------

_TOKEN = re.compile(
    r"\.\.\.|…|(?<![\w.])(?:True|False)(?!\w)"
    r"|(?P<approx>~\s*)?(?<![\w.])(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)")


def _tokens(text: str):
    """Numbers (value, tolerance), booleans and '...' of a text, in order."""
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        if word in ("...", "…"):
            out.append("...")
        elif word in ("True", "False"):
            out.append(word)
        else:
            s = m.group("num")
            value = float(s)
            mantissa, _, exponent = s.lower().partition("e")
            decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
            tol = 0.5 * 10.0 ** (int(exponent or 0) - decimals)
            if m.group("approx"):
                tol = max(tol, 0.1 * abs(value))
            out.append((value, tol + 1e-12 * abs(value)))
    return out


def _matches(expected, actual) -> bool:
    """Does the printed token list `actual` match `expected` ('...' = anything)?"""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(_matches(rest, actual[k:]) for k in range(len(actual) + 1))
    if not actual:
        return False
    got = actual[0]
    if isinstance(head, str) or isinstance(got, str):
        ok = head == got
    else:
        ok = math.isfinite(got[0]) and abs(got[0] - head[0]) <= head[1]
    return ok and _matches(rest, actual[1:])


def _check(expected_text: str, printed: str, where: str) -> str | None:
    """None if the numbers of `printed` are those the docs quote, else why not."""
    expected = _tokens(expected_text)
    if not [t for t in expected if t != "..."]:
        return None                              # words only: not compared
    actual = [t if isinstance(t, str) else (t[0], 0.0) for t in _tokens(printed)]
    if _matches(expected, actual):
        return None
    indent = "\n    "
    return (f"{where}: the docs quote{indent}{expected_text.strip().replace(chr(10), indent)}"
            f"\nbut it printed{indent}{printed.strip().replace(chr(10), indent)}")


def _print_comments(source: str) -> dict[tuple[int, int], str]:
    """{(first line, last line) of a print(...) call: the comment after it}."""
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string[1:].strip()
    found = {}
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "print" and node.end_lineno in comments):
            found[(node.lineno, node.end_lineno)] = comments[node.end_lineno]
    return found


class _Tee(io.TextIOBase):
    """Collects what a block prints and passes it on to the real stdout."""

    def __init__(self, stream):
        self.stream, self.parts = stream, []

    def write(self, s):
        self.parts.append(s)
        return self.stream.write(s)

    def flush(self):
        self.stream.flush()


def _run(block: Block, namespace: dict) -> None:
    filename = str(block.path)
    offset = block.line            # body line j (1-based) is line offset + j of the file
    code = compile("\n" * offset + block.source, filename, "exec")
    quoted = {(a + offset, b + offset): text
              for (a, b), text in _print_comments(block.source).items()}
    printed: dict[tuple[int, int], list[str]] = {}

    def recording_print(*args, sep=" ", end="\n", file=None, flush=False):
        if file is None or file is sys.stdout:
            caller = sys._getframe(1)
            if caller.f_code.co_filename == filename:
                for span in quoted:
                    if span[0] <= caller.f_lineno <= span[1]:
                        buf = io.StringIO()
                        builtins.print(*args, sep=sep, end=end, file=buf)
                        printed.setdefault(span, []).append(buf.getvalue())
        builtins.print(*args, sep=sep, end=end, file=file, flush=flush)

    namespace["print"] = recording_print
    tee = _Tee(sys.stdout)
    error = None
    try:
        with contextlib.redirect_stdout(tee):
            exec(code, namespace)      # our own documentation, not user input
    except Exception as exc:  # noqa: BLE001 - reported below with the block's place
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename != __file__]          # from the block's own line on
        error = (f"{block.where}: the block raised {type(exc).__name__}: {exc}\n\n"
                 + "".join(traceback.format_list(frames)))
    finally:
        del namespace["print"]
    if error:
        pytest.fail(error, pytrace=False)
    problems = []
    for span, text in quoted.items():
        where = f"{block.path.relative_to(ROOT)}:{span[1]}"
        if span in printed:
            problems.append(_check(text, "".join(printed[span]), where))
        elif _tokens(text):
            problems.append(f"{where}: this print(...) never ran")
    if block.output is not None:
        problems.append(_check(block.output, "".join(tee.parts),
                               f"{block.where} (and the text block after it)"))
    problems = [p for p in problems if p]
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.mark.parametrize("chain", RUN, ids=[c.id for c in RUN])
def test_doc_block_runs(chain, tmp_path, monkeypatch):
    head = chain.blocks[0]
    if head.kind == "skip":
        assert head.reason, f"{head.where}: say why after '{NOT_RUN}:'"
        pytest.skip(f"{head.where}: {head.reason}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__main__"}
    import numpy as np

    # numpy's default print options, whatever earlier tests or imports set
    # (the quoted outputs are what a fresh interpreter prints)
    defaults = dict(precision=8, threshold=1000, edgeitems=3, linewidth=75, suppress=False,
                    nanstr="nan", infstr="inf", sign="-", floatmode="maxprec", legacy=False)
    try:
        with np.printoptions(**defaults):
            for block in chain.blocks:
                _run(block, namespace)
    finally:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")


# ---- signatures -------------------------------------------------------------

def _resolve(name: str):
    """The object a signature block names: a public name of engine,
    engine.models.bold or workbench, or `net.<method>` (a Network method)."""
    import engine
    import engine.models.bold
    import workbench

    owner, _, attr = name.rpartition(".")
    if owner:
        owners = {"net": engine.Network, "pop": engine.Population, "proj": engine.Projection}
        return getattr(owners[owner], attr)
    for module in (engine, engine.models.bold, workbench):
        if hasattr(module, name):
            return getattr(module, name)
    raise AssertionError(f"no public name {name!r} in engine, engine.models.bold or workbench")


def _documented_parameters(block: Block):
    """Name and parameters of a signature block, `Name(a, b=1, *, c=None)`."""
    text = "\n".join(ln for ln in block.source.splitlines() if not ln.lstrip().startswith("#"))
    name, paren, rest = text.strip().partition("(")
    assert paren and re.fullmatch(r"[A-Za-z_][\w.]*", name.strip()), (
        f"{block.where}: a signature is written Name(arg, key=default, ...)")
    args = ast.parse(f"def _sig({rest}: pass").body[0].args
    params = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults):
        params.append((arg.arg, "positional", default))
    if args.vararg:
        params.append((args.vararg.arg, "*", None))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params.append((arg.arg, "keyword", default))
    if args.kwarg:
        params.append((args.kwarg.arg, "**", None))
    return name.strip(), [(n, k, inspect.Parameter.empty if d is None else ast.literal_eval(d))
                          for n, k, d in params]


_KINDS = {inspect.Parameter.POSITIONAL_ONLY: "positional",
          inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
          inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.KEYWORD_ONLY: "keyword",
          inspect.Parameter.VAR_KEYWORD: "**"}


@pytest.mark.parametrize("block", SIGNATURES, ids=[b.where for b in SIGNATURES])
def test_doc_signature_matches_the_code(block):
    name, documented = _documented_parameters(block)
    signature = inspect.signature(_resolve(name))
    real = [(p.name, _KINDS[p.kind], p.default) for p in signature.parameters.values()
            if not (p.name == "self" and "." in name)]
    # a required argument may be `None` by default in the code, only to say it is missing
    documented = [(n, k, None if d is inspect.Parameter.empty and (n, k, None) in real else d)
                  for n, k, d in documented]
    assert documented == real, (
        f"{block.where}: the docs give {name}{_format(documented)}, the code has "
        f"{name}{signature}")


def _format(params) -> str:
    out, star = [], False
    for n, k, d in params:
        if k == "keyword" and not star:
            out.append("*")
        star = star or k in ("keyword", "*")
        prefix = {"*": "*", "**": "**"}.get(k, "")
        out.append(prefix + n + ("" if d is inspect.Parameter.empty else f"={d!r}"))
    return "(" + ", ".join(out) + ")"


def test_every_doc_file_is_collected():
    assert {p.name for p in DOC_FILES} >= {"README.md", "model_language.md"}
    assert len(CHAINS) > 40
