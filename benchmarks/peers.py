"""Run ONE structure-learning method on ONE dataset, in its own process (worker).

Usage: ``python benchmarks/peers.py METHOD DATA.npz {raw,std} OUT.json``
   or: ``python benchmarks/peers.py --batch JOBS.json PROGRESS.txt``

A batch runs several jobs (``[{"method", "data", "scale", "out"}, ...]``) one after the
other in this process, appending ``START k`` to PROGRESS.txt before job k, so that the
caller can time out a single fit and resume after it (``_runner.py``); this saves the
seconds of importing torch, lingam or scikit-learn for every fit.

DATA.npz holds ``X`` (n x d).  ``std`` scales each column to mean 0 and variance 1 first.
OUT.json gets ``status`` (ok / skipped / error), ``B_est`` (0/1 lists, B[i][j] = 1 means
i -> j), ``fit_seconds`` (the method call only), ``n_undirected`` / ``n_bidirected`` for
CPDAG methods, ``nan_in_W``, the package ``version`` and a ``note`` on skips and errors.

Methods and settings (the packages' defaults unless listed; the same as the reference
measurements behind the project's peer anchors):

  dagma_linear    dagma.linear.DagmaLinear(loss_type='l2').fit(X, lambda1=0.02,
                  w_threshold=0.3, s=[1.0, .9, .8, .7, .6]) -- a fresh ``s`` and a copy of X
                  on every call (DAGMA mutates both)
  notears         gCastle ``Notears()``: lambda1=0.1, l2 loss, w_threshold=0.3
  pc              causal-learn ``pc(X, 0.05, 'fisherz')``; directed edges of the CPDAG only
  ges             causal-learn ``ges(X, score_func='local_score_BIC')``; directed edges only
  direct_lingam   ``lingam.DirectLiNGAM()``; adjacency_matrix_ transposed
  sortnregress    Reisach et al. (2021): order by marginal variance, adaptive-Lasso (BIC)
                  regression of each variable on its predecessors
  r2sortnregress  Reisach et al. (2023): the same, ordered by R^2 of each variable on all
                  others (invariant to rescaling the columns)
  stabledag       ``StableDAGLearner(random_state=0)`` (default, unit-free mode)
  stabledag_ev    ``StableDAGLearner(standardize=False, equal_variances=True,
                  random_state=0)`` (equal-variance mode)

Nonlinear methods (not in the default method list; ``--methods`` names them):

  notears_mlp       gCastle ``NotearsNonlinear(device_type="cpu")`` defaults (hidden
                    layers (10, 1), w_threshold 0.3), ``torch.manual_seed(0)`` first, as in
                    the reference measurements behind the nonlinear anchors
  stabledag_mlp     ``StableDAGLearner(model="mlp", n_iter_no_change=10, max_epochs=800,
                    random_state=0)`` (unit-free likelihood, standardized inside)
  stabledag_mlp_ev  the same with ``standardize=False, equal_variances=True`` (NOTEARS-MLP's
                    least squares)

Optional stabledag variant (not in the default list either):

  stabledag_disen   ``StableDAGLearner(lambda_disen=1.0, random_state=0)``: the default
                    linear model with the residual-dependence term

Which interpreter runs a method: see ``METHOD_ENV`` (peers / lingam / project).
"""

import importlib
import json
import os
import sys
import time
import traceback
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _metrics import cpdag_directed_part, standardize  # noqa: E402

