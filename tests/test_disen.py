"""The residual-dependence (disentanglement) term, ``lambda_disen``."""

import numpy as np
import pytest
import torch

from stabledag import StableDAGLearner
from stabledag.linear import LinearSEM
from stabledag.losses import residual_dependence


def _pair(noise, n=2000, seed=0):
    """x -> y with equal-variance noise of the given law, standardized."""
    rng = np.random.default_rng(seed)
    draw = {
        "laplace": lambda: rng.laplace(scale=1 / np.sqrt(2), size=n),
        "uniform": lambda: rng.uniform(-np.sqrt(3), np.sqrt(3), size=n),
        "gaussian": lambda: rng.normal(size=n),
    }[noise]
    x = draw()
    y = 0.8 * x + draw()
    X = np.column_stack([x, y])
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _dependence(X, parent, child):
    """The term for the OLS fit of the graph parent -> child."""
    W = np.zeros((2, 2))
    W[parent, child] = np.cov(X.T)[parent, child] / np.var(X[:, parent], ddof=1)
    model = LinearSEM(2, init=W)
    with torch.no_grad():
        return float(residual_dependence(model.residuals(torch.tensor(X))))


@pytest.mark.parametrize("noise", ["laplace", "uniform"])
def test_wrong_direction_leaves_dependent_residuals(noise):
    X = _pair(noise)
    right, wrong = _dependence(X, 0, 1), _dependence(X, 1, 0)
    assert right < 0.005 < 0.03 < wrong


def test_gaussian_noise_gives_no_direction():
    X = _pair("gaussian")
    assert max(_dependence(X, 0, 1), _dependence(X, 1, 0)) < 0.005


def test_range_and_gradient():
    g = torch.Generator().manual_seed(0)
    R = torch.randn(500, 4, generator=g, dtype=torch.float64, requires_grad=True)
    value = residual_dependence(torch.cat([R, R[:, :1] ** 3], dim=1))
    assert 0.0 < float(value.detach()) <= 1.0
    value.backward()
    assert torch.isfinite(R.grad).all() and R.grad.abs().sum() > 0


def test_lambda_disen_orients_a_laplace_pair():
    """Standardized data: the Gaussian likelihood is blind to the direction; the term is not."""
    X = _pair("laplace", n=1000)
    kw = {"max_epochs": 200, "refine": False}
    for seed in (0, 1, 2):
        est = StableDAGLearner(lambda_disen=1.0, random_state=seed, **kw).fit(X)
        assert est.predict_graph().tolist() == [[0, 1], [0, 0]]
    # the control: without the term, the direction is a coin flip (seed 0 gets it wrong)
    plain = StableDAGLearner(random_state=0, **kw).fit(X)
    assert plain.predict_graph().tolist() == [[0, 0], [1, 0]]


def test_lambda_disen_with_the_mlp_model():
    X = _pair("laplace", n=1000)
    kw = {"model": "mlp", "hidden_units": 4, "max_epochs": 200, "random_state": 0}
    est = StableDAGLearner(lambda_disen=1.0, **kw).fit(X)
    assert est.predict_graph().tolist() == [[0, 1], [0, 0]]
    assert 0.0 <= est.history_[-1]["disen"] < 0.01


def test_covered_edges_and_orientation_keep_the_equivalence_class():
    from stabledag._orient import covered_edges, orient_by_dependence
    from stabledag.graph import is_dag

    # chain 0 -> 1 -> 2 plus the v-structure 2 -> 3 <- 4
    B = np.zeros((5, 5), dtype=bool)
    B[0, 1] = B[1, 2] = B[2, 3] = B[4, 3] = True
    assert (0, 1) in covered_edges(B) and (2, 3) not in covered_edges(B)
    rng = np.random.default_rng(0)
    E = rng.laplace(size=(2000, 5))
    X = E.copy()
    X[:, 1] += 0.8 * X[:, 0]
    X[:, 2] += 0.8 * X[:, 1]
    X[:, 3] += 0.8 * X[:, 2] + 0.8 * X[:, 4]
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    wrong = np.zeros_like(B)
    wrong[2, 1] = wrong[1, 0] = wrong[2, 3] = wrong[4, 3] = True  # 2 -> 1 -> 0, same class
    out = orient_by_dependence(Z, wrong)
    assert is_dag(out)
    assert np.array_equal(out, B)
    # a required edge is never reversed
    kept = orient_by_dependence(Z, wrong, required=wrong & ~B)
    assert kept[2, 1] and kept[1, 0]


def test_lambda_disen_orients_standardized_laplace_sem():
    """The whole linear pipeline (training, refine, orientation) on a 6-node SEM."""
    rng = np.random.default_rng(3)
    E = rng.laplace(size=(1000, 6))
    X = E.copy()
    X[:, 1] += X[:, 0]
    X[:, 2] += -0.9 * X[:, 1]
    X[:, 3] += 0.8 * X[:, 1] + 0.7 * X[:, 4]
    X[:, 5] += 0.9 * X[:, 3]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    B = np.zeros((6, 6), dtype=int)
    B[0, 1] = B[1, 2] = B[1, 3] = B[4, 3] = B[3, 5] = 1
    est = StableDAGLearner(lambda_disen=1.0, random_state=0, max_epochs=300).fit(X)
    assert np.array_equal(est.predict_graph(), B)
