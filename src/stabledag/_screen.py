r"""Candidate-parent screening: which pairs of variables may share an edge at all.

Before training and search at large ``d``, a cheap screen on the
second-moment matrix keeps the pairs of variables whose dependence
survives a lenient test, in either direction (the screen is symmetric: it
says whether ``i - j`` may be an edge, never which way). Two tests are
combined, each from the correlation matrix ``R`` (so the screen does not
depend on the units of the columns):

* **forward selection** of each node's neighbourhood: the node is regressed
  on the variable that lowers its residual variance most, then on the next,
  and so on while a step gains more than ``fraction`` of the extended-BIC
  edge penalty (in half-log-likelihood units,
  :math:`\tfrac{n}{2}\log(\sigma^2_{old}/\sigma^2_{new})`); every variable
  it picks is a candidate neighbour;
* **partial correlation given all others** (the inverse of ``R``, where
  ``n`` exceeds ``d`` by at least 30): a pair whose Fisher z exceeds
  ``z_cut`` is kept;
* where ``n`` does not exceed ``d`` by 30, the same test **within each
  node's local set** instead (its forward-selection neighbours and theirs,
  :func:`local_partial_correlation_pairs`).

A pair is kept if either test keeps it from either end. Neither test alone
is safe on near-deterministic data (a parent of a node with many parents
and children can look independent of it given the rest). Together, with
``n = 2000`` rows, they dropped no true edge of ER2 graphs up to ``d = 300``,
2 of 8000 at ``d = 1000``, and up to 1% of scale-free and denser graphs'
edges (``benchmarks/screen_recall.py``). At ``d = n = 2000`` the local test
drops fewer true edges than forward selection alone (ER2 graphs: 0.6% instead
of 1.5%) but still many on scale-free and denser graphs (15% and 12%)
(see the user guide's page on large graphs). The order search checks every
screened-out addition at the end
(:func:`stabledag._search.admit_screened_out`).

No torch here.
"""

import math

import numpy as np

from ._scores import EBIC_GAMMA, MIN_VARIANCE

__all__ = [
    "screen_pairs",
    "local_partial_correlation_pairs",
    "SCREEN_FRACTION",
    "SCREEN_Z",
    "SCREEN_MAX_NEIGHBOURS",
]

#: Share of the extended-BIC edge penalty a forward-selection step must gain.
SCREEN_FRACTION = 0.25
#: Fisher z above which a partial correlation given all others keeps a pair.
SCREEN_Z = 2.0
#: Most neighbours one node's forward selection picks.
SCREEN_MAX_NEIGHBOURS = 100
#: Largest local set of :func:`local_partial_correlation_pairs` (one inverse of this size
#: a node).
LOCAL_MAX_SET = 200
# The partial correlations given all others are used only with this many spare samples.
_MIN_SPARE_SAMPLES = 30


def _correlation(S):
    scale = np.sqrt(np.maximum(np.diag(S), MIN_VARIANCE))
    R = S / np.outer(scale, scale)
    np.fill_diagonal(R, 1.0)
    return R


def forward_neighbourhoods(R, n_samples, min_gain, max_neighbours=SCREEN_MAX_NEIGHBOURS):
    """Each node's forward-selection neighbourhood on the correlation matrix ``R``.

    Parameters
    ----------
    R : ndarray of shape (d, d)
        Correlation matrix.
    n_samples : float
        Sample size behind ``R``.
    min_gain : float
        Smallest gain :math:`\\tfrac{n}{2}\\log(\\sigma^2_{old}/\\sigma^2_{new})` of a step.
    max_neighbours : int, default=SCREEN_MAX_NEIGHBOURS

    Returns
    -------
    ndarray of bool, shape (d, d)
        ``[i, j]`` True when node ``j``'s selection picked ``i`` (not symmetric).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._screen import forward_neighbourhoods
    >>> R = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> forward_neighbourhoods(R, 500, 2.0).astype(int).tolist()
    [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    """
    d = R.shape[0]
    limit = int(min(max_neighbours, d - 1))
    picked = np.zeros((d, d), dtype=bool)
    for j in range(d):
        # Cholesky columns of the variables picked so far, on every variable's residual
        L = np.zeros((d, limit))
        r = R[:, j].copy()  # residual covariance of each variable with j
        q = np.ones(d)  # residual variance of each variable
        variance = 1.0  # residual variance of j
        free = np.ones(d, dtype=bool)
        free[j] = False
        for step in range(limit):
            usable = free & (q > 1e-10)
            if not usable.any():
                break
            explained = np.where(usable, r**2 / np.where(usable, q, 1.0), -1.0)
            c = int(np.argmax(explained))
            new_variance = variance - explained[c]
            if new_variance <= 0:
                picked[c, j] = True
                break
            if 0.5 * n_samples * math.log(variance / new_variance) < min_gain:
                break
            column = R[:, c] - L[:, :step] @ L[c, :step]
            L[:, step] = column / math.sqrt(column[c])
            r -= L[:, step] * L[j, step]
            q -= L[:, step] ** 2
            variance = new_variance
            free[c] = False
            picked[c, j] = True
    return picked


def _partial_fisher_z(precision, spare):
    """Fisher z of every partial correlation a precision matrix holds, ``spare`` dof."""
    scale = np.sqrt(np.abs(np.diag(precision)))
    partial = np.abs(precision / np.outer(scale, scale))
    return np.arctanh(np.minimum(partial, 1.0 - 1e-12)) * math.sqrt(spare)


