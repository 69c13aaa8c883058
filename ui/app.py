"""chat-rec in the browser: ``streamlit run ui/app.py`` (or ``chat-rec chat``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `streamlit run` only adds ui/

import streamlit as st

from chat_rec.settings import disable_telemetry

disable_telemetry()

from ui.chat import run_turn  # noqa: E402
from ui.components import quick_replies, render_messages  # noqa: E402
from ui.sidebar import sidebar  # noqa: E402
from ui.state import init_state, load_agent  # noqa: E402

EXAMPLES = [
    "A funny heist film",
    "Something like Arrival but less slow",
    "An animated film for family night",
]

st.set_page_config(page_title="chat-rec", page_icon="🎬")
agent = load_agent()
init_state(agent)
filters, prompt_versions = sidebar(agent)

if st.session_state.flash:
    st.error(st.session_state.flash)
    st.session_state.flash = None
if st.session_state.get("flash_info"):
    st.success(st.session_state.pop("flash_info"))

typed = st.chat_input("What are you in the mood for?")
message = typed or st.session_state.pending
st.session_state.pending = None

if not st.session_state.messages and not message:
    with st.chat_message("assistant"):
        st.markdown("Hi! Tell me what you are in the mood for, and I will pick from the catalog. For example:")
        quick_replies(EXAMPLES, key="example")
render_messages(st.session_state.messages, agent.store, st.session_state.user)

if message:
    run_turn(agent, message, filters, prompt_versions)
    st.rerun()
