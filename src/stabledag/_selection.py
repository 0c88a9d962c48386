"""Choosing the threshold from data alone: the lowest-scoring thresholded DAG.

Each candidate threshold gives a DAG (edges enter strongest first, one that
would close a cycle is skipped); the DAG with the lowest score wins. The
score is any :class:`~stabledag._scores.NodeScore`: the linear model uses the
extended BIC of least-squares refits on the second-moment matrix
(:class:`~stabledag._scores.GaussianBIC`), the MLP model a random-feature
BIC (:class:`~stabledag._nonlinear_scores.RandomFeatureBIC`). No torch here.
"""

import math

import numpy as np

from .graph import threshold_to_dag

__all__ = ["candidate_thresholds", "select_threshold", "thresholded_dag", "FALLBACK_THRESHOLD"]


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


def select_threshold(W, score, required=None, budget=None):
    """The candidate threshold whose DAG has the lowest score (ties: the larger cut).

    Edges enter strongest first and one closing a cycle is skipped, so the DAG
    at any cut is the DAG at the lowest cut restricted to the edges above it:
    one projection serves every candidate, and a score's cached node costs
    are reused along the nested path.

    Parameters
    ----------
    W : ndarray of shape (d, d)
        Learned weights.
    score : NodeScore
        Rates each candidate DAG (``score.graph_cost``).
    required : ndarray of bool, shape (d, d), optional
        Edges kept at every threshold.
    budget : TimeBudget, optional
        When it runs out, the cuts not yet scored (the denser ones) are
        skipped and the best so far is returned.

    Returns
    -------
    float
        The chosen threshold (ties go to the larger one: the sparser graph).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._scores import GaussianBIC
    >>> from stabledag._selection import select_threshold
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> W = np.array([[0.0, 0.8], [0.05, 0.0]])
    >>> cut = select_threshold(W, GaussianBIC(S, 500))
    >>> bool(0.05 <= cut < 0.8)
    True
    """
    cuts = candidate_thresholds(W)
    lowest = threshold_to_dag(W, float(cuts.min()), required) != 0
    forced = np.zeros(W.shape, dtype=bool) if required is None else np.asarray(required, bool)
    strength = np.abs(W)
    best_cut, best = None, math.inf
    descending = cuts[::-1]
    graphs = (lowest & ((strength > cut) | forced) for cut in descending)
    for cut, value in zip(descending, score.graph_costs(graphs)):
        if value < best - 1e-9:
            best_cut, best = float(cut), value
        if budget is not None and budget.expired("graph selection"):
            break
    return best_cut


# The cut used when max_time has run out before the threshold could be chosen (NOTEARS').
FALLBACK_THRESHOLD = 0.3


def thresholded_dag(W, threshold, score, required=None, budget=None):
    """The threshold (chosen by ``score`` when ``"auto"``) and the DAG it cuts from ``W``.

    With ``threshold="auto"`` and a ``budget`` already spent, no cut is
    scored: :data:`FALLBACK_THRESHOLD` is used.

    Parameters
    ----------
    W : ndarray of shape (d, d)
        Learned weights.
    threshold : "auto" or float
        The estimator's ``threshold``.
    score : NodeScore
        Chooses the cut when ``threshold="auto"`` (see :func:`select_threshold`).
    required : ndarray of bool, shape (d, d), optional
        Edges kept whatever the cut.
    budget : TimeBudget, optional
        The fit's ``max_time`` (see :func:`select_threshold`).

    Returns
    -------
    threshold : float
    B : ndarray of bool, shape (d, d)
        Acyclic.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._scores import GaussianBIC
    >>> from stabledag._selection import thresholded_dag
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> cut, B = thresholded_dag(np.array([[0.0, 0.8], [0.05, 0.0]]), 0.3, GaussianBIC(S, 500))
    >>> cut, B.astype(int).tolist()
    (0.3, [[0, 1], [0, 0]])
    """
    if threshold == "auto":
        if budget is not None and budget.expired("graph selection"):
            threshold = FALLBACK_THRESHOLD
        else:
            threshold = select_threshold(W, score, required, budget)
    threshold = float(threshold)
    return threshold, threshold_to_dag(W, threshold, required) != 0
