"""``chat-rec serve`` with the real model behind ``python -m llama_cpp.server``, killed mid-turn."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chat_rec.index.space import ItemSpace
from tests.serve_process import Server, child_env, free_port, make_token, sse_events, start_llama_server


@pytest.mark.model
def test_model_server_stopped_mid_turn_gives_a_labelled_template_answer(
    tmp_path: Path, space: ItemSpace, session_home: Path
) -> None:
    shutil.copytree(session_home / "cache", tmp_path / "cache")
    llama, url = start_llama_server(tmp_path / "llama.log")
    env = child_env(
        tmp_path, CHAT_REC_LLM="openai", OPENAI_BASE_URL=url, CHAT_REC_LLM_MODEL="smollm2", CHAT_REC_LLM_TIMEOUT_S="60"
    )
    server = Server(env, free_port())
    try:
        server.start()
        client = server.client(make_token(env, "ann"))
        conv = client.post("/v1/users/ann/conversations").json()["conversation_id"]
        events = []
        with client.stream(
            "POST",
            f"/v1/users/ann/conversations/{conv}/messages",
            json={"message": "a heartwarming animated film about family"},
            headers={"Accept": "text/event-stream"},
        ) as response:
            assert response.status_code == 200
            for name, data in sse_events(response):
                events.append((name, data))
                if name == "card" and llama.poll() is None:
                    llama.kill()  # the model server dies after writing the first reason
                    llama.wait()
        cards = [d for n, d in events if n == "card"]
        done = events[-1][1]
        assert events[-1][0] == "done" and len(cards) == 3 and done["grounded"]
        assert done["llm"] == "openai:smollm2"
        assert done["written_by"] == "template" and "failed" in done["fallback_reason"]
        assert all(c["reason"] for c in cards)
        ready = server.client().get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["llm"]["ok"] is False
        metrics = server.client().get("/metrics").text
        assert 'chat_rec_template_fallbacks_total{reason="unreachable"} 1.0' in metrics
        assert 'chat_rec_turns_total{kind="recommend",written_by="template"} 1.0' in metrics
    finally:
        server.stop()
        if llama.poll() is None:
            llama.kill()
            llama.wait()
