r"""Greedy order search on the BIC of a linear Gaussian SEM (no torch).

Refines a DAG found by continuous optimisation. The graph is read as a causal
order plus, for each node, a parent set chosen among its predecessors. The
score is the Gaussian BIC with one noise variance per node, which is
decomposable and does not depend on units:

.. math::

    \mathrm{cost}(B) = \sum_j \Big[\tfrac{n}{2}\log\hat\sigma_j^2(\mathrm{pa}_j)
    + \tfrac{\log n}{2}\,|\mathrm{pa}_j|\Big]

With ``equal_variances=True`` the score is the BIC with one pooled noise
variance, :math:`\tfrac{nd}{2}\log\bar\sigma^2 + \tfrac{\log n}{2}|E|`. It
is not decomposable; each node is scored by its linearisation
:math:`\tfrac{n}{2}\hat\sigma_j^2/\bar\sigma^2` at the current pooled
variance, which is re-estimated and the search repeated until it settles.

Moves take one node to another position in the order (insertion moves, which
include the adjacent swaps of Teyssier & Koller 2005). A move changes the
candidate parents of the moved node and of the nodes it passes, whose parent
sets are re-chosen by forward-backward stepwise selection. The search stops
when no move lowers the cost. Everything works on the
second-moment matrix ``S``, so its cost does not grow with ``n``.
"""

import math

import numpy as np

from .graph import topological_order

__all__ = [
    "order_search",
    "multi_start_order_search",
    "bic_cost",
    "edge_penalty",
    "residual_variances",
]

_MIN_VARIANCE = 1e-12
# gamma = 1 beat 0.5 and plain BIC on the ER2/SF2 benchmark cells in both modes (issue 3 note)
EBIC_GAMMA = 1.0


def edge_penalty(n_samples, n_nodes, gamma=None):
    """Cost of one edge in half-BIC units: ``log(n) / 2 + gamma * log(d)``.

    The extended BIC (Chen & Chen 2008; Foygel & Drton 2010): the ``gamma``
    term accounts for the number of candidate edges growing with ``d``;
    ``gamma=0`` is the plain BIC.
    """
    gamma = EBIC_GAMMA if gamma is None else gamma
    return 0.5 * math.log(n_samples) + gamma * math.log(max(n_nodes, 1))


