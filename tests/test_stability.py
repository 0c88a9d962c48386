"""EdgeStability: resampled edge frequencies and an acyclic consensus graph."""

import itertools
import re
import warnings

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

from stabledag import DiagnosticWarning, EdgeStability, StableDAGLearner
from stabledag.datasets import simulate_linear_sem
from stabledag.effects import total_effects
from stabledag.graph import is_cpdag, is_dag

from ._equivalence import brute_force_cpdag, knowledge_reference

CHAIN = np.array([[0, 1.5, 0], [0, 0, -1.2], [0, 0, 0]])


@pytest.fixture(scope="module")
def chain():
    return simulate_linear_sem(CHAIN, 600, random_state=0)


def _stability(**kwargs):
    params = {"n_resamples": 6, "random_state": 0}
    params.update(kwargs)
    return EdgeStability(StableDAGLearner(max_epochs=200), **params)


def test_frequencies_and_consensus(chain):
    stab = _stability().fit(chain)
    freq = stab.edge_frequency_
    assert freq.shape == (3, 3) and np.all((freq >= 0) & (freq <= 1))
    assert np.all(np.diag(freq) == 0)
    assert stab.graphs_.shape == (6, 3, 3)
    skeleton = freq + freq.T
    assert skeleton[0, 1] == pytest.approx(1.0) and skeleton[1, 2] == pytest.approx(1.0)
    assert is_dag(stab.consensus_graph_)
    kept = stab.consensus_graph_ != 0
    assert np.all(freq[kept] >= stab.selection_threshold)


def test_same_random_state_same_result_and_parallel_matches_serial(chain):
    first = _stability().fit(chain)
    again = clone(first).fit(chain)
    parallel = _stability(n_jobs=2).fit(chain)
    for other in (again, parallel):
        assert np.array_equal(first.graphs_, other.graphs_)


def test_bootstrap_and_threshold_sweep_are_dags(chain):
    stab = _stability(resampling="bootstrap").fit(chain)
    for threshold in (0.01, 0.3, 0.6, 1.0):
        assert is_dag(stab.predict_graph(threshold))


def test_consensus_skips_cycle_closing_edges():
    """Frequencies that would form a cycle still give a DAG, dropping the rarest edge."""
    stab = EdgeStability()
    stab.edge_frequency_ = np.array([[0, 0.9, 0], [0, 0, 0.8], [0.7, 0, 0]])
    stab.consensus_graph_ = np.zeros((3, 3), dtype=int)
    graph = stab.predict_graph(0.5)
    assert graph.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_resamples": 0}, "n_resamples"),
        ({"resampling": "jackknife"}, "resampling"),
        ({"sample_fraction": 0}, "sample_fraction"),
        ({"selection_threshold": 1.5}, "selection"),
    ],
)
def test_invalid_parameters(chain, params, match):
    with pytest.raises(ValueError, match=match):
        EdgeStability(**params).fit(chain)


# ------------------------------------------------- classes, frames and failures
def test_undirected_frequency_against_brute_force_classes(chain):
    stab = _stability().fit(chain)
    expected = np.mean([(c & c.T) for c in (brute_force_cpdag(g) for g in stab.graphs_)], axis=0)
    assert np.allclose(stab.undirected_frequency_, expected)
    assert np.allclose(stab.undirected_frequency_, stab.undirected_frequency_.T)
    assert stab.n_refits_ == 6 and stab.n_skipped_ == 0
    assert stab.weights_.shape == (6, 3, 3)
    assert np.all((stab.weights_ != 0) == (stab.graphs_ != 0))


