"""A worker the kill tests start and SIGKILL at random points (``python tests/kill_driver.py MODE HOME``).

Each mode loops over real writes through the public API and prints ``ack N`` (flushed)
after each one has returned, so the test knows what was acknowledged before the kill:

- ``turns``: ``Store.record_turn`` with three picks each (what a turn stores);
- ``feedback``: ``Store.add_feedback``, likes and seen clicks on many items;
- ``agent``: whole ``Agent.turn`` calls on the built-in catalog, template answers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(mode: str, home: Path) -> None:
    from chat_rec.memory.store import Store, TurnRecord

    if mode == "agent":
        from chat_rec.agent.turn import Agent
        from chat_rec.settings import Settings

        agent = Agent.from_settings(Settings(home=home, llm="none"), progress=False)
        print("ready", flush=True)
        for n in range(10_000):
            for _ in agent.turn("killed", f"a comedy number {n}", conversation_id=f"c{n}"):
                pass
            print(f"ack {n}", flush=True)
        return
    store = Store(home / "chat_rec.sqlite3")
    print("ready", flush=True)
    for n in range(1_000_000):
        if mode == "turns":
            picks = [(f"item-{n}-{k}", f"reason {k}") for k in range(3)]
            store.record_turn(
                TurnRecord("killed", "c", f"message {n}", "reply " * 50, "recommend", recommendations=picks)
            )
        else:
            # a fresh item per click (this run's pid in it), so no click replaces an earlier one
            store.add_feedback("killed", f"item-{os.getpid()}-{n}", "like" if n % 2 else "seen")
        print(f"ack {n}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
