"""Scoring causal-learn's PC and GES output with stabledag's class metrics (skipped without
causal-learn; CI installs it with the ``effects`` extra, which pulls it through DoWhy)."""

import numpy as np
import pytest

pytest.importorskip("causallearn")

from causallearn.search.ConstraintBased.PC import pc  # noqa: E402
from causallearn.search.ScoreBased.GES import ges  # noqa: E402

from stabledag import StableDAGLearner  # noqa: E402
from stabledag.datasets import simulate_linear_sem  # noqa: E402
from stabledag.graph import from_causallearn, to_causallearn  # noqa: E402
from stabledag.metrics import class_accuracy, shd_cpdag  # noqa: E402

# a -> c <- b, c -> d: every edge compelled; e - f undirected in the class
W_TRUE = np.zeros((6, 6))
W_TRUE[0, 2], W_TRUE[1, 2], W_TRUE[2, 3], W_TRUE[4, 5] = 1.2, -0.9, 0.8, 1.5
TRUE_CLASS = np.zeros((6, 6), dtype=int)
TRUE_CLASS[0, 2] = TRUE_CLASS[1, 2] = TRUE_CLASS[2, 3] = 1
TRUE_CLASS[4, 5] = TRUE_CLASS[5, 4] = 1  # written by hand: the textbook class


@pytest.fixture(scope="module")
def data():
    X = simulate_linear_sem(W_TRUE, 3000, random_state=0)
    return (X - X.mean(0)) / X.std(0)


@pytest.mark.parametrize("method", ["pc", "ges"])
def test_peer_output_converts_and_scores_against_the_true_class(data, method):
    if method == "pc":
        G = pc(data, 0.05, "fisherz", show_progress=False).G
    else:
        G = ges(data, score_func="local_score_BIC")["G"]
    M = from_causallearn(G)
    assert np.array_equal(to_causallearn(M), np.asarray(G.graph))  # the round trip
    assert np.array_equal(M, TRUE_CLASS)  # an easy graph: the peer finds the class
    assert shd_cpdag(W_TRUE, M, est_as_given=True) == 0
    ours = StableDAGLearner(random_state=0).fit(data).predict_cpdag()
    assert shd_cpdag(M, ours, est_as_given=True) == 0  # the same class as stabledag's
    acc = class_accuracy(W_TRUE, M, est_as_given=True)
    assert acc["skeleton_f1"] == acc["arrowhead_f1"] == 1.0
