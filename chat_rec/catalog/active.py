"""Which catalog is active, and which Chroma collection holds its index.

``chat-rec catalog ingest`` records the catalog it ingested in
``CHAT_REC_HOME/active_catalog.json`` (path + mapping); later ``ask``/``chat`` runs use
it unless ``CHAT_REC_CATALOG`` is set explicitly. Each catalog gets its own collection,
named after the mapping's ``name`` (sanitised to Chroma's rules) unless
``CHAT_REC_COLLECTION`` is set, so switching catalogs never mixes two indexes.

Deliberately left out: several active catalogs at once (one per home folder).
"""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from chat_rec.catalog.mapping import Mapping
from chat_rec.errors import ConfigError
from chat_rec.settings import Settings

ACTIVE_FILE = "active_catalog.json"


def collection_name(mapping_name: str) -> str:
    """A Chroma-valid collection name: 3-512 chars of [a-zA-Z0-9._-], alphanumeric at both ends,
    no '..', not an IPv4 address."""
    ascii_name = unicodedata.normalize("NFKD", mapping_name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-zA-Z0-9._-]+", "-", ascii_name.strip())
    name = re.sub(r"\.{2,}", ".", name)
    name = re.sub(r"^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$", "", name)
    if len(name) < 3:
        name = f"catalog-{name}" if name else "catalog"
    name = name[:512].rstrip("._-")
    try:
        ipaddress.IPv4Address(name)
        name = f"c-{name}"
    except ValueError:
        pass
    return name


def active_path(settings: Settings) -> Path:
    return settings.home / ACTIVE_FILE


def read_active(settings: Settings) -> dict[str, Any] | None:
    path = active_path(settings)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {"catalog": str(data["catalog"]), "mapping": str(data["mapping"]), **data}
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path} is damaged ({exc})", "Delete it, or run `chat-rec catalog ingest` again to rewrite it."
        ) from exc


def write_active(settings: Settings, catalog: Path, mapping: Path, **extra: Any) -> Path:
    settings.home.mkdir(parents=True, exist_ok=True)
    path = active_path(settings)
    payload = {"catalog": str(Path(catalog).resolve()), "mapping": str(Path(mapping).resolve()), **extra}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    tmp.replace(path)  # atomic: a crash never leaves half a file
    return path


def clear_active(settings: Settings) -> None:
    active_path(settings).unlink(missing_ok=True)


def resolve_catalog(settings: Settings) -> Settings:
    """Settings pointing at the active catalog, unless the catalog was set explicitly."""
    if "catalog" in settings.model_fields_set or "catalog_mapping" in settings.model_fields_set:
        return settings
    active = read_active(settings)
    if active is None:
        return settings
    return settings.model_copy(update={"catalog": Path(active["catalog"]), "catalog_mapping": Path(active["mapping"])})


def resolve_collection(settings: Settings, mapping: Mapping) -> Settings:
    """Settings whose ``collection`` is this catalog's own, unless it was set explicitly."""
    if "collection" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"collection": collection_name(mapping.name)})
