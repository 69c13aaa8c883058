"""Understand one message: rules over the catalog's own vocabulary.

Titles are linked with :class:`TitleLinker`; categories, tags, people and languages are
matched against the values the catalog actually has (plus the mapping's synonyms), so
nothing here knows the domain. A few cue words decide polarity ("not", "no", "hate"),
ranges ("after 2010", "80s", "under 2 hours", :mod:`chat_rec.agent.limits`) and references
to the previous list ("the second one", "not that one", "is it funny?",
:mod:`chat_rec.agent.picks`).

Deliberately left out: coreference beyond ordinal references, and sarcasm.
"""

from __future__ import annotations

import re

from chat_rec.agent.cues import (
    ABOUT_THE_ASSISTANT,
    BUT_NOT,
    CHILD_AGE,
    CONTINUATION,
    CUE_WORDS,
    FILM_WORDS,
    FOR_ADULTS,
    FOREIGN,
    KIND_OF_FILM,
    LIKED_NAME,
    MAKER_OF,
    MEASURE_WORDS,
    NEGATED_SPAN,
    NEW_REQUEST,
    QUESTION,
    REFINE,
    SEEN,
    SEEN_AFTER,
    SEEN_ALL,
    SEEN_LIST,
    SOFTENED,
    SUPERLATIVE_FILLER,
    TOPIC,
    before,
    negated,
    other_language,
)
from chat_rec.agent.limits import read_count, read_countries, read_durations, read_years, relative_limits
from chat_rec.agent.picks import read_pointers, read_yes_no
from chat_rec.agent.preferences import Preferences
from chat_rec.agent.vocabulary import STOP, Vocabulary, content_words, phrase_hits
from chat_rec.catalog.items import Catalog
from chat_rec.catalog.titles import TitleLinker, normalise

SEEN_ALL_MAX = 40  # "I've seen all the dramas" is a figure of speech, not 200 seen films


def positive_text(text: str) -> str:
    """The message without what the user rules out: "like Arrival but less slow" -> "like Arrival but".

    Retrieval embeds and searches this, so "not horror" does not pull horror closer, and
    "of all time" does not pull time travel closer.
    """
    return re.sub(r"\s+", " ", SUPERLATIVE_FILLER.sub(" ", NEGATED_SPAN.sub(" ", text))).strip()


