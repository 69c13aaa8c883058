"""Transcript assertions: what each ``expect`` field of a user turn means, checked
against the stored turn, with a reason a person can act on for each one that fails.

Deliberately left out: fuzzy or model-graded assertions; every check here is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chat_rec.catalog.items import Catalog
from chat_rec.catalog.series import same_series
from chat_rec.eval.transcript import Expect
from chat_rec.index.space import ItemSpace
from chat_rec.memory.store import TurnRecord


class Resolver:
    """Item references in transcripts: a catalog id, or a title the linker recognises."""

    def __init__(self, space: ItemSpace) -> None:
        self.catalog = space.catalog
        self.linker = space.linker

    def __call__(self, ref: str) -> str | None:
        if ref in self.catalog:
            return ref
        links = self.linker.link(ref, limit=1)
        return links[0].item_id if links else None


def check_expect(
    expect: Expect, record: TurnRecord, catalog: Catalog, resolve: Callable[[str], str | None]
) -> list[str]:
    """Human-readable reasons for every assertion that does not hold (empty: all pass)."""
    recs = [i for i, _ in record.recommendations]
    fails: list[str] = []

    def name(item_id: str) -> str:
        item = catalog.get(item_id)
        return f"{catalog.display_title(item)} [{item_id}]" if item else item_id

    def ids(refs: Sequence[str], field_name: str) -> list[str]:
        out = []
        for ref in refs:
            found = resolve(ref)
            if found is None:
                fails.append(f"{field_name}: {ref!r} is not a catalog id or a known title")
            else:
                out.append(found)
        return out

    if expect.must_ask_clarifying is True and record.kind != "clarify":
        fails.append(f"must_ask_clarifying: expected a clarifying question, got {len(recs)} recommendation(s)")
    if expect.must_ask_clarifying is False and record.kind == "clarify":
        fails.append("must_ask_clarifying=false: expected recommendations, got a clarifying question")
    for phrase in expect.reply_contains:
        if phrase.lower() not in record.reply.lower():
            fails.append(f"reply_contains: {phrase!r} is not in the reply {record.reply[:120]!r}")
    for phrase in expect.reply_excludes:
        if phrase.lower() in record.reply.lower():
            fails.append(f"reply_excludes: {phrase!r} is in the reply {record.reply[:120]!r}")
    if expect.min_recommendations is not None and len(recs) < expect.min_recommendations:
        fails.append(f"min_recommendations: expected at least {expect.min_recommendations}, got {len(recs)}")
    if expect.must_recommend_any:
        wanted = ids(expect.must_recommend_any, "must_recommend_any")
        if wanted and not set(wanted) & set(recs):
            got = ", ".join(name(i) for i in recs) or "nothing"
            fails.append(f"must_recommend_any: none of {', '.join(wanted)} was recommended (got {got})")
    for item_id in ids(expect.must_not_recommend, "must_not_recommend"):
        if item_id in recs:
            fails.append(f"must_not_recommend: recommended {name(item_id)}")
    excluded = {c.casefold() for c in [*expect.genres_exclude, *expect.categories_exclude]}
    included = {c.casefold() for c in expect.categories_include}
    for item_id in recs:
        item = catalog.by_id[item_id]
        bad = [c for c in catalog.categories(item) if c.casefold() in excluded]
        if bad:
            fails.append(f"categories_exclude: {name(item_id)} is {', '.join(bad)}")
        if included and not any(c.casefold() in included for c in catalog.categories(item)):
            fails.append(f"categories_include: {name(item_id)} is none of {', '.join(expect.categories_include)}")
        if expect.year_min is not None or expect.year_max is not None:
            year = catalog.year(item)
            if year is None:
                fails.append(f"year: {name(item_id)} has no year")
            elif expect.year_min is not None and year < expect.year_min:
                fails.append(f"year_min: {name(item_id)} is from {int(year)}, before {expect.year_min}")
            elif expect.year_max is not None and year > expect.year_max:
                fails.append(f"year_max: {name(item_id)} is from {int(year)}, after {expect.year_max}")
        if expect.max_duration is not None:
            minutes = catalog.duration(item)
            if minutes is None:
                fails.append(f"max_duration: {name(item_id)} has no duration")
            elif minutes > expect.max_duration:
                fails.append(f"max_duration: {name(item_id)} runs {minutes:g}, over {expect.max_duration:g}")
        language = catalog.language(item)
        if language and language.casefold() in {lang.casefold() for lang in expect.languages_exclude}:
            fails.append(f"languages_exclude: {name(item_id)} is in {language}")
    if expect.max_per_series is not None:
        groups: list[list[str]] = []
        for item_id in recs:
            group = next((g for g in groups if same_series(catalog, catalog.by_id[g[0]], catalog.by_id[item_id])), None)
            group.append(item_id) if group else groups.append([item_id])
        fails += [
            f"max_per_series: {len(g)} picks of one series ({', '.join(name(i) for i in g)})"
            for g in groups
            if len(g) > expect.max_per_series
        ]
    return fails


def expected_items(expect: Expect | None, resolve: Callable[[str], str | None]) -> list[str]:
    """The items a turn should recommend one of, for accuracy metrics."""
    if expect is None:
        return []
    return [i for i in (resolve(r) for r in expect.must_recommend_any) if i is not None]
