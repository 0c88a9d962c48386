"""The equal-variance order start and the ``max_epochs="auto"`` budget (issue 21)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from stabledag import StableDAGLearner
from stabledag import linear as linear_module
from stabledag._screen import screen_pairs
from stabledag._search import equal_variance_order
from stabledag.cli import main as cli_main
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.linear import ORDER_START_EPOCHS
from stabledag.models import DEFAULT_MAX_EPOCHS, get_model


def _ev_data(d, seed, n=3000):
    B = simulate_dag(d, 2 * d, "ER", random_state=seed)
    X = simulate_linear_sem(simulate_parameter(B, random_state=seed), n, random_state=seed)
    return X, B


def _backward_edges(order, B):
    position = np.empty(len(order), dtype=int)
    position[np.asarray(order)] = np.arange(len(order))
    i, j = np.nonzero(B)
    return int((position[i] > position[j]).sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_order_is_causal_on_equal_variance_data(seed):
    X, B = _ev_data(25, seed)
    S = np.cov(X, rowvar=False)
    order = equal_variance_order(S)
    assert sorted(order) == list(range(25))
    assert _backward_edges(order, B) == 0


def test_order_within_the_screen_equals_the_full_order():
    """Parents are among the screened neighbours, so the residual variances do not change."""
    X, B = _ev_data(40, 3, n=4000)
    S = np.cov(X, rowvar=False)
    screen = screen_pairs(S, len(X))
    assert not (B.astype(bool) & ~screen).any()  # the premise: the screen kept every edge
    screened = equal_variance_order(S, screen)
    assert _backward_edges(screened, B) == 0
    assert screened == equal_variance_order(S)


def test_order_respects_required_edges_and_rejects_cycles():
    X, B = _ev_data(10, 4)
    S = np.cov(X, rowvar=False)
    free = equal_variance_order(S)
    first, last = free[0], free[-1]
    required = np.zeros((10, 10), dtype=bool)
    required[last, first] = True  # against the data's order
    order = equal_variance_order(S, required=required)
    assert order.index(last) < order.index(first)
    required[first, last] = True
    with pytest.raises(ValueError, match="cycle"):
        equal_variance_order(S, required=required)


def test_order_ignores_unit_variance_only_through_its_assumption():
    """Rescaling a source breaks equal variances: the order then follows the variances."""
    rng = np.random.default_rng(5)
    a = rng.normal(size=4000)
    b = a + rng.normal(size=4000)
    order = equal_variance_order(np.cov(np.column_stack([a, b]), rowvar=False))
    assert order == [0, 1]
    order = equal_variance_order(np.cov(np.column_stack([10 * a, b]), rowvar=False))
    assert order == [1, 0]


def _capture_starts(monkeypatch):
    seen = []
    real = linear_module.multi_start_order_search

    def spy(score, starts, **kwargs):
        seen.append([np.asarray(s).copy() for s in starts])
        return real(score, starts, **kwargs)

    monkeypatch.setattr(linear_module, "multi_start_order_search", spy)
    return seen


def _is_chain_through(start, order):
    chain = np.zeros_like(start)
    chain[np.asarray(order[:-1]), np.asarray(order[1:])] = 1
    return np.array_equal(start, chain)


def test_equal_variance_fit_starts_the_search_from_its_order(monkeypatch):
    X, B = _ev_data(12, 8)
    seen = _capture_starts(monkeypatch)
    est = StableDAGLearner(standardize=False, equal_variances=True, random_state=0).fit(X)
    order = equal_variance_order(est._moments_)
    assert any(_is_chain_through(s, order) for s in seen[0])
    assert len(seen[0]) > 2  # unscreened: the cuts, the empty graph, random orders, the order
    assert est.max_epochs_ == DEFAULT_MAX_EPOCHS
    seen.clear()
    StableDAGLearner(random_state=0).fit(X)  # the unit-free mode has no such order
    assert not any(_is_chain_through(s, order) for s in seen[0])


def test_screened_equal_variance_fit_uses_the_order_and_one_cut(monkeypatch):
    X, B = _ev_data(30, 7)
    seen = _capture_starts(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # the short budget is not a problem
        est = StableDAGLearner(
            standardize=False, equal_variances=True, screen=True, random_state=0
        ).fit(X)
    assert est.max_epochs_ == ORDER_START_EPOCHS
    # the budget ran out before h(W) reached h_tol, and no ConvergenceWarning was raised
    assert est.n_iter_ == ORDER_START_EPOCHS and not est.converged_
    assert len(seen[0]) == 2
    assert est.get_params()["max_epochs"] == "auto"
    truth = B != 0
    assert np.array_equal(est.predict_graph() != 0, truth)


def test_explicit_budget_is_kept_and_still_diagnosed():
    X, _ = _ev_data(30, 7)
    est = StableDAGLearner(
        standardize=False, equal_variances=True, screen=True, max_epochs=3, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="Raise max_epochs"):
        est.fit(X)
    assert est.max_epochs_ == 3 and est.n_iter_ == 3


def test_epoch_budget_by_mode_and_size():
    model = get_model("linear")
    ev = StableDAGLearner(standardize=False, equal_variances=True).get_params()
    default = StableDAGLearner().get_params()
    assert model.epoch_budget(300, ev) == ORDER_START_EPOCHS
    assert model.epoch_budget(50, ev) == DEFAULT_MAX_EPOCHS  # no screen below 200 variables
    assert model.epoch_budget(300, default) == DEFAULT_MAX_EPOCHS
    assert model.epoch_budget(300, {**ev, "refine": False}) == DEFAULT_MAX_EPOCHS
    assert model.epoch_budget(300, {**ev, "max_epochs": 700}) == 700
    assert get_model("mlp").epoch_budget(300, ev) == DEFAULT_MAX_EPOCHS


@pytest.mark.parametrize("bad", ["many", "5", 0, 2.5, True])
def test_bad_max_epochs_is_a_clear_error(bad):
    X, _ = _ev_data(5, 0, n=200)
    with pytest.raises(ValueError, match="max_epochs"):
        StableDAGLearner(max_epochs=bad).fit(X)


def test_cli_accepts_auto_and_counts(tmp_path, capsys):
    X, _ = _ev_data(5, 0, n=300)
    path = tmp_path / "x.csv"
    np.savetxt(path, X, delimiter=",", header=",".join(f"v{i}" for i in range(5)), comments="")
    for budget in ("auto", "20"):
        out = tmp_path / f"out_{budget}"
        assert cli_main(["fit", str(path), "--max-epochs", budget, "--out", str(out)]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit):
        cli_main(["fit", str(path), "--max-epochs", "lots", "--out", str(tmp_path / "o")])
    assert "expected 'auto' or an integer >= 1" in capsys.readouterr().err


def test_widening_keeps_a_linearised_equal_variance_score(monkeypatch):
    """Regression (issue 21): each start's widening re-searched the whole graph in rounds
    that re-estimated the pooled variance (907 CPU s at d = 1000); a score already
    linearised at a fixed pooled variance is now widened like a decomposable one."""
    from stabledag import _search
    from stabledag._scores import GaussianBIC

    X, B = _ev_data(20, 9)
    S = np.cov(X, rowvar=False)
    truth = B != 0
    searched = truth | truth.T
    i, j = np.argwhere(truth)[0]
    searched[i, j] = searched[j, i] = False  # a true edge the screen dropped
    score = GaussianBIC(S, len(X), True)
    start = truth & searched
    rounds = []
    real = _search.order_search
    monkeypatch.setattr(_search, "order_search", lambda *a, **k: rounds.append(1) or real(*a, **k))
    linearised = score.with_pooled_variance(float(np.mean(score.graph_variances(start))))
    widened = _search.admit_screened_out(linearised, start, searched)
    assert rounds == [] and widened[i, j] == 1  # the dropped edge is admitted, no rounds
    widened = _search.admit_screened_out(score, start, searched)
    assert len(rounds) >= 1 and widened[i, j] == 1  # the unlinearised score: in rounds
