"""The learned ranker: a LightGBM LambdaRank model over the candidate features.

A learned ranking config (``ranking/<version>/ranking.yaml``) names a model file next to
it, the model's input columns and a fingerprint of the interaction logs it was fitted
on. The inputs are the retrieve features (:data:`chat_rec.agent.retrieve.FEATURES`),
the config's weighted sum of them, which routes found the candidate, and how many items
the user named. The model reorders the weighted sum's first ``rerank`` candidates; the
rest keep the weighted sum's order below them, so a model never pulls up an item the
weighted sum ranks far down on features it saw little of in training.

LightGBM because it is well kept, fast on CPU (the 300 rows it reorders score in about
2 ms of CPU), has LambdaRank built in (it optimises NDCG over each turn's list, the
benchmark's kind of metric) and writes a small text model file that diffs and loads
without pickle.

A config may name several model files: fits that differ only by their seed, whose scores
are averaged (:class:`SeedAverage`). One fit's seed moves new-item R@10 on 400 validation
dialogs by up to .014; the average of four matched or beat the mean of its members on
every recall of both validation splits (docs/accuracy.md).

Deliberately left out: models over raw text or embeddings (the retrieve features already
carry them) and online learning from in-app feedback.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from chat_rec.agent.retrieve import FEATURES, Candidates

log = logging.getLogger(__name__)

ROUTES = ("dense", "lexical", "neighbours", "collab", "popular", "people", "series")
EXTRA_INPUTS = ("weighted", *(f"route_{r}" for r in ROUTES), "n_named")
# the request memory's and the record's columns are inputs only of models fitted with them
# (``ranking fit --requests``, ``--item-facts``)
# share: over the turn's best; linear: the memory's ridge regression (signals/requests.py)
REQUEST_INPUTS = ("asked", "asked_share", "asked_profile", "asked_profile_gap", "asked_linear")
RATING_INPUTS = ("rating", "rating_count")  # a catalog without a rating field leaves them at 0
ITEM_INPUTS = ("year", "listed_popularity", *RATING_INPUTS)
MODEL_INPUTS = (*(f for f in FEATURES if f not in REQUEST_INPUTS + ITEM_INPUTS), *EXTRA_INPUTS)
# Where a candidate stands in its own turn's list: a tree sees one row at a time, so
# "dense .42" means nothing until it knows the best dense score of that turn was .45.
RELATIVE_FEATURES = ("dense", "seed", "popularity", "collab", "tag")
RELATIVE_INPUTS = ("weighted_rank", *(f"{name}_gap" for name in RELATIVE_FEATURES))


def model_inputs(candidates: Candidates, weights: np.ndarray, inputs: tuple[str, ...] = MODEL_INPUTS) -> np.ndarray:
    """One row per candidate: the features, the weighted sum, route flags, named count and,
    when ``inputs`` asks for them, the :data:`RELATIVE_INPUTS` (computed over the whole list,
    so a row's value does not depend on which rows the model is shown)."""
    n = len(candidates.ids)
    weighted = candidates.features @ weights
    columns: dict[str, np.ndarray] = {name: candidates.features[:, j] for j, name in enumerate(FEATURES)}
    columns["weighted"] = weighted
    best_asked = float(columns["asked"].max()) if n else 0.0
    columns["asked_share"] = columns["asked"] / best_asked if best_asked > 0 else np.zeros(n, dtype=np.float32)
    columns["asked_profile_gap"] = columns["asked_profile"] - (columns["asked_profile"].max() if n else 0.0)
    if n and any(name in RELATIVE_INPUTS for name in inputs):
        order = np.argsort(-weighted, kind="stable")
        position = np.empty(n, dtype=np.float32)
        position[order] = np.arange(n, dtype=np.float32)
        columns["weighted_rank"] = position
        for name in RELATIVE_FEATURES:
            column = columns[name]
            columns[f"{name}_gap"] = column - column.max()
    where = {item_id: row for row, item_id in enumerate(candidates.ids)}
    for route in ROUTES:
        flags = np.zeros(n, dtype=np.float32)
        flags[[where[i] for i in candidates.routes.get(route, []) if i in where]] = 1.0
        columns[f"route_{route}"] = flags
    columns["n_named"] = np.full(n, float(candidates.n_named), dtype=np.float32)
    return np.column_stack([columns[name] for name in inputs]).astype(np.float32) if n else np.zeros((0, len(inputs)))


class SeedAverage:
    """Fits of one model that differ only by seed, scored as the mean of their scores."""

    def __init__(self, boosters: list[Any]) -> None:
        self.boosters = boosters

    def predict(self, x: np.ndarray, num_threads: int = 1) -> np.ndarray:
        return np.mean([b.predict(x, num_threads=num_threads) for b in self.boosters], axis=0)

    def feature_name(self) -> list[str]:
        names: list[str] = self.boosters[0].feature_name()
        return names


def load_model(paths: list[Path]) -> Any | None:
    """The model in ``paths`` (one LightGBM file, or several averaged), or None (with a
    warning) when one is missing or unreadable: the config's weighted sum ranks instead."""
    boosters = [load_booster(path) for path in paths]
    if not boosters or any(b is None for b in boosters):
        return None
    return boosters[0] if len(boosters) == 1 else SeedAverage(boosters)


def load_booster(path: Path) -> Any | None:
    """The LightGBM model at ``path``, or None (with a warning) when it is missing or
    unreadable."""
    if not path.exists():
        log.warning(
            "learned ranking model %s is missing: ranking by the weighted sum (run `chat-rec ranking fit`)", path
        )
        return None
    import lightgbm

    try:
        return lightgbm.Booster(model_file=str(path))
    except lightgbm.basic.LightGBMError as exc:
        log.warning("cannot read ranking model %s (%s): ranking by the weighted sum", path, exc)
        return None


def learned_scores(
    booster: Any, candidates: Candidates, weights: np.ndarray, inputs: tuple[str, ...], rerank: int
) -> np.ndarray:
    """Scores whose order is the model's over the weighted sum's first ``rerank`` rows
    (all rows when 0), then the weighted sum's order for the rest."""
    return learned_scores_many(booster, [candidates], weights, inputs, rerank)[0]


def learned_scores_many(
    booster: Any, tables: list[Candidates], weights: np.ndarray, inputs: tuple[str, ...], rerank: int
) -> list[np.ndarray]:
    """:func:`learned_scores` of each table, with one model call for all of them (a
    benchmark scores thousands of turns; the model scores each row on its own, so the
    result is the same)."""
    weighted = [(c.features @ weights).astype(np.float64) for c in tables]
    heads = [
        np.arange(len(w)) if rerank <= 0 or rerank >= len(w) else np.argsort(-w, kind="stable")[:rerank]
        for w in weighted
    ]
    x = np.vstack([model_inputs(c, weights, inputs)[h] for c, h in zip(tables, heads)])
    threads = 1 if len(x) < 20_000 else 0  # a benchmark's batch: every core (0: LightGBM's default)
    predicted_all = np.asarray(booster.predict(x, num_threads=threads), dtype=np.float64)
    out: list[np.ndarray] = []
    start = 0
    for w, head in zip(weighted, heads):
        predicted = predicted_all[start : start + len(head)]
        start += len(head)
        n = len(w)
        scores = np.empty(n, dtype=np.float64)
        scores[head] = predicted
        rest = np.setdiff1d(np.arange(n), head)
        if len(rest):  # below every model score, in the weighted sum's order
            scores[rest] = predicted.min() - 1.0 - (w[rest].max() - w[rest])
        out.append(scores)
    return out
