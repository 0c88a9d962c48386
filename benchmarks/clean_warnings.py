"""How often a fit of clean data warns, and whether its graph was wrong when it did.

    python benchmarks/clean_warnings.py --tag _after
    PYTHONPATH=<old checkout>/src python benchmarks/clean_warnings.py --tag _before

A warning is a message to the user about a real problem. On data that meet the model's
assumptions (linear Gaussian SEMs with equal noise variances, ``n = 3000``, ER2 and SF2
graphs from ``stabledag.datasets``, d = 12 and 30, seeds 0-5 and held-out 100-105) every
``StableDAGLearner`` fit is run with default settings in both modes (the default mode on
standardized data, the equal-variance mode on raw data), its warnings recorded by class
and first words, with the epochs, CPU seconds, SHD and class SHD of its graph. Writes
``benchmarks/results/clean_warnings<tag>.{json,md}``.
"""

import argparse
import json
import os
import re
import sys
import time
import warnings
from collections import Counter

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _metrics  # noqa: E402


def fit_one(kind, d, seed, mode, n):
    import torch

    from stabledag import StableDAGLearner
    from stabledag.datasets import simulate_dag, simulate_linear_sem, simulate_parameter
    from stabledag.metrics import shd_cpdag

    torch.set_num_threads(1)
    B = simulate_dag(d, 2 * d, kind, random_state=seed)
    X = simulate_linear_sem(simulate_parameter(B, random_state=seed), n, random_state=seed)
    kwargs = {"standardize": False, "equal_variances": True} if mode == "ev" else {}
    if mode == "default":
        X = (X - X.mean(0)) / X.std(0)
    cpu = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = StableDAGLearner(random_state=0, **kwargs).fit(X)
    cpu = time.process_time() - cpu
    G = (np.asarray(est.predict_graph()) != 0).astype(int)
    truth = (B != 0).astype(int)
    return {
        "graph": f"{kind}2",
        "d": d,
        "seed": seed,
        "mode": mode,
        "epochs": int(est.n_iter_),
        "cpu": round(cpu, 2),
        "shd": int(_metrics.shd(truth, G)),
        "class_shd": int(shd_cpdag(truth, G)),
        "warnings": [f"{type(w.message).__name__}: {str(w.message)[:90]}" for w in caught],
    }


def markdown(records, command):
    lines = [
        "# Warnings on clean data",
        "",
        f"`{command}`; linear Gaussian SEMs with equal noise variances, n = 3000, default "
        "settings, `random_state=0`; seeds 0-5 (design) and 100-105 (held-out). *warned*: "
        "fits with at least one warning; *of them wrong*: those whose class SHD is not 0.",
        "",
        "| mode | graph | d | fits | warned | of them wrong | class SHD 0 | epochs (median) "
        "| CPU s (median) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["mode"], r["graph"], r["d"]) for r in records})
    for mode, graph, d in keys:
        rows = [r for r in records if (r["mode"], r["graph"], r["d"]) == (mode, graph, d)]
        warned = [r for r in rows if r["warnings"]]
        lines.append(
            f"| {mode} | {graph} | {d} | {len(rows)} | {len(warned)} "
            f"| {sum(r['class_shd'] > 0 for r in warned)} "
            f"| {sum(r['class_shd'] == 0 for r in rows)} "
            f"| {np.median([r['epochs'] for r in rows]):.0f} "
            f"| {np.median([r['cpu'] for r in rows]):.1f} |"
        )
    counts = Counter(
        re.sub(r"\d[\d.e+-]*", "#", w)[: w.index(":") + 46].rstrip(" ,;:_")
        for r in records
        for w in r["warnings"]
    )
    lines += ["", "Warnings by first words:", ""]
    lines += [f"- {count} x `{text}`" for text, count in counts.most_common()] or ["- none"]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ds", default="12,30")
    ap.add_argument("--graphs", default="ER,SF")
    ap.add_argument("--seeds", default="0,1,2,3,4,5,100,101,102,103,104,105")
    ap.add_argument("--modes", default="default,ev")
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="")
    ap.add_argument("--report", metavar="JSON", help="no fits: the table of a stored run")
    args = ap.parse_args(argv)
    if args.report:
        with open(args.report) as fh:
            stored = json.load(fh)
        md = markdown(stored["records"], stored["command"])
        with open(os.path.splitext(args.report)[0] + ".md", "w") as fh:
            fh.write(md + "\n")
        print(md)
        return
    records = []
    for mode in args.modes.split(","):
        for kind in args.graphs.split(","):
            for d in (int(v) for v in args.ds.split(",")):
                for seed in (int(v) for v in args.seeds.split(",")):
                    rec = fit_one(kind, d, seed, mode, args.n)
                    records.append(rec)
                    print(json.dumps(rec), flush=True)
    words = sys.argv[1:] if argv is None else argv
    command = "python benchmarks/clean_warnings.py " + " ".join(words)
    md = markdown(records, command.strip())
    base = os.path.join(args.out_dir, f"clean_warnings{args.tag}")
    with open(base + ".json", "w") as fh:
        json.dump({"command": command.strip(), "records": records}, fh, indent=1)
    with open(base + ".md", "w") as fh:
        fh.write(md + "\n")
    print(md)


if __name__ == "__main__":
    main()
