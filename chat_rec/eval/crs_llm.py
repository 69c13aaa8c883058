"""``eval redial|inspired --llm``: score what the user would finally see, model included.

For a sample of benchmark turns, the agent's own :meth:`Agent.rank_for` steps (ranking
config, then MMR into the shortlist) and :meth:`Agent.explainer` (the model writes one
reason per pick, reasons are verified, failures fall back to templates) run with a real
LLM. Scored per turn: whether a target is among the shown picks, whether every shown id
is in the catalog and in the candidate set (grounded), how many model reasons passed
verification, and the model's time.

Deliberately left out: letting the model reorder the picks. The agent does not (small
models pick badly), so the shown list is the ranking's head after MMR; this scorer
proves that holds with a real model in the loop, and measures what it costs.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.rank import RankingConfig, mmr, rank
from chat_rec.agent.turn import Agent
from chat_rec.eval.crs_bench import BenchRun, ScoredTurn
from chat_rec.llm.base import LLM
from chat_rec.memory.store import Store
from chat_rec.settings import Settings


def sample_turns(run: BenchRun, n: int) -> list[ScoredTurn]:
    """``n`` turns spread evenly over the run (deterministic)."""
    if n >= len(run.turns):
        return list(run.turns)
    picks = np.linspace(0, len(run.turns) - 1, n).round().astype(int)
    return [run.turns[i] for i in dict.fromkeys(picks.tolist())]


def _request(st: ScoredTurn) -> str:
    seeker = [u.text for u in st.turn.context if u.role == "seeker"]
    return seeker[-1] if seeker else (st.turn.context[-1].text if st.turn.context else "")


def _drain(generator: Any) -> Any:
    """Run an event generator to its end and return its return value."""
    while True:
        try:
            next(generator)
        except StopIteration as stop:
            return stop.value


def score_shown(
    run: BenchRun, config: RankingConfig, settings: Settings, llm: LLM | None, turns: int
) -> dict[str, Any]:
    sampled = sample_turns(run, turns)
    with tempfile.TemporaryDirectory(prefix="chat-rec-crs-llm-") as tmp:
        store = Store(Path(tmp) / "store.db")
        agent = Agent(settings, run.space, store, llm, run.signals, config)
        recommend = agent.prompt("recommend")
        intro = agent.prompt("intro")
        hits = ranked_hits = targets = shown = grounded = kept = written = 0
        per_turn_ms: list[float] = []
        fallbacks: dict[str, int] = {}
        rejected: dict[str, int] = {}  # why model reasons failed verification, by kind
        examples: dict[str, list[str]] = {}  # a few of each kind, for whoever tunes the prompt
        kept_examples: list[str] = []
        for st in sampled:
            named = {st.candidates.ids[row] for row in st.named_rows}
            ranked = [
                (i, s) for i, s in rank(st.candidates, config, run.signals) if i not in named
            ]  # the agent's policy
            vectors = {i: run.space.vector(i) for i, _ in ranked[:60]}
            shortlist = mmr(ranked, vectors, settings.n_llm_candidates, settings.diversity)
            started = time.perf_counter()
            _, picks, trace = _drain(
                agent.explainer().compose(_request(st), st.prefs or Preferences(), shortlist, [], recommend, intro)
            )
            per_turn_ms.append((time.perf_counter() - started) * 1000)
            ids = [item_id for item_id, _ in picks]
            candidates = set(st.candidates.ids)
            shown += len(ids)
            grounded += sum(1 for i in ids if i in run.space.catalog and i in candidates)
            targets += len(st.turn.targets)
            hits += sum(1 for t in st.turn.targets if t in ids)
            head = {i for i, _ in ranked[: settings.n_recommendations]}
            ranked_hits += sum(1 for t in st.turn.targets if t in head)
            for verdict in trace["verdicts"]:
                written += bool(verdict["raw"])
                kept += bool(verdict["raw"]) and bool(verdict["ok"])
                if verdict["raw"] and verdict["ok"] and len(kept_examples) < 10:
                    kept_examples.append(f"{run.space.catalog.by_id[verdict['item_id']].title}: {verdict['raw']}")
                if verdict["raw"] and not verdict["ok"]:
                    kind = re.sub(r"[\d'\"(].*", "", str(verdict["problem"])).strip() or "other"
                    rejected[kind] = rejected.get(kind, 0) + 1
                    if len(examples.setdefault(kind, [])) < 3:
                        examples[kind].append(f"{verdict['raw']} -> {verdict['problem']}")
            if trace.get("fallback_reason"):
                reason = str(trace["fallback_reason"])[:80]
                fallbacks[reason] = fallbacks.get(reason, 0) + 1
        store.close()
    return {
        "llm": llm.name if llm else None,
        "prompt": f"{recommend.name}@{recommend.version}",
        "turns": len(sampled),
        "shown_per_turn": shown / max(1, len(sampled)),
        f"recall_shown@{settings.n_recommendations}": hits / max(1, targets),
        f"recall_ranked@{settings.n_recommendations}": ranked_hits / max(1, targets),
        "grounded_rate_shown": grounded / shown if shown else 1.0,
        "model_reasons_written": written,
        "model_reasons_kept": kept / written if written else 0.0,
        "compose_ms_p50": float(np.percentile(per_turn_ms, 50)) if per_turn_ms else 0.0,
        "compose_ms_p95": float(np.percentile(per_turn_ms, 95)) if per_turn_ms else 0.0,
        "reasons_rejected": dict(sorted(rejected.items(), key=lambda kv: -kv[1])),
        "reasons_rejected_examples": examples,
        "reasons_kept_examples": kept_examples,
        "fallbacks": fallbacks,
    }
