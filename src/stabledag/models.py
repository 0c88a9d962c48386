"""Structural equation models: the protocols they meet and the registry that names them.

A *model* is two things:

1. **A torch module the training loop fits** (:class:`StructuralModel`):
   ``adjacency()`` returns the weighted adjacency ``W`` (``W[i, j] != 0``
   means ``i -> j``) with a gradient; ``prepare(X)`` turns a data tensor
   into the statistics its loss needs; ``recon_loss(stats)`` is the
   mean-reduced reconstruction loss. Optional methods unlock more:
   ``residuals(X)`` (the ``lambda_disen`` term), ``recon_loss_and_grad``
   and ``recon_loss_and_grad_numpy`` (closed-form fast paths of the loop),
   ``restrict_(allowed)`` and ``numpy_params()`` (refitting on a DAG).
2. **A plug-in the estimator calls** (:class:`ModelPlugin`): it builds
   the module, trains it with the shared loop, selects a graph from the
   learned weights and predicts each node from its parents (for
   ``score_samples``). The base class implements all of it for a model that
   is linear in ``W``; a model overrides only what differs.

Models are registered by name (:func:`register_model`) and found with
:func:`get_model`; ``StableDAGLearner(model=...)``, its parameter checks
and the command line read the registry. The built-in models are
:class:`stabledag.linear.LinearModel` and :class:`stabledag.mlp.MLPModel`,
imported when first asked for.

Adding a model: write a module with a torch module meeting
:class:`StructuralModel` and a :class:`ModelPlugin` subclass whose
:meth:`ModelPlugin.build` returns it, then ``register_model(MyModel())``.
"""

import importlib
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import effects as _effects
from ._scores import GaussianBIC, ols_weights
from ._selection import thresholded_dag
from ._training import data_tensors, train
from .graph import topological_order

__all__ = [
    "StructuralModel",
    "ModelPlugin",
    "FitContext",
    "TimeBudget",
    "FittedGraph",
    "selection_samples",
    "shift_effect",
    "simulate_sem",
    "register_model",
    "get_model",
    "available_models",
    "linear_memory_bytes",
    "noise_variances",
    "weights_on",
]


@runtime_checkable
class StructuralModel(Protocol):
    """What the training loop needs of a model: three methods.

    Parameters
    ----------
    *args, **kwargs
        A protocol is not instantiated; models define their own constructors.

    Examples
    --------
    >>> from stabledag.linear import LinearSEM
    >>> from stabledag.models import StructuralModel
    >>> isinstance(LinearSEM(3), StructuralModel)
    True
    """

    def adjacency(self):
        """The weighted adjacency ``W``, a (d, d) tensor with a gradient."""

    def prepare(self, X):
        """The statistics of the data tensor ``X`` that :meth:`recon_loss` takes.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, d)
            Centred data.

        Returns
        -------
        object
            Whatever :meth:`recon_loss` takes (the second-moment matrix, the
            rows themselves, ...).
        """

    def recon_loss(self, stats):
        """The mean-reduced reconstruction loss.

        Parameters
        ----------
        stats : object
            Output of :meth:`prepare`.

        Returns
        -------
        torch.Tensor
            A scalar with a gradient.
        """


class TimeBudget:
    """The ``max_time`` of one fit, shared by its stages.

    Parameters
    ----------
    seconds : float or None
        The budget; None means no limit.

    Attributes
    ----------
    ran_out_in : str or None
        The stage during which the budget ran out (``"training"`` or
        ``"graph selection"``), None while it has not.

    Examples
    --------
    >>> from stabledag.models import TimeBudget
    >>> budget = TimeBudget(None)
    >>> budget.expired("training"), budget.remaining()
    (False, None)
    """

    def __init__(self, seconds):
        self.deadline = None if seconds is None else time.perf_counter() + seconds
        self.ran_out_in = None

    def remaining(self):
        """Seconds left.

        Returns
        -------
        float or None
            At least 1e-9; None without a limit.
        """
        if self.deadline is None:
            return None
        return max(self.deadline - time.perf_counter(), 1e-9)

    def expired(self, stage):
        """Whether the budget has run out; the first stage to notice is recorded.

        Parameters
        ----------
        stage : str
            The stage asking (recorded in :attr:`ran_out_in`).

        Returns
        -------
        bool
        """
        if self.deadline is None or time.perf_counter() <= self.deadline:
            return False
        if self.ran_out_in is None:
            self.ran_out_in = stage
        return True


