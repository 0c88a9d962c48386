"""Graph operations on adjacency matrices: thresholds, DAG projection, classes, conversions.

Convention: ``W[i, j] != 0`` means the edge ``i -> j`` (rows are parents,
columns children). A CPDAG (the Markov equivalence class of a DAG, also
called its essential graph) is a (d, d) 0/1 matrix with ``M[i, j] = 1,
M[j, i] = 0`` for a directed edge ``i -> j`` and ``M[i, j] = M[j, i] = 1``
for an undirected edge ``i - j``. This module needs no torch.
"""

import heapq

import numpy as np

__all__ = [
    "check_adjacency",
    "is_dag",
    "topological_order",
    "threshold_to_dag",
    "dag_to_cpdag",
    "cpdag_to_dag",
    "is_cpdag",
    "apply_background_knowledge",
    "to_networkx",
    "from_causallearn",
    "to_causallearn",
]


def check_adjacency(W, name="W"):
    """Check that ``W`` is a square matrix of finite numbers; return it as floats.

    Parameters
    ----------
    W : array-like of shape (d, d)
        The matrix to check (ndarray, nested lists or a DataFrame).
    name : str, default="W"
        How error messages call it.

    Returns
    -------
    ndarray of shape (d, d), dtype float64
        A new array; the caller's data is never modified.

    Raises
    ------
    TypeError
        Entries that are not real numbers (strings, complex numbers, objects).
    ValueError
        Not two-dimensional, not square, or holding NaN or infinity.

    Examples
    --------
    >>> from stabledag.graph import check_adjacency
    >>> check_adjacency([[0, 1], [0, 0]])
    array([[0., 1.],
           [0., 0.]])
    >>> check_adjacency([[0, "a"], [0, 0]], name="true_graph")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: true_graph must hold real numbers, not text (dtype <U21); ...
    """
    try:
        arr = np.asarray(W)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a square (d, d) matrix of numbers: {exc}") from None
    if arr.dtype.kind in "biuf":
        out = np.array(arr, dtype=np.float64)
    elif arr.dtype.kind in "USc":
        what = "complex numbers" if arr.dtype.kind == "c" else "text"
        raise TypeError(
            f"{name} must hold real numbers, not {what} (dtype {arr.dtype}); pass a numeric "
            "(d, d) matrix, 0/1 or weights."
        )
    else:
        out = np.empty(arr.shape, dtype=np.float64)
        for idx, value in np.ndenumerate(arr):
            try:
                if isinstance(value, (str, bytes, complex, np.complexfloating)):
                    raise TypeError
                out[idx] = float(value)
            except (TypeError, ValueError):
                raise TypeError(
                    f"{name} must hold real numbers, but entry {list(idx)} is {value!r}; "
                    "pass a numeric (d, d) matrix, 0/1 or weights."
                ) from None
    if out.ndim != 2 or out.shape[0] != out.shape[1]:
        raise ValueError(f"{name} must be a square (d, d) matrix, got shape {out.shape}.")
    bad = np.argwhere(~np.isfinite(out))
    if bad.size:
        i, j = bad[0].tolist()
        raise ValueError(
            f"{name} holds {out[i, j]} at [{i}, {j}] ({len(bad)} non-finite entries); "
            "an adjacency needs finite numbers (0 for no edge)."
        )
    return out


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


# ----------------------------------------------------------- equivalence classes
def _as_dag_mask(B, name):
    """The 0/1 pattern of a DAG given as any nonzero-is-an-edge matrix; ValueError if not."""
    A = check_adjacency(B, name) != 0
    loops = np.flatnonzero(np.diag(A))
    if loops.size:
        raise ValueError(
            f"{name} has a self-loop at node {int(loops[0])}; a DAG has a zero diagonal."
        )
    order = topological_order(A)
    if order is None:
        raise ValueError(
            f"{name} has a directed cycle, so it is not a DAG; make it acyclic first "
            "(e.g. stabledag.graph.threshold_to_dag)."
        )
    return A, order


def _parent_lists(A):
    rows, cols = np.nonzero(A)
    parents = [[] for _ in range(A.shape[0])]
    for i, j in zip(rows.tolist(), cols.tolist()):
        parents[j].append(i)
    return parents


