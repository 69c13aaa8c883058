"""Explain: write the answer for a ranked shortlist, one pick at a time.

The intro streams first, then for each pick the model's reason (from
:func:`chat_rec.agent.compose.write_reason`) is checked by
:func:`chat_rec.agent.verify.check_reason`; a failed or unfaithful reason is replaced by
the template reason, and after the first model failure (a dead server, a timeout) the
rest of the turn uses templates too. Each pick yields a card, then its text line.

Deliberately left out: choosing the picks; ranking has already done that.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from chat_rec.agent.compose import describe, write_reason
from chat_rec.agent.events import Card, Event, TextDelta
from chat_rec.agent.preferences import Preferences
from chat_rec.agent.verify import check_reason
from chat_rec.agent.vocabulary import Vocabulary
from chat_rec.catalog.items import Catalog
from chat_rec.errors import ChatRecError
from chat_rec.llm.base import LLM
from chat_rec.memory.store import TurnRecord
from chat_rec.prompts.budget import fit_inputs
from chat_rec.prompts.registry import PromptFile
from chat_rec.settings import Settings

log = logging.getLogger(__name__)
Composed = tuple[str, list[tuple[str, str]], dict[str, Any]]  # intro, (item id, reason) per pick, trace


def proper_title(reason: str, title: str) -> str:
    """The item's title as the catalog spells it: "A fish called wanda" -> "A Fish Called Wanda"."""
    return re.sub(re.escape(title), lambda _: title, reason, flags=re.IGNORECASE)


def as_data(described: dict[str, Any]) -> dict[str, Any]:
    """The item for a prompt, its catalog description quoted as one JSON string: a
    description that holds instructions, line breaks or a fake "System:" line stays one
    quoted value inside its line, and reads as data (the verifier rejects a reason that
    obeys it anyway)."""
    description = described.get("description") or ""
    return {**described, "description": json.dumps(description, ensure_ascii=False)}


@dataclass
class Explainer:
    """What one turn's explaining needs (``Agent.explainer()`` builds it)."""

    catalog: Catalog
    vocab: Vocabulary
    llm: LLM | None
    settings: Settings
    reason_template: Callable[[], PromptFile]  # loaded through the agent, so the turn's trace lists it

    def compose(
        self,
        text: str,
        prefs: Preferences,
        shortlist: list[str],
        history: list[TurnRecord],
        recommend: PromptFile,
        intro_prompt: PromptFile,
    ) -> Generator[Event, None, Composed]:
        """Yields the intro, then a card and a text line per pick; returns (intro, picks, trace).

        Picks are the first ``n`` of the shortlist (ranking decides). The model writes a
        reason for each; a failed or unfaithful reason is replaced by the template reason,
        and after the first model failure the rest of the turn uses templates too.
        """
        n = min(prefs.count or self.settings.n_recommendations, len(shortlist))
        trace: dict[str, Any] = {"llm": self.llm.name if self.llm else None, "timings": {}, "verdicts": []}
        intro = intro_prompt.render_text(request=text, n=n, constraints=prefs.constraints_text())
        yield TextDelta(intro)
        if n == 0:
            trace["fallback_reason"] = "no candidates"
            return intro, [], trace
        if self.llm is None:
            trace["fallback_reason"] = "no LLM configured"
        started = time.perf_counter()
        deadline = time.monotonic() + self.settings.llm_timeout_s
        items = [self.catalog.by_id[i] for i in shortlist]
        named = [self.catalog.by_id[i].title for i in [*prefs.liked_items, *prefs.anchor_items] if i in self.catalog]
        titles = [item.title for item in items] + named  # a reason may not borrow another item's name
        history_inputs = [{"user": t.message} for t in history[-2:] if t.kind != "clarify"]
        picks: list[tuple[str, str]] = []
        for position, item in enumerate(items[:n], 1):
            described = describe(self.catalog, item, prefs)
            reason = ""
            if self.llm is not None and "fallback_reason" not in trace:
                try:
                    inputs = fit_inputs(
                        recommend,
                        {"request": text, "item": described, "history": history_inputs},
                        budget=self.settings.llm_context - recommend.model.max_tokens - 64,
                    )
                    inputs["item"] = as_data(inputs["item"])  # after fitting, so a cut keeps both quotes
                    reason = write_reason(self.llm, recommend, inputs, deadline)
                except ChatRecError as exc:
                    trace["fallback_reason"] = str(exc)
                    log.warning("the model failed, template reasons for the rest of the turn: %s", exc, exc_info=True)
                except Exception as exc:  # a backend bug must not lose the turn; record it and fall back
                    trace["fallback_reason"] = f"{type(exc).__name__}: {exc}"
                    log.error("the model backend raised; template reasons for the rest of the turn", exc_info=True)
                trace["timings"].setdefault("first_reason_ms", (time.perf_counter() - started) * 1000)
            verdict = check_reason(reason, item, self.catalog, self.vocab, titles, request=text)
            trace["verdicts"].append({"item_id": item.id, "ok": verdict.ok, "problem": verdict.problem, "raw": reason})
            reason = self.template_reason(described) if not verdict.ok else proper_title(reason, item.title)
            picks.append((item.id, reason))
            yield self.card(position, item.id, reason)
            yield TextDelta(f"\n{position}. {self.catalog.display_title(item)}: {reason}")
        trace["timings"]["llm_ms"] = (time.perf_counter() - started) * 1000
        return intro, picks, trace

    def template_reason(self, described: dict[str, Any]) -> str:
        return self.reason_template().render_text(item=described).strip()

    def card(self, position: int, item_id: str, reason: str) -> Card:
        item = self.catalog.by_id[item_id]
        return Card(position, item_id, self.catalog.display_title(item), reason, describe(self.catalog, item))