# method -> (environment, modules imported before the timer starts, distribution name)
METHOD_ENV = {
    "dagma_linear": ("peers", ("dagma.linear",), "dagma"),
    "notears": ("peers", ("castle.algorithms",), "gcastle"),
    "pc": ("peers", ("causallearn.search.ConstraintBased.PC",), "causal-learn"),
    "ges": ("peers", ("causallearn.search.ScoreBased.GES",), "causal-learn"),
    "sortnregress": ("peers", ("sklearn.linear_model",), "scikit-learn"),
    "r2sortnregress": ("peers", ("sklearn.linear_model",), "scikit-learn"),
    "direct_lingam": ("lingam", ("lingam",), "lingam"),
    "stabledag": ("project", ("stabledag",), "stabledag"),
    "stabledag_ev": ("project", ("stabledag",), "stabledag"),
    "notears_mlp": ("peers", ("castle.algorithms", "torch"), "gcastle"),
    "stabledag_mlp": ("project", ("stabledag",), "stabledag"),
    "stabledag_mlp_ev": ("project", ("stabledag",), "stabledag"),
    "stabledag_disen": ("project", ("stabledag",), "stabledag"),
}
NONLINEAR_METHODS = ["notears_mlp", "stabledag_mlp", "stabledag_mlp_ev"]
EXTRA_METHODS = NONLINEAR_METHODS + ["stabledag_disen"]
# the default method list: the linear methods
PEER_METHODS = [
    m for m, (env, _, _) in METHOD_ENV.items() if env != "project" and m not in EXTRA_METHODS
]
STABLEDAG_METHODS = [
    m for m, (env, _, _) in METHOD_ENV.items() if env == "project" and m not in EXTRA_METHODS
]
# the budget used for the MLP model in the benchmarks (see benchmarks/README.md)
MLP_SETTINGS = {"model": "mlp", "n_iter_no_change": 10, "max_epochs": 800}


def sort_and_regress(X, scores):
    """Regress each variable, in increasing ``scores`` order, on all its predecessors.

    Adaptive Lasso: OLS magnitudes rescale the predecessors, LassoLarsIC (BIC) picks the
    penalty.  Returns W with W[i, j] the weight of i -> j.
    """
    from sklearn.linear_model import LassoLarsIC, LinearRegression

    d = X.shape[1]
    W = np.zeros((d, d))
    order = np.argsort(scores)
    for k in range(1, d):
        preds, target = order[:k], order[k]
        ols = LinearRegression().fit(X[:, preds], X[:, target])
        scale = np.abs(ols.coef_)
        lasso = LassoLarsIC(criterion="bic").fit(X[:, preds] * scale, X[:, target])
        W[preds, target] = lasso.coef_ * scale
    return W


def r2_of_each(X):
    """R^2 of each column on all others, from the inverse correlation matrix."""
    return 1.0 - 1.0 / np.diag(np.linalg.inv(np.corrcoef(X, rowvar=False)))


def _fit_dagma(X):
    from dagma.linear import DagmaLinear

    s = [1.0, 0.9, 0.8, 0.7, 0.6]
    return DagmaLinear(loss_type="l2").fit(X.copy(), lambda1=0.02, w_threshold=0.3, s=s), {}


def _fit_notears(X):
    import logging

    logging.disable(logging.INFO)
    from castle.algorithms import Notears

    model = Notears()
    model.learn(X.copy())
    W = np.asarray(model.weight_causal_matrix, dtype=float)
    B = np.asarray(model.causal_matrix, dtype=float)  # |W| > w_threshold
    return B, {"nan_in_W": bool(np.isnan(W).any())}


def _fit_notears_mlp(X):
    import logging

    import torch

    logging.disable(logging.INFO)
    torch.manual_seed(0)
    from castle.algorithms import NotearsNonlinear

    model = NotearsNonlinear(device_type="cpu")
    model.learn(X.copy())
    return np.asarray(model.causal_matrix, dtype=float), {}


def _fit_pc(X):
    from causallearn.search.ConstraintBased.PC import pc

    graph = pc(X.copy(), 0.05, "fisherz", show_progress=False).G.graph
    B, n_und, n_bi = cpdag_directed_part(graph)
    return B.astype(float), {"n_undirected": n_und, "n_bidirected": n_bi}


def _fit_ges(X):
    from causallearn.search.ScoreBased.GES import ges

    graph = ges(X.copy(), score_func="local_score_BIC")["G"].graph
    B, n_und, n_bi = cpdag_directed_part(graph)
    return B.astype(float), {"n_undirected": n_und, "n_bidirected": n_bi}


def _fit_lingam(X):
    import lingam

    model = lingam.DirectLiNGAM()
    model.fit(X.copy())
    return np.asarray(model.adjacency_matrix_, dtype=float).T, {}  # lingam: A[i, j] = j -> i


