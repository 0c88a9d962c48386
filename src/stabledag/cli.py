"""Command line: ``stabledag`` (console script) and ``python -m stabledag``.

``stabledag`` or ``stabledag demo`` fits the embedded Sachs et al. (2005)
data and compares the result with the 17-edge consensus graph, naming the
missed, extra and reversed edges; then prints the learned equivalence class
(which edges' directions these data cannot decide under the model), its
class SHD next to the DAG SHD, and each edge's frequency over
``--resamples`` refits on subsamples (:class:`~stabledag.EdgeStability`).

``stabledag fit data.csv --out DIR`` fits a CSV file (a header row of
names, then numeric rows; ``--sep`` for another separator, tab by default
for ``.tsv``) and prints the edges and the equivalence class (and, with
``--resamples N``, the edges' frequencies over N refits). Prior knowledge: ``--forbid A,B`` and
``--require A,B`` (repeatable), ``--tiers "a,b;c;d"`` or ``--prior FILE``.

Both commands write the same files to ``--out DIR``: ``adjacency.csv``,
``graph.dot``, ``graph.graphml``, ``training_log.json``,
``training_summary.json`` and, when matplotlib is installed, ``graph.png``.
Every option that mirrors a :class:`~stabledag.StableDAGLearner` parameter
takes its default from ``StableDAGLearner().get_params()``, except
``--seed``, which is 0 so that a command gives the same graph every time.

Problems with the input (a missing or empty file, a non-numeric or missing
value, too few rows, an unknown name in the prior knowledge, an ``--out``
that cannot be written, a table too large for the memory) end with a
one-line ``stabledag: error: ...`` message on stderr and exit status 2.
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
from .graph import dag_to_cpdag
from .metrics import count_accuracy, shd_cpdag
from .models import available_models
from .stability import EdgeStability

__all__ = ["main"]

_MISSING = {"", "nan", "na", "n/a", "null", "none", "?"}
_CLI_SEED = 0  # the one default that differs from the estimator's (None): reproducible runs
# Refits for the demo's edge frequencies. The whole demo (imports, fit, refits on half the
# rows) measured on a shared 2-core machine at load 10-11 (indicative only): 15 refits 23-28 s
# wall (8-9.5 s CPU), 20 refits 34 s wall (11 s CPU); 15 keeps it under 30 s there. fit: off
# by default (its data may be large).
_DEMO_RESAMPLES = 15
_SHOWN_FREQUENCY = 0.2  # pairs found less often are counted, not listed
_PRIOR_KEYWORDS = {"forbid": "forbidden_edges", "require": "required_edges", "tier": "tiers"}


class _InputError(Exception):
    """A problem with the user's input; its message is printed as one line."""


# ------------------------------------------------------------------- parsers
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


def _epochs(text):
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 'auto' or an integer >= 1, got {text!r}")
    return value


def _separator(text):
    text = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(text, text)
    if len(text) != 1 or text in '"\r\n':
        raise argparse.ArgumentTypeError(
            f"expected one character (e.g. ';' or '\\t' for tab), got {text!r}"
        )
    return text


def _common_options(group, defaults, suppress=False, out_required=False):
    """Options of both commands; ``suppress`` (after ``demo``) keeps values given before it."""

    def default(value):
        return argparse.SUPPRESS if suppress else value

    group.add_argument(
        "--out",
        metavar="DIR",
        required=out_required,
        default=default(None),
        help="folder for adjacency.csv, graph.dot, graph.graphml, training_log.json, "
        "training_summary.json and graph.png (created if missing)",
    )
    group.add_argument(
        "--seed",
        dest="random_state",
        type=int,
        default=default(_CLI_SEED),
        metavar="N",
        help="random_state (default: %(default)s, so that runs repeat; the estimator's is None)",
    )
    group.add_argument(
        "--verbose",
        type=int,
        default=default(defaults["verbose"]),
        metavar="N",
        help="0, 1 or 2 (default: %(default)s)",
    )
    group.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=default(None),
        help="show a progress bar on stderr (needs tqdm: pip install 'stabledag[cli]'); "
        "default: on when stderr is a terminal and tqdm is installed",
    )


