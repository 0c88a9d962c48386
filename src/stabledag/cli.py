"""Command line: ``stabledag`` (console script) and ``python -m stabledag``.

``stabledag`` or ``stabledag demo`` fits the embedded Sachs data and
compares the result with the 17-edge consensus graph; ``--out DIR`` also
writes the adjacency (CSV), the graph (DOT) and the training history (CSV).

``stabledag fit data.csv --out DIR`` fits a CSV file (a header row of
names, then numeric rows) and writes ``adjacency.csv``, ``graph.dot``,
``graph.graphml``, ``training_log.json``, ``training_summary.json`` and,
when matplotlib is installed, ``graph.png``; then prints the edges.

Problems with the input (a missing or empty file, a non-numeric or missing
value, too few rows) end with a one-line ``stabledag: error: ...`` message
on stderr and exit status 2.
"""

import argparse
import csv
import math
import os
import sys
import time
import warnings

import numpy as np

from . import export
from .datasets import load_sachs
from .estimator import StableDAGLearner
from .metrics import count_accuracy
from .models import available_models

__all__ = ["main"]

_MISSING = {"", "nan", "na", "n/a", "null", "none", "?"}


class _InputError(Exception):
    """A problem with the user's input; its message is printed as one line."""


# ------------------------------------------------------------------- parsers
def _demo_options(parser, title, defaults=True):
    """The demo's options; without ``defaults`` (after ``demo``) values given before stay."""

    def default(value):
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group(title)
    group.add_argument("--seed", type=int, default=default(0), metavar="N", help="random_state (0)")
    group.add_argument(
        "--dataset", choices=["sachs"], default=default("sachs"), help="embedded dataset (sachs)"
    )
    group.add_argument(
        "--out",
        metavar="DIR",
        default=default(None),
        help="write adjacency.csv, graph.dot and history.csv there",
    )
    group.add_argument("--verbose", type=int, default=default(0), metavar="N", help="0, 1 or 2 (0)")


def _threshold(text):
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected 'auto' or a number >= 0, got {text!r}")
    return value


def _fit_options(sub):
    fit = sub.add_parser(
        "fit",
        help="learn a DAG from a CSV file",
        description="Learn a causal DAG from a CSV file with StableDAGLearner and write the "
        "graph (CSV, DOT, GraphML, PNG) and the training log (JSON) to --out.",
        epilog="Example: stabledag fit measurements.csv --out results --lambda-sparse 0.05",
    )
    fit.add_argument("csv", metavar="data.csv", help="header row of names, then numeric rows")
    fit.add_argument("--out", metavar="DIR", required=True, help="folder for the outputs")
    add = fit.add_argument
    add("--lambda-sparse", type=float, default=0.02, metavar="F", help="L1 weight (0.02)")
    add("--lambda-acyclic", type=float, default=1.0, metavar="F", help="h(W) weight (1.0)")
    add(
        "--threshold",
        type=_threshold,
        default="auto",
        metavar="auto|F",
        help="edge cut-off on |weight|, or 'auto' to pick it by BIC (auto)",
    )
    add(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="scale every column to unit variance first (on)",
    )
    add(
        "--equal-variances",
        action="store_true",
        help="least squares with one noise variance (same units and noise scale only)",
    )
    add(
        "--model",
        choices=available_models(),
        default="linear",
        help="structural equation model, from stabledag.models (linear)",
    )
    add("--hidden-units", type=int, default=10, metavar="N", help="MLP hidden units (10)")
    add(
        "--lambda-disen",
        type=float,
        default=0.0,
        metavar="F",
        help="residual-dependence weight; helps with non-Gaussian noise (0.0)",
    )
    add("--seed", type=int, default=0, metavar="N", help="random_state (0)")
    add("--max-epochs", type=int, default=2000, metavar="N", help="epoch budget (2000)")
    add("--verbose", type=int, default=0, metavar="N", help="0, 1 or 2 (0)")


def _parser():
    parser = argparse.ArgumentParser(
        prog="stabledag",
        description="Learn causal DAGs from observational data. Without a command: fit the "
        "embedded Sachs et al. (2005) data (853 samples, 11 proteins) and compare with the "
        "17-edge consensus graph.",
        epilog="Run 'stabledag fit --help' for fitting your own CSV file.",
    )
    _demo_options(parser, "demo options (used without a command)")
    sub = parser.add_subparsers(dest="command", title="commands", metavar="{demo,fit}")
    demo = sub.add_parser(
        "demo",
        help="the Sachs demo (the default)",
        description="Fit the embedded Sachs data and compare with the consensus graph.",
    )
    _demo_options(demo, "demo options", defaults=False)
    _fit_options(sub)
    return parser


