"""The score interface (``stabledag._scores``, ``stabledag._nonlinear_scores``)."""

import warnings

import numpy as np
import pytest

from stabledag._nonlinear_scores import RandomFeatureBIC, SplineBIC
from stabledag._scores import GaussianBIC, NodeScore, edge_penalty, ols_weights
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter


def _moments(d=8, seed=0, n=2000):
    B = simulate_dag(d, 2 * d, "ER", random_state=seed)
    X = simulate_linear_sem(simulate_parameter(B, random_state=seed), n, random_state=seed)
    Z = (X - X.mean(0)) / X.std(0)
    return Z, Z.T @ Z / n, n, B


class DirectLeastSquares(NodeScore):
    """The Gaussian BIC through the generic base class: explicit regressions, no closed forms."""

    def __init__(self, Z):
        super().__init__(Z.shape[0], Z.shape[1])
        self.Z = Z
        self.penalty = edge_penalty(*Z.shape)

    def _residual_variance(self, node, parents):
        y = self.Z[:, node]
        if not parents:
            return float(y @ y) / len(y)
        A = self.Z[:, list(parents)]
        r = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
        return float(r @ r) / len(y)

    def complexity(self, node, parents):
        return self.penalty * len(parents)


def test_gaussian_bic_closed_forms_equal_the_generic_score():
    Z, S, n, B = _moments()
    fast, slow = GaussianBIC(S, n), DirectLeastSquares(Z)
    for node, parents in [(3, (0, 5)), (0, ()), (7, (1, 2, 4))]:
        current, add, drop = fast.scan(node, parents)
        ref_current, ref_add, ref_drop = slow.scan(node, parents)
        assert current == pytest.approx(ref_current, rel=1e-9)
        np.testing.assert_allclose(add, ref_add, rtol=1e-9)
        np.testing.assert_allclose(drop, ref_drop, rtol=1e-9)
    assert fast.graph_cost(B) == pytest.approx(slow.graph_cost(B), rel=1e-9)


def test_graph_cost_is_the_sum_of_node_costs_for_per_node_variances():
    Z, S, n, B = _moments(seed=1)
    for score in (GaussianBIC(S, n), RandomFeatureBIC(Z[:500]), SplineBIC(Z[:500])):
        total = sum(score.node_cost(j, np.flatnonzero(B[:, j])) for j in range(B.shape[0]))
        assert score.graph_cost(B) == pytest.approx(total, rel=1e-12)


def test_pooled_variance_graph_cost():
    Z, S, n, B = _moments(seed=2)
    score = GaussianBIC(S, n, equal_variances=True)
    variances = score.graph_variances(B)
    expected = 0.5 * n * len(variances) * np.log(variances.mean()) + score.penalty * B.sum()
    assert score.graph_cost(B) == pytest.approx(expected)
    linearised = score.with_pooled_variance(2.0)
    assert linearised.node_cost(0, []) == pytest.approx(0.5 * n * S[0, 0] / 2.0)


def test_fit_gains_are_fit_term_differences():
    Z, _, _, B = _moments(seed=3)
    for equal in (False, True):
        score = SplineBIC(Z[:400], equal_variances=equal)
        v = score.graph_variances(B)
        candidates = v[None, :] * np.array([[0.5], [0.9], [1.1]])
        gains = score.fit_gains(v, candidates)
        for k in range(3):
            for j in range(len(v)):
                trial = v.copy()
                trial[j] = candidates[k, j]
                assert gains[k, j] == pytest.approx(
                    score.fit_term(v) - score.fit_term(trial), rel=1e-8, abs=1e-8
                )


def test_scores_share_one_cache():
    Z, S, n, _ = _moments()
    score = GaussianBIC(S, n)
    score.node_cost(2, [0, 1])
    size = len(score._memo)
    score.node_cost(2, (1, 0))  # same parent set, other order
    score.residual_variance(2, [1, 0])
    assert len(score._memo) == size + 1  # only the variance entry is new; the fit is reused


