"""What the agent understood from a turn, and what carries over from earlier turns.

Deliberately left out: confidence scores per slot; rules either matched or did not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Preferences:
    # recommend | refine | clarify (vague) | chat (not a film request) | other_language | restart ("start over")
    intent: str = "recommend"
    liked_items: list[str] = field(default_factory=list)
    disliked_items: list[str] = field(default_factory=list)
    seen_items: list[str] = field(default_factory=list)
    anchor_items: list[str] = field(default_factory=list)  # "more like the second one"
    include_categories: list[str] = field(default_factory=list)
    exclude_categories: list[str] = field(default_factory=list)
    boost_categories: list[str] = field(default_factory=list)  # soft: the model's reading, not a filter
    liked_tags: list[str] = field(default_factory=list)
    disliked_tags: list[str] = field(default_factory=list)  # tags, or categories after "less": a soft penalty
    liked_people: list[str] = field(default_factory=list)
    disliked_people: list[str] = field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    duration_min: int | None = None
    duration_max: int | None = None
    languages: list[str] = field(default_factory=list)  # any of these: "from Japan or Korea"
    contrast: bool = False  # "like X but funnier": unlike the named titles in some way
    exclude_language: str | None = None  # "not in English", "a foreign film"
    count: int | None = None  # "give me 5 comedies": how many picks (else the setting)
    query: str = ""  # the text retrieval embeds
    unknown_titles: list[str] = field(default_factory=list)  # "like The Office": named, not in the catalog
    about_pick: bool = False  # "is it funny?", "is the second one long?": a question about a pick
    asked_about: list[str] = field(default_factory=list)  # its catalog words ("Comedy"), asked, not wanted

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, [], "") and v is not False}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preferences:
        names = {f.name for f in fields(cls)}
        if data.get("language"):  # turns stored in the older layout hold one language
            data = {**data, "languages": [data["language"]]}
        return cls(**{k: v for k, v in data.items() if k in names})

    def constraints_text(self) -> str:
        """Hard constraints in plain words, for messages like 'nothing matched (...)'."""
        parts = []
        if self.include_categories:
            parts.append("only " + " or ".join(self.include_categories))
        if self.exclude_categories:
            parts.append("no " + ", ".join(self.exclude_categories))
        if self.year_min is not None:
            parts.append(f"from {self.year_min}")
        if self.year_max is not None:
            parts.append(f"up to {self.year_max}")
        if self.duration_max is not None:
            parts.append(f"at most {self.duration_max} min")
        if self.duration_min is not None:
            parts.append(f"at least {self.duration_min} min")
        if self.languages:
            parts.append("in " + " or ".join(self.languages))
        if self.exclude_language:
            parts.append(f"not in {self.exclude_language}")
        return "; ".join(parts)

    def sets_limits(self) -> bool:
        """A language, a year range or a duration: the frame a request is made in."""
        limits = (self.exclude_language, self.year_min, self.year_max, self.duration_min, self.duration_max)
        return bool(self.languages) or any(v is not None for v in limits)

    def wants_something(self) -> bool:
        return bool(self.liked_items or self.include_categories or self.liked_tags or self.liked_people)

    def has_content(self) -> bool:
        """Does the turn say anything retrieval can use beyond the raw words?"""
        return bool(
            self.liked_items
            or self.anchor_items
            or self.include_categories
            or self.liked_tags
            or self.liked_people
            or self.year_min
            or self.year_max
            or self.duration_max
            or self.duration_min
            or self.languages
            or self.exclude_language
            or self.exclude_categories
        )

    def merged_onto(self, previous: Preferences) -> Preferences:
        """This turn refines ``previous``: lists add up, new constraints win, negatives persist."""
        out = Preferences.from_dict(previous.to_dict())
        out.intent = self.intent
        out.query = self.query
        out.contrast = self.contrast
        out.unknown_titles = self.unknown_titles  # said once, about this message
        out.about_pick, out.asked_about = self.about_pick, self.asked_about
        for name in (
            "liked_items",
            "disliked_items",
            "seen_items",
            "include_categories",
            "exclude_categories",
            "liked_tags",
            "disliked_tags",
            "liked_people",
            "disliked_people",
            "boost_categories",
        ):
            merged = [*getattr(previous, name), *[v for v in getattr(self, name) if v not in getattr(previous, name)]]
            setattr(out, name, merged)
        out.include_categories = [c for c in out.include_categories if c not in self.exclude_categories]
        out.exclude_categories = [c for c in out.exclude_categories if c not in self.include_categories]
        out.liked_items = [i for i in out.liked_items if i not in self.disliked_items]
        out.disliked_tags = [t for t in out.disliked_tags if t not in self.liked_tags]  # the latest word wins
        out.liked_tags = [t for t in out.liked_tags if t not in self.disliked_tags]
        out.anchor_items = self.anchor_items or previous.anchor_items
        for name in ("year_min", "year_max", "duration_min", "duration_max", "exclude_language", "count"):
            value = getattr(self, name)
            if value is not None:
                setattr(out, name, value)
        if self.languages:
            out.languages = list(self.languages)
        if out.exclude_language in out.languages:  # the latest word wins
            if self.exclude_language:
                out.languages = [lang for lang in out.languages if lang != self.exclude_language]
            else:
                out.exclude_language = None
        return out
