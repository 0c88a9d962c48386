"""The benchmark harness's own pieces (benchmarks/), checked against independent computations.

The harness is not part of the package, but its figures are what the README reports, so its
generators, criteria and the GOLEM transcription are tested here (fast; no peers needed).
"""

import json
import math
import os
import sys

import numpy as np
import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCH)

_data = pytest.importorskip("_data")
_metrics = pytest.importorskip("_metrics")


def _r2_on_parents(X, B, j):
    """R^2 of column j regressed (with intercept) on its parents, by least squares."""
    pa = np.flatnonzero(B[:, j])
    A = np.column_stack([np.ones(len(X)), X[:, pa]])
    coef, *_ = np.linalg.lstsq(A, X[:, j], rcond=None)
    resid = X[:, j] - A @ coef
    return 1.0 - resid.var() / X[:, j].var()


def test_plain_generator_is_the_reference_simulation():
    X1, B1, W1 = _data.make_generated("ER2", 10, 200, 3)
    X2, B2, W2 = _data.make_dataset("ER", 2, 10, 200, 3)
    assert np.array_equal(X1, X2) and np.array_equal(B1, B2) and np.array_equal(W1, W2)
    assert _data.generated_name("ER2", 10, 200, 3) == "linear_ER2_d10_n200_s3"


@pytest.mark.parametrize("seed", range(5))
def test_tree_generator_gives_a_spanning_tree(seed):
    X, B, W = _data.make_generated("TREE", 12, 50, seed)
    assert int(B.sum()) == 11 and _data.is_dag(B)
    und = (B + B.T) > 0  # connected: a breadth-first search reaches every node
    seen, frontier = {0}, [0]
    while frontier:
        nxt = [int(j) for i in frontier for j in np.flatnonzero(und[i]) if j not in seen]
        seen.update(nxt)
        frontier = nxt
    assert len(seen) == 12


def test_iscm_columns_are_standardized_and_graph_unchanged():
    X, B, _ = _data.make_generated("ER2-iscm", 8, 500, 1)
    _, B_ref, _ = _data.make_generated("ER2", 8, 500, 1)
    assert np.array_equal(B, B_ref)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1, rtol=1e-12)


@pytest.mark.parametrize("variant,low,high", [("wellcond", 0.2, 0.8), ("neardet", 0.97, 1.0)])
def test_r2_variants_hit_their_r2_range(variant, low, high):
    X, B, W = _data.make_generated(f"ER2-{variant}", 10, 5000, 2)
    r2 = [_r2_on_parents(X, B, j) for j in range(10) if B[:, j].any()]
    assert low <= min(r2) and max(r2) <= high
    assert np.array_equal(W != 0, B != 0)  # rescaled weights, same graph


def test_quad_variant_adds_a_term_a_linear_fit_misses():
    X, B, W = _data.make_generated("ER2-quad", 6, 20000, 0)
    X0, _, _ = _data.make_generated("ER2", 6, 20000, 0)
    assert not np.allclose(X, X0)
    j = next(j for j in _data.topological_order(B) if B[:, j].any())
    pa = np.flatnonzero(B[:, j])
    z = (X[:, pa] - X[:, pa].mean(0)) / X[:, pa].std(0)
    lin = np.column_stack([np.ones(len(X)), X[:, pa]])
    quad = np.column_stack([lin, z**2])
    rss = [np.sum((X[:, j] - A @ np.linalg.lstsq(A, X[:, j], rcond=None)[0]) ** 2)
           for A in (lin, quad)]  # fmt: skip
    assert rss[1] < 0.99 * rss[0]


def test_criterion_matches_a_direct_least_squares_bic():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    X[:, 1] += X[:, 0]
    X[:, 3] += 0.5 * X[:, 1] - X[:, 2]
    B = np.zeros((4, 4), int)
    B[0, 1] = B[1, 3] = B[2, 3] = 1
    Z = _metrics.standardize(X)
    n, d = Z.shape
    direct = 0.0
    for j in range(d):
        pa = np.flatnonzero(B[:, j])
        resid = Z[:, j] - Z[:, pa] @ np.linalg.lstsq(Z[:, pa], Z[:, j], rcond=None)[0]
        direct += 0.5 * n * math.log(resid @ resid / n)
    per_edge = _metrics.ebic_per_edge(n, d, 1.0)
    assert per_edge == pytest.approx(0.5 * math.log(n) + math.log(d))
    got = _metrics.criterion(_metrics.second_moments(X), n, B, per_edge)
    assert got == pytest.approx(direct + 3 * per_edge, rel=1e-10)


