"""``StableDAGLearner``: the scikit-learn face of stabledag.

Parameters, validation and fitted attributes only; the tensor math lives in
:mod:`stabledag._training`, :mod:`stabledag.models` and the modules they use.
"""

from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _diagnostics
from . import graph as _graph
from ._fitting import fit_model
from ._prior import resolve_prior
from ._statistics import collinear_columns, prepare_statistics
from ._validation import check_memory, check_params, explain_input_error, local_random_state
from .exceptions import DiagnosticWarning
from .metrics import _LOWER_IS_BETTER, GRAPH_METRICS
from .models import get_model

__all__ = ["StableDAGLearner"]


class StableDAGLearner(DensityMixin, BaseEstimator):
    r"""Learn a causal DAG from observational data by stable continuous optimisation.

    A linear structural equation model ``X = X W + E`` is fitted by minimising

    .. math::

        \lambda_{recon} L(W) + \lambda_{sparse} \tfrac{1}{d}\|W\|_1
        + \lambda_{acyclic} \gamma^k \tfrac{1}{d} h(W)

    over stages ``k = 0, 1, ...`` of an acyclicity schedule, where ``L`` is
    the unit-free Gaussian likelihood with one noise variance per node
    (default) or equal-variance least squares, ``h`` the log-det acyclicity
    function and ``gamma = acyclic_growth``. Every term is mean-reduced over
    samples and nodes so the lambdas are comparable across datasets.
    Training uses Adam with weight decay, gradient-norm clipping,
    ``ReduceLROnPlateau`` and early stopping on a validation split, and
    records a per-epoch history. The thresholded graph is always acyclic.

    Other models plug in through :mod:`stabledag.models`: the nonlinear
    :class:`stabledag.mlp.MLPSEM` (``X_j = f_j(X) + E_j``, NOTEARS-MLP's
    locally connected networks, ``W[i, j]`` the norm of ``f_j``'s
    first-layer weights on ``x_i``) runs through the same loop,
    acyclicity schedule and DAG guarantee.

    Parameters
    ----------
    model : str or ModelPlugin, default="linear"
        The structural equation model: a name from
        :func:`stabledag.models.available_models` or a
        :class:`~stabledag.models.ModelPlugin` instance. Built in: the
        linear SEM (:class:`stabledag.linear.LinearModel`) and the MLP SEM
        (:class:`stabledag.mlp.MLPModel`, name ``mlp``: one sigmoid MLP with
        ``hidden_units`` hidden units per node; its threshold is chosen by a
        random-feature BIC, the graph may be replaced by an additive-model
        search's (``refine``), and the networks are then refitted with the
        selected graph as a mask). Measured on the reference nonlinear data
        (``benchmarks/README.md``) with the budget ``n_iter_no_change=10,
        max_epochs=800``: the default unit-free mode for standardized data or
        data in arbitrary units, ``standardize=False, equal_variances=True``
        for raw data sharing units and noise scale.
    hidden_units : int, default=10
        Hidden units per node of the MLP model; unused by the linear one.
    lambda_recon : float, default=1.0
        Weight of the reconstruction (likelihood) term.
    lambda_sparse : float, default=0.02
        Weight of the L1 penalty (mean over nodes of incoming L1 norms).
    lambda_acyclic : float, default=1.0
        Weight of ``h(W)`` in the first stage; multiplied by
        ``acyclic_growth`` at each later stage.
    lambda_disen : float, default=0.0
        Weight of the disentanglement term
        (:func:`stabledag.losses.residual_dependence`), for both models: the
        mean over pairs of nodes of squared (nonlinear) correlations between
        their residuals, in [0, 1]. Correct SEMs have independent noise
        terms; with non-Gaussian noise a wrongly oriented edge leaves
        dependent residuals, so the term can orient edges where the
        Gaussian likelihood cannot (standardized data, equal likelihoods of
        Markov-equivalent graphs). For the linear model, a nonzero value
        also makes the selected graph's edges that the BIC leaves open
        (covered edges) be oriented by the same measure on the
        least-squares residuals (:mod:`stabledag._orient`); the BIC, the
        skeleton and the v-structures are unchanged. It cannot help with
        Gaussian noise, and it turns off the linear model's closed-form
        fast path (slower training). See ``benchmarks/results/`` for
        measured effects.
    equal_variances : bool, default=False
        If True, least squares with one shared noise variance: right only
        when all variables share units and noise scale (use with
        ``standardize=False``). If False, the per-node-variance likelihood,
        which does not depend on units.
    standardize : bool, default=True
        Scale every column to unit variance before training (columns are
        always centred). Weights and thresholds are then in standard units.
    acyclicity : {"logdet", "expm"}, default="logdet"
        The acyclicity function ``h`` (see :mod:`stabledag.acyclicity`).
    learning_rate : float, default=1e-2
        Initial Adam learning rate of every stage.
    weight_decay : float, default=1e-4
        Adam's L2 weight decay.
    max_grad_norm : float, default=1.0
        Gradient-norm clipping bound; the share of clipped steps per epoch is
        recorded as ``clip_ratio``.
    lr_factor : float, default=0.5
        ``ReduceLROnPlateau`` multiplier.
    lr_patience : int, default=3
        Epochs without validation improvement before the learning rate is cut.
    max_epochs : int, default=5000
        Budget of epochs over all stages.
    max_time : float or None, default=None
        Budget of training time in seconds, checked after every epoch. When
        it runs out, training stops with a ``ConvergenceWarning`` naming
        ``max_time``, the best weights of the current stage are kept, the
        threshold is still selected and the graph is still a DAG, but the
        order-search refinement is skipped so that ``fit`` returns promptly.
        None means no limit.
    steps_per_epoch : int, default=10
        Full-batch optimiser steps per epoch.
    validation_fraction : float, default=0.1
        Share of samples held out for the scheduler and early stopping; 0
        uses the training objective instead.
    n_iter_no_change : int, default=5
        Epochs without validation improvement (by more than ``tol``) that end
        a stage; the stage's best weights are then restored.
    tol : float, default=1e-5
        Smallest decrease of the validation objective counted as improvement.
    n_stages : int, default=5
        Most stages of the acyclicity schedule.
    acyclic_growth : float, default=10.0
        Factor by which the acyclicity weight grows per stage.
    h_tol : float, default=1e-6
        Training stops when ``h(W) <= h_tol``; otherwise a
        ``ConvergenceWarning`` is raised.
    threshold : "auto" or float, default="auto"
        Edges with ``|w| <= threshold`` are dropped. ``"auto"`` picks the
        threshold whose refitted DAG has the lowest extended BIC on the training data.
    refine : bool, default=True
        Linear model: refine the thresholded graph by a greedy search over
        causal orders that lowers its extended BIC under the same noise
        model (:mod:`stabledag._search`), started from the DAGs of several
        thresholds of the learned weights; the lowest-BIC result is kept.
        MLP model: a second DAG is proposed by a greedy add-and-prune search
        under a spline model with pairwise products of parents (CAM's search,
        :mod:`stabledag._additive`) and kept instead of the thresholded one
        when the nonlinear BIC that chose the threshold prefers it (not with
        ``lambda_disen > 0``: those Gaussian scores cannot see the directions
        the dependence term learned).
    screen : "auto" or bool, default="auto"
        Linear model, for many variables: before training and search, cut
        the candidate edges down to the pairs of variables that a cheap,
        unit-free test on the correlation matrix keeps (forward-selection
        neighbourhoods and partial correlations; :mod:`stabledag._screen`).
        Training then holds every other weight at zero and the order search
        works within the kept pairs, after which it admits every
        screened-out edge that would still lower the BIC, so no single edge
        the screen dropped can improve the returned graph. Prior knowledge
        applies on top; required edges are always kept. ``"auto"`` screens
        from 200 variables on (``stabledag.linear.SCREEN_AUTO_MIN_NODES``);
        ``benchmarks/scale.py`` reports how many true edges the screen
        drops and what it saves. Unused by the MLP model.
    forbidden_edges : list of (parent, child) pairs, default=None
        Edges that may not appear (held at exactly zero in training and
        absent from every output). Nodes are column names (DataFrame input)
        or integer positions.
    required_edges : list of (parent, child) pairs, default=None
        Edges present in every output, whatever the threshold. They must
        form a DAG and agree with ``forbidden_edges`` and ``tiers``.
    tiers : sequence of groups of nodes, default=None
        E.g. ``[["age", "sex"], ["treatment"], ["outcome"]]``: no edge may
        point from a later tier to an earlier one. Nodes in no tier are
        unconstrained.
    random_state : int, RandomState instance or None, default=None
        Seeds the validation split (and any random draw); same seed, same graph.
    verbose : int, default=0
        0 silent, 1 a line per stage, 2 a line per epoch.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``.

    Attributes
    ----------
    adjacency_ : ndarray of shape (n_features_in_, n_features_in_)
        Weights of the selected graph (thresholded, made acyclic, refined),
        refitted by least squares (MLP model: the first-layer weight norms of
        the refitted networks); ``adjacency_[i, j] != 0`` means ``i -> j``.
        Its pattern is always a DAG.
    raw_adjacency_ : ndarray of shape (n_features_in_, n_features_in_)
        Weights before thresholding.
    threshold_ : float
        The threshold used for ``adjacency_``.
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Centring and scaling applied before training.
    noise_var_ : ndarray of shape (n_features_in_,)
        Residual variance of each node under ``adjacency_`` (standard units;
        MLP model: of the refitted networks on the training split).
    model_params_ : dict of ndarray
        Model-specific fitted parameters (empty for the linear model; the MLP
        model's refitted networks, see
        :meth:`stabledag.mlp.MLPSEM.numpy_params`), masked to the selected
        graph.
    history_ : list of dict
        One record per epoch: ``epoch``, ``stage``, ``train_loss``, ``recon``,
        ``sparse``, ``h``, ``val_loss``, ``val_recon``, ``grad_norm``,
        ``clip_ratio``, ``lr``, ``acyclic_weight``, ``n_edges``,
        ``threshold``, ``time``.
    n_iter_ : int
        Epochs run.
    converged_ : bool
        Whether ``h(W) <= h_tol`` at the end.
    node_names_ : ndarray of str
        DataFrame columns, else ``x0 ... x{d-1}``.
    edge_mask_ : ndarray of bool, shape (n_features_in_, n_features_in_)
        Edges allowed by the prior knowledge (False on the diagonal).
    required_mask_ : ndarray of bool, shape (n_features_in_, n_features_in_)
        Edges required by the prior knowledge.
    n_features_in_ : int
        Number of variables (columns) seen in ``fit``.
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names.

    See Also
    --------
    stabledag.metrics.graph_scorer : ``scoring=`` for searches with a known graph.

    Notes
    -----
    **Inputs.** ``X`` must be a dense, real, finite array of at least 2
    samples and 2 variables with no constant column; anything else is a
    ``ValueError`` or ``TypeError`` that names the problem and the fix (the
    user guide's *Inputs* page lists every case). ``X`` itself is never
    modified.

    **Failures.** A fit that does not finish, whether it raises (bad input,
    persistent numerical failure, ``MemoryError`` when the model would not
    fit in memory) or is interrupted (``KeyboardInterrupt``), leaves the
    estimator *unfitted*, even if it was fitted before: every fitted
    attribute is removed, so a stale or half-built model cannot be used by
    mistake.

    **Persistence.** Fitted estimators pickle (and ``joblib.dump``) to plain
    NumPy arrays and Python values. Loading a pickle runs code chosen by
    whoever wrote the file: only load files from sources you trust.

    Examples
    --------
    >>> from stabledag import StableDAGLearner
    >>> from stabledag.datasets import simulate_dag, simulate_linear_sem
    >>> B = simulate_dag(5, 5, "ER", random_state=0)
    >>> X = simulate_linear_sem(B, 500, random_state=0)
    >>> est = StableDAGLearner(random_state=0).fit(X)
    >>> est.predict_graph().shape
    (5, 5)
    """

    def __init__(
        self,
        *,
        model="linear",
        hidden_units=10,
        lambda_recon=1.0,
        lambda_sparse=0.02,
        lambda_acyclic=1.0,
        lambda_disen=0.0,
        equal_variances=False,
        standardize=True,
        acyclicity="logdet",
        learning_rate=1e-2,
        weight_decay=1e-4,
        max_grad_norm=1.0,
        lr_factor=0.5,
        lr_patience=3,
        max_epochs=5000,
        max_time=None,
        steps_per_epoch=10,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-5,
        n_stages=5,
        acyclic_growth=10.0,
        h_tol=1e-6,
        threshold="auto",
        refine=True,
        screen="auto",
        forbidden_edges=None,
        required_edges=None,
        tiers=None,
        random_state=None,
        verbose=0,
        device="cpu",
    ):
        self.model = model
        self.hidden_units = hidden_units
        self.lambda_recon = lambda_recon
        self.lambda_sparse = lambda_sparse
        self.lambda_acyclic = lambda_acyclic
        self.lambda_disen = lambda_disen
        self.equal_variances = equal_variances
        self.standardize = standardize
        self.acyclicity = acyclicity
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.max_grad_norm = max_grad_norm
        self.lr_factor = lr_factor
        self.lr_patience = lr_patience
        self.max_epochs = max_epochs
        self.max_time = max_time
        self.steps_per_epoch = steps_per_epoch
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.n_stages = n_stages
        self.acyclic_growth = acyclic_growth
        self.h_tol = h_tol
        self.threshold = threshold
        self.refine = refine
        self.screen = screen
        self.forbidden_edges = forbidden_edges
        self.required_edges = required_edges
        self.tiers = tiers
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    # ------------------------------------------------------------------ checks
    def _check_columns_vary(self, X):
        constant = np.flatnonzero(np.ptp(X, axis=0) == 0)
        if constant.size:
            names = ", ".join(repr(str(self.node_names_[j])) for j in constant)
            raise ValueError(
                f"Column(s) {names} of X are constant; a constant variable has no "
                "causal relation to learn. Drop them before fitting."
            )

    # --------------------------------------------------------------------- fit
    def fit(self, X, y=None, *, on_epoch=None):
        """Learn the DAG from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observations, one column per variable (ndarray or DataFrame).
        y : None
            Ignored; present for scikit-learn compatibility.
        on_epoch : callable, optional
            Called with each epoch's history record as training goes (e.g. to
            drive a progress bar). Not a hyperparameter: it is not stored.

        Returns
        -------
        self : StableDAGLearner
            The fitted estimator.

        Raises
        ------
        ValueError or TypeError
            Invalid parameters or input (NaN, infinity, strings, complex or
            sparse data, a constant column, repeated column names, fewer than
            2 samples or 2 variables); the message names the fix.
        MemoryError
            Before training, when the model would not fit in memory.
        FloatingPointError
            When training keeps producing non-finite values after
            ``learning_rate`` has been halved repeatedly.

        After any exception (``KeyboardInterrupt`` included) the estimator
        is unfitted.

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import StableDAGLearner
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=300)
        >>> X = np.column_stack([a, 2 * a + rng.normal(size=300)])
        >>> StableDAGLearner(random_state=0).fit(X).n_features_in_
        2
        """
        try:
            device = check_params(self.get_params())
            X = self._validate_X(X)
            result, findings = self._learn(X, device, on_epoch)
            _diagnostics.emit(self, result, findings)
        except BaseException:  # KeyboardInterrupt too: never leave a half-fitted model
            self._discard_fit()
            raise
        return self

    def _discard_fit(self):
        """Remove every fitted attribute (those ``check_is_fitted`` looks for)."""
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)

    def _validate_X(self, X):
        """``validate_data`` with hints on fixing the input; set ``node_names_``."""
        counts = Counter(getattr(X, "columns", []))
        repeated = sorted(str(c) for c, k in counts.items() if k > 1)
        if repeated:  # before validate_data, whose handling depends on the sklearn version
            raise ValueError(
                f"X has repeated column names {repeated}; every variable needs its own "
                "name to be a node. Rename the columns (e.g. df.columns = [...]) or drop "
                "the duplicates."
            )
        try:
            X = validate_data(
                self, X, dtype=np.float64, ensure_min_samples=2, ensure_min_features=2
            )
        except (ValueError, TypeError) as exc:
            explained = explain_input_error(exc)
            if explained is exc:
                raise
            raise explained from exc
        names = getattr(self, "feature_names_in_", None)
        self.node_names_ = np.asarray(
            names if names is not None else [f"x{i}" for i in range(X.shape[1])], dtype=object
        )
        self._check_columns_vary(X)
        check_memory(*X.shape, get_model(self.model).memory_bytes(*X.shape, self.get_params()))
        return X

    def _learn(self, X, device, on_epoch):
        """Prior, data statistics, training and graph selection.

        Returns the ``FitResult`` and the findings of the input checks.
        """
        self.edge_mask_, self.required_mask_ = resolve_prior(
            self.forbidden_edges,
            self.required_edges,
            self.tiers,
            [str(n) for n in self.node_names_],
            getattr(self, "feature_names_in_", None) is not None,
        )
        rng = local_random_state(self.random_state)
        stats = prepare_statistics(
            X,
            standardize=self.standardize,
            validation_fraction=self.validation_fraction,
            rng=rng,
            names=self.node_names_,
        )
        self.mean_, self.scale_ = stats.mean, stats.scale
        findings = self._input_findings(stats)
        fit = fit_model(
            get_model(self.model),
            stats,
            self.get_params(),
            allowed=self.edge_mask_,
            required=self.required_mask_,
            device=device,
            seed=int(rng.randint(0, 2**31 - 1)),  # drawn after the split
            on_epoch=on_epoch,
        )
        training, graph = fit.training, fit.graph
        self.raw_adjacency_ = training.weights
        self.threshold_ = graph.threshold
        self.adjacency_ = graph.adjacency
        self.noise_var_ = graph.noise_var
        self.model_params_ = graph.params
        self.history_, self.n_iter_ = training.history, training.n_iter
        self.converged_ = training.converged
        return fit, findings

    def _input_findings(self, stats):
        """Problems of the data themselves, reported with the fit's other findings."""
        n, d = stats.Z.shape
        if n <= d:
            return [
                (
                    DiagnosticWarning,
                    f"X has {n} rows for {d} variables: with n <= d the second-moment "
                    "matrix is singular, every variable is an exact linear function of the "
                    "others in-sample, and the BIC cannot tell real edges from fitted "
                    "noise. Collect more rows or select fewer variables.",
                )
            ]
        dependent = collinear_columns(stats.full.matrix)
        if not dependent:
            return []
        names = ", ".join(repr(str(self.node_names_[j])) for j in dependent)
        return [
            (
                DiagnosticWarning,
                f"Column(s) {names} of X are (almost) exact linear combinations of other "
                "columns: the regressions that involve them are not identifiable and the "
                "edges among them are arbitrary. Drop one column of each such group, or "
                "combine them.",
            )
        ]

    # ----------------------------------------------------------------- outputs
    def predict_graph(self, threshold=None):
        """The learned graph as a 0/1 adjacency matrix, always acyclic.

        Parameters
        ----------
        threshold : float or None, default=None
            ``None`` returns the selected graph, the pattern of
            ``adjacency_``. A float cuts ``|raw_adjacency_|`` there (no
            refinement); the weakest edges on cycles are then dropped, so
            the result is a DAG for every threshold.

        Returns
        -------
        ndarray of shape (n_features_in_, n_features_in_), dtype int
            ``[i, j] == 1`` means ``i -> j``.

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import StableDAGLearner
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=300)
        >>> X = np.column_stack([a, a + rng.normal(size=300)])
        >>> int(StableDAGLearner(random_state=0).fit(X).predict_graph(threshold=0.0).sum()) <= 1
        True
        """
        check_is_fitted(self)
        if threshold is None:
            return (self.adjacency_ != 0).astype(int)
        return (
            _graph.threshold_to_dag(self.raw_adjacency_, threshold, self.required_mask_) != 0
        ).astype(int)

    def to_networkx(self, threshold=None):
        """The learned graph as a ``networkx.DiGraph`` with node names and weights.

        Parameters
        ----------
        threshold : float or None, default=None
            As in :meth:`predict_graph`.

        Returns
        -------
        networkx.DiGraph
            Nodes named by ``node_names_``; each edge has a ``weight``
            (from ``adjacency_``, or from ``raw_adjacency_`` for a float
            ``threshold``).

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import StableDAGLearner
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(200, 3))
        >>> G = StableDAGLearner(random_state=0).fit(X).to_networkx()
        >>> sorted(G.nodes)
        ['x0', 'x1', 'x2']
        """
        check_is_fitted(self)
        if threshold is None:
            return _graph.to_networkx(self.adjacency_, self.node_names_)
        weights = _graph.threshold_to_dag(self.raw_adjacency_, threshold, self.required_mask_)
        return _graph.to_networkx(weights, self.node_names_)

    def save_training_log(self, directory):
        """Write ``training_log.json`` (every epoch) and ``training_summary.json``.

        The summary holds the final loss terms, ``threshold_``, the edges by
        name with weights, the final h(W), epochs, convergence, fit time,
        library versions and the parameters (see
        :func:`stabledag.export.training_summary`).

        Parameters
        ----------
        directory : str or path-like
            Folder to write into; created if missing.

        Returns
        -------
        log_path, summary_path : str

        Examples
        --------
        >>> import numpy as np, tempfile
        >>> from stabledag import StableDAGLearner
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).cumsum(axis=1)
        >>> est = StableDAGLearner(random_state=0).fit(X)
        >>> log, summary = est.save_training_log(tempfile.mkdtemp())
        >>> log.endswith("training_log.json")
        True
        """
        from .export import save_training_log

        return save_training_log(self, directory)

    def score_samples(self, X):
        """Gaussian log-likelihood of each sample under the fitted SEM.

        Uses ``mean_``, ``scale_``, ``adjacency_`` (or the model's own
        parameters in ``model_params_``) and ``noise_var_``: the residuals of each node
        given its parents are scored as independent Gaussians with the
        training residual variances. The Jacobian of the scaling is
        included, so the value is a density in the units of ``X``; the map
        from ``X`` to the residuals has unit Jacobian on a DAG, for the MLP
        too.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Data in the units seen by ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import StableDAGLearner
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> StableDAGLearner(random_state=0).fit(X).score_samples(X).shape
        (100,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Z = (X - self.mean_) / self.scale_
        R = Z - get_model(self.model).predict(self.adjacency_, self.model_params_, Z)
        per_node = -0.5 * (np.log(2 * np.pi * self.noise_var_) + R**2 / self.noise_var_)
        return per_node.sum(axis=1) - np.log(self.scale_).sum()

    def score(self, X, y=None, *, true_graph=None, metric="f1"):
        """Mean held-out log-likelihood, or agreement with a known graph.

        Without ``true_graph``: ``score_samples(X).mean()``, the mean Gaussian
        log-likelihood per sample (higher is better); this is what
        ``GridSearchCV`` maximises by default. With ``true_graph``: the
        ``metric`` of :meth:`predict_graph` against it, negated for ``"shd"``
        and ``"fdr"`` so that higher is always better; ``X`` is then only
        checked for shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Data to score.
        y : None
            Ignored; present for scikit-learn compatibility.
        true_graph : array-like of shape (d, d), optional
            Known graph, nonzero ``[i, j]`` meaning ``i -> j``.
        metric : {"f1", "shd", "precision", "recall", "fdr"}, default="f1"
            Agreement figure used with ``true_graph``.

        Returns
        -------
        float

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import StableDAGLearner
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> est = StableDAGLearner(random_state=0).fit(X)
        >>> isinstance(est.score(X), float)
        True
        >>> est.score(X, true_graph=np.zeros((3, 3)), metric="shd") <= 0
        True
        """
        if true_graph is None:
            return float(self.score_samples(X).mean())
        check_is_fitted(self)
        validate_data(self, X, dtype=np.float64, reset=False)
        if metric not in GRAPH_METRICS:
            raise ValueError(f"metric={metric!r} is not one of {sorted(GRAPH_METRICS)}.")
        value = float(GRAPH_METRICS[metric](true_graph, self.predict_graph()))
        return -value if metric in _LOWER_IS_BETTER else value
