"""Equivalence-class accuracy: stabledag's class next to PC's and GES's, same data, same metric.

Usage::

    python benchmarks/classes.py                       # ER2/SF2, d = 10, 20, 50, seeds 0-2
    python benchmarks/classes.py --ds 10,20 --seeds 0  # a smaller grid
    python benchmarks/classes.py --worker pc DATA.npz OUT.json   # (internal) one peer fit

Data: the reference linear SEMs of ``_data.py`` (ER2 / SF2, n = 1000, equal-variance
Gaussian noise, seeds 0, 1, 2 as in ``accuracy.py``), every column standardized to mean 0
and variance 1 before any method sees it (so no method can read the causal order off the
marginal variances).

Methods (each scored by its Markov equivalence class against the true DAG's class):

* ``stabledag``: ``StableDAGLearner(random_state=0)``, the default unit-free mode;
  its class is ``predict_cpdag()``. Its DAG SHD (``predict_graph()``) is reported too.
* ``pc``: causal-learn ``pc(X, 0.05, "fisherz")``, the settings of ``peers.py``.
* ``ges``: causal-learn ``ges(X, score_func="local_score_BIC")``, as in ``peers.py``.

PC and GES run in the peers' interpreter (``STABLEDAG_PEERS_PYTHON``, default this one) in
a subprocess per fit (``--timeout`` seconds of wall-clock time each); their endpoint
matrices are converted with ``stabledag.graph.from_causallearn``. A bidirected edge in PC's
output (conflicting orientations, ``1`` at both ends) is scored as undirected and counted
in ``n_bidirected``.

Metrics (``stabledag.metrics``): ``shd_cpdag`` (a pair counts 1 when its mark differs:
none, ->, <-, -), skeleton F1 and arrowhead F1 of the classes, with ``est_as_given=True``
(the estimate's marks as they are). For the peers, the anchors' DAG SHD of the directed
part (undirected edges counted as missing) is recorded as ``shd_directed_part``.

Output: ``benchmarks/results/classes.json`` (every run, per seed) and ``classes.md``
(medians per setting, then the per-seed values). The JSON is written after every run and
an existing file is resumed (``--fresh`` starts over). Timings are from a shared machine:
indicative only.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
METHODS = ("stabledag", "pc", "ges")


# ------------------------------------------------------------------ worker (peers' python)
def _worker(method, data_path, out_path):
    """Fit PC or GES on the rows in ``data_path``; write causal-learn's endpoint matrix."""
    import warnings

    warnings.filterwarnings("ignore")
    X = np.load(data_path)["X"]
    start = time.perf_counter()
    if method == "pc":
        from causallearn.search.ConstraintBased.PC import pc

        G = pc(X.copy(), 0.05, "fisherz", show_progress=False).G.graph
    elif method == "ges":
        from causallearn.search.ScoreBased.GES import ges

        G = ges(X.copy(), score_func="local_score_BIC")["G"].graph
    else:
        raise SystemExit(f"unknown peer method {method!r}")
    seconds = time.perf_counter() - start
    import causallearn

    with open(out_path, "w") as fh:
        json.dump(
            {
                "cl_graph": np.asarray(G, dtype=int).tolist(),
                "fit_seconds": seconds,
                "version": getattr(causallearn, "__version__", "unknown"),
            },
            fh,
        )


