"""The workbench: the layer people do science with, on top of the engine.

``workbench.compneuro`` is the CompNeuroPy-style layer (experiments, protocols,
monitors, losses; its names are exported here, as CompNeuroPy exports them),
``workbench.fit`` fits models (``OptNeuron``, batched: a generation is one population);
``workbench.ui`` holds the Panel components of the web app (state as
``param.Parameterized`` classes testable without a browser, views as
``pn.viewable.Viewer``). The workbench uses only the engine's public API.
"""

from workbench.compneuro import (  # noqa: E402 - the CompNeuroPy-style names, as CompNeuroPy exports them
    CompNeuroExp, CompNeuroModel, CompNeuroMonitors, CompNeuroSim, PlotRecordings,
    ReqPopHasAttr, attr_ramp,
    attr_sim,
    attribute_step,
    correlation, current_ramp, current_step, current_stim, increasing_attr, increasing_current,
    rmse, rsse,
)
from workbench.fit import OptNeuron  # noqa: E402

__all__ = [
    "CompNeuroExp", "CompNeuroModel", "CompNeuroMonitors", "CompNeuroSim", "PlotRecordings",
    "ReqPopHasAttr", "attr_ramp",
    "attr_sim",
    "attribute_step", "correlation", "current_ramp", "current_step", "current_stim",
    "increasing_attr", "increasing_current", "rmse", "rsse", "OptNeuron",
]
