"""Prior knowledge: forbidden edges, required edges and tiers."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from stabledag import StableDAGLearner
from stabledag.datasets import simulate_linear_sem
from stabledag.graph import is_dag

from .conftest import FAST

CHAIN = np.array([[0, 1.5, 0], [0, 0, -1.2], [0, 0, 0]])  # a -> b -> c


@pytest.fixture
def chain():
    return simulate_linear_sem(CHAIN, 1000, random_state=0)


@pytest.fixture
def chain_frame(chain):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(chain, columns=["a", "b", "c"])


@pytest.mark.parametrize("threshold", [None, 0.0, 0.3, 100.0])
def test_forbidden_edges_are_hard_zeros(chain, threshold):
    est = StableDAGLearner(forbidden_edges=[(0, 1), (1, 0)], random_state=0).fit(chain)
    assert est.raw_adjacency_[0, 1] == 0 and est.raw_adjacency_[1, 0] == 0
    graph = est.predict_graph(threshold)
    assert graph[0, 1] == 0 and graph[1, 0] == 0 and is_dag(graph)


def test_tiers_forbid_backward_edges_by_name(chain_frame):
    est = StableDAGLearner(tiers=[["c"], ["a", "b"]], random_state=0).fit(chain_frame)
    for threshold in (None, 0.0):
        graph = est.predict_graph(threshold)
        assert graph[0, 2] == 0 and graph[1, 2] == 0  # nothing into c from a later tier
    assert est.raw_adjacency_[0, 2] == 0 and est.raw_adjacency_[1, 2] == 0
    assert not est.edge_mask_[1, 2] and est.edge_mask_[2, 1]


def test_tiers_orient_an_unidentifiable_chain(chain):
    """Standardized Gaussian data leave the chain's direction open; tiers settle it."""
    est = StableDAGLearner(tiers=[[0], [1], [2]], random_state=0).fit(chain)
    assert np.array_equal(est.predict_graph(), (CHAIN != 0).astype(int))


@pytest.mark.parametrize("threshold", [None, 0.0, 0.3, 100.0])
def test_required_edges_always_present(threshold):
    X = np.random.default_rng(0).normal(size=(300, 3))  # no dependence at all
    est = StableDAGLearner(required_edges=[(2, 0)], random_state=0, **FAST).fit(X)
    graph = est.predict_graph(threshold)
    assert graph[2, 0] == 1 and is_dag(graph)
    assert est.adjacency_[2, 0] != 0
    assert est.to_networkx().has_edge("x2", "x0")


def test_prior_parameters_survive_clone_and_grid_search(chain):
    est = StableDAGLearner(forbidden_edges=[(1, 0)], tiers=[[0], [1, 2]], random_state=0, **FAST)
    assert clone(est).get_params()["tiers"] == [[0], [1, 2]]
    search = GridSearchCV(est, {"lambda_sparse": [0.01, 0.05]}, cv=2, error_score="raise")
    search.fit(chain)
    assert search.best_estimator_.predict_graph()[1, 0] == 0


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"required_edges": [(0, 1), (1, 2), (2, 0)]}, "cycle"),
        ({"required_edges": [(0, 1)], "forbidden_edges": [(0, 1)]}, "both required and forbidden"),
        ({"required_edges": [(2, 0)], "tiers": [[0], [1, 2]]}, "tier"),
        ({"required_edges": [(1, 1)]}, "self-loop"),
        ({"forbidden_edges": [(0, 5)]}, "out of range"),
        ({"forbidden_edges": [(-1, 0)]}, "out of range"),
        ({"forbidden_edges": [("a", "b")]}, "no column names"),
        ({"tiers": [[0, 1], [1]]}, "two tiers"),
        ({"tiers": [0, 1]}, "groups"),
        ({"required_edges": [(0, 1, 2)]}, "pairs"),
    ],
)
def test_contradictions_are_named_errors(chain, params, match):
    with pytest.raises(ValueError, match=match):
        StableDAGLearner(**params).fit(chain)


