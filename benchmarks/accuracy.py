"""Accuracy benchmark: stabledag and peer methods on the same data, in the same run.

    python benchmarks/accuracy.py --quick     # ER2/SF2, d = 10, 20, seeds 0-2, + Sachs
    python benchmarks/accuracy.py --full      # ER2/SF2, d = 10, 20, 50, seeds 0-2, + Sachs

Every (dataset, method, scale) fit runs in a worker process (``benchmarks/peers.py``, one
method per process, its fits in turn; ``_runner.py``) with one thread and a time limit per
fit, on raw and on standardized data.  Peers use the interpreters named by
``STABLEDAG_PEERS_PYTHON`` and ``STABLEDAG_LINGAM_PYTHON`` (default: this one); a peer whose
package is missing is skipped with a note.  stabledag runs with this interpreter.

Writes ``benchmarks/results/accuracy_<mode>.json`` (every run), ``.md`` (tables, also
printed) and ``.png`` (SHD per method and setting).
"""

import argparse
import importlib.util
import json
import os
import platform
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _data  # noqa: E402
import _metrics  # noqa: E402
import _report  # noqa: E402
import _runner  # noqa: E402
from peers import EXTRA_METHODS, METHOD_ENV, PEER_METHODS, STABLEDAG_METHODS  # noqa: E402

REPO = os.path.dirname(HERE)
MODES = {
    "quick": {"graphs": ("ER", "SF"), "ds": (10, 20), "seeds": (0, 1, 2), "timeout": 300},
    "full": {"graphs": ("ER", "SF"), "ds": (10, 20, 50), "seeds": (0, 1, 2), "timeout": 300},
}
# rough relative cost, to start the slow fits first and keep both cores busy
COST = {
    "notears_mlp": 40,
    "stabledag_mlp": 12,
    "stabledag_mlp_ev": 10,
    "stabledag_disen": 8,
    "notears": 10,
    "ges": 6,
    "stabledag_ev": 4,
    "stabledag": 3,
    "direct_lingam": 2,
    "dagma_linear": 2,
    "pc": 2,
}


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description="stabledag accuracy benchmark vs peers")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick")
    mode.add_argument("--full", dest="mode", action="store_const", const="full")
    ap.add_argument(
        "--methods",
        default=",".join(STABLEDAG_METHODS + PEER_METHODS),
        help="comma-separated subset of: %(default)s, or of the extra methods "
        + ",".join(EXTRA_METHODS),
    )
    ap.add_argument("--seeds", default=None, help="comma-separated seeds (default 0,1,2)")
    ap.add_argument("--ds", default=None, help="comma-separated node counts")
    ap.add_argument("--graphs", default=None, help="comma-separated, from ER,SF")
    ap.add_argument("--noise", default="gaussian", choices=_data.NOISE_TYPES)
    ap.add_argument(
        "--sem",
        default="linear",
        choices=("linear", "mlp"),
        help="mlp: the reference nonlinear MLP SEM (N(0, 1) noise)",
    )
    ap.add_argument(
        "--scales",
        default="raw,std",
        help="comma-separated scales per method, or METHOD:SCALE,... to limit some methods "
        "(e.g. notears_mlp:raw); default raw,std",
    )
    ap.add_argument(
        "--unequal-noise", action="store_true", help="per-node noise scales uniform on [0.5, 2]"
    )
    ap.add_argument("--no-sachs", action="store_true", help="leave out the Sachs data")
    ap.add_argument(
        "--sachs-only", action="store_true", help="only the Sachs data (no simulated data)"
    )
    ap.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="fits in parallel, one thread each (default: CPU count)",
    )
    ap.add_argument("--timeout", type=float, default=None, help="seconds per fit")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default=None, help="results file suffix (default: the mode)")
    args = ap.parse_args(argv)
    args.mode = args.mode or "quick"
    cfg = MODES[args.mode]
    args.graphs = args.graphs.split(",") if args.graphs else list(cfg["graphs"])
    args.ds = [int(v) for v in args.ds.split(",")] if args.ds else list(cfg["ds"])
    args.seeds = [int(v) for v in args.seeds.split(",")] if args.seeds else list(cfg["seeds"])
    args.timeout = args.timeout or cfg["timeout"]
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = set(args.methods) - set(METHOD_ENV)
    if unknown:
        ap.error("unknown methods: {}".format(", ".join(sorted(unknown))))
    args.scales = _parse_scales(args.scales, ap)
    if args.sem == "mlp" and (args.noise != "gaussian" or args.unequal_noise):
        ap.error("--sem mlp has N(0, 1) noise only")
    if args.tag is None:
        args.tag = args.mode
        if args.sem != "linear":
            args.tag += "_" + args.sem
        if args.noise != "gaussian" or args.unequal_noise:
            args.tag += "_" + args.noise + ("_nv" if args.unequal_noise else "")
    return args


