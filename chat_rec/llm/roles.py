"""Which parts of a turn the model plays: its roles.

``CHAT_REC_LLM_ROLES`` names them, comma-separated (``explain``, ``read,pick,explain``,
or ``none`` for template reasons only). Left unset, the default depends on the backend
and model, from the measurements in docs/roles.md (``chat-rec eval roles`` makes that
table for any model): a role that made a model worse is off for it.

- ``read``: the message to structured preferences, merged with the rule reader
  (:mod:`chat_rec.agent.understand_llm`);
- ``pick``: one call per turn chooses the picks from the ranked top N (:mod:`chat_rec.agent.pick`);
- ``explain``: one reason per pick (:mod:`chat_rec.agent.compose`).

Deliberately left out: per-user or per-turn roles; a role set is a deployment choice.
"""

from __future__ import annotations

from chat_rec.errors import ConfigError
from chat_rec.settings import Settings

ROLES = ("read", "pick", "explain")

# Default role set per model family, from docs/roles.md (2026-12-04): pick is off for both
# local models (SmolLM2 wrote ids as reasons; Gemma kept no pick reason and left half the
# slots to the ranking). Gemma 3 270M (a base model, not instruction-tuned) has no role:
# its explain reasons were kept 2 times in 282 and cost ~8 s of CPU per turn. read is off
# everywhere until it is measured to beat the rules. Keys are matched against the
# backend's name (``llamacpp:<gguf stem>``, ``openai:<model>``).
DEFAULTS: dict[str, str] = {
    "smollm2": "explain",
    "gemma": "none",
    "openai:": "explain",
}
FALLBACK = "explain"  # a model not measured here: today's behaviour


def parse_roles(text: str) -> frozenset[str]:
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    if words in ([], ["none"]):
        return frozenset()
    unknown = [w for w in words if w not in ROLES]
    if unknown:
        raise ConfigError(
            f"CHAT_REC_LLM_ROLES names unknown role(s) {unknown}",
            f"Use a comma-separated subset of {', '.join(ROLES)} (or none), e.g. CHAT_REC_LLM_ROLES=read,pick,explain.",
        )
    return frozenset(words)


def default_roles(llm_name: str) -> str:
    lowered = llm_name.lower()
    return next((roles for key, roles in DEFAULTS.items() if key in lowered), FALLBACK)


def llm_roles(settings: Settings, llm_name: str | None) -> frozenset[str]:
    """The roles in force: none without a model, else the setting, else the model's default."""
    if llm_name is None:
        return frozenset()
    if settings.llm_roles is not None:
        return parse_roles(settings.llm_roles)
    return parse_roles(default_roles(llm_name))