def test_consensus_cpdag_keeps_a_stable_pair_whose_direction_flips():
    stab = EdgeStability(selection_threshold=0.6)
    stab.edge_frequency_ = np.array([[0, 0.5, 0], [0.5, 0, 0], [0, 0.9, 0]])
    stab.consensus_graph_ = np.zeros((3, 3), dtype=int)
    stab.consensus_cpdag_ = np.zeros((3, 3), dtype=int)
    # the pair 0, 1 is found in every refit, half each way: the DAG consensus drops it
    assert stab.predict_graph(0.55).tolist() == [[0, 0, 0], [0, 0, 0], [0, 1, 0]]
    # the class keeps it; oriented 0 -> 1 (tie, by index) it makes 0 -> 1 <- 2 compelled
    assert stab.predict_cpdag(0.55).tolist() == [[0, 1, 0], [0, 0, 0], [0, 1, 0]]
    stab.edge_frequency_ = np.array([[0, 0.5, 0], [0.5, 0, 0.9], [0, 0, 0]])
    assert stab.predict_cpdag(0.55).tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    with pytest.raises(ValueError, match="threshold"):
        stab.predict_cpdag(1.5)


def test_fitted_consensus_cpdag_is_a_cpdag(chain):
    stab = _stability().fit(chain)
    assert is_cpdag(stab.consensus_cpdag_)
    assert np.array_equal(stab.predict_cpdag(), stab.consensus_cpdag_)
    skeleton = stab.edge_frequency_ + stab.edge_frequency_.T
    kept = stab.consensus_cpdag_ | stab.consensus_cpdag_.T
    assert np.array_equal(kept != 0, skeleton >= stab.selection_threshold)


def test_to_frame(chain):
    pd = pytest.importorskip("pandas")
    stab = _stability(resampling="bootstrap").fit(chain)
    frame = stab.to_frame(coverage=0.8)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [
        "source",
        "target",
        "frequency",
        "forward",
        "reversed",
        "undirected",
        "in_consensus",
        "weight_median",
        "weight_low",
        "weight_high",
        "frequency_low",
        "frequency_high",
    ]
    freq = stab.edge_frequency_
    assert len(frame) == int(np.triu((freq + freq.T) > 0, 1).sum())
    assert frame["frequency"].is_monotonic_decreasing
    index = {name: k for k, name in enumerate(stab.node_names_)}
    for row in frame.itertuples():
        a, b = index[row.source], index[row.target]
        assert row.forward == freq[a, b] >= row.reversed == freq[b, a]
        assert row.frequency == pytest.approx(row.forward + row.reversed)
        assert row.undirected == stab.undirected_frequency_[a, b]
        assert row.in_consensus == bool(stab.consensus_graph_[a, b])
        w = [stab.weights_[k, a, b] for k in range(stab.n_refits_) if stab.graphs_[k, a, b]]
        assert row.weight_median == pytest.approx(np.median(w))
        assert row.weight_low <= row.weight_median <= row.weight_high
        assert row.weight_low == pytest.approx(np.quantile(w, 0.1))
        # the pair confidence: scipy's Wilson interval of the frequency over the refits
        k = round(row.frequency * stab.n_refits_)
        ci = binomtest(k, stab.n_refits_).proportion_ci(confidence_level=0.8, method="wilson")
        assert (row.frequency_low, row.frequency_high) == pytest.approx((ci.low, ci.high))
    # the chain's two edges are found every time and lead the table
    assert set(frame["frequency"][:2]) == {1.0}
    with pytest.raises(ValueError, match="coverage"):
        stab.to_frame(coverage=1.0)


