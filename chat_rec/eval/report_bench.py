"""Report for a CRS benchmark JSON (``chat-rec eval redial|inspired --out FILE.json``).

The page leads with the pipeline against the published systems (cells green where it
reaches the best published anchor), then every system scored on the same turns
(baselines, the pipeline, the ablation), recall@k curves and the ablation as bars.

Deliberately left out: per-turn listings (the benchmark JSON holds aggregates only).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from chat_rec.eval.report import _img, _page, _plt, _png, fmt

COLUMNS = (
    ("recall@1", "R@1"),
    ("recall@10", "R@10"),
    ("recall@50", "R@50"),
    ("recall_new@1", "R@1 new"),
    ("recall_new@10", "R@10 new"),
    ("recall_new@50", "R@50 new"),
    ("ndcg@10", "NDCG@10"),
    ("mrr@10", "MRR@10"),
)
# ../shared/README.md: ReDial, Recall@1/10/50 over the full movie list ("new": repeats removed)
PUBLISHED: dict[str, dict[str, dict[str, float]]] = {
    "redial": {
        "popularity (published)": {"recall@1": 0.012, "recall@10": 0.061, "recall@50": 0.179},
        "KBRD": {"recall@1": 0.031, "recall@10": 0.150, "recall@50": 0.336},
        "UniCRS": {
            "recall@1": 0.051,
            "recall@10": 0.224,
            "recall@50": 0.428,
            "recall_new@1": 0.024,
            "recall_new@10": 0.180,
            "recall_new@50": 0.335,
        },
    }
}
TARGET = "UniCRS"
READING = (
    "All-target columns read the whole list (movies the user named stay in the ranking, as "
    "published systems are scored); the new-item columns read the agent's own list, which never "
    "offers a movie the user named."
)


def systems(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every system scored on the same turns: baselines, the pipeline, the ablation."""
    rows = {name: m for name, m in data.get("baselines", {}).items() if name != "full"}
    rows["pipeline"] = data
    rows.update(data.get("ablation", {}))
    return rows


def _row_cells(metrics: dict[str, Any], target: dict[str, float] | None) -> list[tuple[str, str]]:
    """(text, css class) per column; with ``target``, green where the value reaches it."""
    cells = []
    for key, _ in COLUMNS:
        value = metrics.get(key)
        css = ""
        if target and key in target and isinstance(value, int | float):
            css = "better" if value >= target[key] else "worse"
        cells.append((fmt(value) if value is not None else "", css))
    return cells


