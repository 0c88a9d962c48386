"""Structure search under a nearly additive nonlinear model: the MLP model's graph.

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
the lowest-cost result wins. One addition to CAM: a node may also gain two
parents at once when neither gains alone (a product of parents).

The score is :class:`stabledag._nonlinear_scores.SplineBIC`; the search
(:func:`greedy_dag_search`) works with any
:class:`~stabledag._scores.NodeScore`. No torch here.
"""

import math

import numpy as np

from ._nonlinear_scores import SplineBIC

__all__ = ["greedy_dag_search", "additive_search"]


def _reachability(B):
    """``R[i, j]``: a directed path from ``i`` to ``j`` (every node reaches itself)."""
    R = (np.asarray(B) != 0) | np.eye(B.shape[0], dtype=bool)
    for k in range(B.shape[0]):
        R |= R[:, [k]] & R[[k], :]
    return R


def _candidate_table(score, B, j, allowed):
    """Residual variance, complexity and usability of node ``j`` with each single addition."""
    parents = list(np.flatnonzero(B[:, j]))
    d = B.shape[0]
    variance, complexity = np.ones(d), np.zeros(d)
    usable = np.zeros(d, dtype=bool)
    for i in np.flatnonzero(allowed[:, j] & ~B[:, j]):
        trial = parents + [i]
        variance[i] = score.residual_variance(j, trial)
        complexity[i] = score.complexity(j, trial)
        usable[i] = score.is_estimable(j, trial)
    return variance, complexity, usable


def _pair_candidates(score, j, parents, open_parents, n_pairs):
    """Up to ``n_pairs`` pairs of possible new parents of ``j``, the most promising first.

    With a score that ranks pairs (``pair_scores``, e.g.
    :meth:`~stabledag._nonlinear_scores.SplineBIC.pair_scores`) the top
    ``n_pairs``; otherwise every pair.
    """
    if len(open_parents) < 2 or n_pairs <= 0:
        return []
    first, second = np.triu_indices(len(open_parents), k=1)
    pair_scores = getattr(score, "pair_scores", None)
    if pair_scores is None:
        keep = np.arange(first.size)
    else:
        M = pair_scores(j, parents, open_parents)
        keep = np.sort(np.argsort(-M[first, second], kind="stable")[:n_pairs])
    return [(int(open_parents[first[k]]), int(open_parents[second[k]])) for k in keep]


def _pair_table(score, B, j, allowed):
    """Pairs ``(a, b)`` of possible new parents of node ``j`` and ``j``'s fit with both added.

    Returns four arrays: ``a``, ``b``, the residual variance and the complexity.
    """
    parents = list(np.flatnonzero(B[:, j]))
    open_parents = np.flatnonzero(allowed[:, j] & ~B[:, j])
    rows = []
    for pair in _pair_candidates(score, j, parents, open_parents, B.shape[0]):
        trial = parents + list(pair)
        if score.is_estimable(j, trial):
            rows.append((*pair, score.residual_variance(j, trial), score.complexity(j, trial)))
    if not rows:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.zeros(0)
    a, b, variance, complexity = zip(*rows)
    return np.array(a), np.array(b), np.array(variance), np.array(complexity)


def _best_pair_move(score, pairs, variances, complexity, gain, R):
    """The pair addition of largest gain among those whose parents gain nothing alone.

    ``pairs[k]`` is node ``k``'s :func:`_pair_table`. A pair qualifies when
    neither parent has a positive single-edge gain into ``k`` and ``k``
    reaches neither (no cycle). Returns ``(gain, (k, (a, b), variance,
    complexity))``, the first of the largest gains in node then table order,
    or ``(-inf, None)``.
    """
    nodes = np.concatenate([np.full(len(table[0]), k) for k, table in enumerate(pairs)])
    if not nodes.size:
        return -np.inf, None
    a, b, var, cplx = (np.concatenate([table[i] for table in pairs]) for i in range(4))
    ok = ~R[nodes, a] & ~R[nodes, b] & ~(gain[a, nodes] > 0) & ~(gain[b, nodes] > 0)
    if not ok.any():
        return -np.inf, None
    nodes, a, b, var, cplx = nodes[ok], a[ok], b[ok], var[ok], cplx[ok]
    rows = np.arange(nodes.size)
    trial = np.repeat(np.asarray(variances, dtype=np.float64)[None, :], nodes.size, axis=0)
    trial[rows, nodes] = var
    values = score.fit_gains(variances, trial)[rows, nodes] - (cplx - complexity[nodes])
    best = int(np.argmax(values))
    move = (int(nodes[best]), (int(a[best]), int(b[best])), var[best], cplx[best])
    return values[best], move