def _parse_scales(text, ap):
    """{method or None: scales}: plain scales apply to every method, METHOD:SCALE to one."""
    plain, per_method = [], {}
    for item in (v.strip() for v in text.split(",") if v.strip()):
        method, _, scale = item.rpartition(":")
        if scale not in ("raw", "std"):
            ap.error(f"unknown scale {scale!r} in --scales")
        if method:
            per_method.setdefault(method, []).append(scale)
        else:
            plain.append(scale)
    per_method[None] = plain or ["raw", "std"]
    return per_method


def method_scales(args, method):
    """The scales ``method`` runs on."""
    return args.scales.get(method, args.scales[None])


def interpreters():
    """Python executable for each environment kind (peers / lingam / project)."""
    return {
        "project": sys.executable,
        "peers": os.environ.get("STABLEDAG_PEERS_PYTHON") or sys.executable,
        "lingam": os.environ.get("STABLEDAG_LINGAM_PYTHON") or sys.executable,
    }


def checkout_src():
    """The checkout's src/ folder when stabledag is not installed here, else None.

    Also puts it on this process's path, so that the Sachs files in the checkout are found.
    """
    src = os.path.join(REPO, "src")
    if importlib.util.find_spec("stabledag") is not None or not os.path.isdir(src):
        return None
    sys.path.insert(0, src)
    return src


def worker_env(src):
    """Environment of the workers: one thread, no progress bars, stabledag findable."""
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        TQDM_DISABLE="1",
        PYTHONWARNINGS="ignore",
    )
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return env


def make_datasets(args):
    """List of dataset dicts (name, setting, X, B_true and data statistics)."""
    out = []
    for graph in [] if args.sachs_only else args.graphs:
        for d in args.ds:
            for seed in args.seeds:
                X, B, W = _data.make_dataset(
                    graph, 2, d, 1000, seed, args.noise, args.unequal_noise, args.sem
                )
                name = _data.dataset_name(
                    graph, 2, d, 1000, seed, args.noise, args.unequal_noise, args.sem
                )
                out.append(_describe(name, f"{graph}2 d={d}", X, B, W, seed))
    if not args.no_sachs:
        try:
            X, B = _data.load_sachs()
            out.append(_describe("sachs_853", "Sachs", X, B, B, None))
        except Exception as exc:  # no data: say so and go on
            print(f"Sachs left out: {type(exc).__name__}: {exc}", flush=True)
    return out


def _describe(name, setting, X, B, W, seed):
    """Dataset record with its empty-graph SHD and (var / R^2) sortability."""
    return {
        "name": name,
        "setting": setting,
        "seed": seed,
        "X": X,
        "B_true": B,
        "n": int(X.shape[0]),
        "d": int(X.shape[1]),
        "n_edges": int(_metrics.binary(B).sum()),
        "empty_shd": _metrics.empty_graph_shd(B),
        "varsortability_raw": _metrics.varsortability(X, W),
        "varsortability_std": _metrics.varsortability(_metrics.standardize(X), W),
        "r2_sortability": _metrics.r2_sortability(X, W),
    }