def dag_to_cpdag(B):
    """The CPDAG (essential graph) of a DAG: its Markov equivalence class.

    Two DAGs are Markov equivalent, and no observational data can tell them
    apart without further assumptions, exactly when they have the same
    skeleton and the same v-structures ``a -> c <- b`` with ``a`` and ``b``
    non-adjacent (Verma and Pearl 1990). The CPDAG keeps an edge directed
    when every DAG of the class orients it the same way (a *compelled*
    edge) and undirected otherwise (a *reversible* edge).

    The edges are labelled by Chickering's (1995) algorithm: edges sorted by
    a topological order, each labelled compelled or reversible from the
    labels of the edges into its tail, in O(sum over edges of the in-degrees
    of their endpoints). Its result is the same as orienting the
    v-structures and closing under Meek's (1995) rules 1-3; Meek's rule 4
    is only needed when background knowledge orients extra edges, never for
    the class of a DAG.

    Parameters
    ----------
    B : array-like of shape (d, d)
        A DAG, nonzero ``[i, j]`` meaning ``i -> j`` (weights are allowed;
        only the pattern matters).

    Returns
    -------
    ndarray of shape (d, d), dtype int
        ``M[i, j] = 1, M[j, i] = 0`` for a compelled edge ``i -> j``;
        ``M[i, j] = M[j, i] = 1`` for a reversible (undirected) edge.

    Raises
    ------
    ValueError
        ``B`` is not square, holds NaN, has a self-loop or a directed cycle.

    See Also
    --------
    cpdag_to_dag : a DAG of the class (a consistent extension).
    is_cpdag : whether a matrix is the CPDAG of some DAG.

    References
    ----------
    D. M. Chickering (1995). A transformational characterization of
    equivalent Bayesian network structures. UAI.
    C. Meek (1995). Causal inference and causal explanation with background
    knowledge. UAI.

    Examples
    --------
    A chain's directions cannot be told apart; a collider's can.

    >>> import numpy as np
    >>> from stabledag.graph import dag_to_cpdag
    >>> chain = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])     # 0 -> 1 -> 2
    >>> dag_to_cpdag(chain)
    array([[0, 1, 0],
           [1, 0, 1],
           [0, 1, 0]])
    >>> collider = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 0]])  # 0 -> 2 <- 1
    >>> dag_to_cpdag(collider)
    array([[0, 0, 1],
           [0, 0, 1],
           [0, 0, 0]])
    """
    A, order = _as_dag_mask(B, "B")
    d = A.shape[0]
    rank = np.empty(d, dtype=np.int64)
    rank[order] = np.arange(d)
    rank = rank.tolist()
    parents = _parent_lists(A)
    parent_sets = [set(p) for p in parents]
    compelled = {}  # (x, y) -> True (compelled) / False (reversible)
    for y in order:
        pa_y = parent_sets[y]
        for x in sorted(parents[y], key=rank.__getitem__, reverse=True):
            if (x, y) in compelled:
                continue
            labelled = False
            for w in parents[x]:
                if not compelled[(w, x)]:
                    continue
                if w not in pa_y:  # w -> x -> y, w and y non-adjacent: every edge into y
                    for z in pa_y:
                        compelled[(z, y)] = True
                    labelled = True
                    break
                compelled[(w, y)] = True
            if labelled:
                continue
            # a parent z of y not adjacent to x makes x -> y <- z a v-structure
            pa_x = parent_sets[x]
            forced = any(z != x and z not in pa_x for z in pa_y)
            for z in pa_y:
                compelled.setdefault((z, y), forced)
    M = np.zeros((d, d), dtype=int)
    for (x, y), is_compelled in compelled.items():
        M[x, y] = 1
        if not is_compelled:
            M[y, x] = 1
    return M


def _check_pdag(M, name):
    """A 0/1 matrix with zero diagonal (a PDAG's encoding); ValueError otherwise."""
    P = check_adjacency(M, name)
    if not np.all((P == 0) | (P == 1)):
        i, j = np.argwhere((P != 0) & (P != 1))[0].tolist()
        raise ValueError(
            f"{name} must hold 0/1 marks (1 at [i, j] and 0 at [j, i]: i -> j; 1 at both: "
            f"i - j), but [{i}, {j}] is {P[i, j]:g}."
        )
    loops = np.flatnonzero(np.diag(P))
    if loops.size:
        raise ValueError(f"{name} has 1 on the diagonal at node {int(loops[0])}; it must be 0.")
    return P.astype(bool)


