"""The MLP structural equation model (``model="mlp"``)."""

import contextlib
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from stabledag import StableDAGLearner
from stabledag._nonlinear_scores import RandomFeatureBIC
from stabledag._selection import select_threshold
from stabledag.graph import is_dag
from stabledag.mlp import MLPSEM, mlp_predict

from .conftest import FAST

MLP_FAST = {"model": "mlp", "hidden_units": 4, "max_epochs": 20, "steps_per_epoch": 5}


def _short_fit(X, **params):
    """A continuous MLP fit (``refine=False`` or ``equal_variances=True``) on MLP_FAST's budget.

    Enough for these checks, and quick: on these data the continuous fit needs 100-200
    epochs (5-15 s) to reach h_tol; after 20 its h(W) is still above it and the fit says
    so, truly, in one ConvergenceWarning. (The default unit-free path runs no continuous
    fit and is silent.)
    """
    with pytest.warns(ConvergenceWarning, match=r"20 of max_epochs=20 epochs\. Raise max_") as w:
        est = StableDAGLearner(**MLP_FAST, **params).fit(X)
    assert len(w) == 1
    return est


def _chain(n=400, seed=0):
    """x0 -> x1 -> x2 with strong nonlinear links, x3 independent."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=n)
    x1 = 2.0 * np.tanh(2.0 * x0) + 0.7 * rng.normal(size=n)
    x2 = 1.5 * np.sin(2.0 * x1) + 0.3 * rng.normal(size=n)
    x3 = rng.normal(size=n)
    B = np.zeros((4, 4))
    B[0, 1] = B[1, 2] = 1
    return np.column_stack([x0, x1, x2, x3]), B


def test_jacobian_term_matches_autograd():
    torch.manual_seed(0)  # only the test's own data
    X = torch.randn(6, 3, dtype=torch.float64)
    gen = torch.Generator().manual_seed(1)
    model = MLPSEM(3, hidden_units=5, generator=gen)
    with torch.no_grad():
        model.weight1.mul_(20.0)  # a clearly cyclic, non-trivial Jacobian
    expected = []
    for x in X:
        J = torch.autograd.functional.jacobian(lambda v: model(v[None])[0], x)
        expected.append(torch.linalg.slogdet(torch.eye(3, dtype=torch.float64) - J)[1])
    R = model.residuals(X)
    nll = 0.5 * torch.log((R * R).mean(dim=0)).mean() - torch.stack(expected).mean() / 3
    assert torch.allclose(model.recon_loss(X), nll)
    assert abs(float(torch.stack(expected).mean())) > 1e-3  # the term is really exercised


def test_adjacency_respects_mask_and_restrict():
    allowed = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=bool)
    model = MLPSEM(3, allowed=allowed)
    A = model.adjacency().detach().numpy()
    assert np.all(A[~allowed] == 0) and np.all(A[allowed] > 0)
    model.restrict_(np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]], dtype=bool))
    A = model.adjacency().detach().numpy()
    assert A[0, 1] > 0 and np.count_nonzero(A) == 1


def test_numpy_prediction_matches_torch():
    model = MLPSEM(4, hidden_units=3)
    X = np.random.default_rng(0).normal(size=(7, 4))
    expected = model(torch.tensor(X)).detach().numpy()
    assert np.allclose(mlp_predict(model.numpy_params(), X), expected)


def test_nonlinear_cost_prefers_true_parent():
    X, _ = _chain()
    cost = RandomFeatureBIC(X).node_cost
    assert cost(1, [0]) < cost(1, []) - 50  # the true, nonlinear parent
    assert cost(3, [0]) > cost(3, [])  # an independent variable does not pay its way
    # a purely nonlinear (non-monotone) link that a linear fit misses
    rng = np.random.default_rng(1)
    a = rng.normal(size=500)
    Z = np.column_stack([a, np.cos(2 * a) + 0.2 * rng.normal(size=500)])
    assert abs(np.corrcoef(Z.T)[0, 1]) < 0.1
    assert RandomFeatureBIC(Z).node_cost(1, [0]) < RandomFeatureBIC(Z).node_cost(1, []) - 50


def test_select_threshold_nonlinear_drops_weak_noise_edges():
    X, B = _chain()
    W = 0.05 * np.ones((4, 4))
    np.fill_diagonal(W, 0)
    W[0, 1], W[1, 2] = 1.0, 0.8
    cut = select_threshold(W, RandomFeatureBIC(X - X.mean(axis=0)))
    assert 0.05 <= cut < 0.8


def test_mlp_fit_outputs(small_data):
    X, _ = small_data
    est = StableDAGLearner(random_state=0, **MLP_FAST).fit(X)
    assert is_dag(est.predict_graph())
    assert est.adjacency_.shape == est.raw_adjacency_.shape == (5, 5)
    assert np.array_equal(est.adjacency_ != 0, est.predict_graph() != 0)
    assert set(est.model_params_) == {"weight1", "bias1", "weight2", "bias2"}
    score = est.score(X)
    assert isinstance(score, float) and np.isfinite(score)
    assert est.score_samples(X[:7]).shape == (7,)
    for t in (0.0, 0.1, 1.0):
        assert is_dag(est.predict_graph(threshold=t))


def test_mlp_same_random_state_same_graph_and_rng_untouched(small_data):
    X, _ = small_data
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()
    first = StableDAGLearner(random_state=2, **MLP_FAST).fit(X)
    second = StableDAGLearner(random_state=2, **MLP_FAST).fit(X)
    other = StableDAGLearner(random_state=3, **MLP_FAST).fit(X)
    assert np.array_equal(first.raw_adjacency_, second.raw_adjacency_)
    assert np.array_equal(first.adjacency_, second.adjacency_)
    assert not np.array_equal(first.raw_adjacency_, other.raw_adjacency_)
    assert torch.equal(torch_state, torch.random.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])


def test_linear_model_unchanged_by_new_parameters(small_data):
    X, _ = small_data
    default = StableDAGLearner(random_state=0, **FAST).fit(X)
    explicit = StableDAGLearner(model="linear", hidden_units=3, random_state=0, **FAST).fit(X)
    assert np.array_equal(default.adjacency_, explicit.adjacency_)


@pytest.mark.parametrize("equal_variances", [True, False])
def test_mlp_recovers_nonlinear_chain(equal_variances):
    X, B = _chain()
    # with equal variances the MLP converges more slowly: after 300 epochs h(W) = 6e-4 and the
    # fit says so (reaching h_tol takes 7 stages and ~430 epochs, 50% more time)
    warns = pytest.warns(ConvergenceWarning, match=r"300 of max_epochs=300 epochs\. Raise max_")
    with warns if equal_variances else contextlib.nullcontext():
        est = StableDAGLearner(
            model="mlp",
            equal_variances=equal_variances,
            max_epochs=300,
            n_iter_no_change=10,
            random_state=0,
        ).fit(X)
    G = est.predict_graph()
    skeleton = (G + G.T) != 0
    assert np.array_equal(skeleton, (B + B.T) != 0)


def test_mlp_score_prefers_the_right_model():
    X, _ = _chain(n=600)
    train, test = X[:400], X[400:]
    # the causal order is given (tiers), so the comparison is about the fit
    kw = {"max_epochs": 300, "n_iter_no_change": 10, "random_state": 0, "tiers": [[0], [1], [2]]}
    mlp = StableDAGLearner(model="mlp", **kw).fit(train)
    linear = StableDAGLearner(**kw).fit(train)
    assert mlp.predict_graph()[1, 0] == 0 and mlp.predict_graph()[2, 1] == 0  # tiers hold
    assert mlp.score(test) > linear.score(test) + 0.2


@pytest.mark.parametrize(
    ("params", "match"),
    [({"model": "tree"}, "model must be"), ({"hidden_units": 0}, "hidden_units")],
)
def test_mlp_parameter_checks(small_data, params, match):
    X, _ = small_data
    with pytest.raises(ValueError, match=match):
        StableDAGLearner(**params).fit(X)


@pytest.mark.parametrize("refine", [True, False])
def test_mlp_refine_runs_the_additive_search_only_when_asked(small_data, monkeypatch, refine):
    from stabledag import mlp

    calls = []
    original = mlp.additive_search

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(mlp, "additive_search", spy)
    X, _ = small_data
    if refine:  # the default path: the search, no continuous fit
        est = StableDAGLearner(**MLP_FAST, random_state=0).fit(X)
    else:
        est = _short_fit(X, refine=False, random_state=0)
    assert bool(calls) == refine
    assert is_dag(est.predict_graph())


def test_mlp_refinement_respects_prior_knowledge():
    X, _ = _chain(n=400)
    params = {**MLP_FAST, "max_epochs": 200}  # converges in 26 epochs (1.5 s): a clean fit
    est = StableDAGLearner(
        **params, forbidden_edges=[(0, 1)], required_edges=[(3, 2)], random_state=0
    ).fit(X)
    G = est.predict_graph()
    assert G[0, 1] == 0 and G[3, 2] == 1
    assert is_dag(G)


def test_default_mlp_path_runs_no_continuous_fit(monkeypatch):
    from stabledag import mlp

    def forbidden(*args, **kwargs):
        raise AssertionError("the continuous MLP fit ran")

    monkeypatch.setattr(mlp.ModelPlugin, "train", forbidden)
    X, B = _chain()
    est = StableDAGLearner(model="mlp", random_state=0).fit(X)
    np.testing.assert_array_equal(est.predict_graph(), B)  # the chain, with its directions
    assert est.threshold_ == 0.0
    np.testing.assert_array_equal(est.raw_adjacency_ != 0, B != 0)
    with pytest.raises(AssertionError, match="continuous"):
        StableDAGLearner(model="mlp", refine=False, random_state=0).fit(X)


def test_mlp_graph_does_not_depend_on_random_state():
    X, B = _chain()
    fits = [StableDAGLearner(model="mlp", random_state=rs).fit(X) for rs in (0, 1, 7)]
    for est in fits:
        np.testing.assert_array_equal(est.predict_graph(), B)
    assert not np.array_equal(fits[0].raw_adjacency_, fits[1].raw_adjacency_)  # the networks


def test_networks_fitted_on_the_searched_graph_explain_the_data():
    X, _ = _chain(n=600)
    est = StableDAGLearner(model="mlp", random_state=0).fit(X[:400])
    # noise variances (standard units) of the simulation: 0.7^2 / var(x1), 0.3^2 / var(x2)
    expected = [1.0, 0.49 / X[:, 1].var(), 0.09 / X[:, 2].var(), 1.0]
    np.testing.assert_allclose(est.noise_var_, expected, rtol=0.35)


def test_network_fit_out_of_time_warns_and_keeps_the_searched_graph():
    from sklearn.exceptions import ConvergenceWarning

    X, B = _chain()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = StableDAGLearner(model="mlp", max_time=1e-9, random_state=0).fit(X)
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert len(messages) == 1 and "fitted on the searched graph" in messages[0]
    np.testing.assert_array_equal(est.predict_graph(), B)


def test_dag_mask_skips_the_log_determinant_exactly():
    gen = torch.Generator().manual_seed(0)
    B = np.zeros((3, 3), bool)
    B[0, 1] = B[1, 2] = B[0, 2] = True
    dag = MLPSEM(3, hidden_units=4, allowed=B, generator=gen)
    full = MLPSEM(3, hidden_units=4, generator=torch.Generator().manual_seed(0))
    full.restrict_(np.ones((3, 3), bool))  # not a DAG: the term stays
    with torch.no_grad():
        full.weight1.copy_(dag.weight1)
        full.mask.copy_(dag.mask)
    X = torch.randn(50, 3, generator=gen, dtype=torch.float64)
    # on a DAG log|det(I - J)| = 0, so the shortcut equals the full formula
    with torch.no_grad():
        assert float(dag.recon_loss(X)) == pytest.approx(float(full.recon_loss(X)), abs=1e-12)


def test_equal_variance_mlp_fits_the_continuous_model_and_lets_the_search_compete(monkeypatch):
    from stabledag import mlp

    calls = []
    search, train = mlp.additive_search, mlp.ModelPlugin.train

    def spy_search(*args, **kwargs):
        calls.append("search")
        return search(*args, **kwargs)

    def spy_train(*args, **kwargs):
        calls.append("train")
        return train(*args, **kwargs)

    monkeypatch.setattr(mlp, "additive_search", spy_search)
    monkeypatch.setattr(mlp.ModelPlugin, "train", spy_train)
    X, _ = _chain()
    est = _short_fit(X, equal_variances=True, random_state=0)
    assert calls == ["train", "search"]
    assert is_dag(est.predict_graph())


def test_equal_variance_mlp_searches_from_the_continuous_fits_dag(monkeypatch):
    """The search starts from the thresholded DAG too; its result is the graph (issue 20).

    Before, the search ran from the empty graph only and the random-feature BIC chose
    between its DAG and the thresholded one (design seeds: SHD summed 141 against 114).
    """
    from stabledag import mlp
    from stabledag._nonlinear_scores import SplineBIC

    seen = []
    search = mlp.additive_search

    def spy_search(Z, starts, **kwargs):
        found = search(Z, starts, **kwargs)
        seen.append(([np.asarray(s, bool).copy() for s in starts], Z, kwargs, found))
        return found

    monkeypatch.setattr(mlp, "additive_search", spy_search)
    X, _ = _chain()
    est = _short_fit(X, equal_variances=True, random_state=0)
    [(starts, Z, kwargs, found)] = seen
    assert len(starts) == 1 and is_dag(starts[0]) and kwargs["equal_variances"]
    np.testing.assert_array_equal(est.predict_graph() != 0, found)
    # the lower equal-variance spline BIC of the searches from the empty graph and from it
    score = SplineBIC(Z, equal_variances=True)
    alone = search(Z, [], equal_variances=True)
    assert score.graph_cost(found) <= score.graph_cost(alone) + 1e-9


def test_network_fit_on_many_rows_uses_bounded_mini_batches(monkeypatch):
    """Past NETWORK_BATCH_ROWS training rows the steps see bounded batches (issue 20, speed).

    Only a polish of at most NETWORK_POLISH_EPOCHS epochs sees every row.

    The graph still comes from the search (the true chain), the networks still explain
    the data (the simulation's noise variances) and a refit is identical.
    """
    from stabledag import mlp

    X, B = _chain(n=3000)
    sizes = []
    original = MLPSEM.recon_loss

    def recording(self, X, eps=1e-12):
        if torch.is_grad_enabled():  # a training step, not a validation evaluation
            sizes.append(X.shape[0])
        return original(self, X, eps)

    monkeypatch.setattr(MLPSEM, "recon_loss", recording)
    est = StableDAGLearner(model="mlp", random_state=0).fit(X)
    full = [s for s in sizes if s == 2700]  # every training row (90 %): the polish
    assert sizes and set(sizes) == {mlp.NETWORK_BATCH_ROWS, 2700}
    assert len(full) <= mlp.NETWORK_POLISH_EPOCHS * 10 < len(sizes) - len(full)  # passes bounded
    np.testing.assert_array_equal(est.predict_graph(), B)
    expected = [1.0, 0.49 / X[:, 1].var(), 0.09 / X[:, 2].var(), 1.0]
    np.testing.assert_allclose(est.noise_var_, expected, rtol=0.2)
    again = StableDAGLearner(model="mlp", random_state=0).fit(X)
    np.testing.assert_array_equal(again.raw_adjacency_, est.raw_adjacency_)


def test_mini_batches_are_drawn_without_replacement_and_seeded():
    from stabledag._training import TrainingConfig, _batch_sampler
    from stabledag.estimator import StableDAGLearner as Est

    cfg = TrainingConfig.from_params(Est().get_params(), batch_size=40, batch_seed=3)
    draws = [_batch_sampler(cfg, 100, "cpu") for _ in range(2)]
    first, second = draws[0](), draws[0]()
    assert len(set(first.tolist())) == 40 and first.max() < 100
    assert not torch.equal(first, second)  # afresh at every step
    np.testing.assert_array_equal(draws[1](), first)  # same seed, same draws
    assert _batch_sampler(cfg, 40, "cpu") is None  # no more rows than a batch: full batches
