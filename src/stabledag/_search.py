r"""Greedy search over causal orders that lowers a score (no torch).

Refines a DAG found by continuous optimisation. The graph is read as a causal
order plus, for each node, a parent set chosen among its predecessors by
forward-backward stepwise selection (:class:`ParentSelector`). Any
:class:`~stabledag._scores.NodeScore` can be searched; the linear model uses
:class:`~stabledag._scores.GaussianBIC`, the extended BIC with one noise
variance per node, which is decomposable and does not depend on units:

.. math::

    \mathrm{cost}(B) = \sum_j \Big[\tfrac{n}{2}\log\hat\sigma_j^2(\mathrm{pa}_j)
    + \big(\tfrac{\log n}{2} + \gamma\log d\big)\,|\mathrm{pa}_j|\Big]

With ``equal_variances=True`` the score uses one pooled noise variance,
:math:`\tfrac{nd}{2}\log\bar\sigma^2 + \text{penalty}\cdot|E|`. It is not
decomposable; each node is scored by its linearisation
:math:`\tfrac{n}{2}\hat\sigma_j^2/\bar\sigma^2` at the current pooled
variance, which is re-estimated and the search repeated until it settles.

Moves take one node to another position in the order (insertion moves, which
include the adjacent swaps of Teyssier & Koller 2005). A move changes the
candidate parents of the moved node and of the nodes it passes, whose parent
sets are re-chosen. The search stops when no move lowers the cost. The
Gaussian score works on the second-moment matrix ``S``, so its cost does not
grow with ``n``.
"""

import math

import numpy as np

from ._scores import MIN_VARIANCE
from .graph import topological_order

__all__ = ["order_search", "multi_start_order_search", "ParentSelector"]


class ParentSelector:
    """Forward-backward stepwise choice of parent sets under a score and prior knowledge.

    Wraps a :class:`~stabledag._scores.NodeScore`: :meth:`scan` is the
    score's scan with the additions the prior forbids and the removals of
    required parents set to ``inf``; :meth:`best_parents` runs the stepwise
    selection among candidate parents, memoised.

    Parameters
    ----------
    score : NodeScore
    allowed : ndarray of bool, shape (d, d), optional
        Edges that may appear (default: all but self-loops).
    required : ndarray of bool, shape (d, d), optional
        Edges that must appear.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._scores import GaussianBIC
    >>> from stabledag._search import ParentSelector
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> parents, _ = ParentSelector(GaussianBIC(S, 500)).best_parents(1, frozenset({0}), ())
    >>> sorted(parents)
    [0]
    """

    def __init__(self, score, allowed=None, required=None):
        d = score.n_nodes
        self.score = score
        self.blocked = None
        if allowed is not None:  # beyond self-loops, which every scan excludes
            blocked = ~np.asarray(allowed, dtype=bool) & ~np.eye(d, dtype=bool)
            self.blocked = blocked if blocked.any() else None
        self.required = np.zeros((d, d), dtype=bool) if required is None else required
        self.required_parents = [frozenset(np.flatnonzero(col).tolist()) for col in self.required.T]
        self.required_children = [frozenset(np.flatnonzero(row).tolist()) for row in self.required]
        self.any_required = bool(self.required.any())
        self.cache = {}
        self.masked = {}

    def scan(self, node, parents):
        """The score's scan with the prior applied (see :meth:`NodeScore.scan`).

        ``parents`` is a sorted tuple. The results are kept here too, by
        ``(node, parents)`` as given: the search asks for the same scans many
        times, and this lookup skips the score's key normalisation.
        """
        key = (node, parents)
        found = self.masked.get(key)
        if found is None:
            current, add_costs, drop_costs = self.score.scan(node, parents)
            if self.blocked is not None:
                add_costs = np.where(self.blocked[:, node], np.inf, add_costs)
            if parents and self.any_required:
                drop_costs = np.where(self.required[list(parents), node], np.inf, drop_costs)
            found = self.masked[key] = (current, add_costs, drop_costs)
        return found

    def lower_bounds(self, node, order):
        """The score's lower bounds (see :meth:`NodeScore.lower_bounds`)."""
        return self.score.lower_bounds(node, order)

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
        """Forward-backward stepwise selection of parents among ``candidates``.

        Returns ``(parents, cost)``, ``parents`` a frozenset; required
        parents among the candidates are always kept.
        """
        forced = self.required_parents[node] & candidates
        start = frozenset(start) & candidates
        if self.blocked is not None:  # a start never smuggles in an edge the prior forbids
            start = frozenset(p for p in start if not self.blocked[p, node])
        key = (node, candidates, start | forced)
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


