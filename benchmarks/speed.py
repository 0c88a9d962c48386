"""Speed benchmark: stabledag against DAGMA on the same data, in the same run.

    python benchmarks/speed.py           # d = 20, 50, 100 (seeds 0-2), 200; n-scaling; d = 500
    python benchmarks/speed.py --quick   # d = 20, 50 (seed 0), n-scaling to 3e3
    python benchmarks/speed.py --gpu     # only: one d = 1000 EV fit with device="cuda"

Every fit runs alone in a fresh worker process (``benchmarks/peers.py``, one thread, imports
before the timer), one after the other, so that two fits never share the 2 cores; for each
dataset DAGMA and the two stabledag modes run back to back. Data: ER2, n = 1000, linear
Gaussian SEM with equal noise variances, raw (not standardized) -- the setting DAGMA is
built for, where stabledag runs in its like-for-like equal-variance mode
(``standardize=False, equal_variances=True``); the default (unit-free) mode runs on the same
data for reference.

Tables (printed, and written with every run to ``benchmarks/results/speed<tag>.{json,md}``):

1. time ratio stabledag EV / DAGMA (median over seeds) with SHD of each, d = 20, 50, 100;
2. d = 200: wall time of each (target: stabledag EV under 2 minutes);
3. cost against n at d = 50: fit time and peak memory for n = 1e3, 1e4, 1e5 (the linear
   model works on the d x d second-moment matrix, so only computing it grows with n);
4. d = 500: a stabledag EV fit with a training budget, checked for NaN and acyclicity.

The peers' interpreter is ``STABLEDAG_PEERS_PYTHON`` (see ``benchmarks/README.md``).
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _data  # noqa: E402
import _metrics  # noqa: E402
from accuracy import checkout_src, interpreters, worker_env  # noqa: E402
from peers import METHOD_ENV  # noqa: E402

REPO = os.path.dirname(HERE)
METHODS = ("dagma_linear", "stabledag_ev", "stabledag")
EV_KWARGS = {"standardize": False, "equal_variances": True, "random_state": 0}


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description="stabledag speed benchmark vs DAGMA")
    ap.add_argument("--quick", action="store_true", help="small run (a few minutes)")
    ap.add_argument("--ds", default=None, help="sizes of the ratio table, e.g. 20,50,100")
    ap.add_argument("--seeds", default=None, help="seeds of the ratio table, e.g. 0,1,2")
    ap.add_argument("--no-large", action="store_true", help="skip d = 200 and d = 500")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per fit")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="", help="suffix of the result files")
    ap.add_argument("--gpu", action="store_true", help="only a d = 1000 fit on the GPU")
    args = ap.parse_args(argv)
    args.ds = [int(v) for v in (args.ds or ("20,50" if args.quick else "20,50,100")).split(",")]
    args.seeds = [int(v) for v in (args.seeds or ("0" if args.quick else "0,1,2")).split(",")]
    args.ns = [1000, 3000] if args.quick else [1000, 10000, 100000]
    args.large = not (args.quick or args.no_large)
    return args


def fit_in_worker(method, X, B, workdir, env, timeout):
    """One fit in a fresh ``peers.py`` process; the record with SHD and seconds."""
    data, out = os.path.join(workdir, "data.npz"), os.path.join(workdir, "out.json")
    np.savez(data, X=X)
    if os.path.exists(out):
        os.remove(out)
    python = interpreters()[METHOD_ENV[method][0]]
    cmd = [python, os.path.join(HERE, "peers.py"), method, data, "raw", out]
    try:
        proc = subprocess.run(cmd, env=env, timeout=timeout, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return {"method": method, "status": "timeout", "fit_seconds": None}
    if not os.path.exists(out):
        return {"method": method, "status": "crash", "note": proc.stderr[-2000:]}
    with open(out) as f:
        rec = json.load(f)
    if rec["status"] == "ok":
        B_est = np.array(rec.pop("B_est"))
        rec.update(shd=_metrics.shd(B, B_est), is_dag=_metrics.is_dag(B_est))
    return rec


def ratio_runs(args, workdir, env):
    """Every (d, seed, method) fit of the ratio table (and d = 200 when asked)."""
    settings = [(d, seed) for d in args.ds for seed in args.seeds]
    if args.large:
        settings.append((200, 0))
    runs = []
    for d, seed in settings:
        X, B, W = _data.make_dataset("ER", 2, d, 1000, seed)
        vs = _metrics.varsortability(X, W)
        for method in METHODS:
            if d >= 200 and method == "stabledag":
                continue  # the default mode is reported for the ratio table only
            rec = fit_in_worker(method, X, B, workdir, env, args.timeout)
            rec.update(d=d, seed=seed, varsortability=vs)
            runs.append(rec)
            print(_one_line(rec), flush=True)
    return runs


def _one_line(rec):
    secs = rec.get("fit_seconds")
    t = f"{secs:7.2f} s" if secs is not None else rec["status"]
    return f"  d={rec['d']:<4d} seed={rec['seed']}  {rec['method']:<13s} {t}  SHD {rec.get('shd')}"


def scaling_worker(n, d, seed, mode, out):
    """In a fresh process: fit once, write time and peak resident memory over the baseline."""
    import warnings

    from stabledag import StableDAGLearner

    warnings.filterwarnings("ignore")
    X, B, _ = _data.make_dataset("ER", 2, d, n, seed)
    kwargs = EV_KWARGS if mode == "ev" else {"random_state": 0}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    est = StableDAGLearner(**kwargs).fit(X)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rec = {
        "n": n,
        "d": d,
        "seed": seed,
        "mode": mode,
        "fit_seconds": secs,
        "peak_rss_mb": peak / 1024,
        "fit_extra_peak_mb": (peak - before) / 1024,
        "data_mb": X.nbytes / 2**20,
        "shd": _metrics.shd(B, est.predict_graph()),
        "epochs": est.n_iter_,
    }
    with open(out, "w") as f:
        json.dump(rec, f)


def scaling_runs(args, workdir, env):
    """Fit time and memory against n at d = 50, each fit in a fresh process."""
    runs = []
    for n in args.ns:
        for mode in ("ev", "default"):
            out = os.path.join(workdir, f"scaling_{n}_{mode}.json")
            cmd = [sys.executable, __file__, "--scaling-worker", str(n), "50", "0", mode, out]
            subprocess.run(cmd, env=env, timeout=args.timeout, check=True)
            with open(out) as f:
                rec = json.load(f)
            runs.append(rec)
            secs, extra = rec["fit_seconds"], rec["fit_extra_peak_mb"]
            print(f"  n={n:<7d} {mode:<8s} {secs:7.2f} s  peak +{extra:.0f} MB", flush=True)
    return runs


def large_worker(d, max_epochs, out):
    """In a fresh process: a d-node EV fit with a training budget; NaN and acyclicity checks."""
    import warnings

    from stabledag import StableDAGLearner
    from stabledag.graph import is_dag

    X, B, _ = _data.make_dataset("ER", 2, d, 1000, 0)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = StableDAGLearner(max_epochs=max_epochs, **EV_KWARGS).fit(X)
    secs = time.perf_counter() - t0
    hs = [r["h"] for r in est.history_]
    rec = {
        "d": d,
        "max_epochs": max_epochs,
        "fit_seconds": secs,
        "epochs": est.n_iter_,
        "nan_in_adjacency": bool(np.isnan(est.adjacency_).any()),
        "nan_in_raw": bool(np.isnan(est.raw_adjacency_).any()),
        "all_h_finite": bool(np.all(np.isfinite(hs))),
        "final_h": hs[-1],
        "is_dag": bool(is_dag(est.predict_graph())),
        "shd": _metrics.shd(B, est.predict_graph()),
        "true_edges": int(B.sum()),
        "warnings": sorted({str(w.message)[:120] for w in caught}),
    }
    with open(out, "w") as f:
        json.dump(rec, f)


def gpu_worker(d, out):
    """In a fresh process: one EV fit with ``device="cuda"`` (training on the GPU)."""
    import torch

    from stabledag import StableDAGLearner
    from stabledag.graph import is_dag

    X, B, _ = _data.make_dataset("ER", 2, d, 1000, 0)
    StableDAGLearner(device="cuda", max_epochs=2, refine=False).fit(X[:, :20])  # warm-up
    t0 = time.perf_counter()
    est = StableDAGLearner(device="cuda", **EV_KWARGS).fit(X)
    secs = time.perf_counter() - t0
    rec = {
        "d": d,
        "device": torch.cuda.get_device_name(0),
        "fit_seconds": secs,
        "train_seconds": est.history_[-1]["time"],
        "epochs": est.n_iter_,
        "nan_in_adjacency": bool(np.isnan(est.adjacency_).any()),
        "is_dag": bool(is_dag(est.predict_graph())),
        "shd": _metrics.shd(B, est.predict_graph()),
        "true_edges": int(B.sum()),
    }
    with open(out, "w") as f:
        json.dump(rec, f)


def gpu_main(args):
    """``--gpu``: the d = 1000 GPU fit alone; writes ``speed_gpu<tag>.json``."""
    import torch

    if not torch.cuda.is_available():
        print("no CUDA GPU here: nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as workdir:
        out = os.path.join(workdir, "gpu.json")
        cmd = [sys.executable, __file__, "--gpu-worker", "1000", out]
        subprocess.run(cmd, env=worker_env(checkout_src()), timeout=args.timeout, check=True)
        with open(out) as f:
            rec = json.load(f)
    print(json.dumps(rec, indent=1))
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, f"speed_gpu{args.tag}.json"), "w") as f:
        json.dump(rec, f, indent=1)
    return 0


def large_run(workdir, env, timeout, d=500, max_epochs=60):
    out = os.path.join(workdir, "large.json")
    cmd = [sys.executable, __file__, "--large-worker", str(d), str(max_epochs), out]
    subprocess.run(cmd, env=env, timeout=timeout, check=True)
    with open(out) as f:
        rec = json.load(f)
    print(
        f"  d={d} ({rec['epochs']} epochs) {rec['fit_seconds']:.1f} s, "
        f"NaN: {rec['nan_in_adjacency']}, DAG: {rec['is_dag']}, "
        f"SHD {rec['shd']} of {rec['true_edges']} edges",
        flush=True,
    )
    return rec


def _median(values):
    values = [v for v in values if v is not None]
    return float(np.median(values)) if values else None


def _spread(values):
    """(10%, 90%) quantiles over seeds, or None with fewer than three values."""
    values = [v for v in values if v is not None]
    if len(values) < 3:
        return None
    return float(np.percentile(values, 10)), float(np.percentile(values, 90))


def summarize(runs):
    """Per d: median seconds and SHD per method, median per-seed time ratio EV / DAGMA."""
    table = {}
    for d in sorted({r["d"] for r in runs}):
        at_d = [r for r in runs if r["d"] == d]
        row = {}
        for method in METHODS:
            mine = [r for r in at_d if r["method"] == method and r.get("status") == "ok"]
            if mine:
                row[method] = {
                    "seconds": _median([r["fit_seconds"] for r in mine]),
                    "seconds_spread": _spread([r["fit_seconds"] for r in mine]),
                    "shd": _median([r["shd"] for r in mine]),
                    "shd_spread": _spread([r["shd"] for r in mine]),
                    "n": len(mine),
                }
        ratios = []
        for seed in sorted({r["seed"] for r in at_d}):
            t = {r["method"]: r.get("fit_seconds") for r in at_d if r["seed"] == seed}
            if t.get("stabledag_ev") and t.get("dagma_linear"):
                ratios.append(t["stabledag_ev"] / t["dagma_linear"])
        row["ratio_ev_over_dagma"] = _median(ratios)
        row["ratio_spread"] = _spread(ratios)
        table[d] = row
    return table


def _fmt(x, digits=2):
    return "–" if x is None else f"{x:.{digits}f}"


def _with_spread(value, spread, digits=2):
    """``median [10%–90%]`` (the brackets only with three seeds or more)."""
    if spread is None:
        return _fmt(value, digits)
    return f"{_fmt(value, digits)} [{_fmt(spread[0], digits)}–{_fmt(spread[1], digits)}]"


def _cell(entry):
    if entry is None:
        return "–"
    secs = _with_spread(entry["seconds"], entry.get("seconds_spread"))
    return f"{secs} ({_with_spread(entry['shd'], entry.get('shd_spread'), 1)})"


def markdown(table, scaling, large, header):
    lines = [
        header,
        "",
        "## Time per fit against DAGMA (ER2, n = 1000, raw equal-variance data)",
        "",
    ]
    lines += [
        "| d | DAGMA s (SHD) | stabledag EV s (SHD) | ratio EV / DAGMA "
        "| stabledag default s (SHD) |",
        "|---|---|---|---|---|",
    ]
    for d, row in table.items():
        cells = [_cell(row.get(m)) for m in METHODS]
        ratio = _with_spread(row["ratio_ev_over_dagma"], row.get("ratio_spread"))
        lines.append(f"| {d} | {cells[0]} | {cells[1]} | {ratio} | {cells[2]} |")
    lines += [
        "",
        "Cells: median seconds over seeds (median SHD), with the 10% and 90% quantiles over "
        "the seeds in brackets when there are three or more. Ratio: median of per-seed "
        "ratios (and their quantiles).",
        "",
    ]
    if scaling:
        lines += ["## Cost against n (ER2, d = 50)", ""]
        lines += [
            "| n | mode | fit s | peak memory over baseline MB | data MB | SHD |",
            "|---|---|---|---|---|---|",
        ]
        for r in scaling:
            secs, extra = _fmt(r["fit_seconds"]), _fmt(r["fit_extra_peak_mb"], 0)
            data = _fmt(r["data_mb"], 1)
            lines.append(f"| {r['n']} | {r['mode']} | {secs} | {extra} | {data} | {r['shd']} |")
        lines.append("")
    if large:
        lines += [f"## d = {large['d']} (EV mode, max_epochs = {large['max_epochs']})", ""]
        lines.append(
            f"{_fmt(large['fit_seconds'], 1)} s, {large['epochs']} epochs; "
            f"NaN in the learned weights: {large['nan_in_adjacency']}; "
            f"every h(W) finite: {large['all_h_finite']} (last "
            f"{large['final_h']:.2e}); acyclic: {large['is_dag']}; SHD {large['shd']} "
            f"({large['true_edges']} true edges)."
        )
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--scaling-worker"]:
        n, d, seed, mode, out = argv[1:]
        return scaling_worker(int(n), int(d), int(seed), mode, out)
    if argv[:1] == ["--large-worker"]:
        d, max_epochs, out = argv[1:]
        return large_worker(int(d), int(max_epochs), out)
    if argv[:1] == ["--gpu-worker"]:
        return gpu_worker(int(argv[1]), argv[2])
    args = parse_args(argv)
    if args.gpu:
        return gpu_main(args)
    env = dict(worker_env(checkout_src()), STABLEDAG_BENCH_ABLATIONS="0")  # timing: no ablations
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        print("Ratio table fits (one at a time):", flush=True)
        runs = ratio_runs(args, workdir, env)
        print("Scaling with n (d = 50):", flush=True)
        scaling = scaling_runs(args, workdir, env)
        large = None
        if args.large:
            print("d = 500:", flush=True)
            large = large_run(workdir, env, args.timeout)
    table = summarize(runs)
    elapsed = time.perf_counter() - start
    header = (
        f"# Speed benchmark{' (quick)' if args.quick else ''}\n\n"
        f"`python benchmarks/speed.py{' --quick' if args.quick else ''}` on {platform.node()}, "
        f"{os.cpu_count()} CPUs, one thread per fit, fits run one at a time; "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {elapsed / 60:.1f} min."
    )
    md = markdown(table, scaling, large, header)
    print("\n" + md)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, f"speed{'_quick' if args.quick else ''}{args.tag}")
    doc = {
        "command": " ".join(["python", "benchmarks/speed.py", *argv]),
        "python": sys.version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "elapsed_seconds": elapsed,
        "table": table,
        "runs": runs,
        "scaling": scaling,
        "large": large,
    }
    with open(stem + ".json", "w") as f:
        json.dump(doc, f, indent=1, default=str)
    with open(stem + ".md", "w") as f:
        f.write(md + "\n")
    print(f"wrote {stem}.json and {stem}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
