"""The one optimisation loop: clipping, scheduler, early stopping, acyclicity schedule.

Training runs in *stages* of an acyclicity schedule (a log-det central path,
as in DAGMA): stage ``k`` minimises

    lambda_recon * recon + lambda_sparse * l1 + lambda_acyclic * growth**k * h(W) / d

(every term mean-reduced over nodes, so with the default weights stage ``k``
is DAGMA's central-path problem with ``mu = growth**-k``), so the acyclicity
weight grows until ``h(W)`` reaches ``h_tol``. Each stage is
a sequence of *epochs*; an epoch is ``steps_per_epoch`` Adam steps
(weight decay, gradient norm clipping), each on every training row or, with
``batch_size``, on that many rows drawn afresh without replacement (seeded
by ``batch_seed``, so the cost of an epoch does not grow with ``n``), after
which the objective on the validation statistics drives
``ReduceLROnPlateau`` and early stopping, and one history record is written.
A stage ends when the validation objective has not improved for
``n_iter_no_change`` epochs; its best weights are restored.

A step that produces a non-finite value or leaves the log-det domain is undone:
the epoch restarts from its starting weights with half the learning rate, at
most ``max_retries`` times per stage.

This module knows nothing of scikit-learn or of the estimator.
"""

import copy
import dataclasses
import functools
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from . import _linear_numpy
from ._optim import Adam, ReduceLROnPlateau
from .acyclicity import ACYCLICITY, logdet_acyclicity_and_grad
from .losses import l1_penalty, residual_dependence

__all__ = ["TrainingConfig", "TrainingResult", "train", "refit", "data_tensors"]


@dataclass(frozen=True)
class TrainingConfig:
    """Hyperparameters of :func:`train`.

    The fields shared with :class:`stabledag.StableDAGLearner` have no
    defaults here: :meth:`from_params` takes them from the estimator's
    parameters, the one source of every default (see the estimator for
    their meaning). The last four are the loop's own settings.
    """

    lambda_recon: float
    lambda_sparse: float
    lambda_acyclic: float
    lambda_disen: float
    learning_rate: float
    weight_decay: float
    max_grad_norm: float
    lr_factor: float
    lr_patience: int
    max_epochs: int
    steps_per_epoch: int
    n_iter_no_change: int
    tol: float
    n_stages: int
    acyclic_growth: float
    h_tol: float
    acyclicity: str
    verbose: int
    max_time: float | None  # seconds; checked after every epoch
    min_lr: float = 1e-5
    max_retries: int = 20
    log_threshold: float = 0.3  # edge count logged per epoch

    batch_size: int | None = None  # rows per step (None: all); statistics must be the rows
    batch_seed: int = 0  # seed of the mini-batch draws

    @classmethod
    def from_params(cls, params, **overrides):
        """The configuration for an estimator's ``get_params()``.

        The logged edge count uses the estimator's threshold, or 0.3 while
        it is ``"auto"``.

        Parameters
        ----------
        params : dict
            ``StableDAGLearner.get_params()`` (extra keys are ignored).
        **overrides
            Fields to set instead.

        Returns
        -------
        TrainingConfig

        Examples
        --------
        >>> from stabledag import StableDAGLearner
        >>> from stabledag._training import TrainingConfig
        >>> TrainingConfig.from_params(StableDAGLearner(max_epochs=7).get_params()).max_epochs
        7
        """
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in params.items() if k in names}
        threshold = params.get("threshold", "auto")
        if threshold != "auto":
            values["log_threshold"] = float(threshold)
        values.update(overrides)
        return cls(**values)


@dataclass
class TrainingResult:
    """What :func:`train` returns: plain NumPy/Python values, no tensors."""

    weights: np.ndarray
    history: list = field(default_factory=list)
    n_iter: int = 0
    converged: bool = False
    h: float = float("nan")
    timed_out: bool = False


def _objective(cfg, recon, sparse, h, acyclic_weight, d):
    """The training objective, written once for every path (tensors or floats)."""
    return cfg.lambda_recon * recon + cfg.lambda_sparse * sparse + acyclic_weight * h / d


def _objective_grad(cfg, recon_grad, sign, h_grad, acyclic_weight, d, mask):
    """Its gradient in ``W`` from the terms' gradients (``sign`` of ``W`` for the L1 term)."""
    grad = cfg.lambda_recon * recon_grad + (cfg.lambda_sparse / d) * sign
    return (grad + (acyclic_weight / d) * h_grad) * mask


