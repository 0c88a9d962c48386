"""Peak memory of a fit against the up-front estimate (``ModelPlugin.memory_bytes``).

    python benchmarks/memory_check.py --ds 500,1000,2000 --n 2000 --max-epochs 3

Each fit runs in a fresh process: the data are generated and every module imported first,
then the kernel's peak-RSS mark is reset (``/proc/self/clear_refs``) and the fit runs; the
fit's peak is ``VmHWM`` minus the resident size before the fit. A short training budget
(``--max-epochs``) reaches the training's peak (every array of the loop is allocated in the
first epoch); graph selection (threshold, screened order search, refit) runs in full. Modes:
``default`` (standardized data) and ``ev`` (raw data, equal variances); ``--model mlp`` for
the MLP (``--hidden-units``). Writes ``benchmarks/results/memory_check<tag>.{json,md}``.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def worker(d, n, mode, max_epochs, model, hidden_units, out):
    import warnings

    import numpy as np

    import _data
    from stabledag import StableDAGLearner
    from stabledag.models import get_model

    warnings.filterwarnings("ignore")
    X, _, _ = _data.make_dataset("ER", 2, d, n, 0)
    kwargs = {"random_state": 0, "max_epochs": max_epochs, "model": model}
    if model == "mlp":
        kwargs["hidden_units"] = hidden_units
    if mode == "ev":
        kwargs.update(standardize=False, equal_variances=True)
    else:
        X = (X - X.mean(0)) / X.std(0)
    est = StableDAGLearner(**kwargs)
    estimate = get_model(model).memory_bytes(n, d, est.get_params())
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status("VmRSS")
    t0 = time.perf_counter()
    est.fit(X)
    rec = {
        "d": d,
        "n": n,
        "mode": mode,
        "model": model,
        "max_epochs": max_epochs,
        "seconds": time.perf_counter() - t0,
        "fit_peak_mb": (_status("VmHWM") - before) / 2**20,
        "estimate_mb": estimate / 2**20,
        "nan": bool(np.isnan(est.adjacency_).any()),
    }
    rec["estimate_over_peak"] = rec["estimate_mb"] / max(rec["fit_peak_mb"], 1e-9)
    with open(out, "w") as f:
        json.dump(rec, f)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        d, n, mode, epochs, model, hidden, out = argv[1:]
        return worker(int(d), int(n), mode, int(epochs), model, int(hidden), out)
    ap = argparse.ArgumentParser(description="fit peak memory against the estimate")
    ap.add_argument("--ds", default="500,1000,2000")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--modes", default="ev,default")
    ap.add_argument("--max-epochs", type=int, default=3)
    ap.add_argument("--model", default="linear")
    ap.add_argument("--hidden-units", type=int, default=10)
    ap.add_argument("--tag", default="")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    args = ap.parse_args(argv)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    records = []
    out = os.path.join(args.out_dir, f"memory_check{args.tag}.part.json")
    os.makedirs(args.out_dir, exist_ok=True)
    for d in [int(v) for v in args.ds.split(",")]:
        for mode in args.modes.split(","):
            cmd = [
                sys.executable, __file__, "--worker", str(d), str(args.n), mode,
                str(args.max_epochs), args.model, str(args.hidden_units), out,
            ]  # fmt: skip
            subprocess.run(cmd, env=env, check=True)
            with open(out) as f:
                rec = json.load(f)
            records.append(rec)
            print(
                f"d={d} {mode}: fit peak {rec['fit_peak_mb']:.0f} MB, estimate "
                f"{rec['estimate_mb']:.0f} MB ({rec['estimate_over_peak']:.2f}x), "
                f"{rec['seconds']:.0f} s",
                flush=True,
            )
    os.remove(out)
    lines = [
        f"# Fit peak memory against the estimate ({args.model})",
        "",
        f"`python benchmarks/memory_check.py {' '.join(argv)}`; ER2, n = {args.n}, "
        f"max_epochs = {args.max_epochs}; peak = VmHWM over the resident size before the fit.",
        "",
        "| d | mode | fit peak MB | estimate MB | estimate / peak | s |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            f"| {r['d']} | {r['mode']} | {r['fit_peak_mb']:.0f} | {r['estimate_mb']:.0f} | "
            f"{r['estimate_over_peak']:.2f} | {r['seconds']:.0f} |"
        )
    md = "\n".join(lines)
    print(md)
    stem = os.path.join(args.out_dir, f"memory_check{args.tag}")
    with open(stem + ".json", "w") as f:
        json.dump({"command": " ".join(argv), "records": records}, f, indent=1)
    with open(stem + ".md", "w") as f:
        f.write(md + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
