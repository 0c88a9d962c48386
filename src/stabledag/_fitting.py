"""From prepared data to a fitted graph: the estimator's solver, without scikit-learn.

Builds a model and its statistics, runs the training loop
(:func:`stabledag._training.train`), then selects the graph: the threshold,
the order-search refinement and the orientation step for the linear model.
For the MLP the spline-model search picks the graph and the networks are
fitted on it (:func:`searched_mlp`); with ``refine=False`` the continuous
fit's nonlinear-BIC threshold and a masked refit (:func:`mlp_graph`).
Everything returned is plain NumPy; :class:`stabledag.StableDAGLearner` only
assigns it.
"""

import dataclasses
import math

import numpy as np
import torch

from . import graph as _graph
from ._additive import additive_search
from ._orient import orient_by_dependence
from ._search import multi_start_order_search
from ._selection import ols_weights, select_threshold, select_threshold_nonlinear
from ._training import refit, train
from ._validation import second_moments
from .models import MLPSEM, LinearSEM, mlp_predict

__all__ = [
    "train_linear",
    "train_mlp",
    "linear_graph",
    "mlp_graph",
    "searched_mlp",
]

# Extra thresholds whose DAGs also seed the order search (the lowest-BIC result wins).
REFINE_STARTS = (0.05, 0.1, 0.2, 0.3, 0.5)


def data_tensors(Z, train_idx, val_idx, device):
    """Training and validation rows as float64 tensors (the same tensor twice without a split)."""
    X_train = torch.tensor(Z[train_idx], dtype=torch.float64, device=device)
    if val_idx is None:
        return X_train, X_train
    return X_train, torch.tensor(Z[val_idx], dtype=torch.float64, device=device)


def train_linear(Z, train_idx, val_idx, config, *, equal_variances, allowed, device, on_epoch):
    """Fit a :class:`~stabledag.models.LinearSEM` on the second moments; ``(result, model)``."""
    model = LinearSEM(Z.shape[1], equal_variances=equal_variances, allowed=allowed, device=device)
    center = Z[train_idx].mean(axis=0)
    S_train = second_moments(Z[train_idx], center)
    S_val = S_train if val_idx is None else second_moments(Z[val_idx], center)
    train_stats = torch.tensor(S_train, dtype=torch.float64, device=device)
    val_stats = torch.tensor(S_val, dtype=torch.float64, device=device)
    data = (None, None)
    if config.lambda_disen > 0:  # the residual term needs the data, not only S
        data = data_tensors(Z - center, train_idx, val_idx, device)
    return train(model, train_stats, val_stats, config, on_epoch, data), model


def train_mlp(
    Z, train_idx, val_idx, config, *, hidden_units, equal_variances, allowed, device, on_epoch, seed
):
    """Fit an :class:`~stabledag.models.MLPSEM` on the data; ``(result, model)``."""
    model = MLPSEM(
        Z.shape[1],
        hidden_units=hidden_units,
        equal_variances=equal_variances,
        allowed=allowed,
        generator=torch.Generator().manual_seed(seed),
        device=device,
    )
    X_train, X_val = data_tensors(Z, train_idx, val_idx, device)
    stats = model.prepare(X_train), model.prepare(X_val)
    return train(model, *stats, config, on_epoch, stats), model


def linear_graph(weights, Z, *, threshold, equal_variances, required, allowed, refine, orient):
    """Threshold, refine and orient the linear model's weights; least-squares refit.

    Returns
    -------
    dict
        ``threshold_``, ``adjacency_`` and ``noise_var_``.
    """
    S = second_moments(Z, np.zeros(Z.shape[1]))
    n_samples = Z.shape[0]
    if threshold == "auto":
        threshold = select_threshold(weights, S, n_samples, equal_variances, required)
    threshold = float(threshold)
    B = _graph.threshold_to_dag(weights, threshold, required) != 0
    if refine:
        starts = [
            _graph.threshold_to_dag(weights, cut, required) for cut in (threshold,) + REFINE_STARTS
        ]
        B = multi_start_order_search(
            S, n_samples, starts, equal_variances, allowed=allowed, required=required
        )
    if orient:  # the BIC above is blind to what the residual-dependence term learned
        B = orient_by_dependence(Z, B, required=required, allowed=allowed)
    adjacency, variances = ols_weights(S, B)
    noise_var = np.full_like(variances, variances.mean()) if equal_variances else variances
    return {"threshold_": threshold, "adjacency_": adjacency, "noise_var_": noise_var}


