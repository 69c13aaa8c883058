"""The mapping file: how a catalog's columns become chat-rec items.

A mapping is a small YAML file that product teams write by hand, so it is validated
strictly (unknown keys are rejected). It names the id and title columns, a text
template for the embedding, typed metadata fields, and *roles*: which field plays
"year", "duration", "categories", ... for the agent. Roles are how the agent stays
domain-neutral: it never knows it is looking at movies.

Deliberately left out: joins across several files and computed columns beyond the
title parsers below.
"""

from __future__ import annotations

import hashlib
import string
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chat_rec.errors import CatalogError

FieldType = Literal["string", "list", "int", "float", "date"]


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: FieldType = "string"
    column: str | None = None  # defaults to the field's own name
    sep: str = "|"  # list separator when the column holds text
    json_key: str | None = None  # for list columns holding JSON objects: take this key


class Roles(BaseModel):
    """Which fields the agent may use for what. Every role is optional."""

    model_config = ConfigDict(extra="forbid")

    year: str | None = None
    duration: str | None = None  # minutes
    categories: str | None = None  # e.g. genres
    people: list[str] = Field(default_factory=list)  # e.g. director, cast
    tags: str | None = None
    language: str | None = None
    description: str | None = None
    popularity: str | None = None
    rating: str | None = None  # mean rating people gave the item (stars, 1-10): a learned ranker's input
    rating_count: str | None = None  # how many ratings that mean is over (how far to trust it)
    aliases: str | None = None  # other titles people type: "Seven" for "Se7en"


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    format: Literal["csv", "jsonl", "parquet", "tsv"] | None = None
    id: str
    title: str
    title_format: Literal["plain", "with_year", "article_suffix_with_year"] = "plain"
    text: str  # Python format string over field names, e.g. "{title} ({year}). {description}"
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    roles: Roles = Field(default_factory=Roles)
    # words people use for a category or tag value: {"sci-fi": "Science Fiction", "scary": "Horror"}
    synonyms: dict[str, str] = Field(default_factory=dict)
    # what asking for a tag or category counts against, softly: {"gentle": ["violent", "Horror"]}
    opposites: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _roles_name_fields(self) -> Mapping:
        known = set(self.fields) | {"title"}
        named = [
            self.roles.year,
            self.roles.duration,
            self.roles.categories,
            self.roles.tags,
            self.roles.language,
            self.roles.description,
            self.roles.popularity,
            self.roles.rating,
            self.roles.rating_count,
            self.roles.aliases,
            *self.roles.people,
        ]
        unknown = sorted({n for n in named if n is not None and n not in known})
        if unknown:
            raise ValueError(f"roles name fields that are not declared under 'fields': {unknown}")
        if self.title_format != "plain" and self.roles.year and self.roles.year not in self.fields:
            raise ValueError("title_format with a year needs the year field declared")
        self._check_text(known)
        return self

    def _check_text(self, known: set[str]) -> None:
        """``text`` may only name declared fields, plainly: "{year}", not "{0}",
        "{title.__class__}", "{cast[0]}" or "{year:>99999}" (each would fail, or worse, on
        every row)."""
        try:
            parts = list(string.Formatter().parse(self.text))
        except ValueError as exc:  # "{title" or a lone "}"
            raise ValueError(
                f"text template {self.text!r} is not a valid format string ({exc}); write {{{{ and }}}} for braces"
            ) from exc
        for _, name, spec, conversion in parts:
            if name is None:
                continue
            if name not in known:
                raise ValueError(
                    f"text template names {{{name}}}, which is not a declared field (have {sorted(known)})"
                )
            if spec or conversion:
                raise ValueError(
                    f"text template field {{{name}}} has a format spec or conversion; write plain {{{name}}}"
                )

    def digest(self) -> str:
        """How the embedded text is made: a change here re-embeds every row, so the index
        asks for an explicit rebuild. Fields, roles and synonyms are left out: each row's
        content hash already catches a field whose value changed, and roles and synonyms
        only steer how items and messages are read (adding an ``aliases`` role must not
        ask for a rebuild)."""
        made = self.model_dump_json(include={"id", "title", "title_format", "text"})
        return hashlib.sha256(made.encode()).hexdigest()[:16]


def load_mapping(path: Path) -> Mapping:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogError(f"mapping file not found: {path}", "Pass --mapping PATH to an existing YAML file.") from exc
    except UnicodeDecodeError as exc:
        raise CatalogError(f"mapping file {path} is not UTF-8 text ({exc.reason})", "Save it as UTF-8.") from exc
    except (yaml.YAMLError, RecursionError) as exc:
        raise CatalogError(f"mapping file {path} is not valid YAML: {exc}") from exc
    except OSError as exc:  # a folder, no permission, a broken disk
        raise CatalogError(
            f"cannot read the mapping file {path}: {exc}", "Check the path and its permissions."
        ) from exc
    if not isinstance(raw, dict):
        raise CatalogError(
            f"mapping file {path} holds {type(raw).__name__}, not a mapping of keys",
            "Start from catalog/movies.mapping.yaml.",
        )
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(
            f"mapping file {path}: {where}: {first['msg']}",
            "Fix that key (see catalog/movies.mapping.yaml for a complete example).",
        ) from exc
