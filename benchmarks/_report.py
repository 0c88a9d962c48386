"""Summaries, Markdown tables and plots for ``accuracy.py`` results.

A *run* is one (dataset, method, scale) record: ``status`` is ok, skipped, error, timeout
or crash; ok runs carry the directed metrics (``shd``, ``f1``), the class metrics
(``shd_cpdag``, ``skeleton_f1``, ``arrowhead_f1``), ``fit_seconds`` and ``is_dag``.  A
method's *variants* (stabledag's ablations) are runs named ``method[variant]``.  A
*setting* groups the seeds of one generator, size and sample size (e.g. "ER2 d=20").

Tables have one row per method and one column per setting; a cell is the median over the
seeds whose run succeeded with, in brackets, the 10% and 90% quantiles over those seeds
(numpy's default linear interpolation), and "(k/n ok)" when some seeds failed.
"""

import math
from collections import OrderedDict

import numpy as np

LABELS = OrderedDict(
    [
        ("stabledag", "stabledag"),
        ("stabledag_ev", "stabledag EV"),
        ("stabledag_disen", "stabledag lambda_disen=1"),
        ("stabledag_mlp", "stabledag MLP"),
        ("stabledag_mlp_ev", "stabledag MLP EV"),
        ("boss", "BOSS (EBIC)"),
        ("boss_lambda2", "BOSS (lambda 2)"),
        ("grasp", "GRaSP (EBIC)"),
        ("ges_ebic", "GES (EBIC)"),
        ("ges", "GES (BIC)"),
        ("pc", "PC"),
        ("golem_nv", "GOLEM-NV"),
        ("golem_nv_evinit", "GOLEM-NV (EV init)"),
        ("cam", "CAM-style (additive search)"),
        ("dagma_linear", "DAGMA"),
        ("notears", "NOTEARS (gCastle)"),
        ("notears_mlp", "NOTEARS-MLP (gCastle)"),
        ("direct_lingam", "DirectLiNGAM"),
        ("sortnregress", "sort-and-regress"),
        ("r2sortnregress", "R²-sort-and-regress"),
        ("stabledag_gamma0", "stabledag gamma=0"),
        ("stabledag_gamma05", "stabledag gamma=0.5"),
        ("stabledag_gamma15", "stabledag gamma=1.5"),
        ("stabledag_gamma2", "stabledag gamma=2"),
    ]
)
VARIANT_LABELS = {
    "cont_only": "continuous fit only (refine=False)",
    "search_empty": "order search only, from the empty graph",
    "search_no_fit": "search from the empty graph and random orders (no continuous fit)",
    "cuts_only": "search from the continuous fit's cuts only",
    "start_auto": "search from the selected cut only",
    "additive_only": "additive search alone",
}
CPDAG_METHODS = ("pc", "ges", "ges_ebic", "grasp", "boss", "boss_lambda2")


def label(method):
    """Display name of a method or variant."""
    base, _, variant = method.partition("[")
    name = LABELS.get(base, base)
    if not variant:
        return name
    variant = variant.rstrip("]")
    if variant.startswith("start_") and variant not in VARIANT_LABELS:
        return f"{name}: search from cut {variant[6:]} only"
    return f"{name}: {VARIANT_LABELS.get(variant, variant)}"


