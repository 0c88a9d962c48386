"""Causal effects in linear structural equation models: total effects and IDA.

The model is the one :class:`~stabledag.StableDAGLearner` fits: ``X = X W + E``
for a row ``X`` of the ``d`` variables, ``W[i, j]`` the direct effect of
``i`` on ``j`` (``i -> j``) and independent noise ``E``.

- :func:`total_effects` and :func:`total_effect`: the effect of an
  intervention under one DAG, ``inv(I - W)``.
- :func:`possible_effects`: when only the Markov equivalence class (the
  CPDAG) is known, the distinct total effects over the DAGs of the class
  that are compatible locally (IDA, Maathuis, Kalisch and Buehlmann 2009),
  computed from a covariance matrix.

This module needs only numpy.
"""

import numpy as np

from .graph import check_adjacency, is_dag

__all__ = ["total_effects", "total_effect", "possible_effects", "resolve_pair"]


def _check_scale(scale, d):
    s = np.asarray(scale, dtype=np.float64)
    if s.shape != (d,):
        raise ValueError(f"scale must hold one entry per variable, shape ({d},), got {s.shape}.")
    if not np.all(np.isfinite(s) & (s > 0)):
        raise ValueError("scale must hold finite positive numbers (each column's scale).")
    return s


def _check_weights(W, scale):
    W = check_adjacency(W, "W")
    if not is_dag(W):
        raise ValueError(
            "W must be a DAG (no directed cycle, zero diagonal): total effects are "
            "defined here for acyclic models only."
        )
    if scale is not None:
        s = _check_scale(scale, W.shape[0])
        W = W * s[None, :] / s[:, None]
    return W


def total_effects(W, scale=None):
    """Total effects of unit interventions in a linear SEM: ``inv(I - W)``.

    With ``X = X W + E``, solving gives ``X = E inv(I - W)``, so setting
    ``X_i`` by intervention to ``x + 1`` instead of ``x`` changes the mean of
    ``X_j`` by ``T[i, j]``, the sum over the directed paths from ``i`` to
    ``j`` of the products of their weights (0 when there is none; the
    diagonal is 1).

    Units: ``T[i, j]`` is in units of ``X_j`` per unit of ``X_i``, in the
    units ``W`` was fitted in. A ``W`` fitted on standardized columns
    ``Z_j = (X_j - mean_j) / s_j`` (e.g. ``StableDAGLearner.adjacency_`` with
    ``standardize=True``, whose ``scale_`` is ``s``) gives effects in
    standard deviations; pass ``scale=s`` to get them in the original units:
    the weights become ``W[i, j] * s[j] / s[i]``, and so do the total
    effects.

    Parameters
    ----------
    W : array-like of shape (d, d)
        The SEM's weights, ``W[i, j]`` the direct effect of ``i`` on ``j``;
        must be acyclic.
    scale : array-like of shape (d,), optional
        The columns' scales ``s`` when ``W`` is in standardized units; the
        result is then in the original units.

    Returns
    -------
    ndarray of shape (d, d)
        ``T[i, j]``: the total effect of ``X_i`` on ``X_j``.

    Raises
    ------
    ValueError, TypeError
        ``W`` not square, not numeric, with NaN, or cyclic; ``scale`` of
        the wrong length or not positive.

    Examples
    --------
    A chain ``0 -> 1 -> 2`` with weights 2 and 3: the effect of 0 on 2 is 6.

    >>> import numpy as np
    >>> from stabledag.effects import total_effects
    >>> W = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    >>> total_effects(W)
    array([[1., 2., 6.],
           [0., 1., 3.],
           [0., 0., 1.]])

    The same weights fitted on standardized columns with scales 1, 10, 100:

    >>> float(total_effects(W, scale=[1.0, 10.0, 100.0])[0, 2])
    600.0
    """
    W = _check_weights(W, scale)
    return np.linalg.inv(np.eye(W.shape[0]) - W)


def _resolve(node, node_names, d, role):
    """An index in ``range(d)`` from an index or (with ``node_names``) a name."""
    if isinstance(node, (int, np.integer)) and not isinstance(node, (bool, np.bool_)):
        if not 0 <= int(node) < d:
            raise ValueError(
                f"{role}={node!r} is not a node index: there are {d} nodes (0..{d - 1})."
            )
        return int(node)
    if node_names is not None:
        names = [str(n) for n in node_names]
        if len(names) != d:
            raise ValueError(f"node_names has {len(names)} entries but there are {d} nodes.")
        if isinstance(node, str) and node in names:
            return names.index(node)
        shown = ", ".join(repr(n) for n in names[:10]) + (", ..." if d > 10 else "")
        raise ValueError(f"{role}={node!r} is not a node: the names are {shown}.")
    raise ValueError(
        f"{role}={node!r} is not a node index (an int in 0..{d - 1}); pass node_names to use names."
    )