def _terms(model, stats, acyclic_weight, cfg, data=None):
    """Every loss term and the weighted total, as tensors.

    ``data`` (the data tensor behind ``stats``) is needed only for the
    residual-dependence term, which is computed when ``lambda_disen > 0``.
    """
    W = model.adjacency()
    recon = model.recon_loss(stats)
    sparse = l1_penalty(W)
    h = ACYCLICITY[cfg.acyclicity](W)
    total = _objective(cfg, recon, sparse, h, acyclic_weight, W.shape[0])
    terms = {"loss": total, "recon": recon, "sparse": sparse, "h": h}
    if cfg.lambda_disen > 0 and data is not None:
        disen = residual_dependence(model.residuals(data))
        terms["loss"] = total + cfg.lambda_disen * disen
        terms["disen"] = disen
    return terms


@torch.no_grad()
def _clip(grads, max_norm):
    """Scale ``grads`` in place to a joint norm of at most ``max_norm``; return the norm before.

    The rule of ``torch.nn.utils.clip_grad_norm_``, shared by every path:
    NumPy arrays give a float, tensors a tensor.
    """
    if isinstance(grads[0], np.ndarray):
        norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
        for grad in grads:
            grad *= min(1.0, max_norm / (norm + 1e-6))
        return norm
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = (max_norm / (norm + 1e-6)).clamp(max=1.0)
    for grad in grads:
        grad.mul_(coef)
    return norm


def _past(deadline):
    """Whether a ``time.perf_counter`` deadline (None: none) has passed."""
    return deadline is not None and time.perf_counter() > deadline


def _weights_are_finite(model):
    """Cheap check after a step; leaving the log-det domain shows as an infinite h next."""
    return bool(torch.isfinite(model.adjacency().detach()).all())


def _step(model, optimizer, stats, acyclic_weight, cfg, data=None):
    """One clipped optimiser step; returns (terms, grad_norm, clipped) or None if invalid."""
    optimizer.zero_grad(set_to_none=True)
    terms = _terms(model, stats, acyclic_weight, cfg, data)
    if not bool(torch.isfinite(terms["loss"])):
        return None
    terms["loss"].backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad and p.grad is not None]
    grad_norm = _clip(grads, cfg.max_grad_norm).item()
    if not math.isfinite(grad_norm):
        return None
    optimizer.step()
    if not _weights_are_finite(model):
        return None
    values = {k: v.item() for k, v in terms.items()}
    return values, grad_norm, grad_norm > cfg.max_grad_norm


def _train_epoch(
    model, optimizer, stats, acyclic_weight, cfg, data=None, deadline=None, sample=None
):
    """``steps_per_epoch`` steps; the averages of the epoch, or None if a step failed.

    ``sample`` (optional) returns the row indices of each step's mini-batch;
    the statistics (and ``data``) are then the data rows themselves.
    """
    sums, norms, n_clipped = {}, [], 0
    for steps in range(1, cfg.steps_per_epoch + 1):  # noqa: B007 (read after the loop)
        batch, batch_data = stats, data
        if sample is not None:
            rows = sample()
            batch = stats[rows]
            batch_data = None if data is None else data[rows]
        out = _step(model, optimizer, batch, acyclic_weight, cfg, batch_data)
        if out is None:
            return None
        values, grad_norm, clipped = out
        for key, value in values.items():
            sums[key] = sums.get(key, 0.0) + value
        norms.append(grad_norm)
        n_clipped += int(clipped)
        if _past(deadline):
            break
    record = {f"train_{k}" if k == "loss" else k: v / steps for k, v in sums.items()}
    record["grad_norm"] = float(np.mean(norms))
    record["clip_ratio"] = n_clipped / steps
    return record


def _has_closed_form(model, cfg):
    """Whether every term's gradient has a closed form (no autograd needed)."""
    return (
        cfg.acyclicity == "logdet"
        and cfg.lambda_disen == 0
        and callable(getattr(model, "recon_loss_and_grad", None))
    )


