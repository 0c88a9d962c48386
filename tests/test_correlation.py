"""Data statistics for messy tables (stabledag._correlation), against independent references.

References: SciPy's bivariate normal CDF (Genz's algorithm), pandas' pairwise
correlation, brute-force maximum likelihood with SciPy's optimiser and
distributions, Higham's (2002) published nearest-correlation examples, the
closed-form ML estimate for a monotone missing pattern (Anderson 1957), Fan
et al.'s (2017) bridge function of a brute-force Kendall's tau, and Monte
Carlo standard errors.
"""

import numpy as np
import pytest
from scipy import optimize, stats

from stabledag._correlation import (
    MIN_EIGENVALUE,
    STATISTICS,
    ColumnInfo,
    bivariate_normal_cdf,
    check_no_missing,
    check_observed,
    effective_sample_size,
    em_covariance,
    em_statistics,
    encode_columns,
    kendall_sine,
    latent_correlation,
    latent_statistics,
    nearest_correlation,
    noise_floor,
    normal_scores,
    pairwise_correlation,
    pairwise_covariance,
    pairwise_statistics,
    pearson_statistics,
    polychoric_correlation,
    polyserial_correlation,
    residual_information,
    spearman_sine,
)

pd = pytest.importorskip("pandas")


def latent_pair(rho, n, seed):
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=n)


def er_correlation(d, seed):
    """Correlation matrix of a random linear SEM (ER, weights 0.5-1.5, unit noise)."""
    rng = np.random.default_rng(seed)
    B = np.triu(rng.random((d, d)) < 3.0 / d, 1)
    W = B * rng.uniform(0.5, 1.5, (d, d)) * rng.choice([-1, 1], (d, d))
    inv = np.linalg.inv(np.eye(d) - W)
    C = inv.T @ inv
    s = np.sqrt(np.diag(C))
    return C / np.outer(s, s)


# ----------------------------------------------------------------------------- building blocks
def test_bivariate_normal_cdf_matches_scipy():
    rng = np.random.default_rng(0)
    h = rng.normal(scale=2.0, size=200)
    k = rng.normal(scale=2.0, size=200)
    rho = rng.uniform(-0.999, 0.999, size=200)
    h[:20], k[10:30] = 0.0, 0.0  # the zero limits of Owen's formula
    got = bivariate_normal_cdf(h, k, rho)
    ref = [
        stats.multivariate_normal([0, 0], [[1, r], [r, 1]]).cdf([a, b])
        for a, b, r in zip(h, k, rho)
    ]
    np.testing.assert_allclose(got, ref, atol=1e-9)


def test_bivariate_normal_cdf_limits():
    Phi = stats.norm.cdf
    assert bivariate_normal_cdf(np.inf, 0.3, 0.5) == pytest.approx(Phi(0.3))
    assert bivariate_normal_cdf(-0.2, np.inf, -0.5) == pytest.approx(Phi(-0.2))
    assert bivariate_normal_cdf(-np.inf, 0.3, 0.5) == 0.0
    assert bivariate_normal_cdf(np.inf, np.inf, 0.1) == 1.0
    assert bivariate_normal_cdf(0.3, 0.7, 1.0) == pytest.approx(Phi(0.3))
    assert bivariate_normal_cdf(0.3, 0.7, -1.0) == pytest.approx(Phi(0.3) + Phi(0.7) - 1)
    assert bivariate_normal_cdf(-1.0, -2.0, -1.0) == 0.0


