"""Compare two runs written by hand; live feedback summary from a store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chat_rec.eval.compare import compare_runs, write_compare
from chat_rec.eval.feedback import feedback_summary
from chat_rec.eval.report import report_any
from chat_rec.memory.store import Store, TurnRecord


def _row(key: str, recs: list[str], grounded: float, total_ms: float, diversity: float | None) -> dict[str, Any]:
    return {
        "key": key,
        "conversation": key.split("#")[0],
        "turn": int(key.split("#")[1]),
        "message": f"message {key}",
        "kind": "recommend" if recs else "clarify",
        "recommendations": [{"item_id": r, "title": r.title(), "reason": ""} for r in recs],
        "recommendations_ids": recs,
        "timings": {"total_ms": total_ms},
        "failures": [],
        "metrics": {"grounded": grounded, "total_ms": total_ms, "diversity_categories": diversity},
    }


def _write(run: Path, rows: list[dict[str, Any]]) -> Path:
    run.mkdir()
    (run / "traces.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (run / "metrics.json").write_text(json.dumps({"n_turns": len(rows), "failures": []}))
    return run


def test_compare_two_tiny_runs(tmp_path: Path) -> None:
    a = _write(
        tmp_path / "a",
        [
            _row("c1#1", ["x", "y"], 1.0, 100.0, 0.5),
            _row("c1#2", ["z"], 1.0, 200.0, None),
            _row("c2#1", ["p", "q"], 0.5, 300.0, 0.2),
            _row("only-a#1", ["r"], 1.0, 1.0, None),
        ],
    )
    b = _write(
        tmp_path / "b",
        [
            _row("c1#1", ["x", "y"], 1.0, 50.0, 0.5),
            _row("c1#2", ["w"], 1.0, 100.0, None),
            _row("c2#1", ["q", "p"], 1.0, 400.0, 0.6),
        ],
    )
    cmp = compare_runs(a, b, n_boot=500, seed=0)
    assert (cmp["n_paired"], cmp["n_only_a"], cmp["n_only_b"]) == (3, 1, 0)
    rows = {r["metric"]: r for r in cmp["metrics"]}
    g = rows["grounded"]
    assert g["mean"] == pytest.approx(0.5 / 3)
    assert (g["win"], g["lose"], g["tie"]) == (1, 0, 2)
    assert g["ci_low"] <= g["mean"] <= g["ci_high"]
    t = rows["total_ms"]  # lower is better: B is faster twice, slower once
    assert t["mean"] == pytest.approx((-50 - 100 + 100) / 3)
    assert (t["win"], t["lose"], t["tie"]) == (2, 1, 0)
    d = rows["diversity_categories"]  # None on one side: that turn is not paired for this metric
    assert d["n"] == 2 and d["mean"] == pytest.approx(0.2)
    assert [c["key"] for c in cmp["changed"]] == ["c1#2", "c2#1"]  # order changes count as changes
    assert compare_runs(a, b, n_boot=500, seed=0) == cmp  # fixed seed
    out = write_compare(cmp, tmp_path / "cmp")
    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page and "c2#1" in page
    assert "| grounded |" in (out / "report.md").read_text()
    assert report_any(out)  # a compare folder re-renders


def test_benchmark_json_report(tmp_path: Path) -> None:
    path = tmp_path / "redial.json"
    path.write_text(
        json.dumps({"n_targets": 10, "recall@1": 0.1, "recall@10": 0.3, "recall@50": 0.5, "recall_new@10": 0.2})
    )
    md, page = report_any(path)
    assert "R@10" in md.read_text() and "| pipeline | 0.100 | 0.300 | 0.500 |" in md.read_text()
    assert "data:image/png;base64," in page.read_text()


def test_benchmark_report_compares_with_published_and_shows_the_ablation(tmp_path: Path) -> None:
    full = {"recall@1": 0.06, "recall@10": 0.2, "recall@50": 0.45, "recall_new@10": 0.15, "recall_new@50": 0.3}
    data = {
        "benchmark": "redial",
        "n_targets": 10,
        **full,
        "baselines": {"popularity": {**full, "recall@10": 0.05}, "full": full},
        "ablation": {"without seed": {**full, "recall_new@10": 0.1}},
    }
    path = tmp_path / "redial.json"
    path.write_text(json.dumps(data))
    md, page = report_any(path)
    text = md.read_text()
    assert "| UniCRS | 0.051 | 0.224 | 0.428 | 0.024 | 0.180 | 0.335 |" in text
    assert "| without seed |" in text and "| popularity | 0.060 | 0.050 |" in text
    html = page.read_text()
    # against UniCRS: R@1 .06 and R@50 .45 reach it, R@10 .2 does not
    assert '<td class="num better">0.060</td>' in html and '<td class="num worse">0.200</td>' in html
    assert '<td class="num better">0.450</td>' in html
    assert html.count("data:image/png;base64,") == 2  # recall curves and ablation bars


def test_feedback_summary_by_prompt_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.record_turn(TurnRecord("u1", "c", "hi", "?", "clarify", prompt_name="clarify", prompt_version="v1"))
    store.record_turn(
        TurnRecord(
            "u1", "c", "sf", "r", "recommend", [("a", ""), ("b", "")], prompt_name="recommend", prompt_version="v2"
        )
    )
    store.record_turn(
        TurnRecord(
            "u2", "c", "x", "r", "recommend", [("a", ""), ("c", "")], prompt_name="recommend", prompt_version="v1"
        )
    )
    store.add_feedback("u1", "a", "like")
    store.add_feedback("u1", "b", "seen")
    store.add_feedback("u2", "c", "dislike")
    rows = {r["prompt_version"]: r for r in feedback_summary(store, "prompt_version")}
    store.close()
    v2, v1, total = rows["v2"], rows["v1"], rows["(all)"]
    assert (v2["turns"], v2["clarify_turns"], v2["shown"]) == (2, 1, 2)  # the question counts for the conversation's v2
    assert v2["like_rate"] == 0.5 and v2["seen_rate"] == 0.5 and v2["clarify_rate"] == 0.5
    assert v1["dislike_rate"] == 0.5 and v1["like_rate"] == 0.0 and v1["clarify_rate"] == 0.0
    assert total["turns"] == 3 and total["shown"] == 4 and total["like"] == 1
