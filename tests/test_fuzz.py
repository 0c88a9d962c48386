"""Property-based fuzzing of ``fit`` across shapes, scales, dtypes, defects and parameters.

Properties: ``fit`` either succeeds or raises one of the documented errors
(``ValueError``/``TypeError`` for bad input); a fitted model has no NaN, its
graphs are acyclic at every threshold, the same ``random_state`` gives the
same graph, and the caller's array is never modified.

Each property runs twice: a fast subset (a few examples, part of every
``python -m pytest`` run) and the full set (hundreds of examples in all),
marked ``slow`` and run only when asked for, with ``python -m pytest -m slow``
or ``STABLEDAG_FUZZ=full python -m pytest tests/test_fuzz.py``.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from stabledag import StableDAGLearner
from stabledag.graph import is_dag

from .conftest import degenerate_fits

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
# the fast set (every test run, CI included) draws the same examples each time, so CI cannot
# fail on a new draw; the full set (-m slow) explores afresh
FAST_SET = settings(max_examples=12, derandomize=True, **_COMMON)
FULL_SET = settings(max_examples=300, **_COMMON)

_FULL_REQUESTED = (
    "os.environ.get('STABLEDAG_FUZZ') == 'full' or ('slow' in config.getoption('markexpr') "
    "and 'not slow' not in config.getoption('markexpr'))"
)
full_only = pytest.mark.skipif(
    f"not ({_FULL_REQUESTED})",
    reason="full fuzz set: run with -m slow or STABLEDAG_FUZZ=full",
)

# Errors the documentation promises for bad input; anything else is a bug.
DOCUMENTED = (ValueError, TypeError)


# ------------------------------------------------------------------ strategies
@st.composite
def structured_data(draw):
    """Linear-SEM-like data in any units and dtype, with optional defects."""
    n = draw(st.integers(2, 40))
    d = draw(st.integers(2, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) @ np.triu(rng.normal(size=(d, d)))
    dtype = draw(st.sampled_from(["float64", "float32", "int64", "bool"]))
    if dtype == "float64":
        X = X * 10.0 ** np.array(draw(st.lists(st.integers(-300, 300), min_size=d, max_size=d)))
    elif dtype == "float32":
        X = (X * 10.0 ** draw(st.integers(-30, 30))).astype(np.float32)
    elif dtype == "int64":
        X = np.rint(X * draw(st.sampled_from([1, 10, 1000]))).astype(np.int64)
    else:
        X = X > 0
    defect = draw(st.sampled_from(["none", "none", "duplicate", "constant", "nan", "inf"]))
    if defect == "duplicate":
        X[:, -1] = X[:, 0]
    elif defect == "constant":
        X[:, draw(st.integers(0, d - 1))] = X[0, 0]
    elif defect in ("nan", "inf") and X.dtype.kind == "f":
        X[draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))] = (
            np.nan if defect == "nan" else np.inf
        )
    return X


def raw_data():
    """Arbitrary floats (repeats, zeros, huge and tiny values) straight from hypothesis."""
    shape = st.tuples(st.integers(2, 25), st.integers(2, 4))
    return arrays(np.float64, shape, elements=st.floats(-1e300, 1e300, allow_subnormal=False))


params = st.fixed_dictionaries(
    {
        "threshold": st.sampled_from(["auto", 0.0, 0.1, 0.5]),
        "equal_variances": st.booleans(),
        "standardize": st.booleans(),
        "refine": st.booleans(),
        "acyclicity": st.sampled_from(["logdet", "expm"]),
        "validation_fraction": st.sampled_from([0.0, 0.1, 0.3]),
        "lambda_sparse": st.sampled_from([0.0, 0.02, 0.5]),
        "learning_rate": st.sampled_from([1e-3, 1e-2, 0.3]),
        "max_epochs": st.integers(1, 12),
        "steps_per_epoch": st.integers(1, 4),
        "random_state": st.integers(0, 2**31 - 1),
    }
)


# ------------------------------------------------------------------ the property
def _fit(X, kwargs):
    # arbitrary data and budgets of 1-12 epochs: convergence and diagnostic findings are true
    # and expected, one per fit at most, and nothing else may warn
    with degenerate_fits():
        return StableDAGLearner(**kwargs).fit(X)


def check_fit(X, kwargs, readonly):
    if readonly:
        X.flags.writeable = False
    before = X.copy()
    try:
        est = _fit(X, kwargs)
    except DOCUMENTED as exc:
        event(f"outcome: {type(exc).__name__}")
        assert str(exc), "a documented error must say what is wrong"
        assert np.array_equal(X, before, equal_nan=True)
        return
    event("outcome: fitted")
    assert np.array_equal(X, before, equal_nan=X.dtype.kind == "f")
    for name in ("adjacency_", "raw_adjacency_", "noise_var_", "mean_", "scale_"):
        assert not np.any(np.isnan(getattr(est, name))), name
    assert is_dag(est.predict_graph())
    for threshold in (0.0, 0.3):
        assert is_dag(est.predict_graph(threshold=threshold))
    again = _fit(X, kwargs)
    assert np.array_equal(est.adjacency_, again.adjacency_)
    assert np.array_equal(est.raw_adjacency_, again.raw_adjacency_)


def _examples():
    return st.one_of(structured_data(), raw_data())


@FAST_SET
@given(X=_examples(), kwargs=params, readonly=st.booleans())
def test_fit_fuzz(X, kwargs, readonly):
    check_fit(X, kwargs, readonly)


@pytest.mark.slow
@full_only
@FULL_SET
@given(X=_examples(), kwargs=params, readonly=st.booleans())
def test_fit_fuzz_full(X, kwargs, readonly):
    check_fit(X, kwargs, readonly)


@FAST_SET
@given(X=structured_data())
def test_default_parameters_fuzz(X):
    check_fit(X, {"max_epochs": 10, "steps_per_epoch": 3, "random_state": 0}, False)


@pytest.mark.slow
@full_only
@FULL_SET
@given(X=structured_data())
def test_default_parameters_fuzz_full(X):
    check_fit(X, {"max_epochs": 10, "steps_per_epoch": 3, "random_state": 0}, False)
