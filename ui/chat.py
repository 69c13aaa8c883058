"""Run one turn live: status line, streamed text, cards as they arrive."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import streamlit as st

from chat_rec.agent.events import Card, Clarify, Done, Status, TextDelta
from chat_rec.agent.turn import Agent
from chat_rec.errors import ChatRecError
from ui.components import escape, render_card
from ui.state import Message

STAGES = {
    "understanding": "Reading your message…",
    "retrieving": "Searching the catalog…",
    "ranking": "Ranking candidates…",
    "writing": "Writing a reason for each pick…",
}


def run_turn(agent: Agent, message: str, filters: dict[str, Any], prompt_versions: dict[str, str]) -> None:
    """Stream one turn into the page and append it to the session's messages.

    The finished turn is redrawn by the next script run (with its feedback buttons, which
    need the stored turn id); an error is kept in the conversation instead of losing it.
    """
    ss = st.session_state
    ss.messages.append({"role": "user", "content": message})
    with st.chat_message("user"):
        st.markdown(escape(message))
    reply: Message = {
        "role": "assistant",
        "content": "",
        "cards": [],
        "options": [],
        "turn_id": None,
        "kind": None,
        "timings": {},
        "error": None,
    }
    started = time.perf_counter()
    with st.chat_message("assistant"):
        status = st.status(STAGES["understanding"])
        text_slot = st.empty()
        cards_box = st.container()
        last_card: Card | None = None
        try:
            events = agent.turn(ss.user, message, ss.conversation_id, prompt_versions or None, filters=filters or None)
            for event in events:
                if isinstance(event, Status):
                    status.update(label=STAGES.get(event.stage, f"{event.stage.capitalize()}…"))
                elif isinstance(event, TextDelta):
                    if last_card and event.text.startswith(f"\n{last_card.position}. "):
                        continue  # the plain-text copy of a card (for the CLI)
                    reply["content"] += event.text
                    text_slot.markdown(escape(reply["content"].strip()))
                elif isinstance(event, Card):
                    last_card = event
                    reply["cards"].append(asdict(event))
                    reply["timings"].setdefault("first_card_s", time.perf_counter() - started)
                    with cards_box:
                        render_card(asdict(event))
                elif isinstance(event, Clarify):
                    reply["options"] = list(event.options)
                elif isinstance(event, Done):
                    reply["turn_id"] = event.turn.id
                    reply["kind"] = event.turn.kind
            status.update(label="Done", state="complete")
        except ChatRecError as exc:
            reply["error"] = str(exc)
        except Exception as exc:  # a bug must not cost the user their conversation
            reply["error"] = (
                f"Something went wrong ({type(exc).__name__}: {exc}). Your conversation is kept; try again."
            )
    reply["content"] = reply["content"].strip()
    reply["timings"]["total_s"] = time.perf_counter() - started
    ss.messages.append(reply)
