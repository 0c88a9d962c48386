"""Simulated benchmark data and the embedded Sachs et al. (2005) dataset.

Simulators follow the NOTEARS-family conventions: ``B[i, j] = 1`` means
``i -> j``; edge weights uniform on ``[-2, -0.5] U [0.5, 2]``. No torch here.
"""

import csv
from importlib import resources

import numpy as np

from .graph import topological_order

__all__ = ["simulate_dag", "simulate_parameter", "simulate_linear_sem", "load_sachs"]

_NOISE_TYPES = ("gaussian", "laplace", "gumbel", "uniform", "exponential")


def _generator(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)


def _permute(B, rng):
    perm = rng.permutation(B.shape[0])
    return B[np.ix_(perm, perm)]


def _erdos_renyi(d, n_edges, rng):
    rows, cols = np.tril_indices(d, k=-1)
    chosen = rng.choice(rows.size, size=min(int(n_edges), rows.size), replace=False)
    B = np.zeros((d, d))
    B[rows[chosen], cols[chosen]] = 1.0  # lower triangle: acyclic in index order
    return B


def _scale_free(d, n_edges, rng):
    """Barabasi-Albert: each new node sends ``m`` edges to nodes chosen by degree."""
    m = max(1, int(round(n_edges / d)))
    B = np.zeros((d, d))
    degree = np.zeros(d)
    for node in range(1, d):
        k = min(m, node)
        weights = degree[:node] + 1.0
        targets = rng.choice(node, size=k, replace=False, p=weights / weights.sum())
        B[node, targets] = 1.0  # new -> old: hubs collect parents, as in NOTEARS
        degree[targets] += 1
        degree[node] += k
    return B


def simulate_dag(n_nodes, n_edges, graph_type="ER", random_state=None):
    """Random DAG with a random node order.

    Parameters
    ----------
    n_nodes : int
        Number of nodes ``d`` (at least 2).
    n_edges : int
        Number of edges: exactly this many for ``"ER"``; for ``"SF"`` each
        new node brings ``round(n_edges / d)`` edges.
    graph_type : {"ER", "SF"}, default="ER"
        Erdos-Renyi or scale-free (Barabasi-Albert).
    random_state : int, numpy Generator or None, default=None
        Seed or generator for the random draws; same seed, same result.

    Returns
    -------
    ndarray of shape (n_nodes, n_nodes)
        0/1 adjacency, ``[i, j] = 1`` meaning ``i -> j``; always a DAG.

    Examples
    --------
    >>> from stabledag.datasets import simulate_dag
    >>> int(simulate_dag(10, 20, "ER", random_state=0).sum())
    20
    """
    if int(n_nodes) < 2:
        raise ValueError(f"n_nodes must be at least 2, got {n_nodes!r}.")
    rng = _generator(random_state)
    if graph_type == "ER":
        B = _erdos_renyi(int(n_nodes), n_edges, rng)
    elif graph_type == "SF":
        B = _scale_free(int(n_nodes), n_edges, rng)
    else:
        raise ValueError(f"graph_type must be 'ER' or 'SF', got {graph_type!r}.")
    return _permute(B, rng)


def simulate_parameter(B, w_ranges=((-2.0, -0.5), (0.5, 2.0)), random_state=None):
    """Random edge weights on a graph.

    Parameters
    ----------
    B : array-like of shape (d, d)
        0/1 adjacency.
    w_ranges : sequence of (low, high), default=((-2, -0.5), (0.5, 2))
        Each weight is drawn uniformly from one of these ranges, chosen at random.
    random_state : int, numpy Generator or None, default=None
        Seed or generator for the random draws; same seed, same result.

    Returns
    -------
    ndarray of shape (d, d)
        Weighted adjacency with the pattern of ``B``.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.datasets import simulate_parameter
    >>> W = simulate_parameter(np.array([[0, 1], [0, 0]]), random_state=0)
    >>> bool(0.5 <= abs(W[0, 1]) <= 2.0)
    True
    """
    rng = _generator(random_state)
    B = np.asarray(B, dtype=float)
    W = np.zeros(B.shape)
    choice = rng.integers(len(w_ranges), size=B.shape)
    for k, (low, high) in enumerate(w_ranges):
        W += B * (choice == k) * rng.uniform(low=low, high=high, size=B.shape)
    return W


def _noise(noise_type, scale, n, rng):
    if noise_type == "gaussian":
        return rng.normal(scale=scale, size=n)
    if noise_type == "laplace":
        return rng.laplace(scale=scale, size=n)
    if noise_type == "gumbel":
        return rng.gumbel(scale=scale, size=n)
    if noise_type == "uniform":
        return rng.uniform(low=-scale, high=scale, size=n)
    return rng.exponential(scale=scale, size=n)


