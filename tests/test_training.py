"""The optimisation loop: clipping, scheduler, early stopping, retries, warnings."""

import math

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from stabledag import StableDAGLearner, _training
from stabledag._training import train
from stabledag.linear import LinearSEM

from .conftest import centred_moments as _stats
from .conftest import linear_chain, training_config


def _data(seed=0, n=400):
    return linear_chain(seed, n)


def test_loss_decreases_and_history_is_complete():
    S = _stats(_data())
    result = train(LinearSEM(3, equal_variances=True), S, S, training_config(max_epochs=50))
    losses = [r["train_loss"] for r in result.history]
    assert losses[-1] < losses[0]
    keys = {
        "epoch",
        "stage",
        "train_loss",
        "recon",
        "sparse",
        "h",
        "val_loss",
        "val_recon",
        "grad_norm",
        "clip_ratio",
        "lr",
        "acyclic_weight",
        "n_edges",
        "threshold",
        "time",
    }
    for record in result.history:
        assert keys <= set(record)
        assert all(isinstance(record[k], (int, float)) for k in keys)
    assert [r["epoch"] for r in result.history] == list(range(1, result.n_iter + 1))


def test_clipping_engages_for_tiny_bound_and_not_for_huge():
    S = _stats(_data())
    tiny = train(LinearSEM(3), S, S, training_config(max_epochs=5, max_grad_norm=1e-9))
    huge = train(LinearSEM(3), S, S, training_config(max_epochs=5, max_grad_norm=1e9))
    assert all(r["clip_ratio"] == 1.0 for r in tiny.history)
    assert all(r["clip_ratio"] == 0.0 for r in huge.history)


# "logdet" takes the closed-form path, "expm" the autograd path: both clip alike.
BOTH_PATHS = pytest.mark.parametrize("acyclicity", ["logdet", "expm"])


@BOTH_PATHS
def test_clip_ratio_is_the_share_of_clipped_steps(monkeypatch, acyclicity):
    """Scripted gradient norms 0.5, 2, 3, 0.1 against a bound of 1: half are clipped."""
    norms = iter([0.5, 2.0, 3.0, 0.1] * 100)
    real = _training._clip

    def scripted(grads, max_norm):
        real(grads, max_norm)
        return torch.tensor(next(norms), dtype=torch.float64)

    monkeypatch.setattr(_training, "_clip", scripted)
    S = _stats(_data())
    cfg = training_config(max_epochs=2, steps_per_epoch=4, max_grad_norm=1.0, acyclicity=acyclicity)
    result = train(LinearSEM(3), S, S, cfg)
    assert [r["clip_ratio"] for r in result.history] == [0.5, 0.5]
    assert result.history[0]["grad_norm"] == pytest.approx(np.mean([0.5, 2.0, 3.0, 0.1]))


@BOTH_PATHS
def test_clipped_gradient_norm_is_bounded(monkeypatch, acyclicity):
    seen = []
    real = _training._clip

    def spy(grads, max_norm):
        out = real(grads, max_norm)
        seen.append(math.sqrt(sum(float((g**2).sum()) for g in grads)))
        return out

    monkeypatch.setattr(_training, "_clip", spy)
    S = _stats(_data())
    train(
        LinearSEM(3), S, S, training_config(max_epochs=3, max_grad_norm=0.01, acyclicity=acyclicity)
    )
    assert seen and max(seen) <= 0.01 * (1 + 1e-6)


@BOTH_PATHS
def test_clip_matches_torch_rule(acyclicity):
    """The shared clipping equals torch.nn.utils.clip_grad_norm_ on the same gradients."""
    grads = [torch.tensor([[3.0, 4.0]], dtype=torch.float64), torch.tensor([12.0])]
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    expected = torch.nn.utils.clip_grad_norm_(params, 1.0)
    norm = _training._clip(grads, 1.0)
    assert float(norm) == pytest.approx(float(expected)) == pytest.approx(13.0)
    for p, g in zip(params, grads):
        assert torch.allclose(p.grad, g)


EPOCHS = ["_train_epoch_numpy", "_train_epoch_closed_form"]


