"""Graph-recovery metrics and a ``scoring=`` factory for scikit-learn searches.

Conventions
-----------
``B[i, j] != 0`` means the edge ``i -> j``; the diagonal is ignored. A reversed
edge counts **once** in the structural Hamming distance (SHD), as in NOTEARS,
DAGMA and gCastle (the Causal Discovery Toolbox counts it twice by default).
An edge is a true positive only when its direction is right, so a reversed edge
is both a false discovery and a miss in precision, recall and F1.

Equivalence classes
-------------------
Without further assumptions observational data identify a DAG only up to its
Markov equivalence class, summarised by its CPDAG (see
:func:`stabledag.graph.dag_to_cpdag`). The class metrics (``shd_cpdag``,
``skeleton_*``, ``arrowhead_*``, ``class_accuracy``) compare classes, so a
learner is not charged for directions no method could know, and they accept
the output of class learners such as PC and GES: a matrix with a pair marked
both ways (``M[i, j] = M[j, i] = 1``, an undirected edge) is taken as a
CPDAG as given (it must then hold 0/1 with a zero diagonal); any other
matrix is taken as a DAG and replaced by its CPDAG. Pass
``est_as_given=True`` to take the estimate's marks as they are even when it
has no undirected edge (e.g. a fully directed PC output that should not be
converted; a true DAG or CPDAG needs no such switch, since a CPDAG without
undirected edges is its own class). causal-learn's graphs convert with
:func:`stabledag.graph.from_causallearn`.

``LOWER_IS_BETTER`` is the set of names in ``GRAPH_METRICS`` for which a
smaller value is better (``"shd"``, ``"fdr"``, ``"shd_cpdag"``);
``CLASS_METRICS`` the names of the class metrics (those that compare
equivalence classes and take ``est_as_given``).

This module needs no torch.
"""

import numpy as np

from .graph import check_adjacency, dag_to_cpdag

__all__ = [
    "shd",
    "precision",
    "recall",
    "fdr",
    "f1_score",
    "count_accuracy",
    "shd_cpdag",
    "skeleton_precision",
    "skeleton_recall",
    "skeleton_f1",
    "arrowhead_precision",
    "arrowhead_recall",
    "arrowhead_f1",
    "class_accuracy",
    "graph_scorer",
    "GRAPH_METRICS",
    "LOWER_IS_BETTER",
    "CLASS_METRICS",
]


def _binary(B, name="graph"):
    """0/1 pattern of a numeric square matrix, diagonal ignored; clear errors otherwise."""
    B = (check_adjacency(B, name) != 0).astype(np.int64)
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


# ------------------------------------------------------------------ class metrics
def _as_class(G, name, as_given=False):
    """The CPDAG to compare: given (undirected pairs or ``as_given``) or a DAG's class."""
    A = check_adjacency(G, name)
    if as_given or np.any((A != 0) & (A.T != 0) & ~np.eye(A.shape[0], dtype=bool)):
        bad = (A != 0) & (A != 1)
        if np.any(bad):
            i, j = np.argwhere(bad)[0].tolist()
            raise ValueError(
                f"{name} is read as a CPDAG (a pair is marked both ways, or est_as_given), "
                f"so it must hold 0/1 marks, but [{i}, {j}] is {A[i, j]:g}. A weighted "
                "graph with 2-cycles is neither a DAG nor a CPDAG; make it acyclic first."
            )
        loops = np.flatnonzero(np.diag(A))
        if loops.size:
            raise ValueError(
                f"{name} is read as a CPDAG but has 1 on the diagonal at node "
                f"{int(loops[0])}; it must be 0."
            )
        return A.astype(np.int64)
    A = A != 0
    np.fill_diagonal(A, False)
    try:
        return dag_to_cpdag(A).astype(np.int64)
    except ValueError as exc:
        raise ValueError(
            f"{name} has no pair marked both ways, so it is read as a DAG, but it has a "
            "directed cycle; pass a DAG or a CPDAG (for an estimate, est_as_given=True "
            "compares its marks as they are)."
        ) from exc


def _class_pair(true_graph, est_graph, est_as_given):
    T = _as_class(true_graph, "true_graph")
    P = _as_class(est_graph, "est_graph", est_as_given)
    if T.shape != P.shape:
        raise ValueError(
            f"true_graph has shape {T.shape} but est_graph has shape {P.shape}; "
            "both must describe the same nodes."
        )
    return T, P


