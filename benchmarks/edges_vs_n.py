"""Does the graph grow with n on data the linear model does not fit exactly? (issue 18)

    python benchmarks/edges_vs_n.py           # 5 generators x n = 1e3, 1e4, 1e5 x 2 seeds; Sachs
    python benchmarks/edges_vs_n.py --quick   # 1 seed, n = 1e3 and 1e4

Data (d = 10, ER2 graph with 20 edges, weights U(+-[0.5, 2]), each variable standardized as
it is generated, Gaussian noise unless said): ``linear`` (the model holds: the control),
``weak`` (linear, weights U(+-[0.1, 0.3]): the price of capping the criterion's n),
``quadratic`` (each child adds 0.3 x the standardized square of its linear predictor),
``tanh`` (the child is 2 tanh of its linear predictor), ``laplace`` (linear, Laplace
noise); and the embedded Sachs data (853 rows), subsampled (200, 400 rows) and whole.
Methods, in the same run: stabledag's default (``max_selection_samples=2000``), the same
with the cap off (``max_selection_samples=None``: the criterion before issue 18), PC
(Fisher z, alpha 0.05; CPDAG scored as a class) and DAGMA (peers' settings of
``benchmarks/peers.py``; DAG). Reported: edges, DAG SHD and class SHD, per n. Writes
``benchmarks/results/edges_vs_n.{json,md}``. PC and DAGMA run in the peers' interpreter
(``STABLEDAG_PEERS_PYTHON``); without it they are left out.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

from stabledag import StableDAGLearner  # noqa: E402
from stabledag.datasets import load_sachs, simulate_dag, simulate_parameter  # noqa: E402
from stabledag.graph import from_causallearn, topological_order  # noqa: E402
from stabledag.metrics import shd, shd_cpdag  # noqa: E402

D = 10
GENERATORS = ("linear", "weak", "quadratic", "tanh", "laplace")


def simulate(kind, n, seed):
    """(X, B) for one generator (see the module docstring)."""
    B = simulate_dag(D, 2 * D, "ER", random_state=seed)
    ranges = ((-0.3, -0.1), (0.1, 0.3)) if kind == "weak" else ((-2.0, -0.5), (0.5, 2.0))
    W = simulate_parameter(B, w_ranges=ranges, random_state=seed)
    rng = np.random.default_rng([seed, n])
    X = np.zeros((n, D))
    for j in topological_order(B):
        parents = np.flatnonzero(B[:, j])
        signal = X[:, parents] @ W[parents, j]
        if parents.size and kind == "quadratic":
            signal = signal + 0.3 * (signal**2 - (signal**2).mean()) / signal.std()
        if parents.size and kind == "tanh":
            signal = 2.0 * np.tanh(signal)
        noise = rng.laplace(size=n) if kind == "laplace" else rng.normal(size=n)
        X[:, j] = signal + noise
        X[:, j] = (X[:, j] - X[:, j].mean()) / X[:, j].std()
    return X, B


def ours(X, cap):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = StableDAGLearner(random_state=0, max_selection_samples=cap).fit(X)
    return est.predict_graph(), False


PEER_CODE = r"""
import sys, json, numpy as np, warnings
warnings.simplefilter("ignore")
X = np.load(sys.argv[2]); method = sys.argv[1]
if method == "pc":
    from causallearn.search.ConstraintBased.PC import pc
    G = pc(X, 0.05, "fisherz", show_progress=False).G.graph
    print(json.dumps({"graph": np.asarray(G).tolist(), "causallearn": True}))
else:
    from dagma.linear import DagmaLinear
    W = DagmaLinear(loss_type="l2").fit(X.copy(), lambda1=0.02, w_threshold=0.3,
                                        s=[1.0, 0.9, 0.8, 0.7, 0.6])
    print(json.dumps({"graph": (np.asarray(W) != 0).astype(int).tolist(), "causallearn": False}))
