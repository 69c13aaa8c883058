"""Killed mid-way: real subprocesses get SIGKILL at random points, then start again.

After each kill: the SQLite store passes ``PRAGMA integrity_check``; every write the
worker acknowledged is there and nothing half-written is (a turn has all its picks or
is absent); after an interrupted catalog ingest the next run finishes it without
re-embedding what was done, and the index then holds exactly the catalog's ids with the
same content hashes; an interrupted interactions ingest leaves the earlier sources whole.

The random points come from a seeded generator (``KILL_SEED``), so a failure replays.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chat_rec.index.space import ItemSpace
from chat_rec.memory.store import Store
from chat_rec.settings import BUILTIN_CATALOG, BUILTIN_MAPPING, Settings

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "kill_driver.py"
KILL_SEED = int(os.environ.get("KILL_SEED", "23"))
pytestmark = pytest.mark.slow


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "CHAT_REC_HOME": str(home), "PYTHONPATH": str(ROOT), "CHAT_REC_LLM": "none"}


def _integrity(db: Path) -> None:
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


def _kill_worker(mode: str, home: Path, delay: float) -> int:
    """Start the worker, let it write for ``delay`` seconds, SIGKILL it; returns the last ack."""
    proc = subprocess.Popen(
        [sys.executable, str(DRIVER), mode, str(home)], stdout=subprocess.PIPE, text=True, env=_env(home)
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    acks = [int(line.split()[1]) for line in proc.stdout.read().splitlines() if line.startswith("ack ")]
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return max(acks, default=-1)


@pytest.mark.parametrize("mode", ["turns", "feedback"])
def test_store_writes_survive_kills(tmp_path: Path, mode: str) -> None:
    rng = random.Random(f"{KILL_SEED}-{mode}")
    home = tmp_path / "home"
    stored = 0
    for _ in range(8):  # 8 kills per mode, each at a random point of a stream of writes
        last = _kill_worker(mode, home, rng.uniform(0.05, 0.8))
        _integrity(home / "chat_rec.sqlite3")
        store = Store(home / "chat_rec.sqlite3")
        if mode == "turns":
            turns = store.turns("killed", limit=10**7)
            assert all(len(t.recommendations) == 3 for t in turns)  # never a turn without its picks
            count = len(turns)
        else:
            count = sum(len(v) for v in store.feedback("killed").values())
        store.close()
        acknowledged = stored + last + 1
        # every acknowledged write is there; at most the one in flight when the kill came is extra
        assert acknowledged <= count <= acknowledged + 1
        stored = count


def test_agent_turns_survive_kills(tmp_path: Path, builtin_settings: Settings, space: ItemSpace) -> None:
    """Whole turns (understand, retrieve, rank, store) killed twice at random points."""
    rng = random.Random(f"{KILL_SEED}-agent")
    home = tmp_path / "home"
    home.mkdir()
    for name in ("chroma", "cache"):  # the session's built index: the worker starts in seconds
        shutil.copytree(builtin_settings.home / name, home / name)  # built by the ``space`` fixture
    for _ in range(2):
        _kill_worker("agent", home, rng.uniform(0.5, 3.0))
        _integrity(home / "chat_rec.sqlite3")
        store = Store(home / "chat_rec.sqlite3")
        turns = store.turns("killed", limit=10**6)
        assert all(t.kind == "clarify" or t.recommendations for t in turns)
        store.close()


def _small_catalog(folder: Path, n: int) -> tuple[Path, Path]:
    lines = BUILTIN_CATALOG.read_text(encoding="utf-8").splitlines()[:n]
    catalog = folder / "small.jsonl"
    catalog.write_text("\n".join(lines), encoding="utf-8")
    mapping = folder / "small.mapping.yaml"
    shutil.copy(BUILTIN_MAPPING, mapping)
    return catalog, mapping


def _ingest(home: Path, catalog: Path, mapping: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "chat_rec", "catalog", "ingest", str(catalog), "--mapping", str(mapping)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(home),
    )


def _wait_for(proc: subprocess.Popen[str], marker: str, timeout: float = 300.0) -> str:
    """Read the process's output until the regex ``marker`` matches (or it exits); returns what was read."""
    assert proc.stdout is not None
    seen: list[str] = []
    found = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(1):
            seen.append(chunk)
            if not found.is_set() and re.search(marker, "".join(seen[-200:])):
                found.set()
        found.set()

    threading.Thread(target=pump, daemon=True).start()
    found.wait(timeout)
    return "".join(seen)


