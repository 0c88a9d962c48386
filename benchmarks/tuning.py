"""Tuning without the true graph: does GridSearchCV's data-only choice beat a random pick?

    python benchmarks/tuning.py            # ER2 d=20 seeds 0-2 (raw, standardized) + Sachs
    python benchmarks/tuning.py --quick    # ER2 d=10 seed 0 standardized + Sachs

The documented tuning knob is ``edge_penalty``, the strength of the selection criterion's
charge per edge (the graph moves monotonically with it: more penalty, fewer edges). For
each dataset a grid over ``edge_penalty`` is searched with ``GridSearchCV`` and the
default score (held-out log-likelihood, 3 folds); every setting is also fitted on all the
data and scored against the true graph. Reported per dataset: the SHD (DAG and class) of
the worst and the best setting on the grid in hindsight, of the data-only choice, and of a
random pick from the grid (its expected value: the mean over the grid), the edge counts
along the grid, and how many distinct graphs ``lambda_sparse`` alone gives over
``LAMBDA_GRID`` (with ``refine=True`` the criterion, not the continuous fit, decides the
graph). Writes ``benchmarks/results/tuning.{json,md}``.

Limits of the score: the held-out likelihood cannot tell Markov-equivalent graphs apart
(only class SHD is comparable across settings) and cross-validation leans towards denser
graphs; stability selection with error control (Shah and Samworth 2013;
``stabledag.EdgeStability``) is the field's answer for choosing sparsity.
"""

import argparse
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
from stabledag.metrics import shd_cpdag  # noqa: E402

GRID = {"edge_penalty": [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]}
LAMBDA_GRID = [0.0, 0.005, 0.02, 0.1, 0.5]


def datasets(seeds, quick=False):
    """(name, X, B_true); quick: seed 0 at d = 10, standardized only."""
    d = 10 if quick else 20
    for seed in seeds:
        X, B, _ = _data.make_dataset("ER", 2, d, 1000, seed)
        if not quick:
            yield f"ER2 d={d} s{seed} raw", X, B
        yield f"ER2 d={d} s{seed} std", _metrics.standardize(X), B
    X, B = _data.load_sachs()
    yield "Sachs raw", X, B


def evaluate(name, X, B, n_jobs=2):
    """Data-only choice against the grid's worst, best and a random pick on one dataset."""
    search = GridSearchCV(
        StableDAGLearner(random_state=0), GRID, cv=3, n_jobs=n_jobs, refit=False
    ).fit(X)
    fits = []
    for params in search.cv_results_["params"]:
        G = StableDAGLearner(random_state=0, **params).fit(X).predict_graph()
        fits.append(
            {
                "edges": int(G.sum()),
                "shd": int(_metrics.count_accuracy(B, G)["shd"]),
                "class_shd": int(shd_cpdag(B, G)),
            }
        )
    chosen = int(np.argmax(search.cv_results_["mean_test_score"]))
    by_lambda = {
        StableDAGLearner(random_state=0, lambda_sparse=lam).fit(X).predict_graph().tobytes()
        for lam in LAMBDA_GRID
    }
    shds = [f["shd"] for f in fits]
    classes = [f["class_shd"] for f in fits]
    return {
        "dataset": name,
        "grid": search.cv_results_["params"],
        "fits": fits,
        "held_out": search.cv_results_["mean_test_score"].tolist(),
        "chosen": search.cv_results_["params"][chosen],
        "chosen_shd": shds[chosen],
        "chosen_class_shd": classes[chosen],
        "best_shd": min(shds),
        "worst_shd": max(shds),
        "random_pick_shd": float(np.mean(shds)),
        "best_class_shd": min(classes),
        "worst_class_shd": max(classes),
        "random_pick_class_shd": float(np.mean(classes)),
        "distinct_graphs_over_lambda_sparse": len(by_lambda),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    seeds = (0,) if args.quick else (0, 1, 2)
    rows = [evaluate(*data) for data in datasets(seeds, args.quick)]
    lines = [
        "| dataset | edges along the grid | SHD worst / best / chosen / random pick | "
        "class SHD worst / best / chosen / random pick | chosen edge_penalty | "
        "graphs over lambda_sparse |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {' '.join(str(f['edges']) for f in r['fits'])} | "
            f"{r['worst_shd']} / {r['best_shd']} / {r['chosen_shd']} / "
            f"{r['random_pick_shd']:.1f} | {r['worst_class_shd']} / {r['best_class_shd']} / "
            f"{r['chosen_class_shd']} / {r['random_pick_class_shd']:.1f} | "
            f"{r['chosen']['edge_penalty']:g} | {r['distinct_graphs_over_lambda_sparse']} of "
            f"{len(LAMBDA_GRID)} |"
        )
    text = (
        f"`python benchmarks/tuning.py{' --quick' if args.quick else ''}`: GridSearchCV over "
        f"edge_penalty {GRID['edge_penalty']} (held-out log-likelihood, 3 folds), default "
        f"mode; {time.perf_counter() - start:.0f} s on a shared 2-core machine.\n\n"
        + "\n".join(lines)
        + "\n"
    )
    print(text)
    os.makedirs(args.out_dir, exist_ok=True)
    tag = "_quick" if args.quick else ""
    with open(os.path.join(args.out_dir, f"tuning{tag}.json"), "w") as fh:
        json.dump({"rows": rows, "grid": GRID, "lambda_grid": LAMBDA_GRID}, fh, indent=1)
    with open(os.path.join(args.out_dir, f"tuning{tag}.md"), "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