def cpdag_to_dag(M):
    """A DAG of the class: orient the undirected edges of a CPDAG without new v-structures.

    Dor and Tarsi's (1992) consistent extension: repeatedly remove a node
    that has no directed edge out of it and whose undirected neighbours are
    adjacent to all its other neighbours, orienting its undirected edges
    into it. For a CPDAG every such extension is a member of the class. It
    also works for any partially directed graph (PDAG) that has an
    extension, and says so when there is none. Ties are broken by the
    smallest index, so the result is deterministic.

    Parameters
    ----------
    M : array-like of shape (d, d)
        0/1 marks: ``M[i, j] = 1, M[j, i] = 0`` for ``i -> j``,
        ``M[i, j] = M[j, i] = 1`` for ``i - j``.

    Returns
    -------
    ndarray of shape (d, d), dtype int
        A DAG with the same skeleton, the same directed edges and no
        v-structure that ``M`` does not have.

    Raises
    ------
    ValueError
        ``M`` is not a 0/1 square matrix with zero diagonal, or no DAG
        extends it (a directed cycle, or every orientation of its
        undirected edges creates a new v-structure or a cycle).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.graph import cpdag_to_dag, dag_to_cpdag
    >>> chain_class = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])  # 0 - 1 - 2
    >>> D = cpdag_to_dag(chain_class)
    >>> bool(np.array_equal(dag_to_cpdag(D), chain_class))
    True
    """
    P = _check_pdag(M, "M")
    d = P.shape[0]
    und = P & P.T
    out_dir = [set(np.flatnonzero(P[i] & ~P.T[i]).tolist()) for i in range(d)]
    adjacent = [set(np.flatnonzero(P[i] | P.T[i]).tolist()) for i in range(d)]
    undirected = [set(np.flatnonzero(und[i]).tolist()) for i in range(d)]
    D = P & ~P.T
    remaining = d
    heap = list(range(d))
    queued = [True] * d
    removed = [False] * d

    def removable(x):
        if out_dir[x]:
            return False
        return all(adjacent[x] - {y} <= adjacent[y] for y in undirected[x])

    while heap:
        x = heapq.heappop(heap)
        queued[x] = False
        if removed[x] or not removable(x):
            continue
        for y in undirected[x]:
            D[y, x] = True
        removed[x] = True
        remaining -= 1
        for y in adjacent[x]:
            adjacent[y].discard(x)
            undirected[y].discard(x)
            out_dir[y].discard(x)
            if not queued[y] and not removed[y]:
                queued[y] = True
                heapq.heappush(heap, y)
    if remaining:
        raise ValueError(
            "M has no consistent DAG extension: every orientation of its undirected edges "
            "creates a directed cycle or a v-structure that M does not have, so it is not "
            "a CPDAG."
        )
    return D.astype(int)


def is_cpdag(M):
    """Whether ``M`` is the CPDAG (essential graph) of some DAG.

    True when ``M`` has a consistent DAG extension whose CPDAG is ``M``
    itself; false for a valid partially directed graph that is not
    maximally oriented (e.g. a collider written with undirected edges).

    Parameters
    ----------
    M : array-like of shape (d, d)
        0/1 marks, ``M[i, j] = M[j, i] = 1`` for an undirected edge.

    Returns
    -------
    bool

    Raises
    ------
    ValueError, TypeError
        ``M`` is not a square matrix of 0/1 numbers with zero diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.graph import is_cpdag
    >>> is_cpdag(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))  # 0 - 1 - 2
    True
    >>> is_cpdag(np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]]))  # 0 -> 1 -> 2: not maximal
    False
    """
    P = _check_pdag(M, "M").astype(int)
    try:
        D = cpdag_to_dag(P)
    except ValueError:
        return False
    return bool(np.array_equal(dag_to_cpdag(D), P))


def _meek_orientable(a, b, pa, ch, und, adj):
    """Whether one of Meek's rules 1-4 orients the undirected edge ``a - b`` as ``a -> b``."""
    if any(c not in adj[b] for c in pa[a]):  # rule 1: c -> a - b, c and b non-adjacent
        return True
    if ch[a] & pa[b]:  # rule 2: a -> c -> b
        return True
    both = und[a] & pa[b]  # rule 3: a - c1 -> b, a - c2 -> b, c1 and c2 non-adjacent
    if any(c2 not in adj[c1] for c1 in both for c2 in both if c1 < c2):
        return True
    for c in pa[b] & adj[a]:  # rule 4: a - d -> c -> b, a ~ c, d and b non-adjacent
        if any(d not in adj[b] for d in pa[c] & und[a]):
            return True
    return False