@dataclass(frozen=True)
class FitContext:
    """Everything a plug-in needs to know about one fit besides the data.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``StableDAGLearner.get_params()``).
    allowed : ndarray of bool, shape (d, d)
        Edges the prior knowledge allows (False on the diagonal).
    required : ndarray of bool, shape (d, d)
        Edges the prior knowledge requires.
    device : torch.device
        Where the model trains.
    seed : int
        Seed for the model's own random draws (drawn from ``random_state``).
    on_epoch : callable or None
        Called with every epoch's history record.
    budget : TimeBudget
        The fit's ``max_time``; graph selection stops early when it runs out.
    """

    params: dict
    allowed: np.ndarray
    required: np.ndarray
    device: Any = "cpu"
    seed: int = 0
    on_epoch: Any = None
    budget: TimeBudget = field(default_factory=lambda: TimeBudget(None))


@dataclass
class FittedGraph:
    """The selected graph of a fit, as plain NumPy values.

    Parameters
    ----------
    threshold : float
        The threshold that gave the graph before any refinement.
    adjacency : ndarray of shape (d, d)
        Weights of the selected DAG (its pattern is the graph).
    noise_var : ndarray of shape (d,)
        Residual variance of each node (standard units).
    params : dict of ndarray
        Model-specific fitted parameters used by :meth:`ModelPlugin.predict`
        (empty for the linear model, whose weights are ``adjacency``).
    """

    threshold: float
    adjacency: np.ndarray
    noise_var: np.ndarray
    params: dict = field(default_factory=dict)


#: What ``max_epochs="auto"`` means unless a model says otherwise
#: (:meth:`ModelPlugin.epoch_budget`).
DEFAULT_MAX_EPOCHS = 5000


