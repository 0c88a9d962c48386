"""The candidate-parent screen and the screened order search (issue 21)."""

import numpy as np
import pytest

from stabledag import StableDAGLearner
from stabledag._scores import EBIC_GAMMA, GaussianBIC
from stabledag._screen import (
    SCREEN_FRACTION,
    _correlation,
    forward_neighbourhoods,
    local_partial_correlation_pairs,
    partial_correlation_pairs,
    screen_pairs,
)
from stabledag._search import (
    admit_screened_out,
    improving_additions,
    multi_start_order_search,
    order_search,
)
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.linear import screen_active

from .conftest import FAST


def _moments(d=12, seed=0, n=2000, k=2, kind="ER", standardize=False):
    B = simulate_dag(d, k * d, kind, random_state=seed)
    X = simulate_linear_sem(simulate_parameter(B, random_state=seed), n, random_state=seed)
    X = X - X.mean(0)
    if standardize:
        X = X / X.std(0)
    return X.T @ X / n, n, B


def test_screen_is_symmetric_without_self_pairs_and_unit_free():
    S, n, _ = _moments(d=20, seed=3)
    keep = screen_pairs(S, n)
    assert keep.dtype == bool
    assert np.array_equal(keep, keep.T)
    assert not keep.diagonal().any()
    scales = np.random.default_rng(0).uniform(0.01, 100.0, size=20)
    assert np.array_equal(screen_pairs(S * np.outer(scales, scales), n), keep)


