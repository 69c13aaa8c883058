"""What retrieval reads of every item, computed once per catalog instead of once per turn.

:func:`item_facts` keeps, for one :class:`Catalog` object (rows in the order of the item
space's ids, so a candidate's space row is its row here), each item's categories,
lower-cased tags and people as frozensets, and a sparse item x tag matrix so the tag
feature of 1,500 candidates is two sparse products instead of a Python loop over every
pair of tags (:meth:`ItemFacts.tag_scores`, equal to :func:`tag_match` row by row).

Deliberately left out: invalidation. A catalog that changes is loaded as a new
:class:`Catalog` object, which gets its own facts; the old ones go with it (weak keys).
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable, Sequence

import numpy as np
from scipy import sparse

from chat_rec.catalog.items import Catalog

PARTIAL_TAG = 0.5  # a wanted tag that is a whole word (or words) of an item's tag: "space" in "space horror"
_MEMO_LIMIT = 20_000


def tag_match(wanted: set[str], item_tags: set[str] | frozenset[str]) -> float:
    """Share of the wanted tags the item has; a wanted tag that is a whole word of one of
    the item's tags counts ``PARTIAL_TAG`` ("space" in "space horror")."""
    total = 0.0
    for tag in wanted:
        if tag in item_tags:
            total += 1.0
        elif any(f" {tag} " in f" {t} " for t in item_tags):
            total += PARTIAL_TAG
    return total / len(wanted)


class ItemFacts:
    def __init__(self, catalog: Catalog, ids: Sequence[str]) -> None:
        self.ids = list(ids)
        items = [catalog.by_id[i] for i in self.ids]
        self.row = {item_id: j for j, item_id in enumerate(self.ids)}
        self.categories = [frozenset(catalog.categories(item)) for item in items]
        self.tags = [frozenset(t.lower() for t in catalog.tags(item)) for item in items]
        self.people = [frozenset(catalog.people(item)) for item in items]
        # record facts a learned ranker reads as they are (0 when the record has none)
        self.years = np.array([catalog.year(item) or 0.0 for item in items], dtype=np.float32)
        listed = [max(catalog.popularity(item) or 0.0, 0.0) for item in items]
        self.listed_popularity = np.log1p(np.array(listed, dtype=np.float32))
        self.ratings = np.array([catalog.rating(item) or 0.0 for item in items], dtype=np.float32)
        counts = [max(catalog.rating_count(item) or 0.0, 0.0) for item in items]
        self.rating_counts = np.log1p(np.array(counts, dtype=np.float32))
        self.vocab: dict[str, int] = {}
        cols: list[int] = []
        rows: list[int] = []
        for j, tags in enumerate(self.tags):
            for tag in tags:
                cols.append(self.vocab.setdefault(tag, len(self.vocab)))
                rows.append(j)
        self.matrix = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(self.tags), max(1, len(self.vocab)))
        )
        self._names = list(self.vocab)  # column -> tag
        self.category_vocab: dict[str, int] = {}
        rows, cols = [], []
        for j, categories in enumerate(self.categories):
            for category in categories:
                cols.append(self.category_vocab.setdefault(category, len(self.category_vocab)))
                rows.append(j)
        self.category_matrix = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(self.categories), max(1, len(self.category_vocab))),
        )
        self._words: dict[str, set[int]] = {}
        for tag, col in self.vocab.items():
            for word in tag.split():
                self._words.setdefault(word, set()).add(col)
        self._columns: dict[frozenset[str], tuple[sparse.csr_matrix, sparse.csr_matrix]] = {}

    def rows(self, item_ids: Iterable[str]) -> np.ndarray:
        return np.fromiter((self.row[i] for i in item_ids), dtype=np.int64)

    def category_counts(self, rows: np.ndarray) -> np.ndarray:
        counts: np.ndarray = self.category_matrix[rows].getnnz(axis=1).astype(np.float32)
        return counts

    def category_overlap(self, rows: np.ndarray, wanted: Collection[str]) -> np.ndarray:
        """How many of ``wanted`` each row's item has."""
        cols = [self.category_vocab[c] for c in wanted if c in self.category_vocab]
        if not cols:
            return np.zeros(len(rows), dtype=np.float32)
        overlap: np.ndarray = np.asarray(self.category_matrix[rows][:, cols].sum(axis=1)).ravel()
        return overlap.astype(np.float32)

    def _partial(self, tag: str) -> list[int]:
        """Columns of the tags that contain ``tag`` as whole words, other than ``tag``."""
        words = tag.split()
        if not words:
            return []
        found = set.intersection(*(self._words.get(w, set()) for w in words))
        return [c for c in sorted(found) if self._names[c] != tag and f" {tag} " in f" {self._names[c]} "]

    def _tag_columns(self, wanted: frozenset[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """(exact, partial): tag x wanted 0/1 matrices, memoised per set of wanted tags."""
        if wanted not in self._columns:
            if len(self._columns) > _MEMO_LIMIT:
                self._columns.clear()
            exact_r, exact_c, part_r, part_c = [], [], [], []
            for k, tag in enumerate(sorted(wanted)):
                if tag in self.vocab:
                    exact_r.append(self.vocab[tag])
                    exact_c.append(k)
                for col in self._partial(tag):
                    part_r.append(col)
                    part_c.append(k)
            shape = (self.matrix.shape[1], len(wanted))
            self._columns[wanted] = (
                sparse.csr_matrix((np.ones(len(exact_r), dtype=np.float32), (exact_r, exact_c)), shape=shape),
                sparse.csr_matrix((np.ones(len(part_r), dtype=np.float32), (part_r, part_c)), shape=shape),
            )
        return self._columns[wanted]

    def tag_scores(self, rows: np.ndarray, wanted: Collection[str]) -> np.ndarray:
        """:func:`tag_match` of ``wanted`` against the tags of each row, vectorised."""
        key = frozenset(wanted)
        if not key or not len(rows):
            return np.zeros(len(rows), dtype=np.float32)
        exact, partial = self._tag_columns(key)
        sub = self.matrix[rows]
        hit = (sub @ exact).toarray() > 0
        near = (sub @ partial).toarray() > 0
        scores: np.ndarray = np.where(hit, 1.0, np.where(near, PARTIAL_TAG, 0.0)).sum(axis=1) / len(key)
        return scores.astype(np.float32)


_FACTS: weakref.WeakKeyDictionary[Catalog, ItemFacts] = weakref.WeakKeyDictionary()


def item_facts(catalog: Catalog, ids: Sequence[str] | None = None) -> ItemFacts:
    """The facts of ``catalog`` with rows in the order of ``ids`` (default: the catalog's),
    built on first use (about a second for 60k items)."""
    ids = [item.id for item in catalog.items] if ids is None else ids
    facts = _FACTS.get(catalog)
    if facts is None or (facts.ids is not ids and facts.ids != list(ids)):
        facts = _FACTS[catalog] = ItemFacts(catalog, ids)
    return facts
