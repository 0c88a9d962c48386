"""The acyclicity functions (``stabledag.acyclicity``): zero exactly on DAGs, gradients."""

import numpy as np
import pytest
import torch

from stabledag import acyclicity
from stabledag.datasets import simulate_dag, simulate_parameter


@pytest.mark.parametrize("name", ["logdet_acyclicity", "expm_acyclicity"])
def test_zero_on_dags_and_positive_on_cycles(name):
    h = getattr(acyclicity, name)
    W = simulate_parameter(simulate_dag(8, 12, "ER", random_state=0), random_state=0) * 0.3
    assert float(h(torch.tensor(W))) == pytest.approx(0.0, abs=1e-10)
    cycle = np.zeros((3, 3))
    cycle[0, 1] = cycle[1, 2] = cycle[2, 0] = 0.5
    assert float(h(torch.tensor(cycle))) > 1e-4


def test_expm_matches_its_series():
    W = np.array([[0.0, 0.4], [0.3, 0.0]])
    A = W * W
    series = sum(np.linalg.matrix_power(A, k) / np.prod(np.arange(1, k + 1)) for k in range(1, 30))
    expected = np.trace(series)
    assert float(acyclicity.expm_acyclicity(torch.tensor(W))) == pytest.approx(expected)


def test_logdet_matches_its_formula():
    W = np.array([[0.0, 0.4, 0.1], [0.3, 0.0, 0.0], [0.2, 0.5, 0.0]])
    expected = -np.linalg.slogdet(np.eye(3) - W * W)[1]
    assert float(acyclicity.logdet_acyclicity(torch.tensor(W))) == pytest.approx(expected)


def test_logdet_closed_form_gradient_equals_autograd():
    rng = np.random.default_rng(0)
    W = rng.normal(scale=0.2, size=(6, 6))
    np.fill_diagonal(W, 0.0)
    Wt = torch.tensor(W, requires_grad=True)
    (auto,) = torch.autograd.grad(acyclicity.logdet_acyclicity(Wt), Wt)
    value, grad = acyclicity.logdet_acyclicity_and_grad(torch.tensor(W))
    assert float(value) == pytest.approx(float(acyclicity.logdet_acyclicity(torch.tensor(W))))
    np.testing.assert_allclose(grad.numpy(), auto.numpy(), rtol=1e-9, atol=1e-12)


def test_outside_the_logdet_domain():
    big_cycle = torch.tensor([[0.0, 2.0], [2.0, 0.0]], dtype=torch.float64)
    assert not acyclicity.in_logdet_domain(big_cycle)
    assert float(acyclicity.logdet_acyclicity_and_grad(big_cycle)[0]) == np.inf
    assert acyclicity.in_logdet_domain(torch.zeros(3, 3, dtype=torch.float64))


@pytest.mark.parametrize("weight", [0.5, 2.0])
def test_logdet_term_is_exact_on_a_500_node_dag(weight):
    """ER2 DAG of 500 nodes: h = 0 and a finite gradient; rounding is not read as a cycle.

    The computed inverse of ``I - W∘W`` has entries near 1e5 here and rounding leaves
    negative ones near -1e-9; an absolute test against -1e-12 called this DAG cyclic.
    """
    from stabledag import _linear_numpy, acyclicity
    from stabledag.datasets import simulate_dag

    W = weight * simulate_dag(500, 1000, "ER", random_state=0)
    value, grad = _linear_numpy.logdet_acyclicity_and_grad(W)
    assert value == pytest.approx(0.0, abs=1e-6)
    assert np.isfinite(grad).all()
    value_t, grad_t = acyclicity.logdet_acyclicity_and_grad(torch.tensor(W))
    assert float(value_t) == pytest.approx(0.0, abs=1e-6)
    assert torch.isfinite(grad_t).all()
    assert acyclicity.in_logdet_domain(torch.tensor(W))


def test_a_new_acyclicity_function_is_one_registry_entry(monkeypatch):
    """The recipe: a torch function of W, zero exactly on DAGs, added to ACYCLICITY."""
    from stabledag import StableDAGLearner
    from stabledag.graph import is_dag

    def polynomial(W, s=1.0):  # DAGMA's polynomial form, tr (I + W*W/d)^d - d
        d = W.shape[0]
        M = torch.eye(d, dtype=W.dtype) + W * W / d
        return torch.trace(torch.linalg.matrix_power(M, d)) - d

    monkeypatch.setitem(acyclicity.ACYCLICITY, "polynomial", polynomial)
    rng = np.random.default_rng(0)
    a = rng.normal(size=400)
    X = np.column_stack([a, 0.8 * a + rng.normal(size=400), rng.normal(size=400)])
    est = StableDAGLearner(acyclicity="polynomial", random_state=0, max_epochs=200).fit(X)
    G = est.predict_graph()
    assert is_dag(G) and G[0, 1] + G[1, 0] == 1
    with pytest.raises(ValueError, match="acyclicity must be one of"):
        StableDAGLearner(acyclicity="nope").fit(X)