def score(ds, method, scale, out):
    """Run record for one fit from the worker's outcome, with the graph metrics."""
    rec = {
        "dataset": ds["name"],
        "setting": ds["setting"],
        "seed": ds["seed"],
        "method": method,
        "scale": scale,
    }
    rec.update({k: v for k, v in out.items() if k not in ("method", "scale", "B_est")})
    if out["status"] == "ok":
        B_est = np.array(out["B_est"], dtype=int)
        rec.update(_metrics.count_accuracy(ds["B_true"], B_est))
        rec["edges"] = edge_list(B_est)
    return rec


def edge_list(B):
    """[[i, j], ...] for the edges i -> j of B."""
    return np.argwhere(_metrics.binary(B)).tolist()


def make_batches(datasets, methods, max_d_per_setting=20, scales=None):
    """Worker batches, slowest first: for each method, one batch per setting (its seeds
    x {raw, std}) up to ``max_d_per_setting`` nodes, one batch per dataset above (long
    fits gain little from sharing a process and would make one long queue)."""
    batches = []
    for method in methods:
        groups = {}
        for ds in datasets:
            key = ds["setting"] if ds["d"] <= max_d_per_setting else ds["name"]
            groups.setdefault(key, []).append(ds)
        for key, group in groups.items():
            own = scales(method) if scales else ("raw", "std")
            tasks = [(ds, method, s) for ds in group for s in own]
            cost = len(tasks) * group[0]["d"] ** 2 * COST.get(method, 1)
            batches.append((cost, method, key, tasks))
    batches.sort(key=lambda b: -b[0])
    return [b[1:] for b in batches]


def run_batch(batch, workdir, pythons, env, timeout, report):
    """Run one batch in one worker process; returns its run records."""
    method, key, tasks = batch
    stem = os.path.join(workdir, "{}.{}".format(method, key.replace(" ", "_").replace("=", "")))
    jobs = [
        {
            "method": m,
            "data": ds["path"],
            "scale": s,
            "out": "{}.{}.{}.json".format(stem, ds["name"], s),
        }
        for ds, m, s in tasks
    ]
    outs = _runner.run_batch(
        pythons[METHOD_ENV[method][0]],
        os.path.join(HERE, "peers.py"),
        jobs,
        stem,
        timeout,
        env,
        workdir,
    )
    recs = [score(ds, m, s, out) for (ds, m, s), out in zip(tasks, outs)]
    for rec in recs:
        report(rec)
    return recs


def _progress(i, total, rec):
    """One line per finished fit."""
    if rec["status"] == "ok":
        what = f"SHD {rec['shd']}  F1 {rec['f1']:.2f}  {rec['fit_seconds']:.1f} s"
    else:
        what = f"{rec['status']}: {(rec.get('note') or '')[:120]}"
    print(
        f"[{i:3d}/{total}] {rec['method']:14s} {rec['dataset']:26s} {rec['scale']}  {what}",
        flush=True,
    )


def run_all(datasets, args, src):
    """Run every (dataset, method, scale) fit, ``args.jobs`` worker processes at a time."""
    pythons, env = interpreters(), worker_env(src)
    total = len(datasets) * sum(len(method_scales(args, m)) for m in args.methods)
    lock, runs = threading.Lock(), []

    def report(rec):
        with lock:
            runs.append(rec)
            _progress(len(runs), total, rec)

    with tempfile.TemporaryDirectory(prefix="stabledag-bench-") as workdir:
        for ds in datasets:
            ds["path"] = os.path.join(workdir, ds["name"] + ".npz")
            np.savez(ds["path"], X=ds["X"])
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futs = [
                pool.submit(run_batch, b, workdir, pythons, env, args.timeout, report)
                for b in make_batches(
                    datasets, args.methods, scales=lambda m: method_scales(args, m)
                )
            ]
            for fut in futs:
                fut.result()
    order = {
        (ds["name"], m, s): k
        for k, (ds, m, s) in enumerate(
            (ds, m, s) for ds in datasets for m in args.methods for s in method_scales(args, m)
        )
    }
    runs.sort(key=lambda r: order[(r["dataset"], r["method"], r["scale"])])
    return runs


