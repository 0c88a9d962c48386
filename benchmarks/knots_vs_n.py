"""Spline knots against n: a fixed 5 knots per variable or ``knots_for(n)`` (issue 20).

    python benchmarks/knots_vs_n.py [--ns 3000,10000] [--seeds design,eval]

``stabledag._additive.additive_search`` (private; the unit-free MLP model's graph) alone,
from the empty graph, on the standardized data of each nonlinear generator
(``_nonlinear_data``: reference sigmoid MLP, GP draws, tanh and ReLU MLPs, products of
parents; ER2, d = 10 and 20) with ``n_knots=5`` (the value chosen at n = 1000) and with
the default, :func:`stabledag._nonlinear_scores.knots_for` (6 knots at n = 3,000, 8 at
10,000). At n = 1000 the two are the same search. The rule (the sieve rate n^(1/5) of
cubic splines, kept at 5 up to 1,000 rows) was chosen after looking at the design seeds
100-103 (GP data at d = 20, n = 10,000: SHD 10 with 5 knots, 3 with 8); the evaluation
seeds 200-203 are reported apart. Directed and class SHD, median over seeds, and how many
datasets got better or worse. Writes ``<out-dir>/knots_vs_n.{md,json}``.
"""

import argparse
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
import _report  # noqa: E402

SEED_SETS = {"design": nld.DESIGN_SEEDS, "eval": nld.EVAL_SEEDS}


def _row(B, G, seconds):
    return {
        "shd": int(_metrics.shd(B, G)),
        "shd_cpdag": int(_metrics.class_scores(B, G.astype(int), False)["shd_cpdag"]),
        "cpu_s": round(seconds, 3),
    }


def run(ns, ds, seed_sets, equal_variances=False):
    """One row per dataset: both knot settings' SHDs and CPU seconds."""
    from stabledag._additive import additive_search
    from stabledag._nonlinear_scores import N_KNOTS, knots_for

    rows = []
    for label in seed_sets:
        for n in ns:
            for d in ds:
                for seed in SEED_SETS[label]:
                    for gen in nld.GENERATORS:
                        X, B = nld.simulate(gen, d, seed, n)
                        Z = X if equal_variances else _metrics.standardize(X)
                        row = {"seeds": label, "generator": gen, "d": d, "n": n, "seed": seed}
                        row["knots"] = knots_for(n)
                        for key, k in (("fixed", N_KNOTS), ("default", None)):
                            t = time.process_time()
                            G = additive_search(Z, [], equal_variances=equal_variances, n_knots=k)
                            G = np.asarray(G, dtype=bool)
                            row[key] = _row(B, G, time.process_time() - t)
                        rows.append(row)
                        print(row, flush=True)
    return rows


def table(rows):
    """Markdown: medians per (seed set, n, d, generator) and the per-dataset tally."""
    lines = [
        "| seeds | n | d | generator | knots | directed SHD, 5 knots | directed SHD, default "
        "| class SHD, 5 knots | class SHD, default | better / worse / same |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["seeds"], r["n"], r["d"], r["generator"]) for r in rows})
    for key in keys:
        sel = [r for r in rows if (r["seeds"], r["n"], r["d"], r["generator"]) == key]

        def med(setting, metric, sel=sel):
            return f"{np.median([r[setting][metric] for r in sel]):g}"

        a = [r["default"]["shd"] for r in sel]
        b = [r["fixed"]["shd"] for r in sel]
        tally = f"{sum(x < y for x, y in zip(a, b))} / {sum(x > y for x, y in zip(a, b))} / "
        tally += f"{sum(x == y for x, y in zip(a, b))}"
        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {sel[0]['knots']} | "
            f"{med('fixed', 'shd')} | {med('default', 'shd')} | {med('fixed', 'shd_cpdag')} | "
            f"{med('default', 'shd_cpdag')} | {tally} |"
        )
    lines.append("")
    for label in sorted({r["seeds"] for r in rows}):
        sel = [r for r in rows if r["seeds"] == label]
        lines.append(
            f"- {label} seeds, all datasets: directed SHD summed "
            f"{sum(r['fixed']['shd'] for r in sel)} (5 knots) -> "
            f"{sum(r['default']['shd'] for r in sel)} (default), class SHD "
            f"{sum(r['fixed']['shd_cpdag'] for r in sel)} -> "
            f"{sum(r['default']['shd_cpdag'] for r in sel)}; default better on "
            f"{sum(r['default']['shd'] < r['fixed']['shd'] for r in sel)}, worse on "
            f"{sum(r['default']['shd'] > r['fixed']['shd'] for r in sel)} of {len(sel)}; "
            f"CPU s summed {sum(r['fixed']['cpu_s'] for r in sel):.0f} -> "
            f"{sum(r['default']['cpu_s'] for r in sel):.0f}."
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns", default="3000,10000")
    ap.add_argument("--ds", default="10,20")
    ap.add_argument("--seeds", default="design,eval", help="comma-separated: design,eval")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="")
    ap.add_argument(
        "--equal-variances",
        action="store_true",
        help="the equal-variance search (one shared variance) on the raw data",
    )
    args = ap.parse_args(argv)
    ns = [int(v) for v in args.ns.split(",")]
    ds = [int(v) for v in args.ds.split(",")]
    t0 = time.perf_counter()
    rows = run(ns, ds, args.seeds.split(","), args.equal_variances)
    mode = "--equal-variances " if args.equal_variances else ""
    head = (
        "`additive_search(Z, [], n_knots=k)` alone on nonlinear data (ER2; "
        + ("raw, one shared variance" if args.equal_variances else "standardized")
        + "), "
        "5 knots against the default `knots_for(n)`; design seeds 100-103 (the rule was "
        "chosen after looking at them), evaluation seeds 200-203. Command: `python "
        f"benchmarks/knots_vs_n.py {mode}--ns {args.ns} --ds {args.ds} --seeds {args.seeds}"
        f"{' --tag ' + args.tag if args.tag else ''}` "
        f"({(time.perf_counter() - t0) / 60:.1f} min, one thread).\n\n"
    )
    md = head + table(rows)
    _report.write_outputs(args.out_dir, f"knots_vs_n{args.tag}", md, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