def test_nearest_correlation_higham_examples():
    # Higham (2002), section 4: tridiag(-1, 2, -1) and the 3 x 3 example
    A = np.array([[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]], float)
    X = nearest_correlation(A, min_eigenvalue=0.0, tol=1e-14, max_iter=100_000)
    expected = [
        [1.0, -0.8084, 0.1916, 0.1068],
        [-0.8084, 1.0, -0.6562, 0.1916],
        [0.1916, -0.6562, 1.0, -0.8084],
        [0.1068, 0.1916, -0.8084, 1.0],
    ]
    np.testing.assert_allclose(X, expected, atol=1e-4)
    A = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], float)
    X = nearest_correlation(A, min_eigenvalue=0.0, tol=1e-14, max_iter=100_000)
    np.testing.assert_allclose(X[0, 1], 0.7607, atol=1e-4)
    np.testing.assert_allclose(X[0, 2], 0.1573, atol=1e-4)


@pytest.mark.parametrize("method", ["higham", "clip"])
def test_nearest_correlation_is_positive_definite(method):
    A = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    X = nearest_correlation(A, method=method)
    np.testing.assert_array_equal(np.diag(X), 1.0)
    np.testing.assert_array_equal(X, X.T)
    assert np.linalg.eigvalsh(X).min() >= 0.99 * MIN_EIGENVALUE


def test_nearest_correlation_higham_is_nearer_than_clipping():
    rng = np.random.default_rng(3)
    R = er_correlation(8, 3)
    A = R + rng.normal(scale=0.2, size=R.shape)
    A = (A + A.T) / 2
    np.fill_diagonal(A, 1.0)
    assert np.linalg.eigvalsh(A).min() < 0
    near = np.linalg.norm(nearest_correlation(A) - A)
    clipped = np.linalg.norm(nearest_correlation(A, method="clip") - A)
    assert near < clipped


def test_nearest_correlation_leaves_a_valid_matrix_alone():
    R = er_correlation(6, 0)
    X = nearest_correlation(R)
    np.testing.assert_array_equal(X, R)
    assert X is not R


def test_normal_scores_by_hand_and_invariance():
    x = np.array([3.0, np.nan, 10.0, -1.0, 3.0])
    ranks = np.array([2.5, np.nan, 4.0, 1.0, 2.5])  # mean ranks of the ties, 4 observed
    np.testing.assert_allclose(normal_scores(x[:, None]).ravel(), stats.norm.ppf(ranks / 5))
    X = np.random.default_rng(0).normal(size=(50, 2))
    Y = np.column_stack([np.exp(X[:, 0]), X[:, 1] ** 3])
    np.testing.assert_array_equal(normal_scores(X), normal_scores(Y))


def test_pairwise_correlation_matches_pandas():
    rng = np.random.default_rng(0)
    X = rng.multivariate_normal(np.zeros(4), er_correlation(4, 1), size=80)
    X[rng.random(X.shape) < 0.25] = np.nan
    R, counts = pairwise_correlation(X)
    np.testing.assert_allclose(R, pd.DataFrame(X).corr().to_numpy(), atol=1e-12)
    np.testing.assert_array_equal(counts, (~np.isnan(X)).T.astype(int) @ ~np.isnan(X))


def test_rank_correlations_match_scipy():
    X = np.random.default_rng(0).multivariate_normal([0, 0, 0], er_correlation(3, 2), 200)
    tau = stats.kendalltau(X[:, 0], X[:, 2]).statistic
    assert kendall_sine(X)[0, 2] == pytest.approx(np.sin(np.pi / 2 * tau))
    rho_s = stats.spearmanr(X[:, 1], X[:, 2]).statistic
    assert spearman_sine(X)[1, 2] == pytest.approx(2 * np.sin(np.pi / 6 * rho_s))


# ----------------------------------------------------------------------------- polychoric
def brute_polychoric(x, y):
    """ML over rho of the table likelihood, SciPy's CDF and optimiser, thresholds from margins."""
    xl, xc = np.unique(x, return_inverse=True)
    yl, yc = np.unique(y, return_inverse=True)
    table = np.zeros((xl.size, yl.size))
    np.add.at(table, (xc, yc), 1)
    return brute_polychoric_table(table)


