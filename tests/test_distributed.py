"""GridSearchCV and EdgeStability on a Dask cluster through joblib's dask backend.

A LocalCluster with 2 worker processes on the loopback interface only; results
must equal the serial ones. Needs the ``distributed`` extra (skipped without it).
"""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from stabledag import EdgeStability, StableDAGLearner
from stabledag.datasets import simulate_linear_sem

distributed = pytest.importorskip("distributed")

CHAIN = np.array([[0, 1.5, 0], [0, 0, -1.2], [0, 0, 0]])
FAST = {"max_epochs": 60, "random_state": 0}


def _search():
    return GridSearchCV(
        StableDAGLearner(**FAST),
        {"lambda_sparse": [0.01, 0.1]},
        cv=2,
        n_jobs=2,
        error_score="raise",
    )


def _stability():
    return EdgeStability(StableDAGLearner(**FAST), n_resamples=4, n_jobs=2, random_state=0)


@pytest.mark.slow
def test_grid_search_and_bootstrap_on_local_dask_cluster():
    X = simulate_linear_sem(CHAIN, 300, random_state=0)
    serial_search, serial_stab = _search().fit(X), _stability().fit(X)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        with parallel_config(backend="dask"):
            dask_search, dask_stab = _search().fit(X), _stability().fit(X)
    np.testing.assert_allclose(
        dask_search.cv_results_["mean_test_score"], serial_search.cv_results_["mean_test_score"]
    )
    assert dask_search.best_params_ == serial_search.best_params_
    assert np.array_equal(dask_stab.graphs_, serial_stab.graphs_)


@pytest.mark.slow
def test_screened_fits_on_a_dask_cluster_equal_the_serial_ones():
    """Large-d settings (the candidate-parent screen on) give the same graphs on workers."""
    from stabledag.datasets import simulate_dag, simulate_parameter

    B = simulate_dag(30, 60, "ER", random_state=0)
    X = simulate_linear_sem(simulate_parameter(B, random_state=0), 400, random_state=0)
    learner = StableDAGLearner(screen=True, max_epochs=40, random_state=0)
    with pytest.warns(ConvergenceWarning):  # the short epoch budget, reported once per fit
        serial = EdgeStability(learner, n_resamples=4, n_jobs=2, random_state=0).fit(X)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        with pytest.warns(ConvergenceWarning):
            on_dask = EdgeStability(learner, n_resamples=4, n_jobs=2, random_state=0).fit(X)
    assert np.array_equal(on_dask.graphs_, serial.graphs_)
