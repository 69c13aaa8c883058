"""The real thing: `streamlit run ui/app.py` with the local model, driven by headless Chromium.

Types a request, waits for the cards, clicks 👍 and checks the like reached the SQLite
store. A screenshot of the page goes to the test's temp dir (and /tmp/ui_screenshot.png).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from chat_rec.index.space import ItemSpace
from chat_rec.memory.store import Store

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install -y chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not come up at {url}")


@pytest.fixture
def server(tmp_path: Path, session_home: Path, space: ItemSpace):
    home = tmp_path / "home"
    home.mkdir()
    for name in ("chroma", "cache"):  # reuse the session's index; the store starts empty
        if (session_home / name).exists():
            shutil.copytree(session_home / name, home / name)
    port = free_port()
    env = {**os.environ, "CHAT_REC_HOME": str(home), "CHAT_REC_LLM": "llamacpp", "CHAT_REC_LLM_THREADS": "2"}
    log = (tmp_path / "streamlit.log").open("wb")
    cmd = [sys.executable, "-m", "streamlit", "run", "ui/app.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, home
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_chat_in_the_browser(server: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, home = server
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1800})
            page.set_default_timeout(240_000)
            page.goto(url)
            box = page.get_by_placeholder("What are you in the mood for?")
            box.wait_for()  # the agent is loaded once this shows
            box.fill("a funny heist film")
            started = time.perf_counter()
            box.press("Enter")
            page.get_by_text("Why for you:").first.wait_for()
            first_card = time.perf_counter() - started
            page.screenshot(path=str(tmp_path / "ui_streaming.png"))
            likes = page.get_by_role("button", name="👍 Like")
            expect(likes).to_have_count(3, timeout=240_000)
            total = time.perf_counter() - started
            likes.first.click()
            expect(page.get_by_text("👍 Liked")).to_be_visible()  # the profile lists it
            page.wait_for_timeout(500)
            shot = tmp_path / "ui.png"
            page.screenshot(path=str(shot), full_page=True)
            shutil.copy(shot, "/tmp/ui_screenshot.png")
            shutil.copy(tmp_path / "ui_streaming.png", "/tmp/ui_screenshot_streaming.png")
            print(f"time to first card {first_card:.1f} s, whole turn {total:.1f} s, screenshot {shot}")
        finally:
            browser.close()
    store = Store(home / "chat_rec.sqlite3")
    try:
        (user,) = store.users()
        assert len(store.feedback(user)["like"]) == 1
        (turn,) = store.turns(user)
        assert turn.llm and turn.llm.startswith("llamacpp")
    finally:
        store.close()
