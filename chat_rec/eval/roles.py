"""``chat-rec eval roles``: what each role set does for one model, on benchmark turns.

For turns spread over a ReDial or INSPIRED run (the same sampling as ``eval redial
--llm``), each role set composes the turn's answer with the agent's own
:meth:`Agent.explainer` and a real model. Scored per role set:

- shown recall@k, and its paired difference against the ranking's top k (what
  ``explain`` shows) on the same turns, with a 95% bootstrap CI;
- the share of shown reasons that are specific and faithful, model and template
  reasons counted apart, and reasons repeated across a turn's picks;
- compose time p50/p95 and the first card's time (one call per turn for ``pick``,
  one call per pick for ``explain``); how often pick slots were filled by ranking.

Deliberately left out: the ``read`` role (benchmark turns are read from whole dialogs by
the benchmark's own reader) and replaying ``eval/cases`` (run ``eval replay`` with
``CHAT_REC_LLM_ROLES`` set for that).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.rank import RankingConfig, mmr, rank
from chat_rec.agent.turn import Agent
from chat_rec.eval.crs_bench import BenchRun
from chat_rec.eval.crs_llm import _drain, _request, sample_turns
from chat_rec.eval.metrics import bootstrap_ci
from chat_rec.llm.base import LLM
from chat_rec.llm.roles import parse_roles
from chat_rec.memory.store import Store
from chat_rec.settings import Settings


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def score_role_set(
    run: BenchRun, config: RankingConfig, settings: Settings, llm: LLM | None, roles: str, turns: int
) -> dict[str, Any]:
    """One role set on ``turns`` sampled turns; per-turn hits for it and for the ranking's head."""
    settings = settings.model_copy(update={"llm_roles": roles})
    k = settings.n_recommendations
    sampled = sample_turns(run, turns)
    shown_hits: list[float] = []
    head_hits: list[float] = []
    compose_ms: list[float] = []
    first_card_ms: list[float] = []
    counts = {"model": 0, "model_ok": 0, "template": 0, "template_ok": 0, "repeats": 0, "filled": 0, "slots": 0}
    problems: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="chat-rec-roles-") as tmp:
        store = Store(Path(tmp) / "store.db")
        agent = Agent(settings, run.space, store, llm, run.signals, config)
        recommend, intro = agent.prompt("recommend"), agent.prompt("intro")
        size = max(settings.n_llm_candidates, settings.pick_candidates if "pick" in agent.roles() else 0)
        for st in sampled:
            named = {st.candidates.ids[row] for row in st.named_rows}
            ranked = [(i, s) for i, s in rank(st.candidates, config) if i not in named]
            vectors = {i: run.space.vector(i) for i, _ in ranked[:60]}
            shortlist = mmr(ranked, vectors, size, settings.diversity)
            started = time.perf_counter()
            _, picks, trace = _drain(
                agent.explainer().compose(_request(st), st.prefs or Preferences(), shortlist, [], recommend, intro)
            )
            compose_ms.append((time.perf_counter() - started) * 1000)
            first_card_ms.append(float(trace["timings"].get("first_card_ms", compose_ms[-1])))
            targets = set(st.turn.targets)
            ids = [i for i, _ in picks]
            shown_hits.append(len(targets & set(ids)) / max(1, len(targets)))
            head_hits.append(len(targets & set(shortlist[:k])) / max(1, len(targets)))
            counts["slots"] += len(ids)
            counts["filled"] += len(trace.get("filled", []))
            for verdict in trace["verdicts"]:
                kind = verdict["shown"]
                counts[kind] += 1
                counts[f"{kind}_ok"] += bool(verdict["specific"])  # shown reasons are faithful by construction
                counts["repeats"] += bool(verdict["repeat"])
                if verdict["raw"] and not verdict["ok"]:
                    key = str(verdict["problem"]).split(":")[0].split("(")[0][:60]
                    problems[key] = problems.get(key, 0) + 1
        store.close()
    diff, low, high = bootstrap_ci([s - h for s, h in zip(shown_hits, head_hits)])
    shown = counts["model"] + counts["template"]
    return {
        "roles": ",".join(sorted(parse_roles(roles))) or "none",
        "turns": len(sampled),
        f"recall_shown@{k}": float(np.mean(shown_hits)) if shown_hits else 0.0,
        f"recall_ranking@{k}": float(np.mean(head_hits)) if head_hits else 0.0,
        "recall_diff": diff,
        "recall_diff_ci": [low, high],
        "reasons_shown": shown,
        "specific_share": (counts["model_ok"] + counts["template_ok"]) / shown if shown else 0.0,
        "model_reasons_shown": counts["model"],
        "model_specific_share": counts["model_ok"] / counts["model"] if counts["model"] else None,
        "template_reasons_shown": counts["template"],
        "template_specific_share": counts["template_ok"] / counts["template"] if counts["template"] else None,
        "repeated_reasons": counts["repeats"],
        "pick_slots_filled_by_ranking": counts["filled"],
        "compose_ms_p50": _pct(compose_ms, 50),
        "compose_ms_p95": _pct(compose_ms, 95),
        "first_card_ms_p50": _pct(first_card_ms, 50),
        "first_card_ms_p95": _pct(first_card_ms, 95),
        "model_reasons_rejected": dict(sorted(problems.items(), key=lambda kv: -kv[1])),
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (what docs/roles.md holds per model)."""
    head = (
        "| data | roles | turns | shown R@3 | ranking R@3 | diff [95% CI] | specific (model / template) "
        "| repeats | filled | compose p50 / p95 s | first card p50 s |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        model = (
            "-"
            if r["model_specific_share"] is None
            else f"{r['model_specific_share']:.2f} of {r['model_reasons_shown']}"
        )
        template = (
            "-"
            if r["template_specific_share"] is None
            else f"{r['template_specific_share']:.2f} of {r['template_reasons_shown']}"
        )
        lines.append(
            f"| {r.get('data', '')} | {r['roles']} | {r['turns']} | {r['recall_shown@3']:.3f} | {r['recall_ranking@3']:.3f} "
            f"| {r['recall_diff']:+.3f} [{r['recall_diff_ci'][0]:+.3f}, {r['recall_diff_ci'][1]:+.3f}] "
            f"| {r['specific_share']:.2f} ({model} / {template}) | {r['repeated_reasons']} "
            f"| {r['pick_slots_filled_by_ranking']} | {r['compose_ms_p50'] / 1000:.1f} / {r['compose_ms_p95'] / 1000:.1f} "
            f"| {r['first_card_ms_p50'] / 1000:.1f} |"
        )
    return "\n".join(lines)
