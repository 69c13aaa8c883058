"""Start-up loads in the background, and a local model waiting for them (chat_rec.background)."""

from __future__ import annotations

import threading

from chat_rec import background


def test_wait_returns_once_every_load_finished() -> None:
    release = threading.Event()
    finished: list[str] = []

    def load() -> None:
        release.wait(5)
        finished.append("loaded")

    background.start("test-load", load)
    assert background.wait(timeout_s=0.05) is False  # still loading: the bound holds
    release.set()
    assert background.wait(timeout_s=5) is True
    assert finished == ["loaded"]


def test_wait_from_inside_a_load_does_not_wait_for_itself() -> None:
    seen: list[bool] = []
    thread = background.start("test-self", lambda: seen.append(background.wait(timeout_s=5)))
    thread.join(5)
    assert seen == [True]