class ModelPlugin:
    """Base class of the model plug-ins: train, select a graph, predict.

    The defaults fit a model that is linear in ``W``: :meth:`train` builds
    the module with :meth:`build` and runs the shared training loop on the
    statistics from the module's ``prepare``; :meth:`select_graph` cuts
    ``|W|`` at the threshold whose DAG has the lowest extended BIC of
    least-squares refits and refits the weights by least squares;
    :meth:`predict` is ``Z @ adjacency``. Subclasses set :attr:`name` and
    implement :meth:`build`, and override the rest as needed.

    Examples
    --------
    A linear SEM trained through autograd only (no closed-form fast path):

    >>> import numpy as np
    >>> from stabledag import StableDAGLearner
    >>> from stabledag.linear import LinearSEM
    >>> from stabledag.models import ModelPlugin, register_model
    >>> class AutogradLinear(LinearSEM):
    ...     recon_loss_and_grad = recon_loss_and_grad_numpy = None
    >>> class AutogradModel(ModelPlugin):
    ...     name = "autograd-linear-example"
    ...     def build(self, n_nodes, *, params, allowed, device, seed):
    ...         return AutogradLinear(n_nodes, allowed=allowed, device=device)
    >>> register_model(AutogradModel(), replace=True)
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=300)
    >>> X = np.column_stack([a, a + rng.normal(size=300)])
    >>> est = StableDAGLearner(model="autograd-linear-example", random_state=0).fit(X)
    >>> int(est.predict_graph().sum())
    1
    """

    #: The name the estimator's ``model`` parameter uses.
    name = None
    #: Estimator parameters that only this model reads (documentation; checked by the model).
    own_params = ()
    #: Whether ``adjacency`` holds the direct effects of a linear SEM (in training units):
    #: then :meth:`total_effect` is ``inv(I - W)`` rescaled to the data's units, and the
    #: estimator's ``possible_effects`` (IDA) and ``EdgeStability.effect_interval`` apply.
    linear_effects = False
    #: Whether the model learns from the data-statistics stage's second moments alone
    #: (``stats.train``, ``stats.val``, ``stats.full``), never from the rows: then missing
    #: cells (EM) and binary / ordinal columns or ranks (the latent correlation) are
    #: accepted; otherwise the estimator asks for complete continuous rows.
    moment_based = False

    def identifiability(self, params):
        """What the model's assumptions identify: the DAG, or only its equivalence class.

        The estimator stores the answer as ``identifiable_`` and
        ``identifiable_reason_``; the command line prints it next to the
        undirected edges of the class. The base class answers ``"class"``:
        a model that states no assumption beyond a Gaussian likelihood
        identifies the Markov equivalence class only.

        Parameters
        ----------
        params : dict
            The estimator's ``get_params()``.

        Returns
        -------
        level : {"class", "dag"}
            ``"dag"`` when the model's assumptions identify the directions
            of every edge, ``"class"`` when only the Markov equivalence
            class (skeleton and v-structures, closed under Meek's rules) is
            identified.
        reason : str
            The assumptions behind ``level``, in a sentence.

        Examples
        --------
        >>> from stabledag.models import get_model
        >>> get_model("linear").identifiability({"equal_variances": False, "lambda_disen": 0.0})[0]
        'class'
        """
        return (
            "class",
            f"model {self.name!r} states no assumption that identifies directions, so only "
            "the Markov equivalence class is identified from observational data.",
        )

    def total_effect(self, graph, scale, source, target, *, shift=None, Z=None):
        """The total effect of ``source`` on ``target`` in the data's units.

        The change in the mean of ``target`` per unit of ``source`` when
        ``source`` is moved by intervention. The base class gives the linear
        SEM's closed form ``inv(I - W)`` (:func:`stabledag.effects.total_effect`)
        when :attr:`linear_effects` is True and raises ``NotImplementedError``
        otherwise; a nonlinear model overrides it (e.g. with
        :func:`shift_effect`, as :class:`stabledag.mlp.MLPModel` does).

        Parameters
        ----------
        graph : FittedGraph
            The fit (``adjacency_``, ``noise_var_``, ``model_params_``).
        scale : ndarray of shape (d,)
            The columns' scales (``scale_``): training units times ``scale``
            are the data's units.
        source, target : int
            Node indices (distinct).
        shift : float or None
            Size of the intervention in the data's units (nonlinear models).
        Z : ndarray of shape (n_samples, d) or None
            Rows in training units over which a nonlinear effect is averaged.

        Returns
        -------
        float

        Raises
        ------
        NotImplementedError
            When the model does not compute effects.

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag.models import FittedGraph, get_model
        >>> graph = FittedGraph(0.0, np.array([[0.0, 0.5], [0.0, 0.0]]), np.ones(2))
        >>> get_model("linear").total_effect(graph, np.array([1.0, 10.0]), 0, 1)
        5.0
        """
        if not self.linear_effects:
            raise NotImplementedError(
                f"model {self.name!r} does not compute total effects (its plug-in sets "
                "linear_effects = False and does not override ModelPlugin.total_effect). "
                "Supported: the 'linear' model (closed form inv(I - W)) and the 'mlp' model "
                "(a shift intervention simulated through the fitted networks); a plug-in adds "
                "support by overriding total_effect, e.g. with stabledag.models.shift_effect."
            )
        return _effects.total_effect(graph.adjacency, source, target, scale=scale)

    def check_params(self, params):
        """Raise a ``ValueError`` for parameter values this model cannot use.

        Parameters
        ----------
        params : dict
            The estimator's ``get_params()``.
        """

    def epoch_budget(self, n_features, params):
        """The epoch budget of a fit: ``max_epochs``, or what ``"auto"`` means here.

        The base class reads ``max_epochs="auto"`` as :data:`DEFAULT_MAX_EPOCHS`
        (the budget is rarely reached: each stage of the schedule stops early).

        Parameters
        ----------
        n_features : int
            Number of variables.
        params : dict
            The estimator's ``get_params()``.

        Returns
        -------
        int

        Examples
        --------
        >>> from stabledag.models import ModelPlugin
        >>> ModelPlugin().epoch_budget(10, {"max_epochs": "auto"})
        5000
        >>> ModelPlugin().epoch_budget(10, {"max_epochs": 40})
        40
        """
        budget = params.get("max_epochs", "auto")
        return DEFAULT_MAX_EPOCHS if isinstance(budget, str) else int(budget)

    def memory_bytes(self, n_samples, n_features, params):
        """Bytes a fit will allocate at its peak (an estimate).

        Parameters
        ----------
        n_samples, n_features : int
            Shape of the data.
        params : dict
            The estimator's ``get_params()``.

        Returns
        -------
        int
            :func:`linear_memory_bytes` unless a model overrides it.
        """
        return linear_memory_bytes(n_samples, n_features)

    def build(self, n_nodes, *, params, allowed, device, seed):
        """A new :class:`StructuralModel` for ``n_nodes`` variables, edges within ``allowed``.

        Parameters
        ----------
        n_nodes : int
            Number of variables.
        params : dict
            The estimator's ``get_params()``.
        allowed : ndarray of bool, shape (n_nodes, n_nodes)
            Edges that may be nonzero (False on the diagonal).
        device : torch.device
            Where the parameters live.
        seed : int
            Seed for the model's random initialisation.

        Returns
        -------
        StructuralModel
        """
        raise NotImplementedError(f"{type(self).__name__} must implement build().")

    def new_module(self, stats, ctx):
        """:meth:`build` for the data in ``stats`` and the fit in ``ctx``.

        Parameters
        ----------
        stats : DataStatistics
            Prepared data (:mod:`stabledag._statistics`).
        ctx : FitContext
            The fit.

        Returns
        -------
        StructuralModel
        """
        return self.build(
            stats.Z.shape[1],
            params=ctx.params,
            allowed=ctx.allowed,
            device=ctx.device,
            seed=ctx.seed,
        )

    def train(self, stats, config, ctx):
        """Build the module and fit it with the shared loop; return ``(TrainingResult, module)``.

        Parameters
        ----------
        stats : DataStatistics
            Prepared rows, split and second moments (:mod:`stabledag._statistics`).
        config : TrainingConfig
            The loop's settings (``TrainingConfig.from_params``).
        ctx : FitContext
            The fit.

        Returns
        -------
        result : TrainingResult
        module : StructuralModel
            The trained module.
        """
        module = self.new_module(stats, ctx)
        data = data_tensors(stats.Z, stats.train_idx, stats.val_idx, ctx.device)
        prepared = module.prepare(data[0]), module.prepare(data[1])
        return train(module, *prepared, config, ctx.on_epoch, data), module

    def select_graph(self, weights, module, stats, config, ctx, *, refine):
        """Choose the DAG from the learned ``weights``.

        Parameters
        ----------
        weights : ndarray of shape (d, d)
            The trained module's adjacency.
        module : StructuralModel
            The trained module (refitted in place by models that refit).
        stats : DataStatistics
            Prepared data.
        config : TrainingConfig
            The loop's settings (for refits).
        ctx : FitContext
            The fit (parameters, prior masks, time budget).
        refine : bool
            False when the estimator asks for no refinement or when training
            ran out of ``max_time``.

        Returns
        -------
        FittedGraph
        """
        S = stats.full.matrix
        score = GaussianBIC(
            S,
            selection_samples(stats.full.n_eff, ctx.params),
            bool(ctx.params["equal_variances"]),
            strength=ctx.params["edge_penalty"],
            edge_inflation=getattr(stats.full, "edge_inflation", None),
        )
        threshold, B = thresholded_dag(
            weights, ctx.params["threshold"], score, ctx.required, ctx.budget
        )
        adjacency, variances = ols_weights(S, B)
        return FittedGraph(
            threshold, weights_on(B, adjacency), noise_variances(variances, ctx.params)
        )

    def predict(self, adjacency, params, Z):
        """Each node's prediction from its parents, for data in the training units.

        Parameters
        ----------
        adjacency : ndarray of shape (d, d)
            The fitted ``adjacency_``.
        params : dict
            The fitted ``model_params_``.
        Z : ndarray of shape (n_samples, d)
            Centred and scaled data.

        Returns
        -------
        ndarray of shape (n_samples, d)
        """
        return Z @ adjacency


