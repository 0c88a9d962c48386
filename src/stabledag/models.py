"""Torch structural equation models fitted by the training loop.

A model owns its parameters and knows how to turn data into the statistics
its reconstruction loss needs (:meth:`LinearSEM.prepare`), how to compute that
loss (:meth:`LinearSEM.recon_loss`) and how to expose the weighted adjacency
(:meth:`LinearSEM.adjacency`).

* :class:`LinearSEM` -- ``X = X W + E``; its statistic is the second-moment
  matrix, so a step costs nothing in ``n``.
* :class:`MLPSEM` -- ``X_j = f_j(X) + E_j`` with one small MLP per node
  (NOTEARS-MLP family); its statistic is the data itself.
"""

import math

import numpy as np
import torch

from . import _linear_numpy
from .graph import is_dag
from .losses import gaussian_nll, gaussian_nll_and_grad, squared_loss, squared_loss_and_grad

__all__ = ["LinearSEM", "MLPSEM", "mlp_predict"]


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
        Floating type of the parameters.
    device : str or torch.device, default="cpu"
        Where the parameters live.

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

    def residuals(self, X):
        """Residuals ``X - X W``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, d)
            Centred data.

        Returns
        -------
        torch.Tensor of shape (n_samples, d)

        Examples
        --------
        >>> import torch
        >>> from stabledag.models import LinearSEM
        >>> LinearSEM(2).residuals(torch.ones(3, 2, dtype=torch.float64)).shape
        torch.Size([3, 2])
        """
        return X - X @ self.adjacency()

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


