"""Small known structures recovered from raw simulated data."""

import numpy as np
import pytest

from stabledag import DiagnosticWarning, StableDAGLearner
from stabledag.datasets import simulate_linear_sem

# a=0, b=1, c=2
STRUCTURES = {
    "chain": np.array([[0, 1.5, 0], [0, 0, -1.2], [0, 0, 0]]),  # a -> b -> c
    "fork": np.array([[0, 1.5, -1.2], [0, 0, 0], [0, 0, 0]]),  # b <- a -> c
    "collider": np.array([[0, 0, 1.5], [0, 0, -1.2], [0, 0, 0]]),  # a -> c <- b
}


def _skeleton(B):
    return ((B + B.T) != 0).astype(int)


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_equal_variance_mode_recovers_structure_exactly(name):
    W = STRUCTURES[name]
    X = simulate_linear_sem(W, 2000, random_state=1)
    est = StableDAGLearner(standardize=False, equal_variances=True, random_state=0).fit(X)
    assert np.array_equal(est.predict_graph(), (W != 0).astype(int))
    assert np.allclose(est.adjacency_[W != 0], W[W != 0], atol=0.1)


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_default_mode_recovers_skeleton_on_any_units(name):
    W = STRUCTURES[name]
    X = simulate_linear_sem(W, 2000, random_state=1) * np.array([1e-3, 1.0, 1e4])
    est = StableDAGLearner(random_state=0).fit(X)
    assert np.array_equal(_skeleton(est.predict_graph()), _skeleton(W))


def test_default_mode_orients_the_collider():
    """A v-structure is identifiable from standardized data alone."""
    W = STRUCTURES["collider"]
    X = simulate_linear_sem(W, 2000, random_state=1) * np.array([5.0, 0.01, 300.0])
    est = StableDAGLearner(random_state=0).fit(X)
    assert np.array_equal(est.predict_graph(), (W != 0).astype(int))


def test_independent_variables_give_no_edges():
    X = np.random.default_rng(0).normal(size=(1000, 4)) * [1, 10, 100, 1000]
    # the right answer, and the fit's one message about it (a true statement, no other finding)
    with pytest.warns(DiagnosticWarning, match=r"^No edges were found") as record:
        est = StableDAGLearner(random_state=0).fit(X)
    assert len(record) == 1 and "likely problems" not in str(record[0].message)
    assert est.predict_graph().sum() == 0
