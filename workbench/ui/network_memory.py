"""The memory a network spec will need, estimated without building it
(:meth:`NetworkSpec.estimate_memory
<workbench.ui.network_spec.NetworkSpec.estimate_memory>` and
:meth:`~workbench.ui.network_spec.NetworkSpec.check_size`): state,
synapses and delay buffers; monitors not included.

Imports :mod:`~workbench.ui.network_values` only, never
:mod:`~workbench.ui.network_spec`: the spec is handed to :func:`_estimate`.
"""

from __future__ import annotations

from workbench.errors import WorkspaceError
from workbench.ui.network_values import _dist_bounds, _is_number, parse_value


def _estimate(spec) -> tuple[int, int, float]:
    """(bytes, neurons, synapses) expected; unknown parts count as typical.

    ``spec`` is a :class:`~workbench.ui.network_spec.NetworkSpec`.
    """
    total, neurons = 0.0, 0
    sizes, spiking = {}, {}
    for p in spec.populations:
        n = p.get("size") if _is_number(p.get("size")) else 0
        n = max(int(n), 0)
        model, _ = spec._model(p.get("model", "")) if isinstance(p.get("model"), str) \
            else (None, None)
        nvars = len(model.ir.variables) + len(model.ir.targets) if model is not None else 12
        spk = bool(model.ir.spiking) if model is not None else True
        total += n * (nvars + (4 if spk else 0)) * 8
        neurons += n
        sizes[p.get("name")], spiking[p.get("name")] = n, spk
    for x in spec.inputs:
        if x.get("kind") == "poisson":
            n = max(int(x.get("size", 0)) if _is_number(x.get("size")) else 0, 0)
            total += n * 7 * 8
        elif x.get("kind") == "spike_times":
            times = x.get("spike_times") or []
            n = len(times)
            total += sum(len(t) for t in times if isinstance(t, list)) * 8 + n * 6 * 8
        else:
            continue
        neurons += n
        sizes[x.get("name")], spiking[x.get("name")] = n, True
    dt = spec.dt if _is_number(spec.dt) and spec.dt > 0 else 0.1
    synapses = 0.0
    for j in spec.projections:
        pre, post = sizes.get(j.get("pre"), 0), sizes.get(j.get("post"), 0)
        nnz = _expected_synapses(j, pre, post)
        synapses += nnz
        n_local = 1
        if isinstance(j.get("synapse"), str):
            model, _ = spec._model(j["synapse"])
            if model is not None:
                n_local = sum(1 for v in model.ir.variables if v.locality == "local")
        try:
            delays = parse_value(j.get("delays", 0.0), lists=False)
        except WorkspaceError:
            delays = 0.0
        per = 4 + 8 * n_local + (0 if isinstance(delays, float) else 4)
        total += nnz * per + 8 * (max(pre, post) + 1)
        steps = max(1, _dist_bounds(delays)[1] / dt)
        if spiking.get(j.get("pre"), True):
            total += steps * (pre * 4 if isinstance(delays, float) else post * 8)
        else:
            total += steps * pre * 8
    return int(total), neurons, synapses


def _expected_synapses(j: dict, pre: int, post: int) -> float:
    params = j.get("params") if isinstance(j.get("params"), dict) else {}
    conn = j.get("connector")

    def num(k, default=0.0):
        v = params.get(k, default)
        return float(v) if _is_number(v) else default
    pairs = float(pre) * post
    if j.get("pre") == j.get("post") and params.get("allow_self_connections") is not True:
        pairs = float(pre) * max(post - 1, 0)
    if conn == "one_to_one":
        return float(min(pre, post))
    if conn == "fixed_probability":
        return min(max(num("probability"), 0.0), 1.0) * pairs
    if conn == "fixed_number_pre":
        return max(num("number"), 0.0) * post
    if conn == "fixed_number_post":
        return max(num("number"), 0.0) * pre
    return pairs   # all_to_all, gaussian, dog: at most dense


def _human(nbytes: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(nbytes) < 1000 or unit == "TB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000.0
    return ""  # pragma: no cover
