"""Checks of StableDAGLearner's hyperparameters and the preparation of its input.

Each failed check is a ``ValueError`` that names the parameter, the value and
the allowed range. No tensor math here.
"""

import math
import numbers
import os

import numpy as np
import torch
from sklearn.utils import check_random_state

from .acyclicity import ACYCLICITY
from .models import get_model

__all__ = [
    "check_params",
    "check_memory",
    "available_memory",
    "explain_input_error",
    "torch_device",
    "local_random_state",
]

_NON_NEGATIVE = ("lambda_sparse", "lambda_disen", "weight_decay", "tol", "h_tol")
_POSITIVE = ("lambda_recon", "lambda_acyclic", "learning_rate", "max_grad_norm", "edge_penalty")
_COUNTS = ("steps_per_epoch", "n_iter_no_change", "n_stages")
_FLAGS = ("equal_variances", "standardize", "refine")


def check_number(name, value, low, high=math.inf, *, integer=False, low_open=False):
    """Raise a ``ValueError`` unless ``value`` is a finite number in the range."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
        raise ValueError(
            f"{name} must be a finite {'integer' if integer else 'number'}, got {value!r}."
        )
    too_low = value <= low if low_open else value < low
    if too_low or value > high:
        lo = "(" if low_open else "["
        raise ValueError(f"{name} must be in {lo}{low}, {high}], got {value!r}.")


def check_params(params):
    """Check every hyperparameter; return the torch device to train on.

    Parameters
    ----------
    params : dict
        ``StableDAGLearner.get_params()``.

    Returns
    -------
    torch.device
    """
    for name in _NON_NEGATIVE:
        check_number(name, params[name], 0.0)
    for name in _POSITIVE:
        check_number(name, params[name], 0.0, low_open=True)
    check_number("lr_factor", params["lr_factor"], 0.0, 1.0, low_open=True)
    check_number("acyclic_growth", params["acyclic_growth"], 1.0)
    check_number("validation_fraction", params["validation_fraction"], 0.0, 0.5)
    for name in _COUNTS:
        check_number(name, params[name], 1, integer=True)
    epochs = params["max_epochs"]
    if not (isinstance(epochs, str) and epochs == "auto"):
        if isinstance(epochs, str):
            raise ValueError(f"max_epochs must be 'auto' or a positive integer, got {epochs!r}.")
        check_number("max_epochs", epochs, 1, integer=True)
    check_number("lr_patience", params["lr_patience"], 0, integer=True)
    check_number("verbose", params["verbose"], 0, integer=True)
    for name in _FLAGS:
        if not isinstance(params[name], (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {params[name]!r}.")
    check_number("hidden_units", params["hidden_units"], 1, integer=True)
    screen = params.get("screen", "auto")
    if not (isinstance(screen, (bool, np.bool_)) or (isinstance(screen, str) and screen == "auto")):
        raise ValueError(f"screen must be 'auto', True or False, got {screen!r}.")
    get_model(params["model"]).check_params(params)  # unknown names: a ValueError listing them
    if params["acyclicity"] not in ACYCLICITY:
        raise ValueError(
            f"acyclicity must be one of {sorted(ACYCLICITY)}, got {params['acyclicity']!r}."
        )
    if not (isinstance(params["threshold"], str) and params["threshold"] == "auto"):
        check_number("threshold", params["threshold"], 0.0)
    if params["max_selection_samples"] is not None:
        check_number("max_selection_samples", params["max_selection_samples"], 2, integer=True)
    if params["max_time"] is not None:
        check_number("max_time", params["max_time"], 0.0, low_open=True)
    return torch_device(params["device"])


def torch_device(device):
    """The ``torch.device`` for ``device``, or a ``ValueError`` saying what to use."""
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device; use 'cpu' or 'cuda'.") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was asked for but no CUDA GPU is available; use device='cpu'."
        )
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(
            f"device={device!r} is not supported: stabledag trains in float64, which only "
            "the 'cpu' and 'cuda' devices run here; use device='cpu' or 'cuda'."
        )
    return resolved


# Hints appended to scikit-learn's input errors, whose text is kept as is (the common
# checks match on it): (part of sklearn's message, what to do about it).
_INPUT_HINTS = (
    ("infinity", "Replace or drop the infinite values (e.g. drop those rows) before fitting."),
    (
        "could not convert",
        "Every column must be numeric: encode text or categories as numbers "
        "(e.g. sklearn.preprocessing.OrdinalEncoder) or drop those columns.",
    ),
    (
        "Complex data",
        "Split complex columns into real and imaginary parts (np.real, np.imag) "
        "or use their magnitude (np.abs).",
    ),
    ("feature(s)", "A causal graph needs at least 2 variables (columns)."),
    ("sample(s)", "Fit on at least 2 samples (rows)."),
    ("dim 3", "X must be 2-D, of shape (n_samples, n_features)."),
)


def explain_input_error(exc):
    """``exc`` with a hint on how to fix the input appended, or ``exc`` itself if none applies.

    Parameters
    ----------
    exc : ValueError or TypeError
        Raised by ``validate_data``.

    Returns
    -------
    Exception
        Of the same type as ``exc``; its message starts with the original one.

    Examples
    --------
    >>> from stabledag._validation import explain_input_error
    >>> str(explain_input_error(ValueError("Complex data not supported")))[:46]
    'Complex data not supported Split complex colum'
    """
    message = str(exc)
    for needle, hint in _INPUT_HINTS:
        if needle in message:
            return type(exc)(f"{message} {hint}")
    return exc


def available_memory():
    """Bytes of memory available to this process, or None when unknown.

    Reads ``MemAvailable`` from ``/proc/meminfo`` (Linux), else the free
    physical pages from :func:`os.sysconf`; None where neither exists.

    Returns
    -------
    int or None

    Examples
    --------
    >>> from stabledag._validation import available_memory
    >>> available_memory() is None or available_memory() > 0
    True
    """
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(n_samples, n_features, needed):
    """Raise a ``MemoryError`` before training if the fit would not fit in memory.

    Nothing is checked when the available memory is unknown.

    Parameters
    ----------
    n_samples, n_features : int
    needed : int
        The model's estimate of the bytes a fit allocates
        (:meth:`stabledag.models.ModelPlugin.memory_bytes`).

    Raises
    ------
    MemoryError
        Naming ``d``, the estimate, the available memory and the fix.

    Examples
    --------
    >>> from stabledag._validation import check_memory
    >>> check_memory(1000, 10, 10**6)  # a megabyte: fine anywhere
    """
    available = available_memory()
    if available is not None and needed > available:
        raise MemoryError(
            f"Learning a graph on d={n_features} variables (n={n_samples} samples) needs "
            f"about {needed / 2**30:.1f} GiB of memory, but only {available / 2**30:.1f} GiB "
            "is available. Select fewer variables (memory grows as d**2), use a smaller "
            "model (e.g. fewer hidden_units) or a machine with more memory."
        )


def local_random_state(random_state):
    """A local generator; ``None`` draws fresh entropy, never the global RNG."""
    if random_state is None:
        return np.random.RandomState(int(np.random.SeedSequence().generate_state(1)[0]))
    return check_random_state(random_state)
