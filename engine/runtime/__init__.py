"""Runtime objects: Network, Population, PopulationView, Monitor, Constant."""

from engine.runtime.constant import Constant
from engine.runtime.monitor import Monitor
from engine.runtime.network import Network
from engine.runtime.population import Population, PopulationView

__all__ = ["Network", "Population", "PopulationView", "Monitor", "Constant"]
