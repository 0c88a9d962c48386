"""Tuning that means something (issue 18): edge_penalty moves the graph, monotonically."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from stabledag import StableDAGLearner
from stabledag.datasets import load_sachs


@pytest.fixture(scope="module")
def sachs():
    return load_sachs(return_X_y=True)[0]


def test_edge_penalty_thins_the_graph_monotonically(sachs):
    edges = [
        int(StableDAGLearner(random_state=0, edge_penalty=p).fit(sachs).predict_graph().sum())
        for p in (0.25, 1.0, 4.0, 16.0)
    ]
    assert edges == sorted(edges, reverse=True) and edges[0] > edges[-1]


def test_grid_search_over_edge_penalty_compares_different_graphs(sachs):
    """Regression: over lambda_sparse every setting tied (same graph, same score)."""
    grid = {"edge_penalty": [0.25, 1.0, 8.0]}
    search = GridSearchCV(StableDAGLearner(random_state=0), grid, cv=3, refit=False).fit(sachs)
    scores = search.cv_results_["mean_test_score"]
    assert len(set(np.round(scores, 6))) == 3  # three graphs, three held-out scores


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), "1"])
def test_invalid_edge_penalty_is_a_named_error(value, sachs):
    with pytest.raises(ValueError, match="edge_penalty"):
        StableDAGLearner(edge_penalty=value).fit(sachs)