def _fmt(x, digits):
    """Number to text with ``digits`` decimals (0: an integer, or one decimal)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if digits == 0:
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"
    return f"{x:.{digits}f}"


def cell_stats(runs, key):
    """Median and 10 / 90% quantiles of ``key`` over ok runs, counts and failures."""
    vals = [r[key] for r in runs if r["status"] == "ok" and r.get(key) is not None]
    failed = sorted({r["status"] for r in runs if r["status"] != "ok"})
    out = {"n_ok": len(vals), "n": len(runs), "failed": failed, "values": vals}
    if vals:
        out.update(
            median=float(np.median(vals)),
            q10=float(np.quantile(vals, 0.1)),
            q90=float(np.quantile(vals, 0.9)),
        )
    return out


def setting_info(datasets):
    """setting -> medians of the data statistics (edges, reversible edges, sortability)."""
    info = OrderedDict()
    for ds in datasets:
        info.setdefault(ds["setting"], []).append(ds)
    out = OrderedDict()
    for setting, group in info.items():
        out[setting] = {
            key: float(np.median([g[key] for g in group]))
            for key in (
                "empty_shd",
                "n_reversible",
                "varsortability_raw",
                "varsortability_std",
                "r2_sortability",
            )
        }
        out[setting]["n_seeds"] = len(group)
        out[setting]["d"] = group[0]["d"]
        out[setting]["n"] = group[0]["n"]
    return out


def _select(runs, setting, method, scale):
    return [
        r for r in runs if r["setting"] == setting and r["method"] == method and r["scale"] == scale
    ]


def _methods(runs, variants=False):
    """Methods present, in display order (variants after their method when asked)."""
    seen = OrderedDict((r["method"], 1) for r in runs)
    bases = [m for m in LABELS if m in seen] + [m for m in seen if "[" not in m and m not in LABELS]
    if not variants:
        return bases
    out = []
    for b in bases:
        out.append(b)
        out += [m for m in seen if m.startswith(b + "[")]
    return out


def _cell(stats, digits, spread=True):
    """'median [q10–q90]' text, '(k/n ok)' if some seeds failed, or the failure status."""
    if stats["n_ok"] == 0:
        return "/".join(stats["failed"]) or "—"
    text = _fmt(stats["median"], digits)
    if spread and stats["n_ok"] > 2:
        text += f" [{_fmt(stats['q10'], digits)}–{_fmt(stats['q90'], digits)}]"
    if stats["n_ok"] < stats["n"]:
        text += f" ({stats['n_ok']}/{stats['n']} ok)"
    return text


def _table(lines, n_head):
    """The Markdown text, or '' when the table has no body rows after its ``n_head`` lines
    (title, blank lines, header and separator)."""
    return "\n".join(lines) if len(lines) > n_head else ""


def _settings_head(info, first="method"):
    head = f"| {first} | " + " | ".join(info) + " |"
    return [head, "|" + "---|" * (len(info) + 1)]


def metric_table(runs, info, key, digits, title, scale="std", methods=None, spread=True):
    """Markdown table: rows = methods, columns = settings, cells median [q10–q90]."""
    methods = methods if methods is not None else _methods(runs)
    lines = ["### " + title, ""] + _settings_head(info)
    rows = 0
    for m in methods:
        cells = []
        for setting in info:
            sel = _select(runs, setting, m, scale)
            cells.append(_cell(cell_stats(sel, key), digits, spread) if sel else "—")
        if all(c == "—" for c in cells):
            continue
        rows += 1
        lines.append(f"| {label(m)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) if rows else ""


def data_table(info):
    """The settings' data statistics."""
    lines = [
        "### Data",
        "",
        "| setting | seeds | true edges (= empty-graph SHD) | reversible edges in the class | "
        "varsortability raw -> std | R²-sortability |",
        "|---|---|---|---|---|---|",
    ]
    for s, i in info.items():
        lines.append(
            f"| {s} | {i['n_seeds']} | {_fmt(i['empty_shd'], 0)} | {_fmt(i['n_reversible'], 0)} "
            f"| {i['varsortability_raw']:.2f} -> {i['varsortability_std']:.2f} | "
            f"{i['r2_sortability']:.2f} |"
        )
    return "\n".join(lines)