def selection_samples(n_eff, params):
    """The sample size the graph-selection criterion counts: ``min(n_eff, max_selection_samples)``.

    Parameters
    ----------
    n_eff : float
        Effective sample size of the data statistics.
    params : dict
        The estimator's ``get_params()`` (``max_selection_samples``, None: no cap).

    Returns
    -------
    float

    Examples
    --------
    >>> from stabledag.models import selection_samples
    >>> selection_samples(10_000, {"max_selection_samples": 2000})
    2000
    """
    cap = params["max_selection_samples"]
    return n_eff if cap is None else min(n_eff, cap)


def simulate_sem(plugin, graph, n_samples, seed=0):
    """Rows drawn from a fitted SEM with Gaussian noise, in training units.

    Nodes are drawn in a topological order of ``graph.adjacency``: each is
    its prediction from its parents (``plugin.predict``) plus Gaussian noise
    of variance ``graph.noise_var`` (the model's own likelihood, as in
    ``score_samples``).

    Parameters
    ----------
    plugin : ModelPlugin
        The model (its ``predict``).
    graph : FittedGraph
        The fit.
    n_samples : int
        Rows to draw.
    seed : int, default=0
        Seed of a local ``numpy.random.Generator``.

    Returns
    -------
    ndarray of shape (n_samples, d)

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.models import FittedGraph, get_model, simulate_sem
    >>> graph = FittedGraph(0.0, np.array([[0.0, 2.0], [0.0, 0.0]]), np.array([1.0, 0.01]))
    >>> Z = simulate_sem(get_model("linear"), graph, 2000)
    >>> round(float(np.polyfit(Z[:, 0], Z[:, 1], 1)[0]), 1)
    2.0
    """
    A = np.asarray(graph.adjacency)
    d = A.shape[0]
    order = topological_order(A != 0)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n_samples, d)) * np.sqrt(np.asarray(graph.noise_var, float))
    Z = np.zeros((n_samples, d))
    for j in order:
        Z[:, j] = plugin.predict(A, graph.params, Z)[:, j] + noise[:, j]
    return Z