def _table(rows: dict[str, dict[str, Any]], target: dict[str, float] | None = None, bold: str = "") -> str:
    e = html.escape
    head = "".join(f"<th>{e(label)}</th>" for _, label in COLUMNS)
    out = [f"<table><tr><th>system</th>{head}</tr>"]
    for name, metrics in rows.items():
        tgt = target if name == bold else None
        cells = "".join(f'<td class="num {css}">{e(text)}</td>' for text, css in _row_cells(metrics, tgt))
        label = f"<b>{e(name)}</b>" if name == bold else e(name)
        out.append(f"<tr><td>{label}</td>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


def _md_table(rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["| system | " + " | ".join(label for _, label in COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, metrics in rows.items():
        lines.append(f"| {name} | " + " | ".join(text for text, _ in _row_cells(metrics, None)) + " |")
    return lines


def _fig_recall(data: dict[str, Any], published: dict[str, dict[str, float]]) -> str | None:
    lines: dict[str, tuple[dict[str, float], str]] = {}
    for family, style in (("recall", "-"), ("recall_new", "--")):
        suffix = "" if family == "recall" else " (new)"
        for name, metrics in (("pipeline", data), *data.get("baselines", {}).items()):
            if name in ("full", "random"):
                continue
            c = {k: float(v) for k, v in metrics.items() if re.fullmatch(rf"{family}@\d+", k)}
            if c:
                lines[f"{name}{suffix}"] = (c, style)
    for name, anchor in published.items():
        if name == "popularity (published)":
            continue
        c = {k: v for k, v in anchor.items() if re.fullmatch(r"recall@\d+", k)}
        lines[f"{name} (published)"] = (c, ":")
    if not lines:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    top = 0.0
    for label, (curve, style) in lines.items():
        points = sorted((int(k.split("@")[1]), v) for k, v in curve.items())
        top = max(top, *(v for _, v in points))
        ax.plot([p[0] for p in points], [p[1] for p in points], style, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_xticks([1, 10, 50], ["1", "10", "50"])
    ax.minorticks_off()
    ax.set_ylim(0, min(1.0, top * 1.15 + 0.01))
    ax.set_xlabel("k")
    ax.set_ylabel("recall@k")
    ax.grid(alpha=0.3)
    ax.set_title("Recall@k (solid: all targets, dashed: new items, dotted: published)")
    ax.legend(fontsize=7, ncol=2)
    return _png(fig)


def _fig_ablation(data: dict[str, Any]) -> str | None:
    ablation = data.get("ablation", {})
    keys = [k for k in ("recall_new@10", "recall_new@50") if k in data]
    if not ablation or not keys:
        return None
    names = list(ablation)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(names) + 1.4))
    height = 0.8 / len(keys)
    for n, key in enumerate(keys):
        drops = [float(ablation[name][key]) - float(data[key]) for name in names]
        ax.barh([i + n * height for i in range(len(names))], drops, height=height, label=f"{key} change")
    ax.set_yticks([i + height * (len(keys) - 1) / 2 for i in range(len(names))], names)
    ax.axvline(0, color="#444", lw=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("change against the full pipeline (negative: the signal helps)")
    ax.set_title("Ablation: the pipeline without each signal")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7)
    return _png(fig)


def write_json_report(path: Path, out_dir: Path | None = None) -> tuple[Path, Path]:
    """``FILE.report.md`` and ``FILE.report.html`` next to a benchmark JSON (or in ``out_dir``)."""
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    out_dir = Path(out_dir) if out_dir else path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    bench = str(data.get("benchmark", "benchmark"))
    published = PUBLISHED.get(bench, {})
    title = f"chat-rec {bench}: {path.name}"
    summary = (
        f"{data.get('dialogs', '?')} dialogs, {data.get('turns', '?')} turns, {data.get('n_targets', '?')} targets "
        f"({data.get('n_targets_new', '?')} new); ranking {data.get('ranking_version', '?')}; "
        f"grounded rate {fmt(data.get('grounded_rate'))}; {fmt(data.get('ms_per_turn'), 0)} ms per turn"
    )
    headline = {"pipeline": data, **published}
    scalars = [(k, v) for k, v in data.items() if isinstance(v, int | float | str | bool) or v is None]

    md = [f"# {title}", "", summary, "", READING, ""]
    if published:
        md += ["## Against published systems", "", *_md_table(headline), ""]
    md += ["## Systems on the same turns", "", *_md_table(systems(data)), ""]
    md += ["## All keys", "", "| key | value |", "|---|---:|", *[f"| {k} | {fmt(v)} |" for k, v in scalars]]
    md_path = out_dir / f"{path.stem}.report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")

    e = html.escape
    body = [f"<h1>{e(title)}</h1>", f'<p class="meta">{e(summary)}</p>', f'<p class="small">{e(READING)}</p>']
    if published:
        body += [
            "<h2>Against published systems</h2>",
            f'<p class="small">Green: reaches {TARGET}; red: below it.</p>',
            _table(headline, published.get(TARGET), bold="pipeline"),
        ]
    body += ["<h2>Systems on the same turns</h2>", _table(systems(data), bold="pipeline")]
    body += [_img(_fig_recall(data, published), "recall at k"), _img(_fig_ablation(data), "ablation")]
    body += ["<details><summary>All keys</summary><table><tr><th>key</th><th>value</th></tr>"]
    body += [f'<tr><td>{e(k)}</td><td class="num">{e(fmt(v))}</td></tr>' for k, v in scalars]
    body.append("</table></details>")
    html_path = out_dir / f"{path.stem}.report.html"
    html_path.write_text(_page(title, "\n".join(body)), encoding="utf-8")
    return md_path, html_path
