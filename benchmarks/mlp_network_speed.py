"""Time of ``StableDAGLearner(model="mlp")`` (unit-free, default) against n, full vs mini-batch.

Usage::

    python benchmarks/mlp_network_speed.py --ns 1000,10000,30000 --ds 10,20 --modes batch
    python benchmarks/mlp_network_speed.py --ns 1000,10000 --ds 10 --modes full,batch

On the reference sigmoid-MLP data (``_nonlinear_data.simulate("mlp", d, seed, n + 2000)``:
the first ``n`` rows fit, the last 2000 are held out), for each ``(d, n, seed)`` and mode:

* ``full``: the networks on the searched DAG fitted with full-batch steps (the code before
  issue 20's speed work; ``mlp.NETWORK_BATCH_ROWS`` set above n);
* ``batch``: the default (mini-batches of ``mlp.NETWORK_BATCH_ROWS`` rows).

Prints CPU and wall seconds of the whole fit (one thread), epochs, the SHD, whether the graph
equals the additive search's, and the mean held-out ``score`` (log-likelihood per row).
Timings on a shared machine are indicative only. No peers: this measures the library against
its own earlier code path. Writes ``benchmarks/results/mlp_network_speed<tag>.json`` / ``.md``.
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
import _metrics  # noqa: E402
import _nonlinear_data as nld  # noqa: E402

N_TEST = 2000


def run(ns, ds, seeds, modes):
    """One fit per (d, n, seed, mode); the rows of results."""
    import torch

    from stabledag import StableDAGLearner, mlp
    from stabledag._additive import additive_search

    torch.set_num_threads(1)
    default_rows = mlp.NETWORK_BATCH_ROWS
    rows = []
    for d in ds:
        for n in ns:
            for seed in seeds:
                X_all, B = nld.simulate("mlp", d, seed, n + N_TEST)
                X, X_test = X_all[:n], X_all[n:]
                Z = (X - X.mean(axis=0)) / X.std(axis=0)
                G = additive_search(Z, [])
                for mode in modes:
                    mlp.NETWORK_BATCH_ROWS = default_rows if mode == "batch" else 10**12
                    try:
                        wall, cpu = time.perf_counter(), time.process_time()
                        est = StableDAGLearner(model="mlp", random_state=0).fit(X)
                        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    finally:
                        mlp.NETWORK_BATCH_ROWS = default_rows
                    graph = est.predict_graph() != 0
                    row = {
                        "d": d,
                        "n": n,
                        "seed": seed,
                        "mode": mode,
                        "fit_cpu": cpu,
                        "fit_wall": wall,
                        "epochs": int(est.n_iter_),
                        "shd": int(_metrics.shd(B, graph)),
                        "same_as_search": bool(np.array_equal(G, graph)),
                        "test_score": float(est.score(X_test)),
                        "graph": graph.astype(int).tolist(),
                    }
                    rows.append(row)
                    print({k: v for k, v in row.items() if k != "graph"}, flush=True)
    return rows


def table(rows):
    lines = [
        "| d | n | seed | mode | fit s (CPU) | wall s | epochs | SHD | graph = search | "
        "held-out score |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['d']} | {r['n']} | {r['seed']} | {r['mode']} | {r['fit_cpu']:.1f} | "
            f"{r['fit_wall']:.1f} | {r['epochs']} | {r['shd']} | {r['same_as_search']} | "
            f"{r['test_score']:.4f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns", default="1000,10000")
    ap.add_argument("--ds", default="10,20")
    ap.add_argument("--seeds", default=str(nld.DESIGN_SEEDS[0]))
    ap.add_argument("--modes", default="full,batch")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)
    ns = [int(float(v)) for v in args.ns.split(",")]
    ds = [int(v) for v in args.ds.split(",")]
    seeds = [int(v) for v in args.seeds.split(",")]
    rows = run(ns, ds, seeds, args.modes.split(","))
    md = table(rows)
    print(md)
    os.makedirs(args.out_dir, exist_ok=True)
    base = os.path.join(args.out_dir, f"mlp_network_speed{args.tag}")
    with open(base + ".md", "w") as f:
        f.write(f"`python benchmarks/mlp_network_speed.py {' '.join(sys.argv[1:])}`\n\n")
        f.write("CPU seconds on a shared 2-core machine: indicative only.\n\n" + md + "\n")
    with open(base + ".json", "w") as f:
        json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
