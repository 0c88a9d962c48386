"""From prepared statistics to a fitted graph: the estimator's solver, without scikit-learn.

:func:`fit_model` runs the stages every model shares:

1. **training** -- the model plug-in (:class:`stabledag.models.ModelPlugin`)
   builds its torch module and fits it with the one training loop
   (:func:`stabledag._training.train`);
2. **graph selection** -- the plug-in turns the learned weights into a DAG
   (threshold, refinement) and refits it.

Everything returned is plain NumPy in a :class:`FitResult`;
:class:`stabledag.StableDAGLearner` only assigns it.
"""

from dataclasses import dataclass

import numpy as np

from ._training import TrainingConfig, TrainingResult
from .models import FitContext, FittedGraph, TimeBudget

__all__ = ["FitResult", "fit_model"]


@dataclass
class FitResult:
    """What one fit produced: the training run and the selected graph.

    Attributes
    ----------
    training : TrainingResult
        History, epochs, convergence and the raw weights.
    graph : FittedGraph
        Threshold, weights, noise variances and model parameters of the DAG.
    ran_out_in : str or None
        Where ``max_time`` ran out (``"training"`` or ``"graph selection"``).
    max_epochs : int or None
        The epoch budget the fit had (``max_epochs``, ``"auto"`` resolved by
        the model's :meth:`~stabledag.models.ModelPlugin.epoch_budget`).
    """

    training: TrainingResult
    graph: FittedGraph
    ran_out_in: str | None = None
    max_epochs: int | None = None


def fit_model(plugin, stats, params, *, allowed, required, device, seed, on_epoch=None):
    """Train ``plugin``'s model on ``stats`` and select its graph.

    Parameters
    ----------
    plugin : ModelPlugin
    stats : DataStatistics
        Output of :func:`stabledag._statistics.prepare_statistics`.
    params : dict
        The estimator's ``get_params()``.
    allowed, required : ndarray of bool, shape (d, d)
        Prior-knowledge masks.
    device : torch.device
    seed : int
        Seed for the model's own draws.
    on_epoch : callable, optional
        Called with each epoch's history record.

    Returns
    -------
    FitResult

    Raises
    ------
    FloatingPointError
        If training returned non-finite weights.
    """
    budget = TimeBudget(params["max_time"])
    # "auto" means what the model says for this many variables; everything below sees an int
    params = {**params, "max_epochs": plugin.epoch_budget(stats.Z.shape[1], params)}
    config = TrainingConfig.from_params(params)
    ctx = FitContext(params, allowed, required, device, seed, on_epoch, budget)
    training, module = plugin.train(stats, config, ctx)
    if training.timed_out and budget.ran_out_in is None:
        budget.ran_out_in = "training"
    if not np.all(np.isfinite(training.weights)):
        raise FloatingPointError(
            "Training returned non-finite weights. Lower learning_rate or check the "
            "data for extreme values."
        )
    refine = bool(params["refine"]) and not training.timed_out
    graph = plugin.select_graph(training.weights, module, stats, config, ctx, refine=refine)
    return FitResult(training, graph, budget.ran_out_in, params["max_epochs"])
