"""Every row of the input table in ``docs/user_guide/inputs.rst``, one test id per row.

A row either fits and gives a finite DAG, or raises the documented error whose
message names the problem and the fix. Either way the caller's data is
unchanged and a failed fit leaves the estimator unfitted.
"""

import numpy as np
import pytest
import scipy.sparse
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from stabledag import DiagnosticWarning, StableDAGLearner
from stabledag.graph import is_dag

from .conftest import FAST

pd = pytest.importorskip("pandas")


def _base(n=60, d=3, seed=0):
    """A chain x0 -> x1 -> x2 (and more columns if asked) with clear dependence."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    for j in range(1, d):
        X[:, j] += 1.5 * X[:, j - 1]
    return X


def _memmap(tmp_path):
    path = tmp_path / "X.dat"
    writable = np.memmap(path, dtype=np.float64, mode="w+", shape=(60, 3))
    writable[:] = _base()
    writable.flush()
    del writable
    return np.memmap(path, dtype=np.float64, mode="r", shape=(60, 3))


def _with(X, i, j, value):
    X = X.copy()
    X[i, j] = value
    return X


# id -> factory(tmp_path) of an input that fits and gives a finite DAG.
WORKS = {
    "duplicate-columns": lambda p: _base()[:, [0, 1, 2, 0]],
    "collinear-columns": lambda p: np.column_stack([_base(), _base() @ [2.0, -1.0, 0.0] + 3.0]),
    "n-less-than-d": lambda p: _base(n=4, d=8),
    "n-equals-2": lambda p: _base(n=2),
    "d-equals-2": lambda p: _base(d=2),
    "integer": lambda p: np.rint(_base() * 10).astype(np.int64),
    "boolean": lambda p: _base() > 0,
    "object-numbers": lambda p: _base().astype(object),
    "nested-list": lambda p: _base().tolist(),
    "float32": lambda p: _base().astype(np.float32),
    "tiny-1e-300": lambda p: _base() * 1e-300,
    "huge-1e300": lambda p: _base() * 1e300,
    "mixed-1e-300-to-1e300": lambda p: _base() * [1e-300, 1.0, 1e300],
    "dataframe-integer-names": lambda p: pd.DataFrame(_base(), columns=[10, 20, 30]),
    "dataframe-string-names": lambda p: pd.DataFrame(_base(), columns=["a", "b", "c"]),
    "readonly-memmap": _memmap,
    "nan": lambda p: _with(_base(), 3, 1, np.nan),  # a missing cell (missing="auto")
}

# Rows of WORKS whose data are degenerate: the fit succeeds and warns once about the real
# problem (id -> regex of the one DiagnosticWarning); every other row fits cleanly.
WARNS = {
    # x3 is x0 again
    "duplicate-columns": r"Column\(s\) 'x3' of X are \(almost\) exact linear combinations",
    # x3 = 2 x0 - x1 + 3: x0, x1 and x3 form one group (the check names one of them)
    "collinear-columns": r"Column\(s\) '(x0|x1|x3)' of X are \(almost\) exact linear combinations",
    "n-less-than-d": r"X has 4 rows for 8 variables",
    "n-equals-2": r"X has 2 rows for 3 variables",
}

# id -> (factory(tmp_path), exception type, regex the message must match).
ERRORS = {
    "inf": (lambda p: _with(_base(), 3, 1, np.inf), ValueError, "infinity.*Replace or drop"),
    "minus-inf": (lambda p: _with(_base(), 0, 0, -np.inf), ValueError, "infinity.*Replace"),
    "constant-column": (
        lambda p: _with(_base(), slice(None), 1, 7.0),
        ValueError,
        "'x1'.*constant.*Drop",
    ),
    "n-equals-1": (lambda p: _base(n=1), ValueError, "1 sample.*at least 2 samples"),
    "no-rows": (lambda p: _base()[:0], ValueError, "0 sample.*at least 2 samples"),
    "d-equals-1": (lambda p: _base(d=1), ValueError, "1 feature.*at least 2 variables"),
    "one-dimensional": (lambda p: _base()[:, 0], ValueError, "Expected 2D array.*[Rr]eshape"),
    "three-dimensional": (lambda p: _base()[None], ValueError, "dim 3.*must be 2-D"),
    "strings": (
        lambda p: np.array([["a", "b"], ["c", "d"], ["e", "f"]]),
        ValueError,
        "could not convert.*encode",
    ),
    "object-with-strings": (
        lambda p: np.array([[1.0, "x"], [2.0, "y"], [3.0, "z"]], dtype=object),
        ValueError,
        "could not convert.*encode",
    ),
    "sparse": (lambda p: scipy.sparse.csr_matrix(_base()), TypeError, "Sparse.*toarray"),
    "complex": (lambda p: _base() + 1j, ValueError, "Complex data.*np.real"),
    "dataframe-duplicate-names": (
        lambda p: pd.DataFrame(_base(), columns=["a", "a", "b"]),
        ValueError,
        r"repeated column names \['a'\].*Rename",
    ),
    "dataframe-mixed-names": (
        lambda p: pd.DataFrame(_base(), columns=["a", 1, "b"]),
        TypeError,
        "string names.*astype\\(str\\)",
    ),
}


def _snapshot(X):
    if isinstance(X, pd.DataFrame):
        return X.copy(deep=True)
    if scipy.sparse.issparse(X):
        return X.copy()
    if isinstance(X, list):
        return [list(row) for row in X]
    return np.array(X, copy=True)


def _unchanged(X, before):
    if isinstance(X, pd.DataFrame):
        return X.equals(before) and list(X.columns) == list(before.columns)
    if scipy.sparse.issparse(X):
        return (X != before).nnz == 0
    if isinstance(X, list):
        return X == before
    numeric = X.dtype.kind in "biufc"
    return X.dtype == before.dtype and np.array_equal(X, before, equal_nan=numeric)


@pytest.mark.parametrize("kind", list(WORKS))
def test_input_gives_a_dag(kind, tmp_path):
    X = WORKS[kind](tmp_path)
    before = _snapshot(X)
    if kind in WARNS:
        with pytest.warns(DiagnosticWarning, match=WARNS[kind]) as record:
            est = StableDAGLearner(random_state=0, **FAST).fit(X)
        assert len(record) == 1  # one summary per fit
    else:
        est = StableDAGLearner(random_state=0, **FAST).fit(X)
    assert _unchanged(X, before)
    assert np.all(np.isfinite(est.adjacency_)) and np.all(np.isfinite(est.raw_adjacency_))
    assert is_dag(est.predict_graph()) and is_dag(est.predict_graph(threshold=0.0))
    assert np.isfinite(est.score(X))
    assert len(est.node_names_) == est.n_features_in_ == np.shape(X)[1]


@pytest.mark.parametrize("kind", list(ERRORS))
def test_input_raises_named_error(kind, tmp_path):
    factory, error, match = ERRORS[kind]
    X = factory(tmp_path)
    before = _snapshot(X)
    est = StableDAGLearner(**FAST)
    with pytest.raises(error, match=f"(?s){match}"):  # messages span lines
        est.fit(X)
    assert _unchanged(X, before)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


def test_every_table_row_is_tested():
    """The ids above and the rows of the docs table are the same set."""
    from pathlib import Path

    page = Path(__file__).parents[1] / "docs" / "user_guide" / "inputs.rst"
    if not page.exists():
        pytest.skip("docs not in this checkout")
    rows = [line.strip() for line in page.read_text().splitlines()]
    ids = [row[6:-2] for row in rows if row.startswith("* - ``") and row.endswith("``")]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(WORKS) | set(ERRORS)


def test_float32_gives_the_float64_graph():
    X32 = _base().astype(np.float32)
    a = StableDAGLearner(random_state=0, **FAST).fit(X32)
    b = StableDAGLearner(random_state=0, **FAST).fit(X32.astype(np.float64))
    assert np.array_equal(a.adjacency_, b.adjacency_)


def test_readonly_memmap_stays_readonly(tmp_path):
    X = _memmap(tmp_path)
    StableDAGLearner(random_state=0, **FAST).fit(X)
    assert not X.flags.writeable


def test_duplicate_column_is_not_its_own_twin_cycle():
    """Two identical columns: at most one direction between them, never both."""
    X = _base()[:, [0, 1, 2, 0]]
    with pytest.warns(DiagnosticWarning, match=WARNS["duplicate-columns"]):
        graph = StableDAGLearner(random_state=0, **FAST).fit(X).predict_graph()
    assert graph[0, 3] + graph[3, 0] <= 1


def test_integer_dataframe_names_fall_back_to_positions():
    est = StableDAGLearner(random_state=0, **FAST).fit(pd.DataFrame(_base(), columns=[10, 20, 30]))
    assert list(est.node_names_) == ["x0", "x1", "x2"]
    assert not hasattr(est, "feature_names_in_")


# ------------------------------------------------------- issue 18: bugs 1, 10, 11
def test_a_required_edge_with_zero_weight_stays_in_every_output():
    """Regression (bug 1): two orthogonal +-1 columns, required_edges=[(1, 0)]."""
    a = np.tile([1.0, -1.0, 1.0, -1.0], 25)
    b = np.tile([1.0, 1.0, -1.0, -1.0], 25)
    est = StableDAGLearner(required_edges=[(1, 0)], random_state=0).fit(np.column_stack([a, b]))
    assert est.predict_graph()[1, 0] == 1 and est.predict_graph(threshold=0.0)[1, 0] == 1
    assert est.adjacency_[1, 0] != 0 and abs(est.adjacency_[1, 0]) < 1e-300
    assert list(est.to_networkx().edges) == [("x1", "x0")]


def test_a_subnormal_column_names_the_right_fix():
    """Regression (bug 10): the message advised standardize=True when it was on."""
    X = np.random.default_rng(0).normal(size=(100, 3))
    X[:, 1] = np.array([0.0, 5e-324] * 50)
    with pytest.raises(ValueError, match=r"'x1'.*vary too little.*Multiply them") as info:
        StableDAGLearner().fit(X)
    assert "standardize=True" not in str(info.value)


@pytest.mark.parametrize("device", ["meta", "mps"])
def test_unsupported_devices_are_refused_up_front(device):
    """Regression (bug 11): NotImplementedError in the middle of training."""
    with pytest.raises(ValueError, match=rf"device='{device}' is not supported.*'cpu'"):
        StableDAGLearner(device=device).fit(np.random.default_rng(0).normal(size=(50, 3)))


def test_predict_graph_as_a_labelled_frame():
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(300, 3)).cumsum(1), columns=list("abc"))
    est = StableDAGLearner(random_state=0).fit(X)
    frame = est.predict_graph(as_frame=True)
    assert list(frame.index) == list(frame.columns) == ["a", "b", "c"]
    np.testing.assert_array_equal(frame.to_numpy(), est.predict_graph())