class _NodeScores:
    """BIC cost of a node given a parent set, and stepwise parent selection.

    A stepwise step scores every addition and every removal at once from one
    small inverse: adding ``c`` to parents ``P`` lowers the residual variance
    by ``r_c**2 / q_c`` (``r_c`` the residual covariance of ``c`` with the
    node given ``P``, ``q_c`` the residual variance of ``c``), and dropping
    ``p`` raises it by ``beta_p**2 / [S_PP^-1]_pp``.
    """

    def __init__(self, S, n_samples, pooled_variance=None, allowed=None, required=None):
        self.S = S
        self.pooled = pooled_variance
        d = S.shape[0]
        self.allowed = ~np.eye(d, dtype=bool) if allowed is None else allowed
        self.required = np.zeros((d, d), dtype=bool) if required is None else required
        self.required_parents = [frozenset(np.flatnonzero(col).tolist()) for col in self.required.T]
        self.required_children = [frozenset(np.flatnonzero(row).tolist()) for row in self.required]
        self.half_n = 0.5 * n_samples
        self.penalty = edge_penalty(n_samples, S.shape[0])
        self.cache = {}
        self.fits = {}
        self.scans = {}

    def _cost(self, variance, n_parents):
        variance = np.maximum(variance, _MIN_VARIANCE)
        fit = variance / self.pooled if self.pooled else np.log(variance)
        return self.half_n * fit + self.penalty * n_parents

    def _fit(self, node, parents):
        key = (node, parents)
        if key not in self.fits:
            self.fits[key] = self._regress(node, parents)
        return self.fits[key]

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

    def scan(self, node, parents):
        """Cost of ``parents`` and of every single addition (all nodes) and removal.

        Returns ``(current, add_costs, drop_costs)``; ``add_costs`` has one entry
        per node, ``inf`` for the node itself and for its current parents.
        """
        key = (node, parents)
        if key not in self.scans:
            self.scans[key] = self._scan(node, parents)
        return self.scans[key]

    def _scan(self, node, parents):
        S = self.S
        variance, beta, inverse = self._fit(node, parents)
        current = float(self._cost(variance, len(parents)))
        if parents:
            idx = np.array(parents)
            S_cP = S[:, idx]
            r = S[:, node] - S_cP @ beta
            q = np.diag(S) - np.einsum("ij,jk,ik->i", S_cP, inverse, S_cP)
        else:
            r, q = S[:, node], np.diag(S).copy()
        gains = np.where(q > _MIN_VARIANCE, r**2 / np.maximum(q, _MIN_VARIANCE), 0.0)
        add_costs = self._cost(variance - gains, len(parents) + 1)
        add_costs[~self.allowed[:, node]] = np.inf
        add_costs[list(parents)] = np.inf
        drop_costs = np.zeros(0)
        if parents:
            diag = np.maximum(np.diag(inverse), _MIN_VARIANCE)
            drop_costs = self._cost(variance + beta**2 / diag, len(parents) - 1)
            drop_costs[self.required[list(parents), node]] = np.inf
        return current, add_costs, drop_costs

    def _step(self, node, parents, candidates):
        """Best single addition (among ``candidates``) or removal, if it lowers the cost."""
        current, add_costs, drop_costs = self.scan(node, parents)
        best_cost, best = current - 1e-9, None
        if candidates:
            cand = np.fromiter(candidates, dtype=np.intp, count=len(candidates))
            k = int(np.argmin(add_costs[cand]))
            if add_costs[cand[k]] < best_cost:
                best_cost, best = float(add_costs[cand[k]]), parents + (int(cand[k]),)
        if drop_costs.size:
            k = int(np.argmin(drop_costs))
            if drop_costs[k] < best_cost:
                best_cost, best = float(drop_costs[k]), parents[:k] + parents[k + 1 :]
        return current, best_cost, best

    def improves_with(self, node, parents, extra):
        """Whether adding ``extra`` to locally optimal ``parents`` lowers the cost."""
        current, add_costs, _ = self.scan(node, tuple(sorted(parents)))
        return add_costs[extra] < current - 1e-9

    def best_parents(self, node, candidates, start):
        """Forward-backward stepwise selection of parents among ``candidates``."""
        forced = self.required_parents[node] & candidates
        key = (node, candidates, (frozenset(start) & candidates) | forced)
        if key in self.cache:
            return self.cache[key]
        parents = tuple(sorted(key[2]))
        while True:
            current, _, better = self._step(node, parents, candidates.difference(parents))
            # The one-step formulas assume an invertible S; where it is singular (n <= d,
            # collinear columns) they can promise a gain the exact fit does not give, and
            # following them looped forever. Moving only on an exact decrease terminates.
            if better is None or self.scan(node, tuple(sorted(better)))[0] >= current - 1e-9:
                break
            parents = tuple(sorted(better))
        result = (frozenset(parents), current)
        self.cache[key] = result
        return result

    def lower_bounds(self, node, order):
        """A lower bound on the cost of ``node`` with parents among ``order[:pos]``, every ``pos``.

        Regressing on all of ``order[:pos]`` leaves the smallest residual
        variance any parent set drawn from it can, so its fit term (without
        the edge penalty) bounds every such set's cost from below. The
        variances for all prefixes come from one Cholesky factorisation. Returns
        ``-inf`` everywhere when ``S`` is singular there.
        """
        idx = list(order) + [node]
        try:
            L = np.linalg.cholesky(self.S[np.ix_(idx, idx)])
        except np.linalg.LinAlgError:
            return np.full(len(order) + 1, -np.inf)
        explained = np.concatenate([[0.0], np.cumsum(L[-1, :-1] ** 2)])
        bounds = self._cost(self.S[node, node] - explained, 0)
        return bounds - 1e-7 * np.abs(bounds) - 1e-9

    def cost(self, node, parents):
        """BIC cost of ``node`` with the given parents."""
        variance, _, _ = self._fit(node, tuple(sorted(parents)))
        return float(self._cost(variance, len(parents)))


def _initial_order(B):
    order = topological_order(B)
    if order is None:
        raise ValueError("order_search needs a DAG to start from.")
    return order


def residual_variances(S, B):
    """Residual variance of every node regressed (least squares) on its parents in ``B``."""
    scores = _NodeScores(np.asarray(S, dtype=np.float64), 1)
    return np.array(
        [scores._fit(j, tuple(np.flatnonzero(B[:, j]).tolist()))[0] for j in range(B.shape[0])]
    )


