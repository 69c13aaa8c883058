"""The catalog importer and the mapping validator over broken input.

Every row of a catalog file becomes an item or a reported problem (file, row, reason),
never a traceback; a mapping file that cannot work is a CatalogError saying which key to
fix, before any row is read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat_rec.catalog.load import load_catalog
from chat_rec.catalog.mapping import Mapping, load_mapping
from chat_rec.errors import CatalogError

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
MAPPING = {
    "name": "fuzz",
    "id": "id",
    "title": "title",
    "text": "{title}. {year}. {genres}. {description}",
    "fields": {
        "year": {"type": "int"},
        "genres": {"type": "list"},
        "description": {"type": "string"},
        "rating": {"type": "float"},
        "released": {"type": "date"},
    },
    "roles": {"year": "year", "categories": "genres", "description": "description"},
}
GOOD_ROW = {"id": "a", "title": "Alien", "year": 1979, "genres": ["Horror"], "description": "In space."}

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(
        ["1979", "1979.5", "nan", "inf", "-", "[", "[1, 2", '["a", {"b": 1}]', "{}", "2026-13-45", "\ufffd"]
    ),
    st.integers(1, 5000).map(lambda n: "[" * n + "]" * n),  # nesting json.loads cannot hold
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
rows = st.fixed_dictionaries(
    {},
    optional={k: cells for k in ["id", "title", "year", "genres", "description", "rating", "released", "other"]},
)


def write_mapping(tmp_path: Path, fmt: str, **changes: object) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({**MAPPING, "format": fmt, **changes}), encoding="utf-8")
    return path


def check(result_or_error: object, n_rows: int) -> None:
    """Every row is an item or a problem, each problem names its file and row."""
    from chat_rec.catalog.load import LoadResult

    if isinstance(result_or_error, CatalogError):
        assert "->" in str(result_or_error)
        return
    assert isinstance(result_or_error, LoadResult)
    result = result_or_error
    assert len(result.catalog.items) + len(result.problems) == result.rows_read
    assert result.rows_read <= n_rows
    for problem in result.problems:
        assert problem.row >= 1 and problem.reason


def load(path: Path, mapping: Path) -> object:
    try:
        return load_catalog(path, mapping)
    except CatalogError as exc:
        return exc


@FUZZ
@given(table=st.lists(rows, max_size=12))
def test_jsonl_rows_become_items_or_problems(tmp_path: Path, table: list[dict[str, object]]) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join([json.dumps(GOOD_ROW), *(json.dumps(r, default=str) for r in table)]), encoding="utf-8")
    result = load(path, write_mapping(tmp_path, "jsonl"))
    check(result, len(table) + 1)
    assert not isinstance(result, CatalogError)  # the good row always loads


@FUZZ
@given(lines=st.lists(st.binary(max_size=80) | st.text(max_size=80).map(str.encode), max_size=10))
def test_jsonl_garbage_lines_are_reported(tmp_path: Path, lines: list[bytes]) -> None:
    path = tmp_path / "c.jsonl"
    clean = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    path.write_bytes(b"\n".join([json.dumps(GOOD_ROW).encode(), *clean]))
    check(load(path, write_mapping(tmp_path, "jsonl")), len(lines) + 1)


@FUZZ
@given(body=st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_csv_garbage_loads_or_fails_cleanly(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"id,title,year,genres,description\n1,Alien,1979,Horror|Sci-Fi,In space.\n" + body)
    check(load(path, write_mapping(tmp_path, "csv")), 10**6)


@FUZZ
@given(
    text=st.text(max_size=60)
    | st.sampled_from(["{0}", "{title.__class__}", "{title[0]}", "{", "}", "{nope}", "{title!r:>9999999}"])
)
def test_text_templates_are_checked_when_the_mapping_loads(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(GOOD_ROW), encoding="utf-8")
    try:
        mapping = load_mapping(write_mapping(tmp_path, "jsonl", text=text))
    except CatalogError as exc:
        assert "text" in str(exc) and "->" in str(exc)
        return
    check(load(path, mapping if isinstance(mapping, Path) else write_mapping(tmp_path, "jsonl", text=text)), 1)


@pytest.mark.parametrize("text", ["{0}", "{title.__class__.__mro__}", "{title[0]}", "{title", "{unknown_field}"])
def test_bad_text_template_names_the_key(tmp_path: Path, text: str) -> None:
    with pytest.raises(CatalogError, match=r"mapping file .*text"):
        load_mapping(write_mapping(tmp_path, "jsonl", text=text))


mapping_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=15),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=15,
)


@FUZZ
@given(
    changes=st.dictionaries(
        st.sampled_from([*MAPPING, "format", "synonyms", "opposites", "title_format", "x"]), mapping_values, max_size=3
    )
)
def test_any_mapping_validates_or_names_the_key(tmp_path: Path, changes: dict[str, object]) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({**MAPPING, **changes}), encoding="utf-8")
    try:
        mapping = load_mapping(path)
    except CatalogError as exc:
        assert "->" in str(exc)
        return
    assert isinstance(mapping, Mapping)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_mapping_file_garbage_is_a_catalog_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(raw)
    with pytest.raises(CatalogError):
        load_mapping(path)
