"""Equivalence classes: dag_to_cpdag, cpdag_to_dag, is_cpdag and the causal-learn converters.

References are independent of the code under test: (1) brute force over every
orientation of the skeleton, keeping the acyclic ones with the same
v-structures (Verma & Pearl 1990), an edge being directed in the CPDAG iff
every member orients it the same way; (2) v-structures closed under Meek's
rules 1-3, written here from the rules' statements.
"""

import itertools

import networkx as nx
import numpy as np
import pytest

from stabledag.graph import (
    apply_background_knowledge,
    cpdag_to_dag,
    dag_to_cpdag,
    from_causallearn,
    is_cpdag,
    is_dag,
    to_causallearn,
    to_networkx,
)

from ._equivalence import brute_force_cpdag, class_members, knowledge_reference, random_dag


def meek_cpdag(A):
    """Skeleton, v-structures, then Meek's rules 1-3 until nothing changes."""
    A = A.astype(bool)
    d = A.shape[0]
    adj = A | A.T
    M = adj.copy()  # M[i, j] and not M[j, i]: i -> j; both: i - j
    for c in range(d):
        for a, b in itertools.combinations(np.flatnonzero(A[:, c]), 2):
            if not adj[a, b]:
                M[c, a] = M[c, b] = False

    def directed(i, j):
        return M[i, j] and not M[j, i]

    def undirected(i, j):
        return M[i, j] and M[j, i]

    changed = True
    while changed:
        changed = False
        for b, c in itertools.permutations(range(d), 2):
            if not undirected(b, c):
                continue
            others = [k for k in range(d) if k not in (b, c)]
            rule1 = any(directed(a, b) and not adj[a, c] for a in others)
            rule2 = any(directed(b, k) and directed(k, c) for k in others)
            rule3 = any(
                undirected(b, k1)
                and undirected(b, k2)
                and directed(k1, c)
                and directed(k2, c)
                and not adj[k1, k2]
                for k1, k2 in itertools.combinations(others, 2)
            )
            if rule1 or rule2 or rule3:
                M[c, b] = False
                changed = True
    return M.astype(int)


def _random_small_dags(count, max_edges=11):
    rng = np.random.default_rng(2024)
    out = []
    while len(out) < count:
        d = int(rng.integers(2, 8))
        A = random_dag(rng, d, rng.uniform(0.2, 0.8))
        if A.sum() <= max_edges:
            out.append(A)
    return out


def test_against_brute_force_on_hundreds_of_random_dags():
    dags = _random_small_dags(400)
    n_undirected = 0
    for A in dags:
        expected = brute_force_cpdag(A)
        got = dag_to_cpdag(A)
        assert np.array_equal(got, expected), A
        n_undirected += int((got & got.T).sum())
    assert n_undirected > 100  # the sample has reversible edges, not only compelled ones


@pytest.mark.parametrize("seed", range(6))
def test_against_meek_closure_on_larger_graphs(seed):
    rng = np.random.default_rng(seed)
    for _ in range(5):
        d = int(rng.integers(8, 25))
        A = random_dag(rng, d, rng.uniform(1.0, 3.0) / d)
        assert np.array_equal(dag_to_cpdag(A), meek_cpdag(A))


def test_meek_reference_agrees_with_brute_force():
    """The second reference is itself checked against the first."""
    for A in _random_small_dags(80):
        assert np.array_equal(meek_cpdag(A), brute_force_cpdag(A))


def _matrix(d, directed=(), undirected=()):
    M = np.zeros((d, d), dtype=int)
    for i, j in directed:
        M[i, j] = 1
    for i, j in undirected:
        M[i, j] = M[j, i] = 1
    return M


