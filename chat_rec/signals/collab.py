"""Signals computed from interaction events: popularity and item-item co-occurrence.

Events are rows ``(source, session, item_id, weight, timestamp)``: a session is a user, a
dialog or a basket. Each source (a MovieLens ratings file, ReDial dialogs, in-app
feedback) gives its own popularity and its own co-occurrence matrix; the two are mixed
with per-source weights so a large out-of-domain log cannot drown a small in-domain one.

- popularity: ``log1p(sum of weights)`` scaled to 0..1 per source, optionally with an
  exponential time decay (half-life in days, relative to the newest event of the source);
- related(seeds): cosine co-occurrence (``C_ij / (sqrt(n_i n_j) + shrink)``) summed over
  the seeds, scaled to 0..1 by the best candidate. In-app feedback counts a pair only
  when two users made it: scaling to the best candidate would otherwise turn one user's
  two clicks into a full-strength link.

Deliberately left out: matrix factorisation (ALS); with a few thousand sessions the
shrunk cosine is as good and needs no training loop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from chat_rec.signals import Signals

EVENT_COLUMNS = ("source", "session", "item_id", "weight", "timestamp")
FEEDBACK_MIN_SUPPORT = 2  # users who liked or saw both items of a pair


@dataclass
class SourceSignals:
    name: str
    weight: float
    popularity: np.ndarray  # per catalog row, 0..1
    cooc: sparse.csr_matrix  # rows x rows, normalised, zero diagonal
    sessions: int
    events: int


def _source_signals(
    name: str,
    events: pd.DataFrame,
    row: dict[str, int],
    n_items: int,
    weight: float,
    half_life_days: float | None,
    shrink: float,
    min_support: int = 1,
) -> SourceSignals | None:
    rows = events["item_id"].astype(str).map(row)
    events = events.assign(_row=rows).dropna(subset=["_row"])
    if events.empty:
        return None
    item_rows = events["_row"].astype(int).to_numpy()
    w = pd.to_numeric(events["weight"], errors="coerce").fillna(1.0).to_numpy(dtype=np.float64)
    pop_w = w.copy()
    stamps = pd.to_numeric(events["timestamp"], errors="coerce").to_numpy(dtype=np.float64)
    if half_life_days and np.isfinite(stamps).any():
        newest = np.nanmax(stamps)
        age_days = np.where(np.isfinite(stamps), (newest - stamps) / 86400.0, 0.0)
        pop_w = pop_w * np.power(0.5, age_days / half_life_days)
    counts = np.bincount(item_rows, weights=np.clip(pop_w, 0, None), minlength=n_items)
    popularity = np.log1p(counts)
    top = popularity.max()
    popularity = popularity / top if top > 0 else popularity
    sessions = pd.factorize(events["session"].astype(str))[0]
    positive = w > 0
    x = sparse.csr_matrix(
        (np.ones(int(positive.sum())), (sessions[positive], item_rows[positive])),
        shape=(int(sessions.max()) + 1, n_items),
    )
    x.data[:] = 1.0  # duplicates within a session count once
    x.sum_duplicates()
    x.data[:] = 1.0
    cooc = (x.T @ x).tocsr().astype(np.float32)
    cooc.setdiag(0)
    cooc.data[cooc.data < min_support] = 0  # pairs fewer sessions made together
    cooc.eliminate_zeros()
    n = np.asarray(x.sum(axis=0)).ravel()
    coo = cooc.tocoo()
    coo.data = coo.data / (np.sqrt(n[coo.row] * n[coo.col]) + shrink)
    return SourceSignals(name, weight, popularity.astype(np.float32), coo.tocsr(), int(sessions.max()) + 1, len(events))


def catalog_prior(values: Sequence[float | None], weight: float) -> SourceSignals | None:
    """The catalog's own popularity field (votes, sales, views) as a source with no
    co-occurrence: ``log1p`` of the value scaled to 0..1; missing or negative values are 0."""
    raw = np.array([v if v is not None and v > 0 else 0.0 for v in values], dtype=np.float64)
    if weight <= 0 or not raw.any():
        return None
    popularity = np.log1p(raw)
    popularity /= popularity.max()
    n = len(raw)
    empty = sparse.csr_matrix((n, n), dtype=np.float32)
    return SourceSignals("catalog", weight, popularity.astype(np.float32), empty, 0, int((raw > 0).sum()))


class CollabSignals(Signals):
    """Popularity and co-occurrence over one catalog's item ids, mixed across sources."""

    def __init__(
        self,
        item_ids: Sequence[str],
        events: pd.DataFrame,
        source_weights: dict[str, float] | None = None,
        half_life_days: float | None = None,
        shrink: float = 2.0,
        extra_sources: Sequence[SourceSignals] = (),
    ) -> None:
        """``extra_sources`` are built elsewhere over the same ``item_ids`` (the catalog prior)."""
        self.ids = list(item_ids)
        self.row = {item_id: i for i, item_id in enumerate(self.ids)}
        self.half_life_days = half_life_days
        self.shrink = shrink
        weights = source_weights or {}
        sources: list[SourceSignals] = list(extra_sources)
        if not events.empty:
            for name, group in events.groupby("source", sort=True):
                built = self._build(str(name), group, weights.get(str(name), 1.0))
                if built is not None:
                    sources.append(built)
        self._mix(sources)

    def _build(self, name: str, events: pd.DataFrame, weight: float) -> SourceSignals | None:
        # in-app feedback: a pair one user made is that user's taste (their taste vector has
        # it), not evidence that the two go together; two users must have made it
        support = FEEDBACK_MIN_SUPPORT if name == "feedback" else 1
        built = _source_signals(
            name, events, self.row, len(self.ids), weight, self.half_life_days, self.shrink, support
        )
        return built if built is not None and built.weight > 0 else None

    def _mix(self, sources: list[SourceSignals]) -> None:
        self.sources = sorted(sources, key=lambda s: s.name)
        total = sum(s.weight for s in self.sources)
        self._popularity = np.zeros(len(self.ids), dtype=np.float32)
        for s in self.sources:
            self._popularity += s.popularity * (s.weight / total)
        self._popular_order = np.argsort(-self._popularity, kind="stable")
        digest = hashlib.sha256()
        for s in self.sources:
            digest.update(f"{s.name}:{s.weight}:{s.events}:{s.sessions}".encode())
        self.version = digest.hexdigest()[:12] if self.sources else "none"

    def replace_source(self, name: str, events: pd.DataFrame, weight: float = 1.0) -> None:
        """Rebuild one source in place (e.g. live feedback); the others are kept as built."""
        kept = [s for s in self.sources if s.name != name]
        built = self._build(name, events, weight) if not events.empty else None
        self._mix([*kept, built] if built is not None else kept)

    def __bool__(self) -> bool:
        return bool(self.sources)

    def has_logs(self) -> bool:
        return any(s.name not in ("catalog", "feedback") and s.sessions > 0 for s in self.sources)

    def popularity(self, item_ids: Sequence[str]) -> list[float]:
        padded = np.append(self._popularity, np.float32(0.0))  # unknown ids read the last, zero, slot
        rows = np.fromiter((self.row.get(i, -1) for i in item_ids), dtype=np.int64, count=len(item_ids))
        values: list[float] = padded[rows].tolist()
        return values

    def popularity_rows(self, rows: np.ndarray, item_ids: Sequence[str], space_ids: Sequence[str]) -> np.ndarray:
        if space_ids is self.ids or space_ids == self.ids:
            values: np.ndarray = self._popularity[np.asarray(rows, dtype=np.int64)]
            return values
        return super().popularity_rows(rows, item_ids, space_ids)

    def popularity_vector(self) -> np.ndarray:
        return self._popularity

    def top_popular(self, limit: int = 100) -> list[str]:
        if not self.sources:
            return []
        order = self._popular_order[:limit]
        return [self.ids[j] for j in order[self._popularity[order] > 0]]

    def related_vector(self, seeds: Sequence[str]) -> np.ndarray:
        """Co-occurrence with the seeds for every catalog row, 0..1 (zeros when unknown)."""
        out = np.zeros(len(self.ids), dtype=np.float32)
        rows = [self.row[s] for s in dict.fromkeys(seeds) if s in self.row]
        if not rows or not self.sources:
            return out
        total = sum(s.weight for s in self.sources)
        for source in self.sources:
            if source.cooc.nnz == 0:
                continue
            scores = np.asarray(source.cooc[rows].sum(axis=0)).ravel()
            top = scores.max()
            if top > 0:
                out += (scores / top * (source.weight / total)).astype(np.float32)
        out[rows] = 0.0
        return out

    def related(self, seeds: Sequence[str], limit: int = 100) -> dict[str, float]:
        scores = self.related_vector(seeds)
        top = scores.max() if len(scores) else 0.0
        if top <= 0:
            return {}
        order = np.argsort(-scores, kind="stable")[:limit]
        return {self.ids[j]: float(scores[j] / top) for j in order if scores[j] > 0}

    def describe(self) -> list[dict[str, object]]:
        return [
            {"source": s.name, "weight": s.weight, "sessions": s.sessions, "events": s.events, "pairs": s.cooc.nnz}
            for s in self.sources
        ]
