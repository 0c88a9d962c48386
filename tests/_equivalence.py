"""Brute-force references on Markov equivalence classes, shared by the tests.

Independent of the code under test: every orientation of the skeleton is
enumerated and the acyclic ones with the same v-structures kept (Verma &
Pearl 1990).
"""

import itertools

import numpy as np


def random_dag(rng, d, p):
    """A DAG with edge probability ``p`` on a random order (nodes relabelled at random)."""
    lower = np.tril(rng.random((d, d)) < p, k=-1)
    perm = rng.permutation(d)
    return lower[np.ix_(perm, perm)].astype(int)


def _v_structures(D, adj):
    """Boolean (..., a, b, c): a -> c <- b with a != b non-adjacent."""
    d = adj.shape[0]
    V = D[..., :, None, :] & D[..., None, :, :] & ~adj[:, :, None]
    return V & ~np.eye(d, dtype=bool)[:, :, None]


def class_members(A):
    """Every DAG with the skeleton and the v-structures of ``A`` (brute force, vectorised)."""
    A = A.astype(bool)
    d = A.shape[0]
    adj = A | A.T
    edges = [(i, j) for i in range(d) for j in range(i + 1, d) if adj[i, j]]
    combos = np.array(list(itertools.product([False, True], repeat=len(edges))), dtype=bool)
    combos = combos.reshape(2 ** len(edges), len(edges))
    D = np.zeros((len(combos), d, d), dtype=bool)
    for k, (i, j) in enumerate(edges):
        D[:, i, j] = ~combos[:, k]
        D[:, j, i] = combos[:, k]
    reach = D.copy()
    for _ in range(int(np.ceil(np.log2(max(d, 2)))) + 1):
        reach |= np.matmul(reach.astype(np.int64), reach.astype(np.int64)) > 0
    acyclic = ~reach[:, np.arange(d), np.arange(d)].any(axis=1)
    same_v = (_v_structures(D, adj) == _v_structures(A, adj)[None]).all(axis=(1, 2, 3))
    return D[acyclic & same_v]


def brute_force_cpdag(A):
    members = class_members(A)
    assert len(members) >= 1
    return members.any(axis=0).astype(int)  # i -> j in some member; both ways iff reversible


def knowledge_reference(A, forbidden, required):
    """Union of the class members that respect the knowledge (no forbidden edge, every
    required edge): an edge is directed iff all of them orient it the same way."""
    members = [D for D in class_members(A) if not np.any(D & forbidden) and np.all(D[required])]
    assert members
    return np.any(members, axis=0).astype(int)
