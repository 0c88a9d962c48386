"""
From data to an effect with its uncertainty
===========================================

A causal graph is a means to an end: the end is usually a number, *how much
does the outcome change if I change this?* This example goes from data in
everyday units to such numbers, and says at each step what the data support:

1. the **equivalence class**: which arrows the data decide and which they
   cannot (:meth:`~stabledag.StableDAGLearner.predict_cpdag`,
   ``identifiable_``);
2. **bootstrap confidence** in each edge and direction
   (:class:`~stabledag.EdgeStability`);
3. **effects**: the effect under the learned DAG
   (:meth:`~stabledag.StableDAGLearner.total_effect`), the range the class
   allows (:meth:`~stabledag.StableDAGLearner.possible_effects`, IDA) and a
   bootstrap interval (:meth:`~stabledag.EdgeStability.effect_interval`);
4. the hand-off to **DoWhy**, which estimates the effect from the learned
   graph with its own machinery (skipped, with a note, when DoWhy is not
   installed: ``pip install "stabledag[effects]"``).
"""

# %%
# Data in everyday units
# ----------------------
# A made-up health study with a known truth: age (years), salt (g/day),
# exercise (h/week), weight (kg), blood pressure (mmHg) and a risk score (%).
# Age, salt and weight raise blood pressure, which raises the risk; exercise
# lowers weight. The columns' units differ by orders of magnitude, so the
# default unit-free mode is the right one.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from stabledag import EdgeStability, StableDAGLearner
from stabledag.plotting import plot_graph

rng = np.random.default_rng(0)
n = 2000
age = rng.normal(50, 12, n)
salt = rng.normal(9, 3, n)
exercise = rng.normal(4, 2, n)
weight = 90 - 3 * exercise + rng.normal(0, 8, n)
pressure = 60 + 0.5 * age + 2 * salt + 0.4 * weight + rng.normal(0, 8, n)
risk = -10 + 0.15 * pressure + rng.normal(0, 2, n)
data = pd.DataFrame(
    {
        "age": age,
        "salt": salt,
        "exercise": exercise,
        "weight": weight,
        "pressure": pressure,
        "risk": risk,
    }
)
truth = {  # total effects in the data's units: products along the paths
    ("salt", "risk"): 2 * 0.15,
    ("exercise", "risk"): -3 * 0.4 * 0.15,
    ("weight", "risk"): 0.4 * 0.15,
}

# %%
# 1. The equivalence class: which arrows the data decide
# ------------------------------------------------------
# The default mode identifies the Markov equivalence class only: arrows in a
# v-structure (age -> pressure <- salt) and those Meek's rules then force
# (pressure -> risk) are decided by the data; the others are not.
est = StableDAGLearner(random_state=0).fit(data)
print("identifiable_:", est.identifiable_)
print(est.identifiable_reason_)
M = est.predict_cpdag()
names = list(data.columns)
for i, j in zip(*np.nonzero(M)):
    if M[j, i] and i < j:
        print(f"  {names[i]} - {names[j]}: direction not identifiable from these data")
    elif not M[j, i]:
        print(f"  {names[i]} -> {names[j]}")

# %%
# 2. Bootstrap confidence in each edge and direction
# --------------------------------------------------
# Thirty refits on bootstrap samples (use more for real work). ``to_frame``
# gives, per pair, how often it was found (``frequency``, with a Wilson
# interval for the share), in which direction, and how often its direction
# was left open by the refit's class (``undirected``).
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # a refit's convergence notes; not the point here
    stability = EdgeStability(
        StableDAGLearner(), n_resamples=30, resampling="bootstrap", random_state=0
    ).fit(data)
frame = stability.to_frame()
print(frame[["source", "target", "frequency", "forward", "reversed", "undirected"]])

# %%
# The class, each edge shaded by its bootstrap frequency; the undirected edge
# is drawn without arrowheads.
fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
plot_graph(est, cpdag=True, edge_frequency=stability, ax=ax)
ax.set_title("learned class, shaded by bootstrap frequency")
plt.show()

