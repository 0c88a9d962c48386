"""Scale benchmark: time, peak memory and accuracy of a fit against the number of variables.

    python benchmarks/scale.py                       # d = 50 ... 2000, both modes, peers
    python benchmarks/scale.py --ds 50,100,200 --no-peers --tag _small
    python benchmarks/scale.py --baseline-src /tmp/today/src --ds 100,300   # same-run "today"
    python benchmarks/scale.py --report              # tables and plot from the records so far

Data: ER2 (``benchmarks/_data.py``, seed 0 unless ``--seeds``), linear Gaussian SEM with
equal noise variances, ``n`` rows (``--n``, default 2000). Two stabledag modes:

* ``default``: ``StableDAGLearner(random_state=0)`` on the standardized data (unit-free);
* ``ev``: ``StableDAGLearner(standardize=False, equal_variances=True, random_state=0)`` on
  the raw data;

each run by this checkout (``new``) and, with ``--baseline-src``, by another source tree in
the same run (``today``: e.g. ``git archive main | tar -x -C /tmp/today``), and the peers
DAGMA (``dagma_linear``, raw data) and PC (``pc``, Fisher z; its directed edges only) from
``benchmarks/peers.py`` with a time limit (``--peer-timeout``). Every fit runs alone in a
fresh process under ``/usr/bin/time`` (peak resident memory of the whole process, imports
included), one after the other, at the priority the benchmark was started with (run it with
``nice -n 10``). A fit that runs past its time limit is recorded as a timeout.

Accuracy: DAG SHD, and the equivalence-class SHD (the SHD of the two CPDAGs: skeleton,
v-structures and Meek's rules 1-3), both against the true DAG; ``nan`` and acyclicity are
checked. The records go to ``benchmarks/results/scale<tag>.jsonl`` one by one as they finish
(a stopped run loses nothing); ``--report`` (also run at the end) writes
``scale<tag>.{json,md,png}``: per mode and method, time, peak memory, SHD and class SHD
against ``d``; the ratio today / new; the exponent of time against ``d`` fitted between
``d = 100`` and ``1000`` (least squares on the log-log points in that range).

Timings on a shared machine are indicative only: read the same-run ratios.
"""

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _data  # noqa: E402
import _metrics  # noqa: E402
from accuracy import worker_env  # noqa: E402

REPO = os.path.dirname(HERE)
MODES = {
    "default": ({"random_state": 0}, "std"),
    "ev": ({"standardize": False, "equal_variances": True, "random_state": 0}, "raw"),
    # this checkout only: the same without the candidate-parent screen
    "default_noscreen": ({"random_state": 0, "screen": False}, "std"),
    "ev_noscreen": (
        {"standardize": False, "equal_variances": True, "random_state": 0, "screen": False},
        "raw",
    ),
}
PEERS = {"dagma_linear": "raw", "pc": "std"}


# ----------------------------------------------------------------- equivalence classes
def cpdag(B):
    """The CPDAG of the DAG ``B``: ``(directed, undirected)`` boolean matrices.

    Directed: the v-structure edges and those Meek's rules 1-3 orient; undirected
    (symmetric): the rest of the skeleton.
    """
    B = np.asarray(B) != 0
    d = B.shape[0]
    adj = B | B.T
    directed = np.zeros((d, d), dtype=bool)
    # v-structures a -> c <- b with a, b not adjacent
    for c in range(d):
        pa = np.flatnonzero(B[:, c])
        if pa.size > 1:
            sub = ~adj[np.ix_(pa, pa)]
            np.fill_diagonal(sub, False)
            directed[pa[sub.any(axis=1)], c] = True
    undirected = adj & ~directed & ~directed.T
    nonadj = ~adj & ~np.eye(d, dtype=bool)
    while True:
        D, U = directed.astype(np.float32), undirected
        # R1: a -> b - c, a and c not adjacent: b -> c
        r1 = U & ((D.T @ nonadj.astype(np.float32)) > 0)
        # R2: a -> b -> c and a - c: a -> c
        r2 = U & ((D @ D) > 0)
        new = r1 | r2
        # R3: a - b, a - c -> b, a - d -> b, c and d not adjacent: a -> b
        for a, b in zip(*np.nonzero(U & ~new)):
            k = np.flatnonzero(U[a] & directed[:, b])
            if k.size > 1 and nonadj[np.ix_(k, k)].any():
                new[a, b] = True
        new &= ~new.T  # a rule never orients both ways on a CPDAG of a DAG; be safe
        if not new.any():
            return directed, undirected
        directed |= new
        undirected &= ~(new | new.T)