def partial_correlation_pairs(R, n_samples, z_cut=SCREEN_Z):
    """Pairs whose partial correlation given all other variables has Fisher z above ``z_cut``.

    Returns None when ``n_samples`` does not exceed ``d`` by enough for the test.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._screen import partial_correlation_pairs
    >>> R = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> partial_correlation_pairs(R, 500).astype(int).tolist()
    [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    """
    d = R.shape[0]
    spare = n_samples - d - 1
    if spare < _MIN_SPARE_SAMPLES:
        return None
    try:
        precision = np.linalg.inv(R)
    except np.linalg.LinAlgError:
        return None
    z = _partial_fisher_z(precision, spare)
    keep = np.isfinite(z) & (z > z_cut)
    np.fill_diagonal(keep, False)
    return keep


def local_partial_correlation_pairs(R, n_samples, neighbours, z_cut=SCREEN_Z):
    """Pairs whose partial correlation given a node's local set has Fisher z above ``z_cut``.

    The test of :func:`partial_correlation_pairs` within each node's
    neighbourhood, for data too short for the inverse of all of ``R``. A
    node's local set is its neighbours in ``neighbours`` and theirs (two
    hops: a parent that forward selection missed is usually picked by a
    shared child), at most ``n_samples - 31`` and :data:`LOCAL_MAX_SET` of
    them (the first hop first, then the second hop by its correlation with
    the node). The node's partial correlation with each member given the rest of
    the set is tested. Conditioning on a shared child keeps spouses too, as
    the global test does: the screen is meant to be a superset.

    Parameters
    ----------
    R : ndarray of shape (d, d)
        Correlation matrix.
    n_samples : float
        Sample size behind ``R``.
    neighbours : ndarray of bool, shape (d, d)
        Symmetric mask of the pairs found so far (forward selection).
    z_cut : float, default=SCREEN_Z

    Returns
    -------
    ndarray of bool, shape (d, d)
        ``[j, i]`` True when ``i`` passed the test in ``j``'s local set (not symmetric).

    Examples
    --------
    Two independent causes of one child: forward selection of the causes
    alone finds only the child; given the child, the causes are dependent.

    >>> import numpy as np
    >>> from stabledag._screen import local_partial_correlation_pairs
    >>> R = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.5, 0.5, 1.0]])
    >>> nb = np.array([[0, 0, 1], [0, 0, 1], [1, 1, 0]], dtype=bool)
    >>> local_partial_correlation_pairs(R, 500, nb).astype(int).tolist()
    [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    """
    d = R.shape[0]
    neighbours = np.asarray(neighbours, dtype=bool)
    keep = np.zeros((d, d), dtype=bool)
    cap = int(min(LOCAL_MAX_SET, n_samples - _MIN_SPARE_SAMPLES - 1))
    if cap < 1:
        return keep
    for j in range(d):
        first = np.flatnonzero(neighbours[j])
        if first.size > cap:  # the strongest first-hop neighbours
            first = first[np.argsort(-np.abs(R[j, first]), kind="stable")[:cap]]
        second = neighbours[first].any(axis=0)
        second[j] = False
        second[first] = False
        second = np.flatnonzero(second)
        order = np.argsort(-np.abs(R[j, second]), kind="stable")
        local = np.concatenate(([j], first, second[order][: cap - first.size])).astype(np.intp)
        if local.size < 2:
            continue
        try:
            precision = np.linalg.inv(R[np.ix_(local, local)])
        except np.linalg.LinAlgError:
            continue
        z = _partial_fisher_z(precision, n_samples - local.size - 1)[0, 1:]
        keep[j, local[1:][np.isfinite(z) & (z > z_cut)]] = True
    return keep


def screen_pairs(S, n_samples, *, fraction=SCREEN_FRACTION, z_cut=SCREEN_Z, gamma=None):
    """Symmetric mask of the pairs that may share an edge (see the module docstring).

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second-moment (or correlation) matrix of the centred data.
    n_samples : float
        (Effective) sample size behind ``S``.
    fraction : float, default=SCREEN_FRACTION
        Share of the extended-BIC edge penalty a forward-selection step must gain.
    z_cut : float, default=SCREEN_Z
        Fisher-z cut of the partial correlations given all others.
    gamma : float, optional
        Extended-BIC weight of the penalty (:data:`~stabledag._scores.EBIC_GAMMA`).

    Returns
    -------
    ndarray of bool, shape (d, d)
        Symmetric, False on the diagonal.

    Examples
    --------
    A chain ``a -> b -> c``: the screen keeps its two links and drops ``a - c``.

    >>> import numpy as np
    >>> from stabledag._screen import screen_pairs
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=2000)
    >>> b = a + rng.normal(size=2000)
    >>> c = b + rng.normal(size=2000)
    >>> X = np.column_stack([a, b, c])
    >>> screen_pairs(X.T @ X / 2000, 2000).astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    """
    S = np.asarray(S, dtype=np.float64)
    d = S.shape[0]
    gamma = EBIC_GAMMA if gamma is None else gamma
    penalty = 0.5 * math.log(n_samples) + gamma * math.log(max(d, 1))
    R = _correlation(S)
    keep = forward_neighbourhoods(R, n_samples, fraction * penalty)
    partial = partial_correlation_pairs(R, n_samples, z_cut)
    if partial is None:  # too few rows for all of R: the same test within local sets
        keep |= keep.T
        partial = local_partial_correlation_pairs(R, n_samples, keep, z_cut)
    keep |= partial
    keep |= keep.T
    np.fill_diagonal(keep, False)
    return keep
