"""Messy-data benchmark (issue 17): missing cells, binary / ordinal columns, monotone distortions.

Usage::

    python benchmarks/messy.py                          # design seeds 0-9 and held-out 10-19
    python benchmarks/messy.py --scenarios binary,mcar30 --seeds 10,11 --peers pc,ges
    python benchmarks/messy.py --speed                  # fit CPU s: complete vs MCAR (d = 20)
    python benchmarks/messy.py --peer METHOD DATA.npz OUT.json   # worker (peers' python)

Data: the reference linear Gaussian SEM (``_data.make_dataset``: ER2 by default, SF2 as the
generator nothing was tuned on), d = 20, columns standardized; then one distortion:

* ``complete``: none (n = 1000), for the reference and for rank vs Pearson on Gaussian data.
* ``mcar10`` / ``mcar30``: 10% / 30% of the cells missing completely at random (n = 1000).
* ``binary``: 1/3 of the columns (7 of 20) thresholded at a random quantile in [0.15, 0.85]
  (n = 2000).
* ``ordinal``: 1/3 of the columns cut into 3-5 levels at random quantiles (each level at
  least 5% of the rows; n = 2000).
* ``monotone``: half of the columns through exp, x**3 and the logistic function in turn
  (n = 1000).

How each stabledag arm is fitted: ``StableDAGLearner(random_state=0, **params).fit(table)``,
the public API and nothing else (the data-statistics stage chooses the estimator):

* ``complete``: ``pearson`` (the default) and ``rank`` (``correlation="rank"``).
* ``mcar``: ``complete_data`` (the default on the same table before cells were removed: the
  reference of the target) and ``em`` (the default on the table with NaN cells: EM).
* ``binary`` / ``ordinal``: the table as a DataFrame whose binary columns are ``bool`` and
  ordinal columns ordered ``category`` (detected from the dtypes): ``latent`` (the default:
  polychoric / polyserial latent correlation; its continuous pairs are always normal-score
  correlations, so ``correlation="rank"`` gives the same) and ``as_gaussian``
  (``column_kinds="continuous"``: the codes as Gaussian, the old behaviour).
* ``monotone``: ``untransformed`` (the default on the data before the transforms),
  ``pearson`` (the default on the transformed table), ``rank`` and ``untransformed_rank``.

Peers (``--peers``, in their own interpreter, ``$STABLEDAG_PEERS_PYTHON``): causal-learn
PC with Fisher-z (``mv_fisherz``, test-wise deletion, on the ``mcar`` scenarios), GES with
its Gaussian BIC and DAGMA (linear, l2) with ``benchmarks/peers.py``'s settings, on the
table as given (binary and ordinal columns as their 0/1/... codes), each column
standardized. GES and DAGMA cannot take missing cells and are not run on ``mcar``.

Metrics: DAG SHD (a reversed edge counts 1; PC and GES: their directed edges only) and the
equivalence-class SHD (``stabledag.metrics.shd_cpdag`` when the package has it, else the same
definition here; PC and GES: their CPDAG as given). Times are CPU seconds of this process
(``time.process_time``) on a shared machine: indicative only.
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
sys.path.insert(0, HERE)

from _data import make_dataset  # noqa: E402
from _metrics import shd  # noqa: E402

SCENARIOS = ("complete", "mcar10", "mcar30", "binary", "ordinal", "monotone")
SIZES = {"complete": 1000, "mcar10": 1000, "mcar30": 1000, "binary": 2000, "ordinal": 2000}
DESIGN_SEEDS = tuple(range(10))
HELDOUT_SEEDS = tuple(range(10, 20))
PEERS = ("pc", "ges", "dagma")


# ----------------------------------------------------------------------------- data
def latent(graph, d, n, seed):
    """Standardized linear Gaussian SEM data and its DAG."""
    X, B, _ = make_dataset(graph, 2, d, n, seed)
    return (X - X.mean(0)) / X.std(0), (B != 0).astype(int)


def some_columns(d, share, rng):
    return np.sort(rng.choice(d, size=int(round(d * share)), replace=False))


def distort(scenario, Z, seed):
    """The table of a scenario from the latent data (a new array)."""
    X = Z.copy()
    d = Z.shape[1]
    if scenario == "complete":
        return X
    if scenario.startswith("mcar"):
        rate = int(scenario[4:]) / 100
        rng = np.random.default_rng([seed, 17, int(scenario[4:])])
        X[rng.random(X.shape) < rate] = np.nan
        return X[~np.isnan(X).all(axis=1)]
    if scenario == "binary":
        rng = np.random.default_rng([seed, 23])
        for j in some_columns(d, 1 / 3, rng):
            q = rng.uniform(0.15, 0.85)
            X[:, j] = (Z[:, j] > np.quantile(Z[:, j], q)).astype(float)
        return X
    if scenario == "ordinal":
        rng = np.random.default_rng([seed, 29])
        for j in some_columns(d, 1 / 3, rng):
            levels = int(rng.integers(3, 6))
            while True:
                cuts = np.sort(rng.uniform(0.05, 0.95, levels - 1))
                if np.diff(np.r_[0, cuts, 1]).min() >= 0.05:
                    break
            X[:, j] = np.digitize(Z[:, j], np.quantile(Z[:, j], cuts)).astype(float)
        return X
    if scenario == "monotone":
        rng = np.random.default_rng([seed, 31])
        transforms = (np.exp, lambda v: v**3, lambda v: 1 / (1 + np.exp(-v)))
        for k, j in enumerate(some_columns(d, 1 / 2, rng)):
            X[:, j] = transforms[k % 3](Z[:, j])
        return X
    raise ValueError(f"unknown scenario {scenario!r}")


# ----------------------------------------------------------------------------- metrics
def _meek(M, adj):
    """Orient undirected edges of a PDAG by Meek's rules 1-3 until nothing changes."""
    d = M.shape[0]
    changed = True
    while changed:
        changed = False
        for a in range(d):
            for b in range(d):
                if not (M[a, b] and M[b, a]):
                    continue
                # R1: c -> a - b, c and b not adjacent
                r1 = any(M[c, a] and not M[a, c] and not adj[c, b] for c in range(d) if c != b)
                # R2: a -> c -> b, a - b
                r2 = any(M[a, c] and not M[c, a] and M[c, b] and not M[b, c] for c in range(d))
                # R3: a - c -> b, a - e -> b, c and e not adjacent
                cs = [c for c in range(d) if M[a, c] and M[c, a] and M[c, b] and not M[b, c]]
                r3 = any(not adj[c, e] for i, c in enumerate(cs) for e in cs[i + 1 :])
                if r1 or r2 or r3:
                    M[b, a] = 0
                    changed = True
    return M


