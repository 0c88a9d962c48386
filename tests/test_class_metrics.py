"""Equivalence-class metrics and metric input validation (issue 18, bug 12)."""

import numpy as np
import pytest

from stabledag import StableDAGLearner
from stabledag.metrics import (
    GRAPH_METRICS,
    LOWER_IS_BETTER,
    arrowhead_f1,
    arrowhead_precision,
    arrowhead_recall,
    class_accuracy,
    count_accuracy,
    graph_scorer,
    shd,
    shd_cpdag,
    skeleton_f1,
    skeleton_precision,
    skeleton_recall,
)

from ._equivalence import brute_force_cpdag, random_dag
from .conftest import linear_chain

CHAIN = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])  # 0 -> 1 -> 2
FORK = np.array([[0, 0, 0], [1, 0, 1], [0, 0, 0]])  # 0 <- 1 -> 2
COLLIDER = np.array([[0, 1, 0], [0, 0, 0], [0, 1, 0]])  # 0 -> 1 <- 2


def _mark(C, i, j):
    if C[i, j] and C[j, i]:
        return "-"
    if C[i, j]:
        return "->"
    return "<-" if C[j, i] else ""


def _reference(CT, CP):
    """Per-pair loop over two CPDAGs (from the brute-force reference)."""
    d = len(CT)
    pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
    out = {"shd_cpdag": sum(_mark(CT, i, j) != _mark(CP, i, j) for i, j in pairs)}
    for kind in ("skeleton", "arrowhead"):
        if kind == "skeleton":
            true = {(i, j) for i, j in pairs if _mark(CT, i, j)}
            est = {(i, j) for i, j in pairs if _mark(CP, i, j)}
        else:
            true = {
                (i, j) for i in range(d) for j in range(d) if i != j and _mark(CT, i, j) == "->"
            }
            est = {(i, j) for i in range(d) for j in range(d) if i != j and _mark(CP, i, j) == "->"}
        tp = len(true & est)
        if not true and not est:
            p = r = f = 1.0
        else:
            p = tp / len(est) if est else 0.0
            r = tp / len(true) if true else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
        out.update({f"{kind}_precision": p, f"{kind}_recall": r, f"{kind}_f1": f})
    return out


def test_against_per_pair_reference_on_random_dag_pairs():
    rng = np.random.default_rng(11)
    for _ in range(200):
        d = int(rng.integers(2, 7))
        T, P = random_dag(rng, d, 0.5), random_dag(rng, d, 0.5)
        if rng.random() < 0.3:  # an estimate in the truth's class, often a different DAG
            P = T.T if T.sum() <= 1 else P
        CT, CP = brute_force_cpdag(T), brute_force_cpdag(P)
        expected = _reference(CT, CP)
        for inputs in ((T, P), (CT, CP), (T, CP), (CT, P * 0.7)):  # DAGs, CPDAGs, mixed
            got = class_accuracy(*inputs)
            for key, value in expected.items():
                assert got[key] == pytest.approx(value), (key, inputs)
        assert shd_cpdag(T, P) == expected["shd_cpdag"]
        assert skeleton_f1(T, P) == pytest.approx(expected["skeleton_f1"])
        assert arrowhead_f1(T, P) == pytest.approx(expected["arrowhead_f1"])


def test_hand_made_cases():
    assert shd(CHAIN, FORK) == 1 and shd_cpdag(CHAIN, FORK) == 0
    assert shd_cpdag(CHAIN, CHAIN.T) == 0
    assert shd_cpdag(COLLIDER, CHAIN) == 2  # 0 -> 1 vs 0 - 1, 2 -> 1 vs 1 - 2
    assert skeleton_f1(COLLIDER, CHAIN) == 1.0
    assert arrowhead_precision(COLLIDER, CHAIN) == 0.0  # the chain's class directs nothing
    assert arrowhead_recall(CHAIN, CHAIN) == 1.0  # nothing to find, nothing claimed
    assert arrowhead_recall(COLLIDER, COLLIDER) == 1.0
    assert skeleton_recall(CHAIN, np.zeros((3, 3))) == 0.0
    assert skeleton_precision(np.zeros((3, 3)), CHAIN) == 0.0
    assert skeleton_f1(np.zeros((3, 3)), np.zeros((3, 3))) == 1.0


def test_pc_style_cpdag_output_is_used_as_given():
    pc = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])  # 0 - 1 - 2: the chain's class
    assert shd_cpdag(CHAIN, pc) == 0
    not_maximal = np.array([[0, 1, 0], [1, 0, 0], [0, 1, 0]])  # 0 - 1 <- 2, used as given
    assert shd_cpdag(CHAIN, not_maximal) == 1
    directed_pc = COLLIDER.T.copy()  # 1 -> 0, 1 -> 2 as a fully directed PDAG
    assert shd_cpdag(CHAIN, directed_pc) == 0  # read as a DAG: its class
    assert shd_cpdag(CHAIN, directed_pc, est_as_given=True) == 2  # compared mark by mark
    with pytest.raises(ValueError, match="0/1"):
        shd_cpdag(CHAIN, COLLIDER * 0.5, est_as_given=True)


