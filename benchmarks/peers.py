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
  pc              causal-learn ``pc(X, 0.05, 'fisherz')``
  ges             causal-learn ``ges(X, score_func='local_score_BIC')``: plain BIC
                  (``lambda_value`` 0.5: a penalty of 0.5 log n per parameter)
  ges_ebic        causal-learn ``ges`` with ``parameters={'lambda_value': 0.5 + log(d) / log(n)}``:
                  per parent ``lambda * log n = log(n)/2 + gamma log(d)``, stabledag's extended
                  BIC (gamma = 1; ``src/stabledag/_scores.py``, ``edge_penalty``), the
                  likelihood term being the same ``n/2 log(residual variance)``
  grasp           causal-learn ``grasp(X, 'local_score_BIC_from_cov', depth=3)`` with the same
                  EBIC ``lambda_value`` (causal-learn's own default there is 2, four times BIC)
  boss            causal-learn ``boss(X, 'local_score_BIC_from_cov')``, the same EBIC
  golem_nv        GOLEM-NV (``benchmarks/_golem.py``, a NumPy transcription of the authors'
                  code, checked against gCastle's GOLEM): lambda_1 = 2e-3, lambda_2 = 5,
                  Adam lr 1e-3, 1e5 steps from B = 0, threshold 0.3, then weakest edges
                  dropped until acyclic
  cam             ``stabledag._additive.additive_search(Z, [])`` (private function) on the
                  standardized data: CAM's greedy add-and-prune (Buehlmann, Peters and
                  Ernest 2014) under a spline BIC with per-node variances; no preliminary
                  neighbour selection, and not the R package ``CAM``

The CPDAG methods (pc, ges, ges_ebic, grasp, boss) also return ``cl_graph``, causal-learn's
endpoint matrix, so that the caller scores the class they output; ``B_est`` holds their
directed edges only (the directed-SHD convention of the reference figures).
  direct_lingam   ``lingam.DirectLiNGAM()``; adjacency_matrix_ transposed
  sortnregress    Reisach et al. (2021): order by marginal variance, adaptive-Lasso (BIC)
                  regression of each variable on its predecessors
  r2sortnregress  Reisach et al. (2023): the same, ordered by R^2 of each variable on all
                  others (invariant to rescaling the columns)
  stabledag       ``StableDAGLearner(random_state=0)`` (default, unit-free mode), plus its
                  ablations in ``variants`` (see ``_stabledag_ablations``)
  stabledag_ev    ``StableDAGLearner(standardize=False, equal_variances=True,
                  random_state=0)`` (equal-variance mode)

Nonlinear methods (not in the default method list; ``--methods`` names them):

  notears_mlp       gCastle ``NotearsNonlinear(device_type="cpu")`` defaults (hidden
                    layers (10, 1), w_threshold 0.3), ``torch.manual_seed(0)`` first, as in
                    the reference measurements behind the nonlinear anchors
  stabledag_mlp     ``StableDAGLearner(model="mlp", n_iter_no_change=10, max_epochs=800,
                    random_state=0)`` (unit-free likelihood, standardized inside); variants:
                    the continuous fit's thresholded DAG (``predict_graph(threshold_)``) and
                    the additive search alone (``stabledag._additive.additive_search``)
  stabledag_mlp_ev  the same with ``standardize=False, equal_variances=True`` (NOTEARS-MLP's
                    least squares)

Optional variants (not in the default list either):

  stabledag_disen   ``StableDAGLearner(lambda_disen=1.0, random_state=0)``: the default
                    linear model with the residual-dependence term
  stabledag_gammaG  the default with the extended-BIC gamma set to G (``gamma0``,
                    ``gamma05``, ``gamma15``, ``gamma2``) by patching the private
                    ``stabledag._search.EBIC_GAMMA``: for the design-seed re-check only
  golem_nv_evinit   GOLEM-NV started from GOLEM-EV's solution (lambda_1 2e-2, 1e5 steps),
                    the protocol of the GOLEM paper
  boss_lambda2      BOSS with causal-learn's default ``lambda_value=2``

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
    "ges_ebic": ("peers", ("causallearn.search.ScoreBased.GES",), "causal-learn"),
    "grasp": ("peers", ("causallearn.search.PermutationBased.GRaSP",), "causal-learn"),
    "boss": ("peers", ("causallearn.search.PermutationBased.BOSS",), "causal-learn"),
    "boss_lambda2": ("peers", ("causallearn.search.PermutationBased.BOSS",), "causal-learn"),
    "golem_nv": ("peers", ("scipy.linalg",), "scipy"),
    "golem_nv_evinit": ("peers", ("scipy.linalg",), "scipy"),
    "cam": ("project", ("stabledag", "sklearn.preprocessing"), "stabledag"),
    "stabledag_gamma0": ("project", ("stabledag",), "stabledag"),
    "stabledag_gamma05": ("project", ("stabledag",), "stabledag"),
    "stabledag_gamma15": ("project", ("stabledag",), "stabledag"),
    "stabledag_gamma2": ("project", ("stabledag",), "stabledag"),
}
GAMMA_METHODS = {
    "stabledag_gamma0": 0.0,
    "stabledag_gamma05": 0.5,
    "stabledag_gamma15": 1.5,
    "stabledag_gamma2": 2.0,
}
# methods whose output is a CPDAG (scored as a class; B_est is its directed part)
CPDAG_METHODS = ("pc", "ges", "ges_ebic", "grasp", "boss", "boss_lambda2")
NONLINEAR_METHODS = ["notears_mlp", "stabledag_mlp", "stabledag_mlp_ev"]
EXTRA_METHODS = NONLINEAR_METHODS + [
    "stabledag_disen",
    "golem_nv_evinit",
    "boss_lambda2",
    *GAMMA_METHODS,
]
# the default method list: the linear methods
PEER_METHODS = [
    m for m, (env, _, _) in METHOD_ENV.items() if env != "project" and m not in EXTRA_METHODS
]
STABLEDAG_METHODS = [
    m for m, (env, _, _) in METHOD_ENV.items() if env == "project" and m not in EXTRA_METHODS
]
# the budget used for the MLP model in the benchmarks (see benchmarks/README.md)
MLP_SETTINGS = {"model": "mlp", "n_iter_no_change": 10, "max_epochs": 800}
# stabledag's extended-BIC gamma (src/stabledag/_scores.py, EBIC_GAMMA); accuracy.py checks
# that the package still uses this value before it reports GES/GRaSP/BOSS "with our EBIC"
EBIC_GAMMA = 1.0


