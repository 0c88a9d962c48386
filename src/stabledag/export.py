"""Write learned graphs and training logs to files other tools read.

Every function takes a fitted :class:`~stabledag.StableDAGLearner` (its
``adjacency_`` and ``node_names_``) or, where noted, a plain weighted
adjacency matrix. Convention: ``W[i, j] != 0`` means ``i -> j``; in tables
rows are parents and columns children. Nothing here needs pandas, pydot or
graphviz.

Node names must be distinct (a repeated name would merge two nodes into one,
and an edge between them into a self-loop): every function raises a
``ValueError`` naming the repeats. Names are written as given, except where a
format cannot hold them: :func:`to_csv` puts a ``'`` before a name a
spreadsheet would run as a formula, and :func:`to_graphml` writes characters
that XML 1.0 forbids as ``\\xNN`` text.
"""

import csv
import json
import math
import os
import platform
import re

import numpy as np

__all__ = [
    "to_dot",
    "to_graphml",
    "to_csv",
    "read_csv_adjacency",
    "save_training_log",
    "training_summary",
    "edge_list",
    "weights_and_names",
]


def weights_and_names(est_or_matrix, node_names=None):
    """The weighted adjacency and the node names of a fitted estimator or a matrix.

    What every exporter and plotting function starts from: the estimator's
    ``adjacency_`` and ``node_names_``, or a square matrix with names
    ``x0 ... x{d-1}``; ``node_names`` overrides either.

    Parameters
    ----------
    est_or_matrix : fitted estimator or array-like of shape (d, d)
        A fitted :class:`~stabledag.StableDAGLearner` (or anything with
        ``adjacency_`` and ``node_names_``), or a weighted adjacency,
        ``W[i, j] != 0`` meaning ``i -> j``.
    node_names : sequence of str, optional
        ``d`` distinct names.

    Returns
    -------
    W : ndarray of shape (d, d)
        float64 weights.
    names : list of str

    Raises
    ------
    ValueError
        A matrix that is not square, a name count that differs from ``d``,
        or repeated names (two nodes would merge into one).
    sklearn.exceptions.NotFittedError
        An estimator before ``fit``.

    Examples
    --------
    >>> from stabledag.export import weights_and_names
    >>> W, names = weights_and_names([[0, 1.5], [0, 0]], node_names=["a", "b"])
    >>> W[0, 1], names
    (np.float64(1.5), ['a', 'b'])
    """
    if hasattr(est_or_matrix, "get_params"):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(est_or_matrix, "adjacency_")
        W = np.asarray(est_or_matrix.adjacency_, dtype=np.float64)
        default = [str(n) for n in est_or_matrix.node_names_]
    else:
        W = np.asarray(est_or_matrix, dtype=np.float64)
        if W.ndim != 2 or W.shape[0] != W.shape[1]:
            raise ValueError(f"The adjacency must be a square (d, d) matrix, got shape {W.shape}.")
        default = [f"x{i}" for i in range(W.shape[0])]
    names = default if node_names is None else [str(n) for n in node_names]
    if len(names) != W.shape[0]:
        raise ValueError(f"node_names has {len(names)} entries but the graph has {W.shape[0]}.")
    _check_distinct(names, "node_names")
    return W, names


def _check_distinct(names, what):
    """``ValueError`` naming the repeated names: two nodes must never merge into one."""
    seen, repeated = set(), []
    for name in names:
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ValueError(
            f"{what} repeats {', '.join(map(repr, repeated))}; every node needs its own "
            "name (a repeat would merge two nodes into one). Rename the duplicates."
        )


