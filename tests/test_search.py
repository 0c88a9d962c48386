"""The BIC order search that refines the continuous solution."""

import numpy as np
import pytest

from stabledag._scores import GaussianBIC
from stabledag._search import ParentSelector, multi_start_order_search, order_search
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.graph import is_dag
from stabledag.metrics import shd


def _problem(d=8, seed=0, n=2000):
    B = simulate_dag(d, 2 * d, "ER", random_state=seed)
    X = simulate_linear_sem(simulate_parameter(B, random_state=seed), n, random_state=seed)
    Z = (X - X.mean(0)) / X.std(0)
    return Z.T @ Z / n, n, B


def test_scan_matches_direct_regression():
    S, n, _ = _problem()
    scores = GaussianBIC(S, n)
    current, add_costs, drop_costs = scores.scan(3, (0, 5))
    assert current == pytest.approx(scores.node_cost(3, [0, 5]))
    assert add_costs[1] == pytest.approx(scores.node_cost(3, [0, 1, 5]))
    assert drop_costs[0] == pytest.approx(scores.node_cost(3, [5]))
    assert np.isinf(add_costs[3]) and np.isinf(add_costs[0])


def test_bic_cost_matches_a_direct_least_squares_computation():
    S, n, B = _problem()
    d = B.shape[0]
    log_vars = []
    for j in range(d):
        pa = np.flatnonzero(B[:, j])
        coef = np.linalg.lstsq(S[np.ix_(pa, pa)], S[pa, j], rcond=None)[0] if pa.size else []
        log_vars.append(np.log(S[j, j] - (S[pa, j] @ coef if pa.size else 0.0)))
    penalty = 0.5 * np.log(n) + 1.0 * np.log(d)  # extended BIC, gamma = 1
    expected = 0.5 * n * np.sum(log_vars) + penalty * B.sum()
    assert GaussianBIC(S, n).graph_cost(B) == pytest.approx(expected)


@pytest.mark.parametrize("seed", [0, 1])
def test_search_from_empty_graph_lowers_bic_and_returns_dag(seed):
    S, n, B = _problem(seed=seed)
    score = GaussianBIC(S, n)
    found = order_search(score, np.zeros_like(B))
    assert is_dag(found)
    assert score.graph_cost(found) < score.graph_cost(np.zeros_like(B))


@pytest.mark.parametrize("seed", [0, 1])
def test_search_from_true_graph_stays_near_it(seed):
    S, n, B = _problem(seed=seed)
    score = GaussianBIC(S, n)
    found = order_search(score, B)
    assert score.graph_cost(found) <= score.graph_cost(B) + 1e-9
    assert shd(B, found) <= 2


def test_search_fixes_a_wrong_complete_order():
    """Chain a -> b -> c started from the triangle a -> c -> b, a -> b."""
    W = np.array([[0, 1.5, 0], [0, 0, -1.2], [0, 0, 0]])
    X = simulate_linear_sem(W, 2000, random_state=1)
    Z = (X - X.mean(0)) / X.std(0)
    start = np.array([[0, 1, 1], [0, 0, 0], [0, 1, 0]])
    found = order_search(GaussianBIC(Z.T @ Z / 2000, 2000), start)
    skeleton = found + found.T
    assert np.array_equal(skeleton, np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))


def test_multi_start_keeps_lowest_bic():
    S, n, B = _problem(seed=2)
    starts = [np.zeros_like(B), B, np.zeros_like(B)]
    best = multi_start_order_search(GaussianBIC(S, n), starts)
    for start in starts:
        assert (
            GaussianBIC(S, n).graph_cost(best)
            <= GaussianBIC(S, n).graph_cost(order_search(GaussianBIC(S, n), start)) + 1e-9
        )


def test_search_rejects_cyclic_start():
    with pytest.raises(ValueError, match="DAG"):
        order_search(GaussianBIC(np.eye(2), 10), np.array([[0, 1], [1, 0]]))


