"""Refit the equal-variance mode on the datasets of stored accuracy runs and compare graphs.

    python benchmarks/ev_recheck.py accuracy_reference accuracy_sparse accuracy_variants

    PYTHONPATH=<old checkout>/src python benchmarks/ev_recheck.py accuracy_reference \
        --out ev_recheck_before
    python benchmarks/ev_recheck.py accuracy_reference --against ev_recheck_before

``--method stabledag`` refits the default mode's runs instead. A change to the
equal-variance mode (issue 21: the search also starts from the top-down
equal-variance order) must not lower its accuracy on the existing tables. For every
``stabledag_ev`` run stored in ``benchmarks/results/<TAG>.json``, this script rebuilds the
dataset from the run's own command (``accuracy.make_datasets``: same generator, seed and
size), fits ``peers.FITTERS["stabledag_ev"]`` with the code on ``sys.path`` on the same
scale (raw or standardized), and compares the graph with the stored one, or with the
graphs of an earlier run of this script (``--against``; e.g. the previous code, run on
this machine just before: the stored graphs on standardized data were not all reproduced
by the previous code, where the equal-variance score has near-ties): how many graphs
changed, and the SHD and class SHD before and after (median, min, max over the runs of a
setting), with the CPU seconds of the fits. Fits run in this process, one thread.

Writes ``benchmarks/results/<OUT>.json`` and ``.md`` (also printed).
"""

import argparse
import json
import os
import shlex
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import numpy as np  # noqa: E402

import _metrics  # noqa: E402
import accuracy  # noqa: E402
import peers  # noqa: E402

RESULTS = os.path.join(HERE, "results")


def stored_runs(tag):
    """The stored accuracy run (its JSON) and the datasets its command makes."""
    with open(os.path.join(RESULTS, f"{tag}.json")) as fh:
        stored = json.load(fh)
    argv = shlex.split(stored["command"])
    argv = argv[argv.index(next(a for a in argv if a.endswith("accuracy.py"))) + 1 :]
    args = accuracy.parse_args(argv)
    datasets = {ds["name"]: ds for ds in accuracy.make_datasets(args)}
    return stored, datasets


def refit(tag, against=None, method="stabledag_ev"):
    """One record per stored ``method`` run: old and new graph, SHDs, seconds.

    ``against``: {(dataset, scale): record} of an earlier run whose graphs and seconds are
    the "before" (the stored run's otherwise).
    """
    import torch

    torch.set_num_threads(1)
    from stabledag.metrics import shd_cpdag

    stored, datasets = stored_runs(tag)
    out = []
    for run in stored["runs"]:
        if run["method"] != method or run.get("status") != "ok":
            continue
        ds = datasets[run["dataset"]]
        X = ds["X"] if run["scale"] == "raw" else peers.standardize(ds["X"])
        start = time.process_time()
        B_new, _ = peers.FITTERS[method](X.copy())
        seconds = time.process_time() - start
        truth = _metrics.binary(ds["B_true"])
        before = run if against is None else against[(run["dataset"], run["scale"])]
        old = np.zeros_like(truth)
        for i, j in before["edges"]:
            old[i, j] = 1
        new = _metrics.binary(B_new)
        out.append(
            {
                "tag": tag,
                "setting": run["setting"],
                "scale": run["scale"],
                "dataset": run["dataset"],
                "changed": bool((old != new).any()),
                "shd_old": _metrics.shd(truth, old),
                "shd_new": _metrics.shd(truth, new),
                "class_shd_old": int(shd_cpdag(truth, old)),
                "class_shd_new": int(shd_cpdag(truth, new)),
                "cpu_old": before.get("fit_cpu_seconds", before.get("cpu_new")),
                "cpu_new": seconds,
                "edges": np.argwhere(new != 0).tolist(),
            }
        )
        print(
            f"{tag} {run['dataset']} {run['scale']}: SHD {out[-1]['shd_old']} -> "
            f"{out[-1]['shd_new']}, {'changed' if out[-1]['changed'] else 'same graph'}, "
            f"{seconds:.1f} s",
            flush=True,
        )
    return out


def _cell(values):
    values = np.asarray([v for v in values if v is not None], dtype=float)
    if values.size == 0:
        return "–"
    return f"{np.median(values):g} [{values.min():g}–{values.max():g}]"


def table(records):
    """Markdown: per stored table, setting and scale, the graphs changed and the figures."""
    lines = [
        "| stored run | setting | scale | graphs changed | SHD before | SHD after "
        "| class SHD before | class SHD after | CPU s before | CPU s after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["tag"], r["setting"], r["scale"]) for r in records})
    for tag, setting, scale in keys:
        rs = [r for r in records if (r["tag"], r["setting"], r["scale"]) == (tag, setting, scale)]
        lines.append(
            f"| {tag} | {setting} | {scale} | {sum(r['changed'] for r in rs)} of {len(rs)} "
            f"| {_cell(r['shd_old'] for r in rs)} | {_cell(r['shd_new'] for r in rs)} "
            f"| {_cell(r['class_shd_old'] for r in rs)} | {_cell(r['class_shd_new'] for r in rs)} "
            f"| {_cell(r['cpu_old'] for r in rs)} | {_cell(r['cpu_new'] for r in rs)} |"
        )
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tags", nargs="+", help="stored accuracy runs (benchmarks/results/TAG.json)")
    ap.add_argument("--out", default="ev_recheck")
    ap.add_argument("--against", default=None, help="an earlier run of this script (its OUT)")
    ap.add_argument(
        "--method", default="stabledag_ev", help="the stored runs to refit (stabledag: default)"
    )
    args = ap.parse_args(argv)
    against = None
    if args.against:
        with open(os.path.join(RESULTS, f"{args.against}.json")) as fh:
            against = {(r["dataset"], r["scale"]): r for r in json.load(fh)["records"]}
    records = [r for tag in args.tags for r in refit(tag, against, args.method)]
    mode = {"stabledag_ev": "The equal-variance mode", "stabledag": "The default mode"}
    text = (
        f"# {mode.get(args.method, args.method)} refitted on stored accuracy datasets\n\n"
        f"`python benchmarks/ev_recheck.py {' '.join(sys.argv[1:])}`: every stored "
        f"`{args.method}` run refitted with this checkout on the same data and scale, one "
        "thread, in one process (the stored CPU seconds come from the stored run's worker "
        "processes, on a machine shared with other jobs; with --against, the earlier run's "
        "graphs and seconds are the 'before'). Cells: median [min–max] over "
        "the seeds.\n\n" + table(records) + "\n"
    )
    with open(os.path.join(RESULTS, f"{args.out}.json"), "w") as fh:
        json.dump({"command": " ".join(sys.argv), "records": records}, fh, indent=1)
    with open(os.path.join(RESULTS, f"{args.out}.md"), "w") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
