"""Live feedback summary from the store: like / dislike / seen rates and clarifying-question rate.

Rates are per recommended item shown (feedback is attributed to the turn that showed the
item). Grouping by ``prompt_version`` uses the recommend prompt of the conversation: a
clarifying turn counts for the recommend version used later (or earlier) in the same
conversation, so "v2 asks more questions" shows up under v2; a conversation that never
recommended keeps the clarify prompt's own version.
"""

from __future__ import annotations

from typing import Any

from chat_rec.memory.store import Store

GROUPS = ("prompt_version", "prompt", "prompt_hash", "llm", "ranking_version", "user")


def feedback_summary(store: Store, by: str = "prompt_version") -> list[dict[str, Any]]:
    if by not in GROUPS:
        from chat_rec.errors import InputError

        raise InputError(f"cannot group by {by!r}", f"Use one of {', '.join(GROUPS)}.")
    turns = [dict(r) for r in store.db.execute("SELECT * FROM turns ORDER BY id")]
    shown: dict[int, int] = {
        r[0]: r[1] for r in store.db.execute("SELECT turn_id, COUNT(*) FROM recommendations GROUP BY turn_id")
    }
    conv_version: dict[tuple[str, str], str] = {}
    for t in turns:
        if t["kind"] == "recommend" and t["prompt_version"]:
            conv_version.setdefault((t["user_id"], t["conversation_id"]), t["prompt_version"])

    def key(t: dict[str, Any]) -> str:
        if by == "prompt_version":
            if t["kind"] == "recommend":
                return str(t["prompt_version"])
            return str(conv_version.get((t["user_id"], t["conversation_id"]), t["prompt_version"]))
        if by == "prompt":
            return f"{t['prompt_name']}@{t['prompt_version']}"
        if by == "user":
            return str(t["user_id"])
        return str(t[by])

    group_of = {t["id"]: key(t) for t in turns}
    stats: dict[str, dict[str, Any]] = {}

    def bucket(name: str) -> dict[str, Any]:
        return stats.setdefault(
            name, {by: name, "turns": 0, "clarify_turns": 0, "shown": 0, "like": 0, "dislike": 0, "seen": 0}
        )

    for t in turns:
        for name in (group_of[t["id"]], "(all)"):
            b = bucket(name)
            b["turns"] += 1
            b["clarify_turns"] += t["kind"] == "clarify"
            b["shown"] += shown.get(t["id"], 0)
    unattributed = 0
    for row in store.db.execute("SELECT turn_id, kind FROM feedback"):
        if row[0] not in group_of:
            unattributed += 1
            continue
        for name in (group_of[row[0]], "(all)"):
            bucket(name)[row[1]] += 1
    out = []
    for name in sorted(stats, key=lambda n: (n == "(all)", n)):
        b = stats[name]
        for kind in ("like", "dislike", "seen"):
            b[f"{kind}_rate"] = b[kind] / b["shown"] if b["shown"] else None
        b["clarify_rate"] = b["clarify_turns"] / b["turns"] if b["turns"] else None
        b["unattributed_feedback"] = unattributed if name == "(all)" else 0
        out.append(b)
    return out
