"""Warnings raised by stabledag (import them to filter or assert them).

``ConvergenceWarning`` is scikit-learn's
(:class:`sklearn.exceptions.ConvergenceWarning`): raised when the
acyclicity schedule does not reach ``h_tol`` or ``max_time`` runs out.
"""

__all__ = ["DiagnosticWarning"]


class DiagnosticWarning(UserWarning):
    """A fitted model looks suspicious; the message says why and what to change.

    Raised at the end of ``fit`` by the checks of the training history (at
    most one per finding). Filter it like any warning.

    Examples
    --------
    >>> import warnings
    >>> from stabledag import DiagnosticWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DiagnosticWarning)
    ...     warnings.warn("ignored", DiagnosticWarning)
    """