def _rates(tp, n_true, n_est):
    """Precision, recall, F1; all 1 when both sets are empty (nothing to find or claim)."""
    if n_true == 0 and n_est == 0:
        return 1.0, 1.0, 1.0
    prec = tp / n_est if n_est else 0.0
    rec = tp / n_true if n_true else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return prec, rec, f1


def class_accuracy(true_graph, est_graph, *, est_as_given=False):
    """All equivalence-class figures at once: class SHD, skeleton and arrowhead rates.

    Each input is a DAG (replaced by its CPDAG) or a CPDAG (used as given);
    see the module notes. Each unordered pair has one of four marks: none,
    ``i -> j``, ``j -> i`` or ``i - j``.

    - ``shd_cpdag``: the number of pairs whose marks differ (a missing,
      extra, reversed or wrongly (un)directed edge each count 1).
    - ``skeleton_*``: precision, recall and F1 of the adjacencies,
      ignoring marks.
    - ``arrowhead_*``: precision, recall and F1 of the directed edges of
      the classes (an arrowhead is right when the estimate directs a pair
      the way the true CPDAG does; an undirected edge has none).

    Precision is 0 when the estimate claims nothing and recall 0 when the
    truth has nothing, except that both are 1 (and F1 is 1) when both
    sets are empty: e.g. the arrowheads of two trees, whose classes have
    no directed edge.

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        DAGs (nonzero ``[i, j]`` meaning ``i -> j``, weights allowed) or
        CPDAGs (0/1, ``[i, j] = [j, i] = 1`` for ``i - j``).
    est_as_given : bool, default=False
        Take ``est_graph``'s marks as they are, even with no undirected
        edge (it is then not replaced by a DAG's class).

    Returns
    -------
    dict
        ``shd_cpdag``, ``skeleton_precision``, ``skeleton_recall``,
        ``skeleton_f1``, ``arrowhead_precision``, ``arrowhead_recall``,
        ``arrowhead_f1``, and the counts ``n_true_edges``, ``n_est_edges``,
        ``n_true_arrowheads``, ``n_est_arrowheads``.

    Examples
    --------
    A chain and its reversal are the same class:

    >>> import numpy as np
    >>> from stabledag.metrics import class_accuracy
    >>> chain = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    >>> class_accuracy(chain, chain.T)["shd_cpdag"]
    0
    >>> collider = np.array([[0, 1, 0], [0, 0, 0], [0, 1, 0]])  # 0 -> 1 <- 2
    >>> class_accuracy(collider, chain)["arrowhead_recall"]
    0.0
    """
    T, P = _class_pair(true_graph, est_graph, est_as_given)
    iu = np.triu_indices(T.shape[0], k=1)
    marks_true = (T + 2 * T.T)[iu]
    marks_est = (P + 2 * P.T)[iu]
    skel_true, skel_est = marks_true > 0, marks_est > 0
    heads_true, heads_est = T & (1 - T.T), P & (1 - P.T)
    n_true, n_est = int(skel_true.sum()), int(skel_est.sum())
    sp, sr, sf = _rates(int((skel_true & skel_est).sum()), n_true, n_est)
    a_true, a_est = int(heads_true.sum()), int(heads_est.sum())
    ap, ar, af = _rates(int((heads_true & heads_est).sum()), a_true, a_est)
    return {
        "shd_cpdag": int((marks_true != marks_est).sum()),
        "skeleton_precision": sp,
        "skeleton_recall": sr,
        "skeleton_f1": sf,
        "arrowhead_precision": ap,
        "arrowhead_recall": ar,
        "arrowhead_f1": af,
        "n_true_edges": n_true,
        "n_est_edges": n_est,
        "n_true_arrowheads": a_true,
        "n_est_arrowheads": a_est,
    }


