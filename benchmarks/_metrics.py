"""Graph-recovery metrics for directed adjacency matrices (numpy only).

Convention: ``B[i, j] != 0`` means the edge i -> j; the diagonal is ignored.

SHD counts the unordered node pairs whose status (none, i->j, j->i, both) differs between
truth and estimate, so a missing, an extra and a reversed edge each count 1 (the
NOTEARS / DAGMA / gCastle convention; cdt counts a reversal 2).  Precision, recall and F1
are on directed edges: an edge is a true positive only with the right direction.

PC and GES return CPDAGs: ``cpdag_directed_part`` keeps their directed edges only, so
undirected edges count as missing (the convention of the reference figures, kept for the
directed SHD).

Class metrics (issue 19) come from the package itself (``stabledag.metrics.class_accuracy``,
``stabledag.graph.dag_to_cpdag`` / ``cpdag_to_dag`` / ``from_causallearn``): every method is
compared on the Markov equivalence class.  A DAG output is replaced by its CPDAG; a CPDAG
output (PC, GES, GRaSP, BOSS) is compared as given.  ``class_scores`` documents the two
corner cases (bidirected PC edges, cyclic outputs).  ``criterion`` is the Gaussian (E)BIC
that stabledag and the score-based peers optimise, computed here from the second moments.
"""

import math

import numpy as np


def binary(B):
    """0/1 integer copy of B with a zero diagonal."""
    A = (np.asarray(B) != 0).astype(int)
    np.fill_diagonal(A, 0)
    return A


def is_dag(B):
    """True when B has no directed cycle (Kahn's algorithm)."""
    A = binary(B)
    indeg = A.sum(axis=0)
    stack = list(np.flatnonzero(indeg == 0))
    seen = 0
    while stack:
        i = stack.pop()
        seen += 1
        for j in np.flatnonzero(A[i]):
            indeg[j] -= 1
            if indeg[j] == 0:
                stack.append(j)
    return seen == A.shape[0]


def _pair_status(A):
    """Status of each unordered pair {i<j}: 0 none, 1 i->j, 2 j->i, 3 both."""
    iu = np.triu_indices(A.shape[0], k=1)
    return (A + 2 * A.T)[iu]


def shd(B_true, B_est):
    """Structural Hamming distance, a reversed edge counting 1."""
    return int((_pair_status(binary(B_true)) != _pair_status(binary(B_est))).sum())


def _f1(p, r):
    """Harmonic mean of p and r, 0 when both are 0."""
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def count_accuracy(B_true, B_est):
    """SHD and its parts, precision / recall / F1 (directed and skeleton), is_dag."""
    T, P = binary(B_true), binary(B_est)
    st_t, st_p = _pair_status(T), _pair_status(P)
    sk_t, sk_p = st_t > 0, st_p > 0
    n_true, n_pred, tp = int(T.sum()), int(P.sum()), int((T * P).sum())
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    sk_tp = int((sk_t & sk_p).sum())
    sk_prec = sk_tp / sk_p.sum() if sk_p.sum() else 0.0
    sk_rec = sk_tp / sk_t.sum() if sk_t.sum() else 0.0
    return {
        "shd": int((st_t != st_p).sum()),
        "shd_missing": int((sk_t & ~sk_p).sum()),
        "shd_extra": int((~sk_t & sk_p).sum()),
        "shd_wrong_dir": int((sk_t & sk_p & (st_t != st_p)).sum()),
        "precision": precision,
        "recall": recall,
        "fdr": (n_pred - tp) / n_pred if n_pred else 0.0,
        "f1": _f1(precision, recall),
        "skeleton_f1": _f1(sk_prec, sk_rec),
        "nnz": n_pred,
        "n_true": n_true,
        "tp": tp,
        "is_dag": is_dag(P),
    }


def empty_graph_shd(B_true):
    """SHD of the empty graph: the number of true edges (pairs)."""
    return shd(B_true, np.zeros_like(np.asarray(B_true)))


def cpdag_directed_part(G):
    """causal-learn ``GeneralGraph.graph`` -> (directed adjacency, n_undirected, n_bidirected).

    causal-learn encodes i -> j as G[i, j] = -1, G[j, i] = 1; i - j as both -1; i <-> j as
    both 1.  Only i -> j edges are kept.
    """
    G = np.asarray(G)
    tail, head = (G == -1), (G == 1)
    A = (tail & head.T).astype(int)
    np.fill_diagonal(A, 0)
    iu = np.triu_indices(G.shape[0], k=1)
    n_und = int((tail & tail.T)[iu].sum())
    n_bi = int((head & head.T)[iu].sum())
    return A, n_und, n_bi


def _order_alignment(W, up, tie):
    """Fraction of (i, j, path length) reachability triples with ``up[i, j]`` (score
    increases from i to j); pairs with ``tie[i, j]`` count 1/2.

    Reachability is propagated as a boolean matrix, as in Reisach et al.'s code.
    """
    E = np.asarray(W) != 0
    Ek = E.copy()
    n_paths, n_ordered = 0, 0.0
    for _ in range(E.shape[0] - 1):
        n_paths += Ek.sum()
        n_ordered += (Ek * up).sum() + 0.5 * (Ek * tie).sum()
        Ek = Ek.dot(E)
    return float(n_ordered / n_paths) if n_paths else float("nan")


