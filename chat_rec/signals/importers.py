"""Read interaction logs into events linked to catalog items, with a validation report.

Three kinds, named in a small YAML mapping (``kind:``):

- ``events``: any CSV/TSV/JSONL/Parquet with a session (user) column, an item id and/or
  title column, and an event type or a rating, optionally a timestamp;
- ``movielens``: ``ratings.csv`` (userId, movieId, rating, timestamp) plus the
  ``movies.csv`` next to it for titles;
- ``redial``: ReDial-style dialogs (JSONL); the movies mentioned in one dialog are one
  session (co-mentions), each mention one event.

Items are linked by id when the id is in the catalog, otherwise through the catalog's
:class:`TitleLinker`. Nothing is dropped silently: every unlinked row is counted with
its reason, and the report lists examples.

Deliberately left out: streaming logs larger than memory.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chat_rec.catalog.items import Catalog
from chat_rec.catalog.load import split_title
from chat_rec.catalog.titles import TitleLinker, normalise, split_year
from chat_rec.errors import CatalogError
from chat_rec.signals.collab import EVENT_COLUMNS


class InteractionMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["events", "movielens", "redial"] = "events"
    source: str | None = None  # name of the signal source; defaults to the file stem
    format: Literal["csv", "tsv", "jsonl", "parquet"] | None = None
    session: str = "user_id"
    item_id: str | None = "item_id"
    item_title: str | None = None
    event: str | None = None
    rating: str | None = None
    timestamp: str | None = None
    timestamp_unit: Literal["s", "ms", "iso"] = "s"
    event_weights: dict[str, float] = Field(default_factory=lambda: {"like": 1.0, "seen": 0.5, "dislike": -1.0})
    rating_center: float = 2.5  # weight = rating - center: low ratings count against an item
    items_file: str | None = None  # movielens: movies.csv (id -> title), relative to the log
    link_by: Literal["auto", "id", "title"] = "auto"
    min_title_score: float = 0.9
    weight: float = 1.0  # how much this source counts when mixed with others


def load_interaction_mapping(path: Path | None, kind: str | None = None) -> InteractionMapping:
    if path is None:
        return InteractionMapping(kind=kind or "events")  # type: ignore[arg-type]
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return InteractionMapping.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read interaction mapping {path}: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(f"interaction mapping {path}: {where}: {first['msg']}") from exc


@dataclass
class IngestReport:
    source: str
    rows_read: int = 0
    events: int = 0
    sessions: int = 0
    items: int = 0
    linked_by_id: int = 0
    linked_by_title: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, reason: str, example: str) -> None:
        self.problems[reason] += 1
        bucket = self.examples.setdefault(reason, [])
        if len(bucket) < 5:
            bucket.append(example)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "events": self.events,
            "sessions": self.sessions,
            "items": self.items,
            "linked_by_id": self.linked_by_id,
            "linked_by_title": self.linked_by_title,
            "problems": dict(self.problems),
            "examples": self.examples,
        }

    def summary(self) -> str:
        bad = sum(self.problems.values())
        text = (
            f"{self.source}: {self.events} events from {self.rows_read} rows "
            f"({self.sessions} sessions, {self.items} items; {self.linked_by_id} linked by id, "
            f"{self.linked_by_title} by title); {bad} row(s) skipped"
        )
        for reason, count in self.problems.most_common():
            text += f"\n  {count} x {reason}: e.g. {', '.join(self.examples.get(reason, [])[:3])}"
        return text


class _Linker:
    def __init__(self, catalog: Catalog, mapping: InteractionMapping, report: IngestReport) -> None:
        self.catalog = catalog
        self.mapping = mapping
        self.report = report
        self._titles: TitleLinker | None = None
        self._cache: dict[str, str | None] = {}

    def _disagrees(self, item_id: str, title: Any) -> bool:
        if not title or not isinstance(title, str):
            return False
        item = self.catalog.by_id[item_id]
        return not _same_title(item.title, split_title(title, "article_suffix_with_year")[0])

    def __call__(self, item_id: Any, title: Any) -> str | None:
        item_id = None if item_id is None or (isinstance(item_id, float) and pd.isna(item_id)) else str(item_id)
        if item_id is not None and item_id.endswith(".0") and item_id[:-2].isdigit():
            item_id = item_id[:-2]
        # in "auto" mode a title that disagrees means the ids come from another id space
        if (
            item_id is not None
            and self.mapping.link_by in ("auto", "id")
            and item_id in self.catalog
            and (self.mapping.link_by == "id" or not self._disagrees(item_id, title))
        ):
            self.report.linked_by_id += 1
            return item_id
        if self.mapping.link_by == "id" or not title or not isinstance(title, str):
            self.report.problem("unknown item id", str(item_id))
            return None
        if title not in self._cache:
            if self._titles is None:
                self._titles = TitleLinker(self.catalog)
            links = self._titles.link(title, limit=1)
            ok = links and links[0].score >= self.mapping.min_title_score
            self._cache[title] = links[0].item_id if ok else None
        found = self._cache[title]
        if found is None:
            self.report.problem("title not in the catalog", title)
            return None
        self.report.linked_by_title += 1
        return found


def _same_title(a: str, b: str) -> bool:
    return normalise(split_year(a)[0]) == normalise(split_year(b)[0])


def _timestamp(value: Any, unit: str) -> float:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return float("nan")
    if unit == "iso":
        return float(pd.Timestamp(str(value)).timestamp())
    number = float(value)
    return number / 1000.0 if unit == "ms" else number


def _read_table(path: Path, fmt: str | None) -> pd.DataFrame:
    fmt = fmt or path.suffix.lstrip(".").lower().replace("json", "jsonl").replace("jsonll", "jsonl")
    if fmt in ("csv", "tsv"):
        return pd.read_csv(path, sep="\t" if fmt == "tsv" else ",", dtype=str, keep_default_na=False)
    if fmt == "jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    if fmt == "parquet":
        return pd.read_parquet(path)
    raise CatalogError(f"cannot tell the format of {path.name}", "Set 'format:' in the interaction mapping.")


def _finish(rows: list[tuple[str, str, float, float]], report: IngestReport) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["session", "item_id", "weight", "timestamp"])
    frame.insert(0, "source", report.source)
    frame = frame[list(EVENT_COLUMNS)]
    report.events = len(frame)
    report.sessions = int(frame["session"].nunique())
    report.items = int(frame["item_id"].nunique())
    return frame


def read_redial(path: Path, catalog: Catalog, mapping: InteractionMapping, report: IngestReport) -> pd.DataFrame:
    link = _Linker(catalog, mapping, report)
    rows: list[tuple[str, str, float, float]] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            report.rows_read += 1
            try:
                dialog = json.loads(line)
                mentions: dict[str, str] = dialog.get("movieMentions") or {}
            except (json.JSONDecodeError, AttributeError):
                report.problem("not a JSON dialog", f"line {lineno}")
                continue
            if isinstance(mentions, list):  # some ReDial dumps store [[id, title], ...]
                mentions = {str(k): str(v) for k, v in mentions}
            session = f"dialog:{dialog.get('conversationId', lineno)}"
            order = [m for t in dialog.get("messages", []) for m in re.findall(r"@(\d+)", str(t.get("text", "")))]
            seen: set[str] = set()
            for movie_id in [*order, *mentions]:
                if movie_id in seen:
                    continue
                seen.add(movie_id)
                item = link(movie_id, re.sub(r"\s+", " ", str(mentions.get(movie_id) or "")).strip())
                if item is not None:
                    rows.append((session, item, 1.0, float("nan")))
    return _finish(rows, report)


def read_movielens(path: Path, catalog: Catalog, mapping: InteractionMapping, report: IngestReport) -> pd.DataFrame:
    ratings = pd.read_csv(path, dtype={"userId": str, "movieId": str})
    report.rows_read = len(ratings)
    movies_path = Path(mapping.items_file) if mapping.items_file else path.parent / "movies.csv"
    if not movies_path.is_absolute():
        movies_path = path.parent / movies_path
    titles: dict[str, str] = {}
    if movies_path.exists():
        movies = pd.read_csv(movies_path, dtype=str, keep_default_na=False)
        titles = dict(zip(movies["movieId"], movies["title"]))
    link = _Linker(catalog, mapping, report)
    item_of = {m: link(m, titles.get(m)) for m in ratings["movieId"].unique()}
    rows: list[tuple[str, str, float, float]] = []
    for user, movie, rating, stamp in zip(
        ratings["userId"], ratings["movieId"], ratings["rating"], ratings["timestamp"]
    ):
        item = item_of[movie]
        if item is not None:
            rows.append((f"user:{user}", item, float(rating) - mapping.rating_center, float(stamp)))
    unlinked = sum(1 for m in ratings["movieId"] if item_of[m] is None)
    if unlinked:
        report.problems["rating of an unlinked movie"] = unlinked
    return _finish(rows, report)


def read_events(path: Path, catalog: Catalog, mapping: InteractionMapping, report: IngestReport) -> pd.DataFrame:
    frame = _read_table(path, mapping.format)
    report.rows_read = len(frame)
    needed = [c for c in [mapping.session, mapping.item_id, mapping.item_title, mapping.event, mapping.rating] if c]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise CatalogError(
            f"{path.name} has no column(s) {missing}; it has {list(frame.columns)[:20]}",
            "Fix the column names in the interaction mapping.",
        )
    link = _Linker(catalog, mapping, report)
    rows: list[tuple[str, str, float, float]] = []
    for lineno, record in enumerate(frame.to_dict(orient="records"), start=2):
        session = record.get(mapping.session)
        if session is None or str(session).strip() == "":
            report.problem("missing session/user id", f"row {lineno}")
            continue
        weight = 1.0
        if mapping.event:
            kind = str(record.get(mapping.event, "")).strip().lower()
            if kind not in mapping.event_weights:
                report.problem("unknown event type", kind or f"row {lineno}")
                continue
            weight = mapping.event_weights[kind]
        elif mapping.rating:
            try:
                weight = float(record.get(mapping.rating)) - mapping.rating_center  # type: ignore[arg-type]
            except (TypeError, ValueError):
                report.problem("rating is not a number", f"row {lineno}")
                continue
        try:
            stamp = _timestamp(record.get(mapping.timestamp) if mapping.timestamp else None, mapping.timestamp_unit)
        except (TypeError, ValueError):
            report.problem("bad timestamp", f"row {lineno}")
            continue
        item = link(
            record.get(mapping.item_id) if mapping.item_id else None,
            record.get(mapping.item_title) if mapping.item_title else None,
        )
        if item is not None:
            rows.append((str(session), item, weight, stamp))
    return _finish(rows, report)


def read_interactions(path: Path, catalog: Catalog, mapping: InteractionMapping) -> tuple[pd.DataFrame, IngestReport]:
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"interaction log not found: {path}")
    report = IngestReport(source=mapping.source or path.stem)
    reader = {"redial": read_redial, "movielens": read_movielens, "events": read_events}[mapping.kind]
    frame = reader(path, catalog, mapping, report)
    return frame, report
