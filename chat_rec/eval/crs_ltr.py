"""Learning to rank from training dialogs: K-fold examples and a LightGBM LambdaRank fit.

Every recommender turn of a training dialog that names a catalog film is one ranking
example: the context read as the benchmark reads it, the candidates and features from
the agent's own :func:`chat_rec.agent.retrieve.retrieve`, the films named as positives.
The collaborative features of an example (popularity, co-mentions, the popular and
co-mention routes, the request memory) come from signals built WITHOUT the example's fold of dialogs
(:func:`fold_signals`), so the model never learns from a co-mention that exists only
because the recommender named the film it is asked to find.

Validation is a split of the training dialogs (:func:`split_dialogs`): its turns are
scored with signals from the other dialogs, as test dialogs are scored with signals from
all training dialogs.

Deliberately left out: hyper-parameter search beyond a few settings chosen on the
validation split (rounds, leaves), and features the agent does not compute.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chat_rec.agent.learned import ITEM_INPUTS, MODEL_INPUTS, RELATIVE_INPUTS, REQUEST_INPUTS, model_inputs
from chat_rec.agent.rank import RankingConfig
from chat_rec.eval.crs_bench import BenchOptions, BenchRun, ScoredTurn, run_features
from chat_rec.eval.crs_data import EvalTurn
from chat_rec.index.space import ItemSpace
from chat_rec.signals.collab import CollabSignals, SourceSignals
from chat_rec.signals.requests import RequestMemory


@dataclass
class LtrParams:
    rounds: int = 300
    leaves: int = 31
    learning_rate: float = 0.05
    min_data_in_leaf: int = 50
    rerank: int = 300  # the weighted sum's first N candidates form each example's list
    policy: bool = False  # train on the agent's list (named items and repeats left out)
    relative: bool = False  # add RELATIVE_INPUTS (where each candidate stands in its turn's list)
    requests: bool = False  # add REQUEST_INPUTS (the request memory of the training dialogs)
    item_facts: bool = False  # add ITEM_INPUTS (the record's year, own popularity field and mean rating)
    seed: int = 0
    fits: int = 1  # fits with seeds seed, seed + 1, ... whose scores are averaged
    without: tuple[str, ...] = ()  # inputs left out (to measure what they add)

    @property
    def inputs(self) -> tuple[str, ...]:
        inputs = (
            *MODEL_INPUTS,
            *(REQUEST_INPUTS if self.requests else ()),
            *(ITEM_INPUTS if self.item_facts else ()),
            *(RELATIVE_INPUTS if self.relative else ()),
        )
        return tuple(name for name in inputs if name not in self.without)


def split_dialogs(dialog_ids: Sequence[str], holdout: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """(fit, validation) by a seeded shuffle of the ids: the same split on every run."""
    ids = sorted(set(dialog_ids))
    order = np.random.default_rng(seed).permutation(len(ids))
    held = {ids[j] for j in order[:holdout]}
    return [i for i in ids if i not in held], [i for i in ids if i in held]


def folds_of(dialog_ids: Sequence[str], k: int, seed: int = 0) -> dict[str, int]:
    ids = sorted(set(dialog_ids))
    order = np.random.default_rng(seed + 1).permutation(len(ids))
    return {ids[j]: n % k for n, j in enumerate(order)}


def session_of(dialog_id: str) -> str:
    """The session name the ReDial importer gives a dialog's co-mentions."""
    return f"dialog:{dialog_id}"


def logs_fingerprint(events: pd.DataFrame) -> str:
    """A hash of the (session, item) pairs the signals were built from."""
    pairs = sorted(zip(events["session"].astype(str), events["item_id"].astype(str)))
    return hashlib.sha256(repr(pairs).encode()).hexdigest()[:12]


def fold_signals(
    space: ItemSpace, events: pd.DataFrame, sessions: set[str], prior: SourceSignals | None
) -> CollabSignals:
    """Signals from the events of ``sessions`` only (plus the catalog's own prior)."""
    kept = events[events["session"].isin(sessions)]
    return CollabSignals(space.ids, kept, extra_sources=[prior] if prior else [])


