"""Collaborative signals: importers on tiny fixture files, co-occurrence, feedback, cold start."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.retrieve import FEATURES, UserContext, retrieve
from chat_rec.catalog.items import Catalog, Item
from chat_rec.catalog.mapping import Mapping
from chat_rec.index.space import ItemSpace
from chat_rec.memory.store import Store
from chat_rec.settings import Settings
from chat_rec.signals import Signals
from chat_rec.signals.collab import EVENT_COLUMNS, CollabSignals
from chat_rec.signals.importers import InteractionMapping, read_interactions
from chat_rec.signals.store import load_signals, save_events


def tiny_catalog() -> Catalog:
    mapping = Mapping.model_validate(
        {
            "name": "t",
            "id": "id",
            "title": "title",
            "text": "{title}",
            "fields": {"year": {"type": "int"}},
            "roles": {"year": "year"},
        }
    )
    rows = [("m1", "The Matrix", 1999), ("m2", "Alien", 1979), ("m3", "Aliens", 1986), ("m4", "Heat", 1995)]
    return Catalog([Item(i, t, t, {"year": y}) for i, t, y in rows], mapping)


def events(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([("log", s, i, w, float("nan")) for s, i, w in rows], columns=list(EVENT_COLUMNS))


def test_popularity_and_normalised_related() -> None:
    signals = CollabSignals(
        ["m1", "m2", "m3", "m4"],
        events([("a", "m2", 1), ("a", "m3", 1), ("b", "m2", 1), ("b", "m3", 1), ("c", "m2", 1), ("c", "m1", 1)]),
    )
    pop = signals.popularity(["m2", "m3", "m1", "m4", "unknown"])
    assert pop[0] == 1.0 and pop[1] > pop[2] > 0 and pop[3] == 0.0 and pop[4] == 0.0
    assert signals.top_popular(2) == ["m2", "m3"]
    related = signals.related(["m2"])
    assert next(iter(related)) == "m3" and related["m3"] == 1.0  # strongest co-occurrence scaled to 1
    assert 0 < related["m1"] < 1 and "m2" not in related and "m4" not in related


def test_time_decay_favours_recent_events() -> None:
    frame = pd.DataFrame(
        [("log", "a", "m1", 1.0, 0.0), ("log", "b", "m1", 1.0, 0.0), ("log", "c", "m2", 1.0, 86400.0 * 365)],
        columns=list(EVENT_COLUMNS),
    )
    plain = CollabSignals(["m1", "m2"], frame)
    decayed = CollabSignals(["m1", "m2"], frame, half_life_days=30)
    assert plain.top_popular(1) == ["m1"]
    assert decayed.top_popular(1) == ["m2"]


def test_redial_importer_links_ids_and_titles(tmp_path: Path) -> None:
    dialogs = tmp_path / "train.jsonl"
    dialogs.write_text(
        json.dumps(
            {
                "conversationId": 1,
                "movieMentions": {"m2": "Alien (1979)", "77": "Aliens  (1986)"},
                "messages": [{"text": "@m2 and @77", "senderWorkerId": 1}],
            }
        )
        + "\n"
        + json.dumps({"conversationId": 2, "movieMentions": {"88": "Nope (2022)"}, "messages": []})
        + "\nnot json\n",
        encoding="utf-8",
    )
    frame, report = read_interactions(dialogs, tiny_catalog(), InteractionMapping(kind="redial", source="r"))
    assert sorted(frame["item_id"]) == ["m2", "m3"]
    assert report.linked_by_id == 1 and report.linked_by_title == 1
    assert report.problems["title not in the catalog"] == 1 and report.problems["not a JSON dialog"] == 1


def test_movielens_importer_links_by_title(tmp_path: Path) -> None:
    (tmp_path / "movies.csv").write_text(
        'movieId,title,genres\n1,"Matrix, The (1999)",Sci-Fi\n2,Heat (1995),Crime\n3,Zzz (2001),Drama\n'
    )
    (tmp_path / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,1,5.0,100\n1,2,4.0,100\n2,3,3.0,100\n2,1,1.0,50\n"
    )
    frame, report = read_interactions(tmp_path / "ratings.csv", tiny_catalog(), InteractionMapping(kind="movielens"))
    assert set(frame["item_id"]) == {"m1", "m4"}
    assert report.problems["rating of an unlinked movie"] == 1
    low = frame[(frame["session"] == "user:2") & (frame["item_id"] == "m1")]
    assert float(low["weight"].iloc[0]) < 0  # a 1-star rating counts against the item


def test_events_importer_reports_bad_rows(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "user,title,event,ts\nu1,Heat,like,2024-01-01\nu1,Alien,seen,2024-01-02\n,Heat,like,\nu2,Heat,clicked,\nu2,Nothing Here,like,\n"
    )
    mapping = InteractionMapping(
        session="user", item_id=None, item_title="title", event="event", timestamp="ts", timestamp_unit="iso"
    )
    frame, report = read_interactions(log, tiny_catalog(), mapping)
    assert list(frame["item_id"]) == ["m4", "m2"]
    assert report.problems == {"missing session/user id": 1, "unknown event type": 1, "title not in the catalog": 1}
    assert "3 row(s) skipped" in report.summary()


def test_store_round_trip_and_feedback(tmp_path: Path, space: ItemSpace) -> None:
    settings = Settings(home=tmp_path, llm="none")
    assert type(load_signals(settings, space)) is Signals  # cold: nothing ingested, no feedback
    a, b, c = space.ids[:3]
    store = Store(settings.store_path)
    for user in ("u1", "u2"):
        store.add_feedback(user, a, "like")
        store.add_feedback(user, b, "like")
    store.add_feedback("u3", c, "dislike")
    store.add_feedback("u4", a, "like")  # one user's pair is their taste, not a link between items
    store.add_feedback("u4", c, "seen")
    store.close()
    signals = load_signals(settings, space)
    assert isinstance(signals, CollabSignals)
    assert signals.related([a]) == {b: 1.0}  # two users made that pair
    assert signals.top_popular(5)[:2] in ([a, b], [b, a])
    frame = events([("s1", c, 1.0), ("s1", b, 1.0)])
    from chat_rec.signals.importers import IngestReport

    save_events(settings, frame, IngestReport(source="log"), weight=2.0)
    mixed = load_signals(settings, space)
    assert isinstance(mixed, CollabSignals) and {s.name for s in mixed.sources} == {"log", "feedback"}
    assert c in mixed.related([b])
    # a benchmark run uses only the logs it names, not every log an earlier run stored here
    other = events([("s2", a, 1.0), ("s2", c, 1.0)]).assign(source="other")
    save_events(settings, other, IngestReport(source="other"), weight=1.0)
    only = load_signals(settings, space, include_feedback=False, only={"log"})
    assert isinstance(only, CollabSignals) and [s.name for s in only.sources] == ["log"]
    assert {s.name for s in load_signals(settings, space).sources} == {"log", "other", "feedback"}  # type: ignore[attr-defined]


def test_cold_catalog_gives_zero_collaborative_features(tmp_path: Path, space: ItemSpace) -> None:
    signals = load_signals(Settings(home=tmp_path, llm="none"), space)
    prefs = Preferences(query="a tense heist film", liked_items=[space.ids[0]])
    candidates = retrieve(space, prefs, UserContext(), signals, n=20)
    assert candidates.ids
    for name in ("popularity", "collab"):
        assert np.all(candidates.features[:, FEATURES.index(name)] == 0)


def test_named_items_join_the_table_only_for_the_whole_list(tmp_path: Path, space: ItemSpace) -> None:
    signals = load_signals(Settings(home=tmp_path, llm="none"), space)
    named = space.ids[0]
    prefs = Preferences(query="a tense heist film", liked_items=[named])
    agent = retrieve(space, prefs, UserContext(), signals, n=20)
    whole = retrieve(space, prefs, UserContext(), signals, n=20, keep_named=True)
    assert named not in agent.ids and whole.routes["named"] == [named]
    # the same table as the agent's, plus the named rows: masking them gives the agent's ranking
    assert whole.ids == [*agent.ids, named]
    np.testing.assert_allclose(whole.features[: len(agent.ids)], agent.features, atol=1e-6)
    assert whole.features[-1, FEATURES.index("seed")] > 0.99  # a named item is its own nearest seed


def test_interactions_ingest_cli(tmp_path: Path, session_home: Path, space: ItemSpace, monkeypatch) -> None:
    import shutil

    from typer.testing import CliRunner

    from chat_rec.cli.interactions import app

    home = tmp_path / "home"
    shutil.copytree(session_home, home)  # the built-in catalog's index, already built
    monkeypatch.setenv("CHAT_REC_HOME", str(home))
    monkeypatch.setenv("CHAT_REC_LLM", "none")
    a, b = (space.catalog.by_id[i] for i in space.ids[:2])
    log = tmp_path / "log.csv"
    log.write_text(
        f'user,title,event\nu1,"{a.title}",like\nu1,"{b.title}",like\nu2,"{a.title}",seen\nu2,No Such Film,like\n'
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text("session: user\nitem_id: null\nitem_title: title\nevent: event\nsource: shop\n")
    result = CliRunner().invoke(app, ["ingest", str(log), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "3 events from 4 rows" in result.output and "title not in the catalog" in result.output
    result = CliRunner().invoke(app, ["stats"])
    assert result.exit_code == 0, result.output
    assert "source=shop" in result.output


def test_feedback_of_other_users_changes_the_next_turn_without_restart(agent) -> None:
    from tests.helpers import run_turn

    liked, other = "toy-story-1995", "heat-1995"  # nothing alike in text: only co-likes link them
    agent.store.add_feedback("me", liked, "like")
    before, _ = run_turn(agent, "a film to watch tonight", user="me", conversation="c1")
    assert other not in before.trace["ranked"][:10]
    for user in ("u1", "u2", "u3"):  # other users like both, in another session of the same app
        agent.store.add_feedback(user, liked, "like")
        agent.store.add_feedback(user, other, "like")
    after, _ = run_turn(agent, "a film to watch tonight", user="me", conversation="c2")
    assert after.trace["signals"] != before.trace["signals"]
    assert other in after.trace["ranked"][:10]
    assert after.trace["ranked"].index(other) < (
        before.trace["ranked"].index(other) if other in before.trace["ranked"] else 50
    )
    # a forgotten user's feedback leaves the signals again
    for user in ("u1", "u2", "u3"):
        agent.store.forget(user)
    again, _ = run_turn(agent, "a film to watch tonight", user="me", conversation="c3")
    assert again.trace["signals"] == before.trace["signals"]


def test_catalog_popularity_field_is_a_prior_for_a_catalog_with_no_logs(tmp_path: Path) -> None:
    from chat_rec.index.space import open_space

    rows = [
        {"id": "a", "title": "Blockbuster", "votes": 25000},
        {"id": "b", "title": "Cult favourite", "votes": 300},
        {"id": "c", "title": "Unknown gem"},
        {"id": "d", "title": "Negative count", "votes": -5},
    ]
    (tmp_path / "items.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    (tmp_path / "items.yaml").write_text(
        "name: voted\nformat: jsonl\nid: id\ntitle: title\ntext: '{title}'\n"
        "fields: {votes: {type: float}}\nroles: {popularity: votes}\n",
        encoding="utf-8",
    )
    settings = Settings(
        home=tmp_path / "home", llm="none", catalog=tmp_path / "items.jsonl", catalog_mapping=tmp_path / "items.yaml"
    )
    space = open_space(settings, progress=False)
    signals = load_signals(settings, space)
    assert isinstance(signals, CollabSignals) and [s.name for s in signals.sources] == ["catalog"]
    popularity = dict(zip("abcd", signals.popularity(list("abcd"))))
    assert popularity["a"] == 1.0 and 0 < popularity["b"] < popularity["a"]
    assert popularity["c"] == popularity["d"] == 0.0
    assert signals.top_popular(5) == ["a", "b"]
    assert signals.related(["a"]) == {}  # a field has no co-occurrence
    candidates = retrieve(space, Preferences(query="a film"), UserContext(), signals, n=10)
    column = dict(zip(candidates.ids, candidates.column("popularity")))
    assert column["a"] > column["b"] > 0
    # switched off, the catalog is cold again; with feedback, the two sources mix
    assert type(load_signals(settings.model_copy(update={"catalog_popularity_weight": 0.0}), space)) is Signals
    store = Store(settings.store_path)
    for user in ("u1", "u2"):
        store.add_feedback(user, "c", "like")
        store.add_feedback(user, "b", "like")
    store.close()
    mixed = load_signals(settings, space)
    assert isinstance(mixed, CollabSignals) and [s.name for s in mixed.sources] == ["catalog", "feedback"]
    assert mixed.version != signals.version and mixed.related(["c"]) == {"b": 1.0}
    assert mixed.popularity(["c"])[0] > 0
