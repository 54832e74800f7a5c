"""The whole web app as one component: labs, models, network, run.

``Workbench()`` holds one session's state (a :class:`Workspace` and a
:class:`RunSession`) and shows the four tabs; ``apps/workbench.py`` serves
it, and in JupyterLab it displays as it is. Two instances never share
state, so two browser sessions never see each other.
"""

from __future__ import annotations

import html
import io

import panel as pn
import param

from engine import NeuroWorkbenchError
from workbench.errors import WorkbenchError
from workbench.ui.fit_view import FitView
from workbench.ui.labs import LABS, load_lab
from workbench.ui.model_editor_view import ModelEditorView
from workbench.ui.network_view import NetworkView
from workbench.ui.run_session import MAX_DURATION_MS, RunSession
from workbench.ui.run_view import RunView
from workbench.ui.workspace import Workspace

__all__ = ["Workbench", "MEMORY_LIMIT_BYTES", "UPLOAD_LIMIT_BYTES"]

#: networks (with recordings) above this are refused before anything is built
MEMORY_LIMIT_BYTES = 4 * 10**9
#: the largest workspace file a user may upload
UPLOAD_LIMIT_BYTES = 20 * 2**20

_TABS = ("Labs", "Models", "Network", "Run", "Fit")

FIT_LAB_TEXT = """\
A recording of a neuron under three current steps (0.7, 1.0 and 1.3 nA, from
50 to 450 ms; 0.5 mV of noise) is loaded in the **Fit** tab, with an adaptive
exponential integrate-and-fire model (AdEx) whose two adaptation parameters
are ticked for fitting: **a** (subthreshold adaptation, nS) and **b** (the
jump of the adaptation current at each spike, nA).

1. Look at the data: the spikes come faster at first, then slow down
   (adaptation).
2. Press **Start fit** and watch the best loss fall and the dashed best fit
   settle on the data.
3. When it ends, the tab tells you the values the recording was made with.
   Try ticking **tau_w** too, or fitting only two of the sweeps."""


