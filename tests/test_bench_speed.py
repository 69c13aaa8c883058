"""The benchmark's shortcuts give the agent's own results: one model call for many turns,
a query vector computed ahead, one BLAS thread, Chroma's count read once per write."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.rank import RankingConfig, load_ranking_config, score, score_many
from chat_rec.agent.retrieve import FEATURES, Candidates, UserContext, query_texts, retrieve
from chat_rec.catalog.items import Item
from chat_rec.eval.crs_bench import one_blas_thread
from chat_rec.index.chroma import ChromaIndex, make_client
from chat_rec.index.space import ItemSpace
from chat_rec.settings import Settings
from chat_rec.signals import Signals
from tests.test_learned_ranker import BASE, _candidates, _fitted_folder, _Logs


def test_one_model_call_for_many_turns_scores_each_turn_as_the_agent_does(tmp_path: Path) -> None:
    config = load_ranking_config(_fitted_folder(tmp_path))
    config.rerank = 15  # the model reorders the weighted sum's first 15; the rest keep its order
    rng = np.random.default_rng(3)
    empty = Candidates([], np.zeros((0, len(FEATURES)), dtype=np.float32), {})
    tables = [_candidates(rng, 40), empty, _candidates(rng, 10), _candidates(rng, 25)]
    many = score_many(tables, config, _Logs())
    for table, scores in zip(tables, many):
        assert np.array_equal(scores, score(table, config, _Logs()))
    assert len(many[1]) == 0
    weighted = RankingConfig(version="w", weights=BASE.weights)
    for table, scores in zip(tables, score_many(tables, weighted, Signals())):
        assert np.array_equal(scores, score(table, weighted, Signals()))


def test_a_query_vector_given_ahead_retrieves_what_the_agent_retrieves(space: ItemSpace) -> None:
    prefs = Preferences(query="a funny animated film for family night")
    text = query_texts(space, prefs)[1]
    assert text is not None
    own = retrieve(space, prefs, UserContext(), Signals(), n=50)
    with one_blas_thread():
        given = retrieve(space, prefs, UserContext(), Signals(), n=50, query_vector=space.embed_query(text))
    assert own.ids == given.ids
    assert np.allclose(own.features, given.features, atol=1e-6)


def test_chroma_query_sees_every_write_of_this_process(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, collection="count-test")
    index = ChromaIndex(settings, client=make_client(settings))
    rng = np.random.default_rng(0)

    def items(ids: range) -> list[Item]:
        return [Item(str(i), f"Item {i}", f"Item {i}", {}) for i in ids]

    index.upsert(items(range(3)), rng.random((3, 384)).astype(np.float32))
    vector = rng.random(384).astype(np.float32)
    assert len(index.query(vector, 10)) == 3
    index.upsert(items(range(3, 8)), rng.random((5, 384)).astype(np.float32))
    assert len(index.query(vector, 10)) == 8
    index.delete(["0", "1"])
    assert len(index.query(vector, 10)) == 6
    assert index.query(vector, 0) == []
