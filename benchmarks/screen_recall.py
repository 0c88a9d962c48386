"""Recall of the candidate-parent screen: how many true edges it drops, against d.

    python benchmarks/screen_recall.py                      # d = 100 ... 2000, n = 2000
    python benchmarks/screen_recall.py --ds 100,300 --n 1000 --tag _n1000

The screen (``stabledag._screen.screen_pairs``, what ``StableDAGLearner(screen=...)``
uses) runs on the second moments of the centred data (the default mode standardizes,
the screen is unit-free, so raw and standardized data give the same mask). Data: linear
Gaussian SEMs from ``benchmarks/_data.py`` on ER2, SF2 and ER4 graphs; seeds 0 and 1 and
held-out seeds 100 and 101. For each dropped true edge ``i -> j`` the table also counts
how many matter to the score: their gain ``n/2 log(s2(pa_j - i) / s2(pa_j))`` given the
other true parents exceeds the extended-BIC penalty of one edge (such an edge is one the
search would keep if it could see it). The screen CPU seconds of the run stored with this
round (results/screen_recall.md) were measured with the BLAS threads free on a machine
loaded with five other jobs: read them as indicative only (the d = 2000 ER2 screen alone took
about 20 CPU s on a quieter machine). Writes ``benchmarks/results/screen_recall<tag>.{json,md}``.
"""

import argparse
import json
import math
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # the CPU column is one thread's (it was not before)
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _data  # noqa: E402

GRAPHS = (("ER", 2), ("SF", 2), ("ER", 4))


def dropped_edges(d, n, graph, k, seed):
    from stabledag._scores import EBIC_GAMMA
    from stabledag._screen import screen_pairs

    X, B, _ = _data.make_dataset(graph, k, d, n, seed)
    X = X - X.mean(axis=0)
    S = X.T @ X / n
    t0 = time.process_time()
    keep = screen_pairs(S, n)
    cpu = time.process_time() - t0
    true = B != 0
    penalty = 0.5 * math.log(n) + EBIC_GAMMA * math.log(d)
    matter = 0
    for i, j in np.argwhere(true & ~keep):
        parents = np.flatnonzero(true[:, j])
        rest = parents[parents != i]
        gain = 0.5 * n * math.log(_residual(S, j, rest) / _residual(S, j, parents))
        matter += gain > penalty
    per_node = keep.sum(axis=0)
    return {
        "graph": f"{graph}{k}",
        "d": d,
        "n": n,
        "seed": seed,
        "true_edges": int(true.sum()),
        "dropped": int((true & ~keep).sum()),
        "dropped_that_matter": int(matter),
        "kept_per_node_mean": float(per_node.mean()),
        "kept_per_node_max": int(per_node.max()),
        "kept_share": float(keep.sum() / (d * (d - 1))),
        "partial_correlations_used": bool(n - d - 1 >= 30),
        "cpu_seconds": cpu,
    }


def _residual(S, j, parents):
    if len(parents) == 0:
        return S[j, j]
    beta = np.linalg.solve(S[np.ix_(parents, parents)], S[parents, j])
    return S[j, j] - S[parents, j] @ beta


def markdown(records, command):
    lines = [
        "# Candidate-parent screen: true edges dropped",
        "",
        f"`{command}`; per graph and d, summed over the seeds (design 0, 1; held-out 100, "
        "101). *matter*: dropped edges whose gain given the other true parents exceeds one "
        "edge's extended-BIC penalty. *pc*: partial correlations given all others used "
        "(n - d - 1 >= 30); without them forward selection alone decides.",
        "",
        "| graph | d | n | pc | true edges | dropped (design) | dropped (held-out) "
        "| matter | kept per node (mean / max) | screen CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["graph"], r["d"], r["n"]) for r in records}, key=lambda k: (k[0], k[1]))
    for graph, d, n in keys:
        rows = [r for r in records if (r["graph"], r["d"], r["n"]) == (graph, d, n)]
        design = [r for r in rows if r["seed"] < 100]
        held = [r for r in rows if r["seed"] >= 100]
        lines.append(
            f"| {graph} | {d} | {n} | {'yes' if rows[0]['partial_correlations_used'] else 'no'} "
            f"| {sum(r['true_edges'] for r in rows)} | {sum(r['dropped'] for r in design)} "
            f"| {sum(r['dropped'] for r in held)} | {sum(r['dropped_that_matter'] for r in rows)} "
            f"| {np.mean([r['kept_per_node_mean'] for r in rows]):.1f} / "
            f"{max(r['kept_per_node_max'] for r in rows)} "
            f"| {np.mean([r['cpu_seconds'] for r in rows]):.1f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ds", default="100,300,1000,2000")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seeds", default="0,1,100,101")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)
    command = "python benchmarks/screen_recall.py " + " ".join(argv or sys.argv[1:])
    records = []
    for graph, k in GRAPHS:
        for d in (int(x) for x in args.ds.split(",")):
            for seed in (int(x) for x in args.seeds.split(",")):
                rec = dropped_edges(d, args.n, graph, k, seed)
                records.append(rec)
                print(json.dumps(rec), flush=True)
    md = markdown(records, command.strip())
    print(md)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, f"screen_recall{args.tag}")
    with open(stem + ".md", "w") as f:
        f.write(md + "\n")
    with open(stem + ".json", "w") as f:
        json.dump({"command": command.strip(), "records": records}, f, indent=1)


if __name__ == "__main__":
    main()
