"""One Settings object, read from ``CHAT_REC_*`` environment variables.

Everything chat-rec writes lives under ``CHAT_REC_HOME`` (default ``~/.chat-rec``):
the Chroma index, the embedding cache and the SQLite store. Nothing is read or created
at import time; call :func:`get_settings` when you need them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUILTIN_CATALOG = PROJECT_ROOT / "catalog" / "movies.jsonl"
BUILTIN_MAPPING = PROJECT_ROOT / "catalog" / "movies.mapping.yaml"
BUILTIN_PROMPTS = PROJECT_ROOT / "prompts"
BUILTIN_RANKING = PROJECT_ROOT / "ranking" / "v5.yaml"  # the product's weights (hand-set)
# learned on ReDial training dialogs (v4's weights as its fallback): what `eval redial` scores; it reads
# films' MovieLens ratings (`--ratings`), and without them the best model that does not is scored instead
BENCHMARK_RANKING = PROJECT_ROOT / "ranking" / "v12-ltr"
BENCHMARK_RANKING_WITHOUT_RATINGS = PROJECT_ROOT / "ranking" / "v9-ltr"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHAT_REC_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".chat-rec")

    # Catalog and index
    catalog: Path = BUILTIN_CATALOG
    catalog_mapping: Path = BUILTIN_MAPPING
    collection: str = "catalog"
    chroma_url: str | None = None
    embedding_model: str | None = None  # a local sentence-transformers folder

    # LLM
    llm: Literal["llamacpp", "openai", "none"] = "llamacpp"
    llm_model: str | None = None  # GGUF path (llamacpp) or model name (openai)
    llm_timeout_s: float = 60.0
    llm_threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    llm_context: int = 2048
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "CHAT_REC_OPENAI_BASE_URL")
    )
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "CHAT_REC_OPENAI_API_KEY")
    )

    # Agent behaviour
    prompts_dir: Path = BUILTIN_PROMPTS
    prompt_versions: dict[str, str] = Field(default_factory=dict)  # {"recommend": "v1"}
    prompt_ab: dict[str, dict[str, float]] = Field(default_factory=dict)  # {"recommend": {"v1": 0.5, "v2": 0.5}}
    ranking_config: Path = BUILTIN_RANKING
    n_recommendations: int = 3
    n_llm_candidates: int = 5
    n_retrieve: int = 100
    catalog_popularity_weight: float = 0.5  # the catalog's popularity field, next to interaction logs (1.0 each)
    diversity: float = 0.3  # 0 = pure relevance, 1 = maximal diversity (MMR)
    max_message_chars: int = 2000
    # Let the LLM read messages the rules cannot structure. Off by default: SmolLM2-135M
    # answered "Action, Animation" (the first two listed) whatever the request.
    llm_understand: bool = False
    # What the model does: read,pick,explain (comma-separated) or none; unset = the model's
    # measured default (chat_rec/llm/roles.py, docs/roles.md).
    llm_roles: str | None = None
    pick_candidates: int = Field(default=10, ge=2, le=40)  # the pick role chooses from the ranked top N

    # Storage: SQLite under home by default; a PostgreSQL URL to share one database between processes
    database_url: str | None = None

    # Streamlit sign-in: "none" keeps the name picker (a local single-user run); "header" trusts
    # the user name a reverse proxy puts in ui_user_header; "oidc" uses st.login ([auth] in secrets.toml)
    ui_sign_in: Literal["none", "header", "oidc"] = "none"
    ui_user_header: str = "X-Forwarded-User"

    # HTTP API (`chat-rec serve`); the rate limit counts per token in each worker process
    serve_max_body_bytes: int = 64 * 1024
    serve_rate_per_minute: float = 120.0
    serve_rate_burst: int = 30

    @property
    def store_path(self) -> Path:
        return self.home / "chat_rec.sqlite3"

    @property
    def store_url(self) -> str:
        """What :class:`chat_rec.memory.store.Store` opens: CHAT_REC_DATABASE_URL, else the SQLite file."""
        return self.database_url or str(self.store_path)

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"


def get_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment, with keyword overrides (used by tests and CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]


def disable_telemetry() -> None:
    """Chroma, Hugging Face and Streamlit phone home unless told not to."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
