"""Choosing the threshold from data alone: extended BIC of the refitted thresholded DAG.

For the linear model everything works on the second-moment matrix ``S`` of
the centred training data, so it costs nothing in ``n``. For the MLP model
(:func:`select_threshold_nonlinear`) each node is refitted on its candidate
parents by a fixed random-feature ridge regression and scored by a BIC with
the regression's effective degrees of freedom. No torch here.
"""

import math

import numpy as np

from ._search import EBIC_GAMMA as EBIC_GAMMA_EDGE
from ._search import bic_cost, residual_variances
from .graph import threshold_to_dag

__all__ = [
    "ols_weights",
    "candidate_thresholds",
    "select_threshold",
    "NonlinearNodeCost",
    "select_threshold_nonlinear",
]

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


def _lowest_cost_cut(W, required, graph_cost):
    """The candidate threshold whose DAG has the lowest ``graph_cost`` (ties: the larger cut).

    Edges enter strongest first and one closing a cycle is skipped, so the DAG
    at any cut is the DAG at the lowest cut restricted to the edges above it:
    one projection serves every candidate.
    """
    cuts = candidate_thresholds(W)
    lowest = threshold_to_dag(W, float(cuts.min()), required) != 0
    forced = np.zeros(W.shape, dtype=bool) if required is None else np.asarray(required, bool)
    best_cut, best = None, math.inf
    for cut in cuts[::-1]:
        value = graph_cost(lowest & ((np.abs(W) > cut) | forced))
        if value < best - 1e-9:
            best_cut, best = float(cut), value
    return best_cut


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
    return _lowest_cost_cut(
        W, required, lambda graph: bic_cost(S, n_samples, graph, equal_variances)
    )


class NonlinearNodeCost:
    r"""BIC cost of a node given a parent set under a nonlinear regression, cached.

    Node ``j`` is regressed on its parents by ridge regression on a fixed
    basis: the standardized parents themselves and ``n_features`` random
    sigmoid features :math:`\sigma(x_P^\top r_k + c_k)` (:math:`r_k`
    Gaussian with variance :math:`4/|P|`, :math:`c_k` standard Gaussian,
    drawn from a generator seeded with ``seed``, so the cost is
    deterministic). The cost is

    .. math::

        \tfrac{n}{2}\log\hat\sigma_j^2 + \tfrac{\log n}{2}\,\mathrm{df}_j
        + \gamma \log(d)\,|P|,

    with :math:`\mathrm{df}_j` the trace of the ridge hat matrix (its
    effective number of parameters) and the last term the extended-BIC charge
    per edge used by the linear selection.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, d)
        Centred data.
    n_features : int, default=20
    ridge : float, default=1.0
    seed : int, default=0

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._selection import NonlinearNodeCost
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=500)
    >>> Z = np.column_stack([a, np.cos(2 * a) + 0.2 * rng.normal(size=500)])
    >>> cost = NonlinearNodeCost(Z)
    >>> bool(cost(1, [0]) < cost(1, []))
    True
    """

    def __init__(self, Z, n_features=20, ridge=1.0, seed=0):
        self.Z = np.asarray(Z, dtype=np.float64)
        self.n, self.d = self.Z.shape
        self.n_features, self.ridge, self.seed = n_features, ridge, seed
        self._cache = {}
        self._edge = EBIC_GAMMA_EDGE * math.log(max(self.d, 1))

    def _features(self, parents):
        P = self.Z[:, parents]
        P = (P - P.mean(axis=0)) / np.maximum(P.std(axis=0), _MIN_VARIANCE)
        gen = np.random.default_rng([self.seed, len(parents)])
        R = gen.normal(scale=2.0 / math.sqrt(len(parents)), size=(len(parents), self.n_features))
        c = gen.normal(size=self.n_features)
        F = np.hstack([P, 1.0 / (1.0 + np.exp(-(P @ R + c)))])
        return F - F.mean(axis=0)

    def __call__(self, j, parents):
        """Cost of node ``j`` with the given parents (any iterable of indices)."""
        key = (int(j), tuple(sorted(int(p) for p in parents)))
        if key in self._cache:
            return self._cache[key]
        y = self.Z[:, j] - self.Z[:, j].mean()
        if not key[1]:
            cost = 0.5 * self.n * math.log(max(float(y @ y) / self.n, _MIN_VARIANCE))
        else:
            F = self._features(list(key[1]))
            # ridge through the eigendecomposition of F^T F: fit and effective df at once
            evals, evecs = np.linalg.eigh(F.T @ F)
            evals = np.maximum(evals, 0.0)
            proj = evecs.T @ (F.T @ y)
            coef = evecs @ (proj / (evals + self.ridge))
            resid = y - F @ coef
            df = float((evals / (evals + self.ridge)).sum())
            variance = max(float(resid @ resid) / self.n, _MIN_VARIANCE)
            cost = (
                0.5 * self.n * math.log(variance)
                + 0.5 * math.log(self.n) * df
                + self._edge * len(key[1])
            )
        self._cache[key] = cost
        return cost

    def graph_cost(self, B):
        """Total cost of the DAG ``B`` (sum over nodes)."""
        B = np.asarray(B) != 0
        return sum(self(j, np.flatnonzero(B[:, j])) for j in range(self.d))


def select_threshold_nonlinear(W, Z, required=None, seed=0, cost=None):
    """The threshold whose thresholded DAG has the lowest nonlinear BIC.

    The candidates are those of :func:`candidate_thresholds`; each DAG is
    scored by :class:`NonlinearNodeCost`. Node costs are cached, and the
    candidate DAGs are nested, so each node is refitted once per parent set
    it takes along the path.

    Parameters
    ----------
    W : ndarray of shape (d, d)
        Learned (non-negative) weighted adjacency.
    Z : ndarray of shape (n_samples, d)
        Centred training data.
    required : ndarray of bool, shape (d, d), optional
        Edges kept at every threshold.
    seed : int, default=0
        Seed of the random features.
    cost : NonlinearNodeCost, optional
        A cost of ``Z`` to use (and fill) instead of a new one, so that a
        caller scoring further graphs reuses its cached node costs.

    Returns
    -------
    float
        The chosen threshold (ties go to the larger one: the sparser graph).
    """
    cost = NonlinearNodeCost(Z, seed=seed) if cost is None else cost
    return _lowest_cost_cut(W, required, cost.graph_cost)
