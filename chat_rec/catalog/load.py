"""Read a catalog file (CSV, TSV, JSONL, Parquet) through a mapping into items.

Every row either becomes an item or becomes a :class:`RowProblem` with the file, row
number and reason: nothing is dropped silently. ``strict=True`` turns the first problem
into an error instead.

Deliberately left out: streaming very large files in chunks (62k rows load in about a
second) and type coercion beyond the five declared field types.
"""

from __future__ import annotations

import json
import math
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from chat_rec.catalog.items import Catalog, Item, Value
from chat_rec.catalog.mapping import FieldSpec, Mapping, load_mapping
from chat_rec.errors import CatalogError

_YEAR_SUFFIX = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:[-–]\d{0,4})?\)\s*$")
_ARTICLE_SUFFIX = re.compile(r"^(?P<body>.*), (?P<article>The|A|An|Les|Le|La|L'|Il|El|Der|Die|Das)$")


@dataclass(frozen=True)
class RowProblem:
    file: str
    row: int  # 1-based line number in the file (CSV/TSV count the header as line 1)
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.reason}"


@dataclass
class LoadResult:
    catalog: Catalog
    problems: list[RowProblem]
    rows_read: int


def split_title(raw: str, title_format: str) -> tuple[str, int | None]:
    """'Matrix, The (1999)' -> ('The Matrix', 1999) for the MovieLens style."""
    title, year = raw.strip(), None
    if title_format == "plain":
        return title, None
    match = _YEAR_SUFFIX.match(title)
    if match:
        title, year = match.group("title").strip(), int(match.group("year"))
    if title_format == "article_suffix_with_year":
        art = _ARTICLE_SUFFIX.match(title)
        if art:
            sep = "" if art.group("article").endswith("'") else " "
            title = f"{art.group('article')}{sep}{art.group('body')}"
    return title, year


def _read_frame(path: Path, fmt: str) -> pd.DataFrame:
    if fmt in ("csv", "tsv"):
        return pd.read_csv(
            path,
            sep="\t" if fmt == "tsv" else ",",
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
            encoding_errors="replace",
        )
    if fmt == "parquet":
        return pd.read_parquet(path)
    raise CatalogError(f"unsupported format {fmt!r}")


