"""One command for every table and figure in the README and the documentation.

    python benchmarks/run_all.py --quick    # reduced grid, into benchmarks/results/quick/
    python benchmarks/run_all.py            # the full grid, into benchmarks/results/
    python benchmarks/run_all.py --only reference,sparse    # some steps only
    python benchmarks/run_all.py --list                     # the steps and their commands

Each step is one benchmark script run in a subprocess (``accuracy.py`` for the accuracy
experiments, and the other scripts of ``benchmarks/``); its command line is printed, run
and recorded in ``run_all.md`` / ``run_all.json`` next to the results, with its wall time
and the machine's load average before and after (the machine may be shared: seconds are
indicative).  A failing step is reported and the others still run; the exit status is 1
if any step failed.

Seeds (see ``accuracy.SEED_SETS``): the accuracy experiments behind the README run on the
evaluation seeds 1000-1009 (never used to choose a setting); the ``design_*`` steps re-check
the settings that were chosen earlier (EBIC gamma, starting cuts, spline knots, GOLEM's
initialisation, BOSS's penalty) on the design seeds 0-9 only.  The quick mode runs the same
steps on a smaller grid (fewer seeds, d = 10, fewer slow peers), to check that everything
runs and to give a first look; its tables are not the ones the documentation shows, and it
leaves out ``search_robustness`` (hundreds of fits even in its own quick mode).

Peers need ``STABLEDAG_PEERS_PYTHON`` and ``STABLEDAG_LINGAM_PYTHON`` (see README.md).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")

# method lists (see peers.py for what each runs)
MAIN = (
    "stabledag,stabledag_ev,boss,grasp,ges_ebic,ges,pc,golem_nv,cam,dagma_linear,"
    "direct_lingam,sortnregress,r2sortnregress"
)
# raw data too for the methods that read the units (and stabledag, to show it does not);
# METHOD:SCALE entries replace the plain list for that method
# (DAGMA on raw data, 15-30 CPU s a fit against 2-5 on standardized data, is left to the
# earlier tables on seeds 0-2, accuracy_full.md: there it matches the EV mode, as expected)
MAIN_SCALES = "std,stabledag_ev:raw,stabledag_ev:std,sortnregress:raw"
# NOTEARS (gCastle) takes minutes a fit at d = 20 on a shared machine: its own step at
# d = 10 on the evaluation seeds (``reference_notears``, with stabledag and DAGMA in the same
# run); the validation step runs it at d = 10, 20, 50 on the reference seeds
NOTEARS = "stabledag,dagma_linear,notears"
NOTEARS_SCALES = "raw,std,stabledag:std"
# the other generators: the same minus the slow or uninformative ones (NOTEARS, GOLEM-NV,
# plain-BIC GES, sort-and-regress on raw data), to keep the full run within hours
OTHER = (
    "stabledag,stabledag_ev,boss,grasp,ges_ebic,pc,cam,dagma_linear,direct_lingam,r2sortnregress"
)
OTHER_SCALES = "std,stabledag_ev:raw"
# d = 50: the class-metric peers of issue 16 (PC, both GES) and the fair ones; stabledag with
# its ablations (the continuous fit's starts matter most here)
D50 = "stabledag,boss,grasp,ges_ebic,ges,pc,dagma_linear,r2sortnregress"
LARGE_N = "stabledag,boss,grasp,ges_ebic,pc,dagma_linear,direct_lingam,r2sortnregress"
# quick mode: two evaluation seeds, d = 10, without the plain-BIC GES and GOLEM-NV (the
# slowest, and the fairer GES (EBIC) is there); accuracy steps pass --batch-per-env
QUICK_SEEDS = "1000,1001"
QUICK_MAIN = MAIN.replace("golem_nv,", "").replace("ges,", "")
GAMMAS = "stabledag,stabledag_gamma0,stabledag_gamma05,stabledag_gamma15,stabledag_gamma2"


def accuracy_step(name, title, args, quick_args):
    """A step that runs accuracy.py with ``--tag name``."""
    return {
        "name": name,
        "title": title,
        "script": "accuracy.py",
        "args": [*args, "--tag", name, "--title", title],
        "quick_args": [*quick_args, "--tag", name, "--title", title + " (quick)"],
    }


STEPS = [
    accuracy_step(
        "reference",
        "Reference data (ER2 / SF2, d = 20), evaluation seeds",
        ["--generators", "ER2,SF2", "--ds", "20", "--seed-set", "eval"]
        + ["--methods", MAIN, "--scales", MAIN_SCALES],
        ["--generators", "ER2,SF2", "--ds", "10", "--seeds", QUICK_SEEDS]
        + ["--methods", QUICK_MAIN, "--scales", MAIN_SCALES],
    ),
    accuracy_step(
        "reference_notears",
        "Reference data (ER2 / SF2, d = 10): NOTEARS with stabledag and DAGMA, evaluation seeds",
        ["--generators", "ER2,SF2", "--ds", "10", "--seed-set", "eval", "--no-sachs"]
        + ["--methods", NOTEARS, "--scales", NOTEARS_SCALES],
        ["--generators", "ER2", "--ds", "10", "--seeds", "1000", "--no-sachs"]
        + ["--methods", NOTEARS, "--scales", NOTEARS_SCALES, "--no-ablations"],
    ),
    accuracy_step(
        "sparse",
        "Sparse graphs (ER1, random trees), evaluation seeds",
        ["--generators", "ER1,TREE", "--ds", "20", "--seed-set", "eval", "--no-sachs"]
        + ["--methods", OTHER, "--scales", OTHER_SCALES],
        ["--generators", "ER1,TREE", "--ds", "10", "--seeds", QUICK_SEEDS, "--no-sachs"]
        + ["--methods", OTHER, "--scales", OTHER_SCALES],
    ),
    accuracy_step(
        "variants",
        "iSCM, unequal noise variances, well-conditioned and near-deterministic SEMs "
        "(ER2), evaluation seeds",
        ["--generators", "ER2-iscm,ER2-nv,ER2-wellcond,ER2-neardet", "--ds", "20"]
        + ["--seed-set", "eval", "--no-sachs", "--methods", OTHER, "--scales", OTHER_SCALES],
        ["--generators", "ER2-iscm,ER2-nv,ER2-wellcond,ER2-neardet", "--ds", "10"]
        + ["--seeds", "1000", "--no-sachs", "--no-ablations"]
        + ["--methods", OTHER, "--scales", OTHER_SCALES],
    ),
    accuracy_step(
        "large_n",
        "Large n: a linear SEM with a small quadratic term (ER2-quad) against the linear "
        "SEM (ER2), d = 10, n = 1e3, 1e4, 1e5, evaluation seeds",
        ["--generators", "ER2,ER2-quad", "--ds", "10", "--ns", "1000,10000,100000"]
        + ["--seed-set", "eval", "--no-sachs", "--methods", LARGE_N, "--scales", "std"],
        ["--generators", "ER2,ER2-quad", "--ds", "10", "--ns", "1000,30000"]
        + ["--seeds", "1000", "--no-sachs", "--scales", "std", "--no-ablations"]
        + ["--methods", "stabledag,boss,ges_ebic,pc"],
    ),
    accuracy_step(
        "mlp",
        "Nonlinear MLP SEM (ER2, d = 10): the MLP model and its additive search alone, "
        "evaluation seeds",
        ["--sem", "mlp", "--generators", "ER2", "--ds", "10", "--seed-set", "eval"]
        + ["--no-sachs", "--methods", "stabledag_mlp,boss,pc", "--scales", "std"]
        + ["--timeout", "900"],
        ["--sem", "mlp", "--generators", "ER2", "--ds", "10", "--seeds", "1000"]
        + ["--no-sachs", "--methods", "stabledag_mlp,boss", "--scales", "std"]
        + ["--no-ablations"],
    ),
    accuracy_step(
        "sachs_mlp",
        "Sachs: the MLP model and its additive search alone",
        ["--sachs-only", "--methods", "stabledag_mlp", "--scales", "raw", "--timeout", "900"],
        ["--sachs-only", "--methods", "stabledag_mlp", "--scales", "raw", "--no-ablations"],
    ),
    accuracy_step(
        "reference_d50",
        "Reference data at d = 50 (ER2 / SF2), evaluation seeds",
        ["--generators", "ER2,SF2", "--ds", "50", "--seed-set", "eval", "--no-sachs"]
        + ["--methods", D50, "--scales", "std", "--timeout", "900"],
        ["--generators", "ER2", "--ds", "50", "--seeds", "1000", "--no-sachs"]
        + ["--methods", "stabledag,boss,pc", "--scales", "std", "--no-ablations"],
    ),
    accuracy_step(
        "ablation_d50",
        "stabledag's ablation at d = 50 (ER2), evaluation seeds",
        ["--generators", "ER2", "--ds", "50", "--seed-set", "eval", "--no-sachs"]
        + ["--methods", "stabledag", "--scales", "std", "--timeout", "900"],
        ["--generators", "ER2", "--ds", "50", "--seeds", "1000", "--no-sachs"]
        + ["--methods", "stabledag", "--scales", "std"],
    ),
    accuracy_step(
        "design_gamma",
        "Design seeds: EBIC gamma and the starting cuts (ablation variants)",
        ["--generators", "ER2,SF2", "--ds", "10,20", "--seed-set", "design", "--no-sachs"]
        + ["--methods", GAMMAS, "--scales", "std"],
        ["--generators", "ER2", "--ds", "10", "--seeds", "0,1", "--no-sachs"]
        + ["--methods", GAMMAS, "--scales", "std", "--no-ablations"],
    ),
    accuracy_step(
        "design_peers",
        "Design seeds: GOLEM-NV's start and BOSS's penalty",
        ["--generators", "ER2", "--ds", "20", "--seed-set", "design", "--no-sachs"]
        + ["--methods", "golem_nv,golem_nv_evinit,boss,boss_lambda2", "--scales", "std"],
        ["--generators", "ER2", "--ds", "10", "--seeds", "0", "--no-sachs"]
        + ["--methods", "boss,boss_lambda2", "--scales", "std"],
    ),
    {
        "name": "design_knots",
        "title": "Design seeds: spline knots of the additive search",
        "script": "design_knots.py",
        "args": [],
        "quick_args": ["--quick"],
    },
    {
        "name": "knots_vs_n",
        "title": "Spline knots against n: 5 fixed or knots_for(n)",
        "script": "knots_vs_n.py",
        "args": [],
        "quick_args": ["--ns", "3000", "--ds", "10", "--seeds", "design"],
    },
    {
        "name": "nonlinear_df",
        "title": "Effective degrees of freedom of the random-feature BIC",
        "script": "nonlinear_df.py",
        "args": [],
        "quick_args": [],
    },
    {
        "name": "failure_modes",
        "title": "Assumptions and failure modes, measured",
        "script": "failure_modes.py",
        "args": [],
        "quick_args": ["--quick"],
    },
    {
        "name": "speed",
        "title": "Speed against DAGMA",
        "script": "speed.py",
        "args": ["--seeds", ",".join(str(s) for s in range(1000, 1010)), "--ds", "20,50"]
        + ["--no-large"],
        "quick_args": ["--quick", "--no-large", "--ds", "20"],
    },
    {
        "name": "prior_knowledge",
        "title": "Prior knowledge (tiers)",
        "script": "prior_knowledge.py",
        "args": [],
        "quick_args": [],
    },
    accuracy_step(
        "nonlinear_peers",
        "Nonlinear MLP SEM (ER2, d = 10) against NOTEARS-MLP, evaluation seeds",
        ["--sem", "mlp", "--generators", "ER2", "--ds", "10", "--seed-set", "eval"]
        + ["--no-sachs", "--methods", "stabledag_mlp_ev,notears_mlp", "--scales", "raw"]
        + ["--timeout", "900"],
        ["--sem", "mlp", "--generators", "ER2", "--ds", "5", "--ns", "500", "--seeds", "1000"]
        + ["--no-sachs", "--methods", "stabledag_mlp_ev", "--scales", "raw"],
    ),
    *[
        accuracy_step(
            f"disen_{noise}",
            f"Linear SEM with {noise} noise (ER2, d = 20): lambda_disen, evaluation seeds",
            ["--noise", noise, "--generators", "ER2", "--ds", "20", "--seed-set", "eval"]
            + ["--no-sachs", "--scales", "std"]
            + ["--methods", "stabledag,stabledag_disen,boss,direct_lingam,dagma_linear"],
            ["--noise", noise, "--generators", "ER2", "--ds", "10", "--seeds", "1000"]
            + ["--no-sachs", "--scales", "std", "--no-ablations"]
            + ["--methods", "stabledag,stabledag_disen,direct_lingam"],
        )
        for noise in ("laplace", "gumbel", "uniform")
    ],
    {
        "name": "dask_speedup",
        "title": "Dask: 2 workers against 1",
        "script": "dask_speedup.py",
        "args": [],
        "quick_args": ["--quick"],
    },
    {
        "name": "search_robustness",
        "title": "Search robustness: fits worse than the true graph under their own criterion",
        "script": "search_robustness.py",
        "args": [],
        "quick_args": None,  # 540 fits even with --quick: full mode only
    },
    {
        "name": "validation",
        "title": "Validation: the peers reproduce the anchors",
        "script": "validate_anchors.py",
        "args": [],
        "quick_args": ["--quick"],
    },
    {
        "name": "tuning",
        "title": "Tuning with GridSearchCV",
        "script": "tuning.py",
        "args": [],
        "quick_args": ["--quick"],
    },
    {
        "name": "readme_tables",
        "title": "The README's tables, from the reference, sparse and variants results",
        "script": "readme_tables.py",
        "args": [],
        "quick_args": [],
    },
]

# run order: the tables the README needs first (a long run may be stopped)
ORDER = (
    "reference",
    "sparse",
    "failure_modes",
    "nonlinear_df",
    "ablation_d50",
    "variants",
    "large_n",
    "mlp",
    "sachs_mlp",
    "design_gamma",
    "reference_d50",
    "design_peers",
    "design_knots",
    "knots_vs_n",
    "reference_notears",
    "disen_laplace",
    "disen_gumbel",
    "disen_uniform",
    "nonlinear_peers",
    "prior_knowledge",
    "validation",
    "search_robustness",
    "speed",
    "dask_speedup",
    "tuning",
    "readme_tables",
)
STEPS.sort(key=lambda s: ORDER.index(s["name"]))


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the reduced grid (see above)")
    ap.add_argument("--only", default=None, help="comma-separated step names")
    ap.add_argument("--skip", default=None, help="comma-separated step names")
    ap.add_argument("--jobs", type=int, default=2, help="parallel fits (default 2)")
    ap.add_argument("--out-dir", default=None, help="default results/ (quick: results/quick/)")
    ap.add_argument("--list", action="store_true", help="print the steps and exit")
    args = ap.parse_args(argv)
    args.out_dir = args.out_dir or (os.path.join(RESULTS, "quick") if args.quick else RESULTS)
    names = [s["name"] for s in STEPS]
    for opt in ("only", "skip"):
        value = getattr(args, opt)
        chosen = [v.strip() for v in value.split(",")] if value else []
        unknown = set(chosen) - set(names)
        if unknown:
            ap.error(f"unknown steps {sorted(unknown)}; choose from {names}")
        setattr(args, opt, chosen)
    return args


def command(step, args):
    """The argv of one step."""
    extra = list(step["quick_args"] if args.quick else step["args"])
    out = ["--results" if step["script"] == "readme_tables.py" else "--out-dir", args.out_dir]
    cmd = [sys.executable, os.path.join(HERE, step["script"]), *extra, *out]
    if step["script"] in ("accuracy.py", "validate_anchors.py"):
        cmd += ["--jobs", str(args.jobs)]
    if args.quick and step["script"] == "accuracy.py":
        cmd.append("--batch-per-env")
    return cmd


def _shown(cmd):
    """The command as a user would type it (relative script path, `python`)."""
    repo = os.path.dirname(HERE)
    parts = ["python", os.path.relpath(cmd[1], repo)]
    for p in cmd[2:]:
        if os.path.isabs(p) and p.startswith(repo):
            p = os.path.relpath(p, repo)
        parts.append(f'"{p}"' if " " in p else p)
    return " ".join(parts)


def main(argv=None):
    args = parse_args(argv)
    steps = [
        s
        for s in STEPS
        if (not args.only or s["name"] in args.only)
        and s["name"] not in args.skip
        and not (args.quick and s["quick_args"] is None)
    ]
    if args.list:
        for s in steps:
            print(f"{s['name']:16s} {_shown(command(s, args))}")
        return 0
    os.makedirs(args.out_dir, exist_ok=True)
    log_path = os.path.join(args.out_dir, "run_all.json")
    done = []
    if os.path.exists(log_path):  # keep the records of steps not rerun now
        with open(log_path) as f:
            done = [r for r in json.load(f)["steps"] if r["name"] not in {s["name"] for s in steps}]
    start = time.perf_counter()
    failed = []
    for step in steps:
        cmd = command(step, args)
        print(f"\n=== {step['name']}: {_shown(cmd)}", flush=True)
        load_before = os.getloadavg()
        t0, c0 = time.perf_counter(), _children_cpu()
        rc = subprocess.run(cmd).returncode
        secs, cpu = time.perf_counter() - t0, _children_cpu() - c0
        rec = {
            "name": step["name"],
            "title": step["title"],
            "command": _shown(cmd),
            "returncode": rc,
            "seconds": secs,
            "cpu_seconds": cpu,
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "finished": time.strftime("%Y-%m-%d %H:%M"),
        }
        done = [r for r in done if r["name"] != step["name"]] + [rec]
        if rc != 0:
            failed.append(step["name"])
        _write_log(args, done, log_path)
        print(
            f"=== {step['name']}: exit {rc}, {secs / 60:.1f} min wall, {cpu / 60:.1f} min CPU",
            flush=True,
        )
    total = time.perf_counter() - start
    print(f"\nall steps: {total / 60:.1f} min; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


def _children_cpu():
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _write_log(args, records, path):
    """run_all.json and run_all.md: every step's command, exit status and time."""
    with open(path, "w") as f:
        json.dump({"quick": args.quick, "cpu_count": os.cpu_count(), "steps": records}, f, indent=1)
    lines = [
        f"## run_all.py{' --quick' if args.quick else ''}: steps, commands and times",
        "",
        f"{os.cpu_count()} CPUs, shared with other work (load averages before / after each "
        "step: 1-minute values). CPU minutes are those of the step's processes (user + "
        "system, all workers); wall minutes depend on the other work on the machine.",
        "",
        "| step | command | exit | CPU minutes | wall minutes | load before / after |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        cpu = r.get("cpu_seconds")
        lines.append(
            f"| {r['name']} | `{r['command']}` | {r['returncode']} | "
            f"{'-' if cpu is None else f'{cpu / 60:.1f}'} | {r['seconds'] / 60:.1f} | "
            f"{r['load_before'][0]:.1f} / {r['load_after'][0]:.1f} |"
        )
    total = sum(r["seconds"] for r in records)
    total_cpu = sum(r.get("cpu_seconds") or 0 for r in records)
    lines += ["", f"Total: {total_cpu / 60:.1f} CPU min, {total / 60:.1f} wall min."]
    with open(os.path.join(os.path.dirname(path), "run_all.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
