"""stabledag: learn causal DAGs from observational data by stable continuous optimisation."""

import logging

from .estimator import StableDAGLearner
from .metrics import graph_scorer

__version__ = "0.1.0"
__all__ = ["StableDAGLearner", "graph_scorer", "__version__"]

logging.getLogger("stabledag").addHandler(logging.NullHandler())