def _mask(mask, shape, name):
    if mask is None:
        return np.zeros(shape, dtype=bool)
    A = check_adjacency(mask, name) != 0
    if A.shape != shape:
        raise ValueError(f"{name} has shape {A.shape} but the graph has shape {shape}.")
    np.fill_diagonal(A, False)
    return A


def apply_background_knowledge(cpdag, *, forbidden=None, required=None):
    """Orient a CPDAG further by prior knowledge, then close it under Meek's rules 1-4.

    Knowing that ``i -> j`` cannot be (``forbidden``) or must be
    (``required``) orients an undirected ``i - j``; Meek's (1995) rules then
    orient every edge that the knowledge and the class together determine.
    The result is the maximally oriented PDAG (MPDAG): an edge is directed
    exactly when every DAG of the class that agrees with the knowledge
    orients it the same way. Rule 4 is needed here, unlike for the class
    of a DAG alone.

    Parameters
    ----------
    cpdag : array-like of shape (d, d)
        0/1 marks, ``M[i, j] = M[j, i] = 1`` for an undirected edge.
    forbidden : array-like of bool, shape (d, d), optional
        ``True`` at ``[i, j]``: no ``i -> j`` (e.g. ``~StableDAGLearner.edge_mask_``).
    required : array-like of bool, shape (d, d), optional
        ``True`` at ``[i, j]``: ``i -> j`` is known (e.g. ``required_mask_``).

    Returns
    -------
    ndarray of shape (d, d), dtype int
        The same encoding, with more edges directed.

    Raises
    ------
    ValueError
        Marks other than 0/1, shapes that do not match, or knowledge that
        no DAG of the class satisfies (a forbidden compelled edge, an edge
        forbidden both ways, a required edge that is absent, or
        orientations that would create a cycle or a new v-structure).

    See Also
    --------
    dag_to_cpdag : the class of a DAG, without knowledge.

    Examples
    --------
    The chain's class ``0 - 1 - 2``; knowing that 1 does not cause 0 orients
    ``0 -> 1``, and then rule 1 orients ``1 -> 2``.

    >>> import numpy as np
    >>> from stabledag.graph import apply_background_knowledge
    >>> chain_class = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    >>> forbidden = np.zeros((3, 3), dtype=bool)
    >>> forbidden[1, 0] = True
    >>> apply_background_knowledge(chain_class, forbidden=forbidden)
    array([[0, 1, 0],
           [0, 0, 1],
           [0, 0, 0]])
    """
    P = _check_pdag(cpdag, "cpdag")
    d = P.shape[0]
    F = _mask(forbidden, P.shape, "forbidden") | _mask(required, P.shape, "required").T
    R = _mask(required, P.shape, "required")
    missing = np.argwhere(R & ~(P | P.T))
    if missing.size:
        i, j = missing[0].tolist()
        raise ValueError(f"required edge {i} -> {j} is not in the graph at all.")
    conflict = np.argwhere(F & P & ~P.T)
    if conflict.size:
        i, j = conflict[0].tolist()
        raise ValueError(
            f"{i} -> {j} is compelled in every DAG of the class but the knowledge forbids it "
            "(or requires the reverse); no DAG of the class satisfies the knowledge."
        )
    both = np.argwhere(F & F.T & P)
    if both.size:
        i, j = both[0].tolist()
        raise ValueError(f"the knowledge rules out both directions of the edge {i} - {j}.")
    if not np.any(F & P & P.T):  # nothing to orient: a CPDAG is closed under the rules
        return P.astype(int)
    pa = [set(np.flatnonzero(P[:, v] & ~P[v, :]).tolist()) for v in range(d)]
    ch = [set(np.flatnonzero(P[v, :] & ~P[:, v]).tolist()) for v in range(d)]
    und = [set(np.flatnonzero(P[v, :] & P[:, v]).tolist()) for v in range(d)]
    adj = [pa[v] | ch[v] | und[v] for v in range(d)]

    def orient(a, b):
        und[a].discard(b)
        und[b].discard(a)
        ch[a].add(b)
        pa[b].add(a)

    for i, j in np.argwhere(F & P & P.T).tolist():  # forbidden i -> j: j -> i
        if i in und[j]:
            orient(j, i)
    changed = True
    while changed:
        changed = False
        for a in range(d):
            for b in sorted(und[a]):
                if b not in und[a]:
                    continue
                if _meek_orientable(a, b, pa, ch, und, adj):
                    orient(a, b)
                    changed = True
                elif _meek_orientable(b, a, pa, ch, und, adj):
                    orient(b, a)
                    changed = True
    M = np.zeros((d, d), dtype=int)
    for v in range(d):
        for c in ch[v] | und[v]:
            M[v, c] = 1
    try:
        member = cpdag_to_dag(M)
    except ValueError:
        member = None
    if member is None or np.any(member & F) or not np.array_equal(dag_to_cpdag(member), P):
        if not is_cpdag(P):
            raise ValueError(
                "cpdag is not the CPDAG of any DAG (e.g. use dag_to_cpdag on a DAG first)."
            )
        raise ValueError(
            "No DAG of the class satisfies the knowledge: the orientations it implies "
            "create a directed cycle or a v-structure the class does not have."
        )
    return M


