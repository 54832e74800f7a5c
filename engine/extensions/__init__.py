"""ANNarchy's ``ANNarchy.extensions`` module paths, for scripts ported by
changing only the import (``from engine.extensions.bold import BoldMonitor``)."""
