"""Plots: Agg backend; each function accepts and returns matplotlib Axes."""

import subprocess
import sys

import numpy as np
import pytest

from stabledag import StableDAGLearner
from stabledag.datasets import load_sachs, simulate_dag, simulate_parameter
from stabledag.graph import to_networkx

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from stabledag import plotting  # noqa: E402
from stabledag.plotting import plot_adjacency, plot_graph, plot_history  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sachs():
    sachs = load_sachs()
    X, B, names = sachs.data, sachs.graph, sachs.feature_names
    return StableDAGLearner(random_state=0).fit(X), B, names


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# ------------------------------------------------------------------------ plot_graph
def test_plot_graph_draws_names_and_weights(sachs, tmp_path):
    est, _, names = sachs
    ax = plot_graph(est, node_names=names)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert set(names) <= set(_texts(ax))
    n_edges = np.count_nonzero(est.adjacency_)
    assert sum(t.count(".") == 1 and t[-2:].isdigit() for t in _texts(ax)) == n_edges
    assert any(label.startswith("positive weight") for label in _legend_labels(ax))
    ax.figure.savefig(tmp_path / "graph.png")
    assert (tmp_path / "graph.png").stat().st_size > 1000


def test_plot_graph_uses_the_given_axes(sachs):
    fig, ax = plt.subplots()
    assert plot_graph(sachs[0], ax=ax) is ax
    assert len(fig.axes) == 1


