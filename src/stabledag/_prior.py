"""Prior knowledge: forbidden edges, required edges and tiers, checked and turned into masks.

No torch here. Nodes are named by position (an integer) or, when ``X`` had
column names, by name.
"""

import numbers

import numpy as np

from .graph import is_dag

__all__ = ["resolve_prior"]


def _index(node, names, has_names, what):
    if isinstance(node, str):
        if not has_names:
            raise ValueError(
                f"{what} names node {node!r}, but X has no column names; give "
                "nodes by integer position or fit on a DataFrame."
            )
        if node not in names:
            raise ValueError(
                f"{what} names node {node!r}, which is not a column of X (columns: {list(names)})."
            )
        return names.index(node)
    if isinstance(node, (numbers.Integral, np.integer)) and not isinstance(node, bool):
        if not 0 <= int(node) < len(names):
            raise ValueError(
                f"{what} has node index {node}, out of range for X with "
                f"{len(names)} columns (0 to {len(names) - 1})."
            )
        return int(node)
    raise TypeError(
        f"{what} must give nodes as column names (str) or positions (int), "
        f"got {node!r} of type {type(node).__name__}."
    )


def _edge_list(edges, names, has_names, what):
    if edges is None:
        return []
    out = []
    for edge in edges:
        if isinstance(edge, str) or len(edge) != 2:
            raise ValueError(f"{what} must be (parent, child) pairs, got {edge!r}.")
        out.append(
            (_index(edge[0], names, has_names, what), _index(edge[1], names, has_names, what))
        )
    return out


def _tier_of(tiers, names, has_names):
    tier = np.full(len(names), -1)
    if tiers is None:
        return tier
    for level, group in enumerate(tiers):
        if isinstance(group, (str, numbers.Integral)):
            raise ValueError(
                f"tiers must be a sequence of groups of nodes, got the bare "
                f"node {group!r}; write [[a, b], [c]]."
            )
        for node in group:
            k = _index(node, names, has_names, "tiers")
            if tier[k] >= 0:
                raise ValueError(
                    f"tiers lists node {names[k]!r} in two tiers ({tier[k]} and {level})."
                )
            tier[k] = level
    return tier


def _describe(i, j, names):
    return f"{names[i]!r} -> {names[j]!r}"


def resolve_prior(forbidden_edges, required_edges, tiers, names, has_names):
    """Masks of allowed and required edges, after checking the knowledge is consistent.

    Parameters
    ----------
    forbidden_edges, required_edges : iterable of (parent, child) or None
    tiers : sequence of groups of nodes, or None
        No edge may point from a later tier to an earlier one; nodes in no
        tier are unconstrained.
    names : list of str
        Node names (``x0 ...`` when X had none).
    has_names : bool
        Whether X had column names (only then may nodes be given by name).

    Returns
    -------
    allowed : ndarray of bool, shape (d, d)
        False on the diagonal, on forbidden edges and on edges against the tiers.
    required : ndarray of bool, shape (d, d)
    """
    d = len(names)
    forbidden = _edge_list(forbidden_edges, names, has_names, "forbidden_edges")
    required = _edge_list(required_edges, names, has_names, "required_edges")
    tier = _tier_of(tiers, names, has_names)
    allowed = ~np.eye(d, dtype=bool)
    for i, j in forbidden:
        allowed[i, j] = False
    later = (tier[:, None] > tier[None, :]) & (tier[:, None] >= 0) & (tier[None, :] >= 0)
    must = np.zeros((d, d), dtype=bool)
    for i, j in required:
        if i == j:
            raise ValueError(f"required_edges has the self-loop {_describe(i, j, names)}.")
        if (i, j) in forbidden:
            raise ValueError(f"{_describe(i, j, names)} is both required and forbidden.")
        if later[i, j]:
            raise ValueError(
                f"required edge {_describe(i, j, names)} points from tier "
                f"{tier[i]} back to tier {tier[j]}."
            )
        must[i, j] = True
    if not is_dag(must):
        raise ValueError("required_edges form a directed cycle; a DAG cannot contain them all.")
    return allowed & ~later, must