def brute_polychoric_table(table, bounds=(-0.99, 0.99)):
    a = np.r_[-np.inf, stats.norm.ppf(np.cumsum(table.sum(1))[:-1] / table.sum()), np.inf]
    b = np.r_[-np.inf, stats.norm.ppf(np.cumsum(table.sum(0))[:-1] / table.sum()), np.inf]
    big = 12.0  # SciPy's CDF wants finite limits

    def F(u, v, r):
        u, v = np.clip(u, -big, big), np.clip(v, -big, big)
        return stats.multivariate_normal([0, 0], [[1, r], [r, 1]]).cdf([u, v])

    def nll(r):
        total = 0.0
        for i in range(table.shape[0]):
            for j in range(table.shape[1]):
                p = F(a[i + 1], b[j + 1], r) - F(a[i], b[j + 1], r)
                p += F(a[i], b[j], r) - F(a[i + 1], b[j], r)
                total -= table[i, j] * np.log(max(p, 1e-300))
        return total

    return optimize.minimize_scalar(nll, bounds=bounds, method="bounded").x


def test_polychoric_with_an_empty_cell_stays_finite():
    U = latent_pair(-0.97, 2000, seed=10)
    x, y = (U[:, 0] > 0.2).astype(int), (U[:, 1] > 0.55).astype(int)
    table = np.zeros((2, 2))
    np.add.at(table, (x, y), 1)
    assert table[1, 1] == 0  # without a correction the maximum is at rho = -1
    rho, se = polychoric_correlation(x, y)
    assert np.isfinite(se) and se < 0.05
    table[1, 1] = 0.5  # psych::polychoric's correction
    assert rho == pytest.approx(brute_polychoric_table(table, (-0.9999, 0.0)), abs=2e-4)


def test_polychoric_matches_brute_force_ml():
    U = latent_pair(0.5, 400, seed=1)
    x = np.digitize(U[:, 0], [-0.8, 0.1, 0.9])
    y = np.digitize(U[:, 1], [-0.3, 0.6])
    rho, _ = polychoric_correlation(x, y)
    assert rho == pytest.approx(brute_polychoric(x, y), abs=2e-4)


def test_tetrachoric_equals_the_kendall_bridge_of_fan_et_al():
    U = latent_pair(0.6, 400, seed=2)
    x, y = (U[:, 0] > 0.4).astype(float), (U[:, 1] > -0.3).astype(float)
    rho, _ = polychoric_correlation(x, y)
    n = x.size
    # Kendall's tau_a by brute force over all pairs of rows
    tau_a = np.sum(np.sign(x[:, None] - x) * np.sign(y[:, None] - y)) / (n * (n - 1))
    da = stats.norm.ppf(1 - x.mean())
    db = stats.norm.ppf(1 - y.mean())
    bridge = 2 * (
        stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]]).cdf([da, db])
        - stats.norm.cdf(da) * stats.norm.cdf(db)
    )
    assert bridge == pytest.approx(tau_a * (n - 1) / n, abs=1e-6)


def brute_polyserial(x, y, z=None):
    """ML over rho with SciPy; ``z``: the continuous column's normal scores (default: of y)."""
    codes = np.unique(x, return_inverse=True)[1]
    if z is None:
        z = stats.norm.ppf(stats.rankdata(y) / (y.size + 1))
    shares = np.cumsum(np.bincount(codes))[:-1] / codes.size
    a = np.r_[-np.inf, stats.norm.ppf(shares), np.inf]

    def nll(r):
        s = np.sqrt(1 - r * r)
        p = stats.norm.cdf((a[codes + 1] - r * z) / s) - stats.norm.cdf((a[codes] - r * z) / s)
        return -np.log(p).sum()

    return optimize.minimize_scalar(nll, bounds=(-0.99, 0.99), method="bounded").x


@pytest.mark.parametrize("cuts", [[0.3], [-1.0, 0.0, 0.8]])
def test_polyserial_matches_brute_force_ml(cuts):
    U = latent_pair(-0.7, 500, seed=3)
    x = np.digitize(U[:, 0], cuts)
    rho, _ = polyserial_correlation(x, np.exp(U[:, 1]))
    assert rho == pytest.approx(brute_polyserial(x, U[:, 1]), abs=2e-4)