def bic_cost(S, n_samples, B, equal_variances=False):
    """Total BIC cost (lower is better) of the DAG ``B`` with OLS weights.

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second-moment matrix of centred data.
    n_samples : int
    B : ndarray of shape (d, d)
    equal_variances : bool, default=False
        Pooled noise variance instead of one per node.

    Returns
    -------
    float
        Half the BIC, constants dropped.
    """
    S = np.asarray(S, dtype=np.float64)
    variances = np.maximum(residual_variances(S, B), _MIN_VARIANCE)
    d = B.shape[0]
    if equal_variances:
        fit = 0.5 * n_samples * d * math.log(variances.mean())
    else:
        fit = 0.5 * n_samples * float(np.log(variances).sum())
    return fit + edge_penalty(n_samples, d) * int((np.asarray(B) != 0).sum())


def multi_start_order_search(
    S, n_samples, starts, equal_variances=False, max_passes=100, allowed=None, required=None
):
    """Run :func:`order_search` from several DAGs; keep the result of lowest BIC.

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second-moment matrix of centred data.
    n_samples : int
    starts : iterable of ndarray of shape (d, d)
        Starting DAGs (duplicates are searched once).
    equal_variances : bool, default=False
        Pooled noise variance instead of one per node.
    max_passes : int, default=100
    allowed, required : ndarray of bool, shape (d, d), optional
        Edges that may appear, and edges that must (see :func:`order_search`).

    Returns
    -------
    ndarray of shape (d, d), dtype int
    """
    S = np.asarray(S, dtype=np.float64)
    starts = [(np.asarray(b) != 0).astype(int) for b in starts]
    pooled = None
    if equal_variances:  # one linearisation point for all starts: their caches are shared
        pooled = max(float(residual_variances(S, starts[0]).mean()), _MIN_VARIANCE)
    scores = _NodeScores(S, n_samples, pooled, allowed, required)
    best, best_cost, seen = None, math.inf, set()
    for start in starts:
        key = start.tobytes()
        if key in seen:
            continue
        seen.add(key)
        found = _search_once(scores, start, max_passes)
        cost = bic_cost(S, n_samples, found, equal_variances)
        if cost < best_cost - 1e-9:
            best, best_cost = found, cost
    if equal_variances:
        best = order_search(
            S, n_samples, best, True, max_passes, allowed=allowed, required=required
        )
    return best


def order_search(
    S,
    n_samples,
    B,
    equal_variances=False,
    max_passes=100,
    max_rounds=5,
    allowed=None,
    required=None,
):
    """Refine the DAG ``B`` by moving nodes in its causal order, lowering BIC.

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second-moment matrix of centred data (standardized or not: the
        per-node-variance score is unit-free).
    n_samples : int
        Number of samples behind ``S``.
    B : ndarray of shape (d, d)
        Starting DAG, nonzero ``[i, j]`` meaning ``i -> j``.
    equal_variances : bool, default=False
        Pooled noise variance instead of one per node.
    max_passes : int, default=100
        Most sweeps over the order.
    max_rounds : int, default=5
        With ``equal_variances``, most re-estimations of the pooled variance.
    allowed : ndarray of bool, shape (d, d), optional
        Edges that may appear (default: all but self-loops).
    required : ndarray of bool, shape (d, d), optional
        Edges that must appear; ``B`` must contain them. No move puts a
        required parent after its child.

    Returns
    -------
    ndarray of shape (d, d), dtype int
        The refined DAG (0/1).
    """
    S = np.asarray(S, dtype=np.float64)
    B = (np.asarray(B) != 0).astype(int)
    if not equal_variances:
        return _search_once(_NodeScores(S, n_samples, None, allowed, required), B, max_passes)
    for _ in range(max_rounds):
        pooled = max(float(residual_variances(S, B).mean()), _MIN_VARIANCE)
        scores = _NodeScores(S, n_samples, pooled, allowed, required)
        found = _search_once(scores, B, max_passes)
        if np.array_equal(found, B):
            break
        B = found
    return found


def _search_once(scores, B, max_passes):
    order = _initial_order(B)
    parents, costs = {}, {}
    for pos, node in enumerate(order):
        start = np.flatnonzero(B[:, node]).tolist()
        parents[node], costs[node] = scores.best_parents(node, frozenset(order[:pos]), start)
    for _ in range(max_passes):
        if not _sweep(scores, order, parents, costs):
            break
    out = np.zeros(B.shape, dtype=int)
    for node, pa in parents.items():
        out[list(pa), node] = 1
    return out


