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


def test_a_model_that_reads_ratings_warns_when_none_are_given(tmp_path: Path) -> None:
    from chat_rec.agent.rank import RankingConfig
    from chat_rec.eval.crs_run import ratings_warning

    reads = RankingConfig(version="vX-ltr", model="model.txt", inputs=["dense", "rating", "rating_count"])
    plain = RankingConfig(version="vY-ltr", model="model.txt", inputs=["dense", "listed_popularity"])
    warning = ratings_warning(reads, None)
    assert warning is not None and "--ratings" in warning and "vX-ltr" in warning
    assert ratings_warning(reads, tmp_path / "ratings.csv") is None
    assert ratings_warning(plain, None) is None
