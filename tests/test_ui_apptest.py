"""The Streamlit app, run headless with AppTest: a turn, feedback buttons, clarify quick replies.

Uses template answers (CHAT_REC_LLM=none) and a copy of the session's index, with a
fresh SQLite store per test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from chat_rec.agent.turn import Agent
from chat_rec.errors import LLMError
from chat_rec.index.space import ItemSpace
from chat_rec.memory.store import Store

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"


@pytest.fixture
def ui_home(tmp_path: Path, session_home: Path, space: ItemSpace, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with the session's index already built (copied) and an empty store."""
    home = tmp_path / "home"
    home.mkdir()
    for name in ("chroma", "cache"):
        if (session_home / name).exists():
            shutil.copytree(session_home / name, home / name)
    monkeypatch.setenv("CHAT_REC_HOME", str(home))
    monkeypatch.setenv("CHAT_REC_LLM", "none")
    return home


def start(home: Path) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def buttons(at: AppTest, prefix: str, suffix: str = "") -> list:
    return [b for b in at.button if b.key and b.key.startswith(prefix) and b.key.endswith(suffix)]


def send(at: AppTest, message: str) -> AppTest:
    at.chat_input[0].set_value(message).run()
    assert not at.exception, at.exception
    return at


def test_turn_shows_three_cards_and_like_is_stored(ui_home: Path) -> None:
    at = send(start(ui_home), "a funny animated film for family night")
    likes = buttons(at, "fb-", "-like")
    assert len(likes) == 3
    assert len(buttons(at, "fb-", "-dislike")) == 3
    assert len(buttons(at, "fb-", "-seen")) == 3
    assert any("picks from the catalog" in m.value for m in at.markdown)
    assert any(m.get("cards") for m in at.session_state.messages)

    likes[0].click().run()
    assert not at.exception, at.exception
    item_id = likes[0].key.split("-", 2)[2].rsplit("-", 1)[0]
    store = Store(ui_home / "chat_rec.sqlite3")
    try:
        assert store.feedback(at.session_state.user)["like"] == {item_id}
    finally:
        store.close()
    liked = next(b for b in buttons(at, "fb-", "-like") if b.key == likes[0].key)
    assert liked.proto.type == "primary"  # drawn as given
    assert buttons(at, "rm-feedback-like-")  # and listed in the profile, removable


def test_vague_request_offers_quick_replies(ui_home: Path) -> None:
    at = send(start(ui_home), "hi, recommend me something")
    replies = buttons(at, "qr-")
    assert len(replies) >= 3
    assert not buttons(at, "fb-")
    option = replies[0].label
    replies[0].click().run()
    assert not at.exception, at.exception
    assert [m["content"] for m in at.session_state.messages if m["role"] == "user"][-1] == option
    assert len(buttons(at, "fb-", "-like")) == 3
    assert not buttons(at, "qr-")


def test_sidebar_filter_and_forget(ui_home: Path) -> None:
    at = start(ui_home)
    at.multiselect(key="f_exclude").select("Animation").run()
    at = send(at, "a funny animated film for family night")
    assert len(buttons(at, "fb-", "-like")) >= 1
    for message in at.session_state.messages:
        for card in message.get("cards", []):
            assert "Animation" not in card["details"]["categories"]
    at.selectbox(key="f_language").select("French").run()
    at = send(at, "a romantic film")
    french = [c for m in at.session_state.messages if m["role"] == "assistant" for c in m.get("cards", [])][-1]
    assert french["details"]["language"] == "French"
    at.button(key="forget_confirm").click().run()
    assert not at.exception, at.exception
    assert at.session_state.messages == []
    store = Store(ui_home / "chat_rec.sqlite3")
    try:
        assert store.turns(at.session_state.user) == []
    finally:
        store.close()


def test_error_is_shown_and_conversation_kept(ui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = send(start(ui_home), "a tense science fiction thriller")
    assert len(buttons(at, "fb-", "-like")) == 3

    def broken(self: Agent, *args: object, **kwargs: object):
        raise LLMError("the model server is down")
        yield  # a generator, like the real one

    monkeypatch.setattr(Agent, "turn", broken)
    at = send(at, "more like those")
    assert any("the model server is down" in e.value for e in at.error)
    assert len(buttons(at, "fb-", "-like")) == 3  # the earlier turn is still there
    assert [m["content"] for m in at.session_state.messages if m["role"] == "user"] == [
        "a tense science fiction thriller",
        "more like those",
    ]


def test_example_buttons_start_a_turn(ui_home: Path) -> None:
    at = start(ui_home)
    examples = buttons(at, "example-")
    assert len(examples) == 3
    examples[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state.messages[0]["content"] == examples[0].label
    assert not buttons(at, "example-")
