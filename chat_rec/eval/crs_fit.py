"""``chat-rec ranking fit --train``: fit the learned ranker on ReDial training dialogs.

1. read every training dialog (the same reading as ``eval redial``) and its co-mentions;
2. hold out ``holdout`` dialogs as validation (seeded, so every run holds out the same);
3. features for the other dialogs, K-fold (:func:`chat_rec.eval.crs_ltr.kfold_runs`), and
   for the validation dialogs with signals from all the others;
   With ``LtrParams.requests`` the request memory (:mod:`chat_rec.signals.requests`) of
   the same dialogs feeds the ``asked``, ``asked_profile`` and ``asked_linear`` features, K-fold like the
   other signals; ``LtrParams.item_facts`` adds the records' year, popularity and rating fields;
4. train LambdaRank on the K-fold examples (``params.fits`` seeds, averaged); score the
   weighted sum and the model on the validation turns with the benchmark's own
   :func:`chat_rec.eval.crs_bench.evaluate`.

Deliberately left out: test dialogs. Nothing here reads them; validation is a part of the
training dialogs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from chat_rec.agent.rank import RankingConfig
from chat_rec.eval.crs_bench import BenchOptions, BenchRun, evaluate, run_features
from chat_rec.eval.crs_data import EvalTurn, redial_dialogs
from chat_rec.eval.crs_ltr import (
    LtrParams,
    examples,
    fold_signals,
    in_memory_config,
    kfold_runs,
    logs_fingerprint,
    session_of,
    split_dialogs,
    train_average,
)
from chat_rec.eval.crs_run import RedialSetup, request_memory
from chat_rec.settings import Settings
from chat_rec.signals.importers import InteractionMapping, read_interactions
from chat_rec.signals.store import catalog_source

SOURCE = "redial-train"


@dataclass
class TrainingData:
    setup: RedialSetup
    turns: list[EvalTurn]
    dialogs: list[str]
    files: dict[str, str]  # dialog id -> the file it came from
    unknown: dict[str, int]  # per dialog, the films it names that are not in the catalog (misses)
    events: pd.DataFrame  # co-mentions of every training dialog, one source


@dataclass
class FitOutcome:
    booster: Any
    fit_dialogs: int
    examples: int
    logs: str  # fingerprint of the logs the examples' signals came from
    validation: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> metrics
    train_runs: list[BenchRun] = field(default_factory=list)
    validation_run: BenchRun | None = None


def read_training(setup: RedialSetup, paths: Sequence[Path]) -> TrainingData:
    turns: list[EvalTurn] = []
    dialogs: list[str] = []
    files: dict[str, str] = {}
    unknown: dict[str, int] = {}
    frames = []
    for path in paths:
        read = redial_dialogs(path, setup.titles)
        found, missing = eval_turns_of(read, setup)
        turns.extend(found)
        unknown.update(missing)
        for dialog_id, _ in read:
            dialogs.append(dialog_id)
            files[dialog_id] = path.name
        mapping = InteractionMapping(kind="redial", source=SOURCE)
        frame, _ = read_interactions(path, setup.space.catalog, mapping)
        frames.append(frame)
    return TrainingData(setup, turns, dialogs, files, unknown, pd.concat(frames, ignore_index=True))


def eval_turns_of(read: Any, setup: RedialSetup) -> tuple[list[EvalTurn], dict[str, int]]:
    from chat_rec.eval.crs_data import eval_turns

    return eval_turns(read, setup.to_item)


@dataclass
class FitTables:
    """The examples' K-fold runs and the validation run of one split of the training dialogs."""

    train_runs: list[BenchRun]
    validation_run: BenchRun | None
    fit_dialogs: int
    logs: str  # fingerprint of the logs the examples' signals came from


def fit_tables(
    data: TrainingData,
    params: LtrParams,
    holdout: int,
    folds: int = 5,
    options: BenchOptions | None = None,
    progress: Callable[[str], None] | None = None,
    split_seed: int = 0,
) -> FitTables:
    """Steps 2 and 3: what a fit trains on and is validated on (the slow part: a model
    trains in about 30 s on them, so comparing inputs or seeds reuses one set of tables)."""
    options = options or BenchOptions()
    space = data.setup.space
    prior = catalog_source(Settings(home=data.setup.home, llm="none"), space)
    fit_ids, held = split_dialogs(data.dialogs, holdout, split_seed)
    fit_set = set(fit_ids)
    fit_sessions = {session_of(d) for d in fit_ids}
    fit_events = data.events[data.events["session"].isin(fit_sessions)]
    memory = request_memory(space, data.turns, options.query_turns) if params.requests else None
    fit_turns = [t for t in data.turns if t.dialog in fit_set]
    runs = kfold_runs(space, fit_turns, fit_events, fit_ids, folds, prior, options, progress, memory)
    val = None
    if held:
        held_set = set(held)
        signals = fold_signals(space, data.events, fit_sessions, prior)
        if memory is not None:
            signals.requests = memory.only(fit_sessions)
        missing = {d: n for d, n in data.unknown.items() if d in held_set}
        val = run_features(space, signals, [t for t in data.turns if t.dialog in held_set], options, missing)
    return FitTables(runs, val, len(fit_ids), logs_fingerprint(fit_events))


def fit(
    data: TrainingData,
    base: RankingConfig,
    params: LtrParams,
    holdout: int,
    folds: int = 5,
    options: BenchOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> FitOutcome:
    tables = fit_tables(data, params, holdout, folds, options, progress)
    x, y, groups = examples([st for r in tables.train_runs for st in r.turns], base.vector(), params)
    if progress:
        progress(f"{len(groups)} examples, {len(y)} rows, {int(y.sum())} positives")
    booster = train_average(x, y, groups, params)
    outcome = FitOutcome(booster, tables.fit_dialogs, len(groups), tables.logs, train_runs=tables.train_runs)
    if tables.validation_run is not None:
        outcome.validation_run = tables.validation_run
        outcome.validation = {
            base.version: evaluate(tables.validation_run, base),
            "learned": evaluate(tables.validation_run, in_memory_config(booster, base, params)),
        }
    return outcome
