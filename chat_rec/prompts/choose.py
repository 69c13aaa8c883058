"""Which version of a prompt a turn uses.

Order: an explicit ``CHAT_REC_PROMPT_VERSIONS={"recommend": "v2"}`` pin, else the newest
version on disk.
"""

from __future__ import annotations

from chat_rec.settings import Settings


def choose_version(settings: Settings, name: str, user_id: str | None = None) -> str | None:
    return settings.prompt_versions.get(name)
