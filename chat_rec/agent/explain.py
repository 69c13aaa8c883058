"""Explain: choose and explain the picks for a ranked shortlist, streaming a card per pick.

Which part the model plays is the turn's roles (:mod:`chat_rec.llm.roles`):

- ``pick``: one call chooses k of the ranked top N (:mod:`chat_rec.agent.pick`), each
  with its reason; a card is yielded as soon as its object closes. Missing slots (an id
  outside the candidates, a duplicate, truncated, malformed or empty output) are filled
  in the ranking's order and labelled in the trace (``filled``).
- ``explain``: the model writes one reason per pick, one call per pick
  (:func:`chat_rec.agent.compose.write_reason`); the picks are the ranking's.
- neither (or no model): the ranking's picks with template reasons.

Every model reason is kept only if it passes :func:`chat_rec.agent.verify.check_reason`,
is specific (:mod:`chat_rec.agent.specific`) and is not another pick's text; otherwise
the template reason (``prompts/reason/``) is shown. After the first model failure (a
dead server, a timeout) the rest of the turn uses templates.

Deliberately left out: reordering the picks after they stream (a card once shown stays).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from chat_rec.agent.compose import describe, write_reason
from chat_rec.agent.events import Card, Event, TextDelta
from chat_rec.agent.pick import candidate_lines, stream_picks
from chat_rec.agent.preferences import Preferences
from chat_rec.agent.specific import matching_facts, names_fact, reason_parts, same_text
from chat_rec.agent.verify import check_reason
from chat_rec.agent.vocabulary import Vocabulary
from chat_rec.catalog.items import Catalog
from chat_rec.errors import ChatRecError
from chat_rec.llm.base import LLM
from chat_rec.memory.store import TurnRecord
from chat_rec.prompts.budget import fit_inputs
from chat_rec.prompts.registry import PromptFile
from chat_rec.settings import Settings

Composed = tuple[str, list[tuple[str, str]], dict[str, Any]]  # intro, (item id, reason) per pick, trace


def proper_title(reason: str, title: str) -> str:
    """The item's title as the catalog spells it: "A fish called wanda" -> "A Fish Called Wanda"."""
    return re.sub(re.escape(title), lambda _: title, reason, flags=re.IGNORECASE)


