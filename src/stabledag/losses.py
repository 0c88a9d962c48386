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
* :func:`residual_dependence` -- the disentanglement term: the mean over
  ordered pairs of residuals of squared nonlinear correlations, a measure of
  their statistical dependence (it works on residuals, not on ``S``).
"""

import torch

__all__ = [
    "residual_variances",
    "squared_loss",
    "squared_loss_and_grad",
    "gaussian_nll",
    "gaussian_nll_and_grad",
    "l1_penalty",
    "residual_dependence",
    "closed_form",
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
    return closed_form(squared_loss_and_grad, W, S)


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
    return closed_form(gaussian_nll_and_grad, W, S, eps)


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


def residual_dependence(R, eps=1e-12):
    r"""Dependence between the residuals of different nodes, mean-reduced (disentanglement).

    In a correct SEM the noise terms are mutually independent, so the
    residuals of the true graph are; with non-Gaussian noise, a wrongly
    oriented edge leaves residuals that are uncorrelated but *dependent*
    (the insight behind LiNGAM). This term measures that dependence by
    nonlinear correlations: with :math:`u_j` node ``j``'s residual centred
    and scaled to unit variance over the samples,

    .. math::

        D(R) = \frac{1}{3\,d(d-1)} \sum_{i \ne j}
        \Big[\rho(u_i, u_j)^2 + \rho(g(u_i), u_j)^2 + \rho(g(u_i), g(u_j))^2\Big],
        \qquad g(u) = \log\cosh u,

    where :math:`\rho` is the sample correlation. Each entry is 0 for
    independent residuals (up to sampling noise, about ``1/n``) and at most
    1, so ``D`` lies in [0, 1] whatever ``n`` and ``d``. The plain
    correlation catches linear leftovers; the correlation of the
    "energies" :math:`g(u)` (a smooth, robust stand-in for :math:`u^2`)
    catches the dependence of non-Gaussian residuals that are uncorrelated
    (a fourth-order cross-cumulant: for a wrongly oriented pair with Laplace
    or uniform noise it is about 0.15-0.2, for the right one below 0.002 at
    n = 1000), and :math:`\rho(g(u_i), u_j)` the third-order one that skewed
    noise (Gumbel) leaves. For Gaussian noise the residuals of any
    Markov-equivalent graph are independent too, so the term cannot orient
    edges there (and then costs only time).

    Parameters
    ----------
    R : torch.Tensor of shape (n_samples, d)
        Residuals, one column per node.
    eps : float, default=1e-12
        Floor on variances, so a constant column stays finite.

    Returns
    -------
    torch.Tensor
        Scalar in [0, 1].

    Examples
    --------
    >>> import torch
    >>> from stabledag.losses import residual_dependence
    >>> g = torch.Generator().manual_seed(0)
    >>> R = torch.randn(2000, 3, generator=g, dtype=torch.float64)
    >>> float(residual_dependence(R)) < 0.01
    True
    >>> float(residual_dependence(torch.cat([R, R[:, :1]], dim=1))) > 0.1
    True
    """
    d = R.shape[1]
    U = R - R.mean(dim=0)
    U = U / torch.sqrt((U * U).mean(dim=0).clamp_min(eps))
    # log cosh u = |u| + log1p(exp(-2|u|)) - log 2, without overflow
    G = U.abs() + torch.log1p(torch.exp(-2.0 * U.abs()))
    G = G - G.mean(dim=0)
    G = G / torch.sqrt((G * G).mean(dim=0).clamp_min(eps))
    total = U.new_zeros(())
    for F, H in ((U, U), (G, U), (G, G)):
        C = F.T @ H / U.shape[0]  # C[i, j] = rho(f(u_i), h(u_j))
        off = C - torch.diag_embed(torch.diagonal(C))
        total = total + (off * off).sum()
    return total / (3 * d * max(d - 1, 1))


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


class _ClosedForm(torch.autograd.Function):
    """A term whose ``fn(W, *args)`` returns ``(value, gradient)``: autograd uses that gradient."""

    @staticmethod
    def forward(ctx, fn, W, *args):
        value, grad = fn(W, *args)
        ctx.save_for_backward(grad)
        ctx.n_args = len(args)
        return value

    @staticmethod
    def backward(ctx, grad_output):
        (grad,) = ctx.saved_tensors
        return (None, grad_output * grad) + (None,) * ctx.n_args


def closed_form(fn, W, *args):
    """``fn(W, *args)[0]`` as a tensor whose gradient in ``W`` is ``fn``'s closed form.

    Parameters
    ----------
    fn : callable
        Returns ``(value, grad)`` for ``W`` (e.g. :func:`squared_loss_and_grad`).
    W : torch.Tensor of shape (d, d)
        Weighted adjacency; the gradient flows to it.
    *args : object
        Further arguments of ``fn`` (no gradient flows to them).

    Returns
    -------
    torch.Tensor
        Scalar.

    Examples
    --------
    >>> import torch
    >>> from stabledag.losses import closed_form, squared_loss_and_grad
    >>> W = torch.zeros(2, 2, dtype=torch.float64, requires_grad=True)
    >>> closed_form(squared_loss_and_grad, W, torch.eye(2, dtype=torch.float64)).backward()
    >>> W.grad.tolist()
    [[-0.5, -0.0], [-0.0, -0.5]]
    """
    return _ClosedForm.apply(fn, W, *args)
