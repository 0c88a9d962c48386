"""The linear SEM ``X = X W + E``: its torch module and its model plug-in.

:class:`LinearSEM` is the module the training loop fits; its statistic is
the second-moment matrix, so a step costs nothing in ``n``, and it offers
closed-form gradients (the loop's fast paths). :class:`LinearModel` is the
plug-in registered as ``"linear"``: it trains on the data-statistics stage's
second moments, chooses the threshold by the extended BIC, refines the DAG by
the order search under the same score (:mod:`stabledag._search`), optionally
orients covered edges by residual dependence (``lambda_disen > 0``), and
refits the weights by least squares.
"""

import torch

from . import _linear_numpy
from . import graph as _graph
from ._orient import orient_by_dependence
from ._scores import GaussianBIC, ols_weights
from ._screen import screen_pairs
from ._search import multi_start_order_search
from ._selection import thresholded_dag
from ._training import data_tensors, train
from .losses import gaussian_nll, gaussian_nll_and_grad, squared_loss, squared_loss_and_grad
from .models import FittedGraph, ModelPlugin, noise_variances, weights_on

__all__ = ["LinearSEM", "LinearModel", "REFINE_STARTS", "SCREEN_AUTO_MIN_NODES", "screen_active"]

# Extra thresholds whose DAGs also seed the order search (the lowest-BIC result wins).
REFINE_STARTS = (0.05, 0.1, 0.2, 0.3, 0.5)

#: ``screen="auto"`` screens the candidate edges from this many variables on.
SCREEN_AUTO_MIN_NODES = 200
# The NumPy fast path multiplies by W sparsely when at most this share of the entries may be
# nonzero and d is at least SPARSE_FROM_NODES (at d = 300 the dense product is faster).
SPARSE_DENSITY = 0.25
SPARSE_FROM_NODES = 500


def screen_active(params, n_nodes):
    """Whether a fit with these estimator parameters screens its candidate edges.

    Examples
    --------
    >>> from stabledag.linear import screen_active
    >>> screen_active({"screen": "auto"}, 20), screen_active({"screen": True}, 20)
    (False, True)
    """
    screen = params.get("screen", "auto")
    if isinstance(screen, str) and screen == "auto":
        return n_nodes >= SCREEN_AUTO_MIN_NODES
    return bool(screen)


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
    >>> from stabledag.linear import LinearSEM
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
        # A sparse mask (a screen) lets the NumPy fast path multiply by W sparsely.
        self.support = None
        if n_nodes >= SPARSE_FROM_NODES and float(mask.sum()) <= SPARSE_DENSITY * n_nodes**2:
            self.support = _linear_numpy.SparseSupport(mask.cpu().numpy())

    def adjacency(self):
        """The weighted adjacency ``W`` (diagonal fixed at zero), with a gradient.

        Returns
        -------
        torch.Tensor of shape (d, d)

        Examples
        --------
        >>> from stabledag.linear import LinearSEM
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
        >>> from stabledag.linear import LinearSEM
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
        >>> from stabledag.linear import LinearSEM
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
        >>> from stabledag.linear import LinearSEM
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
        >>> from stabledag.linear import LinearSEM
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
        >>> from stabledag.linear import LinearSEM
        >>> value, grad = LinearSEM(2, equal_variances=True).recon_loss_and_grad_numpy(np.eye(2))
        >>> value, grad.shape
        (0.5, (2, 2))
        """
        W = self.weight.detach().numpy() * self.mask.numpy()
        support = getattr(self, "support", None)
        if self.equal_variances:
            return _linear_numpy.squared_loss_and_grad(W, stats, support=support)
        return _linear_numpy.gaussian_nll_and_grad(W, stats, support=support)


class LinearModel(ModelPlugin):
    """The linear SEM as a model plug-in (``StableDAGLearner(model="linear")``).

    Training works on the second moments of the data-statistics stage
    (``stats.train`` and ``stats.val``; the rows too when ``lambda_disen >
    0``). Graph selection: the threshold whose DAG has the lowest extended
    BIC (:class:`~stabledag._scores.GaussianBIC` of ``stats.full``), then,
    with ``refine``, the order search under the same score started from the
    DAGs of that threshold and of :data:`REFINE_STARTS` (the lowest-score
    result wins), then, with ``lambda_disen > 0``, the orientation of
    covered edges by residual dependence; least-squares weights on the
    result.

    Examples
    --------
    >>> from stabledag.models import get_model
    >>> get_model("linear").name
    'linear'
    """

    name = "linear"

    def build(self, n_nodes, *, params, allowed, device, seed):
        return LinearSEM(
            n_nodes, equal_variances=bool(params["equal_variances"]), allowed=allowed, device=device
        )

    def training_mask(self, stats, ctx):
        """The edges training may use: the prior's, cut down by the screen when it is on.

        Parameters
        ----------
        stats : DataStatistics
        ctx : FitContext

        Returns
        -------
        ndarray of bool, shape (d, d)
        """
        d = stats.Z.shape[1]
        if not screen_active(ctx.params, d):
            return ctx.allowed
        keep = screen_pairs(stats.full.matrix, stats.full.n_eff)
        return ctx.allowed & (keep | ctx.required | ctx.required.T)

    def train(self, stats, config, ctx):
        module = self.build(
            stats.Z.shape[1],
            params=ctx.params,
            allowed=self.training_mask(stats, ctx),
            device=ctx.device,
            seed=ctx.seed,
        )
        train_stats = torch.tensor(stats.train.matrix, dtype=torch.float64, device=ctx.device)
        val_stats = torch.tensor(stats.val.matrix, dtype=torch.float64, device=ctx.device)
        data = (None, None)
        if config.lambda_disen > 0:  # the residual term needs the data, not only S
            center = stats.Z[stats.train_idx].mean(axis=0)
            data = data_tensors(stats.Z - center, stats.train_idx, stats.val_idx, ctx.device)
        return train(module, train_stats, val_stats, config, ctx.on_epoch, data), module

    def select_graph(self, weights, module, stats, config, ctx, *, refine):
        params, required = ctx.params, ctx.required
        S = stats.full.matrix
        score = GaussianBIC(S, stats.full.n_eff, bool(params["equal_variances"]))
        threshold, B = thresholded_dag(weights, params["threshold"], score, required, ctx.budget)
        if refine and not ctx.budget.expired("graph selection"):
            starts = [
                _graph.threshold_to_dag(weights, cut, required)
                for cut in (threshold,) + REFINE_STARTS
            ]
            starts.append(required.astype(int))  # the empty graph (plus required edges)
            screen = None
            if screen_active(params, S.shape[0]):  # the pairs training could use
                screen = module.mask.detach().cpu().numpy() != 0
            B = multi_start_order_search(
                score, starts, allowed=ctx.allowed, required=required, screen=screen
            )
        if params["lambda_disen"] > 0:  # the BIC is blind to what the dependence term learned
            B = orient_by_dependence(stats.Z, B, required=required, allowed=ctx.allowed)
        adjacency, variances = ols_weights(S, B)
        return FittedGraph(threshold, weights_on(B, adjacency), noise_variances(variances, params))
