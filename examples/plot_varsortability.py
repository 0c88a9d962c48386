"""
Raw or standardized data: varsortability
========================================

Simulated benchmarks of the NOTEARS family usually draw every noise term
with the same variance. In such data the marginal variance grows along the
causal order, so sorting the variables by variance nearly gives the order
away; Reisach et al. (2021) call the share of edges that point from lower to
higher variance the *varsortability*. Methods fitted by least squares
exploit it without saying so, and collapse once the columns are
standardized. Real data come in arbitrary units, where this signal means
nothing.

This example measures varsortability, then fits both modes of
:class:`~stabledag.StableDAGLearner` on raw and on standardized data.
"""

# %%
# Measure varsortability
# ----------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np

from stabledag import StableDAGLearner
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.metrics import shd

B_true = simulate_dag(10, 20, "ER", random_state=0)
X_raw = simulate_linear_sem(simulate_parameter(B_true, random_state=0), 1000, random_state=0)
X_std = (X_raw - X_raw.mean(axis=0)) / X_raw.std(axis=0)


def varsortability(X, B):
    """Share of edges i -> j with var(X_i) < var(X_j); ties count one half."""
    var = X.var(axis=0)
    parents, children = np.nonzero(B)
    lower = var[parents] < var[children]
    ties = np.isclose(var[parents], var[children])
    return float(np.mean(np.where(ties, 0.5, lower)))


print(f"varsortability raw: {varsortability(X_raw, B_true):.2f}")
print(f"varsortability standardized: {varsortability(X_std, B_true):.2f}")
print("column variances, raw:", np.round(X_raw.var(axis=0), 1))

# %%
# A value of 0.5 means the variances say nothing about the order; 1 means
# every edge points from a lower to a higher variance. After
# standardization every variance is 1, so the value is 0.5 by construction.
#
# Two modes, two kinds of data
# ----------------------------
# * The **default** mode standardizes the columns and fits a Gaussian
#   likelihood with one noise variance per node. Because it standardizes
#   first (``standardize=True``), it does not depend on the units of the
#   data, so raw and standardized inputs give the same graph.
# * The **equal-variance** mode (``standardize=False, equal_variances=True``)
#   is least squares with one shared noise variance: the NOTEARS/DAGMA
#   setting. It is right when all variables share units and noise scale,
#   and it uses the variances to orient edges.
modes = {
    "default (unit-free)": StableDAGLearner(random_state=0),
    "equal variance": StableDAGLearner(standardize=False, equal_variances=True, random_state=0),
}
results = {}
for mode, est in modes.items():
    for data, X in [("raw", X_raw), ("standardized", X_std)]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results[mode, data] = shd(B_true, est.fit(X).predict_graph())
        print(f"{mode:>20}, {data:>12} data: SHD {results[mode, data]}")
        for w in caught:
            print(f"    {w.category.__name__}: {w.message}")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
x = np.arange(2)
for k, mode in enumerate(modes):
    values = [results[mode, "raw"], results[mode, "standardized"]]
    bars = ax.bar(x + (k - 0.5) * 0.38, values, width=0.38, label=mode)
    ax.bar_label(bars)
ax.axhline(B_true.sum(), color="grey", ls="--", label="empty graph")
ax.set_xticks(x, ["raw data", "standardized data"])
ax.set_ylabel("SHD to the true graph (lower is better)")
ax.set_title(
    f"ER2, d=10, equal noise variances (varsortability {varsortability(X_raw, B_true):.2f})"
)
ax.legend()
plt.show()

# %%
# What this means
# ---------------
# On raw equal-variance data the equal-variance mode can orient every edge,
# because its assumption holds. Standardizing the same data breaks the
# assumption, and the equal-variance mode falls apart, the way NOTEARS and
# DAGMA do (see :ref:`benchmarks`). The default mode gives the same answer
# on both, since it never used the variances; the price is that, for linear
# Gaussian data, it can only identify the graph up to its Markov
# equivalence class, so it may leave some edges reversed.
#
# Use the equal-variance mode only when the variables really share units
# and noise scale, and report results on standardized data too: a method
# that is only good on raw simulated data may be sorting by variance.
