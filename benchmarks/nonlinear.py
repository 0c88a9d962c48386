"""Nonlinear benchmark (issue 20): stabledag's MLP pipeline, its stages and the peers, same run.

    python benchmarks/nonlinear.py --seeds design --ds 10 --methods sd_additive,sd_stages
    python benchmarks/nonlinear.py --seeds eval --ds 10,20 --tag eval

Data: ``_nonlinear_data.py`` (generators ``mlp``, ``gp``, ``tanh``, ``relu``, ``product`` on
ER2 graphs, n = 1000; design seeds 100-103, evaluation seeds 200-203).  Each
(dataset, method, scale) fit runs in a worker process (``_nonlinear_worker.py``, which is
``peers.py`` with the nonlinear methods added) with one thread and a time limit.

Methods run in the mode each one claims: the equal-variance ones (``*_ev``) on raw data,
the unit-free ones on standardized data, the peers (``notears_mlp``, ``dagma_mlp``) on
both; ``--scales METHOD:SCALE,...`` changes this.  A method's variants (e.g. the
continuous MLP alone inside ``sd_stages``) are scored as methods of their own, with the
parent fit's seconds.

Scores: SHD (a reversed edge counts 1), the SHD between the Markov equivalence classes
(CPDAGs; pairs whose status none / i->j / j->i / undirected differs), F1 on directed
edges, fit seconds.  Tables give the median over seeds and [min, max].

Writes ``benchmarks/results/nonlinear_<tag>.jsonl`` (every run with its edges, appended as
fits finish, so an interrupted run keeps what it did), ``.json`` (the same with the
datasets) and ``.md`` (the tables, also printed).  ``--report A.jsonl B.jsonl ...`` makes
the tables from earlier runs' records, merged (with ``--seeds`` / ``--ds`` as filters).
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _metrics  # noqa: E402
import _nonlinear_data as nld  # noqa: E402
import _runner  # noqa: E402
from _nonlinear_worker import NEW_ENV  # noqa: E402
from peers import METHOD_ENV  # noqa: E402

ENV = {**METHOD_ENV, **NEW_ENV}
DEFAULT_SCALES = {"notears_mlp": ("raw", "std"), "dagma_mlp": ("raw", "std")}
COST = {"notears_mlp": 50, "dagma_mlp": 80, "sd_stages": 30, "sd_stages_ev": 15}


def default_scales(method):
    """The scales a method runs on by default (its own mode; peers both)."""
    if method in DEFAULT_SCALES:
        return DEFAULT_SCALES[method]
    return ("raw",) if method.endswith("_ev") else ("std",)


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generators", default=",".join(nld.GENERATORS))
    ap.add_argument("--ds", default="10", help="comma-separated node counts")
    ap.add_argument("--seeds", default="design", help="design, eval, or comma-separated integers")
    ap.add_argument(
        "--methods",
        default="sd_additive,sd_additive_ev,sd_stages,sd_stages_ev,notears_mlp",
        help="comma-separated, from " + ",".join(sorted(ENV)),
    )
    ap.add_argument("--scales", default="", help="METHOD:SCALE,... overriding the defaults")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="run the fits in this process, one after the other, without a time limit (for "
        "the fast stabledag methods: saves a worker start per batch)",
    )
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per fit")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default=None)
    ap.add_argument(
        "--report",
        nargs="+",
        metavar="JSONL",
        help="no fits: tables from the run records of these .jsonl files (merged)",
    )
    args = ap.parse_args(argv)
    args.generators = [g for g in args.generators.split(",") if g]
    args.ds = [int(v) for v in args.ds.split(",")]
    if args.seeds in ("design", "eval"):
        args.seed_set = args.seeds
        args.seeds = list(nld.DESIGN_SEEDS if args.seeds == "design" else nld.EVAL_SEEDS)
    else:
        args.seed_set = "custom"
        args.seeds = [int(v) for v in args.seeds.split(",")]
    args.methods = [m for m in args.methods.split(",") if m]
    unknown = set(args.methods) - set(ENV)
    if unknown:
        ap.error("unknown methods: " + ", ".join(sorted(unknown)))
    override = {}
    for item in filter(None, args.scales.split(",")):
        method, _, scale = item.partition(":")
        override.setdefault(method, []).append(scale)
    args.method_scales = {m: tuple(override.get(m, default_scales(m))) for m in args.methods}
    args.tag = args.tag or args.seed_set
    return args


# --------------------------------------------------------------------------- metrics
def cpdag(B):
    """The CPDAG of DAG ``B`` as a 0/1 matrix (an undirected edge has both entries).

    Skeleton plus v-structures, then Meek's rules 1-3 until nothing changes.
    """
    A = _metrics.binary(B).astype(bool)
    d = A.shape[0]
    adj = A | A.T
    directed = np.zeros_like(A)
    for c in range(d):
        parents = np.flatnonzero(A[:, c])
        for ia, a in enumerate(parents):
            for b in parents[ia + 1 :]:
                if not adj[a, b]:
                    directed[a, c] = directed[b, c] = True
    undirected = adj & ~directed & ~directed.T
    changed = True
    while changed:
        changed = False
        for b, c in zip(*np.nonzero(np.triu(undirected))):
            for x, y in ((b, c), (c, b)):
                if not undirected[x, y]:
                    continue
                into_x = np.flatnonzero(directed[:, x])
                r1 = any(not adj[a, y] for a in into_x)  # a -> x - y, a, y apart
                r2 = bool((directed[x, :] & directed[:, y]).any())  # x -> k -> y
                mids = np.flatnonzero(undirected[x] & directed[:, y])  # x - k -> y
                r3 = any(not adj[k, m] for i, k in enumerate(mids) for m in mids[i + 1 :])
                if r1 or r2 or r3:
                    directed[x, y] = True
                    undirected[x, y] = undirected[y, x] = False
                    changed = True
    return (directed | undirected).astype(int)


def class_shd(B_true, B_est):
    """SHD between the CPDAGs of two DAGs (pairs whose status differs)."""
    T, P = cpdag(B_true), cpdag(B_est)
    iu = np.triu_indices(T.shape[0], k=1)
    return int(((T + 2 * T.T)[iu] != (P + 2 * P.T)[iu]).sum())


# --------------------------------------------------------------------------- running
def make_datasets(args):
    """One record per (generator, d, seed)."""
    out = []
    for kind in args.generators:
        for d in args.ds:
            for seed in args.seeds:
                X, B = nld.simulate(kind, d, seed, args.n)
                out.append(
                    {
                        "name": nld.dataset_name(kind, d, seed, args.n),
                        "generator": kind,
                        "d": d,
                        "seed": seed,
                        "X": X,
                        "B_true": B,
                        "empty_shd": _metrics.empty_graph_shd(B),
                        "varsortability": _metrics.varsortability(X, B),
                    }
                )
    return out


def score(ds, method, scale, B_est, out):
    """Run record with the metrics."""
    rec = {
        "dataset": ds["name"],
        "generator": ds["generator"],
        "d": ds["d"],
        "seed": ds["seed"],
        "method": method,
        "scale": scale,
        "status": out["status"],
        "fit_seconds": out.get("fit_seconds"),
        "cpu_seconds": out.get("cpu_seconds"),
        "note": out.get("note"),
    }
    if B_est is not None:
        B_est = np.asarray(B_est, dtype=int)
        acc = _metrics.count_accuracy(ds["B_true"], B_est)
        rec.update({k: acc[k] for k in ("shd", "f1", "is_dag", "nnz", "shd_wrong_dir")})
        rec["class_shd"] = class_shd(ds["B_true"], B_est) if acc["is_dag"] else None
        rec["edges"] = np.argwhere(_metrics.binary(B_est)).tolist()
    return rec


def records(ds, method, scale, out):
    """The method's record and one per variant."""
    ok = out["status"] == "ok"
    recs = [score(ds, method, scale, out.get("B_est") if ok else None, out)]
    for name, B in (out.get("variants") or {}).items():
        recs.append(score(ds, f"{method}:{name}", scale, B, out))
    return recs