def _others_after_move(scores, order, parents, costs, k):
    """New (parents, cost) of every other node when ``order[k]`` moves past it.

    A node's change does not depend on how far ``u`` moves past it. Parent sets
    are locally optimal, so a node that ``u`` passes forward only changes if
    adding ``u`` helps, and one that ``u`` passes backward only if ``u`` was
    its parent.
    """
    u = order[k]
    updates = {}
    for pos, w in enumerate(order):
        if pos < k and scores.improves_with(w, parents[w], u):
            updates[w] = scores.best_parents(w, frozenset(order[:pos]) | {u}, parents[w])
        elif pos > k and u in parents[w]:
            cand = frozenset(order[:pos]) - {u}
            updates[w] = scores.best_parents(w, cand, parents[w] - {u})
        else:
            updates[w] = (parents[w], costs[w])
    return updates


def _moved_node_option(scores, rest, pos, u, parents_u):
    """(parents, cost) of ``u`` inserted at position ``pos`` of ``rest``.

    The warm start is ``parents_u & rest[:pos]``; the stepwise search runs
    only if a single addition or removal improves on it.
    """
    before = rest[:pos]
    before_set = set(before)
    if not scores.required_parents[u] <= before_set or scores.required_children[u] & before_set:
        return None, np.inf  # a required edge would point backwards
    start = tuple(sorted(p for p in parents_u if p in before_set))
    current, add_costs, drop_costs = scores.scan(u, start)
    best_add = add_costs[np.array(before, dtype=np.intp)].min() if before else np.inf
    best_drop = drop_costs.min() if drop_costs.size else np.inf
    if min(best_add, best_drop) < current - 1e-9:
        return scores.best_parents(u, frozenset(before), parents_u)
    return frozenset(start), current


def _passed_gains(order, costs, updates, k):
    """Total cost decrease of the nodes ``order[k]`` passes when moved to each position."""
    delta = np.array([costs[w] - updates[w][1] for w in order])
    gains = np.zeros(len(order))
    before = np.cumsum(delta[:k][::-1])[::-1]  # moving to pos < k passes order[pos:k]
    gains[:k] = before
    gains[k + 1 :] = np.cumsum(delta[k + 1 :])  # moving to pos > k passes order[k+1:pos+1]
    return gains


def _best_insertion(scores, order, parents, costs, k):
    """Best new position for ``order[k]``: (gain, position, changed parent sets and costs).

    Positions are tried in order of an upper bound on their gain (the moved
    node's cost bounded by :meth:`_NodeScores.lower_bounds`), and the search
    stops when no untried position can come within 1e-6 of the best gain
    found; the choice among the tried ones follows the full scan's rule (the
    first position of the largest gain), so the move is the full scan's.
    """
    u = order[k]
    rest = order[:k] + order[k + 1 :]
    updates = _others_after_move(scores, order, parents, costs, k)
    passed = _passed_gains(order, costs, updates, k)
    bounds = costs[u] - scores.lower_bounds(u, rest) + passed
    bounds[k] = -np.inf
    best_gain, options = 0.0, {}
    for pos in np.argsort(-bounds, kind="stable"):
        if bounds[pos] < best_gain - 1e-6:  # near-ties are tried: the first one wins below
            break
        pa_u, cost_u = _moved_node_option(scores, rest, int(pos), u, parents[u])
        options[int(pos)] = (pa_u, cost_u)
        best_gain = max(best_gain, costs[u] - cost_u + passed[pos])
    best = (0.0, k, None)
    for pos in sorted(options):  # the first position of the largest gain, as a full scan would
        pa_u, cost_u = options[pos]
        gain = costs[u] - cost_u + passed[pos]
        if gain > best[0] + 1e-9:
            moved = order[pos:k] if pos < k else order[k + 1 : pos + 1]
            changes = {w: updates[w] for w in moved}
            changes[u] = (pa_u, cost_u)
            best = (gain, pos, changes)
    return best


def _sweep(scores, order, parents, costs):
    """One pass moving each node to its best position; True if anything changed."""
    changed = False
    for node in list(order):
        k = order.index(node)
        gain, pos, changes = _best_insertion(scores, order, parents, costs, k)
        if changes is None:
            continue
        order.insert(pos, order.pop(k))
        for w, (pa, cost) in changes.items():
            parents[w], costs[w] = pa, cost
        changed = True
    return changed
