"""Benchmark data: seeded NOTEARS-style simulation and the Sachs data set.

The simulation reproduces, bit for bit, the reference grid that the peer figures in the
project's anchors were measured on (ER2 / SF2, d = 10, 20, 50, n = 1000, seeds 0, 1, 2,
linear SEM with equal-variance N(0, 1) noise):

* ER{k}: exactly k*d undirected pairs drawn uniformly, oriented along a random order.
* SF{k}: Barabasi-Albert with k edges per new node (``igraph``, driven by Python's
  ``random`` seeded with ``seed``), edges new -> old.
* a random node permutation, weights uniform on [-2, -0.5] U [0.5, 2].
* X_j = X_pa(j) W_pa(j),j + noise_j, nodes visited in Kahn (generation) order.

Everything numpy comes from ``np.random.default_rng(seed)`` in a fixed call order, so the
default Gaussian equal-variance datasets equal the reference ones exactly.  Extra options
(other noise laws, unequal noise scales) leave the graph and the weights unchanged: they
only change the noise draws (the noise scales come from a separate generator).

The nonlinear MLP SEM (``sem="mlp"``) mirrors the reference ``simulate_mlp_sem`` (NOTEARS-MLP's
``simulate_nonlinear_sem`` "mlp"): the same ER/SF graph draw, then, node by node in Kahn
order, the noise draw first and for a non-root node W1 (|pa| x 100) and W2 (100,) uniform on
[0.5, 2] with random signs; X_j = sigmoid(X_pa W1) W2 + N(0, 1).  No weight matrix is drawn
(the reference returns W = B).

Generators beyond the reference (issue 19), by name (``make_generated``):

* ``ER1``: ER with d edges (sparse); ``TREE``: a uniformly random labelled tree (Pruefer
  sequence, d - 1 edges) oriented along a random order, so it has v-structures.
* suffixes on a graph name (``ER2-iscm`` ...), each applied to the same graph and weights:

  - ``nv``: unequal noise variances, per-node standard deviations uniform on [0.5, 2];
  - ``iscm``: internally standardized SCM (Ormaniec et al., ICLR 2025): each variable is
    standardized (sample mean 0, sample variance 1) as soon as it is generated, before its
    children use it, which removes var-sortability and most of the R^2-sortability;
  - ``wellcond``: each non-root node's incoming weights rescaled so that its R^2 on its
    parents (in the sample) is a draw from U[0.25, 0.75]: no near-determinism;
  - ``neardet``: the same with R^2 from U[0.98, 0.999]: near-deterministic relations;
  - ``quad``: misspecified for a linear model: every edge i -> j adds
    ``QUAD * w_ij * (z_i**2 - 1) / sqrt(2)`` to x_j, z_i being x_i standardized in the
    sample; meant for the large-n experiment (n = 1e3, 1e4, 1e5).

  Their extra random draws (noise scales, R^2 targets) come from a second generator seeded
  with ``[seed, 2]``, so the graph, the weights and the noise draws stay the reference ones.

Convention: ``B[i, j] = 1`` means i -> j.  Run ``python benchmarks/_data.py --check DIR``
to compare against a directory of reference ``.npz`` files (linear and mlp).
"""

import argparse
import os
import random
import sys

import numpy as np

NOISE_TYPES = ("gaussian", "laplace", "gumbel", "uniform")
W_RANGES = ((-2.0, -0.5), (0.5, 2.0))
VARIANTS = ("nv", "iscm", "wellcond", "neardet", "quad")
R2_RANGES = {"wellcond": (0.25, 0.75), "neardet": (0.98, 0.999)}
QUAD = 0.3  # size of the quadratic term of the "quad" variant, relative to the linear one


def _permute(M, rng):
    """Relabel the nodes of M with a random permutation drawn from rng (P^T M P)."""
    P = np.eye(M.shape[0])[rng.permutation(M.shape[0])]
    return P.T @ M @ P


def topological_order(B):
    """Kahn's algorithm by generations (node indices ascending), as networkx does it.

    The order matters: the noise of each node is drawn in this order.
    """
    A = np.asarray(B) != 0
    indeg = A.sum(axis=0).astype(int)
    current = [j for j in range(A.shape[0]) if indeg[j] == 0]
    order = []
    while current:
        order.extend(current)
        nxt = []
        for i in current:
            for j in np.flatnonzero(A[i]):
                indeg[j] -= 1
                if indeg[j] == 0:
                    nxt.append(int(j))
        current = nxt
    return order


def is_dag(B):
    """True when the directed graph B has no directed cycle (self-loops ignored)."""
    A = (np.asarray(B) != 0).astype(int)
    np.fill_diagonal(A, 0)
    return len(topological_order(A)) == A.shape[0]