def dag_to_cpdag(B):
    """CPDAG of a DAG: ``M[i, j] = M[j, i] = 1`` undirected, ``M[i, j] = 1`` alone i -> j."""
    B = (np.asarray(B) != 0).astype(int)
    adj = (B + B.T) > 0
    M = adj.astype(int)
    d = B.shape[0]
    for k in range(d):
        parents = np.flatnonzero(B[:, k])
        for i in parents:
            for j in parents:
                if i < j and not adj[i, j]:
                    M[k, i] = M[k, j] = 0  # v-structure i -> k <- j
    return _meek(M, adj)


def class_shd(B_true, est, est_is_cpdag=False):
    """Pairs whose mark (none, i -> j, j -> i, i - j) differs between the two CPDAGs."""
    try:
        from stabledag.metrics import shd_cpdag

        return int(shd_cpdag(B_true, est, est_as_given=est_is_cpdag))
    except ImportError:
        pass
    T = dag_to_cpdag(B_true)
    E = (np.asarray(est) != 0).astype(int) if est_is_cpdag else dag_to_cpdag(est)
    iu = np.triu_indices(T.shape[0], 1)
    return int(((T + 2 * T.T)[iu] != (E + 2 * E.T)[iu]).sum())


# ----------------------------------------------------------------------------- stabledag arms
def frame_of(scenario, X, Z):
    """The table as a user would hand it over: a DataFrame whose dtypes carry the kinds.

    Binary columns as ``bool``, ordinal ones as ordered ``category`` (so the estimator's
    dtype detection is what is exercised); missing cells as NaN."""
    import pandas as pd

    d = X.shape[1]
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(d)])
    for j in range(d):
        column = X[:, j]
        levels = np.unique(column[~np.isnan(column)])
        if np.array_equal(Z[:, j], column) or levels.size > 5:
            continue
        if levels.size == 2:
            frame[f"x{j}"] = column > levels[0]
        else:
            codes = np.searchsorted(levels, column)
            frame[f"x{j}"] = pd.Categorical.from_codes(
                codes, [f"L{k}" for k in range(levels.size)], ordered=True
            )
    return frame


