"""One process of the many-users test (``python tests/concurrent_worker.py HOME OUT PREFIX USERS TURNS FEEDBACK``).

Runs USERS users at once in threads on one shared Agent over the SQLite store in HOME,
each with their own secret word in every message, TURNS turns and FEEDBACK feedback
clicks each, and writes what the LLM seam saw per user to OUT (JSON).
"""

from __future__ import annotations

import json
import sys
import threading
import zlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chat_rec.llm.base import LLM, Message


class SeamRecorder(LLM):
    """Records every prompt under the user whose turn (thread) sent it."""

    name = "seam"

    def __init__(self) -> None:
        self.local = threading.local()
        self.prompts: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    def stream(self, messages: list[Message], schema: Any = None, max_tokens: int = 256,
               temperature: float = 0.2, stop: Any = None) -> Iterator[str]:  # fmt: skip
        with self.lock:
            self.prompts[self.local.user].append("\n".join(m["content"] for m in messages))
        yield "A gentle story that fits what you asked for."


def secret(user: str) -> str:
    """A word only this user ever types (letters only, so the reader keeps it as it is)."""
    return "zq" + "".join(chr(ord("a") + int(d)) for d in f"{zlib.crc32(user.encode()) % 10**6:06d}") + "xw"


def run_users(agent: Any, recorder: SeamRecorder, users: list[str], turns: int, feedback: int) -> dict[str, Any]:
    sent: dict[str, int] = {}
    errors: list[str] = []
    start = threading.Barrier(len(users))

    def one(user: str) -> None:
        recorder.local.user = user
        try:
            start.wait()
            shown: list[str] = []
            for n in range(turns):
                message = ["a funny film about a", "a thriller with a", "something gentle like a"][n % 3]
                for event in agent.turn(user, f"{message} {secret(user)}", conversation_id=f"{user}-c"):
                    done = getattr(event, "turn", None)
                    if done is not None:
                        shown.extend(i for i, _ in done.recommendations)
            items = [i.id for i in agent.catalog.items]
            for k in range(feedback):  # distinct items, so no click replaces another
                agent.store.add_feedback(user, items[(zlib.crc32(user.encode()) + 7 * k) % len(items)], "seen")
            sent[user] = feedback
        except Exception as exc:
            errors.append(f"{user}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"sent": sent, "errors": errors, "prompts": dict(recorder.prompts)}


def main() -> None:
    home, out, prefix = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    n_users, turns, feedback = (int(x) for x in sys.argv[4:7])
    from chat_rec.agent.turn import Agent
    from chat_rec.settings import Settings

    agent = Agent.from_settings(Settings(home=home, llm="none"), progress=False)
    recorder = SeamRecorder()
    agent.llm = recorder
    result = run_users(agent, recorder, [f"{prefix}{k}" for k in range(n_users)], turns, feedback)
    out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