def shd_cpdag(true_graph, est_graph, *, est_as_given=False):
    """Structural Hamming distance between equivalence classes (CPDAGs).

    The number of unordered pairs whose mark (none, ``i -> j``, ``j -> i``,
    ``i - j``) differs between the two CPDAGs. DAG inputs are replaced by
    their CPDAG, CPDAG inputs used as given (see :func:`class_accuracy`).

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        DAGs or CPDAGs.
    est_as_given : bool, default=False
        Take ``est_graph``'s marks as they are (see :func:`class_accuracy`).

    Returns
    -------
    int
        0 when the classes are identical.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.metrics import shd, shd_cpdag
    >>> chain = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])   # 0 -> 1 -> 2
    >>> fork = np.array([[0, 0, 0], [1, 0, 1], [0, 0, 0]])    # 0 <- 1 -> 2
    >>> shd(chain, fork), shd_cpdag(chain, fork)  # one reversal, but the same class
    (1, 0)
    """
    return class_accuracy(true_graph, est_graph, est_as_given=est_as_given)["shd_cpdag"]


def skeleton_precision(true_graph, est_graph, *, est_as_given=False):
    """Share of the estimated adjacencies (edges, direction ignored) that are true.

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        DAGs or CPDAGs (see :func:`class_accuracy`).
    est_as_given : bool, default=False
        Take ``est_graph``'s marks as they are (see :func:`class_accuracy`).

    Returns
    -------
    float
        In [0, 1]; 0 when the estimate has no edge (1 when neither has one).

    Examples
    --------
    >>> from stabledag.metrics import skeleton_precision
    >>> skeleton_precision([[0, 1], [0, 0]], [[0, 0], [1, 0]])  # reversed: same adjacency
    1.0
    """
    return class_accuracy(true_graph, est_graph, est_as_given=est_as_given)["skeleton_precision"]


def skeleton_recall(true_graph, est_graph, *, est_as_given=False):
    """Share of the true adjacencies (edges, direction ignored) found.

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        DAGs or CPDAGs (see :func:`class_accuracy`).
    est_as_given : bool, default=False
        Take ``est_graph``'s marks as they are (see :func:`class_accuracy`).

    Returns
    -------
    float
        In [0, 1]; 0 when the truth has no edge (1 when neither has one).

    Examples
    --------
    >>> from stabledag.metrics import skeleton_recall
    >>> skeleton_recall([[0, 1, 1], [0, 0, 0], [0, 0, 0]], [[0, 1, 0], [0, 0, 0], [0, 0, 0]])
    0.5
    """
    return class_accuracy(true_graph, est_graph, est_as_given=est_as_given)["skeleton_recall"]


def skeleton_f1(true_graph, est_graph, *, est_as_given=False):
    """Harmonic mean of skeleton precision and recall.

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        DAGs or CPDAGs (see :func:`class_accuracy`).
    est_as_given : bool, default=False
        Take ``est_graph``'s marks as they are (see :func:`class_accuracy`).

    Returns
    -------
    float
        In [0, 1]; higher is better.

    Examples
    --------
    >>> from stabledag.metrics import skeleton_f1
    >>> skeleton_f1([[0, 1], [0, 0]], [[0, 0], [1, 0]])
    1.0
    """
    return class_accuracy(true_graph, est_graph, est_as_given=est_as_given)["skeleton_f1"]


def arrowhead_precision(true_graph, est_graph, *, est_as_given=False):
    """Share of the estimated class's directed edges that the true class directs the same way.

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        DAGs or CPDAGs (see :func:`class_accuracy`).
    est_as_given : bool, default=False
        Take ``est_graph``'s marks as they are (see :func:`class_accuracy`).

    Returns
    -------
    float
        In [0, 1]; 0 when the estimated class has no directed edge (1 when
        neither class has one).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.metrics import arrowhead_precision
    >>> collider = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 0]])  # 0 -> 2 <- 1
    >>> arrowhead_precision(collider, collider)
    1.0
    """
    return class_accuracy(true_graph, est_graph, est_as_given=est_as_given)["arrowhead_precision"]


