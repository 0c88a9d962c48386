"""Default mode: the learned graph does not depend on the units of the columns."""

import numpy as np
import pytest

from stabledag import StableDAGLearner
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.metrics import shd


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rescaling_and_shifting_columns_changes_at_most_one_edge(seed):
    B = simulate_dag(10, 20, "ER", random_state=seed)
    X = simulate_linear_sem(simulate_parameter(B, random_state=seed), 1000, random_state=seed)
    rng = np.random.default_rng(100 + seed)
    factors = 10.0 ** rng.uniform(-3, 4, size=10)  # 1e-3 to 1e4
    factors[:2] = [1e-3, 1e4]
    shifts = rng.normal(scale=1e3, size=10)
    X_units = X * factors + shifts
    base = StableDAGLearner(random_state=0).fit(X).predict_graph()
    rescaled = StableDAGLearner(random_state=0).fit(X_units).predict_graph()
    assert shd(base, rescaled) <= 1


def test_equal_variance_mode_does_depend_on_units():
    """The documented contrast: without standardization, units change the answer."""
    B = simulate_dag(8, 12, "ER", random_state=0)
    X = simulate_linear_sem(simulate_parameter(B, random_state=0), 1000, random_state=0)
    X_units = X * (10.0 ** np.random.default_rng(0).uniform(-2, 2, size=8))
    ev = {"standardize": False, "equal_variances": True, "random_state": 0}
    base = StableDAGLearner(**ev).fit(X).predict_graph()
    rescaled = StableDAGLearner(**ev).fit(X_units).predict_graph()
    assert shd(B, base) < shd(B, rescaled)