def run_all(datasets, args):
    """Every (dataset, method, scale) fit; one worker batch per method and setting."""
    pythons = {
        "project": sys.executable,
        "peers": os.environ.get("STABLEDAG_PEERS_PYTHON") or sys.executable,
        "lingam": os.environ.get("STABLEDAG_LINGAM_PYTHON") or sys.executable,
    }
    # STABLEDAG_SRC: run the stabledag methods on another checkout's src/ (e.g. an older commit)
    src = os.environ.get("STABLEDAG_SRC") or os.path.join(os.path.dirname(HERE), "src")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    env["PYTHONWARNINGS"] = "ignore"
    lock, runs = threading.Lock(), []
    total = len(datasets) * sum(len(s) for s in args.method_scales.values())

    def run_batch(method, tasks, workdir):
        stem = os.path.join(workdir, f"{method}.d{tasks[0][0]['d']}.s{tasks[0][0]['seed']}")
        jobs = [
            {"method": method, "data": ds["path"], "scale": s, "out": f"{stem}.{ds['name']}.{s}"}
            for ds, s in tasks
        ]
        outs = _runner.run_batch(
            pythons[ENV[method][0]],
            os.path.join(HERE, "_nonlinear_worker.py"),
            jobs,
            stem,
            args.timeout,
            env,
            workdir,
        )
        for (ds, s), out in zip(tasks, outs):
            report(method, ds, s, out)

    def report(method, ds, s, out):
        recs = records(ds, method, s, out)
        with lock:
            runs.extend(recs)
            with open(args.jsonl, "a") as f:
                for rec in recs:
                    f.write(json.dumps(rec, default=float) + "\n")
            r = recs[0]
            what = (
                f"SHD {r['shd']:3d} F1 {r['f1']:.2f} {r['fit_seconds']:7.1f} s"
                if "shd" in r
                else f"{r['status']}: {(r.get('note') or '')[:100]}"
            )
            done = sum(1 for x in runs if ":" not in x["method"])
            print(f"[{done}/{total}] {method:14s} {ds['name']:26s} {s} {what}", flush=True)

    # one batch per (method, d, seed), all generators: an interrupted run has whole seeds
    batches = []
    for method in args.methods:
        for d in args.ds:
            for k, seed in enumerate(args.seeds):
                tasks = [
                    (ds, s)
                    for ds in datasets
                    if ds["seed"] == seed and ds["d"] == d
                    for s in args.method_scales[method]
                ]
                batches.append((k, -COST.get(method, 1) * d * d, method, tasks))
    batches.sort(key=lambda b: b[:2])
    if args.in_process:
        import _nonlinear_worker  # noqa: F401  (registers the methods in peers.FITTERS)
        import peers

        for _, _, method, tasks in batches:
            for ds, s in tasks:
                X = _metrics.standardize(ds["X"]) if s == "std" else ds["X"].copy()
                out = peers.run(method, X)
                report(method, ds, s, out)
        return runs
    with tempfile.TemporaryDirectory(prefix="stabledag-nl-") as workdir:
        for ds in datasets:
            ds["path"] = os.path.join(workdir, ds["name"] + ".npz")
            np.savez(ds["path"], X=ds["X"])
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for fut in [pool.submit(run_batch, m, t, workdir) for _, _, m, t in batches]:
                fut.result()
    return runs


