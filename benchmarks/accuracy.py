"""Accuracy benchmark: stabledag and peer methods on the same data, in the same run.

    python benchmarks/accuracy.py --quick     # ER2/SF2, d = 10, 20, seeds 0-2, + Sachs
    python benchmarks/accuracy.py --full      # ER2/SF2, d = 10, 20, 50, seeds 0-2, + Sachs

Every (dataset, method, scale) fit runs in its own process (``benchmarks/peers.py``) with
one thread and a time limit, raw and standardized.  Peers use the interpreters named by
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
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _data  # noqa: E402
import _metrics  # noqa: E402
import _report  # noqa: E402
from peers import METHOD_ENV, PEER_METHODS, STABLEDAG_METHODS  # noqa: E402

REPO = os.path.dirname(HERE)
MODES = {
    "quick": {"graphs": ("ER", "SF"), "ds": (10, 20), "seeds": (0, 1, 2), "timeout": 300},
    "full": {"graphs": ("ER", "SF"), "ds": (10, 20, 50), "seeds": (0, 1, 2), "timeout": 300},
}
# rough relative cost, to start the slow fits first and keep both cores busy
COST = {"notears": 10, "ges": 4, "direct_lingam": 2, "dagma_linear": 2, "pc": 2}


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description="stabledag accuracy benchmark vs peers")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick")
    mode.add_argument("--full", dest="mode", action="store_const", const="full")
    ap.add_argument("--methods", default=",".join(STABLEDAG_METHODS + PEER_METHODS),
                    help="comma-separated subset of: %(default)s")
    ap.add_argument("--seeds", default=None, help="comma-separated seeds (default 0,1,2)")
    ap.add_argument("--ds", default=None, help="comma-separated node counts")
    ap.add_argument("--graphs", default=None, help="comma-separated, from ER,SF")
    ap.add_argument("--noise", default="gaussian", choices=_data.NOISE_TYPES)
    ap.add_argument("--unequal-noise", action="store_true",
                    help="per-node noise scales uniform on [0.5, 2]")
    ap.add_argument("--no-sachs", action="store_true", help="leave out the Sachs data")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="fits in parallel, one thread each (default: CPU count)")
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
        ap.error("unknown methods: %s" % ", ".join(sorted(unknown)))
    if args.tag is None:
        args.tag = args.mode
        if args.noise != "gaussian" or args.unequal_noise:
            args.tag += "_" + args.noise + ("_nv" if args.unequal_noise else "")
    return args


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
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", TQDM_DISABLE="1", PYTHONWARNINGS="ignore")
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return env


def make_datasets(args):
    """List of dataset dicts (name, setting, X, B_true and data statistics)."""
    out = []
    for graph in args.graphs:
        for d in args.ds:
            for seed in args.seeds:
                X, B, W = _data.make_dataset(graph, 2, d, 1000, seed, args.noise,
                                             args.unequal_noise)
                name = _data.dataset_name(graph, 2, d, 1000, seed, args.noise,
                                          args.unequal_noise)
                out.append(_describe(name, "%s2 d=%d" % (graph, d), X, B, W, seed))
    if not args.no_sachs:
        try:
            X, B = _data.load_sachs()
            out.append(_describe("sachs_853", "Sachs", X, B, B, None))
        except Exception as exc:  # no data: say so and go on
            print("Sachs left out: %s: %s" % (type(exc).__name__, exc), flush=True)
    return out


def _describe(name, setting, X, B, W, seed):
    """Dataset record with its empty-graph SHD and (var / R^2) sortability."""
    return {"name": name, "setting": setting, "seed": seed, "X": X, "B_true": B,
            "n": int(X.shape[0]), "d": int(X.shape[1]), "n_edges": int(_metrics.binary(B).sum()),
            "empty_shd": _metrics.empty_graph_shd(B),
            "varsortability_raw": _metrics.varsortability(X, W),
            "varsortability_std": _metrics.varsortability(_metrics.standardize(X), W),
            "r2_sortability": _metrics.r2_sortability(X, W)}


def run_one(task, workdir, pythons, env, timeout):
    """Run one fit in its own process and score it; returns the run record."""
    ds, method, scale = task
    base = os.path.join(workdir, "%s.%s.%s" % (ds["name"], method, scale))
    cmd = [pythons[METHOD_ENV[method][0]], os.path.join(HERE, "peers.py"), method,
           ds["path"], scale, base + ".json"]
    rec = {"dataset": ds["name"], "setting": ds["setting"], "seed": ds["seed"],
           "method": method, "scale": scale, "python": cmd[0]}
    t0 = time.perf_counter()
    try:
        with open(base + ".log", "w") as log:
            proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                  timeout=timeout, cwd=workdir)
    except subprocess.TimeoutExpired:
        return dict(rec, status="timeout", note="no result within %g s" % timeout)
    rec["wall_seconds"] = time.perf_counter() - t0
    if not os.path.exists(base + ".json"):
        with open(base + ".log") as f:
            tail = f.read()[-400:]
        return dict(rec, status="crash", note="exit %d: %s" % (proc.returncode, tail))
    with open(base + ".json") as f:
        out = json.load(f)
    rec.update({k: v for k, v in out.items() if k not in ("B_est", "method", "scale")})
    if out["status"] == "ok":
        B_est = np.array(out["B_est"], dtype=int)
        rec.update(_metrics.count_accuracy(ds["B_true"], B_est))
        rec["B_est"] = out["B_est"]
    return rec


def _progress(i, total, rec):
    """One line per finished fit."""
    what = "SHD %d  F1 %.2f  %.1f s" % (rec["shd"], rec["f1"], rec["fit_seconds"]) \
        if rec["status"] == "ok" else "%s: %s" % (rec["status"], (rec.get("note") or "")[:120])
    print("[%3d/%d] %-14s %-26s %s  %s" % (i, total, rec["method"], rec["dataset"],
                                          rec["scale"], what), flush=True)


def run_all(datasets, args, src):
    """Run every (dataset, method, scale) fit, ``args.jobs`` at a time."""
    pythons, env = interpreters(), worker_env(src)
    with tempfile.TemporaryDirectory(prefix="stabledag-bench-") as workdir:
        for ds in datasets:
            ds["path"] = os.path.join(workdir, ds["name"] + ".npz")
            np.savez(ds["path"], X=ds["X"])
        tasks = [(ds, m, s) for ds in datasets for m in args.methods for s in ("raw", "std")]
        tasks.sort(key=lambda t: -t[0]["d"] ** 2 * COST.get(t[1], 1))
        runs = []
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futs = [pool.submit(run_one, t, workdir, pythons, env, args.timeout)
                    for t in tasks]
            for i, fut in enumerate(as_completed(futs), 1):
                runs.append(fut.result())
                _progress(i, len(tasks), runs[-1])
    order = {(ds["name"], m, s): k for k, (ds, m, s) in enumerate(
        (ds, m, s) for ds in datasets for m in args.methods for s in ("raw", "std"))}
    runs.sort(key=lambda r: order[(r["dataset"], r["method"], r["scale"])])
    return runs


def environment(args, runs):
    """Interpreters, package versions and machine facts for the JSON file."""
    versions = {}
    for r in runs:
        if r.get("version"):
            versions[METHOD_ENV[r["method"]][2]] = r["version"]
    return {"interpreters": interpreters(), "versions": versions,
            "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "jobs": args.jobs, "timeout_s": args.timeout, "threads_per_fit": 1}


def header(args, datasets, elapsed):
    """Markdown heading with the run's configuration."""
    sachs = any(ds["setting"] == "Sachs" for ds in datasets)
    sem = "linear SEM, %s noise, %s variances, n = 1000" % (
        args.noise, "unequal" if args.unequal_noise else "equal")
    return ("## stabledag accuracy benchmark (%s)\n\n%s; graphs %s, d = %s, seeds %s%s. "
            "Cells: median over seeds, raw -> standardized data. SHD counts a reversed "
            "edge once; PC / GES: directed CPDAG edges only. %d parallel fits, one thread "
            "each, %g s limit per fit; whole run %.0f s." % (
                args.tag, sem, "/".join(g + "2" for g in args.graphs),
                ", ".join(map(str, args.ds)), ", ".join(map(str, args.seeds)),
                "" if not sachs else "; plus Sachs (853 x 11, 17-edge consensus DAG)",
                args.jobs, args.timeout, elapsed))


