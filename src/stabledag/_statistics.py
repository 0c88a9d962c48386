"""The data-statistics stage: from a validated table to what the models learn from.

``prepare_statistics`` turns the estimator's validated ``X`` into a
:class:`DataStatistics`: the centred (and, by default, standardized) rows,
the training / validation split, per-column metadata and, on demand, the
second-moment matrices the linear model, its scores and the order search
work from, each with the effective sample size behind it
(:class:`Moments`). How those matrices are estimated is a plug-in: a
function ``estimate(Z, rows, center) -> Moments`` registered in
:data:`MOMENT_ESTIMATORS` by name. Built in:

* ``"pearson"``: the plain second moments (complete continuous data);
* ``"em"``: missing cells; the Gaussian maximum-likelihood covariance from
  the incomplete rows by EM (:func:`stabledag._correlation.em_statistics`),
  with an effective sample size that charges for what is missing;
* ``"latent"``: binary / ordinal columns, or ``correlation="rank"``; the
  latent Gaussian-copula correlation (normal scores, polychoric, polyserial;
  :func:`stabledag._correlation.latent_statistics`), whose effective sample
  size charges for the noise of those estimates.

:func:`choose_estimator` picks one from the columns' kinds and what is
missing; everything downstream reads only ``Moments`` (an estimator that
needs the columns' kinds sets ``uses_columns = True`` on the function and
receives them as ``columns=``, and ``center=None`` for the moments about the
rows' own estimated mean).

No torch here.
"""

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from ._correlation import ColumnInfo, em_statistics, latent_statistics

__all__ = [
    "Moments",
    "choose_estimator",
    "em_moments",
    "latent_moments",
    "DataStatistics",
    "MOMENT_ESTIMATORS",
    "CORRELATIONS",
    "prepare_statistics",
    "center_and_scale",
    "second_moments",
    "split_indices",
    "collinear_columns",
]

_MOMENT_DECIMALS = 8


@dataclass(frozen=True)
class Moments:
    """A second-moment matrix and the effective sample size behind it.

    Attributes
    ----------
    matrix : ndarray of shape (d, d)
        Second moments of the centred columns (a covariance, or a correlation
        matrix for standardized data).
    n_eff : float
        The sample size the BIC and the held-out score should charge for: the
        number of rows for complete data; smaller when the estimate is noisier
        than a complete-data Pearson estimate.
    """

    matrix: np.ndarray
    n_eff: float


def center_and_scale(X, standardize, names=None):
    """Centre (and scale to unit variance) a copy of ``X``: returns ``(Z, mean, scale)``.

    Each column is first divided by its largest magnitude, so the mean and
    standard deviation neither overflow near 1e300 nor underflow near 1e-300.
    A column whose spread is too small to represent (subnormal) cannot be
    standardized, and one whose values are too large cannot be used
    unscaled: both are a ``ValueError`` naming the columns (``names``) and
    the fix.

    Missing cells (NaN) stay NaN; the mean and scale are those of the
    observed cells.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import center_and_scale
    >>> Z, mean, scale = center_and_scale(np.array([[1.0, 10.0], [3.0, 30.0]]), True)
    >>> Z.round(12).tolist(), mean.tolist()
    ([[-1.0, -1.0], [1.0, 1.0]], [2.0, 20.0])
    >>> center_and_scale(np.array([[1.0, np.nan], [3.0, 30.0], [5.0, 50.0]]), True)[1]
    array([ 3., 40.])
    """
    missing = np.isnan(X)
    if missing.any():  # NaN marks a missing cell: moments of the observed cells
        magnitude = np.nanmax(np.abs(X), axis=0)
        unit = X / magnitude
        mean = np.nanmean(unit, axis=0) * magnitude
        centred = unit - np.nanmean(unit, axis=0)
        spread = np.nanstd(centred, axis=0)
    else:
        magnitude = np.abs(X).max(axis=0)
        unit = X / magnitude
        mean = unit.mean(axis=0) * magnitude
        centred = unit - unit.mean(axis=0)
        spread = centred.std(axis=0)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        scale = spread * magnitude if standardize else np.ones(X.shape[1])
        Z = centred * (magnitude / scale)
        filled = np.where(missing, 0.0, Z)
        bad = (~np.isfinite(Z) & ~missing).any(axis=0) | ~np.isfinite(filled.T @ filled).all(axis=0)
    if not standardize and not bad.any():
        _check_comparable_scales(spread * magnitude, names)
    if bad.any():
        which = np.flatnonzero(bad)
        listed = ", ".join(repr(str(names[j]) if names is not None else f"x{j}") for j in which)
        if standardize:
            raise ValueError(
                f"Column(s) {listed} of X vary too little to be standardized in float64 "
                "(their spread is subnormal, below about 1e-308). Multiply them by a large "
                "constant (e.g. 1e300) before fitting, or drop them."
            )
        raise ValueError(
            f"Column(s) {listed} of X have values too large to use with standardize=False; "
            "rescale those columns or use standardize=True."
        )
    return Z, mean, scale


