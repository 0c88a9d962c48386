"""Exports: DOT, GraphML, CSV (round trips), training log and summary."""

import json
import platform

import networkx as nx
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import stabledag
from stabledag import StableDAGLearner
from stabledag.datasets import load_sachs
from stabledag.export import (
    edge_list,
    read_csv_adjacency,
    save_training_log,
    to_csv,
    to_dot,
    to_graphml,
    training_summary,
)


@pytest.fixture(scope="module")
def sachs_est():
    pytest.importorskip("pandas")
    return StableDAGLearner(random_state=0).fit(load_sachs(as_frame=True).data)


W3 = np.array([[0.0, 0.5, -1.25], [0.0, 0.0, 1 / 3], [0.0, 0.0, 0.0]])


# -------------------------------------------------------------------------- helpers
def test_edge_list_strongest_first_with_names():
    assert edge_list(W3, ["a", "b", "c"]) == [("a", "c", -1.25), ("a", "b", 0.5), ("b", "c", 1 / 3)]
    assert [e[:2] for e in edge_list(W3)] == [("x0", "x2"), ("x0", "x1"), ("x1", "x2")]


def test_edge_list_uses_node_names(sachs_est):
    edges = edge_list(sachs_est)
    assert len(edges) == np.count_nonzero(sachs_est.adjacency_)
    assert {p for p, _, _ in edges} <= set(sachs_est.node_names_)


@pytest.mark.parametrize(
    ("bad", "match"),
    [(np.zeros((2, 3)), "square"), (np.zeros(3), "square")],
)
def test_non_square_matrix_is_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        to_dot(bad)


def test_wrong_number_of_names_is_refused():
    with pytest.raises(ValueError, match="node_names has 2 entries"):
        to_dot(W3, ["a", "b"])


def test_unfitted_estimator_is_refused(tmp_path):
    with pytest.raises(NotFittedError):
        to_csv(StableDAGLearner(), tmp_path / "a.csv")


# ------------------------------------------------------------------------------ DOT
def test_dot_quotes_names_and_lists_every_node():
    text = to_dot(W3, ["p44/42", 'say "hi"', "plain"])
    assert text.startswith("digraph {") and text.endswith("}")
    assert '  "p44/42";' in text and '  "say \\"hi\\"";' in text and '  "plain";' in text
    assert '"p44/42" -> "plain" [coef=-1.25, label="-1.25"' in text
    assert text.count("->") == 3


def test_dot_never_writes_graphviz_weight():
    """dot needs an integer weight >= 0; the signed weight goes to coef instead."""
    assert "weight=" not in to_dot(W3)


def test_dot_from_estimator(sachs_est):
    text = to_dot(sachs_est)
    assert text.count("->") == np.count_nonzero(sachs_est.adjacency_)
    assert '"p44/42"' in text and '"pakts473"' in text


def test_dot_parses_with_pydot_when_installed():
    pydot = pytest.importorskip("pydot")
    (graph,) = pydot.graph_from_dot_data(to_dot(W3, ["p44/42", "b", "c"]))
    assert len(graph.get_edges()) == 3


# -------------------------------------------------------------------------- GraphML
def test_graphml_round_trip(sachs_est, tmp_path):
    path = to_graphml(sachs_est, tmp_path / "graph.graphml")
    G = nx.read_graphml(path)
    expected = sachs_est.to_networkx()
    assert set(G.nodes) == set(expected.nodes)
    assert set(G.edges) == set(expected.edges)
    for u, v, w in expected.edges(data="weight"):
        assert G.edges[u, v]["weight"] == pytest.approx(w)
    assert nx.is_directed_acyclic_graph(G)


def test_graphml_from_matrix(tmp_path):
    G = nx.read_graphml(to_graphml(W3, tmp_path / "g.graphml", ["a", "b", "c"]))
    assert sorted(G.edges) == [("a", "b"), ("a", "c"), ("b", "c")]


