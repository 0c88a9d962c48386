"""Messy tables through the estimator (issue 17): missing cells, binary / ordinal columns, ranks.

References are independent of the code under test: the simulated truth, SciPy's multivariate
normal density, counts done here, and the invariance of ranks under monotone maps.
"""

import json

import numpy as np
import pytest
from scipy import stats as scipy_stats

from stabledag import EdgeStability, StableDAGLearner
from stabledag.cli import main
from stabledag.exceptions import DiagnosticWarning
from stabledag.graph import dag_to_cpdag
from stabledag.metrics import shd_cpdag

pd = pytest.importorskip("pandas")

# a -> b -> c, a -> c, c -> d, b -> e
TRUE = np.zeros((5, 5), dtype=int)
for i, j in [(0, 1), (1, 2), (0, 2), (2, 3), (1, 4)]:
    TRUE[i, j] = 1
NAMES = ["a", "b", "c", "d", "e"]


def _sem(n, seed=0):
    rng = np.random.default_rng(seed)
    W = TRUE * np.array(
        [[0, 0.8, 0.5, 0, 0], [0, 0, 0.7, 0, -0.8], [0, 0, 0, 0.9, 0]] + [[0] * 5] * 2
    )
    E = rng.normal(size=(n, 5))
    X = E @ np.linalg.inv(np.eye(5) - W)
    return (X - X.mean(0)) / X.std(0)


def _mcar(X, rate, seed=1):
    X = X.copy()
    X[np.random.default_rng(seed).random(X.shape) < rate] = np.nan
    return X[~np.isnan(X).all(axis=1)]


def _class_shd(est):
    return shd_cpdag(dag_to_cpdag(TRUE), est.predict_cpdag(), est_as_given=True)


# ----------------------------------------------------------------------------- missing cells
def test_missing_cells_are_learned_from_by_default():
    X = _sem(2000)
    Xm = _mcar(X, 0.2)
    est = StableDAGLearner(random_state=0).fit(Xm)
    assert est.statistics_["estimator"] == "em"
    assert est.statistics_["missing_cells"] == int(np.isnan(Xm).sum())
    assert est.statistics_["missing_fraction"] == pytest.approx(np.isnan(Xm).mean())
    # the BIC charges for what is missing: fewer effective rows than rows, more than complete
    complete_rows = int((~np.isnan(Xm).any(axis=1)).sum())
    assert complete_rows < est.statistics_["n_eff"] < Xm.shape[0]
    assert _class_shd(est) == 0
    # the covariance in the data's units is close to the complete data's (MCAR: unbiased)
    np.testing.assert_allclose(est.covariance_, np.cov(X.T, bias=True), atol=0.06)


def test_missing_error_names_columns_and_counts():
    X = _sem(200)
    X[[3, 7], 1] = np.nan
    X[5, 4] = np.nan
    frame = pd.DataFrame(X, columns=NAMES)
    with pytest.raises(
        ValueError, match=r"3 missing cells \(NaN\) in columns 'b' \(2\), 'e' \(1\)"
    ):
        StableDAGLearner(missing="error").fit(frame)
    with pytest.raises(ValueError, match="missing='auto'"):
        StableDAGLearner(missing="error").fit(frame)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("all_nan", r"'c'.*no observed value"),
        ("single", r"Column 'c' has a single observed value"),
        ("pair", r"Columns 'a' and 'b' are never observed in the same row"),
        ("row", r"1 row\(s\) of X have no observed value"),
    ],
)
def test_unusable_missingness_is_a_clear_error(bad, message):
    X = _sem(100)
    if bad == "all_nan":
        X[:, 2] = np.nan
    elif bad == "single":
        X[1:, 2] = np.nan
    elif bad == "pair":
        X[:50, 0] = np.nan
        X[50:, 1] = np.nan
    else:
        X[10] = np.nan
    with pytest.raises(ValueError, match=message):
        StableDAGLearner(random_state=0).fit(pd.DataFrame(X, columns=NAMES))


def test_mlp_and_lambda_disen_refuse_missing_cells_saying_what_works():
    Xm = _mcar(_sem(100), 0.1)
    with pytest.raises(ValueError, match=r"model='mlp'.*model='linear'"):
        StableDAGLearner(model="mlp").fit(Xm)
    with pytest.raises(ValueError, match="lambda_disen > 0 needs complete rows"):
        StableDAGLearner(lambda_disen=0.1).fit(Xm)


def test_bad_parameter_values():
    X = _sem(50)
    with pytest.raises(ValueError, match="missing must be 'auto'"):
        StableDAGLearner(missing="drop").fit(X)
    with pytest.raises(ValueError, match="correlation must be one of"):
        StableDAGLearner(correlation="kendall").fit(X)
    with pytest.raises(ValueError, match="must be one of"):
        StableDAGLearner(column_kinds={"a": "nominal"}).fit(pd.DataFrame(X, columns=NAMES))


