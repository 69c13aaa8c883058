"""Series: franchise keys from titles, siblings in a catalog, one per series in a list."""

from __future__ import annotations

import pytest

from chat_rec.agent.rank import one_per_series
from chat_rec.agent.turn import Agent
from chat_rec.catalog.items import Catalog, Item
from chat_rec.catalog.mapping import Mapping
from chat_rec.catalog.series import MAX_SERIES, SeriesIndex, series_key
from tests.helpers import rec_ids, run_turn


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Toy Story (1995)", "toy story"),
        ("Toy Story 2 (1999)", "toy story"),
        ("Deadpool 2  (2018)", "deadpool"),
        ("The Godfather: Part II", "godfather"),
        ("The Godfather Part III", "godfather"),
        ("Kill Bill: Vol. 1 (2003)", "kill bill"),
        ("Kill Bill: Volume 2 (2004)", "kill bill"),
        ("Harry Potter and the Goblet of Fire (2005)", "harry potter"),
        ("Indiana Jones and the Last Crusade (1989)", "indiana jones"),
        ("Star Wars: Episode V - The Empire Strikes Back (1980)", "star wars"),
        ("Matrix Reloaded, The (2003)", "matrix reloaded"),
        ("Legally Blonde 2: Red, White & Blonde (2003)", "legally blonde"),
        ("Bill & Ted's Excellent Adventure", "bill and ted's excellent adventure"),  # "and" but no "and the"
        ("2001: A Space Odyssey", "2001"),  # a title that is a number keeps it
        ("X-Men: First Class", "x men"),
    ],
)
def test_series_key(title: str, key: str) -> None:
    assert series_key(title) == key


MAPPING = Mapping.model_validate(
    {
        "name": "series-test",
        "id": "id",
        "title": "title",
        "text": "{title}",
        "fields": {"genres": {"type": "list"}},
        "roles": {"categories": "genres"},
    }
)


def catalog(rows: list[tuple[str, str, list[str]]]) -> Catalog:
    return Catalog([Item(id=i, title=t, fields={"genres": g}, text=t) for i, t, g in rows], MAPPING)


def test_siblings_share_a_key_and_a_category() -> None:
    cat = catalog(
        [
            ("ts1", "Toy Story", ["Animation", "Comedy"]),
            ("ts2", "Toy Story 2", ["Animation", "Family"]),
            ("ts3", "Toy Story 3", ["Animation"]),
            ("fz10", "Frozen (2010)", ["Horror", "Thriller"]),
            ("fz13", "Frozen (2013)", ["Animation", "Family"]),
            ("up", "Up", ["Animation"]),
        ]
    )
    index = SeriesIndex(cat)
    assert index.siblings(["ts1"]) == {"ts2": "ts1", "ts3": "ts1"}
    assert index.siblings(["ts1", "ts2"]) == {"ts3": "ts1"}  # named items are not their own siblings
    assert index.siblings(["fz13"]) == {} and index.key_of("fz13") is None  # one title, two unrelated films
    assert index.siblings(["up"]) == {} and index.key_of("up") is None
    assert index.key_of("ts3") == "toy story"


def test_a_key_shared_by_many_items_is_not_a_series() -> None:
    cat = catalog([(f"h{i}", f"Home ({1950 + i})", ["Drama"]) for i in range(MAX_SERIES + 1)])
    assert SeriesIndex(cat).siblings(["h0"]) == {}


def test_one_per_series_moves_later_siblings_to_the_end() -> None:
    keys = {"ts2": "toy story", "ts3": "toy story", "sw": "star wars", "sw2": "star wars"}
    ranked = [("ts2", 5.0), ("ts3", 4.0), ("up", 3.0), ("sw", 2.0), ("sw2", 1.5), ("cars", 1.0)]
    assert [i for i, _ in one_per_series(ranked, keys.get)] == ["ts2", "up", "sw", "cars", "ts3", "sw2"]


def test_a_named_films_series_is_offered_once_with_an_honest_reason(agent: Agent) -> None:
    turn, _ = run_turn(agent, "I loved Toy Story")
    toy_story = agent.space.linker.link("Toy Story")[0].item_id
    picks = rec_ids(turn)
    in_series = [i for i in picks if agent.space.series.key_of(i) == "toy story"]
    assert toy_story not in picks and len(in_series) == 1, picks
    reason = dict(turn.recommendations)[in_series[0]]
    assert "from the same series as Toy Story" in reason, reason
    others = [reason for item_id, reason in turn.recommendations if item_id not in in_series]
    assert others and not any("same series" in r for r in others)


def test_a_remake_is_called_another_version(agent: Agent) -> None:
    from chat_rec.agent.compose import matched_preferences
    from chat_rec.agent.preferences import Preferences

    cat = agent.catalog
    old, new = cat.by_id["true-grit-1969"], cat.by_id["true-grit-2010"]
    assert "another version of True Grit" in matched_preferences(cat, old, Preferences(liked_items=[new.id]))


def test_but_funnier_is_not_more_of_the_same_series(agent: Agent) -> None:
    turn, _ = run_turn(agent, "like The Godfather but funnier")
    assert turn.recommendations and "the-godfather-part-ii-1974" not in rec_ids(turn)
    plain, _ = run_turn(agent, "like The Godfather", conversation="c2")
    assert "the-godfather-part-ii-1974" in rec_ids(plain)  # without the contrast it is the first offer


def test_but_not_so_violent_is_not_more_of_the_same_series(agent: Agent) -> None:
    turn, _ = run_turn(agent, "movies like The Godfather but not so violent")
    assert turn.preferences.get("contrast") and "violent" in turn.preferences["disliked_tags"]
    assert turn.recommendations and "the-godfather-part-ii-1974" not in rec_ids(turn)


def test_a_series_name_that_is_no_title_links_every_film_of_it(agent: Agent) -> None:
    linker = agent.space.linker
    potter = [link.item_id for link in linker.find_in_text("something like Harry Potter")]
    assert len(potter) >= 4 and all(i.startswith("harry-potter-and-the-") for i in potter)
    rings = [link.item_id for link in linker.find_in_text("we watched the whole lord of the rings trilogy")]
    assert rings == [
        "the-lord-of-the-rings-the-fellowship-of-the-ring-2001",
        "the-lord-of-the-rings-the-two-towers-2002",
        "the-lord-of-the-rings-the-return-of-the-king-2003",
    ]
    assert [link.item_id for link in linker.find_in_text("I love Toy Story")] == ["toy-story-1995"]  # a title first
    assert linker.find_in_text("a mission movie") == []  # one word: no series name
    turn, _ = run_turn(agent, "like Lord of the Rings")
    assert "Lord" not in turn.reply.splitlines()[0]  # it said 'I couldn't find "Lord" in the catalog.'
    assert turn.recommendations and not set(rec_ids(turn)) & set(rings)