@dataclass
class _Turn:
    """One compose call's state: the request, what is shown so far, the trace."""

    text: str
    prefs: Preferences
    titles: list[str]  # a reason may not borrow another item's name
    trace: dict[str, Any]
    started: float
    deadline: float
    picks: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Explainer:
    """What one turn's explaining needs (``Agent.explainer()`` builds it)."""

    catalog: Catalog
    vocab: Vocabulary
    llm: LLM | None
    settings: Settings
    prompt: Callable[[str], PromptFile]  # loaded through the agent, so the turn's trace lists it
    roles: frozenset[str] = frozenset({"explain"})

    def compose(
        self,
        text: str,
        prefs: Preferences,
        shortlist: list[str],
        history: list[TurnRecord],
        recommend: PromptFile,
        intro_prompt: PromptFile,
    ) -> Generator[Event, None, Composed]:
        """Yields the intro, then a card and a text line per pick; returns (intro, picks, trace)."""
        n = min(prefs.count or self.settings.n_recommendations, len(shortlist))
        roles = self.roles if self.llm is not None else frozenset()
        trace: dict[str, Any] = {
            "llm": self.llm.name if self.llm else None,
            "roles": {name: {} for name in sorted(roles)},
            "timings": {},
            "verdicts": [],
        }
        intro = intro_prompt.render_text(request=text, n=n, constraints=prefs.constraints_text())
        yield TextDelta(intro)
        if n == 0:
            trace["fallback_reason"] = "no candidates"
            return intro, [], trace
        if self.llm is None:
            trace["fallback_reason"] = "no LLM configured"
        elif not roles & {"pick", "explain"}:
            trace["fallback_reason"] = "no model role writes reasons (CHAT_REC_LLM_ROLES)"
        named = [self.catalog.by_id[i].title for i in [*prefs.liked_items, *prefs.anchor_items] if i in self.catalog]
        titles = [self.catalog.by_id[i].title for i in shortlist] + named
        now = time.perf_counter()
        turn = _Turn(text, prefs, titles, trace, now, time.monotonic() + self.settings.llm_timeout_s)
        history_inputs = [{"user": t.message} for t in history[-2:] if t.kind != "clarify"]
        filled_why = ""
        if "pick" in roles:
            filled_why = yield from self._pick(turn, shortlist, n, history_inputs)
        for item_id in shortlist:
            if len(turn.picks) >= n:
                break
            if any(item_id == chosen for chosen, _ in turn.picks):
                continue
            raw = ""
            if "explain" in roles and "fallback_reason" not in trace:
                raw = self._model_reason(turn, item_id, recommend, history_inputs)
            if filled_why:
                trace.setdefault("filled", []).append(
                    {"slot": len(turn.picks) + 1, "item_id": item_id, "why": filled_why}
                )
            yield from self._show(turn, item_id, raw, "explain" if raw else "template")
        trace["timings"]["llm_ms"] = (time.perf_counter() - turn.started) * 1000
        return intro, turn.picks, trace

    def _pick(
        self, turn: _Turn, shortlist: list[str], n: int, history_inputs: list[dict[str, str]]
    ) -> Generator[Event, None, str]:
        """The pick role's picks, shown as they close; returns why slots are left to fill ("")."""
        assert self.llm is not None
        prompt = self.prompt("pick")
        pool = shortlist[: max(self.settings.pick_candidates, n)]
        described = [describe(self.catalog, self.catalog.by_id[i], turn.prefs) for i in pool]
        inputs = {"request": turn.text, "candidates": candidate_lines(described), "k": n, "history": history_inputs}
        stream = stream_picks(self.llm, prompt, inputs, pool, n, turn.deadline)
        try:
            while True:
                item_id, raw = next(stream)
                yield from self._show(turn, item_id, raw, "pick")
        except StopIteration as stop:
            outcome = stop.value
        turn.trace["roles"]["pick"] = {"prompt": prompt.ref, "hash": prompt.content_hash, **outcome.to_dict()}
        turn.trace["timings"]["pick_ms"] = (time.perf_counter() - turn.started) * 1000
        if outcome.problem and "took longer" in outcome.problem:
            turn.trace["fallback_reason"] = outcome.problem
        if len(turn.picks) >= n:
            return ""
        if outcome.problem:
            return outcome.problem
        dropped = "; ".join(f"{d['id']}: {d['why']}" for d in outcome.dropped)
        return f"the model gave {len(outcome.kept)} valid picks of {n}" + (f" ({dropped})" if dropped else "")

    def _model_reason(
        self, turn: _Turn, item_id: str, recommend: PromptFile, history_inputs: list[dict[str, str]]
    ) -> str:
        """The explain role: one call for one pick's reason ("" and a fallback note on failure)."""
        assert self.llm is not None
        item = self.catalog.by_id[item_id]
        turn.trace["roles"].setdefault("explain", {}).update({"prompt": recommend.ref, "hash": recommend.content_hash})
        try:
            inputs = fit_inputs(
                recommend,
                {"request": turn.text, "item": describe(self.catalog, item, turn.prefs), "history": history_inputs},
                budget=self.settings.llm_context - recommend.model.max_tokens - 64,
            )
            return write_reason(self.llm, recommend, inputs, turn.deadline)
        except ChatRecError as exc:
            turn.trace["fallback_reason"] = str(exc)
        except Exception as exc:  # a backend bug must not lose the turn; record it and fall back
            turn.trace["fallback_reason"] = f"{type(exc).__name__}: {exc}"
        finally:
            turn.trace["timings"].setdefault("first_reason_ms", (time.perf_counter() - turn.started) * 1000)
        return ""

    def _show(self, turn: _Turn, item_id: str, raw: str, source: str) -> Generator[Event, None, None]:
        """Settle one pick's reason (the model's if kept, else the template's) and stream its card."""
        item = self.catalog.by_id[item_id]
        shown = [r for _, r in turn.picks]
        facts = matching_facts(self.catalog, item, turn.prefs, turn.text)
        verdict = check_reason(raw, item, self.catalog, self.vocab, turn.titles, request=turn.text)
        problem = verdict.problem
        if verdict.ok and names_fact(raw, facts) is None:
            problem = "not specific: names no fact of its record that matches what the user said"
        elif verdict.ok and same_text(raw, shown):
            problem = "the same text as another pick's reason"
        kept = bool(raw) and not problem
        reason = proper_title(raw, item.title) if kept else self.template_reason(item_id, turn.prefs, turn.text, shown)
        turn.trace["verdicts"].append(
            {
                "item_id": item_id,
                "source": source,
                "ok": kept,
                "problem": problem,
                "raw": raw,
                "shown": "model" if kept else "template",
                "specific": names_fact(reason, facts) is not None,
                "repeat": same_text(reason, shown),
            }
        )
        turn.picks.append((item_id, reason))
        position = len(turn.picks)
        turn.trace["timings"].setdefault("first_card_ms", (time.perf_counter() - turn.started) * 1000)
        yield self.card(position, item_id, reason)
        yield TextDelta(f"\n{position}. {self.catalog.display_title(item)}: {reason}")

    def template_reason(self, item_id: str, prefs: Preferences, request: str, shown: list[str] | None = None) -> str:
        """The template's sentence; if it reads the same as a reason already shown, the next
        detail of the record makes it differ."""
        item = self.catalog.by_id[item_id]
        why = reason_parts(self.catalog, item, prefs, request)
        described = describe(self.catalog, item, prefs)
        prompt = self.prompt("reason")
        reason = prompt.render_text(item=described, why=why).strip()
        for detail in why["details"][1:]:
            if not same_text(reason, shown or []):
                break
            reason = prompt.render_text(item=described, why={**why, "detail": detail}).strip()
        return reason

    def card(self, position: int, item_id: str, reason: str) -> Card:
        item = self.catalog.by_id[item_id]
        return Card(position, item_id, self.catalog.display_title(item), reason, describe(self.catalog, item))