def test_catalog_ingest_resumes_after_kills(tmp_path: Path) -> None:
    """Three kills while the index is being built; the next ingest embeds only what is missing.

    Each kill lands a random 0.3-1.5 s after the progress bar appears, i.e. in the embedding
    stage, however long the machine takes to start up.
    """
    rng = random.Random(f"{KILL_SEED}-ingest")
    home = tmp_path / "home"
    size = 905
    catalog, mapping = _small_catalog(tmp_path, size)
    kills = 0
    for _ in range(8):
        if kills == 3:
            break
        proc = _ingest(home, catalog, mapping)
        _wait_for(proc, r"Indexing catalog:")
        time.sleep(rng.uniform(0.3, 1.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills == 3, "every ingest finished before its kill: raise the catalog size"
    done = _ingest(home, catalog, mapping)
    out, _ = done.communicate(timeout=600)
    assert done.returncode == 0, out
    summary = re.search(r"(\d+) added, (\d+) changed, (\d+) deleted, (\d+) unchanged \((\d+) embedded\)", out)
    assert summary, out
    added, _, _, unchanged, embedded = map(int, summary.groups())
    assert added + unchanged == size
    # what earlier runs embedded came from the cache: only texts never embedded went through the model
    assert embedded <= added
    _index_agrees(home, catalog, mapping)


def _index_agrees(home: Path, catalog_path: Path, mapping: Path) -> None:
    from chat_rec.catalog.active import resolve_collection
    from chat_rec.catalog.load import load_catalog
    from chat_rec.index.chroma import ChromaIndex

    catalog = load_catalog(catalog_path, mapping).catalog
    settings = resolve_collection(Settings(home=home, catalog=catalog_path, catalog_mapping=mapping), catalog.mapping)
    index = ChromaIndex(settings)
    assert index.hashes() == {item.id: item.content_hash for item in catalog.items}
    assert index.manifest().get("complete") is True


def test_interactions_ingest_killed_keeps_earlier_sources(
    tmp_path: Path, builtin_settings: Settings, space: ItemSpace
) -> None:
    """Three kills during a second source's ingest: the first source stays whole, the rerun completes."""
    rng = random.Random(f"{KILL_SEED}-interactions")
    home = tmp_path / "home"
    home.mkdir()
    for name in ("chroma", "cache"):
        shutil.copytree(builtin_settings.home / name, home / name)
    ids = [json.loads(line)["id"] for line in BUILTIN_CATALOG.read_text(encoding="utf-8").splitlines()]
    gen = random.Random(KILL_SEED)

    def log(name: str, rows: int) -> Path:
        path = tmp_path / f"{name}.csv"
        lines = ["user_id,item_id,timestamp"]
        lines += [f"u{gen.randrange(2000)},{gen.choice(ids)},{1_600_000_000 + n}" for n in range(rows)]
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    def ingest(path: Path) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "chat_rec", "interactions", "ingest", str(path), "--kind", "events"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=_env(home),
        )

    started = time.monotonic()
    first = ingest(log("first", 200_000))
    out, _ = first.communicate(timeout=600)
    assert first.returncode == 0, out
    full_run = time.monotonic() - started  # kills land inside a run of the same size, on any machine
    folder = home / "signals"
    before = {p.name: p.read_bytes() for p in folder.glob("*.parquet")}
    manifest = json.loads((folder / "sources.json").read_text(encoding="utf-8"))
    second_log = log("second", 200_000)
    kills = 0
    for _ in range(10):
        if kills == 3:
            break
        proc = ingest(second_log)
        time.sleep(rng.uniform(0.3, 0.85) * full_run)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate()
        for name, data in before.items():  # the earlier source is untouched, byte for byte
            assert (folder / name).read_bytes() == data
        assert json.loads((folder / "sources.json").read_text(encoding="utf-8")).keys() >= manifest.keys()
    assert kills == 3
    again = ingest(second_log)
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out
    import pandas as pd

    for path in folder.glob("*.parquet"):
        assert len(pd.read_parquet(path)) > 0