def test_graphml_is_well_formed_with_control_characters(tmp_path):
    """XML 1.0 forbids most control characters: they are written as \\xNN text, not dropped."""
    import xml.etree.ElementTree as ET

    names = ["a\x07b", "nul\x00", "tab\tok", "ab", "lone\ud800"]
    W = np.zeros((5, 5))
    W[0, 1] = W[1, 3] = W[2, 4] = 0.5
    path = to_graphml(W, tmp_path / "g.graphml", names)
    ET.parse(path)  # raises ParseError on a file that is not well-formed
    G = nx.read_graphml(path)
    assert sorted(G.nodes) == sorted(["a\\x07b", "nul\\x00", "tab\tok", "ab", "lone\\ud800"])
    assert sorted(G.edges) == sorted(
        [("a\\x07b", "nul\\x00"), ("nul\\x00", "ab"), ("tab\tok", "lone\\ud800")]
    )


def test_graphml_refuses_names_that_escaping_would_merge(tmp_path):
    with pytest.raises(ValueError, match="after escaping"):
        to_graphml(np.zeros((2, 2)), tmp_path / "g.graphml", ["a\x07", "a\\x07"])


@pytest.mark.parametrize("writer", ["dot", "csv", "graphml", "edges"])
def test_repeated_node_names_are_refused(tmp_path, writer):
    """Two nodes called 'a' would merge into one and their edge into a self-loop."""
    W = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 0.7], [0.0, 0.0, 0.0]])
    call = {
        "dot": lambda: to_dot(W, ["a", "a", "b"]),
        "csv": lambda: to_csv(W, tmp_path / "a.csv", ["a", "a", "b"]),
        "graphml": lambda: to_graphml(W, tmp_path / "g.graphml", ["a", "a", "b"]),
        "edges": lambda: edge_list(W, ["a", "a", "b"]),
    }[writer]
    with pytest.raises(ValueError, match="node_names repeats 'a'"):
        call()
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "g.graphml").exists()


# ------------------------------------------------------------------------------ CSV
def test_csv_round_trip_without_pandas(sachs_est, tmp_path):
    path = to_csv(sachs_est, tmp_path / "adjacency.csv")
    W, names = read_csv_adjacency(path)
    assert names == list(sachs_est.node_names_)
    assert np.array_equal(W, sachs_est.adjacency_)  # exact: repr floats


def test_csv_round_trip_through_pandas(sachs_est, tmp_path):
    pd = pytest.importorskip("pandas")
    path = to_csv(sachs_est, tmp_path / "adjacency.csv")
    frame = pd.read_csv(path, index_col=0)
    assert list(frame.columns) == list(sachs_est.node_names_) == list(frame.index)
    assert np.array_equal(frame.to_numpy(), sachs_est.adjacency_)


def test_csv_rows_are_parents(tmp_path):
    to_csv(W3, tmp_path / "a.csv", ["a", "b", "c"])
    lines = (tmp_path / "a.csv").read_text().splitlines()
    assert lines[0] == ",a,b,c"
    assert lines[1] == "a,0.0,0.5,-1.25"
    W, _ = read_csv_adjacency(tmp_path / "a.csv")
    assert W[1, 2] == 1 / 3


def test_read_csv_written_by_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    pd.DataFrame(W3, index=list("abc"), columns=list("abc")).to_csv(tmp_path / "p.csv")
    W, names = read_csv_adjacency(tmp_path / "p.csv")
    assert names == ["a", "b", "c"] and np.array_equal(W, W3)


FORMULA_NAMES = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\ry", "'quoted", "''=x", "ok-name"]


def test_csv_neutralises_formulas_and_round_trips(tmp_path):
    """OWASP: a cell starting with = + - @ tab or CR is prefixed with ' (a text cell)."""
    import csv

    d = len(FORMULA_NAMES)
    W = np.triu(np.full((d, d), 0.25), k=1)
    path = to_csv(W, tmp_path / "a.csv", FORMULA_NAMES)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    cells = rows[0][1:] + [row[0] for row in rows[1:]]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    expected = ["'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'\tx", "'\ry", "''quoted", "'''=x"]
    assert rows[0][1:] == expected + ["ok-name"]
    W_back, names = read_csv_adjacency(path)
    assert names == FORMULA_NAMES and np.array_equal(W_back, W)


