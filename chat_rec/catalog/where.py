"""``--where`` filters for a quick look at a catalog: ``year>=1990``, ``genres=Comedy``.

A filter is ``FIELD OP VALUE`` over any field of the mapping, with OP one of
``= != < <= > >=``. On a list field, ``=`` means "contains" and ``!=`` "does not contain";
text compares case-insensitively; numbers and dates compare by value. Several filters
must all hold. Items without the field never pass (except ``!=``).

Filters are checked in Python against the loaded catalog, not by Chroma: the index
stores vectors and content hashes only (see ``index/chroma.py``).

Deliberately left out: OR, ranges in one expression, and regular expressions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from chat_rec.catalog.items import Catalog, Item
from chat_rec.errors import ConfigError

_EXPR = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*(<=|>=|!=|=|<|>)\s*(.+?)\s*$")
EXAMPLE = "e.g. --where 'year>=1990' --where 'genres=Comedy'"


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any

    def holds(self, item: Item) -> bool:
        actual = item.fields.get(self.field)
        if isinstance(actual, list):
            contained = any(_norm(v) == self.value for v in actual)
            return not contained if self.op == "!=" else contained
        if actual is None or actual == "":
            return self.op == "!="
        actual = _norm(actual)
        if self.op == "=":
            return bool(actual == self.value)
        if self.op == "!=":
            return bool(actual != self.value)
        try:
            if self.op == "<":
                return bool(actual < self.value)
            if self.op == "<=":
                return bool(actual <= self.value)
            if self.op == ">":
                return bool(actual > self.value)
            return bool(actual >= self.value)
        except TypeError:  # a value of another type than the mapping declares
            return False


def _norm(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _convert(raw: str, field_type: str, expr: str) -> Any:
    raw = raw.strip().strip("'\"")
    try:
        if field_type == "int":
            return int(raw)
        if field_type == "float":
            return float(raw)
        if field_type == "date":
            return dt.date.fromisoformat(raw).isoformat()  # stored as ISO text, which sorts like the date
    except ValueError as exc:
        raise ConfigError(f"--where {expr!r}: {raw!r} is not a valid {field_type}", EXAMPLE) from exc
    return raw.casefold()


def parse_where(expressions: list[str], catalog: Catalog) -> list[Condition]:
    """Parse and type-check filters against the catalog's mapping (unknown fields are an error)."""
    fields = catalog.mapping.fields
    conditions = []
    for expr in expressions:
        match = _EXPR.match(expr)
        if not match:
            raise ConfigError(f"--where {expr!r} is not FIELD OP VALUE", EXAMPLE)
        name, op, raw = match.groups()
        if name not in fields:
            raise ConfigError(
                f"--where {expr!r}: the catalog has no field {name!r}", f"Fields: {', '.join(sorted(fields))}."
            )
        field_type = fields[name].type
        if field_type in ("list", "string") and op not in ("=", "!="):
            raise ConfigError(f"--where {expr!r}: {field_type} fields take = or != only", EXAMPLE)
        conditions.append(Condition(name, op, _convert(raw, field_type, expr)))
    return conditions


def matches(item: Item, conditions: list[Condition]) -> bool:
    return all(c.holds(item) for c in conditions)
