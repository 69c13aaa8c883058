"""The sidebar: who you are, what the agent remembers about you, filters, prompt versions."""

from __future__ import annotations

from collections import Counter
from typing import Any

import streamlit as st

from chat_rec.agent.turn import Agent
from chat_rec.errors import ChatRecError
from chat_rec.prompts import registry
from ui.state import DEFAULT_USER, new_conversation, switch_user

AUTO = "auto"


def _on_user_change(agent: Agent) -> None:
    switch_user(agent, st.session_state.user_select)


def _create_user(agent: Agent) -> None:
    name = " ".join(str(st.session_state.get("new_user", "")).split())
    if not name:
        st.session_state.flash = "Type a name for the new user first."
        return
    agent.store.ensure_user(name)
    st.session_state.new_user = ""
    switch_user(agent, name)


def _forget(agent: Agent) -> None:
    agent.store.forget(st.session_state.user)
    new_conversation()
    st.session_state.flash_info = f"Everything about {st.session_state.user} was deleted."


def _remove(agent: Agent, source: str, kind: str, value: str) -> None:
    try:
        if source == "feedback":
            agent.store.remove_feedback(st.session_state.user, value, kind)
        else:
            agent.store.remove_preference(st.session_state.user, kind, value)
    except ChatRecError as exc:
        st.session_state.flash = str(exc)


def user_picker(agent: Agent) -> None:
    user = st.session_state.user
    users = agent.store.users()
    options = list(dict.fromkeys([*users, user])) or [DEFAULT_USER]
    st.selectbox("You are", options, key="user_select", on_change=_on_user_change, args=(agent,))
    with st.container(horizontal=True, gap="small", vertical_alignment="bottom"):
        st.text_input("New user", key="new_user", placeholder="name", label_visibility="collapsed")
        st.button("Add user", on_click=_create_user, args=(agent,))
    st.button("🗨️ New conversation", on_click=new_conversation, width="stretch")


def _title(agent: Agent, item_id: str) -> str:
    item = agent.catalog.get(item_id)
    return agent.catalog.display_title(item) if item else item_id


def profile(agent: Agent) -> None:
    """What the agent thinks you like, each entry removable."""
    user = st.session_state.user
    prefs = agent.store.preferences(user)
    feedback = agent.store.feedback(user)
    groups: list[tuple[str, list[tuple[str, str, str, str]]]] = [
        (
            "👍 Liked",
            [
                ("feedback", "like", i, _title(agent, i))
                for i in sorted(feedback["like"], key=lambda i: _title(agent, i))
            ]
            + [("pref", "like_item", i, _title(agent, i)) for i in prefs["like_item"] if i not in feedback["like"]],
        ),
        ("✨ Into", [("pref", "like_attr", v, v) for v in prefs["like_attr"]]),
        (
            "👎 Not for me",
            [("feedback", "dislike", i, _title(agent, i)) for i in sorted(feedback["dislike"])]
            + [
                ("pref", "dislike_item", i, _title(agent, i))
                for i in prefs["dislike_item"]
                if i not in feedback["dislike"]
            ]
            + [("pref", "dislike_attr", v, v) for v in prefs["dislike_attr"]],
        ),
        ("👁️ Seen", [("feedback", "seen", i, _title(agent, i)) for i in sorted(feedback["seen"])]),
    ]
    st.subheader("What I think you like")
    if not any(entries for _, entries in groups):
        st.caption("Nothing yet. Tell me what you enjoy, or rate a few picks, and I will remember.")
    for heading, entries in groups:
        if not entries:
            continue
        st.markdown(f"**{heading}**")
        for source, kind, value, label in entries:
            with st.container(horizontal=True, gap="small", vertical_alignment="center"):
                st.markdown(label, width="stretch")
                st.button(
                    "✕",
                    key=f"rm-{source}-{kind}-{value}",
                    help="Forget this",
                    type="tertiary",
                    on_click=_remove,
                    args=(agent, source, kind, value),
                )
    with st.popover("🗑️ Forget me", width="stretch"):
        st.write(f"Delete every turn, rating and preference stored for **{user}**?")
        st.button("Yes, forget me", key="forget_confirm", type="primary", on_click=_forget, args=(agent,))


def filters(agent: Agent) -> dict[str, Any]:
    """Hard filters for every turn (merged into what the message asks for)."""
    catalog = agent.catalog
    years = [int(y) for y in (catalog.year(i) for i in catalog.items) if y]
    durations = [int(d) for d in (catalog.duration(i) for i in catalog.items) if d]
    out: dict[str, Any] = {}
    with st.expander("Filters"):
        if years and min(years) < max(years):
            lo, hi = min(years), max(years)
            year_min, year_max = st.slider("Years", lo, hi, (lo, hi), key="f_years")
            if year_min > lo:
                out["year_min"] = year_min
            if year_max < hi:
                out["year_max"] = year_max
        if durations and min(durations) < max(durations):
            longest = max(durations)
            shortest = min(30, min(durations))
            duration = st.slider("Longest running time (min)", shortest, longest, longest, step=5, key="f_duration")
            if duration < longest:
                out["duration_max"] = duration
        languages = Counter(lang for lang in (catalog.language(i) for i in catalog.items) if lang)
        if len(languages) > 1:
            choice = st.selectbox("Language", ["any", *[lang for lang, _ in languages.most_common()]], key="f_language")
            if choice != "any":
                out["language"] = choice
        categories = sorted(catalog.vocabulary("categories"))
        excluded = st.multiselect("Never show", categories, key="f_exclude", placeholder="categories to leave out")
        if excluded:
            out["exclude_categories"] = excluded
    return out


def prompt_versions(agent: Agent) -> dict[str, str]:
    """Pin a version per prompt; 'auto' lets the configured choice (or an A/B split) decide."""
    out: dict[str, str] = {}
    prompts_dir = agent.settings.prompts_dir
    with st.expander("Prompt versions"):
        for name in registry.names(prompts_dir):
            choice = st.selectbox(name, [AUTO, *reversed(registry.versions(prompts_dir, name))], key=f"pv_{name}")
            if choice != AUTO:
                out[name] = choice
    return out


def export_button(agent: Agent) -> None:
    """Download this conversation in the eval transcript format (replayable with `chat-rec eval`)."""
    try:
        from chat_rec.eval.transcript import export_transcript, to_jsonl_line
    except ImportError:  # the eval package is optional for the UI
        return
    ss = st.session_state
    if not any(m.get("turn_id") for m in ss.messages):
        return
    try:
        line = to_jsonl_line(export_transcript(agent.store, ss.user, ss.conversation_id, agent.catalog))
    except ChatRecError:
        return
    st.download_button(
        "⬇️ Export transcript",
        data=line,
        file_name=f"{ss.conversation_id}.jsonl",
        mime="application/jsonl",
        key="export",
        on_click="ignore",
        width="stretch",
    )


def sidebar(agent: Agent) -> tuple[dict[str, Any], dict[str, str]]:
    with st.sidebar:
        st.title("🎬 chat-rec")
        if st.session_state.get("signed_in"):  # sign-in decides who this is: no picker
            st.caption(f"Signed in as **{st.session_state.signed_in}**")
        else:
            user_picker(agent)
        st.divider()
        profile(agent)
        st.divider()
        chosen_filters = filters(agent)
        versions = prompt_versions(agent)
        export_button(agent)
    return chosen_filters, versions
