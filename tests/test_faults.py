"""Faults and limits: non-finite training values, interrupts, max_time, memory, singular data."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from stabledag import StableDAGLearner, _search, _statistics, _validation
from stabledag import linear as linear_module
from stabledag._scores import GaussianBIC
from stabledag._training import TrainingResult, train
from stabledag.graph import is_dag
from stabledag.linear import LinearSEM
from stabledag.models import get_model

from .conftest import FAST, training_config
from .conftest import centred_moments as _stats
from .conftest import linear_chain as _data


class _PoisonGradient(torch.autograd.Function):
    """Identity forward; the backward pass multiplies the gradient by ``factor``."""

    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor, None


class FaultySEM(LinearSEM):
    """A ``LinearSEM`` whose loss (or gradient) turns NaN/inf on chosen calls.

    ``faulty`` holds 1-based call numbers (``"all"`` for every call); every
    call records the weights it saw in ``seen``.
    """

    def __init__(self, *args, faulty=(), fault="loss-nan", **kwargs):
        super().__init__(*args, **kwargs)
        self.faulty, self.fault, self.calls, self.seen = faulty, fault, 0, []

    def _bad_now(self):
        self.calls += 1
        self.seen.append(self.weight.detach().clone())
        return self.faulty == "all" or self.calls in self.faulty

    def recon_loss(self, stats):
        loss = super().recon_loss(stats)
        if not self._bad_now():
            return loss
        value = float("nan") if self.fault.endswith("nan") else float("inf")
        if self.fault.startswith("loss"):
            return loss * value
        return _PoisonGradient.apply(loss, value)

    if hasattr(LinearSEM, "recon_loss_and_grad"):  # a closed-form training path, if any

        def recon_loss_and_grad(self, stats):
            loss, grad = super().recon_loss_and_grad(stats)
            if not self._bad_now():
                return loss, grad
            value = float("nan") if self.fault.endswith("nan") else float("inf")
            return (loss * value, grad) if self.fault.startswith("loss") else (loss, grad * value)

    if hasattr(LinearSEM, "recon_loss_and_grad_numpy"):  # the CPU fast path

        def recon_loss_and_grad_numpy(self, stats):
            loss, grad = super().recon_loss_and_grad_numpy(stats)
            if not self._bad_now():
                return loss, grad
            value = float("nan") if self.fault.endswith("nan") else float("inf")
            return (loss * value, grad) if self.fault.startswith("loss") else (loss, grad * value)


# Epoch 1 is calls 1-4 (steps) and 5 (validation); epoch 2 starts at call 6.
CFG = training_config(max_epochs=6, n_stages=1, steps_per_epoch=4, n_iter_no_change=10)


@pytest.mark.parametrize("fault", ["loss-nan", "loss-inf", "grad-nan", "grad-inf"])
def test_fault_mid_epoch_restores_last_good_state_and_halves_lr(fault):
    S = _stats(_data())
    model = FaultySEM(3, faulty={8}, fault=fault)
    with warnings.catch_warnings():
        # NumPy path: the injected inf gradient times the mask's zero diagonal is NaN, and
        # NumPy says so ("invalid value encountered in multiply") before train() sees the
        # non-finite step and retries it; nothing else may warn
        warnings.filterwarnings("ignore", "invalid value encountered in multiply", RuntimeWarning)
        result = train(model, S, S, CFG)
    assert np.all(np.isfinite(result.weights))
    assert result.n_iter == CFG.max_epochs
    # the first call after the fault that sees finite weights is the retried epoch 2:
    # it starts from the weights epoch 2 started from, not from those of the faulty step
    after = next(w for w in model.seen[8:] if torch.isfinite(w).all())
    assert torch.equal(after, model.seen[5])
    assert not torch.equal(model.seen[7], model.seen[5])
    assert [r["lr"] for r in result.history[:2]] == [CFG.learning_rate, CFG.learning_rate / 2]


def test_fault_in_validation_is_retried():
    """A non-finite validation loss (call 5) is treated like a failed step."""
    S = _stats(_data())
    model = FaultySEM(3, faulty={5})
    result = train(model, S, S, CFG)
    assert result.history[0]["lr"] == CFG.learning_rate / 2
    assert np.all(np.isfinite(result.weights))


def test_persistent_fault_raises_after_bounded_retries():
    S = _stats(_data())
    model = FaultySEM(3, faulty="all")
    cfg = training_config(max_epochs=50, max_retries=3)
    with pytest.raises(FloatingPointError, match="after 3 learning-rate cuts.*learning_rate"):
        train(model, S, S, cfg)
    assert model.calls <= 4 * cfg.steps_per_epoch + 4  # 1 try + 3 retries, no more


def _faulty_everywhere(monkeypatch):
    def factory(*args, **kwargs):
        return FaultySEM(*args, faulty="all", **kwargs)

    monkeypatch.setattr(linear_module, "LinearSEM", factory)


@pytest.mark.parametrize("fitted_before", [False, True])
def test_persistent_fault_in_fit_is_a_clear_error_and_leaves_unfitted(monkeypatch, fitted_before):
    X = _data()
    est = StableDAGLearner(random_state=0, **FAST)
    if fitted_before:
        est.fit(X)
    _faulty_everywhere(monkeypatch)
    with pytest.raises(FloatingPointError, match="Lower learning_rate"):
        est.fit(X)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert not [k for k in vars(est) if k.endswith("_")]


def test_non_finite_weights_never_reach_adjacency(monkeypatch):
    """Defence in depth: NaN weights from the solver are an error, not a graph."""

    def nan_train(model, *args, **kwargs):
        return TrainingResult(weights=np.full((3, 3), np.nan), n_iter=1, converged=True, h=0.0)

    monkeypatch.setattr(linear_module, "train", nan_train)
    est = StableDAGLearner(random_state=0, **FAST)
    with pytest.raises(FloatingPointError, match="non-finite weights"):
        est.fit(_data())
    assert not hasattr(est, "adjacency_")


# ----------------------------------------------------------------- interrupts
def _interrupt_at(epoch):
    def on_epoch(record):
        if record["epoch"] == epoch:
            raise KeyboardInterrupt

    return on_epoch


@pytest.mark.parametrize("fitted_before", [False, True])
def test_interrupted_fit_leaves_estimator_unfitted(fitted_before):
    X = _data()
    est = StableDAGLearner(random_state=0, **FAST)
    if fitted_before:
        est.fit(X)
        assert check_is_fitted(est) is None
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, on_epoch=_interrupt_at(3))
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.predict_graph()
    assert not [k for k in vars(est) if k.endswith("_")]


def test_refit_after_interrupt_equals_an_uninterrupted_fit():
    X = _data()
    est = StableDAGLearner(random_state=0, **FAST)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, on_epoch=_interrupt_at(2))
    est.fit(X)
    clean = StableDAGLearner(random_state=0, **FAST).fit(X)
    assert np.array_equal(est.adjacency_, clean.adjacency_)

    def timeless(history):
        return [{k: v for k, v in r.items() if k != "time"} for r in history]

    assert timeless(est.history_) == timeless(clean.history_)


def test_interrupt_after_a_dataframe_fit_drops_feature_names():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(_data(), columns=["a", "b", "c"])
    est = StableDAGLearner(random_state=0, **FAST).fit(X)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, on_epoch=_interrupt_at(1))
    assert not hasattr(est, "feature_names_in_") and not hasattr(est, "n_features_in_")


# ------------------------------------------------------------------- max_time
def test_max_time_stops_after_one_epoch_with_a_warning_and_a_dag():
    X = _data()
    est = StableDAGLearner(random_state=0, max_time=1e-9)
    with pytest.warns(ConvergenceWarning, match="max_time=1e-09"):
        est.fit(X)
    assert est.n_iter_ == 1 and len(est.history_) == 1
    assert np.all(np.isfinite(est.adjacency_)) and is_dag(est.predict_graph())
    assert est.max_time == 1e-9  # stored unchanged


def test_max_time_skips_the_refinement_search(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the order search ran after max_time was reached")

    monkeypatch.setattr(linear_module, "multi_start_order_search", forbidden)
    with pytest.warns(ConvergenceWarning, match="max_time"):
        est = StableDAGLearner(random_state=0, max_time=1e-9, **FAST).fit(_data())
    assert is_dag(est.predict_graph())


def test_generous_max_time_changes_nothing():
    X = _data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        timed = StableDAGLearner(random_state=0, max_time=3600.0).fit(X)
    assert not [w for w in caught if "max_time" in str(w.message)]
    plain = StableDAGLearner(random_state=0).fit(X)
    assert np.array_equal(timed.adjacency_, plain.adjacency_)
    assert timed.n_iter_ == plain.n_iter_


def test_training_reports_the_time_out():
    S = _stats(_data())
    result = train(LinearSEM(3), S, S, training_config(max_epochs=50, max_time=1e-9))
    assert result.timed_out and result.n_iter == 1
    assert not train(LinearSEM(3), S, S, training_config(max_epochs=3)).timed_out


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf"), "10", True])
def test_invalid_max_time_is_a_named_error(value):
    with pytest.raises(ValueError, match="max_time"):
        StableDAGLearner(max_time=value).fit(_data())


# --------------------------------------------------------------------- memory
def test_too_large_a_model_is_refused_before_training(monkeypatch):
    monkeypatch.setattr(_validation, "available_memory", lambda: 10_000)
    seen = []
    est = StableDAGLearner(**FAST)
    with pytest.raises(MemoryError, match=r"d=3 variables.*GiB.*fewer variables"):
        est.fit(_data(), on_epoch=seen.append)
    assert seen == []  # no epoch ran
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


def test_memory_estimate_grows_as_d_squared(monkeypatch):
    monkeypatch.setattr(_validation, "available_memory", lambda: 8 * 48 * 100**2 + 8 * 8 * 100)
    linear = get_model("linear")
    params = StableDAGLearner(refine=False).get_params()  # training alone: no search caches
    _validation.check_memory(1, 100, linear.memory_bytes(1, 100, params))  # just fits
    with pytest.raises(MemoryError, match="d=101"):
        _validation.check_memory(1, 101, linear.memory_bytes(1, 101, params))


def test_memory_check_counts_the_mlp(monkeypatch):
    """Regression (issue 18, bug 5): d = 100, hidden_units=1000 passed and used 1.7 GB."""
    monkeypatch.setattr(_validation, "available_memory", lambda: 2**30)  # 1 GiB
    X = np.random.default_rng(0).normal(size=(200, 100))
    params = StableDAGLearner(model="mlp", hidden_units=1000).get_params()
    _validation.check_memory(200, 100, get_model("linear").memory_bytes(200, 100, params))
    est = StableDAGLearner(model="mlp", hidden_units=1000, **FAST)
    with pytest.raises(MemoryError, match=r"d=100 variables.*hidden_units"):
        est.fit(X)


def test_unknown_memory_skips_the_check(monkeypatch):
    monkeypatch.setattr(_validation, "available_memory", lambda: None)
    _validation.check_memory(10**6, 10**6, 10**20)


def test_available_memory_is_read_on_this_machine():
    available = _validation.available_memory()
    assert available is None or (isinstance(available, int) and available > 0)


# ------------------------------------------------------------ singular data
def test_order_search_terminates_on_singular_moments(monkeypatch):
    """Regression: with n < d the stepwise parent search alternated forever."""
    X = np.random.default_rng(0).normal(size=(4, 8))
    Z, _, _ = _statistics.center_and_scale(X, True)
    S = _statistics.second_moments(Z, np.zeros(8))
    real_step, calls = _search.ParentSelector._step, [0]

    def counted(self, *args):
        calls[0] += 1
        if calls[0] > 10_000:
            raise AssertionError("stepwise parent search does not terminate")
        return real_step(self, *args)

    monkeypatch.setattr(_search.ParentSelector, "_step", counted)
    scores = _search.ParentSelector(GaussianBIC(S, 4))
    # the case that looped: adding x1 promised a gain the exact fit did not give
    parents, cost = scores.best_parents(0, frozenset(range(1, 7)), (2, 3, 4, 5, 6))
    assert cost == scores.score.node_cost(0, parents)
    start = np.triu(np.ones((8, 8), dtype=int), 1)
    assert is_dag(_search.order_search(GaussianBIC(S, 4), start))


# ---------------------------------------------- issue 18 bug 4: max_time covers the fit
def test_max_time_covers_graph_selection():
    """Regression: threshold selection and the MLP refit ignored max_time (35 s for 1 s)."""
    from stabledag._selection import FALLBACK_THRESHOLD, select_threshold
    from stabledag.models import TimeBudget

    spent = TimeBudget(0.0)
    S = np.cov(_data(), rowvar=False)
    W = np.array([[0.0, 0.9, 0.2], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
    calls = []

    class Counting(GaussianBIC):
        def graph_cost(self, B):
            calls.append(1)
            return super().graph_cost(B)

    select_threshold(W, Counting(S, 300), budget=spent)
    assert len(calls) == 1 and spent.ran_out_in == "graph selection"  # the sparsest cut only
    with pytest.warns(ConvergenceWarning, match="max_time"):
        est = StableDAGLearner(random_state=0, max_time=1e-9).fit(_data())
    assert est.threshold_ == FALLBACK_THRESHOLD  # no cut could be scored in time


def test_max_time_stops_an_epoch_between_steps(monkeypatch):
    """An epoch is cut after the step that crossed the deadline, not after all its steps."""
    calls = []

    class Counted(LinearSEM):
        def recon_loss_and_grad_numpy(self, stats):
            calls.append(1)
            return super().recon_loss_and_grad_numpy(stats)

    S = _stats(_data())
    cfg = training_config(max_epochs=50, steps_per_epoch=1000, max_time=1e-9)
    result = train(Counted(3), S, S, cfg)
    assert result.timed_out and result.n_iter == 1
    assert len(calls) == 1  # one step, not the epoch's 1000


def test_the_mlp_refit_gets_what_is_left_of_max_time(monkeypatch):
    from stabledag import mlp

    seen = []
    real = mlp.refit

    def spy(module, B, X_train, X_val, config):
        seen.append(config.max_time)
        return real(module, B, X_train, X_val, config)

    monkeypatch.setattr(mlp, "refit", spy)
    with pytest.warns(ConvergenceWarning, match="max_time"):
        StableDAGLearner(  # the equal-variance MLP trains, selects, then refits
            model="mlp", equal_variances=True, random_state=0, max_time=0.5
        ).fit(_data())
    assert len(seen) == 1 and 0 < seen[0] < 0.5