def to_networkx(W, node_names=None, *, cpdag=False):
    """Convert a weighted adjacency matrix (or a CPDAG) to a ``networkx.DiGraph``.

    Parameters
    ----------
    W : array-like of shape (d, d)
        Weighted adjacency, nonzero ``[i, j]`` meaning ``i -> j``.
    node_names : sequence of str, optional
        Labels for the nodes; default ``x0 ... x{d-1}``.
    cpdag : bool or array-like of shape (d, d), default=False
        Give the Markov equivalence class: with ``True``, a ``W`` with no
        pair marked both ways is taken as a DAG and replaced by its CPDAG
        (:func:`dag_to_cpdag`), and a ``W`` with such a pair is taken as a
        CPDAG as given; a 0/1 matrix gives the marks to use (e.g. a class
        oriented further by :func:`apply_background_knowledge`) with the
        weights of ``W``, whose skeleton it must have. An undirected edge
        ``i - j`` becomes the two edges ``i -> j`` and ``j -> i``, and every
        edge gets a boolean attribute ``undirected``.

    Returns
    -------
    networkx.DiGraph
        One node per variable (isolated nodes included) and an edge, with
        attribute ``weight``, for each nonzero off-diagonal entry (for a
        class: for each mark; both copies of an undirected edge carry the
        weight of the DAG's edge).

    Examples
    --------
    >>> from stabledag.graph import to_networkx
    >>> G = to_networkx([[0, 0.8], [0, 0]], ["a", "b"])
    >>> list(G.edges(data="weight"))
    [('a', 'b', 0.8)]
    >>> C = to_networkx([[0, 0.8], [0, 0]], ["a", "b"], cpdag=True)
    >>> sorted(C.edges(data="undirected"))
    [('a', 'b', True), ('b', 'a', True)]
    """
    import networkx as nx

    W = check_adjacency(W, "W")
    d = W.shape[0]
    names = [f"x{i}" for i in range(d)] if node_names is None else [str(n) for n in node_names]
    if len(names) != d:
        raise ValueError(f"node_names has {len(names)} entries but the graph has {d} nodes.")
    G = nx.DiGraph()
    G.add_nodes_from(names)
    A = _edges_mask(W)
    if isinstance(cpdag, (bool, np.bool_)) or cpdag is None:
        if not cpdag:
            for i, j in zip(*np.nonzero(A)):
                G.add_edge(names[i], names[j], weight=float(W[i, j]))
            return G
        M = A.astype(int) if np.any(A & A.T) else dag_to_cpdag(A)
    else:
        M = _check_pdag(cpdag, "cpdag").astype(int)
        if M.shape != W.shape or not np.array_equal(M | M.T, A | A.T):
            raise ValueError(
                "cpdag must have the skeleton of W (the same adjacent pairs); pass the "
                "marks of W's class, e.g. apply_background_knowledge(dag_to_cpdag(W), ...)."
            )
    for i, j in zip(*np.nonzero(M)):
        weight = W[i, j] if W[i, j] != 0 else W[j, i]
        G.add_edge(names[i], names[j], weight=float(weight), undirected=bool(M[j, i]))
    return G


