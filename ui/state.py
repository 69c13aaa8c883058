"""Session state: who is chatting, in which conversation, and the messages shown.

Messages live in ``st.session_state.messages`` (plain dicts, so re-runs redraw them);
every finished turn is also in the SQLite store, which is where a reloaded page or a
switched user resumes from.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict
from typing import Any

import streamlit as st

from chat_rec.agent.compose import describe
from chat_rec.agent.events import Card
from chat_rec.agent.preferences import Preferences
from chat_rec.agent.retrieve import UserContext
from chat_rec.agent.turn import Agent
from chat_rec.errors import ChatRecError
from chat_rec.memory.store import TurnRecord
from chat_rec.settings import get_settings

Message = dict[str, Any]
DEFAULT_USER = "guest"


@st.cache_resource(show_spinner=False)
def _agent(home: str, llm: str, catalog: str) -> Agent:
    """One agent per process and configuration (the arguments only key the cache)."""
    agent = Agent.from_settings(get_settings(), progress=False)
    # the first retrieval waits for the query embedder and builds the signals: pay it here, not in the first turn
    agent.rank_for(Preferences(query="warm up"), UserContext(liked=[], disliked=[], excluded=set()))
    return agent


def load_agent() -> Agent:
    try:
        settings = get_settings()
        with st.spinner("Loading the catalog and the models..."):
            return _agent(str(settings.home), settings.llm, str(settings.catalog))
    except ChatRecError as exc:
        st.error(str(exc))
        st.stop()


def new_conversation_id() -> str:
    return time.strftime("c-%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def init_state(agent: Agent) -> None:
    ss = st.session_state
    if "user" not in ss:
        switch_user(agent, last_active_user(agent) or DEFAULT_USER)
    ss.setdefault("pending", None)
    ss.setdefault("flash", None)


def last_active_user(agent: Agent) -> str | None:
    """The user who chatted most recently (a reloaded page carries on as them)."""
    best, best_turn = None, -1
    for user in agent.store.users():
        latest = agent.store.turns(user, limit=1)
        turn_id = (latest[0].id or 0) if latest else 0
        if turn_id > best_turn:
            best, best_turn = user, turn_id
    return best


def switch_user(agent: Agent, user: str) -> None:
    """Make ``user`` current and resume their latest conversation (or start one)."""
    ss = st.session_state
    ss.user = user
    ss.user_select = user
    latest = agent.store.turns(user, limit=1)
    ss.conversation_id = latest[0].conversation_id if latest else new_conversation_id()
    ss.messages = load_messages(agent, user, ss.conversation_id)
    ss.pending = None


def new_conversation() -> None:
    st.session_state.conversation_id = new_conversation_id()
    st.session_state.messages = []
    st.session_state.pending = None


def card_dict(agent: Agent, position: int, item_id: str, reason: str) -> dict[str, Any] | None:
    item = agent.catalog.get(item_id)
    if item is None:  # the catalog changed since this turn was stored
        return None
    return asdict(Card(position, item_id, agent.catalog.display_title(item), reason, describe(agent.catalog, item)))


def assistant_message(agent: Agent, record: TurnRecord) -> Message:
    """A stored turn as the UI shows it: the intro text, then one card per pick."""
    cards = [card_dict(agent, n, item_id, reason) for n, (item_id, reason) in enumerate(record.recommendations, 1)]
    content = record.reply.split("\n1. ", 1)[0] if record.recommendations else record.reply
    return {
        "role": "assistant",
        "content": content,
        "cards": [c for c in cards if c],
        "options": list(record.trace.get("options", [])) if record.kind == "clarify" else [],
        "turn_id": record.id,
        "kind": record.kind,
        "timings": {},
        "error": None,
    }


def load_messages(agent: Agent, user: str, conversation_id: str) -> list[Message]:
    out: list[Message] = []
    for record in agent.store.turns(user, conversation_id, limit=50):
        out.append({"role": "user", "content": record.message})
        out.append(assistant_message(agent, record))
    return out