# ------------------------------------------------------------------ driver
def _standardized(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _peer_python():
    return os.environ.get("STABLEDAG_PEERS_PYTHON", sys.executable)


def _run_peer(method, X, timeout):
    """``(endpoint matrix or None, record)`` from a subprocess in the peers' interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        data, out = os.path.join(tmp, "data.npz"), os.path.join(tmp, "out.json")
        np.savez(data, X=X)
        cmd = [_peer_python(), os.path.abspath(__file__), "--worker", method, data, out]
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, {"status": "timeout", "wall_seconds": timeout}
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not os.path.exists(out):
            return None, {"status": "error", "note": proc.stderr[-800:], "wall_seconds": wall}
        with open(out) as fh:
            result = json.load(fh)
    G = np.asarray(result.pop("cl_graph"), dtype=int)
    return G, {"status": "ok", "wall_seconds": wall, **result}


def _peer_class(G):
    """causal-learn endpoints -> stabledag marks; bidirected edges become undirected."""
    from stabledag.graph import from_causallearn

    G = G.copy()
    both = (G == 1) & (G.T == 1)
    G[both] = -1
    return from_causallearn(G), int(np.triu(both).sum())


def _score(B_true, M):
    from stabledag.metrics import class_accuracy

    acc = class_accuracy(B_true, M, est_as_given=True)
    und = int(np.triu((M != 0) & (M.T != 0)).sum())
    return {
        "shd_cpdag": int(acc["shd_cpdag"]),
        "skeleton_f1": float(acc["skeleton_f1"]),
        "arrowhead_f1": float(acc["arrowhead_f1"]),
        "n_edges": int(np.triu((M != 0) | (M.T != 0)).sum()),
        "n_undirected": und,
    }


def _run_stabledag(X, B_true):
    import warnings

    from stabledag import StableDAGLearner
    from stabledag.metrics import shd

    est = StableDAGLearner(random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X)
    seconds = time.perf_counter() - start
    record = {"status": "ok", "fit_seconds": seconds, **_score(B_true, est.predict_cpdag())}
    record["shd_dag"] = int(shd(B_true, est.predict_graph()))
    record["warnings"] = sorted({type(w.message).__name__ for w in caught})
    return record


def _run_one(method, X, B_true, timeout):
    if method == "stabledag":
        return _run_stabledag(X, B_true)
    from stabledag.metrics import shd

    G, record = _run_peer(method, X, timeout)
    if G is None:
        return record
    M, n_bi = _peer_class(G)
    record.update(_score(B_true, M), n_bidirected=n_bi)
    directed = ((M != 0) & (M.T == 0)).astype(int)
    record["shd_directed_part"] = int(shd(B_true, directed))
    return record


def _true_class_info(B):
    from stabledag.graph import dag_to_cpdag

    C = dag_to_cpdag(B)
    return {"n_true_edges": int(B.sum()), "n_true_undirected": int(np.triu(C & C.T).sum())}


def _load(path, fresh):
    if fresh or not os.path.exists(path):
        return {"runs": []}
    with open(path) as fh:
        return json.load(fh)


def _median(values):
    return float(np.median(values)) if values else float("nan")


def _fmt(x):
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def markdown(results, settings, seeds):
    runs = results["runs"]
    by = {(r["setting"], r["seed"], r["method"]): r for r in runs}
    lines = [
        "# Equivalence-class SHD on standardized data (n = 1000)",
        "",
        f"Same run, same data: the reference ER2 / SF2 linear SEMs (`benchmarks/_data.py`), "
        f"seeds {', '.join(map(str, seeds))}, every column standardized. Each method is "
        "scored by its Markov equivalence class against the true DAG's class "
        "(`stabledag.metrics.shd_cpdag`, a pair counts 1 when its mark differs). "
        "stabledag: `StableDAGLearner(random_state=0)`, class = `predict_cpdag()`; "
        "PC: causal-learn `pc(X, 0.05, 'fisherz')`; GES: causal-learn "
        "`ges(X, 'local_score_BIC')`, converted with `stabledag.graph.from_causallearn`.",
        "",
        "## Medians over seeds",
        "",
        "| setting | true edges (undirected in class) | stabledag class SHD | PC class SHD "
        "| GES class SHD | stabledag DAG SHD | at or under both |",
        "|---|---|---|---|---|---|---|",
    ]
    for setting in settings:
        cells, info = {}, None
        for method in METHODS:
            vals = []
            for seed in seeds:
                r = by.get((setting, seed, method))
                if r is not None and r.get("status") == "ok":
                    vals.append(r["shd_cpdag"])
                    info = info or r
            n_missing = len(seeds) - len(vals)
            cells[method] = (_median(vals), n_missing)
        dag = [
            by[(setting, s, "stabledag")]["shd_dag"]
            for s in seeds
            if by.get((setting, s, "stabledag"), {}).get("status") == "ok"
        ]
        if info is None:
            continue
        ours = cells["stabledag"][0]
        verdict = all(not np.isnan(ours) and (np.isnan(v) or ours <= v) for v, _ in cells.values())
        shown = {
            m: _fmt(v) + (f" ({len(seeds) - k} seeds)" if k else "") for m, (v, k) in cells.items()
        }
        lines.append(
            f"| {setting} | {info['n_true_edges']} ({info['n_true_undirected']}) | "
            f"{shown['stabledag']} | {shown['pc']} | {shown['ges']} | {_fmt(_median(dag))} | "
            f"{'yes' if verdict else 'no'} |"
        )
    lines += [
        "",
        "## Per seed",
        "",
        "Class SHD, with skeleton F1 / arrowhead F1 and undirected edges in the estimate; "
        "fit seconds on a shared 2-core machine (indicative only).",
        "",
        "| setting | seed | method | class SHD | DAG SHD | skeleton F1 | arrowhead F1 "
        "| undirected | seconds | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for setting in settings:
        for seed in seeds:
            for method in METHODS:
                r = by.get((setting, seed, method))
                if r is None:
                    continue
                if r.get("status") != "ok":
                    lines.append(
                        f"| {setting} | {seed} | {method} | {r['status']} | | | | | "
                        f"{r.get('wall_seconds', 0):.0f} | |"
                    )
                    continue
                dag = r.get("shd_dag", r.get("shd_directed_part"))
                note = "DAG SHD: directed part" if "shd_directed_part" in r else ""
                if r.get("n_bidirected"):
                    note += f"; {r['n_bidirected']} bidirected scored as undirected"
                seconds = r.get("fit_seconds", r.get("wall_seconds", float("nan")))
                lines.append(
                    f"| {setting} | {seed} | {method} | {r['shd_cpdag']} | {dag} | "
                    f"{r['skeleton_f1']:.2f} | {r['arrowhead_f1']:.2f} | {r['n_undirected']} | "
                    f"{seconds:.1f} | {note.strip('; ')} |"
                )
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", nargs=3, metavar=("METHOD", "DATA", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--graphs", default="ER,SF")
    ap.add_argument("--ds", default="10,20,50")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per peer fit")
    ap.add_argument("--name", default="classes", help="results file stem")
    ap.add_argument("--fresh", action="store_true", help="ignore an existing results file")
    args = ap.parse_args(argv)
    if args.worker:
        _worker(*args.worker)
        return 0
    sys.path.insert(0, HERE)
    from _data import make_dataset

    graphs = args.graphs.split(",")
    ds = [int(v) for v in args.ds.split(",")]
    seeds = [int(v) for v in args.seeds.split(",")]
    methods = args.methods.split(",")
    os.makedirs(RESULTS, exist_ok=True)
    json_path = os.path.join(RESULTS, f"{args.name}.json")
    results = _load(json_path, args.fresh)
    done = {(r["setting"], r["seed"], r["method"]) for r in results["runs"]}
    settings = [f"{g}2 d={d}" for g in graphs for d in ds]
    for graph in graphs:
        for d in ds:
            setting = f"{graph}2 d={d}"
            for seed in seeds:
                X, B, _ = make_dataset(graph, 2, d, 1000, seed)
                X = _standardized(X)
                for method in methods:
                    if (setting, seed, method) in done:
                        continue
                    record = _run_one(method, X, B, args.timeout)
                    record.update(setting=setting, seed=seed, method=method)
                    record.update(_true_class_info(B))
                    results["runs"].append(record)
                    shown = record.get("shd_cpdag", record["status"])
                    print(f"{setting} seed {seed} {method}: class SHD {shown}", flush=True)
                    with open(json_path, "w") as fh:
                        json.dump(results, fh, indent=1)
    table = markdown(results, settings, seeds)
    with open(os.path.join(RESULTS, f"{args.name}.md"), "w") as fh:
        fh.write(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