def ebic_lambda(n, d, gamma=EBIC_GAMMA):
    """causal-learn ``lambda_value`` whose penalty equals stabledag's extended BIC.

    causal-learn's Gaussian BIC scores a node ``-n/2 (1 + log var) - lambda (|pa| + 1) log n``
    (higher is better); stabledag's cost is ``n/2 log var + (log(n)/2 + gamma log d) |pa|``
    (lower is better).  Equal per-parent penalties: ``lambda = 1/2 + gamma log(d) / log(n)``.
    """
    return 0.5 + gamma * np.log(d) / np.log(n)


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


def _cpdag_result(graph, **info):
    """(directed part, info with causal-learn's endpoint matrix) for a CPDAG method."""
    graph = np.asarray(graph)
    B, n_und, n_bi = cpdag_directed_part(graph)
    info.update(n_undirected=n_und, n_bidirected=n_bi, cl_graph=graph.astype(int).tolist())
    return B.astype(float), info


def _fit_pc(X):
    from causallearn.search.ConstraintBased.PC import pc

    return _cpdag_result(pc(X.copy(), 0.05, "fisherz", show_progress=False).G.graph)


def _fit_ges(X, ebic=False):
    from causallearn.search.ScoreBased.GES import ges

    lam = ebic_lambda(*X.shape) if ebic else 0.5
    graph = ges(X.copy(), score_func="local_score_BIC", parameters={"lambda_value": lam})
    return _cpdag_result(graph["G"].graph, lambda_value=lam)


