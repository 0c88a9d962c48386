import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import warnings  # noqa: E402
from contextlib import contextmanager  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from stabledag import DiagnosticWarning, StableDAGLearner  # noqa: E402
from stabledag._training import TrainingConfig  # noqa: E402
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter  # noqa: E402

torch.set_num_threads(1)
# PyTorch raises some warnings only once per process (e.g. "Converting a tensor with
# requires_grad=True to a scalar"): report each occurrence, so that the warnings filter in
# pyproject.toml catches every test that triggers one, whatever the order of the tests.
torch.set_warn_always(True)

# Fast settings for tests that only need a fitted estimator, not a good graph. Fits of small
# data with real dependence converge in about 30-65 epochs of 5 steps; the cap of 200 keeps
# them clean (no ConvergenceWarning) and bounds the time of those that would not.
FAST = {"max_epochs": 200, "steps_per_epoch": 5}


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


@contextmanager
def degenerate_fits(fits=1):
    """Fits of data that are degenerate on purpose (random draws, tiny or constant-like tables).

    On such data stabledag's findings ("No edges were found", h(W) not reaching h_tol
    within a short budget, ...) are true, so they are expected here, but only as
    stabledag reports them: every warning must be a ``ConvergenceWarning`` or a
    ``DiagnosticWarning``, and there are at most ``fits`` of them (one summary per
    fit; ``None`` when the number of fits is not known). Any other warning fails
    the test. Yields the list of recorded warnings.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    ours = (ConvergenceWarning, DiagnosticWarning)
    others = [w for w in caught if not issubclass(w.category, ours)]
    assert not others, [f"{w.category.__name__}: {w.message}" for w in others]
    if fits is not None:
        assert len(caught) <= fits, [str(w.message) for w in caught]