def f1_table(runs, info, scale="std", methods=None):
    """Skeleton F1 / arrowhead F1 medians."""
    methods = methods if methods is not None else _methods(runs)
    lines = [
        "### Skeleton F1 / arrowhead F1 of the class (median, standardized data)",
        "",
    ] + _settings_head(info)
    for m in methods:
        cells = []
        for setting in info:
            sel = _select(runs, setting, m, scale)
            sk, ah = cell_stats(sel, "skeleton_f1"), cell_stats(sel, "arrowhead_f1")
            cells.append(
                f"{_fmt(sk['median'], 2)} / {_fmt(ah['median'], 2)}" if sk["n_ok"] else "—"
            )
        if any(c != "—" for c in cells):
            lines.append(f"| {label(m)} | " + " | ".join(cells) + " |")
    return _table(lines, 4)


def directed_table(runs, info):
    """Directed SHD for every method and scale it ran on."""
    lines = [
        "### Directed SHD (median [10%–90%]; a reversal counts 1; PC/GES/GRaSP/BOSS: "
        "directed edges of their CPDAG only, undirected ones count as missing)",
        "",
    ] + _settings_head(info, "method, data")
    for m in _methods(runs):
        for scale in ("raw", "std"):
            cells = []
            for setting in info:
                sel = _select(runs, setting, m, scale)
                cells.append(_cell(cell_stats(sel, "shd"), 0) if sel else "—")
            if any(c != "—" for c in cells):
                what = "standardized" if scale == "std" else "raw"
                lines.append(f"| {label(m)}, {what} | " + " | ".join(cells) + " |")
    return _table(lines, 4)


def criterion_table(runs, info, scale="std"):
    """How often a score-based output costs more than the true DAG under its own score."""
    methods = [
        m
        for m in _methods(runs, variants=True)
        if any(r["method"] == m and r["scale"] == scale and "own_gap" in r for r in runs)
    ]
    if not methods:
        return ""
    lines = [
        "### Search quality: runs whose output scores worse than the true DAG under the "
        "method's own criterion",
        "",
        "Cells: runs with a worse (higher) criterion than the true DAG / runs, and the median "
        "gap in half-BIC units (negative: the output scores better than the truth, an "
        "overfit or a sampling effect; positive: the search stopped early).",
        "",
    ] + _settings_head(info, "method (criterion)")
    for m in methods:
        cells, crit = [], ""
        for setting in info:
            sel = [r for r in _select(runs, setting, m, scale) if r.get("own_gap") is not None]
            if not sel:
                cells.append("—")
                continue
            crit = sel[0]["own_criterion"]
            gaps = [r["own_gap"] for r in sel]
            worse = sum(g > 1e-6 for g in gaps)
            cells.append(f"{worse}/{len(gaps)} ({_fmt(float(np.median(gaps)), 1)})")
        name = label(m) if f"({crit})" in label(m) else f"{label(m)} ({crit})"
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return _table(lines, 6)


def _seconds_key(runs):
    """CPU seconds when the runs have them (newer results), else wall-clock seconds."""
    return "fit_cpu_seconds" if any("fit_cpu_seconds" in r for r in runs) else "fit_seconds"


def _has(runs, method, key):
    return any(r["method"] == method and r.get(key) is not None for r in runs)


def reversible_table(runs, info, scale="std"):
    """How DAG outputs orient the edges that the data cannot orient."""
    methods = [m for m in _methods(runs, variants=False) if _has(runs, m, "reversible_found")]
    if not methods:
        return ""
    lines = [
        "### Reversible edges: oriented as in the true DAG / found, summed over seeds",
        "",
        "A reversible edge is undirected in the true CPDAG: no method can orient it from "
        "Gaussian observational data without further assumptions (equal variances, "
        "non-Gaussian noise); about half right is what a coin flip gives.",
        "",
    ] + _settings_head(info)
    for m in methods:
        cells = []
        for setting in info:
            sel = [r for r in _select(runs, setting, m, scale) if r["status"] == "ok"]
            found = sum(r.get("reversible_found", 0) for r in sel)
            right = sum(r.get("reversible_right", 0) for r in sel)
            pct = f" ({100 * right / found:.0f}%)" if found else ""
            cells.append(f"{right}/{found}{pct}" if sel else "—")
        if any(c != "—" for c in cells):
            lines.append(f"| {label(m)} | " + " | ".join(cells) + " |")
    return _table(lines, 6)


