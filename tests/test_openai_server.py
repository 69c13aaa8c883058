"""The OpenAI-compatible path against a real `python -m llama_cpp.server` on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from chat_rec.agent.turn import Agent
from chat_rec.errors import LLMError
from chat_rec.llm.llamacpp import default_gguf
from chat_rec.llm.openai_compat import OpenAICompatLLM
from tests.helpers import run_turn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(default_gguf()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            "smollm2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("llama_cpp.server exited at start")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.model
def test_turn_through_openai_compatible_server(agent: Agent, server_url: str) -> None:
    agent.llm = OpenAICompatLLM(server_url, None, "smollm2", timeout_s=60)
    turn, _ = run_turn(agent, "a heartwarming animated film about family")
    assert turn.fallback_reason is None, turn.fallback_reason
    assert turn.llm == "openai:smollm2"
    assert len(turn.recommendations) == 3 and turn.grounded
    assert all(v["raw"] for v in turn.trace["verdicts"])  # the server really wrote the reasons


@pytest.mark.model
def test_max_tokens_reaches_the_server(server_url: str) -> None:
    llm = OpenAICompatLLM(server_url, None, "smollm2", timeout_s=60)
    text = llm.complete([{"role": "user", "content": "Count from one to one hundred in words."}], max_tokens=5)
    assert 0 < len(text.split()) <= 8


@pytest.mark.model
def test_an_answer_the_server_cuts_short_is_an_error_not_an_empty_answer(server_url: str) -> None:
    # llama_cpp.server (default --interrupt_requests True) ends a streaming answer with no
    # finish_reason when a second request waits: under load that read as 67 of 70 empty reasons.
    llm = OpenAICompatLLM(server_url, None, "smollm2", timeout_s=120)
    first = llm.stream([{"role": "user", "content": "Count from one to two hundred in words."}], max_tokens=400)
    got = [next(first)]  # the first answer is streaming now
    second: list[str] = []
    waiting = threading.Thread(
        target=lambda: second.append(llm.complete([{"role": "user", "content": "Name a colour."}], max_tokens=8))
    )
    waiting.start()
    with pytest.raises(LLMError, match="ended the answer before it finished"):
        for chunk in first:
            got.append(chunk)
    waiting.join(timeout=120)
    assert second and second[0].strip()  # the request that cut in gets its whole answer
    assert len("".join(got).split()) < 300  # cut, not run to max_tokens


@pytest.mark.model
def test_a_finished_answer_is_not_an_error(server_url: str) -> None:
    llm = OpenAICompatLLM(server_url, None, "smollm2", timeout_s=120)
    assert llm.complete([{"role": "user", "content": "Say hello."}], max_tokens=4).strip()  # ends on "length"
    assert llm.complete([{"role": "user", "content": "Say hello."}], max_tokens=60).strip()  # ends on "stop"
