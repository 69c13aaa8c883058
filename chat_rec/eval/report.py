"""Reports: ``report.md`` and a self-contained ``report.html`` (figures inlined as base64 PNG).

Three kinds: a replay run (metrics, latency, diversity, recall@k when the cases name
targets, failing turns with anchors), a comparison of two runs (deltas with bootstrap
CIs, win/lose/tie, changed turns); benchmark JSON reports are in :mod:`report_bench`.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chat_rec.eval.metrics import STAGES

DESCRIPTIONS = {
    "assertion_pass_rate": "user turns whose assertions all hold",
    "grounded_rate": "recommended ids in the catalog and in the turn's candidate set (must be 1.0)",
    "duplicate_rate": "recommended ids already recommended earlier in the conversation",
    "catalog_coverage": "distinct recommended ids / catalog size",
    "diversity_categories": "mean pairwise 1 - Jaccard of categories within a list",
    "diversity_embedding": "mean pairwise cosine distance within a list",
    "novelty": "mean 1 - popularity (0 when no popularity signal)",
    "repeat_of_mentioned_rate": "recommended ids the user had named themselves",
    "faithfulness": "model-written reasons that passed verification (n/a without an LLM)",
    "n_model_reasons": "reasons the model wrote in time (what faithfulness is measured on)",
    "fallback_rate": "recommend turns where the model failed or ran out of time (templates from then on)",
    "clarify_rate": "user turns answered with a clarifying question",
    "changed_vs_recorded_rate": "turns whose recommendations differ from the recorded transcript",
    "mean_recommendations": "recommendations per turn",
}
HIGHER_IS_BETTER = {
    "assertions_pass": True,
    "grounded": True,
    "duplicate": False,
    "diversity_categories": True,
    "diversity_embedding": True,
    "novelty": True,
    "repeat_of_mentioned": False,
    "faithfulness": True,
    "fallback": False,
    "clarify": False,
    "n_recommendations": True,
}

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;line-height:1.4}
h1{font-size:24px;margin-bottom:4px} h2{font-size:19px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
.meta{color:#666;font-size:13px} table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top} th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;padding:3px 10px;border-radius:12px;font-weight:600;color:#fff}
.pass{background:#2e7d32} .fail{background:#c62828} tr.failed td{background:#fff3f3}
.fig{display:inline-block;margin:6px} .fig img{max-width:100%;border:1px solid #eee}
ul.fails li{margin:3px 0} .small{font-size:12px;color:#555} .better{color:#2e7d32} .worse{color:#c62828}
"""


def slug(key: str) -> str:
    return "turn-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fig_latency(traces: list[dict[str, Any]]) -> str | None:
    stages = [s for s in [*STAGES] if any(s in t["timings"] for t in traces)]
    if not stages:
        return None
    plt = _plt()
    data = [[max(0.1, float(t["timings"][s])) for t in traces if s in t["timings"]] for s in stages]
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(stages) + 1.4))
    ax.boxplot(data, orientation="horizontal", showfliers=True, widths=0.6)
    ax.set_yticks(range(1, len(stages) + 1), [s.removesuffix("_ms") for s in stages])
    ax.set_xscale("log")
    ax.set_xlim(0.08, max(max(d) for d in data) * 2)
    ax.set_xlabel("milliseconds (log scale)")
    ax.set_title("Latency per stage (per user turn)")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def fig_diversity(traces: list[dict[str, Any]]) -> str | None:
    cats = [t["metrics"].get("diversity_categories") for t in traces]
    embs = [t["metrics"].get("diversity_embedding") for t in traces]
    cats = [c for c in cats if c is not None]
    embs = [e for e in embs if e is not None]
    if not cats and not embs:
        return None
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 2.8), sharey=True)
    for ax, values, title in ((axes[0], cats, "categories (1 - Jaccard)"), (axes[1], embs, "embeddings (1 - cos)")):
        ax.hist(values, bins=10, range=(0, 1), color="#4c78a8", edgecolor="white")
        ax.set_title(f"Intra-list diversity: {title}", fontsize=10)
        ax.set_xlim(0, 1)
    axes[0].set_ylabel("turns")
    return _png(fig)