def _descendants(A, source):
    """Nodes reachable from ``source`` along edges of ``A`` (``source`` excluded)."""
    seen, stack = set(), [source]
    while stack:
        for child in np.flatnonzero(A[stack.pop()]):
            if int(child) not in seen:
                seen.add(int(child))
                stack.append(int(child))
    return seen


def shift_effect(plugin, graph, scale, source, target, *, shift=None, Z=None, n_draws=2000):
    """Average effect of a shift intervention, simulated through a fitted additive-noise SEM.

    Every row ``z`` keeps its noise ``e = z - f(z)`` (``f``: the model's
    ``predict``); ``source`` is moved by ``shift`` and its descendants are
    recomputed in causal order, ``z'_j = f_j(z') + e_j``. The result is the
    mean change of ``target`` divided by ``shift``, in units of ``target``
    per unit of ``source`` (the data's units). For a linear model this is
    exactly the total effect, whatever the shift; for a nonlinear one it is
    the average slope over the rows for a change of that size.

    Parameters
    ----------
    plugin : ModelPlugin
        The model (its ``predict``).
    graph : FittedGraph
        The fit.
    scale : array-like of shape (d,)
        Column scales (training units times ``scale`` = data units).
    source, target : int
        Node indices.
    shift : float or None, default=None
        The intervention, in units of ``source``; ``None``: one standard
        deviation of ``source`` over the rows.
    Z : ndarray of shape (n_samples, d) or None
        Rows in training units (e.g. the data, centred and scaled as in the
        fit); ``None`` draws ``n_draws`` rows from the fitted SEM
        (:func:`simulate_sem`, seed 0, so the result is reproducible).
    n_draws : int, default=2000
        Rows drawn when ``Z`` is None.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.models import FittedGraph, get_model, shift_effect
    >>> W = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    >>> graph = FittedGraph(0.0, W, np.ones(3))
    >>> round(shift_effect(get_model("linear"), graph, np.ones(3), 0, 2), 6)  # 2 * 3
    6.0
    """
    A = np.asarray(graph.adjacency)
    scale = np.asarray(scale, dtype=np.float64)
    if Z is None:
        Z = simulate_sem(plugin, graph, n_draws)
    Z = np.asarray(Z, dtype=np.float64)
    downstream = _descendants(A != 0, source)
    if target not in downstream:
        return 0.0
    if shift is None:
        step = float(np.std(Z[:, source]))
    else:
        shift = float(shift)
        if not np.isfinite(shift) or shift == 0:
            raise ValueError(f"shift must be a finite nonzero number, got {shift!r}.")
        step = shift / scale[source]
    if step == 0:
        raise ValueError(f"node {source} does not vary in the rows; pass a nonzero shift.")
    residual = Z - plugin.predict(A, graph.params, Z)
    moved = Z.copy()
    moved[:, source] += step
    for j in topological_order(A != 0):
        if j in downstream:
            moved[:, j] = plugin.predict(A, graph.params, moved)[:, j] + residual[:, j]
    change = float(np.mean(moved[:, target] - Z[:, target]))
    return float(change * scale[target] / (step * scale[source]))


