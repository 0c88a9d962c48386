"""Where a default fit spends its time and memory, stage by stage (issue 21's profile).

    python benchmarks/profile_fit.py --d 300 --n 1000 --mode default
    python benchmarks/profile_fit.py --d 300 --n 1000 --mode ev --max-epochs 40

Runs the stages of ``StableDAGLearner.fit`` one by one on ER2 data (``benchmarks/_data.py``,
seed 0), exactly as ``stabledag._fitting.fit_model`` and ``LinearModel.select_graph`` chain
them, and times each: data statistics (second moments), training (epochs, seconds per
epoch), the threshold choice, the multi-start order search and the least-squares refit. The
peak resident memory of each stage is the kernel's high-water mark (``VmHWM``), reset before
the stage through ``/proc/self/clear_refs`` (Linux). ``--max-epochs`` caps training (the
time per epoch is then the figure to read; ``--skip-search`` leaves the order search out,
for that figure at large ``d``). ``mode``: ``default`` (unit-free, standardized inside) or
``ev`` (``standardize=False, equal_variances=True`` on the raw data). Times are CPU seconds
of the process (one thread); the training stage includes the candidate-parent screen (from
``d = 200``), and the order search has the fit's starts and screen.

Prints one Markdown row and appends the record to ``--out`` (JSON lines) when given.
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


def _hwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


class Stages:
    """Times and peak memory of named stages."""

    def __init__(self):
        self.records = {}

    def run(self, name, func, *args, **kwargs):
        _reset_hwm()
        t0, c0 = time.perf_counter(), time.process_time()
        out = func(*args, **kwargs)
        self.records[name] = {
            "seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - c0,
            "peak_mb": _hwm_mb(),
        }
        return out


def profile(d, n, mode, seed=0, max_epochs=None, graph="ER", k=2, save=None, skip_search=False):
    import warnings

    from stabledag import StableDAGLearner
    from stabledag._fitting import fit_model  # noqa: F401  (the chain reproduced below)
    from stabledag._scores import GaussianBIC, ols_weights
    from stabledag._search import multi_start_order_search
    from stabledag._selection import thresholded_dag
    from stabledag._statistics import prepare_statistics
    from stabledag._training import TrainingConfig
    from stabledag._validation import local_random_state
    from stabledag.graph import threshold_to_dag
    from stabledag.linear import (  # noqa: F401  (private: the fit's own chain, reproduced)
        RANDOM_STARTS_NODES,
        REFINE_STARTS,
        _random_order_starts,
        screen_active,
    )
    from stabledag.models import FitContext, get_model

    warnings.filterwarnings("ignore")
    X, B_true, _ = _data.make_dataset(graph, k, d, n, seed)
    kwargs = {"random_state": 0}
    if mode == "ev":
        kwargs.update(standardize=False, equal_variances=True)
    if max_epochs:
        kwargs["max_epochs"] = max_epochs
    est = StableDAGLearner(**kwargs)
    params = est.get_params()
    stages = Stages()
    base_mb = _hwm_mb()
    rng = local_random_state(0)

    def statistics():
        stats = prepare_statistics(
            X, standardize=est.standardize, validation_fraction=est.validation_fraction, rng=rng
        )
        stats.train, stats.val, stats.full  # noqa: B018  (computed here, not in training)
        return stats

    stats = stages.run("statistics", statistics)
    allowed = ~np.eye(d, dtype=bool)
    required = np.zeros((d, d), dtype=bool)
    plugin = get_model("linear")
    config = TrainingConfig.from_params(params)
    ctx = FitContext(params, allowed, required, "cpu", int(rng.randint(0, 2**31 - 1)), None)
    training, module = stages.run("training", plugin.train, stats, config, ctx)
    W = training.weights
    S = stats.full.matrix
    score = GaussianBIC(S, stats.full.n_eff, bool(params["equal_variances"]))
    threshold, B = stages.run("threshold", thresholded_dag, W, "auto", score, required)
    B_refined = B
    if not skip_search:
        # the starts and the screen of LinearModel.select_graph
        starts = [threshold_to_dag(W, cut, required) for cut in (threshold,) + REFINE_STARTS]
        starts.append(required.astype(int))  # the empty graph
        count = min(plugin.random_starts, RANDOM_STARTS_NODES // d)
        starts += _random_order_starts(d, count, ctx.seed, required, allowed)
        screen = module.mask.numpy() != 0 if screen_active(params, d) else None
        B_refined = stages.run(
            "order_search",
            multi_start_order_search,
            score,
            starts,
            allowed=allowed,
            required=required,
            screen=screen,
        )
    stages.run("ols_refit", ols_weights, S, B_refined)
    if save:
        np.savez(save, W=W, S=S, n_eff=stats.full.n_eff, B_true=B_true, B=B_refined)
    rec = {
        "d": d,
        "n": n,
        "mode": mode,
        "graph": f"{graph}{k}",
        "seed": seed,
        "epochs": training.n_iter,
        "max_epochs": max_epochs,
        "seconds_per_epoch": stages.records["training"]["cpu_seconds"] / max(training.n_iter, 1),
        "baseline_mb": base_mb,
        "stages": stages.records,
        "total_seconds": sum(r["cpu_seconds"] for r in stages.records.values()),
        "true_edges": int(B_true.sum()),
        "shd_threshold": _metrics.shd(B_true, B.astype(int)),
        "shd": _metrics.shd(B_true, B_refined),
        "search": not skip_search,
        "screen_pairs_per_node": float((module.mask.numpy() != 0).sum() / d),
        "edges_threshold": int(B.sum()),
        "edges": int(B_refined.sum()),
    }
    return rec


def row(rec):
    st = rec["stages"]
    names = ("statistics", "training", "threshold", "order_search", "ols_refit")
    cells = [
        f"{st[k]['cpu_seconds']:.1f} s / {st[k]['peak_mb']:.0f} MB" if k in st else "–"
        for k in names
    ]
    return (
        f"| {rec['graph']} d={rec['d']} n={rec['n']} {rec['mode']} | {rec['epochs']} "
        f"({rec['seconds_per_epoch']:.2f} s/ep) | " + " | ".join(cells) + f" | "
        f"{rec['total_seconds']:.1f} | {rec['shd_threshold']} -> {rec['shd']} "
        f"of {rec['true_edges']} |"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=300)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--mode", choices=("default", "ev"), default="default")
    ap.add_argument("--graph", default="ER")
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-epochs", type=int, default=None)
    ap.add_argument("--out", default=None, help="append the JSON record to this file")
    ap.add_argument("--save", default=None, help="save W, S and the graphs to this .npz")
    ap.add_argument(
        "--skip-search", action="store_true", help="no order search (time per epoch at large d)"
    )
    args = ap.parse_args(argv)
    if args.save is None and args.out:
        name = f"fit_{args.graph}{args.k}_d{args.d}_n{args.n}_{args.mode}_s{args.seed}.npz"
        args.save = os.path.join(os.path.dirname(os.path.abspath(args.out)), name)
    rec = profile(
        args.d,
        args.n,
        args.mode,
        args.seed,
        args.max_epochs,
        args.graph,
        args.k,
        args.save,
        args.skip_search,
    )
    print(
        "| setting | epochs (CPU s per epoch) | statistics | training | threshold | order search "
        "| OLS refit "
        "| total CPU s | SHD thr -> final |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(row(rec), flush=True)
    if args.out:
        with open(args.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
