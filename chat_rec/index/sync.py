"""Bring the index in line with the catalog: embed only what is new or changed.

Rows are compared by content hash. Unchanged rows cost nothing; changed text that was
seen before comes from the embedding cache; rows gone from the catalog are deleted.
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

from tqdm import tqdm

from chat_rec.catalog.items import Catalog
from chat_rec.index.chroma import MAPPING_DIGEST_VERSION, ChromaIndex
from chat_rec.index.embedder import CachedEmbedder

BATCH = 512
INDEX_VERSION = 2  # bump when the stored metadata layout changes (2: content hash only)


@dataclass
class SyncReport:
    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    embedded: int = 0  # texts that really went through the model (cache misses)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.changed} changed, {self.deleted} deleted, {self.unchanged} unchanged "
            f"({self.embedded} embedded) in {self.seconds:.1f}s"
        )


def sync_index(catalog: Catalog, index: ChromaIndex, embedder: CachedEmbedder, progress: bool = True) -> SyncReport:
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
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        index.upsert(batch, embedder.embed([i.text for i in batch], progress=bar.update))
    bar.close()
    report.embedded = embedder.misses - misses_before
    index.set_manifest(catalog_digest=catalog.digest(), complete=True, items=len(catalog))
    report.seconds = time.perf_counter() - started
    return report