def test_causallearn_lambda_gives_the_same_per_edge_penalty():
    peers = pytest.importorskip("peers")
    for n, d in ((1000, 20), (853, 11), (100000, 10)):
        lam = peers.ebic_lambda(n, d)
        assert lam * math.log(n) == pytest.approx(_metrics.ebic_per_edge(n, d, 1.0))


def test_class_scores_of_a_reversed_chain_and_of_a_cpdag():
    chain = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    assert _metrics.class_scores(chain, chain.T, False)["shd_cpdag"] == 0
    undirected = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    assert _metrics.class_scores(chain, undirected, True)["shd_cpdag"] == 0
    # causal-learn: 0 -> 1 is G[1, 0] = 1, G[0, 1] = -1; a bidirected pair reads undirected
    G = np.array([[0, -1, 0], [1, 0, 1], [0, 1, 0]])
    M = _metrics.cl_to_cpdag(G)
    assert M[0, 1] == 1 and M[1, 0] == 0 and M[1, 2] == M[2, 1] == 1


def test_reversible_orientation_counts():
    chain = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])  # both edges reversible
    assert _metrics.reversible_orientation(chain, chain) == (2, 2)
    assert _metrics.reversible_orientation(chain, chain.T) == (2, 0)
    collider = np.array([[0, 1, 0], [0, 0, 0], [0, 1, 0]])  # compelled: nothing to count
    assert _metrics.reversible_orientation(collider, collider) == (0, 0)


def test_golem_gradient_matches_finite_differences():
    _golem = pytest.importorskip("_golem")
    pytest.importorskip("scipy")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    S = X.T @ X / 300
    B = rng.normal(scale=0.2, size=(4, 4))
    np.fill_diagonal(B, 0)
    for ev in (True, False):
        _, g = _golem._gradient(B, S, 0.0, 5.0, ev)
        for i, j in [(0, 1), (2, 3), (3, 0)]:
            E = np.zeros_like(B)
            E[i, j] = 1e-6
            num = (
                _golem._gradient(B + E, S, 0.0, 5.0, ev)[0]
                - _golem._gradient(B - E, S, 0.0, 5.0, ev)[0]
            ) / 2e-6
            assert g[i, j] == pytest.approx(num, rel=1e-5, abs=1e-7)


def test_golem_postprocess_returns_a_dag():
    _golem = pytest.importorskip("_golem")
    W = np.array([[0, 0.9, 0], [0, 0, 0.8], [0.5, 0, 0]])  # a 3-cycle
    out = _golem.postprocess(W)
    assert _data.is_dag(out) and out[2, 0] == 0 and out[0, 1] == 0.9