def varsortability(X, W, tol=1e-9):
    """Reisach et al. (2021) varsortability of data X for the true graph W."""
    var = np.var(X, axis=0, keepdims=True)
    ratio = var / var.T
    return _order_alignment(W, ratio > 1 + tol, (ratio <= 1 + tol) * (ratio > 1 - tol))


def r2_scores(X):
    """R^2 of each column regressed on all others: 1 - 1 / diag(inverse correlation)."""
    return 1.0 - 1.0 / np.diag(np.linalg.inv(np.corrcoef(np.asarray(X), rowvar=False)))


def r2_sortability(X, W, tol=1e-9):
    """Reisach et al. (2023) R^2-sortability (invariant to rescaling the columns)."""
    r2 = r2_scores(X).reshape(1, -1)
    diff = r2 - r2.T
    return _order_alignment(W, diff > tol, np.abs(diff) <= tol)


def standardize(X):
    """Each column to mean 0 and (population) variance 1."""
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0)


# --------------------------------------------------------------------------- class metrics
CLASS_KEYS = (
    "shd_cpdag",
    "skeleton_precision",
    "skeleton_recall",
    "skeleton_f1",
    "arrowhead_precision",
    "arrowhead_recall",
    "arrowhead_f1",
)


def cl_to_cpdag(cl_graph):
    """causal-learn endpoint matrix -> stabledag CPDAG matrix (0/1).

    A bidirected edge (PC's orientation conflicts; ``1`` at both ends) is neither in a DAG
    nor in a CPDAG: it is read as undirected (an adjacency whose direction the method did
    not settle) and counted by the caller (``n_bidirected``).
    """
    from stabledag.graph import from_causallearn

    G = np.array(cl_graph, dtype=int)
    both = (G == 1) & (G.T == 1)
    G[both] = -1
    return np.asarray(from_causallearn(G), dtype=int)


def class_scores(B_true, est, as_given):
    """Class SHD, skeleton and arrowhead precision / recall / F1 of one output.

    ``as_given``: the output is a CPDAG (compared mark by mark).  A DAG output is replaced
    by its CPDAG; a *cyclic* output (NOTEARS, PC's directed part occasionally) has no class
    and is compared mark by mark as it is.
    """
    from stabledag.metrics import class_accuracy

    est = binary(est)
    if not as_given and not is_dag(est):
        as_given = True
    out = class_accuracy(binary(B_true), est, est_as_given=as_given)
    return {k: out[k] for k in CLASS_KEYS}


def reversible_orientation(B_true, B_est):
    """Edges the data cannot orient, and how a DAG output oriented them.

    Among the true DAG's *reversible* edges (undirected in its CPDAG) that the estimate has
    (in either direction): ``(found, oriented as in the true DAG)``.
    """
    from stabledag.graph import dag_to_cpdag

    T, P = binary(B_true), binary(B_est)
    C = np.asarray(dag_to_cpdag(T))
    reversible = (C == 1) & (C.T == 1) & (T == 1)  # i -> j in the truth, i - j in its class
    found = reversible & ((P == 1) | (P.T == 1))
    return int(found.sum()), int((found & (P == 1)).sum())


def dag_of_class(M):
    """A DAG of the class of CPDAG ``M`` (``stabledag.graph.cpdag_to_dag``), or None when
    ``M`` has no consistent extension (possible for PC output)."""
    from stabledag.graph import cpdag_to_dag

    try:
        return np.asarray(cpdag_to_dag(M), dtype=int)
    except ValueError:
        return None


def second_moments(X):
    """``Z^T Z / n`` of the standardized data (the statistic the linear scores use)."""
    Z = standardize(X)
    return Z.T @ Z / Z.shape[0]


def residual_variances(S, B):
    """Least-squares residual variance of each node on its parents in B, from S:
    ``S_jj - S_jP S_PP^{-1} S_Pj``."""
    S = np.asarray(S, dtype=float)
    B = binary(B)
    out = np.empty(S.shape[0])
    for j in range(S.shape[0]):
        pa = np.flatnonzero(B[:, j])
        out[j] = S[j, j]
        if pa.size:
            beta = np.linalg.lstsq(S[np.ix_(pa, pa)], S[pa, j], rcond=None)[0]
            out[j] -= S[j, pa] @ beta
    return out


def criterion(S, n, B, per_edge):
    """Gaussian BIC-type cost of a DAG in half-BIC units (lower is better):
    ``n/2 sum_j log(residual variance_j) + per_edge * |E|``.

    ``per_edge = log(n)/2`` is the plain BIC, ``log(n)/2 + gamma log(d)`` stabledag's
    extended BIC; causal-learn's ``lambda_value`` corresponds to ``lambda * log(n)``.
    Computed here from ``S`` (not with the package's score), so that it is an independent
    check of what the searches optimise.
    """
    B = binary(B)
    var = np.maximum(residual_variances(S, B), 1e-12)
    return 0.5 * n * float(np.log(var).sum()) + per_edge * int(B.sum())


def ebic_per_edge(n, d, gamma):
    """Per-edge penalty of the extended BIC, ``log(n)/2 + gamma log(d)``."""
    return 0.5 * math.log(n) + gamma * math.log(max(d, 1))
