"""The estimator's class, identifiability and effects (issue 16), against independent routes."""

import itertools
import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from stabledag import StableDAGLearner
from stabledag.datasets import simulate_linear_sem
from stabledag.effects import total_effects
from stabledag.graph import apply_background_knowledge, dag_to_cpdag
from stabledag.metrics import shd_cpdag
from stabledag.models import (
    FittedGraph,
    ModelPlugin,
    get_model,
    register_model,
    shift_effect,
    simulate_sem,
)

from ._equivalence import class_members

# a -> b <- c (a v-structure, compelled), b -> d (compelled by Meek's rule 1), d - e? no:
# d -> e is compelled too (rule 1). A chain f -> g hangs off alone (undirected).
W_TRUE = np.zeros((7, 7))
W_TRUE[0, 1], W_TRUE[2, 1], W_TRUE[1, 3], W_TRUE[3, 4], W_TRUE[5, 6] = 1.5, -1.2, 0.8, 1.0, 2.0
NAMES = list("abcdefg")
UNITS = np.array([1.0, 100.0, 0.01, 10.0, 1e3, 0.1, 5.0])


@pytest.fixture(scope="module")
def data():
    X = simulate_linear_sem(W_TRUE, 3000, random_state=0) * UNITS
    import pandas as pd

    return pd.DataFrame(X, columns=NAMES)


@pytest.fixture(scope="module")
def fitted(data):
    return StableDAGLearner(random_state=0).fit(data)


def raw_ols_weights(X, B):
    """Each column regressed (with an intercept) on its parents in B, in raw units."""
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    W = np.zeros((d, d))
    for j in range(d):
        pa = np.flatnonzero(B[:, j])
        if pa.size:
            design = np.column_stack([X[:, pa], np.ones(len(X))])
            W[pa, j] = np.linalg.lstsq(design, X[:, j], rcond=None)[0][:-1]
    return W


def adjusted_effect(X, D, x, y):
    """IDA's estimate in member D: the raw least-squares coefficient of x when y is
    regressed (with an intercept) on x and x's parents in D; 0 when y is a parent."""
    X = np.asarray(X, dtype=float)
    pa = np.flatnonzero(D[:, x])
    if y in pa:
        return 0.0
    design = np.column_stack([X[:, [x, *pa]], np.ones(len(X))])
    return np.linalg.lstsq(design, X[:, y], rcond=None)[0][0]


# -------------------------------------------------------------------- the class
def test_predict_cpdag_is_the_class_of_the_learned_dag(fitted):
    B = fitted.predict_graph()
    assert shd_cpdag(W_TRUE, B) == 0  # the data are clean: the right class
    M = fitted.predict_cpdag()
    assert np.array_equal(M, dag_to_cpdag(B))
    # the truth's class by brute force: a -> b <- c, b -> d -> e directed; f - g undirected
    members = class_members(W_TRUE != 0)
    assert np.array_equal(M, members.any(axis=0).astype(int))
    assert M[5, 6] == M[6, 5] == 1 and M[0, 1] == 1 and M[1, 0] == 0


def test_predict_cpdag_applies_the_prior_knowledge(data):
    est = StableDAGLearner(random_state=0, forbidden_edges=[("g", "f")]).fit(data)
    M = est.predict_cpdag()
    assert M[5, 6] == 1 and M[6, 5] == 0  # f -> g: the knowledge orients the lone edge
    forbidden = np.zeros((7, 7), bool)
    forbidden[6, 5] = True
    expected = apply_background_knowledge(dag_to_cpdag(est.predict_graph()), forbidden=forbidden)
    assert np.array_equal(M, expected)
    assert est.score(data, true_graph=W_TRUE, metric="shd_cpdag") == 1.0 * -1  # f -> g vs f - g


def test_to_networkx_cpdag(fitted):
    G = fitted.to_networkx(cpdag=True)
    assert G["f"]["g"]["undirected"] and G["g"]["f"]["undirected"]
    assert not G["a"]["b"]["undirected"] and not G.has_edge("b", "a")
    assert G["a"]["b"]["weight"] == pytest.approx(fitted.adjacency_[0, 1])
    D = fitted.to_networkx()
    assert D.number_of_edges() == 5 and "undirected" not in D["a"]["b"]