def _barabasi(d, k, seed):
    """igraph Barabasi-Albert graph (new -> old), seeded through Python's random."""
    try:
        import igraph as ig
    except ImportError as exc:
        raise ImportError("SF graphs need igraph: pip install igraph") from exc

    random.seed(seed)
    ig.set_random_number_generator(random)
    G = ig.Graph.Barabasi(n=d, m=k, directed=True)
    return np.array(G.get_adjacency().data, dtype=float)


def _random_tree(d, rng):
    """Undirected adjacency of a uniformly random labelled tree (Pruefer sequence)."""
    und = np.zeros((d, d))
    if d < 2:
        return und
    seq = list(rng.integers(d, size=d - 2)) if d > 2 else []
    degree = np.ones(d, dtype=int)
    for v in seq:
        degree[v] += 1
    for v in seq:
        leaf = int(np.flatnonzero(degree == 1)[0])
        und[leaf, v] = und[v, leaf] = 1
        degree[leaf] -= 1
        degree[v] -= 1
    u, w = np.flatnonzero(degree == 1)[:2]
    und[u, w] = und[w, u] = 1
    return und


def simulate_dag(d, s0, graph_type, rng, seed):
    """Binary DAG adjacency (d x d); ER: exactly s0 edges, SF: s0/d edges per new node,
    TREE: a random tree (d - 1 edges, s0 ignored) oriented along a random order."""
    if graph_type == "TREE":
        B = np.tril(_permute(_random_tree(d, rng), rng), k=-1)
    elif graph_type == "ER":
        pairs = np.array(np.tril_indices(d, k=-1)).T
        m = min(int(s0), len(pairs))
        chosen = pairs[rng.choice(len(pairs), size=m, replace=False)]
        und = np.zeros((d, d))
        und[chosen[:, 0], chosen[:, 1]] = 1
        und = und + und.T
        B = np.tril(_permute(und, rng), k=-1)
    elif graph_type == "SF":
        B = _barabasi(d, int(round(s0 / d)), seed)
    else:
        raise ValueError(f"unknown graph type {graph_type!r}")
    B = (_permute(B, rng) != 0).astype(float)
    assert is_dag(B)
    return B


def simulate_parameter(B, rng, w_ranges=W_RANGES):
    """Edge weights: uniform on the union of w_ranges, one range picked per entry."""
    W = np.zeros(B.shape)
    S = rng.integers(len(w_ranges), size=B.shape)
    for i, (low, high) in enumerate(w_ranges):
        U = rng.uniform(low=low, high=high, size=B.shape)
        W += B * (S == i) * U
    return W


def draw_noise(rng, noise_type, scale, n):
    """n draws with standard deviation ``scale`` (gaussian: exactly rng.normal(scale))."""
    if noise_type == "gaussian":
        return rng.normal(scale=scale, size=n)
    if noise_type == "laplace":
        return rng.laplace(scale=scale / np.sqrt(2.0), size=n)
    if noise_type == "gumbel":
        beta = scale * np.sqrt(6.0) / np.pi
        return rng.gumbel(scale=beta, size=n) - beta * np.euler_gamma
    if noise_type == "uniform":
        half = scale * np.sqrt(3.0)
        return rng.uniform(low=-half, high=half, size=n)
    raise ValueError(f"unknown noise type {noise_type!r}")


def simulate_linear_sem(W, n, rng, noise_type="gaussian", noise_scale=1.0):
    """Sample n rows of the linear SEM X = X W + E; noise_scale: scalar or one per node."""
    d = W.shape[0]
    scales = np.broadcast_to(np.asarray(noise_scale, dtype=float), (d,))
    X = np.zeros((n, d))
    for j in topological_order(W):
        parents = np.flatnonzero(W[:, j])
        X[:, j] = X[:, parents] @ W[parents, j] + draw_noise(rng, noise_type, scales[j], n)
    return X


def _standardized(x):
    """x scaled to sample mean 0 and sample variance 1 (x itself if it is constant)."""
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else x - x.mean()


