"""plot_graph for equivalence classes (undirected edges) and edge frequencies."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from stabledag.plotting import plot_graph  # noqa: E402

CHAIN = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])  # 0 -> 1 -> 2: all undirected in its class
FORK = np.array([[0, 0, 0], [1, 0, 1], [0, 0, 0]])  # the chain's class, another DAG
COLLIDER = np.array([[0, 1, 0], [0, 0, 0], [0, 1, 0]])  # 0 -> 1 <- 2: all directed


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _edges(ax):
    """(headless, with head) counts of the drawn edge patches."""
    styles = [type(p.get_arrowstyle()).__name__ for p in ax.patches]
    headless = sum(s == "Curve" for s in styles)
    return headless, len(styles) - headless


def _legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_cpdag_matrix_draws_undirected_edges_without_heads():
    cpdag = np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0], [0, 0, 1, 0]])  # 0 - 1 -> 2 <- 3
    ax = plot_graph(cpdag)  # auto: a 0/1 matrix with a pair marked both ways
    assert _edges(ax) == (1, 2)
    assert "undirected (1)" in _legend_labels(ax)


def test_cpdag_flag_converts_a_dag_to_its_class():
    assert _edges(plot_graph(CHAIN * 0.7, cpdag=True)) == (2, 0)
    assert _edges(plot_graph(COLLIDER * 0.7, cpdag=True)) == (0, 2)
    assert _edges(plot_graph(CHAIN * 0.7)) == (0, 2)  # default: the DAG as it is


def test_explicit_marks_with_the_graphs_weights():
    marks = np.array([[0, 1, 0], [0, 0, 1], [0, 1, 0]])  # 0 -> 1 - 2 (e.g. knowledge)
    assert _edges(plot_graph(CHAIN * 0.7, cpdag=marks)) == (1, 1)


def test_weighted_two_cycle_is_not_read_as_a_class():
    W = np.array([[0, 0.8, 0], [-0.4, 0, 0], [0, 0, 0]])
    assert _edges(plot_graph(W)) == (0, 2)


def test_class_against_the_true_class():
    ax = plot_graph(FORK, true_graph=CHAIN, cpdag=True)  # same class
    assert _legend_labels(ax) == ["undirected (2)", "correct (2)"]
    ax = plot_graph(COLLIDER, true_graph=CHAIN, cpdag=True)  # -> where the truth has -
    assert _legend_labels(ax) == ["other mark (2)"]
    ax = plot_graph(np.zeros((3, 3)), true_graph=CHAIN, cpdag=True)
    assert _legend_labels(ax) == ["undirected (2)", "missing (2)"]


def test_edge_frequency_shades_each_edge():
    cpdag = np.array([[0, 1, 0], [1, 0, 0], [0, 1, 0]])  # 0 - 1 <- 2
    freq = np.array([[0, 0.3, 0], [0.4, 0, 0], [0, 0.5, 0]])
    ax = plot_graph(cpdag, edge_frequency=freq)
    alphas = {}
    for p in ax.patches:
        headless = type(p.get_arrowstyle()).__name__ == "Curve"
        alphas[headless] = p.get_edgecolor()[3]
    assert alphas[True] == pytest.approx(0.7)  # the pair either way: 0.3 + 0.4
    assert alphas[False] == pytest.approx(0.5)
    assert "shade: frequency" in _legend_labels(ax)


@pytest.mark.parametrize(
    ("freq", "match"),
    [
        (np.zeros((2, 2)), "shape"),
        (np.full((3, 3), 1.5), r"\[0, 1\]"),
        ([["a"] * 3] * 3, "numbers"),
    ],
)
def test_bad_edge_frequency(freq, match):
    with pytest.raises((ValueError, TypeError), match=match):
        plot_graph(CHAIN, edge_frequency=freq)


def test_an_estimators_class_uses_its_prior_knowledge_and_edge_stability_shades():
    """plot_graph(est, cpdag=True) draws predict_cpdag (the knowledge orients a - b); an
    EdgeStability passed as edge_frequency shades by its edge_frequency_."""
    from stabledag import EdgeStability, StableDAGLearner
    from stabledag.datasets import simulate_linear_sem

    X = simulate_linear_sem(CHAIN * 1.5, 500, random_state=0)
    free = StableDAGLearner(random_state=0).fit(X)
    assert _edges(plot_graph(free, cpdag=True)) == (2, 0)  # the chain's class: all undirected
    known = StableDAGLearner(random_state=0, forbidden_edges=[(1, 0)]).fit(X)
    assert _edges(plot_graph(known, cpdag=True)) == (0, 2)  # 0 -> 1, then 1 -> 2 by Meek
    stab = EdgeStability(StableDAGLearner(max_epochs=100), n_resamples=3, random_state=0).fit(X)
    ax = plot_graph(free, cpdag=True, edge_frequency=stab)
    alphas = sorted(p.get_edgecolor()[3] for p in ax.patches)
    pair = stab.edge_frequency_ + stab.edge_frequency_.T
    assert alphas == pytest.approx(sorted([min(1.0, pair[0, 1]), min(1.0, pair[1, 2])]))
