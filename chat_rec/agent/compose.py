"""Compose: the LLM's narrow job is one short reason per pick, one pick at a time.

Ranking (with MMR) has already chosen and ordered the picks; small local models choose
badly and confuse items when shown several at once, so each call shows the model one
item's catalog facts and the user's request, and asks why it fits. The model never
writes an id: code attaches it, so an id outside the candidate set cannot occur. The
prompt file may add a JSON schema (``schema:``) to constrain the output further; then
the ``reason`` field is read from it.

Deliberately left out: free-form replies that name items (they cannot be verified).
"""

from __future__ import annotations

import json
import time
from typing import Any

from chat_rec.agent.preferences import Preferences
from chat_rec.catalog.items import Catalog, Item
from chat_rec.catalog.series import same_series
from chat_rec.catalog.titles import normalise, split_year
from chat_rec.errors import LLMError
from chat_rec.llm.base import LLM, until_stop, with_deadline
from chat_rec.prompts.registry import PromptFile


def describe(catalog: Catalog, item: Item, prefs: Preferences | None = None) -> dict[str, Any]:
    """The item as prompts and cards show it: only catalog facts (plus what it matches)."""
    year = catalog.year(item)
    description = catalog.description(item)
    if len(description) > 240:
        description = description[:237].rsplit(" ", 1)[0] + "..."
    people_by_field = {name: item.get_list(name)[:3] for name in catalog.roles.people if item.get_list(name)}
    duration = catalog.duration(item)
    return {
        "id": item.id,
        "title": item.title,
        "year": int(year) if year else None,
        "categories": catalog.categories(item)[:4],
        "people": catalog.people(item)[:3],
        "people_by_field": people_by_field,
        "tags": catalog.tags(item)[:4],
        "duration": int(duration) if duration else None,
        "language": catalog.language(item),
        "description": description,
        "matches": matched_preferences(catalog, item, prefs) if prefs else [],
    }


def _facts(catalog: Catalog, item: Item) -> str:
    described = describe(catalog, item)
    parts = [f"{name.replace('_', ' ')}: {', '.join(people)}" for name, people in described["people_by_field"].items()]
    if described["duration"]:
        parts.append(f"{described['duration']} min")
    return "; ".join(parts)


def facts_line(catalog: Catalog, item: Item) -> str:
    """The record's plain facts about one item, for "who directed Jaws?": every people
    field of the mapping, and the running time."""
    facts = _facts(catalog, item)
    return f"{catalog.display_title(item)}: {facts}." if facts else ""


def answer_line(catalog: Catalog, item: Item, asked: list[str]) -> str:
    """ "Is it funny?" about a pick: yes when its record has a category, tag, language or
    person asked about, else what the record does list; then its facts. The record not
    saying "funny" is not a no, so the answer never says no."""
    if not asked:
        return facts_line(catalog, item)
    listed = [*catalog.categories(item), *catalog.tags(item)]
    has = {v.lower() for v in [*listed, catalog.language(item) or "", *catalog.people(item)]}
    found = [a for a in asked if a.lower() in has]
    record = ", ".join(listed[:8]) or "nothing more"
    facts = _facts(catalog, item)
    tail = f"; {facts}." if facts else "."
    if found:
        return f"Yes: {catalog.display_title(item)} has {' and '.join(found)} in its record ({record}){tail}"
    return f"Its record does not list {' or '.join(asked)}: {catalog.display_title(item)} is listed as {record}{tail}"


def missing_people(catalog: Catalog, prefs: Preferences, picks: list[str]) -> str:
    """Say so when a person the user asked for is in too few of the picks: "older" after
    "something with Meryl Streep" may leave no older film of hers, and the picks that
    follow must not read as if they had her."""
    notes = []
    for person in prefs.liked_people:
        having = [catalog.by_id[i].title for i in picks if person in catalog.people(catalog.by_id[i])]
        if not having:
            notes.append(f"None of the films that fit has {person}; these are the closest.")
        elif len(having) < len(picks):
            notes.append(f"Only {' and '.join(having)} {'has' if len(having) == 1 else 'have'} {person}.")
    return " ".join(notes)


def unknown_titles(prefs: Preferences) -> str:
    """ "Something like The Office" when the catalog has no *The Office*: say so, instead of
    offering picks that read as if they were like it."""
    if not prefs.unknown_titles:
        return ""
    names = " or ".join(f'"{name}"' for name in prefs.unknown_titles)
    return f"I couldn't find {names} in the catalog."


def matched_preferences(catalog: Catalog, item: Item, prefs: Preferences) -> list[str]:
    """The user's stated wishes this item really satisfies (used by honest reasons)."""
    out = [c for c in prefs.include_categories if c in catalog.categories(item)]
    item_tags = {t.lower() for t in catalog.tags(item)}
    out += [t for t in prefs.liked_tags if t.lower() in item_tags]
    out += [p for p in prefs.liked_people if p in catalog.people(item)]
    year = catalog.year(item)
    if year and (prefs.year_min or prefs.year_max):
        out.append(f"from {int(year)}")
    duration = catalog.duration(item)
    if duration and (prefs.duration_max or prefs.duration_min):
        out.append(f"{int(duration)} min")
    language = catalog.language(item)
    if language and (prefs.languages or prefs.exclude_language):
        out.append(f"in {language}")
    alike: dict[tuple[str, ...], list[str]] = {}  # what the item shares (in its own order) -> named titles
    for named in list(dict.fromkeys([*prefs.anchor_items, *prefs.liked_items]))[:2]:  # "like Arrival"
        other = catalog.by_id.get(named)
        if other is None or other.id == item.id:
            continue
        if same_series(catalog, item, other):
            same = normalise(split_year(item.title)[0]) == normalise(split_year(other.title)[0])
            out.append(f"another version of {other.title}" if same else f"from the same series as {other.title}")
            continue
        shared = [c for c in catalog.categories(item) if c in catalog.categories(other)][:2]
        other_tags = {t.lower() for t in catalog.tags(other)}
        shared += [t for t in catalog.tags(item) if t.lower() in other_tags][:2]
        if shared:
            alike.setdefault(tuple(shared), []).append(other.title)
    out += [f"like {' and '.join(titles)}: {', '.join(shared)}" for shared, titles in alike.items()]
    return out


def write_reason(llm: LLM, prompt: PromptFile, inputs: dict[str, Any], deadline: float) -> str:
    """One reason from the model, within the turn's deadline (monotonic seconds)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise LLMError("no time left for the model in this turn", "Raise CHAT_REC_LLM_TIMEOUT_S.")
    chunks = llm.stream(
        prompt.render(**inputs),
        schema=prompt.output_schema,
        max_tokens=prompt.model.max_tokens,
        temperature=prompt.model.temperature,
    )
    text = "".join(until_stop(with_deadline(chunks, remaining), prompt.model.stop)).strip()
    if prompt.output_schema is not None:
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise LLMError(f"the model's output is not the JSON its prompt asked for: {text[:80]!r}") from exc
        text = str(parsed.get("reason", "")) if isinstance(parsed, dict) else ""
    return text.strip().strip('"').strip()
