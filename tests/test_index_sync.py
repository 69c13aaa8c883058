"""Incremental sync on a real Chroma folder: only new/changed rows are embedded, vanished
rows are deleted, an interrupted ingest leaves a consistent index that a re-run
completes, and a model mismatch is refused with the rebuild hint.

A small deterministic embedder stands in for the model so the counts are exact and fast;
the real model is exercised by the CLI and Chroma-server tests."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

import chat_rec.index.sync as sync_module
from chat_rec.catalog.items import Catalog, Item
from chat_rec.catalog.mapping import FieldSpec, Mapping, Roles
from chat_rec.errors import IndexMismatchError
from chat_rec.index.chroma import ChromaIndex, make_client
from chat_rec.index.embedder import CachedEmbedder
from chat_rec.index.space import ItemSpace, open_space
from chat_rec.index.sync import sync_index
from chat_rec.settings import Settings

MAPPING = Mapping.model_validate(
    {"name": "sync-test", "id": "id", "title": "title", "text": "{title}", "fields": {"n": {"type": "int"}}}
)


class FakeModel:
    """Deterministic 384-d unit vectors from the text hash; counts texts; can 'crash'."""

    def __init__(self, name: str = "fake-model", crash_after: int | None = None) -> None:
        self.name = name
        self.model_path = name
        self.calls = 0
        self.texts: list[str] = []
        self.crash_after = crash_after

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if self.crash_after is not None and self.calls >= self.crash_after:
            raise KeyboardInterrupt  # Ctrl-C in the middle of an ingest
        self.calls += 1
        self.texts.extend(texts)
        rows = []
        for text in texts:
            seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
            vec = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            rows.append(vec / np.linalg.norm(vec))
        if progress:
            progress(len(texts))
        return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


def catalog(n: int, start: int = 0, suffix: str = "") -> Catalog:
    items = [Item(str(i), f"Item {i}{suffix}", f"Item {i}{suffix}", {"n": i}) for i in range(start, start + n)]
    return Catalog(items, MAPPING)


def open_index(home: Path) -> ChromaIndex:
    settings = Settings(home=home, collection="sync-test")
    return ChromaIndex(settings, client=make_client(settings))


def embedder(home: Path, model: FakeModel) -> CachedEmbedder:
    return CachedEmbedder(model, home / "cache" / "embeddings.sqlite3")  # type: ignore[arg-type]


def test_partial_then_full_embeds_only_the_remainder(tmp_path: Path) -> None:
    model = FakeModel()
    first = sync_index(catalog(30), open_index(tmp_path), embedder(tmp_path, model), progress=False)
    assert (first.added, first.embedded) == (30, 30)
    model.texts.clear()
    full = sync_index(catalog(50), open_index(tmp_path), embedder(tmp_path, model), progress=False)
    assert (full.added, full.unchanged, full.embedded) == (20, 30, 20)
    assert sorted(model.texts) == sorted(f"Item {i}" for i in range(30, 50))
    index = open_index(tmp_path)
    assert index.count() == 50
    assert index.manifest()["complete"] is True and index.manifest()["items"] == 50

    # nothing changed: nothing embedded, nothing written
    again = sync_index(catalog(50), open_index(tmp_path), embedder(tmp_path, model), progress=False)
    assert (again.unchanged, again.embedded, again.added) == (50, 0, 0)

    # changed rows and vanished rows
    items = catalog(45).items
    items[0] = Item("0", "Item 0 new", "Item 0 new", {"n": 0})
    changed = sync_index(Catalog(items, MAPPING), open_index(tmp_path), embedder(tmp_path, model), progress=False)
    assert (changed.changed, changed.deleted, changed.embedded) == (1, 5, 1)
    assert open_index(tmp_path).count() == 45


def test_interrupted_ingest_is_consistent_and_a_rerun_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_module, "BATCH", 8)
    crashing = FakeModel(crash_after=3)  # three batches land, the fourth is interrupted
    with pytest.raises(KeyboardInterrupt):
        sync_index(catalog(40), open_index(tmp_path), embedder(tmp_path, crashing), progress=False)
    index = open_index(tmp_path)
    assert index.count() == 24  # whole batches only
    assert index.manifest()["complete"] is False
    stored = index.collection.get(include=["metadatas", "embeddings"])
    assert all(meta["_hash"] for meta in stored["metadatas"])  # every stored row has its hash and vector
    assert len(stored["embeddings"]) == 24
    assert set(stored["ids"]) <= {t.split()[1] for t in crashing.texts}  # nothing written that was not embedded

    model = FakeModel()
    rerun = sync_index(catalog(40), open_index(tmp_path), embedder(tmp_path, model), progress=False)
    assert (rerun.unchanged, rerun.added, rerun.embedded) == (24, 16, 16)
    assert len(model.texts) == 16
    assert open_index(tmp_path).count() == 40
    assert open_index(tmp_path).manifest()["complete"] is True


def test_embedding_cache_means_a_rebuild_never_reembeds(tmp_path: Path) -> None:
    model = FakeModel()
    sync_index(catalog(20), open_index(tmp_path), embedder(tmp_path, model), progress=False)
    make_client(Settings(home=tmp_path)).delete_collection("sync-test")  # what `catalog rebuild` does
    rebuilt = sync_index(catalog(20), open_index(tmp_path), embedder(tmp_path, model), progress=False)
    assert (rebuilt.added, rebuilt.embedded) == (20, 0)
    assert len(model.texts) == 20


def test_model_mismatch_is_refused_with_the_rebuild_hint(tmp_path: Path) -> None:
    sync_index(catalog(5), open_index(tmp_path), embedder(tmp_path, FakeModel("model-a")), progress=False)
    with pytest.raises(IndexMismatchError) as caught:
        sync_index(catalog(5), open_index(tmp_path), embedder(tmp_path, FakeModel("model-b")), progress=False)
    assert "model-a" in str(caught.value) and "model-b" in str(caught.value)
    assert "chat-rec catalog rebuild" in str(caught.value)
    assert open_index(tmp_path).count() == 5  # nothing was touched

    other = MAPPING.model_copy(update={"text": "{title}!"})
    with pytest.raises(IndexMismatchError, match="mapping"):
        sync_index(Catalog(catalog(5).items, other), open_index(tmp_path), embedder(tmp_path, FakeModel("model-a")))


def test_synonyms_and_a_legacy_digest_do_not_ask_for_a_rebuild(tmp_path: Path) -> None:
    model = FakeModel("model-a")
    sync_index(catalog(5), open_index(tmp_path), embedder(tmp_path, model), progress=False)
    tuned = MAPPING.model_copy(update={"synonyms": {"scary": "Horror"}})
    report = sync_index(Catalog(catalog(5).items, tuned), open_index(tmp_path), embedder(tmp_path, model))
    assert (report.unchanged, report.embedded) == (5, 0)
    aliases = {"fields": {**MAPPING.fields, "aka": FieldSpec(type="list")}, "roles": Roles(aliases="aka")}
    with_aliases = MAPPING.model_copy(update=aliases)  # a new role reads a field; the text is made as before
    report = sync_index(Catalog(catalog(5).items, with_aliases), open_index(tmp_path), embedder(tmp_path, model))
    assert (report.unchanged, report.embedded) == (5, 0)

    index = open_index(tmp_path)  # an index built before digests left the synonyms out
    meta = {k: v for k, v in index.manifest().items() if k != "mapping_digest_version" and not k.startswith("hnsw:")}
    index.collection.modify(metadata={**meta, "mapping_digest": "0123456789abcdef"})
    report = sync_index(catalog(5), open_index(tmp_path), embedder(tmp_path, model), progress=False)
    assert report.unchanged == 5 and open_index(tmp_path).manifest()["mapping_digest"] == MAPPING.digest()
    renamed = MAPPING.model_copy(update={"name": "another-catalog", "text": "{title}!"})
    with pytest.raises(IndexMismatchError, match="mapping"):  # a different mapping is still refused
        sync_index(Catalog(catalog(5).items, renamed), open_index(tmp_path), embedder(tmp_path, model))


def test_manifest_records_model_mapping_and_catalog(tmp_path: Path) -> None:
    cat = catalog(3)
    sync_index(cat, open_index(tmp_path), embedder(tmp_path, FakeModel("model-a")), progress=False)
    manifest = open_index(tmp_path).manifest()
    assert manifest["embedding_model"] == "model-a"
    assert manifest["mapping"] == "sync-test" and manifest["mapping_digest"] == MAPPING.digest()
    assert manifest["catalog_digest"] == cat.digest()
    assert manifest["index_version"] == sync_module.INDEX_VERSION
    hnsw = open_index(tmp_path).collection.configuration_json["hnsw"]
    assert hnsw["space"] == "cosine" and hnsw["ef_search"] == 400  # kept after the manifest rewrites


def test_real_model_returns_vectors_in_input_order_whatever_their_length() -> None:
    from chat_rec.index.embedder import SentenceTransformerEmbedder

    texts = [("a quiet drama about two sisters " * (i % 5)) + f"film {i}" for i in range(20)]
    model = SentenceTransformerEmbedder(batch_size=1)  # chunks of 8: three length-sorted chunks
    together = model.embed(texts)
    alone = np.vstack([model.embed([t]) for t in texts])
    assert together.shape == (20, 384)
    assert np.allclose(together, alone, atol=1e-5)


def test_the_built_in_catalogs_index_is_rebuilt_when_an_upgrade_changed_its_mapping(
    tmp_path: Path, session_home: Path, space: ItemSpace
) -> None:
    """Users never edit the built-in mapping, so a changed one came with an upgrade: the
    index is rebuilt (from the embedding cache) instead of asking the user to."""
    for name in ("chroma", "cache"):
        shutil.copytree(session_home / name, tmp_path / name)
    settings = Settings(home=tmp_path, llm="none", collection=space.index.name)
    stale = ChromaIndex(settings)
    meta = {k: v for k, v in stale.manifest().items() if not k.startswith("hnsw:")}
    stale.collection.modify(metadata={**meta, "mapping_digest": "0123456789abcdef"})  # an older text template
    reopened = open_space(Settings(home=tmp_path, llm="none"), progress=False)
    assert reopened.index.name == space.index.name
    assert reopened.index.manifest()["mapping_digest"] == space.catalog.mapping.digest()
    assert reopened.sync.added == len(space.catalog) and reopened.sync.embedded == 0  # all from the cache
