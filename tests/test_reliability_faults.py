"""Broken parts: each gives a one-line message with the next step, or a labelled degraded
answer (ranked picks with template reasons, the failure in the turn's trace), and the
details go to the log file. Nothing half-written is kept.

Faults: the model file missing or corrupt; the model server down, slower than the
timeout, or answering garbage; the Chroma index missing, damaged, or built with another
embedding model; the database locked by another writer, on a read-only disk, or on a
full disk (a small loop-mounted filesystem; skipped when not root).
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_rec.agent.turn import Agent
from chat_rec.errors import LLMError, StoreError
from chat_rec.llm import make_llm
from chat_rec.llm.llamacpp import LlamaCppLLM
from chat_rec.llm.openai_compat import OpenAICompatLLM
from chat_rec.log import configure_logging
from chat_rec.memory.store import Store, TurnRecord
from chat_rec.settings import BUILTIN_CATALOG, BUILTIN_MAPPING, Settings
from tests.helpers import rec_ids, run_turn

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _degraded(agent: Agent, expect_in_reason: str) -> None:
    """A turn still answers: ranked catalog picks, template reasons, the failure labelled."""
    started = time.monotonic()
    turn, _ = run_turn(agent, "a funny heist film")
    assert len(turn.recommendations) == 3 and turn.grounded
    assert set(rec_ids(turn)) <= set(turn.trace["shortlist"])
    assert turn.fallback_reason and expect_in_reason.lower() in turn.fallback_reason.lower(), turn.fallback_reason
    assert time.monotonic() - started < 60


# the model ------------------------------------------------------------------------------
def test_missing_model_file_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="CHAT_REC_LLM_MODEL"):
        make_llm(Settings(home=tmp_path, llm="llamacpp", llm_model=str(tmp_path / "nope.gguf")))


def test_corrupt_model_file_gives_a_labelled_template_answer(agent: Agent, tmp_path: Path) -> None:
    log = configure_logging(tmp_path)
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + os.urandom(4096))
    agent.llm = LlamaCppLLM(str(bad))
    _degraded(agent, "could not be loaded")
    assert "Traceback" in log.read_text(encoding="utf-8")  # the details are in the log


def test_model_server_down(agent: Agent) -> None:
    agent.llm = OpenAICompatLLM(f"http://127.0.0.1:{_free_port()}/v1", None, "m", timeout_s=5)
    _degraded(agent, "failed")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


@pytest.fixture
def bad_server() -> Iterator[tuple[str, dict[str, object]]]:
    """A local HTTP server whose answer each test sets: garbage, or nothing for a while."""
    behaviour: dict[str, object] = {"delay": 0.0, "body": b"{not json at all"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(float(behaviour["delay"]))  # type: ignore[arg-type]
            body = behaviour["body"]
            assert isinstance(body, bytes)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up first

        def log_message(self, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", behaviour
    server.shutdown()


def test_model_server_answering_garbage(agent: Agent, bad_server: tuple[str, dict[str, object]]) -> None:
    url, behaviour = bad_server
    for body in (b"{not json at all", b'{"choices": 5}', b"\x00\xff" * 50, b'data: {"oops"\n\n'):
        behaviour["body"] = body
        agent.llm = OpenAICompatLLM(url, None, "m", timeout_s=5)
        _degraded(agent, "failed")


def test_model_server_slower_than_the_timeout(agent: Agent, bad_server: tuple[str, dict[str, object]]) -> None:
    url, behaviour = bad_server
    behaviour["delay"] = 40.0
    agent.llm = OpenAICompatLLM(url, None, "m", timeout_s=1)
    started = time.monotonic()
    _degraded(agent, "failed")
    # gave up at the timeout (one retry), long before the server would have answered
    assert time.monotonic() - started < 30


# the index ------------------------------------------------------------------------------
@pytest.fixture
def small_settings(tmp_path: Path) -> Settings:
    """A 40-item catalog with its own mapping file (so the index is the user's to rebuild)."""
    lines = BUILTIN_CATALOG.read_text(encoding="utf-8").splitlines()[:40]
    catalog = tmp_path / "small.jsonl"
    catalog.write_text("\n".join(lines), encoding="utf-8")
    mapping = tmp_path / "small.mapping.yaml"
    shutil.copy(BUILTIN_MAPPING, mapping)
    return Settings(home=tmp_path / "home", llm="none", catalog=catalog, catalog_mapping=mapping)


_OPEN = """
import json, sys
from chat_rec.errors import ChatRecError
from chat_rec.index.space import open_space
from chat_rec.settings import Settings
settings = Settings.model_validate_json(sys.argv[1])
try:
    space = open_space(settings, progress=False)
except ChatRecError as exc:
    print(json.dumps({"error": str(exc)}))
else:
    print(json.dumps({"count": space.index.count(), "added": space.sync.added, "ids": sorted(space.ids)}))
"""


def _open_elsewhere(settings: Settings) -> dict[str, object]:
    """``open_space`` in a fresh process, as the next ``chat-rec`` command would (Chroma
    keeps one client per folder inside a process)."""
    done = subprocess.run(
        [sys.executable, "-c", _OPEN, settings.model_dump_json(exclude_unset=True)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_missing_index_is_rebuilt(small_settings: Settings) -> None:
    first = _open_elsewhere(small_settings)
    assert first["count"] == 40
    shutil.rmtree(small_settings.chroma_path)
    again = _open_elsewhere(small_settings)
    assert again["count"] == 40 and again["added"] == 40 and again["ids"] == first["ids"]


def test_damaged_index_says_how_to_recover(small_settings: Settings) -> None:
    _open_elsewhere(small_settings)
    db = small_settings.chroma_path / "chroma.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    failed = _open_elsewhere(small_settings)
    assert "rebuild" in str(failed.get("error")) and "->" in str(failed.get("error")), failed
    shutil.move(str(small_settings.chroma_path), str(small_settings.chroma_path) + ".broken")  # the hint's step
    assert _open_elsewhere(small_settings)["count"] == 40


def test_index_of_another_embedding_model_is_refused(small_settings: Settings) -> None:
    from chat_rec.index.chroma import ChromaIndex

    _open_elsewhere(small_settings)
    from chat_rec.catalog.active import resolve_collection
    from chat_rec.catalog.mapping import load_mapping

    resolved = resolve_collection(small_settings, load_mapping(small_settings.catalog_mapping))
    index = ChromaIndex(resolved)
    index.set_manifest(embedding_model="some-other-model")
    failed = _open_elsewhere(small_settings)
    assert "some-other-model" in str(failed.get("error")) and "chat-rec catalog rebuild" in str(failed.get("error"))


# the database ---------------------------------------------------------------------------
def _turn(user: str, message: str = "a comedy") -> TurnRecord:
    return TurnRecord(user, "c", message, "reply", "recommend", recommendations=[("alien-1979", "why")])


def test_locked_database_is_a_clear_error_and_keeps_data(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.record_turn(_turn("u1"))
    other = sqlite3.connect(tmp_path / "s.sqlite3")  # another process holding the write lock
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="try again"):
            store.record_turn(_turn("u1", "second"))
    finally:
        other.rollback()
        other.close()
    assert [t.message for t in store.turns("u1")] == ["a comedy"]
    store.record_turn(_turn("u1", "third"))  # and it works once the lock is gone
    assert [t.message for t in store.turns("u1")] == ["a comedy", "third"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB ext4 filesystem, loop-mounted (root only)."""
    if os.geteuid() != 0 or not shutil.which("mkfs.ext4"):
        pytest.skip("needs root and mkfs.ext4 to mount a small filesystem")
    image, mount = tmp_path / "disk.img", tmp_path / "disk"
    image.write_bytes(b"\0" * 4 * 1024 * 1024)
    mount.mkdir()
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, capture_output=True)
    if subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True).returncode:
        pytest.skip("cannot loop-mount here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_read_only_disk_is_a_clear_error_and_keeps_data(small_disk: Path) -> None:
    store = Store(small_disk / "s.sqlite3")
    store.record_turn(_turn("u1"))
    store.close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StoreError) as caught:
        ro = Store(small_disk / "s.sqlite3")
        ro.record_turn(_turn("u1", "second"))
    assert "writable" in str(caught.value) or "CHAT_REC_HOME" in str(caught.value)
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert [t.message for t in Store(small_disk / "s.sqlite3").turns("u1")] == ["a comedy"]


def test_full_disk_is_a_clear_error_and_keeps_every_acknowledged_write(small_disk: Path) -> None:
    store = Store(small_disk / "s.sqlite3")
    written: list[str] = []
    with pytest.raises(StoreError, match="disk space") as caught:
        for n in range(10_000):
            message = f"turn {n} " + "x" * 20_000
            store.record_turn(_turn("u1", message))
            written.append(message)
    assert "->" in str(caught.value) and written
    store.close()
    check = sqlite3.connect(small_disk / "s.sqlite3")
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()
    kept = [t.message for t in Store(small_disk / "s.sqlite3").turns("u1", limit=100_000)]
    assert kept == written  # every acknowledged turn, and no half-written one


# no traceback reaches a user --------------------------------------------------------------
@pytest.mark.parametrize(
    "args, env",
    [
        (["profile", "show", "--user", "u"], {"_corrupt_store": "1"}),
        (["ask", "a comedy"], {"CHAT_REC_LLM": "llamacpp", "CHAT_REC_LLM_MODEL": "/nonexistent/model.gguf"}),
        (["catalog", "ingest", "/nonexistent.csv", "--mapping", str(BUILTIN_MAPPING)], {}),
        (["eval", "replay", "/nonexistent.jsonl", "--out", "/tmp/x"], {}),
    ],
)
def test_cli_failures_are_one_line_with_a_next_step(tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    if env.pop("_corrupt_store", None):
        (home / "chat_rec.sqlite3").write_bytes(b"not a database at all" * 200)
    run_env = {**os.environ, "CHAT_REC_HOME": str(home), "PYTHONPATH": str(ROOT), **env}
    run_env.pop("CHAT_REC_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "chat_rec", *args], capture_output=True, text=True, env=run_env, timeout=300
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: ") and "->" in lines[-1], done.stderr
    assert json.dumps(lines)  # printable
