"""Checks of a finished fit that warn about likely problems, with the fix in the message.

:func:`diagnose` reads a fitted estimator's ``history_``, its fitted
attributes, the training result and what the input checks found, and
returns ``(warning_class, message)`` findings; :func:`emit` raises them as
**one** warning per fit (a summary when there are several), a
``ConvergenceWarning`` when one of them is about convergence or the time
budget, else a :class:`~stabledag.DiagnosticWarning`. Each check is a small
function returning a finding or ``None``; each is tuned so that default fits
on ordinary data (the Sachs data, simulated graphs) stay silent, and each
message states only what the history shows.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .exceptions import DiagnosticWarning
from .models import DEFAULT_MAX_EPOCHS

__all__ = ["diagnose", "emit", "summarize"]

# clip_ratio: mean over the first stage's epochs after _CLIP_AFTER_EPOCH above _CLIP_SHARE,
# and their median gradient norm above _CLIP_FACTOR * max_grad_norm. Adam is nearly
# invariant to a constant gradient scale, so clipping by a small factor is harmless (default
# fits of some simulated graphs clip ~70% of steps at about 2x the bound); steps shrunk
# tenfold or more are not. Only the first stage tells whether the user's loss terms are in
# balance: later stages multiply the acyclicity weight by acyclic_growth each, and their
# steep gradients are the schedule at work (clean equal-variance fits clip every step of
# their last stages and reach h_tol all the same; benchmarks/clean_warnings.py).
_CLIP_AFTER_EPOCH = 5
_CLIP_SHARE = 0.5
_CLIP_FACTOR = 10.0
# early stopping: stage 0 ended within n_iter_no_change + 1 epochs although the training
# loss fell by more than this (relative to max(1, |first loss|)); data with nothing to
# learn (independent columns) stop early with a flat loss and are not reported.
_EARLY_STOP_DROP = 1e-3
# h stalling: the last stage ended above this share of the lowest h of earlier stages.
_H_STALL_SHARE = 0.5


def _stages(history):
    """Lists of consecutive records of the same stage, in order."""
    stages = []
    for record in history:
        if not stages or stages[-1][-1]["stage"] != record["stage"]:
            stages.append([])
        stages[-1].append(record)
    return stages


def _check_no_edges(est, params, history, result):
    if np.any(np.asarray(est.adjacency_) != 0):
        return None
    lam = params["lambda_sparse"]
    return (
        f"No edges were found (lambda_sparse={lam:g}, threshold_={est.threshold_:.3g}). "
        "If the variables should depend on each other, lower lambda_sparse "
        f"(e.g. to {lam / 10:g}) or pass a smaller threshold."
    )


def _check_clipping(est, params, history, result):
    first = _stages(history)[0]
    late = [r for r in first if r["epoch"] > _CLIP_AFTER_EPOCH]
    if not late:
        return None
    share = float(np.mean([r["clip_ratio"] for r in late]))
    bound = params["max_grad_norm"]
    norm = float(np.median([r["grad_norm"] for r in late]))
    if share <= _CLIP_SHARE or norm <= _CLIP_FACTOR * bound:
        return None
    scaling = "" if params["standardize"] else "; with unscaled data, use standardize=True"
    return (
        f"Gradient clipping was active in {share:.0%} of the first stage's steps after epoch "
        f"{_CLIP_AFTER_EPOCH}, "
        f"with a median gradient norm of {norm:.3g}, {norm / bound:.0f}x max_grad_norm={bound:g}: "
        "the loss terms are out of balance and the steps are mostly set by the clipping. "
        "Raise max_grad_norm, or lower learning_rate or the lambdas "
        f"(lambda_sparse, lambda_acyclic){scaling}."
    )


def _ended_by_early_stopping(stage, params):
    """Whether a stage ended because its validation loss went flat (not by a budget)."""
    return len(stage) >= params["n_iter_no_change"]


def _check_lr_never_reduced(est, params, history, result):
    lr0 = params["learning_rate"]
    if any(r["lr"] < lr0 * (1 - 1e-9) for r in history):
        return None
    stages = _stages(history)
    budget_ended = history[-1]["epoch"] >= params["max_epochs"] or getattr(
        result, "ran_out_in", None
    )
    flat = [stage for stage in (stages[:-1] if budget_ended else stages)]
    flat = [stage for stage in flat if _ended_by_early_stopping(stage, params)]
    # the scheduler cuts after lr_patience flat epochs: a stage that went flat for longer
    # without a cut is what this check is about
    if not flat or max(len(stage) for stage in flat) <= params["lr_patience"] + 1:
        return None
    return (
        f"The learning rate stayed at {lr0:g} for the whole fit although {len(flat)} of "
        f"{len(stages)} stages ended on a flat validation loss (early stopping): "
        "ReduceLROnPlateau never acted "
        f"(lr_patience={params['lr_patience']}, n_iter_no_change={params['n_iter_no_change']}, "
        f"lr_factor={params['lr_factor']:g}). Lower learning_rate, or set lr_patience below "
        "n_iter_no_change and lr_factor below 1."
    )


def _kept_record(stage, tol):
    """The epoch whose weights a stage kept: its last improvement of the validation loss."""
    best, kept = np.inf, stage[0]
    for record in stage:
        if record["val_loss"] < best - tol:
            best, kept = record["val_loss"], record
    return kept


def _stall(params, history):
    """``(h at the end, lowest h of earlier stages)`` when h stopped falling, else None."""
    stages = _stages(history)
    if len(stages) < 2 or len(stages[-1]) <= params["n_iter_no_change"] + 1:
        return None  # one stage, or the last one stopped at once (see _check_early_stop)
    ends = [_kept_record(stage, params["tol"])["h"] for stage in stages]
    best_before = min(ends[:-1])
    if not ends[-1] > _H_STALL_SHARE * best_before:
        return None
    return ends[-1], best_before


def _check_convergence(est, params, history, result):
    """Non-convergence of h(W), or the time budget: what happened and the fix that applies."""
    ran_out_in = getattr(result, "ran_out_in", None)
    if ran_out_in == "training":
        return ConvergenceWarning, (
            f"Training reached max_time={params['max_time']} s after {result.training.n_iter} "
            f"epochs and stopped with h(W) = {result.training.h:.2e}; the best weights so far "
            "were used, made acyclic, without the order-search refinement. Raise max_time for "
            "a complete fit."
        )
    if ran_out_in == "network fit":  # the MLP's search path: the graph came first
        return ConvergenceWarning, (
            f"max_time={params['max_time']} s ran out while the networks were fitted on the "
            f"searched graph ({result.training.n_iter} epochs): the graph is complete, the "
            "networks (model_params_, score_samples) are fitted only partly. Raise max_time "
            "for a complete fit."
        )
    if ran_out_in is not None:
        return ConvergenceWarning, (
            f"max_time={params['max_time']} s ran out during {ran_out_in}: the threshold "
            f"{est.threshold_:.3g} is the best of the cuts scored in time (or the fallback "
            "0.3 when none could be), and the graph was not refined. Raise max_time for a "
            "complete fit."
        )
    if est.converged_:
        return None
    if est.get_params()["max_epochs"] == "auto" and history[-1]["epoch"] >= params["max_epochs"]:
        # the model's own short budget (ModelPlugin.epoch_budget): the continuous fit only
        # starts the order search there, which returns a DAG; more epochs are not the fix
        if params["max_epochs"] < DEFAULT_MAX_EPOCHS:
            return None
    h = result.training.h if result is not None else history[-1]["h"]
    head = f"h(W) = {h:.2e} did not reach h_tol={params['h_tol']:g}"
    tail = (
        " The selected graph is a DAG all the same: edges enter strongest first and one "
        "that would close a cycle is left out."
    )
    stall = _stall(params, history)
    if stall is not None:
        growth = history[-1]["acyclic_weight"] / history[0]["acyclic_weight"]
        return ConvergenceWarning, (
            f"{head}: it stalled, the last stage ending at {stall[0]:.2e} after "
            f"{stall[1]:.2e} in an earlier one (less than halved), although the acyclicity "
            f"weight grew {growth:g}-fold. The steps are likely too large to settle on a "
            "DAG: lower learning_rate; more epochs or stages will not help." + tail
        )
    n_run, epochs = len(_stages(history)), history[-1]["epoch"]
    done = f"{n_run} of n_stages={params['n_stages']} stages, {epochs} of " + (
        f"max_epochs={params['max_epochs']} epochs"
    )
    if epochs >= params["max_epochs"]:
        return ConvergenceWarning, f"{head} after {done}. Raise max_epochs." + tail
    return ConvergenceWarning, (
        f"{head} after {done}. Raise n_stages or acyclic_growth (the acyclicity weight grows "
        "acyclic_growth-fold per stage), or lambda_acyclic." + tail
    )


def _check_early_stop(est, params, history, result):
    first = _stages(history)[0]
    no_change = params["n_iter_no_change"]
    max_epochs = params["max_epochs"]
    if len(first) > no_change + 1 or len(first) >= max_epochs:
        return None
    drop = first[0]["train_loss"] - first[-1]["train_loss"]
    if drop <= _EARLY_STOP_DROP * max(1.0, abs(first[0]["train_loss"])):
        return None
    return (
        f"Early stopping ended the first stage after {len(first)} epochs: the validation "
        "loss never improved after epoch 1 although the training loss kept falling "
        f"({first[0]['train_loss']:.4g} -> {first[-1]['train_loss']:.4g}). Raise "
        f"n_iter_no_change (now {no_change}), lower tol (now "
        f"{params['tol']:g}) or lower validation_fraction."
    )


_CHECKS = (
    _check_convergence,
    _check_no_edges,
    _check_clipping,
    _check_lr_never_reduced,
    _check_early_stop,
)


def diagnose(estimator, result=None, input_problems=False):
    """Look for likely problems in a fitted estimator.

    Checks: ``h(W)`` above ``h_tol`` at the end (with the fix that applies:
    a stall across stages, the epoch budget, or the stage budget) or the time
    budget spent (with ``result``); no edges found; gradient clipping
    dominating the steps (more than half of them clipped after epoch 5, at
    over ten times ``max_grad_norm``); a learning rate never reduced
    although stages ended on a flat loss; early stopping of the first stage
    before the validation loss ever improved while the training loss was
    still falling.

    Parameters
    ----------
    estimator : StableDAGLearner
        A fitted estimator (``history_``, ``adjacency_``, ``threshold_``,
        ``converged_``).
    result : FitResult, optional
        The fit (final ``h``, where ``max_time`` ran out); without it the
        time budget is not checked and the last recorded ``h`` is reported.
    input_problems : bool, default=False
        Whether the input checks found a problem with the data (collinear
        columns, too few rows): the training checks, whose findings it would
        explain (clipping, stalls, early stops), are then skipped.

    Returns
    -------
    list of (type, str)
        ``(warning class, message)`` pairs; empty when all looks well.

    Examples
    --------
    >>> from stabledag import StableDAGLearner
    >>> from stabledag._diagnostics import diagnose
    >>> from stabledag.datasets import load_sachs
    >>> X = load_sachs().data
    >>> diagnose(StableDAGLearner(random_state=0).fit(X))
    []
    """
    history = list(getattr(estimator, "history_", None) or [])
    if not history:
        return []
    params = estimator.get_params()
    # the budget the fit had ("auto" resolved by the model)
    params["max_epochs"] = getattr(estimator, "max_epochs_", params["max_epochs"])
    found = []
    if input_problems:
        return []  # degenerate data make every training symptom; their finding says so
    for check in _CHECKS:
        finding = check(estimator, params, history, result)
        if isinstance(finding, str):
            finding = (DiagnosticWarning, finding)
        if finding is not None:
            found.append(finding)
    return found


def summarize(findings):
    """One ``(warning class, message)`` for a list of findings, or None when there are none.

    A ``ConvergenceWarning`` if any finding is one, else a
    :class:`~stabledag.DiagnosticWarning`; several findings are numbered in
    one message.

    Examples
    --------
    >>> from stabledag import DiagnosticWarning
    >>> from stabledag._diagnostics import summarize
    >>> summarize([(DiagnosticWarning, "a."), (DiagnosticWarning, "b.")])[1]
    'This fit has 2 likely problems. (1) a. (2) b.'
    """
    if not findings:
        return None
    categories = [category for category, _ in findings]
    category = next((c for c in categories if issubclass(c, ConvergenceWarning)), categories[0])
    if len(findings) == 1:
        return category, findings[0][1]
    parts = " ".join(f"({k}) {message}" for k, (_, message) in enumerate(findings, 1))
    return category, f"This fit has {len(findings)} likely problems. {parts}"


def emit(estimator, result=None, findings=(), stacklevel=3):
    """Warn once about everything :func:`diagnose` and the input checks found.

    Parameters
    ----------
    estimator : StableDAGLearner
        A fitted estimator.
    result : FitResult, optional
        Passed to :func:`diagnose`.
    findings : sequence of (type, str), default=()
        Findings of earlier checks (e.g. of the input), listed first.
    stacklevel : int, default=3
        Passed to :func:`warnings.warn`; 3 points at the caller of ``fit``
        when ``emit`` is called at the end of ``fit``.

    Returns
    -------
    list of (type, str)
        Every finding (one warning was raised for all of them).

    Examples
    --------
    >>> from stabledag import StableDAGLearner
    >>> from stabledag._diagnostics import emit
    >>> from stabledag.datasets import load_sachs
    >>> X = load_sachs().data
    >>> emit(StableDAGLearner(random_state=0).fit(X))
    []
    """
    found = list(findings) + diagnose(estimator, result, input_problems=bool(findings))
    summary = summarize(found)
    if summary is not None:
        warnings.warn(summary[1], summary[0], stacklevel=stacklevel)
    return found