def test_score_with_class_metrics(fitted, data):
    assert fitted.score(data, true_graph=W_TRUE, metric="shd_cpdag") == 0.0
    assert fitted.score(data, true_graph=W_TRUE, metric="arrowhead_f1") == 1.0
    reversed_truth = W_TRUE.T.copy()  # every arrow reversed: a different class
    assert fitted.score(data, true_graph=reversed_truth, metric="shd_cpdag") < 0


# ------------------------------------------------------------ identifiability
@pytest.mark.parametrize(
    "params, level, words",
    [
        ({}, "class", "equivalence class"),
        ({"standardize": False, "equal_variances": True}, "dag", "data's units"),
        ({"equal_variances": True}, "dag", "standardized"),
        ({"lambda_disen": 1.0}, "dag", "non-Gaussian"),
        ({"model": "mlp"}, "dag", "additive noise"),
    ],
)
def test_identifiable_per_mode(params, level, words):
    plugin = get_model(params.get("model", "linear"))
    got, reason = plugin.identifiability({**StableDAGLearner().get_params(), **params})
    assert got == level and words in reason


def test_identifiable_is_a_fitted_attribute(fitted):
    assert fitted.identifiable_ == "class"
    assert "not identifiable" in fitted.identifiable_reason_


# ------------------------------------------------------------------- effects
def test_covariance_is_in_the_data_units(fitted, data):
    assert np.allclose(fitted.covariance_, np.cov(data.to_numpy(), rowvar=False, bias=True))


def test_total_effect_against_raw_least_squares(fitted, data):
    """stabledag's effect (standardized fit, rescaled) equals inv(I - W) of raw-unit OLS on
    the learned DAG: units handled right, names and indices alike."""
    T = total_effects(raw_ols_weights(data, fitted.predict_graph()))
    for x, y in itertools.permutations(range(7), 2):
        assert fitted.total_effect(NAMES[x], NAMES[y]) == pytest.approx(
            T[x, y], rel=1e-6, abs=1e-12 * UNITS[y] / UNITS[x]
        )
    assert fitted.total_effect(0, 4) == fitted.total_effect("a", "e")
    truth = total_effects(W_TRUE * UNITS[None, :] / UNITS[:, None])
    assert fitted.total_effect("a", "e") == pytest.approx(truth[0, 4], rel=0.1)


def test_possible_effects_against_the_class_members(fitted, data):
    """IDA on the estimator equals the set of adjusted regressions over every DAG of the
    learned class (brute force over the members, raw least squares)."""
    members = class_members(fitted.predict_graph())
    assert len(members) == 2  # f -> g or g -> f
    for x, y in itertools.permutations(range(7), 2):
        scale = UNITS[y] / UNITS[x]
        expected = np.unique(np.round([adjusted_effect(data, D, x, y) / scale for D in members], 8))
        got = fitted.possible_effects(NAMES[x], NAMES[y]) / scale
        assert got.shape == expected.shape, (x, y)
        assert np.allclose(got, expected, atol=1e-6), (x, y)
    f_on_g = fitted.possible_effects("f", "g")  # f -> g or g -> f: the slope, or 0
    assert f_on_g[0] == 0.0 and f_on_g[1] == pytest.approx(2.0 * 5.0 / 0.1, rel=0.05)


def test_effects_survive_pickling(fitted):
    copy = pickle.loads(pickle.dumps(fitted))
    assert copy.total_effect("a", "d") == fitted.total_effect("a", "d")
    assert np.array_equal(copy.possible_effects("f", "g"), fitted.possible_effects("f", "g"))


def test_shift_effect_of_a_linear_model_is_the_closed_form():
    rng = np.random.default_rng(3)
    W = np.triu(rng.uniform(0.5, 1.5, (5, 5)) * (rng.random((5, 5)) < 0.6), 1)
    scale = rng.uniform(0.1, 10, 5)
    graph = FittedGraph(0.0, W, np.ones(5))
    T = total_effects(W, scale=scale)
    for x, y in itertools.permutations(range(5), 2):
        got = shift_effect(get_model("linear"), graph, scale, x, y, shift=3.0)
        assert got == pytest.approx(T[x, y], abs=1e-9 * max(1.0, abs(T[x, y])))


