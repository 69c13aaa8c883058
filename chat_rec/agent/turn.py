"""One turn, as a forward pipeline: understand -> retrieve -> rank -> explain -> store.

Explaining (one reason per pick, written by the LLM and verified in code) lives in
:mod:`chat_rec.agent.explain`.

:class:`Agent` is the only entry point for UI, CLI and eval. ``turn()`` is a generator
of events (:mod:`chat_rec.agent.events`); the last one is always ``Done`` with the stored
turn, whatever failed on the way (a dead LLM, garbage output, a timeout all end in a
template answer built from the ranked candidates).

Deliberately left out: concurrency control between two turns of the same user; the
store serialises writes and the UI runs one turn at a time per session.
"""

from __future__ import annotations

import functools
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from chat_rec.agent.compose import answer_line, facts_line, missing_people, unknown_titles
from chat_rec.agent.cues import FACT_QUESTION, NEW_REQUEST
from chat_rec.agent.events import Clarify, Done, Event, Status, TextDelta
from chat_rec.agent.explain import Explainer
from chat_rec.agent.filters import apply_filters
from chat_rec.agent.preferences import Preferences
from chat_rec.agent.rank import RankingConfig, load_ranking_config, mmr, one_per_series, rank, ranking_version
from chat_rec.agent.retrieve import UserContext, retrieve
from chat_rec.agent.understand import Understander
from chat_rec.errors import ChatRecError, InputError
from chat_rec.index.space import ItemSpace
from chat_rec.llm.base import LLM
from chat_rec.memory.store import Store, TurnRecord
from chat_rec.prompts.registry import PromptFile, load_prompt
from chat_rec.prompts.usage import note_prompt, track_prompts, tracked_prompts
from chat_rec.settings import Settings
from chat_rec.signals import Signals

ONLY_ENGLISH = "I can only read English so far, so please tell me in English."


@dataclass
class Ranked:
    """Retrieval + ranking result for one turn (what eval scores)."""

    prefs: Preferences
    ranked: list[tuple[str, float]]
    shortlist: list[str]
    timings: dict[str, float] = field(default_factory=dict)


