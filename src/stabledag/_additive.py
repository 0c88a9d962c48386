"""Structure search under a nearly additive nonlinear model: the MLP model's refinement.

Each node is regressed on its parents by a spline model with pairwise
products,

.. math::

    x_j \\approx \\sum_{i \\in P} f_{ij}(x_i)
    + \\sum_{\\{a, b\\} \\subset P} c_{ab}\\, z_a z_b,

(cubic B-splines on quantile knots, one block of basis functions per
variable, and one product of standardized parents per pair of parents), and
scored by a Gaussian BIC with a per-node noise variance,

.. math::

    \\mathrm{cost}_j(P) = \\tfrac{n}{2}\\log\\hat\\sigma_j^2(P)
    + \\tfrac{\\log n}{2}\\,\\bigl(k\\,|P| + \\tbinom{|P|}{2}\\bigr),

with :math:`k` basis functions per parent (or one shared variance, for the
equal-variance mode). The score of a DAG is the sum over nodes; it is
unchanged by rescaling or shifting any column (the knots are quantiles of
the standardized data), and, unlike the linear Gaussian likelihood, it can
tell a nonlinear edge's direction (additive noise models are identifiable).
The search is that of CAM (Buehlmann, Peters and Ernest 2014): add the edge
of largest score gain that keeps the graph acyclic until none improves it,
then drop parents while that improves the score; started from several graphs,
the lowest-cost result wins.

The spline part of every regression works on one Gram matrix of all basis
blocks, computed once; only the product columns are formed per call. No
torch here.
"""

import math

import numpy as np
from sklearn.preprocessing import SplineTransformer

__all__ = ["AdditiveNodeCost", "greedy_dag_search", "additive_search"]

N_KNOTS = 5
_RIDGE = 1e-10  # relative to the Gram diagonal (1 for the orthonormal spline blocks)


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


class AdditiveNodeCost:
    """Residual sums of squares of spline regressions, and the BIC they give.

    Node ``j`` is regressed on the spline bases of its parents and on the
    products of pairs of its parents (all computed on standardized columns,
    so the fit does not depend on the parents' units).
    With ``equal_variances=False`` every column is standardized and each node
    has its own noise variance; with ``equal_variances=True`` the data keep
    their scale and one variance is shared, as in the linear equal-variance
    BIC.

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
    >>> from stabledag._additive import AdditiveNodeCost
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=500)
    >>> Z = np.column_stack([a, np.cos(2 * a) + 0.2 * rng.normal(size=500)])
    >>> cost = AdditiveNodeCost(Z)
    >>> bool(cost.graph_cost([[0, 1], [0, 0]]) < cost.graph_cost([[0, 0], [0, 0]]))
    True
    """

    def __init__(self, Z, n_knots=N_KNOTS, equal_variances=False, interactions=True):
        Z = np.asarray(Z, dtype=np.float64)
        self.n, self.d = Z.shape
        self.equal_variances = bool(equal_variances)
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
        self.penalty = 0.5 * math.log(self.n)
        self._cache = {}

    def rss(self, j, parents):
        """Residual sum of squares of node ``j`` regressed on ``parents`` (cached)."""
        key = (int(j), tuple(sorted(int(p) for p in parents)))
        if key not in self._cache:
            self._cache[key] = self._rss(*key)
        return self._cache[key]

    def residual(self, j, parents):
        """Residuals of node ``j``'s spline regression on ``parents`` (no products), shape (n,)."""
        y = self._target[:, j]
        if len(parents) == 0:
            return y
        cols = np.concatenate([self._columns[p] for p in parents])
        G = self._gram[np.ix_(cols, cols)]
        G = G + _RIDGE * np.diag(np.maximum(np.diag(G), 1.0))
        return y - self._features[:, cols] @ np.linalg.solve(G, self._cross[cols, j])

    def n_params(self, parents):
        """Regression coefficients of a node with these parents."""
        m = len(parents)
        pairs = m * (m - 1) // 2 if self.interactions else 0
        return int(sum(self.sizes[p] for p in parents)) + pairs

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

    def fit_term(self, rss):
        """The likelihood part of the BIC for a vector of per-node RSS (lower is better)."""
        rss = np.asarray(rss, dtype=np.float64)
        if self.equal_variances:
            return 0.5 * self.n * rss.size * np.log(rss.sum() / (self.n * rss.size))
        return 0.5 * self.n * np.log(rss / self.n).sum()

    def graph_cost(self, B):
        """BIC of graph ``B`` (nonzero ``[i, j]`` meaning ``i -> j``)."""
        B = np.asarray(B) != 0
        parents = [np.flatnonzero(B[:, j]) for j in range(self.d)]
        rss = [self.rss(j, p) for j, p in enumerate(parents)]
        return float(self.fit_term(rss) + self.penalty * sum(map(self.n_params, parents)))


