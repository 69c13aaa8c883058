"""Vectors that travel with a catalog file, so indexing it needs no model run.

A vector file sits next to its catalog (``movies.jsonl`` -> ``movies.vectors.npz``) and
holds, for every embedded text, the text's hash (:func:`~chat_rec.index.embedder.text_hash`)
and its vector, plus the embedding model's name and a fingerprint of the model's files.
The sync takes a vector from the file when the configured model has the same name and
fingerprint and the item's text has the same hash; any other item (an edited one, a new
one, or every item when another model is set) goes through the model as usual. The
built-in catalog ships its file in the repo; ``chat-rec catalog vectors`` writes one for
any catalog (and regenerates the shipped one).

Vectors are stored as float32, exactly what the model returned, so an index built from
the file ranks as one built by the model. (float16 would halve the file, 1.3 -> 0.66 MB
for 905 films, and left every shown pick of ``eval/cases`` unchanged, but it reordered
near-ties deeper in 6 of 55 ranked lists.) A missing, damaged or foreign file is never
an error: the items are embedded instead.

Deliberately left out: vectors of more than one model in a file, and partial updates of
a file in place (it is rewritten whole).
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from chat_rec.index.embedder import text_hash

if TYPE_CHECKING:
    from chat_rec.index.embedder import CachedEmbedder

SUFFIX = ".vectors.npz"
FORMAT_VERSION = 1


def vectors_path(catalog_path: Path) -> Path:
    """Where a catalog's vector file lives: ``items.csv`` -> ``items.vectors.npz``."""
    return catalog_path.with_name(catalog_path.stem + SUFFIX)


def model_fingerprint(model_dir: Path) -> str:
    """A hash of every file of a model folder (names and bytes): two folders with the same
    weights, tokenizer and pooling have the same fingerprint, whatever they are called."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(model_dir).rglob("*") if p.is_file()):
        rel = path.relative_to(model_dir).as_posix()
        if rel.startswith(".") or "/." in rel or "__pycache__" in rel or rel.endswith(".md"):
            continue  # caches, lock files and model cards: they do not change a vector
        digest.update(rel.encode() + b"\0")
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:24]


@dataclass
class VectorFile:
    model: str
    fingerprint: str
    hashes: list[str]
    vectors: np.ndarray  # float32, one row per hash
    _rows: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._rows = {h: i for i, h in enumerate(self.hashes)}

    def __len__(self) -> int:
        return len(self.hashes)

    def get(self, text_hash: str) -> np.ndarray | None:
        row = self._rows.get(text_hash)
        return None if row is None else self.vectors[row]

    def same_content(self, other: VectorFile) -> bool:
        return (
            (self.model, self.fingerprint, self.hashes) == (other.model, other.fingerprint, other.hashes)
            and self.vectors.shape == other.vectors.shape
            and bool(np.array_equal(self.vectors, other.vectors))
        )


def read_vector_file(path: Path) -> VectorFile | None:
    """The file's contents, or None when it is absent or cannot be read (then items are embedded)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != FORMAT_VERSION:
                return None
            hashes = [h.decode() for h in data["hashes"].tolist()]
            vectors = np.asarray(data["vectors"], dtype=np.float32)
            if vectors.ndim != 2 or len(vectors) != len(hashes):
                return None
            return VectorFile(str(data["model"]), str(data["fingerprint"]), hashes, vectors)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def write_vector_file(path: Path, vectors: VectorFile) -> bool:
    """Write ``vectors`` to ``path`` atomically; False (and no write) when the file already
    holds exactly this, so regenerating an unchanged catalog leaves git clean."""
    existing = read_vector_file(path)
    if existing is not None and existing.same_content(vectors):
        return False
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(
        tmp,
        format=np.array(FORMAT_VERSION),
        model=np.array(vectors.model),
        fingerprint=np.array(vectors.fingerprint),
        hashes=np.array([h.encode() for h in vectors.hashes], dtype="S"),
        vectors=vectors.vectors.astype(np.float32),
    )
    tmp.replace(path)
    return True


def build_vector_file(texts: list[str], embedder: CachedEmbedder, existing: VectorFile | None) -> VectorFile:
    """The vector file for ``texts``: vectors of ``existing`` where it holds the same text made
    by the same model, the rest from ``embedder`` (its cache, else the model)."""
    hashes = list(dict.fromkeys(text_hash(t) for t in texts))
    by_hash = dict(zip((text_hash(t) for t in texts), texts))
    fingerprint = embedder.fingerprint()
    reuse = existing if existing and (existing.model, existing.fingerprint) == (embedder.name, fingerprint) else None
    rows = {h: v for h in hashes if reuse and (v := reuse.get(h)) is not None}
    missing = [h for h in hashes if h not in rows]
    if missing:
        rows.update(zip(missing, embedder.embed([by_hash[h] for h in missing])))
    matrix = np.vstack([rows[h] for h in hashes]) if hashes else np.zeros((0, 384))
    return VectorFile(embedder.name, fingerprint, hashes, matrix.astype(np.float32))