def mlp_graph(
    weights,
    Z,
    model,
    train_idx,
    val_idx,
    config,
    *,
    threshold,
    equal_variances,
    required,
    device,
):
    """Threshold the continuous MLP's adjacency, refit the networks on the DAG.

    The path of ``refine=False`` (or ``lambda_disen > 0``): the threshold is
    chosen by a nonlinear BIC (:class:`stabledag._selection.NonlinearNodeCost`)
    and the networks are refitted with the thresholded DAG as a mask.

    Returns
    -------
    dict
        ``threshold_``, ``adjacency_`` (first-layer norms on the DAG), ``noise_var_``
        and ``mlp_params_``.
    """
    if threshold == "auto":
        threshold = select_threshold_nonlinear(weights, Z, required)
    threshold = float(threshold)
    B = _graph.threshold_to_dag(weights, threshold, required) != 0
    X_train, X_val = data_tensors(Z, train_idx, val_idx, device)
    params = refit(model, B, X_train, X_val, config)
    return {"threshold_": threshold, **_networks_on_graph(params, B, Z[train_idx], equal_variances)}


def _networks_on_graph(params, B, Z_train, equal_variances):
    """``adjacency_``, ``noise_var_`` and ``mlp_params_`` of networks fitted on the DAG ``B``."""
    norms = np.sqrt((params["weight1"] ** 2).sum(axis=1)).T
    adjacency = np.where(B, np.maximum(norms, np.finfo(np.float64).tiny), 0.0)
    residuals = Z_train - mlp_predict(params, Z_train)
    variances = np.maximum((residuals**2).mean(axis=0), 1e-12)
    noise_var = np.full_like(variances, variances.mean()) if equal_variances else variances
    return {"adjacency_": adjacency, "noise_var_": noise_var, "mlp_params_": params}


def searched_mlp(
    Z,
    train_idx,
    val_idx,
    config,
    *,
    hidden_units,
    equal_variances,
    required,
    allowed,
    device,
    on_epoch,
    seed,
):
    """The MLP model's default path: the additive search picks the DAG, the networks fit on it.

    The graph is :func:`stabledag._additive.additive_search`'s (from the
    empty graph, on all rows; it draws nothing at random, so it does not
    depend on ``seed``). The networks are then trained with that DAG as
    their mask, in one stage without the L1 penalty (on a DAG the
    acyclicity term is zero), stopped early on the validation loss. No
    continuous structure fit runs: on every nonlinear benchmark measured it
    did not improve on the search's graph and cost 100-1000 times as much
    (``benchmarks/README.md``, issue 20).

    Returns
    -------
    result : TrainingResult
        The fit of the networks on the DAG (``weights``: their first-layer
        norms, zero off the DAG).
    fitted : dict
        ``threshold_`` (0.0: the graph is the pattern of the norms),
        ``adjacency_``, ``noise_var_`` and ``mlp_params_``.
    """
    B = additive_search(Z, [], allowed=allowed, required=required, equal_variances=equal_variances)
    model = MLPSEM(
        Z.shape[1],
        hidden_units=hidden_units,
        equal_variances=equal_variances,
        allowed=B,
        generator=torch.Generator().manual_seed(seed),
        device=device,
    )
    with torch.no_grad():  # no log-det domain to respect on a DAG: unit-scale pre-activations
        n_parents = np.maximum(B.sum(axis=0), 1)
        scale = np.sqrt(3.0 / n_parents) / math.sqrt(0.3 / (Z.shape[1] * hidden_units))
        model.weight1.mul_(torch.as_tensor(scale, dtype=model.weight1.dtype)[:, None, None])
    X_train, X_val = data_tensors(Z, train_idx, val_idx, device)
    stats = model.prepare(X_train), model.prepare(X_val)
    fit_config = dataclasses.replace(config, lambda_sparse=0.0, n_stages=1)
    result = train(model, *stats, fit_config, on_epoch, stats)
    fitted = _networks_on_graph(model.numpy_params(), B, Z[train_idx], equal_variances)
    return result, {"threshold_": 0.0, **fitted}
