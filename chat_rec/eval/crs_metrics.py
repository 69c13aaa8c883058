"""Ranking metrics for CRS benchmarks: one relevant item per target, 0-based ranks.

A rank of ``None`` means the item was not ranked at all (not retrieved, not in the
catalog): it counts as a miss at every cut-off.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

KS = (1, 10, 50)


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r < k) / len(ranks)


def ndcg_at(ranks: Sequence[int | None], k: int) -> float:
    """Single relevant item: DCG = 1/log2(rank+2) inside the cut-off, IDCG = 1."""
    if not ranks:
        return 0.0
    return sum(1.0 / math.log2(r + 2) for r in ranks if r is not None and r < k) / len(ranks)


def mrr_at(ranks: Sequence[int | None], k: int) -> float:
    if not ranks:
        return 0.0
    return sum(1.0 / (r + 1) for r in ranks if r is not None and r < k) / len(ranks)


def summarise(ranks: Sequence[int | None], new: Sequence[bool]) -> dict[str, float]:
    """The benchmark's keys: all targets, then targets not named earlier ("new")."""
    fresh = [r for r, n in zip(ranks, new) if n]
    repeats = [r for r, n in zip(ranks, new) if not n]
    out: dict[str, float] = {"n_targets": len(ranks)}
    for k in KS:
        out[f"recall@{k}"] = recall_at(ranks, k)
    out["ndcg@10"] = ndcg_at(ranks, 10)
    out["mrr@10"] = mrr_at(ranks, 10)
    out["n_targets_new"] = len(fresh)
    for k in KS:
        out[f"recall_new@{k}"] = recall_at(fresh, k)
    out["ndcg_new@10"] = ndcg_at(fresh, 10)
    out["mrr_new@10"] = mrr_at(fresh, 10)
    out["n_targets_repeat"] = len(repeats)
    out["recall_repeat@10"] = recall_at(repeats, 10)
    out["recall_repeat@50"] = recall_at(repeats, 50)
    return out