def test_nan_acceptance_is_declared_in_the_tags():
    assert StableDAGLearner().__sklearn_tags__().input_tags.allow_nan
    assert not StableDAGLearner(missing="error").__sklearn_tags__().input_tags.allow_nan
    assert not StableDAGLearner(model="mlp").__sklearn_tags__().input_tags.allow_nan
    assert EdgeStability().__sklearn_tags__().input_tags.allow_nan


def test_score_samples_is_the_marginal_density_of_the_observed_cells():
    X = _sem(1000) * [1.0, 2.0, 0.5, 3.0, 1.0] + 4.0
    est = StableDAGLearner(random_state=0).fit(X)
    new = X[:6].copy()
    new[0, 1] = new[2, [0, 3]] = new[4, 4] = np.nan
    # the SEM's covariance in the data's units, from the fitted weights and noise
    A = np.linalg.inv(np.eye(5) - est.adjacency_)
    sigma = np.diag(est.scale_) @ A.T @ np.diag(est.noise_var_) @ A @ np.diag(est.scale_)
    expected = []
    for row in new:
        seen = ~np.isnan(row)
        expected.append(
            scipy_stats.multivariate_normal(est.mean_[seen], sigma[np.ix_(seen, seen)]).logpdf(
                row[seen]
            )
        )
    np.testing.assert_allclose(est.score_samples(new), expected, rtol=1e-8)


def test_edge_stability_takes_missing_cells():
    Xm = _mcar(_sem(2000), 0.1)
    stab = EdgeStability(StableDAGLearner(), n_resamples=4, random_state=0)
    stab.fit(pd.DataFrame(Xm, columns=NAMES))
    assert stab.n_refits_ == 4
    skeleton = (stab.edge_frequency_ + stab.edge_frequency_.T) > 0.5
    np.testing.assert_array_equal(skeleton, (TRUE + TRUE.T) > 0)


# ----------------------------------------------------------------------------- kinds
def _mixed_frame(n=3000, seed=0):
    """b binary (bool), d ordinal (ordered category), e binary (int 0/1), from the latent SEM."""
    Z = _sem(n, seed)
    rng = np.random.default_rng(seed + 10)
    frame = pd.DataFrame(Z, columns=NAMES)
    frame["b"] = Z[:, 1] > np.quantile(Z[:, 1], 0.3)
    cuts = np.quantile(Z[:, 3], [0.2, 0.5, 0.8])
    frame["d"] = pd.Categorical.from_codes(
        np.digitize(Z[:, 3], cuts), ["none", "low", "mid", "high"], ordered=True
    )
    frame["e"] = (Z[:, 4] > np.quantile(Z[:, 4], rng.uniform(0.3, 0.7))).astype(int)
    return frame


def test_kinds_are_detected_from_dtypes_and_the_graph_found():
    frame = _mixed_frame()
    est = StableDAGLearner(random_state=0).fit(frame)
    kinds = est.statistics_["column_kinds"]
    assert kinds == {"a": "continuous", "b": "binary", "c": "continuous", "d": "ordinal",
                     "e": "binary"}  # fmt: skip
    assert est.statistics_["estimator"] == "latent"
    assert est.statistics_["n_eff"] < len(frame)  # charged for the discrete columns' noise
    assert _class_shd(est) == 0
    # the latent scale: the model's units are standard-normal latent variables
    np.testing.assert_array_equal(est.scale_, np.ones(5))


def test_declared_kinds_override_detection():
    frame = _mixed_frame(500)
    est = StableDAGLearner(random_state=0, column_kinds={"d": "continuous", "b": "continuous",
                                                        "e": "continuous"}).fit(frame)  # fmt: skip
    assert est.statistics_["estimator"] == "pearson"
    est = StableDAGLearner(random_state=0, column_kinds="continuous").fit(frame)
    assert set(est.statistics_["column_kinds"].values()) == {"continuous"}
    # an ordinal score read as float (e.g. from CSV with missing cells) declared by position
    X = frame.assign(d=frame["d"].cat.codes.astype(float), b=frame["b"].astype(float))
    est = StableDAGLearner(random_state=0, column_kinds={3: "ordinal", 1: "binary"}).fit(X)
    assert est.statistics_["column_kinds"]["d"] == "ordinal"


def test_binary_columns_beat_treating_them_as_gaussian():
    """Latent correlations of thresholded columns against Pearson's on the 0/1 codes."""
    frame = _mixed_frame(3000, seed=3)
    latent = StableDAGLearner(random_state=0).fit(frame)
    gaussian = StableDAGLearner(random_state=0, column_kinds="continuous").fit(frame)
    truth = np.corrcoef(_sem(3000, 3).T)  # the latent correlations the codes came from
    err_latent = np.abs(latent.covariance_ - truth).max()
    err_gaussian = np.abs(np.corrcoef(gaussian.covariance_) - truth).max()
    assert err_latent < 0.06 < err_gaussian


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (pd.Categorical(["x", "y", "z"] * 20), r"unordered category with 3 levels.*get_dummies"),
        (pd.Categorical(["x"] * 60), r"single observed level 'x'"),
        (["t"] * 30 + ["u"] * 30, r"Column 'c'.*not numeric|could not convert"),
    ],
)
def test_bad_columns_name_the_column_and_the_fix(column, message):
    frame = pd.DataFrame(_sem(60), columns=NAMES)
    frame["c"] = column
    with pytest.raises(ValueError, match=message):
        StableDAGLearner(random_state=0).fit(frame)


