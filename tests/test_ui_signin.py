"""Streamlit sign-in by a trusted header: the page shows only the signed-in user, no picker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from chat_rec.index.space import ItemSpace
from chat_rec.memory.store import Store
from tests.test_ui_browser import CHROMIUM, ROOT, free_port, wait_healthy


def _home(tmp_path: Path, session_home: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    for name in ("chroma", "cache"):
        if (session_home / name).exists():
            shutil.copytree(session_home / name, home / name)
    return home


@contextmanager
def _streamlit(home: Path, tmp_path: Path, port: int, sign_in: str, *args: str) -> Iterator[str]:
    """The chat page as a real Streamlit process on 127.0.0.1 with sign-in on; yields its URL."""
    env = {**os.environ, "CHAT_REC_HOME": str(home), "CHAT_REC_LLM": "none", "CHAT_REC_UI_SIGN_IN": sign_in}
    cmd = [sys.executable, "-m", "streamlit", "run", "ui/app.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with (tmp_path / "streamlit.log").open("wb") as log:
        proc = subprocess.Popen([*cmd, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_without_the_header_the_page_says_so_and_shows_no_picker(
    tmp_path: Path, session_home: Path, space: ItemSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAT_REC_HOME", str(_home(tmp_path, session_home)))
    monkeypatch.setenv("CHAT_REC_LLM", "none")
    monkeypatch.setenv("CHAT_REC_UI_SIGN_IN", "header")
    at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert "X-Forwarded-User" in at.error[0].value
    assert not at.selectbox and not at.chat_input  # nobody to act as: no picker, no chat


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install -y chromium)")
def test_a_proxy_header_signs_the_user_in(tmp_path: Path, session_home: Path, space: ItemSpace) -> None:
    from playwright.sync_api import expect, sync_playwright

    home = _home(tmp_path, session_home)
    other = Store(home / "chat_rec.sqlite3")
    other.ensure_user("someone-else")
    other.close()
    with _streamlit(home, tmp_path, free_port(), "header") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(extra_http_headers={"X-Forwarded-User": "alice"})
            page = context.new_page()
            page.set_default_timeout(240_000)
            page.goto(url)
            box = page.get_by_placeholder("What are you in the mood for?")
            box.wait_for()
            expect(page.get_by_text("Signed in as")).to_be_visible()
            expect(page.get_by_text("You are", exact=True)).to_have_count(0)  # the picker's label
            expect(page.get_by_text("someone-else")).to_have_count(0)
            box.fill("a funny heist film")
            box.press("Enter")
            expect(page.get_by_role("button", name="👍 Like")).to_have_count(3, timeout=240_000)
        finally:
            browser.close()
    store = Store(home / "chat_rec.sqlite3")
    try:
        assert len(store.turns("alice")) == 1 and store.turns("someone-else") == []
    finally:
        store.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install -y chromium)")
def test_st_login_signs_the_user_in_through_an_oidc_provider(
    tmp_path: Path, session_home: Path, space: ItemSpace
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.oidc_provider import OidcProvider

    provider = OidcProvider(email="carol@example.org", client_id="chat-rec-test").start()
    home = _home(tmp_path, session_home)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{"s" * 32}"\n'
        'client_id = "chat-rec-test"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n'
    )
    try:
        with (
            _streamlit(home, tmp_path, port, "oidc", "--secrets.files", str(secrets_file)),
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page()
                page.set_default_timeout(240_000)
                page.goto(url)
                page.get_by_role("button", name="Sign in").click()  # -> provider -> back, signed in
                box = page.get_by_placeholder("What are you in the mood for?")
                box.wait_for()
                expect(page.get_by_text("carol@example.org")).to_be_visible()
                expect(page.get_by_text("You are", exact=True)).to_have_count(0)  # no picker
                box.fill("a funny heist film")
                box.press("Enter")
                expect(page.get_by_role("button", name="👍 Like")).to_have_count(3, timeout=240_000)
            finally:
                browser.close()
    finally:
        provider.stop()
    assert provider.signed_in == 1
    store = Store(home / "chat_rec.sqlite3")
    try:
        assert len(store.turns("carol@example.org")) == 1
    finally:
        store.close()