def ordinal(u, cuts):
    return np.digitize(u, cuts).astype(float)


PAIR_TYPES = {
    "continuous-continuous": (lambda u: np.exp(u), lambda v: v**3),
    "binary-binary": (lambda u: u > 0.5, lambda v: v > -0.2),
    "binary-continuous": (lambda u: u > 0.5, lambda v: np.tanh(v)),
    "ordinal-ordinal": (lambda u: ordinal(u, [-1, 0, 1]), lambda v: ordinal(v, [-0.5, 0.7])),
    "ordinal-continuous": (lambda u: ordinal(u, [-1.2, -0.2, 0.4, 1.1]), lambda v: v),
    "binary-ordinal": (lambda u: u > -0.3, lambda v: ordinal(v, [-1, 0, 1])),
}


@pytest.mark.parametrize("pair", sorted(PAIR_TYPES))
def test_latent_correlation_recovers_the_truth(pair):
    U = latent_pair(0.6, 5000, seed=4)
    f, g = PAIR_TYPES[pair]
    X = np.column_stack([f(U[:, 0]), g(U[:, 1])]).astype(float)
    values, columns = encode_columns(X)
    R, V, _ = latent_correlation(values, columns)
    se = np.sqrt(V[0, 1])
    assert se < 0.03
    assert abs(R[0, 1] - 0.6) < 4 * se


@pytest.mark.parametrize(
    "pair", ["binary-binary", "binary-continuous", "ordinal-ordinal", "ordinal-continuous"]
)
def test_latent_standard_errors_match_monte_carlo(pair):
    f, g = PAIR_TYPES[pair]
    estimates, ses = [], []
    for seed in range(150):
        U = latent_pair(0.7, 400, seed=100 + seed)
        R, V, _ = latent_correlation(*encode_columns(np.column_stack([f(U[:, 0]), g(U[:, 1])])))
        estimates.append(R[0, 1])
        ses.append(np.sqrt(V[0, 1]))
    assert np.std(estimates) == pytest.approx(np.mean(ses), rel=0.2)


def test_latent_correlation_invariant_to_monotone_transforms():
    rng = np.random.default_rng(5)
    C = er_correlation(6, 5)
    U = rng.multivariate_normal(np.zeros(6), C, size=600)
    X = np.column_stack([U[:, 0], U[:, 1] > 0, U[:, 2], ordinal(U[:, 3], [-1, 0, 1]), U[:, 4:]])
    Y = X.copy()
    Y[:, 0], Y[:, 2] = np.exp(X[:, 0]), X[:, 2] ** 3
    Y[:, 4], Y[:, 5] = 1 / (1 + np.exp(-X[:, 4])), 10 * X[:, 5] + 3
    Rx = latent_correlation(*encode_columns(X))[0]
    Ry = latent_correlation(*encode_columns(Y))[0]
    np.testing.assert_allclose(Rx, Ry, atol=1e-12)


def test_rank_estimate_shrugs_off_an_outlier():
    U = np.random.default_rng(6).multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=2000)
    X = U.copy()
    X[0, 0] = 1e6
    rank = latent_correlation(*encode_columns(X))[0][0, 1]
    clean = latent_correlation(*encode_columns(U))[0][0, 1]
    assert abs(rank - clean) < 0.01
    assert abs(np.corrcoef(X.T)[0, 1] - np.corrcoef(U.T)[0, 1]) > 0.4  # Pearson does not


