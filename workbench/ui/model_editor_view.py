"""The Models tab: the session's model list and an editor per block.

State lives in :class:`~workbench.ui.model_library.ModelLibrary` and
:class:`~workbench.ui.model_editor.ModelEditor`; this module only shows them.
Each block is a code editor; typing re-parses the model through the engine's
safe parser (``value_input`` updates as the user types; a parse takes a few
milliseconds, so no extra debounce is needed) and the editor marks each
error at its line and column. Text only ever flows from an editor to the
model (see ``_make_editor``'s comment).
"""

from __future__ import annotations

import html

import panel as pn
import param

from engine import Network, NeuroWorkbenchError
from workbench.ui.model_editor import BLOCKS, ModelEditor
from workbench.ui.model_library import ModelLibrary
from workbench.ui.try_neuron import TryNeuron, TryNeuronView

__all__ = ["ModelEditorView", "generated_code_of"]

_BLOCK_HELP = {
    "parameters": "name = value : flags, one per line",
    "equations": "dv/dt = ... or x = ..., one per line",
    "spike": "spike condition, e.g. v >= v_th",
    "reset": "statements after a spike",
    "refractory": "ms, or a parameter name",
    "functions": "f(x) = expression",
    "psp": "rate-coded transmission, e.g. w * pre.r",
    "pre_spike": "on a pre-synaptic spike, e.g. g_target += w",
    "post_spike": "on a post-synaptic spike",
}
_BLOCK_HEIGHT = {"parameters": 130, "equations": 130, "functions": 70}


def generated_code_of(model) -> str:
    """The Numba source the engine generates for a neuron ``model`` (one
    population of it), or a line saying why there is none."""
    from engine import Neuron

    if not isinstance(model, Neuron):
        return "# a synapse's code is generated with the projection that uses it"
    try:
        net = Network(dt=0.1)
        pop = net.create(1, model)
        return net.generated_code(of=pop)
    except NeuroWorkbenchError as exc:
        return f"# no code: {exc}"


