"""Choosing the threshold from data alone: extended BIC of the refitted thresholded DAG.

Everything works on the second-moment matrix ``S`` of the centred training
data, so it costs nothing in ``n``. No torch here.
"""

import math

import numpy as np

from ._search import bic_cost, residual_variances
from .graph import threshold_to_dag

__all__ = ["ols_weights", "candidate_thresholds", "select_threshold"]

_MIN_VARIANCE = 1e-12


def ols_weights(S, B):
    """Least-squares weights of every node on its parents in ``B``, and residual variances.

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second-moment matrix of centred data.
    B : ndarray of shape (d, d)
        Graph, nonzero ``[i, j]`` meaning ``i -> j``.

    Returns
    -------
    W : ndarray of shape (d, d)
        ``W[i, j]`` the coefficient of ``i`` in node ``j``'s regression.
    variances : ndarray of shape (d,)
    """
    d = S.shape[0]
    W = np.zeros((d, d))
    for j in range(d):
        parents = np.flatnonzero(B[:, j])
        if parents.size:
            W[parents, j] = np.linalg.lstsq(S[np.ix_(parents, parents)], S[parents, j], rcond=None)[
                0
            ]
    return W, np.maximum(residual_variances(S, B), _MIN_VARIANCE)


def candidate_thresholds(W, floor=0.01, max_candidates=60):
    """Thresholds worth trying: the distinct ``|W|`` values above ``floor``.

    Each threshold just below a weight decides whether that edge enters, so
    these are the only distinct graphs; the largest weight itself gives the
    empty graph. Past ``max_candidates`` an even
    spread of quantiles is taken.
    """
    values = np.unique(np.abs(W[np.abs(W) > floor]))
    top = values[-1] if values.size else floor  # cutting at the largest weight: empty graph
    cuts = np.concatenate([[floor, top], values * (1.0 - 1e-9)])
    if cuts.size > max_candidates:
        cuts = np.quantile(cuts, np.linspace(0.0, 1.0, max_candidates))
    return np.unique(cuts)


def select_threshold(W, S, n_samples, equal_variances=False, required=None):
    """The threshold whose thresholded DAG has the lowest BIC.

    Parameters
    ----------
    W : ndarray of shape (d, d)
        Learned weights.
    S : ndarray of shape (d, d)
        Second-moment matrix of the (centred, possibly standardized) data.
    n_samples : int
    equal_variances : bool, default=False
    required : ndarray of bool, shape (d, d), optional
        Edges kept at every threshold.

    Returns
    -------
    float
        The chosen threshold (ties go to the larger one: the sparser graph).
    """
    cuts = candidate_thresholds(W)
    # Edges enter strongest first and one closing a cycle is skipped, so the DAG at
    # any cut is the DAG at the lowest cut restricted to the edges above it.
    lowest = threshold_to_dag(W, float(cuts.min()), required) != 0
    forced = np.zeros(W.shape, dtype=bool) if required is None else np.asarray(required, bool)
    best_cut, best_bic = None, math.inf
    for cut in cuts[::-1]:
        graph = lowest & ((np.abs(W) > cut) | forced)
        bic = bic_cost(S, n_samples, graph, equal_variances)
        if bic < best_bic - 1e-9:
            best_cut, best_bic = float(cut), bic
    return best_cut