@pytest.mark.parametrize(
    ("graph", "match"),
    [
        ([[0, 1, 0], [0, 0, 1], [1, 0, 0]], "directed cycle"),
        ([[0, 0.5, 0], [0.5, 0, 0], [0, 0, 0]], "0/1"),
        ([[1, 1, 0], [1, 0, 0], [0, 0, 0]], "diagonal"),
    ],
)
def test_class_metric_rejects_what_is_neither_dag_nor_cpdag(graph, match):
    with pytest.raises(ValueError, match=match):
        shd_cpdag(np.zeros((3, 3)), graph)
    with pytest.raises(ValueError, match=match):
        shd_cpdag(graph, np.zeros((3, 3)))


BAD_INPUTS = [
    ([["0", "1"], ["0", "0"]], TypeError, "numbers"),
    ([[0, np.nan], [0, 0]], ValueError, "nan"),
    ([[0, np.inf], [0, 0]], ValueError, "inf"),
    ([[0, "a"], [None, 0]], TypeError, "numbers"),
    (np.zeros((2, 3)), ValueError, "square"),
    (np.zeros(4), ValueError, "square"),
]


@pytest.mark.parametrize(("bad", "error", "match"), BAD_INPUTS)
@pytest.mark.parametrize("metric", ["shd", "f1", "shd_cpdag", "arrowhead_f1"])
def test_bad_graph_entries_raise_a_clear_error(bad, error, match, metric):
    """Bug 12: strings and NaN used to count as edges (``x != 0``) and give a wrong value."""
    func = GRAPH_METRICS[metric]
    with pytest.raises(error, match=match):
        func(bad, np.zeros((2, 2)))
    with pytest.raises(error, match=match):
        func(np.zeros((2, 2)), bad)
    with pytest.raises(error, match=match):
        graph_scorer(bad, metric)


@pytest.mark.parametrize("metric", ["shd", "shd_cpdag", "skeleton_f1"])
def test_wrong_shape_is_an_error(metric):
    with pytest.raises(ValueError, match="same nodes"):
        GRAPH_METRICS[metric](np.zeros((3, 3)), np.zeros((2, 2)))


def test_score_with_bad_true_graph_raises():
    """Bug 12 through the estimator: ``score(true_graph=...)`` validates the graph."""
    X = linear_chain()
    est = StableDAGLearner(random_state=0, max_epochs=200).fit(X)
    with pytest.raises(TypeError, match="numbers"):
        est.score(X, true_graph=[["0", "1", "0"], ["0", "0", "1"], ["0", "0", "0"]])
    with pytest.raises(ValueError, match="nan"):
        est.score(X, true_graph=np.where(CHAIN == 1, np.nan, 0.0))
    with pytest.raises(ValueError, match="same nodes"):
        est.score(X, true_graph=np.zeros((2, 2)))
    assert est.score(X, true_graph=CHAIN, metric="shd_cpdag") <= 0


def test_graph_scorer_learns_class_metrics():
    class Fitted:
        def predict_graph(self, threshold=None):
            return FORK  # the chain's class, another DAG

    assert graph_scorer(CHAIN, "shd")(Fitted()) == -1.0
    assert graph_scorer(CHAIN, "shd_cpdag")(Fitted()) == 0.0
    assert graph_scorer(CHAIN, "skeleton_f1")(Fitted()) == 1.0
    pc_truth = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    assert graph_scorer(pc_truth, "shd_cpdag")(Fitted()) == 0.0
    with pytest.raises(ValueError, match="directed cycle"):
        graph_scorer([[0, 1, 0], [0, 0, 1], [1, 0, 0]], "shd_cpdag")


def test_lower_is_better_is_public_and_consistent():
    assert LOWER_IS_BETTER <= set(GRAPH_METRICS)
    wrong = np.array([[0, 0, 1], [1, 0, 0], [0, 0, 0]])  # 1 -> 0 -> 2: no edge right
    for name, func in GRAPH_METRICS.items():
        perfect, worst = func(COLLIDER, COLLIDER), func(COLLIDER, wrong)
        assert (perfect < worst) == (name in LOWER_IS_BETTER), name


def test_count_accuracy_keeps_its_convention():
    acc = count_accuracy(CHAIN, FORK)
    assert (acc["shd"], acc["tp"]) == (1, 1)
