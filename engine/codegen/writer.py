"""Indented source text, and the names an expression reads: shared by the emitters."""

from __future__ import annotations

import sympy as sp

__all__ = ["Writer", "free_names"]


class Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.level = 0

    def __call__(self, text: str = ""):
        for ln in text.split("\n"):
            self.lines.append(("    " * self.level + ln) if ln else "")

    def indent(self):
        self.level += 1

    def dedent(self):
        self.level -= 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def free_names(exprs) -> set[str]:
    out = set()
    for e in exprs:
        if isinstance(e, sp.Basic):
            out |= {s.name for s in e.free_symbols}
    return out