def test_plot_graph_against_truth_marks_each_kind_of_error():
    truth = np.zeros((4, 4))
    truth[0, 1] = truth[1, 2] = truth[2, 3] = 1  # a -> b -> c -> d
    learned = np.zeros((4, 4))
    learned[0, 1] = 0.9  # correct
    learned[2, 1] = -0.4  # reversed (truth b -> c)
    learned[0, 3] = 0.3  # extra; c -> d is missing
    ax = plot_graph(learned, node_names=list("abcd"), true_graph=truth)
    labels = _legend_labels(ax)
    assert labels == ["correct (1)", "reversed (1)", "extra (1)", "missing (1)"]
    dashed = [p for p in ax.patches if p.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == 1  # only the missing edge


def test_plot_graph_true_graph_shape_is_checked():
    with pytest.raises(ValueError, match="true_graph has shape"):
        plot_graph(np.zeros((3, 3)), true_graph=np.zeros((4, 4)))


def test_layered_layout_puts_parents_above_children():
    G = to_networkx(simulate_dag(30, 45, "ER", random_state=0))
    pos, circular = plotting._layout(G, "layered")
    assert not circular
    assert all(pos[u][1] > pos[v][1] for u, v in G.edges)


def test_isolated_nodes_go_to_the_bottom_row():
    W = np.zeros((4, 4))
    W[0, 1] = 1.0
    pos, _ = plotting._layout(to_networkx(W), "layered")
    assert pos["x2"][1] == pos["x3"][1] < pos["x1"][1] < pos["x0"][1]


def test_cycles_fall_back_to_a_circular_layout():
    W = np.array([[0, 1.0, 0], [0, 0, 1.0], [1.0, 0, 0]])
    ax = plot_graph(W)
    assert set(_texts(ax)) >= {"x0", "x1", "x2"}
    with pytest.raises(ValueError, match="layout must be"):
        plot_graph(W, layout="spring")


def test_plot_graph_of_50_nodes_without_weight_labels(tmp_path):
    W = simulate_parameter(simulate_dag(50, 60, "ER", random_state=1), random_state=1)
    ax = plot_graph(W)
    assert len(_texts(ax)) == 50  # names only: weights are not printed past 15 nodes
    ax.figure.savefig(tmp_path / "g50.png")


# -------------------------------------------------------------------- plot_adjacency
def test_plot_adjacency_heatmap(sachs):
    est, _, names = sachs
    ax = plot_adjacency(est, node_names=names)
    image = ax.images[0]
    assert np.array_equal(image.get_array().filled(0.0), est.adjacency_)
    vmin, vmax = image.get_clim()
    assert vmin == -vmax == -np.abs(est.adjacency_).max()  # centred at 0
    assert [t.get_text() for t in ax.get_yticklabels()] == names  # rows are parents
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert ax.get_ylabel() == "parent" and ax.get_xlabel() == "child"
    assert len(_texts(ax)) == np.count_nonzero(est.adjacency_)  # annotated at 11 nodes


def test_plot_adjacency_all_zero_and_given_axes():
    fig, ax = plt.subplots()
    assert plot_adjacency(np.zeros((3, 3)), ["a", "b", "c"], ax=ax, annotate=False) is ax
    assert ax.images[0].get_clim() == (-1.0, 1.0)


# ---------------------------------------------------------------------- plot_history
def test_plot_history_panels_and_stage_marks(sachs):
    est = sachs[0]
    axes = plot_history(est)
    assert axes.shape == (4, 2)
    titles = [ax.get_title() for ax in axes.ravel()]
    assert titles[0] == "Objective" and "Gradient norm" in titles[4] and "Edges" in titles[7]
    n_stages = len({r["stage"] for r in est.history_})
    for ax in axes.ravel():
        assert len(ax.lines) >= 1
        marks = [line for line in ax.lines if line.get_linestyle() == ":"]
        assert len(marks) == n_stages - 1
    epochs, loss = axes[0, 0].lines[0].get_data()
    assert list(epochs) == [r["epoch"] for r in est.history_]
    assert list(loss) == [r["train_loss"] for r in est.history_]
    assert axes[2, 0].get_yscale() == "log"  # gradient norm
    assert sum(t.get_text().startswith("stage") for t in axes[0, 0].texts) == n_stages


def test_plot_history_on_given_axes_and_on_a_history_list(sachs):
    fig, axes = plt.subplots(2, 4)
    assert plot_history(sachs[0].history_, axes=axes) is not None
    with pytest.raises(ValueError, match="8 Axes"):
        plot_history(sachs[0], axes=plt.subplots(1, 2)[1])
    with pytest.raises(ValueError, match="No training history"):
        plot_history([])


# ------------------------------------------------------------ names with dollar signs
DOLLAR_NAMES = ["$x_$", "a$b", "$$", "c\\$d"]


def test_dollar_signs_are_drawn_as_written():
    """'$x_$' would be parsed as mathtext and fail; every label shows the name as written."""
    from matplotlib import cbook

    W = np.zeros((4, 4))
    W[0, 1] = W[1, 2] = W[2, 3] = 0.5
    for ax in (plot_graph(W, DOLLAR_NAMES), plot_adjacency(W, DOLLAR_NAMES)):
        ax.figure.canvas.draw()  # raised ValueError (mathtext) before
        labels = [t.get_text() for t in ax.texts if not t.get_text()[-1].isdigit()]
        labels = labels or [t.get_text() for t in ax.get_yticklabels()]
        assert len(labels) == 4
        for label, name in zip(sorted(labels), sorted(DOLLAR_NAMES)):
            assert not cbook.is_math_text(label)
            assert label.replace(r"\$", "$") == name  # what matplotlib shows for non-math text


# ---------------------------------------------------------------- what fits where
# The graph of the issue (8 nodes, 16 edges: a default fit of simulate_dag(8, 12, "ER", 1)).
D8_NAMES = ["temperature", "pressure", "humidity", "wind_speed", "rainfall", "cloud_cover"]
D8_NAMES += ["solar_rad", "soil_moist"]
D8_EDGES = [
    ("temperature", "wind_speed", 1.438),
    ("temperature", "soil_moist", 0.988),
    ("temperature", "solar_rad", 0.931),
    ("temperature", "pressure", 0.909),
    ("humidity", "rainfall", -0.901),
    ("humidity", "solar_rad", 0.885),
    ("pressure", "solar_rad", -0.844),
    ("humidity", "cloud_cover", -0.597),
    ("pressure", "wind_speed", -0.575),
    ("pressure", "cloud_cover", -0.455),
    ("cloud_cover", "rainfall", -0.384),
    ("rainfall", "wind_speed", -0.365),
    ("cloud_cover", "wind_speed", 0.278),
    ("cloud_cover", "soil_moist", 0.240),
    ("pressure", "humidity", -0.209),
    ("pressure", "rainfall", 0.186),
]


@pytest.fixture
def d8_drawing():
    W = np.zeros((8, 8))
    for parent, child, weight in D8_EDGES:
        W[D8_NAMES.index(parent), D8_NAMES.index(child)] = weight
    ax = plot_graph(W, D8_NAMES)
    ax.set_title("graph.png of the issue")
    ax.figure.canvas.draw()
    return ax


def _inside(inner, outer, tol=1.0):
    return (
        inner.x0 >= outer.x0 - tol
        and inner.y0 >= outer.y0 - tol
        and inner.x1 <= outer.x1 + tol
        and inner.y1 <= outer.y1 + tol
    )


def test_every_arc_node_and_the_legend_are_inside_the_picture(d8_drawing):
    """Arcs were cut at the axes' edges: limits came from the nodes only."""
    ax = d8_drawing
    frame, page = ax.get_window_extent(), ax.figure.bbox
    arrows = [p for p in ax.patches if p.get_path().vertices.size]
    assert len(arrows) == 16
    for patch in arrows:
        assert _inside(patch.get_window_extent(), frame)
    for collection in ax.collections:
        assert _inside(collection.get_window_extent(), frame)
    assert _inside(ax.get_legend().get_window_extent(), page)
    assert _inside(ax.title.get_window_extent(), page)


def test_weight_labels_do_not_overlap(d8_drawing):
    ax = d8_drawing
    boxes = [t.get_bbox_patch().get_window_extent() for t in ax.texts if t.get_bbox_patch()]
    assert len(boxes) == 16
    for a in range(len(boxes)):
        for b in range(a):
            assert not boxes[a].overlaps(boxes[b]), (ax.texts[a], ax.texts[b])


def test_no_edge_passes_through_a_node_it_does_not_join(d8_drawing):
    """A long edge drawn straight through the nodes between its ends reads as two edges."""
    ax = d8_drawing
    nodes = ax.collections[0]
    centres = ax.transData.transform(nodes.get_offsets())
    radius = np.sqrt(nodes.get_sizes()[0]) / 2 * ax.figure.dpi / 72
    t = np.linspace(0, 1, 30)
    for patch in (p for p in ax.patches if p.get_path().vertices.size):
        curve = next(c for c, _ in patch.get_path().iter_bezier() if c.degree == 2)  # the arc
        points = ax.transData.transform(curve(t))
        ends = {int(np.argmin(np.linalg.norm(centres - p, axis=1))) for p in points[[0, -1]]}
        others = np.delete(centres, sorted(ends), axis=0)
        gaps = np.linalg.norm(points[:, None, :] - others[None, :, :], axis=2)
        assert gaps.min() > radius


# ------------------------------------------------------------------- optional import
def test_missing_matplotlib_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_adjacency(np.zeros((2, 2)))


def test_the_library_never_imports_plotting_or_matplotlib():
    code = (
        "import sys, stabledag, stabledag.export, stabledag._diagnostics;"
        "bad = {'stabledag.plotting', 'stabledag.cli', 'matplotlib'} & set(sys.modules);"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
