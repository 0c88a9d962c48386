"""Total effects and IDA against closed forms, path sums and brute force over each class."""

import itertools

import networkx as nx
import numpy as np
import pytest

from stabledag.effects import possible_effects, total_effect, total_effects
from stabledag.graph import dag_to_cpdag

from ._equivalence import class_members, random_dag


def population_cov(W, noise_var=None):
    """Covariance of X = X W + E: inv(I - W)^T diag(noise) inv(I - W)."""
    d = W.shape[0]
    A = np.linalg.inv(np.eye(d) - W)
    D = np.diag(np.ones(d) if noise_var is None else noise_var)
    return A.T @ D @ A


def path_sum(W, i, j):
    """Sum over the directed paths i -> ... -> j of the products of their weights."""
    G = nx.DiGraph([(a, b) for a, b in zip(*np.nonzero(W))])
    if i not in G or j not in G:
        return 0.0
    return sum(
        np.prod([W[a, b] for a, b in itertools.pairwise(path)])
        for path in nx.all_simple_paths(G, i, j)
    )


def random_weights(rng, B):
    signs = rng.choice([-1.0, 1.0], size=B.shape)
    return B * signs * rng.uniform(0.5, 2.0, size=B.shape)


def member_effect(cov, D, x, y):
    """The total effect of x on y in DAG D fitted to cov: each node regressed on its
    parents in D, then inv(I - W_D) (an independent route: global, matrix inverse)."""
    d = D.shape[0]
    W = np.zeros((d, d))
    for j in range(d):
        pa = np.flatnonzero(D[:, j])
        if pa.size:
            W[pa, j] = np.linalg.solve(cov[np.ix_(pa, pa)], cov[pa, j])
    return np.linalg.inv(np.eye(d) - W)[x, y]


# ---------------------------------------------------------------- total effects
def test_closed_forms():
    chain = np.array([[0, 2.0, 0], [0, 0, -3.0], [0, 0, 0]])
    T = total_effects(chain)
    assert T[0, 2] == pytest.approx(-6.0) and T[2, 0] == 0.0 and T[1, 2] == -3.0
    assert np.allclose(np.diag(T), 1.0)
    # diamond a -> b -> d, a -> c -> d, a -> d
    W = np.zeros((4, 4))
    W[0, 1], W[1, 3], W[0, 2], W[2, 3], W[0, 3] = 0.5, 2.0, -1.0, 0.3, 0.7
    assert total_effect(W, 0, 3) == pytest.approx(0.5 * 2.0 - 1.0 * 0.3 + 0.7)
    assert total_effect(W, 3, 0) == 0.0
    assert total_effect(W, 1, 2) == 0.0


def test_against_path_sums_on_random_dags():
    rng = np.random.default_rng(3)
    for _ in range(30):
        d = int(rng.integers(2, 9))
        W = random_weights(rng, random_dag(rng, d, 0.5))
        T = total_effects(W)
        for i, j in itertools.permutations(range(d), 2):
            assert T[i, j] == pytest.approx(path_sum(W, i, j), abs=1e-10)
            assert total_effect(W, i, j) == pytest.approx(T[i, j], abs=1e-10)


def test_units_against_the_raw_model_and_adjustment():
    """Effects of a standardized fit, rescaled, are those of the raw-unit SEM (path sums)
    and the back-door regression on the raw covariance."""
    rng = np.random.default_rng(4)
    for k in range(20):
        d = int(rng.integers(3, 8))
        B = random_dag(rng, d, 0.5)
        spread = 3 if k % 2 else 1  # the back-door check needs a well-conditioned cov
        W_raw = random_weights(rng, B) * 10.0 ** rng.uniform(-spread, spread, size=(d, 1))
        cov_raw = population_cov(W_raw, rng.uniform(0.5, 2.0, d))
        s = np.sqrt(np.diag(cov_raw))
        W_std = W_raw * s[:, None] / s[None, :]  # the SEM of the standardized columns
        T = total_effects(W_std, scale=s)
        for i, j in itertools.permutations(range(d), 2):
            unit = s[j] / s[i]  # one standard deviation of j per one of i
            assert T[i, j] == pytest.approx(path_sum(W_raw, i, j), rel=1e-9, abs=1e-12 * unit)
            if spread == 1:
                Z = [i, *np.flatnonzero(B[:, i]).tolist()]
                backdoor = np.linalg.solve(cov_raw[np.ix_(Z, Z)], cov_raw[Z, j])[0]
                assert T[i, j] == pytest.approx(backdoor, rel=1e-7, abs=1e-8 * unit)
        assert total_effect(W_std, 0, d - 1, scale=s) == pytest.approx(T[0, d - 1])


# -------------------------------------------------------------------------- IDA
def test_fully_directed_class_gives_the_true_effect():
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(60):
        d = int(rng.integers(3, 8))
        B = random_dag(rng, d, 0.6)
        W = random_weights(rng, B)
        cov = population_cov(W, rng.uniform(0.5, 2.0, d))
        cp = dag_to_cpdag(B)
        T = total_effects(W)
        for x in range(d):
            if np.any(cp[x] & cp[:, x]):
                continue  # x has an undirected edge: the class may not fix the effect
            for y in range(d):
                if y != x:
                    values = possible_effects(cov, cp, x, y)
                    assert values.shape == (1,)
                    assert values[0] == pytest.approx(T[x, y], abs=1e-9)
                    checked += 1
    assert checked > 200


