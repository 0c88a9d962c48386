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

__all__ = [
    "order_search",
    "multi_start_order_search",
    "ParentSelector",
    "improving_additions",
    "admit_screened_out",
    "equal_variance_order",
]


class ParentSelector:
    """Forward-backward stepwise choice of parent sets under a score and prior knowledge.

    Wraps a :class:`~stabledag._scores.NodeScore`: :meth:`scan` is the
    score's scan with the removals of required parents set to ``inf`` and the
    additions the prior forbids left out; :meth:`best_parents` runs the
    stepwise selection among candidate parents, memoised.

    Without restrictions (``allowed`` all True off the diagonal) a scan
    costs every node as an addition, as the score does. With restrictions
    (prior knowledge, or a candidate-parent screen) each node's scan, lower
    bounds and stepwise selection involve only its allowed parents, so their
    cost and memory do not grow with ``d``.

    Parameters
    ----------
    score : NodeScore
    allowed : ndarray of bool, shape (d, d), optional
        Edges that may appear (default: all but self-loops).
    required : ndarray of bool, shape (d, d), optional
        Edges that must appear.

    Attributes
    ----------
    candidates : list of ndarray or None
        Per node, its allowed parents (sorted); None without restrictions.

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
        self.score, self.n_nodes = score, d
        self.candidates = None
        if allowed is not None:  # beyond self-loops, which every scan excludes
            allowed = np.asarray(allowed, dtype=bool) & ~np.eye(d, dtype=bool)
            if (~allowed).sum() > d:
                self.candidates = [np.flatnonzero(col) for col in allowed.T]
                self.candidate_sets = [frozenset(c.tolist()) for c in self.candidates]
                self.slot = np.full((d, d), -1, dtype=np.intp)  # slot[c, j]: c's index in j's
                for j, cand in enumerate(self.candidates):
                    self.slot[cand, j] = np.arange(cand.size)
        self.required = np.zeros((d, d), dtype=bool) if required is None else required
        self.required_parents = [frozenset(np.flatnonzero(col).tolist()) for col in self.required.T]
        self.required_children = [frozenset(np.flatnonzero(row).tolist()) for row in self.required]
        self.any_required = bool(self.required.any())
        self.cache = {}
        self.scans = {}
        # A scan holds a few arrays of up to d entries: bound the scans kept by their bytes.
        width = d if self.candidates is None else max(len(c) for c in self.candidates) + 1
        self.scan_entries = min(CACHE_ENTRIES, max(1024, SCAN_CACHE_BYTES // (16 * width + 200)))

    def scan(self, node, parents):
        """``(current, add_costs, drop_costs)`` of ``node`` with ``parents``, prior applied.

        ``add_costs`` has one entry per node (``inf`` for the node, its
        parents and, with restrictions, every addition not allowed); see
        :meth:`NodeScore.scan`. Removing a required parent costs ``inf``.
        """
        current, add_costs, drop_costs = self.candidate_scan(node, parents)
        if self.candidates is not None:
            full = np.full(self.n_nodes, np.inf)
            full[self.candidates[node]] = add_costs
            add_costs = full
        return current, add_costs, drop_costs

    def candidate_scan(self, node, parents):
        """:meth:`scan` with ``add_costs`` over ``candidates[node]`` only (all nodes without).

        ``parents`` is a sorted tuple. The results are kept here too, by
        ``(node, parents)`` as given: the search asks for the same scans many
        times, and this lookup skips the score's key normalisation.
        """
        key = (node, parents)
        found = self.scans.get(key)
        if found is None:
            if self.candidates is None:
                current, add_costs, drop_costs = self.score.scan(node, parents)
            else:
                current, add_costs, drop_costs = self.score.scan(
                    node, parents, candidates=self.candidates[node]
                )
            if parents and self.any_required:
                drop_costs = np.where(self.required[list(parents), node], np.inf, drop_costs)
            found = (current, add_costs, drop_costs)
            self._remember(self.scans, key, found, self.scan_entries)
        return found

    def widened(self, allowed):
        """A selector for ``allowed`` (which contains this one's) that keeps what still holds.

        The stepwise results stay valid (each is keyed by the candidates it chose among, not
        by the node's allowed set), and so do the scans of the nodes whose allowed parents
        did not change. The score and required edges are this selector's.

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag._scores import GaussianBIC
        >>> from stabledag._search import ParentSelector
        >>> S = np.eye(3)
        >>> none = np.zeros((3, 3), dtype=bool)
        >>> wide = ParentSelector(GaussianBIC(S, 500), none).widened(~np.eye(3, dtype=bool))
        >>> wide.candidates is None
        True
        """
        new = ParentSelector(self.score, allowed, self.required)
        new.cache = dict(self.cache)
        if self.candidates is not None and new.candidates is not None:
            same = [np.array_equal(a, b) for a, b in zip(self.candidates, new.candidates)]
            new.scans = {key: value for key, value in self.scans.items() if same[key[0]]}
        return new

    def lower_bounds(self, node, order):
        """Lower bounds on ``node``'s cost with parents among ``order[:pos]``, every ``pos``.

        The score's bounds (see :meth:`NodeScore.lower_bounds`); with
        restrictions, over the allowed parents in ``order`` only.
        """
        if self.candidates is None:
            return self.score.lower_bounds(node, order)
        order = np.asarray(order, dtype=np.intp)
        usable = self.slot[order, node] >= 0
        bounds = self.score.lower_bounds(node, order[usable].tolist())
        return bounds[np.concatenate([[0], np.cumsum(usable)])]

    def _add_cost(self, node, add_costs, cand):
        """The costs in ``add_costs`` (a :meth:`candidate_scan`) of adding each of ``cand``."""
        return add_costs[cand] if self.candidates is None else add_costs[self.slot[cand, node]]

    def _usable(self, node, candidates):
        """The candidates that may be added to ``node``: all, or the allowed ones."""
        if self.candidates is None:
            return candidates
        return self.candidate_sets[node].intersection(candidates)

    def _step(self, node, parents, candidates):
        """Best single addition (among ``candidates``) or removal, if it lowers the cost."""
        current, add_costs, drop_costs = self.candidate_scan(node, parents)
        best_cost, best = current - 1e-9, None
        if candidates:
            cand = np.fromiter(candidates, dtype=np.intp, count=len(candidates))
            costs = self._add_cost(node, add_costs, cand)
            k = int(np.argmin(costs))
            if costs[k] < best_cost:
                best_cost, best = float(costs[k]), parents + (int(cand[k]),)
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
        candidates = self._usable(node, candidates)
        if not isinstance(candidates, frozenset):
            candidates = frozenset(candidates)
        forced = self.required_parents[node] & candidates
        begin = (frozenset(start) & candidates) | forced
        key = (node, self._compact(candidates), begin)
        if key in self.cache:
            return self.cache[key]
        parents = tuple(sorted(begin))
        while True:
            current, _, better = self._step(node, parents, candidates.difference(parents))
            # The one-step formulas assume an invertible S; where it is singular (n <= d,
            # collinear columns) they can promise a gain the exact fit does not give, and
            # following them looped forever. Moving only on an exact decrease terminates.
            if better is None or self.candidate_scan(node, tuple(sorted(better)))[0] >= (
                current - 1e-9
            ):
                break
            parents = tuple(sorted(better))
        result = (frozenset(parents), current)
        self._remember(self.cache, key, result)
        return result

    def _compact(self, candidates):
        """A cache key for a candidate set: the set itself when small, else its bit pattern."""
        if len(candidates) <= 64:
            return candidates
        mask = np.zeros(self.n_nodes, dtype=bool)
        mask[np.fromiter(candidates, dtype=np.intp, count=len(candidates))] = True
        return np.packbits(mask).tobytes()

    @staticmethod
    def _remember(cache, key, value, limit=None):
        """Store in a bounded cache: past ``limit`` entries, the oldest half goes."""
        cache[key] = value
        if len(cache) > (CACHE_ENTRIES if limit is None else limit):
            for old in list(cache)[: len(cache) // 2]:
                del cache[old]


#: Entries a ParentSelector's caches keep (results are recomputed, identically, past it).
CACHE_ENTRIES = 200_000
#: Bytes of scans a ParentSelector keeps (about; past it the oldest half goes).
SCAN_CACHE_BYTES = 128 * 2**20


def _initial_order(B):
    order = topological_order(B)
    if order is None:
        raise ValueError("order_search needs a DAG to start from.")
    return order


def _residual_variance(S, node, given):
    """Variance of ``node`` left after its least-squares regression on ``given`` (in ``S``)."""
    if not given:
        return float(S[node, node])
    idx = np.asarray(given, dtype=np.intp)
    cov = S[np.ix_(idx, idx)]
    cross = S[idx, node]
    try:
        half = np.linalg.solve(np.linalg.cholesky(cov), cross)
        explained = half @ half
    except np.linalg.LinAlgError:  # collinear predecessors: the minimum-norm solution
        explained = cross @ np.linalg.lstsq(cov, cross, rcond=None)[0]
    return max(float(S[node, node] - explained), MIN_VARIANCE)


def equal_variance_order(S, neighbours=None, required=None):
    """A causal order chosen top-down by the smallest residual variance.

    The first node is the one of smallest variance; each next one has the
    smallest variance left after regressing it on the nodes already chosen
    (on those among its ``neighbours``, when given). When every noise
    variance is equal in the units of ``S``, the source nodes have the
    smallest variance and each step picks a node whose parents all come
    earlier, so the order is a causal order of the population covariance
    (Chen, Drton and Wang 2019). The order search starts from it in the
    equal-variance mode. With a candidate-parent screen (``neighbours``
    holding every true edge), the regression on the chosen neighbours
    leaves the same variance as on all chosen nodes, since a node's parents
    are among its neighbours; each step then updates only the chosen node's
    neighbours, which keeps the order cheap at large ``d`` (about
    ``d * k`` regressions on at most ``k`` variables, ``k`` the screen's
    neighbours per node).

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Covariance (second-moment) matrix of the centred data.
    neighbours : ndarray of bool, shape (d, d), optional
        Symmetric mask of the pairs that may share an edge (all, by default).
    required : ndarray of bool, shape (d, d), optional
        Required edges: a node is chosen only after its required parents.

    Returns
    -------
    list of int
        The nodes in causal order.

    Examples
    --------
    A chain ``0 -> 1 -> 2`` with unit noise variances, listed out of order:

    >>> import numpy as np
    >>> from stabledag._search import equal_variance_order
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=5000)
    >>> b = a + rng.normal(size=5000)
    >>> c = b + rng.normal(size=5000)
    >>> X = np.column_stack([c, a, b])
    >>> equal_variance_order(np.cov(X.T))
    [1, 2, 0]
    """
    S = np.asarray(S, dtype=float)
    d = S.shape[0]
    near = ~np.eye(d, dtype=bool)
    if neighbours is not None:
        near &= np.asarray(neighbours, dtype=bool)
    waiting = np.zeros(d, dtype=int)
    if required is not None:
        required = np.asarray(required, dtype=bool)
        waiting = required.sum(axis=0).astype(int)
    variance = np.diag(S).astype(float).copy()
    chosen = np.zeros(d, dtype=bool)
    given = [[] for _ in range(d)]
    order = []
    for _ in range(d):
        ready = np.flatnonzero(~chosen & (waiting == 0))
        if ready.size == 0:
            raise ValueError("The required edges contain a cycle; no causal order respects them.")
        node = int(ready[np.argmin(variance[ready])])
        order.append(node)
        chosen[node] = True
        if required is not None:
            waiting[required[node]] -= 1
        for other in np.flatnonzero(near[node] & ~chosen):
            given[other].append(node)
            variance[other] = _residual_variance(S, other, given[other])
    return order


def _pooled_variance(score, B):
    return max(float(score.graph_variances(B).mean()), MIN_VARIANCE)


def multi_start_order_search(
    score, starts, max_passes=100, allowed=None, required=None, screen=None
):
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
    screen : ndarray of bool, shape (d, d), optional
        Pairs the search works within (a candidate-parent screen, symmetric;
        required edges must be in it). The result of each start is passed
        to :func:`admit_screened_out` before the starts are compared, and the
        best once more, so no single edge from outside the screen would lower
        its score.

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
    starts = [np.asarray(b) != 0 for b in starts]
    searched = allowed
    if screen is not None:
        d = starts[0].shape[0]
        prior = np.ones((d, d), dtype=bool) if allowed is None else np.asarray(allowed, bool)
        searched = prior & np.asarray(screen, dtype=bool)
    search_score = score
    if score.equal_variances:  # one linearisation point for all starts: their caches are shared
        search_score = score.with_pooled_variance(_pooled_variance(score, starts[0]))
    selector = ParentSelector(search_score, searched, required)
    best, best_cost, seen, optima = None, math.inf, set(), set()
    for start in starts:
        key = np.packbits(start).tobytes()
        if key in seen:
            continue
        seen.add(key)
        found = _search_once(selector, start, max_passes)
        if screen is not None:
            # Starts that reach the same screened optimum widen to the same graph (the
            # widening is deterministic): widened once, it could not win a second time.
            key = np.packbits(found != 0).tobytes()
            if key in optima:
                continue
            optima.add(key)
            # Each start's screened optimum is widened before the starts are compared: the
            # search within a screen stops at worse local optima than the unscreened one,
            # and the admitted edges lead it out (a start that loses before widening may
            # win after it: tests/test_screen.py).
            found = admit_screened_out(
                search_score, found, searched, allowed, required, max_passes, selector
            )
        cost = score.graph_cost(found)
        if cost < best_cost - 1e-9:
            best, best_cost = found, cost
    if score.equal_variances:
        best = order_search(score, best, max_passes, allowed=searched, required=required)
    if screen is not None:
        best = admit_screened_out(score, best, searched, allowed, required, max_passes, selector)
    return best


def _descendants(B):
    """``reach[a, b]``: a directed path from ``a`` to ``b`` in the DAG ``B`` (reflexive)."""
    B = np.asarray(B) != 0
    reach = np.eye(B.shape[0], dtype=bool)
    for node in reversed(_initial_order(B)):
        for child in np.flatnonzero(B[node]):
            reach[node] |= reach[child]
    return reach


def improving_additions(score, B, outside):
    """The edges ``c -> j`` of ``outside`` whose addition alone lowers the cost of ``B``.

    Each node is costed with its parents in ``B`` plus one node of
    ``outside[:, j]`` that is not its descendant (so the graph stays
    acyclic); with ``equal_variances``, under the linearisation at ``B``'s
    pooled variance, as the order search does.

    Parameters
    ----------
    score : NodeScore
    B : ndarray of shape (d, d)
        A DAG.
    outside : ndarray of bool, shape (d, d)
        The additions to try.

    Returns
    -------
    ndarray of bool, shape (d, d)

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._scores import GaussianBIC
    >>> from stabledag._search import improving_additions
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> outside = np.array([[False, True], [False, False]])
    >>> improving_additions(GaussianBIC(S, 500), np.zeros((2, 2)), outside).astype(int).tolist()
    [[0, 1], [0, 0]]
    """
    B = np.asarray(B) != 0
    if score.equal_variances:
        score = score.with_pooled_variance(_pooled_variance(score, B))
    reach = _descendants(B)
    found = np.zeros(B.shape, dtype=bool)
    for j in range(B.shape[0]):
        cand = np.flatnonzero(outside[:, j] & ~reach[j])
        if cand.size:
            current, add_costs, _ = score.scan(j, np.flatnonzero(B[:, j]), candidates=cand)
            found[cand[add_costs < current - 1e-9], j] = True
    return found


def admit_screened_out(
    score, B, searched, allowed=None, required=None, max_passes=100, selector=None
):
    """Widen a screened search until no edge from outside its screen lowers the score.

    The additions from outside ``searched`` (but allowed) that alone lower
    the cost of ``B`` (:func:`improving_additions`) join ``searched`` (both
    directions), and :func:`order_search` resumes from ``B`` within it; this
    repeats until there is none. The result is a DAG the order search within
    ``searched`` cannot improve and that no single screened-out edge improves.
    An equal-variance score is searched in rounds that re-estimate its pooled
    variance (:func:`order_search`) unless it is already linearised at a
    fixed one (``with_pooled_variance``), as for each start of
    :func:`multi_start_order_search`: that score is searched like a
    decomposable one, its selector's caches carried over.

    Parameters
    ----------
    score : NodeScore
    B : ndarray of shape (d, d)
        The screened search's DAG.
    searched : ndarray of bool, shape (d, d)
        The edges it could use.
    allowed, required : ndarray of bool, shape (d, d), optional
        Prior knowledge (see :func:`order_search`).
    max_passes : int, default=100
    selector : ParentSelector, optional
        The screened search's selector (its score ``score`` and allowed edges
        ``searched``), whose caches the widened searches reuse.

    Returns
    -------
    ndarray of shape (d, d), dtype int

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._scores import GaussianBIC
    >>> from stabledag._search import admit_screened_out
    >>> S = np.array([[1.0, 0.8], [0.8, 1.0]])
    >>> nothing = np.zeros((2, 2), dtype=bool)
    >>> int(admit_screened_out(GaussianBIC(S, 500), np.zeros((2, 2)), nothing).sum())
    1
    """
    d = B.shape[0]
    prior = ~np.eye(d, dtype=bool) if allowed is None else np.asarray(allowed, bool)
    searched = np.asarray(searched, dtype=bool).copy()
    B = (np.asarray(B) != 0).astype(int)
    # An equal-variance score not yet linearised is searched in rounds that re-estimate the
    # pooled variance; one linearised at a fixed pooled variance (the starts of
    # multi_start_order_search) is decomposable, like the unit-free score.
    rounds = score.equal_variances and getattr(score, "pooled_variance", None) is None
    for _ in range(_MAX_WIDENINGS):
        extra = improving_additions(score, B, prior & ~searched)
        if not extra.any():
            break
        searched |= (extra | extra.T) & prior
        if rounds:
            B = order_search(score, B, max_passes, allowed=searched, required=required)
        else:  # one score throughout: the selector's caches carry over (the same search)
            if selector is None or selector.score is not score:
                selector = ParentSelector(score, searched, required)
            else:
                selector = selector.widened(searched)
            B = _search_once(selector, B, max_passes)
    return B


# Most rounds of admit_screened_out (each lowers the score, so they end anyway).
_MAX_WIDENINGS = 50


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
    state = _SearchState(scores, _initial_order(B), B)
    for _ in range(max_passes):
        if not state.sweep():
            break
    return state.graph()


# Positions of the moved node that need the stepwise search, above which the Cholesky
# lower bound is computed to prune them (below it they are all tried: cheaper than the bound).
_BOUND_AFTER = 4


class _SearchState:
    """The order, every node's parent set and cost, and the arrays that make a sweep cheap.

    ``add_rows[w]`` is node ``w``'s scan (the cost of every single addition to its
    current parents, prior applied) and ``current[w]`` its cost; ``pa[p, w]`` says
    that ``p`` is a parent of ``w``. They turn the questions a move asks of every
    other node (does adding the moved node help you? was it your parent?) into
    array look-ups. The moves made are exactly those of a full scan of every
    position (see :meth:`best_insertion`).
    """

    def __init__(self, scores, order, B):
        d = len(order)
        self.scores, self.order = scores, list(order)
        self.parents = [frozenset()] * d
        self.costs = np.zeros(d)
        self.current = np.zeros(d)
        self.add_rows = np.zeros((d, d))
        self.pa = np.zeros((d, d), dtype=bool)
        self.position = np.zeros(d, dtype=np.intp)
        self._reindex()
        for pos, node in enumerate(self.order):
            start = np.flatnonzero(B[:, node]).tolist()
            self._set(node, *scores.best_parents(node, frozenset(self.order[:pos]), start))

    def _reindex(self):
        self.position[np.asarray(self.order, dtype=np.intp)] = np.arange(len(self.order))

    def _set(self, node, parents, cost):
        self.parents[node], self.costs[node] = parents, cost
        current, add_costs, _ = self.scores.candidate_scan(node, tuple(sorted(parents)))
        self.current[node] = current
        if self.scores.candidates is None:
            self.add_rows[node] = add_costs
        else:
            self.add_rows[node] = np.inf
            self.add_rows[node, self.scores.candidates[node]] = add_costs
        self.pa[:, node] = False
        self.pa[list(parents), node] = True

    def graph(self):
        """The DAG of the current parent sets (0/1)."""
        return self.pa.astype(int)

    def sweep(self):
        """One pass moving each node to its best position; True if anything changed."""
        changed = False
        for node in list(self.order):
            k = int(self.position[node])
            gain, pos, changes = self.best_insertion(k)
            if changes is None:
                continue
            self.order.insert(pos, self.order.pop(k))
            self._reindex()
            for w, (parents, cost) in changes.items():
                self._set(w, parents, cost)
            changed = True
        return changed

    def others_after_move(self, k):
        """New (parents, cost) of the nodes that change when ``order[k]`` moves past them.

        Parent sets are locally optimal, so a node before ``u`` changes only if
        adding ``u`` helps it, and one after ``u`` only if ``u`` was its parent; how
        far ``u`` moves does not matter.
        """
        scores, order, u = self.scores, self.order, self.order[k]
        before = np.asarray(order[:k], dtype=np.intp)
        updates = {}
        exact = scores.candidates is None  # the candidate sets of the full scan, built alike
        helped = self.add_rows[before, u] < self.current[before] - 1e-9
        for pos in np.flatnonzero(helped).tolist():
            w = order[pos]
            if exact:
                cand = frozenset(order[:pos]) | {u}
            else:
                cand = scores.candidate_sets[w].intersection(order[:pos]) | {u}
            updates[w] = scores.best_parents(w, cand, self.parents[w])
        after = np.asarray(order[k + 1 :], dtype=np.intp)
        for pos in (k + 1 + np.flatnonzero(self.pa[u, after])).tolist():
            w = order[pos]
            if exact:
                cand = frozenset(order[:pos]) - {u}
            else:
                cand = scores.candidate_sets[w].intersection(order[:pos]) - {u}
            updates[w] = scores.best_parents(w, cand, self.parents[w] - {u})
        return updates

    def passed_gains(self, updates, k):
        """Total cost decrease of the nodes ``order[k]`` passes when moved to each position."""
        d = len(self.order)
        delta = np.zeros(d)
        for w, (_, cost) in updates.items():
            delta[self.position[w]] = self.costs[w] - cost
        gains = np.zeros(d)
        gains[:k] = np.cumsum(delta[:k][::-1])[::-1]  # moving to pos < k passes order[pos:k]
        gains[k + 1 :] = np.cumsum(delta[k + 1 :])  # moving to pos > k passes order[k+1:pos+1]
        return gains

    def moved_node_options(self, k):
        """Cost of ``order[k]`` at every position of the others, where no stepwise is needed.

        Returns ``(cost, parents, open_positions)``: ``cost[pos]`` the node's cost at
        ``pos`` where its warm start (its parents among its new predecessors) admits
        no improving single addition or removal, with ``parents[pos]`` that warm
        start; ``inf`` where required edges forbid the position (and at ``k``) and
        ``nan`` at the positions left open for the stepwise search. The warm start
        changes only where a parent is passed, so one scan serves every position
        between two parents, and the best addition among the predecessors is a
        running minimum.
        """
        scores, order, u = self.scores, self.order, self.order[k]
        rest = np.asarray(order[:k] + order[k + 1 :], dtype=np.intp)
        n_pos = len(rest) + 1
        in_rest = self.position - (self.position > k)  # index in rest of every other node
        lo, hi = 0, n_pos - 1
        if scores.required_parents[u]:
            lo = 1 + max(int(in_rest[p]) for p in scores.required_parents[u])
        if scores.required_children[u]:
            hi = min(int(in_rest[c]) for c in scores.required_children[u])
        cost = np.full(n_pos, np.inf)
        parents = [None] * n_pos
        marks = sorted((int(in_rest[p]) + 1, p) for p in self.parents[u])
        ends = [m for m, _ in marks] + [n_pos]
        first, start = 0, []
        for group, end in enumerate(ends):
            if group:
                start.append(marks[group - 1][1])
            begin, first = max(first, lo), end
            stop = min(end, hi + 1)
            if begin >= stop:
                continue
            key = tuple(sorted(start))
            current, add_costs, drop_costs = scores.scan(u, key)
            best_drop = drop_costs.min() if drop_costs.size else np.inf
            best_add = np.full(stop - begin, np.inf)  # over rest[:pos], pos in [begin, stop)
            if stop > 1:
                prefix = np.minimum.accumulate(add_costs[rest[: stop - 1]])
                lead = 1 if begin == 0 else 0
                best_add[lead:] = prefix[begin - 1 + lead : stop - 1]
            improvable = np.minimum(best_add, best_drop) < current - 1e-9
            cost[begin:stop] = np.where(improvable, np.nan, current)
            pa_u = frozenset(key)
            parents[begin:stop] = [pa_u] * (stop - begin)
        cost[k] = np.inf
        open_positions = np.flatnonzero(np.isnan(cost))
        return cost, parents, open_positions

    def best_insertion(self, k):
        """Best new position for ``order[k]``: (gain, position, changed parent sets and costs).

        Every position whose warm start cannot be improved is costed exactly; the
        others (which need the stepwise search) are tried in order of an upper bound
        on their gain (the moved node's cost bounded by
        :meth:`ParentSelector.lower_bounds`), until none can come within 1e-6 of the
        best gain found. The choice among the costed positions follows the full
        scan's rule (the first position of the largest gain), so the move is the full
        scan's: a position left untried has a gain more than 1e-6 below the best and
        cannot change which near-tie comes first.
        """
        scores, order, u = self.scores, self.order, self.order[k]
        updates = self.others_after_move(k)
        passed = self.passed_gains(updates, k)
        cost, parents, open_positions = self.moved_node_options(k)
        cost_u = self.costs[u]
        gains = cost_u - cost + passed  # nan where open, -inf where forbidden
        known = gains[np.isfinite(gains)]
        best_gain = max(0.0, float(known.max())) if known.size else 0.0
        if open_positions.size:
            rest = order[:k] + order[k + 1 :]
            ranked, bounds = open_positions, None
            if open_positions.size > _BOUND_AFTER:
                bounds = cost_u - scores.lower_bounds(u, rest) + passed
                ranked = open_positions[np.argsort(-bounds[open_positions], kind="stable")]
            for pos in ranked.tolist():
                if bounds is not None and bounds[pos] < best_gain - 1e-6:
                    break  # near-ties are tried: the first one wins below
                if scores.candidates is None:
                    cand = frozenset(rest[:pos])
                else:
                    cand = scores.candidate_sets[u].intersection(rest[:pos])
                parents[pos], cost[pos] = scores.best_parents(u, cand, self.parents[u])
                gains[pos] = cost_u - cost[pos] + passed[pos]
                best_gain = max(best_gain, gains[pos])
            gains[np.isnan(gains)] = -np.inf  # pruned: more than 1e-6 below the best
        # The first position of the largest gain, by the full scan's rule: in position
        # order, a gain replaces the best so far if it exceeds it by 1e-9. The best so far
        # is never below the running maximum less 1e-9, so only positions within 2e-9 of
        # the running maximum can replace it.
        running = np.maximum.accumulate(np.concatenate([[0.0], gains]))[:-1]
        gain, pos = 0.0, k
        for at in np.flatnonzero(gains > running - 2e-9).tolist():
            if gains[at] > gain + 1e-9:
                gain, pos = gains[at], at
        if pos == k:
            return 0.0, k, None
        moved = order[pos:k] if pos < k else order[k + 1 : pos + 1]
        changes = {w: updates[w] for w in moved if w in updates}
        changes[u] = (parents[pos], cost[pos])
        return gain, pos, changes
