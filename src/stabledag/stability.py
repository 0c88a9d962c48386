"""Edge confidence from resampling: ``EdgeStability``.

Refits clones of a learner on subsamples (or bootstrap samples) of the rows,
counts how often each edge appears (in each direction, and undirected in the
refit's Markov equivalence class), and keeps a consensus DAG of the edges
found often enough (stability selection, Meinshausen & Buehlmann 2010) and
the consensus equivalence class (CPDAG).
"""

import math
import warnings
from collections import Counter
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._correlation import detect_kinds
from .effects import resolve_pair, total_effect
from .estimator import StableDAGLearner
from .exceptions import DiagnosticWarning
from .graph import apply_background_knowledge, dag_to_cpdag, threshold_to_dag
from .models import get_model

__all__ = ["EdgeStability", "EffectInterval"]


class EffectInterval(NamedTuple):
    """A bootstrap summary of one total effect (:meth:`EdgeStability.effect_interval`).

    Parameters
    ----------
    median : float
        Median over the refits of the total effect (0 in a refit without a
        directed path), in the data's units.
    low, high : float
        The central ``coverage`` interval of the refits' effects (quantiles).
    path_frequency : float
        Share of refits with a directed path from source to target (a
        nonzero effect).
    n_refits : int
        Refits behind the figures.

    Examples
    --------
    >>> from stabledag.stability import EffectInterval
    >>> EffectInterval(2.0, 1.5, 2.5, 1.0, 20).high
    2.5
    """

    median: float
    low: float
    high: float
    path_frequency: float
    n_refits: int


def _wilson(share, n, coverage):
    """Wilson score interval of a binomial share from ``n`` trials."""
    z = NormalDist().inv_cdf((1 + coverage) / 2)
    denom = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denom
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _effects_support(estimator):
    """None when refits of ``estimator`` give linear effects from weights_; else why not."""
    if not isinstance(estimator, StableDAGLearner):
        return (
            f"the learner is a {type(estimator).__name__}, not a StableDAGLearner, so its "
            "weights are not known to be a linear SEM's direct effects"
        )
    try:
        plugin = get_model(estimator.model)
    except ValueError as exc:  # pragma: no cover - the refits would have failed first
        return str(exc)
    if not plugin.linear_effects:
        return (
            f"model {plugin.name!r} is not a linear SEM (its adjacency_ holds no direct "
            "effects); supported: the 'linear' model. Fit StableDAGLearner(model=...) on the "
            "data and use its total_effect for the point estimate"
        )
    return None


def _resample_frame(Xr, columns):
    """The resample as a DataFrame with the fit's column names (name-based priors need them)."""
    if columns is None:
        return Xr
    import pandas as pd

    return pd.DataFrame(Xr, columns=columns)


def _knowledge(est, d):
    """The refit's prior knowledge as ``(forbidden, required)`` masks (none if it has none)."""
    allowed = getattr(est, "edge_mask_", None)
    required = getattr(est, "required_mask_", None)
    forbidden = np.zeros((d, d), dtype=bool) if allowed is None else ~np.asarray(allowed, bool)
    np.fill_diagonal(forbidden, False)
    required = np.zeros((d, d), dtype=bool) if required is None else np.asarray(required, bool)
    return forbidden, required


def _allows_nan(estimator):
    try:
        return bool(estimator.__sklearn_tags__().input_tags.allow_nan)
    except AttributeError:  # an estimator without scikit-learn's tags
        return False


def _fit_one(estimator, X, rows, seed, columns):
    """One refit: ``(dict, None)``, or ``(None, reason)`` for a degenerate resample."""
    Xr = X[rows]
    constant = np.flatnonzero(np.ptp(Xr, axis=0) == 0)
    if constant.size:
        names = columns if columns is not None else [f"x{j}" for j in range(X.shape[1])]
        shown = ", ".join(repr(str(names[j])) for j in constant[:5])
        return None, f"column(s) {shown} constant in the resample"
    est = clone(estimator)
    if "random_state" in est.get_params():
        est.set_params(random_state=seed)
    try:
        # the refit's warnings travel back with its result (a worker process's warnings
        # would otherwise be printed there, out of the caller's reach)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(_resample_frame(Xr, columns))
    except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    graph = np.asarray(est.predict_graph()) != 0
    weights = getattr(est, "adjacency_", None)
    if weights is not None:
        weights = np.where(graph, np.asarray(weights, dtype=np.float64), 0.0)
    scale = getattr(est, "scale_", None)
    forbidden, required = _knowledge(est, X.shape[1])
    cpdag = apply_background_knowledge(dag_to_cpdag(graph), forbidden=forbidden, required=required)
    fit = {"graph": graph, "weights": weights, "scale": scale, "cpdag": cpdag}
    fit["knowledge"] = (forbidden, required)
    fit["warnings"] = [(w.category, str(w.message)) for w in caught]
    return fit, None


