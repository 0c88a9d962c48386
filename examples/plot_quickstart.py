"""
Quickstart: learn a DAG from simulated data
===========================================

Simulate a random DAG, draw data from a linear structural equation model
on it, learn the graph back with :class:`~stabledag.StableDAGLearner` and
compare it with the truth.
"""

# %%
# Simulate a graph and data
# -------------------------
# :func:`~stabledag.datasets.simulate_dag` draws a random DAG (here
# Erdos-Renyi with 10 nodes and 20 edges), :func:`~stabledag.datasets.simulate_parameter`
# gives each edge a weight in :math:`[-2, -0.5] \cup [0.5, 2]`, and
# :func:`~stabledag.datasets.simulate_linear_sem` draws samples of
# :math:`X = X W + E` with Gaussian noise. ``B[i, j] == 1`` means ``i -> j``.
import matplotlib.pyplot as plt

from stabledag import StableDAGLearner
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.metrics import count_accuracy
from stabledag.plotting import plot_graph

B_true = simulate_dag(10, 20, "ER", random_state=0)
W_true = simulate_parameter(B_true, random_state=0)
X = simulate_linear_sem(W_true, 1000, random_state=0)
print(X.shape, int(B_true.sum()), "true edges")

# %%
# Fit
# ---
# The defaults need no tuning to start with: the columns are standardized,
# the likelihood has one noise variance per node (so the units of the
# columns do not matter) and the threshold on the weights is chosen from
# the data (``threshold="auto"``). ``random_state`` fixes the validation
# split, so the same seed gives the same graph.
est = StableDAGLearner(random_state=0).fit(X)
print(f"{est.n_iter_} epochs, converged: {est.converged_}, threshold: {est.threshold_:.3f}")

# %%
# ``predict_graph`` returns the 0/1 adjacency of the selected graph; it is
# always acyclic. ``adjacency_`` holds its weights (in standard units, since
# the data were standardized).
B_est = est.predict_graph()
scores = count_accuracy(B_true, B_est)
print({key: round(value, 2) for key, value in scores.items()})

# %%
# Draw the result
# ---------------
# With ``true_graph`` the plot marks each edge as correct, reversed or extra,
# and draws the true edges that were missed as dashed lines.
fig, axes = plt.subplots(1, 2, figsize=(11, 5))
plot_graph(W_true, ax=axes[0])
axes[0].set_title("true graph and weights")
plot_graph(est, true_graph=B_true, ax=axes[1])
axes[1].set_title("learned graph against the truth")
fig.tight_layout()
plt.show()

# %%
# The learned weights are in standard units and the true ones in the units
# of the data, so they differ in size; the pattern is what the comparison is
# about. The :ref:`user guide <user_guide>` explains the objective, how to
# choose the settings without knowing the truth, and which edges can be
# oriented from observational data at all.
