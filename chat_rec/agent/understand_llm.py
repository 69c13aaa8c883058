"""The model's reading of a message the rules could not structure.

Used only when the rules found no title, category, person or constraint in a message
that is not vague ("something to cheer me up after a long week"). The output is
constrained to the catalog's own category and tag values by a JSON schema, checked again
in code, and used as a soft boost, never as a hard filter: a small model's guess must not
hide good items.

Deliberately left out: asking the model for titles or ids (the title linker does that).
"""

from __future__ import annotations

import json
from typing import Any

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.vocabulary import Vocabulary
from chat_rec.llm.base import LLM, with_deadline
from chat_rec.prompts.registry import PromptFile


def schema(categories: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "categories": {"type": "array", "items": {"type": "string", "enum": categories}, "maxItems": 2},
        },
        "required": ["categories"],
    }


def read_message(llm: LLM, prompt: PromptFile, message: str, vocab: Vocabulary, timeout_s: float) -> Preferences:
    """Soft category boosts for ``message``. Moods are left to the embedding: small models
    picked them almost at random when tried (e.g. '60s' for 'edge of my seat')."""
    categories = sorted(set(vocab.categories.values()))
    chunks = llm.stream(
        prompt.render(message=message, categories=categories),
        schema=schema(categories),
        max_tokens=prompt.model.max_tokens,
        temperature=prompt.model.temperature,
    )
    raw = "".join(with_deadline(chunks, timeout_s))
    try:
        parsed = json.loads(raw)
    except ValueError:
        return Preferences()
    if not isinstance(parsed, dict):
        return Preferences()
    allowed = set(categories)
    return Preferences(boost_categories=[c for c in parsed.get("categories", []) if c in allowed][:2])