def _model_options(add, defaults):
    add(
        "--lambda-sparse",
        type=float,
        default=defaults["lambda_sparse"],
        metavar="F",
        help="L1 weight (default: %(default)s)",
    )
    add(
        "--lambda-acyclic",
        type=float,
        default=defaults["lambda_acyclic"],
        metavar="F",
        help="h(W) weight (default: %(default)s)",
    )
    add(
        "--threshold",
        type=_threshold,
        default=defaults["threshold"],
        metavar="auto|F",
        help="edge cut-off on |weight|, or 'auto' to pick it by BIC (default: %(default)s)",
    )
    add(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=defaults["standardize"],
        help="scale every column to unit variance first (default: %(default)s)",
    )
    add(
        "--equal-variances",
        action=argparse.BooleanOptionalAction,
        default=defaults["equal_variances"],
        help="least squares with one noise variance, for data that share units and noise "
        "scale (default: %(default)s)",
    )
    add(
        "--correlation",
        choices=("pearson", "rank"),
        default=defaults["correlation"],
        help="continuous columns: covariance, or rank-based (invariant to monotone "
        "transforms, robust to outliers) (default: %(default)s)",
    )
    add(
        "--model",
        choices=available_models(),
        default=defaults["model"],
        help="structural equation model, from stabledag.models (default: %(default)s)",
    )
    add(
        "--hidden-units",
        type=int,
        default=defaults["hidden_units"],
        metavar="N",
        help="MLP hidden units (default: %(default)s)",
    )
    add(
        "--lambda-disen",
        type=float,
        default=defaults["lambda_disen"],
        metavar="F",
        help="residual-dependence weight; helps with non-Gaussian noise (default: %(default)s)",
    )
    add(
        "--max-epochs",
        type=_epochs,
        default=defaults["max_epochs"],
        metavar="N",
        help="epoch budget, or auto (see StableDAGLearner; default: %(default)s)",
    )


def _prior_options(fit, defaults):
    group = fit.add_argument_group(
        "prior knowledge (names from the header row)",
        "A name with a comma goes in double quotes: --forbid '\"x, y\",z'. Unknown names are "
        "an error.",
    )
    group.add_argument(
        "--forbid",
        dest="forbidden_edges",
        action="append",
        default=defaults["forbidden_edges"],
        metavar="PARENT,CHILD",
        help="an edge that must not appear; repeat the option for more",
    )
    group.add_argument(
        "--require",
        dest="required_edges",
        action="append",
        default=defaults["required_edges"],
        metavar="PARENT,CHILD",
        help="an edge that must appear; repeat the option for more",
    )
    group.add_argument(
        "--tiers",
        default=defaults["tiers"],
        metavar="'A,B;C;D'",
        help="groups of names, earliest first, separated by ';' (names in a group by ','): "
        "no edge may point from a later group back to an earlier one",
    )
    group.add_argument(
        "--prior",
        metavar="FILE",
        help="a text file with one statement per line: 'forbid: A, B', 'require: A, B' or "
        "'tier: A, B, C' (tiers in the order of their lines); '#' starts a comment",
    )


