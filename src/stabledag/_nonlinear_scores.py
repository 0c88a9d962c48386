r"""Scores for nonlinear SEMs, on the :class:`~stabledag._scores.NodeScore` interface.

* :class:`RandomFeatureBIC` -- ridge regression on a fixed random-feature
  basis, charged its effective degrees of freedom (the MLP model's threshold
  choice and its judge between candidate graphs).
* :class:`SplineBIC` -- cubic B-splines of each parent plus the products of
  pairs of parents, least squares (the additive structure search,
  :mod:`stabledag._additive`).

Both work on the data rows (not on a second-moment matrix), so their cost
grows with ``n``. No torch here.
"""

import math

import numpy as np
from sklearn.preprocessing import SplineTransformer

from ._scores import EBIC_GAMMA, MIN_VARIANCE, NodeScore

__all__ = ["RandomFeatureBIC", "SplineBIC", "N_KNOTS"]

N_KNOTS = 5
_RIDGE = 1e-10  # relative to the Gram diagonal (1 for the orthonormal spline blocks)


class RandomFeatureBIC(NodeScore):
    r"""BIC of a node given a parent set under a random-feature ridge regression.

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
    effective number of parameters; with the fixed ridge it saturates near
    ``n_features + |P|`` and grows with ``n``) and the last term the
    extended-BIC charge per edge used by the linear selection.

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
    >>> from stabledag._nonlinear_scores import RandomFeatureBIC
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=500)
    >>> Z = np.column_stack([a, np.cos(2 * a) + 0.2 * rng.normal(size=500)])
    >>> score = RandomFeatureBIC(Z)
    >>> bool(score.node_cost(1, [0]) < score.node_cost(1, []))
    True
    """

    def __init__(self, Z, n_features=20, ridge=1.0, seed=0):
        self.Z = np.asarray(Z, dtype=np.float64)
        super().__init__(self.Z.shape[0], self.Z.shape[1])
        self.n_features, self.ridge, self.seed = n_features, ridge, seed
        self._edge = EBIC_GAMMA * math.log(max(self.n_nodes, 1))
        self._half_log_n = 0.5 * math.log(self.n_samples)

    def _features(self, parents):
        P = self.Z[:, parents]
        P = (P - P.mean(axis=0)) / np.maximum(P.std(axis=0), MIN_VARIANCE)
        gen = np.random.default_rng([self.seed, len(parents)])
        R = gen.normal(scale=2.0 / math.sqrt(len(parents)), size=(len(parents), self.n_features))
        c = gen.normal(size=self.n_features)
        F = np.hstack([P, 1.0 / (1.0 + np.exp(-(P @ R + c)))])
        return F - F.mean(axis=0)

    def _fit(self, node, parents):
        """``(residual variance, effective df)`` of the ridge fit (cached)."""
        key = tuple(sorted(int(p) for p in parents))
        return self._cached(("ridge", int(node), key), lambda: self._ridge_fit(node, key))

    def _ridge_fit(self, node, parents):
        y = self.Z[:, node] - self.Z[:, node].mean()
        if not parents:
            return max(float(y @ y) / self.n_samples, MIN_VARIANCE), 0.0
        F = self._features(list(parents))
        # ridge through the eigendecomposition of F^T F: fit and effective df at once
        evals, evecs = np.linalg.eigh(F.T @ F)
        evals = np.maximum(evals, 0.0)
        proj = evecs.T @ (F.T @ y)
        coef = evecs @ (proj / (evals + self.ridge))
        resid = y - F @ coef
        df = float((evals / (evals + self.ridge)).sum())
        return max(float(resid @ resid) / self.n_samples, MIN_VARIANCE), df

    def _residual_variance(self, node, parents):
        return self._fit(node, parents)[0]

    def complexity(self, node, parents):
        """``log(n)/2 * df + gamma * log(d) * |parents|``."""
        if not len(parents):
            return 0.0
        return self._half_log_n * self._fit(node, parents)[1] + self._edge * len(parents)

    def node_cost(self, node, parents):
        """Cost of ``node`` with these parents (see the class docstring)."""
        variance, df = self._fit(node, parents)
        fit = 0.5 * self.n_samples * math.log(variance)
        if not len(parents):
            return fit
        return fit + 0.5 * math.log(self.n_samples) * df + self._edge * len(parents)

    def graph_cost(self, B):
        """Total cost of the DAG ``B`` (sum over nodes)."""
        B = np.asarray(B) != 0
        return sum(self.node_cost(j, np.flatnonzero(B[:, j])) for j in range(self.n_nodes))


def _spline_blocks(Z, n_knots):
    """Per-column spline bases, centred and orthonormalized; list of (n, k_i) arrays."""
    blocks = []
    for column in Z.T:
        spline = SplineTransformer(
            n_knots=n_knots, degree=3, knots="quantile", extrapolation="linear", include_bias=False
        )
        F = spline.fit_transform(column[:, None])
        F = F - F.mean(axis=0)
        Q, R = np.linalg.qr(F)
        diag = np.abs(np.diag(R))
        blocks.append(Q[:, diag > 1e-8 * max(diag.max(), 1e-300)])
    return blocks


