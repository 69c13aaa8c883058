"""Specific reasons: what of an item's record ties it to what the user said.

A reason is *specific* when it names at least one fact of the item's record (a category,
tag, person, year, language, or a word of its description) that matches something the
user asked for, said they liked, or named (a title they mentioned shares it). Explain and
pick keep a model reason only when it is faithful (:mod:`chat_rec.agent.verify`) and
specific, and not the same text as another pick's; eval counts the same way.

:func:`reason_parts` gives the template reason (``prompts/reason/``) those facts as
phrases, so the sentence it writes says why the item fits instead of listing the
card's fields.

Deliberately left out: synonyms beyond the catalog's own vocabulary ("funny" counts for
Comedy only when the mapping says so, through the reader that filled ``prefs``).
"""

from __future__ import annotations

import re
from typing import Any

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.vocabulary import content_words
from chat_rec.catalog.items import Catalog, Item
from chat_rec.catalog.series import same_series
from chat_rec.catalog.titles import normalise, split_year

# description words too common to tie an item to a request
_PLAIN = {"film", "films", "movie", "movies", "story", "about", "their", "there", "which", "where", "while"}
_ADJECTIVE = (
    "ful",
    "ing",
    "ive",
    "ous",
    "ic",
    "al",
    "ed",
    "ly",
    "less",
    "able",
    "ible",
    "y",
    "ish",
    "ense",
    "ant",
    "ent",
)
_MOODS = {"cool", "dark", "tense", "deadpan", "grim", "bleak", "raw", "weird", "sweet", "cute", "epic", "smart", "warm"}
_MOODS |= {
    "tender",
    "absurd",
    "slick",
    "feel-good",
    "offbeat",
    "upbeat",
    "camp",
    "kitsch",
    "surreal",
    "gothic",
    "noir",
    "fun",
}
_NOUN_ENDINGS = ("ism", "ion", "ness", "ment", "ity", "ship", "s", "ce", "er", "or", "ist", "hood")
# a certificate is not a detail of the story ("with pg-13")
_RATING = re.compile(r"^(g|pg|pg-13|r|nc-17|x|rated [a-z0-9-]+|[a-z0-9-]+ rated)$", re.IGNORECASE)
# categories that read as a noun on their own ("a 1988 comedy"); others take "film" ("a 1998 crime film")
_GENRE_NOUNS = {"comedy", "drama", "thriller", "western", "documentary", "musical", "mystery", "romance", "satire"}


def _stem(word: str) -> str:
    return word.lower()[:5]


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z0-9']+", text.lower()) if len(w) > 2}


def _named(catalog: Catalog, prefs: Preferences) -> list[Item]:
    ids = list(dict.fromkeys([*prefs.anchor_items, *prefs.liked_items]))[:3]
    return [catalog.by_id[i] for i in ids if i in catalog]


def matching_facts(catalog: Catalog, item: Item, prefs: Preferences, request: str) -> list[str]:
    """Facts of ``item``'s record that match what the user asked for, liked or named."""
    return list(dict.fromkeys([*asked_facts(catalog, item, prefs, request), *shared_facts(catalog, item, prefs)]))


def asked_facts(catalog: Catalog, item: Item, prefs: Preferences, request: str) -> list[str]:
    """Facts of ``item``'s record that the request or the reader's preferences ask for."""
    said = _stems(request)
    categories, tags, people = catalog.categories(item), catalog.tags(item), catalog.people(item)
    wanted = {c.lower() for c in [*prefs.include_categories, *prefs.boost_categories]}
    liked_tags = {t.lower() for t in prefs.liked_tags}
    facts = [c for c in categories if c.lower() in wanted]
    facts += [t for t in tags if t.lower() in liked_tags]
    facts += [p for p in people if p in prefs.liked_people]
    for phrase in [*categories, *tags, *people]:  # the request says it in the record's words
        words = [w for w in re.findall(r"[a-z0-9']+", phrase.lower()) if len(w) > 2]
        if words and all(_stem(w) in said for w in words):
            facts.append(phrase)
    year = catalog.year(item)
    if year and (prefs.year_min or prefs.year_max or str(int(year)) in request):
        facts.append(str(int(year)))
    language = catalog.language(item)
    if language and (language in prefs.languages or language.lower() in request.lower()):
        facts.append(language)
    description = catalog.description(item)
    facts += [w for w in content_words(description) if len(w) > 4 and w not in _PLAIN and _stem(w) in said]
    return list(dict.fromkeys(facts))


