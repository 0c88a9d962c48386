"""score = held-out log-likelihood; graph_scorer inside scikit-learn searches."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from stabledag import DiagnosticWarning, StableDAGLearner, graph_scorer
from stabledag.datasets import simulate_linear_sem

from .conftest import FAST

W_CHAIN = np.array([[0, 1.5, 0], [0, 0, -1.2], [0, 0, 0]])


@pytest.fixture
def chain_data():
    return simulate_linear_sem(W_CHAIN, 400, random_state=0), (W_CHAIN != 0).astype(int)


def test_score_matches_gaussian_loglik_by_hand(chain_data):
    X, _ = chain_data
    est = StableDAGLearner(random_state=0).fit(X)
    Z = (X - est.mean_) / est.scale_
    R = Z - Z @ est.adjacency_
    expected = (-0.5 * np.log(2 * np.pi * est.noise_var_) - R**2 / (2 * est.noise_var_)).sum(
        axis=1
    ) - np.log(est.scale_).sum()
    assert np.allclose(est.score_samples(X), expected)


def test_true_structure_scores_higher_than_empty_graph(chain_data):
    X, _ = chain_data
    X_test = simulate_linear_sem(W_CHAIN, 400, random_state=1)
    fitted = StableDAGLearner(random_state=0).fit(X)
    # the empty graph on purpose: the fit says it found no edges and names the threshold
    with pytest.warns(DiagnosticWarning, match=r"^No edges were found.*threshold_=100\b") as w:
        empty = StableDAGLearner(random_state=0, threshold=100.0, refine=False).fit(X)
    assert len(w) == 1
    assert empty.predict_graph().sum() == 0
    assert fitted.score(X_test) > empty.score(X_test) + 0.1


def test_grid_search_with_default_score(chain_data):
    X, _ = chain_data
    search = GridSearchCV(
        StableDAGLearner(random_state=0, **FAST),
        {"lambda_sparse": [0.01, 0.1], "lambda_acyclic": [0.5, 1.0]},
        cv=2,
        error_score="raise",
    ).fit(X)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.predict_graph().shape == (3, 3)


def test_grid_search_multi_metric_with_graph_scorer_in_pipeline(chain_data):
    X, B = chain_data
    pipe = make_pipeline(StandardScaler(), StableDAGLearner(random_state=0, **FAST))
    search = GridSearchCV(
        pipe,
        {"stabledaglearner__lambda_sparse": [0.01, 0.1]},
        scoring={"loglik": lambda est, X, y=None: est.score(X), "shd": graph_scorer(B)},
        refit="loglik",
        cv=2,
        n_jobs=2,
        error_score="raise",
    ).fit(X)
    assert np.all(search.cv_results_["mean_test_shd"] <= 0)
    assert np.all(np.isfinite(search.cv_results_["mean_test_loglik"]))


def test_cross_val_score_with_f1(chain_data):
    X, B = chain_data
    scores = cross_val_score(
        StableDAGLearner(random_state=0),
        X,
        scoring=graph_scorer(B, "f1"),
        cv=2,
        error_score="raise",
    )
    assert np.all((scores >= 0) & (scores <= 1))