def simulate_linear_sem(W, n_samples, noise_type="gaussian", noise_scale=1.0, random_state=None):
    """Sample a linear SEM ``X_j = X_pa(j) W_pa(j), j + e_j``.

    Parameters
    ----------
    W : array-like of shape (d, d)
        Weighted adjacency of a DAG, ``W[i, j]`` the weight of ``i -> j``.
    n_samples : int
        Number of samples (rows) to draw.
    noise_type : {"gaussian", "laplace", "gumbel", "uniform", "exponential"}, default="gaussian"
        Distribution of ``e_j``, with scale parameter ``noise_scale`` (the
        standard deviation for Gaussian noise; ``uniform`` is on
        ``[-scale, scale]``), as in the NOTEARS simulators.
    noise_scale : float or array-like of shape (d,), default=1.0
        One scale for all nodes (equal variances) or one per node.
    random_state : int, numpy Generator or None, default=None
        Seed or generator for the random draws; same seed, same result.

    Returns
    -------
    ndarray of shape (n_samples, d)

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.datasets import simulate_linear_sem
    >>> X = simulate_linear_sem(np.array([[0, 2.0], [0, 0]]), 1000, random_state=0)
    >>> X.shape
    (1000, 2)
    """
    W = np.asarray(W, dtype=float)
    if noise_type not in _NOISE_TYPES:
        raise ValueError(f"noise_type must be one of {_NOISE_TYPES}, got {noise_type!r}.")
    order = topological_order(W)
    if order is None:
        raise ValueError("W must be the weighted adjacency of a DAG; it has a cycle.")
    scales = np.broadcast_to(np.asarray(noise_scale, dtype=float), (W.shape[0],))
    rng = _generator(random_state)
    X = np.zeros((int(n_samples), W.shape[0]))
    for j in order:
        parents = np.flatnonzero(W[:, j])
        X[:, j] = X[:, parents] @ W[parents, j] + _noise(noise_type, scales[j], X.shape[0], rng)
    return X


def _read_csv(name):
    with resources.files("stabledag").joinpath("data", name).open("r", encoding="utf-8") as fh:
        return list(csv.reader(fh))


_SACHS_DESCR = """\
Sachs et al. (2005) protein-signalling data, observational part
---------------------------------------------------------------

853 single-cell flow-cytometry measurements of 11 phosphorylated proteins and
phospholipids (praf, pmek, plcg, PIP2, PIP3, p44/42 (erk), pakts473, PKA, PKC,
P38, pjnk) in human CD4+ T cells under CD3/CD28 stimulation alone, the one condition without
an intervention. Raw abundances (about 1 to 4,500); no missing values.

:Number of samples: 853
:Number of variables: 11
:Graph: ``graph[i, j] = 1`` means ``feature_names[i] -> feature_names[j]``;
    "consensus": the 17-edge consensus DAG of the common benchmark protocol
    (GraN-DAG, DAG-GNN, CaPS); "cdt": the 18-edge graph shipped with the Causal
    Discovery Toolbox, which has a cycle (plcg -> PIP2 -> PIP3 -> plcg).

Source: K. Sachs, O. Perez, D. Pe'er, D. A. Lauffenburger and G. P. Nolan,
"Causal protein-signaling networks derived from multiparameter single-cell
data", Science 308(5721):523-529, 2005; file from the Causal Discovery Toolbox.
"""


def load_sachs(*, graph="consensus", as_frame=False, return_X_y=False):
    """The observational Sachs et al. (2005) protein-signalling data and its graph.

    853 single-cell flow-cytometry measurements of 11 phosphoproteins and
    phospholipids in human T cells under CD3/CD28 stimulation alone (raw
    abundances, 1 to about 4,500). Source: K. Sachs et al., "Causal
    protein-signaling networks derived from multiparameter single-cell
    data", Science 308(5721):523-529, 2005, via the Causal Discovery Toolbox.
    Follows scikit-learn's loader convention (``load_iris`` and friends).

    Parameters
    ----------
    graph : {"consensus", "cdt"}, default="consensus"
        ``"consensus"``: the 17-edge consensus DAG of the common benchmark
        protocol (GraN-DAG, DAG-GNN, CaPS). ``"cdt"``: the 18-edge graph
        shipped with cdt, which has a cycle (plcg -> PIP2 -> PIP3 -> plcg).
    as_frame : bool, default=False
        Give the data as a pandas DataFrame with the protein names as
        columns (needs pandas). The graph stays an array.
    return_X_y : bool, default=False
        Return ``(data, graph)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (853, 11), or DataFrame when ``as_frame``
            The measurements, one column per protein.
        frame : DataFrame of shape (853, 11), or None
            The same table as a DataFrame when ``as_frame``, else None.
        graph : ndarray of shape (11, 11)
            The known graph: ``graph[i, j] = 1`` means
            ``feature_names[i] -> feature_names[j]``.
        target : ndarray of shape (11, 11)
            The same array as ``graph``, under scikit-learn's name.
        feature_names : list of str
            The 11 protein names, in column order.
        DESCR : str
            A description of the data and of the graphs.
    (data, graph) : tuple if ``return_X_y`` is True
        ``data`` as above, ``graph`` the (11, 11) adjacency.

    Examples
    --------
    >>> from stabledag.datasets import load_sachs
    >>> sachs = load_sachs()
    >>> sachs.data.shape, int(sachs.graph.sum()), sachs.feature_names[0]
    ((853, 11), 17, 'praf')
    >>> X, B = load_sachs(return_X_y=True)
    >>> X.shape, B.shape
    ((853, 11), (11, 11))
    """
    from sklearn.utils import Bunch

    files = {"consensus": "consensus_17_edges.csv", "cdt": "cdt_18_edges.csv"}
    if graph not in files:
        raise ValueError(f"graph must be 'consensus' or 'cdt', got {graph!r}.")
    rows = _read_csv("sachs_cd3cd28_853.csv")
    names = rows[0]
    X = np.array(rows[1:], dtype=np.float64)
    index = {name: k for k, name in enumerate(names)}
    B = np.zeros((len(names), len(names)))
    for parent, child in _read_csv(files[graph])[1:]:
        B[index[parent], index[child]] = 1.0
    frame = None
    if as_frame:
        import pandas as pd

        X = frame = pd.DataFrame(X, columns=names)
    if return_X_y:
        return X, B
    return Bunch(
        data=X, frame=frame, graph=B, target=B, feature_names=list(names), DESCR=_SACHS_DESCR
    )
