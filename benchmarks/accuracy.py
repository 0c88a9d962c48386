"""Accuracy benchmark: stabledag and peer methods on the same data, in the same run.

    python benchmarks/accuracy.py --quick     # ER2/SF2, d = 10, 20, seeds 0-2 (+ Sachs)
    python benchmarks/accuracy.py --full      # ER2/SF2, d = 10, 20, 50, seeds 0-2 (+ Sachs)
    python benchmarks/accuracy.py --generators ER1,TREE,ER2-iscm --ds 20 --seed-set eval ...

``python benchmarks/run_all.py`` runs the whole set of experiments behind the README and the
docs; this script runs one of them.  Every (dataset, method, scale) fit runs in a worker
process (``benchmarks/peers.py``, one method per process, its fits in turn; ``_runner.py``)
with one thread and a time limit per fit.  Peers use the interpreters named by
``STABLEDAG_PEERS_PYTHON`` and ``STABLEDAG_LINGAM_PYTHON`` (default: this one); a peer whose
package is missing is skipped with a note.  stabledag runs with this interpreter.

Seeds (``SEED_SETS``): ``reference`` = 0, 1, 2 (the seeds of the peers' anchor figures, used
to validate the harness); ``design`` = 0-9 (every setting of stabledag so far -- the EBIC
gamma, the starting cuts, the spline knots -- was chosen while looking at seeds in 0-9:
see ``benchmarks/README.md``); ``eval`` = 1000-1009 (never used to choose anything; the
figures the README reports).

Every run is scored on the equivalence class (class SHD, skeleton and arrowhead F1: a DAG
output is replaced by its CPDAG, a CPDAG output is compared as given) and on the directed
graph (SHD, F1; for CPDAG methods their directed edges only).  Writes
``<out-dir>/accuracy_<tag>.json`` (every run), ``.md`` (tables, also printed) and ``.png``.
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
from peers import (  # noqa: E402
    EBIC_GAMMA,
    EXTRA_METHODS,
    GAMMA_METHODS,
    METHOD_ENV,
    PEER_METHODS,
    STABLEDAG_METHODS,
)

REPO = os.path.dirname(HERE)
SEED_SETS = {
    "reference": (0, 1, 2),
    "design": tuple(range(10)),
    "eval": tuple(range(1000, 1010)),
}
MODES = {
    "quick": {"generators": ("ER2", "SF2"), "ds": (10, 20), "timeout": 300},
    "full": {"generators": ("ER2", "SF2"), "ds": (10, 20, 50), "timeout": 300},
}
# rough relative cost, to start the slow fits first and keep both cores busy
COST = {
    "notears_mlp": 40,
    "stabledag_mlp": 12,
    "stabledag_mlp_ev": 10,
    "golem_nv": 10,
    "golem_nv_evinit": 20,
    "stabledag_disen": 8,
    "notears": 10,
    "ges": 6,
    "ges_ebic": 6,
    "stabledag": 6,
    "stabledag_ev": 4,
    "direct_lingam": 2,
    "dagma_linear": 2,
    "pc": 2,
    "grasp": 2,
    "boss": 2,
}
# the criterion each score-based method optimises: per-edge penalty given (n, d)
OWN_CRITERION = {
    "ges": ("BIC", lambda n, d: _metrics.ebic_per_edge(n, d, 0.0)),
    "ges_ebic": ("EBIC", lambda n, d: _metrics.ebic_per_edge(n, d, EBIC_GAMMA)),
    "grasp": ("EBIC", lambda n, d: _metrics.ebic_per_edge(n, d, EBIC_GAMMA)),
    "boss": ("EBIC", lambda n, d: _metrics.ebic_per_edge(n, d, EBIC_GAMMA)),
    "stabledag": ("EBIC", lambda n, d: _metrics.ebic_per_edge(n, d, EBIC_GAMMA)),
}
for _m, _g in GAMMA_METHODS.items():
    OWN_CRITERION[_m] = ("EBIC", lambda n, d, g=_g: _metrics.ebic_per_edge(n, d, g))


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
    seeds = ap.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", default=None, help="comma-separated seeds")
    seeds.add_argument(
        "--seed-set", choices=sorted(SEED_SETS), help="named seeds (default: reference)"
    )
    ap.add_argument("--ds", default=None, help="comma-separated node counts")
    ap.add_argument("--ns", default="1000", help="comma-separated sample sizes (default 1000)")
    ap.add_argument(
        "--generators",
        default=None,
        help="comma-separated generators: ER<k>, SF<k>, TREE, optionally with a variant "
        f"suffix -{'/-'.join(_data.VARIANTS)} (see _data.py); default ER2,SF2",
    )
    ap.add_argument("--graphs", default=None, help="old form: ER,SF means ER2,SF2")
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
    ap.add_argument(
        "--max-d",
        default="",
        help="METHOD:D,... run METHOD only on datasets with at most D nodes (slow methods)",
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
    ap.add_argument(
        "--no-ablations",
        action="store_true",
        help="stabledag without its ablation variants (the default runs them: extra searches)",
    )
    ap.add_argument(
        "--batch-per-env",
        action="store_true",
        help="one worker process per Python environment for all methods and datasets up to "
        "d = 20 (fewer imports; run_all.py --quick uses it); default: one per method and setting",
    )
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default=None, help="results file suffix (default: the mode)")
    ap.add_argument("--title", default=None, help="heading of the Markdown report")
    args = ap.parse_args(argv)
    args.mode = args.mode or "quick"
    cfg = MODES[args.mode]
    if args.generators:
        args.generators = [g.strip() for g in args.generators.split(",") if g.strip()]
    elif args.graphs:
        args.generators = [g.strip() + "2" for g in args.graphs.split(",") if g.strip()]
    else:
        args.generators = list(cfg["generators"])
    if args.unequal_noise:
        args.generators = [g if g.endswith("-nv") else g + "-nv" for g in args.generators]
    for g in args.generators:
        try:
            _data.parse_generator(g)
        except ValueError as exc:
            ap.error(str(exc))
    args.ds = [int(v) for v in args.ds.split(",")] if args.ds else list(cfg["ds"])
    args.ns = [int(float(v)) for v in args.ns.split(",")]
    if args.seeds:
        args.seeds = [int(v) for v in args.seeds.split(",")]
        args.seed_set = "custom"
    else:
        args.seed_set = args.seed_set or "reference"
        args.seeds = list(SEED_SETS[args.seed_set])
    args.timeout = args.timeout or cfg["timeout"]
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = set(args.methods) - set(METHOD_ENV)
    if unknown:
        ap.error("unknown methods: {}".format(", ".join(sorted(unknown))))
    args.scales = _parse_scales(args.scales, ap)
    try:
        args.max_d = {
            m: int(v) for m, v in (item.split(":") for item in args.max_d.split(",") if item)
        }
    except ValueError:
        ap.error("--max-d takes METHOD:D,... e.g. notears:10")
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


def setting_label(generator, d, n):
    """Row/column label of a setting, e.g. ``ER2 d=20`` or ``ER2-quad d=10 n=1e+04``."""
    label = f"{generator} d={d}"
    return label if n == 1000 else label + f" n={n:.0e}".replace("e+0", "e")


def make_datasets(args):
    """List of dataset dicts (name, setting, X, B_true and data statistics)."""
    out = []
    for gen in [] if args.sachs_only else args.generators:
        graph, k, _ = _data.parse_generator(gen)
        for d in args.ds:
            for n in args.ns:
                for seed in args.seeds:
                    if args.sem == "mlp":
                        X, B, W = _data.make_dataset(graph, k, d, n, seed, sem="mlp")
                        name = _data.dataset_name(graph, k, d, n, seed, sem="mlp")
                    else:
                        X, B, W = _data.make_generated(gen, d, n, seed, args.noise)
                        name = _data.generated_name(gen, d, n, seed, args.noise)
                    out.append(_describe(name, setting_label(gen, d, n), X, B, W, seed))
    if not args.no_sachs:
        try:
            X, B = _data.load_sachs()
            out.append(_describe("sachs_853", "Sachs", X, B, B, None))
        except Exception as exc:  # no data: say so and go on
            print(f"Sachs left out: {type(exc).__name__}: {exc}", flush=True)
    return out


def _describe(name, setting, X, B, W, seed):
    """Dataset record with its empty-graph SHD, sortability and the truth's criteria."""
    from stabledag.graph import dag_to_cpdag

    n, d = X.shape
    S = _metrics.second_moments(X)
    C = np.asarray(dag_to_cpdag(_metrics.binary(B)))
    return {
        "name": name,
        "setting": setting,
        "seed": seed,
        "X": X,
        "B_true": B,
        "S": S,
        "n": int(n),
        "d": int(d),
        "n_edges": int(_metrics.binary(B).sum()),
        "n_reversible": int(((C == 1) & (C.T == 1)).sum() // 2),
        "empty_shd": _metrics.empty_graph_shd(B),
        "varsortability_raw": _metrics.varsortability(X, W),
        "varsortability_std": _metrics.varsortability(_metrics.standardize(X), W),
        "r2_sortability": _metrics.r2_sortability(X, W),
        "true_bic": _metrics.criterion(S, n, B, _metrics.ebic_per_edge(n, d, 0.0)),
        "true_ebic": _metrics.criterion(S, n, B, _metrics.ebic_per_edge(n, d, EBIC_GAMMA)),
    }


def _check_ebic_gamma():
    """The peers' EBIC lambda assumes stabledag's gamma; stop if the package changed it."""
    try:
        from stabledag._scores import EBIC_GAMMA as package_gamma
    except ImportError:
        return  # moved by a refactor: nothing to compare (peers.py documents the value)
    if package_gamma != EBIC_GAMMA:
        raise SystemExit(
            f"stabledag's EBIC gamma is {package_gamma}, peers.py assumes {EBIC_GAMMA}: "
            "update peers.EBIC_GAMMA so that GES/GRaSP/BOSS use the same criterion"
        )


def _score_one(ds, rec, B_est, cpdag):
    """Add the directed, class, orientation and criterion metrics of one output."""
    rec.update(_metrics.count_accuracy(ds["B_true"], B_est))
    est_class = cpdag if cpdag is not None else B_est
    rec.update(_metrics.class_scores(ds["B_true"], est_class, as_given=cpdag is not None))
    if cpdag is None:
        found, right = _metrics.reversible_orientation(ds["B_true"], B_est)
        rec.update(reversible_found=found, reversible_right=right)
        dag = B_est if _metrics.is_dag(B_est) else None
    else:
        rec["n_est_edges_class"] = int(((cpdag + cpdag.T) > 0).sum() // 2)
        dag = _metrics.dag_of_class(cpdag)
    rec["nnz_class"] = int(((est_class + np.asarray(est_class).T) > 0).sum() // 2)
    base = rec["method"].split("[")[0]
    if dag is not None:
        n, d = ds["n"], ds["d"]
        for key, gamma in (("bic", 0.0), ("ebic", EBIC_GAMMA)):
            value = _metrics.criterion(ds["S"], n, dag, _metrics.ebic_per_edge(n, d, gamma))
            rec[key + "_gap"] = value - ds["true_" + key]
        if base in OWN_CRITERION:
            name, per_edge = OWN_CRITERION[base]
            own = _metrics.criterion(ds["S"], n, dag, per_edge(n, d))
            truth = _metrics.criterion(ds["S"], n, ds["B_true"], per_edge(n, d))
            rec.update(own_criterion=name, own_gap=own - truth)


def score(ds, method, scale, out):
    """Run records for one fit (the method, and each of its variants) with the metrics."""
    base = {"dataset": ds["name"], "setting": ds["setting"], "seed": ds["seed"], "scale": scale}
    rec = dict(base, method=method)
    skip = ("method", "scale", "B_est", "variants", "cl_graph")
    rec.update({k: v for k, v in out.items() if k not in skip})
    recs = [rec]
    if out["status"] != "ok":
        return recs
    B_est = np.array(out["B_est"], dtype=int)
    cpdag = _metrics.cl_to_cpdag(out["cl_graph"]) if "cl_graph" in out else None
    _score_one(ds, rec, B_est, cpdag)
    rec["edges"] = edge_list(B_est)
    if cpdag is not None:
        rec["cpdag"] = cpdag.tolist()
    for name, var in (out.get("variants") or {}).items():
        vrec = dict(base, method=f"{method}[{name}]", status="ok")
        vrec["fit_seconds"] = var.get("fit_seconds")
        vrec["fit_cpu_seconds"] = var.get("fit_cpu_seconds")
        Bv = np.array(var["B_est"], dtype=int)
        _score_one(ds, vrec, Bv, None)
        vrec["edges"] = edge_list(Bv)
        recs.append(vrec)
    return recs


def edge_list(B):
    """[[i, j], ...] for the edges i -> j of B."""
    return np.argwhere(_metrics.binary(B)).tolist()


def make_batches(datasets, methods, max_d_per_setting=20, scales=None, max_d=None, per_env=False):
    """Worker batches, slowest first: for each method, one batch per setting (its seeds
    x scales) up to ``max_d_per_setting`` nodes, one batch per dataset above (long
    fits gain little from sharing a process and would make one long queue).
    ``max_d``: {method: largest d it runs on}. ``per_env``: one batch per Python environment
    for every method and dataset up to ``max_d_per_setting`` nodes (each worker pays its
    imports once; a batch's tasks name their own method)."""
    batches = []
    max_d = max_d or {}
    for method in methods:
        groups = {}
        for ds in datasets:
            if ds["d"] > max_d.get(method, ds["d"]):
                continue
            small = ds["d"] <= max_d_per_setting
            key = ("all" if per_env else ds["setting"]) if small else ds["name"]
            groups.setdefault(key, []).append(ds)
        for key, group in groups.items():
            own = scales(method) if scales else ("raw", "std")
            tasks = [(ds, method, s) for ds in group for s in own]
            size = group[0]["d"] ** 2 * max(1.0, group[0]["n"] / 1000) ** 0.5
            cost = len(tasks) * size * COST.get(method, 1)
            batches.append((cost, method, key, tasks))
    if per_env:  # the "all" batches of one environment become one
        merged, rest = {}, []
        for batch in batches:
            if batch[2] != "all":
                rest.append(batch)
                continue
            env = METHOD_ENV[batch[1]][0]
            cost, method, _, tasks = merged.get(env, (0.0, batch[1], "all", []))
            merged[env] = (cost + batch[0], method, "all", tasks + batch[3])
        batches = rest + [(c, m, f"all_{env}", t) for env, (c, m, _, t) in merged.items()]
    batches.sort(key=lambda b: -b[0])
    return [b[1:] for b in batches]


def run_batch(batch, workdir, pythons, env, timeout, report):
    """Run one batch in one worker process; returns its run records."""
    method, key, tasks = batch
    safe = key.replace(" ", "_").replace("=", "").replace("+", "")
    stem = os.path.join(workdir, f"{method}.{safe}")
    jobs = [
        {
            "method": m,
            "data": ds["path"],
            "scale": s,
            "out": os.path.join(workdir, f"{m}.{safe}.{ds['name']}.{s}.json"),
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
    recs = []
    for (ds, m, s), out in zip(tasks, outs):
        scored = score(ds, m, s, out)
        report(scored[0])
        recs.extend(scored)
    return recs


def _progress(i, total, rec):
    """One line per finished fit."""
    if rec["status"] == "ok":
        what = f"class SHD {rec['shd_cpdag']:3d}  SHD {rec['shd']:3d}  {rec['fit_seconds']:.1f} s"
    else:
        what = f"{rec['status']}: {(rec.get('note') or '')[:120]}"
    print(
        f"[{i:3d}/{total}] {rec['method']:14s} {rec['dataset']:30s} {rec['scale']}  {what}",
        flush=True,
    )


def run_all(datasets, args, src):
    """Run every (dataset, method, scale) fit, ``args.jobs`` worker processes at a time."""
    pythons, env = interpreters(), worker_env(src)
    if args.no_ablations:
        env["STABLEDAG_BENCH_ABLATIONS"] = "0"
    total = sum(
        len(method_scales(args, m))
        for m in args.methods
        for ds in datasets
        if ds["d"] <= args.max_d.get(m, ds["d"])
    )
    lock, runs, done = threading.Lock(), [], [0]

    def report(rec):
        with lock:
            done[0] += 1
            _progress(done[0], total, rec)

    with tempfile.TemporaryDirectory(prefix="stabledag-bench-") as workdir:
        for ds in datasets:
            ds["path"] = os.path.join(workdir, ds["name"] + ".npz")
            np.savez(ds["path"], X=ds["X"])
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futs = [
                pool.submit(run_batch, b, workdir, pythons, env, args.timeout, report)
                for b in make_batches(
                    datasets,
                    args.methods,
                    scales=lambda m: method_scales(args, m),
                    max_d=args.max_d,
                    per_env=args.batch_per_env,
                )
            ]
            for fut in futs:
                runs.extend(fut.result())
    order = {ds["name"]: k for k, ds in enumerate(datasets)}
    runs.sort(key=lambda r: (order[r["dataset"]], r["method"], r["scale"]))
    return runs


def environment(args, runs):
    """Interpreters, package versions and machine facts for the JSON file."""
    versions = {}
    for r in runs:
        if r.get("version") and r["method"] in METHOD_ENV:
            versions[METHOD_ENV[r["method"]][2]] = r["version"]
    return {
        "interpreters": interpreters(),
        "versions": versions,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "jobs": args.jobs,
        "timeout_s": args.timeout,
        "threads_per_fit": 1,
        "time_limit": "CPU seconds per fit (see _runner.py)",
    }


def command_line(args):
    """The accuracy.py command that reproduces this run."""
    parts = ["python benchmarks/accuracy.py"]
    if args.sachs_only:
        parts.append("--sachs-only")
    else:
        parts += ["--generators", ",".join(args.generators), "--ds", ",".join(map(str, args.ds))]
        if args.ns != [1000]:
            parts += ["--ns", ",".join(map(str, args.ns))]
        if args.seed_set == "custom":
            parts += ["--seeds", ",".join(map(str, args.seeds))]
        else:
            parts += ["--seed-set", args.seed_set]
        if args.sem != "linear":
            parts += ["--sem", args.sem]
        if args.noise != "gaussian":
            parts += ["--noise", args.noise]
        if args.no_sachs:
            parts.append("--no-sachs")
    parts += ["--methods", ",".join(args.methods)]
    scales = [f"{m}:{s}" for m, ss in args.scales.items() if m for s in ss]
    parts += ["--scales", ",".join(args.scales[None] + scales)]
    if args.max_d:
        parts += ["--max-d", ",".join(f"{m}:{d}" for m, d in args.max_d.items())]
    if args.no_ablations:
        parts.append("--no-ablations")
    parts += ["--tag", args.tag]
    return " ".join(parts)


def header(args, datasets, elapsed):
    """Markdown heading with the run's configuration."""
    sachs = any(ds["setting"] == "Sachs" for ds in datasets)
    extra = "; plus Sachs (853 x 11, 17-edge consensus DAG)" if sachs else ""
    if args.sachs_only:
        data = "Sachs only (853 x 11, 17-edge consensus DAG). "
    else:
        kind = (
            "Nonlinear MLP SEM (sigmoid, 100 hidden units per node), N(0, 1) noise"
            if args.sem == "mlp"
            else f"Linear SEM, {args.noise} noise"
        )
        ns = ", ".join(f"{n:g}" for n in args.ns)
        data = (
            f"{kind}; generators {', '.join(args.generators)} (see benchmarks/_data.py), "
            f"d = {', '.join(map(str, args.ds))}, n = {ns}; {args.seed_set} seeds "
            f"{_seed_text(args.seeds)}{extra}. "
        )
    title = args.title or f"stabledag accuracy benchmark ({args.tag})"
    return (
        f"## {title}\n\n"
        + data
        + "Cells: median over seeds [10%-90% quantiles, numpy's linear interpolation]. "
        f"{args.jobs} parallel worker process(es), one thread each, a limit of "
        f"{args.timeout:g} CPU seconds per fit; whole run {elapsed / 60:.0f} min (wall clock) "
        "on a machine shared with other work: seconds in the tables are CPU seconds of the "
        "fit, indicative only.\n\n"
        f"Command: `{command_line(args)}`"
    )


def _seed_text(seeds):
    """'1000-1009' for a range, else the list."""
    seeds = list(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds))


def write_results(args, datasets, runs, elapsed):
    """Write the JSON, Markdown and PNG files; print the Markdown."""
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, "accuracy_" + args.tag)
    info = _report.setting_info(datasets)
    head = header(args, datasets, elapsed)
    md = render(stem, runs, info, head)
    drop = ("X", "path", "B_true", "S")
    meta = [{k: v for k, v in ds.items() if k not in drop} for ds in datasets]
    for m, ds in zip(meta, datasets):
        m["edges_true"] = edge_list(ds["B_true"])
    doc = {
        "mode": args.mode,
        "tag": args.tag,
        "command": command_line(args),
        "sem": args.sem,
        "methods": args.methods,
        "seed_set": args.seed_set,
        "seeds": args.seeds,
        "elapsed_seconds": elapsed,
        "header": head,
        "environment": environment(args, runs),
        "datasets": meta,
        "settings": info,
        "runs": runs,
    }
    with open(stem + ".json", "w") as f:
        write_json(doc, f)
    print("\n" + md)
    try:
        _report.plot(runs, info, stem + ".png")
        print(f"wrote {stem}.{{json,md,png}}")
    except ImportError as exc:
        print(f"wrote {stem}.{{json,md}}; no plot ({exc})")


def render(stem, runs, info, head):
    """Write ``stem.md`` (the whole report) and its excerpts ``stem.<part>.md`` (the heading
    and one group of tables each, for the documentation); returns the whole report."""
    parts = _report.sections(runs, info, head)
    md = "\n\n".join(parts.values()) + "\n"
    with open(stem + ".md", "w") as f:
        f.write(md)
    for key in ("class", "search", "reversible", "ablation", "edges"):
        if key in parts:
            with open(f"{stem}.{key}.md", "w") as f:
                f.write(parts["header"] + "\n\n" + parts[key] + "\n")
    return md


def own_seconds(runs):
    """Correct records written before ``peers.run`` timed a method apart from its ablations.

    Until then a method that also ran ablation variants (``stabledag``, ``stabledag_mlp``)
    was timed over the whole call, variants included. For such a record (no
    ``call_cpu_seconds`` and variant records of the same dataset and scale) the call's
    seconds move to ``call_seconds`` / ``call_cpu_seconds`` and the fit's become the call's
    minus the variants' (each variant was timed on its own in the same process; what is left
    also holds the few array operations between the variants). Returns how many records
    changed; ``runs`` is changed in place.
    """
    variants = {}
    for r in runs:
        if "[" in r["method"]:
            key = (r["method"].split("[")[0], r["dataset"], r["scale"])
            variants.setdefault(key, []).append(r)
    changed = 0
    for r in runs:
        mine = variants.get((r["method"], r["dataset"], r["scale"]))
        if not mine or "call_cpu_seconds" in r or r.get("status") != "ok":
            continue
        for own, call in (("fit_seconds", "call_seconds"), ("fit_cpu_seconds", "call_cpu_seconds")):
            if r.get(own) is None:
                continue
            r[call] = r[own]
            r[own] = r[own] - sum(v.get(own) or 0.0 for v in mine)
        r["seconds_note"] = "call minus its ablation variants (own_seconds)"
        changed += 1
    return changed


def rerender(path):
    """Rewrite the Markdown files and the plot of a results JSON (after a report change).

    Records timed with their ablation variants are corrected first (:func:`own_seconds`)
    and the JSON is rewritten with them.
    """
    with open(path) as f:
        doc = json.load(f)
    if own_seconds(doc["runs"]):
        with open(path, "w") as f:
            write_json(doc, f)
    stem = path[: -len(".json")]
    render(stem, doc["runs"], doc["settings"], doc["header"])
    try:
        _report.plot(doc["runs"], doc["settings"], stem + ".png")
    except ImportError:
        pass
    print(f"rewrote {stem}.md and its excerpts")


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
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--rerender"]:
        for path in argv[1:]:
            rerender(path)
        return 0
    args = parse_args(argv)
    t0 = time.perf_counter()
    src = checkout_src()
    _check_ebic_gamma()
    datasets = make_datasets(args)
    n_fits = sum(
        len(method_scales(args, m))
        for m in args.methods
        for ds in datasets
        if ds["d"] <= args.max_d.get(m, ds["d"])
    )
    print(
        f"{len(datasets)} datasets, {n_fits} fits ({len(args.methods)} methods); "
        f"interpreters: {interpreters()}",
        flush=True,
    )
    runs = run_all(datasets, args, src)
    write_results(args, datasets, runs, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
