"""Rank: a weighted sum of candidate features, then MMR for a varied short list.

The weights are a versioned ranking config (``ranking/<version>.yaml``) recorded in
every turn's trace, like prompt versions. Ranking is deterministic and needs no LLM.

Deliberately left out: learned-to-rank models; a weighted sum is easy to read, fit and
ablate.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chat_rec.agent.retrieve import FEATURES, Candidates
from chat_rec.errors import ConfigError


class RankingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    description: str = ""
    weights: dict[str, float] = Field(default_factory=dict)

    def vector(self) -> np.ndarray:
        unknown = set(self.weights) - set(FEATURES)
        if unknown:
            raise ConfigError(
                f"ranking config {self.version} has unknown features {sorted(unknown)}", f"Use {FEATURES}."
            )
        return np.array([self.weights.get(f, 0.0) for f in FEATURES], dtype=np.float32)


def load_ranking_config(path: Path) -> RankingConfig:
    try:
        return RankingConfig.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"cannot read ranking config {path}: {exc}", "Fix the file or set CHAT_REC_RANKING.") from exc


def score(candidates: Candidates, config: RankingConfig) -> np.ndarray:
    if not candidates.ids:
        return np.zeros(0, dtype=np.float32)
    scores: np.ndarray = candidates.features @ config.vector()
    return scores


def rank(candidates: Candidates, config: RankingConfig) -> list[tuple[str, float]]:
    scores = score(candidates, config)
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