class Understander:
    def __init__(self, catalog: Catalog, linker: TitleLinker) -> None:
        self.catalog = catalog
        self.linker = linker
        self.vocab = Vocabulary.build(catalog)
        # a short tag is too ambiguous to read anywhere ("fun"), but a synonym of four
        # letters ("noir") or one no catalog text uses ("ww2", "mcu") was written to be read
        self.opposites = {k.lower(): v for k, v in catalog.mapping.opposites.items()}
        synonyms = {k.lower() for k in catalog.mapping.synonyms}
        self.tags = {
            k: v
            for k, v in self.vocab.tags.items()
            if " " in k or "-" in k or len(k) >= 5 or (k in synonyms and (len(k) >= 4 or k not in self.vocab.words))
        }

    def parse(self, message: str, previous_items: list[str] | None = None) -> Preferences:
        """Preferences stated in ``message``; ``previous_items`` is the last list shown."""
        text = self.vocab.respell(message)  # "somthing funy": a slip from a category or tag word
        prefs = Preferences(query=text.strip())
        previous_items = previous_items or []
        links = self.linker.find_in_text(text)
        titles = [(link.start, link.end) for link in links]
        for link in links:
            if link.item_id in previous_items and not SEEN.search(before(text, link.start)):
                target = prefs.anchor_items
                if negated(text, link.start):
                    target = prefs.disliked_items
            elif SEEN.search(before(text, link.start)) or SEEN_AFTER.search(text[link.end :]):
                target = prefs.seen_items if not re.search(r"\b(lik|lov|enjoy)", text, re.I) else prefs.liked_items
            elif negated(text, link.start):
                target = prefs.disliked_items
            else:
                target = prefs.liked_items
            if link.item_id not in target:
                target.append(link.item_id)
            if (
                MAKER_OF.search(before(text, link.start)) and target is prefs.liked_items
            ):  # "by the director of Parasite"
                item = self.catalog.by_id[link.item_id]
                prefs.liked_people.extend(p for p in self.catalog.lead_people(item) if p not in prefs.liked_people)
        read_pointers(text, previous_items, prefs)  # "more like the second one"
        if previous_items and SEEN_LIST.search(text):  # "seen them all": remembered as seen
            prefs.seen_items.extend(i for i in previous_items if i not in prefs.seen_items)
        tag_hits = [h for h in phrase_hits(text, self.tags) if not any(s < h[2] and h[1] < e for s, e in titles)]
        tag_spans = [(start, end) for _, start, end in tag_hits]  # "like Alien" names a film, not aliens
        for value, start, end in phrase_hits(text, self.vocab.categories):
            if any(s <= start and end <= e for s, e in titles):
                continue  # "Avengers: Infinity War" is not a wish for war films
            inside_tag = any(s <= start and end <= e and e - s > end - start for s, e in tag_spans)
            if inside_tag and negated(text, start):
                continue  # "not world war 2" does not rule out every war film; "a romantic comedy" is one
            if SOFTENED.search(before(text, start)):  # "less scary", "not that scary": fewer, not none
                word = text[start:end].lower()  # the category, and the synonym's own tags ("scary")
                softer = self.vocab.tag_words.get(word, []) if word != value.lower() else []
                prefs.disliked_tags.extend(t for t in [value, *softer] if t not in prefs.disliked_tags)
            else:
                (prefs.exclude_categories if negated(text, start) else prefs.include_categories).append(value)
        child = CHILD_AGE.search(text)  # "my 8 year old": whatever the mapping calls "kids"
        kids = self.vocab.categories.get("kids")
        if child and kids and kids not in prefs.include_categories and not negated(text, child.start()):
            prefs.include_categories.append(kids)
        adults = FOR_ADULTS.search(text)  # "like Toy Story but for adults"
        if adults and kids and kids not in prefs.include_categories:
            prefs.exclude_categories.append(kids)
            prefs.contrast = prefs.contrast or any(link.end <= adults.start() for link in links)
        for value, start, _ in tag_hits:
            ruled_out = negated(text, start) or SEEN_ALL.search(before(text, start))
            target = prefs.disliked_tags if ruled_out else prefs.liked_tags
            if value not in target:
                target.append(value)
            self._seen_all(before(text, start), prefs, tag=value)
        self._kinds_of_film(text, prefs, set(self.tags), tag_spans)
        self._ruled_out_words(text, prefs, [*tag_spans, *titles])  # "not Toy Story" is not "not story"
        self._topic(text, prefs, [*titles, *tag_spans])
        prefs.unknown_titles = self._unknown_names(text, titles)
        for value, start, _ in [
            *phrase_hits(text, self.vocab.people),
            *self._surname_hits(text, titles, [link.item_id for link in links]),
        ]:
            ruled_out = negated(text, start) or SEEN_ALL.search(before(text, start))
            target = prefs.disliked_people if ruled_out else prefs.liked_people
            if value not in target:
                target.append(value)
            self._seen_all(before(text, start), prefs, person=value)
        for value, start, _ in phrase_hits(text, self.vocab.languages, max_words=2):
            if negated(text, start):  # "not in English"
                prefs.exclude_language = value
            elif value not in prefs.languages and (  # the common language only when asked for: "in English"
                value != self.vocab.common_language or re.search(r"\b(?:in|or)\s+$", before(text, start), re.I)
            ):
                prefs.languages.append(value)
        read_countries(text, prefs, self.vocab.languages)
        prefs.count = read_count(text, titles, self.vocab)
        if FOREIGN.search(text) and not prefs.languages:
            prefs.exclude_language = self.vocab.common_language
        read_years(text, prefs, self.vocab.max_year)
        read_durations(text, prefs)
        read_yes_no(text, previous_items, prefs, links[0].start if links else None)  # "is it funny?"
        for name in prefs.include_categories:  # "a horror film, not too scary": the name wins over the synonym
            if name in prefs.exclude_categories:
                prefs.exclude_categories.remove(name)
        comparative = self._comparatives(text, prefs) if not prefs.about_pick else False
        # "like The Matrix but not so violent": more of the named film's series is not that either
        prefs.contrast = prefs.contrast or comparative or any(BUT_NOT.search(text[link.end :]) for link in links)
        seen_from_list = bool(set(prefs.seen_items) & set(previous_items))
        seen_named = [link.item_id for link in links if link.item_id in prefs.seen_items]
        if seen_named and not previous_items and not prefs.wants_something() and not prefs.anchor_items:
            # "The last movie I watched was Bridesmaids", and nothing else: films like it
            prefs.anchor_items.extend(dict.fromkeys(seen_named))
        new_request = bool(NEW_REQUEST.search(text))  # "start over", "something completely different"
        negative = prefs.disliked_tags or prefs.exclude_categories or prefs.disliked_people or prefs.disliked_items
        # "nothing too violent", "in French", "under 90 minutes", "I've seen Se7en": these narrow
        # the request just made, and so does "not too cheesy" when the catalog has no word for it
        rules_out = bool(negative or prefs.seen_items) or prefs.sets_limits() or bool(NEGATED_SPAN.match(text.lstrip()))
        only_rules_out = rules_out and not prefs.wants_something()
        off_topic = bool(QUESTION.search(text)) and not FILM_WORDS.search(text)
        if other_language(text) and not prefs.has_content():
            prefs.intent = "other_language"  # the question, with a note that only English is read
        elif (ABOUT_THE_ASSISTANT.search(text) or off_topic) and not prefs.has_content():
            prefs.intent = "chat"  # not a film request: the clarifying question, even for a known user
        elif new_request and not prefs.has_content():
            prefs.intent = "restart"  # "start over": the question too
        elif (
            previous_items
            and not new_request
            and (self._refers_back(text, prefs) or comparative or seen_from_list or only_rules_out)
        ):
            prefs.intent = "refine"
            relative_limits(self.catalog, text, prefs.anchor_items or previous_items, prefs)
        elif (
            not prefs.has_content()
            and len(content_words(SUPERLATIVE_FILLER.sub(" ", text))) < 2
            and not prefs.disliked_items
        ):
            prefs.intent = "clarify"
        elif only_rules_out and not prefs.sets_limits() and not prefs.anchor_items:
            # "I've seen all the Bond films" and nothing wanted, with no list to narrow: the
            # question (the next turn keeps what was ruled out), not picks chosen by nothing
            prefs.intent = "clarify"
        self._opposites(prefs)
        return prefs

    def _opposites(self, prefs: Preferences) -> None:
        """ "A gentle film": what the mapping lists as the opposite of a wanted tag or
        category ("violent", "Horror") counts against an item, as a disliked tag does."""
        wanted = {w.lower() for w in [*prefs.liked_tags, *prefs.include_categories]}
        for word in [*prefs.liked_tags, *prefs.include_categories]:
            for opposite in self.opposites.get(word.lower(), []):
                if opposite.lower() not in wanted and opposite not in prefs.disliked_tags:
                    prefs.disliked_tags.append(opposite)

    def _comparatives(self, text: str, prefs: Preferences) -> bool:
        """ "Something funnier", "darker": the base word's category or tag becomes a soft
        preference (a boost, not a filter). Returns whether the message had one."""
        found = False
        for word in re.findall(r"\b[a-z]{5,}\b", text.lower()):
            if not word.endswith("er") or word in MEASURE_WORDS or word in self.vocab.categories:
                continue
            for base in (word[:-3] + "y", word[:-2], word[:-3], word[:-1]):  # funnier sadder darker gentler
                if base in self.vocab.categories and base not in STOP:
                    value = self.vocab.categories[base]
                    if value not in prefs.boost_categories:
                        prefs.boost_categories.append(value)
                    found = True
                    break
                if base in self.vocab.tags and len(base) >= 3 and base not in STOP:
                    if self.vocab.tags[base] not in prefs.liked_tags:
                        prefs.liked_tags.append(self.vocab.tags[base])
                    found = True
                    break
        return found

    def _surname_hits(self, text: str, titles: list[tuple[int, int]], named: list[str]) -> list[tuple[str, int, int]]:
        """People named by a capitalised last name mid-sentence ("not by Nolan"), or at the
        start when a film word or nothing follows ("Tarantino movies"); a full name is
        matched by :func:`phrase_hits`, so a surname right after a first name is skipped."""
        hits: list[tuple[str, int, int]] = []
        for m in re.finditer(r"\b[A-Z][a-z]+\b", text):
            people = self.vocab.surnames.get(m.group(0))
            ahead = before(text, m.start()).rstrip()
            after = text[m.end() :].lstrip()
            if not people or re.search(r"[A-Z][a-z]+$", ahead):
                continue
            starts = not ahead or ahead[-1] in ".!?:"  # "Tarantino movies", "Nolan's films", "Spielberg"
            if starts and not re.match(r"(?:'s\s+)?(?:movies?|films?|flicks?)\b|\W*$", after, re.I):
                continue
            if re.match(r"[A-Z]", after) or any(s <= m.start() < e for s, e in titles):  # "King Kong"
                continue
            in_named = [p for p in people if any(p in self.catalog.people(self.catalog.by_id[i]) for i in named)]
            person = (in_named or people)[0]  # "Phoenix in Joker" is Joaquin; otherwise the best known
            hits.append((person, m.start(), m.end()))
        return hits

    def _ruled_out_words(self, text: str, prefs: Preferences, read: list[tuple[int, int]]) -> None:
        """A word the user rules out ("less slow", "nothing dark") dislikes every tag built
        on it ("slow burn", "dark comedy"): single short words are too ambiguous to count as
        liked tags, but next to a negation their meaning is plain. Words of a tag or title
        already ``read`` are left alone ("not world war 2" is not "not world")."""
        categories = {c.lower() for c in [*prefs.exclude_categories, *prefs.include_categories]}
        for span in NEGATED_SPAN.finditer(text):
            for m in re.finditer(r"[a-z']+", span.group(0).lower()):
                word, at = m.group(0), span.start() + m.start()
                if word not in content_words(word) or any(s <= at < e for s, e in read):
                    continue
                if word in CUE_WORDS or word in MEASURE_WORDS or word in self.vocab.categories or word in categories:
                    continue
                for tag in self.vocab.tag_words.get(word, []):
                    if tag not in prefs.disliked_tags and tag not in prefs.liked_tags:
                        prefs.disliked_tags.append(tag)

    def _kinds_of_film(self, text: str, prefs: Preferences, long_tags: set[str], read: list[tuple[int, int]]) -> None:
        """ "A spy movie": a short tag right before a film word. On its own a short word is
        too ambiguous to be a tag; ``long_tags`` and the ``read`` spans were matched already."""
        for m in KIND_OF_FILM.finditer(text):
            word = m.group(1).lower()
            known = [t.lower().split() for t in [*prefs.liked_tags, *prefs.disliked_tags]]
            if word in long_tags or word in self.vocab.categories or any(word in t for t in known):  # "a dark comedy"
                continue
            if any(s < m.end() and m.start() < e for s, e in read):  # "a sad movie" is a mood phrase
                continue
            kind = self.vocab.tags.get(word)
            ruled_out = negated(text, m.start()) or SEEN_ALL.search(before(text, m.start()))
            target = prefs.disliked_tags if ruled_out else prefs.liked_tags
            if kind and kind not in target:
                target.append(kind)

    def _seen_all(self, ahead: str, prefs: Preferences, tag: str | None = None, person: str | None = None) -> None:
        """ "I've seen all the James Bond films": every item with that tag or person is seen
        (up to ``SEEN_ALL_MAX``; "seen most" only dislikes the tag softly)."""
        cue = SEEN_ALL.search(ahead)
        if not cue or not re.search(r"\b(all|every)\b", cue.group(0), re.IGNORECASE):
            return
        catalog = self.catalog
        having = [
            item.id
            for item in catalog.items
            if (tag and tag in catalog.tags(item)) or (person and person in catalog.people(item))
        ]
        if len(having) <= SEEN_ALL_MAX:
            prefs.seen_items.extend(i for i in having if i not in prefs.seen_items)

    def _unknown_names(self, text: str, titles: list[tuple[int, int]]) -> list[str]:
        """ "Something like The Office": a capitalised name after a liking cue that is no
        title, person, category, tag or language of the catalog. The answer says it was not
        found rather than quietly going by the other words."""
        names: list[str] = []
        vocab = self.vocab
        spans: list[tuple[int, str]] = []
        for m in LIKED_NAME.finditer(text):
            start, end = m.span(1)
            if not any(s < end and start < e for s, e in titles):
                spans.append((start, m.group(1)))
                continue
            offset = start  # "Breaking Bad and Inception": the parts that are not linked titles
            for part in re.split(r"(\s+(?:and|&)\s+)", m.group(1)):
                spans.append((offset, part))
                offset += len(part)
        for start, raw in spans:
            name = raw.strip().rstrip(".,!?:;'’")
            lower = name.lower()
            end = start + len(raw)
            if any(s < end and start < e for s, e in titles) or not content_words(name) or lower in ("and", "&"):
                continue
            if lower in vocab.categories or lower in vocab.tags or lower in vocab.languages:
                continue
            if lower in vocab.people or f"{lower}." in vocab.people:  # "Robert Downey Jr." before a comma
                continue
            if any(w in vocab.surnames or w.lower() in vocab.categories for w in name.split()):
                continue
            names.append(name)
        return names

    def _topic(self, text: str, prefs: Preferences, read: list[tuple[int, int]]) -> None:
        """ "A movie about a dog", "with a dog": the word after "about" (or "with",
        "featuring") is wanted as a tag ("dogs"), or, when only longer tags hold it ("space
        horror"), as a word those tags partly match. After "with" a capitalised word starts a
        name ("with Tom Hanks"), not a topic. A word in a title or tag already ``read`` is
        left alone ("About a Boy", "with a female lead")."""
        for m in TOPIC.finditer(text):
            word = m.group(1).lower()
            in_read = any(start <= m.start(1) < end for start, end in read)
            if in_read or word in STOP or word in CUE_WORDS or negated(text, m.start()):
                continue
            if not m.group(0).lower().startswith("about") and m.group(1)[0].isupper():
                continue
            forms = [word, f"{word}s", word[:-1] if word.endswith("s") else word]
            tag = next((self.vocab.tags[f] for f in forms if f in self.vocab.tags), None)
            tag = tag or next((f for f in forms if f in self.vocab.tag_words), None)
            known = {t.lower() for t in [*prefs.liked_tags, *prefs.disliked_tags]}
            if tag and not any(word in t for t in known) and tag.lower() not in known:
                prefs.liked_tags.append(tag)

    @staticmethod
    def _refers_back(text: str, prefs: Preferences) -> bool:
        if prefs.anchor_items or (prefs.disliked_items and not prefs.liked_items):
            return True
        if prefs.liked_items:
            return False  # a new title starts a new request
        return bool(REFINE.search(text) or CONTINUATION.match(text)) or not content_words(normalise(text))
