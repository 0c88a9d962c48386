"""
Prior knowledge: forbidden edges, required edges and tiers
==========================================================

Domain knowledge often rules out some directions (an outcome cannot cause a
baseline covariate) or fixes an edge that is known from experiments.
:class:`~stabledag.StableDAGLearner` takes three kinds of prior knowledge:

* ``forbidden_edges``: ``(parent, child)`` pairs held at exactly zero
  during training and absent from every output;
* ``required_edges``: pairs present in every output, whatever the threshold;
* ``tiers``: groups of nodes in temporal or causal order; no edge may point
  from a later tier back to an earlier one.

Nodes are named by the DataFrame's columns (or given as integer positions).
"""

# %%
# The Sachs data without and with knowledge
# -----------------------------------------
import matplotlib.pyplot as plt

from stabledag import StableDAGLearner
from stabledag.datasets import load_sachs
from stabledag.metrics import count_accuracy
from stabledag.plotting import plot_graph

X, B_true = load_sachs(as_frame=True, return_X_y=True)

plain = StableDAGLearner(random_state=0).fit(X)

# %%
# Suppose it is known from earlier experiments that PKC acts upstream of PKA,
# that both act upstream of the MAP-kinase cascade, and that the cascade
# runs ``praf -> pmek -> p44/42``. As tiers: ``PKC``, then ``PKA``, then the
# cascade in order; the other proteins are left unconstrained. We also
# require ``plcg -> PIP3`` and forbid ``PIP2 -> plcg``. This knowledge is
# taken from the consensus graph, to show the interface; with real data you
# would state only what you are sure of.
informed = StableDAGLearner(
    tiers=[["PKC"], ["PKA"], ["praf"], ["pmek"], ["p44/42"]],
    required_edges=[("plcg", "PIP3")],
    forbidden_edges=[("PIP2", "plcg")],
    random_state=0,
).fit(X)

for label, est in [("no prior knowledge", plain), ("with prior knowledge", informed)]:
    acc = count_accuracy(B_true, est.predict_graph())
    print(f"{label:>22}: SHD {acc['shd']}, F1 {acc['f1']:.2f}, {acc['n_est']} edges")

# %%
# ``edge_mask_`` and ``required_mask_`` show what the knowledge allowed and
# required, as (d, d) boolean matrices in the order of ``node_names_``:
print("edges allowed:", int(informed.edge_mask_.sum()), "of", 11 * 10)
print("edges required:", int(informed.required_mask_.sum()))

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
plot_graph(plain, true_graph=B_true, ax=axes[0])
axes[0].set_title("no prior knowledge")
plot_graph(informed, true_graph=B_true, ax=axes[1])
axes[1].set_title("tiers, one required and one forbidden edge")
fig.tight_layout()
plt.show()

# %%
# Contradictions are errors
# -------------------------
# Knowledge that cannot hold together raises a ``ValueError`` that names the
# problem: here a required edge points against the tiers.
try:
    StableDAGLearner(tiers=[["PKA"], ["praf"]], required_edges=[("praf", "PKA")]).fit(X)
except ValueError as exc:
    print("ValueError:", exc)

# %%
# The three options are ordinary parameters, so ``clone``, ``GridSearchCV``
# and :class:`~stabledag.EdgeStability` keep them. The benchmark
# ``python benchmarks/prior_knowledge.py`` measures how much tiers cut from
# the true order lower the SHD (see :ref:`benchmarks`).
