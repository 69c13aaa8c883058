"""Persist ingested interactions under ``CHAT_REC_HOME/signals`` and load them as Signals.

One Parquet file of events per source plus ``sources.json`` (weights and validation
reports). In-app feedback of every user (likes, seen, dislikes in the store) is
read as one more source, ``feedback``, so it feeds the same popularity and
co-occurrence; :func:`with_feedback` rebuilds that source when new feedback arrives.
A catalog with no interactions gets the empty :class:`Signals`: every collaborative
feature is zero.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from chat_rec.index.space import ItemSpace
from chat_rec.settings import Settings
from chat_rec.signals import Signals
from chat_rec.signals.collab import EVENT_COLUMNS, CollabSignals, SourceSignals, catalog_prior
from chat_rec.signals.importers import IngestReport

if TYPE_CHECKING:
    from chat_rec.memory.store import Store

FEEDBACK_WEIGHTS = {"like": 1.0, "seen": 0.5, "dislike": -1.0}


def signals_dir(settings: Settings) -> Path:
    return settings.home / "signals"


def _manifest(settings: Settings) -> dict[str, Any]:
    path = signals_dir(settings) / "sources.json"
    if not path.exists():
        return {}
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, json.JSONDecodeError):
        return {}


def save_events(
    settings: Settings, frame: pd.DataFrame, report: IngestReport, weight: float = 1.0, append: bool = False
) -> Path:
    folder = signals_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{report.source}.parquet"
    if append and path.exists():
        frame = pd.concat([pd.read_parquet(path), frame], ignore_index=True).drop_duplicates()
    tmp = path.with_suffix(".tmp")
    frame[list(EVENT_COLUMNS)].to_parquet(tmp, index=False)
    tmp.replace(path)
    manifest = _manifest(settings)
    manifest[report.source] = {"weight": weight, "report": report.to_dict()}
    staged = folder / "sources.json.tmp"  # written aside, then swapped in: a kill never leaves half a file
    staged.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    staged.replace(folder / "sources.json")
    return path


def load_events(settings: Settings, only: Collection[str] | None = None) -> pd.DataFrame:
    """Every ingested source's events, or only the sources named in ``only``."""
    folder = signals_dir(settings)
    paths = sorted(folder.glob("*.parquet")) if folder.exists() else []
    frames = [pd.read_parquet(p) for p in paths if only is None or p.stem in only]
    if not frames:
        return pd.DataFrame(columns=list(EVENT_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def feedback_events(settings: Settings, store: Store | None = None) -> pd.DataFrame:
    """Every user's likes, seen and dislikes as events of the ``feedback`` source."""
    if store is None:
        if settings.database_url is None and not settings.store_path.exists():
            return pd.DataFrame(columns=list(EVENT_COLUMNS))
        from chat_rec.memory.store import Store

        own = Store(settings.store_url)
        try:
            rows = own.feedback_rows()
        finally:
            own.close()
    else:
        rows = store.feedback_rows()
    records = [
        ("feedback", f"user:{r['user_id']}", r["item_id"], FEEDBACK_WEIGHTS.get(r["kind"], 0.0), float("nan"))
        for r in rows
    ]
    return pd.DataFrame(records, columns=list(EVENT_COLUMNS))


def _weights(settings: Settings) -> dict[str, float]:
    return {name: float(entry.get("weight", 1.0)) for name, entry in _manifest(settings).items()}


def catalog_source(settings: Settings, space: ItemSpace) -> SourceSignals | None:
    """The catalog's popularity field (mapping role ``popularity``), when it has one."""
    catalog = space.catalog
    field = catalog.roles.popularity
    if field is None:
        return None
    values = [catalog.by_id[i].get_number(field) for i in space.ids]
    return catalog_prior(values, settings.catalog_popularity_weight)


def load_signals(
    settings: Settings,
    space: ItemSpace,
    half_life_days: float | None = None,
    include_feedback: bool = True,
    only: Collection[str] | None = None,
) -> Signals:
    """``only``: use just these ingested sources (a benchmark run uses the logs it was given,
    not every log an earlier run left in the same home)."""
    events = load_events(settings, only)
    if include_feedback:
        feedback = feedback_events(settings)
        if not feedback.empty:
            events = pd.concat([events, feedback], ignore_index=True) if not events.empty else feedback
    prior = catalog_source(settings, space)
    if events.empty and prior is None:
        return Signals()
    signals = CollabSignals(
        space.ids, events, _weights(settings), half_life_days=half_life_days, extra_sources=[prior] if prior else []
    )
    return signals if signals else Signals()


def with_feedback(settings: Settings, space: ItemSpace, signals: Signals, store: Store) -> Signals:
    """``signals`` with the ``feedback`` source rebuilt from the store's current feedback.

    Only that source is rebuilt (a few ms for thousands of clicks); logs ingested with
    ``interactions ingest`` are kept as they were built.
    """
    events = feedback_events(settings, store)
    weight = _weights(settings).get("feedback", 1.0)
    if isinstance(signals, CollabSignals):
        signals.replace_source("feedback", events, weight)
        return signals if signals else Signals()
    if events.empty:
        return signals
    fresh = CollabSignals(space.ids, events, {"feedback": weight})
    return fresh if fresh else signals