def paired_table(runs, info, reference="stabledag", scale="std"):
    """Per seed, class SHD of the reference against each method: better / equal / worse."""
    methods = [m for m in _methods(runs) if m != reference]
    if not any(r["method"] == reference for r in runs) or not methods:
        return ""
    lines = [
        f"### Per seed, {label(reference)} against each method (class SHD): "
        f"{label(reference)} lower / equal / higher",
        "",
    ] + _settings_head(info)
    for m in methods:
        cells = []
        for setting in info:
            ref = {r["dataset"]: r for r in _select(runs, setting, reference, scale)}
            pairs = [
                (ref[r["dataset"]]["shd_cpdag"], r["shd_cpdag"])
                for r in _select(runs, setting, m, scale)
                if r["status"] == "ok" and ref.get(r["dataset"], {}).get("status") == "ok"
            ]
            if not pairs:
                cells.append("—")
                continue
            lo = sum(a < b for a, b in pairs)
            eq = sum(a == b for a, b in pairs)
            cells.append(f"{lo} / {eq} / {len(pairs) - lo - eq}")
        if any(c != "—" for c in cells):
            lines.append(f"| {label(m)} | " + " | ".join(cells) + " |")
    return _table(lines, 4)


def ablation_table(runs, info, base, scale="std"):
    """The variants of one method: class SHD, directed SHD and seconds."""
    variants = [m for m in _methods(runs, variants=True) if m == base or m.startswith(base + "[")]
    if len(variants) < 2:
        return ""
    parts = []
    for key, digits, what in (
        ("shd_cpdag", 0, "class SHD"),
        ("shd", 0, "directed SHD"),
        (
            _seconds_key(runs),
            2,
            "CPU seconds (median; a search variant's seconds exclude the "
            "continuous fit it starts from)",
        ),
    ):
        parts.append(
            metric_table(
                runs,
                info,
                key,
                digits,
                f"Ablation of {label(base)}: {what}",
                scale,
                variants,
                spread="seconds" not in key,
            )
        )
    return "\n\n".join(p for p in parts if p)


def edges_table(runs, info, scale="std"):
    """Number of adjacencies in the output (median), against the true number."""
    lines = ["### Adjacencies in the output (median; true number in the column head)", ""]
    heads = [f"{s} ({_fmt(i['empty_shd'], 0)})" for s, i in info.items()]
    lines += [
        "| method | " + " | ".join(heads) + " |",
        "|" + "---|" * (len(info) + 1),
    ]
    for m in _methods(runs):
        cells = []
        for setting in info:
            sel = _select(runs, setting, m, scale)
            cells.append(_cell(cell_stats(sel, "nnz_class"), 0, spread=False) if sel else "—")
        if any(c != "—" for c in cells):
            lines.append(f"| {label(m)} | " + " | ".join(cells) + " |")
    return _table(lines, 4)


def problems(runs):
    """Markdown bullets: skipped / failed runs and cyclic outputs, grouped by method,
    status and note (the note's first line), with the runs they concern."""
    groups = OrderedDict()
    for r in runs:
        if r["status"] == "ok" and r.get("is_dag", True):
            continue
        if r["status"] == "ok":
            key = (r["method"], "cyclic", "output has a directed cycle (scored mark by mark)")
        else:
            key = (r["method"], r["status"], (r.get("note") or "").strip().split("\n")[0][:300])
        groups.setdefault(key, []).append(f"{r['dataset']} {r['scale']}")
    lines = []
    for (method, status, note), where in groups.items():
        shown = ", ".join(where[:6]) + (f" and {len(where) - 6} more" if len(where) > 6 else "")
        lines.append(f"- {label(method)}: **{status}** on {len(where)} run(s) ({shown}): {note}")
    return "\n".join(lines) if lines else "- none"