TEXTBOOK = {
    # name: (DAG edges, expected directed, expected undirected)
    "chain": ([(0, 1), (1, 2)], [], [(0, 1), (1, 2)]),
    "fork": ([(1, 0), (1, 2)], [], [(0, 1), (1, 2)]),
    "collider": ([(0, 2), (1, 2)], [(0, 2), (1, 2)], []),
    "shielded collider": ([(0, 1), (0, 2), (1, 2)], [], [(0, 1), (0, 2), (1, 2)]),
    # rule 1: 0 -> 2 <- 1, and 2 - 3 with 3 adjacent to neither parent: 2 -> 3
    "meek rule 1": ([(0, 2), (1, 2), (2, 3)], [(0, 2), (1, 2), (2, 3)], []),
    # rule 2: 0 -> 1 <- 4 compels 0 -> 1, rule 1 gives 1 -> 2, then 0 -> 1 -> 2 and 0 - 2: 0 -> 2
    "meek rule 2": ([(0, 1), (4, 1), (1, 2), (0, 2)], [(0, 1), (4, 1), (1, 2), (0, 2)], []),
    # rule 3: 1 -> 3 <- 2 (1, 2 non-adjacent), 0 - 1, 0 - 2, 0 - 3: 0 -> 3
    "meek rule 3": (
        [(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)],
        [(1, 3), (2, 3), (0, 3)],
        [(0, 1), (0, 2)],
    ),
}


@pytest.mark.parametrize("name", list(TEXTBOOK))
def test_textbook_cases(name):
    edges, directed, undirected = TEXTBOOK[name]
    d = 1 + max(max(e) for e in edges)
    A = _matrix(d, directed=edges)
    expected = _matrix(d, directed, undirected)
    assert np.array_equal(dag_to_cpdag(A), expected)
    assert np.array_equal(brute_force_cpdag(A), expected)  # the hand-written answer is right


def test_rules_are_each_needed():
    """Each Meek case needs its rule: without it the reference leaves the edge undirected."""
    A = _matrix(5, directed=TEXTBOOK["meek rule 2"][0])
    cp = dag_to_cpdag(A)
    assert cp[0, 2] == 1 and cp[2, 0] == 0  # rule 2's edge: no v-structure, no rule-1 pattern
    A = _matrix(4, directed=TEXTBOOK["meek rule 3"][0])
    cp = dag_to_cpdag(A)
    assert cp[0, 3] == 1 and cp[3, 0] == 0


def test_weights_empty_and_trivial_graphs():
    W = np.array([[0, 0.3, 0], [0, 0, -2.0], [0, 0, 0]])
    assert np.array_equal(dag_to_cpdag(W), dag_to_cpdag(W != 0))
    assert np.array_equal(dag_to_cpdag(np.zeros((4, 4))), np.zeros((4, 4), dtype=int))
    assert dag_to_cpdag(np.zeros((1, 1))).shape == (1, 1)
    assert dag_to_cpdag(np.zeros((0, 0))).shape == (0, 0)


def test_input_is_not_modified():
    A = _matrix(3, directed=[(0, 1), (1, 2)])
    before = A.copy()
    dag_to_cpdag(A)
    cpdag_to_dag(dag_to_cpdag(A))
    assert np.array_equal(A, before)


@pytest.mark.parametrize(
    ("B", "error", "match"),
    [
        ([[0, 1], [1, 0]], ValueError, "cycle"),
        ([[1, 0], [0, 0]], ValueError, "self-loop"),
        ([[0, 1, 0], [0, 0, 1]], ValueError, "square"),
        ([[0, np.nan], [0, 0]], ValueError, "nan"),
        ([[0, "x"], [0, 0]], TypeError, "numbers"),
    ],
)
def test_dag_to_cpdag_bad_input(B, error, match):
    with pytest.raises(error, match=match):
        dag_to_cpdag(B)


def test_cpdag_to_dag_returns_a_member_of_the_class():
    for A in _random_small_dags(150):
        cp = dag_to_cpdag(A)
        D = cpdag_to_dag(cp)
        assert is_dag(D)
        members = class_members(A)
        assert any(np.array_equal(D, m) for m in members)
        assert is_cpdag(cp)


