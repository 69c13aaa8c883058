"""``chat-rec catalog ingest/stats/search/rebuild`` end to end with the real embedding model,
embedded Chroma and a real ``chroma run`` server (client/server mode)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chat_rec.cli.catalog import app
from chat_rec.index.space import open_space
from chat_rec.settings import Settings

ROWS = [
    {
        "sku": "k1",
        "name": "Stellar Voyage",
        "blurb": "A crew travels to a distant galaxy aboard a starship.",
        "year": 2015,
        "kind": ["Science Fiction"],
    },
    {
        "sku": "k2",
        "name": "Laugh Factory",
        "blurb": "Stand-up comedians compete in a silly contest.",
        "year": 2001,
        "kind": ["Comedy"],
    },
    {
        "sku": "k3",
        "name": "Deep Blue Secrets",
        "blurb": "Marine biologists discover whales that sing in code.",
        "year": 2019,
        "kind": ["Documentary"],
    },
    {
        "sku": "k4",
        "name": "Haunted Mill",
        "blurb": "Ghosts terrify a family in an old mill.",
        "year": 1988,
        "kind": ["Horror"],
    },
    {
        "sku": "k5",
        "name": "Orbit Kids",
        "blurb": "Children build a rocket in their backyard and fly to the moon.",
        "year": 2010,
        "kind": ["Family", "Science Fiction"],
    },
    {"sku": "", "name": "Nameless", "blurb": "No id here.", "year": 2000, "kind": []},
    {"sku": "k7", "name": "Bad Year", "blurb": "Year is text.", "year": "soon", "kind": []},
]
MAPPING = {
    "name": "cli test shop",
    "id": "sku",
    "title": "name",
    "text": "{title} ({year}). {kind}. {blurb}",
    "fields": {"blurb": {"type": "string"}, "year": {"type": "int"}, "kind": {"type": "list"}},
    "roles": {"year": "year", "categories": "kind", "description": "blurb"},
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    catalog = tmp_path / "shop.jsonl"
    catalog.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    mapping = tmp_path / "shop.yaml"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    return catalog, mapping


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {"CHAT_REC_HOME": str(home), "CHAT_REC_LLM": "none", **extra}
    for name in ("CHAT_REC_CATALOG", "CHAT_REC_CATALOG_MAPPING", "CHAT_REC_COLLECTION", "CHAT_REC_CHROMA_URL"):
        env.setdefault(name, "")
    return env


def _invoke(args: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in env.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_ingest_reports_activates_and_is_incremental(
    tmp_path: Path, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog, mapping = files
    home = tmp_path / "home"
    report = tmp_path / "problems.jsonl"
    env = _env(home)
    out = _invoke(
        ["ingest", str(catalog), "--mapping", str(mapping), "--report", str(report), "--no-progress"], env, monkeypatch
    )
    assert "5 of 7 rows loaded, 2 problem(s)" in out
    assert "5 added" in out and "(5 embedded)" in out
    problems = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [(p["file"], p["row"]) for p in problems] == [("shop.jsonl", 6), ("shop.jsonl", 7)]
    assert "missing id" in problems[0]["reason"] and "cannot read 'soon' as int" in problems[1]["reason"]
    active = json.loads((home / "active_catalog.json").read_text(encoding="utf-8"))
    assert active["catalog"] == str(catalog.resolve()) and active["collection"] == "cli-test-shop"

    # later runs (ask/chat) open the ingested catalog in its own collection
    space = open_space(Settings(home=home, llm="none"), progress=False)
    assert len(space.catalog) == 5 and space.index.name == "cli-test-shop"
    assert space.sync.unchanged == 5 and space.sync.embedded == 0

    with pytest.raises(Exception, match="bad row"):
        _invoke(["ingest", str(catalog), "--mapping", str(mapping), "--strict", "--no-progress"], env, monkeypatch)

    out = _invoke(["ingest", str(catalog), "--mapping", str(mapping), "--no-progress"], env, monkeypatch)
    assert "0 added, 0 changed, 0 deleted, 5 unchanged (0 embedded)" in out

    out = _invoke(["stats"], env, monkeypatch)
    assert "5 valid, 2 problem(s)" in out
    assert "range 1988 .. 2019" in out and "Science Fiction (2)" in out
    assert "embedding_model: all-MiniLM-L6-v2" in out and "up to date: yes" in out

    out = _invoke(["search", "spaceship to another galaxy", "-k", "2"], env, monkeypatch)
    assert _hits(out) == ["k1", "k5"], out  # the two space stories
    out = _invoke(["search", "space", "--where", "year<2000"], env, monkeypatch)
    assert _hits(out) == ["k4"]
    with pytest.raises(Exception, match="no field 'yeer'"):
        _invoke(["search", "space", "--where", "yeer<2000"], env, monkeypatch)

    out = _invoke(["rebuild"], env, monkeypatch)
    assert "rebuilt 'cli-test-shop': 5 items" in out and "(0 embedded)" in out


def _hits(out: str) -> list[str]:
    """Item ids from `catalog search` output lines ("0.512  k1  Title (2015)")."""
    return [m.group(1) for m in re.finditer(r"-?\d\.\d{3}  (k\d+)  ", out)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        pytest.skip(f"no chroma executable next to {sys.executable}")
    port = _free_port()
    log = open(tmp_path / "chroma.log", "wb")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "chroma server did not start: " + (tmp_path / "chroma.log").read_text()
                    ) from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_ingest_and_query_through_a_chroma_server(
    tmp_path: Path, files: tuple[Path, Path], chroma_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog, mapping = files
    home = tmp_path / "home"
    env = _env(home, CHAT_REC_CHROMA_URL=chroma_server)
    out = _invoke(["ingest", str(catalog), "--mapping", str(mapping), "--no-progress"], env, monkeypatch)
    assert "5 added" in out
    assert not (home / "chroma").exists()  # the vectors live in the server, not in CHAT_REC_HOME
    out = _invoke(["search", "ghosts in an old building", "-k", "1"], env, monkeypatch)
    assert _hits(out) == ["k4"]
    space = open_space(Settings(home=home, llm="none", chroma_url=chroma_server), progress=False)
    assert space.index.count() == 5 and space.sync.embedded == 0
    assert type(space.index.client).__name__ != "PersistentClient"
    out = _invoke(["ingest", str(catalog), "--mapping", str(mapping), "--no-progress"], env, monkeypatch)
    assert "5 unchanged (0 embedded)" in out
