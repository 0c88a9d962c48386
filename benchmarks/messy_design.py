"""Design experiment (issue 17): which effective sample size for latent (binary / ordinal) data.

Runs ``benchmarks/messy.py``'s binary and ordinal scenarios (ER2, d = 20, n = 2000) on DESIGN
seeds only (default 0-9) with candidate rules for the criterion's sample size, each swapped in
for ``stabledag._correlation._sample_sizes`` (the rule the library uses is chosen
here, then frozen before any held-out seed is looked at):

* ``global_min``: one n_eff = min(pooled ESS, n x smallest node information) (the old rule);
* ``global_median``: one n_eff = min(pooled ESS, n x median node information);
* ``edge``: n for the fit, each edge charged for its own pair's noise
  (``_correlation.edge_inflation``, ``GaussianBIC(edge_inflation=...)``).

Usage::

    python benchmarks/messy_design.py --seeds 0-9 --rules global_min,node_info
"""

import argparse
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import messy  # noqa: E402
from _metrics import shd  # noqa: E402

from stabledag import _correlation  # noqa: E402

FROZEN = _correlation._sample_sizes


def rule(name):
    """A candidate for ``_correlation._sample_sizes``: ``(edge_inflation or None, n_eff)``."""

    def sizes(R, V, values, columns, counts, information):
        n = values.shape[0]
        ess = _correlation.effective_sample_size(R, V)
        if name == "global_min":
            return None, min(ess, n * float(information.min()))
        if name == "global_median":
            return None, min(ess, n * float(np.median(information)))
        if name == "edge":
            return _correlation.edge_inflation(R, values, columns, counts), float(n)
        if name == "frozen":
            return FROZEN(R, V, values, columns, counts, information)
        raise ValueError(name)

    return sizes


def seeds_of(text):
    out = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0-9")
    ap.add_argument("--scenarios", default="binary,ordinal")
    ap.add_argument("--rules", default="global_min,global_median,edge")
    ap.add_argument("--graph", default="ER")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "messy_design.json"))
    args = ap.parse_args()
    results = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            results = json.load(f)
    for scenario in args.scenarios.split(","):
        for seed in seeds_of(args.seeds):
            Z, B = messy.latent(args.graph, 20, messy.SIZES[scenario], seed)
            X = messy.distort(scenario, Z, seed)
            frame = messy.frame_of(scenario, X, Z)
            for name in args.rules.split(","):
                key = f"{scenario}|{args.graph}|{seed}|{name}"
                if key in results:
                    continue
                _correlation._sample_sizes = rule(name)
                t = time.process_time()
                B_est, cpdag, stats, _ = messy.fit_api(frame)
                results[key] = {
                    "shd": shd(B, B_est),
                    "shd_cpdag": messy.class_shd(B, cpdag, True),
                    "n_eff": stats["n_eff"],
                    "seconds": time.process_time() - t,
                }
                print(key, results[key], flush=True)
                with open(args.out, "w") as f:
                    json.dump(results, f, indent=0)
    rules = args.rules.split(",")
    for scenario in args.scenarios.split(","):
        print(f"\n{scenario} ({args.graph}, seeds {args.seeds}): median SHD / class SHD")
        for name in rules:
            rs = [
                results[f"{scenario}|{args.graph}|{s}|{name}"]
                for s in seeds_of(args.seeds)
                if f"{scenario}|{args.graph}|{s}|{name}" in results
            ]
            print(
                f"  {name:15s} {np.median([r['shd'] for r in rs]):5.1f} / "
                f"{np.median([r['shd_cpdag'] for r in rs]):5.1f}  ({len(rs)} seeds) "
                f"SHDs {[r['shd'] for r in rs]}"
            )


if __name__ == "__main__":
    main()
