r"""Scores for nonlinear SEMs, on the :class:`~stabledag._scores.NodeScore` interface.

* :class:`RandomFeatureBIC` -- ridge regression on a fixed random-feature
  basis, charged its effective degrees of freedom (the MLP model's threshold
  choice and its judge between candidate graphs).
* :class:`SplineBIC` -- cubic B-splines of each parent plus the products of
  pairs of parents, least squares (the additive structure search,
  :mod:`stabledag._additive`).

:class:`RandomFeatureBIC` works on the data rows, so each of its regressions
costs time in proportion to ``n``. :class:`SplineBIC` passes over the rows
only to build its moment tables (once per column and per pair of columns,
on first use); each regression is then solved from them, in time that does
not depend on ``n``. No torch here.
"""

import math

import numpy as np
from sklearn.preprocessing import SplineTransformer

from ._scores import EBIC_GAMMA, MIN_VARIANCE, NodeScore

__all__ = ["RandomFeatureBIC", "SplineBIC", "N_KNOTS", "knots_for"]

# knots per variable up to KNOTS_ROWS rows (chosen at n = 1000: benchmarks/design_knots.py);
# beyond, knots_for grows them at the sieve rate n^(1/5) of cubic splines
N_KNOTS = 5
KNOTS_ROWS = 1000
# moment tables of at most this many entries (third moments: (k d + d) d^2 with k basis
# functions per column); above it the product columns are formed from the rows per call
MOMENT_ENTRIES = 2**24
# and only from this many rows: below it forming the products per call was as fast or faster
# (measured: d = 50, n = 1000: 4 s against 6 s; n = 2000-3000 about even; more rows: tables)
MOMENT_MIN_ROWS = 2000
# the fourth moments are kept as d x d tables, one per pair of columns used: past this many
# entries in all (128 MB of float64) no table is added and the regressions that would need
# one form their product columns from the rows (d = 20 kept 136 tables, 54,400 entries;
# without a bound d = 130 could keep up to d^4 / 2 entries, 2 GB)
FOURTH_ENTRIES = 2**24
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


