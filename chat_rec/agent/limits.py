"""Limits a message sets: years, durations (in plain words or relative to a list),
languages named by country, and how many picks.

Deliberately left out: dates finer than a year, and limits on other numeric fields.
"""

from __future__ import annotations

import re

from chat_rec.agent.cues import (
    COUNTRY_LANGUAGE,
    FROM_COUNTRY,
    HOW_MANY,
    MAX_PICKS,
    NUMBER_WORDS,
    PICK_NOUNS,
    PLACE,
    PLACE_LANGUAGES,
    negated,
)
from chat_rec.agent.preferences import Preferences
from chat_rec.agent.vocabulary import Vocabulary
from chat_rec.catalog.items import Catalog


def read_years(text: str, prefs: Preferences, max_year: int | None) -> None:
    """Decades, "after 2010", "from 1990" (that year), "from 1990 to 1995", "nothing older
    than 1980", "recent" (``max_year`` is the catalog's newest), "not too old", "classic"."""
    lower = text.lower()
    decade = re.search(r"\b(?:(19|20)(\d)0|'?(\d)0)'?s\b", lower)
    if decade:
        century = decade.group(1) or ("20" if (decade.group(3) or "9") in "012" else "19")
        digit = decade.group(2) or decade.group(3)
        start = int(f"{century}{digit}0")
        prefs.year_min, prefs.year_max = start, start + 9
    span = re.search(r"\b(?:from|between)\s+(\d{4})\s*(?:-|to|and|until|through)\s*(\d{4})\b", lower)
    # "a movie from 1990" is that year; "from 1990 on" is below
    single = re.search(
        r"\b(?:from|in)\s+(\d{4})\b(?!\s*(?:on\b|onwards?|\+|and (?:later|after|up)|or (?:later|newer)))", lower
    )
    single = single or re.fullmatch(r"\W*(\d{4})\W*", lower)
    after = re.search(r"\b(?:after|since|newer than|post|from)\s*-?\s*(\d{4})\b", lower)
    if span:
        prefs.year_min, prefs.year_max = sorted((int(span.group(1)), int(span.group(2))))
    elif single and not negated(lower, single.start()):
        prefs.year_min = prefs.year_max = int(single.group(1))
    elif after and negated(lower, after.start()):  # "nothing newer than 2000": up to 2000
        prefs.year_max = int(after.group(1))
    elif after:
        prefs.year_min = int(after.group(1)) + (0 if "since" in after.group(0) or "from" in after.group(0) else 1)
    before = re.search(r"\b(?:before|older than|pre|until)\s*-?\s*(\d{4})\b", lower)
    if before and negated(lower, before.start()):  # "nothing older than 1980": from 1980 on
        prefs.year_min = int(before.group(1))
    elif before:
        prefs.year_max = int(before.group(1)) - (0 if "until" in before.group(0) else 1)
    # "my recent favorite" is about the favourite, not a wish for recent films
    recent = re.search(r"(?<!my )(?<!most )\b(recent|new release|latest|this year|last few years)\b", lower)
    not_old = re.search(r"\b(?:(?:not|nothing|isn'?t|aren'?t|no)\s+(?:too\s+|that\s+|so\s+)?old|modern)\b", lower)
    if max_year and recent:
        prefs.year_min = max_year - 5
    elif max_year and not_old:
        prefs.year_min = max_year - 25  # "not too old": this century or so, not only the last few years
        return  # and not "old movie" below
    classic = r"\b(classic|old school|old-school|golden age|(?<!year )(?<!year-)old (?:movie|film)s?)\b"
    if prefs.year_max is None and re.search(classic, lower):
        prefs.year_max = 1979


