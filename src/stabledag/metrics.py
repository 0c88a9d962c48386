"""Graph-recovery metrics and a ``scoring=`` factory for scikit-learn searches.

Conventions
-----------
``B[i, j] != 0`` means the edge ``i -> j``; the diagonal is ignored. A reversed
edge counts **once** in the structural Hamming distance (SHD), as in NOTEARS,
DAGMA and gCastle (the Causal Discovery Toolbox counts it twice by default).
An edge is a true positive only when its direction is right, so a reversed edge
is both a false discovery and a miss in precision, recall and F1.

This module needs no torch.
"""

import numpy as np

__all__ = [
    "shd",
    "precision",
    "recall",
    "fdr",
    "f1_score",
    "count_accuracy",
    "graph_scorer",
    "GRAPH_METRICS",
]


def _binary(B, name="graph"):
    B = np.asarray(B)
    if B.ndim != 2 or B.shape[0] != B.shape[1]:
        raise ValueError(f"{name} must be a square (d, d) matrix, got shape {B.shape}.")
    B = (B != 0).astype(np.int64)
    np.fill_diagonal(B, 0)
    return B


def _pair(true_graph, est_graph):
    T, P = _binary(true_graph, "true_graph"), _binary(est_graph, "est_graph")
    if T.shape != P.shape:
        raise ValueError(
            f"true_graph has shape {T.shape} but est_graph has shape {P.shape}; "
            "both must describe the same nodes."
        )
    return T, P


def shd(true_graph, est_graph):
    """Structural Hamming distance between two directed graphs.

    The number of unordered node pairs whose status (no edge, ``i -> j``,
    ``j -> i``, both) differs: a missing, an extra and a reversed edge each
    count 1 (the NOTEARS/DAGMA/gCastle convention).

    Parameters
    ----------
    true_graph : array-like of shape (d, d)
        Reference adjacency, nonzero ``[i, j]`` meaning ``i -> j``.
    est_graph : array-like of shape (d, d)
        Estimated adjacency, same convention.

    Returns
    -------
    int
        The distance; 0 means identical graphs.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.metrics import shd
    >>> B = np.array([[0, 1], [0, 0]])
    >>> shd(B, B.T)  # one reversed edge
    1
    """
    T, P = _pair(true_graph, est_graph)
    iu = np.triu_indices(T.shape[0], k=1)
    status_true = (T + 2 * T.T)[iu]
    status_est = (P + 2 * P.T)[iu]
    return int((status_true != status_est).sum())


def count_accuracy(true_graph, est_graph):
    """All edge-recovery figures at once.

    Parameters
    ----------
    true_graph : array-like of shape (d, d)
        Reference adjacency, nonzero ``[i, j]`` meaning ``i -> j``.
    est_graph : array-like of shape (d, d)
        Estimated adjacency, same convention.

    Returns
    -------
    dict
        ``shd``, ``precision``, ``recall`` (= TPR), ``fdr``, ``f1``, ``tp``,
        ``n_true`` and ``n_est`` (edge counts). Precision and FDR are 0 when
        the estimate has no edge; recall is 0 when the truth has none.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.metrics import count_accuracy
    >>> B = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    >>> count_accuracy(B, B)["f1"]
    1.0
    """
    T, P = _pair(true_graph, est_graph)
    tp = int((T & P).sum())
    n_true, n_est = int(T.sum()), int(P.sum())
    prec = tp / n_est if n_est else 0.0
    rec = tp / n_true if n_true else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return {
        "shd": shd(T, P),
        "precision": prec,
        "recall": rec,
        "fdr": (1.0 - prec) if n_est else 0.0,
        "f1": f1,
        "tp": tp,
        "n_true": n_true,
        "n_est": n_est,
    }