def _initial_order(B):
    order = topological_order(B)
    if order is None:
        raise ValueError("order_search needs a DAG to start from.")
    return order


def _pooled_variance(score, B):
    return max(float(score.graph_variances(B).mean()), MIN_VARIANCE)


def multi_start_order_search(score, starts, max_passes=100, allowed=None, required=None):
    """Run :func:`order_search` from several DAGs; keep the result of lowest score.

    Parameters
    ----------
    score : GaussianBIC
        The score to lower (with ``equal_variances``, each start is searched
        under the linearisation at the first start's pooled variance, and the
        best result is searched again with re-estimated variances).
    starts : iterable of ndarray of shape (d, d)
        Starting DAGs (duplicates are searched once).
    max_passes : int, default=100
    allowed, required : ndarray of bool, shape (d, d), optional
        Edges that may appear, and edges that must (see :func:`order_search`).

    Returns
    -------
    ndarray of shape (d, d), dtype int

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._scores import GaussianBIC
    >>> from stabledag._search import multi_start_order_search
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> int(multi_start_order_search(GaussianBIC(S, 500), [np.zeros((2, 2))]).sum())
    1
    """
    starts = [(np.asarray(b) != 0).astype(int) for b in starts]
    search_score = score
    if score.equal_variances:  # one linearisation point for all starts: their caches are shared
        search_score = score.with_pooled_variance(_pooled_variance(score, starts[0]))
    selector = ParentSelector(search_score, allowed, required)
    best, best_cost, seen = None, math.inf, set()
    for start in starts:
        key = start.tobytes()
        if key in seen:
            continue
        seen.add(key)
        found = _search_once(selector, start, max_passes)
        cost = score.graph_cost(found)
        if cost < best_cost - 1e-9:
            best, best_cost = found, cost
    if score.equal_variances:
        best = order_search(score, best, max_passes, allowed=allowed, required=required)
    return best


def order_search(score, B, max_passes=100, max_rounds=5, allowed=None, required=None):
    """Refine the DAG ``B`` by moving nodes in its causal order, lowering the score.

    Parameters
    ----------
    score : NodeScore
        The score to lower, e.g. :class:`~stabledag._scores.GaussianBIC` of
        the (standardized or not: the per-node-variance score is unit-free)
        second-moment matrix. With ``equal_variances`` the score must offer
        ``with_pooled_variance`` (the search linearises the pooled cost).
    B : ndarray of shape (d, d)
        Starting DAG, nonzero ``[i, j]`` meaning ``i -> j``.
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

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._scores import GaussianBIC
    >>> from stabledag._search import order_search
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> int(order_search(GaussianBIC(S, 500), np.zeros((2, 2))).sum())
    1
    """
    B = (np.asarray(B) != 0).astype(int)
    if not score.equal_variances:
        return _search_once(ParentSelector(score, allowed, required), B, max_passes)
    for _ in range(max_rounds):
        linearised = score.with_pooled_variance(_pooled_variance(score, B))
        found = _search_once(ParentSelector(linearised, allowed, required), B, max_passes)
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
    node's cost bounded by :meth:`ParentSelector.lower_bounds`), and the search
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
