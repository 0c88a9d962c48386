"""Prior knowledge: forbidden edges, required edges and tiers, checked and turned into masks.

No torch here. Nodes are named by position (an integer) or, when ``X`` had
column names, by name.
"""

import numbers
from collections.abc import Iterable, Iterator, Sequence

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


def _reusable(value, what):
    """Refuse a one-shot iterator: the first fit would use it up and a refit see nothing.

    scikit-learn's contract is that ``fit`` leaves the parameters as given, so
    that every fit (a refit, ``clone``, ``GridSearchCV``, ``EdgeStability``)
    sees the same knowledge. Reading a generator changes it, and a copy made
    inside ``fit`` would have to be stored back into the parameter, which
    the contract forbids; so the only honest answer is an error up front.
    """
    if isinstance(value, Iterator):
        raise TypeError(
            f"{what} is a one-shot iterator ({type(value).__name__}): the first fit would "
            "use it up and every later fit (a refit, clone, GridSearchCV, EdgeStability) "
            f"would silently see none of it. Pass a list instead, e.g. {what}=list(...)."
        )


def _is_node(value):
    return isinstance(value, (str, numbers.Integral, np.integer))


def _pair(edge, what):
    """``edge`` as a (parent, child) tuple, or a TypeError/ValueError saying what a pair is."""
    _reusable(edge, f"An item of {what}")
    if isinstance(edge, np.ndarray) and edge.ndim == 1:
        edge = tuple(edge.tolist())
    if isinstance(edge, str) or not isinstance(edge, Sequence):
        raise TypeError(
            f"{what} must be (parent, child) pairs, each a tuple or list such as ('a', 'b') "
            f"or (0, 2); got {edge!r} of type {type(edge).__name__}."
        )
    if len(edge) != 2:
        raise ValueError(f"{what} must be (parent, child) pairs, got {edge!r}.")
    return edge


def _edge_list(edges, names, has_names, what):
    if edges is None:
        return []
    _reusable(edges, what)
    if isinstance(edges, (str, bytes, dict)) or not isinstance(edges, Iterable):
        raise TypeError(
            f"{what} must be a list of (parent, child) pairs, such as [('a', 'b'), (0, 2)], "
            f"or None; got {edges!r} of type {type(edges).__name__}."
        )
    edges = list(edges)
    if len(edges) == 2 and all(_is_node(node) for node in edges):
        raise ValueError(
            f"{what} must be a list of (parent, child) pairs; {tuple(edges)!r} is a single "
            f"pair: write [{tuple(edges)!r}]."
        )
    out = []
    for edge in edges:
        parent, child = _pair(edge, what)
        out.append((_index(parent, names, has_names, what), _index(child, names, has_names, what)))
    return out


def _tier_of(tiers, names, has_names):
    tier = np.full(len(names), -1)
    if tiers is None:
        return tier
    _reusable(tiers, "tiers")
    if isinstance(tiers, (str, bytes, dict)) or not isinstance(tiers, Iterable):
        raise TypeError(
            "tiers must be a list of groups of nodes, earliest first, such as "
            f"[['age', 'sex'], ['treatment'], ['outcome']], or None; got {tiers!r} of type "
            f"{type(tiers).__name__}."
        )
    for level, group in enumerate(tiers):
        if _is_node(group):
            raise ValueError(
                f"tiers must be a sequence of groups of nodes, got the bare "
                f"node {group!r}; write [[a, b], [c]]."
            )
        _reusable(group, "A group of tiers")
        if isinstance(group, (bytes, dict)) or not isinstance(group, Iterable):
            raise TypeError(
                f"tiers must be a list of groups of nodes, such as [['a', 'b'], ['c']]; "
                f"group {level} is {group!r} of type {type(group).__name__}."
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
    forbidden_edges, required_edges : list of (parent, child) pairs, or None
        Any re-iterable collection (list, tuple, set, array of shape
        (k, 2)); a one-shot iterator such as a generator is a ``TypeError``.
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
