from importlib import resources

import numpy as np
import pytest

from stabledag.datasets import load_sachs, simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.graph import is_dag


@pytest.mark.parametrize("graph_type", ["ER", "SF"])
def test_simulate_dag_is_acyclic_and_seeded(graph_type):
    B = simulate_dag(20, 40, graph_type, random_state=3)
    assert is_dag(B) and B.shape == (20, 20)
    assert np.array_equal(B, simulate_dag(20, 40, graph_type, random_state=3))
    if graph_type == "ER":
        assert B.sum() == 40


def test_simulate_parameter_ranges():
    B = simulate_dag(10, 20, "ER", random_state=0)
    W = simulate_parameter(B, random_state=0)
    values = np.abs(W[B != 0])
    assert np.all((values >= 0.5) & (values <= 2.0))
    assert np.all(W[B == 0] == 0)


@pytest.mark.parametrize("noise", ["gaussian", "laplace", "gumbel", "uniform", "exponential"])
def test_simulate_linear_sem_noise_types(noise):
    W = np.array([[0, 1.0], [0, 0]])
    X = simulate_linear_sem(W, 5000, noise_type=noise, noise_scale=[1.0, 2.0], random_state=0)
    assert X.shape == (5000, 2) and np.all(np.isfinite(X))
    residual = X[:, 1] - X[:, 0]
    assert residual.std() > X[:, 0].std() * 1.5  # the second node's noise is twice as large


def test_simulate_linear_sem_errors():
    with pytest.raises(ValueError, match="cycle"):
        simulate_linear_sem(np.array([[0, 1.0], [1.0, 0]]), 10)
    with pytest.raises(ValueError, match="noise_type"):
        simulate_linear_sem(np.zeros((2, 2)), 10, noise_type="cauchy")


def test_load_sachs_from_installed_package():
    sachs = load_sachs()
    X, B, names = sachs.data, sachs.graph, sachs.feature_names
    assert X.shape == (853, 11) and B.shape == (11, 11)
    assert int(B.sum()) == 17 and is_dag(B)
    assert names[:3] == ["praf", "pmek", "plcg"]
    assert X.min() >= 0 and X.max() > 4000
    assert B[names.index("plcg"), names.index("PIP2")] == 1


def test_load_sachs_follows_the_scikit_learn_loader_convention():
    """A Bunch (attribute and key access), DESCR, frame None without as_frame, return_X_y."""
    from sklearn.datasets import load_iris
    from sklearn.utils import Bunch

    sachs = load_sachs()
    assert isinstance(sachs, Bunch) and isinstance(load_iris(), Bunch)
    assert {"data", "frame", "feature_names", "DESCR", "target"} <= set(sachs)
    assert sachs["graph"] is sachs.graph is sachs.target
    assert sachs.frame is None and "Sachs" in sachs.DESCR
    X, B = load_sachs(return_X_y=True)
    assert np.array_equal(X, sachs.data) and np.array_equal(B, sachs.graph)
    shipped = resources.files("stabledag").joinpath("data", "sachs_cd3cd28_853.csv")
    rows = shipped.read_text(encoding="utf-8").splitlines()
    assert rows[0].split(",") == sachs.feature_names
    assert X[0].tolist() == [float(v) for v in rows[1].split(",")]


def test_load_sachs_cdt_graph_has_cycle_and_frame():
    pd = pytest.importorskip("pandas")
    sachs = load_sachs(graph="cdt", as_frame=True)
    assert int(sachs.graph.sum()) == 18 and not is_dag(sachs.graph)
    assert isinstance(sachs.data, pd.DataFrame) and list(sachs.data.columns) == sachs.feature_names
    assert sachs.frame is sachs.data
    X, B = load_sachs(as_frame=True, return_X_y=True)
    assert isinstance(X, pd.DataFrame) and isinstance(B, np.ndarray) and int(B.sum()) == 17
    with pytest.raises(ValueError, match="graph"):
        load_sachs(graph="other")
