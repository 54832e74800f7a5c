"""The project's exception hierarchy.

Every mistake a user can make ends in a subclass of :class:`NeuroWorkbenchError`
that says what went wrong, where, and how to fix it. Numba, sympy and numpy
errors never reach the user raw: they are caught at the boundary and re-raised
as one of these, ``from`` the original cause so the detail stays available.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "NeuroWorkbenchError",
    "ModelError",
    "EquationError",
    "Diagnostic",
    "NetworkError",
    "NetworkFileError",
    "CompilationError",
    "SimulationError",
    "NumericalError",
    "AttributeAssignmentError",
    "SelectionError",
]


class NeuroWorkbenchError(Exception):
    """Base class of every error raised on purpose by neuroworkbench."""


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a model's text.

    Parameters
    ----------
    message : str
        What is wrong, in words (``unknown name 'tua'``).
    model : str
        Name of the neuron or synapse model.
    block : str
        Which block of the model (``equations``, ``parameters``, ``spike`` ...).
    line : int or None
        1-based line number inside the block.
    col : int or None
        1-based column of the offending text inside the line.
    text : str
        The whole source line, shown with a caret under ``col``.
    hint : str
        How to fix it (``did you mean 'tau'?``).
    """

    message: str
    model: str = ""
    block: str = ""
    line: int | None = None
    col: int | None = None
    text: str = ""
    hint: str = ""

    def format(self) -> str:
        where = []
        if self.model:
            where.append(self.model)
        block = self.block
        if self.line is not None:
            block = f"{block} line {self.line}" if block else f"line {self.line}"
        if block:
            where.append(block)
        if self.col is not None:
            where.append(f"col {self.col}")
        head = ", ".join(where)
        out = f"{head}: {self.message}" if head else self.message
        if self.text:
            out += "\n    " + self.text
            if self.col is not None:
                out += "\n    " + " " * max(self.col - 1, 0) + "^"
        if self.hint:
            out += f"\n  hint: {self.hint}"
        return out


class ModelError(NeuroWorkbenchError):
    """A neuron or synapse model is not valid (bad definition, bad flag...)."""


class EquationError(ModelError):
    """One or more problems in the text of a model.

    All problems of a model are collected before raising, so the user sees
    every mistake at once. ``diagnostics`` holds them in source order.
    """

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        if len(self.diagnostics) == 1:
            msg = self.diagnostics[0].format()
        else:
            msg = f"{len(self.diagnostics)} problems:\n" + "\n".join(
                f"[{i + 1}] " + d.format() for i, d in enumerate(self.diagnostics)
            )
        super().__init__(msg)


class NetworkError(NeuroWorkbenchError):
    """Misuse of the Network API (unknown population, compile twice, ...)."""


class NetworkFileError(NetworkError):
    """A network file cannot be written, or read back onto this network
    (corrupt, truncated, another format or version, or a different network).
    Raised before anything is changed: the network stays as it was."""


class CompilationError(NeuroWorkbenchError):
    """Generated code failed to build. The network stays usable."""


class SimulationError(NeuroWorkbenchError):
    """A simulation could not run or continue."""


class NumericalError(SimulationError):
    """NaN or infinity appeared in the state of a population."""


class AttributeAssignmentError(NeuroWorkbenchError, ValueError):
    """A value assigned to a population attribute has the wrong shape or type."""


class SelectionError(NetworkError, IndexError):
    """A selection of neurons or dendrites that does not exist (``pop[100]``
    on 10 neurons, ``pop[2:50]``, ``pop[1.5]``, ``proj.dendrite(100)``).

    Also an :class:`IndexError`, so code written for numpy-like indexing
    (``except IndexError``, iteration by ``__getitem__``) keeps working."""