def test_forward_selection_finds_a_chain_and_stops():
    """a -> b -> c plus an independent d: b's neighbourhood is {a, c}; d's is empty."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=5000)
    b = a + rng.normal(size=5000)
    c = b + rng.normal(size=5000)
    X = np.column_stack([a, b, c, rng.normal(size=5000)])
    R = np.corrcoef(X, rowvar=False)
    picked = forward_neighbourhoods(R, 5000, 5.0)
    assert picked[:, 1].tolist() == [True, False, True, False]
    assert not picked[:, 3].any() and not picked[3].any()


def test_partial_correlations_need_more_samples_than_variables():
    R = np.eye(50)
    assert partial_correlation_pairs(R, 60) is None
    assert not partial_correlation_pairs(R, 500).any()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", ["ER", "SF"])
def test_screen_keeps_every_true_edge_on_sparse_graphs(seed, kind):
    """The moral-graph screen keeps the true edges of ER2/SF2 graphs (n = 2000)."""
    S, n, B = _moments(d=40, seed=seed, kind=kind)
    keep = screen_pairs(S, n)
    assert not ((B != 0) & ~keep).any()
    assert keep.sum() < 0.6 * 40 * 39  # and it does screen


def _forward_only(S, n):
    d = S.shape[0]
    R = _correlation(S)
    penalty = 0.5 * np.log(n) + EBIC_GAMMA * np.log(d)
    picked = forward_neighbourhoods(R, n, SCREEN_FRACTION * penalty)
    return picked | picked.T


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_local_partial_correlations_recover_edges_when_rows_are_few(seed):
    """With n <= d + 30 the global partial correlations are off; the local test restores
    true edges that forward selection alone drops (it was forward selection alone)."""
    S, n, B = _moments(d=100, seed=seed, n=100)
    assert partial_correlation_pairs(S, n) is None
    truth = np.triu((B != 0) | (B.T != 0))
    forward = _forward_only(S, n)
    keep = screen_pairs(S, n)
    assert np.all(keep[forward])  # a superset of forward selection
    dropped_before, dropped_now = (truth & ~forward).sum(), (truth & ~keep).sum()
    assert dropped_before >= 10  # the setting is hard for forward selection
    assert dropped_now <= 0.8 * dropped_before


def test_local_test_is_not_used_with_enough_rows():
    S, n, _ = _moments(d=40, seed=0, n=2000)
    R = _correlation(S)
    expected = _forward_only(S, n) | partial_correlation_pairs(R, n)
    expected |= expected.T
    assert np.array_equal(screen_pairs(S, n), expected)


def test_local_sets_never_exceed_the_rows():
    """Too few rows for any local set of two: nothing is tested, nothing breaks."""
    R = np.eye(4)
    assert not local_partial_correlation_pairs(R, 20, ~np.eye(4, dtype=bool)).any()


def test_scan_over_candidates_is_the_full_scan_at_those_candidates():
    S, n, _ = _moments(d=10, seed=1)
    score = GaussianBIC(S, n)
    for parents in [(), (2,), (0, 5, 7)]:
        current, full_add, full_drop = score.scan(3, parents)
        for cand in (np.array([0, 1, 2, 5, 9]), np.array([9, 4, 0, 6])):
            cur, add, drop = GaussianBIC(S, n).scan(3, parents, candidates=cand)
            assert cur == pytest.approx(current)
            np.testing.assert_allclose(add, full_add[cand], rtol=1e-12)
            np.testing.assert_allclose(drop, full_drop, rtol=1e-12)


def _two_blocks(seed=0):
    """Two independent 8-node SEMs side by side: no edge between the blocks can help."""
    S1, n, B1 = _moments(d=8, seed=seed)
    S2, _, B2 = _moments(d=8, seed=seed + 10)
    S = np.zeros((16, 16))
    S[:8, :8], S[8:, 8:] = S1, S2
    B = np.zeros((16, 16), dtype=int)
    B[:8, :8], B[8:, 8:] = B1, B2
    screen = np.zeros((16, 16), dtype=bool)
    screen[:8, :8] = screen[8:, 8:] = True
    np.fill_diagonal(screen, False)
    return S, n, B, screen


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("equal_variances", [False, True])
def test_screened_search_equals_the_unscreened_when_the_screen_drops_nothing_useful(
    seed, equal_variances
):
    """A screen that drops only the pairs between independent blocks changes nothing."""
    S, n, B, screen = _two_blocks(seed)
    starts = [np.zeros_like(B), B]
    full = multi_start_order_search(GaussianBIC(S, n, equal_variances), starts)
    screened = multi_start_order_search(GaussianBIC(S, n, equal_variances), starts, screen=screen)
    assert np.array_equal(full, screened)


def test_a_screened_out_true_edge_is_admitted_back():
    S, n, B = _moments(d=10, seed=2)
    i, j = np.argwhere(B != 0)[0]
    screen = ~np.eye(10, dtype=bool)
    screen[i, j] = screen[j, i] = False  # the screen wrongly drops a true edge
    score = GaussianBIC(S, n)
    found = multi_start_order_search(score, [np.zeros_like(B), B], screen=screen)
    assert found[i, j] or found[j, i]
    reference = order_search(GaussianBIC(S, n), B)
    assert score.graph_cost(found) <= score.graph_cost(reference) + 1e-6


def test_admitting_leaves_no_improving_screened_out_edge():
    S, n, B = _moments(d=12, seed=4)
    score = GaussianBIC(S, n)
    nothing = np.zeros((12, 12), dtype=bool)  # the worst screen: every edge screened out
    found = admit_screened_out(score, np.zeros_like(B), nothing)
    assert not improving_additions(score, found, ~np.eye(12, dtype=bool) & (found == 0)).any()
    assert score.graph_cost(found) < score.graph_cost(np.zeros_like(B))


def test_admitting_respects_forbidden_edges():
    S, n, B = _moments(d=10, seed=2)
    i, j = np.argwhere(B != 0)[0]
    allowed = ~np.eye(10, dtype=bool)
    allowed[i, j] = allowed[j, i] = False
    nothing = np.zeros((10, 10), dtype=bool)
    found = admit_screened_out(GaussianBIC(S, n), np.zeros_like(B), nothing, allowed=allowed)
    assert not found[i, j] and not found[j, i]


def test_improving_additions_never_close_a_cycle():
    S, n, B = _moments(d=10, seed=5)
    outside = ~np.eye(10, dtype=bool) & (B == 0)
    extra = improving_additions(GaussianBIC(S, n), B, outside)
    from stabledag.graph import is_dag

    for i, j in np.argwhere(extra):
        C = B.copy()
        C[i, j] = 1
        assert is_dag(C)


def test_screen_auto_turns_on_with_many_variables():
    assert not screen_active({"screen": "auto"}, 50)
    assert screen_active({"screen": "auto"}, 500)
    assert not screen_active({"screen": False}, 500)
    assert screen_active({"screen": True}, 5)


@pytest.mark.parametrize("bad", ["yes", 1, None, 0.5])
def test_bad_screen_values_are_rejected(bad):
    X = np.random.default_rng(0).normal(size=(50, 3))
    with pytest.raises(ValueError, match="screen must be"):
        StableDAGLearner(screen=bad).fit(X)


def test_prior_knowledge_wins_over_the_screen():
    """A required edge the screen would drop is kept; a forbidden one stays out."""
    rng = np.random.default_rng(0)
    n = 500
    a, c = rng.normal(size=n), rng.normal(size=n)
    b = a + rng.normal(size=n)
    X = np.column_stack([a, b, c])  # c is independent of everything: the screen drops it
    S = np.cov(X, rowvar=False)
    assert not screen_pairs(S, n)[0, 2]
    est = StableDAGLearner(
        screen=True,
        required_edges=[(0, 2)],
        forbidden_edges=[(0, 1), (1, 0)],
        random_state=0,
        **FAST,
    ).fit(X)
    graph = est.predict_graph()
    assert graph[0, 2] == 1
    assert graph[0, 1] == 0 and graph[1, 0] == 0


def test_screened_fit_learns_a_chain():
    rng = np.random.default_rng(3)
    n = 2000
    cols = [rng.normal(size=n)]
    for _ in range(5):
        cols.append(1.2 * cols[-1] + rng.normal(size=n))
    X = np.column_stack(cols)
    est = StableDAGLearner(screen=True, random_state=0).fit(X)
    skeleton = (est.predict_graph() + est.predict_graph().T) > 0
    expected = np.eye(6, k=1, dtype=bool) | np.eye(6, k=-1, dtype=bool)
    assert np.array_equal(skeleton, expected)


def test_each_start_is_widened_before_the_starts_are_compared():
    """Regression (d = 30, ER2, standardized, seed 4): the screened fit ended 24 BIC units
    above the unscreened one (SHD 12 against 2) when only the best screened optimum was
    widened; widening every start's optimum finds the unscreened fit's graph score."""
    d, n = 30, 2000
    B = simulate_dag(d, 2 * d, "ER", random_state=4)
    X = simulate_linear_sem(simulate_parameter(B, random_state=4), n, random_state=4)
    X = (X - X.mean(0)) / X.std(0)
    score = GaussianBIC(X.T @ X / n, n)
    screened = StableDAGLearner(screen=True, random_state=0).fit(X).predict_graph()
    plain = StableDAGLearner(screen=False, random_state=0).fit(X).predict_graph()
    assert score.graph_cost(screened) <= score.graph_cost(plain) + 1e-6


def test_widened_starts_keep_the_best_widened_result():
    """The screened multi-start search is no worse than every start's screened search
    widened on its own (the reference: admit_screened_out after a single-start search)."""
    S, n, B = _moments(d=20, seed=5, standardize=True)
    keep = screen_pairs(S, n)
    rng = np.random.default_rng(0)
    starts = [np.zeros_like(B)]
    for _ in range(4):  # chains through random orders
        order = rng.permutation(20)
        chain = np.zeros_like(B)
        chain[order[:-1], order[1:]] = 1
        starts.append(chain)
    score = GaussianBIC(S, n)
    found = multi_start_order_search(score, starts, screen=keep)
    for start in starts:
        alone = admit_screened_out(score, order_search(score, start, allowed=keep), keep)
        assert score.graph_cost(found) <= score.graph_cost(alone) + 1e-6


def test_memoised_candidate_scans_equal_brute_force_costs_across_linearisations():
    """The scans over candidate rows (memoised in the score's shared memo) are the costs
    of each single addition computed one by one, for every linearisation sharing the memo."""
    S, n, _ = _moments(d=12, seed=3)
    base = GaussianBIC(S, n, equal_variances=True)
    row_sets = [np.array([0, 2, 5, 7, 11]), np.array([3, 5, 6]), np.array([0, 2, 5, 7, 11])]
    for pooled in (None, 0.8, 1.3, 0.8):  # the last one again: read from the memo
        score = base if pooled is None else base.with_pooled_variance(pooled)
        for parents in [(), (2,), (1, 5, 9)]:
            for rows in row_sets:  # other rows, then the first ones again (from the memo)
                current, add, drop = score.scan(4, parents, candidates=rows)
                assert current == pytest.approx(score.node_cost(4, parents), rel=1e-12)
                for i, c in enumerate(rows):
                    if c in parents:
                        assert add[i] == np.inf
                    else:
                        brute = score.node_cost(4, tuple(sorted(parents + (int(c),))))
                        assert add[i] == pytest.approx(brute, rel=1e-9)
                for k in range(len(parents)):
                    brute = score.node_cost(4, parents[:k] + parents[k + 1 :])
                    assert drop[k] == pytest.approx(brute, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_a_widened_selector_searches_as_a_fresh_one(seed):
    """The caches a widened selector keeps (stepwise results, the scans of the nodes whose
    candidates did not change) give the search of a selector built afresh on the wider set."""
    from stabledag._search import ParentSelector, _search_once

    S, n, B = _moments(d=16, seed=seed, standardize=True)
    score = GaussianBIC(S, n)
    narrow = screen_pairs(S, n)
    rng = np.random.default_rng(seed)
    cut = np.triu(rng.random((16, 16)) < 0.3, 1)
    narrow &= ~(cut | cut.T)  # drop some pairs, true edges among them
    wide = narrow.copy()
    extra = np.triu(rng.random((16, 16)) < 0.3, 1)
    wide |= extra | extra.T
    np.fill_diagonal(wide, False)
    selector = ParentSelector(score, narrow)
    found = _search_once(selector, np.zeros_like(B), 100)
    widened = selector.widened(wide)
    fresh = ParentSelector(GaussianBIC(S, n), wide)
    assert np.array_equal(_search_once(widened, found, 100), _search_once(fresh, found, 100))
    for node in range(16):
        for parents in [(), tuple(np.flatnonzero(found[:, node]).tolist())]:
            got, want = widened.candidate_scan(node, parents), fresh.candidate_scan(node, parents)
            assert got[0] == want[0]
            np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("equal_variances", [False, True])
def test_multi_start_result_is_the_first_best_of_the_starts_widened_one_by_one(equal_variances):
    """Reference: each start searched and widened on its own (fresh caches), the first of
    the lowest score kept; the multi-start search (shared caches, a screened optimum
    reached twice widened once) returns that graph."""
    from stabledag._search import ParentSelector, _pooled_variance, _search_once

    S, n, B = _moments(d=20, seed=6, standardize=not equal_variances)
    keep = screen_pairs(S, n)
    i, j = np.argwhere(B != 0)[0]
    keep[i, j] = keep[j, i] = False  # something to admit
    rng = np.random.default_rng(1)
    starts = [np.zeros_like(B), B.copy(), np.zeros_like(B)]  # the empty graph twice
    starts[2][0, 1] = 1 if not B[1, 0] else 0
    for _ in range(2):
        order = rng.permutation(20)
        chain = np.zeros_like(B)
        chain[order[:-1], order[1:]] = 1
        starts.append(chain)
    score = GaussianBIC(S, n, equal_variances)
    found = multi_start_order_search(score, starts, screen=keep)
    search = score
    if equal_variances:
        search = score.with_pooled_variance(_pooled_variance(score, starts[0] != 0))
    best, best_cost = None, np.inf
    for start in starts:
        alone = _search_once(ParentSelector(search, keep), start != 0, 100)
        alone = admit_screened_out(search, alone, keep)
        cost = score.graph_cost(alone)
        if cost < best_cost - 1e-9:
            best, best_cost = alone, cost
    if equal_variances:
        best = order_search(score, best, allowed=keep)
    best = admit_screened_out(score, best, keep)
    assert np.array_equal(found, best)
