"""Checks of a finished fit that warn about likely problems, with the fix in the message.

:func:`diagnose` reads a fitted estimator's ``history_`` and fitted
attributes and returns ``(warning_class, message)`` pairs; :func:`emit`
raises them with :func:`warnings.warn`. Each check is a small function
returning a message or ``None``; each is tuned so that default fits on
ordinary data (the Sachs data, simulated graphs) stay silent.

Non-convergence of ``h(W)`` is not repeated here: ``fit`` already raises a
``ConvergenceWarning``. Only ``h`` *stalling* (not falling although its
weight grew) is reported, because its fix differs. "No edges" is also
reported for data whose columns are truly independent (the message says
so); nothing in ``history_`` tells the two apart.
"""

import warnings

import numpy as np

from .exceptions import DiagnosticWarning

__all__ = ["diagnose", "emit"]

# clip_ratio: mean over epochs after _CLIP_AFTER_EPOCH above _CLIP_SHARE, and the median
# gradient norm above _CLIP_FACTOR * max_grad_norm. Adam is nearly invariant to a constant
# gradient scale, so clipping by a small factor is harmless (default fits of some simulated
# graphs clip ~70% of steps at about 2x the bound); steps shrunk tenfold or more are not.
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


def _check_no_edges(est, params, history):
    if np.any(np.asarray(est.adjacency_) != 0):
        return None
    lam = params["lambda_sparse"]
    return (
        f"No edges were found (lambda_sparse={lam:g}, threshold_={est.threshold_:.3g}). "
        "If the variables should depend on each other, lower lambda_sparse "
        f"(e.g. to {lam / 10:g}) or pass a smaller threshold."
    )


def _check_clipping(est, params, history):
    late = [r for r in history if r["epoch"] > _CLIP_AFTER_EPOCH]
    if not late:
        return None
    share = float(np.mean([r["clip_ratio"] for r in late]))
    bound = params["max_grad_norm"]
    norm = float(np.median([r["grad_norm"] for r in late]))
    if share <= _CLIP_SHARE or norm <= _CLIP_FACTOR * bound:
        return None
    return (
        f"Gradient clipping was active in {share:.0%} of steps after epoch {_CLIP_AFTER_EPOCH}, "
        f"with a median gradient norm of {norm:.3g}, {norm / bound:.0f}x max_grad_norm={bound:g}: "
        "the loss terms are out of balance and the steps are mostly set by the clipping. "
        "Raise max_grad_norm, or lower learning_rate or the lambdas "
        "(lambda_sparse, lambda_acyclic); with unscaled data, use standardize=True."
    )


def _check_lr_never_reduced(est, params, history):
    lr0 = params["learning_rate"]
    if any(r["lr"] < lr0 * (1 - 1e-9) for r in history):
        return None
    max_epochs = params["max_epochs"]
    stages = _stages(history)
    if len(stages) == 1 and len(history) >= max_epochs:
        return None  # the only stage ran out of epochs: it never went flat
    patience = params["lr_patience"]
    no_change = params["n_iter_no_change"]
    factor = params["lr_factor"]
    return (
        f"The learning rate stayed at {lr0:g} for the whole fit although every stage ended "
        "with a flat validation loss (early stopping): ReduceLROnPlateau never acted "
        f"(lr_patience={patience}, n_iter_no_change={no_change}, lr_factor={factor:g}). "
        "Lower learning_rate, or set lr_patience below n_iter_no_change and lr_factor below 1."
    )


def _kept_record(stage, tol):
    """The epoch whose weights a stage kept: its last improvement of the validation loss."""
    best, kept = np.inf, stage[0]
    for record in stage:
        if record["val_loss"] < best - tol:
            best, kept = record["val_loss"], record
    return kept


def _check_h_stalling(est, params, history):
    if est.converged_:
        return None
    stages = _stages(history)
    if len(stages) < 2 or len(stages[-1]) <= params["n_iter_no_change"] + 1:
        return None  # one stage, or the last one stopped at once (see _check_early_stop)
    tol = params["tol"]
    ends = [_kept_record(stage, tol)["h"] for stage in stages]
    best_before = min(ends[:-1])
    if not ends[-1] > _H_STALL_SHARE * best_before:
        return None
    growth = history[-1]["acyclic_weight"] / history[0]["acyclic_weight"]
    return (
        f"h(W) stalled: the last stage ended at h = {ends[-1]:.2e}, no lower than "
        f"{best_before:.2e} reached earlier, although the acyclicity weight grew "
        f"{growth:g}-fold. The steps are likely too large to settle on a DAG: lower "
        "learning_rate (raising max_epochs will not help)."
    )


def _check_early_stop(est, params, history):
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
    _check_no_edges,
    _check_clipping,
    _check_lr_never_reduced,
    _check_h_stalling,
    _check_early_stop,
)


def diagnose(estimator):
    """Look for likely problems in a fitted estimator.

    Checks: no edges found; gradient clipping dominating the steps (more
    than half of them clipped after epoch 5, at over ten times
    ``max_grad_norm``); a learning rate never reduced although the
    stages ended on a flat loss; ``h(W)`` stalling across stages of a fit
    that did not converge; early stopping of the first stage before the
    validation loss ever improved while the training loss was still falling.

    Parameters
    ----------
    estimator : StableDAGLearner
        A fitted estimator (``history_``, ``adjacency_``, ``threshold_``,
        ``converged_``).

    Returns
    -------
    list of (type, str)
        ``(DiagnosticWarning, message)`` pairs; empty when all looks well.

    Examples
    --------
    >>> from stabledag import StableDAGLearner
    >>> from stabledag._diagnostics import diagnose
    >>> from stabledag.datasets import load_sachs
    >>> X, _, _ = load_sachs()
    >>> diagnose(StableDAGLearner(random_state=0).fit(X))
    []
    """
    history = list(getattr(estimator, "history_", None) or [])
    if not history:
        return []
    params = estimator.get_params()
    found = []
    for check in _CHECKS:
        message = check(estimator, params, history)
        if message is not None:
            found.append((DiagnosticWarning, message))
    return found


def emit(estimator, stacklevel=3):
    """Raise each finding of :func:`diagnose` with :func:`warnings.warn`.

    Parameters
    ----------
    estimator : StableDAGLearner
        A fitted estimator.
    stacklevel : int, default=3
        Passed to :func:`warnings.warn`; 3 points at the caller of ``fit``
        when ``emit`` is called at the end of ``fit``.

    Returns
    -------
    list of (type, str)
        What was warned about.

    Examples
    --------
    >>> from stabledag import StableDAGLearner
    >>> from stabledag._diagnostics import emit
    >>> from stabledag.datasets import load_sachs
    >>> X, _, _ = load_sachs()
    >>> emit(StableDAGLearner(random_state=0).fit(X))
    []
    """
    found = diagnose(estimator)
    for category, message in found:
        warnings.warn(message, category, stacklevel=stacklevel)
    return found
