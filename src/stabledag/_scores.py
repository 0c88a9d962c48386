r"""Scores of DAGs: one interface for the threshold choice and every structure search.

A *score* rates a DAG by a penalised Gaussian log-likelihood, node by node
(lower is better). Every score here is a :class:`NodeScore`: it answers

* ``residual_variance(node, parents)`` -- the mean squared residual of
  ``node`` regressed on ``parents`` under the score's regression model;
* ``complexity(node, parents)`` -- the charge for that regression's
  parameters, in half-BIC units (``log(n) / 2`` per free parameter, plus
  any extended-BIC term);
* ``node_cost(node, parents)`` -- their sum with the fit term
  :math:`\tfrac{n}{2}\log\hat\sigma^2`;
* ``graph_cost(B)`` -- the cost of a whole DAG: with one noise variance per
  node the sum of the node costs; with ``equal_variances`` one pooled
  variance, :math:`\tfrac{nd}{2}\log\bar\sigma^2` plus the complexities;
* ``scan(node, parents)`` -- the cost of ``parents`` and of every single
  addition and removal (what stepwise searches need);
* ``lower_bounds(node, order)`` -- lower bounds on the cost of ``node`` with
  parents among each prefix of ``order`` (``-inf`` when the score knows
  none: the order search then tries every position).

Results are memoised in one cache per score object, keyed by the node and
its sorted parents, so a search and the threshold choice sharing a score
share its regressions. Subclasses implement ``_residual_variance`` and
``complexity``; :class:`GaussianBIC` (the linear model's extended BIC on the
second-moment matrix) overrides the rest with closed forms. The nonlinear
scores live in :mod:`stabledag._nonlinear_scores`. No torch here.
"""

import math

import numpy as np

__all__ = [
    "MIN_VARIANCE",
    "EBIC_GAMMA",
    "edge_penalty",
    "NodeScore",
    "GaussianBIC",
    "ols_weights",
]

MIN_VARIANCE = 1e-12
# gamma = 1 beat 0.5 and plain BIC on the ER2/SF2 benchmark cells in both modes (issue 3 note)
EBIC_GAMMA = 1.0


def edge_penalty(n_samples, n_nodes, gamma=None):
    """Cost of one edge in half-BIC units: ``log(n) / 2 + gamma * log(d)``.

    The extended BIC (Chen & Chen 2008; Foygel & Drton 2010): the ``gamma``
    term accounts for the number of candidate edges growing with ``d``;
    ``gamma=0`` is the plain BIC.

    Parameters
    ----------
    n_samples : int or float
        Sample size (or effective sample size) behind the statistics.
    n_nodes : int
        Number of variables ``d``.
    gamma : float, optional
        Extended-BIC weight; :data:`EBIC_GAMMA` by default.

    Returns
    -------
    float

    Examples
    --------
    >>> from stabledag._scores import edge_penalty
    >>> round(edge_penalty(100, 1, gamma=0.0), 4)
    2.3026
    """
    gamma = EBIC_GAMMA if gamma is None else gamma
    return 0.5 * math.log(n_samples) + gamma * math.log(max(n_nodes, 1))


def _parent_key(parents):
    return tuple(sorted(map(int, parents)))


#: Bytes the memo of one score (shared by its linearisations) may hold; past it the oldest
#: half of the entries are dropped (they are recomputed, identically, if asked for again).
MEMO_BUDGET = 256 * 2**20


def _size(value):
    """Rough bytes held by a memoised value (arrays counted by their buffers)."""
    if isinstance(value, np.ndarray):
        return value.nbytes + 112
    if isinstance(value, tuple):
        return 56 + sum(_size(v) for v in value)
    return 32


def _key_bytes(part):
    """Rough bytes of one part of a memo key beyond the key tuple itself."""
    if isinstance(part, tuple):
        return 8 * len(part)
    if isinstance(part, bytes):
        return 33 + len(part)
    return 0