class MLPSEM(torch.nn.Module):
    r"""Nonlinear SEM ``X_j = f_j(X) + E_j``, one one-hidden-layer MLP per node.

    The NOTEARS-MLP architecture (Zheng et al. 2020): node ``j``'s network is

    .. math::

        f_j(x) = \sum_k v_{jk}\,\sigma\big(\textstyle\sum_i U_{jki} x_i + b_{jk}\big) + c_j

    with a sigmoid :math:`\sigma`. The first layer is *locally connected*:
    every node has its own weights on every input, so ``f_j`` depends on
    ``x_i`` only through the column :math:`U_{j\cdot i}`, and the weighted
    adjacency is its norm, :math:`A_{ij} = \|U_{j\cdot i}\|_2`
    (``A[i, j] == 0`` means ``f_j`` does not depend on ``x_i``). The
    acyclicity function and the L1 penalty (a group lasso on these columns)
    act on ``A``.

    The reconstruction loss, mean-reduced over samples and nodes:

    * ``equal_variances=True``: half the mean squared residual (NOTEARS-MLP's
      least squares).
    * ``equal_variances=False`` (default): the Gaussian negative
      log-likelihood per sample and node with one noise variance per node
      profiled out, including the Jacobian of the map ``x -> x - f(x)``,
      :math:`\frac{1}{2d}\sum_j \log \hat\sigma_j^2 -
      \frac{1}{nd}\sum_n \log|\det(I - J_f(x_n))|`. On a DAG the Jacobian
      term is zero; off it, it stops cycles from buying a small residual
      variance (the nonlinear analogue of the linear model's
      :math:`\log|\det(I - W)|`).

    Parameters
    ----------
    n_nodes : int
        Number of variables ``d``.
    hidden_units : int, default=10
        Hidden units per node.
    equal_variances : bool, default=False
        Least squares if True, else the per-node-variance likelihood.
    allowed : ndarray of bool, shape (d, d), optional
        Edges that may be nonzero (``allowed[i, j]``: ``i -> j``); the others
        and the diagonal are held at exactly zero.
    generator : torch.Generator, optional
        Source of the random initial weights (seeded by the estimator, so the
        global RNG is never touched); a fixed seed 0 if None.
    dtype : torch.dtype, default=torch.float64
        Floating type of the parameters.
    device : str or torch.device, default="cpu"
        Where the parameters live.

    Examples
    --------
    >>> import torch
    >>> from stabledag.models import MLPSEM
    >>> model = MLPSEM(3, hidden_units=4)
    >>> model.adjacency().shape
    torch.Size([3, 3])
    >>> X = torch.zeros(5, 3, dtype=torch.float64)
    >>> model(X).shape
    torch.Size([5, 3])
    """

    def __init__(
        self,
        n_nodes,
        *,
        hidden_units=10,
        equal_variances=False,
        allowed=None,
        generator=None,
        dtype=torch.float64,
        device="cpu",
    ):
        super().__init__()
        d, m = int(n_nodes), int(hidden_units)
        self.equal_variances = equal_variances
        if generator is None:
            generator = torch.Generator().manual_seed(0)
        mask = 1.0 - torch.eye(d, dtype=dtype)
        if allowed is not None:
            mask = mask * torch.as_tensor(np.asarray(allowed, dtype=float), dtype=dtype)
        # first-layer mask, indexed [child j, hidden k, parent i]
        self.register_buffer("mask", mask.T.unsqueeze(1).expand(d, m, d).clone().to(device))
        # on a DAG mask the Jacobian log-determinant is exactly zero: skip it
        self._mask_is_dag = allowed is not None and is_dag(allowed)

        def uniform(shape, bound):
            draw = torch.rand(shape, generator=generator, dtype=dtype)
            return ((2.0 * draw - 1.0) * bound).to(device)

        # small first layer: sum_i A_ij^2 about 0.1, well inside the log-det domain
        bound1 = math.sqrt(0.3 / (d * m))
        self.weight1 = torch.nn.Parameter(uniform((d, m, d), bound1) * self.mask)
        self.bias1 = torch.nn.Parameter(uniform((d, m), 1.0))
        self.weight2 = torch.nn.Parameter(uniform((d, m), 1.0 / math.sqrt(m)))
        self.bias2 = torch.nn.Parameter(torch.zeros(d, dtype=dtype, device=device))

    def adjacency(self):
        """Weighted adjacency, ``A[i, j]`` the norm of node ``j``'s first-layer weights on ``i``.

        Returns
        -------
        torch.Tensor of shape (d, d)
            Non-negative, zero on the diagonal, with a gradient.

        Examples
        --------
        >>> from stabledag.models import MLPSEM
        >>> float(MLPSEM(2).adjacency().diagonal().abs().sum())
        0.0
        """
        return torch.linalg.vector_norm(self.weight1 * self.mask, dim=1).T

    def _hidden(self, X):
        """Pre-activations of every node's hidden layer, shape (n, d, m)."""
        return torch.einsum("ni,jki->njk", X, self.weight1 * self.mask) + self.bias1

    def forward(self, X):
        """Predictions ``f(X)``, one column per node.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, d)
            Centred data.

        Returns
        -------
        torch.Tensor of shape (n_samples, d)

        Examples
        --------
        >>> import torch
        >>> from stabledag.models import MLPSEM
        >>> MLPSEM(2)(torch.ones(3, 2, dtype=torch.float64)).shape
        torch.Size([3, 2])
        """
        return (torch.sigmoid(self._hidden(X)) * self.weight2).sum(dim=2) + self.bias2

    def prepare(self, X):
        """The MLP's statistic is the (centred) data itself.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, d)
            Centred data.

        Returns
        -------
        torch.Tensor of shape (n_samples, d)
            ``X`` unchanged.

        Examples
        --------
        >>> import torch
        >>> from stabledag.models import MLPSEM
        >>> X = torch.ones(4, 2, dtype=torch.float64)
        >>> MLPSEM(2).prepare(X) is X
        True
        """
        return X

    def residuals(self, X):
        """Residuals ``X - f(X)``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, d)
            Centred data.

        Returns
        -------
        torch.Tensor of shape (n_samples, d)

        Examples
        --------
        >>> import torch
        >>> from stabledag.models import MLPSEM
        >>> MLPSEM(2).residuals(torch.ones(3, 2, dtype=torch.float64)).shape
        torch.Size([3, 2])
        """
        return X - self(X)

    def recon_loss(self, X, eps=1e-12):
        """Mean-reduced reconstruction loss (see the class docstring).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, d)
            Output of :meth:`prepare`.
        eps : float, default=1e-12
            Floor on the residual variances.

        Returns
        -------
        torch.Tensor
            Scalar.

        Examples
        --------
        >>> import torch
        >>> from stabledag.models import MLPSEM
        >>> model = MLPSEM(2, equal_variances=True)
        >>> float(model.recon_loss(torch.zeros(3, 2, dtype=torch.float64))) >= 0
        True
        """
        pre = self._hidden(X)
        act = torch.sigmoid(pre)
        R = X - ((act * self.weight2).sum(dim=2) + self.bias2)
        if self.equal_variances:
            return 0.5 * (R * R).mean()
        d = X.shape[1]
        variances = (R * R).mean(dim=0).clamp_min(eps)
        if self._mask_is_dag:  # I - J is then unit triangular up to a permutation
            return 0.5 * torch.log(variances).mean()
        # J[n, j, i] = d f_j / d x_i at sample n
        slope = act * (1.0 - act) * self.weight2
        J = torch.einsum("njk,jki->nji", slope, self.weight1 * self.mask)
        eye = torch.eye(d, dtype=X.dtype, device=X.device)
        _, logabsdet = torch.linalg.slogdet(eye - J)
        return 0.5 * torch.log(variances).mean() - logabsdet.mean() / d

    @torch.no_grad()
    def restrict_(self, allowed):
        """Hold every edge outside ``allowed`` at zero from now on (in place).

        Parameters
        ----------
        allowed : ndarray of bool, shape (d, d)
            ``allowed[i, j]``: ``i -> j`` may stay.

        Returns
        -------
        MLPSEM
            ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag.models import MLPSEM
        >>> model = MLPSEM(2).restrict_(np.zeros((2, 2), dtype=bool))
        >>> float(model.adjacency().sum())
        0.0
        """
        keep = torch.as_tensor(np.asarray(allowed, dtype=float), dtype=self.mask.dtype)
        self.mask.mul_(keep.T.unsqueeze(1).to(self.mask.device))
        self.weight1.mul_(self.mask)
        self._mask_is_dag = self._mask_is_dag or is_dag(allowed)
        return self

    def numpy_params(self):
        """The network as a dict of NumPy arrays (for :func:`mlp_predict` and pickling).

        Returns
        -------
        dict
            ``weight1`` (d, m, d) masked, ``bias1`` (d, m), ``weight2`` (d, m),
            ``bias2`` (d,).

        Examples
        --------
        >>> from stabledag.models import MLPSEM
        >>> sorted(MLPSEM(2).numpy_params())
        ['bias1', 'bias2', 'weight1', 'weight2']
        """
        with torch.no_grad():
            tensors = {
                "weight1": self.weight1 * self.mask,
                "bias1": self.bias1,
                "weight2": self.weight2,
                "bias2": self.bias2,
            }
            return {k: v.detach().cpu().numpy().copy() for k, v in tensors.items()}


def mlp_predict(params, X):
    """Predictions of an :class:`MLPSEM` from its :meth:`MLPSEM.numpy_params`, in NumPy.

    Parameters
    ----------
    params : dict
        Output of :meth:`MLPSEM.numpy_params`.
    X : ndarray of shape (n_samples, d)
        Data in the units the model was trained on.

    Returns
    -------
    ndarray of shape (n_samples, d)

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.models import MLPSEM, mlp_predict
    >>> mlp_predict(MLPSEM(2).numpy_params(), np.zeros((3, 2))).shape
    (3, 2)
    """
    pre = np.einsum("ni,jki->njk", X, params["weight1"]) + params["bias1"]
    return (params["weight2"] / (1.0 + np.exp(-pre))).sum(axis=2) + params["bias2"]
