"""Components of the web app: state classes (plain Python, tested in pytest)
and the views that show them (Panel)."""

from workbench.ui.model_library import ModelLibrary
from workbench.ui.model_editor import ModelEditor

__all__ = ["ModelEditor", "ModelLibrary"]
