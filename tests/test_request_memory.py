"""The request memory: past requests vote for the items recommended after them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.retrieve import FEATURES, UserContext, retrieve
from chat_rec.index.space import ItemSpace
from chat_rec.signals import Signals
from chat_rec.signals.collab import CollabSignals
from chat_rec.signals.requests import RequestMemory, build_memory, request_text

ASKED = FEATURES.index("asked")


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def _memory(neighbours: int = 50) -> RequestMemory:
    row = {"a": 0, "b": 1, "c": 2, "d": 3}
    requests = [
        ("dialog:1", "a heist comedy", ["a", "b"]),
        ("dialog:2", "a slow space drama", ["c"]),
        ("dialog:3", "a caper with jokes", ["a", "not-in-catalog"]),
        ("dialog:4", "only unknown films", ["zzz"]),
    ]
    vectors = np.stack([_unit(1, 0.1, 0), _unit(0, 1, 0), _unit(0.9, 0, 0.3), _unit(0, 0, 1)])
    memory = build_memory(requests, row, vectors)
    memory.neighbours = neighbours
    return memory


def test_similar_requests_vote_for_their_items_by_similarity() -> None:
    memory = _memory()
    assert len(memory) == 3  # a request with no catalog item is left out
    query = _unit(1, 0, 0)
    scores = memory.scores(query)
    sims = memory.vectors @ query
    assert scores[0] == pytest.approx(sims[0] + sims[2])  # "a" follows both heist requests
    assert scores[1] == pytest.approx(sims[0])
    assert scores[2] == 0.0  # the space drama is orthogonal: no vote
    assert scores[3] == 0.0  # nobody was recommended "d"
    assert memory.only({"dialog:2"}).scores(query).sum() == 0.0


def test_only_the_nearest_requests_vote() -> None:
    query = _unit(1, 0.1, 0)
    nearest = _memory(neighbours=1).scores(query)
    assert nearest[0] > 0 and nearest[1] > 0 and nearest[2] == 0.0  # request 1 alone votes
    assert _memory(neighbours=1).only({"dialog:3"}).scores(query)[1] == 0.0


def test_k_fold_subsets_hold_no_request_of_the_left_out_dialogs() -> None:
    memory = _memory()
    subset = memory.only({"dialog:1", "dialog:2"})
    assert sorted(subset.sessions) == ["dialog:1", "dialog:2"] and len(subset) == 2
    assert subset.n_items == memory.n_items


def test_an_items_profile_is_the_mean_of_the_requests_that_led_to_it() -> None:
    memory = _memory()
    query = _unit(0.5, 0.5, 0.5)
    profile_a = memory.vectors[0] + memory.vectors[2]  # both heist requests led to "a"
    profile_a /= np.linalg.norm(profile_a)
    scores = memory.profile_scores(query)
    assert scores[0] == pytest.approx(float(profile_a @ query), abs=1e-6)
    assert scores[2] == pytest.approx(float(memory.vectors[1] @ query), abs=1e-6)  # only the space drama
    assert scores[3] == 0.0  # no request led to "d"
    # a K-fold subset builds its own profiles: "a" is then the caper request alone
    assert memory.only({"dialog:3"}).profile_scores(query)[0] == pytest.approx(
        float(memory.vectors[2] @ query), abs=1e-6
    )
    assert memory.only({"dialog:3"}).profile_scores(query)[2] == 0.0


def test_the_linear_model_solves_the_ridge_regression_from_requests_to_items() -> None:
    from chat_rec.signals.requests import RIDGE

    memory = _memory()
    x = memory.vectors.astype(np.float64)
    followed = np.array([[1, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=np.float64)  # items a, b, c per request
    expected = np.linalg.solve(x.T @ x + RIDGE * np.eye(3), x.T @ followed)
    query = _unit(1, 0.2, 0.1)
    scores = memory.linear_scores(query)
    assert scores[:3] == pytest.approx(query @ expected, abs=1e-5)
    assert scores[3] == 0.0  # no request led to "d"
    assert scores[0] > scores[1] > scores[2]  # a heist query: "a" (two heists), then "b" (one), the drama last
    # a K-fold subset fits its own model: without the heist dialogs nothing leads to "a"
    assert memory.only({"dialog:2"}).linear_scores(query)[0] == 0.0


def test_request_text_is_the_benchmarks_query() -> None:
    said = ["hi", "I loved Heat", "what kind?", "a heist, funny", "try Logan Lucky"]
    assert request_text(said, 2) == "a heist, funny try Logan Lucky"
    assert request_text(said, 0) == " ".join(said)


def test_retrieve_fills_asked_from_the_memory_and_zero_without(space: ItemSpace) -> None:
    heist = next(i for i in space.catalog.items if "heist" in i.text.lower())
    text = f"something like a heist, clever and funny ({heist.title})"
    memory = build_memory([("dialog:9", text, [heist.id])], space.row, space.embedder.embed([text]))
    prefs = Preferences(query="a clever heist with jokes")
    without = retrieve(space, prefs, UserContext(), Signals())
    assert not without.column("asked").any()
    signals = Signals()
    signals.requests = memory
    found = retrieve(space, prefs, UserContext(), signals)
    assert found.ids == without.ids  # a feature, not a route: the same candidates
    row = found.ids.index(heist.id) if heist.id in found.ids else None
    asked = found.features[:, ASKED]
    assert row is not None and asked[row] > 0.3
    assert np.count_nonzero(asked) == 1  # only the item that followed the request
    profile = found.column("asked_profile")
    assert profile[row] == pytest.approx(asked[row], abs=1e-5)  # one request: its profile is that request
    assert not without.column("asked_profile").any()
    linear = found.column("asked_linear")
    assert linear[row] > 0 and np.count_nonzero(linear) == 1 and not without.column("asked_linear").any()


def test_retrieve_reads_the_records_year_and_popularity_field(space: ItemSpace) -> None:
    found = retrieve(space, Preferences(query="a funny film"), UserContext(), Signals())
    catalog = space.catalog
    for row, item_id in enumerate(found.ids):
        item = catalog.by_id[item_id]
        assert found.column("year")[row] == (catalog.year(item) or 0.0)
        assert found.column("listed_popularity")[row] == pytest.approx(np.log1p(catalog.popularity(item) or 0.0))
    assert found.column("year").min() > 1900  # every built-in item has a year


def test_kfold_runs_give_each_fold_the_memory_of_the_other_folds_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import chat_rec.eval.crs_ltr as ltr

    dialogs = [f"d{n}" for n in range(10)]
    requests = [(f"dialog:{d}", d, ["a"]) for d in dialogs]
    memory = build_memory(requests, {"a": 0}, np.tile(_unit(1, 0), (10, 1)))
    events = pd.DataFrame(
        {"source": "logs", "session": [f"dialog:{d}" for d in dialogs], "item_id": "a", "weight": 1.0, "timestamp": 0}
    )
    seen: list[tuple[CollabSignals, list[str]]] = []

    def capture(space: object, signals: CollabSignals, turns: list[SimpleNamespace], options: object) -> object:
        seen.append((signals, [t.dialog for t in turns]))
        return SimpleNamespace(turns=[], seconds=0.0)

    monkeypatch.setattr(ltr, "run_features", capture)
    turns = [SimpleNamespace(dialog=d) for d in dialogs]
    ltr.kfold_runs(SimpleNamespace(ids=["a"]), turns, events, dialogs, 5, None, None, memory=memory)  # type: ignore[arg-type]
    assert len(seen) == 5
    for signals, fold in seen:
        assert signals.requests is not None and len(signals.requests) == 8
        assert not {f"dialog:{d}" for d in fold} & set(signals.requests.sessions)


def test_a_model_fitted_with_the_memory_ranks_only_where_there_is_one() -> None:
    from chat_rec.agent.rank import load_ranking_config, ranking_version
    from chat_rec.settings import BENCHMARK_RANKING

    config = load_ranking_config(BENCHMARK_RANKING)
    assert "asked" in config.inputs

    class Logs(Signals):
        def has_logs(self) -> bool:
            return True

    logs = Logs()
    assert ranking_version(config, logs) == f"{config.version}+weights"  # logs, but no dialogs logged
    logs.requests = _memory()
    assert ranking_version(config, logs) == config.version
