"""The random-feature BIC's effective degrees of freedom against n (``model="mlp"``).

    python benchmarks/nonlinear_df.py

``stabledag._nonlinear_scores.RandomFeatureBIC`` (private) charges each node
``log(n)/2 * df`` with ``df = sum_k l_k / (l_k + ridge)`` over the eigenvalues ``l_k`` of
``F^T F``, ``F`` the standardized parents and 20 random sigmoid features, ``ridge = 1``.
The eigenvalues grow like n while the ridge is fixed, so df grows with n towards the number
of basis columns (|P| + 20).  This script measures df for 1, 2 and 4 parents at
n = 1e2 ... 1e5 (standard Gaussian parents).  Writes ``<out-dir>/nonlinear_df.md``.
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def effective_df(n, n_parents, seed=0):
    """df of the random-feature ridge of one node on ``n_parents`` Gaussian parents."""
    from stabledag._nonlinear_scores import RandomFeatureBIC

    Z = np.random.default_rng(seed).normal(size=(n, n_parents + 1))
    cost = RandomFeatureBIC(Z)
    F = cost._features(list(range(1, n_parents + 1)))
    evals = np.maximum(np.linalg.eigvalsh(F.T @ F), 0.0)
    return float((evals / (evals + cost.ridge)).sum()), F.shape[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    args = ap.parse_args(argv)
    ns = (100, 1000, 10000, 100000)
    lines = [
        '## Effective degrees of freedom of the random-feature BIC (`model="mlp"`)',
        "",
        "`RandomFeatureBIC` (ridge 1, 20 random features) on standard Gaussian parents; "
        "command: `python benchmarks/nonlinear_df.py`. The last column is the number of "
        "basis columns, the limit of df as n grows.",
        "",
        "| parents | " + " | ".join(f"n = {n:g}" for n in ns) + " | basis columns |",
        "|---|" + "---|" * (len(ns) + 1),
    ]
    for p in (1, 2, 4):
        dfs = [effective_df(n, p) for n in ns]
        lines.append(f"| {p} | " + " | ".join(f"{df:.1f}" for df, _ in dfs) + f" | {dfs[0][1]} |")
    md = "\n".join(lines) + "\n"
    print(md)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "nonlinear_df.md"), "w") as f:
        f.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