def test_stabledag_ablations_run_on_the_package_and_find_a_collider():
    """The ablation calls the package's private search pieces; a collider's class is exact.

    The truth (0 -> 2 <- 1, a v-structure, so the class is the DAG itself) is the reference:
    every search variant must return it on clean data, and each variant must be a DAG.
    Fails when the package's private signatures move under the harness.
    """
    peers = pytest.importorskip("peers")
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    n = 2000
    x0, x1 = rng.standard_normal(n), rng.standard_normal(n)
    x2 = 0.9 * x0 - 0.8 * x1 + 0.5 * rng.standard_normal(n)
    X = np.column_stack([x0, x1, x2]) * np.array([1.0, 10.0, 0.1])
    B = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 0]])
    out = peers._stabledag_ablations(X)
    assert out["random_starts"] == min(8, 160 // 3) and out["selection_samples"] == 2000
    for name, var in out["variants"].items():
        G = np.array(var["B_est"])
        assert _metrics.is_dag(G), name
        if name != "cont_only":
            assert _metrics.class_scores(B, G, False)["shd_cpdag"] == 0, name


def test_stabledag_is_timed_apart_from_its_ablation_variants():
    """A fit's seconds are its own: the ablation variants run in the same call are not in them.

    Reference: the variants' own CPU seconds, measured one by one in the same call; the
    call's CPU (``call_cpu_seconds``) must hold the fit's plus all of them. Fails when the
    whole call is reported as the fit's time (the bug of the earlier tables).
    """
    peers = pytest.importorskip("peers")
    pytest.importorskip("torch")
    X, _, _ = _data.make_dataset("ER", 2, 8, 500, 0)
    rec = peers.run("stabledag", X)
    variants = sum(v["fit_cpu_seconds"] for v in rec["variants"].values())
    assert rec["call_cpu_seconds"] >= rec["fit_cpu_seconds"] + variants - 0.05
    assert 0 < rec["fit_cpu_seconds"] < rec["call_cpu_seconds"] - 0.5 * variants
    assert "own_time" not in rec


def test_own_seconds_corrects_records_timed_with_their_variants():
    accuracy = pytest.importorskip("accuracy")
    base = {"dataset": "a", "scale": "std", "status": "ok"}
    runs = [
        dict(base, method="stabledag", fit_seconds=5.0, fit_cpu_seconds=4.0),
        dict(base, method="stabledag[cont_only]", fit_seconds=1.0, fit_cpu_seconds=0.5),
        dict(base, method="stabledag[search_empty]", fit_seconds=0.5, fit_cpu_seconds=None),
        dict(base, method="pc", fit_seconds=2.0, fit_cpu_seconds=2.0),
        dict(base, method="stabledag", dataset="b", fit_seconds=3.0, fit_cpu_seconds=3.0),
    ]
    assert accuracy.own_seconds(runs) == 1
    assert runs[0]["fit_seconds"] == 3.5 and runs[0]["fit_cpu_seconds"] == 3.5
    assert runs[0]["call_seconds"] == 5.0 and runs[0]["call_cpu_seconds"] == 4.0
    assert runs[3]["fit_seconds"] == 2.0 and runs[4]["fit_cpu_seconds"] == 3.0
    assert accuracy.own_seconds(runs) == 0  # corrected once only


def test_readme_tables_cells_are_medians_and_quantiles_of_the_runs(tmp_path):
    """The README's cells against numpy's median and 10/90% quantiles of made-up runs."""
    readme_tables = pytest.importorskip("readme_tables")
    shd = [0, 1, 2, 3, 4, 5, 6, 7, 8, 30]
    runs = []
    for seed, value in enumerate(shd):
        for method in ("stabledag", "stabledag[cont_only]", "boss"):
            runs.append(
                {
                    "setting": "ER2 d=20",
                    "method": method,
                    "scale": "std",
                    "status": "ok",
                    "seed": seed,
                    "shd_cpdag": value,
                    "shd": value + 1,
                    "fit_cpu_seconds": 2.0,
                    "own_gap": 1.0 if (method == "boss" and seed < 3) else -1.0,
                }
            )
    datasets = [
        {
            "setting": "ER2 d=20",
            "d": 20,
            "n": 1000,
            "empty_shd": 40,
            "n_reversible": 3,
            "varsortability_raw": 1.0,
            "varsortability_std": 0.5,
            "r2_sortability": 0.8,
        }
    ]
    path = tmp_path / "accuracy_reference.json"
    path.write_text(
        json.dumps(
            {
                "tag": "reference",
                "seeds": list(range(10)),
                "command": "c",
                "runs": runs,
                "datasets": datasets,
            }
        )
    )
    text = readme_tables.build([str(path)])
    q10, q90 = np.quantile(shd, [0.1, 0.9])
    med = np.median(shd)
    assert (
        f"| stabledag | {med:g} [{q10:g}–{q90:g}] / {med + 1:g} [{q10 + 1:g}–{q90 + 1:g}]" in text
    )
    assert "| BOSS (EBIC) | 3/10 |" in text
