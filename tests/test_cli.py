import argparse
import csv
import itertools
import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

from stabledag.cli import _parser, main
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.export import read_csv_adjacency


def test_demo_prints_edges_and_scores(capsys):
    assert main(["--seed", "0", "--resamples", "0"]) == 0
    out = capsys.readouterr().out
    assert "Sachs" in out and "SHD" in out and "F1" in out and "time" in out
    assert "->" in out
    assert "Edge frequencies" not in out  # --resamples 0 skips them


def _class_lines(out):
    """{(a, b): kind} from the printed class ("a - b: ..." undirected, "a -> b: ..." not)."""
    found = {}
    for line in out.splitlines():
        if ": direction" in line:
            pair = line.strip().split(": direction")[0]
            sep = " - " if " - " in pair else " -> "
            a, b = pair.split(sep)
            found[a, b] = "undirected" if sep == " - " else "directed"
    return found


def test_demo_prints_the_class_and_the_edge_frequencies(tmp_path, capsys):
    """The class printed is the learned DAG's, by brute force over its DAGs; the class SHD
    compares it with the consensus graph's class (no v-structure: all 17 edges undirected);
    the frequencies are those of the same EdgeStability."""
    from stabledag import EdgeStability, StableDAGLearner
    from stabledag.datasets import load_sachs
    from stabledag.metrics import shd

    from ._equivalence import class_members

    assert main(["--out", str(tmp_path), "--resamples", "3"]) == 0
    out = capsys.readouterr().out
    W, names = read_csv_adjacency(tmp_path / "adjacency.csv")
    members = class_members(W != 0)
    union = members.any(axis=0)
    expected = {}
    for i, j in zip(*np.nonzero(union)):
        if union[j, i]:
            if (names[j], names[i]) not in expected:
                expected[names[i], names[j]] = "undirected"
        else:
            expected[names[i], names[j]] = "directed"
    assert _class_lines(out) == expected
    assert "not identifiable from these data under this model" in out
    truth = load_sachs().graph
    # the consensus graph has no v-structure (no two non-adjacent parents of one node), so
    # Meek's rules orient nothing and its class is all undirected; count differing marks
    for c in range(11):
        parents = np.flatnonzero(truth[:, c])
        for a, b in itertools.combinations(parents, 2):
            assert truth[a, b] or truth[b, a]
    T = (truth != 0) | (truth != 0).T
    L = union.astype(int)
    differing = sum(
        1
        for i in range(11)
        for j in range(i + 1, 11)
        if (bool(T[i, j]), bool(T[i, j])) != (bool(L[i, j]), bool(L[j, i]))
    )
    assert f"class SHD {differing} (the equivalence classes compared" in out
    assert f"next to the DAG SHD {shd(truth, W != 0)}" in out
    assert "leaves 17 of its 17 edges undirected" in out
    stab = EdgeStability(StableDAGLearner(random_state=0), n_resamples=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stab.fit(load_sachs().data)
    freq = stab.edge_frequency_
    i, j = np.unravel_index(np.argmax(freq + freq.T), freq.shape)
    assert "Edge frequencies over 3 refits" in out
    a, b = (i, j) if freq[i, j] >= freq[j, i] else (j, i)
    assert f"  {names[a]} - {names[b]}   {freq[a, b] + freq[b, a]:.2f}   (" in out


def test_demo_writes_outputs(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--resamples", "0"]) == 0
    with open(tmp_path / "adjacency.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][1:4] == ["praf", "pmek", "plcg"] and len(rows) == 12
    assert (tmp_path / "graph.dot").read_text().startswith("digraph {")
    log = json.loads((tmp_path / "training_log.json").read_text())
    assert {"epoch", "grad_norm", "clip_ratio", "lr", "h", "n_edges"} <= set(log[0])
    summary = json.loads((tmp_path / "training_summary.json").read_text())
    assert summary["node_names"][:3] == ["praf", "pmek", "plcg"]


def test_python_dash_m_help():
    result = subprocess.run(
        [sys.executable, "-m", "stabledag", "--help"], capture_output=True, text=True, check=True
    )
    assert "Sachs" in result.stdout and "--seed" in result.stdout
    assert "fit" in result.stdout and "demo" in result.stdout


def test_demo_subcommand_keeps_options_given_before_it():
    args = _parser().parse_args(["--seed", "3", "demo", "--verbose", "1"])
    assert (args.command, args.random_state, args.verbose, args.out) == ("demo", 3, 1, None)
    assert _parser().parse_args([]).command is None  # no command: the demo


def test_demo_subcommand_runs(capsys):
    assert main(["demo", "--seed", "1", "--resamples", "0"]) == 0
    assert "Sachs" in capsys.readouterr().out


# ------------------------------------------------------------------------------ fit
NAMES = ["p44/42", "akt", "x y", "PKC", "raf"]


@pytest.fixture
def data_csv(tmp_path):
    B = simulate_dag(5, 5, "ER", random_state=0)
    X = simulate_linear_sem(simulate_parameter(B, random_state=0), 300, random_state=0)
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(NAMES)
        writer.writerows(X.tolist())
    return path


def test_fit_writes_every_output(data_csv, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["fit", str(data_csv), "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    W, names = read_csv_adjacency(out / "adjacency.csv")
    assert names == NAMES
    for parent, child in zip(*np.nonzero(W)):
        assert f"  {names[parent]} -> {names[child]}   " in stdout
    assert '"p44/42"' in (out / "graph.dot").read_text()
    assert (out / "graph.graphml").stat().st_size > 0
    log = json.loads((out / "training_log.json").read_text())
    summary = json.loads((out / "training_summary.json").read_text())
    assert len(log) == summary["epochs"] and summary["node_names"] == NAMES
    expected_png = _has_matplotlib()
    assert (out / "graph.png").exists() == expected_png
    assert "wrote adjacency.csv, graph.dot, graph.graphml, training_log.json" in stdout


def _has_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def test_fit_passes_the_options_on(data_csv, tmp_path, capsys):
    argv = [
        "fit",
        str(data_csv),
        "--out",
        str(tmp_path / "o"),
        "--lambda-sparse",
        "0.05",
        "--lambda-acyclic",
        "2",
        "--threshold",
        "0.2",
        "--no-standardize",
        "--equal-variances",
        "--seed",
        "3",
        "--max-epochs",
        "40",
    ]
    assert main(argv) == 0
    params = json.loads((tmp_path / "o" / "training_summary.json").read_text())["params"]
    assert params["lambda_sparse"] == 0.05 and params["lambda_acyclic"] == 2.0
    assert params["threshold"] == 0.2 and params["standardize"] is False
    assert params["equal_variances"] is True and params["random_state"] == 3
    assert params["max_epochs"] == 40
    assert params["model"] == "linear" and params["lambda_disen"] == 0.0


def test_fit_mlp_options(data_csv, tmp_path):
    argv = ["fit", str(data_csv), "--out", str(tmp_path / "o"), "--model", "mlp"]
    argv += ["--hidden-units", "3", "--lambda-disen", "0.5", "--max-epochs", "10"]
    assert main(argv) == 0
    params = json.loads((tmp_path / "o" / "training_summary.json").read_text())["params"]
    assert params["model"] == "mlp" and params["hidden_units"] == 3
    assert params["lambda_disen"] == 0.5


def test_fit_without_matplotlib_prints_a_note(data_csv, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    assert main(["fit", str(data_csv), "--out", str(tmp_path / "o")]) == 0
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not (tmp_path / "o" / "graph.png").exists()


def test_fit_warnings_are_one_line_each(data_csv, tmp_path, capsys):
    argv = ["fit", str(data_csv), "--out", str(tmp_path / "o"), "--max-epochs", "2"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "stabledag: warning: h(W)" in err and "Traceback" not in err


# ----------------------------------------------------------------------------- errors
def _error(capsys, path, tmp_path, *options):
    assert main(["fit", str(path), "--out", str(tmp_path / "o"), *options]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stabledag: error: "), captured.err
    return lines[0]


def _write(tmp_path, text, name="bad.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_file(tmp_path, capsys):
    line = _error(capsys, tmp_path / "nope.csv", tmp_path)
    assert "nope.csv: no such file" in line


def test_directory_instead_of_file(tmp_path, capsys):
    assert "is a directory" in _error(capsys, tmp_path, tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("a,b\n", "0 data row(s)"),
        ("a,b\n1,2\n", "1 data row(s) after the header; at least 2 needed"),
        ("a;b;c\n1;2;3\n4;5;6\n", "is the file comma-separated?"),
        ("a,,c\n1,2,3\n4,5,6\n", "column 2 has no name"),
        ("a,b,a\n1,2,3\n4,5,6\n", "column name 'a' appears twice"),
        ("a,b\n1,2\n3\n", "row 2 (line 3) has 1 fields but the header has 2 columns"),
        ("a,b\n1,2\n3,x7\n5,6\n", "column 'b', row 2 (line 3): 'x7' is not a number"),
        ("a,b\n1,2\n3,4\nNA,?\n5,1\n", "row 3 (line 4) has no value (1 such row(s)); drop"),
        ("a,b\n1,NaN\n3,na\n5,\n", "column 'b' has no value (every cell is missing)"),
        ("a,b\n1,2\n3,2\n,2\n", "column 'b' is constant (2 in every row)"),
        ("a,b\n1,2\n3,\n5,2\n", "column 'b' is constant (2 in every observed row)"),
        ("a,b\n1,2\n3,inf\n5,6\n", "column 'b', row 2 (line 3): 'inf' is not a finite number"),
        ("a,b\n1,2\n1,3\n1,4\n", "column 'a' is constant (1 in every row)"),
    ],
)
def test_bad_data_gives_one_line_and_status_2(tmp_path, capsys, text, expected):
    line = _error(capsys, _write(tmp_path, text), tmp_path)
    assert "bad.csv" in line and expected in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b\n1,2\n3,4\n,6\n", "column 'a', row 3 (line 4): missing value ''"),
        ("a,b\n1,NaN\n3,4\n5,6\n", "column 'b', row 1 (line 2): missing value 'NaN'"),
    ],
)
def test_missing_error_names_the_cell(tmp_path, capsys, text, expected):
    line = _error(capsys, _write(tmp_path, text), tmp_path, "--missing", "error")
    assert expected in line and "--missing auto" in line


def test_binary_file(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    assert "not a text (UTF-8) CSV file" in _error(capsys, path, tmp_path)


def test_out_is_a_file(data_csv, tmp_path, capsys):
    blocker = _write(tmp_path, "x", "out")
    assert main(["fit", str(data_csv), "--out", str(blocker)]) == 2
    assert capsys.readouterr().err.startswith("stabledag: error: ")


@pytest.mark.parametrize("value", ["-1", "abc", "nan"])
def test_bad_threshold_is_a_usage_error(data_csv, tmp_path, capsys, value):
    with pytest.raises(SystemExit) as exc:
        main(["fit", str(data_csv), "--out", str(tmp_path), "--threshold", value])
    assert exc.value.code == 2
    assert "expected 'auto' or a number >= 0" in capsys.readouterr().err


def test_invalid_hyperparameter_is_reported(data_csv, tmp_path, capsys):
    line = _error(capsys, data_csv, tmp_path, "--lambda-sparse", "-1")
    assert "lambda_sparse" in line


def test_errors_from_a_real_process_have_no_traceback(tmp_path):
    path = _write(tmp_path, "a,b\n1,2\n3,oops\n")
    result = subprocess.run(
        [sys.executable, "-m", "stabledag", "fit", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("stabledag: error: ") and "'oops'" in result.stderr


def test_fit_help_reads_well():
    result = subprocess.run(
        [sys.executable, "-m", "stabledag", "fit", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in (
        "--out",
        "--lambda-sparse",
        "--threshold auto|F",
        "--no-standardize",
        "--equal-variances",
        "--seed",
        "--max-epochs",
        "--verbose",
    ):
        assert option in result.stdout


def test_fit_shows_a_tqdm_bar_on_a_terminal(tmp_path, monkeypatch, capsys):
    """With tqdm importable and stderr a terminal, the bar advances once per epoch."""
    import types

    from stabledag import cli

    updates = []

    class FakeBar:
        def __init__(self, total, **kwargs):
            self.total = total

        def update(self, n):
            updates.append(n)

        def set_postfix(self, **kwargs):
            assert {"stage", "h", "edges"} <= set(kwargs)

        def close(self):
            updates.append("closed")

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    data = tmp_path / "data.csv"
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    rows = np.column_stack([a, 2 * a + rng.normal(size=200), rng.normal(size=200)])
    np.savetxt(data, rows, delimiter=",", header="a,b,c", comments="")
    assert cli.main(["fit", str(data), "--out", str(tmp_path / "out")]) == 0
    assert updates[-1] == "closed" and updates.count(1) >= 1


# ------------------------------------------------------------- one source for defaults
def _mirrored(parser):
    """The options whose destination is a StableDAGLearner parameter."""
    from stabledag import StableDAGLearner

    params = StableDAGLearner().get_params()
    return {a.dest: a for a in parser._actions if a.dest in params}, params


def _fit_parser():
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["fit"]


def test_cli_defaults_are_the_estimators():
    """Every option that mirrors a parameter defaults to get_params(), but --seed (0)."""
    for parser in (_fit_parser(), _parser()):
        mirrored, params = _mirrored(parser)
        assert {"random_state", "verbose"} <= set(mirrored)
        for dest, action in mirrored.items():
            expected = 0 if dest == "random_state" else params[dest]
            assert action.default == expected, dest
    mirrored, _ = _mirrored(_fit_parser())
    assert {"lambda_sparse", "max_epochs", "threshold", "model", "forbidden_edges"} <= set(mirrored)


def test_fit_help_shows_the_estimators_defaults():
    from stabledag import StableDAGLearner

    params = StableDAGLearner().get_params()
    text = " ".join(_fit_parser().format_help().split())  # what 'stabledag fit --help' prints
    mirrored, _ = _mirrored(_fit_parser())
    for dest in mirrored:
        if params[dest] is not None:  # the prior options default to None: nothing to show
            value = 0 if dest == "random_state" else params[dest]
            assert f"(default: {value}" in text, dest


def test_fit_without_options_uses_the_estimators_parameters(data_csv, tmp_path):
    from stabledag import StableDAGLearner

    assert main(["fit", str(data_csv), "--out", str(tmp_path / "o")]) == 0
    params = json.loads((tmp_path / "o" / "training_summary.json").read_text())["params"]
    expected = StableDAGLearner(random_state=0).get_params()
    assert params == json.loads(json.dumps(expected))


# ------------------------------------------------------------------ the same file names
def test_demo_and_fit_write_the_same_files(data_csv, tmp_path, capsys):
    assert main(["--out", str(tmp_path / "demo"), "--resamples", "0"]) == 0
    assert main(["fit", str(data_csv), "--out", str(tmp_path / "fit")]) == 0
    demo, fit = (sorted(p.name for p in (tmp_path / d).iterdir()) for d in ("demo", "fit"))
    assert demo == fit
    assert {"adjacency.csv", "graph.dot", "graph.graphml", "training_log.json"} <= set(fit)
    assert "training_summary.json" in fit and "history.csv" not in demo


# ------------------------------------------------------------------- the demo explains
def test_demo_explains_its_figures_and_names_each_error(tmp_path, capsys):
    from stabledag.datasets import load_sachs
    from stabledag.metrics import shd

    assert main(["--out", str(tmp_path), "--resamples", "0"]) == 0
    out = capsys.readouterr().out
    W, names = read_csv_adjacency(tmp_path / "adjacency.csv")
    truth = load_sachs().graph
    missed, extra, reversed_ = [], [], []
    for i in range(len(names)):  # brute force over ordered pairs
        for j in range(len(names)):
            edge = f"{names[i]} -> {names[j]}"
            if truth[i, j] and not W[i, j] and not W[j, i]:
                missed.append(edge)
            if W[i, j] and not truth[i, j] and truth[j, i]:
                reversed_.append(edge)
            if W[i, j] and not truth[i, j] and not truth[j, i]:
                extra.append(edge)
    lines = {line.split(" ", 1)[0]: line for line in out.splitlines()}
    for word, edges in (("missed", missed), ("extra", extra), ("reversed", reversed_)):
        listed = lines[word].split(": ", 1)[1]
        assert sorted(listed.split(", ")) == sorted(edges or ["none"]), word
        assert lines[word].startswith(f"{word} {len(edges)} (")
    assert shd(truth, W != 0) == len(missed) + len(extra) + len(reversed_)
    assert f"SHD {shd(truth, W != 0)} (structural Hamming distance" in out
    assert "threshold" in out and "the |weight| below which an edge is dropped" in out
    assert "share of learned edges that are true" in out


# ------------------------------------------------------------------ names that bite
def _write_rows(path, names, X, sep=","):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, delimiter=sep)
        writer.writerow(names)
        writer.writerows(X.tolist())
    return path


def _chain_data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 2 * a + rng.normal(size=n)
    c = -1.5 * b + rng.normal(size=n)
    return np.column_stack([a, b, c])


def test_formula_names_are_neutralised_in_the_csv(tmp_path, capsys):
    names = ["=HYPERLINK(1)", "@b", "-c"]
    data = _write_rows(tmp_path / "d.csv", names, _chain_data())
    assert main(["fit", str(data), "--out", str(tmp_path / "o")]) == 0
    with open(tmp_path / "o" / "adjacency.csv", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == ["", "'=HYPERLINK(1)", "'@b", "'-c"]
    assert read_csv_adjacency(tmp_path / "o" / "adjacency.csv")[1] == names


def test_dollar_names_draw_and_exit_0(tmp_path, capsys):
    """'$x_$' crashed matplotlib's mathtext when graph.png was drawn (after the fit)."""
    pytest.importorskip("matplotlib")
    data = _write_rows(tmp_path / "d$x_$.csv", ["$x_$", "a$b", "$c$"], _chain_data())
    assert main(["fit", str(data), "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and (tmp_path / "o" / "graph.png").exists()
    assert "  $x_$ -> a$b   " in captured.out or "  a$b -> $x_$   " in captured.out


# ------------------------------------------------------------------------ memory
def test_too_many_columns_is_one_line(tmp_path, capsys, monkeypatch):
    """10,000 columns: the memory check's MemoryError used to escape as a traceback."""
    import stabledag._validation as validation

    monkeypatch.setattr(validation, "available_memory", lambda: 4 * 2**30)  # pin: 4 GiB free
    rng = np.random.default_rng(0)
    data = _write_rows(
        tmp_path / "wide.csv", [f"v{k}" for k in range(10_000)], rng.normal(size=(3, 10_000))
    )
    line = _error(capsys, data, tmp_path)
    assert "wide.csv" in line and "d=10000" in line and "Select fewer variables" in line
    assert not (tmp_path / "o").exists()


def test_a_bare_memory_error_is_one_line_with_the_fix(data_csv, tmp_path, capsys, monkeypatch):
    from stabledag import StableDAGLearner

    def fit(self, X, y=None, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(StableDAGLearner, "fit", fit)
    line = _error(capsys, data_csv, tmp_path)
    assert "out of memory" in line and "select fewer columns" in line


# ------------------------------------------------------------------------ --out
def test_out_that_is_a_file_is_refused_before_fitting(data_csv, tmp_path, capsys, monkeypatch):
    from stabledag import StableDAGLearner

    monkeypatch.setattr(StableDAGLearner, "fit", lambda *a, **k: pytest.fail("fitted"))
    blocker = _write(tmp_path, "x", "out")
    assert main(["fit", str(data_csv), "--out", str(blocker)]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err == f"stabledag: error: --out {blocker}: is an existing file, not a folder; "
        "give a folder name (it is created if missing) or move the file"
    )
    assert main(["fit", str(data_csv), "--out", str(blocker / "sub")]) == 2
    assert "is a file, so no folder can be made in it" in capsys.readouterr().err
    assert main(["--out", str(blocker)]) == 2  # the demo too
    assert "is an existing file" in capsys.readouterr().err


# ----------------------------------------------------------------- prior knowledge
@pytest.fixture
def chain_csv(tmp_path):
    return _write_rows(tmp_path / "chain.csv", ["a", "b", "c"], _chain_data(1000))


def _graph(tmp_path):
    W, names = read_csv_adjacency(tmp_path / "o" / "adjacency.csv")
    return {(names[i], names[j]) for i, j in zip(*np.nonzero(W))}


def test_forbid_require_and_tiers_reach_the_estimator(chain_csv, tmp_path, capsys):
    argv = ["fit", str(chain_csv), "--out", str(tmp_path / "o"), "--tiers", "a;b;c"]
    assert main(argv) == 0
    assert _graph(tmp_path) == {("a", "b"), ("b", "c")}  # the true chain, oriented by tiers
    argv = ["fit", str(chain_csv), "--out", str(tmp_path / "o")]
    argv += ["--forbid", "a,b", "--forbid", "b,a", "--require", "c,a"]
    assert main(argv) == 0
    edges = _graph(tmp_path)
    assert ("a", "b") not in edges and ("b", "a") not in edges and ("c", "a") in edges
    params = json.loads((tmp_path / "o" / "training_summary.json").read_text())["params"]
    assert params["forbidden_edges"] == [[0, 1], [1, 0]] and params["required_edges"] == [[2, 0]]


def test_prior_file(chain_csv, tmp_path, capsys):
    prior = _write(
        tmp_path, "# what we know\ntier: a\ntier: b, c  # b before c\nforbid: b, c\n", "p.txt"
    )
    assert main(["fit", str(chain_csv), "--out", str(tmp_path / "o"), "--prior", str(prior)]) == 0
    params = json.loads((tmp_path / "o" / "training_summary.json").read_text())["params"]
    assert params["tiers"] == [[0], [1, 2]] and params["forbidden_edges"] == [[1, 2]]
    assert ("b", "c") not in _graph(tmp_path) and ("b", "a") not in _graph(tmp_path)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--forbid", "a,z"], "--forbid 'a,z': 'z' is not a column of "),
        (["--require", "a"], "--require 'a': expected PARENT,CHILD (two names), got 'a'"),
        (["--forbid", "a,b,c"], "expected PARENT,CHILD"),
        (["--tiers", "a;q"], "--tiers 'a;q': 'q' is not a column"),
        (["--tiers", "a;;b"], "has an empty name"),
        (["--forbid", "a,b", "--require", "a,b"], "'a' -> 'b' is both required and forbidden"),
        (["--require", "a,b", "--require", "b,a"], "directed cycle"),
        (["--prior", "nope.txt"], "--prior nope.txt: cannot be read"),
    ],
)
def test_bad_prior_knowledge_is_one_line(chain_csv, tmp_path, capsys, options, expected):
    line = _error(capsys, chain_csv, tmp_path, *options)
    assert expected in line


def test_bad_prior_file_names_the_line(chain_csv, tmp_path, capsys):
    prior = _write(tmp_path, "tier: a\nforbidd: a, b\n", "p.txt")
    line = _error(capsys, chain_csv, tmp_path, "--prior", str(prior))
    assert "p.txt line 2: expected 'forbid: A, B', 'require: A, B' or 'tier: A, B, ...'" in line


# ------------------------------------------------------------------- reading files
def test_tsv_by_extension_and_sep(tmp_path, capsys):
    X = _chain_data()
    tsv = _write_rows(tmp_path / "d.tsv", ["a", "b", "c"], X, sep="\t")
    assert main(["fit", str(tsv), "--out", str(tmp_path / "o")]) == 0
    txt = _write_rows(tmp_path / "d.txt", ["a", "b", "c"], X, sep="\t")
    assert main(["fit", str(txt), "--out", str(tmp_path / "p"), "--sep", "\\t"]) == 0
    semi = _write_rows(tmp_path / "d.csv", ["a", "b", "c"], X, sep=";")
    assert main(["fit", str(semi), "--out", str(tmp_path / "q"), "--sep", ";"]) == 0
    for out in "opq":
        assert read_csv_adjacency(tmp_path / out / "adjacency.csv")[1] == ["a", "b", "c"]


def test_the_separator_hint_names_the_one_found(tmp_path, capsys):
    semi = _write_rows(tmp_path / "d.csv", ["a", "b", "c"], _chain_data(), sep=";")
    line = _error(capsys, semi, tmp_path)
    assert "is the file comma-separated? it looks separated by ';': use --sep ';'" in line


def test_a_pandas_index_column_gets_a_hint(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "frame.csv"
    pd.DataFrame(_chain_data(), columns=list("abc")).to_csv(path)  # the default keeps the index
    line = _error(capsys, path, tmp_path)
    assert "column 1 has no name in the header row (line 1)" in line
    assert "to_csv(..., index=False)" in line


def test_a_headerless_file_is_detected_and_no_header_reads_it(tmp_path, capsys):
    path = tmp_path / "bare.csv"
    np.savetxt(path, _chain_data(), delimiter=",")
    line = _error(capsys, path, tmp_path)
    assert "the first row (line 1) holds numbers" in line and "--no-header" in line
    assert main(["fit", str(path), "--out", str(tmp_path / "o"), "--no-header"]) == 0
    W, names = read_csv_adjacency(tmp_path / "o" / "adjacency.csv")
    assert names == ["x0", "x1", "x2"] and np.count_nonzero(W) == 2


@pytest.mark.parametrize("value", ["ab", ""])
def test_bad_sep_is_a_usage_error(data_csv, tmp_path, capsys, value):
    with pytest.raises(SystemExit):
        main(["fit", str(data_csv), "--out", str(tmp_path), "--sep", value])
    assert "expected one character" in capsys.readouterr().err


def test_without_pandas_the_outputs_still_carry_the_names(data_csv, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert main(["fit", str(data_csv), "--out", str(tmp_path / "o")]) == 0
    assert read_csv_adjacency(tmp_path / "o" / "adjacency.csv")[1] == NAMES
    summary = json.loads((tmp_path / "o" / "training_summary.json").read_text())
    assert summary["node_names"] == NAMES
    assert '"p44/42"' in (tmp_path / "o" / "graph.dot").read_text()


# ------------------------------------------------------------------------- progress
class _FakeBar:
    made = []

    def __init__(self, total, **kwargs):
        _FakeBar.made.append(self)

    def update(self, n):
        pass

    def set_postfix(self, **kwargs):
        pass

    def close(self):
        pass


@pytest.mark.parametrize(
    ("tty", "options", "bar"),
    [
        (True, [], True),
        (False, [], False),
        (True, ["--no-progress"], False),
        (False, ["--progress"], True),
    ],
)
def test_progress_option(data_csv, tmp_path, monkeypatch, capsys, tty, options, bar):
    import types

    _FakeBar.made = []
    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=_FakeBar))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty, raising=False)
    assert main(["fit", str(data_csv), "--out", str(tmp_path / "o"), *options]) == 0
    assert bool(_FakeBar.made) == bar


def test_progress_without_tqdm_says_how_to_get_it(data_csv, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert main(["fit", str(data_csv), "--out", str(tmp_path / "o"), "--progress"]) == 0
    assert "pip install 'stabledag[cli]'" in capsys.readouterr().err


def test_fit_prints_the_class_and_optional_frequencies(chain_csv, tmp_path, capsys):
    assert main(["fit", str(chain_csv), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert _class_lines(out) == {("a", "b"): "undirected", ("b", "c"): "undirected"}
    assert "Edge frequencies" not in out  # off by default for fit
    assert main(["fit", str(chain_csv), "--out", str(tmp_path / "o"), "--resamples", "2"]) == 0
    out = capsys.readouterr().out
    assert "Edge frequencies over 2 refits" in out
    assert "  a - b   1.00   (" in out or "  b - a   1.00   (" in out


def test_fit_in_an_identifying_mode_says_what_the_directions_rest_on(chain_csv, tmp_path, capsys):
    options = ["--equal-variances", "--no-standardize"]
    assert main(["fit", str(chain_csv), "--out", str(tmp_path / "o"), *options]) == 0
    out = capsys.readouterr().out
    assert "identifiable_ = 'dag'" in out and "equal noise variances" in out
    assert "a -> b: direction from the model's assumptions only (the class leaves it open)" in out
    assert "not identifiable" not in out


@pytest.mark.parametrize("value", ["-1", "x", "1.5"])
def test_bad_resamples_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--resamples", value])
    assert info.value.code == 2
    assert "--resamples" in capsys.readouterr().err