def _source_target(source, target, node_names, d):
    s = _resolve(source, node_names, d, "source")
    t = _resolve(target, node_names, d, "target")
    if s == t:
        raise ValueError(
            f"source and target are the same node ({s}); a total effect is between two "
            "different variables."
        )
    return s, t


def resolve_pair(source, target, n_nodes, node_names=None):
    """Node indices of ``source`` and ``target``, given as indices or names.

    Parameters
    ----------
    source, target : int or str
        Node indices in ``0 .. n_nodes - 1``, or names when ``node_names``
        is given.
    n_nodes : int
        Number of nodes.
    node_names : sequence of str, optional
        The nodes' names.

    Returns
    -------
    (int, int)

    Raises
    ------
    ValueError
        An unknown name or index (the message lists the valid ones), or
        ``source == target``.

    Examples
    --------
    >>> from stabledag.effects import resolve_pair
    >>> resolve_pair("b", 0, 3, node_names=["a", "b", "c"])
    (1, 0)
    """
    return _source_target(source, target, node_names, int(n_nodes))


def total_effect(W, source, target, *, scale=None, node_names=None):
    """The total effect of a unit intervention on ``source`` on ``target``.

    One entry of :func:`total_effects` (same formula and units), computed
    by one linear solve.

    Parameters
    ----------
    W : array-like of shape (d, d)
        The SEM's weights, ``W[i, j]`` the direct effect of ``i`` on ``j``.
    source, target : int or str
        Node indices, or names when ``node_names`` is given.
    scale : array-like of shape (d,), optional
        Column scales when ``W`` is in standardized units (see
        :func:`total_effects`).
    node_names : sequence of str, optional
        Names for ``source`` and ``target``.

    Returns
    -------
    float
        The change in the mean of ``target`` per unit of ``source`` set by
        intervention.

    Raises
    ------
    ValueError
        An unknown name or index, ``source == target``, or a bad ``W``.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.effects import total_effect
    >>> W = np.array([[0.0, 2.0, 1.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    >>> total_effect(W, "a", "c", node_names=["a", "b", "c"])  # 2 * 3 + 1
    7.0
    """
    W = _check_weights(W, scale)
    s, t = _source_target(source, target, node_names, W.shape[0])
    unit = np.zeros(W.shape[0])
    unit[s] = 1.0
    return float(np.linalg.solve((np.eye(W.shape[0]) - W).T, unit)[t])


def _check_covariance(cov):
    C = check_adjacency(cov, "cov")
    if not np.allclose(C, C.T, rtol=1e-8, atol=1e-12 * max(1.0, np.abs(C).max())):
        raise ValueError("cov must be symmetric (a covariance or second-moment matrix).")
    bad = np.flatnonzero(np.diag(C) <= 0)
    if bad.size:
        raise ValueError(
            f"cov has a non-positive variance at node {int(bad[0])}; a covariance matrix "
            "has positive diagonal entries."
        )
    return (C + C.T) / 2


def _check_marks(cpdag, d):
    M = check_adjacency(cpdag, "cpdag")
    if M.shape != (d, d):
        raise ValueError(f"cpdag has shape {M.shape} but cov has shape {(d, d)}.")
    if not np.all((M == 0) | (M == 1)):
        raise ValueError(
            "cpdag must hold 0/1 marks (M[i, j] = 1, M[j, i] = 0 for i -> j; 1 both "
            "ways for i - j); use stabledag.graph.dag_to_cpdag for a DAG's class."
        )
    if np.any(np.diag(M) != 0):
        raise ValueError("cpdag must have a zero diagonal.")
    return M.astype(bool)


def _valid_sibling_sets(adjacent, parents, siblings):
    """Subsets of the siblings that are cliques adjacent to every parent (no new collider)."""
    candidates = [s for s in siblings if all(adjacent[s, p] for p in parents)]
    found = []

    def extend(chosen, start):
        found.append(tuple(chosen))
        for k in range(start, len(candidates)):
            s = candidates[k]
            if all(adjacent[s, c] for c in chosen):
                extend([*chosen, s], k + 1)

    extend([], 0)
    return found


def _adjusted_coefficient(C, source, target, adjust):
    """Coefficient of ``source`` when ``target`` is regressed on ``source`` and ``adjust``."""
    Z = [source, *adjust]
    block = C[np.ix_(Z, Z)]
    try:
        beta = np.linalg.solve(block, C[Z, target])
    except np.linalg.LinAlgError:
        beta = None
    if beta is None or not np.all(np.isfinite(beta)):
        raise ValueError(
            f"The covariance of node {source} and its parents {sorted(adjust)} is singular "
            "(exactly collinear variables); the effect is not identified from cov."
        )
    return float(beta[0])


