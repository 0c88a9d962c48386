"""
Scaling out with Dask
=====================

:class:`~sklearn.model_selection.GridSearchCV` and
:class:`~stabledag.EdgeStability` run their fits through joblib, so any joblib
backend spreads them over more machines; nothing in stabledag is
Dask-specific. With ``pip install "stabledag[distributed]"``, connect a
:class:`distributed.Client` to a cluster and wrap the call in
``joblib.parallel_config(backend="dask")``.

To keep this page self-contained it starts a small cluster inside this
process (``processes=False``: worker threads, not worker processes); on a
real cluster you would pass the scheduler's address to ``Client``. A
thread-based local cluster gives no speed-up over ``n_jobs``; its purpose
here is to show the code path. Measured on two cores with two worker
processes (``python benchmarks/dask_speedup.py``), two workers were 1.74
times as fast as one for an 18-fit grid search and 1.88 times for 12
subsample refits.
"""

# %%
# Start a cluster and fit through it
# ----------------------------------
import time

import matplotlib.pyplot as plt
from dask.distributed import Client, LocalCluster
from joblib import parallel_config

from stabledag import EdgeStability, StableDAGLearner
from stabledag.datasets import load_sachs

sachs = load_sachs()  # a scikit-learn Bunch
X, B_true, names = sachs.data, sachs.graph, sachs.feature_names

cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
client = Client(cluster)
print("worker threads:", sum(client.nthreads().values()))

stability = EdgeStability(StableDAGLearner(), n_resamples=6, n_jobs=-1, random_state=0)
start = time.perf_counter()
with parallel_config(backend="dask"):
    stability.fit(X)
print(f"6 refits through Dask in {time.perf_counter() - start:.1f} s")

# %%
# The result does not depend on the backend: with the same
# ``random_state`` every refit gets the same rows and the same seed, so a
# run without Dask gives the same frequencies.
serial = EdgeStability(StableDAGLearner(), n_resamples=6, random_state=0).fit(X)
print(
    "same frequencies as a serial run:", (serial.edge_frequency_ == stability.edge_frequency_).all()
)

client.close()
cluster.close()

# %%
# The edge frequencies, as in the :ref:`edge-stability example
# <sphx_glr_auto_examples_plot_edge_stability.py>` (rows are parents, columns
# children):
fig, ax = plt.subplots(figsize=(6.5, 6), layout="constrained")
image = ax.imshow(stability.edge_frequency_, cmap="Blues", vmin=0, vmax=1)
ax.set_xticks(range(len(names)), names, rotation=90)
ax.set_yticks(range(len(names)), names)
fig.colorbar(image, ax=ax, label="share of refits with the edge")
ax.set_title("edge frequency over 6 refits run on a Dask cluster")
plt.show()

# %%
# The same pattern scales a grid search::
#
#     from sklearn.model_selection import GridSearchCV
#
#     search = GridSearchCV(StableDAGLearner(), {"lambda_sparse": [0.005, 0.02, 0.1]}, n_jobs=-1)
#     with parallel_config(backend="dask"):
#         search.fit(X)
