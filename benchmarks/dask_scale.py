"""Speed-up of Dask workers for EdgeStability and GridSearchCV with many variables.

    pip install ".[distributed]"
    python benchmarks/dask_scale.py --d 200 --n 2000 --workers 1,2
    python benchmarks/dask_scale.py --d 1000 --n 4000 --resamples 2 --equal-variances \
        --jobs stability --tag _d1000_ev

A LocalCluster on the loopback interface, one thread per worker process (so that workers
do not fight over BLAS threads), warmed up (every worker has imported stabledag and
torch). The data are scattered to the workers once (``client.scatter``, broadcast) instead
of being pickled into every task. Jobs, run with each number of workers in turn:

* ``EdgeStability(StableDAGLearner(screen=...), n_resamples=R)``: R independent fits on
  subsamples (half the rows each);
* ``GridSearchCV(StableDAGLearner(...), {"lambda_sparse": [0.01, 0.02]}, cv=2,
  refit=False)``: 4 independent fits.

``--jobs`` picks them; ``--equal-variances`` fits the equal-variance mode on raw data
(``max_epochs="auto"`` by default, as the estimator).

Each fit holds its own d x d arrays: a worker needs about
``StableDAGLearner``'s memory estimate (``stabledag.models.get_model("linear").memory_bytes``,
printed) for each fit it runs at once. Writes ``benchmarks/results/dask_scale<tag>.{json,md}``.
Timings on a shared machine are indicative only.
"""

import argparse
import json
import os
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _data  # noqa: E402


def jobs(X, args):
    from stabledag import StableDAGLearner

    mode = {"standardize": False, "equal_variances": True} if args.equal_variances else {}
    learner = StableDAGLearner(
        screen=args.screen, max_epochs=args.max_epochs, random_state=0, **mode
    )  # fmt: skip
    chosen = {
        "stability": f"EdgeStability {args.resamples} subsamples",
        "grid": "GridSearchCV 2 settings x 2 folds",
    }
    names = {chosen[k] for k in args.jobs.split(",")}
    return {name: job for name, job in _all_jobs(learner, X, args).items() if name in names}


def _all_jobs(learner, X, args):
    from sklearn.model_selection import GridSearchCV

    from stabledag import EdgeStability

    return {
        f"EdgeStability {args.resamples} subsamples": lambda: EdgeStability(
            learner, n_resamples=args.resamples, n_jobs=-1, random_state=0
        ).fit(X),
        "GridSearchCV 2 settings x 2 folds": lambda: GridSearchCV(
            learner, {"lambda_sparse": [0.01, 0.02]}, cv=2, n_jobs=-1, refit=False
        ).fit(X),
    }


def timed(n_workers, X, args):
    import distributed
    from joblib import parallel_config

    with (
        distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
        ) as cluster,
        distributed.Client(cluster) as client,
        parallel_config(backend="dask", scatter=[X]),
    ):
        client.run(lambda: __import__("stabledag"))  # warm: torch imported on every worker
        out = {}
        for name, job in jobs(X, args).items():
            start = time.perf_counter()
            job()
            out[name] = time.perf_counter() - start
            print(f"  {n_workers} worker(s): {name}: {out[name]:.1f} s", flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Dask speed-up with many variables")
    ap.add_argument("--d", type=int, default=200)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--resamples", type=int, default=4)
    ap.add_argument("--max-epochs", default="auto", help="an integer or auto")
    ap.add_argument(
        "--equal-variances", action="store_true", help="the equal-variance mode on raw data"
    )
    ap.add_argument("--jobs", default="stability,grid", help="stability, grid or both")
    ap.add_argument("--screen", default="auto")
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)
    if args.max_epochs != "auto":
        args.max_epochs = int(args.max_epochs)
    if args.screen in ("True", "False"):
        args.screen = args.screen == "True"
    warnings.simplefilter("ignore")
    from stabledag import StableDAGLearner
    from stabledag.models import get_model

    X, _, _ = _data.make_dataset("ER", 2, args.d, args.n, 0)
    estimate = get_model("linear").memory_bytes(args.n, args.d, StableDAGLearner().get_params())
    print(f"d = {args.d}, n = {args.n}: one fit's memory estimate {estimate / 2**20:.0f} MiB")
    results = {}
    for k in [int(v) for v in args.workers.split(",")]:
        results[k] = timed(k, X, args)
    base = min(results)
    lines = [
        f"# Dask workers with many variables (d = {args.d}, n = {args.n})",
        "",
        f"`python benchmarks/dask_scale.py {' '.join(argv or sys.argv[1:])}`; "
        f"{os.cpu_count()} CPUs shared with other jobs (indicative timings); "
        f"one fit's memory estimate {estimate / 2**20:.0f} MiB.",
        "",
        "| job | " + " | ".join(f"{k} worker(s) s" for k in results) + " | speed-up |",
        "|---|" + "---|" * len(results) + "---|",
    ]
    for name in results[base]:
        times = [results[k][name] for k in results]
        speedup = results[base][name] / results[max(results)][name]
        lines.append(
            f"| {name} | " + " | ".join(f"{t:.1f}" for t in times) + f" | {speedup:.2f}x |"
        )
    md = "\n".join(lines)
    print(md)
    out = os.path.join(HERE, "results", f"dask_scale{args.tag}")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".json", "w") as f:
        json.dump({"args": vars(args), "estimate_bytes": estimate, "seconds": results}, f, indent=1)
    with open(out + ".md", "w") as f:
        f.write(md + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
