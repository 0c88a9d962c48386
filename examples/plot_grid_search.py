"""
Choosing the lambdas with GridSearchCV
======================================

:class:`~stabledag.StableDAGLearner` is an ordinary scikit-learn estimator,
so :class:`~sklearn.model_selection.GridSearchCV` tunes it. Its ``score`` is
the mean held-out log-likelihood, which needs no true graph: that is what
a search maximises by default, and what you have on real data. When the
true graph is known (simulations, benchmarks),
:func:`~stabledag.graph_scorer` scores each fit against it instead.

This example runs one search that records both, to show how close the
data-only choice comes to the best setting in hindsight.
"""

# %%
# Data with a known graph
# -----------------------
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GridSearchCV

from stabledag import StableDAGLearner, graph_scorer
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter

B_true = simulate_dag(10, 20, "ER", random_state=1)
X = simulate_linear_sem(simulate_parameter(B_true, random_state=1), 600, random_state=1)

# %%
# One search, two scores
# ----------------------
# ``scoring`` takes a dict: ``"loglik"`` calls the estimator's own ``score``
# (the held-out log-likelihood); ``"neg_shd"`` is ``graph_scorer(B_true)``, the
# structural Hamming distance to the truth, negated so that higher is
# better as scikit-learn expects. ``refit="loglik"`` picks the setting by the
# data alone. (``sklearn.metrics.make_scorer`` cannot score an unsupervised
# estimator against a graph, hence ``graph_scorer``.) Two folds keep this
# page quick; ``n_jobs`` fits settings in parallel, through any joblib
# backend (see :ref:`the Dask example <sphx_glr_auto_examples_plot_dask.py>`).
grid = {"lambda_sparse": [0.002, 0.02, 0.2], "lambda_acyclic": [0.3, 3.0]}
scoring = {
    "loglik": lambda est, X, y=None: est.score(X),
    "neg_shd": graph_scorer(B_true, metric="shd"),
}
search = GridSearchCV(StableDAGLearner(random_state=0), grid, scoring=scoring, refit="loglik", cv=2)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    search.fit(X)
# Some settings stop before h(W) reaches h_tol; fit then says so with a
# ConvergenceWarning and makes the graph acyclic by dropping weak cycle edges.
for w in caught:
    print(f"{w.category.__name__}: {w.message}")

results = pd.DataFrame(search.cv_results_)
table = results[
    ["param_lambda_sparse", "param_lambda_acyclic", "mean_test_loglik", "mean_test_neg_shd"]
].rename(columns=lambda c: c.replace("param_", "").replace("mean_test_", ""))
table["shd"] = -table.pop("neg_shd")
print(table.round(3).to_string(index=False))

# %%
# The data-only choice against the best in hindsight
# --------------------------------------------------
# ``best_params_`` is the setting with the highest held-out log-likelihood;
# ``search.best_estimator_`` is refitted with it on all the data.
best_by_data = search.best_params_
best_by_truth = results.loc[results["mean_test_neg_shd"].idxmax(), "params"]
print("chosen from the data:      ", best_by_data)
print("best against the true graph:", best_by_truth)
refit_shd = -search.best_estimator_.score(X, true_graph=B_true, metric="shd")
print("SHD of the choice refitted on all the data:", refit_shd)

# %%
# Plot both scores over the grid
# ------------------------------
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for lam_a, group in table.groupby("lambda_acyclic"):
    label = f"lambda_acyclic={lam_a}"
    axes[0].plot(group["lambda_sparse"], group["loglik"], "o-", label=label)
    axes[1].plot(group["lambda_sparse"], group["shd"], "o-", label=label)
ylabels = ["held-out log-likelihood (higher is better)", "mean SHD (lower is better)"]
for ax, ylabel in zip(axes, ylabels):
    ax.set_xscale("log")
    ax.set_xlabel("lambda_sparse")
    ax.set_ylabel(ylabel)
    ax.axvline(best_by_data["lambda_sparse"], color="grey", ls=":")
axes[0].legend()
fig.suptitle("dotted: lambda_sparse chosen by the held-out likelihood")
fig.tight_layout()
plt.show()
