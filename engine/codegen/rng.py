"""Random numbers inside generated kernels: xoshiro256** per population.

Why not ``np.random`` inside Numba? Its state is one per thread and process,
hidden from us: two networks in one process would share it, and it could not
be saved, copied or reset. Here every population owns a ``uint64[4]`` state
array, seeded from the network seed, passed to the kernel as an argument. The
same seed gives the same draws in any process, and ``reset()`` restores the
state.

The generator is xoshiro256** (Blackman & Vigna); doubles take the top 53
bits; normals use the Box-Muller transform (one value per call).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from engine.codegen.jit import JIT_OPTIONS

__all__ = [
    "seed_state",
    "next_u64",
    "uniform01",
    "uniform",
    "normal",
    "lognormal",
    "exponential",
    "discrete_uniform",
]

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def seed_state(seed_sequence: np.random.SeedSequence) -> np.ndarray:
    """A fresh ``uint64[4]`` state from a numpy SeedSequence (never all zero)."""
    state = seed_sequence.generate_state(4, np.uint64)
    if not state.any():
        state[0] = np.uint64(0x9E3779B97F4A7C15)
    return state


@numba.njit(inline="always", **JIT_OPTIONS)
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@numba.njit(**JIT_OPTIONS)
def next_u64(s):
    """Next 64-bit output; advances the state ``s`` (uint64[4]) in place."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@numba.njit(**JIT_OPTIONS)
def uniform01(s):
    """A double in [0, 1)."""
    return float(next_u64(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(**JIT_OPTIONS)
def uniform(s, a, b):
    return a + (b - a) * uniform01(s)


@numba.njit(**JIT_OPTIONS)
def normal(s, mu, sigma):
    u1 = 1.0 - uniform01(s)  # in (0, 1]: log is finite
    u2 = uniform01(s)
    return mu + sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@numba.njit(**JIT_OPTIONS)
def lognormal(s, mu, sigma):
    return math.exp(normal(s, mu, sigma))


@numba.njit(**JIT_OPTIONS)
def exponential(s, lam):
    return -math.log(1.0 - uniform01(s)) / lam


@numba.njit(**JIT_OPTIONS)
def discrete_uniform(s, a, b):
    """An integer in [a, b], both ends included (returned as float)."""
    lo = math.floor(a)
    n = math.floor(b) - lo + 1.0
    return lo + math.floor(uniform01(s) * n)