def read_durations(text: str, prefs: Preferences) -> None:
    """ "Under 2 hours", "at least 90 minutes", "about 90 minutes", "a 2 hour movie",
    "short", "not too long", "epic"."""
    lower = text.lower()
    limit = re.search(
        r"\b(?:under|less than|shorter than|no more than|at most|max(?:imum)?|below)\s+(\d+(?:\.\d+)?|an?|one|two|three)\s*"
        r"(hours?|hrs?|h|minutes?|mins?)\b",
        lower,
    )
    words = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}
    if limit:
        amount = words.get(limit.group(1)) or float(limit.group(1))
        prefs.duration_max = int(amount * 60 if limit.group(2).startswith("h") else amount)
    elif re.search(r"\b(short|quick|(?:not|nothing|isn'?t|aren'?t) too long|not long)\b", lower):
        prefs.duration_max = 110
    over = re.search(
        r"\b(?:over|longer than|more than|at least)\s+(\d+(?:\.\d+)?|an?|one|two|three)\s*(hours?|hrs?|h|minutes?|mins?)\b",
        lower,
    )
    if over:
        amount = words.get(over.group(1)) or float(over.group(1))
        prefs.duration_min = int(amount * 60 if over.group(2).startswith("h") else amount)
    elif re.search(r"\b(epic|long one|long movie|long film)\b", lower):
        prefs.duration_min = 140
    around = re.search(  # "about 90 minutes", "a 2 hour movie", "a two-hour film": within 15 minutes of it
        r"\b(?:(?:about|around|roughly)\s+(\d+(?:\.\d+)?|an?|one|two|three)\s*(hours?|hrs?|h|minutes?|mins?)\b|"
        r"(\d+(?:\.\d+)?|one|two|three)[\s-]*(hours?|hrs?|minutes?|mins?)[\s-]+(?:long\s+)?(?:movie|film|flick|one)s?\b)",
        lower,
    )
    if around and not limit and not over:
        number, unit = (around.group(1), around.group(2)) if around.group(1) else (around.group(3), around.group(4))
        amount = words.get(number) or float(number)
        minutes = int(amount * 60 if unit.startswith("h") else amount)
        prefs.duration_min, prefs.duration_max = minutes - 15, minutes + 15


def relative_limits(catalog: Catalog, text: str, basis: list[str], prefs: Preferences) -> None:
    """ "Older", "newer", "shorter", "longer" are relative to ``basis``: the list just shown,
    or the item the message points at ("the second one, but older")."""
    items = [catalog.by_id[i] for i in basis if i in catalog.by_id]
    years = [y for y in (catalog.year(i) for i in items) if y]
    durations = [d for d in (catalog.duration(i) for i in items) if d]
    lower = text.lower()
    if years and re.search(r"\b(older|earlier|less recent)\b", lower):
        prefs.year_max = int(min(years)) - 1
    if years and re.search(r"\b(newer|more recent|later|modern)\b", lower):
        prefs.year_min = int(max(years)) + 1
    if durations and re.search(r"\b(shorter|quicker)\b", lower):
        prefs.duration_max = int(min(durations)) - 1
    if durations and re.search(r"\blonger\b", lower):
        prefs.duration_min = int(max(durations)) + 1


def read_countries(text: str, prefs: Preferences, languages: dict[str, str]) -> None:
    """ "A film from Japan or Korea" is in Japanese or Korean, and "a Bollywood movie" in
    Hindi, when the catalog has films in them (``languages``: the catalog's, lower-cased ->
    as spelt)."""
    for place in PLACE.finditer(text):
        names = [lang.lower() for lang in PLACE_LANGUAGES[place.group(1).lower()]]
        held = [languages[name] for name in names if name in languages]
        if held and negated(text, place.start()):
            prefs.exclude_language = held[0]
        elif held:
            prefs.languages.extend(lang for lang in held if lang not in prefs.languages)
    found = FROM_COUNTRY.search(text)
    if not found:
        return
    names = re.findall("|".join(COUNTRY_LANGUAGE), found.group(1), re.IGNORECASE)
    spoken = [languages.get(COUNTRY_LANGUAGE[name.lower()].lower()) for name in names]
    if negated(text, found.start()):
        prefs.exclude_language = next((s for s in spoken if s), prefs.exclude_language)
    elif not prefs.languages:
        prefs.languages = list(dict.fromkeys(s for s in spoken if s))


def read_count(text: str, titles: list[tuple[int, int]], vocab: Vocabulary) -> int | None:
    """ "Give me 5 comedies": a number before a film word or a plural of the catalog's
    categories and tags, at most ``MAX_PICKS``; "10 Things I Hate About You" (in ``titles``)
    is a title, "2 hours" a duration."""
    for m in HOW_MANY.finditer(text):
        noun = m.group(2).lower()
        singular = noun[:-3] + "y" if noun.endswith("ies") else noun[:-1]
        film_word = noun in PICK_NOUNS or singular in vocab.categories or singular in vocab.tags
        if film_word and not any(s <= m.start() < e for s, e in titles):
            number = m.group(1).lower()
            count = int(number) if number.isdigit() else NUMBER_WORDS[number]
            return min(count, MAX_PICKS) if count > 0 else None
    return None
