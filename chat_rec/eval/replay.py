"""Replay transcripts through ``Agent.turn`` (the UI's code path), check assertions, score.

Every conversation runs against its own fresh SQLite store in a temp folder, so runs
are independent of each other and of the user's real memory. Feedback events go
through ``Store.add_feedback`` exactly as a click in the UI does.

A run folder holds ``traces.jsonl`` (one row per user turn: the answer, its trace,
per-turn metrics and failed assertions), ``metrics.json`` (run metrics, the failures and
the run settings), ``report.md`` and ``report.html``.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chat_rec.agent.events import Done
from chat_rec.agent.turn import Agent
from chat_rec.eval import metrics as M
from chat_rec.eval.assertions import Resolver, check_expect, expected_items
from chat_rec.eval.transcript import AssistantTurn, Conversation, FeedbackEvent, UserTurn
from chat_rec.index.space import ItemSpace
from chat_rec.llm.base import LLM
from chat_rec.memory.store import Store
from chat_rec.settings import Settings
from chat_rec.signals import Signals

TRACES = "traces.jsonl"
METRICS = "metrics.json"


@dataclass
class RunResult:
    traces: list[dict[str, Any]]
    metrics: dict[str, Any]
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def turn_key(conversation_id: str, number: int) -> str:
    return f"{conversation_id}#{number}"


def replay(
    conversations: Sequence[Conversation],
    settings: Settings,
    space: ItemSpace,
    llm: LLM | None,
    signals: Signals | None = None,
    prompt_versions: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Replay every conversation on a fresh store; returns traces, metrics and failures."""
    signals = signals or Signals()
    resolve = Resolver(space)
    catalog = space.catalog
    versions = {**settings.prompt_versions, **(prompt_versions or {})}
    has_popularity = signals.version != "none"
    traces: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    conv_lists: list[list[list[str]]] = []
    agent: Agent | None = None
    with tempfile.TemporaryDirectory(prefix="chat-rec-replay-") as tmp:
        for n_conv, conv in enumerate(conversations):
            store = Store(Path(tmp) / f"conv{n_conv}.sqlite3")
            if agent is None:
                agent = Agent(settings, space, store, llm, signals)
            agent.store = store  # same agent, fresh memory per conversation
            lists: list[list[str]] = []
            mentioned: set[str] = set()
            last: list[str] = []
            number = 0
            current: dict[str, Any] | None = None
            try:
                for turn in conv.turns:
                    if isinstance(turn, AssistantTurn):
                        if current is not None:
                            recorded = [r.item_id for r in turn.recommendations]
                            current["recorded"] = recorded
                            current["changed_vs_recorded"] = recorded != current["recommendations_ids"]
                        continue
                    if isinstance(turn, FeedbackEvent):
                        item_id = resolve(turn.item) if turn.item is not None else None
                        if turn.position is not None:
                            item_id = last[turn.position - 1] if turn.position <= len(last) else None
                        if item_id is None:
                            failures.append(
                                {
                                    "key": turn_key(conv.id, number),
                                    "conversation": conv.id,
                                    "turn": number,
                                    "message": "(feedback)",
                                    "reason": f"feedback {turn.kind}: cannot resolve {turn.item or f'position {turn.position}'}",
                                }
                            )
                            continue
                        store.add_feedback(conv.user_id, item_id, turn.kind)
                        continue
                    assert isinstance(turn, UserTurn)
                    number += 1
                    if progress:
                        progress(f"{conv.id} #{number}: {turn.text[:60]}")
                    row = _run_user_turn(agent, conv, number, turn, versions, resolve, lists, mentioned, signals)
                    row["metrics"].update(_novelty(row["recommendations_ids"], signals, has_popularity))
                    for reason in row["failures"]:
                        failures.append(
                            {
                                "key": row["key"],
                                "conversation": conv.id,
                                "turn": number,
                                "message": turn.text,
                                "reason": reason,
                            }
                        )
                    last = row["recommendations_ids"]
                    lists.append(last)
                    traces.append(row)
                    current = row
            finally:
                store.close()
            conv_lists.append(lists)
    metrics = summarise(traces, conv_lists, len(catalog), failures)
    metrics["run"] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "llm": llm.name if llm else "none",
        "roles": sorted(agent.roles()) if agent else [],
        "prompt_versions": versions,
        "ranking_version": agent.ranking.version if agent else None,
        "catalog": str(settings.catalog),
        "catalog_size": len(catalog),
        "n_conversations": len(conversations),
        "popularity": has_popularity,
    }
    return RunResult(traces, metrics, failures)


