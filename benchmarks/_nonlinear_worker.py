"""Worker for ``nonlinear.py``: ``peers.py``'s batch worker with the nonlinear methods added.

Usage (as ``peers.py``): ``python benchmarks/_nonlinear_worker.py --batch JOBS.json PROGRESS.txt``

Methods added to ``peers.FITTERS`` (``peers.py`` itself is not changed):

  dagma_mlp        DAGMA-MLP: ``DagmaNonlinear(DagmaMLP(dims=[d, 10, 1], bias=True))
                   .fit(X)`` with the package defaults (lambda1 0.02, lambda2 0.005,
                   w_threshold 0.3), ``torch.manual_seed(0)`` first
  sd_additive      stabledag's additive spline search alone (``_additive.additive_search``
                   from the empty graph), one noise variance per node (unit-free)
  sd_additive_ev   the same with one shared noise variance on the data's own scale
  sd_stages        ``StableDAGLearner(model="mlp", n_iter_no_change=10, max_epochs=800,
                   random_state=0)``, the pipeline as it was on main (a7e2eb9) when run with
                   that code: its graph (continuous MLP + random-feature judge + additive
                   search), and, as a variant, the continuous MLP alone at the threshold the
                   pipeline chose (``mlp_only``)
  sd_stages_ev     the same with ``standardize=False, equal_variances=True``
  sd_mlp           ``StableDAGLearner(model="mlp", random_state=0)`` as the checkout now has it
  sd_mlp_ev        the same with ``standardize=False, equal_variances=True``
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import peers  # noqa: E402

STAGE_SETTINGS = {"model": "mlp", "n_iter_no_change": 10, "max_epochs": 800, "random_state": 0}
EV = {"standardize": False, "equal_variances": True}


def _fit_dagma_mlp(X):
    import torch
    from dagma.nonlinear import DagmaMLP, DagmaNonlinear

    torch.manual_seed(0)
    eq_model = DagmaMLP(dims=[X.shape[1], 10, 1], bias=True, dtype=torch.double)
    model = DagmaNonlinear(eq_model, dtype=torch.double)
    W = model.fit(X.copy(), lambda1=0.02, lambda2=0.005)
    return np.asarray(W != 0, dtype=float), {}


def _fit_additive(X, equal_variances):
    from stabledag._additive import additive_search

    Z = X - X.mean(axis=0)
    return additive_search(Z, [], equal_variances=equal_variances).astype(float), {}


def _fit_stages(X, **kwargs):
    from stabledag import StableDAGLearner
    from stabledag.graph import threshold_to_dag

    est = StableDAGLearner(**STAGE_SETTINGS, **kwargs).fit(X.copy())
    B_mlp = threshold_to_dag(est.raw_adjacency_, est.threshold_, None) != 0
    return np.asarray(est.predict_graph(), dtype=float), {
        "variants": {"mlp_only": B_mlp.astype(int).tolist()}
    }


def _fit_current(X, **kwargs):
    from stabledag import StableDAGLearner

    t0 = time.perf_counter()
    est = StableDAGLearner(model="mlp", random_state=0, **kwargs).fit(X.copy())
    return np.asarray(est.predict_graph(), dtype=float), {"inner_seconds": time.perf_counter() - t0}


NEW_FITTERS = {
    "dagma_mlp": _fit_dagma_mlp,
    "sd_additive": lambda X: _fit_additive(X, False),
    "sd_additive_ev": lambda X: _fit_additive(X, True),
    "sd_stages": _fit_stages,
    "sd_stages_ev": lambda X: _fit_stages(X, **EV),
    "sd_mlp": _fit_current,
    "sd_mlp_ev": lambda X: _fit_current(X, **EV),
}
NEW_ENV = {
    "dagma_mlp": ("peers", ("dagma.nonlinear", "torch"), "dagma"),
    **{m: ("project", ("stabledag", "torch"), "stabledag") for m in NEW_FITTERS if m[:3] == "sd_"},
}
peers.FITTERS.update(NEW_FITTERS)


def _with_cpu_seconds(fit):
    """``fit`` that also reports the process's CPU seconds (a fair clock on a shared machine)."""

    def timed(X):
        start = time.process_time()
        B, info = fit(X)
        return B, dict(info, cpu_seconds=time.process_time() - start)

    return timed


for _name in list(peers.FITTERS):
    peers.FITTERS[_name] = _with_cpu_seconds(peers.FITTERS[_name])
peers.METHOD_ENV.update(NEW_ENV)

if __name__ == "__main__":
    sys.exit(peers.main(sys.argv[1:]))
