"""Behavioural signals (popularity, items seen together) that text alone cannot give.

:class:`Signals` is what ranking reads. The default, built from nothing, knows no
popularity and no co-occurrence: every collaborative feature is zero and ranking falls
back to content signals, never to an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from chat_rec.signals.requests import RequestMemory


class Signals:
    """Popularity and item-to-item relatedness, both scaled to 0..1."""

    version = "none"
    requests: RequestMemory | None = None  # past requests and their items (logged dialogs), if any

    def popularity(self, item_ids: Sequence[str]) -> list[float]:
        return [0.0] * len(item_ids)

    def popularity_rows(self, rows: np.ndarray, item_ids: Sequence[str], space_ids: Sequence[str]) -> np.ndarray:
        """:meth:`popularity` of ``item_ids``, which sit at ``rows`` of ``space_ids``; signals
        built over the same ids read their vector at those rows instead of looking ids up."""
        return np.asarray(self.popularity(item_ids), dtype=np.float32)

    def related(self, seeds: Sequence[str], limit: int = 100) -> dict[str, float]:
        """Items that co-occur with ``seeds`` in interaction logs, strongest first."""
        return {}

    def top_popular(self, limit: int = 100) -> list[str]:
        return []

    def has_logs(self) -> bool:
        """Whether ingested interaction logs (not only a catalog field or in-app clicks)
        feed these signals: a learned ranker needs them (see :mod:`chat_rec.agent.rank`)."""
        return False