def _novelty(recs: list[str], signals: Signals, available: bool) -> dict[str, float | None]:
    if not recs:
        return {"novelty": None}
    if not available:
        return {"novelty": 0.0}
    return {"novelty": M.novelty(recs, dict(zip(recs, signals.popularity(recs))))}


def _run_user_turn(
    agent: Agent,
    conv: Conversation,
    number: int,
    turn: UserTurn,
    versions: dict[str, str],
    resolve: Callable[[str], str | None],
    earlier_lists: list[list[str]],
    mentioned: set[str],
    signals: Signals,
) -> dict[str, Any]:
    catalog = agent.catalog
    started = time.perf_counter()
    events = list(agent.turn(conv.user_id, turn.text, conversation_id=conv.id, prompt_versions=versions))
    wall_ms = (time.perf_counter() - started) * 1000
    done = events[-1]
    assert isinstance(done, Done)
    record = done.turn
    recs = [i for i, _ in record.recommendations]
    prefs = record.preferences
    for name in ("liked_items", "disliked_items", "seen_items"):
        mentioned.update(prefs.get(name, []))
    shortlist = record.trace.get("shortlist", [])
    ranked = record.trace.get("ranked", [])
    earlier = {i for lst in earlier_lists for i in lst}
    is_rec = record.kind == "recommend"
    verdicts = record.trace.get("verdicts", []) if record.llm else []
    per_turn: dict[str, Any] = {
        "grounded": M.grounded_rate([recs], [shortlist], set(catalog.by_id)) if recs else None,
        "duplicate": (sum(i in earlier for i in recs) + len(recs) - len(set(recs))) / len(recs) if recs else None,
        "diversity_categories": M.intra_list_diversity_categories(recs, lambda i: catalog.categories(catalog.by_id[i])),
        "diversity_embedding": M.intra_list_diversity_embedding(recs, agent.space.vector),
        "repeat_of_mentioned": M.repeat_of_mentioned_rate(recs, mentioned) if recs else None,
        "faithfulness": M.faithfulness(verdicts),
        "fallback": float(bool(record.fallback_reason)) if is_rec else None,
        "clarify": float(record.kind == "clarify"),
        "n_recommendations": float(len(recs)),
    }
    fails = check_expect(turn.expect, record, catalog, resolve) if turn.expect is not None else []
    if turn.expect is not None and not turn.expect.is_empty():
        per_turn["assertions_pass"] = float(not fails)
    targets = expected_items(turn.expect, resolve)
    if targets and ranked:
        for k in M.KS:
            per_turn[f"recall@{k}"] = M.recall_at_k(ranked, targets, k)
    timings = dict(record.trace.get("timings", {}))
    timings["wall_ms"] = wall_ms
    for stage, value in timings.items():
        per_turn[stage] = value
    return {
        "key": turn_key(conv.id, number),
        "conversation": conv.id,
        "turn": number,
        "message": turn.text,
        "kind": record.kind,
        "reply": record.reply,
        "recommendations": [
            {"item_id": i, "title": catalog.display_title(catalog.by_id[i]), "reason": r}
            for i, r in record.recommendations
        ],
        "recommendations_ids": recs,
        "shortlist": shortlist,
        "ranked": ranked,
        "targets": targets,
        "prompt": f"{record.prompt_name}@{record.prompt_version}",
        "llm": record.llm,
        "fallback_reason": record.fallback_reason,
        "preferences": prefs,
        "verdicts": record.trace.get("verdicts", []),
        "prompts": record.trace.get("prompts", {}),
        "roles": record.trace.get("roles", {}),
        "filled": record.trace.get("filled", []),
        "timings": timings,
        "expect": turn.expect.model_dump(exclude_defaults=True) if turn.expect else None,
        "failures": fails,
        "metrics": per_turn,
    }


