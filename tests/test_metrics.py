import numpy as np
import pytest

from stabledag.metrics import count_accuracy, f1_score, fdr, graph_scorer, precision, recall, shd

TRUE = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]])


def test_shd_counts_reversal_once():
    est = TRUE.copy()
    est[0, 1], est[1, 0] = 0, 1
    assert shd(TRUE, est) == 1


def test_shd_missing_and_extra():
    assert shd(TRUE, np.zeros((3, 3))) == 3
    assert shd(np.zeros((3, 3)), TRUE) == 3
    assert shd(TRUE, TRUE) == 0


def test_shd_ignores_diagonal_and_weights():
    est = TRUE * 0.3 + np.eye(3)
    assert shd(TRUE, est) == 0


def test_precision_recall_f1_fdr():
    est = np.array([[0, 1, 0], [0, 0, 0], [1, 0, 0]])  # one right, one reversed
    assert precision(TRUE, est) == 0.5
    assert recall(TRUE, est) == pytest.approx(1 / 3)
    assert fdr(TRUE, est) == 0.5
    assert f1_score(TRUE, est) == pytest.approx(0.4)
    acc = count_accuracy(TRUE, est)
    assert (acc["tp"], acc["n_true"], acc["n_est"], acc["shd"]) == (1, 3, 2, 2)


def test_empty_estimate_has_zero_precision_and_fdr():
    acc = count_accuracy(TRUE, np.zeros((3, 3)))
    assert acc["precision"] == 0.0 and acc["fdr"] == 0.0 and acc["f1"] == 0.0


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="shape"):
        shd(TRUE, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="square"):
        shd(np.zeros((2, 3)), np.zeros((2, 3)))


def test_graph_scorer_signs_and_pipeline_unwrapping():
    class Fitted:
        def predict_graph(self, threshold=None):
            return TRUE

    class Pipe:
        steps = [("only", Fitted())]

        def __getitem__(self, index):
            return self.steps[index][1]

    assert graph_scorer(np.zeros((3, 3)), "shd")(Fitted(), None) == -3.0
    assert graph_scorer(TRUE, "f1")(Pipe(), None) == 1.0
    with pytest.raises(ValueError, match="metric"):
        graph_scorer(TRUE, "auc")
