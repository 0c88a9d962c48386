"""
Reading the training diagnostics
================================

Every fit records one line per epoch in ``history_``: the objective and each
of its terms, the validation loss, the gradient norm and how often it was
clipped, the learning rate, the acyclicity :math:`h(W)` and its weight, and
the number of edges. This example reads a healthy history, then a broken
fit, and shows the warning that names the problem and its fix.
"""

# %%
# A healthy fit
# -------------
import warnings

import matplotlib.pyplot as plt
import pandas as pd

from stabledag import StableDAGLearner
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.plotting import plot_history

B_true = simulate_dag(10, 20, "ER", random_state=2)
X = simulate_linear_sem(simulate_parameter(B_true, random_state=2), 1000, random_state=2)

est = StableDAGLearner(random_state=0).fit(X)
history = pd.DataFrame(est.history_)
print(history.columns.tolist())
print(
    history.groupby("stage")
    .agg(
        epochs=("epoch", "size"),
        val_loss=("val_loss", "last"),
        h=("h", "last"),
        acyclic_weight=("acyclic_weight", "last"),
        lr=("lr", "last"),
        clip_ratio=("clip_ratio", "mean"),
        n_edges=("n_edges", "last"),
    )
    .to_string(float_format="{:.3g}".format)
)

# %%
# :func:`~stabledag.plotting.plot_history` draws eight panels; dotted
# vertical lines mark where each stage of the acyclicity schedule starts.
#
# * **objective**: training and validation loss. Each stage starts with a
#   larger acyclicity weight, so the objective can jump up at a stage
#   boundary; within a stage both should fall and level off.
# * **loss terms**: the likelihood term falls first; the L1 term settles as
#   the graph takes shape.
# * **h(W)** should fall by orders of magnitude across stages, to below
#   ``h_tol``, while its **weight** grows by ``acyclic_growth`` per stage.
# * **gradient norm**, with ``max_grad_norm`` dashed, and the **clip ratio**
#   (share of clipped steps per epoch): some clipping in the first epochs is
#   normal.
# * **learning rate**: halved by ``ReduceLROnPlateau`` when the validation
#   loss stops improving, reset at each stage.
# * **edges**: the number of weights above the logging threshold.
plot_history(est)
plt.gcf().suptitle("a healthy fit")
plt.show()

# %%
# A broken fit, and the warning it raises
# ---------------------------------------
# After ``fit``, a few checks read the history and warn, with a
# ``stabledag.DiagnosticWarning``, when the fit looks wrong:
# no edges at all, clipping that dominates the steps, a learning rate never
# cut although the loss went flat, :math:`h(W)` stalling across stages, or
# early stopping in the first epochs. Each message names the likely fix.
# Here the clipping bound is set a hundred times too small, so every step
# is cut to a fraction of what Adam asked for.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    bad = StableDAGLearner(max_grad_norm=0.01, random_state=0).fit(X)
for w in caught:
    print(f"{w.category.__name__}: {w.message}\n")

# %%
# The gradient-norm panel shows the norm far above the dashed bound, and
# the clip-ratio panel sits at 1 throughout. The other curves look much like
# the healthy ones: Adam divides each step by a running estimate of the
# gradient's scale, so steps shrink less than the clipping suggests. That is
# why the check reads the clipping, not the loss.
plot_history(bad)
plt.gcf().suptitle("max_grad_norm=0.01: clipping sets every step")
plt.show()

# %%
# Here the selected graph is no further from the truth than the healthy
# fit's, because the final graph is chosen after training by a likelihood
# criterion and a search over causal orders (see :ref:`selection`), which
# repairs a lot. The warning says that the optimisation itself did not run
# as configured; that matters for ``raw_adjacency_``, for any fixed
# ``threshold`` and on harder data.
print("SHD, healthy fit:", -est.score(X, true_graph=B_true, metric="shd"))
print("SHD, broken fit: ", -bad.score(X, true_graph=B_true, metric="shd"))

# %%
# ``history_`` is a list of dicts, so it also goes straight to a file:
# :meth:`~stabledag.StableDAGLearner.save_training_log` writes it as JSON
# with a summary of the fit, and the ``stabledag fit`` command does so for
# every run (see :ref:`cli`). The :ref:`training guide <training>` explains
# each stability feature behind these curves.