def edge_list(est_or_matrix, node_names=None):
    """The edges as ``(parent, child, weight)`` tuples, strongest first.

    Parameters
    ----------
    est_or_matrix : StableDAGLearner or array-like of shape (d, d)
        A fitted estimator or a weighted adjacency (``[i, j]`` is ``i -> j``).
    node_names : sequence of str, optional
        Node labels; default ``node_names_`` of the estimator, else ``x0 ... x{d-1}``.

    Returns
    -------
    list of (str, str, float)
        Off-diagonal nonzero entries, sorted by decreasing ``|weight|``.

    Examples
    --------
    >>> from stabledag.export import edge_list
    >>> edge_list([[0, 0.5, 0], [0, 0, -2.0], [0, 0, 0]], ["a", "b", "c"])
    [('b', 'c', -2.0), ('a', 'b', 0.5)]
    """
    W, names = weights_and_names(est_or_matrix, node_names)
    rows, cols = np.nonzero(W)
    edges = [(names[i], names[j], float(W[i, j])) for i, j in zip(rows, cols) if i != j]
    return sorted(edges, key=lambda e: -abs(e[2]))


def _dot_id(name):
    escaped = str(name).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(est_or_matrix, node_names=None):
    """The graph as Graphviz DOT text, without needing pydot or graphviz.

    Every node is written (isolated ones too) and names are quoted, so that
    labels such as ``p44/42`` survive. Each edge carries its exact weight as
    ``coef``, a ``label`` with two decimals, a ``penwidth`` growing with
    ``|weight|`` and a colour for its sign (blue positive, red negative).
    Graphviz's own ``weight`` attribute is left alone: ``dot`` needs it to
    be a non-negative integer. Render with ``dot -Tpng graph.dot -o graph.png``.

    Parameters
    ----------
    est_or_matrix : StableDAGLearner or array-like of shape (d, d)
        A fitted estimator or a weighted adjacency (``[i, j]`` is ``i -> j``).
    node_names : sequence of str, optional
        Node labels; default ``node_names_`` of the estimator, else ``x0 ... x{d-1}``.

    Returns
    -------
    str
        ``digraph { ... }`` text.

    Examples
    --------
    >>> from stabledag.export import to_dot
    >>> print(to_dot([[0, 0.5], [0, 0]], ["p44/42", "akt"]))
    digraph {
      "p44/42";
      "akt";
      "p44/42" -> "akt" [coef=0.5, label="0.50", penwidth=3.0, color="#2166ac"];
    }
    """
    W, names = weights_and_names(est_or_matrix, node_names)
    top = float(np.abs(W).max()) or 1.0
    lines = ["digraph {"] + [f"  {_dot_id(name)};" for name in names]
    for i, j in zip(*np.nonzero(W)):
        if i == j:
            continue
        w = float(W[i, j])
        style = f'coef={w!r}, label="{w:.2f}", penwidth={1 + 2 * abs(w) / top:.1f}'
        colour = "#2166ac" if w > 0 else "#b2182b"
        lines.append(f'  {_dot_id(names[i])} -> {_dot_id(names[j])} [{style}, color="{colour}"];')
    return "\n".join(lines + ["}"])


# XML 1.0 allows tab, newline, carriage return and the characters from U+0020 on, except
# the surrogates and U+FFFE, U+FFFF (https://www.w3.org/TR/xml/#charsets).
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(name):
    """``name`` with each character XML 1.0 forbids written as ``\\xNN`` (``\\uNNNN``)."""

    def escape(match):
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _XML_FORBIDDEN.sub(escape, name)


def to_graphml(est_or_matrix, path, node_names=None):
    """Write the graph as GraphML (``networkx.write_graphml``), with edge weights.

    The file is always well-formed XML: characters XML 1.0 cannot hold
    (control characters other than tab, newline and carriage return, lone
    surrogates, U+FFFE and U+FFFF) are written as the text ``\\xNN`` (or
    ``\\uNNNN``), so ``"a\\x07"`` becomes the node ``a\\x07``. They are
    escaped, not dropped, so that distinct names stay distinct; should two
    names become equal that way, a ``ValueError`` says so.

    Parameters
    ----------
    est_or_matrix : StableDAGLearner or array-like of shape (d, d)
        A fitted estimator (written from :meth:`~stabledag.StableDAGLearner.to_networkx`)
        or a weighted adjacency (``[i, j]`` is ``i -> j``).
    path : str or path-like
        File to write.
    node_names : sequence of str, optional
        Node labels; default ``node_names_`` of the estimator, else ``x0 ... x{d-1}``.

    Returns
    -------
    str
        ``path``, as a string.

    Examples
    --------
    >>> from stabledag.export import to_graphml
    >>> to_graphml([[0, 0.5], [0, 0]], "graph.graphml")  # doctest: +SKIP
    'graph.graphml'
    """
    import networkx as nx

    from .graph import to_networkx

    W, names = weights_and_names(est_or_matrix, node_names)
    names = [_xml_text(name) for name in names]
    _check_distinct(names, "node_names (after escaping the characters XML cannot hold)")
    nx.write_graphml(to_networkx(W, names), os.fspath(path))
    return os.fspath(path)


