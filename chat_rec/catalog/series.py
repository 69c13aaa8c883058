"""Series: titles of one franchise ("Toy Story", "Toy Story 2", "Toy Story 3").

A title's *series key* is its normalised title without the year, the subtitle after a
colon or dash ("Captain America: Civil War" -> "captain america"), what follows "and the"
after two or more words ("Harry Potter and the Goblet of Fire" -> "harry potter"), and
trailing sequel markers ("2", "II", "Part 2", "Chapter 3", "Vol. 1"). Two items are of
one series when their keys agree and, where both have categories, they share one: the
horror *Frozen* (2010) and the animated *Frozen* (2013) are not a series.

Human recommenders name a sequel or prequel of a film the seeker mentioned for about
4% of the new movies in ReDial's test dialogs; the ranking feature ``series`` uses this.

Deliberately left out: franchises whose titles differ ("The Dark Knight" after "Batman
Begins"); a catalog's own collection field would be the way to add those.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from chat_rec.catalog.items import Catalog, Item
from chat_rec.catalog.titles import normalise

_SUBTITLE = re.compile(r"\s*:\s+|\s*:\s*$|\s+[-\u2013\u2014]+\s+")
_PARENS = re.compile(r"\s*\([^()]*\)")
_SEQUEL = re.compile(r"(\s+(\d{1,2}|[ivx]{1,4}|(part|chapter|vol|volume|episode)\s+\w+))+$")
_AND_THE = re.compile(r"^(\w+\s+\w+.*?)\s+and\s+the\s+")
_ARTICLE = re.compile(r"^(the|a|an)\s+")
MAX_SERIES = 15  # a key shared by more items is a common title word, not a franchise


def series_key(title: str) -> str:
    """The franchise part of a title, lower-case; "" when nothing distinctive is left."""
    text = _PARENS.sub("", title).strip()  # "(2016)", "(a.k.a. ...)"
    text = re.sub(r",\s*(the|a|an)$", "", text, flags=re.IGNORECASE)  # "Matrix, The"
    text = _SUBTITLE.split(text, maxsplit=1)[0]
    text = re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("&", " and "))
    text = " ".join(text.split())
    text = _ARTICLE.sub("", text)
    match = _AND_THE.match(text)
    if match:
        text = match.group(1)
    text = _SEQUEL.sub("", text).strip()
    return text if len(text) >= 2 else ""


def _share_genre(catalog: Catalog, a: Item, b: Item) -> bool:
    """True unless both items have categories and none in common."""
    cats_a, cats_b = set(catalog.categories(a)), set(catalog.categories(b))
    return not (cats_a and cats_b) or bool(cats_a & cats_b)


def same_series(catalog: Catalog, a: Item, b: Item) -> bool:
    if a.id == b.id:
        return False
    key = series_key(a.title)
    return bool(key) and key == series_key(b.title) and _share_genre(catalog, a, b)


class SeriesIndex:
    """Series key -> items, built once per catalog. An item is in a series only when
    another item of its key shares a genre with it, so the two *Frozen* films are not."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        groups: dict[str, list[str]] = defaultdict(list)
        for item in catalog.items:
            key = series_key(item.title)
            if key:
                groups[key].append(item.id)
        self._groups = {k: ids for k, ids in groups.items() if 1 < len(ids) <= MAX_SERIES}
        self._key = {
            i: k for k, ids in self._groups.items() for i in ids if any(j != i and self._related(i, j) for j in ids)
        }
        self._names: dict[str, list[str]] | None = None  # built on the first series name

    def _related(self, a: str, b: str) -> bool:
        return _share_genre(self.catalog, self.catalog.by_id[a], self.catalog.by_id[b])

    def key_of(self, item_id: str) -> str | None:
        """The series an item belongs to, if the catalog holds another film of it."""
        return self._key.get(item_id)

    def named(self, name: str) -> list[str]:
        """The films of the series a person calls ``name`` ("Harry Potter", "lord of the
        rings"), oldest first; [] for a one-word name (a title or a plain word) or none."""
        if self._names is None:
            self._names = {}
            for key, ids in self._groups.items():
                members = [i for i in ids if self._key.get(i) == key]
                if len(key.split()) > 1 and len(members) > 1:
                    self._names[normalise(key)] = sorted(
                        members, key=lambda i: self.catalog.year(self.catalog.by_id[i]) or 0
                    )
        return self._names.get(normalise(name), [])

    def siblings(self, item_ids: Iterable[str]) -> dict[str, str]:
        """Items of the same series as any of ``item_ids`` (not those themselves) -> the
        item whose series they share."""
        given = list(dict.fromkeys(item_ids))
        out: dict[str, str] = {}
        for source in given:
            key = self._key.get(source)
            if key is None:
                continue
            for other in self._groups[key]:
                if other not in out and other not in given and self._related(source, other):
                    out[other] = source
        return out