def simulate_variant_sem(W, n, rng, variant, extra_rng, noise_type="gaussian", r2_range=None):
    """Sample n rows of a linear SEM changed by ``variant`` (see the module docstring).

    The noise is drawn exactly as in :func:`simulate_linear_sem` (one draw per node, in
    generation order).  ``r2_range``: the R^2 range of the rescaling (default: the
    variant's, ``R2_RANGES``; any variant name with ``r2_range`` rescales).  Returns
    ``(X, W_effective)``: for a rescaling the rescaled weights, else ``W``.
    """
    d = W.shape[0]
    order = topological_order(W)
    scales = noise_scales(d, None, True, rng=extra_rng) if variant == "nv" else np.ones(d)
    r2_range = R2_RANGES.get(variant) if r2_range is None else r2_range
    r2 = None
    if r2_range is not None:
        r2 = extra_rng.uniform(*r2_range, size=d)
    W_eff = W.copy()
    X = np.zeros((n, d))
    Z = np.zeros((n, d))  # standardized copies (for the quadratic term)
    for j in order:
        parents = np.flatnonzero(W[:, j])
        signal = X[:, parents] @ W[parents, j]
        if r2 is not None and len(parents) and signal.var() > 0:
            c = np.sqrt(r2[j] / (1.0 - r2[j]) / signal.var())
            signal = signal * c
            W_eff[parents, j] = W[parents, j] * c
        if variant == "quad" and len(parents):
            signal = signal + QUAD * ((Z[:, parents] ** 2 - 1.0) @ W[parents, j]) / np.sqrt(2.0)
        x = signal + draw_noise(rng, noise_type, scales[j], n)
        X[:, j] = _standardized(x) if variant == "iscm" else x
        Z[:, j] = _standardized(X[:, j])
    return X, W_eff


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def simulate_mlp_sem(B, n, rng, hidden=100, noise_scale=1.0):
    """Sample n rows of the reference nonlinear MLP SEM (one random MLP per node)."""
    d = B.shape[0]
    X = np.zeros((n, d))
    for j in topological_order(B):
        parents = np.flatnonzero(B[:, j])
        z = rng.normal(scale=noise_scale, size=n)
        if len(parents) == 0:
            X[:, j] = z
            continue
        W1 = rng.uniform(0.5, 2.0, size=(len(parents), hidden))
        W1[rng.random(W1.shape) < 0.5] *= -1
        W2 = rng.uniform(0.5, 2.0, size=hidden)
        W2[rng.random(hidden) < 0.5] *= -1
        X[:, j] = _sigmoid(X[:, parents] @ W1) @ W2 + z
    return X


def noise_scales(d, seed, unequal, low=0.5, high=2.0, rng=None):
    """1.0 for every node, or (unequal) per-node scales uniform on [low, high]
    (drawn from ``rng``, default ``default_rng([seed, 1])``)."""
    if not unequal:
        return 1.0
    rng = np.random.default_rng([seed, 1]) if rng is None else rng
    return rng.uniform(low, high, size=d)


def make_dataset(graph, k, d, n, seed, noise_type="gaussian", unequal=False, sem="linear"):
    """(X, B_true, W_true) for one setting; the defaults give the reference datasets.

    ``sem="mlp"``: the reference nonlinear MLP SEM (Gaussian noise only; W_true = B_true).
    """
    rng = np.random.default_rng(seed)
    B = simulate_dag(d, k * d, graph, rng, seed)
    if sem == "mlp":
        if noise_type != "gaussian" or unequal:
            raise ValueError("the mlp SEM has N(0, 1) noise only")
        return simulate_mlp_sem(B, n, rng), B, B.copy()
    if sem != "linear":
        raise ValueError(f"unknown sem {sem!r}")
    W = simulate_parameter(B, rng)
    X = simulate_linear_sem(W, n, rng, noise_type, noise_scales(d, seed, unequal))
    return X, B, W


def parse_generator(name):
    """``"ER2-iscm"`` -> ``("ER", 2, "iscm")``; ``"TREE"`` -> ``("TREE", 1, None)``."""
    base, _, variant = name.partition("-")
    variant = variant or None
    if variant is not None and variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r} in {name!r}; choose from {VARIANTS}")
    if base == "TREE":
        return "TREE", 1, variant
    graph, k = base.rstrip("0123456789"), base[len(base.rstrip("0123456789")) :]
    if graph not in ("ER", "SF") or not k:
        raise ValueError(f"unknown generator {name!r}: ER<k>, SF<k> or TREE, then -variant")
    return graph, int(k), variant


def make_generated(generator, d, n, seed, noise_type="gaussian"):
    """(X, B_true, W_true) for a named generator (``ER2``, ``TREE``, ``ER2-iscm`` ...).

    Without a variant this is :func:`make_dataset` (the reference data for ER2 / SF2).
    """
    graph, k, variant = parse_generator(generator)
    if variant is None or variant == "nv":
        return make_dataset(graph, k, d, n, seed, noise_type, unequal=variant == "nv")
    rng = np.random.default_rng(seed)
    B = simulate_dag(d, k * d, graph, rng, seed)
    W = simulate_parameter(B, rng)
    extra = np.random.default_rng([seed, 2])
    X, W_eff = simulate_variant_sem(W, n, rng, variant, extra, noise_type)
    return X, B, W_eff