def _warn_about_refits(fits, n_resamples):
    """One warning for all the refits that warned (they may have run in other processes)."""
    caught = [w for fit in fits for w in fit["warnings"]]
    if not caught:
        return
    warned = sum(bool(fit["warnings"]) for fit in fits)
    messages = Counter(message for _, message in caught)
    message, count = messages.most_common(1)[0]
    categories = [category for category, _ in caught]
    category = next((c for c in categories if issubclass(c, ConvergenceWarning)), DiagnosticWarning)
    others = f" ({len(messages) - 1} other message(s) too)" if len(messages) > 1 else ""
    warnings.warn(
        f"{warned} of {n_resamples} refits warned; the most common warning ({count}x){others}: "
        f"{message}",
        category,
        stacklevel=4,
    )


def _consensus_dag(frequency, threshold):
    selected = np.where(frequency >= threshold, frequency, 0.0)
    return (threshold_to_dag(selected, 0.0) != 0).astype(int)


def _consensus_cpdag(frequency, threshold, knowledge):
    """Pairs found (either way) in at least ``threshold`` of the refits, each oriented its
    more frequent way (most frequent first, no cycle), and the class of that DAG, oriented
    further by the learner's prior knowledge."""
    pair = frequency + frequency.T
    forward = (frequency > frequency.T) | ((frequency == frequency.T) & np.triu(pair > 0, 1))
    selected = np.where((pair >= threshold) & forward, frequency, 0.0)
    cpdag = dag_to_cpdag(threshold_to_dag(selected, 0.0) != 0)
    if knowledge is None:
        return cpdag
    forbidden, required = knowledge
    try:
        return apply_background_knowledge(cpdag, forbidden=forbidden, required=required & cpdag)
    except ValueError:  # the consensus broke the knowledge (a required edge left out)
        return cpdag