def clean_message(message: str, max_chars: int) -> tuple[str, bool]:
    text = "".join(ch for ch in message if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = text.strip()
    if not text:
        raise InputError("the message is empty", "Type what you are in the mood for, e.g. 'a funny heist film'.")
    truncated = len(text) > max_chars
    return text[:max_chars], truncated


class Agent:
    def __init__(
        self,
        settings: Settings,
        space: ItemSpace,
        store: Store,
        llm: LLM | None,
        signals: Signals | None = None,
        ranking: RankingConfig | None = None,
    ) -> None:
        self.settings = settings
        self.space = space
        self.catalog = space.catalog
        self.store = store
        self.llm = llm
        self.signals = signals or Signals()
        self._feedback_stamp: tuple[int, int] | None = None  # feedback the signals were built with
        self.ranking = ranking or load_ranking_config(settings.ranking_config)
        self.understander = Understander(self.catalog, space.linker)

    @classmethod
    def from_settings(
        cls, settings: Settings, progress: bool = True, store: Store | None = None, preload_embedder: bool = True
    ) -> Agent:
        """``preload_embedder``: load the embedding model in the background now, for a page or
        server whose first message comes later. A one-shot command passes False: a message
        that names only titles never needs the model, and one that does pays the same either
        way (both loads take turns on Python's lock while they import)."""
        from chat_rec.index.space import open_space
        from chat_rec.llm import make_llm
        from chat_rec.signals.store import load_signals

        space = open_space(settings, progress=progress, preload_model=preload_embedder)
        store = store or Store(settings.store_url)
        stamp = store.feedback_stamp()
        agent = cls(settings, space, store, make_llm(settings), load_signals(settings, space))
        agent._feedback_stamp = stamp
        return agent

    def refresh_signals(self) -> None:
        """Every user's likes, dislikes and seen clicks feed popularity and co-occurrence
        from the next turn on: rebuild the feedback source when the store's feedback changed."""
        from chat_rec.signals.store import with_feedback

        stamp = self.store.feedback_stamp()
        if stamp == self._feedback_stamp or (self._feedback_stamp is None and stamp == (0, 0)):
            self._feedback_stamp = stamp
            return
        self.signals = with_feedback(self.settings, self.space, self.signals, self.store)
        self._feedback_stamp = stamp

    # prompts -------------------------------------------------------------------
    def prompt(self, name: str, version: str | None = None, user_id: str | None = None) -> PromptFile:
        from chat_rec.prompts.choose import choose_version

        chosen = version or choose_version(self.settings, name, user_id)
        loaded = load_prompt(self.settings.prompts_dir, name, chosen)
        note_prompt(loaded)  # the turn's trace lists every prompt version and hash it used
        return loaded

    # pipeline pieces (eval calls these directly) -------------------------------
    def user_context(self, user_id: str, conversation_id: str) -> UserContext:
        feedback = self.store.feedback(user_id)
        stated = self.store.preferences(user_id)
        liked = [*feedback["like"], *stated["like_item"]]
        disliked = [*feedback["dislike"], *stated["dislike_item"]]
        # liked items are known to the user too: they steer ranking but are not offered again
        excluded = feedback["seen"] | set(disliked) | set(liked) | self.store.shown_items(user_id, conversation_id)
        return UserContext(liked=list(dict.fromkeys(liked)), disliked=list(dict.fromkeys(disliked)), excluded=excluded)

    def rank_for(self, prefs: Preferences, user: UserContext) -> Ranked:
        t0 = time.perf_counter()
        self.refresh_signals()
        candidates = retrieve(self.space, prefs, user, self.signals, n=self.settings.n_retrieve)
        t1 = time.perf_counter()
        ranked = rank(candidates, self.ranking, self.signals)
        varied = one_per_series(ranked, self.space.series.key_of)  # for the shortlist only
        vectors = {i: self.space.vector(i) for i, _ in varied[:60]}
        size = max(self.settings.n_llm_candidates, prefs.count or 0)  # "give me 8 comedies"
        if "pick" in self.roles():
            size = max(size, self.settings.pick_candidates)
        shortlist = mmr(varied, vectors, size, self.settings.diversity)
        t2 = time.perf_counter()
        return Ranked(prefs, ranked, shortlist, {"retrieve_ms": (t1 - t0) * 1000, "rank_ms": (t2 - t1) * 1000})

    def understand(self, message: str, history: list[TurnRecord]) -> Preferences:
        last_recs = next((t for t in reversed(history) if t.kind == "recommend"), None)
        previous_items = [i for i, _ in last_recs.recommendations] if last_recs else []
        now = self.understander.parse(message, previous_items)
        if "read" in self.roles() and self.llm is not None and now.intent in ("recommend", "refine"):
            now = self._read_role(message, history, now)
        elif (
            self.settings.llm_understand
            and self.llm is not None
            and now.intent == "recommend"
            and not now.has_content()
        ):
            now = self._model_reading(message, now)
        previous = Preferences.from_dict(history[-1].preferences) if history else Preferences()
        # "something in Korean", then "a comedy": the first request only set the frame
        framed = bool(history) and previous.sets_limits() and not previous.wants_something()
        fresh = bool(NEW_REQUEST.search(message))
        if framed and not fresh and now.intent == "recommend" and now.wants_something() and not now.sets_limits():
            now.intent = "refine"
        if now.intent == "refine" or (history and history[-1].kind == "clarify"):
            merged = now.merged_onto(previous)
            # "is it funny?" asks about a pick: its words are not more of the request
            merged.query = previous.query if now.about_pick else f"{previous.query} {message}".strip()
            if merged.intent == "clarify":
                merged.intent = "refine"
            return merged
        # a new request keeps what the user ruled out, not what they asked for last time
        now.disliked_items = list(dict.fromkeys([*previous.disliked_items, *now.disliked_items]))
        now.seen_items = list(dict.fromkeys([*previous.seen_items, *now.seen_items]))
        return now

    def _read_role(self, message: str, history: list[TurnRecord], prefs: Preferences) -> Preferences:
        """The ``read`` role: the model's structured reading merged onto the rules' (soft only)."""
        from chat_rec.agent.understand_llm import read_preferences

        assert self.llm is not None
        earlier = [t.message for t in history[-2:] if t.kind != "clarify"]
        return read_preferences(
            self.llm,
            self.prompt("read"),
            message,
            earlier,
            prefs,
            self.catalog,
            self.understander.vocab,
            self.space.linker,
            self.settings.llm_timeout_s,
        )

    def _model_reading(self, message: str, prefs: Preferences) -> Preferences:
        """Rules found nothing to hold on to: let the model name categories and moods (soft)."""
        from chat_rec.agent.understand_llm import read_message

        assert self.llm is not None
        try:
            reading = read_message(
                self.llm, self.prompt("understand"), message, self.understander.vocab, self.settings.llm_timeout_s
            )
        except ChatRecError:
            return prefs  # the rules' reading stands
        prefs.boost_categories = reading.boost_categories
        return prefs

    # the turn --------------------------------------------------------------------
    def turn(
        self,
        user_id: str,
        message: str,
        conversation_id: str = "default",
        prompt_versions: dict[str, str] | None = None,
        filters: dict[str, Any] | None = None,
    ) -> Iterator[Event]:
        """``filters`` (year_min, year_max, duration_max, exclude_categories) hold for this turn only.

        A listener that stops reading mid-stream (a closed tab, a Streamlit rerun,
        ``chat-rec ask ... | head -1``) closes the generator: the turn is then finished
        unseen, so the message and the picks are still stored."""
        events = self._turn(user_id, message, conversation_id, prompt_versions, filters)
        try:
            for event in events:  # noqa: UP028 - ``yield from`` would close the inner generator too
                yield event
        except GeneratorExit:
            for _ in events:
                pass
            raise

    def _turn(
        self,
        user_id: str,
        message: str,
        conversation_id: str,
        prompt_versions: dict[str, str] | None,
        filters: dict[str, Any] | None,
    ) -> Iterator[Event]:
        from chat_rec.agent.understand_llm import READ_TRACE

        started = time.perf_counter()
        track_prompts()
        READ_TRACE.set(None)
        versions = prompt_versions or {}
        text, truncated = clean_message(message, self.settings.max_message_chars)
        history = self.store.turns(user_id, conversation_id, limit=6)
        yield Status("understanding")
        prefs = self.understand(text, history)
        timings: dict[str, float] = {"understand_ms": (time.perf_counter() - started) * 1000}
        self._remember_preferences(user_id, prefs)
        prefs = apply_filters(prefs, filters)  # after remembering: sidebar filters are not stated tastes
        profile = self.store.preferences(user_id)
        knows_user = bool(profile["like_item"] or profile["like_attr"] or self.store.feedback(user_id)["like"])
        vague = prefs.intent == "clarify" and not knows_user and not (history and history[-1].kind == "clarify")
        if vague or prefs.intent in ("chat", "other_language", "restart"):
            yield from self._clarify(user_id, conversation_id, text, prefs, versions, started)
            return
        yield Status("retrieving")
        user = self.user_context(user_id, conversation_id)
        result = self.rank_for(prefs, user)
        timings.update(result.timings)
        yield Status("writing")
        recommend = self.prompt("recommend", versions.get("recommend"), user_id)
        intro_prompt = self.prompt("intro", versions.get("intro"), user_id)
        fact = self._fact(text, prefs)  # "who directed Jaws?": the record's answer first, then picks like it
        n_picks = prefs.count or self.settings.n_recommendations
        missing = missing_people(self.catalog, prefs, result.shortlist[:n_picks])
        preface = "\n".join(line for line in (unknown_titles(prefs), fact, missing) if line)
        if preface:
            yield TextDelta(preface + "\n")
        intro, picks, trace = yield from self.explainer(versions, user_id).compose(
            text, prefs, result.shortlist, history, recommend, intro_prompt
        )
        intro = f"{preface}\n{intro}" if preface else intro
        timings.update(trace.pop("timings"))
        if truncated:
            note = f"(Your message was long, so I read only its first {self.settings.max_message_chars} characters.)"
            yield TextDelta("\n" + note)
            intro = f"{note} {intro}"
        reply = intro + "".join(
            f"\n{n}. {self.catalog.display_title(self.catalog.by_id[i])}: {r}" for n, (i, r) in enumerate(picks, 1)
        )
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        record = TurnRecord(
            user_id=user_id,
            conversation_id=conversation_id,
            message=text,
            reply=reply,
            kind="recommend",
            recommendations=picks,
            prompt_name=recommend.name,
            prompt_version=recommend.version,
            prompt_hash=recommend.content_hash,
            ranking_version=ranking_version(self.ranking, self.signals),
            llm=trace.get("llm"),
            grounded=all(i in self.catalog and i in result.shortlist for i, _ in picks),
            fallback_reason=trace.get("fallback_reason"),
            preferences=prefs.to_dict(),
            trace={
                **trace,
                "roles": {**trace.get("roles", {}), **({"read": READ_TRACE.get()} if READ_TRACE.get() else {})},
                "timings": timings,
                "shortlist": result.shortlist,
                "ranked": [i for i, _ in result.ranked[:50]],
                "prompts": tracked_prompts(),
                "signals": self.signals.version,
            },
        )
        self.store.record_turn(record)
        yield Done(record)

    def _fact(self, text: str, prefs: Preferences) -> str:
        named = [i for i in [*prefs.anchor_items, *prefs.liked_items] if i in self.catalog]
        if named and prefs.about_pick:  # "is it funny?"
            return answer_line(self.catalog, self.catalog.by_id[named[0]], prefs.asked_about)
        if not named or not FACT_QUESTION.search(text):
            return ""
        return facts_line(self.catalog, self.catalog.by_id[named[0]])

    def _remember_preferences(self, user_id: str, prefs: Preferences) -> None:
        self.store.add_preferences(user_id, "like_item", prefs.liked_items)
        self.store.add_preferences(user_id, "dislike_item", prefs.disliked_items)
        self.store.add_preferences(user_id, "like_attr", [*prefs.include_categories, *prefs.liked_people])
        self.store.add_preferences(user_id, "dislike_attr", [*prefs.exclude_categories, *prefs.disliked_people])
        for item_id in prefs.seen_items:
            self.store.add_feedback(user_id, item_id, "seen")

    @functools.cache  # noqa: B019 - one Agent per catalog; the cache lives as long as it does
    def _top_categories(self) -> list[str]:
        """Categories by how many items have them: the clarifying question's quick replies."""
        counts = Counter(c for item in self.catalog.items for c in self.catalog.categories(item))
        return [c for c, _ in counts.most_common()]

    def _clarify(
        self,
        user_id: str,
        conversation_id: str,
        text: str,
        prefs: Preferences,
        versions: dict[str, str],
        started: float,
    ) -> Iterator[Event]:
        prompt = self.prompt("clarify", versions.get("clarify"), user_id)
        options = self._top_categories()[:4]
        question = prompt.render_text(options=options)
        if prefs.intent == "other_language":
            question = f"{ONLY_ENGLISH} {question}"
        elif prefs.unknown_titles:
            question = f"{unknown_titles(prefs)} {question}"
        yield TextDelta(question)
        yield Clarify(question, options)
        record = TurnRecord(
            user_id=user_id,
            conversation_id=conversation_id,
            message=text,
            reply=question,
            kind="clarify",
            prompt_name=prompt.name,
            prompt_version=prompt.version,
            prompt_hash=prompt.content_hash,
            ranking_version=ranking_version(self.ranking, self.signals),
            preferences=prefs.to_dict(),
            trace={
                "options": options,
                "timings": {"total_ms": (time.perf_counter() - started) * 1000},
                "prompts": tracked_prompts(),
            },
        )
        self.store.record_turn(record)
        yield Done(record)

    def roles(self) -> frozenset[str]:
        """The model's roles this turn (``CHAT_REC_LLM_ROLES`` or the model's default)."""
        from chat_rec.llm.roles import llm_roles

        return llm_roles(self.settings, self.llm.name if self.llm else None)

    def explainer(self, versions: dict[str, str] | None = None, user_id: str | None = None) -> Explainer:
        """The explain step (eval runs it too, so the LLM's part of a turn is the same code).
        Built per turn: tests and eval may swap ``self.llm``."""
        chosen = versions or {}
        return Explainer(
            self.catalog,
            self.understander.vocab,
            self.llm,
            self.settings,
            lambda name: self.prompt(name, chosen.get(name), user_id),
            self.roles(),
        )