def _reachability(B):
    """``R[i, j]``: a directed path from ``i`` to ``j`` (every node reaches itself)."""
    R = (np.asarray(B) != 0) | np.eye(B.shape[0], dtype=bool)
    for k in range(B.shape[0]):
        R |= R[:, [k]] & R[[k], :]
    return R


def _gains(cost, rss, candidate_rss, n_params, n_parents):
    """BIC decrease of each single-edge addition, given every candidate's new RSS.

    An addition that would leave a node with as many coefficients as rows
    (less two) is never taken: its residuals, and so its BIC, mean nothing.
    """
    new_pairs = n_parents[None, :] if cost.interactions else 0
    added = cost.sizes[:, None] + new_pairs
    penalty = cost.penalty * added
    if cost.equal_variances:
        n_total = cost.n * rss.size
        total = rss.sum()
        new_total = total - rss[None, :] + candidate_rss
        gains = 0.5 * n_total * (np.log(total) - np.log(new_total)) - penalty
    else:
        gains = 0.5 * cost.n * (np.log(rss)[None, :] - np.log(candidate_rss)) - penalty
    return np.where(n_params[None, :] + added < cost.n - 1, gains, -np.inf)


def _pair_candidates(cost, j, parents, open_parents, n_pairs):
    """The ``n_pairs`` pairs of possible new parents of ``j`` most tied to its residual product.

    Ranked by ``|mean(r z_a z_b)|``, with ``r`` node ``j``'s current
    residual (a spline regression on ``parents``) and ``z`` the
    standardized columns: the covariance that a product term would explain,
    one matrix product for all pairs.
    """
    if len(open_parents) < 2 or n_pairs <= 0:
        return []
    r = cost.residual(j, parents)
    Zo = cost._standardized[:, open_parents]
    M = np.abs((Zo * r[:, None]).T @ Zo)
    first, second = np.triu_indices(len(open_parents), k=1)
    scores = M[first, second]
    top = np.argsort(-scores, kind="stable")[:n_pairs]
    return [(int(open_parents[first[k]]), int(open_parents[second[k]])) for k in sorted(top)]


def greedy_dag_search(cost, start, allowed=None, required=None, pair_moves=True):
    """CAM's greedy search from ``start``: add best edges, then prune parents.

    Each step takes the single-edge addition of largest BIC gain; with
    ``pair_moves``, adding two parents to a node at once also competes when
    neither parent gains alone (a product of two parents, say, which no
    single parent explains): for each node the ``d`` pairs most correlated
    with its residual times the pair's product are tried.

    Parameters
    ----------
    cost : AdditiveNodeCost
    start : ndarray of shape (d, d)
        Starting DAG.
    allowed : ndarray of bool, shape (d, d), optional
        Edges that may appear; others are never added.
    required : ndarray of bool, shape (d, d), optional
        Edges never pruned (they must be in ``start``).
    pair_moves : bool, default=True
        Also try adding two parents at once.

    Returns
    -------
    B : ndarray of bool, shape (d, d)
        The DAG found.
    total : float
        Its BIC.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._additive import AdditiveNodeCost, greedy_dag_search
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=500)
    >>> Z = np.column_stack([a, np.tanh(2 * a) + 0.3 * rng.normal(size=500)])
    >>> B, _ = greedy_dag_search(AdditiveNodeCost(Z), np.zeros((2, 2)))
    >>> int(B.sum())
    1
    """
    B = np.asarray(start) != 0
    d = B.shape[0]
    allowed = np.ones((d, d), bool) if allowed is None else np.asarray(allowed, bool)
    required = np.zeros((d, d), bool) if required is None else np.asarray(required, bool)
    allowed = allowed & ~np.eye(d, dtype=bool)
    rss = np.array([cost.rss(j, np.flatnonzero(B[:, j])) for j in range(d)])
    candidate_rss = np.ones((d, d))
    pair_rss = [{} for _ in range(d)]

    def refresh(j):
        parents = list(np.flatnonzero(B[:, j]))
        open_parents = np.flatnonzero(allowed[:, j] & ~B[:, j])
        for i in open_parents:
            candidate_rss[i, j] = cost.rss(j, parents + [i])
        if pair_moves:
            pairs = _pair_candidates(cost, j, parents, open_parents, d)
            pair_rss[j] = {pair: cost.rss(j, parents + list(pair)) for pair in pairs}

    for j in range(d):
        refresh(j)
    R = _reachability(B)
    while True:
        open_edge = allowed & ~B & ~R.T  # i -> j closes a cycle when j reaches i
        n_params = np.array([cost.n_params(np.flatnonzero(B[:, k])) for k in range(d)])
        gains = _gains(cost, rss, candidate_rss, n_params, B.sum(axis=0))
        gain = np.where(open_edge, gains, -np.inf)
        i, j = np.unravel_index(np.argmax(gain), gain.shape)
        best, move = gain[i, j], (j, (i,))
        if pair_moves:
            for k in range(d):
                for pair, value in pair_rss[k].items():
                    if not (open_edge[pair, k].all() and (gain[pair, k] <= 0).all()):
                        continue
                    pair_gain = _pair_gain(cost, rss, k, value, n_params[k], B[:, k].sum(), pair)
                    if pair_gain > best:
                        best, move = pair_gain, (k, pair)
        if not best > 0:
            break
        j, added = move
        B[list(added), j] = True
        rss[j] = cost.rss(j, np.flatnonzero(B[:, j]))
        for i in added:
            R |= R[:, [i]] & R[[j], :]
        refresh(j)
    _prune(cost, B, rss, required)
    return B, cost.graph_cost(B)


