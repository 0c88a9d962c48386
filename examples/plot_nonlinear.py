"""
Nonlinear relations: the MLP model
==================================

When a variable depends on its causes through a curve rather than a line,
a linear SEM sees only the linear part of the dependence: a U-shaped effect
can look like no effect at all. ``model="mlp"`` fits one small neural
network per node (the NOTEARS-MLP architecture: the weighted adjacency is
the norm of each network's first-layer weights on each input). In the
equal-variance mode used here it trains them through the same loop, chooses
the threshold by a nonlinear BIC, and checks the result against a second
graph found by a greedy search under an additive spline model; in the
default unit-free mode that search alone picks the graph and the networks
are fitted on it.
"""

# %%
# Data with curved effects
# ------------------------
# Six variables: ``x1`` is a U-shaped function of ``x0`` (no linear
# correlation at all), ``x2`` a saturating function of ``x1``, and so on.
# All noises have the same scale and the columns share units, so the
# equal-variance loss on raw data is the right choice here.
import matplotlib.pyplot as plt
import numpy as np

from stabledag import StableDAGLearner
from stabledag.metrics import count_accuracy
from stabledag.plotting import plot_graph

rng = np.random.default_rng(0)
n = 600
noise = 0.3 * rng.normal(size=(n, 6))
x0 = rng.normal(size=n)
x1 = x0**2 - 1 + noise[:, 1]
x2 = np.tanh(2 * x1) + noise[:, 2]
x3 = np.sin(2 * x0) + noise[:, 3]
x4 = x2 * x3 + noise[:, 4]
x5 = np.abs(x3) + noise[:, 5]
X = np.column_stack([x0, x1, x2, x3, x4, x5])
B_true = np.zeros((6, 6), dtype=int)
for i, j in [(0, 1), (1, 2), (0, 3), (2, 4), (3, 4), (3, 5)]:
    B_true[i, j] = 1

# %%
# Fit both models
# ---------------
# The linear model and the MLP, each in its equal-variance mode on the raw
# data. ``hidden_units`` sets the size of each node's network.
common = dict(standardize=False, equal_variances=True, random_state=0)
linear = StableDAGLearner(**common).fit(X)
mlp = StableDAGLearner(model="mlp", hidden_units=10, **common).fit(X)
for name, est in [("linear", linear), ("mlp", mlp)]:
    acc = count_accuracy(B_true, est.predict_graph())
    print(f"{name:6s} SHD {acc['shd']}, F1 {acc['f1']:.2f}, held-out score {est.score(X):.3f}")

# %%
# The graphs against the truth
# ----------------------------
# Each panel's legend counts the correct, reversed, extra and missed edges.
# A straight line fits a curved effect badly in both directions, so the
# linear model finds dependences but has little to orient them with; the
# MLP's residuals tell the directions apart much better. The effects of
# ``x0`` (a U shape and a sine of a symmetric variable) stay hard for both.
fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
plot_graph(B_true, ax=axes[0])
axes[0].set_title("true graph")
plot_graph(linear.predict_graph(), true_graph=B_true, ax=axes[1])
axes[1].set_title("linear model")
plot_graph(mlp.predict_graph(), true_graph=B_true, ax=axes[2])
axes[2].set_title('model="mlp"')
plt.show()

# %%
# What it costs
# -------------
# The MLP works on the data rather than on its second-moment matrix, so its
# cost grows with ``n``: the equal-variance fit takes seconds to minutes where
# the linear model's takes a fraction of a second. The default unit-free mode
# runs no continuous structure fit (its graph comes from the additive search)
# and costs about as much as fitting the networks once on the found graph.
# Measured figures against NOTEARS-MLP on five nonlinear generators are on
# the benchmark page of the user guide.
print(f"epochs: linear {linear.n_iter_}, mlp {mlp.n_iter_}")