# --------------------------------------------------------------------------- report
def _cell(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    med = fmt.format(float(np.median(values)))
    if len(values) == 1:
        return med
    return f"{med} [{fmt.format(min(values))}, {fmt.format(max(values))}]"


def tables(runs, args):
    """Markdown: one table per metric, rows generator x d, columns method @ scale."""
    columns = []
    for r in runs:
        key = (r["method"], r["scale"])
        if key not in columns:
            columns.append(key)
    columns.sort(key=lambda k: (k[0].split(":")[0] not in ("notears_mlp", "dagma_mlp"), k))
    rows = [(g, d) for g in args.generators for d in args.ds]
    lines = []
    for metric, fmt, title in (
        ("shd", "{:.0f}", "SHD"),
        ("class_shd", "{:.0f}", "class SHD (CPDAGs)"),
        ("f1", "{:.2f}", "F1 (directed edges)"),
        ("fit_seconds", "{:.1f}", "fit seconds (wall clock)"),
        ("cpu_seconds", "{:.1f}", "fit CPU seconds (one thread)"),
    ):
        lines += [f"### {title}: median [min, max] over seeds {args.seeds}", ""]
        lines.append("| generator, d | " + " | ".join(f"{m} ({s})" for m, s in columns) + " |")
        lines.append("|---" * (len(columns) + 1) + "|")
        for g, d in rows:
            cells = []
            for m, s in columns:
                sel = [
                    r
                    for r in runs
                    if r["generator"] == g and r["d"] == d and r["method"] == m and r["scale"] == s
                ]
                vals = [r.get(metric) for r in sel if r["status"] == "ok"]
                bad = [r["status"] for r in sel if r["status"] != "ok"]
                cell = _cell(vals, fmt)
                if bad:
                    cell += f" ({len(bad)} {'/'.join(sorted(set(bad)))})"
                cells.append(cell)
            lines.append(f"| {g}, {d} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    """Run, print the tables, write JSON and Markdown."""
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    base = os.path.join(args.out_dir, f"nonlinear_{args.tag}")
    if args.report:
        runs = [json.loads(line) for path in args.report for line in open(path) if line.strip()]
        keep = set(args.seeds)
        runs = [r for r in runs if r["seed"] in keep and r["d"] in args.ds]
        args.generators = [g for g in args.generators if any(r["generator"] == g for r in runs)]
        md = f"## Nonlinear benchmark `{args.tag}` (seeds {args.seed_set})\n\n"
        md += f"Merged from {', '.join(os.path.basename(p) for p in args.report)}.\n\n"
        md += tables(runs, args)
        print(md)
        with open(base + ".md", "w") as f:
            f.write(md)
        return 0
    args.jsonl = base + ".jsonl"
    open(args.jsonl, "w").close()
    datasets = make_datasets(args)
    runs = run_all(datasets, args)
    order = {(ds["name"]): k for k, ds in enumerate(datasets)}
    runs.sort(key=lambda r: (order[r["dataset"]], r["method"], r["scale"]))
    md = f"## Nonlinear benchmark `{args.tag}` (seeds {args.seed_set})\n\n" + tables(runs, args)
    print(md)
    with open(base + ".md", "w") as f:
        f.write(md)
    meta = {
        "argv": sys.argv,
        "python": sys.version,
        "platform": platform.platform(),
        "seeds": args.seeds,
        "datasets": [
            {k: v for k, v in ds.items() if k not in ("X", "B_true", "path")}
            | {"true_edges": np.argwhere(ds["B_true"] != 0).tolist()}
            for ds in datasets
        ],
    }
    with open(base + ".json", "w") as f:
        json.dump({"meta": meta, "runs": runs}, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