class _Memo(dict):
    """A dict that forgets its oldest entries when they hold more than ``budget`` bytes."""

    def __init__(self, budget=None):
        super().__init__()
        self.budget = MEMO_BUDGET if budget is None else budget
        self.nbytes = 0
        self._sizes = {}

    def put(self, key, value):
        size = _size(value) + 64 + sum(_key_bytes(k) for k in key)
        self[key] = value
        self._sizes[key] = size
        self.nbytes += size
        if self.nbytes > self.budget:
            for old in list(self)[: len(self) // 2]:
                del self[old]
                self.nbytes -= self._sizes.pop(old)


class NodeScore:
    """Base class of the scores: a penalised likelihood of a DAG, node by node.

    Subclasses set ``n_samples``, ``n_nodes`` and ``equal_variances`` (by
    calling this ``__init__``) and implement ``_residual_variance(node,
    parents)`` (``parents`` a sorted tuple) and ``complexity(node,
    parents)``. The generic :meth:`scan` and :meth:`lower_bounds` work for
    any score; subclasses with closed forms override them.

    Parameters
    ----------
    n_samples : int or float
        Sample size behind the score (the ``n`` in ``n/2 log sigma^2``).
    n_nodes : int
        Number of variables.
    equal_variances : bool, default=False
        One pooled noise variance (:meth:`graph_cost` is then not a sum of
        node costs) instead of one per node.

    Examples
    --------
    A score whose residual variance halves with each parent:

    >>> from stabledag._scores import NodeScore
    >>> class Halving(NodeScore):
    ...     def _residual_variance(self, node, parents):
    ...         return 0.5 ** len(parents)
    ...     def complexity(self, node, parents):
    ...         return 0.5 * len(parents)
    >>> score = Halving(100, 2)
    >>> bool(score.graph_cost([[0, 1], [0, 0]]) < score.graph_cost([[0, 0], [0, 0]]))
    True
    """

    variance_floor = MIN_VARIANCE  # residual variances are floored here before the log

    def __init__(self, n_samples, n_nodes, equal_variances=False):
        self.n_samples = n_samples
        self.n_nodes = int(n_nodes)
        self.equal_variances = bool(equal_variances)
        self._memo = _Memo()

    def _cached(self, key, compute):
        """The memoised value under ``key``, computed by ``compute()`` the first time."""
        try:
            return self._memo[key]
        except KeyError:
            value = compute()
            self._memo.put(key, value)
            return value

    def _residual_variance(self, node, parents):
        raise NotImplementedError

    def complexity(self, node, parents):
        """Charge for the parameters of ``node``'s regression on ``parents`` (half-BIC units)."""
        raise NotImplementedError

    def residual_variance(self, node, parents):
        """Mean squared residual of ``node`` regressed on ``parents`` (cached)."""
        key = _parent_key(parents)
        return self._cached(("var", int(node), key), lambda: self._residual_variance(node, key))

    def is_estimable(self, node, parents):
        """Whether the regression of ``node`` on ``parents`` means anything (enough rows)."""
        return True

    def node_cost(self, node, parents):
        """Cost of ``node`` with these parents, one noise variance per node."""
        variance = max(self.residual_variance(node, parents), self.variance_floor)
        return 0.5 * self.n_samples * math.log(variance) + self.complexity(node, parents)

    def fit_term(self, variances):
        """The likelihood part of the cost, from every node's residual variance."""
        variances = np.maximum(np.asarray(variances, dtype=np.float64), self.variance_floor)
        if self.equal_variances:
            return 0.5 * self.n_samples * variances.size * math.log(variances.mean())
        return 0.5 * self.n_samples * float(np.log(variances).sum())

    def fit_gains(self, variances, candidates):
        """Decrease of :meth:`fit_term` when node ``j``'s variance becomes ``candidates[i, j]``.

        Parameters
        ----------
        variances : ndarray of shape (d,)
            Every node's current residual variance.
        candidates : ndarray of shape (k, d)
            Alternative variances of each node (one row per alternative).

        Returns
        -------
        ndarray of shape (k, d)
        """
        floor = self.variance_floor
        v = np.maximum(np.asarray(variances, dtype=np.float64), floor)
        c = np.maximum(np.asarray(candidates, dtype=np.float64), floor)
        if self.equal_variances:
            total = v.sum()
            new_total = total - v[None, :] + c
            return 0.5 * self.n_samples * v.size * (np.log(total) - np.log(new_total))
        return 0.5 * self.n_samples * (np.log(v)[None, :] - np.log(c))

    def graph_variances(self, B):
        """Residual variance of every node on its parents in ``B``."""
        B = np.asarray(B) != 0
        return np.array([self.residual_variance(j, np.flatnonzero(B[:, j])) for j in range(len(B))])

    def graph_cost(self, B):
        """Cost of the DAG ``B`` (nonzero ``[i, j]`` meaning ``i -> j``; lower is better)."""
        B = np.asarray(B) != 0
        parents = [np.flatnonzero(B[:, j]) for j in range(B.shape[0])]
        variances = [self.residual_variance(j, p) for j, p in enumerate(parents)]
        return float(
            self.fit_term(variances) + sum(self.complexity(j, p) for j, p in enumerate(parents))
        )

    def graph_costs(self, graphs):
        """:meth:`graph_cost` of each DAG in turn, re-costing only the nodes that changed.

        For a sequence of similar graphs (the nested DAGs of the threshold
        choice) a node's regression is looked up again only where its parent
        set differs from the previous graph's. Scores whose ``graph_cost``
        is their own (not this class's) are costed graph by graph.

        Parameters
        ----------
        graphs : iterable of ndarray of shape (d, d)

        Yields
        ------
        float
            The same values as :meth:`graph_cost`.
        """
        if type(self).graph_cost is not NodeScore.graph_cost:
            for B in graphs:
                yield self.graph_cost(B)
            return
        for _, variances, parents in self._changed_nodes(graphs):
            complexities = [self.complexity(j, p) for j, p in enumerate(parents)]
            yield float(self.fit_term(variances) + sum(complexities))

    def _changed_nodes(self, graphs):
        """``(B, variances, parents)`` per graph, updating only the columns that changed."""
        previous, variances, parents = None, None, None
        for B in graphs:
            B = np.asarray(B) != 0
            if previous is None:
                parents = [np.flatnonzero(B[:, j]) for j in range(B.shape[0])]
                variances = [self.residual_variance(j, p) for j, p in enumerate(parents)]
            else:
                for j in np.flatnonzero((B != previous).any(axis=0)).tolist():
                    parents[j] = np.flatnonzero(B[:, j])
                    variances[j] = self.residual_variance(j, parents[j])
            previous = B
            yield B, variances, parents

    def scan(self, node, parents, candidates=None):
        """Cost of ``parents`` and of every single addition and removal.

        Returns ``(current, add_costs, drop_costs)``: ``add_costs[c]`` the
        cost with ``c`` added (``inf`` for the node itself and its current
        parents), ``drop_costs[k]`` the cost without ``parents[k]``. With
        ``candidates`` (an array of nodes), ``add_costs[i]`` is the cost of
        adding ``candidates[i]`` and only those are costed; that form is not
        memoised (its caller keeps what it needs).
        """
        parents = _parent_key(parents)
        if candidates is not None:
            candidates = np.asarray(candidates, dtype=np.intp)
            if candidates.size > 1 and np.any(candidates[1:] < candidates[:-1]):
                order = np.argsort(candidates, kind="stable")
                current, add_sorted, drop_costs = self._scan_candidates(
                    node, parents, candidates[order]
                )
                add_costs = np.empty_like(add_sorted)
                add_costs[order] = add_sorted
                return current, add_costs, drop_costs
            return self._scan_candidates(node, parents, candidates)
        key = ("scan", int(node), parents, self._scan_context())
        return self._cached(key, lambda: self._scan(node, parents))

    def _scan_context(self):
        """What a scan depends on besides the node and its parents (shared caches keep it)."""
        return None

    def _scan_candidates(self, node, parents, candidates):
        current, add_costs, drop_costs = self.scan(node, parents)
        return current, add_costs[candidates], drop_costs

    def _scan(self, node, parents):
        current = self.node_cost(node, parents)
        add_costs = np.full(self.n_nodes, np.inf)
        for c in range(self.n_nodes):
            if c != node and c not in parents:
                add_costs[c] = self.node_cost(node, parents + (c,))
        drop_costs = np.array(
            [self.node_cost(node, parents[:k] + parents[k + 1 :]) for k in range(len(parents))]
        )
        return current, add_costs, drop_costs

    def lower_bounds(self, node, order):
        """Lower bounds on ``node``'s cost with parents among ``order[:pos]``, every ``pos``."""
        return np.full(len(order) + 1, -np.inf)


class GaussianBIC(NodeScore):
    r"""Extended BIC of a linear Gaussian SEM, from the second-moment matrix.

    Node ``j`` is regressed by least squares on its parents; its cost is

    .. math::

        \tfrac{n}{2}\log\hat\sigma_j^2(P) + \big(\tfrac{\log n}{2}
        + \gamma\log d\big)\,|P|,

    which does not depend on the units of the columns. With
    ``equal_variances=True`` the graph cost uses one pooled variance,
    :math:`\tfrac{nd}{2}\log\bar\sigma^2 + \text{penalty}\cdot|E|`; it is not
    a sum over nodes, so searches score each node by its linearisation
    :math:`\tfrac{n}{2}\hat\sigma_j^2/\bar\sigma^2` at a pooled variance
    (:meth:`with_pooled_variance`). Everything works on ``S``, so nothing
    here grows with ``n``.

    A stepwise step scores every addition and every removal at once from one
    small inverse: adding ``c`` to parents ``P`` lowers the residual
    variance by ``r_c**2 / q_c`` (``r_c`` the residual covariance of ``c``
    with the node given ``P``, ``q_c`` the residual variance of ``c``), and
    dropping ``p`` raises it by ``beta_p**2 / [S_PP^-1]_pp``.

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second-moment (or correlation) matrix of the centred data.
    n_samples : int or float
        (Effective) number of samples behind ``S``.
    equal_variances : bool, default=False
    gamma : float, optional
        Extended-BIC weight per edge (:data:`EBIC_GAMMA` by default).
    strength : float, default=1.0
        Multiplies the whole charge per edge (the estimator's
        ``edge_penalty``): above 1 sparser graphs, below 1 denser ones.
    edge_inflation : array-like of shape (d, d), optional
        For statistics noisier than a sample covariance on ``n_samples``
        rows: ``edge_inflation[i, j]`` (at least 1, symmetric) is the factor
        by which the sampling variance of the partial correlation behind the
        edge ``i -> j`` exceeds Pearson's, so that pair is known from
        :math:`m = n/\kappa` effective rows. Its fit gain, which grows with
        ``n``, is measured against :math:`m` rows' charge: the edge costs
        :math:`\kappa\,(\tfrac{\log m}{2} + \gamma\log d)` instead of
        the plain charge. The charge of an edge does not depend on its
        direction, so Markov-equivalent DAGs keep equal scores. None: 1
        everywhere.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._scores import GaussianBIC
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> score = GaussianBIC(S, 500)
    >>> bool(score.graph_cost([[0, 1], [0, 0]]) < score.graph_cost(np.zeros((2, 2))))
    True

    A weak correlation keeps its edge, unless the pair is known from 25
    times fewer rows than ``n_samples``:

    >>> weak = np.array([[1.0, 0.2], [0.2, 1.0]])
    >>> edge, empty = [[0, 1], [0, 0]], np.zeros((2, 2))
    >>> bool(GaussianBIC(weak, 500).graph_cost(edge) < GaussianBIC(weak, 500).graph_cost(empty))
    True
    >>> noisy = GaussianBIC(weak, 500, edge_inflation=[[1, 25], [25, 1]])
    >>> bool(noisy.graph_cost(edge) > noisy.graph_cost(empty))
    True
    """

    def __init__(
        self,
        S,
        n_samples,
        equal_variances=False,
        gamma=None,
        strength=1.0,
        edge_inflation=None,
        _pooled=None,
        _memo=None,
    ):
        S = np.asarray(S, dtype=np.float64)
        super().__init__(n_samples, S.shape[0], equal_variances)
        self.S = S
        self.gamma, self.strength = gamma, strength
        self.penalty = strength * edge_penalty(n_samples, S.shape[0], gamma)
        self.edge_inflation = self.charges = None
        if edge_inflation is not None:
            kappa = np.asarray(edge_inflation, dtype=np.float64)
            d = S.shape[0]
            if kappa.shape != (d, d) or not np.all(kappa >= 1.0):
                raise ValueError(
                    f"edge_inflation must be a ({d}, {d}) array of factors of at least 1, "
                    f"got shape {kappa.shape} with minimum {kappa.min() if kappa.size else None}."
                )
            self.edge_inflation = kappa
            effective = np.maximum(n_samples / kappa, 1.0)
            self.charges = (
                strength
                * kappa
                * (
                    0.5 * np.log(effective)
                    + (EBIC_GAMMA if gamma is None else gamma) * math.log(max(d, 1))
                )
            )
        self.pooled_variance = _pooled
        if _memo is not None:
            self._memo = _memo

    def with_pooled_variance(self, variance):
        """This score with node costs linearised at a pooled noise variance (shared cache).

        Parameters
        ----------
        variance : float
            The pooled variance :math:`\\bar\\sigma^2` to linearise at.

        Returns
        -------
        GaussianBIC
        """
        return GaussianBIC(
            self.S,
            self.n_samples,
            self.equal_variances,
            self.gamma,
            self.strength,
            self.edge_inflation,
            variance,
            self._memo,
        )

    def _scan_context(self):
        # Scans are costs, which depend on the pooled variance of the linearisation; the
        # regressions behind them do not and stay shared between linearisations.
        return self.pooled_variance

    def _costs(self, variance, charge):
        """Vectorised node cost for residual variances and edge charges."""
        variance = np.maximum(variance, MIN_VARIANCE)
        pooled = self.pooled_variance
        fit = variance / pooled if pooled else np.log(variance)
        return 0.5 * self.n_samples * fit + charge

    def _charge(self, node, parents):
        """Charge for the edges from ``parents`` into ``node``."""
        if self.charges is None:
            return self.penalty * len(parents)
        return float(self.charges[list(parents), node].sum())

    def regression(self, node, parents):
        """``(variance, beta, inverse)`` of ``node`` regressed on sorted ``parents`` (cached)."""
        parents = _parent_key(parents)
        return self._cached(("fit", int(node), parents), lambda: self._regress(node, parents))

    def _regress(self, node, parents):
        S = self.S
        if not parents:
            return S[node, node], np.zeros(0), np.zeros((0, 0))
        idx = np.array(parents)
        block = S[np.ix_(idx, idx)]
        try:
            inverse = np.linalg.inv(block)
        except np.linalg.LinAlgError:
            inverse = np.linalg.pinv(block, hermitian=True)
        beta = inverse @ S[idx, node]
        return S[node, node] - S[idx, node] @ beta, beta, inverse

    def _residual_variance(self, node, parents):
        return self.regression(node, parents)[0]

    def complexity(self, node, parents):
        """``penalty * |parents|`` (see :func:`edge_penalty`), or each edge's own charge."""
        return self._charge(node, parents)

    def node_cost(self, node, parents):
        """Cost of ``node`` with these parents (linearised when a pooled variance is set)."""
        variance = self.regression(node, parents)[0]
        return float(self._costs(variance, self._charge(node, parents)))

    def graph_cost(self, B):
        """Exact extended BIC of the DAG ``B`` (per-node or pooled variances).

        Returns
        -------
        float
            Half the BIC, constants dropped.
        """
        B = np.asarray(B) != 0
        return self._cost_of(B, self.graph_variances(B))

    def _cost_of(self, B, variances):
        variances = np.maximum(variances, MIN_VARIANCE)
        d = B.shape[0]
        if self.equal_variances:
            fit = 0.5 * self.n_samples * d * math.log(variances.mean())
        else:
            fit = 0.5 * self.n_samples * float(np.log(variances).sum())
        if self.charges is not None:
            return fit + float(self.charges[B].sum())
        return fit + self.penalty * int(B.sum())

    def _scan(self, node, parents):
        return self._scan_rows(node, parents, None)

    def _scan_candidates(self, node, parents, candidates):
        return self._scan_rows(node, parents, candidates)

    def graph_costs(self, graphs):
        """:meth:`graph_cost` of each DAG in turn, re-costing only the nodes that changed."""
        if type(self).graph_cost is not GaussianBIC.graph_cost:  # a subclass's own cost
            for B in graphs:
                yield self.graph_cost(B)
            return
        for B, variances, _ in self._changed_nodes(graphs):
            yield self._cost_of(B, np.array(variances))

    def _scan_rows(self, node, parents, rows):
        """:meth:`scan` over every node (``rows`` None) or over the sorted nodes ``rows``."""
        variance, beta, inverse = self.regression(node, parents)
        charge = self._charge(node, parents)
        current = float(self._costs(variance, charge))
        if rows is None:
            gains = self._gains(node, parents, None, beta, inverse)
        else:
            # Over candidate rows the gains are memoised here, in the memo the linearisations
            # share: the searches of the equal-variance rounds and of the screen's widenings
            # (each with selectors of their own) ask for the same ones again.
            key = ("gains", int(node), parents, rows.tobytes())
            gains = self._cached(key, lambda: self._gains(node, parents, rows, beta, inverse))
        if self.charges is None:
            add_costs = self._costs(variance - gains, self.penalty * (len(parents) + 1))
        else:
            column = self.charges[:, node] if rows is None else self.charges[rows, node]
            add_costs = self._costs(variance - gains, charge + column)
        if rows is None:
            add_costs[node] = np.inf
            add_costs[list(parents)] = np.inf
        elif rows.size:
            taken = np.array((node,) + parents)
            at = np.minimum(np.searchsorted(rows, taken), rows.size - 1)
            add_costs[at[rows[at] == taken]] = np.inf
        drop_costs = np.zeros(0)
        if parents:
            inv_diag = np.maximum(np.diag(inverse), MIN_VARIANCE)
            if self.charges is None:
                less = self.penalty * (len(parents) - 1)
            else:
                less = charge - self.charges[list(parents), node]
            drop_costs = self._costs(variance + beta**2 / inv_diag, less)
        return current, add_costs, drop_costs

    def _gains(self, node, parents, rows, beta, inverse):
        """Decrease of ``node``'s residual variance by adding each of ``rows`` (None: all)."""
        S = self.S
        if rows is None:
            diag, S_node = np.diag(S), S[:, node]
        else:
            diag, S_node = S[rows, rows], S[rows, node]
        if parents:
            idx = np.array(parents)
            S_cP = S[:, idx] if rows is None else S[rows[:, None], idx]
            r = S_node - S_cP @ beta
            q = diag - np.einsum("ij,jk,ik->i", S_cP, inverse, S_cP)
        else:
            r, q = S_node, diag.copy()
        return _variance_gains(r, q)

    def lower_bounds(self, node, order):
        """A lower bound on the cost of ``node`` with parents among ``order[:pos]``, every ``pos``.

        Regressing on all of ``order[:pos]`` leaves the smallest residual
        variance any parent set drawn from it can, so its fit term (without
        the edge penalty) bounds every such set's cost from below. The
        variances for all prefixes come from one Cholesky factorisation.
        Returns ``-inf`` everywhere when ``S`` is singular there.
        """
        idx = list(order) + [node]
        try:
            L = np.linalg.cholesky(self.S[np.ix_(idx, idx)])
        except np.linalg.LinAlgError:
            return np.full(len(order) + 1, -np.inf)
        explained = np.concatenate([[0.0], np.cumsum(L[-1, :-1] ** 2)])
        bounds = self._costs(self.S[node, node] - explained, 0)
        return bounds - 1e-7 * np.abs(bounds) - 1e-9


def _variance_gains(r, q):
    """``r**2 / q`` where ``q > MIN_VARIANCE`` (else 0), without overflow warnings.

    ``r * (r / q)``: ``r**2`` alone overflows for moments near 1e154 (unscaled
    data). On a nearly singular ``S`` a ``q`` left by cancellation can still
    make the gain overflow; ``inf`` then means "explains all the variance",
    which the variance floor of :meth:`GaussianBIC._costs` turns into a finite
    cost.
    """
    with np.errstate(over="ignore"):
        gains = r * (r / np.maximum(q, MIN_VARIANCE))
    return np.where(q > MIN_VARIANCE, gains, 0.0)


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

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._scores import ols_weights
    >>> W, variances = ols_weights(np.array([[1.0, 0.5], [0.5, 1.0]]), [[0, 1], [0, 0]])
    >>> float(W[0, 1]), float(variances[1])
    (0.5, 0.75)
    """
    S = np.asarray(S, dtype=np.float64)
    B = np.asarray(B) != 0
    d = S.shape[0]
    W = np.zeros((d, d))
    for j in range(d):
        parents = np.flatnonzero(B[:, j])
        if parents.size:
            W[parents, j] = np.linalg.lstsq(S[np.ix_(parents, parents)], S[parents, j], rcond=None)[
                0
            ]
    variances = GaussianBIC(S, 1).graph_variances(B)
    return W, np.maximum(variances, MIN_VARIANCE)