def knots_for(n_samples):
    """Spline knots per variable for ``n_samples`` rows.

    ``N_KNOTS`` (5) up to ``KNOTS_ROWS`` (1000) rows, then growing as
    :math:`n^{1/5}`, the rate at which a cubic spline's bias and variance
    stay balanced: 6 knots at 3,000 rows, 8 at 10,000, 13 at 100,000. With
    a fixed number of knots the misfit of each function is the same at any
    ``n`` while the BIC's price of a parent grows only as ``log n``, so with
    many rows extra parents are let in to absorb the misfit
    (``benchmarks/knots_vs_n.py``).

    Parameters
    ----------
    n_samples : int

    Returns
    -------
    int

    Examples
    --------
    >>> from stabledag._nonlinear_scores import knots_for
    >>> [knots_for(n) for n in (500, 1000, 3000, 10000, 100000)]
    [5, 5, 6, 8, 13]
    """
    return max(N_KNOTS, int(math.floor(N_KNOTS * (n_samples / KNOTS_ROWS) ** 0.2 + 0.5)))


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
    equal-variance BIC. Every regression is solved from moment tables: the
    Gram matrix of all basis blocks (computed once), the third moments
    :math:`\sum F_k z_a z_b` and :math:`\sum y_j z_a z_b` (one pass over the
    rows per column ``a``, on first use) and the fourth moments
    :math:`\sum z_a z_b z_c z_e` (one pass per pair of columns, on first use),
    so a regression's cost does not depend on ``n``. With fewer than
    ``MOMENT_MIN_ROWS`` rows (where that is no faster) or more than
    ``MOMENT_ENTRIES`` third moments (very many columns) the product columns
    are formed from the rows per call instead; both give the same sums up to
    rounding.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, d)
        Data.
    n_knots : int, optional
        Knots per variable (at quantiles); each parent brings
        ``n_knots + 1`` basis functions. Default: :func:`knots_for` the
        number of rows (5 up to 1,000 rows).
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

    def __init__(self, Z, n_knots=None, equal_variances=False, interactions=True):
        Z = np.asarray(Z, dtype=np.float64)
        super().__init__(Z.shape[0], Z.shape[1], equal_variances)
        self.n_knots = knots_for(Z.shape[0]) if n_knots is None else int(n_knots)
        self.interactions = bool(interactions)
        scale = Z.std(axis=0)
        standardized = (Z - Z.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
        target = Z - Z.mean(axis=0) if equal_variances else standardized
        blocks = _spline_blocks(standardized, self.n_knots)
        self.sizes = np.array([block.shape[1] for block in blocks])
        offsets = np.concatenate([[0], np.cumsum(self.sizes)])
        self._columns = [np.arange(a, b) for a, b in zip(offsets[:-1], offsets[1:])]
        F = np.hstack(blocks)
        self._features, self._standardized, self._target = F, standardized, target
        self._gram = F.T @ F
        self._cross = F.T @ target  # (features, d)
        self._sq = (target**2).sum(axis=0)
        self.penalty = 0.5 * math.log(self.n_samples)
        # moments of the products of pairs of columns, filled on first use (see _third,
        # _fourth): every regression with products is then solved without touching the rows
        d, width = Z.shape[1], F.shape[1]
        self._moments = self.n_samples >= MOMENT_MIN_ROWS and (width + d) * d * d <= MOMENT_ENTRIES
        self._means = standardized.T @ standardized / self.n_samples  # mean of z_a z_b
        self._third_cache = {}
        self._pair_id = np.full((d, d), -1, dtype=np.int64)
        self._fourth_store = np.empty((0, d, d))
        self._n_fourth = 0

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
        node, candidates = int(node), np.asarray(candidates, dtype=int)
        coef, cols = None, None
        if len(parents):
            cols = np.concatenate([self._columns[p] for p in parents])
            G = self._gram[np.ix_(cols, cols)]
            G = G + _RIDGE * np.diag(np.maximum(np.diag(G), 1.0))
            coef = np.linalg.solve(G, self._cross[cols, node])
        if not self._moments or not candidates.size:
            y = self._target[:, node]
            if coef is not None:
                y = y - self._features[:, cols] @ coef
            Zc = self._standardized[:, candidates]
            return np.abs((Zc * y[:, None]).T @ Zc) / self.n_samples
        # sum_rows r z_a z_b with r = y - F_cols coef, from the third moments
        T = np.stack([self._third(a)[:, candidates] for a in candidates])  # (c, K + d, c)
        M = T[:, self._features.shape[1] + node, :]
        if coef is not None:
            M = M - np.einsum("k,akb->ab", coef, T[:, cols, :])
        return np.abs(M) / self.n_samples

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
        """The normal equations extended by the centred products of pairs of parents.

        From the moment tables (no pass over the rows once they are filled):
        with :math:`p_{ab} = z_a z_b` and :math:`m_{ab}` its mean, the basis
        columns and the target being centred,
        :math:`F^\\top (p_{ab} - m_{ab}) = F^\\top p_{ab}` (third moments) and
        :math:`(p_{ab} - m_{ab})^\\top (p_{ce} - m_{ce})
        = \\sum z_a z_b z_c z_e - n\\,m_{ab} m_{ce}` (fourth moments).
        """
        first, second = np.triu_indices(len(parents), k=1)
        A, C = np.asarray(parents)[first], np.asarray(parents)[second]
        d = self._standardized.shape[1]
        if not self._moments or self._n_fourth * d * d >= FOURTH_ENTRIES:
            Z = self._standardized
            P = Z[:, A] * Z[:, C]
            P = P - P.mean(axis=0)
            cross = self._features[:, cols].T @ P
            G = np.block([[G, cross], [cross.T, P.T @ P]])
            return G, np.concatenate([b, P.T @ self._target[:, j]])
        T = np.stack([self._third(a)[:, c] for a, c in zip(A, C)], axis=1)  # (K + d, pairs)
        means = self._means[A, C]
        PP = self._fourth(A, C) - self.n_samples * np.outer(means, means)
        cross = T[cols]
        G = np.block([[G, cross], [cross.T, PP]])
        return G, np.concatenate([b, T[self._features.shape[1] + j]])

    def _third(self, a):
        """``[F, target]^T diag(z_a) Z``: the third moments with column ``a`` (cached)."""
        table = self._third_cache.get(a)
        if table is None:
            Za = self._standardized * self._standardized[:, [a]]
            table = np.vstack([self._features.T @ Za, self._target.T @ Za])
            self._third_cache[a] = table
        return table

    def _pair_table(self, a, c):
        """Compute and keep ``Z^T diag(z_a z_c) Z`` (one pass over the rows)."""
        Z = self._standardized
        W = (Z * (Z[:, a] * Z[:, c])[:, None]).T @ Z
        if self._n_fourth == self._fourth_store.shape[0]:
            grown = np.empty((max(8, 2 * self._n_fourth),) + W.shape)
            grown[: self._n_fourth] = self._fourth_store[: self._n_fourth]
            self._fourth_store = grown
        self._fourth_store[self._n_fourth] = W
        self._pair_id[a, c] = self._pair_id[c, a] = self._n_fourth
        self._n_fourth += 1

    def _fourth(self, A, C):
        """``sum_rows z_{A_r} z_{C_r} z_{A_s} z_{C_s}`` for every ``r, s``: shape (m, m).

        Each entry is read from a kept table ``Z^T diag(z_x z_y) Z`` of any
        pair ``x, y`` of its four indices; where none is kept, the pair that
        serves the most missing entries (a repeated index first: there are
        only ``d`` such pairs) is computed. A search touches few pairs.
        """
        m = len(A)
        r, s = np.triu_indices(m)
        w, x, y, z = A[r], C[r], A[s], C[s]
        # the six ways to split the four indices into a kept pair and the other two
        splits = [
            (w, x, y, z),
            (y, z, w, x),
            (w, y, x, z),
            (x, z, w, y),
            (w, z, x, y),
            (x, y, w, z),
        ]
        while True:
            value, found = np.zeros(r.size), np.zeros(r.size, dtype=bool)
            for p, q, u, v in splits:
                ident = self._pair_id[p, q]
                fill = ~found & (ident >= 0)
                value[fill] = self._fourth_store[ident[fill], u[fill], v[fill]]
                found |= fill
            missing = ~found
            if not missing.any():
                break
            # candidate pairs of the missing entries; a repeated index first, then the
            # pair that serves the most missing entries
            pairs = np.concatenate(
                [
                    np.sort(np.column_stack([p[missing], q[missing]]), axis=1)
                    for p, q, _, _ in splits
                ]
            )
            repeated = pairs[pairs[:, 0] == pairs[:, 1]]
            pool = repeated if len(repeated) else pairs
            unique, counts = np.unique(pool, axis=0, return_counts=True)
            a, c = unique[np.argmax(counts)]
            self._pair_table(int(a), int(c))
        out = np.empty((m, m))
        out[r, s] = value
        out[s, r] = value
        return out
