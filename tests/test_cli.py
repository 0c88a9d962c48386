import csv
import subprocess
import sys

from stabledag.cli import main


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
    with open(tmp_path / "history.csv") as fh:
        header = next(csv.reader(fh))
    assert {"epoch", "grad_norm", "clip_ratio", "lr", "h", "n_edges"} <= set(header)


def test_python_dash_m_help():
    result = subprocess.run(
        [sys.executable, "-m", "stabledag", "--help"], capture_output=True, text=True, check=True
    )
    assert "Sachs" in result.stdout and "--seed" in result.stdout
