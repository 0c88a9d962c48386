"""EdgeStability: resampled edge frequencies and an acyclic consensus graph."""

import numpy as np
import pytest
from sklearn.base import clone

from stabledag import EdgeStability, StableDAGLearner
from stabledag.datasets import simulate_linear_sem
from stabledag.graph import is_dag

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
