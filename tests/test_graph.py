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


def _greedy_reference(W, threshold, required):
    """Strongest edges first (ties by index), skipping any that closes a cycle (plain DFS)."""
    d = W.shape[0]
    A = required.copy()

    def reaches(a, b):
        seen, stack = {a}, [a]
        while stack:
            v = stack.pop()
            if v == b:
                return True
            for w in np.flatnonzero(A[v]):
                if int(w) not in seen:
                    seen.add(int(w))
                    stack.append(int(w))
        return False

    edges = [
        (-abs(W[i, j]), i, j)
        for i in range(d)
        for j in range(d)
        if i != j and abs(W[i, j]) > threshold and not required[i, j]
    ]
    for _, i, j in sorted(edges):
        if not reaches(j, i):
            A[i, j] = True
    return A


@pytest.mark.parametrize("seed", range(40))
def test_threshold_to_dag_equals_the_plain_greedy(seed):
    """The transitive-closure projection keeps exactly the edges of the plain greedy."""
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 12))
    W = rng.normal(size=(d, d)) * (rng.random((d, d)) < 0.6)
    W[rng.random((d, d)) < 0.2] = 0.7  # ties
    np.fill_diagonal(W, 0.0)
    required = np.zeros((d, d), dtype=bool)
    if seed % 3 == 0:
        i, j = sorted(rng.choice(d, 2, replace=False))
        required[i, j] = True
    for threshold in (0.0, 0.3, 1.0):
        expected = _greedy_reference(W, threshold, required)
        assert np.array_equal(threshold_to_dag(W, threshold, required) != 0, expected)