#: With ``standardize=False``, the largest ratio of two columns' spreads float64 training and
#: scoring can carry (their products and quotients stay far from the float64 range).
MAX_SCALE_RATIO = 1e50


def _check_comparable_scales(spread, names):
    """``ValueError`` when unscaled columns differ in spread by more than ``MAX_SCALE_RATIO``."""
    with np.errstate(all="ignore"):
        positive = np.flatnonzero(np.isfinite(spread) & (spread > 0))
    if positive.size < 2:
        return
    small = positive[np.argmin(spread[positive])]
    large = positive[np.argmax(spread[positive])]
    if spread[large] > MAX_SCALE_RATIO * spread[small]:

        def label(j):
            return repr(str(names[j])) if names is not None else f"x{j}"

        raise ValueError(
            f"With standardize=False the columns' spreads differ by more than float64 "
            f"training can carry: {label(small)} {spread[small]:.1e}, {label(large)} "
            f"{spread[large]:.1e}. Use standardize=True, or rescale the columns to comparable "
            "magnitudes."
        )


def second_moments(Z, center):
    """``(Z - center)^T (Z - center) / n``, each entry rounded to 8 decimals of its columns' scale.

    The rounding (far below sampling noise) makes the statistic identical, in
    all but rare cases, for data that differ only by the floating-point noise
    of a change of units (a shift of 1e4 on a column of scale 1e-3 costs 7
    digits), so that noise cannot steer the optimiser to another local
    optimum: rescaled inputs give the same graph, not just a similar one. The
    rounding unit of entry ``(i, j)`` is the product of powers of two near
    the standard deviations of columns ``i`` and ``j``, so rescaling by it is
    exact and a small column keeps its digits.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import second_moments
    >>> second_moments(np.array([[1.0, 2.0], [-1.0, -2.0]]), np.zeros(2)).tolist()
    [[1.0, 2.0], [2.0, 4.0]]
    """
    C = Z - center
    S = C.T @ C / C.shape[0]
    # One power of two per column, near its standard deviation: rescaling by it is exact, and
    # each entry is rounded relative to its own columns' scales (a single scale, the largest
    # variance's, rounded a column 1e-8 times smaller to zero).
    sd = np.sqrt(np.abs(np.diag(S)))
    unit = np.ones_like(sd)
    positive = sd > 0
    unit[positive] = 2.0 ** np.round(np.log2(sd[positive]))
    scale = np.outer(unit, unit)
    return np.round(S / scale, _MOMENT_DECIMALS) * scale


def split_indices(n_samples, validation_fraction, rng):
    """Sorted (train, validation) indices; validation is None when too few samples.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import split_indices
    >>> train, val = split_indices(10, 0.2, np.random.RandomState(0))
    >>> len(train), len(val)
    (8, 2)
    """
    order = rng.permutation(n_samples)
    n_val = int(round(validation_fraction * n_samples))
    if n_val < 1 or n_samples - n_val < 2:
        return order, None
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def pearson_moments(Z, rows, center):
    """The plain second moments of ``Z[rows]`` about ``center``; ``n_eff`` is the row count.

    ``center=None``: about the rows' own mean (zeros for the whole centred ``Z``).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import pearson_moments
    >>> m = pearson_moments(np.array([[1.0, 1.0], [-1.0, -1.0], [0.0, 0.0]]), [0, 1], np.zeros(2))
    >>> m.matrix.tolist(), m.n_eff
    ([[1.0, 1.0], [1.0, 1.0]], 2)
    """
    if center is None:
        center = np.zeros(Z.shape[1])
    return Moments(second_moments(Z[rows], center), len(rows))


def _about(estimate, center):
    if center is None:
        return estimate
    return replace(estimate, matrix=estimate.moments_about(center))