@torch.no_grad()
def _train_epoch_closed_form(
    model, optimizer, stats, acyclic_weight, cfg, data=None, deadline=None
):
    """:func:`_train_epoch` with closed-form gradients, checked once at the end.

    The same objective, clipping and optimiser as the autograd path, in a
    handful of tensor operations per step and with no synchronisation with
    the device inside the epoch. A non-finite value anywhere in the epoch
    (a step that left the log-det domain included) makes the whole epoch
    fail, as in :func:`_train_epoch`.
    """
    weight, mask = model.weight, model.mask
    d = weight.shape[0]
    sums = torch.zeros(6, dtype=weight.dtype, device=weight.device)
    for steps in range(1, cfg.steps_per_epoch + 1):  # noqa: B007 (read after the loop)
        W = weight * mask
        recon, recon_grad = model.recon_loss_and_grad(stats)
        h, h_grad = logdet_acyclicity_and_grad(W)
        sparse = W.abs().sum() / d
        total = _objective(cfg, recon, sparse, h, acyclic_weight, d)
        grad = _objective_grad(cfg, recon_grad, torch.sign(W), h_grad, acyclic_weight, d, mask)
        norm = _clip([grad], cfg.max_grad_norm)
        weight.grad = grad
        optimizer.step()
        clipped = (norm > cfg.max_grad_norm).to(weight.dtype)
        sums += torch.stack([total, recon, sparse, h, norm, clipped])
        if _past(deadline):
            break
    weight.grad = None
    means = (sums / steps).tolist()
    if not all(math.isfinite(v) for v in means) or not _weights_are_finite(model):
        return None
    names = ("train_loss", "recon", "sparse", "h", "grad_norm", "clip_ratio")
    return dict(zip(names, means))


def _train_epoch_numpy(model, optimizer, stats, acyclic_weight, cfg, data=None, deadline=None):
    """:func:`_train_epoch_closed_form` in NumPy, for a linear model on the CPU.

    Works on NumPy views of the model's weights and the optimiser's moments,
    so the model is updated in place; stops at the first non-finite value.
    """
    W_param, mask = model.weight.detach().numpy(), model.mask.numpy()
    S = stats.numpy()
    d = W_param.shape[0]
    sums = np.zeros(6)
    for steps in range(1, cfg.steps_per_epoch + 1):  # noqa: B007 (read after the loop)
        W = W_param * mask
        recon, recon_grad = model.recon_loss_and_grad_numpy(S)
        h, h_grad = _linear_numpy.logdet_acyclicity_and_grad(W)
        sparse = float(np.abs(W).sum()) / d
        total = _objective(cfg, recon, sparse, h, acyclic_weight, d)
        if not math.isfinite(total):
            return None
        grad = _objective_grad(cfg, recon_grad, np.sign(W), h_grad, acyclic_weight, d, mask)
        norm = float(_clip([grad], cfg.max_grad_norm))
        if not math.isfinite(norm):
            return None
        optimizer.step_array(grad)
        sums += (total, recon, sparse, h, norm, float(norm > cfg.max_grad_norm))
        if _past(deadline):
            break
    if not _weights_are_finite(model):
        return None
    names = ("train_loss", "recon", "sparse", "h", "grad_norm", "clip_ratio")
    return dict(zip(names, (sums / steps).tolist()))


def _batch_sampler(cfg, n_rows, device):
    """A function drawing one mini-batch's row indices, or None for full batches."""
    if cfg.batch_size is None or cfg.batch_size >= n_rows:
        return None
    generator = torch.Generator().manual_seed(int(cfg.batch_seed))
    size = int(cfg.batch_size)

    def sample():
        return torch.randperm(n_rows, generator=generator)[:size].to(device)

    return sample


def _epoch_function(model, cfg, sample=None):
    """The cheapest epoch that computes this model's objective exactly.

    With a mini-batch ``sample`` it is always the autograd epoch.
    """
    if sample is not None:
        return functools.partial(_train_epoch, sample=sample)
    if not _has_closed_form(model, cfg):
        return _train_epoch
    on_cpu = model.weight.device.type == "cpu" and model.weight.dtype == torch.float64
    if on_cpu and callable(getattr(model, "recon_loss_and_grad_numpy", None)):
        return _train_epoch_numpy
    return _train_epoch_closed_form


