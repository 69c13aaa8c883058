"""`chat-rec ask` end to end: real catalog, real Chroma, real embedding model, real GGUF model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chat_rec.catalog.load import load_catalog
from chat_rec.settings import BUILTIN_CATALOG, BUILTIN_MAPPING


@pytest.mark.model
def test_ask_json_with_the_local_model(session_home: Path, space: object) -> None:
    env = {**os.environ, "CHAT_REC_HOME": str(session_home), "CHAT_REC_LLM": "llamacpp"}
    out = subprocess.run(
        [sys.executable, "-m", "chat_rec", "ask", "a feel-good animated adventure", "--json", "--user", "e2e"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert set(answer) >= {"reply", "recommendations", "prompt_version", "llm", "grounded"}
    assert answer["llm"].startswith("llamacpp:SmolLM2")
    assert answer["prompt_version"] == "recommend@v1"
    assert answer["grounded"] is True
    catalog = load_catalog(BUILTIN_CATALOG, BUILTIN_MAPPING).catalog
    assert len(answer["recommendations"]) == 3
    for rec in answer["recommendations"]:
        assert rec["item_id"] in catalog
        assert rec["reason"].strip()
        assert rec["title"] in answer["reply"]


def test_errors_are_one_line_with_a_next_step(tmp_path: Path) -> None:
    env = {**os.environ, "CHAT_REC_HOME": str(tmp_path), "CHAT_REC_CATALOG": str(tmp_path / "missing.jsonl")}
    out = subprocess.run(
        [sys.executable, "-m", "chat_rec", "ask", "hello", "--json"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0
    assert "->" in out.stderr  # message -> next step


def test_ask_streams_each_pick_once_then_their_ids(session_home: Path, space: object) -> None:
    env = {**os.environ, "CHAT_REC_HOME": str(session_home), "CHAT_REC_LLM": "none"}
    out = subprocess.run(
        [sys.executable, "-m", "chat_rec", "ask", "a funny heist film", "--user", "e2e-text", "-c", "text"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    picks = [line for line in lines if line[:3] in ("1. ", "2. ", "3. ")]
    assert len(picks) == 3  # the reply's list, not a second copy of it
    ids = lines[-1].split()
    assert ids[0] == "ids:" and len(ids) == 7
    catalog = load_catalog(BUILTIN_CATALOG, BUILTIN_MAPPING).catalog
    assert all(item_id in catalog for item_id in ids[2::2])
