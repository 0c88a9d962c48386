r"""Loss terms of the linear SEM, each mean-reduced so their weights compare.

All terms take the weighted adjacency ``W`` (``W[i, j]`` the weight of
``i -> j``) and the second-moment matrix :math:`S = X^\top X / n` of centred
(by default standardized) data, so their cost does not grow with ``n``. The
residual variance of node ``j`` is
:math:`\sigma_j^2(W) = [(I - W)^\top S (I - W)]_{jj}`, the mean over samples of
its squared residual.

* :func:`squared_loss` -- equal-variance least squares,
  :math:`\frac{1}{2d}\sum_j \sigma_j^2(W)`: the mean over samples and nodes
  of half the squared residual. Right when all variables share units and
  noise scale; it then uses the variances to orient edges.
* :func:`gaussian_nll` -- the Gaussian negative log-likelihood per sample and
  node with one noise variance per node profiled out (GOLEM-NV),
  :math:`\frac{1}{2d}\sum_j \log \sigma_j^2(W) - \frac{1}{d}\log|\det(I - W)|`.
  Unchanged (up to a constant) by any rescaling of the variables together
  with their weights: it does not depend on units.
* :func:`l1_penalty` -- :math:`\frac{1}{d}\sum_{ij} |W_{ij}|`, the mean over
  nodes of the L1 norm of each node's incoming weights.
"""

import torch

__all__ = [
    "residual_variances",
    "squared_loss",
    "squared_loss_and_grad",
    "gaussian_nll",
    "gaussian_nll_and_grad",
    "l1_penalty",
]


def residual_variances(W, S):
    r"""Mean squared residual of every node, :math:`\operatorname{diag}((I-W)^\top S (I-W))`.

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency.
    S : torch.Tensor of shape (d, d)
        Second-moment matrix of the centred data.

    Returns
    -------
    torch.Tensor of shape (d,)

    Examples
    --------
    >>> import torch
    >>> from stabledag.losses import residual_variances
    >>> S = torch.eye(2, dtype=torch.float64)
    >>> residual_variances(torch.zeros(2, 2, dtype=torch.float64), S)
    tensor([1., 1.], dtype=torch.float64)
    """
    M = torch.eye(W.shape[0], dtype=W.dtype, device=W.device) - W
    return ((S @ M) * M).sum(dim=0)


def squared_loss(W, S):
    r"""Equal-variance least squares, :math:`\frac{1}{2d}\sum_j \sigma_j^2(W)`.

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency.
    S : torch.Tensor of shape (d, d)
        Second-moment matrix of the centred data.

    Returns
    -------
    torch.Tensor
        Scalar.

    Examples
    --------
    >>> import torch
    >>> from stabledag.losses import squared_loss
    >>> W, S = torch.zeros(2, 2, dtype=torch.float64), torch.eye(2, dtype=torch.float64)
    >>> float(squared_loss(W, S))
    0.5
    """
    return _SquaredLoss.apply(W, S)


def gaussian_nll(W, S, eps=1e-12):
    r"""Gaussian negative log-likelihood with per-node noise variances (unit-free).

    :math:`\frac{1}{2d}\sum_j \log \sigma_j^2(W) - \frac{1}{d}\log|\det(I - W)|`,
    the per-sample, per-node likelihood with each noise variance set to its
    maximum-likelihood value (constants dropped).

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency.
    S : torch.Tensor of shape (d, d)
        Second-moment matrix of the centred data.
    eps : float, default=1e-12
        Floor on the residual variances, so a perfect fit stays finite.

    Returns
    -------
    torch.Tensor
        Scalar.

    Examples
    --------
    >>> import torch
    >>> from stabledag.losses import gaussian_nll
    >>> W, S = torch.zeros(2, 2, dtype=torch.float64), torch.eye(2, dtype=torch.float64)
    >>> float(gaussian_nll(W, S))
    0.0
    """
    return _GaussianNLL.apply(W, S, eps)