def arrowhead_recall(true_graph, est_graph, *, est_as_given=False):
    """Share of the true class's directed edges that the estimated class directs the same way.

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        DAGs or CPDAGs (see :func:`class_accuracy`).
    est_as_given : bool, default=False
        Take ``est_graph``'s marks as they are (see :func:`class_accuracy`).

    Returns
    -------
    float
        In [0, 1]; 0 when the true class has no directed edge (1 when
        neither class has one).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.metrics import arrowhead_recall
    >>> collider = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 0]])  # 0 -> 2 <- 1
    >>> chain = np.array([[0, 0, 1], [0, 0, 0], [0, 1, 0]])     # 0 -> 2 -> 1
    >>> arrowhead_recall(collider, chain)  # the chain's class has no directed edge
    0.0
    """
    return class_accuracy(true_graph, est_graph, est_as_given=est_as_given)["arrowhead_recall"]


def arrowhead_f1(true_graph, est_graph, *, est_as_given=False):
    """Harmonic mean of arrowhead precision and recall.

    Parameters
    ----------
    true_graph, est_graph : array-like of shape (d, d)
        DAGs or CPDAGs (see :func:`class_accuracy`).
    est_as_given : bool, default=False
        Take ``est_graph``'s marks as they are (see :func:`class_accuracy`).

    Returns
    -------
    float
        In [0, 1]; higher is better.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.metrics import arrowhead_f1
    >>> collider = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 0]])
    >>> arrowhead_f1(collider, collider)
    1.0
    """
    return class_accuracy(true_graph, est_graph, est_as_given=est_as_given)["arrowhead_f1"]


GRAPH_METRICS = {
    "shd": shd,
    "f1": f1_score,
    "precision": precision,
    "recall": recall,
    "fdr": fdr,
    "shd_cpdag": shd_cpdag,
    "skeleton_precision": skeleton_precision,
    "skeleton_recall": skeleton_recall,
    "skeleton_f1": skeleton_f1,
    "arrowhead_precision": arrowhead_precision,
    "arrowhead_recall": arrowhead_recall,
    "arrowhead_f1": arrowhead_f1,
}
LOWER_IS_BETTER = frozenset({"shd", "fdr", "shd_cpdag"})
CLASS_METRICS = frozenset(
    {
        "shd_cpdag",
        "skeleton_precision",
        "skeleton_recall",
        "skeleton_f1",
        "arrowhead_precision",
        "arrowhead_recall",
        "arrowhead_f1",
    }
)


def graph_scorer(true_graph, metric="shd", threshold=None):
    """Build a ``scoring=`` callable that compares a fitted graph to a known one.

    ``sklearn.metrics.make_scorer`` does not fit an unsupervised estimator
    (it needs ``y_true``), so searches that know the true graph use this.
    Metrics where lower is better (``LOWER_IS_BETTER``: ``"shd"``,
    ``"fdr"``, ``"shd_cpdag"``) are negated, so a larger score is always
    better, as scikit-learn expects.

    Parameters
    ----------
    true_graph : array-like of shape (d, d)
        The known graph, nonzero ``[i, j]`` meaning ``i -> j``; for the
        class metrics it may be a CPDAG (see :func:`class_accuracy`).
    metric : str, default="shd"
        A key of ``GRAPH_METRICS``: ``"shd"``, ``"f1"``, ``"precision"``,
        ``"recall"``, ``"fdr"`` (directed edges) or ``"shd_cpdag"``,
        ``"skeleton_precision"``, ``"skeleton_recall"``, ``"skeleton_f1"``,
        ``"arrowhead_precision"``, ``"arrowhead_recall"``,
        ``"arrowhead_f1"`` (equivalence classes, ``CLASS_METRICS``: an
        estimator with ``predict_cpdag`` is scored by its class, oriented
        further by its prior knowledge).
    threshold : float or None, default=None
        Passed to ``predict_graph`` (or ``predict_cpdag``); ``None`` uses
        each fit's ``threshold_``.

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
    func = GRAPH_METRICS[metric]
    true_graph = check_adjacency(true_graph, "true_graph")
    func(true_graph, true_graph)  # bad truths (a cyclic DAG, marks not 0/1) fail here
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0

    def scorer(estimator, X=None, y=None):
        est = estimator[-1] if hasattr(estimator, "steps") else estimator
        if metric in CLASS_METRICS and hasattr(est, "predict_cpdag"):
            # the estimator's class, oriented further by its prior knowledge
            found = est.predict_cpdag(threshold=threshold)
            return sign * float(func(true_graph, found, est_as_given=True))
        return sign * float(func(true_graph, est.predict_graph(threshold=threshold)))

    return scorer