def test_latent_correlation_is_positive_definite_on_a_near_singular_truth():
    rng = np.random.default_rng(7)
    C = er_correlation(12, 7)
    U = rng.multivariate_normal(np.zeros(12), C, size=300)
    X = np.where(np.arange(12) % 3 == 0, U > 0.3, U).astype(float)
    X[rng.random(X.shape) < 0.2] = np.nan
    R, _, _ = latent_correlation(*encode_columns(X))
    np.testing.assert_allclose(np.diag(R), 1.0)
    assert np.linalg.eigvalsh(R).min() >= 0.99 * MIN_EIGENVALUE


def test_latent_correlation_with_missing_cells_uses_common_rows():
    U = latent_pair(0.6, 3000, seed=8)
    X = np.column_stack([U[:, 0] > 0.2, np.exp(U[:, 1])]).astype(float)
    X[::3, 0] = np.nan
    X[1::3, 1] = np.nan
    R, _, _ = latent_correlation(*encode_columns(X))
    # the scores of a column come from all its observed cells, the rest from the common rows
    seen = ~np.isnan(X[:, 1])
    z = np.full(X.shape[0], np.nan)
    z[seen] = stats.norm.ppf(stats.rankdata(X[seen, 1]) / (seen.sum() + 1))
    both = ~np.isnan(X).any(axis=1)
    assert R[0, 1] == pytest.approx(brute_polyserial(X[both, 0], None, z[both]), abs=2e-4)


# ----------------------------------------------------------------------------- missing values
def test_em_complete_data_is_the_sample_covariance():
    X = np.random.default_rng(0).normal(size=(60, 3)) * [1.0, 10.0, 0.1]
    mean, cov, n_iter, converged = em_covariance(X)
    np.testing.assert_allclose(cov, np.cov(X.T, bias=True), rtol=1e-10)
    np.testing.assert_allclose(mean, X.mean(0))
    assert n_iter <= 2 and converged


def test_em_matches_the_closed_form_for_a_monotone_pattern():
    # x always observed, y missing in some rows: ML by factoring p(x) p(y | x) (Anderson 1957)
    rng = np.random.default_rng(1)
    X = rng.multivariate_normal([1.0, -2.0], [[2.0, 1.2], [1.2, 1.5]], size=300)
    X[rng.random(300) < 0.4, 1] = np.nan
    seen = ~np.isnan(X[:, 1])
    x, y = X[:, 0], X[seen, 1]
    mx, vx = x.mean(), x.var()
    beta = np.cov(x[seen], y, bias=True)[0, 1] / x[seen].var()
    alpha = y.mean() - beta * x[seen].mean()
    resid = np.var(y - alpha - beta * x[seen])
    expected_mean = [mx, alpha + beta * mx]
    expected_cov = [[vx, beta * vx], [beta * vx, resid + beta**2 * vx]]
    mean, cov, _, converged = em_covariance(X, tol=1e-12)
    assert converged
    np.testing.assert_allclose(mean, expected_mean, atol=1e-8)
    np.testing.assert_allclose(cov, expected_cov, atol=1e-8)


def test_em_is_deterministic_and_recovers_the_covariance():
    rng = np.random.default_rng(2)
    C = er_correlation(8, 2)
    X = rng.multivariate_normal(np.zeros(8), C, size=3000)
    X[rng.random(X.shape) < 0.3] = np.nan
    X = X[~np.isnan(X).all(axis=1)]
    first = em_covariance(X)
    second = em_covariance(X.copy())
    np.testing.assert_array_equal(first[1], second[1])
    assert np.abs(first[1] - C).max() < 0.08


def test_pairwise_covariance_repairs_to_positive_definite():
    rng = np.random.default_rng(3)
    X = rng.multivariate_normal(np.zeros(10), er_correlation(10, 3), size=40)
    X[rng.random(X.shape) < 0.5] = np.nan
    X = X[~np.isnan(X).all(axis=1)]
    mean, cov, _ = pairwise_covariance(X)
    assert np.linalg.eigvalsh(cov).min() > 0
    np.testing.assert_allclose(np.diag(cov), np.nanvar(X, axis=0))
    np.testing.assert_allclose(mean, np.nanmean(X, axis=0))


