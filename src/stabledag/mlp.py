"""The nonlinear SEM ``X_j = f_j(X) + E_j``: its torch module and its model plug-in.

:class:`MLPSEM` (NOTEARS-MLP's locally connected networks) is the module the
training loop fits, on the data rows. :class:`MLPModel` is the plug-in
registered as ``"mlp"``: the threshold is chosen by a random-feature BIC
(:class:`~stabledag._nonlinear_scores.RandomFeatureBIC`); with ``refine`` the
additive spline search (:mod:`stabledag._additive`) proposes a second DAG
that replaces the thresholded one when that BIC prefers it; the networks are
then refitted with the selected DAG as a mask.
"""

import dataclasses
import math

import numpy as np
import torch

from ._additive import additive_search
from ._nonlinear_scores import RandomFeatureBIC
from ._selection import thresholded_dag
from ._training import data_tensors, refit
from .models import (
    FittedGraph,
    ModelPlugin,
    linear_memory_bytes,
    noise_variances,
    weights_on,
)

__all__ = ["MLPSEM", "mlp_predict", "MLPModel", "refine_mlp_graph"]


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
    >>> from stabledag.mlp import MLPSEM
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
        >>> from stabledag.mlp import MLPSEM
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
        >>> from stabledag.mlp import MLPSEM
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
        >>> from stabledag.mlp import MLPSEM
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
        >>> from stabledag.mlp import MLPSEM
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
        >>> from stabledag.mlp import MLPSEM
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
        >>> from stabledag.mlp import MLPSEM
        >>> model = MLPSEM(2).restrict_(np.zeros((2, 2), dtype=bool))
        >>> float(model.adjacency().sum())
        0.0
        """
        keep = torch.as_tensor(np.asarray(allowed, dtype=float), dtype=self.mask.dtype)
        self.mask.mul_(keep.T.unsqueeze(1).to(self.mask.device))
        self.weight1.mul_(self.mask)
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
        >>> from stabledag.mlp import MLPSEM
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
    >>> from stabledag.mlp import MLPSEM, mlp_predict
    >>> mlp_predict(MLPSEM(2).numpy_params(), np.zeros((3, 2))).shape
    (3, 2)
    """
    pre = np.einsum("ni,jki->njk", X, params["weight1"]) + params["bias1"]
    return (params["weight2"] / (1.0 + np.exp(-pre))).sum(axis=2) + params["bias2"]


def refine_mlp_graph(Z, B, equal_variances, required, allowed, judge=None):
    """The better, by the nonlinear BIC, of ``B`` and the additive search's DAG.

    The search (:func:`stabledag._additive.additive_search`, from the empty
    graph) is a second, independent proposal; its spline model represents
    interactions between parents only through pairwise products, so its DAG
    replaces the continuous model's only when the random-feature BIC that
    chose the threshold (:class:`~stabledag._nonlinear_scores.RandomFeatureBIC`,
    with more general interactions) also prefers it. ``judge``: that BIC of
    ``Z``, when the caller already has one (its cached node costs are reused).

    Parameters
    ----------
    Z : ndarray of shape (n_samples, d)
        Centred (standardized) data.
    B : ndarray of bool, shape (d, d)
        The thresholded DAG.
    equal_variances : bool
        Score the search with one shared noise variance.
    required, allowed : ndarray of bool, shape (d, d) or None
        Prior-knowledge masks.
    judge : RandomFeatureBIC, optional
        The nonlinear BIC of ``Z`` (a new one if None).

    Returns
    -------
    ndarray of bool, shape (d, d)

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.mlp import refine_mlp_graph
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=400)
    >>> Z = np.column_stack([a, np.tanh(2 * a) + 0.3 * rng.normal(size=400)])
    >>> refine_mlp_graph(Z, np.zeros((2, 2), bool), False, None, None).astype(int).tolist()
    [[0, 1], [0, 0]]
    """
    searched = additive_search(
        Z, [], allowed=allowed, required=required, equal_variances=equal_variances
    )
    judge = RandomFeatureBIC(Z) if judge is None else judge
    return searched if judge.graph_cost(searched) < judge.graph_cost(B) - 1e-9 else B


class MLPModel(ModelPlugin):
    """The MLP SEM as a model plug-in (``StableDAGLearner(model="mlp")``).

    Trains an :class:`MLPSEM` with ``hidden_units`` hidden units per node on
    the data rows; selects the threshold by the random-feature BIC, with
    ``refine`` (and ``lambda_disen == 0``) lets the additive search's DAG
    replace the thresholded one (:func:`refine_mlp_graph`), and refits the
    networks on the selected DAG. ``adjacency`` holds the first-layer weight
    norms of the refitted networks and ``params`` the networks themselves
    (:meth:`MLPSEM.numpy_params`).

    Its memory estimate adds to the linear one about 8 copies of the
    (d, m, d) first layer (weights, mask, gradient, Adam's two moments,
    saved states), 6 arrays of shape (n, d, m) (pre-activations,
    activations, their gradients) and, for the unit-free loss, 4 of shape
    (n, d, d) (the Jacobians and their determinant's factorisation).

    Examples
    --------
    >>> from stabledag.models import get_model
    >>> get_model("mlp").own_params
    ('hidden_units',)
    """

    name = "mlp"
    own_params = ("hidden_units",)

    def memory_bytes(self, n_samples, n_features, params):
        d, m, n = n_features, int(params["hidden_units"]), n_samples
        extra = 8 * d * d * m + 6 * n * d * m
        if not params["equal_variances"]:
            extra += 4 * n * d * d
        return linear_memory_bytes(n_samples, n_features) + 8 * extra

    def build(self, n_nodes, *, params, allowed, device, seed):
        return MLPSEM(
            n_nodes,
            hidden_units=params["hidden_units"],
            equal_variances=bool(params["equal_variances"]),
            allowed=allowed,
            generator=torch.Generator().manual_seed(seed),
            device=device,
        )

    def select_graph(self, weights, module, stats, config, ctx, *, refine):
        params, required = ctx.params, ctx.required
        Z, train_idx = stats.Z, stats.train_idx
        judge = RandomFeatureBIC(Z)  # one cache for the threshold and the refinement
        threshold, B = thresholded_dag(weights, params["threshold"], judge, required, ctx.budget)
        # the search's Gaussian scores cannot see directions learned by lambda_disen
        if refine and params["lambda_disen"] == 0 and not ctx.budget.expired("graph selection"):
            B = refine_mlp_graph(
                Z, B, bool(params["equal_variances"]), required, ctx.allowed, judge
            )
        X_train, X_val = data_tensors(Z, train_idx, stats.val_idx, ctx.device)
        if ctx.budget.deadline is not None:  # the refit gets what is left of max_time
            config = dataclasses.replace(config, max_time=ctx.budget.remaining())
        fitted = refit(module, B, X_train, X_val, config)
        norms = np.sqrt((fitted["weight1"] ** 2).sum(axis=1)).T
        adjacency = weights_on(B, norms)
        residuals = Z[train_idx] - mlp_predict(fitted, Z[train_idx])
        variances = np.maximum((residuals**2).mean(axis=0), 1e-12)
        return FittedGraph(threshold, adjacency, noise_variances(variances, params), fitted)

    def predict(self, adjacency, params, Z):
        return mlp_predict(params, Z)
