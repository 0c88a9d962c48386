"""Graph operations on adjacency matrices: thresholds, DAG projection, conversions.

Convention: ``W[i, j] != 0`` means the edge ``i -> j`` (rows are parents,
columns children). This module needs no torch.
"""

import numpy as np

__all__ = ["is_dag", "topological_order", "threshold_to_dag", "to_networkx"]


def _edges_mask(W):
    A = np.asarray(W) != 0
    A = A.copy()
    np.fill_diagonal(A, False)
    return A


def topological_order(W):
    """Return a topological order of the graph, or ``None`` if it has a cycle.

    Parameters
    ----------
    W : array-like of shape (d, d)
        Adjacency, nonzero ``[i, j]`` meaning ``i -> j``. Self-loops count as cycles.

    Returns
    -------
    list of int or None
        Nodes with every parent before its children (Kahn's algorithm).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.graph import topological_order
    >>> topological_order(np.array([[0, 0], [1, 0]]))
    [1, 0]
    """
    A = np.asarray(W) != 0
    if np.any(np.diag(A)):
        return None
    indegree = A.sum(axis=0).astype(int)
    ready = [int(j) for j in np.flatnonzero(indegree == 0)]
    order = []
    while ready:
        node = ready.pop()
        order.append(node)
        for child in np.flatnonzero(A[node]):
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(int(child))
    return order if len(order) == A.shape[0] else None


def is_dag(W):
    """Whether the directed graph has no cycle (a self-loop is a cycle).

    Parameters
    ----------
    W : array-like of shape (d, d)
        Adjacency, nonzero ``[i, j]`` meaning ``i -> j``.

    Returns
    -------
    bool

    Examples
    --------
    >>> from stabledag.graph import is_dag
    >>> is_dag([[0, 1], [1, 0]])
    False
    """
    return topological_order(W) is not None


def _greedy_acyclic(W, keep, required):
    """Add the kept edges strongest first, skipping any edge that closes a cycle.

    ``reach[a]`` is the set of nodes ``a`` reaches and ``reached[b]`` the set
    reaching ``b`` (every node reaches itself), as bit rows packed in 64-bit
    words; an edge ``i -> j`` closes a cycle exactly when ``j`` already
    reaches ``i``, and adding it lets everything reaching ``i`` reach
    everything ``j`` reaches. Each check is O(1); an added edge costs
    ``d / 64`` words per node whose reach changes.
    """
    d = W.shape[0]
    words = (d + 63) // 64
    reach = np.zeros((d, words), dtype=np.uint64)
    reached = np.zeros((d, words), dtype=np.uint64)
    nodes = np.arange(d)
    word, bit = nodes // 64, np.left_shift(np.uint64(1), (nodes % 64).astype(np.uint64))
    reach[nodes, word] = bit
    reached[nodes, word] = bit
    A = np.zeros((d, d), dtype=bool)
    strength = np.abs(W)
    req_rows, req_cols = np.nonzero(required)
    rows, cols = np.nonzero(keep & ~required)
    order = np.lexsort((cols, rows, -strength[rows, cols]))
    edges = list(zip(req_rows.tolist(), req_cols.tolist()))
    edges += list(zip(rows[order].tolist(), cols[order].tolist()))
    for i, j in edges:
        if reach[j, word[i]] & bit[i]:
            continue  # j reaches i: the edge would close a cycle
        A[i, j] = True
        if reach[i, word[j]] & bit[j]:
            continue  # i already reaches j: no reach changes
        sources = _members(reached[i], d)  # every node reaching i ...
        targets = _members(reach[j], d)  # ... now reaches every node j reaches
        reach[sources] |= reach[j]
        reached[targets] |= reached[i]
    return A


def _members(row, d):
    """The nodes whose bits are set in a packed bit row."""
    little = row.astype("<u8", copy=False).view(np.uint8)  # bit k of word w: byte 8w + k // 8
    return np.flatnonzero(np.unpackbits(little, bitorder="little")[:d])


def threshold_to_dag(W, threshold, required=None):
    """Zero weights with ``|w| <= threshold``, then drop the weakest edges on cycles.

    Edges are kept strongest first, and an edge that would close a directed
    cycle with stronger edges is dropped, so the result is always acyclic
    and no edge is dropped that is not on a cycle. Ties break by index, so
    the result is deterministic. Required edges are kept whatever their
    weight (they must form a DAG themselves).

    Parameters
    ----------
    W : array-like of shape (d, d)
        Weighted adjacency, ``W[i, j]`` the weight of ``i -> j``.
    threshold : float
        Non-negative cut-off on absolute weights.
    required : array-like of bool, shape (d, d), optional
        Edges kept in any case (with weight 1 where ``W`` is 0 there).

    Returns
    -------
    ndarray of shape (d, d)
        The kept weights (others set to 0); its nonzero pattern is a DAG.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.graph import threshold_to_dag
    >>> W = np.array([[0.0, 0.9], [0.5, 0.0]])  # a 2-cycle
    >>> threshold_to_dag(W, 0.1)
    array([[0. , 0.9],
           [0. , 0. ]])
    """
    W = np.array(W, dtype=np.float64)
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold!r}.")
    required = np.zeros(W.shape, dtype=bool) if required is None else np.asarray(required, bool)
    keep = (_edges_mask(W) & (np.abs(W) > threshold)) | required
    if not is_dag(keep):
        keep = _greedy_acyclic(W, keep, required)
    return np.where(keep, np.where(required & (W == 0), 1.0, W), 0.0)


def to_networkx(W, node_names=None):
    """Convert a weighted adjacency matrix to a ``networkx.DiGraph``.

    Parameters
    ----------
    W : array-like of shape (d, d)
        Weighted adjacency, nonzero ``[i, j]`` meaning ``i -> j``.
    node_names : sequence of str, optional
        Labels for the nodes; default ``x0 ... x{d-1}``.

    Returns
    -------
    networkx.DiGraph
        One node per variable (isolated nodes included) and an edge, with
        attribute ``weight``, for each nonzero off-diagonal entry.

    Examples
    --------
    >>> from stabledag.graph import to_networkx
    >>> G = to_networkx([[0, 0.8], [0, 0]], ["a", "b"])
    >>> list(G.edges(data="weight"))
    [('a', 'b', 0.8)]
    """
    import networkx as nx

    W = np.asarray(W, dtype=np.float64)
    d = W.shape[0]
    names = [f"x{i}" for i in range(d)] if node_names is None else [str(n) for n in node_names]
    if len(names) != d:
        raise ValueError(f"node_names has {len(names)} entries but the graph has {d} nodes.")
    G = nx.DiGraph()
    G.add_nodes_from(names)
    for i, j in zip(*np.nonzero(_edges_mask(W))):
        G.add_edge(names[i], names[j], weight=float(W[i, j]))
    return G
