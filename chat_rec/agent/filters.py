"""Hard constraints as one Python predicate over catalog items.

Every retrieval route (dense, lexical, neighbours, popularity) keeps only the items that
:func:`passes`, so all of them obey the same rules. Chroma's ``where`` is deliberately not
used for this: its metadata pre-filter made a filtered query 15-25x slower than an exact
scan of the in-memory vectors (see ``agent/retrieve.py``), and one implementation of the
rules cannot disagree with another.
"""

from __future__ import annotations

from typing import Any

from chat_rec.agent.preferences import Preferences
from chat_rec.catalog.items import Catalog, Item


def is_filtered(prefs: Preferences) -> bool:
    """Whether the turn carries any hard constraint that :func:`passes` checks."""
    return any(
        (
            prefs.year_min is not None,
            prefs.year_max is not None,
            prefs.duration_min is not None,
            prefs.duration_max is not None,
            bool(prefs.languages),
            bool(prefs.exclude_language),
            bool(prefs.exclude_categories),
            bool(prefs.include_categories),
            bool(prefs.disliked_people),
        )
    )


def passes(item: Item, prefs: Preferences, catalog: Catalog) -> bool:
    year = catalog.year(item)
    if prefs.year_min is not None and (year is None or year < prefs.year_min):
        return False
    if prefs.year_max is not None and (year is None or year > prefs.year_max):
        return False
    duration = catalog.duration(item)
    if prefs.duration_max is not None and (duration is None or duration > prefs.duration_max):
        return False
    if prefs.duration_min is not None and (duration is None or duration < prefs.duration_min):
        return False
    if prefs.languages and catalog.roles.language and catalog.language(item) not in prefs.languages:
        return False
    if prefs.exclude_language and catalog.language(item) == prefs.exclude_language:
        return False
    categories = set(catalog.categories(item))
    if categories & set(prefs.exclude_categories):
        return False
    if prefs.disliked_people and set(prefs.disliked_people) & set(catalog.people(item)):  # "not by Nolan"
        return False
    return not (
        prefs.include_categories and catalog.roles.categories and not categories & set(prefs.include_categories)
    )


def apply_filters(prefs: Preferences, filters: dict[str, Any] | None) -> Preferences:
    """Merge filters set outside the message (the UI's sidebar) into what the turn understood.

    Keys: ``year_min``, ``year_max``, ``duration_max`` (the stricter bound wins),
    ``exclude_categories`` (added to the message's exclusions, and dropped from its inclusions)
    and ``language`` (replaces the message's language).
    """
    if not filters:
        return prefs
    if filters.get("year_min") is not None:
        prefs.year_min = max(int(filters["year_min"]), prefs.year_min or int(filters["year_min"]))
    if filters.get("year_max") is not None:
        prefs.year_max = min(int(filters["year_max"]), prefs.year_max or int(filters["year_max"]))
    if filters.get("duration_max") is not None:
        prefs.duration_max = min(int(filters["duration_max"]), prefs.duration_max or int(filters["duration_max"]))
    if filters.get("language"):
        prefs.languages = [str(filters["language"])]
        prefs.exclude_language = None
    excluded = [str(c) for c in filters.get("exclude_categories") or []]
    if excluded:
        prefs.exclude_categories = list(dict.fromkeys([*prefs.exclude_categories, *excluded]))
        prefs.include_categories = [c for c in prefs.include_categories if c not in excluded]
    return prefs