def summarise(
    traces: list[dict[str, Any]], conv_lists: list[list[list[str]]], catalog_size: int, failures: list[dict[str, Any]]
) -> dict[str, Any]:
    """Run-level metrics from per-turn traces."""
    rec_turns = [t for t in traces if t["kind"] == "recommend"]
    lists = [t["recommendations_ids"] for t in rec_turns]
    all_recs = [i for lst in lists for i in lst]
    verdicts = [v for t in traces if t["llm"] for v in t["verdicts"]]
    asserted = [t for t in traces if "assertions_pass" in t["metrics"]]

    def mean(name: str) -> float | None:
        return M.mean_or_none(t["metrics"].get(name) for t in traces)

    def weighted(name: str) -> float:  # per recommended item, not per turn
        pairs = [(t["metrics"][name], len(t["recommendations_ids"])) for t in rec_turns if t["recommendations_ids"]]
        return sum(v * n for v, n in pairs) / sum(n for _, n in pairs)

    out: dict[str, Any] = {
        "n_turns": len(traces),
        "n_recommend_turns": len(rec_turns),
        "n_clarify_turns": sum(t["kind"] == "clarify" for t in traces),
        "clarify_rate": len([t for t in traces if t["kind"] == "clarify"]) / len(traces) if traces else 0.0,
        "n_assertion_turns": len(asserted),
        "n_failed_turns": len({f["key"] for f in failures}),
        "n_failures": len(failures),
        "assertion_pass_rate": (
            sum(t["metrics"]["assertions_pass"] for t in asserted) / len(asserted) if asserted else None
        ),
        "grounded_rate": weighted("grounded") if all_recs else 1.0,
        "duplicate_rate": M.duplicate_rate(conv_lists),
        "catalog_coverage": M.catalog_coverage(lists, catalog_size),
        "diversity_categories": mean("diversity_categories"),
        "diversity_embedding": mean("diversity_embedding"),
        "novelty": mean("novelty"),
        "repeat_of_mentioned_rate": weighted("repeat_of_mentioned") if all_recs else 0.0,
        "faithfulness": M.faithfulness(verdicts),
        "n_model_reasons": sum(1 for v in verdicts if str(v.get("raw", "")).strip()),
        "fallback_rate": mean("fallback"),
        "mean_recommendations": mean("n_recommendations"),
    }
    changed = [t["changed_vs_recorded"] for t in traces if "changed_vs_recorded" in t]
    out["changed_vs_recorded_rate"] = sum(changed) / len(changed) if changed else None
    out.update(M.latency_summary([t["timings"] for t in traces], [*M.STAGES, "wall_ms"]))
    with_targets = [t for t in traces if t["targets"] and t["ranked"]]
    if with_targets:
        summary = M.ranking_summary([t["ranked"] for t in with_targets], [t["targets"] for t in with_targets])
        out["recall"] = {k: v for k, v in summary.items() if k.startswith("recall@")}
        out["ndcg@10"] = summary["ndcg@10"]
        out["mrr@10"] = summary["mrr@10"]
        out["n_ranked_targets"] = int(summary["n"])
    out["failures"] = failures
    return out


def write_run(result: RunResult, out_dir: Path) -> Path:
    """Write traces.jsonl and metrics.json, then the reports; returns the folder."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / TRACES, "w", encoding="utf-8") as fh:
        for row in result.traces:
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    (out_dir / METRICS).write_text(json.dumps(result.metrics, indent=2, ensure_ascii=False, default=str) + "\n")
    from chat_rec.eval.report import write_run_report

    write_run_report(out_dir)
    return out_dir


def read_run(run_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    run_dir = Path(run_dir)
    traces_path = run_dir / TRACES
    if not traces_path.exists():
        from chat_rec.errors import InputError

        raise InputError(f"{run_dir} is not a replay run (no {TRACES})", "Create one with `chat-rec eval replay`.")
    traces = [json.loads(line) for line in traces_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    metrics_path = run_dir / METRICS
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
    return traces, metrics
