"""SONATA networks (BMTK's file format): build, save and read them.

``NetworkBuilder`` builds node and edge populations as BMTK's builder does
and saves them as SONATA files (:mod:`workbench.sonata.files`, which reads
them back without importing the engine); ``Config`` reads a simulation's
``config.json`` (manifest, sections checked) and ``read_spikes`` /
``write_spikes`` handle SONATA spike files. The PointNet-style runner and
the NEST-named model catalogue come next (issue "Workbench II").
"""

from workbench.sonata.builder import Node, NetworkBuilder, NodePool
from workbench.sonata.config import Config
from workbench.sonata.errors import SonataError
from workbench.sonata.files import EdgeTable, NodeTable, read_edges, read_nodes
from workbench.sonata.spikes import read_spikes, write_spikes

__all__ = ["NetworkBuilder", "NodePool", "Node", "SonataError", "NodeTable", "EdgeTable",
           "read_nodes", "read_edges", "Config", "read_spikes", "write_spikes"]