def fig_deltas(rows: list[dict[str, Any]], title: str) -> str | None:
    rows = [r for r in rows if r["n"] > 0]
    if not rows:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.2))
    ys = list(range(len(rows)))[::-1]
    for y, r in zip(ys, rows):
        color = "#888"
        if r["ci_low"] > 0 or r["ci_high"] < 0:
            good = (r["mean"] > 0) == r["higher_is_better"]
            color = "#2e7d32" if good else "#c62828"
        ax.errorbar(
            r["mean"], y, xerr=[[r["mean"] - r["ci_low"]], [r["ci_high"] - r["mean"]]], fmt="o", color=color, capsize=4
        )
    ax.axvline(0, color="#444", lw=0.8)
    ax.set_yticks(ys, [r["metric"] for r in rows])
    ax.set_xlabel("B - A (mean paired difference, 95% bootstrap CI)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _img(b64: str | None, alt: str) -> str:
    return f'<div class="fig"><img alt="{alt}" src="data:image/png;base64,{b64}"></div>' if b64 else ""


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{CSS}</style></head><body>{body}</body></html>\n"
    )


def metric_rows(metrics: dict[str, Any]) -> list[tuple[str, Any, str]]:
    rows = [(name, metrics.get(name), desc) for name, desc in DESCRIPTIONS.items() if name in metrics]
    for key in ("ndcg@10", "mrr@10"):
        if key in metrics:
            rows.append((key, metrics[key], "over turns whose must_recommend_any names targets (ranked top 50)"))
    return rows


