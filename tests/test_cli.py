import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from stabledag.cli import _parser, main
from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
from stabledag.export import read_csv_adjacency


def test_demo_prints_edges_and_scores(capsys):
    assert main(["--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "Sachs" in out and "SHD" in out and "F1" in out and "time" in out
    assert "->" in out


def test_demo_writes_outputs(tmp_path, capsys):
    assert main(["--out", str(tmp_path)]) == 0
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
    assert main(["demo", "--seed", "1"]) == 0
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
        ("a,b\n1,2\n3,4\n,6\n", "column 'a', row 3 (line 4): missing value ''"),
        ("a,b\n1,NaN\n3,4\n5,6\n", "column 'b', row 1 (line 2): missing value 'NaN'"),
        ("a,b\n1,2\n3,inf\n5,6\n", "column 'b', row 2 (line 3): 'inf' is not a finite number"),
        ("a,b\n1,2\n1,3\n1,4\n", "column 'a' is constant (1 in every row)"),
    ],
)
def test_bad_data_gives_one_line_and_status_2(tmp_path, capsys, text, expected):
    line = _error(capsys, _write(tmp_path, text), tmp_path)
    assert "bad.csv" in line and expected in line


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
