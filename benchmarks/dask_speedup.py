"""Speed-up of 2 Dask workers over 1 for a GridSearchCV and an EdgeStability run.

    pip install ".[distributed]"; python benchmarks/dask_speedup.py

A LocalCluster on the loopback interface (one thread per worker process), ER2 d=20
data (n = 1000); each job is run once on a warm cluster (workers have imported torch)
with 1 worker and with 2. Writes ``benchmarks/results/dask_speedup.json`` and prints a table.
"""

import json
import os
import sys
import time
import warnings

from joblib import parallel_config
from sklearn.model_selection import GridSearchCV, ParameterGrid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _data  # noqa: E402
from stabledag import EdgeStability, StableDAGLearner  # noqa: E402


def jobs(X, quick=False):
    """The two workloads, as callables (quick: a third of the grid and of the refits)."""
    grid = {"lambda_sparse": [0.005, 0.02, 0.1], "lambda_acyclic": [0.3, 1.0]}
    if quick:
        grid = {"lambda_sparse": [0.02, 0.1]}
    return {
        f"GridSearchCV {len(ParameterGrid(grid))} settings x 3 folds": lambda: GridSearchCV(
            StableDAGLearner(random_state=0), grid, cv=3, n_jobs=-1, refit=False
        ).fit(X),
        f"EdgeStability {4 if quick else 12} subsamples": lambda: EdgeStability(
            StableDAGLearner(), n_resamples=4 if quick else 12, n_jobs=-1, random_state=0
        ).fit(X),
    }


def timed(n_workers, work):
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
        parallel_config(backend="dask"),
    ):
        client.run(lambda: __import__("stabledag"))  # warm: torch imported on every worker
        out = {}
        for name, job in work.items():
            start = time.perf_counter()
            job()
            out[name] = time.perf_counter() - start
    return out


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--quick", action="store_true", help="smaller workloads, d = 10")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    X, _, _ = _data.make_dataset("ER", 2, 10 if args.quick else 20, 1000, 0)
    work = jobs(X, args.quick)
    one, two = timed(1, work), timed(2, work)
    lines = ["| job | 1 worker (s) | 2 workers (s) | speed-up |", "|---|---|---|---|"]
    for name in work:
        lines.append(
            f"| {name} | {one[name]:.1f} | {two[name]:.1f} | {one[name] / two[name]:.2f}x |"
        )
    print("\n".join(lines))
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "dask_speedup.json"), "w") as fh:
        json.dump({"one_worker": one, "two_workers": two}, fh, indent=1)


if __name__ == "__main__":
    main()
