"""Shared fixtures: real Chroma, real SQLite, the real embedding model and GGUF model.

The built-in catalog is indexed once per test session (embeddings cached on disk in the
session's temp dir); each test gets its own SQLite store so tests never see each
other's users.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from chat_rec.agent.turn import Agent
from chat_rec.index.space import ItemSpace, open_space
from chat_rec.llm.base import LLM
from chat_rec.memory.store import Store
from chat_rec.settings import Settings

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED_DATA.exists(), reason=f"{SHARED_DATA} is absent (external data sets)")


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chat-rec-home")


@pytest.fixture(scope="session")
def builtin_settings(session_home: Path) -> Settings:
    return Settings(home=session_home, llm="none")


@pytest.fixture(scope="session")
def space(builtin_settings: Settings) -> ItemSpace:
    return open_space(builtin_settings, progress=False)


@pytest.fixture(scope="session")
def local_llm() -> LLM:
    from chat_rec.llm.llamacpp import LlamaCppLLM

    return LlamaCppLLM(n_threads=2)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "store.sqlite3")
    yield s
    s.close()


@pytest.fixture
def agent(builtin_settings: Settings, space: ItemSpace, store: Store) -> Agent:
    """An agent on the built-in catalog with template answers (no LLM) and a fresh store."""
    return Agent(builtin_settings, space, store, llm=None)


@pytest.fixture
def llm_agent(builtin_settings: Settings, space: ItemSpace, store: Store, local_llm: LLM) -> Agent:
    """The same, with the real local model writing reasons."""
    return Agent(builtin_settings.model_copy(update={"llm": "llamacpp"}), space, store, llm=local_llm)
