"""
Edge stability: how sure is each edge?
======================================

One fit gives one graph and no sense of which edges the data support
firmly. :class:`~stabledag.EdgeStability` refits the learner on many random
half-samples of the rows (or bootstrap samples), counts how often each edge
appears, and keeps a consensus graph of the edges found in at least
``selection_threshold`` of the refits: stability selection (Meinshausen and
Buehlmann, 2010). The consensus is always acyclic.
"""

# %%
# Refit on half-samples of the Sachs data
# ---------------------------------------
# Twenty refits keep this page quick; use 50 or more for real work. Each
# refit is a full ``StableDAGLearner`` fit on half of the 853 rows.
import warnings

import matplotlib.pyplot as plt
import numpy as np

from stabledag import EdgeStability, StableDAGLearner
from stabledag.datasets import load_sachs
from stabledag.metrics import count_accuracy
from stabledag.plotting import plot_graph

sachs = load_sachs(as_frame=True)
X, B_true, names = sachs.data, sachs.graph, sachs.feature_names
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    stability = EdgeStability(StableDAGLearner(), n_resamples=20, random_state=0).fit(X)
# A refit on half of the rows can trip one of the training checks; each
# warning is one refit's, and the frequencies below average over them all.
for w in caught:
    print(f"{w.category.__name__} in a refit: {w.message}\n")

freq = stability.edge_frequency_
print("refits:", stability.graphs_.shape[0])
print("edges seen at least once:", int((freq > 0).sum()))
print("edges in the consensus (frequency >= 0.6):", int(stability.consensus_graph_.sum()))

# %%
# Reading the frequencies
# -----------------------
# ``edge_frequency_[i, j]`` is the share of refits with the edge ``i -> j``.
# An edge found in nearly every refit is well supported; one that comes and
# goes sits near the detection limit. A pair whose two directions share the
# frequency, ``i -> j`` in some refits and ``j -> i`` in others, is an edge
# the data support but whose direction they do not settle.
order = np.argsort(-freq, axis=None)
print("most frequent edges:")
for flat in order[:12]:
    i, j = np.unravel_index(flat, freq.shape)
    both = freq[i, j] + freq[j, i]
    print(f"  {names[i]:>8} -> {names[j]:<8} {freq[i, j]:.2f}  (either direction {both:.2f})")

# %%
# Left: the frequency of every edge (rows are parents, columns children).
# Right: the consensus graph against the consensus of the literature, each
# edge labelled with its frequency.
fig, axes = plt.subplots(1, 2, figsize=(13, 6.2), width_ratios=[1, 1.2], layout="constrained")
image = axes[0].imshow(freq, cmap="Blues", vmin=0, vmax=1)
axes[0].set_xticks(range(len(names)), names, rotation=90)
axes[0].set_yticks(range(len(names)), names)
axes[0].set_xlabel("child")
axes[0].set_ylabel("parent")
for i, j in zip(*np.nonzero(freq)):
    axes[0].text(
        j,
        i,
        f"{freq[i, j]:.2f}",
        ha="center",
        va="center",
        fontsize=7,
        color="white" if freq[i, j] > 0.5 else "black",
    )
fig.colorbar(image, ax=axes[0], label="share of refits with the edge")
axes[0].set_title("edge frequency over 20 half-sample refits")
plot_graph(stability.consensus_graph_ * freq, node_names=names, true_graph=B_true, ax=axes[1])
axes[1].set_title("consensus graph (frequency >= 0.6) against the truth")
plt.show()

# %%
# Other cut-offs
# --------------
# ``predict_graph(threshold=...)`` gives the consensus at another frequency,
# without refitting: a lower cut-off keeps more edges (more found, more
# false), a higher one fewer.
for cut in (0.3, 0.6, 0.9):
    acc = count_accuracy(B_true, stability.predict_graph(threshold=cut))
    print(f"frequency >= {cut}: {acc['n_est']:>2} edges, SHD {acc['shd']}, F1 {acc['f1']:.2f}")

# %%
# The refits are independent, so ``n_jobs`` runs them in parallel, through
# any joblib backend; :ref:`the Dask example <sphx_glr_auto_examples_plot_dask.py>`
# spreads them over a cluster.