# %%
# 3. Effects, with what the data support
# --------------------------------------
# ``total_effect`` is the effect under the learned DAG, in the data's units
# (here: risk points per g/day of salt, per hour of exercise, per kg).
# ``possible_effects`` lists the effects over the DAGs of the class: one
# value when the class decides the effect, several when it does not.
# ``effect_interval`` summarises the refits' effects.
rows = []
for (source, target), true_value in truth.items():
    ci = stability.effect_interval(source, target)
    rows.append(
        {
            "effect": f"{source} -> {target}",
            "truth": true_value,
            "total_effect (DAG)": est.total_effect(source, target),
            "possible_effects (IDA)": np.round(est.possible_effects(source, target), 3),
            "bootstrap 90%": f"[{ci.low:.3f}, {ci.high:.3f}]",
            "refits with a path": ci.path_frequency,
        }
    )
table = pd.DataFrame(rows)
print(table.to_string(index=False))

# %%
# Salt's effect is decided by the class: one possible value, close to the
# truth 0.3. Exercise's is not: the data are equally consistent with
# exercise -> weight (an effect near the truth -0.18) and weight -> exercise
# (an effect near 0, up to sampling noise), and IDA says so. The single DAG's
# ``total_effect`` is one of those by the optimiser's choice. The refits may
# all make the same choice, so a narrow bootstrap interval does not mean the
# direction is known: the ``undirected`` column of ``to_frame`` (1.0 for
# exercise - weight) and IDA's range are what flag it.
print(
    "share of refits with exercise -> weight:",
    stability.edge_frequency_[names.index("exercise"), names.index("weight")],
)

# %%
#
# Knowledge settles it: weight does not cause last week's exercise hours here
# (in a real study, that is a claim to defend). With it the class is fully
# oriented and the effect has one value.
informed = StableDAGLearner(random_state=0, forbidden_edges=[("weight", "exercise")]).fit(data)
print("possible effects of exercise on risk, with the knowledge:")
print(np.round(informed.possible_effects("exercise", "risk"), 3), "(truth -0.18)")

# %%
# 4. Hand-off to DoWhy
# --------------------
# DoWhy takes the learned DAG (``to_networkx()``, or GML text) and estimates
# the effect by backdoor adjustment. In the default mode that DAG is one
# member of the class, so hand over the one your knowledge picks (here
# ``informed``) and read the estimate next to the IDA range. DoWhy regresses
# the outcome on the treatment and a backdoor adjustment set; stabledag
# multiplies the fitted direct effects along the paths. Both estimate the
# same quantity, and differ by sampling noise.
try:
    from dowhy import CausalModel
except ImportError:
    CausalModel = None
    print(
        "DoWhy is not installed, so this step is skipped: pip install 'stabledag[effects]' "
        "and run this example again to see DoWhy's estimates next to stabledag's."
    )

if CausalModel is not None:
    graph = informed.to_networkx()
    for source, target in truth:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DoWhy's own notes
            model = CausalModel(data=data, treatment=source, outcome=target, graph=graph)
            identified = model.identify_effect(proceed_when_unidentifiable=True)
            estimate = model.estimate_effect(identified, method_name="backdoor.linear_regression")
        print(
            f"{source} -> {target}: DoWhy {estimate.value:.3f}, stabledag "
            f"{informed.total_effect(source, target):.3f}, truth {truth[source, target]:.3f}"
        )

# %%
# What each number means
# ----------------------
# - ``total_effect``: the effect if the learned DAG is right (and nothing
#   unmeasured confounds it). In the default mode trust it only where
#   ``possible_effects`` has one value.
# - ``possible_effects``: every effect the data support under the linear
#   Gaussian model; report the range, or add knowledge.
# - ``effect_interval``: sampling uncertainty of the effect from refits;
#   ``refits with a path`` below the pair's frequency means the refits
#   disagree on the direction.
# - The :ref:`identifiability page <identifiability>` says what each mode
#   identifies and under which assumptions.