def kfold_runs(
    space: ItemSpace,
    turns: Sequence[EvalTurn],
    events: pd.DataFrame,
    dialogs: Sequence[str],
    k: int,
    prior: SourceSignals | None,
    options: BenchOptions,
    progress: Callable[[str], None] | None = None,
    memory: RequestMemory | None = None,
) -> list[BenchRun]:
    """One run per fold: that fold's turns, with signals (and the request ``memory``) from
    the other folds' dialogs."""
    fold = folds_of(dialogs, k)
    runs = []
    for f in range(k):
        others = {session_of(d) for d, g in fold.items() if g != f}
        signals = fold_signals(space, events, others, prior)
        if memory is not None:
            signals.requests = memory.only(others)
        mine = [t for t in turns if fold.get(t.dialog) == f]
        runs.append(run_features(space, signals, mine, options))
        if progress:
            progress(f"fold {f + 1}/{k}: {len(mine)} turns, {runs[-1].seconds:.0f} s")
    return runs


def examples(
    turns: Sequence[ScoredTurn], weights: np.ndarray, params: LtrParams
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(inputs, labels, group sizes) over each turn's first ``rerank`` rows by the weighted
    sum (the rows the model reorders when it ranks); turns with no target among them teach
    nothing and are left out. With ``params.policy`` the films the user named leave each
    list and only new targets are positives: the model learns the agent's own list."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    groups: list[int] = []
    for st in turns:
        cands = st.candidates
        if not cands.ids:
            continue
        weighted = cands.features @ weights
        head = np.argsort(-weighted, kind="stable")[: params.rerank or len(weighted)]
        if params.policy:
            head = head[~np.isin(head, st.named_rows)]
        targets = {
            row for row, new in zip(st.target_rows, st.turn.new) if row is not None and (new or not params.policy)
        }
        labels = np.array([1.0 if row in targets else 0.0 for row in head], dtype=np.float32)
        if not labels.any():
            continue
        xs.append(model_inputs(cands, weights, params.inputs)[head])
        ys.append(labels)
        groups.append(len(head))
    if not xs:
        return np.zeros((0, len(params.inputs)), dtype=np.float32), np.zeros(0, dtype=np.float32), []
    return np.vstack(xs), np.concatenate(ys), groups


def train(x: np.ndarray, y: np.ndarray, groups: list[int], params: LtrParams) -> Any:
    """A LightGBM LambdaRank booster (deterministic: one thread, fixed seeds)."""
    import lightgbm

    data = lightgbm.Dataset(x, y, group=groups, feature_name=list(params.inputs), free_raw_data=False)
    settings = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [10, 50],
        "learning_rate": params.learning_rate,
        "num_leaves": params.leaves,
        "min_data_in_leaf": params.min_data_in_leaf,
        "feature_fraction": 0.9,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambdarank_truncation_level": 50,
        "num_threads": 2,
        "deterministic": True,
        "force_row_wise": True,
        "seed": params.seed,
        "verbose": -1,
    }
    return lightgbm.train(settings, data, num_boost_round=params.rounds)


def train_average(x: np.ndarray, y: np.ndarray, groups: list[int], params: LtrParams) -> Any:
    """:func:`train` once per seed of ``params.fits``; several fits are averaged
    (:class:`chat_rec.agent.learned.SeedAverage`)."""
    from chat_rec.agent.learned import SeedAverage

    seeds = range(params.seed, params.seed + max(params.fits, 1))
    boosters = [train(x, y, groups, replace(params, seed=seed)) for seed in seeds]
    return boosters[0] if len(boosters) == 1 else SeedAverage(boosters)


def write_model(
    booster: Any, folder: Path, version: str, base: RankingConfig, params: LtrParams, logs: str, description: str
) -> Path:
    """``folder/model.txt`` (or one ``model-seedN.txt`` per fit of a :class:`SeedAverage`)
    and ``folder/ranking.yaml`` (the base weights stay the fallback)."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    boosters = getattr(booster, "boosters", [booster])
    names = ["model.txt"] if len(boosters) == 1 else [f"model-seed{params.seed + k}.txt" for k in range(len(boosters))]
    for one, name in zip(boosters, names):
        one.save_model(str(folder / name))
    doc = {
        "version": version,
        "description": description,
        "weights": base.weights,
        "model": names[0] if len(names) == 1 else names,
        "inputs": list(params.inputs),
        "rerank": params.rerank,
        "logs": logs,
    }
    path = folder / "ranking.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, width=100), encoding="utf-8")
    return path


def in_memory_config(booster: Any, base: RankingConfig, params: LtrParams, version: str = "ltr") -> RankingConfig:
    """A learned config around a booster not yet written (validation during a fit)."""
    config = RankingConfig(
        version=version, weights=base.weights, model="(in memory)", inputs=list(params.inputs), rerank=params.rerank
    )
    config._booster, config._loaded = booster, True
    return config