@pytest.mark.parametrize("epoch", EPOCHS)
@pytest.mark.parametrize("equal_variances", [True, False])
def test_fast_paths_take_the_same_steps_as_autograd(epoch, equal_variances):
    """An epoch of each fast path equals an epoch of the autograd path on the same objective."""
    S = _stats(_data())
    cfg = training_config(steps_per_epoch=7, max_grad_norm=0.05)  # clipping engages
    fast, slow = (LinearSEM(3, equal_variances=equal_variances) for _ in range(2))
    out_fast = getattr(_training, epoch)(
        fast, _training._make_optimizer(fast, 1e-2, cfg)[0], S, 3.0, cfg
    )
    out_slow = _training._train_epoch(
        slow, _training._make_optimizer(slow, 1e-2, cfg)[0], S, 3.0, cfg
    )
    assert torch.allclose(fast.weight, slow.weight, atol=1e-12)
    assert out_slow["clip_ratio"] == 1.0
    for key in out_slow:
        assert out_fast[key] == pytest.approx(out_slow[key], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("epoch", EPOCHS)
def test_fast_paths_fail_an_epoch_that_leaves_the_domain(epoch):
    """Weights with a 2-cycle of weight 2 lie outside the log-det domain: the epoch fails."""
    S = _stats(_data())
    model = LinearSEM(3, init=np.array([[0.0, 2.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    cfg = training_config(steps_per_epoch=3)
    optimizer = _training._make_optimizer(model, 1e-2, cfg)[0]
    assert getattr(_training, epoch)(model, optimizer, S, 1.0, cfg) is None


def test_scheduler_cuts_learning_rate_on_plateau():
    S = _stats(_data())
    cfg = training_config(max_epochs=60, n_stages=1, lr_patience=1, n_iter_no_change=60)
    result = train(LinearSEM(3), S, S, cfg)
    rates = [r["lr"] for r in result.history]
    assert rates[0] == cfg.learning_rate
    assert min(rates) < cfg.learning_rate
    assert all(later <= earlier for earlier, later in zip(rates, rates[1:]))


def test_early_stopping_restores_best_weights():
    """Validation data with no dependence: its loss rises as the fit learns the training edges."""
    X_train = _data(seed=0)
    X_val = np.random.default_rng(1).normal(size=(400, 3)) * X_train.std(0)
    train_stats, val_stats = _stats(X_train), _stats(X_val)
    model = LinearSEM(3, equal_variances=True)
    cfg = training_config(
        max_epochs=200,
        n_stages=1,
        n_iter_no_change=3,
        steps_per_epoch=2,
        learning_rate=1e-3,
        lambda_sparse=0.0,
    )
    result = train(model, train_stats, val_stats, cfg)
    val_losses = [r["val_loss"] for r in result.history]
    assert result.n_iter < cfg.max_epochs  # stopped early
    assert np.argmin(val_losses) < len(val_losses) - 1  # the last epoch was not the best
    final = _training._evaluate(model, val_stats, cfg.lambda_acyclic, cfg)["loss"]
    assert final == pytest.approx(min(val_losses), abs=1e-12)


@BOTH_PATHS
def test_failed_steps_are_retried_with_smaller_learning_rate(monkeypatch, acyclicity):
    """The first two checks fail: the first epoch is redone twice, at a quarter of the rate."""
    calls = {"n": 0}
    real = _training._weights_are_finite

    def flaky(model):
        calls["n"] += 1
        return calls["n"] not in (1, 2) and real(model)

    monkeypatch.setattr(_training, "_weights_are_finite", flaky)
    S = _stats(_data())
    cfg = training_config(max_epochs=5, n_stages=1, acyclicity=acyclicity)
    result = train(LinearSEM(3), S, S, cfg)
    assert result.history[0]["lr"] == pytest.approx(0.01 * 0.25)
    assert np.all(np.isfinite(result.weights))


@BOTH_PATHS
def test_persistent_failure_raises_clear_error(monkeypatch, acyclicity):
    monkeypatch.setattr(_training, "_weights_are_finite", lambda model: False)
    S = _stats(_data())
    cfg = training_config(max_epochs=5, max_retries=3, acyclicity=acyclicity)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        train(LinearSEM(3), S, S, cfg)


def test_convergence_warning_when_h_stays_high():
    X = _data()
    with pytest.warns(ConvergenceWarning, match="h_tol"):
        est = StableDAGLearner(
            max_epochs=2, steps_per_epoch=3, learning_rate=0.3, random_state=0
        ).fit(X)
    assert est.converged_ is False


def test_acyclicity_converges_with_defaults():
    X = _data()
    est = StableDAGLearner(random_state=0).fit(X)
    assert est.converged_
    assert est.history_[-1]["h"] <= est.h_tol


@pytest.mark.parametrize("acyclicity", ["logdet", "expm"])
def test_both_acyclicity_functions_train(acyclicity):
    X = _data()
    est = StableDAGLearner(
        acyclicity=acyclicity, standardize=False, equal_variances=True, random_state=0
    ).fit(X)
    assert est.predict_graph().sum() == 2


def test_no_validation_split_uses_training_objective():
    X = _data()
    est = StableDAGLearner(validation_fraction=0.0, random_state=0).fit(X)
    record = est.history_[-1]
    assert record["val_recon"] == pytest.approx(record["recon"], rel=0.05)


def test_verbose_prints_stage_and_epoch_lines(capsys):
    StableDAGLearner(verbose=2, random_state=0).fit(_data())  # converges in 28 epochs
    out = capsys.readouterr().out
    assert "stage 0" in out and "epoch" in out


def test_on_epoch_sees_every_history_record():
    seen = []
    est = StableDAGLearner(random_state=0).fit(_data(), on_epoch=seen.append)
    assert seen == est.history_ and len(seen) == est.n_iter_


def test_a_300_node_fit_has_no_nan_and_is_acyclic():
    from stabledag.graph import is_dag

    rng = np.random.default_rng(0)
    d, n = 300, 400
    X = rng.normal(size=(n, d))
    X[:, 1:] += 0.8 * X[:, :-1]  # a chain, so there is something to find
    # 3 epochs keep it quick; the fit says, truly, that h(W) is still far from h_tol
    with pytest.warns(ConvergenceWarning, match=r"3 of max_epochs=3 epochs\. Raise max_epochs"):
        est = StableDAGLearner(max_epochs=3, refine=False, random_state=0).fit(X)
    assert np.isfinite(est.adjacency_).all() and np.isfinite(est.raw_adjacency_).all()
    assert is_dag(est.predict_graph())


def test_training_config_takes_every_shared_default_from_the_estimator():
    """One source of defaults: the loop's fields without a default are estimator parameters."""
    import dataclasses

    params = StableDAGLearner().get_params()
    fields = dataclasses.fields(_training.TrainingConfig)
    shared = [f.name for f in fields if f.default is dataclasses.MISSING]
    assert shared and set(shared) <= set(params)
    cfg = _training.TrainingConfig.from_params(params)
    assert all(getattr(cfg, name) == params[name] for name in shared)
    assert _training.TrainingConfig.from_params({**params, "threshold": 0.2}).log_threshold == 0.2
