"""The catalog's own words: the categories, tags, people and languages a message can name.

Built once per catalog from its values and the mapping's synonyms; :func:`phrase_hits`
finds them in a message. Nothing here knows the domain.

Deliberately left out: stemming, and spelling correction beyond one slip in a one-word
category or tag (:meth:`Vocabulary.respell`); a plural "s"/"es" (and the singular of a
plural tag) is the only other variation matched.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from chat_rec.catalog.items import Catalog

_STOP_WORDS = (
    "a an the i me my we you your it its is are was be to of for in on at and or but so some any "
    "something anything movie movies film films show shows watch watching want wanna would like love "
    "good great nice recommend recommendation suggest suggestion please can could give find me tonight "
    "today now one ones what which whats something's kind sort type hi hello hey thanks thank ok okay "
    "yes no maybe just really very much do does have has had get got see pick picks new best top options greatest "
    "option idea ideas loved liked enjoyed else similar stuff things thing i'm im looking look searching need "
    "that this these those weekend evening "
)
STOP = set(_STOP_WORDS.split())


@dataclass
class Vocabulary:
    """Catalog values the rules can match, lower-cased -> canonical value."""

    categories: dict[str, str]
    tags: dict[str, str]
    people: dict[str, str]
    languages: dict[str, str]
    max_year: int | None
    common_language: str | None
    tag_words: dict[str, list[str]] = field(default_factory=dict)  # word -> tags containing it
    surnames: dict[str, list[str]] = field(default_factory=dict)  # "Nolan" -> people of that name, most credits first
    words: frozenset[str] = frozenset()  # every word of the catalog's texts: these are never typos
    spellable: tuple[str, ...] = ()  # one-word categories and tags a typo may be meant as ("funy")

    @classmethod
    def build(cls, catalog: Catalog) -> Vocabulary:
        categories = {c.lower(): c for c in catalog.vocabulary("categories")}
        tags = {t.lower(): t for t in catalog.vocabulary("tags")}
        for phrase, value in list(tags.items()):  # "a zombie movie" wants the tag "zombies"
            if len(phrase) > 4 and phrase.endswith("s") and not phrase.endswith("ss"):
                tags.setdefault(phrase[:-1], value)
        for phrase, value in catalog.mapping.synonyms.items():
            if value in categories.values():
                categories[phrase.lower()] = value
            else:
                tags[phrase.lower()] = value
        people = {p.lower(): p for p in catalog.vocabulary("people") if len(p.split()) >= 2}
        counts: dict[str, int] = {}
        for item in catalog.items:
            lang = catalog.language(item)
            if lang:
                counts[lang] = counts.get(lang, 0) + 1
        languages = {lang.lower(): lang for lang in counts}
        years = [catalog.year(i) for i in catalog.items]
        known = [int(y) for y in years if y]
        common = max(counts, key=lambda k: counts[k]) if counts else None
        tag_words: dict[str, list[str]] = {}
        for phrase, value in tags.items():
            for word in re.findall(r"[a-z]+", phrase):
                if len(word) >= 3 and word not in STOP and value not in tag_words.setdefault(word, []):
                    tag_words[word].append(value)
        credits: dict[str, int] = {}
        for item in catalog.items:
            for person in catalog.people(item):
                credits[person] = credits.get(person, 0) + 1
        surnames: dict[str, list[str]] = {}
        for person in sorted(people.values(), key=lambda p: -credits.get(p, 0)):  # best-known first
            last = person.split()[-1]
            if len(last) >= 4 and last[0].isupper() and last.lower() not in tags and last.lower() not in STOP:
                surnames.setdefault(last, []).append(person)
        words = frozenset(
            w for item in catalog.items for w in re.findall(r"[a-z]+", f"{item.title} {item.text}".lower())
        )
        # categories first: on a tie ("horor": horror or honor) the broader word wins
        spellable = tuple(dict.fromkeys(p for p in [*sorted(categories), *sorted(tags)] if p.isalpha() and len(p) >= 5))
        return cls(
            categories,
            tags,
            people,
            languages,
            max(known) if known else None,
            common,
            tag_words,
            surnames,
            words,
            spellable,
        )

    def respell(self, text: str) -> str:
        """ "somthing funy" -> "somthing funny": a word of 4+ letters that no catalog text has
        and that is one slip (a letter missing, extra, wrong or swapped) from a one-word
        category or tag with the same first letter is read as that word. Other words are
        left as typed."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            lower = word.lower()
            if len(lower) < 4 or lower in self.words or lower in STOP:
                return word
            best = process.extractOne(lower, self.spellable, scorer=OSA.distance, score_cutoff=1)
            return best[0] if best and best[0][0] == lower[0] else word

        return re.sub(r"[A-Za-z]+", fix, text)


_Y_PLURAL = re.compile(r"[^aeiou]y$")  # "comedy" -> "comedies"


@functools.lru_cache(maxsize=1 << 16)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The phrase and its plural ("comedies" for "comedy"), as whole words."""
    body = rf"{re.escape(phrase[:-1])}(?:y|ies)" if _Y_PLURAL.search(phrase) else rf"{re.escape(phrase)}(?:s|es)?"
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)


@functools.lru_cache(maxsize=1 << 16)
def _substring(phrase: str) -> str:
    """What a phrase's singular and plural share: "comed" for "comedy", the phrase otherwise."""
    return phrase[:-1] if _Y_PLURAL.search(phrase) else phrase


def phrase_hits(text: str, phrases: dict[str, str], max_words: int = 4) -> list[tuple[str, int, int]]:
    """(canonical value, start, end) for every vocabulary phrase in ``text``, longest first."""
    hits: list[tuple[str, int, int]] = []
    taken: list[tuple[int, int]] = []
    lowered = text.lower()
    # a substring test first: compiling (or even running) one pattern per phrase for every
    # message cost ~250 ms a turn with a few thousand phrases
    present = [p for p in phrases if _substring(p) in lowered]
    for phrase in sorted(present, key=lambda p: -len(p)):
        if len(phrase) < 3 or len(phrase.split()) > max_words:
            continue
        for m in phrase_pattern(phrase).finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            hits.append((phrases[phrase], m.start(), m.end()))
    return hits


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z']+", text.lower()) if w not in STOP and len(w) > 2]
