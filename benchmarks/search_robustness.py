"""Does the default search get stuck? How often the returned graph's criterion is worse than
the true graph's (issue 18).

    python benchmarks/search_robustness.py            # ER d=8 (12 edges), SF d=12, 100 seeds each
    python benchmarks/search_robustness.py --quick    # 20 seeds each

For every dataset (n = 2000, linear Gaussian SEM, standardized) the default
``StableDAGLearner`` is fitted in three variants of its order-search starts (the plug-in
seam: ``model=`` a ``LinearModel`` subclass):

* ``cuts``: the DAGs of the learned weights at the selected threshold and at
  ``REFINE_STARTS`` (the search before issue 18);
* ``cuts+empty``: and the empty graph;
* ``default``: and ``RANDOM_STARTS`` random causal orders (the current default).

A fit counts as *stuck* when the extended BIC of its graph (least-squares refit, the
criterion the search minimises) exceeds that of the true graph by more than 1e-6: the
search, not the criterion, failed. Design seeds 0-99 (ER d = 8, 12 edges: the setting the
random starts were chosen on) and evaluation seeds 100-199 of the same generator, plus a
generator not used for any choice (scale-free d = 12, 2 edges per node) on seeds 0-99.
Prints a table and writes ``benchmarks/results/search_robustness.{json,md}``.
"""

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

from stabledag import StableDAGLearner  # noqa: E402
from stabledag._scores import GaussianBIC  # noqa: E402
from stabledag._statistics import second_moments  # noqa: E402
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter  # noqa: E402
from stabledag.linear import LinearModel  # noqa: E402
from stabledag.metrics import shd  # noqa: E402


class CutsOnly(LinearModel):
    name = "linear-cuts-only"
    empty_start = False
    random_starts = 0


class CutsAndEmpty(LinearModel):
    name = "linear-cuts-and-empty"
    random_starts = 0


VARIANTS = {"cuts": CutsOnly(), "cuts+empty": CutsAndEmpty(), "default": LinearModel()}
SETTINGS = {  # name -> (d, edges, graph type, seeds)
    "ER d=8 (design seeds)": (8, 12, "ER", range(0, 100)),
    "ER d=8 (evaluation seeds)": (8, 12, "ER", range(100, 200)),
    "SF d=12 (not tuned on)": (12, 22, "SF", range(0, 100)),
}


def one(d, edges, kind, seed, n=2000):
    """Stuck flags, SHD and seconds of each variant on one dataset."""
    B = simulate_dag(d, edges, kind, random_state=seed)
    X = simulate_linear_sem(simulate_parameter(B, random_state=seed), n, random_state=seed)
    X = (X - X.mean(0)) / X.std(0)
    score = GaussianBIC(second_moments(X, np.zeros(d)), n)
    truth = score.graph_cost(B)
    out = {}
    for name, plugin in VARIANTS.items():
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            G = StableDAGLearner(model=plugin, random_state=0).fit(X).predict_graph()
        excess = score.graph_cost(G) - truth
        out[name] = {
            "stuck": bool(excess > 1e-6),
            "excess": float(excess),
            "shd": int(shd(B, G)),
            "seconds": time.perf_counter() - t,
        }
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="20 seeds per setting")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    args = ap.parse_args(argv)
    results = {}
    for setting, (d, edges, kind, seeds) in SETTINGS.items():
        seeds = list(seeds)[:20] if args.quick else list(seeds)
        results[setting] = {s: one(d, edges, kind, s) for s in seeds}
    lines = [
        "| setting | seeds | " + " | ".join(f"stuck: {v}" for v in VARIANTS) + " | "
        "median SHD (default) | seconds per fit (cuts / default) |",
        "|---|---|" + "---|" * (len(VARIANTS) + 2),
    ]
    summary = {}
    for setting, runs in results.items():
        row = {v: sum(r[v]["stuck"] for r in runs.values()) for v in VARIANTS}
        med = float(np.median([r["default"]["shd"] for r in runs.values()]))
        secs = [float(np.mean([r[v]["seconds"] for r in runs.values()])) for v in VARIANTS]
        summary[setting] = {"stuck": row, "median_shd_default": med, "seconds": secs}
        lines.append(
            f"| {setting} | {len(runs)} | "
            + " | ".join(f"{row[v]} ({row[v] / len(runs):.0%})" for v in VARIANTS)
            + f" | {med:g} | {secs[0]:.2f} / {secs[-1]:.2f} |"
        )
    table = "\n".join(lines)
    print(table)
    os.makedirs(args.out_dir, exist_ok=True)
    tag = "_quick" if args.quick else ""
    with open(os.path.join(args.out_dir, f"search_robustness{tag}.md"), "w") as handle:
        handle.write(
            "Fits whose extended BIC is worse than the true graph's (the search got stuck), "
            "n = 2000, standardized linear Gaussian SEMs; `python benchmarks/"
            f"search_robustness.py{' --quick' if args.quick else ''}`.\n\n" + table + "\n"
        )
    with open(os.path.join(args.out_dir, f"search_robustness{tag}.json"), "w") as handle:
        json.dump({"summary": summary, "runs": results}, handle, indent=1)


if __name__ == "__main__":
    main()
