"""Diagnostics after fit: each warning on a realistic bad fit, silence on ordinary fits."""

import copy
import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from stabledag import DiagnosticWarning, StableDAGLearner
from stabledag._diagnostics import diagnose, emit
from stabledag.datasets import load_sachs, simulate_dag, simulate_linear_sem, simulate_parameter


@pytest.fixture(scope="module")
def sachs():
    return load_sachs().data


@pytest.fixture(scope="module")
def sachs_est(sachs):
    return StableDAGLearner(random_state=0).fit(sachs)


def _fit(X, **params):
    """Fit, checking what the user sees: one warning when diagnose finds something, else none,
    of the severer class, stating every finding."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = StableDAGLearner(**{"random_state": 0, **params}).fit(X)
    found = diagnose(est)
    assert len(caught) == (1 if found else 0), [str(w.message) for w in caught]
    if found:
        severe = any(category is ConvergenceWarning for category, _ in found)
        assert caught[0].category is (ConvergenceWarning if severe else DiagnosticWarning)
        # without the fit's result diagnose reports the last epoch's h, the fit the kept one's
        shown = _any_h(str(caught[0].message))
        assert all(_any_h(message) in shown for _, message in found)
    return est


def _any_h(message):
    return re.sub(r"h\(W\) = \S+ did not", "h(W) = ... did not", message)


def _messages(est, category=DiagnosticWarning):
    """The messages of one warning class among the findings."""
    found = diagnose(est)
    assert {c for c, _ in found} <= {DiagnosticWarning, ConvergenceWarning}
    return [message for c, message in found if c is category]


def _simulated(d, n_edges, seed):
    W = simulate_parameter(simulate_dag(d, n_edges, "ER", random_state=seed), random_state=seed)
    return simulate_linear_sem(W, 1000, random_state=seed)


# ----------------------------------------------------------- ordinary fits are silent
def test_default_fit_on_sachs_is_silent(sachs_est):
    assert diagnose(sachs_est) == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert emit(sachs_est) == []
    assert not caught


@pytest.mark.parametrize(
    ("n_edges", "seed"),
    [(10, 0), (20, 0)],  # (20, 0) clips ~70% of steps at ~2x max_grad_norm, harmlessly
)
def test_default_fit_on_simulated_er10_is_silent(n_edges, seed):
    est = StableDAGLearner(random_state=seed).fit(_simulated(10, n_edges, seed))
    assert _messages(est) == []


def test_diagnostic_warning_is_a_user_warning():
    assert issubclass(DiagnosticWarning, UserWarning)


def test_no_history_no_findings():
    class Unfitted:
        history_ = []

    assert diagnose(Unfitted()) == []


# --------------------------------------------------------------------- each finding
def test_no_edges(sachs):
    # 25 steps per epoch: with fewer, the first stage also trips the early-stopping diagnostic
    est = _fit(sachs, lambda_sparse=100.0, refine=False, max_grad_norm=1e3, steps_per_epoch=25)
    assert not np.any(est.adjacency_)
    (message,) = _messages(est)
    assert "No edges" in message and "lower lambda_sparse" in message and "threshold" in message


def test_clipping_dominates(sachs):
    est = _fit(sachs, max_grad_norm=1e-3, steps_per_epoch=10)
    (message,) = _messages(est)
    assert "clipping" in message and "100%" in message
    assert "Raise max_grad_norm" in message and "learning_rate" in message


def test_mild_clipping_is_not_reported(sachs_est):
    est = copy.deepcopy(sachs_est)
    for record in est.history_:  # every step clipped, but only at 2x the bound
        record["clip_ratio"], record["grad_norm"] = 1.0, 2.0 * est.max_grad_norm
    assert _messages(est) == []


@pytest.mark.parametrize("params", [{"lr_factor": 1.0}, {"lr_patience": 10}])
def test_learning_rate_never_reduced(sachs, params):
    est = _fit(sachs, **params)
    (message,) = _messages(est)
    assert "never acted" in message and "Lower learning_rate" in message
    assert "lr_patience below n_iter_no_change" in message


def test_learning_rate_check_ignores_a_budget_cut(sachs_est):
    est = copy.deepcopy(sachs_est)
    est.history_ = [dict(r, lr=est.learning_rate, stage=0) for r in est.history_]
    est.max_epochs = est.max_epochs_ = len(est.history_)  # ran out of epochs, never went flat
    assert _messages(est) == []


def test_h_stalling(sachs):
    """Steps far too large: h(W) stops falling though its weight grows (chaotic, so 6 seeds:
    with 8 stages some of them still reach h_tol)."""
    found = []
    for seed in range(6):
        est = _fit(sachs, learning_rate=1.0, random_state=seed)  # warns once if it stalls
        found += [m for m in _messages(est, ConvergenceWarning) if "it stalled" in m]
    assert found and all("lower learning_rate" in m for m in found)
    assert not any("Raise max_epochs" in m or "Raise n_stages" in m for m in found)


def _with_stage_ends(est, values):
    """A copy whose stages (of 10 epochs) keep h = values[k], improving every epoch."""
    est = copy.deepcopy(est)
    est.history_ = [
        dict(
            est.history_[0],
            epoch=10 * k + e + 1,
            stage=k,
            h=h,
            val_loss=-float(10 * k + e),
            lr=est.learning_rate / (2 if e == 9 else 1),
        )
        for k, h in enumerate(values)
        for e in range(10)
    ]
    est.converged_ = False
    return est


def test_h_falling_but_unconverged_asks_for_more_stages(sachs_est):
    est = _with_stage_ends(sachs_est, [1e-1, 1e-2, 1e-3])
    assert _messages(est) == []
    (message,) = _messages(est, ConvergenceWarning)
    assert "did not reach h_tol" in message and "3 of n_stages=8 stages" in message
    assert "Raise n_stages" in message and "stalled" not in message


def test_h_stalling_from_edited_history(sachs_est):
    (message,) = _messages(_with_stage_ends(sachs_est, [1e-2, 1e-4, 1e-3]), ConvergenceWarning)
    assert "it stalled, the last stage ending at 1.00e-03 after 1.00e-04" in message
    est = _with_stage_ends(sachs_est, [1e-2, 1e-4, 1e-3])
    est.converged_ = True  # converged fits are never reported
    assert diagnose(est) == []


def test_a_stall_that_still_fell_is_not_called_no_lower(sachs_est):
    """Regression: 'ended at 1.42e-06, no lower than 2.56e-06' (1.42 is lower)."""
    est = _with_stage_ends(sachs_est, [1e-2, 2.56e-6, 1.42e-6])
    (message,) = _messages(est, ConvergenceWarning)
    assert "no lower than" not in message and "less than halved" in message


def test_a_budget_cut_asks_for_more_epochs(sachs_est):
    est = _with_stage_ends(sachs_est, [1e-1, 1e-2, 1e-3])
    est.max_epochs = est.max_epochs_ = 30
    (message,) = _messages(est, ConvergenceWarning)
    assert "30 of max_epochs=30 epochs. Raise max_epochs." in message


def test_no_false_convergence_warning_on_a_small_chain():
    """Regression (issue 18): 'Raise max_epochs' after 34 of 5000 epochs although the last
    stage reached h <= h_tol; training now ends on the best of those acyclic epochs."""
    X = np.random.default_rng(0).normal(size=(200, 3)).cumsum(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = StableDAGLearner(random_state=0).fit(X)
    assert est.converged_
    assert max(r["h"] for r in est.history_ if r["stage"] == est.history_[-1]["stage"]) > 0


def test_clipping_in_later_stages_is_not_reported(sachs_est):
    """Regression: clean equal-variance fits were told their loss terms were out of balance
    because the late stages, whose acyclicity weight is 10**k times larger, clip every step;
    only the first stage's clipping is the user's balance."""
    est = copy.deepcopy(sachs_est)
    for record in est.history_:
        if record["stage"] > 0:  # every later step clipped at 50x the bound
            record["clip_ratio"], record["grad_norm"] = 1.0, 50.0 * est.max_grad_norm
    assert len({r["stage"] for r in est.history_}) > 1
    assert _messages(est) == []
    for record in est.history_:
        if record["stage"] == 0:
            record["clip_ratio"], record["grad_norm"] = 1.0, 50.0 * est.max_grad_norm
    (message,) = _messages(est)
    assert "first stage's steps" in message


def test_clipping_advice_fits_the_scaling(sachs):
    est = _fit(sachs, max_grad_norm=1e-3)
    (message,) = _messages(est)
    assert "standardize=True" not in message  # it is already on
    raw = _fit(sachs, max_grad_norm=1e-3, standardize=False)
    assert any("use standardize=True" in m for m in _messages(raw))


def test_early_stopping_in_first_epochs(sachs):
    est = _fit(sachs, tol=1.0)
    (message,) = _messages(est)
    assert "Early stopping ended the first stage after 6 epochs" in message
    assert "Raise n_iter_no_change" in message and "lower tol" in message


def test_early_stop_with_flat_loss_is_not_reported(sachs_est):
    est = copy.deepcopy(sachs_est)
    first = [r for r in est.history_ if r["stage"] == 0][:6]
    rest = [r for r in est.history_ if r["stage"] > 0]
    est.history_ = [dict(r, train_loss=first[0]["train_loss"]) for r in first] + rest
    assert _messages(est) == []  # nothing to learn: stopping at once is right


def test_independent_data_reports_only_no_edges():
    X = np.random.default_rng(0).normal(size=(200, 4))
    with pytest.warns(DiagnosticWarning, match=r"^No edges were found") as record:
        est = StableDAGLearner(random_state=0).fit(X)
    assert len(record) == 1
    (message,) = _messages(est)
    assert message.startswith("No edges") and message == str(record[0].message)


# ----------------------------------------------------------------------------- emit
def test_emit_warns_once_per_fit(sachs):
    est = _fit(sachs, lambda_sparse=100.0, refine=False, steps_per_epoch=5)  # no edges, clipping

    def fit():  # emit is called at the end of fit: the warning names fit's caller
        return emit(est)

    with pytest.warns(DiagnosticWarning) as record:
        found = fit()
    assert len(found) == 2 and len(record) == 1
    text = str(record[0].message)
    assert text.startswith("This fit has 2 likely problems. (1) ")
    assert all(message in text for _, message in found)
    assert record[0].filename == __file__


def test_fit_raises_one_summary_per_fit(sachs):
    with pytest.warns(ConvergenceWarning) as record:  # the summary takes the severer class
        StableDAGLearner(random_state=0, max_time=1e-9, lambda_sparse=100.0).fit(sachs)
    assert len(record) == 1
    assert "max_time" in str(record[0].message) and "No edges" in str(record[0].message)


def test_collinear_columns_are_named(sachs):
    X = np.column_stack([sachs, sachs[:, 0] - 2 * sachs[:, 3]])
    with pytest.warns(DiagnosticWarning, match=r"exact linear combinations") as record:
        StableDAGLearner(random_state=0).fit(X)
    assert len(record) == 1 and "clipping" not in str(record[0].message)


def test_fewer_rows_than_variables_is_reported():
    X = np.random.default_rng(0).normal(size=(6, 9))
    with pytest.warns(DiagnosticWarning, match=r"X has 6 rows for 9 variables") as record:
        StableDAGLearner(random_state=0).fit(X)
    assert len(record) == 1
