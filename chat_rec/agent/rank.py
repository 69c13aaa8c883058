"""Rank: a weighted sum of candidate features, then MMR for a varied short list.

The weights are a versioned ranking config (``ranking/<version>.yaml``) recorded in
every turn's trace, like prompt versions. Ranking is deterministic and needs no LLM.

A config may also name a learned model (``ranking/<version>/ranking.yaml`` next to its
LightGBM file, :mod:`chat_rec.agent.learned`). Its weights stay the fallback: they rank
when the model file is missing and for catalogs without interaction logs, where the
model's collaborative inputs would all be zero, unlike anything it learned from (the same
for a model that reads the request memory, where no dialogs were logged). The
version a turn records says which of the two ranked (:func:`ranking_version`).

Deliberately left out: learned models that are not a re-ranking of these features.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from chat_rec.agent.learned import REQUEST_INPUTS
from chat_rec.agent.retrieve import FEATURES, Candidates
from chat_rec.errors import ConfigError
from chat_rec.signals import Signals

CONFIG_FILE = "ranking.yaml"  # inside a learned config's folder


class RankingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    description: str = ""
    weights: dict[str, float] = Field(default_factory=dict)
    # a LightGBM model file, relative to the config's folder, or several (seeds) averaged
    model: str | list[str] | None = None
    inputs: list[str] = Field(default_factory=list)  # the model's input columns, in order
    rerank: int = 0  # the model reorders the weighted sum's first N candidates (0: all)
    logs: str = ""  # fingerprint of the interaction logs the model was fitted on
    _folder: Path | None = PrivateAttr(default=None)
    _booster: Any = PrivateAttr(default=None)
    _loaded: bool = PrivateAttr(default=False)

    def booster(self) -> Any | None:
        """The learned model, loaded on first use; None for a weighted-sum config or
        when the file is missing (a warning says so once)."""
        if self.model is None:
            return None
        if not self._loaded:
            from chat_rec.agent.learned import load_model

            files = [self.model] if isinstance(self.model, str) else self.model
            self._booster = load_model([(self._folder or Path(".")) / name for name in files])
            self._loaded = True
        return self._booster

    def vector(self) -> np.ndarray:
        unknown = set(self.weights) - set(FEATURES)
        if unknown:
            raise ConfigError(
                f"ranking config {self.version} has unknown features {sorted(unknown)}", f"Use {FEATURES}."
            )
        return np.array([self.weights.get(f, 0.0) for f in FEATURES], dtype=np.float32)


def load_ranking_config(path: Path) -> RankingConfig:
    """A ``vN.yaml`` weighted sum, or a folder (or its ``ranking.yaml``) with a learned model."""
    path = Path(path)
    file = path / CONFIG_FILE if path.is_dir() else path
    try:
        config = RankingConfig.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(
            f"cannot read ranking config {path}: {exc}", "Fix the file or set CHAT_REC_RANKING_CONFIG."
        ) from exc
    config._folder = file.parent
    return config


def uses_model(config: RankingConfig, signals: Signals | None) -> bool:
    """The learned model ranks when it loads and the catalog has interaction logs (and, for
    a model fitted with the request memory, a memory of logged dialogs)."""
    if signals is None or not signals.has_logs():
        return False
    if set(REQUEST_INPUTS) & set(config.inputs) and not signals.requests:
        return False
    return config.booster() is not None


def ranking_version(config: RankingConfig, signals: Signals | None) -> str:
    """What a turn's trace records: the version, marked ``+weights`` when a learned
    config fell back to its weighted sum."""
    if config.model is None or uses_model(config, signals):
        return config.version
    return f"{config.version}+weights"


def score(candidates: Candidates, config: RankingConfig, signals: Signals | None = None) -> np.ndarray:
    """One score per candidate, higher first. ``signals`` decides whether a learned
    config's model may rank (see :func:`uses_model`); without it the weighted sum ranks."""
    if not candidates.ids:
        return np.zeros(0, dtype=np.float32)
    if config.model is not None and uses_model(config, signals):
        from chat_rec.agent.learned import learned_scores

        return learned_scores(config.booster(), candidates, config.vector(), tuple(config.inputs), config.rerank)
    scores: np.ndarray = candidates.features @ config.vector()
    return scores


def score_many(tables: list[Candidates], config: RankingConfig, signals: Signals | None = None) -> list[np.ndarray]:
    """:func:`score` of each table; a learned model scores all of them in one call
    (benchmarks score thousands of turns with the same config)."""
    if config.model is None or not uses_model(config, signals):
        return [score(c, config, signals) for c in tables]
    from chat_rec.agent.learned import learned_scores_many

    out = [np.zeros(0, dtype=np.float32) for _ in tables]
    rows = [k for k, c in enumerate(tables) if c.ids]
    for start in range(0, len(rows), 500):  # 500 turns of 300 rows: ~40 MB of model inputs at a time
        chunk = rows[start : start + 500]
        booster, inputs = config.booster(), tuple(config.inputs)
        scores = learned_scores_many(booster, [tables[k] for k in chunk], config.vector(), inputs, config.rerank)
        for k, values in zip(chunk, scores):
            out[k] = values
    return out


def rank(candidates: Candidates, config: RankingConfig, signals: Signals | None = None) -> list[tuple[str, float]]:
    scores = score(candidates, config, signals)
    order = np.argsort(-scores, kind="stable")
    return [(candidates.ids[i], float(scores[i])) for i in order]


def one_per_series(ranked: list[tuple[str, float]], series_of: Callable[[str], str | None]) -> list[tuple[str, float]]:
    """Keep the best item of each series in place and move the others to the end: one
    list of three should not be "Toy Story 2, 3 and 4"."""
    first: list[tuple[str, float]] = []
    later: list[tuple[str, float]] = []
    seen: set[str] = set()
    for item_id, value in ranked:
        key = series_of(item_id)
        (later if key is not None and key in seen else first).append((item_id, value))
        if key is not None:
            seen.add(key)
    return first + later


def mmr(ranked: list[tuple[str, float]], vectors: dict[str, np.ndarray], k: int, diversity: float) -> list[str]:
    """Maximal marginal relevance: trade relevance for distance to what is already picked.

    ``diversity`` 0 keeps the ranked order; 1 picks the most different items.
    """
    if diversity <= 0 or len(ranked) <= k:
        return [i for i, _ in ranked[:k]]
    pool = ranked[: max(k * 5, 20)]
    scores = np.array([s for _, s in pool], dtype=np.float32)
    spread = float(scores.max() - scores.min()) or 1.0
    relevance = (scores - scores.min()) / spread
    chosen: list[int] = [0]
    while len(chosen) < k:
        best, best_value = -1, -np.inf
        for j in range(len(pool)):
            if j in chosen:
                continue
            similarity = max(float(vectors[pool[j][0]] @ vectors[pool[c][0]]) for c in chosen)
            value = (1 - diversity) * relevance[j] - diversity * similarity
            if value > best_value:
                best, best_value = j, value
        chosen.append(best)
    return [pool[j][0] for j in chosen]