class SplineBIC(NodeScore):
    r"""BIC of spline regressions with pairwise products of parents.

    Node ``j`` is regressed on the cubic B-spline bases of its parents
    (quantile knots) and on the products of pairs of its parents, all
    computed on standardized columns so the fit does not depend on the
    parents' units,

    .. math::

        x_j \approx \sum_{i \in P} f_{ij}(x_i)
        + \sum_{\{a, b\} \subset P} c_{ab}\, z_a z_b,

    and charged :math:`\tfrac{\log n}{2}` per coefficient,
    :math:`k\,|P| + \binom{|P|}{2}` of them with :math:`k` basis functions per
    parent. With ``equal_variances=False`` every column is standardized and
    each node has its own noise variance; with ``equal_variances=True`` the
    data keep their scale and one variance is shared, as in the linear
    equal-variance BIC. The spline part of every regression uses one Gram
    matrix of all basis blocks, computed once; only the product columns are
    formed per call.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, d)
        Data.
    n_knots : int, default=5
        Knots per variable (at quantiles); each parent brings
        ``n_knots + 1`` basis functions.
    equal_variances : bool, default=False
    interactions : bool, default=True
        Include the pairwise products of parents.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._nonlinear_scores import SplineBIC
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=500)
    >>> Z = np.column_stack([a, np.cos(2 * a) + 0.2 * rng.normal(size=500)])
    >>> score = SplineBIC(Z)
    >>> bool(score.graph_cost([[0, 1], [0, 0]]) < score.graph_cost([[0, 0], [0, 0]]))
    True
    """

    def __init__(self, Z, n_knots=N_KNOTS, equal_variances=False, interactions=True):
        Z = np.asarray(Z, dtype=np.float64)
        super().__init__(Z.shape[0], Z.shape[1], equal_variances)
        self.interactions = bool(interactions)
        scale = Z.std(axis=0)
        standardized = (Z - Z.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
        target = Z - Z.mean(axis=0) if equal_variances else standardized
        blocks = _spline_blocks(standardized, n_knots)
        self.sizes = np.array([block.shape[1] for block in blocks])
        offsets = np.concatenate([[0], np.cumsum(self.sizes)])
        self._columns = [np.arange(a, b) for a, b in zip(offsets[:-1], offsets[1:])]
        F = np.hstack(blocks)
        self._features, self._standardized, self._target = F, standardized, target
        self._gram = F.T @ F
        self._cross = F.T @ target  # (features, d)
        self._sq = (target**2).sum(axis=0)
        self.penalty = 0.5 * math.log(self.n_samples)

    variance_floor = 0.0  # the sums of squares are floored relative to each node's total

    def rss(self, node, parents):
        """Residual sum of squares of ``node`` regressed on ``parents`` (cached)."""
        key = tuple(sorted(int(p) for p in parents))
        return self._cached(("rss", int(node), key), lambda: self._rss(int(node), key))

    def _residual_variance(self, node, parents):
        return self.rss(node, parents) / self.n_samples

    def pair_scores(self, node, parents, candidates):
        """How much a product of two ``candidates`` could add to ``node`` given ``parents``.

        ``M[a, b] = |mean(r z_a z_b)|`` over the candidate columns ``z``
        (standardized), with ``r`` the residual of ``node``'s spline
        regression on ``parents`` (products left out): the covariance a
        product term would explain, for every pair in one matrix product.
        Used to rank the pair moves of
        :func:`stabledag._additive.greedy_dag_search`.

        Parameters
        ----------
        node : int
        parents : sequence of int
        candidates : sequence of int

        Returns
        -------
        ndarray of shape (len(candidates), len(candidates))

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag._nonlinear_scores import SplineBIC
        >>> rng = np.random.default_rng(0)
        >>> a, b, c = rng.normal(size=(3, 500))
        >>> M = SplineBIC(np.column_stack([a, b, c, a * b])).pair_scores(3, [], [0, 1, 2])
        >>> [int(i) for i in np.unravel_index(np.argmax(M), M.shape)]
        [0, 1]
        """
        y = self._target[:, int(node)]
        if len(parents):
            cols = np.concatenate([self._columns[p] for p in parents])
            G = self._gram[np.ix_(cols, cols)]
            G = G + _RIDGE * np.diag(np.maximum(np.diag(G), 1.0))
            y = y - self._features[:, cols] @ np.linalg.solve(G, self._cross[cols, int(node)])
        Zc = self._standardized[:, np.asarray(candidates, dtype=int)]
        return np.abs((Zc * y[:, None]).T @ Zc) / self.n_samples

    def n_params(self, parents):
        """Regression coefficients of a node with these parents."""
        m = len(parents)
        pairs = m * (m - 1) // 2 if self.interactions else 0
        return int(sum(self.sizes[p] for p in parents)) + pairs

    def complexity(self, node, parents):
        """``log(n)/2`` times the number of coefficients."""
        return self.penalty * self.n_params(parents)

    def is_estimable(self, node, parents):
        """Fewer coefficients than rows less two: otherwise the residuals mean nothing."""
        return self.n_params(parents) < self.n_samples - 1

    def _rss(self, j, parents):
        if not parents:
            return max(self._sq[j], 1e-300)
        cols = np.concatenate([self._columns[p] for p in parents])
        G = self._gram[np.ix_(cols, cols)]
        b = self._cross[cols, j]
        if self.interactions and len(parents) > 1:
            G, b = self._with_products(parents, cols, G, b, j)
        G = G + _RIDGE * np.diag(np.maximum(np.diag(G), 1.0))
        return max(self._sq[j] - b @ np.linalg.solve(G, b), 1e-12 * self._sq[j], 1e-300)

    def _with_products(self, parents, cols, G, b, j):
        """The normal equations extended by the centred products of pairs of parents."""
        Z = self._standardized
        first, second = np.triu_indices(len(parents), k=1)
        P = Z[:, np.asarray(parents)[first]] * Z[:, np.asarray(parents)[second]]
        P = P - P.mean(axis=0)
        cross = self._features[:, cols].T @ P
        G = np.block([[G, cross], [cross.T, P.T @ P]])
        return G, np.concatenate([b, P.T @ self._target[:, j]])
