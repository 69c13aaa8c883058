"""Benchmark metrics against hand-computed cases, and the ReDial turn protocol."""

from __future__ import annotations

import math
from pathlib import Path

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
    assert unknown == {"d": 1}  # a named movie outside the catalog is a miss, not dropped
    assert len(turns) == 1
    turn = turns[0]
    assert turn.targets == ["b", "a"] and turn.new == [True, False]
    assert [u.text for u in turn.context] == ["I loved Alien"]
    assert turn.mentioned == ["a"]


def test_whole_list_and_policy_readings_hand_computed() -> None:
    """One turn, scores a=3 (named by the user), b=2, c=1; targets a (a repeat) and c (new)."""
    from types import SimpleNamespace

    import numpy as np

    from chat_rec.agent.rank import RankingConfig
    from chat_rec.agent.retrieve import FEATURES, Candidates
    from chat_rec.eval.crs_bench import BenchRun, ScoredTurn, evaluate
    from chat_rec.eval.crs_data import EvalTurn

    features = np.zeros((3, len(FEATURES)), dtype=np.float32)
    features[:, FEATURES.index("dense")] = [3, 2, 1]
    candidates = Candidates(["a", "b", "c"], features, {"named": ["a"]})
    turn = EvalTurn("d", 1, [], ["a", "c"], [False, True], ["a"])
    space = SimpleNamespace(catalog={"a", "b", "c"})  # only membership is read (grounded rate)
    run = BenchRun(space, None, [ScoredTurn(turn, candidates, [0, 2], named_rows=[0])], {}, 0.0, 1.0)  # type: ignore[arg-type]
    out = evaluate(run, RankingConfig(version="t", weights={"dense": 1.0}))
    assert out["whole_list"]["recall@1"] == 0.5  # a at rank 0, c at rank 2
    assert out["whole_list"]["recall_new@1"] == 0.0
    assert out["policy"]["recall@1"] == 0.0 and out["policy"]["recall@10"] == 0.5  # a left out, c at rank 1
    assert out["policy"]["recall_new@10"] == 1.0 and out["policy"]["recall_repeat@50"] == 0.0
    # the benchmark's keys: all targets from the whole list, new targets from the policy
    assert (
        out["recall@1"] == 0.5 and out["recall_new@10"] == 1.0 and out["ndcg_new@10"] == pytest.approx(1 / math.log2(3))
    )
    assert out["grounded_rate"] == 1.0


def test_films_listed_twice_become_one_item_with_aliases() -> None:
    from chat_rec.eval.crs_catalogs import _merge_duplicates

    rows: list[dict[str, object]] = [
        {"id": "10", "title": "Hangover", "year": 2010, "source_id": "69122"},  # a crowdworker's wrong year
        {"id": "11", "title": "WALL-E", "year": 2008},
        {"id": "12", "title": "The Hangover", "year": 2009, "source_id": "69122", "votes": 900.0},
        {"id": "13", "title": "Wall-E", "year": 2008},  # not linked: same normalised title and year
        {"id": "14", "title": "WALL-E", "year": 1990},
    ]
    kept, aliases = _merge_duplicates(rows, {"10": 0.9, "12": 1.0})
    assert [r["id"] for r in kept] == ["12", "11", "14"]  # the exact MovieLens match is kept
    assert aliases == {"10": "12", "13": "11"}
    assert kept[0]["votes"] == 900.0


def test_split_by_dialog_keeps_each_dialogs_unknown_targets() -> None:
    from types import SimpleNamespace

    from chat_rec.eval.crs_bench import BenchRun, split_run

    turns = [SimpleNamespace(turn=SimpleNamespace(dialog=d)) for d in ("d1", "d2", "d2")]
    run = BenchRun(None, None, turns, {"d1": 2, "d2": 1, "d3": 0}, 0.0, 1.0)  # type: ignore[arg-type]
    first, second = split_run(run)
    assert (len(first.turns), first.unknown_targets) == (1, 2)  # d1 (and d3) on one side
    assert (len(second.turns), second.unknown_targets) == (2, 1)


def test_a_copied_data_file_keeps_its_benchmark_catalog_key(tmp_path: Path) -> None:
    import os
    import shutil

    from chat_rec.eval.crs_catalogs import _digest

    original = tmp_path / "a" / "movies.csv"
    original.parent.mkdir()
    original.write_text("movieId,movieName\n1,Heat (1995)\n")
    copy = tmp_path / "b" / "movies.csv"
    copy.parent.mkdir()
    shutil.copy(original, copy)
    os.utime(copy, (1_000_000, 1_000_000))  # a re-copied data set: new path, new mtime, same bytes
    assert _digest(copy) == _digest(original)
    copy.write_text("movieId,movieName\n1,Heat (1995)\n2,Alien (1979)\n")
    assert _digest(copy) != _digest(original)
