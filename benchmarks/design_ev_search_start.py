"""Design seeds only: where the equal-variance MLP's additive search starts, and who judges.

    python benchmarks/design_ev_search_start.py [--seeds 100,101,102,103] [--d 10]

``StableDAGLearner(model="mlp", standardize=False, equal_variances=True, random_state=0)``
on the raw data of the five nonlinear generators (``_nonlinear_data``, ER2, n = 1000,
design seeds 100-103). Inside each fit (a hook on the private ``MLPModel.select_graph``)
the continuous fit's thresholded DAG ``B`` (threshold by the random-feature BIC) is
taken, and these graphs are scored against the truth:

* ``previous``: the search from the empty graph, then the random-feature BIC chose
  between its DAG and ``B`` (the rule before this change);
* ``continuous``: ``B`` alone; ``search``: the search from the empty graph alone;
* ``search from B``: ``additive_search(Z, [B], equal_variances=True)``, the search from
  ``B`` and from the empty graph, the lower equal-variance spline BIC winning (the rule
  now);
* ``RF judge of 3``: the random-feature BIC choosing among ``B``, ``search`` and
  ``search from B``;
* ``spline threshold``: as ``search from B`` with ``B``'s threshold also chosen by the
  equal-variance spline BIC.

``fit`` is the estimator's own graph (with this code: ``search from B``). Directed SHD;
writes ``<out-dir>/design_ev_search_start<tag>.{md,json}``. The rule was chosen on the
design seeds; ``--seeds 200,201,202,203 --tag _eval`` is the held-out check (the
``previous`` column is the old rule on the same continuous fits).
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

COLUMNS = (
    "fit",
    "previous",
    "continuous",
    "search",
    "search from B",
    "RF judge of 3",
    "spline threshold",
)


def _hooked_select(captured):
    """A ``select_graph`` that records the candidate graphs, then runs the real one."""
    import stabledag.mlp as mlp
    from stabledag._additive import additive_search
    from stabledag._nonlinear_scores import RandomFeatureBIC, SplineBIC
    from stabledag._selection import thresholded_dag

    original = mlp.MLPModel.select_graph

    def select(self, weights, module, stats, config, ctx, *, refine):
        Z, required, allowed = stats.Z, ctx.required, ctx.allowed
        rf, spline = RandomFeatureBIC(Z), SplineBIC(Z, equal_variances=True)

        def search(starts):
            return additive_search(
                Z, starts, allowed=allowed, required=required, equal_variances=True
            )

        def pick(judge, graphs):
            return graphs[int(np.argmin([judge.graph_cost(G) for G in graphs]))]

        _, B = thresholded_dag(weights, "auto", rf, required)
        _, B_spline = thresholded_dag(weights, "auto", spline, required)
        empty, from_B = search([]), search([B])
        captured.update(
            {
                "previous": pick(rf, [B, empty]),
                "continuous": B,
                "search": empty,
                "search from B": from_B,
                "RF judge of 3": pick(rf, [B, empty, from_B]),
                "spline threshold": search([B_spline]),
            }
        )
        return original(self, weights, module, stats, config, ctx, refine=refine)

    mlp.MLPModel.select_graph = select


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default=",".join(map(str, nld.DESIGN_SEEDS)))
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="", help="suffix of the output files (e.g. _eval)")
    args = ap.parse_args(argv)
    import torch

    from stabledag import StableDAGLearner

    torch.set_num_threads(1)
    captured = {}
    _hooked_select(captured)
    seeds = [int(s) for s in args.seeds.split(",")]
    rows, t0 = [], time.perf_counter()
    for seed in seeds:
        for gen in nld.GENERATORS:
            X, B = nld.simulate(gen, args.d, seed)
            captured.clear()
            cpu = time.process_time()
            est = StableDAGLearner(
                model="mlp", standardize=False, equal_variances=True, random_state=0
            ).fit(X)
            row = {"generator": gen, "seed": seed, "d": args.d}
            row["cpu_s"] = round(time.process_time() - cpu, 1)
            graphs = {"fit": est.predict_graph() != 0, **captured}
            for name in COLUMNS:
                row[name] = int(_metrics.shd(B, np.asarray(graphs[name], dtype=int)))
            rows.append(row)
            print(row, flush=True)
    tag = f" --tag {args.tag}" if args.tag else ""
    lines = [
        "Directed SHD of each candidate graph of the equal-variance MLP (raw data, n = 1000, "
        f"d = {args.d}, seeds {args.seeds}). Command: `python "
        f"benchmarks/design_ev_search_start.py --seeds {args.seeds} --d {args.d}{tag}` "
        f"({(time.perf_counter() - t0) / 60:.1f} min, one thread).",
        "",
        "| generator | seed | " + " | ".join(COLUMNS) + " |",
        "|---|---|" + "---|" * len(COLUMNS),
    ]
    for r in rows:
        cells = " | ".join(str(r[c]) for c in COLUMNS)
        lines.append(f"| {r['generator']} | {r['seed']} | {cells} |")
    sums = " | ".join(str(sum(r[c] for r in rows)) for c in COLUMNS)
    lines.append(f"| all | sum | {sums} |")
    md = "\n".join(lines) + "\n"
    _report.write_outputs(args.out_dir, f"design_ev_search_start{args.tag}", md, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
