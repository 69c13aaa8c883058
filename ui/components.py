"""Drawing pieces: item cards with feedback buttons, chat messages, quick replies."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from chat_rec.errors import ChatRecError
from chat_rec.memory.store import Store
from ui.state import Message

FEEDBACK_BUTTONS = (("like", "👍 Like"), ("dislike", "👎 Dislike"), ("seen", "Seen it"))
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def escape(text: str) -> str:
    """Catalog and user text shown as plain text inside Markdown (no links, no formatting)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text) if text else ""


def feedback_key(turn_id: int, item_id: str, kind: str) -> str:
    return f"fb-{turn_id}-{item_id}-{kind}"


def _toggle_feedback(store: Store, user: str, item_id: str, kind: str, turn_id: int, active: bool) -> None:
    try:
        if active:
            store.remove_feedback(user, item_id, kind)
        else:
            store.add_feedback(user, item_id, kind, turn_id)
    except ChatRecError as exc:
        st.session_state.flash = str(exc)


def render_card(
    card: dict[str, Any],
    store: Store | None = None,
    user: str = "",
    turn_id: int | None = None,
    given: set[str] | None = None,
) -> None:
    """One recommended item. Buttons appear once the turn is stored (they need its id)."""
    details = card.get("details") or {}
    with st.container(border=True):
        title = escape(str(details.get("title") or card["title"]))
        year = f" ({details['year']})" if details.get("year") else ""
        st.markdown(f"##### {card['position']}. {title}{year}")
        facts = [" · ".join(escape(c) for c in details.get("categories") or [])]
        if details.get("duration"):
            facts.append(f"{details['duration']} min")
        by_field = details.get("people_by_field") or {}
        if by_field:  # "director: Peter Collinson | cast: Michael Caine, Noël Coward", in the mapping's order
            facts += [
                f"{escape(f.replace('_', ' '))}: {', '.join(escape(p) for p in names[:3])}"
                for f, names in by_field.items()
            ]
        elif details.get("people"):
            facts.append("with " + ", ".join(escape(p) for p in details["people"]))
        st.caption("  |  ".join(f for f in facts if f))
        if details.get("tags"):
            st.markdown(" ".join(f":gray-badge[{escape(t)}]" for t in details["tags"]))
        if details.get("description"):
            st.markdown(escape(str(details["description"])))
        st.markdown(f"**Why for you:** {escape(card['reason'])}")
        if store is None or turn_id is None:
            return
        given = given or set()
        with st.container(horizontal=True, gap="small"):
            for kind, label in FEEDBACK_BUTTONS:
                active = kind in given
                st.button(
                    label,
                    key=feedback_key(turn_id, card["item_id"], kind),
                    type="primary" if active else "secondary",
                    help="Click again to undo" if active else None,
                    on_click=_toggle_feedback,
                    args=(store, user, card["item_id"], kind, turn_id, active),
                )


def _send(option: str) -> None:
    st.session_state.pending = option


def quick_replies(options: list[str], key: str) -> None:
    with st.container(horizontal=True, gap="small"):
        for n, option in enumerate(options):
            st.button(option, key=f"{key}-{n}", on_click=_send, args=(option,))


def timing_caption(message: Message) -> None:
    timings = message.get("timings") or {}
    parts = []
    if message.get("cards"):
        parts.append(f"{len(message['cards'])} picks")
    if timings.get("first_card_s") is not None:
        parts.append(f"first after {timings['first_card_s']:.1f} s")
    if timings.get("total_s") is not None:
        parts.append(f"{timings['total_s']:.1f} s in all")
    if parts:
        st.caption(" · ".join(parts))


def render_messages(messages: list[Message], store: Store, user: str) -> None:
    """Redraw the conversation; only the latest clarifying question keeps its quick replies."""
    feedback = store.feedback(user)
    for n, message in enumerate(messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(escape(message["content"]))
                continue
            if message.get("content"):
                st.markdown(escape(message["content"]))
            for card in message.get("cards", []):
                given = {kind for kind, items in feedback.items() if card["item_id"] in items}
                render_card(card, store, user, message.get("turn_id"), given)
            if message.get("error"):
                st.error(message["error"])
            if message.get("options") and n == len(messages) - 1:
                quick_replies(message["options"], key=f"qr-{message.get('turn_id')}")
            timing_caption(message)
