"""What a message says about the list just shown: "more like the second one", "not that
one", "I've seen the first", "who directed it?", "is it funny?".

Deliberately left out: references further back than the last list, and pronouns that
point at a film the user named in an earlier message rather than at a pick.
"""

from __future__ import annotations

import re

from chat_rec.agent.cues import (
    FACT_QUESTION,
    ORDINALS,
    POINTS_AT_PICK,
    SEEN,
    SEEN_AFTER,
    YES_NO_QUESTION,
    before,
    negated,
)
from chat_rec.agent.preferences import Preferences

_PLACES = "|".join(word for word in ORDINALS if word != "top")  # places in the list ("the top one" is not read)
# "the second one", "that film", and "the first" at a clause's end ("thumbs down on the first")
_POINTER = re.compile(
    rf"\b({_PLACES}|that|this)\s+(?:one|pick|film|movie|item|suggestion)\b"
    rf"|\bthe\s+({_PLACES})(?=\s*(?:$|[.,!?;)]|but\b|and\b|is\b|was\b|looks\b|sounds\b|please\b))",
    re.IGNORECASE,
)
_PANNED = re.compile(r"\W*(is|was)\s+(bad|boring|awful|terrible)", re.IGNORECASE)


def read_pointers(text: str, previous: list[str], prefs: Preferences) -> None:
    """Picks pointed at by their place in ``previous`` become anchors, dislikes or seen
    items; "who directed it?" asks about the first pick."""
    if not previous:
        return
    for m in _POINTER.finditer(text):
        word = (m.group(1) or m.group(2)).lower()
        index = ORDINALS.get(word, -1 if word in ("that", "this") else None)
        if index is None or index >= len(previous):
            continue
        item_id = previous[index]
        if negated(text, m.start()) or _PANNED.match(text[m.end() :]):
            prefs.disliked_items.append(item_id)
        elif SEEN.search(before(text, m.start())) or SEEN_AFTER.search(text[m.end() :]):
            prefs.seen_items.append(item_id)
        else:
            prefs.anchor_items.append(item_id)
    asks_about_it = FACT_QUESTION.search(text) and re.search(r"\b(?:it|that|this)\b", text, re.I)
    if asks_about_it and not prefs.anchor_items and not prefs.liked_items:
        prefs.anchor_items.append(previous[0])  # "who directed it?": the first pick


def read_yes_no(text: str, previous: list[str], prefs: Preferences, first_title: int | None) -> None:
    """ "Is it funny?", "is the second one scary?", "is Heat long?" (``first_title``: where
    the first linked title starts): the catalog words read from the message are asked of
    that pick or title, to be answered from its record. They are not a new wish, so the
    request stays as it was and the picks that follow are like that one."""
    yes_no = YES_NO_QUESTION.search(text)
    if not yes_no:
        return
    asks_of_title = first_title is not None and not text[yes_no.end() : first_title].strip()
    if not (asks_of_title or prefs.anchor_items or (previous and POINTS_AT_PICK.search(text))):
        return
    prefs.about_pick = True
    if not prefs.anchor_items and not prefs.liked_items and previous:
        prefs.anchor_items.append(previous[0])
    prefs.asked_about = [*prefs.include_categories, *prefs.liked_tags, *prefs.languages, *prefs.liked_people]
    prefs.include_categories, prefs.liked_tags, prefs.languages, prefs.liked_people = [], [], [], []
    prefs.year_min = prefs.year_max = prefs.duration_min = prefs.duration_max = None