def _evaluate(model, stats, acyclic_weight, cfg, data=None):
    with torch.no_grad():
        terms = _terms(model, stats, acyclic_weight, cfg, data)
    return {k: v.item() for k, v in terms.items()}


def _set_lr(optimizer, lr):
    for group in optimizer.param_groups:
        group["lr"] = lr


def _make_optimizer(model, lr, cfg):
    optimizer = Adam(model.parameters(), lr=lr, weight_decay=cfg.weight_decay)
    scheduler = ReduceLROnPlateau(
        optimizer,
        factor=cfg.lr_factor,
        patience=cfg.lr_patience,
        threshold=cfg.tol,
        min_lr=cfg.min_lr,
    )
    return optimizer, scheduler


def _edge_count(model, threshold):
    W = model.adjacency().detach()
    return int((W.abs() > threshold).sum().item())


@dataclass
class _LoopState:
    """What the stages of one :func:`train` call share and update."""

    cfg: TrainingConfig
    on_epoch: object = None
    train_data: object = None
    val_data: object = None
    epoch: int = 0
    history: list = field(default_factory=list)
    start: float = field(default_factory=time.perf_counter)
    timed_out: bool = False
    feasible: object = None  # the last stage's best weights with h <= h_tol, if any
    sample: object = None  # the mini-batch sampler, shared by the stages

    @property
    def deadline(self):
        """The ``time.perf_counter`` value at which ``max_time`` runs out, or None."""
        limit = self.cfg.max_time
        return None if limit is None else self.start + limit

    def out_of_time(self):
        """Whether ``max_time`` has run out (an epoch in progress then stops after its step)."""
        return _past(self.deadline)


def _fit_stage(model, train_stats, val_stats, stage, state):
    """Train one stage of the schedule to early stopping; updates ``state``."""
    cfg = state.cfg
    acyclic_weight = cfg.lambda_acyclic * cfg.acyclic_growth**stage
    optimizer, scheduler = _make_optimizer(model, cfg.learning_rate, cfg)
    run_epoch = _epoch_function(model, cfg, state.sample)
    best_val, best_weights, stale, retries = math.inf, copy.deepcopy(model.state_dict()), 0, 0
    best_feasible, state.feasible = math.inf, None
    while state.epoch < cfg.max_epochs:
        start_weights = copy.deepcopy(model.state_dict())
        record = run_epoch(
            model, optimizer, train_stats, acyclic_weight, cfg, state.train_data, state.deadline
        )
        if record is None:
            retries = _retreat(model, optimizer, start_weights, retries, cfg)
            continue
        val = _evaluate(model, val_stats, acyclic_weight, cfg, state.val_data)
        if not math.isfinite(val["loss"]):
            retries = _retreat(model, optimizer, start_weights, retries, cfg)
            continue
        state.epoch += 1
        scheduler.step(val["loss"])
        record.update(_bookkeeping(model, state, stage, acyclic_weight, val, optimizer))
        state.history.append(record)
        if state.on_epoch is not None:
            state.on_epoch(record)
        _log_epoch(record, cfg)
        if val["h"] <= cfg.h_tol and val["loss"] < best_feasible:
            best_feasible, state.feasible = val["loss"], copy.deepcopy(model.state_dict())
        if val["loss"] < best_val - cfg.tol:
            best_val, best_weights, stale = val["loss"], copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
        if stale >= cfg.n_iter_no_change:
            break
        if state.out_of_time():
            state.timed_out = True  # the stage's best weights are restored below
            break
    model.load_state_dict(best_weights)


def _retreat(model, optimizer, start_weights, retries, cfg):
    """Undo a failed epoch and halve the learning rate; raise after too many tries."""
    if retries >= cfg.max_retries:
        raise FloatingPointError(
            "Training kept producing non-finite values or leaving the acyclicity domain "
            f"after {retries} learning-rate cuts. Lower learning_rate, raise lambda_sparse "
            "or check the data for extreme values."
        )
    model.load_state_dict(start_weights)
    _set_lr(optimizer, optimizer.param_groups[0]["lr"] * 0.5)
    optimizer.state.clear()
    return retries + 1


