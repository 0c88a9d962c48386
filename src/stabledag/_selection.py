"""Choosing the threshold from data alone: BIC of the refitted thresholded DAG.

Everything works on the second-moment matrix ``S`` of the centred training
data, so it costs nothing in ``n``. No torch here.
"""

import math

import numpy as np

from .graph import threshold_to_dag

__all__ = [
    "ols_weights",
    "residual_variances_ols",
    "dag_log_likelihood",
    "dag_bic",
    "select_threshold",
]

_MIN_VARIANCE = 1e-12
# gamma = 1 beat 0.5 and plain BIC on the ER2/SF2 benchmark cells in both modes (issue 3 note)
EBIC_GAMMA = 1.0


def edge_penalty(n_samples, n_nodes, gamma=None):
    """Cost of one edge in half-BIC units: ``log(n) / 2 + gamma * log(d)``.

    The extended BIC (Chen & Chen 2008; Foygel & Drton 2010): the ``gamma``
    term accounts for the number of candidate edges growing with ``d``;
    ``gamma=0`` is the plain BIC.
    """
    gamma = EBIC_GAMMA if gamma is None else gamma
    return 0.5 * math.log(n_samples) + gamma * math.log(max(n_nodes, 1))


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
    return W, residual_variances_ols(S, B)


def residual_variances_ols(S, B):
    """Residual variance of every node regressed (OLS) on its parents in ``B``.

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second-moment matrix of centred data.
    B : ndarray of shape (d, d)
        Graph, nonzero ``[i, j]`` meaning ``i -> j``.

    Returns
    -------
    ndarray of shape (d,)
    """
    d = S.shape[0]
    variances = np.empty(d)
    for j in range(d):
        parents = np.flatnonzero(B[:, j])
        if parents.size == 0:
            variances[j] = S[j, j]
            continue
        coef = np.linalg.lstsq(S[np.ix_(parents, parents)], S[parents, j], rcond=None)[0]
        variances[j] = S[j, j] - S[parents, j] @ coef
    return np.maximum(variances, _MIN_VARIANCE)


def dag_log_likelihood(S, n_samples, B, equal_variances=False):
    """Maximised Gaussian log-likelihood of a DAG with OLS weights.

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second-moment matrix of centred data.
    n_samples : int
        Number of samples behind ``S``.
    B : ndarray of shape (d, d)
        The DAG.
    equal_variances : bool, default=False
        One shared noise variance (pooled) instead of one per node.

    Returns
    -------
    float
    """
    variances = residual_variances_ols(S, B)
    d = S.shape[0]
    if equal_variances:
        log_var_sum = d * math.log(max(variances.mean(), _MIN_VARIANCE))
    else:
        log_var_sum = float(np.log(variances).sum())
    return -0.5 * n_samples * (log_var_sum + d * (1.0 + math.log(2 * math.pi)))


def dag_bic(S, n_samples, B, equal_variances=False):
    """Extended BIC (lower is better) of a DAG with OLS weights.

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second-moment matrix of centred data.
    n_samples : int
        Number of samples behind ``S``.
    B : ndarray of shape (d, d)
        The DAG.
    equal_variances : bool, default=False
        Shared noise variance instead of one per node.

    Returns
    -------
    float
        ``-2 log L + 2 k edge_penalty(n, d)`` with ``k`` the number of edges.
    """
    n_edges = int((np.asarray(B) != 0).sum())
    ll = dag_log_likelihood(S, n_samples, B, equal_variances)
    return -2.0 * ll + 2.0 * n_edges * edge_penalty(n_samples, S.shape[0])


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
    best_cut, best_bic = None, math.inf
    for cut in candidate_thresholds(W)[::-1]:
        bic = dag_bic(S, n_samples, threshold_to_dag(W, cut, required), equal_variances)
        if bic < best_bic - 1e-9:
            best_cut, best_bic = float(cut), bic
    return best_cut
