"""The loss terms (``stabledag.losses``): values against direct computations, gradients."""

import numpy as np
import pytest
import torch

from stabledag import losses


def _problem(seed=0, n=400, d=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    X = X - X.mean(axis=0)
    W = rng.normal(scale=0.3, size=(d, d))
    np.fill_diagonal(W, 0.0)
    return X, W


def test_residual_variances_are_the_mean_squared_residuals():
    X, W = _problem()
    R = X - X @ W
    S = torch.tensor(X.T @ X / len(X))
    got = losses.residual_variances(torch.tensor(W), S).numpy()
    np.testing.assert_allclose(got, (R**2).mean(axis=0), rtol=1e-10)


def test_squared_loss_is_half_the_mean_squared_residual():
    X, W = _problem(1)
    S = torch.tensor(X.T @ X / len(X))
    expected = 0.5 * ((X - X @ W) ** 2).mean()
    assert float(losses.squared_loss(torch.tensor(W), S)) == pytest.approx(expected, rel=1e-10)


def test_gaussian_nll_matches_its_formula_and_ignores_units():
    X, W = _problem(2)
    d = X.shape[1]
    S = X.T @ X / len(X)
    variances = ((X - X @ W) ** 2).mean(axis=0)
    _, logdet = np.linalg.slogdet(np.eye(d) - W)
    expected = 0.5 * np.log(variances).mean() - logdet / d
    value = float(losses.gaussian_nll(torch.tensor(W), torch.tensor(S)))
    assert value == pytest.approx(expected, rel=1e-10)
    # rescaling the variables (and the weights with them) changes it by a constant only
    D = np.diag([1e-3, 2.0, 5.0, 1e2, 0.7])
    W2 = np.linalg.inv(D) @ W @ D
    S2 = D @ S @ D
    shifted = float(losses.gaussian_nll(torch.tensor(W2), torch.tensor(S2)))
    assert shifted - value == pytest.approx(np.log(np.diag(D)).mean(), rel=1e-9)


def test_l1_penalty_is_the_mean_incoming_l1_norm():
    _, W = _problem(3)
    expected = np.abs(W).sum() / W.shape[0]
    assert float(losses.l1_penalty(torch.tensor(W))) == pytest.approx(expected)


@pytest.mark.parametrize("name", ["squared_loss", "gaussian_nll"])
def test_closed_form_gradients_equal_autograd(name):
    X, W = _problem(4)
    S = torch.tensor(X.T @ X / len(X))
    Wt = torch.tensor(W, requires_grad=True)
    value = getattr(losses, name)(Wt, S)
    (auto,) = torch.autograd.grad(value, Wt)
    closed_value, closed = getattr(losses, f"{name}_and_grad")(torch.tensor(W), S)
    assert float(closed_value) == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(closed.numpy(), auto.numpy(), rtol=1e-9, atol=1e-12)


def test_residual_dependence_sees_dependence_correlation_misses():
    rng = np.random.default_rng(5)
    u = rng.uniform(-1, 1, size=4000)
    independent = torch.tensor(np.column_stack([u, rng.uniform(-1, 1, size=4000)]))
    dependent = torch.tensor(np.column_stack([u, u**2 - (u**2).mean()]))  # uncorrelated
    assert abs(np.corrcoef(dependent.numpy().T)[0, 1]) < 0.05
    low = float(losses.residual_dependence(independent))
    high = float(losses.residual_dependence(dependent))
    assert 0.0 <= low < 0.01 < high <= 1.0


def test_numpy_terms_equal_torch_terms():
    """The NumPy mirror of the loss terms gives the torch values and gradients."""
    from stabledag import _linear_numpy, acyclicity, losses

    rng = np.random.default_rng(3)
    S = np.cov(rng.normal(size=(200, 5)), rowvar=False)
    W = rng.normal(scale=0.2, size=(5, 5))
    np.fill_diagonal(W, 0.0)
    Wt, St = torch.tensor(W), torch.tensor(S)
    pairs = [
        (_linear_numpy.squared_loss_and_grad(W, S), losses.squared_loss_and_grad(Wt, St)),
        (_linear_numpy.gaussian_nll_and_grad(W, S), losses.gaussian_nll_and_grad(Wt, St)),
        (
            _linear_numpy.logdet_acyclicity_and_grad(W),
            acyclicity.logdet_acyclicity_and_grad(Wt),
        ),
    ]
    for (value, grad), (value_t, grad_t) in pairs:
        assert value == pytest.approx(float(value_t), rel=1e-12)
        np.testing.assert_allclose(grad, grad_t.numpy(), rtol=1e-10, atol=1e-14)
    cycle = np.array([[0.0, 2.0], [2.0, 0.0]])
    assert _linear_numpy.logdet_acyclicity_and_grad(cycle)[0] == np.inf
    assert float(acyclicity.logdet_acyclicity_and_grad(torch.tensor(cycle))[0]) == np.inf


def _sparse_problem(d=40, density=0.15, seed=0):
    rng = np.random.default_rng(seed)
    mask = rng.random((d, d)) < density
    mask |= mask.T
    np.fill_diagonal(mask, False)
    X = rng.normal(size=(300, d))
    S = X.T @ X / 300
    W = np.where(mask, rng.normal(0, 0.3, (d, d)), 0.0)
    return mask, S, W


def test_sparse_support_residuals_equal_the_dense_products_and_the_pairwise_sums():
    """At the mask's entries, ``S @ (I - W)`` and ``diag((I-W)^T S (I-W))`` as the dense
    products give them, and the sums exactly those of the pairwise bincount they replace."""
    from stabledag._linear_numpy import SparseSupport

    mask, S, W = _sparse_problem()
    support = SparseSupport(mask)
    variances, SM = support.residuals(W, S)
    M = np.eye(len(S)) - W
    dense = S @ M
    rows, cols = np.nonzero(mask.T)[::-1]
    np.testing.assert_allclose(SM, dense[rows, cols], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(variances, np.einsum("ij,ij->j", dense, M), rtol=1e-12)
    w = W[support.rows, support.cols]
    pairs = S[support.rows[support.target], support.rows[support.source]]
    by_bincount = np.bincount(support.target, weights=pairs * w[support.source], minlength=w.size)
    S_entries = S[support.rows, support.cols]
    assert np.array_equal(SM, S_entries - by_bincount)


def test_sparse_support_reads_a_new_matrix_and_reuses_a_view_of_the_same_one():
    from stabledag._linear_numpy import SparseSupport

    mask, S, W = _sparse_problem(seed=1)
    _, S2, _ = _sparse_problem(seed=2)
    support = SparseSupport(mask)
    first = support.residuals(W, S)
    second = support.residuals(W, S2)  # another matrix of the same shape
    M = np.eye(len(S)) - W
    np.testing.assert_allclose(second[0], np.einsum("ij,ij->j", S2 @ M, M), rtol=1e-12)
    again = support.residuals(W, S2[:, :])  # a new view of S2: the same values
    assert np.array_equal(again[1], second[1])
    back = support.residuals(W, S.copy())  # a copy of S: read again, the first values
    assert np.array_equal(back[1], first[1])
