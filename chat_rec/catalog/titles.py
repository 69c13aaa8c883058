"""Title linking: map a title as a person types it to catalog items, with scores.

Two entry points:
- :meth:`TitleLinker.link` for a string that *is* a title ("the matrix", "Matrix (1999)",
  "Amelie", "star wars 5"): exact match on a normalised key first (alternative titles in
  parentheses, "Léon (a.k.a. The Professional)", and the catalog's ``aliases`` role,
  "Seven" for *Se7en*, are keys too), then fuzzy matching
  (rapidfuzz) among titles within a year of the one given, rescored so that sequel
  numbers must agree and a short query contained in a longer title still scores.
  Numbers are normalised ("two", "II" -> "2"), so "star wars 5" meets "Episode V".
- :meth:`TitleLinker.find_in_text` for a free message: scans word n-grams for exact
  normalised titles; one-word titles must be capitalised or quoted so "up" in "cheer me
  up" is not the film *Up*. After a cue word ("like", "loved") a span with a word that no
  title has is also matched fuzzily, so "somethin like interstelar" finds *Interstellar*.

Deliberately left out: aliases in other languages and franchise reasoning beyond
trailing numbers ("star wars 5" finds titles containing "star wars" and "5"/"v").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from chat_rec.catalog.items import Catalog

if TYPE_CHECKING:
    from chat_rec.catalog.series import SeriesIndex

_ARTICLES = ("the", "a", "an", "les", "le", "la", "l", "il", "el", "der", "die", "das")
_YEAR = re.compile(r"\(?\b(1[89]\d\d|20\d\d)\b\)?\s*$")
_NUMBERS = {
    **{
        w: str(i)
        for i, w in enumerate(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"], start=1)
    },
    **{r: str(i) for i, r in enumerate(["ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"], start=2)},
}
_PARENS = re.compile(r"\s*\(([^()]*)\)")
_AKA = re.compile(r"^(?:a\.k\.a\.|aka)\s+", re.IGNORECASE)
ALIAS_WEIGHT = 0.95  # a match on an alternative title is a little less certain
SERIES_SCORE = 0.9  # "Harry Potter" names every film of the series, none of them exactly


@functools.lru_cache(maxsize=65536)  # the linker normalises every window of a message: repeats are common
def normalise(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    words = text.split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    if len(words) > 1 and words[-1] in _ARTICLES:  # "matrix the" from "Matrix, The"
        words = words[:-1]
    return " ".join(_NUMBERS.get(w, w) for w in words)


def title_variants(title: str) -> list[tuple[str, float]]:
    """The title, the title without its parentheses, and each parenthesised alternative title."""
    variants = [(title, 1.0)]
    inner = [_AKA.sub("", m.strip()) for m in _PARENS.findall(title)]
    if inner:
        main = _PARENS.sub("", title).strip()
        if main:
            variants.append((main, 1.0))
        variants.extend((alias, ALIAS_WEIGHT) for alias in inner if len(alias) > 1)
    return variants


def split_year(text: str) -> tuple[str, int | None]:
    match = _YEAR.search(text.strip())
    if match and match.start() > 0:
        return text[: match.start()].strip(), int(match.group(1))
    return text.strip(), None


@dataclass(frozen=True)
class Link:
    item_id: str
    score: float  # 0..1
    start: int = 0  # character span in the message, for find_in_text
    end: int = 0


# Words after which people name a title, typed in lower case as often as not: "something
# like interstellar", "i loved the godfather and pulp fiction" (a list after such a word).
_CUE_WORDS = (
    r"like|likes|liked|love|loved|loves|enjoyed|enjoy|similar to|such as|seen|watched|saw|than|hated|"
    r"fan of|favou?rite(?: movie| film)? is|as good as|(?:movie|film) called|how about|"
    r"the new|check out|recommend|suggest"
)
_CUE = rf"(?:{_CUE_WORDS})(?:\s+(?:the\s+)?(?:movie|film))?"  # "how about the movie knives out"
# words right after a lower-case title that show it is one: "internship is my favorite movie"
TITLE_AFTER = re.compile(r"^\s+(?:is|was) (?:my|one of my) favou?rite", re.IGNORECASE)
# the words right after a cue, up to where a title plainly ends ("but", "and", punctuation)
AFTER_CUE = re.compile(rf"\b{_CUE}\s+((?:(?!but\b|and\b|or\b|with\b|without\b)[\w'’&-]+\s*){{1,4}})", re.IGNORECASE)
NEWEST = re.compile(r"\b(?:the\s+)?(?:new|newest|latest|recent)\s+$", re.IGNORECASE)
MISSPELT_MIN_SCORE = 0.9
MISSPELT_MAX_LOOKUPS = 24  # fuzzy lookups per message: a few typed titles, not hundreds
SQUASHED_MIN_CHARS = 8  # spaces are ignored only in longer spans: "at tack" is no title
TITLE_CUE = re.compile(rf"\b{_CUE}\s+$|\b(?:{_CUE_WORDS})\b[^.!?;]{{0,80}}(?:\band|\bor|,)\s+$", re.I)
_COMMON_WORDS = (
    "this that them those these some more something anything what which movie movies film films stuff "
    "thing things kind sort type good great best really very much with about from into over"
)
COMMON_WORDS = set(_COMMON_WORDS.split())


# how far back the "ends with" patterns (a cue before a title; in the reader a negation,
# "seen", "less", "the director of") look from a phrase: a clause or two. Bounded, so each
# phrase of a 2000-character message costs the same, not the length of all before it.
LOOK_BACK = 160


def before(text: str, start: int) -> str:
    """The stretch of ``text`` just before ``start`` that "ends with" patterns read: at most
    ``LOOK_BACK`` characters, starting after a space (a cut word could read as a cue:
    "unlike" as "like")."""
    if start <= LOOK_BACK:
        return text[:start]
    window = text[start - LOOK_BACK : start]
    cut = re.search(r"\s", window)
    return window[cut.end() :] if cut else window


class TitleLinker:
    def __init__(self, catalog: Catalog, series: SeriesIndex | None = None) -> None:
        """``series``: the catalog's series index when the caller has one (else built on the
        first "the new X")."""
        self.catalog = catalog
        self._series = series
        self.by_key: dict[str, list[str]] = defaultdict(list)
        self.weight: dict[tuple[str, str], float] = {}  # (key, item id) -> weight, when not 1.0
        years: dict[int | None, set[str]] = defaultdict(set)
        for item in catalog.items:
            year = catalog.year(item)
            aliases = [(alias, ALIAS_WEIGHT) for alias in catalog.aliases(item)]
            for variant, weight in [*title_variants(item.title), *aliases]:
                key = normalise(variant)
                if not key or (key, item.id) in self.weight or item.id in self.by_key.get(key, []):
                    continue
                self.by_key[key].append(item.id)
                if weight != 1.0:
                    self.weight[(key, item.id)] = weight
                years[int(year) if year else None].add(key)
        self.keys = list(self.by_key)
        # "Avengers End Game", "spiderman": a title typed with a space more or less
        self.squashed: dict[str, str] = {}
        for key in self.keys:
            self.squashed.setdefault(key.replace(" ", ""), key)
        self.keys_by_year = {y: sorted(keys) for y, keys in years.items()}
        self.max_words = max((len(k.split()) for k in self.keys), default=1)
        self.title_words = {w for k in self.keys for w in k.split()}
        self._vocabulary: set[str] | None = None  # categories and tags, lower-cased (built on first use)

    def _year(self, item_id: str) -> int | None:
        item = self.catalog.by_id[item_id]
        year = self.catalog.year(item)
        return int(year) if year else None

    def _popularity(self, item_id: str) -> float:
        return self.catalog.popularity(self.catalog.by_id[item_id]) or 0.0

    def _pick(self, ids: Sequence[str], year: int | None, base: float, key: str | None = None) -> list[Link]:
        scored = []
        for item_id in ids:
            score = base * self.weight.get((key or "", item_id), 1.0)
            item_year = self._year(item_id)
            if year is not None and item_year is not None:
                gap = abs(item_year - year)
                score *= 1.0 if gap == 0 else 0.9 if gap == 1 else 0.5
            scored.append((score, self._popularity(item_id), item_id))
        scored.sort(reverse=True)
        return [Link(i, s) for s, _, i in scored]

    def link(self, text: str, limit: int = 5, min_score: float = 0.85) -> list[Link]:
        """Catalog items for a typed title, best first; scores are 0..1 (1 = exact title and year).

        Links scoring below ``0.9 * min_score`` are dropped."""
        title, year = split_year(text)
        key = normalise(title)
        if not key:
            return []
        if key in self.by_key:
            return self._pick(self.by_key[key], year, 1.0, key)[:limit]
        links: dict[str, Link] = {}
        for match_key, score in self._fuzzy(key, year):
            if score < min_score * 0.9:
                continue
            for link in self._pick(self.by_key[match_key], year, score, match_key):
                if link.score >= min_score * 0.9 and link.item_id not in links:
                    links[link.item_id] = link
        return sorted(links.values(), key=lambda link: -link.score)[:limit]

    def _candidates(self, year: int | None) -> list[str]:
        if year is None:
            return self.keys
        near = [k for y in (year - 1, year, year + 1) for k in self.keys_by_year.get(y, [])]
        return near + self.keys_by_year.get(None, [])

    def _fuzzy(self, query: str, year: int | None, limit: int = 10) -> list[tuple[str, float]]:
        """Close keys with a score 0..1: character similarity, or containment of every query word,
        and sequel numbers in the query must be in the title."""
        query_words = query.split()
        query_numbers = {w for w in query_words if w.isdigit()}
        found = process.extract(query, self._candidates(year), scorer=fuzz.WRatio, limit=limit, score_cutoff=70)
        out = []
        for match_key, _, _ in found:
            key_words = match_key.split()
            score = max(fuzz.ratio(query, match_key), fuzz.token_sort_ratio(query, match_key)) / 100
            if set(query_words) <= set(key_words):  # "star wars 5" in "star wars episode 5 the empire ..."
                score = max(score, 0.8 + 0.1 * len(query_words) / len(key_words))
            if not query_numbers <= set(key_words):
                score *= 0.8  # "rocky 2" is not "rocky 3"
            out.append((match_key, score))
        return out

    def _distinctive(self, span: str) -> bool:
        """Could a lower-case span be a title? Not a category or tag of the catalog
        ("horror", "time travel"), not only short or common words ("her", "the one")."""
        if self._vocabulary is None:
            words = self.catalog.vocabulary("categories") | self.catalog.vocabulary("tags")
            self._vocabulary = {v.lower() for v in words}
        lower = span.lower()
        bare = normalise(span)  # "a horror": the category, after its article
        if {lower, lower.rstrip("s"), bare, bare.rstrip("s")} & self._vocabulary:
            return False
        return any(len(w) >= 4 and w not in COMMON_WORDS for w in re.findall(r"[a-z]+", lower))

    def find_in_text(self, message: str) -> list[Link]:
        """Titles named in a free message, longest match first, non-overlapping."""
        tokens = [(m.group(), m.start(), m.end()) for m in re.finditer(r"[\w'’&:.-]+", message)]
        norm = [normalise(t[0]) for t in tokens]
        used = [False] * len(tokens)
        found: list[Link] = []
        for size in range(min(self.max_words + 1, 12), 0, -1):
            for start in range(0, len(tokens) - size + 1):
                if any(used[start : start + size]):
                    continue
                key = normalise(" ".join(n for n in norm[start : start + size] if n))
                if key not in self.by_key and len(key) >= SQUASHED_MIN_CHARS:
                    key = self.squashed.get(key.replace(" ", ""), key)
                if key not in self.by_key:
                    continue
                span = message[tokens[start][1] : tokens[start + size - 1][2]]
                end = start + size
                year = None
                if end < len(tokens) and re.fullmatch(r"\(?\d{4}\)?", tokens[end][0]):
                    year = int(tokens[end][0].strip("()"))
                    end += 1
                # "Up (2009)": a short or sentence-initial word is a title when a matching year follows
                dated = year is not None and message[tokens[end - 1][1] - 1 : tokens[end - 1][1]] == "("
                dated = dated and any(abs((self._year(i) or 0) - (year or 0)) <= 1 for i in self.by_key[key])
                if not dated and not self._plausible(span, message, tokens[start][1], tokens[start + size - 1][2]):
                    continue
                picks = self._pick(self.by_key[key], year, 1.0, key)
                best = picks[0]
                if year is None and NEWEST.search(before(message, tokens[start][1])):
                    best = self._newest(picks)
                found.append(Link(best.item_id, best.score, tokens[start][1], tokens[end - 1][2]))
                for i in range(start, end):
                    used[i] = True
        found.extend(self._series_named(message, tokens, used))
        found.extend(self._misspelt(message, found))
        return sorted(found, key=lambda link: link.start)

    def _series_named(self, message: str, tokens: list[tuple[str, int, int]], used: list[bool]) -> list[Link]:
        """ "Something like Harry Potter": a series name that is no title links every film
        of the series, instead of a missing title ("I couldn't find 'Lord'")."""
        out: list[Link] = []
        for size in range(min(6, len(tokens)), 1, -1):
            for start in range(0, len(tokens) - size + 1):
                if any(used[start : start + size]):
                    continue
                films = self.series.named(" ".join(t[0] for t in tokens[start : start + size]))
                begin, end = tokens[start][1], tokens[start + size - 1][2]
                if films and self._plausible(message[begin:end], message, begin, end):
                    out.extend(Link(item_id, SERIES_SCORE, begin, end) for item_id in films)
                    used[start : start + size] = [True] * size
        return out

    @property
    def series(self) -> SeriesIndex:
        if self._series is None:
            from chat_rec.catalog.series import SeriesIndex

            self._series = SeriesIndex(self.catalog)
        return self._series

    def _newest(self, picks: list[Link]) -> Link:
        """ "The new Dune" is the 2021 one; "the new Frozen" is *Frozen II*: the newest film
        of that title or of its series."""
        options = [*picks, *(Link(i, picks[0].score) for i in self.series.siblings([picks[0].item_id]))]
        return max(options, key=lambda link: self._year(link.item_id) or 0)

    def _misspelt(self, message: str, found: list[Link]) -> list[Link]:
        """ "somethin like interstelar": after a cue word, a span with a word no catalog
        title has is matched fuzzily (longest prefix first, score >= 0.9). Spans of known
        words are left alone: they are not typos, and this keeps fuzzy matching rare."""
        out: list[Link] = []
        looked_up: dict[str, list[Link]] = {}  # "saw it, saw it, saw it": each span is matched once
        for cue in AFTER_CUE.finditer(message):
            start = cue.start(1)
            if any(link.start <= start < link.end for link in [*found, *out]):
                continue
            words = list(re.finditer(r"[\w'’&-]+", cue.group(1)))
            for size in range(len(words), 0, -1):
                span = cue.group(1)[: words[size - 1].end()]
                unknown = [w for w in normalise(span).split() if len(w) >= 5 and not self._title_word(w)]
                if not unknown or not self._distinctive(span):
                    continue
                if span not in looked_up:
                    if len(looked_up) >= MISSPELT_MAX_LOOKUPS:
                        return out
                    looked_up[span] = self.link(span, limit=1, min_score=MISSPELT_MIN_SCORE)
                best = looked_up[span]
                if best and best[0].score >= MISSPELT_MIN_SCORE:
                    out.append(Link(best[0].item_id, best[0].score, start, start + len(span)))
                    break
        return out

    def _title_word(self, word: str) -> bool:
        return word in self.title_words or word.rstrip("s") in self.title_words or word in COMMON_WORDS

    def _plausible(self, span: str, message: str, start: int, end: int) -> bool:
        words = span.split()
        quoted = start > 0 and message[start - 1] in "\"'“‘*" and end < len(message) and message[end] in "\"'”’*"
        if quoted or message.strip(" \t\n.!?\"'“”") == span:  # quoted, or the whole message ("Arrival")
            return True
        cued = TITLE_CUE.search(before(message, start)) or TITLE_AFTER.search(message[end:])
        if cued and self._distinctive(span):  # "something like interstellar", "elf is my favourite"
            return True
        capitalised = [w for w in words if w[:1].isupper() or w[:1].isdigit()]
        if len(words) == 1:
            # sentence-initial only when a refinement follows: "Inception but funnier", "Alien, less scary"
            leads = re.match(r"\s*(?:,|-|\bbut\b|\bwith\b|\bwithout\b|\bmeets\b|\bvs\b)", message[end:], re.I)
            initial = message[:start].strip() == ""
            long_enough = len(span) > 2 or bool(cued)  # "something like Up"; a lone "Up" is a word
            return bool(capitalised) and long_enough and (not initial or (bool(leads) and len(span) >= 4))
        if len(words) == 2:
            return len(capitalised) >= 1
        # "a film about a boy and his dog" is not *About a Boy*: a lower-case span of common words needs a cue
        return bool(capitalised) or bool(cued) or self._distinctive(span)