def weights_on(B, W):
    """``W`` on the pattern of the DAG ``B``: zero off it, never exactly zero on it.

    An edge of the selected graph whose fitted weight is exactly 0 (a
    required edge between orthogonal columns, say) keeps the smallest
    positive float as its weight, so ``adjacency_ != 0`` is always the graph.

    Parameters
    ----------
    B : array-like of shape (d, d)
        The DAG, nonzero ``[i, j]`` meaning ``i -> j``.
    W : ndarray of shape (d, d)
        Fitted weights.

    Returns
    -------
    ndarray of shape (d, d)

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.models import weights_on
    >>> W = weights_on(np.array([[0, 1], [0, 0]]), np.zeros((2, 2)))
    >>> (W != 0).astype(int).tolist(), bool(W[0, 1] < 1e-300)
    ([[0, 1], [0, 0]], True)
    """
    B = np.asarray(B) != 0
    return np.where(B, np.where(W == 0, np.finfo(np.float64).tiny, W), 0.0)


def noise_variances(variances, params):
    """Per-node noise variances, replaced by their mean in the equal-variance mode.

    Parameters
    ----------
    variances : ndarray of shape (d,)
        Residual variances.
    params : dict
        The estimator's ``get_params()`` (``equal_variances``).

    Returns
    -------
    ndarray of shape (d,)

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.models import noise_variances
    >>> noise_variances(np.array([1.0, 3.0]), {"equal_variances": True}).tolist()
    [2.0, 2.0]
    """
    if params["equal_variances"]:
        return np.full_like(variances, variances.mean())
    return variances


# float64 (d, d) matrices alive at the peak of a linear fit: weights, gradients, optimiser
# moments, saved states, acyclicity terms and the second moments (about 32 were measured
# at d = 2000), and copies of the (n, d) data during validation and scaling.
_DD_MATRICES = 48
_ND_COPIES = 8


def linear_memory_bytes(n_samples, n_features):
    """The linear model's peak memory, ``8 * (48 d**2 + 8 n d)`` bytes (float64).

    Parameters
    ----------
    n_samples, n_features : int
        Shape of the data.

    Returns
    -------
    int

    Examples
    --------
    >>> from stabledag.models import linear_memory_bytes
    >>> linear_memory_bytes(1000, 10)
    678400
    """
    return 8 * (_DD_MATRICES * n_features**2 + _ND_COPIES * n_samples * n_features)


_REGISTRY = {}
# Built-in models, imported on first use: name -> "module:class".
_BUILTIN = {
    "linear": "stabledag.linear:LinearModel",
    "mlp": "stabledag.mlp:MLPModel",
}


def register_model(plugin, *, replace=False):
    """Make a model available to ``StableDAGLearner(model=plugin.name)`` and the CLI.

    Parameters
    ----------
    plugin : ModelPlugin
        An instance with a string ``name``.
    replace : bool, default=False
        Allow replacing a registered model of the same name.

    Examples
    --------
    >>> from stabledag.models import ModelPlugin, available_models, register_model
    >>> class Toy(ModelPlugin):
    ...     name = "toy-example"
    >>> register_model(Toy(), replace=True)
    >>> "toy-example" in available_models()
    True
    """
    name = getattr(plugin, "name", None)
    if not isinstance(name, str) or not name:
        raise ValueError(f"A model plug-in needs a non-empty string name, got {name!r}.")
    if not replace and (name in _REGISTRY or name in _BUILTIN):
        raise ValueError(f"A model named {name!r} is already registered; pass replace=True.")
    _REGISTRY[name] = plugin


def available_models():
    """Names of the registered models, built-ins first.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from stabledag.models import available_models
    >>> available_models()[:2]
    ['linear', 'mlp']
    """
    return list(_BUILTIN) + sorted(n for n in _REGISTRY if n not in _BUILTIN)


def get_model(model):
    """The plug-in for ``model``: a registered name, or a plug-in instance itself.

    Parameters
    ----------
    model : str or ModelPlugin
        The estimator's ``model``.

    Returns
    -------
    ModelPlugin

    Raises
    ------
    ValueError
        For an unknown name, listing the registered ones.

    Examples
    --------
    >>> from stabledag.models import get_model
    >>> get_model("linear").name
    'linear'
    """
    if isinstance(model, ModelPlugin):
        return model
    if isinstance(model, str):
        if model not in _REGISTRY and model in _BUILTIN:
            module_name, class_name = _BUILTIN[model].split(":")
            _REGISTRY[model] = getattr(importlib.import_module(module_name), class_name)()
        if model in _REGISTRY:
            return _REGISTRY[model]
    raise ValueError(
        f"model must be one of {available_models()} or a ModelPlugin instance, got {model!r}. "
        "Register new models with stabledag.models.register_model."
    )
