r"""The linear SEM's loss terms and their gradients in NumPy: the CPU fast path.

On a CPU a torch operation on a small matrix costs several microseconds of
dispatch, which dominates a training step of a graph of tens of nodes; the
same step in NumPy/LAPACK is about four times cheaper up to ``d = 50`` and
no slower beyond. These functions mirror
:func:`stabledag.losses.squared_loss_and_grad`,
:func:`stabledag.losses.gaussian_nll_and_grad` and
:func:`stabledag.acyclicity.logdet_acyclicity_and_grad` exactly (the tests
compare them); outside the log-det domain, or where :math:`I - W` is
singular, the value is ``inf``.

This module knows nothing of the training loop or of the estimator.
"""

import math

import numpy as np
from scipy import sparse
from scipy.linalg import lapack

from .acyclicity import DOMAIN_RTOL

__all__ = [
    "squared_loss_and_grad",
    "gaussian_nll_and_grad",
    "logdet_acyclicity_and_grad",
    "SparseSupport",
]

# From this size on the inverse is formed by solving against the identity (LAPACK getrs),
# which OpenBLAS runs faster than getri there (0.33 s against 0.51 s at d = 1000, one thread;
# getri is the faster one at d = 300).
INVERSE_BY_SOLVE_FROM = 600


def _lu_inverse(M):
    """``(lu, pivots, inverse)`` of ``M``, or None when it is singular or not finite."""
    lu, pivots, info = lapack.dgetrf(M)
    if info != 0:
        return None
    if M.shape[0] >= INVERSE_BY_SOLVE_FROM:
        inverse, info = lapack.dgetrs(lu, pivots, np.eye(M.shape[0]))
    else:
        inverse, info = lapack.dgetri(lu, pivots)
    if info != 0 or not np.isfinite(inverse).all():
        return None
    return lu, pivots, inverse


class SparseSupport:
    r"""A fixed sparse mask of ``W``, for the loss terms at its entries only.

    Dense, ``S @ (I - W)`` costs ``d**3``; with ``W`` zero outside a mask
    whose column ``j`` has ``m_j`` entries, the residual variances and the
    gradient at the mask's entries (all the training loop keeps) cost
    :math:`\sum_j m_j^2`. The pairs of entries sharing a column are listed
    once, and the entries of ``S`` they read are gathered once per ``S``.

    Parameters
    ----------
    mask : ndarray of shape (d, d)
        Nonzero where ``W`` may be nonzero (not on the diagonal).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._linear_numpy import SparseSupport, squared_loss_and_grad
    >>> W = np.array([[0.0, 0.5], [0.0, 0.0]])
    >>> S = np.array([[1.0, 0.5], [0.5, 1.25]])
    >>> dense, sparse = squared_loss_and_grad(W, S), squared_loss_and_grad(W, S, SparseSupport(W))
    >>> bool(np.isclose(dense[0], sparse[0]))
    True
    """

    def __init__(self, mask):
        mask = np.asarray(mask) != 0
        self.n_nodes = mask.shape[0]
        cols, rows = np.nonzero(mask.T)  # column-major: the entries of column 0 first
        self.rows, self.cols = rows, cols
        starts = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=self.n_nodes))])
        target, source = [], []
        for j in range(self.n_nodes):
            entries = np.arange(starts[j], starts[j + 1])
            target.append(np.repeat(entries, entries.size))
            source.append(np.tile(entries, entries.size))
        self.target = np.concatenate(target) if target else np.zeros(0, dtype=np.intp)
        self.source = np.concatenate(source) if source else np.zeros(0, dtype=np.intp)
        # row pointers of the pairs matrix: entry (i, j) has as many pairs as column j entries
        per_entry = np.diff(starts)[cols]
        self.indptr = np.concatenate([[0], np.cumsum(per_entry)])
        self._moments = (None, None)

    def _gathered(self, S):
        """The entries of ``S`` the products read, gathered once per ``S``.

        ``S`` is recognised by its memory (a new NumPy view of the same
        tensor each epoch reads the same entries): the view gathered from
        is kept, so that memory cannot be reused by another array meanwhile.
        """
        previous = self._moments[0]
        if previous is not S and (
            previous is None or previous.__array_interface__ != S.__array_interface__
        ):
            # S[i, k] for the entries (i, j) and (k, j) of one column, as a sparse matrix
            # whose row for entry (i, j) holds S[i, k] at the entries (k, j), in the order
            # the sums ran in before (np.bincount over target), so the sums are the same
            size = self.rows.size
            pairs = sparse.csr_matrix(
                (S[self.rows[self.target], self.rows[self.source]], self.source, self.indptr),
                shape=(size, size),
            )
            values = (
                pairs,
                S[self.cols, self.rows],  # S[j, k] for (k, j) in the mask
                S[self.rows, self.cols],  # S[i, j] at the mask
                np.diag(S).copy(),
            )
            self._moments = (S, values)
        return self._moments[1]

    def residuals(self, W, S):
        """``(variances, SM)``: ``diag((I-W)^T S (I-W))`` and ``S @ (I - W)`` at the mask."""
        S_pairs, S_diag_row, S_entries, S_diag = self._gathered(S)
        w = W[self.rows, self.cols]
        d = self.n_nodes
        SW = S_pairs @ w
        cross = np.bincount(self.cols, weights=S_diag_row * w, minlength=d)
        quadratic = np.bincount(self.cols, weights=w * SW, minlength=d)
        return S_diag - 2.0 * cross + quadratic, S_entries - SW

    def spread(self, values):
        """A (d, d) array holding ``values`` at the mask's entries, zero elsewhere."""
        out = np.zeros((self.n_nodes, self.n_nodes))
        out[self.rows, self.cols] = values
        return out


