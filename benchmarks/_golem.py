"""GOLEM (Ng, Ghassami and Zhang, NeurIPS 2020), re-implemented in NumPy for the benchmark.

There is no maintained GOLEM package; the authors' code (github.com/ignavierng/golem) needs
TensorFlow 1.x.  This is a transcription of its objective, optimiser and post-processing
(NumPy and SciPy only):

* data centred; ``B`` starts at zero (or at ``B_init``), its diagonal held at zero;
* score = likelihood + lambda_1 * sum |B| + lambda_2 * (tr exp(B o B) - d), with the
  likelihood, up to constants,

  - GOLEM-EV: ``d/2 * log ||X - X B||_F^2 - log |det(I - B)|``,
  - GOLEM-NV: ``1/2 * sum_j log ||X_j - X B_j||^2 - log |det(I - B)|``;

* Adam, learning rate 1e-3, full batch, ``num_iter`` steps (the authors' default 1e5);
* the authors' settings: GOLEM-EV lambda_1 = 2e-2, lambda_2 = 5; GOLEM-NV lambda_1 = 2e-3,
  lambda_2 = 5, initialised at the GOLEM-EV solution (their recommended NV protocol);
* post-processing: weights with ``|B| <= 0.3`` set to zero, then the smallest remaining
  weights removed one at a time until the graph is acyclic (their ``postprocess``).

Differences from the authors' code, none of which changes the objective: NumPy float64
with the gradient in closed form instead of TensorFlow float32 autodiff (checked against
finite differences), and the residual norms computed from the second-moment matrix
``S = X^T X / n`` (``||X_j - X B_j||^2 = n [(I - B)^T S (I - B)]_jj``; the constant
``log n`` drops out of the gradient), so a step costs O(d^3) instead of O(n d^2).
"""

import numpy as np

EV_SETTINGS = {"lambda_1": 2e-2, "lambda_2": 5.0}
NV_SETTINGS = {"lambda_1": 2e-3, "lambda_2": 5.0}


def _gradient(B, S, lambda_1, lambda_2, equal_variances):
    """Score of GOLEM and its gradient in B (diagonal of B zero), in closed form."""
    from scipy.linalg import expm

    d = S.shape[0]
    A = np.eye(d) - B
    SA = S @ A
    res = np.einsum("ij,ij->j", A, SA)  # ||X_j - X B_j||^2 / n, per node
    sign, logdet = np.linalg.slogdet(A)
    E = expm(B * B)
    if equal_variances:
        lik = 0.5 * d * np.log(res.sum()) - logdet
        g_lik = -d * SA / res.sum()
    else:
        lik = 0.5 * np.log(res).sum() - logdet
        g_lik = -SA / res
    g_lik = g_lik + np.linalg.inv(A).T  # gradient of -log|det(I - B)|
    score = lik + lambda_1 * np.abs(B).sum() + lambda_2 * (np.trace(E) - d)
    grad = g_lik + lambda_1 * np.sign(B) + lambda_2 * 2.0 * E.T * B
    np.fill_diagonal(grad, 0.0)
    return score, grad


def _train(S, lambda_1, lambda_2, equal_variances, num_iter, lr=1e-3, B_init=None):
    """GOLEM's full-batch Adam loop on the second-moment matrix S; B, not thresholded.

    Adam as in TensorFlow 1's ``AdamOptimizer`` (beta1 0.9, beta2 0.999, epsilon 1e-8,
    the bias correction folded into the step size).
    """
    d = S.shape[0]
    B = np.zeros((d, d)) if B_init is None else np.array(B_init, dtype=float)
    np.fill_diagonal(B, 0.0)
    m, v = np.zeros_like(B), np.zeros_like(B)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, int(num_iter) + 1):
        _, g = _gradient(B, S, lambda_1, lambda_2, equal_variances)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        step = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
        B = B - step * m / (np.sqrt(v) + eps)
    return B


def _is_dag(B):
    A = (np.asarray(B) != 0).astype(int)
    indeg = A.sum(axis=0)
    stack, seen = list(np.flatnonzero(indeg == 0)), 0
    while stack:
        i = stack.pop()
        seen += 1
        for j in np.flatnonzero(A[i]):
            indeg[j] -= 1
            if indeg[j] == 0:
                stack.append(j)
    return seen == A.shape[0]


def postprocess(B, graph_thres=0.3):
    """GOLEM's post-processing: threshold, then drop the weakest edges until acyclic."""
    B = np.array(B, dtype=float)
    B[np.abs(B) <= graph_thres] = 0
    if _is_dag(B):
        return B
    rows, cols = np.nonzero(B)
    for k in np.argsort(np.abs(B[rows, cols]), kind="stable"):
        if _is_dag(B):
            break
        B[rows[k], cols[k]] = 0
    return B


def golem_nv(X, num_iter=100_000):
    """GOLEM-NV initialised at GOLEM-EV, the authors' protocol; returns the DAG's weights."""
    X = np.asarray(X, dtype=float)
    X = X - X.mean(axis=0, keepdims=True)
    S = X.T @ X / X.shape[0]
    B_ev = _train(S, equal_variances=True, num_iter=num_iter, **EV_SETTINGS)
    B_nv = _train(S, equal_variances=False, num_iter=num_iter, B_init=B_ev, **NV_SETTINGS)
    return postprocess(B_nv)
