"""The data-statistics stage: from a validated table to what the models learn from.

``prepare_statistics`` turns the estimator's validated ``X`` into a
:class:`DataStatistics`: the centred (and, by default, standardized) rows,
the training / validation split, per-column metadata and, on demand, the
second-moment matrices the linear model, its scores and the order search
work from, each with the effective sample size behind it
(:class:`Moments`). How those matrices are estimated is a plug-in: a
function ``estimate(Z, rows, center) -> Moments`` registered in
:data:`MOMENT_ESTIMATORS` by name (``"pearson"``: the plain second moments).
Estimators for messy data (missing cells, discrete or distorted columns) add
entries there; everything downstream reads only ``Moments``.

No torch here.
"""

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

__all__ = [
    "Moments",
    "DataStatistics",
    "MOMENT_ESTIMATORS",
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

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import center_and_scale
    >>> Z, mean, scale = center_and_scale(np.array([[1.0, 10.0], [3.0, 30.0]]), True)
    >>> Z.round(12).tolist(), mean.tolist()
    ([[-1.0, -1.0], [1.0, 1.0]], [2.0, 20.0])
    """
    magnitude = np.abs(X).max(axis=0)
    unit = X / magnitude
    mean = unit.mean(axis=0) * magnitude
    centred = unit - unit.mean(axis=0)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        scale = centred.std(axis=0) * magnitude if standardize else np.ones(X.shape[1])
        Z = centred * (magnitude / scale)
        bad = ~np.isfinite(Z).all(axis=0) | ~np.isfinite(Z.T @ Z).all(axis=0)
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


def second_moments(Z, center):
    """``(Z - center)^T (Z - center) / n``, rounded to 8 decimals of its largest diagonal.

    The rounding (far below sampling noise) makes the statistic identical, in
    all but rare cases, for data that differ only by the floating-point noise
    of a change of units (a shift of 1e4 on a column of scale 1e-3 costs 7
    digits), so that noise cannot steer the optimiser to another local
    optimum: rescaled inputs give the same graph, not just a similar one. The
    rounding unit is a power of two near the largest variance, so rescaling
    by it is exact.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import second_moments
    >>> second_moments(np.array([[1.0, 2.0], [-1.0, -2.0]]), np.zeros(2)).tolist()
    [[1.0, 2.0], [2.0, 4.0]]
    """
    C = Z - center
    S = C.T @ C / C.shape[0]
    largest = float(np.max(np.abs(np.diag(S))))
    scale = 2.0 ** round(math.log2(largest)) if largest > 0 else 1.0  # exact, and stable
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

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._statistics import pearson_moments
    >>> m = pearson_moments(np.array([[1.0, 1.0], [-1.0, -1.0], [0.0, 0.0]]), [0, 1], np.zeros(2))
    >>> m.matrix.tolist(), m.n_eff
    ([[1.0, 1.0], [1.0, 1.0]], 2)
    """
    return Moments(second_moments(Z[rows], center), len(rows))


#: Registered estimators of the second moments: ``name -> estimate(Z, rows, center)``.
MOMENT_ESTIMATORS = {"pearson": pearson_moments}


@dataclass(frozen=True)
class DataStatistics:
    """What the models learn from: prepared rows, the split and (lazily) second moments.

    Attributes
    ----------
    Z : ndarray of shape (n_samples, d)
        Centred (and, with ``standardize``, scaled) copy of the data.
    mean, scale : ndarray of shape (d,)
        The centring and scaling applied (``Z = (X - mean) / scale``).
    train_idx : ndarray of int
        Rows used for training.
    val_idx : ndarray of int or None
        Held-out rows for the scheduler and early stopping (None: no split).
    method : str
        The registered moment estimator (see :data:`MOMENT_ESTIMATORS`).
    kinds : tuple of str
        Per column: ``"continuous"``.
    n_missing : ndarray of int, shape (d,)
        Missing cells per column.
    """

    Z: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    train_idx: np.ndarray
    val_idx: np.ndarray | None
    method: str = "pearson"
    kinds: tuple = ()
    n_missing: np.ndarray = field(default=None)

    @property
    def n_samples(self):
        """Number of rows."""
        return self.Z.shape[0]

    @cached_property
    def train(self):
        """:class:`Moments` of the training rows, about their own mean."""
        return self._estimate(self.train_idx, self.Z[self.train_idx].mean(axis=0))

    @cached_property
    def val(self):
        """:class:`Moments` of the validation rows about the training mean (training if none)."""
        if self.val_idx is None:
            return self.train
        return self._estimate(self.val_idx, self.Z[self.train_idx].mean(axis=0))

    @cached_property
    def full(self):
        """:class:`Moments` of all rows (what graph selection scores)."""
        return self._estimate(np.arange(self.n_samples), np.zeros(self.Z.shape[1]))

    def _estimate(self, rows, center):
        return MOMENT_ESTIMATORS[self.method](self.Z, rows, center)


def prepare_statistics(X, *, standardize, validation_fraction, rng, method="pearson", names=None):
    """Centre and scale a copy of ``X``, split its rows, and wrap it as :class:`DataStatistics`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, d)
        Validated data (finite, float64); never modified.
    standardize : bool
        Scale every column to unit variance.
    validation_fraction : float
        Share of rows held out (see :func:`split_indices`).
    rng : numpy.random.RandomState
        Draws the split.
    method : str, default="pearson"
        A key of :data:`MOMENT_ESTIMATORS`.
    names : sequence of str, optional
        Column names for error messages.

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
    >>> stats.full.matrix.shape, stats.full.n_eff, len(stats.val_idx)
    ((3, 3), 50, 10)
    """
    if method not in MOMENT_ESTIMATORS:
        raise ValueError(
            f"Unknown moment estimator {method!r}; use one of {sorted(MOMENT_ESTIMATORS)}."
        )
    Z, mean, scale = center_and_scale(X, standardize, names)
    train_idx, val_idx = split_indices(Z.shape[0], validation_fraction, rng)
    d = Z.shape[1]
    return DataStatistics(
        Z=Z,
        mean=mean,
        scale=scale,
        train_idx=train_idx,
        val_idx=val_idx,
        method=method,
        kinds=("continuous",) * d,
        n_missing=np.zeros(d, dtype=int),
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