def test_cpdag_to_dag_and_is_cpdag_on_non_cpdags():
    assert not is_cpdag(_matrix(3, directed=[(0, 1), (1, 2)]))  # a DAG, not its class
    assert not is_cpdag(_matrix(3, directed=[(0, 1)], undirected=[(1, 2)]))  # not maximal
    assert is_cpdag(_matrix(3, directed=[(0, 2), (1, 2)]))  # a collider is its own class
    square = _matrix(4, undirected=[(0, 1), (1, 2), (2, 3), (3, 0)])  # chordless 4-cycle
    with pytest.raises(ValueError, match="no consistent DAG extension"):
        cpdag_to_dag(square)
    assert not is_cpdag(square)
    cycle = _matrix(3, directed=[(0, 1), (1, 2), (2, 0)])
    with pytest.raises(ValueError, match="no consistent DAG extension"):
        cpdag_to_dag(cycle)
    with pytest.raises(ValueError, match="0/1"):
        cpdag_to_dag([[0, 2], [0, 0]])
    with pytest.raises(ValueError, match="diagonal"):
        is_cpdag([[1, 0], [0, 0]])


def test_to_networkx_cpdag():
    A = _matrix(4, directed=[(0, 2), (1, 2), (2, 3), (0, 1)])  # 0 -> 2 <- 1 shielded: 0 - 1
    W = A * 0.5
    G = to_networkx(W, list("abcd"), cpdag=True)
    undirected = {(u, v) for u, v, und in G.edges(data="undirected") if und}
    directed = {(u, v) for u, v, und in G.edges(data="undirected") if not und}
    cp = brute_force_cpdag(A)
    names = "abcd"
    expect_und = {(names[i], names[j]) for i, j in zip(*np.nonzero(cp & cp.T))}
    expect_dir = {(names[i], names[j]) for i, j in zip(*np.nonzero(cp & (1 - cp.T)))}
    assert undirected == expect_und and directed == expect_dir
    assert all(w == 0.5 for _, _, w in G.edges(data="weight"))
    assert isinstance(G, nx.DiGraph) and list(G.nodes) == list("abcd")
    # a CPDAG is used as given
    C = to_networkx(cp, list("abcd"), cpdag=True)
    assert set(C.edges) == set(G.edges)
    # explicit marks (e.g. a class oriented by knowledge), weights from W
    marks = cp.copy()
    marks[1, 0] = 0  # 0 -> 1 instead of 0 - 1
    K = to_networkx(W, list("abcd"), cpdag=marks)
    assert K["a"]["b"] == {"weight": 0.5, "undirected": False} and not K.has_edge("b", "a")
    with pytest.raises(ValueError, match="skeleton"):
        to_networkx(W, cpdag=np.zeros((4, 4)))
    # default: a plain DiGraph without the attribute
    assert "undirected" not in next(iter(to_networkx(W).edges(data=True)))[2]


# ----------------------------------------------------------------- causal-learn
def test_causallearn_convention_by_hand():
    # 0 -> 1, 1 - 2, 3 -> 1
    G = np.zeros((4, 4), dtype=int)
    G[1, 0], G[0, 1] = 1, -1
    G[1, 2] = G[2, 1] = -1
    G[1, 3], G[3, 1] = 1, -1
    expected = _matrix(4, directed=[(0, 1), (3, 1)], undirected=[(1, 2)])
    assert np.array_equal(from_causallearn(G), expected)
    assert np.array_equal(to_causallearn(expected), G)


def test_causallearn_round_trip_and_objects():
    rng = np.random.default_rng(5)
    for _ in range(50):
        cp = dag_to_cpdag(random_dag(rng, int(rng.integers(2, 12)), 0.4))
        G = to_causallearn(cp)
        assert set(np.unique(G)) <= {-1, 0, 1}
        assert np.array_equal(from_causallearn(G), cp)
        assert np.array_equal(to_causallearn(from_causallearn(G)), G)

    class GeneralGraph:
        graph = to_causallearn(_matrix(2, directed=[(0, 1)]))

    class CausalGraph:
        G = GeneralGraph()

    assert from_causallearn(GeneralGraph()).tolist() == [[0, 1], [0, 0]]
    assert from_causallearn(CausalGraph()).tolist() == [[0, 1], [0, 0]]


