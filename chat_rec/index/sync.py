"""Bring the index in line with the catalog: embed only what is new or changed.

Rows are compared by content hash. Unchanged rows cost nothing; a new or changed row
takes its vector from the catalog's vector file when that file was made by the same
model from the same text (``index/vectorfile.py``), else from the embedding cache, else
from the model; rows gone from the catalog are deleted.
Work is written in batches, each one complete, so an interrupted sync leaves a valid
(partial) index that the next run finishes. The manifest says ``complete=False`` until
the last batch lands.

The texts to embed are sorted by length so each model batch carries little padding.
Batches are embedded and written one after the other: Chroma's upsert holds Python's
GIL for the whole call, so a writer thread only stalled the model instead of overlapping
with it, and the model already keeps both cores busy.

Deliberately left out: parallel embedding (2 cores: the model already uses both).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from chat_rec.catalog.items import Catalog, Item
from chat_rec.index.chroma import MAPPING_DIGEST_VERSION, ChromaIndex
from chat_rec.index.embedder import CachedEmbedder, text_hash
from chat_rec.index.vectorfile import VectorFile

BATCH = 512
INDEX_VERSION = 2  # bump when the stored metadata layout changes (2: content hash only)


@dataclass
class SyncReport:
    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    embedded: int = 0  # texts that really went through the model (cache misses)
    reused: int = 0  # vectors taken from the catalog's vector file
    seconds: float = 0.0

    def summary(self) -> str:
        reused = f", {self.reused} from the vector file" if self.reused else ""
        return (
            f"{self.added} added, {self.changed} changed, {self.deleted} deleted, {self.unchanged} unchanged "
            f"({self.embedded} embedded{reused}) in {self.seconds:.1f}s"
        )


def usable(vectors: VectorFile | None, embedder: CachedEmbedder, items: list[Item]) -> VectorFile | None:
    """``vectors`` when they were made by ``embedder``'s model and hold some of ``items``'
    texts; the model's files are hashed only then."""
    if vectors is None or vectors.model != embedder.name or not items:
        return None
    if all(vectors.get(text_hash(i.text)) is None for i in items[:: max(1, len(items) // 50)]):
        return None  # a sample of the texts is enough to see a file of another catalog
    return vectors if vectors.fingerprint == embedder.fingerprint() else None


def batch_vectors(
    batch: list[Item], embedder: CachedEmbedder, known: VectorFile | None, report: SyncReport, bar: tqdm
) -> np.ndarray:
    rows = [known.get(text_hash(i.text)) if known else None for i in batch]
    missing = [k for k, row in enumerate(rows) if row is None]
    if missing:
        fresh = embedder.embed([batch[k].text for k in missing], progress=bar.update)
        for k, vector in zip(missing, fresh):
            rows[k] = vector
    report.reused += len(batch) - len(missing)
    bar.update(len(batch) - len(missing))
    return np.vstack([row for row in rows if row is not None])


def sync_index(
    catalog: Catalog,
    index: ChromaIndex,
    embedder: CachedEmbedder,
    progress: bool = True,
    vectors: VectorFile | None = None,
) -> SyncReport:
    """Bring ``index`` in line with ``catalog``; ``vectors`` (the catalog's vector file, if
    any) supplies the vectors of texts it holds when it was made by the same model."""
    started = time.perf_counter()
    index.check_compatible(embedder.name, catalog.mapping.digest(), catalog.mapping.name)
    existing = index.hashes()
    report = SyncReport()
    todo = []
    for item in catalog.items:
        old = existing.get(item.id)
        if old == item.content_hash:
            report.unchanged += 1
            continue
        todo.append(item)
        if old is None:
            report.added += 1
        else:
            report.changed += 1
    gone = sorted(set(existing) - set(catalog.by_id))
    report.deleted = len(gone)
    manifest = index.manifest()
    if manifest.get("mapping_digest") != catalog.mapping.digest():  # a legacy digest, or a first build
        index.set_manifest(mapping_digest=catalog.mapping.digest(), mapping_digest_version=MAPPING_DIGEST_VERSION)
    if todo or gone or not index.manifest().get("complete"):
        index.set_manifest(
            embedding_model=embedder.name,
            mapping_digest=catalog.mapping.digest(),
            mapping_digest_version=MAPPING_DIGEST_VERSION,
            mapping=catalog.mapping.name,
            index_version=INDEX_VERSION,
            complete=False,
        )
    index.delete(gone)
    misses_before = embedder.misses
    bar = tqdm(total=len(todo), desc="Indexing catalog", unit="item", disable=not progress or not todo)
    todo.sort(key=lambda i: len(i.text))  # similar lengths together: less padding in the model
    known = usable(vectors, embedder, todo)
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        index.upsert(batch, batch_vectors(batch, embedder, known, report, bar))
    bar.close()
    report.embedded = embedder.misses - misses_before
    index.set_manifest(catalog_digest=catalog.digest(), complete=True, items=len(catalog))
    report.seconds = time.perf_counter() - started
    return report