class Workbench(pn.viewable.Viewer):
    """Labs, Models, Network and Run tabs over one session's workspace."""

    workspace = param.ClassSelector(class_=Workspace)
    session = param.ClassSelector(class_=RunSession)
    memory_limit = param.Integer(default=MEMORY_LIMIT_BYTES,
                                 doc="Bytes a network may need before it is built.")

    def __init__(self, workspace: Workspace | None = None, lab: str | None = "izhikevich_patterns",
                 fit_session=None, **params):
        if workspace is None:
            workspace = load_lab(lab) if lab else Workspace()
        super().__init__(workspace=workspace, session=RunSession(), **params)
        self._take_duration()
        self.models = ModelEditorView(library=workspace.library)
        self.network = NetworkView(workspace.network)
        self.run = RunView(session=self.session, build=self.build)
        # a fit started by an earlier page of this browser (?fit=<token>) shows again
        self.fit = FitView(session=fit_session, library=workspace.library,
                           open_model=self.open_model)
        self._message = pn.pane.Alert("", alert_type="info", visible=False,
                                      sizing_mode="stretch_width")
        self._upload = pn.widgets.FileInput(accept=".json", label="Open a workspace (.json)",
                                            multiple=False, width=230)
        self._upload.param.watch(self._uploaded, "value")
        self._save = pn.widgets.FileDownload(callback=self._workspace_file,
                                             filename="workspace.json",
                                             label="Save workspace", width=150)
        self._export = pn.widgets.FileDownload(callback=self._script_file,
                                               filename="network.py",
                                               label="Export Python script", width=170)
        self.tabs = pn.Tabs(("Labs", self._labs()), ("Models", self.models),
                            ("Network", self.network), ("Run", self.run), ("Fit", self.fit),
                            sizing_mode="stretch_width", dynamic=False)
        workspace.library.param.watch(lambda e: self.models._refresh_list(), "user_models")
        if fit_session is not None:
            self.tabs.active = _TABS.index("Fit")
            self.fit.update()
            self.fit._ensure_updates()

    def open_model(self, spec: dict) -> None:
        """Add ``spec`` to the session's models (replacing a model of yours
        of the same name) and show it in the Models tab."""
        lib = self.workspace.library
        name = lib.add(spec, replace=spec.get("name") in lib.user_models)
        self.models._refresh_list(name)
        self.tabs.active = _TABS.index("Models")
        self._say(f"the fitted model **{html.escape(name)}** is in the Models tab; use it in "
                  "the Network tab like any other model", "success")

    # -- building for the Run tab ---------------------------------------------------------
    def build(self):
        """The Network tab's network, built for a run: ``(built, schedule)``.

        Raises
        ------
        WorkbenchError
            The network has problems, or needs more memory than allowed.
        """
        ws = self.workspace
        problems = ws.network.problems()
        if problems:
            first = next(iter(problems.items()))
            raise WorkbenchError(f"the network has {sum(map(len, problems.values()))} "
                                 f"problem(s); first: {first[0]}: {first[1][0]} "
                                 "(see the Network tab)")
        # the session's recordings (RunSession.keep_mb) take their part of the limit
        ws.network.check_size(max(0, int(self.memory_limit - self.session.keep_mb * 2**20)))
        built = ws.network.build()
        return built, built.schedule()

    # -- labs -----------------------------------------------------------------------------
    def _labs(self):
        cards = []
        for key, lab in LABS.items():
            button = pn.widgets.Button(label="Load this lab", color="primary", width=140)
            button.on_click(lambda e, k=key: self.load_lab(k))
            cards.append(pn.Card(pn.pane.Markdown(lab.instructions), button, title=lab.title,
                                 collapsed=False, width=440, margin=8))
        fit_button = pn.widgets.Button(label="Open the fit lab", color="primary", width=140)
        fit_button.on_click(lambda e: self.open_fit_lab())
        cards.append(pn.Card(pn.pane.Markdown(FIT_LAB_TEXT), fit_button,
                             title="Fit a neuron to data", collapsed=False, width=440, margin=8))
        intro = pn.pane.Markdown(
            "### Labs\nEach lab loads models, a network and run settings into the other tabs. "
            "Then open **Run**, press **Build & compile**, and **Run**.")
        return pn.Column(intro, pn.FlexBox(*cards), sizing_mode="stretch_width")

    def open_fit_lab(self) -> None:
        """The Fit tab with the example recording, model and bounds loaded."""
        self.fit._use_example()
        self.tabs.active = _TABS.index("Fit")

    def load_lab(self, key: str) -> None:
        """Replace the workspace with lab ``key`` and show its network."""
        try:
            self._replace(load_lab(key))
        except (WorkbenchError, NeuroWorkbenchError) as exc:
            self._say(str(exc), "danger")
            return
        self._say(f"Lab loaded: **{html.escape(LABS[key].title)}**. Open **Run** and press "
                  "**Build & compile**, then **Run**.", "success")
        self.tabs.active = _TABS.index("Network")

    def _replace(self, other: Workspace) -> None:
        if self.session.busy:
            self.session.stop()
            self.session.join(5)
        self.workspace.replace_from(other)
        note = self._take_duration()
        self.models._refresh_list()
        return note

    def _take_duration(self) -> str:
        """The workspace's run duration for the Run tab; one Run covers at
        most MAX_DURATION_MS (a longer one is split: press Run again).
        Returns a note for the user when the duration was shortened."""
        wanted = float(self.workspace.run["duration"])
        self.session.duration = min(wanted, MAX_DURATION_MS)
        if wanted <= MAX_DURATION_MS:
            return ""
        return (f" Its run lasts {wanted:,.10g} ms; one Run covers at most "
                f"{MAX_DURATION_MS:,.10g} ms: press Run again to go on.")

    # -- files ---------------------------------------------------------------------------
    def _workspace_file(self):
        return io.StringIO(self.workspace.to_json())

    def _script_file(self):
        return io.StringIO(self.workspace.to_script())

    def _uploaded(self, event):
        data = event.new
        if not data:
            return
        if len(data) > UPLOAD_LIMIT_BYTES:
            self._say(f"this file has {len(data):,} bytes; a workspace may have at most "
                      f"{UPLOAD_LIMIT_BYTES:,}", "danger")
            return
        try:
            other = Workspace.from_json(data)
        except (WorkbenchError, NeuroWorkbenchError, ValueError) as exc:
            self._say(f"not opened: {html.escape(str(exc))}", "danger")
            return
        note = self._replace(other)
        self._say(f"opened {html.escape(self._upload.filename or 'the workspace')}.{note}",
                  "success")

    def _say(self, text: str, kind: str = "info") -> None:
        self._message.object, self._message.alert_type = text, kind
        self._message.visible = True

    def __panel__(self):
        header = pn.Row(
            pn.pane.Markdown("## neuroworkbench", margin=(0, 20, 0, 10)),
            pn.Spacer(sizing_mode="stretch_width"),
            self._upload,
            self._save, self._export, sizing_mode="stretch_width")
        return pn.Column(header, self._message, self.tabs, sizing_mode="stretch_width")
