"""A CompNeuroPy-style layer on the engine: experiments, protocols, monitors.

Mirrors CompNeuroPy's API (``CompNeuroExp``, ``CompNeuroSim``,
``CompNeuroMonitors``, ``current_step``..., ``rmse``) so its scripts run
with changed imports, and so OptNeuron-style fitting can be built on top.
Differences from CompNeuroPy are listed in each module's docstring; errors
are :class:`CompNeuroError` instead of ``assert``/``quit()``.
"""

from workbench.compneuro.errors import CompNeuroError
from workbench.compneuro.experiment import CompNeuroExp
from workbench.compneuro.features import (
    DEFAULT_FEATURES, feature_loss, results_features, trace_features,
)
from workbench.compneuro.losses import correlation, rmse, rsse
from workbench.compneuro.model import CompNeuroModel
from workbench.compneuro.monitors import CompNeuroMonitors
from workbench.compneuro.plotting import PlotRecordings
from workbench.compneuro.protocols import (
    attr_ramp, attr_sim, attribute_step, current_ramp, current_step, current_stim,
    increasing_attr, increasing_current,
)
from workbench.compneuro.recording_times import RecordingTimes
from workbench.compneuro.requirements import ReqPopHasAttr, req_pop_attr
from workbench.compneuro.simulation import CompNeuroSim, SimInfo
from workbench.compneuro.spike_losses import (
    first_spike_latency_error, isi_cv, rate_error, spike_count_error, spike_times_ms,
    van_rossum_distance, victor_purpura_distance,
)

__all__ = [
    "CompNeuroError", "CompNeuroExp", "CompNeuroModel", "CompNeuroMonitors", "CompNeuroSim",
    "PlotRecordings", "RecordingTimes", "ReqPopHasAttr", "req_pop_attr",
    "SimInfo", "attr_ramp", "attr_sim", "attribute_step", "correlation", "current_ramp",
    "current_step", "current_stim", "increasing_attr", "increasing_current", "rmse", "rsse",
    # spike_losses
    "first_spike_latency_error", "isi_cv", "rate_error", "spike_count_error", "spike_times_ms",
    "van_rossum_distance", "victor_purpura_distance",
    # features (eFEL is imported only when they are called)
    "DEFAULT_FEATURES", "feature_loss", "results_features", "trace_features",
]
