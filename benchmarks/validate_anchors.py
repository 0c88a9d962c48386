"""Validation of the harness: the peers reproduce the reference figures (the anchors).

    python benchmarks/validate_anchors.py            # ER2/SF2 d = 10, 20 + Sachs
    python benchmarks/validate_anchors.py --ds 10,20,50   # and d = 50 (hours: NOTEARS, GES)
    python benchmarks/validate_anchors.py --quick    # ER2 d = 10 only, without NOTEARS

Runs the peers with the reference settings on the reference data (seeds 0, 1, 2: the seeds
of the anchors, not the evaluation seeds) through ``accuracy.py`` (tag ``validation``), then
compares the median directed SHD (a reversal counts 1; PC/GES: directed CPDAG edges only,
the anchors' convention) with the figures of the project's anchors
(``shared/anchors/ANCHORS.md``, section 1 and 3, copied into ``ANCHORS`` below).  Writes
``<out-dir>/validation.md``.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# (setting, method) -> (raw, std) median directed SHD over seeds 0-2 from the anchors;
# one value for scale-invariant methods; None where the anchors had fewer seeds.
ANCHORS = {
    "ER2 d=10": {"dagma_linear": (0, 21), "notears": (2, 20), "sortnregress": (8, 26),
                 "pc": 16, "ges": 19, "direct_lingam": 17},
    "ER2 d=20": {"dagma_linear": (0, 52), "notears": (1, 39), "sortnregress": (7, 95),
                 "pc": 30, "ges": 25, "direct_lingam": 105},
    "ER2 d=50": {"dagma_linear": (1, 119), "notears": (None, 90), "sortnregress": (43, 424),
                 "pc": 63, "ges": None, "direct_lingam": 385},
    "SF2 d=10": {"dagma_linear": (0, 22), "notears": (0, 18), "sortnregress": (0, 34),
                 "pc": 10, "ges": 13, "direct_lingam": 32},
    "SF2 d=20": {"dagma_linear": (0, 62), "notears": (1, 36), "sortnregress": (14, 127),
                 "pc": 21, "ges": 61, "direct_lingam": 98},
    "SF2 d=50": {"dagma_linear": (0, 163), "notears": (1, None), "sortnregress": (29, 508),
                 "pc": 73, "ges": None, "direct_lingam": 332},
    "Sachs": {"dagma_linear": (13, 14), "notears": (12, 14), "sortnregress": (13, 13),
              "pc": 17, "ges": 17, "direct_lingam": 14},
}  # fmt: skip
METHODS = ("dagma_linear", "notears", "sortnregress", "pc", "ges", "direct_lingam")


def _median(runs, setting, method, scale):
    vals = [
        r["shd"]
        for r in runs
        if r["setting"] == setting and r["method"] == method and r["scale"] == scale
        and r["status"] == "ok"
    ]  # fmt: skip
    n = sum(1 for r in runs if r["setting"] == setting and r["method"] == method
            and r["scale"] == scale)  # fmt: skip
    return (float(np.median(vals)) if vals else None), len(vals), n


def _fmt(v):
    return "—" if v is None else (f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}")


def compare(doc):
    """Markdown table: measured median (ok seeds) against the anchor, ✓ when equal."""
    runs, lines = doc["runs"], []
    settings = [s for s in ANCHORS if any(r["setting"] == s for r in runs)]
    methods = [m for m in METHODS if any(r["method"] == m for r in runs)]
    lines.append("| setting | " + " | ".join(methods) + " |")
    lines.append("|---|" + "---|" * len(methods))
    same = total = 0
    for s in settings:
        cells = []
        for m in methods:
            anchor = ANCHORS[s].get(m)
            scales = ("raw", "std") if isinstance(anchor, tuple) else ("std",)
            anchors = anchor if isinstance(anchor, tuple) else (anchor,)
            parts = []
            for scale, a in zip(scales, anchors):
                med, ok, n = _median(runs, s, m, scale)
                text = _fmt(med) + ("" if ok == n else f" ({ok}/{n})")
                if a is not None and med is not None:
                    total += 1
                    hit = med == a
                    same += hit
                    text += " ✓" if hit else f" (anchor {_fmt(a)})"
                parts.append(text)
            cells.append(" -> ".join(parts))
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    return "\n".join(lines), same, total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--ds", default="10,20", help="node counts (default 10,20)")
    args = ap.parse_args(argv)
    methods = [m for m in METHODS if not (args.quick and m == "notears")]
    cmd = [
        sys.executable,
        os.path.join(HERE, "accuracy.py"),
        "--generators", "ER2" if args.quick else "ER2,SF2",
        "--ds", "10" if args.quick else args.ds,
        "--seed-set", "reference",
        "--methods", ",".join(methods),
        "--scales", "raw,std",
        "--tag", "validation",
        "--title", "Validation: the peers on the anchors' data and seeds",
        "--out-dir", args.out_dir,
        "--jobs", str(args.jobs),
    ]  # fmt: skip
    rc = subprocess.run(cmd).returncode
    if rc:
        return rc
    with open(os.path.join(args.out_dir, "accuracy_validation.json")) as f:
        doc = json.load(f)
    table, same, total = compare(doc)
    md = (
        "## Validation: the peers reproduce the anchors\n\n"
        "Median directed SHD over the anchors' seeds 0, 1, 2 (raw -> standardized; one figure "
        "for scale-invariant methods), measured in the same run; ✓: identical to the anchor "
        "(`shared/anchors/ANCHORS.md`), else the anchor's figure in brackets; (k/3): seeds "
        "that finished within the time limit. Command: "
        f"`python benchmarks/validate_anchors.py{' --quick' if args.quick else ''}"
        f"{'' if args.quick or args.ds == '10,20' else ' --ds ' + args.ds}`.\n\n"
        f"{table}\n\n{same} of {total} comparable cells identical.\n"
    )
    print(md)
    with open(os.path.join(args.out_dir, "validation.md"), "w") as f:
        f.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