class EdgeStability(MetaEstimatorMixin, BaseEstimator):
    """Edge frequencies over resamples, an acyclic consensus graph and its class.

    Parameters
    ----------
    estimator : estimator with ``predict_graph``, default=None
        The learner to refit; ``None`` means ``StableDAGLearner()``.
    n_resamples : int, default=50
        Number of refits.
    resampling : {"subsample", "bootstrap"}, default="subsample"
        ``"subsample"``: ``sample_fraction`` of the rows without replacement
        (stability selection); ``"bootstrap"``: ``n`` rows with replacement.
    sample_fraction : float, default=0.5
        Share of rows per subsample (ignored for the bootstrap).
    selection_threshold : float, default=0.6
        Edges found in at least this share of refits enter the consensus
        (Meinshausen & Buehlmann recommend 0.6 to 0.9).
    n_jobs : int or None, default=None
        Refits in parallel through joblib (any joblib backend, e.g. Dask).
    random_state : int, RandomState instance or None, default=None
        Seeds the resamples and each refit; same seed, same result.

    Attributes
    ----------
    edge_frequency_ : ndarray of shape (n_features_in_, n_features_in_)
        Share of refits with edge ``i -> j``, in [0, 1]; the pair is found
        either way in ``edge_frequency_ + edge_frequency_.T`` of them.
    undirected_frequency_ : ndarray of shape (n_features_in_, n_features_in_)
        Symmetric: share of refits in which ``i - j`` is an undirected edge
        of the refit's Markov equivalence class
        (:func:`stabledag.graph.dag_to_cpdag`), oriented further by the
        learner's prior knowledge (its ``edge_mask_`` and
        ``required_mask_``, see
        :func:`stabledag.graph.apply_background_knowledge`): the refit's
        graph and the knowledge leave its direction open.
    consensus_graph_ : ndarray of shape (n_features_in_, n_features_in_), dtype int
        Edges with frequency >= ``selection_threshold``, added most frequent
        first and skipped when they would close a cycle: always a DAG.
    consensus_cpdag_ : ndarray of shape (n_features_in_, n_features_in_), dtype int
        The consensus class (see :meth:`predict_cpdag`): pairs found in
        either direction in at least ``selection_threshold`` of the refits,
        oriented further by the prior knowledge.
    graphs_ : ndarray of shape (n_refits, d, d)
        Each successful refit's 0/1 graph (``n_refits_`` of them).
    weights_ : ndarray of shape (n_refits, d, d) or None
        Each successful refit's ``adjacency_`` on its graph (0 elsewhere),
        in the learner's units (standardized with ``standardize=True``);
        ``None`` when the learner has no ``adjacency_``.
    scales_ : ndarray of shape (n_refits, d) or None
        Each successful refit's ``scale_`` (the column scales its weights
        are relative to), so that ``stabledag.effects.total_effects(
        weights_[k], scale=scales_[k])`` gives refit ``k``'s total effects
        in the data's units (linear model); ``None`` when the learner has no
        ``scale_``.
    n_refits_ : int
        Refits that succeeded; the frequencies are shares of these.
    n_skipped_ : int
        Resamples skipped as degenerate (a constant column, or a refit that
        raised ``ValueError``/``FloatingPointError``); a warning says how
        many and why (a :class:`~stabledag.DiagnosticWarning`).
    node_names_ : ndarray of str
        DataFrame columns, else ``x0 ... x{d-1}``.
    n_features_in_ : int
        Number of variables (columns) seen in ``fit``.
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names; each
        resample is passed to the learner with these names, so name-based
        ``forbidden_edges``, ``required_edges`` and ``tiers`` work.

    Notes
    -----
    **Degenerate resamples.** A resample can be unusable where the full
    data are fine, e.g. a bootstrap sample in which a rarely varying column
    is constant. Such resamples are skipped and counted (``n_skipped_``,
    one warning); when fewer than half of the refits succeed (at least
    one is always needed), ``fit`` raises a ``ValueError`` naming the first
    failure. A
    ``fit`` that raises leaves the object unfitted, even if it was fitted
    before, so no stale result can be used by mistake.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag import EdgeStability, StableDAGLearner
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=400)
    >>> X = np.column_stack([a, 2 * a + rng.normal(size=400), rng.normal(size=400)])
    >>> stab = EdgeStability(StableDAGLearner(max_epochs=100), n_resamples=4,
    ...                      random_state=0).fit(X)
    >>> stab.edge_frequency_.shape
    (3, 3)
    >>> float(stab.undirected_frequency_[0, 1])  # a lone edge's direction: never identified
    1.0
    """

    def __init__(
        self,
        estimator=None,
        *,
        n_resamples=50,
        resampling="subsample",
        sample_fraction=0.5,
        selection_threshold=0.6,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_resamples = n_resamples
        self.resampling = resampling
        self.sample_fraction = sample_fraction
        self.selection_threshold = selection_threshold
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator = StableDAGLearner() if self.estimator is None else self.estimator
        tags.input_tags.allow_nan = _allows_nan(estimator)
        return tags

    def _check_params(self):
        if not isinstance(self.n_resamples, (int, np.integer)) or self.n_resamples < 1:
            raise ValueError(f"n_resamples must be an integer >= 1, got {self.n_resamples!r}.")
        if self.resampling not in ("subsample", "bootstrap"):
            raise ValueError(
                f"resampling must be 'subsample' or 'bootstrap', got {self.resampling!r}."
            )
        if not 0 < self.sample_fraction <= 1:
            raise ValueError(f"sample_fraction must be in (0, 1], got {self.sample_fraction!r}.")
        if not 0 < self.selection_threshold <= 1:
            raise ValueError(
                f"selection_threshold must be in (0, 1], got {self.selection_threshold!r}."
            )

    def _resamples(self, n_samples, rng):
        size = (
            n_samples
            if self.resampling == "bootstrap"
            else max(2, int(round(self.sample_fraction * n_samples)))
        )
        replace = self.resampling == "bootstrap"
        return [
            np.sort(rng.choice(n_samples, size=size, replace=replace))
            for _ in range(self.n_resamples)
        ]

    def fit(self, X, y=None):
        """Refit the learner on resamples of ``X`` and count edges.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observations (ndarray or DataFrame).
        y : None
            Ignored.

        Returns
        -------
        self : EdgeStability

        Raises
        ------
        ValueError
            Invalid parameters or input, or fewer than half of the refits
            succeeded; the object is then unfitted.
        """
        self._discard_fit()  # a failed refit must not leave the previous results
        try:
            self._fit(X)
        except BaseException:
            self._discard_fit()
            raise
        return self

    def _discard_fit(self):
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)

    def _fit(self, X):
        self._check_params()
        estimator = StableDAGLearner() if self.estimator is None else self.estimator
        params = estimator.get_params()
        kinds = None
        if "column_kinds" in params:  # bool / category columns become codes: keep their kinds
            X, kinds, _ = detect_kinds(X, params["column_kinds"])
        X = validate_data(
            self,
            X,
            dtype=np.float64,
            ensure_min_samples=4,
            ensure_min_features=2,
            ensure_all_finite="allow-nan" if _allows_nan(estimator) else True,
        )
        if kinds is not None and any(k != "continuous" for k in kinds):
            estimator = clone(estimator).set_params(column_kinds=dict(enumerate(kinds)))
        names = getattr(self, "feature_names_in_", None)
        columns = None
        if names is not None:
            try:
                import pandas  # noqa: F401  (the resamples keep the column names)

                columns = [str(n) for n in names]
            except ImportError:  # pragma: no cover - a DataFrame without pandas (e.g. polars)
                columns = None
        node_names = names if names is not None else [f"x{i}" for i in range(X.shape[1])]
        rng = check_random_state(self.random_state)
        rows = self._resamples(X.shape[0], rng)
        seeds = rng.randint(np.iinfo(np.int32).max, size=self.n_resamples)
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one)(estimator, X, r, int(s), columns) for r, s in zip(rows, seeds)
        )
        fits = [fit for fit, _ in results if fit is not None]
        reasons = [reason for fit, reason in results if fit is None]
        needed = max(1, math.ceil(self.n_resamples / 2))
        if len(fits) < needed:
            constant = any("constant in the resample" in r for r in reasons)
            advice = (
                " Use more rows, resampling='subsample' with a larger sample_fraction, or "
                "drop near-constant columns."
                if constant
                else ""
            )
            raise ValueError(
                f"Only {len(fits)} of {self.n_resamples} refits succeeded (at least {needed} "
                f"needed); the first failure: {reasons[0]}.{advice}"
            )
        if reasons:
            warnings.warn(
                f"{len(reasons)} of {self.n_resamples} resamples were skipped as degenerate "
                f"(e.g. {reasons[0]}); the frequencies are shares of the {len(fits)} refits "
                "that succeeded.",
                DiagnosticWarning,
                stacklevel=3,
            )
        _warn_about_refits(fits, self.n_resamples)
        graphs = np.asarray([fit["graph"] for fit in fits], dtype=bool)
        cpdags = np.asarray([fit["cpdag"] for fit in fits], dtype=bool)
        weights = [fit["weights"] for fit in fits]
        self.node_names_ = np.asarray(node_names, dtype=object)
        self.graphs_ = graphs.astype(int)
        self.weights_ = None if any(w is None for w in weights) else np.asarray(weights)
        scales = [fit["scale"] for fit in fits]
        self.scales_ = None if any(c is None for c in scales) else np.asarray(scales, float)
        self._knowledge_ = fits[0]["knowledge"]
        self._effects_support_ = _effects_support(estimator)
        self.n_refits_, self.n_skipped_ = len(fits), len(reasons)
        self.edge_frequency_ = graphs.mean(axis=0)
        self.undirected_frequency_ = (cpdags & cpdags.transpose(0, 2, 1)).mean(axis=0)
        self.consensus_graph_ = _consensus_dag(self.edge_frequency_, self.selection_threshold)
        self.consensus_cpdag_ = _consensus_cpdag(
            self.edge_frequency_, self.selection_threshold, self._knowledge_
        )

    def _check_threshold(self, threshold):
        check_is_fitted(self)
        if threshold is None:
            return self.selection_threshold
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold must be a frequency in [0, 1], got {threshold!r}.")
        return threshold

    def predict_graph(self, threshold=None):
        """The consensus DAG, at ``selection_threshold`` or another frequency.

        Parameters
        ----------
        threshold : float or None, default=None
            Minimum edge frequency; ``None`` uses ``selection_threshold``.

        Returns
        -------
        ndarray of shape (n_features_in_, n_features_in_), dtype int
            Always a DAG.

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import EdgeStability, StableDAGLearner
        >>> X = np.random.default_rng(0).normal(size=(200, 3)).cumsum(axis=1)
        >>> stab = EdgeStability(StableDAGLearner(max_epochs=50), n_resamples=3,
        ...                      random_state=0).fit(X)
        >>> stab.predict_graph(threshold=1.0).shape
        (3, 3)
        """
        threshold = self._check_threshold(threshold)
        if threshold == self.selection_threshold:
            return self.consensus_graph_.copy()
        return _consensus_dag(self.edge_frequency_, threshold)

    def predict_cpdag(self, threshold=None):
        """The consensus equivalence class (CPDAG) at a frequency threshold.

        Each pair found, in either direction, in at least ``threshold`` of
        the refits is kept and oriented its more frequent way (pairs added
        most frequent first, an orientation that would close a cycle
        skipped); the result is the CPDAG of that DAG
        (:func:`stabledag.graph.dag_to_cpdag`), oriented further by the
        learner's prior knowledge (forbidden and required edges). Unlike
        :meth:`predict_graph`, an edge whose direction flips between refits
        (as the direction of an undirected edge of the class may) is kept
        when the pair itself is stable.

        Parameters
        ----------
        threshold : float or None, default=None
            Minimum frequency of the pair; ``None`` uses ``selection_threshold``.

        Returns
        -------
        ndarray of shape (n_features_in_, n_features_in_), dtype int
            ``M[i, j] = 1, M[j, i] = 0`` for ``i -> j``; ``M[i, j] = M[j, i] = 1``
            for an undirected ``i - j``.

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import EdgeStability, StableDAGLearner
        >>> X = np.random.default_rng(0).normal(size=(200, 3)).cumsum(axis=1)
        >>> stab = EdgeStability(StableDAGLearner(max_epochs=50), n_resamples=3,
        ...                      random_state=0).fit(X)
        >>> stab.predict_cpdag().shape
        (3, 3)
        """
        threshold = self._check_threshold(threshold)
        if threshold == self.selection_threshold:
            return self.consensus_cpdag_.copy()
        return _consensus_cpdag(self.edge_frequency_, threshold, getattr(self, "_knowledge_", None))

    def effect_interval(self, source, target, *, coverage=0.9):
        """Bootstrap interval of the total effect of ``source`` on ``target``.

        Each refit's total effect in the data's units,
        ``stabledag.effects.total_effect(weights_[k], source, target,
        scale=scales_[k])`` (``inv(I - W)``; 0 when the refit has no
        directed path), summarised by its median and central ``coverage``
        interval. Linear model only.

        In the default unit-free mode the refits' DAGs are members of their
        classes whose undirected edges are oriented arbitrarily, so the
        interval then mixes sampling variation with that arbitrariness (and
        ``path_frequency`` can be well below the pair's frequency); compare
        with the learner's ``possible_effects``, the effects the class
        allows.

        Parameters
        ----------
        source, target : str or int
            Node names (``node_names_``) or indices.
        coverage : float, default=0.9
            Share of the refits' effects inside ``[low, high]``.

        Returns
        -------
        EffectInterval
            ``(median, low, high, path_frequency, n_refits)``.

        Raises
        ------
        ValueError
            An unknown name or index, ``source == target``, or ``coverage``
            outside (0, 1).
        NotImplementedError
            Refits of a learner whose weights are not a linear SEM's (the
            MLP model, another estimator).
        sklearn.exceptions.NotFittedError
            Before ``fit``.

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import EdgeStability, StableDAGLearner
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=400)
        >>> X = np.column_stack([a, 20 * a + 10 * rng.normal(size=400)])
        >>> learner = StableDAGLearner(max_epochs=100, forbidden_edges=[(1, 0)])
        >>> stab = EdgeStability(learner, n_resamples=5, random_state=0).fit(X)
        >>> ci = stab.effect_interval(0, 1)
        >>> bool(15 < ci.low <= ci.median <= ci.high < 25), ci.path_frequency
        (True, 1.0)
        """
        check_is_fitted(self)
        s, t = resolve_pair(source, target, self.n_features_in_, self.node_names_)
        if not 0 < coverage < 1:
            raise ValueError(f"coverage must be in (0, 1), got {coverage!r}.")
        reason = getattr(self, "_effects_support_", None)
        if reason is None and (self.weights_ is None or self.scales_ is None):
            reason = "the refits have no adjacency_ or scale_"
        if reason is not None:
            raise NotImplementedError(f"effect_interval needs linear refits: {reason}.")
        effects = np.array(
            [
                total_effect(self.weights_[k], s, t, scale=self.scales_[k])
                for k in range(self.n_refits_)
            ]
        )
        low, high = np.quantile(effects, [(1 - coverage) / 2, (1 + coverage) / 2])
        return EffectInterval(
            float(np.median(effects)),
            float(low),
            float(high),
            float(np.mean(effects != 0)),
            int(self.n_refits_),
        )

    def to_frame(self, *, coverage=0.9):
        """One row per pair found at least once: a tidy ``pandas.DataFrame``.

        Needs pandas. Each pair is written in its more frequent direction
        (``source -> target``; ties by index). Columns:

        - ``source``, ``target``: node names;
        - ``frequency``: share of refits with the edge in either direction;
        - ``forward``: share with ``source -> target``; ``reversed``: with
          ``target -> source`` (``forward + reversed == frequency``);
        - ``undirected``: share in which the edge is undirected in the
          refit's equivalence class (its direction not identifiable there);
        - ``in_consensus``: whether ``source -> target`` is in ``consensus_graph_``;
        - ``weight_median``, ``weight_low``, ``weight_high``: median and
          central ``coverage`` interval of the refits' weights of
          ``source -> target`` (``weights_``; NaN without weights);
        - ``frequency_low``, ``frequency_high``: the pair confidence, a
          Wilson score interval (at ``coverage``) of ``frequency`` from
          ``n_refits_`` refits, i.e. how precisely this many resamples pin
          the frequency down.

        Rows are sorted by confidence: ``frequency``, then ``forward``,
        highest first (then by position).

        Parameters
        ----------
        coverage : float, default=0.9
            Share of the weights inside ``[weight_low, weight_high]``
            (0.9: the 5% and 95% quantiles), and the level of the
            frequency interval.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag import EdgeStability, StableDAGLearner
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=300)
        >>> X = np.column_stack([a, 2 * a + rng.normal(size=300)])
        >>> stab = EdgeStability(StableDAGLearner(max_epochs=50), n_resamples=3,
        ...                      random_state=0).fit(X)
        >>> list(stab.to_frame().columns[:6])
        ['source', 'target', 'frequency', 'forward', 'reversed', 'undirected']
        """
        check_is_fitted(self)
        if not 0 < coverage < 1:
            raise ValueError(f"coverage must be in (0, 1), got {coverage!r}.")
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - exercised only without pandas
            raise ImportError(
                "EdgeStability.to_frame needs pandas: pip install pandas. The same figures "
                "are in edge_frequency_, undirected_frequency_ and weights_."
            ) from exc
        freq = self.edge_frequency_
        d = freq.shape[0]
        rows = []
        for i in range(d):
            for j in range(i + 1, d):
                if freq[i, j] + freq[j, i] == 0:
                    continue
                a, b = (i, j) if freq[i, j] >= freq[j, i] else (j, i)
                rows.append(self._row(a, b, coverage))
        columns = [
            "source",
            "target",
            "frequency",
            "forward",
            "reversed",
            "undirected",
            "in_consensus",
            "weight_median",
            "weight_low",
            "weight_high",
            "frequency_low",
            "frequency_high",
        ]
        frame = pd.DataFrame(rows, columns=["_a", "_b", *columns])
        frame = frame.sort_values(
            ["frequency", "forward", "_a", "_b"], ascending=[False, False, True, True]
        )
        return frame[columns].reset_index(drop=True)

    def _row(self, a, b, coverage):
        freq = self.edge_frequency_
        low, high = (1 - coverage) / 2, (1 + coverage) / 2
        stats = [np.nan, np.nan, np.nan]
        if self.weights_ is not None:
            w = self.weights_[self.graphs_[:, a, b] != 0, a, b]
            if w.size:
                stats = [float(np.median(w)), *np.quantile(w, [low, high]).tolist()]
        names = self.node_names_
        return [
            a,
            b,
            str(names[a]),
            str(names[b]),
            float(freq[a, b] + freq[b, a]),
            float(freq[a, b]),
            float(freq[b, a]),
            float(self.undirected_frequency_[a, b]),
            bool(self.consensus_graph_[a, b]),
            *stats,
            *_wilson(float(freq[a, b] + freq[b, a]), self.n_refits_, coverage),
        ]