def test_name_based_prior_on_a_dataframe():
    """Issue 18 bug 3: resamples kept no column names, so a named prior always raised."""
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 3)).cumsum(1), columns=list("abc"))
    learner = StableDAGLearner(forbidden_edges=[("a", "b")], tiers=[["c"], ["a", "b"]])
    stab = EdgeStability(learner, n_resamples=3, random_state=0).fit(X)
    assert list(stab.node_names_) == ["a", "b", "c"]
    assert stab.n_refits_ == 3
    assert not stab.graphs_[:, 0, 1].any()  # a -> b forbidden
    assert not stab.graphs_[:, :2, 2].any()  # nothing from a later tier into c
    # the refits' classes respect the knowledge (brute force over the members)
    forbidden = np.zeros((3, 3), dtype=bool)
    forbidden[0, 1] = forbidden[0, 2] = forbidden[1, 2] = True
    none = np.zeros((3, 3), dtype=bool)
    expected = np.mean(
        [(c & c.T) for c in (knowledge_reference(g, forbidden, none) for g in stab.graphs_)],
        axis=0,
    )
    assert np.allclose(stab.undirected_frequency_, expected)
    assert stab.undirected_frequency_[0, 1] == 0  # b -> a: the only direction left
    cp = stab.consensus_cpdag_
    assert not np.any(cp & forbidden)


def _degenerate_data():
    """8 rows; the third column varies in one row only, so many bootstrap samples miss it."""
    rng = np.random.default_rng(0)
    return np.column_stack([rng.normal(size=(8, 2)), [0, 0, 0, 0, 0, 0, 0, 1.0]])


def test_degenerate_resamples_are_skipped_and_counted():
    """Issue 18 bug 9: one constant column in a bootstrap sample aborted the fit."""
    stab = EdgeStability(
        StableDAGLearner(max_epochs=30), n_resamples=20, resampling="bootstrap", random_state=0
    )
    with warnings.catch_warnings(record=True) as caught:  # the 8-row refits warn too
        warnings.simplefilter("always")
        stab.fit(_degenerate_data())
    ours = [w for w in caught if "resamples were skipped" in str(w.message)]
    assert len(ours) == 1 and ours[0].category is DiagnosticWarning
    assert re.search(r"\d+ of 20 resamples were skipped.*'x2' constant", str(ours[0].message))
    assert stab.n_skipped_ > 0 and stab.n_refits_ + stab.n_skipped_ == 20
    assert stab.graphs_.shape[0] == stab.n_refits_
    assert stab.predict_graph().shape == (3, 3)


def test_too_few_refits_fail_cleanly_and_leave_no_stale_result(chain):
    stab = _stability()
    stab.fit(chain)
    X = chain.copy()
    X[1:, 2] = X[0, 2]  # constant but for one row: most subsamples are degenerate
    with pytest.raises(ValueError, match=r"Only \d+ of 6 refits succeeded.*constant"):
        stab.fit(X)
    with pytest.raises(NotFittedError):
        stab.predict_graph()
    assert not hasattr(stab, "edge_frequency_")


def test_a_learner_that_always_fails_names_its_error(chain):
    stab = EdgeStability(StableDAGLearner(lambda_sparse=-1.0), n_resamples=2)
    with pytest.raises(ValueError, match=r"Only 0 of 2 refits.*lambda_sparse") as info:
        stab.fit(chain)
    assert "sample_fraction" not in str(info.value)


def test_weights_and_scales_give_effects_in_the_data_units(chain):
    """Each refit's weights with its scales_ give total effects in raw units: from a root of
    the refit's graph (no parents, so no adjustment) the effect on every node it reaches is
    the raw least-squares slope."""
    X = chain * np.array([1.0, 100.0, 0.01])
    stab = _stability().fit(X)
    assert stab.scales_.shape == (6, 3)
    checked = 0
    for k in range(stab.n_refits_):
        G = stab.graphs_[k]
        T = total_effects(stab.weights_[k], scale=stab.scales_[k])
        for root in np.flatnonzero(~G.any(axis=0) & G.any(axis=1)):
            reached = np.flatnonzero(np.linalg.matrix_power(G + np.eye(3, dtype=int), 3)[root])
            for t in set(reached.tolist()) - {int(root)}:
                slope = np.polyfit(X[:, root], X[:, t], 1)[0]
                assert T[root, t] == pytest.approx(slope, rel=0.1)
                checked += 1
    assert checked >= 6


