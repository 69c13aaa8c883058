"""The model's reading of a message: the ``read`` role, and the older category-only reading.

``read_preferences`` (the ``read`` role, ``prompts/read/``) turns the message into
structured preferences with a JSON schema and merges them onto the rule reader's:
the rules stay the guard for hard constraints (see :func:`merge_reading`).

``read_message`` (``CHAT_REC_LLM_UNDERSTAND``, ``prompts/understand/``) is used only when the rules found no title, category, person or constraint in a message
that is not vague ("something to cheer me up after a long week"). The output is
constrained to the catalog's own category and tag values by a JSON schema, checked again
in code, and used as a soft boost, never as a hard filter: a small model's guess must not
hide good items.

Deliberately left out: asking the model for ids (the title linker turns named titles into ids).
"""

from __future__ import annotations

import copy
import json
from contextvars import ContextVar
from typing import Any

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.vocabulary import Vocabulary
from chat_rec.catalog.items import Catalog
from chat_rec.catalog.titles import normalise
from chat_rec.errors import LLMError
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


# The ``read`` role -----------------------------------------------------------------
READ_TRACE: ContextVar[dict[str, Any] | None] = ContextVar("chat_rec_read_trace", default=None)


def read_schema(prompt: PromptFile, categories: list[str]) -> dict[str, Any]:
    """The read prompt's schema with the catalog's categories as the only allowed values."""
    if prompt.output_schema is None:
        raise LLMError(f"{prompt.ref} has no output_schema", "Give the read prompt the schema of prompts/read/v1.yaml.")
    schema = copy.deepcopy(prompt.output_schema)
    for key in ("categories", "rule_out"):
        schema["properties"][key]["items"]["enum"] = list(categories)
    return schema


def _said(value: str, message: str) -> bool:
    """The user's own words contain it (normalised): the guard against a model's invention."""
    key = normalise(value)
    return bool(key) and f" {key} " in f" {normalise(message)} "


def merge_reading(
    rules: Preferences, reading: dict[str, Any], message: str, catalog: Catalog, vocab: Vocabulary, linker: Any
) -> tuple[Preferences, list[str]]:
    """The model's reading merged onto the rules' (which stay the guard for hard constraints).

    Soft only, unless the user's own words say it: categories boost, tags and people steer,
    "rule out" is a soft penalty, titles must appear in the message to count, and a year or
    running time is a hard limit only when its number is in the message and the rules set none.
    """
    prefs = Preferences.from_dict(rules.to_dict())
    notes: list[str] = []
    allowed = set(vocab.categories.values())
    # a reading that both asks for and rules out the same thing says nothing about it
    ruled = {str(c).lower() for c in reading.get("rule_out") or []}
    contradicted = ruled & {str(w).lower() for w in [*(reading.get("categories") or []), *(reading.get("tags") or [])]}
    if contradicted:
        notes.append(f"{sorted(contradicted)}: both asked for and ruled out, ignored")
        reading = {
            key: [w for w in value if str(w).lower() not in contradicted]
            if key in ("categories", "tags", "rule_out") and isinstance(value, list)
            else value
            for key, value in reading.items()
        }
    for category in reading.get("categories") or []:
        if category in allowed and category not in prefs.exclude_categories and category not in prefs.boost_categories:
            prefs.boost_categories.append(category)
    for tag in reading.get("tags") or []:
        value = vocab.tags.get(str(tag).lower())
        if value and value not in prefs.liked_tags:
            prefs.liked_tags.append(value)
        elif not value:
            notes.append(f"tag {str(tag)[:40]!r}: not in the catalog's tags")
    for person in reading.get("people") or []:
        name = vocab.people.get(str(person).lower())
        if name and _said(name, message) and name not in prefs.liked_people:
            prefs.liked_people.append(name)
        elif not name or not _said(str(person), message):
            notes.append(f"person {str(person)[:40]!r}: not named in the message or not in the catalog")
    slots = {"liked": prefs.liked_items, "disliked": prefs.disliked_items, "seen": prefs.seen_items}
    for named in reading.get("titles") or []:
        title = str(named.get("title", "")) if isinstance(named, dict) else ""
        links = linker.link(title, limit=1, min_score=0.9) if title and _said(title, message) else []
        slot = slots.get(str(named.get("opinion", "liked")) if isinstance(named, dict) else "liked")
        if links and slot is not None and links[0].item_id not in slot:
            slot.append(links[0].item_id)
        else:
            notes.append(f"title {title[:40]!r}: not named in the message, not in the catalog, or no opinion")
    for category in reading.get("rule_out") or []:
        if category in allowed and category not in prefs.include_categories and category not in prefs.disliked_tags:
            prefs.disliked_tags.append(category)  # soft: "rule out" from a model is never a filter
    for key, field_name in (("year_min", "year_min"), ("year_max", "year_max"), ("max_minutes", "duration_max")):
        value = reading.get(key)
        if not isinstance(value, int) or getattr(prefs, field_name) is not None:
            continue
        if str(value) in message:
            setattr(prefs, field_name, value)
        else:
            notes.append(f"{key} {value}: a hard limit the message does not state, ignored")
    return prefs, notes


def read_preferences(
    llm: LLM,
    prompt: PromptFile,
    message: str,
    history: list[str],
    rules: Preferences,
    catalog: Catalog,
    vocab: Vocabulary,
    linker: Any,
    timeout_s: float,
) -> Preferences:
    """The ``read`` role: one constrained call, merged onto the rules' reading; the trace
    (prompt, hash, raw answer, what was ignored) goes to :data:`READ_TRACE`."""
    categories = sorted(set(vocab.categories.values()))
    trace: dict[str, Any] = {"prompt": prompt.ref, "hash": prompt.content_hash, "raw": "", "ignored": []}
    READ_TRACE.set(trace)
    try:
        chunks = llm.stream(
            prompt.render(message=message, history=history, categories=categories),
            schema=read_schema(prompt, categories),
            max_tokens=prompt.model.max_tokens,
            temperature=prompt.model.temperature,
        )
        for chunk in with_deadline(chunks, timeout_s):
            trace["raw"] += chunk
        parsed = json.loads(trace["raw"])
    except (LLMError, ValueError) as exc:
        trace["problem"] = f"kept the rules' reading: {exc}"[:200]
        return rules
    if not isinstance(parsed, dict):
        trace["problem"] = "kept the rules' reading: the answer is not a JSON object"
        return rules
    prefs, trace["ignored"] = merge_reading(rules, parsed, message, catalog, vocab, linker)
    return prefs
