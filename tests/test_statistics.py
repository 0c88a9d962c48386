"""The data-statistics stage (``stabledag._statistics``)."""

import numpy as np
import pytest

from stabledag import _statistics
from stabledag._statistics import Moments, prepare_statistics


def _prepare(X, **kw):
    kw = {"standardize": True, "validation_fraction": 0.2, "rng": np.random.RandomState(0), **kw}
    return prepare_statistics(X, **kw)


def test_moments_are_the_centred_second_moments():
    X = np.random.default_rng(0).normal(size=(200, 4)) * [1.0, 10.0, 0.1, 3.0] + 5.0
    stats = _prepare(X)
    Z = (X - X.mean(0)) / X.std(0)
    np.testing.assert_allclose(stats.Z, Z, atol=1e-12)
    np.testing.assert_allclose(stats.full.matrix, Z.T @ Z / 200, atol=1e-7)
    assert stats.full.n_eff == 200
    train = Z[stats.train_idx] - Z[stats.train_idx].mean(0)
    np.testing.assert_allclose(stats.train.matrix, train.T @ train / len(train), atol=1e-7)
    val = Z[stats.val_idx] - Z[stats.train_idx].mean(0)  # about the training mean
    np.testing.assert_allclose(stats.val.matrix, val.T @ val / len(val), atol=1e-7)
    assert stats.train.n_eff + stats.val.n_eff == 200
    assert stats.kinds == ("continuous",) * 4 and not stats.n_missing.any()


def test_no_split_reuses_the_training_moments():
    stats = _prepare(np.random.default_rng(1).normal(size=(3, 2)), validation_fraction=0.1)
    assert stats.val_idx is None and stats.val is stats.train


def test_the_caller_data_are_not_modified():
    X = np.random.default_rng(2).normal(size=(50, 3))
    before = X.copy()
    assert _prepare(X, standardize=False).full.n_eff == 50
    np.testing.assert_array_equal(X, before)


def test_moment_estimators_are_plugins(monkeypatch):
    def halved(Z, rows, center):
        return Moments(_statistics.second_moments(Z[rows], center), len(rows) / 2)

    monkeypatch.setitem(_statistics.MOMENT_ESTIMATORS, "halved", halved)
    stats = _prepare(np.random.default_rng(3).normal(size=(40, 3)), method="halved")
    assert stats.full.n_eff == 20
    with pytest.raises(ValueError, match="Unknown moment estimator 'nope'"):
        _prepare(np.zeros((4, 2)), method="nope")