def _fit_permutation(X, which, lam=None):
    """GRaSP or BOSS (causal-learn) under the Gaussian BIC with ``lambda_value`` lam."""
    if which == "grasp":
        from causallearn.search.PermutationBased.GRaSP import grasp as search
    else:
        from causallearn.search.PermutationBased.BOSS import boss as search
    lam = ebic_lambda(*X.shape) if lam is None else lam
    G = search(
        X.copy(),
        score_func="local_score_BIC_from_cov",
        parameters={"lambda_value": lam},
        verbose=False,
    )
    return _cpdag_result(G.graph, lambda_value=lam)


def _fit_golem(X, ev_init=False):
    import _golem

    if not ev_init:
        Xc = X - X.mean(axis=0)
        S = Xc.T @ Xc / X.shape[0]
        B = _golem._train(S, equal_variances=False, num_iter=100_000, **_golem.NV_SETTINGS)
        return _golem.postprocess(B), {"golem_iters": 100_000, "golem_init": "zero"}
    return _golem.golem_nv(X), {"golem_iters": 100_000, "golem_init": "GOLEM-EV"}


def _fit_cam(X):
    additive_search = _private("additive_search", ("stabledag._additive",))
    return np.asarray(additive_search(standardize(X), []), dtype=float), {}


def _fit_lingam(X):
    import lingam

    model = lingam.DirectLiNGAM()
    model.fit(X.copy())
    return np.asarray(model.adjacency_matrix_, dtype=float).T, {}  # lingam: A[i, j] = j -> i


def _private(name, modules):
    """A private stabledag function, looked up in the modules it may live in (the package
    is being refactored); a clear error if it is in none of them."""
    for module in modules:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"{name} not found in {', '.join(modules)}: update benchmarks/peers.py")


SEARCH_MODULES = ("stabledag._search",)
SCORE_MODULES = ("stabledag._scores",)
LINEAR_MODULES = ("stabledag.linear",)