def _count(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _resamples_option(group, default):
    group.add_argument(
        "--resamples",
        type=_count,
        default=default,
        metavar="N",
        help="refits on subsamples of half the rows for the edges' frequencies "
        "(EdgeStability); 0 skips them (default: %(default)s)",
    )


def _demo_options(group, defaults, suppress=False):
    group.add_argument(
        "--dataset",
        choices=["sachs"],
        default=argparse.SUPPRESS if suppress else "sachs",
        help="embedded dataset (default: sachs)",
    )
    _common_options(group, defaults, suppress)
    _resamples_option(group, argparse.SUPPRESS if suppress else _DEMO_RESAMPLES)


def _kinds(text):
    """``NAME=KIND,...`` -> {name: kind} (argparse type)."""
    out = {}
    for item in (part.strip() for part in text.split(",")):
        name, sep, kind = item.rpartition("=")
        if not sep or not name.strip() or kind.strip() not in ("binary", "ordinal", "continuous"):
            raise argparse.ArgumentTypeError(
                f"{item!r} is not NAME=KIND with KIND binary, ordinal or continuous"
            )
        out[name.strip()] = kind.strip()
    return out


def _fit_options(sub, defaults):
    fit = sub.add_parser(
        "fit",
        help="learn a DAG from a CSV file",
        description="Learn a causal DAG from a CSV file with StableDAGLearner and write the "
        "graph (CSV, DOT, GraphML, PNG) and the training log (JSON) to --out. Options that "
        "mirror a StableDAGLearner parameter show its default.",
        epilog="Example: stabledag fit measurements.csv --out results --lambda-sparse 0.05 "
        "--forbid outcome,age --tiers 'age,sex;treatment;outcome'",
    )
    fit.add_argument("csv", metavar="data.csv", help="header row of names, then numeric rows")
    reading = fit.add_argument_group("reading the file")
    reading.add_argument(
        "--sep",
        type=_separator,
        default=None,
        metavar="CHAR",
        help="field separator, e.g. ';' or '\\t' (default: tab for .tsv and .tab files, else ',')",
    )
    reading.add_argument(
        "--missing",
        choices=("auto", "error"),
        default=defaults["missing"],
        help="empty cells and NA, NaN, null, none, ? are missing values: 'auto' learns from "
        "the observed cells, 'error' refuses them (default: %(default)s)",
    )
    reading.add_argument(
        "--kinds",
        type=_kinds,
        default=None,
        metavar="NAME=KIND,...",
        help="declare columns binary, ordinal or continuous (e.g. 'smoker=binary,"
        "stage=ordinal'); undeclared columns are continuous",
    )
    reading.add_argument(
        "--no-header",
        dest="header",
        action="store_false",
        help="the file has no header row: name the columns x0, x1, ...",
    )
    output = fit.add_argument_group("output")
    _common_options(output, defaults, out_required=True)
    _resamples_option(output, 0)
    model = fit.add_argument_group("model (StableDAGLearner parameters)")
    _model_options(model.add_argument, defaults)
    _prior_options(fit, defaults)
    return fit


def _parser():
    defaults = StableDAGLearner().get_params()
    parser = argparse.ArgumentParser(
        prog="stabledag",
        description="Learn causal DAGs from observational data. Without a command: fit the "
        "embedded Sachs et al. (2005) data (853 samples, 11 proteins) and compare with the "
        "17-edge consensus graph.",
        epilog="Run 'stabledag fit --help' for fitting your own CSV file. A progress bar "
        "needs tqdm: pip install 'stabledag[cli]'.",
    )
    _demo_options(parser.add_argument_group("demo options (used without a command)"), defaults)
    sub = parser.add_subparsers(dest="command", title="commands", metavar="{demo,fit}")
    demo = sub.add_parser(
        "demo",
        help="the Sachs demo (the default)",
        description="Fit the embedded Sachs data and compare with the consensus graph.",
    )
    _demo_options(demo.add_argument_group("demo options"), defaults, suppress=True)
    _fit_options(sub, defaults)
    return parser


# -------------------------------------------------------------------- reading
def _default_separator(path):
    return "\t" if str(path).lower().endswith((".tsv", ".tab")) else ","


def _open_rows(path, sep):
    """``[(line_number, cells)]`` of the non-blank rows of a CSV file."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=sep)
            return [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except FileNotFoundError:
        raise _InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise _InputError(f"{path}: is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise _InputError(f"{path}: not a text (UTF-8) CSV file") from None
    except (OSError, csv.Error) as exc:
        raise _InputError(f"{path}: cannot be read ({exc})") from None


def _separator_hint(cell, sep):
    """Why a header row may have a single column: another separator than ``sep``."""
    asked = "comma-separated" if sep == "," else f"separated by {sep!r}"
    found = [c for c in (";", "\t", "|", ",") if c != sep and c in cell]
    if found:
        return f"(is the file {asked}? it looks separated by {found[0]!r}: use --sep {found[0]!r})"
    return f"(is the file {asked}? for another separator use --sep)"


def _is_number(text):
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _header(path, line, row, sep):
    names = [cell.strip() for cell in row]
    if len(names) < 2:
        raise _InputError(
            f"{path}: the header row has {len(names)} column ({row[0]!r}); at least 2 are "
            f"needed {_separator_hint(row[0], sep)}"
        )
    if all(_is_number(name) for name in names):
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        raise _InputError(
            f"{path}: the first row (line {line}) holds numbers ({shown}), not column names; "
            "add a header row of names, or pass --no-header to name the columns x0, x1, ..."
        )
    for k, name in enumerate(names, 1):
        if not name:
            hint = ""
            if k == 1:
                hint = (
                    "; a file written by pandas' DataFrame.to_csv starts with its index "
                    "there: write it with to_csv(..., index=False), or drop that column"
                )
            raise _InputError(
                f"{path}: column {k} has no name in the header row (line {line}){hint}"
            )
        if names.index(name) != k - 1:
            raise _InputError(f"{path}: column name {name!r} appears twice in the header row")
    return names


def _value(path, text, name, row, line, missing="error"):
    where = f"{path}: column {name!r}, row {row} (line {line})"
    text = text.strip()
    if text.lower() in _MISSING:
        if missing == "auto":
            return math.nan
        raise _InputError(
            f"{where}: missing value {text!r}; fill or drop incomplete rows, or use "
            "--missing auto to learn from the observed cells"
        )
    try:
        value = float(text)
    except ValueError:
        raise _InputError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _InputError(f"{where}: {text!r} is not a finite number")
    return value


def _read_data(path, sep=None, header=True, missing="error"):
    """Read a numeric CSV file with a header row; ``(X, names)`` or ``_InputError``.

    Parameters
    ----------
    path : str
        CSV file: names in the first row, one sample per further row.
    sep : str, optional
        Field separator; default tab for ``.tsv``/``.tab`` files, else comma.
    header : bool, default=True
        Whether the first row holds the names; without it the columns are
        named ``x0, x1, ...``.
    missing : {"error", "auto"}, default="error"
        ``"auto"``: empty cells and the words in ``_MISSING`` are NaN.

    Returns
    -------
    X : ndarray of shape (n_samples, n_columns)
    names : list of str

    Examples
    --------
    >>> from stabledag.cli import _read_data
    >>> X, names = _read_data("data.csv")  # doctest: +SKIP
    """
    sep = sep or _default_separator(path)
    rows = _open_rows(path, sep)
    if not rows:
        raise _InputError(f"{path}: the file is empty")
    if header:
        names, data = _header(path, *rows[0], sep), rows[1:]
    else:
        names, data = [f"x{k}" for k in range(len(rows[0][1]))], rows
        if len(names) < 2:
            raise _InputError(
                f"{path}: the first row has 1 column; at least 2 are needed "
                f"{_separator_hint(rows[0][1][0], sep)}"
            )
    if len(data) < 2:
        raise _InputError(f"{path}: {len(data)} data row(s) after the header; at least 2 needed")
    X = np.empty((len(data), len(names)))
    for r, (line, cells) in enumerate(data, 1):
        if len(cells) != len(names):
            raise _InputError(
                f"{path}: row {r} (line {line}) has {len(cells)} fields but the header has "
                f"{len(names)} columns"
            )
        X[r - 1] = [_value(path, c, n, r, line, missing) for c, n in zip(cells, names)]
    for name, column in zip(names, X.T):
        observed = column[~np.isnan(column)]
        if observed.size == 0:
            raise _InputError(
                f"{path}: column {name!r} has no value (every cell is missing); drop it"
            )
        if np.ptp(observed) == 0:
            where = "every row" if observed.size == column.size else "every observed row"
            raise _InputError(
                f"{path}: column {name!r} is constant ({observed[0]:g} in {where}), so it has "
                "no causal relation to learn; drop it"
            )
    empty = np.flatnonzero(np.isnan(X).all(axis=1))
    if empty.size:
        raise _InputError(
            f"{path}: row {int(empty[0]) + 1} (line {data[int(empty[0])][0]}) has no value "
            f"({empty.size} such row(s)); drop them"
        )
    return X, names


# ------------------------------------------------------------ prior knowledge
def _names_in(text, where):
    """The names in one comma-separated ``text`` (double quotes allowed), stripped."""
    try:
        cells = next(csv.reader([text], skipinitialspace=True), [])
    except csv.Error as exc:
        raise _InputError(f"{where}: cannot read {text!r} ({exc})") from None
    names = [cell.strip() for cell in cells]
    if not names or not all(names):
        raise _InputError(f"{where}: {text!r} has an empty name")
    return names


class _Prior:
    """Prior knowledge given on the command line, checked against the column names."""

    def __init__(self, columns, source):
        self.index = {name: k for k, name in enumerate(columns)}
        self.columns, self.source = columns, source
        self.knowledge = {"forbidden_edges": [], "required_edges": [], "tiers": []}

    def _node(self, name, where):
        if name not in self.index:
            shown = ", ".join(self.columns[:12]) + (", ..." if len(self.columns) > 12 else "")
            raise _InputError(
                f"{where}: {name!r} is not a column of {self.source} (columns: {shown})"
            )
        return self.index[name]

    def add_edge(self, key, text, where):
        names = _names_in(text, where)
        if len(names) != 2:
            raise _InputError(f"{where}: expected PARENT,CHILD (two names), got {text!r}")
        self.knowledge[key].append(tuple(self._node(name, where) for name in names))

    def add_tier(self, text, where):
        self.knowledge["tiers"].append([self._node(n, where) for n in _names_in(text, where)])

    def read_file(self, path):
        try:
            with open(path, encoding="utf-8-sig") as fh:
                lines = fh.read().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not a text (UTF-8) file"
            raise _InputError(f"--prior {path}: cannot be read ({reason})") from None
        for number, line in enumerate(lines, 1):
            statement = line.split("#", 1)[0].strip()
            if not statement:
                continue
            where = f"{path} line {number}"
            keyword, colon, rest = statement.partition(":")
            key = _PRIOR_KEYWORDS.get(keyword.strip().lower())
            if not colon or key is None:
                raise _InputError(
                    f"{where}: expected 'forbid: A, B', 'require: A, B' or 'tier: A, B, ...', "
                    f"got {statement!r}"
                )
            if key == "tiers":
                self.add_tier(rest, where)
            else:
                self.add_edge(key, rest, where)

    def parameters(self):
        """Estimator parameters (node positions), None for what was not given."""
        return {key: (value or None) for key, value in self.knowledge.items()}


def _prior(args, names):
    prior = _Prior(names, args.csv)
    for key, option in (("forbidden_edges", "--forbid"), ("required_edges", "--require")):
        for text in getattr(args, key) or []:
            prior.add_edge(key, text, f"{option} {text!r}")
    if args.tiers is not None:
        try:
            groups = next(csv.reader([args.tiers], delimiter=";"), [])
        except csv.Error as exc:
            raise _InputError(f"--tiers {args.tiers!r}: cannot be read ({exc})") from None
        for group in groups:
            prior.add_tier(group, f"--tiers {args.tiers!r}")
    if args.prior:
        if args.tiers is not None:
            before = len(prior.knowledge["tiers"])
            prior.read_file(args.prior)
            if len(prior.knowledge["tiers"]) > before:
                raise _InputError(
                    f"tiers given both with --tiers and in {args.prior}; give them in one place"
                )
        else:
            prior.read_file(args.prior)
    return prior.parameters()


# ------------------------------------------------------------------- outputs
def _check_out(out):
    """Before fitting: ``out`` is a folder, or can be made one, that we may write in."""
    path = os.path.abspath(out)
    if os.path.exists(path) and not os.path.isdir(path):
        raise _InputError(
            f"--out {out}: is an existing file, not a folder; give a folder name (it is "
            "created if missing) or move the file"
        )
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise _InputError(f"--out {out}: {existing} is a file, so no folder can be made in it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _InputError(f"--out {out}: no permission to write in {existing}")


def _progress_bar(total, wanted):
    """A tqdm bar on stderr: when asked, or by default when stderr is a terminal."""
    if wanted is False or (wanted is None and not sys.stderr.isatty()):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        if wanted:
            print(
                "stabledag: note: --progress needs tqdm: pip install 'stabledag[cli]'",
                file=sys.stderr,
            )
        return None
    return tqdm(total=total, unit="epoch", leave=False, file=sys.stderr, desc="fitting")


def _advance(bar, record):
    bar.update(1)
    bar.set_postfix(stage=record["stage"], h=f"{record['h']:.1e}", edges=record["n_edges"])


def _one_line(message):
    return " ".join(str(message).split())


def _table(X, names):
    """``X`` as a DataFrame with the names when pandas is installed, so that the
    estimator knows them (``node_names_``, its messages); else the array."""
    try:
        import pandas as pd
    except ImportError:
        return X
    return pd.DataFrame(X, columns=names)


def _fit(est, X, names, progress, source):
    """Fit; warnings become ``stabledag: warning:`` lines, fit errors an ``_InputError``."""
    total = None if est.max_epochs == "auto" else est.max_epochs  # auto: known after the fit
    bar = _progress_bar(total, progress)
    on_epoch = None if bar is None else (lambda record: _advance(bar, record))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(_table(X, names), on_epoch=on_epoch)
        except (ValueError, TypeError, FloatingPointError) as exc:
            raise _InputError(f"{source}: {_one_line(exc)}") from None
        except MemoryError as exc:
            reason = _one_line(exc) or (
                f"out of memory while learning a graph on {X.shape[1]} variables; select "
                "fewer columns (memory grows as their number squared) or use a machine "
                "with more memory"
            )
            raise _InputError(f"{source}: {reason}") from None
        finally:
            if bar is not None:
                bar.close()
    for w in caught:
        print(f"stabledag: warning: {_one_line(w.message)}", file=sys.stderr)
    return est


def _save_png(est, names, path, title):
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    from .plotting import plot_graph

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plot_graph(est, node_names=names)
        ax.set_title(title.replace("$", r"\$"))  # a $ would start matplotlib's mathtext
        ax.figure.savefig(path, dpi=120)
        plt.close(ax.figure)
    for message in dict.fromkeys(_one_line(w.message) for w in caught):
        print(f"stabledag: warning: graph.png: {message}", file=sys.stderr)
    return True


def _write_outputs(est, names, directory, title):
    """The files of both commands; returns their names."""
    try:
        os.makedirs(directory, exist_ok=True)
        export.to_csv(est, os.path.join(directory, "adjacency.csv"), node_names=names)
        with open(os.path.join(directory, "graph.dot"), "w", encoding="utf-8") as fh:
            fh.write(export.to_dot(est, node_names=names) + "\n")
        export.to_graphml(est, os.path.join(directory, "graph.graphml"), node_names=names)
        export.save_training_log(est, directory, node_names=names)
        written = ["adjacency.csv", "graph.dot", "graph.graphml"]
        written += ["training_log.json", "training_summary.json"]
        if _save_png(est, names, os.path.join(directory, "graph.png"), title):
            written.append("graph.png")
        else:
            print(
                "note: matplotlib is not installed, so graph.png was not drawn "
                "(pip install 'stabledag[cli]')"
            )
    except OSError as exc:
        where = exc.filename or directory
        raise _InputError(f"cannot write {where}: {exc.strerror or exc}") from None
    return written


def _threshold_phrase(est):
    how = "chosen by BIC" if est.threshold == "auto" else "given"
    return f"threshold {est.threshold_:.3f} (the |weight| below which an edge is dropped; {how})"


def _print_class(est, names):
    """The learned equivalence class: which edges' directions the data decide."""
    M = est.predict_cpdag()
    d = len(names)
    undirected = [(i, j) for i in range(d) for j in range(i + 1, d) if M[i, j] and M[j, i]]
    directed = [(i, j) for i in range(d) for j in range(d) if M[i, j] and not M[j, i]]
    print(
        f"Equivalence class: {len(directed)} directed, {len(undirected)} undirected edges "
        f"(identifiable_ = {est.identifiable_!r}: {est.identifiable_reason_})"
    )
    if est.identifiable_ == "class":
        for i, j in undirected:
            print(
                f"  {names[i]} - {names[j]}: direction not identifiable from these data "
                "under this model"
            )
        for i, j in directed:
            print(f"  {names[i]} -> {names[j]}: direction identified (v-structure or Meek's rules)")
        return M
    for i, j in directed:
        print(f"  {names[i]} -> {names[j]}: direction identified from the class alone")
    for i, j in undirected:
        a, b = (i, j) if est.predict_graph()[i, j] else (j, i)
        print(
            f"  {names[a]} -> {names[b]}: direction from the model's assumptions only "
            "(the class leaves it open)"
        )
    return M


def _print_stability(est, X, names, resamples, seed):
    """Edge frequencies over ``resamples`` refits of ``est`` on half-row subsamples."""
    start = time.perf_counter()
    stab = EdgeStability(est, n_resamples=resamples, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            stab.fit(_table(X, names))
        except ValueError as exc:
            raise _InputError(f"--resamples {resamples}: {_one_line(exc)}") from None
    seconds = time.perf_counter() - start
    for w in caught:
        print(f"stabledag: warning: edge frequencies: {_one_line(w.message)}", file=sys.stderr)
    print(
        f"Edge frequencies over {stab.n_refits_} refits on subsamples of half the rows "
        f"({seconds:.1f} s): the share of refits with the edge either way, each direction's "
        "share, and the share in which it is undirected in the refit's class."
    )
    freq = stab.edge_frequency_
    pair = freq + freq.T
    d = len(names)
    order = sorted(
        ((i, j) for i in range(d) for j in range(i + 1, d) if pair[i, j] > 0),
        key=lambda ij: (-pair[ij], ij),
    )
    shown = [(i, j) for i, j in order if pair[i, j] >= _SHOWN_FREQUENCY]
    for i, j in shown:
        a, b = (i, j) if freq[i, j] >= freq[j, i] else (j, i)
        print(
            f"  {names[a]} - {names[b]}   {pair[a, b]:.2f}   ({names[a]} -> {names[b]} "
            f"{freq[a, b]:.2f}, {names[b]} -> {names[a]} {freq[b, a]:.2f}; undirected "
            f"{stab.undirected_frequency_[a, b]:.2f})"
        )
    rare = len(order) - len(shown)
    if rare:
        print(f"  ({rare} more pair(s) found in fewer than {_SHOWN_FREQUENCY:.0%} of the refits)")
    return stab


# ------------------------------------------------------------------- commands
def _estimator(args, defaults, **overrides):
    """A StableDAGLearner from the options that mirror its parameters."""
    params = {key: value for key, value in vars(args).items() if key in defaults}
    params.update(overrides)
    return StableDAGLearner(**params)


def _run_fit(args):
    defaults = StableDAGLearner().get_params()
    X, names = _read_data(args.csv, args.sep, args.header, args.missing)
    prior = _prior(args, names)
    if args.kinds:
        unknown = sorted(set(args.kinds) - set(names))
        if unknown:
            raise _InputError(f"--kinds names {unknown}, not columns of {args.csv}: {names}")
        prior["column_kinds"] = {names.index(k): kind for k, kind in args.kinds.items()}
    _check_out(args.out)
    est = _estimator(args, defaults, **prior)
    start = time.perf_counter()
    _fit(est, X, names, args.progress, args.csv)
    seconds = time.perf_counter() - start
    edges = export.edge_list(est, names)
    title = f"{os.path.basename(args.csv)}: {len(edges)} edges"
    written = _write_outputs(est, names, args.out, title)
    print(
        f"StableDAGLearner on {args.csv} ({X.shape[0]} samples, {X.shape[1]} nodes): "
        f"{len(edges)} edges, {_threshold_phrase(est)}, {est.n_iter_} epochs, {seconds:.1f} s"
    )
    for parent, child, weight in edges:
        print(f"  {parent} -> {child}   {weight:+.3f}")
    _print_class(est, names)
    if args.resamples:
        _print_stability(est, X, names, args.resamples, args.random_state)
    print(f"wrote {', '.join(written)} to {args.out}")
    return 0


def _compare(names, truth, learned):
    """Edges by name: ``{"true", "reversed", "extra", "missed"}`` -> list of (parent, child)."""
    T, P = np.asarray(truth) != 0, np.asarray(learned) != 0
    kinds = {"true": T & P, "reversed": P & T.T & ~T, "extra": P & ~T & ~T.T}
    kinds["missed"] = T & ~P & ~P.T
    return {k: [(names[i], names[j]) for i, j in zip(*np.nonzero(m))] for k, m in kinds.items()}


def _edges_text(edges):
    return ", ".join(f"{parent} -> {child}" for parent, child in edges) or "none"


def _run_demo(args):
    defaults = StableDAGLearner().get_params()
    if args.out:
        _check_out(args.out)
    sachs = load_sachs()
    X, B, names = sachs.data, sachs.graph, sachs.feature_names
    est = _estimator(args, defaults)
    start = time.perf_counter()
    _fit(est, X, names, args.progress, "Sachs data")
    seconds = time.perf_counter() - start
    learned = est.predict_graph()
    kinds = _compare(names, B, learned)
    mark = {edge: kind for kind in ("true", "reversed", "extra") for edge in kinds[kind]}
    print(
        f"StableDAGLearner on Sachs et al. (2005): {X.shape[0]} cells, {X.shape[1]} proteins; "
        f"the known graph is the {int(B.sum())}-edge consensus."
    )
    print(f"Learned {int(learned.sum())} edges, {_threshold_phrase(est)}:")
    for i, j in zip(*np.nonzero(learned)):
        print(f"  {names[i]} -> {names[j]}   ({mark[names[i], names[j]]})")
    print(f"missed {len(kinds['missed'])} (true edges not learned): {_edges_text(kinds['missed'])}")
    print(f"extra {len(kinds['extra'])} (learned, not true): {_edges_text(kinds['extra'])}")
    print(
        f"reversed {len(kinds['reversed'])} (learned the wrong way round): "
        f"{_edges_text(kinds['reversed'])}"
    )
    acc = count_accuracy(B, learned)
    print(
        f"SHD {acc['shd']} (structural Hamming distance: missed + extra + reversed), "
        f"F1 {acc['f1']:.2f} (balances precision {acc['precision']:.2f}, the share of learned "
        f"edges that are true, and recall {acc['recall']:.2f}, the share of true edges "
        f"learned), time {seconds:.1f} s"
    )
    M = _print_class(est, names)
    true_class = dag_to_cpdag(B)
    open_edges = int(np.triu(true_class & true_class.T).sum())
    print(
        f"class SHD {shd_cpdag(B, M, est_as_given=True)} (the equivalence classes compared: a "
        f"pair counts 1 when its mark differs, none, ->, <- or -), next to the DAG SHD "
        f"{acc['shd']}; the consensus graph's own class leaves {open_edges} of its "
        f"{int(B.sum())} edges undirected"
    )
    if args.resamples:
        _print_stability(est, X, names, args.resamples, args.random_state)
    if args.out:
        written = _write_outputs(est, names, args.out, f"Sachs: {int(learned.sum())} edges")
        print(f"wrote {', '.join(written)} to {args.out}")
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
    except MemoryError as exc:  # reading a table too large for the memory
        reason = _one_line(exc) or "out of memory; select fewer rows or columns"
        print(f"stabledag: error: {reason}", file=sys.stderr)
        return 2
    except OSError as exc:  # anything else the system refused
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"stabledag: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stabledag: interrupted", file=sys.stderr)
        return 130