def test_ols_weights_are_least_squares():
    Z, S, n, B = _moments(seed=4)
    W, variances = ols_weights(S, B)
    for j in range(B.shape[0]):
        parents = np.flatnonzero(B[:, j])
        if parents.size:
            coef = np.linalg.lstsq(Z[:, parents], Z[:, j], rcond=None)[0]
            np.testing.assert_allclose(W[parents, j], coef, rtol=1e-8, atol=1e-10)
            r = Z[:, j] - Z[:, parents] @ coef
            assert variances[j] == pytest.approx(r @ r / n, rel=1e-8)


def test_a_score_written_outside_the_package_drives_the_order_search():
    """The recipe for a new score: subclass NodeScore; every search accepts it."""
    from stabledag._search import order_search
    from stabledag._selection import select_threshold

    Z, S, n, B = _moments(d=6, seed=5)
    start = np.zeros_like(B)
    np.testing.assert_array_equal(
        order_search(DirectLeastSquares(Z), start), order_search(GaussianBIC(S, n), start)
    )
    W = np.where(B != 0, 0.5, 0.02)
    np.fill_diagonal(W, 0.0)
    assert select_threshold(W, DirectLeastSquares(Z)) == select_threshold(W, GaussianBIC(S, n))


# ----------------------------------------------------------------------------- edge_inflation
def _inflation(d, seed=0):
    rng = np.random.default_rng(seed)
    K = rng.uniform(1.0, 30.0, size=(d, d))
    K = np.maximum(K, K.T)
    np.fill_diagonal(K, 1.0)
    return K


def _hand_graph_cost(S, n, B, kappa, gamma=1.0):
    """Half the BIC by least squares; an edge costs kappa (log(n / kappa) / 2 + g log d)."""
    d = S.shape[0]
    fit = 0.0
    for j in range(d):
        P = np.flatnonzero(B[:, j])
        var = S[j, j]
        if P.size:
            beta = np.linalg.solve(S[np.ix_(P, P)], S[P, j])
            var = S[j, j] - S[P, j] @ beta
        fit += 0.5 * n * np.log(var)
    i, j = np.nonzero(B)
    charge = kappa[i, j] * (0.5 * np.log(n / kappa[i, j]) + gamma * np.log(d))
    return fit + charge.sum()


def test_edge_inflation_graph_cost_matches_the_hand_formula():
    Z, S, n, B = _moments()
    kappa = _inflation(S.shape[0])
    score = GaussianBIC(S, n, edge_inflation=kappa)
    for graph in (B, np.zeros_like(B), np.triu(np.ones_like(B), 1)):
        assert score.graph_cost(graph) == pytest.approx(_hand_graph_cost(S, n, graph, kappa))


def test_edge_inflation_keeps_markov_equivalent_dags_equal():
    Z, S, n, _ = _moments(d=3)
    kappa = np.array([[1.0, 4.0, 9.0], [4.0, 1.0, 25.0], [9.0, 25.0, 1.0]])
    score = GaussianBIC(S, n, edge_inflation=kappa)
    chain = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])  # 0 -> 1 -> 2
    assert score.graph_cost(chain) == pytest.approx(score.graph_cost(chain.T))  # 2 -> 1 -> 0
    fork = np.array([[0, 0, 0], [1, 0, 1], [0, 0, 0]])  # 0 <- 1 -> 2
    assert score.graph_cost(chain) == pytest.approx(score.graph_cost(fork))


def test_edge_inflation_scan_agrees_with_node_costs():
    _, S, n, _ = _moments()
    kappa = _inflation(S.shape[0], seed=1)
    score = GaussianBIC(S, n, edge_inflation=kappa)
    check = GaussianBIC(S, n, edge_inflation=kappa)  # its own cache
    parents = (1, 4)
    current, add, drop = score.scan(3, parents)
    assert current == pytest.approx(check.node_cost(3, parents))
    for c in range(S.shape[0]):
        if c not in (3, *parents):
            assert add[c] == pytest.approx(check.node_cost(3, tuple(sorted(parents + (c,)))))
    assert drop[0] == pytest.approx(check.node_cost(3, (4,)))
    assert drop[1] == pytest.approx(check.node_cost(3, (1,)))