def sections(runs, info, header):
    """The report's sections, by name (``markdown`` joins them; ``accuracy.py`` also
    writes some of them to their own files, for the documentation to include)."""
    main = _methods(runs)
    has_std = any(r["scale"] == "std" for r in runs)
    scale = "std" if has_std else "raw"
    what = "standardized data" if has_std else "raw data"
    class_std = metric_table(
        runs,
        info,
        "shd_cpdag",
        0,
        f"Class SHD (median [10%–90%] over seeds, {what}; lower is better)",
        scale,
        main,
    )
    class_raw = ""
    if has_std:
        class_raw = metric_table(
            runs,
            info,
            "shd_cpdag",
            0,
            "Class SHD on raw data (median [10%–90%]), methods run on raw data",
            "raw",
            main,
        )
    out = OrderedDict()
    out["header"] = header
    out["data"] = data_table(info)
    out["class"] = "\n\n".join(
        p for p in (class_std, class_raw, f1_table(runs, info, scale, main)) if p
    )
    out["directed"] = directed_table(runs, info)
    out["seconds"] = metric_table(
        runs, info, _seconds_key(runs), 1, "Fit seconds (CPU, median)", scale, main, False
    )
    out["edges"] = edges_table(runs, info, scale)
    out["search"] = criterion_table(runs, info, scale)
    out["reversible"] = reversible_table(runs, info, scale)
    out["paired"] = paired_table(runs, info, scale=scale)
    out["ablation"] = "\n\n".join(
        p
        for p in (
            ablation_table(runs, info, "stabledag", scale),
            ablation_table(runs, info, "stabledag_mlp", scale),
        )
        if p
    )
    out["problems"] = "### Skipped, failed and cyclic runs\n\n" + problems(runs)
    return OrderedDict((k, v) for k, v in out.items() if v)


def markdown(runs, info, header):
    """The whole Markdown report."""
    return "\n\n".join(sections(runs, info, header).values()) + "\n"


def plot(runs, info, path, key="shd_cpdag"):
    """One panel per setting: per-seed class SHD (dots) and median (bar) per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = list(info)
    methods = _methods(runs)
    ncol = min(3, len(settings))
    nrow = int(math.ceil(len(settings) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(6 * ncol, 3.8 * nrow), squeeze=False)
    x = np.arange(len(methods))
    for ax, setting in zip(axes.flat, settings):
        for k, (scale, color) in enumerate((("raw", "tab:blue"), ("std", "tab:orange"))):
            vals = [
                [
                    r[key]
                    for r in _select(runs, setting, m, scale)
                    if r["status"] == "ok" and r.get(key) is not None
                ]
                for m in methods
            ]
            med = [np.median(v) if v else np.nan for v in vals]
            pos = x + (k - 0.5) * 0.38
            ax.bar(pos, med, width=0.38, color=color, alpha=0.75, label=scale)
            for p, v in zip(pos, vals):
                ax.plot([p] * len(v), v, "k.", ms=3)
        ax.axhline(info[setting]["empty_shd"], ls="--", c="grey", lw=1, label="empty graph")
        ax.set_title(setting)
        ax.set_xticks(x)
        ax.set_xticklabels([label(m) for m in methods], rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("class SHD" if key == "shd_cpdag" else key)
    for ax in list(axes.flat)[len(settings) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(out_dir, name, md, rows):
    """Print ``md`` and write ``<out_dir>/<name>.md`` and ``<name>.json`` (``rows``)."""
    import json
    import os

    print("\n" + md)
    os.makedirs(out_dir, exist_ok=True)
    base = os.path.join(out_dir, name)
    with open(base + ".md", "w") as f:
        f.write(md)
    with open(base + ".json", "w") as f:
        json.dump(rows, f, indent=1)
