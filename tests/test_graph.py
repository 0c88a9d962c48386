import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from stabledag.graph import is_dag, threshold_to_dag, to_networkx, topological_order


def test_topological_order_and_cycles():
    assert topological_order([[0, 1], [0, 0]]) == [0, 1]
    assert not is_dag([[0, 1], [1, 0]])
    assert not is_dag([[1, 0], [0, 0]])  # self-loop
    assert is_dag(np.zeros((4, 4)))


def test_threshold_drops_weakest_cycle_edge_only():
    W = np.array([[0, 0.9, 0, 0], [0, 0, 0.8, 0], [0.4, 0, 0, 0.35], [0, 0, 0, 0]])
    out = threshold_to_dag(W, 0.1)
    expected = W.copy()
    expected[2, 0] = 0  # the weakest edge of the cycle 0->1->2->0
    assert np.array_equal(out, expected)  # 2 -> 3 (weaker, but on no cycle) is kept


def test_threshold_validation():
    with pytest.raises(ValueError, match="threshold"):
        threshold_to_dag(np.zeros((2, 2)), -1)


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(2, 8), st.just(8)).map(lambda s: (s[0], s[0])),
        elements=st.floats(-3, 3),
    ),
    st.floats(0, 2),
)
def test_threshold_to_dag_always_acyclic(W, threshold):
    out = threshold_to_dag(W, threshold)
    assert is_dag(out)
    assert nx.is_directed_acyclic_graph(nx.DiGraph((out != 0).astype(int)))
    kept = out != 0
    assert np.all(np.abs(W[kept]) > threshold)
    assert np.all(out[kept] == W[kept])


def test_to_networkx_names_and_weights():
    G = to_networkx(np.array([[0, 0.5, 0], [0, 0, -1.0], [0, 0, 0]]), ["a", "b", "c"])
    assert list(G.nodes) == ["a", "b", "c"]
    assert G["a"]["b"]["weight"] == 0.5 and G["b"]["c"]["weight"] == -1.0
    with pytest.raises(ValueError, match="node_names"):
        to_networkx(np.zeros((2, 2)), ["a"])
