from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from chat_rec.catalog.load import load_catalog, split_title
from chat_rec.errors import CatalogError
from chat_rec.memory.migrations import head
from chat_rec.memory.store import Store, TurnRecord

MAPPING = """
name: tiny
id: id
title: title
text: "{title}. {genres}. {about}"
fields:
  year: {type: int}
  genres: {type: list}
  about: {type: string}
roles: {year: year, categories: genres}
"""


def test_loader_reports_bad_rows_and_keeps_good_ones(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(MAPPING)
    rows = [
        {"id": "1", "title": "Good", "year": 2001, "genres": ["Drama"], "about": "fine"},
        {"id": "", "title": "No id", "year": 2001},
        {"id": "1", "title": "Dup", "year": 2002},
        {"id": "3", "title": "Bad year", "year": "soon"},
    ]
    lines = [json.dumps(r) for r in rows] + ["{not json"]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n")
    result = load_catalog(tmp_path / "c.jsonl", tmp_path / "map.yaml")
    assert [i.id for i in result.catalog.items] == ["1"]
    reasons = {p.row: p.reason for p in result.problems}
    assert "missing id" in reasons[2] and "duplicate" in reasons[3] and "as int" in reasons[4] and "JSON" in reasons[5]
    assert result.rows_read == 5
    with pytest.raises(CatalogError):
        load_catalog(tmp_path / "c.jsonl", tmp_path / "map.yaml", strict=True)


def test_mapping_rejects_unknown_keys(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(MAPPING + "colour: blue\n")
    (tmp_path / "c.jsonl").write_text('{"id": "1", "title": "x"}\n')
    with pytest.raises(CatalogError, match="colour"):
        load_catalog(tmp_path / "c.jsonl", tmp_path / "map.yaml")


def test_movielens_title_format() -> None:
    assert split_title("Matrix, The (1999)", "article_suffix_with_year") == ("The Matrix", 1999)
    assert split_title("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "with_year")[1] == 2001


def test_store_migrates_and_records_turns(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    assert store.db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head()
    turn_id = store.record_turn(
        TurnRecord(
            "u", "c", "hi", "reply", "recommend", recommendations=[("a", "r1"), ("b", "r2")], prompt_version="v1"
        )
    )
    store.add_feedback("u", "a", "like")
    row = store.db.execute("SELECT turn_id, prompt_version FROM feedback").fetchone()
    assert tuple(row) == (turn_id, "v1")
    store.add_feedback("u", "a", "dislike")
    assert store.feedback("u")["like"] == set() and store.feedback("u")["dislike"] == {"a"}
    assert store.shown_items("u", "c") == {"a", "b"}
    store.close()
    again = sqlite3.connect(tmp_path / "s.sqlite3")
    assert again.execute("SELECT COUNT(*) FROM recommendations").fetchone()[0] == 2