"""


def peer(method, X, python, timeout):
    """(graph, is_class) from a peer run in its own interpreter, or None on failure."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "X.npy")
        np.save(path, X)
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        try:
            out = subprocess.run(
                [python, "-c", PEER_CODE, method, path],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                check=True,
            )
        except (subprocess.SubprocessError, OSError):
            return None
    result = json.loads(out.stdout.strip().splitlines()[-1])
    G = np.asarray(result["graph"])
    return (from_causallearn(G), True) if result["causallearn"] else (G, False)


def score(B, fitted):
    if fitted is None:
        return None
    G, is_class = fitted
    both = (G != 0) & (G.T != 0)
    try:
        class_shd = int(shd_cpdag(B, G))
    except ValueError:  # a cyclic "DAG" (DAGMA's thresholded output can be) has no class
        class_shd = None
    return {
        "edges": int(np.triu(both).sum() + ((G != 0) & ~both).sum()),
        "shd": None if is_class else int(shd(B, G)),
        "class_shd": class_shd,
        "cyclic": class_shd is None,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument(
        "--rerender", action="store_true", help="rebuild the table from the stored JSON"
    )
    args = ap.parse_args(argv)
    python = os.environ.get("STABLEDAG_PEERS_PYTHON")
    ns = (1000, 10000) if args.quick else (1000, 10000, 100000)
    seeds = (0,) if args.quick else (0, 1)
    methods = ["stabledag", "stabledag (uncapped)"] + (["pc", "dagma"] if python else [])
    rows = []
    tag = "_quick" if args.quick else ""
    if args.rerender:
        with open(os.path.join(args.out_dir, f"edges_vs_n{tag}.json")) as fh:
            rows = json.load(fh)
        methods = list(dict.fromkeys(r["method"] for r in rows))
    datasets = [(k, n, s, *simulate(k, n, s)) for k in GENERATORS for n in ns for s in seeds]
    if args.rerender:
        datasets = []
    sachs, B_sachs = load_sachs(return_X_y=True)
    for m in (200, 400, 853):
        for s in seeds:
            rows_ = np.random.default_rng(s).choice(len(sachs), m, replace=False)
            datasets.append(("sachs", m, s, sachs[rows_], B_sachs))
    for kind, n, seed, X, B in datasets:
        for method in methods:
            if method.startswith("stabledag"):
                fitted = ours(X, None if "uncapped" in method else 2000)
            else:
                fitted = peer(method, X, python, args.timeout)
            rows.append(
                {"data": kind, "n": n, "seed": seed, "method": method, **(score(B, fitted) or {})}
            )
            print(rows[-1], flush=True)
    lines = []
    for kinds, sizes in ((GENERATORS, ns), (("sachs",), (200, 400, 853))):
        lines += [
            "",
            "| data | method | "
            + " | ".join(f"n={n}: edges / SHD / class SHD" for n in sizes)
            + " |",
            "|---|---|" + "---|" * len(sizes),
        ]
        for kind in kinds:
            for method in methods:
                cells = []
                for n in sizes:
                    got = [
                        r
                        for r in rows
                        if r["data"] == kind and r["n"] == n and r["method"] == method
                    ]
                    got = [r for r in got if "edges" in r]
                    if not got:
                        cells.append("-")
                        continue
                    med = {
                        k: [r[k] for r in got if r[k] is not None]
                        for k in ("edges", "shd", "class_shd")
                    }
                    cells.append(
                        " / ".join(f"{np.median(v):g}" if v else "-" for v in med.values())
                    )
                lines.append(f"| {kind} | {method} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    text = (
        f"`python benchmarks/edges_vs_n.py{' --quick' if args.quick else ''}` (medians over "
        f"seeds {list(seeds)}; true graphs have 20 edges, Sachs' consensus 17; PC's SHD is "
        "its class SHD only; '-': no valid output)\n" + table + "\n"
    )
    print(text)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, f"edges_vs_n{tag}.md"), "w") as fh:
        fh.write(text)
    with open(os.path.join(args.out_dir, f"edges_vs_n{tag}.json"), "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
