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

import numpy as np
import torch

from . import _linear_numpy
from . import graph as _graph
from ._orient import orient_by_dependence
from ._scores import MEMO_BUDGET, GaussianBIC, ols_weights
from ._screen import screen_pairs
from ._search import (
    CACHE_ENTRIES,
    SCAN_CACHE_BYTES,
    equal_variance_order,
    multi_start_order_search,
)
from ._selection import thresholded_dag
from ._training import data_tensors, train
from .losses import gaussian_nll, gaussian_nll_and_grad, squared_loss, squared_loss_and_grad
from .models import (
    FittedGraph,
    ModelPlugin,
    linear_memory_bytes,
    noise_variances,
    selection_samples,
    weights_on,
)

__all__ = [
    "LinearSEM",
    "LinearModel",
    "REFINE_STARTS",
    "RANDOM_STARTS",
    "SCREEN_AUTO_MIN_NODES",
    "SEARCH_CACHE_BYTES",
    "screen_active",
]

# Extra thresholds whose DAGs also seed the order search (the lowest-BIC result wins).
REFINE_STARTS = (0.05, 0.1, 0.2, 0.3, 0.5)
# Starts from random causal orders (a chain in each order): the search from the learned
# weights and from the empty graph alone got stuck on 4 of 100 small ER graphs (d = 8,
# 12 edges) at a graph whose EBIC was worse than the true graph's; from a random order it
# reaches the lower optimum about half the time (benchmarks/search_robustness.py). Each
# such search costs about as much as the others together at d = 50, so their number falls
# with d: RANDOM_STARTS up to d = 20, then RANDOM_STARTS_NODES // d (none past d = 160).
RANDOM_STARTS = 8
RANDOM_STARTS_NODES = 160
#: ``max_epochs="auto"`` where the equal-variance order leads the screened search
#: (:meth:`LinearModel.epoch_budget`): chosen on the design seeds 0-1 at d = 300.
ORDER_START_EPOCHS = 100


def _chain_start(order, required, allowed):
    """A start for the order search that encodes ``order`` (a chain through it).

    Chain links the prior forbids are left out and the required edges added: the
    order alone is what the search starts from (it re-chooses every parent set).
    """
    d = len(order)
    chain = np.zeros((d, d), dtype=int)
    chain[np.asarray(order[:-1], dtype=np.intp), np.asarray(order[1:], dtype=np.intp)] = 1
    return (chain & allowed) | required


def _random_order_starts(d, count, seed, required, allowed):
    """``count`` chains through random causal orders (from ``seed``) that respect the prior.

    Each order is a topological order of the required edges that breaks ties by a
    random rank, so required parents always come first (see :func:`_chain_start`).
    """
    rng = np.random.default_rng([seed, 1])
    starts = []
    for _ in range(count):
        rank = rng.permutation(d)
        waiting = required.sum(axis=0).astype(int)
        ready = {j for j in range(d) if waiting[j] == 0}
        order = []
        while ready:
            node = min(ready, key=rank.__getitem__)
            ready.remove(node)
            order.append(node)
            for child in np.flatnonzero(required[node]):
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.add(int(child))
        starts.append(_chain_start(order, required, allowed))
    return starts