# A cell starting with one of these is run as a formula by spreadsheets (OWASP, "CSV
# Injection"); a leading quote makes it text. A name that starts with a quote gets one
# more, so that read_csv_adjacency can take exactly one off every quoted name.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def _csv_cell(name):
    return "'" + name if name.startswith(_FORMULA_START) else name


def _csv_name(cell):
    return cell[1:] if cell.startswith("'") else cell


def to_csv(est_or_matrix, path, node_names=None):
    """Write the weighted adjacency as CSV: rows are parents, columns children.

    The first row holds an empty cell then the names; each further row a
    name then its outgoing weights, written with ``repr`` so the values
    round-trip exactly, through :func:`read_csv_adjacency` or
    ``pandas.read_csv(path, index_col=0)``.

    A name that a spreadsheet would run as a formula (one starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; OWASP's advice
    on CSV injection) is written with a single quote in front, which makes
    it plain text; so is a name that starts with a quote itself.
    :func:`read_csv_adjacency` removes that quote and gives back the names
    exactly (``pandas.read_csv`` keeps it).

    Parameters
    ----------
    est_or_matrix : StableDAGLearner or array-like of shape (d, d)
        A fitted estimator or a weighted adjacency (``[i, j]`` is ``i -> j``).
    path : str or path-like
        File to write.
    node_names : sequence of str, optional
        Node labels; default ``node_names_`` of the estimator, else ``x0 ... x{d-1}``.

    Returns
    -------
    str
        ``path``, as a string.

    Examples
    --------
    >>> from stabledag.export import to_csv
    >>> to_csv([[0, 0.5], [0, 0]], "adjacency.csv", ["a", "b"])  # doctest: +SKIP
    'adjacency.csv'
    """
    W, names = weights_and_names(est_or_matrix, node_names)
    cells = [_csv_cell(name) for name in names]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([""] + cells)
        for cell, row in zip(cells, W):
            writer.writerow([cell] + [repr(float(v)) for v in row])
    return os.fspath(path)


def read_csv_adjacency(path):
    """Read an adjacency written by :func:`to_csv` (or ``DataFrame.to_csv``).

    Parameters
    ----------
    path : str or path-like
        CSV file: a header row of column names after one empty cell, then
        one row per parent, its name first.

    Returns
    -------
    W : ndarray of shape (d, d)
        ``W[i, j]`` is the weight of ``names[i] -> names[j]``.
    names : list of str
        As written, less the one leading ``'`` that :func:`to_csv` puts before
        a name a spreadsheet would take for a formula (and before a name that
        starts with ``'``): a file from :func:`to_csv` gives back its names
        exactly.

    Examples
    --------
    >>> from stabledag.export import read_csv_adjacency, to_csv
    >>> to_csv([[0, 0.5], [0, 0]], "adjacency.csv", ["a", "b"])  # doctest: +SKIP
    >>> read_csv_adjacency("adjacency.csv")  # doctest: +SKIP
    (array([[0. , 0.5],
           [0. , 0. ]]), ['a', 'b'])
    """
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [row for row in csv.reader(fh) if row]
    if not rows:
        raise ValueError(f"{os.fspath(path)!r} is empty.")
    names = rows[0][1:]
    body = rows[1:]
    if len(body) != len(names) or any(len(row) != len(names) + 1 for row in body):
        raise ValueError(
            f"{os.fspath(path)!r} is not a square adjacency: {len(names)} columns, "
            f"{len(body)} rows."
        )
    if [row[0] for row in body] != names:
        raise ValueError(f"{os.fspath(path)!r}: row names differ from column names.")
    W = np.array([[float(v) for v in row[1:]] for row in body], dtype=np.float64)
    return W.reshape(len(names), len(names)), [_csv_name(cell) for cell in names]


