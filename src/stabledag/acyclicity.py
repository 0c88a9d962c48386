r"""Smooth acyclicity functions :math:`h(W) \ge 0`, zero exactly on DAGs.

Both take the weighted adjacency ``W`` (``W[i, j]`` the weight of ``i -> j``)
as a torch tensor and return a scalar tensor with a gradient.

* :func:`logdet_acyclicity` (DAGMA, Bello et al. 2022), the default:
  :math:`h_s(W) = -\log\det(sI - W \circ W) + d \log s`. It is defined only
  while the spectral radius of :math:`W \circ W` is below ``s``; the training
  loop checks :func:`in_logdet_domain` and retreats when a step leaves it.
  Its gradient is :math:`2 W \circ (sI - W \circ W)^{-T}` and it stays finite
  at hundreds of nodes, where the matrix exponential overflows.
* :func:`expm_acyclicity` (NOTEARS, Zheng et al. 2018):
  :math:`h(W) = \operatorname{tr} e^{W \circ W} - d`.
"""

import math

import torch

from .losses import closed_form

__all__ = [
    "logdet_acyclicity",
    "logdet_acyclicity_and_grad",
    "expm_acyclicity",
    "in_logdet_domain",
    "ACYCLICITY",
]


# Rounding leaves tiny negative entries in the computed inverse of an M-matrix, relative to
# its largest entry (about 1e-12 for 500-node DAGs with weights 2); just outside the domain
# the negative entries are of the order of the largest, so a relative tolerance separates.
DOMAIN_RTOL = 1e-9


def _logdet_matrix(W, s):
    d = W.shape[0]
    return s * torch.eye(d, dtype=W.dtype, device=W.device) - W * W


def in_logdet_domain(W, s=1.0):
    r"""Whether :math:`sI - W \circ W` is a nonsingular M-matrix (``h_s`` defined).

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency.
    s : float, default=1.0
        The log-det scale.

    Returns
    -------
    bool
        True when the inverse exists, is finite and has no negative entry beyond rounding
        (equivalently, the spectral radius of :math:`W \circ W` is below ``s``).

    Examples
    --------
    >>> import torch
    >>> from stabledag.acyclicity import in_logdet_domain
    >>> in_logdet_domain(torch.tensor([[0.0, 2.0], [2.0, 0.0]], dtype=torch.float64))
    False
    """
    with torch.no_grad():
        inverse, info = torch.linalg.inv_ex(_logdet_matrix(W, s))
        if int(info) != 0 or not bool(torch.isfinite(inverse).all()):
            return False
        return bool((inverse >= -DOMAIN_RTOL * inverse.abs().max().clamp_min(1.0)).all())


def logdet_acyclicity(W, s=1.0):
    r"""Log-determinant acyclicity :math:`h_s(W) = -\log\det(sI - W \circ W) + d\log s`.

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency inside the domain (see :func:`in_logdet_domain`).
    s : float, default=1.0
        Scale; larger values enlarge the domain.

    Returns
    -------
    torch.Tensor
        Scalar, 0 on DAGs and positive on graphs with cycles (in the domain).

    Examples
    --------
    >>> import torch
    >>> from stabledag.acyclicity import logdet_acyclicity
    >>> dag = torch.tensor([[0.0, 0.5], [0.0, 0.0]], dtype=torch.float64)
    >>> round(float(logdet_acyclicity(dag)), 12)
    0.0
    """
    return closed_form(logdet_acyclicity_and_grad, W, s)


def logdet_acyclicity_and_grad(W, s=1.0):
    r""":func:`logdet_acyclicity` and its gradient :math:`2 W \circ (sI - W \circ W)^{-\top}`.

    No autograd and no synchronisation with the device: outside the domain
    the value is ``inf`` through tensor operations, so a training loop can
    check many steps at once.

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency.
    s : float, default=1.0
        Scale; larger values enlarge the domain.

    Returns
    -------
    value : torch.Tensor
        Scalar; ``inf`` outside the domain.
    grad : torch.Tensor of shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from stabledag.acyclicity import logdet_acyclicity_and_grad
    >>> W = torch.tensor([[0.0, 0.5], [0.5, 0.0]], dtype=torch.float64)  # a 2-cycle
    >>> value, grad = logdet_acyclicity_and_grad(W)
    >>> round(float(value), 4), round(float(grad[0, 1]), 4)
    (0.0645, 0.2667)
    """
    d = W.shape[0]
    eye = torch.eye(d, dtype=W.dtype, device=W.device)
    LU, pivots, info = torch.linalg.lu_factor_ex(s * eye - W * W)
    inverse = torch.linalg.lu_solve(LU, pivots, eye)
    diag = torch.diagonal(LU)
    swaps = (pivots != torch.arange(1, d + 1, device=W.device, dtype=pivots.dtype)).sum()
    # an M-matrix: nonsingular, positive determinant, entrywise non-negative inverse
    valid = (
        (info == 0)
        & (((diag < 0).sum() + swaps) % 2 == 0)
        & torch.isfinite(inverse).all()
        & (inverse >= -DOMAIN_RTOL * inverse.abs().max().clamp_min(1.0)).all()
    )
    value = -torch.log(diag.abs()).sum() + d * math.log(s)
    value = torch.where(valid, value, torch.full_like(value, float("inf")))
    return value, 2.0 * W * inverse.T


def expm_acyclicity(W, s=1.0):
    r"""Matrix-exponential acyclicity :math:`h(W) = \operatorname{tr} e^{W \circ W} - d`.

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency.
    s : float, default=1.0
        Unused; accepted so both functions share one signature.

    Returns
    -------
    torch.Tensor
        Scalar, 0 on DAGs and positive otherwise. Can overflow at hundreds
        of nodes with large weights; prefer :func:`logdet_acyclicity`.

    Examples
    --------
    >>> import torch
    >>> from stabledag.acyclicity import expm_acyclicity
    >>> cycle = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    >>> float(expm_acyclicity(cycle)) > 0
    True
    """
    return torch.trace(torch.linalg.matrix_exp(W * W)) - W.shape[0]


ACYCLICITY = {"logdet": logdet_acyclicity, "expm": expm_acyclicity}