def squared_loss_and_grad(W, S, support=None):
    r"""Equal-variance least squares :math:`\frac{1}{2d}\sum_j\sigma_j^2(W)` and its gradient.

    With ``support`` (a :class:`SparseSupport` of ``W``'s mask) the gradient
    is computed at the mask's entries only (zero elsewhere), which is all
    the training loop keeps; the value is the same up to rounding.
    """
    d = W.shape[0]
    if support is not None:
        variances, SM = support.residuals(W, S)
        return 0.5 * float(variances.sum()) / d, support.spread(SM / -d)
    M = np.eye(d) - W
    SM = S @ M
    return 0.5 * float(np.vdot(SM, M)) / d, SM / -d


def gaussian_nll_and_grad(W, S, eps=1e-12, support=None):
    r"""Per-node-variance Gaussian negative log-likelihood (unit-free) and its gradient.

    ``support``: as in :func:`squared_loss_and_grad` (the log-determinant and
    the inverse of ``I - W`` stay dense).
    """
    d = W.shape[0]
    M = np.eye(d) - W
    if support is None:
        SM = S @ M
        variances = np.maximum(np.einsum("ij,ij->j", SM, M), eps)
    else:
        variances, SM = support.residuals(W, S)
        variances = np.maximum(variances, eps)
    factors = _lu_inverse(M)
    if factors is None:
        return math.inf, np.zeros_like(W)
    lu, _, inverse = factors
    logabsdet = float(np.log(np.abs(np.diagonal(lu))).sum())
    value = 0.5 * float(np.log(variances).mean()) - logabsdet / d
    if support is None:
        return value, (inverse.T - SM / variances) / d
    rows, cols = support.rows, support.cols
    return value, support.spread((inverse[cols, rows] - SM / variances[cols]) / d)


def logdet_acyclicity_and_grad(W, s=1.0):
    r""":math:`h_s(W) = -\log\det(sI - W\circ W) + d\log s` and its gradient; ``inf`` outside."""
    d = W.shape[0]
    factors = _lu_inverse(s * np.eye(d) - W * W)
    if factors is None:
        return math.inf, np.zeros_like(W)
    lu, pivots, inverse = factors
    diag = np.diagonal(lu)
    sign_changes = int((diag < 0).sum()) + int((pivots != np.arange(d)).sum())
    tolerance = DOMAIN_RTOL * max(1.0, float(np.abs(inverse).max()))
    if sign_changes % 2 or (inverse < -tolerance).any():  # not an M-matrix: outside the domain
        return math.inf, np.zeros_like(W)
    value = -float(np.log(np.abs(diag)).sum()) + d * math.log(s)
    return value, 2.0 * W * inverse.T