@pytest.mark.parametrize(
    ("G", "match"),
    [
        ([[0, 1], [1, 0]], "bidirected"),
        ([[0, 2], [1, 0]], "circle"),
        ([[0, -1], [0, 0]], "one-sided"),
        ([[0, 5], [-1, 0]], "not a mark"),
        ([[-1, 0], [0, 0]], "diagonal"),
    ],
)
def test_from_causallearn_rejects_other_marks(G, match):
    with pytest.raises(ValueError, match=match):
        from_causallearn(np.array(G))


# ------------------------------------------------------- background knowledge
def test_background_knowledge_against_brute_force():
    rng = np.random.default_rng(7)
    n_rule4_like = 0
    for A in _random_small_dags(300):
        cp = dag_to_cpdag(A)
        d = len(A)
        reversed_edges = A.T.astype(bool)
        forbidden = reversed_edges & (rng.random((d, d)) < 0.3)  # A satisfies it
        forbidden |= ~(A | A.T).astype(bool) & (rng.random((d, d)) < 0.2)  # irrelevant pairs
        np.fill_diagonal(forbidden, False)
        required = A.astype(bool) & (rng.random((d, d)) < 0.15)
        got = apply_background_knowledge(cp, forbidden=forbidden, required=required)
        expected = knowledge_reference(A, forbidden, required)
        assert np.array_equal(got, expected), (A, forbidden, required)
        n_rule4_like += int((got & got.T).sum() < (cp & cp.T).sum())
    assert n_rule4_like > 50  # the knowledge oriented edges in many cases


def test_meek_rule_4_is_needed_with_knowledge():
    """Knowledge orients d -> c -> b around a - d, a - c, a - b (b, d non-adjacent): only
    rule 4 then orients a -> b."""
    # DAG a=0 -> b=1, a -> c=2, a -> d=3, d -> c, c -> b; skeleton has b, d non-adjacent
    A = _matrix(4, directed=[(0, 1), (0, 2), (0, 3), (3, 2), (2, 1)])
    cp = dag_to_cpdag(A)
    forbidden = np.zeros((4, 4), dtype=bool)
    forbidden[2, 3] = forbidden[1, 2] = True  # orients d -> c and c -> b
    got = apply_background_knowledge(cp, forbidden=forbidden)
    assert np.array_equal(got, knowledge_reference(A, forbidden, np.zeros((4, 4), bool)))
    assert got[0, 1] == 1 and got[1, 0] == 0  # a -> b


def test_background_knowledge_errors():
    chain_class = _matrix(3, undirected=[(0, 1), (1, 2)])
    collider = _matrix(3, directed=[(0, 1), (2, 1)])
    forbid = np.zeros((3, 3), dtype=bool)
    forbid[0, 1] = True
    with pytest.raises(ValueError, match="compelled"):
        apply_background_knowledge(collider, forbidden=forbid)
    both = forbid | forbid.T
    with pytest.raises(ValueError, match="both directions"):
        apply_background_knowledge(chain_class, forbidden=both)
    req = np.zeros((3, 3), dtype=bool)
    req[0, 2] = True
    with pytest.raises(ValueError, match="not in the graph"):
        apply_background_knowledge(chain_class, required=req)
    v = np.zeros((3, 3), dtype=bool)
    v[0, 1] = v[2, 1] = True  # 0 -> 1 <- 2: a v-structure the chain's class does not have
    with pytest.raises(ValueError, match="No DAG of the class"):
        apply_background_knowledge(chain_class, required=v)
    with pytest.raises(ValueError, match="shape"):
        apply_background_knowledge(chain_class, forbidden=np.zeros((2, 2)))
    not_a_class = _matrix(3, directed=[(0, 1)], undirected=[(1, 2)])  # 0 -> 1 - 2
    with pytest.raises(ValueError, match="not the CPDAG"):
        apply_background_knowledge(not_a_class, required=_matrix(3, directed=[(2, 1)]))
