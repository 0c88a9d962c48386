"""Torch structural equation models fitted by the training loop.

A model owns its parameters and knows how to turn data into the statistics
its reconstruction loss needs (:meth:`LinearSEM.prepare`), how to compute that
loss (:meth:`LinearSEM.recon_loss`) and how to expose the weighted adjacency
(:meth:`LinearSEM.adjacency`).
"""

import torch

from . import _linear_numpy
from .losses import gaussian_nll, gaussian_nll_and_grad, squared_loss, squared_loss_and_grad

__all__ = ["LinearSEM"]


class LinearSEM(torch.nn.Module):
    """Linear SEM ``X = X W + noise`` with a zero diagonal.

    Parameters
    ----------
    n_nodes : int
        Number of variables ``d``.
    equal_variances : bool, default=False
        Least-squares loss (one shared noise variance) if True, else the
        unit-free Gaussian likelihood with one noise variance per node.
    init : ndarray of shape (d, d), optional
        Starting weights; zeros by default.
    allowed : ndarray of bool, shape (d, d), optional
        Edges that may be nonzero; the others (and the diagonal) are held
        at exactly zero (forbidden edges, tiers).
    dtype : torch.dtype, default=torch.float64
    device : str or torch.device, default="cpu"

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.models import LinearSEM
    >>> model = LinearSEM(3)
    >>> model.adjacency().shape
    torch.Size([3, 3])
    """

    def __init__(
        self,
        n_nodes,
        *,
        equal_variances=False,
        init=None,
        allowed=None,
        dtype=torch.float64,
        device="cpu",
    ):
        super().__init__()
        self.equal_variances = equal_variances
        weight = torch.zeros(n_nodes, n_nodes, dtype=dtype, device=device)
        if init is not None:
            weight = torch.as_tensor(init, dtype=dtype, device=device).clone()
        mask = 1.0 - torch.eye(n_nodes, dtype=dtype, device=device)
        if allowed is not None:
            mask = mask * torch.as_tensor(allowed, dtype=dtype, device=device)
        self.register_buffer("mask", mask)
        self.weight = torch.nn.Parameter(weight * mask)

    def adjacency(self):
        """The weighted adjacency ``W`` (diagonal fixed at zero), with a gradient.

        Returns
        -------
        torch.Tensor of shape (d, d)

        Examples
        --------
        >>> from stabledag.models import LinearSEM
        >>> float(LinearSEM(2).adjacency().sum())
        0.0
        """
        return self.weight * self.mask

    def prepare(self, X):
        """Second-moment matrix of centred data, the linear model's statistic.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, d)
            Centred data.

        Returns
        -------
        torch.Tensor of shape (d, d)

        Examples
        --------
        >>> import torch
        >>> from stabledag.models import LinearSEM
        >>> LinearSEM(2).prepare(torch.ones(4, 2, dtype=torch.float64)).shape
        torch.Size([2, 2])
        """
        return X.T @ X / X.shape[0]

    def recon_loss(self, stats):
        """Mean-reduced reconstruction loss on prepared statistics.

        Parameters
        ----------
        stats : torch.Tensor of shape (d, d)
            Output of :meth:`prepare`.

        Returns
        -------
        torch.Tensor
            Scalar: :func:`~stabledag.losses.squared_loss` or
            :func:`~stabledag.losses.gaussian_nll`.

        Examples
        --------
        >>> import torch
        >>> from stabledag.models import LinearSEM
        >>> model = LinearSEM(2, equal_variances=True)
        >>> float(model.recon_loss(torch.eye(2, dtype=torch.float64)))
        0.5
        """
        W = self.adjacency()
        return squared_loss(W, stats) if self.equal_variances else gaussian_nll(W, stats)

    def recon_loss_and_grad(self, stats):
        """:meth:`recon_loss` and its gradient with respect to ``W``, without autograd.

        The training loop's fast path for this model: closed-form gradients
        make a step a handful of tensor operations.

        Parameters
        ----------
        stats : torch.Tensor of shape (d, d)
            Output of :meth:`prepare`.

        Returns
        -------
        value : torch.Tensor
            Scalar, as :meth:`recon_loss`.
        grad : torch.Tensor of shape (d, d)

        Examples
        --------
        >>> import torch
        >>> from stabledag.models import LinearSEM
        >>> model = LinearSEM(2, equal_variances=True)
        >>> value, grad = model.recon_loss_and_grad(torch.eye(2, dtype=torch.float64))
        >>> float(value), grad.shape
        (0.5, torch.Size([2, 2]))
        """
        with torch.no_grad():
            W = self.adjacency()
            if self.equal_variances:
                return squared_loss_and_grad(W, stats)
            return gaussian_nll_and_grad(W, stats)

    def recon_loss_and_grad_numpy(self, stats):
        """:meth:`recon_loss_and_grad` in NumPy, for a float64 model on the CPU.

        The training loop's CPU fast path (see :mod:`stabledag._linear_numpy`).

        Parameters
        ----------
        stats : ndarray of shape (d, d)
            Output of :meth:`prepare`, as a NumPy array.

        Returns
        -------
        value : float
        grad : ndarray of shape (d, d)

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag.models import LinearSEM
        >>> value, grad = LinearSEM(2, equal_variances=True).recon_loss_and_grad_numpy(np.eye(2))
        >>> value, grad.shape
        (0.5, (2, 2))
        """
        W = self.weight.detach().numpy() * self.mask.numpy()
        if self.equal_variances:
            return _linear_numpy.squared_loss_and_grad(W, stats)
        return _linear_numpy.gaussian_nll_and_grad(W, stats)
