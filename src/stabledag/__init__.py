"""stabledag: learn causal DAGs from observational data by stable continuous optimisation."""

import logging

from .estimator import StableDAGLearner
from .exceptions import DiagnosticWarning
from .metrics import graph_scorer
from .stability import EdgeStability

__version__ = "0.1.0"
__all__ = ["StableDAGLearner", "EdgeStability", "DiagnosticWarning", "graph_scorer", "__version__"]

logging.getLogger("stabledag").addHandler(logging.NullHandler())
