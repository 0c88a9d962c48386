"""CPU time of the additive search and of the whole ``model="mlp"`` fit against n (issue 20).

Usage::

    python benchmarks/nonlinear_speed.py --ns 1e3,3e3,1e4,3e4,1e5 --ds 10,20 --seeds 100
    python benchmarks/nonlinear_speed.py --ns 1e3,1e4 --ds 10 --rows-max-n 1e4 --no-fit

On the reference sigmoid-MLP data (``_nonlinear_data.simulate("mlp", d, seed, n)``, design
seeds only), for each ``(d, n, seed)``:

* ``search``: ``_additive.additive_search(Z, [])`` on the standardized data (the graph of the
  unit-free ``model="mlp"``), with the spline regressions solved from moment tables;
* ``search (rows)``: the same search with the product columns formed from the rows on every
  regression (``_nonlinear_scores.MOMENT_ENTRIES = 0``: the code before this change), only
  for ``n <= --rows-max-n``; its graph must be the same;
* ``fit``: ``StableDAGLearner(model="mlp", random_state=0).fit(X)`` (search, then the
  networks on its graph), unless ``--no-fit``.

Times are CPU seconds of this process (one BLAS and one torch thread), on a shared machine:
indicative only. Below the table, the log-log slope of the median time against n per d (over
every n, and over n >= 1e4, where fixed costs weigh less): 1 means linear in n. No peers: this
measures the library against its own earlier code path. Writes
``benchmarks/results/nonlinear_speed<tag>.json`` / ``.md``.
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


def _cpu(function):
    """``(result, CPU seconds)`` of ``function()``."""
    start = time.process_time()
    result = function()
    return result, time.process_time() - start


def run(ns, ds, seeds, rows_max_n, fit, kind="mlp"):
    """One search (and fit) per (d, n, seed); the rows of results."""
    from stabledag import StableDAGLearner, _nonlinear_scores
    from stabledag._additive import additive_search

    if fit:
        import torch

        torch.set_num_threads(1)
    rows = []
    for d in ds:
        for n in ns:
            for seed in seeds:
                X, B = nld.simulate(kind, d, seed, n)
                Z = (X - X.mean(axis=0)) / X.std(axis=0)
                G, search_cpu = _cpu(lambda Z=Z: additive_search(Z, []))
                row = {
                    "kind": kind,
                    "d": d,
                    "n": n,
                    "seed": seed,
                    "search_cpu": search_cpu,
                    "edges": int(G.sum()),
                    "shd": int(_metrics.shd(B, G)),
                    "rows_cpu": None,
                    "rows_same_graph": None,
                    "fit_cpu": None,
                    "fit_same_graph": None,
                    "epochs": None,
                }
                if n <= rows_max_n:
                    entries = _nonlinear_scores.MOMENT_ENTRIES
                    _nonlinear_scores.MOMENT_ENTRIES = 0
                    try:
                        G_rows, row["rows_cpu"] = _cpu(lambda Z=Z: additive_search(Z, []))
                    finally:
                        _nonlinear_scores.MOMENT_ENTRIES = entries
                    row["rows_same_graph"] = bool(np.array_equal(G, G_rows))
                if fit:
                    est, row["fit_cpu"] = _cpu(
                        lambda X=X: StableDAGLearner(model="mlp", random_state=0).fit(X)
                    )
                    row["fit_same_graph"] = bool(np.array_equal(est.predict_graph() != 0, G))
                    row["epochs"] = int(est.n_iter_)
                rows.append(row)
                print(row, flush=True)
    return rows


def slope(points):
    """Least-squares slope of log(time) against log(n); None with fewer than two n."""
    points = [(n, t) for n, t in points if t is not None and t > 0]
    if len({n for n, _ in points}) < 2:
        return None
    x, y = np.log([n for n, _ in points]), np.log([t for _, t in points])
    return float(np.polyfit(x, y, 1)[0])


def exponents(rows):
    """``{d: {key: {"all": slope, "n>=1e4": slope}}}`` of the median times over seeds."""
    out = {}
    for d in sorted({r["d"] for r in rows}):
        out[d] = {}
        for key in ("search_cpu", "rows_cpu", "fit_cpu"):
            medians = []
            for n in sorted({r["n"] for r in rows if r["d"] == d}):
                values = [r[key] for r in rows if r["d"] == d and r["n"] == n]
                if all(v is not None for v in values):
                    medians.append((n, float(np.median(values))))
            out[d][key] = {
                "all": slope(medians),
                "n>=1e4": slope([(n, t) for n, t in medians if n >= 10_000]),
            }
    return out


def _f(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return f"{value:.{digits}f}"


def table(rows, slopes):
    lines = [
        "| d | n | seed | search s (CPU) | search (rows) s | same graph | edges | SHD | "
        "whole fit s (CPU) | fit graph = search | epochs |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['d']} | {r['n']} | {r['seed']} | {_f(r['search_cpu'], 2)} | "
            f"{_f(r['rows_cpu'], 2)} | {_f(r['rows_same_graph'])} | {r['edges']} | {r['shd']} | "
            f"{_f(r['fit_cpu'])} | {_f(r['fit_same_graph'])} | {r.get('epochs') or '-'} |"
        )
    lines += [
        "",
        "Log-log slope of the median CPU time against n (1 = linear):",
        "",
        "| d | search (all n) | search (n >= 1e4) | rows search (all n) | "
        "whole fit (all n) | whole fit (n >= 1e4) |",
        "|---|---|---|---|---|---|",
    ]
    for d, s in slopes.items():
        lines.append(
            f"| {d} | {_f(s['search_cpu']['all'], 2)} | {_f(s['search_cpu']['n>=1e4'], 2)} | "
            f"{_f(s['rows_cpu']['all'], 2)} | {_f(s['fit_cpu']['all'], 2)} | "
            f"{_f(s['fit_cpu']['n>=1e4'], 2)} |"
        )
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns", default="1e3,3e3,1e4,3e4,1e5")
    ap.add_argument("--ds", default="10,20")
    ap.add_argument("--seeds", default=str(nld.DESIGN_SEEDS[0]))
    ap.add_argument("--kind", default="mlp", choices=nld.GENERATORS)
    ap.add_argument(
        "--rows-max-n", default="1e4", help="also time the rows code path up to this n (0: never)"
    )
    ap.add_argument("--no-fit", action="store_true", help="time the search only")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)
    ns = [int(float(v)) for v in args.ns.split(",")]
    ds = [int(v) for v in args.ds.split(",")]
    seeds = [int(v) for v in args.seeds.split(",")]
    rows = run(ns, ds, seeds, int(float(args.rows_max_n)), not args.no_fit, args.kind)
    slopes = exponents(rows)
    md = table(rows, slopes)
    print(md)
    os.makedirs(args.out_dir, exist_ok=True)
    base = os.path.join(args.out_dir, f"nonlinear_speed{args.tag}")
    with open(base + ".md", "w") as f:
        f.write(f"`python benchmarks/nonlinear_speed.py {' '.join(sys.argv[1:])}`\n\n")
        f.write("CPU seconds on a shared 2-core machine: indicative only.\n\n" + md + "\n")
    with open(base + ".json", "w") as f:
        json.dump({"rows": rows, "slopes": slopes}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