def test_chain_class_against_its_members():
    W = np.array([[0, 1.5, 0, 0], [0, 0, -0.8, 0], [0, 0, 0, 2.0], [0, 0, 0, 0]])
    B = (W != 0).astype(int)
    cov = population_cov(W, np.array([1.0, 0.5, 2.0, 1.0]))
    cp = dag_to_cpdag(B)
    assert np.array_equal(cp, cp.T)  # a chain's class: all undirected
    members = class_members(B)
    assert len(members) == 4
    for x, y in itertools.permutations(range(4), 2):
        expected = sorted({round(member_effect(cov, D, x, y), 10) for D in members})
        got = possible_effects(cov, cp, x, y)
        assert np.allclose(got, expected, atol=1e-9), (x, y, got, expected)


def test_random_classes_against_their_members():
    """The local IDA's distinct values equal the set over all DAGs of the class."""
    rng = np.random.default_rng(6)
    n_multi = 0
    for _ in range(60):
        d = int(rng.integers(3, 7))
        B = random_dag(rng, d, 0.5)
        if B.sum() > 9:
            continue
        W = random_weights(rng, B)
        cov = population_cov(W, rng.uniform(0.5, 2.0, d))
        cp = dag_to_cpdag(B)
        members = class_members(B)
        for x, y in itertools.permutations(range(d), 2):
            effects = np.array([member_effect(cov, D, x, y) for D in members])
            expected = np.unique(np.round(effects, 8))
            got = possible_effects(cov, cp, x, y)
            assert np.allclose(np.round(got, 8), expected, atol=1e-8), (B, x, y)
            n_multi += len(got) > 1
    assert n_multi > 20  # many pairs whose effect the class leaves open


def test_multiset_and_names():
    cp = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])  # 0 - 1 - 2
    W = np.array([[0, 1.0, 0], [0, 0, 1.0], [0, 0, 0]])
    cov = population_cov(W)
    # parent sets of 1: {}, {0}, {2}; not {0, 2} (a new v-structure 0 -> 1 <- 2)
    assert possible_effects(cov, cp, 1, 2, unique=False).shape == (3,)
    assert possible_effects(cov, cp, "b", "c", node_names="abc").tolist() == pytest.approx(
        possible_effects(cov, cp, 1, 2).tolist()
    )


def test_sibling_not_adjacent_to_a_parent_never_becomes_a_parent():
    """In a PDAG not closed under Meek's rules (0 -> 1 - 2, 0 and 2 non-adjacent) making 2 a
    parent of 1 would add the v-structure 0 -> 1 <- 2: only the empty set is valid."""
    W = np.array([[0, 1.0, 0], [0, 0, 1.0], [0, 0, 0]])
    cov = population_cov(W)
    pdag = np.array([[0, 1, 0], [0, 0, 1], [0, 1, 0]])
    assert possible_effects(cov, pdag, 1, 2, unique=False) == pytest.approx([1.0])


def test_inputs_are_not_modified():
    W = np.array([[0, 1.0], [0, 0]])
    cov = population_cov(W)
    cp = dag_to_cpdag(W)
    before = (W.copy(), cov.copy(), cp.copy())
    total_effects(W, scale=[1.0, 2.0])
    possible_effects(cov, cp, 0, 1)
    for a, b in zip(before, (W, cov, cp)):
        assert np.array_equal(a, b)


CP3 = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
COV3 = population_cov(np.array([[0, 1.0, 0], [0, 0, 1.0], [0, 0, 0]]))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: possible_effects(COV3, CP3, 0, 0), "same node"),
        (lambda: possible_effects(COV3, CP3, 0, 3), "target=3 is not a node index"),
        (lambda: possible_effects(COV3, CP3, -1, 2), "source=-1"),
        (lambda: possible_effects(COV3, CP3, "a", 2), "pass node_names"),
        (lambda: possible_effects(COV3, CP3, "z", 2, node_names="abc"), "not a node"),
        (lambda: possible_effects(COV3, CP3, True, 2), "not a node index"),
        (lambda: possible_effects(COV3, np.zeros((2, 2)), 0, 1), "shape"),
        (lambda: possible_effects(COV3[:2], CP3, 0, 1), "square"),
        (lambda: possible_effects(COV3, CP3 * 0.5, 0, 1), "0/1"),
        (lambda: possible_effects(COV3, CP3 + np.eye(3), 0, 1), "diagonal"),
        (lambda: possible_effects(COV3 + np.triu(np.ones((3, 3)), 1), CP3, 0, 1), "symmetric"),
        (lambda: possible_effects(np.zeros((3, 3)), CP3, 0, 1), "variance"),
        (lambda: possible_effects(np.ones((3, 3)), CP3, 0, 2), "singular"),
        (lambda: total_effect(np.zeros((3, 3)), 1, 1), "same node"),
        (lambda: total_effect(np.zeros((3, 3)), 0, 5), "target=5"),
        (lambda: total_effects([[0, 1], [1, 0]]), "DAG"),
        (lambda: total_effects(np.zeros((2, 2)), scale=[1.0]), "scale"),
        (lambda: total_effects(np.zeros((2, 2)), scale=[1.0, 0.0]), "positive"),
        (lambda: total_effects([[0, np.nan], [0, 0]]), "nan"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