def l1_penalty(W):
    r"""Mean over nodes of the L1 norm of incoming weights, :math:`\frac{1}{d}\sum_{ij}|W_{ij}|`.

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency.

    Returns
    -------
    torch.Tensor
        Scalar.

    Examples
    --------
    >>> import torch
    >>> from stabledag.losses import l1_penalty
    >>> float(l1_penalty(torch.tensor([[0.0, 1.0], [-1.0, 0.0]], dtype=torch.float64)))
    1.0
    """
    return W.abs().sum() / W.shape[0]


def squared_loss_and_grad(W, S):
    r""":func:`squared_loss` and its gradient :math:`-S(I - W)/d`, without autograd.

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency.
    S : torch.Tensor of shape (d, d)
        Second-moment matrix of the centred data.

    Returns
    -------
    value : torch.Tensor
        Scalar.
    grad : torch.Tensor of shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from stabledag.losses import squared_loss_and_grad
    >>> W, S = torch.zeros(2, 2, dtype=torch.float64), torch.eye(2, dtype=torch.float64)
    >>> value, grad = squared_loss_and_grad(W, S)
    >>> float(value), grad.tolist()
    (0.5, [[-0.5, -0.0], [-0.0, -0.5]])
    """
    d = W.shape[0]
    M = torch.eye(d, dtype=W.dtype, device=W.device) - W
    SM = S @ M
    return 0.5 * (SM * M).sum() / d, SM / -d


def gaussian_nll_and_grad(W, S, eps=1e-12):
    r""":func:`gaussian_nll` and its gradient, without autograd.

    The gradient is :math:`\big(-S(I - W)\operatorname{diag}(1/\sigma^2) + (I - W)^{-\top}\big)/d`.
    The value is ``inf`` where :math:`I - W` is singular (no synchronisation
    with the device: the check is a tensor operation).

    Parameters
    ----------
    W : torch.Tensor of shape (d, d)
        Weighted adjacency.
    S : torch.Tensor of shape (d, d)
        Second-moment matrix of the centred data.
    eps : float, default=1e-12
        Floor on the residual variances.

    Returns
    -------
    value : torch.Tensor
        Scalar.
    grad : torch.Tensor of shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from stabledag.losses import gaussian_nll_and_grad
    >>> W, S = torch.zeros(2, 2, dtype=torch.float64), torch.eye(2, dtype=torch.float64)
    >>> value, grad = gaussian_nll_and_grad(W, S)
    >>> float(value), float(grad.abs().max())
    (0.0, 0.0)
    """
    d = W.shape[0]
    eye = torch.eye(d, dtype=W.dtype, device=W.device)
    M = eye - W
    SM = S @ M
    variances = (SM * M).sum(dim=0).clamp_min(eps)
    LU, pivots, info = torch.linalg.lu_factor_ex(M)
    inverse = torch.linalg.lu_solve(LU, pivots, eye)
    logabsdet = torch.log(torch.diagonal(LU).abs()).sum()
    value = 0.5 * torch.log(variances).mean() - logabsdet / d
    value = torch.where(info == 0, value, torch.full_like(value, float("inf")))
    return value, (inverse.T - SM / variances) / d


class _SquaredLoss(torch.autograd.Function):
    """Closed form: gradient ``-S (I - W) / d``."""

    @staticmethod
    def forward(ctx, W, S):
        value, grad = squared_loss_and_grad(W, S)
        ctx.save_for_backward(grad)
        return value

    @staticmethod
    def backward(ctx, grad_output):
        (grad,) = ctx.saved_tensors
        return grad_output * grad, None


class _GaussianNLL(torch.autograd.Function):
    """Closed form: see :func:`gaussian_nll_and_grad`."""

    @staticmethod
    def forward(ctx, W, S, eps):
        value, grad = gaussian_nll_and_grad(W, S, eps)
        ctx.save_for_backward(grad)
        return value

    @staticmethod
    def backward(ctx, grad_output):
        (grad,) = ctx.saved_tensors
        return grad_output * grad, None, None