def _pair_gain(cost, rss, j, new_rss, n_params, n_parents, pair):
    """BIC decrease of adding both parents of ``pair`` to node ``j`` (``-inf`` if too big)."""
    added = int(sum(cost.sizes[p] for p in pair))
    if cost.interactions:
        added += 2 * int(n_parents) + 1  # the products of the new pairs of parents
    if n_params + added >= cost.n - 1:
        return -np.inf
    if cost.equal_variances:
        n_total, total = cost.n * rss.size, rss.sum()
        fit = 0.5 * n_total * (np.log(total) - np.log(total - rss[j] + new_rss))
    else:
        fit = 0.5 * cost.n * (np.log(rss[j]) - np.log(new_rss))
    return float(fit - cost.penalty * added)


def _prune(cost, B, rss, required):
    """Drop parents, the best single removal first, while that lowers the BIC."""
    current = cost.graph_cost(B)
    params = np.array([cost.n_params(np.flatnonzero(B[:, j])) for j in range(B.shape[0])])
    while True:
        best, drop = current, None
        for i, j in zip(*np.nonzero(B & ~required)):
            others = [p for p in np.flatnonzero(B[:, j]) if p != i]
            trial = rss.copy()
            trial[j] = cost.rss(j, others)
            value = cost.fit_term(trial) + cost.penalty * (
                params.sum() - params[j] + cost.n_params(others)
            )
            if value < best - 1e-9:
                best, drop = value, (i, j)
        if drop is None:
            return
        i, j = drop
        B[i, j] = False
        rss[j] = cost.rss(j, np.flatnonzero(B[:, j]))
        params[j] = cost.n_params(np.flatnonzero(B[:, j]))
        current = best


def additive_search(
    Z,
    starts,
    allowed=None,
    required=None,
    equal_variances=False,
    n_knots=N_KNOTS,
    pair_moves=True,
):
    """The lowest additive-BIC DAG over greedy searches from each start and the empty graph.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, d)
    starts : sequence of ndarray of shape (d, d)
        Starting DAGs (e.g. the continuous model's DAG at several thresholds).
    allowed, required : ndarray of bool, shape (d, d), optional
        Prior-knowledge masks (required edges must be in every start).
    equal_variances : bool, default=False
        Score with one shared noise variance on the data's own scale.
    n_knots : int, default=5
    pair_moves : bool, default=True
        Let the search add two parents to a node at once (see
        :func:`greedy_dag_search`).

    Returns
    -------
    ndarray of bool, shape (d, d)

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._additive import additive_search
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=500)
    >>> Z = np.column_stack([a, np.tanh(2 * a) + 0.3 * rng.normal(size=500)])
    >>> additive_search(Z, []).astype(int).tolist()
    [[0, 1], [0, 0]]
    """
    Z = np.asarray(Z, dtype=np.float64)
    d = Z.shape[1]
    cost = AdditiveNodeCost(Z, n_knots=n_knots, equal_variances=equal_variances)
    empty = np.zeros((d, d), bool) if required is None else np.asarray(required, bool).copy()
    best, best_cost = None, math.inf
    seen = set()
    for start in [empty, *starts]:
        key = (np.asarray(start) != 0).tobytes()
        if key in seen:
            continue
        seen.add(key)
        B, value = greedy_dag_search(cost, start, allowed, required, pair_moves)
        if value < best_cost - 1e-9:
            best, best_cost = B, value
    return best
