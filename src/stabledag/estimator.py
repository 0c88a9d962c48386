"""``StableDAGLearner``: the scikit-learn face of stabledag.

Parameters, validation and fitted attributes only; the tensor math lives in
:mod:`stabledag._training`, :mod:`stabledag.models` and the modules they use.
"""

from collections import Counter
from dataclasses import replace

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _diagnostics
from . import effects as _effects
from . import graph as _graph
from ._correlation import check_no_missing, check_observed, detect_kinds, encode_columns
from ._fitting import fit_model
from ._prior import resolve_prior
from ._statistics import CORRELATIONS, collinear_columns, latent_moments, prepare_statistics
from ._validation import check_memory, check_params, explain_input_error, local_random_state
from .exceptions import DiagnosticWarning
from .metrics import CLASS_METRICS, GRAPH_METRICS, LOWER_IS_BETTER
from .models import FittedGraph, get_model

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

    What decides the graph: with ``refine=True`` (the default) the linear
    model returns the result of a greedy search over causal orders under an
    extended BIC (:mod:`stabledag._search`); the continuous fit above only
    proposes starting graphs for it, next to the empty graph and random
    causal orders. The criterion is score equivalent, so only the Markov
    equivalence class is decided by the data in the default mode
    (:meth:`StableDAGLearner.predict_cpdag`); the direction of its undirected
    edges in :meth:`StableDAGLearner.predict_graph` is not decided by the
    data. ``refine=False`` returns the thresholded continuous fit alone,
    which is much less accurate; the user guide's "What does the work" page
    has the measured ablation.

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
        ``hidden_units`` hidden units per node). In the default unit-free
        mode with ``refine=True`` the MLP's graph comes from a greedy
        add-and-prune search under a spline model with pairwise products of
        parents (CAM's search, :mod:`stabledag._additive`; deterministic, so
        the graph does not depend on ``random_state``) and the networks are
        then fitted with that graph as a mask; no continuous structure fit
        runs (measured in ``benchmarks/README.md``: there it never improved
        the search's graph and cost 100-1000 times as much). With
        ``equal_variances=True`` the continuous MLP is fitted, thresholded
        by a random-feature BIC, and the search (one shared noise variance)
        runs from that thresholded DAG and from the empty graph, the result
        of lower spline BIC being the graph. With
        ``refine=False`` the continuous MLP alone picks the graph. Use the
        unit-free mode for standardized data or data in arbitrary units,
        ``standardize=False, equal_variances=True`` for raw data sharing
        units and noise scale.
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
    max_epochs : int or "auto", default="auto"
        Budget of epochs over all stages. ``"auto"`` is 5000 (each stage
        stops early, so the budget is rarely reached), except with the
        linear model in the equal-variance mode when the candidate screen
        is on and ``refine=True`` (by default from 200 variables): there the
        order search starts from its own equal-variance order, the
        continuous fit gives its second start, and 100 epochs are enough for
        that (see the user guide's page on large graphs). The budget a fit
        had is ``max_epochs_``.
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
    n_stages : int, default=8
        Most stages of the acyclicity schedule. Training ends as soon as
        ``h(W) <= h_tol``, so only fits that have not converged by then run
        the later stages (with 5, most equal-variance fits of clean data
        ended just above ``h_tol`` and warned; see the user guide's
        objective page).
    acyclic_growth : float, default=10.0
        Factor by which the acyclicity weight grows per stage.
    h_tol : float, default=1e-6
        Training stops when ``h(W) <= h_tol``; otherwise a
        ``ConvergenceWarning`` is raised.
    threshold : "auto" or float, default="auto"
        Edges with ``|w| <= threshold`` are dropped. ``"auto"`` picks the
        threshold whose refitted DAG has the lowest extended BIC on the training data.
    edge_penalty : float, default=1.0
        Strength of the graph-selection criterion's charge per edge, the
        tuning knob of the graph: the threshold and the order search minimise
        an extended BIC that charges ``edge_penalty * (log(n) / 2 + log(d))``
        per edge (half-BIC units), so larger values give sparser graphs
        (monotone for the exact optimum; the search approximates it). 1 is the
        extended BIC with gamma = 1. ``lambda_sparse`` only shapes the
        continuous fit that proposes starting graphs; with ``refine=True``
        the criterion decides the graph, so tune ``edge_penalty`` (for the
        linear model; the MLP model's criteria do not use it).
    max_selection_samples : int or None, default=2000
        The most rows the graph-selection criterion counts: past it the
        extended BIC of the linear model charges each edge as if it had this
        many rows, so an edge must explain at least a fixed share (about
        ``(log(m) + 2 log(d)) / m`` for ``m`` rows) of its child's residual
        variance. Real data are never exactly linear and Gaussian, and with
        an uncapped criterion every extra row buys edges that only soak up
        the misspecification: on simulated data with a quadratic or tanh
        distortion the default graph grew from 28 to 39 and 22 to 37 edges
        (20 true) between n = 1e3 and 1e5, and stayed at 27-28 and 22-24 with
        the cap (``benchmarks/edges_vs_n.py``). The price: on truly linear
        data with very weak edges (partial R^2 below that share) more rows
        no longer find them. None counts every row (the plain extended BIC).
        Data with up to 2000 rows are unaffected.
    missing : {"auto", "error"}, default="auto"
        Missing cells (NaN, None, ``pd.NA``): ``"auto"`` learns from the
        observed cells (linear model: the Gaussian EM covariance of the
        incomplete rows, or the latent correlation pairwise; the BIC / EBIC
        counts an effective sample size that falls with the share missing);
        ``"error"`` refuses them with a ``ValueError`` naming the columns
        and counts. A row or column with no observed value is an error
        either way. The MLP model needs complete rows.
    correlation : {"pearson", "rank"}, default="pearson"
        How continuous columns are related: ``"pearson"``, the covariance;
        ``"rank"``, the latent Gaussian-copula (nonparanormal) correlation
        of their normal scores, invariant to any monotone transform of a
        column (exp, cube, a logistic curve) and insensitive to outliers,
        as efficient as Pearson's on Gaussian data. Linear model only.
    column_kinds : None, str or dict, default=None
        Each column's kind: ``"continuous"``, ``"binary"`` or
        ``"ordinal"``. None detects them from a DataFrame's dtypes
        (``bool``; ``category``: two levels binary, ordered ones ordinal;
        integer columns with at most 5 distinct values; an unordered
        category with more levels is a ``ValueError`` saying how to encode
        it) and reads an array as continuous (``bool`` arrays: binary). A
        kind for every column (``"continuous"`` turns detection off) or a
        dict ``{column name or position: kind}`` overrides the detection.
        Binary and ordinal columns are modelled as thresholded latent
        Gaussian variables: the graph is learned from their polychoric /
        polyserial correlations (linear model only).
    refine : bool, default=True
        Linear model: refine the thresholded graph by a greedy search over
        causal orders that lowers its extended BIC under the same noise
        model (:mod:`stabledag._search`), started from the DAGs of several
        thresholds of the learned weights; the lowest-BIC result is kept.
        MLP model: the graph is the spline-model search's (see ``model``;
        with ``equal_variances=True`` the search also starts from the
        thresholded DAG) and ``threshold`` is not used in the unit-free
        mode; ``refine=False`` (and any ``lambda_disen > 0``, whose learned
        directions the search's Gaussian scores cannot see) fits the
        continuous MLP and thresholds it instead.
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
        ``benchmarks/screen_recall.py`` reports how many true edges it
        drops (with n = 2000: none of ER2 graphs' up to d = 300, up to 1% of
        denser graphs'; many more where n does not exceed d by 30) and
        ``benchmarks/scale.py`` what it saves; see the user guide's page
        on large graphs. Unused by the MLP model.
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
        The threshold used for ``adjacency_`` (0.0 for the unit-free
        ``model="mlp"`` with ``refine=True``, whose graph comes from the
        search; ``raw_adjacency_`` is then the fitted networks' first-layer
        norms on it).
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Centring and scaling applied before training (of the observed
        cells). Zeros and ones when the latent estimator was used (binary or
        ordinal columns, ``correlation="rank"``): the model is then fitted
        on latent standard-normal variables, whose units are its units.
    statistics_ : dict
        The data-statistics stage: ``estimator`` (``"pearson"``, ``"em"``
        for missing cells, ``"latent"`` for binary / ordinal columns or
        ranks), ``n_samples``, ``n_eff`` (the effective sample size the
        BIC / EBIC counts, before ``max_selection_samples``),
        ``missing_cells``, ``missing_fraction`` and ``column_kinds``
        (column name -> kind). Also in the training summary
        (:meth:`save_training_log`).
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
    max_epochs_ : int
        The epoch budget the fit had (``max_epochs``, ``"auto"`` resolved).
    converged_ : bool
        Whether ``h(W) <= h_tol`` at the end.
    node_names_ : ndarray of str
        DataFrame columns, else ``x0 ... x{d-1}``.
    edge_mask_ : ndarray of bool, shape (n_features_in_, n_features_in_)
        Edges allowed by the prior knowledge (False on the diagonal).
    required_mask_ : ndarray of bool, shape (n_features_in_, n_features_in_)
        Edges required by the prior knowledge.
    covariance_ : ndarray of shape (n_features_in_, n_features_in_)
        Covariance of the columns in the data's units (the fit's second
        moments rescaled by ``scale_``; ``inf`` where a covariance exceeds
        the float64 range). Effects need no data after pickling.
    identifiable_ : {"class", "dag"}
        What the model's assumptions identify: ``"class"``, only the Markov
        equivalence class (:meth:`predict_cpdag`; the default unit-free
        Gaussian linear mode), or ``"dag"``, the directions too
        (``equal_variances=True``, ``lambda_disen > 0`` or the MLP model,
        each under its assumptions). See the user guide's *Identifiability*
        page.
    identifiable_reason_ : str
        The assumptions behind ``identifiable_``, in a sentence (from the
        model plug-in's ``identifiability``).
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
        max_epochs="auto",
        max_time=None,
        steps_per_epoch=10,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-5,
        n_stages=8,
        acyclic_growth=10.0,
        h_tol=1e-6,
        threshold="auto",
        edge_penalty=1.0,
        max_selection_samples=2000,
        missing="auto",
        correlation="pearson",
        column_kinds=None,
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
        self.edge_penalty = edge_penalty
        self.max_selection_samples = max_selection_samples
        self.missing = missing
        self.correlation = correlation
        self.column_kinds = column_kinds
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._accepts_missing()
        return tags

    def _accepts_missing(self):
        """Whether NaN cells are accepted: ``missing="auto"`` and a moment-based model."""
        try:
            plugin = get_model(self.model)
        except (ValueError, TypeError):
            return False
        return self.missing == "auto" and bool(getattr(plugin, "moment_based", False))

    def _check_messy_params(self):
        if self.missing not in ("auto", "error"):
            raise ValueError(
                f"missing must be 'auto' (learn from the observed cells) or 'error' (refuse "
                f"missing cells), got {self.missing!r}."
            )
        if self.correlation not in CORRELATIONS:
            raise ValueError(
                f"correlation must be one of {CORRELATIONS}, got {self.correlation!r}."
            )

    def _validate_X(self, X):
        """``validate_data`` with hints on fixing the input; set ``node_names_``.

        Returns the numeric table (binary and ordinal columns coded ``0, 1,
        ...``; NaN where missing) and each column's ``ColumnInfo``.
        """
        self._check_messy_params()
        counts = Counter(getattr(X, "columns", []))
        repeated = sorted(str(c) for c, k in counts.items() if k > 1)
        if repeated:  # before validate_data, whose handling depends on the sklearn version
            raise ValueError(
                f"X has repeated column names {repeated}; every variable needs its own "
                "name to be a node. Rename the columns (e.g. df.columns = [...]) or drop "
                "the duplicates."
            )
        numeric, kinds, levels = detect_kinds(X, self.column_kinds)
        try:
            X = validate_data(
                self,
                numeric,
                dtype=np.float64,
                ensure_min_samples=2,
                ensure_min_features=2,
                ensure_all_finite="allow-nan",
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
        labels = [str(n) for n in self.node_names_]
        if np.isnan(X).any():
            self._check_missing_allowed(X, labels)
        else:
            self._check_columns_vary(X)
        values, columns = encode_columns(X, dict(enumerate(kinds)), names=labels)
        columns = tuple(
            replace(c, levels=levels[j]) if levels[j] else c for j, c in enumerate(columns)
        )
        if np.isnan(values).any():
            check_observed(values, columns)
        self._check_model_takes(columns)
        check_memory(*X.shape, get_model(self.model).memory_bytes(*X.shape, self.get_params()))
        return values, columns

    def _check_missing_allowed(self, X, labels):
        from ._correlation import ColumnInfo

        columns = [ColumnInfo(name, "continuous") for name in labels]
        if self.missing == "error":
            check_no_missing(
                X,
                columns,
                fix="drop or impute them, or use missing='auto' (the default) to learn from "
                "the observed cells",
            )
        if not self._accepts_missing():
            check_no_missing(
                X,
                columns,
                fix=f"model={self.model!r} fits its networks to complete rows and cannot use "
                "them; drop or impute the incomplete rows, or use model='linear', which "
                "learns from the observed cells",
            )

    def _check_model_takes(self, columns):
        """Binary / ordinal columns and ranks need a model that learns from moments only."""
        latent = self.correlation == "rank" or any(c.kind != "continuous" for c in columns)
        if not latent:
            return
        discrete = [c.name for c in columns if c.kind != "continuous"]
        what = f"binary or ordinal column(s) {discrete[:5]}" if discrete else "correlation='rank'"
        if not getattr(get_model(self.model), "moment_based", False):
            raise ValueError(
                f"model={self.model!r} cannot use {what}: the latent Gaussian-copula "
                "correlation they need is supported by model='linear'. Use model='linear', "
                "or declare the columns continuous (column_kinds='continuous') and use "
                "correlation='pearson'."
            )
        if self.lambda_disen > 0:
            raise ValueError(
                f"lambda_disen > 0 needs the continuous rows themselves, which {what} do not "
                "give (the model is fitted to a latent correlation matrix); use "
                "lambda_disen=0, or declare the columns continuous "
                "(column_kinds='continuous') with correlation='pearson'."
            )

    def _learn(self, X, device, on_epoch):
        """Prior, data statistics, training and graph selection.

        Returns the ``FitResult`` and the findings of the input checks.
        """
        values, columns = X
        self.edge_mask_, self.required_mask_ = resolve_prior(
            self.forbidden_edges,
            self.required_edges,
            self.tiers,
            [str(n) for n in self.node_names_],
            getattr(self, "feature_names_in_", None) is not None,
        )
        rng = local_random_state(self.random_state)
        stats = prepare_statistics(
            values,
            standardize=self.standardize,
            validation_fraction=self.validation_fraction,
            rng=rng,
            names=self.node_names_,
            columns=columns,
            correlation=self.correlation,
        )
        if stats.method != "pearson" and self.lambda_disen > 0:
            raise ValueError(
                "lambda_disen > 0 needs complete rows: X has missing cells. Use "
                "lambda_disen=0 (the default), or drop or impute the incomplete rows."
            )
        self.mean_, self.scale_ = stats.mean, stats.scale
        self.statistics_ = stats.summary()
        self._set_class_attributes(stats)
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
        self.max_epochs_ = fit.max_epochs
        self.converged_ = training.converged
        return fit, findings

    def _set_class_attributes(self, stats):
        """``covariance_`` (data units) and what the model identifies (issue 16)."""
        # inf where a covariance exceeds float64 (columns near 1e300); effects use the moments
        # in the fit's units, rescaled per pair, so they stay finite there
        self._moments_ = stats.full.matrix
        with np.errstate(over="ignore"):
            # one factor at a time: a zero covariance stays 0 (np.outer overflowed to inf, 0 * inf)
            self.covariance_ = stats.full.matrix * stats.scale[:, None] * stats.scale[None, :]
        level, reason = get_model(self.model).identifiability(self.get_params())
        self.identifiable_, self.identifiable_reason_ = level, reason

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
    def predict_graph(self, threshold=None, *, as_frame=False):
        """The learned graph as a 0/1 adjacency matrix, always acyclic.

        Parameters
        ----------
        threshold : float or None, default=None
            ``None`` returns the selected graph, the pattern of
            ``adjacency_``. A float cuts ``|raw_adjacency_|`` there (no
            refinement); the weakest edges on cycles are then dropped, so
            the result is a DAG for every threshold.
        as_frame : bool, default=False
            Return a ``pandas.DataFrame`` labelled by ``node_names_`` (rows
            are parents, columns children) instead of an array.

        Returns
        -------
        ndarray or DataFrame of shape (n_features_in_, n_features_in_), dtype int
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
        >>> StableDAGLearner(random_state=0).fit(X).predict_graph(as_frame=True).shape
        (2, 2)
        """
        check_is_fitted(self)
        if threshold is None:
            graph = (self.adjacency_ != 0).astype(int)
        else:
            cut = _graph.threshold_to_dag(self.raw_adjacency_, threshold, self.required_mask_)
            graph = (cut != 0).astype(int)
        return self._labelled(graph) if as_frame else graph

    def _labelled(self, matrix):
        """``matrix`` as a DataFrame with ``node_names_`` on both axes."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test and docs extra
            raise ImportError(
                "as_frame=True needs pandas (pip install pandas); or use the array and node_names_."
            ) from exc
        names = [str(n) for n in self.node_names_]
        return pd.DataFrame(matrix, index=pd.Index(names, name="parent"), columns=names)

    def predict_cpdag(self, threshold=None):
        """The Markov equivalence class of the learned DAG (its CPDAG), with the prior knowledge.

        The class of :meth:`predict_graph` (:func:`stabledag.graph.dag_to_cpdag`:
        its skeleton and v-structures, closed under Meek's rules), oriented
        further by the prior knowledge (forbidden edges, tiers and required
        edges, :func:`stabledag.graph.apply_background_knowledge`). Its
        undirected edges are those whose direction observational data
        cannot decide under a Gaussian linear model: in the default mode
        (``identifiable_ == "class"``) the fitted DAG's arrows on them are
        arbitrary. Under the assumptions of the other modes
        (``identifiable_ == "dag"``) the DAG's arrows are identified, and
        the undirected edges are those that rest on those assumptions.

        Parameters
        ----------
        threshold : float or None, default=None
            As in :meth:`predict_graph`.

        Returns
        -------
        ndarray of shape (n_features_in_, n_features_in_), dtype int
            ``M[i, j] = 1, M[j, i] = 0`` for a directed edge ``i -> j``;
            ``M[i, j] = M[j, i] = 1`` for an undirected edge ``i - j``.

        Examples
        --------
        A chain ``a -> b -> c``: its class ``a - b - c`` also holds
        ``a <- b <- c`` and ``a <- b -> c``, so no direction is identified.

        >>> import numpy as np
        >>> from stabledag import StableDAGLearner
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=500)
        >>> b = a + rng.normal(size=500)
        >>> X = np.column_stack([a, b, b + rng.normal(size=500)])
        >>> StableDAGLearner(random_state=0).fit(X).predict_cpdag()
        array([[0, 1, 0],
               [1, 0, 1],
               [0, 1, 0]])
        """
        check_is_fitted(self)
        forbidden = ~np.asarray(self.edge_mask_, dtype=bool)
        np.fill_diagonal(forbidden, False)
        return _graph.apply_background_knowledge(
            _graph.dag_to_cpdag(self.predict_graph(threshold)),
            forbidden=forbidden,
            required=self.required_mask_,
        )

    def to_networkx(self, threshold=None, cpdag=False):
        """The learned graph as a ``networkx.DiGraph`` with node names and weights.

        Parameters
        ----------
        threshold : float or None, default=None
            As in :meth:`predict_graph`.
        cpdag : bool, default=False
            Give the equivalence class (:meth:`predict_cpdag`) instead of the
            DAG: an undirected edge ``a - b`` becomes the two edges
            ``a -> b`` and ``b -> a``, and every edge gets a boolean
            attribute ``undirected``.

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
        >>> X = np.random.default_rng(0).normal(size=(200, 3)).cumsum(axis=1)  # a chain
        >>> G = StableDAGLearner(random_state=0).fit(X).to_networkx()
        >>> sorted(G.nodes), G.number_of_edges()
        (['x0', 'x1', 'x2'], 2)
        >>> rng = np.random.default_rng(1)
        >>> a = rng.normal(size=300)
        >>> X = np.column_stack([a, a + rng.normal(size=300)])
        >>> est = StableDAGLearner(random_state=0).fit(X)
        >>> sorted(est.to_networkx(cpdag=True).edges(data="undirected"))
        [('x0', 'x1', True), ('x1', 'x0', True)]
        """
        check_is_fitted(self)
        if threshold is None:
            weights = self.adjacency_
        else:
            weights = _graph.threshold_to_dag(self.raw_adjacency_, threshold, self.required_mask_)
        marks = self.predict_cpdag(threshold) if cpdag else False
        return _graph.to_networkx(weights, self.node_names_, cpdag=marks)

    def _fitted_pair(self, source, target, what):
        """Check the fit and resolve ``source``/``target`` (names or indices) to indices."""
        check_is_fitted(
            self,
            msg=(f"This StableDAGLearner is not fitted yet; call fit(X) before asking for {what}."),
        )
        return _effects.resolve_pair(source, target, self.n_features_in_, self.node_names_)

    def total_effect(self, source, target, *, shift=None, X=None):
        """The total causal effect of ``source`` on ``target`` under the learned DAG.

        The change in the mean of ``target`` per unit of ``source`` set by
        intervention, in the data's units (units of ``target`` per unit of
        ``source``), assuming the learned DAG and no hidden confounders.

        - Linear model: ``T = inv(I - W)`` with ``W = adjacency_`` taken back
          to the data's units, ``W[i, j] * scale_[j] / scale_[i]``; ``T[source,
          target]`` is the sum over directed paths of the products of their
          weights (:func:`stabledag.effects.total_effect`). ``shift`` and
          ``X`` are not needed.
        - MLP model: the average effect of a shift intervention simulated
          through the fitted networks (:func:`stabledag.models.shift_effect`):
          every row keeps its noise, ``source`` moves by ``shift`` and its
          descendants are recomputed; the mean change of ``target`` divided
          by ``shift``.

        In the default mode (``identifiable_ == "class"``) the DAG is one
        member of its equivalence class, chosen arbitrarily where the class
        leaves directions open, and so may be its effect: see
        :meth:`possible_effects` for the effects the data support.

        Parameters
        ----------
        source, target : str or int
            Node names (``node_names_``) or indices.
        shift : float or None, default=None
            Nonlinear models: size of the intervention in units of
            ``source``; ``None`` means one standard deviation.
        X : array-like of shape (n_samples, n_features_in_), optional
            Nonlinear models: rows (in the data's units) over which the
            effect is averaged; ``None`` draws 2000 rows from the fitted
            SEM with seed 0.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            An unknown name or index, or ``source == target``.
        NotImplementedError
            A model plug-in that does not compute effects (the message says
            which do).
        sklearn.exceptions.NotFittedError
            Before ``fit``.

        Examples
        --------
        ``b = 3 a + noise`` with ``a`` in metres and ``b`` in millimetres:

        >>> import numpy as np
        >>> from stabledag import StableDAGLearner
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=2000)
        >>> X = np.column_stack([a, 1000 * (3 * a + rng.normal(size=2000))])
        >>> est = StableDAGLearner(random_state=0, forbidden_edges=[(1, 0)]).fit(X)
        >>> round(est.total_effect(0, 1) / 1000, 1)  # 3 m per m, in mm per m
        3.0
        """
        s, t = self._fitted_pair(source, target, "total effects")
        Z = None
        if X is not None:
            X = validate_data(self, X, dtype=np.float64, reset=False)
            Z = (X - self.mean_) / self.scale_
        graph = FittedGraph(self.threshold_, self.adjacency_, self.noise_var_, self.model_params_)
        return float(get_model(self.model).total_effect(graph, self.scale_, s, t, shift=shift, Z=Z))

    def possible_effects(self, source, target):
        """The total effects of ``source`` on ``target`` over the learned equivalence class (IDA).

        The local IDA of Maathuis, Kalisch and Buehlmann (2009) on
        :meth:`predict_cpdag` and ``covariance_``
        (:func:`stabledag.effects.possible_effects`): for each set of
        parents of ``source`` that the class allows, the coefficient of
        ``source`` when ``target`` is regressed on it and those parents.
        The distinct values are the effects the data support when only the
        class is identified; one value when the class determines it. In
        the data's units. Linear models only.

        Parameters
        ----------
        source, target : str or int
            Node names (``node_names_``) or indices.

        Returns
        -------
        ndarray of shape (k,)
            The distinct possible effects, ascending.

        Raises
        ------
        ValueError
            An unknown name or index, or ``source == target``.
        NotImplementedError
            A model that is not linear (IDA is defined for linear SEMs).
        sklearn.exceptions.NotFittedError
            Before ``fit``.

        Examples
        --------
        One edge ``a - b``: either may cause the other, so the effect of
        ``a`` on ``b`` is 0 (if ``b -> a``) or the regression slope 2.

        >>> import numpy as np
        >>> from stabledag import StableDAGLearner
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=2000)
        >>> X = np.column_stack([a, 2 * a + rng.normal(size=2000)])
        >>> est = StableDAGLearner(random_state=0).fit(X)
        >>> est.possible_effects(0, 1).round(1)
        array([0., 2.])
        """
        s, t = self._fitted_pair(source, target, "possible effects")
        plugin = get_model(self.model)
        if not plugin.linear_effects:
            raise NotImplementedError(
                f"possible_effects (IDA) needs a linear SEM; model {plugin.name!r} is not one "
                "(its plug-in sets linear_effects = False). Supported: the 'linear' model. "
                "For the 'mlp' model, whose directions are identified under its additive-noise "
                "assumptions, use total_effect."
            )
        # the regression coefficient of source, in the fit's units, taken to the data's units
        effects = _effects.possible_effects(self._moments_, self.predict_cpdag(), s, t)
        return effects * (self.scale_[t] / self.scale_[s])

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
        too. A row with missing cells (NaN; linear model) is scored by the
        Gaussian density of its observed cells, the marginal of the fitted
        SEM. Not defined for a fit on latent variables (binary or ordinal
        columns, ``correlation="rank"``): a ``ValueError`` points to
        :meth:`score`.

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
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).cumsum(axis=1)  # a chain
        >>> StableDAGLearner(random_state=0).fit(X).score_samples(X).shape
        (100,)
        """
        check_is_fitted(self)
        if self._latent_fit():
            raise ValueError(
                "score_samples is a per-row density in the data's units, which a fit on "
                "latent variables (binary or ordinal columns, or correlation='rank') does not "
                "define; use score(X), the Gaussian log-likelihood per row of X's latent "
                "correlation under the fitted SEM."
            )
        X = self._validate_new(X)
        Z = (X - self.mean_) / self.scale_
        missing = np.isnan(Z)
        if missing.any():
            return self._observed_log_likelihood(Z, missing)
        R = Z - get_model(self.model).predict(self.adjacency_, self.model_params_, Z)
        per_node = -0.5 * (np.log(2 * np.pi * self.noise_var_) + R**2 / self.noise_var_)
        return per_node.sum(axis=1) - np.log(self.scale_).sum()

    def _latent_fit(self):
        return getattr(self, "statistics_", {}).get("estimator") == "latent"

    def _validate_new(self, X):
        """New data checked against the fit: the same column coding, NaN where allowed."""
        kinds = getattr(self, "statistics_", {}).get("column_kinds")
        declared = dict(enumerate(kinds.values())) if kinds else None
        if declared is not None and (np.ndim(X) != 2 or np.shape(X)[1] != len(declared)):
            declared = None  # validate_data names the mismatch
        numeric, _, _ = detect_kinds(X, declared)
        X = validate_data(
            self,
            numeric,
            dtype=np.float64,
            reset=False,
            ensure_all_finite="allow-nan" if self._accepts_missing() else True,
        )
        return X

    def _implied_covariance(self):
        """Covariance of the training-unit variables implied by the linear SEM."""
        d = self.n_features_in_
        inverse = np.linalg.inv(np.eye(d) - self.adjacency_)
        return inverse.T @ np.diag(self.noise_var_) @ inverse

    def _observed_log_likelihood(self, Z, missing):
        """Each row's Gaussian log-density of its observed cells (the marginal of the SEM)."""
        if not getattr(get_model(self.model), "linear_effects", False):
            raise ValueError(  # pragma: no cover - NaN is refused at validation for these
                f"model={self.model!r} cannot score rows with missing cells."
            )
        sigma = self._implied_covariance()
        out = np.empty(Z.shape[0])
        patterns, which = np.unique(missing, axis=0, return_inverse=True)
        for k, pattern in enumerate(patterns):
            rows = np.flatnonzero(which.ravel() == k)
            seen = np.flatnonzero(~pattern)
            if seen.size == 0:
                raise ValueError(
                    f"Row {int(rows[0])} of X has no observed value; drop it "
                    "(e.g. X.dropna(how='all'))."
                )
            S = sigma[np.ix_(seen, seen)]
            L = np.linalg.cholesky(S)
            solved = np.linalg.solve(L, Z[np.ix_(rows, seen)].T)
            out[rows] = (
                -0.5 * (seen.size * np.log(2 * np.pi) + (solved**2).sum(axis=0))
                - np.log(np.diag(L)).sum()
                - np.log(self.scale_[seen]).sum()
            )
        return out

    def _latent_score(self, X):
        """Gaussian log-likelihood per row of X's latent correlation under the fitted SEM."""
        X = self._validate_new(X)
        kinds = list(self.statistics_["column_kinds"].values())
        names = [str(n) for n in self.node_names_]
        values, columns = encode_columns(X, dict(enumerate(kinds)), names=names)
        if np.isnan(values).any():
            check_observed(values, columns)
        R = latent_moments(values, np.arange(values.shape[0]), None, columns=columns).matrix
        sigma = self._implied_covariance()
        sign, logdet = np.linalg.slogdet(sigma)
        d = self.n_features_in_
        return float(-0.5 * (d * np.log(2 * np.pi) + logdet + np.trace(np.linalg.solve(sigma, R))))

    def score(self, X, y=None, *, true_graph=None, metric="f1"):
        """Mean held-out log-likelihood, or agreement with a known graph.

        Without ``true_graph``: ``score_samples(X).mean()``, the mean Gaussian
        log-likelihood per sample (higher is better); this is what
        ``GridSearchCV`` maximises by default. After a fit on latent
        variables (``statistics_["estimator"] == "latent"``): the Gaussian
        log-likelihood per row of ``X``'s latent correlation under the
        fitted SEM, ``-(d log(2 pi) + log det(Sigma) + trace(inv(Sigma) R_X)) / 2``.
        With ``true_graph``: the ``metric`` of :meth:`predict_graph` (of :meth:`predict_cpdag` for a
        class metric) against it, negated for ``"shd"``, ``"fdr"`` and
        ``"shd_cpdag"`` so that higher is always better; ``X`` is then only
        checked for shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Data to score.
        y : None
            Ignored; present for scikit-learn compatibility.
        true_graph : array-like of shape (d, d), optional
            Known graph, nonzero ``[i, j]`` meaning ``i -> j``.
        metric : str, default="f1"
            Agreement figure used with ``true_graph``, a key of
            :data:`stabledag.metrics.GRAPH_METRICS`: on directed edges
            ``"f1"``, ``"shd"``, ``"precision"``, ``"recall"``, ``"fdr"``;
            on equivalence classes (:data:`stabledag.metrics.CLASS_METRICS`,
            comparing :meth:`predict_cpdag` with the true class; a true DAG
            is replaced by its CPDAG) ``"shd_cpdag"``,
            ``"skeleton_precision"``, ``"skeleton_recall"``,
            ``"skeleton_f1"``, ``"arrowhead_precision"``,
            ``"arrowhead_recall"``, ``"arrowhead_f1"``. Those in
            :data:`stabledag.metrics.LOWER_IS_BETTER` are negated.

        Returns
        -------
        float

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import StableDAGLearner
        >>> X = np.random.default_rng(0).normal(size=(100, 3)).cumsum(axis=1)  # a chain
        >>> est = StableDAGLearner(random_state=0).fit(X)
        >>> isinstance(est.score(X), float)
        True
        >>> est.score(X, true_graph=np.zeros((3, 3)), metric="shd") <= 0
        True
        """
        if true_graph is None:
            if self._latent_fit():
                check_is_fitted(self)
                return self._latent_score(X)
            return float(self.score_samples(X).mean())
        check_is_fitted(self)
        self._validate_new(X)
        if metric not in GRAPH_METRICS:
            raise ValueError(f"metric={metric!r} is not one of {sorted(GRAPH_METRICS)}.")
        if metric in CLASS_METRICS:
            found = self.predict_cpdag()
            value = float(GRAPH_METRICS[metric](true_graph, found, est_as_given=True))
        else:
            value = float(GRAPH_METRICS[metric](true_graph, self.predict_graph()))
        return -value if metric in LOWER_IS_BETTER else value