def class_shd(B_true, B_est):
    """SHD between the CPDAGs of two DAGs (pairs whose mark differs: none, ->, <-, -)."""
    dt, ut = cpdag(B_true)
    de, ue = cpdag(B_est)
    iu = np.triu_indices(dt.shape[0], k=1)

    def status(D, U):
        return (D[iu] * 1 + D.T[iu] * 2 + U[iu] * 3).astype(int)

    return int((status(dt, ut) != status(de, ue)).sum())


# ---------------------------------------------------------------------- the worker
def worker(mode, data, out):
    """In a fresh process: one stabledag fit; writes time, memory and the graph."""
    import resource
    import warnings

    import stabledag
    from stabledag import StableDAGLearner
    from stabledag.models import get_model

    warnings.filterwarnings("ignore")
    X = np.load(data)["X"]
    kwargs, _ = MODES[mode]
    est = StableDAGLearner(**kwargs)
    params = est.get_params()
    estimate = get_model("linear").memory_bytes(X.shape[0], X.shape[1], params)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), time.process_time()
    est.fit(X)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    history = est.history_
    rec = {
        "status": "ok",
        "fit_seconds": secs,
        "cpu_seconds": cpu,
        "train_seconds": history[-1]["time"] if history else None,
        "epochs": est.n_iter_,
        "converged": bool(est.converged_),
        "nan": bool(np.isnan(est.adjacency_).any() or np.isnan(est.raw_adjacency_).any()),
        "B_est": est.predict_graph().tolist(),
        "rss_after_imports_mb": before / 1024,
        "rss_peak_mb": peak / 1024,
        "memory_estimate_mb": estimate / 2**20,
        "screen": params.get("screen"),
        "stabledag": os.path.dirname(stabledag.__file__),
    }
    with open(out, "w") as f:
        json.dump(rec, f)