# -------------------------------------------------------------------- reading
def _open_rows(path):
    """``[(line_number, cells)]`` of the non-blank rows of a CSV file."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            return [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except FileNotFoundError:
        raise _InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise _InputError(f"{path}: is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise _InputError(f"{path}: not a text (UTF-8) CSV file") from None
    except (OSError, csv.Error) as exc:
        raise _InputError(f"{path}: cannot be read ({exc})") from None


def _header(path, line, row):
    names = [cell.strip() for cell in row]
    if len(names) < 2:
        raise _InputError(
            f"{path}: the header row has {len(names)} column ({row[0]!r}); at least 2 are "
            "needed (is the file comma-separated?)"
        )
    for k, name in enumerate(names, 1):
        if not name:
            raise _InputError(f"{path}: column {k} has no name in the header row (line {line})")
        if names.index(name) != k - 1:
            raise _InputError(f"{path}: column name {name!r} appears twice in the header row")
    return names


def _value(path, text, name, row, line):
    where = f"{path}: column {name!r}, row {row} (line {line})"
    text = text.strip()
    if text.lower() in _MISSING:
        raise _InputError(f"{where}: missing value {text!r}; fill or drop incomplete rows")
    try:
        value = float(text)
    except ValueError:
        raise _InputError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _InputError(f"{where}: {text!r} is not a finite number")
    return value


def _read_data(path):
    """Read a numeric CSV file with a header row; ``(X, names)`` or ``_InputError``.

    Parameters
    ----------
    path : str
        CSV file: names in the first row, one sample per further row.

    Returns
    -------
    X : ndarray of shape (n_samples, n_columns)
    names : list of str

    Examples
    --------
    >>> from stabledag.cli import _read_data
    >>> X, names = _read_data("data.csv")  # doctest: +SKIP
    """
    rows = _open_rows(path)
    if not rows:
        raise _InputError(f"{path}: the file is empty")
    names = _header(path, *rows[0])
    data = rows[1:]
    if len(data) < 2:
        raise _InputError(f"{path}: {len(data)} data row(s) after the header; at least 2 needed")
    X = np.empty((len(data), len(names)))
    for r, (line, cells) in enumerate(data, 1):
        if len(cells) != len(names):
            raise _InputError(
                f"{path}: row {r} (line {line}) has {len(cells)} fields but the header has "
                f"{len(names)} columns"
            )
        X[r - 1] = [_value(path, c, n, r, line) for c, n in zip(cells, names)]
    for name, column in zip(names, X.T):
        if np.ptp(column) == 0:
            raise _InputError(
                f"{path}: column {name!r} is constant ({column[0]:g} in every row), so it has "
                "no causal relation to learn; drop it"
            )
    return X, names


# ------------------------------------------------------------------- commands
def _fit_quietly(est, X, names):
    """Fit; warnings become ``stabledag: warning:`` lines, and the columns name the nodes.

    ``X`` is an array (pandas is optional here), so the names are set on the
    fitted estimator for the exports, as a DataFrame fit would have set them.
    """
    bar = _progress_bar(est.max_epochs)
    on_epoch = None if bar is None else (lambda record: _advance(bar, record))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X, on_epoch=on_epoch)
        finally:
            if bar is not None:
                bar.close()
    for w in caught:
        print(f"stabledag: warning: {w.message}", file=sys.stderr)
    est.node_names_ = np.asarray(names, dtype=object)
    return est


def _progress_bar(total):
    """A tqdm bar on stderr when it is a terminal and tqdm is installed, else None."""
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="epoch", leave=False, file=sys.stderr, desc="fitting")


def _advance(bar, record):
    bar.update(1)
    bar.set_postfix(stage=record["stage"], h=f"{record['h']:.1e}", edges=record["n_edges"])


def _save_png(est, path, title):
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    from .plotting import plot_graph

    ax = plot_graph(est)
    ax.set_title(title)
    ax.figure.savefig(path, dpi=120)
    plt.close(ax.figure)
    return True


def _write_fit_outputs(est, directory, title):
    os.makedirs(directory, exist_ok=True)
    export.to_csv(est, os.path.join(directory, "adjacency.csv"))
    with open(os.path.join(directory, "graph.dot"), "w", encoding="utf-8") as fh:
        fh.write(export.to_dot(est) + "\n")
    export.to_graphml(est, os.path.join(directory, "graph.graphml"))
    export.save_training_log(est, directory)
    written = ["adjacency.csv", "graph.dot", "graph.graphml"]
    written += ["training_log.json", "training_summary.json"]
    if _save_png(est, os.path.join(directory, "graph.png"), title):
        written.append("graph.png")
    else:
        print(
            "note: matplotlib is not installed, so graph.png was not drawn (pip install matplotlib)"
        )
    return written


def _run_fit(args):
    X, names = _read_data(args.csv)
    est = StableDAGLearner(
        model=args.model,
        hidden_units=args.hidden_units,
        lambda_disen=args.lambda_disen,
        lambda_sparse=args.lambda_sparse,
        lambda_acyclic=args.lambda_acyclic,
        threshold=args.threshold,
        standardize=args.standardize,
        equal_variances=args.equal_variances,
        random_state=args.seed,
        max_epochs=args.max_epochs,
        verbose=args.verbose,
    )
    start = time.perf_counter()
    try:
        _fit_quietly(est, X, names)
    except (ValueError, FloatingPointError) as exc:
        raise _InputError(f"{args.csv}: {exc}") from None
    seconds = time.perf_counter() - start
    edges = export.edge_list(est)
    title = f"{os.path.basename(args.csv)}: {len(edges)} edges"
    written = _write_fit_outputs(est, args.out, title)
    print(
        f"StableDAGLearner on {args.csv} ({X.shape[0]} samples, {X.shape[1]} nodes): "
        f"{len(edges)} edges, threshold {est.threshold_:.3f}, {est.n_iter_} epochs, "
        f"{seconds:.1f} s"
    )
    for parent, child, weight in edges:
        print(f"  {parent} -> {child}   {weight:+.3f}")
    print(f"wrote {', '.join(written)} to {args.out}")
    return 0


def _write_demo_outputs(directory, est):
    os.makedirs(directory, exist_ok=True)
    export.to_csv(est, os.path.join(directory, "adjacency.csv"))
    with open(os.path.join(directory, "graph.dot"), "w", encoding="utf-8") as fh:
        fh.write(export.to_dot(est) + "\n")
    with open(os.path.join(directory, "history.csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(est.history_[0]))
        writer.writeheader()
        writer.writerows(est.history_)


def _run_demo(args):
    X, B, names = load_sachs()
    start = time.perf_counter()
    est = StableDAGLearner(random_state=args.seed, verbose=args.verbose)
    _fit_quietly(est, X, names)
    seconds = time.perf_counter() - start
    learned = est.predict_graph()
    print(
        f"StableDAGLearner on Sachs ({X.shape[0]} samples, {X.shape[1]} nodes), "
        f"threshold {est.threshold_:.3f}:"
    )
    truth = {(names[i], names[j]) for i, j in zip(*np.nonzero(B))}
    for i, j in zip(*np.nonzero(learned)):
        parent, child = names[i], names[j]
        mark = "true" if (parent, child) in truth else "extra"
        mark = "reversed" if (child, parent) in truth else mark
        print(f"  {parent} -> {child}   ({mark})")
    acc = count_accuracy(B, learned)
    print(
        f"edges {acc['n_est']} (true {acc['n_true']}), SHD {acc['shd']}, F1 {acc['f1']:.2f}, "
        f"precision {acc['precision']:.2f}, recall {acc['recall']:.2f}, time {seconds:.1f} s"
    )
    if args.out:
        _write_demo_outputs(args.out, est)
        print(f"wrote {args.out}/adjacency.csv, graph.dot, history.csv")
    return 0


def main(argv=None):
    """Run the command line; returns the process exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 when the input cannot be used (after a one-line
        ``stabledag: error: ...`` on stderr). Invalid options exit through
        argparse with status 2.

    Examples
    --------
    >>> from stabledag.cli import main
    >>> main(["fit", "data.csv", "--out", "results"])  # doctest: +SKIP
    0
    """
    args = _parser().parse_args(argv)
    try:
        return _run_fit(args) if args.command == "fit" else _run_demo(args)
    except _InputError as exc:
        print(f"stabledag: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # writing the outputs
        print(f"stabledag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stabledag: interrupted", file=sys.stderr)
        return 130