# ----------------------------------------------------------------- causal-learn
def from_causallearn(G):
    """Convert a causal-learn graph (``GeneralGraph`` convention) to a 0/1 matrix.

    causal-learn (PC, GES, GRaSP, BOSS output) writes the edge ``i -> j`` as
    ``G[j, i] = 1, G[i, j] = -1`` (1 marks an arrowhead at the row's node,
    -1 a tail) and the undirected edge ``i - j`` as ``G[i, j] = G[j, i] = -1``.
    stabledag writes ``M[i, j] = 1, M[j, i] = 0`` for ``i -> j`` and
    ``M[i, j] = M[j, i] = 1`` for ``i - j``, so the result can go straight
    into :mod:`stabledag.metrics` (e.g. ``shd_cpdag``) and
    :func:`stabledag.plotting.plot_graph`.

    Parameters
    ----------
    G : array-like of shape (d, d), or an object with ``.graph`` or ``.G.graph``
        The endpoint matrix, a ``GeneralGraph`` (``.graph``), or PC's
        ``CausalGraph`` (``.G.graph``).

    Returns
    -------
    ndarray of shape (d, d), dtype int
        A DAG when every edge is directed, else a CPDAG-style 0/1 matrix.

    Raises
    ------
    ValueError
        Marks a DAG or CPDAG cannot hold: bidirected edges (``1`` both ways,
        a latent confounder in FCI/PAG output), circle marks (``2``), a
        one-sided mark, or a nonzero diagonal.

    See Also
    --------
    to_causallearn : the reverse conversion.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag.graph import from_causallearn
    >>> G = np.array([[0, -1, 0], [1, 0, -1], [0, -1, 0]])  # 0 -> 1 - 2
    >>> from_causallearn(G)
    array([[0, 1, 0],
           [0, 0, 1],
           [0, 1, 0]])
    """
    inner = getattr(G, "G", None)
    if inner is not None and hasattr(inner, "graph"):
        G = inner.graph
    elif hasattr(G, "graph"):
        G = G.graph
    E = check_adjacency(G, "G")
    known = (E == 0) | (E == 1) | (E == -1)
    if not np.all(known):
        i, j = np.argwhere(~known)[0].tolist()
        what = "a circle mark (PAG/FCI output)" if E[i, j] == 2 else "not a mark"
        raise ValueError(
            f"G[{i}, {j}] = {E[i, j]:g} is {what}; only DAGs and CPDAGs (marks -1, 0, 1) "
            "can be converted."
        )
    if np.any(np.diag(E) != 0):
        raise ValueError("G has a nonzero diagonal; a causal-learn graph has 0 there.")
    M = np.zeros(E.shape, dtype=int)
    for i, j in zip(*np.nonzero(np.triu(E != 0) | np.triu(E.T != 0))):
        a, b = E[i, j], E[j, i]
        if a == -1 and b == 1:
            M[i, j] = 1
        elif a == 1 and b == -1:
            M[j, i] = 1
        elif a == -1 and b == -1:
            M[i, j] = M[j, i] = 1
        elif a == 1 and b == 1:
            raise ValueError(
                f"G has a bidirected edge {i} <-> {j} (1 at [{i}, {j}] and [{j}, {i}]: a "
                "latent confounder in FCI/PAG output); a DAG or CPDAG cannot hold it."
            )
        else:
            raise ValueError(
                f"G has a one-sided mark between {i} and {j} (G[{i}, {j}] = {a:g}, "
                f"G[{j}, {i}] = {b:g}); every edge needs a mark at both ends."
            )
    return M


def to_causallearn(M):
    """Convert a DAG or CPDAG matrix to causal-learn's endpoint convention.

    The reverse of :func:`from_causallearn`: ``i -> j`` becomes
    ``G[j, i] = 1, G[i, j] = -1``; an undirected ``i - j`` (nonzero both
    ways) becomes ``G[i, j] = G[j, i] = -1``. To get a causal-learn object,
    assign the array to the ``graph`` attribute of a ``GeneralGraph`` made
    from ``d`` ``GraphNode`` objects.

    Parameters
    ----------
    M : array-like of shape (d, d)
        Nonzero ``[i, j]`` meaning an edge mark ``i -> j`` (weights
        allowed); the diagonal must be zero.

    Returns
    -------
    ndarray of shape (d, d), dtype int
        Entries in {-1, 0, 1}.

    Examples
    --------
    >>> from stabledag.graph import to_causallearn
    >>> to_causallearn([[0, 1], [0, 0]])  # 0 -> 1
    array([[ 0, -1],
           [ 1,  0]])
    """
    A = check_adjacency(M, "M") != 0
    loops = np.flatnonzero(np.diag(A))
    if loops.size:
        raise ValueError(f"M has a self-loop at node {int(loops[0])}; the diagonal must be 0.")
    both = A & A.T
    directed = A & ~A.T
    G = np.zeros(A.shape, dtype=int)
    G[both] = -1
    G[directed] = -1
    G[directed.T] = 1
    return G
