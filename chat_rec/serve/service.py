"""What one API worker process holds: settings, the store, the token book, and the agent.

The agent (catalog, index, embedder, signals) loads in a background thread at start-up,
so ``/healthz`` answers at once and ``/readyz`` says 503 until it is ready. Turns run on
one thread per process, one at a time, in arrival order: ``Agent`` leaves concurrency
between turns out, and more throughput comes from more worker processes.

Deliberately left out: reloading the agent when another process ingests a catalog
(restart the workers, as after any deploy).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from chat_rec.memory.store import Store
from chat_rec.memory.tokens import Tokens
from chat_rec.serve.errors import ApiError
from chat_rec.serve.ratelimit import RateLimiter
from chat_rec.settings import Settings

if TYPE_CHECKING:
    from chat_rec.agent.turn import Agent

log = logging.getLogger("chat_rec.serve")


class Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.store_path)
        self.tokens = Tokens(self.store)
        self.limiter = RateLimiter(settings.serve_rate_per_minute, settings.serve_rate_burst)
        self.turns = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-rec-turn")
        self.agent: Agent | None = None
        self.load_error: str | None = None
        self._loader: threading.Thread | None = None

    def start(self) -> None:
        self._loader = threading.Thread(target=self._load, name="chat-rec-load", daemon=True)
        self._loader.start()

    def _load(self) -> None:
        from chat_rec.agent.preferences import Preferences
        from chat_rec.agent.retrieve import UserContext
        from chat_rec.agent.turn import Agent

        try:
            agent = Agent.from_settings(self.settings, progress=False, store=self.store)
            # the first retrieval loads the query embedder and signals: pay it before the first turn
            agent.rank_for(Preferences(query="warm up"), UserContext(liked=[], disliked=[], excluded=set()))
            self.agent = agent
        except Exception as exc:  # reported by /readyz and every turn, instead of killing the worker
            log.exception("loading the agent failed")
            self.load_error = f"{type(exc).__name__}: {exc}"

    def wait_loaded(self, timeout: float | None = None) -> None:
        if self._loader is not None:
            self._loader.join(timeout)

    def require_agent(self) -> Agent:
        if self.agent is not None:
            return self.agent
        if self.load_error:
            raise ApiError(503, f"the agent failed to load: {self.load_error}", "Fix the cause and restart the server.")
        raise ApiError(
            503,
            "the catalog and index are still loading",
            "Retry in a few seconds; GET /readyz answers 200 when ready.",
            headers={"Retry-After": "5"},
        )

    def close(self) -> None:
        self.turns.shutdown(wait=True)
        self.store.close()
