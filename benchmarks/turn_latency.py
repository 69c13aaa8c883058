"""First-index time and per-turn latency on the built-in catalog with the local model.

Prints: time to build the index from scratch (fresh CHAT_REC_HOME), time to reopen it,
and for a few typical questions the time to the first streamed text, the first card,
and the whole turn. Run: .venv/bin/python benchmarks/turn_latency.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat_rec.agent.events import Card, Done, TextDelta
from chat_rec.agent.turn import Agent
from chat_rec.index.space import open_space
from chat_rec.llm import make_llm
from chat_rec.memory.store import Store
from chat_rec.settings import Settings, disable_telemetry

QUESTIONS = [
    "something like Arrival but less slow, nothing I've seen",
    "a funny animated film for family night",
    "a tense thriller from the 90s under 2 hours",
    "I loved The Godfather, what else?",
    "a romantic comedy, not too long",
]


def main() -> None:
    disable_telemetry()
    home = Path(tempfile.mkdtemp(prefix="chat-rec-bench-"))
    settings = Settings(home=home)
    t0 = time.perf_counter()
    space = open_space(settings, progress=False)
    first_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    open_space(settings, progress=False)
    reopen = time.perf_counter() - t0
    print(f"catalog: {len(space.catalog)} items")
    print(f"first index build: {first_index:.1f}s ({space.sync.summary()})")
    print(f"reopen (nothing to embed): {reopen:.1f}s")
    agent = Agent(settings, space, Store(home / "bench.sqlite3"), make_llm(settings))
    list(agent.turn("warmup", "a film", conversation_id="warmup"))  # loads the model once
    rows = []
    for n, question in enumerate(QUESTIONS):
        start = time.perf_counter()
        first_text = first_card = None
        for event in agent.turn(f"bench{n}", question, conversation_id="bench"):
            now = time.perf_counter() - start
            if isinstance(event, TextDelta) and first_text is None:
                first_text = now
            if isinstance(event, Card) and first_card is None:
                first_card = now
            if isinstance(event, Done):
                total = now
                turn = event.turn
        faithful = sum(v["ok"] for v in turn.trace["verdicts"])
        rows.append((first_text or 0.0, first_card or 0.0, total))
        print(
            f"{question!r}: first text {first_text:.2f}s, first card {first_card:.2f}s, total {total:.2f}s, "
            f"model reasons kept {faithful}/{len(turn.trace['verdicts'])}"
        )
        for item_id, reason in turn.recommendations:
            print(f"   - {agent.catalog.display_title(agent.catalog.by_id[item_id])}: {reason}")
    for name, col in (("first text", 0), ("first card", 1), ("total", 2)):
        values = [r[col] for r in rows]
        print(f"{name}: median {statistics.median(values):.2f}s, max {max(values):.2f}s")


if __name__ == "__main__":
    main()
