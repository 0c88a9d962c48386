"""Cross-check stabledag's equivalence classes and graph converters against causal-learn.

Run with the peers' interpreter (causal-learn is not a stabledag dependency)::

    $STABLEDAG_PEERS_PYTHON benchmarks/crosscheck_causallearn.py [--n-dags 600]

1. ``stabledag.graph.dag_to_cpdag`` against causal-learn's ``dag2cpdag`` (Chickering's
   labelling too, written independently) on random DAGs, d = 2..40, sparse to dense.
2. The endpoint convention of ``from_causallearn`` / ``to_causallearn`` against causal-learn
   itself: each edge of our matrix written into a ``GeneralGraph`` and read back by
   causal-learn's own edge printing (``X1 --> X2``, ``X1 --- X2``).
3. The same on real output: causal-learn's PC (Fisher z, alpha 0.05) and GES (BIC) on
   n = 5000 rows of a linear Gaussian SEM whose class has compelled and reversible edges;
   ``from_causallearn`` of their graphs is compared with the true class (``shd_cpdag``).

Prints a Markdown table and writes ``benchmarks/results/crosscheck_causallearn.json``.
Timings are taken on a shared machine: indicative only.
"""

import argparse
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

from stabledag.graph import dag_to_cpdag, from_causallearn, to_causallearn  # noqa: E402
from stabledag.metrics import shd_cpdag  # noqa: E402


def _random_dag(rng, d, p):
    lower = np.tril(rng.random((d, d)) < p, k=-1)
    perm = rng.permutation(d)
    return lower[np.ix_(perm, perm)].astype(int)


def _cl_dag(B):
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode

    nodes = [GraphNode(f"X{i + 1}") for i in range(B.shape[0])]
    G = Dag(nodes)
    for i, j in zip(*np.nonzero(B)):
        G.add_directed_edge(nodes[i], nodes[j])
    return G


def check_dag2cpdag(n_dags, seed=0):
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    rng = np.random.default_rng(seed)
    agree, n_undirected, n_directed, t_ours, t_theirs = 0, 0, 0, 0.0, 0.0
    mismatches = []
    for k in range(n_dags):
        d = int(rng.integers(2, 41))
        B = _random_dag(rng, d, rng.uniform(0.5, 3.0) / d)
        t = time.perf_counter()
        ours = dag_to_cpdag(B)
        t_ours += time.perf_counter() - t
        G = _cl_dag(B)
        t = time.perf_counter()
        theirs = from_causallearn(dag2cpdag(G))
        t_theirs += time.perf_counter() - t
        if np.array_equal(ours, theirs):
            agree += 1
        else:
            mismatches.append(k)
        n_undirected += int(np.triu(ours & ours.T).sum())
        n_directed += int((ours & (1 - ours.T)).sum())
    return {
        "n_dags": n_dags,
        "identical": agree,
        "mismatched_dags": mismatches,
        "undirected_edges": n_undirected,
        "directed_edges": n_directed,
        "seconds_stabledag": t_ours,
        "seconds_causallearn": t_theirs,
    }


def check_convention(n_graphs=200, seed=1):
    """Our matrix -> causal-learn array -> GeneralGraph -> causal-learn's own edge strings."""
    from causallearn.graph.GeneralGraph import GeneralGraph
    from causallearn.graph.GraphNode import GraphNode

    rng = np.random.default_rng(seed)
    ok = 0
    for _ in range(n_graphs):
        d = int(rng.integers(2, 12))
        M = dag_to_cpdag(_random_dag(rng, d, 0.4))
        nodes = [GraphNode(f"X{i + 1}") for i in range(d)]
        G = GeneralGraph(nodes)
        G.graph = to_causallearn(M)
        printed = {str(e) for e in G.get_graph_edges()}
        expected = {
            f"X{i + 1} --> X{j + 1}" if not M[j, i] else f"X{i + 1} --- X{j + 1}"
            for i, j in zip(*np.nonzero(M))
            if not (M[j, i] and j < i)
        }
        ok += printed == expected and np.array_equal(from_causallearn(G), M)
    return {"n_graphs": n_graphs, "identical": ok}


def _simulate(B, n, rng):
    d = B.shape[0]
    W = B * rng.uniform(0.8, 1.5, B.shape) * rng.choice([-1, 1], B.shape)
    E = rng.normal(size=(n, d))
    return E @ np.linalg.inv(np.eye(d) - W)


def check_pc_ges(n=5000, seed=2):
    from causallearn.search.ConstraintBased.PC import pc
    from causallearn.search.ScoreBased.GES import ges

    # 0 -> 2 <- 1 (a v-structure), then 2 -> 3 -> 4 -> 5 compelled by Meek's rule 1; a
    # separate chain 6 - 7 - 8 stays undirected
    B = np.zeros((9, 9), dtype=int)
    for i, j in [(0, 2), (1, 2), (2, 3), (3, 4), (4, 5), (6, 7), (7, 8)]:
        B[i, j] = 1
    truth = dag_to_cpdag(B)
    X = _simulate(B, n, np.random.default_rng(seed))
    out = {"true_directed": int((truth & (1 - truth.T)).sum())}
    out["true_undirected"] = int(np.triu(truth & truth.T).sum())
    cg = pc(X, 0.05, "fisherz", show_progress=False)
    pc_graph = from_causallearn(cg)  # a CausalGraph: .G.graph
    out["pc_shd_cpdag"] = shd_cpdag(truth, pc_graph)
    out["pc_edges"] = [str(e) for e in cg.G.get_graph_edges()]
    record = ges(X, score_func="local_score_BIC")
    ges_graph = from_causallearn(record["G"])  # a GeneralGraph: .graph
    out["ges_shd_cpdag"] = shd_cpdag(truth, ges_graph)
    out["ges_edges"] = [str(e) for e in record["G"].get_graph_edges()]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-dags", type=int, default=600)
    args = parser.parse_args(argv)
    from importlib.metadata import version

    import causallearn  # noqa: F401

    result = {
        "causal-learn": version("causal-learn"),
        "dag2cpdag": check_dag2cpdag(args.n_dags),
        "convention": check_convention(),
        "pc_ges": check_pc_ges(),
    }
    a, c, p = result["dag2cpdag"], result["convention"], result["pc_ges"]
    print(f"causal-learn {result['causal-learn']}\n")
    print("| check | result |")
    print("|---|---|")
    print(
        f"| dag_to_cpdag vs dag2cpdag, {a['n_dags']} random DAGs (d 2-40) | "
        f"{a['identical']}/{a['n_dags']} identical ({a['directed_edges']} directed, "
        f"{a['undirected_edges']} undirected edges) |"
    )
    print(
        f"| time, all DAGs (indicative) | stabledag {a['seconds_stabledag']:.2f} s, "
        f"causal-learn {a['seconds_causallearn']:.2f} s |"
    )
    print(
        f"| to_causallearn read by causal-learn's own edge printing | "
        f"{c['identical']}/{c['n_graphs']} identical |"
    )
    print(
        f"| PC on n=5000 (true class: {p['true_directed']} directed, {p['true_undirected']} "
        f"undirected): shd_cpdag of from_causallearn(cg) | {p['pc_shd_cpdag']} |"
    )
    print(f"| GES (BIC) on the same data: shd_cpdag | {p['ges_shd_cpdag']} |")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", "crosscheck_causallearn.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1)
    print(f"\nwrote {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