def _timed(fn, *args, **kwargs):
    """(result, wall seconds, CPU seconds of this process) of one call."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0, time.process_time() - c0


def _stabledag_ablations(X):
    """The default pipeline's stages, each alone, on the same data (private functions).

    The default fit (``refine=True``) runs the order search from the continuous fit's DAGs
    (the selected cut and ``LinearModel.refine_starts``), from the empty graph and from
    ``LinearModel.random_starts`` random causal orders, and keeps the lowest-EBIC result.
    Variants (each a DAG with its own seconds; every search on a fresh
    ``stabledag._scores.GaussianBIC`` of the standardized data's second moments, so that
    no variant profits from another's cache):

    * ``cont_only``: ``StableDAGLearner(refine=False)``: the continuous fit and its
      EBIC-selected threshold, no order search (seconds: that whole fit);
    * ``search_empty``: ``stabledag._search.order_search`` from the empty graph alone;
    * ``search_no_fit``: ``multi_start_order_search`` from the empty graph and as many
      random causal orders as the default uses (``stabledag.linear._random_order_starts``,
      seed 0): the default's starts that need no continuous fit;
    * ``cuts_only``: ``multi_start_order_search`` from the continuous fit's DAGs only (the
      selected cut and the fixed cuts): the default before issue 18;
    * ``start_auto`` and ``start_<cut>``: the search from one of those DAGs alone.

    Search variants' seconds are those of the search alone (add ``cont_only``'s for the
    variants that start from the continuous fit).
    """
    from stabledag import StableDAGLearner
    from stabledag.graph import threshold_to_dag

    order_search = _private("order_search", SEARCH_MODULES)
    multi_start = _private("multi_start_order_search", SEARCH_MODULES)
    GaussianBIC = _private("GaussianBIC", SCORE_MODULES)
    LinearModel = _private("LinearModel", LINEAR_MODULES)
    random_order_starts = _private("_random_order_starts", LINEAR_MODULES)
    RANDOM_STARTS_NODES = _private("RANDOM_STARTS_NODES", LINEAR_MODULES)
    cuts = tuple(LinearModel.refine_starts)
    Z = standardize(X)
    n_rows, d = Z.shape
    S = Z.T @ Z / n_rows
    zeros = np.zeros((d, d), dtype=int)
    est, *secs = _timed(StableDAGLearner(random_state=0, refine=False).fit, X.copy())
    # the criterion counts at most max_selection_samples rows (issue 18), as in the fit
    cap = est.max_selection_samples
    n = n_rows if cap is None else min(n_rows, cap)
    W, cut = est.raw_adjacency_, float(est.threshold_)
    cut_starts = {"auto": (threshold_to_dag(W, cut) != 0).astype(int)}
    for c in cuts:
        cut_starts[f"{c:g}"] = (threshold_to_dag(W, c) != 0).astype(int)
    # as many random orders as the default draws at this d (fewer past d = 20); seed 0 here,
    # the fit draws its own seed from random_state, so the orders differ from the fit's
    n_random = min(int(LinearModel.random_starts), int(RANDOM_STARTS_NODES) // d)
    allowed = ~np.eye(d, dtype=bool)
    randoms = random_order_starts(d, n_random, 0, zeros.astype(bool), allowed)
    variants = {"cont_only": (est.predict_graph(), *secs)}
    variants["search_empty"] = _timed(order_search, GaussianBIC(S, n), zeros)
    variants["search_no_fit"] = _timed(multi_start, GaussianBIC(S, n), [zeros, *randoms])
    variants["cuts_only"] = _timed(multi_start, GaussianBIC(S, n), list(cut_starts.values()))
    for name, start in cut_starts.items():
        variants["start_" + name] = _timed(order_search, GaussianBIC(S, n), start)
    out = {
        k: {
            "B_est": (np.asarray(B) != 0).astype(int).tolist(),
            "fit_seconds": wall,
            "fit_cpu_seconds": cpu,
        }
        for k, (B, wall, cpu) in variants.items()
    }
    return {
        "variants": out,
        "threshold": cut,
        "refine_starts": list(cuts),
        "random_starts": n_random,
        "selection_samples": n,
        "empty_start": bool(LinearModel.empty_start),
    }


def _fit_stabledag(X, ablations=False, **kwargs):
    from stabledag import StableDAGLearner

    est, wall, cpu = _timed(StableDAGLearner(random_state=0, **kwargs).fit, X.copy())
    info = {"threshold": float(est.threshold_), "own_time": (wall, cpu)}
    if ablations:
        info.update(_stabledag_ablations(X))
    return np.asarray(est.predict_graph(), dtype=float), info


def _fit_stabledag_mlp(X, **kwargs):
    """The MLP model, with its continuous fit's DAG and the additive search alone.

    In the unit-free mode the default MLP fit runs no continuous structure fit (the
    additive search picks the graph, ``MLPModel.searches``): its ``cont_only`` variant is
    then a separate ``refine=False`` fit (timed); with ``equal_variances=True`` it is the
    default fit's thresholded DAG (no separate seconds).
    """
    from stabledag import StableDAGLearner
    from stabledag.mlp import MLPModel

    additive_search = _private("additive_search", ("stabledag._additive",))
    est, own_wall, own_cpu = _timed(
        StableDAGLearner(random_state=0, **MLP_SETTINGS, **kwargs).fit, X.copy()
    )
    if os.environ.get("STABLEDAG_BENCH_ABLATIONS", "1") == "0":
        cont = None  # the quick runs: no separate continuous fit (minutes on its own)
    elif MLPModel.searches(est.get_params()):
        params = {**MLP_SETTINGS, **kwargs, "refine": False}
        cont_est, c_wall, c_cpu = _timed(StableDAGLearner(random_state=0, **params).fit, X.copy())
        cont = {
            "B_est": np.asarray(cont_est.predict_graph(), int).tolist(),
            "fit_seconds": c_wall,
            "fit_cpu_seconds": c_cpu,
        }
    else:
        graph = est.predict_graph(threshold=float(est.threshold_))
        cont = {"B_est": np.asarray(graph, int).tolist(), "fit_seconds": None}
    searched, wall, cpu = _timed(additive_search, standardize(X), [])
    variants = {} if cont is None else {"cont_only": cont}
    variants.update(
        additive_only={
            "B_est": np.asarray(searched, int).tolist(),
            "fit_seconds": wall,
            "fit_cpu_seconds": cpu,
        },
    )
    info = {"variants": variants, "own_time": (own_wall, own_cpu)}
    return np.asarray(est.predict_graph(), dtype=float), info


def _fit_stabledag_gamma(X, gamma):
    import stabledag

    module = importlib.import_module(SCORE_MODULES[0])
    if not hasattr(module, "EBIC_GAMMA"):
        raise ImportError("stabledag._scores.EBIC_GAMMA is gone: update benchmarks/peers.py")
    old, module.EBIC_GAMMA = module.EBIC_GAMMA, gamma
    try:
        est = stabledag.StableDAGLearner(random_state=0).fit(X.copy())
    finally:
        module.EBIC_GAMMA = old
    return np.asarray(est.predict_graph(), dtype=float), {"ebic_gamma": gamma}


FITTERS = {
    "dagma_linear": _fit_dagma,
    "notears": _fit_notears,
    "pc": _fit_pc,
    "ges": _fit_ges,
    "direct_lingam": _fit_lingam,
    "sortnregress": lambda X: (sort_and_regress(X, np.var(X, axis=0)), {}),
    "r2sortnregress": lambda X: (sort_and_regress(X, r2_of_each(X)), {}),
    "stabledag": lambda X: _fit_stabledag(
        X, ablations=os.environ.get("STABLEDAG_BENCH_ABLATIONS", "1") != "0"
    ),
    "stabledag_ev": lambda X: _fit_stabledag(X, standardize=False, equal_variances=True),
    "notears_mlp": _fit_notears_mlp,
    "stabledag_mlp": _fit_stabledag_mlp,
    "stabledag_mlp_ev": lambda X: _fit_stabledag(
        X, standardize=False, equal_variances=True, **MLP_SETTINGS
    ),
    "stabledag_disen": lambda X: _fit_stabledag(X, lambda_disen=1.0),
    "ges_ebic": lambda X: _fit_ges(X, ebic=True),
    "grasp": lambda X: _fit_permutation(X, "grasp"),
    "boss": lambda X: _fit_permutation(X, "boss"),
    "boss_lambda2": lambda X: _fit_permutation(X, "boss", lam=2.0),
    "golem_nv": _fit_golem,
    "golem_nv_evinit": lambda X: _fit_golem(X, ev_init=True),
    "cam": _fit_cam,
    **{m: (lambda X, g=g: _fit_stabledag_gamma(X, g)) for m, g in GAMMA_METHODS.items()},
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


_WARM = set()


def _warm_up(method):
    """Once per process, a tiny stabledag fit before the timer (first-call costs: lazy
    imports, allocator warm-up), so that the first fit of a batch is timed like the rest."""
    if METHOD_ENV[method][0] != "project" or "project" in _WARM:
        return
    _WARM.add("project")
    from stabledag import StableDAGLearner

    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    X = np.column_stack([a, a + rng.normal(size=200), rng.normal(size=200)])
    try:
        StableDAGLearner(random_state=0, max_epochs=20).fit(X)
    except Exception:  # the timed fit will report any real problem
        pass


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
    _warm_up(method)
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        W, info = FITTERS[method](X)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
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
    if "own_time" in info:  # the method's own fit, without the ablation variants it ran too
        rec.update(call_seconds=secs, call_cpu_seconds=cpu)
        secs, cpu = info.pop("own_time")
    return dict(rec, status="ok", B_est=B.tolist(), fit_seconds=secs, fit_cpu_seconds=cpu, **info)


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