def test_missing_value_estimators_leave_the_callers_data_alone():
    X = np.random.default_rng(4).normal(size=(30, 3))
    X[::4, 1] = np.nan
    frame = pd.DataFrame(X, columns=list("abc"))
    before = frame.copy()
    for name in ("em", "pairwise", "latent"):
        STATISTICS[name](*encode_columns(frame))
    pd.testing.assert_frame_equal(frame, before)


# ----------------------------------------------------------------------------- effective size
def test_effective_sample_size_of_pearson_variances_is_n():
    R = er_correlation(7, 0)
    assert effective_sample_size(R, (1 - R**2) ** 2 / 321) == pytest.approx(321)
    assert effective_sample_size(R, (1 - R**2) ** 2 / 321, weighting="mean") == pytest.approx(321)


def test_effective_sample_size_weights_entries_by_precision():
    R = er_correlation(6, 4)
    V = (1 - R**2) ** 2 / 1000
    V3 = V * 3  # uniformly three times noisier: a third of the rows
    assert effective_sample_size(R, V3) == pytest.approx(1000 / 3)
    K = np.linalg.inv(R)
    w = np.outer(np.diag(K), np.diag(K)) + K**2
    i, j = np.triu_indices(6, 1)
    noisy = V.copy()
    noisy[0, 1] = noisy[1, 0] = 10 * V[0, 1]
    expected = (w[i, j] * (1 - R[i, j] ** 2) ** 2).sum() / (w[i, j] * noisy[i, j]).sum()
    assert effective_sample_size(R, noisy) == pytest.approx(expected)


def brute_residual_information(cuts, sigma):
    """Fisher information about log(sigma) of an ordinal probit, by quadrature and differences."""
    from scipy import integrate

    a = np.r_[-np.inf, cuts, np.inf]

    def probs(mu, log_s):
        return np.diff(stats.norm.cdf((a - mu) / np.exp(log_s)))

    def info(mu):
        h = 1e-5
        p = probs(mu, np.log(sigma))
        dp = (probs(mu, np.log(sigma) + h) - probs(mu, np.log(sigma) - h)) / (2 * h)
        return np.sum(np.where(p > 1e-300, dp**2 / np.maximum(p, 1e-300), 0.0))

    spread = np.sqrt(1 - sigma**2)
    value, _ = integrate.quad(lambda m: info(m) * stats.norm.pdf(m, scale=spread), -8, 8, limit=200)
    return value / 2  # observing the latent value itself: 2


@pytest.mark.parametrize("cuts, sigma", [([0.0], 0.1), ([0.7], 0.3), ([-1, 0.2, 1.1], 0.15)])
def test_residual_information_matches_quadrature(cuts, sigma):
    expected = brute_residual_information(np.array(cuts), sigma)
    assert residual_information(cuts, sigma) == pytest.approx(expected, rel=1e-3)


def test_noise_floor_is_the_median_extra_noise():
    R = er_correlation(6, 2)
    i, j = np.triu_indices(6, 1)
    pearson = (1 - R**2) ** 2 / 500
    extra = np.random.default_rng(0).uniform(0, 1e-3, size=(6, 6))
    extra = (extra + extra.T) / 2
    expected = np.sqrt(np.median(extra[i, j]))
    assert noise_floor(R, pearson + extra, 500) == pytest.approx(expected)
    assert noise_floor(R, pearson, 500) == MIN_EIGENVALUE