def precision(true_graph, est_graph):
    """Fraction of estimated edges that are true edges with the right direction.

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        Reference and estimated adjacency, nonzero ``[i, j]`` meaning ``i -> j``.

    Returns
    -------
    float
        In [0, 1]; 0 when the estimate has no edge.

    Examples
    --------
    >>> from stabledag.metrics import precision
    >>> precision([[0, 1], [0, 0]], [[0, 1], [0, 0]])
    1.0
    """
    return count_accuracy(true_graph, est_graph)["precision"]


def recall(true_graph, est_graph):
    """Fraction of true edges found with the right direction (TPR).

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        Reference and estimated adjacency, nonzero ``[i, j]`` meaning ``i -> j``.

    Returns
    -------
    float
        In [0, 1]; 0 when the truth has no edge.

    Examples
    --------
    >>> from stabledag.metrics import recall
    >>> recall([[0, 1], [0, 0]], [[0, 0], [1, 0]])  # reversed: not found
    0.0
    """
    return count_accuracy(true_graph, est_graph)["recall"]


def fdr(true_graph, est_graph):
    """False discovery rate: ``1 - precision`` (reversed edges are false).

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        Reference and estimated adjacency, nonzero ``[i, j]`` meaning ``i -> j``.

    Returns
    -------
    float
        In [0, 1]; 0 when the estimate has no edge.

    Examples
    --------
    >>> from stabledag.metrics import fdr
    >>> fdr([[0, 1], [0, 0]], [[0, 0], [1, 0]])
    1.0
    """
    return count_accuracy(true_graph, est_graph)["fdr"]


def f1_score(true_graph, est_graph):
    """Harmonic mean of precision and recall on directed edges.

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        Reference and estimated adjacency, nonzero ``[i, j]`` meaning ``i -> j``.

    Returns
    -------
    float
        In [0, 1]; higher is better.

    Examples
    --------
    >>> from stabledag.metrics import f1_score
    >>> f1_score([[0, 1], [0, 0]], [[0, 1], [0, 0]])
    1.0
    """
    return count_accuracy(true_graph, est_graph)["f1"]


GRAPH_METRICS = {
    "shd": shd,
    "f1": f1_score,
    "precision": precision,
    "recall": recall,
    "fdr": fdr,
}
_LOWER_IS_BETTER = {"shd", "fdr"}


def graph_scorer(true_graph, metric="shd", threshold=None):
    """Build a ``scoring=`` callable that compares a fitted graph to a known one.

    ``sklearn.metrics.make_scorer`` does not fit an unsupervised estimator
    (it needs ``y_true``), so searches that know the true graph use this.
    Metrics where lower is better (``"shd"``, ``"fdr"``) are negated, so a
    larger score is always better, as scikit-learn expects.

    Parameters
    ----------
    true_graph : array-like of shape (d, d)
        The known graph, nonzero ``[i, j]`` meaning ``i -> j``.
    metric : {"shd", "f1", "precision", "recall", "fdr"}, default="shd"
        Which agreement figure to return.
    threshold : float or None, default=None
        Passed to ``predict_graph``; ``None`` uses each fit's ``threshold_``.

    Returns
    -------
    callable
        ``scorer(estimator, X, y=None) -> float``; ``estimator`` may be a
        fitted :class:`~stabledag.StableDAGLearner` or a ``Pipeline`` ending in
        one. ``X`` is ignored.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.metrics import graph_scorer
    >>> scorer = graph_scorer(np.array([[0, 1], [0, 0]]), metric="f1")
    >>> callable(scorer)
    True
    """
    if metric not in GRAPH_METRICS:
        raise ValueError(f"metric={metric!r} is not one of {sorted(GRAPH_METRICS)}.")
    true_graph = _binary(true_graph, "true_graph")
    func = GRAPH_METRICS[metric]
    sign = -1.0 if metric in _LOWER_IS_BETTER else 1.0

    def scorer(estimator, X=None, y=None):
        est = estimator[-1] if hasattr(estimator, "steps") else estimator
        return sign * float(func(true_graph, est.predict_graph(threshold=threshold)))

    return scorer