def write_results(args, datasets, runs, elapsed):
    """Write the JSON, Markdown and PNG files; print the Markdown."""
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, "accuracy_" + args.tag)
    summary = _report.summarize(runs, datasets)
    info = _report.setting_info(datasets)
    md = _report.markdown(summary, info, runs, header(args, datasets, elapsed))
    meta = [{k: v for k, v in ds.items() if k not in ("X", "path")} for ds in datasets]
    for m in meta:
        m["B_true"] = _metrics.binary(m["B_true"]).tolist()
    doc = {"mode": args.mode, "tag": args.tag, "methods": args.methods,
           "elapsed_seconds": elapsed, "environment": environment(args, runs),
           "datasets": meta, "settings": info, "summary": summary, "runs": runs}
    with open(stem + ".json", "w") as f:
        json.dump(doc, f, indent=1, default=_json_default)
    with open(stem + ".md", "w") as f:
        f.write(md)
    print("\n" + md)
    try:
        _report.plot(runs, info, stem + ".png")
        print("wrote %s.{json,md,png}" % stem)
    except ImportError as exc:
        print("wrote %s.{json,md}; no plot (%s)" % (stem, exc))


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
    print("%d datasets x %d methods x 2 scales; interpreters: %s" % (
        len(datasets), len(args.methods), interpreters()), flush=True)
    runs = run_all(datasets, args, src)
    write_results(args, datasets, runs, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