def generated_name(generator, d, n, seed, noise_type="gaussian"):
    """File-style name of a generated dataset (the reference name for ER2 / SF2)."""
    graph, k, variant = parse_generator(generator)
    if variant in (None, "nv") and graph != "TREE":
        return dataset_name(graph, k, d, n, seed, noise_type, variant == "nv")
    sem = "linear" if noise_type == "gaussian" else "linear-" + noise_type
    return f"{sem}-{variant or 'plain'}_{graph}{k}_d{d}_n{n}_s{seed}"


def dataset_name(graph, k, d, n, seed, noise_type="gaussian", unequal=False, sem="linear"):
    """File-style name; equals the reference name for the default Gaussian data."""
    if sem == "mlp":
        return f"mlp_{graph}{k}_d{d}_n{n}_s{seed}"
    sem = "linear" if noise_type == "gaussian" else "linear-" + noise_type
    if unequal:
        sem += "-nv"
    return f"{sem}_{graph}{k}_d{d}_n{n}_s{seed}"


def _sachs_from_dir(folder):
    """Read the 853-sample CD3/CD28 data and the 17-edge consensus DAG from CSV files."""
    import csv

    with open(os.path.join(folder, "sachs_cd3cd28_853.csv")) as f:
        rows = list(csv.reader(f))
    names = rows[0]
    X = np.array(rows[1:], dtype=float)
    B = np.zeros((len(names), len(names)))
    with open(os.path.join(folder, "consensus_17_edges.csv")) as f:
        for parent, child in list(csv.reader(f))[1:]:
            B[names.index(parent), names.index(child)] = 1
    return X, B, names


def _sachs_from_package():
    """Sachs via stabledag.datasets.load_sachs(), accepting a tuple, dict or bunch."""
    from stabledag.datasets import load_sachs

    out = load_sachs()
    if isinstance(out, tuple):
        return np.asarray(out[0], float), np.asarray(out[1], float)
    get = out.get if isinstance(out, dict) else (lambda key: getattr(out, key, None))
    X = next(v for v in (get("X"), get("data")) if v is not None)
    B = next(v for v in (get("B_true"), get("B"), get("graph"), get("target")) if v is not None)
    return np.asarray(X, float), np.asarray(B, float)


def _sachs_raw(folder):
    """(X, B_true) as parsed: an explicit folder, stabledag's loader, or its data files."""
    folder = folder or os.environ.get("STABLEDAG_SACHS_DIR")
    if folder:
        return _sachs_from_dir(folder)[:2]
    try:
        X, B = _sachs_from_package()
        if X.shape == (853, 11) and B.shape == (11, 11):
            return X, B
    except Exception:  # the loader may not exist (yet) or return another shape
        pass
    import importlib.util

    spec = importlib.util.find_spec("stabledag")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("Sachs data: install stabledag or set STABLEDAG_SACHS_DIR")
    folder = os.path.join(list(spec.submodule_search_locations)[0], "data")
    return _sachs_from_dir(folder)[:2]


def load_sachs(folder=None):
    """(X, B_true) for Sachs (853 x 11, 17-edge consensus DAG), X in column-major order.

    Column-major is the layout pandas gives and the reference measurements used.  It
    matters: after standardization every column has variance 1 up to the last bit, and
    that last bit (which depends on the summation order, hence on the layout) decides
    the variance order of sort-and-regress (SHD 13 column-major, 16 row-major) and moves
    NOTEARS by one edge (14 vs 15).
    """
    X, B = _sachs_raw(folder)
    return np.asfortranarray(X, dtype=float), B


def check_against(ref_dir):
    """Compare every reference linear / mlp .npz in ref_dir with our simulation; True if equal."""
    ok = True
    for fname in sorted(os.listdir(ref_dir)):
        if not (fname.startswith(("linear_", "mlp_")) and fname.endswith(".npz")):
            continue
        z = np.load(os.path.join(ref_dir, fname), allow_pickle=True)
        sem = "mlp" if fname.startswith("mlp_") else "linear"
        X, B, W = make_dataset(
            str(z["graph"]), int(z["k"]), int(z["d"]), int(z["n"]), int(z["seed"]), sem=sem
        )
        same = (
            np.array_equal(X, z["X"])
            and np.array_equal(B, z["B_true"])
            and np.array_equal(W, z["W_true"])
        )
        ok &= same
        print(f"{fname:32s} {'identical' if same else 'DIFFERENT'}")
    return ok


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", metavar="DIR", help="compare with reference .npz files")
    args = ap.parse_args()
    if args.check:
        sys.exit(0 if check_against(args.check) else 1)
    ap.print_help()