#: Most bytes the order search's caches hold (the score's memo, a selector's scans and its
#: chosen parent sets, about 512 bytes each); the memory check counts them with ``refine``.
SEARCH_CACHE_BYTES = MEMO_BUDGET + SCAN_CACHE_BYTES + 512 * CACHE_ENTRIES

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
        >>> float(LinearSEM(2).adjacency().detach().sum())
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
        >>> float(model.recon_loss(torch.eye(2, dtype=torch.float64)).detach())
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
    DAGs of that threshold and of :data:`REFINE_STARTS`, from the empty graph
    and from :data:`RANDOM_STARTS` random causal orders (fewer past 20
    variables, none past 160: they cost as much as the rest; the lowest-score
    result wins); with ``equal_variances=True`` also from the top-down
    equal-variance order (:func:`~stabledag._search.equal_variance_order`),
    and, when the candidate screen is on, from that order and the selected
    threshold's DAG only (with ``max_epochs="auto"`` training then stops at
    :data:`ORDER_START_EPOCHS`: :meth:`epoch_budget`); then, with
    ``lambda_disen > 0``, the orientation of
    covered edges by residual dependence; least-squares weights on the
    result.

    Examples
    --------
    >>> from stabledag.models import get_model
    >>> get_model("linear").name
    'linear'
    """

    name = "linear"
    #: Thresholds whose DAGs also start the order search.
    refine_starts = REFINE_STARTS
    #: Whether the empty graph (plus required edges) starts it too.
    empty_start = True
    #: How many random causal orders start it too (drawn from ``random_state``).
    random_starts = RANDOM_STARTS
    #: Whether, with ``equal_variances=True``, the top-down equal-variance order starts it too.
    order_start = True
    #: ``adjacency`` holds the SEM's direct effects: total effects, IDA and intervals apply.
    linear_effects = True
    #: Learns from the statistics stage's moments (rows only with ``lambda_disen > 0``).
    moment_based = True

    def epoch_budget(self, n_features, params):
        """``max_epochs``; ``"auto"`` is :data:`ORDER_START_EPOCHS` where the order start leads.

        That is the equal-variance mode with the candidate screen on and
        ``refine=True``: the order search starts from the top-down
        equal-variance order and from the continuous fit's selected cut
        only, and a longer fit did not change the searched graph (design
        seeds; see the user guide's page on large graphs) while its cost
        grows as ``d**3`` an epoch. Elsewhere 5000, as in the base class.

        Examples
        --------
        >>> from stabledag import StableDAGLearner
        >>> from stabledag.models import get_model
        >>> params = StableDAGLearner(standardize=False, equal_variances=True).get_params()
        >>> model = get_model("linear")
        >>> model.epoch_budget(500, params), model.epoch_budget(50, params)
        (100, 5000)
        """
        if params.get("max_epochs", "auto") == "auto" and self._order_leads(params, n_features):
            return ORDER_START_EPOCHS
        return super().epoch_budget(n_features, params)

    def _order_leads(self, params, d):
        """Whether the screened equal-variance search starts from the order and one cut only."""
        return (
            self.order_start
            and bool(params.get("equal_variances"))
            and bool(params.get("refine", True))
            and screen_active(params, d)
        )

    def memory_bytes(self, n_samples, n_features, params):
        """:func:`~stabledag.models.linear_memory_bytes`, plus the search's caches with ``refine``.

        The order search's caches are bounded (:data:`SEARCH_CACHE_BYTES`,
        about 0.5 GiB): counted in full whenever the search runs, although
        small problems never fill them.

        Examples
        --------
        >>> from stabledag import StableDAGLearner
        >>> from stabledag.models import get_model, linear_memory_bytes
        >>> params = StableDAGLearner(refine=False).get_params()
        >>> get_model("linear").memory_bytes(1000, 10, params) == linear_memory_bytes(1000, 10)
        True
        """
        extra = SEARCH_CACHE_BYTES if params.get("refine", True) else 0
        return linear_memory_bytes(n_samples, n_features) + extra

    def identifiability(self, params):
        """The directions are identified only under extra assumptions; see the class docs.

        - default (per-node noise variances, ``lambda_disen == 0``): the
          Gaussian likelihood of Markov-equivalent DAGs is equal, so only the
          equivalence class is identified;
        - ``equal_variances=True``: every DAG is identified when all noise
          variances are equal in the units the model sees (the data's units
          with ``standardize=False``; unit variances after standardizing,
          which rarely holds, otherwise) (Peters and Buehlmann 2014);
        - ``lambda_disen > 0``: the directions the class leaves open are
          chosen by residual independence, which identifies them when the
          noise is non-Gaussian and independent (LiNGAM's assumption,
          Shimizu et al. 2006); with Gaussian noise they are arbitrary.

        Parameters
        ----------
        params : dict
            The estimator's ``get_params()``.

        Returns
        -------
        level : {"class", "dag"}
        reason : str

        Examples
        --------
        >>> from stabledag.models import get_model
        >>> level, reason = get_model("linear").identifiability(
        ...     {"equal_variances": True, "lambda_disen": 0.0, "standardize": False})
        >>> level
        'dag'
        """
        reasons = []
        if params.get("equal_variances"):
            units = (
                "in the data's units"
                if not params.get("standardize", True)
                else "after standardizing (standardize=True: unit noise variances of the "
                "standardized columns, which rarely holds)"
            )
            reasons.append(
                f"equal_variances=True assumes equal noise variances {units}, under which "
                "the DAG itself is identified"
            )
        if params.get("lambda_disen", 0) > 0:
            reasons.append(
                "lambda_disen > 0 orients the edges the class leaves open by residual "
                "independence, which identifies them if the noise is non-Gaussian and "
                "independent (with Gaussian noise these directions are arbitrary)"
            )
        if reasons:
            return "dag", "; ".join(reasons) + "; no hidden confounders assumed."
        return (
            "class",
            "the unit-free Gaussian linear model gives Markov-equivalent DAGs the same "
            "likelihood, so only the equivalence class is identified: the directions of its "
            "undirected edges are not identifiable from these data under this model "
            "(no hidden confounders assumed).",
        )

    def build(self, n_nodes, *, params, allowed, device, seed):
        return LinearSEM(
            n_nodes, equal_variances=bool(params["equal_variances"]), allowed=allowed, device=device
        )

    def training_mask(self, stats, ctx):
        """The edges training may use: the prior's, cut down by the screen when it is on.

        Parameters
        ----------
        stats : DataStatistics
            Prepared rows, split and second moments (:mod:`stabledag._statistics`);
            the screen reads ``stats.full``.
        ctx : FitContext
            The fit (its parameters, allowed and required edges).

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
        score = GaussianBIC(
            S,
            selection_samples(stats.full.n_eff, params),
            bool(params["equal_variances"]),
            strength=params["edge_penalty"],
            edge_inflation=getattr(stats.full, "edge_inflation", None),
        )
        threshold, B = thresholded_dag(weights, params["threshold"], score, required, ctx.budget)
        if refine and not ctx.budget.expired("graph selection"):
            starts = [
                _graph.threshold_to_dag(weights, cut, required)
                for cut in (threshold,) + tuple(self.refine_starts)
            ]
            if self.empty_start:
                starts.append(required.astype(int))  # the empty graph (plus required edges)
            d = len(weights)
            screen = None
            if screen_active(params, d):  # the pairs training could use
                screen = module.mask.detach().cpu().numpy() != 0
            leads = self._order_leads(params, d)
            if self.order_start and params["equal_variances"]:
                # the equal-variance mode's own top-down order (consistent under its assumption)
                order = equal_variance_order(S, screen, required)
                order_start = _chain_start(order, required, ctx.allowed)
                if leads:  # the selected cut and the order (see above)
                    starts = starts[:1]
                starts.append(order_start)
            if not leads:
                count = min(self.random_starts, RANDOM_STARTS_NODES // d)
                starts += _random_order_starts(d, count, ctx.seed, required, ctx.allowed)
            B = multi_start_order_search(
                score, starts, allowed=ctx.allowed, required=required, screen=screen
            )
        if params["lambda_disen"] > 0:  # the BIC is blind to what the dependence term learned
            B = orient_by_dependence(stats.Z, B, required=required, allowed=ctx.allowed)
        adjacency, variances = ols_weights(S, B)
        return FittedGraph(threshold, weights_on(B, adjacency), noise_variances(variances, params))