class ModelEditorView(pn.viewable.Viewer):
    """A model list beside the editor of the selected model."""

    library = param.ClassSelector(class_=ModelLibrary)
    editor = param.ClassSelector(class_=ModelEditor)

    def __init__(self, library: ModelLibrary | None = None, **params):
        library = library or ModelLibrary()
        editor = params.pop("editor", None) or ModelEditor(library.spec("Izhikevich"))
        super().__init__(library=library, editor=editor, **params)
        self._models = pn.widgets.Select(label="Models", options=self._options(), size=14,
                                         value="Izhikevich", width=230)
        self._new_neuron = pn.widgets.Button(label="New neuron", width=110)
        self._new_synapse = pn.widgets.Button(label="New synapse", width=110)
        self._copy = pn.widgets.Button(label="Copy", width=110)
        self._delete = pn.widgets.Button(label="Delete", width=110, color="danger")
        self._save = pn.widgets.Button(label="Save model", color="primary", width=150)
        self._name = pn.widgets.TextInput.from_param(self.editor.param.model_name, label="Name")
        self._status = pn.pane.Alert("", alert_type="success", margin=(5, 10))
        self._latex = pn.Column(sizing_mode="stretch_width")
        self._code = pn.widgets.CodeEditor(language="python", readonly=True, height=300,
                                           sizing_mode="stretch_width")
        self._code_card = pn.Card(self._code, title="Generated Numba code", collapsed=True,
                                  sizing_mode="stretch_width")
        self._code_card.param.watch(lambda e: self._refresh_code(), "collapsed")
        self._try_view = None
        self._try_card = pn.Card(title="Try it: one neuron under a current step, its f-I curve",
                                 collapsed=True, sizing_mode="stretch_width")
        self._try_card.param.watch(self._open_try, "collapsed")
        self._editors = {}
        self._editor_column = pn.Column(sizing_mode="stretch_width")
        self._models.param.watch(self._select, "value")
        self._new_neuron.on_click(lambda e: self._new("neuron"))
        self._new_synapse.on_click(lambda e: self._new("synapse"))
        self._copy.on_click(self._copy_model)
        self._delete.on_click(self._delete_model)
        self._save.on_click(self._save_model)
        self.editor.param.watch(self._show_state, ["annotations", "message", "model"])
        self.editor.param.watch(self._rebuild_editors, "kind")
        # a block set from Python (a notebook cell, a lab) shows in its editor
        self._typing = False
        self.editor.param.watch(self._block_set,
                                list(dict.fromkeys(BLOCKS["neuron"] + BLOCKS["synapse"])))
        self._rebuild_editors()
        self._show_state()

    # -- the list -----------------------------------------------------------------
    def _options(self) -> dict:
        out = {}
        for name in self.library.names():
            kind = self.library.spec(name)["kind"]
            tag = "built-in" if self.library.is_builtin(name) else "yours"
            out[f"{name}  ({kind}, {tag})"] = name
        return out

    def _refresh_list(self, value=None):
        self._models.options = self._options()
        if value is not None:
            self._models.value = value

    def _show_model(self, spec: dict, note: str | None = None):
        """Load ``spec`` into the editors; the page gets the new editors and
        the status in one message (the status never names a model whose
        text has not arrived)."""
        with pn.io.hold():
            self.editor.load(spec)
            self._sync_editors()
            if note:
                self._status.object = note

    def _select(self, event):
        if event.new:
            self._show_model(self.library.spec(event.new))

    def _new(self, kind):
        base = "MyNeuron" if kind == "neuron" else "MySynapse"
        name = base if base not in self.library.names() else self.library.copy_name(base)
        spec = {"kind": kind, "name": name}
        if kind == "neuron":
            spec.update(parameters="tau = 10.0\nv_th = 1.0\nI = 1.5",
                        equations="tau * dv/dt = -v + I", spike="v >= v_th", reset="v = 0.0")
        else:
            spec.update(parameters="", pre_spike="g_target += w")
        self._show_model(spec, f"new {kind} {name!r}: edit it, then Save model")

    def _copy_model(self, event):
        spec = self.editor.to_spec()
        spec["name"] = self.library.copy_name(self.editor.model_name or "model")
        self._show_model(spec)

    def _delete_model(self, event):
        name = self._models.value
        try:
            self.library.remove(name)
        except NeuroWorkbenchError as exc:
            self._status.object, self._status.alert_type = str(exc), "warning"
            return
        self._refresh_list("Izhikevich")

    def _save_model(self, event):
        name = self.editor.model_name
        try:
            self.library.add(self.editor.to_spec(), replace=name in self.library.user_models)
        except NeuroWorkbenchError as exc:
            self._status.object, self._status.alert_type = html.escape(str(exc)), "danger"
            return
        self._refresh_list(name)
        self._status.object, self._status.alert_type = f"saved {name!r}", "success"

    # -- the editors ----------------------------------------------------------------
    # Text flows one way only: from the browser's editor to the model. Python
    # never pushes text into a live editor: Ace's setValue emits an empty
    # intermediate text, and a push that crosses key presses still in flight
    # leaves the server and the page with different texts (seen under load:
    # the page showing a broken line, the server checking an older one). A
    # model loaded or a block set from Python gets a new editor instead, and
    # events from replaced editors are ignored.
    def _make_editor(self, block: str) -> pn.widgets.CodeEditor:
        text = getattr(self.editor, block)
        ed = pn.widgets.CodeEditor(
            value=text, value_input=text, language="python", theme="chrome",
            height=_BLOCK_HEIGHT.get(block, 50), sizing_mode="stretch_width",
            label=block, margin=(0, 5, 8, 5), on_keyup=False,
            annotations=list(self.editor.annotations.get(block, [])))
        # value_input follows every key press (on_keyup=False: ``value`` is
        # only sent on blur, the same text, so one message per key, not two)
        ed.param.watch(lambda e, b=block, w=ed: self._typed(b, e.new, w), "value_input")
        return ed

    def _rebuild_editors(self, *_):
        self._editors = {}
        cards = []
        for block in BLOCKS[self.editor.kind]:
            self._editors[block] = self._make_editor(block)
            cards.append(pn.pane.Markdown(f"**{block}** <small>{_BLOCK_HELP[block]}</small>",
                                          margin=(0, 5)))
            cards.append(self._editors[block])
        self._editor_column.objects = cards

    def _sync_editors(self):
        """Give every block whose text differs from its editor a new editor."""
        if list(self._editors) != list(BLOCKS[self.editor.kind]):
            self._rebuild_editors()
            return
        objects = list(self._editor_column.objects)
        changed = False
        for block, ed in list(self._editors.items()):
            if ed.value_input != getattr(self.editor, block):
                new = self._make_editor(block)
                objects[objects.index(ed)] = new
                self._editors[block] = new
                changed = True
        if changed:
            self._editor_column.objects = objects

    def _block_set(self, event):
        # a block set from Python shows in a new editor; one set by typing in
        # the editor is never sent back (the text would jump under the cursor)
        if not self._typing:
            self._sync_editors()

    def _typed(self, block, text, widget=None):
        if widget is not None and self._editors.get(block) is not widget:
            return                                   # a replaced editor's late key press
        if text is not None and getattr(self.editor, block) != text:
            self._typing = True
            try:
                setattr(self.editor, block, text)
            finally:
                self._typing = False

    def _show_state(self, *_):
        for block, ed in self._editors.items():
            ed.annotations = list(self.editor.annotations.get(block, []))
        ok = self.editor.model is not None
        self._status.alert_type = "success" if ok else "danger"
        lines = [html.escape(self.editor.message)]
        for d in self.editor.diagnostics[:6]:
            where = f"{d.block}, line {d.line}, column {d.col}" if d.line else d.block
            hint = f" <i>{html.escape(d.hint)}</i>" if d.hint else ""
            lines.append(f"- {where}: {html.escape(d.message)}{hint}")
        self._status.object = "\n".join(lines)
        items = []
        for block, stmts in self.editor.latex().items():
            items.append(pn.pane.Markdown(f"**{block}**", margin=(4, 5, 0, 5)))
            items.extend(pn.pane.LaTeX(f"${s}$", renderer="katex", margin=(0, 10),
                                       styles={"font-size": "15px"}) for s in stmts)
        self._latex.objects = items
        if not self._code_card.collapsed:
            self._refresh_code()
        if self._try_view is not None and self.editor.model is not None:
            self._try_view.state.use(self.editor.model)

    def _open_try(self, event):
        """The explorer is made (and its neuron compiled) when first opened."""
        if event.new or self._try_view is not None:
            return
        state = TryNeuron()
        if self.editor.model is not None:
            state.use(self.editor.model)
        self._try_view = TryNeuronView(state=state)
        self._try_card.objects = [self._try_view]

    def _refresh_code(self):
        if not self._code_card.collapsed and self.editor.model is not None:
            self._code.value = generated_code_of(self.editor.model)

    def __panel__(self):
        left = pn.Column(
            self._models,
            pn.Row(self._new_neuron, self._new_synapse),
            pn.Row(self._copy, self._delete), width=250)
        middle = pn.Column(
            pn.Row(self._name, self._save), self._status, self._editor_column,
            sizing_mode="stretch_width", min_width=420)
        right = pn.Column(pn.pane.Markdown("#### Parsed equations"), self._latex,
                          self._code_card, sizing_mode="stretch_width", min_width=320)
        return pn.Column(pn.Row(left, middle, right, sizing_mode="stretch_width"),
                         self._try_card, sizing_mode="stretch_width")
