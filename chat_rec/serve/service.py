"""What one API worker process holds: settings, the store, the token book, and the agent.

The agent (catalog, index, embedder, signals) loads in a background thread at start-up,
so ``/healthz`` answers at once and ``/readyz`` says 503 until it is ready. Turns run on
one thread per process, one at a time, in arrival order: ``Agent`` leaves concurrency
between turns out, and more throughput comes from more worker processes.

When a catalog ingest (the admin route, or ``chat-rec catalog ingest`` on the same home)
changes the active catalog, the next request starts loading a new agent in the background;
the old one keeps answering until the new one is ready, then every later turn uses it.

Deliberately left out: noticing a catalog file edited in place without a new ingest.
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
        self.store = Store(settings.store_url)
        self.tokens = Tokens(self.store)
        self.limiter = RateLimiter(settings.serve_rate_per_minute, settings.serve_rate_burst)
        self.turns = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-rec-turn")
        self.agent: Agent | None = None
        self.load_error: str | None = None
        self._loader: threading.Thread | None = None
        self._stamp: tuple[int, int] | None = None  # the active-catalog file the agent was built from
        self._reloading = threading.Lock()

    def start(self) -> None:
        self._loader = threading.Thread(target=self._load, name="chat-rec-load", daemon=True)
        self._loader.start()

    def _load(self) -> None:
        from chat_rec.agent.preferences import Preferences
        from chat_rec.agent.retrieve import UserContext
        from chat_rec.agent.turn import Agent

        self._stamp = self.catalog_stamp()  # before building: an ingest meanwhile reloads again
        try:
            agent = Agent.from_settings(self.settings, progress=False, store=self.store)
            # the first retrieval loads the query embedder and signals: pay it before the first turn
            agent.rank_for(Preferences(query="warm up"), UserContext(liked=[], disliked=[], excluded=set()))
            self.agent = agent
            self.load_error = None
        except Exception as exc:  # reported by /readyz and every turn, instead of killing the worker
            log.exception("loading the agent failed")
            if self.agent is None:
                self.load_error = f"{type(exc).__name__}: {exc}"

    def catalog_stamp(self) -> tuple[int, int] | None:
        """When and how big the active-catalog file is (None: no catalog was ingested)."""
        from chat_rec.catalog.active import active_path

        try:
            found = active_path(self.settings).stat()
        except OSError:
            return None
        return found.st_mtime_ns, found.st_size

    def reload_if_catalog_changed(self) -> bool:
        """Start loading a new agent in the background if an ingest changed the active
        catalog since this one was built. True if a reload started."""
        if self.catalog_stamp() == self._stamp or not self._reloading.acquire(blocking=False):
            return False

        def reload() -> None:
            try:
                log.info("the active catalog changed: loading a new agent")
                self._load()
            finally:
                self._reloading.release()

        self._loader = threading.Thread(target=reload, name="chat-rec-reload", daemon=True)
        self._loader.start()
        return True

    def wait_loaded(self, timeout: float | None = None) -> None:
        if self._loader is not None:
            self._loader.join(timeout)

    def require_agent(self) -> Agent:
        if self.agent is not None:
            self.reload_if_catalog_changed()
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
