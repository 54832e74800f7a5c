"""Components of the web app: state classes (plain Python, tested in pytest)
and the views that show them (Panel). ``Workbench()`` is the whole app; each
component also displays on its own in JupyterLab."""

from workbench.ui.labs import LABS, load_lab
from workbench.ui.model_editor import ModelEditor
from workbench.ui.model_editor_view import ModelEditorView
from workbench.ui.model_library import ModelLibrary
from workbench.ui.network_spec import BuiltNetwork, NetworkSpec
from workbench.ui.network_view import NetworkView
from workbench.ui.run_session import RunSession
from workbench.ui.run_view import RunView
from workbench.ui.try_neuron import TryNeuron, TryNeuronView
from workbench.ui.workbench import Workbench
from workbench.ui.workspace import Workspace

__all__ = ["BuiltNetwork", "LABS", "ModelEditor", "ModelEditorView", "ModelLibrary",
           "NetworkSpec", "NetworkView", "RunSession", "RunView", "TryNeuron", "TryNeuronView",
           "Workbench", "Workspace", "load_lab"]