def _full_scan_insertion(scores, order, parents, costs, k):
    """Reference: cost every position of order[k] by the stepwise search (no bound, no shortcut)."""
    u = order[k]
    rest = order[:k] + order[k + 1 :]
    updates = {}
    for pos, w in enumerate(order):
        if pos < k and scores.improves_with(w, parents[w], u):
            updates[w] = scores.best_parents(w, frozenset(order[:pos]) | {u}, parents[w])
        elif pos > k and u in parents[w]:
            cand = frozenset(order[:pos]) - {u}
            updates[w] = scores.best_parents(w, cand, parents[w] - {u})
        else:
            updates[w] = (parents[w], costs[w])
    best = (0.0, k)
    for pos in range(len(rest) + 1):
        if pos == k:
            continue
        before = set(rest[:pos])
        if not scores.required_parents[u] <= before or scores.required_children[u] & before:
            continue
        _, cost_u = scores.best_parents(u, frozenset(rest[:pos]), parents[u])
        moved = order[pos:k] if pos < k else order[k + 1 : pos + 1]
        gain = costs[u] - cost_u + sum(costs[w] - updates[w][1] for w in moved)
        if gain > best[0] + 1e-9:
            best = (gain, pos)
    return best


def _insertion_problem(seed, pooled, restricted=False):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(4, 12))
    B = simulate_dag(d, 2 * d, "ER", random_state=seed)
    X = simulate_linear_sem(simulate_parameter(B, random_state=seed), 300, random_state=seed)
    X = X - X.mean(0)
    if seed % 2:
        X = X / X.std(0)
    S = X.T @ X / len(X)
    start = simulate_dag(d, d, "ER", random_state=seed + 100)  # a wrong graph: moves to make
    score = GaussianBIC(S, len(X), equal_variances=pooled)
    if pooled:
        score = score.with_pooled_variance(float(score.graph_variances(start).mean()))
    allowed = None
    if restricted:  # a symmetric screen keeping about two thirds of the pairs
        keep = np.triu(rng.random((d, d)) < 0.66, 1)
        allowed = keep | keep.T
    return score, start, allowed


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("pooled", [False, True])
@pytest.mark.parametrize("restricted", [False, True])
def test_bounded_insertion_equals_a_full_scan(seed, pooled, restricted):
    """Costing positions in bulk and pruning by the lower bound never change the chosen move."""
    from stabledag._search import _SearchState

    score, start, allowed = _insertion_problem(seed, pooled, restricted)
    scores = ParentSelector(score, allowed)
    d = start.shape[0]
    order = [int(v) for v in np.argsort(-np.asarray(start).sum(axis=0), kind="stable")]
    state = _SearchState(scores, order, np.zeros((d, d)))
    parents = dict(enumerate(state.parents))
    costs = {node: float(state.costs[node]) for node in range(d)}
    for k in range(d):
        gain, pos, _ = state.best_insertion(k)
        ref_gain, ref_pos = _full_scan_insertion(scores, order, parents, costs, k)
        assert gain == pytest.approx(ref_gain, abs=1e-7)
        assert pos == ref_pos


def test_lower_bounds_bound_every_parent_set():
    """The prefix bound is below the cost of every parent set drawn from the prefix."""
    from itertools import combinations

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    S = np.cov(X, rowvar=False, bias=True)
    scores = GaussianBIC(S, 200)
    order = [3, 0, 5, 1, 4]
    bounds = scores.lower_bounds(2, order)
    for pos in range(len(order) + 1):
        for size in range(pos + 1):
            for parents in combinations(order[:pos], size):
                assert bounds[pos] <= scores.node_cost(2, parents) + 1e-9


@pytest.mark.parametrize("pooled", [False, True])
def test_bounded_caches_give_the_same_search(monkeypatch, pooled):
    """Caches that forget almost everything (issue 21's memory bounds) change no result."""
    from stabledag import _scores
    from stabledag import _search as search_module

    B = simulate_dag(15, 30, "ER", random_state=7)
    X = simulate_linear_sem(simulate_parameter(B, random_state=7), 500, random_state=7)
    X = X - X.mean(0)
    S = X.T @ X / len(X)
    starts = [np.zeros_like(B), B]
    free = multi_start_order_search(GaussianBIC(S, len(X), equal_variances=pooled), starts)
    monkeypatch.setattr(search_module, "CACHE_ENTRIES", 8)
    monkeypatch.setattr(_scores, "MEMO_BUDGET", 20_000)
    score = GaussianBIC(S, len(X), equal_variances=pooled)
    bounded = multi_start_order_search(score, starts)
    assert np.array_equal(bounded, free)
    assert score._memo.nbytes <= 20_000