def fit_api(table, **params):
    """StableDAGLearner through its public API: (DAG, CPDAG, statistics_, CPU seconds)."""
    import warnings

    from stabledag import StableDAGLearner

    t = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # findings (e.g. near-collinear columns) are not scored
        est = StableDAGLearner(random_state=0, **params).fit(table)
    seconds = time.process_time() - t
    B = (np.asarray(est.predict_graph()) != 0).astype(int)
    return B, (np.asarray(est.predict_cpdag()) != 0).astype(int), est.statistics_, seconds


def api_arms(scenario, X, Z):
    """{arm: (table, params)}: what each stabledag arm fits."""
    if scenario == "complete":
        return {"pearson": (Z, {}), "rank": (Z, {"correlation": "rank"})}
    if scenario.startswith("mcar"):
        return {"complete_data": (Z, {}), "em": (X, {})}
    if scenario in ("binary", "ordinal"):
        frame = frame_of(scenario, X, Z)
        return {
            "as_gaussian": (frame, {"column_kinds": "continuous"}),
            "latent": (frame, {}),
        }
    if scenario == "monotone":
        return {
            "untransformed": (Z, {}),
            "pearson": (X, {}),
            "rank": (X, {"correlation": "rank"}),
            "untransformed_rank": (Z, {"correlation": "rank"}),
        }
    raise ValueError(scenario)


# ----------------------------------------------------------------------------- peers
def peer_worker(method, data, out):
    """Run one peer on DATA.npz (in the peers' interpreter); write OUT.json."""
    import warnings

    warnings.filterwarnings("ignore")
    X = np.load(data)["X"]
    X = (X - np.nanmean(X, 0)) / np.nanstd(X, 0)
    rec = {"method": method}
    t = time.process_time()
    try:
        if method in ("pc", "pc_mv"):
            from causallearn.search.ConstraintBased.PC import pc

            test = "mv_fisherz" if method == "pc_mv" else "fisherz"
            G = pc(X, 0.05, test, show_progress=False).G.graph
            rec.update(cpdag_from_causallearn(G))
        elif method == "ges":
            from causallearn.search.ScoreBased.GES import ges

            G = ges(X, score_func="local_score_BIC")["G"].graph
            rec.update(cpdag_from_causallearn(G))
        elif method == "dagma":
            import peers

            B, _ = peers.FITTERS["dagma_linear"](X)
            B = (np.asarray(B) != 0).astype(int)
            rec.update(B_est=B.tolist(), cpdag=None)
        else:
            raise ValueError(method)
        rec["status"] = "ok"
    except Exception as exc:  # recorded, not raised: one failed fit does not stop the run
        rec.update(status="error", note=f"{type(exc).__name__}: {exc}")
    rec["seconds"] = time.process_time() - t
    with open(out, "w") as f:
        json.dump(rec, f)


def cpdag_from_causallearn(G):
    """Directed part (B_est) and the CPDAG (undirected and bidirected edges both ways)."""
    G = np.asarray(G)
    d = G.shape[0]
    B, M = np.zeros((d, d), int), np.zeros((d, d), int)
    for i in range(d):
        for j in range(d):
            if G[i, j] == -1 and G[j, i] == 1:
                B[i, j] = M[i, j] = 1
            elif G[i, j] != 0 and G[j, i] != 0:
                M[i, j] = M[j, i] = 1
    return {"B_est": B.tolist(), "cpdag": M.tolist()}


