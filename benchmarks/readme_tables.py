"""The README's compact tables, built from the accuracy JSON files (never retyped).

    python benchmarks/readme_tables.py   # results/accuracy_{reference,sparse,variants}.json

Writes ``benchmarks/results/readme_tables.md``: for each setting, class SHD and directed SHD
(median [10%-90%] over the evaluation seeds) of stabledag, its ablations and the peers, and
the median CPU seconds of each fit; plus how often the score-based searches stopped at a
graph worse than the true DAG under their own criterion. Every cell is also in the full
reports (``accuracy_<tag>.md``) next to more metrics.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _report  # noqa: E402

# (method, scale) rows, in the order the README shows them
ABLATION = [
    ("stabledag", "std"),
    ("stabledag[cont_only]", "std"),
    ("stabledag[cuts_only]", "std"),
    ("stabledag[search_empty]", "std"),
    ("stabledag[search_no_fit]", "std"),
]
PEERS = [
    ("stabledag", "std"),
    ("boss", "std"),
    ("grasp", "std"),
    ("ges_ebic", "std"),
    ("ges", "std"),
    ("pc", "std"),
    ("golem_nv", "std"),
    ("dagma_linear", "std"),
    ("cam", "std"),
    ("direct_lingam", "std"),
    ("r2sortnregress", "std"),
    ("stabledag_ev", "std"),
    ("stabledag_ev", "raw"),
    ("sortnregress", "raw"),
]
SCORE_BASED = ["stabledag", "boss", "grasp", "ges_ebic", "ges"]


def _rows(runs, settings, rows, seconds_key):
    lines = [
        "| method, data | " + " | ".join(f"{s}: class SHD / SHD" for s in settings) + " | CPU s |",
        "|" + "---|" * (len(settings) + 2),
    ]
    for method, scale in rows:
        cells, secs = [], []
        for s in settings:
            sel = _report._select(runs, s, method, scale)
            if not sel:
                cells.append("not run")
                continue
            c = _report._cell(_report.cell_stats(sel, "shd_cpdag"), 0)
            d = _report._cell(_report.cell_stats(sel, "shd"), 0)
            cells.append(f"{c} / {d}")
            st = _report.cell_stats(sel, seconds_key)
            if st["n_ok"]:
                secs.append(st["median"])
        if all(c == "not run" for c in cells):
            continue
        sec = "/".join(f"{x:.1f}" for x in secs) if secs else "—"
        name = _report.label(method) + (", raw" if scale == "raw" else "")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {sec} |")
    return "\n".join(lines)


def _stuck(runs, settings):
    lines = [
        "| method (criterion) | " + " | ".join(settings) + " |",
        "|" + "---|" * (len(settings) + 1),
    ]
    for method in SCORE_BASED:
        cells = []
        for s in settings:
            sel = [
                r
                for r in _report._select(runs, s, method, "std")
                if r["status"] == "ok" and r.get("own_gap") is not None
            ]
            worse = sum(r["own_gap"] > 1e-6 for r in sel)
            cells.append(f"{worse}/{len(sel)}" if sel else "—")
        if any(c != "—" for c in cells):
            lines.append(f"| {_report.label(method)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def build(paths):
    """Markdown text of the README tables from accuracy JSON files."""
    parts = [
        "## README tables (built by `python benchmarks/readme_tables.py`)",
        "",
        "Cells: class SHD / directed SHD, median [10%–90%] over the seeds; CPU s: median CPU "
        "seconds of one fit per setting (a search variant's seconds exclude the continuous "
        "fit it starts from). Standardized data unless marked raw.",
    ]
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        runs, info = data["runs"], _report.setting_info(data["datasets"])
        settings = [s for s in info if s != "Sachs"]
        key = _report._seconds_key(runs)
        seeds = data.get("seeds")
        parts += [
            "",
            f"### {data.get('tag', os.path.basename(path))}: seeds {seeds[0]}-{seeds[-1]}"
            if seeds
            else f"### {data.get('tag')}",
            "",
            f"Command: `{data['command']}`",
            "",
            "Data: "
            + "; ".join(
                f"{s}: {info[s]['empty_shd']:.0f} true edges, "
                f"{info[s]['n_reversible']:.0f} reversible (medians)"
                for s in settings
            ),
            "",
            "Ablation of stabledag:",
            "",
            _rows(runs, settings, ABLATION, key),
            "",
            "Against the peers:",
            "",
            _rows(runs, settings, PEERS, key),
            "",
            "Runs whose output scores worse than the true DAG under the method's own criterion:",
            "",
            _stuck(runs, settings),
        ]
    return "\n".join(parts) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--tags", default="reference,sparse,variants")
    args = ap.parse_args(argv)
    paths = [
        p
        for p in (os.path.join(args.results, f"accuracy_{t}.json") for t in args.tags.split(","))
        if os.path.exists(p)
    ]
    text = build(paths)
    print(text)
    with open(os.path.join(args.results, "readme_tables.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