def greedy_dag_search(score, start, allowed=None, required=None, pair_moves=True):
    """CAM's greedy search from ``start``: add best edges, then prune parents.

    Each step takes the single-edge addition of largest score gain; with
    ``pair_moves``, adding two parents to a node at once also competes when
    neither of the two gains alone (a product of two parents, say, which no
    single parent explains): for each node the ``d`` pairs the score ranks
    first (:meth:`~stabledag._nonlinear_scores.SplineBIC.pair_scores`; every
    pair for a score without that method) are tried.

    Parameters
    ----------
    score : NodeScore
        E.g. :class:`~stabledag._nonlinear_scores.SplineBIC`. An addition
        that the score calls not estimable (``is_estimable``: e.g. a node
        left with as many coefficients as rows) is never taken.
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
        Its score.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._nonlinear_scores import SplineBIC
    >>> from stabledag._additive import greedy_dag_search
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=500)
    >>> Z = np.column_stack([a, np.tanh(2 * a) + 0.3 * rng.normal(size=500)])
    >>> B, _ = greedy_dag_search(SplineBIC(Z), np.zeros((2, 2)))
    >>> int(B.sum())
    1
    """
    B = np.asarray(start) != 0
    d = B.shape[0]
    allowed = np.ones((d, d), bool) if allowed is None else np.asarray(allowed, bool)
    required = np.zeros((d, d), bool) if required is None else np.asarray(required, bool)
    allowed = allowed & ~np.eye(d, dtype=bool)
    variances = score.graph_variances(B)
    complexity = np.array([score.complexity(j, np.flatnonzero(B[:, j])) for j in range(d)])
    cand_var, cand_cplx = np.ones((d, d)), np.zeros((d, d))
    usable = np.zeros((d, d), dtype=bool)
    pairs = [(np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.zeros(0))] * d
    for j in range(d):
        cand_var[:, j], cand_cplx[:, j], usable[:, j] = _candidate_table(score, B, j, allowed)
        if pair_moves:
            pairs[j] = _pair_table(score, B, j, allowed)
    R = _reachability(B)
    while True:
        open_edge = allowed & ~B & ~R.T & usable  # i -> j closes a cycle when j reaches i
        gains = score.fit_gains(variances, cand_var) - (cand_cplx - complexity[None, :])
        gain = np.where(open_edge, gains, -np.inf)
        i, j = np.unravel_index(np.argmax(gain), gain.shape)
        best, move = gain[i, j], (j, (i,), cand_var[i, j], cand_cplx[i, j])
        if pair_moves:
            value, pair_move = _best_pair_move(score, pairs, variances, complexity, gain, R)
            if value > best:
                best, move = value, pair_move
        if not best > 0:
            break
        j, added, variances[j], complexity[j] = move
        B[list(added), j] = True
        for i in added:
            R |= R[:, [i]] & R[[j], :]
        cand_var[:, j], cand_cplx[:, j], usable[:, j] = _candidate_table(score, B, j, allowed)
        if pair_moves:
            pairs[j] = _pair_table(score, B, j, allowed)
    _prune(score, B, variances, complexity, required)
    return B, score.graph_cost(B)


def _prune(score, B, variances, complexity, required):
    """Drop parents, the best single removal first, while that lowers the score."""
    current = score.fit_term(variances) + complexity.sum()
    while True:
        best, drop = current, None
        for i, j in zip(*np.nonzero(B & ~required)):
            others = [p for p in np.flatnonzero(B[:, j]) if p != i]
            trial = variances.copy()
            trial[j] = score.residual_variance(j, others)
            value = score.fit_term(trial) + (
                complexity.sum() - complexity[j] + score.complexity(j, others)
            )
            if value < best - 1e-9:
                best, drop = value, (i, j)
        if drop is None:
            return
        i, j = drop
        B[i, j] = False
        parents = np.flatnonzero(B[:, j])
        variances[j] = score.residual_variance(j, parents)
        complexity[j] = score.complexity(j, parents)
        current = best


def additive_search(
    Z,
    starts,
    allowed=None,
    required=None,
    equal_variances=False,
    n_knots=None,
    pair_moves=True,
):
    """The lowest spline-BIC DAG over greedy searches from each start and the empty graph.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, d)
    starts : sequence of ndarray of shape (d, d)
        Starting DAGs (e.g. the continuous model's DAG at several thresholds).
    allowed, required : ndarray of bool, shape (d, d), optional
        Prior-knowledge masks (required edges must be in every start).
    equal_variances : bool, default=False
        Score with one shared noise variance on the data's own scale.
    n_knots : int, optional
        Spline knots per variable; default
        :func:`~stabledag._nonlinear_scores.knots_for` the number of rows.
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
    score = SplineBIC(Z, n_knots=n_knots, equal_variances=equal_variances)
    empty = np.zeros((d, d), bool) if required is None else np.asarray(required, bool).copy()
    best, best_cost = None, math.inf
    seen = set()
    for start in [empty, *starts]:
        key = (np.asarray(start) != 0).tobytes()
        if key in seen:
            continue
        seen.add(key)
        B, value = greedy_dag_search(score, start, allowed, required, pair_moves)
        if value < best_cost - 1e-9:
            best, best_cost = B, value
    return best
