"""The workbench: the layer people do science with, on top of the engine.

``workbench.ui`` holds the Panel components of the web app (state as
``param.Parameterized`` classes testable without a browser, views as
``pn.viewable.Viewer``). The workbench uses only the engine's public API.
"""
