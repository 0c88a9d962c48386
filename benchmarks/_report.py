"""Summaries, Markdown tables and the SHD plot for ``accuracy.py`` results.

A *run* is one (dataset, method, scale) record: ``status`` is ok, skipped, error, timeout
or crash; ok runs carry ``shd``, ``f1``, ``fit_seconds``, ``is_dag``.  A *setting* groups
the seeds of one graph type and size (e.g. "ER2 d=20"); tables show the median over the
seeds whose run succeeded, with the count in brackets when some seeds failed.
"""

import math
from collections import OrderedDict

import numpy as np

LABELS = OrderedDict(
    [
        ("stabledag", "stabledag"),
        ("stabledag_ev", "stabledag EV"),
        ("dagma_linear", "DAGMA"),
        ("notears", "NOTEARS (gCastle)"),
        ("pc", "PC"),
        ("ges", "GES"),
        ("direct_lingam", "DirectLiNGAM"),
        ("sortnregress", "sort-and-regress"),
        ("r2sortnregress", "R²-sort-and-regress"),
    ]
)


def label(method):
    """Display name of a method."""
    return LABELS.get(method, method)


def _fmt(x, digits):
    """Number to text with ``digits`` decimals (0: an integer, or one decimal for halves)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if digits == 0:
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"
    return f"{x:.{digits}f}"


def cell_stats(runs, key):
    """Median of ``key`` over ok runs, the ok count and the failure statuses."""
    vals = [r[key] for r in runs if r["status"] == "ok"]
    failed = sorted({r["status"] for r in runs if r["status"] != "ok"})
    return {
        "median": float(np.median(vals)) if vals else None,
        "n_ok": len(vals),
        "n": len(runs),
        "failed": failed,
        "values": vals,
    }


def summarize(runs, datasets):
    """Nested summary: setting -> method -> scale -> {shd, f1, seconds, n_cyclic} stats."""
    settings = OrderedDict()
    for ds in datasets:
        settings.setdefault(ds["setting"], [])
    summary = OrderedDict()
    for setting in settings:
        summary[setting] = OrderedDict()
        methods = OrderedDict((r["method"], 1) for r in runs if r["setting"] == setting)
        for method in methods:
            summary[setting][method] = {}
            for scale in ("raw", "std"):
                sel = [
                    r
                    for r in runs
                    if r["setting"] == setting and r["method"] == method and r["scale"] == scale
                ]
                if not sel:
                    continue
                summary[setting][method][scale] = {
                    "shd": cell_stats(sel, "shd"),
                    "f1": cell_stats(sel, "f1"),
                    "seconds": cell_stats(sel, "fit_seconds"),
                    "n_cyclic": sum(1 for r in sel if r["status"] == "ok" and not r["is_dag"]),
                }
    return summary


def setting_info(datasets):
    """setting -> median empty-graph SHD and median varsortability raw / std."""
    info = OrderedDict()
    for ds in datasets:
        info.setdefault(ds["setting"], []).append(ds)
    out = OrderedDict()
    for setting, group in info.items():
        out[setting] = {
            "empty_shd": float(np.median([g["empty_shd"] for g in group])),
            "varsort_raw": float(np.median([g["varsortability_raw"] for g in group])),
            "varsort_std": float(np.median([g["varsortability_std"] for g in group])),
            "r2sort": float(np.median([g["r2_sortability"] for g in group])),
            "n_seeds": len(group),
        }
    return out


def _one(stats, digits):
    """Median text, '(k/n)' if some seeds failed, or the failure status if all did."""
    if stats["n_ok"] == 0:
        return "/".join(stats["failed"]) or "—"
    text = _fmt(stats["median"], digits)
    if stats["n_ok"] < stats["n"]:
        text += f" ({stats['n_ok']}/{stats['n']} ok)"
    return text


def _cell(entry, key, digits):
    """'raw -> std' text for one setting x method."""
    parts = [_one(entry[s][key], digits) if s in entry else "—" for s in ("raw", "std")]
    return " -> ".join(parts)


def _methods(summary):
    """Methods present, in display order."""
    seen = OrderedDict()
    for per_method in summary.values():
        for m in per_method:
            seen[m] = 1
    known = [m for m in LABELS if m in seen]
    return known + [m for m in seen if m not in LABELS]


def metric_table(summary, info, key, digits, title):
    """Markdown table: rows = settings, columns = methods, cells 'raw -> std' medians."""
    methods = _methods(summary)
    head = (
        "| setting (empty SHD) | varsort raw -> std | "
        + " | ".join(label(m) for m in methods)
        + " |"
    )
    lines = ["### " + title, "", head, "|" + "---|" * (len(methods) + 2)]
    for setting, per_method in summary.items():
        inf = info[setting]
        row = "| {} ({}) | {:.2f} -> {:.2f} | ".format(
            setting, _fmt(inf["empty_shd"], 0), inf["varsort_raw"], inf["varsort_std"]
        )
        row += " | ".join(
            _cell(per_method[m], key, digits) if m in per_method else "—" for m in methods
        )
        lines.append(row + " |")
    return "\n".join(lines)


def problems(runs):
    """Markdown bullets: skipped / failed runs and cyclic outputs, grouped by method,
    status and note (the note's first line), with the runs they concern."""
    groups = OrderedDict()
    for r in runs:
        if r["status"] == "ok" and r["is_dag"]:
            continue
        if r["status"] == "ok":
            key = (r["method"], "cyclic", "output has a directed cycle")
        else:
            key = (r["method"], r["status"], (r.get("note") or "").strip().split("\n")[0][:300])
        groups.setdefault(key, []).append(f"{r['dataset']} {r['scale']}")
    lines = []
    for (method, status, note), where in groups.items():
        shown = ", ".join(where[:6]) + (f" and {len(where) - 6} more" if len(where) > 6 else "")
        lines.append(f"- {label(method)}: **{status}** on {len(where)} run(s) ({shown}): {note}")
    return "\n".join(lines) if lines else "- none"


def markdown(summary, info, runs, header):
    """The whole Markdown report."""
    parts = [
        header,
        "",
        metric_table(
            summary, info, "shd", 0, "SHD (median over seeds, raw -> standardized; lower is better)"
        ),
        "",
        metric_table(summary, info, "f1", 2, "F1 on directed edges (median, raw -> standardized)"),
        "",
        metric_table(summary, info, "seconds", 1, "Fit seconds (median, raw -> standardized)"),
        "",
        "### Skipped, failed and cyclic runs",
        "",
        problems(runs),
    ]
    return "\n".join(parts) + "\n"


def plot(runs, info, path):
    """One panel per setting: per-seed SHD (dots) and median (bar), raw and std."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = list(info)
    methods = [m for m in LABELS if any(r["method"] == m for r in runs)]
    methods += sorted({r["method"] for r in runs} - set(methods))
    ncol = min(3, len(settings))
    nrow = int(math.ceil(len(settings) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(6 * ncol, 3.8 * nrow), squeeze=False)
    x = np.arange(len(methods))
    for ax, setting in zip(axes.flat, settings):
        for k, (scale, color) in enumerate((("raw", "tab:blue"), ("std", "tab:orange"))):
            vals = [
                [
                    r["shd"]
                    for r in runs
                    if r["setting"] == setting
                    and r["method"] == m
                    and r["scale"] == scale
                    and r["status"] == "ok"
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
        ax.set_xticklabels([label(m) for m in methods], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("SHD")
    for ax in list(axes.flat)[len(settings) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
