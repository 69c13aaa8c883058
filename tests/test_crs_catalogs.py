"""The ReDial benchmark catalog: MovieLens ratings become each linked film's rating field."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chat_rec.agent.item_facts import item_facts
from chat_rec.catalog.load import load_catalog
from chat_rec.eval.crs_catalogs import RedialFiles, build_redial_catalog


def _files(tmp_path: Path) -> RedialFiles:
    movies = tmp_path / "movies.csv"
    movies.write_text("movieId,movieName\n111,Heat (1995)\n222,Alien (1979)\n333,Unlisted Film (2001)\n")
    metadata = tmp_path / "movies_w_keywords.csv"
    metadata.write_text(
        "movieId,title,genres,keyword\n6,Heat (1995),Action|Crime,heist\n1214,Alien (1979),Horror|Sci-Fi,space\n"
    )
    ratings = tmp_path / "ratings.csv"
    # Heat: 4 and 5 (mean 4.5, 2 ratings); Alien is linked but nobody rated it here; 999 is not in the catalog
    ratings.write_text("userId,movieId,rating,timestamp\n1,6,4.0,0\n2,6,5.0,0\n1,999,1.0,0\n")
    return RedialFiles(movies, metadata, ratings=ratings)


def test_ratings_become_the_rating_field_of_linked_films(tmp_path: Path) -> None:
    catalog_path, mapping_path, stats = build_redial_catalog(_files(tmp_path), tmp_path / "out")
    catalog = load_catalog(catalog_path, mapping_path).catalog
    by_title = {item.title: item for item in catalog.items}
    assert catalog.rating(by_title["Heat"]) == 4.5
    assert catalog.rating_count(by_title["Heat"]) == 2
    assert catalog.rating(by_title["Alien"]) is None and catalog.rating(by_title["Unlisted Film"]) is None
    assert stats["linked_to_ratings"] == 1
    facts = item_facts(catalog)
    assert sorted(facts.ratings.tolist()) == [0.0, 0.0, 4.5]  # 0 where the record has no rating
    assert facts.rating_counts.max() == np.float32(np.log1p(2))


def test_without_ratings_the_catalog_has_none_and_its_own_key(tmp_path: Path) -> None:
    files = _files(tmp_path)
    with_ratings, _, _ = build_redial_catalog(files, tmp_path / "out")
    plain = RedialFiles(files.movies, files.metadata)
    without, mapping_path, stats = build_redial_catalog(plain, tmp_path / "out")
    assert without != with_ratings  # a different key: neither run reuses the other's index
    catalog = load_catalog(without, mapping_path).catalog
    assert all(catalog.rating(item) is None for item in catalog.items)
    assert stats["linked_to_ratings"] == 0


def test_the_benchmark_scores_a_model_that_reads_ratings_only_with_ratings(tmp_path: Path) -> None:
    from chat_rec.agent.learned import RATING_INPUTS
    from chat_rec.eval.crs_run import redial_ranking
    from chat_rec.settings import BENCHMARK_RANKING, BENCHMARK_RANKING_WITHOUT_RATINGS

    ratings = tmp_path / "ratings.csv"
    default, note = redial_ranking(None, ratings)
    assert default.version == BENCHMARK_RANKING.name and set(RATING_INPUTS) <= set(default.inputs)
    assert note is None
    fallback, note = redial_ranking(None, None)  # no ratings: every film would look unrated
    assert fallback.version == BENCHMARK_RANKING_WITHOUT_RATINGS.name
    assert not set(RATING_INPUTS) & set(fallback.inputs) and fallback.booster() is not None
    assert note is not None and "--ratings" in note and default.version in note
    named, note = redial_ranking(BENCHMARK_RANKING, None)  # a ranking the user names is scored, with a warning
    assert named.version == default.version and note is not None and "--ratings" in note
    plain, note = redial_ranking(BENCHMARK_RANKING_WITHOUT_RATINGS, None)
    assert plain.version == fallback.version and note is None


def test_a_ratings_file_in_another_layout_says_what_to_pass(tmp_path: Path) -> None:
    import pytest

    from chat_rec.errors import InputError

    files = _files(tmp_path)
    assert files.ratings is not None
    files.ratings.write_text("user,film,stars\n1,6,4\n")
    with pytest.raises(InputError, match="cannot read ratings") as caught:
        build_redial_catalog(files, tmp_path / "out")
    assert "userId,movieId,rating" in str(caught.value.hint)
    files.ratings.write_text("userId,movieId,rating\n1,6,four\n")
    with pytest.raises(InputError, match="cannot read ratings"):
        build_redial_catalog(files, tmp_path / "out")
