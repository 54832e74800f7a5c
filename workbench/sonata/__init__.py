"""SONATA networks (BMTK's file format): build, save and read them.

``NetworkBuilder`` builds node and edge populations as BMTK's builder does
and saves them as SONATA files (:mod:`workbench.sonata.files`, which reads
them back without importing the engine); ``Config`` reads a simulation's
``config.json`` (manifest, sections checked) and ``read_spikes`` /
``write_spikes`` handle SONATA spike files. ``PointNetwork`` and
``PointSimulator`` run a config on the engine as BMTK's PointNet does, with
NEST-named cell models (:mod:`workbench.nest`); ``python -m workbench.sonata
run config.json`` does it from a shell.
"""

from workbench.sonata.builder import Node, NetworkBuilder, NodePool
from workbench.sonata.config import Config
from workbench.sonata.errors import SonataError
from workbench.sonata.files import EdgeTable, NodeTable, read_edges, read_nodes
from workbench.sonata.pointnet import PointNetwork, PointSimulator
from workbench.sonata.reports import read_report, write_report
from workbench.sonata.spikes import read_spikes, write_spikes
from workbench.sonata.templates import cell_model, synaptic_weight

__all__ = ["NetworkBuilder", "NodePool", "Node", "SonataError", "NodeTable", "EdgeTable",
           "read_nodes", "read_edges", "Config", "read_spikes", "write_spikes",
           "PointNetwork", "PointSimulator", "read_report", "write_report", "cell_model",
           "synaptic_weight"]
