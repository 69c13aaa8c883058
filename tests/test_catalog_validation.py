"""Bring-your-own-catalog validation: every bad row is reported (file, row, reason), good
rows still load, ``strict`` fails; the same for CSV, JSONL and Parquet. Tiny fixture files
are written in tmp_path."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from chat_rec.catalog.active import collection_name, read_active, resolve_catalog, resolve_collection, write_active
from chat_rec.catalog.load import load_catalog, split_title
from chat_rec.catalog.mapping import Mapping, load_mapping
from chat_rec.catalog.report import field_stats, summary_line, write_report
from chat_rec.errors import CatalogError
from chat_rec.settings import Settings

MAPPING = {
    "name": "tiny shop",
    "id": "sku",
    "title": "name",
    "text": "{title}. {description}",
    "fields": {
        "description": {"type": "string"},
        "price": {"type": "float"},
        "stock": {"type": "int"},
        "tags": {"type": "list"},
        "released": {"type": "date"},
    },
    "roles": {"description": "description", "tags": "tags"},
}

GOOD = [
    {
        "sku": "a1",
        "name": "Red kettle",
        "description": "Boils fast",
        "price": "19.5",
        "stock": "3",
        "tags": "kitchen|red",
        "released": "2021-03-04",
    },
    {
        "sku": "a2",
        "name": "Blue mug",
        "description": "Holds tea",
        "price": "4",
        "stock": "10",
        "tags": "kitchen",
        "released": "2020-01-01",
    },
]
BAD = [
    (
        {"sku": "", "name": "No id", "description": "x", "price": "1", "stock": "1", "tags": "", "released": ""},
        "missing id",
    ),
    (
        {"sku": "a1", "name": "Dup", "description": "y", "price": "1", "stock": "1", "tags": "", "released": ""},
        "duplicate id",
    ),
    (
        {
            "sku": "a3",
            "name": "Bad price",
            "description": "z",
            "price": "cheap",
            "stock": "1",
            "tags": "",
            "released": "",
        },
        "cannot read",
    ),
    (
        {"sku": "a4", "name": "Half", "description": "z", "price": "1", "stock": "2.5", "tags": "", "released": ""},
        "cannot read",
    ),
]


def _mapping(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(json.dumps({**MAPPING, **changes}), encoding="utf-8")  # JSON is YAML
    return path


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_bad_rows_are_reported_and_good_rows_load(tmp_path: Path, fmt: str) -> None:
    rows = [GOOD[0], *(r for r, _ in BAD), GOOD[1]]
    path = tmp_path / f"shop.{fmt}"
    if fmt == "csv":
        _write_csv(path, rows)
    elif fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    else:
        pd.DataFrame(rows).to_parquet(path)
    result = load_catalog(path, _mapping(tmp_path))
    assert [i.id for i in result.catalog.items] == ["a1", "a2"]
    assert result.rows_read == len(rows)
    assert len(result.problems) == len(BAD)
    first_data_row = 2 if fmt == "csv" else 1  # CSV counts the header as line 1
    for problem, (_, reason) in zip(result.problems, BAD):
        assert problem.file == path.name
        assert reason in problem.reason
    assert [p.row for p in result.problems] == [first_data_row + i for i in range(1, 1 + len(BAD))]
    kettle = result.catalog.by_id["a1"]
    assert kettle.fields == {
        "description": "Boils fast",
        "price": 19.5,
        "stock": 3,
        "tags": ["kitchen", "red"],
        "released": "2021-03-04",
    }
    with pytest.raises(CatalogError, match="bad row"):
        load_catalog(path, _mapping(tmp_path), strict=True)


def test_empty_text_and_bad_encoding_and_broken_json(tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, text="{description}")
    path = tmp_path / "shop.csv"
    _write_csv(path, [GOOD[0], {**GOOD[1], "sku": "e1", "description": "  "}])
    with open(path, "ab") as fh:  # latin-1 bytes: not UTF-8
        fh.write("e2,Caf\xe9 cr\xe8me,Fran\xe7ais,1,1,,\n".encode("latin-1"))
    result = load_catalog(path, mapping)
    reasons = {p.row: p.reason for p in result.problems}
    assert list(result.catalog.by_id) == ["a1"]
    assert "empty text" in reasons[3]
    assert "bad encoding" in reasons[4]

    jpath = tmp_path / "shop.jsonl"
    jpath.write_text(json.dumps(GOOD[0]) + "\n{not json\n[1, 2]\n\n" + json.dumps(GOOD[1]) + "\n", encoding="utf-8")
    result = load_catalog(jpath, _mapping(tmp_path))
    assert [(p.row, p.reason.split(" (")[0]) for p in result.problems] == [
        (2, "not valid JSON"),
        (3, "line is not a JSON object"),
    ]
    assert len(result.catalog) == 2


def test_mapping_rejects_unknown_keys_and_unknown_role_fields(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="colour"):
        load_mapping(_mapping(tmp_path, colour="red"))
    with pytest.raises(CatalogError, match="not declared"):
        load_mapping(_mapping(tmp_path, roles={"year": "year"}))
    with pytest.raises(CatalogError, match="not found"):
        load_mapping(tmp_path / "missing.yaml")


def test_missing_columns_and_no_valid_rows_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    _write_csv(path, [{"id": "1", "name": "x"}])
    with pytest.raises(CatalogError, match="no column"):
        load_catalog(path, _mapping(tmp_path))


def test_report_file_csv_and_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    _write_csv(path, [GOOD[0], *(r for r, _ in BAD)])
    result = load_catalog(path, _mapping(tmp_path))
    as_csv = write_report(result.problems, tmp_path / "out" / "report.csv")
    rows = list(csv.DictReader(as_csv.open(encoding="utf-8")))
    assert [r["row"] for r in rows] == ["3", "4", "5", "6"] and rows[0]["file"] == "shop.csv"
    as_jsonl = write_report(result.problems, tmp_path / "report.jsonl")
    lines = [json.loads(line) for line in as_jsonl.read_text(encoding="utf-8").splitlines()]
    assert lines[1]["reason"].startswith("duplicate id 'a1'")
    line = summary_line(result, path, as_csv)
    assert "1 of 5 rows loaded, 4 problem(s)" in line and "1 missing id" in line and "report.csv" in line


def test_field_stats(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    _write_csv(path, GOOD)
    stats = {s.name: s for s in field_stats(load_catalog(path, _mapping(tmp_path)).catalog)}
    assert (stats["price"].low, stats["price"].high) == ("4.0", "19.5")
    assert stats["released"].low == "2020-01-01"
    assert stats["tags"].top[0] == ("kitchen", 2) and stats["tags"].distinct == 2


def test_movielens_title_format() -> None:
    assert split_title("Matrix, The (1999)", "article_suffix_with_year") == ("The Matrix", 1999)
    assert split_title("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "article_suffix_with_year") == (
        "Amelie (Fabuleux destin d'Amélie Poulain, Le)",
        2001,
    )
    assert split_title("Homme, L' (1990)", "article_suffix_with_year") == ("L'Homme", 1990)
    assert split_title("Babylon 5", "article_suffix_with_year") == ("Babylon 5", None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("demo-movies", "demo-movies"),
        ("My Shop: Spring 2025!", "My-Shop-Spring-2025"),
        ("a", "catalog-a"),
        ("..x..", "catalog-x"),
        ("ünïcode ok", "unicode-ok"),
        ("10.0.0.1", "c-10.0.0.1"),
        ("x" * 600, "x" * 512),
    ],
)
def test_collection_names_follow_chroma_rules(raw: str, expected: str) -> None:
    assert collection_name(raw) == expected


def test_active_catalog_is_used_unless_catalog_is_explicit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAT_REC_CATALOG", raising=False)
    monkeypatch.delenv("CHAT_REC_COLLECTION", raising=False)
    settings = Settings(home=tmp_path)
    assert resolve_catalog(settings) is settings
    write_active(settings, tmp_path / "shop.csv", tmp_path / "map.yaml", collection="tiny-shop")
    assert read_active(settings)["collection"] == "tiny-shop"  # type: ignore[index]
    resolved = resolve_catalog(settings)
    assert resolved.catalog == (tmp_path / "shop.csv").resolve()
    assert resolved.catalog_mapping == (tmp_path / "map.yaml").resolve()
    explicit = Settings(home=tmp_path, catalog=tmp_path / "other.jsonl")
    assert resolve_catalog(explicit).catalog == tmp_path / "other.jsonl"
    monkeypatch.setenv("CHAT_REC_CATALOG", str(tmp_path / "env.jsonl"))
    assert resolve_catalog(Settings(home=tmp_path)).catalog == tmp_path / "env.jsonl"
    mapping = Mapping.model_validate(MAPPING)
    assert resolve_collection(settings, mapping).collection == "tiny-shop"
    assert resolve_collection(Settings(home=tmp_path, collection="mine"), mapping).collection == "mine"


def test_where_filters_for_catalog_search() -> None:
    from chat_rec.catalog.items import Catalog, Item
    from chat_rec.catalog.where import matches, parse_where
    from chat_rec.errors import ConfigError

    mapping = Mapping.model_validate(
        {
            "name": "shop",
            "id": "id",
            "title": "title",
            "text": "{title}",
            "fields": {"year": {"type": "int"}, "genres": {"type": "list"}, "out": {"type": "date"}},
        }
    )
    items = [
        Item("a", "A", "A", {"year": 1985, "genres": ["Comedy", "Drama"], "out": "1985-06-01"}),
        Item("b", "B", "B", {"year": 1999, "genres": ["Horror"], "out": "1999-12-31"}),
        Item("c", "C", "C", {"year": None, "genres": [], "out": None}),
    ]
    catalog = Catalog(items, mapping)

    def ids(*exprs: str) -> list[str]:
        conditions = parse_where(list(exprs), catalog)
        return [i.id for i in items if matches(i, conditions)]

    assert ids("year>=1990") == ["b"]
    assert ids("year < 1990") == ["a"]
    assert ids("genres=comedy") == ["a"]  # a list: contains, case-insensitive
    assert ids("genres!=Comedy") == ["b", "c"]
    assert ids("year!=1999") == ["a", "c"]  # a missing value is "not 1999"
    assert ids("out>=1990-01-01", "genres=Horror") == ["b"]
    assert ids() == ["a", "b", "c"]
    with pytest.raises(ConfigError, match="no field 'yr'"):
        parse_where(["yr>1990"], catalog)
    with pytest.raises(ConfigError, match="not a valid int"):
        parse_where(["year>nineties"], catalog)
    with pytest.raises(ConfigError, match="take = or != only"):
        parse_where(["genres>Comedy"], catalog)
    with pytest.raises(ConfigError, match="not FIELD OP VALUE"):
        parse_where(["year"], catalog)
