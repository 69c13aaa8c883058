"""The vector file that travels with a catalog: the shipped one is current for
``catalog/movies.jsonl`` and made by the installed model, a sync takes every vector it
holds and embeds only the rest, and a file from another model is ignored."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from chat_rec.catalog.items import Catalog, Item
from chat_rec.catalog.load import load_catalog
from chat_rec.cli.catalog import app
from chat_rec.index.embedder import CachedEmbedder, SentenceTransformerEmbedder, text_hash
from chat_rec.index.sync import sync_index
from chat_rec.index.vectorfile import (
    VectorFile,
    build_vector_file,
    read_vector_file,
    vectors_path,
    write_vector_file,
)
from chat_rec.settings import BUILTIN_CATALOG, BUILTIN_MAPPING
from tests.test_index_sync import MAPPING, FakeModel, catalog, open_index

REGENERATE = "run `.venv/bin/chat-rec catalog vectors` and commit catalog/movies.vectors.npz"


class FingerprintedModel(FakeModel):
    def __init__(self, name: str = "fake-model", fingerprint: str = "weights-1") -> None:
        super().__init__(name)
        self._fingerprint = fingerprint

    def fingerprint(self) -> str:
        return self._fingerprint


def embedder(home: Path, model: FakeModel) -> CachedEmbedder:
    return CachedEmbedder(model, home / "cache" / "embeddings.sqlite3")  # type: ignore[arg-type]


def shipped_for(cat: Catalog, model: FingerprintedModel, path: Path) -> VectorFile:
    """A vector file for ``cat`` made by ``model``, written and read back as a sync reads it."""
    built = build_vector_file([i.text for i in cat.items], embedder(path.parent / "maker", model), None)
    write_vector_file(path, built)
    loaded = read_vector_file(path)
    assert loaded is not None
    return loaded


def test_the_shipped_file_is_current_for_the_built_in_catalog() -> None:
    shipped = read_vector_file(vectors_path(BUILTIN_CATALOG))
    assert shipped is not None, f"catalog/movies.vectors.npz is missing or unreadable: {REGENERATE}"
    items = load_catalog(BUILTIN_CATALOG, BUILTIN_MAPPING).catalog.items
    wanted = {text_hash(item.text) for item in items}
    stale = sorted(item.id for item in items if shipped.get(text_hash(item.text)) is None)
    assert not stale, f"{len(stale)} films changed since the vector file was made ({stale[:5]}...): {REGENERATE}"
    assert set(shipped.hashes) == wanted, f"the vector file holds texts the catalog no longer has: {REGENERATE}"
    model = SentenceTransformerEmbedder()
    assert (shipped.model, shipped.fingerprint) == (model.name, model.fingerprint()), REGENERATE

    sample = items[:: len(items) // 6]  # the stored vectors are this model's vectors of these texts
    fresh = model.embed([item.text for item in sample])
    stored = np.vstack([shipped.get(text_hash(item.text)) for item in sample])
    assert np.min(np.sum(fresh * stored, axis=1)) > 0.999


def test_a_sync_reuses_the_file_and_embeds_only_a_changed_item(tmp_path: Path) -> None:
    maker = FingerprintedModel()
    shipped = shipped_for(catalog(20), maker, tmp_path / "items.vectors.npz")
    items = catalog(20).items
    items[3] = Item("3", "Item 3", "Item 3, now with a description", {"n": 3})
    model = FingerprintedModel()
    report = sync_index(
        Catalog(items, MAPPING), open_index(tmp_path), embedder(tmp_path, model), progress=False, vectors=shipped
    )
    assert (report.added, report.reused, report.embedded) == (20, 19, 1)
    assert model.texts == ["Item 3, now with a description"]
    assert "19 from the vector file" in report.summary()

    index = open_index(tmp_path)
    ids, matrix = index.vectors()
    row = dict(zip(ids, matrix))
    assert np.allclose(row["5"], shipped.get(text_hash("Item 5")), atol=1e-6)
    assert np.allclose(row["3"], model.embed(["Item 3, now with a description"])[0], atol=1e-6)


@pytest.mark.parametrize(
    ("name", "fingerprint"), [("another-model", "weights-1"), ("fake-model", "weights-2")], ids=["name", "weights"]
)
def test_another_model_reembeds_everything(tmp_path: Path, name: str, fingerprint: str) -> None:
    shipped = shipped_for(catalog(10), FingerprintedModel(), tmp_path / "items.vectors.npz")
    model = FingerprintedModel(name, fingerprint)
    report = sync_index(catalog(10), open_index(tmp_path), embedder(tmp_path, model), progress=False, vectors=shipped)
    assert (report.reused, report.embedded) == (0, 10)


def test_a_damaged_file_is_ignored_and_an_unchanged_one_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "items.vectors.npz"
    path.write_bytes(b"not a zip file")
    assert read_vector_file(path) is None  # the sync then embeds every item
    shipped = shipped_for(catalog(5), FingerprintedModel(), path)
    stamp = path.stat().st_mtime_ns
    assert write_vector_file(path, shipped) is False and path.stat().st_mtime_ns == stamp
    assert vectors_path(Path("data/my.items.csv")) == Path("data/my.items.vectors.npz")


def test_ingest_reuses_the_vector_file_next_to_a_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`catalog vectors` writes the file with the real model; a fresh home's ingest then embeds nothing."""
    rows = [{"sku": f"k{i}", "name": f"Film {i}", "blurb": f"A story about {word}."} for i, word in enumerate("abc")]
    data = tmp_path / "shop.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    mapping = tmp_path / "shop.yaml"
    mapping.write_text("name: shop\nid: sku\ntitle: name\ntext: '{name}. {blurb}'\nfields: {blurb: {type: string}}\n")
    runner = CliRunner()
    monkeypatch.setenv("CHAT_REC_HOME", str(tmp_path / "maker-home"))
    made = runner.invoke(app, ["vectors", str(data), "--mapping", str(mapping)])
    assert made.exit_code == 0, made.output
    assert "3 vectors" in made.output and (tmp_path / "shop.vectors.npz").is_file()

    monkeypatch.setenv("CHAT_REC_HOME", str(tmp_path / "fresh-home"))
    ingested = runner.invoke(app, ["ingest", str(data), "--mapping", str(mapping), "--no-progress"])
    assert ingested.exit_code == 0, ingested.output
    assert "(0 embedded, 3 from the vector file)" in ingested.output
