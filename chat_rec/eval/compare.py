"""Compare two replay runs on the same cases: paired per-turn differences with bootstrap CIs.

Turns are paired by their key (conversation id and user-turn number). For each per-turn
metric present in both runs: mean of A, mean of B, mean paired difference B - A with a
95% percentile bootstrap CI (fixed seed), and how often B wins, loses or ties. Turns whose
recommendation lists differ are listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from chat_rec.eval.metrics import bootstrap_ci, win_lose_tie
from chat_rec.eval.replay import read_run

LATENCY = ("understand_ms", "retrieve_ms", "rank_ms", "first_reason_ms", "llm_ms", "total_ms")
ORDER = (
    "assertions_pass",
    "grounded",
    "faithfulness",
    "duplicate",
    "diversity_categories",
    "diversity_embedding",
    "novelty",
    "repeat_of_mentioned",
    "fallback",
    "clarify",
    "n_recommendations",
    "recall@1",
    "recall@5",
    "recall@10",
    "recall@50",
    *LATENCY,
)


def higher_is_better(metric: str) -> bool:
    from chat_rec.eval.report import HIGHER_IS_BETTER

    if metric.endswith("_ms"):
        return False
    if metric.startswith("recall@"):
        return True
    return HIGHER_IS_BETTER.get(metric, True)


def compare_runs(run_a: Path, run_b: Path, n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    traces_a, _ = read_run(run_a)
    traces_b, _ = read_run(run_b)
    by_a = {t["key"]: t for t in traces_a}
    by_b = {t["key"]: t for t in traces_b}
    keys = [k for k in by_a if k in by_b]
    rows: list[dict[str, Any]] = []
    names = [m for m in ORDER if any(m in by_a[k]["metrics"] or m in by_b[k]["metrics"] for k in keys)]
    for metric in names:
        pairs = [
            (float(by_a[k]["metrics"][metric]), float(by_b[k]["metrics"][metric]))
            for k in keys
            if by_a[k]["metrics"].get(metric) is not None and by_b[k]["metrics"].get(metric) is not None
        ]
        xs = [p[0] for p in pairs]
        ys = [p[1] for p in pairs]
        mean, lo, hi = bootstrap_ci([y - x for x, y in pairs], n_boot=n_boot, seed=seed)
        better = higher_is_better(metric)
        win, lose, tie = win_lose_tie(xs, ys, higher_is_better=better)
        rows.append(
            {
                "metric": metric,
                "n": len(pairs),
                "mean_a": float(np.mean(xs)) if xs else None,
                "mean_b": float(np.mean(ys)) if ys else None,
                "mean": mean,
                "ci_low": lo,
                "ci_high": hi,
                "win": win,
                "lose": lose,
                "tie": tie,
                "higher_is_better": better,
            }
        )
    changed = []
    for k in keys:
        a_ids, b_ids = by_a[k]["recommendations_ids"], by_b[k]["recommendations_ids"]
        if a_ids != b_ids or by_a[k]["kind"] != by_b[k]["kind"]:
            changed.append(
                {
                    "key": k,
                    "message": by_b[k]["message"],
                    "a": [r["title"] for r in by_a[k]["recommendations"]] or [f"({by_a[k]['kind']})"],
                    "b": [r["title"] for r in by_b[k]["recommendations"]] or [f"({by_b[k]['kind']})"],
                    "a_ids": a_ids,
                    "b_ids": b_ids,
                }
            )
    return {
        "setup": setup_changes(run_a, run_b, traces_a, traces_b),
        "run_a": str(run_a),
        "run_b": str(run_b),
        "n_paired": len(keys),
        "n_only_a": len([k for k in by_a if k not in by_b]),
        "n_only_b": len([k for k in by_b if k not in by_a]),
        "n_boot": n_boot,
        "seed": seed,
        "metrics": rows,
        "changed": changed,
    }


def _prompts_used(traces: list[dict[str, Any]]) -> dict[str, str]:
    """Every prompt the run's turns used, as name -> "version (hash)"."""
    used: dict[str, set[str]] = {}
    for trace in traces:
        for name, entry in (trace.get("prompts") or {}).items():
            used.setdefault(name, set()).add(f"{entry.get('version')} ({str(entry.get('hash', ''))[:8]})")
    return {name: ", ".join(sorted(v)) for name, v in sorted(used.items())}


def setup_changes(
    run_a: Path, run_b: Path, traces_a: list[dict[str, Any]], traces_b: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """The model's roles, the LLM and each prompt version side by side (A, B, changed or not)."""
    meta = []
    for run in (run_a, run_b):
        path = Path(run) / "metrics.json"
        meta.append(json.loads(path.read_text(encoding="utf-8")).get("run", {}) if path.exists() else {})
    rows = [
        {"what": "llm", "a": str(meta[0].get("llm", "?")), "b": str(meta[1].get("llm", "?"))},
        {
            "what": "roles",
            "a": ",".join(meta[0].get("roles", [])) or "-",
            "b": ",".join(meta[1].get("roles", [])) or "-",
        },
    ]
    used_a, used_b = _prompts_used(traces_a), _prompts_used(traces_b)
    for name in sorted(set(used_a) | set(used_b)):
        rows.append({"what": f"prompt {name}", "a": used_a.get(name, "-"), "b": used_b.get(name, "-")})
    for row in rows:
        row["changed"] = "yes" if row["a"] != row["b"] else ""
    return rows


def write_compare(comparison: dict[str, Any], out_dir: Path) -> Path:
    from chat_rec.eval.report import write_compare_report

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "compare.json").write_text(json.dumps(comparison, indent=2, ensure_ascii=False) + "\n")
    write_compare_report(out_dir, comparison)
    return out_dir