def test_the_callers_frame_is_never_modified():
    frame = _mixed_frame(400)
    frame.loc[::7, "a"] = np.nan
    frame.loc[::11, "d"] = np.nan
    frame["e"] = frame["e"].astype("Int64")
    frame.loc[::13, "e"] = pd.NA
    before = frame.copy(deep=True)
    StableDAGLearner(random_state=0).fit(frame)
    pd.testing.assert_frame_equal(frame, before)


# ----------------------------------------------------------------------------- ranks
def test_rank_correlation_is_invariant_to_monotone_transforms():
    X = _sem(800, seed=4)
    T = X.copy()
    T[:, 0] = np.exp(2 * X[:, 0])
    T[:, 2] = X[:, 2] ** 3
    T[:, 4] = 1 / (1 + np.exp(-3 * X[:, 4]))
    plain = StableDAGLearner(random_state=0, correlation="rank").fit(X)
    bent = StableDAGLearner(random_state=0, correlation="rank").fit(T)
    np.testing.assert_allclose(bent.covariance_, plain.covariance_, atol=1e-12)
    np.testing.assert_array_equal(bent.predict_graph() != 0, plain.predict_graph() != 0)
    assert plain.statistics_["estimator"] == "latent"
    # on Gaussian data the normal-scores estimate is as efficient as Pearson's
    assert plain.statistics_["n_eff"] == pytest.approx(800, rel=0.02)


def test_latent_fits_score_their_latent_correlation():
    X = _sem(1500, seed=5)
    est = StableDAGLearner(random_state=0, correlation="rank").fit(X[:1000])
    with pytest.raises(ValueError, match="use score"):
        est.score_samples(X[1000:])
    pearson = StableDAGLearner(random_state=0).fit(X[:1000])
    # Gaussian data: the latent Gaussian log-likelihood per row is close to the density's
    held = X[1000:]
    reference = pearson.score(held) + np.log(held.std(0)).sum()  # standard units
    assert est.score(held) == pytest.approx(reference, abs=0.1)
    empty = StableDAGLearner(random_state=0, correlation="rank", threshold=10.0, refine=False)
    with pytest.warns(DiagnosticWarning, match="No edges were found"):
        empty.fit(X[:1000])
    assert est.score(held) > empty.score(held) + 0.5


def test_mlp_refuses_discrete_columns_saying_what_works():
    with pytest.raises(ValueError, match=r"model='mlp' cannot use binary or ordinal"):
        StableDAGLearner(model="mlp").fit(_mixed_frame(200))
    with pytest.raises(ValueError, match="model='mlp' cannot use correlation='rank'"):
        StableDAGLearner(model="mlp", correlation="rank").fit(_sem(100))


# ----------------------------------------------------------------------------- CLI and log
def test_cli_reads_empty_cells_as_missing(tmp_path, capsys):
    X = _mcar(_sem(600, seed=6), 0.1)
    path = tmp_path / "data.csv"
    lines = [",".join(NAMES)]
    lines += [",".join("" if np.isnan(v) else f"{v:.6f}" for v in row) for row in X]
    path.write_text("\n".join(lines) + "\n")
    assert main(["fit", str(path), "--out", str(tmp_path / "o")]) == 0
    summary = json.loads((tmp_path / "o" / "training_summary.json").read_text())
    assert summary["statistics"]["estimator"] == "em"
    assert summary["statistics"]["missing_cells"] == int(np.isnan(X).sum())
    capsys.readouterr()
    assert main(["fit", str(path), "--out", str(tmp_path / "p"), "--missing", "error"]) == 2
    err = capsys.readouterr().err
    assert "missing value ''" in err and "--missing auto" in err


def test_cli_declared_kinds(tmp_path, capsys):
    frame = _mixed_frame(600)
    table = frame.assign(b=frame["b"].astype(int), d=frame["d"].cat.codes)
    path = tmp_path / "mixed.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "o"
    assert main(["fit", str(path), "--out", str(out), "--kinds", "b=binary,d=ordinal"]) == 0
    summary = json.loads((out / "training_summary.json").read_text())
    assert summary["statistics"]["column_kinds"]["d"] == "ordinal"
    assert main(["fit", str(path), "--out", str(out), "--kinds", "zz=binary"]) == 2
    assert "--kinds names ['zz']" in capsys.readouterr().err
