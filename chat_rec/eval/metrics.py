"""Metric functions for eval runs and benchmarks. Pure functions on ids, lists and numbers.

Ranking helpers (``recall_at_k``, ``ndcg_at_k``, ``mrr_at_k``) take one ranked list and the
set of relevant ids; ``ranking_summary`` averages them over many queries. Quality
metrics take the recommendation lists of a run. Every function returns a float in a
fixed range (documented per function); empty input gives 0.0 (or ``None`` where "not
measurable" must differ from "zero", e.g. faithfulness without an LLM).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations

import numpy as np

STAGES = ("understand_ms", "retrieve_ms", "rank_ms", "first_reason_ms", "llm_ms", "total_ms")
KS = (1, 3, 5, 10, 20, 50)


# ranking ---------------------------------------------------------------------------
def recall_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """Share of the relevant ids found in the first ``k`` of ``ranked`` (0..1)."""
    rel = set(relevant)
    if not rel:
        return 0.0
    return len(rel & set(ranked[:k])) / len(rel)


def ndcg_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """Binary-relevance NDCG: DCG = sum 1/log2(rank+1) over hits (rank from 1), ideal = all hits first."""
    rel = set(relevant)
    if not rel:
        return 0.0
    dcg = sum(1.0 / math.log2(pos + 2) for pos, item in enumerate(ranked[:k]) if item in rel)
    ideal = sum(1.0 / math.log2(pos + 2) for pos in range(min(k, len(rel))))
    return dcg / ideal


def mrr_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """1 / rank of the first relevant id within the first ``k`` (0 when none)."""
    rel = set(relevant)
    for pos, item in enumerate(ranked[:k]):
        if item in rel:
            return 1.0 / (pos + 1)
    return 0.0


def ranking_summary(
    rankings: Sequence[Sequence[str]], targets: Sequence[Iterable[str]], ks: Sequence[int] = KS
) -> dict[str, float]:
    """Mean recall@k, ndcg@k and mrr@k over queries, keys like ``recall@10``; ``n`` = number of queries."""
    pairs = [(list(r), set(t)) for r, t in zip(rankings, targets) if set(t)]
    out: dict[str, float] = {"n": float(len(pairs))}
    for k in ks:
        for name, fn in (("recall", recall_at_k), ("ndcg", ndcg_at_k), ("mrr", mrr_at_k)):
            out[f"{name}@{k}"] = float(np.mean([fn(r, t, k) for r, t in pairs])) if pairs else 0.0
    return out


# quality of recommendation lists -------------------------------------------------------
def grounded_rate(lists: Sequence[Sequence[str]], candidates: Sequence[Iterable[str]], catalog_ids: set[str]) -> float:
    """Share of recommended ids that are in the catalog and in that turn's candidate set (must be 1.0)."""
    total = grounded = 0
    for recs, cands in zip(lists, candidates):
        allowed = set(cands)
        for item in recs:
            total += 1
            grounded += item in catalog_ids and item in allowed
    return grounded / total if total else 1.0


def duplicate_rate(conversations: Sequence[Sequence[Sequence[str]]]) -> float:
    """Share of recommended ids already recommended earlier in the same conversation (or twice in one list)."""
    total = dup = 0
    for lists in conversations:
        seen: set[str] = set()
        for recs in lists:
            for item in recs:
                total += 1
                dup += item in seen
                seen.add(item)
    return dup / total if total else 0.0


def catalog_coverage(lists: Iterable[Sequence[str]], catalog_size: int) -> float:
    """Distinct recommended ids / catalog size (0..1)."""
    distinct = {item for recs in lists for item in recs}
    return len(distinct) / catalog_size if catalog_size else 0.0


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def intra_list_diversity_categories(recs: Sequence[str], categories: Callable[[str], Iterable[str]]) -> float | None:
    """Mean pairwise 1 - Jaccard(categories) within one list; None for lists shorter than 2."""
    if len(recs) < 2:
        return None
    pairs = list(combinations(recs, 2))
    return float(np.mean([1.0 - jaccard(categories(a), categories(b)) for a, b in pairs]))


def intra_list_diversity_embedding(recs: Sequence[str], vector: Callable[[str], np.ndarray]) -> float | None:
    """Mean pairwise cosine distance (1 - cos) within one list; None for lists shorter than 2."""
    if len(recs) < 2:
        return None
    vecs = [np.asarray(vector(i), dtype=float) for i in recs]
    vecs = [v / (np.linalg.norm(v) or 1.0) for v in vecs]
    return float(np.mean([1.0 - float(a @ b) for a, b in combinations(vecs, 2)]))


def novelty(recs: Sequence[str], popularity: Mapping[str, float] | None) -> float:
    """Mean 1 - popularity (popularity scaled 0..1, 1 = most popular); 0.0 when popularity is unknown."""
    if not popularity or not recs:
        return 0.0
    return float(np.mean([1.0 - min(1.0, max(0.0, popularity.get(i, 0.0))) for i in recs]))


def repeat_of_mentioned_rate(recs: Sequence[str], mentioned: Iterable[str]) -> float:
    """Share of recommended ids that the user already named in the conversation (0..1)."""
    if not recs:
        return 0.0
    named = set(mentioned)
    return sum(item in named for item in recs) / len(recs)


def faithfulness(verdicts: Iterable[Mapping[str, object]]) -> float | None:
    """Share of model-written reasons that passed verification; None when the model wrote none.

    A verdict with an empty ``raw`` reason (the model was skipped after a timeout or
    failure, or returned nothing) is not a written reason: ``fallback_rate`` counts those.
    """
    oks = [bool(v.get("ok")) for v in verdicts if str(v.get("raw", "x")).strip()]
    return sum(oks) / len(oks) if oks else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), None for no values."""
    clean = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return float(np.percentile(clean, q)) if clean else None


def latency_summary(timings: Iterable[Mapping[str, float]], stages: Sequence[str] = STAGES) -> dict[str, float | None]:
    """p50 and p95 per stage, keys like ``total_ms_p50``; stages a turn did not run are skipped."""
    rows = list(timings)
    out: dict[str, float | None] = {}
    for stage in stages:
        values = [float(t[stage]) for t in rows if stage in t]
        out[f"{stage}_p50"] = percentile(values, 50)
        out[f"{stage}_p95"] = percentile(values, 95)
    return out


def mean_or_none(values: Iterable[float | None]) -> float | None:
    clean = [float(v) for v in values if v is not None]
    return float(np.mean(clean)) if clean else None


# paired comparison -------------------------------------------------------------------------
def bootstrap_ci(
    diffs: Sequence[float], n_boot: int = 2000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of paired differences and its percentile bootstrap CI (fixed seed: same input, same CI)."""
    arr = np.asarray([d for d in diffs if d is not None], dtype=float)
    if arr.size == 0:
        return (0.0, 0.0, 0.0)
    if arr.size == 1:
        return (float(arr[0]), float(arr[0]), float(arr[0]))
    rng = np.random.default_rng(seed)
    means = arr[rng.integers(0, arr.size, size=(n_boot, arr.size))].mean(axis=1)
    lo, hi = np.percentile(means, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(arr.mean()), float(lo), float(hi)


def win_lose_tie(
    a: Sequence[float], b: Sequence[float], higher_is_better: bool = True, tol: float = 1e-9
) -> tuple[int, int, int]:
    """Per pair: does B win, lose or tie against A."""
    win = lose = tie = 0
    for x, y in zip(a, b):
        d = (y - x) if higher_is_better else (x - y)
        if d > tol:
            win += 1
        elif d < -tol:
            lose += 1
        else:
            tie += 1
    return win, lose, tie