def _bookkeeping(model, state, stage, acyclic_weight, val, optimizer):
    cfg = state.cfg
    return {
        "epoch": state.epoch,
        "stage": stage,
        "val_loss": val["loss"],
        "val_recon": val["recon"],
        "h": val["h"],
        "lr": optimizer.param_groups[0]["lr"],
        "acyclic_weight": acyclic_weight,
        "n_edges": _edge_count(model, cfg.log_threshold),
        "threshold": cfg.log_threshold,
        "time": time.perf_counter() - state.start,
    }


def _log_epoch(record, cfg):
    if cfg.verbose >= 2:
        print(
            f"epoch {record['epoch']:5d} stage {record['stage']} loss {record['train_loss']:.5f} "
            f"val {record['val_loss']:.5f} h {record['h']:.2e} |g| {record['grad_norm']:.3f} "
            f"clip {record['clip_ratio']:.2f} lr {record['lr']:.1e} edges {record['n_edges']}"
        )


def train(model, train_stats, val_stats, cfg, on_epoch=None, data=(None, None)):
    """Fit ``model`` through the acyclicity schedule.

    Parameters
    ----------
    model : torch.nn.Module
        A model of :mod:`stabledag.models` (``adjacency``, ``recon_loss``).
    train_stats, val_stats
        Statistics from ``model.prepare`` on the training and validation data
        (the same object twice when there is no validation split).
    cfg : TrainingConfig
    on_epoch : callable, optional
        Called with each epoch's history record (progress bars, logging).
    data : (torch.Tensor, torch.Tensor), optional
        The training and validation data behind the statistics, needed by
        the residual-dependence term (``cfg.lambda_disen > 0``); it is then
        recorded as ``disen`` in the history.

    Returns
    -------
    TrainingResult
    """
    state = _LoopState(cfg, on_epoch, *data)
    if cfg.batch_size is not None:
        state.sample = _batch_sampler(cfg, train_stats.shape[0], train_stats.device)
    h = math.inf
    for stage in range(cfg.n_stages):
        _fit_stage(model, train_stats, val_stats, stage, state)
        h = _evaluate(model, train_stats, 0.0, cfg)["h"]
        if cfg.verbose >= 1:
            print(f"stage {stage}: epochs {state.epoch}, h(W) = {h:.3e}")
        if h <= cfg.h_tol or state.epoch >= cfg.max_epochs or state.timed_out:
            break
    if h > cfg.h_tol and state.feasible is not None:
        # The last stage passed through acyclic weights (h <= h_tol) but its best validation
        # loss came earlier, off the DAG set: end on the best of the acyclic ones instead.
        model.load_state_dict(state.feasible)
        h = _evaluate(model, train_stats, 0.0, cfg)["h"]
    weights = model.adjacency().detach().cpu().numpy().copy()
    return TrainingResult(
        weights=weights,
        history=state.history,
        n_iter=state.epoch,
        converged=bool(h <= cfg.h_tol),
        h=float(h),
        timed_out=state.timed_out,
    )


def data_tensors(Z, train_idx, val_idx, device):
    """Training and validation rows as float64 tensors (the same tensor twice without a split).

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag._training import data_tensors
    >>> X_train, X_val = data_tensors(np.zeros((4, 2)), np.arange(4), None, "cpu")
    >>> X_train is X_val
    True
    """
    X_train = torch.tensor(Z[train_idx], dtype=torch.float64, device=device)
    if val_idx is None:
        return X_train, X_train
    return X_train, torch.tensor(Z[val_idx], dtype=torch.float64, device=device)


def refit(model, allowed, train_stats, val_stats, cfg):
    """Refit ``model`` with its edges restricted to the DAG ``allowed``; its NumPy parameters.

    One stage of the same loop without the L1 penalty (on a DAG mask the
    acyclicity term and its gradient are exactly zero), warm-started from
    the trained weights and stopped early on the validation loss. The epochs
    are not added to the history.

    Parameters
    ----------
    model : MLPSEM
        The trained model (restricted in place).
    allowed : ndarray of bool, shape (d, d)
        The selected DAG.
    train_stats, val_stats
        As in :func:`train`.
    cfg : TrainingConfig

    Returns
    -------
    dict
        ``model.numpy_params()`` after the refit.
    """
    model.restrict_(allowed)
    refit_cfg = dataclasses.replace(cfg, lambda_sparse=0.0, n_stages=1, verbose=0)
    train(model, train_stats, val_stats, refit_cfg, data=(train_stats, val_stats))
    return model.numpy_params()
