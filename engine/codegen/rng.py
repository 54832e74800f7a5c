"""Random numbers inside generated kernels: xoshiro256** per population.

Why not ``np.random`` inside Numba? Its state is one per thread and process,
hidden from us: two networks in one process would share it, and it could not
be saved, copied or reset. Here every population owns a ``uint64[4]`` state
array, seeded from the network seed, passed to the kernel as an argument. The
same seed gives the same draws in any process, and ``reset()`` restores the
state.

The generator is xoshiro256** (Blackman & Vigna); doubles take the top 53
bits; normals use Marsaglia & Tsang's ziggurat (128 layers): about 8 ns a
draw on this machine instead of 26 ns for Box-Muller, which matters because ANNarchy-style
models draw noise for every neuron at every step.
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
    "standard_normal",
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


# Draws inside equations whose parameters are only known while running
# (``Normal(0, s)``, ``Uniform(a, b)``) give NaN when the parameters are not
# valid (sigma < 0, min > max, a rate <= 0): the finiteness check of the
# kernel then stops the run and names the variable, instead of a quietly
# reflected or reversed distribution. (The runtime also refuses such
# parameter values at compile() and when they are assigned.) The draw is
# made either way: the stream does not depend on the parameters.


@numba.njit(**JIT_OPTIONS)
def uniform(s, a, b):
    x = a + (b - a) * uniform01(s)
    return x if a <= b else math.nan


def _ziggurat_tables(layers: int = 128):
    """Tables of the normal ziggurat (Marsaglia & Tsang 2000, 32-bit integers)."""
    dn = 3.442619855899
    tn = dn
    vn = 9.91256303526217e-3
    m1 = 2147483648.0
    kn = np.zeros(layers, dtype=np.int64)
    wn = np.zeros(layers)
    fn = np.zeros(layers)
    q = vn / math.exp(-0.5 * dn * dn)
    kn[0] = int((dn / q) * m1)
    kn[1] = 0
    wn[0] = q / m1
    wn[layers - 1] = dn / m1
    fn[0] = 1.0
    fn[layers - 1] = math.exp(-0.5 * dn * dn)
    for i in range(layers - 2, 0, -1):
        dn = math.sqrt(-2.0 * math.log(vn / dn + math.exp(-0.5 * dn * dn)))
        kn[i + 1] = int((dn / tn) * m1)
        tn = dn
        fn[i] = math.exp(-0.5 * dn * dn)
        wn[i] = dn / m1
    return kn, wn, fn


_KN, _WN, _FN = _ziggurat_tables()
_ZIG_R = 3.442619855899


@numba.njit(inline="always", **JIT_OPTIONS)
def _int32_draw(s):
    return np.int64(next_u64(s) >> np.uint64(32)) - 2147483648


@numba.njit(**JIT_OPTIONS)
def _normal_tail_or_wedge(s, hz, iz):
    while True:
        x = hz * _WN[iz]
        if iz == 0:
            # the tail beyond R (Marsaglia's method)
            while True:
                x = -math.log(1.0 - uniform01(s)) / _ZIG_R
                y = -math.log(1.0 - uniform01(s))
                if y + y >= x * x:
                    break
            return _ZIG_R + x if hz > 0 else -_ZIG_R - x
        if _FN[iz] + uniform01(s) * (_FN[iz - 1] - _FN[iz]) < math.exp(-0.5 * x * x):
            return x
        hz = _int32_draw(s)
        iz = hz & 127
        if abs(hz) < _KN[iz]:
            return hz * _WN[iz]


@numba.njit(**JIT_OPTIONS)
def standard_normal(s):
    """A standard Gaussian draw (ziggurat)."""
    hz = _int32_draw(s)
    iz = hz & 127
    if abs(hz) < _KN[iz]:
        return hz * _WN[iz]
    return _normal_tail_or_wedge(s, hz, iz)


@numba.njit(**JIT_OPTIONS)
def normal(s, mu, sigma):
    x = mu + sigma * standard_normal(s)
    return x if sigma >= 0 else math.nan


@numba.njit(**JIT_OPTIONS)
def lognormal(s, mu, sigma):
    return math.exp(normal(s, mu, sigma))


@numba.njit(**JIT_OPTIONS)
def exponential(s, lam):
    x = -math.log(1.0 - uniform01(s)) / lam
    return x if lam > 0 else math.nan


@numba.njit(**JIT_OPTIONS)
def discrete_uniform(s, a, b):
    """An integer in [a, b], both ends included (returned as float)."""
    lo = math.floor(a)
    n = math.floor(b) - lo + 1.0
    x = lo + math.floor(uniform01(s) * n)
    return x if a <= b else math.nan