def test_simulate_sem_has_the_model_covariance():
    W = np.array([[0.0, 1.0, 0.5], [0.0, 0.0, -2.0], [0.0, 0.0, 0.0]])
    noise = np.array([1.0, 0.5, 2.0])
    Z = simulate_sem(get_model("linear"), FittedGraph(0.0, W, noise), 40000, seed=1)
    A = np.linalg.inv(np.eye(3) - W)
    assert np.allclose(np.cov(Z, rowvar=False), A.T @ np.diag(noise) @ A, rtol=0.05, atol=0.05)


@pytest.mark.slow
def test_mlp_total_effect_is_the_average_shift_effect():
    """y = tanh(2x) + noise: the MLP's simulated shift effect is close to the true average
    effect of the same shift, E[tanh(2(x + s)) - tanh(2x)] / s (a closed-form route)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=1000)
    y = np.tanh(2 * x) + 0.2 * rng.normal(size=1000)
    X = np.column_stack([x, 10 * y])  # y in other units
    est = StableDAGLearner(
        model="mlp", forbidden_edges=[(1, 0)], max_epochs=400, random_state=0
    ).fit(X)
    assert est.identifiable_ == "dag"
    grid = rng.normal(size=200000)
    for shift in (0.5, 1.0):
        truth = 10 * np.mean(np.tanh(2 * (grid + shift)) - np.tanh(2 * grid)) / shift
        assert est.total_effect(0, 1, shift=shift, X=X) == pytest.approx(truth, rel=0.15)
        assert est.total_effect(0, 1, shift=shift) == pytest.approx(truth, rel=0.15)
    assert est.total_effect(1, 0, X=X) == 0.0  # no path
    with pytest.raises(NotImplementedError, match="linear SEM.*'mlp'"):
        est.possible_effects(0, 1)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda e: e.total_effect("zz", "a"), ValueError, r"source='zz' is not a node.*'a', 'b'"),
        (lambda e: e.total_effect("a", 7), ValueError, r"target=7 is not a node index.*0\.\.6"),
        (lambda e: e.total_effect(-1, 2), ValueError, "source=-1 is not a node index"),
        (lambda e: e.total_effect("a", "a"), ValueError, "the same node"),
        (lambda e: e.total_effect("a", 0), ValueError, "the same node"),
        (lambda e: e.possible_effects("b", "nope"), ValueError, "target='nope' is not a node"),
        (lambda e: e.possible_effects(2, 2), ValueError, "the same node"),
        (lambda e: e.total_effect(1.5, 2), ValueError, r"source=1\.5 is not a node"),
    ],
)
def test_bad_nodes(fitted, call, error, match):
    with pytest.raises(error, match=match):
        call(fitted)


def test_unfitted_estimator():
    est = StableDAGLearner()
    for call in (
        lambda: est.total_effect(0, 1),
        lambda: est.possible_effects(0, 1),
        lambda: est.predict_cpdag(),
    ):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()
    with pytest.raises(NotFittedError, match="before asking for total effects"):
        est.total_effect(0, 1)


class _NoEffects(ModelPlugin):
    name = "no-effects-test"

    def build(self, n_nodes, *, params, allowed, device, seed):
        return get_model("linear").build(
            n_nodes, params=params, allowed=allowed, device=device, seed=seed
        )


def test_a_plugin_without_effects_says_what_is_supported():
    register_model(_NoEffects(), replace=True)
    X = simulate_linear_sem(np.array([[0, 1.0], [0, 0]]), 300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes of the short fit are not tested here
        est = StableDAGLearner(model="no-effects-test", max_epochs=50, random_state=0).fit(X)
    with pytest.raises(NotImplementedError, match="'no-effects-test'.*'linear'.*'mlp'"):
        est.total_effect(0, 1)
    with pytest.raises(NotImplementedError, match="linear SEM.*'no-effects-test'"):
        est.possible_effects(0, 1)
    assert est.identifiable_ == "class"  # a plug-in that states no assumption