# ------------------------------------------------------------------------- runs
def _timed(cmd, env, timeout):
    """Run ``cmd`` under /usr/bin/time; (completed or None on timeout, peak RSS MB or None)."""
    with tempfile.NamedTemporaryFile(suffix=".rss", delete=False) as f:
        rss_file = f.name
    wrapped = ["/usr/bin/time", "-f", "%M %U %S", "-o", rss_file, *cmd]
    # A session of its own, so a timeout ends the fit too (killing /usr/bin/time alone left
    # the fit running as an orphan).
    popen = subprocess.Popen(
        wrapped,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = popen.communicate(timeout=timeout)
        proc = subprocess.CompletedProcess(wrapped, popen.returncode, stdout, stderr)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.communicate()
        proc = None
    rss, cpu = None, None
    try:
        with open(rss_file) as f:
            fields = f.read().split()[-3:]
        rss, cpu = int(fields[0]) / 1024, float(fields[1]) + float(fields[2])
    except (OSError, ValueError, IndexError):
        pass
    os.remove(rss_file)
    return proc, rss, cpu


def fit_stabledag(mode, version, src, data, workdir, timeout):
    out = os.path.join(workdir, "out.json")
    if os.path.exists(out):
        os.remove(out)
    cmd = [sys.executable, __file__, "--worker", mode, data, out]
    t0 = time.perf_counter()
    proc, rss, cpu = _timed(cmd, worker_env(src), timeout)
    rec = {
        "method": f"stabledag_{version}",
        "mode": mode,
        "process_rss_mb": rss,
        "process_cpu_seconds": cpu,
    }
    if proc is None:
        return dict(rec, status="timeout", fit_seconds=None, limit=timeout)
    if not os.path.exists(out):
        return dict(rec, status="crash", note=proc.stderr[-2000:])
    with open(out) as f:
        rec.update(json.load(f))
    rec["wall_seconds"] = time.perf_counter() - t0
    return rec


def fit_peer(method, data, workdir, timeout, python):
    out = os.path.join(workdir, "peer.json")
    if os.path.exists(out):
        os.remove(out)
    cmd = [python, os.path.join(HERE, "peers.py"), method, data, PEERS[method], out]
    proc, rss, cpu = _timed(cmd, worker_env(None), timeout)
    rec = {"method": method, "mode": "peer", "process_rss_mb": rss, "process_cpu_seconds": cpu}
    if proc is None:
        return dict(rec, status="timeout", fit_seconds=None, limit=timeout)
    if not os.path.exists(out):
        return dict(rec, status="crash", note=proc.stderr[-2000:])
    with open(out) as f:
        rec.update(json.load(f))
    return rec


def score(rec, B_true):
    if rec.get("status") != "ok" or "B_est" not in rec:
        return rec
    B = np.array(rec.pop("B_est"))
    rec["shd"] = _metrics.shd(B_true, B)
    rec["is_dag"] = bool(_metrics.is_dag(B))
    rec["class_shd"] = class_shd(B_true, B) if rec["is_dag"] else None
    rec["n_edges"] = int(B.sum())
    return rec


def run(args):
    os.makedirs(args.out_dir, exist_ok=True)
    log = os.path.join(args.out_dir, f"scale{args.tag}.jsonl")
    done = set()
    if os.path.exists(log):
        with open(log) as f:
            for line in f:
                r = json.loads(line)
                done.add((r["d"], r["seed"], r["method"], r["mode"]))
    peers_python = os.environ.get("STABLEDAG_PEERS_PYTHON") or sys.executable
    src = os.path.join(REPO, "src")
    versions = [("new", src)] + ([("today", args.baseline_src)] if args.baseline_src else [])
    skip = set()  # (method, mode) that timed out at a smaller d
    with tempfile.TemporaryDirectory() as workdir:
        for d in args.ds:
            for seed in args.seeds:
                X, B_true, _ = _data.make_dataset("ER", 2, d, args.n, seed)
                data = os.path.join(workdir, "data.npz")
                np.savez(data, X=X)
                std = os.path.join(workdir, "data_std.npz")
                np.savez(std, X=_metrics.standardize(X))
                jobs = []
                for mode in args.modes:
                    for version, path in versions:
                        if version == "today" and (d > args.baseline_max_d or "_" in mode):
                            continue
                        jobs.append((f"stabledag_{version}", mode, version, path))
                if args.peers:
                    jobs += [(m, "peer", None, None) for m in PEERS if d <= args.peer_max_d]
                for method, mode, version, path in jobs:
                    if (d, seed, method, mode) in done or (method, mode) in skip:
                        continue
                    if version is None:
                        rec = fit_peer(method, data, workdir, args.peer_timeout, peers_python)
                    else:
                        X_file = std if MODES[mode][1] == "std" else data
                        rec = fit_stabledag(mode, version, path, X_file, workdir, args.timeout)
                    rec.update(d=d, n=args.n, seed=seed, true_edges=int(B_true.sum()))
                    rec = score(rec, B_true)
                    if rec.get("status") == "timeout":
                        skip.add((method, mode))
                    with open(log, "a") as f:
                        f.write(json.dumps(rec, default=str) + "\n")
                    print(_line(rec), flush=True)
    return log


def _line(r):
    secs = r.get("fit_seconds")
    t = f"{secs:8.1f} s" if secs is not None else f"{r['status']:>10s}"
    mem = r.get("process_rss_mb")
    mem = f"{mem:6.0f} MB" if mem else "     -   "
    return (
        f"d={r['d']:<5d} {r['method']:<16s} {r['mode']:<8s} {t} {mem} "
        f"SHD {r.get('shd')} class {r.get('class_shd')} epochs {r.get('epochs')}"
    )


# ----------------------------------------------------------------------- report
def _median(values):
    values = [v for v in values if v is not None]
    return float(np.median(values)) if values else None


def exponent(points, lo=100, hi=1000):
    """Least-squares slope of log(seconds) against log(d) for lo <= d <= hi."""
    pts = [(d, t) for d, t in points if lo <= d <= hi and t]
    if len(pts) < 2:
        return None
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def summarize(records):
    """Per (method, mode, d): medians over seeds."""
    table = {}
    for r in records:
        key = (r["method"], r["mode"])
        table.setdefault(key, {}).setdefault(r["d"], []).append(r)
    out = {}
    for key, by_d in table.items():
        rows = {}
        for d, recs in sorted(by_d.items()):
            ok = [r for r in recs if r.get("status") == "ok"]
            rows[d] = {
                "n_ok": len(ok),
                "status": sorted({r.get("status") for r in recs}),
                "seconds": _median([r.get("fit_seconds") for r in ok]),
                "cpu": _median([r.get("cpu_seconds") or r.get("process_cpu_seconds") for r in ok]),
                "rss_mb": _median([r.get("process_rss_mb") for r in ok]),
                "fit_mb": _median(
                    [
                        r["rss_peak_mb"] - r["rss_after_imports_mb"]
                        for r in ok
                        if r.get("rss_peak_mb") is not None
                    ]
                ),
                "estimate_mb": _median([r.get("memory_estimate_mb") for r in ok]),
                "shd": _median([r.get("shd") for r in ok]),
                "class_shd": _median([r.get("class_shd") for r in ok]),
                "true_edges": recs[0]["true_edges"],
                "epochs": _median([r.get("epochs") for r in ok]),
                "nan": any(r.get("nan") for r in ok),
                "limit": max((r.get("limit") or 0 for r in recs), default=0),
            }
        out[key] = rows
    return out


def _fmt(x, digits=1):
    return "–" if x is None else f"{x:.{digits}f}"


def markdown(summary, header):
    lines = [header, ""]
    titles = {
        "default": "Default mode (unit-free) on standardized data",
        "ev": "Equal-variance mode on raw data",
        "default_noscreen": "Default mode, screen=False (this checkout only)",
        "ev_noscreen": "Equal-variance mode, screen=False (this checkout only)",
    }
    for mode, title in titles.items():
        if not any(k[1] == mode for k in summary):
            continue
        lines += [f"## {title}", ""]
        lines += [
            "| d | method | wall s | CPU s | peak MB | fit MB (estimate) | SHD | class SHD "
            "| true edges | epochs |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        keys = [k for k in summary if k[1] == mode]
        if "_" not in mode:
            keys += [k for k in summary if k[1] == "peer"]
        ds = sorted({d for k in keys for d in summary[k]})
        for d in ds:
            for key in keys:
                row = summary[key].get(d)
                if row is None:
                    continue
                if row["n_ok"] == 0:
                    status = "/".join(row["status"])
                    if row.get("limit"):
                        status += f" ({row['limit']:.0f} s wall)"
                    lines.append(f"| {d} | {key[0]} | {status} | | | | | | | |")
                    continue
                lines.append(
                    f"| {d} | {key[0]} | {_fmt(row['seconds'])} | {_fmt(row['cpu'])} | "
                    f"{_fmt(row['rss_mb'], 0)} | "
                    f"{_fmt(row['fit_mb'], 0)} ({_fmt(row['estimate_mb'], 0)}) | "
                    f"{_fmt(row['shd'], 0)} | "
                    f"{_fmt(row['class_shd'], 0)} | {row['true_edges']} | "
                    f"{_fmt(row['epochs'], 0)} |"
                )
        lines.append("")
        if "_" not in mode:
            lines += [
                "PC: its CPDAG's directed edges only (benchmarks/peers.py), so its class SHD "
                "is that of those edges read as a DAG.",
                "",
            ]
        new, today = summary.get(("stabledag_new", mode)), summary.get(("stabledag_today", mode))
        if new and today:
            lines += ["Same-run ratio today / new, wall time (CPU time):", ""]
            for d in sorted(set(new) & set(today)):
                a, b = today[d], new[d]
                if a["seconds"] and b["seconds"]:
                    cpu = a["cpu"] / b["cpu"] if a["cpu"] and b["cpu"] else None
                    lines.append(f"* d = {d}: {a['seconds'] / b['seconds']:.2f}x ({_fmt(cpu, 2)}x)")
            lines.append("")
        for key in (("stabledag_new", mode), ("stabledag_today", mode)):
            if key in summary:
                wall = exponent([(d, r["seconds"]) for d, r in summary[key].items()])
                cpu = exponent([(d, r["cpu"]) for d, r in summary[key].items()])
                lines.append(
                    f"Fitted exponent of time against d (100 <= d <= 1000), {key[0]}: "
                    f"wall {_fmt(wall, 2)}, CPU {_fmt(cpu, 2)}"
                )
        lines.append("")
    return "\n".join(lines)


def plot(summary, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for (method, mode), rows in sorted(summary.items()):
        pts = [(d, r["cpu"]) for d, r in sorted(rows.items()) if r["cpu"]]
        if not pts:
            continue
        slope = exponent(pts)
        label = f"{method} ({mode})" + (f", slope {slope:.2f}" if slope else "")
        ax.loglog([p[0] for p in pts], [p[1] for p in pts], "o-", label=label)
    ax.set_xlabel("d (variables)")
    ax.set_ylabel("fit CPU time, s (one thread)")
    ax.set_title("ER2: CPU time against d (slope fitted on 100 <= d <= 1000)")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def report(args):
    log = os.path.join(args.out_dir, f"scale{args.tag}.jsonl")
    with open(log) as f:
        records = [json.loads(line) for line in f]
    summary = summarize(records)
    header = (
        f"# Scale benchmark\n\n`python benchmarks/scale.py {' '.join(args.argv)}` "
        f"{'(the records of earlier runs with this tag) ' if args.report else ''}on "
        f"{platform.node()}, {os.cpu_count()} CPUs shared with other jobs (timings are "
        f"indicative; read same-run ratios), one thread per fit, fits one at a time; "
        f"ER2, n = {records[0]['n'] if records else '?'}; {time.strftime('%Y-%m-%d %H:%M')}."
    )
    md = markdown(summary, header)
    print(md)
    stem = os.path.join(args.out_dir, f"scale{args.tag}")
    with open(stem + ".md", "w") as f:
        f.write(md + "\n")
    doc = {
        "command": "python benchmarks/scale.py " + " ".join(args.argv),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "summary": {f"{k[0]}|{k[1]}": v for k, v in summary.items()},
        "records": records,
    }
    with open(stem + ".json", "w") as f:
        json.dump(doc, f, indent=1, default=str)
    try:
        plot(summary, stem + ".png")
    except ImportError:
        print("matplotlib missing: no plot")
    print(f"wrote {stem}.md, .json and .png")


def parse_args(argv):
    ap = argparse.ArgumentParser(description="stabledag scale benchmark")
    ap.add_argument("--ds", default="50,100,200,300,500,1000,2000")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--modes", default="default,ev")
    ap.add_argument("--baseline-src", default=None, help="src/ of the code to compare with")
    ap.add_argument("--baseline-max-d", type=int, default=300)
    ap.add_argument("--no-peers", dest="peers", action="store_false")
    ap.add_argument("--peer-max-d", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per stabledag fit")
    ap.add_argument("--peer-timeout", type=float, default=1800.0)
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="")
    ap.add_argument("--report", action="store_true", help="only write the report")
    args = ap.parse_args(argv)
    args.argv = argv
    args.ds = [int(v) for v in args.ds.split(",")]
    args.seeds = [int(v) for v in args.seeds.split(",")]
    args.modes = args.modes.split(",")
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker(*argv[1:4])
    args = parse_args(argv)
    if not args.report:
        run(args)
    report(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