def test_csv_of_an_estimator_with_formula_names(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    X = pd.DataFrame({"=HYPERLINK(x)": a, "@b": 2 * a + rng.normal(size=200)})
    est = StableDAGLearner(random_state=0).fit(X)
    W, names = read_csv_adjacency(to_csv(est, tmp_path / "a.csv"))
    assert names == ["=HYPERLINK(x)", "@b"] and np.array_equal(W, est.adjacency_)
    assert (tmp_path / "a.csv").read_text().startswith(",'=HYPERLINK(x),'@b\n")


@pytest.mark.parametrize(
    ("text", "match"),
    [("", "is empty"), (",a,b\na,0,1\n", "not a square"), (",a,b\nb,0,1\na,0,0\n", "row names")],
)
def test_read_csv_rejects_malformed_files(tmp_path, text, match):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(ValueError, match=match):
        read_csv_adjacency(tmp_path / "bad.csv")


# --------------------------------------------------------------------- training log
def test_save_training_log(sachs_est, tmp_path):
    log_path, summary_path = save_training_log(sachs_est, tmp_path / "run")
    assert log_path.endswith("training_log.json") and summary_path.endswith("summary.json")
    with open(log_path) as fh:
        log = json.load(fh)
    assert log == sachs_est.history_  # every epoch record, exactly
    with open(summary_path) as fh:
        summary = json.load(fh)
    assert summary == training_summary(sachs_est)


def test_training_summary_with_given_names(sachs_est, tmp_path):
    names = [f"n{k}" for k in range(11)]
    summary = training_summary(sachs_est, names)
    assert summary["node_names"] == names
    i, j = np.unravel_index(np.argmax(np.abs(sachs_est.adjacency_)), (11, 11))
    assert summary["edges"][0][:2] == [names[i], names[j]]
    _, summary_path = save_training_log(sachs_est, tmp_path, node_names=names)
    with open(summary_path) as fh:
        assert json.load(fh)["node_names"] == names


def test_training_summary_contents(sachs_est):
    summary = training_summary(sachs_est)
    assert summary["epochs"] == sachs_est.n_iter_ == len(sachs_est.history_)
    assert summary["converged"] is True
    assert summary["fit_time_seconds"] == sachs_est.history_[-1]["time"]
    assert summary["threshold"] == sachs_est.threshold_
    assert summary["final_loss_terms"]["recon"] == sachs_est.history_[-1]["recon"]
    assert 0 <= summary["final_h"] <= sachs_est.h_tol
    assert summary["n_edges"] == len(summary["edges"]) == np.count_nonzero(sachs_est.adjacency_)
    parent, child, weight = summary["edges"][0]
    i, j = list(sachs_est.node_names_).index(parent), list(sachs_est.node_names_).index(child)
    assert weight == sachs_est.adjacency_[i, j]
    assert summary["params"]["lambda_sparse"] == sachs_est.lambda_sparse
    assert summary["versions"]["stabledag"] == stabledag.__version__
    assert summary["versions"]["numpy"] == np.__version__
    assert summary["versions"]["python"] == platform.python_version()
    assert {"torch", "scikit-learn"} <= set(summary["versions"])


def test_params_are_made_json_safe():
    est = StableDAGLearner(
        random_state=np.random.RandomState(0),
        lambda_sparse=np.float64(0.02),
        forbidden_edges=[(0, 1)],
        tiers=((0,), (1,)),
        max_epochs=np.int64(100),  # converges in 32 epochs: the fit is clean
        steps_per_epoch=5,
    )
    params = training_summary(est.fit(load_sachs().data))["params"]
    json.dumps(params, allow_nan=False)
    assert params["lambda_sparse"] == 0.02 and params["max_epochs"] == 100
    assert params["forbidden_edges"] == [[0, 1]]
    assert params["tiers"] == [[0], [1]]
    assert params["random_state"].startswith("RandomState")


def test_estimator_method_writes_the_same_files(tmp_path):
    import json

    import numpy as np

    from stabledag import StableDAGLearner

    X = np.random.default_rng(0).normal(size=(200, 3)).cumsum(axis=1)
    est = StableDAGLearner(random_state=0).fit(X)
    log_path, summary_path = est.save_training_log(tmp_path)
    with open(log_path) as fh:
        assert len(json.load(fh)) == est.n_iter_
    with open(summary_path) as fh:
        assert json.load(fh)["threshold"] == est.threshold_