def _read_jsonl(path: Path, problems: list[RowProblem]) -> list[tuple[int, dict[str, Any]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(RowProblem(path.name, lineno, f"not valid JSON ({exc.msg})"))
                continue
            except RecursionError:
                problems.append(RowProblem(path.name, lineno, "JSON nested too deeply"))
                continue
            if not isinstance(obj, dict):
                problems.append(RowProblem(path.name, lineno, "line is not a JSON object"))
                continue
            rows.append((lineno, obj))
    return rows


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_value(raw: Any, spec: FieldSpec) -> Value:
    """Convert one cell to the declared type; raises ValueError with a readable reason."""
    if _is_missing(raw):
        return None
    if spec.type == "string":
        return str(raw).strip()
    if spec.type == "int":
        number = float(str(raw).strip())
        if not number.is_integer():
            raise ValueError(f"{raw!r} is not a whole number")
        return int(number)
    if spec.type == "float":
        return float(str(raw).strip())
    if spec.type == "date":
        stamp = pd.Timestamp(str(raw).strip())
        if not 1 <= stamp.year <= 9999:  # pandas parses years that Python's date cannot hold
            raise ValueError(f"{raw!r} is not a date between years 1 and 9999")
        return stamp.date().isoformat()
    # list
    if isinstance(raw, (list, tuple)) or hasattr(raw, "tolist"):
        values = list(raw.tolist() if hasattr(raw, "tolist") else raw)
    else:
        text = str(raw).strip()
        if text.startswith("["):
            values = json.loads(text)
        else:
            values = text.split(spec.sep)
    if spec.json_key:
        values = [v.get(spec.json_key) if isinstance(v, dict) else v for v in values]
    return [str(v).strip() for v in values if not _is_missing(v)]


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render_text(template: str, title: str, fields: dict[str, Value]) -> str:
    values = _Blank(title=title)
    for name, value in fields.items():
        values[name] = ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    text = string.Formatter().vformat(template, (), values)
    return re.sub(r"\s+", " ", text).strip()


def _build_item(row: dict[str, Any], mapping: Mapping) -> Item:
    raw_id = row.get(mapping.id)
    if _is_missing(raw_id):
        raise ValueError(f"missing id (column {mapping.id!r})")
    raw_title = row.get(mapping.title)
    if _is_missing(raw_title):
        raise ValueError(f"missing title (column {mapping.title!r})")
    title, title_year = split_title(str(raw_title), mapping.title_format)
    fields: dict[str, Value] = {}
    for name, spec in mapping.fields.items():
        column = spec.column or name
        try:
            fields[name] = parse_value(row.get(column), spec)
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # RecursionError: "[[[[...]]]]"
            shown = repr(row.get(column))
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise ValueError(f"column {column!r}: cannot read {shown} as {spec.type}") from exc
    year_field = mapping.roles.year
    if title_year is not None and year_field and fields.get(year_field) is None:
        fields[year_field] = title_year
    text = render_text(mapping.text, title, fields)
    if not text:
        raise ValueError("empty text after applying the mapping's text template")
    for value in [title, text]:
        if "\ufffd" in value:
            raise ValueError("bad encoding (not UTF-8)")
    item_id = str(raw_id).strip()
    if isinstance(raw_id, float) and raw_id.is_integer():
        item_id = str(int(raw_id))
    return Item(id=item_id, title=title, text=text, fields=fields)


def load_catalog(path: Path, mapping: Mapping | Path, strict: bool = False) -> LoadResult:
    path = Path(path)
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    if not path.exists():
        raise CatalogError(f"catalog file not found: {path}", "Check the path, or omit it to use the built-in catalog.")
    fmt = mapping.format or path.suffix.lstrip(".").lower().replace("json", "jsonl").replace("jsonll", "jsonl")
    if fmt not in ("csv", "tsv", "jsonl", "parquet"):
        raise CatalogError(f"cannot tell the format of {path.name}", "Set 'format:' in the mapping file.")
    problems: list[RowProblem] = []
    if fmt == "jsonl":
        numbered = _read_jsonl(path, problems)
    else:
        try:
            frame = _read_frame(path, fmt)
        except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            # a malformed CSV (an unclosed quote, a row with too many cells) or a broken Parquet file
            raise CatalogError(
                f"cannot read {path.name} as {fmt}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                f"Check the file is valid {fmt.upper()} (or set 'format:' in the mapping).",
            ) from exc
        missing = [c for c in [mapping.id, mapping.title] if c not in frame.columns]
        if missing:
            raise CatalogError(
                f"{path.name} has no column(s) {missing}; it has {list(frame.columns)[:20]}",
                "Fix 'id:'/'title:' in the mapping file to name real columns.",
            )
        offset = 1 if fmt == "parquet" else 2
        numbered = [
            (i + offset, {str(k): v for k, v in row.items()}) for i, row in enumerate(frame.to_dict(orient="records"))
        ]
    rows_read = len(numbered) + len(problems)  # unreadable JSONL lines are rows too
    items: list[Item] = []
    seen: dict[str, int] = {}
    for lineno, row in numbered:
        try:
            item = _build_item(row, mapping)
        except ValueError as exc:
            problems.append(RowProblem(path.name, lineno, str(exc)))
            continue
        if item.id in seen:
            problems.append(
                RowProblem(path.name, lineno, f"duplicate id {item.id!r} (first seen on row {seen[item.id]})")
            )
            continue
        seen[item.id] = lineno
        items.append(item)
    if strict and problems:
        raise CatalogError(f"{len(problems)} bad row(s); first: {problems[0]}", "Fix the rows or drop --strict.")
    if not items:
        raise CatalogError(f"no valid rows in {path.name}", "Check the mapping's column names against the file.")
    return LoadResult(Catalog(items, mapping), problems, rows_read=rows_read)
