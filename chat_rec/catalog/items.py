"""Catalog items and the in-memory catalog the agent reads.

An :class:`Item` is domain-neutral: an id, a title, the text that gets embedded, and
typed fields. The :class:`Catalog` adds lookups by id and role-aware accessors so the
agent can ask "what is this item's year?" without knowing field names.

Deliberately left out: persistence (the catalog file is the source of truth; the index
is derived from it) and any domain-specific logic.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Union

from chat_rec.catalog.mapping import Mapping

Value = Union[str, int, float, list[str], None]


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    text: str
    fields: dict[str, Value] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        payload = json.dumps([self.title, self.text, self.fields], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:20]

    def get_list(self, name: str | None) -> list[str]:
        if name is None:
            return []
        value = self.fields.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        return [str(value)]

    def get_number(self, name: str | None) -> float | None:
        if name is None:
            return None
        value = self.fields.get(name)
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
            return float(value[:4])  # ISO dates: the year is enough for ranges
        return None


class Catalog:
    """All items of one catalog plus the mapping that describes them."""

    def __init__(self, items: Sequence[Item], mapping: Mapping) -> None:
        self.items = list(items)
        self.mapping = mapping
        self.roles = mapping.roles
        self.by_id = {item.id: item for item in self.items}
        self._credits: dict[str, list[str]] | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.by_id

    def get(self, item_id: str) -> Item | None:
        return self.by_id.get(item_id)

    def year(self, item: Item) -> float | None:
        return item.get_number(self.roles.year)

    def duration(self, item: Item) -> float | None:
        return item.get_number(self.roles.duration)

    def popularity(self, item: Item) -> float | None:
        """The record's own popularity field (votes, sales, views), if the mapping names one."""
        return item.get_number(self.roles.popularity)

    def rating(self, item: Item) -> float | None:
        """The mean rating people gave the item (stars, 1-10), if the mapping names one."""
        return item.get_number(self.roles.rating)

    def rating_count(self, item: Item) -> float | None:
        """How many ratings :meth:`rating` is the mean of, if the mapping names a field for it."""
        return item.get_number(self.roles.rating_count)

    def categories(self, item: Item) -> list[str]:
        return item.get_list(self.roles.categories)

    def people(self, item: Item) -> list[str]:
        return [p for name in self.roles.people for p in item.get_list(name)]

    def lead_people(self, item: Item) -> list[str]:
        """The people of the mapping's first people field (a film's director, a book's author)."""
        return item.get_list(self.roles.people[0]) if self.roles.people else []

    def aliases(self, item: Item) -> list[str]:
        return item.get_list(self.roles.aliases)

    def credited(self, person: str) -> list[str]:
        """Ids of the items that credit ``person`` (the index is built on first use)."""
        if self._credits is None:
            self._credits = {}
            for item in self.items:
                for name in self.people(item):
                    self._credits.setdefault(name, []).append(item.id)
        return self._credits.get(person, [])

    def tags(self, item: Item) -> list[str]:
        return item.get_list(self.roles.tags)

    def language(self, item: Item) -> str | None:
        values = item.get_list(self.roles.language)
        return values[0] if values else None

    def description(self, item: Item) -> str:
        values = item.get_list(self.roles.description)
        return values[0] if values else ""

    def vocabulary(self, getter: str) -> set[str]:
        """All distinct values of a role across the catalog (e.g. every category)."""
        fn = getattr(self, getter)
        out: set[str] = set()
        for item in self.items:
            value = fn(item)
            if isinstance(value, list):
                out.update(value)
            elif value:
                out.add(value)
        return out

    def display_title(self, item: Item) -> str:
        year = self.year(item)
        return f"{item.title} ({int(year)})" if year else item.title

    def digest(self) -> str:
        h = hashlib.sha256()
        for item in sorted(self.items, key=lambda i: i.id):
            h.update(item.id.encode())
            h.update(item.content_hash.encode())
        return h.hexdigest()[:16]
