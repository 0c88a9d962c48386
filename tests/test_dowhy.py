"""Hand-off to DoWhy (the optional ``stabledag[effects]`` extra): skipped without dowhy.

The learned graph goes into ``dowhy.CausalModel(data, treatment, outcome, graph=...)`` as a
networkx DiGraph (``to_networkx()``) or as GML text, DoWhy estimates the effect by backdoor
linear regression, and the estimate is compared with stabledag's ``total_effect`` (or, in
the default mode, its ``possible_effects``) and with the true total effect.

CI runs this file in its own environment (DoWhy 0.14 pins scipy below 1.16 and pulls
numba, cvxpy, statsmodels and causal-learn):
``pip install -e '.[test,effects]' && pytest tests/test_dowhy.py tests/test_causallearn.py``.
"""

import warnings

import numpy as np
import pytest

dowhy = pytest.importorskip("dowhy")
pd = pytest.importorskip("pandas")
nx = pytest.importorskip("networkx")

from stabledag import StableDAGLearner  # noqa: E402
from stabledag.datasets import simulate_linear_sem  # noqa: E402
from stabledag.graph import dag_to_cpdag  # noqa: E402

NAMES = ["a", "b", "c", "d", "e", "f"]
# a -> c <- b (a v-structure), c -> d (compelled), a -> d; e -> f alone (undirected)
W_TRUE = np.zeros((6, 6))
W_TRUE[0, 2], W_TRUE[1, 2], W_TRUE[2, 3], W_TRUE[0, 3], W_TRUE[4, 5] = 1.2, -0.9, 0.8, 0.5, 1.5


def true_effect(W, i, j):
    return float(np.linalg.inv(np.eye(len(W)) - W)[i, j])


def dowhy_estimate(data, treatment, outcome, graph):
    """DoWhy's backdoor linear-regression estimate (its own warnings silenced)."""
    from dowhy import CausalModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CausalModel(data=data, treatment=treatment, outcome=outcome, graph=graph)
        identified = model.identify_effect(proceed_when_unidentifiable=True)
        estimate = model.estimate_effect(identified, method_name="backdoor.linear_regression")
    return float(estimate.value)


@pytest.fixture(scope="module")
def raw():
    """Equal noise variances in the data's units: the equal-variance mode's assumption."""
    return pd.DataFrame(simulate_linear_sem(W_TRUE, 3000, random_state=1), columns=NAMES)


def test_identified_dag_to_dowhy_agrees_with_total_effect_and_the_truth(raw):
    est = StableDAGLearner(standardize=False, equal_variances=True, random_state=0).fit(raw)
    assert est.identifiable_ == "dag"
    G = est.to_networkx()
    assert nx.is_directed_acyclic_graph(G) and sorted(G.nodes) == NAMES
    gml = "".join(nx.generate_gml(G))
    for source, target in [("a", "d"), ("c", "d"), ("b", "d"), ("e", "f"), ("a", "c")]:
        i, j = NAMES.index(source), NAMES.index(target)
        truth = true_effect(W_TRUE, i, j)
        ours = est.total_effect(source, target)
        theirs = dowhy_estimate(raw, source, target, G)
        assert theirs == pytest.approx(dowhy_estimate(raw, source, target, gml))  # GML too
        assert ours == pytest.approx(truth, rel=0.1)
        assert theirs == pytest.approx(truth, rel=0.1)
        assert theirs == pytest.approx(ours, rel=0.05)
    # no directed path: both say 0 (DoWhy may not even need a regression)
    assert est.total_effect("d", "a") == 0.0


def test_default_mode_hands_over_a_member_of_its_class(raw):
    """In arbitrary units and the default mode, the DAG handed over is one member of the
    learned class: DoWhy's estimate is then one of possible_effects (the IDA range), and
    where the class determines the effect it is the truth."""
    units = np.array([1e-2, 1.0, 30.0, 1e3, 0.5, 200.0])
    data = raw * units
    est = StableDAGLearner(random_state=0).fit(data)
    assert est.identifiable_ == "class"
    B = est.predict_graph()
    assert np.array_equal(dag_to_cpdag(B), est.predict_cpdag())  # a member of the class
    G = est.to_networkx()
    assert nx.is_directed_acyclic_graph(G)
    n_open = 0
    for source, target in [("a", "d"), ("c", "d"), ("b", "d"), ("e", "f"), ("f", "e")]:
        i, j = NAMES.index(source), NAMES.index(target)
        truth = true_effect(W_TRUE * units[None, :] / units[:, None], i, j)
        values = est.possible_effects(source, target)
        theirs = dowhy_estimate(data, source, target, G)
        assert np.min(np.abs(values - theirs)) <= 0.05 * max(abs(theirs), 1e-3 * abs(truth))
        assert np.min(np.abs(values - truth)) <= 0.1 * abs(truth) or truth == 0
        if len(values) == 1:  # the class decides: DoWhy's member gets the truth
            assert theirs == pytest.approx(truth, rel=0.1)
        else:
            n_open += 1
    assert n_open == 2  # e - f: 0 or the slope, either way round
