"""Title linking: typed titles to catalog items, and the ReDial -> MovieLens measurement."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from chat_rec.catalog.items import Catalog, Item
from chat_rec.catalog.load import split_title
from chat_rec.catalog.mapping import Mapping
from chat_rec.catalog.titles import TitleLinker, normalise, title_variants
from tests.conftest import SHARED_DATA, needs_shared

MOVIELENS_STYLE = [
    ("1", "Matrix, The (1999)"),
    ("2", "Matrix Reloaded, The (2003)"),
    ("3", "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"),
    ("4", "Star Wars: Episode IV - A New Hope (1977)"),
    ("5", "Star Wars: Episode V - The Empire Strikes Back (1980)"),
    ("6", "Star Wars: Episode VI - Return of the Jedi (1983)"),
    ("7", "Up (2009)"),
    ("8", "Léon: The Professional (a.k.a. The Professional) (Léon) (1994)"),
    ("9", "Rocky II (1979)"),
    ("10", "Rocky III (1982)"),
    ("11", "Texas Chainsaw Massacre, The (1974)"),
    ("12", "Texas Chainsaw Massacre, The (2003)"),
    ("13", "About a Boy (2002)"),
    ("14", "Avengers: Endgame (2019)"),
    ("15", "Dune (1984)"),
    ("16", "Dune (2021)"),
    ("17", "Toy Story (1995)"),
    ("18", "Toy Story 2 (1999)"),
]
MAPPING = Mapping.model_validate(
    {
        "name": "titles-test",
        "id": "id",
        "title": "title",
        "title_format": "article_suffix_with_year",
        "text": "{title}",
        "fields": {"year": {"type": "int"}},
        "roles": {"year": "year"},
    }
)


@pytest.fixture(scope="module")
def linker() -> TitleLinker:
    items = []
    for item_id, raw in MOVIELENS_STYLE:
        title, year = split_title(raw, "article_suffix_with_year")
        items.append(Item(item_id, title, title, {"year": year}))
    return TitleLinker(Catalog(items, MAPPING))


def top(linker: TitleLinker, text: str) -> str | None:
    links = linker.link(text)
    return links[0].item_id if links else None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("the matrix", "1"),
        ("Matrix (1999)", "1"),
        ("THE MATRIX", "1"),
        ("matrix reloaded", "2"),
        ("Amelie", "3"),
        ("Amélie (2001)", "3"),
        ("Le Fabuleux destin d'Amélie Poulain", "3"),
        ("star wars 5", "5"),
        ("Star Wars V", "5"),
        ("star wars episode 4", "4"),
        ("the professional", "8"),
        ("Leon", "8"),
        ("rocky 2", "9"),
        ("Rocky Two", "9"),
        ("The Texas Chain Saw Massacre (1974)", "11"),
        ("texas chainsaw massacre 2003", "12"),
        ("Matrx (1999)", "1"),  # a typo
    ],
)
def test_typed_titles_link_to_the_right_item(linker: TitleLinker, typed: str, expected: str) -> None:
    assert top(linker, typed) == expected


def test_scores_exact_year_tolerance_and_nonsense(linker: TitleLinker) -> None:
    assert linker.link("The Matrix (1999)")[0].score == 1.0
    assert linker.link("The Matrix (2000)")[0].score == pytest.approx(0.9)  # a year off by one
    assert linker.link("The Matrix (2010)")[0].score == pytest.approx(0.5)  # probably another film
    assert linker.link("Amelie")[0].score == 1.0  # the main title outside the parentheses
    assert linker.link("Fabuleux destin d'Amelie Poulain")[0].score == pytest.approx(0.95)  # an alias
    assert linker.link("a completely different thing") == []
    assert linker.link("") == []
    assert top(linker, "rocky 4") is None or linker.link("rocky 4")[0].score < 0.85  # no Rocky IV here


def test_normalise_and_variants() -> None:
    assert normalise("Matrix, The") == normalise("The Matrix") == "matrix"
    assert normalise("Rocky II") == normalise("rocky 2") == normalise("Rocky Two") == "rocky 2"
    assert normalise("Love & Basketball") == "love and basketball"
    assert [v for v, _ in title_variants("Léon: The Professional (a.k.a. The Professional) (Léon)")] == [
        "Léon: The Professional (a.k.a. The Professional) (Léon)",
        "Léon: The Professional",
        "The Professional",
        "Léon",
    ]


def test_find_in_text_still_finds_titles(linker: TitleLinker) -> None:
    found = linker.find_in_text("I loved The Matrix and Amelie, but cheer me up please")
    assert [f.item_id for f in found] == ["1", "3"]


def test_lower_case_titles_count_after_a_cue_word(linker: TitleLinker) -> None:
    def ids(text: str) -> list[str]:
        return [link.item_id for link in linker.find_in_text(text)]

    assert ids("something like the matrix") == ["1"]
    listed = ids("i loved the matrix, amelie and the texas chainsaw massacre")  # a list after the cue
    assert listed[:2] == ["1", "3"] and listed[2] in ("11", "12")  # (either version of the massacre)
    assert ids("how about the matrix reloaded?") == ["2"]
    assert ids("amelie is my favourite") == ["3"]
    assert ids("the matrix was on tv") == []  # no cue: lower-case words stay words
    assert ids("i liked up") == []  # too short to trust
    assert ids("a film about a boy and his dog") == []  # common words, no cue: not *About a Boy*
    assert ids("how about the movie amelie?") == ["3"]  # "the movie" between the cue and the title
    assert ids("i would recommend the matrix reloaded") == ["2"]
    # a space more or less: one title, not three words that are titles of their own
    assert ids("I loved Avengers End Game") == ["14"]
    assert ids("we watched Avengers Endgame and The Matrix") == ["14", "1"]
    assert ids("have you seen the new Dune?") == ["16"] and ids("I loved Dune (1984)") == ["15"]
    assert ids("is the new Toy Story any good?") == ["18"]  # the newest of the series
    assert ids("I loved Toy Story") == ["17"]
    assert ids("i loved about a boy") == ids("About a Boy was great") == ["13"]
    assert ids("texas chainsaw massacre remake") in (["11"], ["12"])  # a distinctive span needs no cue


def test_a_misspelt_title_after_a_cue_word_is_matched_fuzzily(linker: TitleLinker) -> None:
    def found(text: str) -> list[tuple[str, str]]:
        return [(link.item_id, text[link.start : link.end]) for link in linker.find_in_text(text)]

    assert found("somethin like the matrx reloded") == [("2", "the matrx reloded")]
    assert found("i loved ameliee and the matrix") == [("3", "ameliee"), ("1", "the matrix")]
    assert found("something like the texas chainsaw masacre but scarier")[0][0] in ("11", "12")
    assert found("the matrx reloded") == []  # no cue word: not read as a title
    assert found("i like matrixes") == []  # a word close to a title word is not a typo of the title
    assert found("i love rocky movies") == []  # known words: not fuzzed at all


def test_a_matching_year_makes_a_short_or_initial_word_a_title(linker: TitleLinker) -> None:
    assert [link.item_id for link in linker.find_in_text("I loved Up (2009) and Matrix (1999)")] == ["7", "1"]
    assert [link.item_id for link in linker.find_in_text("Up (2009) was lovely")] == ["7"]
    assert linker.find_in_text("Up (1950) was lovely") == []  # a year that fits no "Up" is no evidence
    assert linker.find_in_text("Up 2009 was lovely, cheer up") == []  # only the "Title (Year)" form counts


@needs_shared
@pytest.mark.shared
def test_linker_beats_exact_matching_on_redial() -> None:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "title_linking.py"
    spec = importlib.util.spec_from_file_location("title_linking", path)
    assert spec and spec.loader and (SHARED_DATA / "redial" / "movies.csv").exists()
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up
    spec.loader.exec_module(bench)
    result = bench.run(step=10)  # every 10th ReDial title keeps the test under a minute
    assert result.total > 600
    assert result.baseline > 0.6 * result.total
    assert result.linked > result.baseline + 0.05 * result.total


def test_the_catalogs_aliases_role_names_other_titles() -> None:
    mapping = Mapping.model_validate(
        {
            "name": "aliases-test",
            "id": "id",
            "title": "title",
            "text": "{title}",
            "fields": {"year": {"type": "int"}, "aka": {"type": "list"}},
            "roles": {"year": "year", "aliases": "aka"},
        }
    )
    items = [
        Item("se7en", "Se7en", "Se7en", {"year": 1995, "aka": ["Seven"]}),
        Item("samurai", "Seven Samurai", "Seven Samurai", {"year": 1954}),
        Item("x2", "X2", "X2", {"year": 2003, "aka": ["X-Men 2"]}),
        Item("xmen", "X-Men", "X-Men", {"year": 2000}),
    ]
    linker = TitleLinker(Catalog(items, mapping))
    assert [(link.item_id, link.score) for link in linker.link("Seven")] == [("se7en", 0.95)]
    assert top(linker, "x-men 2") == "x2"  # not X-Men, a fuzzy match
    assert [link.item_id for link in linker.find_in_text("something like seven but lighter")] == ["se7en"]
    assert [link.item_id for link in linker.find_in_text("I loved Seven Samurai")] == ["samurai"]