def test_edge_inflation_scan_over_candidates_agrees_with_the_full_scan():
    """The screened scan (candidate rows) charges each candidate its own edge (merge of 17/21)."""
    _, S, n, _ = _moments()
    kappa = _inflation(S.shape[0], seed=2)
    score = GaussianBIC(S, n, edge_inflation=kappa)
    full = GaussianBIC(S, n, edge_inflation=kappa).scan(3, (1, 4))
    candidates = np.array([5, 0, 2, 4])
    current, add, drop = score.scan(3, (1, 4), candidates)
    assert current == pytest.approx(full[0])
    np.testing.assert_allclose(add, full[1][candidates], rtol=1e-12)
    np.testing.assert_allclose(drop, full[2], rtol=1e-12)


def test_edge_inflation_of_one_is_the_plain_score():
    _, S, n, B = _moments()
    plain = GaussianBIC(S, n)
    ones = GaussianBIC(S, n, edge_inflation=np.ones_like(S))
    assert ones.graph_cost(B) == pytest.approx(plain.graph_cost(B), rel=1e-12)
    a, b = plain.scan(2, (0,)), ones.scan(2, (0,))
    np.testing.assert_allclose(a[1], b[1], rtol=1e-12)


@pytest.mark.parametrize(
    "kappa, match",
    [(np.ones((3, 3)), r"\(8, 8\) array"), (np.full((8, 8), 0.5), "at least 1")],
)
def test_edge_inflation_bad_input(kappa, match):
    _, S, n, _ = _moments()
    with pytest.raises(ValueError, match=match):
        GaussianBIC(S, n, edge_inflation=kappa)


def test_linearisations_at_two_pooled_variances_do_not_share_scans():
    """Regression: scans (costs) were cached across linearisations sharing one memo, so the
    equal-variance search's later rounds read costs of an earlier pooled variance."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 5)) @ rng.normal(size=(5, 5))
    S = X.T @ X / 500
    base = GaussianBIC(S, 500, equal_variances=True)
    base.with_pooled_variance(1.0).scan(3, (0,))
    second = base.with_pooled_variance(2.0).scan(3, (0,))
    fresh = GaussianBIC(S, 500, equal_variances=True).with_pooled_variance(2.0).scan(3, (0,))
    assert second[0] == fresh[0]
    np.testing.assert_array_equal(second[1], fresh[1])
    np.testing.assert_array_equal(second[2], fresh[2])


@pytest.mark.parametrize("equal_variances", [False, True])
def test_graph_costs_of_nested_graphs_equal_graph_cost(equal_variances):
    """The incremental costs of the threshold path are graph_cost's, bit for bit."""
    B = simulate_dag(10, 20, "ER", random_state=0)
    X = simulate_linear_sem(simulate_parameter(B, random_state=0), 400, random_state=0)
    S = np.cov(X, rowvar=False, bias=True)
    W = np.abs(np.random.default_rng(0).normal(size=(10, 10))) * np.triu(np.ones((10, 10)), 1)
    graphs = [W > cut for cut in (2.0, 1.0, 0.5, 0.5, 0.2, 0.0)]
    incremental = list(GaussianBIC(S, 400, equal_variances).graph_costs(graphs))
    assert incremental == [GaussianBIC(S, 400, equal_variances).graph_cost(g) for g in graphs]

    class Halving(NodeScore):
        def _residual_variance(self, node, parents):
            return 0.5 ** len(parents) * (1 + node)

        def complexity(self, node, parents):
            return 0.3 * len(parents)

    incremental = list(Halving(400, 10, equal_variances).graph_costs(graphs))
    assert incremental == [Halving(400, 10, equal_variances).graph_cost(g) for g in graphs]


def test_a_gain_beyond_float64_is_a_finite_cost_without_warnings():
    """Found by the fuzz set: a huge covariance over a tiny variance overflowed in the scan."""
    S = np.array([[1e300, 1e153], [1e153, 1e-8]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        current, add, _ = GaussianBIC(S, 100).scan(0, ())
    assert np.isfinite(current) and np.isfinite(add[1]) and add[1] < current