def possible_effects(cov, cpdag, source, target, *, node_names=None, unique=True, tol=1e-8):
    """The possible total effects of ``source`` on ``target`` over an equivalence class (IDA).

    The local IDA of Maathuis, Kalisch and Buehlmann (2009). Let ``pa`` be
    the parents of ``source`` along directed edges of the CPDAG and ``sib``
    its undirected neighbours. A subset ``S`` of ``sib`` is a possible set
    of extra parents when making ``S`` parents (and the rest of ``sib``
    children) creates no new v-structure at ``source``: ``S`` is a clique
    and every member of ``S`` is adjacent to every node of ``pa``. No new
    v-structure can appear at the children, because a CPDAG is closed
    under Meek's rules. For each such ``S`` the effect is the coefficient of
    ``source`` when ``target`` is regressed on ``source``, ``pa`` and ``S``
    (0 when ``target`` is among them: a parent is not affected). Maathuis
    et al. show that these values are, as a set, the total effects in the
    DAGs of the class (the multiplicities differ).

    Working from a covariance (or second-moment) matrix, any estimate of it
    fits: the sample covariance, a correlation matrix (effects then in
    standard deviations), or a robust or missing-data estimate.

    Parameters
    ----------
    cov : array-like of shape (d, d)
        Covariance matrix of the variables (symmetric, positive variances);
        effects are in its units.
    cpdag : array-like of shape (d, d)
        0/1 marks, ``M[i, j] = 1, M[j, i] = 0`` for ``i -> j`` and
        ``M[i, j] = M[j, i] = 1`` for ``i - j``: a CPDAG (e.g. from
        :func:`stabledag.graph.dag_to_cpdag`, or PC/GES output converted
        with :func:`stabledag.graph.from_causallearn`). The local criterion
        assumes a CPDAG; a DAG passed as is counts as its own class and
        gives its one effect. On a class oriented further by prior
        knowledge (:func:`stabledag.graph.apply_background_knowledge`) the
        local criterion can keep parent sets that the knowledge rules out
        elsewhere in the graph (Perkovic et al. 2017), so the values are
        then a superset of the possible effects.
    source, target : int or str
        Node indices, or names when ``node_names`` is given.
    node_names : sequence of str, optional
        Names for ``source`` and ``target``.
    unique : bool, default=True
        Return the distinct values (sorted ascending); values within
        ``tol * sqrt(cov[target, target] / cov[source, source])`` (the
        effect's natural scale) of the previous kept value are merged into
        it. ``False`` returns one value per possible parent set, in the
        order the sets are enumerated (the empty set first).
    tol : float, default=1e-8
        Relative tolerance for merging equal values.

    Returns
    -------
    ndarray of shape (k,)
        The possible total effects; one value when the class determines
        the effect.

    Raises
    ------
    ValueError, TypeError
        An unknown name or index, ``source == target``, shapes that do not
        match, marks other than 0/1, a covariance that is not symmetric or
        whose variances are not positive, or a singular block of it.

    References
    ----------
    M. H. Maathuis, M. Kalisch and P. Buehlmann (2009). Estimating
    high-dimensional intervention effects from observational data. Annals
    of Statistics 37(6A), 3133-3164.

    Examples
    --------
    The chain ``0 -> 1 -> 2`` with weights 2 and 3 and unit noise: its class
    ``0 - 1 - 2`` also holds DAGs where 1 causes 0, so the effect of 0 on 2
    is 6 or 0.

    >>> import numpy as np
    >>> from stabledag.effects import possible_effects
    >>> from stabledag.graph import dag_to_cpdag
    >>> W = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    >>> A = np.linalg.inv(np.eye(3) - W)
    >>> cov = A.T @ A                      # the population covariance
    >>> possible_effects(cov, dag_to_cpdag(W), 0, 2)
    array([0., 6.])
    >>> possible_effects(cov, W != 0, 0, 2)  # the DAG itself: one value
    array([6.])
    """
    C = _check_covariance(cov)
    d = C.shape[0]
    M = _check_marks(cpdag, d)
    x, y = _source_target(source, target, node_names, d)
    adjacent = M | M.T
    parents = np.flatnonzero(M[:, x] & ~M[x, :]).tolist()
    siblings = np.flatnonzero(M[:, x] & M[x, :]).tolist()
    values = []
    for extra in _valid_sibling_sets(adjacent, parents, siblings):
        adjust = sorted(parents + list(extra))
        values.append(0.0 if y in adjust else _adjusted_coefficient(C, x, y, adjust))
    values = np.asarray(values, dtype=np.float64)
    if not unique:
        return values
    scale = tol * np.sqrt(C[y, y] / C[x, x])
    kept = []
    for value in np.sort(values):
        if not kept or value - kept[-1] > scale:
            kept.append(value)
    return np.asarray(kept)