def test_unknown_name_is_named(chain_frame):
    with pytest.raises(ValueError, match="'z'.*not a column"):
        StableDAGLearner(forbidden_edges=[("a", "z")]).fit(chain_frame)


def test_wrong_node_type_is_type_error(chain):
    with pytest.raises(TypeError, match="column names"):
        StableDAGLearner(forbidden_edges=[(0.5, 1)]).fit(chain)


# ------------------------------------------------------------- the form of the knowledge
def _one_shot(items):
    return (item for item in items)


@pytest.mark.parametrize(
    "params",
    [
        {"forbidden_edges": iter([(0, 1), (1, 0)])},
        {"forbidden_edges": _one_shot([(0, 1), (1, 0)])},
        {"required_edges": zip([0], [1])},
        {"tiers": map(list, [[0], [1, 2]])},
        {"tiers": [_one_shot([0]), [1, 2]]},
        {"forbidden_edges": [iter((0, 1))]},
    ],
)
def test_one_shot_iterators_are_refused_before_anything_is_used(chain, params):
    """A generator would be used up by the first fit and the refit would drop the prior."""
    ((name, value),) = params.items()
    est = StableDAGLearner(**params)
    with pytest.raises(TypeError, match="one-shot iterator.*list"):
        est.fit(chain)
    assert est.get_params()[name] is value  # the parameter is left as given


def test_a_prior_given_as_a_list_holds_for_every_fit(chain):
    """The issue's reproduction, with a list: both fits keep the forbidden pair out."""
    est = StableDAGLearner(forbidden_edges=[(0, 1), (1, 0)], random_state=0)
    for _ in range(2):
        graph = est.fit(chain).predict_graph()
        assert graph[0, 1] + graph[1, 0] == 0


def test_other_reusable_collections_are_accepted(chain):
    """Tuples, sets of pairs and an (k, 2) array say the same as a list."""
    graphs = [
        StableDAGLearner(forbidden_edges=edges, random_state=0).fit(chain).edge_mask_
        for edges in (
            [(0, 1), (1, 0)],
            ((0, 1), (1, 0)),
            {(0, 1), (1, 0)},
            np.array([[0, 1], [1, 0]]),
        )
    ]
    expected = ~np.eye(3, dtype=bool)
    expected[0, 1] = expected[1, 0] = False
    for mask in graphs:
        assert np.array_equal(mask, expected)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"forbidden_edges": 5}, TypeError, r"forbidden_edges must be a list of \(parent, child\)"),
        ({"required_edges": 1.5}, TypeError, r"required_edges must be a list of \(parent, child\)"),
        ({"forbidden_edges": "ab"}, TypeError, r"forbidden_edges must be a list of \(parent"),
        ({"forbidden_edges": (0, 1)}, ValueError, r"single pair: write \[\(0, 1\)\]"),
        ({"forbidden_edges": [5]}, TypeError, r"forbidden_edges must be \(parent, child\) pairs"),
        ({"forbidden_edges": [{0, 1}]}, TypeError, "got {0, 1} of type set"),
        ({"required_edges": [(0,)]}, ValueError, r"required_edges must be \(parent, child\)"),
        ({"tiers": 3}, TypeError, "tiers must be a list of groups of nodes"),
        ({"tiers": [[0], 1.5]}, TypeError, "group 1 is 1.5"),
    ],
)
def test_malformed_prior_names_the_parameter_and_the_form(chain, params, error, match):
    with pytest.raises(error, match=match):
        StableDAGLearner(**params).fit(chain)


def test_no_start_of_the_search_brings_in_a_forbidden_edge():
    """Regression: the random-order starts of the order search contained forbidden links
    (a chain through each order), and the search kept a start's parents unchecked."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=1000)
    b = a + rng.normal(size=1000)
    c = b + rng.normal(size=1000)
    X = np.column_stack([a, b, c])
    for seed in range(5):
        est = StableDAGLearner(
            forbidden_edges=[(0, 1), (1, 0)], required_edges=[(2, 0)], random_state=seed
        ).fit(X)
        G = est.predict_graph()
        assert G[0, 1] == 0 and G[1, 0] == 0 and G[2, 0] == 1