def _fit_stabledag(X, **kwargs):
    from stabledag import StableDAGLearner

    est = StableDAGLearner(random_state=0, **kwargs)
    est.fit(X.copy())
    return np.asarray(est.predict_graph(), dtype=float), {}


FITTERS = {
    "dagma_linear": _fit_dagma,
    "notears": _fit_notears,
    "pc": _fit_pc,
    "ges": _fit_ges,
    "direct_lingam": _fit_lingam,
    "sortnregress": lambda X: (sort_and_regress(X, np.var(X, axis=0)), {}),
    "r2sortnregress": lambda X: (sort_and_regress(X, r2_of_each(X)), {}),
    "stabledag": _fit_stabledag,
    "stabledag_ev": lambda X: _fit_stabledag(X, standardize=False, equal_variances=True),
    "notears_mlp": _fit_notears_mlp,
    "stabledag_mlp": lambda X: _fit_stabledag(X, **MLP_SETTINGS),
    "stabledag_mlp_ev": lambda X: _fit_stabledag(
        X, standardize=False, equal_variances=True, **MLP_SETTINGS
    ),
    "stabledag_disen": lambda X: _fit_stabledag(X, lambda_disen=1.0),
}


def package_version(dist):
    """Installed version of a distribution, or None."""
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return None


def check_importable(method):
    """Import the method's modules (so that fit_seconds leaves imports out); None if
    they import, else a note saying what is missing."""
    _, modules, dist = METHOD_ENV[method]
    try:
        for module in modules:
            importlib.import_module(module)
    except Exception as exc:  # ImportError, or a broken install
        why = f"{type(exc).__name__}: {exc}"
        return f"{module} not importable in {sys.executable} ({why}); install {dist} there"
    return None


def run(method, X):
    """Fit one method; returns the OUT.json record (status ok / skipped / error)."""
    if method not in FITTERS:
        raise ValueError(f"unknown method {method!r}; choose from {sorted(FITTERS)}")
    rec = {
        "method": method,
        "python": sys.executable,
        "version": package_version(METHOD_ENV[method][2]),
    }
    note = check_importable(method)
    if note:
        return dict(rec, status="skipped", note=note)
    warnings.filterwarnings("ignore")
    try:
        t0 = time.perf_counter()
        W, info = FITTERS[method](X)
        secs = time.perf_counter() - t0
    except Exception as exc:
        return dict(
            rec,
            status="error",
            note=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
        )
    W = np.asarray(W, dtype=float)
    B = (W != 0).astype(int)
    np.fill_diagonal(B, 0)
    info.setdefault("nan_in_W", bool(np.isnan(W).any()))
    return dict(rec, status="ok", B_est=B.tolist(), fit_seconds=secs, **info)


def run_job(method, data, scale, out):
    """Load DATA.npz, scale it, fit, write OUT.json; returns the record."""
    if scale not in ("raw", "std"):
        raise ValueError(f"scale must be raw or std, got {scale!r}")
    X = np.asarray(np.load(data, allow_pickle=False)["X"], dtype=float)
    if scale == "std":
        X = standardize(X)
    rec = run(method, X)
    rec["scale"] = scale
    with open(out + ".part", "w") as f:
        json.dump(rec, f)
    os.replace(out + ".part", out)
    return rec


def run_batch(jobs_file, progress_file):
    """Run the jobs of JOBS.json in order, logging ``START k`` before each."""
    with open(jobs_file) as f:
        jobs = json.load(f)
    for k, job in enumerate(jobs):
        with open(progress_file, "a") as f:
            f.write(f"START {k}\n")
        run_job(job["method"], job["data"], job["scale"], job["out"])
    return 0


def main(argv):
    """CLI entry point (see the module docstring)."""
    if len(argv) == 3 and argv[0] == "--batch":
        return run_batch(argv[1], argv[2])
    if len(argv) != 4 or argv[2] not in ("raw", "std"):
        sys.exit(__doc__)
    return 0 if run_job(*argv)["status"] != "error" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