def test_latent_n_eff_is_n_for_complete_continuous_data_and_less_for_binary():
    rng = np.random.default_rng(5)
    U = rng.multivariate_normal(np.zeros(5), er_correlation(5, 5), size=400)
    assert latent_statistics(*encode_columns(U)).n_eff == pytest.approx(400)
    X = U.copy()
    X[:, :2] = U[:, :2] > 0.3
    est = latent_statistics(*encode_columns(X))
    K = np.linalg.inv(est.matrix)
    shares = [stats.norm.ppf(1 - X[:, j].mean()) for j in range(2)]
    per_node = [brute_residual_information([shares[j]], K[j, j] ** -0.5) for j in range(2)]
    R, V = est.matrix, est.variance_inflation * (1 - est.matrix**2) ** 2 / 400
    expected = min(effective_sample_size(R, V), 400 * min(per_node))
    assert est.n_eff == pytest.approx(expected, rel=1e-3)
    assert est.n_eff < 400 / 3


def test_latent_estimate_keeps_its_eigenvalues_above_the_noise():
    rng = np.random.default_rng(9)
    U = rng.multivariate_normal(np.zeros(10), er_correlation(10, 9), size=1000)
    X = np.where(np.arange(10) < 4, U > 0.2, U).astype(float)
    values, columns = encode_columns(X)
    R, V, _ = latent_correlation(values, columns)
    assert np.linalg.eigvalsh(R).min() >= 0.99 * noise_floor(R, V, 1000) > MIN_EIGENVALUE


# ----------------------------------------------------------------------------- stage entries
def test_stage_entries_agree_on_complete_data():
    X = np.random.default_rng(6).multivariate_normal(np.zeros(4), er_correlation(4, 6), 500)
    values, columns = encode_columns(X)
    pearson = pearson_statistics(values, columns)
    em = em_statistics(values, columns)
    pair = pairwise_statistics(values, columns)
    np.testing.assert_allclose(em.matrix, pearson.matrix, rtol=1e-9)
    np.testing.assert_allclose(pair.matrix, pearson.matrix, rtol=1e-9)
    assert pearson.n_eff == 500
    assert em.n_eff == pytest.approx(500) and pair.n_eff == pytest.approx(500)
    assert set(STATISTICS) == {"pearson", "em", "pairwise", "latent"}
    summary = em.summary()
    assert summary["estimator"] == "em" and summary["missing_cells"] == 0


def test_em_statistics_reports_what_is_missing():
    X = np.random.default_rng(7).normal(size=(200, 3))
    X[:50, 0] = np.nan
    stats_ = em_statistics(*encode_columns(X))
    assert stats_.summary()["missing_cells"] == 50
    assert stats_.pair_counts[0, 1] == 150 and stats_.pair_counts[1, 2] == 200
    assert 150 < stats_.n_eff < 200


def test_pearson_statistics_refuses_missing_cells():
    X = np.random.default_rng(8).normal(size=(20, 2))
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"1 missing cell \(NaN\) in column 'x1'"):
        pearson_statistics(*encode_columns(X))


# ----------------------------------------------------------------------------- columns
def mixed_frame():
    rng = np.random.default_rng(0)
    n = 40
    return pd.DataFrame(
        {
            "dose": rng.normal(size=n),
            "treated": rng.random(n) < 0.5,
            "grade": pd.Categorical(
                rng.choice(["low", "mid", "high"], n),
                categories=["low", "mid", "high"],
                ordered=True,
            ),
            "sex": pd.Categorical(rng.choice(["f", "m"], n)),
            "count": rng.integers(0, 4, n),
            "score": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 6, n).astype(float)),
            "level": rng.integers(0, 40, n),
        }
    )


def test_encode_columns_detects_kinds():
    frame = mixed_frame()
    before = frame.copy()
    values, columns = encode_columns(frame)
    kinds = {c.name: c.kind for c in columns}
    assert kinds == {
        "dose": "continuous",
        "treated": "binary",
        "grade": "ordinal",
        "sex": "binary",
        "count": "ordinal",
        "score": "ordinal",
        "level": "continuous",
    }
    grade = columns[2]
    assert grade.levels == ("low", "mid", "high")
    codes = {"low": 0, "mid": 1, "high": 2}
    np.testing.assert_array_equal(values[:, 2], frame["grade"].map(codes).to_numpy(float))
    assert columns[5].n_missing == int(frame["score"].isna().sum()) > 0
    np.testing.assert_array_equal(np.isnan(values[:, 5]), frame["score"].isna())
    pd.testing.assert_frame_equal(frame, before)


