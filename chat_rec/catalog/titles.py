"""Title linking: map a title as a person types it to catalog items, with scores.

Two entry points:
- :meth:`TitleLinker.link` for a string that *is* a title ("the matrix", "Matrix (1999)",
  "Amelie", "star wars 5"): exact match on a normalised key first, then fuzzy matching
  (rapidfuzz) with a year tolerance of one.
- :meth:`TitleLinker.find_in_text` for a free message: scans word n-grams for exact
  normalised titles; one-word titles must be capitalised or quoted so "up" in "cheer me
  up" is not the film *Up*.

Deliberately left out: aliases in other languages and franchise reasoning beyond
trailing numbers ("star wars 5" finds titles containing "star wars" and "5"/"v").
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from chat_rec.catalog.items import Catalog

_ARTICLES = ("the", "a", "an", "les", "le", "la", "l", "il", "el", "der", "die", "das")
_YEAR = re.compile(r"\(?\b(1[89]\d\d|20\d\d)\b\)?\s*$")
_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv", "5": "v", "6": "vi", "7": "vii", "8": "viii", "9": "ix"}


def normalise(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    words = text.split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    if len(words) > 1 and words[-1] in _ARTICLES:  # "matrix the" from "Matrix, The"
        words = words[:-1]
    return " ".join(words)


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


class TitleLinker:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_key: dict[str, list[str]] = defaultdict(list)
        for item in catalog.items:
            key = normalise(item.title)
            if key:
                self.by_key[key].append(item.id)
        self.keys = list(self.by_key)
        self.max_words = max((len(k.split()) for k in self.keys), default=1)

    def _year(self, item_id: str) -> int | None:
        item = self.catalog.by_id[item_id]
        year = self.catalog.year(item)
        return int(year) if year else None

    def _popularity(self, item_id: str) -> float:
        item = self.catalog.by_id[item_id]
        return item.get_number(self.catalog.roles.popularity) or 0.0

    def _pick(self, ids: Sequence[str], year: int | None, base: float) -> list[Link]:
        scored = []
        for item_id in ids:
            score = base
            item_year = self._year(item_id)
            if year is not None and item_year is not None:
                gap = abs(item_year - year)
                score *= 1.0 if gap == 0 else 0.9 if gap == 1 else 0.5
            scored.append((score, self._popularity(item_id), item_id))
        scored.sort(reverse=True)
        return [Link(i, s) for s, _, i in scored]

    def link(self, text: str, limit: int = 5, min_score: float = 0.85) -> list[Link]:
        title, year = split_year(text)
        key = normalise(title)
        if not key:
            return []
        if key in self.by_key:
            return self._pick(self.by_key[key], year, 1.0)[:limit]
        candidates = [key]
        words = key.split()
        if words and words[-1] in _ROMAN:  # "star wars 5" -> also try "star wars v"
            candidates.append(" ".join([*words[:-1], _ROMAN[words[-1]]]))
        links: dict[str, Link] = {}
        for query in candidates:
            for match_key, score, _ in process.extract(query, self.keys, scorer=fuzz.WRatio, limit=limit * 2):
                if score / 100 < min_score:
                    continue
                # WRatio favours partial matches; require the lengths to be comparable
                length_ratio = min(len(query), len(match_key)) / max(len(query), len(match_key))
                final = score / 100 * (0.85 + 0.15 * length_ratio)
                for link in self._pick(self.by_key[match_key], year, final):
                    if link.score >= min_score * 0.9 and link.item_id not in links:
                        links[link.item_id] = link
        return sorted(links.values(), key=lambda link: -link.score)[:limit]

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
                if key not in self.by_key:
                    continue
                span = message[tokens[start][1] : tokens[start + size - 1][2]]
                if not self._plausible(span, message, tokens[start][1], tokens[start + size - 1][2]):
                    continue
                end = start + size
                year = None
                if end < len(tokens) and re.fullmatch(r"\(?\d{4}\)?", tokens[end][0]):
                    year = int(tokens[end][0].strip("()"))
                    end += 1
                best = self._pick(self.by_key[key], year, 1.0)[0]
                found.append(Link(best.item_id, best.score, tokens[start][1], tokens[end - 1][2]))
                for i in range(start, end):
                    used[i] = True
        return sorted(found, key=lambda link: link.start)

    @staticmethod
    def _plausible(span: str, message: str, start: int, end: int) -> bool:
        words = span.split()
        quoted = start > 0 and message[start - 1] in "\"'“‘*" and end < len(message) and message[end] in "\"'”’*"
        if quoted:
            return True
        capitalised = [w for w in words if w[:1].isupper() or w[:1].isdigit()]
        if len(words) == 1:
            return bool(capitalised) and len(span) > 2 and message[:start].strip() != ""
        if len(words) == 2:
            return len(capitalised) >= 1
        return True
