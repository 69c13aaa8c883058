"""Load the behavioural signals for a catalog (empty when no interactions exist)."""

from __future__ import annotations

from chat_rec.index.space import ItemSpace
from chat_rec.settings import Settings
from chat_rec.signals import Signals


def load_signals(settings: Settings, space: ItemSpace) -> Signals:
    return Signals()
