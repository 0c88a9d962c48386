"""MLP model: time against n, and the spread of the Sachs graph over ``random_state`` (issue 20).

    python benchmarks/nonlinear_extra.py --speed --ns 1000,10000,100000 --ds 10,20
    python benchmarks/nonlinear_extra.py --sachs --random-states 0-9

``--speed``: ``StableDAGLearner(model="mlp", random_state=0)`` (unit-free, default budget) on
the reference sigmoid-MLP data (``_nonlinear_data.simulate("mlp", d, 100, n)``, a design
seed), in this process with one thread; prints wall-clock and CPU seconds of the whole fit
and of the graph search alone (``_additive.additive_search``), and the SHD.

``--sachs``: the same estimator (and ``standardize=False, equal_variances=True``) on the
853-sample Sachs data for each ``random_state``: SHD, F1 and the number of distinct graphs.

Writes ``benchmarks/results/nonlinear_extra_<what>.json`` and ``.md`` (also printed).
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
import _data  # noqa: E402
import _metrics  # noqa: E402
import _nonlinear_data as nld  # noqa: E402


def _timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def speed(ns, ds, search_only=False):
    """One fit per (n, d); rows of results (``search_only``: the graph search alone)."""
    import torch

    from stabledag import StableDAGLearner
    from stabledag._additive import additive_search

    torch.set_num_threads(1)
    rows = []
    for d in ds:
        for n in ns:
            X, B = nld.simulate("mlp", d, nld.DESIGN_SEEDS[0], n)
            Z = (X - X.mean(axis=0)) / X.std(axis=0)
            G, s_wall, s_cpu = _timed(additive_search, Z, [])
            if search_only:
                row = {"n": n, "d": d, "search_wall": s_wall, "search_cpu": s_cpu}
                row.update(fit_wall=np.nan, fit_cpu=np.nan, epochs=0, shd=_metrics.shd(B, G))
                rows.append(row)
                print(row, flush=True)
                continue
            est, wall, cpu = _timed(StableDAGLearner(model="mlp", random_state=0).fit, X)
            row = {
                "n": n,
                "d": d,
                "search_wall": s_wall,
                "search_cpu": s_cpu,
                "fit_wall": wall,
                "fit_cpu": cpu,
                "epochs": est.n_iter_,
                "shd": _metrics.shd(B, est.predict_graph()),
                "same_graph": bool(np.array_equal(G, est.predict_graph() != 0)),
            }
            rows.append(row)
            print(row, flush=True)
    lines = [
        "| d | n | search s (CPU) | whole fit s (CPU) | wall s | epochs | SHD |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['d']} | {r['n']} | {r['search_cpu']:.1f} | {r['fit_cpu']:.1f} | "
            f"{r['fit_wall']:.1f} | {r['epochs']} | {r['shd']} |"
        )
    return rows, "\n".join(lines)


MODES = {"unit-free": {}, "EV raw": {"standardize": False, "equal_variances": True}}


def sachs(random_states, modes):
    """The MLP model on Sachs for each random_state and mode."""
    from stabledag import StableDAGLearner

    X, B = _data.load_sachs()
    rows = []
    for label in modes:
        kw = MODES[label]
        for rs in random_states:
            est, wall, cpu = _timed(StableDAGLearner(model="mlp", random_state=rs, **kw).fit, X)
            acc = _metrics.count_accuracy(B, est.predict_graph())
            row = {
                "mode": label,
                "random_state": rs,
                "shd": acc["shd"],
                "f1": acc["f1"],
                "cpu": cpu,
                "edges": np.argwhere(est.predict_graph()).tolist(),
            }
            rows.append(row)
            print({k: v for k, v in row.items() if k != "edges"}, flush=True)
    lines = ["| mode | random_state | SHD | F1 | CPU s |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['random_state']} | {r['shd']} | {r['f1']:.2f} | {r['cpu']:.1f} |"
        )
    for label in modes:
        graphs = {json.dumps(r["edges"]) for r in rows if r["mode"] == label}
        lines.append(f"\n{label}: {len(graphs)} distinct graph(s) over {len(random_states)} seeds")
    return rows, "\n".join(lines)


def main(argv=None):
    """Run what is asked, print and write the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--ns", default="1000,10000")
    ap.add_argument("--search-only", action="store_true", help="--speed: time the search alone")
    ap.add_argument("--ds", default="10,20")
    ap.add_argument("--sachs", action="store_true")
    ap.add_argument("--random-states", default="0-9")
    ap.add_argument("--modes", default="unit-free", help="comma-separated: unit-free,EV raw")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    jobs = []
    if args.speed:
        ns = [int(float(v)) for v in args.ns.split(",")]
        ds = [int(v) for v in args.ds.split(",")]
        jobs.append(("speed", lambda: speed(ns, ds, args.search_only)))
    if args.sachs:
        lo, _, hi = args.random_states.partition("-")
        states = list(range(int(lo), int(hi or lo) + 1))
        jobs.append(("sachs", lambda: sachs(states, args.modes.split(","))))
    for what, run in jobs:
        rows, md = run()
        print(md)
        base = os.path.join(args.out_dir, f"nonlinear_extra_{what}{args.tag}")
        with open(base + ".md", "w") as f:
            f.write(f"`python benchmarks/nonlinear_extra.py {' '.join(sys.argv[1:])}`\n\n{md}\n")
        with open(base + ".json", "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