def em_moments(Z, rows, center, *, columns=None):
    """Incomplete rows: the EM covariance of ``Z[rows]`` (NaN = missing) about ``center``.

    :func:`stabledag._correlation.em_statistics`: the Gaussian
    maximum-likelihood covariance from every observed cell, and an effective
    sample size at most the row count that falls with the share missing.
    ``center=None``: the covariance about the estimated mean.

    Returns
    -------
    MomentEstimate
        Duck-compatible with :class:`Moments` (``matrix``, ``n_eff``), with
        the estimator's diagnostics (``summary()``).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import em_moments
    >>> Z = np.random.default_rng(0).normal(size=(400, 3))
    >>> Z[::5, 0] = np.nan
    >>> m = em_moments(Z, np.arange(400), None)
    >>> m.matrix.shape, bool(320 <= m.n_eff < 400)
    ((3, 3), True)
    """
    values = Z[rows]
    if columns is None:
        columns = tuple(ColumnInfo(f"x{j}", "continuous") for j in range(Z.shape[1]))
    return _about(em_statistics(values, columns), center)


em_moments.uses_columns = True


def _recoded(values, columns):
    """Discrete columns of a subset of rows recoded ``0 .. k-1`` over the levels they show."""
    values = values.copy()
    out = []
    for j, column in enumerate(columns):
        if column.kind == "continuous":
            out.append(column)
            continue
        present = ~np.isnan(values[:, j])
        levels, codes = np.unique(values[present, j], return_inverse=True)
        values[present, j] = codes
        kind = "binary" if levels.size == 2 else column.kind
        out.append(ColumnInfo(column.name, kind, tuple(levels.tolist()), int((~present).sum())))
    return values, tuple(out)


def latent_moments(Z, rows, center, *, columns=None):
    """The latent Gaussian-copula correlation of ``Z[rows]`` (``center`` is not used).

    :func:`stabledag._correlation.latent_statistics` on the rows: normal
    scores for continuous columns (rank-based: invariant to monotone
    transforms), polychoric and polyserial correlations for binary and
    ordinal columns (coded ``0, 1, ...`` in ``Z``), missing cells pairwise;
    the effective sample size charges for the estimates' extra noise. A
    correlation matrix of latent variables with mean zero, so the centre
    does not apply.

    Returns
    -------
    MomentEstimate

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import latent_moments
    >>> Z = np.random.default_rng(0).normal(size=(300, 3))
    >>> m = latent_moments(np.exp(Z), np.arange(300), None)  # ranks: exp changes nothing
    >>> bool(np.allclose(m.matrix, latent_moments(Z, np.arange(300), None).matrix))
    True
    """
    values = Z[rows]
    if columns is None:
        columns = tuple(ColumnInfo(f"x{j}", "continuous") for j in range(Z.shape[1]))
    return latent_statistics(*_recoded(values, columns))


latent_moments.uses_columns = True

#: Registered estimators of the second moments: ``name -> estimate(Z, rows, center)``.
MOMENT_ESTIMATORS = {"pearson": pearson_moments, "em": em_moments, "latent": latent_moments}

#: Ways of estimating the continuous columns' correlations (the estimator's ``correlation``).
CORRELATIONS = ("pearson", "rank")


def choose_estimator(columns, any_missing, correlation="pearson"):
    """The moment estimator for a table: ``"pearson"``, ``"em"`` or ``"latent"``.

    * any binary or ordinal column, or ``correlation="rank"``: ``"latent"``
      (the Gaussian copula: a continuous Pearson or EM covariance would
      treat a 0/1 column as Gaussian, which biases its correlations towards
      zero and its edges with them; ranks make the estimate invariant to
      monotone transforms and insensitive to outliers);
    * else missing cells: ``"em"`` (Gaussian EM: on 10% / 30% MCAR the
      pairwise-deletion covariance with a positive-definite repair gave class
      SHD 42 / 55 against EM's 0 / 0 in ``benchmarks/messy.py``);
    * else ``"pearson"``.

    Parameters
    ----------
    columns : sequence of ColumnInfo
        Each column's kind.
    any_missing : bool
        Whether any cell is missing.
    correlation : {"pearson", "rank"}, default="pearson"

    Returns
    -------
    str
        A key of :data:`MOMENT_ESTIMATORS`.

    Examples
    --------
    >>> from stabledag._correlation import ColumnInfo
    >>> from stabledag._statistics import choose_estimator
    >>> cols = [ColumnInfo("a", "continuous"), ColumnInfo("b", "binary", (0, 1))]
    >>> choose_estimator(cols[:1], True), choose_estimator(cols, False)
    ('em', 'latent')
    """
    if correlation not in CORRELATIONS:
        raise ValueError(f"correlation must be one of {CORRELATIONS}, got {correlation!r}.")
    if correlation == "rank" or any(c.kind != "continuous" for c in columns):
        return "latent"
    return "em" if any_missing else "pearson"