def _series_total_effects(W, scale):
    """inv(I - W) as the path series sum_k W^k (an independent route), in the data's units."""
    W = W * scale[None, :] / scale[:, None]
    T, P = np.eye(len(W)), np.eye(len(W))
    for _ in range(len(W)):
        P = P @ W
        T = T + P
    return T


def test_effect_interval_against_each_refits_path_sums(chain):
    X = chain * np.array([1.0, 100.0, 0.01])
    stab = _stability(resampling="bootstrap").fit(X)
    for (s, t), coverage in itertools.product([(0, 2), (2, 0), (1, 2)], [0.5, 0.9]):
        effects = [
            _series_total_effects(stab.weights_[k], stab.scales_[k])[s, t]
            for k in range(stab.n_refits_)
        ]
        got = stab.effect_interval(f"x{s}", f"x{t}", coverage=coverage)
        lo, hi = np.quantile(effects, [(1 - coverage) / 2, (1 + coverage) / 2])
        assert got.median == pytest.approx(np.median(effects))
        assert (got.low, got.high) == pytest.approx((lo, hi))
        assert got.path_frequency == np.mean(np.abs(effects) > 1e-12)
        assert got.n_refits == stab.n_refits_
    # the truth (1.5 * -1.2 from x0 to x2, in the data's units) is inside the wide interval
    # whenever the refits orient the chain forward; here they may not, so check the units
    ci = stab.effect_interval(0, 2)
    assert abs(ci.low) <= abs(-1.8 * 0.01) * 2 and abs(ci.high) <= abs(-1.8 * 0.01) * 2


class _GraphOnly(BaseEstimator):
    """A learner with predict_graph but no linear weights."""

    def fit(self, X):
        self.n_features_in_ = X.shape[1]
        return self

    def predict_graph(self):
        return np.triu(np.ones((self.n_features_in_,) * 2, dtype=int), 1)


def test_effect_interval_bad_input(chain):
    stab = _stability(n_resamples=3).fit(chain)
    for call, match in [
        (lambda: stab.effect_interval("x0", "nope"), "target='nope' is not a node"),
        (lambda: stab.effect_interval(0, 3), "target=3 is not a node index"),
        (lambda: stab.effect_interval(1, 1), "the same node"),
        (lambda: stab.effect_interval(0, 1, coverage=1.0), "coverage"),
    ]:
        with pytest.raises(ValueError, match=match):
            call()
    with pytest.raises(NotFittedError):
        _stability().effect_interval(0, 1)
    other = EdgeStability(_GraphOnly(), n_resamples=2, random_state=0).fit(chain)
    with pytest.raises(NotImplementedError, match="_GraphOnly, not a StableDAGLearner"):
        other.effect_interval(0, 1)


def test_effect_interval_of_the_mlp_model_is_refused(chain):
    learner = StableDAGLearner(model="mlp", hidden_units=2, max_epochs=3, refine=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a 3-epoch fit warns; not what is tested here
        stab = EdgeStability(learner, n_resamples=2, random_state=0).fit(chain[:200])
    with pytest.raises(NotImplementedError, match="'mlp' is not a linear SEM.*'linear'"):
        stab.effect_interval(0, 1)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_refit_warnings_reach_the_caller_once(n_jobs):
    """Regression (issue 18): warnings of refits in worker processes escaped catch_warnings,
    one per refit; now the caller gets one warning for all of them."""
    X = np.random.default_rng(0).normal(size=(120, 3))  # independent columns: no edges
    stab = EdgeStability(
        StableDAGLearner(random_state=0, max_epochs=40),
        n_resamples=4,
        n_jobs=n_jobs,
        random_state=0,  # unseeded resamples made an occasional refit stop just above h_tol
    )
    with pytest.warns(DiagnosticWarning, match=r"of 4 refits warned.*No edges") as record:
        stab.fit(X)
    assert len(record) == 1
