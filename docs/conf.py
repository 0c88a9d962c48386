"""Sphinx configuration for the stabledag documentation.

Build (offline; warnings are errors, every gallery example is executed)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the examples (a quick smoke test).
"""

import os
import re
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Import the package from this checkout's src/ when it is not installed.
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))  # gallery_order.py

import stabledag  # noqa: E402

project = "stabledag"
author = "stabledag developers"
copyright = "stabledag developers"
release = stabledag.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_inv", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"
nitpicky = False

# -- autodoc / autosummary / numpydoc ---------------------------------------
autosummary_generate = True
autodoc_default_options = {}
autodoc_typehints = "none"

numpydoc_show_class_members = False  # the autosummary class template lists members
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False
numpydoc_xref_param_type = False
# The gate: with -W, a public docstring that fails one of these checks fails the build.
#   GL08 no docstring, PR01 parameter not documented, PR02 documented parameter
#   that does not exist, PR07 parameter without a description, RT01 no Returns
#   section, SS01 no summary line.
numpydoc_validation_checks = {"GL08", "PR01", "PR02", "PR07", "RT01", "SS01"}
# Methods scikit-learn's base classes give us keep their upstream docstrings.
numpydoc_validation_exclude = {
    r"\.get_params$",
    r"\.set_params$",
    r"\.get_metadata_routing$",
    r"\.set_\w+_request$",
    r"\.__init__$",
    # the built-in models' overrides of the plug-in protocol: documented (and rendered, by
    # docstring inheritance) on stabledag.models.ModelPlugin; their classes say what differs
    r"^stabledag\.(linear\.LinearModel|mlp\.MLPModel)\.(build|train|select_graph|predict"
    r"|memory_bytes|epoch_budget)$",
}


# Types such as "ndarray of shape (n_features_in_, n_features_in_)" follow the
# scikit-learn convention of naming the fitted attribute; in plain reST a word
# ending in "_" is a hyperlink reference, so escape it in those type lines.
_SHAPE_REF = re.compile(r"(?<![`\w])n_features_in_(?=[,)])")


def _escape_shape_names(app, what, name, obj, options, lines):
    for k, line in enumerate(lines):
        if "shape (" in line:
            lines[k] = _SHAPE_REF.sub(lambda m: "n_features_in\\_", line)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=400)


# -- intersphinx: cached inventories only -----------------------------------
# The build must work offline, so remote inventories are never fetched unless
# DOCS_INTERSPHINX=1. Otherwise a project is linked only if its inventory is
# cached as docs/_inv/<name>.inv (see docs/_inv/README.txt); with none cached the
# mapping is empty and the build still passes.
INTERSPHINX_URLS = {
    "python": "https://docs.python.org/3",
    "numpy": "https://numpy.org/doc/stable",
    "scipy": "https://docs.scipy.org/doc/scipy",
    "sklearn": "https://scikit-learn.org/stable",
    "pandas": "https://pandas.pydata.org/docs",
    "matplotlib": "https://matplotlib.org/stable",
    "networkx": "https://networkx.org/documentation/stable",
    "torch": "https://docs.pytorch.org/docs/stable",
    "joblib": "https://joblib.readthedocs.io/en/stable",
    "dask": "https://docs.dask.org/en/stable",
    "distributed": "https://distributed.dask.org/en/stable",
}
if os.environ.get("DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {name: (url, None) for name, url in INTERSPHINX_URLS.items()}
else:
    intersphinx_mapping = {
        name: (url, str(HERE / "_inv" / f"{name}.inv"))
        for name, url in INTERSPHINX_URLS.items()
        if (HERE / "_inv" / f"{name}.inv").is_file()
    }
intersphinx_timeout = 5

# -- sphinx-gallery ----------------------------------------------------------
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "doc_module": ("stabledag",),
    "backreferences_dir": "gen_modules/backreferences",
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "within_subsection_order": "gallery_order.ExampleOrder",
    "download_all_examples": False,
    "show_memory": False,
    "matplotlib_animations": False,
}
# Examples import torch; keep its one-off warnings out of the pages.
warnings.filterwarnings("ignore", message=".*Matplotlib is currently using agg.*")

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"stabledag {release}"
html_static_path = []
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
}
html_sidebars = {"index": [], "install": []}
html_context = {"default_mode": "light"}


# -- command-line help, generated from the parser so the page cannot go stale --
def _write_cli_help():
    import contextlib
    import io

    from stabledag import cli

    out_dir = HERE / "generated"
    out_dir.mkdir(exist_ok=True)
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    try:
        for name, argv in {
            "cli_help.txt": ["--help"],
            "cli_fit_help.txt": ["fit", "--help"],
        }.items():
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
                cli.main(argv)
            text = buffer.getvalue()
            path = out_dir / name
            if not path.is_file() or path.read_text() != text:
                path.write_text(text)
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


_write_cli_help()


# -- benchmark tables, converted from benchmarks/results/*.md at build time ------
# The guide's benchmark page includes these, so its figures are always the ones
# in the result files (written by the benchmark scripts), never retyped.
def _markdown_to_rst(text):
    out, table = [], []

    def flush():
        if not table:
            return
        rows = [
            [cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in table
            if not set(line.replace("|", "").strip()) <= set("-: ")
        ]
        out.extend(["", ".. list-table::", "   :header-rows: 1", ""])
        for row in rows:
            for k, cell in enumerate(row):
                out.append(f"   {'* -' if k == 0 else '  -'} {cell or ' '}")
        out.append("")
        table.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            table.append(line)
            continue
        flush()
        if line.startswith("#"):
            out.extend(["", f".. rubric:: {line.lstrip('#').strip()}", ""])
        else:
            out.append(line)
    flush()
    return "\n".join(out) + "\n"


def _write_benchmark_tables():
    import json

    results = HERE.parent / "benchmarks" / "results"
    out_dir = HERE / "generated" / "benchmarks"
    out_dir.mkdir(parents=True, exist_ok=True)
    for md in sorted(results.glob("*.md")):
        (out_dir / f"{md.stem}.inc").write_text(_markdown_to_rst(md.read_text()))
    speedup = results / "dask_speedup.json"
    if speedup.is_file():
        data = json.loads(speedup.read_text())
        lines = ["| job | 1 worker (s) | 2 workers (s) | speed-up |", "|---|---|---|---|"]
        for job, one in data["one_worker"].items():
            two = data["two_workers"][job]
            lines.append(f"| {job} | {one:.1f} | {two:.1f} | {one / two:.2f}x |")
        (out_dir / "dask_speedup.inc").write_text(_markdown_to_rst("\n".join(lines)))


_write_benchmark_tables()
