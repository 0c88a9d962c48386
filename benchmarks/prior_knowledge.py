"""How much prior knowledge (tiers from part of the true causal order) lowers SHD.

    python benchmarks/prior_knowledge.py            # ER2 d=20 seeds 0-2 (standardized) + Sachs

For each dataset, stabledag (default mode) is fitted without prior knowledge and with
tiers cut from a topological order of the true graph:

- ``halves``: first half of the order is tier 0, second half tier 1 (every node placed);
- ``thirds``: three tiers (every node placed);
- ``partial``: first third tier 0, last third tier 1, middle third in no tier.

Tiers only forbid edges from a later tier to an earlier one, so they never contradict
the truth. Writes ``benchmarks/results/prior_knowledge.json`` and ``.md``.
"""

import json
import os
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _data  # noqa: E402
import _metrics  # noqa: E402
from stabledag import StableDAGLearner  # noqa: E402

SETTINGS = ("none", "partial", "halves", "thirds")


def tiers_from_order(order, setting):
    """Tiers (lists of node indices) cut from a causal order."""
    d = len(order)
    if setting == "none":
        return None
    if setting == "halves":
        return [order[: d // 2], order[d // 2 :]]
    if setting == "thirds":
        return [order[: d // 3], order[d // 3 : 2 * d // 3], order[2 * d // 3 :]]
    return [order[: d // 3], order[2 * d // 3 :]]  # partial


def datasets():
    """(name, standardized X, B_true)."""
    for seed in (0, 1, 2):
        X, B, _ = _data.make_dataset("ER", 2, 20, 1000, seed)
        yield f"ER2 d=20 s{seed}", _metrics.standardize(X), B
    X, B = _data.load_sachs()
    yield "Sachs", _metrics.standardize(X), B


def run():
    rows = []
    for name, X, B in datasets():
        order = [int(k) for k in _data.topological_order(B)]
        for setting in SETTINGS:
            tiers = tiers_from_order(order, setting)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = StableDAGLearner(tiers=tiers, random_state=0).fit(X)
            acc = _metrics.count_accuracy(B, est.predict_graph())
            rows.append(
                {
                    "dataset": name,
                    "tiers": setting,
                    "shd": acc["shd"],
                    "f1": acc["f1"],
                    "seconds": time.perf_counter() - start,
                }
            )
            print(f"{name:14s} {setting:8s} SHD {acc['shd']:3d}  F1 {acc['f1']:.2f}", flush=True)
    return rows


def markdown(rows):
    lines = [
        "| dataset (standardized) | " + " | ".join(SETTINGS) + " |",
        "|---|" + "---|" * len(SETTINGS),
    ]
    for name in dict.fromkeys(r["dataset"] for r in rows):
        cells = {r["tiers"]: r for r in rows if r["dataset"] == name}
        lines.append(
            f"| {name} | "
            + " | ".join(f"{cells[s]['shd']} (F1 {cells[s]['f1']:.2f})" for s in SETTINGS)
            + " |"
        )
    return "\n".join(lines)


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    args = ap.parse_args(argv)
    rows = run()
    out = args.out_dir
    os.makedirs(out, exist_ok=True)
    table = markdown(rows)
    print("\nSHD (F1), stabledag default mode, tiers cut from the true order\n\n" + table)
    with open(os.path.join(out, "prior_knowledge.json"), "w") as fh:
        json.dump(rows, fh, indent=1)
    with open(os.path.join(out, "prior_knowledge.md"), "w") as fh:
        fh.write(
            "SHD (F1), stabledag default mode, tiers cut from the true order\n\n" + table + "\n"
        )


if __name__ == "__main__":
    main()