def run_peer(method, X, timeout):
    python = os.environ.get("STABLEDAG_PEERS_PYTHON", "/work/peers-venv/bin/python")
    with tempfile.TemporaryDirectory() as tmp:
        data, out = os.path.join(tmp, "X.npz"), os.path.join(tmp, "out.json")
        np.savez(data, X=X)
        try:
            subprocess.run(
                [python, os.path.abspath(__file__), "--peer", method, data, out],
                timeout=timeout,
                check=False,
                capture_output=True,
            )
        except subprocess.TimeoutExpired:
            return {"status": "timeout"}
        if not os.path.exists(out):
            return {"status": "crash"}
        with open(out) as f:
            return json.load(f)


# ----------------------------------------------------------------------------- driver
def evaluate(scenario, graph, seed, peers, timeout, results, save):
    n = SIZES.get(scenario, 1000)
    Z, B = latent(graph, 20, n, seed)
    X = distort(scenario, Z, seed)

    def record(arm, B_est, cpdag=None, **extra):
        key = f"{scenario}|{graph}|{seed}|{arm}"
        rec = {"scenario": scenario, "graph": graph, "seed": seed, "arm": arm}
        rec["shd"] = shd(B, B_est)
        rec["shd_cpdag"] = class_shd(B, cpdag if cpdag is not None else B_est, cpdag is not None)
        rec.update(extra)
        results[key] = rec
        save()
        print(f"{key:36s} shd {rec['shd']:3d} class {rec['shd_cpdag']:3d}", flush=True)

    def done(arm):
        return f"{scenario}|{graph}|{seed}|{arm}" in results

    for arm, (table, params) in api_arms(scenario, X, Z).items():
        if done(arm):
            continue
        B_est, cpdag, stats, seconds = fit_api(table, **params)
        record(
            arm,
            B_est,
            cpdag,
            seconds=seconds,
            n_eff=stats["n_eff"],
            estimator=stats["estimator"],
            missing_fraction=stats["missing_fraction"],
        )
    for method in peers:
        if scenario.startswith("mcar"):
            if method != "pc":
                continue
            method = "pc_mv"
        if done(method):
            continue
        rec = run_peer(method, X, timeout)
        if rec.get("status") != "ok":
            results[f"{scenario}|{graph}|{seed}|{method}"] = {
                "scenario": scenario,
                "graph": graph,
                "seed": seed,
                "arm": method,
                "status": rec.get("status"),
                "note": rec.get("note"),
            }
            save()
            print(f"{scenario}|{graph}|{seed}|{method}: {rec.get('status')} {rec.get('note')}")
            continue
        record(method, np.array(rec["B_est"]), rec.get("cpdag"), seconds=rec["seconds"])


def _spread(values):
    """``median [min–max]`` over seeds; the median alone with fewer than three seeds."""
    med = f"{np.median(values):g}"
    return f"{med} [{min(values):g}–{max(values):g}]" if len(values) >= 3 else med


