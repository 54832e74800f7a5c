"""The step as a program of versioned assignments.

The engine runs a model's equations once per step, in order, each variable
assigned once; a NESTML step writes a variable several times, some writes
under conditions. So every write appends an assignment that makes a new
version of the variable (a placeholder, :data:`_TOKEN`, in the text until the
step is complete), and a conditional write is ``if cond then new else old``.
At the end the last version of a variable takes its name and the others get
``x__1``, ``x__2``... (``_Translator._assemble``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: a version of a value in the text of the step being built (its id in ``version_owner``)
_TOKEN = re.compile("\x01(\\d+)\x02")


@dataclass
class _Var:
    """A value written by the step program: a state variable, an internal,
    a local variable, a helper. ``final`` is its engine name."""

    final: str
    dtype: str = "float"  # 'float', 'int', 'bool'
    init: str | None = None  # state variables: the init flag
    persistent: bool = False  # read from the last step before its first write
    versions: list[int] = field(default_factory=list)


def _either(a: str | None, b: str | None) -> str | None:
    """The condition ``a or b`` (``None``: always), ``c or not c`` simplified."""
    if a is None or b is None or a == f"not {b}" or b == f"not {a}":
        return None
    if a.startswith("(") and a.endswith(")") and " or " in a:
        parts = a[1:-1].split(" or ")
        if f"not {b}" in parts or (b.startswith("not ") and b[4:] in parts):
            return None
        return f"({a[1:-1]} or {b})"
    return f"({a} or {b})"


class _StepProgram:
    """The program part of :class:`~workbench.nest.nestml.translator._Translator`:
    helpers, reads and writes of versions (its ``vars``, ``program``,
    ``version_owner``, ``cur``, ``latest``, ``values``, ``recording``)."""

    def helper(self, base: str, dtype: str = "float") -> str:
        """A new helper value (written once per step); returns its key."""
        key = "\x00" + base + "#" + str(len(self.vars))
        self.vars[key] = _Var(self._free(re.sub(r"[^A-Za-z0-9_]", "_", base)), dtype)
        return key

    def read(self, key: str) -> str:
        if key not in self.cur:
            var = self.vars[key]
            if not var.persistent:
                raise AssertionError(f"{key!r} read before it is written")
            vid = len(self.version_owner)
            self.version_owner.append((var, 0))  # version 0: the value stored by the last step
            self.cur[key] = f"\x01{vid}\x02"
        return self.cur[key]

    def write(self, key: str, rhs: str, pred: str | None = None, otherwise: str | None = None):
        """Append ``key = rhs`` to the step (``if pred then rhs else otherwise``,
        by default else the current value)."""
        var = self.vars[key]
        old = None
        if pred is not None:
            old = otherwise if otherwise is not None else self.latest.get(key) or self.read(key)
        var.versions.append(len(var.versions) + 1)
        vid = len(self.version_owner)
        self.version_owner.append((var, len(var.versions)))
        entry = [vid, rhs, pred, old]
        self.program.append(entry)
        if self.recording is not None:
            self.recording.append(entry)
        self.cur[key] = self.latest[key] = f"\x01{vid}\x02"

    def value(self, base: str, text: str, pred: str | None) -> str:
        """A helper holding ``text`` (``if pred then text else 0``); the same
        computation under the same condition is written once."""
        key = (text, pred)
        if key not in self.values:
            helper = self.helper(base)
            self.write(helper, text, pred, otherwise="0")
            self.values[key] = (self.cur[helper], self.program[-1])
        elif self.recording is not None:
            self.recording.append(self.values[key][1])
        return self.values[key][0]

    def cond(self, text: str) -> str:
        """Store condition ``text`` in a bool helper; returns the helper's text."""
        key = self.helper("cond", "bool")
        self.write(key, f"(if {text} then 1 else 0)")
        return self.cur[key]

    @staticmethod
    def pred_text(pred: list[tuple[str, bool]]) -> str | None:
        if not pred:
            return None
        parts = [c if positive else f"not {c}" for c, positive in pred]
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"
