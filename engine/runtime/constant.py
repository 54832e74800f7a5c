"""Network constants: named values usable in any equation, settable after compile."""

from __future__ import annotations

import math

import numpy as np

from engine.errors import NetworkError
from engine.language.constants import register_constant_name
from engine.language.symbols import is_valid_user_name

__all__ = ["Constant"]


class Constant:
    """A named value shared by all models of a network (``net.constant('c', 2.0)``).

    ``c.set(10.0)`` changes it, also after compile, without recompiling.
    """

    def __init__(self, name: str, value: float, *, network=None):
        from engine.runtime.active import active_network

        if not isinstance(name, str) or not is_valid_user_name(name):
            raise NetworkError(
                f"invalid constant name {name!r}: use a Python identifier that does not "
                "start with '_' and is not a reserved word"
            )
        self.name = name
        self.network = network if network is not None else active_network()
        self._store = np.zeros(1, dtype=float)
        self.set(value)
        register_constant_name(name)
        self.network._register_constant(self)

    @property
    def _array(self) -> np.ndarray:
        """The one-element array the kernels read, in the network's precision
        (float32 after ``config(precision="float")``, as ANNarchy declares its
        constants); ``set()`` writes into it, so compiled code sees new values."""
        dtype = self.network._float_dtype
        if self._store.dtype != dtype:
            self._store = self._store.astype(dtype)
        return self._store

    @property
    def value(self) -> float:
        return float(self._array[0])

    def set(self, value) -> None:
        try:
            v = float(value)
        except OverflowError:
            raise NetworkError(f"constant {self.name!r} = {value!r:.40} is beyond the largest "
                               "float (about 1.8e308)") from None
        except (TypeError, ValueError):
            raise NetworkError(f"constant {self.name!r} needs a number, got {value!r}") from None
        if math.isnan(v):
            raise NetworkError(f"constant {self.name!r} cannot be NaN")
        if math.isinf(v) or abs(v) > float(np.finfo(self._array.dtype).max):
            raise NetworkError(f"constant {self.name!r} = {value!r} is not a finite "
                               f"{self._array.dtype} number")
        self._array[0] = v

    def __float__(self):
        return self.value

    def __repr__(self):
        return f"Constant({self.name!r}, {self.value})"