def test_encode_columns_override_wins():
    frame = mixed_frame()
    _, columns = encode_columns(frame, kinds={"count": "continuous", "dose": "continuous"})
    assert columns[4].kind == "continuous"
    _, columns = encode_columns(frame.drop(columns="grade"), kinds="continuous")
    assert {c.kind for c in columns} == {"continuous"}
    _, columns = encode_columns(frame, kinds={6: "ordinal"})
    assert columns[6].kind == "ordinal"
    values, columns = encode_columns(np.array([[0.0, 1.5], [1.0, 2.5], [2.0, 0.5]]), max_levels=2)
    assert [c.kind for c in columns] == ["continuous", "continuous"]


def test_encode_columns_missing_category_and_nullable_ints():
    frame = pd.DataFrame(
        {
            "g": pd.Categorical(["a", None, "b", "c", "a"], ordered=True),
            "k": pd.array([1, None, 2, 1, 2], dtype="Int64"),
            "b": pd.array([True, False, None, True, False], dtype="boolean"),
        }
    )
    values, columns = encode_columns(frame)
    assert [c.kind for c in columns] == ["ordinal", "binary", "binary"]
    assert np.isnan(values[1, 0]) and np.isnan(values[1, 1]) and np.isnan(values[2, 2])
    assert [c.n_missing for c in columns] == [1, 1, 1]


@pytest.mark.parametrize(
    "frame, kinds, match",
    [
        (pd.DataFrame({"c": pd.Categorical(list("abca"))}), None, "get_dummies"),
        (pd.DataFrame({"c": pd.Categorical(list("aaaa"))}), None, "single observed level 'a'"),
        (pd.DataFrame({"c": [np.nan, np.nan]}), None, "no observed value"),
        (pd.DataFrame({"c": [np.nan, 2.0, np.nan]}), None, "single observed value"),
        (pd.DataFrame({"c": ["x", "y"]}), None, "not numeric"),
        (pd.DataFrame({"c": [1, 2, 3]}), {"c": "binary"}, "use 'ordinal'"),
        (pd.DataFrame({"c": [1, 2, 3]}), {"c": "nominal"}, "must be one of"),
        (pd.DataFrame({"c": [1, 2, 3]}), {"d": "binary"}, "not in X"),
        (pd.DataFrame({"c": [1.0, np.inf, 3]}), None, "infinite"),
    ],
)
def test_encode_columns_bad_input(frame, kinds, match):
    with pytest.raises(ValueError, match=match):
        encode_columns(frame, kinds=kinds)


def test_check_observed_names_the_problem():
    X = np.array([[1.0, 2.0], [np.nan, np.nan], [3.0, 1.0], [2.0, 5.0]])
    with pytest.raises(ValueError, match=r"1 row\(s\) of X have no observed value \(rows 1\)"):
        check_observed(X)
    X = np.array([[1.0, np.nan], [np.nan, 2.0], [3.0, np.nan], [np.nan, 5.0]])
    columns = (ColumnInfo("age", "continuous"), ColumnInfo("dose", "continuous"))
    with pytest.raises(ValueError, match="Columns 'age' and 'dose' are never observed in the same"):
        em_covariance(X, columns=columns)
    with pytest.raises(ValueError, match="Column 'x1' has a single observed value"):
        check_observed(np.array([[1.0, 4.0], [2.0, 4.0], [3.0, np.nan]]))


def test_check_no_missing_counts_cells_per_column():
    X = np.array([[np.nan, 1.0, np.nan], [np.nan, 2.0, 3.0]])
    with pytest.raises(
        ValueError, match=r"3 missing cells \(NaN\) in columns 'x0' \(2\), 'x2' \(1\)"
    ):
        check_no_missing(X)
