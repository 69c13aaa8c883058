"""Which version of a prompt a turn uses.

Order (a version picked for one turn, by ``chat-rec ask --prompt`` or the UI picker,
comes before all of these):

1. a pin: ``CHAT_REC_PROMPT_VERSIONS='{"recommend": "v2"}'``;
2. an A/B split: ``CHAT_REC_PROMPT_AB='{"recommend": {"v1": 0.5, "v2": 0.5}}'``; each user
   lands in one version by a stable hash of the prompt name and user id, so a user keeps
   their version across turns and restarts;
3. the newest *released* version (in ``prompts/prompts.lock.json``), so a draft version
   file does not go live by accident; the newest on disk when none is released.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from chat_rec.errors import PromptError
from chat_rec.prompts.lock import released
from chat_rec.prompts.registry import version_key, versions
from chat_rec.settings import Settings


def choose_version(settings: Settings, name: str, user_id: str | None = None) -> str | None:
    """The version to load; ``None`` means the newest on disk (nothing pinned, split or released)."""
    pinned = settings.prompt_versions.get(name)
    if pinned:
        return pinned
    split = settings.prompt_ab.get(name)
    if split and user_id is not None:
        return ab_version(name, user_id, split)
    return default_version(settings.prompts_dir, name)


def default_version(prompts_dir: Path, name: str) -> str | None:
    done = released(prompts_dir, name)
    return done[-1] if done else None


def active_version(settings: Settings, name: str) -> str | None:
    """What a user outside any split sees (for ``prompts list`` and the UI picker's default)."""
    have = versions(settings.prompts_dir, name)
    newest = have[-1] if have else None
    return settings.prompt_versions.get(name) or default_version(settings.prompts_dir, name) or newest


def ab_bucket(name: str, user_id: str) -> float:
    """A number in [0, 1) fixed for this prompt and user."""
    digest = hashlib.sha256(f"{name}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def ab_version(name: str, user_id: str, weights: dict[str, float]) -> str:
    """The user's arm: weights need not sum to 1; arms are ordered by version, not by config order."""
    arms = sorted(((v, w) for v, w in weights.items() if w > 0), key=lambda arm: version_key(arm[0]))
    total = sum(w for _, w in arms)
    if not arms or total <= 0:
        raise PromptError(
            f"the A/B split for {name} has no version with a positive weight",
            'Fix CHAT_REC_PROMPT_AB, e.g. {"recommend": {"v1": 0.5, "v2": 0.5}}.',
        )
    point = ab_bucket(name, user_id) * total
    for version, weight in arms:
        point -= weight
        if point < 0:
            return version
    return arms[-1][0]