def latency_rows(metrics: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    out = []
    for stage in [*STAGES, "wall_ms"]:
        p50, p95 = metrics.get(f"{stage}_p50"), metrics.get(f"{stage}_p95")
        if p50 is not None:
            out.append((stage, p50, p95))
    return out


# replay run -----------------------------------------------------------------------------
def write_run_report(run_dir: Path) -> tuple[Path, Path]:
    from chat_rec.eval.replay import read_run

    run_dir = Path(run_dir)
    traces, metrics = read_run(run_dir)
    failures = metrics.get("failures", [])
    run = metrics.get("run", {})
    title = f"chat-rec replay: {run_dir.name}"
    status = (
        "PASS" if not failures else f"FAIL ({metrics.get('n_failed_turns', 0)} turn(s), {len(failures)} assertion(s))"
    )
    info = (
        f"llm {run.get('llm', '?')} · prompts {run.get('prompt_versions') or 'default'} · ranking "
        f"{run.get('ranking_version', '?')} · {metrics.get('n_turns', 0)} user turns in "
        f"{run.get('n_conversations', '?')} conversations · {run.get('started', '')}"
    )
    # markdown
    md = [
        f"# {title}",
        "",
        f"**{status}**  ",
        info,
        "",
        "## Metrics",
        "",
        "| metric | value | meaning |",
        "|---|---:|---|",
    ]
    md += [f"| {n} | {fmt(v)} | {d} |" for n, v, d in metric_rows(metrics)]
    md += ["", "## Latency (ms)", "", "| stage | p50 | p95 |", "|---|---:|---:|"]
    md += [f"| {s} | {fmt(a, 1)} | {fmt(b, 1)} |" for s, a, b in latency_rows(metrics)]
    if metrics.get("recall"):
        md += ["", "## Recall@k (ranked list vs must_recommend_any)", ""]
        md += [f"- {k}: {fmt(v)}" for k, v in metrics["recall"].items()]
    md += ["", "## Failing assertions", ""]
    md += [f"- `{f['key']}` ({f['message']!r}): {f['reason']}" for f in failures] or ["none"]
    md += ["", "## Turns", "", "| turn | message | kind | recommendations | ok |", "|---|---|---|---|---|"]
    for t in traces:
        recs = "; ".join(r["title"] for r in t["recommendations"]) or "-"
        md.append(
            f"| {t['key']} | {_md_cell(t['message'])} | {t['kind']} | {_md_cell(recs)} | {'no' if t['failures'] else 'yes'} |"
        )
    md_path = run_dir / "report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")

    # html
    e = html.escape
    body = [
        f"<h1>{e(title)}</h1>",
        f'<p><span class="badge {"pass" if not failures else "fail"}">{e(status)}</span></p>',
    ]
    body.append(f'<p class="meta">{e(info)}</p>')
    if failures:
        body.append("<h2>Failing assertions</h2><ul class='fails'>")
        for f in failures:
            body.append(
                f'<li><a href="#{slug(f["key"])}">{e(f["key"])}</a> <span class="small">“{e(f["message"])}”</span>: '
                f"{e(f['reason'])}</li>"
            )
        body.append("</ul>")
    body.append("<h2>Metrics</h2><table><tr><th>metric</th><th>value</th><th>meaning</th></tr>")
    body += [
        f'<tr><td>{e(n)}</td><td class="num">{fmt(v)}</td><td>{e(d)}</td></tr>' for n, v, d in metric_rows(metrics)
    ]
    body.append("</table>")
    body.append("<h2>Latency</h2><table><tr><th>stage</th><th>p50 ms</th><th>p95 ms</th></tr>")
    body += [
        f'<tr><td>{e(s)}</td><td class="num">{fmt(a, 1)}</td><td class="num">{fmt(b, 1)}</td></tr>'
        for s, a, b in latency_rows(metrics)
    ]
    body.append("</table>")
    body.append(_img(fig_latency(traces), "latency per stage"))
    body.append("<h2>Diversity</h2>")
    body.append(_img(fig_diversity(traces), "intra-list diversity") or "<p>no lists of two or more items</p>")
    if metrics.get("recall"):
        body.append(
            "<h2>Recall@k</h2><p class='small'>ranked list (top 50) vs the items named in must_recommend_any</p>"
        )
        body.append(_img(_fig_curves({"replay": metrics["recall"]}), "recall at k"))
    body.append("<h2>Turns</h2><table><tr><th>turn</th><th>message</th><th>kind</th><th>recommendations</th>")
    body.append("<th>faithful</th><th>total ms</th><th>assertions</th></tr>")
    for t in traces:
        recs = (
            "<br>".join(f"{e(r['title'])} <span class='small'>[{e(r['item_id'])}]</span>" for r in t["recommendations"])
            or "-"
        )
        verdict = "<br>".join(e(x) for x in t["failures"]) or ("pass" if t.get("expect") else "-")
        body.append(
            f'<tr id="{slug(t["key"])}" class="{"failed" if t["failures"] else ""}"><td>{e(t["key"])}</td>'
            f"<td>{e(t['message'])}</td><td>{e(t['kind'])}</td><td>{recs}</td>"
            f'<td class="num">{fmt(t["metrics"].get("faithfulness"), 2)}</td>'
            f'<td class="num">{fmt(t["timings"].get("total_ms"), 0)}</td><td>{verdict}</td></tr>'
        )
    body.append("</table>")
    html_path = run_dir / "report.html"
    html_path.write_text(_page(title, "\n".join(body)), encoding="utf-8")
    return md_path, html_path


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# comparison -------------------------------------------------------------------------------
def write_compare_report(out_dir: Path, comparison: dict[str, Any]) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    a, b = comparison["run_a"], comparison["run_b"]
    rows = comparison["metrics"]
    title = f"chat-rec compare: {Path(a).name} (A) vs {Path(b).name} (B)"
    md = [
        f"# {title}",
        "",
        f"A = `{a}`, B = `{b}`; {comparison['n_paired']} paired turns "
        f"({comparison['n_only_a']} only in A, {comparison['n_only_b']} only in B).",
        "",
    ]
    md += ["| setup | A | B | changed |", "|---|---|---|---|"]
    md += [f"| {r['what']} | {r['a']} | {r['b']} | {r['changed']} |" for r in comparison.get("setup", [])]
    md += ["", "| metric | A | B | B - A | 95% CI | win/lose/tie (B) | n |", "|---|---:|---:|---:|---|---|---:|"]
    for r in rows:
        if not r["n"]:
            md.append(f"| {r['metric']} | n/a | n/a | n/a | no paired values | - | 0 |")
            continue
        md.append(
            f"| {r['metric']} | {fmt(r['mean_a'])} | {fmt(r['mean_b'])} | {r['mean']:+.3f} | "
            f"[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}] | {r['win']}/{r['lose']}/{r['tie']} | {r['n']} |"
        )
    md += ["", f"## Turns whose recommendations changed ({len(comparison['changed'])})", ""]
    for c in comparison["changed"]:
        md.append(f"- `{c['key']}` {c['message']!r}: A {c['a'] or '-'} -> B {c['b'] or '-'}")
    md_path = out_dir / "report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")

    e = html.escape
    quality = [r for r in rows if not r["metric"].endswith("_ms")]
    latency = [r for r in rows if r["metric"].endswith("_ms")]
    body = [f"<h1>{e(title)}</h1>"]
    body.append(
        f'<p class="meta">A = {e(str(a))}<br>B = {e(str(b))}<br>{comparison["n_paired"]} paired turns · '
        f"{comparison['n_only_a']} only in A · {comparison['n_only_b']} only in B · bootstrap "
        f"{comparison['n_boot']} resamples, seed {comparison['seed']}</p>"
    )
    body.append("<h2>Setup: roles and prompts</h2><table><tr><th>setup</th><th>A</th><th>B</th><th>changed</th></tr>")
    body += [
        f"<tr><td>{e(r['what'])}</td><td>{e(r['a'])}</td><td>{e(r['b'])}</td><td>{e(r['changed'])}</td></tr>"
        for r in comparison.get("setup", [])
    ]
    body.append("</table>")
    body.append("<h2>Paired differences (B - A)</h2><table><tr><th>metric</th><th>A</th><th>B</th><th>B - A</th>")
    body.append("<th>95% CI</th><th>win / lose / tie (B)</th><th>n</th></tr>")
    for r in rows:
        if not r["n"]:
            body.append(f'<tr><td>{e(r["metric"])}</td><td colspan="6" class="small">no paired values</td></tr>')
            continue
        cls = ""
        if r["ci_low"] > 0 or r["ci_high"] < 0:
            cls = "better" if (r["mean"] > 0) == r["higher_is_better"] else "worse"
        body.append(
            f'<tr><td>{e(r["metric"])}</td><td class="num">{fmt(r["mean_a"])}</td><td class="num">{fmt(r["mean_b"])}</td>'
            f'<td class="num {cls}">{r["mean"]:+.3f}</td><td class="num">[{r["ci_low"]:+.3f}, {r["ci_high"]:+.3f}]</td>'
            f'<td>{r["win"]} / {r["lose"]} / {r["tie"]}</td><td class="num">{r["n"]}</td></tr>'
        )
    body.append("</table>")
    body.append(_img(fig_deltas(quality, "Quality metrics: B - A"), "quality deltas"))
    body.append(_img(fig_deltas(latency, "Latency (ms): B - A"), "latency deltas"))
    body.append(f"<h2>Turns whose recommendations changed ({len(comparison['changed'])})</h2>")
    body.append("<table><tr><th>turn</th><th>message</th><th>A</th><th>B</th></tr>")
    for c in comparison["changed"]:
        body.append(
            f'<tr id="{slug(c["key"])}"><td>{e(c["key"])}</td><td>{e(c["message"])}</td>'
            f"<td>{'<br>'.join(map(e, c['a'])) or '-'}</td><td>{'<br>'.join(map(e, c['b'])) or '-'}</td></tr>"
        )
    body.append("</table>")
    html_path = out_dir / "report.html"
    html_path.write_text(_page(title, "\n".join(body)), encoding="utf-8")
    return md_path, html_path


def _fig_curves(curves: dict[str, dict[str, float]]) -> str | None:
    if not curves:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    ks: set[int] = set()
    for name, curve in curves.items():
        points = sorted((int(k.split("@")[1]), v) for k, v in curve.items())
        ks.update(p[0] for p in points)
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_xticks(sorted(ks), [str(k) for k in sorted(ks)])
    ax.minorticks_off()
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("k")
    ax.set_ylabel("recall@k")
    ax.grid(alpha=0.3)
    ax.set_title("Recall@k")
    ax.legend(fontsize=7)
    return _png(fig)


def report_any(path: Path) -> Sequence[Path]:
    """Regenerate the report for a run folder, a compare folder or a benchmark JSON."""
    path = Path(path)
    if path.is_file() and path.suffix == ".json":
        from chat_rec.eval.report_bench import write_json_report

        return write_json_report(path)
    if (path / "compare.json").exists() and not (path / "traces.jsonl").exists():
        return write_compare_report(path, json.loads((path / "compare.json").read_text(encoding="utf-8")))
    return write_run_report(path)
