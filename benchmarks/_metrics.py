"""Graph-recovery metrics for directed adjacency matrices (numpy only).

Convention: ``B[i, j] != 0`` means the edge i -> j; the diagonal is ignored.

SHD counts the unordered node pairs whose status (none, i->j, j->i, both) differs between
truth and estimate, so a missing, an extra and a reversed edge each count 1 (the
NOTEARS / DAGMA / gCastle convention; cdt counts a reversal 2).  Precision, recall and F1
are on directed edges: an edge is a true positive only with the right direction.

PC and GES return CPDAGs: ``cpdag_directed_part`` keeps their directed edges only, so
undirected edges count as missing.
"""

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
