"""The vector index: one Chroma collection, embedded (persistent folder) or a server.

``CHAT_REC_CHROMA_URL=http://127.0.0.1:8000`` switches to ``chromadb.HttpClient``; the
class is the same either way. The collection's metadata is its manifest: which
embedding model and mapping built it and whether the last build completed, so a
mismatch is detected instead of serving wrong vectors.

Each record holds a vector and its item's content hash, nothing else: the catalog file
is the one source of item fields, and filters run in Python over it
(``agent/filters.py``, ``catalog/where.py``). Storing the fields as Chroma metadata
nearly doubled the write cost of an ingest (13.5 s vs 7.2 s per 10,000 rows), and
Chroma's metadata pre-filter was 15-25x slower than an exact scan in memory.

Deliberately left out: multi-tenant databases and collection aliases.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import numpy as np

from chat_rec.catalog.items import Item
from chat_rec.errors import ConfigError, IndexMismatchError
from chat_rec.settings import Settings, disable_telemetry

# Chroma's default search breadth (ef_search 100) returned only .90 of the exact top 100
# that the agent asks for at 62k items; 400 returns .975 there for +2.5 ms a query
# (benchmarks/RESULTS.md). It only affects reading. Set when a collection is created: an existing one
# keeps its own until `chat-rec catalog rebuild`.
HNSW_SETTINGS = {"hnsw:space": "cosine", "hnsw:search_ef": 400}


def make_client(settings: Settings) -> Any:
    disable_telemetry()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise ConfigError(
                f"CHAT_REC_CHROMA_URL={settings.chroma_url!r} has no host", "Use e.g. http://127.0.0.1:8000"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https", settings=chroma_settings
            )
        except Exception as exc:  # chromadb raises several types for a dead server
            raise ConfigError(
                f"cannot reach the Chroma server at {settings.chroma_url}: {exc}",
                "Start it with `chroma run --path DIR --host 127.0.0.1 --port 8000`, or unset CHAT_REC_CHROMA_URL.",
            ) from exc
    path = settings.chroma_path
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # a damaged chroma.sqlite3 raises whatever its first read hits
        raise IndexMismatchError(
            f"the index at {path} cannot be opened ({type(exc).__name__}: {exc}); it may be damaged",
            f"Move it aside (`mv {path} {path}.broken`), then run `chat-rec catalog rebuild`: "
            "the catalog and the embedding cache rebuild it.",
        ) from exc


@contextmanager
def index_lock(settings: Settings) -> Iterator[None]:
    """One process at a time opens and writes an embedded index: two API workers starting
    on a fresh home would otherwise both build it, and one fails with Chroma's "database
    is locked". A Chroma server serialises its own writes, so it needs no lock here."""
    if settings.chroma_url:
        yield
        return
    settings.chroma_path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{settings.chroma_path}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, also if the process dies
        yield


MAPPING_DIGEST_VERSION = 3  # 2: the digest leaves the synonyms out; 3: it covers only how the text is made


class ChromaIndex:
    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        self.name = settings.collection
        self.collection = self.client.get_or_create_collection(
            self.name, embedding_function=None, metadata=dict(HNSW_SETTINGS)
        )
        self._count: int | None = None  # what :meth:`query` clamps to, read again after a write

    # manifest --------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        return dict(self.collection.metadata or {})

    def set_manifest(self, **values: Any) -> None:
        meta = {k: v for k, v in self.manifest().items() if not k.startswith("hnsw:")}
        meta.update(values)
        self.collection.modify(metadata=meta)

    def check_compatible(self, embedding_model: str, mapping_digest: str, mapping: str | None = None) -> None:
        manifest = self.manifest()
        built_model = manifest.get("embedding_model")
        if built_model and built_model != embedding_model:
            raise IndexMismatchError(
                f"the index was built with embedding model {built_model!r}, but {embedding_model!r} is configured"
            )
        built_mapping = manifest.get("mapping_digest")
        # older digests covered the synonyms (before 2) and the fields and roles (before 3),
        # so they cannot be compared; a legacy index of the same mapping is kept (its rows'
        # content hashes still catch any change in the embedded text) and gets the new
        # digest on sync
        legacy = (
            manifest.get("mapping_digest_version", 1) < MAPPING_DIGEST_VERSION and manifest.get("mapping") == mapping
        )
        if built_mapping and built_mapping != mapping_digest and not legacy:
            raise IndexMismatchError("the index was built from a different catalog mapping file")

    # data ------------------------------------------------------------------
    def count(self) -> int:
        return int(self.collection.count())

    def hashes(self) -> dict[str, str]:
        out: dict[str, str] = {}
        total = self.count()
        for offset in range(0, total, 5000):
            page = self.collection.get(include=["metadatas"], limit=5000, offset=offset)
            for item_id, meta in zip(page["ids"], page["metadatas"] or []):
                out[item_id] = str((meta or {}).get("_hash", ""))
        return out

    def upsert(self, items: Sequence[Item], vectors: np.ndarray) -> None:
        if not items:
            return
        self._count = None
        self.collection.upsert(
            ids=[i.id for i in items],
            embeddings=vectors.tolist(),
            metadatas=[{"_hash": i.content_hash} for i in items],
        )

    def delete(self, ids: Sequence[str]) -> None:
        self._count = None
        for start in range(0, len(ids), 5000):
            self.collection.delete(ids=list(ids[start : start + 5000]))

    def vectors(self) -> tuple[list[str], np.ndarray]:
        """All ids and vectors, for in-memory similarity (62k x 384 floats is ~95 MB)."""
        ids: list[str] = []
        chunks: list[np.ndarray] = []
        total = self.count()
        for offset in range(0, total, 5000):
            page = self.collection.get(include=["embeddings"], limit=5000, offset=offset)
            ids.extend(page["ids"])
            chunks.append(np.asarray(page["embeddings"], dtype=np.float32))
        matrix = np.vstack(chunks) if chunks else np.zeros((0, 384), dtype=np.float32)
        return ids, matrix

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if self._count is None:  # counting is a database read: once, then after each write
            self._count = self.count()
        k = min(k, self._count)
        if k <= 0:
            return []
        result = self.collection.query(query_embeddings=[vector.tolist()], n_results=k, include=["distances"])
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances)]
