"""Tuning without the true graph: how close GridSearchCV's data-only choice comes to the best.

    python benchmarks/tuning.py

For each dataset (ER2 d=20 seeds 0-2, raw and standardized; Sachs raw) a grid over
``lambda_sparse`` x ``lambda_acyclic`` is searched with ``GridSearchCV`` and the default
score (held-out log-likelihood, 3 folds); every setting is also fitted on all the data and
scored against the true graph. Reported: SHD of the data-only choice, the best SHD on the
grid in hindsight, and whether the choice is within max(2, 10%) of the best. Also times the
search with ``n_jobs=1`` and ``n_jobs=2`` (loky). Writes ``benchmarks/results/tuning.{json,md}``.
"""

import json
import os
import sys
import time
import warnings

import numpy as np
from sklearn.model_selection import GridSearchCV

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _data  # noqa: E402
import _metrics  # noqa: E402
from stabledag import StableDAGLearner  # noqa: E402

GRID = {"lambda_sparse": [0.005, 0.02, 0.1], "lambda_acyclic": [0.3, 1.0, 3.0]}


def datasets(seeds=(0, 1, 2)):
    """(name, X, B_true)."""
    for seed in seeds:
        X, B, _ = _data.make_dataset("ER", 2, 20, 1000, seed)
        yield f"ER2 d=20 s{seed} raw", X, B
        yield f"ER2 d=20 s{seed} std", _metrics.standardize(X), B
    X, B = _data.load_sachs()
    yield "Sachs raw", X, B


def evaluate(name, X, B, n_jobs=2):
    """Data-only choice vs best SHD in hindsight on one dataset."""
    search = GridSearchCV(
        StableDAGLearner(random_state=0),
        GRID,
        cv=3,
        n_jobs=n_jobs,
        refit=False,
        error_score="raise",
    ).fit(X)
    shds = []
    for params in search.cv_results_["params"]:
        est = StableDAGLearner(random_state=0, **params).fit(X)
        shds.append(_metrics.count_accuracy(B, est.predict_graph())["shd"])
    chosen = int(np.argmax(search.cv_results_["mean_test_score"]))
    best = min(shds)
    return {
        "dataset": name,
        "chosen_params": search.cv_results_["params"][chosen],
        "chosen_shd": shds[chosen],
        "best_shd": best,
        "grid_shds": shds,
        "within_target": shds[chosen] <= best + max(2, 0.1 * best),
    }


def speedup(X):
    """Seconds of the grid search with 1 and 2 loky workers."""
    times = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        GridSearchCV(StableDAGLearner(random_state=0), GRID, cv=3, n_jobs=jobs, refit=False).fit(X)
        times[jobs] = time.perf_counter() - start
    return times


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="Sachs only; speed-up on d=10")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    rows = []
    for name, X, B in datasets(() if args.quick else (0, 1, 2)):
        row = evaluate(name, X, B)
        rows.append(row)
        print(
            f"{name:18s} chosen SHD {row['chosen_shd']:3d}  best {row['best_shd']:3d}  "
            f"grid {row['grid_shds']}  {'ok' if row['within_target'] else 'MISSED'}",
            flush=True,
        )
    d_speed = 10 if args.quick else 20
    X, _, _ = _data.make_dataset("ER", 2, d_speed, 1000, 0)
    times = speedup(X)
    lines = [
        "| dataset | data-only choice (SHD) | best on grid (SHD) | within max(2, 10%) |",
        "|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['chosen_shd']} {r['chosen_params']} | "
            f"{r['best_shd']} | {'yes' if r['within_target'] else 'no'} |"
        )
    text = (
        "\n".join(lines) + f"\n\nGrid search (9 settings x 3 folds, ER2 d={d_speed}): "
        f"{times[1]:.1f} s with n_jobs=1, {times[2]:.1f} s with n_jobs=2, "
        f"speed-up {times[1] / times[2]:.2f}x\n"
    )
    print("\n" + text)
    out = args.out_dir
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tuning.json"), "w") as fh:
        json.dump({"rows": rows, "seconds": times, "grid": GRID}, fh, indent=1)
    with open(os.path.join(out, "tuning.md"), "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
