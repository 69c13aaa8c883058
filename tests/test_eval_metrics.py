"""Metric functions against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chat_rec.eval import metrics as M


def test_ranking_metrics_by_hand() -> None:
    ranked = ["a", "b", "c", "d", "e"]
    assert M.recall_at_k(ranked, {"b", "z"}, 1) == 0.0
    assert M.recall_at_k(ranked, {"b", "z"}, 2) == 0.5
    assert M.recall_at_k(ranked, set(), 5) == 0.0
    assert M.mrr_at_k(ranked, {"c"}, 10) == pytest.approx(1 / 3)
    assert M.mrr_at_k(ranked, {"c"}, 2) == 0.0
    # one hit at rank 2: DCG = 1/log2(3); ideal for one relevant item = 1
    assert M.ndcg_at_k(ranked, {"b"}, 10) == pytest.approx(1 / math.log2(3))
    # two relevant, hits at ranks 1 and 3: (1 + 1/log2(4)) / (1 + 1/log2(3))
    assert M.ndcg_at_k(ranked, {"a", "c"}, 5) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    summary = M.ranking_summary([ranked, ["x", "a"]], [{"a"}, {"a"}], ks=(1, 2))
    assert summary["n"] == 2
    assert summary["recall@1"] == 0.5
    assert summary["recall@2"] == 1.0
    assert summary["mrr@2"] == pytest.approx(0.75)


def test_grounded_duplicate_coverage() -> None:
    catalog = {"a", "b", "c", "d"}
    assert M.grounded_rate([["a", "b"], ["c"]], [["a", "b"], ["c", "d"]], catalog) == 1.0
    # "x" is not in the catalog, "d" is not in that turn's candidates
    assert M.grounded_rate([["a", "x"], ["d"]], [["a", "x"], ["c"]], catalog) == pytest.approx(1 / 3)
    assert M.grounded_rate([], [], catalog) == 1.0
    # conversation 1: a b | b c -> one duplicate of four; conversation 2: a a -> one of two
    assert M.duplicate_rate([[["a", "b"], ["b", "c"]], [["a", "a"]]]) == pytest.approx(2 / 6)
    assert M.catalog_coverage([["a", "b"], ["b", "c"]], 10) == pytest.approx(0.3)


def test_diversity_by_hand() -> None:
    cats = {"a": ["Comedy"], "b": ["Comedy", "Drama"], "c": ["Horror"]}
    # pairs: a-b J=1/2 -> 0.5; a-c J=0 -> 1; b-c J=0 -> 1; mean 2.5/3
    assert M.intra_list_diversity_categories(["a", "b", "c"], cats.__getitem__) == pytest.approx(2.5 / 3)
    assert M.intra_list_diversity_categories(["a"], cats.__getitem__) is None
    vecs = {"a": np.array([1.0, 0.0]), "b": np.array([0.0, 2.0]), "c": np.array([1.0, 1.0])}
    # cos(a,b)=0, cos(a,c)=cos(b,c)=1/sqrt2 -> distances 1, 1-0.7071, 1-0.7071
    expected = (1 + 2 * (1 - 1 / math.sqrt(2))) / 3
    assert M.intra_list_diversity_embedding(["a", "b", "c"], vecs.__getitem__) == pytest.approx(expected)


def test_novelty_repeat_faithfulness() -> None:
    assert M.novelty(["a", "b"], None) == 0.0
    assert M.novelty(["a", "b"], {"a": 1.0, "b": 0.2}) == pytest.approx((0.0 + 0.8) / 2)
    assert M.repeat_of_mentioned_rate(["a", "b", "c", "d"], {"b", "z"}) == 0.25
    assert M.repeat_of_mentioned_rate([], {"b"}) == 0.0
    assert M.faithfulness([{"ok": True}, {"ok": False}, {"ok": True}, {"ok": True}]) == 0.75
    assert M.faithfulness([]) is None
    # reasons the model never wrote (skipped after a timeout) are not judged
    assert M.faithfulness([{"ok": True, "raw": "fits"}, {"ok": False, "raw": ""}]) == 1.0
    assert M.faithfulness([{"ok": False, "raw": " "}]) is None


def test_latency_percentiles() -> None:
    timings = [{"total_ms": float(v), "rank_ms": 1.0} for v in range(1, 101)]
    out = M.latency_summary(timings)
    assert out["total_ms_p50"] == pytest.approx(50.5)
    assert out["total_ms_p95"] == pytest.approx(95.05)
    assert out["rank_ms_p95"] == 1.0
    assert out["first_reason_ms_p50"] is None  # a stage no turn ran


def test_bootstrap_and_win_lose_tie() -> None:
    mean, lo, hi = M.bootstrap_ci([1.0, 1.0, 1.0])
    assert (mean, lo, hi) == (1.0, 1.0, 1.0)
    diffs = [0.1, 0.2, 0.3, -0.1, 0.0, 0.25]
    first = M.bootstrap_ci(diffs, seed=0)
    assert first == M.bootstrap_ci(diffs, seed=0)  # fixed seed, same CI
    assert first[0] == pytest.approx(np.mean(diffs))
    assert first[1] < first[0] < first[2]
    assert M.win_lose_tie([1, 2, 3], [2, 2, 1]) == (1, 1, 1)
    assert M.win_lose_tie([100.0, 100.0], [50.0, 200.0], higher_is_better=False) == (1, 1, 0)