def _json_safe(value):
    """Plain JSON types: numpy scalars unwrapped, containers recursed, the rest repr'd."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return [_json_safe(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    return repr(value)


def _versions():
    import sklearn
    import torch

    from . import __version__

    return {
        "stabledag": __version__,
        "numpy": np.__version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "python": platform.python_version(),
    }


def _final_h(est):
    import torch

    from .acyclicity import ACYCLICITY

    h = ACYCLICITY[getattr(est, "acyclicity", "logdet")]
    return float(h(torch.as_tensor(np.asarray(est.raw_adjacency_, dtype=np.float64))))


def training_summary(est, node_names=None):
    """The end state of a fit as a JSON-safe dict (what :func:`save_training_log` writes).

    Parameters
    ----------
    est : StableDAGLearner
        A fitted estimator.
    node_names : sequence of str, optional
        Node labels for ``edges`` and ``node_names``; default ``node_names_``.

    Returns
    -------
    dict
        ``epochs``, ``converged``, ``fit_time_seconds``, ``final_loss_terms``
        (the last epoch record's loss terms), ``final_h`` (h(W) of
        ``raw_adjacency_``), ``threshold``, ``n_edges``, ``edges``
        (``[parent, child, weight]``, strongest first), ``node_names``,
        ``statistics`` (the data-statistics stage: estimator, effective
        sample size, missing cells and share, column kinds; see the
        estimator's ``statistics_``), ``params`` (``get_params()``) and
        ``versions``.

    Examples
    --------
    >>> import numpy as np
    >>> from stabledag import StableDAGLearner
    >>> from stabledag.export import training_summary
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=300)
    >>> X = np.column_stack([a, 2 * a + rng.normal(size=300)])
    >>> est = StableDAGLearner(random_state=0).fit(X)
    >>> sorted(training_summary(est)["versions"])
    ['numpy', 'python', 'scikit-learn', 'stabledag', 'torch']
    """
    last = est.history_[-1] if est.history_ else {}
    terms = ("train_loss", "recon", "sparse", "h", "val_loss", "val_recon")
    edges = edge_list(est, node_names)
    names = [str(n) for n in (est.node_names_ if node_names is None else node_names)]
    return _json_safe(
        {
            "epochs": est.n_iter_,
            "converged": est.converged_,
            "fit_time_seconds": last.get("time"),
            "final_loss_terms": {k: last[k] for k in terms if k in last},
            "final_h": _final_h(est),
            "threshold": est.threshold_,
            "n_edges": len(edges),
            "edges": edges,
            "node_names": names,
            "statistics": getattr(est, "statistics_", None),
            "params": est.get_params(deep=False),
            "versions": _versions(),
        }
    )


def save_training_log(est, directory, node_names=None):
    """Write ``training_log.json`` (every epoch record) and ``training_summary.json``.

    The summary is :func:`training_summary`. ``pandas.read_json(log_path)``
    or ``pandas.DataFrame(est.history_)`` turns the log into a table.

    Parameters
    ----------
    est : StableDAGLearner
        A fitted estimator.
    directory : str or path-like
        Folder to write into; created if missing.
    node_names : sequence of str, optional
        Node labels in the summary; default ``node_names_``.

    Returns
    -------
    log_path, summary_path : str
        The two files written.

    Examples
    --------
    >>> from stabledag.export import save_training_log
    >>> save_training_log(est, "run1")  # doctest: +SKIP
    ('run1/training_log.json', 'run1/training_summary.json')
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est, "history_")
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    log_path = os.path.join(directory, "training_log.json")
    summary_path = os.path.join(directory, "training_summary.json")
    with open(log_path, "w", encoding="utf-8") as fh:
        json.dump(_json_safe(est.history_), fh, indent=1, allow_nan=False)
        fh.write("\n")
    with open(summary_path, "w", encoding="utf-8") as fh:
        json.dump(training_summary(est, node_names), fh, indent=2, allow_nan=False)
        fh.write("\n")
    return log_path, summary_path
