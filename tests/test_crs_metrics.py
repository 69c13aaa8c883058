"""Benchmark metrics against hand-computed cases, and the ReDial turn protocol."""

from __future__ import annotations

import math

import pytest

from chat_rec.eval.crs_data import Utterance, eval_turns
from chat_rec.eval.crs_metrics import mrr_at, ndcg_at, recall_at, summarise


def test_recall_ndcg_mrr_hand_computed() -> None:
    ranks = [0, 4, None, 30]
    assert recall_at(ranks, 1) == 0.25
    assert recall_at(ranks, 10) == 0.5
    assert recall_at(ranks, 50) == 0.75
    assert ndcg_at(ranks, 10) == pytest.approx((1 + 1 / math.log2(6)) / 4)
    assert mrr_at(ranks, 10) == pytest.approx((1 + 1 / 5) / 4)
    assert recall_at([], 10) == 0.0


def test_summary_splits_new_and_repeated_targets() -> None:
    out = summarise([0, 20, None], [True, False, True])
    assert out["n_targets"] == 3 and out["n_targets_new"] == 2 and out["n_targets_repeat"] == 1
    assert out["recall@1"] == pytest.approx(1 / 3)
    assert out["recall@50"] == pytest.approx(2 / 3)
    assert out["recall_new@1"] == 0.5 and out["recall_new@50"] == 0.5
    assert out["recall_repeat@50"] == 1.0


def test_turns_follow_the_protocol() -> None:
    dialog = [
        Utterance("seeker", "I loved Alien", ["1"]),
        Utterance("recommender", "Try Aliens or Alien", ["2", "1"]),
        Utterance("seeker", "ok", []),
        Utterance("recommender", "or Zork", ["9"]),
    ]
    turns, unknown = eval_turns([("d", dialog)], {"1": "a", "2": "b", "9": None})
    assert unknown == 1  # a named movie outside the catalog is a miss, not dropped
    assert len(turns) == 1
    turn = turns[0]
    assert turn.targets == ["b", "a"] and turn.new == [True, False]
    assert [u.text for u in turn.context] == ["I loved Alien"]
    assert turn.mentioned == ["a"]