def shared_facts(catalog: Catalog, item: Item, prefs: Preferences) -> list[str]:
    """Categories, tags and people ``item`` shares with a title the user named or liked."""
    facts: list[str] = []
    for other in _named(catalog, prefs):
        if other.id == item.id:
            continue
        facts += [c for c in catalog.categories(item) if c in catalog.categories(other)]
        other_tags = {t.lower() for t in catalog.tags(other)}
        facts += [t for t in catalog.tags(item) if t.lower() in other_tags]
        facts += [p for p in catalog.people(item) if p in catalog.people(other)]
    return list(dict.fromkeys(facts))


def names_fact(reason: str, facts: list[str]) -> str | None:
    """The first of ``facts`` the reason names (each of its words, by a five-letter stem), or None."""
    said = _stems(reason)
    for fact in facts:
        words = [w for w in re.findall(r"[a-z0-9']+", fact.lower()) if len(w) > 2]
        if words and all(_stem(w) in said for w in words):
            return fact
    return None


def same_text(reason: str, others: list[str]) -> bool:
    key = normalise(reason)
    return any(normalise(o) == key for o in others)


def _noun(tag: str) -> bool:
    """Tags that read as a thing ("heist", "road trip"), not a mood ("tense", "visually stunning")."""
    last = tag.lower().split()[-1] if tag.strip() else ""
    return bool(last) and last not in _MOODS and not last.endswith(_ADJECTIVE)


def _detail(tag: str) -> bool:
    """A tag that reads well after "with": a phrase, or a word shaped like a noun ("prison", "jump cuts")."""
    if not _noun(tag):
        return False
    return " " in tag.strip() or tag.lower().endswith(_NOUN_ENDINGS) or len(tag) <= 6


def _series(catalog: Catalog, item: Item, prefs: Preferences) -> str | None:
    """ "another version of True Grit" / "from the same series as Toy Story", or None."""
    for other in _named(catalog, prefs):
        if other.id != item.id and same_series(catalog, item, other):
            same = normalise(split_year(item.title)[0]) == normalise(split_year(other.title)[0])
            return f"another version of {other.title}" if same else f"from the same series as {other.title}"
    return None


def reason_parts(catalog: Catalog, item: Item, prefs: Preferences, request: str) -> dict[str, Any]:
    """What the template reason needs: what the user asked for that the item has, and one
    detail of its record the request did not mention, as phrases for a sentence."""
    facts = asked_facts(catalog, item, prefs, request)
    categories, tags = catalog.categories(item), catalog.tags(item)
    people = [p for p in catalog.people(item) if p in facts]
    asked = [f.lower() if f in categories else f for f in facts if f in categories or (f in tags and _noun(f))]
    moods = [f for f in facts if f in tags and not _noun(f) and f not in asked]
    limits = []
    duration = catalog.duration(item)
    if duration and (prefs.duration_max or prefs.duration_min):
        limits.append(f"{int(duration)} minutes long")
    language = catalog.language(item)
    if language and language in facts:
        limits.append(f"in {language}")
    alike = []
    for other in _named(catalog, prefs):
        if other.id == item.id:
            continue
        shared = [c.lower() for c in categories if c in catalog.categories(other)][:1]
        shared += [t for t in tags if t.lower() in {x.lower() for x in catalog.tags(other)}][:1]
        if shared:
            alike.append({"title": other.title, "shared": shared})
    asked_words = {_stem(w) for f in facts for w in re.findall(r"[a-z]+", f.lower())}
    shared = shared_facts(catalog, item, prefs)
    category_words = {_stem(w) for c in categories for w in re.findall(r"[a-z]+", c.lower())}
    details = [
        t
        for t in tags
        if _detail(t)
        and t not in facts + shared
        and not _stems(t) & (asked_words | category_words)  # "a horror film with horror"
        and not _RATING.match(t.strip())
    ]
    kind = next((c.lower() for c in categories if c not in facts + shared), categories[0].lower() if categories else "")
    noun = kind if kind in _GENRE_NOUNS else f"{kind} film".strip()
    year = catalog.year(item)
    return {
        "year": int(year) if year else None,
        "noun": noun,
        "asked_people": people[:2],
        "asked": list(dict.fromkeys(asked))[:3],
        "moods": moods[:2],
        "limits": limits,
        "alike": alike[:2],
        "detail": details[0] if details else None,
        "details": details,  # the others, for when the sentence comes out the same as another pick's
        "series": _series(catalog, item, prefs),
        "specific": bool(facts or shared),
    }