@dataclass(frozen=True)
class DataStatistics:
    """What the models learn from: prepared rows, the split and (lazily) second moments.

    Attributes
    ----------
    Z : ndarray of shape (n_samples, d)
        Centred (and, with ``standardize``, scaled) copy of the data; NaN
        where a cell is missing. For the ``"latent"`` estimator: the coded
        table itself (binary and ordinal columns ``0, 1, ...``), with
        ``mean`` zeros and ``scale`` ones (the latent variables' scale).
    mean, scale : ndarray of shape (d,)
        The centring and scaling applied (``Z = (X - mean) / scale``).
    train_idx : ndarray of int
        Rows used for training.
    val_idx : ndarray of int or None
        Held-out rows for the scheduler and early stopping (None: no split).
    method : str
        The registered moment estimator (see :data:`MOMENT_ESTIMATORS`).
    kinds : tuple of str
        Per column: ``"continuous"``, ``"binary"`` or ``"ordinal"``.
    n_missing : ndarray of int, shape (d,)
        Missing cells per column.
    columns : tuple of ColumnInfo
        Per column: name, kind, levels, missing cells.
    """

    Z: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    train_idx: np.ndarray
    val_idx: np.ndarray | None
    method: str = "pearson"
    kinds: tuple = ()
    n_missing: np.ndarray = field(default=None)
    columns: tuple = ()

    @property
    def n_samples(self):
        """Number of rows."""
        return self.Z.shape[0]

    @cached_property
    def train(self):
        """:class:`Moments` of the training rows, about their own mean."""
        if self.val_idx is None and self.method != "pearson":
            return self.full  # the same rows: estimate once
        return self._estimate(self.train_idx, self._train_mean())

    @cached_property
    def val(self):
        """:class:`Moments` of the validation rows about the training mean (training if none).

        An estimator other than ``"pearson"`` that cannot estimate from the
        validation rows alone (e.g. a level of an ordinal column missing
        from them) falls back to the training moments.
        """
        if self.val_idx is None:
            return self.train
        if self.method == "pearson":
            return self._estimate(self.val_idx, self._train_mean())
        try:
            return self._estimate(self.val_idx, self._train_mean())
        except ValueError:
            return self.train

    @cached_property
    def full(self):
        """:class:`Moments` of all rows (what graph selection scores)."""
        return self._estimate(np.arange(self.n_samples), None)

    def _train_mean(self):
        return np.nanmean(self.Z[self.train_idx], axis=0) if self.method != "latent" else None

    def _estimate(self, rows, center):
        estimate = MOMENT_ESTIMATORS[self.method]
        if getattr(estimate, "uses_columns", False):
            return estimate(self.Z, rows, center, columns=self.columns or None)
        if center is None:  # the whole of Z is centred: its own mean is zero
            center = np.zeros(self.Z.shape[1])
        return estimate(self.Z, rows, center)

    def summary(self):
        """What a training log records about the statistics: estimator, sizes, missing share.

        Returns
        -------
        dict
            ``estimator``, ``n_samples``, ``n_eff`` (of all rows, what the
            BIC / EBIC counts before ``max_selection_samples``),
            ``missing_cells``, ``missing_fraction`` and ``column_kinds``
            (column name -> kind).

        Examples
        --------
        >>> import numpy as np
        >>> from stabledag._statistics import prepare_statistics
        >>> X = np.random.default_rng(0).normal(size=(50, 2))
        >>> X[0, 1] = np.nan
        >>> stats = prepare_statistics(
        ...     X, standardize=True, validation_fraction=0.2, rng=np.random.RandomState(0)
        ... )
        >>> s = stats.summary()
        >>> s["estimator"], s["missing_cells"], s["missing_fraction"]
        ('em', 1, 0.01)
        """
        d = self.Z.shape[1]
        names = [c.name for c in self.columns] if self.columns else [f"x{j}" for j in range(d)]
        missing = int(np.asarray(self.n_missing).sum())
        return {
            "estimator": self.method,
            "n_samples": int(self.n_samples),
            "n_eff": float(self.full.n_eff),
            "missing_cells": missing,
            "missing_fraction": missing / max(self.n_samples * d, 1),
            "column_kinds": dict(zip(names, self.kinds)),
        }