def environment(args, runs):
    """Interpreters, package versions and machine facts for the JSON file."""
    versions = {}
    for r in runs:
        if r.get("version"):
            versions[METHOD_ENV[r["method"]][2]] = r["version"]
    return {
        "interpreters": interpreters(),
        "versions": versions,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "jobs": args.jobs,
        "timeout_s": args.timeout,
        "threads_per_fit": 1,
    }


def header(args, datasets, elapsed):
    """Markdown heading with the run's configuration."""
    sachs = any(ds["setting"] == "Sachs" for ds in datasets)
    variances = "unequal" if args.unequal_noise else "equal"
    graphs = "/".join(g + "2" for g in args.graphs)
    extra = "; plus Sachs (853 x 11, 17-edge consensus DAG)" if sachs else ""
    if args.sachs_only:
        data = "Sachs only (853 x 11, 17-edge consensus DAG). "
    else:
        data = (
            (
                "Nonlinear MLP SEM (sigmoid, 100 hidden units per node), N(0, 1) noise"
                if args.sem == "mlp"
                else f"Linear SEM, {args.noise} noise, {variances} variances"
            )
            + f", n = 1000; graphs {graphs}, d = {', '.join(map(str, args.ds))}, "
            f"seeds {', '.join(map(str, args.seeds))}{extra}. "
        )
    return (
        f"## stabledag accuracy benchmark ({args.tag})\n\n"
        + data
        + "Cells: median over seeds, raw -> standardized data. SHD counts a reversed edge "
        "once; PC / GES: directed CPDAG edges only. "
        f"{args.jobs} parallel worker processes, one thread each, {args.timeout:g} s limit "
        f"per fit; whole run {elapsed:.0f} s."
    )


def write_results(args, datasets, runs, elapsed):
    """Write the JSON, Markdown and PNG files; print the Markdown."""
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, "accuracy_" + args.tag)
    summary = _report.summarize(runs, datasets)
    info = _report.setting_info(datasets)
    md = _report.markdown(summary, info, runs, header(args, datasets, elapsed))
    meta = [{k: v for k, v in ds.items() if k not in ("X", "path", "B_true")} for ds in datasets]
    for m, ds in zip(meta, datasets):
        m["edges_true"] = edge_list(ds["B_true"])
    doc = {
        "mode": args.mode,
        "tag": args.tag,
        "sem": args.sem,
        "methods": args.methods,
        "elapsed_seconds": elapsed,
        "environment": environment(args, runs),
        "datasets": meta,
        "settings": info,
        "summary": summary,
        "runs": runs,
    }
    with open(stem + ".json", "w") as f:
        write_json(doc, f)
    with open(stem + ".md", "w") as f:
        f.write(md)
    print("\n" + md)
    try:
        _report.plot(runs, info, stem + ".png")
        print(f"wrote {stem}.{{json,md,png}}")
    except ImportError as exc:
        print(f"wrote {stem}.{{json,md}}; no plot ({exc})")


def write_json(doc, f):
    """JSON with one line per top-level key, and per element of its lists of records."""
    f.write("{\n")
    for n, (key, value) in enumerate(doc.items()):
        f.write(json.dumps(key) + ": ")
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows = (json.dumps(v, default=_json_default) for v in value)
            f.write("[\n  " + ",\n  ".join(rows) + "\n]")
        else:
            f.write(json.dumps(value, default=_json_default))
        f.write(",\n" if n < len(doc) - 1 else "\n")
    f.write("}\n")


def _json_default(obj):
    """numpy scalars and arrays to plain JSON."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(type(obj))


def main(argv=None):
    """Run the benchmark; exit status 0 even when some fits failed (they are reported)."""
    args = parse_args(argv)
    t0 = time.perf_counter()
    src = checkout_src()
    datasets = make_datasets(args)
    print(
        f"{len(datasets)} datasets x {len(args.methods)} methods x 2 scales; "
        f"interpreters: {interpreters()}",
        flush=True,
    )
    runs = run_all(datasets, args, src)
    write_results(args, datasets, runs, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