def summarize(results, design, heldout):
    """Markdown tables: median [min–max] SHD / class SHD per arm, design and held-out seeds."""
    lines = []
    scenarios = [s for s in SCENARIOS if any(r["scenario"] == s for r in results.values())]
    for scenario in scenarios:
        recs = [r for r in results.values() if r["scenario"] == scenario and "shd" in r]
        arms = sorted({r["arm"] for r in recs}, key=lambda a: (a not in ("pearson",), a))
        groups = [("ER2 design", "ER", design), ("ER2 held-out", "ER", heldout)]
        groups.append(("SF2 held-out", "SF", heldout))
        lines.append(f"\n### {scenario} (d = 20, n = {SIZES.get(scenario, 1000)})\n")
        header = "| arm | " + " | ".join(f"{g[0]}: SHD / class SHD (n seeds)" for g in groups)
        lines.append(header + " | n_eff / n | CPU s (fit) |")
        lines.append("|---" * (len(groups) + 3) + "|")
        for arm in arms:
            cells = []
            for _, graph, seeds in groups:
                rs = [
                    r
                    for r in recs
                    if r["arm"] == arm and r["graph"] == graph and r["seed"] in seeds
                ]
                if not rs:
                    cells.append("")
                    continue
                cells.append(
                    f"{_spread([r['shd'] for r in rs])} / "
                    f"{_spread([r['shd_cpdag'] for r in rs])} ({len(rs)})"
                )
            rs = [r for r in recs if r["arm"] == arm]
            n = SIZES.get(scenario, 1000)
            ratio = [r["n_eff"] / n for r in rs if "n_eff" in r]
            secs = [r["seconds"] for r in rs if "seconds" in r]
            cells.append(f"{np.median(ratio):.3f}" if ratio else "")
            cells.append(f"{np.median(secs):.2f}" if secs else "")
            lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def speed(out_path, seeds=(0, 1, 2)):
    """CPU seconds of whole fits: complete against 10% / 30% MCAR (d = 20, n = 1000)."""
    rows = []
    for d in (20,):
        for seed in seeds:
            Z, _ = latent("ER", d, 1000, seed)
            for rate in (0.0, 0.1, 0.3):
                X = Z.copy()
                if rate:
                    rng = np.random.default_rng([seed, 99])
                    X[rng.random(X.shape) < rate] = np.nan
                _, _, stats, secs = fit_api(X)
                rows.append(
                    {
                        "d": d,
                        "seed": seed,
                        "missing": rate,
                        "cpu_seconds": secs,
                        "estimator": stats["estimator"],
                    }  # fmt: skip
                )
                print(f"d={d} seed={seed} missing={rate:.0%}: {secs:.2f} s", flush=True)
    with open(out_path, "w") as f:
        json.dump(rows, f, indent=1)
    return rows


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "--peer":
        peer_worker(*argv[1:4])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--graphs", default="ER")
    ap.add_argument("--seeds", default=None, help="default: design 0-9 and held-out 10-19")
    ap.add_argument("--peers", default="", help=f"comma-separated, from {PEERS}")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--jobs", type=int, default=1, help="accepted for symmetry; runs serially")
    ap.add_argument("--tag", default="messy")
    ap.add_argument(
        "--summarize-only",
        action="store_true",
        help="rewrite the Markdown tables from the results JSON, fitting nothing",
    )
    args = ap.parse_args(argv)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    if args.speed:
        speed(os.path.join(HERE, "results", f"{args.tag}_speed.json"))
        return 0
    path = os.path.join(HERE, "results", f"{args.tag}.json")
    results = {}
    if os.path.exists(path):
        with open(path) as f:
            results = json.load(f)["runs"]
    seeds = (
        [int(s) for s in args.seeds.split(",")] if args.seeds else [*DESIGN_SEEDS, *HELDOUT_SEEDS]
    )

    def save():
        with open(path + ".part", "w") as f:
            json.dump(
                {"design_seeds": DESIGN_SEEDS, "heldout_seeds": HELDOUT_SEEDS, "runs": results}, f
            )
        os.replace(path + ".part", path)

    peers = [p for p in args.peers.split(",") if p]
    for graph in [] if args.summarize_only else args.graphs.split(","):
        for scenario in args.scenarios.split(","):
            for seed in seeds:
                evaluate(scenario, graph, seed, peers, args.timeout, results, save)
    table = summarize(results, DESIGN_SEEDS, HELDOUT_SEEDS)
    print(table)
    with open(os.path.join(HERE, "results", f"{args.tag}.md"), "w") as f:
        f.write(
            "# Messy-data benchmark (benchmarks/messy.py)\n\nCells: median [min–max] over "
            "the seeds (the median alone for fewer than three seeds); the number of seeds "
            "in parentheses.\n" + table + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
