"""Edge confidence from resampling: ``EdgeStability``.

Refits clones of a learner on subsamples (or bootstrap samples) of the rows,
counts how often each edge appears, and keeps a consensus DAG of the edges
found often enough (stability selection, Meinshausen & Buehlmann 2010).
"""

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .estimator import StableDAGLearner
from .graph import threshold_to_dag

__all__ = ["EdgeStability"]


def _fit_one(estimator, X, rows, seed):
    est = clone(estimator)
    if "random_state" in est.get_params():
        est.set_params(random_state=seed)
    return est.fit(X[rows]).predict_graph()


class EdgeStability(MetaEstimatorMixin, BaseEstimator):
    """Edge frequencies over resamples and an acyclic consensus graph.

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
        Share of refits with edge ``i -> j``, in [0, 1].
    consensus_graph_ : ndarray of shape (n_features_in_, n_features_in_), dtype int
        Edges with frequency >= ``selection_threshold``, added most frequent
        first and skipped when they would close a cycle: always a DAG.
    graphs_ : ndarray of shape (n_resamples, d, d)
        Each refit's 0/1 graph.
    node_names_ : ndarray of str
        DataFrame columns, else ``x0 ... x{d-1}``.
    n_features_in_ : int
        Number of variables (columns) seen in ``fit``.

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
        """
        self._check_params()
        estimator = StableDAGLearner() if self.estimator is None else self.estimator
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=4, ensure_min_features=2)
        names = getattr(self, "feature_names_in_", None)
        self.node_names_ = np.asarray(
            names if names is not None else [f"x{i}" for i in range(X.shape[1])], dtype=object
        )
        rng = check_random_state(self.random_state)
        rows = self._resamples(X.shape[0], rng)
        seeds = rng.randint(np.iinfo(np.int32).max, size=self.n_resamples)
        graphs = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one)(estimator, X, r, int(s)) for r, s in zip(rows, seeds)
        )
        self.graphs_ = np.asarray(graphs, dtype=int)
        self.edge_frequency_ = self.graphs_.mean(axis=0)
        selected = np.where(
            self.edge_frequency_ >= self.selection_threshold, self.edge_frequency_, 0.0
        )
        self.consensus_graph_ = (threshold_to_dag(selected, 0.0) != 0).astype(int)
        return self

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
        check_is_fitted(self)
        if threshold is None:
            return self.consensus_graph_.copy()
        selected = np.where(self.edge_frequency_ >= threshold, self.edge_frequency_, 0.0)
        return (threshold_to_dag(selected, 0.0) != 0).astype(int)
