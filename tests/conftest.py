import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from stabledag import StableDAGLearner  # noqa: E402
from stabledag._training import TrainingConfig  # noqa: E402
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter  # noqa: E402

torch.set_num_threads(1)

# Fast settings for tests that only need a fitted estimator, not a good graph.
FAST = {"max_epochs": 30, "steps_per_epoch": 5}


def training_config(**overrides):
    """A loop configuration from the estimator's defaults (the one source), with overrides."""
    return TrainingConfig.from_params(StableDAGLearner().get_params(), **overrides)


def linear_chain(seed=0, n=300):
    """Raw data from the linear chain a -> b -> c (weights 1.5, -1), N(0, 1) noise."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 1.5 * a + rng.normal(size=n)
    c = -1.0 * b + rng.normal(size=n)
    return np.column_stack([a, b, c])


def centred_moments(X):
    """The linear model's training statistic: second moments of the centred data, a tensor."""
    Xc = torch.tensor(X - X.mean(0), dtype=torch.float64)
    return Xc.T @ Xc / Xc.shape[0]


@pytest.fixture
def seed():
    return 0


@pytest.fixture
def small_data(seed):
    """Raw data from a 5-node ER linear SEM with equal noise variances."""
    B = simulate_dag(5, 5, "ER", random_state=seed)
    W = simulate_parameter(B, random_state=seed)
    X = simulate_linear_sem(W, 300, random_state=seed)
    return X, B