def prepare_statistics(
    X,
    *,
    standardize,
    validation_fraction,
    rng,
    method="auto",
    names=None,
    columns=None,
    correlation="pearson",
):
    """Centre and scale a copy of ``X``, split its rows, and wrap it as :class:`DataStatistics`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, d)
        Validated data (float64, finite or NaN for a missing cell; binary
        and ordinal columns coded ``0, 1, ...``); never modified.
    standardize : bool
        Scale every column to unit variance (not used by ``"latent"``,
        whose statistic is a correlation matrix).
    validation_fraction : float
        Share of rows held out (see :func:`split_indices`).
    rng : numpy.random.RandomState
        Draws the split.
    method : str, default="auto"
        A key of :data:`MOMENT_ESTIMATORS`, or ``"auto"``:
        :func:`choose_estimator`.
    names : sequence of str, optional
        Column names for error messages.
    columns : tuple of ColumnInfo, optional
        Each column's kind (default: every column continuous).
    correlation : {"pearson", "rank"}, default="pearson"
        For ``method="auto"``.

    Returns
    -------
    DataStatistics

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import prepare_statistics
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> stats = prepare_statistics(
    ...     X, standardize=True, validation_fraction=0.2, rng=np.random.RandomState(0)
    ... )
    >>> stats.method, stats.full.matrix.shape, stats.full.n_eff, len(stats.val_idx)
    ('pearson', (3, 3), 50, 10)
    """
    d = X.shape[1]
    if columns is None:
        labels = [str(n) for n in names] if names is not None else [f"x{j}" for j in range(d)]
        columns = tuple(
            ColumnInfo(labels[j], "continuous", (), int(np.isnan(X[:, j]).sum())) for j in range(d)
        )
    columns = tuple(columns)
    missing = np.isnan(X)
    if method == "auto":
        method = choose_estimator(columns, bool(missing.any()), correlation)
    if method not in MOMENT_ESTIMATORS:
        raise ValueError(
            f"Unknown moment estimator {method!r}; use one of {sorted(MOMENT_ESTIMATORS)}."
        )
    if method == "latent":
        Z, mean, scale = X.copy(), np.zeros(d), np.ones(d)
    else:
        Z, mean, scale = center_and_scale(X, standardize, names)
    train_idx, val_idx = split_indices(Z.shape[0], validation_fraction, rng)
    return DataStatistics(
        Z=Z,
        mean=mean,
        scale=scale,
        train_idx=train_idx,
        val_idx=val_idx,
        method=method,
        kinds=tuple(c.kind for c in columns),
        n_missing=missing.sum(axis=0),
        columns=columns,
    )


def collinear_columns(S, tol=1e-6):
    """Columns that are (almost) exact linear combinations of the others, from moments ``S``.

    A pivoted QR factorisation of the correlation matrix ranks the columns;
    those past its numerical rank (diagonal of ``R`` below ``tol`` times the
    largest) are returned: one column of each dependent group (which one is
    arbitrary). ``tol`` sits well above the rounding of
    :func:`second_moments` (1e-8) and flags relations with :math:`R^2`
    above about ``1 - tol``.

    Parameters
    ----------
    S : ndarray of shape (d, d)
        Second moments of centred columns.
    tol : float, default=1e-6

    Returns
    -------
    list of int
        Sorted column indices; empty when ``S`` has full rank.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import collinear_columns
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 100))
    >>> X = np.column_stack([a, b, a + 2 * b, rng.normal(size=100)])
    >>> len(collinear_columns(np.cov(X, rowvar=False)))  # one of the first three
    1
    """
    from scipy.linalg import qr

    scale = np.sqrt(np.maximum(np.diag(S), 1e-300))
    C = S / np.outer(scale, scale)
    _, R, pivots = qr(C, pivoting=True)
    diag = np.abs(np.diag(R))
    rank = int((diag > tol * diag[0]).sum()) if diag.size else 0
    return sorted(int(j) for j in pivots[rank:])
